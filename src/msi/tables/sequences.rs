//! The five sequence tables, and every sequence number the package uses.
//!
//! [`Sequences::standard`] starts each table with the standard actions (numbers as
//! WiX writes them); the package's own actions (and, later, dialogs) join with
//! [`Sequences::install_execute`] and [`Sequences::install_ui`] at numbers derived
//! from the standard action they follow.

use super::schema::{condition, key, opt, s, TableData};
use msi::{Column, Value};

/// FindRelatedProducts: sets the Upgrade table's action properties.
pub const FIND_RELATED_PRODUCTS: i32 = 25;
/// AppSearch.
pub const APP_SEARCH: i32 = 50;
/// LaunchConditions.
pub const LAUNCH_CONDITIONS: i32 = 100;
/// ValidateProductID.
pub const VALIDATE_PRODUCT_ID: i32 = 700;
/// CostInitialize.
pub const COST_INITIALIZE: i32 = 800;
/// FileCost.
pub const FILE_COST: i32 = 900;
/// CostFinalize: directories (INSTALLDIR) are resolved here.
pub const COST_FINALIZE: i32 = 1000;
/// MigrateFeatureStates.
pub const MIGRATE_FEATURE_STATES: i32 = 1200;
/// ExecuteAction: the UI sequence hands over to the execute sequence.
pub const EXECUTE_ACTION: i32 = 1300;
/// InstallValidate.
pub const INSTALL_VALIDATE: i32 = 1400;
/// InstallInitialize: the transaction starts.
pub const INSTALL_INITIALIZE: i32 = 1500;
/// RemoveExistingProducts, right after InstallInitialize: the old version's
/// removal is part of this transaction, so a failed upgrade rolls back to it.
pub const REMOVE_EXISTING_PRODUCTS: i32 = INSTALL_INITIALIZE + 1;
/// CheckStageVhd (the runtime's): after InstallValidate, before the transaction
/// and the old version's removal, which deletes the disk it may link to keep.
pub const CHECK_STAGE_VHD_SEQUENCE: i32 = INSTALL_VALIDATE + 50;
/// ProcessComponents.
pub const PROCESS_COMPONENTS: i32 = 1600;
/// UnpublishFeatures.
pub const UNPUBLISH_FEATURES: i32 = 1800;
/// RemoveRegistryValues.
pub const REMOVE_REGISTRY_VALUES: i32 = 2600;
/// RemoveFiles.
pub const REMOVE_FILES: i32 = 3500;
/// RemoveFolders.
pub const REMOVE_FOLDERS: i32 = 3600;
/// CreateFolders.
pub const CREATE_FOLDERS: i32 = 3700;
/// InstallAdminPackage.
pub const INSTALL_ADMIN_PACKAGE: i32 = 3900;
/// InstallFiles.
pub const INSTALL_FILES: i32 = 4000;
/// WriteRegistryValues.
pub const WRITE_REGISTRY_VALUES: i32 = 5000;
/// RegisterUser.
pub const REGISTER_USER: i32 = 6000;
/// RegisterProduct.
pub const REGISTER_PRODUCT: i32 = 6100;
/// PublishFeatures.
pub const PUBLISH_FEATURES: i32 = 6300;
/// PublishProduct.
pub const PUBLISH_PRODUCT: i32 = 6400;
/// InstallFinalize: the transaction ends.
pub const INSTALL_FINALIZE: i32 = 6600;

/// RestoreInstallDir: right after AppSearch found the remembered folder, before
/// CostFinalize resolves INSTALLDIR.
pub const RESTORE_INSTALL_DIR: i32 = APP_SEARCH + 1;

/// Ticks "Start MED-V now" (UI only), after AppSearch.
pub const UI_SET_START_MEDV: i32 = RESTORE_INSTALL_DIR + 1;
/// ResolveSource (UI only): SourceDir for the missing-sidecar page's text.
pub const UI_RESOLVE_SOURCE: i32 = COST_INITIALIZE + 10;
/// The page for a missing sidecar, instead of Welcome.
pub const UI_SIDECAR_MISSING: i32 = EXECUTE_ACTION - 4;
/// Welcome (first install).
pub const UI_WELCOME: i32 = EXECUTE_ACTION - 3;
/// MaintenanceWelcome (the package is installed).
pub const UI_MAINTENANCE_WELCOME: i32 = EXECUTE_ACTION - 2;
/// Progress: modeless, up while ExecuteAction runs.
pub const UI_PROGRESS: i32 = EXECUTE_ACTION - 1;

const _: () = assert!(UI_SET_START_MEDV < LAUNCH_CONDITIONS && UI_RESOLVE_SOURCE < FILE_COST);
const _: () = assert!(MIGRATE_FEATURE_STATES < UI_SIDECAR_MISSING);

// Each own action sits between the action it follows and the next one.
const _: () = assert!(APP_SEARCH < RESTORE_INSTALL_DIR && RESTORE_INSTALL_DIR < LAUNCH_CONDITIONS);

