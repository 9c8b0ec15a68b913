//! Rebuilds a layer's tar stream, byte for byte, from the `tar-split` record a local store keeps
//! beside the unpacked layer (Docker's `tar-split.json.gz`, containers/storage's
//! `<id>.tar-split.gz`). The record is gzip'd JSON lines: type 2 lines ("segments") carry raw
//! tar bytes (headers, PAX and GNU long-name records, padding, the end blocks) as base64
//! `payload`; type 1 lines ("files") name an entry (`name`, or base64 `name_raw` when the name
//! is not UTF-8), its content `size`, and as `payload` the big-endian CRC-64 (ISO polynomial,
//! Go's table) of that content. The content itself comes from a [`FileSource`] (the unpacked
//! diff directory); each file's length and CRC are checked against the record as it streams.
//!
//! The output is exactly the tar the store's export would send, so the archive path's decoder
//! (`layer::scan_layer`) reads it and every entry kind, long name, whiteout and hard link comes
//! out as from the export. Memory is bounded: one JSON line (at most [`MAX_LINE`]) and one read
//! buffer at a time. This module knows nothing of where the record or the files are kept.

use std::io::{self, BufRead, Read};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use crc::{CRC_64_GO_ISO, Crc, Digest, Table};
use serde::Deserialize;

/// Longest JSON line accepted: a segment holds one header block and its PAX records, so even
/// hostile-but-valid extended headers stay far below it.
pub const MAX_LINE: u64 = 16 << 20;

/// tar-split's checksum: Go's `crc64.MakeTable(crc64.ISO)`.
static CRC64: Crc<u64, Table<16>> = Crc::<u64, Table<16>>::new(&CRC_64_GO_ISO);

/// Where the content of the record's files comes from.
pub trait FileSource {
    /// Opens the content of the entry named `name` (the tar header's name, verbatim). The
    /// reason on failure is a sentence; the reader adds the entry.
    fn open(&mut self, name: &[u8]) -> Result<Box<dyn Read + Send>, String>;
}

impl<F: FileSource + ?Sized> FileSource for &mut F {
    fn open(&mut self, name: &[u8]) -> Result<Box<dyn Read + Send>, String> {
        (**self).open(name)
    }
}

/// One line of the record, as tar-split writes it (`storage.Entry`).
#[derive(Deserialize)]
struct Line {
    #[serde(rename = "type")]
    kind: u8,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    name_raw: Option<String>,
    #[serde(default)]
    size: Option<i64>,
    #[serde(default)]
    payload: Option<String>,
}

const FILE: u8 = 1;
const SEGMENT: u8 = 2;

/// The file whose content is being streamed.
struct Open {
    content: Box<dyn Read + Send>,
    name: Vec<u8>,
    left: u64,
    size: u64,
    crc: Digest<'static, u64, Table<16>>,
    want: u64,
}

/// The tar stream rebuilt from a record (`lines`, already decompressed) and its files.
pub struct TarSplit<R, F> {
    lines: R,
    files: F,
    line: Vec<u8>,
    /// Raw bytes of the current segment and how far they are copied out.
    segment: Vec<u8>,
    at: usize,
    open: Option<Open>,
    /// Lines read so far, to name the one at fault.
    number: u64,
    done: bool,
    /// Check each file's CRC-64 against the record (see [`TarSplit::trusting_crcs`]).
    crcs: bool,
}

impl<R: BufRead, F: FileSource> TarSplit<R, F> {
    /// Gives back the file source (what it learnt on the way, such as directories checked).
    pub fn into_files(self) -> F {
        self.files
    }

    /// A reader of the tar that `lines` (the decompressed record) describes, with file
    /// contents from `files`.
    pub fn new(lines: R, files: F) -> Self {
        Self {
            lines,
            files,
            line: Vec::new(),
            segment: Vec::new(),
            at: 0,
            open: None,
            number: 0,
            done: false,
            crcs: true,
        }
    }

    /// The same reader without the per-file CRC-64 check: for a caller that proves the whole
    /// rebuilt tar some other way (its sha256 against the layer's diff id), and reads it again
    /// with the check only to name the file at fault. Sizes are still checked.
    pub fn trusting_crcs(mut self) -> Self {
        self.crcs = false;
        self
    }

