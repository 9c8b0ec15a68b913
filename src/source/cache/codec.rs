//! The binary form of a cached [`LayerScan`]: a small hand-written encoding (LEB128 integers,
//! length-prefixed bytes) of exactly the fields the scan holds. Hand-written rather than serde
//! with bincode/postcard because the scan's spans must be checked against its name buffer on
//! the way back in, and because it keeps serde derives off the model's hot types. Decoding
//! validates everything and returns `None` on anything odd; it never panics and never trusts a
//! length. Knows nothing of files, keys or checksums (that is the cache's job).

use crate::model::scan::Span;
use crate::model::{Compression, EntryCounts, EntryKind, LayerScan, RawEntry};

/// Encodes a scan.
pub fn encode(scan: &LayerScan) -> Vec<u8> {
    let mut w = Vec::with_capacity(scan.names.len() + scan.entries.len() * 24 + 256);
    put_bytes(&mut w, scan.blob_digest.as_bytes());
    w.push(match scan.compression {
        None => 0,
        Some(Compression::None) => 1,
        Some(Compression::Gzip) => 2,
        Some(Compression::Zstd) => 3,
    });
    for n in [scan.content_bytes, scan.tar_bytes, scan.blob_bytes] {
        put(&mut w, n);
    }
    let c = &scan.counts;
    for n in [
        c.files,
        c.dirs,
        c.symlinks,
        c.hardlinks,
        c.whiteouts,
        c.opaque_dirs,
        c.devices,
        c.fifos,
        c.other,
    ] {
        put(&mut w, n);
    }
    put_bytes(&mut w, &scan.names);
    put(&mut w, scan.entries.len() as u64);
    for e in &scan.entries {
        put(&mut w, u64::from(e.path.off));
        put(&mut w, u64::from(e.path.len));
        match e.link {
            Some(l) => {
                w.push(1);
                put(&mut w, u64::from(l.off));
                put(&mut w, u64::from(l.len));
            }
            None => w.push(0),
        }
        w.push(kind_code(e.kind));
        for n in [e.size, u64::from(e.mode), u64::from(e.uid), u64::from(e.gid)] {
            put(&mut w, n);
        }
        w.extend_from_slice(&e.hash.to_le_bytes());
    }
    put(&mut w, scan.captured.len() as u64);
    for (i, bytes) in &scan.captured {
        put(&mut w, u64::from(*i));
        put_bytes(&mut w, bytes);
    }
    w
}

/// Decodes what [`encode`] wrote; `None` for anything else.
pub fn decode(bytes: &[u8]) -> Option<LayerScan> {
    let mut r = Reader { rest: bytes };
    let blob_digest = String::from_utf8(r.bytes()?.to_vec()).ok()?;
    let compression = match r.byte()? {
        0 => None,
        1 => Some(Compression::None),
        2 => Some(Compression::Gzip),
        3 => Some(Compression::Zstd),
        _ => return None,
    };
    let (content_bytes, tar_bytes, blob_bytes) = (r.int()?, r.int()?, r.int()?);
    let counts = EntryCounts {
        files: r.int()?,
        dirs: r.int()?,
        symlinks: r.int()?,
        hardlinks: r.int()?,
        whiteouts: r.int()?,
        opaque_dirs: r.int()?,
        devices: r.int()?,
        fifos: r.int()?,
        other: r.int()?,
    };
    let names = r.bytes()?.to_vec();
    let count = r.int()?;
    // Each entry takes at least 16 bytes: a count beyond that is a lie, not an allocation.
    if count > (r.rest.len() / 16) as u64 {
        return None;
    }
    let mut entries = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let path = r.span(names.len())?;
        let link = match r.byte()? {
            0 => None,
            1 => Some(r.span(names.len())?),
            _ => return None,
        };
        let kind = kind_of(r.byte()?)?;
        let size = r.int()?;
        let mode = u32::try_from(r.int()?).ok()?;
        let uid = u32::try_from(r.int()?).ok()?;
        let gid = u32::try_from(r.int()?).ok()?;
        let hash = u64::from_le_bytes(r.take(8)?.try_into().ok()?);
        entries.push(RawEntry {
            path,
            link,
            kind,
            size,
            mode,
            uid,
            gid,
            hash,
        });
    }
    let captured_count = r.int()?;
    if captured_count > entries.len() as u64 {
        return None;
    }
    let mut captured = Vec::with_capacity(captured_count as usize);
    for _ in 0..captured_count {
        let i = u32::try_from(r.int()?).ok().filter(|i| (*i as usize) < entries.len())?;
        captured.push((i, r.bytes()?.to_vec()));
    }
    r.rest.is_empty().then_some(LayerScan {
        entries,
        names,
        counts,
        content_bytes,
        tar_bytes,
        blob_bytes,
        blob_digest,
        compression,
        captured,
    })
}

