//! CI mode against dive: dive's three rules against dive's own numbers on the corpus,
//! `.dive-ci` files of each form (lenient as dive is, where `.deadweight.toml` stays strict),
//! and the images that make dive divide by zero.

use serde_json::Value;

use deadweight::config::ci::{ByteSize, CiConfig, DiveRule};

use crate::ci::{check, run, sample, verdict};
use crate::support::fixture::{Image, Layer};
use crate::support::layout::Format;
use crate::support::{analyze, bin, corpus_dir, fails, tmp};

/// dive's rules by dive's formulas give dive's figures and dive's verdicts on every corpus image.
#[test]
fn dive_rules_match_dive_on_the_corpus() {
    let Some(corpus) = corpus_dir() else { return };
    for dir in crate::corpus::images(&corpus) {
        let facts: Value = serde_json::from_slice(&std::fs::read(dir.join("facts.json")).unwrap()).unwrap();
        let dive = &facts["dive_like"];
        let (file, _) = crate::corpus::shipped(&dir).into_iter().next().unwrap();
        let a = analyze(file.to_str().unwrap());
        let wasted = dive["wasted_bytes"].as_u64().unwrap();
        let cfg = CiConfig {
            highest_wasted_bytes: Some(DiveRule::Limit(ByteSize(wasted))),
            ..Default::default()
        };
        let v = verdict(&a, cfg);
        let eff = check(&v, "lowestEfficiency");
        let want_eff = dive["efficiency_score"].as_f64().unwrap();
        assert!(
            (eff.actual.as_f64() - want_eff).abs() < 5e-6,
            "{dir:?}: {eff:?} vs {want_eff}"
        );
        assert_eq!(eff.passed, want_eff >= 0.9, "{dir:?}");
        let user = check(&v, "highestUserWastedPercent");
        let want_user = dive["user_wasted_percent"].as_f64().unwrap() / 100.0;
        assert!(
            (user.actual.as_f64() - want_user).abs() < 1e-5,
            "{dir:?}: {user:?} vs {want_user}"
        );
        assert_eq!(user.passed, want_user <= 0.1, "{dir:?}");
        assert!(
            check(&v, "highestWastedBytes").passed,
            "at its own figure the limit holds"
        );
        let cfg = CiConfig {
            highest_wasted_bytes: Some(DiveRule::Limit(ByteSize(wasted - 1))),
            ..Default::default()
        };
        assert!(!check(&verdict(&a, cfg), "highestWastedBytes").passed);
        if dir.ends_with("py-sample") {
            // dive 0.13.1 --ci on py-sample: both default rules PASS (dive.json).
            assert!(v.passed, "{v:#?}");
        }
    }
}

