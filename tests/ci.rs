//! CI mode (issue 5): exit status for pass, fail, bad configuration and unreadable images; each
//! budget kind at its boundary through the library; growth against a baseline; findings in base
//! layers. dive's rules and `.dive-ci` are in `ci_dive`, output formats and GitHub annotations
//! in `ci_outputs`.

use std::path::{Path, PathBuf};

use deadweight::analysis::Analysis;
use deadweight::catalogue::Severity;
use deadweight::config::ci::{ByteSize, CiConfig, DiveRule, Ratio};
use deadweight::report::ci::{Amount, Budgets, Check, Verdict, evaluate};

use crate::support::fixture::{Image, Layer};
use crate::support::layout::Format;
use crate::support::{analyze_image, bin, fails, tmp};

/// `assets/sample.tar`, which fails dive's default rules (efficiency 0.70).
pub fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/sample.tar")
}

/// An image with nothing to complain about by dive's rules: no path in two layers.
pub fn clean() -> Image {
    Image::new()
        .layer(
            "ADD rootfs.tar / # base",
            Layer::new()
                .file("etc/os-release", "ID=debian\n")
                .file("bin/app", vec![1u8; 5000]),
        )
        .layer("COPY app /app", Layer::new().file("app/main.py", "print(1)\n"))
}

/// An image with a pip cache (DW101, a warning) in a RUN layer and a rewritten file.
fn careless() -> Image {
    clean()
        .layer(
            "RUN /bin/sh -c pip install flask # buildkit",
            Layer::new()
                .file("root/.cache/pip/http/1/abc", vec![1u8; 3000])
                .file("usr/lib/python3/site-packages/flask/__init__.py", vec![b'x'; 1000]),
        )
        .layer(
            "RUN /bin/sh -c sed -i s/1/2/ /bin/app # buildkit",
            Layer::new().file("bin/app", vec![2u8; 5000]),
        )
}

/// Runs the command; returns the exit code, stdout and stderr. Never a panic.
pub fn run(cmd: &mut assert_cmd::Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(!stderr.contains("panicked"), "the binary panicked: {stderr}");
    (
        out.status.code().unwrap_or(-1),
        stdout.into_owned(),
        stderr.into_owned(),
    )
}

pub(crate) fn verdict(a: &Analysis, cfg: CiConfig) -> Verdict {
    evaluate(a, &Budgets::resolve(cfg, false).unwrap(), None)
}

/// `cfg` with dive's default rules switched off, so the verdict is the budget's alone.
fn alone(mut cfg: CiConfig) -> CiConfig {
    cfg.lowest_efficiency.get_or_insert(DiveRule::Disabled);
    cfg.highest_user_wasted_percent.get_or_insert(DiveRule::Disabled);
    cfg
}

pub(crate) fn check<'a>(v: &'a Verdict, name: &str) -> &'a Check {
    v.checks
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no check {name}: {v:#?}"))
}

#[test]
fn exit_status_pass_fail_bad_config_unreadable_image() {
    let dir = tmp();
    let clean = Format::OciArchive.save(dir.path(), &[clean()]);
    let (code, out, _) = run(bin().arg(&clean).arg("--ci"));
    assert_eq!(code, 0, "{out}");
    assert!(out.lines().last().unwrap().starts_with("PASS"), "{out}");
    let (code, out, _) = run(bin().arg(sample()).arg("--ci"));
    assert_eq!(code, 1, "{out}");
    assert!(
        out.lines().last().unwrap().starts_with("FAIL: 2 of 2 checks failed"),
        "{out}"
    );
    // Unreadable image and bad budgets are 2, and say which.
    assert!(fails(bin().arg(dir.path().join("nope.tar")).arg("--ci")).contains("nope.tar"));
    let stderr = fails(bin().arg(&clean).args(["--ci", "--max-total-bytes", "lots"]));
    assert!(stderr.contains("lots"), "{stderr}");
    let stderr = fails(bin().arg(&clean).args(["--fail-on", "DW9*"]));
    assert!(stderr.contains("matches no rule"), "{stderr}");
    for (toml, needle) in [
        ("[ci]\nmax_total_bytes = \"lots\"\n", "max_total_bytes"),
        ("[ci]\nmax_totl_bytes = 5\n", "max_totl_bytes"),
        ("[ci]\nlowestEfficiency = nan\n", "out of range"),
        ("[ci]\nmax_reclaimable_share = 1.5\n", "out of range"),
        ("[ci]\nfail_on_severity = \"fatal\"\n", "fatal"),
    ] {
        std::fs::write(dir.path().join(".deadweight.toml"), toml).unwrap();
        let stderr = fails(bin().current_dir(dir.path()).arg(&clean).arg("--ci"));
        assert!(stderr.contains(needle), "{toml}: {stderr}");
    }
}

