//! Where each layer's bytes went after the merge: which later layer hid them and how, which lower
//! layers' bytes a layer deleted or replaced, each layer's largest files, and identical content
//! stored at different paths. Reads the merged tree only; the merge itself is `merge`.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use serde::Serialize;

use crate::model::{EntryKind, HiddenHow, Tree};

/// Bytes that moved between two layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Flow {
    /// The other layer (the one that hid, or the one that wrote).
    pub layer: usize,
    /// How the bytes were hidden.
    pub how: HiddenHow,
    /// Content bytes.
    pub bytes: u64,
    /// Regular files.
    pub files: u64,
}

/// A path with its content bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PathBytes {
    /// Absolute path, non-UTF-8 bytes escaped.
    pub path: String,
    /// Content bytes.
    pub bytes: u64,
}

/// Per-layer flows and largest files.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LayerFlows {
    /// This layer's bytes that later layers hid, by hiding layer and how.
    pub hidden_by: Vec<Flow>,
    /// Lower layers' bytes this layer deleted or replaced, by writing layer and how.
    pub hides: Vec<Flow>,
    /// The layer's largest regular files, largest first.
    pub largest: Vec<PathBytes>,
}

/// Files with identical content at different paths of the final filesystem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DuplicateGroup {
    /// Size of one copy.
    pub bytes_each: u64,
    /// Number of copies.
    pub copies: u64,
    /// All copies but one.
    pub reclaimable_bytes: u64,
    /// Some of the paths, sorted.
    pub paths: Vec<String>,
}

/// The accounting of the whole image.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Accounting {
    /// Per layer, bottom first.
    pub layers: Vec<LayerFlows>,
    /// Largest duplicate groups first.
    pub duplicates: Vec<DuplicateGroup>,
    /// Sum of `reclaimable_bytes` over every duplicate group (not only those listed).
    pub duplicate_bytes: u64,
}

/// Largest files kept per layer.
pub const LARGEST: usize = 10;
/// Duplicate groups listed.
pub const DUPLICATE_GROUPS: usize = 50;

fn flows(map: BTreeMap<(usize, u8), (HiddenHow, u64, u64)>) -> Vec<Flow> {
    map.into_iter()
        .map(|((layer, _), (how, bytes, files))| Flow {
            layer,
            how,
            bytes,
            files,
        })
        .collect()
}

/// One visible file as duplicate detection sees it: content hash, size, node.
type FileCopy = (u64, u64, u32);

/// Computes the accounting for a merged tree of `layers` layers.
pub fn account(tree: &Tree, layers: usize) -> Accounting {
    let (per_layer, hashes) = layer_flows(tree, layers);
    let (duplicates, duplicate_bytes) = duplicates(tree, hashes);
    Accounting {
        layers: per_layer,
        duplicates,
        duplicate_bytes,
    }
}

