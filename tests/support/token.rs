//! A bearer-token service for the registry tests, so that the real `docker-registry` can run
//! with token authentication as Docker Hub does: a key and certificate made with `openssl`, one
//! JWT signed at start (RS256, the certificate in `x5c`) granting pull and push on the test
//! repositories, and a small HTTP responder on 127.0.0.1 that hands it out, anonymously except
//! for scopes naming `private`, which need the basic credentials it was given or, POSTed as
//! an OAuth2 refresh token, [`IDENTITY_TOKEN`]. It records the requests it served so tests can
//! check what the client sent.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::json;

/// The `service` (audience) and `issuer` the registry is configured with.
pub const SERVICE: &str = "deadweight-registry";
const ISSUER: &str = "deadweight-test-issuer";
/// The identity token (`identitytoken` in a Docker config) the service accepts.
pub const IDENTITY_TOKEN: &str = "dw-identity-token-0815";

/// One request the token service answered: its path and query, and its `Authorization`.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub target: String,
    /// The request body (a POSTed form), empty for a GET.
    pub body: String,
    pub authorization: Option<String>,
}

/// The running token service (a thread of the test process; it ends with it).
pub struct TokenService {
    /// `http://127.0.0.1:PORT/token`.
    pub realm: String,
    /// The certificate bundle the registry trusts.
    pub cert: PathBuf,
    seen: Arc<Mutex<Vec<Seen>>>,
}

fn openssl(args: &[&str], dir: &Path) -> bool {
    Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// A JWT granting pull and push on `repos`, valid for an hour, signed with `dir/key.pem`.
fn sign(dir: &Path, repos: &[&str]) -> Option<String> {
    let der = Command::new("openssl")
        .args(["x509", "-in", "cert.pem", "-outform", "DER"])
        .current_dir(dir)
        .output()
        .ok()?
        .stdout;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs();
    let header = json!({"typ": "JWT", "alg": "RS256", "x5c": [STANDARD.encode(der)]});
    let access: Vec<_> = repos
        .iter()
        .map(|r| json!({"type": "repository", "name": r, "actions": ["pull", "push"]}))
        .collect();
    let claims = json!({
        "iss": ISSUER, "sub": "", "aud": SERVICE, "exp": now + 3600, "nbf": now - 10, "iat": now - 10,
        "jti": "deadweight-test", "access": access,
    });
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    std::fs::write(dir.join("input"), &input).ok()?;
    if !openssl(&["dgst", "-sha256", "-sign", "key.pem", "-out", "sig", "input"], dir) {
        return None;
    }
    let sig = std::fs::read(dir.join("sig")).ok()?;
    Some(format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig)))
}

impl TokenService {
    /// Starts the service with keys in `dir`; scopes naming `private` need `login`.
    pub fn start(dir: &Path, repos: &[&str], login: (&str, &str)) -> Option<Self> {
        let made = openssl(
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "key.pem",
                "-out",
                "cert.pem",
                "-days",
                "1",
                "-subj",
                "/CN=deadweight-test",
            ],
            dir,
        );
        if !made {
            super::servers::skip("openssl could not make a test certificate");
            return None;
        }
        let token = sign(dir, repos)?;
        let listener = TcpListener::bind("127.0.0.1:0").ok()?;
        let realm = format!("http://{}/token", listener.local_addr().ok()?);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = Arc::clone(&seen);
        let wanted = format!("Basic {}", STANDARD.encode(format!("{}:{}", login.0, login.1)));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(&stream);
                let mut line = String::new();
                let _ = reader.read_line(&mut line);
                let method = line.split_whitespace().next().unwrap_or("").to_string();
                let target = line.split_whitespace().nth(1).unwrap_or("").to_string();
                let mut authorization = None;
                let mut length = 0;
                loop {
                    let mut header = String::new();
                    if reader.read_line(&mut header).unwrap_or(0) == 0 || header.trim().is_empty() {
                        break;
                    }
                    if let Some((k, v)) = header.split_once(':')
                        && k.eq_ignore_ascii_case("authorization")
                    {
                        authorization = Some(v.trim().to_string());
                    }
                    if let Some((k, v)) = header.split_once(':')
                        && k.eq_ignore_ascii_case("content-length")
                    {
                        length = v.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0; length.min(1 << 16)];
                let _ = std::io::Read::read_exact(&mut reader, &mut body);
                let body = String::from_utf8_lossy(&body).into_owned();
                let refresh = body
                    .split('&')
                    .any(|kv| kv == format!("refresh_token={IDENTITY_TOKEN}"));
                let asks_private = target.contains("private") || body.contains("private");
                let allowed = !asks_private || authorization.as_deref() == Some(&wanted) || refresh;
                record.lock().unwrap().push(Seen {
                    method,
                    target,
                    body,
                    authorization,
                });
                let (status, body) = if allowed {
                    ("200 OK", json!({"token": token, "access_token": token}).to_string())
                } else {
                    ("401 Unauthorized", r#"{"details":"bad credentials"}"#.to_string())
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
                     Connection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        Some(Self {
            realm,
            cert: dir.join("cert.pem"),
            seen,
        })
    }

    /// The `auth:` section of a registry config that trusts this service.
    pub fn registry_auth(&self) -> String {
        format!(
            "auth:\n  token:\n    realm: {}\n    service: {SERVICE}\n    issuer: {ISSUER}\n    rootcertbundle: {}\n",
            self.realm,
            self.cert.display()
        )
    }

    /// The requests served so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}
