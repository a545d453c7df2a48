//! Process behaviour of the real binary: a closed stdout, `--jobs` bounds, signals
//! during any command, errors as one JSON object under `--json`.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const WSPACK: &str = env!("CARGO_BIN_EXE_wspack");
const FIXED_VHD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/disks/fixed.vhd");

fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("can't run {cmd:?}: {e}"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A policy with `patterns` URL patterns (its `check --explain` lists each) on the
/// 4 MiB fixture disk, in a temporary folder.
fn workspace(patterns: usize) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    fs::copy(FIXED_VHD, dir.path().join("disk.vhd")).unwrap();
    let urls: Vec<String> = (0..patterns)
        .map(|i| format!("\"https://host{i}.contoso.com/apps/*\""))
        .collect();
    let toml = dir.path().join("ws.toml");
    fs::write(
        &toml,
        format!(
            "[workspace]\nname = \"Test Workspace\"\ninternal_name = \"testws\"\n\
             version = \"1.2.3\"\nmanufacturer = \"Contoso\"\nvhd = \"disk.vhd\"\n\
             [url_redirection]\nto_guest = [{}]\n",
            urls.join(", ")
        ),
    )
    .unwrap();
    (dir, toml)
}

/// Runs `wspack ARGS` with its stdout closed before it writes anything.
fn with_closed_stdout(args: &[&std::ffi::OsStr]) -> Output {
    let mut child = Command::new(WSPACK)
        .args(args)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    child.wait_with_output().unwrap()
}

#[test]
fn a_closed_stdout_ends_quietly_and_a_written_package_exits_0() {
    let (dir, toml) = workspace(3);
    let out = dir.path().join("out");
    let os = |p: &Path| p.as_os_str().to_owned();
    for json in [false, true] {
        let _ = fs::remove_dir_all(&out);
        let mut args = vec![os(Path::new("build")), os(&toml), "-o".into(), os(&out)];
        if json {
            args.push("--json".into());
        }
        let refs: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
        let done = with_closed_stdout(&refs);
        assert_eq!(done.status.code(), Some(0), "{}", text(&done.stderr));
        assert!(
            !text(&done.stderr).contains("panicked"),
            "{}",
            text(&done.stderr)
        );
        assert!(out.join("testws.json").is_file());
    }
    for args in [
        vec![os(Path::new("inspect")), os(&out)],
        vec![os(Path::new("inspect")), os(&out), "--json".into()],
        vec![os(Path::new("check")), os(&toml), "--explain".into()],
        vec![os(Path::new("verify")), os(&out)],
    ] {
        let refs: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
        let done = with_closed_stdout(&refs);
        assert_eq!(
            done.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&done.stderr)
        );
        assert!(
            !text(&done.stderr).contains("panicked"),
            "{args:?}: {}",
            text(&done.stderr)
        );
    }
}

#[test]
fn a_full_stdout_fails_a_report_but_not_a_written_package() {
    let (dir, toml) = workspace(3);
    let full = || {
        fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap()
    };
    let out = dir.path().join("out");
    let done = run(Command::new(WSPACK)
        .arg("build")
        .arg(&toml)
        .arg("-o")
        .arg(&out)
        .stdout(full()));
    assert_eq!(done.status.code(), Some(0), "{}", text(&done.stderr));
    assert!(
        text(&done.stderr).contains("warning: can't write the summary to stdout: "),
        "{}",
        text(&done.stderr)
    );
    let done = run(Command::new(WSPACK).arg("inspect").arg(&out).stdout(full()));
    assert_eq!(done.status.code(), Some(1), "{}", text(&done.stderr));
    assert!(
        text(&done.stderr).starts_with("error: can't write to stdout: No space left on device"),
        "{}",
        text(&done.stderr)
    );
}

#[test]
fn jobs_is_bounded_and_0_means_one_thread_per_core() {
    let (dir, toml) = workspace(1);
    for jobs in ["100000", "257", "18446744073709551615", "-1", "many"] {
        let done = run(Command::new(WSPACK)
            .arg("build")
            .arg(&toml)
            .args(["-o", "out", &format!("--jobs={jobs}")])
            .current_dir(dir.path()));
        let err = text(&done.stderr);
        assert_eq!(done.status.code(), Some(2), "--jobs {jobs}: {err}");
        assert!(
            err.contains(&format!("invalid value '{jobs}' for '--jobs <JOBS>'"))
                && err.contains("help: pass --jobs 1 to 256, or 0 for one thread per core"),
            "{err}"
        );
        assert!(!dir.path().join("out").exists());
    }
    for jobs in ["0", "256"] {
        let out = format!("out{jobs}");
        let done = run(Command::new(WSPACK)
            .arg("build")
            .arg(&toml)
            .args(["-o", &out, "--quiet", "--jobs", jobs])
            .current_dir(dir.path()));
        assert!(
            done.status.success(),
            "--jobs {jobs}: {}",
            text(&done.stderr)
        );
    }
    let help = text(&run(Command::new(WSPACK).args(["build", "--help"])).stdout);
    assert!(
        help.contains("1 to 256; 0 or left out: one per core"),
        "{help}"
    );
}

