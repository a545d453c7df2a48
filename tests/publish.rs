//! Publishing the output folder through the real binary: a file created in OUTDIR
//! during a `--force` build survives, a killed build's leftovers are cleaned or
//! named by the next build, a mount-point OUTDIR is filled file by file, modes are
//! fixed whatever the umask, a failed build removes the folders it made.

mod support;

use support::{ok, require_tool as require, run};

use std::fs;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, Command, Output, Stdio};

const WSPACK: &str = env!("CARGO_BIN_EXE_wspack");
const FIXED_VHD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/disks/fixed.vhd");

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A policy and its disk in a temporary folder; outputs go beside them.
struct Ws {
    dir: tempfile::TempDir,
}

impl Ws {
    /// A workspace on the 4 MiB fixture disk: builds in well under a second.
    fn new() -> Ws {
        let dir = tempfile::tempdir().unwrap();
        fs::copy(FIXED_VHD, dir.path().join("disk.vhd")).unwrap();
        fs::write(
            dir.path().join("ws.toml"),
            "[workspace]\nname = \"Test Workspace\"\ninternal_name = \"testws\"\n\
             version = \"1.2.3\"\nmanufacturer = \"Contoso\"\nvhd = \"disk.vhd\"\n",
        )
        .unwrap();
        Ws { dir }
    }

    /// Replaces the disk with a sparse 512 MiB one: seconds of compression, so a
    /// test can act while the build runs.
    fn use_big_disk(&self) {
        require("qemu-img", "qemu-utils");
        fs::remove_file(self.path("disk.vhd")).unwrap();
        ok(Command::new("qemu-img")
            .args(["create", "-q", "-f", "vpc", "-o", "subformat=fixed"])
            .arg(self.path("disk.vhd"))
            .arg("512M"));
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn build(&self, out: &str, extra: &[&str]) -> Command {
        let mut cmd = Command::new(WSPACK);
        cmd.arg("build")
            .arg(self.path("ws.toml"))
            .arg("-o")
            .arg(self.path(out))
            .args(extra)
            .env("SOURCE_DATE_EPOCH", "1700000000");
        cmd
    }

    /// Names in the workspace folder that wspack made beside an output folder.
    fn leftovers(&self) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".wspack-"))
            .collect();
        names.sort();
        names
    }

    /// Starts a build with stderr piped and returns once its temporary folder
    /// exists and compression has started.
    fn start_build(&self, out: &str, extra: &[&str]) -> (Child, ChildStderr) {
        let mut child = self
            .build(out, extra)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut pipe = child.stderr.take().unwrap();
        read_until(&mut pipe, "compressing: 0 B");
        (child, pipe)
    }
}

fn read_until(pipe: &mut ChildStderr, needle: &str) -> String {
    let mut seen = Vec::new();
    let mut byte = [0u8; 1];
    while !String::from_utf8_lossy(&seen).contains(needle) {
        let n = pipe.read(&mut byte).unwrap();
        assert!(
            n > 0,
            "ended before {needle:?}: {}",
            String::from_utf8_lossy(&seen)
        );
        seen.push(byte[0]);
    }
    String::from_utf8_lossy(&seen).into_owned()
}

fn signal(child: &Child, sig: &str) {
    ok(Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(child.id().to_string()));
}

fn verify(dir: &Path) {
    ok(Command::new(WSPACK).arg("verify").arg("--quiet").arg(dir));
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

const PACKAGE: [&str; 5] = [
    "setup.exe",
    "testws.json",
    "testws.medv",
    "testws.msi",
    "testws.reg",
];

#[test]
fn a_file_created_in_outdir_during_a_forced_build_is_kept_and_named() {
    require("kill", "procps");
    let ws = Ws::new();
    ok(&mut ws.build("out", &["--quiet"]));
    let old_manifest = fs::read(ws.path("out/testws.json")).unwrap();
    ws.use_big_disk();
    let (mut child, mut pipe) = ws.start_build("out", &["--force"]);
    // Freeze the build while the temporary folder exists and OUTDIR is the old one.
    signal(&child, "STOP");
    let tmp = ws.leftovers();
    assert!(
        tmp.iter().any(|n| n.starts_with(".out.wspack-tmp-")),
        "no temporary folder beside out: {tmp:?}"
    );
    assert_eq!(
        fs::read(ws.path("out/testws.json")).unwrap(),
        old_manifest,
        "the build published before it could be stopped"
    );
    fs::write(ws.path("out/notes.txt"), "written during the build").unwrap();
    signal(&child, "CONT");
    let mut rest = String::new();
    pipe.read_to_string(&mut rest).unwrap();
    assert!(child.wait().unwrap().success(), "{rest}");

    assert_eq!(names(&ws.path("out")), PACKAGE, "{rest}");
    verify(&ws.path("out"));
    let kept = ws.path("out.wspack-kept-1");
    assert_eq!(
        fs::read_to_string(kept.join("notes.txt")).unwrap(),
        "written during the build"
    );
    // The old package files were checked before the build: they are gone.
    assert_eq!(names(&kept), ["notes.txt"]);
    assert!(
        rest.contains("warning: ")
            && rest.contains("\"notes.txt\"")
            && rest.contains(&kept.display().to_string()),
        "{rest}"
    );
    assert_eq!(ws.leftovers(), ["out.wspack-kept-1"]);
}

#[test]
fn a_killed_build_leaves_the_old_package_and_the_next_build_cleans_up() {
    require("kill", "procps");
    let ws = Ws::new();
    ok(&mut ws.build("out", &["--quiet"]));
    fs::copy(ws.path("disk.vhd"), ws.path("small.vhd")).unwrap();
    ws.use_big_disk();
    let (mut child, _pipe) = ws.start_build("out", &["--force"]);
    signal(&child, "KILL");
    child.wait().unwrap();

    // The old package is whole; the killed build's temporary folder is beside it.
    verify(&ws.path("out"));
    let left = ws.leftovers();
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(left[0].starts_with(".out.wspack-tmp-"), "{left:?}");
    assert_eq!(left[1], format!("{}.owner", left[0]));

    fs::rename(ws.path("small.vhd"), ws.path("disk.vhd")).unwrap();
    let out = ok(&mut ws.build("out", &["--force"]));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("note: removed {}", ws.path(&left[0]).display()))
            && err.contains("left by an interrupted build (pid "),
        "{err}"
    );
    assert!(!err.contains("warning"), "{err}");
    assert!(ws.leftovers().is_empty(), "{:?}", ws.leftovers());
    verify(&ws.path("out"));
}

