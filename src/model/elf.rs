//! The dynamic linking facts of an ELF shared object (its `DT_NEEDED` sonames and its own
//! `DT_SONAME`), read from its bytes as they stream past once, in order, with bounded memory:
//! the first [`PREFIX_CAP`] bytes (where linkers put the dynamic string table), the program
//! headers and the dynamic section (at most [`DYNAMIC_CAP`] bytes), nothing else; only the
//! names are kept. Every offset read from the file is bounds-checked; a file that is not ELF,
//! or whose names lie outside what was kept, says so instead of guessing.
//!
//! Hand-written, not `object` or `goblin`: both parse a whole file held in memory (or seekable),
//! and a layer's tar is read forwards only; the few fields needed here are a page of code.
//! Owns the parsing and the text form the scan stores ([`Links::encode`]); knows nothing of
//! tars, paths or packages.

/// Bytes of the file's start kept while it streams past. Linkers put the dynamic string
/// table near the start: on 1,258 shared objects of a Debian system, it ended within 1 MiB in
/// all but two (LLVM's, 4 MiB), and always before the dynamic section.
pub const PREFIX_CAP: usize = 1 << 20;

/// Largest dynamic section read (a real one is a few hundred bytes).
pub const DYNAMIC_CAP: u64 = 64 << 10;

/// Longest name read.
const NAME_CAP: usize = 1024;

const PT_LOAD: u32 = 1;
const PT_DYNAMIC: u32 = 2;
const DT_NEEDED: u64 = 1;
const DT_STRTAB: u64 = 5;
const DT_SONAME: u64 = 14;

/// What an ELF file links to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Links {
    /// Its own soname (`DT_SONAME`), when it names one.
    pub soname: Option<String>,
    /// The sonames it needs, in the file's order.
    pub needed: Vec<String>,
    /// False when some name could not be read (it lies outside the bytes kept, or the file is
    /// cut short): the list is then partial.
    pub complete: bool,
}

impl Links {
    /// The text form stored in a layer scan: one `NEEDED name` or `SONAME name` line each, and
    /// a line `PARTIAL` when not complete.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = String::new();
        if let Some(s) = &self.soname {
            out.push_str(&format!("SONAME {s}\n"));
        }
        for n in &self.needed {
            out.push_str(&format!("NEEDED {n}\n"));
        }
        if !self.complete {
            out.push_str("PARTIAL\n");
        }
        out.into_bytes()
    }

    /// Reads [`Links::encode`]'s form back; unknown lines make it partial.
    pub fn decode(bytes: &[u8]) -> Self {
        let mut links = Links {
            complete: true,
            ..Links::default()
        };
        for line in String::from_utf8_lossy(bytes).lines() {
            match line.split_once(' ') {
                Some(("NEEDED", n)) => links.needed.push(n.to_string()),
                Some(("SONAME", s)) => links.soname = Some(s.to_string()),
                _ => links.complete = false,
            }
        }
        links
    }
}

/// Header fields, read once the prefix holds them.
#[derive(Debug, Clone, Copy)]
struct Header {
    wide: bool,
    little: bool,
}

/// Reads the links of one file fed to it chunk by chunk.
#[derive(Debug, Default)]
pub struct LinksReader {
    prefix: Vec<u8>,
    /// Bytes fed so far.
    pos: u64,
    header: Option<Header>,
    not_elf: bool,
    /// `(vaddr, offset, filesz)` of each loadable segment.
    loads: Vec<(u64, u64, u64)>,
    /// Offset and size of the dynamic section, once the program headers are read.
    dynamic: Option<(u64, u64)>,
    /// The dynamic section's bytes, gathered as they pass.
    dyn_bytes: Vec<u8>,
    /// The program headers are read (or could not be).
    phdrs_done: bool,
    /// Something could not be read.
    partial: bool,
}

impl Header {
    fn uint(self, b: &[u8], at: usize, wide_field: bool) -> Option<u64> {
        if wide_field {
            let a: [u8; 8] = b.get(at..at.checked_add(8)?)?.try_into().ok()?;
            Some(if self.little {
                u64::from_le_bytes(a)
            } else {
                u64::from_be_bytes(a)
            })
        } else {
            let a: [u8; 4] = b.get(at..at.checked_add(4)?)?.try_into().ok()?;
            Some(u64::from(if self.little {
                u32::from_le_bytes(a)
            } else {
                u32::from_be_bytes(a)
            }))
        }
    }

    fn u16(self, b: &[u8], at: usize) -> Option<u64> {
        let a: [u8; 2] = b.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(u64::from(if self.little {
            u16::from_le_bytes(a)
        } else {
            u16::from_be_bytes(a)
        }))
    }

    /// An address-sized field.
    fn addr(self, b: &[u8], at: usize) -> Option<u64> {
        self.uint(b, at, self.wide)
    }
}

impl LinksReader {
    /// A reader for a file of `size` bytes.
    pub fn new(size: u64) -> Self {
        Self {
            prefix: Vec::with_capacity(size.min(PREFIX_CAP as u64) as usize),
            ..Self::default()
        }
    }

