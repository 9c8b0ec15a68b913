//! Where blobs are read from: a seekable tar indexed once by member offsets ([`ArchiveStore`]),
//! a directory ([`DirStore`]), or members kept in memory from a one-pass stream ([`MemStore`]).
//! A store answers "read this small document" and "open this blob"; it never decides what the
//! documents mean (that is `resolve`).

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::identity::BlobIdentity;
use crate::error::{Error, Result};

/// A blob opened for streaming.
pub type BlobReader<'a> = Box<dyn Read + Send + 'a>;

/// Read access to the named members of an image container.
pub trait Store: Sync {
    /// The input as the user named it, for messages.
    fn input(&self) -> &str;
    /// True when a member of that name exists (after following links).
    fn has(&self, name: &str) -> bool;
    /// Reads a whole member, failing past `cap` bytes; `None` when absent.
    fn read_small(&self, name: &str, cap: u64) -> Result<Option<Vec<u8>>>;
    /// Opens a member for streaming; `None` when absent.
    fn open(&self, name: &str) -> Result<Option<BlobReader<'_>>>;
    /// The member that holds the bytes of `name`, after following links.
    fn canonical(&self, name: &str) -> String {
        member_name(name)
    }
    /// The size of a member when it is known without reading it (the loader starts the
    /// largest layer first).
    fn size(&self, _name: &str) -> Option<u64> {
        None
    }
    /// Which bytes on disk the member is, when it lies in a file that can be read again
    /// ([`BlobIdentity`]): a blob file, or a member of an archive file. Streams have none.
    fn identity(&self, _name: &str) -> Option<BlobIdentity> {
        None
    }
}

/// Joins a link target to the directory of the member that holds it, resolving `..` inside the
/// archive's own namespace (never on disk).
pub fn resolve_link(member: &str, target: &str) -> String {
    let mut parts: Vec<&str> = if target.starts_with('/') {
        Vec::new()
    } else {
        member.split('/').filter(|p| !p.is_empty()).collect()
    };
    parts.pop();
    for p in target.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// Normalises a member name: no `./` or `/` prefix, no trailing `/`.
pub fn member_name(raw: &str) -> String {
    raw.split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect::<Vec<_>>()
        .join("/")
}

fn too_big(input: &str, name: &str, cap: u64) -> Error {
    Error::Limit {
        input: input.to_string(),
        what: format!("document {name}"),
        limit: format!("{cap} bytes"),
    }
}

#[derive(Debug, Clone)]
enum Member {
    File { offset: u64, size: u64 },
    Link(String),
}

/// A plain tar file on disk, indexed once by offset: no content is read while indexing, and
/// every blob can be opened independently (so layers decode in parallel).
pub struct ArchiveStore {
    input: String,
    path: PathBuf,
    members: HashMap<String, Member>,
}

impl ArchiveStore {
    /// Indexes the members of the tar at `path`.
    pub fn open(path: &Path, input: &str) -> Result<Self> {
        let io_err = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = File::open(path).map_err(io_err)?;
        let file_len = file.metadata().map_err(io_err)?.len();
        let mut archive = tar::Archive::new(super::targuard::TarGuard::new(file));
        let mut members = HashMap::new();
        let bad = |e: io::Error| Error::Format {
            input: input.to_string(),
            reason: format!("corrupt outer tar: {e}"),
        };
        for entry in archive.entries_with_seek().map_err(bad)? {
            let entry = entry.map_err(bad)?;
            let name = member_name(&String::from_utf8_lossy(&entry.path_bytes()));
            let header = entry.header();
            let member = match header.entry_type() {
                tar::EntryType::Symlink => {
                    let target = entry
                        .link_name_bytes()
                        .map(|l| String::from_utf8_lossy(&l).into_owned())
                        .unwrap_or_default();
                    Member::Link(resolve_link(&name, &target))
                }
                tar::EntryType::Link => {
                    let target = entry
                        .link_name_bytes()
                        .map(|l| String::from_utf8_lossy(&l).into_owned())
                        .unwrap_or_default();
                    Member::Link(member_name(&target))
                }
                t if t.is_file() || t == tar::EntryType::Continuous => {
                    let offset = entry.raw_file_position();
                    let size = entry.size();
                    if offset.saturating_add(size) > file_len {
                        return Err(Error::Truncated {
                            input: input.to_string(),
                            detail: format!(
                                "member {name} declares {size} bytes at offset {offset}, but the file ends at {file_len}"
                            ),
                        });
                    }
                    Member::File { offset, size }
                }
                _ => continue,
            };
            members.insert(name, member);
        }
        Ok(Self {
            input: input.to_string(),
            path: path.to_path_buf(),
            members,
        })
    }

    fn find(&self, name: &str) -> Option<(u64, u64)> {
        let mut name = member_name(name);
        for _ in 0..16 {
            match self.members.get(&name)? {
                Member::File { offset, size } => return Some((*offset, *size)),
                Member::Link(t) => name = t.clone(),
            }
        }
        None
    }

    fn reader(&self, offset: u64, size: u64) -> Result<io::Take<File>> {
        let io_err = |source| Error::Io {
            path: self.path.clone(),
            source,
        };
        let mut f = File::open(&self.path).map_err(io_err)?;
        f.seek(SeekFrom::Start(offset)).map_err(io_err)?;
        Ok(f.take(size))
    }
}

impl Store for ArchiveStore {
    fn input(&self) -> &str {
        &self.input
    }

    fn canonical(&self, name: &str) -> String {
        let mut name = member_name(name);
        for _ in 0..16 {
            match self.members.get(&name) {
                Some(Member::Link(t)) => name = t.clone(),
                _ => break,
            }
        }
        name
    }

    fn has(&self, name: &str) -> bool {
        self.find(name).is_some()
    }

    fn size(&self, name: &str) -> Option<u64> {
        self.find(name).map(|(_, size)| size)
    }

    fn identity(&self, name: &str) -> Option<BlobIdentity> {
        let (offset, size) = self.find(name)?;
        BlobIdentity::of(&self.path, offset, size)
    }

    fn read_small(&self, name: &str, cap: u64) -> Result<Option<Vec<u8>>> {
        let Some((offset, size)) = self.find(name) else {
            return Ok(None);
        };
        if size > cap {
            return Err(too_big(&self.input, name, cap));
        }
        let mut buf = Vec::with_capacity(size as usize);
        self.reader(offset, size)?
            .read_to_end(&mut buf)
            .map_err(|source| Error::Io {
                path: self.path.clone(),
                source,
            })?;
        Ok(Some(buf))
    }

    fn open(&self, name: &str) -> Result<Option<BlobReader<'_>>> {
        match self.find(name) {
            Some((offset, size)) => Ok(Some(Box::new(self.reader(offset, size)?))),
            None => Ok(None),
        }
    }
}

