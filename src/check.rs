//! `wspack check` (validate, summarize, explain) and `wspack init` (a commented template).

use crate::disk::{self, VhdError, VhdInfo, VhdProblem};
use crate::policy::{self, Policy, PolicyError, RegData, ROOT_KEY};
use serde::Serialize;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// What `wspack check` found: the policy, its disk, and what a build will write.
#[derive(Debug)]
pub struct CheckReport {
    /// The checked policy.
    pub policy: Policy,
    /// The checked disk.
    pub disk: VhdInfo,
}

impl CheckReport {
    /// Renders the summary (and with `explain`, every value and default) as text.
    pub fn render(&self, explain: bool) -> String {
        let ws = &self.policy.workspace;
        let mut out = String::new();
        let _ = writeln!(out, "{}: ok", self.policy.source.display());
        for warning in self.policy.warnings() {
            let _ = writeln!(out, "warning: {warning}");
        }
        let _ = writeln!(
            out,
            "  workspace  {} ({}) {} by {}",
            ws.name, ws.internal_name, ws.version, ws.manufacturer
        );
        let _ = writeln!(
            out,
            "  disk       {}: {} VHD, virtual size {}, file size {}",
            ws.vhd.display(),
            self.disk.kind,
            human_bytes(self.disk.virtual_size),
            human_bytes(self.disk.file_size)
        );
        let _ = writeln!(
            out,
            "  registry   {} values under HKLM\\{ROOT_KEY} (64-bit view), {} left to the agent's defaults",
            self.policy.values.len(),
            self.policy.defaults().len()
        );
        if !explain {
            return out;
        }
        let mut rows: Vec<(&str, &str, String, String, &str)> = self
            .policy
            .values
            .iter()
            .map(|v| {
                (
                    v.key,
                    v.name,
                    v.data.type_name().to_string(),
                    show(&v.data),
                    "",
                )
            })
            .collect();
        for d in self.policy.defaults() {
            let (ty, data) = match &d.data {
                Some(data) => (data.type_name().to_string(), show(data)),
                None => ("-".to_string(), "(agent's built-in behaviour)".to_string()),
            };
            rows.push((d.key, d.name, ty, data, "default, not written"));
        }
        // Group by key in contract order, declared values first.
        for key in policy::registry_keys() {
            let _ = writeln!(out, "\nHKLM\\{ROOT_KEY}\\{key}");
            for (_, name, ty, data, note) in rows.iter().filter(|r| r.0 == key) {
                let note = if note.is_empty() {
                    String::new()
                } else {
                    format!("  ({note})")
                };
                let _ = writeln!(out, "  {name:<34} {ty:<13} {data}{note}");
            }
        }
        out
    }

    /// Renders the report as JSON.
    pub fn to_json(&self, explain: bool) -> CheckJson {
        let ws = &self.policy.workspace;
        let value = |key: String, name: &str, data: Option<&RegData>| ValueJson {
            key,
            name: name.to_string(),
            type_: data.map(RegData::type_name),
            data: data.map(RegData::to_json),
        };
        CheckJson {
            policy: self.policy.source.clone(),
            warnings: self.policy.warnings(),
            workspace: WorkspaceJson {
                name: ws.name.clone(),
                internal_name: ws.internal_name.clone(),
                version: ws.version.to_string(),
                manufacturer: ws.manufacturer.clone(),
            },
            disk: DiskJson {
                path: ws.vhd.clone(),
                kind: self.disk.kind.to_string(),
                virtual_size: self.disk.virtual_size,
                file_size: self.disk.file_size,
            },
            registry_values: self.policy.values.len(),
            values: explain.then(|| {
                self.policy
                    .values
                    .iter()
                    .map(|v| value(v.full_key(), v.name, Some(&v.data)))
                    .collect()
            }),
            defaults: explain.then(|| {
                self.policy
                    .defaults()
                    .iter()
                    .map(|d| value(format!("{ROOT_KEY}\\{}", d.key), d.name, d.data.as_ref()))
                    .collect()
            }),
        }
    }
}

/// What `check --json` prints.
#[derive(Debug, Clone, Serialize)]
pub struct CheckJson {
    /// The policy file.
    pub policy: PathBuf,
    /// What is valid but may not do what the author meant.
    pub warnings: Vec<String>,
    /// Identity.
    pub workspace: WorkspaceJson,
    /// The disk.
    pub disk: DiskJson,
    /// How many registry values a build writes.
    pub registry_values: usize,
    /// With `--explain`: every value a build writes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<ValueJson>>,
    /// With `--explain`: every value left to the agent's default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub defaults: Option<Vec<ValueJson>>,
}

