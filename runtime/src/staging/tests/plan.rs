//! Where the disk comes from: kept, updated by a delta, or refused before anything
//! is written; and a disk kept through an upgrade, whose old version's removal
//! deletes `<vhd>` in between.

use super::chunked::chunked;
use super::*;
use crate::parallel::tests::make_delta;
use crate::staging::plan::check;
use std::os::unix::fs::MetadataExt;
use wspack_contract::plan as names;

const CHUNK: usize = 64 * 1024;

/// The package's own disk in place, its chunked sidecar beside the package (unless
/// `sidecar` is false), and a host holding the chunk table. Returns the data.
fn in_place(t: &Tmp, data: &[u8], sidecar: bool, extra: &str) -> (String, Rec) {
    let cad = setup(t, data, false) + extra;
    let (medv, table) = chunked(data, CHUNK);
    fs::write(t.path("out/ws.medv"), medv).unwrap();
    if !sidecar {
        fs::remove_file(t.path("out/ws.medv")).unwrap();
    }
    fs::create_dir_all(t.path("ProgramData/Medv/Workspace")).unwrap();
    fs::write(t.path(VHD), data).unwrap();
    let host = Rec {
        table: Some(table.encode()),
        ..Rec::default()
    };
    (cad, host)
}

fn inode(t: &Tmp) -> u64 {
    fs::metadata(t.path(VHD)).unwrap().ino()
}

#[test]
fn the_package_s_own_disk_is_kept_without_the_sidecar() {
    let t = Tmp::new();
    let data = disk(5 * CHUNK + 7, 41);
    let (cad, mut h) = in_place(&t, &data, false, "");
    let before = inode(&t);
    assert_eq!(check(&cad, false, &mut h), Ok(names::KEEP), "{}", h.all());
    assert_eq!(stage(&cad, &mut h), 0, "{}", h.all());
    assert!(h.all().contains("StageVhd: kept"), "{}", h.all());
    assert_eq!(inode(&t), before);
    assert_eq!(fs::read(t.path(VHD)).unwrap(), data);
    // Nothing journaled: a rollback leaves the disk too.
    assert_eq!(rollback(&cad, &mut h), 0);
    assert_eq!(leftovers(&t), vec!["ws.vhd"]);
}

#[test]
fn a_missing_sidecar_is_refused_before_anything_is_written() {
    let t = Tmp::new();
    let data = disk(3 * CHUNK, 43);
    let cad = setup(&t, &data, false);
    fs::remove_file(t.path("out/ws.medv")).unwrap();
    let mut h = Rec::default();
    assert_eq!(check(&cad, true, &mut h), Ok(names::MISSING));
    assert_eq!(check(&cad, false, &mut h), Err(ERROR_INSTALL_FAILURE));
    assert!(h.errors[0].contains("ws.medv"), "{}", h.all());
    assert_eq!(
        h.shown,
        [Shown::SidecarMissing {
            sidecar: "ws.medv".into(),
            package: "ws.msi".into(),
            folder: t.path("out"),
        }]
    );
    assert!(!t.0.join("ProgramData").exists());
    // Another disk in place, no upgrade: refused too, and kept.
    fs::create_dir_all(t.path("ProgramData/Medv/Workspace")).unwrap();
    fs::write(t.path(VHD), b"another disk").unwrap();
    let mut h = Rec::default();
    assert_eq!(check(&cad, false, &mut h), Err(ERROR_INSTALL_FAILURE));
    assert!(h.errors[0].contains("already exists"), "{}", h.all());
    assert_eq!(
        h.shown,
        [Shown::DiskExists {
            disk: "ws.vhd".into(),
            folder: t.path("ProgramData/Medv/Workspace"),
        }]
    );
    assert_eq!(fs::read(t.path(VHD)).unwrap(), b"another disk");
}

#[test]
fn an_update_without_its_base_asks_for_the_full_disk() {
    let t = Tmp::new();
    let base = disk(6 * CHUNK + 11, 59);
    let new = disk(6 * CHUNK + 11, 61);
    let (delta, table) = make_delta(&base, &new, CHUNK);
    let extra = format!("|upgrade={{OLD}}|delta={}", t.path("out/ws.delta.medv"));
    let (cad, mut h) = in_place(&t, &new, false, &extra);
    // Another version's disk in place (not the delta's base size), no full sidecar.
    fs::write(t.path(VHD), b"another version").unwrap();
    fs::write(t.path("out/ws.delta.medv"), &delta).unwrap();
    h.delta = Some(table.encode());
    assert_eq!(check(&cad, false, &mut h), Err(ERROR_INSTALL_FAILURE));
    assert!(h.errors[0].contains("can't be used either"), "{}", h.all());
    assert_eq!(
        h.shown,
        [Shown::DeltaBaseMissing {
            package: "ws.msi".into(),
            folder: t.path("ProgramData/Medv/Workspace"),
            full_sidecar: "ws.medv".into(),
            package_file: "ws.msi".into(),
        }]
    );
    assert_eq!(fs::read(t.path(VHD)).unwrap(), b"another version");
}

