//! The Windows-1252 rule: text that goes into the MSI must fit the database's codepage
//! (msiexec refuses UTF-8 databases, so wspack writes Windows-1252 ones).

use msi::CodePage;

/// How many distinct characters a message names before it only counts them.
const NAMED: usize = 5;

/// Characters of a text that Windows-1252 cannot carry.
pub(crate) struct Outside {
    /// The first few distinct ones, in order of appearance.
    pub first: Vec<char>,
    /// Whether there are more distinct ones than `first` holds.
    pub more: bool,
}

/// Returns the characters of `text` outside Windows-1252, or `None` when it all fits.
pub(crate) fn outside_1252(text: &str) -> Option<Outside> {
    let mut out = Outside {
        first: Vec::new(),
        more: false,
    };
    for c in text.chars().filter(|c| !fits(*c)) {
        if out.first.contains(&c) {
            continue;
        }
        if out.first.len() < NAMED {
            out.first.push(c);
        } else {
            out.more = true;
            break;
        }
    }
    (!out.first.is_empty()).then_some(out)
}

/// Whether `c` survives the round trip through the MSI writer's codepage.
fn fits(c: char) -> bool {
    if c.is_ascii() {
        return c != '\0';
    }
    let mut buf = [0; 4];
    let one = c.encode_utf8(&mut buf);
    let cp = CodePage::Windows1252;
    cp.decode(&cp.encode(one)) == *one
}

impl Outside {
    /// Describes the characters: `'経', '理'`, with `, …` when there are more.
    pub fn describe(&self) -> String {
        let mut named: Vec<String> = self.first.iter().map(|c| format!("{c:?}")).collect();
        if self.more {
            named.push("…".into());
        }
        named.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn western_european_text_fits_and_the_rest_is_named() {
        assert!(outside_1252("Café Zürich – €5 ‰ œ Ÿ").is_none());
        let o = outside_1252("経理 Apps 経").unwrap();
        assert_eq!(o.describe(), "'経', '理'");
        assert_eq!(outside_1252("ł").unwrap().describe(), "'ł'");
        let many = outside_1252(&"日本語の名前".repeat(1000)).unwrap();
        assert_eq!(many.describe(), "'日', '本', '語', 'の', '名', …");
    }
}
