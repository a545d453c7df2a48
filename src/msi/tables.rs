//! The MSI's tables as plain data: built from a [`PackageSpec`], hashed for the
//! PackageCode, then written by [`super::write`].
//!
//! Column definitions follow the Windows Installer SDK schema (types, nullability,
//! keys, categories), so the `_Validation` table the `msi` crate derives from them
//! is what Orca-style validators expect.

use super::codes::{self, guid, Codes};
use super::format::{encode_value, escape_formatted};
use super::runtime::{
    JOURNAL_SUFFIX, OLD_SUFFIX, PROP_DISK_SHA256, PROP_DISK_SIZE, PROP_SIDECAR, PROP_VHD_NAME,
    STAGE_ACTION, TMP_SUFFIX,
};
use super::short_name::short_long;
use super::PackageSpec;
use msi::{Category, Column, Value};

/// Registry root of every policy value: 2 = HKEY_LOCAL_MACHINE.
pub const ROOT_HKLM: i32 = 2;
/// Component attributes: 4 (key path is a Registry row) + 256 (64-bit: registry in the 64-bit view).
pub const COMPONENT_ATTRIBUTES_REGISTRY_KEYPATH: i32 = 4 | 256;
/// Component attributes without a registry key path (the directory is the key path).
pub const COMPONENT_ATTRIBUTES_DIR_KEYPATH: i32 = 256;
/// The single feature.
pub const FEATURE: &str = "Workspace";
/// The single component: the policy's registry values, INSTALLDIR and its disk.
pub const COMPONENT: &str = "WorkspacePolicy";
/// Directory id of `[CommonAppDataFolder]Microsoft\Medv`.
pub const MEDV_DIR: &str = "MedvDir";
/// Action property set by FindRelatedProducts when an older version is installed.
pub const UPGRADE_PROPERTY: &str = "WSPACK_UPGRADE";
/// Action property set by FindRelatedProducts when a newer version is installed.
pub const NEWER_PROPERTY: &str = "WSPACK_NEWER_FOUND";
/// Public install properties (documented by MED-V 2.0) that must reach the elevated part.
pub const INSTALL_PROPERTIES: [&str; 4] = [
    "INSTALLDIR",
    "OVERWRITEVHD",
    "SUPPRESSMEDVLAUNCH",
    "DELETEDIFFDISKS",
];
/// Largest ReserveCost.ReserveLocal (a signed 32-bit column); larger disks use several rows.
pub const RESERVE_CHUNK: u64 = 1 << 30;

/// One table: name, SDK column definitions, rows in a deterministic order.
pub struct TableData {
    /// Table name.
    pub name: &'static str,
    /// Column definitions.
    pub columns: Vec<Column>,
    /// Rows.
    pub rows: Vec<Vec<Value>>,
}

fn s(text: impl Into<String>) -> Value {
    Value::Str(text.into())
}

fn opt(text: Option<impl Into<String>>) -> Value {
    text.map_or(Value::Null, |t| Value::Str(t.into()))
}

fn id_key(name: &str) -> Column {
    Column::build(name)
        .primary_key()
        .category(Category::Identifier)
        .string(72)
}

/// One row of a sequence table: action, condition, number.
fn sequence_row(action: &str, condition: Option<&str>, sequence: i32) -> Vec<Value> {
    vec![s(action), opt(condition), Value::Int(sequence)]
}

fn sequence_columns() -> Vec<Column> {
    vec![
        id_key("Action"),
        Column::build("Condition")
            .nullable()
            .category(Category::Condition)
            .string(255),
        Column::build("Sequence")
            .nullable()
            .range(-4, 32767)
            .int16(),
    ]
}

/// The product name shown in Programs and Features.
pub fn product_name(spec: &PackageSpec) -> String {
    format!("MED-V Workspace - {}", spec.policy.workspace.name)
}

/// The staged disk's file name.
pub fn vhd_name(spec: &PackageSpec) -> String {
    format!("{}.vhd", spec.policy.workspace.internal_name)
}

