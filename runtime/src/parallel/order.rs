//! The whole disk's SHA-256 on the calling thread, in disk order, while workers
//! finish chunks in any order. A [`Gate`] lets a worker start chunk `i` only once
//! every chunk below `i - window` is hashed, so at most `window` chunk buffers are
//! out (being filled, or finished and waiting their turn) at any time; hashed
//! buffers go back to a [`Pool`] for the workers to fill again.

use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};

/// How far ahead of the next chunk to hash the workers may go.
pub(super) struct Gate {
    hashed: Mutex<usize>,
    changed: Condvar,
    window: usize,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A worker never panics holding it; if one did, the count is still right.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Gate {
    pub(super) fn new(window: usize) -> Gate {
        Gate {
            hashed: Mutex::new(0),
            changed: Condvar::new(),
            window: window.max(1),
        }
    }

    /// Waits until chunk `index` may start; false if `stop` was raised meanwhile.
    pub(super) fn wait_for(&self, index: usize, stop: &AtomicBool) -> bool {
        let mut hashed = lock(&self.hashed);
        // A worker already holding its index goes on once the window allows it,
        // even after a stop: a chunk below a damaged one still gets checked, so the
        // lowest damaged chunk is the one reported. It holds one index at most, so
        // after a stop at most `window + workers` chunks past the hashed ones run.
        while index >= hashed.saturating_add(self.window) {
            if stop.load(Ordering::Relaxed) {
                return false;
            }
            hashed = self.changed.wait(hashed).unwrap_or_else(|e| e.into_inner());
        }
        true
    }

    fn advance(&self, hashed: usize) {
        *lock(&self.hashed) = hashed;
        self.changed.notify_all();
    }

    /// Raises `stop` and wakes every waiting worker (under the lock, so a worker
    /// between its check of `stop` and its wait can't miss it).
    pub(super) fn halt(&self, stop: &AtomicBool) {
        stop.store(true, Ordering::Relaxed);
        let _hashed = lock(&self.hashed);
        self.changed.notify_all();
    }
}

/// Chunk buffers already hashed, for the workers to fill again.
#[derive(Default)]
pub(super) struct Pool(Mutex<Vec<Vec<u8>>>);

impl Pool {
    pub(super) fn take(&self) -> Vec<u8> {
        lock(&self.0).pop().unwrap_or_default()
    }

    fn give(&self, buf: Vec<u8>) {
        lock(&self.0).push(buf);
    }
}

/// The calling thread's side: hashes finished chunks in disk order.
pub(super) struct InOrder<'a> {
    gate: &'a Gate,
    pool: &'a Pool,
    hasher: Sha256,
    next: usize,
    waiting: BTreeMap<usize, (Vec<u8>, usize)>,
}

impl<'a> InOrder<'a> {
    pub(super) fn new(gate: &'a Gate, pool: &'a Pool) -> InOrder<'a> {
        InOrder {
            gate,
            pool,
            hasher: Sha256::new(),
            next: 0,
            waiting: BTreeMap::new(),
        }
    }

    /// Takes chunk `index` (its first `len` bytes of `buf`) and hashes every chunk
    /// that is now next in disk order.
    pub(super) fn add(&mut self, index: usize, buf: Vec<u8>, len: usize) {
        self.waiting.insert(index, (buf, len));
        let before = self.next;
        while let Some((buf, len)) = self.waiting.remove(&self.next) {
            self.hasher.update(&buf[..len.min(buf.len())]);
            self.pool.give(buf);
            self.next += 1;
        }
        if self.next != before {
            self.gate.advance(self.next);
        }
    }

    /// The SHA-256 of every chunk, if all `count` were added.
    pub(super) fn finish(self, count: usize) -> Option<[u8; 32]> {
        if self.next == count {
            Some(self.hasher.finalize().into())
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    #[test]
    fn chunks_added_in_any_order_hash_in_disk_order_and_open_the_gate() {
        let gate = Gate::new(2);
        let pool = Pool::default();
        let stop = AtomicBool::new(false);
        let mut in_order = InOrder::new(&gate, &pool);
        let (tx, rx) = mpsc::channel();
        std::thread::scope(|scope| {
            let (gate, stop) = (&gate, &stop);
            scope.spawn(move || {
                // Chunks 0 and 1 may start at once; chunk 2 once chunk 0 is hashed.
                for index in 0..3 {
                    assert!(gate.wait_for(index, stop));
                    tx.send(index).unwrap();
                }
                // Chunk 5 waits until the gate is halted.
                tx.send(if gate.wait_for(5, stop) { 50 } else { 5 })
                    .unwrap();
            });
            let wait = Duration::from_secs(10);
            assert_eq!(rx.recv_timeout(wait), Ok(0));
            assert_eq!(rx.recv_timeout(wait), Ok(1));
            assert!(rx.recv_timeout(Duration::from_millis(200)).is_err());
            in_order.add(1, b"bb".to_vec(), 2);
            assert!(rx.recv_timeout(Duration::from_millis(200)).is_err());
            in_order.add(0, b"aaX".to_vec(), 2);
            assert_eq!(rx.recv_timeout(wait), Ok(2));
            in_order.add(2, b"c".to_vec(), 1);
            assert!(rx.recv_timeout(Duration::from_millis(200)).is_err());
            gate.halt(stop);
            assert_eq!(rx.recv_timeout(wait), Ok(5));
        });
        // Every hashed buffer is back in the pool for the workers to reuse.
        assert_eq!(lock(&pool.0).len(), 3);
        let want: [u8; 32] = Sha256::digest(b"aabbc").into();
        assert_eq!(in_order.finish(3), Some(want));
    }

    #[test]
    fn a_missing_chunk_leaves_no_hash() {
        let gate = Gate::new(4);
        let pool = Pool::default();
        let mut in_order = InOrder::new(&gate, &pool);
        in_order.add(1, vec![1], 1);
        assert_eq!(in_order.finish(2), None);
    }
}
