//! The build side of `--base`: the base a build is compared with, and the delta
//! sidecar made of the full sidecar's changed members.

use super::delta::{DeltaChunk, DeltaTable, Source};
use super::package::{DiskId, Package};
use super::{reusable_chunks, UpdateError};
use crate::manifest::{BaseEntry, DeltaEntry, UpdateEntry};
use crate::policy::Policy;
use crate::sidecar::{ChunkTable, HashingWriter};
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use wspack_contract::stage::{self, Digested};

/// The package a build is compared with (`--base OLD_OUTDIR`).
#[derive(Debug, Clone)]
pub struct Base {
    /// Its folder.
    pub dir: PathBuf,
    /// Its ProductCode.
    pub product_code: String,
    /// Its ProductVersion.
    pub version: String,
    /// The disk it stages.
    pub disk: DiskId,
    /// Its sidecar's chunk table.
    pub chunks: ChunkTable,
}

impl Base {
    /// Reads the base package in `dir` and checks that it is an earlier version of
    /// the workspace `policy` describes, with a chunk table (invalid input if not).
    pub fn load(dir: &Path, policy: &Policy) -> crate::Result<Base> {
        let package = Package::read(dir)?;
        let refuse = |problem: String, help: String| UpdateError {
            path: dir.to_path_buf(),
            problem,
            help,
        };
        let ours = crate::msi::deployment(policy);
        if package.msi.upgrade_code != ours.upgrade_code {
            return Err(refuse(
                format!(
                    "the base is another workspace: its UpgradeCode is {}, this build's is {}",
                    package.msi.upgrade_code, ours.upgrade_code
                ),
                "pass the folder of an earlier version of this workspace (same internal_name \
                 and upgrade_code)"
                    .into(),
            )
            .into());
        }
        let version = &policy.workspace.version;
        let new = (version.major, version.minor, version.build);
        if parse_version(&package.msi.product_version).is_none_or(|base| base >= new) {
            return Err(refuse(
                format!(
                    "the base has version {}, not lower than this build's {version}",
                    package.msi.product_version
                ),
                format!(
                    "raise workspace.version in {} above {} (an upgrade needs a higher version)",
                    policy.source.display(),
                    package.msi.product_version
                ),
            )
            .into());
        }
        let Some(chunks) = package.chunks else {
            return Err(refuse(
                "the base package has no chunk table: an older wspack built its sidecar as one \
                 gzip member, so no chunk of it can be reused"
                    .into(),
                "rebuild the base version with this wspack (same TOML, same disk: machines that \
                 have it installed need nothing new), then build again with --base pointing at \
                 that rebuild"
                    .into(),
            )
            .into());
        };
        Ok(Base {
            dir: dir.to_path_buf(),
            product_code: package.msi.product_code,
            version: package.msi.product_version,
            disk: package.disk,
            chunks,
        })
    }

    /// Whether the new disk is byte-identical to the base's.
    pub fn same_disk(&self, new: &Digested) -> bool {
        self.disk.size == new.size && self.disk.sha256 == new.sha256
    }
}

fn parse_version(text: &str) -> Option<(u8, u8, u16)> {
    let mut parts = text.split('.');
    let version = (
        parts.next()?.parse().ok()?,
        parts.next()?.parse().ok()?,
        parts.next()?.parse().ok()?,
    );
    parts.next().is_none().then_some(version)
}

/// What a build learned about its base: the manifest's record, and the delta
/// table the MSI carries when the disk changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateFacts {
    /// The manifest's `update` entry.
    pub entry: UpdateEntry,
    /// The delta table (`None` for a policy-only build).
    pub delta: Option<DeltaTable>,
}

impl UpdateFacts {
    /// The facts before the delta is written: the base, and whether only the policy changed.
    pub fn new(base: &Base, policy_only: bool) -> UpdateFacts {
        UpdateFacts {
            entry: UpdateEntry {
                base: BaseEntry {
                    product_code: base.product_code.clone(),
                    version: base.version.clone(),
                    disk_size: base.disk.size,
                    disk_sha256: stage::to_hex(&base.disk.sha256),
                },
                policy_only,
                delta: None,
            },
            delta: None,
        }
    }

