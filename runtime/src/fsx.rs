//! Small file-system helpers the standard library does not have in 1.63.

use std::fs;
use std::io;
use std::path::Path;

/// Renames `from` to `to`, failing (AlreadyExists) instead of replacing `to`.
#[cfg(windows)]
pub fn rename_noreplace(from: &Path, to: &Path) -> io::Result<()> {
    use crate::win::wide_path;
    const MOVEFILE_WRITE_THROUGH: u32 = 8;
    #[link(name = "kernel32")]
    extern "system" {
        fn MoveFileExW(existing: *const u16, new: *const u16, flags: u32) -> i32;
    }
    let a = wide_path(from);
    let b = wide_path(to);
    // No MOVEFILE_REPLACE_EXISTING: an existing `to` makes this fail.
    if unsafe { MoveFileExW(a.as_ptr(), b.as_ptr(), MOVEFILE_WRITE_THROUGH) } == 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
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
