//! Errors of the sandbox, each saying what to do about it.

use std::path::PathBuf;

/// Why a sandbox operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// chroot and mount need root.
    #[error("the sandbox needs root (chroot and mount); run this as root")]
    NotRoot,
    /// A port the instance needs is taken by another program.
    #[error(
        "port {port} ({what}) on 127.0.0.1 is busy; stop what listens there or choose another port"
    )]
    PortBusy {
        /// The port.
        port: u16,
        /// What the instance wanted it for.
        what: &'static str,
    },
    /// A command failed; the tail of its output says why.
    #[error("{what} failed ({status}){hint}\n{output}")]
    Command {
        /// What was being done.
        what: String,
        /// The exit status.
        status: String,
        /// A hint about the likely cause, starting with `: ` or empty.
        hint: String,
        /// The last lines of its output.
        output: String,
    },
    /// Asterisk did not answer ARI in time.
    #[error("asterisk ({name}) did not come up: {reason}\nlast lines of {log}:\n{tail}")]
    StartFailed {
        /// The instance.
        name: String,
        /// What was seen.
        reason: String,
        /// The log that was read.
        log: PathBuf,
        /// Its last lines.
        tail: String,
    },
    /// Something is still mounted inside the root; deleting through it would destroy host files.
    #[error("refusing to delete {root}: {mount} is still mounted inside it (unmount it first)")]
    StillMounted {
        /// The directory that was to be deleted.
        root: PathBuf,
        /// The mount point found inside it.
        mount: PathBuf,
    },
    /// The named instance has never been set up.
    #[error("no sandbox instance named {0:?}; start it with `ari sandbox up --name {0}`")]
    UnknownInstance(String),
    /// An invalid instance name.
    #[error("invalid instance name {0:?}: use 1-32 letters, digits, '-' or '_'")]
    BadName(String),
    /// A file operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done, with the path.
        context: String,
        /// The failure.
        source: std::io::Error,
    },
    /// The TLS certificate could not be made.
    #[error("cannot generate the sandbox TLS certificate: {0}")]
    Tls(#[from] rcgen::Error),
    /// The saved instance settings are unreadable.
    #[error("bad instance settings in {path}: {source}")]
    Settings {
        /// The settings file.
        path: PathBuf,
        /// The parse failure.
        source: serde_json::Error,
    },
}

/// `Result` with the sandbox's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Adds a context to I/O errors.
pub(crate) trait IoContext<T> {
    fn context(self, context: impl FnOnce() -> String) -> Result<T>;
}

impl<T> IoContext<T> for std::io::Result<T> {
    fn context(self, context: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|source| Error::Io {
            context: context(),
            source,
        })
    }
}
