//! Advice about how the container runs and what its final stage holds (issue 19): user,
//! Python's environment and bytecode, the command (development servers, shell form), base-image
//! layers, tests and build tools in the final stage.

use deadweight::analysis::rules::Finding;

use crate::advice::finding;
use crate::rules::{careful, findings};
use crate::support::fixture::{Image, Layer};

/// DW602: `python -u` already means unbuffered; `PYTHONDONTWRITEBYTECODE=1` is advised only
/// with the way to precompile in the installer's words (uv does not compile by default).
#[test]
fn python_env_advice_counts_python_u_and_says_how_to_precompile() {
    let cfg = |cmd: &[&str]| serde_json::json!({"User": "10001", "Env": ["PATH=/usr/bin"], "Cmd": cmd});
    let f = findings(careful().run_config(cfg(&["python", "-u", "-m", "app.main"])));
    let env = finding(&f, "DW602");
    assert_eq!(env.title, "PYTHONDONTWRITEBYTECODE not set in a Python image");
    assert!(env.fix.contains("python3 -m compileall"), "{}", env.fix);
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
    let with_useradd = careful().layer(
        "RUN /bin/sh -c true # buildkit",
        Layer::new().file("usr/sbin/useradd", vec![0x7fu8; 100]),
    );
    let debian = findings(with_useradd.run_config(root.clone()));
    let fix = &finding(&debian, "DW601").fix;
    assert!(fix.contains("useradd") && fix.contains("USER 10001:10001"), "{fix}");
    // Distroless or BusyBox-only: nothing to create the user with (often no shell for a RUN);
    // the numeric USER alone works.
    let bare = findings(careful().run_config(root));
    let fix = &finding(&bare, "DW601").fix;
    assert!(!fix.contains("RUN ") && fix.contains("USER 10001:10001"), "{fix}");
    let named = findings(careful());
    assert_eq!(finding(&named, "DW605").severity, deadweight::catalogue::Severity::Info);
    let numeric = careful().run_config(
        serde_json::json!({"User": "10001:10001", "Env": ["PYTHONUNBUFFERED=1", "PYTHONDONTWRITEBYTECODE=1"]}),
    );
    assert!(!findings(numeric).iter().any(|x| x.rule == "DW605" || x.rule == "DW601"));
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

/// The container's command: a development server (DW606) and a shell-form CMD (DW607) are
/// found, with the exec form given back; gunicorn in exec form is neither.
#[test]
fn development_servers_and_shell_form_commands() {
    let with_cmd = |cmd: serde_json::Value| {
        findings(careful().run_config(serde_json::json!({"User": "10001", "Env": ["PYTHONUNBUFFERED=1", "PYTHONDONTWRITEBYTECODE=1"], "Cmd": cmd})))
    };
    for cmd in [
        serde_json::json!(["flask", "run", "--host", "0.0.0.0"]),
        serde_json::json!(["python", "manage.py", "runserver", "0.0.0.0:8000"]),
        serde_json::json!(["uvicorn", "app.main:app", "--reload"]),
    ] {
        let f = with_cmd(cmd.clone());
        assert!(finding(&f, "DW606").fix.contains("gunicorn"), "{cmd}");
    }
    let f = with_cmd(serde_json::json!([
        "/bin/sh",
        "-c",
        "gunicorn --bind 0.0.0.0:8000 app:app"
    ]));
    let shell = finding(&f, "DW607");
    assert!(
        shell
            .fix
            .contains(r#"`CMD ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]`"#),
        "{}",
        shell.fix
    );
    let f = with_cmd(serde_json::json!([
        "gunicorn",
        "--bind",
        "0.0.0.0:8000",
        "--worker-tmp-dir",
        "/dev/shm",
        "app:app"
    ]));
    assert!(!f.iter().any(|x| x.rule == "DW606" || x.rule == "DW607"), "{f:#?}");
}

/// The final stage running its tests (DW409, with what the run left) and test files anywhere in
/// the copied context (DW407); build tools copied in from another image (DW306) unless the
/// command runs them.
#[test]
fn tests_and_build_tools_in_the_final_stage() {
    let img = careful()
        .layer(
            "COPY . /app # buildkit",
            Layer::new()
                .file("app/app/test_models.py", "def test(): pass\n")
                .file("app/conftest.py", "import pytest\n"),
        )
        .layer(
            "RUN /bin/sh -c pip install --no-cache-dir pytest && pytest -q # buildkit",
            Layer::new()
                .file("app/.pytest_cache/v/cache/nodeids", vec![b'n'; 700])
                .file(
                    "app/app/__pycache__/test_models.cpython-311-pytest-8.3.5.pyc",
                    vec![b'p'; 900],
                )
                .file(
                    "usr/local/lib/python3.11/site-packages/pytest/__init__.py",
                    vec![b'x'; 5000],
                ),
        )
        .layer(
            "COPY --from=ghcr.io/astral-sh/uv:0.5 /uv /uvx /bin/ # buildkit",
            Layer::new()
                .file("bin/uv", vec![b'u'; 9000])
                .file("bin/uvx", vec![b'v'; 300]),
        );
    let f = findings(img.clone());
    let run = finding(&f, "DW409");
    assert_eq!(
        run.reclaimable_bytes, 1600,
        "what the run wrote, not the install: {run:#?}"
    );
    let files: Vec<&str> = f
        .iter()
        .filter(|x| x.rule == "DW407")
        .flat_map(|x| x.paths.iter().map(|p| p.path.as_str()))
        .collect();
    assert!(
        files.contains(&"/app/app/test_models.py") && files.contains(&"/app/conftest.py"),
        "{files:?}"
    );
    let tools = finding(&f, "DW306");
    assert_eq!(tools.reclaimable_bytes, 9300);
    assert_eq!(tools.title, "build tools copied into the runtime stage: uv, uvx");
    let runs_uv = img.run_config(serde_json::json!({"User": "10001", "Cmd": ["uv", "run", "app"]}));
    assert!(
        !findings(runs_uv)
            .iter()
            .any(|x| x.rule == "DW306" && x.title.contains("uv,"))
    );
}

/// `PYTHONDONTWRITEBYTECODE=1` over packages installed without bytecode (uv's default): each
/// start compiles them again (DW307); the careful image's compiled venv is not reported.
#[test]
fn packages_without_bytecode_under_dontwritebytecode() {
    let site = "app/.venv/lib/python3.11/site-packages";
    let layer = Layer::new()
        .file(format!("{site}/flask/__init__.py"), vec![b'f'; 3000])
        .file(
            format!("{site}/flask-3.0.3.dist-info/RECORD"),
            "flask/__init__.py,,3000\n",
        );
    let f = findings(careful().layer("RUN /bin/sh -c uv sync --no-cache # buildkit", layer));
    let missing = finding(&f, "DW307");
    assert!(missing.fix.contains("UV_COMPILE_BYTECODE=1"), "{}", missing.fix);
    assert!(missing.title.contains(&format!("/{site}")), "{}", missing.title);
    assert!(!findings(careful()).iter().any(|x| x.rule == "DW307"));
}

/// Findings above the base image come first, whatever their size: the base's are information
/// the Dockerfile being checked cannot act on, so text, Markdown, CI and the explorer lead with
/// what it can fix.
#[test]
fn base_image_findings_come_after_the_users() {
    let base = Layer::new()
        .file("etc/os-release", "ID=debian\n")
        .file("var/lib/apt/lists/deb_Packages", vec![b'l'; 50_000]);
    let img = Image::new().layer("/bin/sh -c #(nop) ADD file:abc in / ", base).layer(
        "RUN /bin/sh -c pip install flask # buildkit",
        Layer::new().file("root/.cache/pip/http/a/b", vec![b'p'; 300]),
    );
    let f = findings(img);
    let at = |rule: &str| {
        f.iter()
            .position(|x| x.rule == rule)
            .unwrap_or_else(|| panic!("{rule}: {f:#?}"))
    };
    assert!(f[at("DW105")].reclaimable_bytes > f[at("DW101")].reclaimable_bytes);
    assert!(at("DW101") < at("DW105"), "{f:#?}");
}

/// The commands DW602 and DW307 give are pasted as they are: on Debian's or Alpine's Python
/// (`python3` on PATH, no `python`) they call `python3`, and DW307 names the directories to
/// compile instead of a placeholder.
#[test]
fn precompile_commands_name_the_interpreter_on_path_and_the_directories() {
    let site = "usr/local/lib/python3.11/dist-packages";
    let debian = Layer::new()
        .file("usr/bin/python3.11", vec![0x7fu8; 500])
        .symlink("usr/bin/python3", "python3.11")
        .file(format!("{site}/docopt.py"), vec![b'd'; 3000])
        .file(format!("{site}/docopt-0.6.2.dist-info/RECORD"), "docopt.py,,3000\n");
    let img = |env: &[&str]| {
        careful()
            .layer("RUN /bin/sh -c pip3 install docopt # buildkit", debian.clone())
            .run_config(serde_json::json!({"User": "10001", "Env": env, "Cmd": ["python3", "-m", "app"]}))
    };
    let f = findings(img(&["PATH=/usr/local/bin:/usr/bin:/bin"]));
    let env = finding(&f, "DW602");
    assert!(env.fix.contains("`RUN python3 -m compileall -q /app`"), "{}", env.fix);
    let f = findings(img(&[
        "PATH=/usr/local/bin:/usr/bin:/bin",
        "PYTHONUNBUFFERED=1",
        "PYTHONDONTWRITEBYTECODE=1",
    ]));
    let missing = finding(&f, "DW307");
    assert!(
        missing.fix.contains(&format!("`RUN python3 -m compileall -q /{site}`")),
        "{}",
        missing.fix
    );
    // An image whose PATH finds `python` (a venv, the official images) keeps `python`.
    let venv = careful().layer(
        "RUN /bin/sh -c true # buildkit",
        Layer::new().file("opt/venv/bin/python", vec![0x7fu8; 10]),
    );
    let f = findings(venv.run_config(
        serde_json::json!({"User": "10001", "Env": ["PATH=/opt/venv/bin:/usr/bin"], "Cmd": ["python", "-m", "app"]}),
    ));
    assert!(finding(&f, "DW602").fix.contains("`RUN python -m compileall"));
}

/// Tests that a later RUN runs (`pytest`) are read there: DW407 does not advise a
/// `.dockerignore` line that would fail that RUN, and DW701 leaves them out of its list.
#[test]
fn tests_run_in_the_image_are_not_ignored() {
    let copied = || {
        Layer::new()
            .file("app/tests/test_models.py", "def test(): pass\n")
            .file("app/.git/HEAD", "ref: refs/heads/main\n")
    };
    let run = careful().layer("COPY . /app # buildkit", copied()).layer(
        "RUN /bin/sh -c python -m pytest -q # buildkit",
        Layer::new().file("app/.pytest_cache/v/cache/nodeids", vec![b'n'; 70]),
    );
    let dockerfile = crate::advice::careful_dockerfile("COPY . /app\nRUN python -m pytest -q\n");
    let f = crate::advice::findings_with(run, &dockerfile, false);
    let tests = finding(&f, "DW407");
    assert!(tests.fix.contains("runs the test suite in the image"), "{}", tests.fix);
    assert!(!tests.fix.contains(".dockerignore:"), "{}", tests.fix);
    let none = &finding(&f, "DW701").fix;
    assert!(none.contains(".git") && !none.contains("tests"), "{none}");
    // Without the test run, the line is the fix.
    let copy = crate::advice::careful_dockerfile("COPY . /app\n");
    let f = crate::advice::findings_with(careful().layer("COPY . /app # buildkit", copied()), &copy, false);
    assert!(
        finding(&f, "DW407").fix.contains("add to .dockerignore: tests"),
        "{:#?}",
        f
    );
}
