//! Applies layers in order to one arena tree, as a container runtime would: in each layer its
//! whiteouts and opaque markers first, then its entries (a later entry for the same path wins).
//! Every hidden version records which layer hid it and how, and the per-layer byte figures are
//! counted on the way. Each version is hidden at most once, so the merge is linear in the number
//! of entries; no tree is ever restacked per whiteout. Reads only [`LayerScan`]s.

use serde::Serialize;

use crate::model::tree::{NONE, NOT_HIDDEN};
use crate::model::{Change, EntryKind, HiddenHow, LayerScan, NodeId, Tree, Version};

/// Byte and count figures of one layer that only the merge can know.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct MergeStats {
    /// Content bytes at paths that had nothing visible below.
    pub added_bytes: u64,
    /// Content bytes at paths that already held something (content or metadata change).
    pub modified_bytes: u64,
    /// Of `modified_bytes`, those that repeat the content below with new metadata only.
    pub metadata_only_bytes: u64,
    /// Bytes of lower layers this layer deletes by whiteouts and opaque markers.
    pub deleted_bytes: u64,
    /// Bytes of lower layers this layer replaces by storing the same path again.
    pub replaced_bytes: u64,
    /// Bytes of this layer that later layers (or later entries of it) delete or replace.
    pub hidden_later_bytes: u64,
    /// Whiteouts whose target did not exist below (ignored, as a runtime does).
    pub whiteouts_missing: u64,
}

/// Merges `scans` (bottom first) into a tree; returns the tree and per-layer figures.
///
/// # Panics
/// Never on input; callers must pass at most `u16::MAX - 1` layers (checked by the source).
pub fn merge<'a>(scans: impl IntoIterator<Item = &'a LayerScan>) -> (Tree, Vec<MergeStats>) {
    let (tree, stats, _) = merge_with_nodes(scans);
    (tree, stats)
}

/// [`merge`], also returning for each layer the node each of its entries landed on (see
/// [`Merger::apply`]).
pub fn merge_with_nodes<'a>(
    scans: impl IntoIterator<Item = &'a LayerScan>,
) -> (Tree, Vec<MergeStats>, Vec<Vec<NodeId>>) {
    let scans: Vec<&LayerScan> = scans.into_iter().collect();
    let mut m = Merger::new(scans.iter().map(|s| s.entries.len()).sum());
    let nodes = scans.into_iter().map(|scan| m.apply(scan)).collect();
    let (tree, stats) = m.finish();
    (tree, stats, nodes)
}

/// A merge in progress, one layer at a time, so a caller can let go of each layer's entries as
/// soon as the tree holds them.
pub struct Merger {
    tree: Tree,
    stats: Vec<MergeStats>,
    stack: Vec<NodeId>,
}

impl Merger {
    /// An empty merge sized for about `entries` tar entries in all.
    pub fn new(entries: usize) -> Self {
        Self {
            tree: Tree::with_capacity(entries),
            stats: Vec::new(),
            stack: Vec::new(),
        }
    }

    /// Applies the next layer up. Returns the node each of its entries landed on, in entry order
    /// (`NONE` for a whiteout of a path that did not exist yet), so later passes over the entries
    /// (dive's figures, the package databases) need no path lookups of their own.
    ///
    /// # Panics
    /// Past `u16::MAX - 1` layers (the source refuses such images).
    pub fn apply(&mut self, scan: &LayerScan) -> Vec<NodeId> {
        let layer = u16::try_from(self.stats.len()).expect("fewer than 65535 layers");
        self.stats.push(MergeStats::default());
        self.tree.reserve(scan.entries.len());
        let mut nodes = vec![NONE; scan.entries.len()];
        self.apply_layer(layer, scan, &mut nodes);
        nodes
    }

    /// The merged tree and the per-layer figures.
    pub fn finish(self) -> (Tree, Vec<MergeStats>) {
        (self.tree, self.stats)
    }
}

fn blank(node: NodeId, layer: u16, kind: EntryKind, change: Change) -> Version {
    Version {
        node,
        prev: NONE,
        size: 0,
        hash: 0,
        mode: 0,
        uid: 0,
        gid: 0,
        link_off: NONE,
        link_len: 0,
        layer,
        hidden_by: NOT_HIDDEN,
        kind,
        change,
        hidden_how: HiddenHow::Visible,
    }
}

