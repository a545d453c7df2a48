//! `wspack inspect`: what an MSI will install, read back with the `msi` crate.

use super::format::decode_value;
use super::runtime::{PROP_DISK_SHA256, PROP_DISK_SIZE, PROP_SIDECAR, PROP_VHD_NAME, STAGE_ACTION};
use super::tables::INSTALL_PROPERTIES;
use crate::policy::RegData;
use msi::{Package, Select, Value};
use serde_json::json;
use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// One Registry row, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectedValue {
    /// Root: `HKLM`, `HKCU`, `HKCR`, `HKU` or `HKLM/HKCU` (per-user/per-machine).
    pub root: &'static str,
    /// Key below the root, e.g. `SOFTWARE\Microsoft\Medv\v2\VM`.
    pub key: String,
    /// Value name (empty for the key's default value).
    pub name: String,
    /// Typed data, or the raw MSI text of a form wspack does not write.
    pub data: Result<RegData, String>,
}

impl InspectedValue {
    fn type_name(&self) -> &'static str {
        match &self.data {
            Ok(d) => d.type_name(),
            Err(_) => "raw",
        }
    }

    fn data_text(&self) -> String {
        match &self.data {
            Ok(RegData::Dword(n)) => format!("0x{n:08x} ({n})"),
            Ok(RegData::Sz(s)) => format!("\"{s}\""),
            Ok(RegData::MultiSz(items)) => items
                .iter()
                .map(|i| format!("\"{i}\""))
                .collect::<Vec<_>>()
                .join(" "),
            Err(raw) => format!("(as written in the MSI) {raw}"),
        }
    }

    fn data_json(&self) -> serde_json::Value {
        match &self.data {
            Ok(data) => data.to_json(),
            Err(raw) => json!(raw),
        }
    }
}

/// An install-time property a command line may set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallProperty {
    /// Property name, e.g. `OVERWRITEVHD`.
    pub name: &'static str,
    /// Its default: the Property table's value, INSTALLDIR's resolved path, or `None` (unset).
    pub default: Option<String>,
    /// Listed in SecureCustomProperties (reaches the elevated part of the install).
    pub secure: bool,
    /// What it does.
    pub meaning: &'static str,
}

/// One Upgrade table row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpgradeRow {
    /// Lowest matching version (None: any).
    pub version_min: Option<String>,
    /// Highest matching version (None: any).
    pub version_max: Option<String>,
    /// Upgrade attributes (1 migrate features, 2 only detect, 256/512 inclusive bounds).
    pub attributes: i32,
    /// Property FindRelatedProducts sets.
    pub action_property: String,
}

/// What an MSI will install, read back with the `msi` crate.
#[derive(Debug, Clone)]
pub struct Inspection {
    /// The `.msi` file read.
    pub path: PathBuf,
    /// ProductName.
    pub product_name: String,
    /// ProductVersion.
    pub product_version: String,
    /// Manufacturer.
    pub manufacturer: String,
    /// ProductCode, `{GUID}`.
    pub product_code: String,
    /// UpgradeCode, `{GUID}`.
    pub upgrade_code: String,
    /// PackageCode (summary revision number), `{GUID}`.
    pub package_code: Option<String>,
    /// Summary template, e.g. `x64;1033`.
    pub template: String,
    /// Database codepage.
    pub database_codepage: i32,
    /// Summary stream codepage.
    pub summary_codepage: i32,
    /// Summary page count (schema).
    pub page_count: Option<i32>,
    /// Summary title, subject, author, comments.
    pub title: Option<String>,
    /// Summary subject.
    pub subject: Option<String>,
    /// Summary author.
    pub author: Option<String>,
    /// Summary keywords.
    pub keywords: Vec<String>,
    /// Summary comments.
    pub comments: Option<String>,
    /// Summary creating application.
    pub creating_application: Option<String>,
    /// Summary creation time.
    pub creation_time: Option<SystemTime>,
    /// Every Property table row.
    pub properties: BTreeMap<String, String>,
    /// The documented install properties with their defaults.
    pub install_properties: Vec<InstallProperty>,
    /// Every Registry row, in table order.
    pub registry: Vec<InspectedValue>,
    /// The disk's size in bytes (WspackDiskSize).
    pub disk_size: Option<u64>,
    /// The disk's SHA-256 (WspackDiskSha256).
    pub disk_sha256: Option<String>,
    /// The sidecar's file name.
    pub sidecar: Option<String>,
    /// The staged disk's file name in INSTALLDIR.
    pub vhd_name: Option<String>,
    /// Sum of ReserveCost.ReserveLocal.
    pub reserved_bytes: u64,
    /// LaunchCondition rows (condition, message).
    pub launch_conditions: Vec<(String, String)>,
    /// Upgrade rows.
    pub upgrades: Vec<UpgradeRow>,
    /// RemoveFile rows (directory property, file name or `None` for the folder itself).
    pub remove_files: Vec<(String, Option<String>)>,
    /// CustomAction names.
    pub custom_actions: Vec<String>,
    /// The staging custom action is in InstallExecuteSequence.
    pub stages_disk: bool,
    /// InstallExecuteSequence, by sequence number.
    pub execute_sequence: Vec<(i32, String, Option<String>)>,
}

