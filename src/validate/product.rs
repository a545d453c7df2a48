//! Product-wide rules: ICE16, 24, 33, 40, 45, 46, 61, 68, 80.

use super::db::Database;
use super::types::{is_guid, product_version};
use super::Finding;
use std::collections::BTreeSet;

/// Runs the product rules.
pub fn check(db: &Database) -> Vec<Finding> {
    let mut out = Vec::new();
    out.extend(ice16(db));
    out.extend(ice24(db));
    out.extend(ice33(db));
    out.extend(ice40(db));
    out.extend(ice45(db));
    out.extend(ice46(db));
    out.extend(super::upgrade::ice61(db));
    out.extend(ice68(db));
    out.extend(ice80(db));
    out
}

fn ice16(db: &Database) -> Option<Finding> {
    let name = db.property("ProductName")?;
    let len = name.chars().count();
    (len > 63).then(|| {
        Finding::error(
            16,
            "Property",
            "ProductName",
            format!("ProductName is {len} characters long; at most 63 are allowed"),
        )
    })
}

fn ice24(db: &Database) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut bad = |name: &str, what: &str| {
        out.push(Finding::error(
            24,
            "Property",
            name,
            format!("{name} is not {what}"),
        ));
    };
    if !db.property("ProductCode").is_some_and(is_guid) {
        bad("ProductCode", "a valid uppercase GUID");
    }
    if db
        .property("ProductVersion")
        .and_then(product_version)
        .is_none()
    {
        bad(
            "ProductVersion",
            "a valid product version (major.minor.build, 255.255.65535 at most)",
        );
    }
    if db
        .property("ProductLanguage")
        .and_then(|l| l.parse::<u16>().ok())
        .is_none()
    {
        bad("ProductLanguage", "a valid language ID");
    }
    out
}

fn ice33(db: &Database) -> Vec<Finding> {
    const CLASSES: &[&str] = &["CLSID\\", "AppID\\", "TypeLib\\", "Interface\\", "MIME\\"];
    db.rows("Registry")
        .filter(|r| r.int("Root") == Some(0))
        .filter(|r| {
            let key = r.str("Key").unwrap_or("");
            key.starts_with('.') || CLASSES.iter().any(|c| key.starts_with(c))
        })
        .map(|r| Finding::warning(33, "Registry", r.key(), format!(
            "registers COM or file-type data ({}) through the Registry table instead of the class tables",
            r.str("Key").unwrap_or("")
        )))
        .collect()
}

fn ice40(db: &Database) -> Vec<Finding> {
    let mut out = Vec::new();
    if db.property("REINSTALLMODE").is_some() {
        out.push(Finding::warning(
            40,
            "Property",
            "REINSTALLMODE",
            "REINSTALLMODE is defined in the Property table; this may cause difficulties".into(),
        ));
    }
    for r in db.rows("RemoveIniFile") {
        if r.int("Action") == Some(4) && r.get("Value").is_null() {
            out.push(Finding::warning(
                40,
                "RemoveIniFile",
                r.key(),
                "must have a Value, because its Action is Delete Tag (4)".into(),
            ));
        }
    }
    out
}

/// (table, column, bits that may be set).
const BIT_FIELDS: &[(&str, &str, i32)] = &[
    ("Feature", "Attributes", 0x3F),
    (
        "File",
        "Attributes",
        0x1 | 0x2 | 0x4 | 0x200 | 0x400 | 0x1000 | 0x2000 | 0x4000,
    ),
    ("RemoveFile", "InstallMode", 0x3),
    ("MoveFile", "Options", 0x1),
    (
        "ServiceControl",
        "Event",
        0x1 | 0x2 | 0x8 | 0x10 | 0x20 | 0x80,
    ),
    ("Dialog", "Attributes", 0x3FF | 0x10000),
    ("TextStyle", "StyleBits", 0xF),
];

