//! Checks one TOML value against its contract field, into a typed value.

use super::codepage::outside_1252;
use super::contract::{Field, Kind, Rule};
use super::diagnostic::{echo, Collector};
use super::rules::{self, Parsed};
use super::Version;
use std::collections::HashSet;
use toml::de::DeValue;
use toml::Spanned;

/// A value that passed its field's checks.
pub(crate) enum Checked {
    Dword(u32),
    Text(String),
    Version(Version),
    Guid(uuid::Uuid),
    Lines(Vec<String>),
    Ints(Vec<u32>),
}

/// Names a TOML value's type for messages.
pub(crate) fn type_name(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// A TOML integer: its value, or its digits when it does not fit an i128.
enum Integer<'a> {
    Value(i128),
    Huge(&'a str),
}

fn integer<'a>(v: &'a DeValue<'_>) -> Option<Integer<'a>> {
    match v {
        DeValue::Integer(i) => Some(
            i128::from_str_radix(i.as_str(), i.radix())
                .map_or(Integer::Huge(i.as_str()), Integer::Value),
        ),
        _ => None,
    }
}

/// One field's checks, recording problems into a collector.
struct FieldCheck<'f, 'c, 'a> {
    field: &'f Field,
    /// `section.key`, as messages name the field.
    name: String,
    diag: &'c mut Collector<'a>,
}

/// Checks one value against its field; records a diagnostic and returns `None` on failure.
pub(crate) fn check_value(
    field: &Field,
    value: &Spanned<DeValue<'_>>,
    diag: &mut Collector<'_>,
) -> Option<Checked> {
    let mut c = FieldCheck {
        field,
        name: format!("{}.{}", field.section, field.key),
        diag,
    };
    let at = value.span().start;
    let v = value.get_ref();
    match field.kind {
        Kind::Bool => match v {
            DeValue::Boolean(b) => Some(Checked::Dword(u32::from(*b))),
            _ => c.wrong_type(at, v, "true or false", "true"),
        },
        Kind::Int { min, max } => match integer(v) {
            Some(n) => c.in_range(at, n, min, max, "").map(Checked::Dword),
            None => c.wrong_type(at, v, "an integer", field.example),
        },
        Kind::Choice(words) => match v {
            DeValue::String(s) => c.choice(at, s, words).map(Checked::Text),
            _ => c.wrong_type(at, v, "a string", field.example),
        },
        Kind::Text(rule) => match v {
            DeValue::String(s) => c.text(at, rule, s, ""),
            _ => c.wrong_type(at, v, "a string", field.example),
        },
        Kind::Lines(rule) => match v {
            DeValue::Array(items) => c.lines(at, rule, items).map(Checked::Lines),
            _ => c.wrong_type(at, v, "an array of strings", field.example),
        },
        Kind::IntList { min, max } => match v {
            DeValue::Array(items) => c.ints(at, items, min, max).map(Checked::Ints),
            _ => c.wrong_type(at, v, "an array of integers", field.example),
        },
    }
}

