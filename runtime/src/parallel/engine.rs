//! The worker pool under [`super::stage_chunks`], [`super::verify_file`] and
//! [`super::stage_delta`]: a [`Plan`] says where each chunk's bytes come from (a
//! gzip member of one file, or raw bytes of another), where they go (their offset
//! in the output file, or nowhere) and whether the calling thread hashes the whole
//! disk in order.

use super::order::{Gate, InOrder, Pool};
use super::{ChunkFailure, Sidecar, MAX_CHUNK_SIZE};
use crate::fsx;
use crate::gzip;
use sha2::{Digest, Sha256};
use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

/// Where one chunk's bytes come from.
#[derive(Debug, Clone, Copy)]
pub(super) enum Origin {
    /// The gzip member at `offset` (`len` bytes) of the plan's member file.
    Member { offset: u64, len: u64 },
    /// The chunk's length of raw bytes at `offset` of the plan's raw file.
    Raw { offset: u64 },
}

/// One chunk to produce.
#[derive(Debug, Clone, Copy)]
pub(super) struct Job {
    pub disk_offset: u64,
    pub disk_len: u64,
    pub from: Origin,
    pub sha256: [u8; 32],
}

/// What to do with every chunk.
pub(super) struct Plan<'a> {
    /// How many chunks.
    pub count: usize,
    /// Chunk `i`, for `i < count`.
    pub job: &'a (dyn Fn(usize) -> Job + Sync),
    /// The file [`Origin::Member`] offsets point into (plus its window's offset).
    pub members: Option<&'a Sidecar<'a>>,
    /// The file [`Origin::Raw`] offsets point into.
    pub raw: Option<&'a Path>,
    /// True if the raw file is a base disk (its failures are `Base*`), false if
    /// it is the disk being checked.
    pub raw_is_base: bool,
    /// Where chunks are written at their disk offset; `None`: checked only.
    pub out: Option<&'a Path>,
    /// The whole disk's expected SHA-256, hashed in disk order; `None`: not hashed.
    pub whole: Option<&'a [u8; 32]>,
}

/// What a worker tells the calling thread.
enum Done {
    /// Chunk `index` of `len` bytes is checked (and written); its buffer if the
    /// whole disk is hashed.
    Chunk {
        index: usize,
        len: u64,
        buf: Option<Vec<u8>>,
    },
    /// Chunk `.0` failed (`usize::MAX`: not a chunk's fault, such as a file that
    /// can't be opened).
    Failed(usize, ChunkFailure),
}

/// Runs `plan` on `jobs` threads; `progress` gets the disk bytes done so far and
/// returns false to cancel. Of several bad chunks the lowest-numbered one seen is
/// reported.
pub(super) fn run(
    plan: &Plan,
    jobs: usize,
    progress: &mut dyn FnMut(u64) -> bool,
) -> Result<(), ChunkFailure> {
    let jobs = jobs.clamp(1, plan.count.max(1));
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    // Two chunks per worker: one being filled, one finished and waiting its turn.
    let gate = Gate::new(2 * jobs);
    let pool = Pool::default();
    let (tx, rx) = mpsc::channel();
    let shared = Shared {
        plan,
        next: &next,
        stop: &stop,
        gate: &gate,
        pool: &pool,
    };
    std::thread::scope(|scope| {
        let mut workers = Vec::new();
        let mut spawn_error = None;
        for _ in 0..jobs {
            let tx = tx.clone();
            let shared = &shared;
            match std::thread::Builder::new().spawn_scoped(scope, move || worker(shared, tx)) {
                Ok(w) => workers.push(w),
                Err(e) => spawn_error = Some(e),
            }
        }
        drop(tx);
        let result = match spawn_error {
            // Fewer threads than cores is fine; none is not.
            Some(e) if workers.is_empty() => Err(ChunkFailure::Threads(e)),
            _ => collect(plan, rx, &shared, progress),
        };
        // Join each thread by its handle: that waits until the system thread has
        // ended. The scope alone waits only for the closures, and a thread still on
        // its way out of this DLL when the installer unloads it crashes the
        // custom-action host (seen under Wine: the rollback action then never ran).
        for w in workers {
            let _ = w.join();
        }
        result
    })
}

