//! Changing a deployed workspace: `wspack build --base` (policy-only builds, delta
//! sidecars) and `wspack diff`, on disks made by qemu-img and filled by dd, checked
//! with stock tools (gzip, msitools). A missing tool fails the test; nothing is skipped.

mod support;

use support::{dd_random, ok, random_fixed_vhd, require_tool as require, run, sha256_hex};

use serde_json::Value;
use sha2::{Digest, Sha256};
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use wspack::sidecar::CHUNK_TABLE_BINARY;
use wspack::update::delta::{DeltaTable, Source, DELTA_TABLE_BINARY};

const WSPACK: &str = env!("CARGO_BIN_EXE_wspack");
const MIB: u64 = 1 << 20;

/// Runs `wspack build TOML -o OUT [--base BASE] --json`; returns its summary.
fn build(toml: &Path, out: &Path, base: Option<&Path>) -> Value {
    let mut cmd = Command::new(WSPACK);
    cmd.arg("build").arg(toml).arg("-o").arg(out).arg("--json");
    if let Some(base) = base {
        cmd.arg("--base").arg(base);
    }
    serde_json::from_slice(&ok(cmd.env("SOURCE_DATE_EPOCH", "1700000000")).stdout).unwrap()
}

fn policy(version: &str, second: bool) -> String {
    let vm = if second {
        "memory_mb = 2048\nclose_action = \"turn-off\"\n"
    } else {
        "memory_mb = 1024\nnetworking = \"nat\"\n"
    };
    format!(
        "[workspace]\nname = \"Update Test\"\ninternal_name = \"updws\"\nversion = \"{version}\"\n\
         manufacturer = \"Contoso\"\nvhd = \"disk.vhd\"\n\n[vm]\n{vm}\n[diagnostics]\n\
         event_log_level = 3\n"
    )
}

/// A folder with `disk.vhd`: a fixed VHD of `mib` MiB, all but its last MiB random.
fn workspace(mib: u64) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    random_fixed_vhd(&dir.path().join("disk.vhd"), mib);
    dir
}

fn manifest(out: &Path) -> Value {
    serde_json::from_slice(&fs::read(out.join("updws.json")).unwrap()).unwrap()
}

fn msi_binary(msi: &Path, name: &str) -> Option<Vec<u8>> {
    require("msiinfo", "msitools");
    let streams = ok(Command::new("msiinfo").arg("streams").arg(msi));
    let listed = String::from_utf8_lossy(&streams.stdout)
        .lines()
        .any(|l| l.trim() == format!("Binary.{name}"));
    listed.then(|| {
        ok(Command::new("msiinfo")
            .arg("extract")
            .arg(msi)
            .arg(format!("Binary.{name}")))
        .stdout
    })
}

