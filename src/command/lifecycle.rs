//! `sparkctl start` and `sparkctl stop`: start-all / stop-all done from the
//! operator's machine (no master-to-worker SSH). Start: ZooKeeper -> masters
//! -> workers, each phase verified. Stop: workers -> masters -> ZooKeeper,
//! each daemon waited for until its process has exited.

use super::{Global, Session};
use crate::diag::exit;
use crate::inventory::{Cluster, Host};
use crate::layout::{self, Daemon};
use crate::plan;
use anyhow::{bail, Result};
use std::collections::BTreeMap;
use std::time::Duration;

pub async fn start(cluster: Cluster, global: &Global) -> Result<i32> {
    let s = Session::open(cluster, global).await?;
    let r = start_all(&s).await;
    s.close().await;
    r
}

async fn start_all(s: &Session) -> Result<i32> {
    let c = &s.cluster;
    let facts = s.facts(None, None, &BTreeMap::new()).await?;
    let mut missing = Vec::new();
    for h in &c.hosts {
        let f = &facts[&h.name];
        for d in Daemon::ALL.into_iter().filter(|d| d.runs_on(h)) {
            let root = layout::root_of(c, d);
            if !f.current.contains_key(root) {
                missing.push(format!("host {}: {} is not installed ({}/current is missing): run `sparkctl deploy` first", h.name, d.label(), root));
            }
        }
    }
    missing.dedup();
    if !missing.is_empty() {
        bail!("{}", missing.join("\n"));
    }
    let not_running = |d: Daemon| -> Vec<Host> {
        c.hosts
            .iter()
            .filter(|h| d.runs_on(h) && !facts[&h.name].running.contains_key(&d))
            .cloned()
            .collect()
    };
    for d in plan::start_order() {
        let hosts = not_running(d);
        if !hosts.is_empty() {
            s.progress
                .line(&format!("starting {} on {}", d.label(), names(&hosts)));
        }
        s.start(d, hosts, None).await?;
        match d {
            Daemon::ZooKeeper if c.has_zookeeper() => {
                s.wait_zookeeper(Duration::from_secs(60)).await?
            }
            Daemon::Master => {
                s.wait_masters(Duration::from_secs(90)).await?;
            }
            Daemon::Worker => {
                s.wait_workers(Duration::from_secs(120)).await?;
            }
            _ => {}
        }
    }
    println!(
        "cluster {} started in {:.1} s: {}",
        c.name,
        s.progress.elapsed().as_secs_f64(),
        c.master_url()
    );
    Ok(exit::OK)
}

pub async fn stop(cluster: Cluster, global: &Global) -> Result<i32> {
    let s = Session::open(cluster, global).await?;
    let r = stop_all(&s).await;
    s.close().await;
    r
}

async fn stop_all(s: &Session) -> Result<i32> {
    let c = &s.cluster;
    for d in plan::stop_order() {
        let hosts: Vec<Host> = c.hosts.iter().filter(|h| d.runs_on(h)).cloned().collect();
        if hosts.is_empty() {
            continue;
        }
        s.progress
            .line(&format!("stopping {} on {}", d.label(), names(&hosts)));
        s.stop(d, hosts).await?;
    }
    // Verify: no daemon of ours is left on any host.
    let facts = s.facts(None, None, &BTreeMap::new()).await?;
    let left: Vec<String> = facts
        .iter()
        .flat_map(|(h, f)| {
            f.running
                .iter()
                .map(move |(d, pid)| format!("{} on {} (pid {})", d.label(), h, pid))
        })
        .collect();
    if !left.is_empty() {
        bail!("still running after stop: {}", left.join(", "));
    }
    println!(
        "cluster {} stopped in {:.1} s",
        c.name,
        s.progress.elapsed().as_secs_f64()
    );
    Ok(exit::OK)
}

fn names(hosts: &[Host]) -> String {
    hosts
        .iter()
        .map(|h| h.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