/// What the workers share.
struct Shared<'a> {
    plan: &'a Plan<'a>,
    next: &'a AtomicUsize,
    stop: &'a AtomicBool,
    gate: &'a Gate,
    pool: &'a Pool,
}

/// The calling thread's part: progress after each chunk and the in-order hash,
/// until every worker ended. Then a cancel, else the lowest-numbered bad chunk,
/// else a whole-disk hash that differs.
fn collect(
    plan: &Plan,
    rx: mpsc::Receiver<Done>,
    shared: &Shared,
    progress: &mut dyn FnMut(u64) -> bool,
) -> Result<(), ChunkFailure> {
    let mut done = 0u64;
    let mut cancelled = false;
    let mut failure: Option<(usize, ChunkFailure)> = None;
    let mut in_order = InOrder::new(shared.gate, shared.pool);
    // Ends when every worker has dropped its sender.
    for msg in rx.iter() {
        match msg {
            Done::Chunk { index, len, buf } => {
                if let Some(buf) = buf {
                    in_order.add(index, buf, len as usize);
                }
                done += len;
                if !cancelled && failure.is_none() && !progress(done) {
                    cancelled = true;
                    shared.gate.halt(shared.stop);
                }
            }
            Done::Failed(index, f) => {
                shared.gate.halt(shared.stop);
                if failure.as_ref().map_or(true, |(i, _)| index < *i) {
                    failure = Some((index, f));
                }
            }
        }
    }
    if cancelled {
        return Err(ChunkFailure::Cancelled);
    }
    if let Some((_, f)) = failure {
        return Err(f);
    }
    match (plan.whole, in_order.finish(plan.count)) {
        (Some(expected), Some(found)) if found != *expected => Err(ChunkFailure::WholeMismatch {
            expected: *expected,
            found,
        }),
        _ => Ok(()),
    }
}

/// One worker's files, each opened on first use: Windows serializes the reads and
/// writes of threads that share one synchronous handle.
struct Files<'a> {
    plan: &'a Plan<'a>,
    member: Option<File>,
    raw: Option<File>,
    out: Option<File>,
}

fn open<'f>(slot: &'f mut Option<File>, path: Option<&Path>, write: bool) -> io::Result<&'f File> {
    if slot.is_none() {
        let path = path.ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such file"))?;
        *slot = Some(OpenOptions::new().read(!write).write(write).open(path)?);
    }
    match slot {
        Some(f) => Ok(f),
        None => Err(io::Error::new(io::ErrorKind::NotFound, "no such file")),
    }
}

impl<'a> Files<'a> {
    fn member(&mut self) -> Result<&File, Problem> {
        let path = self.plan.members.map(|s| s.path);
        open(&mut self.member, path, false).map_err(|e| Problem::Open(ChunkFailure::Read(e)))
    }

    fn raw(&mut self) -> Result<&File, Problem> {
        let base = self.plan.raw_is_base;
        open(&mut self.raw, self.plan.raw, false).map_err(|e| {
            Problem::Open(if base {
                ChunkFailure::ReadBase(e)
            } else {
                ChunkFailure::Read(e)
            })
        })
    }

    fn out(&mut self) -> Result<Option<&File>, Problem> {
        match self.plan.out {
            None => Ok(None),
            Some(path) => open(&mut self.out, Some(path), true)
                .map(Some)
                .map_err(|e| Problem::Open(ChunkFailure::Write(e))),
        }
    }
}

