//! The main pane's frame: the tab labels on its top border and, on the right, a line of context
//! that describes what the pane shows now (the layer and view of the file tree, the scope of
//! the findings, the packages' sort and filter, the Dockerfile line's layer, the evidence list
//! or the viewed file). Reads the app; draws only the border, never the pane's content.

use deadweight::report::{units, wrap};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders};

use super::app::{App, Focus, Tab};
use super::nodes::ViewMode;
use super::rows::Sort;

/// The tab labels of the main pane's title, in order: padded where the pane is wide, with
/// shorter names where the full names would leave no room between its corners for the short
/// form of the context, and numbers alone where even the shorter names do not fit.
pub fn tab_labels(app: &App) -> Vec<(Tab, String)> {
    let width = app.areas().main.width as usize;
    let pad = if width >= 90 { " " } else { "" };
    let (findings, packages) = (app.analysis.findings.len(), app.package_rows.len());
    let with_dockerfile = |mut labels: Vec<(Tab, String)>, name: &str| {
        if app.dockerfile.is_some() {
            labels.push((Tab::Dockerfile, format!("{pad}4{name}{pad}")));
        }
        labels
    };
    let full = with_dockerfile(
        vec![
            (Tab::Files, format!("{pad}1 Files{pad}")),
            (Tab::Findings, format!("{pad}2 Findings {findings}{pad}")),
            (Tab::Packages, format!("{pad}3 Packages {packages}{pad}")),
        ],
        " Dockerfile",
    );
    let short = with_dockerfile(
        vec![
            (Tab::Files, "1 Files".to_string()),
            (Tab::Findings, format!("2 Finds {findings}")),
            (Tab::Packages, format!("3 Pkgs {packages}")),
        ],
        " Docker",
    );
    let numbers = with_dockerfile(
        vec![
            (Tab::Files, "1".to_string()),
            (Tab::Findings, format!("2:{findings}")),
            (Tab::Packages, format!("3:{packages}")),
        ],
        "",
    );
    // Each label with the separator or corner before it, the closing corner, and the short
    // context in spaces (as `frame_block` places it).
    let context = context(app).1.chars().count() + 2;
    let fits = |labels: &Vec<(Tab, String)>, context: usize| {
        labels.iter().map(|(_, l)| l.chars().count() + 1).sum::<usize>() + context < width
    };
    // Names matter more than the context: short names without it before numbers alone.
    [(full, context), (short.clone(), context), (short, 0)]
        .into_iter()
        .find(|(labels, context)| fits(labels, *context))
        .map_or(numbers, |(labels, _)| labels)
}

/// The tab whose label is at column `dx` of the main pane's top border.
pub fn tab_at(app: &App, dx: u16) -> Option<Tab> {
    let mut x = 1u16;
    for (tab, label) in tab_labels(app) {
        let w = label.chars().count() as u16;
        if dx >= x && dx < x + w {
            return Some(tab);
        }
        x += w + 1;
    }
    None
}

/// The context line of the main pane, long and short: what the pane shows now. With the layer
/// list focused, it leads with the layer being chosen, because that is what the keys change.
pub fn context(app: &App) -> (String, String) {
    let (long, short) = pane_context(app);
    if app.focus == Focus::Layers && !long.starts_with("layer ") {
        let n = app.layer_count();
        return (
            format!("layer {} of {n} · {long}", app.layer),
            format!("L{} {short}", app.layer),
        );
    }
    (long, short)
}

fn pane_context(app: &App) -> (String, String) {
    if let Some(v) = &app.viewer {
        return (format!("{} · layer {}", v.path, v.layer), format!("L{} view", v.layer));
    }
    if let Some(e) = app.evidence.as_ref().filter(|e| e.tab == app.tab) {
        let at = format!("{}/{}", (e.cursor.cursor + 1).min(e.items.len()), e.items.len());
        let layer = e.layer.map(|l| format!("layer {l} · ")).unwrap_or_default();
        return (format!("{layer}evidence {at}"), at);
    }
    match app.tab {
        Tab::Files => {
            let (view, v) = match app.files.view {
                ViewMode::Changes => ("changes only", "changes"),
                ViewMode::Cumulative => ("all layers up to it", "all"),
            };
            let sort = match app.files.sort {
                Sort::Size => "size",
                Sort::Name => "name",
            };
            (
                format!("layer {} · {view} · by {sort}", app.layer),
                format!("L{} {v}", app.layer),
            )
        }
        Tab::Findings => {
            let all = app.analysis.findings.len();
            if app.findings_here {
                let n = app.shown_findings().len();
                (
                    format!(
                        "layer {} · {n} of {}",
                        app.layer,
                        super::format::count(all, "finding", "findings")
                    ),
                    format!("L{} {n}/{all}", app.layer),
                )
            } else {
                (
                    format!("all layers · {}", super::format::count(all, "finding", "findings")),
                    format!("all {all}"),
                )
            }
        }
        Tab::Packages => {
            let by = if app.packages_by_size() { "size" } else { "name" };
            let all = app.package_rows.len();
            if app.package_filter.is_empty() {
                (format!("all layers · by {by}"), format!("by {by}"))
            } else {
                let n = app.shown_packages().len();
                (
                    format!("\"{}\" · {n} of {all} · by {by}", app.package_filter),
                    format!("{n}/{all}"),
                )
            }
        }
        Tab::Dockerfile => {
            let d = app.dockerfile.as_ref();
            let line = d.map_or(0, |d| d.cursor.cursor + 1);
            match d.and_then(|d| d.selected_layer(&app.analysis)) {
                Some(l) => {
                    let added = app.analysis.layers().get(l).map_or(0, |x| x.scan.content_bytes);
                    (
                        format!("line {line} · layer {l} · {} added", units::short(added)),
                        format!("{line}→L{l}"),
                    )
                }
                None => (format!("line {line} · no layer"), format!("line {line}")),
            }
        }
    }
}

/// The bordered main pane with its tabs and context; returns the area inside the border.
pub fn frame_block(app: &App, frame: &mut Frame, area: Rect) -> Rect {
    let focused = app.focus == Focus::Main;
    let t = &app.theme;
    let mut title: Vec<Span> = Vec::new();
    for (i, (tab, label)) in tab_labels(app).into_iter().enumerate() {
        if i > 0 {
            title.push(Span::styled("│", t.border(focused)));
        }
        let style = if tab == app.tab {
            t.title(focused).add_modifier(ratatui::style::Modifier::REVERSED)
        } else {
            t.dim()
        };
        title.push(Span::styled(label, style));
    }
    // Between the corners: the labels and their separators, then the context in spaces; the
    // long form keeps a border cell before it, the short one may touch the last label.
    let labels = tab_labels(app);
    let tabs_w: usize = labels.iter().map(|(_, l)| l.chars().count()).sum::<usize>() + labels.len() - 1;
    let room = (area.width as usize).saturating_sub(tabs_w + 2);
    let (long, short) = context(app);
    let fits = |s: &str| s.chars().count() + 2 <= room;
    let right = if long.chars().count() + 3 <= room {
        format!(" {long} ")
    } else if app.viewer.is_some() && room > 13 {
        // The viewed file's path leads its context: keep its end, the file's name.
        format!(" {} ", wrap::truncate_left(&long, room - 3))
    } else if fits(&short) {
        format!(" {short} ")
    } else {
        String::new()
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border(focused))
        .title(Line::from(title))
        .title(Line::from(Span::styled(right, t.dim())).right_aligned());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    inner
}
