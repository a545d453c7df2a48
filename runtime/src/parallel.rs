//! Disks chunk by chunk on every core. Each worker thread takes the next chunk,
//! reads its bytes (a gzip member of the sidecar or of the delta file, inflated with
//! CRC-32 and ISIZE checked; or raw bytes of a disk at an offset), compares their
//! SHA-256 with the package's table and writes them at their offset in the
//! (preallocated) disk file, or only checks them. The calling thread collects what
//! the workers did: it reports progress and asks for cancel, because the installer
//! takes messages only from the thread it called.
//!
//! - [`stage_chunks`]: a new disk from the chunked sidecar (the MSI's chunk table).
//! - [`verify_file`]: whether a disk already in place is the chunk table's disk.
//! - [`stage_delta`]: a new disk from the staged base disk plus the delta file (the
//!   MSI's delta table), and the whole new disk's SHA-256.
//!
//! Memory, whatever the disk size: without the whole-disk hash each worker holds
//! one gzip member and one chunk (plus an 11 KiB inflater), about `2 × chunk size`
//! per thread: 16 MiB on 2 cores with 4 MiB chunks, at most 128 MiB with
//! [`MAX_THREADS`]. [`stage_delta`] also hashes the new disk in order on the calling
//! thread: workers may run at most `2 × jobs` chunks ahead of the next chunk to
//! hash, so at most `2 × jobs` chunk buffers are out (being filled, or waiting
//! their turn) plus one gzip member per worker: at most `3 × jobs × chunk size`
//! (24 MiB on 2 cores with 4 MiB chunks, 192 MiB with [`MAX_THREADS`]).

mod engine;
mod order;

use engine::{Job, Origin, Plan};
use std::fmt;
use std::io;
use std::path::Path;
use wspack_contract::chunks::ChunkTable;
use wspack_contract::delta::{DeltaChunk, DeltaTable, Source};
use wspack_contract::stage::to_hex;

/// At most this many worker threads, whatever the machine has.
pub const MAX_THREADS: usize = 16;
/// A chunk table whose chunks are larger than this is refused (memory is
/// threads × chunk size).
pub const MAX_CHUNK_SIZE: u64 = 64 << 20;

/// The worker threads to use on this machine: one per core, at most [`MAX_THREADS`].
pub fn threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(MAX_THREADS)
}

/// Where the sidecar is.
pub struct Sidecar<'a> {
    /// The file.
    pub path: &'a Path,
    /// `(offset, length)` of the sidecar inside it (the one-file setup EXE);
    /// `None`: the whole file.
    pub window: Option<(u64, u64)>,
}

/// Why a chunked staging stopped.
#[derive(Debug)]
pub enum ChunkFailure {
    /// A chunk's gzip member does not inflate to exactly its bytes, or the sidecar
    /// ends inside it.
    Damaged {
        /// The chunk's number, from 0.
        index: usize,
        /// Where it starts in the disk.
        disk_offset: u64,
        /// What the decoder found.
        reason: String,
    },
    /// A chunk inflates to other bytes than the package's chunk table says.
    Mismatch {
        /// The chunk's number, from 0.
        index: usize,
        /// Where it starts in the disk.
        disk_offset: u64,
    },
    /// Every chunk is good but the sidecar goes on after the last one.
    Trailing {
        /// The sidecar's length by the table.
        expected: u64,
        /// Its length on disk.
        found: u64,
    },
    /// Reading the sidecar failed (the system, not its content).
    Read(io::Error),
    /// Writing the disk file failed.
    Write(io::Error),
    /// No worker thread could be started.
    Threads(io::Error),
    /// A chunk copied from the base disk holds other bytes than the delta table
    /// says (the base disk was changed, or is another version's), or the base
    /// disk ends inside it.
    BaseMismatch {
        /// The chunk's number, from 0.
        index: usize,
        /// Where it starts in the new disk.
        disk_offset: u64,
    },
    /// Reading the base disk failed (the system, not its content).
    ReadBase(io::Error),
    /// A disk is not as long as the table says.
    Size {
        /// Its length by the table.
        expected: u64,
        /// Its length on disk.
        found: u64,
    },
    /// Every chunk is good but the whole disk's SHA-256 is not the package's.
    WholeMismatch {
        /// The package's.
        expected: [u8; 32],
        /// The disk's.
        found: [u8; 32],
    },
    /// The progress callback asked to stop.
    Cancelled,
}

