//! How the path rules' glob patterns are matched during the one walk over the tree. Nearly
//! every pattern is "a directory condition, then a name": `**/NAME`, `**/DIR/NAME`,
//! `/ABS/DIR/NAME`, with `*` allowed in the name and `/**` after it for "everything below that
//! directory". Those are split at compile time so the walk checks directory conditions once per
//! directory (inherited below it as bits of a `u64`) and a file's name with a hash lookup and a
//! few prefix/suffix tests, never the whole path through a regex. Any other glob goes to one
//! `GlobSet` on the full path. Owns the compilation of the patterns only: which patterns exist
//! and what a match means stay in `paths`.

use std::collections::HashMap;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use xxhash_rust::xxh3::Xxh3DefaultBuilder;

/// Most patterns one matcher takes: a directory's matches are the bits of a `u64`.
pub const MAX_PATTERNS: usize = 64;

/// Characters that make a glob component more than literal text and `*`.
const SPECIAL: [char; 6] = ['?', '[', ']', '{', '}', '\\'];

/// What the directory holding a name must be.
enum Parent {
    /// Any directory (`**/NAME`).
    Any,
    /// Exactly this absolute path (`/ABS/NAME`; `""` is the root).
    Exact(String),
    /// A path ending with this: `/` and whole components (`**/DIR/NAME`).
    Suffix(String),
}

impl Parent {
    fn holds(&self, dir: &str) -> bool {
        match self {
            Parent::Any => true,
            Parent::Exact(p) => dir == p,
            Parent::Suffix(s) => dir.ends_with(s.as_str()),
        }
    }
}

/// A name glob: literal pieces around `*`s (a `*` matches any run of characters, none
/// included; a name never holds `/`).
struct Name(Vec<String>);

impl Name {
    fn matches(&self, name: &str) -> bool {
        let pieces = &self.0;
        let (first, last) = (&pieces[0], &pieces[pieces.len() - 1]);
        if pieces.len() == 1 {
            return name == first;
        }
        if name.len() < first.len() + last.len() || !name.starts_with(first.as_str()) || !name.ends_with(last.as_str())
        {
            return false;
        }
        // Middle pieces in order, leftmost first, between the prefix and the suffix.
        let mut rest = &name[first.len()..name.len() - last.len()];
        for piece in &pieces[1..pieces.len() - 1] {
            match rest.find(piece.as_str()) {
                Some(i) => rest = &rest[i + piece.len()..],
                None => return false,
            }
        }
        true
    }
}

/// One brace alternative of a pattern, split.
struct Part {
    pattern: usize,
    parent: Parent,
    name: Name,
}

/// `**/DIR/NAME`, `/ABS/NAME` (each optionally ending `/**`) as (matches a directory, part);
/// `None` for any other shape.
fn split(pattern: usize, glob: &str) -> Option<(bool, Part)> {
    let (is_dir, body) = match glob.strip_suffix("/**") {
        Some(b) => (true, b),
        None => (false, glob),
    };
    let (anywhere, rest) = match body.strip_prefix("**/") {
        Some(r) => (true, r),
        None if body.starts_with('/') => (false, body),
        None => return None,
    };
    let (dir, name) = match rest.rfind('/') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => ("", rest),
    };
    if name.is_empty() || name.contains(SPECIAL) || name.contains("**") || dir.contains(SPECIAL) || dir.contains('*') {
        return None;
    }
    let parent = match (anywhere, dir) {
        (true, "") => Parent::Any,
        (true, d) => Parent::Suffix(format!("/{d}")),
        (false, d) => Parent::Exact(d.to_string()),
    };
    let name = Name(name.split('*').map(str::to_string).collect());
    Some((is_dir, Part { pattern, parent, name }))
}

/// The compiled patterns.
pub struct Matcher {
    /// Directory patterns (`.../**`): matched against each directory.
    dirs: Vec<Part>,
    /// `**/NAME` file patterns with a literal name: the name's pattern bits.
    literal: HashMap<String, u64, Xxh3DefaultBuilder>,
    /// The lengths of those names, a bit each (63 for 63 and longer): most names of an image
    /// have none of them, and skip the hash.
    literal_lens: u64,
    /// `**/NAME` file patterns whose name has a `*`.
    starred: Vec<Part>,
    /// Indexes into `starred` by the byte a matching name must end with (its last piece's
    /// last byte), or else begin with; `free` when the name may be anything at both ends.
    /// A file's name then meets only the few patterns that could match it.
    by_last: Vec<Vec<usize>>,
    by_first: Vec<Vec<usize>>,
    free: Vec<usize>,
    /// File patterns under a given directory: their parent checked once per directory.
    local: Vec<Part>,
    /// Everything else, on the full path; for each of its globs, the pattern it came from.
    other: GlobSet,
    owner: Vec<usize>,
}