    /// Records the delta written to `file`.
    pub fn set_delta(&mut self, file: String, table: DeltaTable) {
        self.entry.delta = Some(DeltaEntry {
            file,
            size: table.delta_size,
            sha256: stage::to_hex(&table.delta_sha256),
            chunks: table.chunks.len() as u64,
            changed_chunks: table.delta_chunks() as u64,
        });
        self.delta = Some(table);
    }
}

/// Says in one line what a build made with `--base` must ship (the build summary's text).
pub fn describe(entry: &UpdateEntry) -> String {
    let base = &entry.base.version;
    if entry.policy_only {
        return format!(
            "policy-only relative to version {base}: machines that have it need the MSI alone\n"
        );
    }
    entry.delta.as_ref().map_or_else(String::new, |d| {
        format!(
            "delta relative to version {base}: {} of {} chunks changed; machines that have \
             it need the MSI and {} ({} bytes)\n",
            d.changed_chunks, d.chunks, d.file, d.size
        )
    })
}

/// Why writing the delta failed.
#[derive(Debug)]
pub enum DeltaError {
    /// Reading the full sidecar failed (or it is shorter than its chunk table says).
    Read(io::Error),
    /// Writing the delta failed.
    Write(io::Error),
}

impl DeltaError {
    /// The crate's error, naming the full sidecar read or the delta written.
    pub fn into_error(self, sidecar: &Path, delta: &Path) -> crate::Error {
        let (op, path, source) = match self {
            DeltaError::Read(source) => ("read", sidecar, source),
            DeltaError::Write(source) => ("write", delta, source),
        };
        crate::Error::Io {
            op,
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Writes the delta sidecar to `out`: the gzip members of the chunks of `new` that
/// the base disk does not hold, copied from the full sidecar at `sidecar` (so the
/// delta is itself a multi-member gzip file). Returns its table.
pub fn write_delta(
    base: &Base,
    new: &ChunkTable,
    sidecar: &Path,
    out: &mut dyn Write,
) -> Result<DeltaTable, DeltaError> {
    let mut src = File::open(sidecar).map_err(DeltaError::Read)?;
    let mut out = HashingWriter::new(out);
    let mut chunks = Vec::with_capacity(new.chunks.len());
    for (c, reuse) in new.chunks.iter().zip(reusable_chunks(&base.chunks, new)) {
        let source = match reuse {
            Some(offset) => Source::Base { offset },
            None => {
                let offset = out.digest_size();
                copy_member(&mut src, c.sidecar_offset, c.sidecar_len, &mut out)?;
                Source::Delta {
                    offset,
                    len: c.sidecar_len,
                }
            }
        };
        chunks.push(DeltaChunk {
            disk_offset: c.disk_offset,
            disk_len: c.disk_len,
            source,
            sha256: c.sha256,
        });
    }
    out.flush().map_err(DeltaError::Write)?;
    let digest = out.digest();
    Ok(DeltaTable {
        base_size: base.disk.size,
        base_sha256: base.disk.sha256,
        delta_size: digest.size,
        delta_sha256: digest.sha256,
        chunks,
    })
}

/// Copies `len` bytes at `offset` of `src` to `out`.
fn copy_member(
    src: &mut File,
    offset: u64,
    len: u64,
    out: &mut impl Write,
) -> Result<(), DeltaError> {
    src.seek(SeekFrom::Start(offset))
        .map_err(DeltaError::Read)?;
    let mut member = src.take(len);
    let mut buf = vec![0u8; 1 << 20];
    let mut copied = 0u64;
    loop {
        let n = match member.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(DeltaError::Read(e)),
        };
        out.write_all(&buf[..n]).map_err(DeltaError::Write)?;
        copied += n as u64;
    }
    if copied != len {
        return Err(DeltaError::Read(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("the member at offset {offset} has {copied} of its {len} bytes"),
        )));
    }
    Ok(())
}
