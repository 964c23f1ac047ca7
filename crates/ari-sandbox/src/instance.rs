//! One Asterisk instance: its settings, configuration files, process and status.

use std::fmt;
use std::net::{TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rand::Rng as _;
use serde::{Deserialize, Serialize};

use crate::error::{Error, IoContext as _, Result};
use crate::probe::{self, Probe};
use crate::root::chroot;
use crate::run::tail;
use crate::tls;

/// Where instances live, as seen from inside the root.
pub(crate) const INSTANCES_IN_ROOT: &str = "var/lib/ari-sandbox";

/// Endpoints configured in PJSIP, so endpoint listings and states have something real.
pub const SIP_ENDPOINTS: &[&str] = &["101", "102", "103", "104", "105"];

/// The saved settings of an instance: ports and credentials, fixed at its first start.
#[derive(Clone, Serialize, Deserialize)]
pub struct Settings {
    /// The instance name.
    pub name: String,
    /// The ARI HTTP/WebSocket port on 127.0.0.1.
    pub http_port: u16,
    /// The ARI HTTPS/WSS port on 127.0.0.1.
    pub https_port: u16,
    /// The PJSIP UDP port on 127.0.0.1.
    pub sip_port: u16,
    /// The ARI user with full rights.
    pub user: String,
    /// Its password.
    pub password: String,
    /// The read-only ARI user.
    pub ro_user: String,
    /// Its password.
    pub ro_password: String,
    /// The password of the PJSIP endpoints' digest authentication.
    pub sip_password: String,
    /// Where Asterisk opens its outbound ARI WebSocket (application `outbound`).
    #[serde(default)]
    pub outbound_port: u16,
    /// The password Asterisk sends (user `asterisk`) on its outbound WebSocket.
    #[serde(default)]
    pub outbound_password: String,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("name", &self.name)
            .field("http_port", &self.http_port)
            .field("https_port", &self.https_port)
            .field("sip_port", &self.sip_port)
            .field("user", &self.user)
            .field("ro_user", &self.ro_user)
            .finish_non_exhaustive()
    }
}

/// Ports requested for an instance; `None` keeps the saved port or picks a default.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ports {
    /// ARI over HTTP.
    pub http: Option<u16>,
    /// ARI over HTTPS.
    pub https: Option<u16>,
    /// PJSIP over UDP.
    pub sip: Option<u16>,
}

fn random_secret() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..20)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

fn free_tcp_port() -> Result<u16> {
    let listener =
        TcpListener::bind("127.0.0.1:0").context(|| "cannot find a free TCP port".into())?;
    Ok(listener
        .local_addr()
        .context(|| "cannot find a free TCP port".into())?
        .port())
}

fn free_udp_port() -> Result<u16> {
    let socket = UdpSocket::bind("127.0.0.1:0").context(|| "cannot find a free UDP port".into())?;
    Ok(socket
        .local_addr()
        .context(|| "cannot find a free UDP port".into())?
        .port())
}

/// An instance's directory layout, on the host and inside the root.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub(crate) root: PathBuf,
    pub(crate) name: String,
}

impl Layout {
    pub(crate) fn in_root(&self) -> String {
        format!("/{INSTANCES_IN_ROOT}/{}", self.name)
    }
    pub(crate) fn host_dir(&self) -> PathBuf {
        self.root.join(INSTANCES_IN_ROOT).join(&self.name)
    }
    fn settings_file(&self) -> PathBuf {
        self.host_dir().join("instance.json")
    }
    fn conf_in_root(&self) -> String {
        format!("{}/etc/asterisk.conf", self.in_root())
    }
    pub(crate) fn log_file(&self) -> PathBuf {
        self.host_dir().join("log").join("messages.log")
    }
    fn startup_log(&self) -> PathBuf {
        self.host_dir().join("log").join("startup.log")
    }
    fn pid_file(&self) -> PathBuf {
        self.host_dir().join("run").join("asterisk.pid")
    }
    pub(crate) fn ca_file(&self) -> PathBuf {
        self.host_dir().join("keys").join(tls::CA_FILE)
    }

