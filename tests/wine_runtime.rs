//! The staging custom action end to end: `wspack build` on a real disk made by
//! qemu-img, then Wine's msiexec (and `setup.exe`) installs, upgrades, overwrites,
//! fails and uninstalls the package for real.
//!
//! Wine reports some failures as success, so every scenario asserts outcomes: the
//! staged disk's SHA-256 (and `qemu-img compare`), the registry values with their
//! types, the files left in the Medv folders, the Uninstall entries, the MSI log.
//!
//! Two prefixes, one per test (they run in parallel):
//! - [`msiexec_install_upgrade_overwrite_and_uninstall`]: install, maintenance run,
//!   major upgrade, uninstall, a disk already in place (refused, then replaced with
//!   OVERWRITEVHD=1, and restored when the replacement fails), DELETEDIFFDISKS.
//! - [`setup_exe_and_broken_sidecars`]: a damaged, a foreign and a missing sidecar
//!   leave nothing behind; then `setup.exe /qn` installs from a copied folder.

mod support;

use sha2::{Digest, Sha256};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use support::wine::{decode_log, MsiRun, Wine};
use wspack::policy::Policy;
use wspack::sidecar::ChunkTable;

const WSPACK: &str = env!("CARGO_BIN_EXE_wspack");
const EPOCH: &str = "1700000000";
/// The workspace name (the agent's diff disks are `<NAME>.vhd` / `.vsv`).
const NAME: &str = "Contoso Finance (EU)";
/// ARP name of the product.
const PRODUCT: &str = "MED-V Workspace - Contoso Finance (EU)";
const INTERNAL: &str = "contoso-fin";
/// Size of the test disks' data area (qemu-img rounds it up to whole CHS cylinders).
const DISK_MIB: usize = 12;

/// The workspace folder: two disks, two policies (1.0.0 on disk A, 1.1.0 on disk B).
struct Ws {
    dir: tempfile::TempDir,
}

