//! `sparkctl ha status`: the recovery settings each running master was
//! started with, checked against each other and the inventory, and the
//! participants of the ZooKeeper election znode (listed with zkCli).

use crate::command::Global;
use crate::diag::exit;
use crate::health;
use crate::inventory::{Cluster, Ha};
use crate::layout::{self, Daemon};
use crate::session::Session;
use anyhow::Result;
use serde::Serialize;
use std::collections::BTreeMap;

/// The recovery settings a running master was started with (from its JVM
/// command line: the truth, whatever the files say now).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Recovery {
    pub mode: String,
    pub zookeeper_url: Option<String>,
    pub zookeeper_dir: Option<String>,
    pub directory: Option<String>,
}

pub fn parse_recovery(cmdline: &str) -> Recovery {
    let prop = |k: &str| {
        cmdline
            .split_whitespace()
            .filter_map(|a| a.strip_prefix(&format!("-D{}=", k)))
            .next_back()
            .map(str::to_string)
    };
    Recovery {
        mode: prop("spark.deploy.recoveryMode").unwrap_or_else(|| "NONE".into()),
        zookeeper_url: prop("spark.deploy.zookeeper.url"),
        zookeeper_dir: prop("spark.deploy.zookeeper.dir").or_else(|| {
            prop("spark.deploy.recoveryMode")
                .filter(|m| m == "ZOOKEEPER")
                .map(|_| "/spark".into())
        }),
        directory: prop("spark.deploy.recoveryDirectory"),
    }
}

fn desired_recovery(c: &Cluster) -> Recovery {
    match &c.ha {
        Ha::None => Recovery {
            mode: "NONE".into(),
            ..Default::default()
        },
        Ha::Zookeeper => Recovery {
            mode: "ZOOKEEPER".into(),
            zookeeper_url: Some(c.zk_connect()),
            zookeeper_dir: Some(c.spark.zookeeper_dir.clone()),
            directory: None,
        },
        Ha::Filesystem { dir } => Recovery {
            mode: "FILESYSTEM".into(),
            directory: Some(dir.clone()),
            ..Default::default()
        },
    }
}

/// A problem with the masters' recovery settings. Typed so that `ha status`
/// decides its exit status by the kind (a split is DOWN), not by wording;
/// Display is the sentence users read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecoveryProblem {
    /// The masters disagree (each would think it leads): every master's setting.
    Split(Vec<(String, Recovery)>),
    /// The master on `host` runs with `running`, the inventory wants `wanted`.
    Differs {
        host: String,
        running: Recovery,
        wanted: Recovery,
    },
}

impl std::fmt::Display for RecoveryProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RecoveryProblem::Split(running) => {
                let each: Vec<String> = running
                    .iter()
                    .map(|(h, r)| format!("{}: {}", h, describe(r)))
                    .collect();
                write!(f, "the masters do not share one recovery setting, so each may act as leader on its own: {}", each.join("; "))
            }
            RecoveryProblem::Differs {
                host,
                running,
                wanted,
            } => write!(
                f,
                "the master on {} runs with {}, but the inventory says {}: run `sparkctl deploy`",
                host,
                describe(running),
                describe(wanted)
            ),
        }
    }
}

/// Problems with the masters' recovery settings: disagreement between them
/// (each would think it leads) or with the inventory.
pub fn recovery_problems(c: &Cluster, running: &[(String, Recovery)]) -> Vec<RecoveryProblem> {
    let mut p = Vec::new();
    let want = desired_recovery(c);
    let distinct: std::collections::BTreeSet<&Recovery> = running.iter().map(|(_, r)| r).collect();
    if distinct.len() > 1 {
        p.push(RecoveryProblem::Split(running.to_vec()));
    }
    for (h, r) in running {
        if *r != want {
            p.push(RecoveryProblem::Differs {
                host: h.clone(),
                running: r.clone(),
                wanted: want.clone(),
            });
        }
    }
    p
}

