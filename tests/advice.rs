//! The fixes findings give, in the words of the tool that left the waste (Poetry, uv, PDM,
//! Pipenv, pip, apt), and which finding claims a byte when two could: the package that brings
//! documentation before the documentation rule, the tool asked for before the tools it pulled
//! in. Images are the careful multi-stage image of `rules` with one careless layer on top.

use deadweight::analysis::rules::Finding;
use deadweight::analysis::{AnalyzeOptions, dockerfile};

use crate::rules::{analyse_with, bytes, careful, findings};
use crate::support::fixture::{Image, Layer};

/// The Dockerfile `careful()` was built from, with `more` appended to its final stage.
pub(crate) fn careful_dockerfile(more: &str) -> String {
    format!(
        "FROM python:3.11-slim\nENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1\nRUN useradd --create-home app\nCOPY --from=build /opt/venv /opt/venv\nCOPY --chown=app:app app/ /app/app\nRUN python -m compileall -q /app\nUSER app\nCMD [\"python\", \"-m\", \"app.main\"]\n{more}"
    )
}

/// The findings of `img` analysed with `dockerfile` (a `.dockerignore` beside it when `ignore`).
pub(crate) fn findings_with(img: Image, dockerfile: &str, ignore: bool) -> Vec<Finding> {
    let opts = AnalyzeOptions {
        dockerfile: Some(dockerfile::parse(dockerfile).unwrap()),
        dockerignore: Some(ignore),
        ..Default::default()
    };
    analyse_with(img, opts)
}

/// The finding of `rule`; the test fails with every finding when there is none.
fn finding<'a>(f: &'a [Finding], rule: &str) -> &'a Finding {
    f.iter()
        .find(|x| x.rule == rule)
        .unwrap_or_else(|| panic!("no {rule}: {f:#?}"))
}

/// Moving a toolchain package to a build stage takes its documentation and locales with it, so
/// DW201 saves the whole package and the documentation rule does not count those files again.
#[test]
fn a_toolchain_package_saves_its_own_documentation() {
    let status = "Package: make\nStatus: install ok installed\nArchitecture: amd64\nVersion: 4.3-4.1\n\n";
    let files = [
        "/usr/bin/make",
        "/usr/share/locale/de/LC_MESSAGES/make.mo",
        "/usr/share/doc/make/NEWS.gz",
    ];
    let mut layer = Layer::new()
        .file("var/lib/dpkg/status", status)
        .file("var/lib/dpkg/info/make.list", files.join("\n") + "\n");
    for (f, size) in files.iter().zip([200_000, 120_000, 80_000]) {
        layer = layer.file(&f[1..], vec![7u8; size]);
    }
    let f = findings(careful().layer("RUN /bin/sh -c apt-get install -y make # buildkit", layer));
    assert_eq!(bytes(&f, "DW201"), 400_000, "{f:#?}");
    let toolchain = finding(&f, "DW201");
    assert_eq!(
        toolchain.title, "build toolchain in the runtime image: make",
        "the package, not the path pattern"
    );
    assert_eq!(bytes(&f, "DW507"), 0, "{f:#?}");
}

