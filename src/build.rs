//! `wspack build`: the plan and its run.
//!
//! A build is a [`Plan`]: the checked inputs and an ordered list of [`Step`]s, each
//! of which writes one output file. [`run`] executes the steps into the temporary
//! folder of a [`Publisher`], records each file's name, size and SHA-256, writes the
//! manifest last, and only then publishes the folder (see [`crate::publish`]). An
//! error, Ctrl-C or a full disk drops the temporary folder, so the output folder
//! either holds a whole package or is left as it was.
//!
//! To add an output (the MSI, setup.exe), implement [`Step`] and push it in [`plan`];
//! facts the later steps need (the disk's SHA-256 and size for the MSI's
//! CustomActionData and ReserveCost) are in [`Context::sidecar`].

use crate::disk::VhdInfo;
use crate::manifest::{
    self, DiskEntry, FileEntry, Manifest, MsiEntry, SidecarEntry, WorkspaceEntry,
};
use crate::policy::Policy;
use crate::publish::Publisher;
use crate::report::{self, OutputMode, Reporter};
use crate::sidecar::{self, CompressError, CompressOptions};
use crate::{Error, Result};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;
use wspack_contract::stage::{self, Digested};

/// What `wspack build` was asked to do.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The workspace TOML.
    pub workspace: PathBuf,
    /// The output folder.
    pub out_dir: PathBuf,
    /// Compression threads (>= 1).
    pub jobs: usize,
    /// Deflate level 1–9.
    pub level: u32,
    /// Replace the contents of a non-empty `out_dir`.
    pub force: bool,
    /// How to report progress.
    pub mode: OutputMode,
    /// Also write the one-file `<internal_name>-setup.exe` (see [`crate::single_exe`]).
    pub single_exe: bool,
}

/// A writer a step can hand to other threads.
pub type StepWriter<'a> = &'a mut (dyn Write + Send);

/// One output file of a build.
pub trait Step {
    /// Names the file in the output folder, e.g. `<internal_name>.medv`.
    fn file_name(&self, ctx: &Context) -> String;

    /// Writes the file's bytes to `out` (`path` is for messages) and returns their
    /// size and SHA-256; may record facts in `ctx` for later steps.
    fn write(&self, ctx: &mut Context, out: StepWriter, path: &Path) -> Result<Digested>;
}

/// What the sidecar step learned: the disk and the `.medv` it became.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SidecarFacts {
    /// The `.medv` file name.
    pub file: String,
    /// Size and SHA-256 of the disk (the VHD file), read once.
    pub disk: Digested,
    /// Size and SHA-256 of the `.medv`.
    pub sidecar: Digested,
    /// Deflate level used.
    pub level: u32,
    /// Where each chunk of the disk went, with its SHA-256 (travels in the MSI).
    pub chunks: sidecar::ChunkTable,
}

/// The state a build's steps share.
pub struct Context<'a> {
    /// The checked policy.
    pub policy: &'a Policy,
    /// The checked disk.
    pub disk: &'a VhdInfo,
    /// The build's options.
    pub opts: &'a BuildOptions,
    /// Progress and warnings.
    pub reporter: &'a Reporter,
    /// Build time, seconds since 1970 (from `SOURCE_DATE_EPOCH`, never the clock).
    pub build_secs: i64,
    /// Set by the sidecar step.
    pub sidecar: Option<SidecarFacts>,
    /// Set by the MSI step.
    pub msi: Option<MsiEntry>,
    /// Each file written so far, in order.
    pub files: Vec<FileEntry>,
}

/// The checked inputs of a build and the steps that turn them into files.
pub struct Plan {
    /// The policy.
    pub policy: Policy,
    /// The disk.
    pub disk: VhdInfo,
    /// Output steps in order; the manifest is written after them.
    pub steps: Vec<Box<dyn Step>>,
}

/// Returns the plan for a policy and its checked disk.
pub fn plan(policy: Policy, disk: VhdInfo) -> Plan {
    Plan {
        policy,
        disk,
        // The MSI needs the sidecar's facts (disk size and SHA-256).
        steps: vec![
            Box::new(SidecarStep),
            Box::new(MsiStep),
            Box::new(SetupStep),
            Box::new(RegStep),
        ],
    }
}

