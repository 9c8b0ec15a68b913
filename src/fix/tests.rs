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
