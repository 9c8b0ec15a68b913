//! Which words of a shell command run a pip install: `pip install`, `pip3 install`,
//! `pip3.12 install`, any path to them (`/opt/venv/bin/pip install`), `python -m pip install`
//! (any python, any path) and `uv pip install`. The one recogniser of pip commands for the
//! rules that read RUN lines and for `fix`, which edits them. Works on words already split;
//! finding them in text (offsets, continuations, quotes) is the caller's.

/// The program behind a pip install.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Installer {
    /// pip itself, run directly or as `python -m pip`: its cache flag is `--no-cache-dir`.
    Pip,
    /// `uv pip install`: pip's interface, uv's cache (`--no-cache`).
    Uv,
}

/// A pip install at the start of some words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PipInstall {
    /// Which program installs.
    pub installer: Installer,
    /// How many words name the command, `install` included (2 for `pip install`, 4 for
    /// `python -m pip install`): its arguments follow.
    pub words: usize,
}

/// The last path component of a word.
fn base(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

/// `stem`, optionally followed by a version made of digits and dots (`pip3`, `python3.12`).
fn versioned(word: &str, stem: &str) -> bool {
    base(word)
        .strip_prefix(stem)
        .is_some_and(|v| v.bytes().all(|b| b.is_ascii_digit() || b == b'.') && !v.starts_with('.'))
}

/// The pip install that `words` start with, if they start with one.
pub fn at_start<S: AsRef<str>>(words: &[S]) -> Option<PipInstall> {
    let w = |i: usize| words.get(i).map(AsRef::as_ref);
    let first = w(0)?;
    let (installer, n) = if versioned(first, "pip") {
        (Installer::Pip, 1)
    } else if versioned(first, "python") && w(1) == Some("-m") && w(2) == Some("pip") {
        (Installer::Pip, 3)
    } else if base(first) == "uv" && w(1) == Some("pip") {
        (Installer::Uv, 2)
    } else {
        return None;
    };
    (w(n) == Some("install")).then_some(PipInstall {
        installer,
        words: n + 1,
    })
}

/// Every pip install among `words` with the index of its first word, left to right; the words
/// of one are not searched again (`uv pip install` is uv's, not also a `pip install`).
pub fn find<S: AsRef<str>>(words: &[S]) -> Vec<(usize, PipInstall)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        match at_start(&words[i..]) {
            Some(found) => {
                out.push((i, found));
                i += found.words;
            }
            None => i += 1,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first(line: &str) -> Option<(usize, PipInstall)> {
        let words: Vec<&str> = line.split_whitespace().collect();
        find(&words).into_iter().next()
    }

    fn pip(at: usize, words: usize) -> Option<(usize, PipInstall)> {
        Some((
            at,
            PipInstall {
                installer: Installer::Pip,
                words,
            },
        ))
    }

    #[test]
    fn every_form_of_pip_is_pip() {
        assert_eq!(first("pip install flask"), pip(0, 2));
        assert_eq!(first("pip3 install flask"), pip(0, 2));
        assert_eq!(first("pip3.12 install flask"), pip(0, 2));
        assert_eq!(first("/opt/venv/bin/pip install flask"), pip(0, 2));
        assert_eq!(first("/opt/venv/bin/pip3 install -r r.txt"), pip(0, 2));
        assert_eq!(first("/usr/local/bin/pip3.11 install x"), pip(0, 2));
        assert_eq!(first("python -m pip install flask"), pip(0, 4));
        assert_eq!(first("python3 -m pip install flask"), pip(0, 4));
        assert_eq!(first("python3.12 -m pip install flask"), pip(0, 4));
        assert_eq!(first("/opt/venv/bin/python -m pip install flask"), pip(0, 4));
        assert_eq!(first("cd /app && /opt/venv/bin/pip install ."), pip(3, 2));
    }

    #[test]
    fn uv_pip_is_uvs_and_found_once() {
        let uv = Some((
            0,
            PipInstall {
                installer: Installer::Uv,
                words: 3,
            },
        ));
        assert_eq!(first("uv pip install flask"), uv);
        assert_eq!(first("/usr/local/bin/uv pip install flask"), uv);
        let words: Vec<&str> = "uv pip install flask".split_whitespace().collect();
        assert_eq!(find(&words).len(), 1, "the `pip install` inside is uv's");
    }

    #[test]
    fn other_commands_are_not_pip_installs() {
        for line in [
            "pipx install black",
            "pipenv install",
            "mypip install x",
            "pip download flask",
            "pip3.x install flask",
            "pip.3 install flask",
            "python -m venv /opt/venv",
            "python -m pipx install x",
            "uv sync",
            "uv pip sync r.txt",
            "apt-get install -y python3-pip",
            "pip",
        ] {
            assert_eq!(first(line), None, "{line}");
        }
    }
}
