//! Platform names (`os/arch[/variant]`) as `--platform` and OCI indexes spell them: the host's,
//! whether an index entry serves a request, and whether a single image's config may be read
//! for it. Names only; picking an image among several is `resolve`'s.

use crate::{Error, Result};

/// The host's platform as OCI names it.
pub fn host_platform() -> String {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "powerpc64" => "ppc64le",
        other => other,
    };
    format!("linux/{arch}")
}

/// With `--platform` (`want`), refuses an image of `input` whose config names another platform.
/// Variants are compared only when both sides have one: configs often leave it out
/// (`linux/arm64`).
pub(crate) fn check_platform(input: &str, want: Option<&str>, have: &str) -> Result<()> {
    let Some(want) = want else {
        return Ok(());
    };
    let (mut h, mut w) = (have.split('/'), want.split('/'));
    let same = h.next() == w.next() && h.next() == w.next();
    let variants_agree = match (h.next(), w.next()) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    };
    if same && variants_agree {
        return Ok(());
    }
    Err(Error::Choice {
        input: input.to_string(),
        reason: format!("no image for platform {want}"),
        available: vec![have.to_string()],
    })
}

/// True when an index entry for `have` serves a request for `want` (`linux/arm64` takes
/// `linux/arm64/v8`, not the other way round).
pub(crate) fn platform_matches(have: &str, want: &str) -> bool {
    have == want || (want.matches('/').count() == 1 && have.starts_with(&format!("{want}/")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_entries_serve_requests_without_a_variant() {
        assert!(platform_matches("linux/arm64/v8", "linux/arm64"));
        assert!(platform_matches("linux/amd64", "linux/amd64"));
        assert!(!platform_matches("linux/arm64", "linux/arm64/v8"));
        assert!(!platform_matches("linux/arm/v7", "linux/arm/v6"));
        assert!(!platform_matches("linux/amd64", "linux/arm64"));
        assert!(host_platform().starts_with("linux/"));
    }
}
