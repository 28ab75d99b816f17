//! Unified diffs of config files, for `deploy --dry-run` and `ha enable`.
//!
//! A dry run should show exactly what a deploy would change in each rendered
//! file, in the format every operator already reads (and can feed to
//! `patch`): `--- a/path`, `+++ b/path`, `@@ -l,n +l,n @@` hunks with three
//! lines of context, and `\ No newline at end of file` after a last line
//! without one. The edit script and the hunks come from the `similar` crate
//! (Myers, as `diff` uses); this module only decides the labels and the one
//! case `similar` leaves out: a new, empty file still gets its two header
//! lines. The tests check the output against GNU patch.

use std::fmt::Write;

/// Lines of unchanged context around each change, as `diff -u` uses.
const CONTEXT: usize = 3;

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
    let mut out = String::new();
    // Joining "a" + "/opt/x" gives "a/opt/x"; a relative path needs the slash.
    let sep = if path.starts_with('/') { "" } else { "/" };
    match old {
        Some(_) => writeln!(out, "--- a{}{}", sep, path).unwrap(),
        None => out.push_str("--- /dev/null\n"),
    }
    writeln!(out, "+++ b{}{}", sep, path).unwrap();
    // `from_lines` keeps each line's `\n`, so a last line with and without
    // one differ, as `diff` treats them, and the marker is written for it.
    let diff = similar::TextDiff::from_lines(old.unwrap_or(""), new);
    for hunk in diff.unified_diff().context_radius(CONTEXT).iter_hunks() {
        write!(out, "{}", hunk).unwrap();
    }
    out
}

#[cfg(test)]
mod tests;
