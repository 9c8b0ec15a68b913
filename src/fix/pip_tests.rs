//! The fixes of pip installs in each form pip is run: a path to a venv's pip, `pip3.X`,
//! `python -m pip` and uv's `uv pip`. Each gets its own flag on its own command (never the
//! `ENV PIP_NO_CACHE_DIR=1` kept for a pip hidden behind a script), and an uninstall in the
//! same program's words.

use std::collections::BTreeMap;

use super::tests::{finding, fix_all};
use super::*;
use crate::analysis::packages::{Ecosystem, PackageRef};
use crate::analysis::rules::Evidence;

#[test]
fn every_form_of_pip_gets_its_flag_and_its_uninstall() {
    let text = "\
FROM python:3.12-slim
RUN python -m venv /opt/venv
COPY requirements.txt .
RUN /opt/venv/bin/pip install -r requirements.txt
RUN /opt/venv/bin/python -m pip install -r requirements.txt
RUN pip3.12 install flask==3.0.0
RUN uv pip install --system flask==3.0.0
";
    let location = "/opt/venv/lib/python3.12/site-packages";
    let pytest = Evidence::of_package(
        format!("{location}/pytest (pytest 8.3.5)"),
        4000,
        PackageRef {
            ecosystem: Ecosystem::Python,
            name: "pytest".into(),
            version: "8.3.5".into(),
            location: Some(location.into()),
        },
    );
    let findings = [
        finding("DW703", 3, Some(4), &[], 0),
        Finding {
            paths: vec![pytest],
            ..finding("DW304", 4, Some(5), &[], 4000)
        },
        finding("DW703", 5, Some(6), &[], 0),
        finding("DW102", 6, Some(7), &[], 1000),
    ];
    let facts = Facts {
        dev_packages: BTreeMap::from([(4, vec!["pytest".into()])]),
        ..Default::default()
    };
    insta::assert_snapshot!(fix_all(text, &findings, &facts, None));
}
