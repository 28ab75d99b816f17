//! `--limit HOSTS` / `--skip HOSTS`: which inventory hosts a run connects
//! to, locks, plans, changes, starts, stops and waits for. Each word is a
//! host name, a role (`masters`, `workers`, `zookeeper`, `history`) or a
//! glob over host names (`'web*'`). Pure: words and hosts in, a
//! [`Selection`] (or a usage error naming the flag and the word) out.
//!
//! A selection never changes the cluster *definition*: config files are
//! still rendered for the whole inventory (ZooKeeper server list, master
//! URL, workers file), so a host left out is not "removed", only not looked
//! at. It must not be used to filter what gets rendered.

use crate::daemon::Daemon;
use crate::diag::{did_you_mean, UsageError};
use crate::inventory::Cluster;

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

/// One inventory host as `--limit`/`--skip` see it: its name and the kinds
/// of daemon its roles run (what a role word like `masters` selects).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate<'a> {
    pub name: &'a str,
    pub roles: Vec<Daemon>,
}

impl<'a> Candidate<'a> {
    /// Every host of `c`, in inventory order, with its roles.
    pub fn of_cluster(c: &'a Cluster) -> Vec<Candidate<'a>> {
        c.hosts
            .iter()
            .map(|h| Candidate {
                name: h.name.as_str(),
                roles: Daemon::ALL
                    .into_iter()
                    .filter(|d| (d.spec().runs_on)(h))
                    .collect(),
            })
            .collect()
    }
}

/// The words that select a role. The inventory's own role name
/// (`master`) and the plural people say of a group (`masters`); the match
/// is exhaustive so a new daemon kind cannot be forgotten here. The first
/// word is the one shown in help.
fn role_words(d: Daemon) -> &'static [&'static str] {
    match d {
        Daemon::Master => &["masters", "master"],
        Daemon::Worker => &["workers", "worker"],
        Daemon::ZooKeeper => &["zookeeper"],
        Daemon::History => &["history"],
        Daemon::Connect => &["connect"],
        Daemon::MesosDispatcher => &["mesos-dispatcher"],
    }
}

/// What one word of `--limit`/`--skip` stands for, decided once, typed.
#[derive(Debug)]
enum Pattern {
    /// An inventory host name. Checked first: a host that happens to be
    /// named `workers` is still selected alone, as before roles existed.
    Host(String),
    /// Every host with this role.
    Role(Daemon),
    /// A glob over host names (`web*`, `node-[12]`, `{a,b}`): any word with
    /// a glob character. Host names cannot hold one (the inventory allows
    /// letters, digits, `.`, `_`, `-`), so there is no ambiguity.
    Glob(globset::GlobMatcher),
}

impl Pattern {
    fn matches(&self, c: &Candidate) -> bool {
        match self {
            Pattern::Host(n) => n == c.name,
            Pattern::Role(d) => c.roles.contains(d),
            Pattern::Glob(g) => g.is_match(c.name),
        }
    }
}

/// Decide what `word` (already trimmed) is, and refuse one that selects no
/// host: a typo that silently selected nothing (or, for --skip, everything)
/// would be worse than an error. Errors name the flag and the word.
fn pattern(flag: &str, word: &str, hosts: &[Candidate]) -> Result<Pattern, UsageError> {
    let names: Vec<&str> = hosts.iter().map(|c| c.name).collect();
    if names.contains(&word) {
        return Ok(Pattern::Host(word.to_string()));
    }
    if let Some(d) = Daemon::ALL
        .into_iter()
        .find(|d| role_words(*d).contains(&word))
    {
        let p = Pattern::Role(d);
        if !hosts.iter().any(|c| p.matches(c)) {
            return Err(UsageError(format!(
                "error: {}: no host in the inventory has the role `{}`\n  = help: {}",
                flag,
                d.label(),
                roles_help(hosts)
            )));
        }
        return Ok(p);
    }
    if word.contains(['*', '?', '[', ']', '{', '}']) {
        // A literal `/` never occurs in a host name; `*` may match anything.
        let glob = globset::GlobBuilder::new(word)
            .literal_separator(false)
            .build()
            .map_err(|e| {
                UsageError(format!(
                    "error: {}: `{}` is not a valid glob: {}\n  = help: `*` matches any characters, `?` one, `[ab]` one of a set, `{{a,b}}` either",
                    flag,
                    word,
                    e.kind()
                ))
            })?;
        let p = Pattern::Glob(glob.compile_matcher());
        if !hosts.iter().any(|c| p.matches(c)) {
            return Err(UsageError(format!(
                "error: {}: `{}` matches no host in the inventory\n  = help: the inventory's hosts are: {}",
                flag,
                word,
                names.join(", ")
            )));
        }
        return Ok(p);
    }
    let mut known: Vec<&str> = names.clone();
    known.extend(
        Daemon::ALL
            .into_iter()
            .flat_map(|d| role_words(d).iter().copied()),
    );
    let help = match did_you_mean(word, known) {
        Some(s) => format!("did you mean `{}`? ", s),
        None => String::new(),
    };
    Err(UsageError(format!(
        "error: {}: no host named `{}` in the inventory\n  = help: {}the inventory's hosts are: {}{}; or a glob such as `{}*`",
        flag,
        word,
        help,
        names.join(", "),
        role_list(hosts),
        names.first().and_then(|n| n.get(..1)).unwrap_or("a")
    )))
}