#[test]
fn sigterm_during_check_exits_130() {
    // --explain lists every pattern: far more than a pipe holds, so `check` blocks
    // writing once the test stops reading, with its handlers in place.
    let (_dir, toml) = workspace(3000);
    for signal in ["TERM", "INT"] {
        let mut child = Command::new(WSPACK)
            .arg("check")
            .arg(&toml)
            .arg("--explain")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = [0u8; 64];
        child
            .stdout
            .as_mut()
            .unwrap()
            .read_exact(&mut first)
            .unwrap();
        let killed = run(Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(child.id().to_string()));
        assert!(killed.status.success());
        // Not reading on: finishing the output is no way out, only the signal is.
        let status = wait_at_most(&mut child, 20);
        assert_eq!(status.code(), Some(130), "SIG{signal}");
        let done = child.wait_with_output().unwrap();
        assert!(
            text(&done.stderr).contains("interrupted"),
            "{}",
            text(&done.stderr)
        );
    }
}

/// Waits for `child` to end; kills it and fails after `seconds`.
fn wait_at_most(child: &mut std::process::Child, seconds: u64) -> std::process::ExitStatus {
    for _ in 0..seconds * 10 {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = child.kill();
    panic!("still running after {seconds} s");
}

fn json_of(done: &Output) -> serde_json::Value {
    serde_json::from_slice(&done.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON object ({e}): {}",
            text(&done.stdout)
        )
    })
}

#[test]
fn errors_under_json_are_one_object_with_location_and_help() {
    let (dir, toml) = workspace(1);
    let keys = ["code", "message", "file", "line", "column", "help"];

    // A policy error: file, line, column and help of the first problem, all in diagnostics.
    let bad = dir.path().join("bad.toml");
    fs::write(&bad, "[workspace]\nname = 5\n").unwrap();
    let done = run(Command::new(WSPACK).arg("check").arg(&bad).arg("--json"));
    assert_eq!(done.status.code(), Some(2));
    assert!(done.stderr.is_empty(), "{}", text(&done.stderr));
    let v = json_of(&done);
    for key in keys {
        assert!(v.get(key).is_some(), "{key} missing: {v}");
    }
    assert_eq!(v["code"], 2);
    assert_eq!(v["file"], bad.to_str().unwrap());
    assert!(
        v["line"].as_u64().unwrap() >= 1 && v["column"].as_u64().unwrap() >= 1,
        "{v}"
    );
    assert!(v["help"].is_string(), "{v}");
    assert!(v["diagnostics"].as_array().unwrap().len() >= 2, "{v}");

    // A disk error: the disk's path and the byte offset.
    let not_disk = dir.path().join("not-a-disk.toml");
    let policy = fs::read_to_string(&toml).unwrap();
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/disks/not-a-disk.vhd");
    fs::copy(fixture, dir.path().join("not-a-disk.vhd")).unwrap();
    fs::write(&not_disk, policy.replace("disk.vhd", "not-a-disk.vhd")).unwrap();
    let done = run(Command::new(WSPACK)
        .arg("check")
        .arg(&not_disk)
        .arg("--json"));
    assert_eq!(done.status.code(), Some(2), "{}", text(&done.stderr));
    let v = json_of(&done);
    assert!(
        v["file"].as_str().unwrap().ends_with("not-a-disk.vhd"),
        "{v}"
    );
    assert!(v["offset"].is_u64() && v["help"].is_string(), "{v}");

    // Every command with --json: build, verify, inspect, and bad arguments.
    let out = dir.path().join("out");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("notes.txt"), "x").unwrap();
    let cases: Vec<(Vec<&std::ffi::OsStr>, &str)> = vec![
        (
            vec![
                "build".as_ref(),
                toml.as_ref(),
                "-o".as_ref(),
                out.as_ref(),
                "--json".as_ref(),
            ],
            "the output folder is not empty",
        ),
        (
            vec!["verify".as_ref(), out.as_ref(), "--json".as_ref()],
            "no wspack manifest in",
        ),
        (
            vec!["inspect".as_ref(), out.as_ref(), "--json".as_ref()],
            "no .msi file in",
        ),
        (
            vec![
                "build".as_ref(),
                toml.as_ref(),
                "--json".as_ref(),
                "--jobs".as_ref(),
                "0x".as_ref(),
            ],
            "invalid value '0x'",
        ),
    ];
    for (args, message) in cases {
        let done = run(Command::new(WSPACK).args(&args));
        assert_eq!(
            done.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&done.stderr)
        );
        let v = json_of(&done);
        for key in keys {
            assert!(v.get(key).is_some(), "{args:?}: {key} missing: {v}");
        }
        assert!(v["message"].as_str().unwrap().contains(message), "{v}");
        assert!(v["help"].is_string(), "{v}");
        assert!(v["line"].is_null() && v["column"].is_null(), "{v}");
    }
    assert_eq!(fs::read_to_string(out.join("notes.txt")).unwrap(), "x");
}
