//! The installer's pages as a person sees them: Wine's msiexec with full UI on a
//! virtual X display, driven with the keyboard (Enter on each page), each page
//! read back by OCR so that a blank or wrong page fails.
//!
//! One prefix, scenarios in order:
//! 1. install with Enter on every page (the agent is there: "Start MED-V now" is
//!    ticked and starts it); the staged disk and the registry are checked;
//! 2. an older version (0.9.0) opened: the refusal names both versions;
//! 3. maintenance → Remove, box not ticked: the users' differencing disks stay;
//! 4. a disk already in place: the Replace page, then the new disk is staged;
//! 5. maintenance → Remove with "also delete users' differencing disks";
//! 6. no sidecar beside the package: the page that names it, nothing installed;
//! 7. Cancel on the Ready page: the cancelled page, nothing written;
//! 8. a damaged sidecar: the message box says so in plain words, the log has the
//!    technical line, nothing is installed;
//! 9. a 128 MiB disk: the progress page reads "contoso.vhd: n of 128 MiB".
//!
//! `WSPACK_SCREENSHOTS=DIR` saves each page as DIR/<page>.png (scripts/screenshots.sh).

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use support::ui::Screen;
use support::wine::Wine;
use wspack::policy::Policy;

const WSPACK: &str = env!("CARGO_BIN_EXE_wspack");
const NAME: &str = "Contoso Legacy Apps";
const INTERNAL: &str = "contoso";

/// A package built from the example policy with a disk of `mib` MiB of pseudo-random data.
struct Package {
    dir: PathBuf,
    disk: PathBuf,
    policy: Policy,
}

fn build_package(work: &Path, label: &str, mib: usize) -> Package {
    build_version(work, label, mib, "1.0.0")
}

fn build_version(work: &Path, label: &str, mib: usize, version: &str) -> Package {
    let src = work.join(label);
    fs::create_dir_all(&src).unwrap();
    let disk = src.join("disk.vhd");
    make_disk(&disk, mib, label.len() as u64);
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/contoso/workspace.toml");
    let toml = fs::read_to_string(example)
        .unwrap()
        .replace("vhd = \"guest.vhd\"", "vhd = \"disk.vhd\"")
        .replace("version = \"1.0.0\"", &format!("version = \"{version}\""));
    fs::write(src.join("workspace.toml"), toml).unwrap();
    let dir = work.join(format!("{label}-out"));
    let run = Command::new(WSPACK)
        .arg("build")
        .arg(src.join("workspace.toml"))
        .arg("-o")
        .arg(&dir)
        .arg("--quiet")
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let policy = Policy::load(&src.join("workspace.toml")).unwrap();
    Package { dir, disk, policy }
}

/// A fixed VHD (qemu-img) whose data is xorshift noise: it does not compress, so
/// staging takes as long as a real disk of that size.
fn make_disk(path: &Path, mib: usize, seed: u64) {
    let mut x = 0x9E37_79B9_7F4A_7C15u64 ^ seed;
    let mut raw = vec![0u8; mib << 20];
    for chunk in raw.chunks_exact_mut(8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        chunk.copy_from_slice(&x.to_le_bytes());
    }
    support::fixed_vhd_from_raw(path, &raw);
}

fn workspace_dir(wine: &Wine) -> PathBuf {
    wine.drive_c().join("ProgramData/Microsoft/Medv/Workspace")
}

fn staged(wine: &Wine) -> PathBuf {
    workspace_dir(wine).join(format!("{INTERNAL}.vhd"))
}

fn files_in(dir: &Path) -> Vec<String> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn assert_nothing_installed(wine: &Wine, what: &str) {
    assert_eq!(
        files_in(&workspace_dir(wine)),
        Vec::<String>::new(),
        "{what}: files left"
    );
    assert!(
        !wine.key_exists(r"HKLM\SOFTWARE\Microsoft\Medv"),
        "{what}: policy values left"
    );
    let products = support::wine::entries_named(&wine.uninstall_entries(), "MED-V Workspace");
    assert_eq!(products, vec![], "{what}: product registered");
}

