//! Tests of compression, shared helpers for the readers' tests.

use super::compress::deflate_block;
use super::compress::*;
use super::ChunkTable;
use flate2::Compression;
use sha2::{Digest, Sha256};
use std::io::{self, Read, Write};

/// Returns `n` bytes that compress like a disk: text-ish runs, noise and zeros.
pub(crate) fn sample(n: usize) -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        match state % 16 {
            // noise
            0..=6 => out.extend_from_slice(&state.to_le_bytes()[..5]),
            // a zeroed stretch
            7 => out.extend(std::iter::repeat_n(0, (state >> 40) as usize % 200)),
            // a repeat of something seen up to 20 KiB back: matches cross block cuts
            8..=12 if out.len() > 20_000 => {
                let from = out.len() - 1 - (state >> 20) as usize % 20_000;
                let len = 4 + (state >> 50) as usize % 60;
                for i in 0..len {
                    out.push(out[from + i]);
                }
            }
            // text
            _ => out.extend_from_slice(b"Windows\\System32\\drivers "),
        }
    }
    out.truncate(n);
    out
}

/// Compresses `input` as one member.
pub(crate) fn gz(input: &[u8], jobs: usize, level: u32, block: usize) -> (Vec<u8>, Compressed) {
    gz_chunked(input, jobs, level, block, 0)
}

pub(crate) fn gz_chunked(
    input: &[u8],
    jobs: usize,
    level: u32,
    block: usize,
    chunk: u64,
) -> (Vec<u8>, Compressed) {
    let mut out = Vec::new();
    let opts = CompressOptions {
        jobs,
        level,
        block_size: block,
        chunk_size: chunk,
    };
    let facts = compress(input, &mut out, &opts, &mut |_| true).unwrap();
    (out, facts)
}

fn gunzip(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(data)
        .read_to_end(&mut out)
        .unwrap();
    out
}

#[test]
fn round_trips_many_blocks_and_hashes_both_sides() {
    let input = sample(1_000_003);
    let (out, facts) = gz(&input, 3, 6, DICT_SIZE * 2);
    assert!(out.len() < input.len() / 2, "compressed to {}", out.len());
    assert_eq!(gunzip(&out), input);
    assert_eq!(facts.input.size, input.len() as u64);
    assert_eq!(facts.input.sha256, <[u8; 32]>::from(Sha256::digest(&input)));
    assert_eq!(facts.output.size, out.len() as u64);
    assert_eq!(facts.output.sha256, <[u8; 32]>::from(Sha256::digest(&out)));
}

