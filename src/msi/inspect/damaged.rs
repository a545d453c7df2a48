//! Reading MSIs that may be damaged: a cheap check of what the `msi` crate is
//! handed, and containment of the panics it raises on damage no check can foresee.

use std::cell::Cell;
use std::io::{Read, Seek, SeekFrom};
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::sync::Once;

/// The compound file signature every MSI starts with.
const CFB_SIGNATURE: [u8; 8] = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
/// A compound file header is one 512-byte sector.
const CFB_HEADER_LEN: u64 = 512;

/// Checks that `inner` can be a compound file at all: long enough for the header
/// and starting with the signature. The `msi` and `cfb` crates check the rest.
pub(crate) fn check_header<F: Read + Seek>(inner: &mut F) -> Result<(), String> {
    let len = inner.seek(SeekFrom::End(0)).map_err(|e| e.to_string())?;
    inner.seek(SeekFrom::Start(0)).map_err(|e| e.to_string())?;
    if len < CFB_HEADER_LEN {
        return Err(format!(
            "{len} bytes is too short for an MSI (its header alone is {CFB_HEADER_LEN} bytes)"
        ));
    }
    let mut signature = [0u8; 8];
    inner
        .read_exact(&mut signature)
        .map_err(|e| e.to_string())?;
    inner.seek(SeekFrom::Start(0)).map_err(|e| e.to_string())?;
    if signature != CFB_SIGNATURE {
        return Err("it does not start with the compound file signature of an MSI".into());
    }
    Ok(())
}

thread_local! {
    /// Set while this thread runs [`contained`] work: its panics are not printed.
    static QUIET: Cell<bool> = const { Cell::new(false) };
    /// Where the last quiet panic happened (`file.rs:line`), for the message.
    static WHERE: Cell<Option<String>> = const { Cell::new(None) };
}

/// Runs `work`, turning a panic into `Err(its message, at file.rs:line)`. The panic
/// is not printed for this thread; other threads' panics still are.
pub(crate) fn contained<T>(work: impl FnOnce() -> T) -> Result<T, String> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                return previous(info);
            }
            let at = info.location().map(|l| {
                let file = Path::new(l.file()).iter().rev().take(2).collect::<Vec<_>>();
                let file: Vec<_> = file.iter().rev().map(|p| p.to_string_lossy()).collect();
                format!("{}:{}", file.join("/"), l.line())
            });
            WHERE.with(|w| w.set(at));
        }));
    });
    let was_quiet = QUIET.with(|q| q.replace(true));
    let result = panic::catch_unwind(AssertUnwindSafe(work));
    QUIET.with(|q| q.set(was_quiet));
    result.map_err(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "an internal check failed".into());
        match WHERE.with(Cell::take) {
            Some(at) => format!("{message}, at {at}"),
            None => message,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io;

    #[test]
    fn a_panic_becomes_its_message() {
        assert_eq!(contained(|| 7), Ok(7));
        let got = contained(|| -> u8 { panic!("index out of range") });
        let message = got.unwrap_err();
        assert!(
            message.starts_with("index out of range, at inspect/damaged.rs:"),
            "{message}"
        );
        let n = 3;
        let got = contained(|| -> u8 { panic!("bad row {n}") });
        assert!(got.unwrap_err().starts_with("bad row 3, at "));
    }

    #[test]
    fn short_and_foreign_files_are_refused_before_the_crate_sees_them() {
        let mut short = io::Cursor::new(vec![0u8; 100]);
        assert!(check_header(&mut short).unwrap_err().contains("too short"));
        let mut zip = io::Cursor::new([b"PK\x03\x04".as_slice(), &[0; 600]].concat());
        assert!(check_header(&mut zip).unwrap_err().contains("signature"));
        let mut ok = io::Cursor::new([CFB_SIGNATURE.as_slice(), &[0; 600]].concat());
        assert_eq!(check_header(&mut ok), Ok(()));
    }
}
