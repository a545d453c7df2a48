//! One function per output file. Each takes what it needs and returns what the
//! next one needs plus the file's manifest entry (name, size, SHA-256, checked
//! against what landed on disk).

use super::Inputs;
use crate::manifest::{
    self, DiskEntry, FileEntry, Manifest, MsiEntry, SidecarEntry, WorkspaceEntry,
};
use crate::publish::Publisher;
use crate::report;
use crate::sidecar::{self, ChunkTable, CompressError, CompressOptions};
use crate::text::to_hex;
use crate::update::delta::{DeltaTable, DELTA_SUFFIX, DELTA_TABLE_BINARY};
use crate::update::{write_delta, Base, UpdateFacts};
use crate::{Error, Result};
use sha2::{Digest, Sha256};
use std::io::{self, BufWriter, Write};
use std::path::Path;
use wspack_contract::stage::Digested;

/// What the sidecar step learned: the disk and the `.medv` it became.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SidecarFacts {
    /// Size and SHA-256 of the disk (the VHD file), read once.
    pub disk: Digested,
    /// Size and SHA-256 of the `.medv`.
    pub sidecar: Digested,
    /// Deflate level used.
    pub level: u32,
    /// Where each chunk of the disk went, with its SHA-256 (travels in the MSI).
    pub chunks: ChunkTable,
}

/// The prebuilt bootstrapper (`scripts/build-runtime.sh` rebuilds it byte for byte).
const SETUP_EXE: &[u8] = include_bytes!("../../templates/setup.exe");

fn io_err<'a>(op: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> Error + 'a {
    move |source| Error::Io {
        op,
        path: path.to_path_buf(),
        source,
    }
}

/// Creates `name` in the publisher's folder, lets `write` fill it and report the
/// size and SHA-256 of what it wrote, flushes it to disk and checks that what was
/// written landed.
fn output<T>(
    publisher: &mut Publisher,
    name: &str,
    write: impl FnOnce(&mut (dyn Write + Send), &Path) -> Result<(T, Digested)>,
) -> Result<(T, FileEntry)> {
    let path = publisher.dir().join(name);
    let file = publisher.create(name)?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let (made, digest) = write(&mut out, &path)?;
    let file = out
        .into_inner()
        .map_err(|e| io_err("write", &path)(e.into_error()))?;
    file.sync_all().map_err(io_err("write", &path))?;
    let len = file.metadata().map_err(io_err("read", &path))?.len();
    if len != digest.size {
        return Err(Error::Io {
            op: "write",
            path,
            source: io::Error::other(format!("{len} bytes on disk, {} written", digest.size)),
        });
    }
    let entry = FileEntry {
        name: name.to_string(),
        size: digest.size,
        sha256: to_hex(&digest.sha256),
    };
    Ok((made, entry))
}

/// Writes bytes held in memory as the file `name`.
fn bytes_output(publisher: &mut Publisher, name: &str, bytes: &[u8]) -> Result<FileEntry> {
    let (_, entry) = output(publisher, name, |out, path| {
        out.write_all(bytes).map_err(io_err("write", path))?;
        let digest = Digested {
            size: bytes.len() as u64,
            sha256: Sha256::digest(bytes).into(),
        };
        Ok(((), digest))
    })?;
    Ok(entry)
}

/// The disk, compressed into `<internal_name>.medv`.
pub fn sidecar(inputs: &Inputs, publisher: &mut Publisher) -> Result<(SidecarFacts, FileEntry)> {
    let name = &inputs.names.sidecar;
    output(publisher, name, |out, path| {
        let facts = compress_disk(inputs, out, path)?;
        let digest = facts.sidecar;
        Ok((facts, digest))
    })
}

