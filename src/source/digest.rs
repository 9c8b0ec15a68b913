//! Digest bookkeeping: a reader that hashes (sha256) and counts what passes through it, hex
//! formatting, and parsing of `sha256:<hex>` strings from manifests. Verification against
//! descriptors happens where the expected digest is known (the source modules).

use std::io::{self, Read};
use std::sync::mpsc;

use sha2::{Digest as _, Sha256};

/// Wraps a reader; every byte read is hashed and counted.
pub struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
    count: u64,
}

impl<R: Read> HashingReader<R> {
    /// Starts hashing `inner`.
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            hasher: Sha256::new(),
            count: 0,
        }
    }

    /// Reads `inner` to its end (hashing it) and returns `(sha256:<hex>, bytes read)`.
    pub fn finish(mut self) -> io::Result<(String, u64)> {
        // Large reads: a warm cache hashes whole blobs through here, and `io::copy`'s 8 KiB
        // buffer made that one system call per 8 KiB.
        let mut buf = vec![0u8; CHUNK];
        loop {
            match self.read(&mut buf) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok((format!("sha256:{}", hex(&self.hasher.finalize())), self.count))
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }
}

/// Counts bytes read through it and fails once more than `limit` have passed, so a
/// decompression bomb is stopped in streaming time.
pub struct CountingReader<R> {
    inner: R,
    /// Bytes read so far.
    pub count: u64,
    limit: u64,
}

impl<R: Read> CountingReader<R> {
    /// Counts `inner`, failing past `limit` bytes.
    pub fn new(inner: R, limit: u64) -> Self {
        Self { inner, count: 0, limit }
    }
}

/// The message carried by the I/O error a [`CountingReader`] returns past its limit.
pub const LIMIT_MESSAGE: &str = "uncompressed layer exceeds --max-layer-size";

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        if self.count > self.limit {
            return Err(io::Error::other(LIMIT_MESSAGE));
        }
        Ok(n)
    }
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 15) as usize] as char);
    }
    s
}

/// `sha256:<hex>` of a byte slice.
pub fn sha256_of(bytes: &[u8]) -> String {
    format!("sha256:{}", hex(&Sha256::digest(bytes)))
}

/// The hex part of a `sha256:<64 hex>` digest, or `None` if it is not one.
pub fn sha256_hex(digest: &str) -> Option<&str> {
    let hex = digest.strip_prefix("sha256:")?;
    is_sha256_hex(hex).then_some(hex)
}

/// True for exactly 64 lower-case hex digits.
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Bytes handed to the hashing thread at a time.
const CHUNK: usize = 256 * 1024;
/// Chunks in flight to the hashing thread: a megabyte, so reading never waits on hashing
/// unless hashing is the slower of the two.
const IN_FLIGHT: usize = 4;

/// [`HashingReader`] with the sha256 on a thread of its own: whoever reads (the tar walk of an
/// uncompressed layer) and the hash then cost the slower of the two, not their sum. Buffers go
/// back and forth, so memory stays at a few chunks.
pub struct ThreadedHasher<R> {
    inner: R,
    /// The chunk being served: always `CHUNK` long, `len` of it filled, so a returned buffer
    /// is reused without zeroing it again.
    chunk: Vec<u8>,
    len: usize,
    at: usize,
    count: u64,
    to_hash: Option<mpsc::SyncSender<(Vec<u8>, usize)>>,
    returned: mpsc::Receiver<Vec<u8>>,
    worker: Option<std::thread::JoinHandle<String>>,
}

impl<R: Read> ThreadedHasher<R> {
    /// Starts hashing `inner` on a new thread.
    pub fn new(inner: R) -> io::Result<Self> {
        let (to_hash, chunks) = mpsc::sync_channel::<(Vec<u8>, usize)>(IN_FLIGHT);
        let (give_back, returned) = mpsc::channel();
        let worker = std::thread::Builder::new()
            .name("deadweight-sha256".into())
            .spawn(move || {
                let mut hasher = Sha256::new();
                for (chunk, len) in chunks {
                    hasher.update(&chunk[..len]);
                    // The reader may be gone already (an error): the buffer is then dropped.
                    let _ = give_back.send(chunk);
                }
                hex(&hasher.finalize())
            })?;
        Ok(Self {
            inner,
            chunk: Vec::new(),
            len: 0,
            at: 0,
            count: 0,
            to_hash: Some(to_hash),
            returned,
            worker: Some(worker),
        })
    }

    /// Hands the chunk served so far to the hashing thread and reads the next one; `false` at
    /// the end of `inner`.
    fn refill(&mut self) -> io::Result<bool> {
        let mut next = self.returned.try_recv().unwrap_or_else(|_| vec![0; CHUNK]);
        // Filled whole: a reader that returns a tar header or one file at a time (a layer
        // rebuilt from a store) would otherwise cost a hand-over to the hashing thread each,
        // and those wake-ups cost more than the hashing.
        let mut n = 0;
        while n < CHUNK {
            match self.inner.read(&mut next[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        let full = std::mem::replace(&mut self.chunk, next);
        let full_len = std::mem::replace(&mut self.len, n);
        self.at = 0;
        if full_len > 0 {
            self.send(full, full_len)?;
        }
        self.count += n as u64;
        Ok(n > 0)
    }

    fn send(&mut self, chunk: Vec<u8>, len: usize) -> io::Result<()> {
        match &self.to_hash {
            Some(tx) => tx
                .send((chunk, len))
                .map_err(|_| io::Error::other("the hashing thread stopped")),
            None => Ok(()),
        }
    }

    /// Reads `inner` to its end (hashing it) and returns `(sha256:<hex>, bytes read)`.
    pub fn finish(mut self) -> io::Result<(String, u64)> {
        io::copy(&mut self, &mut io::sink())?;
        let last = std::mem::take(&mut self.chunk);
        let len = std::mem::take(&mut self.len);
        if len > 0 {
            self.send(last, len)?;
        }
        self.to_hash = None;
        let hex = self
            .worker
            .take()
            .and_then(|w| w.join().ok())
            .ok_or_else(|| io::Error::other("the hashing thread failed"))?;
        Ok((format!("sha256:{hex}"), self.count))
    }
}

impl<R: Read> Read for ThreadedHasher<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.at == self.len && !self.refill()? {
            return Ok(0);
        }
        let n = (self.len - self.at).min(buf.len());
        buf[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_threaded_hasher_agrees_with_the_plain_one() {
        let data: Vec<u8> = (0..3 * CHUNK + 777).map(|i| (i * 31 % 251) as u8).collect();
        for len in [0, 1, CHUNK, data.len()] {
            let mut threaded = ThreadedHasher::new(&data[..len]).unwrap();
            let mut read = Vec::new();
            threaded.by_ref().take(len as u64 / 2).read_to_end(&mut read).unwrap();
            assert_eq!(threaded.finish().unwrap(), (sha256_of(&data[..len]), len as u64));
            assert_eq!(read, data[..len / 2]);
        }
    }

    /// Hands out at most 1,000 bytes a read, as a layer rebuilt from a store does.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(buf.len()).min(1000);
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn the_threaded_hasher_fills_its_chunks_from_short_reads() {
        let data: Vec<u8> = (0..2 * CHUNK + 4321).map(|i| (i * 17 % 253) as u8).collect();
        let mut threaded = ThreadedHasher::new(Trickle(&data)).unwrap();
        let mut read = Vec::new();
        threaded.read_to_end(&mut read).unwrap();
        assert_eq!(read, data);
        assert_eq!(threaded.finish().unwrap(), (sha256_of(&data), data.len() as u64));
    }
}
