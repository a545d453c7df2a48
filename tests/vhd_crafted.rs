//! Disks no hypervisor can use, crafted by patching the qemu-made fixtures
//! (fixtures/disks), and inputs that are not files: each must be refused with
//! its byte offset and a help line, without hanging and in little memory.

use std::fs::File;
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use wspack::disk;

const MIB: u64 = 1 << 20;
/// Where dynamic.vhd (made by qemu-img) keeps its sparse header and its table.
const HEADER_AT: usize = 512;
const TABLE_AT: usize = 1536;
/// The most memory a `wspack check` may use, whatever the disk claims.
const MAX_RSS: u64 = 64 * MIB;

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/disks")
        .join(name);
    std::fs::read(path).unwrap()
}

/// The VHD checksum: one's complement of the byte sum, the field itself counted as zero.
fn vhd_checksum(b: &[u8], field: usize) -> u32 {
    let sum = b
        .iter()
        .enumerate()
        .filter(|(i, _)| !(field..field + 4).contains(i));
    !sum.fold(0u32, |s, (_, &x)| s.wrapping_add(u32::from(x)))
}

fn seal(b: &mut [u8], field: usize) {
    let c = vhd_checksum(b, field);
    b[field..field + 4].copy_from_slice(&c.to_be_bytes());
}

/// A disk image being patched: field setters keep the checksums valid.
struct Crafted(Vec<u8>);

impl Crafted {
    /// Sets a footer field in the footer and, for a dynamic disk, in its copy at byte 0.
    fn set_footer(&mut self, field: usize, value: &[u8]) -> &mut Self {
        let end = self.0.len() - 512;
        let copies = if self.0.starts_with(b"conectix") && end > 0 {
            vec![0, end]
        } else {
            vec![end]
        };
        for at in copies {
            self.0[at + field..at + field + value.len()].copy_from_slice(value);
            seal(&mut self.0[at..at + 512], 64);
        }
        self
    }

    fn set_header(&mut self, field: usize, value: &[u8]) -> &mut Self {
        let h = &mut self.0[HEADER_AT..HEADER_AT + 1024];
        h[field..field + value.len()].copy_from_slice(value);
        seal(h, 36);
        self
    }

    fn entry(&self, index: usize) -> u32 {
        let at = TABLE_AT + index * 4;
        u32::from_be_bytes(self.0[at..at + 4].try_into().unwrap())
    }

    fn set_entry(&mut self, index: usize, sector: u32) -> &mut Self {
        let at = TABLE_AT + index * 4;
        self.0[at..at + 4].copy_from_slice(&sector.to_be_bytes());
        self
    }

    fn write(&self, path: &Path) -> PathBuf {
        std::fs::write(path, &self.0).unwrap();
        path.to_path_buf()
    }

    /// Writes the first `head` bytes, then the footer so that the file is `len`
    /// bytes long: a sparse file that takes no space whatever its length.
    fn write_sparse(&self, path: &Path, head: usize, len: u64) -> PathBuf {
        let mut f = File::create(path).unwrap();
        f.write_all(&self.0[..head]).unwrap();
        f.set_len(len - 512).unwrap();
        f.seek(SeekFrom::End(0)).unwrap();
        f.write_all(&self.0[self.0.len() - 512..]).unwrap();
        path.to_path_buf()
    }
}

/// Opens a crafted disk that must be refused; returns (offset, problem, help).
fn refusal(path: &Path) -> (Option<u64>, String, String) {
    let e = disk::open(path).expect_err("should be refused");
    let err: wspack::Error = disk::open(path).unwrap_err().into();
    assert_eq!(err.exit_code(), 2);
    (e.offset, e.problem.to_string(), e.help())
}

#[test]
fn fixed_disk_of_size_zero_even_a_lone_footer() {
    let dir = tempfile::tempdir().unwrap();
    let fixed = fixture("fixed.vhd");
    let mut d = Crafted(fixed[fixed.len() - 512..].to_vec());
    d.set_footer(48, &0u64.to_be_bytes());
    let (offset, msg, help) = refusal(&d.write(&dir.path().join("zero.vhd")));
    assert_eq!(offset, Some(48));
    assert_eq!(
        msg,
        "the footer's current size is 0: a fixed disk must hold at least one 512-byte sector"
    );
    assert!(
        help.starts_with("no hypervisor can use a disk of this size"),
        "{help}"
    );
}

