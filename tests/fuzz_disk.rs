//! Mutated disk headers through the disk reader and `check`: the fixed and dynamic
//! fixtures with their footer, footer copy, sparse header and block table damaged
//! (fields set to edge values, bits flipped, entries pointed at the headers or at
//! each other, the file cut or grown sparse), the checksums recomputed in half the
//! cases so the damage gets past them. Thousands in-process, a sample through the
//! binary with its peak memory measured.
//!
//! Invariants: no panic, no hang, peak RSS under 100 MiB whatever the header claims;
//! a refusal is exit 2 naming a byte offset with a `help:` line; an accepted disk is
//! one a hypervisor could use (size a non-zero multiple of 512, a fixed disk's file
//! holds its size plus the footer, a dynamic disk's blocks lie after its block table,
//! before its footer, and apart from each other).

mod support;

use support::fuzz;

use fuzz::{Findings, Rng};
use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

const FOOTER: usize = 512;
const SPARSE: usize = 1024;
/// Peak memory allowed to `wspack check` on any disk.
const MAX_RSS_KIB: i64 = 100 * 1024;

/// Numeric footer fields: (offset, width).
const FOOTER_FIELDS: &[(usize, usize)] = &[
    (8, 4),
    (12, 4),
    (16, 8),
    (40, 8),
    (48, 8),
    (56, 2),
    (58, 1),
    (59, 1),
    (60, 4),
    (84, 1),
];
/// Numeric sparse header fields: (offset, width).
const SPARSE_FIELDS: &[(usize, usize)] = &[(8, 8), (16, 8), (24, 4), (28, 4), (32, 4)];

fn fixture(name: &str) -> Vec<u8> {
    fs::read(Path::new(fuzz::ROOT).join("fixtures/disks").join(name)).unwrap()
}

fn be(b: &[u8], at: usize, width: usize) -> u64 {
    b[at..at + width]
        .iter()
        .fold(0, |v, &x| (v << 8) | u64::from(x))
}

fn set_be(b: &mut [u8], at: usize, width: usize, value: u64) {
    for i in 0..width {
        b[at + i] = (value >> (8 * (width - 1 - i))) as u8;
    }
}

/// Writes the VHD checksum (one's complement of the byte sum) of `b` at `field`.
fn fix_checksum(b: &mut [u8], field: usize) {
    b[field..field + 4].fill(0);
    let sum = b.iter().fold(0u32, |s, &x| s.wrapping_add(u32::from(x)));
    b[field..field + 4].copy_from_slice(&(!sum).to_be_bytes());
}

/// Where the parts of a disk image are, read from its (original) footer and header.
struct Layout {
    dynamic: bool,
    header: usize,
    bat: usize,
    entries: usize,
}

fn layout(disk: &[u8]) -> Layout {
    let footer = &disk[disk.len() - FOOTER..];
    let dynamic = be(footer, 60, 4) == 3;
    let header = if dynamic {
        be(footer, 16, 8) as usize
    } else {
        0
    };
    let (bat, entries) = if dynamic {
        let h = &disk[header..header + SPARSE];
        (be(h, 16, 8) as usize, be(h, 28, 4) as usize)
    } else {
        (0, 0)
    };
    Layout {
        dynamic,
        header,
        bat,
        entries,
    }
}

/// An edge value for a field of `width` bytes in a file of `len` bytes.
fn edge_value(rng: &mut Rng, width: usize, len: u64, old: u64) -> u64 {
    let max = if width == 8 {
        u64::MAX
    } else {
        (1u64 << (8 * width)) - 1
    };
    let random = rng.next_u64();
    let v = *rng.pick(&[
        0,
        1,
        2,
        3,
        4,
        511,
        512,
        513,
        1024,
        1536,
        len,
        len - 512,
        len + 512,
        len / 512,
        1 << 20,
        1 << 21,
        1 << 26,
        1 << 31,
        1 << 32,
        1 << 40,
        u64::MAX / 2,
        max,
        old.wrapping_add(1),
        old.wrapping_sub(1),
        old.wrapping_add(512),
        old.wrapping_sub(512),
        old << 1,
        old >> 1,
        random,
    ]);
    v & max
}

