//! `wspack sign OUTDIR`: Authenticode signatures on a built package, through the
//! stock `osslsigncode`, so teams can sign on a separate, locked-down runner.
//!
//! The MSI, `setup.exe` and `<internal_name>-setup.exe` (when the package has one)
//! are signed into a temporary folder inside OUTDIR, then moved over the originals,
//! and the manifest is rewritten with their new sizes and hashes and a `signing`
//! entry (signer and files), so that `verify` passes on the signed package and
//! fails on one changed afterwards. An MSI's signature is one more stream
//! (`\x05DigitalSignature`): its tables, and so every fact `verify` and `inspect`
//! read from them, stay as they were.
//!
//! The PKCS#12 password never appears on a command line: it comes from
//! `WSPACK_SIGN_PASSWORD` or `--password-file` and reaches osslsigncode on its
//! standard input (`-readpass -`). The signing time is the build time
//! (`SOURCE_DATE_EPOCH`, else 1970), so signing the same files twice gives the
//! same bytes; a `--timestamp` server adds its own time.

use crate::manifest::{self, FileEntry, Manifest, SigningEntry};
use crate::{Error, Result};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The environment variable that holds the PKCS#12 password.
pub const PASSWORD_ENV: &str = "WSPACK_SIGN_PASSWORD";

/// The signing key.
#[derive(Debug, Clone)]
pub enum SigningKey {
    /// A PKCS#12 bundle and its password.
    Pkcs12 {
        /// The `.p12`/`.pfx` file.
        file: PathBuf,
        /// Its password.
        password: String,
    },
    /// A PEM certificate (chain) and its unencrypted PEM private key.
    Pem {
        /// The certificate file.
        cert: PathBuf,
        /// The key file.
        key: PathBuf,
    },
}

impl SigningKey {
    /// The key from the command line: `--pkcs12` (with its password from
    /// `--password-file` or the environment), or `--cert` with `--key`.
    pub fn from_args(
        pkcs12: Option<PathBuf>,
        password_file: Option<PathBuf>,
        cert: Option<PathBuf>,
        key: Option<PathBuf>,
    ) -> Result<SigningKey> {
        match (pkcs12, cert.zip(key)) {
            (Some(file), _) => Ok(SigningKey::Pkcs12 {
                file,
                password: password(password_file.as_deref())?,
            }),
            (None, Some((cert, key))) => Ok(SigningKey::Pem { cert, key }),
            (None, None) => Err(Error::SignKey),
        }
    }
}

/// What `wspack sign` did.
#[derive(Debug, Clone)]
pub struct SignSummary {
    /// The package folder.
    pub out_dir: PathBuf,
    /// The signing certificate's subject.
    pub signer: String,
    /// The files signed.
    pub signed: Vec<String>,
}

impl SignSummary {
    /// The summary as one JSON object.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "out_dir": self.out_dir.display().to_string(),
            "signer": self.signer,
            "signed": self.signed,
        })
    }
}

impl std::fmt::Display for SignSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "signed {} in {} as {}",
            self.signed.join(", "),
            self.out_dir.display(),
            self.signer
        )
    }
}

/// What `wspack sign` was asked to do.
#[derive(Debug, Clone)]
pub struct SignOptions {
    /// A build's output folder.
    pub out_dir: PathBuf,
    /// The key to sign with.
    pub key: SigningKey,
    /// An RFC 3161 timestamp server, if any.
    pub timestamp_url: Option<String>,
}

/// Reads the PKCS#12 password from `file` (one line) or else `WSPACK_SIGN_PASSWORD`.
pub fn password(file: Option<&Path>) -> Result<String> {
    if let Some(file) = file {
        let text = crate::input::read_to_string(file).map_err(|source| Error::Input {
            what: "read the password file",
            path: file.to_path_buf(),
            source,
            help: "pass a file holding the PKCS#12 password on its first line",
        })?;
        return Ok(text.lines().next().unwrap_or("").to_string());
    }
    std::env::var(PASSWORD_ENV).map_err(|_| Error::SignPassword)
}

/// Signs the package in `opts.out_dir`.
pub fn sign(opts: &SignOptions) -> Result<SignSummary> {
    let manifest_path = crate::verify::find_manifest(&opts.out_dir)?;
    let mut manifest = Manifest::read(&manifest_path)?;
    let targets = targets(&manifest, &opts.out_dir);
    if targets.is_empty() {
        return Err(Error::Sign {
            path: opts.out_dir.clone(),
            message: "the manifest lists no MSI or setup.exe that is in the folder".into(),
        });
    }
    let staging = tempfile::Builder::new()
        .prefix(".wspack-sign-")
        .tempdir_in(&opts.out_dir)
        .map_err(io_err("create a temporary folder in", &opts.out_dir))?;
    let time = manifest::build_time(std::env::var("SOURCE_DATE_EPOCH").ok().as_deref())?.0;
    for name in &targets {
        check_unchanged(&manifest.files, &opts.out_dir.join(name), name)?;
        let signed = staging.path().join(name);
        run_osslsigncode(opts, time, &opts.out_dir.join(name), &signed)?;
        update_entry(&mut manifest.files, name, &signed)?;
    }
    let first = staging.path().join(&targets[0]);
    let signer = signer_subject(&first)?;
    manifest.signing = Some(SigningEntry {
        signer: signer.clone(),
        files: targets.clone(),
        timestamp_url: opts.timestamp_url.clone(),
    });
    let new_manifest = staging.path().join("manifest.json");
    std::fs::write(&new_manifest, manifest.to_bytes()).map_err(io_err("write", &new_manifest))?;
    publish(
        staging.path(),
        &opts.out_dir,
        &targets,
        &new_manifest,
        &manifest_path,
    )?;
    Ok(SignSummary {
        out_dir: opts.out_dir.clone(),
        signer,
        signed: targets,
    })
}

