//! A read-only reader of bbolt database files, enough to walk containerd's `meta.db`: the two
//! meta pages (the valid one with the higher transaction id wins, as bbolt itself decides),
//! branch and leaf pages, overflow pages and inline buckets. The file is read whole into
//! memory (no mmap: `unsafe` is forbidden here, and the files are megabytes).
//!
//! Every offset is bounds-checked and every page is visited at most once per walk, so a
//! damaged or hostile file is an error naming the page, never a panic or a loop. Owns the file
//! format only; what containerd keeps in it is [`super::containerd`]'s.
//!
//! Written here rather than taken from a crate: `bbolt-rs` is a full read-write port (mmap,
//! `unsafe`, thirty dependencies) and `bolt-lite` 0.1 panics on short pages, recurses without
//! bound on a cyclic tree and descends into the wrong child of a branch page.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::error::Error;

const MAGIC: u32 = 0xED0C_DAED;
const VERSION: u32 = 2;
const PAGE_HEADER: usize = 16;
const ELEMENT: usize = 16;
const BRANCH: u16 = 0x01;
const LEAF: u16 = 0x02;
const META: u16 = 0x04;
const BUCKET_FLAG: u32 = 0x01;
/// Larger files are refused: containerd's metadata of thousands of images is tens of MB.
const MAX_FILE: u64 = 1 << 31;

/// An opened database: its bytes and the root bucket of the newest valid meta page.
pub struct Bolt {
    path: PathBuf,
    data: Vec<u8>,
    page_size: usize,
    root: u64,
}

/// A value stored under a key: bytes, or a nested bucket.
pub enum Value<'a> {
    /// A plain value.
    Bytes(&'a [u8]),
    /// A nested bucket.
    Bucket(Bucket<'a>),
}

/// A bucket: a B+tree rooted at a page, or held inline in its parent's value.
#[derive(Clone, Copy)]
pub struct Bucket<'a> {
    db: &'a Bolt,
    root: Root<'a>,
}

/// One element of a leaf page: key, value, and whether the value is a bucket.
type Element<'a> = (&'a [u8], &'a [u8], bool);

#[derive(Clone, Copy)]
enum Root<'a> {
    Page(u64),
    Inline(&'a [u8]),
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// FNV-1a, 64 bits: bbolt's checksum of a meta page.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A meta page's page size, root bucket page and transaction id, when it is valid.
fn meta_at(data: &[u8], offset: usize) -> Option<(usize, u64, u64)> {
    let page = data.get(offset..)?;
    if u16_at(page, 8)? & META == 0 {
        return None;
    }
    let m = page.get(PAGE_HEADER..PAGE_HEADER + 64)?;
    if u32_at(m, 0)? != MAGIC || u32_at(m, 4)? != VERSION || u64_at(m, 56)? != fnv1a(&m[..56]) {
        return None;
    }
    let page_size = u32_at(m, 8)? as usize;
    (page_size >= 512 && page_size.is_power_of_two()).then_some((page_size, u64_at(m, 16)?, u64_at(m, 48)?))
}

impl Bolt {
    /// Reads the database at `path`.
    pub fn open(path: &Path) -> Result<Self, Error> {
        let io = |e: std::io::Error| super::io_err(path, path, &e);
        let len = std::fs::metadata(path).map_err(io)?.len();
        if len > MAX_FILE {
            return Err(Self::bad_at(
                path,
                format!("{len} bytes, past the {MAX_FILE}-byte limit"),
            ));
        }
        Self::from_bytes(path, std::fs::read(path).map_err(io)?)
    }

    /// Parses a database already in memory; `path` names it in errors.
    pub fn from_bytes(path: &Path, data: Vec<u8>) -> Result<Self, Error> {
        // The first meta page says the page size; the second sits one page further. A torn
        // first page leaves the second to be found at the usual page sizes.
        let first = meta_at(&data, 0);
        let sizes = match first {
            Some((ps, ..)) => vec![ps],
            None => vec![4096, 8192, 16384, 65536],
        };
        let second = sizes.iter().find_map(|ps| meta_at(&data, *ps).filter(|m| m.0 == *ps));
        let newest = match (first, second) {
            (Some(a), Some(b)) => Some(if b.2 > a.2 { b } else { a }),
            (a, b) => a.or(b),
        };
        let Some((page_size, root, _)) = newest else {
            return Err(Self::bad_at(
                path,
                "no valid meta page: not a bbolt database, or damaged".into(),
            ));
        };
        Ok(Self {
            path: path.to_path_buf(),
            data,
            page_size,
            root,
        })
    }

    /// The root bucket.
    pub fn root(&self) -> Bucket<'_> {
        Bucket {
            db: self,
            root: Root::Page(self.root),
        }
    }

    fn bad_at(path: &Path, reason: String) -> Error {
        super::storage_err(path, reason)
    }

    fn bad(&self, reason: String) -> Error {
        Self::bad_at(&self.path, reason)
    }

    /// The bytes of page `id` with its overflow pages.
    fn page(&self, id: u64) -> Result<&[u8], Error> {
        let start = usize::try_from(id).ok().and_then(|i| i.checked_mul(self.page_size));
        let head = start.and_then(|s| self.data.get(s..s.checked_add(PAGE_HEADER)?));
        let (Some(start), Some(head)) = (start, head) else {
            return Err(self.bad(format!("page {id} lies past the end of the file")));
        };
        if u64_at(head, 0) != Some(id) {
            return Err(self.bad(format!("page {id} is not where its header says")));
        }
        let overflow = u32_at(head, 12).unwrap_or(0) as usize;
        let len = (overflow + 1).checked_mul(self.page_size);
        len.and_then(|l| self.data.get(start..start.checked_add(l)?))
            .ok_or_else(|| self.bad(format!("page {id} and its {overflow} overflow pages run past the end")))
    }

    /// The elements of one leaf page.
    fn leaf<'a>(&self, page: &'a [u8], what: &str) -> Result<Vec<Element<'a>>, Error> {
        let count = u16_at(page, 10).unwrap_or(0) as usize;
        (0..count)
            .map(|i| {
                let at = PAGE_HEADER + i * ELEMENT;
                let read = || {
                    let (flags, pos) = (u32_at(page, at)?, u32_at(page, at + 4)? as usize);
                    let (ksize, vsize) = (u32_at(page, at + 8)? as usize, u32_at(page, at + 12)? as usize);
                    let key_at = at.checked_add(pos)?;
                    let val_at = key_at.checked_add(ksize)?;
                    let key = page.get(key_at..val_at)?;
                    let value = page.get(val_at..val_at.checked_add(vsize)?)?;
                    Some((key, value, flags & BUCKET_FLAG != 0))
                };
                read().ok_or_else(|| self.bad(format!("{what}: element {i} runs past the page")))
            })
            .collect()
    }

    /// The children of one branch page.
    fn branch(&self, page: &[u8], id: u64) -> Result<Vec<u64>, Error> {
        let count = u16_at(page, 10).unwrap_or(0) as usize;
        (0..count)
            .map(|i| {
                u64_at(page, PAGE_HEADER + i * ELEMENT + 8)
                    .ok_or_else(|| self.bad(format!("page {id}: branch element {i} runs past the page")))
            })
            .collect()
    }
}

