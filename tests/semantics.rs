//! Tar and layer semantics through the library (fixture -> `source::load` ->
//! `analysis::analyze`): file and directory whiteouts, opaque directories in either tar order,
//! whiteouts of missing paths, a path stored twice in a layer, hard links, chmod-only changes,
//! long and non-UTF-8 names, `..` and absolute names, entry counts, history mapping, and that
//! the byte figures balance.

use deadweight::analysis::Analysis;
use deadweight::model::{Change, EntryKind, HiddenHow, Tree};

use crate::support::fixture::{Image, Layer};
use crate::support::{analyze_image, assert_balanced, rich_image, tmp};

fn analyze(image: Image) -> Analysis {
    let dir = tmp();
    analyze_image(dir.path(), &image)
}

fn stack(layers: Vec<Layer>) -> Analysis {
    let image = layers
        .into_iter()
        .enumerate()
        .fold(Image::new(), |img, (i, l)| img.layer(&format!("layer {i}"), l));
    analyze(image)
}

/// The visible version at `path` in the final image, if any.
fn visible(a: &Analysis, path: &[u8]) -> Option<(EntryKind, u64)> {
    let node = a.tree.lookup(path)?;
    a.tree.current(node).map(|v| {
        let v = a.tree.version(v);
        (v.kind, v.size)
    })
}

/// Bytes balance: shipped = visible + hidden, and what layers lose to later ones is the hidden.
#[test]
fn file_whiteout_hides_the_file() {
    let a = stack(vec![
        Layer::new().file("a.txt", vec![0; 100]).file("b.txt", "b"),
        Layer::new().whiteout("a.txt"),
    ]);
    assert_eq!(visible(&a, b"a.txt"), None);
    assert_eq!(visible(&a, b"b.txt"), Some((EntryKind::File, 1)));
    assert_eq!((a.merge[1].deleted_bytes, a.merge[0].hidden_later_bytes), (100, 100));
    assert_eq!(a.layers()[1].scan.counts.whiteouts, 1);
    assert_eq!(a.layers()[1].scan.counts.files, 0, "a whiteout marker is not a file");
    let v = a
        .tree
        .history(a.tree.lookup(b"a.txt").unwrap())
        .map(|(_, v)| *v)
        .collect::<Vec<_>>();
    assert_eq!(v[0].change, Change::Deleted);
    assert_eq!((v[1].hidden_by, v[1].hidden_how), (1, HiddenHow::Whiteout));
    assert_balanced(&a);
}

#[test]
fn directory_whiteout_hides_the_subtree() {
    let a = stack(vec![
        Layer::new()
            .dir("d")
            .file("d/x", vec![0; 10])
            .file("d/sub/y", vec![0; 20])
            .file("e", "e"),
        Layer::new().whiteout("d"),
    ]);
    for p in [&b"d"[..], b"d/x", b"d/sub", b"d/sub/y"] {
        assert_eq!(visible(&a, p), None, "{}", String::from_utf8_lossy(p));
    }
    assert_eq!(a.merge[1].deleted_bytes, 30);
    assert_eq!((a.final_fs.files, a.final_fs.dirs, a.final_fs.bytes), (1, 0, 1));
    assert_balanced(&a);
}

#[test]
fn opaque_directory_hides_lower_children_whatever_the_marker_order() {
    for marker_first in [true, false] {
        let mut upper = Layer::new().dir("o");
        if marker_first {
            upper = upper.opaque("o");
        }
        upper = upper.file("o/new", "new").file("o/sub/new2", "n2");
        if !marker_first {
            upper = upper.opaque("o");
        }
        let a = stack(vec![
            Layer::new()
                .dir("o")
                .file("o/old", vec![0; 40])
                .file("o/sub/old2", vec![0; 2])
                .file("keep", "k"),
            upper,
        ]);
        let what = format!("marker first: {marker_first}");
        assert_eq!(visible(&a, b"o/old"), None, "{what}");
        assert_eq!(visible(&a, b"o/sub/old2"), None, "{what}");
        assert_eq!(visible(&a, b"o/new"), Some((EntryKind::File, 3)), "{what}");
        assert_eq!(visible(&a, b"o/sub/new2"), Some((EntryKind::File, 2)), "{what}");
        assert_eq!(visible(&a, b"o").map(|v| v.0), Some(EntryKind::Dir), "{what}");
        assert_eq!(a.merge[1].deleted_bytes, 42, "{what}");
        assert_eq!(a.layers()[1].scan.counts.opaque_dirs, 1);
        let old = a
            .tree
            .history(a.tree.lookup(b"o/old").unwrap())
            .next()
            .unwrap()
            .1
            .hidden_how;
        assert_eq!(old, HiddenHow::Opaque, "{what}");
        assert_balanced(&a);
    }
}

