//! How the fixture builder compresses and names blobs: sha256 digests, gzip and zstd, and the
//! layer compressions a registry may serve (multi-member gzip, eStargz with its footer,
//! zstd:chunked with its skippable frames). Bytes only: what goes in a layer is `fixture`'s.

use std::io::Write;

use sha2::{Digest, Sha256};

/// Lower-case hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// `sha256:<hex>` of `bytes`.
pub fn digest(bytes: &[u8]) -> String {
    format!("sha256:{}", sha256_hex(bytes))
}

/// One gzip member.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// A zstd frame.
pub fn zstd(bytes: &[u8]) -> Vec<u8> {
    zstd::encode_all(bytes, 3).unwrap()
}

/// How a layer blob is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// A plain tar.
    Plain,
    /// One gzip member.
    Gzip,
    /// Two gzip members, concatenated (what `pigz` and some registries produce).
    GzipMulti,
    /// zstd.
    Zstd,
    /// eStargz: gzip members, the last one followed by the 51-byte footer, an empty gzip
    /// member whose extra field holds the TOC offset (the TOC itself, `stargz.index.json`, is
    /// a tar entry the layer brings, see `Layer::estargz_toc`).
    Estargz,
    /// zstd:chunked: zstd frames, then skippable frames (the compressed manifest, a footer)
    /// after the tar.
    ZstdChunked,
}

impl Compression {
    /// Every compression.
    pub const ALL: [Compression; 6] = [
        Self::Plain,
        Self::Gzip,
        Self::GzipMulti,
        Self::Zstd,
        Self::Estargz,
        Self::ZstdChunked,
    ];

    /// The layer blob of `tar`, compressed this way.
    pub fn apply(self, tar: &[u8]) -> Vec<u8> {
        match self {
            Self::Plain => tar.to_vec(),
            Self::Gzip => gzip(tar),
            Self::GzipMulti => {
                let (a, b) = tar.split_at(tar.len() / 2);
                [gzip(a), gzip(b)].concat()
            }
            Self::Zstd => zstd(tar),
            Self::Estargz => {
                // The TOC's member starts at the last entry (the TOC's own tar header).
                let (body, toc) = tar.split_at(last_entry_offset(tar));
                let (a, b) = (gzip(body), gzip(toc));
                let offset = a.len();
                let footer = flate2::GzBuilder::new()
                    .extra(estargz_extra(offset))
                    .write(Vec::new(), flate2::Compression::default())
                    .finish()
                    .unwrap();
                [a, b, footer].concat()
            }
            Self::ZstdChunked => {
                let (a, b) = tar.split_at(tar.len() / 2 / 512 * 512);
                let manifest = zstd(br#"{"version":1,"entries":[]}"#);
                let mut footer = Vec::new();
                footer.extend_from_slice(&0u64.to_le_bytes());
                footer.extend_from_slice(&(manifest.len() as u64).to_le_bytes());
                footer.extend_from_slice(b"GNUlInUxcHuNkEd!");
                [zstd(a), zstd(b), skippable(&manifest), skippable(&footer)].concat()
            }
        }
    }

    /// The OCI layer media type of this compression.
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Plain => "application/vnd.oci.image.layer.v1.tar",
            Self::Gzip | Self::GzipMulti => "application/vnd.oci.image.layer.v1.tar+gzip",
            Self::Zstd | Self::ZstdChunked => "application/vnd.oci.image.layer.v1.tar+zstd",
            Self::Estargz => "application/vnd.oci.image.layer.v1.tar+gzip",
        }
    }
}

/// A zstd skippable frame holding `payload` (decoders pass over it).
fn skippable(payload: &[u8]) -> Vec<u8> {
    let mut out = 0x184D_2A50u32.to_le_bytes().to_vec();
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// The eStargz footer's gzip extra field: subfield `SG`, `%016x` of the TOC offset, `STARGZ`.
fn estargz_extra(toc_offset: usize) -> Vec<u8> {
    let payload = format!("{toc_offset:016x}STARGZ");
    let mut extra = b"SG".to_vec();
    extra.extend_from_slice(&(payload.len() as u16).to_le_bytes());
    extra.extend_from_slice(payload.as_bytes());
    extra
}

/// Offset of the last entry's header in a tar written by the fixture builder (0 when empty).
fn last_entry_offset(tar: &[u8]) -> usize {
    let mut at = 0;
    let mut last = 0;
    while at + 512 <= tar.len() && tar[at..at + 512].iter().any(|&b| b != 0) {
        last = at;
        let size = std::str::from_utf8(&tar[at + 124..at + 136])
            .ok()
            .and_then(|s| u64::from_str_radix(s.trim_matches(|c: char| c == '\0' || c == ' '), 8).ok())
            .unwrap_or(0) as usize;
        at += 512 + size.div_ceil(512) * 512;
    }
    last
}
