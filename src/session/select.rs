//! `--limit HOSTS` / `--skip HOSTS`: which inventory hosts a run connects
//! to, locks, plans, changes, starts, stops and waits for. Pure: names in,
//! a [`Selection`] (or a usage error with "did you mean") out.
//!
//! A selection never changes the cluster *definition*: config files are
//! still rendered for the whole inventory (ZooKeeper server list, master
//! URL, workers file), so a host left out is not "removed", only not looked
//! at. It must not be used to filter what gets rendered.

use crate::diag::{did_you_mean, UsageError};

/// Why a host is left out of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// `--limit` was given and did not name it.
    Limit,
    /// `--skip` named it.
    Skip,
}

impl Why {
    pub fn flag(self) -> &'static str {
        match self {
            Why::Limit => "--limit",
            Why::Skip => "--skip",
        }
    }
}

/// The hosts left out of a run; the default leaves none out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Inventory order, each with the flag that left it out.
    left_out: Vec<(String, Why)>,
}

impl Selection {
    /// Every host.
    pub fn all() -> Selection {
        Selection::default()
    }

    /// Resolve `--limit` and `--skip` (each a list of names, already split
    /// at commas) against the inventory's host names. Both together mean
    /// "the limit minus the skipped". Every name must exist: a typo that
    /// silently selected nothing (or everything) would be worse than an error.
    pub fn resolve(
        inventory: &[&str],
        limit: &[String],
        skip: &[String],
    ) -> Result<Selection, UsageError> {
        for (flag, names) in [("--limit", limit), ("--skip", skip)] {
            for n in names {
                let n = n.trim();
                if n.is_empty() {
                    return Err(UsageError(format!(
                        "error: {} has an empty host name\n  = help: give host names from the inventory separated by commas, e.g. {} hosta,hostb",
                        flag, flag
                    )));
                }
                if !inventory.contains(&n) {
                    let help = match did_you_mean(n, inventory.iter().copied()) {
                        Some(s) => format!("did you mean `{}`? ", s),
                        None => String::new(),
                    };
                    return Err(UsageError(format!(
                        "error: {}: no host named `{}` in the inventory\n  = help: {}the inventory's hosts are: {}",
                        flag,
                        n,
                        help,
                        inventory.join(", ")
                    )));
                }
            }
        }
        let named = |list: &[String], h: &str| list.iter().any(|n| n.trim() == h);
        let left_out: Vec<(String, Why)> = inventory
            .iter()
            .filter_map(|h| {
                if !limit.is_empty() && !named(limit, h) {
                    Some((h.to_string(), Why::Limit))
                } else if named(skip, h) {
                    Some((h.to_string(), Why::Skip))
                } else {
                    None
                }
            })
            .collect();
        if left_out.len() == inventory.len() {
            return Err(UsageError(
                "error: --limit and --skip leave no host to work on".into(),
            ));
        }
        Ok(Selection { left_out })
    }

    /// Is host `name` part of this run?
    pub fn includes(&self, name: &str) -> bool {
        !self.left_out.iter().any(|(h, _)| h == name)
    }

    pub fn is_all(&self) -> bool {
        self.left_out.is_empty()
    }

    /// The names left out, in inventory order.
    pub fn left_out(&self) -> Vec<&str> {
        self.left_out.iter().map(|(h, _)| h.as_str()).collect()
    }