/// InstallExecuteSequence's standard actions.
pub const INSTALL_EXECUTE: &[(&str, i32)] = &[
    ("FindRelatedProducts", FIND_RELATED_PRODUCTS),
    ("AppSearch", APP_SEARCH),
    ("LaunchConditions", LAUNCH_CONDITIONS),
    ("ValidateProductID", VALIDATE_PRODUCT_ID),
    ("CostInitialize", COST_INITIALIZE),
    ("FileCost", FILE_COST),
    ("CostFinalize", COST_FINALIZE),
    ("MigrateFeatureStates", MIGRATE_FEATURE_STATES),
    ("InstallValidate", INSTALL_VALIDATE),
    ("InstallInitialize", INSTALL_INITIALIZE),
    ("RemoveExistingProducts", REMOVE_EXISTING_PRODUCTS),
    ("ProcessComponents", PROCESS_COMPONENTS),
    ("UnpublishFeatures", UNPUBLISH_FEATURES),
    ("RemoveRegistryValues", REMOVE_REGISTRY_VALUES),
    ("RemoveFiles", REMOVE_FILES),
    ("RemoveFolders", REMOVE_FOLDERS),
    ("CreateFolders", CREATE_FOLDERS),
    ("WriteRegistryValues", WRITE_REGISTRY_VALUES),
    ("RegisterUser", REGISTER_USER),
    ("RegisterProduct", REGISTER_PRODUCT),
    ("PublishFeatures", PUBLISH_FEATURES),
    ("PublishProduct", PUBLISH_PRODUCT),
    ("InstallFinalize", INSTALL_FINALIZE),
];

/// InstallUISequence's standard actions (the pages join from `crate::msi::ui`).
pub const INSTALL_UI: &[(&str, i32)] = &[
    ("FindRelatedProducts", FIND_RELATED_PRODUCTS),
    ("AppSearch", APP_SEARCH),
    ("LaunchConditions", LAUNCH_CONDITIONS),
    ("ValidateProductID", VALIDATE_PRODUCT_ID),
    ("CostInitialize", COST_INITIALIZE),
    ("FileCost", FILE_COST),
    ("CostFinalize", COST_FINALIZE),
    ("MigrateFeatureStates", MIGRATE_FEATURE_STATES),
    ("ExecuteAction", EXECUTE_ACTION),
];

/// AdminExecuteSequence.
pub const ADMIN_EXECUTE: &[(&str, i32)] = &[
    ("CostInitialize", COST_INITIALIZE),
    ("FileCost", FILE_COST),
    ("CostFinalize", COST_FINALIZE),
    ("InstallValidate", INSTALL_VALIDATE),
    ("InstallInitialize", INSTALL_INITIALIZE),
    ("InstallAdminPackage", INSTALL_ADMIN_PACKAGE),
    ("InstallFiles", INSTALL_FILES),
    ("InstallFinalize", INSTALL_FINALIZE),
];

/// AdminUISequence.
pub const ADMIN_UI: &[(&str, i32)] = &[
    ("CostInitialize", COST_INITIALIZE),
    ("FileCost", FILE_COST),
    ("CostFinalize", COST_FINALIZE),
    ("ExecuteAction", EXECUTE_ACTION),
];

/// AdvtExecuteSequence.
pub const ADVT_EXECUTE: &[(&str, i32)] = &[
    ("CostInitialize", COST_INITIALIZE),
    ("CostFinalize", COST_FINALIZE),
    ("InstallValidate", INSTALL_VALIDATE),
    ("InstallInitialize", INSTALL_INITIALIZE),
    ("PublishFeatures", PUBLISH_FEATURES),
    ("PublishProduct", PUBLISH_PRODUCT),
    ("InstallFinalize", INSTALL_FINALIZE),
];

/// The rows of InstallExecuteSequence and InstallUISequence, in the order they were
/// added (the admin and advertise tables hold the standard actions only).
pub struct Sequences {
    install_execute: Vec<Vec<Value>>,
    install_ui: Vec<Vec<Value>>,
}

impl Sequences {
    /// Every table with its standard actions only.
    pub fn standard() -> Self {
        Sequences {
            install_execute: standard_rows(INSTALL_EXECUTE),
            install_ui: standard_rows(INSTALL_UI),
        }
    }

    /// Adds an action to InstallExecuteSequence.
    pub fn install_execute(&mut self, action: &str, condition: Option<&str>, sequence: i32) {
        self.install_execute.push(row(action, condition, sequence));
    }

    /// Adds an action (or a dialog) to InstallUISequence.
    pub fn install_ui(&mut self, action: &str, condition: Option<&str>, sequence: i32) {
        self.install_ui.push(row(action, condition, sequence));
    }

    /// Sets the condition of an action already in InstallUISequence.
    pub fn install_ui_condition(&mut self, action: &str, condition: &str) {
        for row in self.install_ui.iter_mut() {
            if row[0] == s(action) {
                row[1] = s(condition);
            }
        }
    }

    /// The five tables.
    pub fn into_tables(self) -> Vec<TableData> {
        [
            ("InstallExecuteSequence", self.install_execute),
            ("InstallUISequence", self.install_ui),
            ("AdminExecuteSequence", standard_rows(ADMIN_EXECUTE)),
            ("AdminUISequence", standard_rows(ADMIN_UI)),
            ("AdvtExecuteSequence", standard_rows(ADVT_EXECUTE)),
        ]
        .into_iter()
        .map(|(name, rows)| TableData::new(name, columns(), rows))
        .collect()
    }
}

fn standard_rows(actions: &[(&str, i32)]) -> Vec<Vec<Value>> {
    actions
        .iter()
        .map(|&(action, sequence)| row(action, None, sequence))
        .collect()
}

/// One row of a sequence table: action, condition, number.
fn row(action: &str, condition: Option<&str>, sequence: i32) -> Vec<Value> {
    vec![s(action), opt(condition), Value::Int(sequence)]
}

fn columns() -> Vec<Column> {
    vec![
        key("Action"),
        condition("Condition"),
        Column::build("Sequence")
            .nullable()
            .range(-4, 32767)
            .int16(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_sequences_are_ordered_and_unique() {
        for seq in [
            INSTALL_EXECUTE,
            INSTALL_UI,
            ADMIN_EXECUTE,
            ADMIN_UI,
            ADVT_EXECUTE,
        ] {
            assert!(seq.windows(2).all(|w| w[0].1 < w[1].1));
        }
    }
}
