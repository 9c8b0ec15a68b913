//! Attribution (issue 3): layers to history entries and Dockerfile lines, squashed builds,
//! missing history, the base boundary, flows of bytes between layers, packages, and dive's
//! figures, on fixtures and on the real images of the corpus.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use deadweight::analysis::attribute::BaseSource;
use deadweight::analysis::history::InstructionKind;
use deadweight::analysis::{self, AnalyzeOptions, dockerfile};
use deadweight::source::{self, LoadOptions};

use crate::support::fixture::{Image, Layer};
use crate::support::layout::Format;
use crate::support::{self, corpus_dir, report};

fn facts(dir: &Path, name: &str) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join(name).join("facts.json")).unwrap()).unwrap()
}

fn analyse(path: &Path, dockerfile_text: Option<&str>) -> analysis::Analysis {
    let spec = source::reference::parse(path.to_str().unwrap(), None).unwrap();
    let loaded = source::load(&spec, &LoadOptions::default()).unwrap();
    let opts = AnalyzeOptions {
        dockerfile: dockerfile_text.map(|t| dockerfile::parse(t).unwrap()),
        ..Default::default()
    };
    analysis::analyze_with(loaded, &opts)
}

#[test]
fn py_sample_layers_land_on_their_dockerfile_lines() {
    let Some(dir) = corpus_dir() else { return };
    let path = dir.join("py-sample/py-sample.oci-archive.tar");
    let text = std::fs::read_to_string(dir.join("py-sample/Dockerfile")).unwrap();
    let a = analyse(&path, Some(&text));
    let lines: Vec<Option<usize>> = a.attribution.layers.iter().map(|o| o.dockerfile_line).collect();
    assert_eq!(
        lines,
        [
            None,
            Some(12),
            Some(13),
            Some(15),
            Some(16),
            Some(17),
            Some(18),
            Some(19)
        ]
    );
    assert_eq!(a.attribution.base_layers, 1);
    assert_eq!(a.attribution.base_source, BaseSource::History);
    assert!(a.attribution.unmatched.is_empty(), "{:?}", a.attribution.unmatched);
    // WORKDIR and CMD made no layer but are matched to their lines.
    let steps: Vec<(Option<usize>, Option<usize>)> = a
        .attribution
        .steps
        .iter()
        .map(|s| (s.layer, s.dockerfile_line))
        .collect();
    assert_eq!(steps[3], (None, Some(14)));
    assert_eq!(steps[9], (None, Some(20)));
    let f = facts(&dir, "py-sample");
    assert_eq!(a.totals.base_bytes, f["layers"][0]["regular_bytes"].as_u64().unwrap());
    assert_eq!(a.totals.user_bytes, f["dive_like"]["user_bytes"].as_u64().unwrap());
}

#[test]
fn py_sample_deleted_download_is_charged_to_writer_and_noted_on_deleter() {
    let Some(dir) = corpus_dir() else { return };
    let a = analyse(&dir.join("py-sample/py-sample.oci-archive.tar"), None);
    let written = &a.accounting.layers[5].hidden_by;
    assert_eq!(written.len(), 1);
    assert_eq!(
        (written[0].layer, written[0].bytes, written[0].files),
        (6, 8_388_608, 1)
    );
    let deleter = &a.accounting.layers[6].hides;
    assert_eq!((deleter[0].layer, deleter[0].bytes), (5, 8_388_608));
    assert_eq!(a.merge[6].deleted_bytes, 8_388_608);
    assert_eq!(a.merge[5].hidden_later_bytes, 8_388_608);
    // chown -R /app: a metadata-only copy of every file of layer 3.
    assert_eq!(a.merge[7].modified_bytes, 152_225);
    assert_eq!(a.merge[7].metadata_only_bytes, 152_225);
    assert_eq!(a.merge[7].added_bytes, 0);
    assert_eq!(a.accounting.layers[3].hidden_by[0].layer, 7);
    assert_eq!(a.accounting.layers[3].hidden_by[0].files, 58);
}

