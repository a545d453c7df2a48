//! Why a disk is refused: [`VhdError`] and its [`VhdProblem`]s.

use std::io;
use std::path::PathBuf;

use super::bat::Region;
use super::DiskKind;

/// Why a file is not a usable workspace disk: the file, the byte offset the
/// problem applies to (when there is one) and the problem.
///
/// Displays as `PATH: byte OFFSET: PROBLEM` (or `PATH: PROBLEM` without an
/// offset); [`VhdError::help`] says how to fix it.
#[derive(Debug, thiserror::Error)]
#[error("{}: {}{problem}", path.display(), offset.map(|o| format!("byte {o}: ")).unwrap_or_default())]
pub struct VhdError {
    /// The file.
    pub path: PathBuf,
    /// The byte offset in the file where the problem lies, if it has one.
    pub offset: Option<u64>,
    /// What is wrong.
    pub problem: VhdProblem,
}

/// What is wrong with a disk file; one variant per way a file can fail the checks.
#[derive(Debug, thiserror::Error)]
pub enum VhdProblem {
    /// The file could not be opened or read (missing, no permission, I/O error).
    #[error("can't read the disk: {0}")]
    Unreadable(io::Error),
    /// The path names a folder, a FIFO, a device or another non-regular file.
    #[error("not a regular file ({kind})")]
    NotAFile {
        /// What the path names instead, e.g. "a FIFO".
        kind: &'static str,
    },
    /// The file is empty or shorter than a footer.
    #[error("{}", too_short(*len))]
    TooShort {
        /// The file's length.
        len: u64,
    },
    /// Neither the last 512 bytes nor byte 0 hold a VHD footer.
    #[error("no VHD footer: expected \"conectix\" here (512 bytes before the end) or at byte 0, found \"{}\"", found.escape_ascii())]
    NotVhd {
        /// The 8 bytes found where the footer's cookie belongs.
        found: [u8; 8],
    },
    /// The file is a VHDX.
    #[error("this is a VHDX disk (signature \"vhdxfile\" at byte 0), not a VHD")]
    Vhdx,
    /// The disk is a differencing disk (type 4).
    #[error("this is a differencing disk (disk type 4): it holds only the changes made on top of its parent disk{}", parent.as_ref().map(|p| format!(" \"{p}\"")).unwrap_or_default())]
    Differencing {
        /// The parent's file name, from the sparse header, if it could be read.
        parent: Option<String>,
    },
    /// The footer's disk type is not 2, 3 or 4.
    #[error("disk type is {disk_type}; expected 2 (fixed) or 3 (dynamic)")]
    UnknownDiskType {
        /// The disk type found.
        disk_type: u32,
    },
    /// The footer's file format version is not 1.x.
    #[error("file format version is {}.{}; expected 1.0", version >> 16, version & 0xFFFF)]
    UnsupportedVersion {
        /// The version found (major in the high 16 bits).
        version: u32,
    },
    /// The footer's current size is 0.
    #[error(
        "the footer's current size is 0: a {kind} disk must hold at least one 512-byte sector"
    )]
    ZeroSize {
        /// The disk type the footer names.
        kind: DiskKind,
    },
    /// The footer's current size is not a whole number of sectors.
    #[error("the footer's current size is {size} bytes, not a whole number of 512-byte sectors")]
    PartialSector {
        /// The current size found.
        size: u64,
    },
    /// The footer's current size is over what a VHD can hold.
    #[error("the footer's current size is {size} bytes; a VHD holds at most 2190433320960 bytes (2040 GiB)")]
    TooLarge {
        /// The current size found.
        size: u64,
    },
    /// The footer's checksum does not match its bytes.
    #[error("footer checksum is {found:#010x}, expected {expected:#010x}")]
    BadFooterChecksum {
        /// The checksum stored in the footer.
        found: u32,
        /// The checksum of the footer's bytes.
        expected: u32,
    },
    /// A dynamic disk's footer copy at byte 0 differs from its footer.
    #[error("the footer copy at the start of the file differs from the footer at byte {footer_offset} (first in field \"{field}\")")]
    FooterCopyMismatch {
        /// Where the footer (at the end) starts.
        footer_offset: u64,
        /// The first footer field that differs.
        field: &'static str,
    },
    /// The last 512 bytes hold no footer, but byte 0 holds a footer copy.
    #[error("no footer in the last 512 bytes (found \"{}\" instead of \"conectix\"), but the footer copy at byte 0 describes a {kind} disk: the end of the file is missing", found.escape_ascii())]
    MissingFooter {
        /// The 8 bytes found where the footer's cookie belongs.
        found: [u8; 8],
        /// The disk type the copy at byte 0 names.
        kind: DiskKind,
    },
    /// A dynamic disk's data offset points outside the file's data.
    #[error("the footer's data offset points to the sparse header at byte {header_offset}, but the disk's data ends at byte {data_end}")]
    SparseHeaderOutOfFile {
        /// Where the footer says the sparse header is.
        header_offset: u64,
        /// Where the file's data ends (the footer's offset, or the file's length without a footer).
        data_end: u64,
    },
    /// No `cxsparse` cookie where the sparse header should be.
    #[error("expected the sparse header (\"cxsparse\") here, found \"{}\"", found.escape_ascii())]
    BadSparseCookie {
        /// The 8 bytes found.
        found: [u8; 8],
    },
    /// The sparse header's checksum does not match its bytes.
    #[error("sparse header checksum is {found:#010x}, expected {expected:#010x}")]
    BadSparseChecksum {
        /// The checksum stored in the header.
        found: u32,
        /// The checksum of the header's bytes.
        expected: u32,
    },
    /// The sparse header's block size is not a power of two from 512 KiB to 256 MiB.
    #[error("block size is {block_size}; expected a power of two from 524288 (512 KiB) to 268435456 (256 MiB), usually 2097152 (2 MiB)")]
    BadBlockSize {
        /// The block size found.
        block_size: u32,
    },
    /// The block allocation table covers less than the disk's size.
    #[error("the block table has {entries} entries of {block_size} bytes, which cover less than the disk's size of {virtual_size} bytes")]
    BatTooSmall {
        /// The number of table entries.
        entries: u32,
        /// The block size.
        block_size: u32,
        /// The footer's current size.
        virtual_size: u64,
    },
    /// The block allocation table has more entries than the disk has blocks (and a sector's worth).
    #[error("the block table has {entries} entries, but a disk of {virtual_size} bytes has {needed} blocks: the table may have at most 127 entries more")]
    BatTooLarge {
        /// The number of table entries.
        entries: u32,
        /// The number of blocks the disk has.
        needed: u64,
        /// The footer's current size.
        virtual_size: u64,
    },
    /// The block allocation table overlaps the footer copy or the sparse header.
    #[error("{table} overlaps {other}")]
    TableOverlaps {
        /// Where the table lies.
        table: Region,
        /// What it overlaps.
        other: Region,
    },
    /// A block overlaps the footer copy, the sparse header or the block table.
    #[error("the table entry of block {index} puts it at bytes {} to {}, over {other}", block.start, block.end)]
    BlockOverlaps {
        /// The block's index in the table.
        index: u32,
        /// Where the block (bitmap + data) lies.
        block: Region,
        /// What it overlaps.
        other: Region,
    },
    /// Two table entries put their blocks over each other.
    #[error("blocks {} and {} overlap: block {} lies at bytes {} to {}, block {} at bytes {} to {}", first.0, second.0, first.0, first.1.start, first.1.end, second.0, second.1.start, second.1.end)]
    BlocksOverlap {
        /// The index and place of the block that starts first.
        first: (u32, Region),
        /// The index and place of the block that starts inside it.
        second: (u32, Region),
    },
    /// A fixed disk's file is shorter than its size plus the footer.
    #[error("the footer says the fixed disk holds {virtual_size} bytes, so the footer belongs at byte {virtual_size}: the file is {missing} bytes short")]
    TruncatedFixed {
        /// The footer's current size.
        virtual_size: u64,
        /// How many bytes are missing.
        missing: u64,
    },
    /// A dynamic disk's block allocation table extends past the file's data.
    #[error("the block allocation table ({len} bytes) ends at byte {end}, past the end of the disk's data at byte {data_end}{}: the file is at least {missing} bytes short", no_footer(*footer_missing))]
    TruncatedBat {
        /// The table's length in bytes.
        len: u64,
        /// Where the table ends.
        end: u64,
        /// Where the file's data ends.
        data_end: u64,
        /// Whether the footer at the end of the file is missing too.
        footer_missing: bool,
        /// How many bytes are missing at least.
        missing: u64,
    },
    /// A dynamic disk's block extends past the file's data.
    #[error("block {index} ends at byte {end}, past the end of the disk's data at byte {data_end}{}: the file is at least {missing} bytes short", no_footer(*footer_missing))]
    TruncatedBlock {
        /// The block's index in the table.
        index: u32,
        /// Where the block (bitmap + data) ends.
        end: u64,
        /// Where the file's data ends.
        data_end: u64,
        /// Whether the footer at the end of the file is missing too.
        footer_missing: bool,
        /// How many bytes are missing at least.
        missing: u64,
    },
}

fn too_short(len: u64) -> String {
    if len == 0 {
        "the file is empty; a VHD ends with a 512-byte footer".to_string()
    } else {
        format!("the file is {len} bytes long; a VHD ends with a 512-byte footer")
    }
}

fn no_footer(footer_missing: bool) -> &'static str {
    if footer_missing {
        " (and the footer is missing)"
    } else {
        ""
    }
}
