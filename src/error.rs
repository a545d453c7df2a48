//! The crate's error type; only `main.rs` prints it and picks the exit code.

use std::path::PathBuf;

/// Everything that can stop a wspack command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The policy file has problems (invalid input); each carries file:line:column.
    #[error(transparent)]
    Policy(#[from] crate::policy::PolicyError),
    /// The disk is not a usable VHD (invalid input).
    #[error(transparent)]
    Vhd(#[from] crate::vhd::VhdError),
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
}

impl Error {
    /// Returns the process exit code: 2 for invalid input, 1 for any other failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Policy(_) | Error::Vhd(_) | Error::Input { .. } => 2,
            Error::Io { .. } => 1,
        }
    }

    /// Returns a `help:` line saying how to fix the problem, when there is one.
    pub fn help(&self) -> Option<String> {
        match self {
            Error::Input { help, .. } => Some(help.to_string()),
            Error::Vhd(e) => Some(e.help()),
            _ => None,
        }
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
        out
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
