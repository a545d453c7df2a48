//! Publishing a build's output folder so that no file is lost and no half package
//! looks whole.
//!
//! [`Publisher::prepare`] runs before any work: it cleans or names what interrupted
//! builds left, checks the output folder (remembering each file it checked), picks
//! how to publish, and makes the temporary folder `.<OUT>.wspack-tmp-*`. Files are
//! made there through [`Publisher::create`] (mode 0644, recorded in the owner file).
//! [`Publisher::publish`] then either swaps the temporary folder with `OUTDIR` in one
//! step (`renameat2(RENAME_EXCHANGE)`), or, when `OUTDIR` is a mount point, moves
//! the files into it one by one, old manifest out first and new manifest last.
//! What the swap moved out is deleted only if it is exactly what was checked;
//! anything else is kept in `<OUT>.wspack-kept-<n>` and named in a warning.

mod leftovers;
mod os;
mod owner;

use crate::report::Reporter;
use crate::{Error, Result};
use os::Placed;
use owner::{Owner, OwnerFile, Seen};
use std::fs::{self, File};
use std::io;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Mode of every output file, whatever the umask.
pub const FILE_MODE: u32 = 0o644;
/// Mode of the output folder, whatever the umask.
pub const DIR_MODE: u32 = 0o755;

fn io_err<'a>(op: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> Error + 'a {
    move |source| Error::Io {
        op,
        path: path.to_path_buf(),
        source,
    }
}

/// The output folder and the folder it sits in.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// The output folder as given.
    pub out_dir: PathBuf,
    /// Its parent (`.` for a bare name).
    pub parent: PathBuf,
    /// Its file name.
    pub name: String,
}

impl Target {
    /// Splits the output folder into parent and name.
    fn new(out_dir: &Path) -> Result<Target> {
        let name = out_dir
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| Error::OutDirUnusable {
                path: out_dir.to_path_buf(),
                reason: "it has no folder name, or one that is not UTF-8".into(),
                help: "name the folder itself, e.g. `-o ./out`",
            })?
            .to_string();
        let parent = match out_dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        Ok(Target {
            out_dir: out_dir.to_path_buf(),
            parent,
            name,
        })
    }

    fn unusable(&self, reason: String, help: &'static str) -> Error {
        Error::OutDirUnusable {
            path: self.out_dir.clone(),
            reason,
            help,
        }
    }
}

/// How the package gets into the output folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    /// Swap the temporary folder with `OUTDIR` in one step.
    Swap,
    /// The filesystem can't swap: rename onto a missing or empty `OUTDIR`.
    Rename,
    /// `OUTDIR` is a mount point: move the files into it one by one.
    InPlace,
}

/// A build's temporary folder and how it will be published; dropping it before
/// [`Publisher::publish`] deletes the temporary folder and the parent folders made
/// for `OUTDIR`.
#[derive(Debug)]
pub struct Publisher {
    target: Target,
    method: Method,
    staging: PathBuf,
    owner: Option<OwnerFile>,
    checked: Vec<Seen>,
    created: Vec<(String, u64)>,
    made_parents: Vec<PathBuf>,
}

