//! Changing a deployed workspace under Wine's msiexec: a policy-only version keeps
//! the staged disk (same file, bytes and time) and installs from the MSI alone; a
//! delta version updates the staged disk in place from `<name>.delta.medv`;
//! the delta alone is refused where its base is not installed; a damaged delta or
//! a failed policy-only upgrade leaves the installed version as it was.
//!
//! Disks are qemu-img fixed VHDs filled by dd; every outcome is read back from the
//! prefix (SHA-256 of the staged disk, its inode and mtime, `reg query`).

mod support;

use support::wine::{MsiRun, Wine};
use support::{dd_random, ok, random_fixed_vhd, require_tool as require, sha256_file};

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const WSPACK: &str = env!("CARGO_BIN_EXE_wspack");
const INTERNAL: &str = "updws";
/// Big enough for many chunks, small enough for a quick test.
const DISK_MIB: u64 = 64;

/// The work folder: disks, policies, build outputs and the folders installs run from.
struct Work {
    dir: tempfile::TempDir,
}

impl Work {
    fn new() -> Work {
        require("msibuild", "msitools");
        let w = Work {
            dir: tempfile::tempdir().unwrap(),
        };
        let disk = w.path("disk-a.vhd");
        random_fixed_vhd(&disk, DISK_MIB);
        // Disk B: disk A with 1 MiB changed in the middle.
        fs::copy(&disk, w.path("disk-b.vhd")).unwrap();
        dd_random(&w.path("disk-b.vhd"), DISK_MIB / 2, 1);
        w
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Builds `version` of the workspace with `disk` and policy variant `second`
    /// into `out`, with `--base` when given.
    fn build(
        &self,
        version: &str,
        disk: &str,
        second: bool,
        out: &str,
        base: Option<&str>,
    ) -> PathBuf {
        let toml = self.path(&format!("{out}.toml"));
        fs::write(&toml, policy(version, disk, second)).unwrap();
        let mut cmd = Command::new(WSPACK);
        cmd.arg("build").arg(&toml).arg("-o").arg(self.path(out));
        if let Some(base) = base {
            cmd.arg("--base").arg(self.path(base));
        }
        ok(cmd.env("SOURCE_DATE_EPOCH", "1700000000"));
        self.path(out)
    }

    /// A folder holding only `files` of the build output `from`.
    fn folder_with(&self, from: &Path, name: &str, files: &[&str]) -> PathBuf {
        let to = self.path(name);
        fs::create_dir_all(&to).unwrap();
        for f in files {
            fs::copy(from.join(f), to.join(f)).unwrap();
        }
        to
    }

    fn policy(&self, out: &str) -> wspack::policy::Policy {
        let toml = self.path(&format!("{out}.toml"));
        wspack::policy::Policy::parse(&fs::read_to_string(&toml).unwrap(), &toml).unwrap()
    }
}

/// Two policies that differ: a value changed (memory), one added (close action),
/// one removed (networking).
fn policy(version: &str, disk: &str, second: bool) -> String {
    let vm = if second {
        "memory_mb = 2048\nclose_action = \"turn-off\"\n"
    } else {
        "memory_mb = 1024\nnetworking = \"nat\"\n"
    };
    format!(
        "[workspace]\nname = \"Update Test\"\ninternal_name = \"{INTERNAL}\"\nversion = \"{version}\"\n\
         manufacturer = \"Contoso\"\nvhd = \"{disk}\"\n\n[vm]\n{vm}"
    )
}

fn staged(wine: &Wine) -> PathBuf {
    wine.drive_c().join(format!(
        "ProgramData/Microsoft/Medv/Workspace/{INTERNAL}.vhd"
    ))
}

/// Every file in the workspace folder but the staged disk.
fn leftovers(wine: &Wine) -> Vec<String> {
    let dir = wine.drive_c().join("ProgramData/Microsoft/Medv/Workspace");
    let mut names: Vec<String> = fs::read_dir(&dir)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.retain(|n| n != &format!("{INTERNAL}.vhd"));
    names.sort();
    names
}

/// (inode, mtime in ns) of the staged disk: the same file, not rewritten.
fn identity(path: &Path) -> (u64, i64) {
    let m = fs::metadata(path).unwrap();
    (m.ino(), m.mtime() * 1_000_000_000 + m.mtime_nsec())
}

/// The installed versions of the workspace in Add/Remove Programs.
fn versions(wine: &Wine) -> Vec<String> {
    support::wine::entries_named(&wine.uninstall_entries(), "MED-V Workspace - Update Test")
        .into_iter()
        .map(|(_, v)| v)
        .collect()
}

fn install(wine: &Wine, folder: &Path, what: &str) -> (MsiRun, f64) {
    let msi = wine.win_path(&folder.join(format!("{INTERNAL}.msi")));
    let started = Instant::now();
    let run = wine.msiexec(&["/i", &msi, "/qn"]);
    let secs = started.elapsed().as_secs_f64();
    eprintln!("{what}: {secs:.1} s");
    (run, secs)
}

/// Asserts that `version` is the one product installed, with `policy`'s values and
/// a staged disk whose SHA-256 is `disk`'s.
fn assert_installed(wine: &Wine, version: &str, policy: &wspack::policy::Policy, disk: &Path) {
    assert_eq!(versions(wine), vec![version.to_string()]);
    support::wine::assert_policy_in_registry(wine, policy);
    assert_eq!(sha256_file(&staged(wine)), sha256_file(disk), "staged disk");
    assert_eq!(leftovers(wine), Vec::<String>::new());
}

/// A copy of the package in `from` whose InstallExecuteSequence fails after the
/// disk step: a deferred call of the runtime with no data, right after StageVhd.
fn failing_copy(work: &Work, from: &Path, name: &str, files: &[&str]) -> PathBuf {
    let to = work.folder_with(from, name, files);
    let msi = to.join(format!("{INTERNAL}.msi"));
    ok(Command::new("msibuild").arg(&msi).arg("-q").arg(
        "INSERT INTO `CustomAction` (`Action`, `Type`, `Source`, `Target`) \
         VALUES ('WspackTestFail', 3073, 'WspackRuntime', 'StageVhd')",
    ));
    ok(Command::new("msibuild").arg(&msi).arg("-q").arg(
        "INSERT INTO `InstallExecuteSequence` (`Action`, `Condition`, `Sequence`) \
         VALUES ('WspackTestFail', 'NOT Installed AND NOT REMOVE', 5020)",
    ));
    to
}

#[test]
fn policy_only_and_delta_updates() {
    let work = Work::new();
    let (msi, medv) = (format!("{INTERNAL}.msi"), format!("{INTERNAL}.medv"));
    let delta = format!("{INTERNAL}.delta.medv");
    let v1 = work.build("1.0.0", "disk-a.vhd", false, "v1", None);
    let v2 = work.build("2.0.0", "disk-a.vhd", true, "v2", Some("v1"));
    let v3 = work.build("3.0.0", "disk-b.vhd", true, "v3", Some("v2"));
    assert!(
        !v2.join(&delta).exists(),
        "a policy-only build has no delta"
    );
    let (full, delta_size) = (
        fs::metadata(v3.join(&medv)).unwrap().len(),
        fs::metadata(v3.join(&delta)).unwrap().len(),
    );
    eprintln!("delta {delta_size} bytes, full sidecar {full} bytes");
    assert!(delta_size * 10 < full, "delta {delta_size} vs full {full}");
    let (disk_a, disk_b) = (work.path("disk-a.vhd"), work.path("disk-b.vhd"));

    let v2b = work.build("2.1.0", "disk-a.vhd", false, "v2b", Some("v2"));
    let failing = failing_copy(&work, &v2b, "v2b-failing", &[&msi]);
    let only_msi = work.folder_with(&v2, "v2-msi-only", &[&msi]);

    let wine = Wine::new();
    let (run, _) = install(&wine, &v1, "v1, full");
    assert!(run.log_says_success(), "{}", run.log);
    assert_installed(&wine, "1.0.0", &work.policy("v1"), &disk_a);
    let before = identity(&staged(&wine));

    // v2 from a folder holding the MSI alone: the disk is kept, the policy changes.
    let (run, policy_secs) = install(&wine, &only_msi, "v2, policy-only");
    assert!(run.log_says_success(), "{}", run.log);
    assert!(run.log.contains("StageVhd: kept"), "{}", run.log);
    assert_installed(&wine, "2.0.0", &work.policy("v2"), &disk_a);
    assert_eq!(
        identity(&staged(&wine)),
        before,
        "the kept disk was rewritten"
    );

    // A policy-only upgrade that fails after its disk step leaves the disk as it
    // was. (Wine never reinstalls the version its RemoveExistingProducts removed,
    // so v2 itself is gone here; Windows rolls that removal back too.)
    let (run, _) = install(&wine, &failing, "v2.1 failing");
    assert!(!run.log_says_success(), "{}", run.log);
    assert!(run.log.contains("StageVhdRollback"), "{}", run.log);
    assert!(staged(&wine).is_file(), "{}", run.log);
    assert_eq!(
        identity(&staged(&wine)),
        before,
        "the disk after a failed upgrade"
    );
    assert_eq!(leftovers(&wine), Vec::<String>::new());
    reinstall_v2(&wine, &only_msi, &work, &disk_a, before);

    // A damaged delta fails and leaves the disk as it was.
    let damaged = work.folder_with(&v3, "v3-damaged", &[&msi, &delta]);
    flip_middle_byte(&damaged.join(&delta));
    let (run, _) = install(&wine, &damaged, "v3, damaged delta");
    assert!(!run.log_says_success(), "{}", run.log);
    assert!(run.log.contains("of the delta"), "{}", run.log);
    assert_eq!(
        identity(&staged(&wine)),
        before,
        "the disk after a damaged delta"
    );
    assert_eq!(leftovers(&wine), Vec::<String>::new());
    reinstall_v2(&wine, &only_msi, &work, &disk_a, before);

    // A delta upgrade that fails after the delta was written in place: the
    // rollback writes the old chunks back from the undo file.
    let failing = failing_copy(&work, &v3, "v3-failing", &[&msi, &delta]);
    let (run, _) = install(&wine, &failing, "v3 failing after the delta");
    assert!(!run.log_says_success(), "{}", run.log);
    assert!(run.log.contains("written in place"), "{}", run.log);
    assert!(run.log.contains("back from"), "{}", run.log);
    assert_eq!(identity(&staged(&wine)).0, before.0, "the same file");
    assert_eq!(sha256_file(&staged(&wine)), sha256_file(&disk_a));
    assert_eq!(leftovers(&wine), Vec::<String>::new());
    reinstall_v2(&wine, &only_msi, &work, &disk_a, identity(&staged(&wine)));

    // v3 from the MSI and the delta alone.
    let with_delta = work.folder_with(&v3, "v3-delta", &[&msi, &delta]);
    let (run, delta_secs) = install(&wine, &with_delta, "v3, delta");
    assert!(run.log_says_success(), "{}", run.log);
    assert_installed(&wine, "3.0.0", &work.policy("v3"), &disk_b);

    // Uninstalling the new version removes the disk.
    let code = product_code(&v3);
    let run = wine.msiexec(&["/x", &code, "/qn"]);
    assert!(run.log_says_success(), "{}", run.log);
    assert!(!staged(&wine).exists());
    assert_eq!(versions(&wine), Vec::<String>::new());

    // A full install of v3, for the time against the delta's.
    let (run, full_secs) = install(&wine, &v3, "v3, full");
    assert!(run.log_says_success(), "{}", run.log);
    eprintln!(
        "install times: full {full_secs:.1} s, delta {delta_secs:.1} s, policy-only {policy_secs:.1} s"
    );
    let run = wine.msiexec(&["/x", &code, "/qn"]);
    assert!(run.log_says_success(), "{}", run.log);

    // The delta alone where no earlier version is installed: refused, nothing left.
    let (run, _) = install(&wine, &with_delta, "v3 delta, no base");
    assert!(!run.log_says_success(), "{}", run.log);
    assert!(
        run.log.contains(&medv),
        "names the missing sidecar: {}",
        run.log
    );
    assert!(!staged(&wine).exists());
    assert_eq!(leftovers(&wine), Vec::<String>::new());
    assert_eq!(versions(&wine), Vec::<String>::new());
    assert!(!wine.key_exists(r"HKLM\SOFTWARE\Microsoft\Medv"));
}

/// Installs v2 again where its disk is in place but no version is installed (what
/// Wine leaves after a failed upgrade): the disk is kept, the same file.
fn reinstall_v2(wine: &Wine, only_msi: &Path, work: &Work, disk: &Path, before: (u64, i64)) {
    let (run, _) = install(wine, only_msi, "v2 again");
    assert!(run.log_says_success(), "{}", run.log);
    assert!(run.log.contains("StageVhd: kept"), "{}", run.log);
    assert_installed(wine, "2.0.0", &work.policy("v2"), disk);
    assert_eq!(identity(&staged(wine)), before);
}

fn flip_middle_byte(path: &Path) {
    let mut bytes = fs::read(path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x55;
    fs::write(path, bytes).unwrap();
}

fn product_code(out: &Path) -> String {
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join(format!("{INTERNAL}.json"))).unwrap()).unwrap();
    manifest["msi"]["product_code"]
        .as_str()
        .unwrap()
        .to_string()
}
