//! The fuzz and fault suite's shared parts: a seeded PRNG, byte mutators, a child
//! runner with a timeout and the child's peak RSS, panic capture for in-process
//! cases, and the invariants every wspack run keeps.
//!
//! Each fuzz or fault test file uses it as `mod support; use support::fuzz;`.
//!
//! Environment (all optional; CI uses the defaults):
//! - `WSPACK_FUZZ_SCALE`: multiplies every case count (e.g. `20` for a long local run).
//! - `WSPACK_FUZZ_SEED`: the base seed (default fixed, so CI runs the same cases).
//! - `WSPACK_FUZZ_CASE`: run only this case number (to reproduce a failure).
#![allow(dead_code)]

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::panic::{catch_unwind, AssertUnwindSafe, UnwindSafe};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Once;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The wspack binary under test.
pub const WSPACK: &str = env!("CARGO_BIN_EXE_wspack");
/// The repository root.
pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// Exit codes a wspack command may end with.
pub const EXIT_CODES: [i32; 4] = [0, 1, 2, 130];

/// A small deterministic PRNG (SplitMix64): one per case, seeded from the case number.
pub struct Rng(u64);

impl Rng {
    /// Returns the generator for `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// Returns the next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Returns a number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    /// Returns a number in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo + 1)
    }

    /// Returns true once in `n` calls on average.
    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    /// Returns one element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// Returns `n` random bytes.
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next_u64() as u8).collect()
    }
}

/// The suite's base seed (`WSPACK_FUZZ_SEED`, else a fixed one).
pub fn base_seed() -> u64 {
    match std::env::var("WSPACK_FUZZ_SEED") {
        Ok(s) => parse_u64(&s).unwrap_or_else(|| panic!("WSPACK_FUZZ_SEED={s:?} is not a number")),
        Err(_) => 0x5EED_2026,
    }
}

fn parse_u64(s: &str) -> Option<u64> {
    match s.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => s.parse().ok(),
    }
}

/// Returns `default` times `WSPACK_FUZZ_SCALE` (at least 1).
pub fn cases(default: usize) -> usize {
    let scale: f64 = match std::env::var("WSPACK_FUZZ_SCALE") {
        Ok(s) => s
            .parse()
            .unwrap_or_else(|_| panic!("WSPACK_FUZZ_SCALE={s:?} is not a number")),
        Err(_) => 1.0,
    };
    ((default as f64 * scale).round() as usize).max(1)
}

/// The case numbers to run: `0..n`, or only `WSPACK_FUZZ_CASE` when it is set.
pub fn case_numbers(n: usize) -> Vec<usize> {
    match std::env::var("WSPACK_FUZZ_CASE") {
        Ok(s) => vec![s
            .parse()
            .unwrap_or_else(|_| panic!("WSPACK_FUZZ_CASE={s:?} is not a number"))],
        Err(_) => (0..n).collect(),
    }
}

/// The PRNG of case `case` of the part named `part` (parts get independent streams).
pub fn case_rng(part: &str, case: usize) -> Rng {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in part.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x1000_0000_01b3);
    }
    Rng::new(base_seed() ^ h ^ (case as u64).wrapping_mul(0xA24B_AED4_963E_E407))
}

/// Broken invariants of one part, grouped by invariant, reported all at once.
pub struct Findings {
    part: String,
    test: String,
    ran: usize,
    started: Instant,
    broken: BTreeMap<String, Vec<String>>,
    outcomes: BTreeMap<String, usize>,
}

impl Findings {
    /// Starts collecting for `part`, run by the test `test` (named in the repro line).
    pub fn new(part: &str, test: &str) -> Findings {
        // Saved inputs are of the last run only.
        let _ = fs::remove_dir_all(failure_dir(part));
        Findings {
            part: part.into(),
            test: test.into(),
            ran: 0,
            started: Instant::now(),
            broken: BTreeMap::new(),
            outcomes: BTreeMap::new(),
        }
    }

