//! TextStyle, UIText and Error: the fonts of the pages, the installer's own words
//! in its controls (sizes, volume lists), and the messages it can show.

use super::super::tables::TableData;
use crate::msi::tables::schema::{key, s};
use msi::{Category, Column, Value};

/// The default font of every page (the DefaultUIFont property names it).
pub const DEFAULT_FONT: &str = "WspackNormal";

/// TextStyle: (name, face, size in points, style bits: 1 bold).
const STYLES: &[(&str, &str, i32, i32)] = &[
    (DEFAULT_FONT, "Tahoma", 8, 0),
    ("WspackTitle", "Tahoma", 9, 1),
    ("WspackBig", "Tahoma", 12, 0),
];

/// UIText: the words the installer puts in its own controls (as WiX's en-us).
const UI_TEXT: &[(&str, &str)] = &[
    ("AbsentPath", ""),
    ("bytes", "bytes"),
    ("GB", "GB"),
    ("KB", "KB"),
    ("MB", "MB"),
    ("NewFolder", "Folder|New Folder"),
    ("SelCostPending", "Compiling cost for this feature..."),
    (
        "TimeRemaining",
        "Time remaining: {[1] minutes }{[2] seconds}",
    ),
    ("VolumeCostAvailable", "Available"),
    ("VolumeCostDifference", "Difference"),
    ("VolumeCostRequired", "Required"),
    ("VolumeCostSize", "Disk Size"),
    ("VolumeCostVolume", "Volume"),
];

