//! Every `.dockerignore` line a finding advises is checked with Docker's own matching rules
//! (moby's patternmatcher: patterns anchored at the context root, `**` any number of
//! directories, `*` and `?` within one name, a pattern that matches a directory excluding all
//! below it) against the context paths of the finding. The matcher is written here from those
//! rules, not borrowed from the code under test.

use deadweight::analysis::rules::Finding;

use crate::advice::{careful_dockerfile, findings_with};
use crate::rules::{careful, findings};
use crate::support::fixture::{Image, Layer};

/// `*` any run of characters, `?` one, within one path component.
fn wild(p: &[u8], s: &[u8]) -> bool {
    match (p.first(), s.first()) {
        (None, None) => true,
        (Some(b'*'), _) => wild(&p[1..], s) || (!s.is_empty() && wild(p, &s[1..])),
        (Some(b'?'), Some(_)) => wild(&p[1..], &s[1..]),
        (Some(a), Some(b)) if a == b => wild(&p[1..], &s[1..]),
        _ => false,
    }
}

fn components(pat: &[&str], path: &[&str]) -> bool {
    match pat.split_first() {
        None => path.is_empty(),
        Some((&"**", rest)) => (0..=path.len()).any(|i| components(rest, &path[i..])),
        Some((p, rest)) => !path.is_empty() && wild(p.as_bytes(), path[0].as_bytes()) && components(rest, &path[1..]),
    }
}

/// Whether Docker leaves `path` (relative to the context root) out of the context for the line
/// `pattern`: the pattern matches the path or one of its parent directories.
fn docker_excludes(pattern: &str, path: &str) -> bool {
    let pat: Vec<&str> = pattern
        .trim_start_matches('/')
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    let parts: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
    (1..=parts.len()).any(|k| components(&pat, &parts[..k]))
}

#[test]
fn the_matcher_follows_dockers_rules() {
    assert!(docker_excludes("**/__pycache__", "app/__pycache__/x.pyc"));
    assert!(docker_excludes("**/__pycache__", "__pycache__/x.pyc"));
    assert!(
        !docker_excludes("__pycache__", "app/__pycache__/x.pyc"),
        "anchored at the root"
    );
    assert!(!docker_excludes("*.pyc", "app/x.pyc"));
    assert!(docker_excludes("**/*.pyc", "app/x.pyc"));
    assert!(docker_excludes("data/app.db", "data/app.db"));
    assert!(!docker_excludes("app.db", "data/app.db"));
    assert!(docker_excludes(".git", ".git/objects/p"));
}

/// The `.dockerignore` lines a fix names: after "add to .dockerignore: " (DW4xx, up to `;`),
/// after "with: " (DW701), or in backticks before "to .dockerignore" (DW301, DW303).
fn ignore_lines(fix: &str) -> Vec<String> {
    let list = |s: &str| {
        s.split(';')
            .next()
            .unwrap_or("")
            .split(", ")
            .map(str::to_string)
            .collect()
    };
    if let Some(rest) = fix.split_once("add to .dockerignore: ").map(|(_, r)| r) {
        return list(rest);
    }
    if let Some(rest) = fix.split_once("add a .dockerignore with: ").map(|(_, r)| r) {
        return list(rest);
    }
    if let Some((head, _)) = fix.split_once(" to .dockerignore") {
        return head.split('`').skip(1).step_by(2).map(str::to_string).collect();
    }
    Vec::new()
}

fn leaky(copy: &str) -> Image {
    careful().layer(
        copy,
        Layer::new()
            .file("app/.git/HEAD", "ref: refs/heads/main\n")
            .file("app/.git/objects/pack/p.pack", vec![1u8; 3000])
            .file("app/app/util.py", "x = 1\n")
            .file("app/app/__pycache__/util.cpython-311.pyc", vec![2u8; 700])
            .file("app/app/__pycache__/old.cpython-39.pyc", vec![2u8; 600])
            .file("app/data/app.db", vec![3u8; 900])
            .file("app/sub/.venv/lib/six.py", vec![4u8; 800])
            .file("app/tests/test_main.py", "def test(): pass\n")
            .file("app/config/.env", "K=fake\n")
            .file("app/.github/workflows/ci.yml", "on: push\n"),
    )
}

/// Each finding about the build context advises lines that, read as Docker reads them, leave
/// every one of its paths out of the context.
fn assert_lines_cover_paths(f: &[Finding]) -> usize {
    let mut checked = 0;
    for x in f.iter().filter(|x| x.fix.contains(".dockerignore")) {
        let lines = ignore_lines(&x.fix);
        assert!(!lines.is_empty(), "{}: no lines in {}", x.rule, x.fix);
        for p in &x.paths {
            let rel = p
                .path
                .strip_prefix("/app/")
                .unwrap_or_else(|| panic!("{}: {}", x.rule, p.path));
            assert!(
                lines.iter().any(|l| docker_excludes(l, rel)),
                "{}: none of {lines:?} keeps {rel} out of the context",
                x.rule
            );
            checked += 1;
        }
    }
    checked
}

#[test]
fn dockerignore_lines_match_the_findings_paths_as_docker_reads_them() {
    // BuildKit's history says where the context went; buildah's (`dir:<hash>`) does not.
    for copy in ["COPY . /app # buildkit", "/bin/sh -c #(nop) COPY dir:9794b0 in /app "] {
        let f = findings(leaky(copy));
        for rule in ["DW401", "DW402", "DW405", "DW406", "DW407", "DW408", "DW301", "DW303"] {
            assert!(f.iter().any(|x| x.rule == rule), "{copy}: no {rule}: {f:#?}");
        }
        assert!(assert_lines_cover_paths(&f) >= 8, "{copy}: {f:#?}");
    }
}

#[test]
fn a_missing_dockerignores_lines_match_as_docker_reads_them() {
    let f = findings_with(
        leaky("COPY . /app # buildkit"),
        &careful_dockerfile("COPY . /app\n"),
        false,
    );
    let missing = f.iter().find(|x| x.rule == "DW701").expect("DW701");
    let lines = ignore_lines(&missing.fix);
    for x in f
        .iter()
        .filter(|x| x.rule.starts_with("DW4") || x.rule == "DW301" || x.rule == "DW303")
    {
        for p in &x.paths {
            let rel = p.path.strip_prefix("/app/").expect("under /app");
            assert!(
                lines.iter().any(|l| docker_excludes(l, rel)),
                "DW701: none of {lines:?} keeps {rel} ({}) out",
                x.rule
            );
        }
    }
}