#[test]
fn py_sample_packages_equal_the_facts() {
    let Some(dir) = corpus_dir() else { return };
    let a = analyse(&dir.join("py-sample/py-sample.oci-archive.tar"), None);
    let f = facts(&dir, "py-sample");
    let mut want_py = BTreeSet::new();
    let mut want_deb = BTreeSet::new();
    for (i, l) in f["layers"].as_array().unwrap().iter().enumerate() {
        for d in l["python_dists_added"].as_array().unwrap() {
            want_py.insert((d.as_str().unwrap().to_string(), i));
        }
        for p in l["dpkg_packages_added"].as_array().unwrap() {
            want_deb.insert((p.as_str().unwrap().to_string(), i));
        }
    }
    let got_py: BTreeSet<(String, usize)> = a
        .packages
        .python
        .iter()
        .map(|p| (format!("{}-{}", p.name, p.version), p.layer))
        .collect();
    assert_eq!(got_py, want_py);
    let got_deb: BTreeSet<(String, usize)> = a.packages.debian.iter().map(|p| (p.name.clone(), p.layer)).collect();
    assert_eq!(got_deb, want_deb);
    let dev: u64 = a
        .packages
        .python
        .iter()
        .filter(|p| p.layer == 4 && p.name != "docopt" && p.name != "python_dotenv")
        .map(|p| p.bytes)
        .sum();
    assert_eq!(
        dev, 4_061_925,
        "pytest + pluggy + iniconfig + packaging, as their RECORDs list"
    );
    assert!(a.packages.python.iter().any(|p| p.name == "pytest" && p.dev_tool));
}

#[test]
fn dive_figures_equal_dive_on_every_corpus_image() {
    let Some(dir) = corpus_dir() else { return };
    for (name, file) in [
        ("tiny", "tiny.docker-archive.tar"),
        ("tiny-buildah", "tiny-buildah.docker-archive.tar"),
        ("py-sample", "py-sample.oci-archive.tar"),
    ] {
        let r = report(&[dir.join(name).join(file).to_str().unwrap()]);
        let want = &facts(&dir, name)["dive_like"];
        let got = &r["totals"]["dive"];
        let eff = got["efficiency"].as_f64().unwrap();
        assert!(
            (eff - want["efficiency_score"].as_f64().unwrap()).abs() < 1e-6,
            "{name}: efficiency {eff}"
        );
        assert_eq!(got["wasted_bytes"], want["wasted_bytes"], "{name}");
        assert_eq!(got["inefficient_paths"], want["inefficient_paths"], "{name}");
        let uwp = got["user_wasted_percent"].as_f64().unwrap() * 100.0;
        assert!(
            (uwp - want["user_wasted_percent"].as_f64().unwrap()).abs() < 1e-3,
            "{name}: {uwp}"
        );
    }
}

#[test]
fn an_edited_dockerfile_leaves_layers_unmatched_instead_of_guessing() {
    let Some(dir) = corpus_dir() else { return };
    let text = std::fs::read_to_string(dir.join("py-sample/Dockerfile")).unwrap();
    let edited = text.replace(
        "RUN pip3 install --break-system-packages -r requirements.txt",
        "RUN pip3 install --no-cache-dir -r requirements.txt",
    );
    assert_ne!(text, edited);
    let a = analyse(&dir.join("py-sample/py-sample.oci-archive.tar"), Some(&edited));
    assert_eq!(a.attribution.layers[4].dockerfile_line, None);
    assert!(
        a.attribution.unmatched.iter().any(|u| u.starts_with("layer 4 ")),
        "{:?}",
        a.attribution.unmatched
    );
    assert_eq!(a.attribution.layers[5].dockerfile_line, Some(17));
}

fn save(img: Image) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = Format::OciArchive.save(dir.path(), &[img]);
    (dir, path)
}

