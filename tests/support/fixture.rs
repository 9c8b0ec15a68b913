//! In-memory fixture builder: layers of any shape ([`Layer`]: files, dirs, links, devices,
//! fifos, whiteouts, opaque markers, PAX or GNU long names, odd names), and images made of them
//! ([`Image`]: history with or without `empty_layer` entries, or none; platform; tags), built
//! into tars, blobs, config and manifest ([`Built`]). Tar headers are written by hand so that
//! names the `tar` crate would refuse (`..`, absolute, non-UTF-8) can be made too. Laying images
//! out as archives is `layout`'s job; compressing and digesting blobs is `compression`'s.

use serde_json::{Value, json};

pub use super::compression::{Compression, digest, gzip, sha256_hex, zstd};
use super::tarball::{pax_record, write_entry};

/// Tar entry types the builder writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    Symlink,
    Hardlink,
    CharDevice(u32, u32),
    Fifo,
    /// Any other typeflag, written as is (`b'g'`: a PAX global header).
    Raw(u8),
}

/// One tar entry, name and link as raw bytes (written verbatim).
#[derive(Debug, Clone)]
pub struct Entry {
    pub name: Vec<u8>,
    pub kind: Kind,
    pub data: Vec<u8>,
    pub link: Vec<u8>,
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
}

/// A layer: tar entries in order, how names over 100 bytes are written, optional compression.
#[derive(Debug, Clone, Default)]
pub struct Layer {
    pub entries: Vec<Entry>,
    gnu_long_names: bool,
    compression: Option<Compression>,
}

impl Layer {
    /// An empty layer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends an entry.
    pub fn entry(mut self, name: impl AsRef<[u8]>, kind: Kind, data: &[u8], link: &[u8], mode: u32) -> Self {
        self.entries.push(Entry {
            name: name.as_ref().to_vec(),
            kind,
            data: data.to_vec(),
            link: link.to_vec(),
            mode,
            uid: 0,
            gid: 0,
        });
        self
    }

    /// A regular file (mode 0644, root-owned).
    pub fn file(self, name: impl AsRef<[u8]>, content: impl AsRef<[u8]>) -> Self {
        self.entry(name, Kind::File, content.as_ref(), b"", 0o644)
    }

    /// A regular file with explicit mode and owner (for chmod/chown-only changes).
    pub fn file_with(
        mut self,
        name: impl AsRef<[u8]>,
        content: impl AsRef<[u8]>,
        mode: u32,
        uid: u64,
        gid: u64,
    ) -> Self {
        self = self.entry(name, Kind::File, content.as_ref(), b"", mode);
        let e = self.entries.last_mut().unwrap();
        (e.uid, e.gid) = (uid, gid);
        self
    }

    pub fn dir(self, name: impl AsRef<[u8]>) -> Self {
        self.entry(name, Kind::Dir, b"", b"", 0o755)
    }

    pub fn symlink(self, name: impl AsRef<[u8]>, target: impl AsRef<[u8]>) -> Self {
        self.entry(name, Kind::Symlink, b"", target.as_ref(), 0o777)
    }

    pub fn hardlink(self, name: impl AsRef<[u8]>, target: impl AsRef<[u8]>) -> Self {
        self.entry(name, Kind::Hardlink, b"", target.as_ref(), 0o644)
    }

    pub fn char_device(self, name: impl AsRef<[u8]>, major: u32, minor: u32) -> Self {
        self.entry(name, Kind::CharDevice(major, minor), b"", b"", 0o666)
    }

    pub fn fifo(self, name: impl AsRef<[u8]>) -> Self {
        self.entry(name, Kind::Fifo, b"", b"", 0o644)
    }

    /// `dir/.wh.name`: deletes `dir/name` from the layers below.
    pub fn whiteout(self, path: impl AsRef<[u8]>) -> Self {
        let path = path.as_ref();
        let cut = path.iter().rposition(|&b| b == b'/').map_or(0, |i| i + 1);
        let name = [&path[..cut], b".wh.", &path[cut..]].concat();
        self.file(name, b"")
    }

    /// `dir/.wh..wh..opq`: hides what lower layers have under `dir`.
    pub fn opaque(self, dir: impl AsRef<[u8]>) -> Self {
        let mut name = dir.as_ref().to_vec();
        if !name.is_empty() && !name.ends_with(b"/") {
            name.push(b'/');
        }
        name.extend_from_slice(b".wh..wh..opq");
        self.file(name, b"")
    }

    /// A PAX global header (`git archive` starts its tars with one): metadata, not a file.
    pub fn pax_global_header(self, comment: &str) -> Self {
        let data = pax_record("comment", comment.as_bytes());
        self.entry("pax_global_header", Kind::Raw(b'g'), &data, b"", 0o666)
    }

    /// Write names over 100 bytes as GNU `././@LongLink` entries instead of PAX headers.
    pub fn gnu_long_names(mut self) -> Self {
        self.gnu_long_names = true;
        self
    }

