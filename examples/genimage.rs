//! Writes synthetic but real container images for benchmarks: any number of entries, layers and
//! bytes, whiteouts over files of lower layers, deep and long paths (PAX and GNU long names),
//! overwrites and chmod-only copies, symlinks and hard links, in a docker-archive, an OCI
//! archive or an OCI layout directory, with gzip, zstd or plain tar layers.
//!
//! ```sh
//! cargo run --release --example genimage -- --preset big --out /work/genimages/big.docker-archive.tar
//! cargo run --release --example genimage -- --entries 20000 --layers 8 --bytes 50M \
//!     --whiteouts 500 --below 4000 --depth 12 --format oci-archive --compression zstd --out x.tar
//! ```
//!
//! The output is deterministic: the same arguments give byte-identical files (fixed mtimes,
//! sorted entries, one PRNG stream per layer so layers can be built in parallel). Memory does not
//! grow with the bytes (about 200 MB peak for the 1M-entry presets: the entry lists of the layers
//! being built): file contents are slices of one 16 MiB pseudo-random block, every layer is
//! streamed through its compressor into a file while the sha256 of the tar (the
//! diff_id) and of the blob are computed, and archives are assembled from those files.
//! A summary (per layer: entries by kind, content bytes, tar and blob sizes, digests) goes to
//! stdout as JSON, progress and timings to stderr.
//!
//! `benches/decode.rs` includes this file as a module (`#[path]`) and calls [`layer_blobs`] to
//! build the same layers in memory.

// Included as a module by benches/decode.rs, which uses only part of it.
#![allow(dead_code)]

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::Instant;

use anyhow::{Context, Result, ensure};
use clap::{Parser, ValueEnum};
use rayon::prelude::*;
use serde_json::json;
use sha2::{Digest, Sha256};
use tar::{EntryType, Header};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// `docker save` layout as skopeo writes it: manifest.json, `<config hex>.json`, one
    /// `<hex>.tar` (`.tar.gz`, `.tar.zst` for compressed layers) per layer. dive 0.13.1 reads
    /// `.tar` and `.tar.gz` layers here, not `.tar.zst`.
    DockerArchive,
    /// An OCI image layout (oci-layout, index.json, blobs/sha256/...) in a tar.
    OciArchive,
    /// The same OCI image layout as a directory.
    OciDir,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Compression {
    Gzip,
    Zstd,
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Preset {
    /// 1M entries, 100 layers, 5 GiB, 20k whiteouts over 200k files, deep paths.
    Big,
    /// 300k entries in 10 layers: 200k files below, one late layer with 20k whiteouts; 100 MiB.
    Whiteout,
    /// 100k entries, 20 layers, 200 MiB, 2k whiteouts over 20k files, deep paths.
    #[value(name = "scale-100k")]
    Scale100k,
    /// scale-100k times ten: 1M entries, 20 layers, 2 GiB, 20k whiteouts over 200k files.
    #[value(name = "scale-1m")]
    Scale1m,
}

/// Writes a deterministic synthetic container image (see the module docs).
#[derive(Debug, Parser)]
#[command(name = "genimage")]
struct Args {
    /// Start from a preset; the other options override its values.
    #[arg(long, value_enum)]
    preset: Option<Preset>,
    /// Total tar entries over all layers (directories, files, links and whiteouts; extension
    /// headers for long names do not count). Default 20000.
    #[arg(long, value_parser = parse_count)]
    entries: Option<u64>,
    /// Number of layers. Default 8.
    #[arg(long)]
    layers: Option<usize>,
    /// Total bytes of file content over all layers: 5G, 500M, 64K (powers of 1024) or 5GB, 500MB
    /// (powers of 1000). Default 50M.
    #[arg(long, value_parser = parse_size)]
    bytes: Option<u64>,
    /// Whiteouts in one late layer (the one before the last), each deleting a file of --below.
    #[arg(long, value_parser = parse_count)]
    whiteouts: Option<u64>,
    /// Files created in the layers below the whiteout layer (under /srv/data) that the
    /// whiteouts pick from (evenly spread). Default 10 x --whiteouts.
    #[arg(long, value_parser = parse_count)]
    below: Option<u64>,
    /// Directory components of the deep paths (about 1% of the files; names up to 200 bytes,
    /// paths beyond 100 bytes as PAX records or GNU long names); 0 for none. Default 0.
    #[arg(long)]
    depth: Option<usize>,
    /// Output format. Default docker-archive.
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Layer compression. Default gzip.
    #[arg(long, value_enum)]
    compression: Option<Compression>,
    /// Compression level (default: gzip 1, zstd 3).
    #[arg(long)]
    level: Option<u32>,
    /// PRNG seed: another seed gives another image of the same shape.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Image name in manifest.json / index.json (default: deadweight-gen/PRESET:latest).
    #[arg(long)]
    tag: Option<String>,
    /// Where to write: a file for the archives, a directory (must not exist) for oci-dir.
    #[arg(long)]
    out: PathBuf,
    /// Also write the JSON summary to this file.
    #[arg(long, value_name = "FILE")]
    summary: Option<PathBuf>,
    /// Worker threads for building layers (default: one per core).
    #[arg(long)]
    threads: Option<usize>,
}

fn parse_count(s: &str) -> Result<u64, String> {
    let t = s.replace('_', "");
    let (num, mult) = match t.chars().last() {
        Some('k' | 'K') => (&t[..t.len() - 1], 1_000),
        Some('m' | 'M') => (&t[..t.len() - 1], 1_000_000),
        _ => (t.as_str(), 1),
    };
    num.parse::<u64>()
        .map(|n| n * mult)
        .map_err(|e| format!("{s:?}: {e} (a count such as 20000, 200k or 1M)"))
}

fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.replace('_', "");
    let upper = t.to_ascii_uppercase();
    let units: [(&str, f64); 9] = [
        ("KIB", 1024.0),
        ("MIB", 1024.0 * 1024.0),
        ("GIB", 1024.0 * 1024.0 * 1024.0),
        ("KB", 1e3),
        ("MB", 1e6),
        ("GB", 1e9),
        ("K", 1024.0),
        ("M", 1024.0 * 1024.0),
        ("G", 1024.0 * 1024.0 * 1024.0),
    ];
    let (num, mult) = units
        .iter()
        .find(|(u, _)| upper.ends_with(u))
        .map(|(u, m)| (&t[..t.len() - u.len()], *m))
        .unwrap_or((t.trim_end_matches(['b', 'B']), 1.0));
    num.trim()
        .parse::<f64>()
        .map(|n| (n * mult).round() as u64)
        .map_err(|e| format!("{s:?}: {e} (a size such as 5G, 500M, 64K or 123456)"))
}

