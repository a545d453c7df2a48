//! The install wizard: Welcome → Destination (Browse, disk space, a disk already
//! there) → Ready → Progress → Finish, and the pages for a missing disk file,
//! a cancelled and a failed install. Enter on each page presses the button that
//! goes on with the defaults.

use super::actions::SET_VHD_TARGET;
use super::dialog::{Dialog, ENABLED, SUNKEN};
use super::text::t;
use crate::msi::tables::property::{
    INSTALLDIR, INSTALLED, MEDVHOST_PROPERTY, OVERWRITEVHD, REMOVE, START_MEDV, UPGRADE_PROPERTY,
    VHD_FOUND, VHD_TARGET,
};
use crate::msi::tables::LAUNCH_ACTION;

/// Page names.
pub const WELCOME: &str = "WelcomeDlg";
/// Where the disk goes.
pub const DESTINATION: &str = "DestinationDlg";
const BROWSE: &str = "BrowseDlg";
const DISK_COST: &str = "DiskCostDlg";
const DISK_EXISTS: &str = "DiskExistsDlg";
/// Shown instead of Welcome when the sidecar is not beside the package.
pub const SIDECAR_MISSING: &str = "SidecarMissingDlg";
const READY: &str = "ReadyDlg";
/// Stays up while the install, repair or removal runs.
pub const PROGRESS: &str = "ProgressDlg";
/// The end page after a success.
pub const FINISH: &str = "FinishDlg";
/// The end page after a cancel.
pub const USER_EXIT: &str = "UserExitDlg";
/// The end page after a failure.
pub const FATAL_ERROR: &str = "FatalErrorDlg";
/// "Do you want to stop?", spawned by every Cancel button.
pub const CANCEL: &str = "CancelDlg";

/// Not enough room for the disk on INSTALLDIR's volume (set by costing).
const OUT_OF_SPACE: &str = "OutOfDiskSpace = 1";

/// The wizard's pages.
pub fn install_dialogs() -> Vec<Dialog> {
    vec![
        welcome(),
        destination(),
        browse(),
        disk_cost(),
        disk_exists(),
        sidecar_missing(),
        ready(),
        progress(),
        finish(),
        end_page(USER_EXIT, "userexit.title", "userexit.body"),
        end_page(FATAL_ERROR, "fatal.title", "fatal.body"),
        cancel(),
    ]
}

/// Back, Next and Cancel on the bottom row; Next is the default.
pub fn wizard_buttons(d: Dialog, back: Option<&str>, next: &str) -> Dialog {
    let d = d
        .bottom_line()
        .button("Back", 0, "button.back")
        .button("Next", 1, next)
        .button("Cancel", 2, "button.cancel")
        .default("Next")
        .cancel("Cancel")
        .first("Next")
        .on("Cancel", "SpawnDialog", CANCEL, "1");
    match back {
        Some(page) => d.on("Back", "NewDialog", page, "1"),
        None => d.condition("Back", "Disable", "1"),
    }
}

fn welcome() -> Dialog {
    let d = Dialog::new(WELCOME)
        .text(
            "Title",
            [20, 20, 330, 40],
            format!("{{\\WspackBig}}{}", t("welcome.title")),
        )
        .text("Body", [20, 70, 330, 150], t("welcome.body"));
    wizard_buttons(d, None, "button.next").on("Next", "NewDialog", DESTINATION, "1")
}

fn destination() -> Dialog {
    // A disk that is this package's own is kept without asking.
    let exists = format!(
        "{VHD_FOUND} ~= {VHD_TARGET} AND NOT {UPGRADE_PROPERTY} AND {} <> \"{}\"",
        wspack_contract::PLAN_PROPERTY,
        wspack_contract::plan::KEEP
    );
    let d = Dialog::new(DESTINATION)
        .header(t("destination.title"), t("destination.description"))
        .text("Label", [20, 60, 330, 15], t("destination.label"))
        .control(
            "Folder",
            "PathEdit",
            [20, 78, 320, 18],
            SUNKEN,
            Some(INSTALLDIR),
            None,
        )
        .push_button("ChangeFolder", [20, 102, 56, 17], "button.browse")
        .text("Default", [20, 130, 330, 40], t("destination.default"))
        .on("ChangeFolder", "SpawnDialog", BROWSE, "1");
    wizard_buttons(d, Some(WELCOME), "button.next")
        .first("Next")
        .on("Next", "SetTargetPath", INSTALLDIR, "1")
        .on("Next", "DoAction", SET_VHD_TARGET, "1")
        .on("Next", "SpawnDialog", DISK_COST, OUT_OF_SPACE)
        .on(
            "Next",
            "NewDialog",
            DISK_EXISTS,
            &format!("NOT ({OUT_OF_SPACE}) AND {exists}"),
        )
        .on(
            "Next",
            "NewDialog",
            READY,
            &format!("NOT ({OUT_OF_SPACE}) AND NOT ({exists})"),
        )
}