/// Damages one disk image; returns it (possibly shorter or longer).
fn mutate(rng: &mut Rng, base: &[u8], binary: bool) -> Vec<u8> {
    let mut disk = base.to_vec();
    let lay = layout(base);
    for _ in 0..1 + rng.below(3) {
        mutate_once(rng, &mut disk, &lay);
    }
    if rng.one_in(8) {
        resize(rng, &mut disk, binary);
    }
    if rng.one_in(2) {
        fix_checksums(&mut disk, &lay, rng.one_in(4));
    }
    disk
}

fn mutate_once(rng: &mut Rng, disk: &mut [u8], lay: &Layout) {
    let len = disk.len() as u64;
    let footer_at = disk.len() - FOOTER;
    let (region, fields): (usize, &[(usize, usize)]) =
        match rng.below(if lay.dynamic { 4 } else { 1 }) {
            0 => (footer_at, FOOTER_FIELDS),
            1 => (0, FOOTER_FIELDS),
            2 => (lay.header, SPARSE_FIELDS),
            _ => {
                bat_entry(rng, disk, lay);
                return;
            }
        };
    let region_len = if fields.len() == SPARSE_FIELDS.len() {
        SPARSE
    } else {
        FOOTER
    };
    match rng.below(4) {
        0 => {
            let at = region + rng.below(region_len);
            disk[at] ^= 1 << rng.below(8);
        }
        1 => {
            let at = region + rng.below(region_len);
            disk[at] = rng.next_u64() as u8;
        }
        _ => {
            let &(at, width) = rng.pick(fields);
            let old = be(disk, region + at, width);
            let value = edge_value(rng, width, len, old);
            set_be(disk, region + at, width, value);
        }
    }
}

/// Points a block table entry somewhere odd: at the headers, at another block, far away.
fn bat_entry(rng: &mut Rng, disk: &mut [u8], lay: &Layout) {
    if lay.entries == 0 {
        return;
    }
    let i = rng.below(lay.entries.min(64));
    let at = lay.bat + 4 * i;
    let other = be(disk, lay.bat + 4 * rng.below(lay.entries.min(64)), 4);
    let len_sectors = disk.len() as u64 / 512;
    let random = rng.next_u64() & 0xFFFF_FFFF;
    let value = *rng.pick(&[
        0,
        1,
        (lay.header / 512) as u64,
        (lay.bat / 512) as u64,
        other,
        other + 1,
        len_sectors - 1,
        len_sectors,
        0xFFFF_FFFE,
        0xFFFF_FFFF,
        random,
    ]);
    set_be(disk, at, 4, value);
}

/// Cuts the file, or grows it sparse (binary cases only: up to 8 GiB) with the
/// footer moved to the new end.
fn resize(rng: &mut Rng, disk: &mut Vec<u8>, binary: bool) {
    let footer = disk[disk.len() - FOOTER..].to_vec();
    if rng.one_in(2) || !binary {
        let keep = rng.below(disk.len());
        disk.truncate(keep);
    } else {
        // Marked by a trailing length so `write_disk` makes the hole without memory.
        let grow = *rng.pick(&[1u64 << 20, 1 << 28, 1 << 32, 1 << 33]);
        disk.extend_from_slice(&footer);
        disk.extend_from_slice(&grow.to_be_bytes());
        disk.extend_from_slice(b"SPARSE!!");
    }
}

/// Recomputes the footer and sparse header checksums (and, if `copy`, makes the
/// footer copy at byte 0 equal the footer at the end again).
fn fix_checksums(disk: &mut [u8], lay: &Layout, copy: bool) {
    let (body, footer) = split_sparse(disk);
    if footer.len() < FOOTER {
        return;
    }
    fix_checksum(footer, 64);
    if lay.dynamic && body.len() >= lay.header + SPARSE {
        if copy {
            body[..FOOTER].copy_from_slice(footer);
        } else {
            fix_checksum(&mut body[..FOOTER], 64);
        }
        fix_checksum(&mut body[lay.header..lay.header + SPARSE], 36);
    }
}

