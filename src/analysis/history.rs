//! Parsing of image-config `history[].created_by` strings into instructions.
//!
//! This module owns one job: turning the free-form `created_by` text that
//! builders (BuildKit, the classic Docker builder, buildah/podman, kaniko)
//! write into an [`Instruction`] with a kind and normalised argument text, so
//! that layers can later be matched against Dockerfile lines.
//!
//! It must not touch layer contents, registries or the Dockerfile parser, and
//! it never fails: shapes it does not recognise become
//! [`InstructionKind::Unknown`] carrying the trimmed original text.

use serde::Serialize;

/// The kind of Dockerfile instruction that produced a history entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum InstructionKind {
    /// `RUN`: executes a command and commits the result as a layer.
    Run,
    /// `COPY`: copies files from the context or another stage.
    Copy,
    /// `ADD`: like `COPY`, plus URLs and archive extraction.
    Add,
    /// `ENV`: sets environment variables (metadata only).
    Env,
    /// `ARG`: declares a build argument (metadata only).
    Arg,
    /// `WORKDIR`: sets the working directory.
    Workdir,
    /// `USER`: sets the user (metadata only).
    User,
    /// `CMD`: default command (metadata only).
    Cmd,
    /// `ENTRYPOINT`: entrypoint (metadata only).
    Entrypoint,
    /// `EXPOSE`: documents ports (metadata only).
    Expose,
    /// `LABEL`: adds labels (metadata only).
    Label,
    /// `VOLUME`: declares volumes (metadata only).
    Volume,
    /// `HEALTHCHECK`: container health check (metadata only).
    Healthcheck,
    /// `SHELL`: default shell for shell-form instructions.
    Shell,
    /// `STOPSIGNAL`: signal used to stop the container.
    Stopsignal,
    /// `ONBUILD`: trigger instruction for downstream builds.
    Onbuild,
    /// `MAINTAINER`: deprecated author field.
    Maintainer,
    /// `FROM`: starts a build stage.
    From,
    /// Anything that could not be recognised (squashed layers, foreign tools).
    Unknown,
}

/// Every real keyword with its canonical spelling; `Unknown` is deliberately
/// absent so that it can never be produced from user text.
const KEYWORDS: [(InstructionKind, &str); 18] = [
    (InstructionKind::Run, "RUN"),
    (InstructionKind::Copy, "COPY"),
    (InstructionKind::Add, "ADD"),
    (InstructionKind::Env, "ENV"),
    (InstructionKind::Arg, "ARG"),
    (InstructionKind::Workdir, "WORKDIR"),
    (InstructionKind::User, "USER"),
    (InstructionKind::Cmd, "CMD"),
    (InstructionKind::Entrypoint, "ENTRYPOINT"),
    (InstructionKind::Expose, "EXPOSE"),
    (InstructionKind::Label, "LABEL"),
    (InstructionKind::Volume, "VOLUME"),
    (InstructionKind::Healthcheck, "HEALTHCHECK"),
    (InstructionKind::Shell, "SHELL"),
    (InstructionKind::Stopsignal, "STOPSIGNAL"),
    (InstructionKind::Onbuild, "ONBUILD"),
    (InstructionKind::Maintainer, "MAINTAINER"),
    (InstructionKind::From, "FROM"),
];

impl InstructionKind {
    /// The upper-case keyword (`"RUN"`, ...); `Unknown` gives `"UNKNOWN"`,
    /// matching the serde representation.
    pub fn as_str(&self) -> &'static str {
        KEYWORDS
            .iter()
            .find(|(kind, _)| kind == self)
            .map_or("UNKNOWN", |(_, word)| word)
    }

    /// Looks up a Dockerfile keyword case-insensitively. Returns `None` for
    /// anything that is not a real keyword, including `"UNKNOWN"`.
    pub fn from_keyword(s: &str) -> Option<Self> {
        KEYWORDS
            .iter()
            .find(|(_, word)| word.eq_ignore_ascii_case(s))
            .map(|(kind, _)| *kind)
    }
}

/// One history entry, decoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Instruction {
    /// Which instruction created the entry.
    pub kind: InstructionKind,
    /// The instruction's arguments without the keyword, trimmed, with builder
    /// noise (shell wrapper, build-arg prefix, `# buildkit`) removed.
    pub text: String,
}

impl Instruction {
    fn new(kind: InstructionKind, text: &str) -> Self {
        Self {
            kind,
            text: text.trim().to_string(),
        }
    }
}

/// The instruction as people read it: `RUN apt-get update`. An entry of unknown kind shows its
/// text alone (`3 instructions squashed into one layer`, `(no history entry)`, or the raw
/// `created_by`), since the keyword `UNKNOWN` before it says nothing to a reader.
impl std::fmt::Display for Instruction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.kind, self.text.is_empty()) {
            (InstructionKind::Unknown, true) => f.write_str("(no instruction recorded)"),
            (InstructionKind::Unknown, false) => f.write_str(&self.text),
            (kind, true) => f.write_str(kind.as_str()),
            (kind, false) => write!(f, "{} {}", kind.as_str(), self.text),
        }
    }
}

