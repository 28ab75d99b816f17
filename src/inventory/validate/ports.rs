//! Port clashes between the daemons of one host.

use super::merge::pick;
use super::Errors;
use crate::inventory::locate::Seg;
use crate::inventory::raw::{RawHost, RawInventory};
use crate::inventory::{Roles, SparkSettings, ZkSettings};

/// Two daemons on one host cannot share a port; say which two and where each is set.
pub(super) fn check_ports(
    e: &mut Errors,
    i: usize,
    h: &RawHost,
    raw: &RawInventory,
    roles: &Roles,
    s: &SparkSettings,
    z: &ZkSettings,
) {
    let zc = raw.zookeeper.clone().unwrap_or_default();
    let mut used: Vec<(u16, &str, Vec<Seg>)> = Vec::new();
    let at_spark = |k: &str, hv: Option<u16>, cv: Option<u16>| pick(i, "spark", k, &hv, &cv).1;
    let at_zk = |k: &str, hv: Option<u16>, cv: Option<u16>| pick(i, "zookeeper", k, &hv, &cv).1;
    if roles.master {
        used.push((
            s.master_port,
            "the Spark master (master_port)",
            at_spark("master_port", h.spark.master_port, raw.spark.master_port),
        ));
        used.push((
            s.master_webui_port,
            "the Spark master web UI (master_webui_port)",
            at_spark(
                "master_webui_port",
                h.spark.master_webui_port,
                raw.spark.master_webui_port,
            ),
        ));
        if raw.spark.rest == Some(true) {
            used.push((
                s.rest_port,
                "the Spark master REST server (rest_port)",
                at_spark("rest_port", h.spark.rest_port, raw.spark.rest_port),
            ));
        }
    }
    if roles.worker {
        if let Some(p) = s.worker_port {
            used.push((
                p,
                "the Spark worker (worker_port)",
                at_spark("worker_port", h.spark.worker_port, raw.spark.worker_port),
            ));
        }
        used.push((
            s.worker_webui_port,
            "the Spark worker web UI (worker_webui_port)",
            at_spark(
                "worker_webui_port",
                h.spark.worker_webui_port,
                raw.spark.worker_webui_port,
            ),
        ));
    }
    if roles.history {
        let t = raw.history.clone().unwrap_or_default();
        used.push((
            t.ui_port.unwrap_or(super::history::DEFAULT_HISTORY_UI_PORT),
            "the history server (history.ui_port)",
            if t.ui_port.is_some() {
                crate::path!["history", "ui_port"]
            } else {
                crate::path!["host", i, "roles"]
            },
        ));
    }
    if roles.connect {
        let t = raw.connect.clone().unwrap_or_default();
        used.push((
            t.port.unwrap_or(super::connect::DEFAULT_CONNECT_PORT),
            "the Spark Connect server (connect.port)",
            if t.port.is_some() {
                crate::path!["connect", "port"]
            } else {
                crate::path!["host", i, "roles"]
            },
        ));
    }
    if roles.mesos_dispatcher {
        let t = raw.mesos.clone().unwrap_or_default();
        let at = |set: bool, key: &'static str| {
            if set {
                crate::path!["mesos", key]
            } else {
                crate::path!["host", i, "roles"]
            }
        };
        used.push((
            t.port.unwrap_or(super::mesos::DEFAULT_DISPATCHER_PORT),
            "the Mesos dispatcher (mesos.port)",
            at(t.port.is_some(), "port"),
        ));
        used.push((
            t.ui_port
                .unwrap_or(super::mesos::DEFAULT_DISPATCHER_UI_PORT),
            "the Mesos dispatcher web UI (mesos.ui_port)",
            at(t.ui_port.is_some(), "ui_port"),
        ));
    }
    if roles.zookeeper {
        used.push((
            z.client_port,
            "ZooKeeper clients (client_port)",
            at_zk("client_port", h.zookeeper.client_port, zc.client_port),
        ));
        used.push((
            z.quorum_port,
            "the ZooKeeper quorum (quorum_port)",
            at_zk("quorum_port", h.zookeeper.quorum_port, zc.quorum_port),
        ));
        used.push((
            z.election_port,
            "ZooKeeper leader election (election_port)",
            at_zk("election_port", h.zookeeper.election_port, zc.election_port),
        ));
        if z.admin_port != 0 {
            used.push((
                z.admin_port,
                "the ZooKeeper AdminServer (admin_port)",
                at_zk("admin_port", h.zookeeper.admin_port, zc.admin_port),
            ));
        }
    }
    for (a, (pa, what_a, _)) in used.iter().enumerate() {
        for (pb, what_b, at_b) in used.iter().skip(a + 1) {
            if pa == pb {
                e.help(
                    at_b.clone(),
                    format!(
                        "port {} on host `{}` is used by both {} and {}",
                        pa, h.name, what_a, what_b
                    ),
                    "give one of them another port",
                );
            }
        }
    }
}
