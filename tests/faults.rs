//! Faults around a real build: SIGINT/SIGTERM and SIGKILL at random (seeded)
//! moments, a full disk, and an OUTDIR that is a mount point.
//!
//! Invariants: an interrupted build exits 130 (or 0 if it finished first) and
//! leaves OUTDIR as it was (absent, or the old package) or holding the complete
//! new package, never a temporary folder beside it; after a SIGKILL OUTDIR still
//! holds the old or the new package and the next build succeeds and cleans (or
//! names) what the killed one left; a full disk is exit 1 with a clear message
//! and nothing left behind; a mount-point OUTDIR either works or is refused
//! (exit 2) before any work.
//!
//! The mount tests need root (CI runs as root); they fail, not skip, without it.

mod support;

use support::fuzz;

use fuzz::{Findings, Run};
use std::ffi::CString;
use std::fs;
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

const BUILD_TIMEOUT: Duration = Duration::from_secs(300);

/// A 256 MiB dynamic VHD, a quarter of it random (incompressible) data, made once
/// with qemu-img and kept under the target dir across runs.
fn big_disk() -> &'static Path {
    static DISK: OnceLock<PathBuf> = OnceLock::new();
    DISK.get_or_init(|| {
        let dir = fuzz::cache_dir("faults");
        let disk = dir.join("big-256m-dynamic.vhd");
        if disk.is_file() {
            return disk;
        }
        fuzz::require_tool("qemu-img", "qemu-utils");
        let raw = dir.join("big.raw");
        let mut f = fs::File::create(&raw).unwrap();
        let mut rng = fuzz::Rng::new(256);
        for mib in (0..256u64).step_by(4) {
            f.seek(SeekFrom::Start(mib << 20)).unwrap();
            f.write_all(&rng.bytes(1 << 20)).unwrap();
        }
        f.set_len(256 << 20).unwrap();
        drop(f);
        let tmp = dir.join("big.vhd.part");
        let run = fuzz::run(
            std::process::Command::new("qemu-img")
                .args([
                    "convert",
                    "-q",
                    "-f",
                    "raw",
                    "-O",
                    "vpc",
                    "-o",
                    "subformat=dynamic",
                ])
                .arg(&raw)
                .arg(&tmp),
            Duration::from_secs(120),
        );
        assert_eq!(run.code, Some(0), "qemu-img: {}", run.describe());
        fs::remove_file(&raw).unwrap();
        fs::rename(&tmp, &disk).unwrap();
        disk
    })
}

/// A folder with `ws.toml` (version `1.0.<patch>`) pointing at `disk`.
fn workspace(dir: &Path, disk: &Path, patch: u32) -> PathBuf {
    let toml = dir.join(format!("ws-{patch}.toml"));
    fs::write(
        &toml,
        format!(
            "[workspace]\nname = \"Faults\"\ninternal_name = \"faults\"\n\
             version = \"1.0.{patch}\"\nmanufacturer = \"Contoso\"\nvhd = {:?}\n",
            disk.display().to_string()
        ),
    )
    .unwrap();
    toml
}

fn build(toml: &Path, out: &Path, force: bool) -> std::process::Command {
    let mut cmd = fuzz::wspack();
    cmd.args(["build", "--quiet", "-o"]).arg(out).arg(toml);
    if force {
        cmd.arg("--force");
    }
    cmd
}

fn manifest(out: &Path) -> Option<Vec<u8>> {
    fs::read(out.join("faults.json")).ok()
}

/// The reference: the old package (1.0.0) and the new one's manifest (1.0.1) and
/// how long a build takes; made once.
struct Reference {
    /// Holds the old package for the length of the run.
    _dir: tempfile::TempDir,
    old: PathBuf,
    new_manifest: Vec<u8>,
    build_time: Duration,
}

