//! Windows glue: wide strings, the installer session (msi.dll) and the registry.

use crate::shown::Shown;
use crate::staging::Host;
use std::ffi::OsStr;
use std::os::windows::ffi::OsStrExt;
use std::path::Path;
use std::ptr;

/// An installer handle (`MSIHANDLE`).
pub type MsiHandle = u32;

const ERROR_MORE_DATA: u32 = 234;
const IDCANCEL: i32 = 2;

const INSTALLMESSAGE_ERROR: i32 = 0x0100_0000;
const INSTALLMESSAGE_INFO: i32 = 0x0400_0000;
const INSTALLMESSAGE_ACTIONDATA: i32 = 0x0900_0000;
const INSTALLMESSAGE_PROGRESS: i32 = 0x0A00_0000;
const MB_OK: i32 = 0;
const MB_ICONERROR: i32 = 0x10;

#[link(name = "msi")]
extern "system" {
    fn MsiGetPropertyW(h: MsiHandle, name: *const u16, value: *mut u16, len: *mut u32) -> u32;
    fn MsiSetPropertyW(h: MsiHandle, name: *const u16, value: *const u16) -> u32;
    fn MsiProcessMessage(h: MsiHandle, kind: i32, record: MsiHandle) -> i32;
    fn MsiCreateRecord(fields: u32) -> MsiHandle;
    fn MsiRecordSetStringW(record: MsiHandle, field: u32, value: *const u16) -> u32;
    fn MsiRecordSetInteger(record: MsiHandle, field: u32, value: i32) -> u32;
    fn MsiCloseHandle(h: MsiHandle) -> u32;
    fn MsiOpenDatabaseW(path: *const u16, persist: *const u16, db: *mut MsiHandle) -> u32;
    fn MsiDatabaseOpenViewW(db: MsiHandle, query: *const u16, view: *mut MsiHandle) -> u32;
    fn MsiViewExecute(view: MsiHandle, record: MsiHandle) -> u32;
    fn MsiViewFetch(view: MsiHandle, record: *mut MsiHandle) -> u32;
    fn MsiRecordReadStream(record: MsiHandle, field: u32, buf: *mut u8, len: *mut u32) -> u32;
}

const ERROR_NO_MORE_ITEMS: u32 = 259;
/// `MSIDBOPEN_READONLY`: a predefined persist mode, passed as a pointer value.
const MSIDBOPEN_READONLY: *const u16 = ptr::null();
/// A chunk table larger than this is refused (2 TiB of 4 MiB chunks is 32 MiB).
const MAX_TABLE_BYTES: usize = 64 << 20;

/// `s` as a NUL-terminated UTF-16 string.
pub fn wide(s: &str) -> Vec<u16> {
    OsStr::new(s).encode_wide().chain(Some(0)).collect()
}

/// A path as a NUL-terminated UTF-16 string.
pub fn wide_path(p: &Path) -> Vec<u16> {
    p.as_os_str().encode_wide().chain(Some(0)).collect()
}

fn from_wide(w: &[u16]) -> String {
    let end = w.iter().position(|&c| c == 0).unwrap_or(w.len());
    String::from_utf16_lossy(&w[..end])
}

/// The installer session a custom action runs in.
pub struct Session {
    h: MsiHandle,
}

/// An installer handle (record, view, database), closed when dropped.
struct Record(MsiHandle);

impl Drop for Record {
    fn drop(&mut self) {
        if self.0 != 0 {
            unsafe { MsiCloseHandle(self.0) };
        }
    }
}

impl Session {
    /// Wraps the handle the installer passed in.
    pub fn new(h: MsiHandle) -> Session {
        Session { h }
    }

