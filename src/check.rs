//! `wspack check` (validate, summarize, explain) and `wspack init` (a commented template).

use crate::disk::{self, VhdInfo};
use crate::policy::contract::{Target, FIELDS, SECTIONS};
use crate::policy::{Policy, RegData, RegValue, ROOT_KEY};
use serde_json::json;
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

/// A value the agent applies itself because the policy leaves its key out.
struct Defaulted {
    key: &'static str,
    name: &'static str,
    data: Option<RegData>,
}

impl CheckReport {
    /// Lists the contract's values that the policy leaves to the agent, with their defaults.
    fn defaults(&self) -> Vec<Defaulted> {
        let written = |key: &str, name: &str| {
            self.policy
                .values
                .iter()
                .any(|v| v.key == key && v.name == name)
        };
        // One memory form excludes the other: list the other form's defaults only when neither is set.
        let memory_set = self
            .policy
            .values
            .iter()
            .any(|v| v.name == "HostMemToGuestMemCalcEnabled");
        FIELDS
            .iter()
            .filter_map(|f| match f.target {
                Target::Registry { key, name } if !written(key, name) => {
                    let memory = f.key.starts_with("memory");
                    (!(memory && memory_set)).then(|| Defaulted {
                        key,
                        name,
                        data: f.default_data(),
                    })
                }
                _ => None,
            })
            .collect()
    }

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
            self.defaults().len()
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
        for d in self.defaults() {
            let (ty, data) = match &d.data {
                Some(data) => (data.type_name().to_string(), show(data)),
                None => ("-".to_string(), "(agent's built-in behaviour)".to_string()),
            };
            rows.push((d.key, d.name, ty, data, "default, not written"));
        }
        // Group by key in contract order (first appearance), declared values first.
        let mut keys: Vec<&str> = Vec::new();
        for f in FIELDS {
            if let Target::Registry { key, .. } = f.target {
                if !keys.contains(&key) {
                    keys.push(key);
                }
            }
        }
        for key in keys {
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
    pub fn to_json(&self, explain: bool) -> serde_json::Value {
        let ws = &self.policy.workspace;
        let mut v = json!({
            "policy": self.policy.source,
            "warnings": self.policy.warnings(),
            "workspace": {
                "name": ws.name,
                "internal_name": ws.internal_name,
                "version": ws.version.to_string(),
                "manufacturer": ws.manufacturer,
            },
            "disk": {
                "path": ws.vhd,
                "kind": self.disk.kind.to_string(),
                "virtual_size": self.disk.virtual_size,
                "file_size": self.disk.file_size,
            },
            "registry_values": self.policy.values.len(),
        });
        if explain {
            let value = |v: &RegValue| json!({ "key": v.full_key(), "name": v.name, "type": v.data.type_name(), "data": v.data.to_json() });
            v["values"] = self.policy.values.iter().map(value).collect();
            v["defaults"] = self
                .defaults()
                .iter()
                .map(|d| {
                    json!({
                        "key": format!("{ROOT_KEY}\\{}", d.key),
                        "name": d.name,
                        "type": d.data.as_ref().map(RegData::type_name),
                        "data": d.data.as_ref().map(RegData::to_json),
                    })
                })
                .collect();
        }
        v
    }
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
    crate::msi::check_policy_text(&policy)?;
    let disk = disk::open(&policy.workspace.vhd)?;
    Ok(CheckReport { policy, disk })
}

/// Returns the commented `workspace.toml` that `init` writes: every section and key
/// of the contract, optional ones commented out with their defaults.
pub fn template() -> String {
    let mut out = String::from(
        "# wspack workspace policy. Every key of the MED-V 2.0 contract is listed;\n\
         # optional keys are commented out and show the agent's default.\n\
         # Keys left out are not written: the agent applies its default.\n\
         # Check with: wspack check workspace.toml --explain\n",
    );
    for (section, doc) in SECTIONS {
        let _ = write!(out, "\n# {doc}\n[{section}]\n");
        for f in FIELDS.iter().filter(|f| f.section == *section) {
            let target = match f.target {
                Target::Registry { key, name } => format!(" → {key}\\{name}"),
                Target::Workspace => String::new(),
            };
            let _ = writeln!(out, "# {}{target}", f.doc);
            let value = if f.required {
                f.example.to_string()
            } else {
                f.default_toml()
            };
            let comment = if f.required { "" } else { "# " };
            let _ = writeln!(out, "{comment}{} = {value}", f.key);
        }
    }
    out
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
    fn template_parses_and_names_every_key() {
        let text = template();
        let policy =
            Policy::parse(&text, Path::new("workspace.toml")).expect("template must parse");
        assert_eq!(policy.workspace.vhd, Path::new("guest.vhd"));
        for f in FIELDS {
            assert!(
                text.contains(&format!("{} = ", f.key)),
                "template lacks {}",
                f.key
            );
        }
        // Uncommenting every optional key (but one memory form) must still parse.
        let all: String = text
            .lines()
            .map(|l| match l.strip_prefix("# ") {
                Some(kv) if kv.contains(" = ") && !kv.starts_with("memory.") => kv,
                _ => l,
            })
            .collect::<Vec<_>>()
            .join("\n");
        let full =
            Policy::parse(&all, Path::new("workspace.toml")).unwrap_or_else(|e| panic!("{e}"));
        assert!(full.values.len() > 45, "{}", full.values.len());
    }

    #[test]
    fn human_sizes() {
        assert_eq!(human_bytes(512), "512 bytes");
        assert_eq!(human_bytes(64 << 20), "64.0 MiB (67108864 bytes)");
    }
}
