//! CustomActionData: `key=value` fields joined by `|`. `|` cannot occur in a Windows
//! path; a value may contain `=` (a field splits at the first one); keys are
//! case-insensitive, each at most once; unknown keys are ignored.
//!
//! The package writes it with [`StageVhdData::to_data`] and
//! [`RemoveDiffDisksData::to_data`] (values are formatted text, resolved by the
//! installer); the runtime reads it with [`Fields`] and the `key` constants.

/// Separates the fields.
pub const SEPARATOR: char = '|';

/// Keys of the data of StageVhd, StageVhdRollback and StageVhdCommit (rollback and
/// commit read only [`stage_key::VHD`]).
pub mod stage_key {
    /// The package path (`[OriginalDatabase]`); the sidecar is looked up in its folder.
    pub const MSI: &str = "msi";
    /// The sidecar's file name (or a full path, used as is).
    pub const MEDV: &str = "medv";
    /// Optional: the folder holding the sidecar, instead of the package's.
    pub const MEDVDIR: &str = "medvdir";
    /// Full path of the disk to create.
    pub const VHD: &str = "vhd";
    /// SHA-256 of the disk, 64 hex digits.
    pub const SHA256: &str = "sha256";
    /// Size of the disk in bytes.
    pub const SIZE: &str = "size";
    /// `1` replaces an existing disk; anything else refuses.
    pub const OVERWRITE: &str = "overwrite";
    /// Not empty: an older version of this workspace is being upgraded, so the disk
    /// in place is its disk and may be replaced (or kept, or updated by a delta).
    pub const UPGRADE: &str = "upgrade";
    /// What [`crate::CHECK_STAGE_VHD`] decided (one of [`crate::plan`]); empty if
    /// it did not run.
    pub const PLAN: &str = "plan";
    /// Optional: the delta sidecar's file name (beside the package), in a package
    /// built with `--base`.
    pub const DELTA: &str = "delta";
}

/// Keys of RemoveDiffDisks' data.
pub mod diff_key {
    /// The workspace name: the agent names its files `<name>.vhd` / `<name>.vsv`.
    pub const NAME: &str = "name";
    /// Optional: the folder of the shared (all users) copies.
    pub const ALLUSERS: &str = "allusers";
}

/// Joins `key=value` fields with [`SEPARATOR`].
fn join(fields: &[(&str, &str)]) -> String {
    let parts: Vec<String> = fields.iter().map(|(k, v)| format!("{}={}", k, v)).collect();
    parts.join(&SEPARATOR.to_string())
}

/// What the package passes to StageVhd, StageVhdRollback and StageVhdCommit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageVhdData<'a> {
    /// [`stage_key::MSI`]
    pub msi: &'a str,
    /// [`stage_key::MEDV`]
    pub medv: &'a str,
    /// [`stage_key::VHD`]
    pub vhd: &'a str,
    /// [`stage_key::SHA256`]
    pub sha256: &'a str,
    /// [`stage_key::SIZE`]
    pub size: &'a str,
    /// [`stage_key::OVERWRITE`]
    pub overwrite: &'a str,
    /// [`stage_key::UPGRADE`]
    pub upgrade: &'a str,
    /// [`stage_key::PLAN`]
    pub plan: &'a str,
    /// [`stage_key::DELTA`]
    pub delta: &'a str,
}

impl StageVhdData<'_> {
    /// The CustomActionData text.
    pub fn to_data(&self) -> String {
        join(&[
            (stage_key::MSI, self.msi),
            (stage_key::MEDV, self.medv),
            (stage_key::VHD, self.vhd),
            (stage_key::SHA256, self.sha256),
            (stage_key::SIZE, self.size),
            (stage_key::OVERWRITE, self.overwrite),
            (stage_key::UPGRADE, self.upgrade),
            (stage_key::PLAN, self.plan),
            (stage_key::DELTA, self.delta),
        ])
    }
}

