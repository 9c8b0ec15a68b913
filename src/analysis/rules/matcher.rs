//! How the path rules' glob patterns are matched during the one walk over the tree: directory
//! patterns (`**/.git/**`, `/var/log/**`) once per directory, inherited by everything below it
//! as a bit set; the others once per file through one `GlobSet`. Owns the compilation of the
//! patterns only: which patterns exist and what a match means stay in `paths`.

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

/// Most patterns one matcher takes: a directory's matches are the bits of a `u64`.
pub const MAX_PATTERNS: usize = 64;

/// Where a directory pattern matches: a directory at exactly this path, or any directory
/// whose path ends with this (a `/` and one or more whole components).
enum Anchor {
    Exact(String),
    Suffix(String),
}

/// The compiled patterns.
pub struct Matcher {
    /// File patterns, brace alternatives as globs of their own.
    files: GlobSet,
    /// For each glob of `files`, the pattern it came from.
    owner: Vec<usize>,
    /// Directory patterns: the pattern and one anchor per alternative.
    dirs: Vec<(usize, Anchor)>,
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

/// The anchors of `glob` when it is a directory pattern: `**/LITERAL/**` or `/LITERAL/**`,
/// braces allowed in the literal, no other wildcard.
fn directory_anchors(glob: &str) -> Option<Vec<Anchor>> {
    const WILD: [char; 4] = ['*', '?', '[', ']'];
    let body = glob.strip_suffix("/**")?;
    match body.strip_prefix("**/") {
        Some(lit) if !lit.contains(WILD) => Some(
            expand_braces(lit)
                .into_iter()
                .map(|l| Anchor::Suffix(format!("/{l}")))
                .collect(),
        ),
        None if body.starts_with('/') && !body.contains(WILD) => {
            Some(expand_braces(body).into_iter().map(Anchor::Exact).collect())
        }
        _ => None,
    }
}

impl Matcher {
    /// Compiles `globs` (pattern `i` is the `i`th), each with `literal_separator(true)`. A
    /// glob globset cannot parse matches nothing.
    pub fn new<'a>(globs: impl IntoIterator<Item = &'a str>) -> Self {
        let (mut b, mut owner, mut dirs) = (GlobSetBuilder::new(), Vec::new(), Vec::new());
        for (i, glob) in globs.into_iter().enumerate() {
            assert!(i < MAX_PATTERNS, "more than {MAX_PATTERNS} path patterns");
            if let Some(anchors) = directory_anchors(glob) {
                dirs.extend(anchors.into_iter().map(|a| (i, a)));
                continue;
            }
            // `**/{.env,id_rsa}` is a regex to globset; `**/.env` and `**/id_rsa` are lookups
            // of the file name, `**/*.pem` of the extension.
            for alt in expand_braces(glob) {
                if let Ok(g) = GlobBuilder::new(&alt).literal_separator(true).build() {
                    b.add(g);
                    owner.push(i);
                }
            }
        }
        let files = b.build().unwrap_or_else(|_| GlobSet::empty());
        Self { files, owner, dirs }
    }

    /// The directory patterns that match the directory at `dir` (its absolute path), as bits.
    pub fn dir_bits(&self, dir: &str) -> u64 {
        let mut bits = 0;
        for (i, anchor) in &self.dirs {
            let hit = match anchor {
                Anchor::Exact(p) => dir == p,
                Anchor::Suffix(s) => dir.ends_with(s.as_str()),
            };
            if hit {
                bits |= 1 << i;
            }
        }
        bits
    }

    /// Into `out`, ascending and each once: the patterns matching a file at `path` whose
    /// ancestors' [`dir_bits`](Self::dir_bits) together are `inherited`. `scratch` is reused.
    pub fn file_matches(&self, path: &str, inherited: u64, scratch: &mut Vec<usize>, out: &mut Vec<usize>) {
        self.files.matches_into(path, scratch);
        out.clear();
        out.extend(scratch.iter().map(|&g| self.owner[g]));
        // The set bits only: most files inherit none, and this runs once per file.
        let mut bits = inherited;
        while bits != 0 {
            out.push(bits.trailing_zeros() as usize);
            bits &= bits - 1;
        }
        out.sort_unstable();
        out.dedup();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The walk's way: bits of every ancestor directory, then the file.
    fn matches(m: &Matcher, path: &str) -> Vec<usize> {
        let mut inherited = 0;
        let mut dir = String::new();
        let parts: Vec<&str> = path.split('/').skip(1).collect();
        for part in &parts[..parts.len() - 1] {
            dir = format!("{dir}/{part}");
            inherited |= m.dir_bits(&dir);
        }
        let (mut scratch, mut out) = (Vec::new(), Vec::new());
        m.file_matches(path, inherited, &mut scratch, &mut out);
        out
    }

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
        let reference: Vec<GlobSet> = globs
            .iter()
            .map(|g| {
                let glob = GlobBuilder::new(g).literal_separator(true).build().unwrap();
                GlobSetBuilder::new().add(glob).build().unwrap()
            })
            .collect();
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
            assert_eq!(matches(&m, path), expected, "{path}");
        }
    }

    #[test]
    fn braces_expand_left_to_right() {
        assert_eq!(expand_braces("a/{b,c}/d"), ["a/b/d", "a/c/d"]);
        assert_eq!(expand_braces("{x,y}{1,2}"), ["x1", "x2", "y1", "y2"]);
        assert_eq!(expand_braces("plain"), ["plain"]);
    }
}
