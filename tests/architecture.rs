//! The house stays one-way: reads the `use` lines and inline paths of `src/` and fails on an
//! import that points up a floor (ARCHITECTURE.md names the floors), on an import loop between
//! sibling modules, and on UI or async crates in the library. Text only; compiles nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The library's floors, lowest first: a module may import its own top-level module and the
/// floors below its own. `fix` and `report` share a floor and may not import each other.
const FLOORS: &[&[&str]] = &[
    &["error", "catalogue"],
    &["config", "model"],
    &["source"],
    &["analysis"],
    &["report", "fix"],
];

/// Files of the binary crate (the top floor): everything of the library is below them. A
/// mode's own submodules live in its folder (`verify_mode/expected.rs`).
fn in_binary(rel: &Path) -> bool {
    let s = rel.to_string_lossy();
    let mode_dir = rel
        .iter()
        .next()
        .is_some_and(|d| d.to_string_lossy().ends_with("_mode"))
        && rel.iter().count() > 1;
    s == "main.rs"
        || s == "cli.rs"
        || s.starts_with("cli/")
        || s.ends_with("_mode.rs")
        || mode_dir
        || s.starts_with("ui/")
        || s.starts_with("ui.rs")
}

/// The binary crate's root in module paths, apart from the library's.
const BIN: &str = "<bin>";

fn floor(module: &str) -> Option<usize> {
    FLOORS.iter().position(|f| f.contains(&module))
}

/// The module path of a source file: `report/ci/text.rs` is `report::ci::text`, `x/mod.rs` is `x`.
fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let last = parts.pop().unwrap_or_default();
    let stem = last.trim_end_matches(".rs");
    if !matches!(stem, "mod" | "lib" | "main") {
        parts.push(stem.to_string());
    }
    parts
}

/// Expands `a::{b, c::{d, e}}` into `a::b`, `a::c::d`, `a::c::e`.
fn expand(tree: &str) -> Vec<String> {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        return vec![tree.split(" as ").next().unwrap_or(tree).trim().to_string()];
    };
    let prefix = tree[..open].trim_end_matches("::");
    let close = tree.rfind('}').filter(|&c| c > open).unwrap_or(tree.len());
    let inner = &tree[open + 1..close];
    let (mut items, mut depth, mut start) = (Vec::new(), 0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&inner[start..]);
    items
        .into_iter()
        .filter(|i| !i.trim().is_empty())
        .flat_map(expand)
        .map(|i| {
            if i == "self" {
                prefix.to_string()
            } else {
                format!("{prefix}::{i}")
            }
        })
        .collect()
}

/// Every crate-relative path a file names: `use` trees, and inline `crate::` / `super::` /
/// `deadweight::` paths in code (comments left out), resolved to absolute module paths.
fn references(text: &str, here: &[String], root: &str) -> Vec<Vec<String>> {
    references_of(text, here, root, true)
}

/// [`references`], leaving out an inline `mod tests` unless `with_tests`: a test may reach
/// across the house without making a loop in it.
fn references_of(text: &str, here: &[String], root: &str, with_tests: bool) -> Vec<Vec<String>> {
    let code: String = text
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    // Lines after an inline `mod tests {` speak from inside that module: its `super` is the file.
    let (outer, inner) = match code.lines().position(is_inline_mod) {
        Some(at) => {
            let lines: Vec<&str> = code.lines().collect();
            (lines[..at].join("\n"), Some(lines[at..].join("\n")))
        }
        None => (code.clone(), None),
    };
    let mut out: Vec<Vec<String>> = paths_in(&outer).iter().filter_map(|p| resolve(p, here, root)).collect();
    if let Some(inner) = inner.filter(|_| with_tests) {
        let name = inner.split_whitespace().nth(1).unwrap_or("tests").trim_end_matches('{');
        let deeper: Vec<String> = here.iter().cloned().chain([name.to_string()]).collect();
        out.extend(paths_in(&inner).iter().filter_map(|p| resolve(p, &deeper, root)));
    }
    out
}

fn is_inline_mod(line: &str) -> bool {
    let t = line.trim_start();
    (t.starts_with("mod ") || t.starts_with("pub mod ")) && t.trim_end().ends_with('{')
}

