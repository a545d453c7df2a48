//! setup.exe and the one-file `<internal_name>-setup.exe`, read by 7-Zip and run by Wine.
//!
//! - [`setup_exe_carries_version_manifest_and_icon`]: 7-Zip lists the resources of
//!   `templates/setup.exe` (what `wspack build` ships) and they say what they must.
//! - [`one_file_exe_stores_the_package_reproducibly`]: `--single-exe` appends a zip that
//!   7-Zip lists and tests, whose members are the MSI and the sidecar byte for byte.
//! - [`setup_exe_under_wine`]: setup.exe refuses a package without its sidecar before
//!   msiexec starts; the one-file EXE, alone in a folder, runs its MSI from a temporary
//!   folder it removes, and points the install at the sidecar's bytes inside itself;
//!   so does the same EXE signed with stock osslsigncode.

mod support;

use sha2::{Digest, Sha256};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use support::wine::{decode_log, Wine};

const WSPACK: &str = env!("CARGO_BIN_EXE_wspack");
const SETUP_EXE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/templates/setup.exe");
const ICON: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/runtime/res/wspack.ico");
const EXAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/examples/contoso/workspace.toml"
);
/// The example's internal name.
const NAME: &str = "contoso";

fn sha256(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// Runs 7-Zip; returns its stdout, failing the test on a non-zero exit.
fn seven_zip(args: &[&str]) -> Vec<u8> {
    support::require_tool("7z", "p7zip-full");
    let out = Command::new("7z").args(args).output().expect("run 7z");
    assert!(
        out.status.success(),
        "7z {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The version of the runtime crate (setup.exe's FileVersion), from runtime/Cargo.toml.
fn runtime_version() -> String {
    let toml =
        fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/runtime/Cargo.toml")).unwrap();
    let line = toml
        .lines()
        .find(|l| l.starts_with("version = "))
        .expect("runtime/Cargo.toml has a version");
    line.trim_start_matches("version = ")
        .trim_matches('"')
        .into()
}

#[test]
fn setup_exe_carries_version_manifest_and_icon() {
    let listing = String::from_utf8(seven_zip(&["l", SETUP_EXE])).unwrap();
    for name in [
        ".rsrc/version.txt",
        ".rsrc/MANIFEST/1",
        ".rsrc/ICON/1.ico",
        ".rsrc/GROUP_ICON/1",
    ] {
        assert!(listing.contains(name), "7z lists {name}:\n{listing}");
    }

    let version = String::from_utf16_lossy(
        &seven_zip(&["x", "-so", SETUP_EXE, ".rsrc/version.txt"])
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect::<Vec<_>>(),
    );
    let v = runtime_version();
    for line in [
        r#"VALUE "ProductName",       "wspack setup""#.to_string(),
        format!(r#"VALUE "FileVersion",       "{v}""#),
        format!(r#"VALUE "ProductVersion",    "{v}""#),
        format!("FILEVERSION    {},0", v.replace('.', ",")),
    ] {
        assert!(
            version.contains(&line),
            "version.txt has {line}:\n{version}"
        );
    }

    let manifest =
        String::from_utf8(seven_zip(&["x", "-so", SETUP_EXE, ".rsrc/MANIFEST/1"])).unwrap();
    for part in [
        r#"level="asInvoker""#,
        "{35138b9a-5d96-4fbd-8e2d-a2440225f93a}", // Windows 7
        "{4a2f28e3-53b9-4441-ba9c-d69d4a4a6e38}", // Windows 8
        "{1f676c76-80e1-4239-95bb-83d0f6d0da78}", // Windows 8.1
        "{8e0f7a12-bfb3-4fe8-b9a5-48fd50a15a9a}", // Windows 10 and 11
        ">true/pm</dpiAware>",
        ">PerMonitorV2, PerMonitor</dpiAwareness>",
    ] {
        assert!(
            manifest.contains(part),
            "the manifest has {part}:\n{manifest}"
        );
    }

    // 7-Zip gives each icon image as a one-image .ico: a 22-byte header, then the
    // image, which must be one of runtime/res/wspack.ico's.
    let icon = seven_zip(&["x", "-so", SETUP_EXE, ".rsrc/ICON/1.ico"]);
    let source = fs::read(ICON).unwrap();
    assert!(icon.len() > 22 + 40, "{} bytes", icon.len());
    assert!(
        source.windows(icon.len() - 22).any(|w| w == &icon[22..]),
        "ICON/1 is an image of {ICON}"
    );
}

/// `wspack build EXAMPLE -o OUT --single-exe`; returns OUT.
fn build_single_exe(out: &Path) -> PathBuf {
    let run = Command::new(WSPACK)
        .args(["build", EXAMPLE, "--single-exe", "--quiet", "-o"])
        .arg(out)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .expect("run wspack build");
    assert!(
        run.status.success(),
        "wspack build --single-exe: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    out.join(format!("{NAME}-setup.exe"))
}

#[test]
fn one_file_exe_stores_the_package_reproducibly() {
    let dir = tempfile::tempdir().unwrap();
    let exe = build_single_exe(&dir.path().join("a"));
    let again = build_single_exe(&dir.path().join("b"));
    let bytes = fs::read(&exe).unwrap();
    assert_eq!(
        sha256(&bytes),
        sha256(&fs::read(&again).unwrap()),
        "same inputs, same bytes"
    );
    assert!(
        bytes.starts_with(&fs::read(SETUP_EXE).unwrap()),
        "setup.exe first"
    );

    let exe_arg = exe.to_str().unwrap();
    let listing = String::from_utf8(seven_zip(&["l", "-slt", exe_arg])).unwrap();
    assert!(listing.contains("Type = zip"), "{listing}");
    assert_eq!(listing.matches("Method = Store").count(), 2, "{listing}");
    seven_zip(&["t", exe_arg]);
    for member in [format!("{NAME}.msi"), format!("{NAME}.medv")] {
        let stored = seven_zip(&["x", "-so", exe_arg, &member]);
        let beside = fs::read(dir.path().join("a").join(&member)).unwrap();
        assert!(stored == beside, "{member} is stored byte for byte");
    }

    // The manifest lists the EXE like every other output.
    let manifest = fs::read_to_string(dir.path().join(format!("a/{NAME}.json"))).unwrap();
    assert!(
        manifest.contains(&format!("\"{NAME}-setup.exe\"")) && manifest.contains(&sha256(&bytes)),
        "{manifest}"
    );
    let verify = Command::new(WSPACK)
        .args(["verify", "--quiet"])
        .arg(dir.path().join("a"))
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "wspack verify: {}",
        String::from_utf8_lossy(&verify.stderr)
    );
}

/// Runs `wine EXE ARGS /l*v LOG` in `dir`; returns the exit code, stderr and the
/// installer log ("" when msiexec never started).
fn run_exe(wine: &Wine, dir: &Path, exe: &str, args: &[&str]) -> (Option<i32>, String, String) {
    let log = wine.prefix().join("setup.log");
    let _ = fs::remove_file(&log);
    let out = wine
        .command("wine")
        .current_dir(dir)
        .arg(wine.win_path(&dir.join(exe)))
        .args(args)
        .arg("/l*v")
        .arg(wine.win_path(wine.prefix()) + "\\setup.log")
        .stdout(Stdio::null())
        .output()
        .expect("run wine");
    wine.wait();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let log = decode_log(&fs::read(&log).unwrap_or_default());
    (out.status.code(), stderr, log)
}

/// The value msiexec's verbose log gives a property (`Property(S): NAME = value`).
fn property(log: &str, name: &str) -> Option<String> {
    let prefix = format!("Property(S): {name} = ");
    log.lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix(&prefix))
        .map(str::to_string)
}

/// Folders named `wspack-setup-*` anywhere under the prefix's user folders.
fn unpack_folders(wine: &Wine) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![wine.drive_c().join("users")];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if entry.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                if entry
                    .file_name()
                    .to_string_lossy()
                    .starts_with("wspack-setup-")
                {
                    found.push(path.clone());
                }
                stack.push(path);
            }
        }
    }
    found
}