#[test]
fn a_squashed_build_is_one_layer_made_by_several_instructions() {
    let img = Image::new()
        .layer("ADD file:abc in / ", Layer::new().file("etc/os-release", "ID=debian\n"))
        .empty_layer("RUN /bin/sh -c apt-get update")
        .empty_layer("COPY . /app")
        .empty_layer("WORKDIR /app")
        .empty_layer("RUN /bin/sh -c pip install -r requirements.txt")
        .layer(
            "CMD [\"python3\"]",
            Layer::new()
                .file("app/main.py", "print(1)\n")
                .file("var/lib/apt/lists/x", "x"),
        );
    let (_d, path) = save(img);
    let a = analyse(&path, None);
    let top = &a.attribution.layers[1];
    assert!(top.squashed);
    assert_eq!(top.steps.len(), 3, "two RUNs and the COPY, not the CMD");
    assert_eq!(top.instruction.kind, InstructionKind::Unknown);
    assert_eq!(top.instruction.to_string(), "3 instructions squashed into one layer");
    assert!(!a.attribution.layers[0].squashed);
    assert_eq!(a.attribution.layers[0].instruction.kind, InstructionKind::Add);

    // With the Dockerfile, each squashed step finds its line; the layer still has none of its own.
    let df = "FROM debian\nRUN apt-get update\nCOPY . /app\nWORKDIR /app\nRUN pip install -r requirements.txt\nCMD [\"python3\"]\n";
    let a = analyse(&path, Some(df));
    assert_eq!(a.attribution.layers[1].dockerfile_line, None);
    assert_eq!(
        a.attribution.unmatched,
        ["layer 1 holds 3 squashed instructions (lines 2, 3, 5): its bytes are not split among them"]
    );
}

#[test]
fn an_image_without_history_still_works() {
    let img = Image::new()
        .layer("unused", Layer::new().file("a", "1"))
        .layer("unused", Layer::new().file("b", "22"))
        .without_history();
    let (_d, path) = save(img);
    let a = analyse(&path, None);
    assert_eq!(a.attribution.layers.len(), 2);
    assert!(
        a.attribution
            .layers
            .iter()
            .all(|o| o.instruction.kind == InstructionKind::Unknown)
    );
    assert_eq!(a.attribution.base_source, BaseSource::Assumed);
    assert_eq!(a.totals.user_bytes, 2);
}