/// Everything that decides the image, after presets and defaults.
#[derive(Debug, Clone)]
pub struct Shape {
    pub name: String,
    pub entries: u64,
    pub layers: usize,
    pub bytes: u64,
    pub whiteouts: u64,
    pub below: u64,
    pub depth: usize,
    pub format: Format,
    pub compression: Compression,
    pub level: u32,
    pub seed: u64,
}

impl Shape {
    fn from_args(a: &Args) -> Result<Shape> {
        // (entries, layers, bytes, whiteouts, below, depth)
        let base: (u64, usize, u64, u64, u64, usize) = match a.preset {
            Some(Preset::Big) => (1_000_000, 100, 5 << 30, 20_000, 200_000, 24),
            Some(Preset::Whiteout) => (300_000, 10, 100 << 20, 20_000, 200_000, 0),
            Some(Preset::Scale100k) => (100_000, 20, 200 << 20, 2_000, 20_000, 16),
            Some(Preset::Scale1m) => (1_000_000, 20, 2 << 30, 20_000, 200_000, 16),
            None => (20_000, 8, 50 << 20, 0, 0, 0),
        };
        let whiteouts = a.whiteouts.unwrap_or(base.3);
        let below = a.below.unwrap_or(if a.whiteouts.is_some() && a.preset.is_none() {
            whiteouts * 10
        } else {
            base.4
        });
        let compression = a.compression.unwrap_or(Compression::Gzip);
        let level = a.level.unwrap_or(match compression {
            Compression::Zstd => 3,
            _ => 1,
        });
        let name = match a.preset {
            Some(p) => p
                .to_possible_value()
                .map(|v| v.get_name().to_string())
                .unwrap_or_default(),
            None => "custom".into(),
        };
        let s = Shape {
            name,
            entries: a.entries.unwrap_or(base.0),
            layers: a.layers.unwrap_or(base.1),
            bytes: a.bytes.unwrap_or(base.2),
            whiteouts,
            below,
            depth: a.depth.unwrap_or(base.5),
            format: a.format.unwrap_or(Format::DockerArchive),
            compression,
            level,
            seed: a.seed,
        };
        ensure!(s.layers >= 1, "--layers must be at least 1");
        ensure!(
            s.whiteouts <= s.below,
            "--whiteouts ({}) cannot exceed --below ({})",
            s.whiteouts,
            s.below
        );
        ensure!(
            s.below == 0 || s.layers >= 2,
            "--below and --whiteouts need at least 2 layers (files below, whiteouts above)"
        );
        ensure!(s.depth <= 64, "--depth is at most 64");
        match s.compression {
            Compression::Gzip => ensure!(s.level <= 9, "gzip levels are 0 to 9"),
            Compression::Zstd => ensure!((1..=22).contains(&s.level), "zstd levels are 1 to 22"),
            Compression::None => {}
        }
        Ok(s)
    }

