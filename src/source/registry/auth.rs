//! What a registry's `WWW-Authenticate` challenge asks for, and which credentials the user has
//! for a host (the `auths` of Docker's `config.json`, honouring `DOCKER_CONFIG`). Pure parsing
//! plus reading that one file; no network (that is `client`).

use std::collections::HashMap;
use std::path::PathBuf;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// A parsed `WWW-Authenticate` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// `bearer` or `basic`, lower case.
    pub scheme: String,
    /// Its parameters (`realm`, `service`, `scope`), keys lower case.
    pub params: HashMap<String, String>,
}

impl Challenge {
    /// A parameter, or `""`.
    pub fn param(&self, key: &str) -> &str {
        self.params.get(key).map_or("", String::as_str)
    }
}

/// Parses `Scheme k="v", k2=v2`; quoted values may hold commas (`scope="repo:a:pull,push"`).
pub fn parse_challenge(header: &str) -> Option<Challenge> {
    let header = header.trim();
    let (scheme, rest) = header.split_once(char::is_whitespace).unwrap_or((header, ""));
    if scheme.is_empty() {
        return None;
    }
    let mut params = HashMap::new();
    let mut chars = rest.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace() || *c == ',').is_some() {}
        let key: String = std::iter::from_fn(|| chars.next_if(|c| *c != '=' && *c != ',')).collect();
        if key.trim().is_empty() {
            break;
        }
        if chars.next_if_eq(&'=').is_none() {
            break;
        }
        let mut value = String::new();
        if chars.next_if_eq(&'"').is_some() {
            while let Some(c) = chars.next() {
                match c {
                    '"' => break,
                    '\\' => value.extend(chars.next()),
                    c => value.push(c),
                }
            }
        } else {
            value.extend(std::iter::from_fn(|| chars.next_if(|c| *c != ',')));
        }
        params.insert(key.trim().to_ascii_lowercase(), value.trim().to_string());
    }
    Some(Challenge {
        scheme: scheme.to_ascii_lowercase(),
        params,
    })
}

/// A user name and password for a registry, and the file they came from.
#[derive(Clone)]
pub struct Credentials {
    /// User name.
    pub user: String,
    /// Password or token.
    pub password: String,
    /// The `config.json` that held them, for messages.
    pub file: PathBuf,
}

impl std::fmt::Debug for Credentials {
    // Never print the password, even in debug output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Credentials({} from {})", self.user, self.file.display())
    }
}

impl Credentials {
    /// The value of an `Authorization: Basic` header.
    pub fn basic(&self) -> String {
        format!("Basic {}", STANDARD.encode(format!("{}:{}", self.user, self.password)))
    }
}

/// Docker's client config: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`.
pub fn docker_config_path() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DOCKER_CONFIG").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join("config.json"));
    }
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(|h| PathBuf::from(h).join(".docker/config.json"))
}

/// The host an `auths` key names: `https://host/v1/` and `host` both give `host`.
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

/// Credentials for `host` from Docker's config file, when it has them. An unreadable or
/// malformed file counts as no credentials: anonymous access may still succeed, and a refusal
/// names the file.
pub fn credentials_for(host: &str) -> Option<Credentials> {
    let file = docker_config_path()?;
    let text = std::fs::read(&file).ok()?;
    let config: serde_json::Value = serde_json::from_slice(&text).ok()?;
    let auths = config.get("auths")?.as_object()?;
    let entry = auths.iter().find(|(k, _)| same_registry(k, host))?.1;
    let (user, password) = match entry.get("auth").and_then(|a| a.as_str()).filter(|a| !a.is_empty()) {
        Some(b64) => {
            let decoded = STANDARD.decode(b64.trim()).ok()?;
            let text = String::from_utf8(decoded).ok()?;
            let (u, p) = text.split_once(':')?;
            (u.to_string(), p.to_string())
        }
        None => (
            entry.get("username")?.as_str()?.to_string(),
            entry.get("password")?.as_str()?.to_string(),
        ),
    };
    Some(Credentials { user, password, file })
}

/// Percent-encodes a query value (RFC 3986 unreserved characters stay).
pub fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_challenge_with_commas_in_scope() {
        let c = parse_challenge(
            r#"Bearer realm="https://auth.example/token",service="reg",scope="repository:a/b:pull,push""#,
        )
        .unwrap();
        assert_eq!(c.scheme, "bearer");
        assert_eq!(c.param("realm"), "https://auth.example/token");
        assert_eq!(c.param("service"), "reg");
        assert_eq!(c.param("scope"), "repository:a/b:pull,push");
    }

    #[test]
    fn basic_challenge_and_garbage() {
        let c = parse_challenge(r#"Basic realm="basic-realm""#).unwrap();
        assert_eq!((c.scheme.as_str(), c.param("realm")), ("basic", "basic-realm"));
        assert!(parse_challenge("").is_none());
        assert_eq!(parse_challenge("Bearer ,,=,\"").unwrap().params.len(), 0);
        assert_eq!(
            parse_challenge("Bearer realm=\"unterminated").unwrap().param("realm"),
            "unterminated"
        );
    }

    #[test]
    fn registry_keys() {
        assert!(same_registry("https://index.docker.io/v1/", "registry-1.docker.io"));
        assert!(same_registry("127.0.0.1:5000", "127.0.0.1:5000"));
        assert!(same_registry("http://127.0.0.1:5000/v2/", "127.0.0.1:5000"));
        assert!(!same_registry("127.0.0.1:5001", "127.0.0.1:5000"));
        assert_eq!(query_escape("repository:a/b:pull"), "repository%3Aa%2Fb%3Apull");
    }
}
