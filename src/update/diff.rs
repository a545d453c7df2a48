//! `wspack diff OLD_OUTDIR NEW_OUTDIR`: what changed between two builds of a
//! workspace (policy values, disk, chunks) and what must travel to machines.

use super::package::{DiskId, Package};
use super::{reusable_chunks, UpdateError};
use crate::msi::InspectedValue;
use serde::Serialize;
use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use wspack_contract::stage;

/// What changed from one build to the next.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diff {
    /// Always `diff`.
    pub command: &'static str,
    /// The older package.
    pub old: PackageId,
    /// The newer package.
    pub new: PackageId,
    /// Policy values in the new package and not in the old one.
    pub added: Vec<ValueEntry>,
    /// Policy values in both, with different data.
    pub changed: Vec<ValueChange>,
    /// Policy values in the old package and not in the new one.
    pub removed: Vec<ValueEntry>,
    /// The disk.
    pub disk: DiskChange,
    /// What must travel to machines that have the old version.
    pub travel: Travel,
}

/// Which package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackageId {
    /// Its folder.
    pub dir: String,
    /// ProductName.
    pub product_name: String,
    /// ProductVersion.
    pub version: String,
    /// ProductCode.
    pub product_code: String,
}

/// One registry value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValueEntry {
    /// Root and key, e.g. `HKLM\SOFTWARE\Microsoft\Medv\v2\VM`.
    pub key: String,
    /// Value name.
    pub name: String,
    /// `REG_DWORD`, `REG_SZ`, `REG_MULTI_SZ` (or `raw`).
    #[serde(rename = "type")]
    pub type_name: &'static str,
    /// The data: a number, a string or an array of strings.
    pub data: serde_json::Value,
}

/// One registry value whose data (or type) changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValueChange {
    /// Root and key.
    pub key: String,
    /// Value name.
    pub name: String,
    /// Old type.
    pub old_type: &'static str,
    /// Old data.
    pub old: serde_json::Value,
    /// New type.
    pub new_type: &'static str,
    /// New data.
    pub new: serde_json::Value,
}

/// The disks of the two packages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiskChange {
    /// Whether size or SHA-256 differ.
    pub changed: bool,
    /// Old size.
    pub old_size: u64,
    /// Old SHA-256, hex.
    pub old_sha256: String,
    /// New size.
    pub new_size: u64,
    /// New SHA-256, hex.
    pub new_sha256: String,
    /// Chunk counts (`None` when a package has no chunk table).
    pub chunks: Option<ChunkCounts>,
}

/// How many chunks of the new disk differ from the old disk's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ChunkCounts {
    /// Chunks of the new disk.
    pub total: usize,
    /// Chunks whose bytes are not at the same disk offset in the old disk.
    pub changed: usize,
    /// Chunks with the same disk offset, length and SHA-256.
    pub unchanged: usize,
}

/// The files to ship.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Travel {
    /// `msi` (policy-only), `msi+delta` or `msi+sidecar`, for machines with the old version.
    pub kind: &'static str,
    /// Those files, with their sizes.
    pub files: Vec<TravelFile>,
    /// Their total size.
    pub bytes: u64,
    /// What machines without the old version need: the MSI and the full sidecar
    /// (`None` when the new folder has no full sidecar).
    pub bytes_without_old: Option<u64>,
}

/// One file to ship.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TravelFile {
    /// File name in the package folder.
    pub name: String,
    /// Size in bytes.
    pub size: u64,
}

/// Compares the packages in two build output folders.
pub fn diff(old_dir: &Path, new_dir: &Path) -> crate::Result<Diff> {
    let old = Package::read(old_dir)?;
    let new = Package::read(new_dir)?;
    let (added, changed, removed) = compare_values(&old.msi.registry, &new.msi.registry);
    Ok(Diff {
        command: "diff",
        old: package_id(&old),
        new: package_id(&new),
        added,
        changed,
        removed,
        disk: disk_change(&old, &new),
        travel: travel(&old, &new)?,
    })
}

