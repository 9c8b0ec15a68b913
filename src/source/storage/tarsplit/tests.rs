use std::collections::HashMap;
use std::io::{Cursor, Read};

use super::*;
use crate::model::EntryKind;
use crate::source::layer::{ScanLimits, scan_layer};

/// Contents by entry name, as a diff directory would hold them.
struct Files(HashMap<Vec<u8>, Vec<u8>>);

impl FileSource for Files {
    fn open(&mut self, name: &[u8]) -> Result<Box<dyn Read + Send>, String> {
        match self.0.get(name) {
            Some(c) => Ok(Box::new(Cursor::new(c.clone()))),
            None => Err("no such file".into()),
        }
    }
}

fn line(kind: u8, name: Option<&[u8]>, size: u64, payload: Option<&[u8]>) -> String {
    let mut v = serde_json::json!({"type": kind, "payload": payload.map(|p| STANDARD.encode(p))});
    if let Some(name) = name {
        match std::str::from_utf8(name) {
            Ok(s) => v["name"] = s.into(),
            Err(_) => v["name_raw"] = STANDARD.encode(name).into(),
        }
    }
    if size > 0 {
        v["size"] = size.into();
    }
    format!("{v}\n")
}

/// tar-split's record of `tar` and the contents of its files: bytes before each entry's
/// content are one segment, the content is a file line, the rest is the last segment.
fn split(tar: &[u8]) -> (String, Files) {
    let mut out = String::new();
    let mut files = HashMap::new();
    let mut archive = tar::Archive::new(tar);
    let mut at = 0usize;
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let start = entry.raw_file_position() as usize;
        let size = entry.header().entry_size().unwrap();
        let name = entry.path_bytes().into_owned();
        out.push_str(&line(SEGMENT, None, 0, Some(&tar[at..start])));
        let mut content = Vec::new();
        entry.read_to_end(&mut content).unwrap();
        let sum = checksum(&content);
        out.push_str(&line(FILE, Some(&name), size, (size > 0).then_some(&sum[..])));
        files.insert(name, content);
        at = start + size as usize;
    }
    out.push_str(&line(SEGMENT, None, 0, Some(&tar[at..])));
    (out, Files(files))
}

fn rebuild(record: &str, files: &mut Files) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    TarSplit::new(Cursor::new(record.as_bytes()), files).read_to_end(&mut out)?;
    Ok(out)
}

fn header(kind: tar::EntryType, size: u64, mode: u32) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_size(size);
    h.set_mode(mode);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(0);
    h
}

/// A layer with every kind the decoder tells apart, a GNU long name and a PAX path.
fn rich_tar() -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    b.append_data(&mut header(tar::EntryType::Directory, 0, 0o755), "usr/", &[][..])
        .unwrap();
    let record = b"foo/__init__.py,,\n".to_vec();
    let mut h = header(tar::EntryType::Regular, record.len() as u64, 0o644);
    b.append_data(&mut h, "usr/lib/foo-1.0.dist-info/RECORD", &record[..])
        .unwrap();
    let long = format!("usr/{}/file", "d".repeat(150));
    b.append_data(&mut header(tar::EntryType::Regular, 5, 0o600), &long, &b"hello"[..])
        .unwrap();
    let mut pax = tar::Builder::new(Vec::new());
    pax.append_pax_extensions([("path", &b"usr/pax-named"[..])]).unwrap();
    b.append_data(&mut header(tar::EntryType::Regular, 0, 0o644), "usr/.wh.gone", &[][..])
        .unwrap();
    b.append_data(
        &mut header(tar::EntryType::Regular, 0, 0o644),
        "usr/.wh..wh..opq",
        &[][..],
    )
    .unwrap();
    let mut link = header(tar::EntryType::Symlink, 0, 0o777);
    link.set_link_name("../lib").unwrap();
    b.append_data(&mut link, "usr/sl", &[][..]).unwrap();
    let mut hard = header(tar::EntryType::Link, 0, 0o644);
    hard.set_link_name("usr/lib/foo-1.0.dist-info/RECORD").unwrap();
    b.append_data(&mut hard, "usr/hl", &[][..]).unwrap();
    let mut tar = b.into_inner().unwrap();
    // A PAX-named file before the end blocks: its 'x' record travels inside a segment.
    let end = tar.len() - 1024;
    let mut tail = pax.into_inner().unwrap();
    tail.truncate(tail.len() - 1024);
    let mut h = header(tar::EntryType::Regular, 3, 0o644);
    h.set_path("usr/short").unwrap();
    h.set_cksum();
    tail.extend_from_slice(h.as_bytes());
    tail.extend_from_slice(b"pax");
    tail.resize(tail.len() + 509, 0);
    tar.splice(end..end, tail);
    tar
}

