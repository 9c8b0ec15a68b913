//! Tar headers written by hand, byte by byte where needed: names and link targets are copied
//! verbatim (so `..`, absolute and non-UTF-8 names survive), and names over 100 bytes get a PAX
//! extended header or GNU `././@LongLink` entries.

use super::fixture::{Entry, Kind};

/// Pads `out` to the next 512-byte block.
pub fn pad(out: &mut Vec<u8>) {
    out.resize(out.len().div_ceil(512) * 512, 0);
}

/// Appends one header block; `e` gives type-specific fields (mode, owner, link, device).
pub fn raw_header(out: &mut Vec<u8>, gnu: bool, name: &[u8], t: tar::EntryType, size: u64, e: Option<&Entry>) {
    let mut h = if gnu {
        tar::Header::new_gnu()
    } else {
        tar::Header::new_ustar()
    };
    let old = h.as_old_mut();
    old.name[..name.len().min(100)].copy_from_slice(&name[..name.len().min(100)]);
    if let Some(e) = e {
        old.linkname[..e.link.len().min(100)].copy_from_slice(&e.link[..e.link.len().min(100)]);
    }
    h.set_entry_type(t);
    h.set_size(size);
    h.set_mode(e.map_or(0o644, |e| e.mode));
    h.set_uid(e.map_or(0, |e| e.uid));
    h.set_gid(e.map_or(0, |e| e.gid));
    h.set_mtime(0);
    if let Some(Entry {
        kind: Kind::CharDevice(major, minor),
        ..
    }) = e
    {
        h.set_device_major(*major).unwrap();
        h.set_device_minor(*minor).unwrap();
    }
    h.set_cksum();
    out.extend_from_slice(h.as_bytes());
}

/// One PAX record, `"<len> key=value\n"`, its length counting itself.
pub fn pax_record(key: &str, value: &[u8]) -> Vec<u8> {
    let body = [b" ", key.as_bytes(), b"=", value, b"\n"].concat();
    let mut len = body.len() + 1;
    while len.to_string().len() + body.len() != len {
        len += 1;
    }
    [len.to_string().as_bytes(), &body].concat()
}

/// Appends an entry (extension headers, header, padded data).
pub fn write_entry(out: &mut Vec<u8>, e: &Entry, gnu_long: bool) {
    let long_name = e.name.len() > 100;
    let long_link = e.link.len() > 100;
    if gnu_long {
        for (long, t, value) in [(long_name, b'L', &e.name), (long_link, b'K', &e.link)] {
            if long {
                let data = [value.as_slice(), b"\0"].concat();
                raw_header(
                    out,
                    true,
                    b"././@LongLink",
                    tar::EntryType::new(t),
                    data.len() as u64,
                    None,
                );
                out.extend_from_slice(&data);
                pad(out);
            }
        }
    } else if long_name || long_link {
        let mut data = Vec::new();
        if long_name {
            data.extend(pax_record("path", &e.name));
        }
        if long_link {
            data.extend(pax_record("linkpath", &e.link));
        }
        raw_header(
            out,
            false,
            b"PaxHeader",
            tar::EntryType::XHeader,
            data.len() as u64,
            None,
        );
        out.extend_from_slice(&data);
        pad(out);
    }
    let t = match e.kind {
        Kind::File => tar::EntryType::Regular,
        Kind::Dir => tar::EntryType::Directory,
        Kind::Symlink => tar::EntryType::Symlink,
        Kind::Hardlink => tar::EntryType::Link,
        Kind::CharDevice(..) => tar::EntryType::Char,
        Kind::Fifo => tar::EntryType::Fifo,
        Kind::Raw(t) => tar::EntryType::new(t),
    };
    raw_header(out, gnu_long, &e.name, t, e.data.len() as u64, Some(e));
    out.extend_from_slice(&e.data);
    pad(out);
}
