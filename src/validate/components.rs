//! Components, files, folders and shortcuts: ICE02, 08, 09, 18, 21, 30, 38, 57,
//! 64, 67, 90, 91.

use super::db::{Database, RowRef, PER_USER_ONLY_FOLDERS, PROFILE_FOLDERS};
use super::Finding;
use std::collections::BTreeMap;

/// msidbComponentAttributesRegistryKeyPath.
const REGISTRY_KEY_PATH: i32 = 0x4;
/// msidbComponentAttributesODBCDataSource.
const ODBC_KEY_PATH: i32 = 0x20;
/// msidbComponentAttributesPermanent.
const PERMANENT: i32 = 0x10;

/// Runs the component rules.
pub fn check(db: &Database) -> Vec<Finding> {
    let mut out = Vec::new();
    for comp in db.rows("Component") {
        out.extend(ice02(db, comp));
        out.extend(ice09(db, comp));
        out.extend(ice18(db, comp));
        out.extend(ice21(db, comp));
        out.extend(ice38(db, comp));
        out.extend(ice57(db, comp));
    }
    out.extend(ice08(db));
    out.extend(ice30(db));
    out.extend(ice64(db));
    out.extend(shortcuts(db));
    out.extend(ice91(db));
    out
}

fn attrs(comp: RowRef) -> i32 {
    comp.int("Attributes").unwrap_or(0)
}

fn ice02(db: &Database, comp: RowRef) -> Option<Finding> {
    let name = comp.str("Component")?;
    let key_path = comp.str("KeyPath")?;
    if attrs(comp) & ODBC_KEY_PATH != 0 {
        return None;
    }
    let (table, column) = if attrs(comp) & REGISTRY_KEY_PATH != 0 {
        ("Registry", "Component_")
    } else {
        ("File", "Component_")
    };
    let owner = db.find(table, key_path).and_then(|r| r.str(column));
    match owner {
        Some(owner) if owner == name => None,
        Some(owner) => Some(Finding::error(
            2,
            "Component",
            name,
            format!("{table} '{key_path}' cannot be the key path of {name}: it belongs to component '{owner}'"),
        )),
        None => Some(Finding::error(
            2,
            "Component",
            name,
            format!("the key path '{key_path}' is not a row of the {table} table"),
        )),
    }
}

fn ice08(db: &Database) -> Vec<Finding> {
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    let mut out = Vec::new();
    for comp in db.rows("Component") {
        let (Some(name), Some(id)) = (comp.str("Component"), comp.str("ComponentId")) else {
            continue;
        };
        if let Some(first) = seen.insert(id, name) {
            out.push(Finding::error(
                8,
                "Component",
                name,
                format!("ComponentId {id} is also the GUID of component '{first}'"),
            ));
        }
    }
    out
}

fn ice09(db: &Database, comp: RowRef) -> Option<Finding> {
    let name = comp.str("Component")?;
    let dir = comp.str("Directory_")?;
    let system = db.dir_under(dir, &["SystemFolder", "System64Folder"])?;
    (attrs(comp) & PERMANENT == 0).then(|| {
        Finding::warning(
            9,
            "Component",
            name,
            format!("installs into {system} but is not marked Permanent"),
        )
    })
}

fn ice18(db: &Database, comp: RowRef) -> Option<Finding> {
    let name = comp.str("Component")?;
    let dir = comp.str("Directory_")?;
    if !comp.get("KeyPath").is_null() {
        return None;
    }
    let owns = |table: &str, dir_col: &str| {
        db.rows(table).any(|r| {
            r.str("Component_") == Some(name) && (dir_col.is_empty() || r.str(dir_col) == Some(dir))
        })
    };
    if owns("File", "")
        || owns("RemoveFile", "DirProperty")
        || owns("DuplicateFile", "DestFolder")
        || owns("MoveFile", "DestFolder")
    {
        return None;
    }
    let listed = db
        .rows("CreateFolder")
        .any(|r| r.str("Component_") == Some(name) && r.str("Directory_") == Some(dir));
    (!listed).then(|| {
        Finding::error(
            18,
            "Component",
            name,
            format!("its key path is the folder '{dir}', which is not in the CreateFolder table"),
        )
    })
}

fn ice21(db: &Database, comp: RowRef) -> Option<Finding> {
    let name = comp.str("Component")?;
    let mapped = db
        .rows("FeatureComponents")
        .any(|r| r.str("Component_") == Some(name));
    (!mapped).then(|| {
        Finding::error(
            21,
            "Component",
            name,
            "belongs to no feature (FeatureComponents)".into(),
        )
    })
}

fn ice30(db: &Database) -> Vec<Finding> {
    let mut targets: BTreeMap<(String, String), (String, String)> = BTreeMap::new();
    let mut out = Vec::new();
    for file in db.rows("File") {
        let (Some(key), Some(comp), Some(name)) = (
            file.str("File"),
            file.str("Component_"),
            file.str("FileName"),
        ) else {
            continue;
        };
        let Some(dir) = db.find("Component", comp).and_then(|c| c.str("Directory_")) else {
            continue;
        };
        let path = db.dir_path(dir);
        for part in name.split('|') {
            let target = (path.clone(), part.to_ascii_lowercase());
            match targets.get(&target) {
                Some((other, _)) if other != comp => out.push(Finding::error(
                    30,
                    "File",
                    key,
                    format!("'{part}' is installed in '{path}' by two components: '{other}' and '{comp}'"),
                )),
                Some(_) => {}
                None => {
                    targets.insert(target, (comp.to_string(), key.to_string()));
                }
            }
        }
    }
    out
}