#[test]
fn dive_ci_files_of_each_form() {
    let dir = tmp();
    let dive_ci = dir.path().join(".dive-ci");
    let ci = |text: &str| {
        std::fs::write(&dive_ci, text).unwrap();
        run(bin().current_dir(dir.path()).arg(sample()).arg("--ci"))
    };
    // The sample fails dive's defaults (efficiency 0.70, user wasted 0.40).
    let (code, out, _) =
        ci("rules:\n  lowestEfficiency: 0.6\n  highestWastedBytes: 20MB\n  highestUserWastedPercent: 0.5\n");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("PASS  highestWastedBytes"), "{out}");
    for off in ["disabled", "off", "false", "\"\"", ""] {
        let (code, out, _) = ci(&format!(
            "rules:\n  lowestEfficiency: {off}\n  highestUserWastedPercent: {off}\n"
        ));
        assert_eq!(code, 0, "{off:?}: {out}");
        assert!(!out.contains("lowestEfficiency"), "{off:?}: {out}");
    }
    let (code, out, _) = ci("rules:\n  lowestefficiency: 0.75\n  HighestUserWastedPercent: off\n");
    assert_eq!(code, 1, "dive reads keys case-insensitively: {out}");
    for bad in [
        "rules:\n  lowestEfficiency: 1.5\n",
        "rules:\n  highestUserWastedPercent: -1\n",
        "rules:\n  highestWastedBytes: lots\n",
        "rules: [\n",
    ] {
        std::fs::write(&dive_ci, bad).unwrap();
        let stderr = fails(bin().current_dir(dir.path()).arg(sample()).arg("--ci"));
        assert!(stderr.contains(".dive-ci"), "{bad}: {stderr}");
    }
    // What dive tolerates loads, with a warning naming each thing ignored.
    std::fs::write(
        &dive_ci,
        "plugins:\n  - name: layers\nrules:\n  lowestEfficency: 0.9\n  layers/max-count: 30\n  lowestEfficiency: 0.6\n  highestUserWastedPercent: off\n",
    )
    .unwrap();
    let out = bin()
        .current_dir(dir.path())
        .arg(sample())
        .arg("--ci")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    for name in ["plugins", "\"lowestEfficency\"", "\"layers/max-count\""] {
        let line = stderr.lines().find(|l| l.contains(name));
        assert!(
            line.is_some_and(|l| l.contains("warning") && l.contains(".dive-ci")),
            "{name}: {stderr}"
        );
    }
    // With a .deadweight.toml of ours, .dive-ci is not read unless named.
    std::fs::write(
        &dive_ci,
        "rules:\n  lowestEfficiency: off\n  highestUserWastedPercent: off\n",
    )
    .unwrap();
    std::fs::write(dir.path().join(".deadweight.toml"), "[rules]\n").unwrap();
    assert_eq!(ci(&std::fs::read_to_string(&dive_ci).unwrap()).0, 1);
    let (code, out, _) = run(bin()
        .current_dir(dir.path())
        .arg(sample())
        .args(["--ci-config", ".dive-ci"]));
    assert_eq!(code, 0, "{out}");
    assert!(fails(bin().arg(sample()).args(["--ci-config", "/no/such/.dive-ci"])).contains("/no/such/.dive-ci"));
}

#[test]
fn images_where_dive_divides_by_zero() {
    let dir = tmp();
    let one = Image::new().layer("ADD rootfs.tar / # base", Layer::new().file("f", vec![1u8; 100]));
    let only_deletes = one
        .clone()
        .layer("RUN /bin/sh -c rm /f # buildkit", Layer::new().whiteout("f"));
    for (name, img, code) in [
        ("single layer", one, 0),
        ("no layers", Image::new(), 0),
        ("deletes only", only_deletes, 1),
    ] {
        let d = tmp();
        let path = Format::OciArchive.save(d.path(), &[img]);
        let report = dir.path().join(format!("{name}.json"));
        let (got, out, err) = run(bin().arg(&path).arg("--ci").arg("--json").arg(&report));
        assert_eq!(got, code, "{name}: {out}{err}");
        let r: Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
        let user = r["ci"]["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "highestUserWastedPercent")
            .unwrap();
        if code == 1 {
            // Waste over zero user bytes is undefined (infinite): null, and it fails.
            assert_eq!(
                (&user["actual"], &user["passed"]),
                (&Value::Null, &Value::Bool(false)),
                "{name}"
            );
            assert!(out.contains("actual undefined"), "{out}");
        } else {
            assert_eq!(user["actual"], 0.0, "{name}: nothing wasted over nothing is 0");
        }
    }
}

/// Where `.dive-ci` is lenient, `.deadweight.toml` is ours and strict: a misspelt key fails.
#[test]
fn a_misspelt_key_of_ours_stays_an_error() {
    let dir = tmp();
    std::fs::write(dir.path().join(".deadweight.toml"), "[ci]\nlowest_efficency = 0.9\n").unwrap();
    let stderr = fails(bin().current_dir(dir.path()).arg(sample()).arg("--ci"));
    assert!(stderr.contains("lowest_efficency"), "{stderr}");
}