#[test]
fn is_one_gzip_member_with_a_reproducible_header() {
    let (out, _) = gz(&sample(300_000), 2, 6, DICT_SIZE);
    assert_eq!(&out[..10], &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
    // A single-member decoder consumes the whole file: nothing follows the member.
    let mut d = flate2::bufread::GzDecoder::new(&out[..]);
    std::io::copy(&mut d, &mut std::io::sink()).unwrap();
    assert!(d.into_inner().is_empty());
}

#[test]
fn empty_input_gives_a_valid_empty_member() {
    let (out, facts) = gz(&[], 2, 6, DEFAULT_BLOCK_SIZE);
    assert_eq!(gunzip(&out), Vec::<u8>::new());
    assert_eq!(facts.input.size, 0);
    assert_eq!(out.len(), 20, "header + empty final block + trailer");
}

#[test]
fn exact_multiple_of_block_size_round_trips() {
    let input = sample(DICT_SIZE * 6);
    let (out, _) = gz(&input, 2, 1, DICT_SIZE * 2);
    assert_eq!(gunzip(&out), input);
}

#[test]
fn same_bytes_for_any_thread_count() {
    let input = sample(2_500_000);
    let (one, _) = gz(&input, 1, 6, DEFAULT_BLOCK_SIZE);
    for jobs in [2, 4, 7] {
        let (many, _) = gz(&input, jobs, 6, DEFAULT_BLOCK_SIZE);
        assert!(
            one == many,
            "--jobs {jobs} gave different bytes than --jobs 1"
        );
    }
}

#[test]
fn priming_keeps_the_ratio_of_single_threaded_deflate() {
    // Data whose matches reach back across block cuts: unprimed blocks lose them.
    let input = sample(4 << 20);
    let (ours, _) = gz(&input, 2, 6, DEFAULT_BLOCK_SIZE);
    let mut single = flate2::write::GzEncoder::new(Vec::new(), Compression::new(6));
    single.write_all(&input).unwrap();
    let single = single.finish().unwrap();
    let blocks: Vec<&[u8]> = input.chunks(DEFAULT_BLOCK_SIZE).collect();
    let unprimed: usize = blocks
        .iter()
        .enumerate()
        .map(|(i, b)| {
            deflate_block(Compression::new(6), b, &[], i + 1 == blocks.len())
                .unwrap()
                .len()
        })
        .sum();
    let ratio = ours.len() as f64 / single.len() as f64;
    eprintln!(
        "parallel {} single {} unprimed {unprimed} bytes",
        ours.len(),
        single.len()
    );
    assert!(
        ratio < 1.005,
        "parallel output is {ratio:.4}× single-threaded"
    );
    assert!(ours.len() < unprimed, "priming made no difference");
}

#[test]
fn levels_change_the_output_and_the_header() {
    let input = sample(500_000);
    let (fast, _) = gz(&input, 2, 1, DEFAULT_BLOCK_SIZE);
    let (best, _) = gz(&input, 2, 9, DEFAULT_BLOCK_SIZE);
    assert_eq!(fast[8], 4);
    assert_eq!(best[8], 2);
    assert!(best.len() < fast.len());
    assert_eq!(gunzip(&best), input);
}

#[test]
fn cancel_stops_without_finishing_the_member() {
    let input = sample(1 << 20);
    let mut out = Vec::new();
    let opts = CompressOptions {
        jobs: 2,
        level: 6,
        block_size: DICT_SIZE,
        chunk_size: 0,
    };
    let mut calls = 0;
    let err = compress(&input[..], &mut out, &opts, &mut |_| {
        calls += 1;
        calls < 3
    })
    .unwrap_err();
    assert!(matches!(err, CompressError::Cancelled), "{err}");
    let mut d = flate2::read::GzDecoder::new(&out[..]);
    assert!(
        std::io::copy(&mut d, &mut std::io::sink()).is_err(),
        "a cancelled sidecar must not look whole"
    );
}

#[test]
fn write_errors_surface() {
    struct Full(usize);
    impl Write for Full {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.0 < buf.len() {
                return Err(io::Error::new(io::ErrorKind::StorageFull, "no space left"));
            }
            self.0 -= buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let input = sample(3 << 20);
    let opts = CompressOptions {
        jobs: 2,
        level: 1,
        block_size: DICT_SIZE,
        chunk_size: 2 * DICT_SIZE as u64,
    };
    let err = compress(&input[..], Full(10_000), &opts, &mut |_| true).unwrap_err();
    assert!(matches!(err, CompressError::Write(_)), "{err}");
}

#[test]
fn member_start_tells_the_level_from_the_first_blocks() {
    let disk = sample(3 * DEFAULT_BLOCK_SIZE + 1000);
    let (medv, _) = gz(&disk, 2, 6, DEFAULT_BLOCK_SIZE);
    let head = &disk[..2 * DEFAULT_BLOCK_SIZE + 10];
    let matching: Vec<u32> = (1..=9)
        .filter(|&l| medv.starts_with(&member_start(l, head, disk.len() as u64).unwrap()))
        .collect();
    assert_eq!(matching, [6]);
    // A disk shorter than a block: the whole member but the trailer.
    let small = &disk[..5000];
    let (medv, _) = gz(small, 1, 9, DEFAULT_BLOCK_SIZE);
    let start = member_start(9, small, 5000).unwrap();
    assert_eq!(start, medv[..medv.len() - 8]);
}

#[test]
fn chunks_are_independent_members_with_their_own_hashes() {
    let input = sample(1_000_003);
    let chunk = 4 * DICT_SIZE as u64;
    let (out, facts) = gz_chunked(&input, 3, 6, DICT_SIZE, chunk);
    // Still one standard gzip stream (several members) holding the input.
    let mut whole = Vec::new();
    flate2::read::MultiGzDecoder::new(&out[..])
        .read_to_end(&mut whole)
        .unwrap();
    assert!(whole == input);
    let table = &facts.chunks;
    assert_eq!(table.chunk_size, chunk);
    assert_eq!(table.chunks.len(), input.len().div_ceil(chunk as usize));
    assert_eq!(table.disk_size(), input.len() as u64);
    assert_eq!(table.sidecar_size(), out.len() as u64);
    for c in &table.chunks {
        let member = &out[c.sidecar_offset as usize..(c.sidecar_offset + c.sidecar_len) as usize];
        let disk = &input[c.disk_offset as usize..(c.disk_offset + c.disk_len) as usize];
        assert!(
            gunzip(member) == disk,
            "chunk at {} inflates alone",
            c.disk_offset
        );
        assert_eq!(c.sha256, <[u8; 32]>::from(Sha256::digest(disk)));
    }
    assert_eq!(ChunkTable::decode(&table.encode()).unwrap(), *table);
}

#[test]
fn chunked_bytes_are_the_same_for_any_thread_count() {
    let input = sample(2_500_000);
    let (one, _) = gz_chunked(&input, 1, 6, DEFAULT_BLOCK_SIZE, 1 << 20);
    for jobs in [2, 5] {
        let (many, _) = gz_chunked(&input, jobs, 6, DEFAULT_BLOCK_SIZE, 1 << 20);
        assert!(one == many, "--jobs {jobs} gave different bytes");
    }
}

#[test]
fn one_member_is_one_chunk() {
    let input = sample(300_000);
    let (out, facts) = gz(&input, 2, 6, DICT_SIZE);
    assert_eq!(facts.chunks.chunks.len(), 1);
    assert_eq!(facts.chunks.sidecar_size(), out.len() as u64);
}
