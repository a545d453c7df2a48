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
}

impl Error {
    /// Returns the process exit code: 2 for invalid input, 1 for any other failure.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Vhd(_) => 2,
            Error::Io { .. } => 1,
        }
    }

    /// Returns a `help:` line saying how to fix the problem, when there is one.
    pub fn help(&self) -> Option<String> {
        match self {
            Error::Vhd(e) => Some(e.help()),
            Error::Io { .. } => None,
        }
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
