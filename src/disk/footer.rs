//! The 512-byte footer that ends every VHD (and starts a dynamic one, as a copy).

use std::io::{Read, Seek};

use super::bytes::{be16, be32, be64, checksum, cookie, read_at};
use super::{dynamic, DiskKind, Failure, Geometry, VhdProblem};

/// The cookie that starts every VHD footer.
const FOOTER_COOKIE: &[u8; 8] = b"conectix";
/// The file type identifier at byte 0 of a VHDX file.
const VHDX_SIGNATURE: &[u8; 8] = b"vhdxfile";
/// Size of the footer, and of a sector.
pub(super) const FOOTER_LEN: u64 = 512;
/// The largest disk a VHD can describe: 0xFF000000 sectors (2040 GiB), the
/// limit that Hyper-V states for VHDs and qemu's `VHD_MAX_SECTORS`.
pub(super) const MAX_SIZE: u64 = 0xFF00_0000 * 512;

/// Where the "current size" field lies in the footer.
const CURRENT_SIZE_FIELD: u64 = 48;

/// Footer field offsets, with names for messages.
const FOOTER_FIELDS: &[(usize, usize, &str)] = &[
    (0, 8, "cookie"),
    (8, 4, "features"),
    (12, 4, "file format version"),
    (16, 8, "data offset"),
    (24, 4, "time stamp"),
    (28, 4, "creator application"),
    (32, 4, "creator version"),
    (36, 4, "creator host OS"),
    (40, 8, "original size"),
    (48, 8, "current size"),
    (56, 4, "disk geometry"),
    (60, 4, "disk type"),
    (64, 4, "checksum"),
    (68, 16, "unique id"),
    (84, 1, "saved state"),
    (85, 427, "reserved"),
];

/// The footer fields that the checks use.
pub(super) struct Footer {
    version: u32,
    pub(super) data_offset: u64,
    pub(super) creator: [u8; 4],
    pub(super) current_size: u64,
    pub(super) geometry: Geometry,
    disk_type: u32,
    pub(super) uuid: [u8; 16],
    pub(super) saved_state: bool,
}

impl Footer {
    fn parse(b: &[u8]) -> Footer {
        let mut creator = [0; 4];
        creator.copy_from_slice(&b[28..32]);
        let mut uuid = [0; 16];
        uuid.copy_from_slice(&b[68..84]);
        Footer {
            version: be32(b, 12),
            data_offset: be64(b, 16),
            creator,
            current_size: be64(b, 48),
            geometry: Geometry {
                cylinders: be16(b, 56),
                heads: b[58],
                sectors: b[59],
            },
            disk_type: be32(b, 60),
            uuid,
            saved_state: b[84] != 0,
        }
    }
}

/// The footer a disk is described by, and where it was found.
pub(super) struct Found {
    /// The first (up to) 512 bytes of the file.
    head: Vec<u8>,
    /// The last 512 bytes of the file.
    tail: Vec<u8>,
    /// Where the last 512 bytes start.
    tail_at: u64,
    /// Where the footer used starts: the end's, or the copy at byte 0.
    pub(super) at: u64,
    /// Whether the footer is at the end of the file, where it belongs.
    pub(super) at_end: bool,
    /// The footer's fields (not yet checked).
    pub(super) footer: Footer,
}

impl Found {
    fn raw(&self) -> &[u8] {
        if self.at_end {
            &self.tail
        } else {
            &self.head
        }
    }
}