/// The suffix BuildKit appends to the entries of the layers it made (RUN, COPY, ADD).
const BUILDKIT_MARKER: &str = "# buildkit";

/// The `comment` BuildKit's Dockerfile frontend gives every history entry it writes.
pub const BUILDKIT_COMMENT: &str = "buildkit.dockerfile.v0";

/// True when the entry was written by BuildKit (it ends in `# buildkit`).
pub fn is_buildkit(created_by: &str) -> bool {
    created_by.trim_end().ends_with(BUILDKIT_MARKER)
}

/// Parses a `created_by` string. Never panics; see the module docs for the
/// shapes recognised.
///
/// Normalisations beyond trimming: `RUN` loses its `|N k=v` build-arg prefix
/// and its shell wrapper (`/bin/sh -c`, `bash -o pipefail -c`, `cmd /S /C`,
/// ...), and an exec-form JSON `RUN` becomes its space-joined argv (what
/// BuildKit itself records); `CMD`/`ENTRYPOINT`/`SHELL` lists written in Go's
/// `["a" "b"]` notation become compact JSON `["a","b"]`; `EXPOSE map[80/tcp:{}]`
/// becomes `80/tcp`.
pub fn parse_created_by(created_by: &str) -> Instruction {
    let original = created_by.trim();
    if original.is_empty() {
        return Instruction::new(InstructionKind::Unknown, "");
    }
    let body = original.strip_suffix(BUILDKIT_MARKER).map_or(original, str::trim_end);

    // BuildKit and kaniko put the keyword first; the classic builder never
    // does, so a leading keyword is unambiguous.
    if let Some((kind, rest)) = leading_keyword(body) {
        return keyword_instruction(kind, rest);
    }
    if let Some(rest) = body.strip_prefix("#(nop)") {
        return nop_instruction(rest, original);
    }
    // Classic builder / buildah: `[|N k=v ...] <shell> -c (#(nop) X | cmd)`.
    let command = strip_build_args(body).unwrap_or(body);
    match strip_shell(command) {
        Some(cmd) => match cmd.strip_prefix("#(nop)") {
            Some(rest) => nop_instruction(rest, original),
            None if cmd.trim().is_empty() => Instruction::new(InstructionKind::Unknown, original),
            None => Instruction::new(InstructionKind::Run, cmd),
        },
        // A bare command could be a classic exec-form RUN, but it is equally
        // what foreign tools (jib, ko, nix) write, so guessing would mislead.
        None => Instruction::new(InstructionKind::Unknown, original),
    }
}

/// Handles the text after a classic `#(nop)` marker.
fn nop_instruction(rest: &str, original: &str) -> Instruction {
    let rest = rest.trim();
    if rest.is_empty() {
        // A marker with nothing after it carries no information at all.
        return Instruction::new(InstructionKind::Unknown, "");
    }
    match leading_keyword(rest) {
        Some((kind, args)) => keyword_instruction(kind, args),
        None => Instruction::new(InstructionKind::Unknown, original),
    }
}

/// Returns the kind and the remaining text when `s` starts with an upper-case
/// keyword. Requiring upper case keeps commands like `env X=1 make` or
/// `user-setup` from being mistaken for instructions; every builder writes
/// keywords in upper case.
fn leading_keyword(s: &str) -> Option<(InstructionKind, &str)> {
    let (word, rest) = split_token(s)?;
    if !word.bytes().all(|b| b.is_ascii_uppercase()) {
        return None;
    }
    InstructionKind::from_keyword(word).map(|kind| (kind, rest))
}

/// Builds the instruction once the keyword is known, applying the per-kind
/// normalisations documented on [`parse_created_by`].
fn keyword_instruction(kind: InstructionKind, rest: &str) -> Instruction {
    let rest = rest.trim();
    match kind {
        InstructionKind::Run => {
            let command = strip_build_args(rest).unwrap_or(rest);
            if let Some(cmd) = strip_shell(command) {
                return Instruction::new(kind, cmd);
            }
            match parse_string_list(command) {
                Some(argv) => Instruction::new(kind, &argv.join(" ")),
                None => Instruction::new(kind, command),
            }
        }
        InstructionKind::Cmd | InstructionKind::Entrypoint | InstructionKind::Shell => match parse_string_list(rest) {
            Some(list) => Instruction::new(kind, &to_json_array(&list)),
            None => Instruction::new(kind, rest),
        },
        InstructionKind::Expose => Instruction::new(kind, &normalise_expose(rest)),
        _ => Instruction::new(kind, rest),
    }
}

/// Splits off the first whitespace-delimited token; the rest is left-trimmed.
fn split_token(s: &str) -> Option<(&str, &str)> {
    let s = s.trim_start();
    if s.is_empty() {
        return None;
    }
    // `find` yields a char boundary, so both slices are valid.
    Some(match s.find(char::is_whitespace) {
        Some(i) => (&s[..i], s[i..].trim_start()),
        None => (s, ""),
    })
}

