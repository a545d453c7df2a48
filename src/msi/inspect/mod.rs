//! `wspack inspect`: what an MSI will install, read back with the `msi` crate.
//!
//! Damaged files are refused with a message, never a panic: see [`damaged`].

mod damaged;
mod text;

use super::format::decode_value;
use super::runtime::{PROP_DISK_SHA256, PROP_DISK_SIZE, PROP_SIDECAR, PROP_VHD_NAME, STAGE_ACTION};
use super::tables::INSTALL_PROPERTIES;
use crate::policy::RegData;
use crate::sidecar::{ChunkTable, CHUNK_TABLE_BINARY};
use crate::update::delta::DELTA_TABLE_BINARY;
use msi::{Package, Select, Value};
use serde::{Serialize, Serializer};
use std::collections::BTreeMap;
use std::io::{self, Read, Seek};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// One Registry row, decoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InspectedValue {
    /// Root: `HKLM`, `HKCU`, `HKCR`, `HKU` or `HKLM/HKCU` (per-user/per-machine).
    pub root: &'static str,
    /// Key below the root, e.g. `SOFTWARE\Microsoft\Medv\v2\VM`.
    pub key: String,
    /// Value name (empty for the key's default value).
    pub name: String,
    /// Typed data, or the raw MSI text of a form wspack does not write
    /// (JSON: `"type"` and `"data"`).
    #[serde(flatten, serialize_with = "typed_data")]
    pub data: Result<RegData, String>,
}

impl InspectedValue {
    fn type_name(&self) -> &'static str {
        match &self.data {
            Ok(d) => d.type_name(),
            Err(_) => "raw",
        }
    }
}

/// Serializes a registry value's data as `"type": …, "data": …`.
fn typed_data<S: Serializer>(data: &Result<RegData, String>, out: S) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Typed {
        #[serde(rename = "type")]
        type_name: &'static str,
        data: serde_json::Value,
    }
    let typed = match data {
        Ok(d) => Typed {
            type_name: d.type_name(),
            data: d.to_json(),
        },
        Err(raw) => Typed {
            type_name: "raw",
            data: raw.as_str().into(),
        },
    };
    typed.serialize(out)
}

/// An install-time property a command line may set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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

/// One LaunchCondition row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LaunchCondition {
    /// The condition that must hold.
    pub condition: String,
    /// The message shown when it does not.
    pub message: String,
}

/// One RemoveFile row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RemovedFile {
    /// The directory property.
    pub directory: String,
    /// The file name, or `None` for the folder itself.
    pub file: Option<String>,
}

/// The summary information stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SummaryInfo {
    /// Template, e.g. `x64;1033`.
    pub template: String,
    /// The summary stream's codepage.
    pub codepage: i32,
    /// The database's codepage.
    pub database_codepage: i32,
    /// Page count (schema).
    pub page_count: Option<i32>,
    /// Title.
    pub title: Option<String>,
    /// Subject.
    pub subject: Option<String>,
    /// Author.
    pub author: Option<String>,
    /// Keywords.
    pub keywords: Vec<String>,
    /// Comments.
    pub comments: Option<String>,
    /// Creating application.
    pub creating_application: Option<String>,
    /// Creation time (JSON: RFC 3339 UTC).
    #[serde(serialize_with = "time_text")]
    pub creation_time: Option<SystemTime>,
    /// Last saved time (not printed).
    #[serde(skip)]
    pub last_saved_time: Option<SystemTime>,
}

/// The disk the MSI stages, as its Property table describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StagedDisk {
    /// The sidecar's file name (WspackSidecar).
    pub sidecar: Option<String>,
    /// The staged disk's file name in INSTALLDIR (WspackVhdName).
    pub vhd_name: Option<String>,
    /// The disk's size in bytes (WspackDiskSize).
    pub size: Option<u64>,
    /// The disk's SHA-256 (WspackDiskSha256).
    pub sha256: Option<String>,
    /// Sum of ReserveCost.ReserveLocal.
    pub reserved_bytes: u64,
    /// The staging custom action is in InstallExecuteSequence.
    pub staged_by_msi: bool,
    /// How many chunks the sidecar holds, from the chunk table (none in packages
    /// whose sidecar is one gzip member).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chunks: Option<usize>,
    /// The chunk table (Binary row `WspackChunks`), or why it can't be read.
    #[serde(skip)]
    pub chunk_table: Option<Result<ChunkTable, String>>,
    /// The bytes of the delta table (Binary row `WspackDelta`) of a build made with
    /// `--base`, or why they can't be read.
    #[serde(skip)]
    pub delta_table: Option<Result<Vec<u8>, String>>,
}

