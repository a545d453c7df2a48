//! The MSI installed, upgraded, downgraded and removed by Wine's msiexec.
//!
//! One Wine prefix for the whole file (wineboot is slow), so the scenarios run in
//! order inside one test, each starting and ending with nothing installed.
//! Every check asserts outcomes (registry, Uninstall entries, files), never
//! msiexec's exit code alone.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use support::wine::{KeyValues, RegQueryData, Wine};
use wspack::policy::Policy;

const MEDV: &str = r"HKLM\SOFTWARE\Microsoft\Medv";
const V2: &str = r"HKLM\SOFTWARE\Microsoft\Medv\v2";
const SAVED_DIR_KEY: &str = r"HKLM\SOFTWARE\wspack\Workspaces\contoso-fin";
const DISPLAY_NAME: &str = "MED-V Workspace - Contoso Finance";
const HELP_URL: &str = "https://helpdesk.contoso.com/medv?app=finance";
const CONTACT: &str = "Helpdesk Zürich, +41 44 555 01 00";

/// The sample policy with the optional Add/Remove Programs keys.
fn policy_with_arp(minor: u8) -> Policy {
    let mut policy = support::sample_policy(minor);
    policy.workspace.help_url = Some(HELP_URL.into());
    policy.workspace.contact = Some(CONTACT.into());
    policy
}

/// What `reg query HKLM\...\Medv\v2 /s` must show for a policy: every key the
/// package writes (and v2 itself, without values), every value with its type and data.
fn expected_registry(policy: &Policy) -> BTreeMap<String, KeyValues> {
    let mut keys = BTreeMap::new();
    keys.insert(V2.to_string(), KeyValues::new());
    for v in &policy.values {
        keys.entry(format!(r"HKLM\{}", v.full_key()))
            .or_insert_with(KeyValues::new)
            .insert(v.name.to_string(), RegQueryData::from(&v.data));
    }
    keys
}

fn product_code(policy: &Policy) -> String {
    wspack::msi::codes::guid(wspack::msi::codes(policy).product_code)
}

struct Fixture {
    wine: Wine,
    _dir: tempfile::TempDir,
    v100: PathBuf,
    v110: PathBuf,
    v110_new_disk: PathBuf,
    p100: Policy,
    p110: Policy,
}

impl Fixture {
    fn install(&self, msi: &Path, what: &str) -> support::wine::MsiRun {
        let run = self.wine.msiexec(&["/i", &self.wine.win_path(msi), "/qn"]);
        eprintln!(
            "{what}: exit {:?}, top-level result {:?}",
            run.code,
            run.top_level_result()
        );
        run
    }

    fn uninstall(&self, product_code: &str, what: &str) -> support::wine::MsiRun {
        let run = self.wine.msiexec(&["/x", product_code, "/qn"]);
        eprintln!(
            "{what}: exit {:?}, top-level result {:?}",
            run.code,
            run.top_level_result()
        );
        run
    }

    fn entries(&self) -> Vec<(String, String)> {
        support::wine::entries_named(&self.wine.uninstall_entries(), "MED-V Workspace")
    }

    fn install_dir(&self) -> PathBuf {
        self.wine
            .drive_c()
            .join(r"ProgramData/Microsoft/Medv/Workspace")
    }

