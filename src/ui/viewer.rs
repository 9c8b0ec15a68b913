//! The file viewer (`e` on a regular file in the tree): the first MiB of the file as the
//! selected layer stores it, read again from the image (never unpacked to disk), as text with
//! line numbers or as a hex dump for binary content; and extraction (`x` in the viewer) to a
//! path the user types, which never overwrites without a `y` and writes nothing but that path
//! (an existing entry there, a symlink included, is removed first, then the file is created
//! new). The reads and writes happen in [`perform`], which the event loop calls after `update`
//! asked for them, so `update` stays free of I/O.

use std::io::Write;
use std::path::Path;

use deadweight::model::EntryKind;
use deadweight::source::reference::ImageSpec;
use deadweight::source::{content, reference, resolve::Selection};

/// How to read the image again for the viewer: what the binary opened it with.
#[derive(Debug, Clone)]
pub struct Reopen {
    /// The parsed image argument (with any `--source`).
    pub spec: ImageSpec,
    /// The `--tag`/`--platform` pick.
    pub selection: Selection,
    /// `--storage DIR` (containerd's root, for `containerd://NAME`).
    pub storage: Option<std::path::PathBuf>,
}
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::app::App;
use super::format;

/// How much of a file the viewer shows.
pub const VIEW_LIMIT: u64 = 1 << 20;

/// A file open in the viewer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    /// The file's path.
    pub path: String,
    /// The layer whose copy is shown.
    pub layer: usize,
    /// Its first [`VIEW_LIMIT`] bytes.
    pub content: Vec<u8>,
    /// True when the file is longer than what is shown.
    pub truncated: bool,
    /// First line on screen.
    pub scroll: usize,
    /// Columns a text's lines are scrolled to the left by (`}` and `{`), line numbers kept.
    pub hscroll: usize,
}

/// I/O that `update` asks the event loop for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Open the selected file in the viewer.
    View,
    /// Write the viewed file to this path; `overwrite` when the user said yes.
    Extract {
        /// Where to.
        to: String,
        /// Replace what is there.
        overwrite: bool,
    },
}

impl Viewer {
    /// True when the content is not text (a NUL, or not UTF-8).
    pub fn binary(&self) -> bool {
        self.content.contains(&0) || std::str::from_utf8(&self.content).is_err() && !self.truncated
    }

    /// The lines the viewer shows in `width` columns: numbered text, or a hex dump of 16 bytes
    /// a line, 8 or 4 where 16 would not fit (so a hex row is never cut).
    pub fn lines(&self, width: usize) -> Vec<String> {
        if self.binary() {
            // A row of n bytes: offset, two spaces, n hex pairs with spaces, a space, n chars.
            let n = [16, 8, 4].into_iter().find(|n| 11 + 4 * n <= width).unwrap_or(4);
            return self
                .content
                .chunks(n)
                .enumerate()
                .map(|(i, c)| {
                    let hex: Vec<String> = c.iter().map(|b| format!("{b:02x}")).collect();
                    let text: String = c
                        .iter()
                        .map(|&b| {
                            if b.is_ascii_graphic() || b == b' ' {
                                b as char
                            } else {
                                '.'
                            }
                        })
                        .collect();
                    format!("{:08x}  {:<w$} {text}", i * n, hex.join(" "), w = 3 * n)
                })
                .collect();
        }
        String::from_utf8_lossy(&self.content)
            .lines()
            .enumerate()
            .map(|(i, l)| format!("{:>5}  {}", i + 1, l.replace('\t', "    ")))
            .collect()
    }
}

/// Carries out what `update` asked for, if anything: reads the selected file for the viewer,
/// or writes the viewed file out. Failures become the status message.
pub fn perform(app: &mut App) {
    let Some(request) = app.request.take() else { return };
    let result = match request {
        Request::View => open(app),
        Request::Extract { to, overwrite } => extract(app, &to, overwrite),
    };
    if let Err(e) = result {
        app.message = Some(e);
    }
}

