//! VHD footer/header parsing and checks.
//!
//! [`open`] reads only the parts of a disk that describe it (the 512-byte
//! footer at the end, and for dynamic disks the footer copy at byte 0, the
//! 1024-byte `cxsparse` header and the block allocation table), never the
//! guest data, so checking a multi-GB disk is instant. Layout and field
//! meanings follow Microsoft's "Virtual Hard Disk Image Format Specification"
//! (all integers big-endian).
//!
//! Disks made by `qemu-img` (`-f vpc`, `subformat=fixed|dynamic`) are read as
//! qemu writes them: creator `qemu`, "current size" rounded up to the CHS
//! geometry (or exact with `force_size=on`, creator `qem2`), and a fixed disk's
//! file exactly "current size" + 512 bytes long.

use std::fmt;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use uuid::Uuid;

/// The cookie that starts every VHD footer.
const FOOTER_COOKIE: &[u8; 8] = b"conectix";
/// The cookie that starts a dynamic disk's sparse header.
const SPARSE_COOKIE: &[u8; 8] = b"cxsparse";
/// The file type identifier at byte 0 of a VHDX file.
const VHDX_SIGNATURE: &[u8; 8] = b"vhdxfile";
/// Size of the footer (and of a sector).
const FOOTER_LEN: u64 = 512;
/// Size of the sparse (dynamic disk) header.
const SPARSE_LEN: usize = 1024;
/// A block allocation table entry for a block that is not allocated.
const UNALLOCATED: u32 = 0xFFFF_FFFF;

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
    /// The path names a directory or another non-file.
    #[error("not a file (a directory or a device)")]
    NotAFile,
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
    /// The sparse header's block size is not a power of two of at least 512.
    #[error(
        "block size is {block_size}; expected a power of two of at least 512 (usually 2097152)"
    )]
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

impl VhdError {
    /// Returns how to fix the problem: one or two sentences, with commands
    /// that name this file.
    pub fn help(&self) -> String {
        let file = shell_quote(&self.path.display().to_string());
        let converted = converted_name(&self.path);
        // PowerShell commands run on Windows, so they name files without the Linux folder.
        let ps = |p: &Path| ps_quote(&p.file_name().unwrap_or(p.as_os_str()).to_string_lossy());
        let name = ps(&self.path);
        let sibling = |suffix: &str| {
            let stem = self.path.file_stem().unwrap_or_default().to_string_lossy();
            ps(Path::new(&format!("{stem}{suffix}")))
        };
        let recopy = "copy or export the disk again from its source and compare the file sizes";
        match &self.problem {
            VhdProblem::Unreadable(e) => match e.kind() {
                io::ErrorKind::NotFound => {
                    "check the disk's path: no file exists there (a relative path is taken from the current folder)".to_string()
                }
                io::ErrorKind::PermissionDenied => {
                    format!("make the disk readable by the user running wspack, e.g. `chmod a+r {file}`")
                }
                _ => format!("check that the disk is a readable file on a working drive (`ls -l {file}`)"),
            },
            VhdProblem::NotAFile => "point at the .vhd file itself, not at a folder or device".to_string(),
            VhdProblem::TooShort { .. } => {
                format!("this cannot be a disk (workspace disks are usually several GB): point at the workspace's .vhd file, or {recopy}")
            }
            VhdProblem::NotVhd { .. } => format!(
                "wspack packages VHD disks (Virtual PC / Hyper-V format); convert other images first, \
                 e.g. `qemu-img convert -O vpc -o subformat=fixed {file} {}` (reads raw, qcow2, vmdk, vdi, vhdx). \
                 If this was a fixed VHD, its footer (the last 512 bytes) was cut off: {recopy}",
                shell_quote(&converted.display().to_string())
            ),
            VhdProblem::Vhdx => format!(
                "convert it to a VHD: `qemu-img convert -f vhdx -O vpc -o subformat=fixed {file} {}`, \
                 or in Hyper-V PowerShell `Convert-VHD -Path {name} -DestinationPath {} -VHDType Fixed`",
                shell_quote(&converted.display().to_string()),
                ps(&converted)
            ),
            VhdProblem::Differencing { .. } => format!(
                "merge it with its parent into one standalone disk first: in Hyper-V PowerShell \
                 `Convert-VHD -Path {name} -DestinationPath {} -VHDType Fixed` (reads through the parent), \
                 or `Merge-VHD -Path {name}` (writes the changes into the parent). \
                 Do not use qemu-img for this: it ignores a VHD's parent and would copy only the changes",
                sibling("-merged.vhd")
            ),
            VhdProblem::UnknownDiskType { .. } | VhdProblem::UnsupportedVersion { .. } => format!(
                "the footer is damaged or the disk was made by a tool wspack does not know: \
                 convert it to a fixed VHD with the tool that made it (Hyper-V: `Convert-VHD -Path {name} -DestinationPath {} -VHDType Fixed`)",
                sibling("-fixed.vhd")
            ),
            VhdProblem::BadFooterChecksum { .. } => {
                format!("the footer is damaged or was edited without updating its checksum: {recopy}")
            }
            VhdProblem::BadSparseChecksum { .. } | VhdProblem::BadSparseCookie { .. } => format!(
                "the dynamic disk's sparse header (the 1024 bytes at the offset shown) is damaged or was edited without updating its checksum: {recopy}"
            ),
            VhdProblem::FooterCopyMismatch { .. } => format!(
                "a dynamic disk keeps two identical copies of its footer (at byte 0 and at the end); \
                 these disagree, so one was damaged or changed by a tool that updated only one: {recopy}"
            ),
            VhdProblem::SparseHeaderOutOfFile { .. } | VhdProblem::BadBlockSize { .. } | VhdProblem::BatTooSmall { .. } => {
                format!("the disk's headers are damaged or the file was cut short: {recopy}")
            }
            VhdProblem::MissingFooter { .. }
            | VhdProblem::TruncatedFixed { .. }
            | VhdProblem::TruncatedBat { .. }
            | VhdProblem::TruncatedBlock { .. } => format!(
                "the file was cut short (an interrupted copy or download, or a full drive): {recopy}"
            ),
        }
    }
}

