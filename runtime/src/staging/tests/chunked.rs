//! StageVhd's parallel path: a package with a chunk table.

use super::*;
use crate::parallel;
use wspack_contract::chunks::{Chunk, ChunkTable};

const CHUNK: usize = 256 * 1024;

/// A chunked sidecar of `data` (one gzip member per chunk) and its table.
pub(super) fn chunked(data: &[u8], chunk: usize) -> (Vec<u8>, ChunkTable) {
    let mut out = Vec::new();
    let mut chunks = Vec::new();
    for (i, piece) in data.chunks(chunk).enumerate() {
        let member = gzip_bytes(piece);
        chunks.push(Chunk {
            disk_offset: (i * chunk) as u64,
            disk_len: piece.len() as u64,
            sidecar_offset: out.len() as u64,
            sidecar_len: member.len() as u64,
            sha256: Sha256::digest(piece).into(),
        });
        out.extend_from_slice(&member);
    }
    let table = ChunkTable {
        chunk_size: chunk as u64,
        chunks,
    };
    (out, table)
}

/// Writes the chunked sidecar of `data`; returns the CustomActionData and a host
/// whose package holds the chunk table.
fn setup_chunked(t: &Tmp, data: &[u8], overwrite: bool) -> (String, Rec) {
    let cad = setup(t, data, overwrite);
    let (medv, table) = chunked(data, CHUNK);
    fs::write(t.path("out/ws.medv"), medv).unwrap();
    let host = Rec {
        table: Some(table.encode()),
        ..Rec::default()
    };
    (cad, host)
}

fn staged(t: &Tmp) -> Vec<u8> {
    fs::read(t.path(VHD)).unwrap()
}

#[test]
fn stages_every_chunk_in_place_then_commits() {
    let t = Tmp::new();
    // Not a whole number of chunks: the last one is short.
    let data = disk(13 * CHUNK + 12_345, 41);
    let (cad, mut h) = setup_chunked(&t, &data, false);
    assert_eq!(stage(&cad, &mut h), 0, "{}", h.all());
    assert!(staged(&t) == data, "the staged disk differs");
    assert_eq!(
        h.table_asked.as_deref(),
        Some(t.path("out/ws.msi").as_str())
    );
    assert_eq!(h.ticks, ticks_for(data.len() as u64));
    assert!(
        h.all()
            .contains("all 14 chunks verified against the package's chunk table"),
        "{}",
        h.all()
    );
    assert_eq!(commit(&cad, &mut h), 0, "{}", h.all());
    assert_eq!(leftovers(&t), vec!["ws.vhd"]);
}

#[test]
fn a_damaged_chunk_is_named_and_nothing_is_left() {
    let t = Tmp::new();
    let data = disk(10 * CHUNK, 43);
    let (cad, mut h) = setup_chunked(&t, &data, false);
    let table = ChunkTable::decode(h.table.as_ref().unwrap()).unwrap();
    let medv = t.path("out/ws.medv");
    let mut gz = fs::read(&medv).unwrap();
    let sixth = table.chunks[6];
    gz[(sixth.sidecar_offset + sixth.sidecar_len / 2) as usize] ^= 0x10;
    fs::write(&medv, &gz).unwrap();
    assert_eq!(stage(&cad, &mut h), 1603);
    let want = format!("chunk 6 (disk bytes from {}) of {}", 6 * CHUNK, medv);
    assert!(
        h.errors[0].starts_with(&format!("StageVhd: {}", want)),
        "{}",
        h.all()
    );
    assert!(h.errors[0].contains("removed"), "{}", h.all());
    assert_eq!(h.errors.len(), 1, "{}", h.all());
    assert_eq!(
        h.shown,
        [Shown::Damaged {
            sidecar: "ws.medv".into(),
            folder: t.path("out"),
        }]
    );
    assert_eq!(leftovers(&t), vec!["ws.vhd.wspack-journal"]);
    assert_eq!(rollback(&cad, &mut h), 0, "{}", h.all());
    assert!(!t.0.join("ProgramData").exists());
}