/// A `poetry install` in a careless image: the caches are shown directory by directory (never
/// ~/.cache/pypoetry, which holds the virtualenv the image runs), virtualenv's seed wheels count
/// as a cache, and the dev group is left out in Poetry's words.
#[test]
fn poetry_caches_and_dev_group_get_poetrys_advice() {
    let venv = "root/.cache/pypoetry/virtualenvs/app-x-py3.11/lib/python3.11/site-packages";
    let layer = Layer::new()
        .file(format!("{venv}/flask/__init__.py"), vec![1u8; 4000])
        .file(
            format!("{venv}/flask-3.0.3.dist-info/RECORD"),
            "flask/__init__.py,,4000\n",
        )
        .file(format!("{venv}/_pytest/main.py"), vec![2u8; 3000])
        .file(
            format!("{venv}/pytest-8.3.5.dist-info/RECORD"),
            "_pytest/main.py,,3000\n",
        )
        .file(
            "root/.cache/pypoetry/artifacts/ab/cd/flask-3.0.3-py3-none-any.whl",
            vec![3u8; 2000],
        )
        .file("root/.cache/pypoetry/cache/repositories/PyPI/_http/1/2", vec![4u8; 500])
        .file(
            "root/.cache/virtualenv/wheel/3.11/image/1/CopyPipInstall/pip-24.0-py3-none-any/pip/__init__.py",
            vec![5u8; 1500],
        );
    let f = findings(careful().layer("RUN /bin/sh -c poetry install --no-root # buildkit", layer));
    let cache = finding(&f, "DW103");
    assert_eq!(cache.reclaimable_bytes, 4000, "{cache:#?}");
    let shown: Vec<&str> = cache.paths.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(
        shown,
        [
            "/root/.cache/pypoetry/artifacts",
            "/root/.cache/virtualenv",
            "/root/.cache/pypoetry/cache"
        ]
    );
    for p in &shown {
        assert!(cache.fix.contains(p), "{}", cache.fix);
    }
    // `--no-cache` does not keep ~/.cache/pypoetry/artifacts out; a removed cache directory
    // does, once the virtualenv lives elsewhere.
    assert!(!cache.fix.contains("--no-cache"), "{}", cache.fix);
    assert!(
        cache.fix.contains("POETRY_CACHE_DIR=/tmp/poetry-cache")
            && cache.fix.contains("POETRY_VIRTUALENVS_IN_PROJECT=true"),
        "{}",
        cache.fix
    );
    let dev = finding(&f, "DW304");
    assert_eq!(dev.reclaimable_bytes, 3000, "the files its RECORD lists: {dev:#?}");
    assert!(dev.fix.contains("poetry install --only main"), "{}", dev.fix);
}

/// A tool another tool requires came with it: Poetry is named, not the `build` it pulls in, and
/// Poetry itself belongs in a build stage rather than in a requirements-dev.txt.
#[test]
fn dev_tools_pulled_in_by_another_are_not_named() {
    let site = "usr/local/lib/python3.11/site-packages";
    let dist = |l: Layer, name: &str, version: &str, requires: &[&str], size: usize| {
        let meta: String = requires.iter().map(|r| format!("Requires-Dist: {r}\n")).collect();
        l.file(format!("{site}/{name}/__init__.py"), vec![1u8; size])
            .file(
                format!("{site}/{name}-{version}.dist-info/RECORD"),
                format!("{name}/__init__.py,,{size}\n"),
            )
            .file(
                format!("{site}/{name}-{version}.dist-info/METADATA"),
                format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n{meta}"),
            )
    };
    let layer = dist(Layer::new(), "poetry", "1.8.3", &["build (>=1.0.3,<2.0.0)"], 5000);
    let layer = dist(layer, "build", "1.2.1", &[], 700);
    let f = findings(careful().layer("RUN /bin/sh -c pip install poetry # buildkit", layer));
    let dev = finding(&f, "DW304");
    assert_eq!(dev.title, "development or test packages installed: poetry 1.8.3");
    assert_eq!(dev.reclaimable_bytes, 5700, "both go: {dev:#?}");
    assert!(
        dev.fix.contains("build stage") && !dev.fix.contains("requirements-dev"),
        "{}",
        dev.fix
    );
}

/// The same distribution in a second environment is reported once per layer with every
/// package it repeats; the installers every environment has (pip, setuptools, wheel) are not.
#[test]
fn packages_installed_again_are_named_together() {
    let site = "usr/local/lib/python3.11/site-packages";
    let venv = "opt/venv/lib/python3.11/site-packages";
    let mut layer = Layer::new();
    for (dir, name, size) in [(site, "flask", 1000), (site, "pip", 3000), (venv, "pip", 3000)] {
        layer = layer.file(format!("{dir}/{name}/__init__.py"), vec![1u8; size]).file(
            format!("{dir}/{name}-9.0.dist-info/RECORD"),
            format!("{name}/__init__.py,,{size}\n"),
        );
    }
    let f = findings(careful().layer("RUN /bin/sh -c pip install flask # buildkit", layer));
    let again = finding(&f, "DW305");
    assert_eq!(again.title, "installed again in another location: flask 9.0");
    assert_eq!(again.reclaimable_bytes, 1000, "the smaller copy: {again:#?}");
    assert_eq!(again.paths[0].path, format!("/{site}/flask (flask 9.0)"));
    assert!(
        again.fix.contains("/opt/venv/lib/python3.11/site-packages"),
        "{}",
        again.fix
    );
}

