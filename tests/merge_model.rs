//! The merge checked against a tiny reference model: a `BTreeMap` from path to entry that
//! applies layers the way the OCI spec says (per layer: whiteouts and opaque markers first, then
//! entries in tar order, parents created as directories, a non-directory over a directory
//! removes its subtree). Hand-made stacks go through the whole library (`source::load` +
//! `analysis::analyze`); hundreds of proptest-generated stacks (shrunk on failure) go through
//! `scan_layer` + `merge`. Final
//! files, kinds, sizes and every per-layer byte figure must agree.

use std::collections::BTreeMap;

use deadweight::analysis::{MergeStats, dive, merge};
use deadweight::model::{EntryKind, Tree};
use deadweight::source::layer::{ScanLimits, normalize, scan_layer};

use proptest::prelude::*;

use crate::support::fixture::{Entry, Image, Kind, Layer};
use crate::support::{analyze_image, tmp};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum K {
    File,
    Dir,
    Symlink,
    Hardlink,
    Device,
    Fifo,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Node {
    kind: K,
    size: u64,
    content: Vec<u8>,
    mode: u32,
    layer: usize,
}

#[derive(Default)]
struct Model {
    fs: BTreeMap<Vec<u8>, Node>,
    stats: Vec<MergeStats>,
}

enum Op {
    Whiteout(Vec<u8>),
    Opaque(Vec<u8>),
    Put(Vec<u8>, Node),
}

fn op(e: &Entry, layer: usize) -> Option<Op> {
    let path = normalize(&e.name);
    let cut = path.iter().rposition(|&b| b == b'/');
    let (dir, base) = match cut {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => (&b""[..], &path[..]),
    };
    if base == b".wh..wh..opq" {
        return Some(Op::Opaque(dir.to_vec()));
    }
    if let Some(target) = base.strip_prefix(b".wh.") {
        let mut p = dir.to_vec();
        if !p.is_empty() {
            p.push(b'/');
        }
        p.extend_from_slice(target);
        return Some(Op::Whiteout(p));
    }
    let kind = match e.kind {
        Kind::File => K::File,
        Kind::Dir => K::Dir,
        Kind::Symlink => K::Symlink,
        Kind::Hardlink => K::Hardlink,
        Kind::CharDevice(..) => K::Device,
        Kind::Fifo => K::Fifo,
        Kind::Raw(_) => return None,
    };
    let size = if kind == K::File { e.data.len() as u64 } else { 0 };
    (!path.is_empty()).then(|| {
        let node = Node {
            kind,
            size,
            content: e.data.clone(),
            mode: e.mode,
            layer,
        };
        Op::Put(path, node)
    })
}

fn under(path: &[u8], dir: &[u8]) -> bool {
    dir.is_empty() || (path.len() > dir.len() && path.starts_with(dir) && path[dir.len()] == b'/')
}

impl Model {
    /// Removes `path` (when `itself`) and everything below it, charging the bytes.
    fn remove(&mut self, path: &[u8], itself: bool, layer: usize, deleted: bool) {
        let doomed: Vec<Vec<u8>> = self
            .fs
            .keys()
            .filter(|k| (itself && k.as_slice() == path) || under(k, path))
            .cloned()
            .collect();
        for k in doomed {
            let n = self.fs.remove(&k).unwrap();
            if n.kind == K::File {
                self.stats[n.layer].hidden_later_bytes += n.size;
                match deleted {
                    true => self.stats[layer].deleted_bytes += n.size,
                    false => self.stats[layer].replaced_bytes += n.size,
                }
            }
        }
    }

    fn parents(&mut self, path: &[u8], layer: usize) {
        for (i, _) in path.iter().enumerate().filter(|(_, b)| **b == b'/') {
            let p = &path[..i];
            if self.fs.get(p).is_none_or(|n| n.kind != K::Dir) {
                self.remove(p, true, layer, false);
                let dir = Node {
                    kind: K::Dir,
                    size: 0,
                    content: Vec::new(),
                    mode: 0o755,
                    layer,
                };
                self.fs.insert(p.to_vec(), dir);
            }
        }
    }

    fn apply(&mut self, layer: usize, l: &Layer) {
        self.stats.push(MergeStats::default());
        let ops: Vec<Op> = l.entries.iter().filter_map(|e| op(e, layer)).collect();
        for o in &ops {
            match o {
                Op::Whiteout(p) if self.fs.contains_key(p) => self.remove(p, true, layer, true),
                Op::Whiteout(_) => self.stats[layer].whiteouts_missing += 1,
                Op::Opaque(p) => {
                    self.parents(p, layer);
                    self.remove(p, false, layer, true);
                }
                Op::Put(..) => {}
            }
        }
        for o in ops {
            let Op::Put(path, node) = o else { continue };
            self.parents(&path, layer);
            let prev = self.fs.get(&path).cloned();
            match &prev {
                // A non-directory over a directory removes the whole subtree.
                Some(p) if p.kind == K::Dir && node.kind != K::Dir => self.remove(&path, true, layer, false),
                // Otherwise only the entry itself is replaced; a directory keeps its children.
                Some(p) if p.kind == K::File => {
                    self.stats[p.layer].hidden_later_bytes += p.size;
                    self.stats[layer].replaced_bytes += p.size;
                }
                Some(_) | None => {}
            }
            let st = &mut self.stats[layer];
            if node.kind == K::File {
                match &prev {
                    None => st.added_bytes += node.size,
                    Some(p) => {
                        st.modified_bytes += node.size;
                        if p.kind == K::File && p.content == node.content {
                            st.metadata_only_bytes += node.size;
                        }
                    }
                }
            }
            self.fs.insert(path, node);
        }
    }
}

/// The final filesystem of the merge as (path, kind, size).
fn final_of(tree: &Tree) -> BTreeMap<Vec<u8>, (K, u64)> {
    let mut out = BTreeMap::new();
    for id in 1..tree.len() as u32 {
        if let Some(v) = tree.current(id) {
            let v = tree.version(v);
            let kind = match v.kind {
                EntryKind::File => K::File,
                EntryKind::Dir => K::Dir,
                EntryKind::Symlink => K::Symlink,
                EntryKind::Hardlink => K::Hardlink,
                EntryKind::Device => K::Device,
                EntryKind::Fifo => K::Fifo,
                other => panic!("{other:?} visible at {}", tree.path(id)),
            };
            out.insert(tree.path_bytes(id)[1..].to_vec(), (kind, v.size));
        }
    }
    out
}

fn model_of(layers: &[Layer]) -> Model {
    let mut m = Model::default();
    for (i, l) in layers.iter().enumerate() {
        m.apply(i, l);
    }
    m
}

fn check(what: &str, layers: &[Layer], tree: &Tree, stats: &[MergeStats]) {
    let m = model_of(layers);
    let want: BTreeMap<Vec<u8>, (K, u64)> = m.fs.iter().map(|(p, n)| (p.clone(), (n.kind, n.size))).collect();
    let got = final_of(tree);
    let show = |map: &BTreeMap<Vec<u8>, (K, u64)>| {
        map.iter()
            .map(|(p, v)| format!("{} {v:?}", String::from_utf8_lossy(p)))
            .collect::<Vec<_>>()
    };
    assert_eq!(show(&got), show(&want), "{what}: final filesystem");
    assert_eq!(stats, m.stats.as_slice(), "{what}: per-layer figures");
}

/// Hand-made stacks through the whole library.
#[test]
fn hand_made_stacks_match_the_model() {
    let stacks: Vec<(&str, Vec<Layer>)> = vec![
        (
            "whiteouts and opaque",
            vec![
                Layer::new()
                    .dir("a")
                    .file("a/x", "xx")
                    .file("a/b/y", "yyy")
                    .file("z", "z")
                    .symlink("s", "a/x"),
                Layer::new()
                    .whiteout("a/b")
                    .opaque("a")
                    .file("a/n", "n")
                    .whiteout("s")
                    .whiteout("ghost"),
                Layer::new().file("a/b/y", "again").whiteout("z"),
            ],
        ),
        (
            "file over dir, dir over file",
            vec![
                Layer::new().file("p/q/r", "rrrr").file("f", "ffff"),
                Layer::new().file("p", "now a file").dir("f").file("f/inside", "i"),
                Layer::new().file("p/again", "pa"),
            ],
        ),
        (
            "opaque root",
            vec![
                Layer::new().file("x/y", "yy").file("z", "z"),
                Layer::new().file("w", "www").opaque("./").file("x/new", "n"),
            ],
        ),
        (
            "overwrites and metadata",
            vec![
                Layer::new().file("c", "same").file("d", "old").hardlink("h", "c"),
                Layer::new()
                    .file_with("c", "same", 0o600, 0, 0)
                    .file("d", "new!")
                    .file("d", "newer")
                    .fifo("h"),
            ],
        ),
    ];
    let dir = tmp();
    for (what, layers) in stacks {
        let image = layers.iter().fold(Image::new(), |img, l| img.layer(what, l.clone()));
        let a = analyze_image(dir.path(), &image);
        check(what, &layers, &a.tree, &a.merge);
    }
}

/// One generated entry: what it is, where, and a size or mode choice.
pub type GenOp = (u8, Vec<u8>, u8);

/// Paths over a small alphabet, so that generated layers collide, nest and delete each other,
/// with names the rules care about (caches, bytecode, VCS folders).
pub fn path_strategy() -> impl Strategy<Value = Vec<u8>> {
    let root = prop::sample::select(vec!["a", "b", "app", "root/.cache/pip", "var/lib/apt/lists", "tmp"]);
    let part = prop::sample::select(vec!["a", "b", "c", "__pycache__", "x.pyc", ".git", "y.py"]);
    (root, prop::collection::vec(part, 0..3)).prop_map(|(r, p)| [vec![r], p].concat().join("/").into_bytes())
}

/// A layer of up to eight entries of every kind.
pub fn layer_strategy() -> impl Strategy<Value = Vec<GenOp>> {
    prop::collection::vec((0u8..10, path_strategy(), 0u8..5), 0..9)
}

/// Builds the fixture layer of generated entries.
pub fn build_layer(ops: &[GenOp]) -> Layer {
    let mut l = Layer::new();
    for (kind, p, n) in ops {
        let n = *n as usize;
        l = match kind {
            0..=3 => l.file(p, "x".repeat(n * 10 + 1)),
            4 => l.file_with(p, "x".repeat(11), [0o600, 0o644][n % 2], 0, 0),
            5 => l.dir(p),
            6 => l.symlink(p, "a"),
            7 => l.whiteout(p),
            8 => l.opaque(p),
            _ => l.hardlink(p, "a/b"),
        };
    }
    l
}

/// Entries that store over the directories the entries just before them sat in (which the
/// merge remembers from entry to entry), then go on below them: each such directory comes back
/// as an implicit one over what replaced it, as in the model.
#[test]
fn entries_over_the_directories_just_used_then_below_them_again() {
    let layers = vec![
        Layer::new().file("a/b/c/f1", "one").file("a/b/d/f0", "zero"),
        Layer::new()
            .file("a/b/c/f2", "two")
            .file("a/b", "a file now")
            .file("a/b/c/f3", "three")
            .symlink("a/b/c", "a")
            .file("a/b/c/f4", "four")
            .dir("a")
            .file("a/b/e/f5", "five"),
    ];
    let scans: Vec<_> = layers
        .iter()
        .map(|l| scan_layer(l.tar().as_slice(), ScanLimits::default()).unwrap())
        .collect();
    let (tree, stats) = merge::merge(&scans);
    check("file and symlink over remembered directories", &layers, &tree, &stats);
    let b = tree.lookup(b"a/b").expect("a/b");
    let current = tree.version(tree.current(b).expect("a/b is visible"));
    assert_eq!(current.kind, deadweight::model::EntryKind::Dir);
    assert!(
        tree.lookup(b"a/b/d/f0").and_then(|n| tree.current(n)).is_none(),
        "f0 went with the old a/b"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// Generated stacks through `scan_layer` and `merge` agree with the model.
    #[test]
    fn generated_stacks_match_the_model(stack in prop::collection::vec(layer_strategy(), 1..5)) {
        let layers: Vec<Layer> = stack.iter().map(|ops| build_layer(ops)).collect();
        let scans: Vec<_> = layers
            .iter()
            .map(|l| scan_layer(l.tar().as_slice(), ScanLimits::default()).unwrap())
            .collect();
        let (tree, stats) = merge::merge(&scans);
        check(&format!("{stack:?}"), &layers, &tree, &stats);
    }

    /// dive's figures come out the same whether entries are found through the nodes the
    /// merge recorded or by looking their paths up (whiteouts of missing paths included).
    #[test]
    fn dive_figures_agree_with_and_without_merge_nodes(stack in prop::collection::vec(layer_strategy(), 1..5)) {
        let layers: Vec<deadweight::model::Layer> = stack
            .iter()
            .enumerate()
            .map(|(index, ops)| deadweight::model::Layer {
                index,
                digest: None,
                diff_id: None,
                media_type: None,
                pull_bytes: None,
                scan: scan_layer(build_layer(ops).tar().as_slice(), ScanLimits::default()).unwrap(),
            })
            .collect();
        let (tree, _, nodes) = merge::merge_with_nodes(layers.iter().map(|l| &l.scan));
        prop_assert_eq!(
            dive::dive_figures_with(&layers, &tree, &nodes),
            dive::dive_figures(&layers, &tree)
        );
    }
}