/// Reads an `.msi` (or the one in a build's output folder) back.
pub fn inspect(path: &Path) -> crate::Result<Inspection> {
    let msi_path = if path.is_dir() {
        find_msi(path)?
    } else {
        path.to_path_buf()
    };
    let file = File::open(&msi_path).map_err(|source| crate::Error::Io {
        op: "open",
        path: msi_path.clone(),
        source,
    })?;
    read(file, &msi_path).map_err(|source| crate::Error::MsiRead {
        path: msi_path.clone(),
        source,
    })
}

fn find_msi(dir: &Path) -> crate::Result<PathBuf> {
    let entries = std::fs::read_dir(dir).map_err(|source| crate::Error::Io {
        op: "read folder",
        path: dir.to_path_buf(),
        source,
    })?;
    let mut found: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e.eq_ignore_ascii_case("msi")))
        .collect();
    found.sort();
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(crate::Error::MsiNotFound {
            path: dir.to_path_buf(),
            reason: "no .msi file in",
        }),
        _ => Err(crate::Error::MsiNotFound {
            path: dir.to_path_buf(),
            reason: "more than one .msi file in",
        }),
    }
}

fn rows(package: &mut Package<File>, table: &str) -> io::Result<Vec<BTreeMap<String, Value>>> {
    if !package.has_table(table) {
        return Ok(Vec::new());
    }
    let rows = package.select_rows(Select::table(table))?;
    let names: Vec<String> = rows
        .columns()
        .iter()
        .map(|c| c.name().to_string())
        .collect();
    Ok(rows
        .map(|row| {
            names
                .iter()
                .enumerate()
                .map(|(i, n)| (n.clone(), row[i].clone()))
                .collect()
        })
        .collect())
}

fn text(row: &BTreeMap<String, Value>, col: &str) -> Option<String> {
    row.get(col).and_then(|v| v.as_str()).map(str::to_string)
}

fn int(row: &BTreeMap<String, Value>, col: &str) -> Option<i32> {
    row.get(col).and_then(Value::as_int)
}