impl Ws {
    fn new() -> Ws {
        support::require_tool("qemu-img", "qemu-utils");
        let dir = tempfile::Builder::new()
            .prefix("wspack-rt-")
            .tempdir()
            .unwrap();
        let ws = Ws { dir };
        make_disk(&ws.path("disk-a.vhd"), false);
        make_disk(&ws.path("disk-b.vhd"), true);
        assert_eq!(
            fs::metadata(ws.path("disk-a.vhd")).unwrap().len(),
            fs::metadata(ws.path("disk-b.vhd")).unwrap().len(),
            "both disks have the same size (a foreign sidecar must fail on the hash)"
        );
        assert_ne!(
            sha256(&ws.path("disk-a.vhd")),
            sha256(&ws.path("disk-b.vhd"))
        );
        fs::write(
            ws.path("v1.toml"),
            policy_text("1.0.0", "disk-a.vhd", false),
        )
        .unwrap();
        fs::write(
            ws.path("v11.toml"),
            policy_text("1.1.0", "disk-b.vhd", true),
        )
        .unwrap();
        ws
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `wspack build <toml> -o <out>`; returns the output folder.
    fn build(&self, toml: &str, out: &str) -> PathBuf {
        let out_dir = self.path(out);
        let run = Command::new(WSPACK)
            .arg("build")
            .arg(self.path(toml))
            .arg("-o")
            .arg(&out_dir)
            .arg("--quiet")
            .env("SOURCE_DATE_EPOCH", EPOCH)
            .output()
            .expect("run wspack build");
        assert!(
            run.status.success(),
            "wspack build {toml}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        out_dir
    }

    fn policy(&self, toml: &str) -> Policy {
        Policy::load(&self.path(toml)).expect("load policy")
    }

    /// A copy of a package folder (MSI, sidecar, setup.exe) under a new name.
    fn copy_package(&self, from: &Path, to: &str) -> PathBuf {
        let dest = self.path(to);
        fs::create_dir_all(&dest).unwrap();
        for entry in fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            fs::copy(entry.path(), dest.join(entry.file_name())).unwrap();
        }
        dest
    }
}

/// A 1.0.0 or 1.1.0 policy; 1.1.0 changes, drops and adds values.
fn policy_text(version: &str, vhd: &str, newer: bool) -> String {
    let (memory, urls, ux, level) = if newer {
        (
            1024,
            r#"["*.contoso.com", "https://erp.contoso.com/legacy/*", "http://intranet/apps/*"]"#,
            "audio_sharing = false\nclipboard_sharing = false",
            4,
        )
    } else {
        (
            768,
            r#"["*.contoso.com", "http://intranet/apps/*"]"#,
            "show_exit = true\nclipboard_sharing = true",
            3,
        )
    };
    format!(
        r#"[workspace]
name = "{NAME}"
internal_name = "{INTERNAL}"
version = "{version}"
manufacturer = "Contoso IT"
vhd = "{vhd}"

[vm]
memory_mb = {memory}
networking = "nat"

[url_redirection]
to_guest = {urls}

[user_experience]
{ux}

[first_time_setup]
mode = "unattended"
computer_name_mask = "CTS-%username%[8]#"
start_message = ["Your workspace {version} is being prepared.", "Café opens at 9."]
log_file_paths = ['C:\Windows\Debug\NetSetup.log']

[diagnostics]
event_log_level = {level}
"#
    )
}

/// Makes a fixed VHD with real content: every license text in
/// /usr/share/common-licenses, repeated over the middle of the disk (disk B in
/// reverse order and at another offset), zeros elsewhere.
fn make_disk(path: &Path, variant: bool) {
    let mut texts: Vec<PathBuf> = fs::read_dir("/usr/share/common-licenses")
        .expect("read /usr/share/common-licenses (Debian package base-files)")
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    texts.sort();
    if variant {
        texts.reverse();
    }
    let mut content = Vec::new();
    for t in &texts {
        content.extend_from_slice(&fs::read(t).unwrap());
    }
    assert!(
        !content.is_empty(),
        "no license texts to fill the disk with"
    );
    let mut raw = vec![0u8; DISK_MIB << 20];
    let (start, end) = if variant {
        (2 << 20, 9 << 20)
    } else {
        (1 << 20, 8 << 20)
    };
    for (i, b) in raw[start..end].iter_mut().enumerate() {
        *b = content[i % content.len()];
    }
    support::fixed_vhd_from_raw(path, &raw);
}

fn qemu_img(args: &[&str]) -> String {
    let out = Command::new("qemu-img")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("can't run qemu-img ({e}): install qemu-utils"));
    assert!(
        out.status.success(),
        "qemu-img {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn sha256(path: &Path) -> String {
    let bytes = fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Flips one bit of a file's byte at `at` (negative: from the end).
fn flip_byte(path: &Path, at: i64) {
    let mut bytes = fs::read(path).unwrap();
    let i = if at < 0 {
        bytes.len() - at.unsigned_abs() as usize
    } else {
        at as usize
    };
    bytes[i] ^= 0x10;
    fs::write(path, bytes).unwrap();
}

/// `drive_c/ProgramData/Microsoft/Medv`, where the package writes.
fn medv_root(wine: &Wine) -> PathBuf {
    wine.drive_c().join("ProgramData/Microsoft/Medv")
}

/// The staged disk.
fn staged_vhd(wine: &Wine) -> PathBuf {
    medv_root(wine).join(format!("Workspace/{INTERNAL}.vhd"))
}

/// Every file below `dir` (recursively), relative names.
fn files_below(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        for e in entries {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

/// Files of the workspace folder other than the staged disk (temp files, kept-aside disks).
fn leftovers(wine: &Wine) -> Vec<String> {
    files_below(&medv_root(wine))
        .into_iter()
        .filter(|f| f != &format!("Workspace/{INTERNAL}.vhd"))
        .collect()
}

/// Asserts that no policy value and no Medv key is left.
fn assert_no_policy(wine: &Wine) {
    assert!(
        !wine.key_exists(r"HKLM\SOFTWARE\Microsoft\Medv"),
        "Medv key left: {:#?}",
        wine.reg_query(r"HKLM\SOFTWARE\Microsoft\Medv")
    );
}

/// The product's Uninstall entries: (key, DisplayVersion).
fn products(wine: &Wine) -> Vec<(String, String)> {
    support::wine::entries_named(&wine.uninstall_entries(), PRODUCT)
}

/// The product code from the build's manifest (the SCCM uninstall command uses it).
fn product_code(pkg: &Path) -> String {
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(pkg.join(format!("{INTERNAL}.json"))).unwrap()).unwrap();
    manifest["msi"]["product_code"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Asserts that the disk staged in `wine` is bit-identical to `disk`.
fn assert_staged(wine: &Wine, disk: &Path) {
    let staged = staged_vhd(wine);
    assert!(staged.is_file(), "no staged disk {}", staged.display());
    assert_eq!(
        sha256(&staged),
        sha256(disk),
        "staged disk differs from {}",
        disk.display()
    );
    let cmp = qemu_img(&[
        "compare",
        "-f",
        "vpc",
        "-F",
        "vpc",
        disk.to_str().unwrap(),
        staged.to_str().unwrap(),
    ]);
    assert!(
        cmp.contains("Images are identical"),
        "qemu-img compare: {cmp}"
    );
}

/// The package's chunk table (Binary row `WspackChunks`), read back from the MSI.
fn chunk_table(pkg: &Path) -> ChunkTable {
    let msi = pkg.join(format!("{INTERNAL}.msi"));
    wspack::msi::inspect(&msi)
        .expect("inspect the package")
        .disk
        .chunk_table
        .expect("the package has a chunk table")
        .expect("its chunk table decodes")
}

/// The chunk whose gzip member holds sidecar byte `at`: (number, disk offset).
fn chunk_holding(table: &ChunkTable, at: u64) -> (usize, u64) {
    let i = table
        .chunks
        .iter()
        .position(|c| at >= c.sidecar_offset && at < c.sidecar_offset + c.sidecar_len)
        .expect("the byte is inside a chunk");
    (i, table.chunks[i].disk_offset)
}

/// Asserts that the log has StageVhd's one failure line naming the damaged chunk
/// (number and disk offset) of the sidecar. A flipped bit shows as corrupt deflate
/// data or a CRC-32 mismatch ("... is damaged: ..."), or, should a chunk still
/// inflate, as a SHA-256 other than the chunk table's ("... does not match this
/// package").
fn assert_names_damage(run: &MsiRun, sidecar: &str, (chunk, disk_offset): (usize, u64)) {
    let lines: Vec<&str> = run
        .log
        .lines()
        .filter(|l| l.starts_with("wspack StageVhd: ") && l.contains(" damaged"))
        .collect();
    assert_eq!(lines.len(), 1, "one damage line in the log:\n{}", run.log);
    let line = lines[0];
    let named =
        format!("wspack StageVhd: chunk {chunk} (disk bytes from {disk_offset}) of {sidecar} ");
    assert!(
        line.starts_with(&named),
        "{line}\nexpected it to start with {named}"
    );
    assert!(
        line.contains(" is damaged: ") || line.contains(" does not match this package "),
        "{line}"
    );
    assert!(line.contains("from another build: copy it again"), "{line}");
}

/// Asserts the install failed and left nothing: no disk, no file, no value, no product.
fn assert_nothing_left(wine: &Wine, run: &MsiRun) {
    assert!(!run.log_says_success(), "{}", run.log);
    assert_eq!(files_below(&medv_root(wine)), Vec::<String>::new());
    assert_no_policy(wine);
    assert_eq!(products(wine), vec![]);
}

/// `wine msiexec ARGS /l*v` with `WINEDEBUG=+msidb`: the log and the trace, in which
/// every `MsiRecordSetInteger` call of the custom action DLL shows.
fn msiexec_traced(wine: &Wine, args: &[&str]) -> (MsiRun, String) {
    let log = wine.prefix().join("traced.log");
    let trace = wine.prefix().join("traced.trace");
    let status = wine
        .command("wine")
        .env("WINEDEBUG", "-all,+msidb")
        .arg("msiexec")
        .args(args)
        .arg("/l*v")
        .arg(wine.win_path(wine.prefix()) + "\\traced.log")
        .stdout(Stdio::null())
        .stderr(fs::File::create(&trace).unwrap())
        .status()
        .expect("run wine msiexec");
    wine.wait();
    let run = MsiRun {
        code: status.code(),
        log: decode_log(&fs::read(&log).unwrap_or_default()),
    };
    let trace = String::from_utf8_lossy(&fs::read(&trace).unwrap()).into_owned();
    (run, trace)
}

/// The progress records the DLL built, from a `+msidb` trace: (field 1, 2, 3) of each
/// record whose fields 1–3 were set by consecutive `MsiRecordSetInteger` calls.
fn progress_records(trace: &str) -> Vec<(i64, i64, i64)> {
    let calls: Vec<(String, i64, i64)> = trace
        .lines()
        .filter_map(|line| {
            let (_, args) = line.split_once("trace:msidb:MsiRecordSetInteger ")?;
            let mut parts = args.split(", ").map(|p| p.trim().parse::<i64>());
            let (Some(Ok(h)), Some(Ok(f)), Some(Ok(v))) =
                (parts.next(), parts.next(), parts.next())
            else {
                return None;
            };
            let thread = line.split(':').next().unwrap_or("").to_string();
            Some((format!("{thread}/{h}"), f, v))
        })
        .collect();
    calls
        .windows(3)
        .filter(|w| w[0].0 == w[1].0 && w[1].0 == w[2].0 && (w[0].1, w[1].1, w[2].1) == (1, 2, 3))
        .map(|w| (w[0].2, w[1].2, w[2].2))
        .collect()
}

/// Runs `setup.exe ARGS /l*v LOG` from its folder through Wine.
fn setup_exe(wine: &Wine, pkg: &Path, args: &[&str]) -> MsiRun {
    let log = wine.prefix().join("setup.log");
    let _ = fs::remove_file(&log);
    let status = wine
        .command("wine")
        .current_dir(pkg)
        .arg(wine.win_path(&pkg.join("setup.exe")))
        .args(args)
        .arg("/l*v")
        .arg(wine.win_path(wine.prefix()) + "\\setup.log")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run wine setup.exe");
    wine.wait();
    MsiRun {
        code: status.code(),
        log: decode_log(&fs::read(&log).unwrap_or_default()),
    }
}

/// `wspack inspect` on a built package says the MSI stages the disk.
fn assert_inspect_says_staged(pkg: &Path) {
    let out = Command::new(WSPACK)
        .arg("inspect")
        .arg(pkg)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("staged by the StageVhd custom action"),
        "{text}"
    );
    let out = Command::new(WSPACK)
        .arg("inspect")
        .arg(pkg)
        .arg("--json")
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["disk"]["staged_by_msi"], true, "{json}");
}

/// The agent's diff disks of this workspace and of another one, planted in two
/// profiles (the Wine user's and a second folder in ProfilesDirectory) and in AllUsers.
fn plant_diff_disks(wine: &Wine) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let users = wine.drive_c().join("users");
    let me = fs::read_dir(&users)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.join("AppData").is_dir() && p.file_name().is_some_and(|n| n != "Public"))
        .expect("the Wine user's profile");
    let folders = [
        me.join("AppData/Local/Microsoft/MEDV/v2/Virtual Machines"),
        users.join("alice/AppData/Local/Microsoft/MEDV/v2/Virtual Machines"),
        medv_root(wine).join("AllUsers"),
    ];
    let (mut ours, mut others) = (Vec::new(), Vec::new());
    for folder in &folders {
        fs::create_dir_all(folder).unwrap();
        for ext in ["vhd", "vsv"] {
            let mine = folder.join(format!("{NAME}.{ext}"));
            fs::write(&mine, b"diff disk").unwrap();
            ours.push(mine);
            let other = folder.join(format!("Other Workspace.{ext}"));
            fs::write(&other, b"another workspace").unwrap();
            others.push(other);
        }
    }
    (ours, others)
}

fn ticks_for(disk: &Path) -> i64 {
    fs::metadata(disk).unwrap().len().div_ceil(1024) as i64
}

/// One Wine prefix and the packages the scenarios install, in order.
struct Packages {
    ws: Ws,
    wine: Wine,
    pkg_a: PathBuf,
    pkg_b: PathBuf,
    disk_a: PathBuf,
    disk_b: PathBuf,
    v1: wspack::policy::Policy,
    v11: wspack::policy::Policy,
    msi_a_win: String,
    msi_b_win: String,
}

impl Packages {
    fn new() -> Packages {
        let ws = Ws::new();
        let pkg_a = ws.build("v1.toml", "pkg-a");
        let pkg_b = ws.build("v11.toml", "pkg-b");
        let (disk_a, disk_b) = (ws.path("disk-a.vhd"), ws.path("disk-b.vhd"));
        let (v1, v11) = (ws.policy("v1.toml"), ws.policy("v11.toml"));
        assert_inspect_says_staged(&pkg_a);
        let msi_a = pkg_a.join(format!("{INTERNAL}.msi"));
        let msi_b = pkg_b.join(format!("{INTERNAL}.msi"));

        let wine = Wine::new();
        let msi_a_win = wine.win_path(&msi_a);
        let msi_b_win = wine.win_path(&msi_b);

        Packages {
            ws,
            wine,
            pkg_a,
            pkg_b,
            disk_a,
            disk_b,
            v1,
            v11,
            msi_a_win,
            msi_b_win,
        }
    }
}

#[test]
fn msiexec_install_upgrade_overwrite_and_uninstall() {
    let p = Packages::new();
    install_stages_every_byte_and_value(&p);
    the_same_package_again_stages_nothing(&p);
    let planted = upgrade_stages_the_new_disk_and_keeps_diff_disks(&p);
    uninstall_removes_all_but_diff_disks(&p, &planted);
    the_package_s_own_disk_in_place_is_kept(&p);
    a_disk_in_place_is_refused_and_kept(&p);
    a_damaged_overwrite_restores_the_old_disk(&p);
    a_good_overwrite_replaces_the_disk(&p);
    uninstall_with_deletediffdisks_removes_this_workspaces_diff_disks(&p, &planted);
}

/// Install: the disk is staged bit for bit, every value is written, the
/// progress bar is sized to the disk and advanced to its end.
fn install_stages_every_byte_and_value(p: &Packages) {
    let (run, trace) = msiexec_traced(&p.wine, &["/i", &p.msi_a_win, "/qn"]);
    assert!(run.log_says_success(), "{}", run.log);
    assert_staged(&p.wine, &p.disk_a);
    assert_eq!(leftovers(&p.wine), Vec::<String>::new());
    support::wine::assert_policy_in_registry(&p.wine, &p.v1);
    assert_eq!(products(&p.wine).len(), 1);
    assert_eq!(products(&p.wine)[0].1, "1.0.0");
    let ticks = ticks_for(&p.disk_a);
    let table_a = chunk_table(&p.pkg_a);
    let size = fs::metadata(&p.disk_a).unwrap().len();
    let sha = sha256(&p.disk_a);
    for needle in [
        format!("wspack StageVhdTicks: added {ticks} progress ticks for the disk"),
        format!(r"wspack StageVhd: staging C:\ProgramData\Microsoft\Medv\Workspace\{INTERNAL}.vhd"),
        format!("{INTERNAL}.vhd: 0 of {} MiB", size >> 20),
        format!(
            "({size} bytes, SHA-256 {sha}, all {} chunks verified against the package's chunk table",
            table_a.chunks.len()
        ),
        "wspack StageVhdCommit: done".to_string(),
    ] {
        assert!(
            run.log.contains(&needle),
            "no {needle:?} in the log:\n{}",
            run.log
        );
    }
    let records = progress_records(&trace);
    assert_eq!(
        records.iter().filter(|r| r.0 == 3).collect::<Vec<_>>(),
        [&(3, ticks, 0)],
        "StageVhdTicks adds the disk's ticks to the total once: {records:?}"
    );
    assert!(
        records.contains(&(1, 0, 0)),
        "explicit progress: {records:?}"
    );
    let increments: Vec<i64> = records.iter().filter(|r| r.0 == 2).map(|r| r.1).collect();
    // An increment as each whole chunk is staged (a short last chunk may share one).
    assert!(
        increments.len() as u64 >= size / table_a.chunk_size,
        "{records:?}"
    );
    assert_eq!(increments.iter().sum::<i64>(), ticks, "{records:?}");
}

/// The same package again (maintenance mode: Installed is set): nothing is staged.
fn the_same_package_again_stages_nothing(p: &Packages) {
    let before = fs::metadata(staged_vhd(&p.wine))
        .unwrap()
        .modified()
        .unwrap();
    let run = p.wine.msiexec(&["/i", &p.msi_a_win, "/qn"]);
    assert!(
        run.log.contains("Property(S): Installed = 1"),
        "{}",
        run.log
    );
    assert!(!run.log.contains("wspack StageVhd: staging"), "{}", run.log);
    assert_eq!(
        fs::metadata(staged_vhd(&p.wine))
            .unwrap()
            .modified()
            .unwrap(),
        before
    );
    assert_staged(&p.wine, &p.disk_a);
    assert_eq!(products(&p.wine).len(), 1);
}

/// Major upgrade to 1.1.0 with another disk: RemoveExistingProducts removes
/// 1.0.0 (and its disk) first, so the new disk is staged without OVERWRITEVHD.
/// DELETEDIFFDISKS=1 on an upgrade must not touch the user's diff disks. (Wine
/// runs the old product's removal as `msiexec /i {code} REMOVE=ALL ALLUSERS=1`,
/// without this install's properties and without UPGRADINGPRODUCTCODE, so the
/// `NOT UPGRADINGPRODUCTCODE` guard itself is only checked by the unit tests.)
fn upgrade_stages_the_new_disk_and_keeps_diff_disks(p: &Packages) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let (ours, others) = plant_diff_disks(&p.wine);
    let run = p
        .wine
        .msiexec(&["/i", &p.msi_b_win, "/qn", "DELETEDIFFDISKS=1"]);
    assert!(run.log_says_success(), "{}", run.log);
    assert!(run.log.contains("OVERWRITEVHD=0, upgrade=1"), "{}", run.log);
    assert_staged(&p.wine, &p.disk_b);
    assert_eq!(leftovers_except_diff(&p.wine), Vec::<String>::new());
    support::wine::assert_policy_in_registry(&p.wine, &p.v11);
    let entries = products(&p.wine);
    assert_eq!(
        entries.len(),
        1,
        "exactly one product after the upgrade: {entries:?}"
    );
    assert_eq!(entries[0].1, "1.1.0");
    assert!(
        entries[0].0.ends_with(&product_code(&p.pkg_b)),
        "{entries:?}"
    );
    for f in ours.iter().chain(&others) {
        assert!(f.is_file(), "an upgrade deleted {}", f.display());
    }
    (ours, others)
}