    fn assert_installed(&self, policy: &Policy, what: &str) {
        let code = product_code(policy);
        let version = policy.workspace.version.to_string();
        let all = self.wine.uninstall_entries();
        assert_eq!(
            support::wine::entries_named(&all, "MED-V Workspace"),
            vec![(code.clone(), version.clone())],
            "{what}: exactly one Uninstall entry, {code} {version}"
        );
        let entry = &all[&code];
        assert_eq!(
            entry.get("DisplayName"),
            Some(&RegQueryData::Sz(DISPLAY_NAME.into()))
        );
        assert_eq!(
            entry.get("DisplayVersion"),
            Some(&RegQueryData::Sz(version.clone()))
        );
        assert_eq!(
            entry.get("Publisher"),
            Some(&RegQueryData::Sz("Contoso Ltd.".into()))
        );
        // Programs and Features: no Remove button (Change opens the maintenance
        // pages, whose Remove asks first), Change allowed.
        assert_eq!(
            entry.get("NoRemove"),
            Some(&RegQueryData::Dword(1)),
            "ARPNOREMOVE"
        );
        assert_eq!(entry.get("NoModify"), None, "no ARPNOMODIFY");
        self.assert_arp_details(entry, &code, &version, what);
        let got = self.wine.reg_query(V2).expect("Medv\\v2 exists");
        assert_eq!(
            got,
            expected_registry(policy),
            "{what}: registry below {V2}"
        );
        assert!(self.install_dir().is_dir(), "{what}: INSTALLDIR created");
    }

    /// Help link, contact and comments in the Uninstall entry; the icon where Windows
    /// Installer publishes ARPPRODUCTICON (the product's ProductIcon, a copy of the Icon
    /// table's data under `%WINDIR%\Installer\<ProductCode>`), which is what Add/Remove
    /// Programs shows for an MSI product.
    fn assert_arp_details(&self, entry: &KeyValues, code: &str, version: &str, what: &str) {
        let sz = |s: &str| Some(RegQueryData::Sz(s.to_string()));
        assert_eq!(
            entry.get("HelpLink").cloned(),
            sz(HELP_URL),
            "{what}: ARPHELPLINK"
        );
        assert_eq!(
            entry.get("Contact").cloned(),
            sz(CONTACT),
            "{what}: ARPCONTACT"
        );
        let comments = format!("MED-V workspace Contoso Finance {version}");
        assert_eq!(
            entry.get("Comments").cloned(),
            sz(&comments),
            "{what}: ARPCOMMENTS"
        );
        let icon_path = format!(r"C:\windows\Installer\{code}\wspack.ico");
        let products = self
            .wine
            .reg_query(r"HKLM\SOFTWARE\Classes\Installer\Products")
            .expect("Installer\\Products exists");
        let icons: Vec<&RegQueryData> = products
            .values()
            .filter_map(|values| values.get("ProductIcon"))
            .collect();
        assert_eq!(
            icons,
            vec![&RegQueryData::Sz(icon_path)],
            "{what}: ProductIcon"
        );
        let icon = self
            .wine
            .drive_c()
            .join(format!("windows/Installer/{code}/wspack.ico"));
        assert_eq!(
            std::fs::read(&icon).unwrap_or_default(),
            std::fs::read(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/runtime/res/wspack.ico"
            ))
            .unwrap(),
            "{what}: the icon Add/Remove Programs shows"
        );
    }

    fn assert_nothing_installed(&self, what: &str) {
        assert_eq!(self.entries(), vec![], "{what}: no Uninstall entry");
        assert!(!self.wine.key_exists(MEDV), "{what}: {MEDV} is gone");
        assert!(
            !self.wine.key_exists(SAVED_DIR_KEY),
            "{what}: the remembered INSTALLDIR is gone"
        );
        let medv_dir = self.wine.drive_c().join("ProgramData/Microsoft/Medv");
        assert!(!medv_dir.exists(), "{what}: {} is gone", medv_dir.display());
    }
}

