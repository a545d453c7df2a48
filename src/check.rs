//! `wspack check` and `wspack init`. (Issue 3.)

use std::path::{Path, PathBuf};

/// What `wspack check` found: the policy, its disk, and what a build will write.
#[derive(Debug)]
pub struct CheckReport {}

impl CheckReport {
    /// Renders the summary (and with `explain`, every value and default) as text.
    pub fn render(&self, explain: bool) -> String {
        let _ = explain;
        todo!("CheckReport::render")
    }

    /// Renders the report as JSON.
    pub fn to_json(&self, explain: bool) -> serde_json::Value {
        let _ = explain;
        todo!("CheckReport::to_json")
    }
}

/// Validates a workspace TOML and its disk; writes nothing.
pub fn check(workspace: &Path) -> crate::Result<CheckReport> {
    let _ = workspace;
    todo!("check::check")
}

/// Writes a commented `workspace.toml` into `dir`; returns its path.
pub fn init(dir: &Path) -> crate::Result<PathBuf> {
    let _ = dir;
    todo!("check::init")
}
