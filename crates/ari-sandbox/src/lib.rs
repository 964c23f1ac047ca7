//! A real Asterisk 22 on loopback, for developing and testing ARI applications.
//!
//! Debian 12 has no Asterisk 22, Debian's sid suite does. [`Sandbox::up`] builds a minimal sid
//! root with `debootstrap` once (cached outside any project, see [`default_cache_dir`]),
//! installs `asterisk` and its English sounds into it, writes a configuration from templates in
//! this crate, and starts Asterisk in it with `chroot`, bound to `127.0.0.1` only.
//!
//! Several named instances share the one root, each with its own ports, configuration,
//! run/spool/log directories and PID, so a test can restart or kill its own Asterisk without
//! disturbing the others.
//!
//! ```no_run
//! let sandbox = ari_sandbox::Sandbox::new("default")?;
//! let status = sandbox.up(ari_sandbox::Ports::default(), &|step| eprintln!("{step}"))?;
//! println!("ARI at {} as {}", status.ari_url(), status.settings.user);
//! # Ok::<(), ari_sandbox::Error>(())
//! ```
//!
//! What each instance offers (ARI users, dialplan contexts, PJSIP endpoints) is listed in the
//! README of the repository and printed by `ari sandbox status`.
#![deny(missing_docs)]

mod error;
mod instance;
mod mounts;
mod probe;
mod root;
mod run;
mod tls;

use std::fmt;
use std::fs::File;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use error::{Error, Result};
pub use instance::{Ports, SIP_ENDPOINTS, Settings};

use error::IoContext as _;
use instance::Layout;

/// The environment variable that overrides the cache directory.
pub const CACHE_ENV: &str = "ARI_SANDBOX_CACHE";

/// The name of the instance used when none is given.
pub const DEFAULT_INSTANCE: &str = "default";

/// The directory inside a root where the Asterisk package keeps its ARI spec.
pub const SPEC_DIR_IN_ROOT: &str = "usr/share/asterisk/rest-api";

/// How long `up` waits for ARI to answer after starting Asterisk.
const START_TIMEOUT: Duration = Duration::from_secs(90);

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

/// One named sandbox instance over the shared cached root.
#[derive(Debug, Clone)]
pub struct Sandbox {
    cache_dir: PathBuf,
    name: String,
    mirror: String,
}

/// What an instance is and where to reach it.
#[derive(Debug, Clone)]
pub struct Status {
    /// The instance name.
    pub name: String,
    /// The PID of its Asterisk (as seen from the host), when it runs.
    pub pid: Option<u32>,
    /// The Asterisk version ARI reported, when it runs.
    pub version: Option<String>,
    /// Ports and credentials.
    pub settings: Settings,
    /// The CA certificate that signed the HTTPS/WSS listener's certificate.
    pub ca_file: PathBuf,
    /// Asterisk's log (notices, warnings, errors).
    pub log_file: PathBuf,
    /// Modules that Asterisk tried and failed to load.
    pub failed_modules: Vec<String>,
    /// The cached Debian root.
    pub root: PathBuf,
}

impl Status {
    /// The ARI base URL over HTTP, e.g. `http://127.0.0.1:8088/ari`.
    pub fn ari_url(&self) -> String {
        format!("http://127.0.0.1:{}/ari", self.settings.http_port)
    }

    /// The ARI base URL over HTTPS (certificate signed by [`Status::ca_file`]).
    pub fn ari_tls_url(&self) -> String {
        format!("https://127.0.0.1:{}/ari", self.settings.https_port)
    }

    /// Whether Asterisk runs.
    pub fn is_running(&self) -> bool {
        self.pid.is_some()
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.settings;
        match self.pid {
            Some(pid) => writeln!(f, "sandbox {:?}: running (pid {pid})", self.name)?,
            None => writeln!(f, "sandbox {:?}: stopped", self.name)?,
        }
        if let Some(version) = &self.version {
            writeln!(f, "  asterisk   {version}")?;
        }
        writeln!(f, "  ari        {}", self.ari_url())?;
        writeln!(
            f,
            "  ari (tls)  {}  (CA: {})",
            self.ari_tls_url(),
            self.ca_file.display()
        )?;
        writeln!(
            f,
            "  events     ws://127.0.0.1:{}/ari/events?app=<app>",
            s.http_port
        )?;
        writeln!(f, "  user       {} / {}  (full access)", s.user, s.password)?;
        writeln!(f, "  read-only  {} / {}", s.ro_user, s.ro_password)?;
        writeln!(
            f,
            "  pjsip      udp 127.0.0.1:{}, endpoints {} (password {})",
            s.sip_port,
            SIP_ENDPOINTS.join(", "),
            s.sip_password
        )?;
        writeln!(
            f,
            "  outbound   asterisk connects to ws://127.0.0.1:{}/ari for app \"outbound\" (user asterisk / {})",
            s.outbound_port, s.outbound_password
        )?;
        writeln!(f, "  log        {}", self.log_file.display())?;
        if self.is_running() {
            if self.failed_modules.is_empty() {
                writeln!(f, "  modules    all loaded")?;
            } else {
                writeln!(f, "  modules    FAILED: {}", self.failed_modules.join(", "))?;
            }
        }
        Ok(())
    }
}

