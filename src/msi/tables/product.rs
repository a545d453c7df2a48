//! The Property table: the product's identity, the disk's facts the runtime
//! reads, and which public properties reach the elevated part of the install.

use super::property::{
    ALLUSERS, ARPNOREMOVE, INSTALL_PROPERTIES, MANUFACTURER, NEWER_PROPERTY, PRODUCT_CODE,
    PRODUCT_LANGUAGE, PRODUCT_NAME, PRODUCT_VERSION, SECURE_CUSTOM_PROPERTIES, UPGRADE_CODE,
    UPGRADE_PROPERTY,
};
use super::schema::{key, s, TableData};
use crate::msi::codes::{guid, Codes};
use crate::msi::runtime::{PROP_DISK_SHA256, PROP_DISK_SIZE, PROP_SIDECAR, PROP_VHD_NAME};
use crate::msi::PackageSpec;
use msi::{Category, Column};

/// US English.
const LANGUAGE_EN_US: &str = "1033";

/// The product name shown in Programs and Features (its length is checked with the policy).
pub fn product_name(spec: &PackageSpec) -> String {
    spec.policy.workspace.product_name()
}

/// The staged disk's file name.
pub fn vhd_name(spec: &PackageSpec) -> String {
    crate::names::PackageNames::of(&spec.policy.workspace.internal_name).staged_disk
}

/// The Property table.
pub fn property_table(spec: &PackageSpec, codes: &Codes) -> TableData {
    let rows = properties(spec, codes)
        .into_iter()
        .map(|(name, value)| vec![s(name), s(value)])
        .collect();
    TableData::new("Property", property_columns(), rows)
}

/// Property's columns (other concerns add rows).
pub fn property_columns() -> Vec<Column> {
    vec![
        key("Property"),
        Column::build("Value")
            .localizable()
            .category(Category::Text)
            .string(0),
    ]
}

/// (name, value) of every property the package sets.
fn properties(spec: &PackageSpec, codes: &Codes) -> Vec<(&'static str, String)> {
    let ws = &spec.policy.workspace;
    let mut rows = vec![
        (ALLUSERS, "1".into()),
        (ARPNOREMOVE, "1".into()),
        (MANUFACTURER, ws.manufacturer.clone()),
        (PRODUCT_CODE, guid(codes.product_code)),
        (PRODUCT_LANGUAGE, LANGUAGE_EN_US.into()),
        (PRODUCT_NAME, product_name(spec)),
        (PRODUCT_VERSION, ws.version.to_string()),
        (SECURE_CUSTOM_PROPERTIES, secure_properties()),
        (UPGRADE_CODE, guid(codes.upgrade_code)),
        (PROP_DISK_SHA256, spec.disk_sha256.to_ascii_lowercase()),
        (PROP_DISK_SIZE, spec.disk_size.to_string()),
        (PROP_SIDECAR, spec.medv_file_name.clone()),
        (PROP_VHD_NAME, vhd_name(spec)),
    ];
    rows.extend(super::arp::properties(spec));
    rows
}

/// SecureCustomProperties: FindRelatedProducts' results and the public install properties.
fn secure_properties() -> String {
    [UPGRADE_PROPERTY, NEWER_PROPERTY]
        .iter()
        .chain(INSTALL_PROPERTIES.iter())
        .chain(wspack_contract::window::PROPERTIES.iter())
        .copied()
        .collect::<Vec<_>>()
        .join(";")
}
