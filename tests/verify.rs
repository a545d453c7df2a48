//! `wspack verify` against tampered manifests and mixed-up packages: every
//! single-bit flip of the example's manifest that changes its meaning fails, and
//! so does any change of any field. The flips go through the library (the
//! package's facts are derived once); a handful of cases run the real binary.

use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use wspack::manifest::Manifest;
use wspack::verify::{check, PackageFacts};

const WSPACK: &str = env!("CARGO_BIN_EXE_wspack");
const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/contoso");

/// Builds `workspace.toml` in `dir` into `dir/out`.
fn build(toml: &Path, out: &Path) {
    let built = Command::new(WSPACK)
        .arg("build")
        .arg(toml)
        .arg("-o")
        .arg(out)
        .arg("--quiet")
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .unwrap();
    assert!(built.status.success(), "{built:?}");
}

/// The example, built into a temporary folder: (the folder, the package in it).
fn example() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    build(&Path::new(EXAMPLE).join("workspace.toml"), &out);
    (dir, out)
}

/// Runs `wspack verify DIR` with a deadline.
fn verify(dir: &Path) -> Output {
    let mut child = Command::new(WSPACK)
        .arg("verify")
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("wspack verify {} hangs", dir.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn assert_fails(dir: &Path, needles: &[&str]) {
    let out = verify(dir);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "verify should fail: {err}");
    assert!(!err.contains("panicked"), "{err}");
    for n in needles {
        assert!(err.contains(n), "expected {n:?} in:\n{err}");
    }
}

fn copy_package(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

fn edit_manifest(dir: &Path, edit: impl FnOnce(&mut Value)) {
    let path = dir.join("contoso.json");
    let mut value: Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    edit(&mut value);
    fs::write(&path, serde_json::to_vec_pretty(&value).unwrap()).unwrap();
}

#[test]
fn every_single_bit_flip_that_changes_the_manifest_fails() {
    let (_dir, out) = example();
    let started = Instant::now();
    let facts = PackageFacts::derive(&out, "contoso.json").unwrap();
    let good = fs::read(out.join("contoso.json")).unwrap();
    let parsed = Manifest::parse(&good).unwrap();
    assert_eq!(check(&parsed, &facts), vec![], "the good package passes");
    let (mut unparsable, mut same, mut caught, mut missed) = (0, 0, 0, Vec::new());
    for at in 0..good.len() {
        for bit in 0..8 {
            let mut bytes = good.clone();
            bytes[at] ^= 1 << bit;
            match Manifest::parse(&bytes) {
                Err(_) => unparsable += 1,
                Ok(m) if m == parsed => same += 1,
                Ok(m) if check(&m, &facts).is_empty() => missed.push((at, bit)),
                Ok(_) => caught += 1,
            }
        }
    }
    let context =
        |at: usize| String::from_utf8_lossy(&good[at.saturating_sub(30)..at + 10]).into_owned();
    let missed: Vec<String> = missed
        .iter()
        .map(|&(at, bit)| format!("byte {at} bit {bit}: …{}…", context(at)))
        .collect();
    eprintln!(
        "{} flips: {unparsable} refused by the parser, {caught} caught by the comparison, \
         {same} parse to the same manifest, {} missed; {:.1} s",
        good.len() * 8,
        missed.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        missed.is_empty(),
        "flips that verify misses:\n{}",
        missed.join("\n")
    );
    assert!(
        caught > 1000,
        "the comparison should see the flips the parser lets through"
    );
}

/// Every leaf of a JSON value: (pointer, value).
fn leaves(value: &Value, at: String, out: &mut Vec<(String, Value)>) {
    match value {
        Value::Object(map) => map
            .iter()
            .for_each(|(k, v)| leaves(v, format!("{at}/{k}"), out)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .for_each(|(i, v)| leaves(v, format!("{at}/{i}"), out)),
        leaf => out.push((at, leaf.clone())),
    }
}

#[test]
fn any_change_of_any_field_fails_and_names_the_field() {
    let (_dir, out) = example();
    let facts = PackageFacts::derive(&out, "contoso.json").unwrap();
    let good: Value = serde_json::from_slice(&fs::read(out.join("contoso.json")).unwrap()).unwrap();
    let mut fields = Vec::new();
    leaves(&good, String::new(), &mut fields);
    assert!(fields.len() > 30, "{fields:?}");
    for (pointer, leaf) in fields {
        let changed = match leaf {
            Value::String(s) => Value::String(format!("{s}0")),
            Value::Number(n) => Value::from(n.as_u64().unwrap() + 1),
            other => panic!("{pointer}: unexpected {other}"),
        };
        let mut value = good.clone();
        *value.pointer_mut(&pointer).unwrap() = changed;
        let manifest: Manifest = serde_json::from_value(value).unwrap();
        let found = check(&manifest, &facts);
        let field = pointer[1..].replace('/', ".");
        let named = match field.strip_prefix("files.") {
            // files/1/size → files[1].size, or an unlisted/missing file by name
            Some(rest) => {
                let (i, _) = rest.split_once('.').unwrap();
                format!("files[{i}]")
            }
            None => format!("manifest field {field} says "),
        };
        assert!(
            found.iter().any(|m| m.problem.contains(&named)),
            "changing {pointer} is not reported as {named:?}: {found:?}"
        );
    }
}

#[test]
fn the_binary_names_a_changed_code_and_a_dropped_file() {
    let (dir, good) = example();
    assert!(verify(&good).status.success());

    let d = dir.path().join("product-code");
    copy_package(&good, &d);
    edit_manifest(&d, |m| {
        let code = m["msi"]["product_code"].as_str().unwrap().replace('D', "E");
        m["msi"]["product_code"] = code.into();
    });
    assert_fails(
        &d,
        &[
            "contoso.json",
            "manifest field msi.product_code says {",
            "but contoso.msi's ProductCode has {DF608F35-",
        ],
    );

    let d = dir.path().join("dropped");
    copy_package(&good, &d);
    edit_manifest(&d, |m| {
        m["files"]
            .as_array_mut()
            .unwrap()
            .retain(|f| f["name"] != "contoso.reg");
    });
    assert_fails(&d, &["manifest field files has no entry for contoso.reg"]);

    let d = dir.path().join("uninstall");
    copy_package(&good, &d);
    edit_manifest(&d, |m| {
        m["msi"]["uninstall_command"] =
            "msiexec /x {00000000-0000-0000-0000-000000000000} /qn".into()
    });
    assert_fails(
        &d,
        &["manifest field msi.uninstall_command says msiexec /x {0000"],
    );
}

#[test]
fn a_sidecar_from_another_build_fails_on_the_disk_hash_baked_into_the_msi() {
    let (dir, good) = example();
    // Another build of the same workspace with another disk.
    let other_ws = dir.path().join("other");
    fs::create_dir(&other_ws).unwrap();
    fs::copy(
        Path::new(EXAMPLE).join("workspace.toml"),
        other_ws.join("workspace.toml"),
    )
    .unwrap();
    let disk = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/disks/fixed.vhd");
    fs::copy(disk, other_ws.join("guest.vhd")).unwrap();
    let other = other_ws.join("out");
    build(&other_ws.join("workspace.toml"), &other);
    let theirs: Value =
        serde_json::from_slice(&fs::read(other.join("contoso.json")).unwrap()).unwrap();

    // Their sidecar, with our manifest edited to describe it everywhere it can.
    let d = dir.path().join("mixed");
    copy_package(&good, &d);
    fs::copy(other.join("contoso.medv"), d.join("contoso.medv")).unwrap();
    edit_manifest(&d, |m| {
        m["disk"] = theirs["disk"].clone();
        m["sidecar"] = theirs["sidecar"].clone();
        m["files"][0] = theirs["files"][0].clone();
    });
    let msi_sha = good_disk_sha(&good);
    assert_fails(
        &d,
        &[
            "manifest field disk.size says 4213248 but contoso.msi's staging action (CustomActionData size=) has 4197888",
            &format!("manifest field disk.sha256 says {} but contoso.msi's staging action (CustomActionData sha256=) has {msi_sha}", theirs["disk"]["sha256"].as_str().unwrap()),
        ],
    );
    // And with the manifest left alone, the sidecar's own entries fail.
    let d = dir.path().join("swapped");
    copy_package(&good, &d);
    fs::copy(other.join("contoso.medv"), d.join("contoso.medv")).unwrap();
    assert_fails(&d, &["contoso.medv", "in manifest field files[0]."]);
}

fn good_disk_sha(package: &Path) -> String {
    let m: Value =
        serde_json::from_slice(&fs::read(package.join("contoso.json")).unwrap()).unwrap();
    m["disk"]["sha256"].as_str().unwrap().to_string()
}

#[test]
fn a_fifo_or_a_device_in_the_package_fails_without_hanging() {
    let (dir, good) = example();
    let d = dir.path().join("fifo");
    copy_package(&good, &d);
    fs::remove_file(d.join("contoso.reg")).unwrap();
    let made = Command::new("mkfifo")
        .arg(d.join("contoso.reg"))
        .status()
        .unwrap();
    assert!(made.success(), "mkfifo (coreutils) is needed");
    assert_fails(&d, &["contoso.reg", "not a regular file (a FIFO)"]);

    let d = dir.path().join("device");
    copy_package(&good, &d);
    fs::remove_file(d.join("contoso.reg")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", d.join("contoso.reg")).unwrap();
    assert_fails(
        &d,
        &["contoso.reg", "not a regular file (a character device)"],
    );
}

#[test]
fn a_damaged_msi_fails_with_a_message_not_a_panic() {
    let (dir, good) = example();
    let d = dir.path().join("damaged");
    copy_package(&good, &d);
    let msi = fs::read(d.join("contoso.msi")).unwrap();
    fs::write(d.join("contoso.msi"), &msi[..msi.len() / 3]).unwrap();
    assert_fails(&d, &["contoso.msi", "the package's MSI can't be read"]);
    fs::remove_file(d.join("contoso.msi")).unwrap();
    assert_fails(
        &d,
        &["contoso.msi", "the file is missing (the package's MSI"],
    );
}
