//! Builds the [`Policy`] from checked fields, adding the problems between fields.

use super::contract::Field;
use super::contract::{Target, FIELDS, MEMORY_CALC};
use super::diagnostic::Collector;
use super::fields::Checked;
use super::{Policy, RegData, RegValue, Version, Workspace};
use std::path::Path;

/// A declared field and its checked value (`None` when the check failed).
pub(crate) struct Declared {
    pub field: &'static Field,
    /// Byte offset of the value in the TOML text.
    pub at: usize,
    pub value: Option<Checked>,
}

/// Builds the policy; returns `None` exactly when `diag` holds a problem.
pub(crate) fn assemble(
    declared: &[Declared],
    workspace_at: Option<usize>,
    source: &Path,
    diag: &mut Collector<'_>,
) -> Option<Policy> {
    let missing = check_required(declared, workspace_at, diag);
    check_memory(declared, diag);
    if missing || !diag.is_empty() {
        return None;
    }
    let workspace = workspace(declared, source)?;
    let vhd_at = get(declared, "vhd").map(|d| diag.locate(d.at));
    Some(Policy {
        source: source.to_path_buf(),
        workspace,
        values: registry_values(declared),
        vhd_location: vhd_at,
    })
}

fn get<'d>(declared: &'d [Declared], key: &str) -> Option<&'d Declared> {
    declared
        .iter()
        .find(|d| d.field.section == "workspace" && d.field.key == key)
}

/// Reports each required `[workspace]` key that is missing; returns whether one is.
fn check_required(
    declared: &[Declared],
    workspace_at: Option<usize>,
    diag: &mut Collector<'_>,
) -> bool {
    let missing: Vec<&Field> = FIELDS
        .iter()
        .filter(|f| f.required && get(declared, f.key).is_none())
        .collect();
    let Some(at) = workspace_at else {
        if let Some(f) = missing.first() {
            let help = format!(
                "add a [workspace] table with e.g. {} = {}",
                f.key, f.example
            );
            diag.error(0, "missing table [workspace]", help);
        }
        return !missing.is_empty();
    };
    for f in &missing {
        diag.error(
            at,
            format!("[workspace] is missing `{}` ({})", f.key, f.doc),
            format!("add {} = {} under [workspace]", f.key, f.example),
        );
    }
    !missing.is_empty()
}

/// Checks the two memory forms: one or the other, and a whole `[vm.memory]` table.
fn check_memory(declared: &[Declared], diag: &mut Collector<'_>) {
    let table: Vec<&Declared> = declared
        .iter()
        .filter(|d| d.field.key.starts_with("memory."))
        .collect();
    let fixed = declared.iter().find(|d| d.field.key == "memory_mb");
    if let (Some(fixed), Some(_)) = (fixed, table.first()) {
        diag.error(
            fixed.at,
            "vm.memory_mb and [vm.memory] are mutually exclusive",
            "keep memory_mb for a fixed size, or [vm.memory] host_mb/guest_mb for memory that follows the host's",
        );
    }
    match table[..] {
        [one] => {
            let other = if one.field.key == "memory.host_mb" {
                "guest_mb"
            } else {
                "host_mb"
            };
            diag.error(
                one.at,
                format!("[vm.memory] needs both host_mb and guest_mb, `{other}` is missing"),
                format!("add {other} with one entry per host step"),
            );
        }
        [a, b] => {
            if let (Some(Checked::Ints(x)), Some(Checked::Ints(y))) = (&a.value, &b.value) {
                if x.len() != y.len() {
                    diag.error(
                        b.at,
                        format!(
                            "vm.memory.host_mb has {} entries but vm.memory.guest_mb has {}",
                            x.len(),
                            y.len()
                        ),
                        "give one guest size for each host step",
                    );
                }
            }
        }
        _ => {}
    }
}

/// Takes the typed `[workspace]` values (all checked and present once no problem was found).
fn workspace(declared: &[Declared], source: &Path) -> Option<Workspace> {
    let value = |key: &str| get(declared, key).and_then(|d| d.value.as_ref());
    let text = |key: &str| match value(key) {
        Some(Checked::Text(s)) => Some(s.clone()),
        _ => None,
    };
    let version: Version = match value("version") {
        Some(Checked::Version(v)) => *v,
        _ => return None,
    };
    let upgrade_code = match value("upgrade_code") {
        Some(Checked::Guid(g)) => Some(*g),
        _ => None,
    };
    Some(Workspace {
        name: text("name")?,
        internal_name: text("internal_name")?,
        version,
        manufacturer: text("manufacturer")?,
        vhd: source.parent().unwrap_or(Path::new("")).join(text("vhd")?),
        upgrade_code,
        help_url: text("help_url"),
        contact: text("contact"),
    })
}

/// The registry values, in contract order.
fn registry_values(declared: &[Declared]) -> Vec<RegValue> {
    let mut values = Vec::new();
    for field in FIELDS {
        let Target::Registry { key, name } = field.target else {
            continue;
        };
        let checked = declared
            .iter()
            .find(|d| std::ptr::eq(d.field, field))
            .and_then(|d| d.value.as_ref());
        let Some(data) = checked.and_then(reg_data) else {
            continue;
        };
        values.push(RegValue { key, name, data });
        // Both memory forms say which one the agent should use.
        match field.key {
            "memory_mb" => values.push(calc(0)),
            "memory.guest_mb" => values.push(calc(1)),
            _ => {}
        }
    }
    values
}

fn reg_data(value: &Checked) -> Option<RegData> {
    Some(match value {
        Checked::Dword(n) => RegData::Dword(*n),
        Checked::Text(s) => RegData::Sz(s.clone()),
        Checked::Lines(l) => RegData::MultiSz(l.clone()),
        // One number per string: the agent reads a list (the WMI class's sint32[]).
        Checked::Ints(list) => RegData::MultiSz(list.iter().map(u32::to_string).collect()),
        // Versions and GUIDs are `[workspace]` fields, not registry values.
        Checked::Version(_) | Checked::Guid(_) => return None,
    })
}

fn calc(on: u32) -> RegValue {
    RegValue {
        key: MEMORY_CALC.0,
        name: MEMORY_CALC.1,
        data: RegData::Dword(on),
    }
}
