//! A dynamic disk's sparse header and the place of its block allocation table.

use std::io::{Read, Seek};

use super::bat::{self, Part, Region, Table};
use super::bytes::{be32, be64, checksum, cookie, read_at};
use super::footer::{Footer, FOOTER_LEN};
use super::{DynamicLayout, Failure, VhdProblem};

/// The cookie that starts a dynamic disk's sparse header.
const SPARSE_COOKIE: &[u8; 8] = b"cxsparse";
/// Size of the sparse (dynamic disk) header.
const SPARSE_LEN: usize = 1024;
/// The smallest block size accepted: 512 KiB, the smallest that Microsoft's
/// tools write (Azure's VHD tools default to it; Hyper-V and Virtual PC write
/// 2 MiB, the specification's default, as do qemu-img and VirtualBox).
pub(super) const MIN_BLOCK_SIZE: u32 = 512 << 10;
/// The largest block size accepted: 256 MiB, the VHDX specification's limit;
/// no tool writes VHD blocks over 2 MiB.
pub(super) const MAX_BLOCK_SIZE: u32 = 256 << 20;
/// How many table entries past the disk's last block are tolerated: enough to
/// fill the table's last sector (128 entries), no more.
const SPARE_ENTRIES: u64 = 127;

/// Where a disk's data ends, and whether the footer after it is present.
pub(super) struct DataEnd {
    /// The offset of the footer, or the file's length when it is missing.
    pub(super) at: u64,
    /// Whether the footer at the end of the file is present.
    pub(super) has_footer: bool,
}

impl DataEnd {
    /// Returns how many bytes at least are missing for something to end at `end`.
    pub(super) fn missing(&self, end: u64) -> u64 {
        end - self.at + if self.has_footer { 0 } else { FOOTER_LEN }
    }
}

/// The sparse header fields that the checks use.
struct SparseHeader {
    /// Where the header starts.
    at: u64,
    table_offset: u64,
    max_table_entries: u32,
    block_size: u32,
}

/// Checks a dynamic disk's sparse header, block table and blocks.
pub(super) fn check<R: Read + Seek>(
    r: &mut R,
    footer: &Footer,
    len: u64,
    has_footer: bool,
) -> Result<DynamicLayout, Failure> {
    // Without a footer at the end, the whole file could be data.
    let end = DataEnd {
        at: if has_footer { len - FOOTER_LEN } else { len },
        has_footer,
    };
    let footer_at = if has_footer { len - FOOTER_LEN } else { 0 };
    let header = read_header(r, footer.data_offset, &end, footer_at)?;
    check_block_size(&header)?;
    check_entries(&header, footer.current_size)?;
    let table = place_table(&header, &end)?;
    let allocated_blocks = bat::check_blocks(r, &table, &end)?;
    Ok(DynamicLayout {
        block_size: header.block_size,
        max_table_entries: header.max_table_entries,
        allocated_blocks,
        bat_offset: header.table_offset,
    })
}

/// Reads and checks the sparse header at `at`, which the footer at `footer_at` names.
fn read_header<R: Read + Seek>(
    r: &mut R,
    at: u64,
    end: &DataEnd,
    footer_at: u64,
) -> Result<SparseHeader, Failure> {
    if at < FOOTER_LEN || at.saturating_add(SPARSE_LEN as u64) > end.at {
        let problem = VhdProblem::SparseHeaderOutOfFile {
            header_offset: at,
            data_end: end.at,
        };
        return Err((Some(footer_at + 16), problem));
    }
    let header = read_at(r, at, SPARSE_LEN)?;
    if !header.starts_with(SPARSE_COOKIE) {
        let found = cookie(&header);
        return Err((Some(at), VhdProblem::BadSparseCookie { found }));
    }
    let stored = be32(&header, 36);
    let expected = checksum(&header, 36);
    if stored != expected {
        let problem = VhdProblem::BadSparseChecksum {
            found: stored,
            expected,
        };
        return Err((Some(at), problem));
    }
    Ok(SparseHeader {
        at,
        table_offset: be64(&header, 16),
        max_table_entries: be32(&header, 28),
        block_size: be32(&header, 32),
    })
}

/// Checks that the block size is a power of two in the accepted range.
fn check_block_size(h: &SparseHeader) -> Result<(), Failure> {
    let block_size = h.block_size;
    if !block_size.is_power_of_two() || !(MIN_BLOCK_SIZE..=MAX_BLOCK_SIZE).contains(&block_size) {
        return Err((Some(h.at + 32), VhdProblem::BadBlockSize { block_size }));
    }
    Ok(())
}

/// Checks that the table has an entry for every block of the disk, and at
/// most a sector's worth more.
fn check_entries(h: &SparseHeader, virtual_size: u64) -> Result<(), Failure> {
    let (entries, block_size) = (h.max_table_entries, h.block_size);
    let needed = virtual_size.div_ceil(u64::from(block_size));
    let problem = if u64::from(entries) < needed {
        VhdProblem::BatTooSmall {
            entries,
            block_size,
            virtual_size,
        }
    } else if u64::from(entries) > needed + SPARE_ENTRIES {
        VhdProblem::BatTooLarge {
            entries,
            needed,
            virtual_size,
        }
    } else {
        return Ok(());
    };
    Err((Some(h.at + 28), problem))
}

/// Checks that the table lies in the file, clear of the footer copy and the
/// sparse header; returns it with the regions its blocks must stay clear of.
fn place_table(h: &SparseHeader, end: &DataEnd) -> Result<Table, Failure> {
    let len = u64::from(h.max_table_entries) * 4;
    let table = Region::new(Part::Table, h.table_offset, len);
    if table.end > end.at {
        let problem = VhdProblem::TruncatedBat {
            len,
            end: table.end,
            data_end: end.at,
            footer_missing: !end.has_footer,
            missing: end.missing(table.end),
        };
        return Err((Some(h.table_offset), problem));
    }
    let copy = Region::new(Part::FooterCopy, 0, FOOTER_LEN);
    let header = Region::new(Part::SparseHeader, h.at, SPARSE_LEN as u64);
    if let Some(other) = [copy, header].into_iter().find(|o| o.overlaps(&table)) {
        let problem = VhdProblem::TableOverlaps { table, other };
        return Err((Some(h.at + 16), problem));
    }
    Ok(Table {
        offset: h.table_offset,
        entries: h.max_table_entries,
        block_size: h.block_size,
        reserved: [copy, header, table],
    })
}

/// Reads a differencing disk's parent name from its sparse header at `at`, if it is intact.
pub(super) fn parent_name<R: Read + Seek>(r: &mut R, at: u64, len: u64) -> Option<String> {
    if at.checked_add(SPARSE_LEN as u64)? > len {
        return None;
    }
    let header = read_at(r, at, SPARSE_LEN).ok()?;
    if !header.starts_with(SPARSE_COOKIE) || be32(&header, 36) != checksum(&header, 36) {
        return None;
    }
    let units: Vec<u16> = header[64..576]
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .take_while(|&u| u != 0)
        .collect();
    let name = String::from_utf16_lossy(&units);
    (!name.is_empty()).then_some(name)
}
