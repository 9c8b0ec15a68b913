//! Test support for the UI (compiled for tests only): the sample image analysed once, an app
//! at a given size, key parsing for journeys, rendering to text with ratatui's TestBackend, and
//! hand-made findings (the rules are written elsewhere, the UI renders whatever they produce).

use std::sync::{Arc, LazyLock};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use deadweight::analysis::rules::Evidence;
use deadweight::analysis::rules::Finding;
use deadweight::analysis::{self, Analysis, AnalyzeOptions};
use deadweight::catalogue::Severity;
use deadweight::source::{self, LoadOptions};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::app::App;
use super::draw;
pub use super::draw::main_pane;
use super::theme::Theme;
use super::update::{Event, update};

/// The sample image analysed with its Dockerfile, findings left as the analysis made them.
pub static SAMPLE: LazyLock<Arc<Analysis>> = LazyLock::new(|| Arc::new(load_sample()));

fn load_sample() -> Analysis {
    let root = env!("CARGO_MANIFEST_DIR");
    let tar = format!("{root}/assets/sample.tar");
    let spec = source::reference::parse(&tar, None).expect("sample reference");
    let loaded = source::load(&spec, &LoadOptions::default()).expect("sample loads");
    let text = std::fs::read_to_string(format!("{root}/assets/sample.Dockerfile")).expect("sample Dockerfile");
    let dockerfile = analysis::dockerfile::parse(&text).expect("sample Dockerfile parses");
    let mut a = analysis::analyze_with(
        loaded,
        &AnalyzeOptions {
            dockerfile: Some(dockerfile),
            ..AnalyzeOptions::default()
        },
    );
    a.image.reference = "assets/sample.tar".into();
    a
}

/// The sample with the findings replaced by [`findings`], so tests do not depend on the rules.
pub static SAMPLE_WITH_FINDINGS: LazyLock<Arc<Analysis>> = LazyLock::new(|| {
    let mut a = (**SAMPLE).clone();
    a.findings = findings();
    Arc::new(a)
});

/// The sample with no findings at all.
pub static SAMPLE_NO_FINDINGS: LazyLock<Arc<Analysis>> = LazyLock::new(|| {
    let mut a = (**SAMPLE).clone();
    a.findings.clear();
    Arc::new(a)
});

/// Three hand-made findings on real paths of the sample.
pub fn findings() -> Vec<Finding> {
    let p = |path: &str, bytes| Evidence::new(path, bytes);
    vec![
        Finding {
            rule: "DW900",
            title: "a model downloaded and deleted in another layer".into(),
            severity: Severity::Error,
            reclaimable_bytes: 1_048_576,
            layer: Some(5),
            dockerfile_line: Some(8),
            paths: vec![p("/tmp/model.bin", 1_048_576)],
            fix: "download, use and delete it in one RUN".into(),
        },
        Finding {
            rule: "DW901",
            title: "apt lists left behind".into(),
            severity: Severity::Warning,
            reclaimable_bytes: 413_760,
            layer: Some(1),
            dockerfile_line: Some(3),
            paths: vec![
                p(
                    "/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4",
                    327_680,
                ),
                p(
                    "/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease",
                    40_990,
                ),
            ],
            fix: "rm -rf /var/lib/apt/lists/* in the same RUN".into(),
        },
        Finding {
            rule: "DW902",
            title: "a note with no layer and no path".into(),
            severity: Severity::Info,
            reclaimable_bytes: 0,
            layer: None,
            dockerfile_line: None,
            paths: Vec::new(),
            fix: "nothing to do".into(),
        },
    ]
}

/// An app over `analysis` for a `w`x`h` terminal, with colours.
pub fn app_of(analysis: &Arc<Analysis>, w: u16, h: u16) -> App {
    App::new(Arc::clone(analysis), Theme::default(), Rect::new(0, 0, w, h))
}

/// An app over the sample (with hand-made findings) for a `w`x`h` terminal.
pub fn app(w: u16, h: u16) -> App {
    app_of(&SAMPLE_WITH_FINDINGS, w, h)
}

/// The sample's Dockerfile, as `--dockerfile` gives it.
pub fn sample_dockerfile() -> String {
    let root = env!("CARGO_MANIFEST_DIR");
    std::fs::read_to_string(format!("{root}/assets/sample.Dockerfile")).expect("sample Dockerfile")
}

/// An app over the sample (with its real findings) and its Dockerfile, for a `w`x`h` terminal.
pub fn app_with_dockerfile(w: u16, h: u16) -> App {
    app_of(&SAMPLE, w, h).with_dockerfile(&sample_dockerfile())
}

