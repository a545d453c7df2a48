//! Sequence tables: ICE12, 26, 27, 63, 77, 82.

use super::db::Database;
use super::Finding;

const TABLES: &[&str] = &[
    "AdminUISequence",
    "AdminExecuteSequence",
    "AdvtExecuteSequence",
    "InstallUISequence",
    "InstallExecuteSequence",
];

/// The standard actions (Windows Installer "Standard Actions Reference").
const STANDARD_ACTIONS: &[&str] = &[
    "ADMIN",
    "ADVERTISE",
    "AllocateRegistrySpace",
    "AppSearch",
    "BindImage",
    "CCPSearch",
    "CostFinalize",
    "CostInitialize",
    "CreateFolders",
    "CreateShortcuts",
    "DeleteServices",
    "DisableRollback",
    "DuplicateFiles",
    "ExecuteAction",
    "FileCost",
    "FindRelatedProducts",
    "ForceReboot",
    "INSTALL",
    "InstallAdminPackage",
    "InstallExecute",
    "InstallExecuteAgain",
    "InstallFiles",
    "InstallFinalize",
    "InstallInitialize",
    "InstallODBC",
    "InstallServices",
    "InstallSFPCatalogFile",
    "InstallValidate",
    "IsolateComponents",
    "LaunchConditions",
    "MigrateFeatureStates",
    "MoveFiles",
    "MsiConfigureServices",
    "MsiPublishAssemblies",
    "MsiUnpublishAssemblies",
    "PatchFiles",
    "ProcessComponents",
    "PublishComponents",
    "PublishFeatures",
    "PublishProduct",
    "RegisterClassInfo",
    "RegisterComPlus",
    "RegisterExtensionInfo",
    "RegisterFonts",
    "RegisterMIMEInfo",
    "RegisterProduct",
    "RegisterProgIdInfo",
    "RegisterTypeLibraries",
    "RegisterUser",
    "RemoveDuplicateFiles",
    "RemoveEnvironmentStrings",
    "RemoveExistingProducts",
    "RemoveFiles",
    "RemoveFolders",
    "RemoveIniValues",
    "RemoveODBC",
    "RemoveRegistryValues",
    "RemoveShortcuts",
    "ResolveSource",
    "RMCCPSearch",
    "ScheduleReboot",
    "SelfRegModules",
    "SelfUnregModules",
    "SEQUENCE",
    "SetODBCFolders",
    "StartServices",
    "StopServices",
    "UnpublishComponents",
    "UnpublishFeatures",
    "UnregisterClassInfo",
    "UnregisterComPlus",
    "UnregisterExtensionInfo",
    "UnregisterFonts",
    "UnregisterMIMEInfo",
    "UnregisterProgIdInfo",
    "UnregisterTypeLibraries",
    "ValidateProductID",
    "WriteEnvironmentStrings",
    "WriteIniValues",
    "WriteRegistryValues",
    "MsiUnpublishAssemblies",
    "MsiPublishAssemblies",
];

/// Actions that write the installation script (the Execution section).
const SCRIPT_ACTIONS: &[&str] = &[
    "AllocateRegistrySpace",
    "BindImage",
    "CreateFolders",
    "CreateShortcuts",
    "DeleteServices",
    "DuplicateFiles",
    "InstallFiles",
    "InstallODBC",
    "InstallServices",
    "MoveFiles",
    "PatchFiles",
    "ProcessComponents",
    "PublishComponents",
    "PublishFeatures",
    "PublishProduct",
    "RegisterClassInfo",
    "RegisterComPlus",
    "RegisterExtensionInfo",
    "RegisterFonts",
    "RegisterMIMEInfo",
    "RegisterProduct",
    "RegisterProgIdInfo",
    "RegisterTypeLibraries",
    "RegisterUser",
    "RemoveDuplicateFiles",
    "RemoveEnvironmentStrings",
    "RemoveFiles",
    "RemoveFolders",
    "RemoveIniValues",
    "RemoveODBC",
    "RemoveRegistryValues",
    "RemoveShortcuts",
    "SelfRegModules",
    "SelfUnregModules",
    "StartServices",
    "StopServices",
    "UnpublishComponents",
    "UnpublishFeatures",
    "UnregisterClassInfo",
    "UnregisterComPlus",
    "UnregisterExtensionInfo",
    "UnregisterFonts",
    "UnregisterMIMEInfo",
    "UnregisterProgIdInfo",
    "UnregisterTypeLibraries",
    "WriteEnvironmentStrings",
    "WriteIniValues",
    "WriteRegistryValues",
];