/// "; roles: masters, workers": the words of the roles this inventory has
/// (nothing when it has none).
fn role_list(hosts: &[Candidate]) -> String {
    let words: Vec<&str> = Daemon::ALL
        .into_iter()
        .filter(|d| hosts.iter().any(|c| c.roles.contains(d)))
        .map(|d| role_words(d)[0])
        .collect();
    if words.is_empty() {
        String::new()
    } else {
        format!("; roles: {}", words.join(", "))
    }
}

/// "the roles are: masters (a, b), workers (a, b, c)": each role the
/// inventory has, by the word that selects it, with its hosts.
fn roles_help(hosts: &[Candidate]) -> String {
    let roles: Vec<String> = Daemon::ALL
        .into_iter()
        .filter_map(|d| {
            let on: Vec<&str> = hosts
                .iter()
                .filter(|c| c.roles.contains(&d))
                .map(|c| c.name)
                .collect();
            (!on.is_empty()).then(|| format!("{} ({})", role_words(d)[0], on.join(", ")))
        })
        .collect();
    if roles.is_empty() {
        "no host has a role".into()
    } else {
        format!("the roles are: {}", roles.join(", "))
    }
}

impl Selection {
    /// Every host.
    pub fn all() -> Selection {
        Selection::default()
    }

    /// [`Selection::resolve_hosts`] on a loaded inventory.
    pub fn of_cluster(
        c: &Cluster,
        limit: &[String],
        skip: &[String],
    ) -> Result<Selection, UsageError> {
        Selection::resolve_hosts(&Candidate::of_cluster(c), limit, skip)
    }

    /// [`Selection::resolve_hosts`] for hosts known by name only (no roles:
    /// role words then select nothing and are refused).
    pub fn resolve(
        inventory: &[&str],
        limit: &[String],
        skip: &[String],
    ) -> Result<Selection, UsageError> {
        let hosts: Vec<Candidate> = inventory
            .iter()
            .map(|n| Candidate {
                name: n,
                roles: Vec::new(),
            })
            .collect();
        Selection::resolve_hosts(&hosts, limit, skip)
    }

