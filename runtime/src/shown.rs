//! What a person sees when a custom action fails: one of the package's messages
//! (its number in the Error table, `wspack_contract::messages`) and the names it
//! shows. The technical detail goes to the log beside it ([`crate::staging::Host::fail`]).

use std::io;
use wspack_contract::messages as m;

/// A failure as a person reads it: every field is a file or folder name (or a size)
/// that the Error table's template shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shown {
    /// The sidecar can't be read beside the package.
    SidecarMissing {
        sidecar: String,
        package: String,
        folder: String,
    },
    /// The disk is already in the folder (no Replace asked for).
    DiskExists { disk: String, folder: String },
    /// The sidecar is damaged or from another build.
    Damaged { sidecar: String, folder: String },
    /// A file is open in another program.
    InUse { file: String, folder: String },
    /// The folder's volume is full.
    NoSpace { folder: String, size: String },
    /// Windows refused access to a file or folder.
    AccessDenied { file: String, folder: String },
    /// The package is damaged (custom action data, chunk table).
    PackageDamaged { package: String },
    /// Anything else: the log has the detail.
    WriteFailed { file: String },
    /// A disk set aside by an earlier install is still beside the disk.
    DiskSetAside {
        set_aside: String,
        disk: String,
        folder: String,
    },
    /// An update's base disk is not the version it updates.
    DeltaBaseMissing {
        package: String,
        folder: String,
        full_sidecar: String,
        package_file: String,
    },
    /// The staged disk an update applies to was changed since it was installed.
    BaseChanged {
        disk: String,
        folder: String,
        package: String,
        full_sidecar: String,
    },
}

impl Shown {
    /// The message's number in the Error table.
    pub fn number(&self) -> i32 {
        match self {
            Shown::SidecarMissing { .. } => m::SIDECAR_MISSING,
            Shown::DiskExists { .. } => m::DISK_EXISTS,
            Shown::Damaged { .. } => m::DISK_DAMAGED,
            Shown::InUse { .. } => m::DISK_IN_USE,
            Shown::NoSpace { .. } => m::NO_SPACE,
            Shown::AccessDenied { .. } => m::ACCESS_DENIED,
            Shown::PackageDamaged { .. } => m::PACKAGE_DAMAGED,
            Shown::WriteFailed { .. } => m::WRITE_FAILED,
            Shown::DiskSetAside { .. } => m::DISK_SET_ASIDE,
            Shown::DeltaBaseMissing { .. } => m::DELTA_BASE_MISSING,
            Shown::BaseChanged { .. } => m::BASE_CHANGED,
        }
    }

    /// The template's arguments, `[2]` first (in `wspack_contract::messages::ARGS` order).
    pub fn args(&self) -> Vec<&str> {
        match self {
            Shown::SidecarMissing {
                sidecar,
                package,
                folder,
            } => vec![sidecar, package, folder],
            Shown::DiskExists { disk, folder } => vec![disk, folder],
            Shown::Damaged { sidecar, folder } => vec![sidecar, folder],
            Shown::InUse { file, folder } => vec![file, folder],
            Shown::NoSpace { folder, size } => vec![folder, size],
            Shown::AccessDenied { file, folder } => vec![file, folder],
            Shown::PackageDamaged { package } => vec![package],
            Shown::WriteFailed { file } => vec![file],
            Shown::DiskSetAside {
                set_aside,
                disk,
                folder,
            } => vec![set_aside, disk, folder],
            Shown::DeltaBaseMissing {
                package,
                folder,
                full_sidecar,
                package_file,
            } => vec![package, folder, full_sidecar, package_file],
            Shown::BaseChanged {
                disk,
                folder,
                package,
                full_sidecar,
            } => vec![disk, folder, package, full_sidecar],
        }
    }

    /// Fills in the disk's size where a no-space message did not know it.
    pub fn with_disk_size(self, bytes: u64) -> Shown {
        match self {
            Shown::NoSpace { folder, size } if size.is_empty() => Shown::NoSpace {
                folder,
                size: size_text(bytes),
            },
            other => other,
        }
    }

    /// A damaged package; `msi` is its path, empty when not even that is known.
    pub fn package_damaged(msi: &str) -> Shown {
        let package = if msi.is_empty() {
            "you opened".to_string()
        } else {
            name_of(msi).to_string()
        };
        Shown::PackageDamaged { package }
    }

    /// What an I/O error on `path` means to a person: in use, no space, access
    /// denied, or (anything else) a write that failed. `size`: the disk's size,
    /// for the no-space message (0: not known here, see [`Shown::with_disk_size`]).
    pub fn from_io(e: &io::Error, path: &str, size: u64) -> Shown {
        let file = name_of(path).to_string();
        let folder = folder_of(path).to_string();
        let code = e.raw_os_error().unwrap_or(0);
        if IN_USE.contains(&code) {
            Shown::InUse { file, folder }
        } else if NO_SPACE.contains(&code) {
            Shown::NoSpace {
                folder,
                size: if size == 0 {
                    String::new()
                } else {
                    size_text(size)
                },
            }
        } else if e.kind() == io::ErrorKind::PermissionDenied {
            Shown::AccessDenied { file, folder }
        } else {
            Shown::WriteFailed {
                file: path.to_string(),
            }
        }
    }
}

