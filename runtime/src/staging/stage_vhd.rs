//! StageVhd: inflates the sidecar into `<vhd>.wspack-tmp`, verified, and renames it
//! into place, writing the journal ahead of each step. Each step returns a
//! [`Failure`] to stop; [`stage_parsed`] reports it once.

use super::plan::{self, Plan};
use super::{chunked, delta, read_journal, ticks_for, Host, Journal, Paths};
use super::{ERROR_INSTALL_FAILURE, ERROR_INSTALL_USEREXIT, ERROR_SUCCESS};
use crate::data::StageData;
use crate::fsx;
use crate::gzip::GzReader;
use crate::parallel::Sidecar;
use crate::shown::{folder_of, name_of, Shown};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;
use wspack_contract::chunks::ChunkTable;
use wspack_contract::data::stage_key;
use wspack_contract::delta::DeltaTable;
use wspack_contract::plan as names;
use wspack_contract::stage::{copy_verified, to_hex, StageError};

/// Appended to "can't open the workspace disk sidecar": StageVhd runs as LocalSystem,
/// which sees neither the user's mapped drives nor shares only the user can read.
pub const SIDECAR_ACCESS_HINT: &str = "The installer reads it as the computer account (LocalSystem), \
which can't see mapped drive letters or read a share that only users can: copy the package folder \
to a local disk and install from there (as SCCM does), or make the share readable by the computer account.";

/// Why StageVhd stopped. The step that stops has already cleaned up after itself;
/// the message is reported once, prefixed with `StageVhd: `.
#[derive(Debug)]
pub(super) enum Failure {
    /// An error: what the person sees, and the technical line for the log. The
    /// install fails and rolls back.
    Error(Box<Shown>, String),
    /// The user cancelled (a log line).
    Cancelled(String),
}

impl Failure {
    /// An error: `shown` to the person, `detail` to the log.
    pub(super) fn error(shown: Shown, detail: String) -> Failure {
        Failure::Error(Box::new(shown), detail)
    }

    /// Reports the failure and returns the custom action's exit code.
    fn report(self, host: &mut dyn Host) -> u32 {
        self.report_as(wspack_contract::STAGE_VHD, host)
    }

    /// The same, for another action.
    pub(super) fn report_as(self, action: &str, host: &mut dyn Host) -> u32 {
        match self {
            Failure::Error(shown, msg) => {
                host.fail(&shown, &format!("{}: {}", action, msg));
                ERROR_INSTALL_FAILURE
            }
            Failure::Cancelled(msg) => {
                host.log(&format!("{}: {}", action, msg));
                ERROR_INSTALL_USEREXIT
            }
        }
    }
}

pub(super) fn journal_failure(p: &Paths, e: io::Error) -> Failure {
    Failure::error(
        io_shown(&e, &p.journal, 0),
        format!("can't write the journal {}: {}", p.journal.display(), e),
    )
}

/// StageVhd: inflates the sidecar into place. Returns the custom action's exit code.
pub fn stage(custom_action_data: &str, host: &mut dyn Host) -> u32 {
    match StageData::parse(custom_action_data) {
        Ok(d) => stage_parsed(&d, host),
        Err(e) => Failure::error(
            Shown::package_damaged(&msi_in(custom_action_data)),
            format!("{} (CustomActionData was \"{}\")", e, custom_action_data),
        )
        .report(host),
    }
}

/// The package's path from CustomActionData that did not parse, if it names one.
pub(super) fn msi_in(custom_action_data: &str) -> String {
    let prefix = format!("{}=", stage_key::MSI);
    custom_action_data
        .split('|')
        .find_map(|f| f.strip_prefix(prefix.as_str()))
        .unwrap_or("")
        .to_string()
}

/// What an I/O error on one of StageVhd's files means to a person.
pub(super) fn io_shown(e: &io::Error, path: &Path, size: u64) -> Shown {
    Shown::from_io(e, &path.display().to_string(), size)
}

