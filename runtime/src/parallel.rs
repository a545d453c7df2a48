//! Staging a chunked sidecar on every core. Each worker thread takes the next chunk
//! of the MSI's chunk table, reads its gzip member at its offset in the sidecar,
//! inflates it (CRC-32 and ISIZE checked), compares its SHA-256 with the table's and
//! writes it at its offset in the (preallocated) disk file. The calling thread only
//! collects what the workers did: it reports progress and asks for cancel, because
//! the installer takes messages only from the thread it called.
//!
//! Memory: each worker holds one gzip member and one chunk (plus an 11 KiB
//! inflater), about `2 × chunk size` per thread:
//! 16 MiB on 2 cores, at most 128 MiB with [`MAX_THREADS`], whatever the disk size.

use crate::fsx;
use crate::gzip;
use sha2::{Digest, Sha256};
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use wspack_contract::chunks::{Chunk, ChunkTable};

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
    // A deflate stream is never much larger than its input: stored blocks add 5
    // bytes per 64 KiB, the gzip header and trailer 18 or a few more.
    let most = table.chunk_size + table.chunk_size / 64 + 4096;
    match table.chunks.iter().position(|c| c.sidecar_len > most) {
        Some(i) => Err(format!(
            "chunk {} is {} bytes in the sidecar, more than deflate ever makes of {} bytes",
            i, table.chunks[i].sidecar_len, table.chunk_size
        )),
        None => Ok(()),
    }
}

/// What a worker tells the calling thread.
enum Done {
    /// A chunk of this many bytes is checked and written.
    Chunk(u64),
    /// Chunk `.0` failed.
    Failed(usize, ChunkFailure),
}

/// Stages every chunk of `table` from the file `sidecar` into the file `out`
/// (already `table`'s disk size long) on `jobs` threads. Each worker opens both
/// files itself: Windows serializes the reads and writes of threads that share
/// one synchronous handle. `progress` gets the disk bytes written so far and
/// returns false to cancel. Of several damaged chunks the lowest-numbered one seen
/// is reported. Then checks that nothing follows the last chunk.
pub fn stage_chunks(
    sidecar: &Sidecar,
    table: &ChunkTable,
    out: &Path,
    jobs: usize,
    progress: &mut dyn FnMut(u64) -> bool,
) -> Result<(), ChunkFailure> {
    let jobs = jobs.clamp(1, table.chunks.len().max(1));
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let (tx, rx) = mpsc::channel();
    let failure = std::thread::scope(|scope| {
        let mut started = 0;
        let mut spawn_error = None;
        for _ in 0..jobs {
            let tx = tx.clone();
            let (next, stop) = (&next, &stop);
            match std::thread::Builder::new()
                .spawn_scoped(scope, move || worker(sidecar, table, out, next, stop, tx))
            {
                Ok(_) => started += 1,
                Err(e) => spawn_error = Some(e),
            }
        }
        drop(tx);
        match spawn_error {
            // Fewer threads than cores is fine; none is not.
            Some(e) if started == 0 => Some(ChunkFailure::Threads(e)),
            _ => collect(rx, &stop, progress),
        }
    });
    if let Some(f) = failure {
        return Err(f);
    }
    let found = match sidecar.window {
        Some((_, length)) => length,
        None => std::fs::metadata(sidecar.path)
            .map_err(ChunkFailure::Read)?
            .len(),
    };
    if found != table.sidecar_size() {
        return Err(ChunkFailure::Trailing {
            expected: table.sidecar_size(),
            found,
        });
    }
    Ok(())
}