/// What an MSI will install, read back with the `msi` crate; serializes as the
/// JSON `wspack inspect --json` prints.
#[derive(Debug, Clone, Serialize)]
pub struct Inspection {
    /// The `.msi` file read.
    #[serde(serialize_with = "path_text")]
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
    /// The summary information stream.
    pub summary: SummaryInfo,
    /// The disk the package stages.
    pub disk: StagedDisk,
    /// The documented install properties with their defaults.
    pub install_properties: Vec<InstallProperty>,
    /// LaunchCondition rows.
    pub launch_conditions: Vec<LaunchCondition>,
    /// Upgrade rows.
    pub upgrades: Vec<UpgradeRow>,
    /// The policy's Registry rows, in table order.
    pub registry: Vec<InspectedValue>,
    /// RemoveFile rows.
    pub remove_on_uninstall: Vec<RemovedFile>,
    /// CustomAction names.
    pub custom_actions: Vec<String>,
    /// Every Property table row.
    pub properties: BTreeMap<String, String>,
    /// InstallExecuteSequence (sequence, action, condition), by sequence number.
    #[serde(skip)]
    pub execute_sequence: Vec<(i32, String, Option<String>)>,
    /// The CustomActionData the staging action gets: the Target of the type-51
    /// action that sets the property named after it, unresolved.
    #[serde(skip)]
    pub stage_data: Option<String>,
}

fn path_text<S: Serializer>(path: &Path, out: S) -> Result<S::Ok, S::Error> {
    out.serialize_str(&path.display().to_string())
}

fn time_text<S: Serializer>(time: &Option<SystemTime>, out: S) -> Result<S::Ok, S::Error> {
    time.map(rfc3339).serialize(out)
}

/// Reads an `.msi` (or the one in a build's output folder) back.
///
/// Only a regular file is read (a FIFO or device is refused, exit 2); a damaged
/// file is an [`MsiRead`](crate::Error::MsiRead) error, never a panic.
pub fn inspect(path: &Path) -> crate::Result<Inspection> {
    let msi_path = if path.is_dir() {
        find_msi(path)?
    } else {
        path.to_path_buf()
    };
    let file =
        crate::input::open_regular(&msi_path).map_err(|source| not_readable(&msi_path, source))?;
    read_checked(file, &msi_path)
}

/// Reads an MSI held in memory; `path` names it in the result and in errors.
pub fn inspect_bytes(bytes: &[u8], path: &Path) -> crate::Result<Inspection> {
    read_checked(io::Cursor::new(bytes), path)
}

fn not_readable(path: &Path, source: io::Error) -> crate::Error {
    if source.kind() == io::ErrorKind::InvalidInput {
        return crate::Error::Input {
            what: "read the MSI",
            path: path.to_path_buf(),
            source,
            help: "pass an .msi file (or a build's output folder), not a pipe or a device",
        };
    }
    crate::Error::Io {
        op: "open",
        path: path.to_path_buf(),
        source,
    }
}

