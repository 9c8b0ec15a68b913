//! A Dockerfile parser good enough to match image layers to lines: it owns
//! directives, comments, continuations, heredocs, builder flags, exec (JSON)
//! form and build stages, with exact 1-based line numbers, following BuildKit
//! where behaviour matters for attribution. It must not touch images, layers
//! or history entries (see `history.rs`) and does not evaluate the build: only
//! global `ARG` defaults are substituted, and only into stage base images.

use super::history::InstructionKind;
use serde::Serialize;

/// A parsed Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dockerfile {
    /// Build stages in file order; never empty after a successful [`parse`].
    pub stages: Vec<Stage>,
    /// The line-continuation character (`\` unless `# escape=` says otherwise).
    pub escape: char,
    /// The value of a `# syntax=` directive, if any.
    pub syntax: Option<String>,
    /// `ARG` instructions that appear before the first `FROM`.
    pub global_args: Vec<DockerInstruction>,
}

/// One build stage: a `FROM` and the instructions up to the next `FROM`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stage {
    /// 0-based position among the stages.
    pub index: usize,
    /// The `AS name`, lower-cased as BuildKit does.
    pub name: Option<String>,
    /// The base image or earlier stage name, with global `ARG` defaults substituted.
    pub base: String,
    /// The `--platform=` flag of the `FROM`, if given (`$BUILDPLATFORM` stays literal).
    pub platform: Option<String>,
    /// 1-based line of the `FROM` keyword.
    pub from_line: usize,
    /// The stage's instructions, excluding its `FROM`.
    pub instructions: Vec<DockerInstruction>,
}

/// One instruction (anything but `FROM`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DockerInstruction {
    /// The instruction keyword.
    pub kind: InstructionKind,
    /// 1-based line of the keyword.
    pub line: usize,
    /// 1-based last line, including continuation lines and heredoc bodies.
    pub end_line: usize,
    /// Leading `--name[=value]` flags in order, once per occurrence (`--mount`).
    pub flags: Vec<(String, Option<String>)>,
    /// Arguments after the flags: continuations joined (see [`parse`]), comment
    /// lines dropped, each heredoc appended as `"\n" + body + delimiter`.
    pub args: String,
    /// The argv when the arguments are a JSON string array (exec form).
    pub json_form: Option<Vec<String>>,
    /// Heredocs in the order they were declared.
    pub heredocs: Vec<Heredoc>,
}

/// A heredoc attached to `RUN`, `COPY` or `ADD`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Heredoc {
    /// The delimiter word with any quoting removed.
    pub delimiter: String,
    /// Every body line followed by `\n`; leading tabs stripped for `<<-`.
    pub body: String,
}

/// Why a Dockerfile could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line the error refers to.
    pub line: usize,
    /// Human-readable description.
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

fn error(line: usize, message: impl Into<String>) -> ParseError {
    let message = message.into();
    ParseError { line, message }
}

impl Dockerfile {
    /// The last stage, which is what `docker build` produces by default.
    pub fn final_stage(&self) -> Option<&Stage> {
        self.stages.last()
    }

    /// Every instruction whose layers end up in the final image: those of the
    /// final stage's `FROM <earlier stage>` ancestors, oldest first, then the
    /// final stage's own. Stages used only via `COPY --from` contribute files,
    /// not layers, so they are excluded.
    pub fn layer_chain(&self) -> Vec<&DockerInstruction> {
        let mut chain: Vec<&Stage> = Vec::new();
        let mut current = self.final_stage();
        // The length bound guards against hand-built values with odd indices.
        while let Some(stage) = current.filter(|_| chain.len() < self.stages.len()) {
            chain.push(stage);
            let is_parent = |s: &&Stage| s.name.as_deref() == Some(&stage.base.to_lowercase());
            current = self.stages.iter().take(stage.index).rev().find(is_parent);
        }
        chain.iter().rev().flat_map(|s| &s.instructions).collect()
    }
}

impl DockerInstruction {
    /// True for `RUN`, `COPY` and `ADD`, which always commit a layer. `WORKDIR`
    /// is false although the classic builder commits a layer when the directory
    /// does not exist yet: matchers should treat that layer as optional.
    pub fn creates_layer(&self) -> bool {
        use InstructionKind as K;
        matches!(self.kind, K::Run | K::Copy | K::Add)
    }

    /// The value of the first flag called `name` (without `--`); a flag
    /// without `=value` (such as `--link`) yields `Some("")`.
    pub fn flag(&self, name: &str) -> Option<&str> {
        let (_, value) = self.flags.iter().find(|(n, _)| n == name)?;
        Some(value.as_deref().unwrap_or(""))
    }