#[test]
fn a_record_rebuilds_its_tar_byte_for_byte() {
    let tar = rich_tar();
    let (record, mut files) = split(&tar);
    assert_eq!(rebuild(&record, &mut files).unwrap(), tar);
}

#[test]
fn the_rebuilt_tar_scans_as_the_original() {
    let tar = rich_tar();
    let (record, mut files) = split(&tar);
    let want = scan_layer(&tar[..], ScanLimits::default()).unwrap();
    let got = scan_layer(
        TarSplit::new(Cursor::new(record.as_bytes()), &mut files),
        ScanLimits::default(),
    )
    .unwrap();
    assert_eq!(got.blob_digest, want.blob_digest);
    assert_eq!(got.names, want.names);
    assert_eq!(got.captured, want.captured);
    let kinds: Vec<EntryKind> = got.entries.iter().map(|e| e.kind).collect();
    assert!(kinds.contains(&EntryKind::Whiteout) && kinds.contains(&EntryKind::Opaque));
    assert!(kinds.contains(&EntryKind::Hardlink) && kinds.contains(&EntryKind::Symlink));
    let paths: Vec<&[u8]> = got.entries.iter().map(|e| got.bytes(e.path)).collect();
    assert!(paths.contains(&&b"usr/pax-named"[..]), "{paths:?}");
    assert!(paths.iter().any(|p| p.len() > 150));
    for (g, w) in got.entries.iter().zip(&want.entries) {
        assert_eq!((g.kind, g.size, g.mode, g.hash), (w.kind, w.size, w.mode, w.hash));
    }
}

#[test]
fn lines_from_a_docker_store_decode() {
    // Two lines of a real `tar-split.json.gz` from dockerd 20.10 (`echo hi > /opt/a`).
    let record = concat!(
        r#"{"type":1,"name":"opt/","payload":null,"position":1}"#,
        "\n",
        r#"{"type":1,"name":"opt/a","size":3,"payload":"YUmYEAAAAAA=","position":3}"#,
        "\n"
    );
    let mut files = Files(HashMap::from([(b"opt/a".to_vec(), b"hi\n".to_vec())]));
    assert_eq!(rebuild(record, &mut files).unwrap(), b"hi\n");
    let mut other = Files(HashMap::from([(b"opt/a".to_vec(), b"ho\n".to_vec())]));
    let err = rebuild(record, &mut other).unwrap_err().to_string();
    assert!(
        err.contains("line 2") && err.contains("\"opt/a\"") && err.contains("does not match"),
        "{err}"
    );
}

#[test]
fn a_file_that_differs_from_the_record_is_named() {
    let tar = rich_tar();
    let (record, files) = split(&tar);
    let name = b"usr/pax-named";
    let cases: [(&[u8], &str); 3] = [
        (b"pa", "the file on disk has 2"),
        (b"paxx", "longer than the record's 3 bytes"),
        (b"PAX", "does not match the record"),
    ];
    for (content, says) in cases {
        let mut f = Files(files.0.clone());
        f.0.insert(name.to_vec(), content.to_vec());
        let err = rebuild(&record, &mut f).unwrap_err().to_string();
        assert!(err.contains(says) && err.contains("usr/pax-named"), "{err}");
    }
    let mut f = Files(files.0.clone());
    f.0.remove(&name[..]);
    let err = rebuild(&record, &mut f).unwrap_err().to_string();
    assert!(err.contains("\"usr/pax-named\": no such file"), "{err}");
}