/// Finds the footer: normally the last 512 bytes; a dynamic disk cut short
/// still has its copy at byte 0.
pub(super) fn find<R: Read + Seek>(r: &mut R, len: u64) -> Result<Found, Failure> {
    if len == 0 {
        return Err((None, VhdProblem::TooShort { len }));
    }
    let head = read_at(r, 0, len.min(FOOTER_LEN) as usize)?;
    if head.starts_with(VHDX_SIGNATURE) {
        return Err((Some(0), VhdProblem::Vhdx));
    }
    if len < FOOTER_LEN {
        return Err((None, VhdProblem::TooShort { len }));
    }
    let tail_at = len - FOOTER_LEN;
    let tail = read_at(r, tail_at, FOOTER_LEN as usize)?;
    let (at, at_end) = if tail.starts_with(FOOTER_COOKIE) {
        (tail_at, true)
    } else if head.starts_with(FOOTER_COOKIE) {
        (0, false)
    } else {
        let found = cookie(&tail);
        return Err((Some(tail_at), VhdProblem::NotVhd { found }));
    };
    let footer = Footer::parse(if at_end { &tail } else { &head });
    Ok(Found {
        head,
        tail,
        tail_at,
        at,
        at_end,
        footer,
    })
}

/// Checks the footer's checksum, version, disk type and size; returns the kind.
pub(super) fn check<R: Read + Seek>(
    r: &mut R,
    found: &Found,
    len: u64,
) -> Result<DiskKind, Failure> {
    let (raw, at, footer) = (found.raw(), found.at, &found.footer);
    let stored = be32(raw, 64);
    let expected = checksum(raw, 64);
    if stored != expected {
        let problem = VhdProblem::BadFooterChecksum {
            found: stored,
            expected,
        };
        return Err((Some(at), problem));
    }
    if footer.version >> 16 != 1 {
        let version = footer.version;
        return Err((Some(at + 12), VhdProblem::UnsupportedVersion { version }));
    }
    let kind = match footer.disk_type {
        2 => DiskKind::Fixed,
        3 => DiskKind::Dynamic,
        4 => {
            let parent = dynamic::parent_name(r, footer.data_offset, len);
            return Err((Some(at + 60), VhdProblem::Differencing { parent }));
        }
        disk_type => return Err((Some(at + 60), VhdProblem::UnknownDiskType { disk_type })),
    };
    check_size(footer.current_size, kind).map_err(|p| (Some(at + CURRENT_SIZE_FIELD), p))?;
    Ok(kind)
}

/// Checks that the size is one a disk can have: whole sectors, at least one,
/// at most [`MAX_SIZE`].
fn check_size(size: u64, kind: DiskKind) -> Result<(), VhdProblem> {
    if size == 0 {
        Err(VhdProblem::ZeroSize { kind })
    } else if size % FOOTER_LEN != 0 {
        Err(VhdProblem::PartialSector { size })
    } else if size > MAX_SIZE {
        Err(VhdProblem::TooLarge { size })
    } else {
        Ok(())
    }
}

/// Returns the refusal for a disk whose footer is only at byte 0.
pub(super) fn missing(found: &Found, kind: DiskKind) -> Failure {
    let problem = VhdProblem::MissingFooter {
        found: cookie(&found.tail),
        kind,
    };
    (Some(found.tail_at), problem)
}

/// Checks that a fixed disk's file holds its data before the footer at `footer_at`.
pub(super) fn check_fixed(footer: &Footer, footer_at: u64) -> Result<(), Failure> {
    let virtual_size = footer.current_size;
    if footer_at < virtual_size {
        let problem = VhdProblem::TruncatedFixed {
            virtual_size,
            missing: virtual_size - footer_at,
        };
        return Err((Some(footer_at), problem));
    }
    Ok(())
}

/// Checks that a dynamic disk's footer copy at byte 0 equals its footer.
pub(super) fn check_copy(found: &Found) -> Result<(), Failure> {
    let Some(first) = found.head.iter().zip(&found.tail).position(|(a, b)| a != b) else {
        return Ok(());
    };
    let field = FOOTER_FIELDS
        .iter()
        .find(|(at, n, _)| (*at..at + n).contains(&first))
        .map_or("reserved", |f| f.2);
    let problem = VhdProblem::FooterCopyMismatch {
        footer_offset: found.at,
        field,
    };
    Err((Some(first as u64), problem))
}
