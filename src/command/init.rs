//! `sparkctl init`: write a starter inventory, so a first cluster starts
//! from a file sparkctl already accepts rather than from the reference.
//!
//! The text is built here and then parsed and validated by the inventory
//! code itself before anything is written: init can never leave a file
//! that `sparkctl check` refuses (except for what only the operator knows,
//! the tarballs and addresses, which are marked PLACEHOLDER and said so).
//! Only keys of `inventory::raw` appear. The file is written atomically
//! (a temporary file beside it, then a link or rename into place).

use crate::diag::{did_you_mean, exit, UsageError};
use anyhow::{Context, Result};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

/// Where the comments of the written file send the reader for every key.
/// One place, so moving the reference (README section, docs/ page) is a
/// one-line change.
const INVENTORY_REFERENCE: &str = "docs/inventory.md";

/// Which hosts get a role (`--masters`, `--workers`, `--zookeeper`): the
/// first N in order, or the ones named. Typed once at the command line so
/// the layout never looks at the text again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pick {
    First(usize),
    Named(Vec<String>),
}

impl Pick {
    /// `2` -> the first two hosts; `a,c` -> hosts a and c. A number is a
    /// count: host names that are all digits cannot be named here (give
    /// them by count, or edit the file).
    pub fn parse(arg: &str) -> Result<Pick, String> {
        let arg = arg.trim();
        if !arg.is_empty() && arg.bytes().all(|b| b.is_ascii_digit()) {
            return arg
                .parse()
                .map(Pick::First)
                .map_err(|_| format!("`{}` is too large a count", arg));
        }
        let names: Vec<String> = arg.split(',').map(|n| n.trim().to_string()).collect();
        if names.iter().any(String::is_empty) {
            return Err("expected a count N or host names separated by commas, e.g. a,b".into());
        }
        Ok(Pick::Named(names))
    }

    /// The indices of the hosts picked, or a usage error naming `flag`.
    fn resolve(&self, flag: &str, hosts: &[Host]) -> Result<BTreeSet<usize>, UsageError> {
        let n = hosts.len();
        match self {
            Pick::First(count) if *count > n => Err(UsageError(format!(
                "error: {} {}: the inventory has {} host{}\n  = help: add hosts with --host NAME[=ADDRESS] (once per host) or --hosts a,b,c",
                flag,
                count,
                n,
                if n == 1 { "" } else { "s" }
            ))),
            Pick::First(count) => Ok((0..*count).collect()),
            Pick::Named(names) => names
                .iter()
                .map(|name| {
                    hosts.iter().position(|h| h.name == *name).ok_or_else(|| {
                        let all: Vec<&str> = hosts.iter().map(|h| h.name.as_str()).collect();
                        let hint = match did_you_mean(name, all.iter().copied()) {
                            Some(s) => format!("did you mean `{}`? ", s),
                            None => String::new(),
                        };
                        UsageError(format!(
                            "error: {}: no host `{}` among the inventory's hosts\n  = help: {}the hosts are: {} (add one with --host NAME[=ADDRESS])",
                            flag,
                            name,
                            hint,
                            all.join(", ")
                        ))
                    })
                })
                .collect(),
        }
    }
}

/// Placeholder tarballs: real Apache file names (so `check` can read the
/// versions) under a directory that does not exist.
const SPARK_PLACEHOLDER: &str = "/path/to/spark-4.3.0-bin-hadoop3.tgz";
const ZOOKEEPER_PLACEHOLDER: &str = "/path/to/apache-zookeeper-3.8.4-bin.tar.gz";

/// What the operator asked for on the command line.
#[derive(Debug, Clone, Default)]
pub struct Args {
    /// `NAME` or `NAME=ADDRESS`, in order; empty: the classic a, b, c.
    pub hosts: Vec<String>,
    pub masters: Option<Pick>,
    pub workers: Option<Pick>,
    pub zookeeper: Option<Pick>,
    pub spark_tarball: Option<String>,
    pub zookeeper_tarball: Option<String>,
    pub force: bool,
}

/// One `[[host]]` of the starter file.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Host {
    name: String,
    /// None: the name is the address (sparkctl's default).
    address: Option<String>,
    /// The address is a documentation address (192.0.2.0/24) to replace.
    placeholder: bool,
}

/// The layout: hosts in order and, for each role, the indices of the hosts
/// that have it (by default masters and ZooKeeper on the first hosts, a
/// worker on every host).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Layout {
    hosts: Vec<Host>,
    masters: BTreeSet<usize>,
    workers: BTreeSet<usize>,
    zookeeper: BTreeSet<usize>,
}

