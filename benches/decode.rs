//! Decode speed of one large generated layer, next to the speed of decompression alone with the
//! same decoder (the floor deadweight cannot beat). Throughput is in bytes of tar output, so the
//! two rows compare directly: `cargo bench --bench decode`.

use std::io::Write;
use std::sync::LazyLock;

use divan::Bencher;
use divan::counter::BytesCount;

fn main() {
    divan::main();
}

/// A deterministic layer: 20,000 files in 200 directories, 64 MiB of half-compressible content
/// (random bytes interleaved with text, roughly the ratio of real layers).
fn layer_tar() -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for i in 0..20_000u32 {
        let size = 1024 + (next() % 5500) as usize;
        let mut data = Vec::with_capacity(size);
        while data.len() < size {
            if next() % 2 == 0 {
                data.extend_from_slice(&next().to_le_bytes());
            } else {
                data.extend_from_slice(b"def handler(event, context): return None\n");
            }
        }
        data.truncate(size);
        let mut h = tar::Header::new_gnu();
        h.set_size(size as u64);
        h.set_mode(0o644);
        h.set_cksum();
        builder
            .append_data(
                &mut h,
                format!("usr/lib/python3.11/pkg{}/mod{i}.py", i % 200),
                data.as_slice(),
            )
            .expect("append to an in-memory tar");
    }
    builder.into_inner().expect("finish an in-memory tar")
}

static TAR: LazyLock<Vec<u8>> = LazyLock::new(layer_tar);
static GZ: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    e.write_all(&TAR).expect("gzip in memory");
    e.finish().expect("gzip in memory")
});
static ZST: LazyLock<Vec<u8>> = LazyLock::new(|| zstd::encode_all(TAR.as_slice(), 3).expect("zstd in memory"));

fn limits() -> deadweight::source::ScanLimits {
    deadweight::source::ScanLimits::default()
}

#[divan::bench]
fn gzip_decompress_only(b: Bencher) {
    b.counter(BytesCount::new(TAR.len())).bench(|| {
        let mut d = flate2::read::MultiGzDecoder::new(GZ.as_slice());
        std::io::copy(&mut d, &mut std::io::sink()).expect("gunzip")
    });
}

#[divan::bench]
fn gzip_scan_layer(b: Bencher) {
    b.counter(BytesCount::new(TAR.len()))
        .bench(|| deadweight::source::layer::scan_layer(GZ.as_slice(), limits()).expect("scan"));
}

#[divan::bench]
fn zstd_decompress_only(b: Bencher) {
    b.counter(BytesCount::new(TAR.len())).bench(|| {
        let mut d = zstd::stream::read::Decoder::new(ZST.as_slice()).expect("zstd");
        std::io::copy(&mut d, &mut std::io::sink()).expect("unzstd")
    });
}

#[divan::bench]
fn zstd_scan_layer(b: Bencher) {
    b.counter(BytesCount::new(TAR.len()))
        .bench(|| deadweight::source::layer::scan_layer(ZST.as_slice(), limits()).expect("scan"));
}

#[divan::bench]
fn plain_scan_layer(b: Bencher) {
    b.counter(BytesCount::new(TAR.len()))
        .bench(|| deadweight::source::layer::scan_layer(TAR.as_slice(), limits()).expect("scan"));
}

#[divan::bench]
fn plain_sha256_only(b: Bencher) {
    use sha2::Digest;
    b.counter(BytesCount::new(TAR.len()))
        .bench(|| sha2::Sha256::digest(TAR.as_slice()));
}

// The synthetic image generator (`cargo run --example genimage`), compiled into this benchmark
// so the image below has the generator's shape: directories, overwrites and chmod-only copies,
// symlinks, hard links, whiteouts over lower files, deep paths with PAX and GNU long names.
// (The file allows its own dead code: only `layer_blobs` and `Shape` are used here.)
#[path = "../examples/genimage.rs"]
mod genimage;

/// A 55,000-entry image in 5 layers (the size of a typical Python image) from the generator:
/// 64 MiB of content, 500 whiteouts over 5,000 lower files, paths 8 directories deep; plain tar
/// layers, so the decode bench measures the tar walk and hashing, not gunzip. Decoded once; the
/// analysis (merge, attribution, accounting, packages, rules) is measured against the decode.
static IMAGE: LazyLock<Vec<(Vec<u8>, String)>> = LazyLock::new(|| {
    genimage::layer_blobs(&genimage::Shape {
        name: "bench-55k".into(),
        entries: 55_000,
        layers: 5,
        bytes: 64 << 20,
        whiteouts: 500,
        below: 5_000,
        depth: 8,
        format: genimage::Format::DockerArchive,
        compression: genimage::Compression::None,
        level: 0,
        seed: 1,
    })
    .expect("generate the 55k-entry image")
});

static LOADED: LazyLock<deadweight::source::Loaded> = LazyLock::new(|| {
    let layers = IMAGE
        .iter()
        .enumerate()
        .map(|(index, (tar, diff_id))| deadweight::model::Layer {
            index,
            digest: Some(format!("sha256:{diff_id}")),
            diff_id: Some(format!("sha256:{diff_id}")),
            media_type: None,
            pull_bytes: None,
            scan: deadweight::source::layer::scan_layer(tar.as_slice(), limits()).expect("scan"),
        })
        .collect();
    deadweight::source::Loaded {
        reference: "bench".into(),
        format: "docker-archive".into(),
        manifest_digest: None,
        config_digest: "sha256:0".into(),
        config: Default::default(),
        tags: Vec::new(),
        layers,
        notes: Vec::new(),
    }
});