/// What a directory's patterns say, from [`Matcher::dir`].
#[derive(Debug, Clone, Copy, Default)]
pub struct DirMatch {
    /// Directory patterns matching this directory: they match every file below it.
    pub below: u64,
    /// Which [`Matcher`]-internal file patterns may match files directly in it.
    pub here: u64,
}

/// `a/{b,c}/d` as `a/b/d` and `a/c/d`; groups expand left to right, without nesting.
pub fn expand_braces(glob: &str) -> Vec<String> {
    match (glob.find('{'), glob.find('}')) {
        (Some(open), Some(close)) if open < close => {
            let (head, alternatives, tail) = (&glob[..open], &glob[open + 1..close], &glob[close + 1..]);
            alternatives
                .split(',')
                .flat_map(|alt| expand_braces(&format!("{head}{alt}{tail}")))
                .collect()
        }
        _ => vec![glob.to_string()],
    }
}

fn len_bit(name: &str) -> u64 {
    1 << name.len().min(63)
}

/// Where the last component of `path` starts.
#[cfg(test)]
fn name_at(path: &str) -> usize {
    path.rfind('/').map_or(0, |i| i + 1)
}

fn bits(mut b: u64, out: &mut Vec<usize>) {
    while b != 0 {
        out.push(b.trailing_zeros() as usize);
        b &= b - 1;
    }
}

impl Matcher {
    /// Compiles `globs` (pattern `i` is the `i`th), each as globset would with
    /// `literal_separator(true)`. A glob globset cannot parse matches nothing.
    pub fn new<'a>(globs: impl IntoIterator<Item = &'a str>) -> Self {
        let mut m = Matcher {
            dirs: Vec::new(),
            literal: HashMap::default(),
            literal_lens: 0,
            starred: Vec::new(),
            by_last: vec![Vec::new(); 256],
            by_first: vec![Vec::new(); 256],
            free: Vec::new(),
            local: Vec::new(),
            other: GlobSet::empty(),
            owner: Vec::new(),
        };
        let mut other = GlobSetBuilder::new();
        for (i, glob) in globs.into_iter().enumerate() {
            assert!(i < MAX_PATTERNS, "more than {MAX_PATTERNS} path patterns");
            for alt in expand_braces(glob) {
                match split(i, &alt) {
                    Some((true, part)) => m.dirs.push(part),
                    Some((false, part)) => match part.parent {
                        Parent::Any if part.name.0.len() == 1 => {
                            m.literal_lens |= len_bit(&part.name.0[0]);
                            *m.literal.entry(part.name.0[0].clone()).or_default() |= 1 << i;
                        }
                        Parent::Any => m.starred.push(part),
                        _ if m.local.len() < 64 => m.local.push(part),
                        _ => add(&mut other, &mut m.owner, i, &alt),
                    },
                    None => add(&mut other, &mut m.owner, i, &alt),
                }
            }
        }
        m.other = other.build().unwrap_or_else(|_| GlobSet::empty());
        for (k, p) in m.starred.iter().enumerate() {
            let pieces = &p.name.0;
            match (pieces[0].bytes().next(), pieces[pieces.len() - 1].bytes().last()) {
                (_, Some(last)) => m.by_last[last as usize].push(k),
                (Some(first), None) => m.by_first[first as usize].push(k),
                (None, None) => m.free.push(k),
            }
        }
        m
    }

    /// The patterns a directory at `dir` (its absolute path, `""` for the root) brings.
    #[cfg(test)]
    pub fn dir(&self, dir: &str) -> DirMatch {
        self.dir_named(dir, name_at(dir))
    }

    /// [`Matcher::dir`] for a directory whose name starts at byte `name_at` of `dir`.
    pub fn dir_named(&self, dir: &str, name_at: usize) -> DirMatch {
        let (parent, name) = (&dir[..name_at.saturating_sub(1)], &dir[name_at..]);
        let mut m = DirMatch::default();
        // The root is no directory "named" anything.
        for d in self.dirs.iter().filter(|_| !dir.is_empty()) {
            if d.parent.holds(parent) && d.name.matches(name) {
                m.below |= 1 << d.pattern;
            }
        }
        for (k, l) in self.local.iter().enumerate() {
            if l.parent.holds(dir) {
                m.here |= 1 << k;
            }
        }
        m
    }

    /// Into `out`, ascending and each once: the patterns matching a file at `path`, given the
    /// `below` bits of all its ancestors together (`inherited`) and its parent's `here`.
    #[cfg(test)]
    pub fn file_matches(&self, path: &str, inherited: u64, here: u64, out: &mut Vec<usize>) {
        self.file_matches_named(path, name_at(path), inherited, here, out);
    }

    /// [`Matcher::file_matches`] for a file whose name starts at byte `name_at` of `path`.
    pub fn file_matches_named(&self, path: &str, name_at: usize, inherited: u64, here: u64, out: &mut Vec<usize>) {
        let name = &path[name_at..];
        let mut found = inherited;
        if self.literal_lens & len_bit(name) != 0 {
            found |= self.literal.get(name).copied().unwrap_or(0);
        }
        let (first, last) = (name.bytes().next(), name.bytes().last());
        let candidates = [
            last.map(|b| &self.by_last[b as usize]),
            first.map(|b| &self.by_first[b as usize]),
            Some(&self.free),
        ];
        for &k in candidates.into_iter().flatten().flatten() {
            let p = &self.starred[k];
            if p.name.matches(name) {
                found |= 1 << p.pattern;
            }
        }
        let mut local = here;
        while local != 0 {
            let p = &self.local[local.trailing_zeros() as usize];
            if p.name.matches(name) {
                found |= 1 << p.pattern;
            }
            local &= local - 1;
        }
        if !self.owner.is_empty() {
            for g in self.other.matches(path) {
                found |= 1 << self.owner[g];
            }
        }
        out.clear();
        bits(found, out);
    }
}

