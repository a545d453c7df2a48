//! Reads `workspace.toml` into a [`Policy`], reporting every problem of the file at once.

use super::contract::{self, Field, Kind, Rule, Target, FIELDS, MEMORY_CALC, SECTIONS};
use super::diagnostic::{Collector, PolicyError};
use super::rules;
use super::{Policy, RegData, RegValue, Workspace};
use std::path::Path;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// A declared field and its checked value (`None` when the check failed).
struct Declared {
    field: &'static Field,
    at: usize,
    value: Option<Checked>,
}

/// A value that passed its field's checks.
enum Checked {
    Dword(u32),
    Text(String),
    Lines(Vec<String>),
    Ints(Vec<u32>),
}

/// Parses and checks a policy; `source` names the file in messages and anchors `vhd`.
pub(crate) fn parse(text: &str, source: &Path) -> Result<Policy, PolicyError> {
    let mut diag = Collector::new(text);
    let (doc, errors) = DeTable::parse_recoverable(text);
    for e in &errors {
        let at = e.span().map_or(0, |s| s.start);
        let message = format!("invalid TOML: {}", e.message().trim_end());
        diag.error(
            at,
            message,
            Some("see https://toml.io for the syntax".into()),
        );
    }
    let mut declared = Vec::new();
    let mut workspace_at = None;
    if errors.is_empty() {
        for (key, value) in doc.get_ref() {
            let section = key.get_ref().as_ref();
            let Some((name, _)) = SECTIONS.iter().find(|(s, _)| *s == section) else {
                let names: Vec<&str> = SECTIONS.iter().map(|(s, _)| *s).collect();
                diag.error(
                    key.span().start,
                    format!("unknown table [{section}]"),
                    suggest(section, &names),
                );
                continue;
            };
            match value.get_ref() {
                DeValue::Table(table) => {
                    if *name == "workspace" {
                        workspace_at = Some(key.span().start);
                    }
                    walk(name, "", table, &mut declared, &mut diag);
                }
                _ => diag.error(
                    key.span().start,
                    format!(
                        "`{section}` must be a table, found {}",
                        type_name(value.get_ref())
                    ),
                    Some(format!("write the keys under a [{section}] header")),
                ),
            }
        }
    }
    let policy = if errors.is_empty() {
        assemble(declared, workspace_at, source, &mut diag)
    } else {
        None
    };
    diag.diagnostics.sort_by_key(|d| (d.line, d.column));
    match policy {
        Some(p) if diag.diagnostics.is_empty() => Ok(p),
        _ => Err(PolicyError {
            path: source.to_path_buf(),
            diagnostics: diag.diagnostics,
        }),
    }
}

/// Visits one table, recursing into the nested tables the contract knows.
fn walk(
    section: &'static str,
    prefix: &str,
    table: &DeTable<'_>,
    declared: &mut Vec<Declared>,
    diag: &mut Collector<'_>,
) {
    for (key, value) in table {
        let dotted = format!("{prefix}{}", key.get_ref());
        if let Some(field) = contract::field(section, &dotted) {
            declared.push(Declared {
                field,
                at: value.span().start,
                value: check_value(field, value, diag),
            });
            continue;
        }
        let nested = format!("{dotted}.");
        let is_parent = FIELDS
            .iter()
            .any(|f| f.section == section && f.key.starts_with(&nested));
        match value.get_ref() {
            DeValue::Table(inner) if is_parent => walk(section, &nested, inner, declared, diag),
            _ if is_parent => diag.error(
                value.span().start,
                format!(
                    "`{section}.{dotted}` must be a table, found {}",
                    type_name(value.get_ref())
                ),
                Some(format!(
                    "write its keys under a [{section}.{dotted}] header"
                )),
            ),
            _ => {
                let known: Vec<&str> = FIELDS
                    .iter()
                    .filter(|f| f.section == section)
                    .map(|f| f.key)
                    .collect();
                diag.error(
                    key.span().start,
                    format!("unknown key `{dotted}` in [{section}]"),
                    suggest(&dotted, &known),
                );
            }
        }
    }
}

/// Suggests the nearest known name, or lists them when none is near.
fn suggest(found: &str, known: &[&str]) -> Option<String> {
    let best = known
        .iter()
        .map(|k| (strsim::jaro_winkler(found, k), *k))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match best {
        Some((score, k)) if score >= 0.8 => Some(format!("did you mean `{k}`?")),
        _ => Some(format!("expected one of: {}", known.join(", "))),
    }
}

