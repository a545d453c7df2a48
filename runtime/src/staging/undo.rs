//! The undo file `<vhd>.wspack-undo` of a delta applied in place: before a changed
//! chunk is overwritten, its offset (u64, little-endian), length (u64) and the bytes
//! it held are appended and synced. Rollback writes them back; a record cut short
//! (a crash while it was written) is ignored, as its chunk was not overwritten yet.

use crate::fsx;
use crate::gzip;
use crate::parallel::MAX_CHUNK_SIZE;
use sha2::{Digest, Sha256};
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::Path;
use wspack_contract::delta::{DeltaTable, Source};

/// Writes every delta chunk of `table` into `vhd` at its offset, each one's old
/// bytes saved to `undo` first. Returns how many chunks were written.
pub fn patch(vhd: &Path, undo: &Path, delta: &Path, table: &DeltaTable) -> io::Result<usize> {
    let disk = OpenOptions::new().read(true).write(true).open(vhd)?;
    let delta = File::open(delta)?;
    let mut saved = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(undo)?;
    let mut count = 0;
    for c in &table.chunks {
        let (offset, len) = match c.source {
            Source::Delta { offset, len } => (offset, len),
            Source::Base { .. } => continue,
        };
        let mut old = vec![0u8; c.disk_len as usize];
        fsx::read_exact_at(&disk, &mut old, c.disk_offset)?;
        saved.write_all(&c.disk_offset.to_le_bytes())?;
        saved.write_all(&c.disk_len.to_le_bytes())?;
        saved.write_all(&old)?;
        saved.sync_data()?;
        let mut member = vec![0u8; len as usize];
        fsx::read_exact_at(&delta, &mut member, offset)?;
        // One byte more than the chunk: a member that inflates to more shows.
        let mut new = vec![0u8; c.disk_len as usize + 1];
        let got = gzip::inflate_member(&member, &mut new)?;
        new.truncate(got);
        if got as u64 != c.disk_len || <[u8; 32]>::from(Sha256::digest(&new)) != c.sha256 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "the delta's chunk for disk bytes from {} changed since it was checked",
                    c.disk_offset
                ),
            ));
        }
        fsx::write_all_at(&disk, &new, c.disk_offset)?;
        count += 1;
    }
    Ok(count)
}

/// Writes back into `vhd` every chunk `undo` saved; no undo file: nothing was
/// overwritten. Returns how many chunks were restored.
pub fn restore(vhd: &Path, undo: &Path) -> io::Result<usize> {
    let mut saved = match File::open(undo) {
        Ok(f) => io::BufReader::new(f),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let disk = OpenOptions::new().write(true).open(vhd)?;
    let size = disk.metadata()?.len();
    let mut count = 0;
    loop {
        let mut head = [0u8; 16];
        if read_full(&mut saved, &mut head)? < head.len() {
            break;
        }
        let offset = u64::from_le_bytes(head[..8].try_into().unwrap_or_default());
        let len = u64::from_le_bytes(head[8..].try_into().unwrap_or_default());
        if len > MAX_CHUNK_SIZE || offset.checked_add(len).map_or(true, |end| end > size) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{} holds a record that does not fit the disk",
                    undo.display()
                ),
            ));
        }
        let mut old = vec![0u8; len as usize];
        if read_full(&mut saved, &mut old)? < old.len() {
            break;
        }
        fsx::write_all_at(&disk, &old, offset)?;
        count += 1;
    }
    disk.sync_all()?;
    Ok(count)
}

/// Reads until `buf` is full or the file ends; returns how many bytes were read.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}
