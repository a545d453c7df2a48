//! Where the disk comes from: decided once, before anything is written, by
//! CheckStageVhd (and for the pages by PlanStageVhd), and followed by StageVhd.
//!
//! In order:
//! - the disk in place already is this package's disk (its size and every chunk's
//!   SHA-256): it is **kept**, untouched: a repair, a reinstall, a disk an admin
//!   copied in advance, or a version that changes only the policy;
//! - another disk is in place and may not be replaced (no upgrade of this
//!   workspace, no `OVERWRITEVHD=1`): refused;
//! - the package has a delta table, the disk in place has its base's size and the
//!   delta file is beside the package: the new disk is built from the disk in place
//!   plus the **delta** (every chunk is checked against the package's table, so a
//!   base that was changed since it was staged shows there);
//! - the full sidecar can be opened: the disk is staged from it (**full**);
//! - otherwise nothing can provide the disk: the message names the file(s) to put
//!   beside the package.

use super::stage_vhd::{io_shown, msi_in, unreadable, Failure};
use super::{delta, existing, Host, Paths};
use crate::data::StageData;
use crate::shown::{folder_of, name_of, Shown};
use std::fs::{self, File};
use std::io;
use std::path::Path;
use wspack_contract::chunks::ChunkTable;
use wspack_contract::delta::DeltaTable;
use wspack_contract::plan;

/// What [`decide`] found.
#[derive(Debug)]
pub(super) enum Plan {
    /// The disk in place is this package's disk.
    Keep,
    /// New disk = the disk in place (moved aside first) + the delta file (its path).
    Delta(DeltaTable, String),
    /// From the full sidecar.
    Full,
}

impl Plan {
    /// The value of the `WspackPlan` property / the `plan=` field.
    pub(super) fn name(&self) -> &'static str {
        match self {
            Plan::Keep => plan::KEEP,
            Plan::Delta(..) => plan::DELTA,
            Plan::Full => plan::FULL,
        }
    }
}

/// The disk at `<vhd>`: absent, or a file of this size.
pub(super) fn disk_in_place(p: &Paths) -> Result<Option<u64>, Failure> {
    let vhd = p.vhd.display();
    match fs::symlink_metadata(&p.vhd) {
        Ok(m) if m.is_dir() => Err(Failure::error(
            Shown::WriteFailed {
                file: vhd.to_string(),
            },
            format!("{} is a folder, not a disk; remove it and retry", vhd),
        )),
        Ok(m) => Ok(Some(m.len())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Failure::error(
            io_shown(&e, &p.vhd, 0),
            format!("can't check {}: {}", vhd, e),
        )),
    }
}

/// Decides where the disk comes from (see the module doc). `table` is the package's
/// chunk table (`None`: a package from before chunked sidecars, never kept).
pub(super) fn decide(
    d: &StageData,
    table: Option<&ChunkTable>,
    host: &mut dyn Host,
) -> Result<Plan, Failure> {
    let p = Paths::new(&d.vhd);
    let in_place = disk_in_place(&p)?;
    if let (Some(size), Some(table)) = (in_place, table) {
        if size == d.expected.size && existing::is_this_disk(d, &p, table, host)? {
            return Ok(Plan::Keep);
        }
    }
    if in_place.is_some() && !d.overwrite && !d.upgrade {
        let vhd = p.vhd.display().to_string();
        let shown = Shown::DiskExists {
            disk: name_of(&vhd).to_string(),
            folder: folder_of(&vhd).to_string(),
        };
        return Err(Failure::error(shown, format!(
            "{} already exists; pass OVERWRITEVHD=1 to replace it (setup.exe OVERWRITEVHD=1 or msiexec /i <package>.msi OVERWRITEVHD=1)",
            p.vhd.display()
        )));
    }
    let delta = match in_place {
        Some(size) => usable_delta(d, size, host)?,
        None => None,
    };
    if let Some((t, path)) = delta {
        return Ok(Plan::Delta(t, path));
    }
    if sidecar_opens(d) {
        return Ok(Plan::Full);
    }
    Err(missing(d, in_place.is_some()))
}

/// The package's delta table and the delta file's path, if it has one, the disk in
/// place has its base's size and the delta file is there.
fn usable_delta(
    d: &StageData,
    in_place: u64,
    host: &mut dyn Host,
) -> Result<Option<(DeltaTable, String)>, Failure> {
    let path = match &d.delta {
        Some(p) => p,
        None => return Ok(None),
    };
    let table = match delta::read_table(d, host)? {
        Some(t) => t,
        None => return Ok(None),
    };
    if table.base_size != in_place {
        host.log(&format!(
            "StageVhd: the disk in place is {} bytes, not the {} bytes of the delta's base: the delta can't be used",
            in_place, table.base_size
        ));
        return Ok(None);
    }
    if File::open(path).is_err() {
        host.log(&format!(
            "StageVhd: the delta {} can't be opened: the full sidecar is needed",
            path
        ));
        return Ok(None);
    }
    Ok(Some((table, path.clone())))
}

