//! The delta table: how an installer builds a new disk from the staged base disk
//! plus the delta sidecar `<internal_name>.delta.medv`. It travels in the MSI
//! (Binary table row [`DELTA_TABLE_BINARY`]), so the MSI vouches for it.
//!
//! Encoding (all integers little-endian): the 8-byte magic `WSPKDLT1`; the base
//! disk's size (u64) and SHA-256 (32 bytes); the delta file's size (u64) and
//! SHA-256 (32 bytes); the number of chunks (u64); then per chunk of the new disk,
//! in disk order: its disk offset, its disk length, its source (0 = the base disk,
//! 1 = the delta file), the source offset and the source length (u64 each), and the
//! SHA-256 of its disk bytes (32 bytes).
//!
//! A base chunk is `disk length` bytes of the base disk at the source offset, copied
//! as they are. A delta chunk is one gzip member of the delta file at the source
//! offset; the delta members are contiguous and make the whole delta file, which is
//! therefore itself a valid multi-member gzip file.
//!
//! Plain `std` only: the Windows runtime decodes the table with this same code.

use std::fmt;

/// Binary table name of the delta table in the MSI.
pub const DELTA_TABLE_BINARY: &str = "WspackDelta";
/// What the delta sidecar's name ends with: `<internal_name>.delta.medv`.
pub const DELTA_SUFFIX: &str = ".delta.medv";

const MAGIC: &[u8; 8] = b"WSPKDLT1";
const HEADER: usize = 8 + 8 + 32 + 8 + 32 + 8;
const ENTRY: usize = 5 * 8 + 32;
/// The smallest gzip member: a 10-byte header, an empty deflate block, the trailer.
const MIN_MEMBER: u64 = 18;

/// Where the bytes of one chunk of the new disk come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Copied from the staged base disk, starting at `offset`.
    Base {
        /// Where the bytes start in the base disk.
        offset: u64,
    },
    /// Inflated from the gzip member at `offset` of the delta file.
    Delta {
        /// Where the member starts in the delta file.
        offset: u64,
        /// The member's length.
        len: u64,
    },
}

/// One chunk of the new disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeltaChunk {
    /// Where the chunk starts in the new disk.
    pub disk_offset: u64,
    /// How many disk bytes it holds.
    pub disk_len: u64,
    /// Where its bytes come from.
    pub source: Source,
    /// SHA-256 of its disk bytes.
    pub sha256: [u8; 32],
}

/// Every chunk of a new disk, with the base disk and delta file it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeltaTable {
    /// Size of the base disk the delta applies to.
    pub base_size: u64,
    /// SHA-256 of the base disk the delta applies to.
    pub base_sha256: [u8; 32],
    /// Size of the delta file.
    pub delta_size: u64,
    /// SHA-256 of the delta file.
    pub delta_sha256: [u8; 32],
    /// The new disk's chunks, contiguous from offset 0.
    pub chunks: Vec<DeltaChunk>,
}

/// Why a delta table can't be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadDelta(pub String);

impl fmt::Display for BadDelta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the delta table is damaged: {}", self.0)
    }
}

impl std::error::Error for BadDelta {}

impl DeltaTable {
    /// The new disk's size: the end of the last chunk.
    pub fn disk_size(&self) -> u64 {
        // Saturating: a table built by hand (not decoded) may hold anything.
        self.chunks
            .last()
            .map_or(0, |c| c.disk_offset.saturating_add(c.disk_len))
    }

    /// How many chunks come from the delta file.
    pub fn delta_chunks(&self) -> usize {
        self.chunks
            .iter()
            .filter(|c| matches!(c.source, Source::Delta { .. }))
            .count()
    }

