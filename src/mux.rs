//! SSH masters kept between runs (`[ssh] control_persist`), so `status`
//! and a no-op `deploy` cost a round trip per host, not a handshake.
//!
//! This is OpenSSH's own ControlPersist, made safe to find again: every
//! master lives in one private directory (`$TMPDIR/sparkctl-<uid>`, 0700,
//! owned by this user, checked before each use: another local user who
//! could plant a socket there would receive every script we send,
//! secrets included), and a pointer file per host (named after the
//! inventory's settings for it) says which master serves it and for which
//! resolved connection (a fingerprint of everything that decides where,
//! as whom and after which checks ssh connects). A master found there is used only after a command has gone
//! through it (`alive`): a master whose link died still answers on its
//! socket for up to ServerAliveInterval x 3.

use sha2::{Digest, Sha256};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The private directory the masters and their pointers live in, or why
/// there is none (then every run opens and closes its own connections).
pub fn private_dir() -> Result<PathBuf, String> {
    private_dir_in(&std::env::temp_dir())
}

fn private_dir_in(base: &Path) -> Result<PathBuf, String> {
    // /proc/self belongs to this process's effective uid: no libc needed.
    let uid = std::fs::metadata("/proc/self")
        .map(|m| m.uid())
        .map_err(|e| format!("cannot read /proc/self: {}", e))?;
    let dir = base.join(format!("sparkctl-{}", uid));
    match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(format!("cannot create {}: {}", dir.display(), e)),
    }
    // lstat: a symlink planted in its place is refused, not followed.
    let m = std::fs::symlink_metadata(&dir)
        .map_err(|e| format!("cannot read {}: {}", dir.display(), e))?;
    if !m.is_dir() || m.uid() != uid || m.permissions().mode() & 0o077 != 0 {
        return Err(format!(
            "{} is not a directory that only you can use (owner uid {}, mode {:o}); remove it to let sparkctl keep SSH connections open between runs",
            dir.display(),
            m.uid(),
            m.permissions().mode() & 0o7777
        ));
    }
    Ok(dir)
}

/// Everything that decides where and as whom ssh connects, as the name of
/// the pointer file (a digest: addresses and paths are not file names).
pub fn key(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        // Length-prefixed, so ("ab", "c") and ("a", "bc") differ.
        h.update((p.len() as u64).to_le_bytes());
        h.update(p.as_bytes());
    }
    let digest = h.finalize();
    digest[..12].iter().map(|b| format!("{:02x}", b)).collect()
}

fn pointer(dir: &Path, key: &str) -> PathBuf {
    dir.join(format!("host-{}", key))
}

/// The control socket a previous run left for `key`, if it still exists,
/// and the fingerprint of the connection it was made for.
pub fn lookup(dir: &Path, key: &str) -> Option<(PathBuf, String)> {
    let text = std::fs::read_to_string(pointer(dir, key)).ok()?;
    let (socket, fingerprint) = text.split_once('\n')?;
    let socket = PathBuf::from(socket);
    // Only sockets inside the private directory: the pointer is ours, but
    // a stale one must not send us anywhere else.
    (socket.starts_with(dir) && socket.exists()).then(|| (socket, fingerprint.to_string()))
}

/// Record `socket` as the master for `key`, made for the connection whose
/// fingerprint is `fingerprint` (write, then rename: a concurrent run
/// reads the old pointer or the new one, never half).
pub fn remember(dir: &Path, key: &str, socket: &Path, fingerprint: &str) {
    let tmp = dir.join(format!(".host-{}.{}", key, std::process::id()));
    let text = format!("{}\n{}", socket.display(), fingerprint);
    if std::fs::write(&tmp, text).is_ok() && std::fs::rename(&tmp, pointer(dir, key)).is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
}

/// Remove what dead masters left: their directories (ssh removes only the
/// socket) and pointers to them. A directory younger than ten minutes may be
/// a master another run is starting right now: left alone.
pub fn sweep(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let old = |p: &Path| {
        std::fs::symlink_metadata(p)
            .and_then(|m| m.modified())
            .is_ok_and(|t| t.elapsed().is_ok_and(|e| e.as_secs() > 600))
    };
    for e in entries.flatten() {
        let (path, name) = (e.path(), e.file_name());
        let name = name.to_string_lossy();
        if name.starts_with(".ssh-connection") && !path.join("master").exists() && old(&path) {
            let _ = std::fs::remove_dir_all(&path);
        } else if name.starts_with("ssh-g-") && old_days(&path, 7) {
            // `ssh -G` answers (exec/resolved.rs) unused for a week.
            let _ = std::fs::remove_file(&path);
        } else if let Some(key) = name.strip_prefix("host-") {
            if lookup(dir, key).is_none() {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
}

/// Whether `path` was last modified more than `days` days ago.
fn old_days(path: &Path, days: u64) -> bool {
    std::fs::symlink_metadata(path)
        .and_then(|m| m.modified())
        .is_ok_and(|t| t.elapsed().is_ok_and(|e| e.as_secs() > days * 86400))
}

/// Forget the master for `key` and tell it to exit (it failed its check).
pub fn forget(dir: &Path, key: &str, socket: &Path) {
    let _ = std::fs::remove_file(pointer(dir, key));
    let _ = std::process::Command::new("ssh")
        .arg("-S")
        .arg(socket)
        .args(["-O", "exit", "sparkctl-master"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_differ_for_every_part_and_split() {
        let a = key(&["10.0.0.1", "root", "22"]);
        assert_eq!(a, key(&["10.0.0.1", "root", "22"]));
        assert_eq!(a.len(), 24);
        assert_ne!(a, key(&["10.0.0.1", "spark", "22"]));
        assert_ne!(key(&["ab", "c"]), key(&["a", "bc"]));
    }

    #[test]
    fn pointers_name_only_sockets_inside_the_directory() {
        let dir = std::env::temp_dir().join(format!("sparkctl-mux-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let sock = dir.join("master");
        std::fs::write(&sock, "").unwrap();
        remember(&dir, "k", &sock, "fp");
        assert_eq!(lookup(&dir, "k"), Some((sock.clone(), "fp".to_string())));
        // Gone: no master.
        std::fs::remove_file(&sock).unwrap();
        assert_eq!(lookup(&dir, "k"), None);
        // Outside the directory: ignored even though it exists.
        remember(&dir, "k", Path::new("/etc/passwd"), "fp");
        assert_eq!(lookup(&dir, "k"), None);
        assert_eq!(lookup(&dir, "none"), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_directory_must_be_private() {
        let base = std::env::temp_dir().join(format!("sparkctl-mux-base-{}", std::process::id()));
        std::fs::create_dir_all(&base).unwrap();
        let private_dir = || private_dir_in(&base);
        let dir = private_dir().unwrap();
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        // Opened to the group: refused until fixed (then accepted again).
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o770)).unwrap();
        let err = private_dir().unwrap_err();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        assert!(
            err.contains("is not a directory that only you can use"),
            "{}",
            err
        );
        assert_eq!(private_dir().unwrap(), dir);
        // A symlink in its place is refused, not followed.
        std::fs::remove_dir(&dir).unwrap();
        std::os::unix::fs::symlink(&base, &dir).unwrap();
        assert!(private_dir().is_err());
        std::fs::remove_dir_all(&base).unwrap();
    }
}