#[test]
fn size_that_is_not_whole_sectors() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = Crafted(fixture("fixed.vhd"));
    let end = d.0.len() as u64 - 512;
    d.set_footer(48, &(end - 100).to_be_bytes());
    let (offset, msg, _) = refusal(&d.write(&dir.path().join("odd.vhd")));
    assert_eq!(offset, Some(end + 48));
    assert_eq!(
        msg,
        format!(
            "the footer's current size is {} bytes, not a whole number of 512-byte sectors",
            end - 100
        )
    );
}

#[test]
fn dynamic_disk_of_size_zero() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = Crafted(fixture("dynamic.vhd"));
    d.set_footer(48, &0u64.to_be_bytes());
    let end = d.0.len() as u64 - 512;
    let (offset, msg, _) = refusal(&d.write(&dir.path().join("zero.vhd")));
    assert_eq!(offset, Some(end + 48));
    assert_eq!(
        msg,
        "the footer's current size is 0: a dynamic disk must hold at least one 512-byte sector"
    );
}

#[test]
fn absurd_block_size() {
    let dir = tempfile::tempdir().unwrap();
    for block_size in [512u32, 4096, 3 << 20, 1 << 31] {
        let mut d = Crafted(fixture("dynamic.vhd"));
        d.set_header(32, &block_size.to_be_bytes());
        let (offset, msg, help) = refusal(&d.write(&dir.path().join("blocks.vhd")));
        assert_eq!(offset, Some(512 + 32));
        assert!(
            msg.starts_with(&format!(
                "block size is {block_size}; expected a power of two from 524288"
            )),
            "{msg}"
        );
        assert!(
            help.contains("qemu-img convert -f vpc -O vpc -o subformat=dynamic "),
            "{help}"
        );
    }
}

#[test]
fn every_block_over_the_headers() {
    // A table of zeros (as a sparse file reads) puts every block at byte 0.
    let dir = tempfile::tempdir().unwrap();
    let mut d = Crafted(fixture("dynamic.vhd"));
    for i in 0..33 {
        d.set_entry(i, 0);
    }
    let (offset, msg, help) = refusal(&d.write(&dir.path().join("zeros.vhd")));
    assert_eq!(offset, Some(TABLE_AT as u64));
    assert_eq!(msg, "the table entry of block 0 puts it at bytes 0 to 2097664, over the footer copy (bytes 0 to 512)");
    assert!(
        help.starts_with("the block allocation table is damaged"),
        "{help}"
    );
}

#[test]
fn block_over_the_sparse_header_and_the_table() {
    let dir = tempfile::tempdir().unwrap();
    for (sector, what) in [
        (1, "the sparse header (bytes 512 to 1536)"),
        (3, "the block allocation table (bytes 1536 to 1668)"),
    ] {
        let mut d = Crafted(fixture("dynamic.vhd"));
        d.set_entry(7, sector);
        let (offset, msg, _) = refusal(&d.write(&dir.path().join("over.vhd")));
        assert_eq!(offset, Some(TABLE_AT as u64 + 7 * 4));
        assert!(msg.ends_with(&format!(", over {what}")), "{msg}");
    }
}

#[test]
fn blocks_over_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = Crafted(fixture("dynamic.vhd"));
    // qemu-img put block 0 first and block 20 after it.
    let block0 = d.entry(0);
    d.set_entry(20, block0 + 8);
    let start = u64::from(block0) * 512;
    let (offset, msg, _) = refusal(&d.write(&dir.path().join("overlap.vhd")));
    assert_eq!(offset, Some(TABLE_AT as u64 + 20 * 4));
    assert_eq!(
        msg,
        format!(
            "blocks 0 and 20 overlap: block 0 lies at bytes {start} to {}, block 20 at bytes {} to {}",
            start + 512 + 2 * MIB,
            start + 4096,
            start + 4096 + 512 + 2 * MIB
        )
    );
}