/// The paths a piece of code names, as written.
fn paths_in(code: &str) -> Vec<String> {
    let mut paths = Vec::new();
    let mut lines = code.lines();
    while let Some(line) = lines.next() {
        let t = line.trim_start();
        let Some(tree) = ["use ", "pub use ", "pub(crate) use ", "pub(super) use "]
            .iter()
            .find_map(|p| t.strip_prefix(p))
        else {
            continue;
        };
        let mut stmt = tree.to_string();
        while !stmt.contains(';') {
            match lines.next() {
                Some(more) => stmt.push_str(more),
                None => break,
            }
        }
        paths.extend(expand(stmt.split(';').next().unwrap_or_default()));
    }
    for (i, _) in code.match_indices("::") {
        let start = code[..i]
            .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .map_or(0, |p| p + 1);
        let word = &code[start..];
        let end = word
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(word.len());
        if code[start..i].contains("::") {
            continue; // the same path, seen at its first `::`
        }
        paths.push(word[..end].to_string());
    }
    paths
}

/// `crate::a::b`, `deadweight::a::b` (the library, from the binary), `super::x`, `self::x` to an
/// absolute module path, the binary's own modules under [`BIN`]; `None` for other crates.
fn resolve(path: &str, here: &[String], root: &str) -> Option<Vec<String>> {
    let mut parts = path.split("::").filter(|p| !p.is_empty());
    let first = parts.next()?;
    let mut base: Vec<String> = match first {
        "crate" if root == "crate" => Vec::new(),
        "crate" => vec![BIN.to_string()],
        "deadweight" => Vec::new(),
        "super" => {
            let mut b = here.to_vec();
            b.pop()?;
            b
        }
        "self" => here.to_vec(),
        _ => return None,
    };
    // The crate root re-exports the error type: `crate::Error` is `crate::error::Error`.
    let mut parts = parts.peekable();
    if base.is_empty() && parts.peek().is_some_and(|p| matches!(*p, "Error" | "Result")) {
        base.push("error".to_string());
    }
    for p in parts {
        if p == "super" {
            base.pop()?;
        } else {
            base.push(p.to_string());
        }
    }
    Some(base)
}

struct Source {
    rel: PathBuf,
    module: Vec<String>,
    text: String,
}

fn sources() -> Vec<Source> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(&src).unwrap().to_path_buf();
                out.push(Source {
                    module: module_path(&rel),
                    text: std::fs::read_to_string(&path).unwrap(),
                    rel,
                });
            }
        }
    }
    out.sort_by(|a, b| a.rel.cmp(&b.rel));
    out
}

#[test]
fn imports_only_point_down_a_floor() {
    let mut wrong = Vec::new();
    for s in sources().iter().filter(|s| !in_binary(&s.rel) && !s.module.is_empty()) {
        let own = &s.module[0];
        let Some(mine) = floor(own) else {
            wrong.push(format!(
                "{}: module {own} is on no floor of ARCHITECTURE.md",
                s.rel.display()
            ));
            continue;
        };
        for target in references(&s.text, &s.module, "crate") {
            let Some(top) = target.first() else { continue };
            if top == own {
                continue;
            }
            match floor(top) {
                Some(theirs) if theirs < mine => {}
                _ => wrong.push(format!(
                    "{}: imports {} (up or across a floor)",
                    s.rel.display(),
                    target.join("::")
                )),
            }
        }
    }
    wrong.dedup();
    assert!(wrong.is_empty(), "imports against the floors:\n{}", wrong.join("\n"));
}

