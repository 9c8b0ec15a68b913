//! `deadweight diff OLD NEW` through the real binary: two built images where a layer grew, a
//! Python package and a top-level directory appeared and a layer disappeared (exact numbers from
//! the JSON, rows of the Markdown table, the text); two reports and an image against a report
//! giving the same figures; unreadable sides exit 2 naming OLD or NEW; two corpus images whose
//! totals are the difference of their single-image reports; reports without `directories`. Also `completions`, `man` and the
//! examples of `--help`.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::fixture::{Image, Layer};
use crate::support::{bin, corpus_dir, fails, layout, report_of, tmp};

const SITE: &str = "usr/lib/python3.12/site-packages";

/// A Python distribution `NAME-1.0` with a module of `module_bytes`; returns the layer and the
/// bytes the package has in the final filesystem (the module, METADATA and the RECORD itself).
fn dist(layer: Layer, name: &str, module_bytes: usize) -> (Layer, u64) {
    let metadata = format!("Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n");
    let record =
        format!("{name}/__init__.py,,{module_bytes}\n{name}-1.0.dist-info/METADATA,,\n{name}-1.0.dist-info/RECORD,,\n");
    let bytes = (module_bytes + metadata.len() + record.len()) as u64;
    let layer = layer
        .file(format!("{SITE}/{name}/__init__.py"), vec![b'#'; module_bytes])
        .file(format!("{SITE}/{name}-1.0.dist-info/METADATA"), metadata)
        .file(format!("{SITE}/{name}-1.0.dist-info/RECORD"), record);
    (layer, bytes)
}

fn base() -> Layer {
    Layer::new()
        .file("etc/os-release", "ID=debian\n")
        .file("usr/bin/app", vec![1u8; 5000])
}

/// OLD: base, `RUN pip install six`, a scratch file in /tmp, the app. NEW: the pip layer also
/// installs `requests`, the scratch layer is gone, and a models layer adds /models. Returns the
/// paths and the bytes `requests` adds.
fn two_images(dir: &Path) -> (PathBuf, PathBuf, u64) {
    let (six, _) = dist(Layer::new(), "six", 1000);
    let old = Image::new()
        .layer("ADD rootfs.tar / # base", base())
        .layer("RUN pip install six", six)
        .layer(
            "RUN echo scratch > /tmp/scratch",
            Layer::new().file("tmp/scratch", "scratch\n"),
        )
        .layer("COPY app /app", Layer::new().file("app/main.py", vec![b'p'; 100]));
    let (six, _) = dist(Layer::new(), "six", 1000);
    let (pip, requests) = dist(six, "requests", 3000);
    let new = Image::new()
        .layer("ADD rootfs.tar / # base", base())
        .layer("RUN pip install six", pip)
        .layer("COPY app /app", Layer::new().file("app/main.py", vec![b'p'; 100]))
        .layer(
            "COPY models /models",
            Layer::new().file("models/m.bin", vec![9u8; 2000]),
        );
    let write =
        |img: &Image, name: &str| layout::oci_index(std::slice::from_ref(img), false).write_tar(&dir.join(name));
    (write(&old, "old.tar"), write(&new, "new.tar"), requests)
}

