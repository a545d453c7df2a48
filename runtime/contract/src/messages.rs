//! The package's own messages: numbers in the MSI's Error table, whose templates
//! the packager writes (`src/msi/ui/messages.rs`) and the runtime shows by number
//! (`MsiProcessMessage` with field 1 the number and fields 2.. the arguments).
//!
//! The runtime's custom actions are deferred, where `[Property]` references can't
//! be trusted, so every template takes each file and folder name from the record:
//! [`ARGS`] says how many fields each number's template uses (`[2]` to `[n+1]`).

/// A file of the package (the sidecar) can't be read where it must be.
pub const SIDECAR_MISSING: i32 = 25001;
/// The disk is already in the folder, and the install was not told to replace it.
pub const DISK_EXISTS: i32 = 25002;
/// The sidecar does not inflate to the package's disk.
pub const DISK_DAMAGED: i32 = 25003;
/// A file the install must move or write is open in another program.
pub const DISK_IN_USE: i32 = 25004;
/// Not enough room for the disk.
pub const NO_SPACE: i32 = 25005;
/// Windows refused the install access to a file or folder.
pub const ACCESS_DENIED: i32 = 25006;
/// The package itself is damaged (its custom action data or chunk table).
pub const PACKAGE_DAMAGED: i32 = 25007;
/// Anything else that stopped a file from being written.
pub const WRITE_FAILED: i32 = 25008;
/// An earlier install left the disk it replaced beside the disk.
pub const DISK_SET_ASIDE: i32 = 25009;
/// An update's base disk is not the version the update applies to.
pub const DELTA_BASE_MISSING: i32 = 25010;
/// The staged disk an update applies to was changed after it was installed.
pub const BASE_CHANGED: i32 = 25011;

/// Every message and the names of its arguments, in field order from `[2]`.
pub const ARGS: &[(i32, &[&str])] = &[
    (SIDECAR_MISSING, &["sidecar", "package", "folder"]),
    (DISK_EXISTS, &["disk", "folder"]),
    (DISK_DAMAGED, &["sidecar", "folder"]),
    (DISK_IN_USE, &["file", "folder"]),
    (NO_SPACE, &["folder", "size"]),
    (ACCESS_DENIED, &["file", "folder"]),
    (PACKAGE_DAMAGED, &["package"]),
    (WRITE_FAILED, &["file"]),
    (DISK_SET_ASIDE, &["set-aside disk", "disk", "folder"]),
    (
        DELTA_BASE_MISSING,
        &["package", "folder", "full sidecar", "package file"],
    ),
    (BASE_CHANGED, &["disk", "folder", "package", "full sidecar"]),
];

/// How many arguments message `number` takes (`None`: not one of the package's).
pub fn arg_count(number: i32) -> Option<usize> {
    ARGS.iter()
        .find(|(n, _)| *n == number)
        .map(|(_, args)| args.len())
}
