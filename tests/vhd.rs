//! Tests `wspack::disk::open` on the committed fixtures (fixtures/disks, made by
//! fixtures/make-fixtures.sh) and on disks that qemu-img makes at test time.

use std::path::{Path, PathBuf};
use std::process::Command;

use wspack::disk::{self as vhd, DiskKind, DynamicLayout, Geometry, VhdProblem};

const MIB: u64 = 1 << 20;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/disks")
        .join(name)
}

/// Opens a fixture that must be rejected; returns its message (without the
/// path prefix) and the error's help.
fn rejection(name: &str) -> (String, String) {
    let path = fixture(name);
    let err = vhd::open(&path).expect_err(name);
    let msg = err.to_string();
    let prefix = format!("{}: ", path.display());
    let rest = msg
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{msg:?} does not start with the path"));
    (rest.to_string(), err.help())
}

#[test]
fn fixed_fixture() {
    let info = vhd::open(&fixture("fixed.vhd")).unwrap();
    assert_eq!(info.kind, DiskKind::Fixed);
    // qemu-img rounds 4 MiB up to whole CHS cylinders: 121 × 4 × 17 sectors.
    assert_eq!(info.virtual_size, 4_212_736);
    assert_eq!(info.file_size, 4_212_736 + 512);
    assert_eq!(
        info.geometry,
        Geometry {
            cylinders: 121,
            heads: 4,
            sectors: 17
        }
    );
    assert_eq!(info.geometry.size(), info.virtual_size);
    assert_eq!(info.creator, "qemu");
    assert!(!info.saved_state);
    assert_eq!(info.dynamic, None);
}

#[test]
fn dynamic_fixture() {
    let info = vhd::open(&fixture("dynamic.vhd")).unwrap();
    assert_eq!(info.kind, DiskKind::Dynamic);
    assert_eq!(info.virtual_size, 67_125_248);
    // Footer copy, sparse header, one sector of table, 2 blocks of bitmap + 2 MiB, footer.
    assert_eq!(info.file_size, 512 + 1024 + 512 + 2 * (512 + 2 * MIB) + 512);
    assert_eq!(
        info.dynamic,
        Some(DynamicLayout {
            block_size: 2 * MIB as u32,
            max_table_entries: 33,
            allocated_blocks: 2,
            bat_offset: 1536,
        })
    );
}

#[test]
fn example_guest_disk() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/contoso/guest.vhd");
    let info = vhd::open(&path).unwrap();
    assert_eq!(info.kind, DiskKind::Dynamic);
    assert_eq!(info.virtual_size, 67_125_248);
    assert_eq!(info.dynamic.unwrap().allocated_blocks, 2);
    assert!(info.file_size < 5 * MIB, "{}", info.file_size);
}

#[test]
fn differencing_fixture() {
    let (msg, help) = rejection("differencing.vhd");
    assert_eq!(
        msg,
        "byte 2108: this is a differencing disk (disk type 4): it holds only the changes made on top of its parent disk \"dynamic.vhd\""
    );
    assert_eq!(
        help,
        "merge it with its parent into one standalone disk first: in Hyper-V PowerShell \
         `Convert-VHD -Path differencing.vhd -DestinationPath differencing-merged.vhd -VHDType Fixed` (reads through the parent), \
         or `Merge-VHD -Path differencing.vhd` (writes the changes into the parent). \
         Do not use qemu-img for this: it ignores a VHD's parent and would copy only the changes"
    );
}

#[test]
fn vhdx_fixture() {
    let (msg, help) = rejection("disk.vhdx");
    assert_eq!(
        msg,
        "byte 0: this is a VHDX disk (signature \"vhdxfile\" at byte 0), not a VHD"
    );
    let dir = fixture("");
    let dir = dir.display();
    assert_eq!(
        help,
        format!(
            "convert it to a VHD: `qemu-img convert -f vhdx -O vpc -o subformat=fixed {dir}disk.vhdx {dir}disk.vhd`, \
             or in Hyper-V PowerShell `Convert-VHD -Path disk.vhdx -DestinationPath disk.vhd -VHDType Fixed`"
        )
    );
}

