//! setup.exe: runs `msiexec.exe /i "<the one .msi beside me>" <my command-line tail>`,
//! waits, and exits with msiexec's exit code. The tail is passed through verbatim
//! (from GetCommandLineW), so `setup.exe /qn OVERWRITEVHD=1 /l*v "C:\my logs\x.log"`
//! means what it means to msiexec. With no .msi, or several, it says so in a
//! message box (unless a quiet switch /q... /quiet /passive was given) and on
//! stderr, and exits with 1603. The same happens when the sidecar `<stem>.medv` is not
//! beside `<stem>.msi` and nothing can stand in for it: no update `<stem>.delta.medv`
//! beside it and no workspace disk `<stem>.vhd` staged in the default folder (a
//! version that changes only the policy installs from the `.msi` alone; the
//! package's own check then decides, before it writes anything).
//!
//! A one-file setup EXE (`<internal_name>-setup.exe`) carries the package after its
//! own bytes (see `bundle`): it extracts only the `.msi` into a temporary folder,
//! tells the install where the sidecar's bytes are inside the EXE (the
//! `WSPACK_SIDECAR` property, read in place by the staging action), and removes
//! the folder when msiexec is done.
//!
//! setup.exe passes nothing that starts the MED-V host agent: with full UI the
//! installer's own Finish page offers that.
#![cfg_attr(windows, windows_subsystem = "windows")]

// Read only on Windows (and by its unit tests on any host).
#[cfg_attr(not(windows), allow(dead_code))]
mod bundle;

/// ERROR_INSTALL_FAILURE
const FAILURE: i32 = 1603;

/// The raw command line after the program name, as Windows' argv rules split it.
pub fn tail(cmdline: &str) -> &str {
    let s = cmdline.trim_start_matches([' ', '\t']);
    let rest = if let Some(r) = s.strip_prefix('"') {
        match r.find('"') {
            Some(i) => &r[i + 1..],
            None => "",
        }
    } else {
        match s.find([' ', '\t']) {
            Some(i) => &s[i..],
            None => "",
        }
    };
    rest.trim_start_matches([' ', '\t'])
}

/// True if the tail asks msiexec for no UI (then setup.exe shows none either).
pub fn quiet(tail: &str) -> bool {
    tail.split([' ', '\t']).any(|a| {
        let a = a.to_ascii_lowercase();
        let a = a.trim_matches('"');
        let sw = a.strip_prefix('/').or_else(|| a.strip_prefix('-'));
        matches!(sw, Some(s) if s.starts_with('q') || s == "passive")
    })
}

/// The one `*.msi` in `names`, or an error message.
pub fn pick_msi(dir: &str, names: &[String]) -> Result<String, String> {
    let mut msis: Vec<&String> = names
        .iter()
        .filter(|n| n.to_ascii_lowercase().ends_with(".msi"))
        .collect();
    msis.sort();
    match msis.len() {
        1 => Ok(msis[0].clone()),
        0 => Err(format!("No installer package (.msi) was found in {}.\n\nsetup.exe must be in the same folder as the workspace's .msi and .medv files.", dir)),
        _ => Err(format!(
            "{} installer packages (.msi) were found in {}: {}.\n\nsetup.exe needs exactly one; run msiexec /i <package>.msi instead, or keep one package per folder.",
            msis.len(),
            dir,
            msis.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
        )),
    }
}

/// The sidecar the package `msi` (a file name) reads: `<stem>.medv`.
pub fn sidecar_name(msi: &str) -> String {
    format!("{}.medv", stem(msi))
}

/// The package's file name without `.msi`: the workspace's internal name.
fn stem(msi: &str) -> &str {
    if msi.to_ascii_lowercase().ends_with(".msi") {
        &msi[..msi.len() - 4]
    } else {
        msi
    }
}

/// The message for a sidecar that is not beside its package in `dir`.
pub fn missing_sidecar(medv: &str, msi: &str, dir: &str) -> String {
    format!(
        "{} must be in the same folder as {} ({}).\n\nCopy both files together and run setup again.",
        medv, msi, dir
    )
}

/// Whether the install needs the sidecar for sure: it is not in `dir`, no delta
/// is, and `staged` (the disk in the default folder, if known) does not exist.
pub fn sidecar_needed(dir: &std::path::Path, msi: &str, staged: Option<&std::path::Path>) -> bool {
    let beside = |name: String| dir.join(name).is_file();
    !beside(sidecar_name(msi))
        && !beside(format!("{}.delta.medv", stem(msi)))
        && !staged.map_or(false, |p| p.is_file())
}

/// The property that tells the install where the sidecar is inside this EXE
/// (quoted for msiexec's command line; a Windows path holds no `"`).
pub fn window_property(exe: &str, medv: &bundle::Member) -> String {
    let window = wspack_contract::window::Window {
        path: exe.to_string(),
        offset: medv.offset,
        length: medv.length,
    };
    format!(
        "{}=\"{}\"",
        wspack_contract::window::PROP,
        window.to_property()
    )
}

