//! The bytes are a tar-split record (the JSON lines of a local store's `tar-split.json.gz`,
//! decompressed), then optionally `\0\0` and the content every file of the record reads as.
//! The record is rebuilt into a tar (bounded) and also streamed straight into the layer
//! decoder: both must agree, and a successful scan must have the properties of
//! `common::check_scan`. Malformed records must be errors, never panics or unbounded memory.

#![no_main]

#[path = "common.rs"]
mod common;

use std::io::{Cursor, Read};

use deadweight::source::layer::scan_layer;
use deadweight::source::storage::tarsplit::{FileSource, TarSplit};
use libfuzzer_sys::fuzz_target;

/// Every file of the record reads as the same bytes.
struct Same(Vec<u8>);

impl FileSource for Same {
    fn open(&mut self, name: &[u8]) -> Result<Box<dyn Read + Send>, String> {
        if name.first() == Some(&b'!') {
            return Err("refused".into()); // a file the store cannot give
        }
        Ok(Box::new(Cursor::new(self.0.clone())))
    }
}

fuzz_target!(|data: &[u8]| {
    let (record, content) = match data.windows(2).position(|w| w == b"\0\0") {
        Some(i) => (&data[..i], data[i + 2..].to_vec()),
        None => (data, Vec::new()),
    };
    let mut tar = Vec::new();
    let rebuilt = TarSplit::new(record, Same(content.clone()))
        .take(common::MAX_LAYER_BYTES + 1)
        .read_to_end(&mut tar);
    let streamed = scan_layer(TarSplit::new(record, Same(content)), common::limits());
    if rebuilt.is_err() || tar.len() as u64 > common::MAX_LAYER_BYTES {
        return;
    }
    let whole = scan_layer(tar.as_slice(), common::limits());
    match (&whole, &streamed) {
        (Ok(w), Ok(s)) => {
            common::check_scan(w, &tar);
            assert_eq!(w.blob_digest, s.blob_digest, "streamed and rebuilt tars differ");
            assert_eq!(w.entries.len(), s.entries.len());
            assert_eq!(w.names, s.names);
        }
        (Ok(_), Err(e)) => panic!("the rebuilt tar scans, the stream fails: {e}"),
        _ => {}
    }
});
