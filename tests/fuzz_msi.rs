//! Mutated MSIs through `inspect`: a package is built once, its MSI damaged
//! (bit flips, overwritten words, zeroed sectors, truncation), aimed mostly at the
//! compound file's structure (header, FAT, directory, mini stream), where a reader
//! trusts what it finds. Thousands in-process, a sample through the binary.
//!
//! Invariants: no panic and no hang; an error or an inspection, never anything else;
//! the binary exits 0, 1 or 2; an exit-2 message has a `help:` line.

mod support;

use support::fuzz;

use fuzz::{Findings, Rng};
use std::fs;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

/// The MSI of a real build of the minimal fixture policy (built once per run).
fn package_msi() -> &'static [u8] {
    static MSI: OnceLock<Vec<u8>> = OnceLock::new();
    MSI.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        fuzz::build_minimal_package(&out);
        let msi: Vec<PathBuf> = fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "msi"))
            .collect();
        fs::read(&msi[0]).unwrap()
    })
}

/// Byte ranges of the compound file's structure: header, FAT, directory, mini FAT
/// and mini stream sectors (where table data and the string pool live).
fn structure(msi: &[u8]) -> Vec<Range<usize>> {
    let u32_at = |at: usize| {
        msi.get(at..at + 4)
            .map(|b| u32::from_le_bytes(b.try_into().unwrap()))
            .unwrap_or(u32::MAX)
    };
    let sector = 1usize << msi[0x1E];
    let range = |s: u32| {
        let start = (s as usize + 1) * sector;
        start.min(msi.len())..(start + sector).min(msi.len())
    };
    let fat_sectors: Vec<u32> = (0..109)
        .map(|i| u32_at(0x4C + 4 * i))
        .filter(|&s| s < 0xFFFF_FFFA)
        .collect();
    let fat: Vec<u32> = fat_sectors
        .iter()
        .flat_map(|&s| range(s).step_by(4).map(u32_at).collect::<Vec<_>>())
        .collect();
    let chain = |mut s: u32| {
        let mut out = Vec::new();
        while (s as usize) < fat.len() && out.len() < 100_000 {
            out.push(s);
            s = fat[s as usize];
        }
        out
    };
    let directory = chain(u32_at(0x30));
    let root_start = directory
        .first()
        .map(|&s| u32_at(range(s).start + 0x74))
        .unwrap_or(u32::MAX);
    let mut sectors = fat_sectors;
    sectors.extend(directory);
    sectors.extend(chain(u32_at(0x3C)));
    sectors.extend(chain(root_start));
    let header: Range<usize> = 0..512.min(msi.len());
    let mut ranges = Vec::from([header]);
    ranges.extend(sectors.into_iter().map(range).filter(|r| !r.is_empty()));
    ranges
}

/// Words that sector chains, sizes and counts treat specially.
const WORDS: &[u32] = &[
    0,
    1,
    2,
    3,
    0x7F,
    0x80,
    0xFFFF,
    0x1_0000,
    0x7FFF_FFFF,
    0x8000_0000,
    0xFFFF_FFFA,
    0xFFFF_FFFB,
    0xFFFF_FFFC,
    0xFFFF_FFFD,
    0xFFFF_FFFE,
    0xFFFF_FFFF,
];

/// Damages one MSI: 1 to 4 mutations, most inside the structure.
fn mutate(rng: &mut Rng, msi: &[u8], structure: &[Range<usize>]) -> Vec<u8> {
    let mut data = msi.to_vec();
    for _ in 0..1 + rng.below(4) {
        let len = data.len();
        if len == 0 {
            break;
        }
        let area = if rng.below(10) < 7 {
            let r = rng.pick(structure).clone();
            r.start.min(len)..r.end.min(len)
        } else {
            0..len
        };
        if area.is_empty() {
            continue;
        }
        let at = area.start + rng.below(area.len());
        match rng.below(10) {
            0..=3 => data[at] ^= 1 << rng.below(8),
            4 | 5 => {
                let at = at & !3;
                if at + 4 <= len {
                    data[at..at + 4].copy_from_slice(&rng.pick(WORDS).to_le_bytes());
                }
            }
            6 => data[area].fill(0),
            7 => {
                let n = rng.below(64).min(len - at);
                let bytes = rng.bytes(n);
                data[at..at + n].copy_from_slice(&bytes);
            }
            8 => data.truncate(if rng.one_in(2) { area.start } else { at }),
            _ => {
                let n = rng.below(8).min(len - at);
                data[at..at + n].fill(0xFF);
            }
        }
    }
    data
}

#[test]
fn mutated_msis_in_process() {
    let msi = package_msi();
    let structure = structure(msi);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("damaged.msi");
    let mut findings = Findings::new("msi-in-process", "fuzz_msi");
    for case in fuzz::case_numbers(fuzz::cases(5000)) {
        let mut rng = fuzz::case_rng("msi-in-process", case);
        let bytes = mutate(&mut rng, msi, &structure);
        fs::write(&path, &bytes).unwrap();
        findings.ran();
        let result = fuzz::no_panic(|| {
            wspack::msi::inspect(&path).map(|i| (i.to_string(), serde_json::to_string(&i)))
        });
        match result {
            Err(panic) => findings.broke("no panic", case, &panic, Some(&bytes)),
            Ok(Ok(_)) => findings.outcome("inspected"),
            Ok(Err(e)) => {
                findings.outcome(format!("exit {}", e.exit_code()));
                let message = e.render();
                if e.exit_code() == 2 && !fuzz::has_help(&message) {
                    findings.broke("exit 2 has a help: line", case, &message, Some(&bytes));
                }
                for (invariant, detail) in fuzz::message_invariants(&message) {
                    findings.broke(invariant, case, &detail, Some(&bytes));
                }
            }
        }
    }
    findings.finish();
}

#[test]
fn mutated_msis_through_the_binary() {
    let msi = package_msi();
    let structure = structure(msi);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("damaged.msi");
    let mut findings = Findings::new("msi-binary", "fuzz_msi");
    for case in fuzz::case_numbers(fuzz::cases(300)) {
        let mut rng = fuzz::case_rng("msi-binary", case);
        let bytes = mutate(&mut rng, msi, &structure);
        fs::write(&path, &bytes).unwrap();
        findings.ran();
        let mut cmd = fuzz::wspack();
        cmd.arg("inspect").arg(&path);
        if rng.one_in(2) {
            cmd.arg("--json");
        }
        let run = fuzz::run(&mut cmd, Duration::from_secs(20));
        findings.outcome(format!("exit {:?}", run.code));
        for (invariant, detail) in msi_invariants(&run) {
            findings.broke(invariant, case, &detail, Some(&bytes));
        }
    }
    findings.finish();
}

/// The common invariants, except that a damaged MSI has no line or offset to name.
fn msi_invariants(run: &fuzz::Run) -> Vec<(&'static str, String)> {
    let mut broken = fuzz::common_invariants(run, &[0, 1, 2]);
    broken.retain(|(invariant, _)| !invariant.contains("byte offset"));
    broken
}
