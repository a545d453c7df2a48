//! RemoveVhd (uninstall): sets the staged disk aside as `<vhd>.wspack-old`, where
//! the package's RemoveFile row and the commit delete it, and a rollback puts it
//! back (StageVhdRollback reads the same journal: `moved-old`).
//!
//! The package runs it only for a real uninstall, never when a newer version of
//! the workspace removes this one (`UPGRADINGPRODUCTCODE`): the newer version then
//! finds the disk in place and keeps it, updates it by its delta, or replaces it.

use super::{Host, Journal, Paths, ERROR_INSTALL_FAILURE, ERROR_SUCCESS};
use crate::fsx;
use wspack_contract::data::{stage_key, Fields};
use wspack_contract::REMOVE_VHD;

/// RemoveVhd: returns the custom action's exit code.
pub fn remove(custom_action_data: &str, host: &mut dyn Host) -> u32 {
    let p = match Fields::parse(custom_action_data).and_then(|f| f.require(stage_key::VHD).map(Paths::new)) {
        Ok(p) => p,
        Err(e) => {
            host.error(&format!("{}: {} (CustomActionData was \"{}\")", REMOVE_VHD, e, custom_action_data));
            return ERROR_INSTALL_FAILURE;
        }
    };
    match set_aside(&p, host) {
        Ok(()) => ERROR_SUCCESS,
        Err(msg) => {
            host.error(&format!("{}: {}", REMOVE_VHD, msg));
            ERROR_INSTALL_FAILURE
        }
    }
}

fn set_aside(p: &Paths, host: &mut dyn Host) -> Result<(), String> {
    if !fsx::exists(&p.vhd) {
        host.log(&format!("{}: {} is not there; nothing to remove", REMOVE_VHD, p.vhd.display()));
        return Ok(());
    }
    // Left by an earlier install that was not committed: the uninstall removes it too.
    match fsx::remove_file(&p.old) {
        Ok(true) => host.log(&format!("{}: deleted {}, left by an earlier install", REMOVE_VHD, p.old.display())),
        Ok(false) => {}
        Err(e) => return Err(format!("can't delete {}: {}", p.old.display(), e)),
    }
    let journal_failure = |e: std::io::Error| format!("can't write the journal {}: {}", p.journal.display(), e);
    let mut journal = Journal::create(&p.journal).map_err(journal_failure)?;
    journal.note("removing").map_err(journal_failure)?;
    fsx::rename_noreplace(&p.vhd, &p.old).map_err(|e| {
        format!(
            "can't move {} aside to {}: {} (is the workspace running? close MED-V and try again)",
            p.vhd.display(),
            p.old.display(),
            e
        )
    })?;
    if let Err(e) = journal.note("moved-old") {
        // Without the note rollback would not put it back: undo now.
        let _ = fsx::rename_noreplace(&p.old, &p.vhd);
        return Err(journal_failure(e));
    }
    host.log(&format!(
        "{}: moved {} aside to {} (deleted at commit, restored on rollback)",
        REMOVE_VHD,
        p.vhd.display(),
        p.old.display()
    ));
    Ok(())
}
