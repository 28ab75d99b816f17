//! Unified diffs of config files, for `deploy --dry-run`.
//!
//! A dry run should show exactly what a deploy would change in each rendered
//! file, in the format every operator already reads (and can feed to
//! `patch`): `--- a/path`, `+++ b/path`, `@@ -l,n +l,n @@` hunks with three
//! lines of context. The inputs are small config files (tens to hundreds of
//! lines), so this is a plain line-based Myers diff with no heuristics:
//! simple enough to trust, fast enough for anything sparkctl renders.
//!
//! Why not a crate: the whole thing is ~150 lines, has to match the exact
//! format `patch` accepts (including the `\ No newline at end of file`
//! marker), and is tested against GNU patch below.

use std::fmt::Write;

/// Lines of unchanged context around each change, as `diff -u` uses.
const CONTEXT: usize = 3;

/// The standard marker after a line that has no terminating newline.
const NO_NEWLINE: &str = "\\ No newline at end of file";

/// A unified diff from `old` to `new`, labelled with `path`. Empty when equal.
///
/// `old: None` means the file does not exist yet: the header is
/// `--- /dev/null` and every line is added (an empty `new` then yields the
/// two header lines only, since there is no line to show). `path` is a path
/// on a host, normally absolute: `/opt/x` is labelled `a/opt/x` and
/// `b/opt/x`, as git does, so `patch -p1` finds the file under a root
/// directory and `patch -p0 FILE` applies it to an explicit file.
pub fn unified(path: &str, old: Option<&str>, new: &str) -> String {
    if old == Some(new) {
        return String::new();
    }
    let old_lines = split_lines(old.unwrap_or(""));
    let new_lines = split_lines(new);

    let mut out = String::new();
    // Joining "a" + "/opt/x" gives "a/opt/x"; a relative path needs the slash.
    let sep = if path.starts_with('/') { "" } else { "/" };
    match old {
        Some(_) => writeln!(out, "--- a{}{}", sep, path).unwrap(),
        None => out.push_str("--- /dev/null\n"),
    }
    writeln!(out, "+++ b{}{}", sep, path).unwrap();

    let ops = group_changes(diff_ops(&old_lines, &new_lines));
    for hunk in hunks(&ops) {
        write_hunk(&mut out, &ops[hunk], &old_lines, &new_lines);
    }
    out
}

/// Lines with their terminator kept: "a\nb" -> ["a\n", "b"]. Keeping the
/// `\n` makes a last line with and without a newline compare as different
/// lines, which is exactly how `diff` treats them.
fn split_lines(text: &str) -> Vec<&str> {
    text.split_inclusive('\n').collect()
}

/// One step of the edit script. Indices are into the old / new line lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Equal(usize, usize),
    Delete(usize),
    Insert(usize),
}

/// A shortest edit script from `a` to `b` (Myers' O(ND) algorithm).
///
/// The common prefix and suffix are peeled off first: config changes are
/// usually a few lines in the middle of a file, and this keeps the search
/// (and its trace, which is quadratic in the number of differences) tiny.
fn diff_ops(a: &[&str], b: &[&str]) -> Vec<Op> {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (am, bm) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);

    let mut ops: Vec<Op> = (0..prefix).map(|i| Op::Equal(i, i)).collect();
    for op in myers(am, bm) {
        ops.push(match op {
            Op::Equal(i, j) => Op::Equal(i + prefix, j + prefix),
            Op::Delete(i) => Op::Delete(i + prefix),
            Op::Insert(j) => Op::Insert(j + prefix),
        });
    }
    let (sa, sb) = (a.len() - suffix, b.len() - suffix);
    ops.extend((0..suffix).map(|k| Op::Equal(sa + k, sb + k)));
    ops
}

