//! Single-bit flips of a package's manifest through `verify`.
//!
//! Invariant: a flip that changes the parsed manifest makes `verify` fail, naming
//! the field that changed; a flip that breaks the JSON fails too; nothing panics
//! or hangs. Every flip runs in-process (the package's facts derived once, each
//! flipped manifest parsed and compared with them); a sample runs through the binary.

mod support;

use support::fuzz;

use fuzz::Findings;
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use wspack::manifest::Manifest;
use wspack::verify::{check, PackageFacts};

/// A package built once from the minimal fixture: (its folder, the manifest's name).
fn package() -> &'static (tempfile::TempDir, String) {
    static PACKAGE: OnceLock<(tempfile::TempDir, String)> = OnceLock::new();
    PACKAGE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        fuzz::build_minimal_package(&out);
        let manifest = fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .find(|n| n.ends_with(".json"))
            .expect("a manifest");
        (dir, manifest)
    })
}

/// A copy of the package (files hard-linked; the manifest is replaced, never
/// written through a link).
fn copy_package(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        fuzz::link_or_copy(&e.path(), &to.join(e.file_name()));
    }
}

/// The names a message may use for what differs between two manifests: the key
/// of the changed value (both names when a key itself changed), and for a value
/// inside a list, the list entry (`files[2]`).
fn changed_fields(a: &Value, b: &Value) -> Vec<String> {
    diff(a, b, "")
}

fn diff(a: &Value, b: &Value, key: &str) -> Vec<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut names = Vec::new();
            for (k, v) in x {
                match y.get(k) {
                    None => names.push(k.clone()),
                    Some(w) if w != v => names.extend(diff(v, w, k)),
                    Some(_) => {}
                }
            }
            names.extend(y.keys().filter(|k| !x.contains_key(*k)).cloned());
            names
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            let mut names = Vec::new();
            for (i, (v, w)) in x.iter().zip(y).enumerate().filter(|(_, (v, w))| v != w) {
                names.push(format!("{key}[{i}]"));
                names.extend(diff(v, w, key));
            }
            names
        }
        _ => vec![key.to_string()],
    }
}

/// The flips to run: every one when `every`, else a seeded sample of `n`.
fn flips(len: usize, n: usize, part: &str) -> Vec<usize> {
    let all = len * 8;
    let mut rng = fuzz::case_rng(part, 0);
    let mut picked: Vec<usize> = (0..n.min(all)).map(|_| rng.below(all)).collect();
    picked.sort_unstable();
    picked.dedup();
    picked
}

/// What one flipped manifest must make `verify` do, judged from its outcome.
fn judge(
    original: &Value,
    flipped: &[u8],
    failed: bool,
    message: &str,
) -> Option<(&'static str, String)> {
    match serde_json::from_slice::<Value>(flipped) {
        Err(_) if failed => None,
        Err(_) => Some((
            "a manifest that is not JSON fails verify",
            "verify passed".into(),
        )),
        Ok(v) if v == *original => None,
        Ok(v) => {
            let fields = changed_fields(original, &v);
            if !failed {
                return Some((
                    "a changed manifest fails verify",
                    format!("verify passed with {fields:?} changed"),
                ));
            }
            (!fields.iter().any(|f| message.contains(f.as_str()))).then(|| {
                (
                    "verify names the changed field",
                    format!("{fields:?} changed; verify said: {message}"),
                )
            })
        }
    }
}

#[test]
fn every_manifest_bit_flip_in_process() {
    let (dir, name) = package();
    let out = dir.path().join("out");
    let bytes = fs::read(out.join(name)).unwrap();
    let original: Value = serde_json::from_slice(&bytes).unwrap();
    let facts = PackageFacts::derive(&out, name).expect("the package's facts");
    let unflipped = Manifest::parse(&bytes).expect("the built manifest parses");
    assert!(
        check(&unflipped, &facts).is_empty(),
        "the built package verifies"
    );
    let mut findings = Findings::new("manifest-in-process", "fuzz_manifest");
    for bit in fuzz::case_numbers(bytes.len() * 8) {
        let mut flipped = bytes.clone();
        flipped[bit / 8] ^= 1 << (bit % 8);
        findings.ran();
        let result = fuzz::no_panic_ref(|| match Manifest::parse(&flipped) {
            Err(why) => (true, why),
            Ok(m) => {
                let found = check(&m, &facts);
                let text: Vec<String> = found.iter().map(|m| m.to_string()).collect();
                (!found.is_empty(), text.join("\n"))
            }
        });
        let (failed, message) = match result {
            Ok(r) => r,
            Err(panic) => {
                findings.broke("no panic", bit, &panic, Some(&flipped));
                continue;
            }
        };
        findings.outcome(if failed { "fails" } else { "passes" });
        for (invariant, detail) in fuzz::message_invariants(&message) {
            findings.broke(invariant, bit, &detail, Some(&flipped));
        }
        if let Some((invariant, detail)) = judge(&original, &flipped, failed, &message) {
            findings.broke(invariant, bit, &detail, Some(&flipped));
        }
    }
    findings.finish();
}

#[test]
fn manifest_bit_flips_through_the_binary() {
    let (dir, name) = package();
    let out = dir.path().join("out");
    let bytes = fs::read(out.join(name)).unwrap();
    let original: Value = serde_json::from_slice(&bytes).unwrap();
    let work = tempfile::tempdir().unwrap();
    let copy: PathBuf = work.path().join("pkg");
    copy_package(&out, &copy);
    let mut findings = Findings::new("manifest-binary", "fuzz_manifest");
    let all = flips(bytes.len(), fuzz::cases(200), "manifest-binary");
    let chosen: Vec<usize> = match std::env::var("WSPACK_FUZZ_CASE") {
        Ok(_) => fuzz::case_numbers(0),
        Err(_) => all,
    };
    for bit in chosen {
        let mut flipped = bytes.clone();
        flipped[bit / 8] ^= 1 << (bit % 8);
        let manifest = copy.join(name);
        let _ = fs::remove_file(&manifest);
        fs::write(&manifest, &flipped).unwrap();
        findings.ran();
        let run = fuzz::verify(&copy);
        findings.outcome(format!("exit {:?}", run.code));
        for (invariant, detail) in fuzz::common_invariants(&run, &[0, 1, 2]) {
            findings.broke(invariant, bit, &detail, Some(&flipped));
        }
        let failed = run.code != Some(0);
        if let Some((invariant, detail)) = judge(&original, &flipped, failed, &run.stderr) {
            findings.broke(invariant, bit, &detail, Some(&flipped));
        }
    }
    findings.finish();
}
