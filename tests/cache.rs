//! The scan cache: a report is byte-identical cold, warm, and warm with `--trust-digests`, for
//! every corpus image in every format and for fixtures in every layout (file, directory,
//! stream); a warm run really takes the cached scan (and `--trust-digests` skips the hash,
//! while a checked run notices a changed blob); corrupt, truncated, foreign and old-version
//! entries are ignored and rebuilt; processes sharing a cache all succeed; the least recently
//! used entries go first past the cap; `cache info|clear`.

use std::path::{Path, PathBuf};

use deadweight::source::cache::Cache;
use deadweight::source::{self, LoadOptions};

use crate::support::fixture::{Compression, Image, Layer, gzip};
use crate::support::layout::Format;
use crate::support::{bin, corpus_dir, rich_image, tmp};

/// `deadweight ARGS --json -` with the cache in `cache` (none when `None`); the report's bytes.
fn run(cache: Option<&Path>, args: &[&str], stdin: Option<&[u8]>) -> Vec<u8> {
    let mut cmd = bin();
    if let Some(dir) = cache {
        cmd.env_remove("DEADWEIGHT_NO_CACHE").arg("--cache").arg(dir);
    }
    if let Some(bytes) = stdin {
        cmd.write_stdin(bytes.to_vec());
    }
    let out = cmd.args(args).args(["--json", "-"]).output().unwrap();
    assert!(
        out.status.success(),
        "deadweight {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The cache's entry files.
fn entries(cache: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(cache.join("layers"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

/// No cache, then cold, warm and warm trusted in a fresh cache: four identical reports, and
/// the warm runs add no entry.
fn cold_then_warm(what: &str, args: &[&str], stdin: Option<&[u8]>) {
    let dir = tmp();
    let cache = dir.path();
    let reference = run(None, args, stdin);
    let cold = run(Some(cache), args, stdin);
    let stored = entries(cache);
    assert!(!stored.is_empty(), "{what}: the cold run stored nothing");
    let warm = run(Some(cache), args, stdin);
    let mut trusted_args = args.to_vec();
    trusted_args.push("--trust-digests");
    let trusted = run(Some(cache), &trusted_args, stdin);
    for (run, got) in [("cold", &cold), ("warm", &warm), ("trusted", &trusted)] {
        assert!(
            *got == reference,
            "{what}: the {run} report differs from the uncached one"
        );
    }
    assert_eq!(entries(cache), stored, "{what}: a warm run stored again");
}

#[test]
fn corpus_images_report_the_same_cold_and_warm_in_every_format() {
    let Some(corpus) = corpus_dir() else {
        return;
    };
    let files = [
        "tiny/tiny.docker-archive.tar",
        "tiny/tiny.docker-archive.tar.gz",
        "tiny/tiny.oci-archive.tar",
        "tiny/tiny.oci-zstd",
        "tiny/tiny.oci-zstd.tar",
        "tiny/tiny.umoci-layout.tar",
        "tiny-buildah/tiny-buildah.docker-archive.tar",
        "tiny-buildah/tiny-buildah.docker-archive.tar.gz",
        "tiny-buildah/tiny-buildah.oci-archive.tar",
        "tiny-buildah/tiny-buildah.oci-zstd",
        "py-sample/py-sample.oci-archive.tar",
    ];
    for f in files {
        let path = corpus.join(f);
        cold_then_warm(f, &[path.to_str().unwrap()], None);
    }
    // A stream: the gzipped docker archive on stdin.
    let gz = std::fs::read(corpus.join("tiny/tiny.docker-archive.tar.gz")).unwrap();
    cold_then_warm("stdin", &["-"], Some(&gz));
}

#[test]
fn fixtures_report_the_same_cold_and_warm_in_every_layout_and_compression() {
    let dir = tmp();
    for format in Format::ALL {
        let path = format.save(dir.path(), &[rich_image()]);
        cold_then_warm(&format!("{format:?}"), &[path.to_str().unwrap()], None);
    }
    for c in Compression::ALL {
        let image = rich_image().compression(c);
        let path = dir.path().join(format!("{c:?}.tar"));
        crate::support::layout::oci_index(&[image], false).write_tar(&path);
        cold_then_warm(&format!("{c:?}"), &[path.to_str().unwrap()], None);
    }
    let docker = std::fs::read(Format::Docker25.save(dir.path(), &[rich_image()])).unwrap();
    cold_then_warm("gzip stream", &["-"], Some(&gzip(&docker)));
}

/// A two-layer image whose second layer holds `content`, as an OCI layout directory.
fn small_layout(dir: &Path, content: &str) -> PathBuf {
    let image = Image::new()
        .layer("ADD base", Layer::new().dir("etc").file("etc/os-release", "ID=test\n"))
        .layer("RUN app", Layer::new().file("app/main.py", content));
    Format::OciDir.save(dir, &[image])
}

fn load(path: &Path, cache: &Path, trust: bool) -> deadweight::Result<source::Loaded> {
    let spec = source::reference::parse(path.to_str().unwrap(), None).unwrap();
    let opts = LoadOptions {
        cache: Some(std::sync::Arc::new(Cache::new(cache.to_path_buf(), 1 << 30))),
        trust_digests: trust,
        ..LoadOptions::default()
    };
    source::load(&spec, &opts)
}

#[test]
fn a_warm_load_takes_the_cached_scan_and_trust_skips_the_hash() {
    let dir = tmp();
    let cache_dir = dir.path().join("cache");
    let image = small_layout(dir.path(), "print('hello')\n");
    let cold = load(&image, &cache_dir, false).unwrap();
    // Mark the cached scan of the top layer, so a load that uses it shows the mark.
    let cache = Cache::new(cache_dir.clone(), 1 << 30);
    let top = cold.layers[1].scan.blob_digest.clone();
    let mut marked = cache.get(&top, None).expect("the cold load stored the top layer");
    marked.entries[0].uid = 4242;
    cache.put(&marked, cold.layers[1].diff_id.as_deref());
    let warm = load(&image, &cache_dir, false).unwrap();
    assert_eq!(warm.layers[1].scan.entries[0].uid, 4242, "the warm load decoded again");
    // The blob changes under its name: a checked load hashes it and refuses it...
    let blob = image.join("blobs/sha256").join(top.strip_prefix("sha256:").unwrap());
    let other = Image::new().layer("RUN app", Layer::new().file("app/main.py", "print('bye!!')\n"));
    std::fs::write(&blob, &other.build().layers[0].blob).unwrap();
    let err = load(&image, &cache_dir, false).unwrap_err().to_string();
    assert!(err.contains("digest mismatch"), "{err}");
    // ...while a trusting one takes the manifest's word for it.
    let trusted = load(&image, &cache_dir, true).unwrap();
    assert_eq!(trusted.layers[1].scan.entries[0].uid, 4242);
}

/// Rewrites an entry's version field and fixes its checksum: a well-formed entry of another
/// version of deadweight.
fn other_version(bytes: &[u8]) -> Vec<u8> {
    let mut body = bytes[..bytes.len() - 8].to_vec();
    body[8..12].copy_from_slice(&999u32.to_le_bytes());
    let sum = xxhash_rust::xxh3::xxh3_64(&body);
    body.extend_from_slice(&sum.to_le_bytes());
    body
}

#[test]
fn damaged_foreign_and_old_entries_are_ignored_and_rebuilt() {
    let dir = tmp();
    let cache = dir.path().join("cache");
    let image = Format::OciArchive.save(dir.path(), &[rich_image()]);
    let arg = image.to_str().unwrap();
    let reference = run(None, &[arg], None);
    run(Some(&cache), &[arg], None);
    let files = entries(&cache);
    assert!(files.len() >= 2, "{files:?}");
    let good: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    type Damage = fn(&[u8], &[u8]) -> Vec<u8>;
    let damages: [(&str, Damage); 5] = [
        ("a flipped byte", |b, _| {
            let mut b = b.to_vec();
            let mid = b.len() / 2;
            b[mid] ^= 0x40;
            b
        }),
        ("a truncation", |b, _| b[..b.len() / 2].to_vec()),
        ("an empty file", |_, _| Vec::new()),
        ("another layer's entry", |_, other| other.to_vec()),
        ("another version's entry", |b, _| other_version(b)),
    ];
    for (what, damage) in damages {
        for (i, f) in files.iter().enumerate() {
            std::fs::write(f, damage(&good[i], &good[(i + 1) % good.len()])).unwrap();
        }
        assert!(
            run(Some(&cache), &[arg], None) == reference,
            "{what}: the report changed"
        );
        for (i, f) in files.iter().enumerate() {
            assert!(
                std::fs::read(f).unwrap() == good[i],
                "{what}: {} not rebuilt",
                f.display()
            );
        }
    }
}

#[test]
fn processes_sharing_a_cache_all_succeed() {
    let dir = tmp();
    let cache = dir.path().join("cache");
    let image = Format::DockerSkopeo.save(dir.path(), &[rich_image()]);
    let arg = image.to_str().unwrap().to_string();
    let reference = run(None, &[&arg], None);
    let reports: Vec<Vec<u8>> = std::thread::scope(|s| {
        let runs: Vec<_> = (0..4).map(|_| s.spawn(|| run(Some(&cache), &[&arg], None))).collect();
        runs.into_iter().map(|r| r.join().unwrap()).collect()
    });
    assert!(reports.iter().all(|r| *r == reference));
    assert!(
        std::fs::read_dir(cache.join("tmp")).unwrap().next().is_none(),
        "temporary files left"
    );
}

/// The entry file of a blob digest (the cache names entries by the xxh3-128 of the digest).
fn entry_of(cache: &Path, digest: &str) -> PathBuf {
    cache
        .join("layers")
        .join(format!("{:032x}", xxhash_rust::xxh3::xxh3_128(digest.as_bytes())))
}

#[test]
fn the_least_recently_used_go_first_past_the_cap() {
    let dir = tmp();
    let images: Vec<(PathBuf, String)> = ["a", "b", "c"]
        .iter()
        .map(|n| {
            let sub = dir.path().join(n);
            std::fs::create_dir(&sub).unwrap();
            let content = n.repeat(3000);
            let image = Image::new().layer("RUN x", Layer::new().file(format!("{n}/data"), &content));
            let digest = image.build().layers[0].digest.clone();
            (Format::OciDir.save(&sub, &[image]), digest)
        })
        .collect();
    let sized = dir.path().join("sized");
    for (path, _) in &images {
        run(Some(&sized), &[path.to_str().unwrap()], None);
    }
    let size = |d: &str| std::fs::metadata(entry_of(&sized, d)).unwrap().len();
    let cap = size(&images[0].1) + size(&images[1].1) + size(&images[2].1) / 2;
    let cache = dir.path().join("capped");
    let cap_arg = cap.to_string();
    let use_image = |i: usize| {
        let path = images[i].0.to_str().unwrap();
        run(Some(&cache), &[path, "--cache-size", &cap_arg], None);
        // Distinct last-use times even on coarse file systems.
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    use_image(0);
    use_image(1);
    use_image(0); // a hit: `a` is now more recent than `b`
    use_image(2);
    let present: Vec<bool> = images.iter().map(|(_, d)| entry_of(&cache, d).exists()).collect();
    assert_eq!(present, [true, false, true], "b, the least recently used, goes");
    let total: u64 = entries(&cache)
        .iter()
        .map(|f| std::fs::metadata(f).unwrap().len())
        .sum();
    assert!(total <= cap, "{total} > {cap}");
}

#[test]
fn cache_info_and_clear() {
    let dir = tmp();
    let cache = dir.path().join("cache");
    let image = small_layout(dir.path(), "x = 1\n");
    run(Some(&cache), &[image.to_str().unwrap()], None);
    let info = |action: &str| {
        let out = bin().args(["cache", action, "--cache"]).arg(&cache).output().unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    let text = info("info");
    assert!(text.contains("layers: 2\n"), "{text}");
    assert!(text.contains(&cache.display().to_string()), "{text}");
    assert!(text.contains("of 1 GiB"), "{text}");
    assert!(info("clear").contains("removed: 2 layers"));
    assert!(info("info").contains("layers: 0\n"));
    assert!(entries(&cache).is_empty());
}