/// The OS errors that mean "open in another program": ERROR_SHARING_VIOLATION,
/// ERROR_LOCK_VIOLATION (ETXTBSY natively).
#[cfg(windows)]
const IN_USE: &[i32] = &[32, 33];
#[cfg(not(windows))]
const IN_USE: &[i32] = &[26];
/// The OS errors that mean "the volume is full": ERROR_DISK_FULL,
/// ERROR_HANDLE_DISK_FULL (ENOSPC, EDQUOT natively).
#[cfg(windows)]
const NO_SPACE: &[i32] = &[112, 39];
#[cfg(not(windows))]
const NO_SPACE: &[i32] = &[28, 122];

/// The file name part of a Windows (or native) path.
pub fn name_of(path: &str) -> &str {
    match path.rfind(['\\', '/']) {
        Some(i) => &path[i + 1..],
        None => path,
    }
}

/// The folder part of a Windows (or native) path.
pub fn folder_of(path: &str) -> &str {
    crate::data::parent(path)
}

/// A disk size as the installer's pages write it: `3.0 GB`, `12 MB`.
pub fn size_text(bytes: u64) -> String {
    const MB: u64 = 1 << 20;
    const GB: u64 = 1 << 30;
    if bytes >= GB {
        format!("{:.1} GB", bytes as f64 / GB as f64)
    } else {
        format!("{} MB", (bytes + MB - 1) / MB)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every() -> Vec<Shown> {
        let s = || "x".to_string();
        vec![
            Shown::SidecarMissing {
                sidecar: s(),
                package: s(),
                folder: s(),
            },
            Shown::DiskExists {
                disk: s(),
                folder: s(),
            },
            Shown::Damaged {
                sidecar: s(),
                folder: s(),
            },
            Shown::InUse {
                file: s(),
                folder: s(),
            },
            Shown::NoSpace {
                folder: s(),
                size: s(),
            },
            Shown::AccessDenied {
                file: s(),
                folder: s(),
            },
            Shown::PackageDamaged { package: s() },
            Shown::WriteFailed { file: s() },
            Shown::DiskSetAside {
                set_aside: s(),
                disk: s(),
                folder: s(),
            },
            Shown::DeltaBaseMissing {
                package: s(),
                folder: s(),
                full_sidecar: s(),
                package_file: s(),
            },
            Shown::BaseChanged {
                disk: s(),
                folder: s(),
                package: s(),
                full_sidecar: s(),
            },
        ]
    }

    #[test]
    fn every_message_has_the_contracts_number_and_argument_count() {
        let all = every();
        assert_eq!(all.len(), m::ARGS.len(), "one Shown per message");
        for shown in &all {
            assert_eq!(
                m::arg_count(shown.number()),
                Some(shown.args().len()),
                "{:?}",
                shown
            );
        }
    }

    #[test]
    fn io_errors_read_as_in_use_no_space_denied_or_failed() {
        let path = r"C:\ProgramData\Medv\ws.vhd.wspack-tmp";
        let os = |code: i32| io::Error::from_raw_os_error(code);
        assert_eq!(
            Shown::from_io(&os(IN_USE[0]), path, 0),
            Shown::InUse {
                file: "ws.vhd.wspack-tmp".into(),
                folder: r"C:\ProgramData\Medv".into()
            }
        );
        assert_eq!(
            Shown::from_io(&os(NO_SPACE[0]), path, 3 << 30),
            Shown::NoSpace {
                folder: r"C:\ProgramData\Medv".into(),
                size: "3.0 GB".into()
            }
        );
        assert_eq!(
            Shown::from_io(&os(NO_SPACE[0]), path, 0).with_disk_size(12 << 20),
            Shown::NoSpace {
                folder: r"C:\ProgramData\Medv".into(),
                size: "12 MB".into()
            }
        );
        let denied = io::Error::from(io::ErrorKind::PermissionDenied);
        assert_eq!(Shown::from_io(&denied, path, 0).number(), m::ACCESS_DENIED);
        let other = io::Error::new(io::ErrorKind::Other, "boom");
        assert_eq!(
            Shown::from_io(&other, path, 0),
            Shown::WriteFailed { file: path.into() }
        );
        assert_eq!(size_text(12 << 20), "12 MB");
        assert_eq!(size_text(1), "1 MB");
        assert_eq!(name_of("a/b\\c.medv"), "c.medv");
    }
}
