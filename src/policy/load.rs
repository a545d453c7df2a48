//! Reads `workspace.toml` text into a [`Policy`], reporting every problem of the file at once.

use super::assemble::{assemble, Declared};
use super::contract::{self, FIELDS, SECTIONS};
use super::diagnostic::{echo_key, Collector, PolicyError};
use super::fields::{check_value, type_name};
use super::Policy;
use std::path::Path;
use toml::de::{DeTable, DeValue};

/// Parses and checks a policy; `source` names the file in messages and anchors `vhd`.
pub(crate) fn parse(text: &str, source: &Path) -> Result<Policy, PolicyError> {
    let mut diag = Collector::new(text);
    let (doc, errors) = DeTable::parse_recoverable(text);
    for e in &errors {
        let at = e.span().map_or(0, |s| s.start);
        let message = format!("invalid TOML: {}", e.message().trim_end());
        diag.error(at, message, "see https://toml.io for the syntax");
    }
    let policy = if errors.is_empty() {
        let (declared, workspace_at) = walk_sections(doc.get_ref(), &mut diag);
        assemble(&declared, workspace_at, source, &mut diag)
    } else {
        None
    };
    match policy {
        Some(p) if diag.is_empty() => Ok(p),
        _ => {
            if diag.is_empty() {
                // Not reachable by design: never refuse a file without saying why.
                diag.error(
                    0,
                    "the policy was refused without a reason (a bug in wspack)",
                    "please report this with the file attached",
                );
            }
            Err(PolicyError {
                path: source.to_path_buf(),
                diagnostics: diag.into_diagnostics(),
            })
        }
    }
}

/// How many unknown names get a "did you mean" (a file with more is not a typo,
/// and comparing each one costs time).
const SUGGESTIONS: usize = 100;

/// Walks the TOML document, collecting declared fields and problems.
struct Walker<'c, 'a> {
    declared: Vec<Declared>,
    diag: &'c mut Collector<'a>,
    suggestions_left: usize,
}

/// Visits the top-level tables; returns the declared fields and where `[workspace]` starts.
fn walk_sections(doc: &DeTable<'_>, diag: &mut Collector<'_>) -> (Vec<Declared>, Option<usize>) {
    let mut walker = Walker {
        declared: Vec::new(),
        diag,
        suggestions_left: SUGGESTIONS,
    };
    let mut workspace_at = None;
    for (key, value) in doc {
        let section = key.get_ref().as_ref();
        let Some((name, _)) = SECTIONS.iter().find(|(s, _)| *s == section) else {
            let names: Vec<&str> = SECTIONS.iter().map(|(s, _)| *s).collect();
            let message = format!("unknown table [{}]", echo_key(section));
            let help = walker.suggest(section, &names);
            walker.diag.error(key.span().start, message, help);
            continue;
        };
        match value.get_ref() {
            DeValue::Table(table) => {
                if *name == "workspace" {
                    workspace_at = Some(key.span().start);
                }
                walker.walk(name, "", table);
            }
            _ => walker.diag.error(
                key.span().start,
                format!(
                    "`{section}` must be a table, found {}",
                    type_name(value.get_ref())
                ),
                format!("write the keys under a [{section}] header"),
            ),
        }
    }
    (walker.declared, workspace_at)
}

impl Walker<'_, '_> {
    /// Visits one table, recursing into the nested tables the contract knows.
    fn walk(&mut self, section: &'static str, prefix: &str, table: &DeTable<'_>) {
        for (key, value) in table {
            let dotted = format!("{prefix}{}", key.get_ref());
            if let Some(field) = contract::field(section, &dotted) {
                let checked = check_value(field, value, self.diag);
                self.declared.push(Declared {
                    field,
                    at: value.span().start,
                    value: checked,
                });
                continue;
            }
            let nested = format!("{dotted}.");
            let is_parent = FIELDS
                .iter()
                .any(|f| f.section == section && f.key.starts_with(&nested));
            match value.get_ref() {
                DeValue::Table(inner) if is_parent => self.walk(section, &nested, inner),
                _ if is_parent => self.diag.error(
                    value.span().start,
                    format!(
                        "`{section}.{dotted}` must be a table, found {}",
                        type_name(value.get_ref())
                    ),
                    format!("write its keys under a [{section}.{dotted}] header"),
                ),
                _ => {
                    let known: Vec<&str> = FIELDS
                        .iter()
                        .filter(|f| f.section == section)
                        .map(|f| f.key)
                        .collect();
                    let help = self.suggest(&dotted, &known);
                    self.diag.error(
                        key.span().start,
                        format!("unknown key `{}` in [{section}]", echo_key(&dotted)),
                        help,
                    );
                }
            }
        }
    }

    /// Suggests the nearest known name, or lists them when none is near.
    fn suggest(&mut self, found: &str, known: &[&str]) -> String {
        let compare = self.suggestions_left > 0 && found.len() <= SUGGEST_MAX;
        self.suggestions_left = self.suggestions_left.saturating_sub(1);
        let best = known
            .iter()
            .filter(|_| compare)
            .map(|k| (strsim::jaro_winkler(found, k), *k))
            .max_by(|a, b| a.0.total_cmp(&b.0));
        match best {
            Some((score, k)) if score >= 0.8 => format!("did you mean `{k}`?"),
            _ => format!("expected one of: {}", known.join(", ")),
        }
    }
}

/// The longest name compared with the known ones (longer ones are never near).
const SUGGEST_MAX: usize = 64;