fn diff_json(old: &Path, new: &Path) -> Value {
    let out = ok(Command::new(WSPACK)
        .arg("diff")
        .arg(old)
        .arg(new)
        .arg("--json"));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Builds the new disk as an installer will: base chunks from `base_disk`, the
/// others inflated from their gzip member of `delta`, each chunk's hash checked.
fn apply(table: &DeltaTable, base_disk: &[u8], delta: &[u8]) -> Vec<u8> {
    assert_eq!(sha256_hex(base_disk), sha256_hex_of(&table.base_sha256));
    assert_eq!(delta.len() as u64, table.delta_size);
    let mut disk = Vec::new();
    for c in &table.chunks {
        let bytes = match c.source {
            Source::Base { offset } => {
                base_disk[offset as usize..(offset + c.disk_len) as usize].to_vec()
            }
            Source::Delta { offset, len } => {
                let member = &delta[offset as usize..(offset + len) as usize];
                let mut bytes = Vec::new();
                flate2::read::GzDecoder::new(member)
                    .read_to_end(&mut bytes)
                    .unwrap();
                bytes
            }
        };
        assert_eq!(bytes.len() as u64, c.disk_len);
        assert_eq!(Sha256::digest(&bytes)[..], c.sha256[..]);
        disk.extend_from_slice(&bytes);
    }
    disk
}

fn sha256_hex_of(sha: &[u8; 32]) -> String {
    sha.iter().map(|b| format!("{b:02x}")).collect()
}

/// v1; v2 with only policy changes (policy-only, no delta); v3 with 1 MiB of the
/// disk changed (a delta of one chunk that rebuilds the new disk from the old).
#[test]
fn policy_only_then_delta_and_what_diff_says() {
    require("gzip", "gzip");
    let ws = workspace(128);
    let dir = ws.path();
    let disk = dir.join("disk.vhd");
    for (name, version, second) in [("v1", "1.0.0", false), ("v2", "1.1.0", true)] {
        fs::write(dir.join(format!("{name}.toml")), policy(version, second)).unwrap();
    }
    fs::write(dir.join("v3.toml"), policy("1.2.0", true)).unwrap();
    let (out1, out2, out3): (PathBuf, PathBuf, PathBuf) =
        (dir.join("out1"), dir.join("out2"), dir.join("out3"));

    let summary = build(&dir.join("v1.toml"), &out1, None);
    assert!(summary["update"].is_null(), "{summary:#}");
    assert!(manifest(&out1).get("update").is_none());
    assert!(msi_binary(&out1.join("updws.msi"), CHUNK_TABLE_BINARY).is_some());

    // v2: only the policy changed.
    let summary = build(&dir.join("v2.toml"), &out2, Some(&out1));
    assert_eq!(summary["update"]["policy_only"], true, "{summary:#}");
    assert_eq!(summary["update"]["base"]["version"], "1.0.0");
    assert!(!out2.join("updws.delta.medv").exists());
    let m1 = manifest(&out1);
    let m2 = manifest(&out2);
    assert_eq!(m2["update"]["policy_only"], true);
    assert_eq!(
        m2["update"]["base"]["product_code"],
        m1["msi"]["product_code"]
    );
    assert_eq!(m2["update"]["base"]["version"], "1.0.0");
    assert_eq!(m2["update"]["base"]["disk_sha256"], m1["disk"]["sha256"]);
    assert!(m2["update"].get("delta").is_none());
    assert!(msi_binary(&out2.join("updws.msi"), DELTA_TABLE_BINARY).is_none());

    // v3: 1 MiB of the disk changed, inside the chunk at 40–44 MiB.
    let old_disk = fs::read(&disk).unwrap();
    dd_random(&disk, 41, 1);
    let text = ok(Command::new(WSPACK)
        .arg("build")
        .arg(dir.join("v3.toml"))
        .arg("-o")
        .arg(&out3)
        .arg("--base")
        .arg(&out2)
        .env("SOURCE_DATE_EPOCH", "1700000000"))
    .stdout;
    let text = String::from_utf8(text).unwrap();
    assert!(
        text.contains("delta relative to version 1.1.0: 1 of 33 chunks changed"),
        "{text}"
    );
    let m3 = manifest(&out3);
    let entry = &m3["update"]["delta"];
    assert_eq!(entry["file"], "updws.delta.medv");
    assert_eq!(entry["chunks"], 33, "{m3:#}");
    assert_eq!(entry["changed_chunks"], 1);
    let delta_path = out3.join("updws.delta.medv");
    ok(Command::new("gzip").arg("-t").arg(&delta_path));
    let inflated = ok(Command::new("gzip").arg("-dc").arg(&delta_path)).stdout;
    assert_eq!(inflated.len() as u64, 4 * MIB);
    let delta = fs::read(&delta_path).unwrap();
    let full = fs::metadata(out3.join("updws.medv")).unwrap().len();
    let percent = 100.0 * delta.len() as f64 / full as f64;
    eprintln!(
        "delta {} bytes, full sidecar {full} bytes: {percent:.2} %",
        delta.len()
    );
    assert!(percent < 5.0, "delta is {percent:.2} % of the full sidecar");
    assert_eq!(entry["size"], delta.len() as u64);
    assert_eq!(entry["sha256"], sha256_hex(&delta));
    assert!(m3["files"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["name"] == "updws.delta.medv"));

    // The MSI carries the delta table; base disk + delta = the new disk.
    let table_bytes = msi_binary(&out3.join("updws.msi"), DELTA_TABLE_BINARY).unwrap();
    let table = DeltaTable::decode(&table_bytes).unwrap();
    assert_eq!(table.delta_chunks(), 1);
    assert_eq!(sha256_hex_of(&table.base_sha256), m2["disk"]["sha256"]);
    let new_disk = apply(&table, &old_disk, &delta);
    assert_eq!(sha256_hex(&new_disk), m3["disk"]["sha256"]);
    assert_eq!(new_disk, fs::read(&disk).unwrap());
    // Same inputs, same bytes: the delta and the MSI carrying its table.
    let again = dir.join("out3-again");
    build(&dir.join("v3.toml"), &again, Some(&out2));
    for file in ["updws.delta.medv", "updws.msi", "updws.json"] {
        assert!(
            fs::read(out3.join(file)).unwrap() == fs::read(again.join(file)).unwrap(),
            "{file} differs between two builds of the same inputs"
        );
    }
    // The package with its delta still verifies against its manifest.
    ok(Command::new(WSPACK).arg("verify").arg(&out3).arg("-q"));
    // Each field of the `update` entry is checked against the MSI's delta table.
    let pristine = fs::read(out3.join("updws.json")).unwrap();
    for (field, value) in [
        ("/update/policy_only", Value::from(true)),
        ("/update/base/disk_size", Value::from(1u64)),
        ("/update/delta/changed_chunks", Value::from(2u64)),
        ("/update/delta/sha256", Value::from("00".repeat(32))),
    ] {
        let mut m: Value = serde_json::from_slice(&pristine).unwrap();
        *m.pointer_mut(field).unwrap() = value;
        fs::write(
            out3.join("updws.json"),
            serde_json::to_vec_pretty(&m).unwrap(),
        )
        .unwrap();
        let out = run(Command::new(WSPACK).arg("verify").arg(&out3));
        let err = String::from_utf8_lossy(&out.stderr);
        let name = field[1..].replace('/', ".");
        assert!(
            !out.status.success() && err.contains(&name),
            "{field}: {err}"
        );
    }
    fs::write(out3.join("updws.json"), &pristine).unwrap();

    // diff v1 -> v2: the policy values, no disk change, the MSI alone travels.
    let d = diff_json(&out1, &out2);
    let names = |list: &str| -> Vec<String> {
        d[list]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names("added"), ["CloseAction"], "{d:#}");
    assert_eq!(names("changed"), ["Memory"]);
    assert_eq!(names("removed"), ["NetworkingMode"]);
    assert_eq!(d["added"][0]["data"], "TURN-OFF", "{d:#}");
    assert_eq!(
        (&d["changed"][0]["old"], &d["changed"][0]["new"]),
        (&1024.into(), &2048.into())
    );
    assert_eq!(d["removed"][0]["data"], "NAT");
    assert_eq!(d["disk"]["changed"], false);
    assert_eq!(d["disk"]["chunks"]["changed"], 0);
    assert_eq!(d["travel"]["kind"], "msi");
    let msi2 = fs::metadata(out2.join("updws.msi")).unwrap().len();
    assert_eq!(d["travel"]["bytes"], msi2);
    // A content folder holding the policy-only MSI alone is enough to compare.
    let msi_only = dir.join("msi-only");
    fs::create_dir(&msi_only).unwrap();
    fs::copy(out2.join("updws.msi"), msi_only.join("updws.msi")).unwrap();
    let d = diff_json(&out1, &msi_only);
    assert_eq!(d["travel"]["kind"], "msi");
    assert_eq!(d["travel"]["bytes_without_old"], Value::Null);
    assert_eq!(d["changed"][0]["name"], "Memory");

    // diff v2 -> v3: no policy change, one chunk of 33, the MSI and the delta travel.
    let d = diff_json(&out2, &out3);
    for list in ["added", "changed", "removed"] {
        assert_eq!(d[list].as_array().unwrap().len(), 0, "{d:#}");
    }
    assert_eq!(d["disk"]["changed"], true);
    assert_eq!(d["disk"]["chunks"]["total"], 33);
    assert_eq!(d["disk"]["chunks"]["changed"], 1);
    assert_eq!(d["travel"]["kind"], "msi+delta");
    let msi3 = fs::metadata(out3.join("updws.msi")).unwrap().len();
    assert_eq!(d["travel"]["bytes"], msi3 + delta.len() as u64);
    assert_eq!(d["travel"]["bytes_without_old"], msi3 + full);

    // v1 stages the same disk as v2, so the delta serves it too; the text says so.
    let text = ok(Command::new(WSPACK).arg("diff").arg(&out1).arg(&out3)).stdout;
    let text = String::from_utf8(text).unwrap();
    assert!(
        text.contains("policy values: 1 added, 1 changed, 1 removed"),
        "{text}"
    );
    assert!(text.contains("chunks: 1 of 33 changed"), "{text}");
    assert!(text.contains("updws.msi + updws.delta.medv"), "{text}");
}

fn wspack_fails(args: &[&std::ffi::OsStr]) -> String {
    let out = run(Command::new(WSPACK).args(args));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("help: "), "{stderr}");
    stderr
}

