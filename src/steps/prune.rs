//! Keeping a host's install roots from filling its disk: after a deploy
//! that verified the cluster, every product keeps its current tree and the
//! one before it (with their uploaded tarballs), so a rollback is a re-link
//! and a restart, never an upload; older ones go. Which tree was "before"
//! is recorded when `current` moves ([`PREVIOUS`], written by
//! `transfer::link`), not guessed from dates: a rollback and a re-upgrade
//! would make dates lie.

use crate::layout;
use crate::shell::quote;

/// The file in an install root's state directory naming the tree
/// `current` pointed to before it last moved.
pub const PREVIOUS: &str = "previous";

/// The path of [`PREVIOUS`] under `root`.
pub fn previous_file(root: &str) -> String {
    format!("{}/{}", layout::state_dir(root), PREVIOUS)
}

/// Remove, under `root`, every stamped tree but `current`'s target and the
/// recorded previous one, and every uploaded tarball but theirs (a
/// tarball's tree is its name without `.tar.gz`/`.tgz`/`.tar`, as
/// `dist::name` derives it). Without a record (trees installed by an older
/// sparkctl) the previous tree is the newest other stamped one. Nothing
/// happens without a `current` link. Prints `@pruned PATH` per removal.
/// Only run once the daemons run on `current` (a verified full deploy):
/// after `--files-only` the running daemons may still use an older tree.
pub fn prune(root: &str) -> String {
    // A subshell: one host's roots are pruned in one script (one round
    // trip, which a no-op deploy notices), each ending on its own.
    format!(
        r#"(
r={r}
cur=$(readlink {current} 2>/dev/null) || exit 0
case $cur in */*|'') exit 0;; esac
prev=$(cat {previous} 2>/dev/null || true)
[ "$prev" != "$cur" ] || prev=
if [ -z "$prev" ] || [ ! -f "$r/$prev"/{stamp} ]; then
  prev=$(cd "$r" && ls -t -- */{stamp} 2>/dev/null | sed 's|/[^/]*$||' | grep -vxF -e "$cur" | head -n 1 || true)
fi
for t in "$r"/*; do
  n=${{t##*/}}
  [ -d "$t" ] && [ ! -L "$t" ] && [ -f "$t"/{stamp} ] || continue
  if [ "$n" = "$cur" ] || [ "$n" = "$prev" ]; then continue; fi
  rm -rf -- "$t"; echo "@pruned $t"
done
for f in {dist}/*; do
  [ -f "$f" ] || continue
  n=${{f##*/}}
  case $n in *.part.*) continue;; *.tar.gz) s=${{n%.tar.gz}};; *.tgz) s=${{n%.tgz}};; *.tar) s=${{n%.tar}};; *) continue;; esac
  if [ "$s" = "$cur" ] || [ "$s" = "$prev" ]; then continue; fi
  rm -f -- "$f"; echo "@pruned $f"
done
exit 0
)
"#,
        r = quote(root),
        current = quote(&layout::current(root)),
        previous = quote(&previous_file(root)),
        stamp = quote(layout::STAMP),
        dist = quote(&format!("{}/dist", layout::state_dir(root))),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::steps::link;
    use crate::steps::test_sh::{run, tagged, tmpdir};
    use std::path::Path;

    fn tree(root: &str, name: &str) {
        std::fs::create_dir_all(format!("{}/{}", root, name)).unwrap();
        std::fs::write(format!("{}/{}/{}", root, name, layout::STAMP), "x").unwrap();
        let dist = format!("{}/dist", layout::state_dir(root));
        std::fs::create_dir_all(&dist).unwrap();
        std::fs::write(format!("{}/{}.tgz", dist, name), "t").unwrap();
    }

    fn pruned(root: &str) -> Vec<String> {
        let out = run(&prune(root));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut v = tagged(&out, "pruned");
        v.sort();
        v
    }

    #[test]
    fn keeps_current_and_the_one_before_it_through_a_rollback() {
        let r = tmpdir("prune");
        let (a, b, c) = (
            "spark-3.5.3-bin-x",
            "spark-4.0.0-bin-x",
            "spark-4.3.0-bin-x",
        );
        // Nothing linked yet: nothing to do.
        tree(&r, a);
        assert!(pruned(&r).is_empty());
        assert!(run(&link(&r, a)).status.success());
        // Upgrade to b: a is the one before.
        tree(&r, b);
        assert!(run(&link(&r, b)).status.success());
        assert!(pruned(&r).is_empty());
        // Roll back to a: b is the one before (though newer).
        assert!(run(&link(&r, a)).status.success());
        assert!(pruned(&r).is_empty());
        // Upgrade to c from a: b goes, with its tarball.
        tree(&r, c);
        assert!(run(&link(&r, c)).status.success());
        assert_eq!(
            pruned(&r),
            vec![
                format!("{}/.sparkctl/dist/{}.tgz", r, b),
                format!("{}/{}", r, b)
            ]
        );
        assert!(Path::new(&format!("{}/{}", r, a)).is_dir());
        assert!(Path::new(&format!("{}/.sparkctl/dist/{}.tgz", r, a)).is_file());
        // A tree of the operator's (no stamp) and a partial upload stay.
        std::fs::create_dir_all(format!("{}/mine", r)).unwrap();
        std::fs::write(format!("{}/.sparkctl/dist/x.tgz.part.1", r), "").unwrap();
        assert!(pruned(&r).is_empty());
        std::fs::remove_dir_all(&r).unwrap();
    }

    #[test]
    fn without_a_record_the_newest_other_tree_is_kept() {
        let r = tmpdir("prune-old");
        for t in ["t1", "t2", "t3"] {
            tree(&r, t);
            std::thread::sleep(std::time::Duration::from_millis(1100));
        }
        std::os::unix::fs::symlink("t1", format!("{}/current", r)).unwrap();
        assert_eq!(
            pruned(&r),
            vec![format!("{}/.sparkctl/dist/t2.tgz", r), format!("{}/t2", r)]
        );
        std::fs::remove_dir_all(&r).unwrap();
    }
}
