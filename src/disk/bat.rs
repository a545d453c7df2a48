//! A dynamic disk's block allocation table: read in 64 KiB pieces, each
//! allocated block checked to lie in the file, clear of the headers and of
//! every other block.
//!
//! Memory: one 64 KiB buffer, plus 4 bytes per allocated block to find
//! overlaps by sorting (O(n log n)). The table has at most 127 entries more
//! than the disk has blocks, and a disk is at most 2040 GiB in blocks of at
//! least 512 KiB: at most 4,177,920 blocks, 16 MiB, whatever the headers say.

use std::fmt;
use std::io::{Read, Seek, SeekFrom};

use super::bytes::be32;
use super::dynamic::DataEnd;
use super::{Failure, VhdProblem};

/// A table entry for a block that is not allocated.
const UNALLOCATED: u32 = 0xFFFF_FFFF;
/// How much of the table is read at once.
const CHUNK_LEN: usize = 64 << 10;
/// Size of a sector: table entries count in sectors.
const SECTOR: u64 = 512;

/// What a region of a dynamic disk's file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The copy of the footer at byte 0.
    FooterCopy,
    /// The sparse header.
    SparseHeader,
    /// The block allocation table.
    Table,
    /// A block: its sector bitmap and data.
    Block,
}

impl fmt::Display for Part {
    /// Writes the part's name, e.g. `the sparse header`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Part::FooterCopy => "the footer copy",
            Part::SparseHeader => "the sparse header",
            Part::Table => "the block allocation table",
            Part::Block => "a block",
        })
    }
}

/// A byte range of the file and what it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    /// What lies there.
    pub name: Part,
    /// Where it starts.
    pub start: u64,
    /// Where it ends (exclusive).
    pub end: u64,
}

impl Region {
    pub(super) fn new(name: Part, start: u64, len: u64) -> Region {
        Region {
            name,
            start,
            end: start.saturating_add(len),
        }
    }

    /// Returns whether the two ranges share a byte.
    pub(super) fn overlaps(&self, other: &Region) -> bool {
        self.start < other.end && other.start < self.end
    }
}

impl fmt::Display for Region {
    /// Writes `NAME (bytes START to END)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (bytes {} to {})", self.name, self.start, self.end)
    }
}

/// The table and what its blocks must not overlap.
pub(super) struct Table {
    /// Where the table starts.
    pub(super) offset: u64,
    /// How many entries it has.
    pub(super) entries: u32,
    /// Bytes of guest data per block.
    pub(super) block_size: u32,
    /// The footer copy, the sparse header and the table itself.
    pub(super) reserved: [Region; 3],
}

impl Table {
    /// Returns the bytes a block takes in the file: a sector-padded bitmap
    /// (one bit per sector) followed by the data.
    fn block_len(&self) -> u64 {
        let block = u64::from(self.block_size);
        (block / SECTOR).div_ceil(8).div_ceil(SECTOR) * SECTOR + block
    }

    /// Returns the byte range of the block stored at `sector`.
    fn block(&self, sector: u32) -> Region {
        Region::new(Part::Block, u64::from(sector) * SECTOR, self.block_len())
    }

    /// Returns where entry `index` lies in the file.
    fn entry_at(&self, index: u32) -> u64 {
        self.offset + u64::from(index) * 4
    }
}

/// Checks every allocated block; returns how many there are.
pub(super) fn check_blocks<R: Read + Seek>(
    r: &mut R,
    table: &Table,
    end: &DataEnd,
) -> Result<u32, Failure> {
    let mut sectors = Vec::new();
    let mut last: Option<(u32, Region)> = None; // the block that ends last
    for_each_entry(r, table, |index, sector| {
        let block = table.block(sector);
        if let Some(&other) = table.reserved.iter().find(|o| o.overlaps(&block)) {
            let problem = VhdProblem::BlockOverlaps {
                index,
                block,
                other,
            };
            return Err((Some(table.entry_at(index)), problem));
        }
        if last.is_none_or(|(_, l)| block.end > l.end) {
            last = Some((index, block));
        }
        sectors.push(sector);
        Ok(())
    })?;
    if let Some((index, block)) = last.filter(|(_, b)| b.end > end.at) {
        let problem = VhdProblem::TruncatedBlock {
            index,
            end: block.end,
            data_end: end.at,
            footer_missing: !end.has_footer,
            missing: end.missing(block.end),
        };
        return Err((Some(block.start), problem));
    }
    check_no_overlap(r, table, sectors)
}

/// Calls `f(index, sector)` for each allocated entry, reading the table in pieces.
fn for_each_entry<R: Read + Seek>(
    r: &mut R,
    table: &Table,
    mut f: impl FnMut(u32, u32) -> Result<(), Failure>,
) -> Result<(), Failure> {
    let unreadable = |at, e| (Some(at), VhdProblem::Unreadable(e));
    r.seek(SeekFrom::Start(table.offset))
        .map_err(|e| unreadable(table.offset, e))?;
    let mut chunk = vec![0u8; CHUNK_LEN];
    let mut index = 0u32;
    while index < table.entries {
        let count = (table.entries - index).min((CHUNK_LEN / 4) as u32);
        let bytes = &mut chunk[..count as usize * 4];
        r.read_exact(bytes)
            .map_err(|e| unreadable(table.entry_at(index), e))?;
        for (i, entry) in bytes.chunks_exact(4).enumerate() {
            let sector = be32(entry, 0);
            if sector != UNALLOCATED {
                f(index + i as u32, sector)?;
            }
        }
        index += count;
    }
    Ok(())
}

/// Checks that no two blocks share a byte; returns the number of blocks.
fn check_no_overlap<R: Read + Seek>(
    r: &mut R,
    table: &Table,
    mut sectors: Vec<u32>,
) -> Result<u32, Failure> {
    sectors.sort_unstable();
    let block_len = table.block_len();
    let clash = sectors
        .windows(2)
        .find(|w| u64::from(w[1] - w[0]) * SECTOR < block_len);
    let Some(&[first, second]) = clash else {
        return Ok(sectors.len() as u32);
    };
    // Only the sectors were kept: read the table again for the entries' indexes.
    let (mut first_index, mut second_index) = (None, None);
    for_each_entry(r, table, |index, sector| {
        if sector == first && first_index.is_none() {
            first_index = Some(index);
        } else if sector == second && second_index.is_none() {
            second_index = Some(index);
        }
        Ok(())
    })?;
    let (Some(first_index), Some(second_index)) = (first_index, second_index) else {
        let changed = std::io::Error::other("the block table changed while it was read");
        return Err((Some(table.offset), VhdProblem::Unreadable(changed)));
    };
    let problem = VhdProblem::BlocksOverlap {
        first: (first_index, table.block(first)),
        second: (second_index, table.block(second)),
    };
    Err((Some(table.entry_at(second_index)), problem))
}
