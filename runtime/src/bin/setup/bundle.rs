//! The zip archive a one-file setup EXE carries after its own bytes: the `.msi` and
//! the `.medv`, both stored (not compressed). Its offsets count from the archive's
//! start (it is written as a stream after the EXE); offsets from the file's start
//! work too, as in self-extracting archives. Only what `wspack build --single-exe`
//! writes is read: no zip64, no comment, method 0, one `.msi` and one `.medv`.
//!
//! A signed EXE carries its Authenticode certificate table after the archive (the
//! PE header's security directory says where; the signer pads to 8 bytes first), so
//! the archive ends where that table starts.

use std::io::{Read, Seek, SeekFrom};

const EOCD_SIG: u32 = 0x0605_4b50;
const CENTRAL_SIG: u32 = 0x0201_4b50;
const LOCAL_SIG: u32 = 0x0403_4b50;
const EOCD_LEN: u64 = 22;
const CENTRAL_LEN: usize = 46;
const LOCAL_LEN: usize = 30;
/// More members than this is not an archive wspack wrote.
const MAX_MEMBERS: u16 = 16;

/// One stored member: its name and where its bytes are in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub name: String,
    pub offset: u64,
    pub length: u64,
}

/// The package inside the EXE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundle {
    pub msi: Member,
    pub medv: Member,
}

fn u16_at(b: &[u8], i: usize) -> u16 {
    u16::from_le_bytes([b[i], b[i + 1]])
}

fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}

fn read_at<R: Read + Seek>(r: &mut R, at: u64, buf: &mut [u8]) -> Result<(), String> {
    r.seek(SeekFrom::Start(at))
        .and_then(|_| r.read_exact(buf))
        .map_err(|e| format!("can't read the package stored in setup: {}", e))
}

/// Where the certificate table of a signed PE file starts, when it ends the file.
fn certificate_table<R: Read + Seek>(r: &mut R, len: u64) -> Result<Option<u64>, String> {
    let mut dos = [0u8; 64];
    if len < 64 {
        return Ok(None);
    }
    read_at(r, 0, &mut dos)?;
    let pe = u64::from(u32_at(&dos, 0x3c));
    if &dos[..2] != b"MZ" || pe + 24 + 2 > len {
        return Ok(None);
    }
    let mut head = [0u8; 26];
    read_at(r, pe, &mut head)?;
    let directories = match u16_at(&head, 24) {
        0x20b => pe + 24 + 112, // PE32+
        0x10b => pe + 24 + 96,  // PE32
        _ => return Ok(None),
    };
    if &head[..4] != b"PE\0\0" || directories + 5 * 8 > len {
        return Ok(None);
    }
    let mut security = [0u8; 8];
    read_at(r, directories + 4 * 8, &mut security)?;
    let (at, size) = (
        u64::from(u32_at(&security, 0)),
        u64::from(u32_at(&security, 4)),
    );
    Ok(Some(at).filter(|_| size != 0 && at + size == len))
}

/// Reads the archive at the end of `r` (or before its certificate table): `Ok(None)`
/// when there is none (a plain setup.exe).
pub fn read<R: Read + Seek>(r: &mut R) -> Result<Option<Bundle>, String> {
    let len = r
        .seek(SeekFrom::End(0))
        .map_err(|e| format!("can't read setup itself: {}", e))?;
    let end = certificate_table(r, len)?.unwrap_or(len);
    let mut tail = [0u8; EOCD_LEN as usize + 7];
    let tail_len = tail.len().min(end as usize);
    let tail_at = end - tail_len as u64;
    read_at(r, tail_at, &mut tail[..tail_len])?;
    // The record, then up to 7 zero bytes of padding before the certificate table.
    let found = (0..8usize).find_map(|pad| {
        let at = tail_len.checked_sub(EOCD_LEN as usize + pad)?;
        let rec = &tail[at..at + EOCD_LEN as usize];
        let padding_is_zero = tail[at + EOCD_LEN as usize..tail_len]
            .iter()
            .all(|&b| b == 0);
        (u32_at(rec, 0) == EOCD_SIG && u16_at(rec, 20) == 0 && padding_is_zero).then(|| at)
    });
    let at = match found {
        Some(at) => at,
        None => return Ok(None),
    };
    let eocd_at = tail_at + at as u64;
    let mut eocd = [0u8; EOCD_LEN as usize];
    eocd.copy_from_slice(&tail[at..at + EOCD_LEN as usize]);
    let count = u16_at(&eocd, 10);
    if count > MAX_MEMBERS {
        return Err(damaged("too many members"));
    }
    let (cd_size, cd_offset) = (u64::from(u32_at(&eocd, 12)), u64::from(u32_at(&eocd, 16)));
    // Where offset 0 of the archive is in the file: the central directory ends at the EOCD.
    let base = eocd_at
        .checked_sub(cd_size)
        .and_then(|b| b.checked_sub(cd_offset))
        .ok_or_else(|| damaged("bad central directory"))?;
    let mut cd = vec![0u8; cd_size as usize];
    read_at(r, base + cd_offset, &mut cd)?;
    let mut members = Vec::new();
    let mut at = 0;
    for _ in 0..count {
        let (member, next) = central_entry(r, &cd, at, base)?;
        members.push(member);
        at = next;
    }
    let pick = |ext: &str| -> Result<Member, String> {
        let mut found = members
            .iter()
            .filter(|m| m.name.to_ascii_lowercase().ends_with(ext));
        match (found.next(), found.next()) {
            (Some(m), None) => Ok(m.clone()),
            _ => Err(damaged(&format!("it must hold exactly one {} file", ext))),
        }
    };
    Ok(Some(Bundle {
        msi: pick(".msi")?,
        medv: pick(".medv")?,
    }))
}

