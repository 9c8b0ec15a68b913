//! Joins layers to the instructions that made them: config history entries to layers (skipping
//! `empty_layer` entries, and reporting squashed builds honestly as one layer made by several
//! instructions), the base-image boundary, and, given the Dockerfile, each layer's line. Where
//! the Dockerfile does not match the history, the layer is reported unmatched rather than
//! guessed. Reads the config and a parsed Dockerfile; knows nothing of file contents.

use serde::Serialize;

use super::dockerfile::{DockerInstruction, Dockerfile};
use super::history::{BUILDKIT_COMMENT, Instruction, InstructionKind, is_buildkit, parse_created_by};
use crate::model::HistoryEntry;

/// How the base-image boundary was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BaseSource {
    /// `--base-layers N`.
    Flag,
    /// buildah's `FROM <image>` history comment.
    History,
    /// The Dockerfile's final stage, matched against the history.
    Dockerfile,
    /// Nothing said: layer 0 alone is assumed to be the base.
    Assumed,
}

/// One history entry, with the layer it made and its Dockerfile line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// Index in `history`.
    pub history_index: usize,
    /// The instruction parsed from `created_by`.
    pub instruction: Instruction,
    /// The layer it made, `None` for entries that made no layer.
    pub layer: Option<usize>,
    /// Its Dockerfile line, when a Dockerfile was given and matched.
    pub dockerfile_line: Option<usize>,
}

/// What made one layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LayerOrigin {
    /// The instruction to blame; for a squashed layer, kind `UNKNOWN` and a text that says so.
    pub instruction: Instruction,
    /// Every layer-making instruction whose changes are in this layer (more than one when
    /// the build was squashed).
    pub steps: Vec<usize>,
    /// True when several instructions were squashed into this layer.
    pub squashed: bool,
    /// Dockerfile line of the instruction, when known.
    pub dockerfile_line: Option<usize>,
    /// True for layers of the base image.
    pub base: bool,
    /// The Dockerfile's own instruction (`COPY . /app`), when a Dockerfile was given and
    /// matched; the reports show it in place of the history's `COPY dir:9794b0…`.
    #[serde(skip)]
    pub dockerfile_text: Option<String>,
}

impl LayerOrigin {
    /// The instruction as people read it: the Dockerfile's text when known, else the history's.
    pub fn shown(&self) -> String {
        self.dockerfile_text
            .clone()
            .unwrap_or_else(|| self.instruction.to_string())
    }
}

/// The whole attribution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attribution {
    /// Per layer, bottom first.
    pub layers: Vec<LayerOrigin>,
    /// Every history entry in order.
    pub steps: Vec<Step>,
    /// Layers that belong to the base image (the first N).
    pub base_layers: usize,
    /// How `base_layers` was decided.
    pub base_source: BaseSource,
    /// Layers the Dockerfile could not be matched to, with the reason.
    pub unmatched: Vec<String>,
}

impl Attribution {
    /// True when the layer belongs to the base image.
    pub fn is_base(&self, layer: usize) -> bool {
        self.layers.get(layer).is_some_and(|o| o.base)
    }
}

/// The inputs besides the history.
#[derive(Debug, Clone, Default)]
pub struct AttributeOptions<'a> {
    /// The Dockerfile the image was built from.
    pub dockerfile: Option<&'a Dockerfile>,
    /// `--base-layers N`.
    pub base_layers: Option<usize>,
}

fn makes_layer(kind: InstructionKind) -> bool {
    matches!(
        kind,
        InstructionKind::Run | InstructionKind::Copy | InstructionKind::Add
    )
}

