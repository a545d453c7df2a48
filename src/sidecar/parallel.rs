//! Checking a chunked (layout 2) sidecar on every core: each worker reads one
//! chunk's gzip member at its offset, inflates it alone and compares its SHA-256
//! with the chunk table's; the calling thread takes the checked chunks in disk
//! order, hashes the whole disk and hands the bytes to a sink; one more thread
//! hashes the file itself. Workers stay less than [`WINDOW_PER_JOB`] × `jobs`
//! chunks ahead of the calling thread, so memory is about `3 × jobs + 1` chunks
//! (plus one member per worker) whatever the disk's size.

use super::chunks::{Chunk, ChunkTable};
use super::gunzip::{Gunzip, MAX_RATIO};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::io;
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;
use wspack_contract::stage::Digested;

/// How many checked chunks may wait for the calling thread, per worker: enough
/// that workers finishing out of order don't wait for each other.
const WINDOW_PER_JOB: usize = 2;

/// What a successful check saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunksChecked {
    /// Size and SHA-256 of the sidecar file.
    pub sidecar: Digested,
    /// Size and SHA-256 of the whole disk the chunks make.
    pub disk: Digested,
    /// Chunks checked.
    pub chunks: usize,
}

/// Why a chunked sidecar does not hold the disk its table describes.
#[derive(Debug)]
pub enum ChunkError {
    /// Reading the file failed.
    Read(io::Error),
    /// The file's length is not the end of the table's last chunk.
    Length {
        /// What the table says.
        expected: u64,
        /// What the file is.
        found: u64,
    },
    /// A chunk's gzip member does not inflate to exactly its chunk.
    Damaged {
        /// The chunk's number, from 0.
        index: usize,
        /// Where the chunk starts in the disk.
        disk_offset: u64,
        /// What the decoder found.
        reason: String,
    },
    /// A chunk inflates, but to other bytes than the MSI's chunk table promises.
    Mismatch {
        /// The chunk's number, from 0.
        index: usize,
        /// Where the chunk starts in the disk.
        disk_offset: u64,
    },
    /// The progress callback asked to stop.
    Cancelled,
}

impl fmt::Display for ChunkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChunkError::Read(e) => write!(f, "reading failed: {e}"),
            ChunkError::Length { expected, found } => write!(
                f,
                "it is {found} bytes long, but its chunk table says {expected}"
            ),
            ChunkError::Damaged {
                index,
                disk_offset,
                reason,
            } => write!(
                f,
                "chunk {index} (disk bytes from {disk_offset}) is damaged: {reason}"
            ),
            ChunkError::Mismatch { index, disk_offset } => write!(
                f,
                "chunk {index} (disk bytes from {disk_offset}) holds other bytes than the package's chunk table says (SHA-256 differs)"
            ),
            ChunkError::Cancelled => write!(f, "cancelled"),
        }
    }
}

impl std::error::Error for ChunkError {}

/// Checks every chunk of `file` against `table` on `jobs` threads and writes the
/// disk, in order, to `sink`. `progress` gets the disk bytes done so far and
/// returns `false` to cancel. The first damaged chunk (lowest number among those
/// seen) is reported.
pub fn verify_chunks(
    file: &File,
    table: &ChunkTable,
    jobs: usize,
    sink: &mut dyn Write,
    progress: &mut dyn FnMut(u64) -> bool,
) -> Result<ChunksChecked, ChunkError> {
    let found = file.metadata().map_err(ChunkError::Read)?.len();
    if found != table.sidecar_size() {
        return Err(ChunkError::Length {
            expected: table.sidecar_size(),
            found,
        });
    }
    let jobs = jobs.clamp(1, table.chunks.len().max(1));
    let shared = &Shared {
        window: WINDOW_PER_JOB * jobs,
        ..Shared::default()
    };
    let (sidecar, disk) = std::thread::scope(|scope| {
        let whole = scope.spawn(move || hash_file(file, found, &shared.stop));
        for _ in 0..jobs {
            scope.spawn(move || worker(file, table, shared));
        }
        let disk = hash_in_order(table, jobs, shared, sink, progress);
        let sidecar = whole
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        (sidecar, disk)
    });
    let failure = shared
        .failure
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take();
    if let Some((_, e)) = failure {
        return Err(e);
    }
    Ok(ChunksChecked {
        sidecar: sidecar.map_err(ChunkError::Read)?,
        disk,
        chunks: table.chunks.len(),
    })
}

/// Takes the checked chunks in disk order: hashes them, writes them to `sink`,
/// reports progress; stops when all are done, or at the first failure.
fn hash_in_order(
    table: &ChunkTable,
    jobs: usize,
    shared: &Shared,
    sink: &mut dyn Write,
    progress: &mut dyn FnMut(u64) -> bool,
) -> Digested {
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    for index in 0..table.chunks.len() {
        let Some(bytes) = shared.take_in_order(index, jobs) else {
            break; // stopped: the failure (or cancel) is recorded
        };
        hasher.update(&bytes);
        size += bytes.len() as u64;
        if let Err(e) = sink.write_all(&bytes) {
            shared.fail(index, ChunkError::Read(e));
        }
        shared.give_back(bytes);
        if !progress(size) {
            shared.fail(usize::MAX, ChunkError::Cancelled);
            break;
        }
    }
    Digested {
        size,
        sha256: hasher.finalize().into(),
    }
}

