//! A finding's path lines never add up to more than its saving: the bytes of a line that an
//! earlier finding counts are listed with that finding's rule (`claimed`), in the JSON report
//! and beside the path in the text and HTML outputs. Checked on an image made to overlap (a
//! virtualenv copied from the build context, whose `__pycache__` DW303 claims before DW402 sees
//! the venv) and, as a property, on every finding of every corpus image.

use deadweight::catalogue;
use serde_json::Value;

use crate::corpus::{images, shipped};
use crate::rules::careful;
use crate::support::fixture::{Image, Layer};
use crate::support::layout::Format;
use crate::support::{bin, corpus_dir, report, tmp};

/// Rules whose saving is exactly what their path lines list, when the list is not cut at
/// `MAX_PATHS` (10): caches and build-context leaks found by path, and temporary files.
fn saving_is_the_sum(rule: &str) -> bool {
    rule.starts_with("DW1") || rule.starts_with("DW4") || rule == "DW506"
}

/// Checks the sum rule on every finding of a report; `exact` also asks for equality where the
/// rule's saving is the sum of its lines.
fn assert_lines_add_up(what: &str, r: &Value, exact: bool) {
    for f in r["findings"].as_array().unwrap() {
        let saves = f["reclaimable_bytes"].as_u64().unwrap();
        let paths = f["paths"].as_array().unwrap();
        let mut own = 0;
        for p in paths {
            let bytes = p["bytes"].as_u64().unwrap();
            let claimed: u64 = p["claimed"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["bytes"].as_u64().unwrap())
                .sum();
            assert!(claimed <= bytes, "{what}: a claim larger than its line: {f:#}");
            // A line the finding counts wholly on its other lines is left out.
            let by_itself = p["claimed"].as_array().unwrap().iter().all(|c| c["rule"] == f["rule"]);
            assert!(
                claimed < bytes || !by_itself || bytes == 0,
                "{what}: a line that repeats others: {f:#}"
            );
            own += bytes - claimed;
        }
        let rule = f["rule"].as_str().unwrap();
        if !catalogue::saves_bytes(rule) {
            // Its lines are what it is about (the context DW505 copies too early), not a saving.
            continue;
        }
        assert!(
            own <= saves,
            "{what}: path lines add up to {own} B, more than the {saves} B saved: {f:#}"
        );
        if exact && saving_is_the_sum(rule) && paths.len() < 10 {
            assert_eq!(own, saves, "{what}: {rule}'s lines should add up to its saving: {f:#}");
        }
    }
}

/// A virtualenv copied from the build context, with bytecode in it.
fn copied_venv() -> Image {
    let site = "app/.venv/lib/python3.11/site-packages";
    careful().layer(
        "COPY . /app # buildkit",
        Layer::new()
            .file("app/.venv/pyvenv.cfg", "home = /usr/bin\n")
            .file(format!("{site}/requests/__init__.py"), vec![b'r'; 10_000])
            .file(
                format!("{site}/requests/__pycache__/__init__.cpython-311.pyc"),
                vec![7u8; 6_000],
            )
            .file("app/main.py", "print('hi')\n"),
    )
}

#[test]
fn a_copied_venv_names_the_bytecode_another_rule_counts() {
    let dir = tmp();
    let path = Format::OciArchive.save(dir.path(), &[copied_venv()]);
    let r = report(&[path.to_str().unwrap()]);
    let findings = r["findings"].as_array().unwrap();
    let venv = findings.iter().find(|f| f["rule"] == "DW402").expect("DW402");
    let line = venv["paths"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["path"] == "/app/.venv")
        .expect("/app/.venv");
    let whole = 16_000 + "home = /usr/bin\n".len() as u64;
    assert_eq!(line["bytes"].as_u64(), Some(whole), "{venv:#}");
    assert_eq!(
        line["claimed"],
        serde_json::json!([{"rule": "DW303", "bytes": 6000}]),
        "{venv:#}"
    );
    assert_eq!(venv["reclaimable_bytes"].as_u64(), Some(whole - 6000));
    let pycache = findings.iter().find(|f| f["rule"] == "DW303").expect("DW303");
    assert_eq!(pycache["reclaimable_bytes"].as_u64(), Some(6000));
    assert_lines_add_up("copied venv", &r, true);

    // Every human output says it beside the line.
    let note = "(5.86 KiB of it counted under DW303)";
    let text = bin().arg(&path).arg("--text").output().unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    let row = text
        .lines()
        .find(|l| l.contains("/app/.venv ("))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(row.contains("15.64 KiB  /app/.venv ") && row.ends_with(note), "{row}");
    let html = dir.path().join("r.html");
    bin().arg(&path).arg("--html").arg(&html).assert().success();
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains(&format!("<code>/app/.venv</code> 15.64 KiB {note}")),
        "no note in the HTML page"
    );
}

#[test]
fn corpus_findings_never_show_more_than_they_save() {
    let Some(corpus) = corpus_dir() else {
        eprintln!("skipped: no corpus");
        return;
    };
    for image in images(&corpus) {
        for (path, _) in shipped(&image).into_iter().take(1) {
            let what = path.display().to_string();
            assert_lines_add_up(&what, &report(&[path.to_str().unwrap()]), true);
            let dockerfile = image.join("Dockerfile");
            if dockerfile.is_file() {
                let r = report(&[path.to_str().unwrap(), "--dockerfile", dockerfile.to_str().unwrap()]);
                assert_lines_add_up(&what, &r, true);
            }
        }
    }
}
