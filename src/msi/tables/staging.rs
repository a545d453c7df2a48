//! The package's custom actions: the runtime's (Binary, its CustomAction and
//! sequence rows, the ActionText of the staging step), the restore of a
//! remembered INSTALLDIR and the start of the host agent.

use super::property::{INSTALLDIR, MEDVHOST_PROPERTY, SAVED_DIR_PROPERTY};
use super::schema::{key, opt, s, TableData};
use super::sequences::{Sequences, RESTORE_INSTALL_DIR};
use crate::msi::runtime::{RuntimeRows, STAGE_ACTION, TYPE_SET_PROPERTY};
use msi::{Category, Column, Value};

/// Custom action type 50: run the executable whose path a property (Source) holds.
const CA_EXE_IN_PROPERTY: i32 = 50;
/// Type flag: ignore the exit code (msidbCustomActionTypeContinue).
const CA_CONTINUE: i32 = 64;
/// Type flag: don't wait for it to end (msidbCustomActionTypeAsync).
const CA_ASYNC: i32 = 128;
/// Starts the host agent and lets it run on its own.
const CA_START_EXE_IN_PROPERTY: i32 = CA_EXE_IN_PROPERTY + CA_CONTINUE + CA_ASYNC;

/// The custom action that starts the host agent after an install with UI.
pub const LAUNCH_ACTION: &str = "LaunchMedvHost";
/// The custom action that sets INSTALLDIR to the folder an earlier install remembered.
const RESTORE_DIR_ACTION: &str = "RestoreInstallDir";

/// A folder remembered by an earlier install wins over the default, not over the
/// command line: INSTALLDIR is a property before CostFinalize only when the command
/// line set it.
fn restore_dir_condition() -> String {
    format!("{SAVED_DIR_PROPERTY} AND NOT {INSTALLDIR}")
}

/// Puts every custom action in its sequences.
pub fn schedule(sequences: &mut Sequences, runtime: Option<&RuntimeRows>) {
    let restore = restore_dir_condition();
    sequences.install_execute(RESTORE_DIR_ACTION, Some(&restore), RESTORE_INSTALL_DIR);
    sequences.install_ui(RESTORE_DIR_ACTION, Some(&restore), RESTORE_INSTALL_DIR);
    // The agent starts from the Finish page ("Start MED-V now"), as MED-V's did;
    // a silent install leaves it to the next logon.
    if let Some(rt) = runtime {
        for r in &rt.execute_sequence {
            sequences.install_execute(&r.action, r.condition.as_deref(), r.sequence);
        }
        for r in &rt.ui_sequence {
            sequences.install_ui(&r.action, r.condition.as_deref(), r.sequence);
        }
    }
}

/// Binary, ActionText and CustomAction (Binary data travels in `runtime`).
pub fn staging_tables(runtime: Option<&RuntimeRows>) -> Vec<TableData> {
    let mut tables = Vec::new();
    if let Some(rt) = runtime {
        tables.push(binary_table(rt));
        if rt.execute_sequence.iter().any(|r| r.action == STAGE_ACTION) {
            tables.push(action_text_table());
        }
    }
    tables.push(custom_action_table(runtime));
    tables
}

fn binary_table(rt: &RuntimeRows) -> TableData {
    let columns = vec![key("Name"), Column::build("Data").binary()];
    let rows = rt
        .binaries
        .iter()
        .map(|(name, _)| vec![s(name.as_str()), Value::Binary])
        .collect();
    TableData::new("Binary", columns, rows)
}

/// The installer's progress line while the disk is staged (`[1]`: the runtime's ActionData).
fn action_text_table() -> TableData {
    let columns = vec![
        key("Action"),
        Column::build("Description")
            .nullable()
            .localizable()
            .category(Category::Text)
            .string(64),
        Column::build("Template")
            .nullable()
            .localizable()
            .category(Category::Template)
            .string(128),
    ];
    let row = vec![s(STAGE_ACTION), s("Staging the workspace disk"), s("[1]")];
    TableData::new("ActionText", columns, vec![row])
}

/// CustomAction's columns.
pub fn custom_action_columns() -> Vec<Column> {
    vec![
        key("Action"),
        Column::build("Type").range(1, 32767).int16(),
        Column::build("Source")
            .nullable()
            .category(Category::CustomSource)
            .string(72),
        Column::build("Target")
            .nullable()
            .category(Category::Formatted)
            .string(255),
    ]
}

fn custom_action_table(runtime: Option<&RuntimeRows>) -> TableData {
    let columns = custom_action_columns();
    let row = |action: &str, type_: i32, source: Option<&str>, target: Option<&str>| {
        vec![s(action), Value::Int(type_), opt(source), opt(target)]
    };
    let restore_target = format!("[{SAVED_DIR_PROPERTY}]");
    let mut rows = vec![
        row(
            LAUNCH_ACTION,
            CA_START_EXE_IN_PROPERTY,
            Some(MEDVHOST_PROPERTY),
            None,
        ),
        row(
            RESTORE_DIR_ACTION,
            TYPE_SET_PROPERTY,
            Some(INSTALLDIR),
            Some(&restore_target),
        ),
    ];
    for ca in runtime.iter().flat_map(|rt| &rt.custom_actions) {
        rows.push(row(
            &ca.action,
            ca.type_,
            ca.source.as_deref(),
            ca.target.as_deref(),
        ));
    }
    TableData::new("CustomAction", columns, rows)
}
