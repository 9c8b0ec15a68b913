//! Real rebuilds with the build stage (#21): careless images whose wheels pip builds from
//! source with a C toolchain, fixed with `fix --all --verify` on the debootstrap base of
//! `.ci/pybase`. The runtime stage must install exactly the library the built extension links
//! to (psycopg2's `_psycopg` needs libpq.so.5: libpq5), the app must still import without
//! network, and on the py-sample-like image the fixes must remove at least 90% of the bytes the
//! warning and error findings called reclaimable.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::rebuilds::{Built, SMOKE, built, checkout};
use crate::support::bin;
use crate::support::{pybase, verified};

/// Bytes the warning and error findings of an image call reclaimable, and their rules.
fn loud(archive: &Path) -> (u64, Vec<String>) {
    let out = bin().arg(archive).args(["--json", "-"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let loud: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] != "info")
        .collect();
    let bytes = loud.iter().filter_map(|f| f["reclaimable_bytes"].as_u64()).sum();
    (
        bytes,
        loud.iter().map(|f| f["rule"].as_str().unwrap().to_string()).collect(),
    )
}

/// What one `fix --all --verify` gave.
struct Fixed {
    json: Value,
    stderr: String,
    /// Warning and error bytes and rules, before and after.
    before: (u64, Vec<String>),
    after: (u64, Vec<String>),
}

/// Builds the fixture (after `prepare` adds to its context), runs `fix --all --verify` with the
/// smoke command and checks what every such run must give: exit 0, passed, the app imports in
/// both images, the build stage applied, and no finding left of a rule it fixed.
fn fix_all(fixture: &str, prepare: impl FnOnce(&Path)) -> Option<Fixed> {
    let Built {
        ca,
        ctx,
        name,
        out_dir,
        archive,
        images,
        building,
    } = built(fixture, prepare)?;
    let out = bin()
        .arg("fix")
        .arg(&archive)
        .arg("--dockerfile")
        .arg(ctx.path().join("Dockerfile"))
        .args([
            "--all",
            "--verify",
            "--builder",
            "buildah",
            "--run",
            SMOKE,
            "--json",
            "-",
            "--",
        ])
        .args(pybase::mount(ca))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let after_archive = out_dir.path().join("after.tar");
    let pushed = Command::new("buildah")
        .args(["push", "--quiet", "--disable-compression"])
        .arg(format!("localhost/{name}-deadweight-fix"))
        .arg(format!("oci-archive:{}", after_archive.display()))
        .output()
        .unwrap();
    drop(building);
    drop(images);
    eprintln!("{fixture}:\n{stderr}");
    let (json, _) = verified::passed(&out, fixture);
    assert!(pushed.status.success(), "{}", String::from_utf8_lossy(&pushed.stderr));
    let v = &json["verify"];
    assert_eq!(v["left"].as_array().map(Vec::len), Some(0), "{fixture}: {stderr}");
    let stage = json["edits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["rules"].as_array().unwrap().contains(&Value::from("DW201")) && e["applied"] == true);
    assert!(stage.is_some(), "{fixture}: the build stage was not applied: {stderr}");
    Some(Fixed {
        before: loud(&archive),
        after: loud(&after_archive),
        json,
        stderr,
    })
}

#[test]
fn the_build_stage_keeps_exactly_the_library_the_extension_links() {
    let Some(fixed) = fix_all("careless-libpq", |_| {}) else {
        return;
    };
    let stage = fixed.json["edits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["rules"].as_array().unwrap().contains(&Value::from("DW201")))
        .unwrap();
    let summary = stage["summary"].as_str().unwrap();
    assert!(
        summary.ends_with("keeps libpq5 instead of gcc libc6-dev python3-dev libpq-dev"),
        "{summary}"
    );
    let notes = stage["notes"].to_string();
    assert!(
        notes.contains("libpq5 for /usr/local/lib/python3.11/dist-packages/psycopg2/_psycopg"),
        "{notes}"
    );
    let (p, m) = (
        stage["predicted_bytes"].as_f64().unwrap(),
        stage["measured_bytes"].as_f64().unwrap(),
    );
    assert!(
        (m - p).abs() <= p * 0.10,
        "predicted {p}, measured {m}\n{}",
        fixed.stderr
    );
    let rules = &fixed.after.1;
    assert!(!rules.iter().any(|r| r == "DW201" || r == "DW202"), "{rules:?}");
}

/// The goal: on a py-sample-like image, `fix --all --verify` removes at least 90% of the
/// bytes the warning and error findings called reclaimable.
#[test]
fn a_careless_sample_loses_ninety_percent_of_its_loud_waste() {
    let Some(fixed) = fix_all("careless-sample", checkout) else {
        return;
    };
    let ((before, rules_before), (after, rules_after)) = (&fixed.before, &fixed.after);
    eprintln!("warning+error reclaimable: {before} -> {after} bytes; rules {rules_before:?} -> {rules_after:?}");
    assert!(
        before.saturating_sub(*after) as f64 >= 0.9 * *before as f64,
        "{before} -> {after}: {rules_after:?}\n{}",
        fixed.stderr
    );
}

/// No library kept (the extension links libc only): the runtime stage loses the whole apt RUN
/// (`apt-get update && apt-get install ...` of build packages only) instead of keeping an
/// install that names nothing, the lists' own fix on that line does not apply, and nothing of
/// the toolchain or the lists is left.
#[test]
fn an_install_left_with_no_package_goes_from_the_runtime_stage() {
    let Some(fixed) = fix_all("careless-toolchain", |_| {}) else {
        return;
    };
    let edits = fixed.json["edits"].as_array().unwrap();
    let has = |e: &Value, rule: &str| e["rules"].as_array().unwrap().contains(&Value::from(rule));
    let stage = edits.iter().find(|e| has(e, "DW201")).unwrap();
    let summary = stage["summary"].as_str().unwrap();
    assert!(
        summary.ends_with("line 5's apt install goes: it named only gcc libc6-dev python3-dev"),
        "{summary}"
    );
    let lists = edits.iter().find(|e| has(e, "DW105")).unwrap();
    assert_eq!(lists["applied"], false, "{}", fixed.stderr);
    let (p, m) = (
        stage["predicted_bytes"].as_f64().unwrap(),
        stage["measured_bytes"].as_f64().unwrap(),
    );
    assert!(
        (m - p).abs() <= p * 0.01,
        "predicted {p}, measured {m}\n{}",
        fixed.stderr
    );
    let rules = &fixed.after.1;
    assert!(
        !rules.iter().any(|r| matches!(r.as_str(), "DW105" | "DW201" | "DW202")),
        "{rules:?}"
    );
    assert!(
        fixed.after.0 < fixed.before.0 / 4,
        "{:?} -> {:?}",
        fixed.before,
        fixed.after
    );
}
