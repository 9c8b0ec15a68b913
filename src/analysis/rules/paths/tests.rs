//! The path rules' matcher against globset, over the whole catalogue.

use super::super::matcher::{Matcher, expand_braces, reference};
use super::PATTERNS;

/// Paths built from every catalogue pattern itself (wildcards filled in several ways, under
/// several directories, with near misses) match exactly the patterns globset says they do.
#[test]
fn catalogue_patterns_match_as_globset_would() {
    let globs: Vec<&str> = PATTERNS.iter().map(|p| p.glob).collect();
    let matcher = Matcher::new(globs.iter().copied());
    let reference = reference(&globs);
    let mut paths = Vec::new();
    for alt in globs.iter().flat_map(|g| expand_braces(g)) {
        for star in ["", "x", "a-b.c"] {
            for top in ["", "/app", "/srv/a/b"] {
                let filled = alt.replace("/**", "\u{0}").replace("**/", "\u{1}").replace('*', star);
                for tail in ["", "/f", "/sub/f.py"] {
                    let p = filled.replace('\u{0}', tail).replace('\u{1}', &format!("{top}/"));
                    let p = if p.starts_with('/') { p } else { format!("/{p}") };
                    let p = p.replace("//", "/");
                    paths.push(p.clone());
                    paths.push(format!("{p}x"));
                    paths.push(format!("/y{p}"));
                    if let Some((dir, name)) = p.rsplit_once('/') {
                        paths.push(format!("{dir}/x{name}"));
                    }
                }
            }
        }
    }
    paths.retain(|p| p.len() > 1 && !p.ends_with('/'));
    assert!(paths.len() > 5000, "{} paths", paths.len());
    let mut checked_hits = 0;
    for path in &paths {
        let expected: Vec<usize> = (0..globs.len()).filter(|&i| reference[i].is_match(path)).collect();
        checked_hits += expected.len();
        assert_eq!(matcher.walk_matches(path), expected, "{path}");
    }
    assert!(
        checked_hits > 1000,
        "only {checked_hits} matches among the generated paths"
    );
}
