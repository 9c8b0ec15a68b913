//! Growth budgets against a baseline report (`max_growth`, `max_instruction_growth`): the
//! deltas come from `report::baseline`, the checks go into the verdict like any other. Pure.

use super::{Amount, Blame, Bound, Builder, Unit, holds, share};
use crate::analysis::Analysis;
use crate::config::ci::{CiConfig, Growth};
use crate::report::baseline::{self, Baseline, signed};
use crate::report::units::size;

/// Growth as the unit its limit is in: bytes, or a share of the baseline's figure.
fn growth_amount(limit: Growth, old: u64, new: u64) -> (Unit, Amount, Amount) {
    let grew = signed(new) - signed(old);
    match limit {
        Growth::Bytes(l) => (Unit::Bytes, Amount::Int(signed(l)), Amount::Int(grew)),
        Growth::Share(l) => {
            // Shrinking is a negative share; growing from nothing an infinite one.
            let ratio = if new >= old {
                share(new - old, old)
            } else {
                grew as f64 / old as f64
            };
            (Unit::Ratio, Amount::Real(l), Amount::Real(ratio))
        }
    }
}

pub(super) fn growth_checks(b: &mut Builder, a: &Analysis, c: &CiConfig, old: &Baseline) {
    if let Some(limit) = c.max_growth {
        let (unit, l, act) = growth_amount(limit, old.total_bytes, a.totals.bytes);
        let what = format!(
            "growth of the shipped bytes over the baseline's {}",
            size(old.total_bytes)
        );
        b.push("max_growth", what, unit, (l, act));
    }
    if let Some(limit) = c.max_instruction_growth {
        let deltas = baseline::instruction_deltas(old, a);
        let mut worst: Option<(Unit, Amount, Amount)> = None;
        let mut blame = Vec::new();
        for d in &deltas {
            let (unit, l, act) = growth_amount(limit, d.old, d.new);
            if !holds(act, l, Bound::AtMost) {
                let text = format!("layer {} {}: {} -> {}", d.layer, d.key, size(d.old), size(d.new));
                blame.push(Blame {
                    layer: Some(d.layer),
                    dockerfile_line: d.dockerfile_line,
                    text,
                });
            }
            // The worst is the largest growth; total_cmp puts infinities (and NaN) above any number.
            if worst.is_none_or(|(_, _, w)| act.as_f64().total_cmp(&w.as_f64()).is_gt()) {
                worst = Some((unit, l, act));
            }
        }
        // No layers at all: nothing grew.
        let (unit, l, act) = worst.unwrap_or_else(|| growth_amount(limit, 0, 0));
        let what = "largest growth of one instruction's layers over the baseline";
        b.push_blamed("max_instruction_growth", what, unit, Bound::AtMost, (l, act), blame);
    }
}
