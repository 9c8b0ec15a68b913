//! The waste rules (issue 4): a careful multi-stage image with no warning, one fixture per rule
//! that fires it and a near miss that must not, and the rules whose advice depends on what the
//! layers did. The configuration is tested in `rules_config`, the catalogue in `catalogue`,
//! py-sample's seeded items in `corpus`.

use serde_json::json;

use deadweight::analysis::rules::Finding;
use deadweight::analysis::{self, AnalyzeOptions};
use deadweight::catalogue::Severity;
use deadweight::source::{self, LoadOptions};

use crate::support::fixture::{Image, Layer};
use crate::support::layout::Format;

pub(crate) fn analyse_with(img: Image, opts: AnalyzeOptions) -> Vec<Finding> {
    let dir = tempfile::tempdir().unwrap();
    let path = Format::OciArchive.save(dir.path(), &[img]);
    let spec = source::reference::parse(path.to_str().unwrap(), None).unwrap();
    let loaded = source::load(&spec, &LoadOptions::default()).unwrap();
    analysis::analyze_with(loaded, &opts).findings
}

pub(crate) fn findings(img: Image) -> Vec<Finding> {
    analyse_with(img, AnalyzeOptions::default())
}

pub(crate) fn fired(f: &[Finding], rule: &str) -> bool {
    f.iter().any(|x| x.rule == rule)
}

pub(crate) fn bytes(f: &[Finding], rule: &str) -> u64 {
    f.iter().filter(|x| x.rule == rule).map(|x| x.reclaimable_bytes).sum()
}

fn base() -> Layer {
    Layer::new()
        .file("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n")
        .file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n")
        .file("usr/bin/python3.11", vec![1u8; 4000])
        .symlink("usr/bin/python3", "python3.11")
        .file("usr/lib/python3.11/os.py", "import sys\n")
        .file("usr/lib/python3.11/__pycache__/os.cpython-311.pyc", vec![2u8; 300])
}

pub(crate) fn careful() -> Image {
    Image::new()
        .layer("/bin/sh -c #(nop) ADD file:abc in / ", base())
        .empty_layer("ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1")
        .layer(
            "RUN /bin/sh -c useradd --create-home app # buildkit",
            Layer::new().file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n"),
        )
        .layer(
            "COPY --from=build /opt/venv /opt/venv # buildkit",
            Layer::new()
                .file("opt/venv/pyvenv.cfg", "home = /usr/bin\n")
                .file("opt/venv/lib/python3.11/site-packages/flask/__init__.py", vec![b'x'; 2000])
                .file("opt/venv/lib/python3.11/site-packages/flask/__pycache__/__init__.cpython-311.pyc", vec![3u8; 900])
                .file("opt/venv/lib/python3.11/site-packages/flask-3.0.0.dist-info/RECORD", "flask/__init__.py,,2000\r\n"),
        )
        .layer(
            "COPY --chown=app:app app/ /app/app # buildkit",
            Layer::new().file_with("app/app/__init__.py", "", 0o644, 1000, 1000).file_with("app/app/main.py", "print('hi')\n", 0o644, 1000, 1000),
        )
        .layer(
            "RUN /bin/sh -c python -m compileall -q /app # buildkit",
            Layer::new().file("app/app/__pycache__/main.cpython-311.pyc", vec![4u8; 200]),
        )
        .empty_layer("USER app")
        .empty_layer("CMD [\"python\" \"-m\" \"app.main\"]")
        .run_config(json!({"User": "app", "Env": ["PATH=/opt/venv/bin:/usr/bin", "PYTHONUNBUFFERED=1", "PYTHONDONTWRITEBYTECODE=1"], "Cmd": ["python", "-m", "app.main"]}))
}

#[test]
fn a_careful_multi_stage_image_has_no_warning() {
    let f = findings(careful());
    let loud: Vec<&Finding> = f.iter().filter(|x| x.severity >= Severity::Warning).collect();
    assert!(loud.is_empty(), "false alarms: {loud:#?}");
}