/// Parses one key: `j`, `J`, `enter`, `esc`, `tab`, `backtab`, `space`, `up`, `down`, `left`,
/// `right`, `pgup`, `pgdn`, `home`, `end`, `backspace`, `ctrl+f`, `ctrl+space`.
pub fn key(spec: &str) -> Event {
    let (mods, name) = match spec.strip_prefix("ctrl+") {
        Some(rest) => (KeyModifiers::CONTROL, rest),
        None => (KeyModifiers::NONE, spec),
    };
    let code = match name {
        "enter" => KeyCode::Enter,
        "esc" => KeyCode::Esc,
        "tab" => KeyCode::Tab,
        "backtab" => KeyCode::BackTab,
        "space" => KeyCode::Char(' '),
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "pgup" => KeyCode::PageUp,
        "pgdn" => KeyCode::PageDown,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "backspace" => KeyCode::Backspace,
        s if s.chars().count() == 1 => KeyCode::Char(s.chars().next().unwrap_or(' ')),
        other => panic!("unknown key {other:?}"),
    };
    Event::Key(KeyEvent::new(code, mods))
}

/// Sends space-separated keys.
pub fn press(app: &mut App, keys: &str) {
    for k in keys.split_whitespace() {
        update(app, key(k));
        // What the event loop does after each event: the I/O `update` asked for.
        super::viewer::perform(app);
    }
}

/// Types text character by character (into a prompt).
pub fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        update(app, Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)));
    }
}

/// A mouse event at (`x`, `y`).
pub fn mouse(kind: MouseEventKind, x: u16, y: u16) -> Event {
    Event::Mouse(MouseEvent {
        kind,
        column: x,
        row: y,
        modifiers: KeyModifiers::NONE,
    })
}

/// A left click at (`x`, `y`).
pub fn click(x: u16, y: u16) -> Event {
    mouse(MouseEventKind::Down(MouseButton::Left), x, y)
}

/// Draws the whole screen and returns the buffer.
pub fn screen(app: &App) -> Buffer {
    let mut t = Terminal::new(TestBackend::new(app.area.width, app.area.height)).expect("test terminal");
    t.draw(|f| draw::draw(f, app)).expect("draw");
    t.backend().buffer().clone()
}

/// Draws one pane filling a `w`x`h` buffer.
pub fn pane(app: &App, w: u16, h: u16, f: impl Fn(&App, &mut ratatui::Frame, Rect)) -> Buffer {
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    t.draw(|fr| f(app, fr, fr.area())).expect("draw");
    t.backend().buffer().clone()
}

/// The text of a buffer, one line per row, trailing spaces trimmed.
pub fn text(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        for x in 0..buf.area.width {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The screen as text.
pub fn screen_text(app: &App) -> String {
    text(&screen(app))
}

/// Position (x, y) of the first occurrence of `needle` in the buffer's text, by cell.
pub fn find(buf: &Buffer, needle: &str) -> Option<(u16, u16)> {
    for y in 0..buf.area.height {
        let cells: Vec<&str> = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
        for x in 0..cells.len() {
            let mut s = String::new();
            for c in &cells[x..] {
                s.push_str(c);
                if s.len() >= needle.len() {
                    break;
                }
            }
            if s.starts_with(needle) {
                return Some((x as u16, y));
            }
        }
    }
    None
}

/// Snapshots a pane drawn alone at 80x24 and at 160x48: `$make(w, h)` builds the app and
/// `$render` draws the pane into the whole buffer.
#[allow(unused_macros)] // unused where the UI is compiled into the benchmark
macro_rules! snapshot_pane {
    ($name:expr, $make:expr, $render:expr) => {{
        for (w, h) in [(80u16, 24u16), (160, 48)] {
            let app = $make(w, h);
            let buf = $crate::ui::testing::pane(&app, w, h, $render);
            insta::assert_snapshot!(format!("{}_{w}x{h}", $name), $crate::ui::testing::text(&buf));
        }
    }};
}
pub(crate) use snapshot_pane;

/// Every cell's style in `buf` whose text is `needle`'s first cell, at its first occurrence.
pub fn style_at(buf: &Buffer, needle: &str) -> ratatui::style::Style {
    let (x, y) = find(buf, needle).unwrap_or_else(|| panic!("{needle:?} not on screen:\n{}", text(buf)));
    buf[(x, y)].style()
}

/// The path of the tree's selected entry (empty when none).
pub fn selected_path(app: &App) -> String {
    app.files
        .selected()
        .map(|n| app.analysis.tree.path(n))
        .unwrap_or_default()
}
