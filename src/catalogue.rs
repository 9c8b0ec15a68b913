//! The rule catalogue, the floor under config and analysis: every rule's stable id, title,
//! default severity and rationale, and [`Severity`] itself. It is the single source of
//! `deadweight rules`, `deadweight explain ID` and `assets/rules.json` (a test keeps that file
//! equal to this table). Holds data only and imports nothing of the crate.

use serde::Serialize;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; rarely worth failing a build for.
    Info,
    /// Waste a fix would remove.
    Warning,
    /// A leak or a large, clear-cut waste.
    Error,
}

impl Severity {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One rule as documented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RuleInfo {
    /// Stable id, never reused.
    pub id: &'static str,
    /// Short name.
    pub title: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// Why it matters and what to do, in a few sentences.
    pub rationale: &'static str,
}

const fn rule(id: &'static str, title: &'static str, severity: Severity, rationale: &'static str) -> RuleInfo {
    RuleInfo {
        id,
        title,
        severity,
        rationale,
    }
}

use Severity::{Error, Info, Warning};

/// Every rule, by id.
pub const RULES: &[RuleInfo] = &[
    rule(
        "DW101",
        "pip cache left in the image",
        Warning,
        "pip keeps downloaded and built wheels in ~/.cache/pip. In an image they are never reused: install with `pip install --no-cache-dir` (or `ENV PIP_NO_CACHE_DIR=1`), or mount the cache only during the build with `RUN --mount=type=cache,target=/root/.cache/pip`.",
    ),
    rule(
        "DW102",
        "uv cache left in the image",
        Warning,
        "uv keeps its cache in ~/.cache/uv. Use `--no-cache` (`uv sync --no-cache`, `uv pip install --no-cache`, or `ENV UV_NO_CACHE=1`), or keep the cache out of the image with `RUN --mount=type=cache,target=/root/.cache/uv` and `ENV UV_LINK_MODE=copy` (uv cannot hard-link from a cache mount into the image and warns without it).",
    ),
    rule(
        "DW103",
        "poetry, pipenv, pdm or virtualenv cache left in the image",
        Warning,
        "Python package managers cache downloads under ~/.cache, and virtualenv (which Poetry and Pipenv use to make environments) keeps its seed wheels in ~/.cache/virtualenv. Remove the caches in the same RUN, or use a cache mount. Poetry: `poetry install --no-cache` still writes ~/.cache/pypoetry/artifacts; point `POETRY_CACHE_DIR` at a temporary directory removed in the same RUN, or mount a cache there. Poetry keeps the application's virtualenvs under its cache directory (virtualenvs/) unless `virtualenvs.in-project` is true or `virtualenvs.create` is false: set one of them first, or the removal (or the cache mount) takes the virtualenv with it. Pipenv: its pip obeys `PIP_NO_CACHE_DIR=1`, or point `PIPENV_CACHE_DIR` at a directory removed in the same RUN.",
    ),
    rule(
        "DW104",
        "conda package cache left in the image",
        Warning,
        "conda keeps every downloaded package tarball in pkgs/. Run `conda clean -afy` in the same RUN as the install.",
    ),
    rule(
        "DW105",
        "apt package lists left in the image",
        Warning,
        "`apt-get update` downloads package indexes to /var/lib/apt/lists. Remove them in the same RUN that updates and installs (`&& rm -rf /var/lib/apt/lists/*`); deleting them in a later RUN does not shrink the image.",
    ),
    rule(
        "DW106",
        "apt package archives left in the image",
        Warning,
        "Downloaded .deb files in /var/cache/apt/archives are only needed during the install. Run `apt-get clean` in the same RUN.",
    ),
    rule(
        "DW107",
        "apk cache left in the image",
        Warning,
        "Alpine's apk keeps indexes and packages in /var/cache/apk. Use `apk add --no-cache`.",
    ),
    rule(
        "DW108",
        "npm or yarn cache left in the image",
        Warning,
        "npm and yarn keep every downloaded tarball in their caches. Use `npm ci && npm cache clean --force`, `yarn cache clean`, or a cache mount.",
    ),
    rule(
        "DW109",
        "cargo or go build cache left in the image",
        Warning,
        "Cargo registries and Go module/build caches are build inputs, not runtime files. Build in a separate stage and copy only the binary.",
    ),
    rule(
        "DW201",
        "C/C++ toolchain in the runtime image",
        Warning,
        "Compilers, binutils and make are needed to build wheels, not to run them. Build in a first stage (`FROM python:3.x AS build`), then `COPY --from=build` only the installed packages or a virtualenv into a slim final stage.",
    ),
    rule(
        "DW202",
        "development headers in the runtime image",
        Warning,
        "Header files and -dev packages (python3-dev, libpq-dev...) only serve compilation. Install them in the build stage of a multi-stage build; the runtime stage needs only the shared libraries.",
    ),
    rule(
        "DW203",
        "Rust or Go toolchain in the runtime image",
        Warning,
        "A Rust or Go toolchain is hundreds of MB that the running program never uses. Compile in a build stage and copy the binary.",
    ),
    rule(
        "DW204",
        "full base image with compilers",
        Info,
        "The base image itself ships a C toolchain and development headers (a full `python:3.x` rather than `python:3.x-slim`). Nothing in your Dockerfile installs them, so no line of it is to blame; unless the application compiles at run time, use the `-slim` variant for the final stage and the full image only in a build stage. The finding's bytes are the toolchain's and headers' in the base layers.",
    ),
    rule(
        "DW301",
        "bytecode for another Python version",
        Warning,
        "`.pyc` files compiled for another interpreter (cpython-39 in a Python 3.11 image) are never loaded. They usually come from the build context: add `**/__pycache__` and `**/*.pyc` to .dockerignore (its patterns are anchored at the context root: a bare `__pycache__/` only matches at the top).",
    ),
    rule(
        "DW302",
        "bytecode without its source",
        Warning,
        "A `.pyc` whose `.py` is gone is usually left over from deleted code. Remove it, or stop copying `__pycache__` into the image.",
    ),
    rule(
        "DW303",
        "__pycache__ copied from the build context",
        Warning,
        "Bytecode from a developer's machine does not belong in the image; the interpreter writes (or `python -m compileall` precompiles) its own. Add `**/__pycache__` and `**/*.pyc` to .dockerignore (a bare `__pycache__/` only matches at the context root).",
    ),
    rule(
        "DW304",
        "development or test packages installed",
        Warning,
        "Test runners, linters and type checkers (and the packages only they need) are not used at run time. Keep them in a separate requirements-dev.txt that the image does not install.",
    ),
    rule(
        "DW305",
        "Python distribution installed twice",
        Info,
        "The same distribution is installed in two places (system site-packages and a virtualenv, or two interpreters). Install it once, or copy only the virtualenv into the final stage.",
    ),
    rule(
        "DW306",
        "build tools copied into the runtime stage",
        Warning,
        "`COPY --from=ghcr.io/astral-sh/uv /uv /uvx /bin/` (36 MiB), Poetry, pipx or pip-tools in the final stage serve the build, not the application. Copy them into the build stage, build the virtualenv there and `COPY --from=build` only the virtualenv. Not reported when the container's command runs the tool (`uv run`).",
    ),
    rule(
        "DW307",
        "bytecode not precompiled",
        Warning,
        "With `PYTHONDONTWRITEBYTECODE=1` the interpreter never saves the bytecode it compiles, so installed packages without `__pycache__` are compiled again at every start. pip compiles at install time; uv does not unless `UV_COMPILE_BYTECODE=1` (or `--compile-bytecode`) is set; anything else: `python -m compileall`.",
    ),
    rule(
        "DW401",
        ".git directory copied into the image",
        Warning,
        "The repository's history is in the image (and with it every file ever committed). Add `.git` (at the context root; `**/.git` for nested ones) to .dockerignore.",
    ),
    rule(
        "DW402",
        "local virtualenv copied into the image",
        Warning,
        "A virtualenv from the build context was built for another machine and may not even work here. Add `**/.venv` and `**/venv` to .dockerignore (its patterns are anchored at the context root) and install dependencies in the image.",
    ),
    rule(
        "DW403",
        "node_modules copied into the image",
        Warning,
        "node_modules from the build context belongs to another machine. Add `**/node_modules` to .dockerignore and install inside the image.",
    ),
    rule(
        "DW404",
        "tool caches or IDE folders copied into the image",
        Warning,
        "Caches of pytest, mypy, ruff, tox, coverage and IDE settings are local artefacts. Add them to .dockerignore.",
    ),
    rule(
        "DW405",
        "secret-looking file copied into the image",
        Error,
        "Files such as .env, private keys, .pypirc, .npmrc or cloud credentials end up in a layer that anyone who pulls the image can read, even if a later layer deletes them. Add them to .dockerignore, rotate the secret, and pass secrets at build time with `RUN --mount=type=secret`. deadweight reports such files by path only and never reads their content.",
    ),
    rule(
        "DW406",
        "data or deployment files copied into the image",
        Info,
        "Databases (*.db, *.sqlite), docker-compose files and secrets manifests from the build context are rarely meant to ship. Check them and add them to .dockerignore.",
    ),
    rule(
        "DW407",
        "tests copied into the runtime image",
        Warning,
        "The test suite is not run in production: `tests/` and `test/` directories, `test_*.py`, `*_test.py` and `conftest.py` anywhere in the copied context. Add `**/tests` (or the exact path, such as `tests`) and `**/test_*.py` to .dockerignore, or copy only the package directory. When a later RUN runs the tests (`RUN pytest`), ignoring them would fail that RUN: the fix then is to copy only the application into the final stage and run the tests in a stage of their own (DW409).",
    ),
    rule(
        "DW408",
        "build files copied into the image",
        Warning,
        "Dockerfile, .dockerignore, .gitignore and CI files copied with `COPY .` serve no purpose at run time. Add them to .dockerignore.",
    ),
    rule(
        "DW409",
        "tests run in the final stage",
        Warning,
        "A `RUN pytest` (or `python -m unittest`, `nose2`, `tox`) in the final stage needs the test dependencies there and leaves its caches and bytecode in the image. Run the tests in a stage of their own (`FROM build AS test`) and build it in CI with `--target test`. The bytes are what the test run wrote.",
    ),
    rule(
        "DW501",
        "files deleted in a later layer",
        Error,
        "Deleting files in a later RUN hides them but every byte is still shipped in the layer that wrote them. Create and delete them in the same RUN (or use a build stage / cache mount). Files a COPY or ADD brought are left out of the copy instead (removed from the build context or excluded in .dockerignore).",
    ),
    rule(
        "DW502",
        "files overwritten by a later layer",
        Warning,
        "A file written again by a later layer ships twice. Write it once, in its final form.",
    ),
    rule(
        "DW503",
        "files copied again only to change owner or mode",
        Warning,
        "`RUN chown -R` or `chmod -R` after a COPY stores every file a second time. Use `COPY --chown=user:group` / `--chmod=` with an octal mode (`--chmod=755`: symbolic modes such as `+x` need a recent Dockerfile frontend) and drop the RUN, when the RUN changed everything that COPY brought; a chown or chmod of some files among others is set in the build context (or given a COPY of its own), and only that command leaves the RUN. The title says what changed: owner, mode or both; files stored again with nothing changed are DW508.",
    ),
    rule(
        "DW504",
        "identical files at different paths",
        Info,
        "The same content is stored at several paths. Hard links or symlinks, or installing it once, would save the copies.",
    ),
    rule(
        "DW505",
        "whole build context copied before installing dependencies",
        Warning,
        "Any change to any file invalidates the dependency layer cache when `COPY . ` comes before `pip install`. Copy the requirements file (or pyproject.toml and lock file) first, install, then copy the rest. Without the Dockerfile, a history that names the copy only by a hash (buildah's and the classic builder's `COPY dir:<hash> in /app`) cannot say whether it was the whole context: the finding then says which dependency file it saw copied with how many others.",
    ),
    rule(
        "DW506",
        "large temporary or log files left in the image",
        Warning,
        "Files in /tmp, /var/tmp or /var/log written during the build ship with the image. Remove them in the RUN that creates them.",
    ),
    rule(
        "DW507",
        "documentation, man pages and locales",
        Info,
        "Docs, man pages and locales are rarely read inside a container. Slim bases exclude them (dpkg path-exclude); this is informational.",
    ),
    rule(
        "DW508",
        "files stored again unchanged",
        Info,
        "A later layer stored files again with the same bytes, owner and mode. A COPY that copies what an earlier COPY already holds (a lock file in two COPYs) should copy it once; a RUN that opens files for writing without changing them (a package manager updating its databases) makes overlayfs copy them up whole, which is usually not the user's to avoid.",
    ),
    rule(
        "DW601",
        "container runs as root",
        Warning,
        "Without a USER instruction the process runs as root inside the container. Create an unprivileged user with a fixed uid and switch to it by number: `RUN groupadd --gid 10001 app && useradd --create-home --uid 10001 --gid 10001 app` (on Alpine, which has no useradd: `addgroup -g 10001 app && adduser -D -u 10001 -G app app`), then `USER 10001:10001`. An image with neither tool (distroless, BusyBox-only, often without a shell for RUN) needs only `USER 10001:10001`: a numeric user needs no /etc/passwd entry. Kubernetes' `runAsNonRoot` can only verify a numeric user.",
    ),
    rule(
        "DW602",
        "Python environment variables not set",
        Info,
        "`PYTHONUNBUFFERED=1` (or `python -u` in the command, which counts) makes logs appear at once. `PYTHONDONTWRITEBYTECODE=1` keeps the interpreter from writing .pyc files at run time into the container's writable layer, so set it only with the bytecode precompiled in the image, or every start compiles everything again: pip install compiles packages already, uv needs `UV_COMPILE_BYTECODE=1`, and the application needs `python -m compileall`.",
    ),
    rule(
        "DW603",
        "Alpine (musl) base with compilers",
        Warning,
        "Most popular packages publish musllinux wheels today; pip builds the others from source, which is why Alpine images carry compilers. The finding names the distributions installed from a wheel built in the image (its `WHEEL` tags name a plain `linux_*` platform, which no index publishes): pin versions that have a musllinux wheel, build those wheels in a build stage (`pip wheel`) and install them into a compiler-free final stage, or use a slim Debian base (python:3.x-slim), where manylinux wheels install prebuilt. With compilers installed and no such wheel, it says the compilers built nothing the image keeps; such wheels in an image without compilers were built in a build stage, as advised, and the finding is information only.",
    ),
    rule(
        "DW604",
        "gunicorn without --worker-tmp-dir",
        Info,
        "gunicorn's worker heartbeat files live in /tmp on the container's disk by default, which can stall workers on some storage drivers. Start it with `--worker-tmp-dir /dev/shm`.",
    ),
    rule(
        "DW605",
        "USER given by name",
        Info,
        "A USER given by name (`USER app`) cannot be checked by Kubernetes' `runAsNonRoot`, which needs a numeric uid to prove the process is not root. Write the numeric ids the user has in /etc/passwd: `USER 10001:10001`.",
    ),
    rule(
        "DW606",
        "development server as the container's command",
        Warning,
        "`flask run`, `manage.py runserver`, `uvicorn --reload` and servers started with `--debug` are made for a developer's machine: one process, code reloading, debuggers that can run code. Serve with gunicorn (WSGI) or uvicorn workers (ASGI, `gunicorn -k uvicorn.workers.UvicornWorker` or `uvicorn --workers N`) without `--reload`.",
    ),
    rule(
        "DW607",
        "CMD or ENTRYPOINT in shell form",
        Warning,
        "`CMD gunicorn app:app` runs as `/bin/sh -c \"gunicorn app:app\"`: the shell is PID 1 and does not forward SIGTERM, so `docker stop` waits out its timeout and kills the application. Use the exec form, `CMD [\"gunicorn\", \"app:app\"]`, or `exec` the last command of a start script.",
    ),
    rule(
        "DW701",
        "no .dockerignore next to the Dockerfile",
        Warning,
        "Without a .dockerignore, `COPY .` sends everything in the build context into the image. Add one with at least the lines listed in the fix.",
    ),
    rule(
        "DW702",
        "apt-get install without --no-install-recommends",
        Info,
        "Recommended packages are often large and unused. Add `--no-install-recommends` to `apt-get install` or `apt install` (any option order; the fix gives the whole command back). Without `--dockerfile`, the command is read from the image history and the finding says so.",
    ),
    rule(
        "DW703",
        "pip install without --no-cache-dir",
        Info,
        "Even when a later step removes the cache, `--no-cache-dir` keeps it out of every layer. Not reported where pip keeps no cache anyway (`uv pip install --no-cache`, `PIP_NO_CACHE_DIR=1` inline, in an earlier ENV or in the image config, a cache mount), nor where DW101 already reports the same line's cache with its bytes. Without `--dockerfile`, the command is read from the image history and the finding says so.",
    ),
    rule(
        "DW704",
        "dependencies without an exact version",
        Info,
        "`pip install flask` or `pip install 'flask>=3'` in a Dockerfile installs whatever is newest on the day of the build, so two builds of the same commit can differ. Pin exact versions, or install from a lock file (`uv.lock`, `poetry.lock`, `Pipfile.lock`, a requirements file with `==` and `--require-hashes`, or a constraints file with `-c`). Reads the `pip install` command lines, and the requirements files the image ships (`requirements*.txt`, `requirements/*.txt`, outside installed packages and /usr): each line without `==` is quoted with its file and line number, unless a lock file sits beside the file or in the working directory, the file uses `--require-hashes`, `--hash` or `-c`, or the command installing it passes `-c` or `--require-hashes`.",
    ),
];

/// Whether a rule's findings are about bytes of the image (a cache, a leak, a copy), so that
/// their saving is what the fix removes. The others (configuration, Dockerfile practice, a
/// build-cache order, tests run in the image) save nothing by themselves: their findings show
/// 0 B, are kept under `min_bytes`, and list their paths as the evidence of what they say.
pub fn saves_bytes(id: &str) -> bool {
    !(id.starts_with("DW6") || id.starts_with("DW7") || matches!(id, "DW505" | "DW409" | "DW307"))
}

/// The rule with this id (case-insensitive).
pub fn find(id: &str) -> Option<&'static RuleInfo> {
    RULES.iter().find(|r| r.id.eq_ignore_ascii_case(id))
}
