//! Unit tests of the checks on disks built in memory.

use std::io::{self, Cursor};

use uuid::Uuid;

use super::bytes::checksum;
use super::*;

const MIB: u64 = 1 << 20;

/// Builds a footer with a valid checksum.
fn footer(disk_type: u32, current_size: u64, data_offset: u64) -> Vec<u8> {
    let mut f = vec![0u8; 512];
    f[..8].copy_from_slice(b"conectix");
    f[8..12].copy_from_slice(&2u32.to_be_bytes());
    f[12..16].copy_from_slice(&0x0001_0000u32.to_be_bytes());
    f[16..24].copy_from_slice(&data_offset.to_be_bytes());
    f[28..32].copy_from_slice(b"test");
    f[40..48].copy_from_slice(&current_size.to_be_bytes());
    f[48..56].copy_from_slice(&current_size.to_be_bytes());
    f[56..58].copy_from_slice(&100u16.to_be_bytes());
    f[58] = 4;
    f[59] = 17;
    f[60..64].copy_from_slice(&disk_type.to_be_bytes());
    f[68..84].copy_from_slice(&[7; 16]);
    seal(&mut f, 64);
    f
}

/// Rewrites the checksum field at `field`.
fn seal(b: &mut [u8], field: usize) {
    let c = checksum(b, field);
    b[field..field + 4].copy_from_slice(&c.to_be_bytes());
}

fn fixed(size: u64) -> Vec<u8> {
    let mut d = vec![0xAB; size as usize];
    d.extend(footer(2, size, u64::MAX));
    d
}

/// The block size of the dynamic disks built here: the smallest accepted.
const BLOCK: u32 = 512 << 10;
/// The bytes a block takes in the file: a one-sector bitmap and the data.
const BLOCK_LEN: u64 = 512 + BLOCK as u64;
/// The size of most dynamic disks built here: 16 blocks, a one-sector table.
const SIZE: u64 = 8 * MIB;
/// Where their first block starts: after the copy, the header and the table.
const FIRST_BLOCK: u64 = 2048;

/// A dynamic disk with 512 KiB blocks: copy, header at 512, BAT at 1536, blocks, footer.
fn dynamic(size: u64, allocated: &[u32]) -> Vec<u8> {
    dynamic_with(size, size.div_ceil(u64::from(BLOCK)) as u32, allocated)
}

/// A dynamic disk as [`dynamic`] builds it, with a table of `entries` entries.
fn dynamic_with(size: u64, entries: u32, allocated: &[u32]) -> Vec<u8> {
    let block = BLOCK;
    let f = footer(3, size, 512);
    let mut d = f.clone();
    let mut h = vec![0u8; 1024];
    h[..8].copy_from_slice(b"cxsparse");
    h[8..16].copy_from_slice(&u64::MAX.to_be_bytes());
    let bat_at = 1536u64;
    h[16..24].copy_from_slice(&bat_at.to_be_bytes());
    h[24..28].copy_from_slice(&0x0001_0000u32.to_be_bytes());
    h[28..32].copy_from_slice(&entries.to_be_bytes());
    h[32..36].copy_from_slice(&block.to_be_bytes());
    seal(&mut h, 36);
    d.extend(h);
    let bat_len = (u64::from(entries) * 4).div_ceil(512) * 512;
    let mut bat = vec![0xFF; bat_len as usize];
    let mut next = bat_at + bat_len;
    for &i in allocated {
        let at = i as usize * 4;
        bat[at..at + 4].copy_from_slice(&((next / 512) as u32).to_be_bytes());
        next += 512 + u64::from(block);
    }
    d.extend(bat);
    d.resize(next as usize, 0x5A);
    d.extend(f);
    d
}

/// Sets a 4-byte field of the sparse header at byte 512 and seals it.
fn set_header_u32(d: &mut [u8], field: usize, value: u32) {
    d[512 + field..512 + field + 4].copy_from_slice(&value.to_be_bytes());
    seal(&mut d[512..1536], 36);
}

