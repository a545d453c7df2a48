//! The column data types of Windows Installer ("Column Data Types"), as checks.

/// Checks `value` against a `_Validation` category; `Err` says what is wrong.
pub fn check_category(category: &str, value: &str) -> Result<(), String> {
    let ok = match category {
        "Text" | "Binary" | "Path" | "Paths" | "AnyPath" | "Cabinet" | "Shortcut"
        | "CustomSource" | "Time/Date" => true,
        "UpperCase" => !value.chars().any(|c| c.is_ascii_lowercase()),
        "LowerCase" => !value.chars().any(|c| c.is_ascii_uppercase()),
        "Integer" => value.parse::<i16>().is_ok(),
        "DoubleInteger" => value.parse::<i32>().is_ok(),
        "Identifier" => is_identifier(value),
        "Property" => is_identifier(value.strip_prefix('%').unwrap_or(value)),
        "GUID" => is_guid(value),
        "Version" => is_version(value),
        "Language" => value.split(',').all(|p| p.trim().parse::<u16>().is_ok()),
        "Filename" => return check_filename(value, false),
        "WildCardFilename" => return check_filename(value, true),
        "DefaultDir" => return check_default_dir(value),
        "RegPath" => !value.starts_with('\\'),
        "Condition" => balanced_condition(value),
        "Formatted" | "FormattedSDDLText" | "KeyFormatted" | "Template" => balanced_brackets(value),
        other => return Err(format!("unknown category '{other}' in _Validation")),
    };
    if ok {
        Ok(())
    } else {
        Err(format!("'{value}' is not a valid {category}"))
    }
}