/// Builds every table of the package (Binary data travels separately in `spec.runtime`).
pub fn build(spec: &PackageSpec, codes: &Codes) -> Vec<TableData> {
    let ws = &spec.policy.workspace;
    let component_id = guid(codes::component_guid(codes.upgrade_code, COMPONENT));
    let mut tables = Vec::new();

    // Property.
    let secure = [UPGRADE_PROPERTY, NEWER_PROPERTY]
        .iter()
        .chain(INSTALL_PROPERTIES.iter())
        .copied()
        .collect::<Vec<_>>()
        .join(";");
    let properties: Vec<(&str, String)> = vec![
        ("ALLUSERS", "1".into()),
        ("ARPNOMODIFY", "1".into()),
        ("Manufacturer", ws.manufacturer.clone()),
        ("ProductCode", guid(codes.product_code)),
        ("ProductLanguage", "1033".into()),
        ("ProductName", product_name(spec)),
        ("ProductVersion", ws.version.to_string()),
        ("SecureCustomProperties", secure),
        ("UpgradeCode", guid(codes.upgrade_code)),
        (PROP_DISK_SHA256, spec.disk_sha256.to_ascii_lowercase()),
        (PROP_DISK_SIZE, spec.disk_size.to_string()),
        (PROP_SIDECAR, spec.medv_file_name.clone()),
        (PROP_VHD_NAME, vhd_name(spec)),
    ];
    tables.push(TableData {
        name: "Property",
        columns: vec![
            id_key("Property"),
            Column::build("Value")
                .localizable()
                .category(Category::Text)
                .string(0),
        ],
        rows: properties
            .into_iter()
            .map(|(k, v)| vec![s(k), s(v)])
            .collect(),
    });

    // Directory: TARGETDIR → CommonAppDataFolder → Microsoft → Medv → Workspace (INSTALLDIR).
    tables.push(TableData {
        name: "Directory",
        columns: vec![
            id_key("Directory"),
            Column::build("Directory_Parent")
                .nullable()
                .foreign_key("Directory", 1)
                .category(Category::Identifier)
                .string(72),
            Column::build("DefaultDir")
                .localizable()
                .category(Category::DefaultDir)
                .string(255),
        ],
        rows: vec![
            vec![s("TARGETDIR"), Value::Null, s("SourceDir")],
            vec![s("CommonAppDataFolder"), s("TARGETDIR"), s(".")],
            vec![
                s("MedvMicrosoftDir"),
                s("CommonAppDataFolder"),
                s("MICROS~1|Microsoft"),
            ],
            vec![s(MEDV_DIR), s("MedvMicrosoftDir"), s("Medv")],
            vec![s("INSTALLDIR"), s(MEDV_DIR), s("WORKSP~1|Workspace")],
        ],
    });

    // Registry: one row per policy value, HKLM, below ROOT_KEY.
    let values = spec.policy.registry_values();
    let reg_ids: Vec<String> = values
        .iter()
        .enumerate()
        .map(|(i, v)| registry_id(i, v.key, v.name))
        .collect();
    let key_path = values
        .iter()
        .position(|v| v.key == "VM" && v.name == "Name")
        .or(if values.is_empty() { None } else { Some(0) })
        .map(|i| reg_ids[i].clone());
    tables.push(TableData {
        name: "Registry",
        columns: vec![
            id_key("Registry"),
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
            Column::build("Component_")
                .foreign_key("Component", 1)
                .category(Category::Identifier)
                .string(72),
        ],
        rows: values
            .iter()
            .zip(&reg_ids)
            .map(|(v, rid)| {
                vec![
                    s(rid.as_str()),
                    Value::Int(ROOT_HKLM),
                    s(escape_formatted(&v.full_key())),
                    s(escape_formatted(v.name)),
                    opt(encode_value(&v.data)),
                    s(COMPONENT),
                ]
            })
            .chain(std::iter::once(vec![
                // Windows Installer forgets INSTALLDIR between sessions: remember it so
                // that uninstall and upgrades find a disk staged in a custom folder.
                s("RegRememberInstallDir"),
                Value::Int(ROOT_HKLM),
                s(saved_dir_key(ws)),
                s(SAVED_DIR_VALUE),
                s("[INSTALLDIR]"),
                s(COMPONENT),
            ]))
            .collect(),
    });
    tables.push(TableData {
        name: "RegLocator",
        columns: vec![
            id_key("Signature_"),
            Column::build("Root").range(0, 3).int16(),
            Column::build("Key").category(Category::RegPath).string(255),
            Column::build("Name")
                .nullable()
                .category(Category::Formatted)
                .string(255),
            Column::build("Type").nullable().range(0, 18).int16(),
        ],
        // Type 0 (a folder that exists) + 16 (64-bit view).
        rows: vec![vec![
            s(SAVED_DIR_SIGNATURE),
            Value::Int(ROOT_HKLM),
            s(saved_dir_key(ws)),
            s(SAVED_DIR_VALUE),
            Value::Int(16),
        ]],
    });

    // Component, Feature, FeatureComponents, CreateFolder.
    tables.push(TableData {
        name: "Component",
        columns: vec![
            id_key("Component"),
            Column::build("ComponentId")
                .nullable()
                .category(Category::Guid)
                .string(38),
            Column::build("Directory_")
                .foreign_key("Directory", 1)
                .category(Category::Identifier)
                .string(72),
            Column::build("Attributes").int16(),
            Column::build("Condition")
                .nullable()
                .category(Category::Condition)
                .string(255),
            Column::build("KeyPath")
                .nullable()
                .category(Category::Identifier)
                .string(72),
        ],
        rows: vec![vec![
            s(COMPONENT),
            s(component_id),
            s("INSTALLDIR"),
            Value::Int(if key_path.is_some() {
                COMPONENT_ATTRIBUTES_REGISTRY_KEYPATH
            } else {
                COMPONENT_ATTRIBUTES_DIR_KEYPATH
            }),
            Value::Null,
            opt(key_path),
        ]],
    });
    tables.push(TableData {
        name: "Feature",
        columns: vec![
            Column::build("Feature")
                .primary_key()
                .category(Category::Identifier)
                .string(38),
            Column::build("Feature_Parent")
                .nullable()
                .foreign_key("Feature", 1)
                .category(Category::Identifier)
                .string(38),
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
        ],
        rows: vec![vec![
            s(FEATURE),
            Value::Null,
            s("MED-V Workspace"),
            s("The workspace policy and disk"),
            Value::Int(0),
            Value::Int(1),
            s("INSTALLDIR"),
            // 16: msidbFeatureAttributesUIDisallowAbsent.
            Value::Int(16),
        ]],
    });
    tables.push(TableData {
        name: "FeatureComponents",
        columns: vec![
            Column::build("Feature_")
                .primary_key()
                .foreign_key("Feature", 1)
                .category(Category::Identifier)
                .string(38),
            Column::build("Component_")
                .primary_key()
                .foreign_key("Component", 1)
                .category(Category::Identifier)
                .string(72),
        ],
        rows: vec![vec![s(FEATURE), s(COMPONENT)]],
    });
    tables.push(TableData {
        name: "CreateFolder",
        columns: vec![
            Column::build("Directory_")
                .primary_key()
                .foreign_key("Directory", 1)
                .category(Category::Identifier)
                .string(72),
            Column::build("Component_")
                .primary_key()
                .foreign_key("Component", 1)
                .category(Category::Identifier)
                .string(72),
        ],
        rows: vec![vec![s("INSTALLDIR"), s(COMPONENT)]],
    });

    // RemoveFile: the staged disk and the runtime's side files (exact names:
    // Wine's msiexec ignores wildcards here), then the folders if they are empty
    // (InstallMode 2 = on uninstall).
    let internal = &ws.internal_name;
    tables.push(TableData {
        name: "RemoveFile",
        columns: vec![
            id_key("FileKey"),
            Column::build("Component_")
                .foreign_key("Component", 1)
                .category(Category::Identifier)
                .string(72),
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
        ],
        rows: [
            ("RemoveFileVhd", Some(""), "INSTALLDIR"),
            // The runtime's files beside the disk (see runtime/README.md).
            ("RemoveFileVhdJournal", Some(JOURNAL_SUFFIX), "INSTALLDIR"),
            ("RemoveFileVhdOld", Some(OLD_SUFFIX), "INSTALLDIR"),
            ("RemoveFileVhdTmp", Some(TMP_SUFFIX), "INSTALLDIR"),
            // Folders last, innermost first (keys sort in this order).
            ("RemoveFolder1Install", None, "INSTALLDIR"),
            ("RemoveFolder2Medv", None, MEDV_DIR),
        ]
        .into_iter()
        .map(|(key, suffix, dir)| {
            let file = suffix.map(|suffix| s(short_long(&format!("{internal}.vhd{suffix}"))));
            vec![
                s(key),
                s(COMPONENT),
                file.unwrap_or(Value::Null),
                s(dir),
                Value::Int(2),
            ]
        })
        .collect(),
    });

    // ReserveCost: the disk the staging action writes, in rows of at most 1 GiB
    // (ReserveLocal is a signed 32-bit column).
    let mut reserve_rows = Vec::new();
    let mut left = spec.disk_size;
    while left > 0 {
        let chunk = left.min(RESERVE_CHUNK);
        reserve_rows.push(vec![
            s(format!("ReserveVhd{:03}", reserve_rows.len())),
            s(COMPONENT),
            s("INSTALLDIR"),
            Value::Int(chunk as i32),
            Value::Int(0),
        ]);
        left -= chunk;
    }
    tables.push(TableData {
        name: "ReserveCost",
        columns: vec![
            id_key("ReserveKey"),
            Column::build("Component_")
                .foreign_key("Component", 1)
                .category(Category::Identifier)
                .string(72),
            Column::build("ReserveFolder")
                .nullable()
                .category(Category::Identifier)
                .string(72),
            Column::build("ReserveLocal").range(0, i32::MAX).int32(),
            Column::build("ReserveSource").range(0, i32::MAX).int32(),
        ],
        rows: reserve_rows,
    });

    // Upgrade: an older version is removed (major upgrade); a newer one stops the install.
    let upgrade_code = guid(codes.upgrade_code);
    let version = ws.version.to_string();
    tables.push(TableData {
        name: "Upgrade",
        columns: vec![
            Column::build("UpgradeCode")
                .primary_key()
                .category(Category::Guid)
                .string(38),
            Column::build("VersionMin")
                .primary_key()
                .nullable()
                .category(Category::Text)
                .string(20),
            Column::build("VersionMax")
                .primary_key()
                .nullable()
                .category(Category::Text)
                .string(20),
            Column::build("Language")
                .primary_key()
                .nullable()
                .category(Category::Language)
                .string(255),
            Column::build("Attributes")
                .primary_key()
                .range(0, 2147483647)
                .int32(),
            Column::build("Remove")
                .nullable()
                .category(Category::Formatted)
                .string(255),
            Column::build("ActionProperty")
                .category(Category::UpperCase)
                .string(72),
        ],
        rows: vec![
            // Any version below this one: remove it (1 = migrate feature states).
            vec![
                s(upgrade_code.as_str()),
                Value::Null,
                s(version.as_str()),
                Value::Null,
                Value::Int(1),
                Value::Null,
                s(UPGRADE_PROPERTY),
            ],
            // Any version above this one: only detect (2), LaunchCondition refuses.
            vec![
                s(upgrade_code.as_str()),
                s(version.as_str()),
                Value::Null,
                Value::Null,
                Value::Int(2),
                Value::Null,
                s(NEWER_PROPERTY),
            ],
        ],
    });

    // LaunchCondition.
    tables.push(TableData {
        name: "LaunchCondition",
        columns: vec![
            Column::build("Condition")
                .primary_key()
                .category(Category::Condition)
                .string(255),
            Column::build("Description")
                .localizable()
                .category(Category::Formatted)
                .string(255),
        ],
        rows: launch_conditions()
            .into_iter()
            .map(|(c, d)| vec![s(c), s(d)])
            .collect(),
    });

    // Find the MED-V host agent, so that an install with UI can start it (MED-V did).
    tables.push(TableData {
        name: "AppSearch",
        columns: vec![
            Column::build("Property").primary_key().id_string(72),
            Column::build("Signature_").primary_key().id_string(72),
        ],
        rows: vec![
            vec![s(MEDVHOST_PROPERTY), s(MEDVHOST_SIGNATURE)],
            vec![s(SAVED_DIR_PROPERTY), s(SAVED_DIR_SIGNATURE)],
        ],
    });
    tables.push(TableData {
        name: "Signature",
        columns: vec![
            id_key("Signature"),
            Column::build("FileName")
                .category(Category::Filename)
                .string(255),
            Column::build("MinVersion")
                .nullable()
                .category(Category::Text)
                .string(20),
            Column::build("MaxVersion")
                .nullable()
                .category(Category::Text)
                .string(20),
            Column::build("MinSize")
                .nullable()
                .range(0, 2147483647)
                .int32(),
            Column::build("MaxSize")
                .nullable()
                .range(0, 2147483647)
                .int32(),
            Column::build("MinDate")
                .nullable()
                .range(0, 2147483647)
                .int32(),
            Column::build("MaxDate")
                .nullable()
                .range(0, 2147483647)
                .int32(),
            Column::build("Languages")
                .nullable()
                .category(Category::Language)
                .string(255),
        ],
        rows: vec![vec![
            s(MEDVHOST_SIGNATURE),
            s("MedvHost.exe"),
            Value::Null,
            Value::Null,
            Value::Null,
            Value::Null,
            Value::Null,
            Value::Null,
            Value::Null,
        ]],
    });
    tables.push(TableData {
        name: "DrLocator",
        columns: vec![
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
        ],
        rows: vec![vec![
            s(MEDVHOST_SIGNATURE),
            Value::Null,
            s(MEDVHOST_DIR),
            Value::Int(0),
        ]],
    });

    // Sequences.
    let rt = spec.runtime;
    let standard = |list: &[(&str, i32)]| -> Vec<Vec<Value>> {
        list.iter()
            .map(|&(a, n)| sequence_row(a, None, n))
            .collect()
    };
    let mut execute = standard(INSTALL_EXECUTE);
    let mut ui = standard(INSTALL_UI);
    // A folder remembered by an earlier install wins over the default, not over the command line.
    for list in [&mut execute, &mut ui] {
        list.push(sequence_row(
            RESTORE_DIR_ACTION,
            Some(RESTORE_DIR_CONDITION),
            51,
        ));
    }
    // After a successful install with UI (ExecuteAction returned), start the agent so
    // first-time setup runs, as MED-V did; a silent install leaves it to the next logon.
    ui.push(sequence_row(LAUNCH_ACTION, Some(LAUNCH_CONDITION), 1301));
    if let Some(rt) = rt {
        for (list, rows) in [
            (&mut execute, &rt.execute_sequence),
            (&mut ui, &rt.ui_sequence),
        ] {
            list.extend(
                rows.iter()
                    .map(|r| sequence_row(&r.action, r.condition.as_deref(), r.sequence)),
            );
        }
    }
    for (name, rows) in [
        ("InstallExecuteSequence", execute),
        ("InstallUISequence", ui),
        ("AdminExecuteSequence", standard(ADMIN_EXECUTE)),
        ("AdminUISequence", standard(ADMIN_UI)),
        ("AdvtExecuteSequence", standard(ADVT_EXECUTE)),
    ] {
        tables.push(TableData {
            name,
            columns: sequence_columns(),
            rows,
        });
    }

    // The runtime's Binary rows; its CustomAction rows and the agent's launch.
    let custom_action = |action: &str, type_: i32, source: Option<&str>, target: Option<&str>| {
        vec![s(action), Value::Int(type_), opt(source), opt(target)]
    };
    let restore_target = format!("[{SAVED_DIR_PROPERTY}]");
    let mut custom_actions = vec![
        custom_action(LAUNCH_ACTION, LAUNCH_TYPE, Some(MEDVHOST_PROPERTY), None),
        custom_action(
            RESTORE_DIR_ACTION,
            51,
            Some("INSTALLDIR"),
            Some(&restore_target),
        ),
    ];
    if let Some(rt) = rt {
        tables.push(TableData {
            name: "Binary",
            columns: vec![id_key("Name"), Column::build("Data").binary()],
            rows: rt
                .binaries
                .iter()
                .map(|(name, _)| vec![s(name.as_str()), Value::Binary])
                .collect(),
        });
        // The installer's progress line while the disk is staged (`[1]`: the runtime's ActionData).
        if rt.execute_sequence.iter().any(|r| r.action == STAGE_ACTION) {
            tables.push(TableData {
                name: "ActionText",
                columns: vec![
                    id_key("Action"),
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
                ],
                rows: vec![vec![
                    s(STAGE_ACTION),
                    s("Staging the workspace disk"),
                    s("[1]"),
                ]],
            });
        }
        custom_actions.extend(rt.custom_actions.iter().map(|ca| {
            custom_action(
                &ca.action,
                ca.type_,
                ca.source.as_deref(),
                ca.target.as_deref(),
            )
        }));
    }
    tables.push(TableData {
        name: "CustomAction",
        columns: vec![
            id_key("Action"),
            Column::build("Type").range(1, 32767).int16(),
            Column::build("Source")
                .nullable()
                .category(Category::CustomSource)
                .string(72),
            Column::build("Target")
                .nullable()
                .category(Category::Formatted)
                .string(255),
        ],
        rows: custom_actions,
    });

    tables.retain(|t| !t.rows.is_empty());
    tables
}

