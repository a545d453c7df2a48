//! Shared helpers for the integration tests: sample policies, MSI specs, and the
//! Wine harness ([`wine`]). Each test file uses what it needs (`mod support;`).
#![allow(dead_code)]

pub mod fuzz;
pub mod ui;
pub mod wine;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};
use wspack::policy::{Policy, RegData, RegValue, Version, Workspace};

/// A fixed build time (2023-11-14T22:13:20Z), as `SOURCE_DATE_EPOCH` would give.
pub fn build_time() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

fn v(key: &'static str, name: &'static str, data: RegData) -> RegValue {
    RegValue { key, name, data }
}

fn sz(s: &str) -> RegData {
    RegData::Sz(s.to_string())
}

fn multi(items: &[&str]) -> RegData {
    RegData::MultiSz(items.iter().map(|s| s.to_string()).collect())
}

/// A policy with every kind of value: DWORDs (incl. 0 and 2^31-1), SZ (one starting
/// with `#`, one with `[`/`]`/`{`/`}`), MULTI_SZ (one element, several, URLs with `*`),
/// and text in Windows-1252 beyond ASCII.
///
/// `minor` = 0 gives version 1.0.0; `minor` = 1 gives 1.1.0 with different values
/// (the memory lists replace Memory, ShowExit is dropped, AudioSharingEnabled is new).
pub fn sample_policy(minor: u8) -> Policy {
    let mut values = vec![
        v("VM", "Memory", RegData::Dword(768)),
        v("VM", "HostMemToGuestMemCalcEnabled", RegData::Dword(0)),
        v("VM", "NetworkingMode", sz("NAT")),
        v("VM", "TaskTimeout", RegData::Dword(2_147_483_647)),
        v(
            "UserExperience",
            "RedirectUrls",
            multi(&[
                "*.contoso.com",
                "http://intranet.contoso.com/apps/*",
                "https://www.contoso.com/a/*",
            ]),
        ),
        v(
            "UserExperience",
            "ClipboardSharingEnabled",
            RegData::Dword(1),
        ),
        v("UserExperience", "SmartCardLogonEnabled", RegData::Dword(0)),
        v("Fts", "Mode", sz("Unattended")),
        v("Fts", "ComputerNameMask", sz("#%username%-[3]*")),
        v(
            "Fts",
            "StartDialogMsg",
            multi(&["Welcome to [Contoso] {Finance}", "Café · prêt en 5 min"]),
        ),
        v("Fts", "LogFilePaths", multi(&[r"C:\Logs\fts.log"])),
        v("Fts", "DialogUrl", sz("https://setup.contoso.com/fts")),
        v("Diagnostics", "EventLogLevel", RegData::Dword(4)),
    ];
    if minor == 0 {
        values.insert(7, v("UserExperience", "ShowExit", RegData::Dword(1)));
    } else {
        values.insert(
            7,
            v("UserExperience", "AudioSharingEnabled", RegData::Dword(0)),
        );
        // 1.1.0 sizes the guest from the host's memory instead of a fixed Memory.
        values.splice(
            0..2,
            [
                v("VM", "HostMemToGuestMem", multi(&["1024", "4096", "16384"])),
                v("VM", "GuestMemFromHostMem", multi(&["512", "1024", "2048"])),
                v("VM", "HostMemToGuestMemCalcEnabled", RegData::Dword(1)),
            ],
        );
    }
    Policy {
        source: PathBuf::from("workspace.toml"),
        workspace: Workspace {
            name: "Contoso Finance".into(),
            internal_name: "contoso-fin".into(),
            version: Version {
                major: 1,
                minor,
                build: 0,
            },
            manufacturer: "Contoso Ltd.".into(),
            vhd: PathBuf::from("disk.vhd"),
            upgrade_code: None,
            help_url: None,
            contact: None,
        },
        values,
        vhd_location: None,
    }
}

/// A spec for `policy` with a made-up 3 GiB disk (so ReserveCost needs several rows).
pub fn sample_spec(policy: &Policy) -> wspack::msi::PackageSpec<'_> {
    wspack::msi::PackageSpec {
        policy,
        disk_size: 3 * (1 << 30) + 12_345,
        disk_sha256: "ab".repeat(32),
        medv_file_name: format!("{}.medv", policy.workspace.internal_name),
        build_time: build_time(),
        runtime: None,
    }
}

/// Writes the MSI of `policy` into `dir` as `<internal_name>.msi`; returns its path.
pub fn write_msi(policy: &Policy, dir: &Path, file_name: &str) -> PathBuf {
    let path = dir.join(file_name);
    wspack::msi::write(&sample_spec(policy), &path).expect("write MSI");
    path
}

/// Fails with a clear message when a tool the test needs is not installed.
pub fn require_tool(tool: &str, package: &str) {
    let found = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(tool).is_file()))
        .unwrap_or(false);
    assert!(
        found,
        "`{tool}` is not on PATH: install it (Debian: apt-get install {package}); \
         this test needs the real tool and does not skip"
    );
}

/// Runs a command and returns what it did.
pub fn run(cmd: &mut std::process::Command) -> std::process::Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("can't run {cmd:?}: {e}"))
}

/// Runs a command that must succeed; shows its output when it does not.
pub fn ok(cmd: &mut std::process::Command) -> std::process::Output {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The SHA-256 of bytes, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The SHA-256 of a file, lowercase hex.
pub fn sha256_file(path: &Path) -> String {
    sha256_hex(&std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display())))
}

/// A fixed VHD of `mib` MiB made by qemu-img, all but its last MiB (the footer's)
/// random bytes written by dd.
pub fn random_fixed_vhd(path: &Path, mib: u64) {
    require_tool("qemu-img", "qemu-utils");
    ok(std::process::Command::new("qemu-img")
        .args(["create", "-q", "-f", "vpc", "-o", "subformat=fixed"])
        .arg(path)
        .arg(format!("{mib}M")));
    dd_random(path, 0, mib - 1);
}

/// A fixed VHD at `path` holding `raw` (a whole number of MiB) as its data, made
/// by qemu-img from a raw image written beside it and removed after.
pub fn fixed_vhd_from_raw(path: &Path, raw: &[u8]) {
    require_tool("qemu-img", "qemu-utils");
    let raw_path = path.with_extension("raw");
    std::fs::write(&raw_path, raw).unwrap();
    ok(std::process::Command::new("qemu-img")
        .args([
            "convert",
            "-q",
            "-f",
            "raw",
            "-O",
            "vpc",
            "-o",
            "subformat=fixed",
        ])
        .arg(&raw_path)
        .arg(path));
    std::fs::remove_file(raw_path).unwrap();
}

/// Overwrites `count` MiB of `file` at MiB `seek` with random bytes, in place.
pub fn dd_random(file: &Path, seek: u64, count: u64) {
    ok(std::process::Command::new("dd")
        .arg("if=/dev/urandom")
        .arg(format!("of={}", file.display()))
        .args(["bs=1M", "conv=notrunc", "status=none"])
        .arg(format!("seek={seek}"))
        .arg(format!("count={count}")));
}
