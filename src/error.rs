//! The library's error type. Every variant names what went wrong and where (the file, the blob,
//! the tar entry), because the binary prints it once and exits 2: the message is all the user
//! gets. This module owns no I/O and no formatting beyond `Display`.

use std::path::PathBuf;

/// Result alias used across the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while reading or analysing an image.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input path could not be opened or read.
    #[error("cannot read {}", path.display())]
    Io {
        /// The file or directory that failed.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// The image reference (argument or `--source`) could not be understood.
    #[error("invalid image reference {reference:?}: {reason}")]
    Reference {
        /// What the user typed.
        reference: String,
        /// Why it was rejected.
        reason: String,
    },
    /// An option given with an image it cannot apply to (`--storage` with a file).
    #[error("{reference}: {reason}")]
    Inapplicable {
        /// The image as the user named it.
        reference: String,
        /// Which option, why it cannot apply, and where it does.
        reason: String,
    },
    /// The input is not any image format deadweight reads.
    #[error("{}: {reason}", input)]
    Format {
        /// The input (file, directory or `-`).
        input: String,
        /// What was expected and what was found.
        reason: String,
    },
    /// The outer archive ended before a member it declares.
    #[error("{input}: truncated archive: {detail}")]
    Truncated {
        /// The input (file, directory or `-`).
        input: String,
        /// Which member and how many bytes were missing.
        detail: String,
    },
    /// A JSON document (manifest, index, config) is malformed or not what it should be.
    #[error("{input}: malformed {what}: {reason}")]
    Json {
        /// The input (file, directory or `-`).
        input: String,
        /// The document: `manifest.json`, `index.json`, `config blobs/sha256/...`.
        what: String,
        /// The parser's message, with line and column.
        reason: String,
    },
    /// A blob named by a manifest is absent.
    #[error("{input}: missing blob: {what} ({name}) is not in the image")]
    MissingBlob {
        /// The input (file, directory or `-`).
        input: String,
        /// What referred to it: `layer 3`, `config`, `manifest`.
        what: String,
        /// The member name or digest.
        name: String,
    },
    /// A blob's bytes do not hash to the digest its descriptor promises.
    #[error("{input}: digest mismatch for {what}: expected {expected}, got {actual}")]
    Digest {
        /// The input (file, directory or `-`).
        input: String,
        /// Which blob.
        what: String,
        /// The digest from the descriptor.
        expected: String,
        /// The digest of the bytes read.
        actual: String,
    },
    /// A layer could not be decoded (bad compression, bad tar, truncated stream). The decoder
    /// knows only the reason; whoever opened the layer fills `input` and `layer` with
    /// [`Error::in_layer`].
    #[error("{}{reason}", place(&[input, layer]))]
    Layer {
        /// The input (file, directory or `-`).
        input: String,
        /// The layer: index, blob name, and the tar entry when one is known.
        layer: String,
        /// What was wrong.
        reason: String,
    },
    /// The manifest describes something that is not a runnable image.
    #[error("{input}: not a container image: {reason}")]
    NotAnImage {
        /// The input (file, directory or `-`).
        input: String,
        /// What it is instead (an artifact, a foreign layer...).
        reason: String,
    },
    /// Several images are present and none (or an absent one) was chosen.
    #[error("{input}: {reason}; available: {}", available.join(", "))]
    Choice {
        /// The input (file, directory or `-`).
        input: String,
        /// What was asked for, or that a choice is needed.
        reason: String,
        /// The tags or platforms present, so the user can pick one.
        available: Vec<String>,
    },
    /// A Docker or Podman daemon could not be reached or could not give the image.
    #[error("{reference}: {reason}")]
    Daemon {
        /// The image as the user named it.
        reference: String,
        /// What failed: the socket tried, permission denied, image not found.
        reason: String,
    },
    /// A local engine's store (Docker's data root, a containers/storage graph root) cannot give
    /// the image in place: missing, unreadable, an unknown driver, a record that is not what it
    /// should be. Where a daemon can export the image instead, the loader falls back to it.
    #[error("{}: {reason}", root.display())]
    Storage {
        /// The store's root directory.
        root: PathBuf,
        /// What was missing or wrong, naming the file.
        reason: String,
    },
    /// A registry could not be reached, refused a request, or served something unusable.
    #[error("{reference}: {reason}")]
    Registry {
        /// The image as the user named it.
        reference: String,
        /// What failed: unauthorized (realm and scope), manifest unknown, unsupported schema.
        reason: String,
    },
    /// The user's credentials for a registry could not be read: a credential helper refused by
    /// name, missing, or answering outside its protocol. Never holds a secret.
    #[error("credentials for {registry}: {reason}")]
    Credentials {
        /// The registry host.
        registry: String,
        /// What failed, naming the helper and the file that names it.
        reason: String,
    },
    /// A configuration is malformed: `.deadweight.toml`, dive's `.dive-ci`, a CI budget or a
    /// size given to a flag. The parser knows the key; the caller adds the file with
    /// [`Error::in_file`].
    #[error("invalid {what}{}: {}{reason}", file_part(file), key.as_ref().map(|k| format!("{k}: ")).unwrap_or_default())]
    Config {
        /// What kind of configuration: `configuration`, `CI configuration`, `CI budget`, `size`.
        what: &'static str,
        /// The file it came from, when it came from one.
        file: Option<PathBuf>,
        /// The key at fault (`rules.lowestEfficiency`), when one is.
        key: Option<String>,
        /// What is wrong with it.
        reason: String,
    },
    /// A JSON report read back (a `--baseline`, a side of `deadweight diff`) cannot be used.
    #[error("invalid {what}{}: {reason}", file_part(file))]
    Report {
        /// `report` or `baseline`.
        what: &'static str,
        /// The file it came from, when it came from one.
        file: Option<PathBuf>,
        /// What is wrong with it: its version, a missing or malformed field.
        reason: String,
    },
    /// A size or depth limit meant to stop hostile input was hit.
    #[error("{input}: {what} exceeds the limit of {limit}")]
    Limit {
        /// The input (file, directory or `-`).
        input: String,
        /// What grew too large.
        what: String,
        /// The limit, in words.
        limit: String,
    },
    /// `deadweight fix` cannot plan or rewrite: an unknown Dockerfile frontend, a Dockerfile that
    /// does not match the image, a bad rule pattern.
    #[error("cannot fix: {reason}")]
    Fix {
        /// What stops it, in words.
        reason: String,
    },
}

