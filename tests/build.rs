//! `wspack build` and `wspack verify` through the real binary, on disks made by
//! qemu-img, checked with stock tools (gzip, 7z, qemu-img). A missing tool fails the
//! test with the package to install; nothing is skipped.

mod support;

use support::{ok, require_tool as require, run, sha256_file};

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const WSPACK: &str = env!("CARGO_BIN_EXE_wspack");
const EPOCH: &str = "1700000000";

/// A workspace in a temporary folder: `ws.toml` and a `disk.vhd` of `mib` MiB whose
/// first part holds real machine code (this test binary's bytes), the rest zeros.
struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    fn new(mib: u64, kind: &str) -> Workspace {
        require("qemu-img", "qemu-utils");
        let dir = tempfile::tempdir().unwrap();
        let raw = dir.path().join("disk.raw");
        let mut content = fs::read(WSPACK).unwrap();
        content.truncate((mib as usize) << 19); // at most half the disk
        let mut disk = content;
        disk.resize((mib as usize) << 20, 0);
        fs::write(&raw, &disk).unwrap();
        ok(Command::new("qemu-img")
            .args(["convert", "-q", "-f", "raw", "-O", "vpc", "-o"])
            .arg(format!("subformat={kind}"))
            .arg(&raw)
            .arg(dir.path().join("disk.vhd")));
        fs::remove_file(&raw).unwrap();
        fs::write(
            dir.path().join("ws.toml"),
            "[workspace]\nname = \"Test Workspace\"\ninternal_name = \"testws\"\n\
             version = \"1.2.3\"\nmanufacturer = \"Contoso\"\nvhd = \"disk.vhd\"\n",
        )
        .unwrap();
        Workspace { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn build(&self, out: &str, extra: &[&str]) -> Command {
        let mut cmd = Command::new(WSPACK);
        cmd.arg("build")
            .arg(self.path("ws.toml"))
            .arg("-o")
            .arg(self.path(out))
            .args(extra)
            .env("SOURCE_DATE_EPOCH", EPOCH);
        cmd
    }

    /// Names of the hidden temporary folders a build may leave beside `out`.
    fn leftovers(&self) -> Vec<String> {
        fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".wspack-"))
            .collect()
    }
}

fn verify(dir: &Path) -> Output {
    run(Command::new(WSPACK).arg("verify").arg(dir))
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn stock_tools_accept_the_sidecar_and_restore_the_exact_disk() {
    require("gzip", "gzip");
    require("7z", "7zip (or p7zip-full)");
    let ws = Workspace::new(48, "fixed");
    ok(&mut ws.build("out", &["--jobs", "2", "--quiet"]));
    let medv = ws.path("out/testws.medv");
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(ws.path("out/testws.json")).unwrap()).unwrap();

    ok(Command::new("gzip").arg("-t").arg(&medv));
    let seven = ok(Command::new("7z").arg("t").arg(&medv));
    assert!(
        String::from_utf8_lossy(&seven.stdout).contains("Everything is Ok"),
        "7z t: {}",
        String::from_utf8_lossy(&seven.stdout)
    );

    let restored = ws.path("restored.vhd");
    let gunzip = ok(Command::new("gzip").arg("-dc").arg(&medv));
    fs::write(&restored, &gunzip.stdout).unwrap();
    let disk_sha = sha256_file(&ws.path("disk.vhd"));
    assert_eq!(sha256_file(&restored), disk_sha);
    assert_eq!(manifest["disk"]["sha256"], disk_sha);
    assert_eq!(
        manifest["disk"]["size"],
        fs::metadata(ws.path("disk.vhd")).unwrap().len()
    );
    assert_eq!(manifest["disk"]["kind"], "fixed");
    let cmp = ok(Command::new("qemu-img")
        .args(["compare", "-f", "vpc", "-F", "vpc"])
        .arg(ws.path("disk.vhd"))
        .arg(&restored));
    assert!(String::from_utf8_lossy(&cmp.stdout).contains("Images are identical"));

    // The manifest's own records of the files match the files.
    assert_eq!(manifest["sidecar"]["sha256"], sha256_file(&medv));
    assert_eq!(manifest["sidecar"]["compression"], "gzip");
    assert_eq!(manifest["build_time"], "2023-11-14T22:13:20Z");
    let names: Vec<&str> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["testws.medv", "testws.msi", "setup.exe", "testws.reg"]
    );
    for f in manifest["files"].as_array().unwrap() {
        let p = ws.path("out").join(f["name"].as_str().unwrap());
        assert_eq!(f["sha256"], sha256_file(&p), "{}", p.display());
    }

    let v = verify(&ws.path("out"));
    assert!(v.status.success(), "verify failed: {}", stderr(&v));
    assert!(String::from_utf8_lossy(&v.stdout).starts_with("ok: "));
    assert!(ws.leftovers().is_empty(), "{:?}", ws.leftovers());
}

