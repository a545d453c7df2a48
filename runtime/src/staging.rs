//! StageVhd, StageVhdRollback and StageVhdCommit as plain Rust over a [`Host`]
//! (the installer session on Windows, a recorder in tests).
//!
//! The journal `<vhd>.wspack-journal` is written ahead of each step, one line per
//! step, and is the only thing rollback and commit act on:
//!
//! | line | written before/after | rollback does | commit does |
//! |---|---|---|---|
//! | `mkdir <folder>` | after creating a missing folder of the disk's path | removes it if empty (last first) | – |
//! | `created` / `replaced` | before anything else | – | – |
//! | `moved-old` | after renaming the existing disk to `<vhd>.wspack-old` | renames it back (after removing the new disk) | deletes `<vhd>.wspack-old` |
//! | `placed` | after renaming `<vhd>.wspack-tmp` to `<vhd>` | deletes `<vhd>` | – |
//!
//! Rollback also deletes `<vhd>.wspack-tmp` (ours by name); both remove the journal.
//! No journal: nothing to do. So a disk that StageVhd did not write is never deleted.
//! Rollback removes a `mkdir` folder only if it is an ancestor of `<vhd>` (a forged
//! journal in a user-writable folder can't make it remove other folders).
//!
//! A journal that StageVhd finds when it starts is left by an install whose commit
//! did not run (rollback disabled by policy or `DISABLEROLLBACK=1`, or a failed
//! commit) and whose disk is therefore good: StageVhd deletes only the journal and
//! `<vhd>.wspack-tmp`, never `<vhd>`. (An interrupted install was already undone by
//! the installer replaying StageVhdRollback.)

use crate::data::StageData;
use crate::fsx;
use crate::gzip::GzReader;
use crate::stage::{copy_verified, to_hex, StageError};
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Exit codes of a custom action.
pub const ERROR_SUCCESS: u32 = 0;
/// The user cancelled.
pub const ERROR_INSTALL_USEREXIT: u32 = 1602;
/// A fatal error; the installer rolls back.
pub const ERROR_INSTALL_FAILURE: u32 = 1603;

/// Appended to "can't open the workspace disk sidecar": StageVhd runs as LocalSystem,
/// which sees neither the user's mapped drives nor shares only the user can read.
pub const SIDECAR_ACCESS_HINT: &str = "The installer reads it as the computer account (LocalSystem), \
which can't see mapped drive letters or read a share that only users can: copy the package folder \
to a local disk and install from there (as SCCM does), or make the share readable by the computer account.";

/// Where messages and progress go.
pub trait Host {
    /// A line for the installer log only.
    fn log(&mut self, msg: &str);
    /// A failure: logged, and shown to the user when the installer has a UI.
    fn error(&mut self, msg: &str);
    /// Advances the progress bar by `ticks`; false if the user cancelled.
    fn tick(&mut self, ticks: u64) -> bool;
    /// Shows a status line for the current action; false if the user cancelled.
    fn status(&mut self, text: &str) -> bool;
}

/// Progress ticks for a disk of `size` bytes: one per KiB (so up to 2 TiB fits the
/// installer's 32-bit tick counter). StageVhdTicks adds this many, StageVhd reports them.
pub fn ticks_for(size: u64) -> u64 {
    ((size + 1023) / 1024).min(i32::MAX as u64)
}

/// The working files beside the disk.
#[derive(Debug, Clone)]
pub struct Paths {
    /// `<vhd>`
    pub vhd: PathBuf,
    /// `<vhd>.wspack-tmp`: the disk being written.
    pub tmp: PathBuf,
    /// `<vhd>.wspack-old`: the disk being replaced, until commit.
    pub old: PathBuf,
    /// `<vhd>.wspack-journal`
    pub journal: PathBuf,
}