#[divan::bench]
fn decode_55k_files(b: Bencher) {
    let bytes: usize = IMAGE.iter().map(|(t, _)| t.len()).sum();
    b.counter(BytesCount::new(bytes)).bench(|| {
        IMAGE
            .iter()
            .map(|(t, _)| {
                deadweight::source::layer::scan_layer(t.as_slice(), limits())
                    .expect("scan")
                    .entries
                    .len()
            })
            .sum::<usize>()
    });
}

#[divan::bench]
fn analyze_55k_files(b: Bencher) {
    b.with_inputs(|| LOADED.clone())
        .bench_values(deadweight::analysis::analyze);
}

/// The 55k-entry image merged once, for the stage benches below.
static MERGED: LazyLock<(
    deadweight::model::Tree,
    Vec<deadweight::analysis::dive::DiveLayer>,
    Vec<deadweight::analysis::packages::Capture>,
)> = LazyLock::new(|| {
    let (tree, _, dive, captures) = deadweight::analysis::pipeline::Merged::all(&mut LOADED.clone()).into_parts();
    (tree, dive, captures)
});

// The stages of `analyze_55k_files` one by one: the merge runs alone, the rest beside each other
// on the cores (dive's figures and the accounting on one side, packages and rules on the other).

#[divan::bench]
fn stage_merge_55k(b: Bencher) {
    b.with_inputs(|| LOADED.clone())
        .bench_local_values(|mut image| deadweight::analysis::pipeline::Merged::all(&mut image));
}

#[divan::bench]
fn stage_dive_figures_55k(b: Bencher) {
    let (tree, dive, _) = &*MERGED;
    b.bench(|| deadweight::analysis::dive::figures(dive, tree));
}

#[divan::bench]
fn stage_accounting_55k(b: Bencher) {
    let (tree, _, _) = &*MERGED;
    b.bench(|| deadweight::analysis::accounting::account(tree, LOADED.layers.len()));
}

#[divan::bench]
fn stage_packages_and_rules_55k(b: Bencher) {
    let (tree, _, captures) = &*MERGED;
    let attribution = deadweight::analysis::attribute::attribute(&[], LOADED.layers.len(), &Default::default());
    let cfg = Default::default();
    b.bench(|| {
        let packages = deadweight::analysis::packages::packages(captures, tree);
        let ctx = deadweight::analysis::rules::Ctx {
            tree,
            layers: &LOADED.layers,
            attribution: &attribution,
            packages: &packages,
            config: &LOADED.config,
            dockerfile: None,
            dockerignore: None,
        };
        deadweight::analysis::rules::evaluate(&ctx, &cfg)
    });
}

/// The corpus image `py-sample` (9,280 files in 8 gzip layers, 105 MB) loaded from its
/// oci-archive and analysed, end to end as the binary does it. The corpus is
/// `$DEADWEIGHT_CORPUS` or `../shared/corpus`; without it the bench is skipped with a notice.
#[divan::bench(sample_count = 10)]
fn load_analyze_py_sample(b: Bencher) {
    let corpus = std::env::var_os("DEADWEIGHT_CORPUS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    let path = corpus.join("py-sample/py-sample.oci-archive.tar");
    if !path.is_file() {
        eprintln!("skipped load_analyze_py_sample: no {}", path.display());
        return;
    }
    let spec =
        deadweight::source::reference::parse(path.to_str().expect("a UTF-8 path"), None).expect("parse the reference");
    let opts = deadweight::source::LoadOptions::default();
    b.bench(|| deadweight::analysis::analyze(deadweight::source::load(&spec, &opts).expect("load py-sample")));
}

/// The 55k-entry image above as a `docker save` archive, for the end-to-end pair below; written
/// to cargo's scratch directory for benchmarks, over the previous run's.
static ARCHIVE: LazyLock<std::path::PathBuf> = LazyLock::new(|| {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-55k.docker-archive.tar");
    let diff_ids: Vec<String> = IMAGE.iter().map(|(_, d)| format!("\"sha256:{d}\"")).collect();
    let config = format!(
        r#"{{"architecture":"amd64","os":"linux","rootfs":{{"type":"layers","diff_ids":[{}]}}}}"#,
        diff_ids.join(",")
    );
    let names: Vec<String> = (0..IMAGE.len()).map(|i| format!("\"{i}/layer.tar\"")).collect();
    let manifest = format!(
        r#"[{{"Config":"config.json","RepoTags":["bench:55k"],"Layers":[{}]}}]"#,
        names.join(",")
    );
    let mut b = tar::Builder::new(std::fs::File::create(&path).expect("create the bench archive"));
    let mut add = |name: &str, data: &[u8]| {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, name, data).expect("write the bench archive");
    };
    add("manifest.json", manifest.as_bytes());
    add("config.json", config.as_bytes());
    for (i, (tar, _)) in IMAGE.iter().enumerate() {
        add(&format!("{i}/layer.tar"), tar);
    }
    b.finish().expect("finish the bench archive");
    path
});

fn archive_spec() -> deadweight::source::ImageSpec {
    deadweight::source::reference::parse(ARCHIVE.to_str().expect("a UTF-8 path"), None).expect("parse")
}

/// End to end, as the binary runs: the 55k-entry archive read from disk, layers decoded in
/// parallel. `load_55k_archive` only loads; `load_and_analyze_55k_archive` also merges (while
/// decoding) and analyses. Their difference is what the analysis adds to a run.
#[divan::bench(sample_count = 30)]
fn load_55k_archive(b: Bencher) {
    let spec = archive_spec();
    b.bench(|| deadweight::source::load(&spec, &Default::default()).expect("load"));
}

#[divan::bench(sample_count = 30)]
fn load_and_analyze_55k_archive(b: Bencher) {
    let spec = archive_spec();
    b.bench(|| {
        deadweight::analysis::load_and_analyze(&spec, &Default::default(), &Default::default()).expect("analyse")
    });
}