    /// Counts one case run.
    pub fn ran(&mut self) {
        self.ran += 1;
    }

    /// Counts an outcome (e.g. `check exit 2`), printed at the end.
    pub fn outcome(&mut self, label: impl Into<String>) {
        *self.outcomes.entry(label.into()).or_default() += 1;
    }

    /// Records that `case` broke `invariant`; `input` (when given) is saved for replay.
    pub fn broke(&mut self, invariant: &str, case: usize, detail: &str, input: Option<&[u8]>) {
        let detail = shorten(detail.trim_end(), 600).replace('\n', "\n        ");
        let mut line = format!("case {case}: {detail}");
        if let Some(bytes) = input {
            let dir = failure_dir(&self.part);
            let path = dir.join(format!("case-{case}.bin"));
            if fs::write(&path, bytes).is_ok() {
                line.push_str(&format!("\n      input saved: {}", path.display()));
            }
        }
        self.broken
            .entry(invariant.to_string())
            .or_default()
            .push(line);
    }

    /// Prints the part's figures and fails the test if any invariant broke.
    pub fn finish(self) {
        let secs = self.started.elapsed().as_secs_f64();
        eprintln!(
            "fuzz {}: {} cases in {secs:.1} s (seed {:#x})",
            self.part,
            self.ran,
            base_seed()
        );
        if !self.outcomes.is_empty() {
            eprintln!("  outcomes: {:?}", self.outcomes);
        }
        if self.broken.is_empty() {
            return;
        }
        let mut report = format!(
            "fuzz {}: {} invariants broken over {} cases:\n",
            self.part,
            self.broken.len(),
            self.ran
        );
        for (invariant, cases) in &self.broken {
            report.push_str(&format!("  {invariant}: {} cases\n", cases.len()));
            for c in cases.iter().take(5) {
                report.push_str(&format!("    {c}\n"));
            }
        }
        report.push_str(&format!(
            "reproduce one case: WSPACK_FUZZ_SEED={:#x} WSPACK_FUZZ_CASE=N cargo test --test {}\n",
            base_seed(),
            self.test
        ));
        panic!("{report}");
    }
}

fn failure_dir(part: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("fuzz-failures")
        .join(part);
    let _ = fs::create_dir_all(&dir);
    dir
}

/// Cuts `s` to about `max` bytes (on a character boundary) for a report.
pub fn shorten(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes)", &s[..end], s.len())
}

thread_local! {
    static CAPTURING: Cell<bool> = const { Cell::new(false) };
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}
static HOOK: Once = Once::new();

/// Runs `f`, turning a panic into `Err(message with location)`. Panics of other
/// threads (other tests) still print as usual.
pub fn no_panic<T>(f: impl FnOnce() -> T + UnwindSafe) -> Result<T, String> {
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if CAPTURING.with(Cell::get) {
                LAST_PANIC.with(|p| *p.borrow_mut() = Some(info.to_string()));
            } else {
                default(info);
            }
        }));
    });
    CAPTURING.with(|c| c.set(true));
    let result = catch_unwind(f);
    CAPTURING.with(|c| c.set(false));
    result.map_err(|_| {
        LAST_PANIC
            .with(|p| p.borrow_mut().take())
            .unwrap_or_else(|| "panic without a message".into())
    })
}

/// Like [`no_panic`] for closures that hold references.
pub fn no_panic_ref<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    no_panic(AssertUnwindSafe(f))
}

/// How a child process ended.
#[derive(Debug)]
pub struct Run {
    /// Exit code, when it exited.
    pub code: Option<i32>,
    /// Signal that ended it, when one did.
    pub signal: Option<i32>,
    /// Standard output (lossy UTF-8).
    pub stdout: String,
    /// Standard error (lossy UTF-8).
    pub stderr: String,
    /// Peak resident set size in KiB (sampled; see [`Running::wait_within`]).
    pub max_rss_kib: i64,
    /// Wall time.
    pub elapsed: Duration,
    /// Whether it was killed for running past its timeout.
    pub timed_out: bool,
    /// Whether it was killed for passing its memory limit.
    pub over_memory: bool,
}

