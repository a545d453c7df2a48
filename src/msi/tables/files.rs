//! Where the disk goes and what owns it: Directory, Component, Feature,
//! FeatureComponents, CreateFolder, RemoveFile and ReserveCost.

use super::property::{COMMON_APP_DATA_FOLDER, INSTALLDIR, TARGETDIR};
use super::registry::REMEMBER_DIR_ROW;
use super::schema::{condition, key, opt, reference, s, TableData};
use crate::msi::codes::{self, guid, Codes};
use crate::msi::runtime::{JOURNAL_SUFFIX, OLD_SUFFIX, TMP_SUFFIX, UNDO_SUFFIX};
use crate::msi::short_name::short_long;
use crate::msi::PackageSpec;
use msi::{Category, Column, Value};

/// The single feature.
pub const FEATURE: &str = "Workspace";
/// The single component: the policy's registry values, INSTALLDIR and its disk.
pub const COMPONENT: &str = "WorkspacePolicy";
/// Directory id of `[CommonAppDataFolder]Microsoft\Medv`.
pub const MEDV_DIR: &str = "MedvDir";
/// Directory id of `[CommonAppDataFolder]Microsoft`.
const MICROSOFT_DIR: &str = "MedvMicrosoftDir";
/// Component.Attributes flag: the key path is a Registry row (msidbComponentAttributesRegistryKeyPath).
const REGISTRY_KEY_PATH: i32 = 4;
/// Component.Attributes flag: 64-bit, its registry values go to the 64-bit view.
const COMPONENT_64BIT: i32 = 256;
/// Component attributes with a Registry row as key path.
pub const COMPONENT_ATTRIBUTES_REGISTRY_KEYPATH: i32 = REGISTRY_KEY_PATH | COMPONENT_64BIT;
/// Feature.Display 0: not shown in a feature tree.
const FEATURE_HIDDEN: i32 = 0;
/// Feature.Level 1: installed by default.
const FEATURE_LEVEL_DEFAULT: i32 = 1;
/// Feature.Attributes: msidbFeatureAttributesUIDisallowAbsent.
const FEATURE_UI_DISALLOW_ABSENT: i32 = 16;
/// RemoveFile.InstallMode 2: remove on uninstall.
const REMOVE_ON_UNINSTALL: i32 = 2;
/// Largest ReserveCost.ReserveLocal (a signed 32-bit column); larger disks use several rows.
pub const RESERVE_CHUNK: u64 = 1 << 30;

/// Directory: TARGETDIR → CommonAppDataFolder → Microsoft → Medv → Workspace (INSTALLDIR).
pub fn directory_table() -> TableData {
    let columns = vec![
        key("Directory"),
        reference("Directory_Parent", "Directory")
            .nullable()
            .string(72),
        Column::build("DefaultDir")
            .localizable()
            .category(Category::DefaultDir)
            .string(255),
    ];
    let rows = [
        (TARGETDIR, None, "SourceDir"),
        (COMMON_APP_DATA_FOLDER, Some(TARGETDIR), "."),
        (
            MICROSOFT_DIR,
            Some(COMMON_APP_DATA_FOLDER),
            "MICROS~1|Microsoft",
        ),
        (MEDV_DIR, Some(MICROSOFT_DIR), "Medv"),
        (INSTALLDIR, Some(MEDV_DIR), "WORKSP~1|Workspace"),
    ]
    .into_iter()
    .map(|(id, parent, name)| vec![s(id), opt(parent), s(name)])
    .collect();
    TableData::new("Directory", columns, rows)
}

/// The component, its feature, its folder, what uninstall removes and the space it needs.
pub fn component_tables(spec: &PackageSpec, codes: &Codes) -> Vec<TableData> {
    vec![
        component_table(codes),
        feature_table(),
        feature_components_table(),
        create_folder_table(),
        remove_file_table(&spec.policy.workspace.internal_name),
        reserve_cost_table(spec.disk_size),
    ]
}

fn component_table(codes: &Codes) -> TableData {
    let columns = vec![
        key("Component"),
        Column::build("ComponentId")
            .nullable()
            .category(Category::Guid)
            .string(38),
        reference("Directory_", "Directory").string(72),
        Column::build("Attributes").int16(),
        condition("Condition"),
        Column::build("KeyPath")
            .nullable()
            .category(Category::Identifier)
            .string(72),
    ];
    let row = vec![
        s(COMPONENT),
        s(guid(codes::component_guid(codes.upgrade_code, COMPONENT))),
        s(INSTALLDIR),
        Value::Int(COMPONENT_ATTRIBUTES_REGISTRY_KEYPATH),
        Value::Null,
        // The remembered INSTALLDIR is written by every package, whatever the policy declares.
        s(REMEMBER_DIR_ROW),
    ];
    TableData::new("Component", columns, vec![row])
}

