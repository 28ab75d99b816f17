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
mod tests;