/// Files one RUN writes and two later RUNs delete are one finding on the writing layer that
/// names both deleting layers, not a finding titled by the first with the second's bytes in it.
#[test]
fn files_deleted_by_two_later_layers_name_both() {
    let img = careful()
        .layer(
            "RUN /bin/sh -c curl -o /opt/a.tar x && curl -o /opt/b.tar y # buildkit",
            Layer::new()
                .file("opt/a.tar", vec![1u8; 3000])
                .file("opt/b.tar", vec![2u8; 5000]),
        )
        .layer(
            "RUN /bin/sh -c rm /opt/a.tar # buildkit",
            Layer::new().whiteout("opt/a.tar"),
        )
        .layer(
            "RUN /bin/sh -c rm /opt/b.tar # buildkit",
            Layer::new().whiteout("opt/b.tar"),
        );
    let f = findings(img);
    let deleted: Vec<_> = f.iter().filter(|x| x.rule == "DW501").collect();
    assert_eq!(deleted.len(), 1, "{deleted:#?}");
    let d = deleted[0];
    assert_eq!(d.reclaimable_bytes, 8000);
    assert!(
        d.title.contains(" and deleted by layer ") && d.title.matches("layer").count() == 3,
        "{}",
        d.title
    );
    assert!(
        d.fix.contains("rm /opt/a.tar") && d.fix.contains("rm /opt/b.tar"),
        "{}",
        d.fix
    );
}

/// A `chown -R` over files two COPYs made: one finding naming both COPYs for `--chown`.
#[test]
fn a_chown_over_two_copies_names_both() {
    let img = careful()
        .layer(
            "COPY requirements.txt /srv/ # buildkit",
            Layer::new().file("srv/requirements.txt", vec![b'f'; 900]),
        )
        .layer(
            "COPY src/ /srv/src/ # buildkit",
            Layer::new().file("srv/src/main.py", vec![b'p'; 1100]),
        )
        .layer(
            "RUN /bin/sh -c chown -R app:app /srv # buildkit",
            Layer::new()
                .file_with("srv/requirements.txt", vec![b'f'; 900], 0o644, 1000, 1000)
                .file_with("srv/src/main.py", vec![b'p'; 1100], 0o644, 1000, 1000),
        );
    let f = findings(img);
    let copies: Vec<_> = f.iter().filter(|x| x.rule == "DW503").collect();
    assert_eq!(copies.len(), 1, "{copies:#?}");
    assert_eq!(copies[0].reclaimable_bytes, 2000);
    let fix = &copies[0].fix;
    assert!(fix.starts_with("use `COPY --chown=app:app` at layer "), "{fix}");
    assert!(
        fix.contains("COPY requirements.txt") && fix.contains("COPY src/"),
        "{fix}"
    );
}

