//! CI mode's outputs, parsed back and checked for content: `--json FILE` alongside `--ci`
//! (exit status kept, `ci` section valid against the schema), text, JSON, Markdown, SARIF 2.1.0
//! and JUnit XML on stdout, and GitHub Actions annotations and step summary.

use std::path::Path;

use serde_json::Value;

use crate::ci::{run, sample};
use crate::support::layout::Format;
use crate::support::{bin, tmp};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `deadweight assets/sample.tar --dockerfile assets/sample.Dockerfile --ci ARGS`, run from the
/// project root so the Dockerfile's path is relative; the sample fails dive's default rules.
fn sample_ci(args: &[&str]) -> assert_cmd::Command {
    let mut cmd = bin();
    cmd.current_dir(root())
        .args([
            "assets/sample.tar",
            "--dockerfile",
            "assets/sample.Dockerfile",
            "--ci",
            "--fail-on",
            "DW501",
        ])
        .args(args);
    cmd
}

fn schema_validator() -> jsonschema::Validator {
    let schema: Value =
        serde_json::from_slice(&std::fs::read(root().join("assets/report.schema.json")).unwrap()).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

/// Asserts that `report` matches the schema, looking at errors under the paths `at` selects.
fn assert_valid(report: &Value, at: impl Fn(&str) -> bool) {
    let errors: Vec<String> = schema_validator()
        .iter_errors(report)
        .map(|e| (e.instance_path().to_string(), e.to_string()))
        .filter(|(p, _)| at(p))
        .map(|(p, e)| format!("{p}: {e}"))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

/// The checks of a report's `ci` section as (name, passed).
fn checks(report: &Value) -> Vec<(String, bool)> {
    report["ci"]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap().to_string(), c["passed"].as_bool().unwrap()))
        .collect()
}

#[test]
fn json_file_alongside_ci_keeps_the_exit_status_and_has_the_ci_section() {
    let dir = tmp();
    let path = dir.path().join("report.json");
    let (code, out, _) = run(bin().arg(sample()).arg("--ci").arg("--json").arg(&path));
    assert_eq!(code, 1, "--json never disables --ci: {out}");
    assert!(out.contains("FAIL  lowestEfficiency"), "the checks still print: {out}");
    let report: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_valid(&report, |p| p.starts_with("/ci"));
    assert_eq!(report["ci"]["passed"], false);
    assert_eq!(
        checks(&report),
        [
            ("lowestEfficiency".into(), false),
            ("highestUserWastedPercent".into(), false)
        ]
    );
    let eff = &report["ci"]["checks"][0];
    assert_eq!(eff["limit"], 0.9);
    assert_eq!(
        eff["actual"], report["totals"]["dive"]["efficiency"],
        "the same figure everywhere"
    );
    // A whole report with a failed `ci` section validates against the schema.
    let image = Format::OciArchive.save(dir.path(), &[crate::ci::clean()]);
    let fixture = dir.path().join("fixture.json");
    let (code, out, _) = run(bin()
        .arg(&image)
        .args(["--max-user-bytes", "1", "--json"])
        .arg(&fixture));
    assert_eq!(code, 1, "{out}");
    assert_valid(
        &serde_json::from_slice(&std::fs::read(&fixture).unwrap()).unwrap(),
        |_| true,
    );
    // Without --ci there is no `ci` section.
    let plain: Value =
        serde_json::from_slice(&bin().arg(sample()).args(["--json", "-"]).output().unwrap().stdout).unwrap();
    assert!(plain.get("ci").is_none());
    // `--json -` owns stdout; the text goes to stderr, the exit status stays.
    let (code, out, err) = run(bin().arg(sample()).args(["--ci", "--json", "-"]));
    assert_eq!(code, 1);
    let streamed: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(checks(&streamed), checks(&report));
    assert!(err.contains("FAIL  lowestEfficiency"), "{err}");
}

