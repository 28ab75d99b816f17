//! `sparkctl status`: what runs where and whether the cluster is healthy.
//! Probes go straight to the daemons' ports from the operator's machine, all
//! at once, with a short timeout: no SSH, so it answers in well under a
//! second and never hangs on a dead host. Exit status: 0 healthy,
//! 3 degraded, 4 down.
//!
//! With `--limit`/`--skip`, hosts left out are not probed at all (an
//! unreachable host costs no timeout); the verdict covers the daemons of the
//! hosts checked, with ZooKeeper's quorum still counted against the whole
//! ensemble (a server not probed counts as not serving).

use super::select::Selection;
use crate::diag::exit;
use crate::health::{self, Level};
use crate::inventory::Cluster;
use anyhow::Result;
use serde::Serialize;

#[derive(Serialize)]
struct Row {
    host: String,
    address: String,
    daemon: &'static str,
    state: String,
    detail: String,
}

#[derive(Serialize)]
struct Report<'a> {
    cluster: &'a str,
    health: Level,
    ha: &'static str,
    master_url: String,
    alive_master: Option<String>,
    workers_registered: usize,
    workers_expected: usize,
    zookeeper_quorum: bool,
    daemons: Vec<Row>,
    problems: Vec<String>,
    /// Hosts left out by --limit/--skip: not probed, not judged.
    skipped: Vec<String>,
}

pub async fn run(cluster: &Cluster, json: bool, sel: &Selection) -> Result<i32> {
    for n in sel.notices("its daemons") {
        eprintln!("{}", n);
    }
    let included = |h: &str| sel.includes(h);
    // Masters and ZooKeeper servers of hosts left out are probed too (in
    // parallel: at most one probe timeout): the ALIVE master and the quorum
    // are the cluster's, and judging them from a subset would call a
    // healthy cluster down. Only their rows and problems are left out.
    let snap = health::probe(cluster).await;
    let a = health::assess_among(cluster, &snap, &included);
    // Workers' own UIs tell "running but not registered" from "not running".
    let worker_uis: Vec<_> = cluster
        .workers()
        .filter(|h| sel.includes(&h.name))
        .map(|h| {
            let (a, p) = (h.address.clone(), h.spark.worker_webui_port);
            tokio::spawn(async move { health::http_get(&a, p, "/json/").await.is_ok() })
        })
        .collect();
    let mut worker_up = Vec::new();
    for j in worker_uis {
        worker_up.push(j.await.unwrap_or(false));
    }

    let mut rows = Vec::new();
    for (name, mode) in &snap.zookeeper {
        let h = cluster
            .host(name)
            .expect("probe names come from the inventory");
        let detail = match mode {
            health::ZkMode::Down(e) => e.clone(),
            _ => format!("{}:{}", h.address, h.zk.client_port),
        };
        rows.push(Row {
            host: name.clone(),
            address: h.address.clone(),
            daemon: "zookeeper",
            state: mode.label(),
            detail,
        });
    }
    let alive = snap
        .masters
        .iter()
        .find_map(|(_, r)| r.as_ref().ok().filter(|m| m.status == "ALIVE"));
    for (name, r) in &snap.masters {
        let h = cluster
            .host(name)
            .expect("probe names come from the inventory");
        let (state, detail) = match r {
            Ok(m) if m.status == "ALIVE" => (
                m.status.clone(),
                format!(
                    "{} workers, {} cores, {} MiB, {} running apps",
                    m.workers.iter().filter(|w| w.state == "ALIVE").count(),
                    m.cores,
                    m.memory,
                    m.activeapps.len()
                ),
            ),
            Ok(m) => (
                m.status.clone(),
                format!("http://{}:{}", h.address, h.spark.master_webui_port),
            ),
            Err(e) => ("down".into(), e.clone()),
        };
        rows.push(Row {
            host: name.clone(),
            address: h.address.clone(),
            daemon: "master",
            state,
            detail,
        });
    }
    for (h, up) in cluster
        .workers()
        .filter(|h| sel.includes(&h.name))
        .zip(worker_up)
    {
        let reg = alive.and_then(|m| {
            m.workers
                .iter()
                .find(|w| w.host == h.address && w.state == "ALIVE")
        });
        let (state, detail) = match (reg, up) {
            (Some(w), _) => (
                "ALIVE".to_string(),
                format!("{} cores, {} MiB", w.cores, w.memory),
            ),
            (None, true) => (
                "unregistered".to_string(),
                "running, but not registered with an ALIVE master".into(),
            ),
            (None, false) => (
                "down".to_string(),
                format!("no answer on web UI port {}", h.spark.worker_webui_port),
            ),
        };
        rows.push(Row {
            host: h.name.clone(),
            address: h.address.clone(),
            daemon: "worker",
            state,
            detail,
        });
    }
    for h in cluster.hosts.iter().filter(|h| !sel.includes(&h.name)) {
        for (on, daemon) in [
            (h.roles.zookeeper, "zookeeper"),
            (h.roles.master, "master"),
            (h.roles.worker, "worker"),
        ] {
            if on {
                rows.push(Row {
                    host: h.name.clone(),
                    address: h.address.clone(),
                    daemon,
                    state: "skipped".into(),
                    detail: "not checked (--limit/--skip)".into(),
                });
            }
        }
    }
    rows.sort_by(|x, y| {
        (
            cluster.hosts.iter().position(|h| h.name == x.host),
            x.daemon,
        )
            .cmp(&(
                cluster.hosts.iter().position(|h| h.name == y.host),
                y.daemon,
            ))
    });

    let report = Report {
        cluster: &cluster.name,
        health: a.level,
        ha: cluster.ha.name(),
        master_url: cluster.master_url(),
        alive_master: a.alive_master.clone(),
        workers_registered: a.workers_alive,
        workers_expected: a.workers_expected,
        zookeeper_quorum: a.zk_quorum,
        daemons: rows,
        problems: a.problems.clone(),
        skipped: sel.left_out().iter().map(|s| s.to_string()).collect(),
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_table(&report);
    }
    Ok(match a.level {
        Level::Healthy => exit::OK,
        Level::Degraded => exit::DEGRADED,
        Level::Down => exit::DOWN,
    })
}

fn print_table(r: &Report) {
    let label = match r.health {
        Level::Healthy => "HEALTHY",
        Level::Degraded => "DEGRADED",
        Level::Down => "DOWN",
    };
    let skipped = if r.skipped.is_empty() {
        String::new()
    } else {
        format!("; not checked: {}", r.skipped.join(", "))
    };
    println!(
        "cluster {}: {} (HA: {}, workers {}/{}{})",
        r.cluster, label, r.ha, r.workers_registered, r.workers_expected, skipped
    );
    println!("master URL: {}", r.master_url);
    let wh = r
        .daemons
        .iter()
        .map(|d| d.host.len())
        .max()
        .unwrap_or(4)
        .max(4);
    let ws = r
        .daemons
        .iter()
        .map(|d| d.state.len())
        .max()
        .unwrap_or(5)
        .max(5);
    println!(
        "{:wh$}  {:9}  {:ws$}  DETAIL",
        "HOST",
        "DAEMON",
        "STATE",
        wh = wh,
        ws = ws
    );
    for d in &r.daemons {
        println!(
            "{:wh$}  {:9}  {:ws$}  {}",
            d.host,
            d.daemon,
            d.state,
            d.detail,
            wh = wh,
            ws = ws
        );
    }
    if !r.problems.is_empty() {
        println!("problems:");
        for p in &r.problems {
            println!("  - {}", p);
        }
    }
}