impl<'a> Bucket<'a> {
    /// Every key of the bucket with its value, in key order.
    pub fn entries(&self) -> Result<Vec<(&'a [u8], Value<'a>)>, Error> {
        let db = self.db;
        let mut raw = Vec::new();
        match self.root {
            Root::Inline(page) => raw = db.leaf(page, "an inline bucket")?,
            Root::Page(id) => {
                let mut seen = HashSet::new();
                let mut stack = vec![id];
                // Depth-first, children pushed in reverse so that keys come out in order.
                while let Some(id) = stack.pop() {
                    if !seen.insert(id) {
                        return Err(db.bad(format!("page {id} is reached twice: the tree has a cycle")));
                    }
                    let page = db.page(id)?;
                    match u16_at(page, 8).unwrap_or(0) {
                        f if f & LEAF != 0 => raw.extend(db.leaf(page, &format!("page {id}"))?),
                        f if f & BRANCH != 0 => stack.extend(db.branch(page, id)?.into_iter().rev()),
                        f => return Err(db.bad(format!("page {id} has flags {f:#x}, neither branch nor leaf"))),
                    }
                }
            }
        }
        raw.into_iter()
            .map(|(key, value, is_bucket)| {
                if !is_bucket {
                    return Ok((key, Value::Bytes(value)));
                }
                let root = u64_at(value, 0).ok_or_else(|| {
                    db.bad(format!(
                        "bucket {:?}: header shorter than 16 bytes",
                        String::from_utf8_lossy(key)
                    ))
                })?;
                let root = match root {
                    0 => Root::Inline(value.get(16..).unwrap_or_default()),
                    id => Root::Page(id),
                };
                Ok((key, Value::Bucket(Bucket { db, root })))
            })
            .collect()
    }

    /// The value under `key`.
    pub fn get(&self, key: &[u8]) -> Result<Option<Value<'a>>, Error> {
        Ok(self.entries()?.into_iter().find(|(k, _)| *k == key).map(|(_, v)| v))
    }

    /// The nested bucket under `key`, if there is one.
    pub fn bucket(&self, key: &[u8]) -> Result<Option<Bucket<'a>>, Error> {
        Ok(match self.get(key)? {
            Some(Value::Bucket(b)) => Some(b),
            _ => None,
        })
    }

    /// The plain value under `key`, if there is one.
    pub fn bytes(&self, key: &[u8]) -> Result<Option<&'a [u8]>, Error> {
        Ok(match self.get(key)? {
            Some(Value::Bytes(b)) => Some(b),
            _ => None,
        })
    }

    /// The nested buckets, by key.
    pub fn buckets(&self) -> Result<Vec<(&'a [u8], Bucket<'a>)>, Error> {
        Ok(self
            .entries()?
            .into_iter()
            .filter_map(|(k, v)| match v {
                Value::Bucket(b) => Some((k, b)),
                Value::Bytes(_) => None,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests;
