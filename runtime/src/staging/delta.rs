//! StageVhd's delta path, for a package that carries a delta table: the new disk
//! from the staged base disk plus the delta file `<name>.delta.medv`, on every core
//! (`crate::parallel::stage_delta`), with progress and Cancel. Every chunk's SHA-256
//! is checked against the delta table the MSI holds, and the whole new disk's
//! against the SHA-256 the MSI states. A failure says which file is wrong: the
//! staged disk (changed since it was installed: the full sidecar is needed) or
//! the delta file (damaged: copy it again).

use super::chunked::TableRow;
use super::stage_vhd::{io_shown, mib, Failure, Progress};
use super::{undo, Host, Journal, Paths};
use crate::data::StageData;
use crate::fsx;
use crate::parallel::{self, ChunkFailure, Sidecar};
use crate::shown::{folder_of, name_of, Shown};
use std::fs::File;
use std::path::Path;
use wspack_contract::delta::{DeltaTable, Source, DELTA_TABLE_BINARY};

/// The package's delta table, checked against the disk it promises; `None` for a
/// package without one (built without `--base`), or when the package can't be
/// opened (logged; the full sidecar can still stage the disk).
pub(super) fn read_table(
    d: &StageData,
    host: &mut dyn Host,
) -> Result<Option<DeltaTable>, Failure> {
    let row = TableRow {
        name: DELTA_TABLE_BINARY,
        what: "delta table",
        absent: "built without --base",
        otherwise: "no delta",
    };
    match row.read(d, host) {
        Some(bytes) => DeltaTable::decode(&bytes)
            .map_err(|e| e.to_string())
            .and_then(|t| parallel::check_delta(&t, d.expected.size).map(|()| Some(t)))
            .map_err(|e| row.damaged(d, e)),
        None => Ok(None),
    }
}

/// Stages the new disk of `table` into `file` (`<vhd>.wspack-tmp`, already sized
/// and kept open meanwhile; the workers open it again) from the base disk at
/// `base` and the delta file `delta`, with progress; on any failure deletes the
/// temp file. Returns what was verified, for the log.
pub(super) fn write_disk(
    d: &StageData,
    p: &Paths,
    base: &Path,
    delta: Sidecar,
    file: File,
    table: &DeltaTable,
    host: &mut dyn Host,
) -> Result<String, Failure> {
    let mut progress = Progress::new(host, &p.vhd, d.expected.size);
    let file = progress.start_writing(p, file)?;
    let threads = parallel::threads();
    let result = parallel::stage_delta(
        base,
        &delta,
        table,
        Some(&p.tmp),
        &d.expected.sha256,
        threads,
        &mut |b| progress.update(b),
    );
    drop(file);
    match result {
        Ok(()) => Ok(format!(
            "{} of {} chunks from the delta {}, the others from the staged disk {}, every chunk and the whole disk verified, {} threads",
            table.delta_chunks(),
            table.chunks.len(),
            delta.path.display(),
            base.display(),
            threads
        )),
        Err(e) => {
            let files = Files { base, delta: delta.path, d, p };
            Err(files.failure(e, progress.reported_ticks))
        }
    }
}

/// Whether the delta can be applied to `<vhd>` in place: the new disk has the
/// base's size and every unchanged chunk sits where it sat in the base (as
/// `wspack build --base` makes them). Otherwise the new disk is built in a
/// temporary file ([`write_disk`]).
pub(super) fn fits_in_place(d: &StageData, table: &DeltaTable) -> bool {
    table.base_size == d.expected.size
        && table.chunks.iter().all(|c| match c.source {
            Source::Base { offset } => offset == c.disk_offset,
            Source::Delta { .. } => true,
        })
}

/// Applies the delta to the disk in place, writing only the changed chunks: a
/// temporary copy would write the whole disk again, as long as a full install.
/// First every chunk of the new disk (unchanged ones read from `<vhd>`, changed
/// ones inflated from the delta) and the whole new disk's SHA-256 are checked
/// without writing; then, for each changed chunk, its old bytes go to
/// `<vhd>.wspack-undo` (synced) before the chunk is overwritten, so a rollback
/// (journal `patching`) can write them back. Returns what was verified, for the log.
pub(super) fn patch_in_place(
    d: &StageData,
    p: &Paths,
    delta: Sidecar,
    table: &DeltaTable,
    journal: &mut Journal,
    host: &mut dyn Host,
) -> Result<String, Failure> {
    let mut progress = Progress::new(host, &p.vhd, d.expected.size);
    progress.start()?;
    let threads = parallel::threads();
    let checked = parallel::stage_delta(
        &p.vhd,
        &delta,
        table,
        None,
        &d.expected.sha256,
        threads,
        &mut |b| progress.update(b),
    );
    if let Err(e) = checked {
        let files = Files {
            base: &p.vhd,
            delta: delta.path,
            d,
            p,
        };
        return Err(files.failure(e, progress.reported_ticks));
    }
    journal
        .note("patching")
        .map_err(|e| super::stage_vhd::journal_failure(p, e))?;
    let patched = undo::patch(&p.vhd, &p.undo, delta.path, table).map_err(|e| {
        Failure::error(
            io_shown(&e, &p.vhd, 0),
            format!("can't update {} in place: {}", p.vhd.display(), e),
        )
    })?;
    Ok(format!(
        "{} of {} chunks from the delta {} written in place (old bytes in {}), every chunk and the whole disk verified first, {} threads",
        patched,
        table.chunks.len(),
        delta.path.display(),
        p.undo.display(),
        threads
    ))
}

