//! The rules' configuration (`[rules]` of `.deadweight.toml`): disabling a rule, changing its
//! severity, ignoring paths, and the errors that name an unknown key or rule.

use deadweight::analysis::AnalyzeOptions;
use deadweight::catalogue::Severity;
use deadweight::config::Config;

use crate::rules::{analyse_with, careful, fired};
use crate::support::fixture::Layer;
use crate::support::{bin, fails};

#[test]
fn configuration_disables_regrades_and_ignores() {
    let img = || {
        careful().layer(
            "COPY . /app # buildkit",
            Layer::new()
                .file("app/.git/HEAD", vec![1u8; 100])
                .file("app/.env", "K=v\n"),
        )
    };
    let cfg = Config::parse("[rules]\ndisable = [\"DW401\"]\n[rules.severity]\nDW405 = \"info\"\n").unwrap();
    let f = analyse_with(
        img(),
        AnalyzeOptions {
            rules: cfg.rules,
            ..Default::default()
        },
    );
    assert!(!fired(&f, "DW401"));
    assert_eq!(
        f.iter().find(|x| x.rule == "DW405").map(|x| x.severity),
        Some(Severity::Info)
    );
    let cfg = Config::parse("[rules]\nignore = [\"/app/.env\"]\n").unwrap();
    let f = analyse_with(
        img(),
        AnalyzeOptions {
            rules: cfg.rules,
            ..Default::default()
        },
    );
    assert!(!fired(&f, "DW405") && fired(&f, "DW401"));
}

#[test]
fn unknown_configuration_keys_and_rules_are_errors_naming_them() {
    assert!(
        Config::parse("[rules]\ndisabel = []\n")
            .unwrap_err()
            .to_string()
            .contains("disabel")
    );
    assert!(
        Config::parse("[rules]\ndisable = [\"DW999\"]\n")
            .unwrap_err()
            .to_string()
            .contains("DW999")
    );
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("bad.toml");
    std::fs::write(&cfg, "[rulez]\n").unwrap();
    let err = fails(bin().arg("assets/sample.tar").arg("--config").arg(&cfg));
    assert!(err.contains("rulez") && err.contains("bad.toml"), "{err}");
}
