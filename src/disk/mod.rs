//! Reading and checking VHD disks.
//!
//! [`open`] reads only the parts of a disk that describe it (the 512-byte
//! footer at the end, and for dynamic disks the footer copy at byte 0, the
//! 1024-byte `cxsparse` header and the block allocation table, in 64 KiB
//! pieces), never the guest data, so checking a multi-GB disk is instant and
//! takes little memory whatever the headers claim. Layout and field meanings
//! follow Microsoft's "Virtual Hard Disk Image Format Specification" 1.0
//! (all integers big-endian).
//!
//! Disks made by `qemu-img` (`-f vpc`, `subformat=fixed|dynamic`) are read as
//! qemu writes them: creator `qemu`, "current size" rounded up to the CHS
//! geometry (or exact with `force_size=on`, creator `qem2`), and a fixed disk's
//! file exactly "current size" + 512 bytes long.
//!
//! Modules: `footer` finds and checks the footer, `dynamic` the sparse
//! header and the table's place, `bat` the table's entries; `error` and
//! `help` say what is wrong and how to fix it.

use std::fmt;
use std::io::{Read, Seek};
use std::path::Path;

use uuid::Uuid;

mod bat;
mod bytes;
mod dynamic;
mod error;
mod footer;
mod help;
#[cfg(test)]
mod tests;

pub use bat::{Part, Region};
pub use error::{VhdError, VhdProblem};

/// A problem and the byte offset it applies to.
type Failure = (Option<u64>, VhdProblem);

/// Fixed or dynamic: the two disk types a workspace may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiskKind {
    /// Fixed-size disk: raw data followed by the footer.
    Fixed,
    /// Dynamically expanding disk: footer copy, sparse header, BAT, blocks, footer.
    Dynamic,
}

impl fmt::Display for DiskKind {
    /// Writes `fixed` or `dynamic`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DiskKind::Fixed => "fixed",
            DiskKind::Dynamic => "dynamic",
        })
    }
}

/// The CHS geometry recorded in the footer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geometry {
    /// Number of cylinders.
    pub cylinders: u16,
    /// Number of heads.
    pub heads: u8,
    /// Sectors per track.
    pub sectors: u8,
}

impl Geometry {
    /// Returns cylinders × heads × sectors × 512: the size that Virtual PC
    /// (and qemu, for disks whose creator is `vpc ` or `qemu`) derive from it.
    pub fn size(&self) -> u64 {
        u64::from(self.cylinders) * u64::from(self.heads) * u64::from(self.sectors) * 512
    }
}

/// The layout facts of a dynamic disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DynamicLayout {
    /// Bytes of guest data per block (usually 2 MiB).
    pub block_size: u32,
    /// Number of entries in the block allocation table.
    pub max_table_entries: u32,
    /// Number of blocks present in the file.
    pub allocated_blocks: u32,
    /// File offset of the block allocation table.
    pub bat_offset: u64,
}

/// Facts about a checked VHD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VhdInfo {
    /// Fixed or dynamic.
    pub kind: DiskKind,
    /// The guest-visible size (footer "current size").
    pub virtual_size: u64,
    /// The file's length on disk.
    pub file_size: u64,
    /// The CHS geometry from the footer.
    pub geometry: Geometry,
    /// The creator application, e.g. `qemu`, `win ` (Hyper-V), `vpc `, trailing spaces and NULs removed.
    pub creator: String,
    /// The disk's unique id from the footer.
    pub uuid: Uuid,
    /// Whether the footer's "saved state" flag is set (a VM was saved with this disk).
    pub saved_state: bool,
    /// Block size and table facts, for dynamic disks.
    pub dynamic: Option<DynamicLayout>,
}

/// Opens and checks a VHD, reading only its footer, headers and block table.
///
/// The path must name a regular file (checked on the open handle, so a FIFO
/// or a device is refused without blocking). Accepts fixed and dynamic disks;
/// rejects anything else (VHDX, differencing disks, damaged, truncated or
/// impossible files) with a [`VhdError`] that says what is wrong, where, and
/// (through [`VhdError::help`]) how to fix it.
pub fn open(path: &Path) -> Result<VhdInfo, VhdError> {
    let fail = |offset, problem| VhdError {
        path: path.to_path_buf(),
        offset,
        problem,
    };
    let unreadable = |e: std::io::Error| match crate::input::not_regular(&e) {
        Some(refusal) => fail(None, VhdProblem::NotAFile { kind: refusal.kind }),
        None => fail(None, VhdProblem::Unreadable(e)),
    };
    let mut file = crate::input::open_regular(path).map_err(unreadable)?;
    let len = file.metadata().map_err(unreadable)?.len();
    check(&mut file, len).map_err(|(offset, problem)| fail(offset, problem))
}

/// Checks a disk of `len` bytes read through `r`.
fn check<R: Read + Seek>(r: &mut R, len: u64) -> Result<VhdInfo, Failure> {
    let found = footer::find(r, len)?;
    let footer = &found.footer;
    let kind = footer::check(r, &found, len)?;
    if !found.at_end {
        if kind == DiskKind::Dynamic {
            // Find the first thing that lies past the end, to say how much is missing.
            dynamic::check(r, footer, len, false)?;
        }
        return Err(footer::missing(&found, kind));
    }
    let dynamic = match kind {
        DiskKind::Fixed => {
            footer::check_fixed(footer, found.at)?;
            None
        }
        DiskKind::Dynamic => {
            footer::check_copy(&found)?;
            Some(dynamic::check(r, footer, len, true)?)
        }
    };
    Ok(VhdInfo {
        kind,
        virtual_size: footer.current_size,
        file_size: len,
        geometry: footer.geometry,
        creator: String::from_utf8_lossy(&footer.creator)
            .trim_end_matches([' ', '\0'])
            .to_string(),
        uuid: Uuid::from_bytes(footer.uuid),
        saved_state: footer.saved_state,
        dynamic,
    })
}
