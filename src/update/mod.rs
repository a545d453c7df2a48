//! Changing a deployed workspace: what changed between two builds (`wspack diff`),
//! and what a build made with `--base OLD_OUTDIR` must ship.
//!
//! A new version relates to its base in one of three ways:
//! - **policy-only**: the disk is byte-identical (same size and SHA-256), so only
//!   the MSI travels; the installer keeps the staged disk.
//! - **disk delta**: the disk changed; the chunks of the new disk whose disk offset,
//!   length and SHA-256 equal a base chunk's are taken from the staged base disk,
//!   the others travel in `<internal_name>.delta.medv` (their gzip members copied
//!   from the full sidecar, never compressed twice). The [`delta::DeltaTable`] in
//!   the MSI says which chunk comes from where.
//! - **full**: a machine without the base disk stages the full sidecar, as today.
//!
//! The base is read back from its package folder ([`Package`]): its MSI's disk
//! identity and chunk table (Binary row `WspackChunks`). Packages of the
//! one-member layout have no chunk table and can't be a base.

pub mod delta;
mod diff;
mod package;
mod write;

pub use diff::{
    diff, ChunkCounts, Diff, DiskChange, PackageId, Travel, TravelFile, ValueChange, ValueEntry,
};
pub use package::{DiskId, Package};
pub use write::{describe, write_delta, Base, DeltaError, UpdateFacts};

use crate::sidecar::ChunkTable;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// A package folder that can't be compared or used as a base (invalid input).
#[derive(Debug, thiserror::Error)]
#[error("{}: {problem}", path.display())]
pub struct UpdateError {
    /// The folder or file at fault.
    pub path: PathBuf,
    /// What is wrong with it.
    pub problem: String,
    /// How to fix it.
    pub help: String,
}

/// For each chunk of `new`, the base disk offset holding the same bytes, when the
/// base has a chunk at the same disk offset with the same length and SHA-256.
pub fn reusable_chunks(base: &ChunkTable, new: &ChunkTable) -> Vec<Option<u64>> {
    let by_offset: BTreeMap<u64, _> = base
        .chunks
        .iter()
        .map(|c| (c.disk_offset, (c.disk_len, c.sha256)))
        .collect();
    new.chunks
        .iter()
        .map(|c| match by_offset.get(&c.disk_offset) {
            Some(&(len, sha)) if len == c.disk_len && sha == c.sha256 => Some(c.disk_offset),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sidecar::Chunk;

    fn table(shas: &[u8], last_len: u64) -> ChunkTable {
        let n = shas.len() as u64;
        ChunkTable {
            chunk_size: 8,
            chunks: shas
                .iter()
                .enumerate()
                .map(|(i, &s)| Chunk {
                    disk_offset: i as u64 * 8,
                    disk_len: if i as u64 == n - 1 { last_len } else { 8 },
                    sidecar_offset: i as u64 * 20,
                    sidecar_len: 20,
                    sha256: [s; 32],
                })
                .collect(),
        }
    }

    #[test]
    fn reuses_chunks_with_the_same_offset_length_and_hash() {
        let base = table(&[1, 2, 3], 8);
        assert_eq!(
            reusable_chunks(&base, &table(&[1, 9, 3], 8)),
            [Some(0), None, Some(16)]
        );
        // The disk grew: the old last chunk is now a full one, and a new one follows.
        assert_eq!(
            reusable_chunks(&table(&[1, 2, 3], 5), &table(&[1, 2, 3, 4], 8)),
            [Some(0), Some(8), None, None]
        );
    }
}