    /// The instruction written on one line with `args` in place of its own, keeping every flag
    /// (`RUN --mount=type=secret,id=pip ...`): what a fix pasted over the line must keep.
    pub fn with_args(&self, args: &str) -> String {
        let mut out = self.kind.as_str().to_string();
        for (name, value) in &self.flags {
            match value {
                Some(v) => out.push_str(&format!(" --{name}={v}")),
                None => out.push_str(&format!(" --{name}")),
            }
        }
        out.push(' ');
        out.push_str(args);
        out
    }

    /// The instruction as written, continuations joined (`COPY --chown=app . /app`).
    pub fn text(&self) -> String {
        self.with_args(&self.args)
    }
}

/// `NAME=default` pairs of global `ARG`s; later entries shadow earlier ones.
type Vars = [(String, String)];

/// Parses a Dockerfile. Continuations are joined with one space where either
/// side of the junction has whitespace and glued where neither does (as a
/// shell would); comment and blank lines inside them are skipped. Errors:
/// unknown or misplaced (non-`ARG` before `FROM`) instructions, malformed
/// `FROM`/`ONBUILD`, bad directives, unterminated heredocs, no `FROM`.
pub fn parse(text: &str) -> Result<Dockerfile, ParseError> {
    use InstructionKind as K;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
    let (escape, syntax) = read_directives(&lines)?;
    let (stages, global_args) = (Vec::new(), Vec::new());
    let mut df = Dockerfile {
        stages,
        escape,
        syntax,
        global_args,
    };
    let mut globals: Vec<(String, String)> = Vec::new();
    let mut cursor = 0;
    while let Some((line, text)) = next_logical_line(&lines, &mut cursor, escape) {
        let keyword = first_word(&text); // `text` is trimmed, so this is its prefix
        let rest = text.get(keyword.len()..).unwrap_or("");
        let Some(kind) = K::from_keyword(keyword) else {
            return Err(error(line, format!("unknown instruction: {keyword}")));
        };
        if kind == K::From {
            let stage = parse_from(rest, line, df.stages.len(), &globals)?;
            df.stages.push(stage);
            continue;
        }
        let (flags, args) = extract_flags(rest);
        let (json_form, end_line, heredocs) = (parse_json_array(&args), line, Vec::new());
        let mut inst = DockerInstruction {
            kind,
            line,
            end_line,
            flags,
            args,
            json_form,
            heredocs,
        };
        let trigger = first_word(&inst.args);
        let forbidden = |t| matches!(t, K::Onbuild | K::From | K::Maintainer);
        if kind == K::Onbuild && K::from_keyword(trigger).is_none_or(forbidden) {
            return Err(error(line, format!("ONBUILD {trigger:?} isn't allowed")));
        }
        for (delimiter, strip_tabs) in heredoc_specs(&inst) {
            let unterminated = || error(line, format!("unterminated heredoc {delimiter}"));
            let body = heredoc_body(&lines, &mut cursor, &delimiter, strip_tabs);
            let body = body.ok_or_else(unterminated)?;
            inst.args.push_str(&format!("\n{body}{delimiter}"));
            inst.heredocs.push(Heredoc { delimiter, body });
        }
        inst.end_line = cursor;
        if let Some(stage) = df.stages.last_mut() {
            stage.instructions.push(inst);
        } else if kind == K::Arg {
            let mut rest = inst.args.as_str();
            while let Some((word, after)) = next_word(rest, false) {
                if let Some((name, value)) = word.split_once('=') {
                    globals.push((name.to_string(), substitute(value, &globals)));
                }
                rest = after;
            }
            df.global_args.push(inst);
        } else {
            let message = format!("{} before the first FROM", kind.as_str());
            return Err(error(line, message + ": only ARG is allowed"));
        }
    }
    if df.stages.is_empty() {
        return Err(error(lines.len().max(1), "no FROM instruction"));
    }
    Ok(df)
}

/// Reads parser directives, returning the escape character and syntax. As in
/// the Dockerfile reference they are only recognised in the leading run of
/// `# key=value` lines: a blank line, an ordinary comment, an unknown
/// directive or an instruction ends the run, after which they are comments.
fn read_directives(lines: &[&str]) -> Result<(char, Option<String>), ParseError> {
    let (mut escape, mut syntax, mut seen) = ('\\', None, Vec::new());
    for (i, raw) in lines.iter().enumerate() {
        let comment = raw.trim_start().strip_prefix('#');
        let Some((name, value)) = comment.and_then(|r| r.split_once('=')) else {
            break;
        };
        let (name, value) = (name.trim().to_ascii_lowercase(), value.trim());
        if value.is_empty() || !matches!(name.as_str(), "syntax" | "escape" | "check") {
            break;
        }
        if seen.contains(&name) {
            let message = format!("only one {name} parser directive can be used");
            return Err(error(i + 1, message));
        }
        match (name.as_str(), value) {
            ("escape", "\\" | "`") => escape = if value == "`" { '`' } else { '\\' },
            ("escape", v) => return Err(error(i + 1, format!("invalid escape token {v:?}"))),
            ("syntax", v) => syntax = Some(v.to_string()),
            _ => {}
        }
        seen.push(name);
    }
    Ok((escape, syntax))
}

