use super::*;

const PS: usize = 4096;

/// Builds bbolt files page by page, as bbolt lays them out.
struct File {
    pages: Vec<Vec<u8>>,
}

fn header(id: u64, flags: u16, count: u16, overflow: u32) -> Vec<u8> {
    let mut h = Vec::new();
    h.extend(id.to_le_bytes());
    h.extend(flags.to_le_bytes());
    h.extend(count.to_le_bytes());
    h.extend(overflow.to_le_bytes());
    h
}

/// A leaf page's body (header included): elements then keys and values.
fn leaf_page(id: u64, items: &[(&[u8], Vec<u8>, bool)]) -> Vec<u8> {
    let mut page = header(id, LEAF, items.len() as u16, 0);
    let mut data = Vec::new();
    for (i, (k, v, bucket)) in items.iter().enumerate() {
        let elem_at = PAGE_HEADER + i * ELEMENT;
        let data_at = PAGE_HEADER + items.len() * ELEMENT + data.len();
        page.extend(u32::from(*bucket).to_le_bytes());
        page.extend(((data_at - elem_at) as u32).to_le_bytes());
        page.extend((k.len() as u32).to_le_bytes());
        page.extend((v.len() as u32).to_le_bytes());
        data.extend_from_slice(k);
        data.extend_from_slice(v);
    }
    page.extend(data);
    page
}

fn branch_page(id: u64, children: &[(&[u8], u64)]) -> Vec<u8> {
    let mut page = header(id, BRANCH, children.len() as u16, 0);
    let mut data = Vec::new();
    for (i, (k, child)) in children.iter().enumerate() {
        let elem_at = PAGE_HEADER + i * ELEMENT;
        let data_at = PAGE_HEADER + children.len() * ELEMENT + data.len();
        page.extend(((data_at - elem_at) as u32).to_le_bytes());
        page.extend((k.len() as u32).to_le_bytes());
        page.extend(child.to_le_bytes());
        data.extend_from_slice(k);
    }
    page.extend(data);
    page
}

fn meta_page(id: u64, root: u64, txid: u64) -> Vec<u8> {
    let mut m = Vec::new();
    m.extend(MAGIC.to_le_bytes());
    m.extend(VERSION.to_le_bytes());
    m.extend((PS as u32).to_le_bytes());
    m.extend(0u32.to_le_bytes());
    m.extend(root.to_le_bytes());
    m.extend(0u64.to_le_bytes());
    m.extend(2u64.to_le_bytes());
    m.extend(9u64.to_le_bytes());
    m.extend(txid.to_le_bytes());
    let sum = fnv1a(&m);
    m.extend(sum.to_le_bytes());
    let mut page = header(id, META, 0, 0);
    page.extend(m);
    page
}

/// A bucket value pointing at page `root`.
fn bucket_at(root: u64) -> Vec<u8> {
    let mut v = root.to_le_bytes().to_vec();
    v.extend(0u64.to_le_bytes());
    v
}

/// A bucket value holding its leaf inline.
fn inline(items: &[(&[u8], Vec<u8>, bool)]) -> Vec<u8> {
    let mut v = bucket_at(0);
    v.extend(leaf_page(0, items));
    v
}

impl File {
    fn new(root: u64, txid: u64) -> Self {
        Self {
            pages: vec![meta_page(0, root, txid), meta_page(1, root, txid.saturating_sub(1))],
        }
    }

    fn set(&mut self, id: usize, page: Vec<u8>) {
        while self.pages.len() <= id {
            self.pages.push(header(self.pages.len() as u64, 0x10, 0, 0));
        }
        self.pages[id] = page;
    }

    fn bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for p in &self.pages {
            let mut p = p.clone();
            assert!(p.len() <= PS, "test page too long");
            p.resize(PS, 0);
            out.extend(p);
        }
        out
    }
}

fn open(bytes: Vec<u8>) -> Result<Bolt, Error> {
    Bolt::from_bytes(Path::new("meta.db"), bytes)
}

fn keys(b: &Bucket<'_>) -> Vec<String> {
    b.entries()
        .unwrap()
        .iter()
        .map(|(k, _)| String::from_utf8_lossy(k).into_owned())
        .collect()
}

