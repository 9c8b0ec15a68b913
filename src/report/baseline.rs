//! Size growth against a baseline: an earlier JSON report (`--baseline OLD.json`) read back, its
//! layers keyed by instruction, and per-instruction deltas against a new analysis. Layers are
//! matched by instruction text and, where the same instruction appears more than once, by its
//! position among those ([`match_layers`], the engine `deadweight diff` shares). Reads text and
//! the analysis; renders nothing and writes nothing.

use std::collections::HashMap;

use serde::Deserialize;

use crate::analysis::Analysis;
use crate::error::Error;

/// What a baseline report says about sizes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Baseline {
    /// `totals.bytes` of the baseline.
    pub total_bytes: u64,
    /// One entry per layer, bottom first.
    pub layers: Vec<InstructionBytes>,
}

/// One layer's instruction and content bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstructionBytes {
    /// The instruction, normalised for matching (`RUN pip install -r requirements.txt`).
    pub key: String,
    /// Content bytes of the layer.
    pub bytes: u64,
}

/// How one instruction of the new image compares with the baseline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstructionDelta {
    /// The normalised instruction.
    pub key: String,
    /// The layer of the new image.
    pub layer: usize,
    /// Its Dockerfile line, when known.
    pub dockerfile_line: Option<usize>,
    /// Bytes in the baseline; 0 when the instruction is new.
    pub old: u64,
    /// Bytes now.
    pub new: u64,
}

impl InstructionDelta {
    /// `new - old` (negative when it shrank).
    pub fn growth(&self) -> i64 {
        signed(self.new) - signed(self.old)
    }
}

/// A byte count as a signed number (sizes beyond 8 EiB saturate).
pub fn signed(bytes: u64) -> i64 {
    i64::try_from(bytes).unwrap_or(i64::MAX)
}

#[derive(Deserialize)]
struct Report {
    schema_version: u32,
    totals: Totals,
    layers: Vec<Layer>,
}

#[derive(Deserialize)]
struct Totals {
    bytes: u64,
}

#[derive(Deserialize)]
struct Layer {
    bytes: u64,
    instruction: Instruction,
}

#[derive(Deserialize)]
struct Instruction {
    kind: String,
    text: String,
}

/// Reads a deadweight JSON report; the error ([`Error::Report`]) says what is missing or wrong.
pub fn parse(text: &str) -> Result<Baseline, Error> {
    let r: Report = serde_json::from_str(text).map_err(|e| Error::Report {
        what: "baseline",
        file: None,
        reason: format!("not a deadweight JSON report: {e}"),
    })?;
    super::schema::check_version("baseline", r.schema_version)?;
    Ok(Baseline {
        total_bytes: r.totals.bytes,
        layers: r
            .layers
            .iter()
            .map(|l| InstructionBytes {
                key: key(&l.instruction.kind, &l.instruction.text),
                bytes: l.bytes,
            })
            .collect(),
    })
}

/// The matching key of an instruction: keyword and words, with the content hashes the classic
/// builder writes (`COPY file:3f2a... in /app`) blanked, since they change whenever the copied
/// files do and would otherwise make every COPY look new.
pub fn key(kind: &str, text: &str) -> String {
    let words: Vec<String> = text
        .split_whitespace()
        .map(|w| {
            for prefix in ["file:", "dir:", "multi:"] {
                if let Some(hash) = w.strip_prefix(prefix)
                    && hash.len() >= 12
                    && hash.bytes().all(|b| b.is_ascii_hexdigit())
                {
                    return format!("{prefix}*");
                }
            }
            w.to_string()
        })
        .collect();
    format!("{kind} {}", words.join(" ")).trim().to_string()
}

/// The instruction key and content bytes of every layer of `a`, bottom first.
pub fn instructions(a: &Analysis) -> Vec<InstructionBytes> {
    a.layers()
        .iter()
        .zip(&a.attribution.layers)
        .map(|(l, o)| InstructionBytes {
            key: key(o.instruction.kind.as_str(), &o.instruction.text),
            bytes: l.scan.content_bytes,
        })
        .collect()
}