fn describe(r: &Recovery) -> String {
    match r.mode.as_str() {
        "ZOOKEEPER" => format!(
            "ZOOKEEPER {}{}",
            r.zookeeper_url.as_deref().unwrap_or("?"),
            r.zookeeper_dir.as_deref().unwrap_or("")
        ),
        "FILESYSTEM" => format!("FILESYSTEM {}", r.directory.as_deref().unwrap_or("?")),
        m => m.to_string(),
    }
}

#[derive(Serialize)]
struct HaReport {
    ha: &'static str,
    alive_master: Option<String>,
    masters: Vec<MasterRow>,
    zookeeper: Vec<(String, String)>,
    election_znode: Option<String>,
    election_participants: Option<Vec<String>>,
    problems: Vec<String>,
}

#[derive(Serialize)]
struct MasterRow {
    host: String,
    status: String,
    recovery: Option<Recovery>,
    /// Left out by --limit/--skip: its recovery settings were not read.
    /// Only in the JSON when true, so the shape without the flags is unchanged.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    left_out: bool,
}

/// With `--limit`/`--skip` (`global.select`), like `status`: every master
/// and ZooKeeper server is still probed (the ALIVE master and the quorum
/// are the cluster's), but only the selected hosts are asked for facts, so
/// a master left out shows its state without its recovery settings, and
/// the election is listed only through a selected ZooKeeper server (the
/// others have no SSH connection in this run).
pub(super) async fn status(c: Cluster, global: &Global, json: bool) -> Result<i32> {
    for n in global.select.notices("its daemons") {
        eprintln!("{}", n);
    }
    let mut quiet = global.clone();
    quiet.quiet = true;
    let s = Session::open(c.clone(), &quiet).await?;
    let snap = s.probe().await;
    let assessment = health::assess_among(&c, &snap, &|h| s.selected(h));
    let facts = s.facts(None, None, &BTreeMap::new()).await;
    let facts = match facts {
        Ok(f) => f,
        Err(e) => {
            s.close().await;
            return Err(e);
        }
    };
    let mut rows = Vec::new();
    let mut running = Vec::new();
    for (name, r) in &snap.masters {
        let rec = facts
            .get(name)
            .and_then(|f| f.cmdlines.get(&Daemon::Master))
            .map(|cl| parse_recovery(cl));
        if let Some(r) = &rec {
            running.push((name.clone(), r.clone()));
        }
        rows.push(MasterRow {
            host: name.clone(),
            status: r
                .as_ref()
                .map(|m| m.status.to_string())
                .unwrap_or_else(|_| "down".into()),
            recovery: rec,
            left_out: !s.selected(name),
        });
    }
    let recovery = recovery_problems(&c, &running);
    // A split (masters on different recovery settings) is DOWN whatever
    // the probes say: decided here, by kind, before the problems become text.
    let split = recovery
        .iter()
        .any(|p| matches!(p, RecoveryProblem::Split(_)));
    let mut problems: Vec<String> = recovery.iter().map(ToString::to_string).collect();
    problems.extend(assessment.problems.iter().map(ToString::to_string));

    let znode = (c.ha == Ha::Zookeeper).then(|| layout::election_znode(&c));
    let mut participants = None;
    if let Some(z) = &znode {
        let serving = snap
            .zookeeper
            .iter()
            .find(|(h, m)| m.serving() && s.selected(h))
            .and_then(|(h, _)| c.host(h));
        if let Some(zh) = serving {
            match s.election_participants(zh).await {
                Ok(list) => {
                    // Only comparable when every master's command line
                    // was read: one left out may be a participant.
                    let up = running.len();
                    if list.len() != up && rows.iter().all(|r| !r.left_out) {
                        problems.push(format!(
                            "{} participant(s) in {} but {} master(s) running",
                            list.len(),
                            z,
                            up
                        ));
                    }
                    participants = Some(list);
                }
                Err(e) => problems.push(format!("cannot list {}: {:#}", z, e)),
            }
        }
    }
    s.close().await;

    let report = HaReport {
        ha: c.ha.name(),
        alive_master: assessment.alive_master.clone(),
        masters: rows,
        zookeeper: snap
            .zookeeper
            .iter()
            .map(|(h, m)| (h.clone(), m.label()))
            .collect(),
        election_znode: znode,
        election_participants: participants,
        problems: problems.clone(),
    };
    if json {
        crate::outln!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        crate::outln!("HA mode (inventory): {}", c.ha.name());
        for m in &report.masters {
            crate::outln!(
                "  master {:10} {:9} {}",
                m.host,
                m.status,
                match (&m.recovery, m.left_out) {
                    (Some(r), _) => describe(r),
                    (None, true) => "not checked (--limit/--skip)".into(),
                    (None, false) => "not running".into(),
                }
            );
        }
        if !report.zookeeper.is_empty() {
            let zk: Vec<String> = report
                .zookeeper
                .iter()
                .map(|(h, m)| format!("{} {}", h, m))
                .collect();
            crate::outln!("  zookeeper: {}", zk.join(", "));
        }
        if let (Some(z), Some(p)) = (&report.election_znode, &report.election_participants) {
            crate::outln!("  {}: {} participant(s) {}", z, p.len(), p.join(", "));
        }
        if problems.is_empty() {
            crate::outln!("HA is healthy: one ALIVE master, {} STANDBY, every master on the same recovery settings", report.masters.len().saturating_sub(1));
        } else {
            crate::outln!("problems:");
            for p in &problems {
                crate::outln!("  - {}", p);
            }
        }
    }
    Ok(match (assessment.level, split) {
        (health::Level::Down, _) | (_, true) => exit::DOWN,
        (health::Level::Degraded, _) => exit::DEGRADED,
        _ if !problems.is_empty() => exit::DEGRADED,
        _ => exit::OK,
    })
}

