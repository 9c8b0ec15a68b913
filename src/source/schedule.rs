//! The order and the threads layers are decoded on: one rayon job per layer, the largest
//! started first. Owns only scheduling; what decoding a layer means stays in `cached` and
//! `layer`, what is done with the scans in the caller.

use rayon::prelude::*;

use super::cached::{self, Reach};
use super::resolve::Plan;
use super::store::Store;
use super::{LoadEvent, LoadOptions};
use crate::error::Result;
use crate::model::{ConfigSummary, LayerScan};

/// Decodes every planned layer, one rayon job per layer (rayon keeps it to one per core).
pub(super) fn scan_parallel(
    store: &dyn Store,
    plan: &Plan,
    opts: &LoadOptions,
    reach: Reach,
) -> Result<Vec<LayerScan>> {
    let report = |e: LoadEvent| {
        if let Some(hook) = &opts.progress {
            (hook.0)(e);
        }
    };
    let bytes = plan.layers.iter().filter_map(|l| l.size).sum();
    report(LoadEvent::Layers {
        count: plan.layers.len(),
        bytes,
    });
    // The diff ids complete a cache key; a config that does not parse fails later, in `finish`.
    let diff_ids = match opts.cache {
        Some(_) => ConfigSummary::parse(&plan.config)
            .map(|c| c.diff_ids)
            .unwrap_or_default(),
        None => Vec::new(),
    };
    // Each thread takes the next layer when done (`par_bridge`), rather than rayon splitting
    // the list in halves: layers then finish nearly in order, so a sink merging them in order
    // rarely has one waiting.
    let sizes: Vec<Option<u64>> = plan
        .layers
        .iter()
        .map(|l| l.size.or_else(|| store.size(&l.name)))
        .collect();
    let mut scans: Vec<(usize, LayerScan)> = largest_first(&sizes)
        .into_iter()
        .map(|i| (i, &plan.layers[i]))
        .par_bridge()
        .map(|(i, l)| {
            let diff_id = diff_ids.get(i).map(String::as_str);
            let mut scan = cached::scan_planned(store, i, l, diff_id, opts, reach)?;
            report(LoadEvent::LayerDone { bytes: scan.blob_bytes });
            if let Some(sink) = &opts.sink {
                (sink.0)(i, &mut scan);
            }
            Ok((i, scan))
        })
        .collect::<Result<_>>()?;
    scans.sort_unstable_by_key(|(i, _)| *i);
    Ok(scans.into_iter().map(|(_, scan)| scan).collect())
}

/// The order layers of these sizes are started in: the largest first (no layer can finish
/// sooner than its own decode, so it bounds the wall time, and the others fill the remaining
/// cores beside it), then the rest bottom first. Where no size is known, simply bottom first.
pub(super) fn largest_first(sizes: &[Option<u64>]) -> Vec<usize> {
    let largest = sizes
        .iter()
        .enumerate()
        .filter_map(|(i, s)| Some((s.as_ref()?, std::cmp::Reverse(i))))
        .max()
        .map(|(_, std::cmp::Reverse(i))| i);
    let rest = (0..sizes.len()).filter(|&i| Some(i) != largest);
    largest.into_iter().chain(rest).collect()
}

#[cfg(test)]
mod tests {
    use super::largest_first;

    #[test]
    fn the_largest_layer_starts_first_then_the_rest_bottom_first() {
        assert_eq!(
            largest_first(&[Some(5), Some(9), None, Some(9), Some(1)]),
            [1, 0, 2, 3, 4]
        );
        assert_eq!(largest_first(&[None, None, None]), [0, 1, 2]);
        assert_eq!(largest_first(&[Some(1), Some(2), Some(30)]), [2, 0, 1]);
        assert!(largest_first(&[]).is_empty());
    }
}