/// A base without a chunk table, of another workspace, or not older is refused
/// before anything is written; so is a folder that is not a package.
#[test]
fn unusable_bases_and_folders_are_refused() {
    require("msibuild", "msitools");
    let ws = workspace(8);
    let dir = ws.path();
    fs::write(dir.join("v1.toml"), policy("1.0.0", false)).unwrap();
    fs::write(dir.join("v2.toml"), policy("1.1.0", true)).unwrap();
    let (v1, v2) = (dir.join("v1.toml"), dir.join("v2.toml"));
    let old = dir.join("old");
    ok(Command::new(WSPACK)
        .arg("build")
        .arg(&v1)
        .arg("-o")
        .arg(&old)
        .arg("-q"));
    // A package from before chunking: no chunk table in its MSI.
    ok(Command::new("msibuild")
        .arg(old.join("updws.msi"))
        .arg("-q")
        .arg(format!(
            "DELETE FROM `Binary` WHERE `Name` = '{CHUNK_TABLE_BINARY}'"
        )));
    // (`msiinfo export` writes the table's streams into ./Binary/: run it in the temp folder.)
    let binary = ok(Command::new("msiinfo")
        .arg("export")
        .arg(old.join("updws.msi"))
        .arg("Binary")
        .current_dir(dir))
    .stdout;
    assert!(!String::from_utf8_lossy(&binary).contains(CHUNK_TABLE_BINARY));
    let new = dir.join("new");
    let build = |toml: &Path, base: &Path| {
        wspack_fails(&[
            "build".as_ref(),
            toml.as_os_str(),
            "-o".as_ref(),
            new.as_os_str(),
            "--base".as_ref(),
            base.as_os_str(),
        ])
    };
    let err = build(&v2, &old);
    assert!(
        err.contains(&format!(
            "error: {}: the base package has no chunk table",
            old.display()
        )),
        "{err}"
    );
    assert!(
        err.contains("help: rebuild the base version with this wspack"),
        "{err}"
    );
    assert!(!new.exists());

    let err = build(&v1, &old);
    assert!(
        err.contains("the base has version 1.0.0, not lower than this build's 1.0.0"),
        "{err}"
    );
    assert!(err.contains("help: raise workspace.version in"), "{err}");

    let other = dir.join("other.toml");
    fs::write(&other, policy("2.0.0", true).replace("updws", "otherws")).unwrap();
    let err = build(&other, &old);
    assert!(err.contains("the base is another workspace"), "{err}");
    assert!(!new.exists());

    let missing = dir.join("missing");
    let err = wspack_fails(&["diff".as_ref(), old.as_os_str(), missing.as_os_str()]);
    assert!(
        err.contains(&format!(
            "error: {}: the package folder does not exist",
            missing.display()
        )),
        "{err}"
    );
    let err = wspack_fails(&["diff".as_ref(), v1.as_os_str(), old.as_os_str()]);
    assert!(
        err.contains("this is a file, not a package folder"),
        "{err}"
    );
    let err = build(&v2, dir);
    assert!(err.contains("no .msi file in"), "{err}");
}