/// One pass over the file versions: per layer, whose bytes it hid and who hid its bytes, and
/// its largest files; also the content hashes of the visible non-empty files, for
/// [`duplicates`].
fn layer_flows(tree: &Tree, layers: usize) -> (Vec<LayerFlows>, Vec<u64>) {
    let mut hidden_by = vec![BTreeMap::new(); layers];
    let mut hides = vec![BTreeMap::new(); layers];
    let mut largest: Vec<BinaryHeap<Reverse<(u64, u32)>>> = vec![BinaryHeap::new(); layers];
    // Content hashes of the visible non-empty files, sorted: a hash seen once has no copy, and
    // only the files whose hash repeats are gathered below, so the large pass holds 8 bytes per
    // file rather than a (hash, size, node) triple.
    let mut hashes: Vec<u64> = Vec::new();
    for v in tree.versions().iter().filter(|v| v.kind == EntryKind::File) {
        let l = v.layer as usize;
        let heap = &mut largest[l];
        // A full heap only takes a file larger than its smallest: most files are not.
        if heap.len() < LARGEST || heap.peek().is_some_and(|&Reverse(min)| (v.size, v.node) > min) {
            heap.push(Reverse((v.size, v.node)));
            if heap.len() > LARGEST {
                heap.pop();
            }
        }
        if v.survives() {
            if v.size > 0 {
                hashes.push(v.hash);
            }
            continue;
        }
        let by = v.hidden_by as usize;
        let e = hidden_by[l]
            .entry((by, v.hidden_how as u8))
            .or_insert((v.hidden_how, 0, 0));
        e.1 += v.size;
        e.2 += 1;
        let e = hides[by].entry((l, v.hidden_how as u8)).or_insert((v.hidden_how, 0, 0));
        e.1 += v.size;
        e.2 += 1;
    }
    let per_layer = hidden_by
        .into_iter()
        .zip(hides)
        .zip(largest)
        .map(|((h, d), heap)| {
            let mut top: Vec<(u64, u32)> = heap.into_iter().map(|Reverse(x)| x).collect();
            top.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| tree.path(a.1).cmp(&tree.path(b.1))));
            LayerFlows {
                hidden_by: flows(h),
                hides: flows(d),
                largest: top
                    .into_iter()
                    .map(|(bytes, node)| PathBytes {
                        path: tree.path(node),
                        bytes,
                    })
                    .collect(),
            }
        })
        .collect();
    (per_layer, hashes)
}

/// Identical contents at several visible paths: the largest groups (and those tied with the
/// last of them), and the bytes all copies but one take, over every group.
fn duplicates(tree: &Tree, mut hashes: Vec<u64>) -> (Vec<DuplicateGroup>, u64) {
    hashes.sort_unstable();
    let mut repeated: Vec<u64> = hashes
        .chunk_by(|a, b| a == b)
        .filter(|r| r.len() > 1)
        .map(|r| r[0])
        .collect();
    drop(hashes);
    repeated.shrink_to_fit();
    // Equal contents side by side: sorted (hash, size, node) of the files whose hash repeats.
    let mut same: Vec<FileCopy> = tree
        .versions()
        .iter()
        .filter(|v| v.kind == EntryKind::File && v.survives() && v.size > 0)
        .filter(|v| repeated.binary_search(&v.hash).is_ok())
        .map(|v| (v.hash, v.size, v.node))
        .collect();
    same.sort_unstable();
    same.dedup();
    // Every group of two or more copies counts towards `duplicate_bytes`; paths are built only
    // for the groups that can be listed: the largest, and those tied with the last of them.
    let mut found: Vec<(u64, u64, &[FileCopy])> = Vec::new();
    let mut duplicate_bytes = 0;
    for run in same.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
        let (size, copies) = (run[0].1, run.len() as u64);
        if copies >= 2 {
            duplicate_bytes += size * (copies - 1);
            found.push((size * (copies - 1), size, run));
        }
    }
    found.sort_unstable_by_key(|&(reclaimable, ..)| Reverse(reclaimable));
    if let Some(&(cut, ..)) = found.get(DUPLICATE_GROUPS - 1) {
        found.retain(|&(reclaimable, ..)| reclaimable >= cut);
    }
    let mut groups: Vec<DuplicateGroup> = found
        .into_iter()
        .map(|(reclaimable_bytes, size, run)| {
            let mut paths: Vec<String> = run.iter().map(|&(.., n)| tree.path(n)).collect();
            paths.sort();
            paths.truncate(5);
            DuplicateGroup {
                bytes_each: size,
                copies: run.len() as u64,
                reclaimable_bytes,
                paths,
            }
        })
        .collect();
    groups.sort_by(|a, b| {
        b.reclaimable_bytes
            .cmp(&a.reclaimable_bytes)
            .then_with(|| a.paths.cmp(&b.paths))
    });
    groups.truncate(DUPLICATE_GROUPS);
    (groups, duplicate_bytes)
}
