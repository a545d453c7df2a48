//! The chunk table: where each chunk of the disk lies in the sidecar, and the
//! SHA-256 of its uncompressed bytes. It travels in the MSI (Binary table row
//! [`CHUNK_TABLE_BINARY`]), so the MSI vouches for every chunk, and it lets readers
//! inflate and check chunks independently, on every core.
//!
//! Encoding (all integers little-endian): the 8-byte magic `WSPKCHK1`, the chunk
//! size (u64), the number of chunks (u64), then per chunk its disk offset, disk
//! length, sidecar offset and sidecar length (u64 each) and SHA-256 (32 bytes).
//! Plain `std`, so the Windows runtime can decode it with the same code.

use std::fmt;

/// Binary table name of the chunk table in the MSI.
pub const CHUNK_TABLE_BINARY: &str = "WspackChunks";
/// The chunk size a build uses: a few MiB, so a 4 GiB disk is about a thousand
/// chunks (every core busy, a table of 64 KiB) and a changed file costs little.
pub const DEFAULT_CHUNK_SIZE: u64 = 4 << 20;

const MAGIC: &[u8; 8] = b"WSPKCHK1";
const HEADER: usize = 24;
const ENTRY: usize = 64;

/// One chunk: a run of disk bytes, stored as one gzip member of the sidecar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunk {
    /// Where the chunk starts in the disk.
    pub disk_offset: u64,
    /// How many disk bytes it holds.
    pub disk_len: u64,
    /// Where its gzip member starts in the sidecar.
    pub sidecar_offset: u64,
    /// The gzip member's length.
    pub sidecar_len: u64,
    /// SHA-256 of its disk bytes.
    pub sha256: [u8; 32],
}

/// Every chunk of a sidecar, in disk order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkTable {
    /// Disk bytes per chunk (the last one may be shorter).
    pub chunk_size: u64,
    /// The chunks, contiguous in the disk and in the sidecar.
    pub chunks: Vec<Chunk>,
}

/// Why a chunk table can't be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadTable(pub String);

impl fmt::Display for BadTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the chunk table is damaged: {}", self.0)
    }
}

impl std::error::Error for BadTable {}

impl ChunkTable {
    /// The disk's size: the end of the last chunk.
    pub fn disk_size(&self) -> u64 {
        self.chunks.last().map_or(0, |c| c.disk_offset + c.disk_len)
    }

    /// The sidecar's size: the end of the last gzip member.
    pub fn sidecar_size(&self) -> u64 {
        self.chunks
            .last()
            .map_or(0, |c| c.sidecar_offset + c.sidecar_len)
    }

    /// Returns the table's bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER + ENTRY * self.chunks.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.chunk_size.to_le_bytes());
        out.extend_from_slice(&(self.chunks.len() as u64).to_le_bytes());
        for c in &self.chunks {
            for n in [c.disk_offset, c.disk_len, c.sidecar_offset, c.sidecar_len] {
                out.extend_from_slice(&n.to_le_bytes());
            }
            out.extend_from_slice(&c.sha256);
        }
        out
    }

    /// Reads a table back and checks that it describes one contiguous disk and one
    /// contiguous sidecar, every chunk but the last exactly `chunk_size` long.
    pub fn decode(bytes: &[u8]) -> Result<ChunkTable, BadTable> {
        let bad = |what: &str| Err(BadTable(what.to_string()));
        if bytes.len() < HEADER || &bytes[..8] != MAGIC {
            return bad("it does not start with WSPKCHK1");
        }
        let u64_at = |at: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&bytes[at..at + 8]);
            u64::from_le_bytes(b)
        };
        let chunk_size = u64_at(8);
        let count = u64_at(16);
        if (bytes.len() - HEADER) as u64 != count.saturating_mul(ENTRY as u64) {
            return bad("its length does not match its chunk count");
        }
        if chunk_size == 0 {
            return bad("its chunk size is 0");
        }
        let mut chunks = Vec::with_capacity(count as usize);
        for i in 0..count as usize {
            let at = HEADER + i * ENTRY;
            let mut sha256 = [0u8; 32];
            sha256.copy_from_slice(&bytes[at + 32..at + 64]);
            chunks.push(Chunk {
                disk_offset: u64_at(at),
                disk_len: u64_at(at + 8),
                sidecar_offset: u64_at(at + 16),
                sidecar_len: u64_at(at + 24),
                sha256,
            });
        }
        let table = ChunkTable { chunk_size, chunks };
        table.check_layout()?;
        Ok(table)
    }

    fn check_layout(&self) -> Result<(), BadTable> {
        let (mut disk, mut sidecar) = (0u64, 0u64);
        let last = self.chunks.len().saturating_sub(1);
        for (i, c) in self.chunks.iter().enumerate() {
            let sized =
                c.disk_len == self.chunk_size || (i == last && c.disk_len <= self.chunk_size);
            if c.disk_offset != disk || c.sidecar_offset != sidecar || !sized || c.sidecar_len < 18
            {
                return Err(BadTable(format!("chunk {} is out of place", i)));
            }
            disk = disk
                .checked_add(c.disk_len)
                .ok_or_else(|| BadTable("too large".into()))?;
            sidecar = sidecar
                .checked_add(c.sidecar_len)
                .ok_or_else(|| BadTable("too large".into()))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> ChunkTable {
        let chunk = |i: u64, len: u64| Chunk {
            disk_offset: i * 8,
            disk_len: len,
            sidecar_offset: i * 30,
            sidecar_len: 30,
            sha256: [i as u8; 32],
        };
        ChunkTable {
            chunk_size: 8,
            chunks: vec![chunk(0, 8), chunk(1, 8), chunk(2, 3)],
        }
    }

    #[test]
    fn round_trips() {
        let t = table();
        let bytes = t.encode();
        assert_eq!(bytes.len(), 24 + 3 * 64);
        assert_eq!(ChunkTable::decode(&bytes).unwrap(), t);
        assert_eq!(t.disk_size(), 19);
        assert_eq!(t.sidecar_size(), 90);
    }

    #[test]
    fn refuses_damaged_tables() {
        let bytes = table().encode();
        assert!(ChunkTable::decode(&bytes[..bytes.len() - 1]).is_err());
        assert!(ChunkTable::decode(b"WSPKCHK2").is_err());
        let mut count = bytes.clone();
        count[16] = 0xff;
        assert!(ChunkTable::decode(&count).is_err());
        // A gap in the sidecar.
        let mut t = table();
        t.chunks[1].sidecar_offset += 1;
        assert!(ChunkTable::decode(&t.encode()).is_err());
        // A short chunk that is not the last.
        let mut t = table();
        t.chunks[1].disk_len = 7;
        assert!(ChunkTable::decode(&t.encode()).is_err());
    }
}