/// The plan of `wspack build` with these options (`--single-exe` adds its step last:
/// it packs the MSI and the sidecar the earlier steps wrote).
pub fn plan_for(policy: Policy, disk: VhdInfo, opts: &BuildOptions) -> Plan {
    let mut plan = plan(policy, disk);
    if opts.single_exe {
        plan.steps.push(Box::new(SingleExeStep));
    }
    plan
}

/// Runs a build; returns the summary (printed as JSON under `--json`).
pub fn run(opts: &BuildOptions) -> Result<serde_json::Value> {
    // The same checks as `wspack check`: invalid input fails before any work.
    let checked = crate::check::check(&opts.workspace)?;
    run_plan(plan_for(checked.policy, checked.disk, opts), opts)
}

/// Runs the steps of `plan` and publishes the package into `opts.out_dir`.
pub fn run_plan(plan: Plan, opts: &BuildOptions) -> Result<serde_json::Value> {
    let started = Instant::now();
    let reporter = Reporter::new(opts.mode);
    report::catch_interrupts();
    let out_dir = &opts.out_dir;
    let inputs = [
        plan.policy.source.as_path(),
        plan.policy.workspace.vhd.as_path(),
    ];
    let (build_secs, time_source) =
        manifest::build_time(std::env::var("SOURCE_DATE_EPOCH").ok().as_deref())?;
    if time_source == manifest::BuildTimeSource::Fixed {
        reporter.status(
            "note: SOURCE_DATE_EPOCH is unset, so build_time is 1970-01-01T00:00:00Z \
             (set it to the commit time for a meaningful, still reproducible date)",
        );
    }
    let mut publisher = Publisher::prepare(out_dir, opts.force, &inputs, &reporter)?;
    for warning in plan.policy.warnings() {
        reporter.warn(&warning);
    }

    let mut ctx = Context {
        policy: &plan.policy,
        disk: &plan.disk,
        opts,
        reporter: &reporter,
        build_secs,
        sidecar: None,
        msi: None,
        files: Vec::new(),
    };
    for step in &plan.steps {
        let entry = run_step(step.as_ref(), &mut ctx, &mut publisher)?;
        ctx.files.push(entry);
        if report::interrupted() {
            return Err(Error::Interrupted);
        }
    }
    let manifest = manifest_of(&ctx, manifest::rfc3339(build_secs));
    let manifest_name = format!("{}.json", plan.policy.workspace.internal_name);
    let manifest_path = publisher.dir().join(&manifest_name);
    let mut file = publisher.create(&manifest_name)?;
    file.write_all(&manifest.to_bytes())
        .and_then(|()| file.sync_all())
        .map_err(io_err("write", &manifest_path))?;
    if report::interrupted() {
        return Err(Error::Interrupted);
    }
    publisher.publish(&reporter)?;

    let seconds = started.elapsed().as_secs_f64();
    Ok(json!({
        "command": "build",
        "out_dir": out_dir.to_string_lossy(),
        "seconds": (seconds * 1000.0).round() / 1000.0,
        "manifest": manifest_name,
        "workspace": manifest.workspace,
        "disk": manifest.disk,
        "sidecar": manifest.sidecar,
        "msi": manifest.msi,
        "files": manifest.files,
        "build_time": manifest.build_time,
    }))
}

fn io_err<'a>(op: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> Error + 'a {
    move |source| Error::Io {
        op,
        path: path.to_path_buf(),
        source,
    }
}

/// Creates the step's file, lets the step write it, flushes it to disk and checks
/// that what the step reported is what landed.
fn run_step(step: &dyn Step, ctx: &mut Context, publisher: &mut Publisher) -> Result<FileEntry> {
    let name = step.file_name(ctx);
    let path = publisher.dir().join(&name);
    let file = publisher.create(&name)?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let digest = step.write(ctx, &mut out, &path)?;
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
    Ok(FileEntry {
        name,
        size: digest.size,
        sha256: stage::to_hex(&digest.sha256),
    })
}

/// Writes bytes held in memory to a step's output and digests them.
pub fn write_bytes(out: StepWriter, bytes: &[u8], path: &Path) -> Result<Digested> {
    out.write_all(bytes).map_err(io_err("write", path))?;
    Ok(Digested {
        size: bytes.len() as u64,
        sha256: Sha256::digest(bytes).into(),
    })
}

