//! The `.medv` sidecar: the disk as one gzip member whose single deflate stream is
//! compressed in parallel (the pigz scheme), and the reader that checks it. (Issue 4.)
//!
//! # Format
//! One gzip member (RFC 1952): header with no name, mtime 0, OS 255; one raw deflate
//! stream; CRC-32 and size mod 2³² trailer. `gzip -t`, `pigz -t`, `7z t` accept it and
//! `gzip -dc` restores the disk.
//!
//! # Parallel compression
//! The input is cut into fixed [`DEFAULT_BLOCK_SIZE`] blocks. Each block is deflated
//! on its own by one of `jobs` worker threads, primed with the previous block's last
//! 32 KiB as preset dictionary (so matches reach back across the cut, as in
//! single-threaded deflate), and ended with a sync flush (an empty stored block that
//! byte-aligns the stream); the last block ends the stream instead. The blocks'
//! CRC-32s are combined in order. Block boundaries depend only on the input, never on
//! thread timing, so the output is byte-identical for any `jobs`.
//!
//! # One read
//! The calling thread reads the disk once, hashing it (SHA-256 + size) as it goes;
//! the worker threads deflate; a writer thread puts the blocks in order, writes them
//! and hashes the output (the `.medv`'s SHA-256 + size). Memory is bounded by the
//! blocks in flight: about `4 × jobs` blocks of 128 KiB plus their output.
//!
//! The deflate backend is flate2 on zlib-rs (pure Rust). On this project's benchmark
//! disk it deflated faster than zlib-ng (see README, "Performance").

use crate::stage::{self, Digested, StageError};
use flate2::{Compress, Compression, FlushCompress, Status};
use sha2::{Digest, Sha256};
use std::fmt;
use std::io::{self, BufRead, Read, Write};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Mutex;

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
}

impl CompressOptions {
    /// Returns options with the default block size.
    pub fn new(jobs: usize, level: u32) -> Self {
        CompressOptions {
            jobs,
            level,
            block_size: DEFAULT_BLOCK_SIZE,
        }
    }
}

/// What one compression pass saw and wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Compressed {
    /// Size and SHA-256 of the uncompressed input (the disk).
    pub input: Digested,
    /// Size and SHA-256 of the gzip output (the `.medv`).
    pub output: Digested,
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
    /// The next block's result will arrive here.
    Block(Receiver<Result<Block, CompressError>>),
    /// All blocks were sent: write the trailer.
    End,
}

/// Compresses `src` into `dst` as one gzip member, in parallel, hashing both sides.
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
        let writer = scope.spawn(move || write_member(dst, order_rx, opts.level));
        let read = read_blocks(&mut src, block_size, &job_tx, &order_tx, &pool_rx, progress);
        drop(job_tx);
        drop(order_tx);
        let written = writer
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        // A read error or cancel is the cause; the writer then only saw an aborted stream.
        let input = read?;
        let output = written?;
        Ok(Compressed { input, output })
    })
}