impl Run {
    /// Describes the end and the output, for a finding.
    pub fn describe(&self) -> String {
        format!(
            "exit {:?} signal {:?}{} after {:.2} s, peak RSS {} KiB\n      stderr: {}",
            self.code,
            self.signal,
            if self.timed_out {
                " (TIMED OUT)"
            } else if self.over_memory {
                " (KILLED OVER ITS MEMORY LIMIT)"
            } else {
                ""
            },
            self.elapsed.as_secs_f64(),
            self.max_rss_kib,
            shorten(self.stderr.trim_end(), 400).replace('\n', "\n              ")
        )
    }
}

/// A started child whose output is being collected.
pub struct Running {
    child: Child,
    started: Instant,
    out: JoinHandle<Vec<u8>>,
    err: JoinHandle<Vec<u8>>,
}

fn drain(mut r: impl Read + Send + 'static) -> JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = r.read_to_end(&mut buf);
        buf
    })
}

/// Starts `cmd` with stdin closed and stdout/stderr captured.
pub fn spawn(cmd: &mut Command) -> Running {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("can't start {cmd:?}: {e}"));
    let out = drain(child.stdout.take().expect("piped"));
    let err = drain(child.stderr.take().expect("piped"));
    Running {
        child,
        started: Instant::now(),
        out,
        err,
    }
}

impl Running {
    /// The child's process id.
    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    /// Sends `signal` to the child (if it has not been reaped, it still exists).
    pub fn signal(&self, signal: i32) {
        // SAFETY: kill(2) with a pid we started and have not reaped yet.
        unsafe { libc::kill(self.pid(), signal) };
    }

    /// Waits for the child (SIGKILL after `timeout`) and collects how it ended.
    pub fn wait(self, timeout: Duration) -> Run {
        self.wait_within(timeout, i64::MAX)
    }

    /// Like [`Running::wait`], also killing the child once its resident memory
    /// passes `max_rss_kib`.
    ///
    /// Peak memory is sampled from `/proc/PID/status` (VmHWM, the process's own
    /// high-water mark) every 2 ms: wait4's ru_maxrss would count this test
    /// process's memory too, which the child carries until its exec.
    pub fn wait_within(self, timeout: Duration, max_rss_kib: i64) -> Run {
        let pid = self.pid();
        let mut status = 0;
        let mut peak = 0;
        let mut killed = None;
        loop {
            peak = peak.max(vm_hwm_kib(pid));
            // SAFETY: waitpid on our own child with a valid out-pointer.
            let r = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
            if r == pid {
                break;
            }
            assert!(
                r == 0,
                "waitpid({pid}) failed: {}",
                std::io::Error::last_os_error()
            );
            if killed.is_none() && self.started.elapsed() > timeout {
                killed = Some(Killed::Timeout);
                self.signal(libc::SIGKILL);
            }
            if killed.is_none() && peak > max_rss_kib {
                killed = Some(Killed::Memory);
                self.signal(libc::SIGKILL);
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        let elapsed = self.started.elapsed();
        let text =
            |h: JoinHandle<Vec<u8>>| String::from_utf8_lossy(&h.join().unwrap()).into_owned();
        Run {
            code: libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status)),
            signal: libc::WIFSIGNALED(status).then(|| libc::WTERMSIG(status)),
            stdout: text(self.out),
            stderr: text(self.err),
            max_rss_kib: peak,
            elapsed,
            timed_out: killed == Some(Killed::Timeout),
            over_memory: killed == Some(Killed::Memory),
        }
    }
}

#[derive(PartialEq, Eq)]
enum Killed {
    Timeout,
    Memory,
}