fn reference() -> &'static Reference {
    static REF: OnceLock<Reference> = OnceLock::new();
    REF.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let disk = big_disk();
        let old = dir.path().join("old");
        let run = fuzz::run(
            &mut build(&workspace(dir.path(), disk, 0), &old, false),
            BUILD_TIMEOUT,
        );
        assert_eq!(run.code, Some(0), "reference build: {}", run.describe());
        let new = dir.path().join("new");
        let run = fuzz::run(
            &mut build(&workspace(dir.path(), disk, 1), &new, false),
            BUILD_TIMEOUT,
        );
        assert_eq!(run.code, Some(0), "reference build: {}", run.describe());
        eprintln!(
            "faults: a build of the 256 MiB disk takes {:.2} s",
            run.elapsed.as_secs_f64()
        );
        Reference {
            new_manifest: manifest(&new).unwrap(),
            build_time: run.elapsed,
            old,
            _dir: dir,
        }
    })
}

/// What OUTDIR holds now.
#[derive(Debug, PartialEq)]
enum State {
    Absent,
    Old,
    New,
    Other(String),
}

fn state(out: &Path, reference: &Reference) -> State {
    if !out.exists() {
        return State::Absent;
    }
    let m = manifest(out);
    let verified = fuzz::verify(out);
    if verified.code != Some(0) {
        return State::Other(format!("verify: {}", verified.describe()));
    }
    if m == manifest(&reference.old) {
        State::Old
    } else if m.as_deref() == Some(&reference.new_manifest[..]) {
        State::New
    } else {
        State::Other("a verified package that is neither the old nor the new one".into())
    }
}

/// Copies the old package into `out` (files hard-linked: nothing writes them).
fn place_old(reference: &Reference, out: &Path) {
    fs::create_dir_all(out).unwrap();
    for e in fs::read_dir(&reference.old).unwrap() {
        let e = e.unwrap();
        fuzz::link_or_copy(&e.path(), &out.join(e.file_name()));
    }
}

/// A delay before the signal: anywhere in the build or after it (when the build is
/// quicker under less load), or around its end (publish).
fn delay(rng: &mut fuzz::Rng, build_time: Duration) -> Duration {
    let ms = build_time.as_millis() as u64;
    if rng.one_in(2) {
        Duration::from_millis(rng.range(0, 2 * ms))
    } else {
        Duration::from_millis(rng.range(ms.saturating_sub(300), ms + 100))
    }
}

#[test]
fn sigint_and_sigterm_at_random_moments() {
    let reference = reference();
    let mut findings = Findings::new("signals", "faults");
    for case in fuzz::case_numbers(fuzz::cases(6)) {
        let mut rng = fuzz::case_rng("signals", case);
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let with_old = rng.one_in(2);
        if with_old {
            place_old(reference, &out);
        }
        let signal = *rng.pick(&[libc::SIGINT, libc::SIGTERM]);
        let wait = delay(&mut rng, reference.build_time);
        let toml = workspace(dir.path(), big_disk(), 1);
        let child = fuzz::spawn(&mut build(&toml, &out, with_old));
        std::thread::sleep(wait);
        child.signal(signal);
        let run = child.wait(BUILD_TIMEOUT);
        findings.ran();
        findings.outcome(format!("exit {:?}", run.code));
        let what = format!(
            "signal {signal} after {} ms, old package: {with_old}: {}",
            wait.as_millis(),
            run.describe()
        );
        for (invariant, detail) in fuzz::common_invariants(&run, &[0, 130]) {
            findings.broke(invariant, case, &format!("{detail}\n{what}"), None);
        }
        let now = state(&out, reference);
        let before = if with_old { State::Old } else { State::Absent };
        let fine = match run.code {
            Some(0) => now == State::New,
            Some(130) => now == before,
            _ => true,
        };
        if !fine {
            let detail = format!("OUTDIR is {now:?} after exit {:?}; {what}", run.code);
            findings.broke(
                "exit 130 leaves OUTDIR as it was, exit 0 holds the new package",
                case,
                &detail,
                None,
            );
        }
        let left = fuzz::leftovers(&out);
        if !left.is_empty() {
            let detail = format!("{left:?}; {what}");
            findings.broke(
                "an interrupted build leaves no temporary folder",
                case,
                &detail,
                None,
            );
        }
    }
    findings.finish();
}

