//! The file tree's filters: the path filter (a substring of the absolute path, smart case,
//! computed over the whole arena once and then narrowed as the user types; or a regex or a glob,
//! recognised by how it is written) and the size and change-kind filters' settings. Produces
//! node sets; knows nothing of rows or drawing.

use deadweight::model::{NodeId, Tree};

use super::nodes::{BitSet, Hidden, Index, Mark, NodeStates};

/// The filters of the file tree.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    /// Substring of the path (case-insensitive unless it has capitals); empty: no filter.
    pub path: String,
    /// Entries below this many bytes are hidden; 0: no filter.
    pub min_size: u64,
    /// Change kinds hidden.
    pub hidden: Hidden,
}

impl Filters {
    /// True when any filter is active.
    pub fn active(&self) -> bool {
        !self.path.is_empty() || self.min_size > 0 || !self.hidden.none()
    }
}

fn contains(hay: &[u8], needle: &[u8], fold: bool) -> bool {
    if needle.is_empty() {
        return true;
    }
    if fold {
        hay.windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle))
    } else {
        hay.windows(needle.len()).any(|w| w == needle)
    }
}

/// How a path filter's text is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatternKind {
    /// A substring of the path.
    Text,
    /// A regular expression searched in the path (`libgfortran.*\.so\.5`).
    Regex,
    /// A glob matched against the path's end (`*.pyc`, `lib*.so.*`).
    Glob,
}

impl PatternKind {
    /// Reads `text` as dive users type it: regex syntax (`\`, `^`, `$`, `+`, `|`, groups, `.*`)
    /// makes a regex, else `*`, `?` or `[` make a glob, else it is a substring.
    pub fn of(text: &str) -> Self {
        let regex = text.contains(['\\', '^', '$', '+', '|', '(', ')', '{'])
            || [".*", ".+", ".?"].iter().any(|s| text.contains(s));
        if regex {
            PatternKind::Regex
        } else if text.contains(['*', '?', '[']) {
            PatternKind::Glob
        } else {
            PatternKind::Text
        }
    }

    /// The word the prompt shows for it.
    pub fn word(self) -> &'static str {
        match self {
            PatternKind::Text => "text",
            PatternKind::Regex => "regex",
            PatternKind::Glob => "glob",
        }
    }
}

/// A test of an absolute path.
type PathTest = Box<dyn Fn(&[u8]) -> bool>;

/// A compiled regex or glob path filter; `None` while the text is not a valid one (a regex
/// being typed), which then matches nothing.
fn compiled(pattern: &str, fold: bool) -> Option<PathTest> {
    match PatternKind::of(pattern) {
        PatternKind::Text => None,
        PatternKind::Regex => {
            let re = regex::bytes::RegexBuilder::new(pattern)
                .case_insensitive(fold)
                .build()
                .ok()?;
            Some(Box::new(move |p: &[u8]| re.is_match(p)))
        }
        PatternKind::Glob => {
            // Anchored at a path component unless it starts at the root: `lib*.so` finds
            // /usr/lib/libz.so.
            let anchored = if pattern.starts_with('/') || pattern.starts_with('*') {
                pattern.to_string()
            } else {
                format!("*/{pattern}")
            };
            let glob = globset::GlobBuilder::new(&anchored)
                .case_insensitive(fold)
                .build()
                .ok()?
                .compile_matcher();
            Some(Box::new(move |p: &[u8]| {
                glob.is_match(std::path::Path::new(&*String::from_utf8_lossy(p)))
            }))
        }
    }
}

/// The nodes whose absolute path contains `pattern` (smart case: case-insensitive unless the
/// pattern has a capital). A match of a directory's path is a match of everything below it.
pub fn path_matches(tree: &Tree, index: &Index, pattern: &str) -> BitSet {
    path_matches_within(tree, index, pattern, None)
}