/// Sets block `index`'s table entry (the table is at byte 1536).
fn set_entry(d: &mut [u8], index: usize, sector: u32) {
    let at = 1536 + index * 4;
    d[at..at + 4].copy_from_slice(&sector.to_be_bytes());
}

fn run(d: &[u8]) -> Result<VhdInfo, Failure> {
    check(&mut Cursor::new(d), d.len() as u64)
}

fn fail(d: &[u8]) -> (Option<u64>, String) {
    let (offset, problem) = run(d).expect_err("should be rejected");
    (offset, problem.to_string())
}

#[test]
fn accepts_fixed() {
    let info = run(&fixed(MIB)).unwrap();
    assert_eq!(info.kind, DiskKind::Fixed);
    assert_eq!(info.virtual_size, MIB);
    assert_eq!(info.file_size, MIB + 512);
    assert_eq!(
        info.geometry,
        Geometry {
            cylinders: 100,
            heads: 4,
            sectors: 17
        }
    );
    assert_eq!(info.geometry.size(), 100 * 4 * 17 * 512);
    assert_eq!(info.creator, "test");
    assert_eq!(info.uuid, Uuid::from_bytes([7; 16]));
    assert!(!info.saved_state);
    assert_eq!(info.dynamic, None);
}

#[test]
fn accepts_fixed_with_extra_bytes_before_the_footer() {
    let mut d = vec![0; 1024];
    d.extend(footer(2, 512, u64::MAX));
    assert_eq!(run(&d).unwrap().virtual_size, 512);
}

#[test]
fn accepts_dynamic() {
    let d = dynamic(SIZE, &[0, 3, 15]);
    let info = run(&d).unwrap();
    assert_eq!(info.kind, DiskKind::Dynamic);
    assert_eq!(info.file_size, d.len() as u64);
    assert_eq!(
        info.dynamic,
        Some(DynamicLayout {
            block_size: BLOCK,
            max_table_entries: 16,
            allocated_blocks: 3,
            bat_offset: 1536,
        })
    );
}

#[test]
fn kind_displays_lowercase() {
    assert_eq!(DiskKind::Fixed.to_string(), "fixed");
    assert_eq!(DiskKind::Dynamic.to_string(), "dynamic");
}

#[test]
fn checksum_skips_its_own_field() {
    let mut b = vec![1u8; 8];
    b[4..8].copy_from_slice(&[0xFF; 4]);
    assert_eq!(checksum(&b, 4), !4);
}

#[test]
fn rejects_empty_and_short_files() {
    assert_eq!(
        fail(&[]),
        (
            None,
            "the file is empty; a VHD ends with a 512-byte footer".into()
        )
    );
    assert_eq!(
        fail(&[0; 100]),
        (
            None,
            "the file is 100 bytes long; a VHD ends with a 512-byte footer".into()
        )
    );
}

#[test]
fn rejects_vhdx_even_when_short() {
    let mut d = b"vhdxfile".to_vec();
    d.extend([0; 100]);
    assert_eq!(
        fail(&d),
        (
            Some(0),
            "this is a VHDX disk (signature \"vhdxfile\" at byte 0), not a VHD".into()
        )
    );
}

#[test]
fn rejects_non_vhd() {
    let mut d = vec![0u8; 1024];
    d[512..520].copy_from_slice(b"hello\n\x01\xff");
    assert_eq!(
        fail(&d),
        (
            Some(512),
            r#"no VHD footer: expected "conectix" here (512 bytes before the end) or at byte 0, found "hello\n\x01\xff""#.into()
        )
    );
}

#[test]
fn rejects_bad_footer_checksum() {
    let mut d = fixed(MIB);
    let at = d.len() - 512;
    d[at + 48] ^= 1;
    let (offset, msg) = fail(&d);
    assert_eq!(offset, Some(MIB));
    assert!(msg.starts_with("footer checksum is 0x"), "{msg}");
    assert!(msg.contains(", expected 0x"), "{msg}");
}

