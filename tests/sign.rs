//! Authenticode on Linux: stock `osslsigncode` signs and verifies our MSI with a
//! throwaway code-signing certificate made by `openssl`, msitools still reads the
//! signed MSI, and the signed MSI installs under Wine with the disk staged
//! bit-identical. A missing tool fails the test with the package to install.

mod support;

use support::{ok, sha256_file as sha256};

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::wine::Wine;

const WSPACK: &str = env!("CARGO_BIN_EXE_wspack");
const EPOCH: &str = "1700000000";
const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/contoso");

/// A throwaway self-signed code-signing certificate: PEM cert and key, and a PKCS#12
/// bundle of both protected by [`Cert::PASSWORD`].
struct Cert {
    dir: tempfile::TempDir,
}

impl Cert {
    const PASSWORD: &'static str = "correct horse battery staple";

    fn new() -> Cert {
        support::require_tool("openssl", "openssl");
        support::require_tool("osslsigncode", "osslsigncode");
        let dir = tempfile::Builder::new()
            .prefix("wspack-cert-")
            .tempdir()
            .unwrap();
        let cert = Cert { dir };
        ok(Command::new("openssl")
            .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes"])
            .args(["-subj", "/CN=wspack-test", "-days", "1"])
            .args(["-addext", "extendedKeyUsage=codeSigning"])
            .arg("-keyout")
            .arg(cert.key())
            .arg("-out")
            .arg(cert.pem()));
        ok(Command::new("openssl")
            .args(["pkcs12", "-export", "-inkey"])
            .arg(cert.key())
            .arg("-in")
            .arg(cert.pem())
            .arg("-out")
            .arg(cert.p12())
            .arg("-passout")
            .arg(format!("pass:{}", Cert::PASSWORD)));
        cert
    }

    fn pem(&self) -> PathBuf {
        self.dir.path().join("cert.pem")
    }

    fn key(&self) -> PathBuf {
        self.dir.path().join("key.pem")
    }

    fn p12(&self) -> PathBuf {
        self.dir.path().join("cert.p12")
    }
}

/// Builds the example workspace into `dir/out`; returns the output folder.
fn build_example(dir: &Path) -> PathBuf {
    let out = dir.join("out");
    ok(Command::new(WSPACK)
        .arg("build")
        .arg(Path::new(EXAMPLE).join("workspace.toml"))
        .arg("-o")
        .arg(&out)
        .arg("--quiet")
        .env("SOURCE_DATE_EPOCH", EPOCH));
    out
}

/// `osslsigncode verify -CAfile cert.pem -in FILE`: must say the signature is ok.
fn assert_signature_ok(cert: &Cert, file: &Path) {
    let out = ok(Command::new("osslsigncode")
        .arg("verify")
        .arg("-CAfile")
        .arg(cert.pem())
        .arg("-in")
        .arg(file));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Signature verification: ok"),
        "{}: {text}",
        file.display()
    );
}

#[test]
fn stock_osslsigncode_signs_our_msi_and_the_signed_msi_installs() {
    let cert = Cert::new();
    support::require_tool("msiinfo", "msitools");
    let work = tempfile::tempdir().unwrap();
    let out = build_example(work.path());
    let msi = out.join("contoso.msi");
    let tables_before = ok(Command::new("msiinfo").arg("tables").arg(&msi)).stdout;

    let alone = work.path().join("alone");
    fs::create_dir(&alone).unwrap();
    let signed = alone.join("contoso.msi");
    ok(Command::new("osslsigncode")
        .args(["sign", "-pkcs12"])
        .arg(cert.p12())
        .args(["-pass", Cert::PASSWORD, "-in"])
        .arg(&msi)
        .arg("-out")
        .arg(&signed));
    assert_signature_ok(&cert, &signed);
    let tables_after = ok(Command::new("msiinfo").arg("tables").arg(&signed)).stdout;
    assert_eq!(
        String::from_utf8_lossy(&tables_after),
        String::from_utf8_lossy(&tables_before),
        "signing changes no table"
    );
    let streams = ok(Command::new("msiinfo").arg("streams").arg(&signed)).stdout;
    assert!(
        String::from_utf8_lossy(&streams).contains("DigitalSignature"),
        "{}",
        String::from_utf8_lossy(&streams)
    );

    // The signed MSI and its sidecar alone in an empty folder install for real.
    fs::copy(out.join("contoso.medv"), alone.join("contoso.medv")).unwrap();
    let wine = Wine::new();
    let run = wine.msiexec(&["/i", &wine.win_path(&signed), "/qn"]);
    assert!(run.log_says_success(), "install failed:\n{}", run.log);
    let staged = wine
        .drive_c()
        .join("ProgramData/Microsoft/Medv/Workspace/contoso.vhd");
    assert!(staged.is_file(), "no staged disk {}", staged.display());
    assert_eq!(
        sha256(&staged),
        sha256(&Path::new(EXAMPLE).join("guest.vhd")),
        "the staged disk is the example's disk, bit for bit"
    );
    let policy = wspack::policy::Policy::load(&Path::new(EXAMPLE).join("workspace.toml"))
        .expect("load the example policy");
    support::wine::assert_policy_in_registry(&wine, &policy);
}