#[test]
fn dynamic_disks_round_trip_too() {
    let ws = Workspace::new(16, "dynamic");
    ok(&mut ws.build("out", &["--quiet"]));
    let m: serde_json::Value =
        serde_json::from_slice(&fs::read(ws.path("out/testws.json")).unwrap()).unwrap();
    assert_eq!(m["disk"]["kind"], "dynamic");
    assert_eq!(m["disk"]["sha256"], sha256_file(&ws.path("disk.vhd")));
    assert!(verify(&ws.path("out")).status.success());
}

/// Copies a built package folder so each damage case starts from a good one.
fn copy_package(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

fn assert_verify_fails(dir: &Path, needles: &[&str]) {
    let out = verify(dir);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "verify should fail: {err}");
    for n in needles {
        assert!(err.contains(n), "expected {n:?} in:\n{err}");
    }
    assert!(err.contains("help: "), "{err}");
}

#[test]
fn verify_catches_flipped_bytes_truncation_and_missing_files() {
    let ws = Workspace::new(24, "fixed");
    ok(&mut ws.build("good", &["--quiet"]));
    let good = ws.path("good");
    let medv_len = fs::metadata(good.join("testws.medv")).unwrap().len() as usize;

    // One flipped bit in the middle of the sidecar.
    let d = ws.path("flipped");
    copy_package(&good, &d);
    let mut bytes = fs::read(d.join("testws.medv")).unwrap();
    bytes[medv_len / 2] ^= 0x01;
    fs::write(d.join("testws.medv"), &bytes).unwrap();
    assert_verify_fails(&d, &["testws.medv", "SHA-256 is ", "the manifest says "]);

    // A flipped byte in the last 8 bytes (the gzip trailer) too.
    let d = ws.path("trailer");
    copy_package(&good, &d);
    let mut bytes = fs::read(d.join("testws.medv")).unwrap();
    bytes[medv_len - 3] ^= 0xff;
    fs::write(d.join("testws.medv"), &bytes).unwrap();
    assert_verify_fails(&d, &["testws.medv", "SHA-256 is "]);

    // Cut short.
    let d = ws.path("truncated");
    copy_package(&good, &d);
    let bytes = fs::read(d.join("testws.medv")).unwrap();
    fs::write(d.join("testws.medv"), &bytes[..medv_len - 4096]).unwrap();
    assert_verify_fails(
        &d,
        &[
            "testws.medv",
            &format!("the manifest says {medv_len} (truncated)"),
        ],
    );

    // A listed file is gone.
    let d = ws.path("missing");
    copy_package(&good, &d);
    fs::remove_file(d.join("testws.reg")).unwrap();
    assert_verify_fails(&d, &["testws.reg", "the file is missing"]);

    // A small file changed but kept its size.
    let d = ws.path("reg-changed");
    copy_package(&good, &d);
    let mut bytes = fs::read(d.join("testws.reg")).unwrap();
    bytes[4] ^= 0x20;
    fs::write(d.join("testws.reg"), &bytes).unwrap();
    assert_verify_fails(&d, &["testws.reg", "SHA-256 is "]);

    // The manifest itself names a different disk.
    let d = ws.path("other-disk");
    copy_package(&good, &d);
    let text = fs::read_to_string(d.join("testws.json")).unwrap();
    let sha = sha256_file(&ws.path("disk.vhd"));
    fs::write(d.join("testws.json"), text.replace(&sha, &"0".repeat(64))).unwrap();
    assert_verify_fails(
        &d,
        &[
            "manifest field disk.sha256 says 0000",
            &format!("but testws.msi's staging action (CustomActionData sha256=) has {sha}"),
        ],
    );

    // No manifest at all: invalid input, exit 2.
    let d = ws.path("no-manifest");
    copy_package(&good, &d);
    fs::remove_file(d.join("testws.json")).unwrap();
    let out = verify(&d);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no wspack manifest"),
        "{}",
        stderr(&out)
    );

    // The good one still passes.
    assert!(verify(&good).status.success());
}

#[test]
fn refuses_a_non_empty_out_dir_without_force() {
    let ws = Workspace::new(8, "fixed");
    let out_dir = ws.path("out");
    fs::create_dir(&out_dir).unwrap();
    fs::write(out_dir.join("old.txt"), "keep me").unwrap();
    let out = run(&mut ws.build("out", &[]));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("error: the output folder is not empty: "),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("help: pass --force"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        fs::read_to_string(out_dir.join("old.txt")).unwrap(),
        "keep me"
    );
    assert!(ws.leftovers().is_empty(), "{:?}", ws.leftovers());

    // --force refuses a folder of other things: it would delete them.
    let out = run(&mut ws.build("out", &["--quiet", "--force"]));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("it holds \"old.txt\", which is not a package file"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        fs::read_to_string(out_dir.join("old.txt")).unwrap(),
        "keep me"
    );

    // An empty folder is fine, and --force replaces an earlier package.
    let empty = ws.path("empty");
    fs::create_dir(&empty).unwrap();
    ok(&mut ws.build("empty", &["--quiet"]));
    fs::remove_file(out_dir.join("old.txt")).unwrap();
    fs::write(out_dir.join("older.msi"), "an earlier package").unwrap();
    ok(&mut ws.build("out", &["--quiet", "--force"]));
    assert!(!out_dir.join("older.msi").exists());
    assert!(verify(&out_dir).status.success());
    assert!(ws.leftovers().is_empty(), "{:?}", ws.leftovers());

    // --force never deletes the build's own inputs.
    let mut cmd = Command::new(WSPACK);
    cmd.arg("build")
        .arg(ws.path("ws.toml"))
        .arg("-o")
        .arg(ws.dir.path())
        .arg("--force");
    let out = run(&mut cmd);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--force would delete it"),
        "{}",
        stderr(&out)
    );
    assert!(ws.path("disk.vhd").exists());
}

