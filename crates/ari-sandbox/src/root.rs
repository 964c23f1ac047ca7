//! The cached Debian sid root with Asterisk installed: built once, reused after.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::{IoContext as _, Result};
use crate::mounts;
use crate::run::run_checked;

/// Written last by a successful build; a root without it is half-built and gets rebuilt.
const READY_MARKER: &str = ".ari-sandbox-ready";

/// The Debian packages installed into the root.
pub(crate) const PACKAGES: &[&str] = &["asterisk", "asterisk-core-sounds-en-gsm"];

/// The mirror to build from by default: `$ARI_SANDBOX_MIRROR` or Debian's CDN.
pub(crate) fn default_mirror() -> String {
    std::env::var("ARI_SANDBOX_MIRROR")
        .ok()
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| "http://deb.debian.org/debian".to_owned())
}

/// Whether `root` holds a completed build.
pub(crate) fn is_ready(root: &Path) -> bool {
    root.join(READY_MARKER).is_file()
}

/// Builds the root at `root` unless a complete one is there. Returns whether it built.
pub(crate) fn ensure(root: &Path, mirror: &str, progress: &dyn Fn(&str)) -> Result<bool> {
    if is_ready(root) {
        return Ok(false);
    }
    let building = with_suffix(root, ".building");
    if root.exists() {
        progress(&format!(
            "found a half-built root at {}: rebuilding it",
            root.display()
        ));
        mounts::remove_tree(root)?;
    }
    // A build killed half-way leaves this directory (maybe with /proc mounted): start afresh.
    mounts::remove_tree(&building)?;
    ensure_debootstrap(progress)?;
    if let Some(parent) = root.parent() {
        std::fs::create_dir_all(parent)
            .context(|| format!("cannot create {}", parent.display()))?;
    }
    progress("debootstrap: building a minimal Debian sid root (about a minute)");
    run_checked(
        Command::new("debootstrap")
            .args(["--variant=minbase", "--include=ca-certificates", "sid"])
            .arg(&building)
            .arg(mirror),
        "debootstrap of Debian sid",
    )?;
    prepare_root_files(&building)?;
    progress(&format!(
        "installing {} into the root (about half a minute)",
        PACKAGES.join(", ")
    ));
    mounts::ensure_proc(&building)?;
    let installed = install_packages(&building);
    mounts::unmount_all(&building)?;
    installed?;
    let version = crate::instance::asterisk_package_version(&building).unwrap_or_default();
    std::fs::write(building.join(READY_MARKER), format!("{version}\n"))
        .context(|| format!("cannot write the marker in {}", building.display()))?;
    std::fs::rename(&building, root)
        .context(|| format!("cannot move {} to {}", building.display(), root.display()))?;
    progress(&format!(
        "root ready at {} (asterisk {version})",
        root.display()
    ));
    Ok(true)
}

fn install_packages(root: &Path) -> Result<()> {
    // sid's Release file carries a Valid-Until date that has passed on some mirrors' snapshots.
    let apt = "apt-get -o Acquire::Check-Valid-Until=false -o Acquire::Retries=3";
    let script = format!(
        "set -e; {apt} update -qq; DEBIAN_FRONTEND=noninteractive {apt} install -y -qq \
         --no-install-recommends {}",
        PACKAGES.join(" ")
    );
    run_checked(
        chroot(root).args(["/bin/sh", "-c", &script]),
        "installing asterisk into the root",
    )?;
    Ok(())
}

/// Files the root needs before packages go in.
fn prepare_root_files(root: &Path) -> Result<()> {
    let write = |rel: &str, text: &str| {
        let path = root.join(rel);
        std::fs::write(&path, text).context(|| format!("cannot write {}", path.display()))
    };
    // Without it Asterisk spends its start resolving its own name.
    write(
        "etc/hosts",
        "127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n",
    )?;
    // Package scripts must not try to start services inside the root.
    write("usr/sbin/policy-rc.d", "#!/bin/sh\nexit 101\n")?;
    set_mode(&root.join("usr/sbin/policy-rc.d"), 0o755)?;
    Ok(())
}

pub(crate) fn set_mode(path: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .context(|| format!("cannot chmod {}", path.display()))
}

/// A `chroot ROOT` command with a clean, predictable environment.
pub(crate) fn chroot(root: &Path) -> Command {
    let mut cmd = Command::new("chroot");
    cmd.arg(root)
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .env("LANG", "C.UTF-8")
        .env("HOME", "/root");
    cmd
}

fn ensure_debootstrap(progress: &dyn Fn(&str)) -> Result<()> {
    if Command::new("debootstrap")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        return Ok(());
    }
    progress("debootstrap is missing on this host: installing it with apt-get");
    run_checked(
        Command::new("apt-get").args(["update", "-qq"]),
        "apt-get update on the host",
    )?;
    run_checked(
        Command::new("apt-get")
            .args(["install", "-y", "-qq", "debootstrap"])
            .env("DEBIAN_FRONTEND", "noninteractive"),
        "installing debootstrap on the host",
    )?;
    Ok(())
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}