fn package_id(p: &Package) -> PackageId {
    PackageId {
        dir: p.dir.display().to_string(),
        product_name: p.msi.product_name.clone(),
        version: p.msi.product_version.clone(),
        product_code: p.msi.product_code.clone(),
    }
}

fn entry(v: &InspectedValue) -> ValueEntry {
    ValueEntry {
        key: format!("{}\\{}", v.root, v.key),
        name: v.name.clone(),
        type_name: type_name(v),
        data: data(v),
    }
}

fn type_name(v: &InspectedValue) -> &'static str {
    v.data.as_ref().map_or("raw", |d| d.type_name())
}

fn data(v: &InspectedValue) -> serde_json::Value {
    match &v.data {
        Ok(d) => d.to_json(),
        Err(raw) => serde_json::json!(raw),
    }
}

/// Registry keys and value names are case-insensitive.
fn identity(v: &InspectedValue) -> (String, String, String) {
    (
        v.root.to_string(),
        v.key.to_ascii_lowercase(),
        v.name.to_ascii_lowercase(),
    )
}

type ValueChanges = (Vec<ValueEntry>, Vec<ValueChange>, Vec<ValueEntry>);

fn compare_values(old: &[InspectedValue], new: &[InspectedValue]) -> ValueChanges {
    let old_by_id: HashMap<_, _> = old.iter().map(|v| (identity(v), v)).collect();
    let new_by_id: HashMap<_, _> = new.iter().map(|v| (identity(v), v)).collect();
    let added = new
        .iter()
        .filter(|v| !old_by_id.contains_key(&identity(v)))
        .map(entry)
        .collect();
    let removed = old
        .iter()
        .filter(|v| !new_by_id.contains_key(&identity(v)))
        .map(entry)
        .collect();
    let changed = new
        .iter()
        .filter_map(|n| {
            let o = old_by_id.get(&identity(n))?;
            (o.data != n.data).then(|| ValueChange {
                key: format!("{}\\{}", n.root, n.key),
                name: n.name.clone(),
                old_type: type_name(o),
                old: data(o),
                new_type: type_name(n),
                new: data(n),
            })
        })
        .collect();
    (added, changed, removed)
}

fn same_disk(a: &DiskId, b: &DiskId) -> bool {
    a.size == b.size && a.sha256 == b.sha256
}

fn disk_change(old: &Package, new: &Package) -> DiskChange {
    let changed = !same_disk(&old.disk, &new.disk);
    let chunks = match (&old.chunks, &new.chunks) {
        (Some(o), Some(n)) => {
            let total = n.chunks.len();
            let unchanged = if changed {
                reusable_chunks(o, n).iter().filter(|r| r.is_some()).count()
            } else {
                total
            };
            Some(ChunkCounts {
                total,
                changed: total - unchanged,
                unchanged,
            })
        }
        _ => None,
    };
    DiskChange {
        changed,
        old_size: old.disk.size,
        old_sha256: stage::to_hex(&old.disk.sha256),
        new_size: new.disk.size,
        new_sha256: stage::to_hex(&new.disk.sha256),
        chunks,
    }
}

fn travel(old: &Package, new: &Package) -> crate::Result<Travel> {
    let msi_name = file_name(&new.msi.path);
    let present = |(name, size): &(String, Option<u64>)| {
        size.map(|size| TravelFile {
            name: name.clone(),
            size,
        })
        .ok_or_else(|| UpdateError {
            path: new.dir.join(name),
            problem: "the package's MSI needs this file, which is missing".into(),
            help: "copy the whole package folder again from the build".into(),
        })
    };
    let delta_applies = new
        .delta
        .as_ref()
        .is_some_and(|d| d.base_size == old.disk.size && d.base_sha256 == old.disk.sha256);
    let (kind, mut files) = if same_disk(&old.disk, &new.disk) {
        ("msi", vec![])
    } else if delta_applies {
        ("msi+delta", vec![present(&new.delta_file)?])
    } else {
        ("msi+sidecar", vec![present(&new.sidecar)?])
    };
    files.insert(
        0,
        TravelFile {
            name: msi_name,
            size: new.msi_size,
        },
    );
    Ok(Travel {
        kind,
        bytes: files.iter().map(|f| f.size).sum(),
        files,
        bytes_without_old: new.sidecar.1.map(|size| new.msi_size + size),
    })
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

impl fmt::Display for Diff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} {} ({}) -> {} ({})",
            self.new.product_name, self.old.version, self.old.dir, self.new.version, self.new.dir
        )?;
        writeln!(
            f,
            "policy values: {} added, {} changed, {} removed",
            self.added.len(),
            self.changed.len(),
            self.removed.len()
        )?;
        for v in &self.added {
            writeln!(
                f,
                "  + {}\\{} = {} ({})",
                v.key, v.name, v.data, v.type_name
            )?;
        }
        for v in &self.changed {
            writeln!(f, "  ~ {}\\{}: {} -> {}", v.key, v.name, v.old, v.new)?;
        }
        for v in &self.removed {
            writeln!(f, "  - {}\\{} (was {})", v.key, v.name, v.data)?;
        }
        write!(f, "{}", self.disk)?;
        write!(f, "{}", self.travel)
    }
}

