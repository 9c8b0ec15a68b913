//! The HTTP side of the registry source: GETs against the OCI distribution API of one
//! repository, answering bearer-token and basic challenges once per refusal, and turning what
//! the registry says into typed errors that name the reference. Knows URLs and status codes;
//! what the documents mean is `resolve`'s business.

use std::io::Read;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use ureq::http::{Response, StatusCode};
use ureq::{Agent, Body};

use super::auth::{self, Challenge};
use super::credentials::{self, Credentials};
use crate::error::{Error, Result};

/// Media types asked for when fetching a manifest: every image manifest and index format but
/// Docker's schema 1, which is refused.
pub const ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
    application/vnd.oci.image.manifest.v1+json, \
    application/vnd.docker.distribution.manifest.list.v2+json, \
    application/vnd.docker.distribution.manifest.v2+json";

/// One repository of one registry.
pub struct Client {
    agent: Agent,
    /// `http://host:port` or `https://host`.
    base: String,
    /// `host[:port]` as named (for messages and credentials).
    pub host: String,
    /// The repository path.
    pub repo: String,
    reference: String,
    /// The user's credentials for this repository, looked up at the first challenge: an
    /// anonymous pull never runs a credential helper.
    creds: OnceLock<std::result::Result<Option<Credentials>, String>>,
    /// The `Authorization` value that last worked, shared by the parallel blob downloads.
    authorization: Mutex<Option<String>>,
}

fn is_loopback(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(v6),
        None => host.rsplit_once(':').map_or(host, |(h, _)| h),
    };
    name == "localhost" || name == "::1" || name.starts_with("127.")
}