impl Paths {
    /// The working paths for a disk.
    pub fn new(vhd: &str) -> Paths {
        let with = |suffix: &str| PathBuf::from(format!("{}{}", vhd, suffix));
        Paths {
            vhd: PathBuf::from(vhd),
            tmp: with(".wspack-tmp"),
            old: with(".wspack-old"),
            journal: with(".wspack-journal"),
        }
    }
}

struct Journal {
    file: File,
}

impl Journal {
    fn create(path: &Path) -> io::Result<Journal> {
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)?;
        let mut j = Journal { file };
        j.note("wspack-journal 1")?;
        Ok(j)
    }

    fn note(&mut self, line: &str) -> io::Result<()> {
        writeln!(self.file, "{}", line)?;
        self.file.flush()?;
        self.file.sync_data()
    }
}

fn read_journal(path: &Path) -> io::Result<Option<Vec<String>>> {
    match File::open(path) {
        Ok(f) => {
            let mut lines = Vec::new();
            for l in BufReader::new(f).lines() {
                lines.push(l?);
            }
            Ok(Some(lines))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Folders above `file` that do not exist yet, outermost first.
fn missing_dirs(file: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut cur = file.parent();
    while let Some(d) = cur {
        if d.as_os_str().is_empty() || fsx::exists(d) {
            break;
        }
        out.push(d.to_path_buf());
        cur = d.parent();
    }
    out.reverse();
    out
}

fn mib(bytes: u64) -> String {
    let m = bytes / (1024 * 1024);
    let s = m.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A writer that remembers whether a write failed (to tell a disk error from a
/// damaged sidecar).
struct Marked<W> {
    inner: W,
    failed: bool,
}

impl<W: Write> Write for Marked<W> {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        let r = self.inner.write(b);
        self.failed |= r.is_err();
        r
    }
    fn flush(&mut self) -> io::Result<()> {
        let r = self.inner.flush();
        self.failed |= r.is_err();
        r
    }
}

/// StageVhd: inflates the sidecar into place. Returns the custom action's exit code.
pub fn stage(custom_action_data: &str, host: &mut dyn Host) -> u32 {
    let d = match StageData::parse(custom_action_data) {
        Ok(d) => d,
        Err(e) => {
            host.error(&format!(
                "StageVhd: {} (CustomActionData was \"{}\")",
                e, custom_action_data
            ));
            return ERROR_INSTALL_FAILURE;
        }
    };
    stage_parsed(&d, host)
}

fn fail(host: &mut dyn Host, msg: String) -> u32 {
    host.error(&format!("StageVhd: {}", msg));
    ERROR_INSTALL_FAILURE
}

/// StageVhd with parsed data.
pub fn stage_parsed(d: &StageData, host: &mut dyn Host) -> u32 {
    let p = Paths::new(&d.vhd);
    let vhd = p.vhd.display().to_string();
    host.log(&format!(
        "StageVhd: staging {} from {} ({} bytes, SHA-256 {}, OVERWRITEVHD={})",
        vhd,
        d.sidecar,
        d.expected.size,
        to_hex(&d.expected.sha256),
        if d.overwrite { "1" } else { "0" }
    ));

    // Left over from an install whose commit did not run: its disk is good. Delete
    // only our working files; never touch <vhd>.
    if fsx::exists(&p.journal) {
        if let Err(code) = clear_leftover_journal(&p, host) {
            return code;
        }
    }
    if fsx::exists(&p.old) {
        let what_to_do = if fsx::exists(&p.vhd) {
            format!(
                "both {} and {} exist: keep the disk you want as {}, delete the other, then run the install again",
                vhd,
                p.old.display(),
                vhd
            )
        } else {
            format!("move it back to {} or delete it, then run the install again", vhd)
        };
        return fail(
            host,
            format!(
                "{} holds a disk that an earlier install set aside and did not delete; {}",
                p.old.display(),
                what_to_do
            ),
        );
    }

    let existing = match fs::symlink_metadata(&p.vhd) {
        Ok(m) if m.is_dir() => {
            return fail(host, format!("{} is a folder, not a disk; remove it and retry", vhd))
        }
        Ok(_) => true,
        Err(e) if e.kind() == io::ErrorKind::NotFound => false,
        Err(e) => return fail(host, format!("can't check {}: {}", vhd, e)),
    };
    if existing && !d.overwrite {
        return fail(
            host,
            format!(
                "{} already exists; pass OVERWRITEVHD=1 to replace it (setup.exe OVERWRITEVHD=1 or msiexec /i <package>.msi OVERWRITEVHD=1)",
                vhd
            ),
        );
    }

    let sidecar = match File::open(&d.sidecar) {
        Ok(f) => f,
        Err(e) => {
            let beside = if d.msi.is_empty() {
                String::new()
            } else {
                format!(" It must be in the same folder as the package {}.", d.msi)
            };
            return fail(
                host,
                format!(
                    "can't open the workspace disk sidecar {}: {}.{} {}",
                    d.sidecar, e, beside, SIDECAR_ACCESS_HINT
                ),
            );
        }
    };

    // From here on every step is journaled first.
    let dirs = missing_dirs(&p.vhd);
    for dir in &dirs {
        if let Err(e) = fs::create_dir(dir) {
            if e.kind() != io::ErrorKind::AlreadyExists {
                return fail(host, format!("can't create the folder {}: {}", dir.display(), e));
            }
        }
    }
    let mut journal = match Journal::create(&p.journal) {
        Ok(j) => j,
        Err(e) => {
            return fail(
                host,
                format!("can't write the journal {}: {}", p.journal.display(), e),
            )
        }
    };
    let mut lines: Vec<String> = dirs
        .iter()
        .map(|dir| format!("mkdir {}", dir.display()))
        .collect();
    lines.push(if existing { "replaced" } else { "created" }.to_string());
    for l in &lines {
        if let Err(e) = journal.note(l) {
            return fail(
                host,
                format!("can't write the journal {}: {}", p.journal.display(), e),
            );
        }
    }

    if existing {
        if let Err(e) = fsx::rename_noreplace(&p.vhd, &p.old) {
            return fail(
                host,
                format!(
                    "can't move the existing disk {} aside to {}: {} (is the workspace running?)",
                    vhd,
                    p.old.display(),
                    e
                ),
            );
        }
        if let Err(e) = journal.note("moved-old") {
            // Undo now: without the note, rollback would not put it back.
            let _ = fsx::rename_noreplace(&p.old, &p.vhd);
            return fail(
                host,
                format!("can't write the journal {}: {}", p.journal.display(), e),
            );
        }
        host.log(&format!(
            "StageVhd: moved the existing disk aside to {} (deleted at commit, restored on rollback)",
            p.old.display()
        ));
    }

    let _ = fsx::remove_file(&p.tmp);
    let file = match OpenOptions::new().write(true).create_new(true).open(&p.tmp) {
        Ok(f) => f,
        Err(e) => return fail(host, format!("can't create {}: {}", p.tmp.display(), e)),
    };
    // Claim the space up front: a full disk fails now, not after minutes of work.
    if let Err(e) = file.set_len(d.expected.size) {
        drop(file);
        let _ = fsx::remove_file(&p.tmp);
        return fail(
            host,
            format!(
                "can't reserve {} bytes for {}: {}",
                d.expected.size,
                p.tmp.display(),
                e
            ),
        );
    }

    let total_ticks = ticks_for(d.expected.size);
    let mut reported_ticks = 0u64;
    let mut next_status;
    let step = (d.expected.size / 20).max(64 << 20);
    let started = Instant::now();
    let size = d.expected.size;
    let name = p
        .vhd
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if !host.status(&format!("{}: 0 of {} MiB", name, mib(size))) {
        drop(file);
        let _ = fsx::remove_file(&p.tmp);
        host.log("StageVhd: cancelled by the user before staging began");
        return ERROR_INSTALL_USEREXIT;
    }
    next_status = step;
    let mut progress = |bytes: u64| -> bool {
        let due = ticks_for(bytes.min(size)).min(total_ticks);
        // One message per MiB at most.
        if due >= reported_ticks + 1024 || (bytes >= size && due > reported_ticks) {
            if !host.tick(due - reported_ticks) {
                return false;
            }
            reported_ticks = due;
        }
        if bytes >= next_status {
            next_status = bytes.saturating_add(step);
            if !host.status(&format!("{}: {} of {} MiB", name, mib(bytes), mib(size))) {
                return false;
            }
        }
        true
    };
    let mut out = Marked {
        inner: file,
        failed: false,
    };
    // take(size + 1): a sidecar that inflates to more than promised stops one byte
    // over (size mismatch) instead of filling the disk.
    let src = GzReader::new(sidecar).take(size.saturating_add(1));
    let result = copy_verified(src, &mut out, &d.expected, &mut progress);
    let result = result.and_then(|got| {
        out.inner.sync_all().map_err(|e| {
            out.failed = true;
            StageError::Io(e)
        })?;
        Ok(got)
    });
    let write_failed = out.failed;
    drop(out);
    if let Err(e) = result {
        let removed = fsx::remove_file(&p.tmp);
        let cleanup = match removed {
            Ok(_) => format!("removed {}", p.tmp.display()),
            Err(re) => format!("could not remove {}: {}", p.tmp.display(), re),
        };
        return match e {
            StageError::Cancelled => {
                host.log(&format!(
                    "StageVhd: cancelled by the user after {} MiB; {}",
                    mib(reported_ticks * 1024),
                    cleanup
                ));
                ERROR_INSTALL_USEREXIT
            }
            StageError::Io(e) if write_failed => fail(
                host,
                format!("can't write {}: {} ({})", p.tmp.display(), e, cleanup),
            ),
            StageError::Io(e) => fail(
                host,
                format!(
                    "the workspace disk sidecar {} is damaged or truncated: {}; copy it again from the build output ({})",
                    d.sidecar, e, cleanup
                ),
            ),
            e @ StageError::SizeMismatch { .. } | e @ StageError::HashMismatch { .. } => fail(
                host,
                format!(
                    "the workspace disk from {} does not match this package: {}; the sidecar is damaged or from another build ({})",
                    d.sidecar, e, cleanup
                ),
            ),
        };
    }

    if let Err(e) = fsx::rename_noreplace(&p.tmp, &p.vhd) {
        let _ = fsx::remove_file(&p.tmp);
        return fail(
            host,
            format!("can't rename {} to {}: {}", p.tmp.display(), vhd, e),
        );
    }
    if let Err(e) = journal.note("placed") {
        // The disk is in place but rollback would not know: undo and fail.
        let _ = fsx::remove_file(&p.vhd);
        return fail(
            host,
            format!("can't write the journal {}: {}", p.journal.display(), e),
        );
    }
    let secs = started.elapsed().as_secs_f64();
    host.log(&format!(
        "StageVhd: staged {} ({} bytes, SHA-256 {} verified) in {:.1} s, {:.0} MiB/s",
        vhd,
        size,
        to_hex(&d.expected.sha256),
        secs,
        size as f64 / 1048576.0 / secs.max(0.001)
    ));
    ERROR_SUCCESS
}

/// The `vhd=` field of rollback's or commit's CustomActionData, as working paths.
fn vhd_from(custom_action_data: &str) -> Result<Paths, String> {
    crate::data::Fields::parse(custom_action_data)
        .and_then(|f| f.require("vhd").map(Paths::new))
        .map_err(|e| format!("{} (CustomActionData was \"{}\")", e, custom_action_data))
}

/// The journal's lines, for StageVhdRollback and StageVhdCommit. Err: the exit code
/// to return now, after a log line: no journal (StageVhd changed nothing: success)
/// or an unreadable one (`unreadable`, reported as an error unless it is success).
fn journal_for(p: &Paths, action: &str, unreadable: u32, host: &mut dyn Host) -> Result<Vec<String>, u32> {
    match read_journal(&p.journal) {
        Ok(Some(lines)) => Ok(lines),
        Ok(None) => {
            host.log(&format!(
                "{}: no journal {}: StageVhd changed nothing, nothing to do",
                action,
                p.journal.display()
            ));
            Err(ERROR_SUCCESS)
        }
        Err(e) => {
            let msg = format!("{}: can't read the journal {}: {}", action, p.journal.display(), e);
            if unreadable == ERROR_SUCCESS {
                host.log(&msg);
            } else {
                host.error(&msg);
            }
            Err(unreadable)
        }
    }
}

/// At StageVhd's start: deletes a journal left by an earlier install, and its temp
/// file, never the disk. Err: the exit code (the journal could not be deleted).
fn clear_leftover_journal(p: &Paths, host: &mut dyn Host) -> Result<(), u32> {
    let steps = match read_journal(&p.journal) {
        Ok(Some(lines)) => lines
            .iter()
            .filter(|l| !l.starts_with("wspack-journal") && !l.starts_with("mkdir "))
            .cloned()
            .collect::<Vec<_>>()
            .join(", "),
        Ok(None) => return Ok(()),
        Err(e) => format!("unreadable: {}", e),
    };
    host.log(&format!(
        "StageVhd: {} is left from an earlier install whose commit did not run (its steps: {}); \
         deleting it and {}, keeping {} as it is",
        p.journal.display(),
        steps,
        p.tmp.display(),
        p.vhd.display()
    ));
    match fsx::remove_file(&p.tmp) {
        Ok(true) => host.log(&format!("StageVhd: deleted {}", p.tmp.display())),
        Ok(false) => {}
        // Harmless: StageVhd deletes it again before writing, and fails there if it can't.
        Err(e) => host.log(&format!("StageVhd: can't delete {} yet: {}", p.tmp.display(), e)),
    }
    if let Err(e) = fsx::remove_file(&p.journal) {
        // Rollback of this install must not act on the earlier install's journal:
        // empty it if it can't be deleted.
        let emptied = OpenOptions::new().write(true).truncate(true).open(&p.journal).is_ok();
        if !emptied {
            return Err(fail(
                host,
                format!(
                    "can't delete {}, left by an earlier install: {}; delete it (keep {}) and run the install again",
                    p.journal.display(),
                    e,
                    p.vhd.display()
                ),
            ));
        }
        host.log(&format!(
            "StageVhd: can't delete {} ({}); emptied it instead",
            p.journal.display(),
            e
        ));
    } else {
        host.log(&format!("StageVhd: deleted {}", p.journal.display()));
    }
    Ok(())
}

/// True if `dir` is a folder above `vhd` (where StageVhd may have created folders).
fn is_ancestor_of(dir: &Path, vhd: &Path) -> bool {
    !dir.as_os_str().is_empty() && vhd.ancestors().skip(1).any(|a| a == dir)
}

/// StageVhdRollback: undoes what the journal says StageVhd did.
pub fn rollback(custom_action_data: &str, host: &mut dyn Host) -> u32 {
    match vhd_from(custom_action_data) {
        Ok(p) => rollback_paths(&p, host),
        Err(e) => {
            host.error(&format!("StageVhdRollback: {}", e));
            ERROR_INSTALL_FAILURE
        }
    }
}

fn rollback_paths(p: &Paths, host: &mut dyn Host) -> u32 {
    let lines = match journal_for(p, "StageVhdRollback", ERROR_INSTALL_FAILURE, host) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let has = |w: &str| lines.iter().any(|l| l == w);
    let mut ok = true;
    match fsx::remove_file(&p.tmp) {
        Ok(true) => host.log(&format!("StageVhdRollback: deleted {}", p.tmp.display())),
        Ok(false) => {}
        Err(e) => {
            ok = false;
            host.error(&format!("StageVhdRollback: can't delete {}: {}", p.tmp.display(), e))
        }
    }
    if has("placed") {
        match fsx::remove_file(&p.vhd) {
            Ok(true) => host.log(&format!(
                "StageVhdRollback: deleted {}, the disk this install staged",
                p.vhd.display()
            )),
            Ok(false) => {}
            Err(e) => {
                ok = false;
                host.error(&format!("StageVhdRollback: can't delete {}: {}", p.vhd.display(), e))
            }
        }
    }
    if has("moved-old") && ok {
        match fsx::rename_noreplace(&p.old, &p.vhd) {
            Ok(()) => host.log(&format!(
                "StageVhdRollback: restored the previous disk {}",
                p.vhd.display()
            )),
            Err(e) => {
                ok = false;
                host.error(&format!(
                    "StageVhdRollback: can't move the previous disk {} back to {}: {}",
                    p.old.display(),
                    p.vhd.display(),
                    e
                ))
            }
        }
    }
    if !ok {
        // Keep the journal: an admin can see what is left.
        return ERROR_INSTALL_FAILURE;
    }
    if let Err(e) = fsx::remove_file(&p.journal) {
        host.error(&format!(
            "StageVhdRollback: can't delete {}: {}",
            p.journal.display(),
            e
        ));
        return ERROR_INSTALL_FAILURE;
    }
    for l in lines.iter().rev() {
        if let Some(dir) = l.strip_prefix("mkdir ") {
            if !is_ancestor_of(Path::new(dir), &p.vhd) {
                host.log(&format!(
                    "StageVhdRollback: ignored \"mkdir {}\" in the journal: not a folder of {}",
                    dir,
                    p.vhd.display()
                ));
            } else if fs::remove_dir(dir).is_ok() {
                host.log(&format!("StageVhdRollback: removed the folder {}", dir));
            }
        }
    }
    ERROR_SUCCESS
}

/// StageVhdCommit: the install succeeded; drops the set-aside disk and the journal.
/// Always returns success (a failing commit action would roll back an installed
/// product); problems are logged.
pub fn commit(custom_action_data: &str, host: &mut dyn Host) -> u32 {
    let p = match vhd_from(custom_action_data) {
        Ok(p) => p,
        Err(e) => {
            host.log(&format!("StageVhdCommit: {}; nothing committed", e));
            return ERROR_SUCCESS;
        }
    };
    let lines = match journal_for(&p, "StageVhdCommit", ERROR_SUCCESS, host) {
        Ok(l) => l,
        Err(code) => return code,
    };
    if lines.iter().any(|l| l == "moved-old") {
        match fsx::remove_file(&p.old) {
            Ok(_) => host.log(&format!(
                "StageVhdCommit: deleted the replaced disk {}",
                p.old.display()
            )),
            Err(e) => host.log(&format!(
                "StageVhdCommit: can't delete the replaced disk {}: {}; the install succeeded, \
                 delete it by hand (the next install refuses to start while it exists)",
                p.old.display(),
                e
            )),
        }
    }
    match fsx::remove_file(&p.journal) {
        Ok(_) => host.log(&format!("StageVhdCommit: done ({} removed)", p.journal.display())),
        Err(e) => host.log(&format!(
            "StageVhdCommit: can't delete {}: {}; the install succeeded (the next install deletes it)",
            p.journal.display(),
            e
        )),
    }
    ERROR_SUCCESS
}

/// StageVhdTicks (immediate): the ticks to add for the disk, from the `size=` field
/// of StageVhd's CustomActionData property.
pub fn ticks_from(stage_vhd_property: &str) -> Option<u64> {
    let f = crate::data::Fields::parse(stage_vhd_property).ok()?;
    let size = f.get("size")?.trim().parse::<u64>().ok()?;
    Some(ticks_for(size))
}

#[cfg(test)]
mod tests;
