//! The seam for the Windows runtime: the rows that plug the staging custom actions
//! into the MSI. Their names, CustomActionData keys and the runtime's file suffixes
//! come from `wspack-contract`, which the runtime builds with too.
//!
//! With [`PackageSpec::runtime`](super::PackageSpec::runtime) = `None` the MSI has no
//! Binary or CustomAction table and no staging step. With `Some(rows)`, the table
//! writer adds every Binary row (data in the `Binary.<Name>` stream), every
//! CustomAction row and every sequence row as given; nothing else changes.
//!
//! What the runtime can rely on in the Property table (all private, so a command
//! line cannot override them):
//! - [`PROP_DISK_SIZE`]: the disk's size in bytes (decimal),
//! - [`PROP_DISK_SHA256`]: the disk's SHA-256 (64 lowercase hex digits),
//! - [`PROP_SIDECAR`]: the sidecar's file name (`<internal_name>.medv`), beside the MSI,
//! - [`PROP_VHD_NAME`]: the staged disk's file name (`<internal_name>.vhd`) in `INSTALLDIR`.
//!
//! Public install properties (in SecureCustomProperties, so they reach the deferred,
//! elevated part): `INSTALLDIR`, `OVERWRITEVHD`, `SUPPRESSMEDVLAUNCH`, `DELETEDIFFDISKS`.
//! Treat `OVERWRITEVHD="1"` (not merely "set") as on.
//!
//! Uninstall removes (RemoveFile rows) the runtime's files beside the disk,
//! `<internal_name>.vhd` + [`TMP_SUFFIX`], [`OLD_SUFFIX`] and [`JOURNAL_SUFFIX`]: the
//! runtime names them exactly so (Wine's msiexec does not expand wildcards in
//! RemoveFile, so there is no `*` row). The disk itself is removed by RemoveVhd
//! (set aside as [`OLD_SUFFIX`], deleted by that row and by the commit), only on a
//! real uninstall: a major upgrade leaves it to the new version.
//!
//! Standard sequence numbers used by the MSI (pick free numbers between them):
//! InstallInitialize 1500, RemoveExistingProducts 1501, ProcessComponents 1600,
//! RemoveRegistryValues 2600, RemoveFiles 3500, RemoveFolders 3600, CreateFolders 3700,
//! WriteRegistryValues 5000, RegisterUser 6000, RegisterProduct 6100,
//! PublishFeatures 6300, PublishProduct 6400, InstallFinalize 6600.

use super::tables::property::{
    COMMON_APP_DATA_FOLDER, INSTALLDIR, INSTALLED, ORIGINAL_DATABASE, OVERWRITEVHD,
    UPGRADE_PROPERTY,
};
use super::tables::sequences::CHECK_STAGE_VHD_SEQUENCE;
use wspack_contract as contract;
use wspack_contract::data::{RemoveDiffDisksData, StageVhdData};

/// Property holding the disk's size in bytes.
pub const PROP_DISK_SIZE: &str = "WspackDiskSize";
/// Property holding the disk's SHA-256 (lowercase hex).
pub const PROP_DISK_SHA256: &str = "WspackDiskSha256";
/// Property holding the sidecar's file name (beside the MSI).
pub const PROP_SIDECAR: &str = "WspackSidecar";
/// Property holding the staged VHD's file name in INSTALLDIR.
pub const PROP_VHD_NAME: &str = "WspackVhdName";
/// Name of the custom action that stages the disk; `wspack inspect` reports the
/// package as staging the disk when this action is in InstallExecuteSequence.
pub const STAGE_ACTION: &str = contract::STAGE_VHD;
pub use contract::{JOURNAL_SUFFIX, OLD_SUFFIX, TMP_SUFFIX, UNDO_SUFFIX};

/// Rows the runtime adds to the MSI.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuntimeRows {
    /// Binary table rows: (Name, bytes). Name is an MSI identifier (≤ 72 chars).
    pub binaries: Vec<(String, Vec<u8>)>,
    /// CustomAction table rows.
    pub custom_actions: Vec<CustomActionRow>,
    /// Rows added to InstallExecuteSequence.
    pub execute_sequence: Vec<SequenceRow>,
    /// Rows added to InstallUISequence.
    pub ui_sequence: Vec<SequenceRow>,
}