/// WiX's BrowseDlg: a drive/folder combo, Up and New folder, the folder list and the path.
fn browse() -> Dialog {
    let dir = Some(INSTALLDIR);
    Dialog::new(BROWSE)
        .header(t("browse.title"), t("browse.description"))
        .text("LookInLabel", [25, 58, 44, 10], t("browse.look_in"))
        .control(
            "ComboBox",
            "DirectoryCombo",
            [70, 55, 180, 80],
            ENABLED | 393216,
            dir,
            None,
        )
        .push_button("Up", [256, 54, 30, 17], "button.up")
        .push_button("NewFolder", [290, 54, 56, 17], "button.new_folder")
        .control(
            "DirectoryList",
            "DirectoryList",
            [25, 83, 320, 98],
            SUNKEN,
            dir,
            None,
        )
        .text("PathLabel", [25, 190, 320, 10], t("browse.folder"))
        .control(
            "PathEdit",
            "PathEdit",
            [25, 202, 320, 18],
            SUNKEN,
            dir,
            None,
        )
        .bottom_line()
        .button("OK", 1, "button.ok")
        .button("Cancel", 2, "button.cancel")
        .default("OK")
        .cancel("Cancel")
        .first("PathEdit")
        .on("Up", "DirectoryListUp", "0", "1")
        .on("NewFolder", "DirectoryListNew", "0", "1")
        .on("OK", "SetTargetPath", INSTALLDIR, "1")
        .on("OK", "EndDialog", "Return", "1")
        .on("Cancel", "Reset", "0", "1")
        .on("Cancel", "EndDialog", "Return", "1")
}

/// Shown when costing says INSTALLDIR's drive is too small (the ReserveCost rows).
fn disk_cost() -> Dialog {
    Dialog::new(DISK_COST)
        .header(t("diskcost.title"), t("diskcost.description"))
        .text("Body", [20, 53, 330, 40], t("diskcost.body"))
        .control(
            "VolumeList",
            "VolumeCostList",
            [20, 100, 330, 120],
            SUNKEN | 393216,
            None,
            None,
        )
        .bottom_line()
        .button("OK", 1, "button.ok")
        .default("OK")
        .cancel("OK")
        .on("OK", "EndDialog", "Return", "1")
}

fn disk_exists() -> Dialog {
    let d = Dialog::new(DISK_EXISTS)
        .header(t("exists.title"), t("exists.description"))
        .text("Body", [20, 60, 330, 100], t("exists.body"));
    wizard_buttons(d, Some(DESTINATION), "button.replace")
        .on("Next", &format!("[{OVERWRITEVHD}]"), "1", "1")
        .on("Next", "NewDialog", READY, "1")
}

fn sidecar_missing() -> Dialog {
    Dialog::new(SIDECAR_MISSING)
        .header(t("sidecar.title"), t("sidecar.description"))
        .text("Body", [20, 60, 330, 120], t("sidecar.body"))
        .bottom_line()
        .button("Close", 2, "button.close")
        .default("Close")
        .cancel("Close")
        .on("Close", "EndDialog", "Exit", "1")
}

fn ready() -> Dialog {
    let d = Dialog::new(READY)
        .header(t("ready.title"), t("ready.description"))
        .text("Body", [20, 60, 330, 100], t("ready.body"));
    wizard_buttons(d, Some(DESTINATION), "button.install").on("Next", "EndDialog", "Return", "1")
}

