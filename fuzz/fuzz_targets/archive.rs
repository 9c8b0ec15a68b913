//! The bytes are a whole image container (`docker save` archive or OCI layout tar, plain,
//! gzip or zstd). Two readers see them:
//!
//! 1. `source::load` on a temporary file: the indexed `ArchiveStore` for a plain tar (seek +
//!    take per member, layers in parallel), the one-pass stream reader for a compressed one;
//!    documents resolved, digests and sizes checked, config parsed.
//! 2. `source::stream::read_stream` + `source::resolve::resolve` over its `MemStore`, then the
//!    layers decoded by the stream put together as the loader would, but without the digest
//!    checks, so mutated layers still reach the analysis.
//!
//! Whatever loads is analysed and rendered in every format. Besides panics and hangs, one
//! property: what the loader reads, the stream reader reads too, to the same JSON report.

#![no_main]

#[path = "common.rs"]
mod common;

use std::io::Write;
use std::path::PathBuf;
use std::sync::OnceLock;

use deadweight::analysis::AnalyzeOptions;
use deadweight::model::ConfigSummary;
use deadweight::source::resolve::{self, Selection};
use deadweight::source::{self, ImageSpec, LoadOptions, Location, layer, stream};
use libfuzzer_sys::fuzz_target;

/// One file per fuzzing process, rewritten for every input: in `$DEADWEIGHT_FUZZ_TMP` (which
/// `.ci/fuzz` makes and removes), else on tmpfs when there is one.
fn scratch() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let dir = std::env::var_os("DEADWEIGHT_FUZZ_TMP")
            .map(PathBuf::from)
            .into_iter()
            .chain(["/dev/shm", "/tmp"].iter().map(PathBuf::from))
            .find(|d| d.is_dir())
            .unwrap_or_else(std::env::temp_dir);
        dir.join(format!("deadweight-fuzz-archive-{}.tar", std::process::id()))
    })
}

fn via_file(data: &[u8]) -> Result<String, String> {
    let path = scratch();
    let mut f = std::fs::File::create(path).expect("scratch file");
    f.write_all(data).expect("write scratch file");
    drop(f);
    let spec = ImageSpec {
        location: Location::Path(path.clone()),
        tag: None,
        reference: "fuzz".into(),
        asked: None,
        fallback: None,
        notes: Vec::new(),
    };
    let opts = LoadOptions {
        limits: common::limits(),
        ..LoadOptions::default()
    };
    let loaded = source::load(&spec, &opts).map_err(|e| e.to_string())?;
    assert!(loaded.layers.len() < usize::from(u16::MAX));
    for (i, l) in loaded.layers.iter().enumerate() {
        assert_eq!(l.index, i);
    }
    Ok(common::analyze_and_render(loaded, &AnalyzeOptions::default()))
}

fn via_stream(data: &[u8]) -> Result<String, String> {
    let streamed = stream::read_stream(data, "fuzz", common::limits()).map_err(|e| e.to_string())?;
    let plan = resolve::resolve(&streamed.store, &Selection::default()).map_err(|e| e.to_string())?;
    let config = ConfigSummary::parse(&plan.config).map_err(|e| e.to_string())?;
    // The loader's own checks, which the analysis may rely on.
    if !config.diff_ids.is_empty() && config.diff_ids.len() != plan.layers.len() {
        return Err("diff_ids and layers differ in number".into());
    }
    if plan.layers.len() >= usize::from(u16::MAX) {
        return Err("too many layers".into());
    }
    let mut scans = Vec::with_capacity(plan.layers.len());
    for l in &plan.layers {
        let target = streamed.store.target(&l.name);
        let scan = match streamed.scans.get(&target) {
            Some(Ok(s)) => s.clone(),
            Some(Err(e)) => return Err(e.clone()),
            None => {
                let bytes = streamed.store.docs.get(&target).ok_or("missing layer")?;
                let scan = layer::scan_layer(bytes.as_slice(), common::limits()).map_err(|e| e.to_string())?;
                common::check_scan(&scan, bytes);
                scan
            }
        };
        scans.push(scan);
    }
    let format = deadweight::source::archive_format(plan.layout, streamed.outer);
    let mut image = common::loaded(scans, config, &format);
    for (layer, planned) in image.layers.iter_mut().zip(&plan.layers) {
        layer.media_type = planned.media_type.clone();
        layer.pull_bytes = planned.size;
    }
    image.manifest_digest = plan.manifest_digest;
    image.config_digest = plan.config_digest;
    image.tags = plan.tags;
    Ok(common::analyze_and_render(image, &AnalyzeOptions::default()))
}

/// An archive the loader reads must also be read by the stream reader (the same image gives the
/// same report from every source). `DEADWEIGHT_FUZZ_STRICT=0` relaxes that to "when both read
/// it, they agree".
fn strict() -> bool {
    static STRICT: OnceLock<bool> = OnceLock::new();
    *STRICT.get_or_init(|| std::env::var_os("DEADWEIGHT_FUZZ_STRICT").is_none_or(|v| v != "0"))
}

/// The first line where two reports differ, with its neighbours, for the panic message.
fn first_difference(a: &str, b: &str) -> String {
    let (a, b): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    let i = a
        .iter()
        .zip(&b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    let around = |v: &[&str]| v[i.saturating_sub(2)..(i + 3).min(v.len())].join("\n");
    format!(
        "line {}:\n--- loader\n{}\n--- stream reader\n{}",
        i + 1,
        around(&a),
        around(&b)
    )
}

/// With `DEADWEIGHT_FUZZ_VERBOSE=1` (for replaying one input), says what each reader made of it.
fn verbose() -> bool {
    static VERBOSE: OnceLock<bool> = OnceLock::new();
    *VERBOSE.get_or_init(|| std::env::var_os("DEADWEIGHT_FUZZ_VERBOSE").is_some_and(|v| v == "1"))
}

fn say(reader: &str, result: &Result<String, String>) {
    if verbose() {
        match result {
            Ok(json) => eprintln!("{reader}: read, report of {} bytes", json.len()),
            Err(e) => eprintln!("{reader}: {e}"),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let file = via_file(data);
    say("loader", &file);
    let streamed = via_stream(data);
    say("stream reader", &streamed);
    // The same image gives the same report from every source: when the loader accepts the
    // bytes (digests checked) and the stream reader too, they must have read the same image.
    match (file, streamed) {
        (Ok(file), Ok(streamed)) => {
            assert!(
                file == streamed,
                "indexed and streamed reads of one archive give different reports; {}",
                first_difference(&file, &streamed)
            )
        }
        (Ok(_), Err(e)) if strict() => panic!("the loader reads this archive but the stream reader does not: {e}"),
        _ => {}
    }
});