/// Strips a `|N k=v ...` build-arg prefix and returns what follows, or `None`
/// when there is no such prefix.
fn strip_build_args(s: &str) -> Option<&str> {
    let (head, mut rest) = split_token(s)?;
    let count: usize = head.strip_prefix('|')?.parse().ok()?;
    let after_prefix = rest;
    for _ in 0..count {
        match split_token(rest) {
            Some((_, r)) => rest = r,
            None => return Some(""),
        }
    }
    if count == 0 || strip_shell(rest).is_some() {
        return Some(rest);
    }
    // Values are written unquoted, so one containing spaces shifts the token
    // count; recover by looking for where the shell wrapper actually starts.
    let mut probe = after_prefix;
    while let Some((_, next)) = split_token(probe) {
        if strip_shell(next).is_some() {
            return Some(next);
        }
        probe = next;
    }
    Some(rest)
}

/// If `s` starts with a shell invocation that takes a command string
/// (`/bin/sh -c`, `/bin/bash -o pipefail -c`, `sh -ec`, `cmd /S /C`,
/// `powershell -Command`), returns the command string.
fn strip_shell(s: &str) -> Option<&str> {
    let (program, mut rest) = split_token(s)?;
    let base = program.rsplit(['/', '\\']).next().unwrap_or(program);
    let base = base.to_ascii_lowercase();
    let base = base.strip_suffix(".exe").unwrap_or(&base);
    match base {
        "sh" | "bash" | "ash" | "dash" | "zsh" | "ksh" | "mksh" => loop {
            let (opt, after) = split_token(rest)?;
            let letters = opt.strip_prefix('-')?;
            if letters.is_empty() || letters == "-" {
                return None;
            }
            rest = after;
            if letters.starts_with('-') {
                continue; // long options such as --login take no value here
            }
            if letters.contains('c') {
                return Some(after);
            }
            if letters.ends_with('o') {
                // `-o pipefail`: the option's value is the next token.
                rest = split_token(rest)?.1;
            }
        },
        "cmd" => loop {
            let (opt, after) = split_token(rest)?;
            if !opt.starts_with('/') {
                return None;
            }
            if opt.eq_ignore_ascii_case("/c") {
                return Some(after);
            }
            rest = after;
        },
        "powershell" | "pwsh" => loop {
            let (opt, after) = split_token(rest)?;
            if !opt.starts_with('-') {
                return None;
            }
            if opt.eq_ignore_ascii_case("-command") || opt.eq_ignore_ascii_case("-c") {
                return Some(after);
            }
            rest = after;
        },
        _ => None,
    }
}

/// Parses a list of double-quoted strings in either Go `%q` notation
/// (`["a" "b"]`, what builders write) or JSON (`["a","b"]`).
fn parse_string_list(s: &str) -> Option<Vec<String>> {
    let inner = s.trim().strip_prefix('[')?.strip_suffix(']')?;
    let mut chars = inner.chars().peekable();
    let mut items = Vec::new();
    loop {
        while chars.next_if(|c| c.is_whitespace() || *c == ',').is_some() {}
        match chars.next() {
            None => return Some(items),
            Some('"') => items.push(parse_quoted(&mut chars)?),
            Some(_) => return None,
        }
    }
}

/// Reads the rest of a double-quoted Go/JSON string literal (opening quote
/// already consumed). Unknown escapes make the whole list unparseable so the
/// caller keeps the original text rather than a mangled one.
fn parse_quoted(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<String> {
    let mut out = String::new();
    loop {
        match chars.next()? {
            '"' => return Some(out),
            '\\' => {
                let c = match chars.next()? {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    'a' => '\u{7}',
                    'b' => '\u{8}',
                    'f' => '\u{c}',
                    'v' => '\u{b}',
                    'x' => hex_char(chars, 2)?,
                    'u' => hex_char(chars, 4)?,
                    'U' => hex_char(chars, 8)?,
                    c @ ('"' | '\\' | '/' | '\'') => c,
                    _ => return None,
                };
                out.push(c);
            }
            c => out.push(c),
        }
    }
}

/// Reads `digits` hex digits as a code point; `None` for invalid ones
/// (including lone surrogates, which Go never emits).
fn hex_char(chars: &mut std::iter::Peekable<std::str::Chars<'_>>, digits: usize) -> Option<char> {
    let mut value: u32 = 0;
    for _ in 0..digits {
        value = value.checked_mul(16)? + chars.next()?.to_digit(16)?;
    }
    char::from_u32(value)
}

/// Renders strings as a compact JSON array.
fn to_json_array(items: &[String]) -> String {
    let mut out = String::from("[");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('"');
        for c in item.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
                c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('"');
    }
    out.push(']');
    out
}

/// Turns Go's map rendering `map[8000/tcp:{} 53/udp:{}]` into `8000/tcp 53/udp`;
/// anything else is returned unchanged.
fn normalise_expose(s: &str) -> String {
    let Some(inner) = s.strip_prefix("map[").and_then(|r| r.strip_suffix(']')) else {
        return s.to_string();
    };
    let ports: Option<Vec<&str>> = inner.split_whitespace().map(|p| p.strip_suffix(":{}")).collect();
    ports.map_or_else(|| s.to_string(), |p| p.join(" "))
}

#[cfg(test)]
mod tests;
