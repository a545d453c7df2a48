//! A small harness around Wine's `msiexec` and `reg`, for tests that install MSIs.
//!
//! ```ignore
//! let wine = Wine::new();                       // fresh WINEPREFIX in a tempdir, wineboot -i
//! let run = wine.msiexec(&["/i", &wine.win_path(&msi), "/qn"]);
//! assert!(run.log.contains("Installation completed successfully"), "{}", run.log);
//! let values = wine.reg_query(r"HKLM\SOFTWARE\Microsoft\Medv\v2").unwrap();
//! ```
//!
//! Facts this harness encodes (checked by hand under Wine 8 when it was written):
//! - `wineboot -i` takes 10–60 s: create one `Wine` per test file and reuse it.
//! - Wine's `msiexec` returns before its work is done, so every `msiexec` call is
//!   followed by `wineserver -w` before anything looks at files or the registry.
//! - `wine reg query` prints through the OEM codepage 437: the output is converted
//!   with `iconv -f CP437 -t UTF-8` (characters outside CP437 are lost by Wine itself).
//! - Wine reports some failures as success: assert outcomes (registry, files),
//!   never the exit code alone. The exit code is returned for information.
//! - `reg query` runs with `/reg:64`: the 64-bit view, where an x64 MSI writes.
//!
//! Dropping the `Wine` kills its wineserver (`wineserver -k`) and removes the prefix.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// One typed registry value as `reg query` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegQueryData {
    /// `REG_DWORD` (shown as 0x…).
    Dword(u32),
    /// `REG_SZ`.
    Sz(String),
    /// `REG_MULTI_SZ` (reg shows the strings joined by `\0`).
    MultiSz(Vec<String>),
    /// Any other type: (type name, text as shown).
    Other(String, String),
}

/// Values of one key: value name (empty for the default value) → data.
pub type KeyValues = BTreeMap<String, RegQueryData>;

/// The result of one `msiexec` call.
#[derive(Debug)]
pub struct MsiRun {
    /// The Unix exit status of `wine msiexec`: the Windows exit code modulo 256
    /// (0 success, 67 = 1603 fatal error, 194 = 3010 reboot, 102 = 1638 other version).
    /// Wine may claim success for a failed custom action: assert outcomes.
    pub code: Option<i32>,
    /// The verbose log (`/l*v`), decoded from UTF-16 or ANSI.
    pub log: String,
}

impl MsiRun {
    /// The return value of the top-level action as Wine logs it
    /// (`Action ended …: INSTALL. Return value N.`): 1 success, 0 or 3 failure.
    pub fn top_level_result(&self) -> Option<u32> {
        self.log
            .lines()
            .rev()
            .find(|l| l.starts_with("Action ended") && l.contains(": INSTALL. Return value "))
            .and_then(|l| l.rsplit("Return value ").next())
            .and_then(|v| v.trim().trim_end_matches('.').parse().ok())
    }

    /// Whether the log says the install (or removal) succeeded: the top-level INSTALL
    /// action ended with return value 1 (Wine 8 writes no "completed successfully").
    pub fn log_says_success(&self) -> bool {
        self.top_level_result() == Some(1)
    }

    /// The value of a property as the log's final property dump shows it.
    pub fn property(&self, name: &str) -> Option<String> {
        let prefix = format!("Property(S): {name} = ");
        self.log
            .lines()
            .rev()
            .find_map(|l| l.strip_prefix(&prefix))
            .map(str::to_string)
    }
}

/// A Wine prefix of its own.
pub struct Wine {
    dir: tempfile::TempDir,
    runs: std::cell::Cell<u32>,
}

impl Wine {
    /// Creates a fresh prefix (`wineboot -i`, then `wineserver -w`).
    /// Panics with a clear message if Wine is not installed.
    pub fn new() -> Wine {
        super::require_tool("wine", "wine wine64");
        super::require_tool("wineserver", "wine wine64");
        super::require_tool("iconv", "libc-bin");
        // wineboot now and then fails to load kernel32.dll when several prefixes boot
        // at once on a loaded machine; a second, fresh prefix is then tried once.
        match Wine::boot() {
            Ok(wine) => wine,
            Err(first) => Wine::boot()
                .unwrap_or_else(|second| panic!("wineboot -i failed twice:\n{first}\n{second}")),
        }
    }

