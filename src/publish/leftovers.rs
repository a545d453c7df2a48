//! What interrupted builds leave beside (or, for a mount point, inside) an output
//! folder: `.<OUT>.wspack-tmp-*` folders with their owner files. A later build
//! cleans those whose owner is provably gone, keeping any file it can't prove is
//! a package file that build checked or wrote, and names every other leftover.

use super::owner::{self, Liveness, Seen};
use super::Target;
use crate::report::Reporter;
use std::fs;
use std::path::{Path, PathBuf};

/// What [`settle`] did with a folder.
#[derive(Debug, PartialEq, Eq)]
pub enum Settled {
    /// Everything in it was ours: it is gone.
    Removed,
    /// It held other files (named): it was moved to this visible folder.
    Kept(Vec<String>, PathBuf),
    /// It could not be cleaned, for this reason; it stays where it is.
    Stuck(String),
}

/// Deletes from `dir` the files that were checked or created, and moves what is
/// left (never deleted) to `<OUT>.wspack-kept-<n>` in `beside`.
pub fn settle(
    dir: &Path,
    beside: &Path,
    target: &Target,
    checked: &[Seen],
    created: &[u64],
) -> Settled {
    match owner::sweep(dir, checked, created) {
        Ok(left) if left.is_empty() => Settled::Removed,
        Ok(left) => match owner::keep(dir, beside, &target.name) {
            Ok(kept) => Settled::Kept(left, kept),
            Err(e) => Settled::Stuck(e.to_string()),
        },
        Err(e) => Settled::Stuck(e.to_string()),
    }
}

/// Settles the folder the swap moved out of `OUTDIR` and warns about anything kept.
pub fn settle_old(
    dir: &Path,
    beside: &Path,
    target: &Target,
    checked: &[Seen],
    created: &[u64],
    reporter: &Reporter,
) {
    match settle(dir, beside, target, checked, created) {
        Settled::Removed => {}
        Settled::Kept(left, kept) => reporter.warn(&format!(
            "{} held {}, which appeared or changed during the build; the new package is in \
             place, and what the build had not checked is kept in {}: look inside, then delete it",
            target.out_dir.display(),
            list(&left),
            kept.display()
        )),
        Settled::Stuck(why) => reporter.warn(&format!(
            "the previous contents of {} are in {}, which could not be cleaned ({why}): \
             look inside, then delete it",
            target.out_dir.display(),
            dir.display()
        )),
    }
}

fn list(names: &[String]) -> String {
    let shown: Vec<String> = names.iter().take(5).map(|n| format!("{n:?}")).collect();
    match names.len() {
        n if n > 5 => format!("{} and {} more", shown.join(", "), n - 5),
        _ => shown.join(", "),
    }
}

/// Cleans or names the leftovers of interrupted builds of `target` found in `dir`.
pub fn recover(dir: &Path, target: &Target, reporter: &Reporter) {
    let prefix = format!(".{}.wspack-", target.name);
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with(&prefix))
        .collect();
    names.sort();
    for name in names.iter().filter(|n| n.ends_with(".owner")) {
        recover_owned(&dir.join(name), dir, target, reporter);
    }
    for name in names.iter().filter(|n| !n.ends_with(".owner")) {
        let path = dir.join(name);
        if path.is_dir() && !owner::owner_path(&path).exists() {
            recover_unowned(&path, reporter);
        }
    }
}

fn recover_owned(owner_file: &Path, dir: &Path, target: &Target, reporter: &Reporter) {
    let folder = PathBuf::from(owner_file.to_string_lossy().trim_end_matches(".owner"));
    let Some(record) = owner::read(owner_file) else {
        reporter.warn(&format!(
            "{} is not an owner file this wspack can read; if no build is running, \
             look inside {} and delete both",
            owner_file.display(),
            folder.display()
        ));
        return;
    };
    let pid = record.owner.pid;
    match record.owner.liveness() {
        Liveness::Running => reporter.warn(&format!(
            "another wspack build (pid {pid}) is writing {} at this moment; \
             whichever finishes last is published, and nothing of the other is lost",
            target.out_dir.display()
        )),
        Liveness::Unknown(why) => reporter.warn(&format!(
            "{} was left by a wspack build (pid {pid}) that may still run ({why}); \
             once no build runs, look inside it and delete it and {}",
            folder.display(),
            owner_file.display()
        )),
        Liveness::Gone => {
            let settled = match folder.exists() {
                true => settle(&folder, dir, target, &record.owner.checked, &record.created),
                false => Settled::Removed,
            };
            report_recovered(&folder, pid, settled, reporter);
            // The owner file stays with a folder that could not be cleaned.
            if !folder.exists() {
                let _ = fs::remove_file(owner_file);
            }
        }
    }
}

fn report_recovered(folder: &Path, pid: u32, settled: Settled, reporter: &Reporter) {
    match settled {
        Settled::Removed => reporter.status(&format!(
            "note: removed {}, left by an interrupted build (pid {pid})",
            folder.display()
        )),
        Settled::Kept(left, kept) => reporter.warn(&format!(
            "{} was left by an interrupted build (pid {pid}) and held {} that it did not write \
             or check; kept in {}: look inside, then delete it",
            folder.display(),
            list(&left),
            kept.display()
        )),
        Settled::Stuck(why) => reporter.warn(&format!(
            "{} was left by an interrupted build (pid {pid}) and could not be cleaned ({why}): \
             look inside, then delete it",
            folder.display()
        )),
    }
}

/// A leftover with no owner file: an older wspack's, or one interrupted before it
/// wrote its owner file. Empty ones go; the rest are named.
fn recover_unowned(path: &Path, reporter: &Reporter) {
    if fs::remove_dir(path).is_ok() {
        return;
    }
    reporter.warn(&format!(
        "{} was left by an interrupted wspack build and may hold an earlier package: \
         look inside, then delete it",
        path.display()
    ));
}