impl Merger {
    fn apply_layer(&mut self, layer: u16, scan: &LayerScan, nodes: &mut [NodeId]) {
        for (i, e) in scan.entries.iter().enumerate() {
            nodes[i] = match e.kind {
                EntryKind::Whiteout => self.whiteout(layer, scan.bytes(e.path)),
                EntryKind::Opaque => self.opaque(layer, scan.bytes(e.path)),
                _ => continue,
            };
        }
        // The directories of the previous entry's path: a tar lists a directory's entries
        // together and its subdirectories near it, so most entries share all but their last few
        // components with the entry before and need only those interned.
        let mut dirs = DirStack::default();
        for (i, e) in scan
            .entries
            .iter()
            .enumerate()
            .filter(|(_, e)| !matches!(e.kind, EntryKind::Whiteout | EntryKind::Opaque))
        {
            let path = scan.bytes(e.path);
            let (dir, base) = match path.iter().rposition(|&b| b == b'/') {
                Some(i) => (&path[..i], &path[i + 1..]),
                None => (&path[..0], path),
            };
            let node = if base.is_empty() {
                self.intern_path(layer, path)
            } else {
                let parent = self.intern_dirs(layer, &mut dirs, dir);
                self.tree.intern(parent, base)
            };
            // An entry at a remembered directory may replace or hide it and all below it. (Its
            // own directory, spelled alike, has cut the memory above it already; this holds
            // whatever the spelling.)
            dirs.forget(node);
            if node == Tree::ROOT {
                continue;
            }
            nodes[i] = node;
            let prev = self.tree.current(node).map(|id| *self.tree.version(id));
            let change = match prev {
                None => Change::Added,
                Some(p)
                    if p.kind == e.kind && (e.kind != EntryKind::File || (p.hash == e.hash && p.size == e.size)) =>
                {
                    let same_link = e.kind != EntryKind::Symlink && e.kind != EntryKind::Hardlink
                        || self.tree.link(&p) == e.link.map(|l| scan.bytes(l));
                    if !same_link {
                        Change::Modified
                    } else if p.mode == e.mode && p.uid == e.uid && p.gid == e.gid {
                        Change::Unchanged
                    } else {
                        Change::Metadata
                    }
                }
                Some(_) => Change::Modified,
            };
            if let Some(p) = prev {
                // A non-directory stored over a directory removes everything below it.
                if p.kind == EntryKind::Dir && e.kind != EntryKind::Dir {
                    self.hide_subtree(node, layer, HiddenHow::Overwrite);
                } else {
                    self.hide_one(node, layer, HiddenHow::Overwrite);
                }
            }
            let st = &mut self.stats[layer as usize];
            if e.kind == EntryKind::File {
                if prev.is_none() {
                    st.added_bytes += e.size;
                } else {
                    st.modified_bytes += e.size;
                    if matches!(change, Change::Metadata | Change::Unchanged) {
                        st.metadata_only_bytes += e.size;
                    }
                }
            }
            let mut v = blank(node, layer, e.kind, change);
            v.size = e.size;
            v.hash = e.hash;
            v.mode = e.mode;
            v.uid = e.uid;
            v.gid = e.gid;
            let link = e.link.map(|l| scan.bytes(l));
            self.tree.push_version(v, link, true);
        }
    }

    /// Interns every component of `path`, making missing or deleted ancestors visible again as
    /// implicit directories, as a runtime creates parents of an entry.
    fn intern_path(&mut self, layer: u16, path: &[u8]) -> NodeId {
        let mut cur = Tree::ROOT;
        let mut parts = path.split(|&b| b == b'/').filter(|p| !p.is_empty()).peekable();
        while let Some(part) = parts.next() {
            cur = self.tree.intern(cur, part);
            if parts.peek().is_some() {
                self.ensure_dir(layer, cur);
            }
        }
        cur
    }

    /// [`Merger::intern_path`] for a directory whose every component is an ancestor of an
    /// entry, reusing the components it shares with the remembered `dirs` (each made a visible
    /// directory when remembered, and forgotten when an entry stores over it). Returns the
    /// directory's node and remembers its path.
    fn intern_dirs(&mut self, layer: u16, dirs: &mut DirStack, dir: &[u8]) -> NodeId {
        if dirs.raw != dir {
            dirs.keep_common(dir);
            let mut pos = dirs.raw.len();
            while pos < dir.len() {
                let end = dir[pos..]
                    .iter()
                    .position(|&b| b == b'/')
                    .map_or(dir.len(), |i| pos + i);
                if end > pos {
                    let node = self.tree.intern(dirs.top(), &dir[pos..end]);
                    self.ensure_dir(layer, node);
                    dirs.push(&dir[dirs.raw.len()..end], node);
                }
                pos = end + 1;
            }
        }
        dirs.top()
    }

