//! The sidecar library API against stock gzip tools: what wspack writes, pigz and
//! gzip read; what pigz writes, wspack's reader reads.

mod support;

use support::require_tool as require;

use sha2::{Digest, Sha256};
use std::fs;
use std::process::Command;
use wspack::sidecar::{self, CompressOptions};

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

/// A 24 MiB fixed VHD made by qemu-img whose guest bytes are random (so every chunk
/// differs), and a policy for it; returns (policy path, disk path).
fn random_disk(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    require("qemu-img", "qemu-utils");
    let raw = dir.join("disk.raw");
    let mut bytes = vec![0u8; 24 << 20];
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    for b in bytes.iter_mut().take(20 << 20) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        *b = (state >> 56) as u8 & 0x3f; // compressible, never repetitive
    }
    fs::write(&raw, &bytes).unwrap();
    let vhd = dir.join("disk.vhd");
    let st = Command::new("qemu-img")
        .args(["convert", "-f", "raw", "-O", "vpc", "-o", "subformat=fixed"])
        .arg(&raw)
        .arg(&vhd)
        .status()
        .unwrap();
    assert!(st.success());
    let toml = dir.join("ws.toml");
    fs::write(
        &toml,
        "[workspace]\nname = \"Chunks\"\ninternal_name = \"chunks\"\nversion = \"1.0.0\"\n\
         manufacturer = \"wspack tests\"\nvhd = \"disk.vhd\"\n",
    )
    .unwrap();
    (toml, vhd)
}

fn wspack(args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_wspack"))
        .args(args)
        .output()
        .unwrap()
}

/// A built sidecar is one multi-member gzip stream that stock tools test and
/// restore; `verify` checks it chunk by chunk and names a damaged chunk.
#[test]
fn a_built_sidecar_is_chunked_standard_gzip_and_verify_names_a_damaged_chunk() {
    require("7z", "p7zip-full");
    let dir = tempfile::tempdir().unwrap();
    let (toml, vhd) = random_disk(dir.path());
    let out = dir.path().join("out");
    let b = wspack(&[
        "build".as_ref(),
        toml.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
        "--quiet".as_ref(),
    ]);
    assert!(b.status.success(), "{}", String::from_utf8_lossy(&b.stderr));
    let medv = out.join("chunks.medv");
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("chunks.json")).unwrap()).unwrap();
    assert_eq!(manifest["sidecar"]["chunk_size"], 4 << 20);
    let chunks = manifest["sidecar"]["chunks"].as_u64().unwrap();
    assert_eq!(chunks, fs::metadata(&vhd).unwrap().len().div_ceil(4 << 20));
    for (tool, args) in [
        ("gzip", vec!["-t"]),
        ("pigz", vec!["-t"]),
        ("7z", vec!["t"]),
    ] {
        let t = Command::new(tool).args(args).arg(&medv).output().unwrap();
        assert!(
            t.status.success(),
            "{tool}: {}",
            String::from_utf8_lossy(&t.stderr)
        );
    }
    let d = Command::new("gzip").arg("-dc").arg(&medv).output().unwrap();
    assert!(
        d.stdout == fs::read(&vhd).unwrap(),
        "gzip -dc restores the disk"
    );
    let inspect = wspack(&["inspect".as_ref(), out.as_os_str()]);
    let text = String::from_utf8_lossy(&inspect.stdout);
    assert!(text.contains(&format!("{chunks} chunks")), "{text}");
    let v = wspack(&["verify".as_ref(), out.as_os_str(), "--quiet".as_ref()]);
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stderr));

    // One flipped byte in the middle of the sidecar: the chunk holding it is named.
    let mut bytes = fs::read(&medv).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x40;
    fs::write(&medv, &bytes).unwrap();
    let v = wspack(&["verify".as_ref(), out.as_os_str()]);
    let err = String::from_utf8_lossy(&v.stderr);
    assert_eq!(v.status.code(), Some(1), "{err}");
    assert!(err.contains("chunk 2 (disk bytes from 8388608)"), "{err}");
}