fn compress_disk(
    inputs: &Inputs,
    out: &mut (dyn Write + Send),
    path: &Path,
) -> Result<SidecarFacts> {
    let vhd = &inputs.policy.workspace.vhd;
    let size = inputs.disk.file_size;
    let file = crate::input::open_regular(vhd).map_err(io_err("read", vhd))?;
    let opts = CompressOptions::new(inputs.opts.jobs, inputs.opts.level);
    inputs.reporter.status(&format!(
        "compressing {} ({size} bytes) into {} on {} thread{} at level {}",
        vhd.display(),
        inputs.names.sidecar,
        opts.jobs,
        if opts.jobs == 1 { "" } else { "s" },
        opts.level
    ));
    let mut progress = inputs.reporter.progress("compressing", size);
    let result = sidecar::compress(file, out, &opts, &mut |done| {
        progress.set(done);
        !report::interrupted()
    });
    progress.finish();
    let facts = result.map_err(|e| match e {
        CompressError::Read(source) => io_err("read", vhd)(source),
        CompressError::Write(source) => io_err("write", path)(source),
        CompressError::Cancelled => Error::Interrupted,
        CompressError::Deflate(message) => Error::Compress {
            path: vhd.clone(),
            message,
        },
    })?;
    if facts.input.size != size {
        return Err(Error::Compress {
            path: vhd.clone(),
            message: format!(
                "the disk changed during the build: it was {size} bytes when checked, {} bytes were read",
                facts.input.size
            ),
        });
    }
    Ok(SidecarFacts {
        disk: facts.input,
        sidecar: facts.output,
        level: opts.level,
        chunks: facts.chunks,
    })
}

/// With `--base`: whether only the policy changed, and if not the delta sidecar
/// `<internal_name>.delta.medv`, made of the full sidecar's changed members.
pub fn delta(
    inputs: &Inputs,
    base: &Base,
    sidecar: &SidecarFacts,
    publisher: &mut Publisher,
) -> Result<(UpdateFacts, Option<FileEntry>)> {
    let mut facts = UpdateFacts::new(base, base.same_disk(&sidecar.disk));
    if facts.entry.policy_only {
        return Ok((facts, None));
    }
    let name = format!("{}{DELTA_SUFFIX}", inputs.policy.workspace.internal_name);
    let medv = publisher.dir().join(&inputs.names.sidecar);
    let (table, entry) = output(publisher, &name, |out, path| {
        let table = write_delta(base, &sidecar.chunks, &medv, out)
            .map_err(|e| e.into_error(&medv, path))?;
        let digest = Digested {
            size: table.delta_size,
            sha256: table.delta_sha256,
        };
        Ok((table, digest))
    })?;
    facts.set_delta(name, table);
    Ok((facts, Some(entry)))
}

/// The MSI, `<internal_name>.msi`, with the staging action, the chunk table and,
/// with `--base` and a changed disk, the delta table.
pub fn msi(
    inputs: &Inputs,
    sidecar: &SidecarFacts,
    delta: Option<&DeltaTable>,
    publisher: &mut Publisher,
) -> Result<(MsiEntry, FileEntry)> {
    let mut rows = crate::msi::runtime::staging_rows(inputs.policy);
    rows.binaries
        .push((sidecar::CHUNK_TABLE_BINARY.into(), sidecar.chunks.encode()));
    if let Some(table) = delta {
        rows.binaries
            .push((DELTA_TABLE_BINARY.into(), table.encode()));
    }
    let spec = crate::msi::PackageSpec {
        policy: inputs.policy,
        disk_size: sidecar.disk.size,
        disk_sha256: to_hex(&sidecar.disk.sha256),
        medv_file_name: inputs.names.sidecar.clone(),
        build_time: std::time::UNIX_EPOCH
            + std::time::Duration::from_secs(inputs.build_secs.unsigned_abs()),
        runtime: Some(&rows),
    };
    // An MSI is a compound file that needs Seek; it is small (tables + the DLL).
    let (codes, cursor) = crate::msi::write_to(&spec, io::Cursor::new(Vec::new()))?;
    let deploy = crate::msi::deployment(inputs.policy);
    let entry = MsiEntry {
        detection: deploy.detection(),
        file: deploy.msi_file_name,
        product_code: deploy.product_code,
        upgrade_code: deploy.upgrade_code,
        package_code: crate::msi::codes::guid(codes.package_code),
        install_command: deploy.install_command,
        uninstall_command: deploy.uninstall_command,
    };
    let file = bytes_output(publisher, &inputs.names.msi, &cursor.into_inner())?;
    Ok((entry, file))
}