    fn boot() -> Result<Wine, String> {
        let dir = tempfile::Builder::new()
            .prefix("wspack-wine-")
            .tempdir()
            .expect("create WINEPREFIX dir");
        let wine = Wine {
            dir,
            runs: std::cell::Cell::new(0),
        };
        let out = wine
            .command("wineboot")
            .arg("-i")
            .output()
            .expect("run wineboot");
        wine.wait();
        if !out.status.success()
            || !wine
                .drive_c()
                .join("windows/system32/kernel32.dll")
                .is_file()
        {
            return Err(format!(
                "wineboot -i in {}: {}",
                wine.prefix().display(),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(wine)
    }

    /// The WINEPREFIX.
    pub fn prefix(&self) -> &Path {
        self.dir.path()
    }

    /// `$WINEPREFIX/drive_c`.
    pub fn drive_c(&self) -> PathBuf {
        self.prefix().join("drive_c")
    }

    /// A `Command` for a Wine tool with this prefix and `WINEDEBUG=-all`.
    pub fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        cmd.env("WINEPREFIX", self.prefix())
            .env("WINEDEBUG", "-all")
            // No Mono/Gecko prompts; and no winedbg: a process that crashes must end,
            // not wait for a debugger session that nobody attends (the test would hang).
            .env("WINEDLLOVERRIDES", "mscoree,mshtml=;winedbg.exe=d")
            .env_remove("DISPLAY")
            .stdin(Stdio::null());
        cmd
    }

    /// Waits until the prefix's wineserver has nothing left to do.
    pub fn wait(&self) {
        let _ = self.command("wineserver").arg("-w").status();
    }

    /// The Windows path (`Z:\…`) of a Linux path, for msiexec arguments.
    pub fn win_path(&self, path: &Path) -> String {
        let abs = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        format!("Z:{}", abs.display()).replace('/', "\\")
    }

    /// Runs `wine msiexec ARGS /l*v LOG`, waits for wineserver, returns exit code and log.
    pub fn msiexec(&self, args: &[&str]) -> MsiRun {
        let n = self.runs.get() + 1;
        self.runs.set(n);
        let log_path = self.prefix().join(format!("msiexec-{n}.log"));
        let _ = std::fs::remove_file(&log_path);
        let status = self
            .command("wine")
            .arg("msiexec")
            .args(args)
            .arg("/l*v")
            .arg(self.win_path(self.prefix()) + &format!("\\msiexec-{n}.log"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("run wine msiexec");
        self.wait();
        let bytes = std::fs::read(&log_path).unwrap_or_default();
        MsiRun {
            code: status.code(),
            log: decode_log(&bytes),
        }
    }

    /// Runs `wine reg ARGS` in the 64-bit view; returns success and its output as
    /// UTF-8 (from CP437). No `wineserver -w` here: `reg` is synchronous and the
    /// registry lives in the running wineserver (waiting would cost ~2 s a call).
    pub fn reg(&self, args: &[&str]) -> (bool, String) {
        let out: Output = self
            .command("wine")
            .arg("reg")
            .args(args)
            .arg("/reg:64")
            .output()
            .expect("run wine reg");
        (out.status.success(), cp437_to_utf8(&out.stdout))
    }

    /// Whether a key exists (64-bit view), e.g. `HKLM\SOFTWARE\Microsoft\Medv`.
    pub fn key_exists(&self, key: &str) -> bool {
        let (ok, text) = self.reg(&["query", key]);
        ok && !text.contains("Unable to find")
    }

    /// `reg query KEY /s`: every key at and below KEY (as `HKLM\…`) with its values.
    /// `None` if KEY is absent. (Wine omits KEY's own line when it has no values;
    /// KEY is always in the map.)
    pub fn reg_query(&self, key: &str) -> Option<BTreeMap<String, KeyValues>> {
        let (ok, text) = self.reg(&["query", key, "/s"]);
        if !ok {
            return None;
        }
        let mut keys = parse_reg_query(&text);
        keys.entry(normalize_root(key)).or_default();
        Some(keys)
    }

    /// Every Uninstall entry (64-bit view), by ProductCode or subkey name.
    pub fn uninstall_entries(&self) -> BTreeMap<String, KeyValues> {
        let root = r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall";
        self.reg_query(root)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(key, values)| {
                let sub = key.strip_prefix(root)?.strip_prefix('\\')?.to_string();
                Some((sub, values))
            })
            .collect()
    }

    /// The Uninstall entry of a product: DisplayName, DisplayVersion, Publisher, ….
    pub fn uninstall_entry(&self, product_code: &str) -> Option<KeyValues> {
        self.uninstall_entries().remove(product_code)
    }
}

/// The entries whose DisplayName starts with `prefix`: (subkey, DisplayVersion).
pub fn entries_named(entries: &BTreeMap<String, KeyValues>, prefix: &str) -> Vec<(String, String)> {
    entries
        .iter()
        .filter_map(|(key, values)| match values.get("DisplayName") {
            Some(RegQueryData::Sz(name)) if name.starts_with(prefix) => {
                let version = match values.get("DisplayVersion") {
                    Some(RegQueryData::Sz(v)) => v.clone(),
                    _ => String::new(),
                };
                Some((key.clone(), version))
            }
            _ => None,
        })
        .collect()
}

impl Drop for Wine {
    fn drop(&mut self) {
        // Kill, then wait until the server has exited (it writes the registry files
        // into the prefix on its way out) before the tempdir is removed.
        let _ = self.command("wineserver").arg("-k").status();
        let _ = self.command("wineserver").arg("-w").status();
    }
}

/// Decodes an msiexec log: UTF-16LE with BOM (Wine's `/l*v`) or ANSI.
pub fn decode_log(bytes: &[u8]) -> String {
    if bytes.len() >= 2 && bytes[0] == 0xFF && bytes[1] == 0xFE {
        let units: Vec<u16> = bytes[2..]
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    } else {
        String::from_utf8_lossy(bytes).into_owned()
    }
}

/// Converts `reg` output from the console codepage 437 with the system's `iconv`.
pub fn cp437_to_utf8(bytes: &[u8]) -> String {
    use std::io::Write;
    let mut child = Command::new("iconv")
        .args(["-f", "CP437", "-t", "UTF-8"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run iconv");
    child
        .stdin
        .take()
        .expect("iconv stdin")
        .write_all(bytes)
        .expect("write to iconv");
    let out = child.wait_with_output().expect("iconv output");
    assert!(out.status.success(), "iconv -f CP437 failed");
    String::from_utf8(out.stdout).expect("iconv gives UTF-8")
}

/// Parses `reg query /s` output: key lines start without indent, values are
/// `    NAME    REG_TYPE    DATA` (four-space separated).
pub fn parse_reg_query(text: &str) -> BTreeMap<String, KeyValues> {
    let mut keys = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines().map(|l| l.trim_end_matches('\r')) {
        if line.is_empty() {
            continue;
        }
        if !line.starts_with(' ') {
            if line.starts_with("HKEY_") || line.starts_with("HK") {
                let key = normalize_root(line);
                keys.entry(key.clone()).or_insert_with(KeyValues::new);
                current = Some(key);
            }
            continue;
        }
        let Some(key) = &current else { continue };
        let body = line.trim_start();
        let mut parts = body.splitn(3, "    ");
        let (Some(name), Some(kind)) = (parts.next(), parts.next()) else {
            continue;
        };
        let data = parts.next().unwrap_or("").to_string();
        let name = if name == "(Default)" {
            String::new()
        } else {
            name.to_string()
        };
        let value = match kind {
            "REG_DWORD" => RegQueryData::Dword(
                u32::from_str_radix(data.trim_start_matches("0x"), 16).unwrap_or(u32::MAX),
            ),
            "REG_SZ" => RegQueryData::Sz(data),
            "REG_MULTI_SZ" => RegQueryData::MultiSz(
                data.split("\\0")
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect(),
            ),
            other => RegQueryData::Other(other.to_string(), data),
        };
        keys.get_mut(key).expect("key inserted").insert(name, value);
    }
    keys
}

/// `HKEY_LOCAL_MACHINE\X` → `HKLM\X` (and the other roots).
fn normalize_root(key: &str) -> String {
    for (long, short) in [
        ("HKEY_LOCAL_MACHINE", "HKLM"),
        ("HKEY_CURRENT_USER", "HKCU"),
        ("HKEY_CLASSES_ROOT", "HKCR"),
        ("HKEY_USERS", "HKU"),
    ] {
        if let Some(rest) = key.strip_prefix(long) {
            return format!("{short}{rest}");
        }
    }
    key.to_string()
}

/// Asserts that `HKLM\SOFTWARE\Microsoft\Medv\v2` holds exactly the policy's values,
/// each with its type and data, and nothing else.
pub fn assert_policy_in_registry(wine: &Wine, policy: &wspack::policy::Policy) {
    const V2: &str = r"HKLM\SOFTWARE\Microsoft\Medv\v2";
    let keys = wine
        .reg_query(V2)
        .unwrap_or_else(|| panic!("no {V2} in the registry"));
    for v in policy.registry_values() {
        let key = format!(r"HKLM\{}", v.full_key());
        let got = keys.get(&key).and_then(|values| values.get(v.name));
        assert_eq!(got, Some(&RegQueryData::from(&v.data)), "{key}\\{}", v.name);
    }
    let count: usize = keys.values().map(|values| values.len()).sum();
    assert_eq!(
        count,
        policy.registry_values().len(),
        "no value beyond the policy's: {keys:#?}"
    );
}

impl From<&wspack::policy::RegData> for RegQueryData {
    /// What `reg query` shows for a value the package writes.
    fn from(data: &wspack::policy::RegData) -> Self {
        use wspack::policy::RegData;
        match data {
            RegData::Dword(n) => RegQueryData::Dword(*n),
            RegData::Sz(s) => RegQueryData::Sz(s.clone()),
            RegData::MultiSz(lines) => RegQueryData::MultiSz(lines.clone()),
        }
    }
}
