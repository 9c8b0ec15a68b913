//! Which package a finding's path line is about, as data: the ecosystem, name and version, and
//! for Python the environment it is installed in. Findings carry it so that readers (the
//! explorer's packages tab, the fix planner, JSON consumers) never parse it back out of the
//! line's text. Owns the identity only; sizes and files stay with the package lists.

use serde::Serialize;

use super::{PythonPackage, SystemPackage};

/// The package manager a package belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Ecosystem {
    /// A Python distribution (dist-info or egg-info).
    Python,
    /// A Debian package (dpkg).
    Debian,
    /// An Alpine package (apk).
    Alpine,
}

impl Ecosystem {
    /// `python`, `debian` or `alpine`, as the report writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Ecosystem::Python => "python",
            Ecosystem::Debian => "debian",
            Ecosystem::Alpine => "alpine",
        }
    }
}

/// One package, named as its package manager names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct PackageRef {
    /// Its package manager.
    pub ecosystem: Ecosystem,
    /// The name as its metadata spells it.
    pub name: String,
    /// The version.
    pub version: String,
    /// For a Python distribution, its site-packages (or dist-packages) directory: the same
    /// name and version can be installed in two environments.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

impl PythonPackage {
    /// This distribution's identity.
    pub fn identity(&self) -> PackageRef {
        PackageRef {
            ecosystem: Ecosystem::Python,
            name: self.name.clone(),
            version: self.version.clone(),
            location: Some(self.location.clone()),
        }
    }
}

impl SystemPackage {
    /// This package's identity in `ecosystem` (a system package does not know whether dpkg or
    /// apk listed it).
    pub fn identity(&self, ecosystem: Ecosystem) -> PackageRef {
        PackageRef {
            ecosystem,
            name: self.name.clone(),
            version: self.version.clone(),
            location: None,
        }
    }
}
