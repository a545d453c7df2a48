//! The engine on small disks in a temp folder: verify_file and stage_delta, good
//! and damaged, on several thread counts.

use super::*;
use crate::gzip::gzip_bytes;
use sha2::{Digest, Sha256};
use std::fs;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;
use wspack_contract::chunks::Chunk;
use wspack_contract::delta::DeltaChunk;

const CHUNK: usize = 64 * 1024;

struct Tmp(PathBuf);

impl Tmp {
    fn new() -> Tmp {
        static N: AtomicUsize = AtomicUsize::new(0);
        let p = std::env::temp_dir().join(format!(
            "wspack-parallel-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = fs::remove_dir_all(&p);
        fs::create_dir_all(&p).unwrap();
        Tmp(p)
    }
    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Tmp {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Test disk bytes: a pattern of `seed`, with every fifth byte zero.
pub(crate) fn disk(n: usize, seed: u8) -> Vec<u8> {
    (0..n)
        .map(|i| {
            if i % 5 == 0 {
                0
            } else {
                (i as u8).wrapping_mul(seed) ^ (i >> 9) as u8
            }
        })
        .collect()
}

fn sha(b: &[u8]) -> [u8; 32] {
    Sha256::digest(b).into()
}

/// The chunk table of `data` (its sidecar fields unused by verify_file).
pub(crate) fn chunk_table(data: &[u8], chunk: usize) -> ChunkTable {
    let chunks = data
        .chunks(chunk)
        .enumerate()
        .map(|(i, piece)| Chunk {
            disk_offset: (i * chunk) as u64,
            disk_len: piece.len() as u64,
            sidecar_offset: i as u64 * 18,
            sidecar_len: 18,
            sha256: sha(piece),
        })
        .collect();
    ChunkTable {
        chunk_size: chunk as u64,
        chunks,
    }
}

/// The delta file and table that make `new` from `base`: chunks equal to the base's
/// at the same offset come from the base, the others are members of the delta.
pub(crate) fn make_delta(base: &[u8], new: &[u8], chunk: usize) -> (Vec<u8>, DeltaTable) {
    let mut file = Vec::new();
    let mut chunks = Vec::new();
    for (i, piece) in new.chunks(chunk).enumerate() {
        let at = i * chunk;
        let source = if base.get(at..at + piece.len()) == Some(piece) {
            Source::Base { offset: at as u64 }
        } else {
            let member = gzip_bytes(piece);
            let source = Source::Delta {
                offset: file.len() as u64,
                len: member.len() as u64,
            };
            file.extend_from_slice(&member);
            source
        };
        chunks.push(DeltaChunk {
            disk_offset: at as u64,
            disk_len: piece.len() as u64,
            source,
            sha256: sha(piece),
        });
    }
    let table = DeltaTable {
        base_size: base.len() as u64,
        base_sha256: sha(base),
        delta_size: file.len() as u64,
        delta_sha256: sha(&file),
        chunks,
    };
    assert_eq!(DeltaTable::decode(&table.encode()).as_ref(), Ok(&table));
    (file, table)
}

/// A base disk, the new disk (chunks 2, 5 and the short last one changed) and
/// their delta, written to `base.vhd` and `ws.delta.medv`.
struct Setup {
    t: Tmp,
    new: Vec<u8>,
    table: DeltaTable,
}

fn setup() -> Setup {
    let t = Tmp::new();
    let base = disk(9 * CHUNK + 777, 31);
    let mut new = base.clone();
    new[2 * CHUNK + 5] ^= 1;
    new[5 * CHUNK + 9] ^= 0x80;
    new[9 * CHUNK + 3] ^= 2;
    new.extend_from_slice(b"the new disk is longer");
    let (file, table) = make_delta(&base, &new, CHUNK);
    assert_eq!(table.delta_chunks(), 3);
    fs::write(t.path("base.vhd"), &base).unwrap();
    fs::write(t.path("ws.delta.medv"), &file).unwrap();
    Setup { t, new, table }
}

impl Setup {
    /// Runs stage_delta into a fresh `new.vhd`; returns the progress seen.
    fn stage(&self, jobs: usize, cancel_at: Option<u64>) -> (Result<(), ChunkFailure>, Vec<u64>) {
        let delta = self.t.path("ws.delta.medv");
        let delta = Sidecar {
            path: &delta,
            window: None,
        };
        self.stage_from(&delta, jobs, cancel_at, &sha(&self.new))
    }

    fn stage_from(
        &self,
        delta: &Sidecar,
        jobs: usize,
        cancel_at: Option<u64>,
        whole: &[u8; 32],
    ) -> (Result<(), ChunkFailure>, Vec<u64>) {
        let out = self.t.path("new.vhd");
        let file = fs::File::create(&out).unwrap();
        file.set_len(self.table.disk_size()).unwrap();
        let mut seen = Vec::new();
        let r = stage_delta(
            &self.t.path("base.vhd"),
            delta,
            &self.table,
            Some(&out),
            whole,
            jobs,
            &mut |b| {
                seen.push(b);
                cancel_at.map_or(true, |c| b < c)
            },
        );
        (r, seen)
    }

    fn staged(&self) -> Vec<u8> {
        fs::read(self.t.path("new.vhd")).unwrap()
    }
}

#[test]
fn stage_delta_makes_the_new_disk_on_any_thread_count() {
    let s = setup();
    for jobs in [1, 2, 3, 16] {
        let (r, seen) = s.stage(jobs, None);
        r.unwrap();
        assert!(s.staged() == s.new, "jobs {}", jobs);
        assert_eq!(seen.len(), s.table.chunks.len());
        assert_eq!(seen.last(), Some(&(s.new.len() as u64)));
    }
}

#[test]
fn a_damaged_delta_member_is_named() {
    let s = setup();
    let path = s.t.path("ws.delta.medv");
    let mut file = fs::read(&path).unwrap();
    let (offset, len) = match s.table.chunks[5].source {
        Source::Delta { offset, len } => (offset, len),
        Source::Base { .. } => panic!("chunk 5 is not in the delta"),
    };
    file[(offset + len / 2) as usize] ^= 0x10;
    fs::write(&path, &file).unwrap();
    match s.stage(2, None).0 {
        Err(ChunkFailure::Damaged {
            index: 5,
            disk_offset,
            ..
        }) => assert_eq!(disk_offset, 5 * CHUNK as u64),
        other => panic!("{:?}", other),
    }
}

#[test]
fn a_delta_member_of_other_bytes_is_a_mismatch() {
    let s = setup();
    let mut table = s.table.clone();
    // Chunk 2's member holds other bytes than its hash says.
    table.chunks[2].sha256 = [0; 32];
    let s = Setup { table, ..s };
    match s.stage(2, None).0 {
        Err(ChunkFailure::Mismatch { index: 2, .. }) => {}
        other => panic!("{:?}", other),
    }
}

#[test]
fn a_changed_base_chunk_is_blamed_on_the_base_disk() {
    let s = setup();
    let path = s.t.path("base.vhd");
    let mut base = fs::read(&path).unwrap();
    base[7 * CHUNK + 100] ^= 4;
    base[8 * CHUNK + 100] ^= 4;
    fs::write(&path, &base).unwrap();
    for jobs in [1, 2, 4] {
        match s.stage(jobs, None).0 {
            Err(e @ ChunkFailure::BaseMismatch { index: 7, .. }) => {
                assert!(e.to_string().contains("comes from the base disk"), "{}", e)
            }
            other => panic!("{:?}", other),
        }
    }
    // A base disk of another length fails before anything is written.
    base.push(0);
    fs::write(&path, &base).unwrap();
    match s.stage(2, None) {
        (Err(ChunkFailure::Size { expected, found }), seen) => {
            assert_eq!(
                (expected, found),
                (s.table.base_size, s.table.base_size + 1)
            );
            assert!(seen.is_empty());
        }
        other => panic!("{:?}", other),
    }
    fs::remove_file(&path).unwrap();
    assert!(matches!(s.stage(2, None).0, Err(ChunkFailure::ReadBase(_))));
}

#[test]
fn a_delta_file_of_the_wrong_length_fails() {
    let s = setup();
    let path = s.t.path("ws.delta.medv");
    let file = fs::read(&path).unwrap();
    let mut longer = file.clone();
    longer.extend_from_slice(b"trailing bytes");
    fs::write(&path, &longer).unwrap();
    match s.stage(2, None).0 {
        Err(ChunkFailure::Trailing { expected, found }) => {
            assert_eq!((expected, found), (file.len() as u64, longer.len() as u64))
        }
        other => panic!("{:?}", other),
    }
    fs::write(&path, &file[..file.len() - 10]).unwrap();
    match s.stage(2, None).0 {
        Err(ChunkFailure::Damaged { index, reason, .. }) => {
            assert_eq!(index, s.table.chunks.len() - 1);
            assert!(reason.contains("truncated"), "{}", reason);
        }
        other => panic!("{:?}", other),
    }
    fs::remove_file(&path).unwrap();
    assert!(matches!(s.stage(2, None).0, Err(ChunkFailure::Read(_))));
}

#[test]
fn a_whole_disk_hash_that_differs_fails_after_every_chunk() {
    let s = setup();
    let delta = s.t.path("ws.delta.medv");
    let delta = Sidecar {
        path: &delta,
        window: None,
    };
    match s.stage_from(&delta, 2, None, &[7; 32]).0 {
        Err(e @ ChunkFailure::WholeMismatch { .. }) => {
            assert!(e.to_string().contains(&to_hex(&sha(&s.new))), "{}", e)
        }
        other => panic!("{:?}", other),
    }
}

#[test]
fn cancel_stops_stage_delta() {
    let t = Tmp::new();
    let base = disk(200 * CHUNK, 37);
    let mut new = base.clone();
    for i in (0..200).step_by(3) {
        new[i * CHUNK] ^= 1;
    }
    let (file, table) = make_delta(&base, &new, CHUNK);
    fs::write(t.path("base.vhd"), &base).unwrap();
    fs::write(t.path("ws.delta.medv"), &file).unwrap();
    let s = Setup { t, new, table };
    for jobs in [1, 2, 8] {
        let (r, seen) = s.stage(jobs, Some(20 * CHUNK as u64));
        assert!(matches!(r, Err(ChunkFailure::Cancelled)), "{:?}", r);
        assert_eq!(*seen.last().unwrap(), 20 * CHUNK as u64);
        assert_eq!(seen.len(), 20);
        // Workers stop within the window (2 × jobs) plus the one index each may
        // hold: no chunk from 3 × jobs past the 20 hashed ones was written.
        let staged = s.staged();
        let unwritten = &staged[(20 + 3 * jobs) * CHUNK..];
        assert!(unwritten.iter().all(|&b| b == 0), "jobs {}", jobs);
        // Progress counts chunks as they are written, in any order: 20 of them are.
        let written = (0..200)
            .filter(|&i| staged[i * CHUNK..(i + 1) * CHUNK] == s.new[i * CHUNK..(i + 1) * CHUNK])
            .count();
        assert!(written >= 20, "jobs {}: {} chunks written", jobs, written);
    }
}

#[test]
fn a_delta_inside_another_file_is_read_in_its_window() {
    let s = setup();
    let file = fs::read(s.t.path("ws.delta.medv")).unwrap();
    let mut exe = b"MZ setup.exe ".repeat(500);
    let offset = exe.len() as u64;
    exe.extend_from_slice(&file);
    exe.extend_from_slice(b"PK central directory");
    let exe_path = s.t.path("x-setup.exe");
    fs::write(&exe_path, &exe).unwrap();
    fs::remove_file(s.t.path("ws.delta.medv")).unwrap();
    let delta = Sidecar {
        path: &exe_path,
        window: Some((offset, file.len() as u64)),
    };
    s.stage_from(&delta, 2, None, &sha(&s.new)).0.unwrap();
    assert!(s.staged() == s.new);
}

#[test]
fn a_delta_without_delta_chunks_needs_no_delta_file() {
    let t = Tmp::new();
    let base = disk(4 * CHUNK + 1, 41);
    let new = base[..3 * CHUNK].to_vec();
    let (file, table) = make_delta(&base, &new, CHUNK);
    assert!(file.is_empty());
    fs::write(t.path("base.vhd"), &base).unwrap();
    let s = Setup { t, new, table };
    s.stage(2, None).0.unwrap();
    assert!(s.staged() == s.new);
}

#[test]
fn oversized_chunks_fail_without_allocating() {
    let s = setup();
    let mut table = s.table.clone();
    table.chunks[0].disk_len = u64::MAX / 2;
    let s = Setup { table, ..s };
    match s.stage(2, None).0 {
        Err(ChunkFailure::Damaged {
            index: 0, reason, ..
        }) => {
            assert!(reason.contains("over the"), "{}", reason)
        }
        other => panic!("{:?}", other),
    }
    assert!(check_delta(&s.table, s.new.len() as u64).is_err());
}

#[test]
fn check_delta_wants_the_package_size_and_sane_members() {
    let s = setup();
    check_delta(&s.table, s.new.len() as u64).unwrap();
    let e = check_delta(&s.table, 5).unwrap_err();
    assert!(e.contains("but the package's disk is 5 bytes"), "{}", e);
    let mut table = s.table.clone();
    table.chunks[2].source = Source::Delta {
        offset: 0,
        len: 10 * CHUNK as u64,
    };
    let e = check_delta(&table, s.new.len() as u64).unwrap_err();
    assert!(e.contains("more than deflate ever makes"), "{}", e);
}

#[test]
fn verify_file_accepts_the_disk_and_names_the_first_other_chunk() {
    let t = Tmp::new();
    let data = disk(11 * CHUNK + 5, 43);
    let table = chunk_table(&data, CHUNK);
    let path = t.path("ws.vhd");
    fs::write(&path, &data).unwrap();
    for jobs in [1, 2, 16] {
        let mut seen = Vec::new();
        verify_file(&path, &table, jobs, &mut |b| {
            seen.push(b);
            true
        })
        .unwrap();
        assert_eq!(seen.last(), Some(&(data.len() as u64)));
    }
    let mut other = data.clone();
    other[4 * CHUNK] ^= 1;
    other[9 * CHUNK] ^= 1;
    fs::write(&path, &other).unwrap();
    for jobs in [1, 2, 16] {
        match verify_file(&path, &table, jobs, &mut |_| true) {
            Err(ChunkFailure::Mismatch {
                index: 4,
                disk_offset,
            }) => assert_eq!(disk_offset, 4 * CHUNK as u64),
            other => panic!("{:?}", other),
        }
    }
    // Shorter and longer files fail before a byte is read; no file is a read error.
    for len in [data.len() - 1, data.len() + 1] {
        other.resize(len, 0);
        fs::write(&path, &other).unwrap();
        match verify_file(&path, &table, 2, &mut |_| true) {
            Err(ChunkFailure::Size { expected, found }) => {
                assert_eq!((expected, found), (data.len() as u64, len as u64))
            }
            other => panic!("{:?}", other),
        }
    }
    fs::remove_file(&path).unwrap();
    assert!(matches!(
        verify_file(&path, &table, 2, &mut |_| true),
        Err(ChunkFailure::Read(_))
    ));
}

#[test]
fn verify_file_can_be_cancelled() {
    let t = Tmp::new();
    let data = disk(50 * CHUNK, 47);
    let table = chunk_table(&data, CHUNK);
    let path = t.path("ws.vhd");
    fs::write(&path, &data).unwrap();
    let r = verify_file(&path, &table, 2, &mut |b| b < 10 * CHUNK as u64);
    assert!(matches!(r, Err(ChunkFailure::Cancelled)), "{:?}", r);
}

/// Manual benchmark of stage_delta's whole-disk hash:
/// `WSPACK_BENCH_MIB=2048 cargo test --release -- --ignored bench_delta` writes a
/// base disk of that many MiB (default 1024) with 4 MiB chunks in a temp folder,
/// changes 1% of its chunks, and times stage_delta with and without the in-order
/// SHA-256, and verify_file on the result.
#[test]
#[ignore]
fn bench_delta_whole_hash() {
    let mib: usize = std::env::var("WSPACK_BENCH_MIB")
        .map(|n| n.parse().unwrap())
        .unwrap_or(1024);
    let chunk = 4 << 20;
    let t = Tmp::new();
    let base = disk(mib << 20, 53);
    let mut new = base.clone();
    for i in (0..mib / 4).step_by(100) {
        new[i * chunk + 1] ^= 1;
    }
    let (file, table) = make_delta(&base, &new, chunk);
    fs::write(t.path("base.vhd"), &base).unwrap();
    fs::write(t.path("ws.delta.medv"), &file).unwrap();
    let whole = sha(&new);
    let base_path = t.path("base.vhd");
    let out = t.path("new.vhd");
    let delta = t.path("ws.delta.medv");
    let delta = Sidecar {
        path: &delta,
        window: None,
    };
    let jobs = threads();
    for hashed in [false, true, false, true, false, true] {
        fs::File::create(&out)
            .unwrap()
            .set_len(table.disk_size())
            .unwrap();
        let started = Instant::now();
        let job = |i: usize| super::delta_job(&table.chunks[i]);
        let plan = Plan {
            count: table.chunks.len(),
            job: &job,
            members: Some(&delta),
            raw: Some(&base_path),
            raw_is_base: true,
            out: Some(&out),
            whole: if hashed { Some(&whole) } else { None },
        };
        engine::run(&plan, jobs, &mut |_| true).unwrap();
        eprintln!(
            "stage_delta {} MiB, {} of {} chunks from a {} byte delta, {} threads, whole-disk SHA-256 {}: {:.2} s",
            mib,
            table.delta_chunks(),
            table.chunks.len(),
            file.len(),
            jobs,
            if hashed { "on" } else { "off" },
            started.elapsed().as_secs_f64()
        );
    }
    let started = Instant::now();
    verify_file(&out, &chunk_table(&new, chunk), jobs, &mut |_| true).unwrap();
    eprintln!(
        "verify_file {} MiB: {:.2} s",
        mib,
        started.elapsed().as_secs_f64()
    );
}