/// The selected entry's path and the layer of the copy the tree shows, when it is a file.
fn selected_file(app: &App) -> Result<(String, usize), String> {
    let node = app.files.selected().ok_or("no entry selected")?;
    let path = app.analysis.tree.path(node);
    match super::tree::row_version(app, node) {
        Some(v) if v.kind == EntryKind::File => Ok((path, v.layer as usize)),
        _ => Err(format!("{path} is not a regular file in this view")),
    }
}

/// The image as it was opened: the binary's own spec and selection (so that a `--tag` or
/// `--platform` pick, or a `--source`, reads the same image again), else the reference as
/// shown, read with the defaults.
fn reopen(app: &App) -> Result<Reopen, String> {
    match &app.reopen {
        Some(r) => Ok(r.clone()),
        None => reference::parse(&app.analysis.image.reference, None)
            .map(|spec| Reopen {
                spec,
                selection: Selection::default(),
                storage: None,
            })
            .map_err(|e| e.to_string()),
    }
}

impl Reopen {
    fn image(&self) -> content::Reopen<'_> {
        content::Reopen {
            spec: &self.spec,
            selection: &self.selection,
            storage: self.storage.as_deref(),
        }
    }
}

fn open(app: &mut App) -> Result<(), String> {
    let (path, layer) = selected_file(app)?;
    let image = reopen(app)?;
    let (content, truncated) =
        content::read_entry(image.image(), layer, path.as_bytes(), VIEW_LIMIT).map_err(|e| e.to_string())?;
    app.viewer = Some(Viewer {
        path,
        layer,
        content,
        truncated,
        scroll: 0,
        hscroll: 0,
    });
    Ok(())
}

fn extract(app: &mut App, to: &str, overwrite: bool) -> Result<(), String> {
    let Some(v) = app.viewer.as_ref() else { return Ok(()) };
    let target = Path::new(to);
    let exists = target.symlink_metadata().is_ok();
    if exists && !overwrite {
        app.confirm = Some(to.to_string());
        app.message = Some(format!("{to} exists: y overwrites it, any other key keeps it"));
        return Ok(());
    }
    if exists {
        if target.symlink_metadata().is_ok_and(|m| m.is_dir()) {
            return Err(format!("{to} is a directory; give a file path"));
        }
        // Remove the entry itself (a symlink is not followed), then create the file new.
        std::fs::remove_file(target).map_err(|e| format!("cannot replace {to}: {e}"))?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(target)
        .map_err(|e| format!("cannot create {to}: {e}"))?;
    let image = reopen(app)?;
    let written = content::copy_entry(image.image(), v.layer, v.path.as_bytes(), u64::MAX, &mut file)
        .map_err(|e| e.to_string())?;
    file.flush().map_err(|e| format!("cannot write {to}: {e}"))?;
    app.message = Some(format!("wrote {} ({written} bytes) to {to}", v.path));
    Ok(())
}

/// A text line scrolled `v.hscroll` columns to the left after its line number, `…` marking
/// what is off to the left; a hex row as it is (it always fits).
fn shifted(line: &str, v: &Viewer) -> String {
    const NUMBER: usize = 7;
    if v.hscroll == 0 || v.binary() || line.chars().count() <= NUMBER {
        return line.to_string();
    }
    let number: String = line.chars().take(NUMBER).collect();
    let rest: String = line.chars().skip(NUMBER + v.hscroll).collect();
    format!("{number}…{rest}")
}

/// Draws the viewer over `area` (the main pane's inside).
pub fn render(app: &App, v: &Viewer, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let kind = if v.binary() { "hex" } else { "text" };
    let more = if v.truncated { ", first MiB" } else { "" };
    let head = format!("{} @ layer {} ({kind}{more}) · x extract · esc close", v.path, v.layer);
    frame.render_widget(
        Paragraph::new(Span::styled(format::truncate_left(&head, area.width as usize), t.dim())),
        Rect { height: 1, ..area },
    );
    let rows = Rect {
        y: area.y + 1,
        height: area.height.saturating_sub(1),
        ..area
    };
    let lines: Vec<Line> = v
        .lines(rows.width as usize)
        .into_iter()
        .skip(v.scroll)
        .take(rows.height as usize)
        .map(|l| Line::from(format::truncate(&shifted(&l, v), rows.width as usize)))
        .collect();
    frame.render_widget(Paragraph::new(lines), rows);
}
