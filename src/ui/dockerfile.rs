//! The Dockerfile view (tab 4, with `--dockerfile`): every line of the Dockerfile, like a
//! profiler's source view, with the bytes its layers added, the bytes of theirs that later
//! layers deleted or replaced, and the rules that found something there. Lines that made no
//! layer are dimmed. Enter (in `update`) selects the line's layer. Owns the Dockerfile's text
//! and its parse (the analysis keeps only line numbers); reads the analysis for the figures.

use deadweight::analysis::Analysis;
use deadweight::analysis::dockerfile::{self, DockerInstruction, Dockerfile};
use deadweight::report::units;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::app::{App, Focus, ListCursor};
use super::format;
use super::layout::main_parts;

/// The Dockerfile the image was built from, as the explorer shows it.
#[derive(Debug, Clone)]
pub struct DockerfileView {
    /// Its lines, without line ends.
    pub lines: Vec<String>,
    /// Its instructions.
    parsed: Dockerfile,
    /// Cursor (a 0-based line index) and scroll position.
    pub cursor: ListCursor,
}

/// What one line stands for: the figures of the layers its instruction made.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineFigures {
    /// The layers made by the instruction that starts on this line.
    pub layers: Vec<usize>,
    /// Bytes those layers added.
    pub added: u64,
    /// Bytes of theirs that later layers deleted or replaced.
    pub wasted: u64,
    /// Rules with findings on this line.
    pub rules: Vec<&'static str>,
}

impl DockerfileView {
    /// The view of `text`; `None` when it does not parse (the analysis did not use it either).
    pub fn new(text: &str) -> Option<Self> {
        let parsed = dockerfile::parse(text).ok()?;
        Some(Self {
            lines: text.lines().map(str::to_string).collect(),
            parsed,
            cursor: ListCursor::default(),
        })
    }

    /// Every instruction, global `ARG`s included, in file order.
    fn instructions(&self) -> impl Iterator<Item = &DockerInstruction> {
        self.parsed
            .global_args
            .iter()
            .chain(self.parsed.stages.iter().flat_map(|s| s.instructions.iter()))
    }

    /// The instruction whose lines include `line` (1-based).
    pub fn instruction_at(&self, line: usize) -> Option<&DockerInstruction> {
        self.instructions().find(|i| (i.line..=i.end_line).contains(&line))
    }

    /// The instruction starting on `line` as one line of text (`COPY . /app`).
    pub fn text_of(&self, line: usize) -> Option<String> {
        self.instructions().find(|i| i.line == line).map(|i| i.text())
    }

    /// The figures of `line` (1-based): what the layers made by the instruction starting there
    /// added and wasted, and the rules that found something there.
    pub fn figures(a: &Analysis, line: usize) -> LineFigures {
        let mut f = LineFigures::default();
        for (i, o) in a.attribution.layers.iter().enumerate() {
            if o.dockerfile_line == Some(line) {
                f.layers.push(i);
                f.added += a.layers().get(i).map_or(0, |l| l.scan.content_bytes);
                f.wasted += a.merge.get(i).map_or(0, |m| m.hidden_later_bytes);
            }
        }
        for x in a.findings.iter().filter(|x| x.dockerfile_line == Some(line)) {
            if !f.rules.contains(&x.rule) {
                f.rules.push(x.rule);
            }
        }
        f
    }

    /// The layer made by the instruction the cursor is on, if it made one.
    pub fn selected_layer(&self, a: &Analysis) -> Option<usize> {
        let start = self.instruction_at(self.cursor.cursor + 1)?.line;
        Self::figures(a, start).layers.last().copied()
    }
}

/// Draws the Dockerfile view in `area` (inside the main pane's border).
pub fn render(app: &App, d: &DockerfileView, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let a = &app.analysis;
    let parts = main_parts(area);
    let header = format!(
        "{:>4} {:>8} {:>8} {:<5} Instruction",
        "Line", "Added", "Wasted", "Layer"
    );
    let header = format::clip(Line::from(Span::styled(header, t.dim())), parts.header.width as usize);
    frame.render_widget(Paragraph::new(header), parts.header);
    let height = parts.rows.height as usize;
    let text_w = (area.width as usize).saturating_sub(29);
    let lines: Vec<Line> = d
        .cursor
        .window(&d.lines, height)
        .map(|(i, text, selected)| {
            let n = i + 1;
            let within = d.instruction_at(n);
            let starts = within.is_some_and(|x| x.line == n);
            let f = if starts {
                DockerfileView::figures(a, n)
            } else {
                LineFigures::default()
            };
            let made = within.is_some_and(|x| !DockerfileView::figures(a, x.line).layers.is_empty());
            let size = |b: u64, s| {
                if starts && !f.layers.is_empty() {
                    Span::styled(format!("{:>8} ", units::short(b)), s)
                } else {
                    Span::raw(format!("{:>8} ", ""))
                }
            };
            let layer = match f.layers.as_slice() {
                [] => String::new(),
                [l] => l.to_string(),
                [l, ..] => format!("{l}+"),
            };
            let mut spans = vec![
                Span::styled(format!("{n:>4} "), t.dim()),
                size(f.added, t.bold()),
                size(f.wasted, if f.wasted > 0 { t.waste() } else { t.dim() }),
                Span::raw(format!("{layer:<5} ")),
            ];
            // The line's findings keep their room: its text is cut first, down to half the
            // column (8 cells at least); past that the findings are cut, with a `…`.
            let rules_w = if f.rules.is_empty() {
                0
            } else {
                f.rules.join(" ").chars().count() + 2
            };
            let room = text_w.saturating_sub(rules_w).max((text_w / 2).max(8).min(text_w));
            spans.push(Span::styled(
                format::truncate(text, room),
                if made { t.text() } else { t.dim() },
            ));
            if !f.rules.is_empty() {
                spans.push(Span::styled(format!("  {}", f.rules.join(" ")), t.warning()));
            }
            let line = format::clip(Line::from(spans), parts.rows.width as usize);
            if selected {
                line.patch_style(t.cursor(app.focus == Focus::Main))
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), parts.rows);
}