pub use crate::steps::parse_zkcli_ls;

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn recovery_from_command_lines() {
        let r = parse_recovery("/usr/bin/java -cp x -Xmx256m -Dspark.deploy.recoveryMode=ZOOKEEPER -Dspark.deploy.zookeeper.url=a:2181,b:2181 -Dspark.deploy.zookeeper.dir=/spark org.apache.spark.deploy.master.Master");
        assert_eq!(r.mode, "ZOOKEEPER");
        assert_eq!(r.zookeeper_url.as_deref(), Some("a:2181,b:2181"));
        assert_eq!(
            parse_recovery("java org.apache.spark.deploy.master.Master").mode,
            "NONE"
        );
    }

    #[test]
    fn masters_that_disagree_are_reported() {
        let c = crate::inventory::load(Path::new("inventories/abc.toml")).unwrap();
        let good = desired_recovery(&c);
        let mut other = good.clone();
        other.zookeeper_dir = Some("/other".into());
        assert!(recovery_problems(
            &c,
            &[("a".into(), good.clone()), ("b".into(), good.clone())]
        )
        .is_empty());
        let p = recovery_problems(&c, &[("a".into(), good), ("b".into(), other)]);
        assert!(
            p[0].to_string()
                .starts_with("the masters do not share one recovery setting"),
            "{:?}",
            p
        );
        assert!(p[1].to_string().starts_with("the master on b runs with ZOOKEEPER a:2181,b:2181,c:2181/other, but the inventory says"), "{:?}", p);
    }

    #[test]
    fn zkcli_ls_output() {
        assert_eq!(
            parse_zkcli_ls("log line\n[_c_1-latch-0000000001, _c_2-latch-0000000002]\n"),
            Some(vec![
                "_c_1-latch-0000000001".into(),
                "_c_2-latch-0000000002".into()
            ])
        );
        assert_eq!(
            parse_zkcli_ls("Node does not exist: /spark/leader_election\n"),
            Some(vec![])
        );
        assert_eq!(parse_zkcli_ls("[]\n"), Some(vec![]));
        assert_eq!(parse_zkcli_ls("garbage"), None);
    }
}