fn read(file: File, path: &Path) -> io::Result<Inspection> {
    let mut package = Package::open(file)?;
    let info = package.summary_info();
    let package_code = info.uuid().map(super::codes::guid);
    let template = format!(
        "{};{}",
        info.arch().unwrap_or(""),
        info.languages()
            .iter()
            .map(|l| u16::from(*l).to_string())
            .collect::<Vec<_>>()
            .join(",")
    );
    let summary_codepage = info.codepage().id();
    let page_count = info.page_count();
    let title = info.title().map(str::to_string);
    let subject = info.subject().map(str::to_string);
    let author = info.author().map(str::to_string);
    let keywords = info.keywords();
    let comments = info.comments().map(str::to_string);
    let creating_application = info.creating_application().map(str::to_string);
    let creation_time = info.creation_time();
    let database_codepage = package.database_codepage().id();

    let properties: BTreeMap<String, String> = rows(&mut package, "Property")?
        .iter()
        .filter_map(|r| Some((text(r, "Property")?, text(r, "Value").unwrap_or_default())))
        .collect();
    let prop = |name: &str| properties.get(name).cloned();

    let directories: BTreeMap<String, (Option<String>, String)> = rows(&mut package, "Directory")?
        .iter()
        .filter_map(|r| {
            Some((
                text(r, "Directory")?,
                (text(r, "Directory_Parent"), text(r, "DefaultDir")?),
            ))
        })
        .collect();

    let secure: Vec<String> = prop("SecureCustomProperties")
        .unwrap_or_default()
        .split(';')
        .map(str::to_string)
        .collect();
    let install_properties = INSTALL_PROPERTIES
        .iter()
        .map(|&name| InstallProperty {
            name,
            default: if name == "INSTALLDIR" {
                prop(name).or_else(|| resolve_dir(&directories, name))
            } else {
                prop(name)
            },
            secure: secure.iter().any(|s| s == name),
            meaning: meaning(name),
        })
        .collect();

    // The policy's values; the package's own bookkeeping (the remembered INSTALLDIR) is not policy.
    let registry = rows(&mut package, "Registry")?
        .iter()
        .filter(|r| {
            text(r, "Key").is_some_and(|k| unescape(&k).starts_with(crate::policy::ROOT_KEY))
        })
        .map(|r| InspectedValue {
            root: match int(r, "Root") {
                Some(-1) => "HKLM/HKCU",
                Some(0) => "HKCR",
                Some(1) => "HKCU",
                Some(2) => "HKLM",
                Some(3) => "HKU",
                _ => "?",
            },
            key: unescape(&text(r, "Key").unwrap_or_default()),
            name: unescape(&text(r, "Name").unwrap_or_default()),
            data: decode_value(text(r, "Value").as_deref()),
        })
        .collect();

    let reserved_bytes = rows(&mut package, "ReserveCost")?
        .iter()
        .filter_map(|r| int(r, "ReserveLocal"))
        .map(|n| n.max(0) as u64)
        .sum();
    let launch_conditions = rows(&mut package, "LaunchCondition")?
        .iter()
        .filter_map(|r| Some((text(r, "Condition")?, text(r, "Description")?)))
        .collect();
    let upgrades = rows(&mut package, "Upgrade")?
        .iter()
        .map(|r| UpgradeRow {
            version_min: text(r, "VersionMin"),
            version_max: text(r, "VersionMax"),
            attributes: int(r, "Attributes").unwrap_or(0),
            action_property: text(r, "ActionProperty").unwrap_or_default(),
        })
        .collect();
    let remove_files = rows(&mut package, "RemoveFile")?
        .iter()
        .map(|r| {
            (
                text(r, "DirProperty").unwrap_or_default(),
                text(r, "FileName"),
            )
        })
        .collect();
    let custom_actions: Vec<String> = rows(&mut package, "CustomAction")?
        .iter()
        .filter_map(|r| text(r, "Action"))
        .collect();
    let mut execute_sequence: Vec<(i32, String, Option<String>)> =
        rows(&mut package, "InstallExecuteSequence")?
            .iter()
            .filter_map(|r| {
                Some((
                    int(r, "Sequence").unwrap_or(0),
                    text(r, "Action")?,
                    text(r, "Condition"),
                ))
            })
            .collect();
    execute_sequence.sort();
    let stages_disk = custom_actions.iter().any(|a| a == STAGE_ACTION)
        && execute_sequence.iter().any(|(_, a, _)| a == STAGE_ACTION);

    Ok(Inspection {
        path: path.to_path_buf(),
        product_name: prop("ProductName").unwrap_or_default(),
        product_version: prop("ProductVersion").unwrap_or_default(),
        manufacturer: prop("Manufacturer").unwrap_or_default(),
        product_code: prop("ProductCode").unwrap_or_default(),
        upgrade_code: prop("UpgradeCode").unwrap_or_default(),
        package_code,
        template,
        database_codepage,
        summary_codepage,
        page_count,
        title,
        subject,
        author,
        keywords,
        comments,
        creating_application,
        creation_time,
        disk_size: prop(PROP_DISK_SIZE).and_then(|s| s.parse().ok()),
        disk_sha256: prop(PROP_DISK_SHA256),
        sidecar: prop(PROP_SIDECAR),
        vhd_name: prop(PROP_VHD_NAME),
        properties,
        install_properties,
        registry,
        reserved_bytes,
        launch_conditions,
        upgrades,
        remove_files,
        custom_actions,
        stages_disk,
        execute_sequence,
    })
}

fn meaning(name: &str) -> &'static str {
    match name {
        "INSTALLDIR" => "where the base VHD is staged",
        "OVERWRITEVHD" => {
            "=1: replace an existing disk (unset: an existing disk fails the install)"
        }
        "SUPPRESSMEDVLAUNCH" => "=1: do not start the MED-V host agent after install",
        "DELETEDIFFDISKS" => {
            "=1: on uninstall also delete the users' differencing disks and saved states"
        }
        _ => "",
    }
}