#[test]
fn two_builds_are_byte_identical_whatever_the_thread_count() {
    let ws = Workspace::new(24, "fixed");
    ok(&mut ws.build("a", &["--quiet", "--jobs", "1"]));
    ok(&mut ws.build("b", &["--quiet", "--jobs", "3"]));
    for name in ["testws.medv", "testws.reg", "testws.json"] {
        let a = fs::read(ws.path("a").join(name)).unwrap();
        let b = fs::read(ws.path("b").join(name)).unwrap();
        assert!(a == b, "{name} differs between two builds");
    }
    // Without SOURCE_DATE_EPOCH the fixed rule applies: still the same bytes.
    let mut c = ws.build("c", &["--quiet"]);
    ok(c.env_remove("SOURCE_DATE_EPOCH"));
    let mut d = ws.build("d", &["--quiet"]);
    ok(d.env_remove("SOURCE_DATE_EPOCH"));
    let c = fs::read(ws.path("c/testws.json")).unwrap();
    assert_eq!(c, fs::read(ws.path("d/testws.json")).unwrap());
    assert!(String::from_utf8_lossy(&c).contains("\"build_time\": \"1970-01-01T00:00:00Z\""));
}

#[test]
fn json_quiet_and_plain_progress() {
    let ws = Workspace::new(8, "fixed");
    let quiet = ok(&mut ws.build("q", &["--quiet"]));
    assert!(
        quiet.stdout.is_empty() && quiet.stderr.is_empty(),
        "{quiet:?}"
    );

    let json = ok(&mut ws.build("j", &["--json"]));
    let v: serde_json::Value =
        serde_json::from_slice(&json.stdout).expect("stdout is one JSON object");
    assert_eq!(v["command"], "build");
    assert_eq!(v["files"].as_array().unwrap().len(), 4);
    assert!(v["seconds"].as_f64().unwrap() >= 0.0);
    assert_eq!(v["disk"]["sha256"], sha256_file(&ws.path("disk.vhd")));
    assert!(!stderr(&json).contains("compressing"), "{}", stderr(&json));

    // stderr is not a terminal here: plain lines, no bar.
    let human = ok(&mut ws.build("h", &[]));
    let err = stderr(&human);
    assert!(err.contains("compressing: 0 B / 8."), "{err}");
    assert!(err.contains(" MB/s"), "{err}");
    assert!(String::from_utf8_lossy(&human.stdout).starts_with("wrote "));

    let vj = ok(Command::new(WSPACK)
        .args(["verify", "--json"])
        .arg(ws.path("j")));
    let v: serde_json::Value = serde_json::from_slice(&vj.stdout).unwrap();
    assert_eq!(v["ok"], true);
    assert!(vj.stderr.is_empty(), "{}", stderr(&vj));
}

#[test]
fn ctrl_c_leaves_no_package_and_no_temporary_folder() {
    require("kill", "procps");
    // A 6 GiB fixed disk that qemu-img creates sparse: all zeros, quick to make,
    // and seconds of work for the compressor, so the signal lands mid-build.
    require("qemu-img", "qemu-utils");
    let ws = Workspace::new(1, "fixed");
    fs::remove_file(ws.path("disk.vhd")).unwrap();
    ok(Command::new("qemu-img")
        .args(["create", "-q", "-f", "vpc", "-o", "subformat=fixed"])
        .arg(ws.path("disk.vhd"))
        .arg("6G"));
    let mut child = ws
        .build("out", &[])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait for the first progress line: the temporary folder exists by then.
    let mut stderr_pipe = child.stderr.take().unwrap();
    let mut seen = Vec::new();
    let mut byte = [0u8; 1];
    use std::io::Read;
    while !String::from_utf8_lossy(&seen).contains("compressing: 0 B") {
        let n = stderr_pipe.read(&mut byte).unwrap();
        assert!(
            n > 0,
            "build ended early: {}",
            String::from_utf8_lossy(&seen)
        );
        seen.push(byte[0]);
    }
    assert!(
        !ws.leftovers().is_empty(),
        "no temporary folder while building"
    );
    ok(Command::new("kill").arg("-INT").arg(child.id().to_string()));
    let mut rest = String::new();
    stderr_pipe.read_to_string(&mut rest).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{rest}");
    assert!(rest.contains("interrupted"), "{rest}");
    assert!(!ws.path("out").exists());
    assert!(ws.leftovers().is_empty(), "{:?}", ws.leftovers());
}