#[test]
fn rejects_unknown_version() {
    let mut d = fixed(512);
    d[512 + 13] = 2;
    seal(&mut d[512..], 64);
    assert_eq!(
        fail(&d),
        (
            Some(512 + 12),
            "file format version is 2.0; expected 1.0".into()
        )
    );
}

#[test]
fn rejects_differencing_with_parent_name() {
    let mut d = dynamic(SIZE, &[]);
    let end = d.len() - 512;
    for at in [0, end] {
        d[at + 63] = 4;
        seal(&mut d[at..at + 512], 64);
    }
    let name: Vec<u8> = "parent.vhd"
        .encode_utf16()
        .flat_map(u16::to_be_bytes)
        .collect();
    d[512 + 64..512 + 64 + name.len()].copy_from_slice(&name);
    seal(&mut d[512..1536], 36);
    assert_eq!(
        fail(&d),
        (
            Some(end as u64 + 60),
            "this is a differencing disk (disk type 4): it holds only the changes made on top of its parent disk \"parent.vhd\"".into()
        )
    );
    // Without a readable header the parent is not named.
    d[512] = b'X';
    assert!(fail(&d).1.ends_with("on top of its parent disk"));
}

#[test]
fn rejects_unknown_type() {
    let mut d = fixed(512);
    d[512 + 63] = 6;
    seal(&mut d[512..], 64);
    assert_eq!(
        fail(&d),
        (
            Some(512 + 60),
            "disk type is 6; expected 2 (fixed) or 3 (dynamic)".into()
        )
    );
}

#[test]
fn rejects_truncated_fixed() {
    let full = fixed(MIB);
    let mut d = full[..4096].to_vec();
    d.extend(&full[full.len() - 512..]);
    assert_eq!(
        fail(&d),
        (
            Some(4096),
            "the footer says the fixed disk holds 1048576 bytes, so the footer belongs at byte 1048576: the file is 1044480 bytes short".into()
        )
    );
}

#[test]
fn rejects_footer_copy_mismatch() {
    let mut d = dynamic(SIZE, &[]);
    d[24] = 1; // time stamp
    seal(&mut d[..512], 64);
    let end = d.len() - 512;
    assert_eq!(
        fail(&d),
        (
            Some(24),
            format!("the footer copy at the start of the file differs from the footer at byte {end} (first in field \"time stamp\")")
        )
    );
    // A missing copy is a mismatch in the cookie.
    d[..512].fill(0);
    assert_eq!(fail(&d).0, Some(0));
    assert!(fail(&d).1.ends_with("(first in field \"cookie\")"));
}

#[test]
fn rejects_bad_sparse_header() {
    let good = dynamic(SIZE, &[0]);
    let mut d = good.clone();
    d[512 + 40] = 1;
    let (offset, msg) = fail(&d);
    assert_eq!(offset, Some(512));
    assert!(msg.starts_with("sparse header checksum is 0x"), "{msg}");

    let mut d = good.clone();
    d[512..520].copy_from_slice(b"xxxxxxxx");
    assert_eq!(
        fail(&d),
        (
            Some(512),
            "expected the sparse header (\"cxsparse\") here, found \"xxxxxxxx\"".into()
        )
    );

    let mut d = good;
    set_header_u32(&mut d, 28, 15);
    assert_eq!(
        fail(&d),
        (
            Some(512 + 28),
            "the block table has 15 entries of 524288 bytes, which cover less than the disk's size of 8388608 bytes".into()
        )
    );
}

/// Sets the data offset in both footers.
fn set_data_offset(d: &mut [u8], offset: u64) {
    let end = d.len() - 512;
    for at in [0, end] {
        d[at + 16..at + 24].copy_from_slice(&offset.to_be_bytes());
        seal(&mut d[at..at + 512], 64);
    }
}

