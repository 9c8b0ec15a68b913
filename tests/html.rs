//! The HTML report through the real binary and the library: hostile file names stay text (in
//! the markup and in the data islands), the report island is the JSON report, one findings row
//! per finding, `--html FILE` beside CI mode keeps its exit status and carries the verdict, the
//! treemap's tree adds up to the totals and folds small files, and the diff page embeds the
//! diff's JSON. The real-browser checks are in `browser.rs`.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::support::fixture::{Image, Layer};
use crate::support::{bin, layout, tmp};
use deadweight::report::html::{self, REPORT_ISLAND, TREE_ISLAND, diff::DIFF_ISLAND, tree};

/// A name built to break out of HTML, of the JSON island and of attributes.
pub const HOSTILE: &str = "</script><script>alert(1)</script>";

/// An image with a path ending in [`HOSTILE`] that a later layer deletes (so a finding names
/// it), another in the pip cache, a directory named like a comment opener and a quoted name.
pub fn hostile_image(dir: &Path) -> PathBuf {
    let img = Image::new()
        .layer(
            "ADD rootfs.tar / # base",
            Layer::new()
                .file("etc/os-release", "ID=debian\n")
                .file("usr/bin/app", vec![1u8; 40_000]),
        )
        .layer(
            "RUN pip install -r requirements.txt",
            Layer::new()
                .file(format!("root/.cache/pip/http/{HOSTILE}"), vec![7u8; 30_000])
                .file("srv/<!--/\"quoted' & <b>.txt", vec![3u8; 20_000])
                .file(format!("tmp/{HOSTILE}"), vec![5u8; 50_000]),
        )
        .layer("RUN rm -rf /tmp/*", Layer::new().whiteout("tmp/<"));
    let path = dir.join("hostile.tar");
    layout::oci_index(std::slice::from_ref(&img), false).write_tar(&path)
}

/// Runs `deadweight ARGS...`, returns exit code and stdout.
fn run(args: &[&std::ffi::OsStr]) -> (Option<i32>, String) {
    let out = bin().args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    (out.status.code(), String::from_utf8(out.stdout).unwrap())
}

fn island(page: &str, id: &str) -> Value {
    let text = html::island_text(page, id).unwrap_or_else(|| panic!("no island {id}"));
    serde_json::from_str(text).unwrap()
}

#[test]
fn hostile_names_stay_text_and_the_island_is_the_json_report() {
    let dir = tmp();
    let image = hostile_image(dir.path());
    let (code, page) = run(&[image.as_os_str(), "--format".as_ref(), "html".as_ref()]);
    assert_eq!(code, Some(0));
    let (_, json) = run(&[image.as_os_str(), "--json".as_ref(), "-".as_ref()]);
    let report: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(island(&page, REPORT_ISLAND), report);

    // Exactly the page's own three script elements: two data islands and the script.
    assert_eq!(page.matches("<script").count(), 3, "a name opened a script element");
    assert_eq!(page.matches("</script>").count(), 3, "a name closed a script element");
    assert!(!page.contains("<!--/"), "a name opened a comment");
    assert!(!page.contains("<b>"), "a name became markup");
    // The name is in the finding's paths, escaped as text.
    let escaped = "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;";
    assert!(page.contains(&format!("<code>/tmp/{escaped}</code>")));
    let finding = report["findings"].as_array().unwrap().iter().find(|f| {
        f["paths"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["path"].as_str().unwrap().ends_with(HOSTILE))
    });
    assert!(finding.is_some(), "no finding names the hostile file: {report:#}");
    // The tree island carries the names verbatim once parsed.
    let tree = island(&page, TREE_ISLAND);
    let names = |n: &Value| -> Vec<String> {
        n[6].as_array()
            .unwrap()
            .iter()
            .map(|c| c[0].as_str().unwrap().to_string())
            .collect()
    };
    let srv = tree[6].as_array().unwrap().iter().find(|c| c[0] == "srv").unwrap();
    assert_eq!(names(srv), ["<!--"]);
    assert_eq!(names(&srv[6][0]), ["\"quoted' & <b>.txt"]);

    // The policy allows no request and only the page's own script, by its hash.
    let script = page
        .rsplit("<script>")
        .next()
        .unwrap()
        .split("</script>")
        .next()
        .unwrap();
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(script.as_bytes()));
    assert!(page.contains(&format!(
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{hash}'"
    )));
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "the page names a URL"
    );
}

