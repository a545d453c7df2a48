//! The MSI's tables as plain data: built from a [`PackageSpec`], hashed for the
//! PackageCode, then written by [`super::write`].
//!
//! One module per concern, each returning its tables:
//! - `product`: Property (identity, the disk's facts, secure properties);
//! - `files`: Directory, Component, Feature, FeatureComponents, CreateFolder,
//!   RemoveFile, ReserveCost;
//! - `registry`: Registry (the policy's values, the remembered INSTALLDIR), RegLocator;
//! - `upgrade`: Upgrade (major upgrades, newer versions detected);
//! - `launch`: LaunchCondition, AppSearch, Signature, DrLocator;
//! - `sequences`: the five sequence tables and every sequence number;
//! - `staging`: Binary, ActionText, CustomAction, and where each custom action runs;
//! - `arp`: Icon and the Add/Remove Programs properties.
//!
//! `schema` holds what they share; `property` names every property.
//! The installer's UI joins the same way: a module that returns its tables
//! (Dialog, Control, ControlEvent, TextStyle, UIText, Error, and rows for
//! Property or CustomAction, which `TableSet` adds to the tables already there)
//! for [`build`] to add, and puts its dialogs in InstallUISequence through
//! `Sequences`.

mod arp;
mod files;
mod launch;
mod product;
pub mod property;
mod registry;
pub(crate) mod schema;
pub mod sequences;
mod staging;
mod upgrade;

pub use arp::{ICON, ICON_NAME};
pub use launch::{app_search_columns, dr_locator_columns, signature_columns};
pub use product::{product_name, property_columns, vhd_name};
pub use property::INSTALL_PROPERTIES;
pub use schema::{TableData, TableSet};
pub use sequences::{Sequences, INSTALL_EXECUTE};
pub use staging::{custom_action_columns, LAUNCH_ACTION};

use super::codes::Codes;
use super::PackageSpec;

/// Builds every table of the package (Binary data travels separately in `spec.runtime`).
///
/// The order of the tables and of their rows is part of the PackageCode's hash:
/// new tables and rows go at the end.
pub fn build(spec: &PackageSpec, codes: &Codes) -> Vec<TableData> {
    let mut sequences = Sequences::standard();
    staging::schedule(&mut sequences, spec.runtime);
    crate::msi::ui::schedule(&mut sequences);

    let mut tables = TableSet::default();
    tables.add(product::property_table(spec, codes));
    tables.add(files::directory_table());
    tables.extend(registry::registry_tables(spec));
    tables.extend(files::component_tables(spec, codes));
    tables.add(upgrade::upgrade_table(spec, codes));
    tables.extend(launch::launch_tables());
    tables.extend(sequences.into_tables());
    tables.extend(staging::staging_tables(spec.runtime));
    tables.extend(crate::msi::ui::ui_tables(spec));
    tables.add(arp::icon_table());
    tables.into_tables()
}

#[cfg(test)]
mod tests;