#[test]
fn block_past_the_end_of_an_intact_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = Crafted(fixture("dynamic.vhd"));
    d.set_entry(5, 0x00FF_FFFF);
    let start = 0x00FF_FFFFu64 * 512;
    let (offset, msg, _) = refusal(&d.write(&dir.path().join("far.vhd")));
    assert_eq!(offset, Some(start));
    assert!(
        msg.starts_with(&format!(
            "block 5 ends at byte {}, past the end",
            start + 512 + 2 * MIB
        )),
        "{msg}"
    );
}

#[test]
fn table_over_the_sparse_header() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = Crafted(fixture("dynamic.vhd"));
    d.set_header(16, &1024u64.to_be_bytes());
    let (offset, msg, _) = refusal(&d.write(&dir.path().join("table.vhd")));
    assert_eq!(offset, Some(512 + 16));
    assert_eq!(msg, "the block allocation table (bytes 1024 to 1156) overlaps the sparse header (bytes 512 to 1536)");
}

// --- the real binary: no hang, bounded memory ---------------------------------------

/// What a finished `wspack` run gave: exit code, stderr and peak memory.
struct Run {
    code: Option<i32>,
    stderr: String,
    max_rss: u64,
}

/// Runs wspack, failing the test if it runs longer than `timeout` (a hang);
/// measures its peak resident memory with wait4.
#[expect(
    clippy::zombie_processes,
    reason = "wait4 reaps the child: it alone reports the child's peak memory"
)]
fn run_wspack(args: &[&str], timeout: Duration) -> Run {
    let log = tempfile::NamedTempFile::new().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_wspack"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log.reopen().unwrap())
        .spawn()
        .unwrap();
    let pid = child.id() as libc::pid_t;
    let deadline = Instant::now() + timeout;
    let mut status = 0;
    // SAFETY: rusage is plain data; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        assert!(r >= 0, "wait4: {}", std::io::Error::last_os_error());
        if r == pid {
            break;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
            panic!("wspack {args:?} hangs: still running after {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Run {
        code: libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status)),
        stderr: std::fs::read_to_string(log.path()).unwrap(),
        max_rss: usage.ru_maxrss as u64 * 1024,
    }
}

/// Writes a policy next to `vhd` (named by its file name) and returns its path.
fn policy_for(dir: &Path, vhd: &str) -> String {
    let text = format!(
        "[workspace]\nname = \"Crafted\"\ninternal_name = \"crafted\"\nversion = \"1.0.0\"\n\
         manufacturer = \"wspack tests\"\nvhd = \"{vhd}\"\n"
    );
    let path = dir.join("workspace.toml");
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

/// Runs `check` and `build` on a policy whose disk is not a file: both refuse at once.
fn refuse_non_file(dir: &Path, vhd: &str, kind: &str) {
    let policy = policy_for(dir, vhd);
    let out = dir.join("out");
    let checks = [
        vec!["check", policy.as_str()],
        vec!["build", policy.as_str(), "-o", out.to_str().unwrap()],
    ];
    for args in checks {
        let run = run_wspack(&args, Duration::from_secs(20));
        assert_eq!(run.code, Some(2), "{args:?}: {}", run.stderr);
        assert!(
            run.stderr
                .contains(&format!("{vhd}: not a regular file ({kind})")),
            "{}",
            run.stderr
        );
        assert!(
            run.stderr
                .contains("help: point `vhd` at the disk file itself"),
            "{}",
            run.stderr
        );
        assert!(!out.exists(), "a refused build wrote {}", out.display());
    }
}

#[test]
fn fifo_as_the_disk_does_not_hang_check_or_build() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("guest.vhd");
    let status = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(status.success());
    refuse_non_file(dir.path(), "guest.vhd", "a FIFO");
}