    /// Reads a property (for a deferred action, "CustomActionData" is the only one).
    pub fn property(&self, name: &str) -> Result<String, u32> {
        let name = wide(name);
        let mut empty = [0u16; 1];
        let mut len = 0u32;
        let r = unsafe { MsiGetPropertyW(self.h, name.as_ptr(), empty.as_mut_ptr(), &mut len) };
        match r {
            0 => return Ok(String::new()),
            ERROR_MORE_DATA => {}
            e => return Err(e),
        }
        let mut buf = vec![0u16; len as usize + 1];
        let mut len = buf.len() as u32;
        let r = unsafe { MsiGetPropertyW(self.h, name.as_ptr(), buf.as_mut_ptr(), &mut len) };
        if r != 0 {
            return Err(r);
        }
        Ok(from_wide(&buf[..len as usize]))
    }

    /// Sets a property (from an immediate action).
    pub fn set_property(&mut self, name: &str, value: &str) -> Result<(), u32> {
        let (name, value) = (wide(name), wide(value));
        match unsafe { MsiSetPropertyW(self.h, name.as_ptr(), value.as_ptr()) } {
            0 => Ok(()),
            e => Err(e),
        }
    }

    fn record_text(&self, kind: i32, text: &str) -> i32 {
        let rec = Record(unsafe { MsiCreateRecord(1) });
        if rec.0 == 0 {
            return -1;
        }
        // Template "[1]" so that brackets in the text are not formatted.
        let t = wide("[1]");
        let v = wide(text);
        unsafe {
            MsiRecordSetStringW(rec.0, 0, t.as_ptr());
            MsiRecordSetStringW(rec.0, 1, v.as_ptr());
            MsiProcessMessage(self.h, kind, rec.0)
        }
    }

    fn record_ints(&self, kind: i32, fields: &[i32]) -> i32 {
        let rec = Record(unsafe { MsiCreateRecord(fields.len() as u32) });
        if rec.0 == 0 {
            return -1;
        }
        unsafe {
            for (i, v) in fields.iter().enumerate() {
                MsiRecordSetInteger(rec.0, i as u32 + 1, *v);
            }
            MsiProcessMessage(self.h, kind, rec.0)
        }
    }

    /// Shows one of the package's messages: field 1 its Error-table number, fields 2..
    /// its arguments, field 0 left empty so that the installer formats the Error
    /// table's template (with no UI, it only logs it).
    fn show(&self, shown: &Shown) -> i32 {
        let args = shown.args();
        let rec = Record(unsafe { MsiCreateRecord(args.len() as u32 + 1) });
        if rec.0 == 0 {
            return -1;
        }
        unsafe {
            MsiRecordSetInteger(rec.0, 1, shown.number());
            for (i, a) in args.iter().enumerate() {
                let v = wide(a);
                MsiRecordSetStringW(rec.0, i as u32 + 2, v.as_ptr());
            }
            MsiProcessMessage(self.h, INSTALLMESSAGE_ERROR | MB_OK | MB_ICONERROR, rec.0)
        }
    }

    /// Adds ticks to the progress bar's total (from an immediate action).
    pub fn add_to_total(&mut self, ticks: u64) {
        self.record_ints(
            INSTALLMESSAGE_PROGRESS,
            &[3, ticks.min(i32::MAX as u64) as i32, 0],
        );
    }

    /// Tells the installer that this action sends explicit progress increments.
    pub fn explicit_progress(&mut self) {
        self.record_ints(INSTALLMESSAGE_PROGRESS, &[1, 0, 0]);
    }
}

impl Host for Session {
    fn log(&mut self, msg: &str) {
        self.record_text(INSTALLMESSAGE_INFO, &format!("wspack {}", msg));
    }

    fn fail(&mut self, shown: &Shown, detail: &str) {
        self.log(detail);
        self.show(shown);
    }

    fn tick(&mut self, ticks: u64) -> bool {
        let mut left = ticks;
        while left > 0 {
            let n = left.min(i32::MAX as u64);
            left -= n;
            if self.record_ints(INSTALLMESSAGE_PROGRESS, &[2, n as i32, 0]) == IDCANCEL {
                return false;
            }
        }
        true
    }

