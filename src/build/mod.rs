//! `wspack build`: checked inputs → each output file → manifest → publish.
//!
//! [`run`] checks the policy and the disk (the same checks as `wspack check`), then
//! writes the outputs into the temporary folder of a [`Publisher`] in a fixed
//! order, each step taking what it needs and returning what the next one needs
//! (see [`outputs`]): the sidecar's facts (the disk's size, SHA-256 and chunk table)
//! go into the MSI, every file's name, size and SHA-256 into the manifest, which is
//! written last. Only then is the folder published (see [`crate::publish`]). An
//! error, Ctrl-C or a full disk drops the temporary folder, so the output folder
//! either holds a whole package or is left as it was.

mod outputs;

pub use outputs::SidecarFacts;

use crate::disk::VhdInfo;
use crate::manifest::{self, FileEntry, Manifest};
use crate::names::PackageNames;
use crate::policy::Policy;
use crate::publish::Publisher;
use crate::report::{self, OutputMode, Reporter};
use crate::update::Base;
use crate::{Error, Result};
use serde::Serialize;
use std::fmt;
use std::path::PathBuf;
use std::time::Instant;

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
    /// An earlier build of the workspace to compare with (`--base`): the build then
    /// says whether it is policy-only, or writes a delta sidecar.
    pub base: Option<PathBuf>,
    /// Also write the one-file `<internal_name>-setup.exe` (see [`crate::single_exe`]).
    pub single_exe: bool,
}

/// What a build wrote: the manifest's facts, where, and how long it took.
#[derive(Debug, Clone, Serialize)]
pub struct BuildSummary {
    /// Always `build`.
    pub command: &'static str,
    /// The published folder.
    pub out_dir: String,
    /// Wall time, seconds (to the millisecond).
    pub seconds: f64,
    /// The manifest's file name.
    pub manifest: String,
    /// The manifest's fields.
    #[serde(flatten)]
    pub package: Manifest,
}

impl fmt::Display for BuildSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "wrote {} in {:.1} s:", self.out_dir, self.seconds)?;
        for file in &self.package.files {
            writeln!(
                f,
                "  {:<40} {:>15} bytes  sha256 {}",
                file.name, file.size, file.sha256
            )?;
        }
        writeln!(f, "  {:<40} (manifest)", self.manifest)?;
        match &self.package.update {
            Some(update) => write!(f, "{}", crate::update::describe(update)),
            None => Ok(()),
        }
    }
}

/// The checked inputs every output is written from.
pub struct Inputs<'a> {
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
    /// The package's file names.
    pub names: PackageNames,
    /// The base package (`--base`), checked.
    pub base: Option<Base>,
}

/// Runs a build and publishes the package into `opts.out_dir`.
pub fn run(opts: &BuildOptions) -> Result<BuildSummary> {
    // The same checks as `wspack check`: invalid input fails before any work.
    let checked = crate::check::check(&opts.workspace)?;
    run_checked(&checked.policy, &checked.disk, opts)
}

/// Builds from an already checked policy and disk.
pub fn run_checked(policy: &Policy, disk: &VhdInfo, opts: &BuildOptions) -> Result<BuildSummary> {
    let started = Instant::now();
    // Before any work: a base that can't be one is invalid input.
    let base = match &opts.base {
        Some(dir) => Some(Base::load(dir, policy)?),
        None => None,
    };
    let reporter = Reporter::new(opts.mode);
    report::catch_interrupts();
    let (build_secs, time_source) =
        manifest::build_time(std::env::var("SOURCE_DATE_EPOCH").ok().as_deref())?;
    if time_source == manifest::BuildTimeSource::Fixed {
        reporter.status(
            "note: SOURCE_DATE_EPOCH is unset, so build_time is 1970-01-01T00:00:00Z \
             (set it to the commit time for a meaningful, still reproducible date)",
        );
    }
    let sources = [policy.source.as_path(), policy.workspace.vhd.as_path()];
    let mut publisher = Publisher::prepare(&opts.out_dir, opts.force, &sources, &reporter)?;
    for warning in policy.warnings() {
        reporter.warn(&warning);
    }
    let inputs = Inputs {
        policy,
        disk,
        opts,
        reporter: &reporter,
        build_secs,
        names: PackageNames::of(&policy.workspace.internal_name),
        base,
    };
    let manifest = write_outputs(&inputs, &mut publisher)?;
    publisher.publish(&reporter)?;
    let seconds = started.elapsed().as_secs_f64();
    Ok(BuildSummary {
        command: "build",
        out_dir: opts.out_dir.to_string_lossy().into_owned(),
        seconds: (seconds * 1000.0).round() / 1000.0,
        manifest: inputs.names.manifest.clone(),
        package: manifest,
    })
}

/// Writes every output into the publisher's folder, the manifest last.
fn write_outputs(inputs: &Inputs, publisher: &mut Publisher) -> Result<Manifest> {
    let stop_if_interrupted = || match report::interrupted() {
        true => Err(Error::Interrupted),
        false => Ok(()),
    };
    let mut files: Vec<FileEntry> = Vec::new();
    let (sidecar, entry) = outputs::sidecar(inputs, publisher)?;
    files.push(entry);
    stop_if_interrupted()?;
    let update = match &inputs.base {
        Some(base) => Some(outputs::delta(inputs, base, &sidecar, publisher)?),
        None => None,
    };
    files.extend(update.as_ref().and_then(|(_, entry)| entry.clone()));
    let delta = update.as_ref().and_then(|(facts, _)| facts.delta.as_ref());
    let (msi, entry) = outputs::msi(inputs, &sidecar, delta, publisher)?;
    files.push(entry);
    files.push(outputs::setup(inputs, publisher)?);
    files.push(outputs::reg(inputs, publisher)?);
    stop_if_interrupted()?;
    if inputs.opts.single_exe {
        // Last: it stores the MSI and the sidecar written above.
        files.push(outputs::single_exe(inputs, &sidecar, &files, publisher)?);
        stop_if_interrupted()?;
    }
    let mut manifest = outputs::manifest_of(inputs, &sidecar, msi, files);
    manifest.update = update.map(|(facts, _)| facts.entry);
    outputs::write_manifest(inputs, &manifest, publisher)?;
    stop_if_interrupted()?;
    Ok(manifest)
}
