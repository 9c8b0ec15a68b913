//! A reader that follows the tar headers passing through it and refuses an extension record
//! (GNU long name `L`, long link `K`, PAX `x`) larger than [`EXTENSION_CAP`]. The tar crate
//! reads those records whole into memory, with no limit of its own, so without this guard a
//! few megabytes of gzip could ask for gigabytes. Everything else passes through untouched;
//! the guard never decides what an entry is, and when a header makes no sense to it, it stops
//! looking and lets the tar crate report the problem.

use std::io::{self, Read, Seek, SeekFrom};

/// The largest GNU long name, long link or PAX record set accepted: room for paths of 4096
/// components and names of 64 KiB, far below what could hurt.
pub const EXTENSION_CAP: u64 = 1 << 20;

const BLOCK: u64 = 512;

enum State {
    /// Collecting the 512 bytes of a header.
    Header { have: usize },
    /// Collecting a GNU sparse extension block.
    SparseBlock { have: usize },
    /// Inside an entry's data (padding included); PAX data is kept to read its `size`.
    Data { left: u64, pax: Option<Vec<u8>>, keep: u64 },
    /// End of archive, or a header the guard cannot read: everything passes.
    Off,
}

/// Wraps the decoded stream of a tar archive.
pub struct TarGuard<R> {
    inner: R,
    state: State,
    block: [u8; 512],
    /// A PAX `size` waiting for the entry it describes.
    pax_size: Option<u64>,
    /// The data size of the entry whose sparse blocks are being read.
    sparse_size: u64,
}

impl<R: Read> TarGuard<R> {
    /// Guards `inner`, which must be positioned at the first header.
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            state: State::Header { have: 0 },
            block: [0; 512],
            pax_size: None,
            sparse_size: 0,
        }
    }

    /// The wrapped reader.
    pub fn into_inner(self) -> R {
        self.inner
    }

    fn follow(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        while !bytes.is_empty() {
            match &mut self.state {
                State::Off => return Ok(()),
                State::Header { have } | State::SparseBlock { have } => {
                    let n = (512 - *have).min(bytes.len());
                    self.block[*have..*have + n].copy_from_slice(&bytes[..n]);
                    *have += n;
                    bytes = &bytes[n..];
                    if *have == 512 {
                        self.state = match self.state {
                            State::Header { .. } => self.on_header()?,
                            _ => self.on_sparse_block(),
                        };
                    }
                }
                State::Data { left, pax, keep } => {
                    let n = (*left).min(bytes.len() as u64) as usize;
                    if let Some(p) = pax.as_mut() {
                        let k = (*keep).min(n as u64) as usize;
                        p.extend_from_slice(&bytes[..k]);
                        *keep -= k as u64;
                    }
                    *left -= n as u64;
                    bytes = &bytes[n..];
                    if *left == 0 {
                        if let Some(p) = pax.take() {
                            self.pax_size = pax_value(&p, b"size").or(self.pax_size);
                        }
                        self.state = State::Header { have: 0 };
                    }
                }
            }
        }
        Ok(())
    }

    fn on_header(&mut self) -> io::Result<State> {
        let b = &self.block;
        if b.iter().all(|&x| x == 0) {
            return Ok(State::Off);
        }
        let Some(size) = number(&b[124..136]) else {
            return Ok(State::Off);
        };
        let what = match b[156] {
            b'L' => Some("GNU long name"),
            b'K' => Some("GNU long link"),
            b'x' => Some("PAX header"),
            _ => None,
        };
        if let Some(what) = what {
            if size > EXTENSION_CAP {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("a tar {what} record of {size} bytes is over the cap of {EXTENSION_CAP} bytes"),
                ));
            }
            let pax = (b[156] == b'x').then(Vec::new);
            return Ok(data(size, pax));
        }
        let size = match b[156] {
            b'g' => size,
            _ => self.pax_size.take().unwrap_or(size),
        };
        // GNU sparse headers may be followed by extension blocks before the data.
        if b[156] == b'S' && &b[257..265] == b"ustar  \0" && b[482] != 0 {
            self.sparse_size = size;
            return Ok(State::SparseBlock { have: 0 });
        }
        Ok(data(size, None))
    }

    fn on_sparse_block(&mut self) -> State {
        match self.block[504] {
            0 => data(self.sparse_size, None),
            _ => State::SparseBlock { have: 0 },
        }
    }
}

fn data(size: u64, pax: Option<Vec<u8>>) -> State {
    let padded = size.div_ceil(BLOCK).saturating_mul(BLOCK);
    match padded {
        0 => match pax {
            Some(_) => State::Data { left: 0, pax, keep: 0 },
            None => State::Header { have: 0 },
        },
        _ => State::Data {
            left: padded,
            pax,
            keep: size,
        },
    }
}

/// A tar numeric field: octal text, or base-256 when the high bit is set.
fn number(field: &[u8]) -> Option<u64> {
    if field[0] & 0x80 != 0 {
        let mut n: u64 = 0;
        for (i, &byte) in field.iter().enumerate() {
            let byte = if i == 0 { byte & 0x7f } else { byte };
            n = n.checked_mul(256)?.checked_add(byte as u64)?;
        }
        return Some(n);
    }
    let end = field.iter().position(|&c| c == 0).unwrap_or(field.len());
    let text = std::str::from_utf8(&field[..end]).ok()?.trim();
    u64::from_str_radix(text, 8).ok()
}

