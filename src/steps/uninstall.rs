//! `sparkctl uninstall`: remove what sparkctl put on a host, and with
//! `--purge` the daemons' data. Only what is provably sparkctl's goes
//! without `--purge`: unpacked trees holding its stamp, its `current`
//! link, its state directory (uploads, fingerprints, the daemons'
//! properties file with the secret, the recorded membership). Every
//! removal prints `@removed PATH`, so a run that removes nothing is known
//! to be a no-op by what it printed, not by wording.

use super::SAFE_PATH;
use crate::layout;
use crate::shell::quote;

/// Remove sparkctl's trees, links and state under each install root in
/// `roots`, then each directory of `purge` (empty without `--purge`),
/// then the roots themselves if that left them empty.
///
/// Trees: a directory directly under the root with the stamp
/// ([`layout::STAMP`]) is one sparkctl unpacked and verified; anything
/// else there (a tree the operator unpacked, files of theirs) stays. `rm
/// -rf` never follows a symlink inside what it removes, and a path that
/// is itself a link loses the link, not its target. A purged directory is
/// first checked with [`SAFE_PATH`] (every directory on the way to it
/// root's and writable by no one else), so no link the service user
/// planted above it can steer the removal elsewhere. A purged directory
/// that is a mount point is emptied (reported as `DIR/*`) and kept.
pub fn uninstall(roots: &[&str], purge: &[String]) -> String {
    let mut s = String::from(SAFE_PATH);
    s.push_str("set -e\ngone() { echo \"@removed $1\"; }\n");
    for r in roots {
        s.push_str(&format!(
            r#"r={r}
if [ -d "$r" ] && [ ! -L "$r" ]; then
  for t in "$r"/* "$r"/.[!.]*; do
    if [ -d "$t" ] && [ ! -L "$t" ] && [ -f "$t"/{stamp} ]; then rm -rf -- "$t"; gone "$t"; fi
  done
  for x in {current} "$r/.current.tmp"; do
    if [ -L "$x" ]; then rm -f -- "$x"; gone "$x"; fi
  done
  if [ -e {state} ] || [ -L {state} ]; then rm -rf -- {state}; gone {state}; fi
fi
"#,
            r = quote(r),
            stamp = quote(layout::STAMP),
            current = quote(&layout::current(r)),
            state = quote(&layout::state_dir(r)),
        ));
    }
    // A data directory is often a mount point of its own (a disk for
    // ZooKeeper's snapshots; the lab bind-mounts one): `rm -rf` cannot
    // remove it, so it is emptied and kept. Told by /proc/self/mountinfo
    // (field 5 is the mount point), which sees bind mounts of the same
    // device that comparing `stat -c %d` with the parent's would miss.
    s.push_str("is_mount() { awk -v d=\"$1\" '$5 == d { f = 1 } END { exit !f }' /proc/self/mountinfo 2>/dev/null; }\n");
    for d in purge {
        s.push_str(&format!(
            "d={d}\nif [ -e \"$d\" ] || [ -L \"$d\" ]; then\n  safe_path \"$d\" || {{ echo \"refusing to remove $d: $why\" >&2; exit 7; }}\n  if [ -d \"$d\" ] && [ ! -L \"$d\" ] && is_mount \"$d\"; then\n    if [ -n \"$(ls -A -- \"$d\")\" ]; then find \"$d\" -mindepth 1 -maxdepth 1 -exec rm -rf -- {{}} +; gone \"$d/*\"; fi\n  else rm -rf -- \"$d\"; gone \"$d\"; fi\nfi\n",
            d = quote(d)
        ));
    }
    for r in roots {
        // Empty only: logs, pid files or data kept without --purge, or
        // files of the operator's, keep it.
        s.push_str(&format!(
            "if [ -d {r} ] && [ ! -L {r} ] && rmdir -- {r} 2>/dev/null; then gone {r}; fi\n",
            r = quote(r)
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::steps::test_sh::{run, tagged};

    #[test]
    fn removes_only_stamped_trees_then_is_a_no_op() {
        // Not under /tmp: --purge refuses a path below a world-writable
        // directory (safe_path), which is the point.
        let d = format!(
            "{}/target/steps-uninstall-{}",
            env!("CARGO_MANIFEST_DIR"),
            std::process::id()
        );
        let _ = std::fs::remove_dir_all(&d);
        let root = format!("{}/spark", d);
        for t in ["spark-3.5.3-bin-hadoop3", "spark-4.3.0-bin-hadoop3", "mine"] {
            std::fs::create_dir_all(format!("{}/{}/conf", root, t)).unwrap();
        }
        for t in ["spark-3.5.3-bin-hadoop3", "spark-4.3.0-bin-hadoop3"] {
            std::fs::write(format!("{}/{}/{}", root, t, layout::STAMP), "x").unwrap();
        }
        std::os::unix::fs::symlink("spark-4.3.0-bin-hadoop3", format!("{}/current", root)).unwrap();
        std::fs::create_dir_all(format!("{}/.sparkctl/dist", root)).unwrap();
        std::fs::create_dir_all(format!("{}/logs", root)).unwrap();
        let data = format!("{}/zkdata", d);
        std::fs::create_dir_all(&data).unwrap();
        std::fs::write(format!("{}/myid", data), "1").unwrap();

        let out = run(&uninstall(&[&root], &[]));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let gone = tagged(&out, "removed");
        assert_eq!(
            gone,
            vec![
                format!("{}/spark-3.5.3-bin-hadoop3", root),
                format!("{}/spark-4.3.0-bin-hadoop3", root),
                format!("{}/current", root),
                format!("{}/.sparkctl", root),
            ]
        );
        // The operator's tree, the logs and the data stay.
        assert!(std::path::Path::new(&format!("{}/mine/conf", root)).is_dir());
        assert!(std::path::Path::new(&format!("{}/logs", root)).is_dir());
        assert!(std::path::Path::new(&format!("{}/myid", data)).is_file());
        // Again: nothing to remove.
        let out = run(&uninstall(&[&root], &[]));
        assert!(out.status.success());
        assert!(tagged(&out, "removed").is_empty());

        // --purge: the data and the logs, then the root if empty.
        std::fs::remove_dir_all(format!("{}/mine", root)).unwrap();
        let purge = vec![data.clone(), format!("{}/logs", root)];
        let out = run(&uninstall(&[&root], &purge));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let gone = tagged(&out, "removed");
        assert_eq!(
            gone,
            vec![data.clone(), format!("{}/logs", root), root.clone()]
        );
        assert!(!std::path::Path::new(&d).join("spark").exists());
        // Below a world-writable directory: refused, nothing removed.
        let t = tmpdir_under_tmp();
        let out = run(&uninstall(&[], std::slice::from_ref(&t)));
        assert_eq!(out.status.code(), Some(7));
        assert!(std::path::Path::new(&t).is_dir());
        std::fs::remove_dir_all(&t).unwrap();
        std::fs::remove_dir_all(&d).unwrap();
    }

    fn tmpdir_under_tmp() -> String {
        let t = crate::steps::test_sh::tmpdir("uninstall-tmp");
        std::fs::create_dir_all(&t).unwrap();
        t
    }
}
