//! Mounts inside the root: finding them (also those a killed run left behind) and undoing them.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::{Error, IoContext as _, Result};
use crate::run::run_checked;

/// Mount points at or below `dir`, deepest first, read from `/proc/self/mountinfo`.
pub(crate) fn mounts_under(dir: &Path) -> Result<Vec<PathBuf>> {
    let info = std::fs::read_to_string("/proc/self/mountinfo")
        .context(|| "cannot read /proc/self/mountinfo".to_owned())?;
    let dir = canonical_or_same(dir);
    let mut found: Vec<PathBuf> = info
        .lines()
        .filter_map(|line| line.split(' ').nth(4))
        .map(unescape_mountinfo)
        .map(PathBuf::from)
        .filter(|mount| mount.starts_with(&dir))
        .collect();
    found.sort_by_key(|p| std::cmp::Reverse(p.components().count()));
    found.dedup();
    Ok(found)
}

/// Mountinfo escapes spaces and a few other bytes as `\ooo`.
fn unescape_mountinfo(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\'
            && let Some(code) = field
                .get(i + 1..i + 4)
                .and_then(|digits| u8::from_str_radix(digits, 8).ok())
        {
            out.push(code);
            i += 4;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn canonical_or_same(dir: &Path) -> PathBuf {
    dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf())
}

/// Mounts `proc` on `<root>/proc` unless it is mounted already.
pub(crate) fn ensure_proc(root: &Path) -> Result<()> {
    let target = canonical_or_same(&root.join("proc"));
    if mounts_under(&target)?.contains(&target) {
        return Ok(());
    }
    std::fs::create_dir_all(&target).context(|| format!("cannot create {}", target.display()))?;
    run_checked(
        Command::new("mount")
            .arg("-t")
            .arg("proc")
            .arg("proc")
            .arg(&target),
        "mounting /proc into the sandbox root",
    )?;
    Ok(())
}

/// Unmounts everything at or below `dir`, deepest first. A busy mount is detached lazily.
pub(crate) fn unmount_all(dir: &Path) -> Result<()> {
    for mount in mounts_under(dir)? {
        let ok = Command::new("umount")
            .arg(&mount)
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        if !ok {
            run_checked(
                Command::new("umount").arg("-l").arg(&mount),
                &format!("unmounting {}", mount.display()),
            )?;
        }
    }
    Ok(())
}

/// Deletes `dir` after unmounting what is inside it; never crosses into another file system.
///
/// Refuses when a mount point remains below `dir`, so a bind mount of host files can never be
/// deleted through.
pub(crate) fn remove_tree(dir: &Path) -> Result<()> {
    if !dir.exists() {
        return Ok(());
    }
    unmount_all(dir)?;
    ensure_unmounted(dir)?;
    run_checked(
        Command::new("rm")
            .arg("-rf")
            .arg("--one-file-system")
            .arg("--")
            .arg(dir),
        &format!("deleting {}", dir.display()),
    )?;
    Ok(())
}

/// Fails with [`Error::StillMounted`] when anything is mounted at or below `dir`.
fn ensure_unmounted(dir: &Path) -> Result<()> {
    match mounts_under(dir)?.into_iter().next() {
        Some(mount) => Err(Error::StillMounted {
            root: dir.to_path_buf(),
            mount,
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scratch tree with a host directory bind-mounted inside it, as a killed run leaves
    /// `/proc` or a bind mount behind in the root.
    struct BoundTree {
        tree: PathBuf,
        host: PathBuf,
        mount_point: PathBuf,
    }

    impl BoundTree {
        fn new(tag: &str) -> Self {
            let base =
                std::env::temp_dir().join(format!("ari-sandbox-{tag}-{}", std::process::id()));
            let tree = base.join("root");
            let host = base.join("host");
            let mount_point = tree.join("mnt/host");
            std::fs::create_dir_all(&mount_point).unwrap();
            std::fs::create_dir_all(&host).unwrap();
            std::fs::write(host.join("precious"), "keep me").unwrap();
            run_checked(
                Command::new("mount")
                    .arg("--bind")
                    .arg(&host)
                    .arg(&mount_point),
                "bind mount for the test",
            )
            .unwrap();
            Self {
                tree,
                host,
                mount_point,
            }
        }
    }

    #[test]
    fn removing_a_tree_unmounts_first_and_spares_what_was_mounted() {
        let t = BoundTree::new("remove");
        assert_eq!(mounts_under(&t.tree).unwrap(), vec![t.mount_point.clone()]);
        remove_tree(&t.tree).unwrap();
        assert!(!t.tree.exists());
        assert_eq!(
            std::fs::read_to_string(t.host.join("precious")).unwrap(),
            "keep me"
        );
        std::fs::remove_dir_all(t.host.parent().unwrap()).unwrap();
    }

    #[test]
    fn a_remaining_mount_is_refused_with_its_path() {
        let t = BoundTree::new("refuse");
        let err = ensure_unmounted(&t.tree).unwrap_err();
        assert!(
            matches!(&err, Error::StillMounted { mount, .. } if *mount == t.mount_point),
            "{err}"
        );
        assert!(err.to_string().contains("still mounted"));
        unmount_all(&t.tree).unwrap();
        assert!(t.host.join("precious").exists());
        std::fs::remove_dir_all(t.host.parent().unwrap()).unwrap();
    }

    #[test]
    fn mountinfo_escapes_are_decoded() {
        assert_eq!(unescape_mountinfo(r"/tmp/a\040b"), "/tmp/a b");
        assert_eq!(unescape_mountinfo("/plain"), "/plain");
    }

    #[test]
    fn the_root_file_system_is_listed() {
        let all = mounts_under(Path::new("/")).unwrap();
        assert!(all.iter().any(|m| m == Path::new("/")));
        // Deepest first.
        assert_eq!(all.last().map(PathBuf::as_path), Some(Path::new("/")));
    }
}
