//! dive 0.13.1's efficiency figures, computed by dive's own rules so that users migrating from
//! dive can compare numbers (they are labelled as dive's in every output). The rules, and their
//! known defects, are kept on purpose: only the leaves of each layer's own tree count; a
//! whiteout is a leaf at the path it deletes, sized 0 for a file and by what it hides for a
//! directory; a whiteout of a missing path ends that layer's walk; opaque markers are ignored.
//! Our own accounting lives in `merge`; nothing here feeds it.

use std::cmp::Ordering;

use serde::Serialize;

use crate::model::tree::NONE;
use crate::model::{EntryKind, Layer, LayerScan, NodeId, Tree};

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

/// The path of `n` as layers spell it (no leading `/`).
fn relative(tree: &Tree, n: NodeId) -> Vec<u8> {
    let mut p = tree.path_bytes(n);
    p.remove(0);
    p
}

/// `tree.lookup(path)`, remembering the last directory looked up: a tar lists a directory's
/// entries together, so most lookups hash one name instead of every component.
fn lookup_near(tree: &Tree, path: &[u8], near: &mut (Vec<u8>, Option<NodeId>)) -> Option<NodeId> {
    let (dir, base) = match path.iter().rposition(|&c| c == b'/') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => (&path[..0], path),
    };
    if near.0 != dir {
        near.0.clear();
        near.0.extend_from_slice(dir);
        near.1 = if dir.is_empty() {
            Some(Tree::ROOT)
        } else {
            tree.lookup(dir)
        };
    }
    tree.child(near.1?, base)
}

/// The deepest node that is a proper ancestor of `path`.
fn deepest_known(tree: &Tree, path: &[u8]) -> Option<NodeId> {
    let mut end = path.len();
    while let Some(i) = path[..end].iter().rposition(|&c| c == b'/') {
        if let Some(n) = tree.lookup(&path[..i]) {
            return Some(n);
        }
        end = i;
    }
    Some(Tree::ROOT)
}

/// One entry as dive's figures need it.
#[derive(Clone, Copy)]
struct Entry {
    node: NodeId,
    size: u64,
    kind: EntryKind,
}

/// What dive's figures need of one layer, without its names: each entry's node in the merged
/// tree, kind and size; the paths only of entries without a node; the layer's content bytes.
/// About 16 bytes per entry where the layer's scan holds a hundred or more.
pub struct DiveLayer {
    entries: Vec<Entry>,
    /// Entry index and path of the entries whose node is `NONE`, ascending.
    unplaced: Vec<(u32, Box<[u8]>)>,
    content_bytes: u64,
}

impl DiveLayer {
    /// From a layer's scan and the nodes the merge put its entries on
    /// ([`Merger::apply`](super::merge::Merger::apply)); with `nodes` empty, every entry is
    /// looked up by path later. Opaque markers are left out: dive never sees them.
    pub fn new(scan: &LayerScan, nodes: &[NodeId]) -> Self {
        let mut entries = Vec::with_capacity(scan.entries.len());
        let mut unplaced = Vec::new();
        for (i, e) in scan
            .entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.kind != EntryKind::Opaque)
        {
            let node = nodes.get(i).copied().unwrap_or(NONE);
            if node == NONE {
                unplaced.push((entries.len() as u32, scan.bytes(e.path).into()));
            }
            entries.push(Entry {
                node,
                size: e.size,
                kind: e.kind,
            });
        }
        Self {
            entries,
            unplaced,
            content_bytes: scan.content_bytes,
        }
    }
}

/// Computes dive's figures over the image's layers and merged tree, looking every path up.
pub fn dive_figures(layers: &[Layer], tree: &Tree) -> DiveFigures {
    dive_figures_with(layers, tree, &[])
}

/// [`dive_figures`] given the nodes the merge put each entry on (entries without one, or
/// layers past the end of `entry_nodes`, are looked up by path).
pub fn dive_figures_with(layers: &[Layer], tree: &Tree, entry_nodes: &[Vec<NodeId>]) -> DiveFigures {
    let dive: Vec<DiveLayer> = layers
        .iter()
        .enumerate()
        .map(|(i, l)| DiveLayer::new(&l.scan, entry_nodes.get(i).map_or(&[][..], Vec::as_slice)))
        .collect();
    figures(&dive, tree)
}

