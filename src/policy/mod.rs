//! The workspace policy: `workspace.toml` parsed once into checked types.
//!
//! This is the only module that reads TOML. [`Policy::registry_values`] turns a
//! policy into the ordered registry values that every output is written from.

pub(crate) mod contract;
mod diagnostic;
mod load;
mod rules;
mod values;

pub use diagnostic::{Diagnostic, PolicyError};
pub use values::{RegData, RegValue, ROOT_KEY};

use std::path::PathBuf;

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
    /// `[A-Za-z0-9_-]{1,32}`: base of every output file name and of the staged VHD.
    pub internal_name: String,
    /// MSI ProductVersion.
    pub version: Version,
    /// MSI Manufacturer.
    pub manufacturer: String,
    /// The disk, resolved relative to the TOML file's folder.
    pub vhd: PathBuf,
    /// MSI UpgradeCode, if the TOML pins one (else derived from `internal_name`).
    pub upgrade_code: Option<uuid::Uuid>,
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
}

impl Policy {
    /// Reads and checks a policy file; every problem of the file is reported at once.
    pub fn load(path: &std::path::Path) -> crate::Result<Policy> {
        let text = std::fs::read_to_string(path).map_err(|source| crate::Error::Input {
            what: "read the workspace policy",
            path: path.to_path_buf(),
            source,
            help: "pass the path of a workspace.toml (`wspack init` writes one)",
        })?;
        Ok(load::parse(&text, path)?)
    }

    /// Parses policy text; `source` names the file in messages and anchors relative paths.
    pub fn parse(text: &str, source: &std::path::Path) -> Result<Policy, PolicyError> {
        load::parse(text, source)
    }
}

/// Renders the policy reference (`docs/policy.md`) from the contract table.
pub fn reference_markdown() -> String {
    contract::reference_markdown()
}