fn ice45(db: &Database) -> Vec<Finding> {
    let mut out = Vec::new();
    for (table, column, allowed) in BIT_FIELDS {
        for r in db.rows(table) {
            let Some(v) = r.int(column) else { continue };
            if v & !allowed != 0 {
                out.push(Finding::error(
                    45,
                    table,
                    r.key(),
                    format!(
                        "{column} {v} sets reserved bits (0x{:X}); they must be 0",
                        v & !allowed
                    ),
                ));
            }
        }
    }
    out
}

/// Properties Windows Installer defines (the ones whose case is easy to get wrong).
const SYSTEM_PROPERTIES: &[&str] = &[
    "ALLUSERS",
    "ARPNOMODIFY",
    "ARPNOREMOVE",
    "ARPNOREPAIR",
    "ARPSYSTEMCOMPONENT",
    "Installed",
    "INSTALLLEVEL",
    "Manufacturer",
    "MsiNTProductType",
    "NOT",
    "OriginalDatabase",
    "Privileged",
    "ProductCode",
    "ProductLanguage",
    "ProductName",
    "ProductVersion",
    "REBOOT",
    "REINSTALL",
    "REINSTALLMODE",
    "REMOVE",
    "SecureCustomProperties",
    "SourceDir",
    "TARGETDIR",
    "UILevel",
    "UpgradeCode",
    "UPGRADINGPRODUCTCODE",
    "VersionNT",
    "VersionNT64",
    "WIX_UPGRADE_DETECTED",
    "MSIINSTALLPERUSER",
    "ADDLOCAL",
    "ADDSOURCE",
    "ADVERTISE",
    "PATCH",
    "TRANSFORMS",
];

/// Identifiers used in a condition (words that are not operators or literals).
fn condition_words(cond: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut quoted = false;
    let mut word = String::new();
    for c in cond.chars().chain(std::iter::once(' ')) {
        if c == '"' {
            quoted = !quoted;
        }
        if !quoted && (c.is_ascii_alphanumeric() || c == '_' || c == '.') {
            word.push(c);
            continue;
        }
        let keyword = ["NOT", "AND", "OR", "XOR", "EQV", "IMP"]
            .iter()
            .any(|k| k.eq_ignore_ascii_case(&word));
        if !word.is_empty() && !keyword && !word.starts_with(|ch: char| ch.is_ascii_digit()) {
            words.push(std::mem::take(&mut word));
        }
        word.clear();
    }
    words
}

fn ice46(db: &Database) -> Vec<Finding> {
    let defined: BTreeSet<String> = db
        .rows("Property")
        .filter_map(|r| r.str("Property").map(str::to_string))
        .chain(SYSTEM_PROPERTIES.iter().map(|s| s.to_string()))
        .collect();
    let case_clash = |word: &str| {
        !defined.contains(word) && defined.iter().any(|d| d.eq_ignore_ascii_case(word))
    };
    let mut out = Vec::new();
    for r in db.rows("Property") {
        let name = r.str("Property").unwrap_or("");
        if SYSTEM_PROPERTIES
            .iter()
            .any(|s| s.eq_ignore_ascii_case(name) && *s != name)
        {
            out.push(Finding::warning(
                46,
                "Property",
                name,
                format!("property {name} differs from a system property only by case"),
            ));
        }
    }
    let conditions = [
        ("InstallExecuteSequence", "Condition"),
        ("InstallUISequence", "Condition"),
        ("AdminExecuteSequence", "Condition"),
        ("AdminUISequence", "Condition"),
        ("AdvtExecuteSequence", "Condition"),
        ("LaunchCondition", "Condition"),
        ("Component", "Condition"),
        ("Condition", "Condition"),
        ("ControlCondition", "Condition"),
    ];
    for (table, column) in conditions {
        for r in db.rows(table) {
            for word in condition_words(r.str(column).unwrap_or(""))
                .into_iter()
                .filter(|w| case_clash(w))
            {
                out.push(Finding::warning(
                    46,
                    table,
                    r.key(),
                    format!(
                    "property '{word}' in {column} differs from a defined property only by case"
                ),
                ));
            }
        }
    }
    out
}