/// buildah and Docker's classic builder write `COPY --from=build /opt/venv /opt/venv` as
/// `COPY dir:<hash> in /opt/venv`: without the Dockerfile, a venv that is the whole of what a
/// COPY brought is an environment from a build stage (no DW402, no DW303 for its bytecode),
/// while a venv inside a copied context still is a leak.
#[test]
fn a_venv_copied_whole_in_buildah_history_is_no_context_leak() {
    let venv = |root: &str| {
        Layer::new()
            .file(format!("{root}/pyvenv.cfg"), "home = /usr/bin\n")
            .file(format!("{root}/lib/python3.11/site-packages/six.py"), vec![b'x'; 3000])
            .file(
                format!("{root}/lib/python3.11/site-packages/__pycache__/six.cpython-311.pyc"),
                vec![3u8; 900],
            )
    };
    let img = |layer: Layer, dest: &str| {
        Image::new()
            .layer("/bin/sh -c #(nop) ADD file:abc in / ", base())
            .layer(&format!("/bin/sh -c #(nop) COPY dir:9f2c4e in {dest} "), layer)
            .run_config(json!({"User": "10001:10001", "Env": ["PYTHONUNBUFFERED=1"], "Cmd": ["python", "-m", "app"]}))
    };
    let staged = findings(img(venv("opt/venv"), "/opt/venv"));
    let loud: Vec<&Finding> = staged.iter().filter(|x| x.severity >= Severity::Warning).collect();
    assert!(loud.is_empty(), "a stage's venv is no leak: {loud:#?}");
    let leaked = findings(img(venv("app/venv").file("app/main.py", "print()\n"), "/app"));
    assert!(fired(&leaked, "DW402") && fired(&leaked, "DW303"), "{leaked:#?}");
}

/// Each case: a rule, an image that must fire it, and a near miss that must not.
fn cases() -> Vec<(&'static str, Image, Image)> {
    let run = |cmd: &str, l: Layer| careful().layer(&format!("RUN /bin/sh -c {cmd} # buildkit"), l);
    let copy = |l: Layer| careful().layer("COPY . /app # buildkit", l);
    let dpkg = |pkgs: &[&str]| {
        let mut status = String::new();
        let mut l = Layer::new();
        for p in pkgs {
            status.push_str(&format!(
                "Package: {p}\nStatus: install ok installed\nArchitecture: amd64\nVersion: 12.2.0\n\n"
            ));
            l = l
                .file(
                    format!("var/lib/dpkg/info/{p}:amd64.list"),
                    format!("/usr/lib/{p}/bin\n"),
                )
                .file(format!("usr/lib/{p}/bin"), vec![9u8; 5000]);
        }
        l.file("var/lib/dpkg/status", status)
    };
    vec![
        (
            "DW101",
            run(
                "pip install flask",
                Layer::new().file("root/.cache/pip/http/1/abc", vec![1u8; 3000]),
            ),
            run("true", Layer::new().file("root/.cache/pipeline.txt", "x")),
        ),
        (
            "DW103",
            run(
                "poetry install",
                Layer::new().file("root/.cache/pypoetry/artifacts/a1/flask-3.0.3.whl", vec![1u8; 3000]),
            ),
            // Poetry's default virtualenv is what the image runs, not a cache.
            run(
                "poetry install",
                Layer::new().file(
                    "root/.cache/pypoetry/virtualenvs/app-x-py3.11/lib/python3.11/site-packages/flask/__init__.py",
                    vec![1u8; 3000],
                ),
            ),
        ),
        (
            "DW105",
            run(
                "apt-get update",
                Layer::new().file("var/lib/apt/lists/deb_Packages", vec![1u8; 3000]),
            ),
            run(
                "apt-get update && rm -rf /var/lib/apt/lists/*",
                Layer::new().dir("var/lib/apt/lists").file("var/lib/apt/lists/lock", ""),
            ),
        ),
        (
            "DW401",
            copy(
                Layer::new()
                    .file("app/.git/HEAD", "ref: refs/heads/main\n")
                    .file("app/.git/objects/pack/p.pack", vec![1u8; 3000]),
            ),
            copy(Layer::new().file("app/.gitkeep", "x")),
        ),
        (
            "DW402",
            copy(Layer::new().file("app/.venv/lib/python3.11/site-packages/six.py", vec![1u8; 900])),
            careful(),
        ),
        (
            "DW405",
            copy(Layer::new().file("app/.env", "SECRET_KEY=fake\n")),
            copy(Layer::new().file("app/.env.example", "SECRET_KEY=\n")),
        ),
        (
            "DW407",
            copy(Layer::new().file("app/tests/test_main.py", "def test(): pass\n")),
            copy(Layer::new().file("app/testing_utils.py", "x = 1\n")),
        ),
        (
            "DW301",
            copy(
                Layer::new()
                    .file("app/__pycache__/main.cpython-39.pyc", vec![1u8; 500])
                    .file("app/main.py", "x\n"),
            ),
            copy(Layer::new().file("app/main.py", "x\n")),
        ),
        (
            "DW302",
            run(
                "rm app/old.py",
                Layer::new().file("app/app/__pycache__/old.cpython-311.pyc", vec![1u8; 500]),
            ),
            careful(),
        ),
        (
            "DW501",
            careful()
                .layer(
                    "RUN /bin/sh -c curl -o /tmp/big.bin x # buildkit",
                    Layer::new().file("tmp/big.bin", vec![1u8; 9000]),
                )
                .layer(
                    "RUN /bin/sh -c rm /tmp/big.bin # buildkit",
                    Layer::new().whiteout("tmp/big.bin"),
                ),
            careful().layer(
                "RUN /bin/sh -c rm /tmp/missing # buildkit",
                Layer::new().whiteout("tmp/missing"),
            ),
        ),
        (
            "DW503",
            careful().layer(
                "RUN /bin/sh -c chown -R 1000:1000 /app # buildkit",
                Layer::new().file_with("app/app/main.py", "print('hi')\n", 0o644, 1001, 1001),
            ),
            careful(),
        ),
        (
            "DW201",
            run("apt-get install -y gcc-12", dpkg(&["gcc-12", "libc6"])),
            run("apt-get install -y libgcc-s1", dpkg(&["libgcc-s1", "gcc-12-base"])),
        ),
        (
            "DW202",
            run("apt-get install -y libpq-dev", dpkg(&["libpq-dev"])),
            run("apt-get install -y libpq5", dpkg(&["libpq5"])),
        ),
        (
            "DW506",
            run("make", Layer::new().file("tmp/build.log", vec![1u8; 2000])),
            run("make", Layer::new().dir("tmp")),
        ),
        (
            "DW601",
            careful().run_config(json!({"Env": ["PYTHONUNBUFFERED=1", "PYTHONDONTWRITEBYTECODE=1"]})),
            careful(),
        ),
        ("DW602", careful().run_config(json!({"User": "app"})), careful()),
    ]
}