#[test]
fn whiteout_in_the_same_layer_does_not_hide_its_own_entries() {
    for whiteout_first in [true, false] {
        let upper = match whiteout_first {
            true => Layer::new().whiteout("x").file("x", "new"),
            false => Layer::new().file("x", "new").whiteout("x"),
        };
        let a = stack(vec![Layer::new().file("x", "old!"), upper]);
        assert_eq!(
            visible(&a, b"x"),
            Some((EntryKind::File, 3)),
            "whiteout first: {whiteout_first}"
        );
        assert_balanced(&a);
    }
}

#[test]
fn whiteout_of_a_missing_path_is_counted_not_fatal() {
    let a = stack(vec![
        Layer::new().file("a", "a"),
        Layer::new().whiteout("ghost").whiteout("dir/ghost").file("b", "b"),
    ]);
    assert_eq!(a.merge[1].whiteouts_missing, 2);
    assert_eq!(a.merge[1].deleted_bytes, 0);
    assert_eq!(
        visible(&a, b"b"),
        Some((EntryKind::File, 1)),
        "the layer's walk went on"
    );
    assert_balanced(&a);
}

#[test]
fn same_path_twice_in_one_layer_later_wins() {
    let a = stack(vec![
        Layer::new().file("t", "first").file("./t", "second!").file("/t", "3rd"),
    ]);
    assert_eq!(visible(&a, b"t"), Some((EntryKind::File, 3)));
    assert_eq!(a.totals.bytes, 15);
    assert_eq!((a.totals.final_bytes, a.totals.hidden_bytes), (3, 12));
    assert_eq!(a.merge[0].hidden_later_bytes, 12, "a layer can hide its own bytes");
    assert_balanced(&a);
}

#[test]
fn hard_links_count_zero_bytes() {
    let a = stack(vec![
        Layer::new()
            .file("f", vec![0; 1000])
            .hardlink("h1", "f")
            .hardlink("h2", "f"),
    ]);
    let l = &a.layers()[0].scan;
    assert_eq!((l.content_bytes, l.counts.files, l.counts.hardlinks), (1000, 1, 2));
    assert_eq!(visible(&a, b"h1"), Some((EntryKind::Hardlink, 0)));
    assert_eq!((a.final_fs.files, a.final_fs.hardlinks, a.final_fs.bytes), (1, 2, 1000));
    let v = a.tree.version(a.tree.current(a.tree.lookup(b"h2").unwrap()).unwrap());
    assert_eq!(a.tree.link(v), Some(&b"f"[..]));
    assert_balanced(&a);
}

/// A hard link shares the content its target had when the link was made: replacing the target
/// path later does not change what the link holds, and a link to a link reaches the file.
#[test]
fn a_hard_link_resolves_to_the_content_it_was_made_with() {
    let a = stack(vec![
        Layer::new()
            .file("f", vec![0; 1000])
            .hardlink("h", "f")
            .hardlink("hh", "./h"),
        Layer::new().file("f", vec![1; 10]),
    ]);
    let target = |path: &[u8]| {
        let v = a.tree.version(a.tree.current(a.tree.lookup(path).unwrap()).unwrap());
        a.tree
            .hardlink_target(v)
            .map(|t| (a.tree.version(t).layer, a.tree.version(t).size))
    };
    assert_eq!(target(b"h"), Some((0, 1000)));
    assert_eq!(target(b"hh"), Some((0, 1000)));
    assert_eq!(target(b"f"), None, "not a hard link");
}

#[test]
fn chmod_or_chown_only_change_is_metadata() {
    let a = stack(vec![
        Layer::new().file("c", vec![5; 64]).file("d", "dd"),
        Layer::new()
            .file_with("c", vec![5; 64], 0o600, 0, 0)
            .file_with("d", "dd", 0o644, 1000, 1000),
        Layer::new().file("c", vec![6; 64]),
    ]);
    let m = &a.merge[1];
    assert_eq!((m.modified_bytes, m.metadata_only_bytes, m.added_bytes), (66, 66, 0));
    assert_eq!(
        (a.merge[2].modified_bytes, a.merge[2].metadata_only_bytes),
        (64, 0),
        "new content is no metadata change"
    );
    let c: Vec<Change> = a
        .tree
        .history(a.tree.lookup(b"c").unwrap())
        .map(|(_, v)| v.change)
        .collect();
    assert_eq!(c, [Change::Modified, Change::Metadata, Change::Added]);
    let d = a.tree.version(a.tree.current(a.tree.lookup(b"d").unwrap()).unwrap());
    assert_eq!((d.change, d.uid, d.gid), (Change::Metadata, 1000, 1000));
    assert_eq!(a.merge[0].hidden_later_bytes, 66, "the old copies are shadowed");
    assert_balanced(&a);
}