/// The launch conditions (condition, message).
pub fn launch_conditions() -> Vec<(&'static str, &'static str)> {
    vec![
        (
            "VersionNT >= 601",
            "[ProductName] requires Windows 7 or later.",
        ),
        ("VersionNT64", "[ProductName] requires 64-bit Windows."),
        (
            "Privileged",
            "[ProductName] must be installed by an administrator.",
        ),
        (
            "NOT WSPACK_NEWER_FOUND",
            "A newer version of [ProductName] is already installed. Uninstall it first to install this version.",
        ),
    ]
}

/// Where the package remembers INSTALLDIR (HKLM, 64-bit view), by workspace.
fn saved_dir_key(ws: &crate::policy::Workspace) -> String {
    format!(r"SOFTWARE\wspack\Workspaces\{}", ws.internal_name)
}
const SAVED_DIR_VALUE: &str = "InstallDir";
const SAVED_DIR_SIGNATURE: &str = "SavedInstallDir";
/// The property AppSearch sets to the remembered INSTALLDIR (when that folder exists).
pub const SAVED_DIR_PROPERTY: &str = "WSPACK_SAVEDDIR";
const RESTORE_DIR_ACTION: &str = "RestoreInstallDir";
/// INSTALLDIR is a property before CostFinalize only when the command line set it.
const RESTORE_DIR_CONDITION: &str = "WSPACK_SAVEDDIR AND NOT INSTALLDIR";