#[test]
fn rejects_sparse_header_outside_the_file() {
    let mut d = dynamic(SIZE, &[]);
    let end = d.len() as u64 - 512;
    set_data_offset(&mut d, 1 << 40);
    assert_eq!(
        fail(&d),
        (
            Some(end + 16),
            format!("the footer's data offset points to the sparse header at byte 1099511627776, but the disk's data ends at byte {end}")
        )
    );
    set_data_offset(&mut d, u64::MAX);
    assert!(fail(&d).1.contains("at byte 18446744073709551615"));
}

#[test]
fn rejects_bat_past_the_end() {
    let mut d = dynamic(SIZE, &[]);
    let end = d.len() as u64 - 512;
    d[512 + 16..512 + 24].copy_from_slice(&(end - 32).to_be_bytes());
    seal(&mut d[512..1536], 36);
    assert_eq!(
        fail(&d),
        (
            Some(end - 32),
            format!("the block allocation table (64 bytes) ends at byte {}, past the end of the disk's data at byte {end}: the file is at least 32 bytes short", end + 32)
        )
    );
}

#[test]
fn rejects_block_past_the_end_with_footer() {
    let full = dynamic(SIZE, &[0, 7]);
    let cut = full.len() - 512 - 1000;
    let mut d = full[..cut].to_vec();
    d.extend(&full[full.len() - 512..]);
    let block7 = FIRST_BLOCK + BLOCK_LEN;
    assert_eq!(
        fail(&d),
        (
            Some(block7),
            format!("block 7 ends at byte {}, past the end of the disk's data at byte {cut}: the file is at least 1000 bytes short", block7 + BLOCK_LEN)
        )
    );
}

#[test]
fn rejects_dynamic_cut_short() {
    let full = dynamic(SIZE, &[2, 1]);
    let d = &full[..full.len() - 2000];
    let block1 = FIRST_BLOCK + BLOCK_LEN;
    assert_eq!(
        fail(d),
        (
            Some(block1),
            format!("block 1 ends at byte {}, past the end of the disk's data at byte {} (and the footer is missing): the file is at least 2000 bytes short", block1 + BLOCK_LEN, d.len())
        )
    );
    // Only the footer cut: every block is whole, but the footer is gone.
    let d = &full[..full.len() - 512];
    assert_eq!(
        fail(d),
        (
            Some(d.len() as u64 - 512),
            r#"no footer in the last 512 bytes (found "ZZZZZZZZ" instead of "conectix"), but the footer copy at byte 0 describes a dynamic disk: the end of the file is missing"#.into()
        )
    );
}

#[test]
fn displays_path_offset_and_problem() {
    let e = VhdError {
        path: "disk.vhd".into(),
        offset: Some(4194304),
        problem: VhdProblem::BadFooterChecksum {
            found: 0x1234abcd,
            expected: 0xffff0000,
        },
    };
    assert_eq!(
        e.to_string(),
        "disk.vhd: byte 4194304: footer checksum is 0x1234abcd, expected 0xffff0000"
    );
    let e = VhdError {
        path: "d/x.vhd".into(),
        offset: None,
        problem: VhdProblem::TooShort { len: 0 },
    };
    assert_eq!(
        e.to_string(),
        "d/x.vhd: the file is empty; a VHD ends with a 512-byte footer"
    );
}

#[test]
fn help_names_the_file() {
    let e = |path: &str, problem| VhdError {
        path: path.into(),
        offset: Some(0),
        problem,
    };
    let h = e("in/My Disk.vhdx", VhdProblem::Vhdx).help();
    assert!(
        h.contains("`qemu-img convert -f vhdx -O vpc -o subformat=fixed 'in/My Disk.vhdx' 'in/My Disk.vhd'`"),
        "{h}"
    );
    assert!(
        h.contains(
            "`Convert-VHD -Path 'My Disk.vhdx' -DestinationPath 'My Disk.vhd' -VHDType Fixed`"
        ),
        "{h}"
    );
    let h = e("x.vhd", VhdProblem::Vhdx).help();
    assert!(h.contains("x.vhd x-converted.vhd`"), "{h}");
    assert!(
        h.contains("-Path x.vhd -DestinationPath x-converted.vhd "),
        "{h}"
    );
    let h = e("c.vhd", VhdProblem::Differencing { parent: None }).help();
    assert!(
        h.contains("Convert-VHD -Path c.vhd -DestinationPath c-merged.vhd -VHDType Fixed"),
        "{h}"
    );
    assert!(h.contains("Merge-VHD"), "{h}");
    assert!(h.contains("Do not use qemu-img"), "{h}");
}