/// Reads `src` in blocks, hashing it, and feeds the workers and the writer.
fn read_blocks<R: Read>(
    src: &mut R,
    block_size: usize,
    job_tx: &SyncSender<Job>,
    order_tx: &SyncSender<Order>,
    pool_rx: &Receiver<Vec<u8>>,
    progress: &mut dyn FnMut(u64) -> bool,
) -> Result<Digested, CompressError> {
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    let mut dict = Vec::new();
    let next_buf = |pool_rx: &Receiver<Vec<u8>>| {
        let mut b = pool_rx.try_recv().unwrap_or_default();
        b.clear();
        b.reserve(block_size);
        b
    };
    let mut current = next_buf(pool_rx);
    fill(src, &mut current, block_size)?;
    loop {
        let mut following = Vec::new();
        if current.len() == block_size {
            following = next_buf(pool_rx);
            fill(src, &mut following, block_size)?;
        }
        let last = following.is_empty();
        hasher.update(&current);
        size += current.len() as u64;
        let next_dict = if last {
            Vec::new()
        } else {
            current[current.len() - DICT_SIZE..].to_vec()
        };
        let (reply, result) = sync_channel(1);
        let job = Job {
            data: current,
            dict: std::mem::replace(&mut dict, next_dict),
            last,
            reply,
        };
        // A closed channel means the writer or the workers stopped on an error,
        // which the writer's result carries.
        if order_tx.send(Order::Block(result)).is_err() || job_tx.send(job).is_err() {
            return Ok(Digested {
                size,
                sha256: hasher.finalize().into(),
            });
        }
        if !progress(size) {
            return Err(CompressError::Cancelled);
        }
        if last {
            let _ = order_tx.send(Order::End);
            return Ok(Digested {
                size,
                sha256: hasher.finalize().into(),
            });
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
fn deflate_block(
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

/// Writes the header, the blocks in order and the trailer; hashes what it writes.
fn write_member<W: Write>(
    dst: W,
    order: Receiver<Order>,
    level: u32,
) -> Result<Digested, CompressError> {
    let mut out = HashingWriter::new(dst);
    out.write_all(&gzip_header(level))
        .map_err(CompressError::Write)?;
    let mut crc = crc32fast::Hasher::new();
    let mut total = 0u64;
    loop {
        match order.recv() {
            Ok(Order::Block(result)) => {
                let block = result
                    .recv()
                    .map_err(|_| CompressError::Deflate("a worker stopped".into()))??;
                crc.combine(&block.crc);
                total += block.len;
                out.write_all(&block.data).map_err(CompressError::Write)?;
            }
            Ok(Order::End) => break,
            // The reader stopped (read error or cancel): never finish the member.
            Err(_) => return Err(CompressError::Cancelled),
        }
    }
    let mut trailer = [0u8; 8];
    trailer[..4].copy_from_slice(&crc.finalize().to_le_bytes());
    trailer[4..].copy_from_slice(&(total as u32).to_le_bytes());
    out.write_all(&trailer).map_err(CompressError::Write)?;
    out.flush().map_err(CompressError::Write)?;
    Ok(out.digest())
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

/// What reading a sidecar back found: the file's own digest (read to its end even
/// when the gzip data inside is damaged) and the disk it inflates to.
#[derive(Debug)]
pub struct Inflation {
    /// Size and SHA-256 of the sidecar file, or why it could not be read.
    pub sidecar: io::Result<Digested>,
    /// Size and SHA-256 of the disk it holds, or why inflating failed.
    pub disk: Result<Digested, InflateError>,
}

/// Why inflating a sidecar failed.
#[derive(Debug)]
pub enum InflateError {
    /// Reading the sidecar failed (the same error is in [`Inflation::sidecar`]).
    Read(String),
    /// The gzip data is damaged: bad header, corrupt deflate data, CRC or length
    /// mismatch, or cut short.
    Damaged {
        /// Disk bytes produced before the damage showed.
        at: u64,
        /// The decoder's message.
        source: io::Error,
    },
    /// Bytes follow the gzip member.
    TrailingData(u64),
    /// The progress callback asked to stop.
    Cancelled,
}

impl fmt::Display for InflateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InflateError::Read(e) => write!(f, "reading failed: {e}"),
            InflateError::Damaged { at, source } => write!(
                f,
                "the gzip data is damaged (after {at} bytes of disk): {source}"
            ),
            InflateError::TrailingData(n) => {
                write!(f, "{n} unexpected bytes follow the gzip data")
            }
            InflateError::Cancelled => write!(f, "cancelled"),
        }
    }
}

impl std::error::Error for InflateError {}

/// One chunk handed between threads.
type Chunk = Vec<u8>;

/// A `BufRead` over chunks arriving on a channel; ends when the sender hangs up.
/// Spent chunks go back to their producer, so buffers are reused, not re-faulted.
struct ChannelReader {
    rx: Receiver<io::Result<Chunk>>,
    back: std::sync::mpsc::Sender<Chunk>,
    chunk: Chunk,
    pos: usize,
}

impl ChannelReader {
    fn new(rx: Receiver<io::Result<Chunk>>, back: std::sync::mpsc::Sender<Chunk>) -> Self {
        ChannelReader {
            rx,
            back,
            chunk: Vec::new(),
            pos: 0,
        }
    }
}

/// Returns a spent chunk from `back`, or a new one.
fn recycled(back: &Receiver<Chunk>) -> Chunk {
    let mut chunk = back.try_recv().unwrap_or_default();
    chunk.clear();
    chunk.reserve(CHUNK);
    chunk
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let avail = self.fill_buf()?;
        let n = avail.len().min(buf.len());
        buf[..n].copy_from_slice(&avail[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for ChannelReader {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.pos == self.chunk.len() {
            match self.rx.recv() {
                Ok(Ok(chunk)) => {
                    let spent = std::mem::replace(&mut self.chunk, chunk);
                    let _ = self.back.send(spent);
                    self.pos = 0;
                }
                Ok(Err(e)) => return Err(e),
                Err(_) => return Ok(&[]),
            }
        }
        Ok(&self.chunk[self.pos..])
    }

    fn consume(&mut self, amt: usize) {
        self.pos = (self.pos + amt).min(self.chunk.len());
    }
}

const CHUNK: usize = 1 << 20;

/// Reads a sidecar once: hashes the file (one thread), inflates it (another) and
/// hashes and counts the disk with [`stage::copy_hashed`] (this thread), the same
/// core the Windows runtime stages with. Compare the result with
/// [`stage::check`]. `progress` gets disk bytes so far and returns `false` to cancel.
pub fn inflate<R: Read + Send>(src: R, progress: &mut dyn FnMut(u64) -> bool) -> Inflation {
    inflate_to(src, io::sink(), progress)
}

/// [`inflate`], also writing the disk's bytes to `dst`.
pub fn inflate_to<R: Read + Send, W: Write>(
    src: R,
    dst: W,
    progress: &mut dyn FnMut(u64) -> bool,
) -> Inflation {
    // Set when `progress` cancels: the reader then stops instead of hashing the rest.
    let cancelled = &std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        let (raw_tx, raw_rx) = sync_channel::<io::Result<Chunk>>(4);
        let (raw_back_tx, raw_back_rx) = std::sync::mpsc::channel::<Chunk>();
        let (disk_tx, disk_rx) = sync_channel::<io::Result<Chunk>>(4);
        let (disk_back_tx, disk_back_rx) = std::sync::mpsc::channel::<Chunk>();
        let reader = scope.spawn(move || read_hashed(src, raw_tx, raw_back_rx, cancelled));
        let inflater = scope.spawn(move || {
            inflate_chunks(
                ChannelReader::new(raw_rx, raw_back_tx),
                disk_tx,
                disk_back_rx,
            )
        });
        let staged = stage::copy_hashed(
            ChannelReader::new(disk_rx, disk_back_tx),
            dst,
            &mut |done| {
                let go_on = progress(done);
                if !go_on {
                    cancelled.store(true, std::sync::atomic::Ordering::Relaxed);
                }
                go_on
            },
        );
        let inflated = inflater
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        let sidecar = reader
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        let disk = match (&sidecar, inflated, staged) {
            (Err(e), _, _) => Err(InflateError::Read(e.to_string())),
            (_, Err(e), _) => Err(e),
            (_, _, Ok(d)) => Ok(d),
            (_, _, Err(StageError::Cancelled)) => Err(InflateError::Cancelled),
            (_, _, Err(e)) => Err(InflateError::Read(e.to_string())),
        };
        Inflation { sidecar, disk }
    })
}

/// Reads `src` to the end in chunks, hashing them, and sends them on.
fn read_hashed<R: Read>(
    mut src: R,
    tx: SyncSender<io::Result<Chunk>>,
    back: Receiver<Chunk>,
    cancelled: &std::sync::atomic::AtomicBool,
) -> io::Result<Digested> {
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    loop {
        let mut chunk = recycled(&back);
        match src.by_ref().take(CHUNK as u64).read_to_end(&mut chunk) {
            Ok(0) => break,
            Ok(n) => {
                hasher.update(&chunk);
                size += n as u64;
                if tx.send(Ok(chunk)).is_err() {
                    if cancelled.load(std::sync::atomic::Ordering::Relaxed) {
                        break;
                    }
                    // The inflater stopped early; it reports why. Keep hashing so
                    // the sidecar's digest still describes the whole file.
                    io::copy(
                        &mut HashingReader(&mut src, &mut hasher, &mut size),
                        &mut io::sink(),
                    )?;
                    break;
                }
            }
            Err(e) => {
                let kind = e.kind();
                let _ = tx.send(Err(io::Error::new(kind, e.to_string())));
                return Err(e);
            }
        }
    }
    Ok(Digested {
        size,
        sha256: hasher.finalize().into(),
    })
}

/// A reader that hashes and counts what it reads.
struct HashingReader<'a, R>(&'a mut R, &'a mut Sha256, &'a mut u64);

impl<R: Read> Read for HashingReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.0.read(buf)?;
        self.1.update(&buf[..n]);
        *self.2 += n as u64;
        Ok(n)
    }
}

