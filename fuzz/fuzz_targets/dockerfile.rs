//! The Dockerfile parser. Properties on success: parsing is deterministic, there is at least
//! one stage, line numbers are 1-based, ordered and inside the text, stage indexes are their
//! positions, and the layer chain holds instructions of the stages only. And the rewriter of
//! `deadweight fix`: with a finding of every fixable rule on every line, every planned edit
//! applied gives a text that parses again (an edit that cannot be made is listed as rejected,
//! the others apply), and every instruction no applied edit addresses is kept byte for byte,
//! in order.

#![no_main]

use deadweight::analysis::rules::Evidence;
use deadweight::analysis::dockerfile::{Dockerfile, parse};
use deadweight::analysis::rules::Finding;
use deadweight::fix::{self, Facts, Input, UserTool};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let first = parse(text);
    let again = parse(text);
    assert_eq!(first, again, "parse is not deterministic");
    // Lines as the parser counts them: `\n`, `\r\n` and a lone `\r` are not all equal to
    // `str::lines`, so allow one line per line-break byte of either kind.
    let max_line = 1 + text.bytes().filter(|&b| b == b'\n' || b == b'\r').count();
    let df = match first {
        Ok(df) => df,
        Err(e) => {
            assert!(e.line >= 1 || text.is_empty(), "error on line 0: {e}");
            assert!(
                e.line <= max_line + 1,
                "error line {} past the end ({max_line})",
                e.line
            );
            let _ = e.to_string();
            return;
        }
    };
    assert!(!df.stages.is_empty(), "a parsed Dockerfile has no stage");
    for (i, stage) in df.stages.iter().enumerate() {
        assert_eq!(stage.index, i, "stage index is not its position");
        assert!(
            stage.from_line >= 1 && stage.from_line <= max_line,
            "FROM line out of range"
        );
        for ins in &stage.instructions {
            assert!(ins.line >= stage.from_line, "instruction before its FROM");
            assert!(ins.line <= ins.end_line, "end_line before line");
            assert!(
                ins.end_line <= max_line,
                "end_line {} past the end ({max_line})",
                ins.end_line
            );
            let _ = ins.creates_layer();
            let _ = ins.flag("from");
            let _ = ins.flag("mount");
        }
        for w in stage.instructions.windows(2) {
            assert!(w[0].end_line < w[1].line, "instructions overlap or are out of order");
        }
    }
    for w in df.stages.windows(2) {
        assert!(w[0].from_line < w[1].from_line, "stages out of order");
    }
    let chain = df.layer_chain();
    let total: usize = df.stages.iter().map(|s| s.instructions.len()).sum();
    assert!(chain.len() <= total, "layer chain longer than all instructions");
    let _ = df.final_stage();
    rewrite_parses(text, &df);
});

/// Plans with a finding of every fixable rule on every instruction line and applies it all.
fn rewrite_parses(text: &str, df: &Dockerfile) {
    const RULES: &[&str] = &[
        "DW101", "DW102", "DW103", "DW105", "DW201", "DW202", "DW106", "DW107", "DW301", "DW304", "DW401", "DW405", "DW407",
        "DW501", "DW503", "DW505", "DW601", "DW602", "DW701", "DW702", "DW703",
    ];
    let lines: Vec<usize> = df.stages.iter().flat_map(|s| &s.instructions).map(|i| i.line).collect();
    let paths = vec![
        Evidence::new("/app/.git", 1),
        Evidence::new("/app/x/__pycache__", 1),
    ];
    let mut findings = Vec::new();
    for (layer, &line) in lines.iter().enumerate().take(64) {
        for rule in RULES {
            findings.push(Finding {
                rule,
                title: String::new(),
                severity: deadweight::catalogue::Severity::Warning,
                reclaimable_bytes: 1,
                layer: Some(layer),
                dockerfile_line: Some(line),
                paths: paths.clone(),
                fix: String::new(),
            });
        }
    }
    let facts = Facts {
        layer_lines: lines.iter().map(|&l| Some(l)).collect(),
        restored_from: (1..lines.len()).map(|l| (l, [l - 1].into())).collect(),
        user_tool: Some(UserTool::Useradd),
        debian_by_layer: (0..lines.len()).map(|l| (l, vec!["libpq5".to_string(), "gcc".to_string()])).collect(),
        linked_debian: [("libpq5".to_string(), "/x.so".to_string())].into(),
        ..Default::default()
    };
    let input = Input { text, dockerfile: df, findings: &findings, facts: &facts, dockerignore: Some("x") };
    let Ok(plan) = fix::plan(&input) else { return }; // an unknown frontend is refused
    let applied = fix::apply(&input, &plan, |_| true);
    if let Err(e) = parse(&applied.dockerfile) {
        panic!("the rewrite does not parse ({e}):\n{}", applied.dockerfile);
    }
    assert_eq!(applied.applied.len() + applied.rejected.len(), plan.edits.len(), "an edit neither applied nor rejected");
    if let Err(e) = fix::check_untouched(&input, &plan, &applied) {
        panic!("{e}");
    }
}
