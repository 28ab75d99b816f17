//! The verdict: a [`Snapshot`] of what the probes saw, judged against the
//! inventory as healthy, degraded or down, with every reason.

use super::route::ProbeError;
use super::spark::{MasterStatus, WorkerState};
use super::{Snapshot, ZkMode};
use crate::inventory::{memory_mb, Cluster, Ha};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Healthy,
    Degraded,
    Down,
}

/// One thing wrong with the cluster, as `assess` finds it. Code that decides
/// by a problem matches the variant (see [`Problem::worker`]); Display is the
/// sentence users read (and `status --json` prints, serialized as that
/// string), unchanged from when problems were plain strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    ZkDown {
        host: String,
        why: ProbeError,
    },
    ZkUncheckable {
        host: String,
        why: ProbeError,
    },
    ZkNotInQuorum {
        host: String,
    },
    NoQuorum {
        serving: usize,
        total: usize,
        leaders: usize,
    },
    MasterState {
        host: String,
        status: MasterStatus,
    },
    MasterNoAnswer {
        host: String,
        why: ProbeError,
    },
    MasterUncheckable {
        host: String,
        why: ProbeError,
    },
    NoAliveMaster,
    WorkerUnregistered {
        worker: String,
        master: String,
    },
    WorkerCores {
        worker: String,
        offered: u32,
        expected: u32,
    },
    WorkerMemory {
        worker: String,
        offered: u64,
        expected: u64,
    },
    SplitBrain {
        masters: Vec<String>,
    },
    /// A history server does not answer: applications still run, so the
    /// cluster is degraded, not down.
    HistoryDown {
        host: String,
        why: ProbeError,
    },
    /// A Spark Connect server does not greet: the cluster runs
    /// applications submitted otherwise, so it is degraded, not down.
    ConnectDown {
        host: String,
        why: ProbeError,
    },
    /// A Mesos dispatcher's UI does not answer: the standalone cluster is
    /// unaffected, so it is degraded, not down.
    MesosDispatcherDown {
        host: String,
        why: ProbeError,
    },
}

impl Problem {
    /// The worker (inventory name) this problem is about, if it is about one.
    pub fn worker(&self) -> Option<&str> {
        match self {
            Problem::WorkerUnregistered { worker, .. }
            | Problem::WorkerCores { worker, .. }
            | Problem::WorkerMemory { worker, .. } => Some(worker),
            _ => None,
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::ZkDown { host, why } => write!(f, "zookeeper on {} is down: {}", host, why),
            Problem::ZkUncheckable { host, why } => {
                write!(f, "zookeeper on {} cannot be checked: {}", host, why)
            }
            Problem::ZkNotInQuorum { host } => {
                write!(f, "zookeeper on {} is up but not in a quorum", host)
            }
            Problem::NoQuorum {
                serving,
                total,
                leaders,
            } => write!(
                f,
                "ZooKeeper has no quorum: {} of {} servers serving, {} leader(s)",
                serving, total, leaders
            ),
            Problem::MasterState { host, status } => write!(f, "master on {} is {}", host, status),
            Problem::MasterNoAnswer { host, why } => {
                write!(f, "master on {} does not answer: {}", host, why)
            }
            Problem::MasterUncheckable { host, why } => {
                write!(f, "master on {} cannot be checked: {}", host, why)
            }
            Problem::NoAliveMaster => f.write_str("no master is ALIVE"),
            Problem::WorkerUnregistered { worker, master } => write!(
                f,
                "worker on {} is not registered with the ALIVE master ({})",
                worker, master
            ),
            Problem::WorkerCores {
                worker,
                offered,
                expected,
            } => write!(
                f,
                "worker on {} offers {} cores, expected {}",
                worker, offered, expected
            ),
            Problem::WorkerMemory {
                worker,
                offered,
                expected,
            } => write!(
                f,
                "worker on {} offers {} MiB, expected {}",
                worker, offered, expected
            ),
            Problem::HistoryDown { host, why } => {
                write!(f, "history server on {} does not answer: {}", host, why)
            }
            Problem::MesosDispatcherDown { host, why } => {
                write!(f, "Mesos dispatcher on {} does not answer: {}", host, why)
            }
            Problem::ConnectDown { host, why } => {
                write!(
                    f,
                    "Spark Connect server on {} does not answer: {}",
                    host, why
                )
            }
            Problem::SplitBrain { masters } => write!(
                f,
                "{} masters are ALIVE at once ({}): they do not share one ZooKeeper URL and dir",
                masters.len(),
                masters.join(", ")
            ),
        }
    }
}