/// Assembles the next logical line from `*cursor` on, returning the 1-based
/// line of its first content and the joined text.
fn next_logical_line(lines: &[&str], cursor: &mut usize, esc: char) -> Option<(usize, String)> {
    let (mut text, mut start, mut continued) = (String::new(), None, false);
    while let Some(raw) = lines.get(*cursor) {
        *cursor += 1;
        let trimmed = raw.trim_start();
        if trimmed.starts_with('#') || (continued && trimmed.is_empty()) {
            continue;
        }
        // Continuation lines keep their indentation: it decides the junction.
        let source = if continued { raw } else { trimmed };
        let stripped = source.trim_end_matches([' ', '\t']).strip_suffix(esc);
        let segment = stripped.unwrap_or(source);
        if start.is_none() && !segment.trim().is_empty() {
            start = Some(*cursor);
        }
        if text.ends_with(char::is_whitespace) || segment.starts_with(char::is_whitespace) {
            text.truncate(text.trim_end().len()); // always a char boundary
            text.push_str(if text.is_empty() { "" } else { " " });
            text.push_str(segment.trim_start());
        } else {
            text.push_str(segment);
        }
        continued = stripped.is_some();
        if !continued && start.is_some() {
            break;
        }
    }
    start.map(|line| (line, text.trim().to_string()))
}

fn first_word(s: &str) -> &str {
    s.split_whitespace().next().unwrap_or("")
}

/// Parses `FROM [--platform=p] image [AS name]` into stage number `index`.
fn parse_from(rest: &str, line: usize, index: usize, vars: &Vars) -> Result<Stage, ParseError> {
    let (flags, args) = extract_flags(rest);
    let words: Vec<&str> = args.split_whitespace().collect();
    let (image, name) = match words[..] {
        [image] => (image, None),
        [image, kw, name] if kw.eq_ignore_ascii_case("as") => (image, Some(name.to_lowercase())),
        _ => return Err(error(line, "FROM requires either one or three arguments")),
    };
    let platform = flags.into_iter().find(|(n, _)| n == "platform");
    Ok(Stage {
        index,
        name,
        base: substitute(image, vars),
        platform: platform.and_then(|(_, p)| Some(substitute(&p?, vars))),
        from_line: line,
        instructions: Vec::new(),
    })
}

/// Splits leading `--name[=value]` words off `s` like BuildKit's
/// `extractBuilderFlags`: quoting inside a flag is removed and a bare `--`
/// ends the flags.
fn extract_flags(s: &str) -> (Vec<(String, Option<String>)>, String) {
    let mut flags = Vec::new();
    let mut rest = s.trim_start();
    while let Some((word, after)) = next_word(rest, false).filter(|_| rest.starts_with("--")) {
        rest = after.trim_start();
        let Some(body) = word.strip_prefix("--").filter(|b| !b.is_empty()) else {
            break;
        };
        flags.push(match body.split_once('=') {
            Some((name, value)) => (name.to_string(), Some(value.to_string())),
            None => (body.to_string(), None),
        });
    }
    (flags, rest.to_string())
}

/// Reads one shell-style word and returns it with the unread rest. With `raw`
/// the quotes and backslashes stay in the word (so a quoted `"<<EOF"` stays
/// recognisable); otherwise they are removed.
fn next_word(s: &str, raw: bool) -> Option<(String, &str)> {
    let s = s.trim_start();
    let (mut word, mut quote, mut chars) = (String::new(), None, s.char_indices());
    while let Some((i, c)) = chars.next() {
        if quote.is_none() && c.is_whitespace() {
            return Some((word, s.get(i..).unwrap_or("")));
        }
        let toggles = matches!(c, '"' | '\'') && quote.is_none_or(|q| q == c);
        let escapes = c == '\\' && quote != Some('\'');
        if toggles {
            quote = if quote.is_some() { None } else { Some(c) };
        }
        if raw || !(toggles || escapes) {
            word.push(c);
        }
        if escapes {
            word.extend(chars.next().map(|(_, n)| n));
        }
    }
    (!s.is_empty()).then_some((word, ""))
}