/// Uninstall (SCCM's command, by ProductCode) without DELETEDIFFDISKS: disk,
/// values, keys and product are gone; the agent's diff disks stay.
fn uninstall_removes_all_but_diff_disks(p: &Packages, planted: &(Vec<PathBuf>, Vec<PathBuf>)) {
    let (ours, others) = planted.clone();
    let run = p.wine.msiexec(&["/x", &product_code(&p.pkg_b), "/qn"]);
    assert!(run.log_says_success(), "{}", run.log);
    assert!(!staged_vhd(&p.wine).exists());
    assert_eq!(leftovers_except_diff(&p.wine), Vec::<String>::new());
    assert_no_policy(&p.wine);
    assert_eq!(products(&p.wine), vec![]);
    for f in ours.iter().chain(&others) {
        assert!(
            f.is_file(),
            "uninstall without DELETEDIFFDISKS deleted {}",
            f.display()
        );
    }
}

/// The package's own disk copied into place in advance (by an admin, or left by an
/// earlier install): kept as it is (the same file), without OVERWRITEVHD and
/// without the sidecar; the uninstall then removes it.
fn the_package_s_own_disk_in_place_is_kept(p: &Packages) {
    use std::os::unix::fs::MetadataExt;
    let vhd = staged_vhd(&p.wine);
    fs::create_dir_all(vhd.parent().unwrap()).unwrap();
    fs::copy(&p.disk_a, &vhd).unwrap();
    let inode = fs::metadata(&vhd).unwrap().ino();
    let only_msi = p.ws.path("msi-only");
    fs::create_dir_all(&only_msi).unwrap();
    fs::copy(
        p.pkg_a.join(format!("{INTERNAL}.msi")),
        only_msi.join(format!("{INTERNAL}.msi")),
    )
    .unwrap();
    let msi = p.wine.win_path(&only_msi.join(format!("{INTERNAL}.msi")));
    let run = p.wine.msiexec(&["/i", &msi, "/qn"]);
    assert!(run.log_says_success(), "{}", run.log);
    assert!(run.log.contains("StageVhd: kept"), "{}", run.log);
    assert_eq!(
        fs::metadata(&vhd).unwrap().ino(),
        inode,
        "the disk was rewritten"
    );
    assert_staged(&p.wine, &p.disk_a);
    support::wine::assert_policy_in_registry(&p.wine, &p.v1);
    let run = p.wine.msiexec(&["/x", &product_code(&p.pkg_a), "/qn"]);
    assert!(run.log_says_success(), "{}", run.log);
    assert!(!vhd.exists());
    assert_eq!(leftovers_except_diff(&p.wine), Vec::<String>::new());
}

