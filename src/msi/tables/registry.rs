//! Registry: one row per policy value (HKLM, 64-bit view, below the policy's
//! root key), plus the remembered INSTALLDIR and version that RegLocator finds again.

use super::files::COMPONENT;
use super::property::{INSTALLDIR, PRODUCT_VERSION};
use super::schema::{key, opt, reference, s, TableData};
use crate::msi::format::{encode_value, escape_formatted};
use crate::msi::PackageSpec;
use crate::policy::{RegValue, Workspace};
use msi::{Category, Column, Value};

/// Registry root of every policy value: 2 = HKEY_LOCAL_MACHINE.
pub const ROOT_HKLM: i32 = 2;
/// RegLocator.Type: 0 (a folder that exists) + 16 (the 64-bit view).
const LOCATE_FOLDER_64BIT: i32 = 16;
/// RegLocator.Type: 2 (the value as it is) + 16 (the 64-bit view).
const LOCATE_RAW_64BIT: i32 = 18;
/// The value that remembers INSTALLDIR.
const SAVED_DIR_VALUE: &str = "InstallDir";
/// The Registry row that remembers INSTALLDIR: the component's key path.
pub const REMEMBER_DIR_ROW: &str = "RegRememberInstallDir";
/// The RegLocator (and AppSearch) signature that finds the remembered INSTALLDIR.
pub const SAVED_DIR_SIGNATURE: &str = "SavedInstallDir";
/// The value that remembers the installed version (ProductVersion).
const SAVED_VERSION_VALUE: &str = "Version";
/// The Registry row that remembers the installed version.
const REMEMBER_VERSION_ROW: &str = "RegRememberVersion";
/// The RegLocator (and AppSearch) signature that finds the installed version.
pub const SAVED_VERSION_SIGNATURE: &str = "SavedVersion";

/// Registry and RegLocator.
pub fn registry_tables(spec: &PackageSpec) -> Vec<TableData> {
    vec![
        registry_table(spec),
        reg_locator_table(&spec.policy.workspace),
    ]
}

fn registry_table(spec: &PackageSpec) -> TableData {
    let columns = vec![
        key("Registry"),
        Column::build("Root").range(-1, 3).int16(),
        Column::build("Key")
            .localizable()
            .category(Category::RegPath)
            .string(255),
        Column::build("Name")
            .nullable()
            .localizable()
            .category(Category::Formatted)
            .string(255),
        Column::build("Value")
            .nullable()
            .localizable()
            .category(Category::Formatted)
            .string(0),
        reference("Component_", "Component").string(72),
    ];
    let mut rows: Vec<Vec<Value>> = spec
        .policy
        .registry_values()
        .iter()
        .enumerate()
        .map(|(index, value)| policy_row(index, value))
        .collect();
    rows.push(saved_dir_row(&spec.policy.workspace));
    rows.push(saved_version_row(&spec.policy.workspace));
    TableData::new("Registry", columns, rows)
}

fn policy_row(index: usize, value: &RegValue) -> Vec<Value> {
    vec![
        s(registry_id(index, value.key, value.name)),
        Value::Int(ROOT_HKLM),
        s(escape_formatted(&value.full_key())),
        s(escape_formatted(value.name)),
        opt(encode_value(&value.data)),
        s(COMPONENT),
    ]
}

/// Windows Installer forgets INSTALLDIR between sessions: remember it so that
/// uninstall and upgrades find a disk staged in a custom folder.
fn saved_dir_row(ws: &Workspace) -> Vec<Value> {
    vec![
        s(REMEMBER_DIR_ROW),
        Value::Int(ROOT_HKLM),
        s(saved_dir_key(ws)),
        s(SAVED_DIR_VALUE),
        s(format!("[{INSTALLDIR}]")),
        s(COMPONENT),
    ]
}

/// The installed version, so that an older package's refusal can name it.
fn saved_version_row(ws: &Workspace) -> Vec<Value> {
    vec![
        s(REMEMBER_VERSION_ROW),
        Value::Int(ROOT_HKLM),
        s(saved_dir_key(ws)),
        s(SAVED_VERSION_VALUE),
        s(format!("[{PRODUCT_VERSION}]")),
        s(COMPONENT),
    ]
}

fn reg_locator_table(ws: &Workspace) -> TableData {
    let columns = vec![
        key("Signature_"),
        Column::build("Root").range(0, 3).int16(),
        Column::build("Key").category(Category::RegPath).string(255),
        Column::build("Name")
            .nullable()
            .category(Category::Formatted)
            .string(255),
        Column::build("Type").nullable().range(0, 18).int16(),
    ];
    let locate = |signature: &str, value: &str, kind: i32| {
        vec![
            s(signature),
            Value::Int(ROOT_HKLM),
            s(saved_dir_key(ws)),
            s(value),
            Value::Int(kind),
        ]
    };
    let rows = vec![
        locate(SAVED_DIR_SIGNATURE, SAVED_DIR_VALUE, LOCATE_FOLDER_64BIT),
        locate(
            SAVED_VERSION_SIGNATURE,
            SAVED_VERSION_VALUE,
            LOCATE_RAW_64BIT,
        ),
    ];
    TableData::new("RegLocator", columns, rows)
}

/// Where the package remembers INSTALLDIR (HKLM, 64-bit view), by workspace.
fn saved_dir_key(ws: &Workspace) -> String {
    format!(r"SOFTWARE\wspack\Workspaces\{}", ws.internal_name)
}

/// A readable, unique Registry row id: `Reg000_VM_Memory` (≤ 72 chars).
fn registry_id(index: usize, key: &str, name: &str) -> String {
    let mut id = format!("Reg{index:03}");
    for part in [key, name] {
        id.push('_');
        id.extend(
            part.chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }),
        );
    }
    id.truncate(72);
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_ids_are_identifiers() {
        let id = registry_id(7, "UserExperience", "RedirectUrls");
        assert_eq!(id, "Reg007_UserExperience_RedirectUrls");
        assert!(Category::Identifier.validate(&id));
        assert!(registry_id(1, &"x".repeat(100), "y").len() <= 72);
    }
}