fn words(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The destination of a COPY/ADD, from history (`dir:<hash> in /app`, `. /app`) or a line.
fn destination(text: &str) -> String {
    let tail = text.rsplit_once(" in ").map_or(text, |(_, d)| d);
    tail.split_whitespace()
        .last()
        .unwrap_or_default()
        .trim_end_matches('/')
        .to_string()
}

fn compatible(step: &Instruction, line: &DockerInstruction) -> bool {
    if step.kind != line.kind {
        return false;
    }
    match step.kind {
        InstructionKind::Run => {
            let (a, b) = (words(&step.text), words(&line.args));
            // An exec-form line reads as its history entry does: argv joined, a shell's `-c`
            // wrapper dropped (`["/bin/sh", "-c", "make"]` is recorded as `/bin/sh -c make`).
            let b_json = line
                .json_form
                .as_ref()
                .map(|v| words(&parse_created_by(&format!("RUN {}", v.join(" "))).text));
            a == b || a.contains(&b) || b_json.is_some_and(|j| a.contains(&j)) || heredoc_run(&a, line)
        }
        InstructionKind::Copy | InstructionKind::Add => {
            // Heredoc bodies follow the instruction's own line in `args`.
            let first = line.args.lines().next().unwrap_or_default();
            let dst = match &line.json_form {
                Some(v) => v.last().cloned().unwrap_or_default().trim_end_matches('/').to_string(),
                None => destination(first),
            };
            destination(&step.text) == dst
        }
        _ => true,
    }
}

/// A `RUN <<EOF` whose command is its heredoc alone: BuildKit records the body as the shell's
/// command (`/bin/sh -c <body>`), or `/dev/pipes/EOF` when the body starts with a shebang.
fn heredoc_run(history: &str, line: &DockerInstruction) -> bool {
    let [doc] = &line.heredocs[..] else {
        return false;
    };
    let first = line.args.lines().next().unwrap_or_default().trim();
    let opener = first
        .trim_start_matches(|c: char| c.is_ascii_digit())
        .trim_start_matches("<<");
    let opener = opener.trim_start_matches('-').trim_matches(['"', '\'']);
    if opener != doc.delimiter {
        return false;
    }
    history == words(&doc.body) || history == format!("/dev/pipes/{}", doc.delimiter)
}

/// Attributes the layers of an image with `layers` layers and the given history.
pub fn attribute(history: &[HistoryEntry], layers: usize, opts: &AttributeOptions<'_>) -> Attribution {
    let mut steps: Vec<Step> = history
        .iter()
        .enumerate()
        .map(|(i, h)| Step {
            history_index: i,
            instruction: parse_created_by(h.created_by.as_deref().unwrap_or_default()),
            layer: None,
            dockerfile_line: None,
        })
        .collect();
    let mut origins = layer_origins(history, &mut steps, layers);
    let mut unmatched = Vec::new();
    let mut first_user_step = None;
    if let Some(df) = opts.dockerfile {
        first_user_step = match_dockerfile(&mut steps, &df.layer_chain(), &mut unmatched);
    }
    for o in origins.iter_mut() {
        if let [only] = o.steps[..] {
            o.dockerfile_line = steps[only].dockerfile_line;
            o.dockerfile_text = o.dockerfile_line.zip(opts.dockerfile).and_then(|(n, df)| {
                let ins = df.stages.iter().flat_map(|s| &s.instructions).find(|i| i.line == n)?;
                Some(ins.text())
            });
        }
    }
    let (base_layers, base_source) = base_boundary(history, &steps, layers, opts.base_layers, first_user_step);
    for (i, o) in origins.iter_mut().enumerate() {
        o.base = i < base_layers;
    }
    if opts.dockerfile.is_some() {
        note_unmatched_layers(&origins, &steps, &mut unmatched);
    }
    Attribution {
        layers: origins,
        steps,
        base_layers,
        base_source,
        unmatched,
    }
}

/// Which history entries made each layer: entries marked `empty_layer` made none, except that
/// an instruction that normally makes a layer (a squashed build's) joins the next layer's
/// entries. Sets each step's layer; layers beyond the history get a placeholder origin.
fn layer_origins(history: &[HistoryEntry], steps: &mut [Step], layers: usize) -> Vec<LayerOrigin> {
    let mut origins: Vec<LayerOrigin> = Vec::with_capacity(layers);
    let mut pending: Vec<usize> = Vec::new();
    for (i, h) in history.iter().enumerate() {
        if h.empty_layer {
            if makes_layer(steps[i].instruction.kind) {
                pending.push(i);
            }
            continue;
        }
        if origins.len() >= layers {
            break;
        }
        if makes_layer(steps[i].instruction.kind) || pending.is_empty() {
            pending.push(i);
        }
        steps[i].layer = Some(origins.len());
        let squashed = pending.len() > 1;
        let instruction = if squashed {
            Instruction {
                kind: InstructionKind::Unknown,
                text: format!("{} instructions squashed into one layer", pending.len()),
            }
        } else {
            steps[pending[0]].instruction.clone()
        };
        origins.push(LayerOrigin {
            instruction,
            steps: std::mem::take(&mut pending),
            squashed,
            dockerfile_line: None,
            base: false,
            dockerfile_text: None,
        });
    }
    while origins.len() < layers {
        origins.push(LayerOrigin {
            instruction: Instruction {
                kind: InstructionKind::Unknown,
                text: "(no history entry)".into(),
            },
            steps: Vec::new(),
            squashed: false,
            dockerfile_line: None,
            base: false,
            dockerfile_text: None,
        });
    }
    origins
}

/// How many layers belong to the base image, and how that was decided: the user's
/// `--base-layers`, else buildah's `FROM image` history comment, else the first instruction the
/// Dockerfile accounts for, else the bottom layer alone.
fn base_boundary(
    history: &[HistoryEntry],
    steps: &[Step],
    layers: usize,
    flag: Option<usize>,
    first_user_step: Option<usize>,
) -> (usize, BaseSource) {
    let layer_of_step = |s: usize| steps[s..].iter().find_map(|st| st.layer);
    // buildah's `FROM <image>` marks where its build began, unless a BuildKit build came after:
    // then the comment was inherited from the base and says nothing about this image's build.
    let buildkit = |h: &HistoryEntry| {
        h.comment.as_deref() == Some(BUILDKIT_COMMENT) || h.created_by.as_deref().is_some_and(is_buildkit)
    };
    let buildah = history
        .iter()
        .rposition(|h| {
            h.comment
                .as_deref()
                .and_then(|c| c.strip_prefix("FROM "))
                .is_some_and(|img| !(img.len() == 12 && img.bytes().all(|b| b.is_ascii_hexdigit())))
        })
        .filter(|&i| !history[i + 1..].iter().any(buildkit));
    if let Some(n) = flag {
        (n.min(layers), BaseSource::Flag)
    } else if let Some(i) = buildah {
        (layer_of_step(i).unwrap_or(layers), BaseSource::History)
    } else if let Some(i) = first_user_step {
        (layer_of_step(i).unwrap_or(layers), BaseSource::Dockerfile)
    } else {
        (layers.min(1), BaseSource::Assumed)
    }
}

/// With a Dockerfile: a note for every layer above the base that has no line of its own and
/// no note yet, saying whether it holds squashed instructions or matches none.
fn note_unmatched_layers(origins: &[LayerOrigin], steps: &[Step], unmatched: &mut Vec<String>) {
    for (i, o) in origins
        .iter()
        .enumerate()
        .filter(|(_, o)| !o.base && o.dockerfile_line.is_none())
    {
        if unmatched.iter().any(|u| u.starts_with(&format!("layer {i} "))) {
            continue;
        }
        let lines: Option<Vec<String>> = o
            .steps
            .iter()
            .map(|&s| steps[s].dockerfile_line.map(|n| n.to_string()))
            .collect();
        unmatched.push(match lines {
            // Squashed steps that each found their line: the layer is known, its bytes just
            // cannot be split among them.
            Some(lines) if o.squashed => format!(
                "layer {i} holds {} squashed instructions (lines {}): its bytes are not split among them",
                lines.len(),
                lines.join(", ")
            ),
            _ => format!("layer {i} ({}) matches no instruction of the Dockerfile", o.instruction),
        });
    }
}

/// Aligns history entries with the Dockerfile's instructions from the end; returns the first
/// history index that the Dockerfile accounts for.
fn match_dockerfile(steps: &mut [Step], chain: &[&DockerInstruction], unmatched: &mut Vec<String>) -> Option<usize> {
    let (mut i, mut j) = (steps.len(), chain.len());
    let mut first = None;
    while i > 0 && j > 0 {
        let (step, line) = (&steps[i - 1], chain[j - 1]);
        if compatible(&step.instruction, line) {
            steps[i - 1].dockerfile_line = Some(line.line);
            first = Some(i - 1);
            i -= 1;
            j -= 1;
        } else if step.instruction.kind == line.kind {
            // Same kind, other text: the Dockerfile was edited since the build.
            if let Some(layer) = step.layer {
                unmatched.push(format!(
                    "layer {layer} ({}) differs from Dockerfile line {}: the Dockerfile changed since the build",
                    step.instruction.kind.as_str(),
                    line.line
                ));
            }
            first = Some(i - 1);
            i -= 1;
            j -= 1;
        } else if !makes_layer(line.kind) {
            j -= 1; // ARG, ONBUILD and friends often leave no history entry
        } else {
            i -= 1; // a history entry the Dockerfile does not have (e.g. a builder's own step)
        }
    }
    first
}