fn in_profile(db: &Database, comp: RowRef) -> Option<String> {
    db.dir_under(comp.str("Directory_")?, PROFILE_FOLDERS)
}

fn ice38(db: &Database, comp: RowRef) -> Option<Finding> {
    let name = comp.str("Component")?;
    in_profile(db, comp)?;
    let problem = if attrs(comp) & REGISTRY_KEY_PATH == 0 {
        "installs to the user profile: its key path must be a registry key under HKCU, not a file"
            .to_string()
    } else {
        match comp.str("KeyPath").and_then(|k| db.find("Registry", k)) {
            None => "installs to the user profile and its key path is not a Registry row".into(),
            Some(reg) if !matches!(reg.int("Root"), Some(1) | Some(-1)) => {
                "installs to the user profile: its key path registry key must be under HKCU".into()
            }
            Some(reg) if reg.str("Component_") != Some(name) => {
                "its key path registry row belongs to another component".into()
            }
            Some(_) => return None,
        }
    };
    Some(Finding::error(38, "Component", name, problem))
}

fn ice57(db: &Database, comp: RowRef) -> Option<Finding> {
    let name = comp.str("Component")?;
    let regs: Vec<i32> = db
        .rows("Registry")
        .filter(|r| r.str("Component_") == Some(name))
        .filter_map(|r| r.int("Root"))
        .collect();
    let has_files = db.rows("File").any(|r| r.str("Component_") == Some(name));
    let profile = in_profile(db, comp).is_some();
    let per_user = regs.contains(&1) || (has_files && profile);
    let per_machine = regs.iter().any(|r| *r == 0 || *r == 2 || *r == 3) || (has_files && !profile);
    (per_user && per_machine).then(|| {
        Finding::error(
            57,
            "Component",
            name,
            "mixes per-user and per-machine data".into(),
        )
    })
}

fn ice64(db: &Database) -> Vec<Finding> {
    db.rows("Directory")
        .filter_map(|dir| {
            let key = dir.str("Directory")?;
            if PROFILE_FOLDERS.contains(&key) {
                return None;
            }
            let root = db.dir_under(key, PROFILE_FOLDERS)?;
            let removed = db
                .rows("RemoveFile")
                .any(|r| r.str("DirProperty") == Some(key) && r.get("FileName").is_null());
            (!removed).then(|| {
                Finding::error(
                    64,
                    "Directory",
                    key,
                    format!(
                        "is in the user profile ({root}) but is not listed in the RemoveFile table"
                    ),
                )
            })
        })
        .collect()
}

/// ICE67 (target in another, optional component) and ICE90 (public-property folder in the profile).
fn shortcuts(db: &Database) -> Vec<Finding> {
    let mut out = Vec::new();
    for sc in db.rows("Shortcut") {
        let Some(key) = sc.str("Shortcut") else {
            continue;
        };
        let target = sc.str("Target").unwrap_or("");
        if let Some(file) = target.strip_prefix("[#").and_then(|t| t.strip_suffix(']')) {
            let owner = db.find("File", file).and_then(|f| f.str("Component_"));
            let optional = owner
                .and_then(|c| db.find("Component", c))
                .is_some_and(|c| attrs(c) & 0x3 == 0x2);
            if owner.is_some() && owner != sc.str("Component_") && optional {
                out.push(Finding::warning(
                    67,
                    "Shortcut",
                    key,
                    "targets a file of another component that can run locally or from source"
                        .into(),
                ));
            }
        }
        let dir = sc.str("Directory_").unwrap_or("");
        let public = !dir.is_empty() && !dir.chars().any(|c| c.is_ascii_lowercase());
        if public && db.dir_under(dir, PROFILE_FOLDERS).is_some() {
            out.push(Finding::warning(
                90,
                "Shortcut",
                key,
                format!("its folder '{dir}' is a public property under the user profile"),
            ));
        }
    }
    out
}

fn ice91(db: &Database) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut warn = |table: &str, key: &str, dir: &str| {
        if let Some(root) = db.dir_under(dir, PER_USER_ONLY_FOLDERS) {
            out.push(Finding::warning(
                91,
                table,
                key,
                format!("is installed to the per-user folder '{root}', which does not vary with ALLUSERS"),
            ));
        }
    };
    for file in db.rows("File") {
        let dir = file
            .str("Component_")
            .and_then(|c| db.find("Component", c))
            .and_then(|c| c.str("Directory_"));
        if let (Some(key), Some(dir)) = (file.str("File"), dir) {
            warn("File", key, dir);
        }
    }
    for (table, dir_col) in [("IniFile", "DirProperty"), ("Shortcut", "Directory_")] {
        for row in db.rows(table) {
            if let (Some(key), Some(dir)) = (
                row.values.first().and_then(|v| v.as_str()),
                row.str(dir_col),
            ) {
                warn(table, key, dir);
            }
        }
    }
    out
}