/// Returns a path for a converted copy: `x.vhdx` → `x.vhd`, but never the file itself.
fn converted_name(path: &Path) -> PathBuf {
    let out = path.with_extension("vhd");
    if out == path {
        let stem = path.file_stem().unwrap_or_default().to_string_lossy();
        path.with_file_name(format!("{stem}-converted.vhd"))
    } else {
        out
    }
}

/// Quotes a file name for PowerShell when it holds anything but plain characters.
fn ps_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-+".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "''"))
    }
}

/// Quotes a path for a POSIX shell when it holds anything but plain characters.
fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-/+=:,@".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Opens and checks a VHD, reading only its footer, headers and block table.
///
/// Accepts fixed and dynamic disks; rejects anything else (VHDX, differencing
/// disks, damaged or truncated files) with a [`VhdError`] that says what is
/// wrong, where, and (through [`VhdError::help`]) how to fix it.
pub fn open(path: &Path) -> Result<VhdInfo, VhdError> {
    let fail = |offset, problem| VhdError {
        path: path.to_path_buf(),
        offset,
        problem,
    };
    let mut file = File::open(path).map_err(|e| fail(None, VhdProblem::Unreadable(e)))?;
    let meta = file
        .metadata()
        .map_err(|e| fail(None, VhdProblem::Unreadable(e)))?;
    if !meta.is_file() {
        return Err(fail(None, VhdProblem::NotAFile));
    }
    check(&mut file, meta.len()).map_err(|(offset, problem)| fail(offset, problem))
}

/// A problem and the byte offset it applies to.
type Failure = (Option<u64>, VhdProblem);

fn read_at<R: Read + Seek>(r: &mut R, offset: u64, len: usize) -> Result<Vec<u8>, Failure> {
    let mut buf = vec![0; len];
    r.seek(SeekFrom::Start(offset))
        .and_then(|_| r.read_exact(&mut buf))
        .map_err(|e| (Some(offset), VhdProblem::Unreadable(e)))?;
    Ok(buf)
}

fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

fn be64(b: &[u8], at: usize) -> u64 {
    u64::from_be_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

fn cookie(b: &[u8]) -> [u8; 8] {
    b[..8].try_into().expect("8 bytes")
}

/// Computes a VHD checksum: the one's complement of the sum of all bytes,
/// with the 4-byte checksum field at `field` counted as zero.
fn checksum(bytes: &[u8], field: usize) -> u32 {
    let sum = bytes
        .iter()
        .enumerate()
        .filter(|(i, _)| !(field..field + 4).contains(i))
        .fold(0u32, |sum, (_, &b)| sum.wrapping_add(u32::from(b)));
    !sum
}

/// The footer fields that the checks use.
struct Footer {
    version: u32,
    data_offset: u64,
    creator: [u8; 4],
    current_size: u64,
    geometry: Geometry,
    disk_type: u32,
    uuid: [u8; 16],
    saved_state: bool,
}

impl Footer {
    fn parse(b: &[u8]) -> Footer {
        Footer {
            version: be32(b, 12),
            data_offset: be64(b, 16),
            creator: b[28..32].try_into().expect("4 bytes"),
            current_size: be64(b, 48),
            geometry: Geometry {
                cylinders: be16(b, 56),
                heads: b[58],
                sectors: b[59],
            },
            disk_type: be32(b, 60),
            uuid: b[68..84].try_into().expect("16 bytes"),
            saved_state: b[84] != 0,
        }
    }
}

/// Checks a disk of `len` bytes read through `r`.
fn check<R: Read + Seek>(r: &mut R, len: u64) -> Result<VhdInfo, Failure> {
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
    let head_is_footer = head.starts_with(FOOTER_COOKIE);
    // The footer normally ends the file; a dynamic disk cut short still has its copy at byte 0.
    let (raw, footer_at, has_end_footer) = if tail.starts_with(FOOTER_COOKIE) {
        (&tail, tail_at, true)
    } else if head_is_footer {
        (&head, 0, false)
    } else {
        return Err((
            Some(tail_at),
            VhdProblem::NotVhd {
                found: cookie(&tail),
            },
        ));
    };

    let stored = be32(raw, 64);
    let computed = checksum(raw, 64);
    if stored != computed {
        return Err((
            Some(footer_at),
            VhdProblem::BadFooterChecksum {
                found: stored,
                expected: computed,
            },
        ));
    }
    let footer = Footer::parse(raw);
    if footer.version >> 16 != 1 {
        return Err((
            Some(footer_at + 12),
            VhdProblem::UnsupportedVersion {
                version: footer.version,
            },
        ));
    }
    let kind = match footer.disk_type {
        2 => DiskKind::Fixed,
        3 => DiskKind::Dynamic,
        4 => {
            let parent = parent_name(r, &footer, len);
            return Err((Some(footer_at + 60), VhdProblem::Differencing { parent }));
        }
        disk_type => {
            return Err((
                Some(footer_at + 60),
                VhdProblem::UnknownDiskType { disk_type },
            ));
        }
    };
    if !has_end_footer {
        if kind == DiskKind::Dynamic {
            // Find the first thing that lies past the end, to say how much is missing.
            check_dynamic(r, &footer, len, false)?;
        }
        return Err((
            Some(tail_at),
            VhdProblem::MissingFooter {
                found: cookie(&tail),
                kind,
            },
        ));
    }

    let mut info = VhdInfo {
        kind,
        virtual_size: footer.current_size,
        file_size: len,
        geometry: footer.geometry,
        creator: String::from_utf8_lossy(&footer.creator)
            .trim_end_matches([' ', '\0'])
            .to_string(),
        uuid: Uuid::from_bytes(footer.uuid),
        saved_state: footer.saved_state,
        dynamic: None,
    };
    match kind {
        DiskKind::Fixed => {
            if tail_at < footer.current_size {
                return Err((
                    Some(tail_at),
                    VhdProblem::TruncatedFixed {
                        virtual_size: footer.current_size,
                        missing: footer.current_size - tail_at,
                    },
                ));
            }
        }
        DiskKind::Dynamic => {
            if head != tail {
                let first = head
                    .iter()
                    .zip(&tail)
                    .position(|(a, b)| a != b)
                    .unwrap_or(0);
                let field = FOOTER_FIELDS
                    .iter()
                    .find(|(at, n, _)| (*at..at + n).contains(&first))
                    .map_or("reserved", |f| f.2);
                return Err((
                    Some(first as u64),
                    VhdProblem::FooterCopyMismatch {
                        footer_offset: tail_at,
                        field,
                    },
                ));
            }
            info.dynamic = Some(check_dynamic(r, &footer, len, true)?);
        }
    }
    Ok(info)
}

/// Checks a dynamic disk's sparse header, block table and blocks.
fn check_dynamic<R: Read + Seek>(
    r: &mut R,
    footer: &Footer,
    len: u64,
    has_end_footer: bool,
) -> Result<DynamicLayout, Failure> {
    // Without a footer at the end, the whole file could be data.
    let data_end = if has_end_footer {
        len - FOOTER_LEN
    } else {
        len
    };
    let missing = |end: u64| end - data_end + if has_end_footer { 0 } else { FOOTER_LEN };
    let header_at = footer.data_offset;
    if header_at < FOOTER_LEN || header_at.saturating_add(SPARSE_LEN as u64) > data_end {
        let footer_at = if has_end_footer { len - FOOTER_LEN } else { 0 };
        return Err((
            Some(footer_at + 16),
            VhdProblem::SparseHeaderOutOfFile {
                header_offset: header_at,
                data_end,
            },
        ));
    }
    let header = read_at(r, header_at, SPARSE_LEN)?;
    if !header.starts_with(SPARSE_COOKIE) {
        return Err((
            Some(header_at),
            VhdProblem::BadSparseCookie {
                found: cookie(&header),
            },
        ));
    }
    let stored = be32(&header, 36);
    let computed = checksum(&header, 36);
    if stored != computed {
        return Err((
            Some(header_at),
            VhdProblem::BadSparseChecksum {
                found: stored,
                expected: computed,
            },
        ));
    }
    let bat_offset = be64(&header, 16);
    let entries = be32(&header, 28);
    let block_size = be32(&header, 32);
    if block_size < 512 || !block_size.is_power_of_two() {
        return Err((
            Some(header_at + 32),
            VhdProblem::BadBlockSize { block_size },
        ));
    }
    if u64::from(entries) * u64::from(block_size) < footer.current_size {
        return Err((
            Some(header_at + 28),
            VhdProblem::BatTooSmall {
                entries,
                block_size,
                virtual_size: footer.current_size,
            },
        ));
    }
    let bat_len = u64::from(entries) * 4;
    let bat_end = bat_offset.saturating_add(bat_len);
    if bat_end > data_end {
        return Err((
            Some(bat_offset),
            VhdProblem::TruncatedBat {
                len: bat_len,
                end: bat_end,
                data_end,
                footer_missing: !has_end_footer,
                missing: missing(bat_end),
            },
        ));
    }
    let bat = read_at(r, bat_offset, bat_len as usize)?;
    // Each block is a sector-padded bitmap (one bit per sector) followed by the data.
    let bitmap_len = (u64::from(block_size) / 512).div_ceil(8).div_ceil(512) * 512;
    let mut allocated = 0;
    let mut last: Option<(u32, u64, u64)> = None; // (index, start, end) of the block ending last
    for (index, entry) in bat.chunks_exact(4).enumerate() {
        let sector = be32(entry, 0);
        if sector == UNALLOCATED {
            continue;
        }
        allocated += 1;
        let start = u64::from(sector) * 512;
        let end = start + bitmap_len + u64::from(block_size);
        if last.is_none_or(|(_, _, e)| end > e) {
            last = Some((index as u32, start, end));
        }
    }
    if let Some((index, start, end)) = last {
        if end > data_end {
            return Err((
                Some(start),
                VhdProblem::TruncatedBlock {
                    index,
                    end,
                    data_end,
                    footer_missing: !has_end_footer,
                    missing: missing(end),
                },
            ));
        }
    }
    Ok(DynamicLayout {
        block_size,
        max_table_entries: entries,
        allocated_blocks: allocated,
        bat_offset,
    })
}

/// Reads a differencing disk's parent name from its sparse header, if it is intact.
fn parent_name<R: Read + Seek>(r: &mut R, footer: &Footer, len: u64) -> Option<String> {
    let at = footer.data_offset;
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    const MIB: u64 = 1 << 20;

    /// Builds a footer with a valid checksum.
    fn footer(disk_type: u32, current_size: u64, data_offset: u64) -> Vec<u8> {
        let mut f = vec![0u8; 512];
        f[..8].copy_from_slice(FOOTER_COOKIE);
        f[8..12].copy_from_slice(&2u32.to_be_bytes());
        f[12..16].copy_from_slice(&0x0001_0000u32.to_be_bytes());
        f[16..24].copy_from_slice(&data_offset.to_be_bytes());
        f[28..32].copy_from_slice(b"test");
        f[40..48].copy_from_slice(&current_size.to_be_bytes());
        f[48..56].copy_from_slice(&current_size.to_be_bytes());
        f[56..58].copy_from_slice(&100u16.to_be_bytes());
        f[58] = 4;
        f[59] = 17;
        f[60..64].copy_from_slice(&disk_type.to_be_bytes());
        f[68..84].copy_from_slice(&[7; 16]);
        seal(&mut f, 64);
        f
    }

    /// Rewrites the checksum field at `field`.
    fn seal(b: &mut [u8], field: usize) {
        let c = checksum(b, field);
        b[field..field + 4].copy_from_slice(&c.to_be_bytes());
    }

    fn fixed(size: u64) -> Vec<u8> {
        let mut d = vec![0xAB; size as usize];
        d.extend(footer(2, size, u64::MAX));
        d
    }

    /// A dynamic disk with 4 KiB blocks: copy, header at 512, BAT at 1536, blocks, footer.
    fn dynamic(size: u64, allocated: &[u32]) -> Vec<u8> {
        let block = 4096u32;
        let entries = size.div_ceil(u64::from(block)) as u32;
        let f = footer(3, size, 512);
        let mut d = f.clone();
        let mut h = vec![0u8; 1024];
        h[..8].copy_from_slice(SPARSE_COOKIE);
        h[8..16].copy_from_slice(&u64::MAX.to_be_bytes());
        let bat_at = 1536u64;
        h[16..24].copy_from_slice(&bat_at.to_be_bytes());
        h[24..28].copy_from_slice(&0x0001_0000u32.to_be_bytes());
        h[28..32].copy_from_slice(&entries.to_be_bytes());
        h[32..36].copy_from_slice(&block.to_be_bytes());
        seal(&mut h, 36);
        d.extend(h);
        let bat_len = (u64::from(entries) * 4).div_ceil(512) * 512;
        let mut bat = vec![0xFF; bat_len as usize];
        let mut next = bat_at + bat_len;
        for &i in allocated {
            let at = i as usize * 4;
            bat[at..at + 4].copy_from_slice(&((next / 512) as u32).to_be_bytes());
            next += 512 + u64::from(block);
        }
        d.extend(bat);
        d.resize(next as usize, 0x5A);
        d.extend(f);
        d
    }

    fn run(d: &[u8]) -> Result<VhdInfo, Failure> {
        check(&mut Cursor::new(d), d.len() as u64)
    }

    fn fail(d: &[u8]) -> (Option<u64>, String) {
        let (offset, problem) = run(d).expect_err("should be rejected");
        (offset, problem.to_string())
    }

    #[test]
    fn accepts_fixed() {
        let info = run(&fixed(MIB)).unwrap();
        assert_eq!(info.kind, DiskKind::Fixed);
        assert_eq!(info.virtual_size, MIB);
        assert_eq!(info.file_size, MIB + 512);
        assert_eq!(
            info.geometry,
            Geometry {
                cylinders: 100,
                heads: 4,
                sectors: 17
            }
        );
        assert_eq!(info.geometry.size(), 100 * 4 * 17 * 512);
        assert_eq!(info.creator, "test");
        assert_eq!(info.uuid, Uuid::from_bytes([7; 16]));
        assert!(!info.saved_state);
        assert_eq!(info.dynamic, None);
    }

    #[test]
    fn accepts_fixed_with_extra_bytes_before_the_footer() {
        let mut d = vec![0; 1024];
        d.extend(footer(2, 512, u64::MAX));
        assert_eq!(run(&d).unwrap().virtual_size, 512);
    }

    #[test]
    fn accepts_dynamic() {
        let d = dynamic(MIB, &[0, 3, 255]);
        let info = run(&d).unwrap();
        assert_eq!(info.kind, DiskKind::Dynamic);
        assert_eq!(info.file_size, d.len() as u64);
        assert_eq!(
            info.dynamic,
            Some(DynamicLayout {
                block_size: 4096,
                max_table_entries: 256,
                allocated_blocks: 3,
                bat_offset: 1536,
            })
        );
    }

    #[test]
    fn kind_displays_lowercase() {
        assert_eq!(DiskKind::Fixed.to_string(), "fixed");
        assert_eq!(DiskKind::Dynamic.to_string(), "dynamic");
    }

    #[test]
    fn checksum_skips_its_own_field() {
        let mut b = vec![1u8; 8];
        b[4..8].copy_from_slice(&[0xFF; 4]);
        assert_eq!(checksum(&b, 4), !4);
    }

    #[test]
    fn rejects_empty_and_short_files() {
        assert_eq!(
            fail(&[]),
            (
                None,
                "the file is empty; a VHD ends with a 512-byte footer".into()
            )
        );
        assert_eq!(
            fail(&[0; 100]),
            (
                None,
                "the file is 100 bytes long; a VHD ends with a 512-byte footer".into()
            )
        );
    }

    #[test]
    fn rejects_vhdx_even_when_short() {
        let mut d = b"vhdxfile".to_vec();
        d.extend([0; 100]);
        assert_eq!(
            fail(&d),
            (
                Some(0),
                "this is a VHDX disk (signature \"vhdxfile\" at byte 0), not a VHD".into()
            )
        );
    }

    #[test]
    fn rejects_non_vhd() {
        let mut d = vec![0u8; 1024];
        d[512..520].copy_from_slice(b"hello\n\x01\xff");
        assert_eq!(
            fail(&d),
            (
                Some(512),
                r#"no VHD footer: expected "conectix" here (512 bytes before the end) or at byte 0, found "hello\n\x01\xff""#.into()
            )
        );
    }

    #[test]
    fn rejects_bad_footer_checksum() {
        let mut d = fixed(MIB);
        let at = d.len() - 512;
        d[at + 48] ^= 1;
        let (offset, msg) = fail(&d);
        assert_eq!(offset, Some(MIB));
        assert!(msg.starts_with("footer checksum is 0x"), "{msg}");
        assert!(msg.contains(", expected 0x"), "{msg}");
    }

    #[test]
    fn rejects_unknown_version() {
        let mut d = fixed(512);
        d[512 + 13] = 2;
        seal(&mut d[512..], 64);
        assert_eq!(
            fail(&d),
            (
                Some(512 + 12),
                "file format version is 2.0; expected 1.0".into()
            )
        );
    }

    #[test]
    fn rejects_differencing_with_parent_name() {
        let mut d = dynamic(MIB, &[]);
        let end = d.len() - 512;
        for at in [0, end] {
            d[at + 63] = 4;
            seal(&mut d[at..at + 512], 64);
        }
        let name: Vec<u8> = "parent.vhd"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        d[512 + 64..512 + 64 + name.len()].copy_from_slice(&name);
        seal(&mut d[512..1536], 36);
        assert_eq!(
            fail(&d),
            (
                Some(end as u64 + 60),
                "this is a differencing disk (disk type 4): it holds only the changes made on top of its parent disk \"parent.vhd\"".into()
            )
        );
        // Without a readable header the parent is not named.
        d[512] = b'X';
        assert!(fail(&d).1.ends_with("on top of its parent disk"));
    }

    #[test]
    fn rejects_unknown_type() {
        let mut d = fixed(512);
        d[512 + 63] = 6;
        seal(&mut d[512..], 64);
        assert_eq!(
            fail(&d),
            (
                Some(512 + 60),
                "disk type is 6; expected 2 (fixed) or 3 (dynamic)".into()
            )
        );
    }

    #[test]
    fn rejects_truncated_fixed() {
        let full = fixed(MIB);
        let mut d = full[..4096].to_vec();
        d.extend(&full[full.len() - 512..]);
        assert_eq!(
            fail(&d),
            (
                Some(4096),
                "the footer says the fixed disk holds 1048576 bytes, so the footer belongs at byte 1048576: the file is 1044480 bytes short".into()
            )
        );
    }

    #[test]
    fn rejects_footer_copy_mismatch() {
        let mut d = dynamic(MIB, &[]);
        d[24] = 1; // time stamp
        seal(&mut d[..512], 64);
        let end = d.len() - 512;
        assert_eq!(
            fail(&d),
            (
                Some(24),
                format!("the footer copy at the start of the file differs from the footer at byte {end} (first in field \"time stamp\")")
            )
        );
        // A missing copy is a mismatch in the cookie.
        d[..512].fill(0);
        assert_eq!(fail(&d).0, Some(0));
        assert!(fail(&d).1.ends_with("(first in field \"cookie\")"));
    }

    #[test]
    fn rejects_bad_sparse_header() {
        let good = dynamic(MIB, &[0]);
        let mut d = good.clone();
        d[512 + 40] = 1;
        let (offset, msg) = fail(&d);
        assert_eq!(offset, Some(512));
        assert!(msg.starts_with("sparse header checksum is 0x"), "{msg}");

        let mut d = good.clone();
        d[512..520].copy_from_slice(b"xxxxxxxx");
        assert_eq!(
            fail(&d),
            (
                Some(512),
                "expected the sparse header (\"cxsparse\") here, found \"xxxxxxxx\"".into()
            )
        );

        let mut d = good.clone();
        d[512 + 32..512 + 36].copy_from_slice(&3000u32.to_be_bytes());
        seal(&mut d[512..1536], 36);
        assert_eq!(
            fail(&d),
            (
                Some(512 + 32),
                "block size is 3000; expected a power of two of at least 512 (usually 2097152)"
                    .into()
            )
        );

        let mut d = good;
        d[512 + 28..512 + 32].copy_from_slice(&255u32.to_be_bytes());
        seal(&mut d[512..1536], 36);
        assert_eq!(
            fail(&d),
            (
                Some(512 + 28),
                "the block table has 255 entries of 4096 bytes, which cover less than the disk's size of 1048576 bytes".into()
            )
        );
    }

    /// Sets the data offset in both footers.
    fn set_data_offset(d: &mut [u8], offset: u64) {
        let end = d.len() - 512;
        for at in [0, end] {
            d[at + 16..at + 24].copy_from_slice(&offset.to_be_bytes());
            seal(&mut d[at..at + 512], 64);
        }
    }

    #[test]
    fn rejects_sparse_header_outside_the_file() {
        let mut d = dynamic(MIB, &[]);
        let end = d.len() as u64 - 512;
        set_data_offset(&mut d, 1 << 40);
        assert_eq!(
            fail(&d),
            (
                Some(end + 16),
                format!("the footer's data offset points to the sparse header at byte 1099511627776, but the disk's data ends at byte {end}")
            )
        );
        set_data_offset(&mut d, u64::MAX);
        assert!(fail(&d).1.contains("at byte 18446744073709551615"));
    }

    #[test]
    fn rejects_bat_past_the_end() {
        let mut d = dynamic(MIB, &[]);
        let end = d.len() as u64 - 512;
        d[512 + 16..512 + 24].copy_from_slice(&(end - 512).to_be_bytes());
        seal(&mut d[512..1536], 36);
        assert_eq!(
            fail(&d),
            (
                Some(end - 512),
                format!("the block allocation table (1024 bytes) ends at byte {}, past the end of the disk's data at byte {end}: the file is at least 512 bytes short", end + 512)
            )
        );
    }

    #[test]
    fn rejects_block_past_the_end_with_footer() {
        let full = dynamic(MIB, &[0, 7]);
        let cut = full.len() - 512 - 1000;
        let mut d = full[..cut].to_vec();
        d.extend(&full[full.len() - 512..]);
        let block7 = 1536 + 1024 + 4608;
        assert_eq!(
            fail(&d),
            (
                Some(block7),
                format!("block 7 ends at byte {}, past the end of the disk's data at byte {cut}: the file is at least 1000 bytes short", block7 + 4608)
            )
        );
    }

    #[test]
    fn rejects_dynamic_cut_short() {
        let full = dynamic(MIB, &[2, 1]);
        let d = &full[..full.len() - 2000];
        let block1 = 1536 + 1024 + 4608;
        assert_eq!(
            fail(d),
            (
                Some(block1),
                format!("block 1 ends at byte {}, past the end of the disk's data at byte {} (and the footer is missing): the file is at least 2000 bytes short", block1 + 4608, d.len())
            )
        );
        // Only the footer cut: every block is whole, but the footer is gone.
        let d = &full[..full.len() - 512];
        assert_eq!(
            fail(d),
            (
                Some(d.len() as u64 - 512),
                r#"no footer in the last 512 bytes (found "ZZZZZZZZ" instead of "conectix"), but the footer copy at byte 0 describes a dynamic disk: the end of the file is missing"#.into()
            )
        );
    }

    #[test]
    fn displays_path_offset_and_problem() {
        let e = VhdError {
            path: "disk.vhd".into(),
            offset: Some(4194304),
            problem: VhdProblem::BadFooterChecksum {
                found: 0x1234abcd,
                expected: 0xffff0000,
            },
        };
        assert_eq!(
            e.to_string(),
            "disk.vhd: byte 4194304: footer checksum is 0x1234abcd, expected 0xffff0000"
        );
        let e = VhdError {
            path: "d/x.vhd".into(),
            offset: None,
            problem: VhdProblem::TooShort { len: 0 },
        };
        assert_eq!(
            e.to_string(),
            "d/x.vhd: the file is empty; a VHD ends with a 512-byte footer"
        );
    }

    #[test]
    fn help_names_the_file() {
        let e = |path: &str, problem| VhdError {
            path: path.into(),
            offset: Some(0),
            problem,
        };
        let h = e("in/My Disk.vhdx", VhdProblem::Vhdx).help();
        assert!(
            h.contains("`qemu-img convert -f vhdx -O vpc -o subformat=fixed 'in/My Disk.vhdx' 'in/My Disk.vhd'`"),
            "{h}"
        );
        assert!(
            h.contains(
                "`Convert-VHD -Path 'My Disk.vhdx' -DestinationPath 'My Disk.vhd' -VHDType Fixed`"
            ),
            "{h}"
        );
        let h = e("x.vhd", VhdProblem::Vhdx).help();
        assert!(h.contains("x.vhd x-converted.vhd`"), "{h}");
        assert!(
            h.contains("-Path x.vhd -DestinationPath x-converted.vhd "),
            "{h}"
        );
        let h = e("c.vhd", VhdProblem::Differencing { parent: None }).help();
        assert!(
            h.contains("Convert-VHD -Path c.vhd -DestinationPath c-merged.vhd -VHDType Fixed"),
            "{h}"
        );
        assert!(h.contains("Merge-VHD"), "{h}");
        assert!(h.contains("Do not use qemu-img"), "{h}");
    }

    #[test]
    fn open_reports_missing_file_and_directory() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("none.vhd");
        let e = open(&missing).unwrap_err();
        assert_eq!(e.offset, None);
        assert!(
            matches!(&e.problem, VhdProblem::Unreadable(io) if io.kind() == io::ErrorKind::NotFound)
        );
        assert!(e
            .to_string()
            .starts_with(&format!("{}: can't read the disk: ", missing.display())));
        assert!(e.help().starts_with("check the disk's path"));
        let e = open(dir.path()).unwrap_err();
        assert!(matches!(e.problem, VhdProblem::NotAFile));
    }
}