    /// Returns the table's bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER + ENTRY * self.chunks.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.base_size.to_le_bytes());
        out.extend_from_slice(&self.base_sha256);
        out.extend_from_slice(&self.delta_size.to_le_bytes());
        out.extend_from_slice(&self.delta_sha256);
        out.extend_from_slice(&(self.chunks.len() as u64).to_le_bytes());
        for c in &self.chunks {
            let (kind, offset, len) = match c.source {
                Source::Base { offset } => (0u64, offset, c.disk_len),
                Source::Delta { offset, len } => (1u64, offset, len),
            };
            for n in [c.disk_offset, c.disk_len, kind, offset, len] {
                out.extend_from_slice(&n.to_le_bytes());
            }
            out.extend_from_slice(&c.sha256);
        }
        out
    }

    /// Reads a table back and checks it: the chunks cover the new disk from 0
    /// without gaps, base chunks lie inside the base disk, and the delta members
    /// are contiguous and make exactly the delta file.
    pub fn decode(bytes: &[u8]) -> Result<DeltaTable, BadDelta> {
        if bytes.len() < HEADER || &bytes[..8] != MAGIC {
            return Err(BadDelta("it does not start with WSPKDLT1".into()));
        }
        let u64_at = |at: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&bytes[at..at + 8]);
            u64::from_le_bytes(b)
        };
        let sha_at = |at: usize| {
            let mut b = [0u8; 32];
            b.copy_from_slice(&bytes[at..at + 32]);
            b
        };
        let count = u64_at(88);
        if (bytes.len() - HEADER) as u64 != count.saturating_mul(ENTRY as u64) {
            return Err(BadDelta("its length does not match its chunk count".into()));
        }
        let mut chunks = Vec::with_capacity(count as usize);
        for i in 0..count as usize {
            let at = HEADER + i * ENTRY;
            let (offset, len) = (u64_at(at + 24), u64_at(at + 32));
            let source = match u64_at(at + 16) {
                0 => Source::Base { offset },
                1 => Source::Delta { offset, len },
                other => return Err(BadDelta(format!("chunk {i} has source {other}"))),
            };
            if matches!(source, Source::Base { .. }) && len != u64_at(at + 8) {
                return Err(BadDelta(format!("chunk {i} has two lengths")));
            }
            chunks.push(DeltaChunk {
                disk_offset: u64_at(at),
                disk_len: u64_at(at + 8),
                source,
                sha256: sha_at(at + 40),
            });
        }
        let table = DeltaTable {
            base_size: u64_at(8),
            base_sha256: sha_at(16),
            delta_size: u64_at(48),
            delta_sha256: sha_at(56),
            chunks,
        };
        table.check_layout()?;
        Ok(table)
    }

    fn check_layout(&self) -> Result<(), BadDelta> {
        let (mut disk, mut delta) = (0u64, 0u64);
        let too_large = || BadDelta("too large".into());
        for (i, c) in self.chunks.iter().enumerate() {
            let out_of_place = || BadDelta(format!("chunk {i} is out of place"));
            if c.disk_offset != disk || c.disk_len == 0 {
                return Err(out_of_place());
            }
            match c.source {
                Source::Base { offset } => {
                    let end = offset.checked_add(c.disk_len).ok_or_else(too_large)?;
                    if end > self.base_size {
                        return Err(out_of_place());
                    }
                }
                Source::Delta { offset, len } => {
                    if offset != delta || len < MIN_MEMBER {
                        return Err(out_of_place());
                    }
                    delta = delta.checked_add(len).ok_or_else(too_large)?;
                }
            }
            disk = disk.checked_add(c.disk_len).ok_or_else(too_large)?;
        }
        if delta != self.delta_size {
            return Err(BadDelta(format!(
                "its chunks hold {delta} bytes of the delta file, which has {}",
                self.delta_size
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> DeltaTable {
        let chunk = |i: u64, source: Source| DeltaChunk {
            disk_offset: i * 8,
            disk_len: if i == 2 { 3 } else { 8 },
            source,
            sha256: [i as u8; 32],
        };
        DeltaTable {
            base_size: 24,
            base_sha256: [7; 32],
            delta_size: 50,
            delta_sha256: [9; 32],
            chunks: vec![
                chunk(0, Source::Base { offset: 0 }),
                chunk(1, Source::Delta { offset: 0, len: 30 }),
                chunk(
                    2,
                    Source::Delta {
                        offset: 30,
                        len: 20,
                    },
                ),
            ],
        }
    }

    #[test]
    fn round_trips() {
        let t = table();
        let bytes = t.encode();
        assert_eq!(bytes.len(), 96 + 3 * 72);
        assert_eq!(DeltaTable::decode(&bytes).unwrap(), t);
        assert_eq!(t.disk_size(), 19);
        assert_eq!(t.delta_chunks(), 2);
    }

    #[test]
    fn refuses_damaged_tables() {
        let bytes = table().encode();
        assert!(DeltaTable::decode(&bytes[..bytes.len() - 1]).is_err());
        assert!(DeltaTable::decode(b"WSPKDLT2").is_err());
        let mut source = bytes.clone();
        source[96 + 16] = 2;
        assert_eq!(
            DeltaTable::decode(&source).unwrap_err().to_string(),
            "the delta table is damaged: chunk 0 has source 2"
        );
        // A base chunk beyond the base disk.
        let mut t = table();
        t.chunks[0].source = Source::Base { offset: 20 };
        assert!(DeltaTable::decode(&t.encode()).is_err());
        // A gap between delta members.
        let mut t = table();
        t.chunks[2].source = Source::Delta {
            offset: 31,
            len: 19,
        };
        assert!(DeltaTable::decode(&t.encode()).is_err());
        // Members that don't add up to the delta file.
        let mut t = table();
        t.delta_size = 51;
        assert!(DeltaTable::decode(&t.encode()).is_err());
        // A gap in the disk.
        let mut t = table();
        t.chunks[1].disk_offset = 9;
        assert!(DeltaTable::decode(&t.encode()).is_err());
        // An empty chunk, and a chunk that ends past 2^64.
        let mut t = table();
        t.chunks[2].disk_len = 0;
        assert!(DeltaTable::decode(&t.encode()).is_err());
        let mut t = table();
        t.chunks[0].source = Source::Base { offset: u64::MAX };
        t.base_size = u64::MAX;
        assert_eq!(
            DeltaTable::decode(&t.encode()).unwrap_err().to_string(),
            "the delta table is damaged: too large"
        );
        // A member shorter than any gzip member.
        let mut t = table();
        t.chunks[1].source = Source::Delta { offset: 0, len: 17 };
        t.chunks[2].source = Source::Delta {
            offset: 17,
            len: 33,
        };
        assert!(DeltaTable::decode(&t.encode()).is_err());
    }

    #[test]
    fn a_huge_chunk_count_is_refused_without_allocating() {
        let mut bytes = table().encode();
        bytes[88..96].copy_from_slice(&u64::MAX.to_le_bytes());
        assert_eq!(
            DeltaTable::decode(&bytes).unwrap_err().to_string(),
            "the delta table is damaged: its length does not match its chunk count"
        );
        // (u64::MAX / 72 + 1) * 72 wraps to a small number without saturation.
        let wraps = u64::MAX / 72 + 1;
        bytes[88..96].copy_from_slice(&wraps.to_le_bytes());
        assert!(DeltaTable::decode(&bytes).is_err());
    }

    #[test]
    fn any_bytes_decode_or_fail_without_panicking() {
        // A deterministic stream of mutations of a good table: flipped bytes,
        // truncations and random tails; decode must return, never panic.
        let good = table().encode();
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..20_000 {
            let mut b = good.clone();
            match next() % 3 {
                0 => {
                    let at = (next() % b.len() as u64) as usize;
                    b[at] = next() as u8;
                }
                1 => b.truncate((next() % b.len() as u64) as usize),
                _ => b.extend((0..next() % 100).map(|_| next() as u8)),
            }
            if let Ok(t) = DeltaTable::decode(&b) {
                assert_eq!(DeltaTable::decode(&t.encode()), Ok(t));
            }
        }
    }
}
