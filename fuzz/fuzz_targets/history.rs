//! `history[].created_by` parsing, and the attribution of layers to history entries and
//! Dockerfile lines built on it.
//!
//! Input (UTF-8): the whole text is parsed as one `created_by`. Then, up to the first NUL,
//! every line is a history entry (`~` first: `empty_layer`; a TAB: what follows it is the
//! entry's `comment`, e.g. buildah's `FROM <image>`), and what follows the NUL is a Dockerfile;
//! the entries are attributed with and without it, for a few layer counts.

#![no_main]

use deadweight::analysis::attribute::{AttributeOptions, attribute};
use deadweight::analysis::dockerfile;
use deadweight::analysis::history::{InstructionKind, is_buildkit, parse_created_by};
use deadweight::model::HistoryEntry;
use libfuzzer_sys::fuzz_target;

fn entry(line: &str) -> HistoryEntry {
    let (line, empty_layer) = match line.strip_prefix('~') {
        Some(rest) => (rest, true),
        None => (line, false),
    };
    let (created_by, comment) = match line.split_once('\t') {
        Some((c, comment)) => (c, Some(comment.to_string())),
        None => (line, None),
    };
    HistoryEntry {
        created_by: Some(created_by.to_string()),
        comment,
        empty_layer,
        ..HistoryEntry::default()
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let inst = parse_created_by(text);
    assert_eq!(inst, parse_created_by(text), "parse_created_by is not deterministic");
    assert_eq!(inst.text.trim(), inst.text, "instruction text is not trimmed");
    if text.trim().is_empty() {
        assert_eq!(inst.kind, InstructionKind::Unknown);
    }
    let _ = is_buildkit(text);
    let _ = InstructionKind::from_keyword(text);

    let (history, dockerfile) = match text.split_once('\0') {
        Some((h, d)) => (h, Some(d)),
        None => (text, None),
    };
    let history: Vec<HistoryEntry> = history.lines().map(entry).collect();
    let made = history.iter().filter(|h| !h.empty_layer).count();
    let parsed = dockerfile.and_then(|d| dockerfile::parse(d).ok());
    for layers in [made, made.saturating_sub(1), made + 1] {
        for base_layers in [None, Some(1)] {
            let opts = AttributeOptions {
                dockerfile: parsed.as_ref(),
                base_layers,
            };
            let a = attribute(&history, layers, &opts);
            assert_eq!(a.layers.len(), layers, "one origin per layer");
            assert_eq!(a.steps.len(), history.len(), "one step per history entry");
            assert!(a.base_layers <= layers, "more base layers than layers");
            for s in &a.steps {
                assert!(
                    s.layer.is_none_or(|l| l < layers),
                    "step names a layer that does not exist"
                );
            }
            if parsed.is_none() {
                assert!(a.unmatched.is_empty(), "unmatched layers without a Dockerfile");
            }
        }
    }
});
