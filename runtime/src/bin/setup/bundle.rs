//! The zip archive a one-file setup EXE carries after its own bytes: the `.msi` and
//! the `.medv`, both stored (not compressed). Its offsets count from the archive's
//! start (it is written as a stream after the EXE); offsets from the file's start
//! work too, as in self-extracting archives. Only what `wspack build --single-exe`
//! writes is read: no zip64, no comment, method 0, one `.msi` and one `.medv`.

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

/// Reads the archive at the end of `r`: `Ok(None)` when there is none (a plain setup.exe).
pub fn read<R: Read + Seek>(r: &mut R) -> Result<Option<Bundle>, String> {
    let len = r
        .seek(SeekFrom::End(0))
        .map_err(|e| format!("can't read setup itself: {}", e))?;
    if len < EOCD_LEN {
        return Ok(None);
    }
    let mut eocd = [0u8; EOCD_LEN as usize];
    read_at(r, len - EOCD_LEN, &mut eocd)?;
    if u32_at(&eocd, 0) != EOCD_SIG || u16_at(&eocd, 20) != 0 {
        return Ok(None);
    }
    let count = u16_at(&eocd, 10);
    if count > MAX_MEMBERS {
        return Err(damaged("too many members"));
    }
    let (cd_size, cd_offset) = (u64::from(u32_at(&eocd, 12)), u64::from(u32_at(&eocd, 16)));
    // Where offset 0 of the archive is in the file: the central directory ends at the EOCD.
    let base = (len - EOCD_LEN)
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
