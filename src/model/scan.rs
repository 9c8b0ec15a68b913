//! What one layer tar holds, as read in a single pass: its entries (path, kind, size, owner,
//! content hash) in tar order, entry counts by type, and byte totals. Paths live in one shared
//! buffer per layer so an entry costs tens of bytes. Nothing here applies whiteouts or knows
//! about other layers; that is the merge's job.

use serde::Serialize;

/// How a layer blob was compressed, as recognised from its magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    /// A plain tar.
    None,
    /// gzip, possibly several members.
    Gzip,
    /// zstd, any window size.
    Zstd,
}

/// The type of a tar entry after whiteout markers are recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    /// A regular file; the only kind whose size counts as content bytes.
    File,
    /// A directory.
    Dir,
    /// A symbolic link.
    Symlink,
    /// A hard link to another entry; counts 0 bytes, as in tar.
    Hardlink,
    /// A character or block device.
    Device,
    /// A named pipe.
    Fifo,
    /// Any other tar type (sparse-less oddities, contiguous files kept as files).
    Other,
    /// `.wh.NAME`: deletes NAME (file or whole directory) from the layers below.
    Whiteout,
    /// `.wh..wh..opq`: hides everything below its directory from lower layers.
    Opaque,
}

/// Tar entries of one layer by type. A whiteout marker counts only as a whiteout, an opaque
/// marker only as an opaque directory; the root entry `./` is not counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct EntryCounts {
    /// Regular files.
    pub files: u64,
    /// Directories.
    pub dirs: u64,
    /// Symbolic links.
    pub symlinks: u64,
    /// Hard links.
    pub hardlinks: u64,
    /// File and directory whiteouts.
    pub whiteouts: u64,
    /// Opaque directory markers.
    pub opaque_dirs: u64,
    /// Character and block devices.
    pub devices: u64,
    /// Named pipes.
    pub fifos: u64,
    /// Devices, fifos and any other type together (REPORT.md's `other`).
    pub other: u64,
}

impl EntryCounts {
    /// Counts one entry of `kind`.
    pub fn add(&mut self, kind: EntryKind) {
        match kind {
            EntryKind::File => self.files += 1,
            EntryKind::Dir => self.dirs += 1,
            EntryKind::Symlink => self.symlinks += 1,
            EntryKind::Hardlink => self.hardlinks += 1,
            EntryKind::Whiteout => self.whiteouts += 1,
            EntryKind::Opaque => self.opaque_dirs += 1,
            EntryKind::Device => {
                self.devices += 1;
                self.other += 1;
            }
            EntryKind::Fifo => {
                self.fifos += 1;
                self.other += 1;
            }
            EntryKind::Other => self.other += 1,
        }
    }

    /// All counted entries.
    pub fn total(&self) -> u64 {
        self.files + self.dirs + self.symlinks + self.hardlinks + self.whiteouts + self.opaque_dirs + self.other
    }
}

/// A span of bytes in a [`LayerScan`]'s path buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// Offset into the buffer.
    pub off: u32,
    /// Length in bytes.
    pub len: u32,
}

/// One tar entry, normalised: the path has no `./` or `/` prefix and no trailing `/`; for a
/// whiteout it is the path deleted, for an opaque marker the directory made opaque.
#[derive(Debug, Clone, Copy)]
pub struct RawEntry {
    /// Normalised path in the layer's path buffer.
    pub path: Span,
    /// Link target (symlink or hard link), verbatim, in the path buffer.
    pub link: Option<Span>,
    /// Entry type.
    pub kind: EntryKind,
    /// Size in bytes for regular files; 0 for everything else.
    pub size: u64,
    /// Permission and type bits as stored.
    pub mode: u32,
    /// Owner user id.
    pub uid: u32,
    /// Owner group id.
    pub gid: u32,
    /// xxh3 of a regular file's content; 0 for everything else.
    pub hash: u64,
}

/// Everything read from one layer blob in one pass. Once analysed, a layer keeps only its
/// counts and sizes: `entries`, `names` and `captured` are released as the merge takes each
/// layer into the tree, which holds every version from then on.
#[derive(Debug, Clone, Default)]
pub struct LayerScan {
    /// Entries in tar order (root entry excluded).
    pub entries: Vec<RawEntry>,
    /// Shared buffer of path and link bytes.
    pub names: Vec<u8>,
    /// Entry counts by type.
    pub counts: EntryCounts,
    /// Sum of regular file sizes (what dive calls the layer's size).
    pub content_bytes: u64,
    /// Length of the uncompressed tar stream, padding and end blocks included.
    pub tar_bytes: u64,
    /// Length of the blob as stored.
    pub blob_bytes: u64,
    /// `sha256:<hex>` of the blob as stored.
    pub blob_digest: String,
    /// Compression recognised from magic bytes.
    pub compression: Option<Compression>,
    /// Contents of the small metadata files analysis asks for (package databases, dist-info
    /// `RECORD`s, os-release), and the links of shared objects in site-packages (their text
    /// form, not their content), by index into `entries`. Nothing else is ever kept.
    pub captured: Vec<(u32, Vec<u8>)>,
}

