//! wspack's custom-action DLL (`wspack_runtime.dll`): stages the workspace disk from
//! the `.medv` sidecar at install, undoes or commits that, and deletes the agent's
//! differencing disks at uninstall. Exports (all `UINT __stdcall f(MSIHANDLE)`):
//!
//! - `StageVhdTicks`   immediate: adds the disk's ticks to the progress bar's total
//! - `StageVhd`        deferred, no impersonation: inflate, verify, rename into place
//! - `StageVhdRollback` rollback: undo what the journal says StageVhd did
//! - `StageVhdCommit`  commit: delete the replaced disk kept aside, and the journal (never fails)
//! - `CheckStageVhd`   immediate, before the old version's removal and before
//!   anything is written: where the disk comes from (kept, delta, full); links a
//!   disk an upgrade keeps to `<vhd>.wspack-keep`; fails naming the missing file
//! - `PlanStageVhd`    immediate, for the pages: the same, never fails
//! - `RemoveDiffDisks` deferred, on uninstall with DELETEDIFFDISKS=1 (never fails)
//!
//! The CustomActionData contract is in README.md. Everything but the msi.dll glue
//! (`win`) is plain Rust, unit-tested natively.

pub mod data;
pub mod diffdisks;
pub mod fsx;
pub mod gzip;
pub mod parallel;
pub mod shown;
pub mod staging;

#[cfg(windows)]
pub mod win;

#[cfg(windows)]
mod exports {
    use crate::shown::Shown;
    use crate::staging::{self, Host, ERROR_INSTALL_FAILURE, ERROR_SUCCESS};
    use crate::win::{MsiHandle, Session};
    use wspack_contract as contract;

    /// Runs `f` on the CustomActionData. If it can't be read: an error and 1603, or
    /// for an action that must never fail (`must_succeed`), a log line and 0.
    fn with_data(
        h: MsiHandle,
        action: &str,
        must_succeed: bool,
        f: impl FnOnce(&str, &mut Session) -> u32,
    ) -> u32 {
        let mut s = Session::new(h);
        match s.property("CustomActionData") {
            Ok(d) => f(&d, &mut s),
            Err(e) if must_succeed => {
                s.log(&format!(
                    "{}: can't read CustomActionData (error {}); did nothing",
                    action, e
                ));
                ERROR_SUCCESS
            }
            Err(e) => {
                s.fail(
                    &Shown::package_damaged(""),
                    &format!("{}: can't read CustomActionData (error {})", action, e),
                );
                ERROR_INSTALL_FAILURE
            }
        }
    }

    /// Immediate: adds the disk's progress ticks to the total. Reads the property
    /// `StageVhd` (set by the type-51 action before it), so it must run after that.
    #[no_mangle]
    pub extern "system" fn StageVhdTicks(h: MsiHandle) -> u32 {
        let mut s = Session::new(h);
        match s
            .property(contract::STAGE_VHD)
            .ok()
            .and_then(|v| staging::ticks_from(&v))
        {
            Some(t) => {
                s.add_to_total(t);
                s.log(&format!(
                    "StageVhdTicks: added {} progress ticks for the disk",
                    t
                ));
            }
            None => s.log("StageVhdTicks: the StageVhd property has no size=; no ticks added"),
        }
        ERROR_SUCCESS
    }

    /// Immediate, with the property CheckStageVhd holding StageVhd's data: sets
    /// WspackPlan, or fails (before anything is written) naming the missing file.
    #[no_mangle]
    pub extern "system" fn CheckStageVhd(h: MsiHandle) -> u32 {
        plan_into_property(h, false)
    }

    /// Immediate, for the pages: sets WspackPlan (`missing` shows the
    /// missing-sidecar page); never fails.
    #[no_mangle]
    pub extern "system" fn PlanStageVhd(h: MsiHandle) -> u32 {
        plan_into_property(h, true)
    }

    fn plan_into_property(h: MsiHandle, for_pages: bool) -> u32 {
        let mut s = Session::new(h);
        let data = match s.property(contract::CHECK_STAGE_VHD) {
            Ok(d) => d,
            Err(e) if for_pages => {
                s.log(&format!("PlanStageVhd: can't read its data (error {})", e));
                return ERROR_SUCCESS;
            }
            Err(e) => {
                s.fail(
                    &Shown::package_damaged(""),
                    &format!("CheckStageVhd: can't read its data (error {})", e),
                );
                return ERROR_INSTALL_FAILURE;
            }
        };
        match staging::plan::check(&data, for_pages, &mut s) {
            Ok(plan) => {
                if let Err(e) = s.set_property(contract::PLAN_PROPERTY, plan) {
                    s.log(&format!(
                        "can't set {} (error {})",
                        contract::PLAN_PROPERTY,
                        e
                    ));
                }
                ERROR_SUCCESS
            }
            Err(code) => code,
        }
    }

    /// Deferred: stages the disk.
    #[no_mangle]
    pub extern "system" fn StageVhd(h: MsiHandle) -> u32 {
        with_data(h, contract::STAGE_VHD, false, |d, s| {
            s.explicit_progress();
            staging::stage(d, s)
        })
    }

    /// Rollback: undoes StageVhd by its journal.
    #[no_mangle]
    pub extern "system" fn StageVhdRollback(h: MsiHandle) -> u32 {
        with_data(h, contract::STAGE_VHD_ROLLBACK, false, |d, s| {
            staging::rollback(d, s)
        })
    }

    /// Commit: deletes the replaced disk and the journal. Never fails (a failing
    /// commit action would roll back an installed product).
    #[no_mangle]
    pub extern "system" fn StageVhdCommit(h: MsiHandle) -> u32 {
        with_data(h, contract::STAGE_VHD_COMMIT, true, |d, s| {
            staging::commit(d, s)
        })
    }

    /// Deferred, uninstall: deletes the agent's per-user and shared diff disks.
    /// Never fails the uninstall.
    #[no_mangle]
    pub extern "system" fn RemoveDiffDisks(h: MsiHandle) -> u32 {
        with_data(h, contract::REMOVE_DIFF_DISKS, true, |d, s| {
            let (profiles, notes) = crate::win::profiles();
            for n in notes {
                s.log(&format!("RemoveDiffDisks: {}", n));
            }
            crate::diffdisks::remove(d, &profiles, s)
        })
    }
}
