//! `wspack validate` through the real binary: clean on wspack's own MSI and on
//! MSIs that msitools' `wixl` builds, and each error seeded into a copy with
//! msitools' `msibuild -q` is named by its ICE number, table and row.

mod support;

use support::ok;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const WSPACK: &str = env!("CARGO_BIN_EXE_wspack");
const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/contoso");

/// `wspack validate [--json] MSI`: (exit code, stdout, stderr).
fn validate(msi: &Path, json: bool) -> (i32, String, String) {
    let mut cmd = Command::new(WSPACK);
    cmd.arg("validate").arg(msi);
    if json {
        cmd.arg("--json");
    }
    let out = cmd.output().expect("run wspack validate");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Builds the example workspace into `dir/out`; returns its MSI.
fn example_msi(dir: &Path) -> PathBuf {
    let out = dir.join("out");
    ok(Command::new(WSPACK)
        .arg("build")
        .arg(Path::new(EXAMPLE).join("workspace.toml"))
        .arg("-o")
        .arg(&out)
        .arg("--quiet")
        .env("SOURCE_DATE_EPOCH", "1700000000"));
    out.join("contoso.msi")
}

#[test]
fn our_own_msi_is_clean() {
    let dir = tempfile::tempdir().unwrap();
    let msi = example_msi(dir.path());
    let (code, stdout, stderr) = validate(&msi, false);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.ends_with(": 0 error(s), 0 warning(s)\n"), "{stdout}");
    let (code, stdout, _) = validate(&msi, true);
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["errors"], 0);
    assert_eq!(json["findings"], serde_json::json!([]));
}

/// A small per-machine x64 product for wixl: one file, one registry value.
fn wxs(dir_name: &str, file_name: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
  <Product Id="*" Name="Wixl Sample" Language="1033" Version="1.2.3" Manufacturer="Example"
           UpgradeCode="{{11111111-2222-3333-4444-555555555555}}">
    <Package InstallerVersion="200" Compressed="yes" InstallScope="perMachine"/>
    <Media Id="1" Cabinet="data.cab" EmbedCab="yes"/>
    <Directory Id="TARGETDIR" Name="SourceDir">
      <Directory Id="ProgramFiles64Folder">
        <Directory Id="INSTALLDIR" Name="{dir_name}">
          <Component Id="Main" Guid="{{AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE}}" Win64="yes">
            <File Id="Readme" Name="{file_name}" Source="readme.txt" KeyPath="yes"/>
            <RegistryValue Root="HKLM" Key="Software\Example\Wixl" Name="Version"
                           Type="string" Value="1.2.3"/>
          </Component>
        </Directory>
      </Directory>
    </Directory>
    <Feature Id="Complete" Level="1"><ComponentRef Id="Main"/></Feature>
  </Product>
</Wix>
"#
    )
}

fn wixl(dir: &Path, name: &str, source: &str) -> PathBuf {
    support::require_tool("wixl", "wixl");
    fs::write(dir.join("readme.txt"), "hello\n").unwrap();
    let wxs_path = dir.join(format!("{name}.wxs"));
    fs::write(&wxs_path, source).unwrap();
    let msi = dir.join(format!("{name}.msi"));
    ok(Command::new("wixl")
        .args(["-a", "x64", "-o"])
        .arg(&msi)
        .arg(&wxs_path)
        .current_dir(dir));
    msi
}

#[test]
fn msis_from_wixl_are_read_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    let clean = wixl(dir.path(), "clean", &wxs("WixlApp", "readme.txt"));
    let (code, stdout, stderr) = validate(&clean, false);
    assert_eq!(code, 0, "{stdout}{stderr}");

    // wixl writes long names without a short name, which ICE03 refuses.
    let long = wixl(dir.path(), "long", &wxs("WixlApp", "readme-long-name.txt"));
    let (code, stdout, stderr) = validate(&long, false);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        stdout.contains("ICE03 error: File row 'Readme': FileName: 'readme-long-name.txt'"),
        "{stdout}"
    );
    assert!(
        stdout.ends_with("long.msi: 1 error(s), 0 warning(s)\n"),
        "{stdout}"
    );
    assert!(stderr.is_empty(), "{stderr}");
}