/// The peak resident memory of a running process in KiB (0 once it has exited).
fn vm_hwm_kib(pid: i32) -> i64 {
    let Ok(status) = fs::read_to_string(format!("/proc/{pid}/status")) else {
        return 0;
    };
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Runs `cmd` to its end, killing it after `timeout`.
pub fn run(cmd: &mut Command, timeout: Duration) -> Run {
    spawn(cmd).wait(timeout)
}

/// A `wspack` command with a fixed build time (so builds are reproducible).
pub fn wspack() -> Command {
    let mut cmd = Command::new(WSPACK);
    cmd.env("SOURCE_DATE_EPOCH", "1700000000")
        .env_remove("RUST_BACKTRACE");
    cmd
}

/// Whether a message says where the problem is: `file:line:column` or a byte offset.
pub fn has_location(message: &str) -> bool {
    let b = message.as_bytes();
    let digits_at = |i: usize| {
        let n = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        (n > 0).then_some(i + n)
    };
    for i in 0..b.len() {
        if b[i] == b':' {
            if let Some(end) = digits_at(i + 1) {
                if end < b.len() && b[end] == b':' && digits_at(end + 1).is_some() {
                    return true;
                }
            }
        }
    }
    ["byte ", "offset "].iter().any(|w| {
        message
            .match_indices(w)
            .any(|(i, _)| digits_at(i + w.len()).is_some())
    })
}

/// Whether a message has a `help:` line.
pub fn has_help(message: &str) -> bool {
    message.lines().any(|l| l.trim_start().starts_with("help:"))
}

/// Splits a message into its `error:` blocks (each error with its causes and help).
pub fn error_blocks(message: &str) -> Vec<String> {
    let mut blocks: Vec<String> = Vec::new();
    for line in message.lines() {
        if line.starts_with("error:") || blocks.is_empty() {
            blocks.push(String::new());
        }
        let last = blocks.last_mut().expect("pushed above");
        last.push_str(line);
        last.push('\n');
    }
    blocks
}

/// Checks an exit-2 message: every error in it has a location and a `help:` line,
/// no raw control characters, no line longer than 1,000 characters.
pub fn refusal_invariants(message: &str) -> Vec<(&'static str, String)> {
    let mut broken = Vec::new();
    let blocks = error_blocks(message);
    if let Some(b) = blocks.iter().find(|b| !has_location(b)) {
        broken.push((
            "exit 2: every error names file:line:column or a byte offset",
            b.clone(),
        ));
    }
    if let Some(b) = blocks.iter().find(|b| !has_help(b)) {
        broken.push(("exit 2: every error has a help: line", b.clone()));
    }
    broken.extend(message_invariants(message));
    broken
}

/// Checks any message a person reads: no raw control characters (other than newline
/// and tab) and no line over 1,000 characters (long values are shortened).
pub fn message_invariants(message: &str) -> Vec<(&'static str, String)> {
    let mut broken = Vec::new();
    if let Some(c) = message
        .chars()
        .find(|c| c.is_control() && *c != '\n' && *c != '\t')
    {
        broken.push((
            "messages carry no raw control characters",
            format!("{c:?} in: {}", message.escape_debug()),
        ));
    }
    if let Some(line) = message.lines().find(|l| l.chars().count() > 1000) {
        broken.push((
            "message lines are at most 1,000 characters (long values shortened)",
            format!("a line of {} characters: {line}", line.chars().count()),
        ));
    }
    broken
}

/// Checks what every wspack run promises: an allowed exit code, no panic text, no
/// hang; on exit 2, a location and a `help:` line. Returns (invariant, detail).
pub fn common_invariants(run: &Run, allowed: &[i32]) -> Vec<(&'static str, String)> {
    let mut broken = Vec::new();
    if run.timed_out {
        broken.push(("no hang (killed at the timeout)", run.describe()));
    }
    if run.stderr.contains("panicked") || run.stderr.contains("RUST_BACKTRACE") {
        broken.push(("no panic text on stderr", run.describe()));
    }
    match run.code {
        Some(c) if allowed.contains(&c) => {}
        _ if run.timed_out || run.over_memory => {}
        _ => broken.push(("exit code in the allowed set", run.describe())),
    }
    let checks = if run.code == Some(2) {
        refusal_invariants(&run.stderr)
    } else {
        message_invariants(&run.stderr)
    };
    for (invariant, detail) in checks {
        broken.push((invariant, format!("exit {:?}: {detail}", run.code)));
    }
    broken
}

/// Names of the entries beside `out_dir` that a build leaves while it works (`.NAME.wspack-*`).
pub fn leftovers(out_dir: &Path) -> Vec<String> {
    let parent = out_dir.parent().expect("OUTDIR has a parent");
    let Ok(entries) = fs::read_dir(parent) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".wspack-"))
        .collect()
}

