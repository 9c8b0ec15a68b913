//! Digest bookkeeping: a reader that hashes (sha256) and counts what passes through it, hex
//! formatting, and parsing of `sha256:<hex>` strings from manifests. Verification against
//! descriptors happens where the expected digest is known (the source modules).

use std::io::{self, Read};

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
        io::copy(&mut self, &mut io::sink())?;
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
