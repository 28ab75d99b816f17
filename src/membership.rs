//! The cluster's membership as last deployed, recorded on its hosts, so a
//! host removed from the inventory is not forgotten while its daemons keep
//! running (a removed master still in the election, a worker still taking
//! executors). Deploy writes it on every Spark host it works on
//! (`<spark install_root>/.sparkctl/members`), reads it back through the
//! facts probe, and compares it with the inventory: a recorded host the
//! inventory no longer has "left". Pure here: the record's format, its
//! parser, and what left; probing and stopping is `command::deploy::removed`.
//!
//! Format: one line per host, fields separated by tabs, `-` for none:
//! `v1 STATE NAME ADDRESS SSH_USER SSH_PORT ROLES PID_DIR ZK_DATA_DIR`,
//! STATE `member` (in the inventory) or `left` (removed, its daemons not
//! yet known to be stopped: kept so the next deploy reports it again).
//! The pid directories are recorded because they are where a left host's
//! daemons can be found and stopped; the SSH user and port because a host's
//! own `ssh_user`/`ssh_port` leave the inventory with it.

use crate::daemon::Daemon;
use crate::inventory::{Cluster, Host};
use std::collections::BTreeMap;

/// The record's file name in the Spark install root's state directory.
pub const FILE: &str = "members";

/// One recorded host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub left: bool,
    pub name: String,
    pub address: String,
    pub ssh_user: Option<String>,
    pub ssh_port: Option<u16>,
    /// The daemon kinds it ran, in start order.
    pub daemons: Vec<Daemon>,
    pub pid_dir: String,
    pub zk_data_dir: String,
}

impl Member {
    pub fn of_host(h: &Host) -> Member {
        Member {
            left: false,
            name: h.name.clone(),
            address: h.address.clone(),
            ssh_user: h.ssh_user.clone(),
            ssh_port: h.ssh_port,
            daemons: Daemon::ALL.into_iter().filter(|d| d.runs_on(h)).collect(),
            pid_dir: h.spark.pid_dir.clone(),
            zk_data_dir: h.zk.data_dir.clone(),
        }
    }

    /// The host as sparkctl reaches it and finds its daemons: the
    /// inventory's settings for everything not recorded (`template`: any
    /// inventory host), the recorded ones for the rest.
    pub fn as_host(&self, template: &Host) -> Host {
        let mut h = template.clone();
        h.name = self.name.clone();
        h.address = self.address.clone();
        h.ssh_user = self.ssh_user.clone();
        h.ssh_port = self.ssh_port;
        h.identity_file = None;
        h.roles = crate::inventory::Roles {
            zookeeper: self.daemons.contains(&Daemon::ZooKeeper),
            master: self.daemons.contains(&Daemon::Master),
            worker: self.daemons.contains(&Daemon::Worker),
            history: self.daemons.contains(&Daemon::History),
            connect: self.daemons.contains(&Daemon::Connect),
            mesos_dispatcher: self.daemons.contains(&Daemon::MesosDispatcher),
        };
        h.spark.pid_dir = self.pid_dir.clone();
        h.zk.data_dir = self.zk_data_dir.clone();
        h
    }

    fn line(&self) -> Option<String> {
        let opt = |v: Option<String>| v.unwrap_or_else(|| "-".into());
        let daemons: Vec<&str> = self.daemons.iter().map(|d| d.label()).collect();
        let fields = [
            "v1".to_string(),
            if self.left { "left" } else { "member" }.to_string(),
            self.name.clone(),
            self.address.clone(),
            opt(self.ssh_user.clone()),
            opt(self.ssh_port.map(|p| p.to_string())),
            if daemons.is_empty() {
                "-".into()
            } else {
                daemons.join(",")
            },
            self.pid_dir.clone(),
            self.zk_data_dir.clone(),
        ];
        // A value the format cannot hold (a tab, a line break, empty) is
        // not recorded: that host would be misread, not merely forgotten.
        fields
            .iter()
            .all(|f| !f.is_empty() && !f.contains(['\t', '\n', '\r']))
            .then(|| fields.join("\t"))
    }

    fn parse(line: &str) -> Option<Member> {
        let f: Vec<&str> = line.split('\t').collect();
        let [v, state, name, address, user, port, roles, pid_dir, zk_data_dir] = f[..] else {
            return None;
        };
        if v != "v1" {
            return None;
        }
        let opt = |s: &str| (s != "-").then(|| s.to_string());
        let daemons = match roles {
            "-" => Vec::new(),
            r => r
                .split(',')
                .map(Daemon::from_label)
                .collect::<Option<Vec<_>>>()?,
        };
        Some(Member {
            left: match state {
                "member" => false,
                "left" => true,
                _ => return None,
            },
            name: name.to_string(),
            address: address.to_string(),
            ssh_user: opt(user),
            ssh_port: match port {
                "-" => None,
                p => Some(p.parse().ok()?),
            },
            daemons,
            pid_dir: pid_dir.to_string(),
            zk_data_dir: zk_data_dir.to_string(),
        })
    }
}