/// The property AppSearch sets to the host agent's path when it is installed.
pub const MEDVHOST_PROPERTY: &str = "MEDVHOSTEXE";
const MEDVHOST_SIGNATURE: &str = "MedvHostExe";
/// Where MED-V 2.0 installs its host agent.
pub const MEDVHOST_DIR: &str = "[ProgramFiles64Folder]Microsoft Enterprise Desktop Virtualization";
/// The custom action that starts the host agent after an install with UI.
pub const LAUNCH_ACTION: &str = "LaunchMedvHost";
/// 50 (run the exe a property names) + 64 (ignore its exit code) + 128 (don't wait).
const LAUNCH_TYPE: i32 = 50 + 64 + 128;
/// Only on a first install, only when the agent is there, unless suppressed.
pub const LAUNCH_CONDITION: &str = "NOT Installed AND MEDVHOSTEXE AND SUPPRESSMEDVLAUNCH<>\"1\"";

/// InstallExecuteSequence (standard actions, numbers as WiX writes them).
pub const INSTALL_EXECUTE: &[(&str, i32)] = &[
    ("FindRelatedProducts", 25),
    ("AppSearch", 50),
    ("LaunchConditions", 100),
    ("ValidateProductID", 700),
    ("CostInitialize", 800),
    ("FileCost", 900),
    ("CostFinalize", 1000),
    ("MigrateFeatureStates", 1200),
    ("InstallValidate", 1400),
    ("InstallInitialize", 1500),
    // After InstallInitialize: the old version's removal is part of this
    // transaction, so a failed upgrade rolls back to the old version.
    ("RemoveExistingProducts", 1501),
    ("ProcessComponents", 1600),
    ("UnpublishFeatures", 1800),
    ("RemoveRegistryValues", 2600),
    ("RemoveFiles", 3500),
    ("RemoveFolders", 3600),
    ("CreateFolders", 3700),
    ("WriteRegistryValues", 5000),
    ("RegisterUser", 6000),
    ("RegisterProduct", 6100),
    ("PublishFeatures", 6300),
    ("PublishProduct", 6400),
    ("InstallFinalize", 6600),
];