/// Runs `wspack verify DIR`; returns the run.
pub fn verify(dir: &Path) -> Run {
    run(wspack().arg("verify").arg(dir), Duration::from_secs(60))
}

/// Fails with a clear message when a tool is missing (nothing in this suite skips).
pub fn require_tool(tool: &str, package: &str) {
    let found = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(tool).is_file()))
        .unwrap_or(false);
    assert!(
        found,
        "`{tool}` is not on PATH: install it (Debian: apt-get install {package}); \
         this test needs the real tool and does not skip"
    );
}

/// Fails with a clear message unless the test runs as root (CI does).
pub fn require_root(why: &str) {
    // SAFETY: geteuid has no preconditions.
    let euid = unsafe { libc::geteuid() };
    assert!(
        euid == 0,
        "this test must run as root ({why}); CI runs as root; run it with sudo"
    );
}

/// A folder under the target dir that lives across runs, for inputs that are slow to make.
pub fn cache_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("fuzz-cache")
        .join(name);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// Byte-level mutations: flip bits, overwrite, delete, duplicate, insert, truncate, zero.
pub fn mutate_bytes(rng: &mut Rng, data: &mut Vec<u8>, ops: usize) {
    for _ in 0..ops {
        let len = data.len();
        match rng.below(8) {
            0 | 1 if len > 0 => {
                let i = rng.below(len);
                data[i] ^= 1 << rng.below(8);
            }
            2 if len > 0 => {
                let i = rng.below(len);
                data[i] = *rng.pick(&[0u8, 0xff, 0x7f, 0x80, b'"', b'\n', b'[', b'=', b'\\']);
            }
            3 if len > 0 => {
                let at = rng.below(len);
                let n = rng.below((len - at).min(64)) + 1;
                data.drain(at..at + n);
            }
            4 if len > 0 => {
                let at = rng.below(len);
                let n = rng.below((len - at).min(64)) + 1;
                let copy = data[at..at + n].to_vec();
                let to = rng.below(len + 1);
                data.splice(to..to, copy);
            }
            5 => {
                let at = rng.below(len + 1);
                let n = rng.below(16) + 1;
                let bytes = rng.bytes(n);
                data.splice(at..at, bytes);
            }
            6 if len > 0 && rng.one_in(4) => data.truncate(rng.below(len)),
            _ if len > 0 => {
                let at = rng.below(len);
                let n = rng.below((len - at).min(512)) + 1;
                data[at..at + n].fill(0);
            }
            _ => data.push(rng.next_u64() as u8),
        }
    }
}

/// Copies `from` to `to` as a hard link when possible (same file system), else a copy.
pub fn link_or_copy(from: &Path, to: &Path) {
    if fs::hard_link(from, to).is_err() {
        fs::copy(from, to).unwrap_or_else(|e| panic!("copy {from:?} to {to:?}: {e}"));
    }
}

/// Builds the minimal fixture policy into `out`: the package the mutation tests start from.
pub fn build_minimal_package(out: &Path) {
    let policy = Path::new(ROOT).join("fixtures/policies/good-minimal.toml");
    let build = run(
        wspack()
            .args(["build", "--quiet", "-o"])
            .arg(out)
            .arg(&policy),
        Duration::from_secs(120),
    );
    assert_eq!(build.code, Some(0), "build: {}", build.describe());
}
