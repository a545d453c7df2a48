//! What double-clicking an installed package (or Programs and Features' Change)
//! shows: MaintenanceWelcome → MaintenanceType (Repair, Remove) → for Remove a
//! confirmation with "also delete users' differencing disks" → Progress → Finish.

use super::dialog::{Dialog, ENABLED};
use super::install::wizard_buttons;
use super::text::t;
use crate::msi::tables::property::{
    DELETEDIFFDISKS, REINSTALL, REINSTALLMODE, REMOVE as REMOVE_PROPERTY,
};

/// The first maintenance page.
pub const MAINTENANCE_WELCOME: &str = "MaintenanceWelcomeDlg";
const MAINTENANCE_TYPE: &str = "MaintenanceTypeDlg";
const REMOVE: &str = "RemoveDlg";

/// The maintenance pages.
pub fn maintenance_dialogs() -> Vec<Dialog> {
    vec![maintenance_welcome(), maintenance_type(), remove()]
}

fn maintenance_welcome() -> Dialog {
    let d = Dialog::new(MAINTENANCE_WELCOME)
        .text(
            "Title",
            [20, 20, 330, 40],
            format!("{{\\WspackBig}}{}", t("maintenance.title")),
        )
        .text("Body", [20, 70, 330, 60], t("maintenance.body"));
    wizard_buttons(d, None, "button.next").on("Next", "NewDialog", MAINTENANCE_TYPE, "1")
}

/// Two big buttons as in WiX's MaintenanceTypeDlg; Repair (harmless) is the default.
fn maintenance_type() -> Dialog {
    let d = Dialog::new(MAINTENANCE_TYPE)
        .header(
            t("maintenance_type.title"),
            t("maintenance_type.description"),
        )
        .push_button("RepairButton", [40, 65, 80, 17], "button.repair")
        .text(
            "RepairText",
            [60, 85, 280, 20],
            t("maintenance_type.repair"),
        )
        .push_button("RemoveButton", [40, 118, 80, 17], "button.remove")
        .text(
            "RemoveText",
            [60, 138, 280, 20],
            t("maintenance_type.remove"),
        );
    wizard_buttons(d, Some(MAINTENANCE_WELCOME), "button.next")
        .condition("Next", "Disable", "1")
        .default("RepairButton")
        .first("RepairButton")
        .on("RepairButton", &format!("[{REINSTALLMODE}]"), "ecmus", "1")
        .on("RepairButton", &format!("[{REINSTALL}]"), "ALL", "1")
        .on("RepairButton", "EndDialog", "Return", "1")
        .on("RemoveButton", "NewDialog", REMOVE, "1")
}

/// The confirmation that Programs and Features' Remove also goes through.
fn remove() -> Dialog {
    let d = Dialog::new(REMOVE)
        .header(t("remove.title"), t("remove.description"))
        .text("Body", [20, 60, 330, 50], t("remove.body"))
        .control(
            "DiffDisks",
            "CheckBox",
            [20, 120, 330, 17],
            ENABLED,
            Some(DELETEDIFFDISKS),
            Some(t("remove.diffdisks").into()),
        );
    wizard_buttons(d, Some(MAINTENANCE_TYPE), "button.remove")
        // The property, not the Remove event: the execute sequence's costing reads it,
        // and so do its conditions and the Finish page.
        .on("Next", &format!("[{REMOVE_PROPERTY}]"), "ALL", "1")
        .on("Next", "EndDialog", "Return", "1")
}
