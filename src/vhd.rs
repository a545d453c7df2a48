//! VHD footer/header parsing and checks. (Owned by the VHD work; see issue 3.)

use std::path::{Path, PathBuf};

/// Fixed or dynamic: the two disk types a workspace may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiskKind {
    /// Fixed-size disk: raw data followed by the footer.
    Fixed,
    /// Dynamically expanding disk: footer copy, sparse header, BAT, blocks, footer.
    Dynamic,
}

/// Facts about a checked VHD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VhdInfo {
    /// Fixed or dynamic.
    pub kind: DiskKind,
    /// The guest-visible size (footer "current size").
    pub virtual_size: u64,
    /// The file's length on disk.
    pub file_size: u64,
}

/// Why a file is not a usable workspace disk.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct VhdError {
    /// The file.
    pub path: PathBuf,
    /// What is wrong.
    pub message: String,
}

/// Opens and checks a VHD.
pub fn open(path: &Path) -> Result<VhdInfo, VhdError> {
    let _ = path;
    todo!("vhd::open")
}

impl std::fmt::Display for DiskKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            DiskKind::Fixed => "fixed",
            DiskKind::Dynamic => "dynamic",
        })
    }
}
