//! The build-stage fix (review): when a compiler or `-dev` packages are installed only so that
//! pip can build wheels, a builder stage (`FROM <same base> AS deadweight-build`, the final
//! stage's instructions up to the install, then `pip wheel` into /wheels) goes before the final
//! stage; there the apt install keeps, of the packages the same layer pulled in, only those
//! the built extension modules link to (their ELF `NEEDED` sonames, mapped to packages through
//! the dpkg file lists: [`Facts::linked_debian`](super::Facts::linked_debian)), and pip
//! installs from the builder's wheels through a bind mount, so no wheel ships.

use super::shell::{self, Hit};
use super::{Kind, Planner, edit};
use crate::analysis::dockerfile::DockerInstruction;
use crate::analysis::history::InstructionKind as K;
use crate::analysis::pip::Installer;
use crate::analysis::rules::Finding;
use crate::fix::doc::Op;

const STAGE: &str = "deadweight-build";

/// Packages that only build: compilers, make, build helpers, and every `-dev` package.
fn build_only(name: &str) -> bool {
    let base = name.split(['=', ':']).next().unwrap_or(name);
    let tool = base.trim_end_matches(|c: char| c.is_ascii_digit() || c == '-' || c == '.');
    base.ends_with("-dev")
        || matches!(
            tool,
            "gcc"
                | "g++"
                | "cpp"
                | "make"
                | "build-essential"
                | "clang"
                | "cmake"
                | "pkg-config"
                | "pkgconf"
                | "binutils"
                | "autoconf"
                | "automake"
                | "libtool"
                | "gfortran"
                | "swig"
        )
}

/// pip options that `pip wheel` does not take.
fn install_only(word: &str) -> bool {
    let name = word.split('=').next().unwrap_or(word);
    matches!(
        name,
        "--break-system-packages"
            | "--user"
            | "--no-warn-script-location"
            | "-U"
            | "--upgrade"
            | "--force-reinstall"
            | "--ignore-installed"
            | "-I"
            | "--compile"
            | "--no-compile"
    )
}

/// The package words of the apt installs in `inst`, each with the span that removes it.
fn apt_packages(p: &Planner<'_>, inst: &DockerInstruction) -> Vec<(Hit, String)> {
    let Some((offset, text)) = p.src.unit(inst.line) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for cmd in [["apt-get", "install"], ["apt", "install"]] {
        for h in shell::find(offset, text, &cmd) {
            for w in shell::arg_words(p.src.text, h.end, offset + text.len()) {
                if !w.word.starts_with('-') {
                    let hit = Hit {
                        start: w.removal.start,
                        end: w.removal.end,
                        prev: None,
                        program: String::new(),
                        args: String::new(),
                    };
                    out.push((hit, w.word));
                }
            }
        }
    }
    out
}

/// The packages the runtime stage installs in place of the toolchain: those the install layer
/// brought that the extension modules link to (ELF `NEEDED`, through the dpkg file lists),
/// less those the line names itself; and a note saying how they were chosen. When some
/// object's links are unknown, every library the layer brought is kept instead: the list may
/// then hold one the extensions do not need, never lack one they do.
fn runtime_libraries(p: &Planner<'_>, toolchain: &[&Finding], words: &[(Hit, String)]) -> (Vec<String>, String) {
    let facts = p.input.facts;
    let mut brought: Vec<String> = toolchain
        .iter()
        .filter_map(|f| f.layer)
        .flat_map(|l| facts.debian_by_layer.get(&l).cloned().unwrap_or_default())
        .filter(|n| !words.iter().any(|(_, w)| w == n))
        .collect();
    brought.sort();
    brought.dedup();
    if let Some(first) = facts.unlinked.first() {
        let libs: Vec<String> = brought
            .into_iter()
            .filter(|n| n.starts_with("lib") && !build_only(n))
            .collect();
        let more = match facts.unlinked.len() {
            1 => String::new(),
            n => format!(" (and {} more)", n - 1),
        };
        let note = format!(
            "{first}{more}: so the runtime stage keeps every library the install brought; run the app (`--run`) before shipping"
        );
        return (libs, note);
    }
    let libs: Vec<String> = brought
        .into_iter()
        .filter(|n| facts.linked_debian.contains_key(n))
        .collect();
    let why: Vec<String> = libs
        .iter()
        .map(|l| format!("{l} for {}", facts.linked_debian[l]))
        .collect();
    let note = if why.is_empty() {
        "the built extension modules link to no library the install brought (ELF NEEDED of every shared object in site-packages)".to_string()
    } else {
        format!(
            "runtime libraries from the ELF NEEDED entries of the shared objects in site-packages: {}",
            why.join(", ")
        )
    };
    (libs, note)
}

