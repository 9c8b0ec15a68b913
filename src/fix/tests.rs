//! Each transformation on Dockerfile text, as insta snapshots of the diff (Dockerfile, then
//! `.dockerignore`, then the plan's notes), including the cases that must keep comments,
//! continuations, heredocs, directives, substitutions and stage names as they are.

use std::collections::{BTreeMap, BTreeSet};

use super::*;
use crate::analysis::dockerfile::parse;
use crate::analysis::packages::{Ecosystem, PackageRef};
use crate::analysis::rules::Evidence;

pub(super) fn finding(
    rule: &'static str,
    layer: usize,
    line: Option<usize>,
    paths: &[(&str, u64)],
    bytes: u64,
) -> Finding {
    let info = crate::catalogue::find(rule).expect("a known rule");
    Finding {
        rule,
        title: info.title.into(),
        severity: info.severity,
        reclaimable_bytes: bytes,
        layer: Some(layer),
        dockerfile_line: line,
        paths: paths.iter().map(|(p, b)| Evidence::new(*p, *b)).collect(),
        fix: String::new(),
    }
}

/// Plans and applies every edit; the diff, the new `.dockerignore` and the plan's notes.
pub(super) fn fix_all(text: &str, findings: &[Finding], facts: &Facts, ignore: Option<&str>) -> String {
    let df = parse(text).expect("the test Dockerfile parses");
    let input = Input {
        text,
        dockerfile: &df,
        findings,
        facts,
        dockerignore: ignore,
    };
    let plan = plan(&input).expect("a plan");
    let applied = apply(&input, &plan, |_| true);
    assert!(parse(&applied.dockerfile).is_ok(), "the rewrite parses");
    let mut out = unified_diff("Dockerfile", Some(text), &applied.dockerfile);
    if let Some(new) = &applied.dockerignore {
        out.push_str(&unified_diff(".dockerignore", ignore, new));
    }
    for e in &plan.edits {
        let kind = if e.kind == Kind::Safe { "safe" } else { "review" };
        out.push_str(&format!(
            "\n{kind} {:?} {:?} {} B: {}",
            e.rules, e.lines, e.predicted_bytes, e.summary
        ));
        for n in &e.notes {
            out.push_str(&format!("\n  note: {n}"));
        }
    }
    for n in &plan.not_applied {
        out.push_str(&format!("\nnot applied {:?} {:?}: {}", n.rules, n.lines, n.reason));
    }
    for (i, why) in &applied.rejected {
        out.push_str(&format!("\nrejected {i}: {why}"));
    }
    out.push('\n');
    out
}