#[test]
fn long_names_round_trip_in_pax_and_gnu_form() {
    let name = format!("a/{}/{}", "x".repeat(90), "y".repeat(90));
    let target = format!("/{}", "t".repeat(150));
    for gnu in [false, true] {
        let mut layer = Layer::new()
            .file(&name, "long")
            .symlink("link", &target)
            .hardlink(format!("{name}.hl"), &name);
        if gnu {
            layer = layer.gnu_long_names();
        }
        let a = stack(vec![layer]);
        assert_eq!(visible(&a, name.as_bytes()), Some((EntryKind::File, 4)), "gnu: {gnu}");
        let node = a.tree.lookup(name.as_bytes()).unwrap();
        assert_eq!(a.tree.path(node), format!("/{name}"));
        let link = a.tree.version(a.tree.current(a.tree.lookup(b"link").unwrap()).unwrap());
        assert_eq!(a.tree.link(link), Some(target.as_bytes()), "gnu: {gnu}");
        let hl = a.tree.version(
            a.tree
                .current(a.tree.lookup(format!("{name}.hl").as_bytes()).unwrap())
                .unwrap(),
        );
        assert_eq!(a.tree.link(hl), Some(name.as_bytes()), "gnu: {gnu}");
        assert_eq!(a.layers()[0].scan.counts.files, 1, "extension headers are not entries");
    }
}

#[test]
fn non_utf8_names_are_kept_and_escaped_for_display() {
    let a = stack(vec![Layer::new().file(b"caf\xe9.txt", "x").file(b"d\xff/\xfe", "yy")]);
    let node = a.tree.lookup(b"caf\xe9.txt").expect("the raw name is the key");
    assert_eq!(a.tree.path_bytes(node), b"/caf\xe9.txt");
    assert_eq!(a.tree.path(node), "/caf\\xe9.txt");
    assert_eq!(a.tree.path(a.tree.lookup(b"d\xff/\xfe").unwrap()), "/d\\xff/\\xfe");
    assert_eq!(a.final_fs.bytes, 3);
    let r: serde_json::Value = serde_json::from_str(&deadweight::report::json::to_json(&a)).unwrap();
    let largest: Vec<&str> = r["layers"][0]["largest"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        largest,
        ["/d\\xff/\\xfe", "/caf\\xe9.txt"],
        "the report escapes the same way"
    );
}

#[test]
fn dot_dot_and_absolute_names_are_just_names() {
    let a = stack(vec![
        Layer::new()
            .file("../escape", "e")
            .file("/abs/f", "1")
            .file("a/../b", "22"),
        Layer::new().file("abs/f", "333"),
    ]);
    assert_eq!(a.tree.path(a.tree.lookup(b"../escape").unwrap()), "/../escape");
    assert_eq!(
        visible(&a, b"abs/f"),
        Some((EntryKind::File, 3)),
        "/abs/f and abs/f are one path"
    );
    assert_eq!(
        visible(&a, b"a/../b"),
        Some((EntryKind::File, 2)),
        "`..` is not resolved"
    );
    assert_eq!(visible(&a, b"b"), None);
    assert_balanced(&a);
}

#[test]
fn entry_counts_by_type() {
    let a = stack(vec![
        Layer::new()
            .dir("./")
            .dir("d")
            .file("d/f", "f")
            .symlink("s", "d/f")
            .hardlink("h", "d/f")
            .char_device("c", 1, 3)
            .fifo("p"),
        Layer::new().whiteout("s").opaque("d").file("d/g", "g"),
    ]);
    let c = a.layers()[0].scan.counts;
    assert_eq!(
        (c.files, c.dirs, c.symlinks, c.hardlinks, c.devices, c.fifos, c.other),
        (1, 1, 1, 1, 1, 1, 2),
        "root ./ not counted"
    );
    let c = a.layers()[1].scan.counts;
    assert_eq!((c.files, c.whiteouts, c.opaque_dirs), (1, 1, 1));
    let f = a.final_fs;
    assert_eq!((f.files, f.dirs, f.symlinks, f.hardlinks, f.other), (1, 1, 0, 1, 2));
    assert_eq!(visible(&a, b"c").map(|v| v.0), Some(EntryKind::Device));
    assert_eq!(visible(&a, b"p").map(|v| v.0), Some(EntryKind::Fifo));
}