#[cfg(windows)]
mod win {
    use std::ffi::OsStr;
    use std::os::windows::ffi::OsStrExt;
    use std::os::windows::process::CommandExt;
    use std::path::PathBuf;
    use std::process::Command;

    #[link(name = "kernel32")]
    extern "system" {
        fn GetCommandLineW() -> *const u16;
        fn GetSystemDirectoryW(buf: *mut u16, len: u32) -> u32;
    }

    #[link(name = "user32")]
    extern "system" {
        fn MessageBoxW(hwnd: isize, text: *const u16, caption: *const u16, kind: u32) -> i32;
    }

    fn wide(s: &str) -> Vec<u16> {
        OsStr::new(s).encode_wide().chain(Some(0)).collect()
    }

    pub fn command_line() -> String {
        unsafe {
            let p = GetCommandLineW();
            if p.is_null() {
                return String::new();
            }
            let mut n = 0;
            while *p.add(n) != 0 {
                n += 1;
            }
            String::from_utf16_lossy(std::slice::from_raw_parts(p, n))
        }
    }

    pub fn msiexec() -> PathBuf {
        let mut buf = [0u16; 520];
        let n = unsafe { GetSystemDirectoryW(buf.as_mut_ptr(), buf.len() as u32) } as usize;
        if n == 0 || n >= buf.len() {
            return PathBuf::from("msiexec.exe");
        }
        PathBuf::from(String::from_utf16_lossy(&buf[..n])).join("msiexec.exe")
    }

    pub fn message(text: &str) {
        const MB_OK: u32 = 0;
        const MB_ICONERROR: u32 = 0x10;
        let t = wide(text);
        let c = wide("Workspace setup");
        unsafe { MessageBoxW(0, t.as_ptr(), c.as_ptr(), MB_OK | MB_ICONERROR) };
    }

    pub fn run(msi: &std::path::Path, extra: &str, tail: &str) -> std::io::Result<i32> {
        let mut cmd = Command::new(msiexec());
        cmd.arg("/i").arg(msi);
        if !extra.is_empty() {
            cmd.raw_arg(extra);
        }
        if !tail.is_empty() {
            cmd.raw_arg(tail);
        }
        let status = cmd.status()?;
        Ok(status.code().unwrap_or(super::FAILURE))
    }
}

#[cfg(windows)]
fn fail(msg: &str, quiet: bool) -> ! {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "setup: {}", msg.replace("\n\n", " "));
    if !quiet {
        win::message(msg);
    }
    std::process::exit(FAILURE);
}

#[cfg(windows)]
fn main() {
    let line = win::command_line();
    let tail = tail(&line).to_string();
    let q = quiet(&tail);
    let exe = match std::env::current_exe() {
        Ok(p) => p,
        Err(e) => fail(&format!("can't tell where setup is: {}", e), q),
    };
    let stored = std::fs::File::open(&exe)
        .map_err(|e| format!("can't read {}: {}", exe.display(), e))
        .and_then(|mut f| bundle::read(&mut f));
    match stored {
        Ok(Some(b)) => std::process::exit(run_stored(&exe, &b, &tail, q)),
        Ok(None) => {}
        Err(e) => fail(&e, q),
    }
    let dir = match exe.parent() {
        Some(d) => d.to_path_buf(),
        None => fail("can't tell which folder setup.exe is in", q),
    };
    let msi = msi_beside(&dir, q);
    match win::run(&msi, "", &tail) {
        Ok(code) => std::process::exit(code),
        Err(e) => fail(&format!("can't start msiexec.exe: {}", e), q),
    }
}

/// The one `.msi` in `dir`, once its sidecar is known to be beside it.
#[cfg(windows)]
fn msi_beside(dir: &std::path::Path, q: bool) -> std::path::PathBuf {
    let names: Vec<String> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().map(|t| t.is_file()).unwrap_or(false))
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect(),
        Err(e) => fail(&format!("can't list {}: {}", dir.display(), e), q),
    };
    let msi = match pick_msi(&dir.display().to_string(), &names) {
        Ok(m) => m,
        Err(e) => fail(&e, q),
    };
    let staged = std::env::var_os("ProgramData").map(|d| {
        let vhd = format!("Microsoft\\Medv\\Workspace\\{}.vhd", stem(&msi));
        std::path::Path::new(&d).join(vhd)
    });
    if sidecar_needed(dir, &msi, staged.as_deref()) {
        let medv = sidecar_name(&msi);
        fail(&missing_sidecar(&medv, &msi, &dir.display().to_string()), q);
    }
    dir.join(msi)
}

