//! `deadweight fix` end to end on the corpus's py-sample (its real Dockerfile and image): the
//! diff, the summary, `--json` against `assets/fix.schema.json`, `--write` touching exactly the
//! Dockerfile and `.dockerignore`, and the refusals that write nothing. The rewriter's
//! properties are in `fix_rewrite.rs`.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{bin, corpus_dir, fails, tmp, verified};
use deadweight::analysis::dockerfile::parse;

/// py-sample's image, and a fresh folder holding a copy of its Dockerfile.
fn py_sample() -> Option<(PathBuf, tempfile::TempDir)> {
    let dir = corpus_dir()?.join("py-sample");
    let dir_tmp = tmp();
    std::fs::copy(dir.join("Dockerfile"), dir_tmp.path().join("Dockerfile")).unwrap();
    Some((dir.join("py-sample.oci-archive.tar"), dir_tmp))
}

fn listing(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

fn validator() -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/fix.schema.json");
    let schema: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    jsonschema::meta::validate(&schema).expect("a valid JSON Schema");
    jsonschema::validator_for(&schema).unwrap()
}

#[test]
fn py_sample_diff_summary_and_json() {
    let Some((image, dir)) = py_sample() else { return };
    let dockerfile = dir.path().join("Dockerfile");
    let before = listing(dir.path());
    let out = bin()
        .args([
            "fix",
            image.to_str().unwrap(),
            "--dockerfile",
            dockerfile.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("+RUN apt-get update && apt-get install -y --no-install-recommends python3 python3-pip && rm -rf /var/lib/apt/lists/*"), "{stdout}");
    assert!(stdout.contains("+COPY --chown=1000:1000 . /app"), "{stdout}");
    assert!(
        stdout.contains("+++ b/") && stdout.contains(".dockerignore") && stdout.contains("+.git\n"),
        "{stdout}"
    );
    assert!(!stdout.contains("USER 10001"), "review fixes stay out without --all");
    assert!(
        stderr.contains("DW105") && stderr.contains("predicted saving"),
        "{stderr}"
    );
    assert_eq!(listing(dir.path()), before, "without --write nothing is written");

    let out = bin()
        .args([
            "fix",
            image.to_str().unwrap(),
            "--dockerfile",
            dockerfile.to_str().unwrap(),
            "--all",
            "--json",
            "-",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let json: Value = serde_json::from_slice(&out.stdout).expect("--json - owns stdout");
    let v = validator();
    let errors: Vec<String> = v
        .iter_errors(&json)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let edits = json["edits"].as_array().unwrap();
    let of = |rule: &str| {
        edits
            .iter()
            .find(|e| e["rules"].as_array().unwrap().iter().any(|r| r == rule))
            .cloned()
    };
    let apt = of("DW105").expect("the apt lists are fixed");
    assert_eq!(
        (apt["kind"].as_str(), apt["applied"].as_bool()),
        (Some("safe"), Some(true))
    );
    assert_eq!(apt["predicted_bytes"], 19_856_468, "the finding's reclaimable bytes");
    assert_eq!(of("DW501").unwrap()["kind"], "review");
    let total: u64 = edits
        .iter()
        .filter(|e| e["applied"] == true)
        .map(|e| e["predicted_bytes"].as_u64().unwrap())
        .sum();
    assert_eq!(json["totals"]["predicted_bytes"], total);
    // pytest comes from requirements.txt, which fix may not edit: the same RUN uninstalls it
    // (and what only it needs), a change to review.
    let dev = of("DW304").expect("pytest is planned");
    assert_eq!(
        (dev["kind"].as_str(), dev["applied"].as_bool()),
        (Some("review"), Some(true)),
        "applied with --all"
    );
    let summary = dev["summary"].as_str().unwrap();
    assert!(summary.contains("pytest uninstalled in the same RUN"), "{summary}");
}

#[test]
fn write_replaces_exactly_the_dockerfile_and_dockerignore() {
    let Some((image, dir)) = py_sample() else { return };
    std::fs::write(dir.path().join("requirements.txt"), "docopt\n").unwrap();
    let dockerfile = dir.path().join("Dockerfile");
    let original = std::fs::read_to_string(&dockerfile).unwrap();
    let out = bin()
        .args([
            "fix",
            image.to_str().unwrap(),
            "--dockerfile",
            dockerfile.to_str().unwrap(),
            "--write",
            "--skip",
            "DW505",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let names: Vec<String> = listing(dir.path()).into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        [".dockerignore", "Dockerfile", "requirements.txt"],
        "no temp file or other file left"
    );
    let new = std::fs::read_to_string(&dockerfile).unwrap();
    assert_ne!(new, original);
    parse(&new).expect("the written Dockerfile parses");
    assert!(
        new.contains("--no-cache-dir") && !new.contains("USER 10001"),
        "safe fixes only:\n{new}"
    );
    assert!(
        new.contains(" . /app\nRUN pip3"),
        "--skip DW505 keeps the order:\n{new}"
    );
    assert_eq!(std::fs::read(dir.path().join("requirements.txt")).unwrap(), b"docopt\n");
    let ignore = std::fs::read_to_string(dir.path().join(".dockerignore")).unwrap();
    assert!(ignore.lines().any(|l| l == ".env"), "{ignore}");
}

#[test]
fn refusals_end_with_a_clear_message_and_write_nothing() {
    let Some((image, dir)) = py_sample() else { return };
    let image = image.to_str().unwrap();
    let cases: [(&str, &str); 3] = [
        ("# syntax=example.com/frontend:1\nFROM scratch\n", "frontend"),
        ("FROM scratch\nRUN echo something else\nCOPY . /srv\n", "does not match"),
        ("FROM scratch\nFROBNICATE now\n", "cannot parse"),
    ];
    for (text, message) in cases {
        let dockerfile = dir.path().join("Dockerfile");
        std::fs::write(&dockerfile, text).unwrap();
        let before = listing(dir.path());
        let stderr = fails(bin().args([
            "fix",
            image,
            "--dockerfile",
            dockerfile.to_str().unwrap(),
            "--write",
            "--all",
        ]));
        assert!(
            stderr.contains(message) && stderr.contains("Dockerfile"),
            "{text:?}: {stderr}"
        );
        assert_eq!(listing(dir.path()), before, "{text:?}: nothing written");
    }
    let stderr = fails(bin().args(["fix", image, "--dockerfile", "Dockerfile", "--only", "NOPE1"]));
    assert!(stderr.contains("NOPE1"), "{stderr}");
    // A mistyped --context is named, not planned into.
    let missing = dir.path().join("no-such-context");
    std::fs::copy(
        corpus_dir().unwrap().join("py-sample/Dockerfile"),
        dir.path().join("Dockerfile"),
    )
    .unwrap();
    let stderr = fails(
        bin()
            .args(["fix", image, "--dockerfile"])
            .arg(dir.path().join("Dockerfile"))
            .arg("--context")
            .arg(&missing),
    );
    assert!(
        stderr.contains("no-such-context") && stderr.contains("not a directory"),
        "{stderr}"
    );
}

/// A real rebuild with buildah (chroot isolation, no network needed): a busybox image with a
/// leaked `.git`, a build file and a deletion in a later RUN. `fix --all --verify` must pass,
/// with every measured saving within 10% of its prediction and the smoke command agreeing.
#[test]
fn verify_rebuilds_with_buildah_and_measures_the_saving() {
    use crate::support::buildah::{Images, building};
    use crate::support::servers::{have, skip};
    let busybox = ["/bin/busybox", "/usr/bin/busybox"]
        .into_iter()
        .map(Path::new)
        .find(|p| p.is_file());
    let (true, true, Some(busybox)) = (have("buildah"), have("unshare"), busybox) else {
        return skip("fix --verify needs buildah, unshare and busybox-static");
    };
    let ctx = tmp();
    std::fs::copy(busybox, ctx.path().join("busybox")).unwrap();
    std::fs::create_dir_all(ctx.path().join(".git/objects")).unwrap();
    std::fs::write(ctx.path().join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
    let pack: Vec<u8> = (0..300_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(ctx.path().join(".git/objects/pack"), pack).unwrap();
    let dockerfile = "\
FROM scratch
COPY busybox /bin/busybox
RUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]
COPY . /app
RUN mkdir -p /data && dd if=/dev/zero of=/data/big bs=1k count=512
RUN rm -rf /data
CMD [\"/bin/sh\", \"-c\", \"test -f /app/busybox\"]
";
    std::fs::write(ctx.path().join("Dockerfile"), dockerfile).unwrap();
    let stem = format!("dwfixtest{}", std::process::id());
    let tag = format!("localhost/{stem}:before");
    let images = Images(vec![tag.clone(), format!("localhost/{stem}-deadweight-fix")]);
    let building = building();
    let out_dir = tmp();
    let archive = out_dir.path().join(format!("{stem}.tar"));
    let built = std::process::Command::new("buildah")
        .args(["bud", "--layers", "--isolation", "chroot", "-t", &tag])
        .arg(ctx.path())
        .output()
        .unwrap();
    assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stderr));
    let pushed = std::process::Command::new("buildah")
        .args(["push", "--quiet", &tag])
        .arg(format!("oci-archive:{}", archive.display()))
        .output()
        .unwrap();
    assert!(pushed.status.success(), "{}", String::from_utf8_lossy(&pushed.stderr));
    let out = bin()
        .args(["fix", archive.to_str().unwrap(), "--dockerfile"])
        .arg(ctx.path().join("Dockerfile"))
        .args([
            "--all",
            "--verify",
            "--builder",
            "buildah",
            "--run",
            "test -f /app/busybox",
            "--json",
            "-",
        ])
        .output()
        .unwrap();
    let (json, stderr) = verified::passed(&out, "busybox rebuild");
    assert!(
        stderr.contains("# verify: `test -f /app/busybox` exits 0 before, 0 after"),
        "{stderr}"
    );
    let errors: Vec<String> = validator()
        .iter_errors(&json)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let v = &json["verify"];
    assert_eq!(v["unexpected"].as_array().unwrap().len(), 0);
    let applied = verified::applied(&json);
    assert!(applied.iter().any(|e| e["rules"][0] == "DW501") && applied.iter().any(|e| e["rules"][0] == "DW401"));
    verified::measured_within(&applied, 0.10, "busybox rebuild");
    let (before, after) = (
        v["before"]["shipped_bytes"].as_u64().unwrap(),
        v["after"]["shipped_bytes"].as_u64().unwrap(),
    );
    assert!(after + 500_000 < before, "{before} -> {after}");
    assert_eq!(
        std::fs::read_to_string(ctx.path().join("Dockerfile")).unwrap(),
        dockerfile,
        "--verify without --write"
    );
    assert!(!ctx.path().join(".dockerignore").exists());
    drop(building);
    drop(images);
}

/// The diff's file names are relative to where it was made, without `./` or a leading `/`, so
/// that `git apply` takes it there, whether the Dockerfile was named relatively or absolutely.
#[test]
fn the_diff_applies_with_git_apply_where_it_was_made() {
    let Some((image, dir)) = py_sample() else { return };
    let dockerfile = dir.path().join("Dockerfile");
    for named in [PathBuf::from("Dockerfile"), dockerfile.clone()] {
        let out = bin()
            .current_dir(dir.path())
            .args(["fix", image.to_str().unwrap(), "--dockerfile"])
            .arg(&named)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let diff = String::from_utf8_lossy(&out.stdout);
        let headers: Vec<&str> = diff
            .lines()
            .filter(|l| l.starts_with("--- ") || l.starts_with("+++ "))
            .collect();
        assert_eq!(
            headers,
            [
                "--- a/Dockerfile",
                "+++ b/Dockerfile",
                "--- /dev/null",
                "+++ b/.dockerignore"
            ],
            "{named:?}"
        );
        let patch = dir.path().join("fix.diff");
        std::fs::write(&patch, diff.as_bytes()).unwrap();
        let git = std::process::Command::new("git")
            .current_dir(dir.path())
            .args(["apply", "--check", "fix.diff"])
            .output();
        if let Ok(git) = git {
            assert!(git.status.success(), "{}", String::from_utf8_lossy(&git.stderr));
        }
        std::fs::remove_file(patch).unwrap();
    }
}

/// A Dockerfile's own ignore file (`Dockerfile.prod.dockerignore`, which BuildKit reads in
/// place of the context's `.dockerignore`) is the one the lines go to.
#[test]
fn a_dockerfiles_own_ignore_file_gets_the_lines() {
    let Some((image, dir)) = py_sample() else { return };
    let prod = dir.path().join("Dockerfile.prod");
    std::fs::rename(dir.path().join("Dockerfile"), &prod).unwrap();
    std::fs::write(dir.path().join("Dockerfile.prod.dockerignore"), "*.log\n").unwrap();
    let out = bin()
        .args(["fix", image.to_str().unwrap(), "--dockerfile"])
        .arg(&prod)
        .arg("--write")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        !dir.path().join(".dockerignore").exists(),
        "the build would not read it"
    );
    let own = std::fs::read_to_string(dir.path().join("Dockerfile.prod.dockerignore")).unwrap();
    assert!(own.starts_with("*.log\n") && own.lines().any(|l| l == ".git"), "{own}");
}
