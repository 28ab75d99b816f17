//! `sparkctl start` and `sparkctl stop`: start-all / stop-all done from the
//! operator's machine (no master-to-worker SSH). Start: ZooKeeper -> masters
//! -> workers -> history server -> Connect server, each phase verified. Stop: the reverse,
//! each daemon waited for until its process has exited.
//!
//! With `--limit`/`--skip` only the selected hosts' daemons are started,
//! stopped and waited for (see `Session::hosts`); the waits still judge the
//! cluster whole where it matters (ZooKeeper quorum, one ALIVE master).

use super::Global;
use crate::daemon::Health;
use crate::diag::{exit, UsageError};
use crate::inventory::{Cluster, Host};
use crate::layout::{self, Daemon};
use crate::session::converge::{stop_order, START_ORDER};
use crate::session::rolling::{Revived, RollOptions};
use crate::session::wait;
use crate::session::Session;
use anyhow::{bail, Result};
use std::collections::BTreeMap;
use std::time::Duration;

pub async fn start(cluster: Cluster, global: &Global) -> Result<i32> {
    let s = Session::open_locked(cluster, global, "start").await?;
    let r = start_all(&s).await;
    s.close().await;
    r
}

async fn start_all(s: &Session) -> Result<i32> {
    let c = &s.cluster;
    let facts = s.facts(None, None, &BTreeMap::new()).await?;
    let mut missing = Vec::new();
    for h in &s.hosts() {
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
        s.hosts()
            .into_iter()
            .filter(|h| d.runs_on(h) && !facts[&h.name].running.contains_key(&d))
            .collect()
    };
    for d in START_ORDER {
        let hosts = not_running(d);
        if !hosts.is_empty() {
            s.progress
                .line(&format!("starting {} on {}", d.label(), names(&hosts)));
        }
        s.start(d, hosts, None).await?;
        match d.health() {
            Health::Quorum if c.has_zookeeper() => s.wait_zookeeper(wait::ZK_DEADLINE).await?,
            Health::Leader => {
                s.wait_masters(wait::START_MASTER_DEADLINE).await?;
            }
            Health::Registered => {
                s.wait_workers(wait::WORKER_DEADLINE).await?;
            }
            Health::Serves | Health::Greets | Health::Dispatches => {
                s.wait_serving(d, wait::serving_deadline(d)).await?
            }
            _ => {}
        }
    }
    crate::outln!(
        "cluster {} started in {:.1} s: {}",
        c.name,
        s.progress.elapsed().as_secs_f64(),
        c.master_url()
    );
    left_out(s);
    Ok(exit::OK)
}

/// `graceful`: decommission the workers first, giving their executors
/// this long to leave (`stop --graceful`).
pub async fn stop(cluster: Cluster, global: &Global, graceful: Option<Duration>) -> Result<i32> {
    if graceful.is_some() && !cluster.spark.decommission {
        return Err(UsageError(format!(
            "error: `stop --graceful` needs worker decommissioning, which is off in {}\n  = help: remove `decommission = false` from [spark] (on by default on Spark 3.1 and newer), deploy, then stop --graceful; or stop without --graceful",
            cluster.file.display()
        ))
        .into());
    }
    let s = Session::open_locked(cluster, global, "stop").await?;
    let r = stop_all(&s, graceful).await;
    s.close().await;
    r
}

async fn stop_all(s: &Session, graceful: Option<Duration>) -> Result<i32> {
    let c = &s.cluster;
    for d in stop_order() {
        let hosts: Vec<Host> = s.hosts().into_iter().filter(|h| d.runs_on(h)).collect();
        if hosts.is_empty() {
            continue;
        }
        if d == Daemon::Worker {
            s.decommission_workers(&hosts, graceful).await?;
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
    crate::outln!(
        "cluster {} stopped in {:.1} s",
        c.name,
        s.progress.elapsed().as_secs_f64()
    );
    left_out(s);
    Ok(exit::OK)
}

/// The summary's reminder of hosts left out by --limit/--skip.
fn left_out(s: &Session) {
    for n in s.global.select.notices("its daemons") {
        crate::outln!("Not done:    {}", n);
    }
}

fn names(hosts: &[Host]) -> String {
    hosts
        .iter()
        .map(|h| h.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `sparkctl restart`: everything, rolling or not.
pub async fn restart(
    cluster: Cluster,
    global: &Global,
    rolling: bool,
    roll: &RollOptions,
) -> Result<i32> {
    let s = Session::open_locked(cluster, global, "restart").await?;
    let r = if rolling {
        restart_rolling(&s, roll).await
    } else {
        match stop_all(&s, None).await {
            Ok(_) => start_all(&s).await,
            Err(e) => Err(e),
        }
    };
    s.close().await;
    r
}

async fn restart_rolling(s: &Session, roll: &RollOptions) -> Result<i32> {
    let c = &s.cluster;
    let facts = s.facts(None, None, &BTreeMap::new()).await?;
    let running = |d: Daemon, yes: bool| -> Vec<Host> {
        s.hosts()
            .into_iter()
            .filter(|h| d.runs_on(h) && facts[&h.name].running.contains_key(&d) == yes)
            .collect()
    };
    // Masters that exited while ZooKeeper rolled and were started again:
    // restarted already, not restarted twice.
    let mut revived = Revived::default();
    // What is down is started first: a rolling restart needs a healthy cluster to roll.
    for d in START_ORDER {
        match d.health() {
            Health::Quorum if c.has_zookeeper() => {
                s.start(d, running(d, false), None).await?;
                s.wait_zookeeper(wait::ZK_DEADLINE).await?;
                revived = s
                    .roll_zookeeper(
                        running(d, true),
                        None,
                        running(Daemon::Master, true),
                        None,
                        roll,
                    )
                    .await?;
            }
            Health::Quorum => {}
            Health::Leader => {
                s.start(d, running(d, false), None).await?;
                s.wait_masters(wait::MASTER_DEADLINE).await?;
                if !revived.names().is_empty() {
                    s.progress.line(&format!(
                        "master on {} already restarted (it exited while ZooKeeper restarted and was started again)",
                        revived.names().join(", ")
                    ));
                }
                s.roll_masters(revived.masters_to_roll(running(d, true)), None, roll)
                    .await?;
            }
            Health::Registered => {
                s.start(d, running(d, false), None).await?;
                s.roll_workers(running(d, true), None, roll).await?;
            }
            Health::Serves | Health::Greets | Health::Dispatches => {
                s.start(d, running(d, false), None).await?;
                s.roll_serving(d, running(d, true), None).await?;
                s.wait_serving(d, wait::serving_deadline(d)).await?;
            }
        }
    }
    s.wait_workers(wait::WORKER_DEADLINE).await?;
    crate::outln!(
        "cluster {} restarted (rolling) in {:.1} s",
        c.name,
        s.progress.elapsed().as_secs_f64()
    );
    left_out(s);
    Ok(exit::OK)
}