/// Plans the build stage.
pub(super) fn plan(p: &mut Planner<'_>) {
    let all: Vec<_> = ["DW201", "DW202"].iter().flat_map(|r| p.findings(r)).collect();
    let Some(apt_line) = all.iter().find_map(|f| f.dockerfile_line) else {
        return;
    };
    // One install line is rebuilt; toolchains installed elsewhere stay findings.
    let toolchain: Vec<_> = all
        .into_iter()
        .filter(|f| f.dockerfile_line == Some(apt_line))
        .collect();
    let rules: Vec<&'static str> = toolchain.iter().map(|f| f.rule).collect();
    let bytes = toolchain.iter().map(|f| f.reclaimable_bytes).sum();
    let skip = |p: &mut Planner<'_>, why: &str| p.skip(rules.clone(), vec![apt_line], format!("build stage: {why}"));
    let Some(stage) = p.stages().last() else { return };
    let Some((apt_stage, apt)) = p.at(apt_line) else {
        return skip(p, "the toolchain's line is not an instruction");
    };
    if apt_stage.index != stage.index
        || stage.base.contains('$')
        || p.stages().iter().any(|s| s.name.as_deref() == Some(STAGE))
    {
        return skip(
            p,
            "the toolchain is not installed by the final stage from a plain base image",
        );
    }
    let words = apt_packages(p, apt);
    let drop: Vec<&(Hit, String)> = words.iter().filter(|(_, w)| build_only(w)).collect();
    if drop.is_empty() || apt.json_form.is_some() {
        return skip(p, "the toolchain packages are not named in a shell-form apt install");
    }
    let later = stage
        .instructions
        .iter()
        .filter(|i| i.line > apt_line && i.kind == K::Run);
    let pip = later.filter_map(|i| {
        let (offset, text) = p.src.unit(i.line)?;
        let hits: Vec<Hit> = shell::pip_installs(offset, text)
            .into_iter()
            .filter(|(installer, _)| *installer == Installer::Pip)
            .map(|(_, h)| h)
            .collect();
        Some((i, hits))
    });
    let Some((run, hits)) = pip.into_iter().find(|(_, h)| !h.is_empty()) else {
        return skip(p, "no later RUN of the final stage runs pip install");
    };
    let [hit] = &hits[..] else {
        return skip(p, "the pip RUN runs more than one pip install");
    };
    if run.json_form.is_some() || !run.heredocs.is_empty() || run.args.contains(['&', ';', '|']) {
        return skip(p, "the pip RUN does more than pip install");
    }
    // The builder: the same base and everything the final stage did before the install.
    let from = p.src.unit(stage.from_line).map(|(_, t)| t).unwrap_or("");
    let Some(from_words) = shell::split(from.trim()) else {
        return skip(p, "the FROM line's words cannot be read");
    };
    let Some(base_at) = from_words.iter().skip(1).position(|w| !w.starts_with("--")) else {
        return;
    };
    let platform: String = from_words
        .iter()
        .skip(1)
        .take(base_at)
        .map(|w| format!("{w} "))
        .collect();
    let mut builder = format!("FROM {platform}{} AS {STAGE}\n", from_words[base_at + 1]);
    for inst in stage.instructions.iter().filter(|i| i.line < run.line) {
        builder.push_str(p.src.unit(inst.line).map(|(_, t)| t).unwrap_or(""));
        if !builder.ends_with('\n') {
            builder.push('\n');
        }
    }
    // The builder's pip line is written from these words: each quoted again where needed.
    let args: Option<Vec<String>> = shell::split(&hit.args).and_then(|words| {
        words
            .iter()
            .filter(|w| !install_only(w))
            .map(|w| shell::quote(w))
            .collect()
    });
    let Some(args) = args else {
        return skip(p, "the pip install's arguments cannot be written again unchanged");
    };
    builder.push_str(&format!(
        "RUN {} wheel --wheel-dir /wheels {}\n\n",
        hit.program,
        args.join(" ")
    ));
    let (libs, note) = runtime_libraries(p, &toolchain, &words);
    let mut e = edit(
        Kind::Review,
        rules.clone(),
        vec![apt_line, run.line],
        bytes,
        String::new(),
    );
    e.summary = format!(
        "build stage `{STAGE}` builds the wheels; line {apt_line} keeps {} instead of {}",
        if libs.is_empty() {
            "no library".to_string()
        } else {
            libs.join(" ")
        },
        drop.iter().map(|(_, w)| w.as_str()).collect::<Vec<_>>().join(" ")
    );
    e.notes.push(note);
    // The install is made again with fewer packages: what it stored may go, but what the
    // line still names, and the libraries, stay.
    e.rebuilt_layers = toolchain.iter().filter_map(|f| f.layer).collect();
    e.rebuilt_layers.dedup();
    e.kept_packages = words
        .iter()
        .filter(|(_, w)| !build_only(w))
        .map(|(_, w)| w.clone())
        .chain(libs.iter().cloned())
        .collect();
    e.ops.push(Op::Before {
        line: stage.from_line,
        text: builder,
    });
    // An install left naming nothing goes whole, with the list update and cleanup it needed.
    let (offset, text) = p.src.unit(apt_line).unwrap_or((0, ""));
    let emptied = (libs.is_empty() && drop.len() == words.len() && apt.heredocs.is_empty())
        .then(|| apt::drop_installs(p.src.text, offset, text, apt_line, p.input.dockerfile.escape))
        .flatten();
    let whole = emptied
        .as_ref()
        .is_some_and(|ops| matches!(ops[..], [Op::Delete { .. }]));
    let removes_install = emptied.is_some();
    match emptied {
        Some(ops) => {
            e.ops.extend(ops);
            let also = if whole {
                apt::take_over(p, stage, apt_line, &mut e)
            } else {
                String::new()
            };
            e.summary = format!(
                "build stage `{STAGE}` builds the wheels; line {apt_line}'s apt install goes{also}: it named only {}",
                drop.iter().map(|(_, w)| w.as_str()).collect::<Vec<_>>().join(" ")
            );
        }
        None => e.ops.extend(drop.iter().map(|(h, _)| Op::Splice {
            line: apt_line,
            at: h.start..h.end,
            text: String::new(),
        })),
    }
    // The libraries go where the first package word starts, before anything appended to
    // the line's end (another fix's `&& rm -rf /var/lib/apt/lists/*`).
    if let (Some((first, word)), false) = (words.first(), libs.is_empty()) {
        let (at, text) = if build_only(word) {
            (first.start, format!(" {}", libs.join(" ")))
        } else {
            (first.end - word.len(), format!("{} ", libs.join(" ")))
        };
        e.ops.push(Op::Splice {
            line: apt_line,
            at: at..at,
            text,
        });
    }
    let Some((offset, text)) = p.src.unit(run.line) else {
        return;
    };
    let code = text.trim_start();
    let keyword = offset + text.len() - code.len() + code.split_whitespace().next().map_or(0, str::len);
    e.ops.push(Op::Splice {
        line: run.line,
        at: keyword..keyword,
        text: format!(" --mount=type=bind,from={STAGE},source=/wheels,target=/wheels"),
    });
    e.ops.push(Op::Splice {
        line: run.line,
        at: hit.end..hit.end,
        text: " --no-index --find-links=/wheels".into(),
    });
    for f in &toolchain {
        p.done.insert((f.rule, f.dockerfile_line));
    }
    if removes_install {
        // It removes text other fixes edit on the apt lines (the install's flags, lines it
        // deletes): planned before them, it wins under --all, and theirs are listed as not
        // applied. The pip line's fixes keep their order.
        let apt_lines: Vec<usize> = e.lines.iter().copied().filter(|&l| l != run.line).collect();
        let first = p
            .plan
            .edits
            .iter()
            .position(|x| x.lines.iter().any(|l| apt_lines.contains(l)));
        p.plan.edits.insert(first.unwrap_or(p.plan.edits.len()), e);
        return;
    }
    p.edit(e);
}

mod apt;
#[cfg(test)]
mod tests;
