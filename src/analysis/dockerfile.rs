//! A Dockerfile parser good enough to match image layers to lines: it owns
//! directives, comments, continuations, heredocs, builder flags, exec (JSON)
//! form and build stages, with exact 1-based line numbers, following BuildKit
//! where behaviour matters for attribution. It must not touch images, layers
//! or history entries (see `history.rs`) and does not evaluate the build: only
//! global `ARG` defaults are substituted, and only into stage base images.

use super::history::InstructionKind;
pub use lex::substitute;
use lex::{extract_flags, first_word, heredoc_body, heredoc_specs, next_logical_line, next_word, parse_json_array};
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

mod lex;

#[cfg(test)]
mod tests;
