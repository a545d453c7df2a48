use super::finish::is_ancestor_of;
use super::*;
use crate::gzip::{gzip_bytes, GzReader};
use crate::parallel::tests::disk;
use crate::shown::Shown;
use sha2::{Digest, Sha256};
use std::fs;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;
use wspack_contract::stage::to_hex;

#[derive(Default)]
struct Rec {
    logs: Vec<String>,
    errors: Vec<String>,
    /// What a person was shown, one per error.
    shown: Vec<Shown>,
    ticks: u64,
    statuses: usize,
    /// Cancel once this many ticks were reported.
    cancel_after: Option<u64>,
    /// What `binary` returns for the package's Binary row WspackChunks.
    table: Option<Vec<u8>>,
    /// The package asked for the chunk table.
    table_asked: Option<String>,
    /// What `binary` returns for the package's Binary row WspackDelta.
    delta: Option<Vec<u8>>,
    /// Cancel at the first status line that holds this text.
    cancel_status: Option<&'static str>,
}

impl Host for Rec {
    fn log(&mut self, m: &str) {
        self.logs.push(m.to_string());
    }
    fn fail(&mut self, shown: &Shown, m: &str) {
        self.shown.push(shown.clone());
        self.errors.push(m.to_string());
    }
    fn tick(&mut self, t: u64) -> bool {
        self.ticks += t;
        match self.cancel_after {
            Some(c) => self.ticks < c,
            None => true,
        }
    }
    fn status(&mut self, t: &str) -> bool {
        self.statuses += 1;
        self.logs.push(format!("status: {}", t));
        self.cancel_status.map_or(true, |c| !t.contains(c))
    }
    fn binary(&mut self, msi: &str, name: &str) -> Result<Option<Vec<u8>>, String> {
        match name {
            "WspackChunks" => {
                self.table_asked = Some(msi.to_string());
                Ok(self.table.clone())
            }
            "WspackDelta" => Ok(self.delta.clone()),
            _ => Ok(None),
        }
    }
}

impl Rec {
    fn all(&self) -> String {
        let mut v = self.logs.clone();
        v.extend(self.errors.iter().cloned());
        v.join("\n")
    }
}

struct Tmp(PathBuf);

