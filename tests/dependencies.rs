//! What the image's dependency files say (issue 19): wheels built from source on Alpine (DW603,
//! from each distribution's `WHEEL` tags) and requirements files without exact versions
//! (DW704, from the files' captured text, unless a lock file, hashes or constraints pin them).

use deadweight::analysis::rules::Finding;
use deadweight::catalogue::Severity;

use crate::advice::finding;
use crate::rules::{careful, findings};
use crate::support::fixture::{Image, Layer};

/// A distribution installed in the careful image's venv, its wheel tagged `tag`.
fn wheel(l: Layer, name: &str, version: &str, tag: &str, bytes: usize) -> Layer {
    let site = "opt/venv/lib/python3.12/site-packages";
    let info = format!("{site}/{name}-{version}.dist-info");
    l.file(format!("{site}/{name}/__init__.py"), vec![b'x'; bytes])
        .file(
            format!("{info}/RECORD"),
            format!("{name}/__init__.py,,{bytes}\n{name}-{version}.dist-info/WHEEL,,\n"),
        )
        .file(
            format!("{info}/WHEEL"),
            format!("Wheel-Version: 1.0\nGenerator: bdist_wheel (0.43.0)\nRoot-Is-Purelib: false\nTag: {tag}\n"),
        )
}

fn alpine(layer: Layer) -> Image {
    careful().layer(
        "RUN /bin/sh -c pip install -r requirements.txt # buildkit",
        layer.file("etc/alpine-release", "3.20.0\n"),
    )
}

fn dw(f: &[Finding], rule: &str) -> bool {
    f.iter().any(|x| x.rule == rule)
}

/// DW603 names the distributions whose wheel was built here (`linux_*` tags), with their
/// bytes, and not those installed from a musllinux or pure wheel. With compilers in the image
/// it is a warning; without (the wheels were built in a build stage, as advised) information.
#[test]
fn alpine_names_the_wheels_built_from_source() {
    let gcc = Layer::new()
        .file("lib/apk/db/installed", "P:gcc\nV:13.2.1-r0\nF:usr/bin\nR:gcc\n\n")
        .file("usr/bin/gcc", vec![7u8; 30_000]);
    let l = wheel(gcc, "numpy", "1.26.4", "cp312-cp312-linux_x86_64", 50_000);
    let l = wheel(l, "orjson", "3.10.7", "cp312-cp312-musllinux_1_2_x86_64", 20_000);
    let l = wheel(l, "requests", "2.32.3", "py3-none-any", 9_000);
    let f = findings(alpine(l));
    let musl = finding(&f, "DW603");
    assert!(
        musl.title.ends_with("no musllinux wheel: numpy 1.26.4"),
        "{}",
        musl.title
    );
    assert!(
        musl.fix.contains("musllinux") && musl.fix.contains("python:3.x-slim"),
        "{}",
        musl.fix
    );
    let rows: Vec<(&str, u64)> = musl.paths.iter().map(|p| (p.path.as_str(), p.bytes)).collect();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].0.contains("/numpy (numpy 1.26.4, built here)"), "{rows:?}");
    assert!(rows[0].1 >= 50_000, "{rows:?}");
    assert_eq!(musl.severity, Severity::Warning);
    let staged = wheel(Layer::new(), "numpy", "1.26.4", "cp312-cp312-linux_x86_64", 50_000);
    let f = findings(alpine(staged));
    let musl = finding(&f, "DW603");
    assert_eq!(musl.severity, Severity::Info, "{musl:#?}");
    assert!(
        musl.title.contains("in a build stage") && !musl.fix.contains("pip wheel"),
        "{musl:#?}"
    );

    // Prebuilt wheels only: no DW603 without compilers either.
    let l = wheel(
        Layer::new(),
        "orjson",
        "3.10.7",
        "cp312-cp312-musllinux_1_2_x86_64",
        20_000,
    );
    assert!(!dw(&findings(alpine(l)), "DW603"));
    // The same local wheel on Debian is not an Alpine matter.
    let l = wheel(Layer::new(), "numpy", "1.26.4", "cp312-cp312-linux_x86_64", 50_000);
    let debian = careful().layer("RUN /bin/sh -c pip install numpy==1.26.4 # buildkit", l);
    assert!(!dw(&findings(debian), "DW603"));
}

/// Compilers on Alpine with every wheel prebuilt: DW603 says they build nothing.
#[test]
fn alpine_compilers_without_a_local_build_are_named_unneeded() {
    let l = Layer::new()
        .file("lib/apk/db/installed", "P:gcc\nV:13.2.1-r0\nF:usr/bin\nR:gcc\n\n")
        .file("usr/bin/gcc", vec![7u8; 30_000]);
    let l = wheel(l, "orjson", "3.10.7", "cp312-cp312-musllinux_1_2_x86_64", 20_000);
    let f = findings(alpine(l));
    assert!(dw(&f, "DW201"), "{f:#?}");
    let musl = finding(&f, "DW603");
    assert!(musl.title.contains("no package built from source"), "{}", musl.title);
}

fn with_requirements(text: &str, more: Layer) -> Vec<Finding> {
    findings(careful().layer(
        "COPY requirements.txt /app/ # buildkit",
        more.file("app/requirements.txt", text),
    ))
}

/// DW704 quotes each unpinned line with its file and line number.
#[test]
fn unpinned_requirement_lines_are_quoted() {
    let f = with_requirements("# web\nflask>=3\nrequests==2.32.3\ngunicorn  # server\n", Layer::new());
    let loose = finding(&f, "DW704");
    assert!(
        loose.title.contains("/app/requirements.txt (2 lines)"),
        "{}",
        loose.title
    );
    assert!(
        loose.fix.contains("/app/requirements.txt:2 `flask>=3`")
            && loose.fix.contains("/app/requirements.txt:4 `gunicorn`"),
        "{}",
        loose.fix
    );
    assert!(!loose.fix.contains("requests"), "{}", loose.fix);
    assert_eq!(loose.paths[0].path, "/app/requirements.txt");
}

/// A lock file beside it, hashes or constraints in it, or every line pinned: no DW704.
#[test]
fn pinned_or_locked_requirements_are_quiet() {
    let lock = Layer::new().file("app/poetry.lock", "# lock\n");
    assert!(!dw(&with_requirements("flask>=3\n", lock), "DW704"));
    assert!(!dw(
        &with_requirements("--require-hashes\nflask\n", Layer::new()),
        "DW704"
    ));
    assert!(!dw(
        &with_requirements("-c constraints.txt\nflask\n", Layer::new()),
        "DW704"
    ));
    assert!(!dw(&with_requirements("flask==3.0.3\n", Layer::new()), "DW704"));
    // A library's own requirements file inside site-packages is not the image's.
    let vendored = careful().layer(
        "RUN /bin/sh -c pip install x==1 # buildkit",
        Layer::new().file("opt/venv/lib/python3.12/site-packages/x/requirements.txt", "flask\n"),
    );
    assert!(!dw(&findings(vendored), "DW704"));
    // The command that installs it checks it against constraints.
    let img = careful()
        .layer(
            "COPY requirements.txt /app/ # buildkit",
            Layer::new().file("app/requirements.txt", "flask\n"),
        )
        .layer(
            "RUN /bin/sh -c pip install -r requirements.txt -c constraints.txt # buildkit",
            Layer::new().file("app/constraints.txt", "flask==3.0.3\n"),
        );
    assert!(!dw(&findings(img), "DW704"));
}
