//! Reads a policy file into text: a regular file of bounded size, in UTF-8.

use super::diagnostic::{location, Location, PolicyError};
use std::io::Read;
use std::path::Path;

/// The largest policy file read (a policy is a few KB; 200,000 URL patterns are ~6 MB).
const MAX_BYTES: u64 = 64 << 20;

/// Byte-order marks of encodings other than UTF-8, longest first (UTF-32 LE starts like UTF-16 LE).
const FOREIGN_BOMS: &[(&[u8], &str)] = &[
    (&[0xFF, 0xFE, 0x00, 0x00], "UTF-32 LE"),
    (&[0x00, 0x00, 0xFE, 0xFF], "UTF-32 BE"),
    (&[0x84, 0x31, 0x95, 0x33], "GB 18030"),
    (&[0xDD, 0x73, 0x66, 0x73], "UTF-EBCDIC"),
    (&[0xFF, 0xFE], "UTF-16 LE"),
    (&[0xFE, 0xFF], "UTF-16 BE"),
    (&[0x2B, 0x2F, 0x76], "UTF-7"),
    (&[0xF7, 0x64, 0x4C], "UTF-1"),
    (&[0x0E, 0xFE, 0xFF], "SCSU"),
    (&[0xFB, 0xEE, 0x28], "BOCU-1"),
];

const UTF8_BOM: &[u8] = &[0xEF, 0xBB, 0xBF];

/// Says how to save `file` (as the user named it) as UTF-8, from `encoding`.
fn save_as_utf8(file: &Path, encoding: &str) -> String {
    let iconv = encoding.replace(' ', "");
    let file = file.display();
    format!(
        "save the file as UTF-8: in Notepad, File > Save As, Encoding \"UTF-8\"; \
         or `iconv -f {iconv} -t UTF-8 '{file}' > utf8.toml` and use utf8.toml"
    )
}

/// Reads `path` as policy text; refuses non-files, huge files and text that is not UTF-8.
/// A UTF-8 byte-order mark is dropped (Windows editors write one; TOML allows it).
pub(crate) fn read(path: &Path) -> Result<String, PolicyError> {
    let bytes = read_bytes(path)?;
    decode(bytes, path)
        .map_err(|(at, message, help)| PolicyError::one(path, Some(at), message, help))
}

fn read_bytes(path: &Path) -> Result<Vec<u8>, PolicyError> {
    let fail = |message: String, help: String| PolicyError::one(path, None, message, help);
    let unreadable = |e: std::io::Error| {
        let help = match e.kind() {
            _ if crate::input::not_regular(&e).is_some() => {
                "pass the path of a workspace.toml file".to_string()
            }
            std::io::ErrorKind::NotFound => {
                "pass the path of a workspace.toml (`wspack init` writes one)".to_string()
            }
            std::io::ErrorKind::PermissionDenied => format!(
                "make the file readable by the user running wspack (`chmod a+r '{}'`)",
                path.display()
            ),
            _ => "pass the path of a readable workspace.toml".to_string(),
        };
        fail(format!("can't read the workspace policy: {e}"), help)
    };
    // A FIFO or a device would block or never end: only a regular file is read.
    let file = crate::input::open_regular(path).map_err(unreadable)?;
    let mut bytes = Vec::new();
    file.take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(fail(
            format!(
                "the workspace policy is larger than {} MiB",
                MAX_BYTES >> 20
            ),
            "a policy is a small text file: pass the workspace.toml, not another file".into(),
        ));
    }
    Ok(bytes)
}

/// A decoding failure: where, what, and how to fix it.
type Undecodable = (Location, String, String);

/// Where a problem with the file's encoding as a whole is reported: its first byte.
const START: Location = Location { line: 1, column: 1 };

/// Decodes the bytes of `file` as UTF-8, naming any other encoding it finds.
fn decode(mut bytes: Vec<u8>, file: &Path) -> Result<String, Undecodable> {
    if let Some((_, encoding)) = FOREIGN_BOMS.iter().find(|(bom, _)| bytes.starts_with(bom)) {
        return Err((
            START,
            format!("this file is {encoding} (it starts with the {encoding} byte-order mark); a policy must be UTF-8"),
            save_as_utf8(file, encoding),
        ));
    }
    if let Some(encoding) = utf16_without_bom(&bytes) {
        return Err((
            START,
            format!("this file looks like {encoding} without a byte-order mark (every other byte is 0); a policy must be UTF-8"),
            save_as_utf8(file, encoding),
        ));
    }
    let bom = if bytes.starts_with(UTF8_BOM) {
        bytes.drain(..UTF8_BOM.len());
        UTF8_BOM.len()
    } else {
        0
    };
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let bytes = e.into_bytes();
        let valid = std::str::from_utf8(&bytes[..offset]).unwrap_or_default();
        let message = format!(
            "invalid UTF-8: byte 0x{:02X} (byte offset {}) does not start or continue a UTF-8 character",
            bytes[offset],
            offset + bom
        );
        let help = format!(
            "an editor set to Windows-1252 or Latin-1 wrote this byte; {}",
            save_as_utf8(file, "WINDOWS-1252")
        );
        (location(valid, offset), message, help)
    })
}

/// Names UTF-16 text that has no byte-order mark, from the zeros of its first ASCII characters.
fn utf16_without_bom(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [a, 0, b, 0, ..] if *a != 0 && *b != 0 => Some("UTF-16 LE"),
        [0, a, 0, b, ..] if *a != 0 && *b != 0 => Some("UTF-16 BE"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(bytes: &[u8]) -> (Location, String) {
        let (at, message, _) = decode(bytes.to_vec(), Path::new("w.toml")).unwrap_err();
        (at, message)
    }

    #[test]
    fn other_encodings_are_named() {
        let (at, m) = refused(b"\x00\x00\xFE\xFF\x00\x00\x00a");
        assert_eq!(
            (at, m.starts_with("this file is UTF-32 BE")),
            (START, true),
            "{m}"
        );
        assert!(refused(b"+/v8a = 1").1.starts_with("this file is UTF-7"));
        assert!(refused(b"\x00a\x00=")
            .1
            .starts_with("this file looks like UTF-16 BE"));
    }

    #[test]
    fn a_utf8_mark_is_dropped_and_bad_bytes_are_located() {
        assert_eq!(
            decode(b"\xEF\xBB\xBFa = 1".to_vec(), Path::new("w.toml")).unwrap(),
            "a = 1"
        );
        let (at, m) = refused(b"\xEF\xBB\xBFa = 1\n\xC3\xA9\xFF");
        assert_eq!(at, Location { line: 2, column: 2 });
        assert!(m.contains("byte 0xFF (byte offset 11)"), "{m}");
    }
}
