//! The terminal: refuses to start when stdout is not a terminal, enters raw mode, the
//! alternate screen and mouse capture, and always gives the terminal back: on drop (quit or
//! error), from the panic hook, and after SIGTERM, SIGINT or SIGHUP (caught with signal-hook
//! and turned into a clean exit of the event loop). A terminal that goes away (its window
//! closed, its pty's other end gone) ends the process at once with status 129, from a watch
//! thread: crossterm's reader spins on the dead terminal and never hands control back. Knows
//! nothing of the app's state.

use std::io::{self, IsTerminal, Stdout};
use std::sync::Arc;
use std::sync::Once;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

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
    /// Cleared on drop, which ends the hangup watch.
    watching: Arc<AtomicBool>,
}

/// The exit status when the terminal hangs up (128 + SIGHUP, as a shell reports it).
pub const HANGUP_STATUS: i32 = 129;

/// How often the hangup watch looks whether the session is still open.
const WATCH_TICK: Duration = Duration::from_millis(250);

/// Starts the thread that ends the process with [`HANGUP_STATUS`] when stdout, or stdin where
/// it is a terminal, reports a hangup or an error; it stops when `watching` is cleared. The
/// terminal is not restored: there is none left to restore.
fn watch_hangup(watching: Arc<AtomicBool>) -> io::Result<()> {
    use rustix::event::{PollFd, PollFlags, Timespec, poll};
    let tick = Timespec::try_from(WATCH_TICK).unwrap_or(Timespec {
        tv_sec: 0,
        tv_nsec: 250_000_000,
    });
    std::thread::Builder::new()
        .name("deadweight-hangup".into())
        .spawn(move || {
            let (stdin, stdout) = (io::stdin(), io::stdout());
            let stdin_tty = stdin.is_terminal();
            while watching.load(Ordering::Relaxed) {
                // No events asked for: poll reports only hangups and errors.
                let mut fds = vec![PollFd::new(&stdout, PollFlags::empty())];
                if stdin_tty {
                    fds.push(PollFd::new(&stdin, PollFlags::empty()));
                }
                let gone = match poll(&mut fds, Some(&tick)) {
                    Ok(0) => false,
                    Ok(_) => fds.iter().any(|f| !f.revents().is_empty()),
                    Err(e) => e != rustix::io::Errno::INTR,
                };
                if gone && watching.load(Ordering::Relaxed) {
                    std::process::exit(HANGUP_STATUS);
                }
            }
        })
        .map(drop)
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
        let watching = Arc::new(AtomicBool::new(true));
        let started = setup().and_then(|t| {
            watch_hangup(Arc::clone(&watching)).context("cannot start the terminal watch")?;
            Ok(t)
        });
        match started {
            Ok(terminal) => Ok(Self {
                terminal,
                signal,
                handlers,
                watching,
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
        self.watching.store(false, Ordering::Relaxed);
        restore();
        for id in self.handlers.drain(..) {
            signal_hook::low_level::unregister(id);
        }
    }
}
