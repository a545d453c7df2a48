//! Rules on small databases built in memory (the seeded-MSI tests in
//! tests/validate.rs cover the others through real files).

use super::db::{ColumnInfo, Database, SummaryFacts, TableRows};
use super::{check, Finding, Severity};
use msi::{ColumnType, Value};

fn s(text: &str) -> Value {
    if text.is_empty() {
        Value::Null
    } else {
        Value::Str(text.to_string())
    }
}

fn i(n: i32) -> Value {
    Value::Int(n)
}

/// A table whose first `keys` columns are its primary key.
fn table(columns: &[&str], keys: usize, rows: Vec<Vec<Value>>) -> TableRows {
    let columns = columns
        .iter()
        .enumerate()
        .map(|(n, name)| ColumnInfo {
            name: name.to_string(),
            coltype: ColumnType::Str(255),
            primary_key: n < keys,
        })
        .collect();
    TableRows { columns, rows }
}

/// A per-machine product: TARGETDIR, ProgramFilesFolder\App, one component with a
/// file key path in one feature.
fn product() -> Database {
    let mut db = Database::default();
    let mut add = |name: &str, t: TableRows| {
        db.tables.insert(name.to_string(), t);
    };
    add(
        "Directory",
        table(
            &["Directory", "Directory_Parent", "DefaultDir"],
            1,
            vec![
                vec![s("TARGETDIR"), s(""), s("SourceDir")],
                vec![s("ProgramFilesFolder"), s("TARGETDIR"), s(".")],
                vec![s("APPDIR"), s("ProgramFilesFolder"), s("App")],
                vec![s("AppDataFolder"), s("TARGETDIR"), s(".")],
                vec![s("SystemFolder"), s("TARGETDIR"), s(".")],
            ],
        ),
    );
    add(
        "Component",
        table(
            &[
                "Component",
                "ComponentId",
                "Directory_",
                "Attributes",
                "Condition",
                "KeyPath",
            ],
            1,
            vec![vec![
                s("Main"),
                s("{11111111-2222-3333-4444-555555555555}"),
                s("APPDIR"),
                i(0),
                s(""),
                s("MainExe"),
            ]],
        ),
    );
    add(
        "File",
        table(
            &["File", "Component_", "FileName"],
            1,
            vec![vec![s("MainExe"), s("Main"), s("app.exe")]],
        ),
    );
    add(
        "FeatureComponents",
        table(
            &["Feature_", "Component_"],
            2,
            vec![vec![s("F"), s("Main")]],
        ),
    );
    add("Feature", table(&["Feature"], 1, vec![vec![s("F")]]));
    add(
        "Property",
        table(
            &["Property", "Value"],
            1,
            vec![
                vec![
                    s("ProductCode"),
                    s("{51111111-2222-3333-4444-555555555555}"),
                ],
                vec![s("ProductVersion"), s("1.0.0")],
                vec![s("ProductLanguage"), s("1033")],
            ],
        ),
    );
    db.summary = SummaryFacts {
        arch: Some("Intel".into()),
        languages: vec![1033],
        page_count: Some(200),
    };
    db
}

fn push(db: &mut Database, table: &str, row: Vec<Value>) {
    db.tables
        .get_mut(table)
        .expect("table exists")
        .rows
        .push(row);
}

fn found(db: &Database, ice: u16, severity: Severity, row: &str) -> Option<Finding> {
    check(db)
        .into_iter()
        .find(|f| f.ice == ice && f.severity == severity && f.row == row)
}

#[test]
fn the_base_product_is_clean() {
    assert_eq!(check(&product()), vec![]);
}

#[test]
fn component_rules() {
    let mut db = product();
    // A second component in the same folder installing app.exe again (ICE30), in
    // no feature (ICE21), in the system folder without Permanent (ICE09: another).
    push(
        &mut db,
        "Component",
        vec![
            s("Dup"),
            s("{21111111-2222-3333-4444-555555555555}"),
            s("APPDIR"),
            i(0),
            s(""),
            s("DupExe"),
        ],
    );
    push(&mut db, "File", vec![s("DupExe"), s("Dup"), s("APP.EXE")]);
    push(
        &mut db,
        "Component",
        vec![
            s("Sys"),
            s("{31111111-2222-3333-4444-555555555555}"),
            s("SystemFolder"),
            i(0),
            s(""),
            s(""),
        ],
    );
    assert!(
        found(&db, 30, Severity::Error, "DupExe").is_some(),
        "{:#?}",
        check(&db)
    );
    assert!(found(&db, 21, Severity::Error, "Dup").is_some());
    assert!(found(&db, 9, Severity::Warning, "Sys").is_some());
    // Sys's key path is its folder, which is not in CreateFolder (ICE18).
    assert!(found(&db, 18, Severity::Error, "Sys").is_some());
}

