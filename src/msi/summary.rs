//! The summary information stream (`\u{5}SummaryInformation`), serialized here.
//!
//! Why not only the `msi` crate's writer: msi 0.11.1 computes each string
//! property's offset from its UTF-8 length but writes it in the summary's
//! codepage, so any non-ASCII text (a manufacturer "Société …") shifts every later
//! property and the stream can no longer be read (msiinfo and the crate itself fail
//! with "Unknown property set value type"). This module writes the same layout with
//! the lengths of the encoded bytes; for ASCII-only text its output is byte-for-byte
//! what the crate writes (a unit test pins that).

use msi::CodePage;
use std::time::SystemTime;

/// Name of the stream in the compound file.
pub const STREAM_NAME: &str = "\u{5}SummaryInformation";

const FMTID: [u8; 16] = *b"\xe0\x85\x9f\xf2\xf9\x4f\x68\x10\xab\x91\x08\x00\x2b\x27\xb3\xd9";

/// One property value.
#[derive(Debug, Clone)]
pub enum Prop {
    /// VT_I2.
    I2(i16),
    /// VT_I4.
    I4(i32),
    /// VT_LPSTR, encoded in the summary's codepage.
    Str(String),
    /// VT_FILETIME.
    Time(SystemTime),
}

/// Property ids used by an MSI summary.
pub mod pid {
    /// Codepage (I2).
    pub const CODEPAGE: u32 = 1;
    /// Title.
    pub const TITLE: u32 = 2;
    /// Subject.
    pub const SUBJECT: u32 = 3;
    /// Author.
    pub const AUTHOR: u32 = 4;
    /// Keywords.
    pub const KEYWORDS: u32 = 5;
    /// Comments.
    pub const COMMENTS: u32 = 6;
    /// Template (`x64;1033`).
    pub const TEMPLATE: u32 = 7;
    /// Revision number: the PackageCode.
    pub const REVISION: u32 = 9;
    /// Creation time.
    pub const CREATED: u32 = 12;
    /// Last save time.
    pub const SAVED: u32 = 13;
    /// Page count: the schema.
    pub const PAGE_COUNT: u32 = 14;
    /// Word count: source image flags.
    pub const WORD_COUNT: u32 = 15;
    /// Creating application.
    pub const APP: u32 = 18;
    /// Security.
    pub const SECURITY: u32 = 19;
}

fn filetime(time: SystemTime) -> u64 {
    // 100 ns ticks since 1601-01-01.
    const EPOCH_DIFF_SECS: i128 = 11_644_473_600;
    let nanos: i128 = match time.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as i128,
        Err(e) => -(e.duration().as_nanos() as i128),
    };
    let ticks = (nanos + EPOCH_DIFF_SECS * 1_000_000_000) / 100;
    ticks.clamp(0, u64::MAX as i128) as u64
}

/// Serializes a property set (one section, properties sorted by id) in `codepage`.
pub fn serialize(props: &[(u32, Prop)], codepage: CodePage) -> Vec<u8> {
    let mut props = props.to_vec();
    props.sort_by_key(|(id, _)| *id);
    let values: Vec<Vec<u8>> = props
        .iter()
        .map(|(_, value)| {
            let mut v = Vec::new();
            match value {
                Prop::I2(n) => {
                    v.extend(2u32.to_le_bytes());
                    v.extend(n.to_le_bytes());
                    v.extend([0, 0]);
                }
                Prop::I4(n) => {
                    v.extend(3u32.to_le_bytes());
                    v.extend(n.to_le_bytes());
                }
                Prop::Str(s) => {
                    let bytes = codepage.encode(s);
                    v.extend(30u32.to_le_bytes());
                    v.extend(((bytes.len() + 1) as u32).to_le_bytes());
                    v.extend(bytes);
                    v.push(0);
                    while v.len() % 4 != 0 {
                        v.push(0);
                    }
                }
                Prop::Time(t) => {
                    v.extend(64u32.to_le_bytes());
                    v.extend(filetime(*t).to_le_bytes());
                }
            }
            v
        })
        .collect();

    let mut out = Vec::new();
    out.extend(0xFFFEu16.to_le_bytes()); // byte order
    out.extend(0u16.to_le_bytes()); // format version 0
    out.extend(10u16.to_le_bytes()); // OS version
    out.extend(2u16.to_le_bytes()); // Win32
    out.extend([0u8; 16]); // CLSID
    out.extend(1u32.to_le_bytes()); // one section
    out.extend(FMTID);
    out.extend(48u32.to_le_bytes()); // section offset
    let count = props.len() as u32;
    let mut size = 8 + 8 * count;
    let mut offsets = Vec::new();
    for v in &values {
        offsets.push(size);
        size += v.len() as u32;
    }
    out.extend(size.to_le_bytes());
    out.extend(count.to_le_bytes());
    for ((id, _), offset) in props.iter().zip(&offsets) {
        out.extend(id.to_le_bytes());
        out.extend(offset.to_le_bytes());
    }
    for v in values {
        out.extend(v);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Read};

    fn props(author: &str, time: SystemTime) -> Vec<(u32, Prop)> {
        vec![
            (pid::CODEPAGE, Prop::I2(1252)),
            (pid::TITLE, Prop::Str("Installation Database".into())),
            (pid::AUTHOR, Prop::Str(author.into())),
            (pid::KEYWORDS, Prop::Str("Installer; MED-V".into())),
            (pid::TEMPLATE, Prop::Str("x64;1033".into())),
            (pid::CREATED, Prop::Time(time)),
            (pid::PAGE_COUNT, Prop::I4(200)),
        ]
    }

    fn crate_stream(author: &str, time: SystemTime) -> Vec<u8> {
        let mut package =
            msi::Package::create(msi::PackageType::Installer, Cursor::new(Vec::new())).unwrap();
        {
            let info = package.summary_info_mut();
            info.set_codepage(CodePage::Windows1252);
            info.set_title("Installation Database");
            info.set_author(author);
            info.set_keywords(&["Installer".to_string(), "MED-V".to_string()]);
            info.set_arch("x64");
            info.set_languages(&[msi::LanguageId::from(1033u16)]);
            info.set_creation_time(time);
            info.set_page_count(200);
        }
        let cursor = package.into_inner().unwrap();
        let mut comp = cfb::CompoundFile::open(cursor).unwrap();
        let mut bytes = Vec::new();
        comp.open_stream(STREAM_NAME)
            .unwrap()
            .read_to_end(&mut bytes)
            .unwrap();
        bytes
    }

    #[test]
    fn matches_the_msi_crate_for_ascii() {
        let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
        for author in ["", "abc", "Contoso Ltd.", "four"] {
            assert_eq!(
                serialize(&props(author, t), CodePage::Windows1252),
                crate_stream(author, t),
                "author {author:?}"
            );
        }
    }

    #[test]
    fn lengths_count_encoded_bytes() {
        let t = SystemTime::UNIX_EPOCH;
        let bytes = serialize(&props("Société – Zürich", t), CodePage::Windows1252);
        // The author is stored as 16 Windows-1252 bytes + NUL.
        let pos = bytes
            .windows(4)
            .position(|w| w == b"Soci")
            .expect("author bytes");
        assert_eq!(&bytes[pos - 4..pos], &17u32.to_le_bytes());
        assert_eq!(bytes[pos + 4], 0xE9);
    }
}
