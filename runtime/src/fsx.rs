//! Small file-system helpers the standard library does not have in 1.63.

use std::fs::{self, File};
use std::io;
use std::path::Path;

/// Renames `from` to `to`, failing (AlreadyExists) instead of replacing `to`.
/// Long paths work as in `std::fs` (see [`long_path`]).
#[cfg(windows)]
pub fn rename_noreplace(from: &Path, to: &Path) -> io::Result<()> {
    const MOVEFILE_WRITE_THROUGH: u32 = 8;
    #[link(name = "kernel32")]
    extern "system" {
        fn MoveFileExW(existing: *const u16, new: *const u16, flags: u32) -> i32;
    }
    let a = long_path(from)?;
    let b = long_path(to)?;
    // No MOVEFILE_REPLACE_EXISTING: an existing `to` makes this fail.
    if unsafe { MoveFileExW(a.as_ptr(), b.as_ptr(), MOVEFILE_WRITE_THROUGH) } == 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// `p` as a NUL-terminated UTF-16 path that Win32 file calls accept past MAX_PATH,
/// the way `std::fs` does it: a path of 248 or more units, or one that is not a
/// plain `C:\...` / `\\server\...`, is made absolute by `GetFullPathNameW` and
/// given the `\\?\` prefix ([`verbatim`]); anything else is passed as is.
#[cfg(windows)]
pub fn long_path(p: &Path) -> io::Result<Vec<u16>> {
    #[link(name = "kernel32")]
    extern "system" {
        fn GetFullPathNameW(
            name: *const u16,
            len: u32,
            buf: *mut u16,
            file_part: *mut *mut u16,
        ) -> u32;
    }
    let w = crate::win::wide_path(p);
    if !needs_full_path(&w) {
        return Ok(w);
    }
    let mut buf = vec![0u16; w.len() + 64];
    loop {
        let n = unsafe {
            GetFullPathNameW(
                w.as_ptr(),
                buf.len() as u32,
                buf.as_mut_ptr(),
                std::ptr::null_mut(),
            )
        } as usize;
        if n == 0 {
            return Err(io::Error::last_os_error());
        }
        if n < buf.len() {
            return Ok(verbatim(&buf[..n]));
        }
        buf.resize(n, 0); // n is the size needed, NUL included
    }
}

const SEP: u16 = b'\\' as u16;
const ALT: u16 = b'/' as u16;
const Q: u16 = b'?' as u16;

/// True if `w` (NUL-terminated UTF-16) must go through `GetFullPathNameW` and
/// [`verbatim`]: not already `\\?\` or `\??\`, and either 248 units or longer
/// (NUL included) or not a plain absolute `C:\...` / `\\...` path. Mirrors std.
pub fn needs_full_path(w: &[u16]) -> bool {
    if w.starts_with(&[SEP, SEP, Q, SEP]) || w.starts_with(&[SEP, Q, Q, SEP]) || w == [0] {
        return false;
    }
    if w.len() < 248 {
        match w {
            [d, c, 0] | [d, c, SEP | ALT, ..] if *c == b':' as u16 && *d != SEP && *d != ALT => {
                return false
            }
            [SEP | ALT, SEP | ALT, ..] => return false,
            _ => {}
        }
    }
    true
}

/// An absolute, normalized path (as `GetFullPathNameW` returns it, no NUL) with the
/// verbatim prefix, NUL-terminated: `C:\x` → `\\?\C:\x`, `\\srv\s\x` →
/// `\\?\UNC\srv\s\x`, `\\.\x` → `\\?\x`; `\\?\` / `\??\` paths and anything else as is.
pub fn verbatim(abs: &[u16]) -> Vec<u16> {
    let colon = b':' as u16;
    let dot = b'.' as u16;
    let (prefix, rest): (Vec<u16>, &[u16]) = match abs {
        [_, c, SEP, ..] if *c == colon => (vec![SEP, SEP, Q, SEP], abs),
        [SEP, SEP, d, SEP, ..] if *d == dot => (vec![SEP, SEP, Q, SEP], &abs[4..]),
        [SEP, SEP, Q, SEP, ..] | [SEP, Q, Q, SEP, ..] => (Vec::new(), abs),
        [SEP, SEP, ..] => ("\\\\?\\UNC\\".encode_utf16().collect(), &abs[2..]),
        _ => (Vec::new(), abs),
    };
    let mut out = prefix;
    out.extend_from_slice(rest);
    out.push(0);
    out
}

/// Renames `from` to `to`, failing (AlreadyExists) instead of replacing `to`.
#[cfg(not(windows))]
pub fn rename_noreplace(from: &Path, to: &Path) -> io::Result<()> {
    if fs::symlink_metadata(to).is_ok() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "the destination already exists",
        ));
    }
    fs::rename(from, to)
}

