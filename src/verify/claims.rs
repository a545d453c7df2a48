//! What each manifest field must be, derived from the package ([`PackageFacts`]),
//! and the comparison that names every field that disagrees.

use super::facts::PackageFacts;
use crate::manifest::{self, Manifest};
use crate::msi::Deployment;
use crate::text::to_hex;
use crate::update::delta::{DeltaTable, DELTA_SUFFIX, DELTA_TABLE_BINARY};
use serde_json::Value;
use std::collections::BTreeSet;
use std::fmt;

/// One thing wrong with a package: which file it concerns and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// The file in the package folder the problem is about (the manifest for a field).
    pub file: String,
    /// The problem, naming the manifest field and both values.
    pub problem: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = format!("{}: {}", self.file, self.problem);
        f.write_str(&crate::text::printable(&text))
    }
}

/// What the package says one manifest field must be.
struct Claim {
    /// The field, as a JSON pointer (`/msi/product_code`).
    pointer: &'static str,
    /// The values the package allows (one, or several when the package cannot
    /// tell them apart).
    allowed: Vec<Value>,
    /// Where the value comes from, e.g. `contoso.msi's ProductCode`.
    source: String,
}

/// Compares a parsed manifest with the package's facts; returns every
/// disagreement (none: the manifest describes this package). Fields that need
/// the files' content are compared once [`PackageFacts::read_content`] ran.
pub fn check(manifest: &Manifest, facts: &PackageFacts) -> Vec<Mismatch> {
    let mut found = file_mismatches(manifest, facts);
    if let Some(Err(why)) = facts.sidecar.as_ref().map(|s| &s.disk) {
        found.push(Mismatch {
            file: facts
                .sidecar_name()
                .unwrap_or_else(|| facts.msi_name.clone()),
            problem: format!("the disk inside can't be read: {why}"),
        });
    }
    let value = serde_json::to_value(manifest).expect("a manifest always serializes");
    for claim in claims(facts) {
        let got = value.pointer(claim.pointer).unwrap_or(&Value::Null);
        if !claim.allowed.contains(got) {
            found.push(Mismatch {
                file: facts.manifest_name.clone(),
                problem: format!(
                    "manifest field {} says {} but {} has {}",
                    claim.pointer[1..].replace('/', "."),
                    text(got),
                    claim.source,
                    allowed_text(&claim.allowed)
                ),
            });
        }
    }
    found
}

/// A value as a person reads it: text unquoted, nothing as `nothing`.
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "nothing".into(),
        other => other.to_string(),
    }
}

fn allowed_text(allowed: &[Value]) -> String {
    match allowed {
        [] => "nothing".into(),
        _ => allowed.iter().map(text).collect::<Vec<_>>().join(" or "),
    }
}

/// `files` must list each file of the folder once, with its size and SHA-256.
fn file_mismatches(manifest: &Manifest, facts: &PackageFacts) -> Vec<Mismatch> {
    let mut found = Vec::new();
    let mut listed = BTreeSet::new();
    for (i, entry) in manifest.files.iter().enumerate() {
        let mut fail = |file: &str, problem: String| {
            found.push(Mismatch {
                file: file.to_string(),
                problem,
            })
        };
        if !listed.insert(entry.name.as_str()) {
            fail(
                &facts.manifest_name,
                format!(
                    "manifest field files[{i}].name lists {} a second time",
                    entry.name
                ),
            );
            continue;
        }
        let Some(present) = facts.files.get(&entry.name) else {
            fail(
                &entry.name,
                format!(
                    "the file is missing (the manifest lists it with {} bytes in files[{i}])",
                    entry.size
                ),
            );
            continue;
        };
        match &present.size {
            Err(why) => fail(&entry.name, why.clone()),
            Ok(len) if *len != entry.size => fail(
                &entry.name,
                format!(
                    "size is {len} bytes, the manifest says {} ({}) in manifest field files[{i}].size",
                    entry.size,
                    if *len < entry.size { "truncated" } else { "longer than built" }
                ),
            ),
            Ok(_) => {}
        }
        match &present.sha256 {
            Some(sha) if *sha != entry.sha256 => fail(
                &entry.name,
                format!(
                    "SHA-256 is {sha}, the manifest says {} in manifest field files[{i}].sha256 \
                     (the file was changed or damaged after the build, or the manifest was edited)",
                    entry.sha256
                ),
            ),
            _ => {}
        }
    }
    for name in facts.files.keys().filter(|n| !listed.contains(n.as_str())) {
        found.push(Mismatch {
            file: facts.manifest_name.clone(),
            problem: format!(
                "manifest field files has no entry for {name}, which is in the package folder"
            ),
        });
    }
    found
}