#[test]
fn history_maps_to_layers_skipping_empty_layer_entries() {
    let a = analyze(rich_image());
    let r: serde_json::Value = serde_json::from_str(&deadweight::report::json::to_json(&a)).unwrap();
    let created_by: Vec<&str> = r["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["created_by"].as_str().unwrap())
        .collect();
    assert_eq!(created_by[0], "ADD rootfs.tar / # base");
    assert!(created_by[1].starts_with("RUN rm -rf"));
    assert_eq!(created_by[2], "COPY . /");
    let a = analyze(Image::new().layer("x", Layer::new().file("f", "1")).without_history());
    let r: serde_json::Value = serde_json::from_str(&deadweight::report::json::to_json(&a)).unwrap();
    assert_eq!(r["layers"][0]["created_by"], serde_json::Value::Null);
}

#[test]
fn rich_image_balances_and_keeps_every_kind() {
    let a = analyze(rich_image());
    assert_balanced(&a);
    assert_eq!(visible(&a, b"data/big.bin"), None);
    assert_eq!(visible(&a, b"data/cache/sub/b"), None);
    assert_eq!(visible(&a, b"opq/old.txt"), None);
    assert_eq!(visible(&a, b"twice.txt"), Some((EntryKind::File, 7)));
    assert_eq!(visible(&a, b"data/keep.txt"), Some((EntryKind::File, 7)));
    assert_eq!(a.merge[1].whiteouts_missing, 1);
    assert_eq!(a.merge[1].metadata_only_bytes, 12);
    assert!(a.tree.len() > 20 && a.tree.children(Tree::ROOT).count() >= 8);
}

#[test]
fn report_flows_add_up_to_the_layer_figures() {
    let a = analyze(rich_image());
    let r: serde_json::Value = serde_json::from_str(&deadweight::report::json::to_json(&a)).unwrap();
    let sum = |flows: &serde_json::Value| {
        flows
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["bytes"].as_u64().unwrap())
            .sum::<u64>()
    };
    for l in r["layers"].as_array().unwrap() {
        let i = &l["index"];
        assert_eq!(
            sum(&l["hidden_by"]),
            l["hidden_later_bytes"].as_u64().unwrap(),
            "layer {i}: hidden_by"
        );
        let removed = l["deleted_bytes"].as_u64().unwrap() + l["replaced_bytes"].as_u64().unwrap();
        assert_eq!(sum(&l["hides"]), removed, "layer {i}: hides");
    }
}

#[test]
fn pax_global_header_is_not_an_entry() {
    let a = stack(vec![Layer::new().pax_global_header("abc123").file("f", "f")]);
    let c = a.layers()[0].scan.counts;
    assert_eq!((c.files, c.other, c.total()), (1, 0, 1));
    assert_eq!(
        a.tree.lookup(b"pax_global_header").and_then(|n| a.tree.current(n)),
        None
    );
    assert_eq!(a.final_fs.other, 0);
}

/// The `directories` list holds top-level directories: a file at the root is not listed as a
/// directory but counted under `/` alone, so the list adds up to the final filesystem; deleted
/// or hidden files count nowhere.
#[test]
fn top_level_directories_are_directories_only() {
    let a = stack(vec![
        Layer::new()
            .file("README", vec![0; 50])
            .file("app/main.py", vec![0; 300])
            .file("usr/lib/x.so", vec![0; 1000])
            .file("usr/lib/gone", vec![0; 7]),
        Layer::new().whiteout("usr/lib/gone").file("app/data", vec![0; 20]),
    ]);
    let dirs: Vec<(&str, u64, u64)> = a
        .directories
        .iter()
        .map(|d| (d.path.as_str(), d.bytes, d.files))
        .collect();
    assert_eq!(dirs, [("/", 50, 1), ("/app", 320, 2), ("/usr", 1000, 1)]);
    assert_eq!(a.final_fs.bytes, dirs.iter().map(|d| d.1).sum::<u64>());
}