/// `uv sync` writes a venv whose files its cache links to (here the venv's copy comes first in
/// the tar, so the cache holds the links). Removing the dev packages frees their bytes once the
/// cache is gone too, and the two findings say so together: DW304 counts the packages, DW102
/// the cache's own bytes, neither counts zero for the other's links.
#[test]
fn dev_packages_a_cache_links_to_are_saved_with_the_cache() {
    let site = "app/.venv/lib/python3.11/site-packages";
    let cache = "root/.cache/uv/archive-v0/Cd34";
    let record = "ruff/__init__.py,,\nruff-0.6.0.dist-info/RECORD,,\n";
    let layer = Layer::new()
        .file(format!("{site}/ruff/__init__.py"), vec![b'r'; 7000])
        .file(format!("{site}/ruff-0.6.0.dist-info/RECORD"), record)
        .hardlink(format!("{cache}/ruff/__init__.py"), format!("{site}/ruff/__init__.py"))
        .file("root/.cache/uv/simple-v14/pypi/ruff.rkyv", vec![b'i'; 800]);
    let f = findings(careful().layer("RUN /bin/sh -c uv sync # buildkit", layer));
    assert_eq!(bytes(&f, "DW304"), 7000 + record.len() as u64, "{f:#?}");
    assert_eq!(bytes(&f, "DW102"), 800, "{f:#?}");
    let dev = finding(&f, "DW304");
    assert!(dev.fix.contains("uv sync --no-dev"), "{}", dev.fix);
    let cache = finding(&f, "DW102");
    assert!(cache.fix.contains("`RUN uv sync --no-cache`"), "{}", cache.fix);
    assert!(cache.fix.contains("UV_LINK_MODE=copy"), "{}", cache.fix);
}

/// uv installed with pip to build the environment is a build tool when the container's command
/// does not run it (37 MiB in an image built here); with `uv run` in the command it stays.
#[test]
fn uv_is_a_build_tool_unless_the_command_runs_it() {
    let site = "usr/local/lib/python3.11/site-packages";
    let layer = Layer::new()
        .file("usr/local/bin/uv", vec![b'u'; 9000])
        .file(format!("{site}/uv-0.5.0.dist-info/RECORD"), "../../../bin/uv,,9000\n");
    let img = || careful().layer("RUN /bin/sh -c pip install --no-cache-dir uv # buildkit", layer.clone());
    let f = findings(img());
    let dev = finding(&f, "DW304");
    assert_eq!(dev.title, "development or test packages installed: uv 0.5.0");
    assert_eq!(dev.reclaimable_bytes, 9000);
    assert!(dev.fix.contains("build stage"), "{}", dev.fix);
    let runs_uv =
        img().run_config(serde_json::json!({"User": "app", "Cmd": ["uv", "run", "python", "-m", "app.main"]}));
    assert!(!findings(runs_uv).iter().any(|x| x.rule == "DW304"));
}

/// Pipenv has no `PIPENV_NO_CACHE`: the pip it runs obeys `PIP_NO_CACHE_DIR`.
#[test]
fn pipenv_cache_advice_names_variables_that_exist() {
    let layer = Layer::new().file("root/.cache/pipenv/http/ab/cd", vec![1u8; 3000]);
    let f = findings(careful().layer("RUN /bin/sh -c pipenv install --system --deploy # buildkit", layer));
    let cache = finding(&f, "DW103");
    assert!(!cache.fix.contains("PIPENV_NO_CACHE"), "{}", cache.fix);
    assert!(cache.fix.contains("PIP_NO_CACHE_DIR=1"), "{}", cache.fix);
    let explain = deadweight::catalogue::find("DW103").unwrap().rationale;
    assert!(!explain.contains("PIPENV_NO_CACHE"), "{explain}");
    assert!(explain.contains("virtualenvs.in-project"), "{explain}");
}

/// DW703 leaves alone what keeps pip's cache out already (uv's pip with `--no-cache`, an inline
/// or ENV `PIP_NO_CACHE_DIR`), and where DW101 reports the line's cache with its bytes it does
/// not repeat it with none.
#[test]
fn pip_without_no_cache_dir_only_where_pip_caches() {
    let dw703 = |more: &str| {
        let f = findings_with(careful(), &careful_dockerfile(more), true);
        f.iter().filter(|x| x.rule == "DW703").count()
    };
    assert_eq!(dw703("RUN pip install flask\n"), 1, "the plain case");
    assert_eq!(dw703("RUN uv pip install --no-cache flask\n"), 0);
    assert_eq!(dw703("RUN PIP_NO_CACHE_DIR=1 pip install flask\n"), 0);
    assert_eq!(dw703("ENV PIP_NO_CACHE_DIR=1\nRUN pip install flask\n"), 0);
    let env = careful().run_config(serde_json::json!({"User": "app", "Env": ["PIP_NO_CACHE_DIR=1", "PYTHONUNBUFFERED=1", "PYTHONDONTWRITEBYTECODE=1"]}));
    assert_eq!(
        findings_with(env, &careful_dockerfile("RUN pip install flask\n"), true)
            .iter()
            .filter(|x| x.rule == "DW703")
            .count(),
        0
    );
    let cached = careful().layer(
        "RUN /bin/sh -c pip install flask # buildkit",
        Layer::new().file("root/.cache/pip/http/1/abc", vec![1u8; 3000]),
    );
    let f = findings_with(cached, &careful_dockerfile("RUN pip install flask\n"), true);
    assert_eq!(bytes(&f, "DW101"), 3000, "{f:#?}");
    assert!(!f.iter().any(|x| x.rule == "DW703"), "DW101 says it: {f:#?}");
}