#[test]
fn the_library_has_no_ui_or_async_runtime() {
    let mut wrong = Vec::new();
    for s in sources().iter().filter(|s| !in_binary(&s.rel)) {
        let daemon = s.rel.starts_with("source/daemon.rs") || s.rel.starts_with("source/daemon");
        for krate in ["ratatui", "crossterm", "tokio", "bollard"] {
            let named = s.text.lines().any(|l| {
                let code = l.split("//").next().unwrap_or("");
                code.contains(&format!("{krate}::"))
            });
            if named && !(daemon && matches!(krate, "tokio" | "bollard")) {
                wrong.push(format!("{} names {krate}", s.rel.display()));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "the library must stay free of these:\n{}",
        wrong.join("\n")
    );
}

/// Sibling modules (children of one parent, at any depth) that import each other, directly or
/// round a longer circle. A child naming its parent's items is not a loop: the parent owns it.
/// The explorer's panes are drawn from its `App` and `App` holds their state, so `ui` is left
/// out here; the pieces that must stay apart there are checked by `ui_state_does_not_loop`.
#[test]
fn no_import_loops_between_sibling_modules() {
    let edges = sibling_edges(|s| !s.rel.starts_with("ui"));
    let mut loops = BTreeSet::new();
    for (a, tos) in &edges {
        for b in tos {
            if reaches(&edges, b, a) {
                let (x, y) = if a < b { (a, b) } else { (b, a) };
                loops.insert(format!("{} <-> {}", x.join("::"), y.join("::")));
            }
        }
    }
    assert!(
        loops.is_empty(),
        "import loops:\n{}",
        loops.into_iter().collect::<Vec<_>>().join("\n")
    );
}

/// The explorer's state and its pieces stay one-way: the app holds the layout's areas, the
/// packages' rows and the tree's filters without those importing the app (or each other) back.
#[test]
fn ui_state_does_not_loop() {
    let edges = sibling_edges(|s| s.rel.starts_with("ui"));
    let ui = |m: &str| vec![BIN.to_string(), "ui".to_string(), m.to_string()];
    let mut loops = Vec::new();
    for (a, b) in [
        ("app", "layout"),
        ("app", "package_rows"),
        ("app", "tree_view"),
        ("nodes", "filter"),
    ] {
        if reaches(&edges, &ui(a), &ui(b)) && reaches(&edges, &ui(b), &ui(a)) {
            loops.push(format!("ui::{a} <-> ui::{b}"));
        }
    }
    assert!(
        reaches(&edges, &ui("app"), &ui("package_rows")),
        "the test sees the app's imports"
    );
    assert!(loops.is_empty(), "import loops in the explorer:\n{}", loops.join("\n"));
}

/// Edges between sibling modules (children of one parent, at any depth) of the files `keep`
/// selects: `a -> b` when a file in `a` names something in `b`.
fn sibling_edges(keep: impl Fn(&Source) -> bool) -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    // Test modules (a file `tests.rs`, `testing.rs` or an inline `mod tests`) may reach across.
    let is_test = |s: &Source| s.module.iter().any(|m| m == "tests" || m == "testing");
    for s in sources().into_iter().filter(|s| keep(s) && !is_test(s)) {
        let (root, prefix) = if in_binary(&s.rel) {
            ("binary", vec![BIN.to_string()])
        } else {
            ("crate", Vec::new())
        };
        let here: Vec<String> = prefix.into_iter().chain(s.module.iter().cloned()).collect();
        for target in references_of(&s.text, &here, root, false) {
            let common = here.iter().zip(&target).take_while(|(a, b)| a == b).count();
            if here.len() > common && target.len() > common {
                let from = here[..=common].to_vec();
                let to = target[..=common].to_vec();
                edges.entry(from).or_default().insert(to);
            }
        }
    }
    edges
}

fn reaches(edges: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>, from: &[String], to: &[String]) -> bool {
    let mut seen = BTreeSet::new();
    let mut stack = vec![from.to_vec()];
    while let Some(n) = stack.pop() {
        if n == to {
            return true;
        }
        if seen.insert(n.clone()) {
            stack.extend(edges.get(&n).into_iter().flatten().cloned());
        }
    }
    false
}

#[test]
fn use_trees_expand_and_resolve() {
    let here = vec!["report".to_string(), "ci".to_string()];
    let got: Vec<_> = expand("super::{baseline::{self, Baseline}, text::size}")
        .into_iter()
        .filter_map(|p| resolve(&p, &here, "crate"))
        .map(|p| p.join("::"))
        .collect();
    assert_eq!(
        got,
        ["report::baseline", "report::baseline::Baseline", "report::text::size"]
    );
    assert_eq!(
        resolve("crate::model::Tree", &here, "crate").unwrap(),
        ["model", "Tree"]
    );
    assert_eq!(resolve("std::io", &here, "crate"), None);
    assert_eq!(module_path(Path::new("report/ci/text.rs")), ["report", "ci", "text"]);
    assert_eq!(module_path(Path::new("analysis/mod.rs")), ["analysis"]);
}

/// `.ci/run` sets `CI=true`, which turns CI mode on in any binary run whose stdout is a pipe: a
/// test that builds its own `Command` passes here and fails in CI (it happened once). Every
/// piped run goes through `support::bin`, which strips the CI environment.
#[test]
fn tests_run_the_binary_through_support_bin() {
    let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut wrong = Vec::new();
    for entry in std::fs::read_dir(&tests).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            // Split so that this file does not name the call it forbids.
            if text.contains(concat!("Command::", "cargo_bin(")) {
                wrong.push(path.file_name().unwrap().to_string_lossy().into_owned());
            }
        }
    }
    assert!(wrong.is_empty(), "use support::bin() in: {}", wrong.join(", "));
}