#[test]
fn sigint_and_sigterm_during_verify() {
    let reference = reference();
    let mut findings = Findings::new("verify-signals", "faults");
    let took = fuzz::verify(&reference.old).elapsed;
    for case in fuzz::case_numbers(fuzz::cases(4)) {
        let mut rng = fuzz::case_rng("verify-signals", case);
        let signal = *rng.pick(&[libc::SIGINT, libc::SIGTERM]);
        let wait = delay(&mut rng, took);
        let child = fuzz::spawn(fuzz::wspack().arg("verify").arg(&reference.old));
        std::thread::sleep(wait);
        child.signal(signal);
        let run = child.wait(BUILD_TIMEOUT);
        findings.ran();
        findings.outcome(format!("exit {:?}", run.code));
        let what = format!(
            "signal {signal} after {} ms: {}",
            wait.as_millis(),
            run.describe()
        );
        for (invariant, detail) in fuzz::common_invariants(&run, &[0, 130]) {
            findings.broke(invariant, case, &format!("{detail}\n{what}"), None);
        }
    }
    let after = fuzz::verify(&reference.old);
    assert_eq!(
        after.code,
        Some(0),
        "verify changed the package: {}",
        after.describe()
    );
    findings.finish();
}

#[test]
fn sigkill_at_random_moments_then_a_second_build() {
    let reference = reference();
    let mut findings = Findings::new("sigkill", "faults");
    for case in fuzz::case_numbers(fuzz::cases(4)) {
        let mut rng = fuzz::case_rng("sigkill", case);
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        place_old(reference, &out);
        let wait = delay(&mut rng, reference.build_time);
        let toml = workspace(dir.path(), big_disk(), 1);
        let child = fuzz::spawn(&mut build(&toml, &out, true));
        std::thread::sleep(wait);
        child.signal(libc::SIGKILL);
        let killed = child.wait(BUILD_TIMEOUT);
        findings.ran();
        let what = format!("SIGKILL after {} ms ({:?})", wait.as_millis(), killed.code);
        let now = state(&out, reference);
        if now != State::Old && now != State::New {
            let detail = format!("OUTDIR is {now:?}; {what}");
            findings.broke(
                "after a crash OUTDIR holds the old or the new package",
                case,
                &detail,
                None,
            );
        }
        let left = fuzz::leftovers(&out);
        findings.outcome(format!("after the kill: {now:?}, {} leftovers", left.len()));
        let again = fuzz::run(&mut build(&toml, &out, true), BUILD_TIMEOUT);
        second_build(&mut findings, case, &again, &left, &out, reference, &what);
    }
    findings.finish();
}

/// Checks the build after a killed one: it succeeds, publishes the new package,
/// and leaves no leftover of the killed build unless its output names it.
fn second_build(
    findings: &mut Findings,
    case: usize,
    again: &Run,
    left_before: &[String],
    out: &Path,
    reference: &Reference,
    what: &str,
) {
    for (invariant, detail) in fuzz::common_invariants(again, &[0]) {
        findings.broke(
            invariant,
            case,
            &format!("second build: {detail}; {what}"),
            None,
        );
    }
    let now = state(out, reference);
    if again.code == Some(0) && now != State::New {
        let detail = format!("OUTDIR is {now:?}; {what}");
        findings.broke(
            "the second build publishes the new package",
            case,
            &detail,
            None,
        );
    }
    let said = format!("{}{}", again.stdout, again.stderr);
    let unnamed: Vec<String> = fuzz::leftovers(out)
        .into_iter()
        .filter(|n| !said.contains(n.as_str()))
        .collect();
    if !unnamed.is_empty() {
        let detail = format!(
            "{unnamed:?} remain (left by the killed build: {left_before:?}); {what}; second build said: {said}"
        );
        findings.broke(
            "the next build cleans or names the leftovers of a killed one",
            case,
            &detail,
            None,
        );
    }
}

