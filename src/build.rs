//! `wspack build` (plan + run) and `wspack verify`. (Issue 4.)

use crate::report::OutputMode;
use std::path::PathBuf;

/// What `wspack build` was asked to do.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The workspace TOML.
    pub workspace: PathBuf,
    /// The output folder.
    pub out_dir: PathBuf,
    /// Compression threads (>= 1).
    pub jobs: usize,
    /// Deflate level 1–9.
    pub level: u32,
    /// Replace the contents of a non-empty `out_dir`.
    pub force: bool,
    /// How to report progress.
    pub mode: OutputMode,
}

/// Runs a build; returns the summary (printed as JSON under `--json`).
pub fn run(opts: &BuildOptions) -> crate::Result<serde_json::Value> {
    let _ = opts;
    todo!("build::run")
}

/// Re-reads a build's sidecar and checks it against its manifest.
pub fn verify(out_dir: &std::path::Path, mode: OutputMode) -> crate::Result<serde_json::Value> {
    let _ = (out_dir, mode);
    todo!("build::verify")
}
