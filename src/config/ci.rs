//! The `[ci]` table of `.deadweight.toml` (and the shape `.dive-ci` is read into): the budgets `--ci` checks,
//! as typed values (sizes, ratios, growth limits, dive's switchable rules) that are validated
//! while they are parsed, so a misconfigured budget is an error and never a silent pass.
//! Parses text only; reading files, merging with flags' values and evaluating budgets belong to
//! the binary and to `report::ci`.

use std::str::FromStr;

use serde::{Deserialize, Deserializer};

use crate::catalogue::Severity;
use crate::error::Error;

/// The `[ci]` table (and what flags and `.dive-ci` say, in the same shape). `None` means
/// "not said here": layers are merged with [`CiConfig::overlay`] and defaults are applied last.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CiConfig {
    /// Content bytes of all layers together (what is shipped).
    pub max_total_bytes: Option<ByteSize>,
    /// Content bytes of the final filesystem.
    pub max_final_bytes: Option<ByteSize>,
    /// Content bytes above the base image.
    pub max_user_bytes: Option<ByteSize>,
    /// Layer blob bytes as stored (what a pull downloads).
    pub max_compressed_bytes: Option<ByteSize>,
    /// What the findings together would save.
    pub max_reclaimable_bytes: Option<ByteSize>,
    /// Reclaimable bytes as a share of the user bytes (`0.1` or `"10%"`).
    pub max_reclaimable_share: Option<Ratio>,
    /// No single layer above this many content bytes.
    pub max_layer_bytes: Option<ByteSize>,
    /// Rule ids or globs (`DW1*`): any finding of these fails the build.
    pub fail_on: Option<Vec<String>>,
    /// Any finding at or above this severity fails the build.
    pub fail_on_severity: Option<Severity>,
    /// Whether findings in the base image's layers fail the build too (by default they are
    /// listed but not counted: the Dockerfile being checked cannot fix them).
    pub fail_on_base: Option<bool>,
    /// Growth of the total bytes against `--baseline` (bytes, or `"5%"` of the baseline's).
    pub max_growth: Option<Growth>,
    /// Growth of any one instruction's layers against `--baseline`.
    pub max_instruction_growth: Option<Growth>,
    /// dive's `lowestEfficiency` (default 0.9).
    #[serde(rename = "lowestEfficiency", alias = "lowest_efficiency")]
    pub lowest_efficiency: Option<DiveRule<Ratio>>,
    /// dive's `highestWastedBytes` (default disabled).
    #[serde(rename = "highestWastedBytes", alias = "highest_wasted_bytes")]
    pub highest_wasted_bytes: Option<DiveRule<ByteSize>>,
    /// dive's `highestUserWastedPercent`, a ratio despite its name (default 0.1).
    #[serde(rename = "highestUserWastedPercent", alias = "highest_user_wasted_percent")]
    pub highest_user_wasted_percent: Option<DiveRule<Ratio>>,
}

impl CiConfig {
    /// `top` over `self`: every budget `top` states wins, the others are kept.
    pub fn overlay(self, top: CiConfig) -> CiConfig {
        CiConfig {
            max_total_bytes: top.max_total_bytes.or(self.max_total_bytes),
            max_final_bytes: top.max_final_bytes.or(self.max_final_bytes),
            max_user_bytes: top.max_user_bytes.or(self.max_user_bytes),
            max_compressed_bytes: top.max_compressed_bytes.or(self.max_compressed_bytes),
            max_reclaimable_bytes: top.max_reclaimable_bytes.or(self.max_reclaimable_bytes),
            max_reclaimable_share: top.max_reclaimable_share.or(self.max_reclaimable_share),
            max_layer_bytes: top.max_layer_bytes.or(self.max_layer_bytes),
            fail_on: top.fail_on.or(self.fail_on),
            fail_on_severity: top.fail_on_severity.or(self.fail_on_severity),
            fail_on_base: top.fail_on_base.or(self.fail_on_base),
            max_growth: top.max_growth.or(self.max_growth),
            max_instruction_growth: top.max_instruction_growth.or(self.max_instruction_growth),
            lowest_efficiency: top.lowest_efficiency.or(self.lowest_efficiency),
            highest_wasted_bytes: top.highest_wasted_bytes.or(self.highest_wasted_bytes),
            highest_user_wasted_percent: top.highest_user_wasted_percent.or(self.highest_user_wasted_percent),
        }
    }
}