#[test]
fn wine_installs_upgrades_refuses_downgrade_and_removes() {
    support::require_tool("msiinfo", "msitools");
    let dir = tempfile::tempdir().unwrap();
    let p100 = policy_with_arp(0);
    let p110 = policy_with_arp(1);
    let v100 = support::write_msi(&p100, dir.path(), "contoso-fin-1.0.0.msi");
    let v110 = support::write_msi(&p110, dir.path(), "contoso-fin-1.1.0.msi");
    let v110_new_disk = dir.path().join("contoso-fin-1.1.0-newdisk.msi");
    let mut spec = support::sample_spec(&p110);
    spec.disk_sha256 = "cd".repeat(32);
    wspack::msi::write(&spec, &v110_new_disk).unwrap();

    let started = std::time::Instant::now();
    let f = Fixture {
        wine: Wine::new(),
        _dir: dir,
        v100,
        v110,
        v110_new_disk,
        p100,
        p110,
    };
    eprintln!("wineboot: {:?}", started.elapsed());
    f.assert_nothing_installed("fresh prefix");

    install_then_uninstall(&f);
    upgrade_then_downgrade(&f);
    upgrade_from_the_old_layout(&f);
    same_version_new_disk(&f);
    uninstall_keeps_what_others_wrote(&f);
    custom_install_dir_is_remembered(&f);
    agent_does_not_start_without_the_pages(&f);
    eprintln!("total: {:?}", started.elapsed());
}

/// Install 1.0.0: every value with its type and data, the Uninstall entry, an empty
/// INSTALLDIR (no staging action: no disk pretends to be there). `/x` removes
/// every value, every key and the folders.
fn install_then_uninstall(f: &Fixture) {
    // A host agent where MED-V 2.0 installs it: AppSearch must find it.
    let agent_dir = f
        .wine
        .drive_c()
        .join("Program Files/Microsoft Enterprise Desktop Virtualization");
    std::fs::create_dir_all(&agent_dir).unwrap();
    std::fs::write(agent_dir.join("MedvHost.exe"), b"MZ").unwrap();
    let run = f.wine.msiexec(&[
        "/i",
        &f.wine.win_path(&f.v100),
        "/qn",
        "OVERWRITEVHD=1",
        "SUPPRESSMEDVLAUNCH=1",
    ]);
    assert!(run.log_says_success(), "install 1.0.0 failed:\n{}", run.log);
    assert_eq!(run.code, Some(0));
    f.assert_installed(&f.p100, "install 1.0.0");
    assert_eq!(
        std::fs::read_dir(f.install_dir()).unwrap().count(),
        0,
        "no staging action yet: INSTALLDIR stays empty"
    );
    assert_eq!(run.property("WSPACK_UPGRADE"), None);
    assert_eq!(run.property("OVERWRITEVHD").as_deref(), Some("1"));
    assert_eq!(run.property("SUPPRESSMEDVLAUNCH").as_deref(), Some("1"));
    assert_eq!(
        run.property("MEDVHOSTEXE").as_deref(),
        Some(r"C:\Program Files\Microsoft Enterprise Desktop Virtualization\MedvHost.exe"),
        "AppSearch finds the agent"
    );
    std::fs::remove_dir_all(&agent_dir).unwrap();

    // A staged disk and the runtime's temp files are removed by the RemoveFile rows.
    std::fs::write(f.install_dir().join("contoso-fin.vhd"), b"disk").unwrap();
    // The names the runtime gives its files (runtime/src/staging.rs, `Paths`).
    for suffix in [".wspack-tmp", ".wspack-old", ".wspack-journal"] {
        std::fs::write(
            f.install_dir().join(format!("contoso-fin.vhd{suffix}")),
            b"x",
        )
        .unwrap();
    }

    let run = f.uninstall(&product_code(&f.p100), "uninstall 1.0.0");
    assert!(run.log_says_success(), "uninstall failed:\n{}", run.log);
    f.assert_nothing_installed("after /x 1.0.0");
}