impl Publisher {
    /// Checks the output folder and makes the temporary folder, before any work.
    ///
    /// Refuses a non-empty folder without `force`, and with `force` a folder holding
    /// anything but package files or holding one of `inputs`.
    pub fn prepare(
        out_dir: &Path,
        force: bool,
        inputs: &[&Path],
        reporter: &Reporter,
    ) -> Result<Publisher> {
        let target = Target::new(out_dir)?;
        let mount = is_mount_point(&target)?;
        if mount {
            // A mount point's leftovers are inside it: clean them before checking it.
            leftovers::recover(&target.out_dir, &target, reporter);
        }
        let checked = check_out_dir(&target, force, inputs)?;
        leftovers::recover(&target.parent, &target, reporter);
        let made_parents = make_parents(&target.parent)?;
        let mut publisher = Publisher {
            staging: PathBuf::new(),
            target,
            method: Method::Swap,
            owner: None,
            checked,
            created: Vec::new(),
            made_parents,
        };
        let home = match mount {
            true => publisher.target.out_dir.clone(),
            false => publisher.target.parent.clone(),
        };
        publisher.staging = tempfile::Builder::new()
            .prefix(&format!(".{}.wspack-tmp-", publisher.target.name))
            .tempdir_in(&home)
            .map_err(io_err("create a temporary folder in", &home))?
            .keep();
        let owner = Owner::this_process(publisher.checked.clone());
        publisher.owner = Some(
            OwnerFile::create(&publisher.staging, &owner)
                .map_err(io_err("create", &owner::owner_path(&publisher.staging)))?,
        );
        publisher.method = publisher.choose_method(mount)?;
        Ok(publisher)
    }

    fn choose_method(&self, mount: bool) -> Result<Method> {
        let swaps = os::can_swap(&self.staging).map_err(io_err("rename in", &self.staging))?;
        method_for(swaps, mount, !self.checked.is_empty()).ok_or_else(|| {
            self.target.unusable(
                "its filesystem can't swap two entries in one step (renameat2 RENAME_EXCHANGE), \
                 so replacing what it holds could lose the package or a file"
                    .into(),
                "build into a new or empty folder on this filesystem, or into one on a local disk",
            )
        })
    }

    /// The temporary folder the files are written into.
    pub fn dir(&self) -> &Path {
        &self.staging
    }

    /// Creates a file in the temporary folder with mode 0644 and records it as ours.
    pub fn create(&mut self, name: &str) -> Result<File> {
        let path = self.staging.join(name);
        let file = File::create(&path).map_err(io_err("create", &path))?;
        file.set_permissions(fs::Permissions::from_mode(FILE_MODE))
            .map_err(io_err("set permissions of", &path))?;
        let ino = file.metadata().map_err(io_err("read", &path))?.ino();
        if let Some(owner) = self.owner.as_mut() {
            owner
                .record_created(ino)
                .map_err(io_err("write", &owner::owner_path(&self.staging)))?;
        }
        self.created.push((name.to_string(), ino));
        Ok(file)
    }

    /// Publishes the finished files (the last one created is the manifest) into the
    /// output folder.
    pub fn publish(mut self, reporter: &Reporter) -> Result<()> {
        os::sync_dir(&self.staging).map_err(io_err("sync", &self.staging))?;
        match self.method {
            Method::Swap | Method::Rename => self.swap_folder(reporter)?,
            Method::InPlace => self.move_files(reporter)?,
        }
        if let Some(owner) = self.owner.take() {
            // Only the owner file is left; a later build removes it if this fails.
            let _ = owner.remove();
        }
        self.made_parents.clear();
        Ok(())
    }

    fn swap_folder(&mut self, reporter: &Reporter) -> Result<()> {
        let (staging, out) = (self.staging.clone(), self.target.out_dir.clone());
        fs::set_permissions(&staging, fs::Permissions::from_mode(DIR_MODE))
            .map_err(io_err("set permissions of", &staging))?;
        let placed = match self.method {
            Method::Swap => os::place(&staging, &out).map_err(io_err("publish", &out))?,
            _ => {
                rename_onto_empty(&staging, &out)?;
                Placed::New
            }
        };
        // The temporary path may now hold the old folder: never delete it whole.
        self.staging = PathBuf::new();
        let synced = os::sync_dir(&self.target.parent);
        if placed == Placed::Exchanged {
            self.settle(&staging, &self.target.parent.clone(), reporter);
        }
        synced.map_err(io_err("sync", &self.target.parent))
    }

    fn move_files(&mut self, reporter: &Reporter) -> Result<()> {
        // From here on the temporary folder may hold old files: never delete it whole.
        let staging = std::mem::take(&mut self.staging);
        let result = self.move_files_from(&staging);
        self.settle(&staging, &self.target.out_dir.clone(), reporter);
        result
    }