/// Scenario 1: Enter on every page; "Start MED-V now" (ticked) starts the agent.
fn install_with_enter(screen: &Screen, wine: &Wine, pkg: &Package, msi: &str) {
    let marker = wine.drive_c().join("medvhost-started.txt");
    let started = Instant::now();
    let run = screen.msiexec(wine, &["/i", msi]);
    screen.page(&[NAME, "1.0.0", "Contoso IT", "MB"], "welcome");
    screen.key("Return");
    screen.page(
        &["ProgramData", "Medv", "Workspace", "Browse"],
        "destination",
    );
    screen.key("Return");
    screen.page(&["Ready to install", "Install"], "ready");
    screen.key("Return");
    screen.page(
        &["workspace is installed", "1.0.0 is ready", "Start MED"],
        "finish",
    );
    screen.key("Return");
    let result = run.finish();
    eprintln!(
        "install with Enter: {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert!(result.log_says_success(), "{}", result.log);
    assert_eq!(
        support::sha256_file(&staged(wine)),
        support::sha256_file(&pkg.disk),
        "staged disk = input disk"
    );
    support::wine::assert_policy_in_registry(wine, &pkg.policy);
    wait_for(|| marker.exists(), "the Finish page starts the agent");
}

fn wait_for(mut done: impl FnMut() -> bool, what: &str) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < Duration::from_secs(20), "{what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Scenario 2: the older 0.9.0 opened while 1.0.0 is installed: a message that
/// names both versions and what to do; nothing changes.
fn downgrade_refused(screen: &Screen, wine: &Wine, older: &Package) {
    let msi = wine.win_path(&older.dir.join("contoso.msi"));
    let run = screen.msiexec(wine, &["/i", &msi]);
    screen.message_box(
        &[
            &format!("{NAME} 1.0.0 is already installed"),
            "newer than this package (0.9.0)",
            "To install 0.9.0, uninstall 1.0.0 first",
        ],
        "downgrade",
    );
    screen.key_in_message_box("Return");
    screen.page(&["could not finish"], "");
    screen.key("Return");
    let result = run.finish();
    assert!(!result.log_says_success(), "{}", result.log);
    // 1.0.0 stays: the next scenario removes it through its maintenance pages.
}

/// Scenarios 3 and 5: maintenance → Remove, with or without the diff-disk box.
fn remove_from_maintenance(screen: &Screen, wine: &Wine, msi: &str, delete_diff: bool) {
    let planted = plant_diff_disks(wine);
    let run = screen.msiexec(wine, &["/i", msi]);
    // Screenshots of the first pass only.
    let shot = |name: &'static str| if delete_diff { "" } else { name };
    screen.page(
        &[NAME, "is installed", "repair or remove"],
        shot("maintenance"),
    );
    screen.key("Return");
    screen.page(&["Repair", "Remove"], shot("repair-or-remove"));
    screen.key("alt+m");
    screen.page(
        &["Remove the workspace", "differencing disks"],
        shot("remove"),
    );
    if delete_diff {
        screen.key("alt+a");
    }
    screen.key("Return");
    screen.page(&["workspace is removed"], shot("removed"));
    screen.key("Return");
    let result = run.finish();
    assert!(result.log_says_success(), "{}", result.log);
    assert_eq!(result.property("REMOVE").as_deref(), Some("ALL"));
    assert_nothing_installed(wine, "after Remove");
    for disk in &planted {
        assert_eq!(disk.exists(), !delete_diff, "{}", disk.display());
    }
}

/// The agent's diff disks of this workspace, in the Wine user's profile and in AllUsers.
fn plant_diff_disks(wine: &Wine) -> Vec<PathBuf> {
    let users = wine.drive_c().join("users");
    let me = fs::read_dir(&users)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.join("AppData").is_dir() && p.file_name().is_some_and(|n| n != "Public"))
        .expect("the Wine user's profile");
    let folders = [
        me.join("AppData/Local/Microsoft/MEDV/v2/Virtual Machines"),
        wine.drive_c().join("ProgramData/Microsoft/Medv/AllUsers"),
    ];
    let mut planted = Vec::new();
    for folder in &folders {
        fs::create_dir_all(folder).unwrap();
        for ext in ["vhd", "vsv"] {
            let file = folder.join(format!("{NAME}.{ext}"));
            fs::write(&file, b"diff disk").unwrap();
            planted.push(file);
        }
    }
    planted
}

