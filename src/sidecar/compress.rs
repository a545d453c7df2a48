//! Parallel compression of the disk into the sidecar (see the module above for the format).

use super::chunks::{Chunk, ChunkTable, DEFAULT_CHUNK_SIZE};
use flate2::{Compress, Compression, FlushCompress, Status};
use sha2::{Digest, Sha256};
use std::fmt;
use std::io::{self, Read, Write};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Mutex;
use wspack_contract::stage::Digested;

/// Bytes of input per independently deflated block (pigz uses the same).
pub const DEFAULT_BLOCK_SIZE: usize = 128 * 1024;
/// The deflate window: how much of the previous block primes the next one.
pub const DICT_SIZE: usize = 32 * 1024;

/// How to compress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompressOptions {
    /// Worker threads (at least 1).
    pub jobs: usize,
    /// Deflate level 1–9.
    pub level: u32,
    /// Input bytes per block (at least [`DICT_SIZE`]); changes the output bytes.
    pub block_size: usize,
    /// Input bytes per chunk (one gzip member each), a multiple of `block_size`;
    /// 0 makes the whole input one member. Changes the output bytes.
    pub chunk_size: u64,
}

impl CompressOptions {
    /// Returns options with the default block size.
    pub fn new(jobs: usize, level: u32) -> Self {
        CompressOptions {
            jobs,
            level,
            block_size: DEFAULT_BLOCK_SIZE,
            chunk_size: DEFAULT_CHUNK_SIZE,
        }
    }
}

/// What one compression pass saw and wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compressed {
    /// Size and SHA-256 of the uncompressed input (the disk).
    pub input: Digested,
    /// Size and SHA-256 of the gzip output (the `.medv`).
    pub output: Digested,
    /// Where each chunk went, with its SHA-256.
    pub chunks: ChunkTable,
}

/// Why compressing failed.
#[derive(Debug)]
pub enum CompressError {
    /// Reading the input failed.
    Read(io::Error),
    /// Writing the output failed.
    Write(io::Error),
    /// The progress callback asked to stop.
    Cancelled,
    /// The deflate engine reported an error (a bug, not bad input).
    Deflate(String),
}

impl fmt::Display for CompressError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompressError::Read(e) => write!(f, "reading the disk failed: {e}"),
            CompressError::Write(e) => write!(f, "writing the sidecar failed: {e}"),
            CompressError::Cancelled => write!(f, "cancelled"),
            CompressError::Deflate(m) => write!(f, "deflate failed: {m}"),
        }
    }
}

impl std::error::Error for CompressError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CompressError::Read(e) | CompressError::Write(e) => Some(e),
            _ => None,
        }
    }
}

/// A block of input on its way to a worker.
struct Job {
    data: Vec<u8>,
    dict: Vec<u8>,
    /// The block ends its gzip member (its chunk, or the input).
    last: bool,
    reply: SyncSender<Result<Block, CompressError>>,
}

/// A deflated block on its way to the writer.
struct Block {
    data: Vec<u8>,
    crc: crc32fast::Hasher,
    len: u64,
}

/// What the reader tells the writer, in stream order.
enum Order {
    /// The next block's result will arrive here; with the SHA-256 of its chunk's
    /// bytes when it ends the chunk.
    Block(Receiver<Result<Block, CompressError>>, Option<[u8; 32]>),
    /// All blocks were sent.
    End,
}

