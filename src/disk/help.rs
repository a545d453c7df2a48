//! How to fix each problem: [`VhdError::help`].

use std::io;
use std::path::{Path, PathBuf};

use super::{VhdError, VhdProblem};

/// Tells the user to copy the disk again, after saying what went wrong.
const RECOPY: &str = "copy or export the disk again from its source and compare the file sizes";

impl VhdError {
    /// Returns how to fix the problem: one or two sentences, with commands
    /// that name this file.
    pub fn help(&self) -> String {
        self.help_for_file()
            .unwrap_or_else(|| help_for_layout(&self.problem))
    }

    /// Returns the help for a file that is not a VHD wspack can read at all.
    fn help_for_file(&self) -> Option<String> {
        let file = shell_quote(&self.path.display().to_string());
        let converted = converted_name(&self.path);
        // PowerShell commands run on Windows, so they name files without the Linux folder.
        let ps = |p: &Path| ps_quote(&p.file_name().unwrap_or(p.as_os_str()).to_string_lossy());
        let name = ps(&self.path);
        let sibling = |suffix: &str| {
            let stem = self.path.file_stem().unwrap_or_default().to_string_lossy();
            ps(Path::new(&format!("{stem}{suffix}")))
        };
        Some(match &self.problem {
            VhdProblem::Unreadable(e) => match e.kind() {
                io::ErrorKind::NotFound => {
                    "check the disk's path: no file exists there (a relative `vhd` path is taken from the policy file's folder)".to_string()
                }
                io::ErrorKind::PermissionDenied => {
                    format!("make the disk readable by the user running wspack, e.g. `chmod a+r {file}`")
                }
                _ => format!("check that the disk is a readable file on a working drive (`ls -l {file}`)"),
            },
            VhdProblem::NotAFile { .. } => {
                "point `vhd` at the disk file itself (a .vhd file), not at a folder, pipe or device".to_string()
            }
            VhdProblem::TooShort { .. } => {
                format!("this cannot be a disk (workspace disks are usually several GB): point at the workspace's .vhd file, or {RECOPY}")
            }
            VhdProblem::NotVhd { .. } => format!(
                "wspack packages VHD disks (Virtual PC / Hyper-V format); convert other images first, \
                 e.g. `qemu-img convert -O vpc -o subformat=fixed {file} {}` (reads raw, qcow2, vmdk, vdi, vhdx). \
                 If this was a fixed VHD, its footer (the last 512 bytes) was cut off: {RECOPY}",
                shell_quote(&converted.display().to_string())
            ),
            VhdProblem::Vhdx => format!(
                "convert it to a VHD: `qemu-img convert -f vhdx -O vpc -o subformat=fixed {file} {}`, \
                 or in Hyper-V PowerShell `Convert-VHD -Path {name} -DestinationPath {} -VHDType Fixed`",
                shell_quote(&converted.display().to_string()),
                ps(&converted)
            ),
            VhdProblem::Differencing { .. } => format!(
                "merge it with its parent into one standalone disk first: in Hyper-V PowerShell \
                 `Convert-VHD -Path {name} -DestinationPath {} -VHDType Fixed` (reads through the parent), \
                 or `Merge-VHD -Path {name}` (writes the changes into the parent). \
                 Do not use qemu-img for this: it ignores a VHD's parent and would copy only the changes",
                sibling("-merged.vhd")
            ),
            VhdProblem::UnknownDiskType { .. } | VhdProblem::UnsupportedVersion { .. } => format!(
                "the footer is damaged or the disk was made by a tool wspack does not know: \
                 convert it to a fixed VHD with the tool that made it (Hyper-V: `Convert-VHD -Path {name} -DestinationPath {} -VHDType Fixed`)",
                sibling("-fixed.vhd")
            ),
            VhdProblem::BadBlockSize { .. } => format!(
                "the sparse header is damaged, or a tool wrote blocks no hypervisor uses: \
                 rewrite the disk with 2 MiB blocks, `qemu-img convert -f vpc -O vpc -o subformat=dynamic {file} {}`",
                shell_quote(&self.path.with_file_name(format!("{}-2mib.vhd", self.path.file_stem().unwrap_or_default().to_string_lossy())).display().to_string())
            ),
            _ => return None,
        })
    }
}

/// Returns the help for a VHD whose footer, headers or table are damaged or cut.
fn help_for_layout(problem: &VhdProblem) -> String {
    match problem {
        VhdProblem::BadFooterChecksum { .. } => {
            format!("the footer is damaged or was edited without updating its checksum: {RECOPY}")
        }
        VhdProblem::BadSparseChecksum { .. } | VhdProblem::BadSparseCookie { .. } => format!(
            "the dynamic disk's sparse header (the 1024 bytes at the offset shown) is damaged or was edited without updating its checksum: {RECOPY}"
        ),
        VhdProblem::FooterCopyMismatch { .. } => format!(
            "a dynamic disk keeps two identical copies of its footer (at byte 0 and at the end); \
             these disagree, so one was damaged or changed by a tool that updated only one: {RECOPY}"
        ),
        VhdProblem::ZeroSize { .. } | VhdProblem::PartialSector { .. } => format!(
            "no hypervisor can use a disk of this size: the footer is damaged or was written by a faulty tool; {RECOPY}"
        ),
        VhdProblem::TooLarge { .. } => {
            "a VHD cannot describe a larger disk: shrink the guest's volume and make a smaller disk, or fix the damaged footer".to_string()
        }
        VhdProblem::BatTooLarge { .. }
        | VhdProblem::TableOverlaps { .. }
        | VhdProblem::BlockOverlaps { .. }
        | VhdProblem::BlocksOverlap { .. } => format!(
            "the block allocation table is damaged (no hypervisor can read the disk as it is): {RECOPY}"
        ),
        VhdProblem::MissingFooter { .. }
        | VhdProblem::TruncatedFixed { .. }
        | VhdProblem::TruncatedBat { .. }
        | VhdProblem::TruncatedBlock { .. } => format!(
            "the file was cut short (an interrupted copy or download, or a full drive): {RECOPY}"
        ),
        // SparseHeaderOutOfFile, BatTooSmall (and the file problems, answered above).
        _ => format!("the disk's headers are damaged or the file was cut short: {RECOPY}"),
    }
}

/// Returns a path for a converted copy: `x.vhdx` → `x.vhd`, but never the file itself.
fn converted_name(path: &Path) -> PathBuf {
    let out = path.with_extension("vhd");
    if out == path {
        let stem = path.file_stem().unwrap_or_default().to_string_lossy();
        path.with_file_name(format!("{stem}-converted.vhd"))
    } else {
        out
    }
}

/// Quotes a file name for PowerShell when it holds anything but plain characters.
fn ps_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-+".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "''"))
    }
}

/// Quotes a path for a POSIX shell when it holds anything but plain characters.
fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-/+=:,@".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}
