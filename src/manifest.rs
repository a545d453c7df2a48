//! The build manifest `<internal_name>.json`: the one machine-readable record of a
//! build, which `wspack verify` checks a package against.
//!
//! Reading is strict (unknown and duplicate fields are refused): every field is
//! one `verify` checks, so a field it does not know could not be checked.
//!
//! Keys come out in the order the structs declare them (serde derives), pretty
//! printed with a final newline, so two builds of the same inputs give the same bytes.

use serde::{Deserialize, Serialize};
use std::path::Path;

/// The manifest layout version; bump it when a field changes meaning or goes away.
pub const SCHEMA_VERSION: u32 = 1;

/// Everything a build wrote, and what the disk inside the sidecar must be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// [`SCHEMA_VERSION`] of the writer.
    pub schema_version: u32,
    /// The wspack version that built the package.
    pub wspack_version: String,
    /// Build time, RFC 3339 UTC (see [`build_time`]).
    pub build_time: String,
    /// Identity of the workspace.
    pub workspace: WorkspaceEntry,
    /// The disk the sidecar holds, as it is staged on the host.
    pub disk: DiskEntry,
    /// The compressed disk.
    pub sidecar: SidecarEntry,
    /// The MSI's codes and the commands an SCCM deployment type needs.
    pub msi: MsiEntry,
    /// Every output file but the manifest itself, in the order the build wrote them.
    pub files: Vec<FileEntry>,
    /// How this build relates to its `--base` (absent when built without one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update: Option<UpdateEntry>,
    /// Which files `wspack sign` signed, and by whom; absent until then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing: Option<SigningEntry>,
}

/// A build made with `--base`: the base, and what must travel to machines that have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateEntry {
    /// The base package.
    pub base: BaseEntry,
    /// The disk is byte-identical to the base's: machines with the base need the MSI alone.
    pub policy_only: bool,
    /// The delta sidecar (absent when `policy_only`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delta: Option<DeltaEntry>,
}

/// The base package a build was compared with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaseEntry {
    /// Its ProductCode.
    pub product_code: String,
    /// Its ProductVersion.
    pub version: String,
    /// Size of the disk it stages.
    pub disk_size: u64,
    /// SHA-256 of the disk it stages, lowercase hex.
    pub disk_sha256: String,
}

/// The delta sidecar: the changed chunks, which machines with the base disk need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeltaEntry {
    /// File name: `<internal_name>.delta.medv`.
    pub file: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256, lowercase hex.
    pub sha256: String,
    /// Chunks of the new disk.
    pub chunks: u64,
    /// Chunks that travel in the delta (the others come from the base disk).
    pub changed_chunks: u64,
}

/// The Authenticode signatures `wspack sign` added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SigningEntry {
    /// The signing certificate's subject, e.g. `/CN=Contoso Code Signing`.
    pub signer: String,
    /// The files signed (their sizes and hashes in `files` are the signed ones).
    pub files: Vec<String>,
    /// The RFC 3161 timestamp server, if one was used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp_url: Option<String>,
}

/// The `[workspace]` identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkspaceEntry {
    /// Display name.
    pub name: String,
    /// Base of every file name.
    pub internal_name: String,
    /// Product version `a.b.c`.
    pub version: String,
    /// MSI Manufacturer.
    pub manufacturer: String,
}

/// The disk inside the sidecar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiskEntry {
    /// The name it is staged as on the host: `<internal_name>.vhd`.
    pub file: String,
    /// The VHD file's size in bytes.
    pub size: u64,
    /// SHA-256 of the VHD file, lowercase hex.
    pub sha256: String,
    /// `fixed` or `dynamic`.
    pub kind: String,
    /// The guest-visible size in bytes (the footer's current size).
    pub virtual_size: u64,
}

/// The compressed disk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SidecarEntry {
    /// File name in the package folder: `<internal_name>.medv`.
    pub file: String,
    /// Container and method: always `gzip` (one member per chunk).
    pub compression: String,
    /// Disk bytes per chunk, each one gzip member (absent: the whole disk is one
    /// member, as packages built before chunking have it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chunk_size: Option<u64>,
    /// How many chunks; the MSI's chunk table has each one's place and SHA-256.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chunks: Option<u64>,
    /// Deflate level 1–9.
    pub level: u32,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256, lowercase hex.
    pub sha256: String,
}

/// The MSI's identity and how to deploy it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MsiEntry {
    /// File name: `<internal_name>.msi`.
    pub file: String,
    /// Same for every build of one version; SCCM detects the install by it.
    pub product_code: String,
    /// Same for every version of the workspace.
    pub upgrade_code: String,
    /// Different for every distinct MSI file.
    pub package_code: String,
    /// Silent install, run from the package folder.
    pub install_command: String,
    /// Silent uninstall by ProductCode.
    pub uninstall_command: String,
    /// SCCM detection method: Windows Installer, this ProductCode.
    pub detection: String,
}

/// One output file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    /// Name in the package folder (no path).
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256, lowercase hex.
    pub sha256: String,
}