/// The calling thread's part: progress after each chunk, until every worker ended.
/// Returns the failure to report: a cancel, else the lowest-numbered bad chunk.
fn collect(
    rx: mpsc::Receiver<Done>,
    stop: &AtomicBool,
    progress: &mut dyn FnMut(u64) -> bool,
) -> Option<ChunkFailure> {
    let mut done = 0u64;
    let mut cancelled = false;
    let mut failure: Option<(usize, ChunkFailure)> = None;
    // Ends when every worker has dropped its sender.
    for msg in rx.iter() {
        match msg {
            Done::Chunk(len) => {
                done += len;
                if !cancelled && failure.is_none() && !progress(done) {
                    cancelled = true;
                    stop.store(true, Ordering::Relaxed);
                }
            }
            Done::Failed(index, f) => {
                stop.store(true, Ordering::Relaxed);
                if failure.as_ref().map_or(true, |(i, _)| index < *i) {
                    failure = Some((index, f));
                }
            }
        }
    }
    if cancelled {
        return Some(ChunkFailure::Cancelled);
    }
    failure.map(|(_, f)| f)
}

fn worker(
    sidecar: &Sidecar,
    table: &ChunkTable,
    out: &Path,
    next: &AtomicUsize,
    stop: &AtomicBool,
    tx: mpsc::Sender<Done>,
) {
    let base = sidecar.window.map_or(0, |(offset, _)| offset);
    let files = File::open(sidecar.path)
        .map_err(ChunkFailure::Read)
        .and_then(|s| {
            let o = OpenOptions::new().write(true).open(out);
            o.map(|o| (s, o)).map_err(ChunkFailure::Write)
        });
    let (sidecar, out) = match files {
        Ok(f) => f,
        Err(f) => {
            // After any chunk's own failure: a bad chunk is the better news.
            let _ = tx.send(Done::Failed(usize::MAX, f));
            return;
        }
    };
    let (sidecar, out) = (&sidecar, &out);
    let (mut packed, mut disk) = (Vec::new(), Vec::new());
    while !stop.load(Ordering::Relaxed) {
        let index = next.fetch_add(1, Ordering::Relaxed);
        let chunk = match table.chunks.get(index) {
            Some(c) => c,
            None => break,
        };
        let msg = match stage_chunk(sidecar, base, chunk, out, &mut packed, &mut disk) {
            Ok(()) => Done::Chunk(chunk.disk_len),
            Err(f) => Done::Failed(index, f.at(index, chunk)),
        };
        if tx.send(msg).is_err() {
            break;
        }
    }
}

/// What went wrong with one chunk, before it is numbered.
enum Problem {
    Damaged(String),
    Mismatch,
    Read(io::Error),
    Write(io::Error),
}

impl Problem {
    fn at(self, index: usize, chunk: &Chunk) -> ChunkFailure {
        let disk_offset = chunk.disk_offset;
        match self {
            Problem::Damaged(reason) => ChunkFailure::Damaged {
                index,
                disk_offset,
                reason,
            },
            Problem::Mismatch => ChunkFailure::Mismatch { index, disk_offset },
            Problem::Read(e) => ChunkFailure::Read(e),
            Problem::Write(e) => ChunkFailure::Write(e),
        }
    }
}

/// Reads, inflates, checks and writes one chunk.
fn stage_chunk(
    sidecar: &File,
    base: u64,
    chunk: &Chunk,
    out: &File,
    packed: &mut Vec<u8>,
    disk: &mut Vec<u8>,
) -> Result<(), Problem> {
    packed.resize(chunk.sidecar_len as usize, 0);
    fsx::read_exact_at(sidecar, packed, base + chunk.sidecar_offset).map_err(|e| {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            Problem::Damaged("the sidecar ends inside it (truncated)".into())
        } else {
            Problem::Read(e)
        }
    })?;
    let want = chunk.disk_len as usize;
    // One byte more than the chunk: a member that inflates to more shows.
    disk.resize(want + 1, 0);
    let got = gzip::inflate_member(packed, disk).map_err(|e| Problem::Damaged(e.to_string()))?;
    if got != want {
        return Err(Problem::Damaged(format!(
            "its gzip member inflates to {}{} bytes instead of {}",
            if got > want { "more than " } else { "" },
            got.min(want),
            want
        )));
    }
    if <[u8; 32]>::from(Sha256::digest(&disk[..want])) != chunk.sha256 {
        return Err(Problem::Mismatch);
    }
    fsx::write_all_at(out, &disk[..want], chunk.disk_offset).map_err(Problem::Write)
}
