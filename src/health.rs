//! Proof that the cluster works, from the outside: ZooKeeper's `srvr` and the
//! Spark masters' and workers' `/json/`, spoken over plain TCP (hosts need no
//! curl or nc). By default the TCP connection is opened by each host's sshd
//! through the SSH connection sparkctl already holds (see [`route`]), so
//! probes work where only port 22 is reachable; `[ssh] probe = "direct"`
//! dials from the operator's machine instead. Probes run in parallel with
//! short timeouts, so a dead host costs one timeout, not a hang.
//!
//! Parsing and judging (`parse_*`, `assess`) are pure and unit-tested.

pub mod route;

use crate::inventory::{memory_mb, Cluster, Ha, Host};
pub use route::{ProbeError, Route};
use serde::{Deserialize, Serialize};
use std::time::Duration;

pub const PROBE_TIMEOUT: Duration = Duration::from_millis(1500);

/// ZooKeeper's answer to `srvr`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ZkMode {
    Leader,
    Follower,
    Standalone,
    /// Up, but not in a quorum ("not currently serving requests").
    NotServing,
    /// No usable answer: why (down, refused, host unreachable, ...).
    Down(ProbeError),
}

impl ZkMode {
    pub fn serving(&self) -> bool {
        matches!(self, ZkMode::Leader | ZkMode::Follower | ZkMode::Standalone)
    }
    pub fn label(&self) -> String {
        match self {
            ZkMode::Leader => "leader".into(),
            ZkMode::Follower => "follower".into(),
            ZkMode::Standalone => "standalone".into(),
            ZkMode::NotServing => "not serving".into(),
            ZkMode::Down(e) => e.state().into(),
        }
    }
}

pub fn parse_srvr(text: &str) -> ZkMode {
    if text.contains("not currently serving") {
        return ZkMode::NotServing;
    }
    match text
        .lines()
        .find_map(|l| l.strip_prefix("Mode:"))
        .map(str::trim)
    {
        Some("leader") => ZkMode::Leader,
        Some("follower") => ZkMode::Follower,
        Some("standalone") => ZkMode::Standalone,
        Some(other) => ZkMode::Down(ProbeError::Unexpected(format!("unexpected mode {}", other))),
        None => ZkMode::Down(ProbeError::Unexpected(format!(
            "unexpected answer to srvr: {}",
            text.lines().next().unwrap_or("(empty)")
        ))),
    }
}

/// ZooKeeper's `srvr` on `h`'s client port.
pub async fn srvr(route: &Route, h: &Host) -> ZkMode {
    match route.exchange(h, h.zk.client_port, b"srvr").await {
        Ok(t) => parse_srvr(&t),
        Err(e) => ZkMode::Down(e),
    }
}

/// Minimal HTTP/1.0 GET: enough for Spark's JSON endpoints, no client crate.
pub async fn http_get(
    route: &Route,
    h: &Host,
    port: u16,
    path: &str,
) -> Result<String, ProbeError> {
    let req = format!(
        "GET {} HTTP/1.0\r\nHost: {}:{}\r\nAccept: application/json\r\nConnection: close\r\n\r\n",
        path, h.address, port
    );
    let text = route.exchange(h, port, req.as_bytes()).await?;
    parse_http(&text).map_err(ProbeError::Unexpected)
}

pub fn parse_http(text: &str) -> Result<String, String> {
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or("malformed HTTP response")?;
    let status = head.lines().next().unwrap_or("");
    let code = status.split_whitespace().nth(1).unwrap_or("");
    if code != "200" {
        return Err(format!(
            "HTTP {}",
            status
                .split_whitespace()
                .skip(1)
                .collect::<Vec<_>>()
                .join(" ")
        ));
    }
    Ok(body.to_string())
}

/// Declares an enum of the words Spark writes in a `/json/` field, plus
/// `Other` for any word this version does not know (a newer Spark may add
/// some; it is shown as is, never refused). Display, Serialize and
/// Deserialize all use Spark's own word, so `status --json` and every
/// message read exactly as the raw string did before these were typed.
macro_rules! spark_words {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident => $w:literal,)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum $name {
            $($(#[$vm])* $v,)*
            /// A word this version of sparkctl does not know, kept verbatim.
            Other(String),
        }

        impl $name {
            pub fn from_word(s: &str) -> $name {
                match s {
                    $($w => $name::$v,)*
                    other => $name::Other(other.to_string()),
                }
            }
            /// The word as Spark writes it.
            pub fn word(&self) -> &str {
                match self {
                    $($name::$v => $w,)*
                    $name::Other(s) => s,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                // `pad`, not `write_str`: `{:9}` in a table lines up as it
                // did when this was a String.
                f.pad(self.word())
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.word())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                Ok($name::from_word(&String::deserialize(d)?))
            }
        }
    };
}