/// The value of `key` in PAX records (`LEN key=value\n`), as a number.
fn pax_value(records: &[u8], key: &[u8]) -> Option<u64> {
    let mut found = None;
    let mut rest = records;
    while !rest.is_empty() {
        let space = rest.iter().position(|&c| c == b' ')?;
        let len: usize = std::str::from_utf8(&rest[..space]).ok()?.parse().ok()?;
        if len <= space || len > rest.len() {
            return found;
        }
        let record = &rest[space + 1..len];
        let record = record.strip_suffix(b"\n").unwrap_or(record);
        if let Some(value) = record.strip_prefix(key).and_then(|r| r.strip_prefix(b"=")) {
            found = std::str::from_utf8(value).ok().and_then(|v| v.parse().ok());
        }
        rest = &rest[len..];
    }
    found
}

impl<R: Read> Read for TarGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.follow(&buf[..n])?;
        Ok(n)
    }
}

/// The tar crate skips entry data by seeking forward (`entries_with_seek`); the guard follows a
/// forward skip within the data it expects and stops looking at anything else.
impl<R: Seek> Seek for TarGuard<R> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let at = self.inner.seek(pos)?;
        self.state = match (pos, &mut self.state) {
            (SeekFrom::Current(0), _) => return Ok(at),
            (SeekFrom::Current(d), State::Data { left, pax: None, .. }) if d > 0 && d as u64 <= *left => {
                match *left - d as u64 {
                    0 => State::Header { have: 0 },
                    rest => State::Data {
                        left: rest,
                        pax: None,
                        keep: 0,
                    },
                }
            }
            _ => State::Off,
        };
        Ok(at)
    }
}

/// Makes a plain reader skippable forward, so the tar crate can be driven with
/// `entries_with_seek`: its own skip for plain readers zeroes a 32 KiB buffer on every entry,
/// which dominated the walk of layers with many small files.
pub struct Discard<R> {
    inner: R,
    buf: Box<[u8]>,
    pos: u64,
}

impl<R: Read> Discard<R> {
    /// Wraps `inner`.
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            buf: vec![0; 64 * 1024].into_boxed_slice(),
            pos: 0,
        }
    }

    /// The wrapped reader.
    pub fn into_inner(self) -> R {
        self.inner
    }
}

impl<R: Read> Read for Discard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl<R: Read> Seek for Discard<R> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let mut left = match pos {
            SeekFrom::Current(d) if d >= 0 => d as u64,
            _ => {
                return Err(io::Error::new(
                    io::ErrorKind::Unsupported,
                    "a stream can only be skipped forward",
                ));
            }
        };
        while left > 0 {
            let want = left.min(self.buf.len() as u64) as usize;
            let n = self.inner.read(&mut self.buf[..want])?;
            if n == 0 {
                break; // the tar crate reports the short stream at its next read
            }
            left -= n as u64;
            self.pos += n as u64;
        }
        Ok(self.pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(kind: u8, size: u64) -> Vec<u8> {
        let mut h = tar::Header::new_gnu();
        h.set_size(size);
        h.set_entry_type(tar::EntryType::new(kind));
        h.set_path("x").unwrap();
        h.set_cksum();
        h.as_bytes().to_vec()
    }

    fn read_all(bytes: &[u8], chunk: usize) -> io::Result<usize> {
        let mut g = TarGuard::new(bytes);
        let mut buf = vec![0u8; chunk];
        let mut total = 0;
        loop {
            match g.read(&mut buf)? {
                0 => return Ok(total),
                n => total += n,
            }
        }
    }

    #[test]
    fn refuses_an_oversized_long_name_whatever_the_read_sizes() {
        for kind in [b'L', b'K', b'x'] {
            let mut t = header(b'0', 3);
            t.extend_from_slice(&[b'a'; 512]);
            t.extend(header(kind, EXTENSION_CAP + 1));
            for chunk in [1, 7, 512, 4096] {
                let err = read_all(&t, chunk).unwrap_err();
                assert!(err.to_string().contains("over the cap"), "{err}");
            }
        }
    }

    #[test]
    fn follows_pax_sizes_and_sparse_blocks_to_the_next_header() {
        // A PAX record saying the next entry holds 1024 bytes although its header says 0; then
        // an oversized long name, which is only seen if the 1024 bytes were skipped right.
        let rec = b"13 size=1024\n";
        let mut t = header(b'x', rec.len() as u64);
        let mut padded = rec.to_vec();
        padded.resize(512, 0);
        t.extend(padded);
        t.extend(header(b'0', 0));
        t.extend_from_slice(&[7u8; 1024]);
        let mut sparse = header(b'S', 512);
        sparse[482] = 1;
        t.extend(sparse);
        let mut ext = vec![0u8; 512];
        ext[504] = 1;
        t.extend(ext);
        t.extend(vec![0u8; 512]); // the last extension block
        t.extend_from_slice(&[9u8; 512]);
        t.extend(header(b'L', EXTENSION_CAP * 2));
        assert!(read_all(&t, 100).is_err());
        // Within the cap, the same stream passes.
        let n = t.len() - 512;
        t.truncate(n);
        t.extend(header(b'L', 10));
        assert_eq!(read_all(&t, 100).unwrap(), t.len());
    }

    #[test]
    fn numbers_in_octal_and_base_256() {
        assert_eq!(number(b"00000001750\0"), Some(1000));
        let mut f = [0u8; 12];
        f[0] = 0x80;
        f[11] = 2;
        f[10] = 1;
        assert_eq!(number(&f), Some(258));
        assert_eq!(number(b"zz\0\0\0\0\0\0\0\0\0\0"), None);
    }
}