/// Every claim the package makes about the manifest's fields (except `files`).
fn claims(facts: &PackageFacts) -> Vec<Claim> {
    let mut all = identity_claims(facts);
    all.extend(msi_claims(facts));
    all.extend(update_claims(facts));
    all.extend(content_claims(facts));
    all
}

fn claim(pointer: &'static str, value: impl Into<Value>, source: String) -> Claim {
    Claim {
        pointer,
        allowed: vec![value.into()],
        source,
    }
}

/// The `update` entry of a build made with `--base`: a delta table in the MSI
/// decides every field but the base's identity; without one the build is either
/// no update at all or policy-only (the base's disk is this disk).
fn update_claims(facts: &PackageFacts) -> Vec<Claim> {
    let from = format!("{}'s delta table ({DELTA_TABLE_BINARY})", facts.msi_name);
    let any = |pointer, values: Vec<Value>, source: &str| Claim {
        pointer,
        allowed: values,
        source: source.to_string(),
    };
    let table = match &facts.msi.disk.delta_table {
        None => {
            let staged = "the disk the MSI stages (a policy-only build's base disk)";
            let size = facts.staged_size().and_then(|s| s.parse::<u64>().ok());
            return vec![
                any(
                    "/update/policy_only",
                    vec![Value::Null, true.into()],
                    "an MSI without a delta table",
                ),
                any(
                    "/update/base/disk_size",
                    vec![Value::Null, size.into()],
                    staged,
                ),
                any(
                    "/update/base/disk_sha256",
                    vec![Value::Null, facts.staged_sha256().into()],
                    staged,
                ),
                any(
                    "/update/delta",
                    vec![Value::Null],
                    "an MSI without a delta table",
                ),
            ];
        }
        Some(bytes) => bytes
            .clone()
            .and_then(|b| DeltaTable::decode(&b).map_err(|e| e.to_string())),
    };
    let Ok(t) = table else {
        return vec![any(
            "/update",
            Vec::new(),
            &format!("{from}, which is damaged"),
        )];
    };
    let stem = facts.msi_name.trim_end_matches(".msi");
    vec![
        claim("/update/policy_only", false, from.clone()),
        claim("/update/base/disk_size", t.base_size, from.clone()),
        claim(
            "/update/base/disk_sha256",
            to_hex(&t.base_sha256),
            from.clone(),
        ),
        claim(
            "/update/delta/file",
            format!("{stem}{DELTA_SUFFIX}"),
            from.clone(),
        ),
        claim("/update/delta/size", t.delta_size, from.clone()),
        claim(
            "/update/delta/sha256",
            to_hex(&t.delta_sha256),
            from.clone(),
        ),
        claim("/update/delta/chunks", t.chunks.len() as u64, from.clone()),
        claim(
            "/update/delta/changed_chunks",
            t.delta_chunks() as u64,
            from,
        ),
    ]
}

/// Fields the MSI's summary and Property table and the folder's names decide.
fn identity_claims(facts: &PackageFacts) -> Vec<Claim> {
    let msi = &facts.msi;
    let name = &facts.msi_name;
    let from = |what: &str| format!("{name}'s {what}");
    let time = |t: Option<std::time::SystemTime>| t.map(crate::msi::rfc3339);
    let stem = facts.manifest_name.trim_end_matches(".json");
    vec![
        claim(
            "/schema_version",
            manifest::SCHEMA_VERSION,
            "this wspack's manifest format".into(),
        ),
        claim(
            "/wspack_version",
            msi.summary
                .creating_application
                .as_deref()
                .map(|app| app.strip_prefix("wspack ").unwrap_or(app)),
            from("summary (creating application)"),
        ),
        claim(
            "/build_time",
            time(msi.summary.creation_time),
            from("summary (created)"),
        ),
        claim(
            "/build_time",
            time(msi.summary.last_saved_time),
            from("summary (last saved)"),
        ),
        claim(
            "/workspace/name",
            workspace_name(facts),
            from("ProductName"),
        ),
        claim(
            "/workspace/internal_name",
            stem,
            format!("the manifest's file name {}", facts.manifest_name),
        ),
        claim(
            "/workspace/internal_name",
            msi.summary.keywords.last().cloned(),
            from("summary keywords"),
        ),
        claim(
            "/workspace/version",
            msi.product_version.as_str(),
            from("ProductVersion"),
        ),
        claim(
            "/workspace/manufacturer",
            msi.manufacturer.as_str(),
            from("Manufacturer"),
        ),
    ]
}