const PY_SAMPLE: &str = "\
# py-sample, written the careless way
FROM localhost/corpus-base:bookworm
RUN apt-get update
RUN apt-get install -y python3 python3-pip
WORKDIR /app
COPY . /app
RUN pip3 install --break-system-packages -r requirements.txt
RUN mkdir -p /opt/vendor && dd if=/dev/urandom of=/opt/vendor/sdk.tar.gz bs=1M count=8
RUN rm -rf /opt/vendor
RUN chown -R 1000:1000 /app
CMD [\"python3\", \"-m\", \"sample_app\", \"report\"]
";

fn py_sample_facts() -> Facts {
    Facts {
        layer_lines: vec![None, Some(3), Some(4), Some(6), Some(7), Some(8), Some(9), Some(10)],
        restored_from: BTreeMap::from([(7, BTreeSet::from([3]))]),
        dev_packages: BTreeMap::from([(4, vec!["pytest".to_string()])]),
        user_tool: Some(UserTool::Useradd),
        env: vec!["PATH".into()],
        ..Default::default()
    }
}

fn py_sample_findings() -> Vec<Finding> {
    vec![
        finding("DW105", 1, Some(3), &[("/var/lib/apt/lists", 19_856_468)], 19_856_468),
        finding("DW501", 5, Some(8), &[("/opt/vendor/sdk.tar.gz", 8_388_608)], 8_388_608),
        finding("DW304", 4, Some(7), &[], 4_061_925),
        finding("DW503", 7, Some(10), &[("/app/.git/HEAD", 23)], 152_225),
        finding("DW401", 3, Some(6), &[("/app/.git", 142_983)], 142_983),
        finding("DW101", 4, Some(7), &[("/root/.cache/pip", 14_033)], 14_033),
        finding(
            "DW301",
            3,
            Some(6),
            &[("/app/sample_app/__pycache__", 4000), ("/app/tests/__pycache__", 267)],
            4267,
        ),
        finding(
            "DW408",
            3,
            Some(6),
            &[("/app/Dockerfile", 900), ("/app/.gitignore", 434)],
            1334,
        ),
        finding("DW407", 3, Some(6), &[("/app/tests", 859)], 859),
        finding("DW405", 3, Some(6), &[("/app/.env", 236)], 236),
        finding("DW505", 3, Some(6), &[("/app", 0)], 0),
        finding("DW601", 0, None, &[], 0),
        finding("DW701", 0, None, &[], 0),
        finding("DW702", 2, Some(4), &[], 0),
        finding("DW602", 0, None, &[], 0),
        finding("DW703", 4, Some(7), &[], 0),
    ]
}

#[test]
fn py_sample_every_fix() {
    let out = fix_all(PY_SAMPLE, &py_sample_findings(), &py_sample_facts(), None);
    insta::assert_snapshot!(out);
}

#[test]
fn safe_only_leaves_review_fixes_out() {
    let df = parse(PY_SAMPLE).unwrap();
    let (findings, facts) = (py_sample_findings(), py_sample_facts());
    let input = Input {
        text: PY_SAMPLE,
        dockerfile: &df,
        findings: &findings,
        facts: &facts,
        dockerignore: None,
    };
    let plan = plan(&input).unwrap();
    let applied = apply(&input, &plan, |e| e.kind == Kind::Safe);
    assert!(
        applied.dockerfile.contains("RUN rm -rf /opt/vendor"),
        "the review fold stays out"
    );
    assert!(!applied.dockerfile.contains("USER 10001"));
    assert!(applied.dockerfile.contains("COPY --chown=1000:1000 . /app"));
    let reviews = plan.edits.iter().filter(|e| e.kind == Kind::Review).count();
    assert_eq!(applied.applied.len(), plan.edits.len() - reviews);
}

#[test]
fn keeps_comments_continuations_heredocs_directives_and_substitutions() {
    let text = "\
# syntax=docker/dockerfile:1.7
ARG PY=3.12
FROM python:${PY}-slim AS Base
# install the system packages
RUN apt-get update \\
    # a comment inside the continuation
    && apt-get install -y \\
        libpq5
ENV APP_HOME=/srv/$PY
RUN <<EOF
set -e
pip install -r /tmp/req.txt
EOF
RUN pip install \\
      flask==3.0 \\
   && echo done
FROM base
COPY --from=base /srv /srv
";
    let findings = [
        finding("DW105", 1, Some(5), &[("/var/lib/apt/lists", 1000)], 1000),
        finding("DW101", 2, Some(10), &[("/root/.cache/pip", 10)], 10),
        finding("DW101", 3, Some(14), &[("/root/.cache/pip", 20)], 20),
    ];
    let facts = Facts {
        layer_lines: vec![None, Some(5), Some(10), Some(14)],
        ..Default::default()
    };
    insta::assert_snapshot!(fix_all(text, &findings, &facts, None));
}

#[test]
fn apt_update_merged_with_a_backtick_escape() {
    let text = "\
# escape=`
FROM debian:bookworm
RUN apt-get update
RUN apt-get install -y `
      curl
";
    let findings = [
        finding("DW105", 1, Some(3), &[("/var/lib/apt/lists", 500)], 500),
        finding("DW106", 2, Some(4), &[("/var/cache/apt/archives/curl.deb", 70)], 70),
    ];
    insta::assert_snapshot!(fix_all(text, &findings, &Facts::default(), None));
}

#[test]
fn exec_form_and_heredoc_runs_are_listed_not_half_applied() {
    let text = "\
FROM alpine
RUN [\"pip\", \"install\", \"flask\"]
RUN <<EOF
apt-get update
apt-get install -y curl
EOF
RUN apk add curl
RUN apt-get update && apt-get install -y curl # keep the lists
";
    let findings = [
        finding("DW105", 4, Some(8), &[("/var/lib/apt/lists", 10)], 10),
        finding("DW101", 1, Some(2), &[("/root/.cache/pip", 10)], 10),
        finding("DW105", 2, Some(3), &[("/var/lib/apt/lists", 10)], 10),
        finding("DW107", 3, Some(7), &[("/var/cache/apk", 30)], 30),
    ];
    insta::assert_snapshot!(fix_all(text, &findings, &Facts::default(), None));
}

#[test]
fn dockerignore_leaves_out_what_later_lines_read_and_escapes_names() {
    let text = "\
FROM python:3.12-slim
WORKDIR /srv
COPY . .
RUN python -m pytest tests && git rev-parse HEAD > /srv/REVISION
COPY .env.example /srv/.env.example
";
    let findings = [
        finding("DW407", 1, Some(3), &[("/srv/tests", 800)], 800),
        finding("DW401", 1, Some(3), &[("/srv/.git", 9000)], 9000),
        finding(
            "DW405",
            1,
            Some(3),
            &[("/srv/.env", 10), ("/srv/#secret[1].key", 5)],
            40,
        ),
        finding("DW404", 1, Some(3), &[("/srv/.idea", 300)], 300),
    ];
    let existing = "# mine\n.idea\n*.log";
    insta::assert_snapshot!(fix_all(text, &findings, &Facts::default(), Some(existing)));
}

#[test]
fn chmod_octal_becomes_a_copy_flag_and_symbolic_modes_stay() {
    let text = "\
FROM debian:bookworm
COPY bin/ /usr/local/bin/
RUN chmod -R 755 /usr/local/bin
COPY etc /etc/app
RUN chmod -R u+x /etc/app
";
    let facts = Facts {
        layer_lines: vec![None, Some(2), Some(3), Some(4), Some(5)],
        restored_from: BTreeMap::from([(2, BTreeSet::from([1])), (4, BTreeSet::from([3]))]),
        ..Default::default()
    };
    let findings = [
        finding("DW503", 2, Some(3), &[], 5000),
        finding("DW503", 4, Some(5), &[], 100),
    ];
    insta::assert_snapshot!(fix_all(text, &findings, &facts, None));
}

#[test]
fn dev_packages_in_the_installers_terms() {
    let text = "\
FROM python:3.12-slim
RUN pip install --no-cache-dir flask gunicorn pytest==8.3
RUN poetry install --no-root
RUN pip install -r requirements.txt
";
    let facts = Facts {
        dev_packages: BTreeMap::from([
            (1, vec!["pytest".into()]),
            (2, vec!["mypy".into()]),
            (3, vec!["ruff".into()]),
        ]),
        ..Default::default()
    };
    let findings = [
        finding("DW304", 1, Some(2), &[], 300),
        finding("DW304", 2, Some(3), &[], 200),
        Finding {
            // The names come from the lines' packages, not their text: this environment's
            // path holds ` (` as the notes do.
            paths: [("ruff", "0.5.0", 90), ("pathspec", "0.12.1", 10)]
                .map(|(name, version, bytes)| {
                    let location = "/srv/app (v2)/lib/python3.12/site-packages";
                    let package = PackageRef {
                        ecosystem: Ecosystem::Python,
                        name: name.into(),
                        version: version.into(),
                        location: Some(location.into()),
                    };
                    Evidence::of_package(format!("{location}/{name} ({name} {version})"), bytes, package)
                })
                .into(),
            ..finding("DW304", 3, Some(4), &[], 100)
        },
    ];
    insta::assert_snapshot!(fix_all(text, &findings, &facts, None));
}

#[test]
fn refuses_unknown_frontends_and_mismatched_images() {
    let text = "# syntax=example.com/my/frontend:1\nFROM scratch\n";
    let df = parse(text).unwrap();
    let facts = Facts::default();
    let input = Input {
        text,
        dockerfile: &df,
        findings: &[],
        facts: &facts,
        dockerignore: None,
    };
    let err = plan(&input).unwrap_err().to_string();
    assert!(err.contains("example.com/my/frontend"), "{err}");
    let text = "FROM scratch\n";
    let df = parse(text).unwrap();
    let facts = Facts {
        unmatched: vec!["layer 1 (RUN x): no such line".into()],
        ..Default::default()
    };
    let input = Input {
        text,
        dockerfile: &df,
        facts: &facts,
        ..input
    };
    let err = plan(&input).unwrap_err().to_string();
    assert!(err.contains("does not match the image"), "{err}");
}

#[test]
fn a_colliding_edit_is_rejected_whole() {
    let text = "FROM scratch\nRUN a\nRUN b\n";
    let df = parse(text).unwrap();
    let src = Source::new(text, &df);
    let first = [Op::Delete { line: 2 }];
    let second = [
        Op::Before {
            line: 3,
            text: "RUN c\n".into(),
        },
        Op::Splice {
            line: 2,
            at: 18..18,
            text: " x".into(),
        },
    ];
    let changes = [
        Change {
            label: "delete",
            ops: &first,
        },
        Change {
            label: "splice",
            ops: &second,
        },
    ];
    let out = doc::rewrite(&src, &changes);
    assert_eq!(out.text, "FROM scratch\nRUN b\n", "nothing of the second change lands");
    assert!(out.rejected[0].is_none());
    assert!(out.rejected[1].as_deref().is_some_and(|r| r.contains("removed")));
}

#[test]
fn rule_filters_take_globs_and_refuse_unknown_rules() {
    let f = RuleFilter::new(&["dw1*".into()]).unwrap();
    let mut e = edit(Kind::Safe, vec!["DW101"], vec![], 0, String::new());
    assert!(f.matches(&e));
    e.rules = vec!["DW503"];
    assert!(!f.matches(&e));
    assert!(RuleFilter::new(&["XX9".into()]).is_err());
}

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