#[test]
fn setup_exe_under_wine() {
    let dir = tempfile::tempdir().unwrap();
    let exe = build_single_exe(&dir.path().join("out"));
    let out = dir.path().join("out");
    let wine = Wine::new();

    // The MSI and setup.exe without the sidecar: setup.exe says so and msiexec never runs.
    let missing = dir.path().join("missing");
    fs::create_dir(&missing).unwrap();
    for f in [format!("{NAME}.msi"), "setup.exe".into()] {
        fs::copy(out.join(&f), missing.join(&f)).unwrap();
    }
    let (code, stderr, log) = run_exe(&wine, &missing, "setup.exe", &["/qn"]);
    let folder = wine.win_path(&missing);
    assert!(
        stderr.contains(&format!(
            "contoso.medv must be in the same folder as contoso.msi ({folder}). \
             Copy both files together and run setup again."
        )),
        "stderr: {stderr}"
    );
    // 1603; a Unix exit status keeps its low 8 bits.
    assert_eq!(code, Some(1603 & 0xff));
    assert_eq!(log, "", "msiexec did not start");

    // The one-file EXE alone in an empty folder, as built and signed.
    let sidecar = fs::read(out.join(format!("{NAME}.medv"))).unwrap();
    runs_alone(&wine, &exe, &dir.path().join("alone"), &sidecar);
    let signed = sign(&exe, dir.path());
    runs_alone(&wine, &signed, &dir.path().join("alone-signed"), &sidecar);
}