/// Test helpers the matcher's tests and the catalogue's share.
#[cfg(test)]
impl Matcher {
    /// The walk's way: the bits of every ancestor directory, then the file.
    pub fn walk_matches(&self, path: &str) -> Vec<usize> {
        let (mut inherited, mut here) = (0, self.dir("").here);
        let mut dir = String::new();
        let parts: Vec<&str> = path.split('/').skip(1).collect();
        for part in &parts[..parts.len() - 1] {
            dir = format!("{dir}/{part}");
            let d = self.dir(&dir);
            inherited |= d.below;
            here = d.here;
        }
        let mut out = Vec::new();
        self.file_matches(path, inherited, here, &mut out);
        out
    }
}

/// globset's own reading of each glob, one set per glob: what the matcher must agree with.
#[cfg(test)]
pub fn reference(globs: &[&str]) -> Vec<GlobSet> {
    globs
        .iter()
        .map(|g| {
            let glob = GlobBuilder::new(g).literal_separator(true).build().unwrap();
            GlobSetBuilder::new().add(glob).build().unwrap()
        })
        .collect()
}

fn add(set: &mut GlobSetBuilder, owner: &mut Vec<usize>, pattern: usize, glob: &str) {
    if let Ok(g) = GlobBuilder::new(glob).literal_separator(true).build() {
        set.add(g);
        owner.push(pattern);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directory_patterns_match_as_globset_would() {
        let globs = [
            "**/.git/**",
            "**/.cache/{pypoetry,pdm}/**",
            "/var/log/**",
            "/{tmp,var/tmp}/**",
            "**/{.env,id_rsa}",
            "**/{*.key,*.pem}",
            "/usr/lib/go-*/**",
            "/usr/bin/{gcc,gcc-*}",
        ];
        let m = Matcher::new(globs);
        let reference = reference(&globs);
        for path in [
            "/app/.git/config",
            "/.git/HEAD",
            "/app/.git",
            "/app/x.git/config",
            "/app/.github/workflows/ci.yml",
            "/root/.cache/pdm/a/b.whl",
            "/root/.cache/pip/x",
            "/root/.cache/pypoetry",
            "/var/log/apt/history.log",
            "/var/logs/x",
            "/srv/var/log/x",
            "/tmp/a",
            "/var/tmp/a/b",
            "/tmp",
            "/app/.env",
            "/app/.env.local",
            "/home/u/.ssh/id_rsa",
            "/etc/ssl/server.key",
            "/etc/ssl/ca.pem",
            "/usr/lib/go-1.22/bin/go",
            "/usr/bin/gcc-12",
            "/usr/bin/gcc",
            "/usr/bin/g++",
        ] {
            let expected: Vec<usize> = (0..globs.len()).filter(|&i| reference[i].is_match(path)).collect();
            assert_eq!(m.walk_matches(path), expected, "{path}");
        }
    }

    #[test]
    fn braces_expand_left_to_right() {
        assert_eq!(expand_braces("a/{b,c}/d"), ["a/b/d", "a/c/d"]);
        assert_eq!(expand_braces("{x,y}{1,2}"), ["x1", "x2", "y1", "y2"]);
        assert_eq!(expand_braces("plain"), ["plain"]);
    }
}
