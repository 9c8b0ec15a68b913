//! The loading screen shown while the analysis runs on a worker thread: bytes decoded of bytes
//! total, layers done, the current stage. [`LoadState`] is shared with the worker through
//! atomics, so the loader's progress callback may be called from any thread (layers decode in
//! parallel). Draws only this screen; knows nothing of the analysis itself.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Gauge, Paragraph};

use deadweight::report::units;
use deadweight::source::LoadEvent;

use super::format;
use super::theme::Theme;

/// Progress so far, updated from the loader's threads.
#[derive(Debug, Default)]
pub struct LoadState {
    /// What is being loaded, as the user named it.
    pub title: String,
    layers_total: AtomicU64,
    layers_done: AtomicU64,
    bytes_total: AtomicU64,
    bytes_done: AtomicU64,
    stage: Mutex<String>,
}

impl LoadState {
    /// A state for loading `title`.
    pub fn new(title: &str) -> Self {
        Self {
            title: title.to_string(),
            stage: Mutex::new("reading the image".to_string()),
            ..Self::default()
        }
    }

    /// Applies one event of the loader (called from its decoding threads).
    pub fn report(&self, e: LoadEvent) {
        match e {
            LoadEvent::Layers { count, bytes } => {
                self.layers_total.store(count as u64, Ordering::Relaxed);
                self.bytes_total.store(bytes, Ordering::Relaxed);
            }
            LoadEvent::LayerDone { bytes } => {
                self.bytes_done.fetch_add(bytes, Ordering::Relaxed);
                self.layers_done.fetch_add(1, Ordering::Relaxed);
            }
            LoadEvent::Cached { .. } => {}
        }
    }

    /// Names the stage the work is in ("decoding layers").
    pub fn set_stage(&self, stage: &str) {
        if let Ok(mut g) = self.stage.lock() {
            *g = stage.to_string();
        }
    }

    /// (bytes done, bytes total, layers done, layers total).
    pub fn figures(&self) -> (u64, u64, u64, u64) {
        (
            self.bytes_done.load(Ordering::Relaxed),
            self.bytes_total.load(Ordering::Relaxed),
            self.layers_done.load(Ordering::Relaxed),
            self.layers_total.load(Ordering::Relaxed),
        )
    }

    /// The current stage.
    pub fn stage(&self) -> String {
        self.stage.lock().map(|g| g.clone()).unwrap_or_default()
    }
}

/// Draws the loading screen over all of `area`; `tick` animates the spinner.
pub fn render(state: &LoadState, theme: &Theme, frame: &mut Frame, area: Rect, tick: usize) {
    let (done, total, ldone, ltotal) = state.figures();
    let w = area.width.saturating_sub(4).min(72);
    let h = 7.min(area.height);
    let r = Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(true))
        .title(Span::styled(" deadweight ", theme.title(true)));
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let spin = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'][tick % 10];
    let mut lines = vec![
        Line::from(vec![
            Span::styled(format!("{spin} "), theme.key()),
            Span::raw(format::truncate_left(
                &state.title,
                inner.width.saturating_sub(2) as usize,
            )),
        ]),
        Line::from(Span::styled(state.stage(), theme.dim())),
    ];
    if ltotal > 0 {
        // Some sources (docker save streams) learn the layers before their sizes: no total then.
        let bytes = if total > 0 {
            format!("{} of {}", units::size(done), units::size(total))
        } else {
            format!("{} read", units::size(done))
        };
        lines.push(Line::from(format!("{bytes} · layers {ldone}/{ltotal}")));
    }
    lines.push(Line::from(Span::styled("q quits", theme.dim())));
    let text_h = (lines.len() as u16).min(inner.height);
    frame.render_widget(
        Paragraph::new(lines),
        Rect {
            height: text_h,
            ..inner
        },
    );
    if inner.height > text_h && total > 0 {
        let ratio = (done as f64 / total as f64).clamp(0.0, 1.0);
        let gauge = Gauge::default().gauge_style(theme.good()).ratio(ratio);
        frame.render_widget(
            gauge,
            Rect {
                y: inner.y + text_h,
                height: 1,
                ..inner
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::testing::text;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    #[test]
    fn loading_snapshots() {
        let state = LoadState::new("assets/sample.tar");
        state.report(LoadEvent::Layers {
            count: 8,
            bytes: 4_000_000,
        });
        state.report(LoadEvent::LayerDone { bytes: 1_500_000 });
        state.report(LoadEvent::LayerDone { bytes: 500_000 });
        state.set_stage("decoding layers");
        assert_eq!(state.figures(), (2_000_000, 4_000_000, 2, 8));
        for (w, h) in [(80u16, 24u16), (160, 48)] {
            let mut t = Terminal::new(TestBackend::new(w, h)).expect("terminal");
            t.draw(|f| render(&state, &Theme::default(), f, f.area(), 0))
                .expect("draw");
            insta::assert_snapshot!(format!("loading_{w}x{h}"), text(t.backend().buffer()));
        }
    }

    /// Layers known, sizes not (docker save): bytes read, and no `of 0 B`.
    #[test]
    fn no_total_of_zero_bytes() {
        let state = LoadState::new("image.tar");
        state.report(LoadEvent::Layers { count: 8, bytes: 0 });
        state.report(LoadEvent::LayerDone { bytes: 1_500_000 });
        let mut t = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
        t.draw(|f| render(&state, &Theme::default(), f, f.area(), 0))
            .expect("draw");
        let s = text(t.backend().buffer());
        assert!(
            s.contains(&format!("{} read · layers 1/8", units::size(1_500_000))),
            "{s}"
        );
        assert!(!s.contains(" of "), "{s}");
    }
}