/// [`path_matches`], looking only at the members of `within` when given: the matches of a
/// pattern that contains `pattern` are a subset of its matches, so typing one more character
/// costs the previous matches, not the whole tree.
pub fn path_matches_within(tree: &Tree, index: &Index, pattern: &str, within: Option<&BitSet>) -> BitSet {
    let n = tree.len();
    let mut out = BitSet::new(n);
    let pat = pattern.as_bytes();
    let fold = !pat.iter().any(u8::is_ascii_uppercase);
    if PatternKind::of(pattern) != PatternKind::Text {
        let Some(matches) = compiled(pattern, fold) else {
            return out;
        };
        let mut path: Vec<u8> = Vec::new();
        for id in 1..n {
            let p = index.parents.get(id).map_or(0, |&p| p as usize);
            path_tail(tree, index, id as NodeId, usize::MAX - 1, &mut path);
            if out.get(p) || matches(&path) {
                out.set(id, true);
            }
        }
        return out;
    }
    let has_slash = pat.contains(&b'/');
    let mut tail: Vec<u8> = Vec::new();
    let mut test = |id: usize, out: &BitSet| {
        let p = index.parents.get(id).map_or(0, |&p| p as usize);
        out.get(p)
            || if has_slash {
                path_tail(
                    tree,
                    index,
                    id as NodeId,
                    pat.len() + tree.name(id as NodeId).len(),
                    &mut tail,
                );
                contains(&tail, pat, fold)
            } else {
                contains(tree.name(id as NodeId), pat, fold)
            }
    };
    match within {
        Some(w) => {
            for id in w.iter().filter(|&id| id > 0 && id < n) {
                if test(id, &out) {
                    out.set(id, true);
                }
            }
        }
        None => {
            for id in 1..n {
                if test(id, &out) {
                    out.set(id, true);
                }
            }
        }
    }
    out
}

/// The last `at_least` bytes (or the whole) of the absolute path of `id`, into `buf`.
fn path_tail(tree: &Tree, index: &Index, id: NodeId, at_least: usize, buf: &mut Vec<u8>) {
    let mut parts: Vec<NodeId> = Vec::new();
    let (mut cur, mut len) = (id, 0usize);
    while cur != Tree::ROOT && len < at_least + 1 {
        parts.push(cur);
        len += tree.name(cur).len() + 1;
        cur = index.parents.get(cur as usize).copied().unwrap_or(Tree::ROOT);
    }
    buf.clear();
    for &p in parts.iter().rev() {
        buf.push(b'/');
        buf.extend_from_slice(tree.name(p));
    }
}
/// Computes the set of nodes the tree shows: those of the view that pass the filters, plus
/// every directory above one that does. `path` is the result of [`path_matches`], if any.
/// Without filters it is one pass over the marks; with only a path filter it visits only the
/// path matches and their ancestors.
pub fn shown(states: &NodeStates, index: &Index, filters: &Filters, path: Option<&BitSet>, out: &mut BitSet) {
    let n = states.mark.len();
    out.reset(n);
    let parent = |id: usize| index.parents.get(id).map_or(0, |&p| p as usize);
    let only_path = filters.min_size == 0 && filters.hidden.none();
    match path {
        None if only_path => {
            for (id, &m) in states.mark.iter().enumerate() {
                if m != Mark::Absent {
                    out.set(id, true);
                }
            }
        }
        Some(p) if only_path => {
            for id in p.iter().filter(|&id| id < n) {
                let m = states.mark[id];
                if m == Mark::Absent || m == Mark::Context || out.get(id) {
                    continue;
                }
                let mut cur = id;
                while cur != 0 && !out.get(cur) {
                    out.set(cur, true);
                    cur = parent(cur);
                }
            }
        }
        _ => shown_general(states, index, filters, path, out),
    }
    out.set(0, true);
}

/// The general case of [`shown`]: two linear passes, any filters.
pub(super) fn shown_general(
    states: &NodeStates,
    index: &Index,
    filters: &Filters,
    path: Option<&BitSet>,
    out: &mut BitSet,
) {
    let n = states.mark.len();
    out.reset(n);
    for id in 1..n {
        let m = states.mark[id];
        let pass = m != Mark::Absent
            && !filters.hidden.hides(m)
            && states.size[id] >= filters.min_size
            && path.is_none_or(|p| p.get(id));
        if pass {
            out.set(id, true);
        }
    }
    for id in (1..n).rev() {
        if out.get(id) {
            out.set(index.parents.get(id).map_or(0, |&p| p as usize), true);
        }
    }
    out.set(0, true);
}
