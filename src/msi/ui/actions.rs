//! What the pages need besides dialogs: their properties, the searches that find
//! the sidecar and a disk already in place, the small type-51 actions, the
//! CheckBox values, and where the pages go in InstallUISequence.

use super::super::tables::TableData;
use super::install::{FATAL_ERROR, FINISH, PROGRESS, SIDECAR_MISSING, USER_EXIT, WELCOME};
use super::maintenance::MAINTENANCE_WELCOME;
use super::messages::DEFAULT_FONT;
use crate::msi::runtime::{PROP_VHD_NAME, TYPE_SET_PROPERTY};
use crate::msi::tables::property::{
    COMMON_APP_DATA_FOLDER, DEFAULT_UI_FONT, DELETEDIFFDISKS, DISK_SIZE_TEXT, INSTALLDIR,
    INSTALLED, PACKAGE_NAME, START_MEDV, SUPPRESSMEDVLAUNCH, VHD_FOUND, VHD_TARGET, WORKSPACE_NAME,
};
use crate::msi::tables::schema::{key, s};
use crate::msi::tables::sequences::{
    Sequences, UI_MAINTENANCE_WELCOME, UI_PROGRESS, UI_RESOLVE_SOURCE, UI_SET_START_MEDV,
    UI_SIDECAR_MISSING, UI_WELCOME,
};
use crate::msi::tables::{
    app_search_columns, custom_action_columns, dr_locator_columns, property_columns,
    signature_columns,
};
use crate::msi::PackageSpec;
use msi::{Column, Value};
use wspack_contract::{plan, PLAN_PROPERTY};

/// Sets [`VHD_TARGET`] to where the disk will go (Destination's Next).
pub const SET_VHD_TARGET: &str = "WspackSetVhdTarget";
/// Ticks "Start MED-V now" unless SUPPRESSMEDVLAUNCH=1.
const SET_START_MEDV: &str = "WspackSetStartMedv";
const VHD_SIGNATURE: &str = "WspackExistingVhd";

/// Property, AppSearch, Signature, DrLocator, CustomAction and CheckBox rows.
pub fn action_tables(spec: &PackageSpec) -> Vec<TableData> {
    let ws = &spec.policy.workspace;
    let vhd = crate::msi::tables::vhd_name(spec);
    let default_dir = format!("[{COMMON_APP_DATA_FOLDER}]Microsoft\\Medv\\Workspace");
    let searches = [(VHD_FOUND, VHD_SIGNATURE, vhd.as_str(), default_dir)];
    let mut signature = Vec::new();
    let mut locator = Vec::new();
    for (_, sig, file, dir) in &searches {
        let mut row = vec![s(*sig), s(crate::msi::short_name::short_long(file))];
        row.resize(signature_columns().len(), Value::Null);
        signature.push(row);
        locator.push(vec![s(*sig), Value::Null, s(dir.as_str()), Value::Int(0)]);
    }
    let app_search = searches
        .iter()
        .map(|(p, sig, ..)| vec![s(*p), s(*sig)])
        .collect();
    let properties = [
        (WORKSPACE_NAME, ws.name.clone()),
        (DISK_SIZE_TEXT, size_text(spec.disk_size)),
        (PACKAGE_NAME, format!("{}.msi", ws.internal_name)),
        (DEFAULT_UI_FONT, DEFAULT_FONT.to_string()),
    ];
    vec![
        TableData::new("Property", property_columns(), pairs(&properties)),
        TableData::new("AppSearch", app_search_columns(), app_search),
        TableData::new("Signature", signature_columns(), signature),
        TableData::new("DrLocator", dr_locator_columns(), locator),
        custom_actions(),
        check_box_table(),
    ]
}

fn pairs(items: &[(&str, String)]) -> Vec<Vec<Value>> {
    items
        .iter()
        .map(|(k, v)| vec![s(*k), s(v.as_str())])
        .collect()
}

fn custom_actions() -> TableData {
    let set = |action: &str, property: &str, value: String| {
        vec![
            s(action),
            Value::Int(TYPE_SET_PROPERTY),
            s(property),
            s(value),
        ]
    };
    let rows = vec![
        set(
            SET_VHD_TARGET,
            VHD_TARGET,
            format!("[{INSTALLDIR}][{PROP_VHD_NAME}]"),
        ),
        set(SET_START_MEDV, START_MEDV, "1".into()),
    ];
    TableData::new("CustomAction", custom_action_columns(), rows)
}

/// The value each check box sets when ticked.
fn check_box_table() -> TableData {
    let columns = vec![
        key("Property"),
        Column::build("Value")
            .nullable()
            .category(msi::Category::Formatted)
            .string(64),
    ];
    let rows = [DELETEDIFFDISKS, START_MEDV]
        .iter()
        .map(|p| vec![s(*p), s("1")])
        .collect();
    TableData::new("CheckBox", columns, rows)
}

/// The disk's size as a person reads it: whole MB below 1 GB (at least 1), else
/// GB with one decimal.
pub fn size_text(bytes: u64) -> String {
    const MIB: u64 = 1 << 20;
    const GIB: u64 = 1 << 30;
    if bytes < GIB {
        format!("{} MB", ((bytes + MIB / 2) / MIB).max(1))
    } else {
        format!("{:.1} GB", bytes as f64 / GIB as f64)
    }
}

/// Puts the pages and the UI's own actions in InstallUISequence.
pub fn schedule(sequences: &mut Sequences) {
    let first = format!("NOT {INSTALLED}");
    // ResolveSource sets SourceDir (the missing-sidecar page names it); never in
    // maintenance, where the source may be gone.
    sequences.install_ui("ResolveSource", Some(&first), UI_RESOLVE_SOURCE);
    // Maintenance pages need no costing, and the removal or repair they ask for is
    // decided by REMOVE or REINSTALL, which the execute sequence's costing reads
    // (Wine keeps what a first costing decided and would then remove nothing).
    sequences.install_ui_condition("CostFinalize", &first);
    let no_suppress = format!("{SUPPRESSMEDVLAUNCH}<>\"1\"");
    sequences.install_ui(SET_START_MEDV, Some(&no_suppress), UI_SET_START_MEDV);
    // PlanStageVhd (the runtime's, after CostFinalize) judges the sidecar missing
    // only when no disk in place or delta can stand in for it.
    let missing = format!("{PLAN_PROPERTY} = \"{}\"", plan::MISSING);
    let sidecar_missing = format!("{first} AND {missing}");
    sequences.install_ui(SIDECAR_MISSING, Some(&sidecar_missing), UI_SIDECAR_MISSING);
    let welcome = format!("{first} AND NOT ({missing})");
    sequences.install_ui(WELCOME, Some(&welcome), UI_WELCOME);
    sequences.install_ui(MAINTENANCE_WELCOME, Some(INSTALLED), UI_MAINTENANCE_WELCOME);
    sequences.install_ui(PROGRESS, None, UI_PROGRESS);
    sequences.install_ui(FINISH, None, -1);
    sequences.install_ui(USER_EXIT, None, -2);
    sequences.install_ui(FATAL_ERROR, None, -3);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(size_text(12 << 20), "12 MB");
        assert_eq!(size_text((12 << 20) + 512), "12 MB");
        assert_eq!(size_text(100), "1 MB");
        assert_eq!(size_text(4 << 30), "4.0 GB");
        assert_eq!(size_text((2 << 30) + (512 << 20)), "2.5 GB");
    }
}
