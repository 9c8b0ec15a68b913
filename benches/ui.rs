//! Key-to-frame time of the terminal UI on a large generated image: one key through `update`
//! plus one full frame drawn into a 160x48 TestBackend, for moving the cursor, expanding a
//! directory, changing layer, toggling the view and typing into the path filter. Also prints
//! the process's memory (VmRSS, VmHWM) after the analysis and after the UI state is built.
//!
//! `cargo bench --bench ui`; `DEADWEIGHT_UI_BENCH_ENTRIES=200000` for a smaller image
//! (default 1,000,000 entries over 50 layers).

// The UI is a module of the binary; the benchmark compiles the same source files.
#[allow(dead_code, unused_imports)]
#[path = "../src/ui/mod.rs"]
mod ui;

use std::cell::RefCell;
use std::sync::{Arc, LazyLock};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use deadweight::analysis::{self, Analysis};
use deadweight::model::{ConfigSummary, Layer};
use deadweight::source::{Loaded, ScanLimits, layer::scan_layer};
use divan::Bencher;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;

use ui::app::App;
use ui::theme::Theme;
use ui::update::{Event, update};

fn main() {
    LazyLock::force(&ANALYSIS);
    divan::main();
}

const LAYERS: usize = 50;
const TOP: [&str; 8] = ["usr", "opt", "var", "app", "srv", "home", "lib", "data"];

fn entries() -> usize {
    std::env::var("DEADWEIGHT_UI_BENCH_ENTRIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn file(b: &mut tar::Builder<Vec<u8>>, path: &str, size: usize, fill: u8) {
    let mut h = tar::Header::new_gnu();
    h.set_size(size as u64);
    h.set_mode(0o644);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(0);
    h.set_entry_type(tar::EntryType::Regular);
    h.set_cksum();
    let data = vec![fill; size];
    b.append_data(&mut h, path, data.as_slice())
        .expect("append to an in-memory tar");
}

/// A deterministic image: 40% of the entries in layer 0, the rest spread over 49 layers that
/// add files (80%), overwrite earlier ones (15%) and delete earlier ones (5%); every tenth
/// layer also makes one directory opaque.
fn generate() -> Loaded {
    let total = entries();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut paths: Vec<String> = Vec::with_capacity(total);
    let mut layers = Vec::with_capacity(LAYERS);
    let base = total * 2 / 5;
    let per_layer = (total - base) / (LAYERS - 1);
    for l in 0..LAYERS {
        let n = if l == 0 { base } else { per_layer };
        let mut b = tar::Builder::new(Vec::new());
        for i in 0..n {
            let roll = rng.next() % 100;
            let size = (rng.next() % 2048) as usize;
            if l > 0 && roll < 15 && !paths.is_empty() {
                let p = paths[(rng.next() as usize) % paths.len()].clone();
                file(&mut b, &p, size, l as u8);
            } else if l > 0 && roll < 20 && !paths.is_empty() {
                let p = &paths[(rng.next() as usize) % paths.len()];
                let (dir, name) = p.rsplit_once('/').unwrap_or(("", p));
                file(&mut b, &format!("{dir}/.wh.{name}"), 0, 0);
            } else {
                let r = rng.next();
                let p = format!(
                    "{}/lib/pkg{}/sub{}/f{l}_{i}.py",
                    TOP[(r % 8) as usize],
                    (r >> 8) % 1000,
                    (r >> 20) % 20
                );
                file(&mut b, &p, size, 1);
                paths.push(p);
            }
        }
        if l % 10 == 9 {
            let r = rng.next();
            file(
                &mut b,
                &format!("{}/lib/pkg{}/.wh..wh..opq", TOP[(r % 8) as usize], (r >> 8) % 1000),
                0,
                0,
            );
        }
        let tar = b.into_inner().expect("finish an in-memory tar");
        let scan = scan_layer(tar.as_slice(), ScanLimits::default()).expect("scan a generated layer");
        layers.push(Layer {
            index: l,
            digest: Some(scan.blob_digest.clone()),
            diff_id: None,
            media_type: None,
            pull_bytes: None,
            scan,
        });
    }
    Loaded {
        reference: "generated".into(),
        format: "generated".into(),
        manifest_digest: None,
        config_digest: "sha256:0".into(),
        config: ConfigSummary::default(),
        tags: Vec::new(),
        layers,
        notes: Vec::new(),
    }
}

fn memory(label: &str) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let get = |k: &str| {
        status
            .lines()
            .find(|l| l.starts_with(k))
            .map(|l| l[k.len()..].trim().to_string())
            .unwrap_or_default()
    };
    eprintln!(
        "memory {label}: VmRSS {} · VmHWM (peak) {}",
        get("VmRSS:"),
        get("VmHWM:")
    );
}

