//! Opens a layer's files in its unpacked directory (`overlay2/<cache-id>/diff`,
//! `overlay/<id>/diff`) for the tar-split reader, and nothing outside it: every directory on
//! the way is checked once not to be a symlink, the file itself must be a regular file, and
//! the file opened must be the one checked (same device and inode), so a link planted in the
//! store cannot make deadweight read elsewhere. Knows nothing of the record's format.

use std::collections::HashSet;
use std::fs::File;
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::tarsplit::FileSource;
use crate::source::layer::normalize;

/// The unpacked files of one layer.
pub struct DiffDir {
    root: PathBuf,
    /// Directories below `root` already found to be real directories.
    checked: HashSet<Vec<u8>>,
}

impl DiffDir {
    /// The layer unpacked at `root`.
    pub fn new(root: &Path) -> Self {
        Self {
            root: root.to_path_buf(),
            checked: HashSet::new(),
        }
    }

    fn check_dir(&mut self, dir: &[u8]) -> Result<(), String> {
        if dir.is_empty() || self.checked.contains(dir) {
            return Ok(());
        }
        if let Some(cut) = dir.iter().rposition(|&b| b == b'/') {
            self.check_dir(&dir[..cut])?;
        }
        let path = self.root.join(bytes_path(dir));
        let meta = std::fs::symlink_metadata(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        if !meta.is_dir() {
            return Err(format!("{} is not a directory in the layer's files", path.display()));
        }
        self.checked.insert(dir.to_vec());
        Ok(())
    }
}

fn bytes_path(b: &[u8]) -> &Path {
    use std::os::unix::ffi::OsStrExt;
    Path::new(std::ffi::OsStr::from_bytes(b))
}

impl FileSource for DiffDir {
    fn open(&mut self, name: &[u8]) -> Result<Box<dyn Read + Send>, String> {
        let rel = normalize(name);
        if rel.is_empty() || rel.split(|&b| b == b'/').any(|p| p == b"..") {
            return Err("the name leaves the layer's directory".into());
        }
        if let Some(cut) = rel.iter().rposition(|&b| b == b'/') {
            self.check_dir(&rel[..cut])?;
        }
        let path = self.root.join(bytes_path(&rel));
        let seen = std::fs::symlink_metadata(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        if !seen.is_file() {
            return Err(format!("{} is not a regular file", path.display()));
        }
        let file = File::open(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let meta = file.metadata().map_err(|e| format!("{}: {e}", path.display()))?;
        if (meta.dev(), meta.ino()) != (seen.dev(), seen.ino()) {
            return Err(format!("{} changed while it was opened", path.display()));
        }
        Ok(Box::new(file))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_outside_the_layer_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("diff");
        std::fs::create_dir_all(root.join("a")).unwrap();
        std::fs::write(root.join("a/f"), "in").unwrap();
        std::fs::write(dir.path().join("secret"), "out").unwrap();
        std::os::unix::fs::symlink(dir.path(), root.join("up")).unwrap();
        std::os::unix::fs::symlink("../secret", root.join("a/link")).unwrap();
        let mut d = DiffDir::new(&root);
        let mut got = String::new();
        d.open(b"./a/f").unwrap().read_to_string(&mut got).unwrap();
        assert_eq!(got, "in");
        for (name, says) in [
            (&b"up/secret"[..], "is not a directory"),
            (b"a/link", "is not a regular file"),
            (b"a/../../secret", "leaves the layer"),
            (b"a/missing", "No such file"),
        ] {
            let err = d.open(name).err().unwrap();
            assert!(err.contains(says), "{err}");
        }
    }
}
