//! The policy through the real binary: every bad fixture fails with exit code 2 and
//! the pinned messages (`# expect:` lines at the top of each file), and writes nothing.

use std::path::Path;
use std::process::Command;

fn wspack(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_wspack"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn every_bad_policy_fails_with_its_pinned_messages() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/policies/bad");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let expects: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("# expect: "))
            .collect();
        assert!(!expects.is_empty(), "{name} has no # expect: line");
        let out = wspack(&dir, &["check", &name]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(out.stdout.is_empty(), "{name} printed to stdout");
        for e in &expects {
            assert!(stderr.contains(e), "{name}: expected {e:?} in:\n{stderr}");
        }
        let errors = stderr.lines().filter(|l| l.starts_with("error: ")).count();
        let expected_errors = expects.iter().filter(|e| !e.starts_with("help:")).count();
        assert_eq!(
            errors, expected_errors,
            "{name}: every problem reported once:\n{stderr}"
        );
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} bad policies found");
}

#[test]
fn a_missing_policy_file_is_invalid_input() {
    let out = wspack(Path::new("."), &["check", "no/such/workspace.toml"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.starts_with("error: can't read the workspace policy: no/such/workspace.toml"),
        "{stderr}"
    );
    assert!(
        stderr.contains("help: pass the path of a workspace.toml"),
        "{stderr}"
    );
}

#[test]
fn init_writes_a_template_that_check_accepts_once_vhd_points_at_a_disk() {
    let tmp = tempfile::tempdir().unwrap();
    let out = wspack(tmp.path(), &["init", "ws"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let path = tmp.path().join("ws/workspace.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let disk = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/disks/fixed.vhd");
    std::fs::write(&path, text.replace("\"guest.vhd\"", &format!("{:?}", disk))).unwrap();
    let out = wspack(tmp.path(), &["check", "ws/workspace.toml"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A second init refuses to overwrite.
    let again = wspack(tmp.path(), &["init", "ws"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
}
