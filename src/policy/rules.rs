//! Checks on policy strings. Each returns what was expected when a value fails.

use super::contract::Rule;
use super::diagnostic::echo;
use super::{Version, NAME_MAX, PRODUCT_NAME_MAX, PRODUCT_NAME_PREFIX};

/// A failed check: what was expected, and how to fix it.
pub(crate) struct Broken {
    pub expected: String,
    pub help: String,
}

fn broken(expected: impl Into<String>, help: impl Into<String>) -> Result<(), Broken> {
    Err(Broken {
        expected: expected.into(),
        help: help.into(),
    })
}

/// A string that passed its rule, typed where the rule gives it a type.
pub(crate) enum Parsed {
    /// The string itself is the value.
    Text,
    /// A product version.
    Version(Version),
    /// A GUID.
    Guid(uuid::Uuid),
}

/// Checks `s` against `rule`, returning its typed value.
pub(crate) fn check(rule: Rule, s: &str) -> Result<Parsed, Broken> {
    match rule {
        Rule::Version => parse_version(s).map(Parsed::Version),
        Rule::Guid => parse_guid(s).map(Parsed::Guid),
        _ => check_text(rule, s).map(|()| Parsed::Text),
    }
}

fn check_text(rule: Rule, s: &str) -> Result<(), Broken> {
    match rule {
        Rule::Name => name(s),
        Rule::InternalName => internal_name(s),
        Rule::Version | Rule::Guid => Ok(()),
        Rule::Manufacturer => length(s, 1, 128),
        Rule::RelativePath => length(s, 1, 4096),
        Rule::Time => time(s),
        Rule::DateTime => date_time(s),
        Rule::ComputerNameMask => computer_name_mask(s),
        Rule::HttpUrl => http_url(s),
        Rule::UrlPattern => url_pattern(s),
        Rule::WindowsPath => windows_path(s),
        Rule::MessageLine => message_line(s),
    }
}

fn length(s: &str, min: usize, max: usize) -> Result<(), Broken> {
    let n = s.chars().count();
    if n < min || n > max {
        return broken(
            format!("{min}–{max} characters, found {n}"),
            "shorten or fill in the value",
        );
    }
    Ok(())
}

fn name(s: &str) -> Result<(), Broken> {
    let n = s.chars().count();
    if n > NAME_MAX {
        return broken(
            format!(
                "at most {NAME_MAX} characters, found {n}: Windows Installer limits the ProductName \
                 \"{PRODUCT_NAME_PREFIX}<name>\" to {PRODUCT_NAME_MAX} characters (ICE16)"
            ),
            format!("shorten the name to {NAME_MAX} characters or fewer"),
        );
    }
    length(s, 1, NAME_MAX)?;
    if s.trim() != s || s.chars().all(|c| c == '.' || c == ' ') {
        // It names files on the host (the agent's `<name>.vhd` differencing disk).
        return broken(
            "a name that does not start or end with a space and is not only dots",
            "remove the leading or trailing spaces",
        );
    }
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_alphanumeric() || " -_.()".contains(*c)))
    {
        return broken(
            format!("letters, digits, spaces and -_.() only, found {c:?}"),
            "remove or replace that character",
        );
    }
    Ok(())
}

/// Names Windows gives to devices: no file can be called `CON.msi` or `com1.vhd`.
const DEVICE_NAMES: &[&str] = &["CON", "PRN", "AUX", "NUL"];

fn is_device_name(s: &str) -> bool {
    let upper = s.to_ascii_uppercase();
    if DEVICE_NAMES.contains(&upper.as_str()) {
        return true;
    }
    // COM0–COM9 and LPT0–LPT9 (superscript digits cannot occur: the name is ASCII).
    let port = upper
        .strip_prefix("COM")
        .or_else(|| upper.strip_prefix("LPT"));
    matches!(port.map(str::as_bytes), Some([d]) if d.is_ascii_digit())
}

fn internal_name(s: &str) -> Result<(), Broken> {
    let ok = (1..=32).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !ok {
        return broken(
            "1–32 characters from A–Z, a–z, 0–9, _ and -",
            "it names files on Windows: use e.g. \"contoso_apps\"",
        );
    }
    if is_device_name(s) {
        return broken(
            format!("a name that is not a Windows device name, found {s} (CON, PRN, AUX, NUL, COM0–COM9 and LPT0–LPT9 are reserved)"),
            format!("it names files on Windows, and {s}.msi cannot exist there: use e.g. \"{s}_ws\""),
        );
    }
    Ok(())
}