#[test]
fn each_rule_fires_on_its_fixture_and_not_on_the_near_miss() {
    for (rule, hit, miss) in cases() {
        let f = findings(hit);
        assert!(fired(&f, rule), "{rule} did not fire: {f:#?}");
        let f = findings(miss);
        assert!(!fired(&f, rule), "{rule} fired on its near miss: {f:#?}");
    }
}

/// DW503's advice follows what stored the files first and what stored them again: a COPY
/// followed by a chown gets `COPY --chown`, a RUN followed by a chmod gets "set the mode in that
/// RUN", and a re-store with no chown or chmod (a package manager rewriting its state) is
/// information only.
#[test]
fn dw503_advice_follows_the_instructions_involved() {
    let restored = |first: &str, again: &str| {
        let f = findings(
            careful()
                .layer(first, Layer::new().file_with("srv/tool.sh", "echo hi\n", 0o644, 0, 0))
                .layer(again, Layer::new().file_with("srv/tool.sh", "echo hi\n", 0o755, 0, 0)),
        );
        let hit: Vec<&Finding> = f.iter().filter(|x| x.rule == "DW503").collect();
        assert_eq!(hit.len(), 1, "{first} then {again}: {f:#?}");
        (hit[0].fix.clone(), hit[0].severity)
    };
    let (fix, severity) = restored(
        "COPY tool.sh /srv/ # buildkit",
        "RUN /bin/sh -c chmod 755 /srv/tool.sh # buildkit",
    );
    assert!(fix.starts_with("use `COPY --chmod=755`"), "{fix}");
    assert_eq!(severity, Severity::Warning);
    let (fix, severity) = restored(
        "RUN /bin/sh -c curl -o /srv/tool.sh x # buildkit",
        "RUN /bin/sh -c /bin/chmod +x /srv/tool.sh # buildkit",
    );
    assert!(fix.starts_with("set owner and mode where the files are made"), "{fix}");
    assert!(!fix.contains("COPY"), "{fix}");
    assert_eq!(severity, Severity::Warning);
    let (fix, severity) = restored(
        "RUN /bin/sh -c curl -o /srv/tool.sh x # buildkit",
        "RUN /bin/sh -c apt-get install -y make # buildkit",
    );
    assert!(fix.ends_with("informational"), "{fix}");
    assert_eq!(severity, Severity::Info);
}

