//! The MSI database: a standard per-machine Windows Installer package.
//!
//! [`write()`] turns a [`PackageSpec`] (policy, disk facts, optional runtime rows)
//! into an x64, per-machine MSI whose Registry table writes every policy value to
//! `HKLM\SOFTWARE\Microsoft\Medv\v2` (64-bit view), whose Upgrade table makes every
//! new version a major upgrade of the previous one, and whose ReserveCost and
//! RemoveFile rows account for the disk that the staging action (see [`runtime`])
//! writes. [`inspect`] reads any such MSI back.
//!
//! Same spec, same bytes: strings are Windows-1252 (database and summary), the
//! summary's times are the spec's build time, GUIDs are derived (see [`mod@codes`]),
//! and the `msi` crate sorts rows and writes stream timestamps as zero.

pub mod codes;
pub mod format;
mod inspect;
pub mod runtime;
pub mod short_name;
mod summary;
pub mod tables;
pub mod ui;

pub use codes::{codes, Codes, PackageCodes};
pub(crate) use inspect::rfc3339;
pub use inspect::{
    inspect, inspect_bytes, InspectedValue, Inspection, InstallProperty, LaunchCondition,
    RemovedFile, StagedDisk, SummaryInfo, UpgradeRow,
};

use crate::policy::Policy;
use msi::{CodePage, Insert, Package, PackageType, Value};
use sha2::{Digest, Sha256};
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;
use tables::TableData;

/// Everything an MSI is written from.
#[derive(Debug, Clone)]
pub struct PackageSpec<'a> {
    /// Identity and registry values.
    pub policy: &'a Policy,
    /// The uncompressed disk's size in bytes (reserved on INSTALLDIR).
    pub disk_size: u64,
    /// The uncompressed disk's SHA-256, hex.
    pub disk_sha256: String,
    /// The sidecar's file name, e.g. `contoso.medv`, beside the MSI.
    pub medv_file_name: String,
    /// The build time (from `SOURCE_DATE_EPOCH`, never `now()`): the summary's times.
    pub build_time: SystemTime,
    /// The staging custom action's rows; `None` writes a policy-only MSI that stages no disk.
    pub runtime: Option<&'a runtime::RuntimeRows>,
}

/// The template summary property: x64 package, US English.
pub const TEMPLATE: &str = "x64;1033";
/// Windows Installer schema of the package (summary page count).
pub const SCHEMA: i32 = 200;
/// The codepage of the database and the summary stream.
pub const CODEPAGE: i32 = 1252;

/// What an SCCM/ConfigMgr deployment type (and the manifest) needs for a workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployment {
    /// `<internal_name>.msi`.
    pub msi_file_name: String,
    /// `msiexec /i "<internal_name>.msi" /qn`.
    pub install_command: String,
    /// `msiexec /x {ProductCode} /qn`.
    pub uninstall_command: String,
    /// Detection: this ProductCode is installed.
    pub product_code: String,
    /// Same for every version of the workspace.
    pub upgrade_code: String,
}

/// Returns the file name, command lines and detection codes of a workspace's MSI.
pub fn deployment(policy: &Policy) -> Deployment {
    let c = codes(policy);
    Deployment::of(
        &crate::names::PackageNames::of(&policy.workspace.internal_name).msi,
        &codes::guid(c.product_code),
        &codes::guid(c.upgrade_code),
    )
}

impl Deployment {
    /// The deployment of the MSI `msi_file_name` with these `{GUID}` codes
    /// (`verify` rebuilds it from an MSI read back).
    pub fn of(msi_file_name: &str, product_code: &str, upgrade_code: &str) -> Deployment {
        Deployment {
            install_command: format!("msiexec /i \"{msi_file_name}\" /qn"),
            uninstall_command: format!("msiexec /x {product_code} /qn"),
            product_code: product_code.to_string(),
            upgrade_code: upgrade_code.to_string(),
            msi_file_name: msi_file_name.to_string(),
        }
    }