/// One CustomAction table row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomActionRow {
    /// Action name (identifier).
    pub action: String,
    /// Type bits, e.g. 3073 = DLL in Binary (1) + deferred (1024) + no impersonation (2048).
    pub type_: i32,
    /// Source: a Binary name, a property, a directory (depends on the type).
    pub source: Option<String>,
    /// Target: the DLL's entry point, or a formatted value for type 51.
    pub target: Option<String>,
}

/// One sequence table row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SequenceRow {
    /// Action name (standard or custom).
    pub action: String,
    /// Condition, if any.
    pub condition: Option<String>,
    /// Sequence number.
    pub sequence: i32,
}

/// Binary table name of the runtime DLL.
pub const RUNTIME_BINARY: &str = "WspackRuntime";
/// The custom-action DLL (`scripts/build-runtime.sh` rebuilds it byte for byte).
pub const RUNTIME_DLL: &[u8] = include_bytes!("../../templates/wspack_runtime.dll");

/// Custom action type: DLL in the Binary table, immediate.
pub const TYPE_DLL_IMMEDIATE: i32 = 1;
/// Custom action type: DLL, deferred (1024), no impersonation (2048).
pub const TYPE_DLL_DEFERRED: i32 = 1 | 1024 | 2048;
/// Custom action type: DLL, rollback (256) + deferred + no impersonation.
pub const TYPE_DLL_ROLLBACK: i32 = 1 | 256 | 1024 | 2048;
/// Custom action type: DLL, commit (512) + deferred + no impersonation.
pub const TYPE_DLL_COMMIT: i32 = 1 | 512 | 1024 | 2048;
/// Custom action type: set a property (Source) to a formatted text (Target).
pub const TYPE_SET_PROPERTY: i32 = 51;

/// When the disk is staged: a first install of this product (a new ProductCode,
/// so also the new product of a major upgrade), never in maintenance mode
/// (repair, modify, reinstall) nor in a removal.
///
/// In a major upgrade RemoveExistingProducts removes the old product, whose
/// RemoveFile row deletes `<vhd>`; when the new version keeps that disk or updates
/// it by its delta, CheckStageVhd (right before) has given it a second name,
/// `<vhd>.wspack-keep`, which StageVhd renames back.
pub const STAGE_CONDITION: &str = "NOT Installed AND NOT REMOVE";

/// When the agent's diff disks are deleted: a full uninstall with `DELETEDIFFDISKS=1`,
/// but never the removal of an old version by a major upgrade (`UPGRADINGPRODUCTCODE`
/// is set there): the user's disks belong to the workspace, not to one version.
pub const DIFF_DISKS_CONDITION: &str =
    r#"REMOVE~="ALL" AND DELETEDIFFDISKS="1" AND NOT UPGRADINGPRODUCTCODE"#;

/// CustomActionData of StageVhd, StageVhdRollback, StageVhdCommit and CheckStageVhd
/// (see `runtime/README.md`): every fact comes from a property of the package, so
/// the rows do not depend on the disk; the delta's file name is the workspace's
/// (used only when the package has a delta table). The window field is empty
/// unless the one-file setup EXE passes where the sidecar sits inside it.
pub fn stage_data(policy: &crate::policy::Policy) -> String {
    let delta = format!(
        "{}{}",
        policy.workspace.internal_name,
        crate::update::delta::DELTA_SUFFIX
    );
    StageVhdData {
        msi: &format!("[{ORIGINAL_DATABASE}]"),
        medv: &format!("[{PROP_SIDECAR}]"),
        vhd: &vhd_path(),
        sha256: &format!("[{PROP_DISK_SHA256}]"),
        size: &format!("[{PROP_DISK_SIZE}]"),
        overwrite: &format!("[{OVERWRITEVHD}]"),
        upgrade: &format!("[{UPGRADE_PROPERTY}]"),
        plan: &format!("[{}]", contract::PLAN_PROPERTY),
        delta: &super::format::escape_formatted(&delta),
    }
    .to_data()
        + &contract::window::setter_field()
}

