//! The main pane's context line (right of the tabs) describes what the pane shows and follows
//! the focus: it must never speak of the file tree's view over findings or packages.

use crate::ui::app::Focus;
use crate::ui::testing::*;

/// The top border of the main pane, as text.
fn top_border(app: &crate::ui::app::App) -> String {
    let buf = screen(app);
    let a = app.areas();
    (a.main.x..a.main.x + a.main.width)
        .map(|x| buf[(x, a.main.y)].symbol().to_string())
        .collect()
}

#[test]
fn the_context_follows_the_tab() {
    let mut app = app(160, 48);
    assert!(top_border(&app).contains("layer 7 · all layers up to it · by size"));
    press(&mut app, "2");
    let n = app.analysis.findings.len();
    let border = top_border(&app);
    assert!(border.contains(&format!("all layers · {n} findings")), "{border}");
    assert!(
        !border.contains("by size"),
        "the tree's sort is not the findings': {border}"
    );
    press(&mut app, "f");
    let here = app.shown_findings().len();
    let border = top_border(&app);
    assert!(
        border.contains(&format!("layer 7 · {here} of {n} findings")),
        "{border}"
    );
    press(&mut app, "3");
    assert!(
        top_border(&app).contains("all layers · by size"),
        "{}",
        top_border(&app)
    );
    press(&mut app, "o");
    assert!(
        top_border(&app).contains("all layers · by name"),
        "{}",
        top_border(&app)
    );
}

#[test]
fn the_layer_list_leads_with_the_layer_it_chooses() {
    let mut app = app(160, 48);
    press(&mut app, "2 tab");
    assert_eq!(app.focus, Focus::Layers);
    let border = top_border(&app);
    assert!(border.contains("layer 7 of 8 · all layers ·"), "{border}");
    press(&mut app, "k");
    assert!(top_border(&app).contains("layer 6 of 8 ·"), "{}", top_border(&app));
}

#[test]
fn the_dockerfile_line_names_its_layer() {
    let mut app = app_with_dockerfile(160, 48);
    press(&mut app, "4");
    let border = top_border(&app);
    assert!(border.contains("line 1 ·"), "{border}");
    assert!(!border.contains("all layers up to it"), "{border}");
}

#[test]
fn a_narrow_pane_gets_the_short_form() {
    let mut app = app(80, 24);
    press(&mut app, "2");
    let n = app.analysis.findings.len();
    let border = top_border(&app);
    assert!(
        border.contains(&format!("all {n}")) || border.contains("findings"),
        "{border}"
    );
    assert!(!border.contains("L7 all"), "{border}");
}

/// One finding is `1 finding` in the Findings tab's context, not `1 findings`.
#[test]
fn one_finding_is_counted_in_the_singular() {
    let mut one = (**SAMPLE).clone();
    one.findings.truncate(1);
    let mut app = app_of(&std::sync::Arc::new(one), 160, 48);
    press(&mut app, "2");
    let (long, _) = crate::ui::main_frame::context(&app);
    assert_eq!(long, "all layers · 1 finding");
}