    /// Makes `node` a visible directory (an ancestor of an entry), hiding a non-directory there.
    fn ensure_dir(&mut self, layer: u16, node: NodeId) {
        let is_dir = self
            .tree
            .current(node)
            .map(|v| self.tree.version(v).kind == EntryKind::Dir);
        if is_dir != Some(true) {
            if is_dir == Some(false) {
                self.hide_one(node, layer, HiddenHow::Overwrite);
            }
            let mut v = blank(node, layer, EntryKind::Dir, Change::Implicit);
            v.mode = 0o755;
            self.tree.push_version(v, None, true);
        }
    }

    /// Returns the node of `path` if it exists.
    fn whiteout(&mut self, layer: u16, path: &[u8]) -> NodeId {
        let found = self.tree.lookup(path);
        match found.filter(|&n| n != Tree::ROOT && self.tree.current(n).is_some()) {
            Some(node) => {
                self.hide_subtree(node, layer, HiddenHow::Whiteout);
                self.tree
                    .push_version(blank(node, layer, EntryKind::Whiteout, Change::Deleted), None, false);
            }
            None => self.stats[layer as usize].whiteouts_missing += 1,
        }
        found.unwrap_or(NONE)
    }

    /// Returns the directory's node.
    fn opaque(&mut self, layer: u16, path: &[u8]) -> NodeId {
        let node = self.intern_path(layer, path);
        let children: Vec<NodeId> = self.tree.children(node).collect();
        for c in children {
            self.hide_subtree(c, layer, HiddenHow::Opaque);
        }
        if node != Tree::ROOT {
            self.tree
                .push_version(blank(node, layer, EntryKind::Opaque, Change::Opaque), None, false);
        }
        node
    }

    fn hide_one(&mut self, node: NodeId, layer: u16, how: HiddenHow) {
        if let Some(vid) = self.tree.hide_current(node, layer, how) {
            let v = *self.tree.version(vid);
            if v.kind == EntryKind::File {
                self.stats[v.layer as usize].hidden_later_bytes += v.size;
                let st = &mut self.stats[layer as usize];
                if how == HiddenHow::Overwrite {
                    st.replaced_bytes += v.size;
                } else {
                    st.deleted_bytes += v.size;
                }
            }
        }
    }

    /// Hides `node` and everything visible below it. Only visible nodes are descended into,
    /// and a visible node is hidden once, which keeps the merge linear overall.
    fn hide_subtree(&mut self, node: NodeId, layer: u16, how: HiddenHow) {
        self.stack.clear();
        self.stack.push(node);
        while let Some(n) = self.stack.pop() {
            if self.tree.current(n).is_none() {
                continue;
            }
            self.hide_one(n, layer, how);
            let start = self.stack.len();
            self.stack.extend(self.tree.children(n));
            let tree = &self.tree;
            let mut i = start;
            while i < self.stack.len() {
                if tree.current(self.stack[i]).is_none() {
                    self.stack.swap_remove(i);
                } else {
                    i += 1;
                }
            }
        }
    }
}

/// The directory path of the previous entry as it spelled it, and for each of its components
/// where its name ends in that path and its node, root first.
#[derive(Default)]
struct DirStack {
    raw: Vec<u8>,
    parts: Vec<(usize, NodeId)>,
}

impl DirStack {
    /// The node of the deepest remembered directory.
    fn top(&self) -> NodeId {
        self.parts.last().map_or(Tree::ROOT, |&(_, n)| n)
    }

    /// Remembers the next component down, spelled `raw` after the path so far (separators
    /// included).
    fn push(&mut self, raw: &[u8], node: NodeId) {
        self.raw.extend_from_slice(raw);
        self.parts.push((self.raw.len(), node));
    }

    /// Keeps the components that `dir` starts with, whole.
    fn keep_common(&mut self, dir: &[u8]) {
        let common = self.raw.iter().zip(dir).take_while(|(a, b)| a == b).count();
        let mut depth = self.parts.partition_point(|&(end, _)| end <= common);
        while depth > 0 {
            let end = self.parts[depth - 1].0;
            if end == dir.len() || dir[end] == b'/' {
                break;
            }
            depth -= 1;
        }
        self.truncate(depth);
    }

    fn truncate(&mut self, depth: usize) {
        self.parts.truncate(depth);
        self.raw.truncate(self.parts.last().map_or(0, |&(end, _)| end));
    }

    /// Forgets `node` and everything remembered below it.
    fn forget(&mut self, node: NodeId) {
        if let Some(depth) = self.parts.iter().position(|&(_, n)| n == node) {
            self.truncate(depth);
        }
    }
}
