//! What the rules read: the analysed image (tree, layers, attribution, packages, config, the
//! Dockerfile when given) and the questions every rule family asks of it (a layer's line and
//! commands, whether it is the base's or a copy of the build context). Read-only: nothing here
//! decides a finding.

use crate::analysis::attribute::Attribution;
use crate::analysis::dockerfile::{DockerInstruction, Dockerfile};
use crate::analysis::history::InstructionKind;
use crate::analysis::packages::Packages;
use crate::model::{ConfigSummary, Layer, Tree};

/// What the rules read.
pub struct Ctx<'a> {
    /// The merged tree.
    pub tree: &'a Tree,
    /// The layers.
    pub layers: &'a [Layer],
    /// Layer origins and Dockerfile lines.
    pub attribution: &'a Attribution,
    /// Installed packages.
    pub packages: &'a Packages,
    /// The image config.
    pub config: &'a ConfigSummary,
    /// The Dockerfile, when given.
    pub dockerfile: Option<&'a Dockerfile>,
    /// `Some(false)` when a Dockerfile was given and no `.dockerignore` sits beside it.
    pub dockerignore: Option<bool>,
}

impl Ctx<'_> {
    /// The Dockerfile line of a layer.
    pub fn line(&self, layer: usize) -> Option<usize> {
        self.attribution.layers.get(layer).and_then(|o| o.dockerfile_line)
    }

    /// "line N" or "layer N" for messages.
    pub fn where_(&self, layer: usize) -> String {
        match self.line(layer) {
            Some(n) => format!("line {n}"),
            None => format!("layer {layer}"),
        }
    }

    /// The instruction text of a layer, e.g. `RUN pip install x`.
    pub fn instruction(&self, layer: usize) -> String {
        self.attribution
            .layers
            .get(layer)
            .map(|o| o.instruction.to_string())
            .unwrap_or_default()
    }

    /// The text of every instruction whose changes are in a layer: one, or several when the
    /// build was squashed.
    pub fn commands(&self, layer: usize) -> impl Iterator<Item = &str> {
        let steps = self.attribution.layers.get(layer).map_or(&[][..], |o| &o.steps[..]);
        steps
            .iter()
            .filter_map(|&s| self.attribution.steps.get(s))
            .map(|s| s.instruction.text.as_str())
    }

    /// True when the layer is a COPY/ADD of the build context (not `--from` another stage).
    pub fn is_context_copy(&self, layer: usize) -> bool {
        let Some(o) = self.attribution.layers.get(layer) else {
            return false;
        };
        let kind_ok = matches!(o.instruction.kind, InstructionKind::Copy | InstructionKind::Add);
        let from_stage = o.instruction.text.contains("--from");
        let from_line = o.dockerfile_line.is_some_and(|line| {
            self.dockerfile
                .map(|d| {
                    d.layer_chain()
                        .into_iter()
                        .any(|i| i.line == line && i.flag("from").is_some())
                })
                .unwrap_or(false)
        });
        // Without the Dockerfile, buildah's `COPY dir:<hash> in /opt/venv` of a whole venv from a
        // build stage looks like a context copy; the venv's shape says it is not one.
        let stage_venv = o.dockerfile_line.is_none() && self.copies_a_venv(layer);
        kind_ok && !from_stage && !from_line && !o.base && !stage_venv
    }

    /// True when the layer's COPY puts a whole virtualenv at its destination. buildah and
    /// Docker's classic builder write `COPY --from=build /opt/venv /opt/venv` into the history
    /// as `COPY dir:<hash> in /opt/venv`, so without the Dockerfile this is what tells an
    /// environment built in another stage from a venv leaked with the context, which sits
    /// inside the copied tree (`/app/venv`).
    fn copies_a_venv(&self, layer: usize) -> bool {
        let Some(o) = self.attribution.layers.get(layer) else {
            return false;
        };
        let Some(dest) = o
            .instruction
            .text
            .split_whitespace()
            .last()
            .filter(|d| d.starts_with('/'))
        else {
            return false;
        };
        let cfg = format!("{}/pyvenv.cfg", dest.trim_end_matches('/'));
        self.tree
            .lookup(cfg.as_bytes())
            .is_some_and(|n| self.tree.history(n).any(|(_, v)| v.layer as usize == layer))
    }

    /// The Dockerfile instruction that made a layer, when the Dockerfile was given and matched.
    pub fn docker_instruction(&self, layer: usize) -> Option<&DockerInstruction> {
        let line = self.line(layer)?;
        self.dockerfile?
            .stages
            .iter()
            .flat_map(|s| &s.instructions)
            .find(|i| i.line == line)
    }

    /// True when the layer belongs to the base image.
    pub fn is_base(&self, layer: usize) -> bool {
        self.attribution.is_base(layer)
    }
}