/// The files a failure names.
struct Files<'a> {
    base: &'a Path,
    delta: &'a Path,
    d: &'a StageData,
    p: &'a Paths,
}

impl Files<'_> {
    /// Deletes the temp file and says what went wrong, and with which file.
    fn failure(&self, e: ChunkFailure, reported_ticks: u64) -> Failure {
        let p = self.p;
        let cleanup = match fsx::remove_file(&p.tmp) {
            Ok(_) => format!("removed {}", p.tmp.display()),
            Err(re) => format!("could not remove {}: {}", p.tmp.display(), re),
        };
        let (shown, msg) = match e {
            ChunkFailure::Cancelled => {
                return Failure::Cancelled(format!(
                    "cancelled by the user after {} MiB; {}",
                    mib(reported_ticks * 1024),
                    cleanup
                ))
            }
            e @ ChunkFailure::BaseMismatch { .. } | e @ ChunkFailure::Size { .. } => {
                (self.base_changed_shown(), self.base_changed(&e))
            }
            ChunkFailure::ReadBase(e) => (
                io_shown(&e, self.base, 0),
                format!("can't read the staged disk {}: {}", self.base.display(), e),
            ),
            ChunkFailure::Write(e) => (
                io_shown(&e, &p.tmp, self.d.expected.size),
                format!("can't write {}: {}", p.tmp.display(), e),
            ),
            ChunkFailure::WholeMismatch { .. } => (Shown::package_damaged(&self.d.msi), format!(
                "the disk made from the staged disk {} and the delta {} does not match this package: {}; the package is damaged, build it again",
                self.base.display(),
                self.delta.display(),
                e
            )),
            ChunkFailure::Threads(_) => (
                Shown::WriteFailed {
                    file: p.tmp.display().to_string(),
                },
                e.to_string(),
            ),
            e => (self.delta_damaged_shown(), self.delta_damaged(e)),
        };
        Failure::error(shown, format!("{} ({})", msg, cleanup))
    }

    /// The staged disk changed since it was installed: the full sidecar is needed.
    fn base_changed_shown(&self) -> Shown {
        let vhd = self.p.vhd.display().to_string();
        Shown::BaseChanged {
            disk: name_of(&vhd).to_string(),
            folder: folder_of(&vhd).to_string(),
            package: name_of(&self.d.msi).to_string(),
            full_sidecar: name_of(&self.d.sidecar).to_string(),
        }
    }

    /// The delta file is damaged or another build's: copy it again.
    fn delta_damaged_shown(&self) -> Shown {
        let delta = self.delta.display().to_string();
        Shown::Damaged {
            sidecar: name_of(&delta).to_string(),
            folder: folder_of(&delta).to_string(),
        }
    }

    /// The staged disk is not the base version's: only the full sidecar helps.
    fn base_changed(&self, e: &ChunkFailure) -> String {
        let what = match e {
            ChunkFailure::Size { expected, found } => format!(
                "it is {} bytes, but the disk this delta applies to is {}",
                found, expected
            ),
            e => e.to_string(),
        };
        format!(
            "the staged disk {} is not the disk this delta applies to ({}): it was changed since it was installed, or is another version's; install this version with the full sidecar {} beside the package instead of the delta",
            self.base.display(),
            what,
            self.d.sidecar
        )
    }

    /// The delta file is damaged, truncated, longer, unreadable or another build's.
    fn delta_damaged(&self, e: ChunkFailure) -> String {
        let delta = self.delta.display();
        let again =
            "the delta file is damaged or from another build: copy it again from the build output";
        match e {
            ChunkFailure::Damaged {
                index,
                disk_offset,
                reason,
            } => format!(
                "chunk {} (disk bytes from {}) of the delta {} is damaged: {}; {}",
                index, disk_offset, delta, reason, again
            ),
            ChunkFailure::Mismatch { index, disk_offset } => format!(
                "chunk {} (disk bytes from {}) of the delta {} does not match this package (its SHA-256 differs from the package's delta table); {}",
                index, disk_offset, delta, again
            ),
            ChunkFailure::Read(e) => format!("can't read the delta {}: {}", delta, e),
            ChunkFailure::Trailing { expected, found } => format!(
                "the delta {} is {} bytes long, but this package's delta table ends at {}; {}",
                delta, found, expected, again
            ),
            e => format!(
                "the delta {} does not match this package: {}; {}",
                delta, e, again
            ),
        }
    }
}
