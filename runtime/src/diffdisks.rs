//! RemoveDiffDisks: on uninstall with DELETEDIFFDISKS=1, deletes what the host agent
//! made for this workspace: `<profile>\AppData\Local\Microsoft\MEDV\v2\Virtual Machines\<name>.vhd`
//! and `.vsv` in every user profile, and `<name>.vhd` / `.vsv` in the AllUsers folder.

use crate::data::{join, DiffData};
use crate::fsx;
use crate::staging::{Host, ERROR_SUCCESS};
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

/// Deletes the candidates. Always returns success: an uninstall is never failed
/// over diff disks. Bad CustomActionData deletes nothing; a missing file is fine; a
/// file that can't be deleted is logged and left.
pub fn remove(custom_action_data: &str, profiles: &[String], host: &mut dyn Host) -> u32 {
    let d = match DiffData::parse(custom_action_data) {
        Ok(d) => d,
        Err(e) => {
            host.log(&format!(
                "RemoveDiffDisks: {} (CustomActionData was \"{}\"); deleted no differencing disks, the uninstall goes on",
                e, custom_action_data
            ));
            return ERROR_SUCCESS;
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
                host.log(&format!(
                    "RemoveDiffDisks: can't delete {}: {} (left in place)",
                    f, e
                ));
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
        let d = DiffData::parse(
            "name=Legacy (IE8)|allusers=C:\\ProgramData\\Microsoft\\Medv\\AllUsers\\",
        )
        .unwrap();
        let profiles = vec![
            "C:\\Users\\ann".to_string(),
            "c:\\users\\ANN".to_string(),
            "D:\\u\\bob\\".to_string(),
        ];
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

    #[derive(Default)]
    struct Rec(Vec<String>, Vec<String>);
    impl Host for Rec {
        fn log(&mut self, m: &str) {
            self.0.push(m.to_string());
        }
        fn fail(&mut self, _: &crate::shown::Shown, m: &str) {
            self.1.push(m.to_string());
        }
        fn tick(&mut self, _: u64) -> bool {
            true
        }
        fn status(&mut self, _: &str) -> bool {
            true
        }
        fn binary(&mut self, _: &str, _: &str) -> Result<Option<Vec<u8>>, String> {
            Ok(None)
        }
    }

    #[test]
    fn bad_data_or_undeletable_files_never_fail_the_uninstall() {
        let mut h = Rec::default();
        assert_eq!(remove("name=..\\x", &[], &mut h), 0);
        assert_eq!(remove("garbage", &[], &mut h), 0);
        assert!(h.1.is_empty(), "{:?}", h.1);
        assert!(
            h.0[0].starts_with(
                "RemoveDiffDisks: CustomActionData \"name=..\\x\" is not a plain file name"
            ),
            "{:?}",
            h.0
        );
        assert!(
            h.0[0].ends_with("deleted no differencing disks, the uninstall goes on"),
            "{:?}",
            h.0
        );

        // A "file" that can't be deleted (a folder): logged, left, success.
        let dir = std::env::temp_dir().join(format!("wspack-diff-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("ws.vhd")).unwrap();
        std::fs::write(dir.join("ws.vsv"), b"x").unwrap();
        let mut h = Rec::default();
        let data = format!("name=ws|allusers={}/", dir.display());
        assert_eq!(remove(&data, &[], &mut h), 0);
        assert!(
            h.0.iter()
                .any(|l| l.contains("can't delete") && l.ends_with("(left in place)")),
            "{:?}",
            h.0
        );
        assert!(!dir.join("ws.vsv").exists());
        assert!(
            h.0.last()
                .unwrap()
                .contains("1 file(s) deleted, 1 could not be deleted"),
            "{:?}",
            h.0
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