/// uv links a venv's files to its cache by default: the distribution is the venv's, sized
/// with the bytes its links share (the cache's unpacked copy is not a second installation), and
/// removing the cache saves only what no link keeps.
#[test]
fn hard_links_from_a_venv_into_the_uv_cache() {
    let cache = "root/.cache/uv/archive-v0/Ab12";
    let site = "srv/.venv/lib/python3.11/site-packages";
    let record = "flask/__init__.py,,\nflask-3.0.3.dist-info/METADATA,,\nflask-3.0.3.dist-info/RECORD,,\n";
    let layer = Layer::new()
        .file(format!("{cache}/flask/__init__.py"), vec![b'f'; 6000])
        .file(format!("{cache}/flask-3.0.3.dist-info/METADATA"), "Name: flask\n")
        .file(format!("{cache}/flask-3.0.3.dist-info/RECORD"), record)
        .file("root/.cache/uv/wheels-v1/index.json", vec![b'w'; 900])
        .hardlink(
            format!("{site}/flask/__init__.py"),
            format!("{cache}/flask/__init__.py"),
        )
        .hardlink(
            format!("{site}/flask-3.0.3.dist-info/METADATA"),
            format!("{cache}/flask-3.0.3.dist-info/METADATA"),
        )
        .file(format!("{site}/flask-3.0.3.dist-info/RECORD"), record);
    let img = careful().layer("RUN /bin/sh -c uv pip install flask # buildkit", layer);
    let dir = tempfile::tempdir().unwrap();
    let a = crate::support::analyze_image(dir.path(), &img);
    let flask: Vec<_> = a.packages.python.iter().filter(|p| p.version == "3.0.3").collect();
    assert_eq!(flask.len(), 1, "{flask:#?}");
    assert_eq!(flask[0].location, format!("/{site}"));
    assert_eq!(flask[0].files, 3);
    assert_eq!(
        flask[0].bytes,
        6000 + "Name: flask\n".len() as u64 + record.len() as u64
    );
    // The cache's own RECORD and index are its only bytes no link keeps.
    assert_eq!(bytes(&a.findings, "DW102"), 900 + record.len() as u64);
}

#[test]
fn a_byte_is_counted_once_across_findings() {
    // The pip cache is also deleted later: both rules see it, one claims it.
    let img = careful()
        .layer(
            "RUN /bin/sh -c pip install x # buildkit",
            Layer::new().file("root/.cache/pip/w.whl", vec![1u8; 5000]),
        )
        .layer(
            "RUN /bin/sh -c rm -rf /root/.cache # buildkit",
            Layer::new().whiteout("root/.cache"),
        );
    let f = findings(img);
    assert_eq!(bytes(&f, "DW101") + bytes(&f, "DW501"), 5000, "{f:#?}");
}

/// DW502 on a base image's files blames the user's line and says in a sentence what happened
/// and that there is nothing to change; a user layer's rewrite asks to write the files once.
#[test]
fn dw502_says_what_was_rewritten_and_by_whom() {
    let f = findings(careful().layer(
        "RUN /bin/sh -c apt-get install -y make # buildkit",
        Layer::new().file("usr/lib/python3.11/os.py", "import sys  # patched\n"),
    ));
    let top = f.iter().filter_map(|x| x.layer).max().unwrap_or_default();
    let hit: Vec<&Finding> = f.iter().filter(|x| x.rule == "DW502" && x.layer == Some(top)).collect();
    assert_eq!(hit.len(), 1, "blamed on the user's layer, not the base's: {f:#?}");
    let fix = &hit[0].fix;
    let want = format!("informational: layer {top} (`RUN apt-get install -y make`) replaced files of the base image");
    assert!(fix.starts_with(&want), "{fix}");
    assert!(fix.contains("nothing to change"), "{fix}");
    let f = findings(
        careful()
            .layer(
                "RUN /bin/sh -c make build # buildkit",
                Layer::new().file("srv/out.bin", vec![1u8; 500]),
            )
            .layer(
                "RUN /bin/sh -c make strip # buildkit",
                Layer::new().file("srv/out.bin", vec![2u8; 400]),
            ),
    );
    let hit: Vec<&Finding> = f
        .iter()
        .filter(|x| x.rule == "DW502" && x.paths.iter().any(|p| p.path == "/srv/out.bin"))
        .collect();
    assert_eq!(hit.len(), 1, "{f:#?}");
    assert!(
        hit[0].fix.starts_with("write them once, in their final form"),
        "{}",
        hit[0].fix
    );
}
