//! `wspack verify`: checks a package folder against its manifest.
//!
//! [`verify`] returns a [`VerifySummary`]; `main.rs` prints it (text, or JSON
//! under `--json`).

use crate::manifest::{self, FileEntry, Manifest};
use crate::report::{self, OutputMode, Reporter};
use crate::sidecar::{self, InflateError};
use crate::stage::{self, Digested};
use crate::{Error, Result};
use serde::Serialize;
use std::fmt;
use std::fs::{self, File};
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

fn io_err<'a>(op: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> Error + 'a {
    move |source| Error::Io {
        op,
        path: path.to_path_buf(),
        source,
    }
}

fn entry(name: &str, got: &Digested) -> FileEntry {
    FileEntry {
        name: name.to_string(),
        size: got.size,
        sha256: stage::to_hex(&got.sha256),
    }
}

/// Re-reads a build's sidecar and checks it against its manifest.
pub fn verify(out_dir: &Path, mode: OutputMode) -> Result<VerifySummary> {
    let started = Instant::now();
    let reporter = Reporter::new(mode);
    report::catch_interrupts();
    let manifest_path = find_manifest(out_dir)?;
    let m = Manifest::read(&manifest_path)?;
    let fail = |name: &str, problem: String| Error::Verify {
        path: out_dir.join(name),
        problem,
    };
    if m.schema_version > manifest::SCHEMA_VERSION {
        return Err(fail(
            &manifest_file_name(&manifest_path),
            format!(
                "schema_version {} is newer than this wspack understands ({}); use a newer wspack",
                m.schema_version,
                manifest::SCHEMA_VERSION
            ),
        ));
    }
    let disk_sha = stage::parse_sha256(&m.disk.sha256).ok_or_else(|| {
        fail(
            &manifest_file_name(&manifest_path),
            format!("disk.sha256 {:?} is not 64 hex digits", m.disk.sha256),
        )
    })?;
    // Cheap checks first: every listed file is there with its size.
    if !m.files.iter().any(|f| f.name == m.sidecar.file) {
        return Err(fail(
            &manifest_file_name(&manifest_path),
            format!("the sidecar {} is not in files", m.sidecar.file),
        ));
    }
    for f in &m.files {
        if f.name.is_empty() || f.name.contains(['/', '\\']) || f.name == "." || f.name == ".." {
            return Err(fail(
                &manifest_file_name(&manifest_path),
                format!("file name {:?} is not a plain file name", f.name),
            ));
        }
        let path = out_dir.join(&f.name);
        let len = match fs::metadata(&path) {
            Ok(meta) => meta.len(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(fail(
                    &f.name,
                    format!(
                        "the file is missing (the manifest lists it with {} bytes)",
                        f.size
                    ),
                ))
            }
            Err(e) => return Err(io_err("read", &path)(e)),
        };
        if len != f.size {
            return Err(fail(
                &f.name,
                format!(
                    "size is {len} bytes, the manifest says {} ({})",
                    f.size,
                    if len < f.size {
                        "truncated"
                    } else {
                        "longer than built"
                    }
                ),
            ));
        }
    }
    // Then the hashes of the small files, and the sidecar in one pass.
    let mut checked = Vec::new();
    for f in m.files.iter().filter(|f| f.name != m.sidecar.file) {
        let path = out_dir.join(&f.name);
        let file = File::open(&path).map_err(io_err("read", &path))?;
        let got = stage::copy_hashed(file, io::sink(), &mut |_| true).map_err(|e| match e {
            stage::StageError::Io(source) => io_err("read", &path)(source),
            other => fail(&f.name, other.to_string()),
        })?;
        compare_file(f, &got).map_err(|p| fail(&f.name, p))?;
        checked.push(entry(&f.name, &got));
    }
    let medv_entry = m
        .files
        .iter()
        .find(|f| f.name == m.sidecar.file)
        .expect("checked above");
    let medv_path = out_dir.join(&m.sidecar.file);
    let file = File::open(&medv_path).map_err(io_err("read", &medv_path))?;
    reporter.status(&format!(
        "verifying {} ({} bytes) against {}",
        medv_path.display(),
        m.sidecar.size,
        manifest_path.display()
    ));
    let mut progress = reporter.progress("verifying", m.disk.size);
    let inflation = sidecar::inflate(io::BufReader::with_capacity(0, file), &mut |done| {
        progress.set(done);
        !report::interrupted()
    });
    progress.finish();
    let medv = inflation.sidecar.map_err(io_err("read", &medv_path))?;
    let medv_problem = compare_file(medv_entry, &medv).err();
    let disk = match inflation.disk {
        Ok(d) => d,
        Err(InflateError::Cancelled) => return Err(Error::Interrupted),
        Err(e) => {
            let mut problem = e.to_string();
            if let Some(p) = medv_problem {
                problem = format!("{p}; {problem}");
            }
            return Err(fail(&m.sidecar.file, problem));
        }
    };
    if let Some(p) = medv_problem {
        return Err(fail(&m.sidecar.file, p));
    }
    let expected = stage::Expected {
        size: m.disk.size,
        sha256: disk_sha,
    };
    stage::check(&disk, &expected).map_err(|e| {
        fail(
            &m.sidecar.file,
            format!("the disk inside is not the one built: {e}"),
        )
    })?;
    checked.insert(0, entry(&medv_entry.name, &medv));
    let seconds = started.elapsed().as_secs_f64();
    Ok(VerifySummary {
        command: "verify",
        ok: true,
        out_dir: out_dir.display().to_string(),
        seconds: (seconds * 1000.0).round() / 1000.0,
        manifest: manifest_file_name(&manifest_path),
        disk: CheckedDisk {
            size: disk.size,
            sha256: m.disk.sha256.clone(),
        },
        files: checked,
    })
}

fn manifest_file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Compares a digest with a manifest entry; returns the problem in words.
fn compare_file(entry: &FileEntry, got: &Digested) -> std::result::Result<(), String> {
    if got.size != entry.size {
        return Err(format!(
            "size is {} bytes, the manifest says {}",
            got.size, entry.size
        ));
    }
    let hex = stage::to_hex(&got.sha256);
    if hex != entry.sha256 {
        return Err(format!(
            "SHA-256 is {hex}, the manifest says {} (the file was changed or damaged after the build)",
            entry.sha256
        ));
    }
    Ok(())
}

/// Finds the one `*.json` manifest in a package folder.
fn find_manifest(out_dir: &Path) -> Result<PathBuf> {
    let no = |reason: String| Error::NoManifest {
        path: out_dir.to_path_buf(),
        reason,
    };
    let entries = fs::read_dir(out_dir).map_err(|e| {
        if e.kind() == io::ErrorKind::NotFound {
            no("the folder does not exist".into())
        } else {
            io_err("read", out_dir)(e)
        }
    })?;
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry.map_err(io_err("read", out_dir))?;
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
