//! The delta path: the package's delta table, and the new disk from the staged
//! base disk plus the delta file.

use super::*;
use crate::data::StageData;
use crate::parallel::tests::make_delta;
use crate::parallel::Sidecar;
use crate::shown::{folder_of, name_of};
use crate::staging::delta::{read_table, write_disk};
use stage_vhd::Failure;
use wspack_contract::delta::{DeltaTable, Source};

const CHUNK: usize = 64 * 1024;

/// The base disk set aside at `<vhd>.wspack-old`, the delta file beside the
/// package, and `<vhd>.wspack-tmp` sized for the new disk.
struct Setup {
    t: Tmp,
    d: StageData,
    p: Paths,
    new: Vec<u8>,
    table: DeltaTable,
    delta: PathBuf,
}

fn setup_delta() -> Setup {
    let t = Tmp::new();
    let base = disk(12 * CHUNK + 10, 101);
    let mut new = base.clone();
    new[3 * CHUNK] ^= 1;
    new[10 * CHUNK + 50] ^= 1;
    let cad = setup(&t, &new, true);
    let d = StageData::parse(&cad).unwrap();
    let p = Paths::new(&d.vhd);
    let (file, table) = make_delta(&base, &new, CHUNK);
    fs::create_dir_all(p.vhd.parent().unwrap()).unwrap();
    fs::write(&p.old, &base).unwrap();
    let delta = t.0.join("out/ws.delta.medv");
    fs::write(&delta, &file).unwrap();
    Setup {
        t,
        d,
        p,
        new,
        table,
        delta,
    }
}

impl Setup {
    fn write(&self, h: &mut Rec) -> Result<String, Failure> {
        let file = fs::File::create(&self.p.tmp).unwrap();
        file.set_len(self.d.expected.size).unwrap();
        let sidecar = Sidecar {
            path: &self.delta,
            window: None,
        };
        write_disk(&self.d, &self.p, &self.p.old, sidecar, file, &self.table, h)
    }

    fn error(&self, h: &mut Rec) -> String {
        self.failure(h).1
    }

    fn failure(&self, h: &mut Rec) -> (Shown, String) {
        match self.write(h) {
            Err(Failure::Error(shown, m)) => (*shown, m),
            other => panic!("{:?}", other),
        }
    }
}

#[test]
fn the_table_comes_from_the_package_and_must_fit_it() {
    let s = setup_delta();
    let mut h = Rec::default();
    assert_eq!(read_table(&s.d, &mut h).unwrap(), None);
    assert!(h.all().contains("has no WspackDelta row"), "{}", h.all());
    h.delta = Some(s.table.encode());
    assert_eq!(read_table(&s.d, &mut h).unwrap(), Some(s.table.clone()));
    // The table of another disk size, and bytes that are no table.
    let mut other = s.table.clone();
    other.chunks.pop();
    h.delta = Some(other.encode());
    for (bytes, why) in [
        (other.encode(), "its chunks make".to_string()),
        (
            b"WSPKDLT0".to_vec(),
            "does not start with WSPKDLT1".to_string(),
        ),
    ] {
        h.delta = Some(bytes);
        match read_table(&s.d, &mut h) {
            Err(Failure::Error(_, m)) => {
                assert!(m.contains("(Binary row WspackDelta) does not fit"), "{}", m);
                assert!(m.contains(&why), "{}", m);
            }
            other => panic!("{:?}", other),
        }
    }
}

#[test]
fn the_new_disk_is_made_from_the_staged_disk_and_the_delta() {
    let s = setup_delta();
    let mut h = Rec::default();
    let how = s.write(&mut h).unwrap();
    assert!(fs::read(&s.p.tmp).unwrap() == s.new);
    assert!(how.starts_with("2 of 13 chunks from the delta"), "{}", how);
    assert_eq!(h.ticks, ticks_for(s.new.len() as u64));
}

#[test]
fn a_changed_staged_disk_asks_for_the_full_sidecar() {
    let s = setup_delta();
    let mut base = fs::read(&s.p.old).unwrap();
    base[7 * CHUNK + 1] ^= 1;
    fs::write(&s.p.old, &base).unwrap();
    let e = s.error(&mut Rec::default());
    assert!(
        e.starts_with(&format!(
            "the staged disk {} is not the disk this delta applies to (chunk 7",
            s.p.old.display()
        )),
        "{}",
        e
    );
    assert!(
        e.contains(&format!("with the full sidecar {}", s.d.sidecar)),
        "{}",
        e
    );
    assert!(
        e.ends_with(&format!("(removed {})", s.p.tmp.display())),
        "{}",
        e
    );
    assert!(!s.p.tmp.exists());
    base.push(0);
    fs::write(&s.p.old, &base).unwrap();
    let (shown, e) = s.failure(&mut Rec::default());
    let vhd = s.p.vhd.display().to_string();
    assert_eq!(
        shown,
        Shown::BaseChanged {
            disk: name_of(&vhd).into(),
            folder: folder_of(&vhd).into(),
            package: name_of(&s.d.msi).into(),
            full_sidecar: name_of(&s.d.sidecar).into(),
        }
    );
    assert!(e.contains("but the disk this delta applies to is"), "{}", e);
}

#[test]
fn a_damaged_or_longer_delta_asks_for_a_new_copy() {
    let s = setup_delta();
    let good = fs::read(&s.delta).unwrap();
    let mut bad = good.clone();
    let (offset, len) = match s.table.chunks[10].source {
        Source::Delta { offset, len } => (offset, len),
        Source::Base { .. } => panic!("chunk 10 is not in the delta"),
    };
    bad[(offset + len / 2) as usize] ^= 0x40;
    fs::write(&s.delta, &bad).unwrap();
    let e = s.error(&mut Rec::default());
    let want = format!(
        "chunk 10 (disk bytes from {}) of the delta {} is damaged",
        10 * CHUNK,
        s.delta.display()
    );
    assert!(e.starts_with(&want), "{}", e);
    assert!(e.contains("copy it again from the build output"), "{}", e);
    assert!(!s.p.tmp.exists());
    let mut longer = good;
    longer.extend_from_slice(b"x");
    fs::write(&s.delta, &longer).unwrap();
    let e = s.error(&mut Rec::default());
    assert!(
        e.contains("but this package's delta table ends at"),
        "{}",
        e
    );
    assert!(!s.p.tmp.exists());
    fs::remove_file(&s.delta).unwrap();
    let e = s.error(&mut Rec::default());
    assert!(
        e.starts_with(&format!("can't read the delta {}", s.delta.display())),
        "{}",
        e
    );
}

#[test]
fn cancel_removes_the_temp_file() {
    let s = setup_delta();
    let mut h = Rec {
        cancel_after: Some(1),
        ..Rec::default()
    };
    match s.write(&mut h) {
        Err(Failure::Cancelled(m)) => assert!(m.contains("cancelled by the user after"), "{}", m),
        other => panic!("{:?}", other),
    }
    assert!(!s.p.tmp.exists());
    assert!(s.t.0.exists());
}
