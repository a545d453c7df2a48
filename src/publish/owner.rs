//! The owner file beside each temporary folder: which process made it, which files
//! of the output folder it checked, and which files it created. A later build reads
//! it to tell a leftover of a dead build from a running one, and to delete only
//! files this tool checked or created.

use serde::{Deserialize, Serialize};
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// One file of the output folder as it was when checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    /// The file name.
    pub name: String,
    /// Inode, size and modification time: a file replaced or changed since differs.
    pub ino: u64,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since 1970.
    pub mtime_ns: i128,
}

impl Seen {
    /// Describes a file from its metadata.
    pub fn new(name: String, meta: &fs::Metadata) -> Seen {
        Seen {
            name,
            ino: meta.ino(),
            size: meta.size(),
            mtime_ns: i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
        }
    }

    fn matches(&self, meta: &fs::Metadata) -> bool {
        let now = Seen::new(String::new(), meta);
        meta.is_file() && (now.ino, now.size, now.mtime_ns) == (self.ino, self.size, self.mtime_ns)
    }
}

/// The process that made a temporary folder, and what it checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owner {
    /// Process id.
    pub pid: u32,
    /// The process's start time (clock ticks since boot), so a reused pid differs.
    pub start: u64,
    /// The kernel's boot id: a restart ends every process.
    pub boot_id: String,
    /// The host name: a pid means nothing on another machine or container.
    pub host: String,
    /// The output folder's files as checked before the build.
    pub checked: Vec<Seen>,
}

/// Whether the process that made a leftover still runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Liveness {
    /// It still runs: another build is working now.
    Running,
    /// It is gone: what it left can be cleaned.
    Gone,
    /// It can't be told from here, for this reason.
    Unknown(String),
}

fn proc_text(path: &str) -> Option<String> {
    fs::read_to_string(path).ok().map(|s| s.trim().to_string())
}

/// Field 22 of `/proc/<pid>/stat`: when the process started.
fn start_time(pid: u32) -> Option<u64> {
    let stat = proc_text(&format!("/proc/{pid}/stat"))?;
    // The command name (field 2) may hold spaces and parentheses; fields after it don't.
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(19)?.parse().ok()
}

impl Owner {
    /// Describes this process.
    pub fn this_process(checked: Vec<Seen>) -> Owner {
        let pid = std::process::id();
        Owner {
            pid,
            start: start_time(pid).unwrap_or(0),
            boot_id: proc_text("/proc/sys/kernel/random/boot_id").unwrap_or_default(),
            host: proc_text("/proc/sys/kernel/hostname").unwrap_or_default(),
            checked,
        }
    }

    /// Tells whether the process that wrote this record still runs.
    pub fn liveness(&self) -> Liveness {
        let here = Owner::this_process(Vec::new());
        if self.host.is_empty() || here.host != self.host {
            return Liveness::Unknown(format!("it was made on host {:?}", self.host));
        }
        if here.boot_id.is_empty() {
            return Liveness::Unknown("/proc is not readable here".into());
        }
        if here.boot_id != self.boot_id {
            return Liveness::Gone;
        }
        match start_time(self.pid) {
            Some(start) if start == self.start => Liveness::Running,
            _ => Liveness::Gone,
        }
    }
}

/// The owner file of one temporary folder: a JSON line with the [`Owner`], then one
/// line per created file's inode, appended (and flushed) before the file is written.
#[derive(Debug)]
pub struct OwnerFile {
    path: PathBuf,
    file: File,
}

/// The owner file's name for a temporary folder.
pub fn owner_path(dir: &Path) -> PathBuf {
    let mut name = dir.as_os_str().to_owned();
    name.push(".owner");
    PathBuf::from(name)
}

impl OwnerFile {
    /// Writes the owner file of `dir`.
    pub fn create(dir: &Path, owner: &Owner) -> io::Result<OwnerFile> {
        let path = owner_path(dir);
        let mut file = OpenOptions::new()
            .append(true)
            .create_new(true)
            .open(&path)?;
        let line = serde_json::to_string(owner).map_err(io::Error::other)?;
        writeln!(file, "{line}")?;
        file.sync_all()?;
        Ok(OwnerFile { path, file })
    }

