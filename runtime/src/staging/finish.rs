//! StageVhdRollback and StageVhdCommit: each acts only on the journal StageVhd wrote.

use super::{read_journal, Host, Paths, ERROR_INSTALL_FAILURE, ERROR_SUCCESS};
use crate::fsx;
use crate::shown::Shown;
use std::fs;
use std::path::Path;
use wspack_contract::data::{stage_key, Fields};

/// The `vhd=` field of rollback's or commit's CustomActionData, as working paths.
fn vhd_from(custom_action_data: &str) -> Result<Paths, String> {
    Fields::parse(custom_action_data)
        .and_then(|f| f.require(stage_key::VHD).map(Paths::new))
        .map_err(|e| format!("{} (CustomActionData was \"{}\")", e, custom_action_data))
}

/// The journal's lines, for StageVhdRollback and StageVhdCommit. Err: the exit code
/// to return now, after a log line: no journal (StageVhd changed nothing: success)
/// or an unreadable one (`unreadable`, reported as an error unless it is success).
fn journal_for(
    p: &Paths,
    action: &str,
    unreadable: u32,
    host: &mut dyn Host,
) -> Result<Vec<String>, u32> {
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
            let msg = format!(
                "{}: can't read the journal {}: {}",
                action,
                p.journal.display(),
                e
            );
            if unreadable == ERROR_SUCCESS {
                host.log(&msg);
            } else {
                host.fail(&not_undone(&p.journal), &msg);
            }
            Err(unreadable)
        }
    }
}

/// A file rollback could not put right: the generic message (it does not claim
/// that nothing was changed), the log has which step.
fn not_undone(path: &Path) -> Shown {
    Shown::WriteFailed {
        file: path.display().to_string(),
    }
}

/// True if `dir` is a folder above `vhd` (where StageVhd may have created folders).
pub(super) fn is_ancestor_of(dir: &Path, vhd: &Path) -> bool {
    !dir.as_os_str().is_empty() && vhd.ancestors().skip(1).any(|a| a == dir)
}

/// Writes back the chunks a delta applied in place overwrote, then deletes the
/// undo file. False (reported) if the disk could not be restored: the journal and
/// the undo file then stay for an admin.
fn undo_patch(p: &Paths, host: &mut dyn Host) -> bool {
    match super::undo::restore(&p.vhd, &p.undo) {
        Ok(n) => {
            host.log(&format!(
                "StageVhdRollback: wrote {} chunks of {} back from {}",
                n,
                p.vhd.display(),
                p.undo.display()
            ));
            let _ = fsx::remove_file(&p.undo);
            true
        }
        Err(e) => {
            host.fail(
                &not_undone(&p.vhd),
                &format!(
                    "StageVhdRollback: can't write {} back from {}: {}",
                    p.vhd.display(),
                    p.undo.display(),
                    e
                ),
            );
            false
        }
    }
}

/// StageVhdRollback: undoes what the journal says StageVhd did.
pub fn rollback(custom_action_data: &str, host: &mut dyn Host) -> u32 {
    match vhd_from(custom_action_data) {
        Ok(p) => rollback_paths(&p, host),
        Err(e) => {
            host.fail(
                &Shown::package_damaged(""),
                &format!("StageVhdRollback: {}", e),
            );
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
            host.fail(
                &not_undone(&p.tmp),
                &format!("StageVhdRollback: can't delete {}: {}", p.tmp.display(), e),
            )
        }
    }
    if has("patching") && ok {
        ok = undo_patch(p, host);
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
                host.fail(
                    &not_undone(&p.vhd),
                    &format!("StageVhdRollback: can't delete {}: {}", p.vhd.display(), e),
                )
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
                host.fail(
                    &not_undone(&p.vhd),
                    &format!(
                        "StageVhdRollback: can't move the previous disk {} back to {}: {}",
                        p.old.display(),
                        p.vhd.display(),
                        e
                    ),
                )
            }
        }
    }
    if !ok {
        // Keep the journal: an admin can see what is left.
        return ERROR_INSTALL_FAILURE;
    }
    if let Err(e) = fsx::remove_file(&p.journal) {
        host.fail(
            &not_undone(&p.journal),
            &format!(
                "StageVhdRollback: can't delete {}: {}",
                p.journal.display(),
                e
            ),
        );
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
    if lines.iter().any(|l| l == "patching") {
        if let Err(e) = fsx::remove_file(&p.undo) {
            host.log(&format!(
                "StageVhdCommit: can't delete {}: {}; the install succeeded, delete it by hand",
                p.undo.display(),
                e
            ));
        }
    }
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
