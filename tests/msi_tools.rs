//! The MSI read back by an independent reader (msitools: `msiinfo`), `wspack inspect`
//! on the same files, and byte-identical rebuilds.

mod support;

use std::path::Path;
use std::process::Command;
use wspack::msi::runtime::{CustomActionRow, RuntimeRows, SequenceRow};
use wspack::msi::{self, PackageSpec};
use wspack::policy::RegData;

fn msiinfo(args: &[&str]) -> String {
    support::require_tool("msiinfo", "msitools");
    let out = Command::new("msiinfo")
        .args(args)
        .output()
        .expect("run msiinfo");
    assert!(
        out.status.success(),
        "msiinfo {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("msiinfo prints UTF-8")
}

fn msiinfo_bytes(args: &[&str]) -> Vec<u8> {
    support::require_tool("msiinfo", "msitools");
    let out = Command::new("msiinfo")
        .args(args)
        .output()
        .expect("run msiinfo");
    assert!(out.status.success(), "msiinfo {args:?} failed");
    out.stdout
}

/// `msiinfo export` of a table: the three header lines, then the rows sorted.
fn export(msi: &Path, table: &str) -> Vec<String> {
    let text = msiinfo(&["export", msi.to_str().unwrap(), table]);
    let mut lines: Vec<String> = text
        .lines()
        .map(|l| l.trim_end_matches('\r').to_string())
        .collect();
    assert!(lines.len() >= 3, "{table}: no header in {text:?}");
    lines[3..].sort();
    lines
}

fn expect_table(msi: &Path, table: &str, header: [&str; 3], rows: &[String]) {
    let mut expected: Vec<String> = header.iter().map(|s| s.to_string()).collect();
    let mut rows = rows.to_vec();
    rows.sort();
    expected.extend(rows);
    assert_eq!(export(msi, table), expected, "table {table}");
}

/// A remembered INSTALLDIR wins over the default, not over the command line.
const RESTORE_ROW: &str = "RestoreInstallDir\tWSPACK_SAVEDDIR AND NOT INSTALLDIR\t51";

fn rows(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn setup(minor: u8) -> (tempfile::TempDir, std::path::PathBuf, msi::PackageCodes) {
    let dir = tempfile::tempdir().unwrap();
    let policy = support::sample_policy(minor);
    let path = dir.path().join("contoso-fin.msi");
    let codes = msi::write(&support::sample_spec(&policy), &path).expect("write MSI");
    (dir, path, codes)
}

/// Reads the summary stream's PID_CODEPAGE (property 1, VT_I2) from the raw property set.
fn summary_codepage(stream: &[u8]) -> i16 {
    let u32_at = |o: usize| u32::from_le_bytes(stream[o..o + 4].try_into().unwrap()) as usize;
    let section = u32_at(0x2C);
    let count = u32_at(section + 4);
    for i in 0..count {
        let pid = u32_at(section + 8 + i * 8);
        let offset = u32_at(section + 12 + i * 8);
        if pid == 1 {
            assert_eq!(u32_at(section + offset), 2, "PID_CODEPAGE is VT_I2");
            let o = section + offset + 4;
            return i16::from_le_bytes([stream[o], stream[o + 1]]);
        }
    }
    panic!("no PID_CODEPAGE in the summary stream");
}

#[test]
fn msiinfo_reads_the_summary() {
    let (_dir, path, codes) = setup(0);
    let p = path.to_str().unwrap();
    let text = msiinfo(&["suminfo", p]);
    for line in [
        "Title: Installation Database".to_string(),
        "Subject: MED-V Workspace - Contoso Finance".to_string(),
        "Author: Contoso Ltd.".to_string(),
        "Keywords: Installer; MED-V; Workspace; contoso-fin".to_string(),
        "Template: x64;1033".to_string(),
        format!(
            "Revision number (UUID): {}",
            msi::codes::guid(codes.package_code)
        ),
        "Created: Tue Nov 14 22:13:20 2023".to_string(),
        "Last saved: Tue Nov 14 22:13:20 2023".to_string(),
        "Version: 200 (c8)".to_string(),
        "Source: 2 (2)".to_string(),
        format!("Application: wspack {}", env!("CARGO_PKG_VERSION")),
        "Security: 2 (2)".to_string(),
    ] {
        assert!(text.lines().any(|l| l == line), "no {line:?} in:\n{text}");
    }
    assert!(
        text.contains("Comments: MED-V workspace Contoso Finance 1.0.0: contoso-fin.vhd (3221237817 bytes, SHA-256 abab"),
        "{text}"
    );
    // Codepage 1252 in the database and in the summary stream.
    assert_eq!(
        msiinfo(&["export", p, "_ForceCodepage"]).lines().nth(2),
        Some("1252\t_ForceCodepage")
    );
    let stream = msiinfo_bytes(&["extract", p, "\u{5}SummaryInformation"]);
    assert_eq!(summary_codepage(&stream), 1252);
}

#[test]
fn msiinfo_lists_the_tables() {
    let (_dir, path, _) = setup(0);
    let mut tables: Vec<String> = msiinfo(&["tables", path.to_str().unwrap()])
        .lines()
        .map(str::to_string)
        .collect();
    tables.sort();
    let mut expected = rows(&[
        "_SummaryInformation",
        "_ForceCodepage",
        "_Validation",
        "Property",
        "Directory",
        "Registry",
        "Component",
        "Feature",
        "FeatureComponents",
        "CreateFolder",
        "RemoveFile",
        "ReserveCost",
        "Upgrade",
        "LaunchCondition",
        "InstallExecuteSequence",
        "InstallUISequence",
        "AdminExecuteSequence",
        "AdminUISequence",
        "AdvtExecuteSequence",
        "AppSearch",
        "Signature",
        "DrLocator",
        "RegLocator",
        "CustomAction",
        "Icon",
        // The installer's pages (src/msi/ui).
        "Dialog",
        "Control",
        "ControlEvent",
        "ControlCondition",
        "EventMapping",
        "TextStyle",
        "UIText",
        "Error",
        "CheckBox",
    ]);
    expected.sort();
    assert_eq!(
        tables, expected,
        "no Binary without the runtime; CustomAction holds the launch, the restore and the pages' setters"
    );
}

#[test]
fn property_and_registry_tables() {
    let (_dir, path, codes) = setup(0);
    let p = path.as_path();
    let product_code = msi::codes::guid(codes.product_code);
    let upgrade_code = msi::codes::guid(codes.upgrade_code);
    let k = r"SOFTWARE\Microsoft\Medv\v2";
    let c = "WorkspacePolicy";
    assert_eq!(
        msi::codes(&support::sample_policy(0)).product_code,
        codes.product_code
    );

    expect_table(
        p,
        "Property",
        ["Property\tValue", "s72\tl0", "Property\tProperty"],
        &[
            "ALLUSERS\t1".into(),
            "ARPCOMMENTS\tMED-V workspace Contoso Finance 1.0.0".into(),
            "ARPNOREMOVE\t1".into(),
            "ARPPRODUCTICON\twspack.ico".into(),
            "DefaultUIFont\tWspackNormal".into(),
            "Manufacturer\tContoso Ltd.".into(),
            format!("ProductCode\t{product_code}"),
            "ProductLanguage\t1033".into(),
            "ProductName\tMED-V Workspace - Contoso Finance".into(),
            "ProductVersion\t1.0.0".into(),
            "SecureCustomProperties\tWSPACK_UPGRADE;WSPACK_NEWER_FOUND;INSTALLDIR;OVERWRITEVHD;SUPPRESSMEDVLAUNCH;DELETEDIFFDISKS;WSPACK_SIDECAR".into(),
            format!("UpgradeCode\t{upgrade_code}"),
            format!("WspackDiskSha256\t{}", "ab".repeat(32)),
            "WspackDiskSize\t3221237817".into(),
            "WspackSidecar\tcontoso-fin.medv".into(),
            "WspackVhdName\tcontoso-fin.vhd".into(),
            "WspackWorkspaceName\tContoso Finance".into(),
            "WspackDiskSizeText\t3.0 GB".into(),
            "WspackPackageName\tcontoso-fin.msi".into(),
        ],
    );
    // The Add/Remove Programs icon: the Icon row's stream holds runtime/res/wspack.ico.
    expect_table(
        p,
        "Icon",
        ["Name\tData", "s72\tv0", "Icon\tName"],
        &rows(&["wspack.ico\tIcon.wspack.ico"]),
    );
    let icon = Command::new("msiinfo")
        .args(["extract", p.to_str().unwrap(), "Icon.wspack.ico"])
        .output()
        .expect("run msiinfo extract");
    assert!(
        icon.stdout
            == std::fs::read(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/runtime/res/wspack.ico"
            ))
            .unwrap(),
        "msiinfo extract Icon.wspack.ico gives the icon"
    );

    expect_table(
        p,
        "Registry",
        [
            "Registry\tRoot\tKey\tName\tValue\tComponent_",
            "s72\ti2\tl255\tL255\tL0\ts72",
            "Registry\tRegistry",
        ],
        &[
            format!("Reg000_VM_Memory\t2\t{k}\\VM\tMemory\t#768\t{c}"),
            format!("Reg001_VM_HostMemToGuestMemCalcEnabled\t2\t{k}\\VM\tHostMemToGuestMemCalcEnabled\t#0\t{c}"),
            format!("Reg002_VM_NetworkingMode\t2\t{k}\\VM\tNetworkingMode\tNAT\t{c}"),
            format!("Reg003_VM_TaskTimeout\t2\t{k}\\VM\tTaskTimeout\t#2147483647\t{c}"),
            format!("Reg004_UserExperience_RedirectUrls\t2\t{k}\\UserExperience\tRedirectUrls\t[~]*.contoso.com[~]http://intranet.contoso.com/apps/*[~]https://www.contoso.com/a/*[~]\t{c}"),
            format!("Reg005_UserExperience_ClipboardSharingEnabled\t2\t{k}\\UserExperience\tClipboardSharingEnabled\t#1\t{c}"),
            format!("Reg006_UserExperience_SmartCardLogonEnabled\t2\t{k}\\UserExperience\tSmartCardLogonEnabled\t#0\t{c}"),
            format!("Reg007_UserExperience_ShowExit\t2\t{k}\\UserExperience\tShowExit\t#1\t{c}"),
            format!("Reg008_Fts_Mode\t2\t{k}\\Fts\tMode\tUnattended\t{c}"),
            format!("Reg009_Fts_ComputerNameMask\t2\t{k}\\Fts\tComputerNameMask\t##%username%-[\\[]3[\\]]*\t{c}"),
            format!("Reg010_Fts_StartDialogMsg\t2\t{k}\\Fts\tStartDialogMsg\t[~]Welcome to [\\[]Contoso[\\]] [\\{{]Finance[\\}}][~]Café · prêt en 5 min[~]\t{c}"),
            format!("Reg011_Fts_LogFilePaths\t2\t{k}\\Fts\tLogFilePaths\t[~]C:\\Logs\\fts.log[~]\t{c}"),
            format!("Reg012_Fts_DialogUrl\t2\t{k}\\Fts\tDialogUrl\thttps://setup.contoso.com/fts\t{c}"),
            format!("Reg013_Diagnostics_EventLogLevel\t2\t{k}\\Diagnostics\tEventLogLevel\t#4\t{c}"),
            // Not policy: where this install staged the disk, for uninstall and upgrades.
            format!("RegRememberInstallDir\t2\tSOFTWARE\\wspack\\Workspaces\\contoso-fin\tInstallDir\t[INSTALLDIR]\t{c}"),
            // Not policy: the installed version, for an older package's refusal.
            format!("RegRememberVersion\t2\tSOFTWARE\\wspack\\Workspaces\\contoso-fin\tVersion\t[ProductVersion]\t{c}"),
        ],
    );
}

#[test]
fn directory_component_and_feature_tables() {
    let (_dir, path, _) = setup(0);
    let p = path.as_path();
    let c = "WorkspacePolicy";
    expect_table(
        p,
        "Directory",
        [
            "Directory\tDirectory_Parent\tDefaultDir",
            "s72\tS72\tl255",
            "Directory\tDirectory",
        ],
        &rows(&[
            "TARGETDIR\t\tSourceDir",
            "CommonAppDataFolder\tTARGETDIR\t.",
            "MedvMicrosoftDir\tCommonAppDataFolder\tMICROS~1|Microsoft",
            "MedvDir\tMedvMicrosoftDir\tMedv",
            "INSTALLDIR\tMedvDir\tWORKSP~1|Workspace",
        ]),
    );
    let component_guid = export(p, "Component")[3]
        .split('\t')
        .nth(1)
        .unwrap()
        .to_string();
    expect_table(
        p,
        "Component",
        [
            "Component\tComponentId\tDirectory_\tAttributes\tCondition\tKeyPath",
            "s72\tS38\ts72\ti2\tS255\tS72",
            "Component\tComponent",
        ],
        // 260 = 256 (64-bit) + 4 (key path is a Registry row).
        &[format!(
            "{c}\t{component_guid}\tINSTALLDIR\t260\t\tRegRememberInstallDir"
        )],
    );
    // The component GUID is derived: the same for every version of the workspace.
    let (_dir2, path2, _) = setup(1);
    assert_eq!(
        export(&path2, "Component")[3].split('\t').nth(1).unwrap(),
        component_guid
    );
    assert!(msi::codes::parse_guid(&component_guid).is_some());

    expect_table(
        p,
        "Feature",
        [
            "Feature\tFeature_Parent\tTitle\tDescription\tDisplay\tLevel\tDirectory_\tAttributes",
            "s38\tS38\tL64\tL255\tI2\ti2\tS72\ti2",
            "Feature\tFeature",
        ],
        &rows(&[
            "Workspace\t\tMED-V Workspace\tThe workspace policy and disk\t0\t1\tINSTALLDIR\t16",
        ]),
    );
    expect_table(
        p,
        "FeatureComponents",
        [
            "Feature_\tComponent_",
            "s38\ts72",
            "FeatureComponents\tFeature_\tComponent_",
        ],
        &rows(&["Workspace\tWorkspacePolicy"]),
    );
    expect_table(
        p,
        "CreateFolder",
        [
            "Directory_\tComponent_",
            "s72\ts72",
            "CreateFolder\tDirectory_\tComponent_",
        ],
        &rows(&["INSTALLDIR\tWorkspacePolicy"]),
    );
}

#[test]
fn remove_file_reserve_cost_upgrade_and_launch_tables() {
    let (_dir, path, codes) = setup(0);
    let p = path.as_path();
    let upgrade_code = msi::codes::guid(codes.upgrade_code);
    expect_table(
        p,
        "RemoveFile",
        [
            "FileKey\tComponent_\tFileName\tDirProperty\tInstallMode",
            "s72\ts72\tL255\ts72\ti2",
            "RemoveFile\tFileKey",
        ],
        &rows(&[
            "RemoveFileVhd\tWorkspacePolicy\tCONT~FDD.VHD|contoso-fin.vhd\tINSTALLDIR\t2",
            "RemoveFileVhdJournal\tWorkspacePolicy\tCONT~162.WSP|contoso-fin.vhd.wspack-journal\tINSTALLDIR\t2",
            "RemoveFileVhdOld\tWorkspacePolicy\tCONT~490.WSP|contoso-fin.vhd.wspack-old\tINSTALLDIR\t2",
            "RemoveFileVhdTmp\tWorkspacePolicy\tCONT~C72.WSP|contoso-fin.vhd.wspack-tmp\tINSTALLDIR\t2",
            "RemoveFileVhdUndo\tWorkspacePolicy\tCONT~221.WSP|contoso-fin.vhd.wspack-undo\tINSTALLDIR\t2",
            "RemoveFolder1Install\tWorkspacePolicy\t\tINSTALLDIR\t2",
            "RemoveFolder2Medv\tWorkspacePolicy\t\tMedvDir\t2",
        ]),
    );
    // 3 GiB + 12345 bytes: ReserveLocal is 32-bit signed, so 1 GiB rows.
    expect_table(
        p,
        "ReserveCost",
        [
            "ReserveKey\tComponent_\tReserveFolder\tReserveLocal\tReserveSource",
            "s72\ts72\tS72\ti4\ti4",
            "ReserveCost\tReserveKey",
        ],
        &rows(&[
            "ReserveVhd000\tWorkspacePolicy\tINSTALLDIR\t1073741824\t0",
            "ReserveVhd001\tWorkspacePolicy\tINSTALLDIR\t1073741824\t0",
            "ReserveVhd002\tWorkspacePolicy\tINSTALLDIR\t1073741824\t0",
            "ReserveVhd003\tWorkspacePolicy\tINSTALLDIR\t12345\t0",
        ]),
    );
    expect_table(
        p,
        "Upgrade",
        [
            "UpgradeCode\tVersionMin\tVersionMax\tLanguage\tAttributes\tRemove\tActionProperty",
            "s38\tS20\tS20\tS255\ti4\tS255\ts72",
            "Upgrade\tUpgradeCode\tVersionMin\tVersionMax\tLanguage\tAttributes",
        ],
        &[
            format!("{upgrade_code}\t\t1.0.0\t\t1\t\tWSPACK_UPGRADE"),
            format!("{upgrade_code}\t1.0.0\t\t\t2\t\tWSPACK_NEWER_FOUND"),
        ],
    );
    expect_table(
        p,
        "LaunchCondition",
        ["Condition\tDescription", "s255\tl255", "LaunchCondition\tCondition"],
        &rows(&[
            "VersionNT >= 601\t[ProductName] requires Windows 7 or later.",
            "VersionNT64\t[ProductName] requires 64-bit Windows.",
            "Privileged\t[ProductName] must be installed by an administrator.",
            "NOT WSPACK_NEWER_FOUND OR NOT WSPACK_INSTALLED_VERSION\t[ProductName] [WSPACK_INSTALLED_VERSION] is already installed, which is newer than this package ([ProductVersion]). To install [ProductVersion], uninstall [WSPACK_INSTALLED_VERSION] first in Programs and Features.",
            "NOT WSPACK_NEWER_FOUND OR WSPACK_INSTALLED_VERSION\tA newer version of [ProductName] is already installed. To install [ProductVersion], uninstall it first in Programs and Features.",
        ]),
    );
}

#[test]
fn sequences_searches_and_custom_actions() {
    let (_dir, path, _) = setup(0);
    let p = path.as_path();
    let seq_header = |t: &'static str| -> [&'static str; 3] {
        ["Action\tCondition\tSequence", "s72\tS255\tI2", t]
    };
    let seq = |list: &[(&str, i32)]| -> Vec<String> {
        list.iter().map(|(a, n)| format!("{a}\t\t{n}")).collect()
    };
    expect_table(
        p,
        "InstallExecuteSequence",
        seq_header("InstallExecuteSequence\tAction"),
        &[
            rows(&[RESTORE_ROW]),
            seq(&[
                ("FindRelatedProducts", 25),
                ("AppSearch", 50),
                ("LaunchConditions", 100),
                ("ValidateProductID", 700),
                ("CostInitialize", 800),
                ("FileCost", 900),
                ("CostFinalize", 1000),
                ("MigrateFeatureStates", 1200),
                ("InstallValidate", 1400),
                ("InstallInitialize", 1500),
                ("RemoveExistingProducts", 1501),
                ("ProcessComponents", 1600),
                ("UnpublishFeatures", 1800),
                ("RemoveRegistryValues", 2600),
                ("RemoveFiles", 3500),
                ("RemoveFolders", 3600),
                ("CreateFolders", 3700),
                ("WriteRegistryValues", 5000),
                ("RegisterUser", 6000),
                ("RegisterProduct", 6100),
                ("PublishFeatures", 6300),
                ("PublishProduct", 6400),
                ("InstallFinalize", 6600),
            ]),
        ]
        .concat(),
    );
    expect_table(
        p,
        "InstallUISequence",
        seq_header("InstallUISequence\tAction"),
        &[
            seq(&[
                ("FindRelatedProducts", 25),
                ("AppSearch", 50),
                ("LaunchConditions", 100),
                ("ValidateProductID", 700),
                ("CostInitialize", 800),
                ("FileCost", 900),
                ("MigrateFeatureStates", 1200),
                ("ExecuteAction", 1300),
                ("ProgressDlg", 1299),
                ("FinishDlg", -1),
                ("UserExitDlg", -2),
                ("FatalErrorDlg", -3),
            ]),
            // The sidecar is judged missing only where SourceDir was known when
            // AppSearch ran; maintenance skips costing; the agent starts from the
            // Finish page.
            rows(&[
                RESTORE_ROW,
                "CostFinalize\tNOT Installed\t1000",
                "ResolveSource\tNOT Installed\t810",
                "WspackSetStartMedv\tSUPPRESSMEDVLAUNCH<>\"1\"\t52",
                "SidecarMissingDlg\tNOT Installed AND WspackPlan = \"missing\"\t1296",
                "WelcomeDlg\tNOT Installed AND NOT (WspackPlan = \"missing\")\t1297",
                "MaintenanceWelcomeDlg\tInstalled\t1298",
            ]),
        ]
        .concat(),
    );
    // The agent is found where MED-V 2.0 installs it, and started without waiting.
    expect_table(
        p,
        "AppSearch",
        [
            "Property\tSignature_",
            "s72\ts72",
            "AppSearch\tProperty\tSignature_",
        ],
        &rows(&[
            "MEDVHOSTEXE\tMedvHostExe",
            "WSPACK_INSTALLED_VERSION\tSavedVersion",
            "WSPACK_SAVEDDIR\tSavedInstallDir",
            "WSPACK_VHD_FOUND\tWspackExistingVhd",
        ]),
    );
    // INSTALLDIR comes back from the registry (64-bit view, only if the folder exists).
    expect_table(
        p,
        "RegLocator",
        [
            "Signature_\tRoot\tKey\tName\tType",
            "s72\ti2\ts255\tS255\tI2",
            "RegLocator\tSignature_",
        ],
        &rows(&[
            "SavedInstallDir\t2\tSOFTWARE\\wspack\\Workspaces\\contoso-fin\tInstallDir\t16",
            // The installed version, as it is (2), for the downgrade message.
            "SavedVersion\t2\tSOFTWARE\\wspack\\Workspaces\\contoso-fin\tVersion\t18",
        ]),
    );
    expect_table(
        p,
        "DrLocator",
        [
            "Signature_\tParent\tPath\tDepth",
            "s72\tS72\tS255\tI2",
            "DrLocator\tSignature_\tParent\tPath",
        ],
        &rows(&[
            "MedvHostExe\t\t[ProgramFiles64Folder]Microsoft Enterprise Desktop Virtualization\t0",
            "WspackExistingVhd\t\t[CommonAppDataFolder]Microsoft\\Medv\\Workspace\t0",
        ]),
    );
    expect_table(
        p,
        "Signature",
        [
            "Signature\tFileName\tMinVersion\tMaxVersion\tMinSize\tMaxSize\tMinDate\tMaxDate\tLanguages",
            "s72\ts255\tS20\tS20\tI4\tI4\tI4\tI4\tS255",
            "Signature\tSignature",
        ],
        &rows(&[
            "MedvHostExe\tMedvHost.exe\t\t\t\t\t\t\t",
            "WspackExistingVhd\tCONT~FDD.VHD|contoso-fin.vhd\t\t\t\t\t\t\t",
        ]),
    );
    expect_table(
        p,
        "CustomAction",
        [
            "Action\tType\tSource\tTarget",
            "s72\ti2\tS72\tS255",
            "CustomAction\tAction",
        ],
        &rows(&[
            "LaunchMedvHost\t242\tMEDVHOSTEXE\t",
            "RestoreInstallDir\t51\tINSTALLDIR\t[WSPACK_SAVEDDIR]",
            "WspackSetVhdTarget\t51\tWspackVhdTarget\t[INSTALLDIR][WspackVhdName]",
            "WspackSetStartMedv\t51\tWspackStartMedv\t1",
        ]),
    );
    expect_table(
        p,
        "AdminExecuteSequence",
        seq_header("AdminExecuteSequence\tAction"),
        &seq(&[
            ("CostInitialize", 800),
            ("FileCost", 900),
            ("CostFinalize", 1000),
            ("InstallValidate", 1400),
            ("InstallInitialize", 1500),
            ("InstallAdminPackage", 3900),
            ("InstallFiles", 4000),
            ("InstallFinalize", 6600),
        ]),
    );
    expect_table(
        p,
        "AdvtExecuteSequence",
        seq_header("AdvtExecuteSequence\tAction"),
        &seq(&[
            ("CostInitialize", 800),
            ("CostFinalize", 1000),
            ("InstallValidate", 1400),
            ("InstallInitialize", 1500),
            ("PublishFeatures", 6300),
            ("PublishProduct", 6400),
            ("InstallFinalize", 6600),
        ]),
    );
}