    /// Resolve `--limit` and `--skip` (each a list of words, already split
    /// at commas: host names, role words, globs) against the inventory's
    /// hosts. Each flag selects the union of its words; both together mean
    /// "the limit minus the skipped". Every word must select a host.
    pub fn resolve_hosts(
        hosts: &[Candidate],
        limit: &[String],
        skip: &[String],
    ) -> Result<Selection, UsageError> {
        let mut parsed: [Vec<Pattern>; 2] = [Vec::new(), Vec::new()];
        for (i, (flag, words)) in [("--limit", limit), ("--skip", skip)]
            .into_iter()
            .enumerate()
        {
            for w in words {
                let w = w.trim();
                if w.is_empty() {
                    return Err(UsageError(format!(
                        "error: {} has an empty host name\n  = help: give host names, roles or globs separated by commas, e.g. {} hosta,hostb",
                        flag, flag
                    )));
                }
                parsed[i].push(pattern(flag, w, hosts)?);
            }
        }
        let [limit, skip] = parsed;
        let any = |ps: &[Pattern], c: &Candidate| ps.iter().any(|p| p.matches(c));
        let left_out: Vec<(String, Why)> = hosts
            .iter()
            .filter_map(|c| {
                if !limit.is_empty() && !any(&limit, c) {
                    Some((c.name.to_string(), Why::Limit))
                } else if any(&skip, c) {
                    Some((c.name.to_string(), Why::Skip))
                } else {
                    None
                }
            })
            .collect();
        if left_out.len() == hosts.len() {
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
            "error: --skip: no host named `hsotc` in the inventory\n  = help: did you mean `hostc`? the inventory's hosts are: hosta, hostb, hostc; or a glob such as `h*`"
        );
        let e = Selection::resolve(&INV, &s(&["db1"]), &[]).unwrap_err();
        assert_eq!(
            e.0,
            "error: --limit: no host named `db1` in the inventory\n  = help: the inventory's hosts are: hosta, hostb, hostc; or a glob such as `h*`"
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

    /// web1 and web2 run workers, zk1 ZooKeeper and a master, hist the
    /// history server, and a host is named like a role.
    fn cluster() -> Vec<Candidate<'static>> {
        use Daemon::*;
        [
            ("zk1", vec![ZooKeeper, Master]),
            ("web1", vec![Worker]),
            ("web2", vec![Worker]),
            ("hist", vec![History]),
            ("workers", vec![ZooKeeper]),
        ]
        .into_iter()
        .map(|(name, roles)| Candidate { name, roles })
        .collect()
    }

    fn left_out(limit: &[&str], skip: &[&str]) -> Vec<String> {
        let sel = Selection::resolve_hosts(&cluster(), &s(limit), &s(skip)).unwrap();
        sel.left_out().iter().map(|h| h.to_string()).collect()
    }

    #[test]
    fn roles_select_every_host_with_the_role() {
        assert_eq!(
            left_out(&["masters"], &[]),
            ["web1", "web2", "hist", "workers"]
        );
        // The inventory's own (singular) role name works too.
        assert_eq!(left_out(&["master"], &[]), left_out(&["masters"], &[]));
        assert_eq!(left_out(&[], &["zookeeper"]), ["zk1", "workers"]);
        assert_eq!(left_out(&[], &["history"]), ["hist"]);
        assert_eq!(left_out(&["worker"], &[]), ["zk1", "hist", "workers"]);
    }

    #[test]
    fn a_host_name_wins_over_the_role_word() {
        // `workers` is a host here: only it, not web1 and web2.
        assert_eq!(left_out(&[], &["workers"]), ["workers"]);
    }

    #[test]
    fn globs_match_host_names() {
        assert_eq!(left_out(&["web*"], &[]), ["zk1", "hist", "workers"]);
        assert_eq!(left_out(&[], &["web[2-9]", "h?st"]), ["web2", "hist"]);
        assert_eq!(left_out(&["{zk1,hist}"], &[]), ["web1", "web2", "workers"]);
        // Names, roles and globs add up; --skip still subtracts.
        assert_eq!(
            left_out(&["web*", "history"], &["web1"]),
            ["zk1", "web1", "workers"]
        );
    }

    #[test]
    fn a_word_that_selects_nothing_is_a_located_error() {
        let err = |limit: &[&str], skip: &[&str]| {
            Selection::resolve_hosts(&cluster(), &s(limit), &s(skip))
                .unwrap_err()
                .0
        };
        assert_eq!(
            err(&["db*"], &[]),
            "error: --limit: `db*` matches no host in the inventory\n  = help: the inventory's hosts are: zk1, web1, web2, hist, workers"
        );
        let hosts = [Candidate {
            name: "a",
            roles: vec![Daemon::Master, Daemon::Worker],
        }];
        assert_eq!(
            Selection::resolve_hosts(&hosts, &[], &s(&["history"])).unwrap_err().0,
            "error: --skip: no host in the inventory has the role `history`\n  = help: the roles are: masters (a), workers (a)"
        );
        assert_eq!(
            err(&[], &["mastr"]),
            "error: --skip: no host named `mastr` in the inventory\n  = help: did you mean `master`? the inventory's hosts are: zk1, web1, web2, hist, workers; roles: zookeeper, masters, workers, history; or a glob such as `z*`"
        );
        assert_eq!(
            err(&["web[1"], &[]),
            "error: --limit: `web[1` is not a valid glob: unclosed character class; missing ']'\n  = help: `*` matches any characters, `?` one, `[ab]` one of a set, `{a,b}` either"
        );
    }

    #[test]
    fn surrounding_spaces_are_ignored() {
        let sel = Selection::resolve(&INV, &[], &s(&[" hostc"])).unwrap();
        assert_eq!(sel.left_out(), vec!["hostc"]);
    }
}
