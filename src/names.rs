//! The names of a package's files: one place derives them from `internal_name`.

/// Every file name of one package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageNames {
    /// `<internal_name>.medv`: the compressed disk.
    pub sidecar: String,
    /// `<internal_name>.msi`.
    pub msi: String,
    /// `<internal_name>.reg`: the policy for Group Policy preferences.
    pub reg: String,
    /// `<internal_name>.json`: the manifest.
    pub manifest: String,
    /// `setup.exe`: the bootstrapper.
    pub setup: String,
    /// `<internal_name>.vhd`: the disk as the MSI stages it on a machine.
    pub staged_disk: String,
}

impl PackageNames {
    /// Names the files of the package whose `internal_name` is `internal_name`.
    pub fn of(internal_name: &str) -> PackageNames {
        PackageNames {
            sidecar: format!("{internal_name}.medv"),
            msi: format!("{internal_name}.msi"),
            reg: format!("{internal_name}.reg"),
            manifest: format!("{internal_name}.json"),
            setup: "setup.exe".into(),
            staged_disk: format!("{internal_name}.vhd"),
        }
    }
}
