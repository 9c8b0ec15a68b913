//! The bytes are one layer blob (gzip, zstd or plain tar, recognised by magic bytes), or
//! several joined by [`SEP`]. The whole input is scanned as one layer (with the properties of
//! `common::check_scan` on success); then the parts are scanned as the layers of an image,
//! bottom first, and the layers that scan are merged, analysed and rendered (whiteouts, opaque
//! directories, overwrites and package databases across layers).

#![no_main]

#[path = "common.rs"]
mod common;

use deadweight::analysis::AnalyzeOptions;
use deadweight::model::ConfigSummary;
use deadweight::source::layer::scan_layer;
use libfuzzer_sys::fuzz_target;

/// Separates the layers of a multi-layer input.
const SEP: &[u8] = b"@@DWLAYER@@";

/// At most this many layers per input.
const MAX_PARTS: usize = 8;

fn split(data: &[u8]) -> Vec<&[u8]> {
    let mut parts = Vec::new();
    let mut rest = data;
    while parts.len() + 1 < MAX_PARTS {
        match rest.windows(SEP.len()).position(|w| w == SEP) {
            Some(i) => {
                parts.push(&rest[..i]);
                rest = &rest[i + SEP.len()..];
            }
            None => break,
        }
    }
    parts.push(rest);
    parts
}

fuzz_target!(|data: &[u8]| {
    let whole = scan_layer(data, common::limits());
    if let Ok(scan) = &whole {
        common::check_scan(scan, data);
    }
    let parts = split(data);
    let mut scans = Vec::with_capacity(parts.len());
    if parts.len() == 1 {
        scans.extend(whole.ok());
    } else {
        for part in parts {
            if let Ok(scan) = scan_layer(part, common::limits()) {
                common::check_scan(&scan, part);
                scans.push(scan);
            }
        }
    }
    if scans.is_empty() {
        return;
    }
    let config = ConfigSummary {
        platform: "linux/amd64".into(),
        ..ConfigSummary::default()
    };
    let image = common::loaded(scans, config, "docker-archive");
    let _ = common::analyze_and_render(image, &AnalyzeOptions::default());
});