/// Orderings every sequence table must keep (first before second).
const ORDER: &[(&str, &str)] = &[
    ("AppSearch", "CostInitialize"),
    ("CCPSearch", "CostInitialize"),
    ("CostInitialize", "FileCost"),
    ("FileCost", "CostFinalize"),
    ("CostFinalize", "InstallValidate"),
    ("InstallValidate", "InstallInitialize"),
    ("InstallInitialize", "InstallFinalize"),
    ("FindRelatedProducts", "MigrateFeatureStates"),
    ("CostFinalize", "MigrateFeatureStates"),
];

/// Runs the sequence rules.
pub fn check(db: &Database) -> Vec<Finding> {
    let mut out = Vec::new();
    for table in TABLES.iter().copied().filter(|t| db.has(t)) {
        out.extend(ice12(db, table));
        out.extend(ice26(db, table));
        out.extend(ice27(db, table));
        out.extend(ice82_duplicates(db, table));
    }
    for table in ["InstallExecuteSequence", "AdminExecuteSequence"] {
        if db.has(table) {
            out.extend(ice77(db, table));
        }
    }
    out.extend(ice63(db));
    out.extend(ice82_registration(db));
    out
}

fn ca_type(db: &Database, action: &str) -> Option<i32> {
    db.find("CustomAction", action).and_then(|r| r.int("Type"))
}

fn ice12(db: &Database, table: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    let cost_finalize = db.seq_of(table, "CostFinalize");
    for (action, seq, _) in db.sequence(table) {
        let Some(ty) = ca_type(db, &action) else {
            continue;
        };
        let base = ty & 0x3F;
        let source = db
            .find("CustomAction", &action)
            .and_then(|r| r.str("Source"));
        let is_dir = source.is_some_and(|s| db.find("Directory", s).is_some());
        let problem = match (base, cost_finalize, seq) {
            (35 | 51, None, _) if base == 35 || is_dir => {
                Some("sets a folder, but the table has no CostFinalize".to_string())
            }
            (35, _, _) if !is_dir => Some(format!(
                "folder '{}' not found in Directory table",
                source.unwrap_or("")
            )),
            (35, Some(cf), Some(s)) if s <= cf => Some(format!(
                "sequence {s} comes before CostFinalize ({cf}); it must come after"
            )),
            (51, Some(cf), Some(s)) if is_dir && s >= cf => Some(format!(
                "sequence {s} comes after CostFinalize ({cf}); it must come before"
            )),
            _ => None,
        };
        if let Some(problem) = problem {
            out.push(Finding::error(12, table, action, problem));
        }
    }
    out
}

fn ice26(db: &Database, table: &str) -> Vec<Finding> {
    let execute = table.ends_with("ExecuteSequence");
    let (required, prohibited): (&[&str], &[&str]) = match table {
        "InstallExecuteSequence" | "AdminExecuteSequence" => (
            &[
                "CostInitialize",
                "FileCost",
                "CostFinalize",
                "InstallValidate",
                "InstallInitialize",
                "InstallFinalize",
            ],
            &["ExecuteAction"],
        ),
        "InstallUISequence" | "AdminUISequence" => (
            &[
                "CostInitialize",
                "FileCost",
                "CostFinalize",
                "ExecuteAction",
            ],
            &["InstallInitialize", "InstallFinalize", "InstallExecute"],
        ),
        _ => (&[], &["ExecuteAction"]),
    };
    let mut out = Vec::new();
    for action in required.iter().filter(|a| db.seq_of(table, a).is_none()) {
        out.push(Finding::error(
            26,
            table,
            *action,
            format!("action {action} is required in {table}"),
        ));
    }
    let seq = db.sequence(table);
    for (action, _, _) in seq
        .iter()
        .filter(|(a, _, _)| prohibited.contains(&a.as_str()))
    {
        out.push(Finding::error(
            26,
            table,
            action.clone(),
            format!("action {action} is prohibited in {table}"),
        ));
    }
    if !execute {
        for (action, _, _) in seq
            .iter()
            .filter(|(a, _, _)| SCRIPT_ACTIONS.contains(&a.as_str()))
        {
            out.push(Finding::error(
                26,
                table,
                action.clone(),
                format!("action {action} is prohibited in {table}"),
            ));
        }
    }
    out
}