/// StageVhd with parsed data.
pub fn stage_parsed(d: &StageData, host: &mut dyn Host) -> u32 {
    match stage_steps(d, host) {
        Ok(()) => ERROR_SUCCESS,
        Err(Failure::Error(shown, msg)) => {
            Failure::error(shown.with_disk_size(d.expected.size), msg).report(host)
        }
        Err(f) => f.report(host),
    }
}

/// StageVhd's steps in order (see README.md, "What StageVhd does"); the first
/// failure stops them.
fn stage_steps(d: &StageData, host: &mut dyn Host) -> Result<(), Failure> {
    let p = Paths::new(&d.vhd);
    host.log(&format!(
        "StageVhd: staging {} from {} ({} bytes, SHA-256 {}, OVERWRITEVHD={}, upgrade={}, plan={})",
        p.vhd.display(),
        d.sidecar,
        d.expected.size,
        to_hex(&d.expected.sha256),
        if d.overwrite { "1" } else { "0" },
        if d.upgrade { "1" } else { "0" },
        d.plan.as_deref().unwrap_or("(none)")
    ));
    // Left over from an install whose commit did not run: its disk is good. Delete
    // only our working files; never touch <vhd>.
    if fsx::exists(&p.journal) {
        clear_leftover_journal(&p, host)?;
    }
    refuse_a_disk_set_aside(&p)?;
    let table = chunked::read_table(d, host)?;
    let mut journal = None;
    if fsx::exists(&p.keep) {
        journal = unkeep(&p, host)?;
    }
    let in_place = plan::disk_in_place(&p)?;
    let plan = match d.plan.as_deref() {
        // CheckStageVhd checked every chunk moments ago, in this same install.
        Some(names::KEEP) if in_place == Some(d.expected.size) => Plan::Keep,
        // It found another disk: no need to read it all again.
        Some(names::DELTA) | Some(names::FULL) => plan::decide(d, None, host)?,
        _ => plan::decide(d, table.as_ref(), host)?,
    };
    let source = match plan {
        Plan::Keep => return keep(d, &p, host),
        Plan::Delta(t, path) => Source::Delta(t, path),
        Plan::Full => match (table, open_sidecar(d)?) {
            (Some(t), _) => Source::Chunks(t),
            (None, sidecar) => Source::Stream(sidecar),
        },
    };
    // From here on every step is journaled first.
    let mut journal = match journal {
        Some(j) => j,
        None => begin_journal(&p, in_place.is_some())?,
    };
    let started = Instant::now();
    if let Source::Delta(t, path) = &source {
        if delta::fits_in_place(d, t) {
            let delta = Sidecar {
                path: Path::new(path),
                window: None,
            };
            let how = delta::patch_in_place(d, &p, delta, t, &mut journal, host)?;
            log_staged(d, &p, &how, started, host);
            return Ok(());
        }
    }
    if in_place.is_some() {
        move_existing_aside(&p, &mut journal, host)?;
    }
    let file = create_tmp(&p, d.expected.size)?;
    let how = match source {
        // The disk in place was the delta's base; it is at <vhd>.wspack-old now.
        Source::Delta(t, path) => {
            let delta = Sidecar {
                path: Path::new(&path),
                window: None,
            };
            delta::write_disk(d, &p, &p.old, delta, file, &t, host)?
        }
        Source::Chunks(t) => chunked::write_disk(d, &p, file, &t, host)?,
        Source::Stream(sidecar) => {
            write_disk(d, &p, sidecar, file, host)?;
            "verified".to_string()
        }
    };
    place(&p, &mut journal)?;
    log_staged(d, &p, &how, started, host);
    Ok(())
}

