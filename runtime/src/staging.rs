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
//! | `unkept` | after renaming `<vhd>.wspack-keep` (the old version's disk, which its removal deleted as `<vhd>`) back to `<vhd>` | – (the old disk stays at `<vhd>`; Windows' rollback of the old version's removal puts its own copy of the same file there too) | – |
//! | `patching` | before a delta is applied to `<vhd>` in place (each changed chunk's old bytes go to `<vhd>.wspack-undo`, synced, before the chunk is overwritten) | writes the old bytes back from the undo file, deletes it | deletes the undo file |
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

use crate::shown::Shown;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use wspack_contract::data::{stage_key, Fields};
use wspack_contract::{JOURNAL_SUFFIX, KEEP_SUFFIX, OLD_SUFFIX, TMP_SUFFIX, UNDO_SUFFIX};

mod chunked;
mod delta;
mod existing;
mod finish;
pub mod plan;
mod stage_vhd;
mod undo;

pub use finish::{commit, rollback};
pub use stage_vhd::{stage, stage_parsed, SIDECAR_ACCESS_HINT};

/// Exit codes of a custom action.
pub const ERROR_SUCCESS: u32 = 0;
/// The user cancelled.
pub const ERROR_INSTALL_USEREXIT: u32 = 1602;
/// A fatal error; the installer rolls back.
pub const ERROR_INSTALL_FAILURE: u32 = 1603;

/// Where messages and progress go.
pub trait Host {
    /// A line for the installer log only.
    fn log(&mut self, msg: &str);
    /// A failure: `detail` (the technical line) to the log, and `shown` (the
    /// package's message in plain words) to the person when the installer has a UI.
    fn fail(&mut self, shown: &Shown, detail: &str);
    /// Advances the progress bar by `ticks`; false if the user cancelled.
    fn tick(&mut self, ticks: u64) -> bool;
    /// Shows a status line for the current action; false if the user cancelled.
    fn status(&mut self, text: &str) -> bool;
    /// The data of the Binary row `name` (such as the chunk table `WspackChunks`)
    /// of the package at `msi`, or `None` if it has no such row (built before that
    /// row existed). Err: the package can't be read.
    fn binary(&mut self, msi: &str, name: &str) -> Result<Option<Vec<u8>>, String>;
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
    /// `<vhd>.wspack-keep`: the disk in place, linked by CheckStageVhd before the
    /// old version's removal deletes `<vhd>`.
    pub keep: PathBuf,
    /// `<vhd>.wspack-undo`: what a delta applied in place overwrote.
    pub undo: PathBuf,
}

impl Paths {
    /// The working paths for a disk.
    pub fn new(vhd: &str) -> Paths {
        let with = |suffix: &str| PathBuf::from(format!("{}{}", vhd, suffix));
        Paths {
            vhd: PathBuf::from(vhd),
            tmp: with(TMP_SUFFIX),
            old: with(OLD_SUFFIX),
            journal: with(JOURNAL_SUFFIX),
            keep: with(KEEP_SUFFIX),
            undo: with(UNDO_SUFFIX),
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

/// StageVhdTicks (immediate): the ticks to add for the disk, from the `size=` field
/// of StageVhd's CustomActionData property.
pub fn ticks_from(stage_vhd_property: &str) -> Option<u64> {
    let f = Fields::parse(stage_vhd_property).ok()?;
    let size = f.get(stage_key::SIZE)?.trim().parse::<u64>().ok()?;
    Some(ticks_for(size))
}

#[cfg(test)]
mod tests;
