//! setup.exe: runs `msiexec.exe /i "<the one .msi beside me>" <my command-line tail>`,
//! waits, and exits with msiexec's exit code. The tail is passed through verbatim
//! (from GetCommandLineW), so `setup.exe /qn OVERWRITEVHD=1 /l*v "C:\my logs\x.log"`
//! means what it means to msiexec. With no .msi, or several, it says so in a
//! message box (unless a quiet switch /q... /quiet /passive was given) and on
//! stderr, and exits with 1603.
#![cfg_attr(windows, windows_subsystem = "windows")]

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

    pub fn run(msi: &std::path::Path, tail: &str) -> std::io::Result<i32> {
        let mut cmd = Command::new(msiexec());
        cmd.arg("/i").arg(msi);
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
    let dir = match std::env::current_exe() {
        Ok(p) => match p.parent() {
            Some(d) => d.to_path_buf(),
            None => fail("can't tell which folder setup.exe is in", q),
        },
        Err(e) => fail(&format!("can't tell where setup.exe is: {}", e), q),
    };
    let names: Vec<String> = match std::fs::read_dir(&dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().map(|t| t.is_file()).unwrap_or(false))
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect(),
        Err(e) => fail(&format!("can't list {}: {}", dir.display(), e), q),
    };
    let msi = match pick_msi(&dir.display().to_string(), &names) {
        Ok(m) => dir.join(m),
        Err(e) => fail(&e, q),
    };
    match win::run(&msi, &tail) {
        Ok(code) => std::process::exit(code),
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
}
