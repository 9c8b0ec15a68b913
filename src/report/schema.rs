//! What the JSON report's writer ([`super::json`]) and its readers ([`super::baseline`], the
//! diff's [`super::diff::read_report`]) share: the schema's version and the tool stamp. Kept
//! apart so that a reader never imports the writer and the writer never imports a reader.

use serde::Serialize;

use crate::error::Error;

/// Version of the report's shape, bumped whenever a field changes meaning or a required one is
/// added. 2: each finding path carries `claimed` (the bytes another finding counts). Readers
/// read every version up to this one: the fields they use did not change.
pub const SCHEMA_VERSION: u32 = 2;

/// Name and version of deadweight, as written into every JSON document.
#[derive(Debug, Serialize)]
pub struct Tool {
    /// Always `deadweight`.
    pub name: &'static str,
    /// The crate version.
    pub version: &'static str,
}

impl Tool {
    /// This deadweight.
    pub fn this() -> Self {
        Tool {
            name: "deadweight",
            version: env!("CARGO_PKG_VERSION"),
        }
    }
}

/// Refuses reports of a newer shape than this deadweight reads; `what` names the document's
/// role in the error (`report`, `baseline`).
pub fn check_version(what: &'static str, schema_version: u32) -> Result<(), Error> {
    if schema_version > SCHEMA_VERSION {
        return Err(Error::Report {
            what,
            file: None,
            reason: format!(
                "written by a newer deadweight (schema_version {schema_version}; this one reads up to {SCHEMA_VERSION})"
            ),
        });
    }
    Ok(())
}
