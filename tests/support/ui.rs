//! Drives the installer's pages under Wine on a virtual X display, as a person
//! would: Xvfb, a Wine virtual desktop (so dialogs get title bars), `xdotool` for
//! the keys, `import` for screenshots and tesseract to read what a page says.
//!
//! ```ignore
//! let screen = Screen::start();                 // Xvfb on a free display
//! let wine = Wine::new();
//! screen.use_virtual_desktop(&wine);
//! let run = screen.msiexec(&wine, &["/i", &msi]); // not waited for
//! screen.page(&["Welcome", "1.0.0"], "welcome"); // waits until the page says it
//! screen.key("Return");
//! let result = run.finish();                     // MsiRun: exit code and log
//! ```
//!
//! Tesseract reads Wine's small dialog font only after
//! `convert -colorspace Gray -resize 300% -threshold 60%` (see design.md).

use super::wine::{decode_log, MsiRun, Wine};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The title every page's window has (`[ProductName] Setup`).
const TITLE_END: &str = "Setup$";
/// The titles of the installer's message boxes (Wine's msi: a failure's message is
/// "Windows Installer", a launch condition's "Install Failed").
const MESSAGE_BOX: &str = "^(Windows Installer|Install Failed)$";
/// How long a page may take to show.
pub const PAGE_TIMEOUT: Duration = Duration::from_secs(40);

/// An Xvfb display of our own; killed on drop.
pub struct Screen {
    display: String,
    xvfb: Child,
    /// Where each page's screenshot is copied (`WSPACK_SCREENSHOTS`), if anywhere.
    shots: Option<PathBuf>,
    work: tempfile::TempDir,
}