/// The `(delimiter, strip_tabs)` heredocs an instruction opens. Only
/// shell-form `RUN`/`COPY`/`ADD` (also behind `ONBUILD`) carry heredocs, and
/// only a whole word `[n]<<[-]WORD` opens one, so a quoted `"<<EOF"` does not.
fn heredoc_specs(inst: &DockerInstruction) -> Vec<(String, bool)> {
    use InstructionKind as K;
    let kind = match inst.kind {
        K::Onbuild => K::from_keyword(first_word(&inst.args)).unwrap_or(K::Unknown),
        kind => kind,
    };
    let mut specs = Vec::new();
    if !matches!(kind, K::Run | K::Copy | K::Add) || inst.json_form.is_some() {
        return specs;
    }
    let mut rest = inst.args.as_str();
    while let Some((word, after)) = next_word(rest, true) {
        rest = after;
        let opener = word.trim_start_matches(|c: char| c.is_ascii_digit());
        let Some(tail) = opener.strip_prefix("<<").filter(|t| !t.contains('<')) else {
            continue;
        };
        let (strip_tabs, tail) = tail.strip_prefix('-').map_or((false, tail), |t| (true, t));
        if let Some((name, _)) = next_word(tail, false).filter(|(n, _)| !n.is_empty()) {
            specs.push((name, strip_tabs));
        }
    }
    specs
}

/// Reads a heredoc body up to its terminator line; `None` if the file ends
/// first. Like BuildKit it compares whole lines, so `EOF ` does not end `EOF`.
fn heredoc_body(lines: &[&str], at: &mut usize, end: &str, tabs: bool) -> Option<String> {
    let mut body = String::new();
    loop {
        let raw = lines.get(*at)?;
        *at += 1;
        let content = raw.trim_start_matches(|c| tabs && c == '\t');
        if content == end {
            return Some(body);
        }
        body.push_str(content);
        body.push('\n');
    }
}

/// The longest expansion [`substitute`] produces. `ARG A=$A$A` repeated doubles
/// the value per line (the fuzzer found 2 GiB from 30 lines); no image
/// reference comes near this, so past it the text stays unexpanded.
const MAX_EXPANSION: usize = 4096;

/// Expands `$NAME`, `${NAME}` and `${NAME:-word}` (`-word` is treated alike)
/// from `vars`. Other references stay verbatim: args without a default are
/// build-time inputs we cannot know, and the literal says more in a report
/// than the empty string Docker would substitute. An expansion longer than
/// [`MAX_EXPANSION`] yields `s` unexpanded.
pub fn substitute(s: &str, vars: &[(String, String)]) -> String {
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut out = String::new();
    let mut rest = s;
    while let Some(pos) = rest.find('$') {
        let (head, tail) = rest.split_at(pos); // `find` gives a char boundary
        out.push_str(head);
        let var = tail.get(1..).unwrap_or("");
        let (expr, after) = match var.strip_prefix('{') {
            Some(braced) => braced.split_once('}').unwrap_or(("", var)),
            // The length of a trimmed prefix is always a char boundary.
            None => var.split_at(var.len() - var.trim_start_matches(is_name).len()),
        };
        let (name, default) = match expr.split_once('-') {
            Some((name, word)) => (name.trim_end_matches(':'), Some(word)),
            None => (expr, None),
        };
        let found = vars.iter().rev().find(|(n, _)| n == name);
        let usable = |v: &&String| !v.is_empty() || default.is_none();
        match (found.map(|(_, v)| v).filter(usable), default) {
            (Some(v), _) => out.push_str(v),
            (None, Some(word)) => out.push_str(&substitute(word, vars)),
            (None, None) => out.push_str(tail.get(..tail.len() - after.len()).unwrap_or("$")),
        }
        if out.len() > MAX_EXPANSION {
            return s.to_string();
        }
        rest = after;
    }
    out + rest
}

/// Parses a JSON array of strings. Anything else (other element types,
/// trailing text, bad escapes) is `None`, meaning shell form, as in BuildKit.
/// Surrogate-pair escapes are rejected; they do not occur in practice.
fn parse_json_array(s: &str) -> Option<Vec<String>> {
    let mut chars = s.trim().strip_prefix('[')?.strip_suffix(']')?.chars();
    // States: 0 before the first item, 1 after an item, 2 after a comma,
    // 3 inside a string.
    let (mut items, mut item, mut state) = (Vec::new(), String::new(), 0);
    while let Some(c) = chars.next() {
        match (state, c) {
            (3, '"') => {
                items.push(std::mem::take(&mut item));
                state = 1;
            }
            (3, '\\') => item.push(match chars.next()? {
                'n' => '\n',
                't' => '\t',
                'r' => '\r',
                'u' => {
                    let hex = |n: u32, _| Some(n * 16 + chars.next()?.to_digit(16)?);
                    char::from_u32((0..4).try_fold(0, hex)?)?
                }
                c @ ('"' | '\\' | '/') => c,
                _ => return None,
            }),
            (3, c) => item.push(c),
            (_, c) if c.is_whitespace() => {}
            (1, ',') => state = 2,
            (0 | 2, '"') => state = 3,
            _ => return None,
        }
    }
    matches!(state, 0 | 1).then_some(items)
}

#[cfg(test)]
mod tests;
