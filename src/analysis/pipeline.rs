//! Merging layers into the tree while later layers are still being decoded. The loader hands
//! each decoded layer to a [`LayerSink`]; layers finish in any order, so they wait here until
//! every layer below them is merged, and whichever decoding thread delivers the next one in
//! order merges it (and any that were waiting on it) before going back to decoding. A merged
//! layer's entries and names are let go at once. Owns the order of merging and the hand-over
//! between threads; what a merge does stays in `merge`, what is kept of a layer in [`Merged`].

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use super::dive::DiveLayer;
use super::merge::{MergeStats, Merger};
use super::packages::Capture;
use crate::model::tree::NONE;
use crate::model::{LayerScan, Tree};
use crate::source::{LayerSink, Loaded};

/// The layers merged so far and what later passes keep of them.
pub struct Merged {
    merger: Merger,
    dive: Vec<DiveLayer>,
    captures: Vec<Capture>,
}

impl Merged {
    fn new(entries: usize) -> Self {
        Self {
            merger: Merger::new(entries),
            dive: Vec::new(),
            captures: Vec::new(),
        }
    }

    /// Merges the next layer up, keeps what dive's figures and the packages read of it and
    /// lets go of its entries.
    fn add(&mut self, scan: &mut LayerScan) {
        let index = self.dive.len();
        let nodes = self.merger.apply(scan);
        self.dive.push(DiveLayer::new(scan, &nodes));
        for (entry, content) in std::mem::take(&mut scan.captured) {
            if let Some(&node) = nodes.get(entry as usize).filter(|&&n| n != NONE) {
                self.captures.push((node, index, content));
            }
        }
        scan.release_entries();
    }

    /// Merges every layer of `image` here and now.
    pub fn all(image: &mut Loaded) -> Self {
        let mut m = Self::new(image.layers.iter().map(|l| l.scan.entries.len()).sum());
        for layer in &mut image.layers {
            m.add(&mut layer.scan);
        }
        m
    }

    /// The tree, per-layer merge figures, dive's view of each layer and the captured files.
    pub fn into_parts(self) -> (Tree, Vec<MergeStats>, Vec<DiveLayer>, Vec<Capture>) {
        let (tree, stats) = self.merger.finish();
        (tree, stats, self.dive, self.captures)
    }
}

struct State {
    /// Delivered layers waiting for those below them, by index.
    waiting: BTreeMap<usize, LayerScan>,
    /// The merge, absent while a thread is merging with it.
    merged: Option<Merged>,
}

/// Layers delivered while loading, merged in order.
pub struct Pipeline {
    state: Mutex<State>,
}

impl Default for Pipeline {
    fn default() -> Self {
        Self {
            state: Mutex::new(State {
                waiting: BTreeMap::new(),
                merged: Some(Merged::new(0)),
            }),
        }
    }
}

impl Pipeline {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while merging is reported where it happened; the data is not used after.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The sink to put in [`LoadOptions::sink`](crate::source::LoadOptions::sink).
    pub fn sink(self: &Arc<Self>) -> LayerSink {
        let me = Arc::clone(self);
        LayerSink(Arc::new(move |index, scan| me.deliver(index, scan)))
    }

    fn deliver(&self, index: usize, scan: &mut LayerScan) {
        let taken = LayerScan {
            entries: std::mem::take(&mut scan.entries),
            names: std::mem::take(&mut scan.names),
            captured: std::mem::take(&mut scan.captured),
            content_bytes: scan.content_bytes,
            ..LayerScan::default()
        };
        let mut state = self.lock();
        state.waiting.insert(index, taken);
        // Another thread is merging: it will find this layer when it gets there.
        let Some(mut merged) = state.merged.take() else {
            return;
        };
        loop {
            let next = merged.dive.len();
            let Some(mut scan) = state.waiting.remove(&next) else {
                break;
            };
            drop(state);
            merged.add(&mut scan);
            state = self.lock();
        }
        state.merged = Some(merged);
    }

    /// After loading: merges what is left (layers of a source that does not deliver, or all
    /// of them) and returns the whole merge.
    ///
    /// # Panics
    /// When a delivery is still merging, which cannot be once the loader has returned.
    pub fn finish(&self, image: &mut Loaded) -> Merged {
        let mut state = self.lock();
        let mut merged = state.merged.take().expect("no layer is merging once loading is done");
        for index in merged.dive.len()..image.layers.len() {
            match state.waiting.remove(&index) {
                Some(mut scan) => merged.add(&mut scan),
                None => merged.add(&mut image.layers[index].scan),
            }
        }
        for layer in &mut image.layers {
            layer.scan.release_entries();
        }
        merged
    }
}