/// True if something (file, folder, link) is at `p`.
pub fn exists(p: &Path) -> bool {
    fs::symlink_metadata(p).is_ok()
}

/// Deletes a file, clearing a read-only attribute if that is what stops it.
/// Ok(false) if there was nothing to delete.
pub fn remove_file(p: &Path) -> io::Result<bool> {
    match fs::remove_file(p) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
            let meta = match fs::metadata(p) {
                Ok(m) => m,
                Err(_) => return Err(e),
            };
            let mut perm = meta.permissions();
            if !perm.readonly() {
                return Err(e);
            }
            #[allow(clippy::permissions_set_readonly_false)]
            perm.set_readonly(false);
            fs::set_permissions(p, perm)?;
            fs::remove_file(p).map(|()| true)
        }
        Err(e) => Err(e),
    }
}

/// Reads exactly `buf.len()` bytes at `offset` without moving a shared file
/// position, so several threads can read one file at once.
pub fn read_exact_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> io::Result<()> {
    while !buf.is_empty() {
        match read_at(file, buf, offset) {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the file ends early",
                ))
            }
            Ok(n) => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Writes all of `buf` at `offset` (see [`read_exact_at`]).
pub fn write_all_at(file: &File, mut buf: &[u8], mut offset: u64) -> io::Result<()> {
    while !buf.is_empty() {
        match write_at(file, buf, offset) {
            Ok(0) => return Err(io::Error::new(io::ErrorKind::WriteZero, "wrote nothing")),
            Ok(n) => {
                buf = &buf[n..];
                offset += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(windows)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, offset)
}

#[cfg(windows)]
fn write_at(file: &File, buf: &[u8], offset: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_write(file, buf, offset)
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, offset)
}

#[cfg(unix)]
fn write_at(file: &File, buf: &[u8], offset: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::write_at(file, buf, offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Vec<u16> {
        s.encode_utf16().collect()
    }
    fn wz(s: &str) -> Vec<u16> {
        s.encode_utf16().chain(Some(0)).collect()
    }

    #[test]
    fn long_paths_get_the_verbatim_prefix_like_std() {
        assert!(!needs_full_path(&wz("C:\\ProgramData\\Medv\\ws.vhd")));
        assert!(!needs_full_path(&wz("\\\\srv\\share\\ws.vhd")));
        assert!(!needs_full_path(&wz("\\\\?\\C:\\x")));
        assert!(needs_full_path(&wz("ws.vhd")));
        let long = format!("C:\\{}\\ws.vhd", "d".repeat(250));
        assert!(needs_full_path(&wz(&long)));
        assert!(!needs_full_path(&wz(&format!("\\\\?\\{}", long))));

        assert_eq!(verbatim(&w(&long)), wz(&format!("\\\\?\\{}", long)));
        assert_eq!(verbatim(&w("\\\\srv\\s\\x")), wz("\\\\?\\UNC\\srv\\s\\x"));
        assert_eq!(verbatim(&w("\\\\.\\C:\\x")), wz("\\\\?\\C:\\x"));
        assert_eq!(verbatim(&w("\\\\?\\C:\\x")), wz("\\\\?\\C:\\x"));
    }
}