/// Scenario 4: a disk already in the folder: the Replace page; Replace stages ours.
fn replace_a_disk_already_there(screen: &Screen, wine: &Wine, pkg: &Package, msi: &str) {
    fs::create_dir_all(workspace_dir(wine)).unwrap();
    fs::write(staged(wine), b"an older disk copied by hand").unwrap();
    let run = screen.msiexec(wine, &["/i", msi]);
    screen.page(&[NAME, "1.0.0"], "");
    screen.press("Return");
    screen.key("Return");
    screen.page(
        &["already holds", "contoso.vhd", "Replace"],
        "disk-already-there",
    );
    screen.press("Return");
    screen.key("Return");
    screen.page(&["workspace is installed"], "");
    screen.key("Return");
    let result = run.finish();
    assert!(result.log_says_success(), "{}", result.log);
    assert_eq!(result.property("OVERWRITEVHD").as_deref(), Some("1"));
    assert_eq!(
        support::sha256_file(&staged(wine)),
        support::sha256_file(&pkg.disk),
        "Replace staged our disk"
    );
    assert_eq!(files_in(&workspace_dir(wine)), [format!("{INTERNAL}.vhd")]);
}

/// Scenario 6: the package without its sidecar: a page that names the file and the
/// folder, then the cancelled page; nothing is installed.
fn missing_sidecar(screen: &Screen, wine: &Wine, pkg: &Package, work: &Path) {
    // A capital after the backslash: OCR read `\lone` as "tione". The temp
    // folder's random name changes the line breaks, so only short runs of words
    // are asked for.
    let lone = work.join("PackageAlone");
    fs::create_dir_all(&lone).unwrap();
    fs::copy(pkg.dir.join("contoso.msi"), lone.join("contoso.msi")).unwrap();
    let msi = wine.win_path(&lone.join("contoso.msi"));
    let run = screen.msiexec(wine, &["/i", &msi]);
    let folder = wine.win_path(&lone);
    let last = folder.rsplit('\\').next().unwrap();
    screen.page(&["contoso.me", "must be next to", last], "sidecar-missing");
    screen.key("Return");
    screen.page(&["cancelled", "not changed"], "");
    screen.key("Return");
    let result = run.finish();
    assert!(!result.log_says_success(), "{}", result.log);
    assert_nothing_installed(wine, "without the sidecar");
}

/// Scenario 7: Cancel on the Ready page, then Yes: the cancelled page, nothing written.
/// (Under Wine a Cancel during staging is not seen: Wine's installer answers every
/// progress message with "go on", so the staging action never gets IDCANCEL.)
fn cancel_before_install(screen: &Screen, wine: &Wine, msi: &str) {
    let run = screen.msiexec(wine, &["/i", msi]);
    screen.page(&[NAME], "");
    screen.press("Return");
    screen.press("Return");
    screen.key("Escape");
    screen.page(&["stop setting up"], "cancel");
    screen.key("alt+y");
    screen.page(&["cancelled", "not changed"], "cancelled");
    screen.key("Return");
    let result = run.finish();
    assert!(!result.log_says_success(), "{}", result.log);
    assert_nothing_installed(wine, "after Cancel");
}

/// Scenario 8: a sidecar damaged in the middle: staging stops, the message box
/// names the file and what to do, without the runtime's internal words; the log
/// keeps the technical line; the install rolls back.
fn damaged_sidecar(screen: &Screen, wine: &Wine, pkg: &Package, work: &Path) {
    let folder = work.join("damaged");
    fs::create_dir_all(&folder).unwrap();
    fs::copy(pkg.dir.join("contoso.msi"), folder.join("contoso.msi")).unwrap();
    let mut medv = fs::read(pkg.dir.join("contoso.medv")).unwrap();
    let middle = medv.len() / 2;
    medv[middle] ^= 0x55;
    fs::write(folder.join("contoso.medv"), medv).unwrap();
    let msi = wine.win_path(&folder.join("contoso.msi"));
    let run = screen.msiexec(wine, &["/i", &msi]);
    screen.page(&[NAME], "");
    screen.press("Return");
    screen.press("Return");
    screen.key("Return");
    let said = screen.message_box(
        &["contoso.me", "damaged", "Copy the package folder again"],
        "damaged-sidecar",
    );
    for internal in [
        "StageVhd",
        "os error",
        "LocalSystem",
        "CustomActionData",
        "OVERWRITEVHD",
        "25003",
    ] {
        assert!(
            !said.contains(internal),
            "the message box says {internal}: {said}"
        );
    }
    screen.key_in_message_box("Return");
    screen.page(&["could not finish", "not changed"], "");
    screen.key("Return");
    let result = run.finish();
    assert!(!result.log_says_success(), "{}", result.log);
    assert!(
        result.log.contains("wspack StageVhd: chunk")
            && result.log.contains(r"\damaged\contoso.medv"),
        "the log keeps the technical line:\n{}",
        result.log
    );
    assert_nothing_installed(wine, "after a damaged sidecar");
}