/// The bar follows SetProgress; the two lines follow ActionText (the step) and
/// ActionData (the staging action's "n of m MiB").
fn progress() -> Dialog {
    let removing = format!("{REMOVE}=\"ALL\"");
    Dialog::new(PROGRESS)
        .modeless()
        .header(t("progress.title"), t("progress.description"))
        .text(
            "RemoveTitle",
            [15, 6, 340, 15],
            format!("{{\\WspackTitle}}{}", t("progress.remove_title")),
        )
        .shown_if("Title", &format!("NOT {removing}"))
        .shown_if("RemoveTitle", &removing)
        .text("StatusLabel", [20, 70, 50, 10], t("progress.status"))
        .text("ActionText", [70, 70, 280, 10], "")
        .subscribe("ActionText", "ActionText", "Text")
        .control(
            "ProgressBar",
            "ProgressBar",
            [20, 90, 330, 12],
            65537,
            None,
            None,
        )
        .subscribe("ProgressBar", "SetProgress", "Progress")
        .text("ActionData", [20, 110, 330, 12], "")
        .subscribe("ActionData", "ActionData", "Text")
        .bottom_line()
        .button("Cancel", 2, "button.cancel")
        .default("Cancel")
        .cancel("Cancel")
        .on("Cancel", "SpawnDialog", CANCEL, "1")
}

/// The end page: installed, repaired or removed; "Start MED-V now" after a first
/// install where the agent is found.
fn finish() -> Dialog {
    let first = format!("NOT {INSTALLED}");
    let removed = format!("{REMOVE}=\"ALL\"");
    let repaired = format!("{INSTALLED} AND NOT {removed}");
    let launch = format!("{first} AND {MEDVHOST_PROPERTY}");
    Dialog::new(FINISH)
        .text(
            "Title",
            [20, 20, 330, 40],
            format!("{{\\WspackBig}}{}", t("finish.title")),
        )
        .text("Body", [20, 70, 330, 60], t("finish.body"))
        .text(
            "RemovedTitle",
            [20, 20, 330, 40],
            format!("{{\\WspackBig}}{}", t("finish.removed_title")),
        )
        .text("RemovedBody", [20, 70, 330, 60], t("finish.removed_body"))
        .text(
            "RepairedTitle",
            [20, 20, 330, 40],
            format!("{{\\WspackBig}}{}", t("finish.repaired_title")),
        )
        .text("RepairedBody", [20, 70, 330, 60], t("finish.repaired_body"))
        .control(
            "Launch",
            "CheckBox",
            [20, 140, 330, 17],
            ENABLED,
            Some(START_MEDV),
            Some(t("finish.launch").into()),
        )
        .shown_if("Title", &first)
        .shown_if("Body", &first)
        .shown_if("RemovedTitle", &removed)
        .shown_if("RemovedBody", &removed)
        .shown_if("RepairedTitle", &repaired)
        .shown_if("RepairedBody", &repaired)
        .shown_if("Launch", &launch)
        .bottom_line()
        .button("Finish", 1, "button.finish")
        .default("Finish")
        .cancel("Finish")
        .first("Finish")
        .on(
            "Finish",
            "DoAction",
            LAUNCH_ACTION,
            &format!("{launch} AND {START_MEDV}=\"1\""),
        )
        .on("Finish", "EndDialog", "Return", "1")
}

/// The cancelled and failed pages: a title, a body and Finish.
fn end_page(name: &'static str, title: &str, body: &str) -> Dialog {
    Dialog::new(name)
        .text(
            "Title",
            [20, 20, 330, 40],
            format!("{{\\WspackBig}}{}", t(title)),
        )
        .text("Body", [20, 70, 330, 100], t(body))
        .bottom_line()
        .button("Finish", 1, "button.finish")
        .default("Finish")
        .cancel("Finish")
        .on("Finish", "EndDialog", "Exit", "1")
}

/// Yes stops (the install rolls back), No goes on; No is the default.
fn cancel() -> Dialog {
    Dialog::new(CANCEL)
        .size(260, 85)
        .text("Text", [48, 15, 194, 30], t("cancel.body"))
        .push_button("Yes", [72, 57, 56, 17], "button.yes")
        .push_button("No", [132, 57, 56, 17], "button.no")
        .default("No")
        .cancel("No")
        .first("No")
        .on("Yes", "EndDialog", "Exit", "1")
        .on("No", "EndDialog", "Return", "1")
}