impl Manifest {
    /// Renders the manifest as pretty JSON with a final newline.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(self).expect("a manifest always serializes");
        out.push(b'\n');
        out
    }

    /// Reads a manifest strictly (see [`Manifest::parse`]).
    pub fn read(path: &Path) -> crate::Result<Manifest> {
        let file = crate::input::open_regular(path).map_err(|source| crate::Error::Io {
            op: "read the manifest",
            path: path.to_path_buf(),
            source,
        })?;
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::Read::take(file, MAX_LEN + 1), &mut bytes)
            .map_err(|source| crate::Error::Io {
                op: "read the manifest",
                path: path.to_path_buf(),
                source,
            })?;
        Manifest::parse(&bytes).map_err(|problem| crate::Error::Verify {
            path: path.to_path_buf(),
            problem,
        })
    }

    /// Parses a manifest strictly: every field present, no unknown field, no
    /// duplicate, and the schema this wspack writes. Returns the problem in words,
    /// with its line and column.
    pub fn parse(bytes: &[u8]) -> Result<Manifest, String> {
        if bytes.len() as u64 > MAX_LEN {
            return Err(format!(
                "not a wspack manifest: it is over {MAX_LEN} bytes (a manifest has a few KB)"
            ));
        }
        // A newer writer's manifest fails the strict parse: say why instead.
        let schema = serde_json::from_slice::<serde_json::Value>(bytes)
            .ok()
            .and_then(|v| v.get("schema_version").and_then(serde_json::Value::as_u64));
        if let Some(newer) = schema.filter(|&n| n > u64::from(SCHEMA_VERSION)) {
            return Err(format!(
                "schema_version {newer} is newer than this wspack understands ({SCHEMA_VERSION}); use a newer wspack"
            ));
        }
        serde_json::from_slice(bytes)
            .map_err(|e| crate::text::printable(&format!("not a wspack manifest: {e}")))
    }
}

/// The largest manifest read (real ones have a few KB).
const MAX_LEN: u64 = 1 << 20;

/// Where a build's time came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuildTimeSource {
    /// `SOURCE_DATE_EPOCH` was set.
    SourceDateEpoch,
    /// It was unset: the fixed epoch 0 (1970-01-01T00:00:00Z) was used.
    Fixed,
}

/// Returns the build time: `SOURCE_DATE_EPOCH` (seconds since 1970, UTC) when set,
/// else the fixed epoch 0, so that a build never depends on the clock or on file
/// times (a policy file's mtime differs between clones of the same commit).
pub fn build_time(source_date_epoch: Option<&str>) -> crate::Result<(i64, BuildTimeSource)> {
    match source_date_epoch.map(str::trim) {
        None | Some("") => Ok((0, BuildTimeSource::Fixed)),
        Some(v) => {
            let secs: i64 = v.parse().map_err(|_| crate::Error::SourceDateEpoch {
                value: v.to_string(),
            })?;
            // Windows Installer and humans only care for years 1970–9999.
            if !(0..=253_402_300_799).contains(&secs) {
                return Err(crate::Error::SourceDateEpoch {
                    value: v.to_string(),
                });
            }
            Ok((secs, BuildTimeSource::SourceDateEpoch))
        }
    }
}

/// Formats seconds since 1970 (UTC) as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil-from-days (H. Hinnant), valid for the whole proleptic Gregorian calendar.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(253_402_300_799), "9999-12-31T23:59:59Z");
    }

    #[test]
    fn build_time_rule() {
        assert_eq!(build_time(None).unwrap(), (0, BuildTimeSource::Fixed));
        assert_eq!(build_time(Some("1700000000")).unwrap().0, 1_700_000_000);
        let err = build_time(Some("yesterday")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "SOURCE_DATE_EPOCH=\"yesterday\" is not a whole number of seconds since 1970-01-01"
        );
        assert!(build_time(Some("-5")).is_err());
    }

    #[test]
    fn keys_keep_their_order_and_unknown_fields_are_refused() {
        let m = Manifest {
            schema_version: SCHEMA_VERSION,
            wspack_version: "0.1.0".into(),
            build_time: rfc3339(0),
            workspace: WorkspaceEntry {
                name: "W".into(),
                internal_name: "w".into(),
                version: "1.0.0".into(),
                manufacturer: "M".into(),
            },
            disk: DiskEntry {
                file: "w.vhd".into(),
                size: 1,
                sha256: "00".into(),
                kind: "fixed".into(),
                virtual_size: 1,
            },
            sidecar: SidecarEntry {
                file: "w.medv".into(),
                compression: "gzip".into(),
                chunk_size: None,
                chunks: None,
                level: 6,
                size: 1,
                sha256: "00".into(),
            },
            msi: MsiEntry {
                file: "w.msi".into(),
                product_code: "{P}".into(),
                upgrade_code: "{U}".into(),
                package_code: "{K}".into(),
                install_command: "msiexec /i \"w.msi\" /qn".into(),
                uninstall_command: "msiexec /x {P} /qn".into(),
                detection: "Windows Installer ProductCode {P}".into(),
            },
            files: vec![],
            update: None,
            signing: None,
        };
        let text = String::from_utf8(m.to_bytes()).unwrap();
        let keys: Vec<usize> = [
            "schema_version",
            "wspack_version",
            "build_time",
            "workspace",
            "disk",
            "sidecar",
            "msi",
            "files",
        ]
        .iter()
        .map(|k| text.find(&format!("\"{k}\"")).unwrap())
        .collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "{text}");
        assert!(text.ends_with("]\n}\n"));
        assert_eq!(Manifest::parse(text.as_bytes()), Ok(m.clone()));
        let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v["msi"]["added"] = "{X}".into();
        let err = Manifest::parse(&serde_json::to_vec(&v).unwrap()).unwrap_err();
        assert!(err.contains("unknown field `added`"), "{err}");
        v["schema_version"] = 2.into();
        let err = Manifest::parse(&serde_json::to_vec(&v).unwrap()).unwrap_err();
        assert!(err.contains("newer than this wspack understands"), "{err}");
        let twice = text.replacen("\"level\": 6,", "\"level\": 6,\n    \"level\": 6,", 1);
        let err = Manifest::parse(twice.as_bytes()).unwrap_err();
        assert!(err.contains("duplicate field `level`"), "{err}");
    }
}