static ANALYSIS: LazyLock<Arc<Analysis>> = LazyLock::new(|| {
    let t = std::time::Instant::now();
    let loaded = generate();
    let entries: usize = loaded.layers.iter().map(|l| l.scan.entries.len()).sum();
    let a = analysis::analyze(loaded);
    eprintln!(
        "generated and analysed {entries} entries in {LAYERS} layers ({} tree nodes, {} MB arena) in {:.1?}",
        a.tree.len(),
        a.tree.heap_bytes() / 1_000_000,
        t.elapsed()
    );
    memory("after analysis");
    let a = Arc::new(a);
    let t = std::time::Instant::now();
    let app = App::new(Arc::clone(&a), Theme::default(), Rect::new(0, 0, 160, 48));
    eprintln!("UI state built in {:.1?}", t.elapsed());
    let caches = app.files.index.parents.capacity() * 4
        + app.files.index.versions.capacity() * std::mem::size_of::<ui::nodes::Compact>()
        + app.files.index.marks.capacity() * 2
        + app.files.states.size.capacity() * 8
        + app.files.states.mark.capacity()
        + app.files.rows.rows.capacity() * std::mem::size_of::<ui::rows::Row>();
    eprintln!(
        "UI caches: {} MB (index, node states, rows; up to 3 more node states cached)",
        caches / 1_000_000
    );
    memory("with the UI state");
    drop(app);
    a
});

fn key(code: KeyCode) -> Event {
    Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

struct Screen {
    app: App,
    term: Terminal<TestBackend>,
}

fn screen() -> RefCell<Screen> {
    let app = App::new(Arc::clone(&ANALYSIS), Theme::default(), Rect::new(0, 0, 160, 48));
    let term = Terminal::new(TestBackend::new(160, 48)).expect("test terminal");
    RefCell::new(Screen { app, term })
}

/// One key, then one frame.
fn key_to_frame(s: &RefCell<Screen>, e: Event) {
    let s = &mut *s.borrow_mut();
    update(&mut s.app, e);
    let app = &s.app;
    s.term.draw(|f| ui::draw::draw(f, app)).expect("draw");
}

#[divan::bench]
fn move_cursor(b: Bencher) {
    let s = screen();
    key_to_frame(&s, key(KeyCode::Char(' ')));
    let mut down = true;
    b.bench_local(|| {
        let k = if down { KeyCode::Char('j') } else { KeyCode::Char('k') };
        down = !down;
        key_to_frame(&s, key(k));
    });
}

#[divan::bench]
fn expand_collapse_largest_dir(b: Bencher) {
    let s = screen();
    b.bench_local(|| key_to_frame(&s, key(KeyCode::Char(' '))));
}

#[divan::bench]
fn toggle_view(b: Bencher) {
    let s = screen();
    b.bench_local(|| key_to_frame(&s, key(KeyCode::Char('v'))));
}

#[divan::bench]
fn change_layer(b: Bencher) {
    let s = screen();
    let mut up = true;
    b.bench_local(|| {
        let k = if up { KeyCode::Char('[') } else { KeyCode::Char(']') };
        up = !up;
        key_to_frame(&s, key(k));
    });
}

/// Every frame on a layer whose node states are not cached: the cost of a cold layer change.
#[divan::bench]
fn change_layer_uncached(b: Bencher) {
    let s = screen();
    let mut i = 0usize;
    b.bench_local(|| {
        i += 7;
        let sc = &mut *s.borrow_mut();
        sc.app.set_layer(i % LAYERS);
        let app = &sc.app;
        sc.term.draw(|f| ui::draw::draw(f, app)).expect("draw");
    });
}

#[divan::bench]
fn type_in_path_filter(b: Bencher) {
    let s = screen();
    key_to_frame(&s, Event::Key(KeyEvent::new(KeyCode::Char('f'), KeyModifiers::CONTROL)));
    for c in "sub1".chars() {
        key_to_frame(&s, key(KeyCode::Char(c)));
    }
    let mut add = true;
    b.bench_local(|| {
        let k = if add { KeyCode::Char('7') } else { KeyCode::Backspace };
        add = !add;
        key_to_frame(&s, key(k));
    });
}

#[divan::bench]
fn draw_only(b: Bencher) {
    let s = screen();
    b.bench_local(|| {
        let s = &mut *s.borrow_mut();
        let app = &s.app;
        s.term.draw(|f| ui::draw::draw(f, app)).expect("draw");
    });
}
