//! Journeys through the Dockerfile view (`--dockerfile`): every line with its layers' bytes,
//! and Enter to the line's layer.

use crate::ui::app::Tab;
use crate::ui::dockerfile::DockerfileView;
use crate::ui::testing::*;

#[test]
fn dockerfile_snapshots() {
    for (w, h) in [(80u16, 24u16), (160, 48)] {
        let mut app = app_with_dockerfile(w, h);
        press(&mut app, "4");
        insta::assert_snapshot!(format!("dockerfile_{w}x{h}"), screen_text(&app));
    }
}

/// Each line that made a layer shows that layer's bytes, the bytes of it later deleted, and the
/// rules that found something on it; lines that made none show no figures.
#[test]
fn lines_carry_their_layers_figures() {
    let app = app_with_dockerfile(160, 48);
    let a = &app.analysis;
    let d = app.dockerfile.as_ref().expect("the sample's Dockerfile parses");
    for (i, o) in a.attribution.layers.iter().enumerate() {
        let Some(line) = o.dockerfile_line else { continue };
        let f = DockerfileView::figures(a, line);
        assert!(f.layers.contains(&i));
        assert_eq!(
            f.added,
            f.layers.iter().map(|&l| a.layers()[l].scan.content_bytes).sum::<u64>()
        );
        for x in a.findings.iter().filter(|x| x.dockerfile_line == Some(line)) {
            assert!(f.rules.contains(&x.rule), "{line}: {}", x.rule);
        }
        assert!(d.text_of(line).is_some(), "line {line} starts an instruction");
    }
    let first = DockerfileView::figures(a, 1);
    assert!(first.layers.is_empty(), "FROM makes no layer of its own");
}

/// Enter on a line selects the layer it made; on a line that made none, says so.
#[test]
fn enter_selects_the_lines_layer() {
    let mut app = app_with_dockerfile(160, 48);
    press(&mut app, "4");
    assert_eq!(app.tab, Tab::Dockerfile);
    let target = app
        .analysis
        .attribution
        .layers
        .iter()
        .position(|o| o.dockerfile_line.is_some())
        .expect("a matched layer");
    let line = app.analysis.attribution.layers[target]
        .dockerfile_line
        .unwrap_or_default();
    press(&mut app, "g");
    for _ in 1..line {
        press(&mut app, "j");
    }
    press(&mut app, "enter");
    assert_eq!(app.layer, target);
    press(&mut app, "g enter");
    assert!(
        app.message.as_deref().unwrap_or("").contains("made no layer"),
        "{:?}",
        app.message
    );
}

/// Without `--dockerfile` there is no tab 4, and `4` does nothing.
#[test]
fn no_dockerfile_no_view() {
    let mut app = app(160, 48);
    press(&mut app, "4");
    assert_eq!(app.tab, Tab::Files);
    assert!(!screen_text(&app).contains("4 Dockerfile"));
}

/// With `--dockerfile` the layers pane shows the Dockerfile's own text for each layer.
#[test]
fn layers_show_the_dockerfiles_text() {
    let app = app_with_dockerfile(160, 48);
    let d = app.dockerfile.as_ref().expect("parsed");
    for (i, o) in app.analysis.attribution.layers.iter().enumerate() {
        if let Some(line) = o.dockerfile_line {
            assert_eq!(
                crate::ui::layers::instruction(&app, i),
                d.text_of(line).unwrap_or_default()
            );
        }
    }
}
