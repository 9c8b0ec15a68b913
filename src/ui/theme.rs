//! Colours and text styles of the TUI, in one place. With `NO_COLOR` set (and non-empty) every
//! style keeps its modifiers (bold, reverse, dim) but drops colours, so meaning is still carried
//! by the change markers (`+ ~ * = -`). Owns no state besides that one flag.

use ratatui::style::{Color, Modifier, Style};

use super::nodes::Mark;

/// The styles the panes draw with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    /// False when `NO_COLOR` asks for no colour.
    pub color: bool,
}

impl Default for Theme {
    fn default() -> Self {
        Self { color: true }
    }
}

impl Theme {
    /// Colour unless `NO_COLOR` is set to a non-empty value (<https://no-color.org>).
    pub fn from_env() -> Self {
        Self {
            color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
    }

    /// A theme without colours.
    #[cfg(test)]
    pub fn mono() -> Self {
        Self { color: false }
    }

    fn fg(&self, c: Color) -> Style {
        if self.color { Style::new().fg(c) } else { Style::new() }
    }

    /// Plain text.
    pub fn text(&self) -> Style {
        Style::new()
    }

    /// Secondary text: labels, context directories, base layers.
    pub fn dim(&self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new().add_modifier(Modifier::DIM)
        }
    }

    /// Headings and emphasised figures.
    pub fn bold(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    /// The border of a pane; the focused pane's stands out.
    pub fn border(&self, focused: bool) -> Style {
        match (focused, self.color) {
            (true, true) => Style::new().fg(Color::Cyan),
            (true, false) => Style::new().add_modifier(Modifier::BOLD),
            (false, _) => self.dim(),
        }
    }

    /// A pane title.
    pub fn title(&self, focused: bool) -> Style {
        let s = Style::new().add_modifier(Modifier::BOLD);
        if focused && self.color { s.fg(Color::Cyan) } else { s }
    }

    /// The cursor row: reversed in the focused pane, underlined elsewhere.
    pub fn cursor(&self, focused: bool) -> Style {
        if focused {
            Style::new().add_modifier(Modifier::REVERSED)
        } else {
            Style::new().add_modifier(Modifier::UNDERLINED)
        }
    }

    /// The style of a tree entry by how the selected layer changed it.
    pub fn mark(&self, mark: Mark) -> Style {
        match mark {
            Mark::Added => self.fg(Color::Green),
            Mark::Modified => self.fg(Color::Yellow),
            Mark::Metadata => self.fg(Color::Magenta),
            Mark::Unchanged => self.fg(Color::Blue),
            Mark::Deleted => self.fg(Color::Red),
            Mark::Context => self.dim(),
            Mark::Kept | Mark::Absent => self.text(),
        }
    }

    /// Bytes that are waste: hidden later, reclaimable.
    pub fn waste(&self) -> Style {
        self.fg(Color::Red)
    }

    /// Good news (efficiency, nothing found).
    pub fn good(&self) -> Style {
        self.fg(Color::Green)
    }

    /// A warning-level finding.
    pub fn warning(&self) -> Style {
        self.fg(Color::Yellow)
    }

    /// The text the user is typing in a prompt.
    pub fn input(&self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }

    /// Keys in hints and help.
    pub fn key(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
}