    /// SCCM's detection method: this ProductCode is installed.
    pub fn detection(&self) -> String {
        format!("Windows Installer ProductCode {}", self.product_code)
    }
}

/// Writes the MSI for `spec` to `out` (created or replaced); returns its codes.
///
/// Invalid input (text outside Windows-1252) is refused before `out` is touched.
pub fn write(spec: &PackageSpec, out: &Path) -> crate::Result<PackageCodes> {
    let prepared = prepare(spec)?;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(out)
        .map_err(|source| crate::Error::Io {
            op: "create",
            path: out.to_path_buf(),
            source,
        })?;
    let codes = prepared.codes;
    let mut file = prepared
        .write(spec, file)
        .map_err(|source| crate::Error::MsiWrite {
            path: out.to_path_buf(),
            source,
        })?;
    self_check(&mut file, out)?;
    file.sync_all().map_err(|source| crate::Error::Io {
        op: "write",
        path: out.to_path_buf(),
        source,
    })?;
    Ok(codes)
}

/// Writes the MSI for `spec` into any empty `Read + Write + Seek` (e.g. a `Cursor<Vec<u8>>`).
pub fn write_to<F: Read + Write + Seek>(
    spec: &PackageSpec,
    inner: F,
) -> crate::Result<(PackageCodes, F)> {
    let prepared = prepare(spec)?;
    let codes = prepared.codes;
    let mut inner = prepared
        .write(spec, inner)
        .map_err(|source| crate::Error::MsiWrite {
            path: PathBuf::from("(in-memory MSI)"),
            source,
        })?;
    self_check(&mut inner, Path::new("(in-memory MSI)"))?;
    Ok((codes, inner))
}

/// Runs `validate` on the MSI just written: any finding is a bug in wspack.
fn self_check<F: Read + Seek>(inner: &mut F, path: &Path) -> crate::Result<()> {
    let mut bytes = Vec::new();
    inner
        .seek(io::SeekFrom::Start(0))
        .and_then(|_| inner.read_to_end(&mut bytes))
        .map_err(|source| crate::Error::Io {
            op: "read back",
            path: path.to_path_buf(),
            source,
        })?;
    let findings =
        crate::validate::validate_bytes(&bytes).map_err(|source| crate::Error::MsiWrite {
            path: path.to_path_buf(),
            source,
        })?;
    match findings.first() {
        None => Ok(()),
        Some(first) => Err(crate::Error::MsiSelfCheck {
            first: first.to_string(),
            more: findings.len() - 1,
        }),
    }
}

/// Tables, summary and codes of a package, checked, not yet written.
struct Prepared {
    tables: Vec<TableData>,
    summary: Summary,
    codes: PackageCodes,
}

fn prepare(spec: &PackageSpec) -> crate::Result<Prepared> {
    check_codepage(spec)?;
    let product = codes(spec.policy);
    let tables = tables::build(spec, &product);
    for table in &tables {
        for row in &table.rows {
            for (col, value) in table.columns.iter().zip(row) {
                if let Value::Str(text) = value {
                    ensure_1252(&format!("{}.{}", table.name, col.name()), text)?;
                }
            }
        }
    }
    let summary = Summary::new(spec);
    ensure_1252("summary comments", &summary.comments)?;
    let package_code = codes::package_code(&content_hash(&summary, &tables, spec));
    Ok(Prepared {
        tables,
        summary,
        codes: PackageCodes {
            upgrade_code: product.upgrade_code,
            product_code: product.product_code,
            package_code,
        },
    })
}

impl Prepared {
    fn write<F: Read + Write + Seek>(self, spec: &PackageSpec, inner: F) -> io::Result<F> {
        write_package(
            &self.summary,
            self.tables,
            spec,
            self.codes.package_code,
            inner,
        )
    }
}