#[test]
fn a_truncated_or_longer_sidecar_fails() {
    let t = Tmp::new();
    let data = disk(5 * CHUNK, 47);
    let (cad, mut h) = setup_chunked(&t, &data, false);
    let medv = t.path("out/ws.medv");
    let gz = fs::read(&medv).unwrap();
    fs::write(&medv, &gz[..gz.len() - 100]).unwrap();
    assert_eq!(stage(&cad, &mut h), 1603);
    assert!(
        h.errors[0].contains(&format!("chunk 4 (disk bytes from {})", 4 * CHUNK)),
        "{}",
        h.all()
    );
    assert!(h.errors[0].contains("truncated"), "{}", h.all());
    assert_eq!(rollback(&cad, &mut h), 0);

    let mut longer = gz.clone();
    longer.extend_from_slice(&gzip_bytes(b"more"));
    fs::write(&medv, &longer).unwrap();
    h.errors.clear();
    assert_eq!(stage(&cad, &mut h), 1603);
    assert!(
        h.errors[0].contains(&format!(
            "is {} bytes long, but this package's chunk table ends at {}",
            longer.len(),
            gz.len()
        )),
        "{}",
        h.all()
    );
    assert_eq!(rollback(&cad, &mut h), 0);
    assert!(!t.0.join("ProgramData").exists());
}

#[test]
fn a_sidecar_from_another_build_is_named_by_its_first_other_chunk() {
    let t = Tmp::new();
    let data = disk(8 * CHUNK, 53);
    let (cad, mut h) = setup_chunked(&t, &data, false);
    // The same size, one byte different in chunk 3.
    let mut other = data.clone();
    other[3 * CHUNK + 777] ^= 1;
    fs::write(t.path("out/ws.medv"), chunked(&other, CHUNK).0).unwrap();
    assert_eq!(stage(&cad, &mut h), 1603);
    let e = &h.errors[0];
    assert!(
        e.contains(&format!("chunk 3 (disk bytes from {})", 3 * CHUNK)),
        "{}",
        h.all()
    );
    assert!(e.contains("from another build"), "{}", h.all());
    assert_eq!(rollback(&cad, &mut h), 0);
    assert!(!t.0.join("ProgramData").exists());
}

#[test]
fn a_table_that_does_not_fit_the_package_fails_before_anything_changes() {
    let t = Tmp::new();
    let data = disk(4 * CHUNK, 59);
    let (cad, mut h) = setup_chunked(&t, &data, false);
    // The table of a shorter disk.
    h.table = Some(chunked(&data[..3 * CHUNK], CHUNK).1.encode());
    assert_eq!(stage(&cad, &mut h), 1603);
    assert!(
        h.errors[0].contains(&format!(
            "its chunks make {} bytes, but the package's disk is {} bytes",
            3 * CHUNK,
            4 * CHUNK
        )),
        "{}",
        h.all()
    );
    assert!(
        h.errors[0].contains("(Binary row WspackChunks)"),
        "{}",
        h.all()
    );
    h.table = Some(b"WSPKCHK9 and then some more bytes".to_vec());
    assert_eq!(stage(&cad, &mut h), 1603);
    assert!(
        h.errors[1].contains("does not start with WSPKCHK1"),
        "{}",
        h.all()
    );
    let damaged = Shown::PackageDamaged {
        package: "ws.msi".into(),
    };
    assert_eq!(h.shown, [damaged.clone(), damaged]);
    assert!(!t.0.join("ProgramData").exists());
    assert_eq!(rollback(&cad, &mut h), 0);
}

#[test]
fn a_package_without_a_table_stages_sequentially() {
    let t = Tmp::new();
    let data = disk(3 * CHUNK, 61);
    let cad = setup(&t, &data, false);
    let mut h = Rec::default();
    assert_eq!(stage(&cad, &mut h), 0, "{}", h.all());
    assert!(h.all().contains("has no WspackChunks row"), "{}", h.all());
    assert!(staged(&t) == data);
}

