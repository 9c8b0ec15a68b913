//! Real rebuilds of Python images (#21): each careless Dockerfile of `tests/fixtures/python` is
//! built with buildah on the debootstrap base of `.ci/pybase`, then `deadweight fix --verify`
//! rebuilds it with the safe fixes and must pass: the app still imports, every safe fix's
//! measured saving is within 10% of its prediction, and the rebuilt image has no finding of the
//! rules it fixed. The careful Dockerfile must give no warning or error finding at all.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::support::buildah::{Images, building};
use crate::support::{bin, tmp};
use crate::support::{pybase, verified};

/// The smoke command run in both images.
pub(crate) const SMOKE: &str = "python -c 'import app'";

/// The images a test makes: `localhost/NAME:before` and the fix's rebuild.
pub(crate) fn images(name: &str) -> Images {
    Images(vec![
        format!("localhost/{name}:before"),
        format!("localhost/{name}-deadweight-fix"),
    ])
}

/// Builds the context `ctx` with buildah as `localhost/NAME:before` and exports it to an OCI
/// archive (uncompressed: the tests read it once) in `out`.
pub(crate) fn build(ca: &Path, name: &str, ctx: &Path, out: &Path) -> std::path::PathBuf {
    let tag = format!("localhost/{name}:before");
    let built = Command::new("buildah")
        .args(["bud", "--layers", "--isolation", "chroot", "--quiet"])
        .args(pybase::mount(ca))
        .args(["-t", &tag])
        .arg(ctx)
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "buildah bud of {name}: {}",
        String::from_utf8_lossy(&built.stderr)
    );
    let archive = out.join(format!("{name}.tar"));
    let pushed = Command::new("buildah")
        .args(["push", "--quiet", "--disable-compression", &tag])
        .arg(format!("oci-archive:{}", archive.display()))
        .output()
        .unwrap();
    assert!(pushed.status.success(), "{}", String::from_utf8_lossy(&pushed.stderr));
    archive
}

/// A fixture of `tests/fixtures/python` built as `localhost/NAME:before` and exported: what
/// every real `fix --verify` test starts from. The caller drops `building` and `images` once
/// its own buildah work is done.
pub(crate) struct Built {
    /// The Python base's CA bundle, mounted into every build.
    pub ca: &'static Path,
    /// The build context (the fixture, after the caller's additions).
    pub ctx: tempfile::TempDir,
    /// `dw-FIXTURE-PID`.
    pub name: String,
    /// Holds the exported archive.
    pub out_dir: tempfile::TempDir,
    /// The image before any fix, as an OCI archive.
    pub archive: std::path::PathBuf,
    /// The images made, removed when dropped.
    pub images: Images,
    /// Keeps other tests' buildah work from removing layers under this one.
    pub building: std::sync::RwLockReadGuard<'static, ()>,
}

/// Copies fixture `fixture` into a context, lets `prepare` add to it, and builds it; `None`
/// (with a skip notice) where the Python base cannot be had.
pub(crate) fn built(fixture: &str, prepare: impl FnOnce(&Path)) -> Option<Built> {
    let ca = pybase::ready()?;
    let ctx = tmp();
    pybase::copy_fixture(fixture, ctx.path());
    prepare(ctx.path());
    let name = format!("dw-{fixture}-{}", std::process::id());
    let out_dir = tmp();
    let images = images(&name);
    let building = building();
    let archive = build(ca, &name, ctx.path(), out_dir.path());
    Some(Built {
        ca,
        ctx,
        name,
        out_dir,
        archive,
        images,
        building,
    })
}

/// Builds the fixture `fixture` (after `prepare` adds to its context), runs `fix --verify` with
/// the safe fixes (and those to review with `all`), and checks it: passed, the smoke command
/// exits 0 in both images, each applied fix measured within 10% of its prediction, every rule of
/// `rules` fixed and none of the fixed rules' findings left.
fn careless(fixture: &str, prepare: impl FnOnce(&Path), all: bool, rules: &[&str]) {
    let Some(Built {
        ca,
        ctx,
        out_dir: _out_dir,
        archive,
        images,
        building,
        ..
    }) = built(fixture, prepare)
    else {
        return;
    };
    let dockerfile = ctx.path().join("Dockerfile");
    let original = std::fs::read_to_string(&dockerfile).unwrap();
    let out = bin()
        .arg("fix")
        .arg(&archive)
        .arg("--dockerfile")
        .arg(&dockerfile)
        .args(all.then_some("--all"))
        .args(["--verify", "--builder", "buildah", "--run", SMOKE, "--json", "-", "--"])
        .args(pybase::mount(ca))
        .output()
        .unwrap();
    drop(building);
    drop(images);
    let (json, stderr) = verified::passed(&out, fixture);
    eprintln!("{fixture}:\n{stderr}");
    let v = &json["verify"];
    let applied = verified::applied(&json);
    for e in &applied {
        assert!(all || e["kind"] == "safe", "only safe fixes without --all: {e}");
    }
    verified::measured_within(&applied, 0.10, fixture);
    let fixed: Vec<&str> = applied
        .iter()
        .flat_map(|e| e["rules"].as_array().unwrap())
        .filter_map(Value::as_str)
        .collect();
    for rule in rules {
        assert!(
            fixed.contains(rule),
            "{fixture}: no applied fix for {rule}: {fixed:?}\n{stderr}"
        );
    }
    assert_eq!(v["left"].as_array().map(Vec::len), Some(0), "{fixture}: {stderr}");
    let (before, after) = (&v["before"], &v["after"]);
    assert!(
        after["reclaimable_bytes"].as_u64() < before["reclaimable_bytes"].as_u64()
            && after["shipped_bytes"].as_u64() < before["shipped_bytes"].as_u64(),
        "{fixture}: {stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(&dockerfile).unwrap(),
        original,
        "--verify without --write"
    );
}