/// The staged disk's full path, formatted.
fn vhd_path() -> String {
    format!("[{INSTALLDIR}][{PROP_VHD_NAME}]")
}

/// CustomActionData of RemoveDiffDisks: the workspace name (the agent's file names)
/// and the shared copies' folder.
pub fn diff_disks_data(policy: &crate::policy::Policy) -> String {
    RemoveDiffDisksData {
        name: &super::format::escape_formatted(&policy.workspace.name),
        allusers: &format!("[{COMMON_APP_DATA_FOLDER}]Microsoft\\Medv\\AllUsers\\"),
    }
    .to_data()
}

/// Returns the rows that stage the disk at install time and set it aside at
/// uninstall: the runtime DLL in the Binary table, its custom actions and their
/// place in the sequences.
///
/// InstallExecuteSequence:
///
/// | seq | action | type | condition |
/// |---|---|---|---|
/// | 1449 | SetCheckStageVhd | 51 | [`STAGE_CONDITION`] |
/// | 1450 | CheckStageVhd | 1 | [`STAGE_CONDITION`] |
/// | 5001 | SetStageVhdRollback | 51 | [`STAGE_CONDITION`] |
/// | 5002 | SetStageVhd | 51 | [`STAGE_CONDITION`] |
/// | 5003 | SetStageVhdCommit | 51 | [`STAGE_CONDITION`] |
/// | 5004 | StageVhdTicks | 1 | [`STAGE_CONDITION`] |
/// | 5010 | StageVhdRollback | 3329 | [`STAGE_CONDITION`] |
/// | 5011 | StageVhd | 3073 | [`STAGE_CONDITION`] |
/// | 5012 | StageVhdCommit | 3585 | [`STAGE_CONDITION`] |
/// | 6500 | SetRemoveDiffDisks | 51 | [`DIFF_DISKS_CONDITION`] |
/// | 6501 | RemoveDiffDisks | 3073 | [`DIFF_DISKS_CONDITION`] |
///
/// CheckStageVhd runs after InstallValidate and before InstallInitialize (1500) and
/// the old version's removal (RemoveExistingProducts, 1501), so nothing is written
/// when it fails and the disk it links is still there. StageVhd runs between WriteRegistryValues
/// 5000 and RegisterUser 6000, so a failure rolls back the registry values too.
/// RemoveDiffDisks
/// runs last before InstallFinalize: its deletions are final, so nothing that could
/// still fail and roll the uninstall back comes after it.
///
/// InstallUISequence: SetCheckStageVhd (1010) and PlanStageVhd (1011) after
/// CostFinalize on a first install, for the pages' missing-sidecar and
/// disk-already-there decisions.
pub fn staging_rows(policy: &crate::policy::Policy) -> RuntimeRows {
    let dll = |action: &str, entry: &str, type_: i32| CustomActionRow {
        action: action.into(),
        type_,
        source: Some(RUNTIME_BINARY.into()),
        target: Some(entry.into()),
    };
    let set = |action: &str, data: String| CustomActionRow {
        action: format!("Set{action}"),
        type_: TYPE_SET_PROPERTY,
        source: Some(action.into()),
        target: Some(data),
    };
    let seq = |action: &str, condition: &str, sequence: i32| SequenceRow {
        action: action.into(),
        condition: Some(condition.into()),
        sequence,
    };
    let set_seq = |action: &str, condition: &str, sequence: i32| {
        seq(&format!("Set{action}"), condition, sequence)
    };
    let (rollback, commit) = (contract::STAGE_VHD_ROLLBACK, contract::STAGE_VHD_COMMIT);
    let (ticks, diff) = (contract::STAGE_VHD_TICKS, contract::REMOVE_DIFF_DISKS);
    let (check, plan) = (contract::CHECK_STAGE_VHD, contract::PLAN_STAGE_VHD);
    let data = stage_data(policy);
    let first_install = format!("NOT {INSTALLED}");
    RuntimeRows {
        binaries: vec![(RUNTIME_BINARY.into(), RUNTIME_DLL.to_vec())],
        custom_actions: vec![
            set(check, data.clone()),
            dll(check, check, TYPE_DLL_IMMEDIATE),
            dll(plan, plan, TYPE_DLL_IMMEDIATE),
            set(rollback, data.clone()),
            set(STAGE_ACTION, data.clone()),
            set(commit, data),
            dll(ticks, ticks, TYPE_DLL_IMMEDIATE),
            dll(rollback, rollback, TYPE_DLL_ROLLBACK),
            dll(STAGE_ACTION, STAGE_ACTION, TYPE_DLL_DEFERRED),
            dll(commit, commit, TYPE_DLL_COMMIT),
            set(diff, diff_disks_data(policy)),
            dll(diff, diff, TYPE_DLL_DEFERRED),
        ],
        execute_sequence: vec![
            set_seq(check, STAGE_CONDITION, CHECK_STAGE_VHD_SEQUENCE - 1),
            seq(check, STAGE_CONDITION, CHECK_STAGE_VHD_SEQUENCE),
            set_seq(rollback, STAGE_CONDITION, 5001),
            set_seq(STAGE_ACTION, STAGE_CONDITION, 5002),
            set_seq(commit, STAGE_CONDITION, 5003),
            seq(ticks, STAGE_CONDITION, 5004),
            seq(rollback, STAGE_CONDITION, 5010),
            seq(STAGE_ACTION, STAGE_CONDITION, 5011),
            seq(commit, STAGE_CONDITION, 5012),
            set_seq(diff, DIFF_DISKS_CONDITION, 6500),
            seq(diff, DIFF_DISKS_CONDITION, 6501),
        ],
        ui_sequence: vec![
            set_seq(check, &first_install, 1010),
            seq(plan, &first_install, 1011),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msi::tables::INSTALL_EXECUTE;
    use msi::Category;

    fn policy(name: &str) -> crate::policy::Policy {
        let text = format!(
            "[workspace]\nname = \"{name}\"\ninternal_name = \"contoso\"\nversion = \"1.0.0\"\n\
             manufacturer = \"Contoso\"\nvhd = \"disk.vhd\"\n"
        );
        crate::policy::Policy::parse(&text, std::path::Path::new("ws.toml")).expect("policy")
    }

    fn row<'a>(rows: &'a RuntimeRows, action: &str) -> &'a CustomActionRow {
        rows.custom_actions
            .iter()
            .find(|r| r.action == action)
            .unwrap_or_else(|| panic!("no CustomAction {action}"))
    }

    fn seq<'a>(rows: &'a RuntimeRows, action: &str) -> &'a SequenceRow {
        rows.execute_sequence
            .iter()
            .find(|r| r.action == action)
            .unwrap_or_else(|| panic!("no sequence row {action}"))
    }

    #[test]
    fn the_dll_is_in_the_binary_table_and_exports_every_entry_point() {
        let rows = staging_rows(&policy("Contoso Legacy Apps"));
        assert_eq!(rows.binaries.len(), 1);
        let (name, bytes) = &rows.binaries[0];
        assert_eq!(name, "WspackRuntime");
        assert_eq!(&bytes[..2], b"MZ");
        assert_eq!(bytes.as_slice(), RUNTIME_DLL);
        for ca in rows.custom_actions.iter().filter(|c| c.type_ != 51) {
            assert_eq!(ca.source.as_deref(), Some("WspackRuntime"), "{ca:?}");
            let entry = ca.target.as_deref().unwrap();
            let mut needle = entry.as_bytes().to_vec();
            needle.push(0);
            assert!(
                bytes.windows(needle.len()).any(|w| w == needle),
                "the DLL has no export named {entry}"
            );
        }
    }

    #[test]
    fn actions_types_and_sequence_numbers() {
        let rows = staging_rows(&policy("Contoso Legacy Apps"));
        let table: Vec<(&str, i32, &str, i32)> = rows
            .execute_sequence
            .iter()
            .map(|s| {
                let ca = row(&rows, &s.action);
                (
                    s.action.as_str(),
                    ca.type_,
                    s.condition.as_deref().unwrap(),
                    s.sequence,
                )
            })
            .collect();
        let stage = "NOT Installed AND NOT REMOVE";
        let diff = r#"REMOVE~="ALL" AND DELETEDIFFDISKS="1" AND NOT UPGRADINGPRODUCTCODE"#;
        assert_eq!(
            table,
            [
                ("SetCheckStageVhd", 51, stage, 1449),
                ("CheckStageVhd", 1, stage, 1450),
                ("SetStageVhdRollback", 51, stage, 5001),
                ("SetStageVhd", 51, stage, 5002),
                ("SetStageVhdCommit", 51, stage, 5003),
                ("StageVhdTicks", 1, stage, 5004),
                ("StageVhdRollback", 3329, stage, 5010),
                ("StageVhd", 3073, stage, 5011),
                ("StageVhdCommit", 3585, stage, 5012),
                ("SetRemoveDiffDisks", 51, diff, 6500),
                ("RemoveDiffDisks", 3073, diff, 6501),
            ]
        );
        // Every action is in the execute sequence but PlanStageVhd, which is the pages'.
        assert_eq!(rows.custom_actions.len(), rows.execute_sequence.len() + 1);
        let ui: Vec<(&str, &str, i32)> = rows
            .ui_sequence
            .iter()
            .map(|s| {
                (
                    s.action.as_str(),
                    s.condition.as_deref().unwrap(),
                    s.sequence,
                )
            })
            .collect();
        let first = "NOT Installed";
        assert_eq!(
            ui,
            [
                ("SetCheckStageVhd", first, 1010),
                ("PlanStageVhd", first, 1011)
            ]
        );
    }

    #[test]
    fn sequence_numbers_fit_between_the_standard_actions() {
        let rows = staging_rows(&policy("Contoso Legacy Apps"));
        let std_seq = |name: &str| {
            INSTALL_EXECUTE
                .iter()
                .find(|(a, _)| *a == name)
                .map(|(_, n)| *n)
                .unwrap()
        };
        let mut all: Vec<i32> = INSTALL_EXECUTE.iter().map(|(_, n)| *n).collect();
        all.extend(rows.execute_sequence.iter().map(|r| r.sequence));
        let count = all.len();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), count, "sequence numbers are unique");

        // Staging: after the old version's removal and the registry values, before
        // RegisterUser/InstallFinalize; the rollback action right before StageVhd.
        let n = |a: &str| seq(&rows, a).sequence;
        assert!(std_seq("RemoveExistingProducts") < std_seq("RemoveFiles"));
        assert!(std_seq("WriteRegistryValues") < n("SetStageVhdRollback"));
        assert!(n("SetStageVhd") < n("StageVhdTicks"));
        assert!(n("SetStageVhdRollback") < n("StageVhdRollback"));
        assert!(n("SetStageVhdCommit") < n("StageVhdCommit"));
        assert_eq!(n("StageVhdRollback") + 1, n("StageVhd"));
        assert_eq!(n("StageVhd") + 1, n("StageVhdCommit"));
        assert!(n("StageVhdCommit") < std_seq("RegisterUser"));
        // Diff disks: last before InstallFinalize, after its setter.
        assert!(std_seq("PublishProduct") < n("SetRemoveDiffDisks"));
        assert_eq!(n("SetRemoveDiffDisks") + 1, n("RemoveDiffDisks"));
        assert!(n("RemoveDiffDisks") < std_seq("InstallFinalize"));
    }

    #[test]
    fn every_deferred_action_gets_its_data_from_a_setter_with_the_same_condition() {
        let rows = staging_rows(&policy("Contoso Legacy Apps"));
        for ca in rows.custom_actions.iter().filter(|c| c.type_ & 1024 != 0) {
            let setter = row(&rows, &format!("Set{}", ca.action));
            assert_eq!(setter.type_, 51);
            // Type 51: Source is the property, named like the deferred action.
            assert_eq!(setter.source.as_deref(), Some(ca.action.as_str()));
            let (s, d) = (seq(&rows, &setter.action), seq(&rows, &ca.action));
            assert!(s.sequence < d.sequence);
            assert_eq!(s.condition, d.condition);
        }
        let expected =
            "msi=[OriginalDatabase]|medv=[WspackSidecar]|vhd=[INSTALLDIR][WspackVhdName]\
                        |sha256=[WspackDiskSha256]|size=[WspackDiskSize]|overwrite=[OVERWRITEVHD]\
                        |upgrade=[WSPACK_UPGRADE]|plan=[WspackPlan]|delta=contoso.delta.medv\
                        |medvwindow=[WSPACK_SIDECAR]";
        for setter in [
            "SetStageVhd",
            "SetStageVhdRollback",
            "SetStageVhdCommit",
            "SetCheckStageVhd",
        ] {
            assert_eq!(row(&rows, setter).target.as_deref(), Some(expected));
        }
    }

    #[test]
    fn diff_disks_data_names_the_workspace_literally() {
        let rows = staging_rows(&policy("Contoso (Legacy) Apps 2.0"));
        assert_eq!(
            row(&rows, "SetRemoveDiffDisks").target.as_deref(),
            Some(
                r"name=Contoso (Legacy) Apps 2.0|allusers=[CommonAppDataFolder]Microsoft\Medv\AllUsers\"
            )
        );
        // Brackets would be property references in a formatted string: escaped.
        let mut p = policy("x");
        p.workspace.name = "A [B] {C}".into();
        assert!(diff_disks_data(&p).starts_with(r"name=A [\[]B[\]] [\{]C[\}]|"));
    }

    #[test]
    fn rows_fit_the_msi_schema() {
        // The longest name the policy allows still fits CustomAction.Target (255).
        let rows = staging_rows(&policy(&"N".repeat(crate::policy::NAME_MAX)));
        for ca in &rows.custom_actions {
            assert!(Category::Identifier.validate(&ca.action), "{}", ca.action);
            assert!(ca.action.len() <= 72);
            let target = ca.target.as_deref().unwrap();
            assert!(target.len() <= 255, "{target}");
            assert!(Category::Formatted.validate(target), "{target}");
        }
        for s in &rows.execute_sequence {
            assert!(Category::Condition.validate(s.condition.as_deref().unwrap()));
        }
        assert!(RUNTIME_BINARY.len() <= 72);
    }

    #[test]
    fn the_msi_carries_the_rows() {
        let p = policy("Contoso Legacy Apps");
        let rows = staging_rows(&p);
        let spec = crate::msi::PackageSpec {
            policy: &p,
            disk_size: 12_345_678,
            disk_sha256: "ab".repeat(32),
            medv_file_name: "contoso.medv".into(),
            build_time: std::time::UNIX_EPOCH,
            runtime: Some(&rows),
        };
        let (_, cursor) =
            crate::msi::write_to(&spec, std::io::Cursor::new(Vec::new())).expect("write MSI");
        let mut package = msi::Package::open(cursor).expect("open MSI");
        let mut dll = Vec::new();
        std::io::Read::read_to_end(
            &mut package.read_stream("Binary.WspackRuntime").unwrap(),
            &mut dll,
        )
        .unwrap();
        assert_eq!(dll, RUNTIME_DLL);
        let actions: Vec<String> = package
            .select_rows(msi::Select::table("CustomAction"))
            .unwrap()
            .map(|r| r["Action"].as_str().unwrap().to_string())
            .collect();
        for ca in &rows.custom_actions {
            assert!(
                actions.contains(&ca.action),
                "{} missing from {actions:?}",
                ca.action
            );
        }
        // Besides the runtime's rows: the agent's launch, the INSTALLDIR restore, the pages' two setters.
        assert_eq!(actions.len(), rows.custom_actions.len() + 4, "{actions:?}");
        assert!(actions
            .iter()
            .any(|a| a == crate::msi::tables::LAUNCH_ACTION));
        let text: Vec<(String, String)> = package
            .select_rows(msi::Select::table("ActionText"))
            .unwrap()
            .map(|r| {
                let field = |c: &str| r[c].as_str().unwrap().to_string();
                (field("Action"), field("Template"))
            })
            .collect();
        assert_eq!(text, [(STAGE_ACTION.to_string(), "[1]".to_string())]);
        let staged = package
            .select_rows(msi::Select::table("InstallExecuteSequence"))
            .unwrap()
            .any(|r| r["Action"].as_str() == Some(STAGE_ACTION));
        assert!(staged);
    }
}
