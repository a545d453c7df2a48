//! The MSI database. (Issue 5.)

use std::path::Path;

/// What an MSI will install, read back with the `msi` crate.
#[derive(Debug)]
pub struct Inspection {}

impl Inspection {
    /// Renders the inspection as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        todo!("Inspection::to_json")
    }
}

impl std::fmt::Display for Inspection {
    fn fmt(&self, _f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        todo!("Inspection Display")
    }
}

/// Reads an `.msi` (or the one in a build's output folder) back.
pub fn inspect(path: &Path) -> crate::Result<Inspection> {
    let _ = path;
    todo!("msi::inspect")
}
