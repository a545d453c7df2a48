//! Authenticode on Linux: stock `osslsigncode` signs and verifies our MSI with a
//! throwaway code-signing certificate made by `openssl`, msitools still reads the
//! signed MSI, and the signed MSI installs under Wine with the disk staged
//! bit-identical. A missing tool fails the test with the package to install.

mod support;

use sha2::{Digest, Sha256};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::wine::Wine;

const WSPACK: &str = env!("CARGO_BIN_EXE_wspack");
const EPOCH: &str = "1700000000";
const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/contoso");

fn ok(cmd: &mut Command) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("can't run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn sha256(path: &Path) -> String {
    let bytes = fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

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