#[test]
fn open_reports_missing_file_and_directory() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("none.vhd");
    let e = open(&missing).unwrap_err();
    assert_eq!(e.offset, None);
    assert!(
        matches!(&e.problem, VhdProblem::Unreadable(io) if io.kind() == io::ErrorKind::NotFound)
    );
    assert!(e
        .to_string()
        .starts_with(&format!("{}: can't read the disk: ", missing.display())));
    assert!(e.help().starts_with("check the disk's path"));
    let e = open(dir.path()).unwrap_err();
    assert!(matches!(
        e.problem,
        VhdProblem::NotAFile { kind: "a folder" }
    ));
}

#[test]
fn rejects_zero_size() {
    let d = fixed(0);
    assert_eq!(d.len(), 512);
    assert_eq!(
        fail(&d),
        (
            Some(48),
            "the footer's current size is 0: a fixed disk must hold at least one 512-byte sector"
                .into()
        )
    );
    let d = dynamic(0, &[]);
    let end = d.len() as u64 - 512;
    assert_eq!(
        fail(&d),
        (
            Some(end + 48),
            "the footer's current size is 0: a dynamic disk must hold at least one 512-byte sector"
                .into()
        )
    );
}

#[test]
fn rejects_size_that_is_not_whole_sectors() {
    assert_eq!(
        fail(&fixed(1000)),
        (
            Some(1000 + 48),
            "the footer's current size is 1000 bytes, not a whole number of 512-byte sectors"
                .into()
        )
    );
    let d = dynamic(SIZE + 1, &[]);
    let (offset, msg) = fail(&d);
    assert_eq!(offset, Some(d.len() as u64 - 512 + 48));
    assert!(msg.contains("8388609 bytes, not a whole number"), "{msg}");
}

#[test]
fn rejects_size_over_2040_gib() {
    let size = 0xFF00_0000u64 * 512;
    let mut d = vec![0; 512];
    d.extend(footer(2, size + 512, u64::MAX));
    assert_eq!(
        fail(&d),
        (
            Some(512 + 48),
            "the footer's current size is 2190433321472 bytes; a VHD holds at most 2190433320960 bytes (2040 GiB)".into()
        )
    );
    // The largest size passes the size check (and fails only for the missing data).
    let mut d = vec![0; 512];
    d.extend(footer(2, size, u64::MAX));
    assert!(fail(&d)
        .1
        .starts_with("the footer says the fixed disk holds 2190433320960 bytes"));
}

#[test]
fn block_size_is_a_power_of_two_from_512_kib_to_256_mib() {
    for ok in [512 << 10, 2 << 20, 256 << 20] {
        let mut d = dynamic(SIZE, &[]);
        set_header_u32(&mut d, 32, ok);
        let info = run(&d).unwrap_or_else(|e| panic!("{ok}: {}", e.1));
        assert_eq!(info.dynamic.unwrap().block_size, ok);
    }
    for bad in [
        0,
        512,
        4096,
        3000,
        (512 << 10) + 512,
        256 << 10,
        512 << 20,
        1 << 31,
    ] {
        let mut d = dynamic(SIZE, &[]);
        set_header_u32(&mut d, 32, bad);
        assert_eq!(
            fail(&d),
            (
                Some(512 + 32),
                format!("block size is {bad}; expected a power of two from 524288 (512 KiB) to 268435456 (256 MiB), usually 2097152 (2 MiB)")
            ),
        );
    }
}