/// Splits an image into (everything before the footer, the footer), seeing through
/// the sparse-growth marker.
fn split_sparse(disk: &mut [u8]) -> (&mut [u8], &mut [u8]) {
    let end = if disk.ends_with(b"SPARSE!!") {
        disk.len() - 16
    } else {
        disk.len()
    };
    let at = end.saturating_sub(FOOTER);
    let (body, rest) = disk.split_at_mut(at);
    (body, &mut rest[..end - at])
}

/// Writes an image; a sparse-growth marker becomes a hole before the final footer.
fn write_disk(path: &Path, disk: &[u8]) {
    if !disk.ends_with(b"SPARSE!!") {
        fs::write(path, disk).unwrap();
        return;
    }
    let n = disk.len();
    let grow = u64::from_be_bytes(disk[n - 16..n - 8].try_into().unwrap());
    let footer = &disk[n - 16 - FOOTER..n - 16];
    let body = &disk[..n - 16 - FOOTER];
    use std::io::{Seek, SeekFrom, Write};
    let mut f = fs::File::create(path).unwrap();
    f.write_all(body).unwrap();
    f.seek(SeekFrom::Start(body.len() as u64 + grow)).unwrap();
    f.write_all(footer).unwrap();
}

/// Writes `new` over the file that holds `old`, touching only the 4 KiB pieces that
/// differ (the fixtures are megabytes; the damage is a few bytes).
fn write_changes(path: &Path, old: &[u8], new: &[u8]) {
    use std::os::unix::fs::FileExt;
    if old.len() != new.len() {
        fs::write(path, new).unwrap();
        return;
    }
    let file = fs::OpenOptions::new().write(true).open(path).unwrap();
    for (i, (a, b)) in old.chunks(4096).zip(new.chunks(4096)).enumerate() {
        if a != b {
            file.write_all_at(b, (i * 4096) as u64).unwrap();
        }
    }
}

/// What makes an accepted disk one no hypervisor could use; `None` if it is sane.
fn nonsense(info: &wspack::disk::VhdInfo, file: &[u8]) -> Option<String> {
    let size = info.virtual_size;
    if size == 0 || size % 512 != 0 {
        return Some(format!(
            "virtual size {size} is not a non-zero multiple of 512"
        ));
    }
    let len = file.len();
    if len < 512 + FOOTER {
        return Some(format!("a disk of {size} bytes in a file of {len} bytes"));
    }
    if info.kind == wspack::disk::DiskKind::Fixed {
        return (info.file_size < size + 512)
            .then(|| format!("fixed disk of {size} bytes in a file of {}", info.file_size));
    }
    let d = info.dynamic?;
    if !d.block_size.is_power_of_two() || d.block_size < 512 {
        return Some(format!(
            "block size {} is not a power of two ≥ 512",
            d.block_size
        ));
    }
    let bitmap = (u64::from(d.block_size) / 512)
        .div_ceil(8)
        .next_multiple_of(512);
    let bat_end = d.bat_offset + 4 * u64::from(d.max_table_entries);
    let mut blocks = Vec::new();
    for i in 0..d.max_table_entries as usize {
        let at = d.bat_offset as usize + 4 * i;
        if at + 4 > len - FOOTER {
            return Some(format!("block table entry {i} lies past the disk's data"));
        }
        let entry = be(file, at, 4);
        if entry == 0xFFFF_FFFF {
            continue;
        }
        let start = entry * 512;
        let end = start + bitmap + u64::from(d.block_size);
        if start < bat_end || end > (len - FOOTER) as u64 {
            return Some(format!(
                "block {i} at bytes {start}..{end} overlaps the headers/table (end {bat_end}) or the footer ({})",
                len - FOOTER
            ));
        }
        blocks.push((start, end, i));
    }
    blocks.sort();
    blocks
        .windows(2)
        .find(|w| w[1].0 < w[0].1)
        .map(|w| format!("blocks {} and {} overlap", w[0].2, w[1].2))
}

