//! ICE61: the Upgrade table.

use super::db::{Database, RowRef};
use super::types::product_version;
use super::Finding;

/// msidbUpgradeAttributesOnlyDetect.
const ONLY_DETECT: i32 = 0x2;
/// msidbUpgradeAttributesVersionMaxInclusive.
const MAX_INCLUSIVE: i32 = 0x200;

/// Runs ICE61.
pub fn ice61(db: &Database) -> Vec<Finding> {
    let secure: Vec<&str> = db
        .property("SecureCustomProperties")
        .map(|s| s.split(';').collect())
        .unwrap_or_default();
    let mut out = Vec::new();
    let mut seen = Vec::new();
    for r in db.rows("Upgrade") {
        let key = r.key();
        let mut err = |msg: String| out.push(Finding::error(61, "Upgrade", key.clone(), msg));
        let prop = r.str("ActionProperty").unwrap_or("");
        if db.property(prop).is_some() {
            err(format!(
                "ActionProperty {prop} must not be authored in the Property table"
            ));
        }
        if prop.chars().any(|c| c.is_ascii_lowercase()) {
            err(format!(
                "ActionProperty {prop} must not contain lowercase letters"
            ));
        }
        if !secure.contains(&prop) {
            err(format!(
                "ActionProperty {prop} must be added to the SecureCustomProperties property"
            ));
        }
        if seen.contains(&prop) {
            err(format!(
                "ActionProperty {prop} may be used in only one record of the Upgrade table"
            ));
        }
        seen.push(prop);
        if let Some(msg) = versions(db, r) {
            err(msg);
        }
    }
    out
}

fn versions(db: &Database, r: RowRef) -> Option<String> {
    let min = r.str("VersionMin");
    let max = r.str("VersionMax");
    for v in [min, max].into_iter().flatten() {
        if product_version(v).is_none() {
            return Some(format!("'{v}' is not a valid product version"));
        }
    }
    let (lo, hi) = (min.and_then(product_version), max.and_then(product_version));
    if let (Some(lo), Some(hi)) = (lo, hi) {
        if hi < lo {
            return Some("VersionMax cannot be less than VersionMin".into());
        }
    }
    let attrs = r.int("Attributes").unwrap_or(0);
    let ours = r.str("UpgradeCode") == db.property("UpgradeCode");
    let current = db.property("ProductVersion").and_then(product_version)?;
    if !ours || attrs & ONLY_DETECT != 0 {
        return None;
    }
    let removes_current = match hi {
        None => true,
        Some(hi) if attrs & MAX_INCLUSIVE != 0 => hi >= current,
        Some(hi) => hi > current,
    };
    removes_current.then(|| {
        format!(
            "this product should remove only older versions of itself; VersionMax {} is not below the current {}",
            max.unwrap_or("(none)"),
            db.property("ProductVersion").unwrap_or("")
        )
    })
}
