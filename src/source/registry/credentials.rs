//! Which credentials the user has for a registry, found where Docker and Podman keep them:
//! `$REGISTRY_AUTH_FILE`, Docker's `config.json` (`$DOCKER_CONFIG` or `~/.docker`), then Podman's
//! `auth.json` (`$XDG_RUNTIME_DIR/containers/`, then `~/.config/containers/`). In a file, a
//! registry's `credHelpers` entry wins, then `credsStore`, then its `auths` entry (`auth`,
//! `username`/`password`, or `identitytoken`). Helpers are run as Docker runs them:
//! `docker-credential-<name> get`, the server on stdin, `{"Username", "Secret"}` on stdout.
//!
//! Owns reading those files and running helpers; no network (that is `client`). A secret never
//! leaves this module but through [`Credentials::authorization`] and
//! [`Credentials::refresh_token`]: not in `Debug`, not in an error, not a helper's output.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;

use crate::error::{Error, Result};

/// The user name with which Docker marks an identity token (a helper's `Secret` is then one).
const TOKEN_USER: &str = "<token>";
/// What Docker's helpers call Docker Hub.
const HUB_SERVER: &str = "https://index.docker.io/v1/";

/// Credentials for one registry and where they came from.
#[derive(Clone)]
pub struct Credentials {
    /// The user name; empty for an identity token.
    pub user: String,
    secret: String,
    identity_token: bool,
    /// Where they came from, for messages: `docker-credential-pass (credHelpers in FILE)`.
    pub source: String,
}

impl std::fmt::Debug for Credentials {
    // Never print the secret, even in debug output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Credentials({} from {})", self.who(), self.source)
    }
}

impl Credentials {
    /// `Authorization: Basic` for a user and password; `None` for an identity token, which only
    /// a token service takes (as a refresh token).
    pub fn authorization(&self) -> Option<String> {
        (!self.identity_token).then(|| format!("Basic {}", STANDARD.encode(format!("{}:{}", self.user, self.secret))))
    }

    /// The identity token, when these credentials are one.
    pub fn refresh_token(&self) -> Option<&str> {
        self.identity_token.then_some(self.secret.as_str())
    }

    /// Who these credentials are, in words that hold no secret.
    pub fn who(&self) -> String {
        match self.identity_token {
            true => "an identity token".to_string(),
            false => format!("the credentials of {}", self.user),
        }
    }
}

/// The credential files to look in, in order (see the module docs); missing ones are skipped.
pub fn files() -> Vec<PathBuf> {
    let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    let home = env("HOME");
    let mut v = Vec::new();
    v.extend(env("REGISTRY_AUTH_FILE"));
    match env("DOCKER_CONFIG") {
        Some(dir) => v.push(dir.join("config.json")),
        None => v.extend(home.as_ref().map(|h| h.join(".docker/config.json"))),
    }
    v.extend(env("XDG_RUNTIME_DIR").map(|d| d.join("containers/auth.json")));
    v.extend(home.map(|h| h.join(".config/containers/auth.json")));
    v
}

/// The host an `auths` or `credHelpers` key names: `https://host/v1/` and `host` both give
/// `host`; Podman's `host/namespace` keys give their host too.
fn key_host(key: &str) -> &str {
    let key = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    key.split('/').next().unwrap_or(key)
}

fn same_registry(key: &str, host: &str) -> bool {
    const HUB: &[&str] = &["docker.io", "index.docker.io", "registry-1.docker.io"];
    let key = key_host(key);
    key == host || (HUB.contains(&key) && HUB.contains(&host))
}