#[test]
fn mutated_disks_in_process() {
    let bases = [fixture("fixed.vhd"), fixture("dynamic.vhd")];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("disk.vhd");
    let mut findings = Findings::new("disk-in-process", "fuzz_disk");
    let mut written = Vec::new();
    for case in fuzz::case_numbers(fuzz::cases(2000)) {
        let mut rng = fuzz::case_rng("disk-in-process", case);
        let disk = mutate(&mut rng, &bases[case % 2], false);
        write_changes(&path, &written, &disk);
        written = disk.clone();
        findings.ran();
        let started = Instant::now();
        let result = fuzz::no_panic(|| wspack::disk::open(&path));
        if started.elapsed() > Duration::from_secs(2) {
            let detail = format!("open took {:.1} s", started.elapsed().as_secs_f64());
            findings.broke(
                "no hang: reading a disk's headers takes under 2 s",
                case,
                &detail,
                Some(&disk),
            );
        }
        match result {
            Err(panic) => findings.broke("no panic", case, &panic, Some(&disk)),
            Ok(Ok(info)) => {
                findings.outcome("accepted");
                if let Some(problem) = nonsense(&info, &disk) {
                    findings.broke(
                        "only usable disks are accepted",
                        case,
                        &problem,
                        Some(&disk),
                    );
                }
            }
            Ok(Err(e)) => {
                findings.outcome("refused");
                let message = wspack::Error::from(e).render();
                for (invariant, detail) in fuzz::refusal_invariants(&message) {
                    findings.broke(invariant, case, &detail, Some(&disk));
                }
            }
        }
    }
    findings.finish();
}

/// Mutations aimed at the block table's size: a dynamic disk claiming up to 2^32-1
/// entries in a file grown sparse to hold them, checksums fixed.
fn huge_table(rng: &mut Rng, base: &[u8]) -> Vec<u8> {
    let mut disk = base.to_vec();
    let lay = layout(base);
    let entries = *rng.pick(&[1u64 << 20, 1 << 26, 1 << 28, (1 << 32) - 1]);
    set_be(&mut disk, lay.header + 28, 4, entries);
    if rng.one_in(2) {
        set_be(&mut disk, lay.header + 32, 4, 512);
    }
    let footer = disk[disk.len() - FOOTER..].to_vec();
    disk.extend_from_slice(&footer);
    disk.extend_from_slice(&(4 * entries).to_be_bytes());
    disk.extend_from_slice(b"SPARSE!!");
    fix_checksums(&mut disk, &lay, true);
    disk
}

#[test]
fn mutated_disks_through_the_binary() {
    let bases = [fixture("fixed.vhd"), fixture("dynamic.vhd")];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("disk.vhd");
    let policy = dir.path().join("ws.toml");
    fs::write(
        &policy,
        "[workspace]\nname = \"Fuzz\"\ninternal_name = \"fuzz\"\nversion = \"1.0.0\"\n\
         manufacturer = \"Contoso\"\nvhd = \"disk.vhd\"\n",
    )
    .unwrap();
    let mut findings = Findings::new("disk-binary", "fuzz_disk");
    for case in fuzz::case_numbers(fuzz::cases(200)) {
        let mut rng = fuzz::case_rng("disk-binary", case);
        let disk = if case % 5 == 4 {
            huge_table(&mut rng, &bases[1])
        } else {
            mutate(&mut rng, &bases[case % 2], true)
        };
        write_disk(&path, &disk);
        findings.ran();
        let run = fuzz::spawn(fuzz::wspack().arg("check").arg(&policy))
            .wait_within(Duration::from_secs(20), MAX_RSS_KIB);
        findings.outcome(format!("exit {:?}", run.code));
        for (invariant, detail) in fuzz::common_invariants(&run, &[0, 2]) {
            findings.broke(invariant, case, &detail, Some(&disk));
        }
        if run.max_rss_kib > MAX_RSS_KIB {
            let detail = format!("{} KiB: {}", run.max_rss_kib, run.describe());
            findings.broke("peak RSS under 100 MiB", case, &detail, Some(&disk));
        }
    }
    findings.finish();
}