    fn bad(&self, what: impl std::fmt::Display) -> io::Error {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("tar-split line {}: {what}", self.number),
        )
    }

    /// Reads the next line into `segment` or `open`; false at the end of the record.
    fn next_line(&mut self) -> io::Result<bool> {
        self.line.clear();
        let n = self.lines.by_ref().take(MAX_LINE).read_until(b'\n', &mut self.line)?;
        if n == 0 {
            return Ok(false);
        }
        self.number += 1;
        if n as u64 == MAX_LINE && self.line.last() != Some(&b'\n') {
            return Err(self.bad(format_args!("longer than {MAX_LINE} bytes")));
        }
        let line: Line = serde_json::from_slice(&self.line).map_err(|e| self.bad(format_args!("not JSON: {e}")))?;
        let payload = match &line.payload {
            Some(p) => STANDARD
                .decode(p)
                .map_err(|e| self.bad(format_args!("payload is not base64: {e}")))?,
            None => Vec::new(),
        };
        match line.kind {
            SEGMENT => {
                self.segment = payload;
                self.at = 0;
            }
            FILE => {
                let name = match (&line.name, &line.name_raw) {
                    (_, Some(raw)) => STANDARD
                        .decode(raw)
                        .map_err(|e| self.bad(format_args!("name_raw is not base64: {e}")))?,
                    (Some(name), None) => name.clone().into_bytes(),
                    (None, None) => return Err(self.bad("a file entry without a name")),
                };
                let size = line.size.unwrap_or(0);
                let size = u64::try_from(size).map_err(|_| self.bad(format_args!("negative size {size}")))?;
                if size == 0 {
                    return Ok(true); // directories, links, empty files: all in the header
                }
                let want: [u8; 8] = payload.as_slice().try_into().map_err(|_| {
                    self.bad(format_args!(
                        "file {:?}: the checksum has {} bytes, not 8",
                        String::from_utf8_lossy(&name),
                        payload.len()
                    ))
                })?;
                let number = self.number;
                let content = self.files.open(&name).map_err(|why| {
                    io::Error::other(format!(
                        "tar-split line {number}: file {:?}: {why}",
                        String::from_utf8_lossy(&name)
                    ))
                })?;
                self.open = Some(Open {
                    content,
                    name,
                    left: size,
                    size,
                    crc: CRC64.digest(),
                    want: u64::from_be_bytes(want),
                });
            }
            other => return Err(self.bad(format_args!("unknown entry type {other}"))),
        }
        Ok(true)
    }
}

impl<R: BufRead, F: FileSource> Read for TarSplit<R, F> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if self.at < self.segment.len() {
                let n = (self.segment.len() - self.at).min(buf.len());
                buf[..n].copy_from_slice(&self.segment[self.at..self.at + n]);
                self.at += n;
                return Ok(n);
            }
            let crcs = self.crcs;
            if let Some(open) = self.open.as_mut() {
                if open.left > 0 {
                    let cap = open.left.min(buf.len() as u64) as usize;
                    let n = open.content.read(&mut buf[..cap])?;
                    if n == 0 {
                        let (name, size, got) = (open.name.clone(), open.size, open.size - open.left);
                        return Err(self.bad(format_args!(
                            "file {:?}: the record says {size} bytes, the file on disk has {got}",
                            String::from_utf8_lossy(&name)
                        )));
                    }
                    if crcs {
                        open.crc.update(&buf[..n]);
                    }
                    open.left -= n as u64;
                    return Ok(n);
                }
                let mut extra = [0u8; 1];
                let longer = open.content.read(&mut extra)? > 0;
                let Some(open) = self.open.take() else { continue };
                let got = open.crc.finalize();
                if longer {
                    return Err(self.bad(format_args!(
                        "file {:?}: the file on disk is longer than the record's {} bytes",
                        String::from_utf8_lossy(&open.name),
                        open.size
                    )));
                }
                if crcs && got != open.want {
                    return Err(self.bad(format_args!(
                        "file {:?}: its content does not match the record (CRC-64 {got:016x}, recorded {:016x})",
                        String::from_utf8_lossy(&open.name),
                        open.want
                    )));
                }
                continue;
            }
            if self.done || !self.next_line()? {
                self.done = true;
                return Ok(0);
            }
        }
    }
}

/// The CRC-64 tar-split records for `content`, big-endian (what its `payload` decodes to).
pub fn checksum(content: &[u8]) -> [u8; 8] {
    CRC64.checksum(content).to_be_bytes()
}

#[cfg(test)]
#[path = "tarsplit/tests.rs"]
mod tests;
