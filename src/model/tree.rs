//! The arena file tree: one node per path ever seen in any layer (one name component each,
//! `u32` ids, names in one shared buffer), and a version record per tar entry that touched the
//! node, linked newest first. Which version is visible after layer N is derived from the
//! `layer` and `hidden_by` of each version, so the filesystem at any layer can be walked without
//! copying the tree. This module only stores; the rules for applying layers live in
//! `analysis::merge`.

use hashbrown::HashTable;
use serde::Serialize;

use super::scan::EntryKind;

/// Index of a node in the arena.
pub type NodeId = u32;
/// Index of a version record.
pub type VersionId = u32;
/// Marks "no node / no version / not hidden".
pub const NONE: u32 = u32::MAX;
/// `hidden_by` of a version that is still visible in the final image.
pub const NOT_HIDDEN: u16 = u16::MAX;

/// How a version relates to what was visible at its path just before its layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// Nothing was visible at the path.
    Added,
    /// Replaced different content (or a different kind of entry).
    Modified,
    /// Same content as before, other mode or owner: a chmod/chown copy.
    Metadata,
    /// Same content and metadata stored again.
    Unchanged,
    /// A whiteout record: the layer deleted the path.
    Deleted,
    /// An opaque marker record: the layer hid the directory's lower contents.
    Opaque,
    /// A directory that exists only because an entry below it was added.
    Implicit,
}

/// Why a version stopped being visible.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HiddenHow {
    /// Still visible.
    Visible,
    /// The same path was stored again by a later (or the same) layer.
    Overwrite,
    /// A whiteout of the path or of a directory above it.
    Whiteout,
    /// An opaque marker on a directory above it.
    Opaque,
}

/// One tar entry's effect on one path.
#[derive(Debug, Clone, Copy)]
pub struct Version {
    /// The node the version belongs to.
    pub node: NodeId,
    /// The previous version of the same node, or [`NONE`].
    pub prev: VersionId,
    /// Content bytes (regular files only).
    pub size: u64,
    /// xxh3 of the content (regular files only).
    pub hash: u64,
    /// Mode bits.
    pub mode: u32,
    /// Owner user id.
    pub uid: u32,
    /// Owner group id.
    pub gid: u32,
    /// Link target offset in the tree's link buffer, or [`NONE`].
    pub link_off: u32,
    /// Link target length.
    pub link_len: u32,
    /// Layer that stored the entry.
    pub layer: u16,
    /// Layer that hid it, or [`NOT_HIDDEN`].
    pub hidden_by: u16,
    /// Entry type.
    pub kind: EntryKind,
    /// Relation to what was there before.
    pub change: Change,
    /// How it was hidden.
    pub hidden_how: HiddenHow,
}

impl Version {
    /// True for records that put something at the path (not whiteout/opaque records).
    pub fn is_entry(&self) -> bool {
        !matches!(self.kind, EntryKind::Whiteout | EntryKind::Opaque)
    }

    /// True when no later layer hides the version: it is the last word at its path (an entry,
    /// or a whiteout/opaque record that stays in force).
    pub fn survives(&self) -> bool {
        self.hidden_by == NOT_HIDDEN
    }

    /// True when the version is in the final filesystem: an entry that no later layer hides.
    pub fn in_final(&self) -> bool {
        self.is_entry() && self.survives()
    }

    /// True when the version is what a container sees at its path after layer `layer`.
    pub fn visible_at(&self, layer: u16) -> bool {
        self.is_entry() && live_at(self.layer, self.hidden_by, layer)
    }
}

/// The one visibility rule: something stored by layer `stored` and hidden by layer `hidden_by`
/// (or [`NOT_HIDDEN`]) is what a container sees after layer `layer`. Shared with the UI's compact
/// version records so the rule is written once.
pub fn live_at(stored: u16, hidden_by: u16, layer: u16) -> bool {
    stored <= layer && (hidden_by == NOT_HIDDEN || hidden_by > layer)
}

#[derive(Debug, Clone, Copy)]
struct Node {
    parent: NodeId,
    first_child: NodeId,
    next_sibling: NodeId,
    name_off: u32,
    name_len: u32,
    last_version: VersionId,
    visible: VersionId,
}

/// The arena tree of every path of the image.
#[derive(Debug, Clone)]
pub struct Tree {
    nodes: Vec<Node>,
    names: Vec<u8>,
    links: Vec<u8>,
    versions: Vec<Version>,
    index: HashTable<NodeId>,
}

impl Default for Tree {
    fn default() -> Self {
        Self::new()
    }
}