/// Custom action base types (low 6 bits) that Windows Installer knows.
const CA_BASE_TYPES: &[i32] = &[
    1, 2, 5, 6, 7, 17, 18, 19, 21, 22, 23, 34, 35, 37, 38, 39, 50, 51, 53, 54,
];

fn ice68(db: &Database) -> Vec<Finding> {
    let mut out = Vec::new();
    for r in db.rows("CustomAction") {
        let (Some(action), Some(ty)) = (r.str("Action"), r.int("Type")) else {
            continue;
        };
        if !CA_BASE_TYPES.contains(&(ty & 0x3F)) || !(0..=0xFFFF).contains(&ty) {
            out.push(Finding::error(
                68,
                "CustomAction",
                action,
                format!("invalid custom action type {ty}"),
            ));
        } else if ty & 0x800 != 0 && ty & 0x400 == 0 {
            out.push(Finding::warning(68, "CustomAction", action, format!(
                "type {ty} is marked NoImpersonate but is not deferred (InScript), so it will not run elevated"
            )));
        }
    }
    out
}

fn ice80(db: &Database) -> Vec<Finding> {
    let mut out = Vec::new();
    let arch = db.summary.arch.clone().unwrap_or_default();
    let is64 = ["Intel64", "x64", "Arm64"].contains(&arch.as_str());
    let mut err =
        |table: &str, row: &str, msg: String| out.push(Finding::error(80, table, row, msg));
    if arch.is_empty() {
        err(
            "_SummaryInformation",
            "Template",
            "bad value in the summary information: the Template property has no platform".into(),
        );
    }
    let min_schema = match arch.as_str() {
        "Intel64" => 150,
        "x64" => 200,
        "Arm64" => 500,
        _ => 0,
    };
    if db.summary.page_count.unwrap_or(0) < min_schema {
        err(
            "_SummaryInformation",
            "PageCount",
            format!(
                "the package is marked {arch} but its schema (Page Count) is below {min_schema}"
            ),
        );
    }
    for c in db.rows("Component") {
        let name = c.str("Component").unwrap_or("");
        let comp64 = c.int("Attributes").unwrap_or(0) & 0x100 != 0;
        if comp64 && !is64 {
            err(
                "Component",
                name,
                "is a 64-bit component but the Template is not Intel64, x64 or Arm64".into(),
            );
        }
        let dir = c.str("Directory_").unwrap_or("");
        let dir64 = db.dir_under(
            dir,
            &[
                "ProgramFiles64Folder",
                "System64Folder",
                "CommonFiles64Folder",
            ],
        );
        let dir32 = db.dir_under(
            dir,
            &["ProgramFilesFolder", "SystemFolder", "CommonFilesFolder"],
        );
        if let (true, Some(d)) = (comp64, &dir32) {
            err(
                "Component",
                name,
                format!("this 64-bit component uses the 32-bit folder {d}"),
            );
        }
        if let (false, Some(d)) = (comp64, &dir64) {
            err(
                "Component",
                name,
                format!("this 32-bit component uses the 64-bit folder {d}"),
            );
        }
    }
    for r in db.rows("CustomAction") {
        let ty = r.int("Type").unwrap_or(0);
        let script = [5, 6, 21, 22, 37, 38, 53, 54].contains(&(ty & 0x3F));
        if script && ty & 0x1000 != 0 && !is64 {
            err(
                "CustomAction",
                r.str("Action").unwrap_or(""),
                "is a 64-bit script but the Template is not Intel64, x64 or Arm64".into(),
            );
        }
    }
    if let Some(lang) = db
        .property("ProductLanguage")
        .and_then(|l| l.parse::<u16>().ok())
    {
        if !db.summary.languages.contains(&lang) {
            err(
                "Property",
                "ProductLanguage",
                format!("ProductLanguage {lang} is not in the Template summary property"),
            );
        }
    }
    out
}