    /// Adds what an eStargz layer has besides its files: the prefetch landmark first and the
    /// TOC (`stargz.index.json`) last, both tar entries a plain extraction writes as files.
    pub fn estargz_toc(mut self) -> Self {
        self.entries.insert(
            0,
            Entry {
                name: b".no.prefetch.landmark".to_vec(),
                kind: Kind::File,
                data: vec![0xf],
                link: Vec::new(),
                mode: 0o644,
                uid: 0,
                gid: 0,
            },
        );
        self.file("stargz.index.json", br#"{"version":1,"entries":[]}"#)
    }

    /// Compress this layer so, whatever the image's default.
    pub fn compression(mut self, c: Compression) -> Self {
        self.compression = Some(c);
        self
    }

    /// The uncompressed layer tar.
    pub fn tar(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for e in &self.entries {
            write_entry(&mut out, e, self.gnu_long_names);
        }
        out.extend_from_slice(&[0; 1024]);
        out
    }
}

/// An image: layers with their history, config run settings, platform and tags.
#[derive(Debug, Clone)]
pub struct Image {
    layers: Vec<Layer>,
    history: Vec<Value>,
    with_history: bool,
    platform: String,
    tags: Vec<String>,
    run_config: Value,
    compression: Compression,
}

impl Default for Image {
    fn default() -> Self {
        Self::new()
    }
}

impl Image {
    /// No layers, linux/amd64, no tags, gzip layers where the format compresses.
    pub fn new() -> Self {
        Self {
            layers: Vec::new(),
            history: Vec::new(),
            with_history: true,
            platform: "linux/amd64".into(),
            tags: Vec::new(),
            run_config: json!({"Env": ["PATH=/usr/bin:/bin"], "Cmd": ["/bin/sh"]}),
            compression: Compression::Gzip,
        }
    }

    /// Adds a layer with the history entry that made it.
    pub fn layer(mut self, created_by: &str, layer: Layer) -> Self {
        self.history
            .push(json!({"created": "2024-01-01T00:00:00Z", "created_by": created_by}));
        self.layers.push(layer);
        self
    }

    /// Adds a history entry marked `empty_layer` (ENV, CMD, ...).
    pub fn empty_layer(mut self, created_by: &str) -> Self {
        self.history
            .push(json!({"created_by": created_by, "empty_layer": true}));
        self
    }

    /// Sets the `comment` of the last history entry (buildah's `FROM <image>`, BuildKit's
    /// `buildkit.dockerfile.v0`).
    pub fn comment(mut self, comment: &str) -> Self {
        if let Some(last) = self.history.last_mut() {
            last["comment"] = json!(comment);
        }
        self
    }

    /// Leaves `history` out of the config.
    pub fn without_history(mut self) -> Self {
        self.with_history = false;
        self
    }

    /// `os/arch[/variant]`.
    pub fn platform(mut self, p: &str) -> Self {
        self.platform = p.into();
        self
    }

    pub fn tag(mut self, t: &str) -> Self {
        self.tags.push(t.into());
        self
    }

    /// The config's `config` object (User, Env, Cmd, ...).
    pub fn run_config(mut self, v: Value) -> Self {
        self.run_config = v;
        self
    }

    /// Default compression of the layers in formats that compress (OCI).
    pub fn compression(mut self, c: Compression) -> Self {
        self.compression = c;
        self
    }

    fn platform_json(&self) -> Value {
        let mut parts = self.platform.split('/');
        let (os, arch) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        match parts.next() {
            Some(v) => json!({"os": os, "architecture": arch, "variant": v}),
            None => json!({"os": os, "architecture": arch}),
        }
    }

    /// Serialises layers, config and the OCI manifest.
    pub fn build(&self) -> Built {
        let layers: Vec<BuiltLayer> = self
            .layers
            .iter()
            .map(|l| {
                let tar = l.tar();
                let c = l.compression.unwrap_or(self.compression);
                let blob = c.apply(&tar);
                BuiltLayer {
                    diff_id: digest(&tar),
                    digest: digest(&blob),
                    media_type: c.media_type().into(),
                    tar,
                    blob,
                }
            })
            .collect();
        let mut config = self.platform_json();
        config["created"] = json!("2024-01-01T00:00:00Z");
        config["config"] = self.run_config.clone();
        config["rootfs"] = json!({"type": "layers", "diff_ids": layers.iter().map(|l| &l.diff_id).collect::<Vec<_>>()});
        if self.with_history {
            config["history"] = json!(self.history);
        }
        let config = serde_json::to_vec(&config).unwrap();
        Built {
            config_digest: digest(&config),
            config,
            layers,
            tags: self.tags.clone(),
            platform: self.platform_json(),
        }
    }
}

/// A layer as stored: the tar and the blob (compressed or not).
#[derive(Debug, Clone)]
pub struct BuiltLayer {
    pub tar: Vec<u8>,
    pub blob: Vec<u8>,
    pub diff_id: String,
    pub digest: String,
    pub media_type: String,
}

/// An image serialised.
#[derive(Debug, Clone)]
pub struct Built {
    pub config: Vec<u8>,
    pub config_digest: String,
    pub layers: Vec<BuiltLayer>,
    pub tags: Vec<String>,
    pub platform: Value,
}

/// An OCI descriptor of `bytes`.
pub fn descriptor(media_type: &str, bytes: &[u8]) -> Value {
    json!({"mediaType": media_type, "digest": digest(bytes), "size": bytes.len()})
}

impl Built {
    /// The OCI image manifest; `plain` names the uncompressed tars instead of the blobs.
    pub fn manifest(&self, plain: bool) -> Vec<u8> {
        let layers: Vec<Value> = self
            .layers
            .iter()
            .map(|l| match plain {
                true => descriptor(Compression::Plain.media_type(), &l.tar),
                false => descriptor(&l.media_type, &l.blob),
            })
            .collect();
        serde_json::to_vec(&json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": descriptor("application/vnd.oci.image.config.v1+json", &self.config),
            "layers": layers,
        }))
        .unwrap()
    }
}
