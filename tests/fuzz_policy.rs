//! Mutated policies through `check` and `build`: thousands in-process (the same
//! `check::check` the binary calls), a sample through the real binary.
//!
//! Invariants: no panic, no hang; exit 0, 1 or 2; every exit-2 error has a location
//! and a `help:` line, echoes no raw control characters and no 1,000-character line;
//! `check` writes nothing; a refused `build` leaves no OUTDIR, no parent folder it
//! made and no temporary folder; a successful `build` makes a package `verify` accepts.

mod support;

use support::fuzz;

use fuzz::{Findings, Rng};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The seed policies: the example and every fixture, each pointing at `disk.vhd`
/// (fixtures that are not UTF-8 on purpose are kept as bytes); the good ones first.
fn seeds() -> Vec<Vec<u8>> {
    let root = Path::new(fuzz::ROOT);
    let mut files = vec![root.join("examples/contoso/workspace.toml")];
    for dir in ["fixtures/policies", "fixtures/policies/bad"] {
        let mut found: Vec<PathBuf> = fs::read_dir(root.join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        found.sort();
        files.extend(found);
    }
    files
        .iter()
        .map(|p| {
            let bytes = fs::read(p).unwrap();
            match String::from_utf8(bytes) {
                Ok(text) => point_at_disk(&text).into_bytes(),
                Err(e) => e.into_bytes(),
            }
        })
        .collect()
}

/// Rewrites the `vhd` key to name `disk.vhd` beside the policy.
fn point_at_disk(text: &str) -> String {
    let lines: Vec<String> = text
        .lines()
        .map(|l| {
            if l.trim_start().starts_with("vhd") && l.contains('=') {
                "vhd = \"disk.vhd\"".to_string()
            } else {
                l.to_string()
            }
        })
        .collect();
    lines.join("\n") + "\n"
}

/// How many of [`seeds`] are good policies: the example and the two good fixtures.
const GOOD_SEEDS: usize = 3;

/// Characters that break naive parsers, renderers and the Windows-1252 rule.
const ODD_CHARS: &[&str] = &[
    "\u{0}",
    "\u{1}",
    "\u{7}",
    "\u{8}",
    "\t",
    "\r",
    "\u{b}",
    "\u{c}",
    "\u{1b}",
    "\u{1b}[31m",
    "\u{7f}",
    "\u{85}",
    "\u{9b}",
    "\u{a0}",
    "\u{ad}",
    "\u{200b}",
    "\u{200e}",
    "\u{202e}",
    "\u{2028}",
    "\u{feff}",
    "\u{fffd}",
    "\u{ffff}",
    "é",
    "€",
    "Ā",
    "中",
    "😀",
    "\u{10ffff}",
    "\"",
    "'",
    "\\",
    "\\u0000",
    "\\u001b",
    "\\x",
    "[",
    "]",
    "{",
    "}",
    "=",
    "#",
    ".",
    ",",
    "\n",
    "\n[",
    "\n[[",
    "\"\"\"",
    "'''",
];

/// Values of every TOML type, for swapping a value's type.
const OTHER_VALUES: &[&str] = &[
    "true",
    "0",
    "-1",
    "1",
    "255",
    "256",
    "65535",
    "65536",
    "2147483647",
    "2147483648",
    "4294967295",
    "-9223372036854775808",
    "9223372036854775807",
    "99999999999999999999",
    "1e400",
    "-0.0",
    "nan",
    "inf",
    "1.5",
    "0x7fffffff",
    "\"\"",
    "\" \"",
    "\"x\"",
    "\"CON\"",
    "\"nul.msi\"",
    "\"COM1\"",
    "\"lpt9.txt\"",
    "\"{00000000-0000-0000-0000-000000000000}\"",
    "[]",
    "[1, \"a\"]",
    "[\"\"]",
    "{}",
    "{ a = 1 }",
    "1979-05-27T07:32:00Z",
    "07:32:00",
    "\"25:61\"",
    "\"2027-02-30 18:00\"",
    "\"/dev/zero\"",
    "\"/dev/null\"",
    "\".\"",
    "\"..\"",
    "\"/\"",
    "\"fixtures\"",
];

/// Applies one text-level mutation.
fn mutate_text(rng: &mut Rng, text: &mut String, binary: bool) {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    if lines.is_empty() {
        lines.push(String::new());
    }
    let i = rng.below(lines.len());
    match rng.below(12) {
        0 => {
            lines.remove(i);
        }
        1 => {
            let copy = lines[i].clone();
            let to = rng.below(lines.len() + 1);
            lines.insert(to, copy);
        }
        2 => {
            let j = rng.below(lines.len());
            lines.swap(i, j);
        }
        3..=5 => {
            let line = &mut lines[i];
            let mut at = rng.below(line.len() + 1);
            while !line.is_char_boundary(at) {
                at -= 1;
            }
            let odd = *rng.pick(ODD_CHARS);
            line.insert_str(at, odd);
        }
        6 | 7 => {
            let other = *rng.pick(OTHER_VALUES);
            replace_value(&mut lines[i], other);
        }
        8 => {
            let value = huge_value(rng, binary);
            replace_value(&mut lines[i], &value);
        }
        9 => {
            let (n, key) = huge_array_target(rng, binary, &lines);
            let array = huge_array(rng, n);
            match key {
                Some(k) => replace_value(&mut lines[k], &array),
                None => replace_value(&mut lines[i], &array),
            }
        }
        10 => {
            // Non-Windows-1252 text in every string value of a line.
            lines[i] = lines[i].replace('"', "\"Ā中");
        }
        _ => {
            let j = rng.below(lines.len());
            let line = lines[j].clone();
            lines[i].push_str(&line);
        }
    }
    *text = lines.join("\n") + "\n";
}

/// Changes one value within its type: a character into a string, another number,
/// the other boolean.
fn mutate_gently(rng: &mut Rng, text: &mut String) {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let with_value: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].contains(" = ") && !lines[i].trim_start().starts_with('#'))
        .collect();
    if with_value.is_empty() {
        return;
    }
    let line = &mut lines[*rng.pick(&with_value)];
    let eq = line.find(" = ").expect("filtered") + 3;
    let value = line[eq..].to_string();
    let number = rng
        .pick(&[0u64, 1, 2, 10, 100, 255, 512, 1024, 4096, 65535])
        .to_string();
    let new = if let Some(rest) = value.strip_prefix('"') {
        format!(
            "\"{}{rest}",
            rng.pick(&["a", "é", "€", " ", "-", "%", "x y", "Z"])
        )
    } else if value == "true" || value == "false" {
        (value == "false").to_string()
    } else if value.parse::<i64>().is_ok() {
        number
    } else {
        value
    };
    line.truncate(eq);
    line.push_str(&new);
    *text = lines.join("\n") + "\n";
}