    /// Records that this build created the file with inode `ino`.
    pub fn record_created(&mut self, ino: u64) -> io::Result<()> {
        writeln!(self.file, "{ino}")?;
        self.file.sync_data()
    }

    /// Deletes the owner file (its folder is gone or kept).
    pub fn remove(self) -> io::Result<()> {
        fs::remove_file(&self.path)
    }
}

/// An owner file read back: the owner and the inodes it created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Who made the folder.
    pub owner: Owner,
    /// Inodes of the files it created.
    pub created: Vec<u64>,
}

/// Reads an owner file; `None` if it is not one (a torn last line is skipped).
pub fn read(path: &Path) -> Option<Record> {
    let text = io::BufReader::new(File::open(path).ok()?);
    let mut lines = text.lines();
    let owner = serde_json::from_str(&lines.next()?.ok()?).ok()?;
    let created = lines.map_while(|l| l.ok()?.parse().ok()).collect();
    Some(Record { owner, created })
}

/// Deletes from `dir` each file this build checked (unchanged since) or created,
/// then the folder if it is empty; returns the names of what is left.
pub fn sweep(dir: &Path, checked: &[Seen], created: &[u64]) -> io::Result<Vec<String>> {
    let mut left = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        let ours = meta.is_file()
            && (created.contains(&meta.ino()) || checked.iter().any(|s| s.matches(&meta)));
        if ours {
            fs::remove_file(entry.path())?;
        } else {
            left.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    left.sort();
    if left.is_empty() {
        match fs::remove_dir(dir) {
            // Something appeared while sweeping: keep it.
            Err(e) if e.kind() == io::ErrorKind::DirectoryNotEmpty => left.push("?".into()),
            other => other?,
        }
    }
    Ok(left)
}

/// Moves a folder that holds something unexpected to a visible place in
/// `beside`: `<out_name>.wspack-kept-<n>`; returns where.
pub fn keep(dir: &Path, beside: &Path, out_name: &str) -> io::Result<PathBuf> {
    for n in 1..10_000 {
        let kept = beside.join(format!("{out_name}.wspack-kept-{n}"));
        match super::os::rename_new(dir, &kept) {
            Ok(()) => return Ok(kept),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::AlreadyExists | io::ErrorKind::DirectoryNotEmpty
                ) => {}
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other("10,000 kept folders already exist"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_running_and_a_dead_one_is_gone() {
        let me = Owner::this_process(Vec::new());
        assert!(me.start > 0, "{me:?}");
        assert_eq!(me.liveness(), Liveness::Running);
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        let dead = Owner { pid, ..me.clone() };
        assert_eq!(dead.liveness(), Liveness::Gone);
        let rebooted = Owner {
            boot_id: "other".into(),
            ..me.clone()
        };
        assert_eq!(rebooted.liveness(), Liveness::Gone);
        let elsewhere = Owner {
            host: "other".into(),
            ..me
        };
        assert!(matches!(elsewhere.liveness(), Liveness::Unknown(_)));
    }

    #[test]
    fn sweep_deletes_only_what_was_checked_or_created() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("old");
        fs::create_dir(&d).unwrap();
        for name in ["a.msi", "b.medv", "c.json"] {
            fs::write(d.join(name), name).unwrap();
        }
        let meta = |n: &str| fs::metadata(d.join(n)).unwrap();
        let checked = vec![Seen::new("a.msi".into(), &meta("a.msi"))];
        let created = vec![meta("b.medv").ino()];
        assert_eq!(sweep(&d, &checked, &created).unwrap(), ["c.json"]);
        fs::remove_file(d.join("c.json")).unwrap();
        assert!(sweep(&d, &checked, &created).unwrap().is_empty());
        assert!(!d.exists());
    }

    #[test]
    fn an_owner_file_reads_back_without_its_torn_last_line() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join(".out.wspack-tmp-x");
        let owner = Owner::this_process(Vec::new());
        let mut file = OwnerFile::create(&d, &owner).unwrap();
        file.record_created(7).unwrap();
        file.record_created(9).unwrap();
        let mut raw = OpenOptions::new()
            .append(true)
            .open(owner_path(&d))
            .unwrap();
        write!(raw, "12x").unwrap();
        let record = read(&owner_path(&d)).unwrap();
        assert_eq!(record.owner, owner);
        assert_eq!(record.created, [7, 9]);
    }
}