impl Tmp {
    fn new() -> Tmp {
        static N: AtomicUsize = AtomicUsize::new(0);
        let p = std::env::temp_dir().join(format!(
            "wspack-runtime-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = fs::remove_dir_all(&p);
        fs::create_dir_all(&p).unwrap();
        Tmp(p)
    }
    fn path(&self, rel: &str) -> String {
        self.0.join(rel).display().to_string()
    }
}

impl Drop for Tmp {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Writes the sidecar for `data` and returns StageVhd's CustomActionData.
fn setup(t: &Tmp, data: &[u8], overwrite: bool) -> String {
    fs::write(t.path("out/ws.medv"), gzip_bytes(data)).unwrap_or_else(|_| {
        fs::create_dir_all(t.path("out")).unwrap();
        fs::write(t.path("out/ws.medv"), gzip_bytes(data)).unwrap();
    });
    format!(
        "msi={}|medv={}|vhd={}|sha256={}|size={}|overwrite={}",
        t.path("out/ws.msi"),
        t.path("out/ws.medv"),
        t.path("ProgramData/Medv/Workspace/ws.vhd"),
        to_hex(&Sha256::digest(data)),
        data.len(),
        if overwrite { "1" } else { "" }
    )
}

fn leftovers(t: &Tmp) -> Vec<String> {
    let dir = t.0.join("ProgramData/Medv/Workspace");
    let mut v: Vec<String> = match fs::read_dir(&dir) {
        Ok(rd) => rd
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => return vec!["<no folder>".into()],
    };
    v.sort();
    v
}

#[test]
fn stages_a_new_disk_then_commits() {
    let t = Tmp::new();
    let data = disk(3 << 20, 7);
    let cad = setup(&t, &data, false);
    let mut h = Rec::default();
    assert_eq!(stage(&cad, &mut h), 0, "{}", h.all());
    assert_eq!(
        fs::read(t.path("ProgramData/Medv/Workspace/ws.vhd")).unwrap(),
        data
    );
    assert_eq!(h.ticks, ticks_for(data.len() as u64));
    assert!(h.statuses >= 1);
    assert!(h.all().contains("verified"), "{}", h.all());
    assert_eq!(leftovers(&t), vec!["ws.vhd", "ws.vhd.wspack-journal"]);
    assert_eq!(commit(&cad, &mut h), 0, "{}", h.all());
    assert_eq!(leftovers(&t), vec!["ws.vhd"]);
    assert!(h.errors.is_empty(), "{}", h.all());
}

#[test]
fn rollback_removes_a_created_disk_and_the_folders_it_made() {
    let t = Tmp::new();
    let data = disk(100_000, 3);
    let cad = setup(&t, &data, false);
    let mut h = Rec::default();
    assert_eq!(stage(&cad, &mut h), 0, "{}", h.all());
    assert_eq!(rollback(&cad, &mut h), 0, "{}", h.all());
    assert!(!t.0.join("ProgramData").exists(), "{}", h.all());
    // A second rollback (no journal) changes nothing.
    assert_eq!(rollback(&cad, &mut h), 0);
}

#[test]
fn an_existing_disk_needs_overwritevhd() {
    let t = Tmp::new();
    let data = disk(50_000, 5);
    let cad = setup(&t, &data, false);
    fs::create_dir_all(t.path("ProgramData/Medv/Workspace")).unwrap();
    fs::write(t.path("ProgramData/Medv/Workspace/ws.vhd"), b"old disk").unwrap();
    let mut h = Rec::default();
    assert_eq!(stage(&cad, &mut h), 1603);
    assert!(
        h.errors[0].contains("ws.vhd already exists; pass OVERWRITEVHD=1 to replace it"),
        "{}",
        h.all()
    );
    assert_eq!(
        h.shown,
        [Shown::DiskExists {
            disk: "ws.vhd".into(),
            folder: t.path("ProgramData/Medv/Workspace")
        }]
    );
    assert_eq!(rollback(&cad, &mut h), 0);
    assert_eq!(
        fs::read(t.path("ProgramData/Medv/Workspace/ws.vhd")).unwrap(),
        b"old disk"
    );
    assert_eq!(leftovers(&t), vec!["ws.vhd"]);
}

#[test]
fn overwrite_keeps_the_old_disk_until_commit_and_restores_it_on_rollback() {
    for commit_it in [true, false] {
        let t = Tmp::new();
        let data = disk(200_000, 9);
        let cad = setup(&t, &data, true);
        fs::create_dir_all(t.path("ProgramData/Medv/Workspace")).unwrap();
        fs::write(t.path("ProgramData/Medv/Workspace/ws.vhd"), b"old disk").unwrap();
        let mut h = Rec::default();
        assert_eq!(stage(&cad, &mut h), 0, "{}", h.all());
        assert_eq!(
            fs::read(t.path("ProgramData/Medv/Workspace/ws.vhd")).unwrap(),
            data
        );
        assert_eq!(
            fs::read(t.path("ProgramData/Medv/Workspace/ws.vhd.wspack-old")).unwrap(),
            b"old disk"
        );
        if commit_it {
            assert_eq!(commit(&cad, &mut h), 0, "{}", h.all());
            assert_eq!(
                fs::read(t.path("ProgramData/Medv/Workspace/ws.vhd")).unwrap(),
                data
            );
        } else {
            assert_eq!(rollback(&cad, &mut h), 0, "{}", h.all());
            assert_eq!(
                fs::read(t.path("ProgramData/Medv/Workspace/ws.vhd")).unwrap(),
                b"old disk"
            );
        }
        assert_eq!(leftovers(&t), vec!["ws.vhd"], "{}", h.all());
    }
}

#[test]
fn a_wrong_hash_or_size_fails_and_leaves_nothing() {
    let t = Tmp::new();
    let data = disk(300_000, 11);
    let good = setup(&t, &data, false);
    let other_sha = to_hex(&Sha256::digest(b"x"));
    let sha_field = good
        .split('|')
        .find(|f| f.starts_with("sha256="))
        .unwrap()
        .to_string();
    let bad_hash = good.replace(&sha_field, &format!("sha256={}", other_sha));
    let mut h = Rec::default();
    assert_eq!(stage(&bad_hash, &mut h), 1603);
    assert!(
        h.errors[0].contains("does not match this package: SHA-256 mismatch"),
        "{}",
        h.all()
    );
    let damaged = Shown::Damaged {
        sidecar: "ws.medv".into(),
        folder: t.path("out"),
    };
    assert_eq!(h.shown, [damaged]);
    assert_eq!(leftovers(&t), vec!["ws.vhd.wspack-journal"]);
    assert_eq!(rollback(&bad_hash, &mut h), 0);
    assert!(!t.0.join("ProgramData").exists());

    // Promised smaller than it is: stops one byte over.
    let small = good.replace(&format!("size={}", data.len()), "size=1000");
    let mut h = Rec::default();
    assert_eq!(stage(&small, &mut h), 1603);
    assert!(
        h.errors[0]
            .contains("size mismatch: the disk should be 1000 bytes, the sidecar gave 1001 bytes"),
        "{}",
        h.all()
    );
    assert_eq!(rollback(&small, &mut h), 0);
    assert!(!t.0.join("ProgramData").exists());
}

#[test]
fn a_damaged_or_missing_sidecar_fails_with_the_path() {
    let t = Tmp::new();
    let data = disk(300_000, 13);
    let cad = setup(&t, &data, false);
    let medv = t.path("out/ws.medv");
    let mut gz = fs::read(&medv).unwrap();
    let mid = gz.len() / 2;
    gz[mid] ^= 0x10;
    fs::write(&medv, &gz).unwrap();
    let mut h = Rec::default();
    assert_eq!(stage(&cad, &mut h), 1603);
    assert!(
        h.errors[0].contains("is damaged or truncated"),
        "{}",
        h.all()
    );
    assert!(h.errors[0].contains(&medv), "{}", h.all());
    assert_eq!(
        h.shown,
        [Shown::Damaged {
            sidecar: "ws.medv".into(),
            folder: t.path("out"),
        }]
    );
    assert_eq!(rollback(&cad, &mut h), 0);

    fs::remove_file(&medv).unwrap();
    let mut h = Rec::default();
    assert_eq!(stage(&cad, &mut h), 1603);
    assert!(
        h.errors[0].contains(&format!("can't open the workspace disk sidecar {}", medv)),
        "{}",
        h.all()
    );
    assert!(
        h.errors[0].contains("same folder as the package"),
        "{}",
        h.all()
    );
    assert!(h.errors[0].ends_with(SIDECAR_ACCESS_HINT), "{}", h.all());
    assert_eq!(
        h.shown,
        [Shown::SidecarMissing {
            sidecar: "ws.medv".into(),
            package: "ws.msi".into(),
            folder: t.path("out"),
        }]
    );
    assert!(
        h.errors[0].contains("copy the package folder to a local disk"),
        "{}",
        h.all()
    );
    assert!(!t.0.join("ProgramData").exists());
}

#[test]
fn cancel_stops_and_cleans_up() {
    let t = Tmp::new();
    let data = disk(8 << 20, 17);
    let cad = setup(&t, &data, true);
    fs::create_dir_all(t.path("ProgramData/Medv/Workspace")).unwrap();
    fs::write(t.path("ProgramData/Medv/Workspace/ws.vhd"), b"old disk").unwrap();
    let mut h = Rec {
        cancel_after: Some(2048),
        ..Rec::default()
    };
    assert_eq!(stage(&cad, &mut h), 1602);
    assert!(h.all().contains("cancelled by the user"), "{}", h.all());
    assert_eq!(
        leftovers(&t),
        vec!["ws.vhd.wspack-journal", "ws.vhd.wspack-old"]
    );
    assert_eq!(rollback(&cad, &mut h), 0, "{}", h.all());
    assert_eq!(
        fs::read(t.path("ProgramData/Medv/Workspace/ws.vhd")).unwrap(),
        b"old disk"
    );
    assert_eq!(leftovers(&t), vec!["ws.vhd"]);
}

const VHD: &str = "ProgramData/Medv/Workspace/ws.vhd";

#[test]
fn a_leftover_journal_never_costs_the_disk() {
    // Rollback disabled (DISABLEROLLBACK=1): the install succeeded but its commit
    // did not run, so its journal says "placed" about a good disk.
    let t = Tmp::new();
    let data = disk(100_000, 19);
    let cad = setup(&t, &data, false);
    let mut h = Rec::default();
    assert_eq!(stage(&cad, &mut h), 0);
    fs::write(
        t.path("ProgramData/Medv/Workspace/ws.vhd.wspack-tmp"),
        b"half",
    )
    .unwrap();
    assert_eq!(
        leftovers(&t),
        vec!["ws.vhd", "ws.vhd.wspack-journal", "ws.vhd.wspack-tmp"]
    );

    // The same package again, without OVERWRITEVHD: refused, and the disk stays,
    // also through this install's rollback.
    let mut h = Rec::default();
    assert_eq!(stage(&cad, &mut h), 1603);
    assert!(
        h.all().contains(
            "left from an earlier install whose commit did not run (its steps: created, placed)"
        ),
        "{}",
        h.all()
    );
    assert!(
        h.logs
            .iter()
            .any(|l| l.ends_with("ws.vhd.wspack-tmp") && l.starts_with("StageVhd: deleted ")),
        "{}",
        h.all()
    );
    assert!(
        h.logs
            .iter()
            .any(|l| l.ends_with("ws.vhd.wspack-journal") && l.starts_with("StageVhd: deleted ")),
        "{}",
        h.all()
    );
    assert!(
        h.errors[0].contains("already exists; pass OVERWRITEVHD=1"),
        "{}",
        h.all()
    );
    assert_eq!(rollback(&cad, &mut h), 0);
    assert_eq!(fs::read(t.path(VHD)).unwrap(), data);
    assert_eq!(leftovers(&t), vec!["ws.vhd"]);

    // With OVERWRITEVHD=1 it replaces the disk the normal way.
    let other = disk(100_000, 23);
    let over = setup(&t, &other, true);
    fs::write(
        t.path("ProgramData/Medv/Workspace/ws.vhd.wspack-journal"),
        "wspack-journal 1\ncreated\nplaced\n",
    )
    .unwrap();
    let mut h = Rec::default();
    assert_eq!(stage(&over, &mut h), 0, "{}", h.all());
    assert_eq!(fs::read(t.path(VHD)).unwrap(), other);
    assert_eq!(commit(&over, &mut h), 0);
    assert_eq!(leftovers(&t), vec!["ws.vhd"]);
}

#[test]
fn a_leftover_moved_old_journal_with_both_disks_fails_and_keeps_both() {
    // OVERWRITEVHD=1 install whose commit did not run: new disk in place, the old
    // one still set aside.
    let t = Tmp::new();
    let data = disk(60_000, 29);
    let over = setup(&t, &data, true);
    fs::create_dir_all(t.path("ProgramData/Medv/Workspace")).unwrap();
    fs::write(t.path(VHD), b"old disk").unwrap();
    let mut h = Rec::default();
    assert_eq!(stage(&over, &mut h), 0, "{}", h.all());
    assert_eq!(
        leftovers(&t),
        vec!["ws.vhd", "ws.vhd.wspack-journal", "ws.vhd.wspack-old"]
    );

    let mut h = Rec::default();
    assert_eq!(stage(&over, &mut h), 1603);
    let vhd = t.path(VHD);
    let old = format!("{}.wspack-old", vhd);
    let e = &h.errors[0];
    assert!(
        e.contains(&format!("both {} and {} exist", vhd, old)),
        "{}",
        h.all()
    );
    assert!(
        e.contains(&format!(
            "keep the disk you want as {}, delete the other",
            vhd
        )),
        "{}",
        h.all()
    );
    // This install's rollback must not act on the earlier journal (it would delete
    // the new disk and put the old one back).
    assert_eq!(rollback(&over, &mut h), 0);
    assert_eq!(fs::read(&vhd).unwrap(), data);
    assert_eq!(fs::read(&old).unwrap(), b"old disk");
    assert_eq!(leftovers(&t), vec!["ws.vhd", "ws.vhd.wspack-old"]);

    // A disk set aside with no disk in place: move it back or delete it.
    fs::remove_file(&vhd).unwrap();
    let mut h = Rec::default();
    assert_eq!(stage(&over, &mut h), 1603);
    assert!(
        h.errors[0].contains(&format!(
            "{} holds a disk that an earlier install set aside and did not delete",
            old
        )),
        "{}",
        h.all()
    );
    assert_eq!(
        h.shown,
        [Shown::DiskSetAside {
            set_aside: "ws.vhd.wspack-old".into(),
            disk: "ws.vhd".into(),
            folder: t.path("ProgramData/Medv/Workspace"),
        }]
    );
    assert!(
        h.errors[0].contains(&format!("move it back to {} or delete it", vhd)),
        "{}",
        h.all()
    );
    assert_eq!(fs::read(&old).unwrap(), b"old disk");
}

#[test]
fn rollback_removes_only_folders_above_the_disk() {
    let t = Tmp::new();
    let data = disk(10_000, 31);
    let cad = setup(&t, &data, false);
    fs::create_dir_all(t.path("ProgramData/Medv/Workspace")).unwrap();
    fs::create_dir_all(t.path("elsewhere/empty")).unwrap();
    fs::create_dir_all(t.path("ProgramData/Medv/Workspace/sub")).unwrap();
    fs::write(
        t.path("ProgramData/Medv/Workspace/ws.vhd.wspack-journal"),
        format!(
            "wspack-journal 1\nmkdir {}\nmkdir {}\nmkdir {}\ncreated\n",
            t.path("elsewhere/empty"),
            t.path("ProgramData/Medv/Workspace/sub"),
            t.path("ProgramData/Medv/Workspace")
        ),
    )
    .unwrap();
    let mut h = Rec::default();
    assert_eq!(rollback(&cad, &mut h), 0, "{}", h.all());
    assert!(t.0.join("elsewhere/empty").is_dir(), "{}", h.all());
    assert!(
        t.0.join("ProgramData/Medv/Workspace/sub").is_dir(),
        "{}",
        h.all()
    );
    assert!(h.all().contains("ignored \"mkdir"), "{}", h.all());
    // The disk's own folder is an ancestor, but not empty: kept.
    assert!(t.0.join("ProgramData/Medv/Workspace").is_dir());
    assert!(is_ancestor_of(
        &t.0.join("ProgramData"),
        Path::new(&t.path(VHD))
    ));
    assert!(!is_ancestor_of(
        Path::new(&t.path(VHD)),
        Path::new(&t.path(VHD))
    ));
    assert!(!is_ancestor_of(Path::new(""), Path::new(&t.path(VHD))));
}

#[test]
fn commit_never_fails() {
    let mut h = Rec::default();
    assert_eq!(commit("", &mut h), 0);
    assert_eq!(commit("garbage", &mut h), 0);
    assert!(h.errors.is_empty(), "{}", h.all());
    assert!(
        h.logs[0].starts_with("StageVhdCommit: CustomActionData has no \"vhd=\""),
        "{}",
        h.all()
    );

    // The replaced disk can't be deleted (here: it is a non-empty folder).
    let t = Tmp::new();
    let data = disk(10_000, 37);
    let cad = setup(&t, &data, true);
    fs::create_dir_all(t.path("ProgramData/Medv/Workspace/ws.vhd.wspack-old/x")).unwrap();
    fs::write(
        t.path("ProgramData/Medv/Workspace/ws.vhd.wspack-journal"),
        "wspack-journal 1\nreplaced\nmoved-old\nplaced\n",
    )
    .unwrap();
    let mut h = Rec::default();
    assert_eq!(commit(&cad, &mut h), 0);
    assert!(h.errors.is_empty(), "{}", h.all());
    assert!(
        h.all().contains("can't delete the replaced disk"),
        "{}",
        h.all()
    );
    // An unreadable journal (a folder) is only logged too.
    fs::remove_file(t.path("ProgramData/Medv/Workspace/ws.vhd.wspack-journal")).ok();
    fs::create_dir_all(t.path("ProgramData/Medv/Workspace/ws.vhd.wspack-journal")).unwrap();
    let mut h = Rec::default();
    assert_eq!(commit(&cad, &mut h), 0);
    assert!(h.errors.is_empty(), "{}", h.all());
    assert!(h.all().contains("can't read the journal"), "{}", h.all());
}

#[test]
fn bad_custom_action_data_fails_clearly() {
    let mut h = Rec::default();
    assert_eq!(stage("msi=C:\\a.msi|medv=a.medv", &mut h), 1603);
    assert!(
        h.errors[0].starts_with("StageVhd: CustomActionData has no \"vhd=\""),
        "{}",
        h.all()
    );
    assert_eq!(
        h.shown,
        [Shown::PackageDamaged {
            package: "a.msi".into()
        }]
    );
    assert_eq!(rollback("", &mut h), 1603);
}

#[test]
fn ticks_come_from_the_size_field() {
    assert_eq!(ticks_from("msi=x|size=1048576|vhd=y"), Some(1024));
    assert_eq!(ticks_from("size=1"), Some(1));
    assert_eq!(ticks_from("vhd=y"), None);
    assert_eq!(ticks_for(u64::MAX / 2), i32::MAX as u64);
}

/// Manual benchmark of the sequential path (a package without a chunk table):
/// `WSPACK_BENCH_MEDV=x.medv WSPACK_BENCH_OUT=/tmp/x.vhd cargo test --release -- --ignored bench`.
/// With `WSPACK_BENCH_TABLE=<Binary.WspackChunks>` (`msidump -s x.msi` writes it to
/// `_Streams/`) it stages the chunks in parallel instead (`WSPACK_BENCH_THREADS`,
/// default one per core).
#[test]
#[ignore]
fn bench_stage_a_real_sidecar() {
    let medv = std::env::var("WSPACK_BENCH_MEDV").expect("WSPACK_BENCH_MEDV");
    let out = std::env::var("WSPACK_BENCH_OUT").unwrap_or_else(|_| "/dev/null".into());
    let t = Instant::now();
    if let Ok(table) = std::env::var("WSPACK_BENCH_TABLE") {
        let table = wspack_contract::chunks::ChunkTable::decode(&fs::read(table).unwrap()).unwrap();
        let threads = std::env::var("WSPACK_BENCH_THREADS")
            .map(|n| n.parse().unwrap())
            .unwrap_or_else(|_| crate::parallel::threads());
        let sink = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&out)
            .unwrap();
        sink.set_len(table.disk_size()).unwrap();
        crate::parallel::stage_chunks(
            &crate::parallel::Sidecar {
                path: Path::new(&medv),
                window: None,
            },
            &table,
            Path::new(&out),
            threads,
            &mut |_| true,
        )
        .unwrap();
        let s = t.elapsed().as_secs_f64();
        let size = table.disk_size();
        eprintln!(
            "{} bytes in {} chunks on {} threads, {:.2} s, {:.0} MiB/s",
            size,
            table.chunks.len(),
            threads,
            s,
            size as f64 / 1048576.0 / s
        );
        return;
    }
    let src = GzReader::new(File::open(&medv).unwrap());
    let mut sink = File::create(&out).unwrap();
    let got = wspack_contract::stage::copy_hashed(src, &mut sink, &mut |_| true).unwrap();
    let s = t.elapsed().as_secs_f64();
    eprintln!(
        "{} bytes, sha256 {}, {:.2} s, {:.0} MiB/s",
        got.size,
        to_hex(&got.sha256),
        s,
        got.size as f64 / 1048576.0 / s
    );
}

mod chunked;
mod delta;
mod existing;
mod plan;