#[test]
fn malformed_records_are_errors_naming_the_line() {
    let ok = line(SEGMENT, None, 0, Some(b"x"));
    let cases = [
        ("{not json\n".to_string(), "line 1: not JSON"),
        (
            format!("{ok}{}", r#"{"type":7,"payload":null}"#),
            "line 2: unknown entry type 7",
        ),
        (r#"{"type":2,"payload":"@@"}"#.to_string(), "payload is not base64"),
        (
            r#"{"type":1,"size":3,"payload":"YUmYEAAAAAA="}"#.to_string(),
            "without a name",
        ),
        (
            r#"{"type":1,"name":"a","size":-3,"payload":null}"#.to_string(),
            "negative size -3",
        ),
        (
            r#"{"type":1,"name":"a","size":3,"payload":"YUk="}"#.to_string(),
            "has 2 bytes, not 8",
        ),
        (
            r#"{"type":1,"name_raw":"%","payload":null}"#.to_string(),
            "name_raw is not base64",
        ),
    ];
    for (record, says) in cases {
        let err = rebuild(&record, &mut Files(HashMap::new())).unwrap_err().to_string();
        assert!(err.contains(says), "{record}: {err}");
    }
}

#[test]
fn a_line_past_the_cap_is_refused_without_reading_on() {
    let endless = std::io::repeat(b' ').take(MAX_LINE + 10);
    let mut files = Files(HashMap::new());
    let mut out = Vec::new();
    let err = TarSplit::new(std::io::BufReader::new(endless), &mut files)
        .read_to_end(&mut out)
        .unwrap_err()
        .to_string();
    assert!(err.contains("longer than"), "{err}");
}

#[test]
fn a_name_that_is_not_utf8_travels_as_name_raw() {
    let name = b"usr/caf\xe9";
    let record = format!(
        "{}{}",
        line(FILE, Some(name), 2, Some(&checksum(b"ok"))),
        line(SEGMENT, None, 0, None)
    );
    assert!(record.contains("name_raw"));
    let mut files = Files(HashMap::from([(name.to_vec(), b"ok".to_vec())]));
    assert_eq!(rebuild(&record, &mut files).unwrap(), b"ok");
}

/// Trusting the CRCs reads a same-length change without a word (the caller's diff-id check
/// catches it); the default reader names the file.
#[test]
fn trusting_crcs_skips_only_the_crc_check() {
    let record = concat!(
        r#"{"type":1,"name":"opt/a","size":3,"payload":"YUmYEAAAAAA=","position":3}"#,
        "\n"
    );
    let mut other = Files(HashMap::from([(b"opt/a".to_vec(), b"ho\n".to_vec())]));
    let mut out = Vec::new();
    TarSplit::new(Cursor::new(record.as_bytes()), &mut other)
        .trusting_crcs()
        .read_to_end(&mut out)
        .expect("no CRC check");
    assert_eq!(out, b"ho\n");
    let err = rebuild(record, &mut other).unwrap_err().to_string();
    assert!(err.contains("\"opt/a\"") && err.contains("CRC-64"), "{err}");
    // Sizes are still checked.
    let mut short = Files(HashMap::from([(b"opt/a".to_vec(), b"h".to_vec())]));
    let err = TarSplit::new(Cursor::new(record.as_bytes()), &mut short)
        .trusting_crcs()
        .read_to_end(&mut Vec::new())
        .unwrap_err()
        .to_string();
    assert!(err.contains("the record says 3 bytes"), "{err}");
}
