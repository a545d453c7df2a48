//! Policy errors with `file:line:column`, all of a file's problems at once.

use std::fmt;
use std::path::{Path, PathBuf};

/// A place in a policy file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

/// One problem in a policy file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// 1-based line (0 when the problem is the file as a whole).
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong and what was expected.
    pub message: String,
    /// How to fix it (every policy problem has one).
    pub help: Option<String>,
}

/// Every problem found in one policy file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct PolicyError {
    /// The file, as the user named it.
    pub path: PathBuf,
    /// The problems, in file order.
    pub diagnostics: Vec<Diagnostic>,
}

impl PolicyError {
    /// Returns an error with one problem, at `at` or about the whole file.
    pub(crate) fn one(
        path: &Path,
        at: Option<Location>,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Self {
        let at = at.unwrap_or(Location { line: 0, column: 0 });
        PolicyError {
            path: path.to_path_buf(),
            diagnostics: vec![Diagnostic {
                line: at.line,
                column: at.column,
                message: message.into(),
                help: Some(help.into()),
            }],
        }
    }
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                f.write_str("\nerror: ")?;
            }
            write!(f, "{}", self.path.display())?;
            if d.line > 0 {
                write!(f, ":{}:{}", d.line, d.column)?;
            }
            write!(f, ": {}", d.message)?;
            if let Some(help) = &d.help {
                write!(f, "\n  help: {help}")?;
            }
        }
        Ok(())
    }
}

/// Collects problems at byte offsets of one source text; lines and columns are
/// worked out once, in one pass, when the problems are handed over.
pub(crate) struct Collector<'a> {
    text: &'a str,
    found: Vec<(usize, String, String)>,
}

impl<'a> Collector<'a> {
    pub fn new(text: &'a str) -> Self {
        Collector {
            text,
            found: Vec::new(),
        }
    }

    /// Records a problem at byte offset `at`, with how to fix it.
    pub fn error(&mut self, at: usize, message: impl Into<String>, help: impl Into<String>) {
        self.found.push((at, message.into(), help.into()));
    }

    /// Returns the location of byte offset `at`.
    pub fn locate(&self, at: usize) -> Location {
        location(self.text, at)
    }

    /// Whether no problem was recorded.
    pub fn is_empty(&self) -> bool {
        self.found.is_empty()
    }

    /// Returns the problems in file order, located.
    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        let mut found = self.found;
        // Stable: problems at one offset keep the order they were found in.
        found.sort_by_key(|f| f.0);
        let mut cursor = Cursor::new(self.text);
        found
            .into_iter()
            .map(|(at, message, help)| {
                let Location { line, column } = cursor.advance_to(at);
                Diagnostic {
                    line,
                    column,
                    message,
                    help: Some(help),
                }
            })
            .collect()
    }
}

/// Walks a text forward, counting lines and character columns.
struct Cursor<'a> {
    text: &'a str,
    offset: usize,
    at: Location,
}

impl<'a> Cursor<'a> {
    fn new(text: &'a str) -> Self {
        Cursor {
            text,
            offset: 0,
            at: Location { line: 1, column: 1 },
        }
    }

    /// Moves to byte offset `to` (not backwards) and returns its location.
    fn advance_to(&mut self, to: usize) -> Location {
        let mut to = to.min(self.text.len());
        while !self.text.is_char_boundary(to) {
            to -= 1;
        }
        if to > self.offset {
            for c in self.text[self.offset..to].chars() {
                if c == '\n' {
                    self.at = Location {
                        line: self.at.line + 1,
                        column: 1,
                    };
                } else {
                    self.at.column += 1;
                }
            }
            self.offset = to;
        }
        self.at
    }
}

/// Converts a byte offset into a 1-based line and character column.
pub(crate) fn location(text: &str, at: usize) -> Location {
    Cursor::new(text).advance_to(at)
}

/// The longest echo of a value in a message, in characters, before it is cut.
const ECHO_MAX: usize = 60;

/// Quotes a value for a message: control and invisible characters escaped
/// (`\u{1b}`), and a long value cut with `…` and its full length.
pub(crate) fn echo(value: &str) -> String {
    let mut width = 0;
    let mut end = value.len();
    for (i, c) in value.char_indices() {
        width += c.escape_debug().count();
        if width > ECHO_MAX {
            end = i;
            break;
        }
    }
    if end == value.len() {
        return format!("{value:?}");
    }
    let total = value.chars().count();
    format!("{:?}… ({total} characters)", &value[..end])
}

/// Shows a TOML key as written when it is a plain word, else quoted like [`echo`].
pub(crate) fn echo_key(key: &str) -> String {
    let plain = key.len() <= ECHO_MAX
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b));
    if plain {
        key.to_string()
    } else {
        echo(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_become_lines_and_columns() {
        let text = "a = 1\nbé = 2\n";
        let at = |o| {
            let l = location(text, o);
            (l.line, l.column)
        };
        assert_eq!(at(0), (1, 1));
        assert_eq!(at(6), (2, 1));
        assert_eq!(at(10), (2, 4));
        // Inside a character: the character's own column.
        assert_eq!(at(8), (2, 2));
    }

    #[test]
    fn diagnostics_come_back_in_file_order_with_locations() {
        let text = "a\nbb\nccc";
        let mut c = Collector::new(text);
        c.error(6, "third", "h");
        c.error(0, "first", "h");
        c.error(3, "second", "h");
        let d = c.into_diagnostics();
        let got: Vec<_> = d.iter().map(|d| (d.line, d.column, &*d.message)).collect();
        assert_eq!(got, [(1, 1, "first"), (2, 2, "second"), (3, 2, "third")]);
    }

    #[test]
    fn echoes_escape_controls_and_cut_long_values() {
        assert_eq!(echo("a\u{1b}[31mb"), r#""a\u{1b}[31mb""#);
        assert_eq!(echo("\u{202e}x"), r#""\u{202e}x""#);
        let long = echo(&"x".repeat(1 << 20));
        assert_eq!(long, format!("{:?}… (1048576 characters)", "x".repeat(60)));
        let escapes = echo(&"\u{7}".repeat(100));
        let quoted = escapes.split('…').next().unwrap();
        assert!(quoted.len() <= ECHO_MAX + 2, "{escapes}");
        assert!(escapes.ends_with("… (100 characters)"), "{escapes}");
        assert_eq!(echo_key("memory.host_mb"), "memory.host_mb");
        assert_eq!(echo_key("a\nb"), r#""a\nb""#);
    }
}
