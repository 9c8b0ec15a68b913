//! The HTML report in a real browser: Debian's headless Chromium loads the pages of the sample
//! image, a corpus image, the hostile-name fixture and a diff, with `--dump-dom` (the DOM after
//! the script ran) and `--screenshot`. No console message (errors, policy refusals) may appear;
//! the treemap has a rectangle per visible top-level directory (focusable, and named in the
//! list beside it), the findings table a row per finding, and the hostile name is text. Skips
//! with a notice when Chromium is absent, unless `DEADWEIGHT_REQUIRE_SERVERS` is set (CI
//! installs it). Each browser is killed by PID when its guard drops, also when a check fails.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::html::{HOSTILE, hostile_image};
use crate::support::servers::skip;
use crate::support::{bin, corpus_dir, tmp};
use deadweight::report::html::{self, REPORT_ISLAND, TREE_ISLAND};

/// The Chromium binary, when one runs here.
fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser"]
        .into_iter()
        .find(|p| crate::support::servers::have(p))
}

/// A browser process, killed when dropped.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs headless Chromium on `page` (with `#fragment` appended when given) with `mode`
/// (`--dump-dom` or `--screenshot=FILE`); returns stdout and stderr. Fails after 90 s.
fn headless(browser: &str, page: &Path, fragment: &str, mode: &str, dir: &Path) -> (String, String) {
    let (out, err) = (dir.join("stdout"), dir.join("stderr"));
    let child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .args(["--window-size=1280,2000", mode])
        .arg(format!("file://{}{fragment}", page.display()))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .unwrap();
    let mut guard = Guard(child);
    let start = Instant::now();
    while guard.0.try_wait().unwrap().is_none() {
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "{browser} did not finish in 90 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(guard);
    let read = |p: &Path| String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned();
    (read(&out), read(&err))
}

/// Writes `deadweight ARGS... --html FILE` and returns the page's path and text.
fn page(args: &[&std::ffi::OsStr], dir: &Path, name: &str) -> (PathBuf, String) {
    let path = dir.join(name);
    let out = bin().args(args).arg("--html").arg(&path).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&path).unwrap();
    (path, text)
}

/// Loads a page and checks what every page must satisfy; returns the DOM.
fn load(browser: &str, path: &Path, fragment: &str, dir: &Path) -> String {
    let (dom, log) = headless(browser, path, fragment, "--dump-dom", dir);
    let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(
        console.is_empty(),
        "console messages on {}: {console:#?}",
        path.display()
    );
    assert!(dom.contains("</html>"), "no DOM for {}: {log}", path.display());
    dom
}

/// Checks an image's page: a depth-1 rectangle per visible top-level directory, a findings row
/// per finding. `waste` also counts the top-level entries that hold only hidden bytes.
fn check_image_page(dom: &str, text: &str, waste: bool) {
    let tree: Value = serde_json::from_str(html::island_text(text, TREE_ISLAND).unwrap()).unwrap();
    let shown: Vec<&Value> = tree[6]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c[1].as_u64().unwrap() + if waste { c[2].as_u64().unwrap() } else { 0 } > 0)
        .collect();
    assert!(!shown.is_empty());
    assert_eq!(
        dom.matches("data-depth=\"1\"").count(),
        shown.len(),
        "one rectangle per top-level entry"
    );
    // Each rectangle is reachable by keyboard, and the list says the same for screen readers.
    let focusable = "tabindex=\"0\" role=\"button\" aria-label=\"/";
    assert_eq!(dom.matches(focusable).count(), shown.len());
    assert_eq!(dom.matches("<li><span class=\"name\">").count(), shown.len());
    for c in shown {
        let name = c[0].as_str().unwrap();
        if name
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
        {
            assert!(
                dom.contains(&format!("data-path=\"/{name}\" data-depth=\"1\"")),
                "no rectangle for /{name}"
            );
        }
    }
    let report: Value = serde_json::from_str(html::island_text(text, REPORT_ISLAND).unwrap()).unwrap();
    let findings = report["findings"].as_array().unwrap().len();
    assert_eq!(dom.matches("<tr class=\"finding\">").count(), findings);
}

#[test]
fn the_report_renders_in_chromium_without_errors() {
    let Some(browser) = chromium() else {
        skip("chromium is not installed (apt-get install chromium)");
        return;
    };
    let dir = tmp();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/sample.tar");
    let (path, text) = page(&[sample.as_os_str()], dir.path(), "sample.html");
    let dom = load(browser, &path, "", dir.path());
    check_image_page(&dom, &text, false);
    assert!(dom.contains("aria-pressed=\"true\">By layer</button>"));
    let (_, log) = headless(
        browser,
        &path,
        "",
        &format!("--screenshot={}", dir.path().join("s.png").display()),
        dir.path(),
    );
    let png = std::fs::read(dir.path().join("s.png")).unwrap_or_else(|e| panic!("no screenshot ({e}): {log}"));
    assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000, "not a screenshot");

    // The hostile names: shown as text in the waste colouring, where the deleted /tmp appears.
    let image = hostile_image(dir.path());
    let (path, text) = page(&[image.as_os_str()], dir.path(), "hostile.html");
    let dom = load(browser, &path, "#waste", dir.path());
    check_image_page(&dom, &text, true);
    assert!(dom.contains("aria-pressed=\"true\">Wasted or not</button>"));
    assert!(
        dom.contains("data-path=\"/tmp\" data-depth=\"1\""),
        "the deleted /tmp has no rectangle"
    );
    let escaped = "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;";
    assert!(
        dom.contains(&format!("/tmp/{escaped}")),
        "the hostile name is not shown as text"
    );
    assert!(!dom.contains("<script>alert"), "{HOSTILE} became markup");
    assert_eq!(dom.matches("<script").count(), 3, "a name became a script element");
}

#[test]
fn a_corpus_image_and_a_diff_render_in_chromium() {
    let Some(browser) = chromium() else {
        skip("chromium is not installed (apt-get install chromium)");
        return;
    };
    let Some(corpus) = corpus_dir() else {
        eprintln!("skipped: no corpus (set DEADWEIGHT_CORPUS)");
        return;
    };
    let dir = tmp();
    let py = corpus.join("py-sample/py-sample.oci-archive.tar");
    let dockerfile = corpus.join("py-sample/Dockerfile");
    let args = [py.as_os_str(), "--dockerfile".as_ref(), dockerfile.as_os_str()];
    let (path, text) = page(&args, dir.path(), "py.html");
    let dom = load(browser, &path, "", dir.path());
    check_image_page(&dom, &text, false);

    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/sample.tar");
    let diff = dir.path().join("diff.html");
    let out = bin()
        .arg("diff")
        .arg(&sample)
        .arg(&py)
        .arg("--html")
        .arg(&diff)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&diff).unwrap();
    let dom = load(browser, &diff, "", dir.path());
    let tree: Value = serde_json::from_str(html::island_text(&text, TREE_ISLAND).unwrap()).unwrap();
    let dirs = tree[6]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c[1].as_u64().unwrap().max(c[2].as_u64().unwrap()) > 0);
    assert_eq!(dom.matches("data-depth=\"1\"").count(), dirs.count());
    assert_eq!(
        dom.matches("<tr class=\"change ").count(),
        text.matches("<tr class=\"change ").count()
    );
}
