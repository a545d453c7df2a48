//! Reading a one-member (layout 1) sidecar back: hash the file, inflate, hash the disk.

use sha2::{Digest, Sha256};
use std::fmt;
use std::io::{self, BufRead, Read, Write};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use wspack_contract::stage::{self, Digested, StageError};

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
    use crate::sidecar::tests::{gz, sample};
    use crate::sidecar::DEFAULT_BLOCK_SIZE;
    use std::io::Cursor;

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