/// A scalar as TOML or YAML wrote it, before it is checked.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Scalar {
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float (NaN and infinities included: they are rejected later, with a message).
    Float(f64),
    /// Text such as `20MB`, `10%` or `disabled`.
    Str(String),
}

/// A value that can be read from a [`Scalar`], with a message saying what was wrong.
pub trait FromScalar: Sized {
    /// Checks and converts one scalar.
    fn from_scalar(s: &Scalar) -> Result<Self, String>;
}

/// Implements `Deserialize` and `FromStr` (for clap) through [`FromScalar`].
macro_rules! scalar_value {
    ($t:ty) => {
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = Scalar::deserialize(d)?;
                <$t>::from_scalar(&s).map_err(serde::de::Error::custom)
            }
        }
        impl FromStr for $t {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                <$t>::from_scalar(&Scalar::Str(s.to_string()))
            }
        }
    };
}

/// A byte count: an integer, or text such as `20MB` (decimal), `1.5GiB` (binary), `300`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ByteSize(pub u64);

impl FromScalar for ByteSize {
    fn from_scalar(s: &Scalar) -> Result<Self, String> {
        match s {
            Scalar::Int(i) => u64::try_from(*i)
                .map(ByteSize)
                .map_err(|_| format!("{i} is not a size")),
            Scalar::Float(f) if f.is_finite() && *f >= 0.0 && *f < u64::MAX as f64 => Ok(ByteSize(f.round() as u64)),
            Scalar::Float(f) => Err(format!("{f} is not a size")),
            Scalar::Str(t) => size_reason(t).map(ByteSize),
            Scalar::Bool(b) => Err(format!("{b} is not a size (say 20MB, 1.5GiB or a number of bytes)")),
        }
    }
}
scalar_value!(ByteSize);

/// A share between 0 and 1: a number (`0.1`) or a percentage (`"10%"`).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Ratio(pub f64);

impl FromScalar for Ratio {
    fn from_scalar(s: &Scalar) -> Result<Self, String> {
        let v = match s {
            Scalar::Int(i) => *i as f64,
            Scalar::Float(f) => *f,
            Scalar::Str(t) => match t.trim().strip_suffix('%') {
                Some(p) => p.trim().parse::<f64>().map(|p| p / 100.0),
                None => t.trim().parse::<f64>(),
            }
            .map_err(|_| format!("{t:?} is not a ratio (say 0.1 or 10%)"))?,
            Scalar::Bool(b) => return Err(format!("{b} is not a ratio (say 0.1 or 10%)")),
        };
        // `contains` is false for NaN, so NaN is refused here with the rest.
        if !(0.0..=1.0).contains(&v) {
            return Err(format!(
                "{v} is out of range: a ratio between 0 and 1 (0.1 means 10%) was expected"
            ));
        }
        Ok(Ratio(v))
    }
}
scalar_value!(Ratio);

/// A growth limit against a baseline: bytes, or a percentage of the baseline's figure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Growth {
    /// At most this many bytes more.
    Bytes(u64),
    /// At most this share more (`0.05` for `"5%"`).
    Share(f64),
}

impl FromScalar for Growth {
    fn from_scalar(s: &Scalar) -> Result<Self, String> {
        if let Scalar::Str(t) = s
            && let Some(p) = t.trim().strip_suffix('%')
        {
            return match p.trim().parse::<f64>() {
                Ok(v) if v.is_finite() && v >= 0.0 => Ok(Growth::Share(v / 100.0)),
                _ => Err(format!("{t:?} is not a growth limit (say 5% or 10MB)")),
            };
        }
        ByteSize::from_scalar(s).map(|b| Growth::Bytes(b.0))
    }
}
scalar_value!(Growth);

/// One of dive's rules: switched off (`disabled`, `off`, `false` or empty, as dive accepts) or
/// with a limit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DiveRule<T> {
    /// Not checked.
    Disabled,
    /// Checked against this limit.
    Limit(T),
}

