//! The crate's error type; only `main.rs` prints it and picks the exit code.

use std::path::PathBuf;

/// Everything that can stop a wspack command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The disk is not a usable VHD (invalid input).
    #[error(transparent)]
    Vhd(#[from] crate::vhd::VhdError),
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
    /// A folder given to `inspect` holds no `.msi`, or more than one (invalid input).
    #[error("{reason}: {}", path.display())]
    MsiNotFound {
        /// The folder.
        path: PathBuf,
        /// What is wrong ("no .msi file in", "more than one .msi file in").
        reason: &'static str,
    },
}

impl Error {
    /// Returns the process exit code: 2 for invalid input, 1 for any other failure.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Vhd(_) => 2,
            Error::Io { .. } => 1,
            Error::MsiCodepage { .. }
            | Error::MsiEmptyMultiSzItem { .. }
            | Error::MsiRead { .. }
            | Error::MsiNotFound { .. } => 2,
            Error::MsiWrite { .. } => 1,
        }
    }

    /// Returns a `help:` line saying how to fix the problem, when there is one.
    pub fn help(&self) -> Option<String> {
        match self {
            Error::MsiCodepage { .. } => Some(
                "wspack writes Windows-1252 MSIs (msiexec refuses UTF-8 databases); \
                 use Western European characters in this field"
                    .into(),
            ),
            Error::MsiEmptyMultiSzItem { .. } => Some(
                "an empty string ends a REG_MULTI_SZ list; remove the empty line or put a space in it"
                    .into(),
            ),
            Error::MsiRead { .. } => {
                Some("pass an .msi written by wspack build, or its output folder".into())
            }
            Error::MsiNotFound { .. } => {
                Some("pass the .msi itself, or a build's output folder holding one".into())
            }
            _ => None,
        }
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
