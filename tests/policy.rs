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

/// Reads a fixture's text whatever its encoding (some are UTF-16 or UTF-32 on purpose).
fn fixture_text(bytes: &[u8]) -> String {
    let units = |pairs: &[u8], be: bool| -> Vec<u16> {
        pairs
            .chunks_exact(2)
            .map(|p| {
                if be {
                    u16::from_be_bytes([p[0], p[1]])
                } else {
                    u16::from_le_bytes([p[0], p[1]])
                }
            })
            .collect()
    };
    match bytes {
        [0xFF, 0xFE, 0, 0, rest @ ..] => rest
            .chunks_exact(4)
            .filter_map(|c| char::from_u32(u32::from_le_bytes([c[0], c[1], c[2], c[3]])))
            .collect(),
        [0xFF, 0xFE, rest @ ..] => String::from_utf16_lossy(&units(rest, false)),
        [0xFE, 0xFF, rest @ ..] => String::from_utf16_lossy(&units(rest, true)),
        [_, 0, ..] => String::from_utf16_lossy(&units(bytes, false)),
        _ => String::from_utf8_lossy(bytes).into_owned(),
    }
}

#[test]
fn every_bad_policy_fails_with_its_pinned_messages_each_located_with_help() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/policies/bad");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let text = fixture_text(&std::fs::read(&path).unwrap());
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
        let lines: Vec<&str> = stderr.lines().collect();
        let errors: Vec<usize> = (0..lines.len())
            .filter(|i| lines[*i].starts_with("error: "))
            .collect();
        let expected_errors = expects.iter().filter(|e| !e.starts_with("help:")).count();
        assert_eq!(
            errors.len(),
            expected_errors,
            "{name}: every problem reported once:\n{stderr}"
        );
        // Every problem: `error: FILE:LINE:COLUMN: ...`, then a `help:` line.
        for i in errors {
            let rest = lines[i]
                .strip_prefix(&format!("error: {name}:"))
                .unwrap_or("");
            let mut parts = rest.splitn(3, ':');
            let located = parts
                .next()
                .is_some_and(|l| l.parse::<usize>().is_ok_and(|l| l > 0))
                && parts
                    .next()
                    .is_some_and(|c| c.parse::<usize>().is_ok_and(|c| c > 0));
            assert!(located, "{name}: no file:line:column in {:?}", lines[i]);
            assert!(
                lines.get(i + 1).is_some_and(|h| h.starts_with("  help: ")),
                "{name}: no help after {:?}",
                lines[i]
            );
        }
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} bad policies found");
}

#[test]
fn a_missing_policy_file_is_invalid_input() {
    let out = wspack(Path::new("."), &["check", "no/such/workspace.toml"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.starts_with(
            "error: no/such/workspace.toml: can't read the workspace policy: No such file or directory"
        ),
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
