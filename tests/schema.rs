//! `assets/report.schema.json` against real reports: the schema is valid draft 2020-12, every
//! report of every fixture format and of every corpus image validates, and the schema is
//! strict enough to catch drift (an unknown field, a missing field, a negative size, a wrong
//! type are all rejected).

use serde_json::{Value, json};

use crate::corpus::{images, shipped};
use crate::support::fixture::{Compression, Image, Layer};
use crate::support::layout::{Format, oci_index};
use crate::support::{bin, corpus_dir, report, report_of, rich_image, tmp};

fn schema() -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/report.schema.json");
    serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap()
}

fn validator() -> jsonschema::Validator {
    jsonschema::validator_for(&schema()).expect("the schema compiles")
}

/// The validation errors of `report`, one line each (empty when valid).
fn errors(v: &jsonschema::Validator, report: &Value) -> Vec<String> {
    v.iter_errors(report)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

fn assert_valid(v: &jsonschema::Validator, what: &str, report: &Value) {
    let errs = errors(v, report);
    assert!(
        errs.is_empty(),
        "{what}: the report does not match assets/report.schema.json:\n{}",
        errs.join("\n")
    );
}

#[test]
fn schema_is_valid_draft_2020_12() {
    let s = schema();
    assert_eq!(s["$schema"], "https://json-schema.org/draft/2020-12/schema");
    jsonschema::meta::validate(&s).expect("the schema is a valid JSON Schema");
    for key in ["schema_version", "tool", "image", "totals", "layers"] {
        assert!(
            s["required"].as_array().unwrap().contains(&json!(key)),
            "{key} is required"
        );
    }
    assert_eq!(s["additionalProperties"], false);
    assert_eq!(s["properties"]["layers"]["items"]["additionalProperties"], false);
}

#[test]
fn fixture_reports_in_every_format_validate() {
    let v = validator();
    let dir = tmp();
    for format in Format::ALL {
        let r = report_of(&format.save(dir.path(), &[rich_image()]));
        assert_valid(&v, &format!("{format:?}"), &r);
    }
    for c in Compression::ALL {
        let r = report_of(&Format::OciDir.save(dir.path(), &[rich_image().compression(c)]));
        assert_valid(&v, &format!("{c:?} layers"), &r);
    }
    let gz = crate::support::fixture::gzip(&Format::DockerSkopeo.members(&[rich_image()]).tar(false));
    let out = bin().args(["-", "--json", "-"]).write_stdin(gz).output().unwrap();
    assert!(out.status.success());
    assert_valid(&v, "gzip on stdin", &serde_json::from_slice(&out.stdout).unwrap());
}

#[test]
fn edge_case_reports_validate() {
    let v = validator();
    let dir = tmp();
    let cases: Vec<(&str, Image)> = vec![
        ("no layers", Image::new()),
        (
            "no history",
            Image::new().layer("x", Layer::new().file("f", "1")).without_history(),
        ),
        ("empty layer", Image::new().layer("x", Layer::new())),
        (
            "only empty_layer history",
            Image::new()
                .empty_layer("ENV A=1")
                .layer("RUN x", Layer::new().dir("d")),
        ),
        (
            "no run config",
            Image::new()
                .layer("x", Layer::new().file("f", "1"))
                .run_config(Value::Null),
        ),
        (
            "full run config",
            Image::new().layer("x", Layer::new().file("f", "1")).run_config(json!({
                "User": "app", "Env": ["A=1"], "Cmd": ["run"], "Entrypoint": ["/bin/tini", "--"],
                "WorkingDir": "/app", "ExposedPorts": {"8080/tcp": {}}, "Labels": {"a": "b"},
            })),
        ),
        (
            "arm variant",
            Image::new()
                .platform("linux/arm/v7")
                .layer("x", Layer::new().file("f", "1")),
        ),
        ("packages", Image::new().layer("install", packages_layer())),
    ];
    for (what, image) in cases {
        let path = dir.path().join(what.replace(' ', "-"));
        oci_index(std::slice::from_ref(&image), false).write_dir(&path);
        assert_valid(&v, what, &report(&[path.to_str().unwrap()]));
    }
}

/// One Python distribution, one Debian and one Alpine package, so the package lists are not
/// empty.
fn packages_layer() -> Layer {
    let site = "usr/lib/python3/site-packages";
    Layer::new()
        .file(format!("{site}/demo/__init__.py"), "print('demo')\n")
        .file(
            format!("{site}/demo-1.0.dist-info/METADATA"),
            "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nRequires-Dist: six\n",
        )
        .file(
            format!("{site}/demo-1.0.dist-info/RECORD"),
            "demo/__init__.py,,14\ndemo-1.0.dist-info/METADATA,,\n",
        )
        .file("usr/lib/libdemo.so", vec![0u8; 100])
        .file(
            "var/lib/dpkg/status",
            "Package: libdemo\nStatus: install ok installed\nVersion: 1.2-3\nInstalled-Size: 1\n\n",
        )
        .file("var/lib/dpkg/info/libdemo.list", "/usr/lib/libdemo.so\n")
        .file("lib/libapk.so", vec![0u8; 50])
        .file("lib/apk/db/installed", "P:apkdemo\nV:1.0-r0\nF:lib\nR:libapk.so\n\n")
}

#[test]
fn package_lists_are_filled_by_the_packages_fixture() {
    let dir = tmp();
    let path = dir.path().join("packages");
    oci_index(&[Image::new().layer("install", packages_layer())], false).write_dir(&path);
    let r = report(&[path.to_str().unwrap()]);
    for kind in ["python", "debian", "alpine"] {
        assert_eq!(
            r["packages"][kind].as_array().map(Vec::len),
            Some(1),
            "{kind}: {}",
            r["packages"]
        );
    }
}

#[test]
fn corpus_reports_validate() {
    let Some(corpus) = corpus_dir() else { return };
    let v = validator();
    for image in images(&corpus) {
        // py-sample is large; one format of each image is enough for the shape.
        let (path, _) = shipped(&image).into_iter().next().expect("an image file");
        assert_valid(&v, &path.display().to_string(), &report(&[path.to_str().unwrap()]));
    }
}

#[test]
fn schema_catches_drift() {
    let v = validator();
    let dir = tmp();
    let good = report_of(&Format::OciArchive.save(dir.path(), &[rich_image()]));
    assert_valid(&v, "unchanged", &good);
    type Mutation = Box<dyn Fn(&mut Value)>;
    let mutations: Vec<(&str, Mutation)> = vec![
        ("unknown top-level field", Box::new(|r| r["surprise"] = json!(1))),
        (
            "unknown layer field",
            Box::new(|r| r["layers"][0]["surprise"] = json!(1)),
        ),
        ("unknown image field", Box::new(|r| r["image"]["surprise"] = json!(1))),
        (
            "missing totals.bytes",
            Box::new(|r| drop(r["totals"].as_object_mut().unwrap().remove("bytes"))),
        ),
        (
            "missing layer diff_id",
            Box::new(|r| drop(r["layers"][1].as_object_mut().unwrap().remove("diff_id"))),
        ),
        ("negative size", Box::new(|r| r["layers"][0]["bytes"] = json!(-1))),
        ("fractional size", Box::new(|r| r["totals"]["bytes"] = json!(1.5))),
        ("size as string", Box::new(|r| r["totals"]["final_bytes"] = json!("12"))),
        (
            "bad compression",
            Box::new(|r| r["layers"][0]["compression"] = json!("lz4")),
        ),
        (
            "bad digest",
            Box::new(|r| r["image"]["config_digest"] = json!("sha256:xyz")),
        ),
        ("wrong schema_version", Box::new(|r| r["schema_version"] = json!(1))),
    ];
    for (what, mutate) in mutations {
        let mut r = good.clone();
        mutate(&mut r);
        assert!(!errors(&v, &r).is_empty(), "the schema should reject: {what}");
    }
}

/// A finding's path line about a package carries the package as data, the same identity the
/// report's package lists give it (and the line's note in words): readers need not parse the
/// note. On the sample: toolchain and -dev packages (Debian) and dev tools (Python).
#[test]
fn finding_paths_name_their_packages_as_data() {
    let root = env!("CARGO_MANIFEST_DIR");
    let r = report(&[
        &format!("{root}/assets/sample.tar"),
        "--dockerfile",
        &format!("{root}/assets/sample.Dockerfile"),
    ]);
    assert_valid(&validator(), "the sample", &r);
    let mut seen = std::collections::BTreeSet::new();
    for f in r["findings"].as_array().unwrap() {
        for p in f["paths"].as_array().unwrap() {
            let Some(pkg) = p.get("package") else { continue };
            let (eco, name, version) = (pkg["ecosystem"].as_str().unwrap(), &pkg["name"], &pkg["version"]);
            let listed = r["packages"][eco].as_array().unwrap().iter().any(|q| {
                q["name"] == *name && q["version"] == *version && (eco != "python" || q["location"] == pkg["location"])
            });
            assert!(listed, "{} names a package the report does not list: {pkg}", f["rule"]);
            let note = p["path"].as_str().unwrap().rsplit_once(" (").unwrap().1;
            let words = format!("{} {}", name.as_str().unwrap(), version.as_str().unwrap());
            assert!(note.contains(&words), "{}: {note} vs {pkg}", f["rule"]);
            seen.insert((f["rule"].as_str().unwrap().to_string(), eco.to_string()));
        }
    }
    for (rule, eco) in [("DW201", "debian"), ("DW202", "debian"), ("DW304", "python")] {
        assert!(
            seen.contains(&(rule.into(), eco.into())),
            "no {rule} line with a {eco} package: {seen:?}"
        );
    }
    let mut bad = r.clone();
    let first = bad["findings"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .flat_map(|f| f["paths"].as_array_mut().unwrap().iter_mut())
        .find(|p| p.get("package").is_some())
        .unwrap();
    first["package"]["ecosystem"] = json!("rpm");
    assert!(
        !errors(&validator(), &bad).is_empty(),
        "the schema should reject an unknown ecosystem"
    );
}