impl Layout {
    fn from_args(a: &Args) -> Result<Layout, UsageError> {
        let hosts: Vec<Host> = if a.hosts.is_empty() {
            ["a", "b", "c"]
                .iter()
                .zip(11..)
                .map(|(n, i)| Host {
                    name: n.to_string(),
                    address: Some(format!("192.0.2.{}", i)),
                    placeholder: true,
                })
                .collect()
        } else {
            a.hosts.iter().map(|h| parse_host(h)).collect()
        };
        let n = hosts.len();
        // Two masters as soon as there are three hosts to hold a ZooKeeper
        // quorum: that is what HA means to a Spark operator. Fewer hosts:
        // one master, no ZooKeeper.
        let masters = a
            .masters
            .clone()
            .unwrap_or(Pick::First(if n >= 3 { 2 } else { 1 }))
            .resolve("--masters", &hosts)?;
        let zookeeper = a
            .zookeeper
            .clone()
            .unwrap_or(Pick::First(if masters.len() >= 2 { 3.min(n) } else { 0 }))
            .resolve("--zookeeper", &hosts)?;
        let workers = a
            .workers
            .clone()
            .unwrap_or(Pick::First(n))
            .resolve("--workers", &hosts)?;
        // What is left (no master, a host without a role, an even
        // ensemble) is for the inventory's own validation to refuse, with
        // the same words `check` would use.
        Ok(Layout {
            hosts,
            masters,
            workers,
            zookeeper,
        })
    }

    fn roles(&self, i: usize) -> Vec<&'static str> {
        let mut r = Vec::new();
        if self.zookeeper.contains(&i) {
            r.push("zookeeper");
        }
        if self.masters.contains(&i) {
            r.push("master");
        }
        if self.workers.contains(&i) {
            r.push("worker");
        }
        r
    }

    fn names(&self, picked: &BTreeSet<usize>) -> String {
        let names: Vec<&str> = picked
            .iter()
            .map(|i| self.hosts[*i].name.as_str())
            .collect();
        names.join(", ")
    }

    /// "3 hosts; ZooKeeper on a, b, c; masters on a, b; workers on a, b, c".
    fn summary(&self) -> String {
        let n = self.hosts.len();
        let mut s = format!("{} host{}", n, if n == 1 { "" } else { "s" });
        if !self.zookeeper.is_empty() {
            write!(s, "; ZooKeeper on {}", self.names(&self.zookeeper)).unwrap();
        }
        let m = if self.masters.len() == 1 {
            "master"
        } else {
            "masters"
        };
        write!(s, "; {} on {}", m, self.names(&self.masters)).unwrap();
        if self.workers.is_empty() {
            s.push_str("; no workers");
        } else {
            write!(s, "; workers on {}", self.names(&self.workers)).unwrap();
        }
        s
    }
}

/// `a=10.0.0.1` -> name a, address 10.0.0.1; `a` -> the name is the address.
fn parse_host(arg: &str) -> Host {
    let (name, address) = match arg.split_once('=') {
        Some((n, a)) => (n, Some(a.to_string())),
        None => (arg, None),
    };
    Host {
        name: name.to_string(),
        address,
        placeholder: false,
    }
}