#[test]
fn bad_checksum_fixture() {
    let (msg, help) = rejection("bad-checksum.vhd");
    assert_eq!(
        msg,
        "byte 1079296: footer checksum is 0xffffe708, expected 0xffffe709"
    );
    assert_eq!(
        help,
        "the footer is damaged or was edited without updating its checksum: \
         copy or export the disk again from its source and compare the file sizes"
    );
}

#[test]
fn truncated_fixed_fixture() {
    let (msg, help) = rejection("truncated-fixed.vhd");
    assert_eq!(
        msg,
        "byte 1048576: the footer says the fixed disk holds 4212736 bytes, so the footer belongs at byte 4212736: the file is 3164160 bytes short"
    );
    assert_eq!(
        help,
        "the file was cut short (an interrupted copy or download, or a full drive): \
         copy or export the disk again from its source and compare the file sizes"
    );
}

#[test]
fn truncated_dynamic_fixture() {
    let (msg, _) = rejection("truncated-dynamic.vhd");
    // Block 20 starts after block 0: 2048 + 512 + 2 MiB.
    assert_eq!(
        msg,
        "byte 2099712: block 20 ends at byte 4197376, past the end of the disk's data at byte 3145728 (and the footer is missing): the file is at least 1052160 bytes short"
    );
    let full = std::fs::metadata(fixture("dynamic.vhd")).unwrap().len();
    assert_eq!(full - 3_145_728, 1_052_160);
}

#[test]
fn bad_sparse_header_fixture() {
    let (msg, help) = rejection("bad-sparse-header.vhd");
    assert_eq!(
        msg,
        "byte 512: sparse header checksum is 0xfffff456, expected 0xfffff436"
    );
    assert_eq!(
        help,
        "the dynamic disk's sparse header (the 1024 bytes at the offset shown) is damaged or was edited without updating its checksum: \
         copy or export the disk again from its source and compare the file sizes"
    );
}

#[test]
fn footer_copy_mismatch_fixture() {
    let (msg, help) = rejection("footer-copy-mismatch.vhd");
    assert_eq!(
        msg,
        "byte 52: the footer copy at the start of the file differs from the footer at byte 2048 (first in field \"current size\")"
    );
    assert!(help.starts_with("a dynamic disk keeps two identical copies of its footer"));
}

#[test]
fn unknown_type_fixture() {
    let (msg, help) = rejection("unknown-type.vhd");
    assert_eq!(
        msg,
        "byte 2108: disk type is 5; expected 2 (fixed) or 3 (dynamic)"
    );
    assert_eq!(
        help,
        "the footer is damaged or the disk was made by a tool wspack does not know: \
         convert it to a fixed VHD with the tool that made it \
         (Hyper-V: `Convert-VHD -Path unknown-type.vhd -DestinationPath unknown-type-fixed.vhd -VHDType Fixed`)"
    );
}

#[test]
fn not_a_disk_fixture() {
    let (msg, help) = rejection("not-a-disk.vhd");
    assert_eq!(
        msg,
        r#"byte 3584: no VHD footer: expected "conectix" here (512 bytes before the end) or at byte 0, found "is Licen""#
    );
    let path = fixture("not-a-disk.vhd");
    assert_eq!(
        help,
        format!(
            "wspack packages VHD disks (Virtual PC / Hyper-V format); convert other images first, \
             e.g. `qemu-img convert -O vpc -o subformat=fixed {} {}` (reads raw, qcow2, vmdk, vdi, vhdx). \
             If this was a fixed VHD, its footer (the last 512 bytes) was cut off: \
             copy or export the disk again from its source and compare the file sizes",
            path.display(),
            path.with_file_name("not-a-disk-converted.vhd").display()
        )
    );
}

#[test]
fn empty_fixture() {
    let (msg, help) = rejection("empty.vhd");
    assert_eq!(msg, "the file is empty; a VHD ends with a 512-byte footer");
    assert_eq!(
        help,
        "this cannot be a disk (workspace disks are usually several GB): point at the workspace's .vhd file, \
         or copy or export the disk again from its source and compare the file sizes"
    );
}