    fn move_files_from(&self, staging: &Path) -> Result<()> {
        let out = &self.target.out_dir;
        let sync = || os::sync_dir(out).map_err(io_err("sync", out));
        let is_manifest = |s: &&Seen| s.name.to_ascii_lowercase().ends_with(".json");
        // No manifest while old and new files are mixed: a half package never looks whole.
        for seen in self.checked.iter().filter(is_manifest) {
            self.move_out_if_unchanged(seen, staging)?;
        }
        sync()?;
        for (i, (name, _)) in self.created.iter().enumerate() {
            if i + 1 == self.created.len() {
                sync()?; // the manifest, last
            }
            let dest = out.join(name);
            os::place(&staging.join(name), &dest).map_err(io_err("publish", &dest))?;
        }
        let new_names: Vec<&str> = self.created.iter().map(|(n, _)| n.as_str()).collect();
        for seen in &self.checked {
            if !new_names.contains(&seen.name.as_str()) && !is_manifest(&seen) {
                self.move_out_if_unchanged(seen, staging)?;
            }
        }
        sync()
    }

    /// Moves an old package file from the output folder into the temporary folder
    /// (swept later), unless it changed since it was checked.
    fn move_out_if_unchanged(&self, seen: &Seen, staging: &Path) -> Result<()> {
        let path = self.target.out_dir.join(&seen.name);
        match fs::symlink_metadata(&path) {
            Ok(meta) if Seen::new(seen.name.clone(), &meta) == *seen => {}
            _ => return Ok(()),
        }
        let aside = staging.join(format!("{}.old", seen.name));
        os::rename_new(&path, &aside).map_err(io_err("move aside", &path))
    }

    /// Deletes from `dir` what this build checked or created; keeps the rest in a
    /// visible folder in `beside` and says where.
    fn settle(&self, dir: &Path, beside: &Path, reporter: &Reporter) {
        let created: Vec<u64> = self.created.iter().map(|(_, ino)| *ino).collect();
        leftovers::settle_old(dir, beside, &self.target, &self.checked, &created, reporter);
    }
}

impl Drop for Publisher {
    fn drop(&mut self) {
        if !self.staging.as_os_str().is_empty() {
            // Unpublished: the folder holds only what this build made.
            let _ = fs::remove_dir_all(&self.staging);
        }
        if let Some(owner) = self.owner.take() {
            let _ = owner.remove();
        }
        for dir in &self.made_parents {
            // Only empty folders go: remove_dir refuses the rest.
            let _ = fs::remove_dir(dir);
        }
    }
}

/// Picks how to publish: `None` when no way keeps every file and `OUTDIR` whole.
fn method_for(swaps: bool, mount: bool, holds_files: bool) -> Option<Method> {
    match (swaps, mount, holds_files) {
        (true, true, _) => Some(Method::InPlace),
        (true, false, _) => Some(Method::Swap),
        // Renaming onto a missing or empty folder loses nothing.
        (false, false, false) => Some(Method::Rename),
        (false, _, _) => None,
    }
}

/// Renames the temporary folder onto a missing or empty `OUTDIR` (for filesystems
/// that can't swap); fails, keeping everything, if a file appeared in `OUTDIR`.
fn rename_onto_empty(staging: &Path, out: &Path) -> Result<()> {
    match fs::remove_dir(out) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_err("replace", out)(e)),
    }
    fs::rename(staging, out).map_err(io_err("publish", out))
}

/// Returns whether `OUTDIR` exists and is a mount point.
fn is_mount_point(target: &Target) -> Result<bool> {
    let out = match os::MountFacts::of(&target.out_dir) {
        Ok(facts) => facts,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(io_err("read", &target.out_dir)(e)),
    };
    let parent = os::MountFacts::of(&target.parent).map_err(io_err("read", &target.parent))?;
    Ok(out.is_mount_below(&parent))
}