/// Error: the standard messages the pages need (as WiX's en-us Error table), then
/// the package's own, in plain words (numbers 25000 and up are the package's).
const ERRORS: &[(i32, &str)] = &[
    (0, "{{Fatal error: }}"),
    (1, "{{Error [1]. }}"),
    (2, "Warning [1]. "),
    (4, "Info [1]. "),
    (5, "The installer has encountered an unexpected error installing this package. This may indicate a problem with this package. The error code is [1]. {{The arguments are: [2], [3], [4]}}"),
    (7, "{{Disk full: }}"),
    (8, "Action [Time]: [1]. [2]"),
    (9, "[ProductName]"),
    (10, "{[2]}{, [3]}{, [4]}"),
    (11, "Message type: [1], Argument: [2]"),
    (12, "=== Logging started: [Date]  [Time] ==="),
    (13, "=== Logging stopped: [Date]  [Time] ==="),
    (14, "Action start [Time]: [1]."),
    (15, "Action ended [Time]: [1]. Return value [2]."),
    (16, "Time remaining: {[1] minutes }{[2] seconds}"),
    (17, "Out of memory. Shut down other applications before retrying."),
    (18, "Installer is no longer responding."),
    (19, "Installer stopped prematurely."),
    (20, "Please wait while Windows configures [ProductName]"),
    (21, "Gathering required information..."),
    (22, "Removing older versions of this application..."),
    (23, "Preparing to remove older versions of this application..."),
    (32, "{[ProductName] }Setup completed successfully."),
    (33, "{[ProductName] }Setup failed."),
    (1101, "Error reading from file: [2]. {{ System error [3].}}  Verify that the file exists and that you can access it."),
    (1301, "Cannot create the file '[2]'.  A directory with this name already exists.  Cancel the install and try installing to a different location."),
    (1302, "Please insert the disk: [2]"),
    (1303, "The installer has insufficient privileges to access this directory: [2].  The installation cannot continue.  Log on as administrator or contact your system administrator."),
    (1304, "Error writing to file: [2].  Verify that you have access to that directory."),
    (1305, "Error reading from file [2]. {{ System error [3].}} Verify that the file exists and that you can access it."),
    (1306, "Another application has exclusive access to the file '[2]'.  Please shut down all other applications, then click Retry."),
    (1307, "There is not enough disk space to install this file: [2].  Free some disk space and click Retry, or click Cancel to exit."),
    (1308, "Source file not found: [2].  Verify that the file exists and that you can access it."),
    (1309, "Error reading from file: [3]. {{ System error [2].}}  Verify that the file exists and that you can access it."),
    (1310, "Error writing to file: [3]. {{ System error [2].}}  Verify that you have access to that directory."),
    (1311, "Source file not found{{(cabinet)}}: [2].  Verify that the file exists and that you can access it."),
    (1312, "Cannot create the directory '[2]'.  A file with this name already exists.  Please rename or remove the file and click Retry, or click Cancel to exit."),
    (1313, "The volume [2] is currently unavailable.  Please select another."),
    (1314, "The specified path '[2]' is unavailable."),
    (1315, "Unable to write to the specified folder: [2]."),
    (1316, "A network error occurred while attempting to read from the file: [2]"),
    (1317, "An error occurred while attempting to create the directory: [2]"),
    (1318, "A network error occurred while attempting to create the directory: [2]"),
    (1319, "A network error occurred while attempting to open the source file cabinet: [2]"),
    (1320, "The specified path is too long: [2]"),
    (1321, "The Installer has insufficient privileges to modify this file: [2]."),
    (1322, "A portion of the folder path '[2]' is invalid.  It is either empty or exceeds the length allowed by the system."),
    (1323, "The folder path '[2]' contains words that are not valid in folder paths."),
    (1324, "The folder path '[2]' contains an invalid character."),
    (1325, "'[2]' is not a valid short file name."),
    (1326, "Error getting file security: [3] GetLastError: [2]"),
    (1327, "Invalid Drive: [2]"),
    (1328, "Error applying patch to file [2].  It has probably been updated by other means, and can no longer be modified by this patch.  For more information contact your patch vendor.  {{System Error: [3]}}"),
    (1329, "A file that is required cannot be installed because the cabinet file [2] is not digitally signed.  This may indicate that the cabinet file is corrupt."),
    (1330, "A file that is required cannot be installed because the cabinet file [2] has an invalid digital signature.  This may indicate that the cabinet file is corrupt.{{  Error [3] was returned by WinVerifyTrust.}}"),
    (1331, "Failed to correctly copy [2] file: CRC error."),
    (1332, "Failed to correctly move [2] file: CRC error."),
    (1333, "Failed to correctly patch [2] file: CRC error."),
    (1334, "The file '[2]' cannot be installed because the file cannot be found in cabinet file '[3]'. This could indicate a network error, an error reading from the CD-ROM, or a problem with this package."),
    (1335, "The cabinet file '[2]' required for this installation is corrupt and cannot be used. This could indicate a network error, an error reading from the CD-ROM, or a problem with this package."),
    (SIDECAR_MISSING, "[2] must be next to [3] in [4], and the installer could not read it there. Copy [2] into that folder. If the folder is on a network share or a mapped drive, copy the whole package folder to this computer and run it from there. Nothing was changed."),
    (DISK_EXISTS, "[3] already holds a workspace disk, [2]. Open the package again and choose Replace, or move [2] out of that folder first. Nothing was changed."),
    (DISK_DAMAGED, "[2] in [3] is damaged or belongs to another package. Copy the package folder again from where you got it, then open the package again. Nothing was changed."),
    (DISK_IN_USE, "[2] in [3] is in use. Close MED-V and any program using the workspace, then try again. Nothing was changed."),
    (NO_SPACE, "There is not enough free space in [2] for the workspace disk ([3]). Free some space or choose another folder, then try again. Nothing was changed."),
    (ACCESS_DENIED, "Windows did not let the installer write [2] in [3]. Choose another folder, or ask your administrator for access to this one, then try again. Nothing was changed."),
    (PACKAGE_DAMAGED, "The installation package [2] is damaged. Get it again from whoever gave it to you, then open it again. Nothing was changed."),
    (WRITE_FAILED, "Windows could not write [2]. The installation log has the details. Try again; if it fails again, give the log to your administrator."),
    (DISK_SET_ASIDE, "An earlier installation left a workspace disk set aside in [4] as [2]. Keep the disk you want as [3] and delete the other one (or move it elsewhere), then open the package again. Nothing was changed."),
    (DELTA_BASE_MISSING, "[2] updates the workspace disk already on this computer, but the disk in [3] is not the version it updates. Put [4] (the full disk) next to [5] and try again. Nothing was changed."),
    (BASE_CHANGED, "The workspace disk [2] in [3] was changed after it was installed, so [4] cannot update it. Put [5] (the full disk) next to [4] and try again. Nothing was changed."),
];