/// Myers' greedy forward search, then a walk back through the saved
/// frontiers. `v[k]` is the furthest x reached on diagonal k = x - y.
fn myers(a: &[&str], b: &[&str]) -> Vec<Op> {
    let (n, m) = (a.len() as isize, b.len() as isize);
    let max = n + m;
    if max == 0 {
        return Vec::new();
    }
    let offset = max;
    let mut v = vec![0isize; 2 * max as usize + 2];
    // trace[d] holds v[-d..=d] as it was *before* step d; only that band is
    // ever read back, so storing it alone keeps memory at O(D^2), not O(D*(N+M)).
    let mut trace: Vec<Vec<isize>> = Vec::new();
    let idx = |k: isize| (k + offset) as usize;

    'search: for d in 0..=max {
        trace.push(v[idx(-d)..=idx(d)].to_vec());
        for k in (-d..=d).step_by(2) {
            // Come down from diagonal k+1 (an insertion) or right from k-1
            // (a deletion), whichever got further.
            let mut x = if k == -d || (k != d && v[idx(k - 1)] < v[idx(k + 1)]) {
                v[idx(k + 1)]
            } else {
                v[idx(k - 1)] + 1
            };
            let mut y = x - k;
            while x < n && y < m && a[x as usize] == b[y as usize] {
                x += 1;
                y += 1;
            }
            v[idx(k)] = x;
            if x >= n && y >= m {
                break 'search;
            }
        }
    }

    // Walk back from (n, m): each step d undoes one insertion or deletion
    // plus the diagonal (equal) run that followed it.
    let mut ops = Vec::new();
    let (mut x, mut y) = (n, m);
    for d in (0..trace.len() as isize).rev() {
        let band = &trace[d as usize];
        let at = |k: isize| band[(k + d) as usize];
        let k = x - y;
        let prev_k = if k == -d || (k != d && at(k - 1) < at(k + 1)) {
            k + 1
        } else {
            k - 1
        };
        let (prev_x, prev_y) = if d == 0 {
            (0, 0)
        } else {
            let px = at(prev_k);
            (px, px - prev_k)
        };
        while x > prev_x && y > prev_y {
            x -= 1;
            y -= 1;
            ops.push(Op::Equal(x as usize, y as usize));
        }
        if d > 0 {
            if x == prev_x {
                ops.push(Op::Insert(prev_y as usize));
            } else {
                ops.push(Op::Delete(prev_x as usize));
            }
        }
        x = prev_x;
        y = prev_y;
    }
    ops.reverse();
    ops
}

/// Within each run of changes between two equal lines, put every deletion
/// before every insertion (`-a -b +x +y` rather than `-a +x -b +y`), as
/// `diff -u` prints them. Valid because the deletions of one run are
/// consecutive old lines and its insertions consecutive new lines.
fn group_changes(ops: Vec<Op>) -> Vec<Op> {
    let mut out = Vec::with_capacity(ops.len());
    let mut inserts = Vec::new();
    for op in ops {
        match op {
            Op::Delete(_) => out.push(op),
            Op::Insert(_) => inserts.push(op),
            Op::Equal(..) => {
                out.append(&mut inserts);
                out.push(op);
            }
        }
    }
    out.append(&mut inserts);
    out
}

/// Ranges of `ops` that form hunks: each change with up to CONTEXT equal
/// lines either side, merged when two changes are at most 2*CONTEXT equal
/// lines apart (their contexts would touch or overlap).
fn hunks(ops: &[Op]) -> Vec<std::ops::Range<usize>> {
    let mut out: Vec<std::ops::Range<usize>> = Vec::new();
    let mut i = 0;
    while i < ops.len() {
        if matches!(ops[i], Op::Equal(..)) {
            i += 1;
            continue;
        }
        let start = i;
        while i < ops.len() && !matches!(ops[i], Op::Equal(..)) {
            i += 1;
        }
        let range = start.saturating_sub(CONTEXT)..(i + CONTEXT).min(ops.len());
        match out.last_mut() {
            // The previous hunk's trailing context reaches this one's leading context.
            Some(last) if range.start <= last.end => last.end = range.end,
            _ => out.push(range),
        }
    }
    out
}