/// The log line of a staged disk: how it was made and verified, how fast.
fn log_staged(d: &StageData, p: &Paths, how: &str, started: Instant, host: &mut dyn Host) {
    let secs = started.elapsed().as_secs_f64();
    let size = d.expected.size;
    host.log(&format!(
        "StageVhd: staged {} ({} bytes, SHA-256 {}, {}) in {:.1} s, {:.0} MiB/s",
        p.vhd.display(),
        size,
        to_hex(&d.expected.sha256),
        how,
        secs,
        size as f64 / 1048576.0 / secs.max(0.001)
    ));
}

/// What the new disk is written from.
enum Source {
    /// The disk in place (the delta's base) plus the delta file (its path).
    Delta(DeltaTable, String),
    /// The full sidecar, chunk by chunk on every core.
    Chunks(ChunkTable),
    /// The full sidecar of a package without a chunk table, as one stream.
    Stream(File),
}

/// The disk in place is this package's disk: nothing is written (no journal, so
/// rollback leaves it too); the progress bar is filled at once.
fn keep(d: &StageData, p: &Paths, host: &mut dyn Host) -> Result<(), Failure> {
    let mut progress = Progress::new(host, &p.vhd, d.expected.size);
    if !progress.update(d.expected.size) {
        return Err(Failure::Cancelled("cancelled by the user".to_string()));
    }
    host.log(&format!(
        "StageVhd: kept {}: it already is this package's disk ({} bytes, every chunk's SHA-256 as the package says); the sidecar was not read",
        p.vhd.display(),
        d.expected.size
    ));
    Ok(())
}

/// `<vhd>.wspack-keep` is there: CheckStageVhd linked the disk in place before the
/// old version's removal. If that removal deleted `<vhd>`, the link is renamed
/// back (journaled, for the log: a rollback leaves the old disk at `<vhd>`, where
/// the old version's own rollback restores it as well); otherwise it is dropped.
/// Returns the journal if one began.
fn unkeep(p: &Paths, host: &mut dyn Host) -> Result<Option<Journal>, Failure> {
    if fsx::exists(&p.vhd) {
        let _ = fsx::remove_file(&p.keep);
        host.log(&format!(
            "StageVhd: {} is still there; dropped its second name {}",
            p.vhd.display(),
            p.keep.display()
        ));
        return Ok(None);
    }
    let mut journal = begin_journal(p, false)?;
    fsx::rename_noreplace(&p.keep, &p.vhd).map_err(|e| {
        Failure::error(
            io_shown(&e, &p.vhd, 0),
            format!(
                "can't rename {} back to {}: {}",
                p.keep.display(),
                p.vhd.display(),
                e
            ),
        )
    })?;
    if let Err(e) = journal.note("unkept") {
        let _ = fsx::rename_noreplace(&p.vhd, &p.keep);
        return Err(journal_failure(p, e));
    }
    host.log(&format!(
        "StageVhd: the old version's removal deleted {}; renamed {} (the same disk) back to it",
        p.vhd.display(),
        p.keep.display()
    ));
    Ok(Some(journal))
}

/// Refuses while `<vhd>.wspack-old` exists: a disk set aside by an install that was
/// not committed (or by hand). Which disk to keep is the admin's call.
fn refuse_a_disk_set_aside(p: &Paths) -> Result<(), Failure> {
    if !fsx::exists(&p.old) {
        return Ok(());
    }
    let vhd = p.vhd.display();
    let what_to_do = if fsx::exists(&p.vhd) {
        format!(
            "both {} and {} exist: keep the disk you want as {}, delete the other, then run the install again",
            vhd,
            p.old.display(),
            vhd
        )
    } else {
        format!(
            "move it back to {} or delete it, then run the install again",
            vhd
        )
    };
    let shown = Shown::DiskSetAside {
        set_aside: name_of(&p.old.display().to_string()).to_string(),
        disk: name_of(&d_vhd(p)).to_string(),
        folder: folder_of(&d_vhd(p)).to_string(),
    };
    Err(Failure::error(
        shown,
        format!(
            "{} holds a disk that an earlier install set aside and did not delete; {}",
            p.old.display(),
            what_to_do
        ),
    ))
}

