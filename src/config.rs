//! `.deadweight.toml`: which rules run and how severe they are, paths to ignore, thresholds,
//! and the CI budgets. Parsed with serde; an unknown key is an error that names it. Reading the
//! file is the caller's job; this module only parses text.

pub mod ci;
pub mod dive_ci;

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::catalogue::Severity;
use crate::error::Error;

/// The whole configuration file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The `[rules]` table.
    #[serde(default)]
    pub rules: RulesConfig,
    /// The `[ci]` table: the budgets `--ci` checks.
    #[serde(default)]
    pub ci: ci::CiConfig,
}

/// The `[rules]` table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesConfig {
    /// Rule ids to switch off.
    #[serde(default)]
    pub disable: Vec<String>,
    /// New severity per rule id.
    #[serde(default)]
    pub severity: BTreeMap<String, Severity>,
    /// Path globs (absolute, `**` crosses directories) no rule reports.
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Path globs one rule does not report, by rule id.
    #[serde(default)]
    pub ignore_paths: BTreeMap<String, Vec<String>>,
    /// Thresholds.
    #[serde(default)]
    pub thresholds: Thresholds,
}

/// Tunable limits of the rules.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// Findings that would save fewer bytes than this are dropped (findings about the config,
    /// which save no bytes, are kept).
    #[serde(default = "Thresholds::default_min_bytes")]
    pub min_bytes: u64,
    /// Files in /tmp, /var/tmp and /var/log smaller than this are not reported.
    #[serde(default = "Thresholds::default_temp_file_bytes")]
    pub temp_file_bytes: u64,
    /// Identical files smaller than this are not reported as duplicates.
    #[serde(default = "Thresholds::default_duplicate_file_bytes")]
    pub duplicate_file_bytes: u64,
}

impl RulesConfig {
    /// False when `disable` lists the rule (ids compare case-insensitively).
    pub fn enabled(&self, rule: &str) -> bool {
        !self.disable.iter().any(|d| d.eq_ignore_ascii_case(rule))
    }
}

impl Thresholds {
    fn default_min_bytes() -> u64 {
        1
    }
    fn default_temp_file_bytes() -> u64 {
        1
    }
    fn default_duplicate_file_bytes() -> u64 {
        4096
    }
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            min_bytes: Self::default_min_bytes(),
            temp_file_bytes: Self::default_temp_file_bytes(),
            duplicate_file_bytes: Self::default_duplicate_file_bytes(),
        }
    }
}

impl Config {
    /// Parses the text of a `.deadweight.toml`; the error ([`Error::Config`]) names the key or
    /// line at fault, and the caller adds the file ([`Error::in_file`]).
    pub fn parse(text: &str) -> Result<Self, Error> {
        let bad = |key: Option<String>, reason: String| Error::config("configuration", key, reason);
        let cfg: Config = toml::from_str(text).map_err(|e| bad(None, e.to_string().trim_end().to_string()))?;
        let known = |id: &str| crate::catalogue::find(id).is_some();
        let ids = cfg
            .rules
            .disable
            .iter()
            .chain(cfg.rules.severity.keys())
            .chain(cfg.rules.ignore_paths.keys());
        for id in ids {
            if !known(id) {
                return Err(bad(None, format!("unknown rule id {id:?} (see `deadweight rules`)")));
            }
        }
        for g in cfg.rules.ignore.iter().chain(cfg.rules.ignore_paths.values().flatten()) {
            globset::Glob::new(g).map_err(|e| bad(None, format!("bad glob {g:?}: {e}")))?;
        }
        Ok(cfg)
    }
}