/// `[A-Za-z_][A-Za-z0-9_.]*`.
pub fn is_identifier(value: &str) -> bool {
    let mut chars = value.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

/// `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}` in uppercase.
pub fn is_guid(value: &str) -> bool {
    value.len() == 38
        && value.starts_with('{')
        && value.ends_with('}')
        && !value.chars().any(|c| c.is_ascii_lowercase())
        && uuid::Uuid::parse_str(&value[1..37]).is_ok()
}

/// Up to four dot-separated numbers, each at most 65535.
pub fn is_version(value: &str) -> bool {
    let parts: Vec<&str> = value.split('.').collect();
    parts.len() <= 4 && parts.iter().all(|p| p.parse::<u16>().is_ok())
}

/// A ProductVersion: `major.minor.build[.x]`, major and minor ≤ 255.
pub fn product_version(value: &str) -> Option<[u32; 3]> {
    let parts: Vec<&str> = value.split('.').collect();
    if !(2..=4).contains(&parts.len()) {
        return None;
    }
    let nums: Vec<u32> = parts
        .iter()
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let build = nums.get(2).copied().unwrap_or(0);
    (nums[0] <= 255 && nums[1] <= 255 && build <= 65535).then_some([nums[0], nums[1], build])
}

/// Characters no file name may hold.
const BAD_LONG: &[char] = &['\\', '?', '|', '>', '<', ':', '/', '*', '"'];
/// Further characters a short (8.3) name may not hold.
const BAD_SHORT: &[char] = &[' ', '+', ',', ';', '=', '[', ']'];

/// A short name: at most 8 characters, optionally a dot and at most 3 more.
pub fn is_short_name(name: &str, wildcards: bool) -> bool {
    let allowed = |c: char| {
        !c.is_control()
            && !BAD_SHORT.contains(&c)
            && (!BAD_LONG.contains(&c) || (wildcards && (c == '?' || c == '*')))
    };
    let (base, ext) = match name.split_once('.') {
        Some((b, e)) => (b, Some(e)),
        None => (name, None),
    };
    !base.is_empty()
        && base.chars().count() <= 8
        && ext.is_none_or(|e| e.chars().count() <= 3 && !e.contains('.'))
        && name.chars().all(allowed)
}

/// A long name: no reserved characters, not only dots and spaces.
pub fn is_long_name(name: &str, wildcards: bool) -> bool {
    !name.is_empty()
        && name.chars().count() <= 255
        && !name.chars().all(|c| c == '.' || c == ' ')
        && name.chars().all(|c| {
            !c.is_control() && (!BAD_LONG.contains(&c) || (wildcards && (c == '?' || c == '*')))
        })
}

/// `short` or `short|long`.
pub fn check_filename(value: &str, wildcards: bool) -> Result<(), String> {
    let kind = if wildcards {
        "WildCardFilename"
    } else {
        "Filename"
    };
    match value.split_once('|') {
        Some((short, long)) => {
            if !is_short_name(short, wildcards) {
                return Err(format!(
                    "'{short}' in '{value}' is not a valid short (8.3) {kind}"
                ));
            }
            if !is_long_name(long, wildcards) {
                return Err(format!("'{long}' in '{value}' is not a valid long {kind}"));
            }
            Ok(())
        }
        None if is_short_name(value, wildcards) => Ok(()),
        None => Err(format!(
            "'{value}' is not a valid {kind}: a name longer than 8.3 needs the SHORT~1|long form"
        )),
    }
}

/// `target[:source]`, each `.` or a Filename; a root's `SourceDir` is allowed.
pub fn check_default_dir(value: &str) -> Result<(), String> {
    for part in value.split(':') {
        let root = part.eq_ignore_ascii_case("SourceDir") || part.eq_ignore_ascii_case("TARGETDIR");
        if part == "." || root {
            continue;
        }
        check_filename(part, false)?;
    }
    Ok(())
}

/// Quotes paired and parentheses balanced (outside quotes).
fn balanced_condition(value: &str) -> bool {
    let mut depth = 0i32;
    let mut quoted = false;
    for c in value.chars() {
        match c {
            '"' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => depth -= 1,
            _ => {}
        }
        if depth < 0 {
            return false;
        }
    }
    depth == 0 && !quoted
}

/// Square and curly brackets balanced, `[\x]` escapes allowed.
fn balanced_brackets(value: &str) -> bool {
    let mut stack = Vec::new();
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '[' if chars.peek() == Some(&'\\') => {
                chars.next();
                chars.next();
                if chars.next() != Some(']') {
                    return false;
                }
            }
            '[' | '{' => stack.push(c),
            ']' if stack.pop() != Some('[') => return false,
            '}' if stack.pop() != Some('{') => return false,
            _ => {}
        }
    }
    stack.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filenames() {
        assert!(check_filename("contoso.vhd", false).is_ok());
        assert!(check_filename("CONTOS~1.VHD|contoso-finance.vhd", false).is_ok());
        assert!(check_filename("contoso.vhd.wspack-journal", true).is_err());
        assert!(check_filename("CONTOS~1.WSP|contoso.vhd.wspack-journal", true).is_ok());
        assert!(check_filename("*.tmp", true).is_ok());
        assert!(check_filename("*.tmp", false).is_err());
        assert!(check_filename("a b.txt", false).is_err());
    }

    #[test]
    fn brackets_and_conditions() {
        assert!(balanced_brackets("[INSTALLDIR][\\[]x{[A]}"));
        assert!(!balanced_brackets("[INSTALLDIR"));
        assert!(balanced_condition("REMOVE~=\"ALL\" AND (A OR B)"));
        assert!(!balanced_condition("(A"));
    }

    #[test]
    fn versions_and_guids() {
        assert_eq!(product_version("1.2.3"), Some([1, 2, 3]));
        assert_eq!(product_version("256.0.0"), None);
        assert!(is_guid("{6F1B5C2E-8A43-4D3A-9E7B-2C1D0F4A5B6C}"));
        assert!(!is_guid("{6f1b5c2e-8a43-4d3a-9e7b-2c1d0f4a5b6c}"));
    }
}
