//! Progress and warnings: indicatif bars on a terminal, plain lines in CI,
//! nothing under `--quiet`, one JSON object at the end under `--json`. (Issue 4.)
//!
//! Everything here goes to stderr; stdout carries only the final summary (text,
//! or the JSON object under `--json`), which `main.rs` prints.

use indicatif::{HumanBytes, HumanDuration, ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;
use std::time::{Duration, Instant};

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

/// How often a plain progress line is printed when stderr is not a terminal.
pub const PLAIN_INTERVAL: Duration = Duration::from_secs(5);

/// Reports what a command is doing, as its [`OutputMode`] and stderr allow.
#[derive(Debug)]
pub struct Reporter {
    mode: OutputMode,
    terminal: bool,
}

impl Reporter {
    /// Creates a reporter; a bar is drawn only if stderr is a terminal.
    pub fn new(mode: OutputMode) -> Self {
        Reporter {
            mode,
            terminal: std::io::stderr().is_terminal(),
        }
    }

    /// Returns the output mode.
    pub fn mode(&self) -> OutputMode {
        self.mode
    }

    /// Prints a status line (human mode only).
    pub fn status(&self, message: &str) {
        if self.mode == OutputMode::Human {
            eprintln!("{message}");
        }
    }

    /// Prints a warning (human and JSON modes; JSON keeps stdout clean).
    pub fn warn(&self, message: &str) {
        if self.mode != OutputMode::Quiet {
            eprintln!("warning: {message}");
        }
    }

    /// Starts a byte-counting progress display for `total` bytes.
    pub fn progress(&self, label: &str, total: u64) -> Progress {
        let start = Instant::now();
        let kind = match (self.mode, self.terminal) {
            (OutputMode::Human, true) => {
                let bar = ProgressBar::new(total);
                bar.set_style(
                    ProgressStyle::with_template(
                        "{msg:>12} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}",
                    )
                    .expect("the template is valid")
                    .progress_chars("=> "),
                );
                bar.set_message(label.to_string());
                ProgressKind::Bar(bar)
            }
            (OutputMode::Human, false) => {
                eprintln!("{label}: 0 B / {}", HumanBytes(total));
                ProgressKind::Plain { last: start }
            }
            _ => ProgressKind::Silent,
        };
        Progress {
            label: label.to_string(),
            total,
            done: 0,
            start,
            kind,
        }
    }
}

#[derive(Debug)]
enum ProgressKind {
    Bar(ProgressBar),
    Plain { last: Instant },
    Silent,
}

/// One running progress display; see [`Reporter::progress`].
#[derive(Debug)]
pub struct Progress {
    label: String,
    total: u64,
    done: u64,
    start: Instant,
    kind: ProgressKind,
}

impl Progress {
    /// Records that `done` bytes of the total are processed.
    pub fn set(&mut self, done: u64) {
        self.done = done;
        match &mut self.kind {
            ProgressKind::Bar(bar) => bar.set_position(done),
            ProgressKind::Plain { last } => {
                if last.elapsed() >= PLAIN_INTERVAL {
                    *last = Instant::now();
                    let secs = self.start.elapsed().as_secs_f64();
                    let rate = done as f64 / secs.max(1e-9);
                    let eta = if rate > 0.0 {
                        Duration::from_secs_f64(self.total.saturating_sub(done) as f64 / rate)
                    } else {
                        Duration::ZERO
                    };
                    eprintln!(
                        "{}: {} / {} ({:.0}%), {:.0} MB/s, ETA {}",
                        self.label,
                        HumanBytes(done),
                        HumanBytes(self.total),
                        percent(done, self.total),
                        rate / 1e6,
                        HumanDuration(eta)
                    );
                }
            }
            ProgressKind::Silent => {}
        }
    }

    /// Ends the display: clears the bar, or prints a closing plain line.
    pub fn finish(self) -> Duration {
        let elapsed = self.start.elapsed();
        match self.kind {
            ProgressKind::Bar(bar) => bar.finish_and_clear(),
            ProgressKind::Plain { .. } => eprintln!(
                "{}: {} in {:.1} s, {:.0} MB/s",
                self.label,
                HumanBytes(self.done),
                elapsed.as_secs_f64(),
                self.done as f64 / elapsed.as_secs_f64().max(1e-9) / 1e6
            ),
            ProgressKind::Silent => {}
        }
        elapsed
    }
}

fn percent(done: u64, total: u64) -> f64 {
    if total == 0 {
        100.0
    } else {
        done as f64 * 100.0 / total as f64
    }
}

static INTERRUPTED: AtomicBool = AtomicBool::new(false);
static HANDLER: Once = Once::new();

/// Makes Ctrl-C (and SIGTERM/SIGHUP) set a flag that [`interrupted`] reads, instead
/// of killing the process, so a build can delete its temporary folder before it
/// exits. Safe to call more than once.
pub fn catch_interrupts() {
    HANDLER.call_once(|| {
        // If another handler is already installed the default behaviour stays: the
        // process dies and the temporary folder (never the output folder) remains.
        let _ = ctrlc::set_handler(|| INTERRUPTED.store(true, Ordering::SeqCst));
    });
}

/// Returns whether the user asked to stop (see [`catch_interrupts`]).
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}