impl fmt::Display for ChunkFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChunkFailure::Damaged {
                index,
                disk_offset,
                reason,
            } => write!(
                f,
                "chunk {} (disk bytes from {}) is damaged: {}",
                index, disk_offset, reason
            ),
            ChunkFailure::Mismatch { index, disk_offset } => write!(
                f,
                "chunk {} (disk bytes from {}) holds other bytes than this package's chunk table says (SHA-256 differs)",
                index, disk_offset
            ),
            ChunkFailure::Trailing { expected, found } => write!(
                f,
                "it is {} bytes long, but this package's chunk table ends at {}",
                found, expected
            ),
            ChunkFailure::Read(e) => write!(f, "{}", e),
            ChunkFailure::Write(e) => write!(f, "{}", e),
            ChunkFailure::Threads(e) => write!(f, "can't start a worker thread: {}", e),
            ChunkFailure::BaseMismatch { index, disk_offset } => write!(
                f,
                "chunk {} (disk bytes from {}) comes from the base disk, whose bytes there are not the base version's (SHA-256 differs from the delta table)",
                index, disk_offset
            ),
            ChunkFailure::ReadBase(e) => write!(f, "{}", e),
            ChunkFailure::Size { expected, found } => write!(
                f,
                "it is {} bytes long, but this package's table says {}",
                found, expected
            ),
            ChunkFailure::WholeMismatch { expected, found } => write!(
                f,
                "every chunk matches, but the whole disk's SHA-256 is {} instead of {}",
                to_hex(found),
                to_hex(expected)
            ),
            ChunkFailure::Cancelled => write!(f, "cancelled by the user"),
        }
    }
}

/// Checks that `table` describes the disk the package promises (`size` bytes) in
/// chunks this runtime can hold in memory.
pub fn check_table(table: &ChunkTable, size: u64) -> Result<(), String> {
    if table.disk_size() != size {
        return Err(format!(
            "its chunks make {} bytes, but the package's disk is {} bytes",
            table.disk_size(),
            size
        ));
    }
    if table.chunk_size > MAX_CHUNK_SIZE {
        return Err(format!(
            "its chunk size {} is over the {} bytes this runtime accepts",
            table.chunk_size, MAX_CHUNK_SIZE
        ));
    }
    let most = engine::most_packed(table.chunk_size);
    match table.chunks.iter().position(|c| c.sidecar_len > most) {
        Some(i) => Err(format!(
            "chunk {} is {} bytes in the sidecar, more than deflate ever makes of {} bytes",
            i, table.chunks[i].sidecar_len, table.chunk_size
        )),
        None => Ok(()),
    }
}

/// Checks that the delta `table` makes the disk the package promises (`size`
/// bytes) in chunks this runtime can hold in memory.
pub fn check_delta(table: &DeltaTable, size: u64) -> Result<(), String> {
    if table.disk_size() != size {
        return Err(format!(
            "its chunks make {} bytes, but the package's disk is {} bytes",
            table.disk_size(),
            size
        ));
    }
    for (i, c) in table.chunks.iter().enumerate() {
        if c.disk_len > MAX_CHUNK_SIZE {
            return Err(format!(
                "chunk {} is {} bytes, over the {} bytes this runtime accepts",
                i, c.disk_len, MAX_CHUNK_SIZE
            ));
        }
        if let Source::Delta { len, .. } = c.source {
            if len > engine::most_packed(c.disk_len) {
                return Err(format!(
                    "chunk {} is {} bytes in the delta file, more than deflate ever makes of {} bytes",
                    i, len, c.disk_len
                ));
            }
        }
    }
    Ok(())
}

/// The length of `path`, or of its window inside it.
fn length(file: &Sidecar) -> io::Result<u64> {
    match file.window {
        Some((_, length)) => Ok(length),
        None => std::fs::metadata(file.path).map(|m| m.len()),
    }
}

/// Stages every chunk of `table` from the file `sidecar` into the file `out`
/// (already `table`'s disk size long) on `jobs` threads. `progress` gets the disk
/// bytes written so far and returns false to cancel. Of several damaged chunks the
/// lowest-numbered one seen is reported. Then checks that nothing follows the last
/// chunk. Call [`check_table`] first.
pub fn stage_chunks(
    sidecar: &Sidecar,
    table: &ChunkTable,
    out: &Path,
    jobs: usize,
    progress: &mut dyn FnMut(u64) -> bool,
) -> Result<(), ChunkFailure> {
    let job = |i: usize| {
        let c = &table.chunks[i];
        Job {
            disk_offset: c.disk_offset,
            disk_len: c.disk_len,
            from: Origin::Member {
                offset: c.sidecar_offset,
                len: c.sidecar_len,
            },
            sha256: c.sha256,
        }
    };
    let plan = Plan {
        count: table.chunks.len(),
        job: &job,
        members: Some(sidecar),
        raw: None,
        raw_is_base: false,
        out: Some(out),
        whole: None,
    };
    engine::run(&plan, jobs, progress)?;
    require_end(sidecar, table.sidecar_size())
}