#[test]
fn base_layers_flag_moves_the_boundary() {
    let img = Image::new()
        .layer("ADD file:abc in / ", Layer::new().file("a", "1"))
        .layer("RUN /bin/sh -c x", Layer::new().file("b", "22"))
        .layer("RUN /bin/sh -c y", Layer::new().file("c", "333"));
    let (_d, path) = save(img);
    let r = report(&[path.to_str().unwrap(), "--base-layers", "2"]);
    assert_eq!(r["totals"]["base_bytes"], 3);
    assert_eq!(r["totals"]["user_bytes"], 3);
    assert_eq!(r["attribution"]["base_source"], "flag");
    let bases: Vec<bool> = r["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["base"].as_bool().unwrap())
        .collect();
    assert_eq!(bases, [true, true, false]);
}

#[test]
fn identical_content_at_different_paths_is_found_once_per_extra_copy() {
    let big = vec![7u8; 5000];
    let img = Image::new()
        .layer(
            "ADD file:abc in / ",
            Layer::new().file("a/one.bin", &big).file("b/two.bin", &big),
        )
        .layer(
            "RUN /bin/sh -c cp",
            Layer::new()
                .file("c/three.bin", &big)
                .file("d/other.bin", vec![8u8; 5000]),
        );
    let (_d, path) = save(img);
    let a = analyse(&path, None);
    assert_eq!(a.accounting.duplicate_bytes, 10_000);
    let g = &a.accounting.duplicates[0];
    assert_eq!((g.copies, g.bytes_each, g.reclaimable_bytes), (3, 5000, 10_000));
    assert_eq!(g.paths, ["/a/one.bin", "/b/two.bin", "/c/three.bin"]);
}

#[test]
fn a_bad_dockerfile_is_an_error_naming_file_and_line() {
    let img = Image::new().layer("RUN /bin/sh -c x", Layer::new().file("a", "1"));
    let (d, path) = save(img);
    let df = d.path().join("Dockerfile");
    std::fs::write(&df, "FROM scratch\nRUNN echo\n").unwrap();
    let err = crate::support::fails(crate::support::bin().arg(&path).arg("--dockerfile").arg(&df));
    assert!(err.contains("Dockerfile") && err.contains("line 2"), "{err}");
}

/// A virtualenv copied from the build context and then re-stored by `chmod -R` (same content,
/// other mode) was installed by the COPY: its packages are credited to that layer, not to the
/// chmod's, and keep their location.
#[test]
fn a_venv_restored_by_chmod_is_credited_to_the_copy_that_brought_it() {
    let site = "app/.venv/lib/python3.11/site-packages";
    let venv = |mode: u32| {
        Layer::new()
            .file_with(format!("{site}/six.py"), vec![b's'; 3000], mode, 0, 0)
            .file_with(
                format!("{site}/six-1.16.0.dist-info/RECORD"),
                "six.py,,3000\n",
                mode,
                0,
                0,
            )
    };
    let img = Image::new()
        .layer(
            "/bin/sh -c #(nop) ADD file:abc in / ",
            Layer::new().file("etc/os-release", "ID=debian\n"),
        )
        .layer("COPY . /app # buildkit", venv(0o644))
        .layer("RUN /bin/sh -c chmod -R g+w /app # buildkit", venv(0o664));
    let dir = tempfile::tempdir().unwrap();
    let path = Format::OciArchive.save(dir.path(), &[img]);
    let a = analyse(&path, None);
    let six = a.packages.python.iter().find(|p| p.name == "six").expect("six found");
    assert_eq!(six.layer, 1, "credited to the COPY: {six:?}");
    assert_eq!(six.location, format!("/{site}"));
    assert_eq!(six.bytes, 3000, "the files its RECORD lists");
}

/// With the Dockerfile, every output names a layer by the Dockerfile's own line (`COPY --chown=10001 . /app`),
/// not by the history's record of it (`COPY dir:9794b0… in /app`, flags lost).
#[test]
fn layers_are_shown_with_the_dockerfiles_own_text() {
    let img = Image::new()
        .layer("ADD file:abc in / ", Layer::new().file("etc/os-release", "ID=debian\n"))
        .layer(
            "COPY dir:9794b0c2d2e1 in /app ",
            Layer::new().file("app/main.py", "print(1)\n"),
        )
        .layer(
            "RUN /bin/sh -c pip install -r requirements.txt",
            Layer::new().file("usr/lib/x.py", "x = 1\n"),
        );
    let (dir, path) = save(img);
    let df = "FROM debian\nCOPY --chown=10001 . /app\nRUN --mount=type=cache,target=/root/.cache pip install \\\n    -r requirements.txt\n";
    let a = analyse(&path, Some(df));
    let shown: Vec<String> = a.attribution.layers.iter().map(|o| o.shown()).collect();
    assert_eq!(shown[1], "COPY --chown=10001 . /app");
    assert_eq!(
        shown[2],
        "RUN --mount=type=cache,target=/root/.cache pip install -r requirements.txt"
    );
    assert!(
        shown[0].starts_with("ADD file:abc"),
        "no Dockerfile line: the history's text"
    );
    let file = dir.path().join("Dockerfile");
    std::fs::write(&file, df).unwrap();
    let out = support::bin()
        .args([
            path.to_str().unwrap(),
            "--text",
            "--no-cache",
            "--dockerfile",
            file.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("COPY --chown=10001 . /app"), "{text}");
    assert!(!text.contains("COPY dir:9794b0c2d2e1"), "{text}");
}