/// A disk already in place (left by an earlier install, or copied by hand):
/// the install refuses it, tells to pass OVERWRITEVHD=1, and keeps it.
fn a_disk_in_place_is_refused_and_kept(p: &Packages) {
    let vhd = staged_vhd(&p.wine);
    fs::create_dir_all(vhd.parent().unwrap()).unwrap();
    fs::copy(&p.disk_b, &vhd).unwrap();
    let run = p.wine.msiexec(&["/i", &p.msi_a_win, "/qn"]);
    assert!(!run.log_says_success(), "{}", run.log);
    assert!(
        run.log
            .contains("already exists; pass OVERWRITEVHD=1 to replace it"),
        "{}",
        run.log
    );
    assert_eq!(
        sha256(&vhd),
        sha256(&p.disk_b),
        "the existing disk was touched"
    );
    assert_eq!(leftovers_except_diff(&p.wine), Vec::<String>::new());
    assert_no_policy(&p.wine);
    assert_eq!(products(&p.wine), vec![]);
}

/// OVERWRITEVHD=1 with a damaged sidecar: the old disk is kept aside, the
/// staging fails, the rollback puts the old disk back.
fn a_damaged_overwrite_restores_the_old_disk(p: &Packages) {
    let table_a = chunk_table(&p.pkg_a);
    let vhd = staged_vhd(&p.wine);
    let damaged = p.ws.copy_package(&p.pkg_a, "damaged-a");
    // The bit is in the last gzip member's CRC-32 trailer.
    flip_byte(&damaged.join(format!("{INTERNAL}.medv")), -6);
    let last = table_a.chunks.len() - 1;
    let damaged_msi = p.wine.win_path(&damaged.join(format!("{INTERNAL}.msi")));
    let run = p
        .wine
        .msiexec(&["/i", &damaged_msi, "/qn", "OVERWRITEVHD=1"]);
    assert!(!run.log_says_success(), "{}", run.log);
    assert_names_damage(
        &run,
        &p.wine.win_path(&damaged.join(format!("{INTERNAL}.medv"))),
        (last, table_a.chunks[last].disk_offset),
    );
    assert!(run.log.contains("wspack StageVhdRollback:"), "{}", run.log);
    assert_eq!(
        sha256(&vhd),
        sha256(&p.disk_b),
        "the old disk was not restored"
    );
    assert_eq!(leftovers_except_diff(&p.wine), Vec::<String>::new());
    assert_no_policy(&p.wine);
    assert_eq!(products(&p.wine), vec![]);
}