/// Replaces what follows `=` on a line (or the whole line when it has none).
fn replace_value(line: &mut String, value: &str) {
    match line.find('=') {
        Some(eq) => {
            line.truncate(eq + 1);
            line.push(' ');
            line.push_str(value);
        }
        None => *line = format!("x = {value}"),
    }
}

fn huge_value(rng: &mut Rng, binary: bool) -> String {
    let n = if binary { 1 << 20 } else { 1 << 16 };
    match rng.below(4) {
        0 => format!("\"{}\"", "x".repeat(n)),
        1 => format!("\"{}\"", "\u{1b}[2J\u{7}".repeat(n / 8)),
        2 => "9".repeat(rng.range(20, 5000) as usize),
        _ => format!("\"{}\"", "Ā".repeat(n / 4)),
    }
}

/// The size of a huge array, and the line of `to_guest` when it should go there.
fn huge_array_target(rng: &mut Rng, binary: bool, lines: &[String]) -> (usize, Option<usize>) {
    let n = if binary && rng.one_in(10) {
        200_000
    } else {
        rng.range(1_000, 10_000) as usize
    };
    let key = lines
        .iter()
        .position(|l| l.trim_start().starts_with("to_guest"));
    (n, key.filter(|_| rng.one_in(2)))
}

fn huge_array(rng: &mut Rng, n: usize) -> String {
    let kind = rng.below(3);
    let items: Vec<String> = (0..n)
        .map(|i| match kind {
            0 => format!("\"*.host{i}.contoso.com\""),
            1 => format!("\"*.host{}.contoso.com\"", i % 7),
            _ => i.to_string(),
        })
        .collect();
    format!("[{}]", items.join(", "))
}