#[test]
fn careless_caches_apt_lists_and_chown_are_fixed_and_measured() {
    careless("careless-cache", |_| {}, false, &["DW101", "DW105", "DW503"]);
}

/// Adds what a developer's checkout holds beside the code: `.git`, a `.env`, a local venv,
/// stale bytecode and the tests.
pub(crate) fn checkout(ctx: &Path) {
    let write = |path: &str, bytes: &[u8]| {
        let path = ctx.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    };
    let noise = crate::support::noise;
    write(".git/HEAD", b"ref: refs/heads/main\n");
    write(".git/config", b"[core]\n\trepositoryformatversion = 0\n");
    write(".git/objects/pack/pack-1.pack", &noise(400_000));
    write(".env", b"SECRET_KEY=FAKE-not-a-secret\n");
    write("venv/pyvenv.cfg", b"home = /usr/bin\nversion = 3.11.2\n");
    write(
        "venv/lib/python3.11/site-packages/vendored/__init__.py",
        &noise(300_000),
    );
    write("app/__pycache__/__init__.cpython-39.pyc", &noise(20_000));
    write(
        "tests/test_app.py",
        b"import app\n\n\ndef test_imports():\n    assert app.SETTINGS == {}\n",
    );
}

/// With `--all`: the fixes to review (a non-root user, the Python environment variables) are
/// rebuilt too, and the app still imports as that user.
#[test]
fn careless_context_is_ignored_and_install_reordered() {
    careless(
        "careless-context",
        checkout,
        true,
        &["DW401", "DW402", "DW405", "DW407", "DW505", "DW601", "DW602"],
    );
}

#[test]
fn careless_toolchain_caches_are_fixed_and_the_extension_still_loads() {
    careless("careless-toolchain", |_| {}, false, &["DW101", "DW105"]);
}

/// The careful Dockerfile, built from a context holding the same junk as the careless one (its
/// `.dockerignore` keeps it out): no finding above info, with the Dockerfile and without.
#[test]
fn careful_dockerfile_gives_no_warning_or_error() {
    let Some(ca) = pybase::ready() else { return };
    let ctx = tmp();
    pybase::copy_fixture("careful", ctx.path());
    checkout(ctx.path());
    let name = format!("dw-careful-{}", std::process::id());
    let out_dir = tmp();
    let images = images(&name);
    let building = building();
    let archive = build(ca, &name, ctx.path(), out_dir.path());
    let dockerfile = ctx.path().join("Dockerfile");
    for with_dockerfile in [true, false] {
        let mut cmd = bin();
        cmd.arg(&archive);
        if with_dockerfile {
            cmd.arg("--dockerfile").arg(&dockerfile);
        }
        let out = cmd.args(["--json", "-"]).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        let loud: Vec<String> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["severity"] != "info")
            .map(|f| format!("{} {}: {}", f["rule"], f["title"], f["fix"]))
            .collect();
        assert!(loud.is_empty(), "with the Dockerfile: {with_dockerfile}: {loud:#?}");
    }
    // The app runs as built: as user 10001, without network.
    let run = run_in(&format!("localhost/{name}:before"), &["python", "-m", "app"]);
    drop(building);
    drop(images);
    assert_eq!(
        String::from_utf8_lossy(&run.stdout),
        "app ran\n",
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

/// Runs `argv` in a container of `image` with no network (buildah's chroot isolation under an
/// empty network namespace, as `fix --run` does); the container is removed afterwards.
fn run_in(image: &str, argv: &[&str]) -> std::process::Output {
    let from = Command::new("buildah")
        .args(["from", "--quiet", image])
        .output()
        .unwrap();
    assert!(from.status.success(), "{}", String::from_utf8_lossy(&from.stderr));
    let container = String::from_utf8_lossy(&from.stdout).trim().to_string();
    let out = Command::new("unshare")
        .args(["-n", "buildah", "run", "--isolation", "chroot", &container, "--"])
        .args(argv)
        .output();
    let _ = Command::new("buildah").args(["rm", &container]).output();
    out.unwrap()
}
