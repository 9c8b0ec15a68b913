//! The fix texts several rule families share: a RUN line with a cache flag added (pip, uv), the
//! `.dockerignore` line for a context path, a layer cited with its instruction, a list in
//! words. Text only: which paths or layers a finding is about is decided by the rules that call
//! these, never here.

use super::{Ctx, Draft, Severity};
use crate::analysis::dockerfile::DockerInstruction;
use crate::analysis::pip::{self, Installer};

/// A layer named with its instruction, as the fixes cite it: ``line 3 (`COPY . /app`)``.
pub fn cited(ctx: &Ctx<'_>, layer: usize) -> String {
    format!("{} (`{}`)", ctx.where_(layer), source(ctx, layer).text)
}

/// The instruction a fix rewrites, and where its text comes from.
pub struct Source {
    /// The Dockerfile's own line with its flags (`RUN --mount=... pip install x`), or the
    /// history's record of it (`COPY dir:9794b0... in /app`, a RUN without its `--mount`s).
    pub text: String,
    /// Whether `text` is the Dockerfile's.
    pub from_dockerfile: bool,
}

impl Source {
    /// What a fix that quotes a rewritten `text` adds when it was rebuilt from the history.
    pub fn caveat(&self) -> &'static str {
        if self.from_dockerfile || !self.text.starts_with("RUN ") {
            ""
        } else {
            " (rebuilt from the image history, which does not record `RUN --mount` flags: keep your line's own)"
        }
    }
}

/// The instruction that made a layer: the Dockerfile's line when it was given and matched,
/// else the history's.
pub fn source(ctx: &Ctx<'_>, layer: usize) -> Source {
    match ctx.docker_instruction(layer) {
        Some(ins) => Source {
            text: dockerfile_line(ins, &ins.args),
            from_dockerfile: true,
        },
        None => Source {
            text: ctx.instruction(layer),
            from_dockerfile: false,
        },
    }
}

/// A Dockerfile instruction written back with new arguments and all its own flags
/// (`RUN --mount=type=secret,id=pip ...`): a fix pasted over the line must not drop them.
pub fn dockerfile_line(ins: &DockerInstruction, args: &str) -> String {
    ins.with_args(args)
}

/// The `.dockerignore` line that stops a context path from being copied. Docker anchors its
/// patterns at the context root (moby's patternmatcher), so a bare name only matches there:
/// the line is the exact context path when the copying layer says where the context landed
/// (`COPY . /app`), else `**/NAME`, which matches at any depth.
pub fn dockerignore_line(ctx: &Ctx<'_>, layer: Option<usize>, path: &str) -> String {
    let root = layer.and_then(|l| context_root(ctx, l));
    let relative = root.as_deref().and_then(|r| path.strip_prefix(r)?.strip_prefix('/'));
    match relative {
        Some(rel) if !rel.is_empty() => rel.to_string(),
        _ => match path.rsplit('/').next() {
            Some(base) if !base.is_empty() => format!("**/{base}"),
            _ => path.to_string(),
        },
    }
}

/// Where the build context's root lands in the image when `layer` copies it whole
/// (`COPY . /app` gives `/app`, `COPY . /` gives ``); `None` when the layer copies something
/// else, its destination is relative (it depends on WORKDIR), or neither the Dockerfile nor the
/// history says.
pub fn context_root(ctx: &Ctx<'_>, layer: usize) -> Option<String> {
    if !ctx.is_context_copy(layer) {
        return None;
    }
    let args = match ctx.docker_instruction(layer) {
        Some(ins) => ins.args.clone(),
        None => ctx.attribution.layers.get(layer)?.instruction.text.clone(),
    };
    let words: Vec<&str> = args
        .split_whitespace()
        .take_while(|w| *w != "#")
        .filter(|w| !w.starts_with("--"))
        .collect();
    match words[..] {
        ["." | "./", dest] if dest.starts_with('/') => Some(dest.trim_end_matches('/').to_string()),
        _ => None,
    }
}

