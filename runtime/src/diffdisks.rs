//! RemoveDiffDisks: on uninstall with DELETEDIFFDISKS=1, deletes what the host agent
//! made for this workspace: `<profile>\AppData\Local\Microsoft\MEDV\v2\Virtual Machines\<name>.vhd`
//! and `.vsv` in every user profile, and `<name>.vhd` / `.vsv` in the AllUsers folder.

use crate::data::{join, DiffData};
use crate::fsx;
use crate::staging::{Host, ERROR_INSTALL_FAILURE, ERROR_SUCCESS};
use std::path::Path;

/// The per-user folder under a profile where the agent keeps a workspace's files.
pub const PER_USER: &str = "AppData\\Local\\Microsoft\\MEDV\\v2\\Virtual Machines";

/// Files to delete for workspace `d`, given the user profile folders.
pub fn candidates(d: &DiffData, profiles: &[String]) -> Vec<String> {
    let mut dirs: Vec<String> = profiles.iter().map(|p| join(p, PER_USER)).collect();
    if let Some(a) = &d.allusers {
        dirs.push(a.clone());
    }
    let mut out: Vec<String> = Vec::new();
    for dir in dirs {
        for ext in ["vhd", "vsv"] {
            let f = join(&dir, &format!("{}.{}", d.name, ext));
            if !out.iter().any(|o| o.eq_ignore_ascii_case(&f)) {
                out.push(f);
            }
        }
    }
    out
}

/// Deletes the candidates. A missing file is fine; a file that can't be deleted is
/// logged and skipped (an uninstall is not failed over a leftover diff disk).
pub fn remove(custom_action_data: &str, profiles: &[String], host: &mut dyn Host) -> u32 {
    let d = match DiffData::parse(custom_action_data) {
        Ok(d) => d,
        Err(e) => {
            host.error(&format!(
                "RemoveDiffDisks: {} (CustomActionData was \"{}\")",
                e, custom_action_data
            ));
            return ERROR_INSTALL_FAILURE;
        }
    };
    host.log(&format!(
        "RemoveDiffDisks: deleting \"{}\" differencing disks and saved states in {} user profile(s) ({}){}",
        d.name,
        profiles.len(),
        profiles.join("; "),
        match &d.allusers {
            Some(a) => format!(" and {}", a),
            None => String::new(),
        }
    ));
    let (mut deleted, mut failed) = (0, 0);
    for f in candidates(&d, profiles) {
        match fsx::remove_file(Path::new(&f)) {
            Ok(true) => {
                deleted += 1;
                host.log(&format!("RemoveDiffDisks: deleted {}", f));
            }
            Ok(false) => {}
            Err(e) => {
                failed += 1;
                host.log(&format!("RemoveDiffDisks: can't delete {}: {} (left in place)", f, e));
            }
        }
    }
    host.log(&format!(
        "RemoveDiffDisks: {} file(s) deleted, {} could not be deleted",
        deleted, failed
    ));
    ERROR_SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_each_profile_and_allusers_once() {
        let d = DiffData::parse("name=Legacy (IE8)|allusers=C:\\ProgramData\\Microsoft\\Medv\\AllUsers\\")
            .unwrap();
        let profiles = vec!["C:\\Users\\ann".to_string(), "c:\\users\\ANN".to_string(), "D:\\u\\bob\\".to_string()];
        let c = candidates(&d, &profiles);
        assert_eq!(
            c,
            vec![
                "C:\\Users\\ann\\AppData\\Local\\Microsoft\\MEDV\\v2\\Virtual Machines\\Legacy (IE8).vhd",
                "C:\\Users\\ann\\AppData\\Local\\Microsoft\\MEDV\\v2\\Virtual Machines\\Legacy (IE8).vsv",
                "D:\\u\\bob\\AppData\\Local\\Microsoft\\MEDV\\v2\\Virtual Machines\\Legacy (IE8).vhd",
                "D:\\u\\bob\\AppData\\Local\\Microsoft\\MEDV\\v2\\Virtual Machines\\Legacy (IE8).vsv",
                "C:\\ProgramData\\Microsoft\\Medv\\AllUsers\\Legacy (IE8).vhd",
                "C:\\ProgramData\\Microsoft\\Medv\\AllUsers\\Legacy (IE8).vsv",
            ]
        );
    }
}