    /// One line per flag, for stderr and summaries, e.g. "skipped (--skip):
    /// hostc — its files and daemons were not checked". `what` says what was
    /// not checked ("its files and daemons", "its daemons"); "its" becomes
    /// "their" for several hosts.
    pub fn notices(&self, what: &str) -> Vec<String> {
        let mut out = Vec::new();
        for why in [Why::Limit, Why::Skip] {
            let names: Vec<&str> = self
                .left_out
                .iter()
                .filter(|(_, w)| *w == why)
                .map(|(h, _)| h.as_str())
                .collect();
            if names.is_empty() {
                continue;
            }
            let what = if names.len() > 1 {
                what.replacen("its ", "their ", 1)
            } else {
                what.to_string()
            };
            let verb = match why {
                Why::Limit => "left out",
                Why::Skip => "skipped",
            };
            out.push(format!(
                "{} ({}): {} \u{2014} {} were not checked",
                verb,
                why.flag(),
                names.join(", "),
                what
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INV: [&str; 3] = ["hosta", "hostb", "hostc"];

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn nothing_given_selects_every_host() {
        let sel = Selection::resolve(&INV, &[], &[]).unwrap();
        assert!(sel.is_all());
        assert!(INV.iter().all(|h| sel.includes(h)));
        assert!(sel.notices("its daemons").is_empty());
    }

    #[test]
    fn skip_leaves_out_the_named_hosts() {
        let sel = Selection::resolve(&INV, &[], &s(&["hostc"])).unwrap();
        assert!(sel.includes("hosta") && sel.includes("hostb") && !sel.includes("hostc"));
        assert_eq!(sel.left_out(), vec!["hostc"]);
        assert_eq!(
            sel.notices("its files and daemons"),
            vec!["skipped (--skip): hostc \u{2014} its files and daemons were not checked"]
        );
    }

    #[test]
    fn limit_keeps_only_the_named_hosts() {
        // Repeated flags and comma lists (clap splits them) add up.
        let sel = Selection::resolve(&INV, &s(&["hostb", "hosta"]), &[]).unwrap();
        assert_eq!(sel.left_out(), vec!["hostc"]);
        assert_eq!(
            sel.notices("its daemons"),
            vec!["left out (--limit): hostc \u{2014} its daemons were not checked"]
        );
    }

    #[test]
    fn limit_and_skip_together_are_the_limit_minus_the_skipped() {
        let sel = Selection::resolve(&INV, &s(&["hosta", "hostb"]), &s(&["hostb"])).unwrap();
        assert!(sel.includes("hosta"));
        assert_eq!(sel.left_out(), vec!["hostb", "hostc"]);
        assert_eq!(
            sel.notices("its daemons"),
            vec![
                "left out (--limit): hostc \u{2014} its daemons were not checked",
                "skipped (--skip): hostb \u{2014} its daemons were not checked",
            ]
        );
    }

    #[test]
    fn several_hosts_read_as_plural() {
        let sel = Selection::resolve(&INV, &[], &s(&["hostb", "hostc"])).unwrap();
        assert_eq!(
            sel.notices("its files and daemons"),
            vec![
                "skipped (--skip): hostb, hostc \u{2014} their files and daemons were not checked"
            ]
        );
    }

    #[test]
    fn unknown_names_are_usage_errors_with_a_suggestion() {
        let e = Selection::resolve(&INV, &[], &s(&["hsotc"])).unwrap_err();
        assert_eq!(
            e.0,
            "error: --skip: no host named `hsotc` in the inventory\n  = help: did you mean `hostc`? the inventory's hosts are: hosta, hostb, hostc"
        );
        let e = Selection::resolve(&INV, &s(&["db1"]), &[]).unwrap_err();
        assert_eq!(
            e.0,
            "error: --limit: no host named `db1` in the inventory\n  = help: the inventory's hosts are: hosta, hostb, hostc"
        );
    }

    #[test]
    fn empty_names_and_empty_selections_are_refused() {
        let e = Selection::resolve(&INV, &s(&["hosta", ""]), &[]).unwrap_err();
        assert!(e.0.contains("--limit has an empty host name"), "{}", e.0);
        let e = Selection::resolve(&INV, &s(&["hosta"]), &s(&["hosta"])).unwrap_err();
        assert_eq!(e.0, "error: --limit and --skip leave no host to work on");
        let e = Selection::resolve(&INV, &[], &s(&["hosta", "hostb", "hostc"])).unwrap_err();
        assert!(e.0.contains("leave no host"), "{}", e.0);
    }

    #[test]
    fn surrounding_spaces_are_ignored() {
        let sel = Selection::resolve(&INV, &[], &s(&[" hostc"])).unwrap();
        assert_eq!(sel.left_out(), vec!["hostc"]);
    }
}