/// Parses the central directory entry at `at`; returns it and where the next one starts.
fn central_entry<R: Read + Seek>(
    r: &mut R,
    cd: &[u8],
    at: usize,
    base: u64,
) -> Result<(Member, usize), String> {
    let head = cd
        .get(at..at + CENTRAL_LEN)
        .filter(|h| u32_at(h, 0) == CENTRAL_SIG)
        .ok_or_else(|| damaged("bad central directory"))?;
    let (method, packed, size) = (u16_at(head, 10), u32_at(head, 20), u32_at(head, 24));
    let name_len = usize::from(u16_at(head, 28));
    let skip = usize::from(u16_at(head, 30)) + usize::from(u16_at(head, 32));
    let local = base + u64::from(u32_at(head, 42));
    let name = cd
        .get(at + CENTRAL_LEN..at + CENTRAL_LEN + name_len)
        .ok_or_else(|| damaged("bad central directory"))?;
    let name = String::from_utf8_lossy(name).into_owned();
    if method != 0 || packed != size {
        return Err(damaged(&format!("{} is compressed", name)));
    }
    let mut lh = [0u8; LOCAL_LEN];
    read_at(r, local, &mut lh)?;
    if u32_at(&lh, 0) != LOCAL_SIG {
        return Err(damaged(&format!("no local header for {}", name)));
    }
    let offset = local + LOCAL_LEN as u64 + u64::from(u16_at(&lh, 26)) + u64::from(u16_at(&lh, 28));
    let member = Member {
        name,
        offset,
        length: u64::from(size),
    };
    Ok((member, at + CENTRAL_LEN + name_len + skip))
}