/// Parses `a.b.c` with a, b ≤ 255 and c ≤ 65535.
pub(crate) fn parse_version(s: &str) -> Result<Version, Broken> {
    let parts: Vec<&str> = s.split('.').collect();
    let num = |p: &str, max: u32| -> Option<u32> {
        if p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        p.parse().ok().filter(|n| *n <= max)
    };
    if let [a, b, c] = parts[..] {
        if let (Some(a), Some(b), Some(c)) = (num(a, 255), num(b, 255), num(c, 65535)) {
            return Ok(Version {
                major: a as u8,
                minor: b as u8,
                build: c as u16,
            });
        }
    }
    Err(Broken {
        expected: "a version a.b.c with a and b ≤ 255 and c ≤ 65535".into(),
        help: "Windows Installer compares only these three fields: e.g. \"1.2.0\"".into(),
    })
}

/// Parses a GUID with or without braces.
pub(crate) fn parse_guid(s: &str) -> Result<uuid::Uuid, Broken> {
    let inner = s
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .unwrap_or(s);
    match uuid::Uuid::try_parse(inner) {
        Ok(u) if u.is_nil() => Err(Broken {
            expected: "a GUID other than the nil GUID (all zeros)".into(),
            help:
                "keep the UpgradeCode of the package you replace, or remove the key to derive one"
                    .into(),
        }),
        Ok(u) if inner.len() == 36 => Ok(u),
        _ => Err(Broken {
            expected: "a GUID like {6F1B5C2E-8A43-4D3A-9E7B-2C1D0F4A5B6C}".into(),
            help:
                "keep the UpgradeCode of the package you replace, or remove the key to derive one"
                    .into(),
        }),
    }
}

fn two_digits(s: &str, max: u32) -> Option<u32> {
    if s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok().filter(|n| *n <= max)
    } else {
        None
    }
}

fn time(s: &str) -> Result<(), Broken> {
    match s.split_once(':') {
        Some((h, m)) if two_digits(h, 23).is_some() && two_digits(m, 59).is_some() => Ok(()),
        _ => broken("a time HH:MM from 00:00 to 23:59", "e.g. \"02:30\""),
    }
}

fn date_time(s: &str) -> Result<(), Broken> {
    let bad = || {
        broken(
            "a UTC date and time yyyy-MM-dd hh:mm",
            "e.g. \"2027-01-31 18:00\"",
        )
    };
    let Some((date, clock)) = s.split_once(' ') else {
        return bad();
    };
    let d: Vec<&str> = date.split('-').collect();
    let [y, m, day] = d[..] else { return bad() };
    if y.len() != 4 || !y.bytes().all(|b| b.is_ascii_digit()) || time(clock).is_err() {
        return bad();
    }
    let year: u32 = y.parse().unwrap_or(0);
    let Some(month) = two_digits(m, 12).filter(|m| *m >= 1) else {
        return bad();
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    match two_digits(day, days[month as usize - 1]) {
        Some(d) if d >= 1 => Ok(()),
        _ => bad(),
    }
}

/// Windows computer names are at most 15 characters (NetBIOS).
pub(crate) const COMPUTER_NAME_MAX: usize = 15;

/// One piece of a computer-name mask.
enum MaskPart {
    /// A literal character or `#` (one random digit): one character of the name.
    Fixed,
    /// `%username%` or `%hostname%`, with its `[n]` limit when given.
    Token(Option<usize>),
    /// The trailing `*`: random characters up to the limit.
    Fill,
}

/// Splits a mask into its parts, or says what is wrong.
fn mask_parts(s: &str) -> Result<Vec<MaskPart>, Broken> {
    let help = "use letters, digits and ! @ # $ % ^ & ( ) - _ ' { } . ~, the tokens %username% and \
                %hostname% (each optionally followed by [n]), # for a random digit and a trailing *";
    let mut parts = Vec::new();
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        let token = ["%username%", "%hostname%"].into_iter().find(|t| {
            rest.len() >= t.len()
                && rest.is_char_boundary(t.len())
                && rest[..t.len()].eq_ignore_ascii_case(t)
        });
        if let Some(t) = token {
            rest = &rest[t.len()..];
            let mut limit = None;
            if let Some(tail) = rest.strip_prefix('[') {
                let Some((n, after)) = tail.split_once(']') else {
                    return Err(Broken {
                        expected: "[n] with a closing ]".into(),
                        help: help.into(),
                    });
                };
                match n.parse::<usize>() {
                    Ok(n) if n > 0 && n <= COMPUTER_NAME_MAX => limit = Some(n),
                    _ => {
                        return Err(Broken {
                            expected: format!(
                                "a number from 1 to {COMPUTER_NAME_MAX} inside [n], found {}",
                                echo(&format!("[{n}]"))
                            ),
                            help: help.into(),
                        })
                    }
                }
                rest = after;
            }
            parts.push(MaskPart::Token(limit));
        } else if c == '*' {
            if rest.len() > 1 {
                return Err(Broken {
                    expected: "* only at the end of the mask".into(),
                    help: help.into(),
                });
            }
            rest = &rest[1..];
            parts.push(MaskPart::Fill);
        } else if c.is_ascii_alphanumeric() || "!@#$%^&()-_'{}.~".contains(c) {
            rest = &rest[1..];
            parts.push(MaskPart::Fixed);
        } else {
            return Err(Broken {
                expected: format!("a computer-name character, found {c:?}"),
                help: help.into(),
            });
        }
    }
    Ok(parts)
}