/// The owner file a build with pid `pid` writes beside its temporary folder.
fn owner_line(pid: u32) -> String {
    let read = |p: &str| fs::read_to_string(p).unwrap().trim().to_string();
    // Field 22 of /proc/PID/stat (the start time), 0 for a process that is gone.
    let start: u64 = fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            s[s.rfind(')').unwrap() + 1..]
                .split_whitespace()
                .nth(19)
                .unwrap()
                .parse()
                .unwrap()
        })
        .unwrap_or(0);
    serde_json::json!({
        "pid": pid,
        "start": start,
        "boot_id": read("/proc/sys/kernel/random/boot_id"),
        "host": read("/proc/sys/kernel/hostname"),
        "checked": [],
    })
    .to_string()
}

#[test]
fn leftovers_it_cannot_prove_are_its_own_are_kept_and_named() {
    let ws = Ws::new();
    // An old wspack's folder moved aside, with no owner file: named, untouched.
    let old = ws.path(".out.wspack-old-abc123");
    fs::create_dir(&old).unwrap();
    fs::write(old.join("testws.msi"), "an earlier package").unwrap();
    // An empty one, as a build killed before its owner file leaves: removed.
    fs::create_dir(ws.path(".out.wspack-tmp-empty1")).unwrap();
    // A dead build's folder holding a file it neither wrote nor checked: kept.
    let mut dead = Command::new("true").spawn().unwrap();
    dead.wait().unwrap();
    let swapped = ws.path(".out.wspack-tmp-dead01");
    fs::create_dir(&swapped).unwrap();
    fs::write(swapped.join("notes.txt"), "mine").unwrap();
    fs::write(
        ws.path(".out.wspack-tmp-dead01.owner"),
        owner_line(dead.id()) + "\n",
    )
    .unwrap();
    // A running build's (this test's own pid): left alone.
    let live = ws.path(".out.wspack-tmp-live01");
    fs::create_dir(&live).unwrap();
    fs::write(
        ws.path(".out.wspack-tmp-live01.owner"),
        owner_line(std::process::id()),
    )
    .unwrap();

    let out = ok(&mut ws.build("out", &[]));
    let err = stderr(&out);
    verify(&ws.path("out"));
    assert!(
        err.contains(&format!(
            "warning: {} was left by an interrupted wspack build",
            old.display()
        )),
        "{err}"
    );
    assert_eq!(
        fs::read_to_string(old.join("testws.msi")).unwrap(),
        "an earlier package"
    );
    assert!(!ws.path(".out.wspack-tmp-empty1").exists());
    let kept = ws.path("out.wspack-kept-1");
    assert_eq!(fs::read_to_string(kept.join("notes.txt")).unwrap(), "mine");
    assert!(
        err.contains(&format!("kept in {}", kept.display())),
        "{err}"
    );
    assert!(live.exists(), "{err}");
    assert_eq!(
        ws.leftovers(),
        [
            ".out.wspack-old-abc123",
            ".out.wspack-tmp-live01",
            ".out.wspack-tmp-live01.owner",
            "out.wspack-kept-1"
        ]
    );
}

/// Runs the shell `script` in a new mount namespace, with `$0` the output folder,
/// `$WSPACK` the binary and `$TOML` the policy.
fn in_mount_namespace(ws: &Ws, out: &Path, script: &str) -> Output {
    require("unshare", "util-linux");
    run(Command::new("unshare")
        .args(["-rm", "sh", "-c", script])
        .arg(out)
        .env("WSPACK", WSPACK)
        .env("TOML", ws.path("ws.toml"))
        .env("SOURCE_DATE_EPOCH", "1700000000"))
}