/// What the workers and the calling thread share.
#[derive(Default)]
struct Shared {
    /// How far ahead of the calling thread workers may be, in chunks.
    window: usize,
    next: AtomicUsize,
    finished: AtomicUsize,
    stop: AtomicBool,
    failure: Mutex<Option<(usize, ChunkError)>>,
    order: Mutex<InOrder>,
    changed: Condvar,
}

/// Checked chunks waiting for the calling thread, and spent buffers.
#[derive(Default)]
struct InOrder {
    hashed: usize,
    waiting: BTreeMap<usize, Vec<u8>>,
    spare: Vec<Vec<u8>>,
}

impl Shared {
    fn order(&self) -> MutexGuard<'_, InOrder> {
        self.order.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records a failure (the lowest chunk number wins; cancel comes last) and stops.
    fn fail(&self, index: usize, error: ChunkError) {
        let mut failure = self.failure.lock().unwrap_or_else(|p| p.into_inner());
        if failure.as_ref().is_none_or(|(i, _)| index < *i) {
            *failure = Some((index, error));
        }
        self.stop.store(true, Ordering::Relaxed);
        self.changed.notify_all();
    }

    /// A worker hands over chunk `index`, waiting while it is too far ahead;
    /// returns a buffer for its next chunk.
    fn hand_over(&self, index: usize, bytes: Vec<u8>) -> Vec<u8> {
        let mut order = self.order();
        while index >= order.hashed + self.window && !self.stop.load(Ordering::Relaxed) {
            order = self
                .changed
                .wait_timeout(order, Duration::from_millis(100))
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        order.waiting.insert(index, bytes);
        self.changed.notify_all();
        order.spare.pop().unwrap_or_default()
    }

    /// The calling thread waits for chunk `index`; `None` once everything stopped.
    fn take_in_order(&self, index: usize, jobs: usize) -> Option<Vec<u8>> {
        loop {
            let mut order = self.order();
            if let Some(bytes) = order.waiting.remove(&index) {
                order.hashed = index + 1;
                self.changed.notify_all();
                return Some(bytes);
            }
            if self.stop.load(Ordering::Relaxed) || self.finished.load(Ordering::Acquire) == jobs {
                return None;
            }
            drop(
                self.changed
                    .wait_timeout(order, Duration::from_millis(100))
                    .unwrap_or_else(|p| p.into_inner()),
            );
        }
    }

    fn give_back(&self, bytes: Vec<u8>) {
        self.order().spare.push(bytes);
    }
}

fn worker(file: &File, table: &ChunkTable, shared: &Shared) {
    match Gunzip::new() {
        Some(mut gunzip) => check_chunks(file, table, shared, &mut gunzip),
        None => {
            let e = io::Error::from(io::ErrorKind::OutOfMemory);
            shared.fail(usize::MAX - 1, ChunkError::Read(e));
        }
    }
    shared.finished.fetch_add(1, Ordering::Release);
    shared.changed.notify_all();
}

/// Takes the next unclaimed chunk until none is left or everything stops.
fn check_chunks(file: &File, table: &ChunkTable, shared: &Shared, gunzip: &mut Gunzip) {
    let (mut packed, mut disk) = (Vec::new(), Vec::new());
    while !shared.stop.load(Ordering::Relaxed) {
        let index = shared.next.fetch_add(1, Ordering::Relaxed);
        let Some(chunk) = table.chunks.get(index) else {
            break;
        };
        match check_chunk(file, chunk, gunzip, &mut packed, &mut disk) {
            Ok(()) => {
                disk = shared.hand_over(index, disk);
            }
            Err(reason) => shared.fail(index, reason.into_error(index, chunk)),
        }
    }
}

/// What is wrong with one chunk.
enum Problem {
    Read(io::Error),
    Damaged(String),
    Mismatch,
}

impl Problem {
    fn into_error(self, index: usize, chunk: &Chunk) -> ChunkError {
        let disk_offset = chunk.disk_offset;
        match self {
            Problem::Read(e) => ChunkError::Read(e),
            Problem::Damaged(reason) => ChunkError::Damaged {
                index,
                disk_offset,
                reason,
            },
            Problem::Mismatch => ChunkError::Mismatch { index, disk_offset },
        }
    }
}

/// Reads, inflates and hashes one chunk; its member must hold exactly its bytes.
/// `disk` is resized to the chunk (recycled buffers already have its size, so
/// nothing is cleared) and inflated into whole.
fn check_chunk(
    file: &File,
    chunk: &Chunk,
    gunzip: &mut Gunzip,
    packed: &mut Vec<u8>,
    disk: &mut Vec<u8>,
) -> Result<(), Problem> {
    // The table is the MSI's: never allocate more than the member could hold.
    if chunk.disk_len > chunk.sidecar_len.saturating_mul(MAX_RATIO) {
        return Err(Problem::Damaged(format!(
            "its {} bytes of gzip can't inflate to {} bytes",
            chunk.sidecar_len, chunk.disk_len
        )));
    }
    packed.resize(chunk.sidecar_len as usize, 0);
    file.read_exact_at(packed, chunk.sidecar_offset)
        .map_err(Problem::Read)?;
    disk.resize(chunk.disk_len as usize, 0);
    gunzip.member(packed, disk).map_err(Problem::Damaged)?;
    if <[u8; 32]>::from(Sha256::digest(&disk[..])) != chunk.sha256 {
        return Err(Problem::Mismatch);
    }
    Ok(())
}

/// Hashes the whole file front to back (it is in the page cache once the
/// workers have read it, or soon will be).
fn hash_file(file: &File, len: u64, stop: &AtomicBool) -> io::Result<Digested> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut at = 0u64;
    while at < len && !stop.load(Ordering::Relaxed) {
        let n = buf.len().min((len - at) as usize);
        file.read_exact_at(&mut buf[..n], at)?;
        hasher.update(&buf[..n]);
        at += n as u64;
    }
    Ok(Digested {
        size: at,
        sha256: hasher.finalize().into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sidecar::tests::{gz_chunked, sample};
    use crate::sidecar::DEFAULT_BLOCK_SIZE;
    use std::io::Write;

    fn file_of(bytes: &[u8]) -> File {
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(bytes).unwrap();
        f
    }

    fn check(bytes: &[u8], table: &ChunkTable) -> Result<ChunksChecked, ChunkError> {
        verify_chunks(&file_of(bytes), table, 3, &mut io::sink(), &mut |_| true)
    }

    #[test]
    fn checks_every_chunk_and_hashes_the_file() {
        let input = sample(3_000_000);
        let (out, facts) = gz_chunked(&input, 2, 6, DEFAULT_BLOCK_SIZE, 1 << 19);
        let mut disk = Vec::new();
        let got =
            verify_chunks(&file_of(&out), &facts.chunks, 3, &mut disk, &mut |_| true).unwrap();
        assert_eq!(got.sidecar, facts.output);
        assert_eq!(got.disk, facts.input);
        assert!(disk == input, "the sink gets the disk in order");
        assert_eq!(got.chunks, facts.chunks.chunks.len());
    }

    #[test]
    fn names_the_damaged_chunk() {
        let input = sample(3_000_000);
        let (out, facts) = gz_chunked(&input, 2, 6, DEFAULT_BLOCK_SIZE, 1 << 19);
        let third = facts.chunks.chunks[2];
        let mut flipped = out.clone();
        flipped[(third.sidecar_offset + third.sidecar_len / 2) as usize] ^= 0x10;
        match check(&flipped, &facts.chunks).unwrap_err() {
            ChunkError::Damaged { index: 2, .. } | ChunkError::Mismatch { index: 2, .. } => {}
            e => panic!("unexpected {e}"),
        }
        // Another disk's sidecar of the same length: chunks inflate, hashes differ.
        let mut other_input = input.clone();
        other_input[10] = other_input[10].wrapping_add(1);
        let (other, other_facts) = gz_chunked(&other_input, 2, 6, DEFAULT_BLOCK_SIZE, 1 << 19);
        let mut table = other_facts.chunks.clone();
        for (c, mine) in table.chunks.iter_mut().zip(&facts.chunks.chunks) {
            c.sha256 = mine.sha256;
        }
        match check(&other, &table).unwrap_err() {
            ChunkError::Mismatch { index: 0, .. } => {}
            e => panic!("unexpected {e}"),
        }
        let err = check(&out[..out.len() - 1], &facts.chunks).unwrap_err();
        assert!(matches!(err, ChunkError::Length { .. }), "{err}");
        let err = verify_chunks(
            &file_of(&out),
            &facts.chunks,
            2,
            &mut io::sink(),
            &mut |_| false,
        )
        .unwrap_err();
        assert!(matches!(err, ChunkError::Cancelled), "{err}");
    }

    #[test]
    fn a_table_promising_more_than_a_member_holds_is_refused_before_allocating() {
        let input = sample(1_000_000);
        let (out, facts) = gz_chunked(&input, 2, 6, DEFAULT_BLOCK_SIZE, 1 << 19);
        let mut table = facts.chunks.clone();
        table.chunk_size = u64::MAX / 2;
        let last = table.chunks.len() - 1;
        table.chunks[last].disk_len = u64::MAX / 4;
        match check(&out, &table).unwrap_err() {
            ChunkError::Damaged { index, reason, .. } => {
                assert_eq!(index, last);
                assert!(reason.contains("can't inflate"), "{reason}");
            }
            e => panic!("unexpected {e}"),
        }
    }
}