#[test]
fn cancel_stops_the_workers_and_rollback_restores_the_old_disk() {
    let t = Tmp::new();
    let data = disk(40 * CHUNK, 67);
    let (cad, mut h) = setup_chunked(&t, &data, true);
    fs::create_dir_all(t.path("ProgramData/Medv/Workspace")).unwrap();
    fs::write(t.path(VHD), b"old disk").unwrap();
    h.cancel_after = Some(2048);
    assert_eq!(stage(&cad, &mut h), 1602);
    assert!(
        h.all().contains("cancelled by the user after"),
        "{}",
        h.all()
    );
    assert!(h.ticks < ticks_for(data.len() as u64), "{}", h.ticks);
    assert_eq!(
        leftovers(&t),
        vec!["ws.vhd.wspack-journal", "ws.vhd.wspack-old"]
    );
    assert_eq!(rollback(&cad, &mut h), 0, "{}", h.all());
    assert_eq!(staged(&t), b"old disk");
    assert_eq!(leftovers(&t), vec!["ws.vhd"]);
}

#[test]
fn overwrite_then_rollback_puts_the_old_disk_back() {
    let t = Tmp::new();
    let data = disk(6 * CHUNK + 1, 71);
    let (cad, mut h) = setup_chunked(&t, &data, true);
    fs::create_dir_all(t.path("ProgramData/Medv/Workspace")).unwrap();
    fs::write(t.path(VHD), b"old disk").unwrap();
    assert_eq!(stage(&cad, &mut h), 0, "{}", h.all());
    assert!(staged(&t) == data);
    assert_eq!(rollback(&cad, &mut h), 0, "{}", h.all());
    assert_eq!(staged(&t), b"old disk");
    assert_eq!(leftovers(&t), vec!["ws.vhd"]);
}

#[test]
fn any_thread_count_stages_the_same_disk() {
    let t = Tmp::new();
    let data = disk(9 * CHUNK + 5, 73);
    let (medv, table) = chunked(&data, CHUNK);
    fs::write(t.path("ws.medv"), medv).unwrap();
    for jobs in [1, 2, 5, 64] {
        let out_path = t.path(&format!("out-{}.vhd", jobs));
        let out = fs::File::create(&out_path).unwrap();
        out.set_len(data.len() as u64).unwrap();
        let sidecar = t.0.join("ws.medv");
        let mut seen = Vec::new();
        let sidecar = parallel::Sidecar {
            path: &sidecar,
            window: None,
        };
        parallel::stage_chunks(&sidecar, &table, Path::new(&out_path), jobs, &mut |b| {
            seen.push(b);
            true
        })
        .unwrap();
        assert!(fs::read(&out_path).unwrap() == data, "jobs {}", jobs);
        assert_eq!(seen.len(), table.chunks.len());
        assert_eq!(seen.last(), Some(&(data.len() as u64)));
    }
}

#[test]
fn a_sidecar_inside_another_file_is_read_in_its_window() {
    for chunked_package in [true, false] {
        let t = Tmp::new();
        let data = disk(5 * CHUNK + 99, 79);
        let (mut cad, mut h) = setup_chunked(&t, &data, false);
        if !chunked_package {
            fs::write(t.path("out/ws.medv"), gzip_bytes(&data)).unwrap();
            h.table = None;
        }
        // The one-file setup EXE: other bytes before and after the sidecar.
        let medv = fs::read(t.path("out/ws.medv")).unwrap();
        let mut exe = b"MZ setup.exe ".repeat(1000);
        let offset = exe.len();
        exe.extend_from_slice(&medv);
        exe.extend_from_slice(b"PK central directory");
        fs::write(t.path("x-setup.exe"), &exe).unwrap();
        fs::remove_file(t.path("out/ws.medv")).unwrap();
        cad.push_str(&format!(
            "|medvwindow={}:{}:{}",
            offset,
            medv.len(),
            t.path("x-setup.exe")
        ));
        assert_eq!(stage(&cad, &mut h), 0, "{}", h.all());
        assert!(staged(&t) == data, "chunked: {}", chunked_package);
        assert!(h.all().contains("x-setup.exe"), "{}", h.all());
    }
}