#[test]
fn validation_describes_every_column() {
    let (_dir, path, _) = setup(0);
    let p = path.as_path();
    // _Validation describes every column of every table.
    let validation = export(p, "_Validation");
    let tables = msiinfo(&["tables", p.to_str().unwrap()]);
    for table in tables.lines().filter(|t| !t.starts_with('_')) {
        let header = msiinfo(&["export", p.to_str().unwrap(), table]);
        for column in header.lines().next().unwrap().split('\t') {
            assert!(
                validation
                    .iter()
                    .any(|l| l.starts_with(&format!("{table}\t{column}\t"))),
                "_Validation has no row for {table}.{column}"
            );
        }
    }
    assert!(validation.contains(&"Registry\tValue\tY\t\t\t\t\tFormatted\t\t".to_string()));
    assert!(validation.contains(&"Upgrade\tUpgradeCode\tN\t\t\t\t\tGUID\t\t".to_string()));
}

#[test]
fn rebuilds_are_byte_identical() {
    let policy = support::sample_policy(0);
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.msi");
    let b = dir.path().join("b.msi");
    let codes_a = msi::write(&support::sample_spec(&policy), &a).unwrap();
    // A wall-clock timestamp anywhere (summary, compound-file directory) would show here.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let codes_b = msi::write(&support::sample_spec(&policy), &b).unwrap();
    assert_eq!(codes_a, codes_b);
    let bytes = std::fs::read(&a).unwrap();
    assert!(bytes == std::fs::read(&b).unwrap(), "two builds differ");

    // The in-memory writer gives the same bytes.
    let (codes_c, cursor) = msi::write_to(
        &support::sample_spec(&policy),
        std::io::Cursor::new(Vec::new()),
    )
    .unwrap();
    assert_eq!(codes_c, codes_a);
    assert!(cursor.into_inner() == bytes, "write_to differs from write");

    // Same version, new disk: same ProductCode and UpgradeCode, new PackageCode.
    let mut spec = support::sample_spec(&policy);
    spec.disk_sha256 = "cd".repeat(32);
    let (codes_d, _) = msi::write_to(&spec, std::io::Cursor::new(Vec::new())).unwrap();
    assert_eq!(codes_d.product_code, codes_a.product_code);
    assert_eq!(codes_d.upgrade_code, codes_a.upgrade_code);
    assert_ne!(codes_d.package_code, codes_a.package_code);

    // Another build time: another PackageCode.
    let mut spec = support::sample_spec(&policy);
    spec.build_time += std::time::Duration::from_secs(1);
    let (codes_e, _) = msi::write_to(&spec, std::io::Cursor::new(Vec::new())).unwrap();
    assert_ne!(codes_e.package_code, codes_a.package_code);

    // A new version: new ProductCode, same UpgradeCode.
    let newer = support::sample_policy(1);
    let codes_f = msi::codes(&newer);
    assert_ne!(codes_f.product_code, codes_a.product_code);
    assert_eq!(codes_f.upgrade_code, codes_a.upgrade_code);
}