fn computer_name_mask(s: &str) -> Result<(), Broken> {
    length(s, 1, 63)?;
    let parts = mask_parts(s)?;
    let fixed: usize = parts
        .iter()
        .map(|p| match p {
            MaskPart::Fixed => 1,
            MaskPart::Token(n) => n.unwrap_or(0),
            MaskPart::Fill => 0,
        })
        .sum();
    if fixed > COMPUTER_NAME_MAX {
        return broken(
            format!("a mask that makes at most {COMPUTER_NAME_MAX} characters (a Windows computer name), found {fixed}"),
            "shorten the literal part or the [n] limits",
        );
    }
    Ok(())
}

/// Whether a valid mask can make a name longer than Windows allows: a
/// `%username%` or `%hostname%` without `[n]` inserts the whole name.
pub(crate) fn mask_may_exceed_limit(s: &str) -> bool {
    mask_parts(s).is_ok_and(|parts| parts.iter().any(|p| matches!(p, MaskPart::Token(None))))
}

fn http_url(s: &str) -> Result<(), Broken> {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"));
    let host = rest.map(|r| r.split(['/', '?', '#']).next().unwrap_or(""));
    match host {
        Some(h) if !h.is_empty() && !s.contains(char::is_whitespace) => Ok(()),
        _ => broken(
            "an http:// or https:// URL",
            "e.g. \"https://helpdesk.contoso.com/medv\"",
        ),
    }
}

fn url_pattern(s: &str) -> Result<(), Broken> {
    let help =
        "write [http[s]://]host[:port][/path][?query][#fragment]; `*` may stand in the host \
                (*.contoso.com) or after it (/apps/*)";
    if s.is_empty() {
        return broken("a URL pattern, found an empty string", help);
    }
    if let Some(c) = s.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return broken(
            format!("a URL pattern without spaces or control characters, found {c:?}"),
            help,
        );
    }
    let rest = match s.split_once("://") {
        Some(("http" | "https", rest)) => rest,
        Some((scheme, _)) => {
            return broken(
                format!(
                    "http:// or https://, found {}",
                    echo(&format!("{scheme}://"))
                ),
                help,
            )
        }
        None => s,
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    if let Some(port) = port {
        if port != "*" && !matches!(port.parse::<u16>(), Ok(p) if p > 0) {
            return broken(
                format!(
                    "a port from 1 to 65535 after the host, found {}",
                    echo(port)
                ),
                help,
            );
        }
    }
    let host_ok = !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty()
                && label
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '-' || c == '_' || c == '*')
        });
    if !host_ok {
        return broken(format!("a host name, found {}", echo(host)), help);
    }
    Ok(())
}

fn windows_path(s: &str) -> Result<(), Broken> {
    let help =
        r#"write e.g. "C:\\Windows\\Debug\\NetSetup.log" or "%SystemRoot%\\Debug\\NetSetup.log""#;
    let b = s.as_bytes();
    let drive = b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && b[2] == b'\\';
    let unc = s.starts_with(r"\\") && s.len() > 2;
    let var = s.starts_with('%') && s[1..].contains('%');
    if !(drive || unc || var) {
        return broken(
            "a Windows path starting with a drive (C:\\), \\\\server or %VARIABLE%",
            help,
        );
    }
    // After the drive's `C:` or the UNC `\\`; a `%VAR%` may hold any character.
    if let Some(c) = s
        .chars()
        .skip(2)
        .find(|c| "<>\"|?*/".contains(*c) || c.is_control())
    {
        return broken(format!("a Windows path without {c:?}"), help);
    }
    Ok(())
}

