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

/// A valid `[workspace]` table whose disk is the fixed fixture.
fn workspace_table() -> String {
    let disk = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/disks/fixed.vhd");
    format!("[workspace]\nname = \"B\"\ninternal_name = \"b\"\nversion = \"1.0.0\"\nmanufacturer = \"m\"\nvhd = {disk:?}\n")
}

#[test]
fn a_utf8_byte_order_mark_is_accepted_and_does_not_shift_columns() {
    let tmp = tempfile::tempdir().unwrap();
    let good = tmp.path().join("bom.toml");
    std::fs::write(&good, format!("\u{feff}{}", workspace_table())).unwrap();
    let out = wspack(tmp.path(), &["check", "bom.toml"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    std::fs::write(tmp.path().join("bad.toml"), "\u{feff}[workspace\n").unwrap();
    let out = wspack(tmp.path(), &["check", "bad.toml"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    // Column 11 as an editor shows it: the mark is not a character of the line.
    assert!(
        stderr.starts_with("error: bad.toml:1:11: invalid TOML"),
        "{stderr}"
    );
}

#[test]
fn a_policy_that_is_not_a_regular_file_is_refused_without_reading_it() {
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("fifo.toml");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    for path in ["/dev/zero", ".", "fifo.toml"] {
        let out = wspack(tmp.path(), &["check", path]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{path}: {stderr}");
        assert!(stderr.contains("not a regular file"), "{stderr}");
        assert!(stderr.contains("\n  help: "), "{stderr}");
    }
}

#[test]
fn a_huge_value_is_echoed_short_and_escaped() {
    let tmp = tempfile::tempdir().unwrap();
    let text = workspace_table().replace(
        "manufacturer = \"m\"",
        &format!("manufacturer = \"\\u001b[2J{}\"", "x".repeat(1 << 20)),
    );
    std::fs::write(tmp.path().join("w.toml"), text).unwrap();
    let out = wspack(tmp.path(), &["check", "w.toml"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.len() < 600, "{} bytes: {stderr}", stderr.len());
    assert!(
        stderr.starts_with(r#"error: w.toml:5:16: workspace.manufacturer = "\u{1b}[2Jxxx"#),
        "{stderr}"
    );
    assert!(
        stderr.contains("… (1048580 characters): expected 1–128 characters, found 1048580"),
        "{stderr}"
    );
    assert!(!stderr.contains('\u{1b}'), "raw escape in {stderr:?}");
}

#[test]
fn a_disk_that_cannot_be_opened_is_reported_at_the_vhd_key_by_check_and_build() {
    let tmp = tempfile::tempdir().unwrap();
    let text = workspace_table();
    let vhd_line = text.lines().position(|l| l.starts_with("vhd")).unwrap() + 1;
    let fifo = tmp.path().join("fifo.vhd");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    // A folder and a FIFO where the disk should be, then a missing file.
    for (vhd, problem) in [
        ("\".\"", "not a regular file (a folder)"),
        ("\"fifo.vhd\"", "not a regular file (a FIFO)"),
        ("\"missing.vhd\"", "No such file or directory"),
    ] {
        let text = text
            .lines()
            .map(|l| {
                if l.starts_with("vhd") {
                    format!("vhd = {vhd}")
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        std::fs::write(tmp.path().join("w.toml"), text).unwrap();
        for args in [
            vec!["check", "w.toml"],
            vec!["build", "w.toml", "-o", "out"],
        ] {
            let out = wspack(tmp.path(), &args);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{stderr}");
            let at = format!("error: w.toml:{vhd_line}:7: workspace.vhd: ");
            assert!(stderr.starts_with(&at), "{args:?}: {stderr}");
            assert!(stderr.contains(problem), "{stderr}");
            assert!(stderr.contains("\n  help: "), "{stderr}");
            assert!(!tmp.path().join("out").exists());
        }
    }
}

#[test]
fn two_hundred_thousand_url_patterns_are_checked_in_one_pass() {
    // Every second pattern repeats the one before it, in another case.
    let patterns: Vec<String> = (0..200_000)
        .map(|i| {
            let host = format!("h{}.contoso.com", i / 2);
            if i % 2 == 1 {
                host.to_uppercase()
            } else {
                host
            }
        })
        .collect();
    let list: Vec<String> = patterns.iter().map(|p| format!("{p:?}")).collect();
    let text = format!(
        "{}[url_redirection]\nto_guest = [{}]\n",
        workspace_table(),
        list.join(", ")
    );
    let err = wspack::policy::Policy::parse(&text, Path::new("w.toml")).unwrap_err();
    assert_eq!(err.diagnostics.len(), 100_000);
    let last = err.diagnostics.last().unwrap();
    assert_eq!(
        last.message,
        "url_redirection.to_guest lists \"H99999.CONTOSO.COM\" twice"
    );
    assert_eq!(last.line, 8);
}

#[test]
fn the_product_name_limit_matches_what_the_msi_writes() {
    let text = workspace_table().replace("name = \"B\"", &format!("name = \"{}\"", "N".repeat(45)));
    let policy = wspack::policy::Policy::parse(&text, Path::new("w.toml")).unwrap();
    let spec = wspack::msi::PackageSpec {
        policy: &policy,
        disk_size: 512,
        disk_sha256: "0".repeat(64),
        medv_file_name: "b.medv".into(),
        build_time: std::time::SystemTime::UNIX_EPOCH,
        runtime: None,
    };
    let product_name = wspack::msi::tables::product_name(&spec);
    assert_eq!(product_name, policy.workspace.product_name());
    assert_eq!(
        product_name.chars().count(),
        wspack::policy::PRODUCT_NAME_MAX
    );
    let longer = text.replace(&"N".repeat(45), &"N".repeat(46));
    let err = wspack::policy::Policy::parse(&longer, Path::new("w.toml")).unwrap_err();
    assert!(
        err.to_string().contains("at most 45 characters, found 46"),
        "{err}"
    );
}

#[test]
fn suggestions_stop_after_a_hundred_unknown_keys() {
    let keys: String = (0..150)
        .map(|i| format!("clipbord_sharin{i} = true\n"))
        .collect();
    let text = format!("{}[user_experience]\n{keys}", workspace_table());
    let err = wspack::policy::Policy::parse(&text, Path::new("w.toml")).unwrap_err();
    let helps: Vec<&str> = err
        .diagnostics
        .iter()
        .map(|d| d.help.as_deref().unwrap())
        .collect();
    assert_eq!(helps.len(), 150);
    assert!(helps[..100]
        .iter()
        .all(|h| *h == "did you mean `clipboard_sharing`?"));
    assert!(helps[100..]
        .iter()
        .all(|h| h.starts_with("expected one of: ")));
}
