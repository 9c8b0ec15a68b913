//! The links reader on hand-built ELF files of both widths and byte orders, fed in chunks of
//! every size, and on a real dynamically linked executable (this test's own).

use super::*;

/// A minimal shared object: header, two program headers (one PT_LOAD mapping the whole file
/// at `base`, one PT_DYNAMIC), the string table at `strtab_at` and the dynamic section at
/// `dyn_at`, each position a file offset.
fn elf(wide: bool, little: bool, strtab_at: usize, dyn_at: usize, len: usize) -> Vec<u8> {
    let base: u64 = 0x1000;
    let mut f = vec![0u8; len];
    let put = |f: &mut Vec<u8>, at: usize, v: u64, n: usize| {
        let b = if little { v.to_le_bytes() } else { v.to_be_bytes() };
        let b = if little { &b[..n] } else { &b[8 - n..] };
        f[at..at + n].copy_from_slice(b);
    };
    let w = if wide { 8 } else { 4 };
    f[..4].copy_from_slice(b"\x7fELF");
    f[4] = if wide { 2 } else { 1 };
    f[5] = if little { 1 } else { 2 };
    let (phoff, entsize) = if wide { (64u64, 56u64) } else { (52, 32) };
    let (phoff_at, entsize_at) = if wide { (0x20, 0x36) } else { (0x1c, 0x2a) };
    put(&mut f, phoff_at, phoff, w);
    put(&mut f, entsize_at, entsize, 2);
    put(&mut f, entsize_at + 2, 2, 2);
    let strings = b"\0libyaml-0.so.2\0libc.so.6\0_yaml.so\0";
    f[strtab_at..strtab_at + strings.len()].copy_from_slice(strings);
    let entries: [(u64, u64); 5] = [(1, 1), (1, 16), (14, 26), (5, base + strtab_at as u64), (0, 0)];
    let dyn_len = entries.len() * 2 * w;
    for (i, (tag, val)) in entries.iter().enumerate() {
        put(&mut f, dyn_at + i * 2 * w, *tag, w);
        put(&mut f, dyn_at + i * 2 * w + w, *val, w);
    }
    for (i, (kind, off, vaddr, size)) in [
        (1u64, 0u64, base, len as u64),
        (2, dyn_at as u64, base + dyn_at as u64, dyn_len as u64),
    ]
    .into_iter()
    .enumerate()
    {
        let at = phoff as usize + i * entsize as usize;
        put(&mut f, at, kind, 4);
        let (off_at, vaddr_at, filesz_at) = if wide {
            (at + 8, at + 16, at + 32)
        } else {
            (at + 4, at + 8, at + 16)
        };
        put(&mut f, off_at, off, w);
        put(&mut f, vaddr_at, vaddr, w);
        put(&mut f, filesz_at, size, w);
    }
    f
}

fn read(bytes: &[u8], chunk: usize) -> Option<Links> {
    let mut r = LinksReader::new(bytes.len() as u64);
    for c in bytes.chunks(chunk) {
        r.feed(c);
    }
    r.finish()
}

fn yaml() -> Links {
    Links {
        soname: Some("_yaml.so".into()),
        needed: vec!["libyaml-0.so.2".into(), "libc.so.6".into()],
        complete: true,
    }
}

#[test]
fn reads_needed_and_soname_in_every_width_byte_order_and_chunking() {
    for (wide, little) in [(true, true), (true, false), (false, true), (false, false)] {
        for len in [4096, 3 << 20] {
            let f = elf(wide, little, 400, len - 200, len);
            let small: &[usize] = if len < 65536 { &[1, 7, 64] } else { &[] };
            for &chunk in small.iter().chain(&[4096, 65536, len]) {
                assert_eq!(
                    read(&f, chunk),
                    Some(yaml()),
                    "wide {wide} little {little} len {len} chunk {chunk}"
                );
            }
        }
    }
}

#[test]
fn names_outside_the_kept_prefix_make_it_partial_never_wrong() {
    let len = PREFIX_CAP + (1 << 20);
    let f = elf(true, true, PREFIX_CAP + 100, len - 200, len);
    let links = read(&f, 65536).unwrap();
    assert!(!links.complete);
    assert!(links.needed.is_empty());
}

#[test]
fn bad_input_is_not_elf_or_partial_and_never_panics() {
    assert_eq!(
        read(
            b"not an elf file, just text that is long enough to hold a header....",
            5
        ),
        None
    );
    assert_eq!(read(b"\x7fELF", 1), None);
    let mut f = elf(true, true, 400, 3000, 4096);
    f[0x20..0x28].copy_from_slice(&u64::MAX.to_le_bytes()); // program headers past the end
    let links = read(&f, 100).unwrap();
    assert!(!links.complete && links.needed.is_empty());
    let f = elf(true, true, 400, 3000, 4096);
    for cut in [70, 200, 3010] {
        let links = read(&f[..cut], 33).unwrap();
        assert!(!links.complete, "cut at {cut}");
    }
    for i in 0..200 {
        let mut g = f.clone();
        g[64 + i] ^= 0xff;
        let _ = read(&g, 13);
    }
}

#[test]
fn the_text_form_round_trips() {
    let l = yaml();
    assert_eq!(Links::decode(&l.encode()), l);
    let partial = Links {
        complete: false,
        ..yaml()
    };
    assert_eq!(Links::decode(&partial.encode()), partial);
}

/// This test's own executable is a real, dynamically linked ELF file that needs libc.
#[test]
fn reads_a_real_executable() {
    let exe = std::fs::read("/proc/self/exe").unwrap();
    let links = read(&exe, 65536).unwrap();
    assert!(links.complete, "{links:?}");
    assert!(links.needed.iter().any(|n| n.starts_with("libc.so")), "{links:?}");
}