/// A tree like containerd's: root → v1 (own page) → ns (inline) and a two-leaf bucket.
fn sample() -> File {
    let mut f = File::new(2, 7);
    f.set(2, leaf_page(2, &[(b"v1", bucket_at(3), true)]));
    let ns = inline(&[(b"target", inline(&[(b"digest", b"sha256:ab".to_vec(), false)]), true)]);
    f.set(3, leaf_page(3, &[(b"big", bucket_at(4), true), (b"default", ns, true)]));
    f.set(4, branch_page(4, &[(b"a", 5), (b"m", 6)]));
    f.set(
        5,
        leaf_page(5, &[(b"a", b"1".to_vec(), false), (b"b", b"2".to_vec(), false)]),
    );
    f.set(
        6,
        leaf_page(6, &[(b"m", b"3".to_vec(), false), (b"z", b"4".to_vec(), false)]),
    );
    f
}

#[test]
fn nested_inline_and_branched_buckets_read_in_key_order() {
    let db = open(sample().bytes()).unwrap();
    let v1 = db.root().bucket(b"v1").unwrap().unwrap();
    assert_eq!(keys(&v1), ["big", "default"]);
    let big = v1.bucket(b"big").unwrap().unwrap();
    assert_eq!(keys(&big), ["a", "b", "m", "z"]);
    assert_eq!(big.bytes(b"m").unwrap(), Some(&b"3"[..]));
    let target = v1
        .bucket(b"default")
        .unwrap()
        .unwrap()
        .bucket(b"target")
        .unwrap()
        .unwrap();
    assert_eq!(target.bytes(b"digest").unwrap(), Some(&b"sha256:ab"[..]));
    assert!(v1.bytes(b"default").unwrap().is_none(), "a bucket is not bytes");
    assert!(big.bucket(b"a").unwrap().is_none(), "bytes are not a bucket");
}

#[test]
fn the_newer_valid_meta_page_wins() {
    let mut f = sample();
    // Meta 1 is newer and points at another root; then its checksum is broken.
    f.set(1, meta_page(1, 7, 8));
    f.set(7, leaf_page(7, &[(b"v2", b"x".to_vec(), false)]));
    let db = open(f.bytes()).unwrap();
    assert_eq!(keys(&db.root()), ["v2"]);
    let mut bytes = f.bytes();
    bytes[PS + PAGE_HEADER + 20] ^= 1;
    let db = open(bytes).unwrap();
    assert_eq!(keys(&db.root()), ["v1"], "a meta page failing its checksum is skipped");
}

#[test]
fn damage_is_an_error_naming_the_page() {
    let err = |f: &File| match open(f.bytes()) {
        Ok(db) => db
            .root()
            .bucket(b"v1")
            .and_then(|v1| v1.unwrap().bucket(b"big"))
            .and_then(|b| b.unwrap().entries().map(|_| ()))
            .unwrap_err()
            .to_string(),
        Err(e) => e.to_string(),
    };
    let mut cycle = sample();
    cycle.set(6, branch_page(6, &[(b"m", 4)]));
    assert!(err(&cycle).contains("cycle"), "{}", err(&cycle));
    let mut past = sample();
    past.set(4, branch_page(4, &[(b"a", 5), (b"m", 60)]));
    assert!(err(&past).contains("page 60 lies past the end"), "{}", err(&past));
    let mut moved = sample();
    moved.set(5, leaf_page(9, &[(b"a", b"1".to_vec(), false)]));
    assert!(
        err(&moved).contains("page 5 is not where its header says"),
        "{}",
        err(&moved)
    );
    let mut long = sample();
    let mut page = leaf_page(5, &[(b"a", b"1".to_vec(), false)]);
    page[PAGE_HEADER + 12..PAGE_HEADER + 16].copy_from_slice(&9999u32.to_le_bytes());
    long.set(5, page);
    assert!(err(&long).contains("element 0 runs past the page"), "{}", err(&long));
    let e = open(vec![0; 3 * PS]).err().unwrap().to_string();
    assert!(e.contains("no valid meta page"), "{e}");
}

#[test]
fn any_flipped_byte_is_an_answer_or_an_error_never_a_panic() {
    let bytes = sample().bytes();
    let mut seen = 0;
    for at in (0..bytes.len()).step_by(7) {
        let mut b = bytes.clone();
        b[at] ^= 0xa5;
        if let Ok(db) = open(b) {
            let walk = |b: Bucket<'_>| -> Result<usize, Error> {
                let mut n = 0;
                for (_, v1) in b.buckets()? {
                    for (_, inner) in v1.buckets()? {
                        n += inner.entries()?.len();
                    }
                }
                Ok(n)
            };
            seen += walk(db.root()).unwrap_or(0);
        }
    }
    assert!(seen > 0, "most flips leave the tree readable");
}