#[test]
fn missing_file_and_folder() {
    let path = fixture("no-such-disk.vhd");
    let err = vhd::open(&path).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: can't read the disk: No such file or directory (os error 2)",
            path.display()
        )
    );
    assert_eq!(
        err.help(),
        "check the disk's path: no file exists there (a relative `vhd` path is taken from the policy file's folder)"
    );
    let err = vhd::open(&fixture("")).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("{}: not a regular file (a folder)", fixture("").display())
    );
}

#[test]
fn top_level_error_carries_help_and_exit_code() {
    let err: wspack::Error = vhd::open(&fixture("disk.vhdx")).unwrap_err().into();
    assert_eq!(err.exit_code(), 2);
    assert!(err.help().unwrap().starts_with("convert it to a VHD: "));
}

// --- disks made by qemu-img at test time --------------------------------------

/// Runs qemu-img; fails the test (never skips it) when qemu-img is missing.
fn qemu_img(args: &[&str]) -> String {
    let out = Command::new("qemu-img")
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "can't run qemu-img ({e}): these tests make disks with it; \
             install it with `apt-get install -y qemu-utils` (scripts/test.sh does)"
            )
        });
    assert!(
        out.status.success(),
        "qemu-img {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Returns (virtual size, file length) as `qemu-img info` reports them.
/// `-f vpc` is needed: qemu only probes byte 0, so it takes fixed VHDs for raw images.
fn qemu_info(path: &Path) -> (u64, u64) {
    let json = qemu_img(&["info", "-f", "vpc", "--output=json", path.to_str().unwrap()]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["format"], "vpc");
    let file = &v["children"][0]["info"];
    assert_eq!(file["format"], "file", "{json}");
    (
        v["virtual-size"].as_u64().unwrap(),
        file["virtual-size"].as_u64().unwrap(),
    )
}

fn check_against_qemu(path: &Path, kind: DiskKind, creator: &str) -> vhd::VhdInfo {
    let info = vhd::open(path).unwrap_or_else(|e| panic!("{e}\nhelp: {}", e.help()));
    let (virtual_size, file_size) = qemu_info(path);
    assert_eq!(info.kind, kind, "{}", path.display());
    assert_eq!(info.virtual_size, virtual_size, "{}", path.display());
    assert_eq!(info.file_size, file_size, "{}", path.display());
    assert_eq!(info.creator, creator);
    info
}

const SIZES: &[u64] = &[4 * MIB, 10 * MIB + 512, 2 << 30];

#[test]
fn qemu_made_fixed_disks() {
    let dir = tempfile::tempdir().unwrap();
    for &size in SIZES {
        // Files are sparse: a 2 GiB fixed disk takes no space, and open reads only its footer.
        let path = dir.path().join(format!("fixed-{size}.vhd"));
        let p = path.to_str().unwrap();
        qemu_img(&[
            "create",
            "-q",
            "-f",
            "vpc",
            "-o",
            "subformat=fixed",
            p,
            &size.to_string(),
        ]);
        let info = check_against_qemu(&path, DiskKind::Fixed, "qemu");
        // qemu rounds the size up to whole CHS cylinders and writes that as current size.
        assert!(info.virtual_size >= size);
        assert_eq!(info.virtual_size, info.geometry.size());
        assert_eq!(info.file_size, info.virtual_size + 512);

        // force_size=on keeps the exact size (creator "qem2").
        let path = dir.path().join(format!("exact-{size}.vhd"));
        let p = path.to_str().unwrap();
        qemu_img(&[
            "create",
            "-q",
            "-f",
            "vpc",
            "-o",
            "subformat=fixed,force_size=on",
            p,
            &size.to_string(),
        ]);
        let info = check_against_qemu(&path, DiskKind::Fixed, "qem2");
        assert_eq!(info.virtual_size, size);
    }
}

#[test]
fn qemu_made_dynamic_disks() {
    let dir = tempfile::tempdir().unwrap();
    for &size in SIZES {
        for (opts, creator) in [
            ("subformat=dynamic", "qemu"),
            ("subformat=dynamic,force_size=on", "qem2"),
        ] {
            let path = dir.path().join(format!("dynamic-{size}-{creator}.vhd"));
            let p = path.to_str().unwrap();
            qemu_img(&[
                "create",
                "-q",
                "-f",
                "vpc",
                "-o",
                opts,
                p,
                &size.to_string(),
            ]);
            let info = check_against_qemu(&path, DiskKind::Dynamic, creator);
            let layout = info.dynamic.unwrap();
            assert_eq!(layout.block_size, 2 * MIB as u32);
            assert_eq!(
                u64::from(layout.max_table_entries),
                info.virtual_size.div_ceil(2 * MIB)
            );
            assert_eq!(layout.allocated_blocks, 0);
        }
    }
}

/// Writes a raw image with nonzero bytes at the given MiB offsets, then
/// converts it to a dynamic VHD.
fn dynamic_with_data(dir: &Path, name: &str, size: u64, at_mib: &[u64]) -> PathBuf {
    use std::io::{Seek, SeekFrom, Write};
    let raw = dir.join(format!("{name}.raw"));
    let mut f = std::fs::File::create(&raw).unwrap();
    f.set_len(size).unwrap();
    for &m in at_mib {
        f.seek(SeekFrom::Start(m * MIB)).unwrap();
        f.write_all(&vec![0xA5; 4096]).unwrap();
    }
    drop(f);
    let vhd = dir.join(format!("{name}.vhd"));
    qemu_img(&[
        "convert",
        "-f",
        "raw",
        "-O",
        "vpc",
        "-o",
        "subformat=dynamic",
        raw.to_str().unwrap(),
        vhd.to_str().unwrap(),
    ]);
    vhd
}

#[test]
fn qemu_made_dynamic_disk_with_data() {
    let dir = tempfile::tempdir().unwrap();
    // Offsets 0, 1 and 33 MiB fall into blocks 0 and 16 (2 MiB each).
    let path = dynamic_with_data(dir.path(), "data", 10 * MIB + 512 + 54 * MIB, &[0, 1, 33]);
    let info = check_against_qemu(&path, DiskKind::Dynamic, "qemu");
    assert_eq!(info.dynamic.unwrap().allocated_blocks, 2);
    assert_eq!(info.file_size, 2048 + 2 * (512 + 2 * MIB) + 512);
}

#[test]
fn qemu_made_vhdx_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("disk.vhdx");
    qemu_img(&["create", "-q", "-f", "vhdx", path.to_str().unwrap(), "64M"]);
    let err = vhd::open(&path).unwrap_err();
    assert_eq!(err.offset, Some(0));
    assert!(matches!(err.problem, VhdProblem::Vhdx), "{err}");
}

#[test]
fn qemu_made_dynamic_disk_cut_short_keeping_its_footer() {
    let dir = tempfile::tempdir().unwrap();
    let path = dynamic_with_data(dir.path(), "cut", 64 * MIB, &[0, 5]);
    let bytes = std::fs::read(&path).unwrap();
    let (body, footer) = bytes.split_at(bytes.len() - 512);
    let cut = body.len() - MIB as usize;
    let mut short = body[..cut].to_vec();
    short.extend_from_slice(footer);
    std::fs::write(&path, &short).unwrap();
    let err = vhd::open(&path).unwrap_err();
    let block2 = 2048 + 512 + 2 * MIB;
    assert_eq!(err.offset, Some(block2));
    assert_eq!(
        err.problem.to_string(),
        format!(
            "block 2 ends at byte {}, past the end of the disk's data at byte {cut}: the file is at least 1048576 bytes short",
            block2 + 512 + 2 * MIB
        )
    );
}

#[test]
fn short_file_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("short.vhd");
    std::fs::write(&path, [0u8; 511]).unwrap();
    let err = vhd::open(&path).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: the file is 511 bytes long; a VHD ends with a 512-byte footer",
            path.display()
        )
    );
}