/// Pairs the layers of two images by instruction: the n-th layer of `new` with a given key goes
/// with the n-th layer of `old` with the same key. Every layer of both sides appears exactly
/// once, as `(old index, new index)`: first `new`'s layers in order (`None` on the left when the
/// instruction is new), then `old`'s unmatched layers in order (`None` on the right).
pub fn match_layers(old: &[InstructionBytes], new: &[InstructionBytes]) -> Vec<(Option<usize>, Option<usize>)> {
    let mut by_key: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, l) in old.iter().enumerate() {
        by_key.entry(&l.key).or_default().push(i);
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut matched = vec![false; old.len()];
    let mut out: Vec<(Option<usize>, Option<usize>)> = new
        .iter()
        .enumerate()
        .map(|(j, l)| {
            let n = seen.entry(&l.key).or_default();
            let i = by_key.get(l.key.as_str()).and_then(|v| v.get(*n)).copied();
            *n += 1;
            if let Some(i) = i {
                matched[i] = true;
            }
            (i, Some(j))
        })
        .collect();
    out.extend((0..old.len()).filter(|&i| !matched[i]).map(|i| (Some(i), None)));
    out
}

/// Per layer of `a`, its instruction's bytes now and in `old` (matched by [`match_layers`]).
pub fn instruction_deltas(old: &Baseline, a: &Analysis) -> Vec<InstructionDelta> {
    let new = instructions(a);
    match_layers(&old.layers, &new)
        .into_iter()
        .filter_map(|(i, j)| {
            let (j, l) = j.map(|j| (j, &new[j]))?;
            Some(InstructionDelta {
                key: l.key.clone(),
                layer: a.layers()[j].index,
                dockerfile_line: a.attribution.layers[j].dockerfile_line,
                old: i.map_or(0, |i| old.layers[i].bytes),
                new: l.bytes,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_blank_builder_hashes_and_spacing() {
        assert_eq!(
            key("COPY", "file:0123456789abcdef0123  in   /app"),
            "COPY file:* in /app"
        );
        assert_eq!(key("RUN", "pip  install x"), "RUN pip install x");
        assert_eq!(key("COPY", "file:short in /"), "COPY file:short in /");
    }

    #[test]
    fn reports_are_checked() {
        assert!(parse("{}").is_err());
        assert!(parse("[1]").is_err());
        let newer = r#"{"schema_version": 999, "totals": {"bytes": 1}, "layers": []}"#;
        assert!(parse(newer).unwrap_err().to_string().contains("newer"));
        let ok = r#"{"schema_version": 1, "totals": {"bytes": 5},
            "layers": [{"bytes": 5, "instruction": {"kind": "RUN", "text": "make"}}]}"#;
        let b = parse(ok).unwrap();
        assert_eq!(b.total_bytes, 5);
        assert_eq!(b.layers[0].key, "RUN make");
    }

    #[test]
    fn layers_match_by_key_then_position() {
        let l = |k: &str| InstructionBytes {
            key: k.to_string(),
            bytes: 1,
        };
        let old = [l("FROM a"), l("RUN x"), l("RUN y"), l("RUN x"), l("RUN gone")];
        let new = [
            l("FROM a"),
            l("RUN x"),
            l("RUN new"),
            l("RUN x"),
            l("RUN x"),
            l("RUN y"),
        ];
        assert_eq!(
            match_layers(&old, &new),
            [
                (Some(0), Some(0)),
                (Some(1), Some(1)),
                (None, Some(2)),
                (Some(3), Some(3)),
                (None, Some(4)),
                (Some(2), Some(5)),
                (Some(4), None),
            ]
        );
        assert_eq!(match_layers(&[], &[]), []);
    }
}