impl Client {
    /// A client for `repo` on `host` (`docker.io` is served by `registry-1.docker.io`); plain http
    /// when `insecure` or the host is this machine.
    pub fn new(host: &str, repo: &str, reference: &str, insecure: bool) -> Self {
        let api_host = if host == "docker.io" {
            "registry-1.docker.io"
        } else {
            host
        };
        let scheme = if insecure || is_loopback(host) { "http" } else { "https" };
        let agent = Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(30)))
            .timeout_recv_response(Some(Duration::from_secs(120)))
            // A blob that stops arriving should fail, not hang; a slow one may take its time.
            .timeout_per_read(Some(Duration::from_secs(120)))
            .user_agent(concat!("deadweight/", env!("CARGO_PKG_VERSION")))
            .build()
            .new_agent();
        Self {
            agent,
            base: format!("{scheme}://{api_host}"),
            host: host.to_string(),
            repo: repo.to_string(),
            reference: reference.to_string(),
            creds: OnceLock::new(),
            authorization: Mutex::new(None),
        }
    }

    fn err(&self, reason: String) -> Error {
        Error::Registry {
            reference: self.reference.clone(),
            reason,
        }
    }

    fn transport(&self, url: &str, e: ureq::Error) -> Error {
        let reason = match &e {
            ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
                format!("connection refused by {url}: is the registry running there?")
            }
            ureq::Error::HostNotFound => format!("unknown host in {url}"),
            ureq::Error::Timeout(t) => format!("{url}: timed out ({t})"),
            other => format!("cannot reach {url}: {other}"),
        };
        self.err(reason)
    }

    fn send(&self, url: &str, accept: Option<&str>, authorization: Option<&str>) -> Result<Response<Body>> {
        let mut req = self.agent.get(url);
        if let Some(a) = accept {
            req = req.header("Accept", a);
        }
        if let Some(a) = authorization {
            req = req.header("Authorization", a);
        }
        req.call().map_err(|e| self.transport(url, e))
    }

    /// GETs `/v2/<repo>/<path>`; on a 401, answers the challenge and tries once more.
    fn get(&self, path: &str, accept: Option<&str>) -> Result<Response<Body>> {
        let url = format!("{}/v2/{}/{path}", self.base, self.repo);
        let held = self.authorization.lock().map(|a| a.clone()).unwrap_or_default();
        let resp = self.send(&url, accept, held.as_deref())?;
        if resp.status() != StatusCode::UNAUTHORIZED {
            return Ok(resp);
        }
        let challenge = resp
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .and_then(auth::parse_challenge);
        let Some(challenge) = challenge else {
            return Err(self.unauthorized(None));
        };
        let authorization = self.answer(&challenge)?;
        let resp = self.send(&url, accept, Some(&authorization))?;
        if resp.status() == StatusCode::UNAUTHORIZED {
            return Err(self.unauthorized(Some(&challenge)));
        }
        if let Ok(mut held) = self.authorization.lock() {
            *held = Some(authorization);
        }
        Ok(resp)
    }

    /// The user's credentials, or the error of looking them up (a helper that cannot run).
    fn creds(&self) -> Result<Option<&Credentials>> {
        let found = self
            .creds
            .get_or_init(|| credentials::lookup(&self.host, &self.repo).map_err(|e| e.to_string()));
        found
            .as_ref()
            .map(Option::as_ref)
            .map_err(|reason| self.err(reason.clone()))
    }

    /// The `Authorization` value that answers `challenge`.
    fn answer(&self, challenge: &Challenge) -> Result<String> {
        match challenge.scheme.as_str() {
            "basic" => match self.creds()?.and_then(Credentials::authorization) {
                Some(a) => Ok(a),
                None => Err(self.unauthorized(Some(challenge))),
            },
            "bearer" => self.token(challenge),
            other => Err(self.err(format!("the registry asks for unsupported authentication {other:?}"))),
        }
    }

    fn scope(&self, challenge: &Challenge) -> String {
        match challenge.param("scope") {
            "" => format!("repository:{}:pull", self.repo),
            s => s.to_string(),
        }
    }

    /// Fetches a bearer token from the challenge's realm, with basic credentials when the user
    /// has some for this registry, anonymously otherwise.
    fn token(&self, challenge: &Challenge) -> Result<String> {
        let realm = challenge.param("realm");
        if !(realm.starts_with("https://") || realm.starts_with("http://")) {
            return Err(self.err(format!("the registry's token realm {realm:?} is not an http(s) URL")));
        }
        let mut url = format!("{realm}?scope={}", auth::query_escape(&self.scope(challenge)));
        if !challenge.param("service").is_empty() {
            url.push_str(&format!("&service={}", auth::query_escape(challenge.param("service"))));
        }
        let creds = self.creds()?;
        let mut resp = match creds.and_then(Credentials::refresh_token) {
            // An identity token is an OAuth2 refresh token: POSTed to the realm, as Docker does.
            Some(refresh) => self.refresh(realm, challenge, refresh)?,
            None => {
                let basic = creds.and_then(Credentials::authorization);
                self.send(&url, Some("application/json"), basic.as_deref())?
            }
        };
        if !resp.status().is_success() {
            return Err(self.unauthorized(Some(challenge)));
        }
        let body = resp
            .body_mut()
            .with_config()
            .limit(1 << 20)
            .read_to_vec()
            .map_err(|e| self.transport(realm, e))?;
        let json: serde_json::Value = serde_json::from_slice(&body)
            .map_err(|e| self.err(format!("the token service {realm} sent malformed JSON: {e}")))?;
        ["token", "access_token"]
            .iter()
            .find_map(|k| json.get(*k).and_then(|t| t.as_str()).filter(|t| !t.is_empty()))
            .map(|t| format!("Bearer {t}"))
            .ok_or_else(|| self.err(format!("the token service {realm} sent no token")))
    }

    /// The OAuth2 refresh-token grant at `realm` for this challenge's scope.
    fn refresh(&self, realm: &str, challenge: &Challenge, refresh: &str) -> Result<Response<Body>> {
        let form = [
            ("grant_type", "refresh_token"),
            ("service", challenge.param("service")),
            ("scope", &self.scope(challenge)),
            ("client_id", "deadweight"),
            ("refresh_token", refresh),
        ]
        .iter()
        .map(|(k, v)| format!("{k}={}", auth::query_escape(v)))
        .collect::<Vec<_>>()
        .join("&");
        self.agent
            .post(realm)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Accept", "application/json")
            .send(form)
            .map_err(|e| self.transport(realm, e))
    }

    fn unauthorized(&self, challenge: Option<&Challenge>) -> Error {
        let what = match challenge {
            Some(c) => format!(
                "realm {:?}, scope {:?}",
                c.param("realm"),
                match c.scheme.as_str() {
                    "bearer" => self.scope(c),
                    _ => format!("repository:{}:pull", self.repo),
                }
            ),
            None => "no challenge given".to_string(),
        };
        let creds = match self.creds.get().and_then(|c| c.as_ref().ok()).and_then(Option::as_ref) {
            Some(c) => format!("{} from {} were refused", c.who(), c.source),
            None => {
                let files: Vec<String> = credentials::files().iter().map(|f| f.display().to_string()).collect();
                format!("no credentials for {} in {}", self.host, files.join(", "))
            }
        };
        self.err(format!(
            "unauthorized ({what}): {creds}; log in with `docker login {0}` or `podman login {0}`",
            self.host
        ))
    }

    /// Reads an error body's first `errors[].code` and `message`, as the distribution spec
    /// defines them.
    fn explain(mut resp: Response<Body>) -> String {
        let status = resp.status();
        let body = resp
            .body_mut()
            .with_config()
            .limit(64 * 1024)
            .read_to_vec()
            .unwrap_or_default();
        let detail = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v.get("errors")?.get(0).cloned())
            .map(|e| {
                let code = e.get("code").and_then(|c| c.as_str()).unwrap_or("");
                let message = e.get("message").and_then(|m| m.as_str()).unwrap_or("");
                format!("{code}: {message}")
            });
        match detail {
            Some(d) => format!("{status} ({d})"),
            None => status.to_string(),
        }
    }

    /// The manifest (or index) named by a tag or digest, with the media type the registry
    /// declares.
    pub fn manifest(&self, reference: &str, cap: u64) -> Result<(Vec<u8>, Option<String>)> {
        let mut resp = self.get(&format!("manifests/{reference}"), Some(ACCEPT))?;
        match resp.status() {
            s if s.is_success() => {}
            StatusCode::NOT_FOUND => {
                let sep = if reference.contains(':') { '@' } else { ':' };
                return Err(self.err(format!(
                    "manifest unknown: {}{sep}{reference} is not in the registry ({})",
                    self.repo,
                    Self::explain(resp)
                )));
            }
            _ => {
                return Err(self.err(format!(
                    "fetching the manifest {reference} failed: {}",
                    Self::explain(resp)
                )));
            }
        }
        let media_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or(v).trim().to_string());
        let body = resp
            .body_mut()
            .with_config()
            .limit(cap)
            .read_to_vec()
            .map_err(|e| self.body_err(&format!("manifest {reference}"), cap, e))?;
        Ok((body, media_type))
    }

    fn body_err(&self, what: &str, cap: u64, e: ureq::Error) -> Error {
        match e {
            ureq::Error::BodyExceedsLimit(_) => Error::Limit {
                input: self.reference.clone(),
                what: what.to_string(),
                limit: format!("{cap} bytes"),
            },
            other => self.err(format!("reading {what} failed: {other}")),
        }
    }

    /// Opens blob `digest` for streaming (redirects to a CDN are followed, without our
    /// `Authorization`); `None` when the registry does not have it.
    pub fn blob(&self, digest: &str) -> Result<Option<Box<dyn Read + Send>>> {
        let resp = self.get(&format!("blobs/{digest}"), None)?;
        match resp.status() {
            s if s.is_success() => Ok(Some(Box::new(resp.into_body().into_reader()))),
            StatusCode::NOT_FOUND => Ok(None),
            _ => Err(self.err(format!("fetching blob {digest} failed: {}", Self::explain(resp)))),
        }
    }

    /// Reads a small blob (a config) whole, failing past `cap` bytes.
    pub fn blob_small(&self, digest: &str, cap: u64) -> Result<Option<Vec<u8>>> {
        let Some(reader) = self.blob(digest)? else {
            return Ok(None);
        };
        let mut buf = Vec::new();
        reader
            .take(cap + 1)
            .read_to_end(&mut buf)
            .map_err(|e| self.err(format!("reading blob {digest} failed: {e}")))?;
        if buf.len() as u64 > cap {
            return Err(Error::Limit {
                input: self.reference.clone(),
                what: format!("blob {digest}"),
                limit: format!("{cap} bytes"),
            });
        }
        Ok(Some(buf))
    }
}

#[cfg(test)]
mod tests {
    use super::is_loopback;

    #[test]
    fn loopback_hosts() {
        for h in [
            "localhost",
            "localhost:5000",
            "127.0.0.1:5000",
            "127.1.2.3",
            "[::1]:5000",
        ] {
            assert!(is_loopback(h), "{h}");
        }
        for h in ["registry.example:5000", "10.0.0.1", "localhost.example.com"] {
            assert!(!is_loopback(h), "{h}");
        }
    }
}
