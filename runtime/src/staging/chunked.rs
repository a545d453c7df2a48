//! StageVhd's parallel path, for packages that carry a chunk table: reads the table
//! from the package, stages the chunks on every core (`crate::parallel`) with
//! progress and Cancel, and says which chunk is wrong when one is.
//!
//! The whole disk is not hashed again here: every chunk's SHA-256 is checked against
//! the table the MSI holds (and vouches for, like the disk's SHA-256 next to it), and
//! the table must add up to the disk size the MSI states, so the disk that passes is
//! the one the package describes.

use super::stage_vhd::{damaged, io_shown, mib, unreadable, Failure, Progress};
use super::{Host, Paths};
use crate::data::StageData;
use crate::fsx;
use crate::parallel::{self, ChunkFailure};
use crate::shown::Shown;
use std::fs::File;
use std::path::Path;
use wspack_contract::chunks::{ChunkTable, CHUNK_TABLE_BINARY};

/// The package's chunk table, checked against the disk it promises; `None` for a
/// package without one (it is staged sequentially, as before chunked sidecars), or
/// when the package can't be opened (logged; the sequential path still verifies
/// the whole disk's SHA-256).
pub(super) fn read_table(
    d: &StageData,
    host: &mut dyn Host,
) -> Result<Option<ChunkTable>, Failure> {
    let row = TableRow {
        name: CHUNK_TABLE_BINARY,
        what: "chunk table",
        absent: "a package from before chunked sidecars",
        otherwise: "staging sequentially",
    };
    match row.read(d, host) {
        Some(bytes) => ChunkTable::decode(&bytes)
            .map_err(|e| e.to_string())
            .and_then(|t| parallel::check_table(&t, d.expected.size).map(|()| Some(t)))
            .map_err(|e| row.damaged(d, e)),
        None => Ok(None),
    }
}

/// A table the package carries in a Binary row, read by StageVhd.
pub(super) struct TableRow {
    /// The Binary row's name.
    pub name: &'static str,
    /// What it is, for the log ("chunk table").
    pub what: &'static str,
    /// Why a package may have none, for the log.
    pub absent: &'static str,
    /// What StageVhd does without it, for the log.
    pub otherwise: &'static str,
}

impl TableRow {
    /// The row's bytes; `None` (logged) without a package path, without the row,
    /// or when the package can't be read.
    pub(super) fn read(&self, d: &StageData, host: &mut dyn Host) -> Option<Vec<u8>> {
        if d.msi.is_empty() {
            host.log(&format!(
                "StageVhd: no msi= in CustomActionData, so no {}: {}",
                self.what, self.otherwise
            ));
            return None;
        }
        match host.binary(&d.msi, self.name) {
            Ok(Some(b)) => Some(b),
            Ok(None) => {
                host.log(&format!(
                    "StageVhd: {} has no {} row ({}): {}",
                    d.msi, self.name, self.absent, self.otherwise
                ));
                None
            }
            Err(e) => {
                host.log(&format!(
                    "StageVhd: can't read the {} from {}: {}; {}",
                    self.what, d.msi, e, self.otherwise
                ));
                None
            }
        }
    }

    /// The table is there but does not decode or does not fit the package.
    pub(super) fn damaged(&self, d: &StageData, e: String) -> Failure {
        Failure::error(
            Shown::package_damaged(&d.msi),
            format!(
                "the {} in {} (Binary row {}) does not fit this package: {}; the package is damaged, build it again",
                self.what, d.msi, self.name, e
            ),
        )
    }
}

/// Stages the chunks into `file` (`<vhd>.wspack-tmp`, already sized and kept open
/// meanwhile; the workers open it again) with
/// progress; on any failure deletes the temp file. Returns what was verified, for
/// the log.
pub(super) fn write_disk(
    d: &StageData,
    p: &Paths,
    file: File,
    table: &ChunkTable,
    host: &mut dyn Host,
) -> Result<String, Failure> {
    let mut progress = Progress::new(host, &p.vhd, d.expected.size);
    let file = progress.start_writing(p, file)?;
    let threads = parallel::threads();
    // No FlushFileBuffers: it would make the install wait until the whole disk has
    // reached the device (measured under Wine: 3 to 9 s more per GiB); the
    // system writes it back in the background, as it does every file the
    // installer itself copies.
    let sidecar = parallel::Sidecar {
        path: Path::new(&d.sidecar),
        window: d.window,
    };
    let result = parallel::stage_chunks(&sidecar, table, &p.tmp, threads, &mut |b| {
        progress.update(b)
    });
    drop(file);
    match result {
        Ok(()) => Ok(format!(
            "all {} chunks verified against the package's chunk table, {} threads",
            table.chunks.len(),
            threads
        )),
        Err(e) => Err(failure(e, d, p, progress.reported_ticks)),
    }
}

/// Deletes the temp file and says what went wrong, naming the chunk if one is bad.
fn failure(e: ChunkFailure, d: &StageData, p: &Paths, reported_ticks: u64) -> Failure {
    let cleanup = match fsx::remove_file(&p.tmp) {
        Ok(_) => format!("removed {}", p.tmp.display()),
        Err(re) => format!("could not remove {}: {}", p.tmp.display(), re),
    };
    let again = "the sidecar is damaged or from another build: copy it again from the build output";
    let (shown, msg) = match e {
        ChunkFailure::Cancelled => {
            return Failure::Cancelled(format!(
                "cancelled by the user after {} MiB; {}",
                mib(reported_ticks * 1024),
                cleanup
            ))
        }
        ChunkFailure::Damaged {
            index,
            disk_offset,
            reason,
        } => (
            damaged(d),
            format!(
                "chunk {} (disk bytes from {}) of {} is damaged: {}; {} ({})",
                index, disk_offset, d.sidecar, reason, again, cleanup
            ),
        ),
        ChunkFailure::Mismatch { index, disk_offset } => (
            damaged(d),
            format!(
                "chunk {} (disk bytes from {}) of {} does not match this package (its SHA-256 differs from the package's chunk table); {} ({})",
                index, disk_offset, d.sidecar, again, cleanup
            ),
        ),
        e @ ChunkFailure::Trailing { .. } => (
            damaged(d),
            format!(
                "the workspace disk sidecar {} does not match this package: {}; {} ({})",
                d.sidecar, e, again, cleanup
            ),
        ),
        ChunkFailure::Read(e) => (
            unreadable(d),
            format!(
                "can't read the workspace disk sidecar {}: {} ({})",
                d.sidecar, e, cleanup
            ),
        ),
        ChunkFailure::Write(e) => (
            io_shown(&e, &p.tmp, d.expected.size),
            format!("can't write {}: {} ({})", p.tmp.display(), e, cleanup),
        ),
        // Threads, and what only verify_file and stage_delta report.
        e => (
            Shown::WriteFailed {
                file: p.tmp.display().to_string(),
            },
            format!("{} ({})", e, cleanup),
        ),
    };
    Failure::error(shown, msg)
}