/// 1.0.0 then 1.1.0: one product, 1.1.0's values only (ShowExit gone, Memory
/// changed, AudioSharingEnabled new). Then 1.0.0 again: refused, 1.1.0 intact.
fn upgrade_then_downgrade(f: &Fixture) {
    let run = f.install(&f.v100, "install 1.0.0");
    assert!(run.log_says_success(), "{}", run.log);
    f.assert_installed(&f.p100, "1.0.0 before upgrade");

    let run = f.install(&f.v110, "upgrade to 1.1.0");
    assert!(run.log_says_success(), "upgrade failed:\n{}", run.log);
    assert_eq!(run.property("WSPACK_UPGRADE"), Some(product_code(&f.p100)));
    f.assert_installed(&f.p110, "after upgrade 1.0.0 -> 1.1.0");

    let run = f.install(&f.v100, "downgrade to 1.0.0");
    assert!(
        !run.log_says_success(),
        "a downgrade must fail:\n{}",
        run.log
    );
    assert_eq!(
        run.property("WSPACK_NEWER_FOUND"),
        Some(product_code(&f.p110))
    );
    assert!(
        run.log.contains("LaunchConditions. Return value 0."),
        "the launch condition stops it:\n{}",
        run.log
    );
    assert_eq!(run.code, Some(1603 % 256), "msiexec exits 1603");
    // The installed version, remembered by 1.1.0, for the refusal to name (Wine
    // shows a launch condition's text only in a message box, never in the log:
    // tests/wine_ui.rs reads it there).
    assert_eq!(
        f.wine
            .reg_query(SAVED_DIR_KEY)
            .expect("the version is remembered")[SAVED_DIR_KEY]
            .get("Version"),
        Some(&RegQueryData::Sz("1.1.0".into()))
    );
    assert_eq!(
        run.property("WSPACK_INSTALLED_VERSION").as_deref(),
        Some("1.1.0")
    );
    f.assert_installed(&f.p110, "after refused downgrade");

    let run = f.uninstall(&product_code(&f.p110), "uninstall 1.1.0");
    assert!(run.log_says_success(), "{}", run.log);
    f.assert_nothing_installed("after /x 1.1.0");
}

/// 1.0.0 as packages were built before `RedirectUrls` moved into `UserExperience`
/// (its own `UserExperience\RedirectUrls` subkey, plus `VM\Name`), rebuilt from
/// today's 1.0.0 with msitools' SQL; then today's 1.1.0. The major upgrade removes
/// the old product's values, so neither the subkey nor `VM\Name` survive.
fn upgrade_from_the_old_layout(f: &Fixture) {
    let old = f.v100.with_file_name("contoso-fin-1.0.0-old-layout.msi");
    std::fs::copy(&f.v100, &old).unwrap();
    let k = r"SOFTWARE\Microsoft\Medv\v2";
    for sql in [
        format!("UPDATE `Registry` SET `Key`='{k}\\UserExperience\\RedirectUrls' WHERE `Name`='RedirectUrls'"),
        format!("INSERT INTO `Registry` (`Registry`, `Root`, `Key`, `Name`, `Value`, `Component_`) VALUES ('RegOldVmName', 2, '{k}\\VM', 'Name', 'Contoso Finance', 'WorkspacePolicy')"),
    ] {
        let out = std::process::Command::new("msibuild")
            .arg(&old)
            .args(["-q", &sql])
            .output()
            .unwrap();
        assert!(out.status.success(), "msibuild {sql}: {out:?}");
    }
    let subkey = format!(r"{V2}\UserExperience\RedirectUrls");
    let run = f.install(&old, "install 1.0.0 (old layout)");
    assert!(run.log_says_success(), "{}", run.log);
    assert!(f.wine.key_exists(&subkey), "the old package wrote {subkey}");
    let vm = format!(r"{V2}\VM");
    assert!(f.wine.reg_query(&vm).unwrap()[&vm].contains_key("Name"));

    let run = f.install(&f.v110, "upgrade old layout -> 1.1.0");
    assert!(run.log_says_success(), "upgrade failed:\n{}", run.log);
    assert!(
        !f.wine.key_exists(&subkey),
        "{subkey} is gone after the upgrade"
    );
    // Exactly 1.1.0's values: RedirectUrls in UserExperience, no VM\Name.
    f.assert_installed(&f.p110, "after upgrade from the old layout");

    let run = f.uninstall(&product_code(&f.p110), "uninstall 1.1.0");
    assert!(run.log_says_success(), "{}", run.log);
    f.assert_nothing_installed("after /x 1.1.0 (old-layout upgrade)");
}

