//! Proof that the cluster works, from the outside: ZooKeeper's `srvr` and the
//! Spark masters' and workers' `/json/`, spoken over plain TCP (hosts need no
//! curl or nc). By default the TCP connection is opened by each host's sshd
//! through the SSH connection sparkctl already holds (see [`route`]), so
//! probes work where only port 22 is reachable; `[ssh] probe = "direct"`
//! dials from the operator's machine instead. Probes run in parallel with
//! short timeouts, so a dead host costs one timeout, not a hang.
//!
//! Parsing and judging (`parse_*`, `assess`) are pure and unit-tested.
//! `zookeeper` speaks `srvr`, `spark` the daemons' `/json/`, `history` the
//! history server's REST API, `connect` the Spark Connect server's HTTP/2
//! greeting, `mesos` the Mesos dispatcher's UI, `verdict` judges
//! what they saw; this module runs the probes.

mod connect;
mod history;
mod mesos;
pub mod route;
mod spark;
mod verdict;
mod zookeeper;

use crate::inventory::Cluster;
pub use connect::{connect, connect_url, port as connect_port};
pub use history::{
    history, history_url, parse_applications, HistoryApp, HistoryJson, APPLICATIONS,
};
pub use mesos::{dispatcher_note, dispatcher_url, mesos_dispatcher};
pub use route::{ProbeError, Route};
use serde::Serialize;
pub use spark::{
    http_get, master, parse_http, parse_master, worker, worker_executors, AppJson, MasterJson,
    MasterStatus, WorkerJson, WorkerState,
};
use std::time::Duration;
pub use verdict::{assess, assess_among, Assessment, Level, Problem};
pub use zookeeper::{parse_srvr, srvr, ZkMode};

pub const PROBE_TIMEOUT: Duration = Duration::from_millis(1500);

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

#[cfg(test)]
mod tests;
