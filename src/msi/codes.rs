//! The package's GUIDs, all derived (UUIDv5), never random.
//!
//! - UpgradeCode: the policy's `upgrade_code`, else derived from `internal_name`
//!   (lowercased: Windows file names ignore case, so `Foo` and `foo` stage the
//!   same `foo.vhd` and are the same product line).
//! - ProductCode: derived from UpgradeCode and version. Every version is a new
//!   product (major upgrade); the same version rebuilt keeps its ProductCode.
//! - Component GUIDs: derived from UpgradeCode and the component's name.
//! - PackageCode: derived from the SHA-256 of everything written into the MSI.

use crate::policy::Policy;
use uuid::Uuid;

/// The namespace of every wspack UUIDv5 (itself UUIDv5 of `urn:wspack` in the URL namespace).
pub fn namespace() -> Uuid {
    Uuid::new_v5(&Uuid::NAMESPACE_URL, b"urn:wspack")
}

fn derive(text: &str) -> Uuid {
    Uuid::new_v5(&namespace(), text.as_bytes())
}

/// The product-level codes of a policy (the PackageCode needs the whole build).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Codes {
    /// Same for every version of a workspace.
    pub upgrade_code: Uuid,
    /// Same for every build of one version.
    pub product_code: Uuid,
}

/// The codes of one written MSI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PackageCodes {
    /// Same for every version of a workspace.
    pub upgrade_code: Uuid,
    /// Same for every build of one version.
    pub product_code: Uuid,
    /// Different for every distinct MSI file.
    pub package_code: Uuid,
}

/// Returns the UpgradeCode and ProductCode of a policy.
pub fn codes(policy: &Policy) -> Codes {
    let ws = &policy.workspace;
    let upgrade_code = ws.upgrade_code.unwrap_or_else(|| {
        derive(&format!(
            "upgrade-code:{}",
            ws.internal_name.to_ascii_lowercase()
        ))
    });
    let product_code = derive(&format!(
        "product-code:{}:{}",
        guid(upgrade_code),
        ws.version
    ));
    Codes {
        upgrade_code,
        product_code,
    }
}

/// Returns the GUID of one component of a product line.
pub(crate) fn component_guid(upgrade_code: Uuid, component: &str) -> Uuid {
    derive(&format!("component:{}:{component}", guid(upgrade_code)))
}

/// Returns the PackageCode for a build whose content hashes to `content_sha256`.
pub(crate) fn package_code(content_sha256: &[u8; 32]) -> Uuid {
    derive(&format!(
        "package-code:{}",
        crate::text::to_hex(content_sha256)
    ))
}

/// Formats a GUID as Windows Installer wants it: `{UPPERCASE-WITH-BRACES}`.
pub fn guid(uuid: Uuid) -> String {
    format!("{{{}}}", uuid.hyphenated()).to_ascii_uppercase()
}

/// Parses a `{GUID}` as Windows Installer writes it.
pub fn parse_guid(text: &str) -> Option<Uuid> {
    let inner = text.strip_prefix('{')?.strip_suffix('}')?;
    Uuid::parse_str(inner).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guid_format_round_trips() {
        let u = derive("x");
        let g = guid(u);
        assert!(g.starts_with('{') && g.ends_with('}') && g.len() == 38);
        assert_eq!(g, g.to_ascii_uppercase());
        assert_eq!(parse_guid(&g), Some(u));
    }

    #[test]
    fn namespace_is_stable() {
        // Pinned: changing it would change every product's codes.
        assert_eq!(
            namespace().to_string(),
            "8ec53ab4-f6b1-5337-b6b3-4eeeb82e315e"
        );
    }
}