/// The package's own messages (numbers 25000 and up): the runtime shows them by
/// number, with every name as an argument ([`wspack_contract::messages`]).
use wspack_contract::messages::{
    ACCESS_DENIED, BASE_CHANGED, DELTA_BASE_MISSING, DISK_DAMAGED, DISK_EXISTS, DISK_IN_USE,
    DISK_SET_ASIDE, NO_SPACE, PACKAGE_DAMAGED, SIDECAR_MISSING, WRITE_FAILED,
};

/// TextStyle, UIText and Error.
pub fn message_tables() -> Vec<TableData> {
    vec![text_style_table(), ui_text_table(), error_table()]
}

fn text_style_table() -> TableData {
    let columns = vec![
        key("TextStyle"),
        Column::build("FaceName")
            .category(Category::Text)
            .string(32),
        Column::build("Size").range(0, 32767).int16(),
        Column::build("Color").nullable().range(0, 16777215).int32(),
        Column::build("StyleBits").nullable().range(0, 15).int16(),
    ];
    let rows = STYLES
        .iter()
        .map(|&(name, face, size, bits)| {
            let bits = if bits == 0 {
                Value::Null
            } else {
                Value::Int(bits)
            };
            vec![s(name), s(face), Value::Int(size), Value::Null, bits]
        })
        .collect();
    TableData::new("TextStyle", columns, rows)
}

fn ui_text_table() -> TableData {
    let columns = vec![
        key("Key"),
        Column::build("Text")
            .nullable()
            .localizable()
            .category(Category::Text)
            .string(255),
    ];
    let rows = UI_TEXT
        .iter()
        .map(|&(k, text)| vec![s(k), s(text)])
        .collect();
    TableData::new("UIText", columns, rows)
}

fn error_table() -> TableData {
    let columns = vec![
        Column::build("Error").primary_key().range(0, 32767).int16(),
        Column::build("Message")
            .nullable()
            .localizable()
            .category(Category::Template)
            .string(0),
    ];
    let rows = ERRORS
        .iter()
        .map(|&(n, text)| vec![Value::Int(n), s(text)])
        .collect();
    TableData::new("Error", columns, rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// The `[n]` and `[Name]` references of a template.
    fn references(text: &str) -> Vec<&str> {
        text.split('[')
            .skip(1)
            .filter_map(|part| part.split(']').next())
            .collect()
    }

    #[test]
    fn the_packages_messages_take_every_name_from_the_runtime() {
        for &(number, args) in wspack_contract::messages::ARGS {
            let (_, text) = ERRORS
                .iter()
                .find(|(n, _)| *n == number)
                .unwrap_or_else(|| panic!("no Error row {number}"));
            // Deferred actions can't rely on [Property]: only the record's fields.
            let fields: BTreeSet<usize> = references(text)
                .iter()
                .map(|r| r.parse().unwrap_or_else(|_| panic!("{number}: [{r}]")))
                .collect();
            let expected: BTreeSet<usize> = (2..args.len() + 2).collect();
            assert_eq!(fields, expected, "{number}: {text}");
            for internal in [
                "StageVhd",
                "CustomActionData",
                "OVERWRITEVHD",
                "LocalSystem",
                "error",
                "wspack",
            ] {
                assert!(!text.contains(internal), "{number} says {internal}");
            }
            assert!(text.ends_with('.'), "{number}: a sentence");
        }
    }
}
