//! The crate's error type; only `main.rs` prints it (as text, or as JSON under
//! `--json`) and picks the exit code.

use std::path::{Path, PathBuf};

/// Everything that can stop a wspack command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The policy file has problems (invalid input); each carries file:line:column.
    #[error(transparent)]
    Policy(#[from] crate::policy::PolicyError),
    /// The disk is not a usable VHD (invalid input).
    #[error(transparent)]
    Vhd(#[from] crate::disk::VhdError),
    /// A package folder given to `diff` or `build --base` can't be used (invalid input).
    #[error(transparent)]
    Update(#[from] crate::update::UpdateError),
    /// An input file could not be read (invalid input).
    #[error("can't {what}: {}", path.display())]
    Input {
        /// What was being done.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
        /// How to fix it.
        help: &'static str,
    },
    /// A file operation failed.
    #[error("can't {op}: {}", path.display())]
    Io {
        /// What was being done ("read", "create", ...).
        op: &'static str,
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The output folder holds files and `--force` was not given (invalid input).
    #[error("the output folder is not empty: {}", path.display())]
    OutDirNotEmpty {
        /// The output folder.
        path: PathBuf,
    },
    /// The output folder can't be used at all, even with `--force` (invalid input).
    #[error("can't use {} as the output folder: {reason}", path.display())]
    OutDirUnusable {
        /// The output folder.
        path: PathBuf,
        /// Why not.
        reason: String,
        /// How to fix it.
        help: &'static str,
    },
    /// `SOURCE_DATE_EPOCH` is set but not a whole number of seconds (invalid input).
    #[error("SOURCE_DATE_EPOCH={value:?} is not a whole number of seconds since 1970-01-01")]
    SourceDateEpoch {
        /// What the variable held.
        value: String,
    },
    /// The user pressed Ctrl-C (or the process got SIGTERM); nothing was published.
    #[error("interrupted: nothing was written")]
    Interrupted,
    /// Compressing the disk failed for a reason other than reading or writing a file.
    #[error("can't compress {}: {message}", path.display())]
    Compress {
        /// The disk.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A folder given to `verify` has no manifest to check against (invalid input).
    #[error("no wspack manifest in {}: {reason}", path.display())]
    NoManifest {
        /// The folder.
        path: PathBuf,
        /// What was found instead.
        reason: String,
    },
    /// A build's output does not match its manifest.
    #[error("verification failed: {}: {problem}", path.display())]
    Verify {
        /// The file that is wrong.
        path: PathBuf,
        /// What is wrong, with the expected and actual values.
        problem: String,
    },
    /// A text that goes into the MSI has a character its codepage cannot carry (invalid input).
    #[error("{field} = {value:?}: {ch:?} can't be written in an MSI with codepage Windows-1252")]
    MsiCodepage {
        /// Where the text comes from, e.g. `workspace.name`.
        field: String,
        /// The text.
        value: String,
        /// The first character outside Windows-1252.
        ch: char,
    },
    /// A REG_MULTI_SZ value has an empty string, which the type cannot hold (invalid input).
    #[error("{field}: a REG_MULTI_SZ value can't hold an empty string")]
    MsiEmptyMultiSzItem {
        /// Which value, e.g. `registry value Fts\StartDialogMsg`.
        field: String,
    },
    /// The MSI database could not be written.
    #[error("can't write MSI database: {}", path.display())]
    MsiWrite {
        /// The MSI file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A file given to `inspect` is not a readable MSI (invalid input).
    #[error("can't read MSI: {}", path.display())]
    MsiRead {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// `--single-exe` would write an EXE of 4 GiB or more (invalid input).
    #[error(
        "{file} would be {size} bytes: a one-file setup EXE must stay below 4 GiB (4294967296 bytes), \
         the most Authenticode can sign"
    )]
    SingleExeTooLarge {
        /// The EXE's file name.
        file: String,
        /// Its size (an upper bound).
        size: u64,
        /// The MSI's file name.
        msi: String,
        /// The sidecar's file name.
        sidecar: String,
    },
    /// A folder given to `inspect` holds no `.msi`, or more than one (invalid input).
    #[error("{reason}: {}", path.display())]
    MsiNotFound {
        /// The folder.
        path: PathBuf,
        /// What is wrong ("no .msi file in", "more than one .msi file in").
        reason: &'static str,
    },
    /// `wspack sign --pkcs12` has no password to open the bundle with (invalid input).
    #[error("no password for the PKCS#12 file")]
    SignPassword,
    /// `wspack sign` got neither `--pkcs12` nor `--cert` with `--key` (invalid input).
    #[error("no signing key given")]
    SignKey,
    /// osslsigncode could not sign a file.
    #[error("can't sign {}: {message}", path.display())]
    Sign {
        /// The file being signed.
        path: PathBuf,
        /// What osslsigncode said.
        message: String,
    },
    /// The MSI a build wrote fails its own ICE validation: a bug in wspack.
    #[error(
        "the MSI failed validation: {first} (and {more} more finding(s)); this is a bug in wspack"
    )]
    MsiSelfCheck {
        /// The first finding, naming its ICE.
        first: String,
        /// How many findings follow it.
        more: usize,
    },
}

impl Error {
    /// Returns the process exit code: 2 for invalid input, 1 for any other failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Policy(_)
            | Error::Input { .. }
            | Error::Vhd(_)
            | Error::Update(_)
            | Error::OutDirNotEmpty { .. }
            | Error::OutDirUnusable { .. }
            | Error::SourceDateEpoch { .. }
            | Error::NoManifest { .. }
            | Error::SingleExeTooLarge { .. } => 2,
            Error::Interrupted => 130,
            Error::Io { .. } | Error::Compress { .. } | Error::Verify { .. } => 1,
            Error::MsiCodepage { .. }
            | Error::MsiEmptyMultiSzItem { .. }
            | Error::MsiRead { .. }
            | Error::MsiNotFound { .. } => 2,
            Error::MsiWrite { .. } => 1,
            Error::MsiSelfCheck { .. } | Error::Sign { .. } => 1,
            Error::SignPassword | Error::SignKey => 2,
        }
    }

    /// Returns a `help:` line saying how to fix the problem, when there is one.
    pub fn help(&self) -> Option<String> {
        match self {
            Error::Input { help, .. } | Error::OutDirUnusable { help, .. } => {
                Some(help.to_string())
            }
            Error::Vhd(e) => Some(e.help()),
            Error::Update(e) => Some(e.help.clone()),
            Error::OutDirNotEmpty { .. } => Some(
                "pass --force to replace what it holds, or choose an empty or new folder".into(),
            ),
            Error::SourceDateEpoch { .. } => Some(
                "set it to a Unix time, e.g. SOURCE_DATE_EPOCH=$(git log -1 --format=%ct), or unset it"
                    .into(),
            ),
            Error::NoManifest { .. } => {
                Some("pass the folder that `wspack build -o` wrote".into())
            }
            Error::SingleExeTooLarge { msi, sidecar, .. } => Some(format!(
                "build without --single-exe and ship {msi} and {sidecar} (with setup.exe) in one folder"
            )),
            Error::Verify { .. } => Some(
                "the package is damaged or incomplete: copy it again from the build, or rebuild it"
                    .into(),
            ),
            Error::Io { source, .. } if source.kind() == std::io::ErrorKind::StorageFull => Some(
                "the disk is full: free space (the sidecar needs about a third of the VHD's size) and build again"
                    .into(),
            ),
            Error::MsiCodepage { .. } => Some(
                "wspack writes Windows-1252 MSIs (msiexec refuses UTF-8 databases); \
                 use Western European characters in this field"
                    .into(),
            ),
            Error::MsiEmptyMultiSzItem { .. } => Some(
                "an empty string ends a REG_MULTI_SZ list; remove the empty line or put a space in it"
                    .into(),
            ),
            Error::SignPassword => Some(
                "set WSPACK_SIGN_PASSWORD or pass --password-file FILE (never on the command line)"
                    .into(),
            ),
            Error::SignKey => Some("pass --pkcs12 FILE, or --cert PEM with --key PEM".into()),
            Error::Sign { .. } => Some(
                "check the certificate, the key and the password; the package was not changed"
                    .into(),
            ),
            Error::MsiSelfCheck { .. } => Some(
                "please report it with your workspace.toml; nothing was published".into(),
            ),
            Error::MsiRead { .. } => {
                Some("pass an .msi written by wspack build, or its output folder".into())
            }
            Error::MsiNotFound { .. } => {
                Some("pass the .msi itself, or a build's output folder holding one".into())
            }
            Error::Io { source, .. } if source.raw_os_error() == Some(rustix::io::Errno::BUSY.raw_os_error()) => Some(
                "the output folder is a mount point wspack did not recognise: \
                 build into a folder inside it instead"
                    .into(),
            ),
            _ => None,
        }
    }

    /// Returns the file the problem is in or about, when there is one.
    pub fn file(&self) -> Option<&Path> {
        match self {
            Error::Policy(e) => Some(&e.path),
            Error::Vhd(e) => Some(&e.path),
            Error::Update(e) => Some(&e.path),
            Error::Input { path, .. }
            | Error::Io { path, .. }
            | Error::OutDirNotEmpty { path }
            | Error::OutDirUnusable { path, .. }
            | Error::Compress { path, .. }
            | Error::NoManifest { path, .. }
            | Error::Verify { path, .. }
            | Error::MsiWrite { path, .. }
            | Error::MsiRead { path, .. }
            | Error::MsiNotFound { path, .. }
            | Error::Sign { path, .. } => Some(path),
            Error::SourceDateEpoch { .. }
            | Error::Interrupted
            | Error::MsiCodepage { .. }
            | Error::MsiEmptyMultiSzItem { .. }
            | Error::SignPassword
            | Error::SignKey
            | Error::MsiSelfCheck { .. }
            | Error::SingleExeTooLarge { .. } => None,
        }
    }

    /// Renders the error as one JSON object (for `--json`): `code` (the exit code),
    /// `message`, `file`, `line`, `column`, `offset` (a byte offset in a disk) and
    /// `help`, `null` where they don't apply, and every policy problem in
    /// `diagnostics` (the first one also gives `message`, `line`, `column`, `help`).
    pub fn to_json(&self) -> serde_json::Value {
        let diagnostics: Vec<serde_json::Value> = match self {
            Error::Policy(e) => e
                .diagnostics
                .iter()
                .map(|d| {
                    let at = |n: usize| (d.line > 0).then_some(n);
                    serde_json::json!({
                        "message": d.message,
                        "line": at(d.line),
                        "column": at(d.column),
                        "help": d.help,
                    })
                })
                .collect(),
            _ => Vec::new(),
        };
        let mut message = self.to_string();
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source.filter(|_| !matches!(self, Error::Policy(_))) {
            message.push_str(&format!(": {cause}"));
            source = cause.source();
        }
        let mut out = serde_json::json!({
            "error": true,
            "code": self.exit_code(),
            "message": message,
            // Lossy: a path that is not UTF-8 still gives valid JSON.
            "file": self.file().map(|p| p.to_string_lossy()),
            "line": null,
            "column": null,
            "offset": match self { Error::Vhd(e) => e.offset, _ => None },
            "help": self.help(),
            "diagnostics": diagnostics,
        });
        if let Some(first) = out["diagnostics"].get(0).cloned() {
            for key in ["message", "line", "column", "help"] {
                out[key] = first[key].clone();
            }
        }
        out
    }

    /// Renders the error for a terminal: `error: …`, each cause, then `help: …`.
    pub fn render(&self) -> String {
        let mut out = format!("error: {self}\n");
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source {
            // Policy and VHD errors carry their own detail in the message.
            if !matches!(self, Error::Policy(_)) {
                out.push_str(&format!("  caused by: {cause}\n"));
            }
            source = cause.source();
        }
        if let Some(help) = self.help() {
            out.push_str(&format!("  help: {help}\n"));
        }
        crate::text::printable(&out)
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
