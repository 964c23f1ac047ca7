//! A real Asterisk 22 for development and tests (work in progress).
#![deny(missing_docs)]

use std::path::PathBuf;

/// The environment variable that overrides the cache directory.
pub const CACHE_ENV: &str = "ARI_SANDBOX_CACHE";

/// Where the sandbox keeps its Debian root: `$ARI_SANDBOX_CACHE`, else
/// `$XDG_CACHE_HOME/ari-sandbox`, else `~/.cache/ari-sandbox`.
pub fn default_cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(CACHE_ENV).filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir).join("ari-sandbox");
    }
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("/root"), PathBuf::from);
    home.join(".cache").join("ari-sandbox")
}

/// The directory inside a root where the Asterisk package keeps its ARI spec.
pub const SPEC_DIR_IN_ROOT: &str = "usr/share/asterisk/rest-api";
