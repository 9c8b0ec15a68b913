//! Picking one image among the candidates a container offers (`docker save` entries, OCI index
//! entries): references normalised the way Docker does (`app` = `app:latest` =
//! `docker.io/library/app:latest`), digests and digest prefixes, candidates that are the same
//! manifest merged into one, and an ambiguity error that lists every candidate. Reads no blob;
//! platforms are filtered by the caller before the pick.

use crate::error::{Error, Result};

/// One image a container offers.
#[derive(Debug, Clone)]
pub struct Candidate<T> {
    /// Names it goes by (`RepoTags`, `org.opencontainers.image.ref.name`, a nested index's).
    pub tags: Vec<String>,
    /// The manifest digest (OCI) or the image ID, the config digest (`docker save`).
    pub digest: String,
    /// `os/arch[/variant]` when the container says.
    pub platform: Option<String>,
    /// What the caller needs to read the image.
    pub item: T,
}

impl<T> Candidate<T> {
    /// `tag → digest (platform)`, as the ambiguity error lists it.
    pub fn describe(&self) -> String {
        let tags = match self.tags.is_empty() {
            true => "(untagged)".to_string(),
            false => self.tags.join(", "),
        };
        match &self.platform {
            Some(p) => format!("{tags} → {} ({p})", self.digest),
            None => format!("{tags} → {}", self.digest),
        }
    }
}

/// Docker's normal form of a reference: `docker.io/library/app:latest`, `host:5000/a/b:1`,
/// `name@sha256:...` (a digest replaces the default tag).
pub fn normalise(reference: &str) -> String {
    let (name, digest) = match reference.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (reference, None),
    };
    // A tag is what follows the last ':' that has no '/' after it (not a registry port).
    let (name, tag) = match name.rfind(':') {
        Some(i) if !name[i..].contains('/') => (&name[..i], Some(&name[i + 1..])),
        _ => (name, None),
    };
    let (domain, path) = match name.split_once('/') {
        Some((d, p)) if d.contains(['.', ':']) || d == "localhost" || d.chars().any(|c| c.is_ascii_uppercase()) => {
            (d, p.to_string())
        }
        _ => ("docker.io", name.to_string()),
    };
    let domain = if domain == "index.docker.io" {
        "docker.io"
    } else {
        domain
    };
    let path = match domain == "docker.io" && !path.contains('/') {
        true => format!("library/{path}"),
        false => path,
    };
    match (tag, digest) {
        (Some(t), Some(d)) => format!("{domain}/{path}:{t}@{d}"),
        (None, Some(d)) => format!("{domain}/{path}@{d}"),
        (Some(t), None) => format!("{domain}/{path}:{t}"),
        (None, None) => format!("{domain}/{path}:latest"),
    }
}

/// The loose match kept from before normalisation, used only when nothing matches exactly:
/// `2` picks `app:2`, `tool:3` picks `other/tool:3`.
fn loose_match(candidate: &str, wanted: &str) -> bool {
    candidate
        .strip_suffix(wanted)
        .is_some_and(|rest| rest.ends_with(':') || rest.ends_with('/'))
}

/// The hex digits of a digest the user asked for: `sha256:HEX`, or bare hex of 12 or more
/// digits (a prefix of a manifest digest or image ID, as `docker images` shows them).
fn wanted_digest(wanted: &str) -> Option<&str> {
    let hex = wanted.strip_prefix("sha256:").unwrap_or(wanted);
    let is_hex = (12..=64).contains(&hex.len()) && hex.bytes().all(|b| b.is_ascii_hexdigit());
    is_hex.then_some(hex)
}

/// Merges candidates that are the same image (same digest): their names join.
pub fn merge_same<T>(cands: Vec<Candidate<T>>) -> Vec<Candidate<T>> {
    let mut out: Vec<Candidate<T>> = Vec::with_capacity(cands.len());
    for c in cands {
        match out
            .iter_mut()
            .find(|o| o.digest == c.digest && o.platform == c.platform)
        {
            Some(o) => {
                for t in c.tags {
                    if !o.tags.contains(&t) {
                        o.tags.push(t);
                    }
                }
            }
            None => out.push(c),
        }
    }
    out
}

