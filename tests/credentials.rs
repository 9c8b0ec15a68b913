//! Registry credentials where users keep them, against the real registry with basic auth and
//! with bearer tokens: Docker's `credHelpers` and `credsStore` (a fake `docker-credential-fake`
//! on PATH, answering as Docker's helpers do), Podman's `auth.json` in each of its three places,
//! and identity tokens (from a config file and from a helper). A refusal names the registry, the
//! source tried and what to do; a helper name that is a path is refused; and no secret reaches
//! stdout, stderr or the report.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::support::servers::{Registry, deadweight, fails_with, report_with, same_blobs};
use crate::support::token::{IDENTITY_TOKEN, TokenService};
use crate::support::{layout, report_of, rich_image, tmp};

const PASSWORD: &str = "pw-5ecret-4711";

/// A directory holding `docker-credential-fake`: it records the server it was asked about in
/// `asked` and answers `user`/`secret` for `server`, "credentials not found" (exit 1) otherwise.
fn fake_helper(dir: &Path, server: &str, user: &str, secret: &str) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let script = format!(
        "#!/bin/sh\nread -r server\necho \"$server\" >> '{asked}'\n\
         if [ \"$1\" = get ] && [ \"$server\" = '{server}' ]; then\n\
         printf '{{\"ServerURL\":\"%s\",\"Username\":\"{user}\",\"Secret\":\"{secret}\"}}' \"$server\"\n\
         else echo 'credentials not found in native keychain'; echo '{secret}' >&2; exit 1; fi\n",
        asked = dir.join("asked").display()
    );
    let path = bin.join("docker-credential-fake");
    std::fs::write(&path, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

/// `PATH` with `bin` first.
fn path_with(bin: &Path) -> String {
    format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default())
}

/// Writes `doc` as `dir/name` and returns `dir`.
fn write_config(dir: &Path, name: &str, doc: &Value) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join(name), doc.to_string()).unwrap();
    dir.to_path_buf()
}

/// Runs deadweight and asserts that `secret` is in neither its stdout nor its stderr.
fn leaks_nothing(args: &[&str], envs: &[(&str, &str)], secret: &str) -> (bool, String) {
    let out = deadweight(args, envs).args(["--json", "-"]).output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        !stdout.contains(secret) && !stderr.contains(secret),
        "{secret} leaked: {stdout}\n{stderr}"
    );
    (out.status.success(), stderr.into_owned())
}

/// A registry with basic auth (alice and [`PASSWORD`]) holding `private/rich:1`.
fn basic_registry(dir: &Path) -> Option<(Registry, String, Value)> {
    let reg = Registry::start(Some(("alice", PASSWORD)))?;
    let image = dir.join("rich.tar");
    layout::oci_index(&[rich_image()], false).write_tar(&image);
    reg.push(&format!("oci-archive:{}", image.display()), "private/rich:1", &[]);
    let reference = reg.reference("private/rich:1");
    Some((reg, reference, same_blobs(report_of(&image))))
}

#[test]
fn docker_cred_helpers_and_creds_store_answer() {
    let dir = tmp();
    let Some((reg, reference, expected)) = basic_registry(dir.path()) else {
        return;
    };
    let bin = fake_helper(dir.path(), &reg.addr, "alice", PASSWORD);
    let path = path_with(&bin);
    let config = dir.path().join("docker");
    for doc in [
        json!({"credHelpers": {reg.addr.clone(): "fake"}}),
        json!({"credsStore": "fake", "auths": {reg.addr.clone(): {}}}),
        json!({"credsStore": "fake"}),
    ] {
        write_config(&config, "config.json", &doc);
        let env = [("DOCKER_CONFIG", config.to_str().unwrap()), ("PATH", &path)];
        let report = report_with(&[&reference], &env);
        assert_eq!(same_blobs(report), expected, "{doc}");
        let (ok, _) = leaks_nothing(&[&reference], &env, PASSWORD);
        assert!(ok, "{doc}");
    }
    // Docker's protocol: `get`, the server on stdin.
    let asked = std::fs::read_to_string(dir.path().join("asked")).unwrap();
    assert!(asked.lines().all(|l| l == reg.addr), "{asked}");

    // A helper that has nothing for this registry: anonymous, refused, and the message says
    // which registry, which helper of which file, and what to do.
    write_config(
        &config,
        "config.json",
        &json!({"credHelpers": {reg.addr.clone(): "fake"}}),
    );
    let other = fake_helper(&dir.path().join("other"), "elsewhere:5000", "alice", PASSWORD);
    let env = [
        ("DOCKER_CONFIG", config.to_str().unwrap()),
        ("PATH", &path_with(&other)),
    ];
    let (ok, err) = leaks_nothing(&[&reference], &env, PASSWORD);
    assert!(!ok && err.contains(&reference) && err.contains(&reg.addr), "{err}");
    assert!(err.contains("docker login") && err.contains("config.json"), "{err}");

    // Wrong credentials from the helper: refused, named, not shown.
    let wrong = fake_helper(&dir.path().join("wrong"), &reg.addr, "alice", "not-the-pw-9911");
    let env = [
        ("DOCKER_CONFIG", config.to_str().unwrap()),
        ("PATH", &path_with(&wrong)),
    ];
    let (ok, err) = leaks_nothing(&[&reference], &env, "not-the-pw-9911");
    assert!(
        !ok && err.contains("credentials of alice") && err.contains("refused"),
        "{err}"
    );
    assert!(err.contains("docker-credential-fake (credHelpers in"), "{err}");
}