fn key_hash(parent: NodeId, name: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64_with_seed(name, u64::from(parent))
}

impl Tree {
    /// A tree holding only the root directory (node 0).
    pub fn new() -> Self {
        let root = Node {
            parent: NONE,
            first_child: NONE,
            next_sibling: NONE,
            name_off: 0,
            name_len: 0,
            last_version: NONE,
            visible: NONE,
        };
        Self {
            nodes: vec![root],
            names: Vec::new(),
            links: Vec::new(),
            versions: Vec::new(),
            index: HashTable::new(),
        }
    }

    /// An empty tree with room for about `entries` tar entries: the merge knows the count up
    /// front, and growing by doubling would both copy and overshoot (by up to half again).
    pub fn with_capacity(entries: usize) -> Self {
        let mut t = Self::new();
        t.nodes.reserve_exact(entries);
        t.versions.reserve_exact(entries);
        t.index.reserve(entries, |_| 0);
        t
    }

    /// Room for about `entries` more tar entries (no-op when there is).
    pub fn reserve(&mut self, entries: usize) {
        self.nodes.reserve(entries);
        self.versions.reserve(entries);
        let (nodes, names) = (&self.nodes, &self.names);
        self.index.reserve(entries, |&id| {
            let n = &nodes[id as usize];
            key_hash(
                n.parent,
                &names[n.name_off as usize..(n.name_off + n.name_len) as usize],
            )
        });
    }

    /// The root directory.
    pub const ROOT: NodeId = 0;

    /// Number of nodes, root included.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// True when the tree holds only the root.
    pub fn is_empty(&self) -> bool {
        self.nodes.len() == 1
    }

    /// All version records, in merge order.
    pub fn versions(&self) -> &[Version] {
        &self.versions
    }

    /// One version record.
    pub fn version(&self, id: VersionId) -> &Version {
        &self.versions[id as usize]
    }

    /// The name component of a node (empty for the root).
    pub fn name(&self, id: NodeId) -> &[u8] {
        let n = &self.nodes[id as usize];
        &self.names[n.name_off as usize..(n.name_off + n.name_len) as usize]
    }

    /// The parent of a node, `None` for the root.
    pub fn parent(&self, id: NodeId) -> Option<NodeId> {
        let p = self.nodes[id as usize].parent;
        (p != NONE).then_some(p)
    }