#[test]
fn dev_zero_and_a_link_to_it_as_the_disk() {
    let dir = tempfile::tempdir().unwrap();
    refuse_non_file(dir.path(), "/dev/zero", "a character device");
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("guest.vhd")).unwrap();
    refuse_non_file(dir.path(), "guest.vhd", "a character device");
}

/// Runs `check` on a disk; asserts its exit code and that memory stayed small.
fn check_in_bounded_memory(dir: &Path, code: i32) -> Run {
    let run = run_wspack(
        &["check", &policy_for(dir, "guest.vhd")],
        Duration::from_secs(120),
    );
    assert_eq!(run.code, Some(code), "{}", run.stderr);
    assert!(run.max_rss < MAX_RSS, "peak memory {} bytes", run.max_rss);
    eprintln!(
        "peak memory of wspack check: {:.1} MiB",
        run.max_rss as f64 / MIB as f64
    );
    run
}

#[test]
fn table_of_4_billion_entries_in_a_sparse_file() {
    // Before: the table, which fits in this 16 GiB sparse file, was read into one 16 GiB buffer.
    let dir = tempfile::tempdir().unwrap();
    let mut d = Crafted(fixture("dynamic.vhd"));
    d.set_header(28, &u32::MAX.to_be_bytes());
    let len = TABLE_AT as u64 + 4 * u64::from(u32::MAX) + 4 + 512;
    d.write_sparse(&dir.path().join("guest.vhd"), 2048, len);
    let run = check_in_bounded_memory(dir.path(), 2);
    assert!(
        run.stderr.contains("guest.vhd: byte 540: the block table has 4294967295 entries, but a disk of 67125248 bytes has 33 blocks"),
        "{}",
        run.stderr
    );
}

#[test]
fn table_of_2_pow_26_entries_over_the_header() {
    // Before: accepted, using 266 MB, though its zero entries put every block at byte 0.
    let dir = tempfile::tempdir().unwrap();
    let mut d = Crafted(fixture("dynamic.vhd"));
    d.set_header(28, &(1u32 << 26).to_be_bytes());
    let size = (1u64 << 26) * 2 * MIB;
    d.set_footer(48, &size.to_be_bytes());
    d.write_sparse(&dir.path().join("guest.vhd"), 1536, 1536 + (4 << 26) + 512);
    let run = check_in_bounded_memory(dir.path(), 2);
    assert!(
        run.stderr.contains(&format!(
            "byte {}: the footer's current size is {size} bytes; a VHD holds at most",
            (1536u64 + (4 << 26)) + 48
        )),
        "{}",
        run.stderr
    );
}

#[test]
fn largest_table_there_can_be_is_checked_in_bounded_memory() {
    // 2040 GiB in 512 KiB blocks, every one allocated: 4,177,920 entries
    // (16 MiB of table), a 2.2 TB sparse file.
    let block = 512u64 << 10;
    let size = 0xFF00_0000u64 * 512;
    let entries = size / block;
    let first = (TABLE_AT as u64 + 4 * entries).div_ceil(512);
    let mut table = Vec::with_capacity(4 * entries as usize);
    for i in 0..entries {
        let sector = first + i * (block + 512) / 512;
        table.extend_from_slice(&u32::try_from(sector).unwrap().to_be_bytes());
    }
    let mut d = Crafted(fixture("dynamic.vhd")[..2048].to_vec());
    d.0.extend_from_slice(&fixture("dynamic.vhd")[..512]);
    d.set_footer(48, &size.to_be_bytes());
    d.set_header(28, &(entries as u32).to_be_bytes());
    d.set_header(32, &(block as u32).to_be_bytes());
    let end = (first + entries * (block + 512) / 512) * 512;
    let dir = tempfile::tempdir().unwrap();
    let path = d.write_sparse(&dir.path().join("guest.vhd"), 1536, end + 512);
    let mut f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    f.seek(SeekFrom::Start(TABLE_AT as u64)).unwrap();
    f.write_all(&table).unwrap();
    drop((f, table));
    let started = Instant::now();
    check_in_bounded_memory(dir.path(), 0);
    eprintln!("checked in {:.1} s", started.elapsed().as_secs_f64());
}
