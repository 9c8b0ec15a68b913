//! Fixes that must leave a Dockerfile that still builds and does what it did: the cases where a
//! plain rewrite would write shell or Dockerfile text that fails (a command after a trailing
//! `;`, a reorder before the files an install reads, a chown to a user not yet created, lists
//! removed before a later install), each answered with a working edit or a listed reason.

use std::collections::{BTreeMap, BTreeSet};

use super::tests::{finding, fix_all};
use super::*;

/// Pipenv's cache goes with `PIP_NO_CACHE_DIR=1` (there is no `PIPENV_NO_CACHE`); Poetry's does
/// not go with `--no-cache`, so its finding is listed with the reason and nothing is rewritten.
#[test]
fn pipenv_and_poetry_caches_get_only_fixes_that_work() {
    let text = "FROM python:3.12-slim\nRUN pipenv install --deploy --system\nRUN poetry install --no-root\n";
    let facts = Facts::default();
    let findings = [
        finding("DW103", 1, Some(2), &[], 3000),
        finding("DW103", 2, Some(3), &[], 2000),
    ];
    let out = fix_all(text, &findings, &facts, None);
    assert!(out.contains("+ENV PIP_NO_CACHE_DIR=1\n RUN pipenv install"), "{out}");
    assert!(!out.contains("PIPENV_NO_CACHE"), "{out}");
    assert!(!out.contains("poetry install --no-root --no-cache"), "{out}");
    assert!(out.contains("POETRY_CACHE_DIR"), "the Poetry finding says why: {out}");
}

/// `COPY . $APP_HOME` and `WORKDIR ${HOME}/app` resolve through the stage's ENV and ARG
/// defaults, so their leaked files get `.dockerignore` lines and the chown its COPY flag; an ARG
/// without a default stays unknown and its paths are listed, not guessed.
#[test]
fn copy_destinations_resolve_env_and_arg_defaults() {
    let text = "ARG ROOT=/srv\nFROM python:3.12-slim\nARG ROOT\nENV APP_HOME=${ROOT}/app\nWORKDIR $APP_HOME\nCOPY . $APP_HOME\nRUN chown -R 1000:1000 $APP_HOME\n";
    let facts = Facts {
        layer_lines: vec![None, Some(6), Some(7)],
        restored_from: BTreeMap::from([(2, BTreeSet::from([1]))]),
        ..Default::default()
    };
    let findings = [
        finding("DW503", 2, Some(7), &[("/srv/app/.git/HEAD", 23)], 500),
        finding("DW401", 1, Some(6), &[("/srv/app/.git", 400)], 400),
    ];
    let out = fix_all(text, &findings, &facts, None);
    assert!(out.contains("+COPY --chown=1000:1000 . $APP_HOME\n"), "{out}");
    assert!(out.contains("+RUN chown 1000:1000 $APP_HOME\n"), "{out}");
    assert!(out.contains("+.git\n"), "{out}");
    let unknown = text.replace("ARG ROOT=/srv\n", "ARG OTHER=/srv\n");
    let out = fix_all(&unknown, &findings, &facts, None);
    assert!(out.contains("not traced to one context path"), "{out}");
}

/// A test runner in a later RUN collects the tests without naming them (`RUN pytest`):
/// ignoring them would fail that RUN, so they are left out with the reason.
#[test]
fn dockerignore_keeps_tests_a_later_test_runner_collects() {
    let findings = [finding(
        "DW407",
        1,
        Some(3),
        &[("/app/tests", 800), ("/app/conftest.py", 100)],
        900,
    )];
    for run in ["RUN pytest -q", "RUN python -m unittest discover", "RUN nose2"] {
        let text = format!("FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\n{run}\n");
        let out = fix_all(&text, &findings, &Facts::default(), None);
        assert!(!out.contains("+tests\n"), "{out}");
        assert!(out.contains("tests left out: line 4 reads it"), "{out}");
        assert!(out.contains("conftest.py left out: line 4 reads it"), "{out}");
    }
    let text = "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCMD [\"python\", \"-m\", \"app\"]\n";
    assert!(fix_all(text, &findings, &Facts::default(), None).contains("+tests\n"));
}