/// A tmpfs mounted for the length of a test; unmounted (lazily) when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(at: &Path, size: &str) -> Tmpfs {
        fuzz::require_root("it mounts a tmpfs");
        fs::create_dir_all(at).unwrap();
        let target = CString::new(at.as_os_str().as_encoded_bytes()).unwrap();
        let options = CString::new(format!("size={size},mode=0755")).unwrap();
        // SAFETY: valid NUL-terminated strings; mounting a fresh tmpfs on our own folder.
        let r = unsafe {
            libc::mount(
                c"tmpfs".as_ptr(),
                target.as_ptr(),
                c"tmpfs".as_ptr(),
                0,
                options.as_ptr().cast(),
            )
        };
        assert_eq!(
            r,
            0,
            "can't mount a tmpfs on {}: {} (the test needs root and mount rights)",
            at.display(),
            std::io::Error::last_os_error()
        );
        Tmpfs(at.to_path_buf())
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let target = CString::new(self.0.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: unmounting the tmpfs this guard mounted.
        unsafe { libc::umount2(target.as_ptr(), libc::MNT_DETACH) };
    }
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn a_full_disk_is_exit_1_and_leaves_nothing() {
    let small = Path::new(fuzz::ROOT).join("fixtures/disks/fixed.vhd");
    // The big disk's sidecar fills 8 MiB; the small one's fits in 512 KiB, its MSI does not.
    for (disk, size) in [(big_disk(), "8m"), (small.as_path(), "512k")] {
        let dir = tempfile::tempdir().unwrap();
        let full = dir.path().join("full");
        let _mount = Tmpfs::mount(&full, size);
        let toml = workspace(dir.path(), disk, 0);
        let out = full.join("out");
        let run = fuzz::run(&mut build(&toml, &out, false), BUILD_TIMEOUT);
        let what = format!("{} into a {size} tmpfs: {}", disk.display(), run.describe());
        assert!(
            fuzz::common_invariants(&run, &[1]).is_empty(),
            "{:?}; {what}",
            fuzz::common_invariants(&run, &[1])
        );
        assert!(
            run.stderr.contains("No space left") || run.stderr.contains("full"),
            "the message says the disk is full: {what}"
        );
        assert!(fuzz::has_help(&run.stderr), "a help: line: {what}");
        assert!(
            entries(&full).is_empty(),
            "left in the full disk: {:?}; {what}",
            entries(&full)
        );
    }
}

#[test]
fn a_mount_point_outdir_works_or_is_refused_before_any_work() {
    let small = Path::new(fuzz::ROOT).join("fixtures/disks/fixed.vhd");
    let reference_dir = tempfile::tempdir().unwrap();
    let old = reference_dir.path().join("old");
    let toml0 = workspace(reference_dir.path(), &small, 0);
    let run = fuzz::run(&mut build(&toml0, &old, false), BUILD_TIMEOUT);
    assert_eq!(run.code, Some(0), "old package: {}", run.describe());
    for with_old in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let _mount = Tmpfs::mount(&out, "64m");
        if with_old {
            for e in fs::read_dir(&old).unwrap() {
                let e = e.unwrap();
                fs::copy(e.path(), out.join(e.file_name())).unwrap();
            }
        }
        let before = entries(&out);
        let toml = workspace(dir.path(), &small, 1);
        let run = fuzz::run(&mut build(&toml, &out, with_old), BUILD_TIMEOUT);
        let what = format!(
            "mount point OUTDIR, old package: {with_old}: {}",
            run.describe()
        );
        let broken = fuzz::common_invariants(&run, &[0, 2]);
        assert!(broken.is_empty(), "{broken:?}; {what}");
        assert!(
            fuzz::leftovers(&out).is_empty(),
            "{:?} left; {what}",
            fuzz::leftovers(&out)
        );
        if run.code == Some(0) {
            let verified = fuzz::verify(&out);
            assert_eq!(
                verified.code,
                Some(0),
                "verify: {}; {what}",
                verified.describe()
            );
            let m = fs::read_to_string(out.join("faults.json")).unwrap();
            assert!(
                m.contains("\"1.0.1\""),
                "the new package is in place; {what}"
            );
            let stray: Vec<String> = entries(&out)
                .into_iter()
                .filter(|n| n.starts_with('.'))
                .collect();
            assert!(
                stray.is_empty(),
                "temporary files left in OUTDIR: {stray:?}; {what}"
            );
        } else {
            assert_eq!(
                entries(&out),
                before,
                "a refusal changes nothing in OUTDIR; {what}"
            );
        }
    }
}
