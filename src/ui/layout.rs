//! Where each pane goes for a terminal size: the left column (layers, layer details, image
//! summary), the main pane (file tree, findings or packages) above the file history, and the
//! status bar. One pure function, used both to draw and to map mouse clicks and scroll
//! heights, so the two can never disagree. Draws nothing.

use ratatui::layout::Rect;

/// Smallest terminal the panes are drawn in; below it a notice is shown instead.
pub const MIN_WIDTH: u16 = 60;
/// See [`MIN_WIDTH`].
pub const MIN_HEIGHT: u16 = 12;

/// The rectangles of every pane and of the list rows inside them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Areas {
    /// True when the terminal is below the minimum size.
    pub too_small: bool,
    /// Layer list pane.
    pub layers: Rect,
    /// Rows of the layer list.
    pub layer_rows: Rect,
    /// Layer details pane.
    pub details: Rect,
    /// Image summary pane.
    pub summary: Rect,
    /// Main pane (file tree, findings or packages).
    pub main: Rect,
    /// Rows of the file tree.
    pub tree_rows: Rect,
    /// Rows of the findings list.
    pub findings_rows: Rect,
    /// The selected finding's details.
    pub finding_detail: Rect,
    /// Rows of the packages list.
    pub list_rows: Rect,
    /// File history pane.
    pub history: Rect,
    /// Status bar (one line).
    pub status: Rect,
}

fn inner(r: Rect) -> Rect {
    Rect {
        x: r.x.saturating_add(1),
        y: r.y.saturating_add(1),
        width: r.width.saturating_sub(2),
        height: r.height.saturating_sub(2),
    }
}

/// `r` without its first `n` lines.
fn below(r: Rect, n: u16) -> Rect {
    let n = n.min(r.height);
    Rect {
        y: r.y + n,
        height: r.height - n,
        ..r
    }
}

/// Splits `r` into its first `n` lines and the rest.
fn split_v(r: Rect, n: u16) -> (Rect, Rect) {
    let n = n.min(r.height);
    (Rect { height: n, ..r }, below(r, n))
}

/// Lays out a terminal of size `full` for an image of `layer_count` layers; `wide` hides the
/// left column (layers, details, image) so the main pane has the whole width.
pub fn areas(full: Rect, layer_count: usize, wide: bool) -> Areas {
    if full.width < MIN_WIDTH || full.height < MIN_HEIGHT {
        return Areas {
            too_small: true,
            ..Areas::default()
        };
    }
    let (body, status) = split_v(full, full.height - 1);
    let left_w = if wide { 0 } else { (full.width * 2 / 5).clamp(30, 64) };
    let left = Rect { width: left_w, ..body };
    let right = Rect {
        x: body.x + left_w,
        width: body.width - left_w,
        ..body
    };
    let layers_h = u16::try_from(layer_count)
        .unwrap_or(u16::MAX)
        .saturating_add(3)
        .min(body.height / 2)
        .max(4);
    let (layers, rest) = split_v(left, layers_h);
    let details_h = (rest.height / 2).min(12);
    let (details, summary) = split_v(rest, details_h);
    let history_h = if body.height >= 30 { 9 } else { 6 };
    let (main, history) = split_v(right, body.height.saturating_sub(history_h));
    let parts = main_parts(inner(main));
    Areas {
        too_small: false,
        layers,
        layer_rows: below(inner(layers), 1),
        details,
        summary,
        main,
        tree_rows: parts.rows,
        findings_rows: parts.findings_rows,
        finding_detail: parts.finding_detail,
        list_rows: parts.rows,
        history,
        status,
    }
}

/// The parts of the main pane inside its border.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MainParts {
    /// The column header line.
    pub header: Rect,
    /// Everything below the header (tree and package rows).
    pub rows: Rect,
    /// The findings list (upper half of `rows`).
    pub findings_rows: Rect,
    /// The selected finding's details (lower half of `rows`).
    pub finding_detail: Rect,
}

/// Splits the inside of the main pane.
pub fn main_parts(r: Rect) -> MainParts {
    let (header, rows) = split_v(r, 1);
    let list_h = (rows.height / 2).max(3).min(rows.height);
    let (findings_rows, finding_detail) = split_v(rows, list_h);
    MainParts {
        header,
        rows,
        findings_rows,
        finding_detail,
    }
}

/// The row index of a list drawn in `rows` from `offset` that the point (`x`, `y`) is on.
pub fn hit(rows: Rect, offset: usize, x: u16, y: u16) -> Option<usize> {
    (x >= rows.x && x < rows.x + rows.width && y >= rows.y && y < rows.y + rows.height)
        .then(|| offset + (y - rows.y) as usize)
}

/// True when (`x`, `y`) is inside `r`.
pub fn contains(r: Rect, x: u16, y: u16) -> bool {
    x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height
}
/// The scroll offset that keeps `cursor` within `height` of `len` rows, moving as little as
/// possible and never leaving empty lines at the bottom while rows are above the screen.
pub fn scroll(offset: usize, cursor: usize, height: usize, len: usize) -> usize {
    let offset = if height == 0 || cursor < offset {
        cursor
    } else if cursor >= offset + height {
        cursor + 1 - height
    } else {
        offset
    };
    offset.min(len.saturating_sub(height))
}