/// Scenario 9: a 128 MiB disk: the progress page shows the staging step's words.
fn progress_of_a_big_disk(screen: &Screen, wine: &Wine, big: &Package) {
    let msi = wine.win_path(&big.dir.join("contoso.msi"));
    let run = screen.msiexec(wine, &["/i", &msi]);
    screen.page(&[NAME, "128 MB"], "");
    screen.press("Return");
    screen.press("Return");
    screen.key("Return");
    let tmp = workspace_dir(wine).join(format!("{INTERNAL}.vhd.wspack-tmp"));
    wait_for(|| tmp.exists(), "staging starts");
    // Staging 128 MiB takes a second or two: screenshot now, read it after.
    let progress = screen.snapshot("progress");
    screen.page(&["workspace is installed"], "");
    screen.key("Return");
    let result = run.finish();
    progress.says(&["Installing", NAME, "contoso.vhd", "of 128 MiB"]);
    assert!(result.log_says_success(), "{}", result.log);
    assert_eq!(
        support::sha256_file(&staged(wine)),
        support::sha256_file(&big.disk),
        "staged disk = input disk"
    );
}

/// A stand-in for MED-V's host agent: a Windows program that leaves a marker file.
fn plant_fake_agent(wine: &Wine, work: &Path) {
    support::require_tool("x86_64-w64-mingw32-gcc", "gcc-mingw-w64-x86-64");
    let src = work.join("marker.c");
    fs::write(
        &src,
        "#include <windows.h>\nint main(void) {\n  HANDLE h = CreateFileA(\"C:\\\\medvhost-started.txt\", \
         GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);\n  if (h == INVALID_HANDLE_VALUE) return 1;\n  \
         CloseHandle(h);\n  return 0;\n}\n",
    )
    .unwrap();
    let dir = wine
        .drive_c()
        .join("Program Files/Microsoft Enterprise Desktop Virtualization");
    fs::create_dir_all(&dir).unwrap();
    let ok = Command::new("x86_64-w64-mingw32-gcc")
        .arg(&src)
        .arg("-o")
        .arg(dir.join("MedvHost.exe"))
        .status()
        .unwrap()
        .success();
    assert!(ok, "compile the fake agent");
}

#[test]
fn the_pages_a_person_sees() {
    let started = Instant::now();
    let work = tempfile::Builder::new()
        .prefix("wspack-ui-")
        .tempdir()
        .unwrap();
    // The 128 MiB package is built while Wine boots.
    let (pkg, big, older, wine) = std::thread::scope(|s| {
        let big = s.spawn(|| build_package(work.path(), "big", 128));
        let wine = Wine::new();
        let pkg = build_package(work.path(), "small", 12);
        let older = build_version(work.path(), "older", 1, "0.9.0");
        (pkg, big.join().unwrap(), older, wine)
    });
    let screen = Screen::start();
    screen.use_virtual_desktop(&wine);
    plant_fake_agent(&wine, work.path());
    eprintln!("ready to drive: {:.1} s", started.elapsed().as_secs_f64());

    let msi = wine.win_path(&pkg.dir.join("contoso.msi"));
    install_with_enter(&screen, &wine, &pkg, &msi);
    downgrade_refused(&screen, &wine, &older);
    remove_from_maintenance(&screen, &wine, &msi, false);
    replace_a_disk_already_there(&screen, &wine, &pkg, &msi);
    remove_from_maintenance(&screen, &wine, &msi, true);
    missing_sidecar(&screen, &wine, &pkg, work.path());
    cancel_before_install(&screen, &wine, &msi);
    damaged_sidecar(&screen, &wine, &pkg, work.path());
    progress_of_a_big_disk(&screen, &wine, &big);
    eprintln!("total: {:.1} s", started.elapsed().as_secs_f64());
}
