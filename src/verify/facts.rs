//! What a package folder says about itself, read without trusting the manifest:
//! the MSI's tables and summary, every file's size and SHA-256, and the disk
//! inside the sidecar (its size, SHA-256, VHD footer, and the deflate level).

use crate::disk::DiskKind;
use crate::msi::Inspection;
use crate::sidecar::{self, ChunkError, ChunkTable, InflateError};
use crate::{Error, Result};
use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use wspack_contract::stage;

/// The facts of one package folder.
#[derive(Debug, Clone)]
pub struct PackageFacts {
    /// The folder.
    pub dir: PathBuf,
    /// The manifest's file name, `<internal_name>.json`.
    pub manifest_name: String,
    /// The MSI's file name, named after the manifest: `<internal_name>.msi`.
    pub msi_name: String,
    /// The MSI, read back.
    pub msi: Inspection,
    /// Every other entry of the folder, by name.
    pub files: BTreeMap<String, PresentFile>,
    /// The disk inside the sidecar the MSI stages; `None` until read.
    pub sidecar: Option<SidecarContent>,
}

/// One entry of the package folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresentFile {
    /// Its size, or why it is not a regular file that can be read.
    pub size: std::result::Result<u64, String>,
    /// Its SHA-256 (lowercase hex), once read.
    pub sha256: Option<String>,
}

/// What the sidecar holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SidecarContent {
    /// The disk, or why it could not be inflated.
    pub disk: std::result::Result<DiskContent, String>,
    /// The deflate levels (1–9) whose output the sidecar starts with.
    pub levels: Vec<u32>,
}

/// The disk a sidecar inflates to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskContent {
    /// Size in bytes.
    pub size: u64,
    /// SHA-256, lowercase hex.
    pub sha256: String,
    /// `fixed` or `dynamic` and the virtual size, from the VHD footer at its end.
    pub footer: Option<(String, u64)>,
}

/// The CustomActionData keys the staging action reads (see `stage_data` in `msi::runtime`).
const DATA_SIDECAR: &str = "medv";
const DATA_SHA256: &str = "sha256";
const DATA_SIZE: &str = "size";

/// How much of the disk's start is kept to tell the deflate level (4 blocks).
const HEAD_LEN: usize = 4 * sidecar::DEFAULT_BLOCK_SIZE;
/// A VHD footer: the last 512 bytes of the disk.
const FOOTER_LEN: usize = 512;

impl PackageFacts {
    /// Reads everything: [`PackageFacts::read_msi_and_sizes`], then
    /// [`PackageFacts::read_content`].
    pub fn derive(dir: &Path, manifest_name: &str) -> Result<PackageFacts> {
        let mut facts = PackageFacts::read_msi_and_sizes(dir, manifest_name)?;
        facts.read_content(&mut |_| true)?;
        Ok(facts)
    }

    /// Reads the MSI and lists the folder with each file's size (cheap).
    pub fn read_msi_and_sizes(dir: &Path, manifest_name: &str) -> Result<PackageFacts> {
        let stem = manifest_name.strip_suffix(".json").unwrap_or(manifest_name);
        let msi_name = crate::names::PackageNames::of(stem).msi;
        let msi_path = dir.join(&msi_name);
        let msi = crate::msi::inspect(&msi_path).map_err(|e| Error::Verify {
            path: msi_path.clone(),
            problem: match &e {
                Error::Io { source, .. } if source.kind() == io::ErrorKind::NotFound => {
                    format!("the file is missing (the package's MSI, named after {manifest_name})")
                }
                other => format!("the package's MSI can't be read: {}", causes(other)),
            },
        })?;
        Ok(PackageFacts {
            dir: dir.to_path_buf(),
            manifest_name: manifest_name.to_string(),
            msi_name,
            msi,
            files: list_folder(dir, manifest_name)?,
            sidecar: None,
        })
    }

    /// Hashes every file and inflates the sidecar the MSI stages; `progress` gets
    /// the disk bytes inflated so far and returns `false` to stop.
    pub fn read_content(&mut self, progress: &mut dyn FnMut(u64) -> bool) -> Result<()> {
        let sidecar_name = self.sidecar_name().filter(|n| self.files.contains_key(n));
        let names: Vec<String> = self.files.keys().cloned().collect();
        for name in names.iter().filter(|n| Some(*n) != sidecar_name.as_ref()) {
            if self.files[name].size.is_ok() {
                let sha256 = hash_file(&self.dir.join(name))?;
                self.files.get_mut(name).expect("listed").sha256 = Some(sha256);
            }
        }
        self.sidecar = Some(match sidecar_name {
            Some(name) if self.files[&name].size.is_ok() => {
                let table = self.msi.disk.chunk_table.clone();
                let (file_sha, content) = match table {
                    None => read_sidecar(&self.dir.join(&name), progress)?,
                    Some(table) => read_chunked(&self.dir.join(&name), table, progress)?,
                };
                self.files.get_mut(&name).expect("listed").sha256 = Some(file_sha);
                content
            }
            _ => SidecarContent {
                disk: Err(format!(
                    "{} names no sidecar that is a file in the folder",
                    self.msi_name
                )),
                levels: Vec::new(),
            },
        });
        Ok(())
    }

