//! Unit tests of the comparisons every check rests on: NaN and infinities never pass, and
//! undefined shares are what the module documents.

use super::{Amount, Bound, holds, share};

#[test]
fn nan_never_passes() {
    for bound in [Bound::AtMost, Bound::AtLeast] {
        assert!(!holds(Amount::Real(f64::NAN), Amount::Real(0.5), bound));
        assert!(!holds(Amount::Real(0.5), Amount::Real(f64::NAN), bound));
    }
    assert!(!holds(Amount::Real(f64::INFINITY), Amount::Real(1.0), Bound::AtMost));
}

#[test]
fn limits_are_inclusive_and_exact() {
    assert!(holds(Amount::Int(10), Amount::Int(10), Bound::AtMost));
    assert!(!holds(Amount::Int(11), Amount::Int(10), Bound::AtMost));
    assert!(holds(Amount::Real(0.9), Amount::Real(0.9), Bound::AtLeast));
    // Integers beyond 2^53 are compared exactly, not as floats.
    assert!(!holds(Amount::Int((1 << 53) + 1), Amount::Int(1 << 53), Bound::AtMost));
}

#[test]
fn shares() {
    assert_eq!(share(0, 0), 0.0);
    assert_eq!(share(5, 0), f64::INFINITY);
    assert_eq!(share(1, 4), 0.25);
    assert_eq!(serde_json::to_string(&Amount::Real(f64::INFINITY)).unwrap(), "null");
    assert_eq!(serde_json::to_string(&Amount::Int(-3)).unwrap(), "-3");
}
