//! `sparkctl uninstall`: stop every daemon, then remove what sparkctl put
//! on the selected hosts (its trees, `current` links and state, which holds
//! the uploads, fingerprints, the daemons' secret and the recorded
//! membership); the daemons' data and logs only with `--purge`, which asks
//! first. Re-runnable: what is gone is not looked for again, and a run
//! that found nothing to stop or remove says so.

use super::Global;
use crate::diag::{exit, UsageError};
use crate::dist::Product;
use crate::inventory::{Cluster, Host};
use crate::layout;
use crate::session::converge::stop_order;
use crate::session::Session;
use crate::steps;
use anyhow::Result;
use std::io::IsTerminal;

/// `sparkctl uninstall`'s flags (see `cli::Command::Uninstall`).
#[derive(Debug, Clone, Copy)]
pub struct Args {
    pub purge: bool,
    pub yes: bool,
}

pub async fn run(cluster: Cluster, global: &Global, a: Args) -> Result<i32> {
    // Asked before any host is contacted: a refusal changes nothing.
    if a.purge && !confirm_purge(&cluster, global, a.yes)? {
        eprintln!("not confirmed: nothing was changed");
        return Ok(exit::USAGE);
    }
    let s = Session::open_locked(cluster, global, "uninstall").await?;
    let r = uninstall(&s, a.purge).await;
    s.close().await;
    r
}

async fn uninstall(s: &Session, purge: bool) -> Result<i32> {
    let c = &s.cluster;
    let mut stopped = 0;
    for d in stop_order() {
        let hosts: Vec<Host> = s.hosts().into_iter().filter(|h| d.runs_on(h)).collect();
        if hosts.is_empty() {
            continue;
        }
        let what = s.stop(d, hosts).await?;
        stopped += what.iter().filter(|(_, w)| w != "was not running").count();
    }
    let roots = [
        layout::product_root(c, Product::Spark).to_string(),
        layout::product_root(c, Product::ZooKeeper).to_string(),
    ];
    let cluster = c.clone();
    let removed = s
        .each_host(s.hosts(), move |conn, host, bar| {
            let roots: Vec<&str> = roots.iter().map(String::as_str).collect();
            let script = steps::uninstall(&roots, &purge_dirs(&cluster, &host, purge));
            async move {
                bar.step("remove sparkctl's files");
                let o = conn.run("uninstall", &script).await?;
                let removed: Vec<String> = steps::tagged(&o.stdout, "removed")
                    .map(str::to_string)
                    .collect();
                bar.finish(&match removed.len() {
                    0 => "nothing to remove".to_string(),
                    n => format!("removed {} paths", n),
                });
                Ok(removed)
            }
        })
        .await?;
    let paths: usize = removed.iter().map(|(_, r)| r.len()).sum();
    if stopped == 0 && paths == 0 {
        crate::outln!(
            "cluster {}: nothing to uninstall: no daemon running, none of sparkctl's files on {}",
            c.name,
            hosts(removed.len())
        );
    } else {
        crate::outln!(
            "cluster {} uninstalled in {:.1} s: {} daemons stopped, {} paths removed on {}",
            c.name,
            s.progress.elapsed().as_secs_f64(),
            stopped,
            paths,
            hosts(removed.len())
        );
    }
    if !purge {
        crate::outln!("Kept:        logs, pid files and data directories (ZooKeeper data, worker dirs, event logs); `uninstall --purge` removes them");
    }
    for n in s.global.select.notices("its daemons and files") {
        crate::outln!("Not done:    {}", n);
    }
    Ok(exit::OK)
}

fn hosts(n: usize) -> String {
    format!("{} host{}", n, if n == 1 { "" } else { "s" })
}

/// What `--purge` removes on `host`: every directory sparkctl makes for
/// its roles (`plan::host_dirs`: logs, pids, worker and scratch dirs,
/// recovery, event logs, ZooKeeper data), except the shared system
/// scratch directories (`/tmp`), which are never sparkctl's.
fn purge_dirs(cluster: &Cluster, host: &Host, purge: bool) -> Vec<String> {
    if !purge {
        return Vec::new();
    }
    crate::plan::host_dirs(cluster, host)
        .into_iter()
        .filter(|d| !crate::ownership::SHARED.contains(&crate::ownership::normalize(d)))
        .collect()
}

/// `--yes`, or the operator's "yes" on the terminal. Without a terminal
/// there is nobody to ask: refused, as deleting data must be explicit.
fn confirm_purge(cluster: &Cluster, global: &Global, yes: bool) -> Result<bool> {
    if yes {
        return Ok(true);
    }
    let hosts: Vec<&str> = cluster
        .hosts
        .iter()
        .filter(|h| global.select.includes(&h.name))
        .map(|h| h.name.as_str())
        .collect();
    if !std::io::stdin().is_terminal() {
        return Err(UsageError(format!(
            "error: uninstall --purge deletes the data of cluster {} (ZooKeeper data, worker dirs, event logs, logs) on {}: refusing without confirmation\n  = help: pass --yes to confirm, or run it on a terminal to be asked",
            cluster.name,
            hosts.join(", ")
        ))
        .into());
    }
    eprint!(
        "uninstall --purge deletes the data of cluster {} (ZooKeeper data, worker dirs, event logs, logs) on {}. Proceed? [y/N] ",
        cluster.name,
        hosts.join(", ")
    );
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}