/// Compresses `src` into `dst` as one gzip member per chunk, in parallel, hashing
/// both sides and every chunk.
///
/// `progress` gets the number of input bytes read so far after each block and
/// returns `false` to cancel. `dst` is written from a separate thread.
pub fn compress<R: Read, W: Write + Send>(
    mut src: R,
    dst: W,
    opts: &CompressOptions,
    progress: &mut dyn FnMut(u64) -> bool,
) -> Result<Compressed, CompressError> {
    let jobs = opts.jobs.max(1);
    let level = Compression::new(opts.level.clamp(1, 9));
    let block_size = opts.block_size.max(DICT_SIZE);
    let chunk_size = match opts.chunk_size {
        0 => u64::MAX,
        n => n.max(block_size as u64) / block_size as u64 * block_size as u64,
    };
    let (job_tx, job_rx) = sync_channel::<Job>(jobs);
    let job_rx = Mutex::new(job_rx);
    std::thread::scope(|scope| {
        let (order_tx, order_rx) = sync_channel::<Order>(jobs * 2 + 2);
        let (pool_tx, pool_rx) = std::sync::mpsc::channel::<Vec<u8>>();
        for _ in 0..jobs {
            let job_rx = &job_rx;
            let pool_tx = pool_tx.clone();
            scope.spawn(move || deflate_worker(job_rx, pool_tx, level));
        }
        drop(pool_tx);
        let writer = scope.spawn(move || write_members(dst, order_rx, opts.level));
        let cut = Cut {
            block_size,
            chunk_size,
        };
        let read = read_blocks(&mut src, cut, &job_tx, &order_tx, &pool_rx, progress);
        drop(job_tx);
        drop(order_tx);
        let written = writer
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        // A read error or cancel is the cause; the writer then only saw an aborted stream.
        let input = read?;
        let (output, chunks) = written?;
        let chunk_size = if opts.chunk_size == 0 {
            input.size.max(1)
        } else {
            chunk_size
        };
        Ok(Compressed {
            input,
            output,
            chunks: ChunkTable { chunk_size, chunks },
        })
    })
}

/// Where blocks and chunks end.
#[derive(Clone, Copy)]
struct Cut {
    block_size: usize,
    chunk_size: u64,
}

/// Reads `src` in blocks, hashing it whole and chunk by chunk, and feeds the
/// workers and the writer. A chunk's first block gets no dictionary: each gzip
/// member must inflate on its own.
fn read_blocks<R: Read>(
    src: &mut R,
    cut: Cut,
    job_tx: &SyncSender<Job>,
    order_tx: &SyncSender<Order>,
    pool_rx: &Receiver<Vec<u8>>,
    progress: &mut dyn FnMut(u64) -> bool,
) -> Result<Digested, CompressError> {
    let mut hasher = Sha256::new();
    let mut chunk_hasher = Sha256::new();
    let mut size = 0u64;
    let mut dict = Vec::new();
    let next_buf = |pool_rx: &Receiver<Vec<u8>>| {
        let mut b = pool_rx.try_recv().unwrap_or_default();
        b.clear();
        b.reserve(cut.block_size);
        b
    };
    let digest = |hasher: Sha256, size| Digested {
        size,
        sha256: hasher.finalize().into(),
    };
    let mut current = next_buf(pool_rx);
    fill(src, &mut current, cut.block_size)?;
    loop {
        let mut following = Vec::new();
        if current.len() == cut.block_size {
            following = next_buf(pool_rx);
            fill(src, &mut following, cut.block_size)?;
        }
        let last = following.is_empty();
        hasher.update(&current);
        chunk_hasher.update(&current);
        size += current.len() as u64;
        let chunk_end = last || size % cut.chunk_size == 0;
        let next_dict = if chunk_end {
            Vec::new()
        } else {
            current[current.len() - DICT_SIZE..].to_vec()
        };
        let chunk_sha = chunk_end.then(|| std::mem::take(&mut chunk_hasher).finalize().into());
        let (reply, result) = sync_channel(1);
        let job = Job {
            data: current,
            dict: std::mem::replace(&mut dict, next_dict),
            last: chunk_end,
            reply,
        };
        // A closed channel means the writer or the workers stopped on an error,
        // which the writer's result carries.
        if order_tx.send(Order::Block(result, chunk_sha)).is_err() || job_tx.send(job).is_err() {
            return Ok(digest(hasher, size));
        }
        if !progress(size) {
            return Err(CompressError::Cancelled);
        }
        if last {
            let _ = order_tx.send(Order::End);
            return Ok(digest(hasher, size));
        }
        current = following;
    }
}

