//! Recognising the disk already in place: this package's disk, or not.

use super::*;
use crate::data::StageData;
use crate::parallel::tests::chunk_table;
use crate::staging::existing::is_this_disk;

const CHUNK: usize = 64 * 1024;

/// This package's CustomActionData parsed, with its disk's chunk table, and
/// `bytes` in place at `<vhd>`.
fn in_place(t: &Tmp, data: &[u8], bytes: &[u8]) -> (StageData, Paths) {
    let cad = setup(t, data, true);
    let d = StageData::parse(&cad).unwrap();
    let p = Paths::new(&d.vhd);
    fs::create_dir_all(p.vhd.parent().unwrap()).unwrap();
    fs::write(&p.vhd, bytes).unwrap();
    (d, p)
}

#[test]
fn the_package_s_own_disk_is_recognised_and_left_untouched() {
    let t = Tmp::new();
    let data = disk(7 * CHUNK + 3, 83);
    let (d, p) = in_place(&t, &data, &data);
    let before = fs::metadata(&p.vhd).unwrap().modified().unwrap();
    let mut h = Rec::default();
    let table = chunk_table(&data, CHUNK);
    assert!(is_this_disk(&d, &p, &table, &mut h).unwrap());
    assert!(
        h.all()
            .contains("status: checking the disk already in place: 0 of 0 MiB"),
        "{}",
        h.all()
    );
    assert!(
        h.all()
            .contains("is already this package's disk (all 8 chunks match"),
        "{}",
        h.all()
    );
    assert_eq!(fs::metadata(&p.vhd).unwrap().modified().unwrap(), before);
    assert!(fs::read(&p.vhd).unwrap() == data);
    assert_eq!(h.ticks, 0);
    assert!(h.errors.is_empty());
}

#[test]
fn another_disk_is_not_it_and_says_why() {
    let t = Tmp::new();
    let data = disk(7 * CHUNK + 3, 89);
    let table = chunk_table(&data, CHUNK);
    let mut other = data.clone();
    other[5 * CHUNK + 1] ^= 1;
    let shorter = &data[..data.len() - 1];
    let cases: [(&[u8], String); 2] = [
        (
            &other,
            format!(
                "chunk 5 (disk bytes from {}) differs from this package's chunk table",
                5 * CHUNK
            ),
        ),
        (
            shorter,
            format!(
                "it is {} bytes, this package's disk {}",
                data.len() - 1,
                data.len()
            ),
        ),
    ];
    for (bytes, why) in cases {
        let (d, p) = in_place(&t, &data, bytes);
        let mut h = Rec::default();
        assert!(!is_this_disk(&d, &p, &table, &mut h).unwrap());
        assert!(
            h.all().contains("is not this package's disk: "),
            "{}",
            h.all()
        );
        assert!(h.all().contains(&why), "{}", h.all());
        assert!(h.errors.is_empty());
        assert!(fs::read(&p.vhd).unwrap() == bytes);
    }
    // A folder, and nothing at all.
    let (d, p) = in_place(&t, &data, &data);
    fs::remove_file(&p.vhd).unwrap();
    let mut h = Rec::default();
    assert!(!is_this_disk(&d, &p, &table, &mut h).unwrap());
    fs::create_dir(&p.vhd).unwrap();
    assert!(!is_this_disk(&d, &p, &table, &mut h).unwrap());
    assert!(h.all().contains("it is not a regular file"), "{}", h.all());
}

#[test]
fn cancel_while_checking_is_a_cancel() {
    let t = Tmp::new();
    let data = disk(40 * CHUNK, 97);
    let (d, p) = in_place(&t, &data, &data);
    let mut h = Rec {
        cancel_status: Some("checking the disk already in place: 0 of"),
        ..Rec::default()
    };
    match is_this_disk(&d, &p, &chunk_table(&data, CHUNK), &mut h) {
        Err(stage_vhd::Failure::Cancelled(m)) => {
            assert!(
                m.contains("while checking the disk already in place"),
                "{}",
                m
            )
        }
        other => panic!("{:?}", other),
    }
    assert!(fs::read(&p.vhd).unwrap() == data);
}
