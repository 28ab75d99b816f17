//! Unit tests of `diff.rs`: unified diffs (checked against GNU patch),
//! minimal edit scripts from `similar` and speed (kept apart so `diff.rs` reads as the code).

use super::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

#[test]
fn equal_files_give_nothing() {
    assert_eq!(unified("/x", Some("a\nb\n"), "a\nb\n"), "");
    assert_eq!(unified("/x", Some(""), ""), "");
}

#[test]
fn new_file_adds_every_line() {
    assert_eq!(
        unified("/opt/spark/conf/workers", None, "a\nb\n"),
        "--- /dev/null\n+++ b/opt/spark/conf/workers\n@@ -0,0 +1,2 @@\n+a\n+b\n"
    );
    assert_eq!(
        unified("/x", None, "one\n"),
        "--- /dev/null\n+++ b/x\n@@ -0,0 +1 @@\n+one\n"
    );
    // Nothing to add: the headers alone still say "this file is created".
    assert_eq!(unified("/x", None, ""), "--- /dev/null\n+++ b/x\n");
}

#[test]
fn one_changed_line_with_context() {
    let old = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
    let new = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n";
    assert_eq!(
        unified("/c", Some(old), new),
        "--- a/c\n+++ b/c\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"
    );
}

#[test]
fn distant_changes_make_two_hunks_and_close_ones_merge() {
    let old: String = (1..=20).map(|i| format!("{}\n", i)).collect();
    // Lines 2 and 19 change: 16 equal lines apart -> two hunks.
    let new = old
        .replace("\n2\n", "\ntwo\n")
        .replace("19\n", "nineteen\n");
    let d = unified("/f", Some(&old), &new);
    assert_eq!(d.matches("@@ -").count(), 2, "{}", d);
    assert!(
        d.contains("@@ -1,5 +1,5 @@\n 1\n-2\n+two\n 3\n 4\n 5\n"),
        "{}",
        d
    );
    assert!(d.contains("@@ -16,5 +16,5 @@\n"), "{}", d);
    // Lines 5 and 11: 5 equal lines apart (< 2 * 3 + 1) -> one hunk.
    let new = old.replace("\n5\n", "\nfive\n").replace("11\n", "eleven\n");
    let d = unified("/f", Some(&old), &new);
    assert_eq!(d.matches("@@ -").count(), 1, "{}", d);
    assert!(d.contains("@@ -2,13 +2,13 @@\n"), "{}", d);
    // Exactly 6 equal lines apart: contexts touch, still one hunk (as diff -u).
    let new = old.replace("\n5\n", "\nfive\n").replace("12\n", "twelve\n");
    assert_eq!(unified("/f", Some(&old), &new).matches("@@ -").count(), 1);
    // 7 apart: two hunks.
    let new = old
        .replace("\n5\n", "\nfive\n")
        .replace("13\n", "thirteen\n");
    assert_eq!(unified("/f", Some(&old), &new).matches("@@ -").count(), 2);
}

#[test]
fn deletions_come_before_insertions() {
    let d = unified("/f", Some("a\nb\nc\n"), "x\ny\nc\n");
    assert_eq!(d, "--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n-a\n-b\n+x\n+y\n c\n");
}

#[test]
fn empty_old_file_and_emptied_file() {
    assert_eq!(
        unified("/f", Some(""), "a\n"),
        "--- a/f\n+++ b/f\n@@ -0,0 +1 @@\n+a\n"
    );
    assert_eq!(
        unified("/f", Some("a\nb\n"), ""),
        "--- a/f\n+++ b/f\n@@ -1,2 +0,0 @@\n-a\n-b\n"
    );
}

#[test]
fn missing_trailing_newline_is_marked() {
    assert_eq!(
        unified("/f", Some("a\nb"), "a\nb\n"),
        format!(
            "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n{}\n+b\n",
            "\\ No newline at end of file"
        )
    );
    assert_eq!(
        unified("/f", Some("a\nb\n"), "a\nc"),
        format!(
            "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n{}\n",
            "\\ No newline at end of file"
        )
    );
    // An unchanged last line without newline, shown as context.
    assert_eq!(
        unified("/f", Some("x\nz"), "y\nz"),
        format!(
            "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n-x\n+y\n z\n{}\n",
            "\\ No newline at end of file"
        )
    );
}

#[test]
fn relative_paths_get_a_separator() {
    assert!(unified("conf/x", Some("a\n"), "b\n").starts_with("--- a/conf/x\n+++ b/conf/x\n"));
}

/// Lines changed (deleted plus inserted) in `similar`'s script from `a` to `b`.
fn changes(a: &[&str], b: &[&str]) -> usize {
    similar::capture_diff_slices(similar::Algorithm::Myers, a, b)
        .iter()
        .map(|op| match op.as_tag_tuple() {
            (similar::DiffTag::Equal, _, _) => 0,
            (_, o, n) => o.len() + n.len(),
        })
        .sum()
}

#[test]
fn edit_scripts_are_minimal() {
    // Myers finds a shortest script: |a| + |b| - 2 * LCS lines changed.
    let a: Vec<&str> = "a b c a b b a".split(' ').collect();
    let b: Vec<&str> = "c b a b a c".split(' ').collect();
    assert_eq!(changes(&a, &b), 5); // the classic example from Myers' paper: D = 5
}

/// xorshift64*: deterministic, good enough to pick edits, no crate.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// A config-like file from a small vocabulary, so that old and new share
/// many equal lines (and duplicates) and the diff has real choices to make.
fn random_text(r: &mut Rng, max_lines: usize) -> String {
    const WORDS: [&str; 8] = [
        "export SPARK_LOG_DIR=/opt/spark/logs",
        "tickTime=2000",
        "",
        "# comment",
        "spark.master spark://a:7077",
        "server.1=a:2888:3888",
        "  indented \\ back'slash",
        "$(not a command) `x`",
    ];
    let n = r.below(max_lines + 1);
    let mut s: String = (0..n)
        .map(|_| format!("{}\n", WORDS[r.below(WORDS.len())]))
        .collect();
    if !s.is_empty() && r.below(4) == 0 {
        s.pop(); // sometimes no newline at the end
    }
    s
}

