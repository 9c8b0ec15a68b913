//! The one pass over the merged tree behind the path rules. Each path is built once, from its
//! parent's, validating only the name it adds (a tree of deep paths would otherwise revalidate
//! every prefix at every node), and handed to a visitor once. The top of the tree is walked
//! breadth first until it holds enough subtrees to share out; those are walked depth first in
//! parallel, in a fixed number of shares joined in a fixed order, so the result does not depend
//! on the number of threads. Owns the traversal only: what a path means is the visitor's.

use std::borrow::Cow;

use rayon::prelude::*;

use crate::model::tree::escape_bytes;
use crate::model::{NodeId, Tree};

/// Subtrees at which the breadth-first top of the walk stops, and the number of shares they are
/// parcelled into: enough for rayon to balance uneven subtrees on a few cores, few enough that
/// joining the shares' results costs nothing next to the walk.
const SHARES: usize = 256;

/// How a walk visits a node and joins results.
pub trait Visit: Sync {
    /// What a directory hands to its children (matched patterns, say).
    type State: Copy + Send + Sync;
    /// What a share of the walk produces.
    type Out: Default + Send;

    /// Visits `node`, whose path is `path` (`""` for the root, otherwise `/a/b`; names that are
    /// not UTF-8 have their bytes escaped) and whose own name starts at byte `name_at` of it
    /// (the walk knows where, so no visitor searches the path for its last `/`). `state` is what
    /// its parent handed down; the result is what its children get, and is only used when
    /// `has_children`.
    fn visit(
        &self,
        out: &mut Self::Out,
        node: NodeId,
        path: &str,
        name_at: usize,
        state: Self::State,
        has_children: bool,
    ) -> Self::State;

    /// Adds a later share's result to an earlier one's.
    fn join(&self, into: &mut Self::Out, from: Self::Out);
}

/// A node's name as it appears in paths.
fn name(tree: &Tree, node: NodeId) -> Cow<'_, str> {
    let bytes = tree.name(node);
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => Cow::Owned(escape_bytes(bytes)),
    }
}

fn has_children(tree: &Tree, node: NodeId) -> bool {
    tree.children(node).next().is_some()
}

/// Walks every node of `tree` once, the root with `root` as its state.
pub fn walk<V: Visit>(tree: &Tree, v: &V, root: V::State) -> V::Out {
    let mut out = V::Out::default();
    // Breadth first: each node with the index of its parent's path in `parents`.
    let mut parents: Vec<String> = Vec::new();
    let root_children = has_children(tree, Tree::ROOT);
    let below = v.visit(&mut out, Tree::ROOT, "", 0, root, root_children);
    let mut level: Vec<(NodeId, usize, V::State)> = Vec::new();
    if root_children {
        parents.push(String::new());
        level.extend(tree.children(Tree::ROOT).map(|c| (c, 0, below)));
    }
    while !level.is_empty() && level.len() < SHARES {
        let mut next_parents = Vec::new();
        let mut next = Vec::new();
        for (node, parent, state) in level {
            let path = format!("{}/{}", parents[parent], name(tree, node));
            let children = has_children(tree, node);
            let below = v.visit(&mut out, node, &path, parents[parent].len() + 1, state, children);
            if children {
                next.extend(tree.children(node).map(|c| (c, next_parents.len(), below)));
                next_parents.push(path);
            }
        }
        level = next;
        parents = next_parents;
    }
    let per_share = level.len().div_ceil(SHARES).max(1);
    let shares: Vec<V::Out> = level
        .par_chunks(per_share)
        .map(|share| {
            let mut out = V::Out::default();
            for &(node, parent, state) in share {
                depth_first(tree, v, &mut out, &parents[parent], node, state);
            }
            out
        })
        .collect();
    for share in shares {
        v.join(&mut out, share);
    }
    out
}

/// Walks the subtree of `node`, whose parent's path is `base`, depth first.
fn depth_first<V: Visit>(tree: &Tree, v: &V, out: &mut V::Out, base: &str, node: NodeId, state: V::State) {
    let mut path = String::from(base);
    let mut stack = vec![(node, base.len(), state)];
    while let Some((node, len, state)) = stack.pop() {
        path.truncate(len);
        path.push('/');
        path.push_str(&name(tree, node));
        let children = has_children(tree, node);
        let below = v.visit(out, node, &path, len + 1, state, children);
        if children {
            stack.extend(tree.children(node).map(|c| (c, path.len(), below)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tree::{NONE, NOT_HIDDEN};
    use crate::model::{Change, EntryKind, HiddenHow, Version};

    /// Collects every path with the depth its parent handed down.
    struct Paths;

    impl Visit for Paths {
        type State = usize;
        type Out = Vec<(String, usize)>;

        fn visit(&self, out: &mut Self::Out, _: NodeId, path: &str, name_at: usize, depth: usize, _: bool) -> usize {
            let name = path.rsplit_once('/').map_or(path, |(_, n)| n);
            assert_eq!(&path[name_at..], name, "the name of {path}");
            out.push((path.to_string(), depth));
            depth + 1
        }

        fn join(&self, into: &mut Self::Out, from: Self::Out) {
            into.extend(from);
        }
    }

    fn tree_of(paths: &[Vec<u8>]) -> Tree {
        let mut t = Tree::with_capacity(paths.len());
        for p in paths {
            let mut node = Tree::ROOT;
            for part in p.split(|&b| b == b'/') {
                node = t.intern(node, part);
            }
            let v = Version {
                node,
                prev: NONE,
                size: 1,
                hash: 0,
                mode: 0,
                uid: 0,
                gid: 0,
                link_off: NONE,
                link_len: 0,
                layer: 0,
                hidden_by: NOT_HIDDEN,
                kind: EntryKind::File,
                change: Change::Added,
                hidden_how: HiddenHow::Visible,
            };
            t.push_version(v, None, true);
        }
        t
    }

    #[test]
    fn every_node_once_with_its_path_and_depth_whatever_the_width() {
        // Wide enough that the breadth-first top stops and shares the rest out in parallel.
        let mut paths: Vec<Vec<u8>> = Vec::new();
        for a in 0..40 {
            for b in 0..30 {
                paths.push(format!("d{a}/e{b}/f").into_bytes());
            }
        }
        paths.push(b"bad\xffname/x".to_vec());
        let tree = tree_of(&paths);
        let mut seen = walk(&tree, &Paths, 0);
        assert_eq!(seen.len(), tree.len(), "every node once");
        seen.sort();
        assert_eq!(seen[0], (String::new(), 0));
        assert!(seen.contains(&("/d3/e7/f".to_string(), 3)));
        assert!(seen.contains(&("/bad\\xffname/x".to_string(), 2)));
        let mut again = walk(&tree, &Paths, 0);
        again.sort();
        assert_eq!(seen, again);
    }

    #[test]
    fn results_join_in_the_same_order_on_any_pool() {
        let paths: Vec<Vec<u8>> = (0..2000).map(|i| format!("a/b{}/c{i}", i % 300).into_bytes()).collect();
        let tree = tree_of(&paths);
        let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("pool");
        let four = rayon::ThreadPoolBuilder::new().num_threads(4).build().expect("pool");
        assert_eq!(
            one.install(|| walk(&tree, &Paths, 0)),
            four.install(|| walk(&tree, &Paths, 0))
        );
    }
}
