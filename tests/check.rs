//! `wspack check` through the real binary on the shipped example and the disk fixtures.

use std::path::Path;
use std::process::{Command, Output};

fn wspack(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wspack"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn explain_lists_every_value_of_the_example_and_the_defaults() {
    let out = wspack(&["check", "examples/contoso/workspace.toml", "--explain"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains(
            "examples/contoso/guest.vhd: dynamic VHD, virtual size 64.0 MiB (67125248 bytes)"
        ),
        "{text}"
    );
    assert!(
        text.contains("50 values under HKLM\\SOFTWARE\\Microsoft\\Medv\\v2 (64-bit view), 0 left"),
        "{text}"
    );
    let p = Path::new("examples/contoso/workspace.toml");
    let policy =
        wspack::policy::Policy::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join(p)).unwrap();
    for v in &policy.values {
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{} ", v.name)));
        let line = line.unwrap_or_else(|| panic!("{} missing from:\n{text}", v.name));
        assert!(line.contains(v.data.type_name()), "{line}");
    }
    assert!(
        !text.contains("\n  Memory "),
        "the fixed-memory form is excluded when [vm.memory] is set"
    );

    let minimal = wspack(&["check", "fixtures/policies/good-minimal.toml", "--explain"]);
    let text = String::from_utf8(minimal.stdout).unwrap();
    assert!(text.contains("  registry   0 values under"), "{text}");
    let memory = text
        .lines()
        .find(|l| l.trim_start().starts_with("Memory "))
        .unwrap();
    assert!(
        memory.contains("REG_DWORD     512 (0x200)  (default, not written)"),
        "{memory}"
    );
    let nat = text
        .lines()
        .find(|l| l.trim_start().starts_with("NetworkingMode "))
        .unwrap();
    assert!(nat.contains("\"NAT\"  (default, not written)"), "{nat}");
}

#[test]
fn json_report_carries_values_and_defaults() {
    let out = wspack(&[
        "check",
        "fixtures/policies/good-fixed-memory.toml",
        "--explain",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["workspace"]["version"], "255.255.65535");
    assert_eq!(v["disk"]["kind"], "dynamic");
    let values = v["values"].as_array().unwrap();
    let memory = values.iter().find(|x| x["name"] == "Memory").unwrap();
    assert_eq!(memory["data"], 2048);
    assert_eq!(memory["key"], "SOFTWARE\\Microsoft\\Medv\\v2\\VM");
    let calc = values
        .iter()
        .find(|x| x["name"] == "HostMemToGuestMemCalcEnabled")
        .unwrap();
    assert_eq!(calc["data"], 0);
    let defaults = v["defaults"].as_array().unwrap();
    assert!(defaults
        .iter()
        .any(|d| d["name"] == "ClipboardSharingEnabled" && d["data"] == 1));
    assert!(!defaults.iter().any(|d| d["name"] == "HostMemToGuestMem"));
}

#[test]
fn a_bad_disk_fails_check_with_its_offset_and_help() {
    let dir = tempfile::tempdir().unwrap();
    let toml = dir.path().join("w.toml");
    let disk = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/disks/bad-checksum.vhd");
    std::fs::write(
        &toml,
        format!("[workspace]\nname = \"B\"\ninternal_name = \"b\"\nversion = \"1.0.0\"\nmanufacturer = \"m\"\nvhd = {:?}\n", disk),
    )
    .unwrap();
    let out = wspack(&["check", toml.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "bad-checksum.vhd: byte 1079296: footer checksum is 0xffffe708, expected 0xffffe709"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("\n  help: "), "{stderr}");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "check writes nothing"
    );
}

#[test]
fn every_text_outside_windows_1252_is_refused_where_it_is_by_check_and_build_alike() {
    let dir = tempfile::tempdir().unwrap();
    let toml = dir.path().join("w.toml");
    let disk = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/disks/fixed.vhd");
    std::fs::write(
        &toml,
        format!("[workspace]\nname = \"経理 Apps\"\ninternal_name = \"keiri\"\nversion = \"1.0.0\"\nmanufacturer = \"Łódź IT\"\nvhd = {disk:?}\n[url_redirection]\nto_guest = [\"ok.contoso.com\", \"経理.contoso.com\"]\n"),
    )
    .unwrap();
    let expected = [
        "error: w.toml:2:8: workspace.name = \"経理 Apps\": '経', '理' can't be written in an MSI with codepage Windows-1252",
        "error: w.toml:5:16: workspace.manufacturer = \"Łódź IT\": 'Ł', 'ź' can't be written in an MSI with codepage Windows-1252",
        "error: w.toml:8:31: url_redirection.to_guest entry \"経理.contoso.com\": '経', '理' can't be written",
    ];
    for args in [vec!["check"], vec!["build", "-o", "out"]] {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_wspack"));
        let out = cmd
            .current_dir(dir.path())
            .args(&args)
            .arg("w.toml")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        for e in expected {
            assert!(stderr.contains(e), "{args:?}: {e}\n{stderr}");
        }
        assert_eq!(
            stderr
                .matches("help: wspack writes Windows-1252 MSIs")
                .count(),
            3,
            "{stderr}"
        );
    }
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        left,
        [std::ffi::OsString::from("w.toml")],
        "a refused build leaves nothing"
    );
}

#[test]
fn a_mask_that_can_overflow_a_computer_name_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let toml = dir.path().join("w.toml");
    let disk = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/disks/fixed.vhd");
    std::fs::write(
        &toml,
        format!(
            "[workspace]\nname = \"M\"\ninternal_name = \"m\"\nversion = \"1.0.0\"\n\
             manufacturer = \"x\"\nvhd = {:?}\n[first_time_setup]\ncomputer_name_mask = \"CTS-%username%#\"\n",
            disk.display().to_string()
        ),
    )
    .unwrap();
    let out = wspack(&["check", toml.to_str().unwrap()]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success());
    assert!(
        text.contains("can make a computer name longer than Windows' 15 characters"),
        "{text}"
    );
    let fixed = std::fs::read_to_string(&toml)
        .unwrap()
        .replace("%username%#", "%username%[8]#");
    std::fs::write(&toml, fixed).unwrap();
    let out = wspack(&["check", toml.to_str().unwrap()]);
    assert!(!String::from_utf8(out.stdout).unwrap().contains("warning"));
}
