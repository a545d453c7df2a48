//! `wspack verify`: checks a package folder against its manifest, trusting
//! neither. Every manifest field is derived again from the package itself
//! ([`PackageFacts`]: the MSI's tables and summary, the files, the disk inside the
//! sidecar) and compared ([`check`]); any field that disagrees is named.
//!
//! The cheap facts (the MSI, the files' sizes) are compared first, so a damaged
//! package fails before its sidecar is inflated. [`verify`] returns a
//! [`VerifySummary`]; `main.rs` prints it (text, or JSON under `--json`).

mod claims;
mod facts;

pub use claims::{check, Mismatch};
pub use facts::{DiskContent, PackageFacts, PresentFile, SidecarContent};

use crate::manifest::{FileEntry, Manifest};
use crate::report::{self, OutputMode, Reporter};
use crate::{Error, Result};
use serde::Serialize;
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What a successful `wspack verify` checked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerifySummary {
    /// Always `verify`.
    pub command: &'static str,
    /// Always `true` (a failed verify is an [`Error`]).
    pub ok: bool,
    /// The package folder.
    pub out_dir: String,
    /// Wall time, rounded to milliseconds.
    pub seconds: f64,
    /// The manifest's file name.
    pub manifest: String,
    /// The disk inside the sidecar.
    pub disk: CheckedDisk,
    /// Every file checked, the sidecar first.
    pub files: Vec<FileEntry>,
}

/// The disk a sidecar inflated to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckedDisk {
    /// Size in bytes.
    pub size: u64,
    /// SHA-256, lowercase hex.
    pub sha256: String,
}

impl fmt::Display for VerifySummary {
    /// The one line `wspack verify` prints on success.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "ok: {} matches its manifest: disk {} bytes, sha256 {}; {} files checked in {:.1} s",
            self.out_dir,
            self.disk.size,
            self.disk.sha256,
            self.files.len(),
            self.seconds
        )
    }
}

/// Checks a package folder against its manifest, field by field.
pub fn verify(out_dir: &Path, mode: OutputMode) -> Result<VerifySummary> {
    let started = Instant::now();
    let reporter = Reporter::new(mode);
    report::catch_interrupts();
    let manifest_path = find_manifest(out_dir)?;
    let manifest = Manifest::read(&manifest_path)?;
    let manifest_name = file_name(&manifest_path);
    let mut facts = PackageFacts::read_msi_and_sizes(out_dir, &manifest_name)?;
    fail_on(out_dir, check(&manifest, &facts))?;

    reporter.status(&format!(
        "verifying {} ({} bytes) against {}",
        out_dir.join(&manifest.sidecar.file).display(),
        manifest.sidecar.size,
        manifest_path.display()
    ));
    let mut progress = reporter.progress("verifying", manifest.disk.size);
    let read = facts.read_content(&mut |done| {
        progress.set(done);
        !report::interrupted()
    });
    progress.finish();
    read?;
    fail_on(out_dir, check(&manifest, &facts))?;

    let seconds = started.elapsed().as_secs_f64();
    // The sidecar first, as verify has always listed it.
    let mut files = manifest.files.clone();
    files.sort_by_key(|f| f.name != manifest.sidecar.file);
    Ok(VerifySummary {
        command: "verify",
        ok: true,
        out_dir: out_dir.display().to_string(),
        seconds: (seconds * 1000.0).round() / 1000.0,
        manifest: manifest_name,
        disk: CheckedDisk {
            size: manifest.disk.size,
            sha256: manifest.disk.sha256.clone(),
        },
        files,
    })
}

/// Turns the mismatches found, if any, into one error naming the first file and
/// listing the rest.
fn fail_on(out_dir: &Path, mismatches: Vec<Mismatch>) -> Result<()> {
    let Some(first) = mismatches.first() else {
        return Ok(());
    };
    let mut problem = first.problem.clone();
    for more in &mismatches[1..] {
        problem.push_str(&format!("\n  and {more}"));
    }
    Err(Error::Verify {
        path: out_dir.join(&first.file),
        problem,
    })
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Finds the one `*.json` manifest in a package folder.
pub fn find_manifest(out_dir: &Path) -> Result<PathBuf> {
    let no = |reason: String| Error::NoManifest {
        path: out_dir.to_path_buf(),
        reason,
    };
    let entries = fs::read_dir(out_dir).map_err(|e| {
        if e.kind() == io::ErrorKind::NotFound {
            no("the folder does not exist".into())
        } else {
            Error::Io {
                op: "read",
                path: out_dir.to_path_buf(),
                source: e,
            }
        }
    })?;
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| Error::Io {
            op: "read",
            path: out_dir.to_path_buf(),
            source,
        })?;
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "json") && path.is_file() {
            found.push(path);
        }
    }
    found.sort();
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(no("there is no .json file".into())),
        _ => Err(no(format!(
            "there are {} .json files; expected only <internal_name>.json",
            found.len()
        ))),
    }
}