/// Checks the existing disk file `path` against `table` on `jobs` threads,
/// writing nothing: its length must be the table's disk size
/// ([`ChunkFailure::Size`]) and every chunk's SHA-256 the table's (else
/// [`ChunkFailure::Mismatch`] for the lowest-numbered other chunk seen; the check
/// stops there). `progress` gets the bytes checked so far and returns false to
/// cancel.
pub fn verify_file(
    path: &Path,
    table: &ChunkTable,
    jobs: usize,
    progress: &mut dyn FnMut(u64) -> bool,
) -> Result<(), ChunkFailure> {
    require_size(path, table.disk_size(), ChunkFailure::Read)?;
    let job = |i: usize| {
        let c = &table.chunks[i];
        Job {
            disk_offset: c.disk_offset,
            disk_len: c.disk_len,
            from: Origin::Raw {
                offset: c.disk_offset,
            },
            sha256: c.sha256,
        }
    };
    let plan = Plan {
        count: table.chunks.len(),
        job: &job,
        members: None,
        raw: Some(path),
        raw_is_base: false,
        out: None,
        whole: None,
    };
    engine::run(&plan, jobs, progress)
}

/// Stages the new disk of the delta `table` into the file `out` (already the
/// table's disk size long; `None`: every chunk is checked, nothing written) on
/// `jobs` threads: each chunk from the base disk `base`
/// (raw bytes, [`ChunkFailure::BaseMismatch`] / [`ChunkFailure::ReadBase`] if
/// wrong) or from its gzip member in `delta` ([`ChunkFailure::Damaged`] /
/// [`ChunkFailure::Mismatch`] / [`ChunkFailure::Read`]), its SHA-256 checked, and
/// the whole new disk's SHA-256 compared with `whole_sha256`
/// ([`ChunkFailure::WholeMismatch`]). First the base disk must be the table's
/// base size, last the delta file the table's delta size ([`ChunkFailure::Size`],
/// [`ChunkFailure::Trailing`]). `progress` as in [`stage_chunks`]. Call
/// [`check_delta`] first.
pub fn stage_delta(
    base: &Path,
    delta: &Sidecar,
    table: &DeltaTable,
    out: Option<&Path>,
    whole_sha256: &[u8; 32],
    jobs: usize,
    progress: &mut dyn FnMut(u64) -> bool,
) -> Result<(), ChunkFailure> {
    require_size(base, table.base_size, ChunkFailure::ReadBase)?;
    let job = |i: usize| delta_job(&table.chunks[i]);
    let plan = Plan {
        count: table.chunks.len(),
        job: &job,
        members: Some(delta),
        raw: Some(base),
        raw_is_base: true,
        out,
        whole: Some(whole_sha256),
    };
    engine::run(&plan, jobs, progress)?;
    // No delta chunk: the delta file is not needed, and may be absent.
    if table.delta_size == 0 && !crate::fsx::exists(delta.path) {
        return Ok(());
    }
    require_end(delta, table.delta_size)
}

/// Where a chunk of a delta's new disk comes from: the base disk at its offset,
/// or its gzip member in the delta file.
fn delta_job(c: &DeltaChunk) -> Job {
    Job {
        disk_offset: c.disk_offset,
        disk_len: c.disk_len,
        from: match c.source {
            Source::Base { offset } => Origin::Raw { offset },
            Source::Delta { offset, len } => Origin::Member { offset, len },
        },
        sha256: c.sha256,
    }
}

/// `file` must be `expected` bytes long ([`ChunkFailure::Size`]); `unreadable`
/// says which file could not be looked at.
fn require_size(
    file: &Path,
    expected: u64,
    unreadable: fn(io::Error) -> ChunkFailure,
) -> Result<(), ChunkFailure> {
    let found = std::fs::metadata(file).map_err(unreadable)?.len();
    if found == expected {
        Ok(())
    } else {
        Err(ChunkFailure::Size { expected, found })
    }
}

/// Nothing may follow the last gzip member: `file` must end at `expected`
/// ([`ChunkFailure::Trailing`]).
fn require_end(file: &Sidecar, expected: u64) -> Result<(), ChunkFailure> {
    let found = length(file).map_err(ChunkFailure::Read)?;
    if found == expected {
        Ok(())
    } else {
        Err(ChunkFailure::Trailing { expected, found })
    }
}

#[cfg(test)]
pub(crate) mod tests;
