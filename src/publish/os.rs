//! The few Linux calls publishing needs beyond `std::fs`: `renameat2` (swap two
//! entries in one step, or rename without replacing), mount-point detection, fsync
//! of a folder.

use rustix::fs::{renameat_with, statx, AtFlags, RenameFlags, StatxFlags, CWD};
use rustix::io::Errno;
use std::fs::{self, File};
use std::io;
use std::path::Path;

/// What [`place`] did at the destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placed {
    /// Nothing was there; `from` is now at `to`.
    New,
    /// Something was there: it is now at `from`, and what was at `from` is at `to`.
    Exchanged,
}

/// Moves `from` to `to` in one step; if `to` exists, swaps the two instead of
/// replacing it, so whatever was at `to` survives at `from`.
pub fn place(from: &Path, to: &Path) -> io::Result<Placed> {
    // The destination may appear or vanish between the two calls: try again.
    for _ in 0..8 {
        match renameat_with(CWD, from, CWD, to, RenameFlags::NOREPLACE) {
            Ok(()) => return Ok(Placed::New),
            Err(Errno::EXIST) => {}
            Err(e) => return Err(e.into()),
        }
        match renameat_with(CWD, from, CWD, to, RenameFlags::EXCHANGE) {
            Ok(()) => return Ok(Placed::Exchanged),
            Err(Errno::NOENT) if from.exists() => {}
            Err(e) => return Err(e.into()),
        }
    }
    Err(io::Error::other(format!(
        "{} keeps appearing and vanishing",
        to.display()
    )))
}

/// Renames `from` to `to` only if nothing is at `to` (on filesystems without
/// `renameat2` flags: only if `to` is missing or an empty folder, which `rename`
/// replaces without losing anything).
pub fn rename_new(from: &Path, to: &Path) -> io::Result<()> {
    match renameat_with(CWD, from, CWD, to, RenameFlags::NOREPLACE) {
        Err(Errno::INVAL | Errno::NOSYS) if from.is_dir() => fs::rename(from, to),
        other => other.map_err(io::Error::from),
    }
}

/// Returns whether this folder's filesystem can swap and no-replace rename in one
/// step, by trying both on two empty files made in `dir` (and removed again).
pub fn can_swap(dir: &Path) -> io::Result<bool> {
    let (a, b) = (dir.join(".wspack-probe-a"), dir.join(".wspack-probe-b"));
    File::create(&a)?;
    File::create(&b)?;
    let exchange = renameat_with(CWD, &a, CWD, &b, RenameFlags::EXCHANGE);
    let noreplace = renameat_with(CWD, &a, CWD, &b, RenameFlags::NOREPLACE);
    fs::remove_file(&a)?;
    fs::remove_file(&b)?;
    let unsupported = |r: &rustix::io::Result<()>| {
        matches!(r, Err(Errno::INVAL | Errno::NOSYS | Errno::OPNOTSUPP))
    };
    match (exchange, noreplace) {
        (ref e, ref n) if unsupported(e) || unsupported(n) => Ok(false),
        (Ok(()), Err(Errno::EXIST)) => Ok(true),
        (Err(e), _) | (_, Err(e)) => Err(e.into()),
        (Ok(()), Ok(())) => Err(io::Error::other("rename without replacing replaced a file")),
    }
}

/// Where a folder lives: its device and, on Linux 5.8 and later, its mount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MountFacts {
    /// The device (`st_dev`), as major and minor.
    pub dev: (u32, u32),
    /// The mount's id, when the kernel reports it.
    pub mount_id: Option<u64>,
}

impl MountFacts {
    /// Reads the facts of `path` (without following a final symlink).
    pub fn of(path: &Path) -> io::Result<MountFacts> {
        let st = statx(CWD, path, AtFlags::SYMLINK_NOFOLLOW, StatxFlags::MNT_ID)?;
        let has_mount_id = StatxFlags::from_bits_retain(st.stx_mask).contains(StatxFlags::MNT_ID);
        Ok(MountFacts {
            dev: (st.stx_dev_major, st.stx_dev_minor),
            mount_id: has_mount_id.then_some(st.stx_mnt_id),
        })
    }

    /// Returns whether a folder with these facts is a mount point inside `parent`:
    /// another device, or (for a bind mount of the same filesystem) another mount.
    pub fn is_mount_below(&self, parent: &MountFacts) -> bool {
        let other_mount = matches!((self.mount_id, parent.mount_id), (Some(a), Some(b)) if a != b);
        self.dev != parent.dev || other_mount
    }
}

/// Flushes a folder's entries (renames, new files) to disk.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mount_point_is_another_device_or_another_mount() {
        let facts = |dev, mount_id| MountFacts { dev, mount_id };
        let root = facts((8, 1), Some(20));
        assert!(!facts((8, 1), Some(20)).is_mount_below(&root));
        assert!(!facts((8, 1), None).is_mount_below(&root));
        // A tmpfs or another disk: another device.
        assert!(facts((0, 45), None).is_mount_below(&root));
        // `mount --bind` of the same filesystem: same device, another mount.
        assert!(facts((8, 1), Some(31)).is_mount_below(&root));
    }

    #[test]
    fn place_swaps_instead_of_replacing() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        fs::write(&a, "new").unwrap();
        assert_eq!(place(&a, &b).unwrap(), Placed::New);
        fs::write(&a, "newer").unwrap();
        assert_eq!(place(&a, &b).unwrap(), Placed::Exchanged);
        assert_eq!(fs::read_to_string(&a).unwrap(), "new");
        assert_eq!(fs::read_to_string(&b).unwrap(), "newer");
        assert!(can_swap(dir.path()).unwrap());
        assert!(!dir.path().join(".wspack-probe-a").exists());
    }
}
