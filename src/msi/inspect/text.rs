//! The text `wspack inspect` prints.

use super::{rfc3339, InspectedValue, Inspection, UpgradeRow};
use crate::msi::runtime::STAGE_ACTION;
use crate::policy::RegData;
use std::fmt;

impl InspectedValue {
    fn data_text(&self) -> String {
        match &self.data {
            Ok(RegData::Dword(n)) => format!("0x{n:08x} ({n})"),
            Ok(RegData::Sz(s)) => format!("\"{s}\""),
            Ok(RegData::MultiSz(items)) => items
                .iter()
                .map(|i| format!("\"{i}\""))
                .collect::<Vec<_>>()
                .join(" "),
            Err(raw) => format!("(as written in the MSI) {raw}"),
        }
    }
}

impl UpgradeRow {
    /// `versions < 1.0.0: removed (major upgrade), sets WSPACK_UPGRADE`.
    fn describe(&self) -> String {
        let what = if self.attributes & 2 != 0 {
            "detected, not removed"
        } else {
            "removed (major upgrade)"
        };
        let mut range = Vec::new();
        if let Some(min) = &self.version_min {
            let op = if self.attributes & 256 != 0 {
                ">="
            } else {
                ">"
            };
            range.push(format!("{op} {min}"));
        }
        if let Some(max) = &self.version_max {
            let op = if self.attributes & 512 != 0 {
                "<="
            } else {
                "<"
            };
            range.push(format!("{op} {max}"));
        }
        if range.is_empty() {
            range.push("any".into());
        }
        format!(
            "versions {}: {what}, sets {}",
            range.join(" and "),
            self.action_property
        )
    }
}

impl Inspection {
    fn fmt_identity(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.summary;
        writeln!(f, "{} {}", self.product_name, self.product_version)?;
        writeln!(f, "  file:          {}", self.path.display())?;
        writeln!(f, "  manufacturer:  {}", self.manufacturer)?;
        writeln!(f, "  ProductCode:   {}", self.product_code)?;
        writeln!(f, "  UpgradeCode:   {}", self.upgrade_code)?;
        writeln!(
            f,
            "  PackageCode:   {}",
            self.package_code.as_deref().unwrap_or("(none)")
        )?;
        writeln!(
            f,
            "  package:       template {}, schema {}, codepage {} (summary {}), built {} by {}",
            s.template,
            s.page_count.map_or("?".into(), |n| n.to_string()),
            s.database_codepage,
            s.codepage,
            s.creation_time.map_or("?".into(), rfc3339),
            s.creating_application.as_deref().unwrap_or("?"),
        )
    }

    fn fmt_disk(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.disk;
        writeln!(f, "Disk:")?;
        writeln!(
            f,
            "  {} -> INSTALLDIR\\{}",
            d.sidecar.as_deref().unwrap_or("(no sidecar named)"),
            d.vhd_name.as_deref().unwrap_or("?")
        )?;
        writeln!(
            f,
            "  size {} bytes (reserved on INSTALLDIR: {}), SHA-256 {}",
            d.size.map_or("?".into(), |n| n.to_string()),
            d.reserved_bytes,
            d.sha256.as_deref().unwrap_or("?")
        )?;
        if let Some(n) = d.chunks {
            writeln!(
                f,
                "  {n} chunks, each checked against the MSI's chunk table"
            )?;
        }
        if d.staged_by_msi {
            writeln!(f, "  staged by the {STAGE_ACTION} custom action")
        } else {
            writeln!(
                f,
                "  NOT staged: this MSI has no staging custom action (it writes the policy only)"
            )
        }
    }

    fn fmt_registry(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Registry values ({}):", self.registry.len())?;
        let mut last_key = None;
        for v in &self.registry {
            let full = format!("{}\\{}", v.root, v.key);
            if last_key.as_ref() != Some(&full) {
                writeln!(f, "  {full}")?;
                last_key = Some(full);
            }
            writeln!(
                f,
                "    {:<34} {:<12} {}",
                v.name,
                v.type_name(),
                v.data_text()
            )?;
        }
        Ok(())
    }
}

impl fmt::Display for Inspection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_identity(f)?;
        writeln!(f)?;
        self.fmt_disk(f)?;
        writeln!(f)?;
        writeln!(f, "Install properties (msiexec NAME=value):")?;
        for p in &self.install_properties {
            writeln!(
                f,
                "  {:<19} default {:<45} {}{}",
                p.name,
                p.default.as_deref().unwrap_or("(unset)"),
                p.meaning,
                if p.secure { "" } else { " [not secure!]" }
            )?;
        }
        writeln!(f)?;
        writeln!(f, "Launch conditions:")?;
        for c in &self.launch_conditions {
            writeln!(f, "  {:<25} else: {}", c.condition, c.message)?;
        }
        writeln!(f)?;
        writeln!(f, "Upgrades (UpgradeCode {}):", self.upgrade_code)?;
        for u in &self.upgrades {
            writeln!(f, "  {}", u.describe())?;
        }
        writeln!(f)?;
        self.fmt_registry(f)?;
        writeln!(f)?;
        writeln!(f, "Removed on uninstall:")?;
        for r in &self.remove_on_uninstall {
            match &r.file {
                Some(file) => writeln!(f, "  [{}]{file}", r.directory)?,
                None => writeln!(f, "  [{}] (the folder, if empty)", r.directory)?,
            }
        }
        Ok(())
    }
}