impl<T: FromScalar> DiveRule<T> {
    /// Reads a rule's value; `None` is YAML's empty value, which dive reads as disabled.
    pub(crate) fn from_value(s: Option<&Scalar>) -> Result<Self, String> {
        match s {
            None | Some(Scalar::Bool(false)) => Ok(DiveRule::Disabled),
            Some(Scalar::Str(t))
                if matches!(
                    t.trim().to_ascii_lowercase().as_str(),
                    "disabled" | "off" | "false" | ""
                ) =>
            {
                Ok(DiveRule::Disabled)
            }
            Some(v) => T::from_scalar(v).map(DiveRule::Limit),
        }
    }
}

impl<'de, T: FromScalar> Deserialize<'de> for DiveRule<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Scalar::deserialize(d)?;
        Self::from_value(Some(&s)).map_err(serde::de::Error::custom)
    }
}

impl<T: FromScalar> FromStr for DiveRule<T> {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::from_value(Some(&Scalar::Str(s.to_string())))
    }
}

/// Parses a size: a number with an optional unit, case-insensitive. `k`/`kb`, `m`/`mb`... are
/// decimal (1000) and `ki`/`kib`, `mi`/`mib`... binary (1024), as dive (go-humanize) reads them,
/// so a `.dive-ci` means the same here. Fractions are allowed (`1.5GiB`); signs, commas and
/// overflow are errors rather than guesses.
pub fn parse_size(text: &str) -> Result<u64, Error> {
    size_reason(text).map_err(|reason| Error::config("size", None, reason))
}

/// [`parse_size`]'s work, with the bare reason that the TOML and YAML readers embed in their own
/// messages.
fn size_reason(text: &str) -> Result<u64, String> {
    let s = text.trim();
    let bad = || format!("{text:?} is not a size (say 20MB, 1.5GiB or a number of bytes)");
    let split = s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let unit = unit.trim().to_ascii_lowercase();
    let unit = unit.strip_suffix('b').unwrap_or(&unit);
    let (base, power): (u64, u32) = match unit.strip_suffix('i') {
        Some(u) if !u.is_empty() => (1024, unit_power(u).ok_or_else(bad)?),
        _ => (1000, unit_power(unit).ok_or_else(bad)?),
    };
    let mult = base.pow(power);
    if num.is_empty() || num == "." {
        return Err(bad());
    }
    if let Ok(n) = num.parse::<u64>() {
        return n.checked_mul(mult).ok_or_else(|| format!("{text:?} is too large"));
    }
    let v = num.parse::<f64>().map_err(|_| bad())? * mult as f64;
    if v.is_finite() && v < u64::MAX as f64 {
        Ok(v.round() as u64)
    } else {
        Err(format!("{text:?} is too large"))
    }
}

fn unit_power(u: &str) -> Option<u32> {
    ["", "k", "m", "g", "t", "p", "e"]
        .iter()
        .position(|p| *p == u)
        .map(|p| p as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("300").ok(), Some(300));
        assert_eq!(parse_size("20MB").ok(), Some(20_000_000));
        assert_eq!(parse_size("20 mb").ok(), Some(20_000_000));
        assert_eq!(parse_size("1.5GiB").ok(), Some(1_610_612_736));
        assert_eq!(parse_size("1k").ok(), Some(1000));
        assert_eq!(parse_size("2Ki").ok(), Some(2048));
        assert_eq!(parse_size("7B").ok(), Some(7));
        for bad in [
            "",
            "MB",
            "-5MB",
            "1,5GB",
            "1.2.3",
            "12 parsecs",
            "nan",
            "inf",
            "99999999EB",
            ".",
        ] {
            assert!(parse_size(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn ratios_and_rules() {
        assert_eq!("10%".parse::<Ratio>(), Ok(Ratio(0.1)));
        assert!("1.5".parse::<Ratio>().is_err());
        assert!("NaN".parse::<Ratio>().is_err());
        assert!(Ratio::from_scalar(&Scalar::Float(f64::NAN)).is_err());
        assert_eq!("off".parse::<DiveRule<Ratio>>(), Ok(DiveRule::Disabled));
        assert_eq!("0.95".parse::<DiveRule<Ratio>>(), Ok(DiveRule::Limit(Ratio(0.95))));
        assert_eq!("5%".parse::<Growth>(), Ok(Growth::Share(0.05)));
        assert_eq!("5MB".parse::<Growth>(), Ok(Growth::Bytes(5_000_000)));
    }
}
