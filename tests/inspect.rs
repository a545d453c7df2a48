//! `wspack inspect` on damaged MSIs: every mutant of a real MSI is read back or
//! refused with an error, never a panic, never a hang.

mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const WSPACK: &str = env!("CARGO_BIN_EXE_wspack");

/// A small deterministic PRNG (SplitMix64): mutant `i` is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Mutant `index` of `good`: flipped bits, overwritten words, a truncation or a
/// zeroed sector, aimed at the header and directory half the time.
fn mutant(good: &[u8], index: u64) -> Vec<u8> {
    let mut rng = Rng(index);
    let mut bytes = good.to_vec();
    let kind = index % 4;
    let near_start = |rng: &mut Rng, len: usize| {
        if rng.next() % 2 == 0 {
            rng.below(len.min(4096))
        } else {
            rng.below(len)
        }
    };
    match kind {
        0 => {
            for _ in 0..1 + rng.below(8) {
                let at = near_start(&mut rng, bytes.len());
                bytes[at] ^= 1 << rng.below(8);
            }
        }
        1 => {
            let at = near_start(&mut rng, bytes.len() - 4) & !3;
            let word: u32 = match rng.below(4) {
                0 => 0,
                1 => u32::MAX,
                2 => 0x7fff_ffff,
                _ => rng.next() as u32,
            };
            bytes[at..at + 4].copy_from_slice(&word.to_le_bytes());
        }
        2 => bytes.truncate(rng.below(bytes.len())),
        _ => {
            let sector = rng.below(bytes.len() / 512);
            bytes[sector * 512..(sector + 1) * 512].fill(0);
        }
    }
    bytes
}

fn good_msi() -> Vec<u8> {
    let policy = support::sample_policy(0);
    let (_, cursor) = wspack::msi::write_to(
        &support::sample_spec(&policy),
        std::io::Cursor::new(Vec::new()),
    )
    .expect("write MSI");
    cursor.into_inner()
}

#[test]
fn mutated_msis_are_read_or_refused_never_a_panic() {
    let good = good_msi();
    let path = Path::new("mutant.msi");
    wspack::msi::inspect_bytes(&good, path).expect("the good MSI reads");
    let count = 3000;
    let started = Instant::now();
    let (mut read, mut refused, mut contained) = (0, 0, 0);
    for index in 0..count {
        let bytes = mutant(&good, index);
        let result = std::panic::catch_unwind(|| wspack::msi::inspect_bytes(&bytes, path));
        match result {
            Ok(Ok(_)) => read += 1,
            Ok(Err(e)) => {
                assert_eq!(e.exit_code(), 2, "mutant {index}: {e}");
                assert!(
                    e.render().contains("help: "),
                    "mutant {index}: {}",
                    e.render()
                );
                refused += 1;
                // A panic inside the msi crate, turned into this error.
                contained += usize::from(e.render().contains(", at internal/"));
            }
            Err(_) => panic!("mutant {index}: a panic escaped inspect"),
        }
    }
    eprintln!(
        "{count} mutants: {read} read, {refused} refused ({contained} of them panics \
         contained), in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert!(refused > count / 10, "the mutants should damage something");
    assert!(contained > 0, "no mutant reached the msi crate's unwraps");
}

/// Runs `wspack inspect ARG` with a deadline; returns (exit code, stderr).
fn inspect_binary(arg: &Path) -> (Option<i32>, String) {
    let mut child = Command::new(WSPACK)
        .arg("inspect")
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run wspack");
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            child.kill().expect("kill");
            panic!("wspack inspect {} hangs", arg.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("output");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn assert_refused(arg: &Path, needles: &[&str]) {
    let (code, err) = inspect_binary(arg);
    assert_eq!(code, Some(2), "{}: {err}", arg.display());
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains("help: "), "{err}");
    for n in needles {
        assert!(err.contains(n), "expected {n:?} in:\n{err}");
    }
}

#[test]
fn the_binary_refuses_damaged_msis_with_exit_2_and_no_panic_text() {
    let good = good_msi();
    let dir = tempfile::tempdir().unwrap();
    // The first mutant that trips an unwrap inside the msi crate, and one plainly refused.
    let path = Path::new("m.msi");
    let refusal = |i: u64| wspack::msi::inspect_bytes(&mutant(&good, i), path).err();
    let panicking = (0..)
        .find(|&i| refusal(i).is_some_and(|e| e.render().contains("unwrap")))
        .unwrap();
    let plain = (0..)
        .find(|&i| refusal(i).is_some_and(|e| !e.render().contains("unwrap")))
        .unwrap();
    for (name, index) in [("panicking.msi", panicking), ("plain.msi", plain)] {
        let file = dir.path().join(name);
        std::fs::write(&file, mutant(&good, index)).unwrap();
        assert_refused(&file, &[name, "can't read MSI"]);
    }
    assert_refused(
        &dir.path().join("panicking.msi"),
        &["the file is damaged ("],
    );
    let short = dir.path().join("short.msi");
    std::fs::write(&short, &good[..300]).unwrap();
    assert_refused(&short, &["300 bytes is too short for an MSI"]);
}

#[test]
fn the_binary_refuses_a_fifo_and_a_device_without_hanging() {
    support::require_tool("mkfifo", "coreutils");
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.msi");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    assert_refused(&fifo, &["pipe.msi", "not a regular file (a FIFO)"]);
    assert_refused(
        Path::new("/dev/zero"),
        &["not a regular file (a character device)"],
    );
}