/// The workspace's identity.
#[derive(Debug, Clone, Serialize)]
pub struct WorkspaceJson {
    /// Display name.
    pub name: String,
    /// Base of every file name.
    pub internal_name: String,
    /// `a.b.c`.
    pub version: String,
    /// Publisher.
    pub manufacturer: String,
}

/// The checked disk.
#[derive(Debug, Clone, Serialize)]
pub struct DiskJson {
    /// Where it is.
    pub path: PathBuf,
    /// `fixed` or `dynamic`.
    pub kind: String,
    /// Guest-visible size in bytes.
    pub virtual_size: u64,
    /// File size in bytes.
    pub file_size: u64,
}

/// One registry value (or default) with its type and data.
#[derive(Debug, Clone, Serialize)]
pub struct ValueJson {
    /// Full key below HKLM.
    pub key: String,
    /// Value name.
    pub name: String,
    /// `REG_DWORD`, `REG_SZ`, `REG_MULTI_SZ`; none for a default the agent decides itself.
    #[serde(rename = "type")]
    pub type_: Option<&'static str>,
    /// The data; none for a default the agent decides itself.
    pub data: Option<serde_json::Value>,
}

fn show(data: &RegData) -> String {
    match data {
        RegData::Dword(n) => format!("{n} (0x{n:x})"),
        RegData::Sz(s) => format!("{s:?}"),
        RegData::MultiSz(lines) => lines
            .iter()
            .map(|l| format!("{l:?}"))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// Formats a byte count as `1.5 GiB (1610612736 bytes)`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} bytes");
    }
    let mut v = n as f64;
    let mut unit = "";
    for u in UNITS {
        if v < 1024.0 {
            break;
        }
        v /= 1024.0;
        unit = u;
    }
    format!("{v:.1} {unit} ({n} bytes)")
}

/// Validates a workspace TOML and its disk; writes nothing.
pub fn check(workspace: &Path) -> crate::Result<CheckReport> {
    let policy = Policy::load(workspace)?;
    let disk = disk::open(&policy.workspace.vhd).map_err(|e| locate_open_error(&policy, e))?;
    Ok(CheckReport { policy, disk })
}

/// Points a disk that can't be opened at the policy's `vhd` value; problems inside
/// the disk keep their byte offset in the disk.
fn locate_open_error(policy: &Policy, e: VhdError) -> crate::Error {
    let help = match &e.problem {
        VhdProblem::Unreadable(io)
            if e.offset.is_none() && io.kind() == std::io::ErrorKind::NotFound =>
        {
            let folder = policy.source.parent().filter(|p| !p.as_os_str().is_empty());
            let folder = folder.map_or(".".into(), |p| p.display().to_string());
            format!("fix `vhd`: it is taken relative to the policy's folder ({folder}), or give an absolute path")
        }
        VhdProblem::Unreadable(_) | VhdProblem::NotAFile { .. } if e.offset.is_none() => e.help(),
        _ => return e.into(),
    };
    let located: PolicyError = policy.vhd_error(&e, help);
    located.into()
}

/// Returns the commented `workspace.toml` that `init` writes.
pub fn template() -> String {
    policy::template()
}

/// Writes a commented `workspace.toml` into `dir`; returns its path. Refuses to overwrite.
pub fn init(dir: &Path) -> crate::Result<PathBuf> {
    let path = dir.join("workspace.toml");
    let io = |source| crate::Error::Io {
        op: "write the workspace template",
        path: path.clone(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|source| {
            if source.kind() == std::io::ErrorKind::AlreadyExists {
                crate::Error::Input {
                    what: "write the workspace template, the file already exists",
                    path: path.clone(),
                    source,
                    help: "edit the existing file, or remove it to start again",
                }
            } else {
                io(source)
            }
        })?;
    std::io::Write::write_all(&mut file, template().as_bytes()).map_err(io)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_sizes() {
        assert_eq!(human_bytes(512), "512 bytes");
        assert_eq!(human_bytes(64 << 20), "64.0 MiB (67108864 bytes)");
    }
}
