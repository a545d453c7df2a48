//! Checks over the pages: every page another one opens exists, every control an
//! event, condition or subscription names exists, Tab order rings close.

use super::*;
use crate::policy::Policy;
use msi::Value;

fn example() -> Policy {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/contoso/workspace.toml");
    Policy::load(&path).expect("example policy")
}

fn tables() -> Vec<TableData> {
    let policy = example();
    let spec = PackageSpec {
        policy: &policy,
        disk_size: 13 << 20,
        disk_sha256: "ab".repeat(32),
        medv_file_name: "contoso.medv".into(),
        build_time: std::time::UNIX_EPOCH,
        runtime: None,
    };
    ui_tables(&spec)
}

fn rows(tables: &[TableData], name: &str) -> Vec<Vec<String>> {
    let table = tables.iter().find(|t| t.name == name).expect(name);
    table
        .rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|v| match v {
                    Value::Str(s) => s.clone(),
                    Value::Int(n) => n.to_string(),
                    _ => String::new(),
                })
                .collect()
        })
        .collect()
}

#[test]
fn rows_fit_their_columns() {
    for t in tables() {
        assert!(t.invalid_cells().is_empty(), "{:?}", t.invalid_cells());
    }
}

#[test]
fn pages_and_controls_that_are_named_exist() {
    let all = tables();
    let dialogs: Vec<String> = rows(&all, "Dialog")
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
    let controls: Vec<(String, String)> = rows(&all, "Control")
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();
    let has = |d: &str, c: &str| controls.iter().any(|(a, b)| a == d && b == c);
    for r in rows(&all, "ControlEvent") {
        assert!(has(&r[0], &r[1]), "{r:?}");
        if r[2] == "NewDialog" || r[2] == "SpawnDialog" {
            assert!(dialogs.contains(&r[3]), "{r:?}");
        }
    }
    for table in ["ControlCondition", "EventMapping"] {
        for r in rows(&all, table) {
            assert!(has(&r[0], &r[1]), "{table} {r:?}");
        }
    }
    for r in rows(&all, "Dialog") {
        for c in [&r[7], &r[8], &r[9]].into_iter().filter(|c| !c.is_empty()) {
            assert!(has(&r[0], c), "{r:?}");
        }
    }
    for r in rows(&all, "Control")
        .into_iter()
        .filter(|r| !r[10].is_empty())
    {
        assert!(has(&r[0], &r[10]), "{r:?}");
    }
}

#[test]
fn enter_goes_on_with_the_defaults_on_every_wizard_page() {
    let all = tables();
    for r in rows(&all, "Dialog") {
        assert!(!r[8].is_empty(), "{} has no default button", r[0]);
    }
}