/// Resolves a Directory id to `[StandardFolder]sub\dirs`.
fn resolve_dir(dirs: &BTreeMap<String, (Option<String>, String)>, id: &str) -> Option<String> {
    let mut parts = Vec::new();
    let mut cur = id.to_string();
    for _ in 0..32 {
        let (parent, default_dir) = dirs.get(&cur)?;
        let target = default_dir.split(':').next().unwrap_or("");
        let long = target.rsplit('|').next().unwrap_or(target);
        let parent = match parent {
            Some(p) if p != &cur => p.clone(),
            _ => {
                parts.reverse();
                return Some(format!("[{cur}]{}", parts.join("\\")));
            }
        };
        if parent == "TARGETDIR" {
            // A standard folder (CommonAppDataFolder, …) is its own root.
            parts.reverse();
            return Some(format!("[{cur}]{}", parts.join("\\")));
        }
        if long != "." {
            parts.push(long.to_string());
        }
        cur = parent;
    }
    None
}

/// Resolves `[\x]` escapes in a Formatted key or name.
fn unescape(text: &str) -> String {
    match decode_value(Some(text)) {
        Ok(RegData::Sz(s)) if !text.starts_with('#') => s,
        _ => text.to_string(),
    }
}

/// Formats a time as RFC 3339 UTC (`1970-01-01T00:00:00Z`).
pub(crate) fn rfc3339(time: SystemTime) -> String {
    let secs = match time.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    };
    crate::manifest::rfc3339(secs)
}

impl Inspection {
    /// Renders the inspection as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        json!({
            "path": self.path.display().to_string(),
            "product_name": self.product_name,
            "product_version": self.product_version,
            "manufacturer": self.manufacturer,
            "product_code": self.product_code,
            "upgrade_code": self.upgrade_code,
            "package_code": self.package_code,
            "summary": {
                "template": self.template,
                "codepage": self.summary_codepage,
                "database_codepage": self.database_codepage,
                "page_count": self.page_count,
                "title": self.title,
                "subject": self.subject,
                "author": self.author,
                "keywords": self.keywords,
                "comments": self.comments,
                "creating_application": self.creating_application,
                "creation_time": self.creation_time.map(rfc3339),
            },
            "disk": {
                "sidecar": self.sidecar,
                "vhd_name": self.vhd_name,
                "size": self.disk_size,
                "sha256": self.disk_sha256,
                "reserved_bytes": self.reserved_bytes,
                "staged_by_msi": self.stages_disk,
            },
            "install_properties": self.install_properties.iter().map(|p| json!({
                "name": p.name,
                "default": p.default,
                "secure": p.secure,
                "meaning": p.meaning,
            })).collect::<Vec<_>>(),
            "launch_conditions": self.launch_conditions.iter().map(|(c, m)| json!({
                "condition": c, "message": m,
            })).collect::<Vec<_>>(),
            "upgrades": self.upgrades.iter().map(|u| json!({
                "version_min": u.version_min,
                "version_max": u.version_max,
                "attributes": u.attributes,
                "action_property": u.action_property,
            })).collect::<Vec<_>>(),
            "registry": self.registry.iter().map(|v| json!({
                "root": v.root,
                "key": v.key,
                "name": v.name,
                "type": v.type_name(),
                "data": v.data_json(),
            })).collect::<Vec<_>>(),
            "remove_on_uninstall": self.remove_files.iter().map(|(d, f)| json!({
                "directory": d, "file": f,
            })).collect::<Vec<_>>(),
            "custom_actions": self.custom_actions,
            "properties": self.properties,
        })
    }
}

