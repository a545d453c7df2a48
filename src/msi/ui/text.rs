//! Every text a person reads in the installer's pages, in one table per language
//! (a translation is one more table, chosen by ProductLanguage).
//!
//! Texts are formatted text: `[Property]` is replaced when the page shows;
//! `{\Style}` picks a TextStyle row; `&` marks the keyboard shortcut of a button.

/// US English (1033).
pub const EN_US: &[(&str, &str)] = &[
    ("dialog.title", "[ProductName] Setup"),
    ("button.back", "&Back"),
    ("button.next", "&Next"),
    ("button.cancel", "Cancel"),
    ("button.install", "&Install"),
    ("button.finish", "&Finish"),
    ("button.close", "&Close"),
    ("button.browse", "Br&owse..."),
    ("button.ok", "OK"),
    ("button.yes", "&Yes"),
    ("button.no", "&No"),
    ("button.repair", "&Repair"),
    ("button.remove", "Re&move"),
    ("button.replace", "&Replace"),
    ("button.up", "Up"),
    ("button.new_folder", "New folder"),
    ("welcome.title", "Welcome to the [WspackWorkspaceName] workspace setup"),
    ("welcome.body", "This installs the MED-V workspace [WspackWorkspaceName], version [ProductVersion], from [Manufacturer].\r\n\r\nIts virtual disk takes [WspackDiskSizeText] on this computer.\r\n\r\nPress Next to continue, or Cancel to leave without changing anything."),
    ("destination.title", "Where the workspace disk goes"),
    ("destination.description", "Press Next to use this folder, or Browse to choose another."),
    ("destination.label", "Put the workspace disk ([WspackDiskSizeText]) in this folder:"),
    ("destination.default", "The usual folder is [CommonAppDataFolder]Microsoft\\Medv\\Workspace\\, where MED-V looks first."),
    ("browse.title", "Choose a folder"),
    ("browse.description", "Find the folder for the workspace disk."),
    ("browse.look_in", "&Look in:"),
    ("browse.folder", "&Folder name:"),
    ("diskcost.title", "Not enough disk space"),
    ("diskcost.description", "The workspace disk needs [WspackDiskSizeText]."),
    ("diskcost.body", "The highlighted drive does not have enough free space for the workspace disk. Free some space there, or go back and choose a folder on another drive."),
    ("exists.title", "A workspace disk is already there"),
    ("exists.description", "Replace it, or go back and choose another folder."),
    ("exists.body", "The folder [INSTALLDIR] already holds [WspackVhdName].\r\n\r\nReplace puts this package's disk in its place (the old one is deleted when the install succeeds). Cancel leaves everything as it is."),
    ("sidecar.title", "The workspace disk file is missing"),
    ("sidecar.description", "Nothing was installed or changed."),
    ("sidecar.body", "[WspackSidecar] must be next to [WspackPackageName] in [SourceDir]\r\n\r\nCopy [WspackSidecar] into that folder (it came with the package), then open [WspackPackageName] again."),
    ("ready.title", "Ready to install"),
    ("ready.description", "Press Install to set up the workspace."),
    ("ready.body", "The workspace disk ([WspackDiskSizeText]) goes to:\r\n[INSTALLDIR]\r\n\r\nThe workspace settings are written for all users of this computer. Copying the disk can take a few minutes."),
    ("progress.title", "Installing [WspackWorkspaceName]"),
    ("progress.remove_title", "Removing [WspackWorkspaceName]"),
    ("progress.description", "Please wait while the workspace is set up."),
    ("progress.status", "Status:"),
    ("finish.title", "The workspace is installed"),
    ("finish.body", "[WspackWorkspaceName] [ProductVersion] is ready. Press Finish to close this window."),
    ("finish.removed_title", "The workspace is removed"),
    ("finish.removed_body", "[WspackWorkspaceName] was removed from this computer. Press Finish to close this window."),
    ("finish.repaired_title", "The workspace is repaired"),
    ("finish.repaired_body", "The settings of [WspackWorkspaceName] were written again. Press Finish to close this window."),
    ("finish.launch", "&Start MED-V now"),
    ("userexit.title", "Setup was cancelled"),
    ("userexit.body", "[WspackWorkspaceName] was not changed: anything setup had already done was undone.\r\n\r\nOpen the package again when you want to install it."),
    ("fatal.title", "Setup could not finish"),
    ("fatal.body", "[WspackWorkspaceName] was not installed and this computer was not changed.\r\n\r\nThe message shown before this page says why. Ask the person who gave you this package for help, and tell them what it said."),
    ("cancel.body", "Do you want to stop setting up [WspackWorkspaceName]? Nothing will be changed."),
    ("maintenance.title", "[WspackWorkspaceName] is installed"),
    ("maintenance.body", "Version [ProductVersion] of this workspace is on this computer. Press Next to repair or remove it."),
    ("maintenance_type.title", "Repair or remove"),
    ("maintenance_type.description", "Choose what to do with the workspace."),
    ("maintenance_type.repair", "Writes the workspace settings again. The workspace disk is kept."),
    ("maintenance_type.remove", "Removes the workspace, its settings and its disk from this computer."),
    ("remove.title", "Remove the workspace?"),
    ("remove.description", "Press Remove to remove [WspackWorkspaceName]."),
    ("remove.body", "The workspace disk [WspackVhdName] and the workspace settings will be deleted. People's own changes inside the workspace are kept unless you tick the box below."),
    ("remove.diffdisks", "&Also delete users' differencing disks and saved states"),
    ("error.ok", "OK"),
    ("error.retry", "&Retry"),
    ("error.ignore", "&Ignore"),
    ("error.abort", "&Stop"),
];

/// The US English text of `key`. Panics on an unknown key (a typo in this crate,
/// caught by the tests that build every page).
pub fn t(key: &str) -> &'static str {
    EN_US
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, text)| *text)
        .unwrap_or_else(|| panic!("no text {key:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_texts_carry_no_internal_words() {
        let mut keys: Vec<&str> = EN_US.iter().map(|(k, _)| *k).collect();
        keys.sort_unstable();
        let count = keys.len();
        keys.dedup();
        assert_eq!(keys.len(), count);
        for (key, text) in EN_US {
            for word in ["OVERWRITEVHD", "DELETEDIFFDISKS", "msiexec", "error", "0x"] {
                assert!(!text.contains(word), "{key}: {text}");
            }
        }
    }
}
