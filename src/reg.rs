//! The `.reg` export: the policy's values as a Registry Editor 5.00 file (UTF-16LE with
//! BOM, CRLF), for Group Policy preferences or a manual `reg import`.

use crate::policy::{RegData, RegValue};

/// Renders the values as `.reg` text, one `[key]` block per key in first-appearance order.
pub fn render(values: &[RegValue]) -> String {
    let mut out = String::from("Windows Registry Editor Version 5.00\r\n");
    let mut keys: Vec<&str> = Vec::new();
    for v in values {
        if !keys.contains(&v.key) {
            keys.push(v.key);
        }
    }
    for key in keys {
        let full = values
            .iter()
            .find(|v| v.key == key)
            .map(RegValue::full_key)
            .unwrap_or_default();
        out.push_str(&format!("\r\n[HKEY_LOCAL_MACHINE\\{full}]\r\n"));
        for v in values.iter().filter(|v| v.key == key) {
            let name = format!("\"{}\"=", escape(v.name));
            let data = match &v.data {
                RegData::Dword(n) => format!("dword:{n:08x}"),
                RegData::Sz(s) => format!("\"{}\"", escape(s)),
                RegData::MultiSz(lines) => hex7(name.len(), lines),
            };
            out.push_str(&name);
            out.push_str(&data);
            out.push_str("\r\n");
        }
    }
    out
}

/// Encodes the rendered text as regedit writes it: UTF-16LE with a byte-order mark.
pub fn encode(values: &[RegValue]) -> Vec<u8> {
    let text = render(values);
    let mut bytes = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    bytes
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// `hex(7):` data: each string in UTF-16LE plus a NUL, then a final NUL; wrapped like
/// regedit at 80 columns with `,\` continuations.
fn hex7(prefix_len: usize, lines: &[String]) -> String {
    let mut bytes = Vec::new();
    for line in lines {
        for unit in line.encode_utf16().chain([0]) {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
    }
    bytes.extend_from_slice(&[0, 0]);
    let mut out = String::from("hex(7):");
    let mut column = prefix_len + out.len();
    for (i, b) in bytes.iter().enumerate() {
        let last = i + 1 == bytes.len();
        out.push_str(&format!("{b:02x}"));
        column += 2;
        if !last {
            out.push(',');
            column += 1;
            if column > 76 {
                out.push_str("\\\r\n  ");
                column = 2;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(key: &'static str, name: &'static str, data: RegData) -> RegValue {
        RegValue { key, name, data }
    }

    #[test]
    fn renders_each_type_under_its_key() {
        let values = [
            v("VM", "NetworkingMode", RegData::Sz(r#"C:\a "b""#.into())),
            v("VM", "Memory", RegData::Dword(768)),
            v(
                "UserExperience",
                "RedirectUrls",
                RegData::MultiSz(vec!["a".into(), "b".into()]),
            ),
            v("VM", "MultiUserEnabled", RegData::Dword(1)),
        ];
        let text = render(&values);
        assert_eq!(
            text,
            "Windows Registry Editor Version 5.00\r\n\
             \r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Medv\\v2\\VM]\r\n\
             \"NetworkingMode\"=\"C:\\\\a \\\"b\\\"\"\r\n\
             \"Memory\"=dword:00000300\r\n\
             \"MultiUserEnabled\"=dword:00000001\r\n\
             \r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Medv\\v2\\UserExperience]\r\n\
             \"RedirectUrls\"=hex(7):61,00,00,00,62,00,00,00,00,00\r\n"
        );
    }

    #[test]
    fn wraps_long_multi_strings_and_encodes_utf16_with_bom() {
        let long = vec!["x".repeat(40), "é".into()];
        let text = render(&[v("Fts", "LogFilePaths", RegData::MultiSz(long))]);
        let data_lines: Vec<&str> = text.lines().skip(3).collect();
        assert!(data_lines.len() > 1, "{text}");
        assert!(data_lines.iter().all(|l| l.len() <= 80), "{text}");
        assert!(data_lines[..data_lines.len() - 1]
            .iter()
            .all(|l| l.ends_with(",\\")));
        let hex: String = data_lines.join("").replace(",\\", ",").replace(' ', "");
        assert!(hex.ends_with("e9,00,00,00,00,00"), "{hex}");
        let bytes = encode(&[v("VM", "Memory", RegData::Dword(1))]);
        assert_eq!(&bytes[..4], &[0xFF, 0xFE, b'W', 0]);
    }
}
