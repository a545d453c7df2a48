//! `wspack validate`: ICE-style checks on any MSI, not just wspack's.
//!
//! Each rule follows the essential check of its ICE in Microsoft's "ICE Reference"
//! and reports a [`Finding`] with the ICE number, the table, the row's primary key
//! and a sentence. Errors make `validate` exit 1; warnings are reported only.
//!
//! Implemented: ICE02, 03, 06, 08, 09, 12, 16, 18, 21, 24, 26, 27, 30, 33, 38, 40,
//! 45, 46, 57, 61, 63, 64, 67, 68, 77, 80, 82, 90, 91. What is left out:
//! - ICE03 reads the column rules from the package's own `_Validation` table, over
//!   built-in rules for the main columns of the standard tables (Orca merges
//!   Microsoft's darice.cub instead, which knows every column); the Condition, Formatted and Template
//!   checks only look for unbalanced quotes, parentheses and brackets; the Path,
//!   Paths, AnyPath, Cabinet, Shortcut and CustomSource categories are not checked.
//! - ICE26 and ICE27 know the standard actions and the orderings listed in the
//!   docs, not darice.cub's full `_Sequence` table.
//! - ICE30 compares long and short names without evaluating properties; it does
//!   not tell conditional components apart (every collision is an error).
//! - ICE40's obsolete "Error table is missing" warning is not posted; ICE45 checks
//!   Feature, File, RemoveFile, MoveFile, ServiceControl, Dialog and TextStyle
//!   (not Control, BBControl, ODBC, Patch, ModuleConfiguration).
//! - ICE46 looks at conditions and `[Property]` references in formatted text.
//! - ICE57 and ICE67 report one error per component or shortcut, not Orca's
//!   error/warning split by key path.

mod components;
pub mod db;
mod ice03;
mod product;
mod schema;
mod sequences;
#[cfg(test)]
mod tests;
mod types;
mod upgrade;

use serde::Serialize;
use std::fmt;
use std::io;
use std::path::Path;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Breaks installation or servicing: exit 1.
    Error,
    /// Worth fixing; does not fail.
    Warning,
}

/// One problem found in the database.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Finding {
    /// The ICE number, e.g. 3 for ICE03.
    pub ice: u16,
    /// Error or warning.
    pub severity: Severity,
    /// The table the finding is about.
    pub table: String,
    /// The row's primary key (key columns joined by `.`), empty for a whole table.
    pub row: String,
    /// What is wrong, in one sentence.
    pub message: String,
}

impl Finding {
    /// An error finding.
    pub fn error(ice: u16, table: &str, row: impl Into<String>, message: String) -> Finding {
        Finding {
            ice,
            severity: Severity::Error,
            table: table.to_string(),
            row: row.into(),
            message,
        }
    }

    /// A warning finding.
    pub fn warning(ice: u16, table: &str, row: impl Into<String>, message: String) -> Finding {
        Finding {
            severity: Severity::Warning,
            ..Finding::error(ice, table, row, message)
        }
    }

    /// `ICE03`, as the ICE reference names it.
    pub fn ice_name(&self) -> String {
        format!("ICE{:02}", self.ice)
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{} {kind}: {}", self.ice_name(), self.table)?;
        if !self.row.is_empty() {
            write!(f, " row '{}'", self.row)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// The findings for one MSI, sorted by ICE number, table and row.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The MSI's path as given.
    pub file: String,
    /// Every finding.
    pub findings: Vec<Finding>,
}

impl Report {
    /// Whether any finding is an error.
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    /// Counts of (errors, warnings).
    pub fn counts(&self) -> (usize, usize) {
        let errors = self
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count();
        (errors, self.findings.len() - errors)
    }

    /// The report as one JSON object.
    pub fn to_json(&self) -> serde_json::Value {
        let (errors, warnings) = self.counts();
        serde_json::json!({
            "file": self.file,
            "errors": errors,
            "warnings": warnings,
            "findings": self.findings,
        })
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for finding in &self.findings {
            writeln!(f, "{finding}")?;
        }
        let (errors, warnings) = self.counts();
        writeln!(f, "{}: {errors} error(s), {warnings} warning(s)", self.file)
    }
}

/// Validates the MSI at `path`. A file that is not a readable MSI is invalid input.
pub fn validate(path: &Path) -> crate::Result<Report> {
    let file = std::fs::File::open(path).map_err(|source| crate::Error::Input {
        what: "open the MSI",
        path: path.to_path_buf(),
        source,
        help: "pass the path of an .msi file",
    })?;
    let db = read_contained(file).map_err(|source| crate::Error::MsiRead {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(Report {
        file: path.display().to_string(),
        findings: check(&db),
    })
}

/// Validates an MSI held in memory (the build checks its own MSI this way).
pub fn validate_bytes(bytes: &[u8]) -> io::Result<Vec<Finding>> {
    let db = read_contained(io::Cursor::new(bytes))?;
    Ok(check(&db))
}

/// Reads the database, turning a panic in the `msi` crate into an error.
fn read_contained<F: io::Read + io::Seek>(inner: F) -> io::Result<db::Database> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| db::read(inner))).unwrap_or_else(
        |_| {
            Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "the MSI database is malformed (its tables could not be read)",
            ))
        },
    )
}

/// Whether `value` is a valid Filename (or, with `wildcards`, WildCardFilename) cell.
pub fn is_valid_filename(value: &str, wildcards: bool) -> bool {
    types::check_filename(value, wildcards).is_ok()
}

/// Runs every rule.
pub fn check(db: &db::Database) -> Vec<Finding> {
    let mut findings = Vec::new();
    findings.extend(ice03::check(db));
    findings.extend(components::check(db));
    findings.extend(sequences::check(db));
    findings.extend(product::check(db));
    findings.sort();
    findings.dedup();
    findings
}