/// The files to sign: the MSI, `setup.exe` and `<internal_name>-setup.exe`, as listed.
fn targets(manifest: &Manifest, out_dir: &Path) -> Vec<String> {
    let one_file = format!("{}-setup.exe", manifest.workspace.internal_name);
    [manifest.msi.file.clone(), "setup.exe".into(), one_file]
        .into_iter()
        .filter(|name| manifest.files.iter().any(|f| &f.name == name))
        .filter(|name| out_dir.join(name).is_file())
        .collect()
}

fn run_osslsigncode(opts: &SignOptions, time: i64, input: &Path, output: &Path) -> Result<()> {
    let mut cmd = Command::new("osslsigncode");
    cmd.arg("sign");
    let password = match &opts.key {
        SigningKey::Pkcs12 { file, password } => {
            cmd.arg("-pkcs12").arg(file).args(["-readpass", "-"]);
            Some(password.as_str())
        }
        SigningKey::Pem { cert, key } => {
            cmd.arg("-certs").arg(cert).arg("-key").arg(key);
            None
        }
    };
    cmd.args(["-h", "sha256", "-time", &time.to_string()]);
    if let Some(url) = &opts.timestamp_url {
        cmd.args(["-ts", url]);
    }
    cmd.arg("-in").arg(input).arg("-out").arg(output);
    let stderr = run_with_stdin(cmd, password).map_err(|message| Error::Sign {
        path: input.to_path_buf(),
        message,
    })?;
    if !output.is_file() {
        return Err(Error::Sign {
            path: input.to_path_buf(),
            message: format!("osslsigncode wrote no signed file: {stderr}"),
        });
    }
    Ok(())
}

/// Runs `cmd`, writing `stdin` (the password) to it; `Err` holds what it printed.
fn run_with_stdin(mut cmd: Command, stdin: Option<&str>) -> std::result::Result<String, String> {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| {
        format!("can't run osslsigncode ({e}); install it (Debian: apt-get install osslsigncode)")
    })?;
    if let Some(mut pipe) = child.stdin.take() {
        // A closed pipe means osslsigncode did not want the password; its output says why.
        let _ = pipe.write_all(stdin.unwrap_or("").as_bytes());
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.success() {
        Ok(text)
    } else {
        Err(text.trim().to_string())
    }
}

/// The subject of the certificate that signed `file`, as osslsigncode prints it.
fn signer_subject(file: &Path) -> Result<String> {
    let mut cmd = Command::new("osslsigncode");
    cmd.arg("verify").arg("-in").arg(file);
    // Without the signer's CA, verification fails; the signer is printed anyway.
    let text = run_with_stdin(cmd, None).unwrap_or_else(|text| text);
    text.lines()
        .find_map(|l| l.trim().strip_prefix("Subject: "))
        .map(str::to_string)
        .ok_or_else(|| Error::Sign {
            path: file.to_path_buf(),
            message: format!("osslsigncode shows no signer: {text}"),
        })
}

/// Refuses to sign a file that no longer matches the manifest: signing would
/// record its new hash and hide the change from `verify`.
fn check_unchanged(files: &[FileEntry], path: &Path, name: &str) -> Result<()> {
    let bytes = crate::input::read(path).map_err(io_err("read", path))?;
    let sha256 = crate::text::to_hex(&Sha256::digest(&bytes));
    match files.iter().find(|f| f.name == name) {
        Some(entry) if entry.sha256 == sha256 && entry.size == bytes.len() as u64 => Ok(()),
        _ => Err(Error::Verify {
            path: path.to_path_buf(),
            problem: format!(
                "changed since the build (SHA-256 {sha256} is not the manifest's); nothing was signed"
            ),
        }),
    }
}

fn update_entry(files: &mut [FileEntry], name: &str, signed: &Path) -> Result<()> {
    let bytes = std::fs::read(signed).map_err(io_err("read", signed))?;
    if let Some(entry) = files.iter_mut().find(|f| f.name == name) {
        entry.size = bytes.len() as u64;
        entry.sha256 = crate::text::to_hex(&Sha256::digest(&bytes));
    }
    Ok(())
}

/// Moves the signed files over the originals, then the manifest over the old one.
/// A failure between two renames leaves a package that `verify` refuses.
fn publish(
    staging: &Path,
    out_dir: &Path,
    targets: &[String],
    new_manifest: &Path,
    manifest_path: &Path,
) -> Result<()> {
    for name in targets {
        let dest = out_dir.join(name);
        std::fs::rename(staging.join(name), &dest).map_err(io_err("replace", &dest))?;
    }
    std::fs::rename(new_manifest, manifest_path).map_err(io_err("replace", manifest_path))
}

fn io_err<'a>(op: &'static str, path: &'a Path) -> impl Fn(std::io::Error) -> Error + 'a {
    move |source| Error::Io {
        op,
        path: path.to_path_buf(),
        source,
    }
}