/// A RUN whose last command ends in `;` takes the appended command before it (`x; && rm` is a
/// shell syntax error); one that ends in a background `&` takes nothing.
#[test]
fn appending_to_a_run_that_ends_in_a_semicolon() {
    let facts = Facts {
        layer_lines: vec![None, Some(2)],
        ..Default::default()
    };
    let findings = [finding("DW105", 1, Some(2), &[("/var/lib/apt/lists", 9000)], 9000)];
    let text = "FROM debian:bookworm\nRUN set -eux; apt-get update; apt-get install -y curl;\n";
    let out = fix_all(text, &findings, &facts, None);
    assert!(
        out.contains("+RUN set -eux; apt-get update; apt-get install -y curl && rm -rf /var/lib/apt/lists/*;\n"),
        "{out}"
    );
    let text =
        "FROM debian:bookworm\nRUN apt-get update && apt-get install -y curl && find / -name x -exec rm {} \\;\n";
    let out = fix_all(text, &findings, &facts, None);
    assert!(out.contains("{} \\; && rm -rf /var/lib/apt/lists/*\n"), "{out}");
    let text = "FROM debian:bookworm\nRUN apt-get update && apt-get install -y curl &\n";
    let out = fix_all(text, &findings, &facts, None);
    assert!(out.contains("not applied [\"DW105\"] [2]"), "{out}");
}

/// DW505's reorder copies only the requirement file before the install: when that file reads
/// others (`-r base.txt`), the moved install would fail, so it is listed instead.
#[test]
fn reorder_leaves_a_requirement_file_that_reads_others() {
    let text = "FROM python:3.12-slim\nWORKDIR /app\nCOPY . /app\nRUN pip install -r requirements/prod.txt\n";
    let findings = [finding("DW505", 1, Some(3), &[("/app", 0)], 0)];
    let mut facts = Facts::default();
    assert!(
        fix_all(text, &findings, &facts, None).contains("+COPY requirements/prod.txt /app/requirements/prod.txt\n")
    );
    facts
        .requirements_reading_files
        .insert("/app/requirements/prod.txt".into());
    let out = fix_all(text, &findings, &facts, None);
    assert!(!out.contains("+COPY requirements"), "{out}");
    assert!(
        out.contains("/app/requirements/prod.txt reads other files of the context"),
        "{out}"
    );
}

/// An image with neither useradd nor adduser (distroless, BusyBox-only) gets the numeric USER
/// alone, which needs no /etc/passwd entry, rather than no fix.
#[test]
fn non_root_without_a_user_tool_is_the_numeric_user_alone() {
    let text = "FROM gcr.io/distroless/python3\nCOPY app /app\nCMD [\"/app/main.py\"]\n";
    let findings = [finding("DW601", 0, None, &[], 0)];
    let out = fix_all(text, &findings, &Facts::default(), None);
    assert!(out.contains(" COPY app /app\n+USER 10001\n CMD"), "{out}");
    assert!(!out.contains("+RUN"), "{out}");
    let debian = Facts {
        user_tool: Some(UserTool::Useradd),
        ..Default::default()
    };
    let out = fix_all(text, &findings, &debian, None);
    assert!(
        out.contains("+RUN useradd --create-home --uid 10001 app\n+USER 10001\n"),
        "{out}"
    );
}

/// Removing the lists where they are written would break a later RUN that installs from them
/// without its own `apt-get update`: that finding is listed, not fixed.
#[test]
fn apt_lists_stay_for_a_later_install_that_needs_them() {
    let facts = Facts {
        layer_lines: vec![None, Some(2), Some(3)],
        ..Default::default()
    };
    let findings = [finding("DW105", 1, Some(2), &[("/var/lib/apt/lists", 9000)], 9000)];
    let text = "FROM debian:bookworm\nRUN apt-get update && apt-get install -y curl\nRUN apt-get install -y gcc\n";
    let out = fix_all(text, &findings, &facts, None);
    assert!(!out.contains("rm -rf /var/lib/apt/lists"), "{out}");
    assert!(
        out.contains("not applied [\"DW105\"] [2]: line 3 installs with apt"),
        "{out}"
    );
    let updates_again = "FROM debian:bookworm\nRUN apt-get update && apt-get install -y curl\nRUN apt-get update && apt-get install -y gcc\n";
    let out = fix_all(updates_again, &findings, &facts, None);
    assert!(
        out.contains("+RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n"),
        "{out}"
    );
}

