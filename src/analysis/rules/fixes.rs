//! The fix texts several rule families share: a RUN line with a cache flag added (pip, uv), the
//! `.dockerignore` line for a context path, a layer cited with its instruction, a list in
//! words. Text only: which paths or layers a finding is about is decided by the rules that call
//! these, never here.

use super::Ctx;

/// A layer named with its instruction, as the fixes cite it: ``layer 3 (`COPY . /app`)``.
pub fn cited(ctx: &Ctx<'_>, layer: usize) -> String {
    format!("{} (`{}`)", ctx.where_(layer), ctx.instruction(layer))
}

/// The `.dockerignore` line that stops a context path from being copied.
pub fn dockerignore_line(path: &str) -> String {
    let base = path.rsplit('/').next().unwrap_or(path);
    match base {
        "" => path.to_string(),
        b if b.starts_with('.') || b == "node_modules" || b == "tests" || b == "test" || b == "venv" => {
            format!("**/{b}")
        }
        b => b.to_string(),
    }
}

/// The RUN line with `--no-cache-dir` added after `pip install`, when it has a pip install.
pub fn pip_fix(instr: &str) -> Option<String> {
    with_flag(
        instr,
        &[
            "pip3 install",
            "pip install",
            "python3 -m pip install",
            "python -m pip install",
        ],
        "--no-cache-dir",
    )
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
    fn listed_joins_in_words() {
        assert_eq!(listed(&[]), "");
        assert_eq!(listed(&["a"]), "a");
        assert_eq!(listed(&["a", "b", "c"]), "a, b and c");
    }
}
