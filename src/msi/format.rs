//! Registry values in Windows Installer's Formatted syntax, both ways.
//!
//! Writing (Registry.Value column):
//! - `REG_DWORD` n → `#n` (as a signed 32-bit number, which is how msiexec parses it),
//! - `REG_SZ` s → s with `[`, `]`, `{`, `}` escaped as `[\[]` …, and a leading `#`
//!   doubled (`##` is a literal `#`),
//! - `REG_MULTI_SZ` [a, b] → `[~]a[~]b[~]`: `[~]` at both ends means "replace the
//!   value" (one `[~]` at one end would append or prepend to an existing value),
//!   and keeps a one-element list a multi-string.

use crate::policy::RegData;

/// Escapes the characters that are special in a Formatted string.
pub fn escape_formatted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '[' | ']' | '{' | '}' => {
                out.push_str("[\\");
                out.push(ch);
                out.push(']');
            }
            _ => out.push(ch),
        }
    }
    out
}

/// Returns the Registry.Value text for typed data (`None` for an empty `REG_SZ`).
pub fn encode_value(data: &RegData) -> Option<String> {
    match data {
        RegData::Dword(n) => Some(format!("#{}", *n as i32)),
        RegData::Sz(s) if s.is_empty() => None,
        RegData::Sz(s) => {
            let escaped = escape_formatted(s);
            Some(if escaped.starts_with('#') {
                format!("#{escaped}")
            } else {
                escaped
            })
        }
        RegData::MultiSz(items) => {
            let mut out = String::from("[~]");
            for item in items {
                out.push_str(&escape_formatted(item));
                out.push_str("[~]");
            }
            Some(out)
        }
    }
}

/// One piece of a Formatted string.
#[derive(Debug, PartialEq, Eq)]
enum Token {
    Text(String),
    /// `[~]`
    Null,
}

/// Splits a Formatted string into text and `[~]`, resolving `[\x]` escapes; other
/// `[...]` references are kept as written.
fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut cur = String::new();
    let mut rest = text;
    while let Some(pos) = rest.find('[') {
        cur.push_str(&rest[..pos]);
        let tail = &rest[pos..];
        if let Some(after) = tail.strip_prefix("[~]") {
            tokens.push(Token::Text(std::mem::take(&mut cur)));
            tokens.push(Token::Null);
            rest = after;
            continue;
        }
        let mut chars = tail.char_indices().skip(1);
        if let (Some((_, '\\')), Some((_, ch)), Some((end, ']'))) =
            (chars.next(), chars.next(), chars.next())
        {
            cur.push(ch);
            rest = &tail[end + 1..];
            continue;
        }
        cur.push('[');
        rest = &tail[1..];
    }
    cur.push_str(rest);
    tokens.push(Token::Text(cur));
    tokens.retain(|t| !matches!(t, Token::Text(s) if s.is_empty()));
    tokens
}

/// Decodes a Registry.Value text back to typed data. Forms wspack never writes
/// (`#x` binary, `#%` expandable, …) come back as `Err(raw text)`.
pub fn decode_value(value: Option<&str>) -> Result<RegData, String> {
    let Some(value) = value else {
        return Ok(RegData::Sz(String::new()));
    };
    if let Some(rest) = value.strip_prefix('#') {
        if let Some(sz) = rest.strip_prefix('#') {
            return Ok(RegData::Sz(join_text(&tokenize(&format!("#{sz}")))));
        }
        return match rest.parse::<i32>() {
            Ok(n) => Ok(RegData::Dword(n as u32)),
            Err(_) => Err(value.to_string()),
        };
    }
    let tokens = tokenize(value);
    if tokens.contains(&Token::Null) {
        let mut items = Vec::new();
        let mut cur: Option<String> = None;
        for token in tokens {
            match token {
                Token::Text(t) => cur = Some(t),
                Token::Null => items.extend(cur.take()),
            }
        }
        items.extend(cur);
        return Ok(RegData::MultiSz(items));
    }
    Ok(RegData::Sz(join_text(&tokens)))
}

fn join_text(tokens: &[Token]) -> String {
    tokens
        .iter()
        .map(|t| match t {
            Token::Text(s) => s.as_str(),
            Token::Null => "",
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(data: RegData) {
        let text = encode_value(&data);
        assert_eq!(decode_value(text.as_deref()), Ok(data), "via {text:?}");
    }

    #[test]
    fn encodes_each_type() {
        assert_eq!(encode_value(&RegData::Dword(768)).unwrap(), "#768");
        assert_eq!(encode_value(&RegData::Sz("#1".into())).unwrap(), "##1");
        assert_eq!(
            encode_value(&RegData::Sz("a[b]{c}".into())).unwrap(),
            r"a[\[]b[\]][\{]c[\}]"
        );
        assert_eq!(
            encode_value(&RegData::MultiSz(vec!["a".into(), "b".into()])).unwrap(),
            "[~]a[~]b[~]"
        );
        assert_eq!(
            encode_value(&RegData::MultiSz(vec!["only".into()])).unwrap(),
            "[~]only[~]"
        );
    }

    #[test]
    fn decodes_what_it_encodes() {
        round_trip(RegData::Dword(0));
        round_trip(RegData::Dword(2_147_483_647));
        round_trip(RegData::Dword(u32::MAX));
        round_trip(RegData::Sz("MEDV*".into()));
        round_trip(RegData::Sz("#%username%".into()));
        round_trip(RegData::Sz("[1] {x} [~] \\".into()));
        round_trip(RegData::Sz(String::new()));
        round_trip(RegData::MultiSz(vec![
            "*.contoso.com".into(),
            "http://a/b/*".into(),
        ]));
        round_trip(RegData::MultiSz(vec!["[~]".into(), "#x".into()]));
    }

    #[test]
    fn decodes_foreign_forms() {
        assert_eq!(
            decode_value(Some("a[~]b")),
            Ok(RegData::MultiSz(vec!["a".into(), "b".into()]))
        );
        assert_eq!(decode_value(Some("#x00ff")), Err("#x00ff".into()));
        assert_eq!(
            decode_value(Some("[ProductName]")),
            Ok(RegData::Sz("[ProductName]".into()))
        );
    }
}
