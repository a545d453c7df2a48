//! Whether the disk already at `<vhd>` is this package's disk, by the package's
//! chunk table: then a new version whose disk did not change keeps it untouched
//! (same file, same bytes, the users' differencing disks still valid).

use super::stage_vhd::{mib, Failure};
use super::{Host, Paths};
use crate::data::StageData;
use crate::parallel::{self, ChunkFailure};
use std::fs;
use wspack_contract::chunks::ChunkTable;

/// True if `<vhd>` is a regular file of the package's size whose every chunk has
/// the SHA-256 of `table` (checked read-only on every core, with status lines
/// "checking the disk already in place"); false for anything else, logged with
/// the reason (the first other chunk, the size, a read error). Err only if the
/// user cancelled.
pub(super) fn is_this_disk(
    d: &StageData,
    p: &Paths,
    table: &ChunkTable,
    host: &mut dyn Host,
) -> Result<bool, Failure> {
    let vhd = p.vhd.display().to_string();
    let size = d.expected.size;
    let not_it = |host: &mut dyn Host, why: String| {
        host.log(&format!(
            "StageVhd: {} is not this package's disk: {}",
            vhd, why
        ));
        Ok(false)
    };
    match fs::symlink_metadata(&p.vhd) {
        Ok(m) if !m.is_file() => return not_it(host, "it is not a regular file".into()),
        Ok(m) if m.len() != size => {
            return not_it(
                host,
                format!("it is {} bytes, this package's disk {}", m.len(), size),
            )
        }
        Ok(_) => {}
        Err(e) => return not_it(host, format!("can't read its attributes: {}", e)),
    }
    let mut status = Status::new(host, size);
    let result = match status.show(0) {
        true => parallel::verify_file(&p.vhd, table, parallel::threads(), &mut |b| status.show(b)),
        false => Err(ChunkFailure::Cancelled),
    };
    let why = match result {
        Ok(()) => {
            host.log(&format!(
                "StageVhd: {} is already this package's disk (all {} chunks match its chunk table): keeping it as it is",
                vhd,
                table.chunks.len()
            ));
            return Ok(true);
        }
        Err(ChunkFailure::Cancelled) => {
            return Err(Failure::Cancelled(format!(
                "cancelled by the user while checking the disk already in place, {}",
                vhd
            )))
        }
        Err(ChunkFailure::Mismatch { index, disk_offset }) => format!(
            "chunk {} (disk bytes from {}) differs from this package's chunk table",
            index, disk_offset
        ),
        Err(ChunkFailure::Read(e)) => format!("can't read it: {}", e),
        Err(e) => e.to_string(),
    };
    not_it(host, why)
}

/// Status lines while the disk is checked: at the start, then every 5% and at
/// least every 64 MiB. Each returns false when the user cancelled.
struct Status<'h> {
    host: &'h mut dyn Host,
    size: u64,
    step: u64,
    next: u64,
}

impl<'h> Status<'h> {
    fn new(host: &'h mut dyn Host, size: u64) -> Status<'h> {
        let step = (size / 20).clamp(1, 64 << 20);
        Status {
            host,
            size,
            step,
            next: 0,
        }
    }

    fn show(&mut self, bytes: u64) -> bool {
        if bytes < self.next {
            return true;
        }
        self.next = bytes.saturating_add(self.step);
        self.host.status(&format!(
            "checking the disk already in place: {} of {} MiB",
            mib(bytes),
            mib(self.size)
        ))
    }
}