/// A copy of `msi` with `sql` run on it by msitools' msibuild.
fn seeded(msi: &Path, name: &str, sql: &str) -> PathBuf {
    support::require_tool("msibuild", "msitools");
    let copy = msi.with_file_name(format!("{name}.msi"));
    fs::copy(msi, &copy).unwrap();
    ok(Command::new("msibuild").arg(&copy).arg("-q").arg(sql));
    copy
}

/// The ComponentId of the example's one component.
fn component_guid(msi: &Path) -> String {
    let out = ok(Command::new("msiinfo")
        .arg("export")
        .arg(msi)
        .arg("Component"));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let row = text
        .lines()
        .find(|l| l.starts_with("WorkspacePolicy\t"))
        .unwrap_or_else(|| panic!("no WorkspacePolicy component: {text}"));
    row.split('\t').nth(1).unwrap().to_string()
}

#[test]
fn seeded_errors_are_named_by_their_ice() {
    let dir = tempfile::tempdir().unwrap();
    let msi = example_msi(dir.path());
    let guid = component_guid(&msi);
    let long_name = "A".repeat(70);
    let cases = [
        (
            "long-removefile",
            "UPDATE `RemoveFile` SET `FileName`='contoso.vhd.wspack-journal' \
             WHERE `FileKey`='RemoveFileVhdJournal'"
                .to_string(),
            "ICE03 error: RemoveFile row 'RemoveFileVhdJournal': FileName:",
        ),
        (
            "missing-component",
            "INSERT INTO `Registry` (`Registry`,`Root`,`Key`,`Name`,`Value`,`Component_`) \
             VALUES ('Seeded',2,'Software\\Seeded','x','1','NoSuchComponent')"
                .to_string(),
            "ICE03 error: Registry row 'Seeded': Component_: 'NoSuchComponent' is not a valid foreign key",
        ),
        (
            "long-product-name",
            format!("UPDATE `Property` SET `Value`='{long_name}' WHERE `Property`='ProductName'"),
            "ICE16 error: Property row 'ProductName': ProductName is 70 characters long",
        ),
        (
            "duplicate-guid",
            format!(
                "INSERT INTO `Component` (`Component`,`ComponentId`,`Directory_`,`Attributes`) \
                 VALUES ('Second','{guid}','INSTALLDIR',256)"
            ),
            "ICE08 error: Component row 'Second': ComponentId",
        ),
        (
            "bad-action-type",
            "UPDATE `CustomAction` SET `Type`=1027 WHERE `Action`='StageVhdTicks'".to_string(),
            "ICE68 error: CustomAction row 'StageVhdTicks': invalid custom action type 1027",
        ),
        (
            "unknown-action",
            "INSERT INTO `InstallExecuteSequence` (`Action`,`Sequence`) VALUES ('NoSuchAction',6550)"
                .to_string(),
            "ICE27 error: InstallExecuteSequence row 'NoSuchAction': unknown action",
        ),
        (
            "keypath-elsewhere",
            "UPDATE `Component` SET `KeyPath`='NoSuchRow' WHERE `Component`='WorkspacePolicy'"
                .to_string(),
            "ICE02 error: Component row 'WorkspacePolicy': the key path 'NoSuchRow' is not a row",
        ),
        (
            "folder-after-costfinalize",
            "UPDATE `InstallExecuteSequence` SET `Sequence`=1100 WHERE `Action`='RestoreInstallDir'"
                .to_string(),
            "ICE12 error: InstallExecuteSequence row 'RestoreInstallDir': sequence 1100 comes after CostFinalize",
        ),
        (
            "bad-product-version",
            "UPDATE `Property` SET `Value`='300.0.0' WHERE `Property`='ProductVersion'".to_string(),
            "ICE24 error: Property row 'ProductVersion'",
        ),
        (
            "reserved-feature-bit",
            "UPDATE `Feature` SET `Attributes`=128 WHERE `Feature`='Workspace'".to_string(),
            "ICE45 error: Feature row 'Workspace': Attributes 128 sets reserved bits",
        ),
        (
            "removes-newer",
            format!(
                "INSERT INTO `Upgrade` (`UpgradeCode`,`VersionMax`,`Attributes`,`ActionProperty`) \
                 VALUES ('{UPGRADE_CODE}','2.0.0',1,'OLDER')"
            ),
            "ICE61 error: Upgrade row '{6F1B5C2E-8A43-4D3A-9E7B-2C1D0F4A5B6C}..2.0.0..1': \
             this product should remove only older versions of itself",
        ),
        (
            "misplaced-remove-existing",
            "UPDATE `InstallExecuteSequence` SET `Sequence`=3000 \
             WHERE `Action`='RemoveExistingProducts'"
                .to_string(),
            "ICE63 error: InstallExecuteSequence row 'RemoveExistingProducts': sequence 3000",
        ),
        (
            "deferred-before-initialize",
            "UPDATE `InstallExecuteSequence` SET `Sequence`=1450 WHERE `Action`='StageVhd'"
                .to_string(),
            "ICE77 error: InstallExecuteSequence row 'StageVhd': StageVhd is an in-script custom action",
        ),
        (
            "language-not-in-template",
            "UPDATE `Property` SET `Value`='1031' WHERE `Property`='ProductLanguage'".to_string(),
            "ICE80 error: Property row 'ProductLanguage': ProductLanguage 1031 is not in the Template",
        ),
    ];
    for (name, sql, expected) in &cases {
        let copy = seeded(&msi, name, sql);
        let (code, stdout, stderr) = validate(&copy, false);
        assert_eq!(code, 1, "{name}: {stdout}{stderr}");
        assert!(
            stdout.contains(expected),
            "{name}: want {expected:?} in\n{stdout}"
        );
        let (_, json, _) = validate(&copy, true);
        let json: serde_json::Value = serde_json::from_str(&json).unwrap();
        let ice: u64 = expected[3..5].parse().unwrap();
        assert!(
            json["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["ice"] == ice
                    && f["severity"] == "error"
                    && !f["table"].as_str().unwrap().is_empty()
                    && !f["message"].as_str().unwrap().is_empty()),
            "{name}: {json:#}"
        );
    }

    // A warning alone does not fail.
    let warnings = [
        (
            "duplicate-sequence",
            "UPDATE `InstallExecuteSequence` SET `Sequence`=6100 WHERE `Action`='RegisterUser'",
            "ICE82 warning: InstallExecuteSequence row",
        ),
        (
            "reinstallmode",
            "INSERT INTO `Property` (`Property`,`Value`) VALUES ('REINSTALLMODE','amus')",
            "ICE40 warning: Property row 'REINSTALLMODE'",
        ),
        (
            "property-case",
            "INSERT INTO `LaunchCondition` (`Condition`,`Description`) VALUES ('privileged','x')",
            "ICE46 warning: LaunchCondition row 'privileged': property 'privileged'",
        ),
    ];
    for (name, sql, expected) in warnings {
        let copy = seeded(&msi, name, sql);
        let (code, stdout, stderr) = validate(&copy, false);
        assert_eq!(code, 0, "{name}: {stdout}{stderr}");
        assert!(
            stdout.contains(expected),
            "{name}: want {expected:?} in\n{stdout}"
        );
        assert!(
            stdout.ends_with(": 0 error(s), 1 warning(s)\n"),
            "{name}: {stdout}"
        );
    }
}

/// The example's UpgradeCode (examples/contoso/workspace.toml).
const UPGRADE_CODE: &str = "{6F1B5C2E-8A43-4D3A-9E7B-2C1D0F4A5B6C}";

#[test]
fn a_file_that_is_not_an_msi_is_invalid_input() {
    let dir = tempfile::tempdir().unwrap();
    let bogus = dir.path().join("bogus.msi");
    fs::write(&bogus, b"not a compound file").unwrap();
    let (code, stdout, stderr) = validate(&bogus, false);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(stderr.contains("can't read MSI:"), "{stderr}");
    assert!(stderr.contains("bogus.msi"), "{stderr}");

    let (code, _, stderr) = validate(&dir.path().join("missing.msi"), false);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("can't open the MSI:") && stderr.contains("missing.msi"),
        "{stderr}"
    );
}
