//! A built package folder read back: its MSI (through [`crate::msi::inspect`]),
//! the disk the MSI stages, and the chunk and delta tables the MSI carries.

use super::delta::{DeltaTable, DELTA_SUFFIX, DELTA_TABLE_BINARY};
use super::UpdateError;
use crate::msi::Inspection;
use crate::sidecar::{ChunkTable, CHUNK_TABLE_BINARY};
use std::io;
use std::path::{Path, PathBuf};
use wspack_contract::stage;

/// The disk a package stages: its size and SHA-256, as its MSI records them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiskId {
    /// Size in bytes.
    pub size: u64,
    /// SHA-256.
    pub sha256: [u8; 32],
}

/// A package folder written by `wspack build`.
#[derive(Debug, Clone)]
pub struct Package {
    /// The folder.
    pub dir: PathBuf,
    /// What its MSI installs.
    pub msi: Inspection,
    /// The MSI's size in bytes.
    pub msi_size: u64,
    /// The disk the MSI stages.
    pub disk: DiskId,
    /// The full sidecar's file name and size (`None` when the file is absent).
    pub sidecar: (String, Option<u64>),
    /// The delta sidecar's file name and size (`None` when the file is absent).
    pub delta_file: (String, Option<u64>),
    /// The sidecar's chunk table (`None`: a package of the one-member layout).
    pub chunks: Option<ChunkTable>,
    /// The delta table (`None`: the package was built without a disk delta).
    pub delta: Option<DeltaTable>,
}

impl Package {
    /// Reads the package in `dir`; a folder that is not a package is invalid input.
    pub fn read(dir: &Path) -> crate::Result<Package> {
        let refuse = |problem: String| UpdateError {
            path: dir.to_path_buf(),
            problem,
            help: "pass a folder that `wspack build -o` wrote".into(),
        };
        if !dir.is_dir() {
            let problem = if dir.exists() {
                "this is a file, not a package folder"
            } else {
                "the package folder does not exist"
            };
            return Err(refuse(problem.into()).into());
        }
        let msi = crate::msi::inspect(dir)?;
        let msi_size = file_size(&msi.path)?.unwrap_or(0);
        let disk = disk_id(&msi).map_err(|p| refuse(p.to_string()))?;
        let sidecar_name =
            msi.disk.sidecar.clone().ok_or_else(|| {
                refuse("its MSI names no sidecar (property WspackSidecar)".into())
            })?;
        let stem = sidecar_name.strip_suffix(".medv").unwrap_or(&sidecar_name);
        let delta_name = format!("{stem}{DELTA_SUFFIX}");
        let chunks = msi
            .disk
            .chunk_table
            .clone()
            .transpose()
            .map_err(|e| damaged(&msi.path, format!("{CHUNK_TABLE_BINARY}: {e}")))?;
        let delta = msi
            .disk
            .delta_table
            .clone()
            .map(|b| b.and_then(|b| DeltaTable::decode(&b).map_err(|e| e.to_string())))
            .transpose()
            .map_err(|e| damaged(&msi.path, format!("{DELTA_TABLE_BINARY}: {e}")))?;
        Ok(Package {
            dir: dir.to_path_buf(),
            msi_size,
            disk,
            sidecar: (sidecar_name.clone(), file_size(&dir.join(&sidecar_name))?),
            delta_file: (delta_name.clone(), file_size(&dir.join(&delta_name))?),
            msi,
            chunks,
            delta,
        })
    }
}

fn damaged(msi: &Path, problem: String) -> crate::Error {
    UpdateError {
        path: msi.to_path_buf(),
        problem,
        help: "the package is damaged: copy it again from the build, or rebuild it".into(),
    }
    .into()
}

fn disk_id(msi: &Inspection) -> Result<DiskId, &'static str> {
    let size = msi
        .disk
        .size
        .ok_or("its MSI records no disk size (property WspackDiskSize)")?;
    let sha256 = msi
        .disk
        .sha256
        .as_deref()
        .and_then(stage::parse_sha256)
        .ok_or("its MSI records no disk SHA-256 (property WspackDiskSha256)")?;
    Ok(DiskId { size, sha256 })
}

fn file_size(path: &Path) -> crate::Result<Option<u64>> {
    match std::fs::metadata(path) {
        Ok(meta) => Ok(Some(meta.len())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(crate::Error::Io {
            op: "read",
            path: path.to_path_buf(),
            source,
        }),
    }
}