fn feature_table() -> TableData {
    let columns = vec![
        Column::build("Feature")
            .primary_key()
            .category(Category::Identifier)
            .string(38),
        reference("Feature_Parent", "Feature").nullable().string(38),
        Column::build("Title")
            .nullable()
            .localizable()
            .category(Category::Text)
            .string(64),
        Column::build("Description")
            .nullable()
            .localizable()
            .category(Category::Text)
            .string(255),
        Column::build("Display").nullable().range(0, 32767).int16(),
        Column::build("Level").range(0, 32767).int16(),
        Column::build("Directory_")
            .nullable()
            .foreign_key("Directory", 1)
            .category(Category::UpperCase)
            .string(72),
        Column::build("Attributes").int16(),
    ];
    let row = vec![
        s(FEATURE),
        Value::Null,
        s("MED-V Workspace"),
        s("The workspace policy and disk"),
        Value::Int(FEATURE_HIDDEN),
        Value::Int(FEATURE_LEVEL_DEFAULT),
        s(INSTALLDIR),
        Value::Int(FEATURE_UI_DISALLOW_ABSENT),
    ];
    TableData::new("Feature", columns, vec![row])
}

fn feature_components_table() -> TableData {
    let columns = vec![
        reference("Feature_", "Feature").primary_key().string(38),
        reference("Component_", "Component")
            .primary_key()
            .string(72),
    ];
    TableData::new(
        "FeatureComponents",
        columns,
        vec![vec![s(FEATURE), s(COMPONENT)]],
    )
}

fn create_folder_table() -> TableData {
    let columns = vec![
        reference("Directory_", "Directory")
            .primary_key()
            .string(72),
        reference("Component_", "Component")
            .primary_key()
            .string(72),
    ];
    TableData::new(
        "CreateFolder",
        columns,
        vec![vec![s(INSTALLDIR), s(COMPONENT)]],
    )
}

/// RemoveFile: the staged disk and the runtime's side files (exact names: Wine's
/// msiexec ignores wildcards here), then the folders if they are empty.
fn remove_file_table(internal_name: &str) -> TableData {
    let columns = vec![
        key("FileKey"),
        reference("Component_", "Component").string(72),
        Column::build("FileName")
            .nullable()
            .localizable()
            .category(Category::WildCardFilename)
            .string(255),
        Column::build("DirProperty")
            .category(Category::Identifier)
            .string(72),
        Column::build("InstallMode")
            .enum_values(&["1", "2", "3"])
            .int16(),
    ];
    let rows = [
        ("RemoveFileVhd", Some(""), INSTALLDIR),
        // The runtime's files beside the disk (see runtime/README.md). Not
        // `.wspack-keep`: it must outlive this version's removal by a newer one.
        ("RemoveFileVhdJournal", Some(JOURNAL_SUFFIX), INSTALLDIR),
        ("RemoveFileVhdOld", Some(OLD_SUFFIX), INSTALLDIR),
        ("RemoveFileVhdTmp", Some(TMP_SUFFIX), INSTALLDIR),
        ("RemoveFileVhdUndo", Some(UNDO_SUFFIX), INSTALLDIR),
        // Folders last, innermost first (keys sort in this order).
        ("RemoveFolder1Install", None, INSTALLDIR),
        ("RemoveFolder2Medv", None, MEDV_DIR),
    ]
    .into_iter()
    .map(|(file_key, suffix, dir)| {
        let file = suffix.map(|suffix| short_long(&format!("{internal_name}.vhd{suffix}")));
        vec![
            s(file_key),
            s(COMPONENT),
            opt(file),
            s(dir),
            Value::Int(REMOVE_ON_UNINSTALL),
        ]
    })
    .collect();
    TableData::new("RemoveFile", columns, rows)
}

/// ReserveCost: the disk the staging action writes, in rows of at most
/// [`RESERVE_CHUNK`] (ReserveLocal is a signed 32-bit column).
fn reserve_cost_table(disk_size: u64) -> TableData {
    let columns = vec![
        key("ReserveKey"),
        reference("Component_", "Component").string(72),
        Column::build("ReserveFolder")
            .nullable()
            .category(Category::Identifier)
            .string(72),
        Column::build("ReserveLocal").range(0, i32::MAX).int32(),
        Column::build("ReserveSource").range(0, i32::MAX).int32(),
    ];
    let mut rows = Vec::new();
    let mut left = disk_size;
    while left > 0 {
        let chunk = left.min(RESERVE_CHUNK);
        rows.push(vec![
            s(format!("ReserveVhd{:03}", rows.len())),
            s(COMPONENT),
            s(INSTALLDIR),
            Value::Int(chunk as i32),
            Value::Int(0),
        ]);
        left -= chunk;
    }
    TableData::new("ReserveCost", columns, rows)
}
