//! The catalogue against the code: `deadweight explain` prints every rule's whole entry, every
//! rule id the rules' code can emit is in the catalogue, and every catalogue entry is emitted by
//! some rule (no documented rule that nothing checks); `rules` and `explain` list it, and the
//! README's table and `assets/rules.json` are held equal to it.

use std::collections::BTreeSet;
use std::path::Path;

use deadweight::catalogue::RULES;

use crate::support::{bin, fails};

#[test]
fn explain_prints_every_rules_entry() {
    for r in RULES {
        let out = bin().args(["explain", &r.id.to_ascii_lowercase()]).output().unwrap();
        assert!(out.status.success(), "explain {}", r.id);
        let text = String::from_utf8_lossy(&out.stdout);
        let head = format!("{} ({}): {}", r.id, r.severity.as_str(), r.title);
        assert!(text.starts_with(&head), "{}: {text}", r.id);
        assert!(text.contains(r.rationale), "{}: the whole rationale: {text}", r.id);
    }
}

/// Rule ids written as string literals in a file's text (`"DW101"`).
fn ids_in(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let b = text.as_bytes();
    for i in 0..b.len().saturating_sub(6) {
        if b[i] == b'"'
            && &b[i + 1..i + 3] == b"DW"
            && b[i + 3..i + 6].iter().all(u8::is_ascii_digit)
            && b[i + 6] == b'"'
        {
            out.insert(text[i + 1..i + 6].to_string());
        }
    }
    out
}

#[test]
fn the_rules_emit_exactly_the_catalogues_ids() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/analysis/rules");
    let mut emitted = BTreeSet::new();
    let mut stack = vec![dir];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") && !p.ends_with("tests.rs") {
                let text = std::fs::read_to_string(&p).unwrap();
                // Unit tests name ids of their own making.
                let code = text.split("#[cfg(test)]").next().unwrap_or_default();
                emitted.extend(ids_in(code));
            }
        }
    }
    let catalogue: BTreeSet<String> = RULES.iter().map(|r| r.id.to_string()).collect();
    let undocumented: Vec<&String> = emitted.difference(&catalogue).collect();
    assert!(
        undocumented.is_empty(),
        "emitted, not in the catalogue: {undocumented:?}"
    );
    let unchecked: Vec<&String> = catalogue.difference(&emitted).collect();
    assert!(
        unchecked.is_empty(),
        "in the catalogue, emitted by no rule: {unchecked:?}"
    );
}

#[test]
fn rules_and_explain_list_the_catalogue() {
    let out = bin().arg("rules").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("DW101") && text.contains("DW405"));
    let out = bin().args(["explain", "dw105"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("rm -rf /var/lib/apt/lists/*"));
    fails(bin().args(["explain", "DW000"]));
}

#[test]
fn the_shipped_catalogue_matches_the_code() {
    let out = bin().args(["rules", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let shipped = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/rules.json")).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        shipped,
        "regenerate with `deadweight rules --json > assets/rules.json`"
    );
}

/// The README's rule table lists every rule of the catalogue, with its severity and title, and
/// no other.
#[test]
fn the_readme_rule_table_matches_the_catalogue() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let rows: Vec<&str> = readme.lines().filter(|l| l.starts_with("| DW")).collect();
    for r in deadweight::catalogue::RULES {
        let row = format!("| {} | {} | {} |", r.id, r.severity.as_str(), r.title);
        assert!(rows.contains(&row.as_str()), "README lacks `{row}`");
    }
    assert_eq!(rows.len(), deadweight::catalogue::RULES.len(), "{rows:#?}");
}
