//! The path rules' patterns: which paths each rule is about, as globs, and how a finding shows
//! them. Data only: matching is `matcher`'s, the walk and the findings `paths`'.

/// One pattern: the rule, the glob, the directory name the paths are summed under (so a
/// finding lists `/app/.git` once rather than its 41 files), and whether it only counts in
/// layers that copy the build context.
pub struct Pattern {
    /// The rule it belongs to.
    pub rule: &'static str,
    /// The glob, as globset reads it with `literal_separator`.
    pub glob: &'static str,
    /// The directory its paths are summed under: absolute, or a name found in the path.
    pub anchor: Option<&'static str>,
    /// Whether it only counts in layers that copy the build context.
    pub context_only: bool,
}

const fn p(rule: &'static str, glob: &'static str, anchor: Option<&'static str>, context_only: bool) -> Pattern {
    Pattern {
        rule,
        glob,
        anchor,
        context_only,
    }
}

pub const PATTERNS: &[Pattern] = &[
    // Secrets first: a secret inside .git or a venv is still reported as a secret.
    p(
        "DW405",
        "**/{.env,.env.local,.env.production,.env.prod,.env.dev,.env.development}",
        None,
        true,
    ),
    p("DW405", "**/{id_rsa,id_dsa,id_ecdsa,id_ed25519}", None, true),
    p("DW405", "**/{*.key,*.p12,*.pfx,*.pem}", None, true),
    p(
        "DW405",
        "**/{.pypirc,.npmrc,.netrc,.git-credentials,.htpasswd}",
        None,
        true,
    ),
    p(
        "DW405",
        "**/{.aws/credentials,credentials.json,service-account*.json,*.keystore}",
        None,
        true,
    ),
    p("DW401", "**/.git/**", Some(".git"), true),
    p("DW402", "**/.venv/**", Some(".venv"), true),
    p("DW402", "**/venv/**", Some("venv"), true),
    p("DW403", "**/node_modules/**", Some("node_modules"), true),
    p(
        "DW404",
        "**/{.pytest_cache,.mypy_cache,.ruff_cache,.tox,.nox,.idea,.vscode,htmlcov,.hypothesis,.ipynb_checkpoints}/**",
        None,
        true,
    ),
    p("DW404", "**/{.coverage,.coverage.*,.DS_Store}", None, true),
    p(
        "DW406",
        "**/{*.db,*.sqlite,*.sqlite3,docker-compose*.yml,docker-compose*.yaml,secrets*.yml,secrets*.yaml}",
        None,
        true,
    ),
    p("DW407", "**/tests/**", Some("tests"), true),
    p("DW407", "**/test/**", Some("test"), true),
    p("DW407", "**/{test_*.py,*_test.py,conftest.py}", None, true),
    p(
        "DW408",
        "**/{Dockerfile,Dockerfile.*,*.Dockerfile,.dockerignore,.gitignore,.gitattributes,.gitlab-ci.yml,.pre-commit-config.yaml}",
        None,
        true,
    ),
    p("DW408", "**/.github/**", Some(".github"), true),
    p("DW101", "**/.cache/pip/**", Some(".cache/pip"), false),
    p("DW102", "**/.cache/uv/**", Some(".cache/uv"), false),
    // Poetry's own virtualenvs live in ~/.cache/pypoetry/virtualenvs: what the image runs, not
    // a cache; only its download caches are, and each is shown by its own directory so that
    // no finding names ~/.cache/pypoetry as a whole.
    p(
        "DW103",
        "**/.cache/pypoetry/cache/**",
        Some(".cache/pypoetry/cache"),
        false,
    ),
    p(
        "DW103",
        "**/.cache/pypoetry/artifacts/**",
        Some(".cache/pypoetry/artifacts"),
        false,
    ),
    p("DW103", "**/.cache/pipenv/**", Some(".cache/pipenv"), false),
    p("DW103", "**/.cache/pdm/**", Some(".cache/pdm"), false),
    // virtualenv's seed wheels, which Poetry, Pipenv, tox and hatch leave behind when they
    // make environments; each new environment gets copies of them.
    p("DW103", "**/.cache/virtualenv/**", Some(".cache/virtualenv"), false),
    p(
        "DW104",
        "**/{conda,miniconda3,miniforge3,mambaforge,anaconda3}/pkgs/**",
        Some("pkgs"),
        false,
    ),
    p("DW105", "/var/lib/apt/lists/**", Some("/var/lib/apt/lists"), false),
    p(
        "DW106",
        "/var/cache/apt/{archives/*.deb,*.bin}",
        Some("/var/cache/apt"),
        false,
    ),
    p("DW107", "/var/cache/apk/**", Some("/var/cache/apk"), false),
    p("DW108", "**/{.npm/_cacache,.cache/yarn,.yarn/cache}/**", None, false),
    p(
        "DW109",
        "**/{.cargo/registry,.cargo/git,go/pkg/mod,.cache/go-build}/**",
        None,
        false,
    ),
    p("DW201", "/usr/lib/gcc/**", Some("/usr/lib/gcc"), false),
    p("DW201", "/usr/libexec/gcc/**", Some("/usr/libexec/gcc"), false),
    p(
        "DW201",
        "/usr/bin/{gcc,gcc-*,g++,g++-*,cc,c++,cpp,cpp-*,*-linux-gnu-gcc*,*-linux-gnu-g++*,*-linux-gnu-cpp*,ld,ld.*,as,make}",
        None,
        false,
    ),
    p("DW202", "/usr/include/**", Some("/usr/include"), false),
    p("DW202", "/usr/local/include/**", Some("/usr/local/include"), false),
    p("DW203", "**/.rustup/toolchains/**", Some(".rustup"), false),
    p("DW203", "/usr/local/go/**", Some("/usr/local/go"), false),
    p("DW203", "/usr/lib/go-*/**", None, false),
    p("DW506", "/{tmp,var/tmp}/**", None, false),
    p("DW506", "/var/log/**", Some("/var/log"), false),
    p("DW507", "/usr/share/{doc,man,info,locale}/**", None, false),
];