/// DW702 finds `apt-get install` whatever its options' order and `apt install`, and gives the
/// whole command back with the flag added; a fix from the Dockerfile keeps the line's flags.
#[test]
fn apt_and_pip_fixes_are_the_whole_line_with_its_flags() {
    let fix = |more: &str, rule: &str| {
        let f = findings_with(careful(), &careful_dockerfile(more), true);
        finding(&f, rule).fix.clone()
    };
    assert_eq!(
        fix("RUN apt-get update && apt-get -y install gcc libpq-dev\n", "DW702"),
        "line 9: `RUN apt-get update && apt-get -y install --no-install-recommends gcc libpq-dev`"
    );
    assert!(fix("RUN apt-get install -qy curl\n", "DW702").contains("install --no-install-recommends -qy curl"));
    assert!(fix("RUN apt install curl\n", "DW702").contains("apt install --no-install-recommends curl"));
    assert_eq!(
        fix(
            "RUN --mount=type=secret,id=netrc,target=/root/.netrc pip install flask\n",
            "DW703"
        ),
        "line 9: `RUN --mount=type=secret,id=netrc,target=/root/.netrc pip install --no-cache-dir flask`"
    );
}

/// DW602: `python -u` already means unbuffered; `PYTHONDONTWRITEBYTECODE=1` is advised only
/// with the way to precompile in the installer's words (uv does not compile by default).
#[test]
fn python_env_advice_counts_python_u_and_says_how_to_precompile() {
    let cfg = |cmd: &[&str]| serde_json::json!({"User": "10001", "Env": ["PATH=/usr/bin"], "Cmd": cmd});
    let f = findings(careful().run_config(cfg(&["python", "-u", "-m", "app.main"])));
    let env = finding(&f, "DW602");
    assert_eq!(env.title, "PYTHONDONTWRITEBYTECODE not set in a Python image");
    assert!(env.fix.contains("python -m compileall"), "{}", env.fix);
    let uv = careful()
        .layer(
            "RUN /bin/sh -c uv sync --no-cache # buildkit",
            Layer::new().file("app/.venv/pyvenv.cfg", "x\n"),
        )
        .run_config(cfg(&["python", "-m", "app.main"]));
    let f = findings(uv);
    let env = finding(&f, "DW602");
    assert!(env.title.starts_with("PYTHONUNBUFFERED and "), "{}", env.title);
    assert!(env.fix.contains("UV_COMPILE_BYTECODE=1"), "{}", env.fix);
}