/// The reorder moves only a RUN that installs and nothing else: one that also runs the
/// application's files (`python manage.py collectstatic`) would not find them before the COPY.
#[test]
fn reorder_moves_only_a_run_that_only_installs() {
    let findings = [finding("DW505", 1, Some(3), &[("/app", 0)], 0)];
    let text = "FROM python:3.12-slim\nWORKDIR /app\nCOPY . /app\nRUN pip install -r requirements.txt && python manage.py collectstatic --noinput\n";
    let out = fix_all(text, &findings, &Facts::default(), None);
    assert!(!out.contains("+COPY requirements.txt"), "{out}");
    assert!(out.contains("not applied [\"DW505\"] [3]"), "{out}");
    let text = "FROM python:3.12-slim\nWORKDIR /app\nCOPY . /app\nRUN pip install --upgrade pip && pip install -r requirements.txt\n";
    let out = fix_all(text, &findings, &Facts::default(), None);
    assert!(out.contains("+COPY requirements.txt /app/requirements.txt\n"), "{out}");
}

/// `COPY --chown=NAME` needs the user when the COPY runs: a user created between the COPY and
/// the chown is not there yet, so that finding is listed; numeric ids need no user.
#[test]
fn copy_chown_by_name_needs_the_user_at_the_copy() {
    let facts = Facts {
        layer_lines: vec![None, Some(2), Some(3), Some(4)],
        restored_from: BTreeMap::from([(3, BTreeSet::from([1]))]),
        ..Default::default()
    };
    let findings = [finding("DW503", 3, Some(4), &[("/app/x", 10)], 10)];
    let text = "FROM debian:bookworm\nCOPY . /app\nRUN useradd --create-home app\nRUN chown -R app:app /app\n";
    let out = fix_all(text, &findings, &facts, None);
    assert!(!out.contains("+COPY --chown"), "{out}");
    assert!(out.contains("not applied [\"DW503\"] [4]: line 3 creates"), "{out}");
    let numeric = text.replace("app:app /app", "10001:10001 /app");
    let out = fix_all(&numeric, &findings, &facts, None);
    assert!(out.contains("+COPY --chown=10001:10001 . /app\n"), "{out}");
}

/// `apk update && apk add x`: `--no-cache` on the add leaves the index `apk update` wrote, so
/// the same RUN removes /var/cache/apk too (the predicted saving is then what the rebuild gets).
#[test]
fn apk_update_keeps_its_index_unless_removed() {
    let facts = Facts {
        layer_lines: vec![None, Some(2)],
        ..Default::default()
    };
    let findings = [finding("DW107", 1, Some(2), &[("/var/cache/apk", 9000)], 9000)];
    let text = "FROM alpine:3.20\nRUN apk update && apk add python3\n";
    let out = fix_all(text, &findings, &facts, None);
    assert!(
        out.contains("+RUN apk update && apk add --no-cache python3 && rm -rf /var/cache/apk/*\n"),
        "{out}"
    );
}

/// The merged `apt-get update` goes before the install's environment assignments, which stay
/// with the install (`DEBIAN_FRONTEND=noninteractive apt-get install`).
#[test]
fn apt_update_merges_before_the_installs_env_assignments() {
    let facts = Facts {
        layer_lines: vec![None, Some(2), Some(3)],
        ..Default::default()
    };
    let findings = [finding("DW105", 1, Some(2), &[("/var/lib/apt/lists", 9000)], 9000)];
    let text =
        "FROM debian:bookworm\nRUN apt-get update\nRUN DEBIAN_FRONTEND=noninteractive apt-get install -y tzdata\n";
    let out = fix_all(text, &findings, &facts, None);
    assert!(
        out.contains("+RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y tzdata && rm -rf /var/lib/apt/lists/*\n"),
        "{out}"
    );
}