#[test]
fn text_lists_checks_then_findings_then_one_summary_line() {
    let (code, out, _) = run(&mut sample_ci(&[]));
    assert_eq!(code, 1);
    let lines: Vec<&str> = out.lines().collect();
    let check_line = lines.iter().position(|l| l.contains("FAIL  fail_on")).unwrap();
    assert!(
        lines[check_line].contains("limit <= 0") && lines[check_line].contains("actual 1"),
        "{out}"
    );
    assert!(
        lines[check_line + 1].contains("line 8: DW501"),
        "blame on its Dockerfile line: {out}"
    );
    let findings = lines
        .iter()
        .position(|l| l.starts_with("Findings that matter"))
        .unwrap();
    assert!(findings > check_line);
    assert!(
        lines[findings + 1].contains("DW501") && lines[findings + 1].contains("line 8"),
        "largest first: {out}"
    );
    assert!(lines[findings + 2].trim_start().starts_with("fix: "), "{out}");
    let last = lines.last().unwrap();
    assert!(
        last.starts_with("FAIL: 3 of 3 checks failed (fail_on, lowestEfficiency, highestUserWastedPercent)"),
        "{last}"
    );
}

#[test]
fn json_and_markdown_formats() {
    let (code, out, _) = run(&mut sample_ci(&["--format", "json"]));
    assert_eq!(code, 1);
    let r: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(checks(&r).len(), 3);
    let (code, md, _) = run(&mut sample_ci(&["--format", "markdown"]));
    assert_eq!(code, 1);
    assert!(md.starts_with("## deadweight FAIL: `assets/sample.tar`"), "{md}");
    assert!(md.contains("| result | check | limit | actual | measures |"), "{md}");
    assert!(
        md.contains("| **FAIL** | `lowestEfficiency` | &gt;= 90.00% | 69.52% |"),
        "{md}"
    );
    assert!(md.contains("- `fail_on` (line 8): DW501"), "{md}");
    assert!(md.contains("| 1 MiB | **error** | DW501 | 8 |"), "{md}");
    assert!(
        md.trim_end().lines().last().unwrap().starts_with("FAIL: 3 of 3"),
        "{md}"
    );
    // Without CI mode `--format markdown` still renders the findings, and exits 0.
    let (code, md, _) = run(bin()
        .current_dir(root())
        .args(["assets/sample.tar", "--format", "markdown"]));
    assert_eq!(code, 0);
    assert!(md.starts_with("## deadweight report") && md.contains("DW501"), "{md}");
}

#[test]
fn sarif_is_2_1_0_with_results_on_dockerfile_lines() {
    let (code, out, _) = run(&mut sample_ci(&["--format", "sarif"]));
    assert_eq!(code, 1);
    let log: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(log["version"], "2.1.0");
    assert!(log["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "deadweight");
    let rules = driver["rules"].as_array().unwrap();
    let results = runs[0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let id = r["ruleId"].as_str().unwrap();
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], id, "ruleIndex points at its rule");
        assert!(rules[idx]["shortDescription"]["text"].is_string());
        assert!(
            ["error", "warning", "note", "none"].contains(&r["level"].as_str().unwrap()),
            "{r}"
        );
        assert!(!r["message"]["text"].as_str().unwrap().is_empty());
        for loc in r["locations"].as_array().unwrap() {
            assert_eq!(
                loc["physicalLocation"]["artifactLocation"]["uri"],
                "assets/sample.Dockerfile"
            );
        }
    }
    let result = |id: &str| {
        results
            .iter()
            .find(|r| r["ruleId"] == id)
            .unwrap_or_else(|| panic!("{id}"))
    };
    let dw501 = result("DW501");
    assert_eq!(dw501["level"], "error");
    assert_eq!(dw501["locations"][0]["physicalLocation"]["region"]["startLine"], 8);
    let dw101 = result("DW101");
    assert_eq!(
        (
            &dw101["level"],
            &dw101["locations"][0]["physicalLocation"]["region"]["startLine"]
        ),
        (&"warning".into(), &7.into())
    );
    let budget = result("budget/fail_on");
    assert_eq!(budget["locations"][0]["physicalLocation"]["region"]["startLine"], 8);
    assert!(
        result("budget/lowestEfficiency")["message"]["text"]
            .as_str()
            .unwrap()
            .contains("69.52%")
    );
    assert_eq!(runs[0]["invocations"][0]["executionSuccessful"], true);
}