/// Keeps the candidates `wanted` names: a digest or digest prefix, else a reference compared
/// in normal form, else (when nothing matched) the loose suffix match. Empty when none.
pub fn filter<T>(cands: Vec<Candidate<T>>, wanted: &str) -> Vec<Candidate<T>> {
    // `name@sha256:...` picks by the digest; the name is only a label.
    let by_digest = wanted.rsplit_once('@').map_or(wanted, |(_, d)| d);
    if let Some(hex) = wanted_digest(by_digest) {
        let hex = hex.to_ascii_lowercase();
        let is_hit = |c: &Candidate<T>| c.digest.strip_prefix("sha256:").is_some_and(|d| d.starts_with(&hex));
        // A tag made of hex digits (a git commit) still picks by tag when no digest has it.
        if cands.iter().any(is_hit) {
            return cands.into_iter().filter(is_hit).collect();
        }
    }
    let norm = normalise(wanted);
    if cands.iter().any(|c| c.tags.iter().any(|t| normalise(t) == norm)) {
        return cands
            .into_iter()
            .filter(|c| c.tags.iter().any(|t| normalise(t) == norm))
            .collect();
    }
    cands
        .into_iter()
        .filter(|c| c.tags.iter().any(|t| loose_match(t, wanted)))
        .collect()
}

/// Picks the one candidate (after [`merge_same`]); with `wanted`, among those it names.
pub fn pick<T>(input: &str, cands: Vec<Candidate<T>>, wanted: Option<&str>) -> Result<Candidate<T>> {
    let cands = merge_same(cands);
    let listed = |cs: &[Candidate<T>]| cs.iter().map(Candidate::describe).collect::<Vec<_>>();
    let all = listed(&cands);
    let mut matching = match wanted {
        Some(w) => filter(cands, w),
        None => cands,
    };
    match (matching.len(), wanted) {
        (1, _) => Ok(matching.remove(0)),
        (0, Some(w)) => Err(Error::Choice {
            input: input.to_string(),
            reason: format!("no image tagged {w:?}"),
            available: all,
        }),
        (0, None) => Err(Error::NotAnImage {
            input: input.to_string(),
            reason: "the archive lists no images".into(),
        }),
        (_, w) => Err(Error::Choice {
            input: input.to_string(),
            reason: match w {
                Some(w) => format!("several images match {w:?}; name one exactly with FILE:TAG, FILE@DIGEST or --tag"),
                None => "the archive holds several images; pick one with FILE:TAG, FILE@DIGEST or --tag".into(),
            },
            available: listed(&matching),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_normalise_like_docker() {
        for same in [
            "app",
            "app:latest",
            "docker.io/library/app:latest",
            "index.docker.io/library/app:latest",
            "library/app",
        ] {
            assert_eq!(normalise(same), "docker.io/library/app:latest", "{same}");
        }
        assert_eq!(normalise("user/app:1"), "docker.io/user/app:1");
        assert_eq!(normalise("localhost:5000/app"), "localhost:5000/app:latest");
        assert_eq!(normalise("ghcr.io/o/app:2"), "ghcr.io/o/app:2");
        assert_eq!(normalise("localhost/app:2"), "localhost/app:2");
        assert_eq!(normalise("app@sha256:ab"), "docker.io/library/app@sha256:ab");
    }

    #[test]
    fn digests_need_twelve_hex_digits() {
        assert_eq!(wanted_digest("sha256:0123456789ab"), Some("0123456789ab"));
        assert_eq!(wanted_digest("0123456789ab"), Some("0123456789ab"));
        assert_eq!(wanted_digest("0123456789a"), None);
        assert_eq!(wanted_digest("latest"), None);
    }
}