/// Reads until `buf` holds `want` bytes or the input ends.
fn fill<R: Read>(src: &mut R, buf: &mut Vec<u8>, want: usize) -> Result<(), CompressError> {
    while buf.len() < want {
        let n = src
            .by_ref()
            .take((want - buf.len()) as u64)
            .read_to_end(buf)
            .map_err(CompressError::Read)?;
        if n == 0 {
            break;
        }
    }
    Ok(())
}

/// Deflates jobs until the job channel closes.
fn deflate_worker(
    jobs: &Mutex<Receiver<Job>>,
    pool: std::sync::mpsc::Sender<Vec<u8>>,
    level: Compression,
) {
    loop {
        let job = {
            let rx = jobs.lock().unwrap_or_else(|p| p.into_inner());
            rx.recv()
        };
        let Ok(job) = job else { return };
        let result = deflate_block(level, &job.data, &job.dict, job.last).map(|data| {
            let mut crc = crc32fast::Hasher::new();
            crc.update(&job.data);
            Block {
                data,
                crc,
                len: job.data.len() as u64,
            }
        });
        let failed = result.is_err();
        let _ = job.reply.send(result);
        let _ = pool.send(job.data);
        if failed {
            return;
        }
    }
}

/// Deflates one block as a piece of one raw deflate stream: primed with `dict`,
/// ended with a sync flush, or with the stream's end when `last`.
///
/// Each block gets a fresh engine: zlib-rs's `reset()` keeps the old window and
/// `prev` chains, which changes match choices (still valid output, but bytes that
/// depend on which blocks a thread happened to compress before). A fresh engine
/// starts zeroed, so the bytes depend only on the input.
pub(super) fn deflate_block(
    level: Compression,
    input: &[u8],
    dict: &[u8],
    last: bool,
) -> Result<Vec<u8>, CompressError> {
    let bad = |e: flate2::CompressError| CompressError::Deflate(e.to_string());
    let mut engine = Compress::new(level, false);
    if !dict.is_empty() {
        engine.set_dictionary(dict).map_err(bad)?;
    }
    let flush = if last {
        FlushCompress::Finish
    } else {
        FlushCompress::Sync
    };
    let mut out = Vec::with_capacity(input.len() + input.len() / 8 + 64);
    let mut consumed = 0usize;
    loop {
        if out.capacity() - out.len() < 64 {
            out.reserve(out.capacity().max(4096));
        }
        let before = engine.total_in();
        let status = engine
            .compress_vec(&input[consumed..], &mut out, flush)
            .map_err(bad)?;
        consumed += (engine.total_in() - before) as usize;
        let room_left = out.len() < out.capacity();
        match (last, status) {
            (true, Status::StreamEnd) => return Ok(out),
            (false, _) if consumed == input.len() && room_left => return Ok(out),
            (_, Status::BufError) if room_left => {
                return Err(CompressError::Deflate("deflate made no progress".into()))
            }
            _ => {}
        }
    }
}

/// Returns the bytes that every sidecar of a `disk_size`-byte disk beginning with
/// `disk_head`, compressed at `level`, begins with: the gzip header and the
/// blocks that lie wholly in `disk_head`. Lets a reader tell the level a sidecar
/// was made at without compressing the whole disk again.
pub fn member_start(
    level: u32,
    disk_head: &[u8],
    disk_size: u64,
) -> Result<Vec<u8>, CompressError> {
    let engine_level = Compression::new(level.clamp(1, 9));
    let mut out = gzip_header(level).to_vec();
    let mut dict: &[u8] = &[];
    let mut at = 0usize;
    while at < disk_head.len() {
        let end = (at + DEFAULT_BLOCK_SIZE).min(disk_head.len());
        let last = end as u64 == disk_size;
        if end - at < DEFAULT_BLOCK_SIZE && !last {
            break;
        }
        let block = &disk_head[at..end];
        out.extend(deflate_block(engine_level, block, dict, last)?);
        dict = &block[block.len() - DICT_SIZE.min(block.len())..];
        at = end;
    }
    Ok(out)
}