/// Fields the MSI's staging action and codes decide.
fn msi_claims(facts: &PackageFacts) -> Vec<Claim> {
    let msi = &facts.msi;
    let name = &facts.msi_name;
    let from = |what: &str| format!("{name}'s {what}");
    let chunk_table = msi.disk.chunk_table.as_ref().and_then(|t| t.as_ref().ok());
    let deploy = Deployment::of(name, &msi.product_code, &msi.upgrade_code);
    let staged_size: Option<Value> = facts
        .staged_size()
        .map(|s| s.parse::<u64>().map_or(Value::String(s), Value::from));
    vec![
        claim(
            "/disk/file",
            msi.disk.vhd_name.clone(),
            from("staged disk name"),
        ),
        claim(
            "/disk/size",
            staged_size,
            from("staging action (CustomActionData size=)"),
        ),
        claim(
            "/disk/sha256",
            facts.staged_sha256(),
            from("staging action (CustomActionData sha256=)"),
        ),
        claim(
            "/sidecar/file",
            facts.sidecar_name(),
            from("staging action (CustomActionData medv=)"),
        ),
        claim(
            "/sidecar/chunk_size",
            chunk_table.map(|t| t.chunk_size),
            from("chunk table"),
        ),
        claim(
            "/sidecar/chunks",
            chunk_table.map(|t| t.chunks.len() as u64),
            from("chunk table"),
        ),
        claim(
            "/msi/file",
            name.as_str(),
            format!("the folder (named after {})", facts.manifest_name),
        ),
        claim(
            "/msi/product_code",
            msi.product_code.as_str(),
            from("ProductCode"),
        ),
        claim(
            "/msi/upgrade_code",
            msi.upgrade_code.as_str(),
            from("UpgradeCode"),
        ),
        claim(
            "/msi/package_code",
            msi.package_code.clone(),
            from("PackageCode (summary revision)"),
        ),
        claim(
            "/msi/install_command",
            deploy.install_command.as_str(),
            from("file name"),
        ),
        claim(
            "/msi/uninstall_command",
            deploy.uninstall_command.as_str(),
            from("ProductCode"),
        ),
        claim("/msi/detection", deploy.detection(), from("ProductCode")),
    ]
}

/// The workspace name inside the MSI's ProductName (see `msi::tables::product_name`).
fn workspace_name(facts: &PackageFacts) -> Option<&str> {
    facts.msi.product_name.strip_prefix("MED-V Workspace - ")
}

/// Fields the files' content decides (none before it is read).
fn content_claims(facts: &PackageFacts) -> Vec<Claim> {
    let Some(content) = &facts.sidecar else {
        return Vec::new();
    };
    let medv = facts.sidecar_name().unwrap_or_default();
    let present = facts.files.get(&medv);
    let mut all = vec![
        claim(
            "/sidecar/size",
            present.and_then(|f| f.size.clone().ok()),
            format!("the file {medv}"),
        ),
        claim(
            "/sidecar/sha256",
            present.and_then(|f| f.sha256.clone()),
            format!("the file {medv}"),
        ),
    ];
    let Ok(disk) = &content.disk else {
        return all; // the damage is reported on its own
    };
    let inside = format!("the disk inside {medv}");
    let (kind, virtual_size) = disk.footer.clone().unzip();
    all.extend([
        claim("/sidecar/compression", "gzip", format!("{medv} (gzip)")),
        Claim {
            pointer: "/sidecar/level",
            allowed: content.levels.iter().map(|&l| Value::from(l)).collect(),
            source: format!("{medv} (its first blocks, deflated again at each level)"),
        },
        claim("/disk/size", disk.size, inside.clone()),
        claim("/disk/sha256", disk.sha256.as_str(), inside.clone()),
        claim("/disk/kind", kind, format!("{inside} (its VHD footer)")),
        claim(
            "/disk/virtual_size",
            virtual_size,
            format!("{inside} (its VHD footer)"),
        ),
    ]);
    all
}
