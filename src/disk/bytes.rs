//! Reading big-endian fields, and the VHD checksum.

use std::io::{Read, Seek, SeekFrom};

use super::{Failure, VhdProblem};

/// Reads `len` bytes at `offset`; `len` is at most a header's size.
pub(super) fn read_at<R: Read + Seek>(
    r: &mut R,
    offset: u64,
    len: usize,
) -> Result<Vec<u8>, Failure> {
    let mut buf = vec![0; len];
    r.seek(SeekFrom::Start(offset))
        .and_then(|_| r.read_exact(&mut buf))
        .map_err(|e| (Some(offset), VhdProblem::Unreadable(e)))?;
    Ok(buf)
}

pub(super) fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

pub(super) fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

pub(super) fn be64(b: &[u8], at: usize) -> u64 {
    (u64::from(be32(b, at)) << 32) | u64::from(be32(b, at + 4))
}

/// Returns the first 8 bytes, where every VHD structure keeps its cookie.
pub(super) fn cookie(b: &[u8]) -> [u8; 8] {
    let mut c = [0; 8];
    c.copy_from_slice(&b[..8]);
    c
}

/// Computes a VHD checksum: the one's complement of the sum of all bytes,
/// with the 4-byte checksum field at `field` counted as zero.
pub(super) fn checksum(bytes: &[u8], field: usize) -> u32 {
    let sum = bytes
        .iter()
        .enumerate()
        .filter(|(i, _)| !(field..field + 4).contains(i))
        .fold(0u32, |sum, (_, &b)| sum.wrapping_add(u32::from(b)));
    !sum
}
