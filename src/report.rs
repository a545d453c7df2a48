//! Progress and warnings: indicatif bars on a terminal, plain lines in CI,
//! nothing under `--quiet`, one JSON object at the end under `--json`; and how the
//! process answers Ctrl-C and SIGTERM.
//!
//! Everything here goes to stderr (a closed stderr is ignored, never a panic);
//! stdout carries only the final summary (text, or the JSON object under `--json`),
//! which `main.rs` prints.

use indicatif::{HumanBytes, HumanDuration, ProgressBar, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
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
            line(format_args!("{message}"));
        }
    }

    /// Prints a warning (human and JSON modes; JSON keeps stdout clean).
    pub fn warn(&self, message: &str) {
        if self.mode != OutputMode::Quiet {
            line(format_args!("warning: {message}"));
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
                line(format_args!("{label}: 0 B / {}", HumanBytes(total)));
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
                    line(format_args!(
                        "{}: {} / {} ({:.0}%), {:.0} MB/s, ETA {}",
                        self.label,
                        HumanBytes(done),
                        HumanBytes(self.total),
                        percent(done, self.total),
                        rate / 1e6,
                        HumanDuration(eta)
                    ));
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
            ProgressKind::Plain { .. } => line(format_args!(
                "{}: {} in {:.1} s, {:.0} MB/s",
                self.label,
                HumanBytes(self.done),
                elapsed.as_secs_f64(),
                self.done as f64 / elapsed.as_secs_f64().max(1e-9) / 1e6
            )),
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

/// Writes one line to stderr; a closed or full stderr is ignored (the exit code
/// still tells the outcome).
fn line(args: std::fmt::Arguments) {
    let _ = writeln!(std::io::stderr().lock(), "{args}");
}

static INTERRUPTED: AtomicBool = AtomicBool::new(false);
static CANCELLABLE: AtomicBool = AtomicBool::new(false);
static HANDLER: std::sync::Once = std::sync::Once::new();

/// Makes Ctrl-C, SIGTERM and SIGHUP end the process with exit code 130, printing
/// `interrupt_message` to stdout and `error: interrupted` to stderr. A command that
/// calls [`catch_interrupts`] is asked to stop instead (see [`interrupted`]), so it
/// can delete its temporary folder first; a second signal ends it at once.
pub fn exit_on_interrupt(interrupt_message: Option<String>) {
    // Once only; if another handler is installed, the default stays: the process
    // dies with the signal, and a later build cleans what it left.
    HANDLER.call_once(|| install_handler(interrupt_message));
}

fn install_handler(interrupt_message: Option<String>) {
    let _ = ctrlc::set_handler(move || {
        if CANCELLABLE.load(Ordering::SeqCst) && !INTERRUPTED.swap(true, Ordering::SeqCst) {
            return;
        }
        say_and_exit(interrupt_message.clone());
    });
}

/// Prints why the process stops and exits with 130; a blocked stdout or stderr
/// (a reader that stopped reading) delays the exit by at most half a second.
fn say_and_exit(interrupt_message: Option<String>) -> ! {
    let (done, wait) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        match interrupt_message {
            Some(json) => {
                let _ = writeln!(std::io::stdout().lock(), "{json}");
            }
            None => line(format_args!("error: interrupted")),
        }
        let _ = done.send(());
    });
    let _ = wait.recv_timeout(Duration::from_millis(500));
    std::process::exit(130);
}

/// Marks the running command as one that polls [`interrupted`] and stops by itself:
/// the first Ctrl-C (or SIGTERM/SIGHUP) sets a flag instead of ending the process.
pub fn catch_interrupts() {
    CANCELLABLE.store(true, Ordering::SeqCst);
    exit_on_interrupt(None);
}

/// Returns whether the user asked to stop (see [`catch_interrupts`]).
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}
