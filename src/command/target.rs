//! The `[INVENTORY] HOST [...]` positionals of the per-host commands
//! (`logs`, `ssh`). clap cannot have an optional positional before a
//! required one, so they arrive as words and are told apart here, purely:
//! the first of two words is the inventory when it ends in `.toml` or names
//! an existing file, otherwise it is the host. Host names are letters,
//! digits, `.`, `_` and `-` (the inventory checks), so a path with a `/` is
//! never one; a host whose name is also a file in the current directory is
//! reached by giving the inventory first (three words are never ambiguous).

use std::path::{Path, PathBuf};

/// The inventory file and the host (and, for `logs`, the daemon) asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub inventory: PathBuf,
    pub host: String,
    /// The word after HOST (`logs`: the daemon), if given.
    pub extra: Option<String>,
}

/// Split `words` (1 to `1 + max_extra + 1` of them, clap has counted them)
/// into [`Target`]; `default` is the inventory when none is given
/// (`$SPARKCTL_INVENTORY`, else `inventory.toml`), `exists` says whether a
/// path is a file (a parameter, so tests need no files).
pub fn split(
    words: &[String],
    max_extra: usize,
    default: &Path,
    exists: impl Fn(&Path) -> bool,
) -> Target {
    let looks_like_inventory = |w: &str| w.ends_with(".toml") || exists(Path::new(w));
    let first_is_inventory = match words.len() {
        1 => false,
        // Full: INVENTORY HOST EXTRA (or INVENTORY HOST when no extra is taken).
        n if n == 2 + max_extra => true,
        _ => max_extra == 0 || looks_like_inventory(&words[0]),
    };
    let (inventory, rest) = if first_is_inventory {
        (PathBuf::from(&words[0]), &words[1..])
    } else {
        (default.to_path_buf(), words)
    };
    Target {
        inventory,
        host: rest[0].clone(),
        extra: rest.get(1).cloned(),
    }
}

/// The inventory to use when the command line names none: as every other
/// command has it through clap (`$SPARKCTL_INVENTORY`, else
/// `inventory.toml`; set but empty is a usage error, not a fallback).
pub fn default_inventory() -> Result<PathBuf, crate::diag::UsageError> {
    match std::env::var_os("SPARKCTL_INVENTORY") {
        Some(p) if p.is_empty() => Err(crate::diag::UsageError(
            "error: SPARKCTL_INVENTORY is set but empty\n  = help: set it to an inventory file, unset it (then: inventory.toml), or give the inventory first".into(),
        )),
        Some(p) => Ok(PathBuf::from(p)),
        None => Ok(PathBuf::from("inventory.toml")),
    }
}

/// The inventory host named `name`, or a usage error listing them, for
/// `command`'s messages.
pub fn host<'a>(
    cluster: &'a crate::inventory::Cluster,
    name: &str,
    command: &str,
) -> Result<&'a crate::inventory::Host, crate::diag::UsageError> {
    // All the names, not "did you mean": with names like a, b, c every
    // word is one edit from one of them.
    cluster.host(name).ok_or_else(|| {
        let names: Vec<&str> = cluster.hosts.iter().map(|h| h.name.as_str()).collect();
        crate::diag::UsageError(format!(
            "error: {}: no host `{}` in the inventory\n  = help: {} takes an inventory host name: {}",
            cluster.file.display(),
            name,
            command,
            names.join(", ")
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &[&str]) -> Vec<String> {
        s.iter().map(|s| s.to_string()).collect()
    }

    fn t(inv: &str, host: &str, extra: Option<&str>) -> Target {
        Target {
            inventory: inv.into(),
            host: host.into(),
            extra: extra.map(String::from),
        }
    }

    #[test]
    fn words_are_told_apart() {
        let d = Path::new("inventory.toml");
        let none = |_: &Path| false;
        assert_eq!(
            split(&w(&["a"]), 1, d, none),
            t("inventory.toml", "a", None)
        );
        assert_eq!(
            split(&w(&["a", "master"]), 1, d, none),
            t("inventory.toml", "a", Some("master"))
        );
        assert_eq!(
            split(&w(&["lab.toml", "a"]), 1, d, none),
            t("lab.toml", "a", None)
        );
        assert_eq!(
            split(&w(&["lab.toml", "a", "worker"]), 1, d, none),
            t("lab.toml", "a", Some("worker"))
        );
        // An existing file without the suffix is an inventory too.
        let cluster = |p: &Path| p == Path::new("cluster");
        assert_eq!(
            split(&w(&["cluster", "a"]), 1, d, cluster),
            t("cluster", "a", None)
        );
        // ssh takes no extra word: two words are INVENTORY HOST.
        assert_eq!(split(&w(&["x", "a"]), 0, d, none), t("x", "a", None));
        assert_eq!(
            split(&w(&["a"]), 0, d, none),
            t("inventory.toml", "a", None)
        );
    }
}