/// Installs the package stored in this EXE: extracts the `.msi` into a temporary
/// folder, runs it with the sidecar's window, removes the folder; returns msiexec's code.
#[cfg(windows)]
fn run_stored(exe: &std::path::Path, b: &bundle::Bundle, tail: &str, q: bool) -> i32 {
    use std::io::{Read, Seek, SeekFrom};
    let dir = std::env::temp_dir().join(format!("wspack-setup-{}", std::process::id()));
    let msi = dir.join(&b.msi.name);
    let extracted = std::fs::create_dir_all(&dir).and_then(|_| {
        let mut src = std::fs::File::open(exe)?;
        src.seek(SeekFrom::Start(b.msi.offset))?;
        let mut out = std::fs::File::create(&msi)?;
        let n = std::io::copy(&mut src.take(b.msi.length), &mut out)?;
        if n != b.msi.length {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "setup is truncated",
            ));
        }
        out.sync_all()
    });
    if let Err(e) = extracted {
        let _ = std::fs::remove_dir_all(&dir);
        fail(
            &format!(
                "can't unpack the installer package into {}: {}",
                dir.display(),
                e
            ),
            q,
        );
    }
    let window = window_property(&exe.display().to_string(), &b.medv);
    let code = win::run(&msi, &window, tail);
    let _ = std::fs::remove_dir_all(&dir);
    match code {
        Ok(code) => code,
        Err(e) => fail(&format!("can't start msiexec.exe: {}", e), q),
    }
}

#[cfg(not(windows))]
fn main() {
    eprintln!("setup.exe runs on Windows only");
    std::process::exit(FAILURE);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_the_raw_tail() {
        assert_eq!(tail("setup.exe /qn OVERWRITEVHD=1"), "/qn OVERWRITEVHD=1");
        assert_eq!(
            tail("\"C:\\my dir\\setup.exe\"  /l*v \"C:\\a b\\x.log\" P=\"x y\""),
            "/l*v \"C:\\a b\\x.log\" P=\"x y\""
        );
        assert_eq!(tail("\"C:\\s.exe\""), "");
        assert_eq!(tail("setup"), "");
        assert_eq!(tail("C:\\s.exe\t/qb"), "/qb");
    }

    #[test]
    fn knows_quiet_switches() {
        assert!(quiet("/qn OVERWRITEVHD=1"));
        assert!(quiet("/l*v x.log /QB-"));
        assert!(quiet("-quiet"));
        assert!(quiet("/passive"));
        assert!(!quiet("OVERWRITEVHD=1 /l*v q.log"));
        assert!(!quiet(""));
    }

    #[test]
    fn picks_exactly_one_msi() {
        let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            pick_msi("C:\\d", &v(&["setup.exe", "ws.MSI", "ws.medv"])).unwrap(),
            "ws.MSI"
        );
        assert!(pick_msi("C:\\d", &v(&["setup.exe"]))
            .unwrap_err()
            .contains("No installer package"));
        assert!(pick_msi("C:\\d", &v(&["a.msi", "b.msi"]))
            .unwrap_err()
            .contains("2 installer packages"));
    }

    #[test]
    fn the_sidecar_is_needed_only_when_nothing_stands_in_for_it() {
        let dir = std::env::temp_dir().join(format!("wspack-setup-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let staged = dir.join("staged.vhd");
        assert!(sidecar_needed(&dir, "ws.msi", None));
        assert!(sidecar_needed(&dir, "ws.msi", Some(&staged)));
        std::fs::write(&staged, b"disk").unwrap();
        assert!(!sidecar_needed(&dir, "ws.msi", Some(&staged)));
        std::fs::write(dir.join("ws.delta.medv"), b"delta").unwrap();
        assert!(!sidecar_needed(&dir, "ws.MSI", None));
        std::fs::remove_file(dir.join("ws.delta.medv")).unwrap();
        std::fs::write(dir.join("ws.medv"), b"sidecar").unwrap();
        assert!(!sidecar_needed(&dir, "ws.msi", None));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn names_the_sidecar_after_the_package() {
        assert_eq!(sidecar_name("contoso.msi"), "contoso.medv");
        assert_eq!(sidecar_name("Contoso.v2.MSI"), "Contoso.v2.medv");
        assert_eq!(
            missing_sidecar("contoso.medv", "contoso.msi", "C:\\pkg"),
            "contoso.medv must be in the same folder as contoso.msi (C:\\pkg).\n\nCopy both files together and run setup again."
        );
    }

    #[test]
    fn passes_the_window_as_a_property() {
        let m = bundle::Member {
            name: "ws.medv".into(),
            offset: 4096,
            length: 77,
        };
        assert_eq!(
            window_property("C:\\a b\\ws-setup.exe", &m),
            "WSPACK_SIDECAR=\"4096:77:C:\\a b\\ws-setup.exe\""
        );
    }
}