/// Signs `exe` with stock osslsigncode and a throwaway certificate; checks the
/// signature and that 7-Zip still lists the package; returns the signed copy.
fn sign(exe: &Path, dir: &Path) -> PathBuf {
    support::require_tool("openssl", "openssl");
    support::require_tool("osslsigncode", "osslsigncode");
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    support::ok(
        Command::new("openssl")
            .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes"])
            .args(["-subj", "/CN=wspack-test", "-days", "1"])
            .args(["-addext", "extendedKeyUsage=codeSigning", "-keyout"])
            .arg(&key)
            .arg("-out")
            .arg(&cert),
    );
    let signed = dir.join("signed").join(exe.file_name().unwrap());
    fs::create_dir_all(signed.parent().unwrap()).unwrap();
    support::ok(
        Command::new("osslsigncode")
            .arg("sign")
            .arg("-certs")
            .arg(&cert)
            .arg("-key")
            .arg(&key)
            .arg("-in")
            .arg(exe)
            .arg("-out")
            .arg(&signed),
    );
    support::ok(
        Command::new("osslsigncode")
            .arg("verify")
            .arg("-CAfile")
            .arg(&cert)
            .arg("-in")
            .arg(&signed),
    );
    let listing = String::from_utf8(seven_zip(&["l", signed.to_str().unwrap()])).unwrap();
    assert!(listing.contains(&format!("{NAME}.medv")), "{listing}");
    signed
}

/// Runs the one-file `exe` with `/qn`, copied alone into the new folder `alone`:
/// msiexec runs its MSI from a temporary folder that is gone afterwards, and the
/// install is told where `sidecar`'s bytes are inside the EXE.
fn runs_alone(wine: &Wine, exe: &Path, alone: &Path, sidecar: &[u8]) {
    fs::create_dir(alone).unwrap();
    let exe_name = exe.file_name().unwrap().to_str().unwrap().to_string();
    fs::copy(exe, alone.join(&exe_name)).unwrap();
    let (_, _, log) = run_exe(wine, alone, &exe_name, &["/qn"]);
    assert!(
        log.contains("Property(S): WspackSidecar"),
        "msiexec ran:\n{log}"
    );
    // WSPACK_SIDECAR = <offset>:<length>:<the EXE's path>
    let window = property(&log, "WSPACK_SIDECAR").unwrap_or_default();
    let mut parts = window.splitn(3, ':');
    let mut number = || -> usize {
        parts
            .next()
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("WSPACK_SIDECAR = {window:?} in the log:\n{log}"))
    };
    let (offset, length) = (number(), number());
    assert_eq!(
        parts.next(),
        Some(wine.win_path(&alone.join(&exe_name)).as_str()),
        "WSPACK_SIDECAR names the EXE"
    );
    let bytes = fs::read(exe).unwrap();
    assert!(
        bytes.get(offset..offset + length) == Some(sidecar),
        "the window {offset}+{length} of {} is the sidecar",
        exe.display()
    );
    // The disk was staged bit for bit from the bytes inside the EXE.
    let staged = wine
        .drive_c()
        .join(format!("ProgramData/Microsoft/Medv/Workspace/{NAME}.vhd"));
    let guest = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/contoso/guest.vhd");
    assert_eq!(
        sha256(&fs::read(&staged).unwrap_or_default()),
        sha256(&fs::read(guest).unwrap()),
        "the staged disk is the example's:\n{log}"
    );
    // Uninstall, so that the next run starts from a machine without the workspace.
    let product_code = property(&log, "ProductCode").expect("ProductCode in the log");
    let removed = wine.msiexec(&["/x", &product_code, "/qn"]);
    assert!(removed.log_says_success(), "{}", removed.log);
    assert!(!staged.exists(), "uninstall removed the disk");
    assert_eq!(
        unpack_folders(wine),
        Vec::<PathBuf>::new(),
        "temporary MSI removed"
    );
    let left: Vec<_> = fs::read_dir(alone)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(
        left,
        vec![std::ffi::OsString::from(&exe_name)],
        "nothing written beside it"
    );
}