#[test]
fn ci_env_turns_ci_mode_on_and_flags_win_over_the_file() {
    let (code, out, _) = run(bin().arg(sample()).env("CI", "true"));
    assert_eq!(code, 1, "CI=true with stdout a pipe is CI mode: {out}");
    let (code, out, _) = run(bin().arg(sample()).env("CI", "false"));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("INSTRUCTION"), "the plain summary: {out}");
    let dir = tmp();
    std::fs::write(
        dir.path().join(".deadweight.toml"),
        "[ci]\nlowestEfficiency = \"off\"\nmax_total_bytes = 1\n",
    )
    .unwrap();
    let off = ["--ci", "--highest-user-wasted-percent", "off"];
    let (code, out, _) = run(bin().current_dir(dir.path()).arg(sample()).args(off));
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("FAIL  max_total_bytes") && !out.contains("lowestEfficiency"),
        "{out}"
    );
    let (code, out, _) = run(bin()
        .current_dir(dir.path())
        .arg(sample())
        .args(off)
        .args(["--max-total-bytes", "4MB"]));
    assert_eq!(code, 0, "{out}");
}

/// Sets one budget of a configuration.
type SetBudget = fn(&mut CiConfig, u64);

#[test]
fn every_size_budget_at_its_boundary() {
    let dir = tmp();
    let a = analyze_image(dir.path(), &careless());
    let t = a.totals;
    let largest = a.layers().iter().map(|l| l.scan.content_bytes).max().unwrap();
    assert_eq!(largest, 5000 + 10);
    let cases: [(&str, u64, SetBudget); 6] = [
        ("max_total_bytes", t.bytes, |c, v| c.max_total_bytes = Some(ByteSize(v))),
        ("max_final_bytes", t.final_bytes, |c, v| {
            c.max_final_bytes = Some(ByteSize(v))
        }),
        ("max_user_bytes", t.user_bytes, |c, v| {
            c.max_user_bytes = Some(ByteSize(v))
        }),
        ("max_compressed_bytes", t.compressed_bytes, |c, v| {
            c.max_compressed_bytes = Some(ByteSize(v))
        }),
        ("max_reclaimable_bytes", t.reclaimable_bytes, |c, v| {
            c.max_reclaimable_bytes = Some(ByteSize(v))
        }),
        ("max_layer_bytes", largest, |c, v| c.max_layer_bytes = Some(ByteSize(v))),
    ];
    assert!(t.reclaimable_bytes >= 3000, "the pip cache is reclaimable: {t:?}");
    for (name, actual, set) in cases {
        for (limit, passes) in [(actual, true), (actual - 1, false)] {
            let mut cfg = CiConfig::default();
            set(&mut cfg, limit);
            let v = verdict(&a, alone(cfg));
            let c = check(&v, name);
            assert_eq!(c.actual, Amount::Int(actual as i64), "{name}");
            assert_eq!((c.passed, v.passed), (passes, passes), "{name} at {limit}: {c:?}");
        }
    }
    let v = verdict(
        &a,
        CiConfig {
            max_layer_bytes: Some(ByteSize(4000)),
            ..Default::default()
        },
    );
    let blamed: Vec<Option<usize>> = check(&v, "max_layer_bytes").blame.iter().map(|b| b.layer).collect();
    assert_eq!(blamed, [Some(0), Some(3)], "both 5 kB layers are blamed, largest first");
    let share = t.reclaimable_bytes as f64 / t.user_bytes as f64;
    let v = verdict(
        &a,
        CiConfig {
            max_reclaimable_share: Some(Ratio(share)),
            ..Default::default()
        },
    );
    assert!(check(&v, "max_reclaimable_share").passed);
    let v = verdict(
        &a,
        CiConfig {
            max_reclaimable_share: Some(Ratio(share * 0.99)),
            ..Default::default()
        },
    );
    assert!(!check(&v, "max_reclaimable_share").passed);
}