#[test]
fn junit_has_one_testcase_per_check() {
    let (code, xml, _) = run(&mut sample_ci(&["--max-total-bytes", "1GB", "--format", "junit"]));
    assert_eq!(code, 1);
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("not XML: {e}\n{xml}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let suite = root.children().find(|n| n.has_tag_name("testsuite")).unwrap();
    let cases: Vec<_> = suite.children().filter(|n| n.has_tag_name("testcase")).collect();
    let names: Vec<&str> = cases.iter().map(|c| c.attribute("name").unwrap()).collect();
    assert_eq!(
        names,
        [
            "max_total_bytes",
            "fail_on",
            "lowestEfficiency",
            "highestUserWastedPercent"
        ]
    );
    let failed: Vec<&str> = cases
        .iter()
        .filter(|c| c.children().any(|n| n.has_tag_name("failure")))
        .map(|c| c.attribute("name").unwrap())
        .collect();
    assert_eq!(failed, ["fail_on", "lowestEfficiency", "highestUserWastedPercent"]);
    assert_eq!(suite.attribute("tests"), Some("4"));
    assert_eq!(suite.attribute("failures"), Some("3"));
    let failure = cases[1].children().find(|n| n.has_tag_name("failure")).unwrap();
    assert!(failure.text().unwrap().contains("line 8: DW501"), "{xml}");
}

#[test]
fn github_annotations_and_step_summary() {
    let dir = tmp();
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "previous step\n").unwrap();
    let dockerfile = root().join("assets/sample.Dockerfile");
    let (code, out, _) = run(bin()
        .arg(sample())
        .arg("--dockerfile")
        .arg(&dockerfile)
        .arg("--ci")
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_WORKSPACE", root())
        .env("GITHUB_STEP_SUMMARY", &summary));
    assert_eq!(code, 1);
    let notes: Vec<&str> = out.lines().filter(|l| l.starts_with("::")).collect();
    let on = |level: &str, line: usize, rule: &str| {
        let head = format!("::{level} file=assets/sample.Dockerfile,line={line},title=deadweight {rule}%3A ");
        notes.iter().any(|n| n.starts_with(&head))
    };
    assert!(on("error", 8, "DW501"), "an error finding on its line: {notes:#?}");
    assert!(on("warning", 7, "DW101"), "{notes:#?}");
    assert!(on("error", 6, "DW405"), "{notes:#?}");
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("::error title=deadweight%3A lowestEfficiency failed::")),
        "{notes:#?}"
    );
    assert!(notes.iter().all(|n| !n.contains('\r')), "messages are escaped");
    let text = std::fs::read_to_string(&summary).unwrap();
    assert!(
        text.starts_with("previous step\n## deadweight FAIL"),
        "appended, not replaced: {text}"
    );
    // Outside GitHub Actions there are no workflow commands.
    let (_, out, _) = run(bin().arg(sample()).arg("--ci"));
    assert!(!out.lines().any(|l| l.starts_with("::")), "{out}");
}

#[test]
fn sizes_are_binary_by_default_and_decimal_with_si() {
    let text = |args: &[&str]| {
        let out = bin()
            .current_dir(root())
            .args(["assets/sample.tar", "--text"])
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    // 3,911,680 shipped bytes: 3.73 MiB, or 3.91 MB as dive and docker print it.
    let binary = text(&[]);
    assert!(binary.contains("Size       3.73 MiB in 8 layers"), "{binary}");
    assert!(!binary.contains(" MB") && !binary.contains(" kB"), "{binary}");
    let decimal = text(&["--si"]);
    assert!(decimal.contains("Size       3.91 MB in 8 layers"), "{decimal}");
    assert!(!decimal.contains("MiB") && !decimal.contains("KiB"), "{decimal}");
    // CI mode too; a size given to a flag keeps its own unit whatever the display.
    let (code, ci, _) = run(&mut sample_ci(&["--si", "--max-layer-bytes", "1MiB"]));
    assert_eq!(code, 1);
    assert!(ci.contains("1.05 MB"), "{ci}");
    let (_, ci_binary, _) = run(&mut sample_ci(&["--max-layer-bytes", "1MiB"]));
    assert!(ci_binary.contains("1 MiB"), "{ci_binary}");
    // Machine outputs carry bytes and do not change.
    let json = |args: &[&str]| {
        let out = bin()
            .current_dir(root())
            .args(["assets/sample.tar", "--json", "-"])
            .args(args)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(json(&[]), json(&["--si"]));
}