fn kind_code(kind: EntryKind) -> u8 {
    match kind {
        EntryKind::File => 0,
        EntryKind::Dir => 1,
        EntryKind::Symlink => 2,
        EntryKind::Hardlink => 3,
        EntryKind::Device => 4,
        EntryKind::Fifo => 5,
        EntryKind::Other => 6,
        EntryKind::Whiteout => 7,
        EntryKind::Opaque => 8,
    }
}

fn kind_of(code: u8) -> Option<EntryKind> {
    Some(match code {
        0 => EntryKind::File,
        1 => EntryKind::Dir,
        2 => EntryKind::Symlink,
        3 => EntryKind::Hardlink,
        4 => EntryKind::Device,
        5 => EntryKind::Fifo,
        6 => EntryKind::Other,
        7 => EntryKind::Whiteout,
        8 => EntryKind::Opaque,
        _ => return None,
    })
}

/// LEB128: most numbers of a scan (offsets, modes, ids) fit in one to three bytes.
fn put(w: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        w.push((n as u8) | 0x80);
        n >>= 7;
    }
    w.push(n as u8);
}

fn put_bytes(w: &mut Vec<u8>, bytes: &[u8]) {
    put(w, bytes.len() as u64);
    w.extend_from_slice(bytes);
}

struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.rest.len() {
            return None;
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Some(head)
    }

    fn byte(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    fn int(&mut self) -> Option<u64> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            n |= u64::from(b & 0x7f).checked_shl(shift)?;
            if b & 0x80 == 0 {
                return Some(n);
            }
        }
        None
    }

    fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = usize::try_from(self.int()?).ok()?;
        self.take(n)
    }

    /// A span that lies inside a name buffer of `names` bytes.
    fn span(&mut self, names: usize) -> Option<Span> {
        let off = u32::try_from(self.int()?).ok()?;
        let len = u32::try_from(self.int()?).ok()?;
        ((off as usize).checked_add(len as usize)? <= names).then_some(Span { off, len })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> LayerScan {
        let mut s = LayerScan {
            blob_digest: format!("sha256:{}", "ab".repeat(32)),
            compression: Some(Compression::Gzip),
            content_bytes: 300,
            tar_bytes: 10240,
            blob_bytes: 777,
            ..LayerScan::default()
        };
        let p = s.push_name(b"usr/lib/x");
        s.entries.push(RawEntry {
            path: p,
            link: None,
            kind: EntryKind::File,
            size: 300,
            mode: 0o100644,
            uid: 1000,
            gid: 1000,
            hash: 0xdead_beef_0123_4567,
        });
        let p = s.push_name(b"bin/sh");
        let l = s.push_name(b"/bin/busybox");
        s.entries.push(RawEntry {
            path: p,
            link: Some(l),
            kind: EntryKind::Symlink,
            size: 0,
            mode: 0o777,
            uid: 0,
            gid: 0,
            hash: 0,
        });
        s.counts.add(EntryKind::File);
        s.counts.add(EntryKind::Symlink);
        s.captured.push((0, b"Name: x\n".to_vec()));
        s
    }

    #[test]
    fn round_trip() {
        let s = sample();
        let back = decode(&encode(&s)).unwrap();
        assert_eq!(encode(&back), encode(&s));
        assert_eq!(back.bytes(back.entries[1].link.unwrap()), b"/bin/busybox");
        assert_eq!(back.captured, s.captured);
        assert_eq!(back.counts, s.counts);
    }

    #[test]
    fn every_truncation_and_extension_is_refused() {
        let bytes = encode(&sample());
        for n in 0..bytes.len() {
            assert!(decode(&bytes[..n]).is_none(), "cut at {n}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode(&longer).is_none());
    }

    #[test]
    fn spans_outside_the_names_are_refused() {
        let mut s = sample();
        s.entries[0].path.len = 1000;
        assert!(decode(&encode(&s)).is_none());
    }
}