fn ice27(db: &Database, table: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    let seq = db.sequence(table);
    for (action, _, _) in &seq {
        let known = STANDARD_ACTIONS.contains(&action.as_str())
            || db.find("CustomAction", action).is_some()
            || db.find("Dialog", action).is_some();
        if !known {
            out.push(Finding::error(27, table, action.clone(), format!(
                "unknown action {action}: not a standard action and not in the CustomAction or Dialog table"
            )));
        }
    }
    for (first, second) in ORDER {
        if let (Some(a), Some(b)) = (db.seq_of(table, first), db.seq_of(table, second)) {
            if a >= b {
                out.push(Finding::error(
                    27,
                    table,
                    *first,
                    format!("{first} ({a}) must come before {second} ({b})"),
                ));
            }
        }
    }
    let validate = db.seq_of(table, "InstallValidate");
    let finalize = db.seq_of(table, "InstallFinalize");
    let scripted: Vec<_> = seq
        .iter()
        .filter(|(a, _, _)| SCRIPT_ACTIONS.contains(&a.as_str()))
        .collect();
    for (action, s, _) in &scripted {
        let inside =
            matches!((validate, finalize, s), (Some(v), Some(f), Some(s)) if v < *s && *s < f);
        if !inside && table.ends_with("ExecuteSequence") && !table.starts_with("Advt") {
            out.push(Finding::error(27, table, action.clone(), format!(
                "{action} is a script action: it belongs between InstallValidate and InstallFinalize"
            )));
        }
    }
    if finalize.is_some() && scripted.is_empty() {
        out.push(Finding::error(
            27,
            table,
            "InstallFinalize",
            "InstallFinalize is present but no script action is".into(),
        ));
    }
    out
}

fn ice63(db: &Database) -> Option<Finding> {
    let t = "InstallExecuteSequence";
    let rep = db.seq_of(t, "RemoveExistingProducts")?;
    let at = |a: &str| db.seq_of(t, a);
    let between = |lo: i32, hi: i32| {
        db.sequence(t)
            .into_iter()
            .filter(|(_, s, _)| s.is_some_and(|s| lo < s && s < hi))
            .map(|(a, _, _)| a)
            .collect::<Vec<_>>()
    };
    let (v, i, f) = (
        at("InstallValidate"),
        at("InstallInitialize"),
        at("InstallFinalize"),
    );
    let execute = at("InstallExecute").or(at("InstallExecuteAgain"));
    let ok = matches!((v, i), (Some(v), Some(i)) if v < rep && rep < i)
        || matches!(i, Some(i) if i < rep && between(i, rep).is_empty())
        || matches!((execute, f), (Some(e), Some(f)) if e < rep && rep < f && between(e, rep).is_empty())
        || matches!(f, Some(f) if rep > f);
    (!ok).then(|| {
        Finding::error(
            63,
            t,
            "RemoveExistingProducts",
            format!(
        "sequence {rep}: it must be between InstallValidate and InstallInitialize, right after \
         InstallInitialize or InstallExecute, or after InstallFinalize"
    ),
        )
    })
}

fn ice77(db: &Database, table: &str) -> Vec<Finding> {
    let (init, fin) = (
        db.seq_of(table, "InstallInitialize"),
        db.seq_of(table, "InstallFinalize"),
    );
    let mut out = Vec::new();
    for (action, seq, _) in db.sequence(table) {
        let Some(ty) = ca_type(db, &action) else {
            continue;
        };
        if ty & 0x400 == 0 {
            continue;
        }
        let inside = matches!((init, fin, seq), (Some(i), Some(f), Some(s)) if i < s && s < f);
        if !inside {
            out.push(Finding::error(77, table, action.clone(), format!(
                "{action} is an in-script custom action: it must be sequenced between InstallInitialize and InstallFinalize"
            )));
        }
    }
    out
}

fn ice82_duplicates(db: &Database, table: &str) -> Vec<Finding> {
    let mut seen = std::collections::BTreeMap::new();
    let mut out = Vec::new();
    for (action, seq, _) in db.sequence(table) {
        let Some(s) = seq.filter(|s| *s > 0) else {
            continue;
        };
        if let Some(first) = seen.insert(s, action.clone()) {
            out.push(Finding::warning(
                82,
                table,
                action.clone(),
                format!("{action} has the same sequence number {s} as {first}"),
            ));
        }
    }
    out
}

fn ice82_registration(db: &Database) -> Option<Finding> {
    let t = "InstallExecuteSequence";
    db.has(t).then_some(())?;
    let actions = [
        "RegisterProduct",
        "RegisterUser",
        "PublishProduct",
        "PublishFeatures",
    ];
    let missing: Vec<&str> = actions
        .iter()
        .copied()
        .filter(|a| db.seq_of(t, a).is_none())
        .collect();
    match missing.len() {
        0 => None,
        4 => Some(Finding::warning(82, t, "", "has none of RegisterProduct, RegisterUser, PublishProduct, PublishFeatures".into())),
        _ => Some(Finding::error(82, t, "", format!(
            "should contain all of RegisterProduct, RegisterUser, PublishProduct, PublishFeatures or none; missing: {}",
            missing.join(", ")
        ))),
    }
}