    /// The late layer that holds the whiteouts: the one before the last (the last when there
    /// are two layers).
    fn whiteout_layer(&self) -> Option<usize> {
        (self.below > 0).then(|| {
            if self.layers >= 3 {
                self.layers - 2
            } else {
                self.layers - 1
            }
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Deterministic randomness and content

/// SplitMix64: tiny, fast, good enough, and seeded independently per layer.
struct Rng(u64);
impl Rng {
    fn new(seed: u64, stream: u64) -> Rng {
        let mut r = Rng(seed ^ stream.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0xd1b5_4a32_d192_ed03);
        r.next();
        r
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
    /// Uniform in (0, 1].
    fn unit(&mut self) -> f64 {
        ((self.next() >> 11) + 1) as f64 / (1u64 << 53) as f64
    }
}

fn fnv(bytes: &[u8]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

const BLOCK_LEN: usize = 16 << 20;

/// Content of every file: a slice of this block, starting at an offset given by the file's
/// content key and wrapping around. Random bytes mixed with source-like tokens and runs of
/// zeros, so gzip shrinks it to about half, like real binaries and libraries; 16 MiB is beyond
/// the windows of gzip and of zstd's default levels, so files do not compress against each other
/// much more than real ones do.
static BLOCK: LazyLock<Vec<u8>> = LazyLock::new(|| {
    const TOKENS: [&str; 32] = [
        "import ",
        "return ",
        "self.",
        "def ",
        "\n    ",
        "None",
        "if ",
        "else:",
        "for ",
        " in ",
        "__init__",
        "(",
        ")",
        ", ",
        " = ",
        "\"\"\"",
        "lib",
        ".so.6",
        "GLIBC_2.",
        "\x00\x00\x00\x00",
        "\x7fELF",
        "class ",
        "except ",
        "raise ",
        "True",
        "False",
        "value",
        "config",
        "\n",
        "#",
        "0x",
        "_",
    ];
    let mut rng = Rng::new(0x5eed, 0xb10c);
    let mut v = Vec::with_capacity(BLOCK_LEN + 64);
    while v.len() < BLOCK_LEN {
        let r = rng.next();
        match r % 100 {
            0..30 => {
                for _ in 0..8 {
                    v.extend_from_slice(&rng.next().to_le_bytes());
                }
            }
            30..38 => v.extend_from_slice(&[0u8; 64]),
            _ => {
                let end = v.len() + 64;
                let mut t = r >> 8;
                while v.len() < end {
                    v.extend_from_slice(TOKENS[(t % 32) as usize].as_bytes());
                    t /= 32;
                    if t == 0 {
                        t = rng.next();
                    }
                }
            }
        }
    }
    v.truncate(BLOCK_LEN);
    v
});

/// `len` bytes of the block from `key`'s offset, wrapping around.
struct Content {
    pos: usize,
    left: u64,
}
impl Content {
    fn new(key: u64, len: u64) -> Content {
        Content {
            pos: (key % BLOCK_LEN as u64) as usize,
            left: len,
        }
    }
}
impl Read for Content {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let block = &BLOCK[..];
        let n = buf
            .len()
            .min(BLOCK_LEN - self.pos)
            .min(self.left.min(usize::MAX as u64) as usize);
        buf[..n].copy_from_slice(&block[self.pos..self.pos + n]);
        self.pos = (self.pos + n) % BLOCK_LEN;
        self.left -= n as u64;
        Ok(n)
    }
}

// ---------------------------------------------------------------------------------------------
// Planning: which entries each layer holds

#[derive(Debug, Clone)]
enum Kind {
    Dir,
    /// `size: None` until the layer's byte budget is shared out.
    File {
        size: Option<u64>,
        key: u64,
        mode: u32,
    },
    Symlink(String),
    Hardlink(String),
    Whiteout,
}

#[derive(Debug, Clone)]
struct PEntry {
    path: String,
    kind: Kind,
}

/// A file of a layer that later layers may write again.
#[derive(Debug, Clone)]
struct Candidate {
    path: String,
    size: u64,
    key: u64,
}

/// Per-layer quotas, fixed before any layer is planned.
#[derive(Debug)]
struct Budget {
    /// Entries of each layer.
    entries: Vec<u64>,
    /// Content bytes of each layer.
    bytes: Vec<u64>,
    /// Range of the below files (global indices) each layer holds.
    below: Vec<(u64, u64)>,
}

const BELOW_PER_DIR: u64 = 100;

fn below_dir(b: u64) -> String {
    format!("srv/data/shard-{:05}", b / BELOW_PER_DIR)
}
fn below_name(b: u64) -> String {
    format!("blob-{b:07}.bin")
}
/// Directories the below files `[start, end)` need: their shards plus `srv` and `srv/data`.
fn below_dirs(start: u64, end: u64) -> u64 {
    if start >= end {
        0
    } else {
        (end - 1) / BELOW_PER_DIR - start / BELOW_PER_DIR + 1 + 2
    }
}
/// The below file that whiteout `k` of `w` deletes: evenly spread over `f`.
fn whiteout_target(k: u64, w: u64, f: u64) -> u64 {
    (k as u128 * f as u128 / w as u128) as u64
}
fn whiteout_dirs(w: u64, f: u64) -> u64 {
    let mut shards = 0;
    let mut last = u64::MAX;
    for k in 0..w {
        let s = whiteout_target(k, w, f) / BELOW_PER_DIR;
        if s != last {
            shards += 1;
            last = s;
        }
    }
    if w == 0 { 0 } else { shards + 2 }
}

/// Splits `total` over `weights` exactly (largest remainders).
fn split(total: u64, weights: &[f64]) -> Vec<u64> {
    let sum: f64 = weights.iter().sum();
    if weights.is_empty() {
        return Vec::new();
    }
    if sum <= 0.0 {
        let mut v = vec![0; weights.len()];
        *v.last_mut().unwrap() = total;
        return v;
    }
    let exact: Vec<f64> = weights.iter().map(|w| total as f64 * w / sum).collect();
    let mut v: Vec<u64> = exact.iter().map(|e| e.floor() as u64).collect();
    let given: u64 = v.iter().sum();
    let mut rest = total.saturating_sub(given);
    let mut order: Vec<usize> = (0..v.len()).filter(|&i| weights[i] > 0.0).collect();
    order.sort_by(|&a, &b| {
        let fa = exact[a] - exact[a].floor();
        let fb = exact[b] - exact[b].floor();
        fb.partial_cmp(&fa).unwrap().then(a.cmp(&b))
    });
    let mut i = 0;
    while rest > 0 && !order.is_empty() {
        v[order[i % order.len()]] += 1;
        rest -= 1;
        i += 1;
    }
    v
}

fn budget(s: &Shape) -> Result<Budget> {
    let l = s.layers;
    let wl = s.whiteout_layer();
    let mut rng = Rng::new(s.seed, u64::MAX);
    // Below files go to the layers under the whiteout layer, in proportion to their weight.
    let weights: Vec<f64> = (0..l)
        .map(|i| {
            if i == 0 && l > 1 {
                0.3 * (l - 1) as f64 / 0.7
            } else {
                0.3 + 1.4 * rng.unit()
            }
        })
        .collect();
    let mut below = vec![(0, 0); l];
    let mut reserved = vec![0u64; l];
    if let Some(wl) = wl {
        let counts = split(s.below, &weights[..wl]);
        let mut start = 0;
        for (i, c) in counts.iter().enumerate() {
            below[i] = (start, start + c);
            reserved[i] = c + below_dirs(start, start + c);
            start += c;
        }
        reserved[wl] += s.whiteouts + whiteout_dirs(s.whiteouts, s.below);
    }
    let fixed: u64 = reserved.iter().sum();
    ensure!(
        fixed <= s.entries,
        "--entries {} is too few for {} below files and {} whiteouts (with their directories, {} entries)",
        s.entries,
        s.below,
        s.whiteouts,
        fixed
    );
    let general = split(s.entries - fixed, &weights);
    let entries: Vec<u64> = general.iter().zip(&reserved).map(|(g, r)| g + r).collect();
    let byte_weights: Vec<f64> = entries.iter().map(|&e| e as f64 * (0.5 + rng.unit())).collect();
    let bytes = split(s.bytes, &byte_weights);
    Ok(Budget { entries, bytes, below })
}

const ROOTS: [&str; 8] = [
    "usr/lib/x86_64-linux-gnu",
    "usr/share/doc",
    "usr/local/lib/python3.11/site-packages",
    "usr/include",
    "opt/app/node_modules",
    "var/cache/apt/archives",
    "root/.cache/pip/http",
    "app/src",
];
const WORDS: [&str; 16] = [
    "numpy",
    "requests",
    "urllib3",
    "certifi",
    "charset",
    "idna",
    "pandas",
    "scipy",
    "torch",
    "jinja2",
    "markupsafe",
    "click",
    "flask",
    "werkzeug",
    "pydantic",
    "typing",
];
const EXTS: [&str; 8] = ["py", "pyc", "so", "h", "txt", "json", "md", "gz"];
const FILES_PER_DIR: u64 = 32;

/// A deep directory: `depth` components with names of 8 to 200 bytes, the whole path capped at
/// 3,600 bytes (well under PATH_MAX with the file name).
fn deep_dir(layer: usize, group: u64, depth: usize) -> String {
    let mut p = format!("opt/deep/l{layer:03}");
    let mut rng = Rng::new(group, layer as u64 + 7777);
    for i in 0..depth {
        let len = 8 + rng.below(193) as usize;
        let mut name = format!("d{i:02}-g{group}-");
        let fill = b"abcdefghijklmnopqrstuvwxyz0123456789_-";
        let mut t = rng.next();
        while name.len() < len {
            name.push(fill[(t % fill.len() as u64) as usize] as char);
            t = t / 7 + 1;
            if t < 8 {
                t = rng.next();
            }
        }
        if p.len() + 1 + name.len() > 3600 {
            break;
        }
        p.push('/');
        p.push_str(&name);
    }
    p
}

/// Keeps a layer's entries and its directories, counting entries against the quota.
struct Planner {
    quota: u64,
    used: u64,
    dirs: HashSet<String>,
    paths: HashSet<String>,
    entries: Vec<PEntry>,
}

impl Planner {
    fn missing_dirs(&self, path: &str) -> u64 {
        let mut n = 0;
        for (i, _) in path.rmatch_indices('/') {
            if self.dirs.contains(&path[..i]) {
                break;
            }
            n += 1;
        }
        n
    }
    /// Adds the entry and its missing parent directories if they fit (always when `force`).
    fn add(&mut self, path: String, kind: Kind, force: bool) -> bool {
        if self.paths.contains(&path) || self.dirs.contains(&path) {
            return false;
        }
        let need = self.missing_dirs(&path) + 1;
        if !force && self.used + need > self.quota {
            return false;
        }
        for (i, _) in path.rmatch_indices('/') {
            if !self.dirs.insert(path[..i].to_string()) {
                break;
            }
        }
        self.used += need;
        self.paths.insert(path.clone());
        self.entries.push(PEntry { path, kind });
        true
    }
}

struct LayerPlan {
    /// Directories and entries, in tar order.
    entries: Vec<PEntry>,
    /// Some regular files, for later layers to overwrite.
    candidates: Vec<Candidate>,
}

/// Plans layer `l` from the budget and the candidates of the layers below it.
fn plan_layer(s: &Shape, b: &Budget, l: usize, lower: &[Vec<Candidate>]) -> LayerPlan {
    let mut rng = Rng::new(s.seed, l as u64);
    let mut p = Planner {
        quota: b.entries[l],
        used: 0,
        dirs: HashSet::new(),
        paths: HashSet::new(),
        entries: Vec::new(),
    };
    let layer_salt = (l as u64 + 1).wrapping_mul(0x2545_f491_4f6c_dd1d);
    let (bs, be) = b.below[l];
    for i in bs..be {
        let path = format!("{}/{}", below_dir(i), below_name(i));
        let key = fnv(path.as_bytes()) ^ layer_salt;
        p.add(
            path,
            Kind::File {
                size: None,
                key,
                mode: 0o644,
            },
            true,
        );
    }
    if Some(l) == s.whiteout_layer() {
        for k in 0..s.whiteouts {
            let t = whiteout_target(k, s.whiteouts, s.below);
            p.add(format!("{}/.wh.{}", below_dir(t), below_name(t)), Kind::Whiteout, true);
        }
    }
    // Overwrites of lower files: a new version (pip install --upgrade), or every fourth a
    // chmod/chown copy with the same bytes.
    let general_quota = p.quota.saturating_sub(p.used);
    if l > 0 {
        let n = general_quota / 20;
        let mut copied = 0u64;
        for i in 0..n {
            let k = rng.below(l as u64) as usize;
            let Some(c) = (!lower[k].is_empty()).then(|| &lower[k][rng.below(lower[k].len() as u64) as usize]) else {
                continue;
            };
            // A copy that would not fit in the layer's byte budget becomes a new version.
            let kind = if i % 4 == 0 && copied + c.size <= b.bytes[l] && !p.paths.contains(&c.path) {
                copied += c.size;
                Kind::File {
                    size: Some(c.size),
                    key: c.key,
                    mode: 0o755,
                }
            } else {
                Kind::File {
                    size: None,
                    key: fnv(c.path.as_bytes()) ^ layer_salt,
                    mode: 0o644,
                }
            };
            p.add(c.path.clone(), kind, false);
        }
    }
    // General files until the quota is full.
    let mut last_dir: Option<String> = None;
    let mut last_file: Option<(String, String)> = None; // (dir, path) of the last regular file
    let mut j: u64 = 0;
    let lw = WORDS[l % WORDS.len()];
    while p.used < p.quota {
        let d = j / FILES_PER_DIR;
        let deep = s.depth > 0 && j % 101 == 37;
        let dir = if deep {
            deep_dir(l, j / (101 * 8), s.depth)
        } else {
            let root = ROOTS[(fnv(format!("{l}/{d}").as_bytes()) % ROOTS.len() as u64) as usize];
            format!("{root}/{}-{l}.{}", WORDS[(d % 16) as usize], d / 16)
        };
        let ext = EXTS[(j % EXTS.len() as u64) as usize];
        let name = if deep {
            let len = 10 + (fnv(&j.to_le_bytes()) % 190) as usize;
            let mut n = format!("{lw}-{j:07}-");
            while n.len() + ext.len() + 1 < len {
                n.push(char::from(b'a' + (n.len() % 26) as u8));
            }
            format!("{n}.{ext}")
        } else {
            format!("{lw}_{j:07}.{ext}")
        };
        let kind = if j % 41 == 3 {
            // Deep symlinks point at long absolute paths (PAX linkpath / GNU long link names).
            let target = match &last_file {
                Some((_, f)) if deep => format!("/{f}"),
                _ => format!("../{}/lib{}.so.{}", WORDS[(j % 16) as usize], j % 7, j % 3),
            };
            Kind::Symlink(target)
        } else if j % 163 == 11 && last_file.as_ref().is_some_and(|(fd, _)| *fd == dir) {
            Kind::Hardlink(last_file.as_ref().unwrap().1.clone())
        } else {
            let key = fnv(name.as_bytes()) ^ layer_salt ^ j;
            Kind::File {
                size: None,
                key,
                mode: if j.is_multiple_of(13) { 0o755 } else { 0o644 },
            }
        };
        let is_file = matches!(kind, Kind::File { .. });
        let mut path = format!("{dir}/{name}");
        let mut placed = p.add(path.clone(), kind.clone(), false);
        if !placed {
            // Not enough room left for new directories: the rest go into the last directory.
            match &last_dir {
                Some(ld) => {
                    path = format!("{ld}/{lw}_{j:07}.{ext}");
                    let kind = match kind {
                        Kind::Hardlink(_) => Kind::File {
                            size: None,
                            key: j ^ layer_salt,
                            mode: 0o644,
                        },
                        k => k,
                    };
                    placed = p.add(path.clone(), kind, false);
                    if !placed {
                        break;
                    }
                }
                None => break,
            }
        }
        let placed_dir = path.rsplit_once('/').map(|(d, _)| d.to_string()).unwrap_or_default();
        if is_file {
            last_file = Some((placed_dir.clone(), path.clone()));
        }
        last_dir = Some(placed_dir);
        j += 1;
    }
    // Share the byte budget: fixed sizes (chmod copies) first, the rest by heavy-tailed
    // weights (Pareto, alpha 1.5, 2% empty files).
    let fixed: u64 = p
        .entries
        .iter()
        .map(|e| match e.kind {
            Kind::File { size: Some(s), .. } => s,
            _ => 0,
        })
        .sum();
    let open: Vec<usize> = (0..p.entries.len())
        .filter(|&i| matches!(p.entries[i].kind, Kind::File { size: None, .. }))
        .collect();
    let weights: Vec<f64> = open
        .iter()
        .map(|_| {
            if rng.below(50) == 0 {
                0.0
            } else {
                rng.unit().powf(-1.0 / 1.5).min(1e4)
            }
        })
        .collect();
    let sizes = split(b.bytes[l].saturating_sub(fixed), &weights);
    for (i, sz) in open.iter().zip(sizes) {
        if let Kind::File { size, .. } = &mut p.entries[*i].kind {
            *size = Some(sz);
        }
    }
    // Candidates for later overwrites: up to 2,000 regular files outside /srv/data.
    let files: Vec<&PEntry> = p
        .entries
        .iter()
        .filter(|e| matches!(e.kind, Kind::File { .. }) && !e.path.starts_with("srv/"))
        .collect();
    let step = (files.len() / 2000).max(1);
    let candidates = files
        .iter()
        .step_by(step)
        .map(|e| match e.kind {
            Kind::File { size, key, .. } => Candidate {
                path: e.path.clone(),
                size: size.unwrap_or(0),
                key,
            },
            _ => unreachable!(),
        })
        .collect();
    let mut entries = p.entries;
    entries.extend(p.dirs.into_iter().map(|path| PEntry { path, kind: Kind::Dir }));
    // Tar order of a sorted directory walk: component by component.
    entries.sort_unstable_by(|a, b| a.path.split('/').cmp(b.path.split('/')));
    LayerPlan { entries, candidates }
}

// ---------------------------------------------------------------------------------------------
// Writing layers

/// Passes writes through while hashing and counting them.
struct HashWrite<W> {
    inner: W,
    hash: Sha256,
    len: u64,
}
impl<W: Write> HashWrite<W> {
    fn new(inner: W) -> Self {
        HashWrite {
            inner,
            hash: Sha256::new(),
            len: 0,
        }
    }
    fn finish(self) -> (W, String, u64) {
        (self.inner, hex(&self.hash.finalize()), self.len)
    }
}
impl<W: Write> Write for HashWrite<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

enum Encoder<W: Write> {
    Gzip(flate2::write::GzEncoder<W>),
    Zstd(zstd::stream::write::Encoder<'static, W>),
    Plain(W),
}
impl<W: Write> Encoder<W> {
    fn new(w: W, c: Compression, level: u32) -> io::Result<Self> {
        Ok(match c {
            Compression::Gzip => Encoder::Gzip(flate2::write::GzEncoder::new(w, flate2::Compression::new(level))),
            Compression::Zstd => Encoder::Zstd(zstd::stream::write::Encoder::new(w, level as i32)?),
            Compression::None => Encoder::Plain(w),
        })
    }
    fn finish(self) -> io::Result<W> {
        match self {
            Encoder::Gzip(e) => e.finish(),
            Encoder::Zstd(e) => e.finish(),
            Encoder::Plain(w) => Ok(w),
        }
    }
}
impl<W: Write> Write for Encoder<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Encoder::Gzip(e) => e.write(buf),
            Encoder::Zstd(e) => e.write(buf),
            Encoder::Plain(w) => w.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Encoder::Gzip(e) => e.flush(),
            Encoder::Zstd(e) => e.flush(),
            Encoder::Plain(w) => w.flush(),
        }
    }
}

/// Puts `name` into a ustar header's name field, or split over prefix and name; false when it
/// does not fit (then a PAX record or a GNU long name carries it).
fn set_ustar_name(h: &mut Header, name: &[u8]) -> bool {
    let u = h.as_ustar_mut().expect("a ustar header");
    if name.len() <= 100 {
        u.name[..name.len()].copy_from_slice(name);
        return true;
    }
    if name.len() > 256 {
        return false;
    }
    // The shortest prefix (at a '/') that leaves at most 100 bytes of name.
    for (i, _) in name.iter().enumerate().filter(|(_, c)| **c == b'/') {
        let (pre, rest) = (&name[..i], &name[i + 1..]);
        if rest.len() <= 100 && !rest.is_empty() {
            if pre.len() > 155 || pre.is_empty() {
                return false;
            }
            u.prefix[..pre.len()].copy_from_slice(pre);
            u.name[..rest.len()].copy_from_slice(rest);
            return true;
        }
    }
    false
}

fn set_field(field: &mut [u8], value: &[u8]) {
    let n = value.len().min(field.len());
    field[..n].copy_from_slice(&value[..n]);
}

/// A PAX extended header's records ("%d key=value\n", the length counting itself).
fn pax_records(records: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (k, v) in records {
        let body = k.len() + v.len() + 3; // ' ', '=', '\n'
        let mut len = body + 1;
        while len != body + len.to_string().len() {
            len = body + len.to_string().len();
        }
        out.extend_from_slice(format!("{len} {k}=").as_bytes());
        out.extend_from_slice(v);
        out.push(b'\n');
    }
    out
}

#[derive(Debug, Default, Clone, Copy, serde::Serialize)]
struct Counts {
    files: u64,
    dirs: u64,
    symlinks: u64,
    hardlinks: u64,
    whiteouts: u64,
    /// PAX and GNU long-name headers (not entries).
    long_name_headers: u64,
}

struct LayerOut {
    counts: Counts,
    content_bytes: u64,
    tar_bytes: u64,
    diff_id: String,
    blob_bytes: u64,
    blob_digest: String,
    blob_path: PathBuf,
    max_path_len: usize,
}

/// Writes one entry: a ustar header when the names fit, else a PAX extended header or GNU long
/// name/link entries first (chosen per path, so both forms appear).
fn write_entry<W: Write>(tar: &mut tar::Builder<W>, e: &PEntry, mtime: u64, counts: &mut Counts) -> io::Result<u64> {
    let name = match e.kind {
        Kind::Dir => format!("{}/", e.path),
        _ => e.path.clone(),
    };
    let (ty, size, mode, key, link) = match &e.kind {
        Kind::Dir => (EntryType::Directory, 0, 0o755, 0, None),
        Kind::File { size, key, mode } => (EntryType::Regular, size.unwrap_or(0), *mode, *key, None),
        Kind::Symlink(t) => (EntryType::Symlink, 0, 0o777, 0, Some(t.as_str())),
        Kind::Hardlink(t) => (EntryType::Link, 0, 0o644, 0, Some(t.as_str())),
        Kind::Whiteout => (EntryType::Regular, 0, 0o000, 0, None),
    };
    match &e.kind {
        Kind::Dir => counts.dirs += 1,
        Kind::File { .. } => counts.files += 1,
        Kind::Symlink(_) => counts.symlinks += 1,
        Kind::Hardlink(_) => counts.hardlinks += 1,
        Kind::Whiteout => counts.whiteouts += 1,
    }
    let fill = |h: &mut Header| {
        h.set_mode(mode);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(mtime);
        h.set_size(size);
        h.set_entry_type(ty);
    };
    let mut h = Header::new_ustar();
    fill(&mut h);
    let name_fits = set_ustar_name(&mut h, name.as_bytes());
    let link_fits = link.is_none_or(|l| l.len() <= 100);
    if name_fits && link_fits {
        if let Some(l) = link {
            set_field(&mut h.as_old_mut().linkname, l.as_bytes());
        }
    } else if fnv(name.as_bytes()).is_multiple_of(2) {
        // PAX, as Go's archive/tar (Docker, BuildKit) writes long names.
        let mut records: Vec<(&str, &[u8])> = Vec::new();
        if !name_fits {
            records.push(("path", name.as_bytes()));
        }
        if let Some(l) = link.filter(|_| !link_fits) {
            records.push(("linkpath", l.as_bytes()));
        }
        let data = pax_records(&records);
        let mut ph = Header::new_ustar();
        ph.set_mode(0o644);
        ph.set_mtime(mtime);
        ph.set_size(data.len() as u64);
        ph.set_entry_type(EntryType::XHeader);
        let base = name.trim_end_matches('/').rsplit('/').next().unwrap_or("x");
        let pax_name = format!("PaxHeaders.0/{}", &base[..base.len().min(80)]);
        set_field(&mut ph.as_old_mut().name, pax_name.as_bytes());
        ph.set_cksum();
        tar.append(&ph, data.as_slice())?;
        counts.long_name_headers += 1;
        h = Header::new_ustar();
        fill(&mut h);
        if !set_ustar_name(&mut h, name.as_bytes()) {
            set_field(&mut h.as_old_mut().name, name.as_bytes());
        }
        if let Some(l) = link {
            set_field(&mut h.as_old_mut().linkname, l.as_bytes());
        }
    } else {
        // GNU tar's ././@LongLink entries ('L' for the name, 'K' for the link target).
        let long = |ty: u8, value: &str| -> Header {
            let mut lh = Header::new_gnu();
            set_field(&mut lh.as_old_mut().name, b"././@LongLink");
            lh.set_mode(0o644);
            lh.set_mtime(0);
            lh.set_size(value.len() as u64 + 1);
            lh.set_entry_type(EntryType::new(ty));
            lh.set_cksum();
            lh
        };
        if name.len() > 100 {
            let mut data = name.as_bytes().to_vec();
            data.push(0);
            tar.append(&long(b'L', &name), data.as_slice())?;
            counts.long_name_headers += 1;
        }
        if let Some(l) = link.filter(|_| !link_fits) {
            let mut data = l.as_bytes().to_vec();
            data.push(0);
            tar.append(&long(b'K', l), data.as_slice())?;
            counts.long_name_headers += 1;
        }
        h = Header::new_gnu();
        fill(&mut h);
        set_field(&mut h.as_old_mut().name, name.as_bytes());
        if let Some(l) = link {
            set_field(&mut h.as_old_mut().linkname, l.as_bytes());
        }
    }
    h.set_cksum();
    tar.append(&h, Content::new(key, size))?;
    Ok(size)
}

/// Plans layer `l` and writes its blob into `sink`; returns the sink and the layer's figures.
fn write_layer<W: Write>(s: &Shape, b: &Budget, l: usize, lower: &[Vec<Candidate>], sink: W) -> Result<(W, LayerOut)> {
    let plan = plan_layer(s, b, l, lower);
    let compressed = HashWrite::new(sink);
    let encoder = Encoder::new(compressed, s.compression, s.level)?;
    let tar_hash = HashWrite::new(encoder);
    let mut tar = tar::Builder::new(BufWriter::with_capacity(1 << 20, tar_hash));
    let mtime = 1_704_067_200 + l as u64 * 3600;
    let mut counts = Counts::default();
    let mut content = 0;
    let mut max_path_len = 0;
    for e in &plan.entries {
        content += write_entry(&mut tar, e, mtime, &mut counts)?;
        max_path_len = max_path_len.max(e.path.len());
    }
    let buffered = tar.into_inner()?;
    let tar_hash = buffered.into_inner().map_err(|e| e.into_error())?;
    let (encoder, diff_id, tar_bytes) = tar_hash.finish();
    let compressed = encoder.finish()?;
    let (sink, blob_digest, blob_bytes) = compressed.finish();
    let out = LayerOut {
        counts,
        content_bytes: content,
        tar_bytes,
        diff_id,
        blob_bytes,
        blob_digest,
        blob_path: PathBuf::new(),
        max_path_len,
    };
    Ok((sink, out))
}

fn build_layer(s: &Shape, b: &Budget, l: usize, lower: &[Vec<Candidate>], dir: &Path) -> Result<LayerOut> {
    let blob_path = dir.join(format!(".layer-{l:04}.tmp"));
    let file = File::create(&blob_path).with_context(|| format!("cannot create {}", blob_path.display()))?;
    let (buffered, mut out) = write_layer(s, b, l, lower, BufWriter::with_capacity(1 << 20, file))?;
    buffered.into_inner().map_err(|e| e.into_error())?;
    out.blob_path = blob_path;
    Ok(out)
}

/// The candidates every layer offers the layers above it (plans made in order, then dropped).
fn plan_all(s: &Shape, b: &Budget) -> Vec<Vec<Candidate>> {
    let mut lower: Vec<Vec<Candidate>> = Vec::with_capacity(s.layers);
    for l in 0..s.layers {
        let plan = plan_layer(s, b, l, &lower);
        lower.push(plan.candidates);
    }
    lower
}

/// Every layer blob of the image `s` describes, in memory, bottom first, with its diff_id
/// (hex sha256 of the tar). For benchmarks of small images; the files are what the example
/// would write.
pub fn layer_blobs(s: &Shape) -> Result<Vec<(Vec<u8>, String)>> {
    let b = budget(s)?;
    let lower = plan_all(s, &b);
    (0..s.layers)
        .into_par_iter()
        .map(|l| write_layer(s, &b, l, &lower[..l], Vec::new()).map(|(v, o)| (v, o.diff_id)))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Metadata and assembly

fn created_by(s: &Shape, l: usize, diff_id: &str) -> (String, Option<&'static str>) {
    if l == 0 {
        return (format!("/bin/sh -c #(nop) ADD file:{diff_id} in / "), None);
    }
    if Some(l) == s.whiteout_layer() {
        return (
            "RUN /bin/sh -c find /srv/data -name 'blob-*[05].bin' -delete # buildkit".into(),
            Some("buildkit.dockerfile.v0"),
        );
    }
    let w = WORDS[l % WORDS.len()];
    match l % 5 {
        0 => (
            format!("COPY src/{w} /app/src/{w} # buildkit"),
            Some("buildkit.dockerfile.v0"),
        ),
        1 => (
            format!("RUN /bin/sh -c pip install --no-compile {w}=={l}.0 # buildkit"),
            Some("buildkit.dockerfile.v0"),
        ),
        2 => (
            format!(
                "/bin/sh -c apt-get update && apt-get install -y --no-install-recommends lib{w}-dev && rm -rf /var/lib/apt/lists/*"
            ),
            None,
        ),
        3 => (
            format!(
                "/bin/sh -c #(nop) COPY dir:{} in /opt/app ",
                &diff_id[..64.min(diff_id.len())]
            ),
            None,
        ),
        _ => (
            format!("RUN /bin/sh -c npm install {w}@{l} # buildkit"),
            Some("buildkit.dockerfile.v0"),
        ),
    }
}

fn config_json(s: &Shape, layers: &[LayerOut]) -> Vec<u8> {
    let created = |minutes: usize| {
        let t = minutes;
        format!("2024-01-01T{:02}:{:02}:00Z", (t / 60) % 24, t % 60)
    };
    let mut history = Vec::new();
    for (l, lo) in layers.iter().enumerate() {
        let (by, comment) = created_by(s, l, &lo.diff_id);
        let mut h = json!({ "created": created(l * 2), "created_by": by });
        if let Some(c) = comment {
            h["comment"] = json!(c);
        }
        history.push(h);
        if l == 0 {
            history.push(
                json!({"created": created(1), "created_by": "/bin/sh -c #(nop)  CMD [\"bash\"]", "empty_layer": true}),
            );
        } else if l % 10 == 9 {
            history.push(json!({
                "created": created(l * 2 + 1),
                "created_by": format!("ENV STEP={l}"),
                "comment": "buildkit.dockerfile.v0",
                "empty_layer": true
            }));
        }
    }
    history.push(json!({
        "created": created(layers.len() * 2),
        "created_by": "CMD [\"python\" \"-m\" \"app\"]",
        "comment": "buildkit.dockerfile.v0",
        "empty_layer": true
    }));
    let cfg = json!({
        "architecture": "amd64",
        "os": "linux",
        "created": created(layers.len() * 2),
        "config": {
            "Env": ["PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8"],
            "Cmd": ["python", "-m", "app"],
            "WorkingDir": "/app",
            "Labels": {"org.opencontainers.image.title": format!("deadweight-gen {}", s.name)}
        },
        "rootfs": {
            "type": "layers",
            "diff_ids": layers.iter().map(|l| format!("sha256:{}", l.diff_id)).collect::<Vec<_>>()
        },
        "history": history
    });
    serde_json::to_vec(&cfg).expect("json")
}

fn layer_media_type(c: Compression) -> &'static str {
    match c {
        Compression::Gzip => "application/vnd.oci.image.layer.v1.tar+gzip",
        Compression::Zstd => "application/vnd.oci.image.layer.v1.tar+zstd",
        Compression::None => "application/vnd.oci.image.layer.v1.tar",
    }
}

/// A member of the outer archive: bytes in memory or a layer file.
enum Member {
    Bytes(Vec<u8>),
    File(PathBuf, u64),
    Dir,
}

fn write_outer(out: &Path, members: &[(String, Member)]) -> Result<u64> {
    let tmp = out.with_extension("partial");
    let file = File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    let mut tar = tar::Builder::new(BufWriter::with_capacity(4 << 20, file));
    for (name, m) in members {
        let mut h = Header::new_ustar();
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(0);
        match m {
            Member::Dir => {
                h.set_mode(0o755);
                h.set_entry_type(EntryType::Directory);
                h.set_size(0);
                set_field(&mut h.as_old_mut().name, format!("{name}/").as_bytes());
                h.set_cksum();
                tar.append(&h, io::empty())?;
            }
            Member::Bytes(b) => {
                h.set_mode(0o644);
                h.set_size(b.len() as u64);
                h.set_entry_type(EntryType::Regular);
                set_field(&mut h.as_old_mut().name, name.as_bytes());
                h.set_cksum();
                tar.append(&h, b.as_slice())?;
            }
            Member::File(p, len) => {
                h.set_mode(0o644);
                h.set_size(*len);
                h.set_entry_type(EntryType::Regular);
                set_field(&mut h.as_old_mut().name, name.as_bytes());
                h.set_cksum();
                let f = File::open(p).with_context(|| format!("cannot open {}", p.display()))?;
                tar.append(&h, f.take(*len))?;
                fs::remove_file(p).ok();
            }
        }
    }
    let mut w = tar.into_inner()?;
    w.flush()?;
    let f = w.into_inner().map_err(|e| e.into_error())?;
    f.sync_all().ok();
    drop(f);
    fs::rename(&tmp, out).with_context(|| format!("cannot rename {} to {}", tmp.display(), out.display()))?;
    Ok(fs::metadata(out)?.len())
}

pub fn main() -> Result<()> {
    let args = Args::parse();
    let s = Shape::from_args(&args)?;
    if let Some(t) = args.threads {
        rayon::ThreadPoolBuilder::new().num_threads(t).build_global().ok();
    }
    let start = Instant::now();
    let b = budget(&s)?;
    let tag = args
        .tag
        .clone()
        .unwrap_or_else(|| format!("deadweight-gen/{}:latest", s.name));

    // Pass 1, in order: the candidates each layer offers later layers (the plans are dropped).
    let lower = plan_all(&s, &b);
    eprintln!("planned {} layers in {:.1} s", s.layers, start.elapsed().as_secs_f64());

    // Where the layer blobs go before assembly: next to the output.
    let out = &args.out;
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    let (work, _guard) = if s.format == Format::OciDir {
        ensure!(!out.exists(), "{} exists; remove it first", out.display());
        let blobs = out.join("blobs").join("sha256");
        fs::create_dir_all(&blobs).with_context(|| format!("cannot create {}", blobs.display()))?;
        (blobs, None)
    } else {
        let t = tempfile::Builder::new().prefix(".genimage-").tempdir_in(parent)?;
        (t.path().to_path_buf(), Some(t))
    };

    // Pass 2, in parallel: plan again and write each layer; largest first for balance.
    let mut order: Vec<usize> = (0..s.layers).collect();
    order.sort_by_key(|&l| std::cmp::Reverse(b.entries[l] * 4096 + b.bytes[l]));
    let mut built: Vec<(usize, LayerOut)> = order
        .par_iter()
        .map(|&l| build_layer(&s, &b, l, &lower[..l], &work).map(|o| (l, o)))
        .collect::<Result<_>>()?;
    built.sort_by_key(|(l, _)| *l);
    let layers: Vec<LayerOut> = built.into_iter().map(|(_, o)| o).collect();
    let t_layers = start.elapsed().as_secs_f64();
    eprintln!("wrote {} layers in {:.1} s", s.layers, t_layers);

    let config = config_json(&s, &layers);
    let config_hex = hex(&Sha256::digest(&config));
    let out_bytes = match s.format {
        Format::DockerArchive => {
            let ext = match s.compression {
                Compression::Gzip => "tar.gz",
                Compression::Zstd => "tar.zst",
                Compression::None => "tar",
            };
            let names: Vec<String> = layers.iter().map(|l| format!("{}.{ext}", l.blob_digest)).collect();
            let manifest = json!([{
                "Config": format!("{config_hex}.json"),
                "RepoTags": [tag],
                "Layers": names,
            }]);
            let (repo, t) = tag.rsplit_once(':').unwrap_or((&tag, "latest"));
            let repositories = json!({ repo: { t: layers.last().map(|l| l.diff_id.clone()).unwrap_or_default() } });
            let mut members: Vec<(String, Member)> = Vec::new();
            let mut seen = HashSet::new();
            for (l, name) in layers.iter().zip(&names) {
                if seen.insert(name.clone()) {
                    members.push((name.clone(), Member::File(l.blob_path.clone(), l.blob_bytes)));
                }
            }
            members.push((format!("{config_hex}.json"), Member::Bytes(config.clone())));
            members.push(("manifest.json".into(), Member::Bytes(serde_json::to_vec(&manifest)?)));
            members.push(("repositories".into(), Member::Bytes(serde_json::to_vec(&repositories)?)));
            write_outer(out, &members)?
        }
        Format::OciArchive | Format::OciDir => {
            let manifest = json!({
                "schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {
                    "mediaType": "application/vnd.oci.image.config.v1+json",
                    "digest": format!("sha256:{config_hex}"),
                    "size": config.len()
                },
                "layers": layers.iter().map(|l| json!({
                    "mediaType": layer_media_type(s.compression),
                    "digest": format!("sha256:{}", l.blob_digest),
                    "size": l.blob_bytes
                })).collect::<Vec<_>>()
            });
            let manifest = serde_json::to_vec(&manifest)?;
            let manifest_hex = hex(&Sha256::digest(&manifest));
            let index = json!({
                "schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.index.v1+json",
                "manifests": [{
                    "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "digest": format!("sha256:{manifest_hex}"),
                    "size": manifest.len(),
                    "annotations": { "org.opencontainers.image.ref.name": tag.rsplit_once(':').map(|(_, t)| t).unwrap_or("latest") }
                }]
            });
            let index = serde_json::to_vec(&index)?;
            let layout = br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec();
            // blobs in name order, then index.json and oci-layout: a sorted walk of the layout.
            let mut blobs: Vec<(String, Member)> = vec![
                (config_hex.clone(), Member::Bytes(config.clone())),
                (manifest_hex.clone(), Member::Bytes(manifest)),
            ];
            let mut seen: HashSet<String> = blobs.iter().map(|(n, _)| n.clone()).collect();
            for l in &layers {
                if seen.insert(l.blob_digest.clone()) {
                    blobs.push((l.blob_digest.clone(), Member::File(l.blob_path.clone(), l.blob_bytes)));
                } else if s.format == Format::OciDir {
                    fs::remove_file(&l.blob_path).ok();
                }
            }
            blobs.sort_by(|a, b| a.0.cmp(&b.0));
            if s.format == Format::OciDir {
                for (name, m) in blobs {
                    let dst = work.join(&name);
                    match m {
                        Member::Bytes(b) => fs::write(&dst, b)?,
                        Member::File(p, _) => fs::rename(&p, &dst)?,
                        Member::Dir => {}
                    }
                }
                fs::write(out.join("index.json"), &index)?;
                fs::write(out.join("oci-layout"), &layout)?;
                dir_size(out)?
            } else {
                let mut members: Vec<(String, Member)> =
                    vec![("blobs".into(), Member::Dir), ("blobs/sha256".into(), Member::Dir)];
                members.extend(blobs.into_iter().map(|(n, m)| (format!("blobs/sha256/{n}"), m)));
                members.push(("index.json".into(), Member::Bytes(index)));
                members.push(("oci-layout".into(), Member::Bytes(layout)));
                write_outer(out, &members)?
            }
        }
    };
    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "wrote {} ({} bytes) in {:.1} s (layers {:.1} s, assembly {:.1} s)",
        out.display(),
        out_bytes,
        secs,
        t_layers,
        secs - t_layers
    );

    let mut total = Counts::default();
    for l in &layers {
        let c = l.counts;
        total.files += c.files;
        total.dirs += c.dirs;
        total.symlinks += c.symlinks;
        total.hardlinks += c.hardlinks;
        total.whiteouts += c.whiteouts;
        total.long_name_headers += c.long_name_headers;
    }
    let entries = |c: &Counts| c.files + c.dirs + c.symlinks + c.hardlinks + c.whiteouts;
    let summary = json!({
        "out": out.display().to_string(),
        "preset": s.name,
        "format": s.format.to_possible_value().map(|v| v.get_name().to_string()),
        "compression": s.compression.to_possible_value().map(|v| v.get_name().to_string()),
        "level": s.level,
        "seed": s.seed,
        "tag": tag,
        "output_bytes": out_bytes,
        "config_digest": format!("sha256:{config_hex}"),
        "totals": {
            "layers": layers.len(),
            "entries": entries(&total),
            "counts": total,
            "content_bytes": layers.iter().map(|l| l.content_bytes).sum::<u64>(),
            "tar_bytes": layers.iter().map(|l| l.tar_bytes).sum::<u64>(),
            "blob_bytes": layers.iter().map(|l| l.blob_bytes).sum::<u64>(),
            "whiteout_layer": s.whiteout_layer(),
            "max_path_len": layers.iter().map(|l| l.max_path_len).max(),
        },
        "layers": layers.iter().enumerate().map(|(i, l)| json!({
            "index": i,
            "entries": entries(&l.counts),
            "counts": l.counts,
            "content_bytes": l.content_bytes,
            "tar_bytes": l.tar_bytes,
            "blob_bytes": l.blob_bytes,
            "diff_id": format!("sha256:{}", l.diff_id),
            "digest": format!("sha256:{}", l.blob_digest),
        })).collect::<Vec<_>>(),
    });
    let text = serde_json::to_string_pretty(&summary)?;
    if let Some(p) = &args.summary {
        fs::write(p, format!("{text}\n")).with_context(|| format!("cannot write {}", p.display()))?;
    }
    println!("{text}");
    Ok(())
}

fn dir_size(p: &Path) -> Result<u64> {
    let mut n = 0;
    for e in fs::read_dir(p)? {
        let e = e?;
        let m = e.metadata()?;
        n += if m.is_dir() { dir_size(&e.path())? } else { m.len() };
    }
    Ok(n)
}