    /// Children of a node, in the order they were first seen.
    pub fn children(&self, id: NodeId) -> impl Iterator<Item = NodeId> + '_ {
        let mut next = self.nodes[id as usize].first_child;
        std::iter::from_fn(move || {
            (next != NONE).then(|| {
                let cur = next;
                next = self.nodes[cur as usize].next_sibling;
                cur
            })
        })
    }

    /// The absolute path of a node as raw bytes (`/` for the root).
    pub fn path_bytes(&self, id: NodeId) -> Vec<u8> {
        let mut parts = Vec::new();
        let mut cur = id;
        while cur != Self::ROOT && cur != NONE {
            parts.push(cur);
            cur = self.nodes[cur as usize].parent;
        }
        let mut out = Vec::new();
        for p in parts.iter().rev() {
            out.push(b'/');
            out.extend_from_slice(self.name(*p));
        }
        if out.is_empty() {
            out.push(b'/');
        }
        out
    }

    /// The absolute path for display: UTF-8 kept, other bytes escaped as `\xNN`, never replaced.
    pub fn path(&self, id: NodeId) -> String {
        escape_bytes(&self.path_bytes(id))
    }

    /// Versions of a node, newest first.
    pub fn history(&self, id: NodeId) -> impl Iterator<Item = (VersionId, &Version)> + '_ {
        let mut next = self.nodes[id as usize].last_version;
        std::iter::from_fn(move || {
            (next != NONE).then(|| {
                let cur = next;
                let v = &self.versions[cur as usize];
                next = v.prev;
                (cur, v)
            })
        })
    }

    /// The version visible at a node after layer `layer`, if any.
    pub fn visible_at(&self, id: NodeId, layer: u16) -> Option<&Version> {
        self.history(id).map(|(_, v)| v).find(|v| v.visible_at(layer))
    }

    /// The version currently visible (during a merge: after the layer being applied; after
    /// the merge: in the final image).
    pub fn current(&self, id: NodeId) -> Option<VersionId> {
        let v = self.nodes[id as usize].visible;
        (v != NONE).then_some(v)
    }

    /// The link target of a version, if it is a link.
    pub fn link(&self, v: &Version) -> Option<&[u8]> {
        (v.link_off != NONE).then(|| &self.links[v.link_off as usize..(v.link_off + v.link_len) as usize])
    }

    /// The regular-file version whose content a hard link shares: the newest version of the
    /// link's target path stored at or below the link's layer (a later layer replacing the
    /// target path leaves the linked inode as it was), through links to links.
    pub fn hardlink_target(&self, v: &Version) -> Option<VersionId> {
        let mut cur = *v;
        for _ in 0..8 {
            if cur.kind != EntryKind::Hardlink {
                return None;
            }
            let node = self.lookup(self.link(&cur)?)?;
            let (id, t) = self.history(node).find(|(_, t)| t.layer <= cur.layer)?;
            match t.kind {
                EntryKind::File => return Some(id),
                EntryKind::Hardlink if t.node != cur.node => cur = *t,
                _ => return None,
            }
        }
        None
    }

    /// Finds the child of `parent` called `name`.
    pub fn child(&self, parent: NodeId, name: &[u8]) -> Option<NodeId> {
        self.index
            .find(key_hash(parent, name), |&id| {
                self.nodes[id as usize].parent == parent && self.name(id) == name
            })
            .copied()
    }

    /// Finds a node by path (absolute or relative to the root, `/`-separated).
    pub fn lookup(&self, path: &[u8]) -> Option<NodeId> {
        let mut cur = Self::ROOT;
        for part in path.split(|&b| b == b'/').filter(|p| !p.is_empty() && *p != b".") {
            cur = self.child(cur, part)?;
        }
        Some(cur)
    }

    /// Returns the child of `parent` called `name`, creating it if needed. The key is hashed
    /// once for both the lookup and the insertion (most entries of a layer are new nodes).
    pub fn intern(&mut self, parent: NodeId, name: &[u8]) -> NodeId {
        let hash = key_hash(parent, name);
        let nodes = &self.nodes;
        let names = &self.names;
        let name_of = |n: &Node| &names[n.name_off as usize..(n.name_off + n.name_len) as usize];
        let entry = self.index.entry(
            hash,
            |&id| {
                let n = &nodes[id as usize];
                n.parent == parent && name_of(n) == name
            },
            |&id| {
                let n = &nodes[id as usize];
                key_hash(n.parent, name_of(n))
            },
        );
        let vacant = match entry {
            hashbrown::hash_table::Entry::Occupied(o) => return *o.get(),
            hashbrown::hash_table::Entry::Vacant(v) => v,
        };
        let id = nodes.len() as NodeId;
        vacant.insert(id);
        let name_off = self.names.len() as u32;
        self.names.extend_from_slice(name);
        let first = self.nodes[parent as usize].first_child;
        self.nodes.push(Node {
            parent,
            first_child: NONE,
            next_sibling: first,
            name_off,
            name_len: name.len() as u32,
            last_version: NONE,
            visible: NONE,
        });
        self.nodes[parent as usize].first_child = id;
        id
    }

    /// Appends a version record to a node and returns its id. `visible` says whether it becomes
    /// the node's current version (entries do, whiteout/opaque records do not).
    pub fn push_version(&mut self, mut v: Version, link: Option<&[u8]>, visible: bool) -> VersionId {
        let id = self.versions.len() as VersionId;
        let node = &mut self.nodes[v.node as usize];
        v.prev = node.last_version;
        node.last_version = id;
        if visible {
            node.visible = id;
        }
        if let Some(l) = link {
            v.link_off = self.links.len() as u32;
            v.link_len = l.len() as u32;
            self.links.extend_from_slice(l);
        } else {
            v.link_off = NONE;
        }
        self.versions.push(v);
        id
    }

    /// Marks a node's current version hidden and clears it; returns the version hidden.
    pub fn hide_current(&mut self, id: NodeId, by: u16, how: HiddenHow) -> Option<VersionId> {
        let vid = self.current(id)?;
        self.nodes[id as usize].visible = NONE;
        let v = &mut self.versions[vid as usize];
        v.hidden_by = by;
        v.hidden_how = how;
        Some(vid)
    }

    /// Approximate heap bytes held, for the memory figures in benchmarks.
    pub fn heap_bytes(&self) -> usize {
        self.nodes.capacity() * std::mem::size_of::<Node>()
            + self.names.capacity()
            + self.links.capacity()
            + self.versions.capacity() * std::mem::size_of::<Version>()
            + self.index.capacity() * (std::mem::size_of::<NodeId>() + 1)
    }
}

/// Renders bytes as text: valid UTF-8 as is, every invalid byte as `\xNN`.
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}