/// An OCI layout (or an unpacked `docker save`) as a directory.
pub struct DirStore {
    input: String,
    root: PathBuf,
}

impl DirStore {
    /// A store over the directory `root`.
    pub fn new(root: &Path, input: &str) -> Self {
        Self {
            input: input.to_string(),
            root: root.to_path_buf(),
        }
    }

    /// The on-disk path of a member; names that would leave the directory are refused.
    fn path(&self, name: &str) -> Option<PathBuf> {
        let name = member_name(name);
        let safe = !name.is_empty() && name.split('/').all(|p| p != "..");
        safe.then(|| self.root.join(name))
    }

    fn file(&self, name: &str) -> Result<Option<(File, u64, PathBuf)>> {
        let Some(path) = self.path(name) else {
            return Ok(None);
        };
        match File::open(&path) {
            Ok(f) => {
                let meta = f.metadata().map_err(|source| Error::Io {
                    path: path.clone(),
                    source,
                })?;
                Ok(meta.is_file().then_some((f, meta.len(), path)))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(Error::Io { path, source }),
        }
    }
}

impl Store for DirStore {
    fn input(&self) -> &str {
        &self.input
    }

    fn has(&self, name: &str) -> bool {
        self.path(name).is_some_and(|p| p.is_file())
    }

    fn size(&self, name: &str) -> Option<u64> {
        let meta = std::fs::metadata(self.path(name)?).ok()?;
        meta.is_file().then_some(meta.len())
    }

    fn identity(&self, name: &str) -> Option<BlobIdentity> {
        BlobIdentity::of_file(&self.path(name)?)
    }

    fn read_small(&self, name: &str, cap: u64) -> Result<Option<Vec<u8>>> {
        let Some((f, len, path)) = self.file(name)? else {
            return Ok(None);
        };
        if len > cap {
            return Err(too_big(&self.input, name, cap));
        }
        let mut buf = Vec::with_capacity(len as usize);
        f.take(cap + 1)
            .read_to_end(&mut buf)
            .map_err(|source| Error::Io { path, source })?;
        Ok(Some(buf))
    }

    fn open(&self, name: &str) -> Result<Option<BlobReader<'_>>> {
        Ok(self.file(name)?.map(|(f, _, _)| Box::new(f) as BlobReader<'_>))
    }
}

/// Members of a one-pass stream: small documents kept in memory, links, and the names of
/// members already decoded as layers (their scans live with the stream reader).
#[derive(Default)]
pub struct MemStore {
    /// The input as named by the user.
    pub input: String,
    /// Small members, whole.
    pub docs: HashMap<String, Vec<u8>>,
    /// Links, already resolved to member names.
    pub links: HashMap<String, String>,
    /// Members decoded as layers while streaming.
    pub scanned: std::collections::HashSet<String>,
}

impl MemStore {
    /// Follows links to the member that holds the bytes.
    pub fn target(&self, name: &str) -> String {
        let mut name = member_name(name);
        for _ in 0..16 {
            match self.links.get(&name) {
                Some(t) => name = t.clone(),
                None => break,
            }
        }
        name
    }
}

impl Store for MemStore {
    fn input(&self) -> &str {
        &self.input
    }

    fn canonical(&self, name: &str) -> String {
        self.target(name)
    }

    fn has(&self, name: &str) -> bool {
        let t = self.target(name);
        self.docs.contains_key(&t) || self.scanned.contains(&t)
    }

    fn read_small(&self, name: &str, cap: u64) -> Result<Option<Vec<u8>>> {
        match self.docs.get(&self.target(name)) {
            Some(d) if d.len() as u64 > cap => Err(too_big(&self.input, name, cap)),
            Some(d) => Ok(Some(d.clone())),
            None => Ok(None),
        }
    }

    fn open(&self, name: &str) -> Result<Option<BlobReader<'_>>> {
        Ok(self
            .docs
            .get(&self.target(name))
            .map(|d| Box::new(io::Cursor::new(d.as_slice())) as BlobReader<'_>))
    }
}
