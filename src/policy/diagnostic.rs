//! Policy errors with `file:line:column`, all of a file's problems at once.

use std::fmt;
use std::path::PathBuf;

/// One problem in a policy file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// 1-based line (0 when the problem is the file as a whole).
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong and what was expected.
    pub message: String,
    /// How to fix it.
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

/// Collects diagnostics against one source text, turning byte offsets into lines.
pub(crate) struct Collector<'a> {
    text: &'a str,
    pub diagnostics: Vec<Diagnostic>,
}

impl<'a> Collector<'a> {
    pub fn new(text: &'a str) -> Self {
        Collector {
            text,
            diagnostics: Vec::new(),
        }
    }

    /// Records a problem at byte offset `at`.
    pub fn error(&mut self, at: usize, message: impl Into<String>, help: Option<String>) {
        let (line, column) = line_column(self.text, at);
        self.diagnostics.push(Diagnostic {
            line,
            column,
            message: message.into(),
            help,
        });
    }
}

/// Converts a byte offset into a 1-based line and character column.
pub(crate) fn line_column(text: &str, at: usize) -> (usize, usize) {
    let at = at.min(text.len());
    let before = &text[..floor_char_boundary(text, at)];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_become_lines_and_columns() {
        let text = "a = 1\nbé = 2\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        assert_eq!(line_column(text, 10), (2, 4));
    }
}
