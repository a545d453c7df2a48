//! What the install checks before it changes anything: LaunchCondition, and the
//! searches that run before it (AppSearch with Signature, DrLocator; RegLocator
//! is beside the Registry row it finds, in [`super::registry`]).

use super::property::{
    INSTALLED_VERSION_PROPERTY, MEDVHOST_PROPERTY, NEWER_PROPERTY, PRIVILEGED, PRODUCT_NAME,
    PRODUCT_VERSION, PROGRAM_FILES64_FOLDER, SAVED_DIR_PROPERTY, VERSION_NT, VERSION_NT64,
};
use super::registry::{SAVED_DIR_SIGNATURE, SAVED_VERSION_SIGNATURE};
use super::schema::{key, optional_count, s, TableData};
use msi::{Category, Column, Value};

/// VersionNT of Windows 7.
const WINDOWS_7: i32 = 601;
/// The Signature (and AppSearch, DrLocator) row that finds the host agent.
const MEDVHOST_SIGNATURE: &str = "MedvHostExe";
/// The host agent's file.
const MEDVHOST_FILE: &str = "MedvHost.exe";

/// Where MED-V 2.0 installs its host agent.
pub fn medvhost_dir() -> String {
    format!("[{PROGRAM_FILES64_FOLDER}]Microsoft Enterprise Desktop Virtualization")
}

/// LaunchCondition, AppSearch, Signature and DrLocator.
pub fn launch_tables() -> Vec<TableData> {
    vec![
        launch_condition_table(),
        app_search_table(),
        signature_table(),
        dr_locator_table(),
    ]
}

/// The launch conditions: (condition, the message when it is false).
pub fn launch_conditions() -> Vec<(String, String)> {
    vec![
        (
            format!("{VERSION_NT} >= {WINDOWS_7}"),
            format!("[{PRODUCT_NAME}] requires Windows 7 or later."),
        ),
        (
            VERSION_NT64.to_string(),
            format!("[{PRODUCT_NAME}] requires 64-bit Windows."),
        ),
        (
            PRIVILEGED.to_string(),
            format!("[{PRODUCT_NAME}] must be installed by an administrator."),
        ),
        // The installed version is named when it remembered it (every package
        // since the value was added); else the message says "a newer version".
        (
            format!("NOT {NEWER_PROPERTY} OR NOT {INSTALLED_VERSION_PROPERTY}"),
            format!(
                "[{PRODUCT_NAME}] [{v}] is already installed, which is newer than this package ([{PRODUCT_VERSION}]). \
                 To install [{PRODUCT_VERSION}], uninstall [{v}] first in Programs and Features.",
                v = INSTALLED_VERSION_PROPERTY
            ),
        ),
        (
            format!("NOT {NEWER_PROPERTY} OR {INSTALLED_VERSION_PROPERTY}"),
            format!("A newer version of [{PRODUCT_NAME}] is already installed. To install [{PRODUCT_VERSION}], uninstall it first in Programs and Features."),
        ),
    ]
}

fn launch_condition_table() -> TableData {
    let columns = vec![
        Column::build("Condition")
            .primary_key()
            .category(Category::Condition)
            .string(255),
        Column::build("Description")
            .localizable()
            .category(Category::Formatted)
            .string(255),
    ];
    let rows = launch_conditions()
        .into_iter()
        .map(|(condition, message)| vec![s(condition), s(message)])
        .collect();
    TableData::new("LaunchCondition", columns, rows)
}

/// Finds the MED-V host agent, so that an install with UI can start it (MED-V
/// did), and the INSTALLDIR and version an earlier install remembered.
fn app_search_table() -> TableData {
    let rows = vec![
        vec![s(MEDVHOST_PROPERTY), s(MEDVHOST_SIGNATURE)],
        vec![s(SAVED_DIR_PROPERTY), s(SAVED_DIR_SIGNATURE)],
        vec![s(INSTALLED_VERSION_PROPERTY), s(SAVED_VERSION_SIGNATURE)],
    ];
    TableData::new("AppSearch", app_search_columns(), rows)
}

/// AppSearch's columns (the installer's UI adds rows).
pub fn app_search_columns() -> Vec<Column> {
    vec![
        Column::build("Property").primary_key().id_string(72),
        Column::build("Signature_").primary_key().id_string(72),
    ]
}

fn signature_table() -> TableData {
    let columns = signature_columns();
    // Any version, size, date and language.
    let mut row = vec![s(MEDVHOST_SIGNATURE), s(MEDVHOST_FILE)];
    row.resize(columns.len(), Value::Null);
    TableData::new("Signature", columns, vec![row])
}

/// Signature's columns.
pub fn signature_columns() -> Vec<Column> {
    let version = |name: &str| {
        Column::build(name)
            .nullable()
            .category(Category::Text)
            .string(20)
    };
    vec![
        key("Signature"),
        Column::build("FileName")
            .category(Category::Filename)
            .string(255),
        version("MinVersion"),
        version("MaxVersion"),
        optional_count("MinSize"),
        optional_count("MaxSize"),
        optional_count("MinDate"),
        optional_count("MaxDate"),
        Column::build("Languages")
            .nullable()
            .category(Category::Language)
            .string(255),
    ]
}

fn dr_locator_table() -> TableData {
    // Depth 0: the file is in that folder itself.
    let row = vec![
        s(MEDVHOST_SIGNATURE),
        Value::Null,
        s(medvhost_dir()),
        Value::Int(0),
    ];
    TableData::new("DrLocator", dr_locator_columns(), vec![row])
}

/// DrLocator's columns.
pub fn dr_locator_columns() -> Vec<Column> {
    vec![
        Column::build("Signature_").primary_key().id_string(72),
        Column::build("Parent")
            .primary_key()
            .nullable()
            .id_string(72),
        Column::build("Path")
            .primary_key()
            .nullable()
            .category(Category::AnyPath)
            .string(255),
        Column::build("Depth").nullable().range(0, 32767).int16(),
    ]
}
