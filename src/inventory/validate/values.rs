//! Checks of single values (paths, memory sizes, JVM options, property
//! keys, user names) and the key-path helpers every check uses.

use super::Errors;
use crate::inventory::locate::Seg;
use crate::inventory::memory_mb;
use std::path::PathBuf;

/// A user name as useradd accepts it (it is passed to runuser/su and chown).
pub(super) fn check_user(e: &mut Errors, at: Vec<Seg>, u: &str) {
    let ok = !u.is_empty()
        && u.len() <= 32
        && !u.starts_with('-')
        && u.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if !ok {
        e.help(
            at,
            format!("invalid user name `{}`", u.escape_debug()),
            "use letters, digits, `.`, `_` and `-` (at most 32, not starting with `-`), e.g. \"spark\"",
        );
    }
}

pub(super) fn positive(e: &mut Errors, at: Vec<Seg>, v: Option<u32>, default: u32) -> u32 {
    let v = v.unwrap_or(default);
    if v == 0 {
        e.add(at, "must be greater than 0");
    }
    v
}

pub(super) fn check_memory(e: &mut Errors, at: Vec<Seg>, m: &str) -> Option<u64> {
    let mb = memory_mb(m);
    if mb.is_none() {
        e.help(
            at,
            format!("invalid memory size `{}`", m.escape_debug()),
            "expected a number with a unit, like \"512m\" or \"2g\"",
        );
    }
    mb
}

/// Java properties keys (spark-defaults.conf, zoo.cfg) are written raw:
/// `:`, `=`, `\\`, `#`, `!` or white space would change what is read, so
/// keep keys to the characters real Spark and ZooKeeper properties use.
pub(super) fn property_key_ok(k: &str) -> bool {
    !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
}

/// Paths go into shell scripts and Spark's own scripts, which do not quote
/// everything: accept a conservative character set rather than hope.
/// A `.`, `..` or empty component (a trailing `/` aside) in an absolute path.
pub(super) fn has_odd_component(p: &str) -> bool {
    let segs: Vec<&str> = p[1..].split('/').collect();
    let last = segs.len() - 1;
    segs.iter()
        .enumerate()
        .any(|(i, s)| *s == "." || *s == ".." || (s.is_empty() && i < last))
}

pub(super) fn check_path(e: &mut Errors, at: Vec<Seg>, p: &str) {
    if !p.starts_with('/') {
        e.help(
            at,
            format!("`{}` is not an absolute path", p.escape_debug()),
            "paths on the hosts must start with /",
        );
    } else if has_odd_component(p) {
        // `/tmp//` or `/var/log/..` would slip past the checks that keep
        // sparkctl from re-owning shared directories.
        e.help(
            at,
            format!(
                "path `{}` has an empty, `.` or `..` component",
                p.escape_debug()
            ),
            "write the path plainly, like /var/lib/zookeeper",
        );
    } else if let Some(c) = p
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "/._+-@%:,=".contains(*c)))
    {
        e.help(at, format!("path `{}` contains `{}`", p.escape_debug(), c.escape_debug()), "use letters, digits and / . _ - + @ % : , = in paths (Spark's scripts do not quote every path)");
    }
}

/// Spark splits SPARK_*_OPTS on white space; an option with spaces or quotes
/// would be split or reinterpreted, so refuse it rather than mangle it.
pub(super) fn check_jvm_opt(e: &mut Errors, at: Vec<Seg>, o: &str) {
    if o.is_empty() || o.contains(|c: char| c.is_whitespace() || "\"'`$\\;&|<>(){}".contains(c)) {
        e.help(
            at,
            format!(
                "JVM option `{}` contains white space or shell characters",
                o.escape_debug()
            ),
            "give each option as its own list entry, without spaces, quotes or $",
        );
    } else if o.starts_with("-Dspark.authenticate") {
        // A JVM option is on the daemon's command line, visible in `ps`.
        e.help(
            at,
            format!("`{}` is managed by sparkctl", o.escape_debug()),
            "set `authenticate = true` in [spark]: the secret goes to the daemons in a 0600 file, never on a command line",
        );
    } else if o.starts_with("-Dspark.master.rest.")
        || o.starts_with("-Dspark.org.apache.spark.ui.JWSFilter")
    {
        // A system property would win over the managed properties file
        // (Spark reads that file with setIfMissing) and could reopen 6066.
        e.help(
            at,
            format!("`{}` is managed by sparkctl", o.escape_debug()),
            "use `rest = true|false` and `rest_port` in [spark]; with `authenticate = true` the REST server's key is derived from the secret",
        );
    }
}

pub(super) fn with(at: &[Seg], j: usize) -> Vec<Seg> {
    let mut v = at.to_vec();
    v.push(Seg::Index(j));
    v
}
pub(super) fn with_key(at: &[Seg], k: &str) -> Vec<Seg> {
    let mut v = at.to_vec();
    v.push(Seg::Key(k.to_string()));
    v
}

/// `~/x` -> `$HOME/x`, as a shell would for the operator's own files.
pub fn expand_home(p: &str) -> PathBuf {
    if let Some(rest) = p.strip_prefix("~/") {
        if let Some(home) = std::env::var_os("HOME") {
            return PathBuf::from(home).join(rest);
        }
    }
    PathBuf::from(p)
}