/// OVERWRITEVHD=1 with the good package: the disk is replaced, nothing kept aside.
fn a_good_overwrite_replaces_the_disk(p: &Packages) {
    let run = p
        .wine
        .msiexec(&["/i", &p.msi_a_win, "/qn", "OVERWRITEVHD=1"]);
    assert!(run.log_says_success(), "{}", run.log);
    assert!(run.log.contains("OVERWRITEVHD=1, upgrade=0"), "{}", run.log);
    assert_staged(&p.wine, &p.disk_a);
    assert_eq!(leftovers_except_diff(&p.wine), Vec::<String>::new());
    support::wine::assert_policy_in_registry(&p.wine, &p.v1);
    assert_eq!(products(&p.wine).len(), 1);
}

/// Uninstall with DELETEDIFFDISKS=1: this workspace's diff disks go in every
/// profile and in AllUsers; another workspace's stay.
fn uninstall_with_deletediffdisks_removes_this_workspaces_diff_disks(
    p: &Packages,
    planted: &(Vec<PathBuf>, Vec<PathBuf>),
) {
    let (ours, others) = planted.clone();
    let vhd = staged_vhd(&p.wine);
    let run = p
        .wine
        .msiexec(&["/x", &p.msi_a_win, "/qn", "DELETEDIFFDISKS=1"]);
    assert!(run.log_says_success(), "{}", run.log);
    assert!(run.log.contains("wspack RemoveDiffDisks:"), "{}", run.log);
    for f in &ours {
        assert!(!f.exists(), "DELETEDIFFDISKS=1 left {}", f.display());
    }
    for f in &others {
        assert!(
            f.is_file(),
            "DELETEDIFFDISKS=1 deleted another workspace's {}",
            f.display()
        );
    }
    assert!(!vhd.exists());
    assert_no_policy(&p.wine);
    assert_eq!(products(&p.wine), vec![]);
    assert_eq!(
        files_below(&medv_root(&p.wine)),
        [
            "AllUsers/Other Workspace.vhd",
            "AllUsers/Other Workspace.vsv"
        ]
    );
}