impl Screen {
    /// Starts Xvfb on the first free display from :90.
    pub fn start() -> Screen {
        for tool in [
            ("Xvfb", "xvfb"),
            ("xdotool", "xdotool"),
            ("import", "imagemagick"),
        ] {
            super::require_tool(tool.0, tool.1);
        }
        super::require_tool("tesseract", "tesseract-ocr tesseract-ocr-eng");
        let n = (90..140)
            .find(|n| !Path::new(&format!("/tmp/.X{n}-lock")).exists())
            .expect("a free X display number");
        let display = format!(":{n}");
        let xvfb = Command::new("Xvfb")
            .args([&display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start Xvfb");
        let screen = Screen {
            display,
            xvfb,
            shots: std::env::var_os("WSPACK_SCREENSHOTS").map(PathBuf::from),
            work: tempfile::tempdir().unwrap(),
        };
        let started = Instant::now();
        while !screen.xdotool(&["getdisplaygeometry"]).0 {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "Xvfb did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        screen
    }

    /// Gives the prefix a 1024×700 virtual desktop, where dialogs get title bars, then
    /// stops its wineserver: a desktop that an earlier Wine process started without
    /// this display would keep every later window off the screen.
    pub fn use_virtual_desktop(&self, wine: &Wine) {
        let explorer = r"HKCU\Software\Wine\Explorer";
        let values = [
            (explorer.to_string(), "Desktop", "Default"),
            (format!(r"{explorer}\Desktops"), "Default", "1024x700"),
        ];
        for (key, name, data) in values {
            let ok = wine
                .command("wine")
                .args(["reg", "add", &key, "/v", name, "/d", data, "/f"])
                .env("DISPLAY", &self.display)
                .stdout(Stdio::null())
                .status()
                .unwrap()
                .success();
            assert!(ok, "reg add {key}");
        }
        let _ = wine.command("wineserver").arg("-k").status();
        wine.wait();
    }

    /// Runs an X client on this display, killed after 5 s: a client can block while
    /// another one holds the server (a killed one lets go), so a hang becomes a retry.
    fn x(&self, program: &str, args: &[&str]) -> Option<std::process::Output> {
        let out = Command::new("timeout")
            .args(["-k", "1", "5", program])
            .args(args)
            .env("DISPLAY", &self.display)
            .output()
            .expect("run timeout (coreutils)");
        out.status.success().then_some(out)
    }

    fn xdotool(&self, args: &[&str]) -> (bool, String) {
        match self.x("xdotool", args) {
            Some(out) => (true, String::from_utf8_lossy(&out.stdout).into_owned()),
            None => (false, String::new()),
        }
    }

    /// Starts `wine msiexec ARGS /l*v LOG` on this display, without waiting.
    pub fn msiexec<'w>(&self, wine: &'w Wine, args: &[&str]) -> Running<'w> {
        let log = wine.prefix().join(format!("ui-{}.log", next_run()));
        let child = wine
            .command("wine")
            .arg("msiexec")
            .args(args)
            .arg("/l*v")
            .arg(wine.win_path(wine.prefix()) + "\\" + log.file_name().unwrap().to_str().unwrap())
            .env("DISPLAY", &self.display)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("run wine msiexec");
        Running { wine, child, log }
    }

    /// The id of the page's window, once there is one.
    fn window(&self) -> Option<String> {
        self.window_titled(TITLE_END)
    }

    /// The id of the last window whose title matches `pattern` (a regex), if any.
    fn window_titled(&self, pattern: &str) -> Option<String> {
        let (ok, out) = self.xdotool(&["search", "--name", pattern]);
        ok.then(|| out.lines().last().map(str::to_string)).flatten()
    }

    /// Presses a key (xdotool's names: `Return`, `Escape`, `alt+m`) in the page on top.
    pub fn key(&self, key: &str) {
        self.key_in(TITLE_END, key);
    }

    /// Presses a key in the installer's message box.
    pub fn key_in_message_box(&self, key: &str) {
        self.key_in(MESSAGE_BOX, key);
    }

    fn key_in(&self, title: &str, key: &str) {
        let window = self
            .window_titled(title)
            .expect("a window to press a key in");
        self.xdotool(&["windowfocus", &window]);
        std::thread::sleep(Duration::from_millis(200));
        let (ok, _) = self.xdotool(&["key", key]);
        assert!(ok, "xdotool key {key}");
    }

    /// A screenshot of the page on top (PNG), or `None` while there is no page.
    fn shoot(&self, path: &Path) -> Option<()> {
        self.shoot_titled(TITLE_END, path)
    }

    fn shoot_titled(&self, title: &str, path: &Path) -> Option<()> {
        let window = self.window_titled(title)?;
        self.x("import", &["-window", &window, path.to_str().unwrap()])
            .map(|_| ())
    }

    /// What the page on top says, read by tesseract ("" while there is no page).
    pub fn read(&self) -> String {
        self.read_titled(TITLE_END)
    }

    fn read_titled(&self, title: &str) -> String {
        let shot = self.work.path().join("page.png");
        match self.shoot_titled(title, &shot) {
            Some(()) => ocr(&shot, &self.work.path().join("page-ocr.png")),
            None => String::new(),
        }
    }

    /// Presses `key` and waits until the screen shows something else (a page
    /// already read once need not be read again; this costs no OCR).
    pub fn press(&self, key: &str) {
        let shot = self.work.path().join("before.png");
        let before = self.shoot(&shot).and_then(|()| std::fs::read(&shot).ok());
        self.key(key);
        let started = Instant::now();
        loop {
            let now = self.shoot(&shot).and_then(|()| std::fs::read(&shot).ok());
            if now.is_some() && now != before {
                return;
            }
            assert!(
                started.elapsed() < PAGE_TIMEOUT,
                "{key}: the page did not change"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Takes a screenshot of the page on top now, without reading it (for a page that
    /// may not stay long); saves it as `<name>.png` under `WSPACK_SCREENSHOTS` if set.
    /// [`Snapshot::says`] reads it later.
    pub fn snapshot(&self, name: &str) -> Snapshot {
        let path = self.work.path().join(format!("{name}.png"));
        self.shoot(&path).expect("a page to take a screenshot of");
        if let Some(dir) = &self.shots {
            std::fs::create_dir_all(dir).unwrap();
            std::fs::copy(&path, dir.join(format!("{name}.png"))).unwrap();
        }
        Snapshot { path }
    }

    /// Waits until the page on top says every one of `words` (ignoring case: OCR
    /// reads a capital I for a small one now and then); saves its screenshot as
    /// `<name>.png` under `WSPACK_SCREENSHOTS` if set and `name` is not empty;
    /// returns what it says. (OCR reads "medv" as "medyv" now and then: pick
    /// words it reads well.) A blank or
    /// other page fails the test, with what it said.
    pub fn page(&self, words: &[&str], name: &str) -> String {
        self.wait_for_words(TITLE_END, words, name)
    }

    /// [`Screen::page`] for the installer's message box (a failure's message).
    pub fn message_box(&self, words: &[&str], name: &str) -> String {
        self.wait_for_words(MESSAGE_BOX, words, name)
    }

    fn wait_for_words(&self, title: &str, words: &[&str], name: &str) -> String {
        let started = Instant::now();
        loop {
            let text = self.read_titled(title);
            let lower = text.to_lowercase();
            if words.iter().all(|w| lower.contains(&w.to_lowercase())) {
                eprintln!(
                    "page {name} after {:.1} s: {text}",
                    started.elapsed().as_secs_f64()
                );
                if let Some(dir) = self.shots.as_ref().filter(|_| !name.is_empty()) {
                    std::fs::create_dir_all(dir).unwrap();
                    self.shoot_titled(title, &dir.join(format!("{name}.png")))
                        .expect("screenshot");
                }
                return text;
            }
            assert!(
                started.elapsed() < PAGE_TIMEOUT,
                "page {name}: expected {words:?}, the screen says: {text:?}"
            );
            std::thread::sleep(Duration::from_millis(300));
        }
    }
}

/// A page's screenshot taken by [`Screen::snapshot`].
pub struct Snapshot {
    path: PathBuf,
}

impl Snapshot {
    /// Asserts that the page said every one of `words` (ignoring case).
    pub fn says(&self, words: &[&str]) {
        let text = ocr(&self.path, &self.path.with_extension("ocr.png"));
        let lower = text.to_lowercase();
        let missing: Vec<&&str> = words
            .iter()
            .filter(|w| !lower.contains(&w.to_lowercase()))
            .collect();
        assert!(
            missing.is_empty(),
            "{}: no {missing:?} in {text:?}",
            self.path.display()
        );
        eprintln!("snapshot {}: {text}", self.path.display());
    }
}

/// Reads a screenshot with tesseract after `convert -colorspace Gray -resize 300%
/// -threshold 60%` (without it tesseract reads little of Wine's small font).
fn ocr(shot: &Path, prepared: &Path) -> String {
    let ok = Command::new("convert")
        .arg(shot)
        .args([
            "-colorspace",
            "Gray",
            "-resize",
            "300%",
            "-threshold",
            "60%",
        ])
        .arg(prepared)
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        return String::new();
    }
    let out = Command::new("tesseract")
        .arg(prepared)
        .arg("-")
        .stderr(Stdio::null())
        .output()
        .expect("run tesseract");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

impl Drop for Screen {
    fn drop(&mut self) {
        // SIGTERM, so that Xvfb removes its lock file (kill() would leave it).
        let _ = Command::new("kill")
            .arg(self.xvfb.id().to_string())
            .status();
        let _ = self.xvfb.wait();
    }
}

/// A new number for each msiexec run's log.
fn next_run() -> usize {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// An msiexec started by [`Screen::msiexec`].
pub struct Running<'w> {
    wine: &'w Wine,
    child: Child,
    log: PathBuf,
}

impl Running<'_> {
    /// Waits for msiexec and the wineserver; returns the exit code and the log.
    pub fn finish(mut self) -> MsiRun {
        let started = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "msiexec still running"
            );
            std::thread::sleep(Duration::from_millis(100));
        };
        self.wine.wait();
        MsiRun {
            code: status.code(),
            log: decode_log(&std::fs::read(&self.log).unwrap_or_default()),
        }
    }
}