fn worker(shared: &Shared, tx: mpsc::Sender<Done>) {
    let plan = shared.plan;
    let mut files = Files {
        plan,
        member: None,
        raw: None,
        out: None,
    };
    let (mut packed, mut own) = (Vec::new(), Vec::new());
    while !shared.stop.load(Ordering::Relaxed) {
        let index = shared.next.fetch_add(1, Ordering::Relaxed);
        if index >= plan.count {
            break;
        }
        if plan.whole.is_some() && !shared.gate.wait_for(index, shared.stop) {
            break;
        }
        let job = (plan.job)(index);
        let mut disk = match plan.whole {
            Some(_) => shared.pool.take(),
            None => std::mem::take(&mut own),
        };
        let msg = match produce(&mut files, &job, &mut packed, &mut disk) {
            Ok(()) => Done::Chunk {
                index,
                len: job.disk_len,
                buf: plan.whole.map(|_| std::mem::take(&mut disk)),
            },
            Err(Problem::Open(f)) => Done::Failed(usize::MAX, f),
            Err(p) => Done::Failed(index, p.at(index, &job, plan.raw_is_base)),
        };
        own = disk;
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
    /// A file could not be opened.
    Open(ChunkFailure),
}

impl Problem {
    fn at(self, index: usize, job: &Job, raw_is_base: bool) -> ChunkFailure {
        let disk_offset = job.disk_offset;
        let from_base = raw_is_base && matches!(job.from, Origin::Raw { .. });
        match self {
            Problem::Damaged(reason) => ChunkFailure::Damaged {
                index,
                disk_offset,
                reason,
            },
            Problem::Mismatch if from_base => ChunkFailure::BaseMismatch { index, disk_offset },
            Problem::Mismatch => ChunkFailure::Mismatch { index, disk_offset },
            Problem::Read(e) if from_base => ChunkFailure::ReadBase(e),
            Problem::Read(e) => ChunkFailure::Read(e),
            Problem::Write(e) => ChunkFailure::Write(e),
            Problem::Open(f) => f,
        }
    }
}

/// The most bytes deflate makes of `len` bytes: stored blocks add 5 bytes per
/// 64 KiB, the gzip header and trailer 18 or a few more.
pub(super) fn most_packed(len: u64) -> u64 {
    len + len / 64 + 4096
}

/// Reads one chunk into `disk` (from its member via `packed`, or raw), checks its
/// SHA-256 and writes it at its offset if the plan has an output.
fn produce(
    files: &mut Files,
    job: &Job,
    packed: &mut Vec<u8>,
    disk: &mut Vec<u8>,
) -> Result<(), Problem> {
    if job.disk_len > MAX_CHUNK_SIZE {
        return Err(Problem::Damaged(format!(
            "it is {} bytes, over the {} bytes this runtime accepts",
            job.disk_len, MAX_CHUNK_SIZE
        )));
    }
    let want = job.disk_len as usize;
    match job.from {
        Origin::Member { offset, len } => read_member(files, offset, len, want, packed, disk)?,
        Origin::Raw { offset } => {
            disk.resize(want, 0);
            let raw = files.raw()?;
            fsx::read_exact_at(raw, &mut disk[..want], offset).map_err(|e| {
                if e.kind() == io::ErrorKind::UnexpectedEof {
                    Problem::Mismatch
                } else {
                    Problem::Read(e)
                }
            })?;
        }
    }
    if <[u8; 32]>::from(Sha256::digest(&disk[..want])) != job.sha256 {
        return Err(Problem::Mismatch);
    }
    match files.out()? {
        Some(out) => fsx::write_all_at(out, &disk[..want], job.disk_offset).map_err(Problem::Write),
        None => Ok(()),
    }
}

/// Reads the member at `offset` (`len` bytes) and inflates it into `disk`, which
/// must then hold exactly `want` bytes.
fn read_member(
    files: &mut Files,
    offset: u64,
    len: u64,
    want: usize,
    packed: &mut Vec<u8>,
    disk: &mut Vec<u8>,
) -> Result<(), Problem> {
    if len > most_packed(want as u64) {
        return Err(Problem::Damaged(format!(
            "its gzip member is {} bytes, more than deflate ever makes of {} bytes",
            len, want
        )));
    }
    let base = files.plan.members.and_then(|s| s.window).map_or(0, |w| w.0);
    let at = base
        .checked_add(offset)
        .ok_or_else(|| Problem::Damaged("its offset is past any file's end".into()))?;
    packed.resize(len as usize, 0);
    fsx::read_exact_at(files.member()?, packed, at).map_err(|e| {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            Problem::Damaged("the sidecar ends inside it (truncated)".into())
        } else {
            Problem::Read(e)
        }
    })?;
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
    Ok(())
}
