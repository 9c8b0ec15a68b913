//! The treemap's data: the image's file tree reduced to what a page can draw. Every path ever
//! shipped is a node with its final bytes (visible in the container), hidden bytes (shipped by a
//! layer, then deleted or overwritten) and the final bytes that lie under a finding's paths.
//! Entries smaller than a threshold are folded into one "(N small files)" node per directory,
//! so a million-entry image gives a few megabytes. Reads the analysis' tree; writes nothing.

use serde::ser::{Serialize, SerializeSeq, Serializer};

use crate::analysis::Analysis;
use crate::model::EntryKind;
use crate::model::tree::{NodeId, Tree, escape_bytes};

/// The page draws at most about this many rectangles' worth of detail: an entry smaller than
/// the image's shipped bytes divided by this is folded into its directory's small-files node.
pub const DETAIL: u64 = 50_000;

/// Below this depth everything is folded: keeps hostile, deeply nested names from costing
/// stack in the serializer and in the browser's JSON parser.
pub const MAX_DEPTH: usize = 48;

/// One node of the treemap, serialized as a compact array
/// `[name, final, hidden, finding, layer, files, children?]` (children only for directories).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// The name component (`\xNN` for bytes that are not UTF-8); "(N small files)" for a fold.
    pub name: String,
    /// Bytes of the final filesystem below (or at) this path.
    pub final_bytes: u64,
    /// Bytes shipped at or below this path that a later layer deleted or overwrote.
    pub hidden_bytes: u64,
    /// Of `final_bytes`, those under a finding's paths.
    pub finding_bytes: u64,
    /// The layer that stored the largest part of the bytes (a file's own layer).
    pub layer: u16,
    /// Regular files at or below this path.
    pub files: u64,
    /// Children, largest first; `None` for files and folds.
    pub children: Option<Vec<Node>>,
}

impl Serialize for Node {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(if self.children.is_some() { 7 } else { 6 }))?;
        seq.serialize_element(&self.name)?;
        seq.serialize_element(&self.final_bytes)?;
        seq.serialize_element(&self.hidden_bytes)?;
        seq.serialize_element(&self.finding_bytes)?;
        seq.serialize_element(&self.layer)?;
        seq.serialize_element(&self.files)?;
        if let Some(c) = &self.children {
            seq.serialize_element(c)?;
        }
        seq.end()
    }
}

/// Per-node sums over the arena, indexed by node id.
struct Sums {
    final_bytes: Vec<u64>,
    hidden_bytes: Vec<u64>,
    finding_bytes: Vec<u64>,
    files: Vec<u64>,
    layer: Vec<u16>,
    is_dir: Vec<bool>,
}

/// Sums every node's bytes bottom-up. A node is always interned after its parent, so its id is
/// larger: one pass in reverse id order sees each node complete before adding it to its parent.
fn sums(a: &Analysis) -> Sums {
    let tree = &a.tree;
    let n = tree.len();
    let mut s = Sums {
        final_bytes: vec![0; n],
        hidden_bytes: vec![0; n],
        finding_bytes: vec![0; n],
        files: vec![0; n],
        layer: vec![0; n],
        is_dir: vec![false; n],
    };
    let mut own_layer_set = vec![false; n];
    for v in tree.versions() {
        let i = v.node as usize;
        match v.kind {
            EntryKind::File if v.in_final() => {
                s.final_bytes[i] += v.size;
                s.layer[i] = v.layer;
                own_layer_set[i] = true;
            }
            EntryKind::File => {
                s.hidden_bytes[i] += v.size;
                if !own_layer_set[i] {
                    s.layer[i] = v.layer;
                }
            }
            EntryKind::Dir => s.is_dir[i] = true,
            _ => {}
        }
        if v.kind == EntryKind::File {
            s.files[i] = 1;
        }
    }
    // Findings name paths; everything below a named directory is the finding's too.
    let mut flagged = vec![false; n];
    for f in &a.findings {
        for p in &f.paths {
            if let Some(id) = tree.lookup(p.path.as_bytes()) {
                flagged[id as usize] = true;
            }
        }
    }
    for id in 1..n {
        if let Some(p) = tree.parent(id as NodeId) {
            flagged[id] |= flagged[p as usize];
            s.is_dir[p as usize] = true;
        }
        if flagged[id] {
            s.finding_bytes[id] = s.final_bytes[id];
        }
    }
    // A directory takes the layer of its largest child (None: no child seen yet).
    let mut largest: Vec<Option<u64>> = vec![None; n];
    for id in (1..n).rev() {
        let Some(p) = tree.parent(id as NodeId).map(|p| p as usize) else {
            continue;
        };
        let size = s.final_bytes[id] + s.hidden_bytes[id];
        if largest[p].is_none_or(|l| size > l) {
            largest[p] = Some(size);
            s.layer[p] = s.layer[id];
        }
        s.final_bytes[p] += s.final_bytes[id];
        s.hidden_bytes[p] += s.hidden_bytes[id];
        s.finding_bytes[p] += s.finding_bytes[id];
        s.files[p] += s.files[id];
    }
    s
}

