//! What wspack's MSI and its Windows runtime (`wspack_runtime.dll`) agree on. The
//! packager (`src/msi/runtime.rs`) writes the custom actions, their
//! CustomActionData and the RemoveFile rows from these names; the runtime
//! (`runtime/`) reads the same data and names its files with them. The chunk
//! table ([`chunks`]) and the delta table ([`delta`]) the packager writes into the
//! MSI are decoded by the runtime with the same code. Both depend on this crate,
//! so a name changed here changes on both sides, and a name removed or renamed
//! here fails to compile on both.
//!
//! It builds with Rust 1.63 (Debian's, which builds the runtime) and depends only on
//! what the runtime pins (`sha2 =0.10.9`).

pub mod chunks;
pub mod data;
pub mod delta;
pub mod messages;
pub mod stage;
pub mod window;

/// The deferred custom action that stages the disk (also the property its type-51
/// setter fills, which StageVhdTicks reads).
pub const STAGE_VHD: &str = "StageVhd";
/// The rollback custom action that undoes [`STAGE_VHD`] by its journal.
pub const STAGE_VHD_ROLLBACK: &str = "StageVhdRollback";
/// The commit custom action that drops the replaced disk and the journal.
pub const STAGE_VHD_COMMIT: &str = "StageVhdCommit";
/// The immediate custom action that adds the disk's ticks to the progress total.
pub const STAGE_VHD_TICKS: &str = "StageVhdTicks";
/// The immediate custom action (install, before anything is written) that decides
/// where the disk comes from ([`plan`]), sets [`PLAN_PROPERTY`], and fails with a
/// message naming the missing file when nothing can provide it. It reads the
/// property of its own name (set by a type-51 action to StageVhd's data).
pub const CHECK_STAGE_VHD: &str = "CheckStageVhd";
/// The same decision for the pages (InstallUISequence): sets [`PLAN_PROPERTY`] and
/// never fails, so the missing-sidecar page can show instead. Reads the property
/// [`CHECK_STAGE_VHD`].
pub const PLAN_STAGE_VHD: &str = "PlanStageVhd";
/// The property [`CHECK_STAGE_VHD`] and [`PLAN_STAGE_VHD`] set to one of [`plan`].
pub const PLAN_PROPERTY: &str = "WspackPlan";
/// Where the disk comes from, as [`CHECK_STAGE_VHD`] decides.
pub mod plan {
    /// The disk in place already is this package's disk: kept as it is.
    pub const KEEP: &str = "keep";
    /// The disk in place is the base of this package's delta: new disk = it + delta.
    pub const DELTA: &str = "delta";
    /// From the full sidecar.
    pub const FULL: &str = "full";
    /// Nothing can provide the disk (only [`crate::PLAN_STAGE_VHD`] sets this).
    pub const MISSING: &str = "missing";
}

/// The uninstall custom action that deletes the agent's differencing disks.
pub const REMOVE_DIFF_DISKS: &str = "RemoveDiffDisks";

/// Suffix of the disk being written: `<name>.vhd.wspack-tmp`.
pub const TMP_SUFFIX: &str = ".wspack-tmp";
/// Suffix of the replaced disk, kept aside until commit: `<name>.vhd.wspack-old`.
pub const OLD_SUFFIX: &str = ".wspack-old";
/// Suffix of a second name (hard link) CheckStageVhd gives the disk in place when
/// an upgrade keeps it or updates it by a delta: the old version's removal deletes
/// `<vhd>`, the disk's bytes stay under this name until StageVhd renames it back.
pub const KEEP_SUFFIX: &str = ".wspack-keep";
/// Suffix of the undo file of a delta applied in place: the bytes each changed
/// chunk held before, which a rollback writes back.
pub const UNDO_SUFFIX: &str = ".wspack-undo";
/// Suffix of the journal that tells rollback and commit what staging did.
pub const JOURNAL_SUFFIX: &str = ".wspack-journal";