/// Byte-level damage the text mutations cannot make: BOMs, other encodings, bad UTF-8.
fn mutate_encoding(rng: &mut Rng, text: &str) -> Vec<u8> {
    match rng.below(8) {
        0 => [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
        1 => {
            let mut out = vec![0xFF, 0xFE];
            out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
            out
        }
        2 => {
            let mut out = vec![0xFE, 0xFF];
            out.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
            out
        }
        3 => {
            // Windows-1252 (what a Western editor saves): é is one byte, 0xE9.
            let text = text.replacen("name = \"", "name = \"Café ", 1);
            text.chars()
                .map(|c| if (c as u32) < 256 { c as u8 } else { b'?' })
                .collect()
        }
        _ => {
            let mut bytes = text.as_bytes().to_vec();
            let bad: &[&[u8]] = &[
                b"\xFF",
                b"\xC3",
                b"\xC0\x80",
                b"\xED\xA0\x80",
                b"\xF8\x88\x80\x80\x80",
                b"\xE2\x82",
                b"\x00",
            ];
            let at = rng.below(bytes.len() + 1);
            bytes.splice(at..at, rng.pick(bad).iter().copied());
            if rng.one_in(2) {
                let ops = 1 + rng.below(3);
                fuzz::mutate_bytes(rng, &mut bytes, ops);
            }
            bytes
        }
    }
}

/// Makes the policy bytes of one case.
fn make_case(part: &str, case: usize, binary: bool, seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut rng = fuzz::case_rng(part, case);
    // Two cases in five change values within their type, in a good policy, so
    // that some still pass `check` and the build and verify invariants get exercised.
    let gentle = rng.below(5) < 2;
    let seed = if gentle {
        rng.pick(&seeds[..GOOD_SEEDS])
    } else {
        rng.pick(seeds)
    };
    let Ok(mut text) = String::from_utf8(seed.clone()) else {
        let mut bytes = seed.clone();
        let ops = 1 + rng.below(3);
        fuzz::mutate_bytes(&mut rng, &mut bytes, ops);
        return bytes;
    };
    for _ in 0..1 + rng.below(3) {
        if gentle {
            mutate_gently(&mut rng, &mut text);
        } else {
            mutate_text(&mut rng, &mut text, binary);
        }
    }
    if gentle {
        return text.into_bytes();
    }
    if rng.one_in(4) {
        mutate_encoding(&mut rng, &text)
    } else {
        text.into_bytes()
    }
}

/// A folder holding `disk.vhd` (a link to the fixed fixture) for policies to point at.
fn case_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let disk = Path::new(fuzz::ROOT).join("fixtures/disks/fixed.vhd");
    fuzz::link_or_copy(&disk, &dir.path().join("disk.vhd"));
    dir
}

fn names(dir: &Path) -> Vec<String> {
    let mut n: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    n.sort();
    n
}

#[test]
fn mutated_policies_in_process() {
    let seeds = seeds();
    assert!(
        seeds[..GOOD_SEEDS]
            .iter()
            .all(|s| !String::from_utf8_lossy(s).contains("# expect")),
        "the first seeds are the good policies"
    );
    let dir = case_dir();
    let path = dir.path().join("workspace.toml");
    let mut findings = Findings::new("policy-in-process", "fuzz_policy");
    for case in fuzz::case_numbers(fuzz::cases(1500)) {
        let bytes = make_case("policy-in-process", case, false, &seeds);
        fs::write(&path, &bytes).unwrap();
        let started = Instant::now();
        let result = fuzz::no_panic(|| wspack::check::check(&path).map(|_| ()));
        findings.ran();
        let took = started.elapsed();
        if took > Duration::from_secs(5) {
            let detail = format!("check took {:.1} s", took.as_secs_f64());
            findings.broke(
                "no hang: a check takes under 5 s",
                case,
                &detail,
                Some(&bytes),
            );
        }
        match result {
            Err(panic) => findings.broke("no panic", case, &panic, Some(&bytes)),
            Ok(Ok(())) => findings.outcome("accepted"),
            Ok(Err(e)) => {
                findings.outcome(format!("exit {}", e.exit_code()));
                let message = e.render();
                match e.exit_code() {
                    2 => {
                        for (invariant, detail) in fuzz::refusal_invariants(&message) {
                            findings.broke(invariant, case, &detail, Some(&bytes));
                        }
                    }
                    code => {
                        let detail = format!("exit {code}: {message}");
                        findings.broke("a policy problem is exit 2", case, &detail, Some(&bytes));
                    }
                }
            }
        }
    }
    findings.finish();
}