/// Same version, new disk (same ProductCode, new PackageCode). Wine reinstalls it
/// over the installed one: one product, same values. (Windows refuses it with
/// 1638 unless REINSTALL=ALL REINSTALLMODE=vomus: ship a new disk as a new version.)
fn same_version_new_disk(f: &Fixture) {
    let run = f.install(&f.v110, "install 1.1.0");
    assert!(run.log_says_success(), "{}", run.log);
    let run = f.install(&f.v110_new_disk, "install 1.1.0 rebuilt with a new disk");
    eprintln!(
        "same version, new disk: Wine exit {:?}, success in log: {}",
        run.code,
        run.log_says_success()
    );
    f.assert_installed(&f.p110, "after same-version rebuild");
    let run = f.uninstall(&product_code(&f.p110), "uninstall 1.1.0");
    assert!(run.log_says_success(), "{}", run.log);
    f.assert_nothing_installed("after /x of the rebuild");
}

/// Values and files the package did not write survive `/x`: a value the agent
/// wrote into `v2\VM`, another workspace's disk in INSTALLDIR.
fn uninstall_keeps_what_others_wrote(f: &Fixture) {
    let run = f.install(&f.v100, "install 1.0.0");
    assert!(run.log_says_success(), "{}", run.log);
    let vm = format!(r"{V2}\VM");
    let (ok, out) = f.wine.reg(&[
        "add",
        &vm,
        "/v",
        "AgentState",
        "/t",
        "REG_SZ",
        "/d",
        "keep",
        "/f",
    ]);
    assert!(ok, "reg add: {out}");
    std::fs::write(f.install_dir().join("other.vhd"), b"other").unwrap();

    let run = f.uninstall(&product_code(&f.p100), "uninstall 1.0.0");
    assert!(run.log_says_success(), "{}", run.log);
    assert_eq!(f.entries(), vec![]);
    let left = f
        .wine
        .reg_query(MEDV)
        .expect("the agent's value keeps its key");
    let mut expected = BTreeMap::new();
    expected.insert(MEDV.to_string(), KeyValues::new());
    expected.insert(V2.to_string(), KeyValues::new());
    expected.insert(
        vm.clone(),
        KeyValues::from([("AgentState".to_string(), RegQueryData::Sz("keep".into()))]),
    );
    assert_eq!(
        left, expected,
        "only the foreign value (and its keys) is left"
    );
    assert!(
        f.install_dir().join("other.vhd").is_file(),
        "other.vhd stays"
    );

    // Clean up for whoever runs next in this prefix.
    let (ok, out) = f.wine.reg(&["delete", MEDV, "/f"]);
    assert!(ok, "reg delete: {out}");
}

