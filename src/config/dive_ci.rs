//! dive's `.dive-ci` file (YAML), read as dive reads it so a team migrating from dive keeps its
//! pipeline: the three `rules` (keys matched case-insensitively, like dive's config reader)
//! become the dive fields of a [`CiConfig`]; whatever else dive tolerates (a `plugins:` key,
//! plugin rules named `plugin/rule`, any other key or rule) is ignored with a warning that
//! names it, never an error. A bad value of a known rule stays an error. Parses text only.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_yaml_ng::Value;

use super::ci::{CiConfig, DiveRule, Scalar};
use crate::error::Error;

/// What a `.dive-ci` says: the budgets, and what in it was ignored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DiveCi {
    /// dive's rules, in the shape of the `[ci]` table.
    pub config: CiConfig,
    /// One line per key or rule ignored, naming it.
    pub warnings: Vec<String>,
}

#[derive(Deserialize)]
struct DiveCiFile {
    rules: Option<BTreeMap<String, Value>>,
    #[serde(flatten)]
    other: BTreeMap<String, Value>,
}

const RULES: &str = "lowestEfficiency, highestWastedBytes and highestUserWastedPercent";

/// Parses the text of a `.dive-ci` file. The error ([`Error::Config`]) names the rule at fault;
/// the caller adds the file.
pub fn parse_dive_ci(text: &str) -> Result<DiveCi, Error> {
    dive_ci(text).map_err(|reason| Error::config("CI configuration", None, reason))
}

fn dive_ci(text: &str) -> Result<DiveCi, String> {
    let mut out = DiveCi::default();
    if text.trim().is_empty() {
        return Ok(out);
    }
    let file: DiveCiFile = serde_yaml_ng::from_str(text).map_err(|e| e.to_string())?;
    for key in file.other.keys() {
        out.warnings.push(match key.as_str() {
            "plugins" => "`plugins` ignored: deadweight runs no dive plugins".to_string(),
            _ => format!("unknown key {key:?} ignored (dive reads only `rules`)"),
        });
    }
    for (key, value) in file.rules.unwrap_or_default() {
        let at = |e: String| format!("rules.{key}: {e}");
        let scalar = || -> Result<Option<Scalar>, String> {
            serde_yaml_ng::from_value(value.clone()).map_err(|e| at(e.to_string()))
        };
        let cfg = &mut out.config;
        match key.to_ascii_lowercase().as_str() {
            "lowestefficiency" => cfg.lowest_efficiency = Some(DiveRule::from_value(scalar()?.as_ref()).map_err(at)?),
            "highestwastedbytes" => {
                cfg.highest_wasted_bytes = Some(DiveRule::from_value(scalar()?.as_ref()).map_err(at)?)
            }
            "highestuserwastedpercent" => {
                cfg.highest_user_wasted_percent = Some(DiveRule::from_value(scalar()?.as_ref()).map_err(at)?)
            }
            _ if key.contains('/') => out.warnings.push(format!(
                "rule {key:?} ignored: a plugin's rule, and deadweight runs no dive plugins"
            )),
            _ => out
                .warnings
                .push(format!("unknown rule {key:?} ignored (dive's rules are {RULES})")),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ci::{ByteSize, Ratio};

    #[test]
    fn dive_ci_files() {
        let cfg = parse_dive_ci(
            "rules:\n  lowestEfficiency: 0.95\n  highestWastedBytes: 20MB\n  highestUserWastedPercent: disabled\n",
        )
        .unwrap();
        assert!(cfg.warnings.is_empty());
        let cfg = cfg.config;
        assert_eq!(cfg.lowest_efficiency, Some(DiveRule::Limit(Ratio(0.95))));
        assert_eq!(cfg.highest_wasted_bytes, Some(DiveRule::Limit(ByteSize(20_000_000))));
        assert_eq!(cfg.highest_user_wasted_percent, Some(DiveRule::Disabled));
        let cfg = parse_dive_ci("rules:\n  highestwastedbytes:\n  LOWESTEFFICIENCY: false\n")
            .unwrap()
            .config;
        assert_eq!(cfg.highest_wasted_bytes, Some(DiveRule::Disabled));
        assert_eq!(cfg.lowest_efficiency, Some(DiveRule::Disabled));
        assert!(parse_dive_ci("rules:\n  lowestEfficiency: 1.5\n").is_err());
        assert!(parse_dive_ci("rules: [1, 2]\n").is_err());
        assert_eq!(parse_dive_ci("").unwrap(), DiveCi::default());
    }

    #[test]
    fn what_dive_tolerates_is_a_warning_naming_it() {
        let text = "plugins:\n  - name: x\nrules:\n  lowestEfficency: 0.9\n  my-plugin/max-layers: {limit: 3}\n  \
                    lowestEfficiency: 0.8\nextra: 1\n";
        let cfg = parse_dive_ci(text).unwrap();
        assert_eq!(cfg.config.lowest_efficiency, Some(DiveRule::Limit(Ratio(0.8))));
        let all = cfg.warnings.join("\n");
        for name in ["plugins", "lowestEfficency", "my-plugin/max-layers", "extra"] {
            assert!(all.contains(name), "{name} is named: {all}");
        }
        assert_eq!(cfg.warnings.len(), 4, "{all}");
    }
}