/// Creates the missing folders of `dir`; returns them, deepest first, so a failed
/// build can remove them again.
fn make_parents(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut missing = Vec::new();
    let mut at = Some(dir);
    while let Some(d) = at.filter(|d| !d.as_os_str().is_empty() && !d.exists()) {
        missing.push(d.to_path_buf());
        at = d.parent();
    }
    fs::create_dir_all(dir).map_err(io_err("create", dir))?;
    Ok(missing)
}

/// Checks the output folder before any work and returns what it holds. Refuses a
/// non-empty folder without `force`, and with `force` a folder that holds anything
/// but package files, or the build's own inputs (replacing it would delete them).
fn check_out_dir(target: &Target, force: bool, inputs: &[&Path]) -> Result<Vec<Seen>> {
    let out_dir = &target.out_dir;
    let meta = match fs::symlink_metadata(out_dir) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_err("read", out_dir)(e)),
    };
    if !meta.is_dir() {
        return Err(target.unusable(
            "it exists and is not a folder".into(),
            "choose a folder name that is free, or remove that file",
        ));
    }
    let mut seen = Vec::new();
    for entry in fs::read_dir(out_dir).map_err(io_err("read", out_dir))? {
        let entry = entry.map_err(io_err("read", out_dir))?;
        let meta = entry.metadata().map_err(io_err("read", &entry.path()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        seen.push((entry.file_name().into_string().ok(), name, meta));
    }
    if seen.is_empty() {
        return Ok(Vec::new());
    }
    if !force {
        return Err(Error::OutDirNotEmpty {
            path: out_dir.to_path_buf(),
        });
    }
    refuse_inputs(target, inputs)?;
    // --force replaces a package folder, never a folder of other things (~/Downloads).
    let mut checked = Vec::new();
    for (utf8, name, meta) in seen {
        match utf8.filter(|n| meta.is_file() && is_package_file(n)) {
            Some(n) => checked.push(Seen::new(n, &meta)),
            None => {
                return Err(target.unusable(
                    format!("it holds {name:?}, which is not a package file"),
                    "--force replaces only folders holding nothing but setup.exe and .msi, \
                     .medv, .reg and .json files: move the other files away or choose another folder",
                ))
            }
        }
    }
    Ok(checked)
}

fn refuse_inputs(target: &Target, inputs: &[&Path]) -> Result<()> {
    let dir = fs::canonicalize(&target.out_dir).map_err(io_err("read", &target.out_dir))?;
    for input in inputs {
        if let Ok(p) = fs::canonicalize(input) {
            if p.parent() == Some(dir.as_path()) {
                return Err(target.unusable(
                    format!("it holds the build's input {}; --force would delete it", input.display()),
                    "write the package to another folder than the one holding the policy and the disk",
                ));
            }
        }
    }
    Ok(())
}

/// Whether a file name is one a build writes (any workspace's).
fn is_package_file(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower == "setup.exe"
        || [".msi", ".medv", ".reg", ".json"]
            .iter()
            .any(|e| lower.ends_with(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_swap_only_a_missing_or_empty_outdir_is_replaced() {
        assert_eq!(method_for(true, false, true), Some(Method::Swap));
        assert_eq!(method_for(true, true, true), Some(Method::InPlace));
        assert_eq!(method_for(false, false, false), Some(Method::Rename));
        assert_eq!(method_for(false, false, true), None);
        assert_eq!(method_for(false, true, false), None);
    }

    #[test]
    fn a_failed_build_leaves_no_temporary_folder_and_no_folder_it_made() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("a/b/out");
        let reporter = Reporter::new(crate::report::OutputMode::Quiet);
        let mut publisher = Publisher::prepare(&out, false, &[], &reporter).unwrap();
        publisher.create("x.msi").unwrap();
        assert!(owner::owner_path(publisher.dir()).exists());
        drop(publisher);
        assert!(fs::read_dir(dir.path()).unwrap().next().is_none());
    }
}