/// The summary information stream's text fields.
struct Summary {
    subject: String,
    author: String,
    keywords: Vec<String>,
    comments: String,
    creating_app: String,
}

impl Summary {
    fn new(spec: &PackageSpec) -> Self {
        let ws = &spec.policy.workspace;
        Summary {
            subject: tables::product_name(spec),
            author: ws.manufacturer.clone(),
            keywords: vec![
                "Installer".into(),
                "MED-V".into(),
                "Workspace".into(),
                ws.internal_name.clone(),
            ],
            comments: format!(
                "MED-V workspace {} {}: {} ({} bytes, SHA-256 {}) staged from {}.",
                ws.name,
                ws.version,
                tables::vhd_name(spec),
                spec.disk_size,
                spec.disk_sha256.to_ascii_lowercase(),
                spec.medv_file_name
            ),
            creating_app: format!("wspack {}", env!("CARGO_PKG_VERSION")),
        }
    }
}

fn write_package<F: Read + Write + Seek>(
    summary: &Summary,
    tables: Vec<TableData>,
    spec: &PackageSpec,
    package_code: uuid::Uuid,
    inner: F,
) -> io::Result<F> {
    let mut package = Package::create(PackageType::Installer, io::Cursor::new(Vec::new()))?;
    package.set_database_codepage(CodePage::Windows1252);
    for table in tables {
        package.create_table(table.name, table.columns)?;
        package.insert_rows(Insert::into(table.name).rows(table.rows))?;
    }
    if let Some(rt) = spec.runtime {
        for (name, bytes) in &rt.binaries {
            let mut stream = package.write_stream(&format!("Binary.{name}"))?;
            stream.write_all(bytes)?;
        }
    }
    package
        .write_stream(&format!("Icon.{}", tables::ICON_NAME))?
        .write_all(tables::ICON)?;
    package.flush()?;
    let first_layout = package.into_inner()?;

    // The summary stream, written here (see `summary` for why not by the crate).
    use summary::{pid, Prop};
    let props = vec![
        (pid::CODEPAGE, Prop::I2(CODEPAGE as i16)),
        (pid::TITLE, Prop::Str("Installation Database".into())),
        (pid::SUBJECT, Prop::Str(summary.subject.clone())),
        (pid::AUTHOR, Prop::Str(summary.author.clone())),
        (pid::KEYWORDS, Prop::Str(summary.keywords.join("; "))),
        (pid::COMMENTS, Prop::Str(summary.comments.clone())),
        (pid::TEMPLATE, Prop::Str(TEMPLATE.into())),
        (pid::REVISION, Prop::Str(codes::guid(package_code))),
        (pid::CREATED, Prop::Time(spec.build_time)),
        (pid::SAVED, Prop::Time(spec.build_time)),
        (pid::PAGE_COUNT, Prop::I4(SCHEMA)),
        // 2: compressed (no uncompressed source files to lay out).
        (pid::WORD_COUNT, Prop::I4(2)),
        (pid::APP, Prop::Str(summary.creating_app.clone())),
        // 2: read-only recommended.
        (pid::SECURITY, Prop::I4(2)),
    ];
    let bytes = summary::serialize(&props, CodePage::Windows1252);
    let mut comp = cfb::CompoundFile::open(first_layout)?;
    comp.create_stream(summary::STREAM_NAME)?
        .write_all(&bytes)?;
    comp.flush()?;
    relayout(&mut comp, inner)
}

/// Copies a compound file into `inner` with every stream written once, in one piece.
///
/// Building the tables rewrites streams many times, so the first layout reuses freed
/// mini sectors in the middle of chains (one passed through mini sector 0, which the
/// format allows and osslsigncode refuses as corruption). In a fresh copy nothing is
/// ever freed: each chain runs forward from where the previous one ended, and mini
/// sector 0 can only be the start of the first small stream. Same input, same bytes.
fn relayout<F: Read + Write + Seek>(
    comp: &mut cfb::CompoundFile<io::Cursor<Vec<u8>>>,
    inner: F,
) -> io::Result<F> {
    let mut copy = comp.copy_to(inner)?;
    copy.flush()?;
    Ok(copy.into_inner())
}

