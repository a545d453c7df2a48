//! The installer's pages (what a double-click shows), in the MSI's own UI tables,
//! as WiX's `WixUI_InstallDir` lays them out.
//!
//! - `install`: Welcome → Destination (Browse, disk space, a disk already there)
//!   → Ready → Progress → Finish ("Start MED-V now"), the missing-sidecar page,
//!   the cancelled and failed pages, and the "do you want to stop?" box;
//! - `maintenance`: an installed package opened again: Repair or Remove, and
//!   Remove's confirmation with "also delete users' differencing disks";
//! - `dialog`: the builder that turns a page into Dialog, Control, ControlEvent,
//!   ControlCondition and EventMapping rows;
//! - `text`: every text of the pages, one table per language;
//! - `messages`: TextStyle, UIText and Error;
//! - `actions`: the pages' properties, searches, type-51 actions and sequence rows.
//!
//! The pages only run with full UI (InstallUISequence): `/qb` and `/qn` are as before.

mod actions;
mod dialog;
mod install;
mod maintenance;
mod messages;
mod text;

pub use actions::{schedule, size_text};

use super::tables::TableData;
use super::PackageSpec;

/// Every table of the pages (rows for Property, AppSearch, Signature, DrLocator and
/// CustomAction join those tables; see [`crate::msi::tables::TableSet`]).
pub fn ui_tables(spec: &PackageSpec) -> Vec<TableData> {
    let mut dialogs = install::install_dialogs();
    dialogs.extend(maintenance::maintenance_dialogs());
    let mut tables = dialog::dialog_tables(&dialogs);
    tables.extend(messages::message_tables());
    tables.extend(actions::action_tables(spec));
    tables
}

#[cfg(test)]
mod tests;