/// How well `key` names `repo` on `host`: `None` when not at all, else the length of the
/// namespace it names (Podman's `host/ns/repo` keys beat a bare `host`).
fn key_rank(key: &str, host: &str, repo: &str) -> Option<usize> {
    if !same_registry(key, host) {
        return None;
    }
    let bare = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    match bare.split_once('/').map(|(_, ns)| ns.trim_end_matches('/')) {
        // Docker's `https://index.docker.io/v1/` names the registry, not a namespace.
        None | Some("" | "v1" | "v2") => Some(0),
        Some(ns) if repo == ns || repo.starts_with(&format!("{ns}/")) => Some(ns.len()),
        Some(_) => None,
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ConfigFile {
    #[serde(default)]
    auths: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    cred_helpers: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    creds_store: Option<String>,
}

/// Credentials for `repo` on `host`: from the first file that has an entry for the registry;
/// `Ok(None)` when none has one. A file that cannot be parsed is skipped (anonymous access may
/// still work, and a refusal names the files looked in); a helper that cannot run, or a helper
/// name that is not a program name, is an error naming the file.
pub fn lookup(host: &str, repo: &str) -> Result<Option<Credentials>> {
    for file in files() {
        let Ok(text) = std::fs::read(&file) else {
            continue;
        };
        let Ok(config) = serde_json::from_slice::<ConfigFile>(&text) else {
            continue;
        };
        let found = from_file(&config, &file, host, repo).map_err(|reason| Error::Credentials {
            registry: host.to_string(),
            reason,
        })?;
        if let Some(found) = found {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

fn from_file(
    config: &ConfigFile,
    file: &std::path::Path,
    host: &str,
    repo: &str,
) -> std::result::Result<Option<Credentials>, String> {
    let entry = config
        .auths
        .iter()
        .filter_map(|(k, v)| Some((key_rank(k, host, repo)?, k, v)))
        .max_by_key(|(rank, _, _)| *rank);
    let helper = config
        .cred_helpers
        .iter()
        .find(|(k, _)| same_registry(k, host))
        .map(|(k, h)| (k.as_str(), h, "credHelpers"))
        .or_else(|| {
            let store = config.creds_store.as_ref().filter(|s| !s.is_empty())?;
            Some((entry.map_or("", |e| e.1.as_str()), store, "credsStore"))
        });
    if let Some((key, name, field)) = helper {
        // Docker asks helpers for Hub under its v1 URL, other registries under their host.
        let server = match key {
            "" if same_registry("docker.io", host) => HUB_SERVER,
            "" => host,
            k => k,
        };
        let source = format!("docker-credential-{name} ({field} in {})", file.display());
        if let Some(found) = run_helper(name, server, &source)? {
            return Ok(Some(found));
        }
    }
    let Some((_, key, value)) = entry else {
        return Ok(None);
    };
    let source = format!("{} (auths entry {key:?})", file.display());
    Ok(from_entry(value, source))
}

/// An `auths` entry: `identitytoken`, `auth` (base64 `user:password`), or `username`/`password`.
fn from_entry(entry: &serde_json::Value, source: String) -> Option<Credentials> {
    let text = |k: &str| entry.get(k).and_then(|v| v.as_str()).filter(|v| !v.is_empty());
    if let Some(token) = text("identitytoken") {
        return Some(Credentials {
            user: String::new(),
            secret: token.to_string(),
            identity_token: true,
            source,
        });
    }
    let (user, secret) = match text("auth") {
        Some(b64) => {
            let decoded = String::from_utf8(STANDARD.decode(b64.trim()).ok()?).ok()?;
            let (u, p) = decoded.split_once(':')?;
            (u.to_string(), p.to_string())
        }
        None => (text("username")?.to_string(), text("password")?.to_string()),
    };
    Some(Credentials {
        user,
        secret,
        identity_token: false,
        source,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct HelperAnswer {
    #[serde(default)]
    username: String,
    secret: String,
}

/// Runs `docker-credential-<name> get` for `server`. `Ok(None)` when the helper has nothing for
/// it (it exits non-zero, as helpers do for "credentials not found"); an error when the name is
/// not a program name, the helper cannot be run, or it answers something that is not its
/// protocol. No error holds the helper's output: it may hold the secret.
fn run_helper(name: &str, server: &str, source: &str) -> std::result::Result<Option<Credentials>, String> {
    if name.is_empty() || name.contains(['/', '\\']) || name.contains("..") {
        return Err(format!(
            "refused the credential helper {name:?} named in {source}: a helper is a program name \
             (docker-credential-NAME on PATH), without '/', '\\\\' or '..'"
        ));
    }
    let program = format!("docker-credential-{name}");
    let mut child = Command::new(&program)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run the credential helper {program} named in {source}: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A helper that exits without reading is judged by its exit status below.
        let _ = stdin.write_all(server.as_bytes());
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("the credential helper {program} named in {source} failed: {e}"))?;
    if !out.status.success() {
        return Ok(None);
    }
    let answer: HelperAnswer = serde_json::from_slice(&out.stdout).map_err(|_| {
        format!("the credential helper {program} named in {source} answered something other than its JSON")
    })?;
    let identity_token = answer.username == TOKEN_USER;
    Ok(Some(Credentials {
        user: if identity_token { String::new() } else { answer.username },
        secret: answer.secret,
        identity_token,
        source: source.to_string(),
    }))
}

#[cfg(test)]
mod tests;