/// The record's text: the inventory's hosts, then `still_left` (hosts that
/// left whose daemons may still run), each once.
pub fn render(cluster: &Cluster, still_left: &[Member]) -> String {
    let mut out = String::new();
    let members = cluster.hosts.iter().map(Member::of_host);
    let left = still_left.iter().map(|m| Member {
        left: true,
        ..m.clone()
    });
    for m in members.chain(left) {
        if let Some(l) = m.line() {
            out.push_str(&l);
            out.push('\n');
        }
    }
    out
}

/// The recorded hosts in `text` (lines that do not parse are skipped: an
/// older or damaged record costs a report, never the deploy).
pub fn parse(text: &str) -> Vec<Member> {
    text.lines().filter_map(Member::parse).collect()
}

/// Hosts some record names that the inventory does not, once each (by
/// name; the first record read wins), in name order. A recorded host whose
/// address an inventory host has is not one that left but the same
/// machine renamed: its daemons are the inventory's now, and stopping them
/// (`--stop-removed`) would stop the cluster's own.
pub fn left<'a>(cluster: &Cluster, records: impl IntoIterator<Item = &'a str>) -> Vec<Member> {
    let mut out: BTreeMap<String, Member> = BTreeMap::new();
    for text in records {
        for m in parse(text) {
            let renamed = cluster.hosts.iter().any(|h| h.address == m.address);
            if cluster.host(&m.name).is_none() && !renamed {
                out.entry(m.name.clone())
                    .or_insert(Member { left: true, ..m });
            }
        }
    }
    out.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster(text: &str) -> Cluster {
        crate::inventory::parse(std::path::Path::new("t.toml"), text).unwrap()
    }

    const ABC: &str = "[spark]\ntarball = \"/x/spark-3.5.3-bin-hadoop3.tgz\"\n[zookeeper]\ntarball = \"/x/apache-zookeeper-3.8.4-bin.tar.gz\"\n\
[[host]]\nname = \"a\"\nroles = [\"zookeeper\", \"master\", \"worker\"]\n\
[[host]]\nname = \"b\"\nroles = [\"zookeeper\", \"master\", \"worker\"]\n\
[[host]]\nname = \"c\"\naddress = \"10.0.0.3\"\nssh_port = 2222\nroles = [\"zookeeper\", \"worker\"]\n";

    /// ABC without c, and so without ZooKeeper (one master).
    const AB: &str =
        "[cluster]\nha = \"none\"\n[spark]\ntarball = \"/x/spark-3.5.3-bin-hadoop3.tgz\"\n\
[[host]]\nname = \"a\"\nroles = [\"master\", \"worker\"]\n\
[[host]]\nname = \"b\"\nroles = [\"worker\"]\n";

    #[test]
    fn a_record_reads_back_and_names_who_left() {
        let c = cluster(ABC);
        let text = render(&c, &[]);
        assert_eq!(text.lines().count(), 3);
        assert!(
            text.contains("v1\tmember\tc\t10.0.0.3\t-\t2222\tzookeeper,worker\t/opt/spark/run\t/var/lib/zookeeper\n"),
            "{}",
            text
        );
        assert_eq!(parse(&text).len(), 3);
        assert!(left(&c, [text.as_str()]).is_empty());
        // c removed from the inventory: it left, with what it ran and how
        // to reach it.
        let ab = cluster(AB);
        let gone = left(&ab, [text.as_str(), text.as_str()]);
        assert_eq!(gone.len(), 1);
        let m = &gone[0];
        assert!(m.left);
        assert_eq!(
            (m.name.as_str(), m.address.as_str(), m.ssh_port),
            ("c", "10.0.0.3", Some(2222))
        );
        assert_eq!(m.daemons, vec![Daemon::ZooKeeper, Daemon::Worker]);
        let h = m.as_host(&ab.hosts[0]);
        assert!(h.roles.zookeeper && h.roles.worker && !h.roles.master);
        // Still running: recorded as left, so the next deploy reports it again.
        let again = render(&ab, &gone);
        assert!(again.contains("v1\tleft\tc\t"), "{}", again);
        assert_eq!(left(&ab, [again.as_str()]), gone);
    }

    #[test]
    fn a_renamed_host_has_not_left() {
        let c = cluster(ABC);
        let text = render(&c, &[]);
        let renamed = cluster(&ABC.replace("name = \"c\"", "name = \"c2\""));
        assert!(left(&renamed, [text.as_str()]).is_empty());
    }

    #[test]
    fn damaged_lines_are_skipped() {
        assert!(
            parse("garbage\nv2\tmember\ta\n\nv1\tmember\ta\tx\t-\tnotaport\t-\t/p\t/z\n")
                .is_empty()
        );
        assert_eq!(
            parse("v1\tmember\ta\tx\t-\t-\tmaster,bogus\t/p\t/z\n"),
            vec![],
            "an unknown daemon: the line is not trusted"
        );
    }
}
