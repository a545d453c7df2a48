//! Progress and warnings: indicatif bars on a terminal, plain lines in CI,
//! nothing under `--quiet`, one JSON object at the end under `--json`. (Issue 4.)

/// How a command talks to its user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputMode {
    /// Progress bar on a terminal, plain lines otherwise.
    Human,
    /// Errors only.
    Quiet,
    /// One JSON object on stdout at the end; nothing else on stdout.
    Json,
}