/// `INSTALLDIR=C:\ws\` at install: Windows Installer forgets properties between
/// sessions, so the package remembers the folder. An upgrade without INSTALLDIR
/// keeps it, and `/x` removes the disk from there, not from the default folder.
fn custom_install_dir_is_remembered(f: &Fixture) {
    // (The previous scenario leaves a foreign value and file in the default places.)
    let ws = f.wine.drive_c().join("ws");
    let run = f
        .wine
        .msiexec(&["/i", &f.wine.win_path(&f.v100), "/qn", r"INSTALLDIR=C:\ws\"]);
    assert!(
        run.log_says_success(),
        "install into C:\\ws failed:\n{}",
        run.log
    );
    assert!(ws.is_dir(), "INSTALLDIR=C:\\ws\\ created");
    std::fs::write(ws.join("contoso-fin.vhd"), b"disk").unwrap();

    let run = f.install(&f.v110, "upgrade without INSTALLDIR");
    assert!(run.log_says_success(), "upgrade failed:\n{}", run.log);
    assert_eq!(run.property("WSPACK_SAVEDDIR").as_deref(), Some(r"C:\ws\"));
    assert_eq!(run.property("INSTALLDIR").as_deref(), Some(r"C:\ws\"));
    let saved = f
        .wine
        .reg_query(SAVED_DIR_KEY)
        .expect("InstallDir remembered");
    assert_eq!(
        saved[SAVED_DIR_KEY].get("InstallDir"),
        Some(&RegQueryData::Sz(r"C:\ws\".into()))
    );

    let run = f.uninstall(&product_code(&f.p110), "uninstall from C:\\ws");
    assert!(run.log_says_success(), "uninstall failed:\n{}", run.log);
    assert!(
        !ws.join("contoso-fin.vhd").exists(),
        "the disk in C:\\ws is removed"
    );
    assert!(!ws.exists(), "the emptied C:\\ws is removed");
    assert_eq!(f.entries(), vec![], "no Uninstall entry");
    assert!(
        !f.wine.key_exists(SAVED_DIR_KEY),
        "the remembered INSTALLDIR is gone"
    );
}

/// A stand-in for MED-V's host agent: a Windows program that leaves a marker file.
fn fake_agent(dir: &Path) -> PathBuf {
    support::require_tool("x86_64-w64-mingw32-gcc", "gcc-mingw-w64-x86-64");
    let src = dir.join("marker.c");
    std::fs::write(
        &src,
        r#"#include <windows.h>
int main(void) {
    HANDLE h = CreateFileA("C:\\medvhost-started.txt", GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    if (h == INVALID_HANDLE_VALUE) return 1;
    CloseHandle(h);
    return 0;
}
"#,
    )
    .unwrap();
    let exe = dir.join("MedvHost.exe");
    let status = std::process::Command::new("x86_64-w64-mingw32-gcc")
        .arg(&src)
        .arg("-o")
        .arg(&exe)
        .status()
        .unwrap();
    assert!(status.success(), "compile the fake agent");
    exe
}

/// MED-V started its agent from its installer's last page (tests/wine_ui.rs shows
/// the check box doing it), never after a silent or basic-UI install.
fn agent_does_not_start_without_the_pages(f: &Fixture) {
    let agent_dir = f
        .wine
        .drive_c()
        .join("Program Files/Microsoft Enterprise Desktop Virtualization");
    std::fs::create_dir_all(&agent_dir).unwrap();
    let build = tempfile::tempdir().unwrap();
    std::fs::copy(fake_agent(build.path()), agent_dir.join("MedvHost.exe")).unwrap();
    let marker = f.wine.drive_c().join("medvhost-started.txt");
    let msi = f.wine.win_path(&f.v100);
    let code = product_code(&f.p100);
    // With full UI the Finish page's "Start MED-V now" starts it (tests/wine_ui.rs);
    // without the pages nothing does.
    for (args, starts) in [
        (vec!["/i", msi.as_str(), "/qb"], false),
        (vec!["/i", msi.as_str(), "/qn"], false),
    ] {
        let _ = std::fs::remove_file(&marker);
        let run = f.wine.msiexec(&args);
        assert!(run.log_says_success(), "{args:?} failed:\n{}", run.log);
        assert_eq!(
            marker.exists(),
            starts,
            "{args:?}: agent started = {starts}"
        );
        let launched = run
            .log
            .lines()
            .any(|l| l.starts_with("Action start") && l.trim_end().ends_with(": LaunchMedvHost."));
        assert_eq!(launched, starts, "{args:?}: LaunchMedvHost in the log");
        let _ = std::fs::remove_file(&marker);
        let run = f.uninstall(&code, "uninstall after the launch check");
        assert!(run.log_says_success(), "{}", run.log);
        assert!(!marker.exists(), "uninstall never starts the agent");
    }
    std::fs::remove_dir_all(&agent_dir).unwrap();
}
