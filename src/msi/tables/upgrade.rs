//! Upgrade: an older version is removed (a major upgrade); a newer one is only
//! detected, and a launch condition stops the install.

use super::property::{NEWER_PROPERTY, UPGRADE_PROPERTY};
use super::schema::{opt, s, TableData};
use crate::msi::codes::{guid, Codes};
use crate::msi::PackageSpec;
use msi::{Category, Column, Value};

/// Upgrade.Attributes: msidbUpgradeAttributesMigrateFeatures (remove, keeping feature states).
const MIGRATE_FEATURES: i32 = 1;
/// Upgrade.Attributes: msidbUpgradeAttributesOnlyDetect (find, don't remove).
const ONLY_DETECT: i32 = 2;

/// The Upgrade table.
pub fn upgrade_table(spec: &PackageSpec, codes: &Codes) -> TableData {
    let upgrade_code = guid(codes.upgrade_code);
    let version = spec.policy.workspace.version.to_string();
    let row = |min: Option<&str>, max: Option<&str>, attributes: i32, property: &str| {
        vec![
            s(upgrade_code.as_str()),
            opt(min),
            opt(max),
            Value::Null,
            Value::Int(attributes),
            Value::Null,
            s(property),
        ]
    };
    let rows = vec![
        // Any version below this one: remove it.
        row(None, Some(&version), MIGRATE_FEATURES, UPGRADE_PROPERTY),
        // Any version above this one: only detect; LaunchCondition refuses.
        row(Some(&version), None, ONLY_DETECT, NEWER_PROPERTY),
    ];
    TableData::new("Upgrade", upgrade_columns(), rows)
}

fn upgrade_columns() -> Vec<Column> {
    let version = |name: &str| {
        Column::build(name)
            .primary_key()
            .nullable()
            .category(Category::Text)
            .string(20)
    };
    vec![
        Column::build("UpgradeCode")
            .primary_key()
            .category(Category::Guid)
            .string(38),
        version("VersionMin"),
        version("VersionMax"),
        Column::build("Language")
            .primary_key()
            .nullable()
            .category(Category::Language)
            .string(255),
        Column::build("Attributes")
            .primary_key()
            .range(0, 2147483647)
            .int32(),
        Column::build("Remove")
            .nullable()
            .category(Category::Formatted)
            .string(255),
        Column::build("ActionProperty")
            .category(Category::UpperCase)
            .string(72),
    ]
}