/// Runs `wspack sign OUT ARGS` with `env`; PATH starts with `path_first` when given.
fn wspack_sign(
    out: &Path,
    args: &[&std::ffi::OsStr],
    env: &[(&str, &str)],
    path_first: Option<&Path>,
) -> Output {
    let mut cmd = Command::new(WSPACK);
    cmd.arg("sign")
        .arg(out)
        .args(args)
        .env_remove("WSPACK_SIGN_PASSWORD");
    for (k, v) in env {
        cmd.env(k, v);
    }
    if let Some(dir) = path_first {
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut dirs = vec![dir.to_path_buf()];
        dirs.extend(std::env::split_paths(&path));
        cmd.env("PATH", std::env::join_paths(dirs).unwrap());
    }
    cmd.output().expect("run wspack sign")
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

/// Every file of a folder with its SHA-256, names sorted.
fn snapshot(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                if p.is_file() {
                    sha256(&p)
                } else {
                    "dir".into()
                },
            )
        })
        .collect();
    files.sort();
    files
}

fn verify_code(out: &Path) -> (i32, String) {
    let run = Command::new(WSPACK)
        .arg("verify")
        .arg(out)
        .arg("--quiet")
        .output()
        .unwrap();
    (
        run.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&run.stderr).into_owned(),
    )
}