/// The RUN line with `--no-cache-dir` added after each pip install (`pip3 install`,
/// `/opt/venv/bin/pip install`, `python -m pip install`; not uv's) that lacks it; `None` when
/// none does.
pub fn pip_fix(instr: &str) -> Option<String> {
    let mut inserts = Vec::new();
    for cmd in commands(instr) {
        let words: Vec<&str> = cmd.iter().map(|(_, w)| *w).collect();
        for (i, found) in pip::find(&words) {
            let has = words[i + found.words..]
                .iter()
                .any(|w| *w == "--no-cache-dir" || w.starts_with("--no-cache-dir="));
            if found.installer == Installer::Pip && !has {
                let (at, last) = cmd[i + found.words - 1];
                inserts.push(at + last.len());
            }
        }
    }
    let mut out = instr.to_string();
    for at in inserts.iter().rev() {
        out.insert_str(*at, " --no-cache-dir");
    }
    (!inserts.is_empty()).then_some(out)
}

/// An exec-form (JSON) RUN's argv with `--no-cache-dir` after each pip install that lacks it,
/// written back as the JSON array; `None` when none does.
pub fn pip_fix_exec(argv: &[String]) -> Option<String> {
    let mut out: Vec<String> = Vec::with_capacity(argv.len() + 1);
    let mut fixed = false;
    let mut next = 0;
    for (i, found) in pip::find(argv) {
        let end = i + found.words;
        let has = argv[end..]
            .iter()
            .any(|w| w == "--no-cache-dir" || w.starts_with("--no-cache-dir="));
        if found.installer == Installer::Pip && !has {
            out.extend(argv[next..end].iter().cloned());
            out.push("--no-cache-dir".into());
            next = end;
            fixed = true;
        }
    }
    out.extend(argv[next..].iter().cloned());
    let quoted: Vec<String> = out
        .iter()
        .map(|w| serde_json::Value::from(w.as_str()).to_string())
        .collect();
    fixed.then(|| format!("[{}]", quoted.join(", ")))
}

/// The RUN line with `--no-cache` added after its uv command (`uv sync`, `uv pip install`...).
pub fn uv_fix(instr: &str) -> Option<String> {
    if instr.contains("--no-cache") {
        return None;
    }
    with_flag(
        instr,
        &["uv pip install", "uv pip sync", "uv sync", "uv add", "uv tool install"],
        "--no-cache",
    )
}

/// `instr` with `flag` after the first of `commands` (in their order) that it contains.
fn with_flag(instr: &str, commands: &[&str], flag: &str) -> Option<String> {
    let at = commands.iter().find_map(|c| instr.find(c).map(|i| i + c.len()))?;
    Some(format!("{} {flag}{}", &instr[..at], &instr[at..]))
}

/// The RUN arguments with `--no-install-recommends` after every `apt-get install` / `apt
/// install` that lacks it, whatever the options around it (`apt-get -y install`, `install
/// -qy`); `None` when none lacks it.
pub fn apt_fix(args: &str) -> Option<String> {
    let mut inserts = Vec::new();
    for segment in commands(args) {
        let Some(apt) = segment
            .iter()
            .position(|(_, w)| matches!(w.rsplit('/').next(), Some("apt-get" | "apt")))
        else {
            continue;
        };
        let mut words = segment[apt + 1..].iter();
        let mut sub = None;
        while let Some((at, w)) = words.next() {
            if matches!(*w, "-o" | "-c" | "-t") {
                words.next(); // the option's argument
            } else if !w.starts_with('-') {
                sub = Some((at, w));
                break;
            }
        }
        let recommends_off = segment.iter().any(|(_, w)| {
            *w == "--no-install-recommends"
                || w.contains("Install-Recommends=false")
                || w.contains("Install-Recommends=0")
        });
        if let Some((at, &"install")) = sub
            && !recommends_off
        {
            inserts.push(at + "install".len());
        }
    }
    if inserts.is_empty() {
        return None;
    }
    let mut out = args.to_string();
    for at in inserts.into_iter().rev() {
        out.insert_str(at, " --no-install-recommends");
    }
    Some(out)
}

