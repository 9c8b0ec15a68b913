//! Dumps a real frame of the UI (the Dockerfile view) on the sample image (cells with text, colours and modifiers) to
//! `target/ui-screenshot.json`; `assets/make-screenshot.py` draws it as `assets/screenshot.png`.
//! Ignored by default: `cargo test --bin deadweight ui::tests::screenshot -- --ignored`.

use ratatui::style::Modifier;
use serde_json::json;

use crate::ui::testing::*;

#[test]
#[ignore = "writes target/ui-screenshot.json for assets/make-screenshot.py"]
fn dump_screenshot() {
    let mut a = app_with_dockerfile(132, 40);
    // The Dockerfile view, like a profiler's source view, on the line that wasted the most.
    press(&mut a, "4 j j j j j j j enter");
    let buf = screen(&a);
    let cells: Vec<_> = (0..buf.area.height)
        .map(|y| {
            (0..buf.area.width)
                .map(|x| {
                    let c = &buf[(x, y)];
                    let m = c.modifier;
                    json!([
                        c.symbol(),
                        format!("{:?}", c.fg),
                        format!("{:?}", c.bg),
                        m.contains(Modifier::BOLD),
                        m.contains(Modifier::DIM),
                        m.contains(Modifier::REVERSED),
                        m.contains(Modifier::UNDERLINED),
                    ])
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let out = json!({"width": buf.area.width, "height": buf.area.height, "rows": cells});
    let path = format!("{}/target/ui-screenshot.json", env!("CARGO_MANIFEST_DIR"));
    std::fs::write(&path, out.to_string()).expect("write the screenshot dump");
    println!("{}", text(&buf));
}