/// Files below Medv other than the staged disk and the planted AllUsers files.
fn leftovers_except_diff(wine: &Wine) -> Vec<String> {
    leftovers(wine)
        .into_iter()
        .filter(|f| !f.starts_with("AllUsers/"))
        .collect()
}

#[test]
fn setup_exe_and_broken_sidecars() {
    let ws = Ws::new();
    let pkg_a = ws.build("v1.toml", "pkg-a");
    let pkg_b = ws.build("v11.toml", "pkg-b");
    let disk_a = ws.path("disk-a.vhd");
    let wine = Wine::new();
    let sidecar = format!("{INTERNAL}.medv");
    let msi = format!("{INTERNAL}.msi");

    // A sidecar with one flipped bit: nothing is left, the log names the damage.
    let damaged = ws.copy_package(&pkg_a, "damaged");
    let len = fs::metadata(damaged.join(&sidecar)).unwrap().len() as i64;
    flip_byte(&damaged.join(&sidecar), len / 2);
    let table_a = chunk_table(&pkg_a);
    assert!(table_a.chunks.len() >= 3, "a disk of several chunks");
    let middle = chunk_holding(&table_a, (len / 2) as u64);
    let run = wine.msiexec(&["/i", &wine.win_path(&damaged.join(&msi)), "/qn"]);
    let damaged_sidecar = wine.win_path(&damaged.join(&sidecar));
    assert_names_damage(&run, &damaged_sidecar, middle);
    assert_nothing_left(&wine, &run);

    // A valid sidecar of another disk of the same size (another build): its first
    // chunk already differs from what the package's chunk table says.
    let foreign = ws.copy_package(&pkg_a, "foreign");
    fs::copy(pkg_b.join(&sidecar), foreign.join(&sidecar)).unwrap();
    let run = wine.msiexec(&["/i", &wine.win_path(&foreign.join(&msi)), "/qn"]);
    assert_names_damage(&run, &wine.win_path(&foreign.join(&sidecar)), (0, 0));
    assert!(run.log.contains(&sha256(&disk_a)), "{}", run.log);
    assert_nothing_left(&wine, &run);

    // No sidecar (setup.exe refuses before msiexec, see tests/setup_exe.rs): the log
    // names the file it looked for.
    let missing = ws.copy_package(&pkg_a, "missing");
    fs::remove_file(missing.join(&sidecar)).unwrap();
    let run = wine.msiexec(&["/i", &wine.win_path(&missing.join(&msi)), "/qn"]);
    let wanted = wine.win_path(&missing.join(&sidecar));
    assert!(
        run.log
            .contains(&format!("can't open the workspace disk sidecar {wanted}")),
        "{}",
        run.log
    );
    // A Unix exit status keeps the low 8 bits of 1603.
    assert_eq!(run.code, Some(1603 & 0xff), "msiexec's code");
    assert_nothing_left(&wine, &run);

    // setup.exe /qn from a copied package folder stages the disk and writes the policy.
    let copy = ws.copy_package(&pkg_a, "copy");
    let run = setup_exe(&wine, &copy, &["/qn"]);
    assert!(run.log_says_success(), "{}", run.log);
    assert_eq!(run.code, Some(0));
    assert!(
        run.log
            .contains(&format!("from {}", wine.win_path(&copy.join(&sidecar)))),
        "the sidecar beside setup.exe's MSI: {}",
        run.log
    );
    assert_staged(&wine, &disk_a);
    assert_eq!(leftovers(&wine), Vec::<String>::new());
    support::wine::assert_policy_in_registry(&wine, &ws.policy("v1.toml"));
    let entries = products(&wine);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert!(entries[0].0.ends_with(&product_code(&copy)), "{entries:?}");
}
