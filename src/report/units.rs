//! How sizes are written for people: binary units (KiB, MiB: 1024-based, the default) or decimal
//! units (kB, MB: 1000-based, `--si`, as dive and `docker images` print them). Owns the choice and
//! the two formats, the full one of reports and the compact one of table columns. Machine
//! outputs (JSON, SARIF properties, JUnit values) carry plain byte counts and never pass through
//! here.
//!
//! The choice is one per process, made by the binary before anything is printed ([`set`]): it
//! is a presentation setting that every text renderer and every pane must agree on, and
//! threading it through each of them would change nothing but signatures. Code that needs a
//! fixed format (tests, snapshots of a given mode) calls the methods of [`Units`] directly.

use std::sync::atomic::{AtomicBool, Ordering};

use humansize::{BINARY, DECIMAL, format_size};

/// A unit system for human-readable sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Units {
    /// Powers of 1024 with IEC names: `1.50 MiB`. The default.
    #[default]
    Binary,
    /// Powers of 1000 with SI names: `1.57 MB`.
    Decimal,
}

static DECIMAL_CHOSEN: AtomicBool = AtomicBool::new(false);

/// Chooses the units of every size printed from now on by [`size`] and [`short`].
pub fn set(units: Units) {
    DECIMAL_CHOSEN.store(units == Units::Decimal, Ordering::Relaxed);
}

/// The units chosen with [`set`]; binary unless `--si` was given.
pub fn current() -> Units {
    if DECIMAL_CHOSEN.load(Ordering::Relaxed) {
        Units::Decimal
    } else {
        Units::Binary
    }
}

/// `bytes` in the current units, two decimals (`589.73 KiB`): for reports and detail panes.
pub fn size(bytes: u64) -> String {
    current().size(bytes)
}

/// `bytes` in the current units in at most 7 characters: for table columns.
pub fn short(bytes: u64) -> String {
    current().short(bytes)
}

impl Units {
    fn base(self) -> f64 {
        match self {
            Units::Binary => 1024.0,
            Units::Decimal => 1000.0,
        }
    }

    /// `bytes` with two decimals above 1 kB/KiB (`589.73 KiB`, `1.05 MB`, `999 B`).
    pub fn size(self, bytes: u64) -> String {
        match self {
            Units::Binary => format_size(bytes, BINARY),
            Units::Decimal => format_size(bytes, DECIMAL),
        }
    }

    /// `bytes` in at most 7 characters: three significant digits in decimal (`1.05 MB`,
    /// `12.3 kB`, `590 kB`), and in binary, whose unit names are one letter longer, two below
    /// ten and whole numbers above (`1.5 MiB`, `12 KiB`, `590 KiB`). A value that would round
    /// to 1000 moves to the next unit (`1.0 MiB`, `1.00 MB`), so the figure never needs four
    /// digits. Below 1000 bytes the exact count (`999 B`).
    pub fn short(self, bytes: u64) -> String {
        const DECIMAL_UNITS: [&str; 6] = ["kB", "MB", "GB", "TB", "PB", "EB"];
        const BINARY_UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
        if bytes < 1000 {
            return format!("{bytes} B");
        }
        let base = self.base();
        let mut v = bytes as f64 / base;
        let mut unit = 0;
        while v >= 999.5 && unit + 1 < DECIMAL_UNITS.len() {
            v /= base;
            unit += 1;
        }
        match self {
            Units::Decimal if v < 9.995 => format!("{v:.2} {}", DECIMAL_UNITS[unit]),
            Units::Decimal if v < 99.95 => format!("{v:.1} {}", DECIMAL_UNITS[unit]),
            Units::Decimal => format!("{v:.0} {}", DECIMAL_UNITS[unit]),
            Units::Binary if v < 9.95 => format!("{v:.1} {}", BINARY_UNITS[unit]),
            Units::Binary => format!("{v:.0} {}", BINARY_UNITS[unit]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Units::{Binary, Decimal};

    #[test]
    fn decimal_short_keeps_three_digits() {
        assert_eq!(Decimal.short(0), "0 B");
        assert_eq!(Decimal.short(999), "999 B");
        assert_eq!(Decimal.short(1000), "1.00 kB");
        assert_eq!(Decimal.short(12_345), "12.3 kB");
        assert_eq!(Decimal.short(589_730), "590 kB");
        assert_eq!(Decimal.short(999_499), "999 kB");
        assert_eq!(Decimal.short(999_500), "1.00 MB");
        assert_eq!(Decimal.short(u64::MAX), "18.4 EB");
    }

    #[test]
    fn binary_short_fits_seven_characters() {
        assert_eq!(Binary.short(999), "999 B");
        assert_eq!(Binary.short(1000), "1.0 KiB");
        assert_eq!(Binary.short(1536), "1.5 KiB");
        assert_eq!(Binary.short(10_180), "9.9 KiB");
        assert_eq!(Binary.short(10_240), "10 KiB");
        assert_eq!(Binary.short(1_048_064), "1.0 MiB");
        assert_eq!(Binary.short(5 << 30), "5.0 GiB");
        assert_eq!(Binary.short(u64::MAX), "16 EiB");
        for shift in 0..64 {
            for bytes in [(1u64 << shift) - 1, 1 << shift, (1 << shift) + (1 << shift) / 2] {
                for units in [Binary, Decimal] {
                    let s = units.short(bytes);
                    assert!(s.chars().count() <= 7, "{units:?} {bytes}: {s:?}");
                }
            }
        }
    }

    #[test]
    fn full_sizes_name_their_units() {
        assert_eq!(Binary.size(1_572_864), "1.50 MiB");
        assert_eq!(Decimal.size(1_572_864), "1.57 MB");
        assert_eq!(Binary.size(12), "12 B");
    }
}