impl Error {
    /// A configuration or report error with the file it was read from.
    pub fn in_file(mut self, path: &std::path::Path) -> Self {
        if let Error::Config { file, .. } | Error::Report { file, .. } = &mut self {
            *file = Some(path.to_path_buf());
        }
        self
    }

    /// A layer error with the input and the layer it was decoded from.
    pub fn in_layer(mut self, at_input: &str, at_layer: String) -> Self {
        if let Error::Layer { input, layer, .. } = &mut self {
            *input = at_input.to_string();
            *layer = at_layer;
        }
        self
    }

    /// A configuration error as the parser states it, before a file is known.
    pub(crate) fn config(what: &'static str, key: Option<String>, reason: impl Into<String>) -> Self {
        Error::Config {
            what,
            file: None,
            key,
            reason: reason.into(),
        }
    }

    /// The reason alone, without the kind, file or key around it: what a flag parser shows
    /// after clap's own "invalid value ... for --flag".
    pub fn reason(&self) -> String {
        match self {
            Error::Config { reason, .. } | Error::Report { reason, .. } | Error::Layer { reason, .. } => reason.clone(),
            other => other.to_string(),
        }
    }
}

/// `" FILE"` when a file is known, for "invalid configuration FILE: ...".
fn file_part(file: &Option<PathBuf>) -> String {
    file.as_ref().map(|f| format!(" {}", f.display())).unwrap_or_default()
}

/// `"a: b: "` from the non-empty parts, so an error whose place is not filled in yet still reads.
fn place(parts: &[&String]) -> String {
    parts
        .iter()
        .filter(|p| !p.is_empty())
        .map(|p| format!("{p}: "))
        .collect()
}