#[test]
fn profile_rules() {
    let mut db = product();
    push(
        &mut db,
        "Directory",
        vec![s("USERDIR"), s("AppDataFolder"), s("UserApp")],
    );
    push(
        &mut db,
        "Component",
        vec![
            s("User"),
            s("{41111111-2222-3333-4444-555555555555}"),
            s("USERDIR"),
            i(0),
            s(""),
            s("UserFile"),
        ],
    );
    push(
        &mut db,
        "File",
        vec![s("UserFile"), s("User"), s("user.ini")],
    );
    push(&mut db, "FeatureComponents", vec![s("F"), s("User")]);
    db.tables.insert(
        "Registry".into(),
        table(
            &["Registry", "Root", "Key", "Name", "Value", "Component_"],
            1,
            vec![vec![
                s("MachineValue"),
                i(2),
                s("Software\\App"),
                s("x"),
                s("1"),
                s("User"),
            ]],
        ),
    );
    db.tables.insert(
        "Shortcut".into(),
        table(
            &["Shortcut", "Directory_", "Name", "Component_", "Target"],
            1,
            vec![vec![
                s("Sc"),
                s("USERDIR"),
                s("App"),
                s("User"),
                s("[#MainExe]"),
            ]],
        ),
    );
    // A file key path in the profile (ICE38), a per-user file with an HKLM value
    // (ICE57), a profile folder not in RemoveFile (ICE64), a file in a
    // per-user-only folder (ICE91), a shortcut in a public-property profile folder
    // (ICE90).
    assert!(
        found(&db, 38, Severity::Error, "User").is_some(),
        "{:#?}",
        check(&db)
    );
    assert!(found(&db, 57, Severity::Error, "User").is_some());
    assert!(found(&db, 64, Severity::Error, "USERDIR").is_some());
    assert!(found(&db, 91, Severity::Warning, "UserFile").is_some());
    assert!(found(&db, 90, Severity::Warning, "Sc").is_some());
    assert!(
        found(&db, 67, Severity::Warning, "Sc").is_none(),
        "Main is local only"
    );
    // The shortcut targets Main's file; Main made optional (2) gives ICE67.
    db.tables.get_mut("Component").unwrap().rows[0][3] = i(2);
    assert!(found(&db, 67, Severity::Warning, "Sc").is_some());
    // Removing the folder on uninstall answers ICE64.
    db.tables.insert(
        "RemoveFile".into(),
        table(
            &[
                "FileKey",
                "Component_",
                "FileName",
                "DirProperty",
                "InstallMode",
            ],
            1,
            vec![vec![s("RmUserDir"), s("User"), s(""), s("USERDIR"), i(2)]],
        ),
    );
    assert!(found(&db, 64, Severity::Error, "USERDIR").is_none());
}

#[test]
fn catalog_sequence_and_registry_rules() {
    let mut db = product();
    let validation = [
        "Table",
        "Column",
        "Nullable",
        "MinValue",
        "MaxValue",
        "KeyTable",
        "KeyColumn",
        "Category",
        "Set",
        "Description",
    ];
    let row = |t: &str, c: &str| {
        vec![
            s(t),
            s(c),
            s("N"),
            s(""),
            s(""),
            s(""),
            s(""),
            s("Text"),
            s(""),
            s(""),
        ]
    };
    db.tables.insert(
        "_Validation".into(),
        table(
            &validation,
            2,
            vec![row("File", "FileName"), row("File", "Version")],
        ),
    );
    db.tables.insert(
        "InstallExecuteSequence".into(),
        table(
            &["Action", "Condition", "Sequence"],
            1,
            vec![vec![s("InstallFinalize"), s(""), i(6600)]],
        ),
    );
    db.tables.insert(
        "Registry".into(),
        table(
            &["Registry", "Root", "Key", "Name", "Value", "Component_"],
            1,
            vec![vec![
                s("Cls"),
                i(0),
                s("CLSID\\{X}"),
                s(""),
                s("x"),
                s("Main"),
            ]],
        ),
    );
    let findings = check(&db);
    let has = |ice: u16, table: &str, row: &str| {
        findings
            .iter()
            .any(|f| f.ice == ice && f.table == table && f.row == row)
    };
    assert!(has(6, "File", ""), "{findings:#?}");
    assert!(
        has(26, "InstallExecuteSequence", "CostFinalize"),
        "{findings:#?}"
    );
    assert!(has(27, "InstallExecuteSequence", "InstallFinalize"));
    assert!(has(33, "Registry", "Cls"));
}
