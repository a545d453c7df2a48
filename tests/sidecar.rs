//! The sidecar library API against stock gzip tools: what wspack writes, pigz and
//! gzip read; what pigz writes, wspack's reader reads.

use sha2::{Digest, Sha256};
use std::fs;
use std::process::Command;
use wspack::sidecar::{self, CompressOptions};

fn require(tool: &str, package: &str) {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        found,
        "this test needs `{tool}`: apt-get install -y {package}"
    );
}

/// Real machine code (the test binary itself) with zeroed stretches between.
fn disk_like() -> Vec<u8> {
    let code = fs::read(std::env::current_exe().unwrap()).unwrap();
    let mut out = Vec::new();
    for piece in code.chunks(700_000).take(8) {
        out.extend_from_slice(piece);
        out.resize(out.len() + 300_000, 0);
    }
    out
}

#[test]
fn pigz_and_gzip_read_what_wspack_writes_for_any_thread_count() {
    require("pigz", "pigz");
    require("gzip", "gzip");
    let input = disk_like();
    let dir = tempfile::tempdir().unwrap();
    let mut first: Option<Vec<u8>> = None;
    for jobs in [1, 2, 4] {
        let mut out = Vec::new();
        let facts = sidecar::compress(
            &input[..],
            &mut out,
            &CompressOptions::new(jobs, 6),
            &mut |_| true,
        )
        .unwrap();
        assert_eq!(facts.input.size, input.len() as u64);
        match &first {
            None => first = Some(out.clone()),
            Some(f) => assert!(f == &out, "--jobs {jobs} changed the bytes"),
        }
        let path = dir.path().join(format!("j{jobs}.gz"));
        fs::write(&path, &out).unwrap();
        let t = Command::new("pigz").arg("-t").arg(&path).output().unwrap();
        assert!(
            t.status.success(),
            "pigz -t: {}",
            String::from_utf8_lossy(&t.stderr)
        );
        let d = Command::new("gzip").arg("-dc").arg(&path).output().unwrap();
        assert!(d.status.success());
        assert!(d.stdout == input, "gzip -dc gave other bytes");
    }
}

#[test]
fn wspack_reads_what_pigz_writes() {
    require("pigz", "pigz");
    let input = disk_like();
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("disk");
    fs::write(&raw, &input).unwrap();
    let gz = Command::new("pigz")
        .args(["-6", "-p", "2", "-c"])
        .arg(&raw)
        .output()
        .unwrap();
    assert!(gz.status.success());
    let got = sidecar::inflate(&gz.stdout[..], &mut |_| true);
    let disk = got.disk.unwrap();
    assert_eq!(disk.size, input.len() as u64);
    assert_eq!(disk.sha256, <[u8; 32]>::from(Sha256::digest(&input)));
    assert_eq!(got.sidecar.unwrap().size, gz.stdout.len() as u64);
}
