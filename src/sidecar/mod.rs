//! The `.medv` sidecar: the disk as a standard multi-member gzip file, one member
//! per chunk, compressed in parallel; and the readers that check it.
//!
//! # Format (layout 2)
//! The disk is cut into [`DEFAULT_CHUNK_SIZE`] chunks at fixed disk offsets; each
//! chunk is one gzip member (RFC 1952: header with no name, mtime 0, OS 255; raw
//! deflate; CRC-32 and size trailer). Concatenated members are one valid gzip
//! stream, so `gzip -t`, `pigz -t`, `7z t` accept the file and `gzip -dc` restores
//! the disk. The [`ChunkTable`] (each chunk's place in the disk and in the file, and
//! its SHA-256) goes into the MSI, so installers and `verify` inflate and check
//! chunks independently, on every core, and a delta update can reuse unchanged
//! chunks. Packages built before chunking (layout 1) hold one member for the whole
//! disk; [`inflate`] still reads them.
//!
//! # Parallel compression
//! Each chunk is cut into [`DEFAULT_BLOCK_SIZE`] blocks. Each block is deflated on
//! its own by one of `jobs` worker threads, primed with the previous block's last
//! 32 KiB of the same chunk as preset dictionary (so matches reach back across the
//! cut, as in single-threaded deflate), and ended with a sync flush; a chunk's last
//! block ends its member's deflate stream instead. Block and chunk boundaries depend
//! only on the input, never on thread timing, so the output is byte-identical for
//! any `jobs`. Losing the dictionary once per 4 MiB chunk costs about 0.1 % of size.
//!
//! # One read
//! The calling thread reads the disk once, hashing it whole and chunk by chunk
//! (SHA-256 + size); the worker threads deflate; a writer thread puts the blocks in
//! order, closes each member, records where it went and hashes the output (the
//! `.medv`'s SHA-256 + size). Memory is bounded by the blocks in flight: about
//! `4 × jobs` blocks of 128 KiB plus their output, whatever the chunk size.
//!
//! The deflate backend is flate2 on zlib-rs (pure Rust). On this project's benchmark
//! disk it deflated faster than zlib-ng (see README, "Performance"). Checking a
//! chunked sidecar inflates each member whole with libdeflate (`gunzip`), about
//! twice as fast as zlib-rs there.

mod chunks;
mod compress;
mod gunzip;
mod inflate;
mod parallel;
#[cfg(test)]
pub(crate) mod tests;

pub use chunks::{BadTable, Chunk, ChunkTable, CHUNK_TABLE_BINARY, DEFAULT_CHUNK_SIZE};
pub use compress::{
    compress, member_start, CompressError, CompressOptions, Compressed, HashingWriter,
    DEFAULT_BLOCK_SIZE, DICT_SIZE,
};
pub use inflate::{inflate, inflate_to, InflateError, Inflation};
pub use parallel::{verify_chunks, ChunkError, ChunksChecked};