/// Apply a few random line edits (insert, delete, replace, toggle the final newline).
fn random_edit(r: &mut Rng, old: &str) -> String {
    let mut lines: Vec<String> = old.split_inclusive('\n').map(str::to_string).collect();
    for _ in 0..=r.below(4) {
        let pos = r.below(lines.len() + 1);
        let fresh = format!("edited {}\n", r.below(1000));
        match r.below(4) {
            0 => lines.insert(pos, fresh),
            1 if pos < lines.len() => {
                lines.remove(pos);
            }
            2 if pos < lines.len() => lines[pos] = fresh,
            _ => {
                if let Some(last) = lines.last_mut() {
                    if last.ends_with('\n') {
                        last.pop();
                    } else {
                        last.push('\n');
                    }
                }
            }
        }
    }
    // Only the last line may lack a newline: re-terminate inner ones.
    let n = lines.len();
    for l in lines.iter_mut().take(n.saturating_sub(1)) {
        if !l.ends_with('\n') {
            l.push('\n');
        }
    }
    lines.concat()
}

fn scratch(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("sparkctl-diff-{}-{}", tag, std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Run GNU patch with `args`, feeding `diff` on stdin; panic with its output on failure.
fn patch(dir: &Path, args: &[&str], diff: &str) {
    use std::io::Write as _;
    let mut child = Command::new("patch")
        .current_dir(dir)
        .args(["--batch", "--no-backup-if-mismatch", "--silent"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run patch (GNU patch must be installed)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(diff.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "patch {:?} failed:\n{}{}\n--- the diff:\n{}",
        args,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        diff
    );
}

/// The real `patch` agrees: applying our diff to old gives new, byte for
/// byte, for many random edits, both to an explicit file (`-p0 FILE`)
/// and by the header names (`-p1` under a root directory), including
/// file creation from `/dev/null`.
#[test]
fn gnu_patch_reproduces_new_from_old() {
    let dir = scratch("patch");
    let mut r = Rng(0x5eed_cafe_f00d_0001);
    let mut applied = 0;
    for case in 0..60 {
        let old = random_text(&mut r, 30);
        let new = random_edit(&mut r, &old);
        let d = unified("/etc/x.conf", Some(&old), &new);
        if old == new {
            assert_eq!(d, "");
            continue;
        }
        // 1. explicit file, -p0: the header names are not used.
        let file = dir.join(format!("explicit-{}.conf", case));
        std::fs::write(&file, &old).unwrap();
        patch(&dir, &["-p0", file.to_str().unwrap()], &d);
        assert_eq!(std::fs::read_to_string(&file).unwrap(), new, "diff:\n{}", d);
        // 2. by header name: a/etc/x.conf -> -p1 -> etc/x.conf under dir.
        let root = dir.join(format!("root-{}", case));
        std::fs::create_dir_all(root.join("etc")).unwrap();
        std::fs::write(root.join("etc/x.conf"), &old).unwrap();
        patch(&root, &["-p1"], &d);
        assert_eq!(
            std::fs::read_to_string(root.join("etc/x.conf")).unwrap(),
            new
        );
        applied += 1;
    }
    // A file that does not exist yet: created from /dev/null.
    for case in 0..10 {
        let seed = random_text(&mut r, 10);
        let new = random_edit(&mut r, &seed);
        if new.is_empty() {
            continue;
        }
        let root = dir.join(format!("create-{}", case));
        std::fs::create_dir_all(&root).unwrap();
        patch(&root, &["-p1"], &unified("/etc/new.conf", None, &new));
        assert_eq!(
            std::fs::read_to_string(root.join("etc/new.conf")).unwrap(),
            new
        );
        applied += 1;
    }
    assert!(applied >= 50, "only {} random diffs were applied", applied);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Every random script is no longer than a simple LCS dynamic program
/// says the minimum is (that it transforms old into new is the GNU patch
/// test above).
#[test]
fn random_scripts_are_minimal() {
    let mut r = Rng(42);
    for _ in 0..300 {
        let old = random_text(&mut r, 25);
        let once = random_edit(&mut r, &old);
        let new = random_edit(&mut r, &once);
        let a: Vec<&str> = old.split_inclusive('\n').collect();
        let b: Vec<&str> = new.split_inclusive('\n').collect();
        assert_eq!(changes(&a, &b), a.len() + b.len() - 2 * lcs(&a, &b));
    }
}

fn lcs(a: &[&str], b: &[&str]) -> usize {
    let mut t = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            t[i][j] = if a[i] == b[j] {
                t[i + 1][j + 1] + 1
            } else {
                t[i + 1][j].max(t[i][j + 1])
            };
        }
    }
    t[0][0]
}

#[test]
fn large_rewrite_is_fast_enough() {
    // 1000 lines replaced entirely: the worst case (D = N + M) for a config file.
    let old: String = (0..1000).map(|i| format!("old {}\n", i)).collect();
    let new: String = (0..1000).map(|i| format!("new {}\n", i)).collect();
    let t = std::time::Instant::now();
    let d = unified("/big", Some(&old), &new);
    assert_eq!(d.lines().filter(|l| l.starts_with('-')).count(), 1001);
    assert_eq!(d.lines().filter(|l| l.starts_with('+')).count(), 1001);
    assert!(t.elapsed().as_secs() < 5, "took {:?}", t.elapsed());
}