#[test]
fn mutated_policies_through_the_binary() {
    let seeds = seeds();
    let mut findings = Findings::new("policy-binary", "fuzz_policy");
    let builds = fuzz::cases(20);
    let mut accepted_builds = 0;
    for case in fuzz::case_numbers(fuzz::cases(150)) {
        let bytes = make_case("policy-binary", case, true, &seeds);
        let dir = case_dir();
        let path = dir.path().join("workspace.toml");
        fs::write(&path, &bytes).unwrap();
        findings.ran();
        let before = names(dir.path());
        let check = fuzz::run(
            fuzz::wspack().arg("check").arg(&path),
            Duration::from_secs(20),
        );
        findings.outcome(format!("check exit {:?}", check.code));
        for (invariant, detail) in fuzz::common_invariants(&check, &[0, 1, 2]) {
            findings.broke(invariant, case, &detail, Some(&bytes));
        }
        if names(dir.path()) != before {
            let detail = format!("{:?} became {:?}", before, names(dir.path()));
            findings.broke("check writes nothing", case, &detail, Some(&bytes));
        }
        if case < builds || (check.code == Some(0) && accepted_builds < builds) {
            accepted_builds += usize::from(check.code == Some(0));
            build_case(&mut findings, case, &bytes, dir.path());
        }
    }
    findings.finish();
}

/// Builds one mutated policy into `DIR/made/for/out` and checks what is left.
fn build_case(findings: &mut Findings, case: usize, bytes: &[u8], dir: &Path) {
    let out = dir.join("made/for/out");
    let build = fuzz::run(
        fuzz::wspack()
            .args(["build", "--quiet", "-o"])
            .arg(&out)
            .arg(dir.join("workspace.toml")),
        Duration::from_secs(60),
    );
    findings.outcome(format!("build exit {:?}", build.code));
    for (invariant, detail) in fuzz::common_invariants(&build, &[0, 1, 2]) {
        findings.broke(invariant, case, &format!("build: {detail}"), Some(bytes));
    }
    if build.code == Some(0) {
        let verify = fuzz::verify(&out);
        if verify.code != Some(0) {
            let detail = format!("verify: {}", verify.describe());
            findings.broke("a built package passes verify", case, &detail, Some(bytes));
        }
    } else if dir.join("made").exists() {
        let detail = format!(
            "{} exists after: {}",
            dir.join("made").display(),
            build.describe()
        );
        findings.broke("a failed build writes nothing", case, &detail, Some(bytes));
    }
    let left = fuzz::leftovers(&out);
    if !left.is_empty() {
        let detail = format!("{left:?} after: {}", build.describe());
        findings.broke(
            "a build leaves no temporary folder",
            case,
            &detail,
            Some(bytes),
        );
    }
}

/// The checks the whole suite relies on see a location, a missing `help:`, raw
/// control characters and overlong lines where they are, and nowhere else.
#[test]
fn the_invariant_checks_see_what_they_look_for() {
    let located = "error: ws.toml:12:5: bad value\n  help: fix it\n";
    assert!(fuzz::refusal_invariants(located).is_empty());
    let offset = "error: disk.vhd: byte 512: bad footer\n  help: convert it\n";
    assert!(fuzz::refusal_invariants(offset).is_empty());
    let two = format!("{located}error: ws.toml: no location\n  help: fix it\n");
    let broken = fuzz::refusal_invariants(&two);
    assert_eq!(broken.len(), 1, "{broken:?}");
    assert!(broken[0].0.contains("byte offset"), "{broken:?}");
    let no_help = "error: ws.toml:1:1: bad\nerror: ws.toml:2:1: worse\n  help: fix it\n";
    let broken = fuzz::refusal_invariants(no_help);
    assert_eq!(broken.len(), 1, "{broken:?}");
    assert!(broken[0].0.contains("help"), "{broken:?}");
    let escape = "error: ws.toml:1:1: name = \"\u{1b}[2J\"\n  help: fix it\n";
    assert!(fuzz::refusal_invariants(escape)[0].0.contains("control"));
    let long = format!("error: ws.toml:1:1: {}\n  help: fix it\n", "x".repeat(1001));
    assert!(fuzz::refusal_invariants(&long)[0].0.contains("1,000"));
    assert!(!fuzz::has_location("error: can't read ws.toml: 12 bytes\n"));
}
