//! The workspace policy: `workspace.toml` parsed once into checked types.
//!
//! This is the only module that reads TOML. [`Policy::registry_values`] turns a
//! policy into the ordered registry values that every output is written from.
//! Every problem is a [`PolicyError`] with `file:line:column` and a `help:` line; the
//! module depends on nothing else in the crate.

mod assemble;
mod codepage;
mod contract;
mod diagnostic;
mod fields;
mod load;
mod reference;
mod rules;
mod source;
mod values;

pub use diagnostic::{Diagnostic, Location, PolicyError};
pub use reference::{reference_markdown, registry_keys, template, DefaultValue};
pub use values::{RegData, RegValue, ROOT_KEY};

use std::path::{Path, PathBuf};

/// What every ProductName starts with: the ARP name is `MED-V Workspace - <name>`.
pub const PRODUCT_NAME_PREFIX: &str = "MED-V Workspace - ";
/// The longest ProductName Windows Installer accepts (ICE16: fewer than 64 characters).
pub const PRODUCT_NAME_MAX: usize = 63;
/// The longest `workspace.name`, in characters: ProductName is the prefix and the name.
pub const NAME_MAX: usize = PRODUCT_NAME_MAX - PRODUCT_NAME_PREFIX.len();

/// A product version `a.b.c` (a, b ≤ 255; c ≤ 65535), as Windows Installer compares them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    /// Major (0–255).
    pub major: u8,
    /// Minor (0–255).
    pub minor: u8,
    /// Build (0–65535).
    pub build: u16,
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.build)
    }
}

/// The `[workspace]` table: identity and packaging.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    /// Display name (ARP name `MED-V Workspace - <name>`).
    pub name: String,
    /// `[A-Za-z0-9_-]{1,32}`, not a Windows device name: base of every output file name.
    pub internal_name: String,
    /// MSI ProductVersion.
    pub version: Version,
    /// MSI Manufacturer.
    pub manufacturer: String,
    /// The disk, resolved relative to the TOML file's folder.
    pub vhd: PathBuf,
    /// MSI UpgradeCode, if the TOML pins one (else derived from `internal_name`).
    pub upgrade_code: Option<uuid::Uuid>,
    /// The support link in Add/Remove Programs (an http(s) URL), if given.
    pub help_url: Option<String>,
    /// The contact in Add/Remove Programs, if given.
    pub contact: Option<String>,
}

impl Workspace {
    /// Returns the MSI ProductName (the ARP name): `MED-V Workspace - <name>`.
    pub fn product_name(&self) -> String {
        format!("{PRODUCT_NAME_PREFIX}{}", self.name)
    }
}

/// A checked workspace policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// The TOML file it was read from.
    pub source: PathBuf,
    /// Identity and packaging.
    pub workspace: Workspace,
    /// Every declared registry value, in contract order.
    pub values: Vec<RegValue>,
    /// Where the `vhd` value sits in the TOML (`None` for a policy built in code).
    pub vhd_location: Option<Location>,
}

impl Policy {
    /// Returns the registry values a build writes, in contract order.
    pub fn registry_values(&self) -> &[RegValue] {
        &self.values
    }

    /// Returns what is valid but may not do what the author meant, one sentence each.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        for v in &self.values {
            if let (("Fts", "ComputerNameMask"), RegData::Sz(mask)) = ((v.key, v.name), &v.data) {
                if rules::mask_may_exceed_limit(mask) {
                    out.push(format!(
                        "{}: first_time_setup.computer_name_mask {mask:?} can make a computer name \
                         longer than Windows' {} characters: limit %username% or %hostname% \
                         with [n], e.g. %username%[8]",
                        self.source.display(),
                        rules::COMPUTER_NAME_MAX
                    ));
                }
            }
        }
        out
    }

    /// Reads and checks a policy file; every problem of the file is reported at once.
    pub fn load(path: &Path) -> Result<Policy, PolicyError> {
        let text = source::read(path)?;
        load::parse(&text, path)
    }

    /// Parses policy text; `source` names the file in messages and anchors relative paths.
    pub fn parse(text: &str, source: &Path) -> Result<Policy, PolicyError> {
        load::parse(text, source)
    }

    /// Returns the error for a disk that can't be opened, located at the `vhd` value:
    /// `problem` says what went wrong (naming the file), `help` how to fix it.
    pub fn vhd_error(
        &self,
        problem: impl std::fmt::Display,
        help: impl Into<String>,
    ) -> PolicyError {
        PolicyError::one(
            &self.source,
            self.vhd_location,
            format!("workspace.vhd: {problem}"),
            help,
        )
    }
}