fn damaged(what: &str) -> String {
    format!(
        "the package stored in this setup program is damaged ({}). Download or copy the setup program again.",
        what
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    /// A stored zip as `wspack build --single-exe` writes it (offsets from the file's start).
    fn archive(prefix: &[u8], members: &[(&str, &[u8])]) -> Vec<u8> {
        archive_from(prefix, members, 0)
    }

    /// The same, with offsets counted from `origin` (the prefix's length: from the archive).
    fn archive_from(prefix: &[u8], members: &[(&str, &[u8])], origin: u32) -> Vec<u8> {
        let mut out = prefix.to_vec();
        let mut central = Vec::new();
        for (name, data) in members {
            let local = out.len() as u32 - origin;
            let crc = 0u32;
            out.extend_from_slice(&LOCAL_SIG.to_le_bytes());
            out.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0x21, 0]);
            out.extend_from_slice(&crc.to_le_bytes());
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(&(name.len() as u16).to_le_bytes());
            out.extend_from_slice(&[0, 0]);
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(data);
            central.extend_from_slice(&CENTRAL_SIG.to_le_bytes());
            central.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0x21, 0]);
            central.extend_from_slice(&crc.to_le_bytes());
            central.extend_from_slice(&(data.len() as u32).to_le_bytes());
            central.extend_from_slice(&(data.len() as u32).to_le_bytes());
            central.extend_from_slice(&(name.len() as u16).to_le_bytes());
            central.extend_from_slice(&[0; 12]);
            central.extend_from_slice(&local.to_le_bytes());
            central.extend_from_slice(name.as_bytes());
        }
        let cd_at = out.len() as u32 - origin;
        out.extend_from_slice(&central);
        out.extend_from_slice(&EOCD_SIG.to_le_bytes());
        out.extend_from_slice(&[0, 0, 0, 0]);
        out.extend_from_slice(&(members.len() as u16).to_le_bytes());
        out.extend_from_slice(&(members.len() as u16).to_le_bytes());
        out.extend_from_slice(&(central.len() as u32).to_le_bytes());
        out.extend_from_slice(&cd_at.to_le_bytes());
        out.extend_from_slice(&[0, 0]);
        out
    }

    #[test]
    fn finds_both_members_in_place() {
        let bytes = archive(
            b"MZ exe bytes",
            &[("ws.msi", b"MSI!"), ("ws.medv", b"gzip data")],
        );
        let b = read(&mut Cursor::new(&bytes)).unwrap().unwrap();
        assert_eq!(b.msi.name, "ws.msi");
        let at = |m: &Member| &bytes[m.offset as usize..(m.offset + m.length) as usize];
        assert_eq!(at(&b.msi), b"MSI!");
        assert_eq!(b.medv.name, "ws.medv");
        assert_eq!(at(&b.medv), b"gzip data");
    }

    #[test]
    fn offsets_may_count_from_the_archive() {
        let prefix = b"MZ a longer program in front";
        let members: &[(&str, &[u8])] = &[("ws.medv", b"gzip data"), ("ws.msi", b"MSI!")];
        let bytes = archive_from(prefix, members, prefix.len() as u32);
        let b = read(&mut Cursor::new(&bytes)).unwrap().unwrap();
        let at = |m: &Member| &bytes[m.offset as usize..(m.offset + m.length) as usize];
        assert_eq!(at(&b.msi), b"MSI!");
        assert_eq!(at(&b.medv), b"gzip data");
    }

    /// A minimal PE32+ header whose security directory can be set.
    fn pe_prefix() -> Vec<u8> {
        let mut p = vec![0u8; 64 + 24 + 112 + 16 * 8];
        p[..2].copy_from_slice(b"MZ");
        p[0x3c] = 64;
        p[64..68].copy_from_slice(b"PE\0\0");
        p[64 + 24] = 0x0b;
        p[64 + 24 + 1] = 0x02;
        p
    }

    /// Appends padding to 8 bytes and a certificate table, as a signer does.
    fn sign(mut bytes: Vec<u8>) -> Vec<u8> {
        while bytes.len() % 8 != 0 {
            bytes.push(0);
        }
        let (at, size) = (bytes.len() as u32, 1000u32);
        bytes.extend(std::iter::repeat(0x30).take(size as usize));
        let dir = 64 + 24 + 112 + 4 * 8;
        bytes[dir..dir + 4].copy_from_slice(&at.to_le_bytes());
        bytes[dir + 4..dir + 8].copy_from_slice(&size.to_le_bytes());
        bytes
    }

    #[test]
    fn finds_the_archive_before_a_signature() {
        let prefix = pe_prefix();
        let members: &[(&str, &[u8])] = &[("ws.msi", b"MSI!"), ("ws.medv", b"gzip data!")];
        for origin in [0, prefix.len() as u32] {
            assert_ne!(
                archive_from(&prefix, members, origin).len() % 8,
                0,
                "padding is tested"
            );
            let signed = sign(archive_from(&prefix, members, origin));
            let b = read(&mut Cursor::new(&signed)).unwrap().unwrap();
            let at = |m: &Member| &signed[m.offset as usize..(m.offset + m.length) as usize];
            assert_eq!(at(&b.msi), b"MSI!");
            assert_eq!(at(&b.medv), b"gzip data!");
        }
        // Signed without an archive: a plain setup.exe.
        assert_eq!(read(&mut Cursor::new(sign(pe_prefix()))), Ok(None));
    }

    #[test]
    fn a_plain_exe_has_none() {
        assert_eq!(
            read(&mut Cursor::new(b"MZ just a program".to_vec())),
            Ok(None)
        );
        assert_eq!(read(&mut Cursor::new(Vec::new())), Ok(None));
    }

    #[test]
    fn refuses_what_wspack_does_not_write() {
        let bytes = archive(b"MZ", &[("ws.msi", b"MSI!")]);
        let e = read(&mut Cursor::new(&bytes)).unwrap_err();
        assert!(e.contains("exactly one .medv"), "{}", e);
        let mut bytes = archive(b"MZ", &[("ws.msi", b"M"), ("ws.medv", b"G")]);
        let n = bytes.len();
        bytes[n - 6] = 0xff; // central directory offset past the end
        bytes[n - 5] = 0xff;
        assert!(read(&mut Cursor::new(&bytes))
            .unwrap_err()
            .contains("damaged"));
    }
}