    /// The staging action's CustomActionData, its `[Property]` references resolved
    /// from the Property table, as `key=value` pairs.
    pub fn stage_data(&self) -> BTreeMap<String, String> {
        let Some(data) = &self.msi.stage_data else {
            return BTreeMap::new();
        };
        resolve(data, &self.msi.properties)
            .split('|')
            .filter_map(|pair| pair.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// The sidecar the MSI stages (CustomActionData `medv=`).
    pub fn sidecar_name(&self) -> Option<String> {
        self.stage_data().remove(DATA_SIDECAR)
    }

    /// The disk size the MSI checks (CustomActionData `size=`), as written.
    pub fn staged_size(&self) -> Option<String> {
        self.stage_data().remove(DATA_SIZE)
    }

    /// The disk SHA-256 the MSI checks (CustomActionData `sha256=`).
    pub fn staged_sha256(&self) -> Option<String> {
        self.stage_data().remove(DATA_SHA256)
    }
}

/// An error and its causes on one line.
fn causes(err: &Error) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

/// Replaces each `[Name]` with the property's value (empty when unset), as
/// Windows Installer formats a CustomActionData.
fn resolve(formatted: &str, properties: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = formatted;
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find(']') else {
            break;
        };
        out.push_str(&rest[..open]);
        let name = &rest[open + 1..open + close];
        out.push_str(properties.get(name).map_or("", String::as_str));
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

/// Lists the folder: every entry but the manifest, with its size when it is a
/// regular file (checked on the open handle: a FIFO or device is never read).
fn list_folder(dir: &Path, manifest_name: &str) -> Result<BTreeMap<String, PresentFile>> {
    let read_err = |source| Error::Io {
        op: "read",
        path: dir.to_path_buf(),
        source,
    };
    let mut files = BTreeMap::new();
    for entry in fs::read_dir(dir).map_err(read_err)? {
        let entry = entry.map_err(read_err)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == manifest_name {
            continue;
        }
        let size = crate::input::open_regular(&entry.path())
            .and_then(|f| f.metadata())
            .map(|m| m.len())
            .map_err(|e| format!("can't be read: {e}"));
        files.insert(name, PresentFile { size, sha256: None });
    }
    Ok(files)
}

fn hash_file(path: &Path) -> Result<String> {
    let io_err = |source| Error::Io {
        op: "read",
        path: path.to_path_buf(),
        source,
    };
    let file = crate::input::open_regular(path).map_err(io_err)?;
    let got = stage::copy_hashed(file, io::sink(), &mut |_| true).map_err(|e| match e {
        stage::StageError::Io(source) => io_err(source),
        other => io_err(io::Error::other(other.to_string())),
    })?;
    Ok(stage::to_hex(&got.sha256))
}

/// Inflates the sidecar once; returns the file's SHA-256 and what it holds.
fn read_sidecar(
    path: &Path,
    progress: &mut dyn FnMut(u64) -> bool,
) -> Result<(String, SidecarContent)> {
    let io_err = |source| Error::Io {
        op: "read",
        path: path.to_path_buf(),
        source,
    };
    let file = crate::input::open_regular(path).map_err(io_err)?;
    let mut ends = HeadAndTail::default();
    let inflation = sidecar::inflate_to(io::BufReader::with_capacity(0, file), &mut ends, progress);
    let file_sha = stage::to_hex(&inflation.sidecar.map_err(io_err)?.sha256);
    let disk = match inflation.disk {
        Ok(d) => Ok(DiskContent {
            size: d.size,
            sha256: stage::to_hex(&d.sha256),
            footer: footer(&ends.tail),
        }),
        Err(InflateError::Cancelled) => return Err(Error::Interrupted),
        Err(e) => Err(e.to_string()),
    };
    let levels = match &disk {
        Ok(d) => levels(path, &ends.head, d.size)?,
        Err(_) => Vec::new(),
    };
    Ok((file_sha, SidecarContent { disk, levels }))
}

/// Checks a chunked sidecar on every core against the MSI's chunk table (or says
/// why the table is unusable); returns the file's SHA-256 and what it holds.
fn read_chunked(
    path: &Path,
    table: std::result::Result<ChunkTable, String>,
    progress: &mut dyn FnMut(u64) -> bool,
) -> Result<(String, SidecarContent)> {
    let damaged = |why: String| -> Result<(String, SidecarContent)> {
        let content = SidecarContent {
            disk: Err(why),
            levels: Vec::new(),
        };
        Ok((hash_file(path)?, content))
    };
    let table = match table {
        Ok(table) => table,
        Err(why) => return damaged(format!("the MSI's chunk table can't be used: {why}")),
    };
    let file = crate::input::open_regular(path).map_err(|source| Error::Io {
        op: "read",
        path: path.to_path_buf(),
        source,
    })?;
    let jobs = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut ends = HeadAndTail::default();
    let checked = match sidecar::verify_chunks(&file, &table, jobs, &mut ends, progress) {
        Ok(checked) => checked,
        Err(ChunkError::Cancelled) => return Err(Error::Interrupted),
        Err(ChunkError::Read(source)) => {
            return Err(Error::Io {
                op: "read",
                path: path.to_path_buf(),
                source,
            })
        }
        Err(e) => return damaged(e.to_string()),
    };
    let disk = DiskContent {
        size: checked.disk.size,
        sha256: stage::to_hex(&checked.disk.sha256),
        footer: footer(&ends.tail),
    };
    let levels = levels(path, &ends.head, disk.size.min(table.chunk_size))?;
    let content = SidecarContent {
        disk: Ok(disk),
        levels,
    };
    Ok((stage::to_hex(&checked.sidecar.sha256), content))
}

/// The deflate levels whose output for the disk's first blocks the sidecar starts
/// with. One block more at a time, only for the levels still in the running: most
/// disks tell the level apart after the first block.
fn levels(path: &Path, disk_head: &[u8], disk_size: u64) -> Result<Vec<u32>> {
    // Deflate never grows a block by more than a few bytes per 16 KiB.
    let mut medv_head = Vec::new();
    crate::input::open_regular(path)
        .and_then(|f| f.take(2 * HEAD_LEN as u64).read_to_end(&mut medv_head))
        .map_err(|source| Error::Io {
            op: "read",
            path: path.to_path_buf(),
            source,
        })?;
    let mut candidates: Vec<u32> = (1..=9).collect();
    let mut len = 0;
    while candidates.len() > 1 && len < disk_head.len() {
        len = (len + sidecar::DEFAULT_BLOCK_SIZE).min(disk_head.len());
        let mut still = Vec::new();
        for level in candidates {
            let start =
                sidecar::member_start(level, &disk_head[..len], disk_size).map_err(|e| {
                    Error::Compress {
                        path: path.to_path_buf(),
                        message: e.to_string(),
                    }
                })?;
            if medv_head.starts_with(&start) {
                still.push(level);
            }
        }
        candidates = still;
    }
    Ok(candidates)
}

/// Reads a VHD footer: (`fixed`/`dynamic`, virtual size), if `tail` is one.
fn footer(tail: &[u8]) -> Option<(String, u64)> {
    if tail.len() != FOOTER_LEN || !tail.starts_with(b"conectix") {
        return None;
    }
    let virtual_size = u64::from_be_bytes(tail[48..56].try_into().ok()?);
    let kind = match u32::from_be_bytes(tail[60..64].try_into().ok()?) {
        2 => DiskKind::Fixed.to_string(),
        3 => DiskKind::Dynamic.to_string(),
        other => format!("disk type {other}"),
    };
    Some((kind, virtual_size))
}

/// Keeps the first [`HEAD_LEN`] and the last [`FOOTER_LEN`] bytes written.
#[derive(Default)]
struct HeadAndTail {
    head: Vec<u8>,
    tail: Vec<u8>,
}

impl Write for HeadAndTail {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let room = HEAD_LEN - self.head.len();
        self.head.extend_from_slice(&buf[..room.min(buf.len())]);
        self.tail
            .extend_from_slice(&buf[buf.len().saturating_sub(FOOTER_LEN)..]);
        let excess = self.tail.len().saturating_sub(FOOTER_LEN);
        self.tail.drain(..excess);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_properties_as_windows_installer_does() {
        let props = BTreeMap::from([("A".to_string(), "x".to_string())]);
        assert_eq!(resolve("a=[A]|b=[B]|c=[A][A]", &props), "a=x|b=|c=xx");
        assert_eq!(resolve("open [A", &props), "open [A");
    }

    #[test]
    fn keeps_the_head_and_the_last_512_bytes() {
        let mut ends = HeadAndTail::default();
        let data: Vec<u8> = (0..HEAD_LEN + 3000).map(|i| (i % 251) as u8).collect();
        for chunk in data.chunks(700) {
            ends.write_all(chunk).unwrap();
        }
        assert_eq!(ends.head, data[..HEAD_LEN]);
        assert_eq!(ends.tail, data[data.len() - FOOTER_LEN..]);
    }
}
