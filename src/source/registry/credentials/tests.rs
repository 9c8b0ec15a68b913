//! Unit tests of `credentials.rs`: which keys name a registry, how an `auths` entry reads, and
//! that a helper name which is not a program name is refused before anything runs.

use super::*;

#[test]
fn keys_name_registries_and_namespaces() {
    assert_eq!(
        key_rank("https://index.docker.io/v1/", "registry-1.docker.io", "library/x"),
        Some(0)
    );
    assert_eq!(key_rank("http://127.0.0.1:5000/v2/", "127.0.0.1:5000", "a"), Some(0));
    assert_eq!(key_rank("127.0.0.1:5001", "127.0.0.1:5000", "a"), None);
    // Podman's namespaced keys: the most specific one that holds the repository.
    assert_eq!(key_rank("quay.io/team", "quay.io", "team/app"), Some(4));
    assert_eq!(key_rank("quay.io/team", "quay.io", "teammate/app"), None);
    assert_eq!(key_rank("quay.io/team/app", "quay.io", "team/app"), Some(8));
}

#[test]
fn auths_entries_read_in_every_spelling() {
    let basic = from_entry(&serde_json::json!({"auth": STANDARD.encode("u:p:w")}), "f".into()).unwrap();
    assert_eq!((basic.user.as_str(), basic.secret.as_str()), ("u", "p:w"));
    let plain = from_entry(&serde_json::json!({"username": "u", "password": "p"}), "f".into()).unwrap();
    assert_eq!(
        plain.authorization(),
        basic
            .authorization()
            .map(|_| format!("Basic {}", STANDARD.encode("u:p")))
    );
    let token = from_entry(&serde_json::json!({"auth": "", "identitytoken": "tok"}), "f".into()).unwrap();
    assert_eq!((token.refresh_token(), token.authorization()), (Some("tok"), None));
    assert!(from_entry(&serde_json::json!({"auth": "not base64!"}), "f".into()).is_none());
    assert!(!format!("{token:?} {basic:?}").contains("tok\"") && !format!("{basic:?}").contains("p:w"));
}

#[test]
fn helper_names_with_paths_are_refused() {
    for name in ["../../bin/sh", "a/b", "a\\b", "..", ""] {
        let err = run_helper(name, "h", "config.json").unwrap_err();
        assert!(err.contains("refused the credential helper"), "{name}: {err}");
    }
}