#[test]
fn codes_are_derived_and_pinned() {
    let mut policy = support::sample_policy(0);
    let codes = msi::codes(&policy);
    // Pinned: changing the derivation would orphan every installed workspace.
    assert_eq!(
        msi::codes::guid(codes.upgrade_code),
        "{8EECFDB2-7548-54D2-98BF-0972B29A08B1}"
    );
    assert_eq!(
        msi::codes::guid(codes.product_code),
        "{04DD9197-0A39-56F2-8ED0-C3E33BB8C190}"
    );
    // The internal name's case does not matter (Windows file names ignore it).
    policy.workspace.internal_name = "Contoso-FIN".into();
    assert_eq!(msi::codes(&policy).upgrade_code, codes.upgrade_code);
    let d = msi::deployment(&policy);
    assert_eq!(d.msi_file_name, "Contoso-FIN.msi");
    assert_eq!(d.install_command, r#"msiexec /i "Contoso-FIN.msi" /qn"#);
    assert_eq!(
        d.uninstall_command,
        "msiexec /x {04DD9197-0A39-56F2-8ED0-C3E33BB8C190} /qn"
    );
    // A pinned upgrade code wins.
    let pinned = uuid::Uuid::parse_str("6f1e1b2a-0000-4000-8000-000000000001").unwrap();
    policy.workspace.upgrade_code = Some(pinned);
    assert_eq!(msi::codes(&policy).upgrade_code, pinned);
}

#[test]
fn runtime_rows_are_added() {
    let policy = support::sample_policy(0);
    let dll: Vec<u8> = (0..70_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let rt = RuntimeRows {
        binaries: vec![("WspackRuntime".into(), dll.clone())],
        custom_actions: vec![
            CustomActionRow {
                action: "StageVhd".into(),
                type_: 3073,
                source: Some("WspackRuntime".into()),
                target: Some("StageVhd".into()),
            },
            CustomActionRow {
                action: "SetStageVhdData".into(),
                type_: 51,
                source: Some("StageVhd".into()),
                target: Some("dst=[INSTALLDIR];src=[OriginalDatabase]".into()),
            },
        ],
        execute_sequence: vec![
            SequenceRow {
                action: "SetStageVhdData".into(),
                condition: Some("NOT REMOVE".into()),
                sequence: 5001,
            },
            SequenceRow {
                action: "StageVhd".into(),
                condition: Some("NOT REMOVE".into()),
                sequence: 5002,
            },
        ],
        ui_sequence: vec![],
    };
    let mut spec = support::sample_spec(&policy);
    spec.runtime = Some(&rt);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rt.msi");
    msi::write(&spec, &path).unwrap();
    let p = path.to_str().unwrap();
    let tables = msiinfo(&["tables", p]);
    assert!(tables.lines().any(|t| t == "Binary") && tables.lines().any(|t| t == "CustomAction"));
    expect_table(
        &path,
        "CustomAction",
        [
            "Action\tType\tSource\tTarget",
            "s72\ti2\tS72\tS255",
            "CustomAction\tAction",
        ],
        &rows(&[
            "LaunchMedvHost\t242\tMEDVHOSTEXE\t",
            "RestoreInstallDir\t51\tINSTALLDIR\t[WSPACK_SAVEDDIR]",
            "WspackSetVhdTarget\t51\tWspackVhdTarget\t[INSTALLDIR][WspackVhdName]",
            "WspackSetStartMedv\t51\tWspackStartMedv\t1",
            "StageVhd\t3073\tWspackRuntime\tStageVhd",
            "SetStageVhdData\t51\tStageVhd\tdst=[INSTALLDIR];src=[OriginalDatabase]",
        ]),
    );
    let seq = export(&path, "InstallExecuteSequence");
    assert!(
        seq.contains(&"StageVhd\tNOT REMOVE\t5002".to_string()),
        "{seq:?}"
    );
    assert_eq!(msiinfo_bytes(&["extract", p, "Binary.WspackRuntime"]), dll);
    let inspection = msi::inspect(&path).unwrap();
    assert!(inspection.disk.staged_by_msi);
    assert!(inspection
        .to_string()
        .contains("staged by the StageVhd custom action"));
}

#[test]
fn inspect_reads_back_what_was_written() {
    let (dir, path, codes) = setup(0);
    let policy = support::sample_policy(0);
    // A folder with one .msi works like the .msi itself.
    let inspection = msi::inspect(dir.path()).expect("inspect OUTDIR");
    assert_eq!(inspection.path, path);
    assert_eq!(inspection.product_name, "MED-V Workspace - Contoso Finance");
    assert_eq!(inspection.product_version, "1.0.0");
    assert_eq!(inspection.manufacturer, "Contoso Ltd.");
    assert_eq!(
        inspection.product_code,
        msi::codes::guid(codes.product_code)
    );
    assert_eq!(
        inspection.upgrade_code,
        msi::codes::guid(codes.upgrade_code)
    );
    assert_eq!(
        inspection.package_code.as_deref(),
        Some(msi::codes::guid(codes.package_code).as_str())
    );
    assert_eq!(inspection.summary.template, "x64;1033");
    assert_eq!(
        (
            inspection.summary.database_codepage,
            inspection.summary.codepage
        ),
        (1252, 1252)
    );
    assert_eq!(inspection.summary.page_count, Some(200));
    assert_eq!(inspection.disk.size, Some(3 * (1 << 30) + 12_345));
    assert_eq!(inspection.disk.reserved_bytes, 3 * (1 << 30) + 12_345);
    assert_eq!(
        inspection.disk.sha256.as_deref(),
        Some("ab".repeat(32).as_str())
    );
    assert_eq!(inspection.disk.sidecar.as_deref(), Some("contoso-fin.medv"));
    assert!(!inspection.disk.staged_by_msi);
    // Every registry value, typed, in contract order.
    let got: Vec<(String, String, RegData)> = inspection
        .registry
        .iter()
        .map(|v| {
            assert_eq!(v.root, "HKLM");
            (
                v.key.clone(),
                v.name.clone(),
                v.data.clone().expect("decodable"),
            )
        })
        .collect();
    let want: Vec<(String, String, RegData)> = policy
        .values
        .iter()
        .map(|v| (v.full_key(), v.name.to_string(), v.data.clone()))
        .collect();
    assert_eq!(got, want);
    let installdir = &inspection.install_properties[0];
    assert_eq!(installdir.name, "INSTALLDIR");
    assert_eq!(
        installdir.default.as_deref(),
        Some(r"[CommonAppDataFolder]Microsoft\Medv\Workspace")
    );
    assert!(inspection.install_properties.iter().all(|p| p.secure));
    assert_eq!(inspection.launch_conditions.len(), 5);

    // Text and JSON through the real binary.
    let out = Command::new(env!("CARGO_BIN_EXE_wspack"))
        .args(["inspect", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "MED-V Workspace - Contoso Finance 1.0.0",
        r"HKLM\SOFTWARE\Microsoft\Medv\v2\VM",
        "Memory                             REG_DWORD    0x00000300 (768)",
        r##"ComputerNameMask                   REG_SZ       "#%username%-[3]*""##,
        r#"LogFilePaths                       REG_MULTI_SZ "C:\Logs\fts.log""#,
        r#"RedirectUrls                       REG_MULTI_SZ "*.contoso.com" "http://intranet.contoso.com/apps/*" "https://www.contoso.com/a/*""#,
        "versions < 1.0.0: removed (major upgrade), sets WSPACK_UPGRADE",
        "versions > 1.0.0: detected, not removed, sets WSPACK_NEWER_FOUND",
        "NOT staged: this MSI has no staging custom action",
        "VersionNT >= 601",
    ] {
        assert!(text.contains(needle), "no {needle:?} in:\n{text}");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_wspack"))
        .args(["inspect", dir.path().to_str().unwrap(), "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["product_version"], "1.0.0");
    assert_eq!(json["disk"]["size"], 3 * (1u64 << 30) + 12_345);
    assert_eq!(json["disk"]["staged_by_msi"], false);
    assert_eq!(json["summary"]["creation_time"], "2023-11-14T22:13:20Z");
    let redirect = json["registry"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "RedirectUrls")
        .unwrap();
    assert_eq!(redirect["type"], "REG_MULTI_SZ");
    assert_eq!(redirect["data"][1], "http://intranet.contoso.com/apps/*");
}

#[test]
fn inspect_refuses_what_is_not_one_msi() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_wspack"))
        .args(["inspect", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.starts_with("error: no .msi file in: "), "{err}");
    assert!(err.contains("help: "), "{err}");

    let not_msi = dir.path().join("x.msi");
    std::fs::write(&not_msi, b"not a compound file").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_wspack"))
        .args(["inspect", not_msi.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .starts_with("error: can't read MSI: "));
}

#[test]
fn text_outside_windows_1252_is_refused_by_field() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.msi");

    let mut policy = support::sample_policy(0);
    policy.workspace.name = "経理ワークスペース".into();
    let err = msi::write(&support::sample_spec(&policy), &out).unwrap_err();
    assert_eq!(err.exit_code(), 2);
    assert_eq!(
        err.to_string(),
        "workspace.name = \"経理ワークスペース\": '経' can't be written in an MSI with codepage Windows-1252"
    );
    assert!(err.help().unwrap().contains("Windows-1252"));
    assert!(!out.exists(), "no file is written for invalid input");

    let mut policy = support::sample_policy(0);
    for v in &mut policy.values {
        if v.name == "StartDialogMsg" {
            v.data = RegData::MultiSz(vec!["ok".into(), "Привет".into()]);
        }
    }
    let err = msi::write(&support::sample_spec(&policy), &out).unwrap_err();
    assert_eq!(err.exit_code(), 2);
    assert!(
        err.to_string()
            .starts_with(r#"registry value Fts\StartDialogMsg = "Привет": 'П'"#),
        "{err}"
    );

    // An empty line in a REG_MULTI_SZ would end the list early.
    let mut policy = support::sample_policy(0);
    for v in &mut policy.values {
        if v.name == "StartDialogMsg" {
            v.data = RegData::MultiSz(vec!["one".into(), "".into(), "three".into()]);
        }
    }
    let err = msi::write(&support::sample_spec(&policy), &out).unwrap_err();
    assert_eq!(err.exit_code(), 2);
    assert_eq!(
        err.to_string(),
        r"registry value Fts\StartDialogMsg: a REG_MULTI_SZ value can't hold an empty string"
    );

    // Western European text beyond ASCII is fine.
    let mut policy = support::sample_policy(0);
    policy.workspace.manufacturer = "Société Générale – Zürich".into();
    let spec: PackageSpec = support::sample_spec(&policy);
    msi::write(&spec, &out).expect("Windows-1252 text is accepted");
    assert_eq!(
        msi::inspect(&out).unwrap().manufacturer,
        "Société Générale – Zürich"
    );
}