spark_words! {
    /// A master's `status` in its `/json/` (Spark's `RecoveryState`).
    MasterStatus {
        Alive => "ALIVE",
        Standby => "STANDBY",
        Recovering => "RECOVERING",
        CompletingRecovery => "COMPLETING_RECOVERY",
    }
}

spark_words! {
    /// A worker's `state` as its master lists it (Spark's `WorkerState`).
    WorkerState {
        Alive => "ALIVE",
        Dead => "DEAD",
        Decommissioned => "DECOMMISSIONED",
        Unknown => "UNKNOWN",
    }
}

impl MasterStatus {
    /// ALIVE or STANDBY: where a wait for the masters may stop.
    pub fn settled(&self) -> bool {
        matches!(self, MasterStatus::Alive | MasterStatus::Standby)
    }
}

/// The fields of a master's `/json/` that health depends on.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct MasterJson {
    #[serde(default)]
    pub url: String,
    pub status: MasterStatus,
    #[serde(default)]
    pub workers: Vec<WorkerJson>,
    #[serde(default)]
    pub aliveworkers: u32,
    #[serde(default)]
    pub cores: u32,
    #[serde(default)]
    pub memory: u64,
    #[serde(default)]
    pub activeapps: Vec<AppJson>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct WorkerJson {
    pub id: String,
    pub host: String,
    #[serde(default)]
    pub port: u16,
    pub cores: u32,
    pub memory: u64,
    pub state: WorkerState,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct AppJson {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub state: String,
}

pub fn parse_master(body: &str) -> Result<MasterJson, String> {
    serde_json::from_str(body).map_err(|e| format!("unexpected /json/ answer: {}", e))
}

/// The master's `/json/` on `h`.
pub async fn master(route: &Route, h: &Host) -> Result<MasterJson, ProbeError> {
    let body = http_get(route, h, h.spark.master_webui_port, "/json/").await?;
    parse_master(&body).map_err(ProbeError::Unexpected)
}

/// Does the worker's own UI answer (`/json/`)? Tells "running but not
/// registered" from "not running".
pub async fn worker(route: &Route, h: &Host) -> Result<(), ProbeError> {
    http_get(route, h, h.spark.worker_webui_port, "/json/")
        .await
        .map(|_| ())
}

/// Everything the probes saw, per inventory host.
#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    pub zookeeper: Vec<(String, ZkMode)>,
    pub masters: Vec<(String, Result<MasterJson, ProbeError>)>,
}

pub async fn probe(route: &Route, cluster: &Cluster) -> Snapshot {
    probe_among(route, cluster, &|_| true).await
}

/// `probe`, of the hosts for which `include` holds only (`status --skip`:
/// a host left out costs no probe timeout).
pub async fn probe_among(
    route: &Route,
    cluster: &Cluster,
    include: &(dyn Fn(&str) -> bool + Sync),
) -> Snapshot {
    let zk = cluster.zk_hosts().filter(|h| include(&h.name)).map(|h| {
        let (h, r) = (h.clone(), route.clone());
        tokio::spawn(async move { (h.name.clone(), srvr(&r, &h).await) })
    });
    let zk: Vec<_> = zk.collect();
    let ms: Vec<_> = cluster
        .masters()
        .filter(|h| include(&h.name))
        .map(|h| {
            let (h, r) = (h.clone(), route.clone());
            tokio::spawn(async move { (h.name.clone(), master(&r, &h).await) })
        })
        .collect();
    let mut snap = Snapshot {
        zookeeper: vec![],
        masters: vec![],
    };
    for j in zk {
        snap.zookeeper.push(j.await.expect("probe task"));
    }
    for j in ms {
        snap.masters.push(j.await.expect("probe task"));
    }
    snap
}

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

#[cfg(test)]
mod tests;
