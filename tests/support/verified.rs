//! What every `deadweight fix --verify --json -` test checks of its run, in one place: exit 0, a
//! passed verification, the smoke command exiting 0 in both images, and each applied fix's
//! measured saving within a share of its prediction. The tests add what is theirs.

use std::process::Output;

use serde_json::Value;

/// The run's JSON and stderr, after checking that it exited 0, the verification passed and the
/// smoke command (`--run`) exited 0 before and after. `what` names the run in failures.
pub fn passed(out: &Output, what: &str) -> (Value, String) {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{what}: {stderr}");
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{what}: {e}\n{stderr}"));
    let v = &json["verify"];
    assert_eq!(v["passed"], true, "{what}: {stderr}");
    assert_eq!(
        (v["run"]["before"].as_i64(), v["run"]["after"].as_i64()),
        (Some(0), Some(0)),
        "{what}: {stderr}"
    );
    (json, stderr)
}

/// The edits the run applied.
pub fn applied(json: &Value) -> Vec<&Value> {
    json["edits"]
        .as_array()
        .map(|a| a.iter().filter(|e| e["applied"] == true).collect())
        .unwrap_or_default()
}

/// Every applied edit measured within `share` (0.10: 10%) of its predicted saving.
pub fn measured_within(applied: &[&Value], share: f64, what: &str) {
    for e in applied {
        let (p, m) = (
            e["predicted_bytes"].as_f64().unwrap(),
            e["measured_bytes"].as_f64().unwrap(),
        );
        assert!(
            (m - p).abs() <= p * share,
            "{what}: {}: predicted {p}, measured {m}",
            e["summary"]
        );
    }
}