fn type_name(v: &DeValue<'_>) -> &'static str {
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

fn integer(v: &DeValue<'_>) -> Option<i128> {
    match v {
        DeValue::Integer(i) => i128::from_str_radix(i.as_str(), i.radix()).ok(),
        _ => None,
    }
}

/// Checks one value against its field; records a diagnostic and returns `None` on failure.
fn check_value(
    field: &Field,
    value: &Spanned<DeValue<'_>>,
    diag: &mut Collector<'_>,
) -> Option<Checked> {
    let name = format!("{}.{}", field.section, field.key);
    let at = value.span().start;
    let v = value.get_ref();
    let mut wrong_type = |expected: &str, example: &str| {
        diag.error(
            at,
            format!("`{name}` must be {expected}, found {}", type_name(v)),
            Some(format!(
                "write e.g. {} = {example}",
                field.key.rsplit('.').next().unwrap_or(field.key)
            )),
        );
        None
    };
    match field.kind {
        Kind::Bool => match v {
            DeValue::Boolean(b) => Some(Checked::Dword(u32::from(*b))),
            _ => wrong_type("true or false", "true"),
        },
        Kind::Int { min, max } => {
            let Some(n) = integer(v) else {
                return wrong_type("an integer", field.example);
            };
            if n < i128::from(min) || n > i128::from(max) {
                diag.error(
                    at,
                    format!("{name} = {n} is out of range {min}–{max}"),
                    Some(range_help(field, min, max)),
                );
                return None;
            }
            Some(Checked::Dword(n as u32))
        }
        Kind::Choice(words) => {
            let DeValue::String(s) = v else {
                return wrong_type("a string", field.example);
            };
            match words.iter().find(|(w, _)| *w == s.as_ref()) {
                Some((_, reg)) => Some(Checked::Text((*reg).to_string())),
                None => {
                    let names: Vec<String> =
                        words.iter().map(|(w, _)| format!("\"{w}\"")).collect();
                    diag.error(
                        at,
                        format!("{name} = {s:?} is not one of {}", names.join(", ")),
                        Some(format!("use one of {}", names.join(", "))),
                    );
                    None
                }
            }
        }
        Kind::Text(rule) => {
            let DeValue::String(s) = v else {
                return wrong_type("a string", field.example);
            };
            match rules::check(rule, s) {
                Ok(()) => Some(Checked::Text(s.to_string())),
                Err(b) => {
                    diag.error(
                        at,
                        format!("{name} = {s:?}: expected {}", b.expected),
                        Some(b.help),
                    );
                    None
                }
            }
        }
        Kind::Lines(rule) => {
            let DeValue::Array(items) = v else {
                return wrong_type("an array of strings", field.example);
            };
            if items.is_empty() {
                diag.error(
                    at,
                    format!("`{name}` is empty"),
                    Some("give at least one entry, or remove the key".into()),
                );
                return None;
            }
            let mut lines: Vec<String> = Vec::new();
            let mut ok = true;
            for item in items {
                let item_at = item.span().start;
                let DeValue::String(s) = item.get_ref() else {
                    diag.error(
                        item_at,
                        format!(
                            "`{name}` entries must be strings, found {}",
                            type_name(item.get_ref())
                        ),
                        Some("quote each entry".into()),
                    );
                    ok = false;
                    continue;
                };
                if let Err(b) = rules::check(rule, s) {
                    diag.error(
                        item_at,
                        format!("{name} entry {s:?}: expected {}", b.expected),
                        Some(b.help),
                    );
                    ok = false;
                } else if rule == Rule::UrlPattern
                    && lines.iter().any(|l| l.eq_ignore_ascii_case(s))
                {
                    diag.error(
                        item_at,
                        format!("{name} lists {s:?} twice"),
                        Some("remove the duplicate".into()),
                    );
                    ok = false;
                } else {
                    lines.push(s.to_string());
                }
            }
            ok.then_some(Checked::Lines(lines))
        }
        Kind::IntList { min, max } => {
            let DeValue::Array(items) = v else {
                return wrong_type("an array of integers", field.example);
            };
            let mut nums = Vec::new();
            for item in items {
                match integer(item.get_ref()) {
                    Some(n) if n >= i128::from(min) && n <= i128::from(max) => nums.push(n as u32),
                    Some(n) => {
                        diag.error(
                            item.span().start,
                            format!("{name} entry {n} is out of range {min}–{max}"),
                            Some(range_help(field, min, max)),
                        );
                        return None;
                    }
                    None => {
                        diag.error(
                            item.span().start,
                            format!(
                                "`{name}` entries must be integers, found {}",
                                type_name(item.get_ref())
                            ),
                            Some(format!(
                                "write e.g. {} = {}",
                                field.key.rsplit('.').next().unwrap_or(field.key),
                                field.example
                            )),
                        );
                        return None;
                    }
                }
            }
            if nums.is_empty() || nums.windows(2).any(|w| w[0] >= w[1]) {
                diag.error(
                    at,
                    format!("`{name}` must be a non-empty list in ascending order"),
                    Some(format!("e.g. {}", field.example)),
                );
                return None;
            }
            Some(Checked::Ints(nums))
        }
    }
}

fn range_help(field: &Field, min: u32, max: u32) -> String {
    match field.default {
        Some(d) => {
            format!("use a value from {min} to {max}, or remove the key for the default {d}")
        }
        None => format!("use a value from {min} to {max}"),
    }
}

/// Builds the policy from checked fields; adds the cross-field problems.
fn assemble(
    declared: Vec<Declared>,
    workspace_at: Option<usize>,
    source: &Path,
    diag: &mut Collector<'_>,
) -> Option<Policy> {
    let get = |key: &str| {
        declared
            .iter()
            .find(|d| d.field.section == "workspace" && d.field.key == key)
    };
    let text = |key: &str| match get(key).and_then(|d| d.value.as_ref()) {
        Some(Checked::Text(s)) => Some(s.clone()),
        _ => None,
    };
    let mut missing = false;
    for f in FIELDS.iter().filter(|f| f.required) {
        if get(f.key).is_none() {
            let (at, message) = match workspace_at {
                Some(at) => (
                    at,
                    format!("[workspace] is missing `{}` ({})", f.key, f.doc),
                ),
                None => (0, "missing table [workspace]".to_string()),
            };
            diag.error(
                at,
                message,
                Some(format!("add {} = {} under [workspace]", f.key, f.example)),
            );
            missing = true;
            if workspace_at.is_none() {
                break;
            }
        }
    }
    let memory_table: Vec<&Declared> = declared
        .iter()
        .filter(|d| d.field.key.starts_with("memory."))
        .collect();
    let fixed = declared.iter().find(|d| d.field.key == "memory_mb");
    if let (Some(fixed), Some(_)) = (fixed, memory_table.first()) {
        diag.error(
            fixed.at,
            "vm.memory_mb and [vm.memory] are mutually exclusive",
            Some("keep memory_mb for a fixed size, or [vm.memory] host_mb/guest_mb for memory that follows the host's".into()),
        );
    }
    if let [one] = memory_table[..] {
        let other = if one.field.key == "memory.host_mb" {
            "guest_mb"
        } else {
            "host_mb"
        };
        diag.error(
            one.at,
            format!("[vm.memory] needs both host_mb and guest_mb, `{other}` is missing"),
            Some(format!("add {other} with one entry per host step")),
        );
    }
    if let [a, b] = memory_table[..] {
        if let (Some(Checked::Ints(x)), Some(Checked::Ints(y))) = (&a.value, &b.value) {
            if x.len() != y.len() {
                diag.error(
                    b.at,
                    format!(
                        "vm.memory.host_mb has {} entries but vm.memory.guest_mb has {}",
                        x.len(),
                        y.len()
                    ),
                    Some("give one guest size for each host step".into()),
                );
            }
        }
    }
    if missing || !diag.diagnostics.is_empty() {
        return None;
    }
    let workspace = Workspace {
        name: text("name")?,
        internal_name: text("internal_name")?,
        version: rules::parse_version(&text("version")?).ok()?,
        manufacturer: text("manufacturer")?,
        vhd: source.parent().unwrap_or(Path::new("")).join(text("vhd")?),
        upgrade_code: text("upgrade_code").and_then(|g| rules::parse_guid(&g).ok()),
    };
    let mut values = Vec::new();
    for field in FIELDS {
        let Target::Registry { key, name } = field.target else {
            continue;
        };
        let Some(d) = declared.iter().find(|d| std::ptr::eq(d.field, field)) else {
            continue;
        };
        let Some(value) = &d.value else {
            continue;
        };
        let data = match value {
            Checked::Dword(n) => RegData::Dword(*n),
            Checked::Text(s) => RegData::Sz(s.clone()),
            Checked::Lines(l) => RegData::MultiSz(l.clone()),
            Checked::Ints(list) => RegData::MultiSz(list.iter().map(u32::to_string).collect()),
        };
        values.push(RegValue { key, name, data });
        // Both memory forms say which one the agent should use.
        match field.key {
            "memory_mb" => values.push(calc(0)),
            "memory.guest_mb" => values.push(calc(1)),
            _ => {}
        }
    }
    Some(Policy {
        source: source.to_path_buf(),
        workspace,
        values,
    })
}

fn calc(on: u32) -> RegValue {
    RegValue {
        key: MEMORY_CALC.0,
        name: MEMORY_CALC.1,
        data: RegData::Dword(on),
    }
}