#[test]
fn helper_names_that_are_paths_are_refused() {
    let dir = tmp();
    let Some((reg, reference, _)) = basic_registry(dir.path()) else {
        return;
    };
    let config = dir.path().join("docker");
    for name in ["../../../bin/evil", "sub/helper", "a\\b", ".."] {
        write_config(
            &config,
            "config.json",
            &json!({"credHelpers": {reg.addr.clone(): name}}),
        );
        let err = fails_with(&[&reference], &[("DOCKER_CONFIG", config.to_str().unwrap())]);
        assert!(
            err.contains("refused the credential helper") && err.contains(&reference),
            "{err}"
        );
    }
    write_config(&config, "config.json", &json!({"credsStore": "absent-helper"}));
    let err = fails_with(&[&reference], &[("DOCKER_CONFIG", config.to_str().unwrap())]);
    assert!(
        err.contains("cannot run the credential helper docker-credential-absent-helper"),
        "{err}"
    );
}

#[test]
fn podman_auth_files_in_each_place() {
    let dir = tmp();
    let Some((reg, reference, expected)) = basic_registry(dir.path()) else {
        return;
    };
    use base64::Engine as _;
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("alice:{PASSWORD}"));
    // Podman may key an entry by namespace; the repository's own namespace is used.
    let doc = json!({"auths": {
        format!("{}/private", reg.addr): {"auth": auth},
        format!("{}/other", reg.addr): {"auth": "d3Jvbmc6d3Jvbmc="},
    }});
    let explicit = write_config(&dir.path().join("explicit"), "auth.json", &doc).join("auth.json");
    let runtime = dir.path().join("runtime");
    write_config(&runtime.join("containers"), "auth.json", &doc);
    let home = dir.path().join("home");
    write_config(&home.join(".config/containers"), "auth.json", &doc);
    let places: [&[(&str, &str)]; 3] = [
        &[("REGISTRY_AUTH_FILE", explicit.to_str().unwrap())],
        &[("XDG_RUNTIME_DIR", runtime.to_str().unwrap())],
        &[("HOME", home.to_str().unwrap())],
    ];
    for env in places {
        assert_eq!(same_blobs(report_with(&[&reference], env)), expected, "{env:?}");
        assert!(leaks_nothing(&[&reference], env, PASSWORD).0);
    }
}

#[test]
fn identity_tokens_from_a_config_and_from_a_helper() {
    let dir = tmp();
    let Some(tokens) = TokenService::start(dir.path(), &["private/rich"], ("bob", "pw")) else {
        return;
    };
    let Some(reg) = Registry::start_with_tokens(&tokens, ("bob", "pw")) else {
        return;
    };
    let image = dir.path().join("rich.tar");
    layout::oci_index(&[rich_image()], false).write_tar(&image);
    reg.push(&format!("oci-archive:{}", image.display()), "private/rich:1", &[]);
    let reference = reg.reference("private/rich:1");
    let expected = same_blobs(report_of(&image));

    let config = dir.path().join("docker");
    write_config(
        &config,
        "config.json",
        &json!({"auths": {reg.addr.clone(): {"identitytoken": IDENTITY_TOKEN}}}),
    );
    let env = [("DOCKER_CONFIG", config.to_str().unwrap())];
    assert_eq!(same_blobs(report_with(&[&reference], &env)), expected);
    assert!(leaks_nothing(&[&reference], &env, IDENTITY_TOKEN).0);
    let posted = tokens.seen().into_iter().filter(|s| s.method == "POST").count();
    assert!(posted > 0, "the identity token was not POSTed as a refresh token");

    // A helper answers an identity token as the user `<token>`.
    let bin = fake_helper(dir.path(), &reg.addr, "<token>", IDENTITY_TOKEN);
    write_config(
        &config,
        "config.json",
        &json!({"credHelpers": {reg.addr.clone(): "fake"}}),
    );
    let env = [("DOCKER_CONFIG", config.to_str().unwrap()), ("PATH", &path_with(&bin))];
    assert_eq!(same_blobs(report_with(&[&reference], &env)), expected);

    // A wrong one is refused, named as an identity token, and not shown.
    write_config(
        &config,
        "config.json",
        &json!({"auths": {reg.addr.clone(): {"identitytoken": "stale-token-31"}}}),
    );
    let env = [("DOCKER_CONFIG", config.to_str().unwrap())];
    let (ok, err) = leaks_nothing(&[&reference], &env, "stale-token-31");
    assert!(
        !ok && err.contains("an identity token from") && err.contains("refused"),
        "{err}"
    );
}