/// A TOML basic string, escaped by the toml crate (a host name from the
/// command line can hold anything; validation then judges it).
fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// The inventory text for `layout`.
fn render(layout: &Layout, a: &Args) -> String {
    let spark = a.spark_tarball.as_deref();
    let zk = a.zookeeper_tarball.as_deref();
    let placeholders = layout.hosts.iter().any(|h| h.placeholder)
        || spark.is_none()
        || (!layout.zookeeper.is_empty() && zk.is_none());
    let mut t = String::new();
    t.push_str("# A sparkctl inventory, written by `sparkctl init`.\n");
    writeln!(t, "# Every key is described in {};", INVENTORY_REFERENCE).unwrap();
    t.push_str("# `sparkctl check` validates this file without contacting any host.\n");
    if placeholders {
        t.push_str("#\n# Replace every value marked PLACEHOLDER before `sparkctl deploy`.\n");
        t.push_str("# `sparkctl check` accepts the placeholder tarball paths (it reads only\n");
        t.push_str("# their file names), but `sparkctl deploy` stops with \"tarball ... cannot\n");
        t.push_str("# be read\" until they name real files (or use url + sha512 instead).\n");
        t.push_str("# 192.0.2.x addresses are a documentation range: no real host has them.\n");
    }
    t.push_str("\n[cluster]\n");
    t.push_str("# name defaults to this file's name.\n");
    if layout.masters.len() >= 2 {
        t.push_str("# Masters elect their leader in ZooKeeper: one ALIVE, the others STANDBY.\n");
        t.push_str("ha = \"zookeeper\"\n");
    } else {
        t.push_str("# One master, no recovery: `sparkctl ha enable` adds HA later.\n");
        t.push_str("ha = \"none\"\n");
    }
    t.push_str("\n[spark]\n");
    match spark {
        Some(p) => writeln!(t, "tarball = {}", quoted(p)).unwrap(),
        None => {
            t.push_str("# PLACEHOLDER: the Spark release tarball on this machine (absolute, or\n");
            t.push_str("# relative to this file).\n");
            writeln!(t, "tarball = {}", quoted(SPARK_PLACEHOLDER)).unwrap();
        }
    }
    if !layout.zookeeper.is_empty() {
        t.push_str("\n[zookeeper]\n");
        match zk {
            Some(p) => writeln!(t, "tarball = {}", quoted(p)).unwrap(),
            None => {
                t.push_str("# PLACEHOLDER: the ZooKeeper release tarball on this machine.\n");
                writeln!(t, "tarball = {}", quoted(ZOOKEEPER_PLACEHOLDER)).unwrap();
            }
        }
    }
    for (i, h) in layout.hosts.iter().enumerate() {
        t.push_str("\n[[host]]\n");
        writeln!(t, "name = {}", quoted(&h.name)).unwrap();
        match &h.address {
            Some(addr) if h.placeholder => writeln!(
                t,
                "address = {}  # PLACEHOLDER: this host's address or DNS name",
                quoted(addr)
            )
            .unwrap(),
            Some(addr) => writeln!(t, "address = {}", quoted(addr)).unwrap(),
            None => {}
        }
        let roles: Vec<String> = layout.roles(i).iter().map(|r| quoted(r)).collect();
        writeln!(t, "roles = [{}]", roles.join(", ")).unwrap();
    }
    t
}

/// `sparkctl init [PATH]`.
pub fn run(path: &Path, args: &Args) -> Result<i32> {
    let layout = Layout::from_args(args)?;
    let text = render(&layout, args);
    let stdout = path == Path::new("-");
    // The same parse and validation every command applies: a host name
    // or count the inventory refuses is refused here, and nothing written.
    crate::inventory::parse(path, &text)?;
    let mut todo = Vec::new();
    if args.spark_tarball.is_none() {
        todo.push("the Spark tarball");
    }
    if !layout.zookeeper.is_empty() && args.zookeeper_tarball.is_none() {
        todo.push("the ZooKeeper tarball");
    }
    if layout.hosts.iter().any(|h| h.placeholder) {
        todo.push("the host addresses");
    }
    let mut notes = String::new();
    if !todo.is_empty() {
        writeln!(notes, "next: replace the values marked PLACEHOLDER ({}): `sparkctl check` accepts placeholder tarballs, `sparkctl deploy` fails until they name real files", todo.join(", ")).unwrap();
    }
    let shown = if stdout {
        "inventory.toml".to_string()
    } else {
        path.display().to_string()
    };
    writeln!(
        notes,
        "then: sparkctl check {0} && sparkctl deploy --dry-run {0}",
        shown
    )
    .unwrap();
    if stdout {
        crate::out::write(&text);
        eprint!("{}", notes);
        return Ok(exit::OK);
    }
    write_new(path, &text, args.force)?;
    crate::outln!("wrote {}: {}", path.display(), layout.summary());
    crate::out::write(&notes);
    Ok(exit::OK)
}