fn open_sidecar(d: &StageData) -> Result<File, Failure> {
    File::open(&d.sidecar).map_err(|e| {
        let beside = if d.msi.is_empty() {
            String::new()
        } else {
            format!(" It must be in the same folder as the package {}.", d.msi)
        };
        Failure::error(
            unreadable(d),
            format!(
                "can't open the workspace disk sidecar {}: {}.{} {}",
                d.sidecar, e, beside, SIDECAR_ACCESS_HINT
            ),
        )
    })
}

/// The sidecar can't be read where the package says it is.
pub(super) fn unreadable(d: &StageData) -> Shown {
    Shown::SidecarMissing {
        sidecar: name_of(&d.sidecar).to_string(),
        package: if d.msi.is_empty() {
            "the package".to_string()
        } else {
            name_of(&d.msi).to_string()
        },
        folder: folder_of(&d.sidecar).to_string(),
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

/// Creates the missing folders of `<vhd>`, then the journal naming them and whether
/// the disk is `created` or `replaced`.
fn begin_journal(p: &Paths, existing: bool) -> Result<Journal, Failure> {
    let dirs = missing_dirs(&p.vhd);
    for dir in &dirs {
        if let Err(e) = fs::create_dir(dir) {
            if e.kind() != io::ErrorKind::AlreadyExists {
                return Err(Failure::error(
                    io_shown(&e, dir, 0),
                    format!("can't create the folder {}: {}", dir.display(), e),
                ));
            }
        }
    }
    let mut journal = Journal::create(&p.journal).map_err(|e| journal_failure(p, e))?;
    let mut lines: Vec<String> = dirs
        .iter()
        .map(|dir| format!("mkdir {}", dir.display()))
        .collect();
    lines.push(if existing { "replaced" } else { "created" }.to_string());
    for l in &lines {
        journal.note(l).map_err(|e| journal_failure(p, e))?;
    }
    Ok(journal)
}

/// Renames `<vhd>` to `<vhd>.wspack-old` (fails fast if the disk is in use) and
/// notes `moved-old`.
fn move_existing_aside(
    p: &Paths,
    journal: &mut Journal,
    host: &mut dyn Host,
) -> Result<(), Failure> {
    if let Err(e) = fsx::rename_noreplace(&p.vhd, &p.old) {
        return Err(Failure::error(
            io_shown(&e, &p.vhd, 0),
            format!(
                "can't move the existing disk {} aside to {}: {} (is the workspace running?)",
                p.vhd.display(),
                p.old.display(),
                e
            ),
        ));
    }
    if let Err(e) = journal.note("moved-old") {
        // Undo now: without the note, rollback would not put it back.
        let _ = fsx::rename_noreplace(&p.old, &p.vhd);
        return Err(journal_failure(p, e));
    }
    host.log(&format!(
        "StageVhd: moved the existing disk aside to {} (deleted at commit, restored on rollback)",
        p.old.display()
    ));
    Ok(())
}

/// Creates `<vhd>.wspack-tmp` and claims the disk's size up front: a full disk
/// fails now, not after minutes of work.
fn create_tmp(p: &Paths, size: u64) -> Result<File, Failure> {
    let _ = fsx::remove_file(&p.tmp);
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&p.tmp)
        .map_err(|e| {
            Failure::error(
                io_shown(&e, &p.tmp, size),
                format!("can't create {}: {}", p.tmp.display(), e),
            )
        })?;
    if let Err(e) = file.set_len(size) {
        drop(file);
        let _ = fsx::remove_file(&p.tmp);
        return Err(Failure::error(
            io_shown(&e, &p.tmp, size),
            format!(
                "can't reserve {} bytes for {}: {}",
                size,
                p.tmp.display(),
                e
            ),
        ));
    }
    Ok(file)
}

/// A byte count in whole MiB with thousands separators.
pub(super) fn mib(bytes: u64) -> String {
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

/// The progress bar (ticks, at most one message per MiB) and the status line
/// (`<name>.vhd: <n> of <m> MiB`, every 5% and at least every 64 MiB) while the
/// disk is written. Each returns false when the user cancelled.
pub(super) struct Progress<'h> {
    host: &'h mut dyn Host,
    name: String,
    size: u64,
    total_ticks: u64,
    pub(super) reported_ticks: u64,
    status_step: u64,
    next_status: u64,
}

impl<'h> Progress<'h> {
    pub(super) fn new(host: &'h mut dyn Host, vhd: &Path, size: u64) -> Progress<'h> {
        let status_step = (size / 20).max(64 << 20);
        Progress {
            host,
            name: vhd
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            size,
            total_ticks: ticks_for(size),
            reported_ticks: 0,
            status_step,
            next_status: status_step,
        }
    }

    /// Shows "<name>: 0 of <m> MiB"; a Cancel there stops before anything is written.
    pub(super) fn start(&mut self) -> Result<(), Failure> {
        let text = format!("{}: 0 of {} MiB", self.name, mib(self.size));
        if self.host.status(&text) {
            Ok(())
        } else {
            Err(Failure::Cancelled(
                "cancelled by the user before staging began".to_string(),
            ))
        }
    }

    /// [`Progress::start`] for a step that writes `<vhd>.wspack-tmp`: on a Cancel
    /// it closes `file` (the temp file) and deletes it; otherwise hands it back.
    pub(super) fn start_writing(&mut self, p: &Paths, file: File) -> Result<File, Failure> {
        if let Err(f) = self.start() {
            drop(file);
            let _ = fsx::remove_file(&p.tmp);
            return Err(f);
        }
        Ok(file)
    }

    pub(super) fn update(&mut self, bytes: u64) -> bool {
        let due = ticks_for(bytes.min(self.size)).min(self.total_ticks);
        if due >= self.reported_ticks + 1024 || (bytes >= self.size && due > self.reported_ticks) {
            if !self.host.tick(due - self.reported_ticks) {
                return false;
            }
            self.reported_ticks = due;
        }
        if bytes >= self.next_status {
            self.next_status = bytes.saturating_add(self.status_step);
            let text = format!("{}: {} of {} MiB", self.name, mib(bytes), mib(self.size));
            if !self.host.status(&text) {
                return false;
            }
        }
        true
    }
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

/// Streams sidecar → gzip reader → verified copy → `file` (`<vhd>.wspack-tmp`),
/// with progress; on any failure deletes the temp file.
fn write_disk(
    d: &StageData,
    p: &Paths,
    sidecar: File,
    file: File,
    host: &mut dyn Host,
) -> Result<(), Failure> {
    let size = d.expected.size;
    let mut progress = Progress::new(host, &p.vhd, size);
    let file = progress.start_writing(p, file)?;
    let mut out = Marked {
        inner: file,
        failed: false,
    };
    // take(size + 1): a sidecar that inflates to more than promised stops one byte
    // over (size mismatch) instead of filling the disk.
    let src = match window_of(sidecar, d.window) {
        Ok(src) => GzReader::new(src).take(size.saturating_add(1)),
        Err(e) => return Err(copy_failure(StageError::Io(e), false, d, p, 0)),
    };
    let result = copy_verified(src, &mut out, &d.expected, &mut |b| progress.update(b));
    let result = result.and_then(|_| {
        out.inner.sync_all().map_err(|e| {
            out.failed = true;
            StageError::Io(e)
        })
    });
    let write_failed = out.failed;
    drop(out);
    match result {
        Ok(()) => Ok(()),
        Err(e) => Err(copy_failure(e, write_failed, d, p, progress.reported_ticks)),
    }
}

/// The sidecar's bytes: the whole file, or its window inside the file.
fn window_of(mut file: File, window: Option<(u64, u64)>) -> io::Result<io::Take<File>> {
    match window {
        Some((offset, length)) => {
            file.seek(SeekFrom::Start(offset))?;
            Ok(file.take(length))
        }
        None => Ok(file.take(u64::MAX)),
    }
}

/// Deletes the temp file after a failed copy and says what went wrong: the user
/// cancelled, the disk could not be written, the sidecar is damaged, or it holds
/// another disk.
fn copy_failure(
    e: StageError,
    write_failed: bool,
    d: &StageData,
    p: &Paths,
    reported_ticks: u64,
) -> Failure {
    let cleanup = match fsx::remove_file(&p.tmp) {
        Ok(_) => format!("removed {}", p.tmp.display()),
        Err(re) => format!("could not remove {}: {}", p.tmp.display(), re),
    };
    match e {
        StageError::Cancelled => Failure::Cancelled(format!(
            "cancelled by the user after {} MiB; {}",
            mib(reported_ticks * 1024),
            cleanup
        )),
        StageError::Io(e) if write_failed => Failure::error(io_shown(&e, &p.tmp, d.expected.size), format!(
            "can't write {}: {} ({})",
            p.tmp.display(),
            e,
            cleanup
        )),
        StageError::Io(e) => Failure::error(damaged(d), format!(
            "the workspace disk sidecar {} is damaged or truncated: {}; copy it again from the build output ({})",
            d.sidecar, e, cleanup
        )),
        e @ StageError::SizeMismatch { .. } | e @ StageError::HashMismatch { .. } => {
            Failure::error(damaged(d), format!(
                "the workspace disk from {} does not match this package: {}; the sidecar is damaged or from another build ({})",
                d.sidecar, e, cleanup
            ))
        }
    }
}

/// The sidecar (or the file that holds it) is damaged or from another build.
pub(super) fn damaged(d: &StageData) -> Shown {
    Shown::Damaged {
        sidecar: name_of(&d.sidecar).to_string(),
        folder: folder_of(&d.sidecar).to_string(),
    }
}

/// `<vhd>` as a string, for messages.
fn d_vhd(p: &Paths) -> String {
    p.vhd.display().to_string()
}

/// Renames the verified temp file to `<vhd>` (never replacing) and notes `placed`.
fn place(p: &Paths, journal: &mut Journal) -> Result<(), Failure> {
    if let Err(e) = fsx::rename_noreplace(&p.tmp, &p.vhd) {
        let _ = fsx::remove_file(&p.tmp);
        return Err(Failure::error(
            io_shown(&e, &p.vhd, 0),
            format!(
                "can't rename {} to {}: {}",
                p.tmp.display(),
                p.vhd.display(),
                e
            ),
        ));
    }
    if let Err(e) = journal.note("placed") {
        // The disk is in place but rollback would not know: undo and fail.
        let _ = fsx::remove_file(&p.vhd);
        return Err(journal_failure(p, e));
    }
    Ok(())
}

/// At StageVhd's start: deletes a journal left by an earlier install, and its temp
/// file, never the disk. Fails only if the journal can be neither deleted nor emptied.
fn clear_leftover_journal(p: &Paths, host: &mut dyn Host) -> Result<(), Failure> {
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
    for leftover in [&p.tmp, &p.undo] {
        match fsx::remove_file(leftover) {
            Ok(true) => host.log(&format!("StageVhd: deleted {}", leftover.display())),
            Ok(false) => {}
            // Harmless: StageVhd deletes them again before writing, and fails there if it can't.
            Err(e) => host.log(&format!(
                "StageVhd: can't delete {} yet: {}",
                leftover.display(),
                e
            )),
        }
    }
    if let Err(e) = fsx::remove_file(&p.journal) {
        // Rollback of this install must not act on the earlier install's journal:
        // empty it if it can't be deleted.
        let emptied = OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(&p.journal)
            .is_ok();
        if !emptied {
            return Err(Failure::error(io_shown(&e, &p.journal, 0), format!(
                    "can't delete {}, left by an earlier install: {}; delete it (keep {}) and run the install again",
                    p.journal.display(),
                    e,
                p.vhd.display()
            )));
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
