//! The rewriter's promise, as properties: for every Dockerfile that parses, the text after
//! every planned edit is applied parses again, and every instruction no applied edit addresses
//! is kept byte for byte and in order. Over random careless Dockerfiles (proptest) and over
//! every input the fuzzer saved in `fuzz/regressions/dockerfile`.

use std::path::Path;

use proptest::prelude::*;

use deadweight::analysis::dockerfile::{Dockerfile, parse};
use deadweight::analysis::rules::Evidence;
use deadweight::analysis::rules::Finding;
use deadweight::fix::{self, Facts, Input, UserTool};

/// Lines a careless Dockerfile is made of, some with continuations, heredocs and comments.
fn line() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "RUN apt-get update\n",
        "RUN apt-get install -y curl \\\n    # why\n    libpq5\n",
        "RUN apt-get update && apt-get install -y gcc # lists kept\n",
        "RUN apt-get install -y \\\n  python3-dev gcc \\\n  libpq-dev\n",
        "RUN apt-get update \\\n && apt-get install -y gcc; useradd -m app && rm -rf /var/lib/apt/lists/*\n",
        "RUN pip install flask pytest\n",
        "RUN [\"pip\", \"install\", \"x\"]\n",
        "RUN <<EOF\npip install -r r.txt\napt-get install -y x\nEOF\n",
        "RUN uv sync\n",
        "RUN poetry install\n",
        "RUN apk add git\n",
        "COPY . /app\n",
        "COPY . .\n",
        "WORKDIR /app\n",
        "RUN pip3 install -r requirements.txt\n",
        "RUN chown -R 1000:1000 /app\n",
        "RUN chmod -R 755 .\n",
        "RUN mkdir -p /opt/x && touch /opt/x/big\n",
        "RUN rm -rf /opt/x\n",
        "# a comment\n",
        "\n",
        "ENV A=$B\n",
        "CMD [\"python\", \"-m\", \"app\"]\n",
        "FROM python:3 AS build\n",
        "USER app\n",
    ])
}

const RULES: &[&str] = &[
    "DW101", "DW102", "DW103", "DW105", "DW201", "DW202", "DW106", "DW107", "DW301", "DW304", "DW401", "DW405",
    "DW407", "DW501", "DW503", "DW505", "DW601", "DW602", "DW701", "DW702", "DW703",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// parse(rewrite(x)) succeeds for every x that parses, whatever the findings point at.
    #[test]
    fn rewritten_dockerfiles_still_parse(
        lines in prop::collection::vec(line(), 0..14),
        picks in prop::collection::vec((0..RULES.len(), 0usize..40, 0usize..12), 0..20),
        no_eol in any::<bool>(),
    ) {
        let mut text = format!("# syntax=docker/dockerfile:1\nFROM debian\n{}", lines.concat());
        if no_eol {
            text = text.trim_end_matches('\n').to_string();
        }
        let Ok(df) = parse(&text) else { return Ok(()) };
        let findings: Vec<Finding> = picks
            .iter()
            .map(|&(r, line, layer)| Finding {
                rule: RULES[r],
                title: String::new(),
                severity: deadweight::catalogue::Severity::Warning,
                reclaimable_bytes: 100,
                layer: Some(layer),
                dockerfile_line: (line > 0).then_some(line),
                paths: vec![Evidence::new("/app/.git", 50), Evidence::new("/opt/x/big", 50)],
                fix: String::new(),
            })
            .collect();
        let facts = Facts {
            layer_lines: (0..12).map(|l| Some(l * 2 + 1)).collect(),
            restored_from: (0usize..12).map(|l| (l, [l.saturating_sub(1)].into())).collect(),
            user_tool: Some(UserTool::Useradd),
            debian_by_layer: (0usize..12).map(|l| (l, vec!["libpq5".to_string(), "gcc".to_string()])).collect(),
            linked_debian: [("libpq5".to_string(), "/x.so".to_string())].into(),
            ..Default::default()
        };
        let input = Input { text: &text, dockerfile: &df, findings: &findings, facts: &facts, dockerignore: None };
        let verdict = holds(&input);
        prop_assert!(verdict.is_ok(), "{text:?}: {:?}", verdict.err());
    }
}

/// The two properties on one input; what failed otherwise.
fn holds(input: &Input<'_>) -> Result<(), String> {
    let plan = fix::plan(input).map_err(|e| e.to_string())?;
    let applied = fix::apply(input, &plan, |_| true);
    parse(&applied.dockerfile).map_err(|e| format!("the rewrite does not parse ({e}):\n{}", applied.dockerfile))?;
    if applied.applied.len() + applied.rejected.len() != plan.edits.len() {
        return Err("an edit neither applied nor rejected".into());
    }
    fix::check_untouched(input, &plan, &applied)
}

/// A finding of every fixable rule on every instruction line, as the fuzz target makes them.
fn everywhere(df: &Dockerfile) -> (Vec<Finding>, Facts) {
    let lines: Vec<usize> = df.stages.iter().flat_map(|s| &s.instructions).map(|i| i.line).collect();
    let mut findings = Vec::new();
    for (layer, &line) in lines.iter().enumerate() {
        for rule in RULES {
            findings.push(Finding {
                rule,
                title: String::new(),
                severity: deadweight::catalogue::Severity::Warning,
                reclaimable_bytes: 1,
                layer: Some(layer),
                dockerfile_line: Some(line),
                paths: vec![Evidence::new("/app/.git", 1)],
                fix: String::new(),
            });
        }
    }
    let facts = Facts {
        layer_lines: lines.iter().map(|&l| Some(l)).collect(),
        restored_from: (1..lines.len()).map(|l| (l, [l - 1].into())).collect(),
        user_tool: Some(UserTool::Useradd),
        debian_by_layer: (0..lines.len())
            .map(|l| (l, vec!["libpq5".to_string(), "gcc".to_string()]))
            .collect(),
        linked_debian: [("libpq5".to_string(), "/x.so".to_string())].into(),
        ..Default::default()
    };
    (findings, facts)
}

/// Every input the fuzzer saved keeps both properties (the first one found, an open quote in
/// a `pip install -r`, made the DW505 reorder write a COPY line broken in two).
#[test]
fn fuzz_regressions_keep_the_rewrite_properties() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions/dockerfile");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let Ok(text) = String::from_utf8(std::fs::read(&path).unwrap()) else {
            continue;
        };
        let Ok(df) = parse(&text) else { continue };
        let (findings, facts) = everywhere(&df);
        let input = Input {
            text: &text,
            dockerfile: &df,
            findings: &findings,
            facts: &facts,
            dockerignore: Some("x"),
        };
        if let Err(e) = holds(&input) {
            panic!("{}: {e}", path.display());
        }
        seen += 1;
    }
    assert!(seen >= 1, "no saved Dockerfile parses in {}", dir.display());
}
