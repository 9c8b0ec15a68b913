//! The interactive terminal UI (declared from `main.rs` only; the library never sees ratatui or
//! crossterm). [`run`] shows an analysed image; [`run_loading`] shows progress at once while a
//! loader runs on a worker thread, then the image. State lives in [`app`], input is applied by
//! [`update::update`] (pure, testable without a terminal), each pane draws itself from its own
//! file, and [`terminal`] guarantees the terminal is restored on every way out. This module
//! must not change the analysis, and nothing outside `src/ui` depends on its internals.

pub mod app;
pub mod dockerfile;
pub mod draw;
pub mod evidence;
pub mod file_history;
pub mod filter;
pub mod findings;
pub mod format;
pub mod help;
pub mod image_summary;
pub mod input;
pub mod layer_details;
pub mod layers;
pub mod layout;
pub mod loading;
pub mod main_frame;
pub mod mouse;
pub mod nodes;
pub mod package_rows;
pub mod packages;
pub mod rows;
pub mod status_bar;
pub mod terminal;
pub mod theme;
pub mod tree;
pub mod tree_view;
pub mod update;
pub mod viewer;

#[cfg(test)]
mod testing;
#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use crossterm::event::{self, KeyCode, KeyModifiers};
use deadweight::analysis::Analysis;
use deadweight::source::ProgressHook;
use ratatui::layout::Rect;

use app::App;
use loading::LoadState;
use terminal::Session;
use theme::Theme;
use update::Event;

/// How often the loop wakes without input: signals and the loader are checked this often.
const TICK: Duration = Duration::from_millis(100);

/// Starts the UI at once with a progress screen, runs `load` on a worker thread, then shows
/// its result. `load` gets the hook to hand the loader (`LoadOptions::progress`), which
/// the loader calls from any thread. `dockerfile` is the text of `--dockerfile`, for its view.
/// Fails without
/// drawing (and without loading) when stdout is not a terminal; a load error is returned after
/// the terminal is restored. Quitting while loading returns at once, leaving the worker to
/// end with the process.
pub fn run_loading<F>(title: &str, dockerfile: Option<&str>, reopen: viewer::Reopen, load: F) -> anyhow::Result<()>
where
    F: FnOnce(ProgressHook) -> anyhow::Result<Analysis> + Send + 'static,
{
    let mut session = Session::enter()?;
    let theme = Theme::from_env();
    let state = Arc::new(LoadState::new(title));
    state.set_stage("decoding and merging the layers, then the rules");
    let worker_state = Arc::clone(&state);
    let hook = ProgressHook(Arc::new(move |e| worker_state.report(e)));
    let worker = std::thread::Builder::new()
        .name("deadweight-load".into())
        .spawn(move || load(hook))
        .context("cannot start the analysis thread")?;
    let mut tick = 0usize;
    while !worker.is_finished() {
        if let Some(sig) = session.signal() {
            bail!("interrupted by {sig} while loading");
        }
        session
            .terminal
            .draw(|f| loading::render(&state, &theme, f, f.area(), tick))?;
        tick += 1;
        if event::poll(TICK)?
            && let event::Event::Key(k) = event::read()?
        {
            let ctrl_c = k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL);
            if ctrl_c || k.code == KeyCode::Char('q') || k.code == KeyCode::Esc {
                return Ok(());
            }
        }
    }
    let analysis = worker
        .join()
        .map_err(|_| anyhow!("the analysis failed unexpectedly (it panicked)"))??;
    let mut app = new_app(&session, Arc::new(analysis))?;
    if let Some(text) = dockerfile {
        app = app.with_dockerfile(text);
    }
    app.reopen = Some(reopen);
    event_loop(&mut session, app)
}

fn new_app(session: &Session, analysis: Arc<Analysis>) -> anyhow::Result<App> {
    let size = session.terminal.size().context("cannot read the terminal size")?;
    Ok(App::new(
        analysis,
        Theme::from_env(),
        Rect::new(0, 0, size.width, size.height),
    ))
}

fn event_loop(session: &mut Session, mut app: App) -> anyhow::Result<()> {
    let mut dirty = true;
    loop {
        if let Some(sig) = session.signal() {
            bail!("interrupted by {sig}");
        }
        if dirty {
            session.terminal.draw(|f| draw::draw(f, &app))?;
            dirty = false;
        }
        if app.quit {
            return Ok(());
        }
        if event::poll(TICK)? {
            // Apply every pending event before drawing again, so held keys never queue up.
            loop {
                if let Some(e) = Event::from_crossterm(event::read()?) {
                    update::update(&mut app, e);
                    dirty = true;
                }
                viewer::perform(&mut app);
                if let Some(text) = app.clipboard.take() {
                    terminal::copy(&text)?;
                }
                if app.quit || !event::poll(Duration::ZERO)? {
                    break;
                }
            }
        } else {
            // Idle for a tick: get the neighbouring layers ready (one pass per tick at most).
            app.prefetch();
        }
    }
}
