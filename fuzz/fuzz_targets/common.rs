//! Shared by the fuzz targets: small limits, and the analysis + every renderer run over a
//! loaded image, so whatever a target manages to load goes through the whole pipeline.

#![allow(dead_code)]

use deadweight::analysis::{self, AnalyzeOptions};
use deadweight::model::{ConfigSummary, Layer, LayerScan};
use deadweight::report;
use deadweight::source::{Loaded, ScanLimits};

/// Most uncompressed bytes one layer may expand to inside the fuzzer. A zstd bomb of a few
/// hundred KiB can expand to gigabytes; 16 MiB keeps one execution in the milliseconds while
/// still far above anything a mutated seed produces legitimately.
pub const MAX_LAYER_BYTES: u64 = 16 << 20;

/// The limits for every scan; limits added later keep their defaults.
#[allow(clippy::needless_update)]
pub fn limits() -> ScanLimits {
    ScanLimits {
        max_layer_bytes: MAX_LAYER_BYTES,
        ..ScanLimits::default()
    }
}

/// Checks what must hold for every successful layer scan of `blob`.
pub fn check_scan(scan: &LayerScan, blob: &[u8]) {
    assert_eq!(
        scan.counts.total(),
        scan.entries.len() as u64,
        "entry counts disagree with the entries"
    );
    let files: u64 = scan
        .entries
        .iter()
        .filter(|e| e.kind == deadweight::model::EntryKind::File)
        .map(|e| e.size)
        .sum();
    assert_eq!(
        scan.content_bytes, files,
        "content_bytes is not the sum of the file sizes"
    );
    assert_eq!(
        scan.blob_bytes,
        blob.len() as u64,
        "blob_bytes is not the blob's length"
    );
    assert!(
        scan.tar_bytes <= MAX_LAYER_BYTES,
        "tar_bytes {} above the limit",
        scan.tar_bytes
    );
    for e in &scan.entries {
        assert!(
            (e.path.off as usize + e.path.len as usize) <= scan.names.len(),
            "path span out of the name buffer"
        );
        if let Some(l) = e.link {
            assert!(
                (l.off as usize + l.len as usize) <= scan.names.len(),
                "link span out of the name buffer"
            );
        }
    }
    for (i, _) in &scan.captured {
        assert!((*i as usize) < scan.entries.len(), "captured index out of range");
    }
}

/// A loaded image made of `scans` and `config`, as `source::load` would return it (minus the
/// digest checks, which a hostile image passes trivially anyway).
pub fn loaded(scans: Vec<LayerScan>, config: ConfigSummary, format: &str) -> Loaded {
    let layers = scans
        .into_iter()
        .enumerate()
        .map(|(index, scan)| Layer {
            index,
            digest: Some(scan.blob_digest.clone()),
            diff_id: config.diff_ids.get(index).cloned(),
            media_type: None,
            pull_bytes: None,
            scan,
        })
        .collect();
    Loaded {
        reference: "fuzz".into(),
        format: format.into(),
        manifest_digest: None,
        config_digest: "sha256:0000000000000000000000000000000000000000000000000000000000000000".into(),
        config,
        tags: Vec::new(),
        layers,
        notes: Vec::new(),
    }
}

/// Analyses the image and renders it every way the binary can; returns the JSON report.
pub fn analyze_and_render(image: Loaded, opts: &AnalyzeOptions) -> String {
    let layers = image.layers.len();
    let a = analysis::analyze_with(image, opts);
    assert_eq!(a.attribution.layers.len(), layers, "one origin per layer");
    assert_eq!(a.merge.len(), layers, "one merge record per layer");
    assert!(a.attribution.base_layers <= layers, "more base layers than layers");
    let json = report::json::to_json(&a);
    let _ = report::text::summary(&a, 80);
    let _ = report::text::findings(&a, 80);
    let budgets = report::ci::Budgets::resolve(Default::default(), false).expect("default budgets resolve");
    let verdict = report::ci::evaluate(&a, &budgets, None);
    let _ = report::ci::render_text(&a, &verdict);
    let _ = report::markdown::render(&a, Some(&verdict));
    let _ = report::sarif::render(&a, Some(&verdict), None);
    let _ = report::junit::render(&a, Some(&verdict));
    let _ = report::github::annotations(&a, &verdict, None);
    // Reading our own report back as a baseline must work.
    let baseline = report::baseline::parse(&json).expect("a report reads back as a baseline");
    let _ = report::baseline::instruction_deltas(&baseline, &a);
    json
}
