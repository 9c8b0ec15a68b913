//! Properties over random layer stacks (proptest, shrunk on failure): the same stack written in
//! every container format gives the same report; the byte identities hold (shipped = final +
//! hidden); merging layers while they decode changes nothing; and the findings never count a
//! byte twice, so what they promise to reclaim never exceeds what the image ships. The merge itself is checked against a model in `merge_model`.

use proptest::prelude::*;
use serde_json::Value;

use deadweight::analysis::{self, Analysis};
use deadweight::report::json;
use deadweight::source::{self, LoadOptions};

use crate::merge_model::{build_layer, layer_strategy};
use crate::support::fixture::Image;
use crate::support::layout::Format;
use crate::support::{assert_balanced, comparable, tmp};

fn image_of(stack: &[Vec<crate::merge_model::GenOp>]) -> Image {
    stack.iter().enumerate().fold(Image::new(), |img, (i, ops)| {
        img.layer(&format!("RUN step {i}"), build_layer(ops))
    })
}

fn load(path: &std::path::Path) -> Analysis {
    let spec = source::reference::parse(path.to_str().unwrap(), None).unwrap();
    analysis::analyze(source::load(&spec, &LoadOptions::default()).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn every_format_gives_the_same_report(stack in prop::collection::vec(layer_strategy(), 1..4)) {
        let dir = tmp();
        let image = image_of(&stack);
        let mut first: Option<Value> = None;
        for format in Format::ALL {
            let a = load(&format.save(dir.path(), std::slice::from_ref(&image)));
            let report = comparable(serde_json::from_str(&json::to_json(&a)).unwrap());
            match &first {
                None => first = Some(report),
                Some(f) => prop_assert_eq!(f, &report, "{:?} differs", format),
            }
        }
    }

    /// Merging each layer as it is decoded (the binary's way) gives the report merging them
    /// all after loading gives, in every format.
    #[test]
    fn merging_while_decoding_changes_nothing(stack in prop::collection::vec(layer_strategy(), 1..6)) {
        let dir = tmp();
        let image = image_of(&stack);
        for format in Format::ALL {
            let path = format.save(dir.path(), std::slice::from_ref(&image));
            let spec = source::reference::parse(path.to_str().unwrap(), None).unwrap();
            let piped = analysis::load_and_analyze(&spec, &LoadOptions::default(), &Default::default()).unwrap();
            prop_assert_eq!(json::to_json(&piped), json::to_json(&load(&path)), "{:?}", format);
        }
    }

    #[test]
    fn bytes_balance_and_no_byte_is_reclaimed_twice(stack in prop::collection::vec(layer_strategy(), 1..6)) {
        let dir = tmp();
        let a = load(&Format::OciArchive.save(dir.path(), &[image_of(&stack)]));
        assert_balanced(&a);
        let promised: u64 = a.findings.iter().map(|f| f.reclaimable_bytes).sum();
        prop_assert!(
            promised <= a.totals.bytes,
            "findings promise {} bytes of {} shipped: {:#?}",
            promised,
            a.totals.bytes,
            a.findings.iter().map(|f| (f.rule, f.reclaimable_bytes)).collect::<Vec<_>>()
        );
    }
}

/// The same on every image file of the corpus, in every format it ships.
#[test]
fn merging_while_decoding_changes_nothing_on_the_corpus() {
    let Some(corpus) = crate::support::corpus_dir() else {
        return;
    };
    let mut checked = 0;
    for dir in crate::corpus::images(&corpus) {
        for (path, _) in crate::corpus::shipped(&dir) {
            let spec = source::reference::parse(path.to_str().unwrap(), None).unwrap();
            let piped = analysis::load_and_analyze(&spec, &LoadOptions::default(), &Default::default()).unwrap();
            assert_eq!(json::to_json(&piped), json::to_json(&load(&path)), "{}", path.display());
            checked += 1;
        }
    }
    assert!(checked >= 3, "only {checked} corpus images");
}