/// The bootstrapper `setup.exe`: runs the MSI beside it with its own arguments.
pub fn setup(inputs: &Inputs, publisher: &mut Publisher) -> Result<FileEntry> {
    bytes_output(publisher, &inputs.names.setup, SETUP_EXE)
}

/// The one-file `<internal_name>-setup.exe`: setup.exe with the MSI and the sidecar
/// (already written into the publisher's folder, listed in `files`) stored in a zip
/// at its end. Refused (invalid input, nothing published) at 4 GiB or more.
pub fn single_exe(
    inputs: &Inputs,
    sidecar: &SidecarFacts,
    files: &[FileEntry],
    publisher: &mut Publisher,
) -> Result<FileEntry> {
    use crate::single_exe::{self as one_file, WriteError};
    let names = &inputs.names;
    let name = one_file::file_name(&inputs.policy.workspace.internal_name);
    let msi_size = files
        .iter()
        .find(|f| f.name == names.msi)
        .map_or(0, |f| f.size);
    let bound = one_file::size_bound(
        SETUP_EXE.len() as u64,
        &[
            (&names.msi, msi_size),
            (&names.sidecar, sidecar.sidecar.size),
        ],
    );
    if bound >= one_file::SIZE_LIMIT {
        return Err(Error::SingleExeTooLarge {
            file: name,
            size: bound,
            msi: names.msi.clone(),
            sidecar: names.sidecar.clone(),
        });
    }
    inputs.reporter.status(&format!(
        "storing {} and {} into {name}",
        names.msi, names.sidecar
    ));
    let dir = publisher.dir().to_path_buf();
    let (msi, medv) = (dir.join(&names.msi), dir.join(&names.sidecar));
    let members = [
        (names.msi.clone(), msi.as_path()),
        (names.sidecar.clone(), medv.as_path()),
    ];
    let (_, entry) = output(publisher, &name, |out, path| {
        let digest = one_file::write(out, SETUP_EXE, &members).map_err(|e| match e {
            WriteError::Read(p, source) => io_err("read", &p)(source),
            WriteError::Write(source) => io_err("write", path)(source),
        })?;
        Ok(((), digest))
    })?;
    Ok(entry)
}

/// The policy as a `.reg` file, `<internal_name>.reg`.
pub fn reg(inputs: &Inputs, publisher: &mut Publisher) -> Result<FileEntry> {
    let bytes = crate::reg::encode(inputs.policy.registry_values());
    bytes_output(publisher, &inputs.names.reg, &bytes)
}

/// The manifest: every fact of the build, and every file written before it.
pub fn manifest_of(
    inputs: &Inputs,
    sidecar: &SidecarFacts,
    msi: MsiEntry,
    files: Vec<FileEntry>,
) -> Manifest {
    let ws = &inputs.policy.workspace;
    Manifest {
        schema_version: manifest::SCHEMA_VERSION,
        wspack_version: env!("CARGO_PKG_VERSION").to_string(),
        build_time: manifest::rfc3339(inputs.build_secs),
        workspace: WorkspaceEntry {
            name: ws.name.clone(),
            internal_name: ws.internal_name.clone(),
            version: ws.version.to_string(),
            manufacturer: ws.manufacturer.clone(),
        },
        disk: DiskEntry {
            file: inputs.names.staged_disk.clone(),
            size: sidecar.disk.size,
            sha256: to_hex(&sidecar.disk.sha256),
            kind: inputs.disk.kind.to_string(),
            virtual_size: inputs.disk.virtual_size,
        },
        sidecar: SidecarEntry {
            file: inputs.names.sidecar.clone(),
            compression: "gzip".into(),
            chunk_size: Some(sidecar.chunks.chunk_size),
            chunks: Some(sidecar.chunks.chunks.len() as u64),
            level: sidecar.level,
            size: sidecar.sidecar.size,
            sha256: to_hex(&sidecar.sidecar.sha256),
        },
        msi,
        files,
        update: None,
        signing: None,
    }
}

/// Writes the manifest, `<internal_name>.json`.
pub fn write_manifest(
    inputs: &Inputs,
    manifest: &Manifest,
    publisher: &mut Publisher,
) -> Result<()> {
    bytes_output(publisher, &inputs.names.manifest, &manifest.to_bytes()).map(|_| ())
}