/// The disk, compressed into `<internal_name>.medv`.
pub struct SidecarStep;

impl Step for SidecarStep {
    fn file_name(&self, ctx: &Context) -> String {
        format!("{}.medv", ctx.policy.workspace.internal_name)
    }

    fn write(&self, ctx: &mut Context, out: StepWriter, path: &Path) -> Result<Digested> {
        let vhd = &ctx.policy.workspace.vhd;
        let file = crate::input::open_regular(vhd).map_err(io_err("read", vhd))?;
        let opts = CompressOptions::new(ctx.opts.jobs, ctx.opts.level);
        ctx.reporter.status(&format!(
            "compressing {} ({} bytes) into {} on {} thread{} at level {}",
            vhd.display(),
            ctx.disk.file_size,
            self.file_name(ctx),
            opts.jobs,
            if opts.jobs == 1 { "" } else { "s" },
            opts.level
        ));
        let mut progress = ctx.reporter.progress("compressing", ctx.disk.file_size);
        let result = sidecar::compress(file, &mut *out, &opts, &mut |done| {
            progress.set(done);
            !report::interrupted()
        });
        progress.finish();
        let facts = result.map_err(|e| match e {
            CompressError::Read(source) => Error::Io {
                op: "read",
                path: vhd.clone(),
                source,
            },
            CompressError::Write(source) => Error::Io {
                op: "write",
                path: path.to_path_buf(),
                source,
            },
            CompressError::Cancelled => Error::Interrupted,
            CompressError::Deflate(message) => Error::Compress {
                path: vhd.clone(),
                message,
            },
        })?;
        if facts.input.size != ctx.disk.file_size {
            return Err(Error::Compress {
                path: vhd.clone(),
                message: format!(
                    "the disk changed during the build: it was {} bytes when checked, {} bytes were read",
                    ctx.disk.file_size, facts.input.size
                ),
            });
        }
        ctx.sidecar = Some(SidecarFacts {
            file: self.file_name(ctx),
            disk: facts.input,
            sidecar: facts.output,
            level: opts.level,
            chunks: facts.chunks,
        });
        Ok(facts.output)
    }
}

/// The policy as a `.reg` file, `<internal_name>.reg`.
pub struct RegStep;

impl Step for RegStep {
    fn file_name(&self, ctx: &Context) -> String {
        format!("{}.reg", ctx.policy.workspace.internal_name)
    }

    fn write(&self, ctx: &mut Context, out: StepWriter, path: &Path) -> Result<Digested> {
        let bytes = crate::reg::encode(ctx.policy.registry_values());
        write_bytes(out, &bytes, path)
    }
}

/// The MSI, `<internal_name>.msi`, with the staging action when the runtime is built in.
pub struct MsiStep;

impl Step for MsiStep {
    fn file_name(&self, ctx: &Context) -> String {
        format!("{}.msi", ctx.policy.workspace.internal_name)
    }

    fn write(&self, ctx: &mut Context, out: StepWriter, path: &Path) -> Result<Digested> {
        let facts = ctx
            .sidecar
            .as_ref()
            .expect("plan() puts the sidecar step first");
        let mut rows = crate::msi::runtime::staging_rows(ctx.policy);
        rows.binaries
            .push((sidecar::CHUNK_TABLE_BINARY.into(), facts.chunks.encode()));
        let spec = crate::msi::PackageSpec {
            policy: ctx.policy,
            disk_size: facts.disk.size,
            disk_sha256: stage::to_hex(&facts.disk.sha256),
            medv_file_name: facts.file.clone(),
            build_time: std::time::UNIX_EPOCH
                + std::time::Duration::from_secs(ctx.build_secs.unsigned_abs()),
            runtime: Some(&rows),
        };
        // An MSI is a compound file that needs Seek; it is small (tables + the DLL).
        let (codes, cursor) = crate::msi::write_to(&spec, io::Cursor::new(Vec::new()))?;
        let deploy = crate::msi::deployment(ctx.policy);
        ctx.msi = Some(MsiEntry {
            detection: format!("Windows Installer ProductCode {}", deploy.product_code),
            file: deploy.msi_file_name,
            product_code: deploy.product_code,
            upgrade_code: deploy.upgrade_code,
            package_code: crate::msi::codes::guid(codes.package_code),
            install_command: deploy.install_command,
            uninstall_command: deploy.uninstall_command,
        });
        write_bytes(out, &cursor.into_inner(), path)
    }
}