#[test]
fn finding_budgets_by_rule_glob_and_severity() {
    let dir = tmp();
    let a = analyze_image(dir.path(), &careless());
    assert!(a.findings.iter().any(|f| f.rule == "DW101"), "{:#?}", a.findings);
    let by_rule = |p: &str| {
        verdict(
            &a,
            CiConfig {
                fail_on: Some(vec![p.into()]),
                ..Default::default()
            },
        )
    };
    for p in ["DW101", "DW1*", "dw10?"] {
        let v = by_rule(p);
        let c = check(&v, "fail_on");
        assert!(
            !c.passed && c.blame.iter().any(|b| b.text.starts_with("DW101")),
            "{p}: {c:?}"
        );
        assert!(
            v.failing_findings
                .iter()
                .all(|&i| a.findings[i].rule.starts_with("DW10"))
        );
    }
    assert!(check(&by_rule("DW405"), "fail_on").passed, "no secret in this image");
    let by_sev = |s| {
        verdict(
            &a,
            CiConfig {
                fail_on_severity: Some(s),
                ..Default::default()
            },
        )
    };
    let worst = a.findings.iter().map(|f| f.severity).max().unwrap();
    assert!(!check(&by_sev(worst), "fail_on_severity").passed);
    if worst < Severity::Error {
        assert!(check(&by_sev(Severity::Error), "fail_on_severity").passed);
    }
    let all = by_sev(Severity::Info);
    let c = check(&all, "fail_on_severity");
    assert_eq!(c.actual, Amount::Int(a.findings.len() as i64));
}

#[test]
fn growth_against_a_baseline() {
    let dir = tmp();
    let old = Format::OciArchive.save(dir.path(), &[clean()]);
    let grown = clean().layer(
        "RUN /bin/sh -c make # buildkit",
        Layer::new().file("opt/build.bin", vec![3u8; 20_000]),
    );
    let new_dir = tmp();
    let new = Format::OciArchive.save(new_dir.path(), &[grown]);
    let report = dir.path().join("old.json");
    assert!(
        bin()
            .arg(&old)
            .arg("--json")
            .arg(&report)
            .output()
            .unwrap()
            .status
            .success()
    );
    let ci = |args: &[&str]| run(bin().arg(&new).arg("--baseline").arg(&report).args(args));
    let (code, out, _) = ci(&["--max-growth", "20KB"]);
    assert_eq!(code, 0, "exactly 20,000 bytes more: {out}");
    let (code, out, _) = ci(&["--max-growth", "19999"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("FAIL  max_growth"), "{out}");
    let (code, out, _) = ci(&["--max-instruction-growth", "1KB"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("RUN make"), "the new instruction is blamed: {out}");
    let (code, out, _) = ci(&["--max-growth", "5%"]);
    assert_eq!(code, 1, "{out}");
    // Against itself nothing grew: matched by instruction text, 0 bytes and 0% of growth.
    let (code, out, _) = run(bin().arg(&old).arg("--baseline").arg(&report).args([
        "--max-instruction-growth",
        "0%",
        "--max-growth",
        "0",
    ]));
    assert_eq!(code, 0, "{out}");
    assert!(fails(bin().arg(&new).arg("--baseline").arg(&report)).contains("growth budget"));
    assert!(fails(bin().arg(&new).args(["--max-growth", "1MB"])).contains("--baseline"));
    let junk = dir.path().join("junk.json");
    std::fs::write(&junk, "{\"not\": \"a report\"}").unwrap();
    assert!(fails(bin().arg(&new).arg("--baseline").arg(&junk).args(["--max-growth", "1"])).contains("junk.json"));
}

/// Findings in the base image's layers (here the pip cache of a careless base) are listed but
/// do not fail `--fail-on*`, since the Dockerfile being checked cannot fix them; the check says
/// how many it left out, and `--fail-on-base` (or `fail_on_base` in the file) counts them.
/// A base layer's finding is information (issue 19), so a severity budget meets it at `info`.
#[test]
fn findings_in_base_layers_fail_only_when_asked() {
    let dir = tmp();
    let base_waste = Image::new()
        .layer(
            "ADD rootfs.tar / # base",
            Layer::new()
                .file("etc/os-release", "ID=debian\n")
                .file("root/.cache/pip/http/1/abc", vec![1u8; 3000]),
        )
        .layer("COPY app /app", Layer::new().file("app/main.py", "print(1)\n"))
        .run_config(serde_json::json!({"User": "10001"}));
    let img = Format::OciArchive.save(dir.path(), &[base_waste]);
    let ci = |args: &[&str]| run(bin().arg(&img).args(["--lowest-efficiency", "off"]).args(args));
    for budget in [["--fail-on", "DW101"], ["--fail-on-severity", "info"]] {
        let (code, out, _) = ci(&budget);
        assert_eq!(code, 0, "{out}");
        assert!(out.contains("1 more in base-image layers not counted"), "{out}");
        let (code, out, _) = ci(&[budget[0], budget[1], "--fail-on-base"]);
        assert_eq!(code, 1, "{out}");
        assert!(out.contains("DW101"), "{out}");
    }
    std::fs::write(
        dir.path().join("base.toml"),
        "[ci]\nfail_on = [\"DW101\"]\nfail_on_base = true\n",
    )
    .unwrap();
    let (code, out, _) = ci(&["--config", dir.path().join("base.toml").to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
}