/// DW601 speaks Alpine's adduser there and asks for a numeric USER; a USER given by name is an
/// information of its own (DW605), a numeric one is not.
#[test]
fn user_advice_is_numeric_and_fits_the_distribution() {
    let root = serde_json::json!({"Env": ["PYTHONUNBUFFERED=1", "PYTHONDONTWRITEBYTECODE=1"]});
    let alpine = careful()
        .layer(
            "RUN /bin/sh -c true # buildkit",
            Layer::new().file("etc/alpine-release", "3.20.0\n"),
        )
        .run_config(root.clone());
    let f = findings(alpine);
    let fix = &finding(&f, "DW601").fix;
    assert!(fix.contains("adduser -D -u 10001") && !fix.contains("useradd"), "{fix}");
    assert!(fix.contains("USER 10001:10001"), "{fix}");
    let debian = findings(careful().run_config(root));
    let fix = &finding(&debian, "DW601").fix;
    assert!(fix.contains("useradd") && fix.contains("USER 10001:10001"), "{fix}");
    let named = findings(careful());
    assert_eq!(finding(&named, "DW605").severity, deadweight::catalogue::Severity::Info);
    let numeric = careful().run_config(
        serde_json::json!({"User": "10001:10001", "Env": ["PYTHONUNBUFFERED=1", "PYTHONDONTWRITEBYTECODE=1"]}),
    );
    assert!(!findings(numeric).iter().any(|x| x.rule == "DW605" || x.rule == "DW601"));
}

/// Given the Dockerfile, DW503 quotes its line (`COPY . /app`), not the history's record of it
/// (`COPY dir:<hash> in /app`); a symbolic chmod becomes the octal mode the files got; the
/// title names what changed.
#[test]
fn dw503_quotes_the_dockerfile_and_gives_an_octal_mode() {
    let img = careful()
        .layer(
            "/bin/sh -c #(nop) COPY dir:9794b0aa in /app ",
            Layer::new().file_with("app/run.sh", "echo hi\n", 0o644, 0, 0),
        )
        .layer(
            "/bin/sh -c chmod +x /app/run.sh",
            Layer::new().file_with("app/run.sh", "echo hi\n", 0o755, 0, 0),
        );
    let f = findings_with(
        img,
        &careful_dockerfile("COPY . /app\nRUN chmod +x /app/run.sh\n"),
        true,
    );
    let again = finding(&f, "DW503");
    assert!(
        again
            .fix
            .starts_with("use `COPY --chmod=755` at line 9 (`COPY . /app`)"),
        "{}",
        again.fix
    );
    assert!(!again.fix.contains("dir:"), "{}", again.fix);
    assert!(again.title.ends_with("again with new mode only"), "{}", again.title);
}

/// Files stored again with the same bytes, owner and mode are not "new owner or mode": they
/// are their own, plainer finding (DW508), and a COPY that repeats one is told to copy once.
#[test]
fn files_stored_again_unchanged_are_their_own_finding() {
    let img = careful()
        .layer(
            "COPY uv.lock /srv/ # buildkit",
            Layer::new().file("srv/uv.lock", vec![b'l'; 4000]),
        )
        .layer(
            "COPY . /srv/ # buildkit",
            Layer::new().file("srv/uv.lock", vec![b'l'; 4000]),
        );
    let f = findings(img);
    assert!(!f.iter().any(|x| x.rule == "DW503"), "{f:#?}");
    let same = finding(&f, "DW508");
    assert_eq!(same.reclaimable_bytes, 4000);
    assert!(same.title.contains("unchanged"), "{}", same.title);
    assert!(same.fix.starts_with("copy them once"), "{}", same.fix);
}

/// A fix rebuilt from the history says so (BuildKit drops `--mount` from it); from the
/// Dockerfile it keeps the line's flags.
#[test]
fn fixes_keep_the_dockerfiles_flags_or_say_they_come_from_history() {
    let img = || {
        careful().layer(
            "RUN /bin/sh -c pip install flask # buildkit",
            Layer::new().file("root/.cache/pip/http/1/abc", vec![1u8; 3000]),
        )
    };
    let f = findings(img());
    assert!(
        finding(&f, "DW101").fix.contains("rebuilt from the image history"),
        "{f:#?}"
    );
    let line = "RUN --mount=type=secret,id=netrc,target=/root/.netrc pip install flask\n";
    let f = findings_with(img(), &careful_dockerfile(line), true);
    let fix = &finding(&f, "DW101").fix;
    assert!(
        fix.contains("`RUN --mount=type=secret,id=netrc,target=/root/.netrc pip install --no-cache-dir flask`"),
        "{fix}"
    );
    assert!(!fix.contains("history"), "{fix}");
}