impl Serialize for Problem {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Lets tests compare problems with the sentences users see.
impl PartialEq<&str> for Problem {
    // For assertions only: the allocation does not matter there.
    #[allow(clippy::cmp_owned)]
    fn eq(&self, other: &&str) -> bool {
        self.to_string() == *other
    }
}

/// The verdict on a snapshot, with every reason.
#[derive(Debug, Clone, Serialize)]
pub struct Assessment {
    pub level: Level,
    pub problems: Vec<Problem>,
    /// Name of the ALIVE master, when exactly one is.
    pub alive_master: Option<String>,
    pub workers_alive: usize,
    pub workers_expected: usize,
    pub zk_quorum: bool,
}

pub fn assess(cluster: &Cluster, snap: &Snapshot) -> Assessment {
    assess_among(cluster, snap, &|_| true)
}

/// `assess`, expecting only the daemons of hosts for which `expected` holds
/// (`--limit`/`--skip`). The cluster is still judged whole where that is
/// what makes it work: ZooKeeper needs a majority of the *whole* ensemble
/// (a server left out and not probed counts as not serving), and an ALIVE
/// master on a host left out is the cluster's ALIVE master. Problems of the
/// daemons left out are neither reported nor counted.
pub fn assess_among(
    cluster: &Cluster,
    snap: &Snapshot,
    expected: &dyn Fn(&str) -> bool,
) -> Assessment {
    let mut problems = Vec::new();
    let mut level = Level::Healthy;
    let worse = |l: Level, level: &mut Level| *level = (*level).max(l);

    // ZooKeeper: exactly one leader and a serving majority.
    let unprobed = cluster
        .zk_hosts()
        .filter(|h| !expected(&h.name) && !snap.zookeeper.iter().any(|(n, _)| *n == h.name))
        .count();
    let zk_total = snap.zookeeper.len() + unprobed;
    let serving = snap.zookeeper.iter().filter(|(_, m)| m.serving()).count();
    let leaders = snap
        .zookeeper
        .iter()
        .filter(|(_, m)| *m == ZkMode::Leader || *m == ZkMode::Standalone)
        .count();
    let zk_quorum = zk_total == 0 || (serving * 2 > zk_total && leaders == 1);
    for (h, m) in snap.zookeeper.iter().filter(|(h, _)| expected(h)) {
        match m {
            ZkMode::Down(e) if e.no_answer() => problems.push(Problem::ZkDown {
                host: h.clone(),
                why: e.clone(),
            }),
            ZkMode::Down(e) => problems.push(Problem::ZkUncheckable {
                host: h.clone(),
                why: e.clone(),
            }),
            ZkMode::NotServing => problems.push(Problem::ZkNotInQuorum { host: h.clone() }),
            _ => {}
        }
    }
    if zk_total > 0 {
        if !zk_quorum {
            problems.push(Problem::NoQuorum {
                serving,
                total: zk_total,
                leaders,
            });
            if cluster.ha == Ha::Zookeeper {
                worse(Level::Down, &mut level);
            } else {
                worse(Level::Degraded, &mut level);
            }
        } else if snap
            .zookeeper
            .iter()
            .any(|(h, m)| expected(h) && !m.serving())
        {
            worse(Level::Degraded, &mut level);
        }
    }

    // Masters: exactly one ALIVE, every other STANDBY.
    let mut alive = Vec::new();
    for (h, r) in &snap.masters {
        match r {
            Ok(m) if m.status == MasterStatus::Alive => alive.push((h.clone(), m)),
            _ if !expected(h) => {}
            Ok(m) if m.status == MasterStatus::Standby => {}
            Ok(m) => {
                problems.push(Problem::MasterState {
                    host: h.clone(),
                    status: m.status.clone(),
                });
                worse(Level::Degraded, &mut level);
            }
            Err(e) => {
                let (host, why) = (h.clone(), e.clone());
                problems.push(if e.no_answer() {
                    Problem::MasterNoAnswer { host, why }
                } else {
                    Problem::MasterUncheckable { host, why }
                });
                worse(Level::Degraded, &mut level);
            }
        }
    }
    let expected: Vec<_> = cluster.workers().filter(|w| expected(&w.name)).collect();
    let mut workers_alive = 0;
    let alive_master = match alive.len() {
        0 => {
            problems.push(Problem::NoAliveMaster);
            worse(Level::Down, &mut level);
            None
        }
        1 => {
            let (name, m) = &alive[0];
            for w in &expected {
                let reg = m
                    .workers
                    .iter()
                    .find(|x| x.host == w.address && x.state == WorkerState::Alive);
                match reg {
                    None => {
                        problems.push(Problem::WorkerUnregistered {
                            worker: w.name.clone(),
                            master: name.clone(),
                        });
                        worse(Level::Degraded, &mut level);
                    }
                    Some(x) => {
                        workers_alive += 1;
                        if let Some(c) = w.spark.worker_cores {
                            if x.cores != c {
                                problems.push(Problem::WorkerCores {
                                    worker: w.name.clone(),
                                    offered: x.cores,
                                    expected: c,
                                });
                                worse(Level::Degraded, &mut level);
                            }
                        }
                        if let Some(mb) = w.spark.worker_memory.as_deref().and_then(memory_mb) {
                            if x.memory != mb {
                                problems.push(Problem::WorkerMemory {
                                    worker: w.name.clone(),
                                    offered: x.memory,
                                    expected: mb,
                                });
                                worse(Level::Degraded, &mut level);
                            }
                        }
                    }
                }
            }
            Some(name.clone())
        }
        _ => {
            problems.push(Problem::SplitBrain {
                masters: alive.iter().map(|(n, _)| n.clone()).collect(),
            });
            worse(Level::Down, &mut level);
            None
        }
    };
    Assessment {
        level,
        problems,
        alive_master,
        workers_alive,
        workers_expected: expected.len(),
        zk_quorum,
    }
}