fn message_line(s: &str) -> Result<(), Broken> {
    if s.is_empty() || s.contains(['\n', '\r', '\0']) {
        return broken(
            "a non-empty line without line breaks",
            "give each line its own array element; REG_MULTI_SZ cannot hold an empty line, use \" \"",
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(rule: Rule, s: &str) -> bool {
        check(rule, s).is_ok()
    }

    #[test]
    fn names() {
        assert!(ok(Rule::Name, "Contoso Apps (v2)"));
        assert!(ok(Rule::Name, "経理 ワークスペース"));
        assert!(!ok(Rule::Name, ""));
        assert!(!ok(Rule::Name, "a/b"));
        assert!(!ok(Rule::Name, " Contoso"));
        assert!(!ok(Rule::Name, "Contoso "));
        assert!(!ok(Rule::Name, ".."));
        assert!(ok(Rule::Name, &"x".repeat(NAME_MAX)));
        assert!(!ok(Rule::Name, &"x".repeat(NAME_MAX + 1)));
        assert_eq!(NAME_MAX, 45);
        assert!(ok(Rule::InternalName, "contoso_apps-2"));
        assert!(!ok(Rule::InternalName, "contoso apps"));
        assert!(!ok(Rule::InternalName, &"x".repeat(33)));
    }

    #[test]
    fn device_names_are_not_internal_names() {
        for bad in [
            "CON", "con", "Prn", "aux", "NUL", "COM0", "com1", "COM9", "lpt1", "LPT9",
        ] {
            assert!(!ok(Rule::InternalName, bad), "{bad}");
        }
        for good in [
            "CONS", "COM10", "LPT", "COM", "nul_", "console", "com1-x", "COM¹",
        ] {
            // `COM¹` fails for its character, not as a device name.
            assert_eq!(ok(Rule::InternalName, good), good.is_ascii(), "{good}");
        }
    }

    #[test]
    fn versions() {
        assert_eq!(
            parse_version("1.2.65535").ok(),
            Some(Version {
                major: 1,
                minor: 2,
                build: 65535
            })
        );
        for bad in [
            "1.2",
            "256.0.0",
            "1.2.65536",
            "1.2.3.4",
            "a.b.c",
            "1..2",
            "+1.2.3",
        ] {
            assert!(parse_version(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn guids() {
        assert!(parse_guid("{6F1B5C2E-8A43-4D3A-9E7B-2C1D0F4A5B6C}").is_ok());
        assert!(parse_guid("6f1b5c2e-8a43-4d3a-9e7b-2c1d0f4a5b6c").is_ok());
        assert!(parse_guid("6f1b5c2e8a434d3a9e7b2c1d0f4a5b6c").is_err());
        assert!(parse_guid("{00000000-0000-0000-0000-000000000000}").is_err());
    }

    #[test]
    fn times_and_dates() {
        assert!(ok(Rule::Time, "23:59"));
        assert!(!ok(Rule::Time, "24:00"));
        assert!(!ok(Rule::Time, "7:00"));
        assert!(ok(Rule::DateTime, "2028-02-29 18:00"));
        assert!(!ok(Rule::DateTime, "2027-02-29 18:00"));
        assert!(!ok(Rule::DateTime, "2027-01-31T18:00"));
    }

    #[test]
    fn url_patterns() {
        for good in [
            "*.contoso.com",
            "http://intranet/apps/*",
            "https://a.b:8080/x",
            "intranet",
            "http://intranet/app?x=[1]&y=~!@#top",
            "erp.contoso.com/~user/*",
        ] {
            assert!(ok(Rule::UrlPattern, good), "{good}");
        }
        for bad in [
            "ftp://x",
            "a b",
            "a\tb",
            "x\u{7}",
            "",
            "http:///path",
            "a:0",
            "a:99999",
            "[x]",
        ] {
            assert!(!ok(Rule::UrlPattern, bad), "{bad}");
        }
    }

    #[test]
    fn masks_and_paths() {
        assert!(ok(Rule::ComputerNameMask, "MEDV-%username%[4]#*"));
        assert!(ok(Rule::ComputerNameMask, "!@$^&()-_'{}.~%"));
        assert!(!ok(Rule::ComputerNameMask, "MEDV+%user%"));
        assert!(!ok(Rule::ComputerNameMask, "MEDV*x"));
        assert!(!ok(Rule::ComputerNameMask, "%hostname%[0]"));
        // 16 fixed characters: no Windows computer name is that long.
        assert!(!ok(Rule::ComputerNameMask, "ABCDEFGHIJKL%username%[4]"));
        assert!(ok(Rule::ComputerNameMask, "ABCDEFGHIJK%username%[4]"));
        assert!(mask_may_exceed_limit("CTS-%username%#"));
        assert!(!mask_may_exceed_limit("CTS-%username%[8]#"));
        assert!(ok(Rule::WindowsPath, r"C:\Windows\Debug\NetSetup.log"));
        assert!(ok(Rule::WindowsPath, r"%SystemRoot%\Debug\x.log"));
        assert!(ok(Rule::WindowsPath, r"\\server\share\x.log"));
        assert!(!ok(Rule::WindowsPath, "/var/log/x"));
        // A `%VAR%` path with a multi-byte character after the `%` must not panic.
        assert!(ok(Rule::WindowsPath, "%é%\\x.log"));
        assert!(!ok(Rule::WindowsPath, "%é%\\x?.log"));
        assert!(!ok(Rule::MessageLine, ""));
    }
}