fn write_hunk(out: &mut String, ops: &[Op], old: &[&str], new: &[&str]) {
    // Where the hunk starts in each file: the first line it mentions, or for
    // an empty side the line after which the change goes (0 = before line 1).
    let (mut old_start, mut new_start) = (None, None);
    let (mut old_count, mut new_count) = (0, 0);
    for op in ops {
        match *op {
            Op::Equal(i, j) => {
                old_start.get_or_insert(i);
                new_start.get_or_insert(j);
                old_count += 1;
                new_count += 1;
            }
            Op::Delete(i) => {
                old_start.get_or_insert(i);
                old_count += 1;
            }
            Op::Insert(j) => {
                new_start.get_or_insert(j);
                new_count += 1;
            }
        }
    }
    // A side with no line in the hunk has no context either, so that whole
    // file is empty and the change goes "after line 0".
    let (old_start, new_start) = (old_start.unwrap_or(0), new_start.unwrap_or(0));
    writeln!(
        out,
        "@@ -{} +{} @@",
        range(old_start, old_count),
        range(new_start, new_count)
    )
    .unwrap();
    for op in ops {
        let (sign, line) = match *op {
            Op::Equal(i, _) => (' ', old[i]),
            Op::Delete(i) => ('-', old[i]),
            Op::Insert(j) => ('+', new[j]),
        };
        out.push(sign);
        out.push_str(line);
        if !line.ends_with('\n') {
            out.push('\n');
            out.push_str(NO_NEWLINE);
            out.push('\n');
        }
    }
}

/// `l,n` as diff prints it: 1-based start, `l` alone when n == 1, and for
/// an empty range the line *before* the change (so `0,0` at the top).
fn range(start0: usize, count: usize) -> String {
    match count {
        0 => format!("{},0", start0),
        1 => format!("{}", start0 + 1),
        n => format!("{},{}", start0 + 1, n),
    }
}

#[cfg(test)]
mod tests {
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
                NO_NEWLINE
            )
        );
        assert_eq!(
            unified("/f", Some("a\nb\n"), "a\nc"),
            format!(
                "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n{}\n",
                NO_NEWLINE
            )
        );
        // An unchanged last line without newline, shown as context.
        assert_eq!(
            unified("/f", Some("x\nz"), "y\nz"),
            format!(
                "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n-x\n+y\n z\n{}\n",
                NO_NEWLINE
            )
        );
    }

    #[test]
    fn relative_paths_get_a_separator() {
        assert!(unified("conf/x", Some("a\n"), "b\n").starts_with("--- a/conf/x\n+++ b/conf/x\n"));
    }

    #[test]
    fn edit_scripts_are_minimal() {
        // Myers finds a shortest script: |a| + |b| - 2 * LCS lines changed.
        let a: Vec<&str> = "a b c a b b a".split(' ').collect();
        let b: Vec<&str> = "c b a b a c".split(' ').collect();
        let ops = diff_ops(&a, &b);
        let changes = ops.iter().filter(|o| !matches!(o, Op::Equal(..))).count();
        assert_eq!(changes, 5); // the classic example from Myers' paper: D = 5
        assert_eq!(apply(&a, &b, &ops), b);
    }

    /// Rebuild `b` from `a` and the script, checking Equal really is equal.
    fn apply<'a>(a: &[&'a str], b: &[&'a str], ops: &[Op]) -> Vec<&'a str> {
        let mut out = Vec::new();
        let (mut i, mut j) = (0, 0);
        for op in ops {
            match *op {
                Op::Equal(x, y) => {
                    assert_eq!((x, y), (i, j));
                    assert_eq!(a[x], b[y]);
                    out.push(a[x]);
                    i += 1;
                    j += 1;
                }
                Op::Delete(x) => {
                    assert_eq!(x, i);
                    i += 1;
                }
                Op::Insert(y) => {
                    assert_eq!(y, j);
                    out.push(b[y]);
                    j += 1;
                }
            }
        }
        assert_eq!((i, j), (a.len(), b.len()));
        out
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

    /// Every random script really transforms old into new, and is no longer
    /// than a simple LCS dynamic program says the minimum is.
    #[test]
    fn random_scripts_are_correct_and_minimal() {
        let mut r = Rng(42);
        for _ in 0..300 {
            let old = random_text(&mut r, 25);
            let once = random_edit(&mut r, &old);
            let new = random_edit(&mut r, &once);
            let (a, b) = (split_lines(&old), split_lines(&new));
            let ops = diff_ops(&a, &b);
            assert_eq!(apply(&a, &b, &group_changes(ops.clone())), b);
            let changes = ops.iter().filter(|o| !matches!(o, Op::Equal(..))).count();
            assert_eq!(changes, a.len() + b.len() - 2 * lcs(&a, &b));
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
}