#[test]
fn wspack_sign_signs_msi_and_setup_and_verify_follows() {
    let cert = Cert::new();
    let work = tempfile::tempdir().unwrap();
    let built = build_example(work.path());
    let inspect_before = ok(Command::new(WSPACK)
        .args(["inspect", "--json"])
        .arg(built.join("contoso.msi")))
    .stdout;

    // A spy ahead of the real osslsigncode records every command line it gets.
    let spy_dir = work.path().join("spy");
    fs::create_dir(&spy_dir).unwrap();
    let argv_log = work.path().join("argv.log");
    let spy = spy_dir.join("osslsigncode");
    fs::write(
        &spy,
        format!(
            "#!/bin/sh\necho \"$@\" >> '{}'\nexec /usr/bin/osslsigncode \"$@\"\n",
            argv_log.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&spy, fs::Permissions::from_mode(0o755)).unwrap();

    let env_signed = work.path().join("env");
    copy_dir(&built, &env_signed);
    let run = wspack_sign(
        &env_signed,
        &["--pkcs12".as_ref(), cert.p12().as_os_str()],
        &[("WSPACK_SIGN_PASSWORD", Cert::PASSWORD)],
        Some(&spy_dir),
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&run.stdout),
        format!(
            "signed contoso.msi, setup.exe in {} as /CN=wspack-test\n",
            env_signed.display()
        )
    );
    let argv = fs::read_to_string(&argv_log).unwrap();
    assert!(argv.contains("-readpass -"), "{argv}");
    assert!(
        !argv.contains("horse"),
        "the password is never on a command line: {argv}"
    );

    for name in ["contoso.msi", "setup.exe"] {
        assert_signature_ok(&cert, &env_signed.join(name));
    }
    assert_eq!(
        verify_code(&env_signed).0,
        0,
        "verify passes on the signed package"
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(env_signed.join("contoso.json")).unwrap()).unwrap();
    assert_eq!(manifest["signing"]["signer"], "/CN=wspack-test");
    assert_eq!(
        manifest["signing"]["files"],
        serde_json::json!(["contoso.msi", "setup.exe"])
    );
    assert!(manifest["signing"].get("timestamp_url").is_none());
    let unsigned: serde_json::Value =
        serde_json::from_slice(&fs::read(built.join("contoso.json")).unwrap()).unwrap();
    assert!(
        unsigned.get("signing").is_none(),
        "an unsigned manifest has no signing entry"
    );
    let inspect_after = ok(Command::new(WSPACK)
        .args(["inspect", "--json"])
        .arg(env_signed.join("contoso.msi")))
    .stdout;
    let strip_file = |bytes: &[u8]| {
        let mut v: serde_json::Value = serde_json::from_slice(bytes).unwrap();
        v.as_object_mut().unwrap().remove("path");
        v
    };
    assert_eq!(
        strip_file(&inspect_after),
        strip_file(&inspect_before),
        "the MSI's facts do not change"
    );
    let validated = Command::new(WSPACK)
        .arg("validate")
        .arg(env_signed.join("contoso.msi"))
        .output()
        .unwrap();
    assert!(
        validated.status.success(),
        "the signed MSI validates clean: {}",
        String::from_utf8_lossy(&validated.stdout)
    );

    // The same key from a password file, and as PEM files: the same bytes (the
    // signing time is the build time, RSA PKCS#1 v1.5 signatures are deterministic).
    let pw_file = work.path().join("password.txt");
    fs::write(&pw_file, format!("{}\n", Cert::PASSWORD)).unwrap();
    let file_signed = work.path().join("file");
    copy_dir(&built, &file_signed);
    let run = wspack_sign(
        &file_signed,
        &[
            "--pkcs12".as_ref(),
            cert.p12().as_os_str(),
            "--password-file".as_ref(),
            pw_file.as_os_str(),
        ],
        &[],
        None,
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let pem_signed = work.path().join("pem");
    copy_dir(&built, &pem_signed);
    let run = wspack_sign(
        &pem_signed,
        &[
            "--cert".as_ref(),
            cert.pem().as_os_str(),
            "--key".as_ref(),
            cert.key().as_os_str(),
            "--json".as_ref(),
        ],
        &[],
        None,
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(json["signer"], "/CN=wspack-test");
    assert_eq!(snapshot(&file_signed), snapshot(&env_signed));
    assert_eq!(snapshot(&pem_signed), snapshot(&env_signed));

    // Modified after signing: verify fails and names the file.
    let setup = env_signed.join("setup.exe");
    let mut bytes = fs::read(&setup).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    fs::write(&setup, bytes).unwrap();
    let (code, err) = verify_code(&env_signed);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("setup.exe"), "{err}");
}

#[test]
fn sign_refuses_without_a_password_and_changes_nothing_on_failure() {
    let cert = Cert::new();
    let work = tempfile::tempdir().unwrap();
    let built = build_example(work.path());
    let before = snapshot(&built);

    let run = wspack_sign(
        &built,
        &["--pkcs12".as_ref(), cert.p12().as_os_str()],
        &[],
        None,
    );
    assert_eq!(run.status.code(), Some(2));
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains("no password for the PKCS#12 file") && err.contains("WSPACK_SIGN_PASSWORD"),
        "{err}"
    );
    assert_eq!(snapshot(&built), before);

    let run = wspack_sign(
        &built,
        &["--pkcs12".as_ref(), cert.p12().as_os_str()],
        &[("WSPACK_SIGN_PASSWORD", "wrong")],
        None,
    );
    assert_eq!(run.status.code(), Some(1));
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains("can't sign") && err.contains("contoso.msi"),
        "{err}"
    );
    assert_eq!(
        snapshot(&built),
        before,
        "no file changed and no temporary folder left"
    );

    // A file changed since the build is not signed (that would hide the change).
    let setup = built.join("setup.exe");
    let mut bytes = fs::read(&setup).unwrap();
    bytes[100] ^= 1;
    fs::write(&setup, bytes).unwrap();
    let changed = snapshot(&built);
    let run = wspack_sign(
        &built,
        &["--pkcs12".as_ref(), cert.p12().as_os_str()],
        &[("WSPACK_SIGN_PASSWORD", Cert::PASSWORD)],
        None,
    );
    assert_eq!(run.status.code(), Some(1));
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains("setup.exe") && err.contains("changed since the build"),
        "{err}"
    );
    assert_eq!(snapshot(&built), changed);

    let run = wspack_sign(&built, &[], &[], None);
    assert_eq!(
        run.status.code(),
        Some(2),
        "clap refuses a sign without a key"
    );
}
