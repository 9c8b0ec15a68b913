//! The build stage as insta snapshots of the diff: the runtime stage installs exactly the
//! packages the extension modules link to, and every library the install brought when some
//! links are unknown.

use std::collections::BTreeMap;

use super::super::Facts;
use super::super::tests::{finding, fix_all};

const TEXT: &str = "\
# an app with a C extension
FROM debian:bookworm
RUN apt-get update && apt-get install -y --no-install-recommends \\
      python3 python3-pip gcc python3-dev libpq-dev \\
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN pip3 install --break-system-packages -r requirements.txt
COPY . .
CMD [\"python3\", \"app.py\"]
";

/// What the install layer (layer 1) brought.
fn facts() -> Facts {
    let layer_pkgs = [
        "python3",
        "gcc-12",
        "libpq5",
        "libpq-dev",
        "libisl23",
        "libssl3",
        "libssl-dev",
        "libc6-dev",
        "libstdc++6",
    ];
    Facts {
        debian_by_layer: BTreeMap::from([(1, layer_pkgs.iter().map(|s| s.to_string()).collect())]),
        ..Default::default()
    }
}

fn plan_of(facts: &Facts) -> String {
    let findings = [
        finding("DW201", 1, Some(3), &[], 60_000_000),
        finding("DW202", 1, Some(3), &[], 20_000_000),
        finding("DW101", 3, Some(8), &[("/root/.cache/pip", 1000)], 1000),
    ];
    fix_all(TEXT, &findings, facts, None)
}

/// psycopg2's extension links libpq.so.5 (libpq5): the runtime keeps libpq5 alone; apt brings
/// what libpq5 itself needs (libssl3). The compiler's libraries go with the compiler.
#[test]
fn build_stage_installs_what_the_extensions_link_to() {
    let so = "/usr/local/lib/python3.11/dist-packages/psycopg2/_psycopg.cpython-311-x86_64-linux-gnu.so";
    let facts = Facts {
        linked_debian: BTreeMap::from([("libpq5".to_string(), so.to_string())]),
        ..facts()
    };
    insta::assert_snapshot!(plan_of(&facts));
}

/// No extension links a library of the install: the runtime stage installs none.
#[test]
fn build_stage_without_linked_libraries_keeps_none() {
    let out = plan_of(&facts());
    assert!(
        out.contains("line 3 keeps no library instead of gcc python3-dev libpq-dev"),
        "{out}"
    );
    assert!(out.contains("+      python3 python3-pip \\\n"), "{out}");
}

/// A soname that no package provides: every library the install brought stays, and the note
/// names the object.
#[test]
fn build_stage_keeps_every_library_when_links_are_unknown() {
    let facts = Facts {
        linked_debian: BTreeMap::from([("libpq5".to_string(), "/x.so".to_string())]),
        unlinked: vec![
            "/usr/local/lib/python3.11/dist-packages/x/_x.so needs libfoo.so.1, which no package or wheel provides"
                .into(),
        ],
        ..facts()
    };
    insta::assert_snapshot!(plan_of(&facts));
}

/// A slim base's apt line names only build packages: with no library kept, the runtime stage
/// loses the install, and the list update and cleanup that served it, instead of keeping an
/// `apt-get install -y` that names nothing. Alone on its RUN, the RUN goes; beside other
/// commands, they stay.
#[test]
fn an_install_left_with_no_package_goes() {
    for (name, apt) in [
        (
            "install_alone",
            "RUN apt-get update && apt-get install -y --no-install-recommends gcc libpq-dev \\\n    && rm -rf /var/lib/apt/lists/*\n",
        ),
        (
            "install_beside_other_commands",
            "RUN apt-get update \\\n && apt-get install -y gcc libpq-dev \\\n && useradd -m app; apt-get clean\n",
        ),
    ] {
        let text = format!(
            "FROM python:3.12-slim\n{apt}WORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\n"
        );
        // `--no-install-recommends` on the install that goes must not keep the stage out.
        let findings = [
            finding("DW702", 1, Some(2), &[], 0),
            finding("DW201", 1, Some(2), &[], 60_000_000),
        ];
        let facts = Facts {
            debian_by_layer: BTreeMap::from([(1, vec!["gcc-12".into(), "libpq-dev".into(), "libpq5".into()])]),
            ..Default::default()
        };
        insta::assert_snapshot!(name, fix_all(&text, &findings, &facts, None));
    }
}

/// The emptied install's RUN is one DW105 also fixes (its lists, after `apt-get update` in a RUN
/// of its own): the build stage deletes both RUNs and says so in a note, planned before the
/// lists' fix, which then does not apply to lines that are gone (the other way round, the build
/// stage was left out).
#[test]
fn an_emptied_install_takes_its_update_and_lists_with_it() {
    let text = "FROM python:3.12-slim\nRUN apt-get update\nRUN apt-get install -y gcc libpq-dev\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n";
    let findings = [
        finding("DW105", 1, Some(2), &[("/var/lib/apt/lists", 1000)], 1000),
        finding("DW201", 2, Some(3), &[], 60_000_000),
    ];
    let facts = Facts {
        debian_by_layer: BTreeMap::from([(2, vec!["gcc-12".into(), "libpq-dev".into()])]),
        ..Default::default()
    };
    insta::assert_snapshot!(fix_all(text, &findings, &facts, None));
}