impl Sandbox {
    /// The instance `name` in the default cache directory.
    pub fn new(name: &str) -> Result<Self> {
        let valid = !name.is_empty()
            && name.len() <= 32
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid {
            return Err(Error::BadName(name.to_owned()));
        }
        Ok(Self {
            cache_dir: default_cache_dir(),
            name: name.to_owned(),
            mirror: root::default_mirror(),
        })
    }

    /// Uses another cache directory (default [`default_cache_dir`]).
    #[must_use]
    pub fn with_cache_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cache_dir = dir.into();
        self
    }

    /// Builds the root from this Debian mirror (default `$ARI_SANDBOX_MIRROR`, else
    /// `http://deb.debian.org/debian`).
    #[must_use]
    pub fn with_mirror(mut self, url: impl Into<String>) -> Self {
        self.mirror = url.into();
        self
    }

    /// The instance name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The cached Debian root shared by all instances.
    pub fn root_dir(&self) -> PathBuf {
        self.cache_dir.join("root")
    }

    /// The directory of Asterisk's ARI spec files inside the root.
    pub fn spec_dir(&self) -> PathBuf {
        self.root_dir().join(SPEC_DIR_IN_ROOT)
    }

    fn layout(&self) -> Layout {
        Layout {
            root: self.root_dir(),
            name: self.name.clone(),
        }
    }

    /// Asterisk's log file of this instance.
    pub fn log_file(&self) -> PathBuf {
        self.layout().log_file()
    }

    /// Serialises `up`, `down` and `reset` across processes (parallel test binaries, users).
    fn lock(&self) -> Result<File> {
        std::fs::create_dir_all(&self.cache_dir)
            .context(|| format!("cannot create {}", self.cache_dir.display()))?;
        let path = self.cache_dir.join("lock");
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .context(|| format!("cannot open {}", path.display()))?;
        file.lock()
            .context(|| format!("cannot lock {}", path.display()))?;
        Ok(file)
    }

    /// Builds the root if needed, starts this instance if it is not running, waits for ARI.
    ///
    /// Idempotent: when the instance runs already, it only reports its status. `progress`
    /// receives a line for each slow step.
    pub fn up(&self, ports: Ports, progress: &dyn Fn(&str)) -> Result<Status> {
        require_root()?;
        let _lock = self.lock()?;
        let layout = self.layout();
        let root = self.root_dir();
        if root::ensure(&root, &self.mirror, progress)? {
            progress("root built");
        }
        let asked_ports = ports.http.is_some() || ports.https.is_some() || ports.sip.is_some();
        if layout.running_pid().is_some() {
            let settings = layout.settings_for(Ports::default())?;
            let moved = [
                (ports.http, settings.http_port),
                (ports.https, settings.https_port),
                (ports.sip, settings.sip_port),
            ]
            .iter()
            .any(|(asked, have)| asked.is_some_and(|p| p != *have));
            if !asked_ports || !moved {
                return self.status_locked();
            }
            progress("ports changed: restarting the instance");
            layout.stop()?;
        }
        if self.running_instances()?.is_empty() {
            let left = mounts::mounts_under(&root)?;
            if !left.is_empty() {
                progress(&format!(
                    "cleaning {} mount(s) left behind by an earlier run",
                    left.len()
                ));
                mounts::unmount_all(&root)?;
            }
        }
        mounts::ensure_proc(&root)?;
        let settings = layout.settings_for(ports)?;
        layout.write_config(&settings)?;
        progress(&format!(
            "starting asterisk ({}) on 127.0.0.1:{}",
            self.name, settings.http_port
        ));
        layout.start(&settings, START_TIMEOUT)?;
        self.status_locked()
    }

    /// Builds the cached root (Debian sid with Asterisk) unless it is there; starts nothing.
    ///
    /// Returns the root directory. Used by tools that only need Asterisk's files, such as the
    /// code generator reading the ARI spec.
    pub fn ensure_root(&self, progress: &dyn Fn(&str)) -> Result<PathBuf> {
        require_root()?;
        let _lock = self.lock()?;
        let root = self.root_dir();
        root::ensure(&root, &self.mirror, progress)?;
        Ok(root)
    }

    /// Stops this instance; unmounts the root when no instance runs any more.
    ///
    /// Returns whether it was running. Also cleans mounts a killed run left behind.
    pub fn down(&self) -> Result<bool> {
        require_root()?;
        let _lock = self.lock()?;
        let was_running = self.layout().stop()?;
        if self.running_instances()?.is_empty() {
            mounts::unmount_all(&self.root_dir())?;
        }
        Ok(was_running)
    }

    /// Stops every instance and deletes the cached root, never through a mount point.
    pub fn reset(&self, progress: &dyn Fn(&str)) -> Result<()> {
        require_root()?;
        let _lock = self.lock()?;
        for name in self.instance_names()? {
            let layout = Layout {
                root: self.root_dir(),
                name: name.clone(),
            };
            if layout.stop()? {
                progress(&format!("stopped instance {name}"));
            }
        }
        let root = self.root_dir();
        progress(&format!("deleting {}", root.display()));
        mounts::remove_tree(&root)?;
        let mut building = root.into_os_string();
        building.push(".building");
        mounts::remove_tree(Path::new(&building))?;
        Ok(())
    }

    /// Where this instance is and whether it runs. Fails for an instance never started.
    pub fn status(&self) -> Result<Status> {
        self.status_locked()
    }

    fn status_locked(&self) -> Result<Status> {
        let layout = self.layout();
        let settings = layout
            .load_settings()?
            .ok_or_else(|| Error::UnknownInstance(self.name.clone()))?;
        let pid = layout.running_pid();
        let (version, failed_modules) = match pid {
            Some(_) => {
                let version =
                    match probe::ari_info(settings.http_port, &settings.user, &settings.password) {
                        probe::Probe::Ready(v) => Some(v),
                        _ => None,
                    };
                let modules = instance::failed_modules(&layout.cli("module show")?);
                (version, modules)
            }
            None => (None, Vec::new()),
        };
        Ok(Status {
            name: self.name.clone(),
            pid,
            version,
            settings,
            ca_file: layout.ca_file(),
            log_file: layout.log_file(),
            failed_modules,
            root: self.root_dir(),
        })
    }

    /// Runs an Asterisk CLI command in this instance, e.g. `core show channels`.
    pub fn cli(&self, command: &str) -> Result<String> {
        require_root()?;
        self.layout().cli(command)
    }

    /// Kills this instance's Asterisk at once (SIGKILL), as a crash would; for fault tests.
    pub fn kill(&self) -> Result<bool> {
        require_root()?;
        let Some(pid) = self.layout().running_pid() else {
            return Ok(false);
        };
        run::run_checked(
            std::process::Command::new("kill").args(["-KILL", &pid.to_string()]),
            "killing asterisk",
        )?;
        if !instance::wait_gone(pid, Duration::from_secs(10)) {
            return Err(Error::Io {
                context: format!("asterisk (pid {pid}) still runs 10 s after SIGKILL"),
                source: std::io::Error::other("process did not exit"),
            });
        }
        Ok(true)
    }

    fn instance_names(&self) -> Result<Vec<String>> {
        let dir = self.root_dir().join(instance::INSTANCES_IN_ROOT);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return Ok(Vec::new());
        };
        let mut names: Vec<String> = entries
            .flatten()
            .filter(|e| e.path().is_dir())
            .filter_map(|e| e.file_name().into_string().ok())
            .collect();
        names.sort();
        Ok(names)
    }

    /// Names of the instances whose Asterisk runs.
    pub fn running_instances(&self) -> Result<Vec<String>> {
        Ok(self
            .instance_names()?
            .into_iter()
            .filter(|name| {
                Layout {
                    root: self.root_dir(),
                    name: name.clone(),
                }
                .running_pid()
                .is_some()
            })
            .collect())
    }
}

fn require_root() -> Result<()> {
    // /proc/self belongs to the process's effective user.
    let uid = std::fs::metadata("/proc/self")
        .map(|m| m.uid())
        .unwrap_or(u32::MAX);
    if uid == 0 {
        Ok(())
    } else {
        Err(Error::NotRoot)
    }
}