/// Inflates one gzip member from `raw` and sends the disk bytes on; then makes sure
/// nothing follows the member.
fn inflate_chunks(
    raw: ChannelReader,
    tx: SyncSender<io::Result<Chunk>>,
    back: Receiver<Chunk>,
) -> Result<(), InflateError> {
    let mut decoder = flate2::bufread::GzDecoder::new(raw);
    let mut at = 0u64;
    loop {
        let mut chunk = recycled(&back);
        match decoder.by_ref().take(CHUNK as u64).read_to_end(&mut chunk) {
            Ok(0) => break,
            Ok(n) => {
                at += n as u64;
                if tx.send(Ok(chunk)).is_err() {
                    return Ok(()); // the hashing side stopped (cancel); it reports why
                }
            }
            Err(e) => {
                let _ = tx.send(Err(io::Error::new(e.kind(), e.to_string())));
                // A read error of the file itself is reported by the reader thread.
                return Err(InflateError::Damaged { at, source: e });
            }
        }
    }
    drop(tx);
    let mut rest = decoder.into_inner();
    let trailing =
        io::copy(&mut rest, &mut io::sink()).map_err(|e| InflateError::Read(e.to_string()))?;
    if trailing > 0 {
        return Err(InflateError::TrailingData(trailing));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    /// Returns `n` bytes that compress like a disk: text-ish runs, noise and zeros.
    fn sample(n: usize) -> Vec<u8> {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            match state % 16 {
                // noise
                0..=6 => out.extend_from_slice(&state.to_le_bytes()[..5]),
                // a zeroed stretch
                7 => out.extend(std::iter::repeat_n(0, (state >> 40) as usize % 200)),
                // a repeat of something seen up to 20 KiB back: matches cross block cuts
                8..=12 if out.len() > 20_000 => {
                    let from = out.len() - 1 - (state >> 20) as usize % 20_000;
                    let len = 4 + (state >> 50) as usize % 60;
                    for i in 0..len {
                        out.push(out[from + i]);
                    }
                }
                // text
                _ => out.extend_from_slice(b"Windows\\System32\\drivers "),
            }
        }
        out.truncate(n);
        out
    }

    fn gz(input: &[u8], jobs: usize, level: u32, block: usize) -> (Vec<u8>, Compressed) {
        let mut out = Vec::new();
        let opts = CompressOptions {
            jobs,
            level,
            block_size: block,
        };
        let facts = compress(input, &mut out, &opts, &mut |_| true).unwrap();
        (out, facts)
    }

    fn gunzip(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(data)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn round_trips_many_blocks_and_hashes_both_sides() {
        let input = sample(1_000_003);
        let (out, facts) = gz(&input, 3, 6, DICT_SIZE * 2);
        assert!(out.len() < input.len() / 2, "compressed to {}", out.len());
        assert_eq!(gunzip(&out), input);
        assert_eq!(facts.input.size, input.len() as u64);
        assert_eq!(facts.input.sha256, <[u8; 32]>::from(Sha256::digest(&input)));
        assert_eq!(facts.output.size, out.len() as u64);
        assert_eq!(facts.output.sha256, <[u8; 32]>::from(Sha256::digest(&out)));
    }

    #[test]
    fn is_one_gzip_member_with_a_reproducible_header() {
        let (out, _) = gz(&sample(300_000), 2, 6, DICT_SIZE);
        assert_eq!(&out[..10], &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
        // A single-member decoder consumes the whole file: nothing follows the member.
        let mut d = flate2::bufread::GzDecoder::new(&out[..]);
        std::io::copy(&mut d, &mut std::io::sink()).unwrap();
        assert!(d.into_inner().is_empty());
    }

    #[test]
    fn empty_input_gives_a_valid_empty_member() {
        let (out, facts) = gz(&[], 2, 6, DEFAULT_BLOCK_SIZE);
        assert_eq!(gunzip(&out), Vec::<u8>::new());
        assert_eq!(facts.input.size, 0);
        assert_eq!(out.len(), 20, "header + empty final block + trailer");
    }

    #[test]
    fn exact_multiple_of_block_size_round_trips() {
        let input = sample(DICT_SIZE * 6);
        let (out, _) = gz(&input, 2, 1, DICT_SIZE * 2);
        assert_eq!(gunzip(&out), input);
    }

    #[test]
    fn same_bytes_for_any_thread_count() {
        let input = sample(2_500_000);
        let (one, _) = gz(&input, 1, 6, DEFAULT_BLOCK_SIZE);
        for jobs in [2, 4, 7] {
            let (many, _) = gz(&input, jobs, 6, DEFAULT_BLOCK_SIZE);
            assert!(
                one == many,
                "--jobs {jobs} gave different bytes than --jobs 1"
            );
        }
    }

    #[test]
    fn priming_keeps_the_ratio_of_single_threaded_deflate() {
        // Data whose matches reach back across block cuts: unprimed blocks lose them.
        let input = sample(4 << 20);
        let (ours, _) = gz(&input, 2, 6, DEFAULT_BLOCK_SIZE);
        let mut single = flate2::write::GzEncoder::new(Vec::new(), Compression::new(6));
        single.write_all(&input).unwrap();
        let single = single.finish().unwrap();
        let blocks: Vec<&[u8]> = input.chunks(DEFAULT_BLOCK_SIZE).collect();
        let unprimed: usize = blocks
            .iter()
            .enumerate()
            .map(|(i, b)| {
                deflate_block(Compression::new(6), b, &[], i + 1 == blocks.len())
                    .unwrap()
                    .len()
            })
            .sum();
        let ratio = ours.len() as f64 / single.len() as f64;
        eprintln!(
            "parallel {} single {} unprimed {unprimed} bytes",
            ours.len(),
            single.len()
        );
        assert!(
            ratio < 1.005,
            "parallel output is {ratio:.4}× single-threaded"
        );
        assert!(ours.len() < unprimed, "priming made no difference");
    }

    #[test]
    fn levels_change_the_output_and_the_header() {
        let input = sample(500_000);
        let (fast, _) = gz(&input, 2, 1, DEFAULT_BLOCK_SIZE);
        let (best, _) = gz(&input, 2, 9, DEFAULT_BLOCK_SIZE);
        assert_eq!(fast[8], 4);
        assert_eq!(best[8], 2);
        assert!(best.len() < fast.len());
        assert_eq!(gunzip(&best), input);
    }

    #[test]
    fn cancel_stops_without_finishing_the_member() {
        let input = sample(1 << 20);
        let mut out = Vec::new();
        let opts = CompressOptions {
            jobs: 2,
            level: 6,
            block_size: DICT_SIZE,
        };
        let mut calls = 0;
        let err = compress(&input[..], &mut out, &opts, &mut |_| {
            calls += 1;
            calls < 3
        })
        .unwrap_err();
        assert!(matches!(err, CompressError::Cancelled), "{err}");
        let mut d = flate2::read::GzDecoder::new(&out[..]);
        assert!(
            std::io::copy(&mut d, &mut std::io::sink()).is_err(),
            "a cancelled sidecar must not look whole"
        );
    }

    #[test]
    fn write_errors_surface() {
        struct Full(usize);
        impl Write for Full {
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                if self.0 < buf.len() {
                    return Err(io::Error::new(io::ErrorKind::StorageFull, "no space left"));
                }
                self.0 -= buf.len();
                Ok(buf.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let input = sample(3 << 20);
        let opts = CompressOptions {
            jobs: 2,
            level: 1,
            block_size: DICT_SIZE,
        };
        let err = compress(&input[..], Full(10_000), &opts, &mut |_| true).unwrap_err();
        assert!(matches!(err, CompressError::Write(_)), "{err}");
    }

    #[test]
    fn member_start_tells_the_level_from_the_first_blocks() {
        let disk = sample(3 * DEFAULT_BLOCK_SIZE + 1000);
        let (medv, _) = gz(&disk, 2, 6, DEFAULT_BLOCK_SIZE);
        let head = &disk[..2 * DEFAULT_BLOCK_SIZE + 10];
        let matching: Vec<u32> = (1..=9)
            .filter(|&l| medv.starts_with(&member_start(l, head, disk.len() as u64).unwrap()))
            .collect();
        assert_eq!(matching, [6]);
        // A disk shorter than a block: the whole member but the trailer.
        let small = &disk[..5000];
        let (medv, _) = gz(small, 1, 9, DEFAULT_BLOCK_SIZE);
        let start = member_start(9, small, 5000).unwrap();
        assert_eq!(start, medv[..medv.len() - 8]);
    }

    fn inflated(data: &[u8]) -> Inflation {
        inflate(Cursor::new(data), &mut |_| true)
    }

    #[test]
    fn inflate_hashes_the_sidecar_and_the_disk() {
        let input = sample(3_000_000);
        let (out, facts) = gz(&input, 2, 6, DEFAULT_BLOCK_SIZE);
        let got = inflated(&out);
        assert_eq!(got.disk.unwrap(), facts.input);
        assert_eq!(got.sidecar.unwrap(), facts.output);
    }

    #[test]
    fn inflate_catches_damage_and_still_hashes_the_whole_file() {
        let input = sample(3_000_000);
        let (out, facts) = gz(&input, 2, 6, DEFAULT_BLOCK_SIZE);

        let mut flipped = out.clone();
        flipped[out.len() / 2] ^= 0x10;
        let got = inflated(&flipped);
        match got.disk {
            Err(InflateError::Damaged { .. }) => {}
            Ok(d) => assert_ne!(d.sha256, facts.input.sha256),
            Err(e) => panic!("unexpected {e}"),
        }
        let whole = got.sidecar.unwrap();
        assert_eq!(whole.size, out.len() as u64);
        assert_eq!(whole.sha256, <[u8; 32]>::from(Sha256::digest(&flipped)));

        let cut = &out[..out.len() - 1000];
        let err = inflated(cut).disk.unwrap_err();
        assert!(matches!(err, InflateError::Damaged { .. }), "{err}");
        assert!(err.to_string().contains("damaged"), "{err}");

        let mut longer = out.clone();
        longer.extend_from_slice(b"junk");
        let err = inflated(&longer).disk.unwrap_err();
        assert!(matches!(err, InflateError::TrailingData(4)), "{err}");

        let err = inflate(Cursor::new(&out), &mut |_| false).disk.unwrap_err();
        assert!(matches!(err, InflateError::Cancelled), "{err}");
    }
}