    pub(crate) fn load_settings(&self) -> Result<Option<Settings>> {
        let path = self.settings_file();
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|source| Error::Settings { path, source }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).context(|| format!("cannot read {}", path.display())),
        }
    }

    /// The saved settings with `ports` applied, or new ones for a first start.
    pub(crate) fn settings_for(&self, ports: Ports) -> Result<Settings> {
        let saved = self.load_settings()?;
        let default = self.name == crate::DEFAULT_INSTANCE;
        let pick = |asked: Option<u16>,
                    saved: Option<u16>,
                    fixed: u16,
                    free: fn() -> Result<u16>| match (asked, saved) {
            (Some(port), _) | (None, Some(port)) => Ok(port),
            (None, None) if default => Ok(fixed),
            (None, None) => free(),
        };
        let settings = Settings {
            name: self.name.clone(),
            http_port: pick(
                ports.http,
                saved.as_ref().map(|s| s.http_port),
                8088,
                free_tcp_port,
            )?,
            https_port: pick(
                ports.https,
                saved.as_ref().map(|s| s.https_port),
                8089,
                free_tcp_port,
            )?,
            sip_port: pick(
                ports.sip,
                saved.as_ref().map(|s| s.sip_port),
                5060,
                free_udp_port,
            )?,
            user: saved
                .as_ref()
                .map_or_else(|| "ari".to_owned(), |s| s.user.clone()),
            password: saved
                .as_ref()
                .map_or_else(random_secret, |s| s.password.clone()),
            ro_user: saved
                .as_ref()
                .map_or_else(|| "ari_ro".to_owned(), |s| s.ro_user.clone()),
            ro_password: saved
                .as_ref()
                .map_or_else(random_secret, |s| s.ro_password.clone()),
            sip_password: saved
                .as_ref()
                .map_or_else(random_secret, |s| s.sip_password.clone()),
            outbound_port: pick(
                None,
                saved.as_ref().map(|s| s.outbound_port).filter(|p| *p != 0),
                8090,
                free_tcp_port,
            )?,
            outbound_password: saved
                .as_ref()
                .map(|s| s.outbound_password.clone())
                .filter(|p| !p.is_empty())
                .unwrap_or_else(random_secret),
        };
        Ok(settings)
    }

    /// The PID of this instance's Asterisk, if it runs.
    pub(crate) fn running_pid(&self) -> Option<u32> {
        let pid: u32 = std::fs::read_to_string(self.pid_file())
            .ok()?
            .trim()
            .parse()
            .ok()?;
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
        let cmdline = String::from_utf8_lossy(&cmdline);
        // The PID file may be stale and the number reused: check that it is our Asterisk.
        (cmdline.contains("asterisk") && cmdline.contains(&self.conf_in_root())).then_some(pid)
    }

    /// Writes the configuration files, directories and certificates.
    pub(crate) fn write_config(&self, settings: &Settings) -> Result<()> {
        let dir = self.host_dir();
        // Asterisk writes recordings, call files and temporary files under the spool directory
        // but does not create these subdirectories itself.
        for sub in [
            "etc",
            "run",
            "spool",
            "spool/recording",
            "spool/outgoing",
            "spool/tmp",
            "spool/monitor",
            "spool/voicemail",
            "log",
            "db",
            "cache",
            "keys",
        ] {
            let path = dir.join(sub);
            std::fs::create_dir_all(&path)
                .context(|| format!("cannot create {}", path.display()))?;
        }
        let settings_text = serde_json::to_string_pretty(settings).unwrap_or_default();
        let settings_file = self.settings_file();
        std::fs::write(&settings_file, settings_text)
            .context(|| format!("cannot write {}", settings_file.display()))?;
        crate::root::set_mode(&settings_file, 0o600)?;
        tls::ensure_certificates(&dir.join("keys"))?;

        copy_package_configs(&self.root, &dir.join("etc"))?;
        let moddir = module_dir(&self.root);
        let in_root = self.in_root();
        let entity_id = entity_id(&self.name);
        let fill = |template: &str| {
            template
                .replace("{name}", &self.name)
                .replace("{dir}", &in_root)
                .replace("{moddir}", &moddir)
                .replace("{entity_id}", &entity_id)
                .replace("{http_port}", &settings.http_port.to_string())
                .replace("{https_port}", &settings.https_port.to_string())
                .replace("{sip_port}", &settings.sip_port.to_string())
                .replace("{user}", &settings.user)
                .replace("{password}", &settings.password)
                .replace("{ro_user}", &settings.ro_user)
                .replace("{ro_password}", &settings.ro_password)
                .replace("{sip_password}", &settings.sip_password)
                .replace("{outbound_port}", &settings.outbound_port.to_string())
                .replace("{outbound_password}", &settings.outbound_password)
                .replace("{rtp_start}", "10000")
                .replace("{rtp_end}", "20000")
        };
        let mut pjsip = fill(include_str!("../templates/pjsip.conf"));
        for ext in SIP_ENDPOINTS {
            pjsip.push_str(
                &fill(include_str!("../templates/pjsip_endpoint.conf")).replace("{ext}", ext),
            );
        }
        let files: [(&str, String); 13] = [
            (
                "websocket_client.conf",
                fill(include_str!("../templates/websocket_client.conf")),
            ),
            (
                "asterisk.conf",
                fill(include_str!("../templates/asterisk.conf")),
            ),
            ("http.conf", fill(include_str!("../templates/http.conf"))),
            ("ari.conf", fill(include_str!("../templates/ari.conf"))),
            (
                "manager.conf",
                fill(include_str!("../templates/manager.conf")),
            ),
            (
                "logger.conf",
                fill(include_str!("../templates/logger.conf")),
            ),
            (
                "modules.conf",
                fill(include_str!("../templates/modules.conf")),
            ),
            (
                "extensions.conf",
                fill(include_str!("../templates/extensions.conf")),
            ),
            ("cdr.conf", fill(include_str!("../templates/cdr.conf"))),
            ("cel.conf", fill(include_str!("../templates/cel.conf"))),
            ("rtp.conf", fill(include_str!("../templates/rtp.conf"))),
            (
                "musiconhold.conf",
                fill(include_str!("../templates/musiconhold.conf")),
            ),
            ("pjsip.conf", pjsip),
        ];
        for (file, text) in files {
            let path = dir.join("etc").join(file);
            std::fs::write(&path, text).context(|| format!("cannot write {}", path.display()))?;
        }
        // Configuration holds passwords: readable by Asterisk's user only.
        let (uid, gid) = asterisk_ids(&self.root)?;
        chown_tree(&dir, uid, gid)?;
        crate::root::set_mode(&dir, 0o750)?;
        Ok(())
    }

    /// Starts Asterisk and waits until ARI answers.
    pub(crate) fn start(&self, settings: &Settings, timeout: Duration) -> Result<String> {
        for (port, what) in [
            (settings.http_port, "ARI HTTP"),
            (settings.https_port, "ARI HTTPS"),
        ] {
            if TcpListener::bind(("127.0.0.1", port)).is_err() {
                return Err(Error::PortBusy { port, what });
            }
        }
        if UdpSocket::bind(("127.0.0.1", settings.sip_port)).is_err() {
            return Err(Error::PortBusy {
                port: settings.sip_port,
                what: "PJSIP UDP",
            });
        }
        let _ = std::fs::remove_file(self.pid_file());
        // Each start begins a fresh log, so a failure shows this start's lines only.
        let _ = std::fs::rename(self.log_file(), self.log_file().with_extension("log.1"));
        let startup_log = self.startup_log();
        let log = std::fs::File::create(&startup_log)
            .context(|| format!("cannot create {}", startup_log.display()))?;
        let log_err = log
            .try_clone()
            .context(|| format!("cannot reopen {}", startup_log.display()))?;
        // Asterisk forks into the background; this waits only for the launcher.
        let status = chroot(&self.root)
            .args([
                "/usr/sbin/asterisk",
                "-C",
                &self.conf_in_root(),
                "-U",
                "asterisk",
                "-G",
                "asterisk",
            ])
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .status()
            .context(|| "cannot run chroot to start asterisk".to_owned())?;
        if !status.success() {
            return Err(self.start_failed(format!("the asterisk launcher exited with {status}")));
        }
        let started = Instant::now();
        let mut last = Probe::Closed;
        while started.elapsed() < timeout {
            last = probe::ari_info(settings.http_port, &settings.user, &settings.password);
            if let Probe::Ready(version) = last {
                return Ok(version);
            }
            // The launcher returned: once the PID file exists, the daemon must stay alive.
            if started.elapsed() > Duration::from_secs(3) && self.running_pid().is_none() {
                return Err(self.start_failed("the asterisk process exited".to_owned()));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err(self.start_failed(format!(
            "ARI did not answer within {} s (last probe: {last})",
            timeout.as_secs()
        )))
    }

    fn start_failed(&self, reason: String) -> Error {
        let mut log = self.log_file();
        let mut text = std::fs::read_to_string(&log).unwrap_or_default();
        if text.trim().is_empty() {
            log = self.startup_log();
            text = std::fs::read_to_string(&log).unwrap_or_default();
        }
        Error::StartFailed {
            name: self.name.clone(),
            reason,
            log,
            tail: tail(&text, 20),
        }
    }

    /// Stops Asterisk: TERM, then KILL after a grace period. Returns whether it ran.
    pub(crate) fn stop(&self) -> Result<bool> {
        let Some(pid) = self.running_pid() else {
            return Ok(false);
        };
        let _ = Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status();
        if !wait_gone(pid, Duration::from_secs(15)) {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
            wait_gone(pid, Duration::from_secs(5));
        }
        let _ = std::fs::remove_file(self.pid_file());
        Ok(true)
    }

    /// Runs a CLI command in this instance (`asterisk -rx`).
    pub(crate) fn cli(&self, command: &str) -> Result<String> {
        let output = chroot(&self.root)
            .args([
                "/usr/sbin/asterisk",
                "-C",
                &self.conf_in_root(),
                "-rx",
                command,
            ])
            .output()
            .context(|| "cannot run chroot for the asterisk CLI".to_owned())?;
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }
}

/// `asterisk -rx "module show"` lists each module with its state; keep those not running.
pub(crate) fn failed_modules(module_show: &str) -> Vec<String> {
    module_show
        .lines()
        .filter(|line| line.contains(".so"))
        .filter(|line| line.contains("Not Running") || line.contains("Declined"))
        .filter_map(|line| line.split_whitespace().next().map(str::to_owned))
        .collect()
}

/// Starts from the configuration Debian's package ships (modules without a file of their own
/// refuse to load); the sandbox's own files are written over it.
fn copy_package_configs(root: &Path, etc: &Path) -> Result<()> {
    let shipped = root.join("etc/asterisk");
    let entries =
        std::fs::read_dir(&shipped).context(|| format!("cannot list {}", shipped.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        // users.conf is deprecated and only warns.
        let wanted =
            path.extension().is_some_and(|e| e == "conf") && entry.file_name() != "users.conf";
        if path.is_file() && wanted {
            let target = etc.join(entry.file_name());
            std::fs::copy(&path, &target)
                .context(|| format!("cannot copy {} to {}", path.display(), target.display()))?;
        }
    }
    Ok(())
}

fn module_dir(root: &Path) -> String {
    let found = std::fs::read_dir(root.join("usr/lib"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path().join("asterisk/modules"))
        .find(|path| path.is_dir());
    match found.as_ref().and_then(|p| p.strip_prefix(root).ok()) {
        Some(rel) => format!("/{}", rel.display()),
        None => "/usr/lib/asterisk/modules".to_owned(),
    }
}

/// A locally administered MAC-like id derived from the instance name.
fn entity_id(name: &str) -> String {
    // FNV-1a: stable across runs and Rust versions, unlike the std hasher.
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let b = hash.to_be_bytes();
    format!(
        "02:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        b[3], b[4], b[5], b[6], b[7]
    )
}

/// The uid and gid of the `asterisk` user of the root.
fn asterisk_ids(root: &Path) -> Result<(u32, u32)> {
    let passwd = root.join("etc/passwd");
    let text =
        std::fs::read_to_string(&passwd).context(|| format!("cannot read {}", passwd.display()))?;
    text.lines()
        .map(|line| line.split(':').collect::<Vec<_>>())
        .find(|fields| fields.first() == Some(&"asterisk") && fields.len() > 3)
        .and_then(|fields| Some((fields[2].parse().ok()?, fields[3].parse().ok()?)))
        .ok_or_else(|| Error::Io {
            context: format!("no asterisk user in {}", passwd.display()),
            source: std::io::Error::from(std::io::ErrorKind::NotFound),
        })
}

fn chown_tree(dir: &Path, uid: u32, gid: u32) -> Result<()> {
    std::os::unix::fs::lchown(dir, Some(uid), Some(gid))
        .context(|| format!("cannot chown {}", dir.display()))?;
    if dir.is_dir() && !dir.is_symlink() {
        for entry in std::fs::read_dir(dir).context(|| format!("cannot list {}", dir.display()))? {
            let entry = entry.context(|| format!("cannot list {}", dir.display()))?;
            chown_tree(&entry.path(), uid, gid)?;
        }
    }
    Ok(())
}

/// The version of the `asterisk` package installed in `root`, from dpkg's status file.
pub(crate) fn asterisk_package_version(root: &Path) -> Option<String> {
    let status = std::fs::read_to_string(root.join("var/lib/dpkg/status")).ok()?;
    status
        .split("\n\n")
        .find(|stanza| stanza.lines().any(|l| l == "Package: asterisk"))?
        .lines()
        .find_map(|l| l.strip_prefix("Version: "))
        .map(str::to_owned)
}

/// Waits until process `pid` has exited (its `/proc` entry is gone), at most `within`; returns
/// whether it did. Asterisk is not our child, so there is nothing to `wait` on.
pub(crate) fn wait_gone(pid: u32, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    let entry = format!("/proc/{pid}");
    while Path::new(&entry).exists() {
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_ids_differ_by_name_and_stay_stable() {
        assert_eq!(entity_id("default"), entity_id("default"));
        assert_ne!(entity_id("default"), entity_id("faults"));
        assert!(entity_id("x").starts_with("02:"));
    }

    #[test]
    fn failed_modules_are_picked_from_module_show() {
        let text = "Module                         Description                              Use Count  Status      Support Level\n\
                    res_ari.so                     Asterisk RESTful Interface               0          Running              core\n\
                    res_fax.so                     Generic FAX Applications                 0          Not Running          core\n\
                    2 modules loaded\n";
        assert_eq!(failed_modules(text), vec!["res_fax.so".to_owned()]);
    }

    #[test]
    fn settings_debug_hides_passwords() {
        let s = Settings {
            name: "x".into(),
            http_port: 1,
            https_port: 2,
            sip_port: 3,
            user: "ari".into(),
            password: "pw-one".into(),
            ro_user: "ro".into(),
            ro_password: "pw-two".into(),
            sip_password: "pw-three".into(),
            outbound_port: 4,
            outbound_password: "pw-four".into(),
        };
        let text = format!("{s:?}");
        assert!(!text.contains("pw-"), "{text}");
    }
}
