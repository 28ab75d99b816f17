//! `sparkctl init`: write a starter inventory, so a first cluster starts
//! from a file sparkctl already accepts rather than from the reference.
//!
//! The text is built here and then parsed and validated by the inventory
//! code itself before anything is written: init can never leave a file
//! that `sparkctl check` refuses (except for what only the operator knows,
//! the tarballs and addresses, which are marked PLACEHOLDER and said so).
//! Only keys of `inventory::raw` appear. The file is written atomically
//! (a temporary file beside it, then a link or rename into place).

use crate::diag::{exit, UsageError};
use anyhow::{Context, Result};
use std::fmt::Write as _;
use std::path::Path;

/// Placeholder tarballs: real Apache file names (so `check` can read the
/// versions) under a directory that does not exist.
const SPARK_PLACEHOLDER: &str = "/path/to/spark-4.3.0-bin-hadoop3.tgz";
const ZOOKEEPER_PLACEHOLDER: &str = "/path/to/apache-zookeeper-3.8.4-bin.tar.gz";

/// What the operator asked for on the command line.
#[derive(Debug, Clone, Default)]
pub struct Args {
    /// `NAME` or `NAME=ADDRESS`, in order; empty: the classic a, b, c.
    pub hosts: Vec<String>,
    pub masters: Option<usize>,
    pub zookeeper: Option<usize>,
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

/// The layout: hosts in order, masters on the first `masters`, ZooKeeper on
/// the first `zookeeper`, a worker on every host.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Layout {
    hosts: Vec<Host>,
    masters: usize,
    zookeeper: usize,
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
        let masters = a.masters.unwrap_or(if n >= 3 { 2 } else { 1 });
        let zookeeper = a
            .zookeeper
            .unwrap_or(if masters >= 2 { 3.min(n) } else { 0 });
        for (flag, count) in [("--masters", masters), ("--zookeeper", zookeeper)] {
            if count > n {
                return Err(UsageError(format!(
                    "error: {} {}: the inventory has {} host{}\n  = help: add hosts with --host NAME[=ADDRESS] (once per host)",
                    flag,
                    count,
                    n,
                    if n == 1 { "" } else { "s" }
                )));
            }
        }
        Ok(Layout {
            hosts,
            masters,
            zookeeper,
        })
    }

    fn roles(&self, i: usize) -> Vec<&'static str> {
        let mut r = Vec::new();
        if i < self.zookeeper {
            r.push("zookeeper");
        }
        if i < self.masters {
            r.push("master");
        }
        r.push("worker");
        r
    }

    fn names(&self, count: usize) -> String {
        let names: Vec<&str> = self.hosts[..count]
            .iter()
            .map(|h| h.name.as_str())
            .collect();
        names.join(", ")
    }

    /// "3 hosts; ZooKeeper on a, b, c; masters on a, b; workers on a, b, c".
    fn summary(&self) -> String {
        let n = self.hosts.len();
        let mut s = format!("{} host{}", n, if n == 1 { "" } else { "s" });
        if self.zookeeper > 0 {
            write!(s, "; ZooKeeper on {}", self.names(self.zookeeper)).unwrap();
        }
        let m = if self.masters == 1 {
            "master"
        } else {
            "masters"
        };
        write!(
            s,
            "; {} on {}; workers on {}",
            m,
            self.names(self.masters),
            self.names(n)
        )
        .unwrap();
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
        || (layout.zookeeper > 0 && zk.is_none());
    let mut t = String::new();
    t.push_str("# A sparkctl inventory, written by `sparkctl init`.\n");
    t.push_str("# Every key is described in docs/inventory.md;\n");
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
    if layout.masters >= 2 {
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
    if layout.zookeeper > 0 {
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
    if layout.zookeeper > 0 && args.zookeeper_tarball.is_none() {
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
            masters,
            zookeeper: zk,
            ..Args::default()
        })
        .unwrap()
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
                masters: m,
                zookeeper: z,
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