/// dive's figures from the layers' [`DiveLayer`]s and the merged tree. Paths are keyed by their
/// node in the merged tree, so the work is linear in entries and nothing is copied per path.
pub fn figures(layers: &[DiveLayer], tree: &Tree) -> DiveFigures {
    let empty = PathData {
        count: 0,
        cumulative: 0,
        min: u64::MAX,
    };
    let mut data = vec![empty; tree.len()];
    let mut root = empty;
    // Per node: the layer (plus one) that last marked it as an entry, and as having an entry
    // below it; stamps avoid clearing per layer.
    let mut entry_at = vec![0u32; tree.len()];
    let mut parent_at = vec![0u32; tree.len()];
    let mut last = vec![0u32; tree.len()];
    for (idx, layer) in layers.iter().enumerate() {
        let stamp = idx as u32 + 1;
        let mut nodes: Vec<NodeId> = Vec::new();
        let mut missing: Vec<Vec<u8>> = Vec::new();
        let mut near: (Vec<u8>, Option<NodeId>) = (Vec::new(), Some(Tree::ROOT));
        let mut unplaced = layer.unplaced.iter().peekable();
        for (i, e) in layer.entries.iter().enumerate() {
            let path = unplaced.next_if(|(at, _)| *at as usize == i).map(|(_, p)| &p[..]);
            let found = match path {
                Some(path) => lookup_near(tree, path, &mut near),
                None => Some(e.node),
            };
            let (n, mut up) = match found {
                Some(n) => (n, tree.parent(n)),
                None => {
                    // A whiteout of a path no layer has: a leaf, under its deepest known parent.
                    let path = path.unwrap_or_default();
                    missing.push(path.to_vec());
                    (NodeId::MAX, deepest_known(tree, path))
                }
            };
            if n != NodeId::MAX {
                if entry_at[n as usize] != stamp {
                    entry_at[n as usize] = stamp;
                    nodes.push(n);
                }
                last[n as usize] = i as u32; // the last entry per path wins
            }
            while let Some(p) = up.filter(|&p| parent_at[p as usize] != stamp) {
                parent_at[p as usize] = stamp;
                up = tree.parent(p);
            }
        }
        // Leaves: entries with no entry below them in this layer (parents are implied).
        let mut leaves: Vec<(NodeId, u64)> = Vec::with_capacity(nodes.len());
        for &n in &nodes {
            if parent_at[n as usize] == stamp {
                continue;
            }
            let e = &layer.entries[last[n as usize] as usize];
            let size = match e.kind {
                EntryKind::Whiteout => {
                    let below = (idx > 0).then(|| tree.visible_at(n, idx as u16 - 1)).flatten();
                    match below.map(|v| v.kind) {
                        None => {
                            missing.push(relative(tree, n));
                            continue;
                        }
                        Some(EntryKind::Dir) => subtree_bytes(tree, n, idx as u16 - 1),
                        Some(_) => 0,
                    }
                }
                EntryKind::File => e.size,
                _ => 0,
            };
            leaves.push((n, size));
        }
        if leaves.is_empty() && missing.is_empty() {
            // An empty layer's root is itself a leaf.
            root.count += 1;
            root.min = 0;
            continue;
        }
        // dive walks each layer's tree in sorted order and stops at the first whiteout of a
        // missing path: only the leaves sorted before it count.
        if let Some(cut) = missing.iter().min_by(|a, b| by_components(a, b)) {
            leaves.retain(|&(n, _)| by_components(&relative(tree, n), cut) == Ordering::Less);
        }
        for (n, size) in leaves {
            let d = &mut data[n as usize];
            d.count += 1;
            d.cumulative += size;
            d.min = d.min.min(size);
        }
    }
    let (mut min_sum, mut cum_sum, mut wasted, mut paths) = (0u64, 0u64, 0u64, 0u64);
    for d in data.iter().chain(std::iter::once(&root)).filter(|d| d.count > 0) {
        min_sum += d.min;
        cum_sum += d.cumulative;
        if d.count >= 2 {
            wasted += d.cumulative;
            paths += 1;
        }
    }
    let user: u64 = layers.iter().skip(1).map(|l| l.content_bytes).sum();
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
