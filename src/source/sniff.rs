//! Recognises what a byte stream is from its first bytes, never from its name or media type:
//! gzip, zstd, xz, bzip2, a tar, or a JSON document.

use crate::model::Compression;

/// What the first bytes of a stream say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// gzip magic `1f 8b`.
    Gzip,
    /// zstd frame magic `28 b5 2f fd`.
    Zstd,
    /// xz magic `fd 37 7a 58 5a 00` (outer archives only: `docker load` takes them).
    Xz,
    /// bzip2 magic `BZh` and a block size digit (outer archives only).
    Bzip2,
    /// A ustar or GNU tar header (magic at offset 257), or an all-zero block (an empty tar).
    Tar,
    /// Starts with `{` or `[` after optional whitespace.
    Json,
    /// None of the above.
    Unknown,
}

/// Bytes needed to recognise every kind.
pub const SNIFF_LEN: usize = 512;

/// Classifies a stream from up to its first [`SNIFF_LEN`] bytes.
pub fn sniff(head: &[u8]) -> Kind {
    if head.starts_with(&[0x1f, 0x8b]) {
        Kind::Gzip
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Kind::Zstd
    } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
        Kind::Xz
    } else if head.len() >= 4 && head.starts_with(b"BZh") && (b'1'..=b'9').contains(&head[3]) {
        Kind::Bzip2
    } else if (head.len() >= 262 && &head[257..262] == b"ustar")
        || (head.len() >= 512 && head[..512].iter().all(|&b| b == 0))
    {
        Kind::Tar
    } else if matches!(head.iter().find(|b| !b.is_ascii_whitespace()), Some(b'{' | b'[')) {
        Kind::Json
    } else {
        Kind::Unknown
    }
}

impl Kind {
    /// The layer compression this kind stands for, if it is a layer at all (no image spec
    /// allows xz or bzip2 layers).
    pub fn compression(self) -> Option<Compression> {
        match self {
            Kind::Gzip => Some(Compression::Gzip),
            Kind::Zstd => Some(Compression::Zstd),
            Kind::Tar => Some(Compression::None),
            Kind::Xz | Kind::Bzip2 | Kind::Json | Kind::Unknown => None,
        }
    }
}