#[test]
fn one_findings_row_per_finding_and_one_package_row_per_package() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/sample.tar");
    let (code, page) = run(&[sample.as_os_str(), "--format".as_ref(), "html".as_ref()]);
    assert_eq!(code, Some(0));
    let report = island(&page, REPORT_ISLAND);
    let findings = report["findings"].as_array().unwrap();
    assert!(findings.len() > 5);
    assert_eq!(page.matches("<tr class=\"finding\">").count(), findings.len());
    for f in findings {
        let row = format!(
            "data-rule=\"{}\" data-bytes=\"{}\"",
            f["rule"].as_str().unwrap(),
            f["reclaimable_bytes"]
        );
        assert!(page.contains(&row), "no row {row}");
    }
    let p = &report["packages"];
    let packages: usize = ["python", "debian", "alpine"]
        .iter()
        .map(|k| p[k].as_array().map_or(0, |a| a.len()))
        .sum();
    assert!(packages > 0);
    assert_eq!(page.matches("<tr class=\"package\"").count(), packages);
}

#[test]
fn html_beside_ci_mode_keeps_the_exit_status_and_shows_the_verdict() {
    let dir = tmp();
    let image = hostile_image(dir.path());
    let out = dir.path().join("report.html");
    let (code, stdout) = run(&[
        image.as_os_str(),
        "--ci".as_ref(),
        "--max-final-bytes".as_ref(),
        "1kB".as_ref(),
        "--html".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("FAIL"), "the CI text still goes to stdout: {stdout}");
    let page = std::fs::read_to_string(&out).unwrap();
    let report = island(&page, REPORT_ISLAND);
    assert_eq!(report["ci"]["passed"], false);
    assert!(page.contains("<h2>CI: FAIL</h2>"));

    // Without CI mode, `--html` writes the page and the text summary still prints.
    let plain = dir.path().join("plain.html");
    let (code, stdout) = run(&[
        image.as_os_str(),
        "--text".as_ref(),
        "--html".as_ref(),
        plain.as_os_str(),
    ]);
    assert_eq!(code, Some(0));
    assert!(!stdout.is_empty() && !stdout.contains("<html"));
    let page = std::fs::read_to_string(&plain).unwrap();
    assert!(island(&page, REPORT_ISLAND).get("ci").is_none());
    assert!(!page.contains("CI: "));

    // `--html -` is refused before the image is read: stdout is `--format html`'s.
    let err = crate::support::fails(bin().arg(&image).args(["--html", "-"]));
    assert!(err.contains("--format html"), "{err}");
}

#[test]
fn the_tree_adds_up_to_the_totals_and_folds_small_files() {
    let mut layer = Layer::new()
        .file("data/big.bin", vec![1u8; 2_000_000])
        .file("tmp/scratch.bin", vec![2u8; 5000]);
    for i in 0..300 {
        layer = layer.file(format!("data/{i:03}.txt"), [b'x'; 3]);
    }
    let img = Image::new()
        .layer("COPY data /data", layer)
        .layer("RUN rm /tmp/scratch.bin", Layer::new().whiteout("tmp/scratch.bin"));
    let dir = tmp();
    let path = layout::oci_index(std::slice::from_ref(&img), false).write_tar(&dir.path().join("i.tar"));
    let a = crate::support::analyze(path.to_str().unwrap());
    let root = tree::build(&a);
    assert_eq!(root.final_bytes, a.totals.final_bytes);
    assert_eq!(root.hidden_bytes, a.totals.hidden_bytes);
    assert_eq!((root.hidden_bytes, root.files), (5000, 302));
    // The three-byte files are below the shipped bytes / DETAIL, so /data shows the big file and
    // one fold; /tmp is only hidden bytes.
    let top: Vec<(&str, u64, u64)> = root
        .children
        .as_ref()
        .unwrap()
        .iter()
        .map(|c| (c.name.as_str(), c.final_bytes, c.hidden_bytes))
        .collect();
    assert_eq!(top, [("data", 2_000_900, 0), ("tmp", 0, 5000)]);
    let data = &root.children.as_ref().unwrap()[0];
    let kids: Vec<(&str, u64, u64, u64)> = data
        .children
        .as_ref()
        .unwrap()
        .iter()
        .map(|c| (c.name.as_str(), c.final_bytes, c.hidden_bytes, c.files))
        .collect();
    assert_eq!(kids, [("big.bin", 2_000_000, 0, 1), ("(300 small files)", 900, 0, 300)]);
}

#[test]
fn the_diff_page_embeds_the_diff_and_a_row_per_change() {
    let dir = tmp();
    let old = Image::new().layer("COPY app /app", Layer::new().file("app/a.bin", vec![1u8; 1000]));
    let new = Image::new()
        .layer("COPY app /app", Layer::new().file("app/a.bin", vec![1u8; 3000]))
        .layer(
            "COPY models /models",
            Layer::new().file(format!("models/{HOSTILE}"), vec![2u8; 500]),
        );
    let write =
        |img: &Image, name: &str| layout::oci_index(std::slice::from_ref(img), false).write_tar(&dir.path().join(name));
    let (o, n) = (write(&old, "old.tar"), write(&new, "new.tar"));
    let file = dir.path().join("diff.html");
    let args = ["diff".as_ref(), o.as_os_str(), n.as_os_str()];
    let (code, page) = run(&[
        &args[..],
        &[
            "--format".as_ref(),
            "html".as_ref(),
            "--html".as_ref(),
            file.as_os_str(),
        ],
    ]
    .concat());
    assert_eq!(code, Some(0));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), page);
    let (_, json) = run(&[&args[..], &["--json".as_ref(), "-".as_ref()]].concat());
    let diff: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(island(&page, DIFF_ISLAND), diff);
    let changes: usize = ["instructions", "packages", "directories"]
        .iter()
        .map(|s| diff[s]["changes"].as_array().unwrap().len())
        .sum();
    assert!(changes >= 3, "{diff:#}");
    assert_eq!(page.matches("<tr class=\"change ").count(), changes);
    assert!(page.contains(
        "<tr class=\"change appeared\" data-status=\"appeared\" data-name=\"/models\" data-old=\"0\" data-new=\"500\""
    ));
    let tree = island(&page, TREE_ISLAND);
    // Both sides are images, so the treemap goes below the top level: NEW's bytes, then OLD's.
    let app = tree[6].as_array().unwrap().iter().find(|c| c[0] == "app").unwrap();
    assert_eq!((app[1].as_u64(), app[2].as_u64()), (Some(3000), Some(1000)));
    assert_eq!(app[6][0], serde_json::json!(["a.bin", 3000, 1000, 0, 0, 1]));
    let models = tree[6].as_array().unwrap().iter().find(|c| c[0] == "models").unwrap();
    assert_eq!((models[1].as_u64(), models[2].as_u64()), (Some(500), Some(0)));
    // Against a report, only the top-level directories are known.
    let report = dir.path().join("old.json");
    assert!(
        bin()
            .arg(&o)
            .arg("--json")
            .arg(&report)
            .output()
            .unwrap()
            .status
            .success()
    );
    let (code, page) = run(&[
        "diff".as_ref(),
        report.as_os_str(),
        n.as_os_str(),
        "--format".as_ref(),
        "html".as_ref(),
    ]);
    assert_eq!(code, Some(0));
    let tree = island(&page, TREE_ISLAND);
    assert!(tree[6].as_array().unwrap().iter().all(|c| c.get(6).is_none()), "{tree}");
    assert_eq!(page.matches("<script").count(), 3);
}