    fn status(&mut self, text: &str) -> bool {
        self.record_text(INSTALLMESSAGE_ACTIONDATA, text) != IDCANCEL
    }

    fn binary(&mut self, msi: &str, name: &str) -> Result<Option<Vec<u8>>, String> {
        binary_row(msi, name)
    }
}

/// The data of the Binary table row `name` in the package at `msi` (opened
/// read-only: a deferred action has no handle on the running database), or `None`
/// if there is no such row.
fn binary_row(msi: &str, name: &str) -> Result<Option<Vec<u8>>, String> {
    let path = wide(msi);
    let mut db = Record(0);
    let r = unsafe { MsiOpenDatabaseW(path.as_ptr(), MSIDBOPEN_READONLY, &mut db.0) };
    if r != 0 {
        return Err(format!("MsiOpenDatabase failed (error {})", r));
    }
    // `name` is an identifier the packager chose: no quote to escape.
    let query = wide(&format!(
        "SELECT `Data` FROM `Binary` WHERE `Name`='{}'",
        name
    ));
    let mut view = Record(0);
    let r = unsafe { MsiDatabaseOpenViewW(db.0, query.as_ptr(), &mut view.0) };
    if r != 0 {
        return Err(format!("can't query its Binary table (error {})", r));
    }
    let r = unsafe { MsiViewExecute(view.0, 0) };
    if r != 0 {
        return Err(format!("can't query its Binary table (error {})", r));
    }
    let mut row = Record(0);
    match unsafe { MsiViewFetch(view.0, &mut row.0) } {
        0 => {}
        ERROR_NO_MORE_ITEMS => return Ok(None),
        r => return Err(format!("can't read its Binary table (error {})", r)),
    }
    let mut data = Vec::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let mut len = buf.len() as u32;
        let r = unsafe { MsiRecordReadStream(row.0, 1, buf.as_mut_ptr(), &mut len) };
        if r != 0 {
            return Err(format!("can't read the {} stream (error {})", name, r));
        }
        if len == 0 {
            return Ok(Some(data));
        }
        data.extend_from_slice(&buf[..len as usize]);
        if data.len() > MAX_TABLE_BYTES {
            return Err(format!(
                "the {} stream is over {} bytes",
                name, MAX_TABLE_BYTES
            ));
        }
    }
}

// --- registry: the user profiles -------------------------------------------------

type Hkey = isize;
const HKEY_LOCAL_MACHINE: Hkey = 0x8000_0002u32 as i32 as isize;
const KEY_READ: u32 = 0x20019;
const KEY_WOW64_64KEY: u32 = 0x0100;
const RRF_RT_REG_SZ: u32 = 0x2;

#[link(name = "advapi32")]
extern "system" {
    fn RegOpenKeyExW(key: Hkey, sub: *const u16, opts: u32, sam: u32, out: *mut Hkey) -> u32;
    fn RegEnumKeyExW(
        key: Hkey,
        index: u32,
        name: *mut u16,
        name_len: *mut u32,
        reserved: *mut u32,
        class: *mut u16,
        class_len: *mut u32,
        time: *mut u64,
    ) -> u32;
    fn RegGetValueW(
        key: Hkey,
        sub: *const u16,
        value: *const u16,
        flags: u32,
        kind: *mut u32,
        data: *mut u8,
        len: *mut u32,
    ) -> u32;
    fn RegCloseKey(key: Hkey) -> u32;
}