/// A context finding's title names the path a user acts on: the application's `/app/tests`,
/// not a larger `tests` directory vendored deep inside a copied tree.
#[test]
fn context_titles_name_the_shallowest_path() {
    let layer = Layer::new().file("app/tests/test_main.py", "def test(): pass\n").file(
        "app/vendor/lib/python3.11/site-packages/numpy/tests/test_big.py",
        vec![b't'; 9000],
    );
    let f = findings(careful().layer("COPY . /app # buildkit", layer));
    assert_eq!(
        finding(&f, "DW407").title,
        "tests copied into the runtime image: /app/tests"
    );
}

/// A toolchain installed in one layer and purged in a later one is not "in the runtime image":
/// everything the install wrote and the purge deleted is one DW501 on the installing line.
#[test]
fn a_toolchain_purged_later_is_deleted_weight_not_runtime_weight() {
    let install = Layer::new()
        .file("usr/bin/gcc-12", vec![b'g'; 6000])
        .file("usr/lib/gcc/x86_64-linux-gnu/12/cc1", vec![b'c'; 9000])
        .file("usr/include/stdio.h", vec![b'h'; 1000]);
    let purge = Layer::new()
        .whiteout("usr/bin/gcc-12")
        .whiteout("usr/lib/gcc")
        .whiteout("usr/include");
    let img = careful()
        .layer(
            "RUN /bin/sh -c apt-get install -y build-essential && pip wheel x # buildkit",
            install,
        )
        .layer(
            "RUN /bin/sh -c apt-get purge -y --auto-remove build-essential # buildkit",
            purge,
        );
    let f = findings(img);
    for rule in ["DW201", "DW202"] {
        assert!(!f.iter().any(|x| x.rule == rule), "{rule}: {f:#?}");
    }
    assert_eq!(bytes(&f, "DW501"), 16_000, "{f:#?}");
}

/// A base image's compilers and headers are not a line the user wrote: one DW204 (info) per
/// base layer with their bytes and a fix about the base; other findings in base layers are
/// information with a fix that speaks of the base.
#[test]
fn base_layer_findings_speak_of_the_base() {
    let status = "Package: gcc-12\nStatus: install ok installed\nArchitecture: amd64\nVersion: 12.2.0\n\n\
                  Package: libpq-dev\nStatus: install ok installed\nArchitecture: amd64\nVersion: 15\n\n";
    let base = Layer::new()
        .file("etc/os-release", "ID=debian\n")
        .file("usr/bin/python3.11", vec![1u8; 4000])
        .file("var/lib/dpkg/status", status)
        .file("var/lib/dpkg/info/gcc-12:amd64.list", "/usr/bin/gcc-12\n")
        .file(
            "var/lib/dpkg/info/libpq-dev:amd64.list",
            "/usr/include/postgresql/libpq-fe.h\n",
        )
        .file("usr/bin/gcc-12", vec![b'g'; 7000])
        .file("usr/include/postgresql/libpq-fe.h", vec![b'h'; 3000])
        .file("var/lib/apt/lists/deb_Packages", vec![b'l'; 5000]);
    let img = Image::new()
        .layer("/bin/sh -c #(nop) ADD file:abc in / ", base)
        .layer("COPY app/ /app # buildkit", Layer::new().file("app/main.py", "print()\n"))
        .run_config(serde_json::json!({"User": "10001", "Env": ["PYTHONUNBUFFERED=1", "PYTHONDONTWRITEBYTECODE=1"], "Cmd": ["python3", "/app/main.py"]}));
    let f = findings(img);
    let loud: Vec<&Finding> = f
        .iter()
        .filter(|x| x.severity > deadweight::catalogue::Severity::Info)
        .collect();
    assert!(loud.is_empty(), "{loud:#?}");
    let full = finding(&f, "DW204");
    assert_eq!(full.reclaimable_bytes, 10_000, "{full:#?}");
    assert!(full.fix.contains("-slim"), "{}", full.fix);
    let lists = finding(&f, "DW105");
    assert!(lists.fix.starts_with("the base image ships"), "{}", lists.fix);
}