/// What the package passes to RemoveDiffDisks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemoveDiffDisksData<'a> {
    /// [`diff_key::NAME`]
    pub name: &'a str,
    /// [`diff_key::ALLUSERS`]
    pub allusers: &'a str,
}

impl RemoveDiffDisksData<'_> {
    /// The CustomActionData text.
    pub fn to_data(&self) -> String {
        join(&[
            (diff_key::NAME, self.name),
            (diff_key::ALLUSERS, self.allusers),
        ])
    }
}

/// The parsed fields, in order, keys in lowercase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fields(Vec<(String, String)>);

impl Fields {
    /// Splits `a=1|b=2`. Empty fields are skipped; a field without `=` is an error.
    pub fn parse(data: &str) -> Result<Fields, String> {
        let mut out = Vec::new();
        for field in data.split(SEPARATOR) {
            if field.trim().is_empty() {
                continue;
            }
            match field.find('=') {
                Some(i) => {
                    let key = field[..i].trim().to_ascii_lowercase();
                    if out.iter().any(|(k, _): &(String, String)| *k == key) {
                        return Err(format!("CustomActionData has \"{}\" twice", key));
                    }
                    out.push((key, field[i + 1..].to_string()));
                }
                None => {
                    return Err(format!(
                        "CustomActionData field \"{}\" is not key=value",
                        field
                    ))
                }
            }
        }
        Ok(Fields(out))
    }

    /// A field's value, if present.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// A field that must be present and not empty.
    pub fn require(&self, key: &str) -> Result<&str, String> {
        match self.get(key) {
            Some(v) if !v.is_empty() => Ok(v),
            _ => Err(format!(
                "CustomActionData has no \"{}=\" value (got keys: {})",
                key,
                self.0
                    .iter()
                    .map(|(k, _)| k.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_the_package_writes_the_runtime_reads() {
        let text = StageVhdData {
            msi: "C:\\p\\ws.msi",
            medv: "ws.medv",
            vhd: "C:\\d=1\\ws.vhd",
            sha256: "ab",
            size: "42",
            overwrite: "",
            upgrade: "{X}",
            plan: "keep",
            delta: "",
        }
        .to_data();
        assert_eq!(
            text,
            "msi=C:\\p\\ws.msi|medv=ws.medv|vhd=C:\\d=1\\ws.vhd|sha256=ab|size=42|overwrite=\
             |upgrade={X}|plan=keep|delta="
        );
        let f = Fields::parse(&text).unwrap();
        assert_eq!(f.get(stage_key::VHD), Some("C:\\d=1\\ws.vhd"));
        assert_eq!(f.get(stage_key::OVERWRITE), Some(""));
        assert!(f.require(stage_key::OVERWRITE).is_err());
        assert_eq!(f.get(stage_key::MEDVDIR), None);

        let text = RemoveDiffDisksData {
            name: "Legacy (IE8)",
            allusers: "C:\\all\\",
        }
        .to_data();
        let f = Fields::parse(&text).unwrap();
        assert_eq!(f.require(diff_key::NAME), Ok("Legacy (IE8)"));
        assert_eq!(f.get(diff_key::ALLUSERS), Some("C:\\all\\"));
    }

    #[test]
    fn keys_are_case_insensitive_once_each() {
        let f = Fields::parse("VHD=a||  |Size=1").unwrap();
        assert_eq!(f.get("vhd"), Some("a"));
        assert_eq!(f.get("size"), Some("1"));
        let e = Fields::parse("vhd=a|Vhd=b").unwrap_err();
        assert!(e.contains("twice"), "{}", e);
        let e = Fields::parse("garbage").unwrap_err();
        assert!(e.contains("not key=value"), "{}", e);
        let e = Fields::parse("vhd=a").unwrap().require("size").unwrap_err();
        assert_eq!(e, "CustomActionData has no \"size=\" value (got keys: vhd)");
    }
}