fn sidecar_opens(d: &StageData) -> bool {
    File::open(Path::new(&d.sidecar)).is_ok()
}

/// Nothing can provide the disk: names the files to put beside the package.
fn missing(d: &StageData, disk_in_place: bool) -> Failure {
    let delta = match &d.delta {
        Some(delta) if disk_in_place => format!(
            " (the update {} can't be used either: the disk in place is not the version it updates, or the file is not there)",
            delta
        ),
        Some(delta) => format!(
            " ({} updates only a computer where the previous version's disk is installed; this one has none)",
            delta
        ),
        None => String::new(),
    };
    let shown = match &d.delta {
        Some(_) if disk_in_place => Shown::DeltaBaseMissing {
            package: name_of(&d.msi).to_string(),
            folder: folder_of(&d.vhd).to_string(),
            full_sidecar: name_of(&d.sidecar).to_string(),
            package_file: name_of(&d.msi).to_string(),
        },
        _ => unreadable(d),
    };
    Failure::error(shown, format!(
        "can't open the workspace disk sidecar {}{}. It must be in the same folder as the package {}. {}",
        d.sidecar,
        delta,
        d.msi,
        super::stage_vhd::SIDECAR_ACCESS_HINT
    ))
}

/// CheckStageVhd (`for_pages` false) and PlanStageVhd (true), immediate: decides
/// the plan for the data StageVhd will get, before anything is written. Returns the
/// value for `WspackPlan`, or (CheckStageVhd only) the failure, already reported.
/// For the pages a disk in place counts as replaceable (they ask first) and any
/// failure other than a missing sidecar is left to CheckStageVhd.
pub fn check(
    custom_action_data: &str,
    for_pages: bool,
    host: &mut dyn Host,
) -> Result<&'static str, u32> {
    let action = if for_pages {
        wspack_contract::PLAN_STAGE_VHD
    } else {
        wspack_contract::CHECK_STAGE_VHD
    };
    let mut d = match StageData::parse(custom_action_data) {
        Ok(d) => d,
        Err(e) if for_pages => {
            host.log(&format!("{}: {}; leaving it to the install", action, e));
            return Ok(plan::FULL);
        }
        Err(e) => {
            return Err(Failure::error(
                Shown::package_damaged(&msi_in(custom_action_data)),
                format!("{} (CustomActionData was \"{}\")", e, custom_action_data),
            )
            .report_as(action, host))
        }
    };
    d.overwrite |= for_pages;
    let table = super::chunked::read_table(&d, host);
    let decided = table.and_then(|t| decide(&d, t.as_ref(), host));
    match decided {
        Ok(plan) if !for_pages && d.upgrade => keep_through_upgrade(&d, plan, action, host),
        Ok(plan) => {
            host.log(&format!(
                "{}: {} (disk {}, sidecar {}, delta {})",
                action,
                plan.name(),
                d.vhd,
                d.sidecar,
                d.delta.as_deref().unwrap_or("(none)")
            ));
            Ok(plan.name())
        }
        Err(f) if for_pages => {
            host.log(&format!("{}: {:?}", action, f));
            Ok(if sidecar_opens(&d) {
                plan::FULL
            } else {
                plan::MISSING
            })
        }
        Err(f) => Err(f.report_as(action, host)),
    }
}

/// In an upgrade the old version's removal (next) deletes `<vhd>`: a disk this
/// install keeps or updates gets a second name, `<vhd>.wspack-keep`, first (same
/// file: its bytes and times stay). Without the link the disk comes from the full
/// sidecar, and if that is missing the install stops here.
fn keep_through_upgrade(
    d: &StageData,
    plan: Plan,
    action: &str,
    host: &mut dyn Host,
) -> Result<&'static str, u32> {
    let p = Paths::new(&d.vhd);
    if let Plan::Full = plan {
        host.log(&format!(
            "{}: full (upgrade; the disk in place is replaced)",
            action
        ));
        return Ok(plan::FULL);
    }
    let _ = fs::remove_file(&p.keep);
    match fs::hard_link(&p.vhd, &p.keep) {
        Ok(()) => {
            host.log(&format!(
                "{}: {} (upgrade): linked {} to {} so the old version's removal leaves its bytes",
                action,
                plan.name(),
                p.vhd.display(),
                p.keep.display()
            ));
            Ok(plan.name())
        }
        Err(e) if sidecar_opens(d) => {
            host.log(&format!(
                "{}: can't link {} to {} ({}): staging from the full sidecar instead",
                action,
                p.vhd.display(),
                p.keep.display(),
                e
            ));
            Ok(plan::FULL)
        }
        Err(e) => Err(Failure::error(unreadable(d), format!(
            "can't keep the disk {} through the upgrade (linking it to {} failed: {}), and the full sidecar {} is not there to stage it again; put it next to the package {} and try again",
            p.vhd.display(),
            p.keep.display(),
            e,
            d.sidecar,
            d.msi
        ))
        .report_as(action, host)),
    }
}
