//! Tests of the node states and the filters on the sample image.

use super::*;
use crate::ui::filter::{Filters, path_matches, path_matches_within, shown, shown_general};
use crate::ui::testing::SAMPLE;

#[test]
fn root_sizes_add_up_in_both_views() {
    let a = &**SAMPLE;
    let index = Index::new(&a.tree);
    let mut s = NodeStates::default();
    for (i, l) in a.layers().iter().enumerate() {
        s.compute(&a.tree, &index, i as u16, ViewMode::Changes);
        let m = a.merge[i];
        assert_eq!(s.size[0], l.scan.content_bytes + m.deleted_bytes, "layer {i} changes");
    }
    let last = a.layers().len() as u16 - 1;
    s.compute(&a.tree, &index, last, ViewMode::Cumulative);
    assert_eq!(s.size[0], a.totals.final_bytes);
}

#[test]
fn path_filter_matches_names_and_slashes_smart_case() {
    let a = &**SAMPLE;
    let index = Index::new(&a.tree);
    let id = |p: &str| a.tree.lookup(p.as_bytes()).expect(p) as usize;
    let m = path_matches(&a.tree, &index, "apt/lists");
    assert!(m.get(id("/var/lib/apt/lists")) && !m.get(id("/var/lib/apt")));
    assert!(m.get(id("/var/lib/apt/lists/lock")), "below a match");
    let m = path_matches(&a.tree, &index, "/TMP");
    assert!(!m.get(id("/tmp")), "capitals: case-sensitive");
    let m = path_matches(&a.tree, &index, "/tmp/MODEL.bin".to_lowercase().as_str());
    assert!(m.get(id("/tmp/model.bin")));
    assert_eq!(path_matches(&a.tree, &index, "zzz-none").count(), 0);
}

#[test]
fn fast_paths_of_shown_equal_the_general_case() {
    let a = &**SAMPLE;
    let index = Index::new(&a.tree);
    let mut s = NodeStates::default();
    for layer in 0..a.layers().len() as u16 {
        for mode in [ViewMode::Changes, ViewMode::Cumulative] {
            s.compute(&a.tree, &index, layer, mode);
            for pat in [None, Some("lib"), Some("apt/li"), Some("zz")] {
                let m = pat.map(|p| path_matches(&a.tree, &index, p));
                let (mut fast, mut general) = (BitSet::default(), BitSet::default());
                shown(&s, &index, &Filters::default(), m.as_ref(), &mut fast);
                shown_general(&s, &index, &Filters::default(), m.as_ref(), &mut general);
                assert_eq!(fast.iter().collect::<Vec<_>>(), general.iter().collect::<Vec<_>>());
            }
        }
    }
}

#[test]
fn narrowing_a_path_filter_equals_computing_it() {
    let a = &**SAMPLE;
    let index = Index::new(&a.tree);
    let wide = path_matches(&a.tree, &index, "li");
    for p in ["lib", "LIB", "lib/", "/lib/p", "dist-packages/"] {
        let narrowed = path_matches_within(&a.tree, &index, p, Some(&wide));
        let full = path_matches(&a.tree, &index, p);
        assert_eq!(
            narrowed.iter().collect::<Vec<_>>(),
            full.iter().collect::<Vec<_>>(),
            "{p}"
        );
    }
}