/// Hashes everything that goes into the file except the PackageCode itself.
fn content_hash(summary: &Summary, tables: &[TableData], spec: &PackageSpec) -> [u8; 32] {
    let mut h = Sha256::new();
    let mut put = |bytes: &[u8]| {
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    };
    put(b"wspack-msi-1");
    put(summary.subject.as_bytes());
    put(summary.author.as_bytes());
    for k in &summary.keywords {
        put(k.as_bytes());
    }
    put(summary.comments.as_bytes());
    put(summary.creating_app.as_bytes());
    let time = spec
        .build_time
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos() as i128)
        .unwrap_or_else(|e| -(e.duration().as_nanos() as i128));
    put(&time.to_le_bytes());
    for table in tables {
        put(table.name.as_bytes());
        for col in &table.columns {
            put(format!("{}:{:?}", col.name(), col.coltype()).as_bytes());
        }
        for row in &table.rows {
            put(b"row");
            for value in row {
                match value {
                    Value::Null => put(b"n"),
                    Value::Int(n) => put(format!("i{n}").as_bytes()),
                    Value::Str(text) => put(format!("s{text}").as_bytes()),
                    Value::Binary => put(b"b"),
                }
            }
        }
    }
    if let Some(rt) = spec.runtime {
        for (name, bytes) in &rt.binaries {
            put(name.as_bytes());
            put(bytes);
        }
    }
    h.finalize().into()
}

/// Refuses text that Windows-1252 cannot carry and empty REG_MULTI_SZ items,
/// naming the field they came from. A policy read by `Policy::load` never fails
/// here (the policy's checks refuse such text first, located in the TOML): this
/// guards policies built in code.
fn check_codepage(spec: &PackageSpec) -> crate::Result<()> {
    check_policy_text(spec.policy)?;
    ensure_1252("sidecar file name", &spec.medv_file_name)
}

fn check_policy_text(policy: &Policy) -> crate::Result<()> {
    let ws = &policy.workspace;
    ensure_1252("workspace.name", &ws.name)?;
    ensure_1252("workspace.manufacturer", &ws.manufacturer)?;
    ensure_1252("workspace.internal_name", &ws.internal_name)?;
    for (field, text) in [
        ("workspace.help_url", &ws.help_url),
        ("workspace.contact", &ws.contact),
    ] {
        if let Some(text) = text {
            ensure_1252(field, text)?;
        }
    }
    for value in policy.registry_values() {
        let field = format!(r"registry value {}\{}", value.key, value.name);
        match &value.data {
            crate::policy::RegData::Dword(_) => {}
            crate::policy::RegData::Sz(text) => ensure_1252(&field, text)?,
            crate::policy::RegData::MultiSz(items) => {
                for item in items {
                    ensure_1252(&field, item)?;
                    if item.is_empty() {
                        // An empty string ends a REG_MULTI_SZ: readers would drop what follows.
                        return Err(crate::Error::MsiEmptyMultiSzItem { field });
                    }
                }
            }
        }
    }
    Ok(())
}

fn ensure_1252(field: &str, text: &str) -> crate::Result<()> {
    let bytes = CodePage::Windows1252.encode(text);
    let back = CodePage::Windows1252.decode(&bytes);
    if back == text && !text.contains('\0') {
        return Ok(());
    }
    let ch = text
        .chars()
        .zip(back.chars())
        .find(|(a, b)| a != b)
        .map(|(a, _)| a)
        .unwrap_or('\0');
    Err(crate::Error::MsiCodepage {
        field: field.to_string(),
        value: text.to_string(),
        ch,
    })
}