impl FieldCheck<'_, '_, '_> {
    fn short_key(&self) -> &'static str {
        self.field.key.rsplit('.').next().unwrap_or(self.field.key)
    }

    fn wrong_type<T>(
        &mut self,
        at: usize,
        v: &DeValue<'_>,
        expected: &str,
        example: &str,
    ) -> Option<T> {
        let message = format!("`{}` must be {expected}, found {}", self.name, type_name(v));
        let help = format!("write e.g. {} = {example}", self.short_key());
        self.diag.error(at, message, help);
        None
    }

    fn range_help(&self, min: u32, max: u32) -> String {
        match self.field.default {
            Some(d) => {
                format!("use a value from {min} to {max}, or remove the key for the default {d}")
            }
            None => format!("use a value from {min} to {max}"),
        }
    }

    /// Checks an integer against `min..=max`; `entry` is " entry" inside a list.
    fn in_range(
        &mut self,
        at: usize,
        n: Integer<'_>,
        min: u32,
        max: u32,
        entry: &str,
    ) -> Option<u32> {
        let shown = match n {
            Integer::Value(n) if n >= i128::from(min) && n <= i128::from(max) => {
                return u32::try_from(n).ok()
            }
            Integer::Value(n) => n.to_string(),
            Integer::Huge(digits) => {
                // Digits only (the TOML parser checked them): cut, not escaped.
                let head: String = digits.chars().take(20).collect();
                format!("{head}… ({} digits)", digits.len())
            }
        };
        let is = if entry.is_empty() { " =" } else { entry };
        let message = format!("{}{is} {shown} is out of range {min}–{max}", self.name);
        let help = self.range_help(min, max);
        self.diag.error(at, message, help);
        None
    }

    fn choice(&mut self, at: usize, s: &str, words: &[(&str, &'static str)]) -> Option<String> {
        if let Some((_, reg)) = words.iter().find(|(w, _)| *w == s) {
            return Some((*reg).to_string());
        }
        let names: Vec<String> = words.iter().map(|(w, _)| format!("\"{w}\"")).collect();
        let message = format!(
            "{} = {} is not one of {}",
            self.name,
            echo(s),
            names.join(", ")
        );
        self.diag
            .error(at, message, format!("use one of {}", names.join(", ")));
        None
    }

    /// Checks a string: its rule, then what every text needs (no control characters,
    /// Windows-1252 when it goes into the MSI). `entry` is " entry" inside a list.
    fn text(&mut self, at: usize, rule: Rule, s: &str, entry: &str) -> Option<Checked> {
        let shown = if entry.is_empty() {
            format!("{} = {}", self.name, echo(s))
        } else {
            format!("{}{entry} {}", self.name, echo(s))
        };
        let parsed = match rules::check(rule, s) {
            Ok(parsed) => parsed,
            Err(b) => {
                self.diag
                    .error(at, format!("{shown}: expected {}", b.expected), b.help);
                return None;
            }
        };
        if let Some(c) = s.chars().find(|c| c.is_control()) {
            self.diag.error(
                at,
                format!("{shown}: a control character {c:?} can't be part of this value"),
                "remove it: policy values are plain text (a TOML escape such as \\u001b or \\t writes one)",
            );
            return None;
        }
        if rule.goes_into_msi() {
            if let Some(outside) = outside_1252(s) {
                self.diag.error(
                    at,
                    format!(
                        "{shown}: {} can't be written in an MSI with codepage Windows-1252",
                        outside.describe()
                    ),
                    "wspack writes Windows-1252 MSIs (msiexec refuses UTF-8 databases): \
                     use Western European characters in this value",
                );
                return None;
            }
        }
        Some(match parsed {
            Parsed::Text => Checked::Text(s.to_string()),
            Parsed::Version(v) => Checked::Version(v),
            Parsed::Guid(g) => Checked::Guid(g),
        })
    }

    fn lines(
        &mut self,
        at: usize,
        rule: Rule,
        items: &[Spanned<DeValue<'_>>],
    ) -> Option<Vec<String>> {
        if items.is_empty() {
            let message = format!("`{}` is empty", self.name);
            self.diag
                .error(at, message, "give at least one entry, or remove the key");
            return None;
        }
        let mut lines: Vec<String> = Vec::with_capacity(items.len());
        // URL patterns compare without case (ASCII, as the agent matches host names).
        let mut seen: HashSet<String> = HashSet::new();
        let mut ok = true;
        for item in items {
            let item_at = item.span().start;
            let DeValue::String(s) = item.get_ref() else {
                let message = format!(
                    "`{}` entries must be strings, found {}",
                    self.name,
                    type_name(item.get_ref())
                );
                self.diag.error(item_at, message, "quote each entry");
                ok = false;
                continue;
            };
            if self.text(item_at, rule, s, " entry").is_none() {
                ok = false;
            } else if rule == Rule::UrlPattern && !seen.insert(s.to_ascii_lowercase()) {
                let message = format!("{} lists {} twice", self.name, echo(s));
                self.diag.error(item_at, message, "remove the duplicate");
                ok = false;
            } else {
                lines.push(s.to_string());
            }
        }
        ok.then_some(lines)
    }

    fn ints(
        &mut self,
        at: usize,
        items: &[Spanned<DeValue<'_>>],
        min: u32,
        max: u32,
    ) -> Option<Vec<u32>> {
        let mut nums = Vec::with_capacity(items.len());
        for item in items {
            let item_at = item.span().start;
            let Some(n) = integer(item.get_ref()) else {
                let message = format!(
                    "`{}` entries must be integers, found {}",
                    self.name,
                    type_name(item.get_ref())
                );
                let help = format!("write e.g. {} = {}", self.short_key(), self.field.example);
                self.diag.error(item_at, message, help);
                return None;
            };
            nums.push(self.in_range(item_at, n, min, max, " entry")?);
        }
        if nums.is_empty() || nums.windows(2).any(|w| w[0] >= w[1]) {
            let message = format!(
                "`{}` must be a non-empty list in ascending order",
                self.name
            );
            self.diag
                .error(at, message, format!("e.g. {}", self.field.example));
            return None;
        }
        Some(nums)
    }
}
