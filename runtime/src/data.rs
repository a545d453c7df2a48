//! What StageVhd and RemoveDiffDisks make of their CustomActionData (the format and
//! the keys are `wspack_contract::data`'s; README.md describes the contract).

use wspack_contract::data::{diff_key, stage_key, Fields};
use wspack_contract::stage::{parse_sha256, Expected};
use wspack_contract::window::Window;

/// What StageVhd needs to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageData {
    /// The sidecar's full path (with a window: the file that holds it).
    pub sidecar: String,
    /// Where the sidecar's bytes are inside `sidecar` when it is stored in another
    /// file (the one-file setup EXE); `None`: the whole file is the sidecar.
    pub window: Option<(u64, u64)>,
    /// The .msi being installed (`[OriginalDatabase]`), for messages.
    pub msi: String,
    /// Where the disk goes (full path of `<internal_name>.vhd`).
    pub vhd: String,
    /// Size and SHA-256 of the disk.
    pub expected: Expected,
    /// `OVERWRITEVHD=1` was given.
    pub overwrite: bool,
    /// An older version of this workspace is being upgraded: the disk in place is
    /// its disk, so it may be replaced (or kept, or updated by the delta).
    pub upgrade: bool,
    /// What CheckStageVhd decided (`wspack_contract::plan`), if it ran.
    pub plan: Option<String>,
    /// The delta sidecar's full path (beside the package), when the package has one.
    pub delta: Option<String>,
}

/// Joins a folder and a file name with exactly one backslash.
pub fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() || dir.ends_with('\\') || dir.ends_with('/') {
        format!("{}{}", dir, name)
    } else {
        format!("{}\\{}", dir, name)
    }
}

/// The folder part of a Windows path (everything up to the last `\` or `/`).
pub fn parent(path: &str) -> &str {
    match path.rfind(['\\', '/']) {
        Some(i) => &path[..i],
        None => "",
    }
}

/// True for `C:\...`, `\\server\...` and `/...` (a path, not a bare file name).
pub fn is_absolute(p: &str) -> bool {
    let b = p.as_bytes();
    (b.len() >= 3 && b[1] == b':' && (b[2] == b'\\' || b[2] == b'/'))
        || p.starts_with("\\\\")
        || p.starts_with('/')
}

impl StageData {
    /// Reads StageVhd's CustomActionData.
    pub fn parse(data: &str) -> Result<StageData, String> {
        let f = Fields::parse(data)?;
        let msi = f.get(stage_key::MSI).unwrap_or("").to_string();
        let medv = f.require(stage_key::MEDV)?;
        let window = Window::from_fields(&f)?;
        let sidecar = if let Some(w) = &window {
            w.path.clone()
        } else if is_absolute(medv) {
            medv.to_string()
        } else if let Some(dir) = f.get(stage_key::MEDVDIR).filter(|d| !d.is_empty()) {
            join(dir, medv)
        } else if !msi.is_empty() {
            join(parent(&msi), medv)
        } else {
            return Err("CustomActionData has neither \"msi=\" nor \"medvdir=\": can't tell which folder holds the sidecar".into());
        };
        let vhd = f.require(stage_key::VHD)?.to_string();
        if !is_absolute(&vhd) {
            return Err(format!(
                "CustomActionData \"vhd={}\" is not a full path",
                vhd
            ));
        }
        let sha = f.require(stage_key::SHA256)?;
        let sha256 = parse_sha256(&sha.to_ascii_lowercase())
            .ok_or_else(|| format!("CustomActionData \"sha256={}\" is not 64 hex digits", sha))?;
        let size_s = f.require(stage_key::SIZE)?;
        let size = size_s
            .trim()
            .parse::<u64>()
            .map_err(|_| format!("CustomActionData \"size={}\" is not a byte count", size_s))?;
        let overwrite = f
            .get(stage_key::OVERWRITE)
            .map(|v| v.trim() == "1")
            .unwrap_or(false);
        let not_empty = |key: &str| f.get(key).map(str::trim).filter(|v| !v.is_empty());
        let delta = match not_empty(stage_key::DELTA) {
            Some(name) if is_absolute(name) => Some(name.to_string()),
            Some(name) if !msi.is_empty() => Some(join(parent(&msi), name)),
            _ => None,
        };
        Ok(StageData {
            sidecar,
            window: window.map(|w| (w.offset, w.length)),
            msi,
            vhd,
            expected: Expected { size, sha256 },
            overwrite,
            upgrade: not_empty(stage_key::UPGRADE).is_some(),
            plan: not_empty(stage_key::PLAN).map(String::from),
            delta,
        })
    }
}

/// What RemoveDiffDisks needs to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffData {
    /// The workspace name (`[workspace] name`): the agent names its files `<name>.vhd/.vsv`.
    pub name: String,
    /// `%ProgramData%\Microsoft\Medv\AllUsers\`, where shared workspaces keep them.
    pub allusers: Option<String>,
}

