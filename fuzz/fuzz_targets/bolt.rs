//! The bytes are a bbolt database (containerd's `meta.db`). Opening it and walking every bucket
//! it reaches must give answers or errors, never a panic, a loop or unbounded work.

#![no_main]

use std::path::Path;

use deadweight::source::storage::bolt::{Bolt, Bucket, Value};
use libfuzzer_sys::fuzz_target;

/// Walks nested buckets down to containerd's depth (v1/ns/images/name/target and one more),
/// visiting at most `budget` values in all.
fn walk(bucket: Bucket<'_>, depth: usize, budget: &mut usize) {
    if depth > 6 {
        return;
    }
    let Ok(entries) = bucket.entries() else { return };
    for (_, value) in entries {
        if *budget == 0 {
            return;
        }
        *budget -= 1;
        if let Value::Bucket(inner) = value {
            walk(inner, depth + 1, budget);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(db) = Bolt::from_bytes(Path::new("meta.db"), data.to_vec()) {
        let mut budget = 10_000;
        walk(db.root(), 0, &mut budget);
    }
});