/// Reads a REG_SZ / REG_EXPAND_SZ value (expanded) under `key\sub`.
fn reg_string(key: Hkey, sub: &str, value: &str) -> Result<String, u32> {
    let sub = wide(sub);
    let value = wide(value);
    // RRF_RT_REG_SZ alone: without RRF_NOEXPAND, REG_EXPAND_SZ values are expanded and
    // match it (asking for RRF_RT_REG_EXPAND_SZ too is ERROR_INVALID_PARAMETER).
    let flags = RRF_RT_REG_SZ;
    let mut len = 0u32;
    let r = unsafe {
        RegGetValueW(
            key,
            sub.as_ptr(),
            value.as_ptr(),
            flags,
            ptr::null_mut(),
            ptr::null_mut(),
            &mut len,
        )
    };
    if r != 0 && r != ERROR_MORE_DATA {
        return Err(r);
    }
    // Expansion may need more than the raw size: retry a few times with room to spare.
    let mut cap = (len as usize / 2 + 1).max(260);
    for _ in 0..4 {
        let mut buf = vec![0u16; cap];
        let mut bytes = (cap * 2) as u32;
        let r = unsafe {
            RegGetValueW(
                key,
                sub.as_ptr(),
                value.as_ptr(),
                flags,
                ptr::null_mut(),
                buf.as_mut_ptr() as *mut u8,
                &mut bytes,
            )
        };
        match r {
            0 => return Ok(from_wide(&buf)),
            ERROR_MORE_DATA => cap = (bytes as usize / 2 + 1).max(cap * 2),
            e => return Err(e),
        }
    }
    Err(ERROR_MORE_DATA)
}

const PROFILE_LIST: &str = "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList";

/// Every user profile folder: each ProfileList entry's ProfileImagePath, and each
/// folder in ProfilesDirectory (profiles of users who never logged on through the
/// profile service, and Wine, whose ProfileList may be sparse). Deduplicated.
/// The second list says what could not be read, for the log.
pub fn profiles() -> (Vec<String>, Vec<String>) {
    let mut out: Vec<String> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    let mut push = |p: String| {
        let p = p.trim_end_matches('\\').to_string();
        if !p.is_empty() && !out.iter().any(|o| o.eq_ignore_ascii_case(&p)) {
            out.push(p);
        }
    };
    let mut key: Hkey = 0;
    let sub = wide(PROFILE_LIST);
    let r = unsafe {
        RegOpenKeyExW(
            HKEY_LOCAL_MACHINE,
            sub.as_ptr(),
            0,
            KEY_READ | KEY_WOW64_64KEY,
            &mut key,
        )
    };
    if r != 0 {
        notes.push(format!("can't open HKLM\\{} (error {})", PROFILE_LIST, r));
        return (out, notes);
    }
    let mut i = 0u32;
    loop {
        let mut name = [0u16; 256];
        let mut len = name.len() as u32;
        let r = unsafe {
            RegEnumKeyExW(
                key,
                i,
                name.as_mut_ptr(),
                &mut len,
                ptr::null_mut(),
                ptr::null_mut(),
                ptr::null_mut(),
                ptr::null_mut(),
            )
        };
        if r != 0 {
            break;
        }
        i += 1;
        let sid = String::from_utf16_lossy(&name[..len as usize]);
        match reg_string(key, &sid, "ProfileImagePath") {
            Ok(p) => push(p),
            Err(e) => notes.push(format!(
                "no ProfileImagePath under ProfileList\\{} (error {})",
                sid, e
            )),
        }
    }
    match reg_string(key, "", "ProfilesDirectory") {
        Ok(dir) => match std::fs::read_dir(&dir) {
            Ok(rd) => {
                let mut found: Vec<String> = rd
                    .filter_map(|e| e.ok())
                    .filter(|e| e.file_type().map(|t| t.is_dir()).unwrap_or(false))
                    .map(|e| e.path().display().to_string())
                    .collect();
                found.sort();
                for p in found {
                    push(p);
                }
            }
            Err(e) => notes.push(format!("can't list ProfilesDirectory {}: {}", dir, e)),
        },
        Err(e) => notes.push(format!("no ProfilesDirectory value (error {})", e)),
    }
    unsafe { RegCloseKey(key) };
    (out, notes)
}
