//! The host-side half of the ownership rule (see `ownership`, which holds
//! the check-time half): a POSIX sh function that every script handing a
//! directory to the service user, and the facts probe, run on the host.

/// A POSIX sh function. `safe_path P` succeeds when every directory on the
/// way to P (P itself too with a second argument `all`) either does not
/// exist yet (then root creates the rest, under a directory only root can
/// write) or is owned by root or by the user running the script and is
/// writable by no one else; symlinks on the way must belong to root too and
/// are followed one hop at a time (40 at most), so a link's target is
/// judged like the path itself. On failure `$why` says which and why.
///
/// A world-writable directory with the sticky bit (`/tmp`) fails: another
/// user could have created the next component.
pub const SAFE_PATH: &str = r#"safe_path() {
  sp_todo=${1#/}; sp_cur=; sp_n=0; sp_me=$(id -u); why=
  while [ -n "$sp_todo" ]; do
    sp_c=${sp_todo%%/*}
    case "$sp_todo" in */*) sp_todo=${sp_todo#*/};; *) sp_todo=;; esac
    [ -n "$sp_c" ] || continue
    [ -n "$sp_todo" ] || [ "$2" = all ] || return 0
    sp_p=$sp_cur/$sp_c
    if [ -L "$sp_p" ]; then
      sp_n=$((sp_n+1))
      sp_o=$(stat -c %u "$sp_p")
      if [ $sp_n -gt 40 ] || { [ "$sp_o" != 0 ] && [ "$sp_o" != "$sp_me" ]; }; then why="$sp_p is a symlink owned by uid $sp_o"; return 1; fi
      sp_t=$(readlink "$sp_p")
      case "$sp_t" in /*) sp_cur=;; esac
      sp_todo=${sp_t#/}${sp_todo:+/$sp_todo}
      continue
    fi
    [ -e "$sp_p" ] || return 0
    if [ ! -d "$sp_p" ]; then why="$sp_p is not a directory"; return 1; fi
    set -- "$1" "$2" $(stat -c '%u %a' "$sp_p")
    if [ "$3" != 0 ] && [ "$3" != "$sp_me" ]; then why="$sp_p belongs to uid $3, who could replace what is inside"; return 1; fi
    if [ $((0$4 & 022)) -ne 0 ]; then why="$sp_p is writable by other users (mode $4), who could replace what is inside"; return 1; fi
    sp_cur=$sp_p
  done
  return 0
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn safe_path(path: &str, all: bool) -> (bool, String) {
        let script = format!(
            "{}if safe_path {} {}; then echo ok; else echo \"no: $why\"; fi",
            SAFE_PATH,
            crate::shell::quote(path),
            if all { "all" } else { "''" }
        );
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(&script)
            .output()
            .unwrap();
        let s = String::from_utf8_lossy(&out.stdout).trim().to_string();
        (s == "ok", s)
    }

    /// The host-side guard, on this machine's real directories.
    #[test]
    fn safe_path_refuses_paths_others_could_redirect() {
        use std::os::unix::fs::PermissionsExt;
        // /tmp is world-writable: another user could have made what is inside.
        let (ok, why) = safe_path("/tmp/sparkctl-x/logs", false);
        assert!(!ok);
        assert!(
            why.contains("/tmp is writable by other users (mode 1777)"),
            "{}",
            why
        );
        let (ok, why) = safe_path("/tmp", true);
        assert!(!ok, "{}", why);
        // Only ancestors are judged without `all`: /tmp itself is fine as the last step.
        assert!(safe_path("/tmp", false).0);

        // Beside the test binary (in the target directory), not in /tmp.
        let exe = std::env::current_exe().unwrap();
        let base = exe
            .parent()
            .unwrap()
            .join(format!("ownership-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let open = base.join("open");
        std::fs::create_dir_all(&open).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
        let closed = base.join("closed");
        std::fs::create_dir_all(&closed).unwrap();
        std::os::unix::fs::symlink(&open, closed.join("link")).unwrap();
        std::os::unix::fs::symlink("../open", closed.join("rel")).unwrap();
        let b = base.display();
        // The target, the link, and a relative link are all judged.
        for p in [
            format!("{}/open/x/logs", b),
            format!("{}/closed/link/logs", b),
            format!("{}/closed/rel/logs", b),
        ] {
            let (ok, why) = safe_path(&p, false);
            assert!(!ok, "{} accepted", p);
            // (the relative link is reported as reached: `closed/../open`)
            assert!(
                why.contains("/open is writable by other users (mode 777)"),
                "{}: {}",
                p,
                why
            );
        }
        // A file on the way is refused; a path not created yet is fine
        // when what exists of it is safe (only checkable where the
        // ancestors are ours: root's, or this test user's).
        std::fs::write(closed.join("f"), "").unwrap();
        let (ok, why) = safe_path(&format!("{}/closed/f/x", b), false);
        assert!(!ok && why.contains("is not a directory"), "{}", why);
        let (ok, why) = safe_path(&format!("{}/closed/new/deeper/logs", b), false);
        let ancestors_ours = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "{}safe_path {} all",
                SAFE_PATH,
                crate::shell::quote(&closed.display().to_string())
            ))
            .status()
            .unwrap()
            .success();
        assert_eq!(ok, ancestors_ours, "{}", why);
        std::fs::remove_dir_all(&base).unwrap();
    }
}
