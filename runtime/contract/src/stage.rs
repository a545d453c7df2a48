//! The verified copy that stages the disk: stream decoded disk bytes to a writer
//! while counting and hashing them, then compare with what the manifest promised.
//! The runtime stages with it; the packager's sidecar writer and `verify` check with it.

use sha2::{Digest, Sha256};
use std::fmt;
use std::io::{self, Read, Write};

/// What the staged disk must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expected {
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the whole disk.
    pub sha256: [u8; 32],
}

/// Why staging failed.
#[derive(Debug)]
pub enum StageError {
    /// Reading or writing failed.
    Io(io::Error),
    /// The progress callback asked to stop.
    Cancelled,
    /// More or fewer bytes than expected.
    SizeMismatch {
        /// Expected size.
        expected: u64,
        /// Bytes actually produced.
        actual: u64,
    },
    /// The bytes hash to something else.
    HashMismatch {
        /// Expected SHA-256 (hex).
        expected: String,
        /// Actual SHA-256 (hex).
        actual: String,
    },
}

impl fmt::Display for StageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StageError::Io(e) => write!(f, "{}", e),
            StageError::Cancelled => write!(f, "cancelled by the user"),
            StageError::SizeMismatch { expected, actual } => write!(
                f,
                "size mismatch: the disk should be {} bytes, the sidecar gave {} bytes",
                expected, actual
            ),
            StageError::HashMismatch { expected, actual } => write!(
                f,
                "SHA-256 mismatch: expected {}, the sidecar gave {}",
                expected, actual
            ),
        }
    }
}

impl std::error::Error for StageError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StageError::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for StageError {
    fn from(e: io::Error) -> Self {
        StageError::Io(e)
    }
}

/// Size and SHA-256 of a byte stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Digested {
    /// Bytes seen.
    pub size: u64,
    /// Their SHA-256.
    pub sha256: [u8; 32],
}

/// Copies `src` to `dst` in 1 MiB chunks, hashing on the way. `progress` gets the
/// running byte count after each chunk and returns `false` to cancel.
pub fn copy_hashed<R: Read, W: Write>(
    mut src: R,
    mut dst: W,
    progress: &mut dyn FnMut(u64) -> bool,
) -> Result<Digested, StageError> {
    let mut buf = vec![0u8; 1 << 20];
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    loop {
        let n = match src.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(StageError::Io(e)),
        };
        hasher.update(&buf[..n]);
        dst.write_all(&buf[..n])?;
        size += n as u64;
        if !progress(size) {
            return Err(StageError::Cancelled);
        }
    }
    dst.flush()?;
    Ok(Digested {
        size,
        sha256: hasher.finalize().into(),
    })
}

/// Like [`copy_hashed`], then checks the result against `expected`.
pub fn copy_verified<R: Read, W: Write>(
    src: R,
    dst: W,
    expected: &Expected,
    progress: &mut dyn FnMut(u64) -> bool,
) -> Result<Digested, StageError> {
    let got = copy_hashed(src, dst, progress)?;
    check(&got, expected)?;
    Ok(got)
}

/// Compares a digest with what was expected: size first, then hash.
pub fn check(got: &Digested, expected: &Expected) -> Result<(), StageError> {
    if got.size != expected.size {
        return Err(StageError::SizeMismatch {
            expected: expected.size,
            actual: got.size,
        });
    }
    if got.sha256 != expected.sha256 {
        return Err(StageError::HashMismatch {
            expected: to_hex(&expected.sha256),
            actual: to_hex(&got.sha256),
        });
    }
    Ok(())
}

/// Formats bytes as lowercase hex.
pub fn to_hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push_str(&format!("{:02x}", b));
    }
    s
}

/// Parses 64 hex digits into a SHA-256; `None` if malformed.
pub fn parse_sha256(hex: &str) -> Option<[u8; 32]> {
    let hex = hex.as_bytes();
    if hex.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in hex.chunks(2).enumerate() {
        let s = std::str::from_utf8(pair).ok()?;
        out[i] = u8::from_str_radix(s, 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_hashes_and_checks() {
        let data = vec![7u8; 3 << 20];
        let mut out = Vec::new();
        let expected = Expected {
            size: data.len() as u64,
            sha256: Sha256::digest(&data).into(),
        };
        let got = copy_verified(&data[..], &mut out, &expected, &mut |_| true).unwrap();
        assert_eq!(out, data);
        assert_eq!(got.size, 3 << 20);
    }

    #[test]
    fn reports_hash_and_size_mismatch() {
        let data = b"disk".to_vec();
        let good: [u8; 32] = Sha256::digest(&data).into();
        let wrong_size = Expected {
            size: 5,
            sha256: good,
        };
        let err = copy_verified(&data[..], io::sink(), &wrong_size, &mut |_| true).unwrap_err();
        assert!(err.to_string().starts_with("size mismatch"), "{err}");
        let wrong_hash = Expected {
            size: 4,
            sha256: [0; 32],
        };
        let err = copy_verified(&data[..], io::sink(), &wrong_hash, &mut |_| true).unwrap_err();
        assert!(err.to_string().starts_with("SHA-256 mismatch"), "{err}");
    }

    #[test]
    fn cancels_when_asked() {
        let err = copy_hashed(&[1u8; 10][..], io::sink(), &mut |_| false).unwrap_err();
        assert!(matches!(err, StageError::Cancelled));
    }

    #[test]
    fn hex_round_trip() {
        let h: [u8; 32] = Sha256::digest(b"x").into();
        assert_eq!(parse_sha256(&to_hex(&h)), Some(h));
        assert_eq!(parse_sha256("zz"), None);
    }
}
