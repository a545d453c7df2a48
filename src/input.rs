//! Opening input files: every file wspack reads must be a regular file.
//!
//! A FIFO would block the open or the first read forever, and `/dev/zero` (or a
//! link to it) never ends. So inputs are opened without blocking, and the open
//! handle is checked with `fstat` (checking the path first would race with a
//! rename): anything but a regular file is refused before a byte is read.

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::FileTypeExt;
use std::path::Path;

use rustix::fs::{Mode, OFlags};

/// Why an input is not read: it is not a regular file. Travels inside an
/// [`io::Error`] of kind [`io::ErrorKind::InvalidInput`]; see [`not_regular`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotRegularFile {
    /// What the path names instead, e.g. "a FIFO".
    pub kind: &'static str,
}

impl fmt::Display for NotRegularFile {
    /// Writes `not a regular file (KIND)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a regular file ({})", self.kind)
    }
}

impl std::error::Error for NotRegularFile {}

/// Returns what kind of non-regular file an error from [`open_regular`] refused, if it did.
pub fn not_regular(e: &io::Error) -> Option<NotRegularFile> {
    e.get_ref()?.downcast_ref::<NotRegularFile>().copied()
}

/// Opens `path` for reading if it is a regular file (symbolic links followed).
///
/// Never blocks: a FIFO is opened with `O_NONBLOCK` and refused; for a regular
/// file the flag is cleared again before the handle is returned. A refusal is
/// an [`io::Error`] of kind `InvalidInput` carrying a [`NotRegularFile`].
pub fn open_regular(path: &Path) -> io::Result<File> {
    let flags = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC;
    let file = File::from(rustix::fs::open(path, flags, Mode::empty())?);
    let file_type = file.metadata()?.file_type();
    if !file_type.is_file() {
        let kind = NotRegularFile {
            kind: kind_name(file_type),
        };
        return Err(io::Error::new(io::ErrorKind::InvalidInput, kind));
    }
    let flags = rustix::fs::fcntl_getfl(&file)?;
    rustix::fs::fcntl_setfl(&file, flags - OFlags::NONBLOCK)?;
    Ok(file)
}

/// Reads a whole regular file, as [`std::fs::read`] does (see [`open_regular`]).
pub fn read(path: &Path) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    open_regular(path)?.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Reads a whole regular file as UTF-8, as [`std::fs::read_to_string`] does.
pub fn read_to_string(path: &Path) -> io::Result<String> {
    let mut text = String::new();
    open_regular(path)?.read_to_string(&mut text)?;
    Ok(text)
}

/// Names a file type that is not a regular file, for messages.
fn kind_name(t: std::fs::FileType) -> &'static str {
    if t.is_dir() {
        "a folder"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "an unknown kind of file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(path: &Path) -> NotRegularFile {
        let e = open_regular(path).expect_err("should be refused");
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        not_regular(&e).expect("a NotRegularFile")
    }

    #[test]
    fn opens_regular_files_in_blocking_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        std::fs::write(&path, "hello").unwrap();
        let file = open_regular(&path).unwrap();
        assert!(!rustix::fs::fcntl_getfl(&file)
            .unwrap()
            .contains(OFlags::NONBLOCK));
        assert_eq!(read_to_string(&path).unwrap(), "hello");
        assert_eq!(read(&path).unwrap(), b"hello");
    }

    #[test]
    fn refuses_fifo_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        rustix::fs::mkfifoat(rustix::fs::CWD, &fifo, Mode::RUSR | Mode::WUSR).unwrap();
        assert_eq!(refusal(&fifo).kind, "a FIFO");
        let e = read_to_string(&fifo).unwrap_err();
        assert_eq!(e.to_string(), "not a regular file (a FIFO)");
    }

    #[test]
    fn refuses_devices_links_to_them_and_folders() {
        assert_eq!(refusal(Path::new("/dev/zero")).kind, "a character device");
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("zero.vhd");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        assert_eq!(refusal(&link).kind, "a character device");
        assert_eq!(refusal(dir.path()).kind, "a folder");
    }

    #[test]
    fn other_errors_are_not_refusals() {
        let e = open_regular(Path::new("/no/such/file")).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
        assert_eq!(not_regular(&e), None);
    }
}
