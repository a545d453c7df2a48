//! The one-file setup EXE, `<internal_name>-setup.exe`: the bootstrapper followed by
//! a zip archive that stores (does not compress) the `.msi` and the `.medv`. 7-Zip
//! and unzip list and test it; the bootstrapper finds the archive at its own end,
//! extracts only the `.msi` and passes where the sidecar's bytes are to the install
//! (`wspack_contract::window`), which reads them in place.
//!
//! The archive is written as a stream (sizes and CRC-32 in data descriptors, so no
//! seek back over gigabytes), with one fixed timestamp: same inputs, same bytes.

use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{self, Write};
use std::path::Path;
use wspack_contract::stage::Digested;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

/// Authenticode signs files below 4 GiB only; a one-file EXE must stay below it.
pub const SIZE_LIMIT: u64 = 4 << 30;

/// Bytes the archive adds per member besides its name twice and its data: local
/// header (30), data descriptor (16), central directory entry (46), with room to spare.
const MEMBER_OVERHEAD: u64 = 256;
/// The end of central directory record (22), with room to spare.
const ARCHIVE_OVERHEAD: u64 = 64;

/// The file name: `<internal_name>-setup.exe`.
pub fn file_name(internal_name: &str) -> String {
    format!("{internal_name}-setup.exe")
}

/// An upper bound of the EXE's size for a bootstrapper of `setup_len` bytes and
/// these members (name, size).
pub fn size_bound(setup_len: u64, members: &[(&str, u64)]) -> u64 {
    members
        .iter()
        .fold(setup_len + ARCHIVE_OVERHEAD, |sum, (name, len)| {
            sum.saturating_add(len + 2 * name.len() as u64 + MEMBER_OVERHEAD)
        })
}

/// Counts and hashes what passes through to `inner`.
struct Digesting<W: Write> {
    inner: W,
    hash: Sha256,
    size: u64,
}

impl<W: Write> Write for Digesting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Why writing the EXE stopped.
#[derive(Debug)]
pub enum WriteError {
    /// A member could not be read (the path and the cause).
    Read(std::path::PathBuf, io::Error),
    /// The output could not be written.
    Write(io::Error),
}

/// Writes `setup` and then the archive of `members` (name in the archive, file) to
/// `out`; returns the size and SHA-256 of all of it.
pub fn write(
    out: &mut dyn Write,
    setup: &[u8],
    members: &[(String, &Path)],
) -> Result<Digested, WriteError> {
    let mut sink = Digesting {
        inner: out,
        hash: Sha256::new(),
        size: 0,
    };
    sink.write_all(setup).map_err(WriteError::Write)?;
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .last_modified_time(DateTime::default())
        .unix_permissions(0o644)
        .large_file(false);
    let mut zip = ZipWriter::new_stream(&mut sink);
    for (name, path) in members {
        let mut file = File::open(path).map_err(|e| WriteError::Read(path.to_path_buf(), e))?;
        zip.start_file(name.as_str(), options)
            .map_err(|e| WriteError::Write(io::Error::other(e)))?;
        copy(&mut file, &mut zip, path)?;
    }
    zip.finish()
        .map_err(|e| WriteError::Write(io::Error::other(e)))?;
    Ok(Digested {
        size: sink.size,
        sha256: sink.hash.finalize().into(),
    })
}

/// Copies a member's bytes, telling a read error from a write error.
fn copy(from: &mut File, to: &mut dyn Write, path: &Path) -> Result<(), WriteError> {
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n =
            io::Read::read(from, &mut buf).map_err(|e| WriteError::Read(path.to_path_buf(), e))?;
        if n == 0 {
            return Ok(());
        }
        to.write_all(&buf[..n]).map_err(WriteError::Write)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn the_bound_covers_the_archive_and_refuses_4_gib() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("ws.msi"), dir.path().join("ws.medv"));
        std::fs::write(&a, vec![7u8; 5000]).unwrap();
        std::fs::write(&b, vec![9u8; 70_000]).unwrap();
        let members = [
            ("ws.msi".to_string(), a.as_path()),
            ("ws.medv".to_string(), b.as_path()),
        ];
        let mut out = Vec::new();
        let d = write(&mut out, b"MZ-setup", &members).unwrap();
        assert_eq!(d.size, out.len() as u64);
        assert_eq!(d.sha256, <[u8; 32]>::from(Sha256::digest(&out)));
        let bound = size_bound(8, &[("ws.msi", 5000), ("ws.medv", 70_000)]);
        assert!(
            bound >= d.size && bound < d.size + 1024,
            "{bound} vs {}",
            d.size
        );
        // A 4 GiB sidecar does not fit, one just below it with a small MSI does.
        assert!(size_bound(400_000, &[("ws.msi", 500_000), ("ws.medv", SIZE_LIMIT)]) >= SIZE_LIMIT);
        assert!(
            size_bound(
                400_000,
                &[("ws.msi", 500_000), ("ws.medv", SIZE_LIMIT - 2_000_000)]
            ) < SIZE_LIMIT
        );
    }

    #[test]
    fn too_large_is_invalid_input_with_what_to_ship_instead() {
        let e = crate::Error::SingleExeTooLarge {
            file: file_name("contoso"),
            size: SIZE_LIMIT + 5,
            msi: "contoso.msi".into(),
            sidecar: "contoso.medv".into(),
        };
        assert_eq!(e.exit_code(), 2);
        assert_eq!(
            e.to_string(),
            "contoso-setup.exe would be 4294967301 bytes: a one-file setup EXE must stay below \
             4 GiB (4294967296 bytes), the most Authenticode can sign"
        );
        assert_eq!(
            e.help().as_deref(),
            Some(
                "build without --single-exe and ship contoso.msi and contoso.medv \
                 (with setup.exe) in one folder"
            )
        );
    }

    #[test]
    fn stores_members_with_one_timestamp() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("ws.msi");
        std::fs::write(&a, b"msi bytes").unwrap();
        let members = [("ws.msi".to_string(), a.as_path())];
        let (mut one, mut two) = (Vec::new(), Vec::new());
        write(&mut one, b"MZ", &members).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(1100));
        write(&mut two, b"MZ", &members).unwrap();
        assert_eq!(one, two, "same inputs, same bytes");
        // The zip crate reads it back (it finds the archive after the prefix).
        let mut archive = zip::ZipArchive::new(io::Cursor::new(&one)).unwrap();
        let mut member = archive.by_name("ws.msi").unwrap();
        assert_eq!(member.compression(), CompressionMethod::Stored);
        let mut data = Vec::new();
        member.read_to_end(&mut data).unwrap();
        assert_eq!(data, b"msi bytes");
    }

    #[test]
    fn names_the_file_that_cannot_be_read() {
        let missing = Path::new("/nonexistent/ws.medv");
        let members = [("ws.medv".to_string(), missing)];
        match write(&mut Vec::new(), b"MZ", &members) {
            Err(WriteError::Read(path, _)) => assert_eq!(path, missing),
            other => panic!("{other:?}"),
        }
    }
}