/// Largest metadata file kept whole; bigger ones are hashed like any file and not parsed.
pub const CAPTURE_CAP: u64 = 16 << 20;

/// Bumped whenever [`wants_content`] asks for more: a scan cached before holds none of the new
/// files, so the scan cache reads it as foreign. 1: wheels' `WHEEL` tags, requirements files.
pub const CAPTURE_REVISION: u32 = 1;

/// A pip requirements file the image ships (`requirements.txt`, `requirements-dev.txt`,
/// `requirements/base.txt`), not one inside an installed package, a cache or the system's
/// documentation (Debian's python3-pip ships pip's own under /usr/share/doc).
pub fn is_requirements_file(path: &[u8]) -> bool {
    let (dir, name) = match path.iter().rposition(|&b| b == b'/') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => (&b""[..], path),
    };
    let named = name.starts_with(b"requirements") || dir.ends_with(b"requirements") || name == b"constraints.txt";
    let inside = |part: &[u8]| dir.windows(part.len()).any(|w| w == part);
    let system = [&b"usr/share/"[..], b"usr/lib/", b"usr/local/lib/"]
        .iter()
        .any(|p| path.starts_with(p));
    named
        && name.ends_with(b".txt")
        && !system
        && !inside(b"-packages")
        && !inside(b".cache")
        && !inside(b"node_modules")
}

/// True for the paths whose content the analysis reads: package databases and metadata, the
/// wheel tags of installed distributions, and requirements files.
pub fn wants_content(path: &[u8]) -> bool {
    path == b"var/lib/dpkg/status"
        || path == b"lib/apk/db/installed"
        || path == b"etc/os-release"
        || path == b"usr/lib/os-release"
        || (path.starts_with(b"var/lib/dpkg/info/") && path.ends_with(b".list"))
        || path.ends_with(b".dist-info/RECORD")
        || path.ends_with(b".egg-info/installed-files.txt")
        || path.ends_with(b".egg-info/top_level.txt")
        || path.ends_with(b".egg-info/requires.txt")
        || path.ends_with(b".dist-info/METADATA")
        || path.ends_with(b".dist-info/WHEEL")
        || is_requirements_file(path)
}

/// True for the shared objects whose links (ELF `NEEDED`, see [`elf`](super::elf)) the scan
/// keeps: Python extension modules and the libraries wheels bundle, under a `site-packages` or
/// `dist-packages` directory.
pub fn wants_links(path: &[u8]) -> bool {
    let in_site = |dir: &[u8]| path.windows(dir.len()).any(|w| w == dir);
    let name = path.rsplit(|&b| b == b'/').next().unwrap_or(path);
    let shared = name.ends_with(b".so") || name.windows(4).any(|w| w == b".so.");
    shared && (in_site(b"/site-packages/") || in_site(b"/dist-packages/"))
}

/// What a scan keeps of one regular file while its bytes stream past: the whole content of a
/// small metadata file ([`wants_content`]) or the links of a shared object ([`wants_links`]),
/// stored in [`LayerScan::captured`] by [`FileCapture::finish`]. Every source that decodes
/// layers keeps files through this, so all keep the same.
#[derive(Debug)]
pub enum FileCapture {
    /// The whole file.
    Content(Vec<u8>),
    /// Its ELF links.
    Links(super::elf::LinksReader),
}

impl FileCapture {
    /// What to keep of the regular file at `path` (normalised) of `size` bytes, if anything.
    pub fn for_file(path: &[u8], size: u64) -> Option<Self> {
        if size <= CAPTURE_CAP && wants_content(path) {
            Some(Self::Content(Vec::new()))
        } else if wants_links(path) {
            Some(Self::Links(super::elf::LinksReader::new(size)))
        } else {
            None
        }
    }

    /// The file's next bytes.
    pub fn feed(&mut self, chunk: &[u8]) {
        match self {
            Self::Content(v) => v.extend_from_slice(chunk),
            Self::Links(r) => r.feed(chunk),
        }
    }

    /// The bytes to store: the content, or the links' text form ([`Links::encode`]); `None`
    /// for a shared object that is not ELF.
    ///
    /// [`Links::encode`]: super::elf::Links::encode
    pub fn finish(self) -> Option<Vec<u8>> {
        match self {
            Self::Content(v) => Some(v),
            Self::Links(r) => r.finish().map(|l| l.encode()),
        }
    }
}

impl LayerScan {
    /// The bytes of a span of the path buffer.
    pub fn bytes(&self, span: Span) -> &[u8] {
        let start = span.off as usize;
        self.names.get(start..start + span.len as usize).unwrap_or_default()
    }

    /// Appends bytes to the path buffer and returns their span.
    /// Lets go of the entries, names and captured files (the analysis does once the merged
    /// tree holds them); counts and sizes stay.
    pub fn release_entries(&mut self) {
        self.entries = Vec::new();
        self.names = Vec::new();
        self.captured = Vec::new();
    }

    pub fn push_name(&mut self, bytes: &[u8]) -> Span {
        let off = self.names.len() as u32;
        self.names.extend_from_slice(bytes);
        Span {
            off,
            len: bytes.len() as u32,
        }
    }
}
