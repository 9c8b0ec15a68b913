//! The terminal: refuses to start when stdout is not a terminal, enters raw mode, the
//! alternate screen and mouse capture, and always gives the terminal back: on drop (quit or
//! error), from the panic hook, and after SIGTERM, SIGINT or SIGHUP (caught with signal-hook
//! and turned into a clean exit of the event loop). Knows nothing of the app's state.

use std::io::{self, IsTerminal, Stdout};
use std::sync::Arc;
use std::sync::Once;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use anyhow::{Context, bail};
use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode};
use crossterm::{cursor, execute};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use signal_hook::SigId;
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

/// The message shown instead of drawing when stdout is not a terminal.
pub const NOT_A_TERMINAL: &str = "the interactive view needs a terminal, and stdout is not one; \
     run it in a terminal, or ask for a report with --json FILE (or --json - for stdout)";

/// Fails with [`NOT_A_TERMINAL`] when stdout is not a terminal.
pub fn check() -> anyhow::Result<()> {
    if !io::stdout().is_terminal() {
        bail!(NOT_A_TERMINAL);
    }
    Ok(())
}

/// Puts the terminal back as it was. Safe to call more than once and from any thread.
pub fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(io::stdout(), DisableMouseCapture, LeaveAlternateScreen, cursor::Show);
}

static PANIC_HOOK: Once = Once::new();

fn install_panic_hook() {
    PANIC_HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    });
}

/// The terminal in TUI mode; dropping it restores the terminal.
pub struct Session {
    /// The ratatui terminal over stdout.
    pub terminal: Terminal<CrosstermBackend<Stdout>>,
    signal: Arc<AtomicUsize>,
    handlers: Vec<SigId>,
}

impl Session {
    /// Checks stdout, installs the panic hook and signal handlers, then enters raw mode, the
    /// alternate screen and mouse capture.
    pub fn enter() -> anyhow::Result<Self> {
        check()?;
        install_panic_hook();
        let signal = Arc::new(AtomicUsize::new(0));
        let armed = Arc::new(AtomicBool::new(false));
        let mut handlers = Vec::new();
        for sig in [SIGTERM, SIGINT, SIGHUP] {
            // The first signal sets the flags and the loop exits cleanly; a second one while
            // the first is pending ends the process at once (exit 1), as a stuck loop would.
            let ids = [
                signal_hook::flag::register_conditional_shutdown(sig, 1, Arc::clone(&armed)),
                signal_hook::flag::register(sig, Arc::clone(&armed)),
                signal_hook::flag::register_usize(sig, Arc::clone(&signal), sig as usize),
            ];
            for id in ids {
                handlers.push(id.context("cannot install a signal handler")?);
            }
        }
        let setup = || -> anyhow::Result<Terminal<CrosstermBackend<Stdout>>> {
            enable_raw_mode().context("cannot put the terminal in raw mode")?;
            let mut stdout = io::stdout();
            execute!(stdout, EnterAlternateScreen, EnableMouseCapture, cursor::Hide)
                .context("cannot set up the terminal")?;
            Terminal::new(CrosstermBackend::new(stdout)).context("cannot set up the terminal")
        };
        match setup() {
            Ok(terminal) => Ok(Self {
                terminal,
                signal,
                handlers,
            }),
            Err(e) => {
                restore();
                for id in handlers {
                    signal_hook::low_level::unregister(id);
                }
                Err(e)
            }
        }
    }

    /// The signal received, if one was: the event loop then ends and the terminal is restored.
    pub fn signal(&self) -> Option<&'static str> {
        match self.signal.load(Ordering::Relaxed) {
            0 => None,
            s if s == SIGTERM as usize => Some("SIGTERM"),
            s if s == SIGINT as usize => Some("SIGINT"),
            s if s == SIGHUP as usize => Some("SIGHUP"),
            _ => Some("a signal"),
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        restore();
        for id in self.handlers.drain(..) {
            signal_hook::low_level::unregister(id);
        }
    }
}