/// The treemap data of an analysed image, rooted at `/`.
pub fn build(a: &Analysis) -> Node {
    let s = sums(a);
    let shipped = s.final_bytes[0] + s.hidden_bytes[0];
    let threshold = (shipped / DETAIL).max(1);
    node(&a.tree, &s, Tree::ROOT, threshold, 0)
}

fn node(tree: &Tree, s: &Sums, id: NodeId, threshold: u64, depth: usize) -> Node {
    let i = id as usize;
    let mut out = Node {
        name: escape_bytes(tree.name(id)),
        final_bytes: s.final_bytes[i],
        hidden_bytes: s.hidden_bytes[i],
        finding_bytes: s.finding_bytes[i],
        layer: s.layer[i],
        files: s.files[i],
        children: None,
    };
    if !s.is_dir[i] {
        return out;
    }
    let size = |c: NodeId| s.final_bytes[c as usize] + s.hidden_bytes[c as usize];
    let mut kids: Vec<NodeId> = tree.children(id).collect();
    kids.sort_by(|&a, &b| size(b).cmp(&size(a)).then_with(|| tree.name(a).cmp(tree.name(b))));
    let cut = if depth >= MAX_DEPTH {
        0
    } else {
        kids.iter().take_while(|&&c| size(c) >= threshold).count()
    };
    let mut children: Vec<Node> = kids[..cut]
        .iter()
        .map(|&c| node(tree, s, c, threshold, depth + 1))
        .collect();
    if let Some(fold) = fold(s, &kids[cut..]) {
        children.push(fold);
    }
    out.children = Some(children);
    out
}

/// One node standing for `rest`, the small entries of a directory; `None` when they hold no file.
/// Its layer is the one that stored the most of their bytes.
fn fold(s: &Sums, rest: &[NodeId]) -> Option<Node> {
    // Empty directories, links and empty files add nothing to draw.
    let empty = |&c: &NodeId| s.files[c as usize] == 0 && s.final_bytes[c as usize] + s.hidden_bytes[c as usize] == 0;
    if rest.iter().all(empty) {
        return None;
    }
    let mut by_layer: std::collections::BTreeMap<u16, u64> = Default::default();
    let mut out = Node {
        name: String::new(),
        final_bytes: 0,
        hidden_bytes: 0,
        finding_bytes: 0,
        layer: 0,
        files: 0,
        children: None,
    };
    for &c in rest {
        let c = c as usize;
        out.final_bytes += s.final_bytes[c];
        out.hidden_bytes += s.hidden_bytes[c];
        out.finding_bytes += s.finding_bytes[c];
        out.files += s.files[c];
        *by_layer.entry(s.layer[c]).or_default() += s.final_bytes[c] + s.hidden_bytes[c];
    }
    out.layer = by_layer
        .iter()
        .max_by_key(|&(l, b)| (*b, std::cmp::Reverse(*l)))
        .map_or(0, |(l, _)| *l);
    out.name = format!("({} small files)", out.files);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(name: &str, size: u64) -> Node {
        Node {
            name: name.into(),
            final_bytes: size,
            hidden_bytes: 0,
            finding_bytes: 0,
            layer: 1,
            files: 1,
            children: None,
        }
    }

    #[test]
    fn nodes_serialize_as_compact_arrays_with_children_last() {
        let mut dir = leaf("usr", 5);
        dir.children = Some(vec![leaf("a</script>", 5)]);
        let json = serde_json::to_string(&dir).unwrap();
        assert_eq!(json, r#"["usr",5,0,0,1,1,[["a</script>",5,0,0,1,1]]]"#);
    }
}