impl fmt::Display for DiskChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.changed {
            writeln!(
                f,
                "disk: unchanged ({} bytes, sha256 {})",
                self.new_size, self.new_sha256
            )?;
        } else {
            writeln!(
                f,
                "disk: changed ({} -> {} bytes, sha256 {} -> {})",
                self.old_size, self.new_size, self.old_sha256, self.new_sha256
            )?;
        }
        match &self.chunks {
            Some(c) => writeln!(f, "chunks: {} of {} changed", c.changed, c.total),
            None => writeln!(
                f,
                "chunks: not compared (a package has the one-member sidecar of an older wspack)"
            ),
        }
    }
}

impl fmt::Display for Travel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.files.iter().map(|f| f.name.as_str()).collect();
        writeln!(
            f,
            "to ship to machines with the old version: {} ({} bytes)",
            names.join(" + "),
            self.bytes
        )?;
        match self.bytes_without_old {
            Some(bytes) => writeln!(
                f,
                "to ship to machines without it: {} + the full sidecar ({bytes} bytes)",
                names[0]
            ),
            None => writeln!(
                f,
                "to ship to machines without it: {} + the full sidecar, which is not in the \
                 new folder",
                names[0]
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::RegData;

    fn value(key: &str, name: &str, data: RegData) -> InspectedValue {
        InspectedValue {
            root: "HKLM",
            key: format!(r"SOFTWARE\Microsoft\Medv\v2\{key}"),
            name: name.into(),
            data: Ok(data),
        }
    }

    #[test]
    fn values_are_matched_by_key_and_name_ignoring_case() {
        let old = [
            value("VM", "Memory", RegData::Dword(1024)),
            value("VM", "NetworkingMode", RegData::Sz("NAT".into())),
            value("Fts", "Mode", RegData::Sz("Unattended".into())),
        ];
        let new = [
            value("vm", "memory", RegData::Dword(2048)),
            value("Fts", "Mode", RegData::Sz("Unattended".into())),
            value("VM", "CloseAction", RegData::Sz("TURN-OFF".into())),
        ];
        let (added, changed, removed) = compare_values(&old, &new);
        assert_eq!(added.len(), 1);
        assert_eq!(added[0].name, "CloseAction");
        assert_eq!(added[0].key, r"HKLM\SOFTWARE\Microsoft\Medv\v2\VM");
        assert_eq!(changed.len(), 1);
        assert_eq!(
            (changed[0].old.clone(), changed[0].new.clone()),
            (1024.into(), 2048.into())
        );
        assert_eq!(removed.len(), 1);
        assert_eq!(removed[0].name, "NetworkingMode");
    }

    #[test]
    fn a_changed_type_is_a_change() {
        let old = [value("VM", "Memory", RegData::Dword(1024))];
        let new = [value("VM", "Memory", RegData::Sz("1024".into()))];
        let (_, changed, _) = compare_values(&old, &new);
        assert_eq!(
            (changed[0].old_type, changed[0].new_type),
            ("REG_DWORD", "REG_SZ")
        );
    }
}