/// Checks the header, then reads the package with any panic of the `msi` crate
/// contained and reported as damage.
fn read_checked<F: Read + Seek>(mut inner: F, path: &Path) -> crate::Result<Inspection> {
    let damaged = |why: String| crate::Error::MsiRead {
        path: path.to_path_buf(),
        source: io::Error::new(
            io::ErrorKind::InvalidData,
            format!("the file is damaged ({why})"),
        ),
    };
    damaged::check_header(&mut inner).map_err(damaged)?;
    match damaged::contained(|| read(inner, path)) {
        Ok(Ok(inspection)) => Ok(inspection),
        Ok(Err(source)) => Err(crate::Error::MsiRead {
            path: path.to_path_buf(),
            source,
        }),
        Err(panic) => Err(damaged(panic)),
    }
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

type Row = BTreeMap<String, Value>;

fn rows<F: Read + Seek>(package: &mut Package<F>, table: &str) -> io::Result<Vec<Row>> {
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

fn text(row: &Row, col: &str) -> Option<String> {
    row.get(col).and_then(|v| v.as_str()).map(str::to_string)
}

fn int(row: &Row, col: &str) -> Option<i32> {
    row.get(col).and_then(Value::as_int)
}

fn read_summary<F: Read + Seek>(package: &Package<F>) -> (Option<String>, SummaryInfo) {
    let info = package.summary_info();
    let template = format!(
        "{};{}",
        info.arch().unwrap_or(""),
        info.languages()
            .iter()
            .map(|l| u16::from(*l).to_string())
            .collect::<Vec<_>>()
            .join(",")
    );
    let summary = SummaryInfo {
        template,
        codepage: info.codepage().id(),
        database_codepage: package.database_codepage().id(),
        page_count: info.page_count(),
        title: info.title().map(str::to_string),
        subject: info.subject().map(str::to_string),
        author: info.author().map(str::to_string),
        keywords: info.keywords(),
        comments: info.comments().map(str::to_string),
        creating_application: info.creating_application().map(str::to_string),
        creation_time: info.creation_time(),
        last_saved_time: info.last_saved_time(),
    };
    (info.uuid().map(super::codes::guid), summary)
}

fn read_install_properties<F: Read + Seek>(
    package: &mut Package<F>,
    properties: &BTreeMap<String, String>,
) -> io::Result<Vec<InstallProperty>> {
    let directories: BTreeMap<String, (Option<String>, String)> = rows(package, "Directory")?
        .iter()
        .filter_map(|r| {
            Some((
                text(r, "Directory")?,
                (text(r, "Directory_Parent"), text(r, "DefaultDir")?),
            ))
        })
        .collect();
    let secure: Vec<&str> = properties
        .get("SecureCustomProperties")
        .map_or("", String::as_str)
        .split(';')
        .collect();
    Ok(INSTALL_PROPERTIES
        .iter()
        .map(|&name| InstallProperty {
            name,
            default: properties.get(name).cloned().or_else(|| {
                (name == "INSTALLDIR")
                    .then(|| resolve_dir(&directories, name))
                    .flatten()
            }),
            secure: secure.contains(&name),
            meaning: meaning(name),
        })
        .collect())
}

/// The policy's values; the package's own bookkeeping (the remembered INSTALLDIR) is not policy.
fn read_registry<F: Read + Seek>(package: &mut Package<F>) -> io::Result<Vec<InspectedValue>> {
    Ok(rows(package, "Registry")?
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
        .collect())
}

fn read_upgrades<F: Read + Seek>(package: &mut Package<F>) -> io::Result<Vec<UpgradeRow>> {
    Ok(rows(package, "Upgrade")?
        .iter()
        .map(|r| UpgradeRow {
            version_min: text(r, "VersionMin"),
            version_max: text(r, "VersionMax"),
            attributes: int(r, "Attributes").unwrap_or(0),
            action_property: text(r, "ActionProperty").unwrap_or_default(),
        })
        .collect())
}

fn read_execute_sequence<F: Read + Seek>(
    package: &mut Package<F>,
) -> io::Result<Vec<(i32, String, Option<String>)>> {
    let mut sequence: Vec<_> = rows(package, "InstallExecuteSequence")?
        .iter()
        .filter_map(|r| {
            Some((
                int(r, "Sequence").unwrap_or(0),
                text(r, "Action")?,
                text(r, "Condition"),
            ))
        })
        .collect();
    sequence.sort();
    Ok(sequence)
}

fn read_disk<F: Read + Seek>(
    package: &mut Package<F>,
    properties: &BTreeMap<String, String>,
    staged_by_msi: bool,
) -> io::Result<StagedDisk> {
    let reserved_bytes = rows(package, "ReserveCost")?
        .iter()
        .filter_map(|r| int(r, "ReserveLocal"))
        .map(|n| n.max(0) as u64)
        .sum();
    let prop = |name: &str| properties.get(name).cloned();
    let chunk_table = read_binary(package, CHUNK_TABLE_BINARY)?
        .map(|bytes| bytes.and_then(|b| ChunkTable::decode(&b).map_err(|e| e.to_string())));
    let delta_table = read_binary(package, DELTA_TABLE_BINARY)?;
    Ok(StagedDisk {
        delta_table,
        chunks: chunk_table
            .as_ref()
            .and_then(|t| t.as_ref().ok())
            .map(|t| t.chunks.len()),
        chunk_table,
        sidecar: prop(PROP_SIDECAR),
        vhd_name: prop(PROP_VHD_NAME),
        size: prop(PROP_DISK_SIZE).and_then(|s| s.parse().ok()),
        sha256: prop(PROP_DISK_SHA256),
        reserved_bytes,
        staged_by_msi,
    })
}

/// The largest table read from a Binary row: 1 Mi chunks, 4 TiB of disk in 4 MiB chunks.
const MAX_TABLE: u64 = 72 << 20;

/// Reads the Binary row `name` (a row, not just a stream: the Binary table is what
/// the MSI vouches for), if the package has one.
fn read_binary<F: Read + Seek>(
    package: &mut Package<F>,
    name: &str,
) -> io::Result<Option<Result<Vec<u8>, String>>> {
    let has_row = rows(package, "Binary")?
        .iter()
        .any(|r| text(r, "Name").as_deref() == Some(name));
    if !has_row {
        return Ok(None);
    }
    let mut bytes = Vec::new();
    package
        .read_stream(&format!("Binary.{name}"))?
        .take(MAX_TABLE + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_TABLE {
        return Ok(Some(Err(format!("{name} is larger than any disk needs"))));
    }
    Ok(Some(Ok(bytes)))
}

fn read<F: Read + Seek>(inner: F, path: &Path) -> io::Result<Inspection> {
    let mut package = Package::open(inner)?;
    let (package_code, summary) = read_summary(&package);
    let properties: BTreeMap<String, String> = rows(&mut package, "Property")?
        .iter()
        .filter_map(|r| Some((text(r, "Property")?, text(r, "Value").unwrap_or_default())))
        .collect();
    let prop = |name: &str| properties.get(name).cloned().unwrap_or_default();
    let actions = rows(&mut package, "CustomAction")?;
    let custom_actions: Vec<String> = actions.iter().filter_map(|r| text(r, "Action")).collect();
    // A type-51 action sets the property named after the deferred action: its CustomActionData.
    let stage_data = actions
        .iter()
        .find(|r| {
            int(r, "Type") == Some(super::runtime::TYPE_SET_PROPERTY)
                && text(r, "Source").as_deref() == Some(STAGE_ACTION)
        })
        .and_then(|r| text(r, "Target"));
    let execute_sequence = read_execute_sequence(&mut package)?;
    let staged_by_msi = custom_actions.iter().any(|a| a == STAGE_ACTION)
        && execute_sequence.iter().any(|(_, a, _)| a == STAGE_ACTION);
    Ok(Inspection {
        path: path.to_path_buf(),
        product_name: prop("ProductName"),
        product_version: prop("ProductVersion"),
        manufacturer: prop("Manufacturer"),
        product_code: prop("ProductCode"),
        upgrade_code: prop("UpgradeCode"),
        package_code,
        summary,
        disk: read_disk(&mut package, &properties, staged_by_msi)?,
        install_properties: read_install_properties(&mut package, &properties)?,
        launch_conditions: rows(&mut package, "LaunchCondition")?
            .iter()
            .filter_map(|r| {
                Some(LaunchCondition {
                    condition: text(r, "Condition")?,
                    message: text(r, "Description")?,
                })
            })
            .collect(),
        upgrades: read_upgrades(&mut package)?,
        registry: read_registry(&mut package)?,
        remove_on_uninstall: rows(&mut package, "RemoveFile")?
            .iter()
            .map(|r| RemovedFile {
                directory: text(r, "DirProperty").unwrap_or_default(),
                file: text(r, "FileName"),
            })
            .collect(),
        custom_actions,
        properties,
        execute_sequence,
        stage_data,
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