#[test]
fn a_mount_point_outdir_is_filled_file_by_file() {
    let ws = Ws::new();
    let out = ws.path("out");
    ok(&mut ws.build("out", &["--quiet"]));
    fs::write(out.join("old.msi"), "a package of another name").unwrap();
    // A bind mount: the same device, another mount (rename says EBUSY).
    let done = in_mount_namespace(
        &ws,
        &out,
        r#"mount --bind "$0" "$0" && "$WSPACK" build "$TOML" -o "$0" --force"#,
    );
    assert!(done.status.success(), "{}", stderr(&done));
    assert!(!stderr(&done).contains("warning"), "{}", stderr(&done));
    assert_eq!(names(&out), PACKAGE);
    verify(&out);
    assert!(ws.leftovers().is_empty(), "{:?}", ws.leftovers());

    // A tmpfs: another device. It vanishes with the namespace: look inside it.
    let tmpfs = ws.path("tmpfs");
    fs::create_dir(&tmpfs).unwrap();
    let done = in_mount_namespace(
        &ws,
        &tmpfs,
        r#"mount -t tmpfs none "$0" && "$WSPACK" build "$TOML" -o "$0" -q &&
           "$WSPACK" verify -q "$0" && ls -A "$0" && stat -c %a "$0"/testws.msi"#,
    );
    let stdout = String::from_utf8_lossy(&done.stdout);
    assert!(done.status.success(), "{stdout}{}", stderr(&done));
    let mut expected = PACKAGE.to_vec();
    expected.push("644");
    assert_eq!(stdout.lines().collect::<Vec<_>>(), expected);
}

#[test]
fn outputs_get_fixed_modes_whatever_the_umask() {
    let ws = Ws::new();
    let script = format!("umask 077 && exec \"{WSPACK}\" build \"$0\" -o \"$1\" --quiet");
    ok(Command::new("sh")
        .args(["-c", &script])
        .arg(ws.path("ws.toml"))
        .arg(ws.path("out")));
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode(&ws.path("out")), 0o755);
    for name in PACKAGE {
        assert_eq!(mode(&ws.path("out").join(name)), 0o644, "{name}");
    }
}

#[test]
fn a_failed_build_removes_the_folders_it_made_for_outdir() {
    require("kill", "procps");
    let ws = Ws::new();
    ws.use_big_disk();
    let (mut child, mut pipe) = ws.start_build("a/b/c", &[]);
    assert!(ws.path("a/b").is_dir());
    signal(&child, "INT");
    let mut rest = String::new();
    pipe.read_to_string(&mut rest).unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(130), "{rest}");
    assert!(!ws.path("a").exists(), "{rest}");
    assert!(ws.leftovers().is_empty(), "{:?}", ws.leftovers());

    // A folder that existed stays, and so does one that got a file meanwhile.
    fs::create_dir(ws.path("a")).unwrap();
    let (mut child, mut pipe) = ws.start_build("a/b/c/d", &[]);
    fs::write(ws.path("a/b/notes.txt"), "mine").unwrap();
    signal(&child, "INT");
    pipe.read_to_string(&mut rest).unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(130), "{rest}");
    assert_eq!(names(&ws.path("a")), ["b"]);
    assert_eq!(names(&ws.path("a/b")), ["notes.txt"]);
}

#[test]
fn a_file_changed_in_a_mount_point_outdir_during_the_build_is_kept() {
    require("kill", "procps");
    let ws = Ws::new();
    let out = ws.path("out");
    ok(&mut ws.build("out", &["--quiet"]));
    ws.use_big_disk();
    // Stop the build once its temporary folder is in OUTDIR, change a package file
    // and add another file, let it go on.
    let done = in_mount_namespace(
        &ws,
        &out,
        r#"mount --bind "$0" "$0" || exit 9
           "$WSPACK" build "$TOML" -o "$0" --force 2>"$0.log" & pid=$!
           until ls -d "$0"/.out.wspack-tmp-* >/dev/null 2>&1; do sleep 0.01; done
           kill -STOP $pid && echo mine >"$0/testws.reg" && echo notes >"$0/notes.txt" &&
           kill -CONT $pid && wait $pid"#,
    );
    let log = fs::read_to_string(ws.path("out.log")).unwrap_or_default();
    assert!(done.status.success(), "{}{log}", stderr(&done));
    let mut expected = PACKAGE.to_vec();
    expected.extend(["notes.txt", "out.wspack-kept-1"]);
    expected.sort();
    assert_eq!(names(&out), expected, "{log}");
    let kept = out.join("out.wspack-kept-1");
    assert_eq!(names(&kept), ["testws.reg"]);
    assert_eq!(
        fs::read_to_string(kept.join("testws.reg")).unwrap(),
        "mine\n"
    );
    assert!(
        log.contains(&format!("kept in {}", kept.display())),
        "{log}"
    );
    assert_ne!(fs::read(out.join("testws.reg")).unwrap(), b"mine\n");
    fs::remove_dir_all(&kept).unwrap();
    fs::remove_file(out.join("notes.txt")).unwrap();
    verify(&out);
}