/// Write `text` to `path` through a temporary file beside it: never a
/// half-written inventory. Without `force`, the final step is a hard link,
/// which fails if `path` exists, so a file created meanwhile is not lost.
fn write_new(path: &Path, text: &str, force: bool) -> Result<()> {
    let exists = |p: &Path| {
        UsageError(format!(
            "error: {} already exists: not replaced\n  = help: pass --force to replace it, or give another PATH",
            p.display()
        ))
    };
    if !force && path.symlink_metadata().is_ok() {
        return Err(exists(path).into());
    }
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    let tmp = path.with_file_name(format!(
        ".{}.init-{}",
        name.as_deref().unwrap_or("inventory.toml"),
        std::process::id()
    ));
    std::fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
    let placed = if force {
        std::fs::rename(&tmp, path)
    } else {
        let linked = std::fs::hard_link(&tmp, path);
        let _ = std::fs::remove_file(&tmp);
        linked
    };
    match placed {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let _ = std::fs::remove_file(&tmp);
            Err(exists(path).into())
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(anyhow::Error::new(e).context(format!("cannot write {}", path.display())))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(hosts: &[&str], masters: Option<usize>, zk: Option<usize>) -> Layout {
        Layout::from_args(&Args {
            hosts: hosts.iter().map(|s| s.to_string()).collect(),
            masters: masters.map(Pick::First),
            zookeeper: zk.map(Pick::First),
            ..Args::default()
        })
        .unwrap()
    }

    fn pick(s: &str) -> Option<Pick> {
        Some(Pick::parse(s).unwrap())
    }

    #[test]
    fn picks_are_counts_or_host_names() {
        assert_eq!(Pick::parse("2"), Ok(Pick::First(2)));
        assert_eq!(
            Pick::parse(" m1, m2 "),
            Ok(Pick::Named(vec!["m1".into(), "m2".into()]))
        );
        assert!(Pick::parse("a,,b").is_err());
        assert!(Pick::parse("").is_err());
    }

    #[test]
    fn named_roles_give_dedicated_hosts() {
        let l = Layout::from_args(&Args {
            hosts: ["m1", "m2", "w1", "w2", "w3"].map(String::from).to_vec(),
            masters: pick("m1,m2"),
            workers: pick("w1,w2,w3"),
            zookeeper: pick("m1,m2,w1"),
            ..Args::default()
        })
        .unwrap();
        assert_eq!(
            l.summary(),
            "5 hosts; ZooKeeper on m1, m2, w1; masters on m1, m2; workers on w1, w2, w3"
        );
        assert_eq!(l.roles(0), ["zookeeper", "master"]);
        assert_eq!(l.roles(2), ["zookeeper", "worker"]);
        // Named against the classic hosts, and a count for workers.
        let l = Layout::from_args(&Args {
            masters: pick("c"),
            workers: pick("2"),
            ..Args::default()
        })
        .unwrap();
        assert_eq!(l.summary(), "3 hosts; master on c; workers on a, b");
    }

    #[test]
    fn a_name_that_is_not_a_host_is_refused_with_a_suggestion() {
        let e = Layout::from_args(&Args {
            hosts: ["m1", "w1"].map(String::from).to_vec(),
            workers: pick("w1,w2"),
            ..Args::default()
        })
        .unwrap_err();
        assert_eq!(
            e.0,
            "error: --workers: no host `w2` among the inventory's hosts\n  = help: did you mean `w1`? the hosts are: m1, w1 (add one with --host NAME[=ADDRESS])"
        );
    }

    #[test]
    fn default_is_the_classic_three_hosts() {
        let l = layout(&[], None, None);
        assert_eq!(
            l.summary(),
            "3 hosts; ZooKeeper on a, b, c; masters on a, b; workers on a, b, c"
        );
        assert!(l.hosts.iter().all(|h| h.placeholder));
        assert_eq!(l.roles(2), ["zookeeper", "worker"]);
    }

    #[test]
    fn fewer_hosts_mean_one_master_without_zookeeper() {
        assert_eq!(
            layout(&["x"], None, None).summary(),
            "1 host; master on x; workers on x"
        );
        let l = layout(&["x=10.0.0.1", "y"], None, None);
        assert_eq!(l.summary(), "2 hosts; master on x; workers on x, y");
        assert_eq!(l.hosts[0].address.as_deref(), Some("10.0.0.1"));
        assert_eq!(l.hosts[1].address, None);
        let l = layout(&["p", "q", "r", "s", "t"], Some(3), Some(5));
        assert_eq!(l.roles(4), ["zookeeper", "worker"]);
        assert_eq!(l.roles(2), ["zookeeper", "master", "worker"]);
    }

    #[test]
    fn every_rendered_layout_validates() {
        for (hosts, m, z) in [
            (vec![], None, None),
            (vec!["x"], None, None),
            (vec!["x", "y"], None, None),
            (vec!["p", "q", "r", "s", "t"], Some(3), Some(5)),
        ] {
            let args = Args {
                hosts: hosts.iter().map(|s| s.to_string()).collect(),
                masters: m.map(Pick::First),
                zookeeper: z.map(Pick::First),
                ..Args::default()
            };
            let text = render(&Layout::from_args(&args).unwrap(), &args);
            crate::inventory::parse(Path::new("inventory.toml"), &text)
                .unwrap_or_else(|e| panic!("{}\n{}", e, text));
        }
    }

    #[test]
    fn host_names_are_toml_strings() {
        for s in ["a\"b", "x'y", "new\nline", "plain"] {
            let v: toml::Table = toml::from_str(&format!("k = {}", quoted(s))).unwrap();
            assert_eq!(v["k"].as_str(), Some(s));
        }
    }
}