impl fmt::Display for Inspection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} {}", self.product_name, self.product_version)?;
        writeln!(f, "  file:          {}", self.path.display())?;
        writeln!(f, "  manufacturer:  {}", self.manufacturer)?;
        writeln!(f, "  ProductCode:   {}", self.product_code)?;
        writeln!(f, "  UpgradeCode:   {}", self.upgrade_code)?;
        writeln!(
            f,
            "  PackageCode:   {}",
            self.package_code.as_deref().unwrap_or("(none)")
        )?;
        writeln!(
            f,
            "  package:       template {}, schema {}, codepage {} (summary {}), built {} by {}",
            self.template,
            self.page_count.map_or("?".into(), |n| n.to_string()),
            self.database_codepage,
            self.summary_codepage,
            self.creation_time.map_or("?".into(), rfc3339),
            self.creating_application.as_deref().unwrap_or("?"),
        )?;
        writeln!(f)?;
        writeln!(f, "Disk:")?;
        writeln!(
            f,
            "  {} -> INSTALLDIR\\{}",
            self.sidecar.as_deref().unwrap_or("(no sidecar named)"),
            self.vhd_name.as_deref().unwrap_or("?")
        )?;
        writeln!(
            f,
            "  size {} bytes (reserved on INSTALLDIR: {}), SHA-256 {}",
            self.disk_size.map_or("?".into(), |n| n.to_string()),
            self.reserved_bytes,
            self.disk_sha256.as_deref().unwrap_or("?")
        )?;
        if self.stages_disk {
            writeln!(f, "  staged by the {STAGE_ACTION} custom action")?;
        } else {
            writeln!(
                f,
                "  NOT staged: this MSI has no staging custom action (it writes the policy only)"
            )?;
        }
        writeln!(f)?;
        writeln!(f, "Install properties (msiexec NAME=value):")?;
        for p in &self.install_properties {
            writeln!(
                f,
                "  {:<19} default {:<45} {}{}",
                p.name,
                p.default.as_deref().unwrap_or("(unset)"),
                p.meaning,
                if p.secure { "" } else { " [not secure!]" }
            )?;
        }
        writeln!(f)?;
        writeln!(f, "Launch conditions:")?;
        for (cond, msg) in &self.launch_conditions {
            writeln!(f, "  {cond:<25} else: {msg}")?;
        }
        writeln!(f)?;
        writeln!(f, "Upgrades (UpgradeCode {}):", self.upgrade_code)?;
        for u in &self.upgrades {
            let what = if u.attributes & 2 != 0 {
                "detected, not removed"
            } else {
                "removed (major upgrade)"
            };
            let mut range = Vec::new();
            if let Some(min) = &u.version_min {
                range.push(format!(
                    "{} {min}",
                    if u.attributes & 256 != 0 { ">=" } else { ">" }
                ));
            }
            if let Some(max) = &u.version_max {
                range.push(format!(
                    "{} {max}",
                    if u.attributes & 512 != 0 { "<=" } else { "<" }
                ));
            }
            if range.is_empty() {
                range.push("any".into());
            }
            writeln!(
                f,
                "  versions {}: {what}, sets {}",
                range.join(" and "),
                u.action_property
            )?;
        }
        writeln!(f)?;
        writeln!(f, "Registry values ({}):", self.registry.len())?;
        let mut last_key = None;
        for v in &self.registry {
            let full = format!("{}\\{}", v.root, v.key);
            if last_key.as_ref() != Some(&full) {
                writeln!(f, "  {full}")?;
                last_key = Some(full);
            }
            writeln!(
                f,
                "    {:<34} {:<12} {}",
                v.name,
                v.type_name(),
                v.data_text()
            )?;
        }
        writeln!(f)?;
        writeln!(f, "Removed on uninstall:")?;
        for (dir, file) in &self.remove_files {
            match file {
                Some(file) => writeln!(f, "  [{dir}]{file}")?,
                None => writeln!(f, "  [{dir}] (the folder, if empty)")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_times() {
        assert_eq!(rfc3339(SystemTime::UNIX_EPOCH), "1970-01-01T00:00:00Z");
        let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
        assert_eq!(rfc3339(t), "2023-11-14T22:13:20Z");
    }

    #[test]
    fn resolves_install_dir() {
        let mut dirs = BTreeMap::new();
        dirs.insert("TARGETDIR".to_string(), (None, "SourceDir".to_string()));
        dirs.insert(
            "CommonAppDataFolder".to_string(),
            (Some("TARGETDIR".to_string()), ".".to_string()),
        );
        dirs.insert(
            "A".to_string(),
            (
                Some("CommonAppDataFolder".to_string()),
                "MICROS~1|Microsoft".to_string(),
            ),
        );
        dirs.insert("B".to_string(), (Some("A".to_string()), "Medv".to_string()));
        assert_eq!(
            resolve_dir(&dirs, "B").as_deref(),
            Some(r"[CommonAppDataFolder]Microsoft\Medv")
        );
    }
}
