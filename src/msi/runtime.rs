//! The seam for the Windows runtime (issue 6): the rows that plug the staging
//! custom action into the MSI.
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
//! Uninstall already removes (RemoveFile rows) `INSTALLDIR\<internal_name>.vhd`,
//! `INSTALLDIR\<internal_name>`[`TMP_SUFFIX`] and `INSTALLDIR\<internal_name>`[`OLD_SUFFIX`]:
//! name the staging temp file and the kept-aside old disk exactly so (Wine's
//! msiexec does not expand wildcards in RemoveFile, so there is no `*` row).
//!
//! Standard sequence numbers used by the MSI (pick free numbers between them):
//! InstallInitialize 1500, RemoveExistingProducts 1501, ProcessComponents 1600,
//! RemoveRegistryValues 2600, RemoveFiles 3500, RemoveFolders 3600, CreateFolders 3700,
//! WriteRegistryValues 5000, RegisterUser 6000, RegisterProduct 6100,
//! PublishFeatures 6300, PublishProduct 6400, InstallFinalize 6600.

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
pub const STAGE_ACTION: &str = "StageVhd";
/// Suffix of the runtime's temporary file while staging: `<internal_name>.wspack-tmp`.
pub const TMP_SUFFIX: &str = ".wspack-tmp";
/// Suffix of the old disk kept aside until commit (OVERWRITEVHD=1): `<internal_name>.wspack-old`.
pub const OLD_SUFFIX: &str = ".wspack-old";

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

/// Returns the rows that stage the disk at install time: the runtime DLL in the
/// Binary table, its custom actions and their place in the sequences.
pub fn staging_rows(policy: &crate::policy::Policy) -> RuntimeRows {
    let _ = policy;
    RuntimeRows::default()
}
