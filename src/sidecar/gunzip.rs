//! Inflating one whole gzip member into a buffer of known size, with libdeflate.
//!
//! A chunk's size is in the chunk table, so its member can be inflated in one
//! call into a buffer of exactly that size; libdeflate does that about twice as
//! fast as a streaming inflater and checks the member's CRC-32 and ISIZE itself.
//! The crate is `libdeflate-sys` (the bindings under `libdeflater`, maintained,
//! Apache-2.0; libdeflate itself is MIT): it compiles libdeflate's C into a static
//! library with `cc`, so the binary links nothing new at run time. Its raw
//! binding is used, not `libdeflater`'s wrapper, because only
//! `libdeflate_gzip_decompress_ex` says where the member ends (bytes after it are
//! damage too).

use libdeflate_sys::{
    libdeflate_alloc_decompressor, libdeflate_decompressor, libdeflate_free_decompressor,
    libdeflate_gzip_decompress_ex, libdeflate_result_LIBDEFLATE_BAD_DATA,
    libdeflate_result_LIBDEFLATE_INSUFFICIENT_SPACE, libdeflate_result_LIBDEFLATE_SUCCESS,
};
use std::ptr::NonNull;

/// Longest output deflate can make per input byte (a 258-byte match per
/// 2-bit code, rounded up): a member can't inflate to more than this many
/// bytes per byte it has.
pub const MAX_RATIO: u64 = 1032;

/// A libdeflate decompressor (one per thread: it holds the decoding tables).
pub struct Gunzip(NonNull<libdeflate_decompressor>);

impl Gunzip {
    /// A new decompressor, or `None` when memory is short.
    pub fn new() -> Option<Gunzip> {
        // SAFETY: no arguments; returns a fresh decompressor or null.
        NonNull::new(unsafe { libdeflate_alloc_decompressor() }).map(Gunzip)
    }

    /// Inflates `member`, which must be exactly one gzip member, and fills `out`
    /// with exactly its bytes. Says what is wrong otherwise.
    pub fn member(&mut self, member: &[u8], out: &mut [u8]) -> Result<(), String> {
        let (mut used, mut made) = (0usize, 0usize);
        // SAFETY: the pointers and lengths come from live slices, `self.0` is a
        // decompressor only this thread uses, and libdeflate writes no more
        // than `out.len()` bytes to `out`.
        let result = unsafe {
            libdeflate_gzip_decompress_ex(
                self.0.as_ptr(),
                member.as_ptr().cast(),
                member.len(),
                out.as_mut_ptr().cast(),
                out.len(),
                &mut used,
                &mut made,
            )
        };
        #[allow(non_upper_case_globals)]
        match result {
            libdeflate_result_LIBDEFLATE_SUCCESS if made != out.len() => Err(format!(
                "it inflates to {made} bytes instead of {}",
                out.len()
            )),
            libdeflate_result_LIBDEFLATE_SUCCESS if used != member.len() => {
                Err("bytes follow its gzip member".into())
            }
            libdeflate_result_LIBDEFLATE_SUCCESS => Ok(()),
            libdeflate_result_LIBDEFLATE_INSUFFICIENT_SPACE => Err(format!(
                "its gzip member is corrupt or inflates to more than {} bytes",
                out.len()
            )),
            libdeflate_result_LIBDEFLATE_BAD_DATA => Err(
                "its gzip member is corrupt (bad header, deflate data, CRC-32 or length)".into(),
            ),
            other => Err(format!("libdeflate failed with code {other}")),
        }
    }
}

impl Drop for Gunzip {
    fn drop(&mut self) {
        // SAFETY: allocated by `libdeflate_alloc_decompressor`, freed once.
        unsafe { libdeflate_free_decompressor(self.0.as_ptr()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sidecar::tests::{gz, sample};
    use crate::sidecar::DEFAULT_BLOCK_SIZE;

    #[test]
    fn inflates_one_member_exactly() {
        let input = sample(300_000);
        let (member, _) = gz(&input, 1, 6, DEFAULT_BLOCK_SIZE);
        let mut g = Gunzip::new().unwrap();
        let mut out = vec![0u8; input.len()];
        g.member(&member, &mut out).unwrap();
        assert!(out == input);

        let mut short = vec![0u8; input.len() - 1];
        let err = g.member(&member, &mut short).unwrap_err();
        assert!(err.contains("more than"), "{err}");
        let mut long = vec![0u8; input.len() + 1];
        let err = g.member(&member, &mut long).unwrap_err();
        assert!(err.contains("instead of"), "{err}");

        let mut trailing = member.clone();
        trailing.push(0);
        let err = g.member(&trailing, &mut out).unwrap_err();
        assert!(err.contains("follow"), "{err}");

        let mut bad_crc = member.clone();
        let at = member.len() - 6;
        bad_crc[at] ^= 1;
        let err = g.member(&bad_crc, &mut out).unwrap_err();
        assert!(err.contains("corrupt"), "{err}");
        for cut in [1, 5, 9, member.len() / 2] {
            let err = g
                .member(&member[..member.len() - cut], &mut out)
                .unwrap_err();
            assert!(err.contains("corrupt"), "{err}");
        }
    }
}