/// Runs `deadweight diff ARGS... --json -` and parses the diff.
fn diff_json(args: &[&Path]) -> Value {
    let out = bin().arg("diff").args(args).args(["--json", "-"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "deadweight diff {args:?} failed: {stderr}");
    serde_json::from_slice(&out.stdout).unwrap()
}

fn report_file(image: &Path, dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let out = bin().arg(image).arg("--json").arg(&path).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    path
}

/// The changes of a section as `(status, name, change)`.
fn rows(d: &Value, section: &str) -> Vec<(String, String, i64)> {
    d[section]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["status"].as_str().unwrap().to_string(),
                c["name"].as_str().unwrap().to_string(),
                c["change"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn row(status: &str, name: &str, change: i64) -> (String, String, i64) {
    (status.to_string(), name.to_string(), change)
}

#[test]
fn diff_of_two_built_images() {
    let dir = tmp();
    let (old, new, requests) = two_images(dir.path());
    let d = diff_json(&[&old, &new]);
    assert_eq!(
        (d["schema_version"].as_u64(), d["kind"].as_str()),
        (Some(1), Some("deadweight-diff"))
    );
    assert_eq!(
        (d["old"]["input"].as_str(), d["new"]["input"].as_str()),
        (Some("image"), Some("image"))
    );
    let grown = requests as i64 + 2000 - 8;
    let (o, n) = (report_of(&old), report_of(&new));
    for key in ["bytes", "final_bytes", "hidden_bytes", "reclaimable_bytes", "files"] {
        let t = &d["totals"][key];
        assert_eq!(t["old"], o["totals"][key], "{key}");
        assert_eq!(t["new"], n["totals"][key], "{key}");
    }
    assert_eq!(d["totals"]["bytes"]["change"].as_i64(), Some(grown));
    assert_eq!(d["totals"]["final_bytes"]["change"].as_i64(), Some(grown));
    assert_eq!(d["totals"]["files"]["change"].as_i64(), Some(3 + 1 - 1));
    assert_eq!(d["totals"]["layers"]["change"].as_i64(), Some(0));

    assert_eq!(
        rows(&d, "instructions"),
        [
            row("grew", "RUN pip install six", requests as i64),
            row("appeared", "COPY models /models", 2000),
            row("disappeared", "RUN echo scratch > /tmp/scratch", -8),
        ]
    );
    assert_eq!(d["instructions"]["unchanged"].as_u64(), Some(2));
    let pip = &d["instructions"]["changes"][0];
    assert_eq!(
        (pip["old_layer"].as_u64(), pip["new_layer"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(
        pip["new_bytes"].as_i64().unwrap() - pip["old_bytes"].as_i64().unwrap(),
        requests as i64
    );
    let models = &d["instructions"]["changes"][1];
    assert_eq!(
        (models["old_layer"].as_u64(), models["new_layer"].as_u64()),
        (None, Some(3))
    );

    assert_eq!(rows(&d, "packages"), [row("appeared", "requests", requests as i64)]);
    assert_eq!(d["packages"]["changes"][0]["ecosystem"], "python");
    assert_eq!(d["packages"]["changes"][0]["new_version"], "1.0");
    assert_eq!(d["packages"]["unchanged"].as_u64(), Some(1), "six is the same");

    assert_eq!(
        rows(&d, "directories"),
        [
            row("grew", "/usr", requests as i64),
            row("appeared", "/models", 2000),
            row("disappeared", "/tmp", -8),
        ]
    );
    assert_eq!(d["directories"]["unchanged"].as_u64(), Some(2), "/etc and /app");

    // Markdown: one table row per change, escaped for a PR comment.
    let out = bin()
        .arg("diff")
        .arg(&old)
        .arg(&new)
        .args(["--markdown", "-", "--si"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let md = String::from_utf8(out.stdout).unwrap();
    for line in [
        "| files | 7 | 10 | +3 | +42.9% |",
        "| +2 kB | appeared | 0 B | 2 kB | - → 3 | `COPY models /models` |",
        "| -8 B | disappeared | 8 B | 0 B | 2 → - | `RUN echo scratch > /tmp/scratch` |",
        "| +2 kB | appeared | 0 B | 2 kB | `/models` |",
    ] {
        assert!(md.lines().any(|l| l == line), "no row {line:?} in:\n{md}");
    }
    assert!(
        md.contains("| appeared | 0 B |") && md.contains("python `requests` | 1.0 |"),
        "{md}"
    );

    // Text on stdout, the JSON and Markdown written to files at the same time.
    let (json, markdown) = (dir.path().join("diff.json"), dir.path().join("diff.md"));
    let out = bin()
        .arg("diff")
        .arg(&old)
        .arg(&new)
        .arg("--json")
        .arg(&json)
        .arg("--markdown")
        .arg(&markdown)
        .arg("--si")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("Instructions: 1 grew, 1 appeared, 1 disappeared, 2 unchanged"),
        "{text}"
    );
    assert!(
        text.contains("python requests 1.0") && text.contains("/models"),
        "{text}"
    );
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(written, d);
    assert_eq!(std::fs::read_to_string(&markdown).unwrap(), md);
}

#[test]
fn reports_and_images_give_the_same_diff() {
    let dir = tmp();
    let (old, new, _) = two_images(dir.path());
    let (old_r, new_r) = (
        report_file(&old, dir.path(), "old.json"),
        report_file(&new, dir.path(), "new.json"),
    );
    let images = diff_json(&[&old, &new]);
    let same = |d: &Value| {
        for section in ["totals", "instructions", "packages", "directories"] {
            assert_eq!(d[section], images[section], "{section}");
        }
    };
    assert_eq!(images["directories"]["compared"], true);
    let reports = diff_json(&[&old_r, &new_r]);
    same(&reports);
    assert_eq!(reports["old"]["input"], "report");
    assert_eq!(reports["old"]["reference"], old.to_str().unwrap(), "the report's image");
    let mixed = diff_json(&[&old_r, &new]);
    same(&mixed);
    assert_eq!(
        (mixed["old"]["input"].as_str(), mixed["new"]["input"].as_str()),
        (Some("report"), Some("image"))
    );

    // A report written before reports had `directories`: those are not compared, and the
    // note says which side lacks them.
    let older = |path: &Path, name: &str| {
        let mut r: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        r.as_object_mut().unwrap().remove("directories");
        let out = dir.path().join(name);
        std::fs::write(&out, serde_json::to_vec(&r).unwrap()).unwrap();
        out
    };
    let (old_r, new_r) = (older(&old_r, "old-v1.json"), older(&new_r, "new-v1.json"));
    let reports = diff_json(&[&old_r, &new_r]);
    for section in ["totals", "instructions", "packages"] {
        assert_eq!(reports[section], images[section], "{section}");
    }
    assert_eq!(reports["directories"]["compared"], false);
    assert!(reports["directories"]["changes"].as_array().unwrap().is_empty());
    let mixed = diff_json(&[&old_r, &new]);
    let note = mixed["directories"]["note"].as_str().unwrap();
    assert!(note.contains("OLD is a JSON report"), "{note}");
    let mixed = diff_json(&[&old, &new_r]);
    assert!(
        mixed["directories"]["note"]
            .as_str()
            .unwrap()
            .contains("NEW is a JSON report")
    );

    let text = bin().arg("diff").arg(&old_r).arg(&new).output().unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("(report of ") && text.contains("Top-level directories: not compared"),
        "{text}"
    );
}

#[test]
fn unreadable_sides_exit_2_naming_them() {
    let dir = tmp();
    let (old, new, _) = two_images(dir.path());
    let missing = dir.path().join("nope.tar");
    let stderr = fails(bin().arg("diff").arg(&missing).arg(&new));
    assert!(stderr.contains("OLD (") && stderr.contains("nope.tar"), "{stderr}");
    let stderr = fails(bin().arg("diff").arg(&old).arg(&missing));
    assert!(stderr.contains("NEW (") && stderr.contains("nope.tar"), "{stderr}");

    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, r#"{"schema_version": 1, "layers": []}"#).unwrap();
    let stderr = fails(bin().arg("diff").arg(&old).arg(&broken));
    assert!(
        stderr.contains("NEW (") && stderr.contains("invalid report") && stderr.contains("totals"),
        "{stderr}"
    );
    let newer = dir.path().join("newer.json");
    std::fs::write(&newer, r#"{"schema_version": 999}"#).unwrap();
    assert!(fails(bin().arg("diff").arg(&newer).arg(&new)).contains("newer deadweight"));
    let diff = dir.path().join("diff.json");
    std::fs::write(&diff, serde_json::to_string(&diff_json(&[&old, &new])).unwrap()).unwrap();
    let stderr = fails(bin().arg("diff").arg(&diff).arg(&new));
    assert!(
        stderr.contains("OLD (") && stderr.contains("a deadweight diff"),
        "{stderr}"
    );
    // JSON without `schema_version` is no report: the image loader judges it.
    let other = dir.path().join("manifest.json");
    std::fs::write(&other, r#"{"schemaVersion": 2}"#).unwrap();
    let stderr = fails(bin().arg("diff").arg(&other).arg(&new));
    assert!(stderr.contains("OLD (") && stderr.contains("not an image"), "{stderr}");

    let stderr = fails(
        bin()
            .arg("diff")
            .arg(&old)
            .arg(&new)
            .args(["--json", "-", "--markdown", "-"]),
    );
    assert!(stderr.contains("stdout"), "{stderr}");
    assert!(fails(bin().arg("diff").arg(&old)).contains("<NEW>"));
}

#[test]
fn corpus_diff_totals_are_the_difference_of_the_reports() {
    let Some(corpus) = corpus_dir() else { return };
    let old = corpus.join("tiny/tiny.oci-archive.tar");
    let new = corpus.join("py-sample/py-sample.oci-archive.tar");
    if !old.is_file() || !new.is_file() {
        eprintln!("skipped: tiny or py-sample missing from {}", corpus.display());
        return;
    }
    let d = diff_json(&[&old, &new]);
    let (o, n) = (report_of(&old), report_of(&new));
    for key in ["bytes", "final_bytes", "hidden_bytes", "reclaimable_bytes", "files"] {
        let (ov, nv) = (o["totals"][key].as_i64().unwrap(), n["totals"][key].as_i64().unwrap());
        let t = &d["totals"][key];
        assert_eq!((t["old"].as_i64(), t["new"].as_i64()), (Some(ov), Some(nv)), "{key}");
        assert_eq!(t["change"].as_i64(), Some(nv - ov), "{key}");
    }
    let layers = |r: &Value| r["layers"].as_array().unwrap().len() as i64;
    assert_eq!(d["totals"]["layers"]["change"].as_i64(), Some(layers(&n) - layers(&o)));
    // Every byte is somewhere: the listed changes add up to the totals' changes.
    let sum = |section: &str| rows(&d, section).iter().map(|r| r.2).sum::<i64>();
    assert_eq!(sum("instructions"), d["totals"]["bytes"]["change"].as_i64().unwrap());
    assert_eq!(
        sum("directories"),
        d["totals"]["final_bytes"]["change"].as_i64().unwrap()
    );
    let packages = rows(&d, "packages");
    assert!(
        packages.contains(&row(
            "appeared",
            "pytest",
            n["packages"]["python"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["name"] == "pytest")
                .unwrap()["bytes"]
                .as_i64()
                .unwrap()
        ))
    );
    assert!(
        rows(&d, "directories")
            .iter()
            .any(|r| r.0 == "appeared" && r.1 == "/usr")
    );
}

#[test]
fn completions_and_man_page() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = bin().args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}");
        let script = String::from_utf8(out.stdout).unwrap();
        assert!(script.contains("deadweight"), "{shell}");
        for sub in ["diff", "rules", "explain", "completions", "man"] {
            assert!(script.contains(sub), "{shell} completes {sub}");
        }
    }
    assert!(fails(bin().args(["completions", "tcsh"])).contains("tcsh"));
    let out = bin().arg("man").output().unwrap();
    assert!(out.status.success());
    let page = String::from_utf8(out.stdout).unwrap();
    // clap_mangen opens with roff's two-line apostrophe preamble (`.ie`/`.el`), then `.TH`.
    let first = page
        .lines()
        .find(|l| !l.starts_with(".ie ") && !l.starts_with(".el "))
        .unwrap();
    assert!(first.starts_with(".TH deadweight 1"), "{first}");
    assert!(page.contains("diff") && page.contains(".SH"));
}

#[test]
fn help_shows_an_example_of_each_mode() {
    let out = bin().arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    let examples = &help[help.find("Examples:").expect("an Examples section")..];
    for mode in [
        "deadweight app.tar\n",
        "--ci",
        "--json report.json",
        "deadweight diff",
        "deadweight rules",
        "deadweight explain",
        "deadweight completions bash",
        "deadweight man",
    ] {
        assert!(examples.contains(mode), "no example of {mode:?}:\n{examples}");
    }
    let out = bin().args(["diff", "--help"]).output().unwrap();
    assert!(String::from_utf8(out.stdout).unwrap().contains("--markdown comment.md"));
}