    /// The next bytes of the file.
    pub fn feed(&mut self, chunk: &[u8]) {
        if self.not_elf {
            return;
        }
        let room = PREFIX_CAP.saturating_sub(self.prefix.len());
        self.prefix
            .extend_from_slice(chunk.get(..room.min(chunk.len())).unwrap_or_default());
        if self.header.is_none() && self.prefix.len() >= 64 {
            self.read_header();
        }
        if self.header.is_some() && !self.phdrs_done {
            self.read_phdrs();
        }
        if let Some((off, size)) = self.dynamic {
            // The part of this chunk inside the dynamic section, in order.
            let (start, end) = (self.pos, self.pos + chunk.len() as u64);
            let (from, to) = (start.max(off + self.dyn_bytes.len() as u64), end.min(off + size));
            if from < to {
                let range = (from - start) as usize..(to - start) as usize;
                self.dyn_bytes.extend_from_slice(chunk.get(range).unwrap_or_default());
            }
        }
        self.pos += chunk.len() as u64;
    }

    fn read_header(&mut self) {
        let p = &self.prefix;
        if p.get(..4) != Some(b"\x7fELF".as_slice()) {
            self.not_elf = true;
            return;
        }
        match (p.get(4), p.get(5)) {
            (Some(&c @ (1 | 2)), Some(&d @ (1 | 2))) => {
                self.header = Some(Header {
                    wide: c == 2,
                    little: d == 1,
                });
            }
            _ => self.not_elf = true,
        }
    }

    /// Reads the program headers once the prefix holds them all; gives up (partial) when
    /// they lie beyond it.
    fn read_phdrs(&mut self) {
        let Some(h) = self.header else { return };
        let p = &self.prefix;
        let (phoff_at, entsize_at) = if h.wide { (0x20, 0x36) } else { (0x1c, 0x2a) };
        let fields = (h.addr(p, phoff_at), h.u16(p, entsize_at), h.u16(p, entsize_at + 2));
        let (Some(phoff), Some(entsize), Some(count)) = fields else {
            return;
        };
        let end = phoff.saturating_add(entsize.saturating_mul(count));
        if end > self.prefix.len() as u64 {
            if self.prefix.len() >= PREFIX_CAP || end > PREFIX_CAP as u64 {
                self.phdrs_done = true;
                self.partial = true;
            }
            return; // not all here yet
        }
        self.phdrs_done = true;
        for i in 0..count {
            let at = (phoff + i * entsize) as usize;
            let Some(kind) = h.uint(p, at, false) else { continue };
            // 64-bit: type, flags, offset, vaddr, paddr, filesz; 32-bit: type, offset, vaddr,
            // paddr, filesz, memsz, flags.
            let (off_at, vaddr_at, filesz_at) = if h.wide {
                (at + 8, at + 16, at + 32)
            } else {
                (at + 4, at + 8, at + 16)
            };
            let (Some(off), Some(vaddr), Some(filesz)) = (h.addr(p, off_at), h.addr(p, vaddr_at), h.addr(p, filesz_at))
            else {
                continue;
            };
            match kind as u32 {
                PT_LOAD => self.loads.push((vaddr, off, filesz)),
                PT_DYNAMIC if filesz <= DYNAMIC_CAP => self.dynamic = Some((off, filesz)),
                PT_DYNAMIC => self.partial = true,
                _ => {}
            }
        }
    }

    /// The links, once the whole file was fed; `None` when it is not an ELF file.
    pub fn finish(mut self) -> Option<Links> {
        let h = self.header.filter(|_| !self.not_elf)?;
        let Some((off, size)) = self.dynamic else {
            // No dynamic section: a static object links to nothing.
            return Some(Links {
                complete: !self.partial && self.phdrs_done,
                ..Links::default()
            });
        };
        if (self.dyn_bytes.len() as u64) < size {
            // Gathered late (the headers came after it): the prefix may still hold it.
            let range = off as usize..(off + size) as usize;
            match self.prefix.get(range) {
                Some(b) => self.dyn_bytes = b.to_vec(),
                None => self.partial = true,
            }
        }
        let entry = if h.wide { 16 } else { 8 };
        let (mut strtab, mut needed, mut soname) = (None, Vec::new(), None);
        for e in self.dyn_bytes.chunks_exact(entry) {
            let (Some(tag), Some(val)) = (h.addr(e, 0), h.addr(e, entry / 2)) else {
                break;
            };
            match tag {
                0 => break,
                DT_NEEDED => needed.push(val),
                DT_SONAME => soname = Some(val),
                DT_STRTAB => strtab = Some(val),
                _ => {}
            }
        }
        // The string table is addressed in memory: its file offset is found through the
        // loadable segment that maps it.
        let table = strtab.and_then(|vaddr| {
            self.loads
                .iter()
                .find(|&&(v, _, len)| v <= vaddr && vaddr - v < len)
                .map(|&(v, o, _)| vaddr - v + o)
        });
        let mut partial = self.partial;
        let mut name = |at: u64| -> Option<String> {
            let s = table
                .and_then(|t| t.checked_add(at))
                .and_then(|s| usize::try_from(s).ok());
            let bytes = s.and_then(|s| self.prefix.get(s..));
            let read = bytes.and_then(|b| b.iter().take(NAME_CAP).position(|&c| c == 0).map(|end| &b[..end]));
            let got = read.map(|b| String::from_utf8_lossy(b).into_owned());
            partial |= got.is_none();
            got
        };
        let links_needed = needed.into_iter().filter_map(&mut name).collect();
        let links_soname = soname.and_then(&mut name);
        Some(Links {
            soname: links_soname,
            needed: links_needed,
            complete: !partial,
        })
    }
}

#[cfg(test)]
mod tests;
