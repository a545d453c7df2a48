//! The `SHORT|long` form Windows Installer's Filename columns need for names
//! longer than 8.3 (validation's ICE03 refuses a bare long name).

use sha2::{Digest, Sha256};

/// Characters an 8.3 name may hold besides ASCII letters and digits.
const SHORT_EXTRA: &str = "-_!#$%&'()@^{}~";

/// Returns `name` itself when it is a valid 8.3 name, else `SHORT~XXX.EXT|name`.
///
/// The short part is the stem's first four usable characters, `~`, three hex
/// digits of the name's SHA-256 (so the names of one folder get distinct short
/// names, the same every build) and the extension's first three characters.
pub fn short_long(name: &str) -> String {
    if is_short(name) {
        return name.to_string();
    }
    let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
    let usable = |s: &str, n: usize| -> String {
        s.chars()
            .filter(|c| c.is_ascii_alphanumeric() || SHORT_EXTRA.contains(*c))
            .take(n)
            .collect::<String>()
            .to_ascii_uppercase()
    };
    let hash = Sha256::digest(name.as_bytes());
    let tag = format!("{:02X}{:X}", hash[0], hash[1] >> 4);
    let ext = usable(ext, 3);
    let dot = if ext.is_empty() { "" } else { "." };
    format!("{}~{tag}{dot}{ext}|{name}", usable(stem, 4))
}

fn is_short(name: &str) -> bool {
    let (stem, ext) = name.split_once('.').unwrap_or((name, ""));
    let usable = |s: &str| {
        s.chars()
            .all(|c| c.is_ascii_alphanumeric() || SHORT_EXTRA.contains(c))
    };
    (1..=8).contains(&stem.len())
        && ext.len() <= 3
        && !ext.contains('.')
        && usable(stem)
        && usable(ext)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_stay_and_long_names_get_a_short_part() {
        assert_eq!(short_long("contoso.vhd"), "contoso.vhd");
        let journal = short_long("contoso.vhd.wspack-journal");
        assert!(
            journal.ends_with("|contoso.vhd.wspack-journal"),
            "{journal}"
        );
        let (short, _) = journal.split_once('|').unwrap();
        assert!(
            short.starts_with("CONT~") && short.ends_with(".WSP"),
            "{short}"
        );
        let old = short_long("contoso.vhd.wspack-old");
        assert_ne!(old.split('|').next(), Some(short), "distinct short names");
        assert_eq!(
            short_long("contoso-fin.vhd").split('|').nth(1),
            Some("contoso-fin.vhd")
        );
        assert_eq!(
            short_long("a b"),
            format!("AB~{}|a b", &short_long("a b")[3..6])
        );
    }

    #[test]
    fn every_form_passes_the_filename_check() {
        for name in [
            "contoso.vhd",
            "contoso-finance.vhd",
            "x.vhd.wspack-tmp",
            "noext-longname",
            "é.txt",
        ] {
            let value = short_long(name);
            assert!(crate::validate::is_valid_filename(&value, true), "{value}");
            assert!(crate::validate::is_valid_filename(&value, false), "{value}");
        }
    }
}
