//! Checks over the whole set of tables: rows fit their columns, every property a
//! condition or text names is a known one, sequence numbers are unique.

use super::*;
use crate::msi::runtime::{self, RuntimeRows};
use crate::policy::Policy;
use msi::{Category, Value};

fn example() -> Policy {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/contoso/workspace.toml");
    Policy::load(&path).expect("example policy")
}

fn tables(policy: &Policy, runtime: Option<&RuntimeRows>, disk_size: u64) -> Vec<TableData> {
    let spec = PackageSpec {
        policy,
        disk_size,
        disk_sha256: "ab".repeat(32),
        medv_file_name: "contoso.medv".into(),
        build_time: std::time::UNIX_EPOCH,
        runtime,
    };
    build(&spec, &crate::msi::codes(policy))
}

fn table<'a>(tables: &'a [TableData], name: &str) -> &'a TableData {
    tables
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("no {name}"))
}

#[test]
fn every_row_fits_its_columns() {
    let policy = example();
    let rows = runtime::staging_rows(&policy);
    for t in tables(&policy, Some(&rows), 3 << 30) {
        let invalid = t.invalid_cells();
        assert!(invalid.is_empty(), "{invalid:?}");
    }
}

/// The property names in a condition: its identifiers outside quoted strings.
fn condition_names(condition: &str) -> Vec<&str> {
    let operators = ["AND", "OR", "NOT", "XOR", "EQV", "IMP"];
    let unquoted = condition.split('"').step_by(2);
    unquoted
        .flat_map(|part| part.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.')))
        .filter(|word| word.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_'))
        .filter(|word| !operators.contains(&word.to_ascii_uppercase().as_str()))
        .collect()
}

/// The property names a formatted text refers to: `[Name]`, not `[\x]`, `[1]`, `[~]`, `[#file]`, ….
fn formatted_names(text: &str) -> Vec<&str> {
    text.split('[')
        .skip(1)
        .filter_map(|part| part.split(']').next())
        .filter(|name| name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_'))
        .collect()
}

#[test]
fn every_property_a_condition_or_text_names_is_known() {
    let policy = example();
    let rows = runtime::staging_rows(&policy);
    let runtime_properties = [
        runtime::PROP_DISK_SIZE,
        runtime::PROP_DISK_SHA256,
        runtime::PROP_SIDECAR,
        runtime::PROP_VHD_NAME,
        wspack_contract::PLAN_PROPERTY,
    ];
    let known = |name: &str| {
        property::ALL.contains(&name)
            || runtime_properties.contains(&name)
            || wspack_contract::window::PROPERTIES.contains(&name)
    };
    let all = tables(&policy, Some(&rows), 1);
    let mut names = Vec::new();
    for t in &all {
        for row in &t.rows {
            for (column, value) in t.columns.iter().zip(row) {
                let Value::Str(text) = value else { continue };
                match column.category() {
                    Some(Category::Condition) => names.extend(condition_names(text)),
                    Some(Category::Formatted | Category::Template) => {
                        names.extend(formatted_names(text))
                    }
                    _ => {}
                }
            }
        }
    }
    assert!(names.contains(&property::SUPPRESSMEDVLAUNCH));
    assert!(names.contains(&property::DELETEDIFFDISKS));
    let unknown: Vec<&str> = names.into_iter().filter(|n| !known(n)).collect();
    assert!(unknown.is_empty(), "not a known property: {unknown:?}");
}

#[test]
fn the_property_scanners_find_names_and_skip_the_rest() {
    assert_eq!(
        condition_names(r#"REMOVE~="ALL" AND DELETEDIFFDISKS="1" AND NOT UPGRADINGPRODUCTCODE"#),
        ["REMOVE", "DELETEDIFFDISKS", "UPGRADINGPRODUCTCODE"]
    );
    assert_eq!(condition_names("VersionNT >= 601"), ["VersionNT"]);
    assert_eq!(
        formatted_names(r"a[\[]b[1][~][INSTALLDIR][#file][WspackVhdName]"),
        ["INSTALLDIR", "WspackVhdName"]
    );
}

#[test]
fn sequence_numbers_are_unique_in_each_table() {
    let policy = example();
    let rows = runtime::staging_rows(&policy);
    for t in tables(&policy, Some(&rows), 1) {
        if !t.name.ends_with("Sequence") {
            continue;
        }
        let mut numbers: Vec<i32> = t
            .rows
            .iter()
            .map(|row| match row[2] {
                Value::Int(n) => n,
                ref other => panic!("{}: {other:?}", t.name),
            })
            .collect();
        let count = numbers.len();
        numbers.sort_unstable();
        numbers.dedup();
        assert_eq!(numbers.len(), count, "{}", t.name);
    }
}

#[test]
fn without_the_runtime_there_is_no_binary_nor_staging_step() {
    let policy = example();
    let names: Vec<&str> = tables(&policy, None, 0).iter().map(|t| t.name).collect();
    assert!(!names.contains(&"Binary") && !names.contains(&"ActionText"));
    assert!(
        !names.contains(&"ReserveCost"),
        "nothing to reserve for an empty disk"
    );
    let with = tables(&policy, Some(&runtime::staging_rows(&policy)), 1);
    let actions = &table(&with, "CustomAction").rows;
    assert_eq!(
        actions.len(),
        runtime::staging_rows(&policy).custom_actions.len() + 4
    );
}

#[test]
fn a_disk_over_one_reserve_chunk_takes_several_rows() {
    let policy = example();
    let size = 2 * files::RESERVE_CHUNK + 5;
    let all = tables(&policy, None, size);
    let local: Vec<&Value> = table(&all, "ReserveCost")
        .rows
        .iter()
        .map(|r| &r[3])
        .collect();
    let chunk = files::RESERVE_CHUNK as i32;
    assert_eq!(
        local,
        [&Value::Int(chunk), &Value::Int(chunk), &Value::Int(5)]
    );
}