/// Returns the 10-byte gzip header: deflate, no name, mtime 0, OS unknown.
fn gzip_header(level: u32) -> [u8; 10] {
    let xfl = match level {
        9 => 2,
        1 => 4,
        _ => 0,
    };
    [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 255]
}

/// One gzip member being written.
struct Member {
    start: u64,
    crc: crc32fast::Hasher,
    len: u64,
}

/// Writes the members in order (header, blocks, trailer each), hashes what it
/// writes, and records where each chunk went.
fn write_members<W: Write>(
    dst: W,
    order: Receiver<Order>,
    level: u32,
) -> Result<(Digested, Vec<Chunk>), CompressError> {
    let mut out = HashingWriter::new(dst);
    let mut chunks = Vec::new();
    let mut member: Option<Member> = None;
    loop {
        match order.recv() {
            Ok(Order::Block(result, chunk_sha)) => {
                let block = result
                    .recv()
                    .map_err(|_| CompressError::Deflate("a worker stopped".into()))??;
                let m = match &mut member {
                    Some(m) => m,
                    None => {
                        let start = out.digest_size();
                        out.write_all(&gzip_header(level))
                            .map_err(CompressError::Write)?;
                        member.insert(Member {
                            start,
                            crc: crc32fast::Hasher::new(),
                            len: 0,
                        })
                    }
                };
                m.crc.combine(&block.crc);
                m.len += block.len;
                out.write_all(&block.data).map_err(CompressError::Write)?;
                if let Some(sha256) = chunk_sha {
                    if let Some(m) = member.take() {
                        chunks.push(end_member(&mut out, m, sha256, &chunks)?);
                    }
                }
            }
            Ok(Order::End) => break,
            // The reader stopped (read error or cancel): never finish the member.
            Err(_) => return Err(CompressError::Cancelled),
        }
    }
    out.flush().map_err(CompressError::Write)?;
    Ok((out.digest(), chunks))
}

/// Writes a member's trailer (CRC-32, size mod 2³²) and returns its chunk.
fn end_member<W: Write>(
    out: &mut HashingWriter<W>,
    m: Member,
    sha256: [u8; 32],
    before: &[Chunk],
) -> Result<Chunk, CompressError> {
    let mut trailer = [0u8; 8];
    trailer[..4].copy_from_slice(&m.crc.finalize().to_le_bytes());
    trailer[4..].copy_from_slice(&(m.len as u32).to_le_bytes());
    out.write_all(&trailer).map_err(CompressError::Write)?;
    let disk_offset = before.last().map_or(0, |c| c.disk_offset + c.disk_len);
    Ok(Chunk {
        disk_offset,
        disk_len: m.len,
        sidecar_offset: m.start,
        sidecar_len: out.digest_size() - m.start,
        sha256,
    })
}

/// A writer that counts and SHA-256-hashes what passes through it.
pub struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
    size: u64,
}

impl<W: Write> HashingWriter<W> {
    /// Wraps `inner`.
    pub fn new(inner: W) -> Self {
        HashingWriter {
            inner,
            hasher: Sha256::new(),
            size: 0,
        }
    }

    /// Returns how many bytes were written so far.
    pub fn digest_size(&self) -> u64 {
        self.size
    }

    /// Returns the size and SHA-256 of everything written so far.
    pub fn digest(&self) -> Digested {
        Digested {
            size: self.size,
            sha256: self.hasher.clone().finalize().into(),
        }
    }

    /// Returns the wrapped writer.
    pub fn into_inner(self) -> W {
        self.inner
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