/// InstallUISequence (no dialogs: basic UI only).
pub const INSTALL_UI: &[(&str, i32)] = &[
    ("FindRelatedProducts", 25),
    ("AppSearch", 50),
    ("LaunchConditions", 100),
    ("ValidateProductID", 700),
    ("CostInitialize", 800),
    ("FileCost", 900),
    ("CostFinalize", 1000),
    ("MigrateFeatureStates", 1200),
    ("ExecuteAction", 1300),
];

/// AdminExecuteSequence.
pub const ADMIN_EXECUTE: &[(&str, i32)] = &[
    ("CostInitialize", 800),
    ("FileCost", 900),
    ("CostFinalize", 1000),
    ("InstallValidate", 1400),
    ("InstallInitialize", 1500),
    ("InstallAdminPackage", 3900),
    ("InstallFiles", 4000),
    ("InstallFinalize", 6600),
];

/// AdminUISequence.
pub const ADMIN_UI: &[(&str, i32)] = &[
    ("CostInitialize", 800),
    ("FileCost", 900),
    ("CostFinalize", 1000),
    ("ExecuteAction", 1300),
];

/// AdvtExecuteSequence.
pub const ADVT_EXECUTE: &[(&str, i32)] = &[
    ("CostInitialize", 800),
    ("CostFinalize", 1000),
    ("InstallValidate", 1400),
    ("InstallInitialize", 1500),
    ("PublishFeatures", 6300),
    ("PublishProduct", 6400),
    ("InstallFinalize", 6600),
];

/// Returns a readable, unique Registry row id: `Reg000_VM_Memory` (≤ 72 chars).
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
        let id = registry_id(7, r"UserExperience\RedirectUrls", "RedirectUrls");
        assert_eq!(id, "Reg007_UserExperience_RedirectUrls_RedirectUrls");
        assert!(Category::Identifier.validate(&id));
        assert!(registry_id(1, &"x".repeat(100), "y").len() <= 72);
    }

    #[test]
    fn sequences_are_ordered_and_unique() {
        for seq in [
            INSTALL_EXECUTE,
            INSTALL_UI,
            ADMIN_EXECUTE,
            ADMIN_UI,
            ADVT_EXECUTE,
        ] {
            assert!(seq.windows(2).all(|w| w[0].1 < w[1].1));
        }
    }
}