#[test]
fn an_upgrade_keeps_the_disk_through_the_old_version_s_removal() {
    let t = Tmp::new();
    let data = disk(4 * CHUNK + 3, 47);
    let (cad, mut h) = in_place(&t, &data, false, "|upgrade={OLD}");
    let before = inode(&t);
    assert_eq!(check(&cad, false, &mut h), Ok(names::KEEP), "{}", h.all());
    assert_eq!(leftovers(&t), vec!["ws.vhd", "ws.vhd.wspack-keep"]);
    // The old version's removal deletes <vhd>; the second name holds the disk.
    fs::remove_file(t.path(VHD)).unwrap();
    let cad = cad + "|plan=keep";
    assert_eq!(stage(&cad, &mut h), 0, "{}", h.all());
    assert_eq!(inode(&t), before, "the same file");
    assert_eq!(commit(&cad, &mut h), 0);
    assert_eq!(leftovers(&t), vec!["ws.vhd"]);

    // Without the removal (or with a rollback after it) the second name is dropped.
    let mut h = in_place(&t, &data, false, "").1;
    assert_eq!(check(&(cad.clone() + ""), false, &mut h), Ok(names::KEEP));
    assert_eq!(stage(&cad, &mut h), 0, "{}", h.all());
    assert_eq!(leftovers(&t), vec!["ws.vhd"]);
}

#[test]
fn an_upgrade_builds_the_new_disk_from_the_disk_in_place_and_the_delta() {
    let t = Tmp::new();
    let base = disk(6 * CHUNK + 11, 53);
    let mut new = base.clone();
    new[2 * CHUNK + 5] ^= 0x40;
    let (delta, table) = make_delta(&base, &new, CHUNK);
    // (A full path: the test runs on Linux, the package joins with `\`.)
    let extra = format!("|upgrade={{OLD}}|delta={}", t.path("out/ws.delta.medv"));
    let (cad, mut h) = in_place(&t, &new, false, &extra);
    fs::write(t.path(VHD), &base).unwrap();
    fs::write(t.path("out/ws.delta.medv"), &delta).unwrap();
    h.delta = Some(table.encode());
    assert_eq!(check(&cad, false, &mut h), Ok(names::DELTA), "{}", h.all());
    fs::remove_file(t.path(VHD)).unwrap();
    let cad = cad + "|plan=delta";

    // A damaged delta: the disk in place is back where it was after the rollback.
    let mut damaged = delta.clone();
    let mid = damaged.len() / 2;
    damaged[mid] ^= 1;
    fs::write(t.path("out/ws.delta.medv"), &damaged).unwrap();
    assert_eq!(stage(&cad, &mut h), ERROR_INSTALL_FAILURE, "{}", h.all());
    let delta_damaged = Shown::Damaged {
        sidecar: "ws.delta.medv".into(),
        folder: t.path("out"),
    };
    assert_eq!(h.shown, [delta_damaged]);
    assert_eq!(rollback(&cad, &mut h), 0, "{}", h.all());
    assert_eq!(fs::read(t.path(VHD)).unwrap(), base);
    assert_eq!(leftovers(&t), vec!["ws.vhd"]);

    // The good delta: the new disk, from the MSI's table and the delta alone.
    fs::write(t.path("out/ws.delta.medv"), &delta).unwrap();
    assert_eq!(check(&cad, false, &mut h), Ok(names::DELTA), "{}", h.all());
    fs::remove_file(t.path(VHD)).unwrap();
    assert_eq!(stage(&cad, &mut h), 0, "{}", h.all());
    assert_eq!(commit(&cad, &mut h), 0);
    assert_eq!(fs::read(t.path(VHD)).unwrap(), new);
    assert_eq!(leftovers(&t), vec!["ws.vhd"]);
}

#[test]
fn a_delta_applied_in_place_is_written_back_by_its_undo_file() {
    use crate::staging::undo;
    let t = Tmp::new();
    let base = disk(8 * CHUNK, 59);
    let mut new = base.clone();
    for i in [1, 4, 7] {
        new[i * CHUNK + 9] ^= 0x11;
    }
    let (delta, table) = make_delta(&base, &new, CHUNK);
    let (vhd, undo_file, delta_file) = (t.0.join("ws.vhd"), t.0.join("ws.undo"), t.0.join("d"));
    fs::write(&vhd, &base).unwrap();
    fs::write(&delta_file, &delta).unwrap();
    assert_eq!(
        undo::patch(&vhd, &undo_file, &delta_file, &table).unwrap(),
        3
    );
    assert_eq!(fs::read(&vhd).unwrap(), new);
    assert_eq!(undo::restore(&vhd, &undo_file).unwrap(), 3);
    assert_eq!(fs::read(&vhd).unwrap(), base);

    // A crash while the last record was written: that chunk was not overwritten
    // yet, and the cut record is ignored.
    undo::patch(&vhd, &undo_file, &delta_file, &table).unwrap();
    let saved = fs::read(&undo_file).unwrap();
    fs::write(&undo_file, &saved[..saved.len() - 100]).unwrap();
    let mut two_chunks = new.clone();
    two_chunks[7 * CHUNK..8 * CHUNK].copy_from_slice(&base[7 * CHUNK..8 * CHUNK]);
    fs::write(&vhd, &two_chunks).unwrap();
    assert_eq!(undo::restore(&vhd, &undo_file).unwrap(), 2);
    assert_eq!(fs::read(&vhd).unwrap(), base);
    // No undo file: nothing was overwritten.
    fs::remove_file(&undo_file).unwrap();
    assert_eq!(undo::restore(&vhd, &undo_file).unwrap(), 0);
    // A record that does not fit the disk is refused, not applied.
    let mut forged = (base.len() as u64).to_le_bytes().to_vec();
    forged.extend_from_slice(&8u64.to_le_bytes());
    forged.extend_from_slice(&[0; 8]);
    fs::write(&undo_file, forged).unwrap();
    assert!(undo::restore(&vhd, &undo_file).is_err());
    assert_eq!(fs::read(&vhd).unwrap(), base);
}