/// The bootstrapper `setup.exe`: runs the MSI beside it with its own arguments.
pub struct SetupStep;

/// The prebuilt bootstrapper (`scripts/build-runtime.sh` rebuilds it byte for byte).
const SETUP_EXE: &[u8] = include_bytes!("../templates/setup.exe");

impl Step for SetupStep {
    fn file_name(&self, _ctx: &Context) -> String {
        "setup.exe".into()
    }

    fn write(&self, _ctx: &mut Context, out: StepWriter, path: &Path) -> Result<Digested> {
        write_bytes(out, SETUP_EXE, path)
    }
}

/// The one-file `<internal_name>-setup.exe`: setup.exe with the MSI and the sidecar
/// (written by the earlier steps into the same folder) stored in a zip at its end.
pub struct SingleExeStep;

impl Step for SingleExeStep {
    fn file_name(&self, ctx: &Context) -> String {
        crate::single_exe::file_name(&ctx.policy.workspace.internal_name)
    }

    fn write(&self, ctx: &mut Context, out: StepWriter, path: &Path) -> Result<Digested> {
        let dir = path.parent().unwrap_or(Path::new(""));
        let msi = ctx.msi.as_ref().expect("plan() puts the MSI step first");
        let facts = ctx
            .sidecar
            .as_ref()
            .expect("plan() puts the sidecar step first");
        let msi_size = ctx
            .files
            .iter()
            .find(|f| f.name == msi.file)
            .map_or(0, |f| f.size);
        let bound = crate::single_exe::size_bound(
            SETUP_EXE.len() as u64,
            &[(&msi.file, msi_size), (&facts.file, facts.sidecar.size)],
        );
        if bound >= crate::single_exe::SIZE_LIMIT {
            return Err(Error::SingleExeTooLarge {
                file: self.file_name(ctx),
                size: bound,
                msi: msi.file.clone(),
                sidecar: facts.file.clone(),
            });
        }
        ctx.reporter.status(&format!(
            "storing {} and {} into {}",
            msi.file,
            facts.file,
            self.file_name(ctx)
        ));
        let (msi_path, medv_path) = (dir.join(&msi.file), dir.join(&facts.file));
        let members = [
            (msi.file.clone(), msi_path.as_path()),
            (facts.file.clone(), medv_path.as_path()),
        ];
        crate::single_exe::write(out, SETUP_EXE, &members).map_err(|e| match e {
            crate::single_exe::WriteError::Read(p, source) => io_err("read", &p)(source),
            crate::single_exe::WriteError::Write(source) => io_err("write", path)(source),
        })
    }
}

fn manifest_of(ctx: &Context, build_time: String) -> Manifest {
    let ws = &ctx.policy.workspace;
    let facts = ctx.sidecar.as_ref().expect("plan() has a sidecar step");
    Manifest {
        schema_version: manifest::SCHEMA_VERSION,
        wspack_version: env!("CARGO_PKG_VERSION").to_string(),
        build_time,
        workspace: WorkspaceEntry {
            name: ws.name.clone(),
            internal_name: ws.internal_name.clone(),
            version: ws.version.to_string(),
            manufacturer: ws.manufacturer.clone(),
        },
        disk: DiskEntry {
            file: format!("{}.vhd", ws.internal_name),
            size: facts.disk.size,
            sha256: stage::to_hex(&facts.disk.sha256),
            kind: ctx.disk.kind.to_string(),
            virtual_size: ctx.disk.virtual_size,
        },
        sidecar: SidecarEntry {
            file: facts.file.clone(),
            compression: "gzip".into(),
            chunk_size: Some(facts.chunks.chunk_size),
            chunks: Some(facts.chunks.chunks.len() as u64),
            level: facts.level,
            size: facts.sidecar.size,
            sha256: stage::to_hex(&facts.sidecar.sha256),
        },
        msi: ctx.msi.clone().expect("plan() has an MSI step"),
        files: ctx.files.clone(),
    }
}