#[test]
fn table_may_have_a_sector_of_spare_entries_but_no_more() {
    let d = dynamic_with(SIZE, 16 + 127, &[1]);
    assert_eq!(run(&d).unwrap().dynamic.unwrap().max_table_entries, 143);
    for entries in [16 + 128, 1 << 26, u32::MAX] {
        let mut d = dynamic(SIZE, &[1]);
        set_header_u32(&mut d, 28, entries);
        assert_eq!(
            fail(&d),
            (
                Some(512 + 28),
                format!("the block table has {entries} entries, but a disk of 8388608 bytes has 16 blocks: the table may have at most 127 entries more")
            )
        );
    }
}

/// Sets the sparse header's table offset.
fn set_table_offset(d: &mut [u8], offset: u64) {
    d[512 + 16..512 + 24].copy_from_slice(&offset.to_be_bytes());
    seal(&mut d[512..1536], 36);
}

#[test]
fn rejects_table_over_the_headers() {
    let mut d = dynamic(SIZE, &[]);
    set_table_offset(&mut d, 1024);
    assert_eq!(
        fail(&d),
        (
            Some(512 + 16),
            "the block allocation table (bytes 1024 to 1088) overlaps the sparse header (bytes 512 to 1536)".into()
        )
    );
    set_table_offset(&mut d, 448);
    assert_eq!(
        fail(&d).1,
        "the block allocation table (bytes 448 to 512) overlaps the footer copy (bytes 0 to 512)"
    );
}

#[test]
fn rejects_blocks_over_the_headers_or_the_table() {
    let cases = [
        (0, "the footer copy (bytes 0 to 512)"),
        (1, "the sparse header (bytes 512 to 1536)"),
        (3, "the block allocation table (bytes 1536 to 1600)"),
    ];
    for (sector, what) in cases {
        let mut d = dynamic(SIZE, &[0, 5]);
        set_entry(&mut d, 5, sector);
        let start = u64::from(sector) * 512;
        assert_eq!(
            fail(&d),
            (
                Some(1536 + 5 * 4),
                format!(
                    "the table entry of block 5 puts it at bytes {start} to {}, over {what}",
                    start + BLOCK_LEN
                )
            )
        );
    }
}

#[test]
fn rejects_blocks_over_each_other() {
    let first = FIRST_BLOCK / 512;
    for (second, second_start) in [(first, FIRST_BLOCK), (first + 1, FIRST_BLOCK + 512)] {
        let mut d = dynamic(SIZE, &[0, 9]);
        set_entry(&mut d, 9, second as u32);
        assert_eq!(
            fail(&d),
            (
                Some(1536 + 9 * 4),
                format!(
                    "blocks 0 and 9 overlap: block 0 lies at bytes {FIRST_BLOCK} to {}, block 9 at bytes {second_start} to {}",
                    FIRST_BLOCK + BLOCK_LEN,
                    second_start + BLOCK_LEN
                )
            )
        );
    }
    // Blocks that touch do not overlap.
    let mut d = dynamic(SIZE, &[0, 9]);
    set_entry(&mut d, 9, ((FIRST_BLOCK + BLOCK_LEN) / 512) as u32);
    set_entry(&mut d, 0, (FIRST_BLOCK / 512) as u32);
    assert_eq!(run(&d).unwrap().dynamic.unwrap().allocated_blocks, 2);
}

#[test]
fn reads_a_table_larger_than_one_piece() {
    // 20,000 entries: 80,000 bytes of table, read in two 64 KiB pieces.
    let size = 20_000 * u64::from(BLOCK);
    let d = dynamic(size, &[0, 16_384, 19_999]);
    assert_eq!(run(&d).unwrap().dynamic.unwrap().allocated_blocks, 3);
    // A clash found past the first piece is still named by both indexes.
    let mut d = d;
    let block0 = be(&d, 1536);
    set_entry(&mut d, 19_000, block0);
    let (offset, msg) = fail(&d);
    assert_eq!(offset, Some(1536 + 19_000 * 4));
    assert!(msg.starts_with("blocks 0 and 19000 overlap: "), "{msg}");
}

fn be(d: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([d[at], d[at + 1], d[at + 2], d[at + 3]])
}