/// The simple commands of a shell line as words with their byte offsets, split at `&&`, `||`,
/// `;`, `|` and line ends: enough to find a command and its options, not a shell parser.
pub fn commands(line: &str) -> Vec<Vec<(usize, &str)>> {
    let mut out = vec![Vec::new()];
    let mut start = None;
    let bytes = line.as_bytes();
    for i in 0..=bytes.len() {
        let b = bytes.get(i).copied();
        let sep = matches!(b, None | Some(b'\n' | b';' | b'&' | b'|'));
        if sep || b.is_some_and(|b| b.is_ascii_whitespace()) {
            if let Some(s) = start.take() {
                out.last_mut().unwrap_or(&mut Vec::new()).push((s, &line[s..i]));
            }
            if sep && out.last().is_some_and(|c| !c.is_empty()) {
                out.push(Vec::new());
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    out
}

/// The catalogue title of a rule.
pub fn title_of(rule: &str) -> &'static str {
    crate::catalogue::find(rule).map_or("", |r| r.title)
}

/// A finding in a base-image layer is the base's, not a line the user wrote: information,
/// with a fix about the base. Compilers and headers there become one DW204 per layer (a full
/// base where a `-slim` one would do); DW502 already blames the user's layer.
pub fn for_base(ctx: &Ctx<'_>, layer: usize, d: &mut Draft) {
    if d.rule == "DW502" {
        return;
    }
    let base = ctx.dockerfile.and_then(|df| df.final_stage()).map_or_else(
        || "the base image".to_string(),
        |s| format!("the base image ({})", s.base),
    );
    d.severity = Some(Severity::Info);
    if matches!(d.rule, "DW201" | "DW202" | "DW203") {
        d.rule = "DW204";
        d.title = "the base image ships compilers and development headers".into();
        d.fix = format!(
            "{base} is a full image with a toolchain: unless the application compiles at run time, use its `-slim` variant for the final stage (`FROM python:3.x-slim`) and the full one only in a build stage"
        );
        return;
    }
    d.fix = format!(
        "{base} ships these files ({}, {}): nothing in your Dockerfile writes them; a smaller base or variant (`-slim`) leaves them out",
        title_of(d.rule),
        ctx.where_(layer)
    );
}

/// The requirements a `pip install` / `uv pip install` names on its command line without an
/// exact version (`flask`, `flask>=3`), unless the command pins through a constraints file or
/// hashes (`-c`, `--require-hashes`). Files, URLs and options are not requirements.
pub fn unpinned(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    for cmd in commands(line) {
        let words: Vec<&str> = cmd.iter().map(|(_, w)| w.trim_matches(['"', '\''])).collect();
        let Some((at, found)) = pip::find(&words).into_iter().next() else {
            continue;
        };
        if words
            .iter()
            .any(|w| matches!(*w, "-c" | "--constraint" | "--require-hashes") || w.starts_with("--constraint="))
        {
            continue;
        }
        let mut rest = words[at + found.words..].iter();
        while let Some(w) = rest.next() {
            let takes_value = matches!(
                *w,
                "-r" | "--requirement"
                    | "-e"
                    | "--editable"
                    | "-t"
                    | "--target"
                    | "-i"
                    | "--index-url"
                    | "--extra-index-url"
                    | "-f"
                    | "--find-links"
                    | "--prefix"
                    | "--root"
                    | "--python"
            );
            if takes_value {
                rest.next();
                continue;
            }
            let file_like = w.starts_with(['-', '.', '/', '$'])
                || w.contains("://")
                || w.ends_with(".whl")
                || w.ends_with(".tar.gz")
                || w.ends_with(".zip");
            if !file_like && !w.contains("==") && !w.contains(" @ ") && !w.contains('@') {
                out.push((*w).to_string());
            }
        }
    }
    out
}

/// `a`, `a and b`, `a, b and c`.
pub fn listed(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [only] => (*only).to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uv_fix_adds_no_cache_after_the_uv_command() {
        assert_eq!(
            uv_fix("uv sync --frozen").as_deref(),
            Some("uv sync --no-cache --frozen")
        );
        assert_eq!(
            uv_fix("pip install uv && uv pip install -r r.txt").as_deref(),
            Some("pip install uv && uv pip install --no-cache -r r.txt")
        );
        assert_eq!(uv_fix("uv sync --no-cache"), None, "already there");
        assert_eq!(uv_fix("pip install flask"), None);
    }

    #[test]
    fn apt_fix_finds_install_whatever_the_options() {
        assert_eq!(
            apt_fix("apt-get update && apt-get -y install gcc libpq-dev && rm -rf /var/lib/apt/lists/*").as_deref(),
            Some(
                "apt-get update && apt-get -y install --no-install-recommends gcc libpq-dev && rm -rf /var/lib/apt/lists/*"
            )
        );
        assert_eq!(
            apt_fix("apt-get install -qy curl").as_deref(),
            Some("apt-get install --no-install-recommends -qy curl")
        );
        assert_eq!(
            apt_fix("apt install curl;apt-get -o Dpkg::Options::=--force-confold install x").as_deref(),
            Some(
                "apt install --no-install-recommends curl;apt-get -o Dpkg::Options::=--force-confold install --no-install-recommends x"
            )
        );
        assert_eq!(apt_fix("apt-get install -y --no-install-recommends curl"), None);
        assert_eq!(apt_fix("apt-get update && apt-get upgrade -y"), None);
        assert_eq!(apt_fix("echo apt-get is not run here"), None);
    }

    #[test]
    fn unpinned_requirements_on_the_command_line() {
        assert_eq!(
            unpinned("pip install flask 'gunicorn>=22' requests==2.32.3"),
            ["flask", "gunicorn>=22"]
        );
        assert_eq!(
            unpinned("uv pip install --system -r requirements.txt ."),
            Vec::<String>::new()
        );
        assert_eq!(unpinned("pip install -c constraints.txt flask"), Vec::<String>::new());
        assert_eq!(
            unpinned("pip install --no-cache-dir -i https://x/simple app==1.0"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn pip_fix_leaves_uvs_pip_alone() {
        assert_eq!(pip_fix("uv pip install --no-cache flask"), None);
        assert_eq!(
            pip_fix("uv pip install x && pip install y").as_deref(),
            Some("uv pip install x && pip install --no-cache-dir y")
        );
    }

    #[test]
    fn pip_fix_knows_every_form_of_pip() {
        for (line, fixed) in [
            (
                "/opt/venv/bin/pip install -r r.txt",
                "/opt/venv/bin/pip install --no-cache-dir -r r.txt",
            ),
            ("pip3.12 install flask", "pip3.12 install --no-cache-dir flask"),
            (
                "/opt/venv/bin/python -m pip install -U pip && /opt/venv/bin/pip install .",
                "/opt/venv/bin/python -m pip install --no-cache-dir -U pip && /opt/venv/bin/pip install --no-cache-dir .",
            ),
            (
                "pip install --no-cache-dir a && pip3 install b",
                "pip install --no-cache-dir a && pip3 install --no-cache-dir b",
            ),
        ] {
            assert_eq!(pip_fix(line).as_deref(), Some(fixed), "{line}");
        }
        assert_eq!(unpinned("pip3.11 install flask"), ["flask"]);
        assert_eq!(unpinned("/opt/venv/bin/python -m pip install flask"), ["flask"]);
    }

    #[test]
    fn listed_joins_in_words() {
        assert_eq!(listed(&[]), "");
        assert_eq!(listed(&["a"]), "a");
        assert_eq!(listed(&["a", "b", "c"]), "a, b and c");
    }
}
