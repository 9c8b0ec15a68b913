//! Whole-screen snapshots at 80x24 and 160x48, and the NO_COLOR check.

use ratatui::style::Color;

use crate::ui::testing::*;
use crate::ui::theme::Theme;

#[test]
fn full_screen_snapshots() {
    for (w, h) in [(80u16, 24u16), (160, 48)] {
        let mut a = app(w, h);
        insta::assert_snapshot!(format!("screen_start_{w}x{h}"), screen_text(&a));
        press(&mut a, "j j space j");
        insta::assert_snapshot!(format!("screen_var_open_{w}x{h}"), screen_text(&a));
        press(&mut a, "tab k k ctrl+l tab ctrl+space ctrl+space");
        insta::assert_snapshot!(format!("screen_layer5_changes_{w}x{h}"), screen_text(&a));
    }
}

#[test]
fn no_color_draws_without_colours() {
    let mut a = app(160, 48);
    a.theme = Theme::mono();
    press(&mut a, "[ v ctrl+space");
    let buf = screen(&a);
    for cell in buf.content() {
        assert!(
            cell.fg == Color::Reset && cell.bg == Color::Reset,
            "coloured cell {cell:?}"
        );
    }
    assert!(text(&buf).contains("- 1.0 MiB"), "markers still carry the meaning");
}

#[test]
fn too_small_terminal_gets_a_notice() {
    let a = app(50, 10);
    insta::assert_snapshot!("screen_too_small", screen_text(&a));
}
