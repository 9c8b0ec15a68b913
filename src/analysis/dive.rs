//! dive 0.13.1's efficiency figures, computed by dive's own rules so that users migrating from
//! dive can compare numbers (they are labelled as dive's in every output). The rules, and their
//! known defects, are kept on purpose: only the leaves of each layer's own tree count; a
//! whiteout is a leaf at the path it deletes, sized 0 for a file and by what it hides for a
//! directory; a whiteout of a missing path ends that layer's walk; opaque markers are ignored.
//! Our own accounting lives in `merge`; nothing here feeds it.

use std::cmp::Ordering;
use std::collections::HashMap;

use serde::Serialize;

use crate::model::{EntryKind, Layer, NodeId, Tree};

/// dive's three figures.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DiveFigures {
    /// Sum of the smallest size seen per path / sum of all sizes seen per path (1 when empty).
    pub efficiency: f64,
    /// Sum of all sizes of the paths seen in two or more layers.
    pub wasted_bytes: u64,
    /// `wasted_bytes` / content bytes of all layers but the first, as a ratio (dive's
    /// `userWastedPercent`, which dive prints multiplied by 100); `None` where dive divides by 0.
    pub user_wasted_percent: Option<f64>,
    /// Paths seen in two or more layers.
    pub inefficient_paths: u64,
}

#[derive(Default, Clone, Copy)]
struct PathData {
    count: u32,
    cumulative: u64,
    min: u64,
}

/// Orders paths component by component, as a depth-first walk with sorted children meets them.
fn by_components(a: &[u8], b: &[u8]) -> Ordering {
    a.split(|&c| c == b'/').cmp(b.split(|&c| c == b'/'))
}

fn is_descendant(child: &[u8], dir: &[u8]) -> bool {
    child.len() > dir.len() && child.starts_with(dir) && child[dir.len()] == b'/'
}

/// Content bytes visible at or below `node` after layer `layer`.
fn subtree_bytes(tree: &Tree, node: NodeId, layer: u16) -> u64 {
    let mut total = 0;
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        if let Some(v) = tree.visible_at(n, layer) {
            if v.kind == EntryKind::File {
                total += v.size;
            }
            stack.extend(tree.children(n));
        }
    }
    total
}

/// Computes dive's figures over the image's layers and merged tree.
pub fn dive_figures(layers: &[Layer], tree: &Tree) -> DiveFigures {
    let mut data: HashMap<Vec<u8>, PathData> = HashMap::new();
    for (idx, layer) in layers.iter().enumerate() {
        let scan = &layer.scan;
        // The layer's own tree: the last entry per path wins, parents are implied.
        let mut items: Vec<(Vec<u8>, EntryKind, u64)> = scan
            .entries
            .iter()
            // dive never adds `.wh..wh..` names (opaque markers) to its trees.
            .filter(|e| e.kind != EntryKind::Opaque)
            .map(|e| (scan.bytes(e.path).to_vec(), e.kind, e.size))
            .collect();
        items.reverse();
        items.sort_by(|a, b| by_components(&a.0, &b.0));
        items.dedup_by(|later, first| later.0 == first.0);
        let leaves: Vec<&(Vec<u8>, EntryKind, u64)> = items
            .iter()
            .enumerate()
            .filter(|(i, (p, _, _))| items.get(i + 1).is_none_or(|next| !is_descendant(&next.0, p)))
            .map(|(_, it)| it)
            .collect();
        if leaves.is_empty() {
            // An empty layer's root is itself a leaf.
            let d = data.entry(b"/".to_vec()).or_insert(PathData {
                count: 0,
                cumulative: 0,
                min: u64::MAX,
            });
            d.count += 1;
            d.min = 0;
            continue;
        }
        for (path, kind, size) in leaves {
            let size = match kind {
                EntryKind::Whiteout => {
                    let below = (idx > 0)
                        .then(|| tree.lookup(path))
                        .flatten()
                        .and_then(|n| tree.visible_at(n, idx as u16 - 1).map(|v| (n, v.kind)));
                    match below {
                        None => break, // dive's walk of this layer stops at the first error
                        Some((n, EntryKind::Dir)) => subtree_bytes(tree, n, idx as u16 - 1),
                        Some(_) => 0,
                    }
                }
                EntryKind::File => *size,
                _ => 0,
            };
            let d = data.entry(path.clone()).or_insert(PathData {
                count: 0,
                cumulative: 0,
                min: u64::MAX,
            });
            d.count += 1;
            d.cumulative += size;
            d.min = d.min.min(size);
        }
    }
    let (mut min_sum, mut cum_sum, mut wasted, mut paths) = (0u64, 0u64, 0u64, 0u64);
    for d in data.values() {
        min_sum += d.min;
        cum_sum += d.cumulative;
        if d.count >= 2 {
            wasted += d.cumulative;
            paths += 1;
        }
    }
    let user: u64 = layers.iter().skip(1).map(|l| l.scan.content_bytes).sum();
    DiveFigures {
        efficiency: if cum_sum == 0 {
            1.0
        } else {
            min_sum as f64 / cum_sum as f64
        },
        wasted_bytes: wasted,
        user_wasted_percent: (user > 0).then(|| wasted as f64 / user as f64),
        inefficient_paths: paths,
    }
}
