//! End to end in a real terminal: tmux runs `deadweight assets/sample.tar` at 120x40, keys are
//! sent (move, expand, switch view, filter, help, quit), the screen is read with capture-pane,
//! and after `q` the process must have exited 0 with the terminal back on the normal screen.
//! Skips with a notice when tmux is not installed (`.ci/run` installs it).

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
}

impl Tmux {
    fn cmd(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("run tmux")
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.cmd(&["capture-pane", "-p", "-t", "dw"]).stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            let out = self.cmd(&["send-keys", "-t", "dw", k]);
            assert!(
                out.status.success(),
                "send-keys {k}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }

    fn display(&self, format: &str) -> String {
        let out = self.cmd(&["display-message", "-p", "-t", "dw", format]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Waits until the screen contains `text`; panics with the screen after 20 s.
    fn wait_for(&self, text: &str) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if s.contains(text) {
                return s;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "{text:?} never appeared on:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]);
    }
}

fn tmux_available() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn tui_in_tmux_moves_expands_filters_switches_view_helps_and_quits_clean() {
    if !tmux_available() {
        eprintln!("skipped: tmux is not installed (apt-get install tmux)");
        return;
    }
    let bin = std::env::var_os("DEADWEIGHT_TUI_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| assert_cmd::cargo::cargo_bin("deadweight"));
    let root = env!("CARGO_MANIFEST_DIR");
    let t = Tmux {
        socket: format!("deadweight-tui-{}", std::process::id()),
    };
    let shell = format!(
        "cd '{root}' && '{}' assets/sample.tar; echo \"EXITED:$?\"; sleep 60",
        bin.display()
    );
    let out = t.cmd(&["new-session", "-d", "-s", "dw", "-x", "120", "-y", "40", &shell]);
    assert!(out.status.success(), "tmux: {}", String::from_utf8_lossy(&out.stderr));

    let s = t.wait_for("Layers 8");
    assert!(s.contains("usr/") && s.contains("Files"), "{s}");
    assert_eq!(
        t.display("#{alternate_on}"),
        "1",
        "the UI draws on the alternate screen"
    );

    // Move to /var and expand it.
    t.keys(&["j", "j", "Space"]);
    t.wait_for("cache/");

    // Only the selected layer's changes, then back to everything up to it.
    t.keys(&["v"]);
    t.wait_for("changes");
    t.keys(&["v"]);

    // Filter paths, live.
    t.keys(&["C-f", "s", "i", "x", "Enter"]);
    let s = t.wait_for("path~\"six\"");
    assert!(
        s.contains("▸ app/") && !s.contains("▸ var/"),
        "the filter hides /var:\n{s}"
    );

    // Help, then close it.
    t.keys(&["?"]);
    t.wait_for("ctrl+space");
    t.keys(&["Escape"]);

    // Quit: the process ends with 0 and the terminal is back.
    t.keys(&["q"]);
    let s = t.wait_for("EXITED:");
    assert!(s.contains("EXITED:0"), "{s}");
    assert_eq!(t.display("#{alternate_on}"), "0", "alternate screen left");
    assert!(!s.contains("Layers 8"), "no UI left on the normal screen:\n{s}");
    assert_eq!(t.display("#{cursor_flag}"), "1", "cursor shown again");
}

#[test]
fn tui_killed_by_a_signal_gives_the_terminal_back() {
    if !tmux_available() {
        eprintln!("skipped: tmux is not installed (apt-get install tmux)");
        return;
    }
    let bin = assert_cmd::cargo::cargo_bin("deadweight");
    let root = env!("CARGO_MANIFEST_DIR");
    let dir = tempfile::tempdir().unwrap();
    for sig in ["TERM", "HUP", "INT"] {
        let pidfile = dir.path().join(format!("{sig}.pid"));
        let t = Tmux {
            socket: format!("deadweight-sig-{sig}-{}", std::process::id()),
        };
        // `exec` so that the recorded PID is deadweight's; afterwards the shell reports the
        // exit status and the terminal modes the process left behind.
        let shell = format!(
            "cd '{root}' && sh -c 'echo $$ > {pid}; exec {bin} assets/sample.tar'; echo \"EXITED:$?\"; \
             stty -a | tr ' ;' '\\n\\n' | grep -x -e -icanon -e icanon -e -echo -e echo | tr '\\n' ' '; \
             echo MODES; sleep 60",
            pid = pidfile.display(),
            bin = bin.display()
        );
        let out = t.cmd(&["new-session", "-d", "-s", "dw", "-x", "120", "-y", "40", &shell]);
        assert!(out.status.success(), "tmux: {}", String::from_utf8_lossy(&out.stderr));
        t.wait_for("Layers 8");
        assert_eq!(t.display("#{alternate_on}"), "1");
        let pid = std::fs::read_to_string(&pidfile).unwrap();
        let kill = Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(pid.trim())
            .status()
            .unwrap();
        assert!(kill.success(), "kill -{sig}");
        let s = t.wait_for("MODES");
        assert!(
            s.contains("EXITED:2") && s.contains("interrupted by SIG"),
            "{sig}:\n{s}"
        );
        assert!(
            s.contains("icanon echo") && !s.contains("-icanon"),
            "{sig}: raw mode left on:\n{s}"
        );
        assert_eq!(t.display("#{alternate_on}"), "0", "{sig}: alternate screen left");
        assert_eq!(t.display("#{cursor_flag}"), "1", "{sig}: cursor hidden");
    }
}

/// Kills the child on drop, so a failing test leaves no explorer behind.
struct Reaped(std::process::Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The explorer runs in a pseudo-terminal of its own (not its controlling terminal, so no
/// SIGHUP comes: only the hangup on its input and output); the test closes the terminal's
/// other end under it, as closing a window or killing a tmux pane does. The process must be
/// gone soon after, with 129 (hangup) or 2 (error), and not spin on the dead terminal.
#[test]
fn tui_ends_when_its_terminal_goes_away() {
    use rustix::event::{PollFd, PollFlags, Timespec, poll};
    use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
    use std::io::Read;
    use std::process::Stdio;

    let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC).expect("openpt");
    grantpt(&master).expect("grantpt");
    unlockpt(&master).expect("unlockpt");
    let name = ptsname(&master, Vec::new()).expect("ptsname");
    rustix::termios::tcsetwinsize(
        &master,
        rustix::termios::Winsize {
            ws_row: 40,
            ws_col: 120,
            ws_xpixel: 0,
            ws_ypixel: 0,
        },
    )
    .expect("window size");
    let slave = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(name.to_str().expect("pty name"))
        .expect("open the pty");
    let root = env!("CARGO_MANIFEST_DIR");
    let child = Command::new(assert_cmd::cargo::cargo_bin("deadweight"))
        .arg("assets/sample.tar")
        .current_dir(root)
        .env("TERM", "xterm-256color")
        .stdin(Stdio::from(slave.try_clone().expect("dup")))
        .stdout(Stdio::from(slave.try_clone().expect("dup")))
        .stderr(Stdio::from(slave))
        .spawn()
        .expect("start deadweight");
    let mut child = Reaped(child);

    // Read what it draws until the layer list is up.
    let mut master = std::fs::File::from(master);
    let mut seen = Vec::new();
    let start = Instant::now();
    let tick = Timespec {
        tv_sec: 0,
        tv_nsec: 100_000_000,
    };
    while !String::from_utf8_lossy(&seen).contains("Layers 8") {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the explorer never drew its layers:\n{}",
            String::from_utf8_lossy(&seen)
        );
        let mut fds = [PollFd::new(&master, PollFlags::IN)];
        if poll(&mut fds, Some(&tick)).expect("poll") > 0 {
            let mut buf = [0u8; 65536];
            let n = master.read(&mut buf).expect("read the pty");
            seen.extend_from_slice(&buf[..n]);
        }
    }

    drop(master);
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.0.try_wait().expect("wait") {
            break status;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "deadweight still runs 10 s after its terminal went away"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(
        matches!(status.code(), Some(129 | 2)),
        "ended with {status:?}, not 129 or 2"
    );
}