impl DiffData {
    /// Reads RemoveDiffDisks' CustomActionData.
    pub fn parse(data: &str) -> Result<DiffData, String> {
        let f = Fields::parse(data)?;
        let name = f.require(diff_key::NAME)?.to_string();
        if name.contains(['\\', '/', ':', '*', '?', '"', '<', '>'])
            || name.trim() != name
            || name == "."
            || name == ".."
        {
            return Err(format!(
                "CustomActionData \"name={}\" is not a plain file name",
                name
            ));
        }
        let allusers = f
            .get(diff_key::ALLUSERS)
            .filter(|v| !v.is_empty())
            .map(String::from);
        Ok(DiffData { name, allusers })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    #[test]
    fn reads_what_the_package_writes() {
        use wspack_contract::data::{RemoveDiffDisksData, StageVhdData};
        let written = StageVhdData {
            msi: "Z:\\out\\ws.msi",
            medv: "ws.medv",
            vhd: "C:\\ProgramData\\ws.vhd",
            sha256: SHA,
            size: "4096",
            overwrite: "1",
            upgrade: "{0A}",
            plan: "delta",
            delta: "ws.delta.medv",
        };
        let d = StageData::parse(&written.to_data()).unwrap();
        assert_eq!(d.msi, written.msi);
        assert_eq!(d.sidecar, "Z:\\out\\ws.medv");
        assert_eq!(d.vhd, written.vhd);
        assert_eq!(d.expected.size, 4096);
        assert!(d.overwrite);
        assert!(d.upgrade);
        assert_eq!(d.plan.as_deref(), Some("delta"));
        assert_eq!(d.delta.as_deref(), Some("Z:\\out\\ws.delta.medv"));
        let written = RemoveDiffDisksData {
            name: "Legacy (IE8)",
            allusers: "C:\\all\\",
        };
        let d = DiffData::parse(&written.to_data()).unwrap();
        assert_eq!(d.name, written.name);
        assert_eq!(d.allusers.as_deref(), Some(written.allusers));
    }

    #[test]
    fn parses_the_stage_contract() {
        let d = StageData::parse(&format!(
            "msi=Z:\\tmp\\out\\ws.msi|medv=ws.medv|vhd=C:\\ProgramData\\Microsoft\\Medv\\Workspace\\ws.vhd|sha256={}|size=4096|overwrite=",
            SHA.to_uppercase()
        ))
        .unwrap();
        assert_eq!(d.sidecar, "Z:\\tmp\\out\\ws.medv");
        assert_eq!(d.vhd, "C:\\ProgramData\\Microsoft\\Medv\\Workspace\\ws.vhd");
        assert_eq!(d.expected.size, 4096);
        assert_eq!(wspack_contract::stage::to_hex(&d.expected.sha256), SHA);
        assert!(!d.overwrite);
        assert!(!d.upgrade);
        assert_eq!((d.plan, d.delta), (None, None));
        let d = StageData::parse(&format!(
            "medvdir=\\\\srv\\share=x\\|medv=ws.medv|vhd=C:\\a.vhd|sha256={}|size=1|overwrite=1",
            SHA
        ))
        .unwrap();
        assert_eq!(d.sidecar, "\\\\srv\\share=x\\ws.medv");
        assert!(d.overwrite);
    }

    #[test]
    fn names_what_is_wrong() {
        let e = StageData::parse("msi=C:\\x.msi|medv=ws.medv|sha256=00|size=1").unwrap_err();
        assert!(e.contains("no \"vhd=\""), "{}", e);
        let e =
            StageData::parse("msi=C:\\x.msi|medv=a|vhd=C:\\a.vhd|sha256=00|size=1").unwrap_err();
        assert!(e.contains("not 64 hex digits"), "{}", e);
        let e = StageData::parse(&format!(
            "msi=C:\\x.msi|medv=a|vhd=C:\\a.vhd|sha256={}|size=big",
            SHA
        ))
        .unwrap_err();
        assert!(e.contains("not a byte count"), "{}", e);
        let e = StageData::parse("garbage").unwrap_err();
        assert!(e.contains("not key=value"), "{}", e);
        let e = StageData::parse("vhd=a|vhd=b").unwrap_err();
        assert!(e.contains("twice"), "{}", e);
    }

    #[test]
    fn parses_diff_data() {
        let d = DiffData::parse(
            "name=Contoso Legacy (IE8)|allusers=C:\\ProgramData\\Microsoft\\Medv\\AllUsers\\",
        )
        .unwrap();
        assert_eq!(d.name, "Contoso Legacy (IE8)");
        assert_eq!(
            d.allusers.as_deref(),
            Some("C:\\ProgramData\\Microsoft\\Medv\\AllUsers\\")
        );
        assert!(DiffData::parse("name=..\\x").is_err());
        assert!(DiffData::parse("allusers=C:\\").is_err());
    }
}
