//! `sparkctl deploy`: install, configure, start and verify, converging from
//! whatever state the hosts are in. Order of work:
//!
//! 1. inventory, distributions and every host's files, all checked locally
//!    (a bad template or tarball stops the run before any host is touched);
//! 2. connect, gather facts, preflight (Java, disk, ports) on every host:
//!    any problem stops the run before anything changes;
//! 3. per host in parallel: upload, unpack, write files, flip `current`;
//! 4. ZooKeeper (wait for quorum) -> masters (wait for one ALIVE, the rest
//!    STANDBY) -> workers (wait until all are registered);
//! 5. summary.

use super::{resolve_dists, Global, Session};
use crate::health;
use crate::inventory::{Cluster, Host};
use crate::layout::Daemon;
use crate::plan::{self, HostPlan};
use crate::render::{ConfigFile, Dists, Renderer};
use crate::steps;
use anyhow::{bail, Result};
use std::collections::BTreeMap;
use std::time::Duration;

pub struct Args {
    pub dry_run: bool,
}

pub async fn run(cluster: Cluster, global: &Global, args: &Args) -> Result<i32> {
    let renderer = Renderer::new(&cluster)?;
    let (spark, zk) = resolve_dists(&cluster).await?;
    let dists = Dists {
        spark: &spark,
        zookeeper: zk.as_ref(),
    };
    let mut files: BTreeMap<String, Vec<ConfigFile>> = BTreeMap::new();
    for h in &cluster.hosts {
        files.insert(h.name.clone(), renderer.host_files(&cluster, &dists, h)?);
    }
    let paths: BTreeMap<String, Vec<String>> = files
        .iter()
        .map(|(h, fs)| (h.clone(), fs.iter().map(|f| f.path.clone()).collect()))
        .collect();

    let session = Session::open(cluster.clone(), global).await?;
    let result = deploy(&session, &spark, zk.as_ref(), &files, &paths, args).await;
    session.close().await;
    result
}

async fn deploy(
    s: &Session,
    spark: &crate::dist::LocalDist,
    zk: Option<&crate::dist::LocalDist>,
    files: &BTreeMap<String, Vec<ConfigFile>>,
    paths: &BTreeMap<String, Vec<String>>,
    args: &Args,
) -> Result<i32> {
    let c = &s.cluster;
    s.progress.line("gathering facts");
    let facts = s.facts(Some(spark), zk, paths).await?;

    let mut plans: BTreeMap<String, HostPlan> = BTreeMap::new();
    let mut problems = Vec::new();
    for h in &c.hosts {
        let dists = plan::host_dists(h, spark, zk);
        let p = plan::plan_host(c, h, &dists, &files[&h.name], &facts[&h.name]);
        problems.extend(plan::preflight(h, &dists, &facts[&h.name], &p));
        plans.insert(h.name.clone(), p);
    }
    if !problems.is_empty() {
        bail!(
            "preflight failed; nothing was changed on any host:\n  - {}",
            problems.join("\n  - ")
        );
    }

    for h in &c.hosts {
        s.progress
            .line(&format!("plan {}: {}", h.name, describe(&plans[&h.name])));
    }
    if args.dry_run {
        print_dry_run(c, &plans);
        return Ok(crate::diag::exit::OK);
    }

    // Files: upload, unpack, write, link; hosts in parallel.
    let changing: Vec<Host> = c
        .hosts
        .iter()
        .filter(|h| !plans[&h.name].files_unchanged())
        .cloned()
        .collect();
    let plans_arc = std::sync::Arc::new(plans.clone());
    s.each_host(changing, |conn, host, bar| {
        let p = plans_arc[&host.name].clone();
        async move {
            for i in &p.installs {
                if i.upload {
                    bar.upload(&i.dist.file_name, i.dist.size);
                    let b = bar.clone();
                    conn.run_with_file(
                        &format!("upload {}", i.dist.file_name),
                        &steps::upload(&i.root, &i.dist),
                        &i.dist.path,
                        move |n| b.bytes(n),
                    )
                    .await?;
                }
                bar.step(&format!("unpack {}", i.dist.file_name));
                conn.run(
                    &format!("unpack {}", i.dist.file_name),
                    &steps::install(&i.root, &i.dist),
                )
                .await?;
            }
            if !p.writes.is_empty() || !p.mkdirs.is_empty() {
                bar.step(&format!("write {} files", p.writes.len()));
                conn.run(
                    "write config files",
                    &steps::write_files(&p.mkdirs, &p.writes),
                )
                .await?;
            }
            for (root, dir) in &p.links {
                conn.run(&format!("link {}/current", root), &steps::link(root, dir))
                    .await?;
            }
            bar.finish(&describe_files(&p));
            Ok(())
        }
    })
    .await?;

    // Daemons, in order, each phase verified before the next.
    let hosts_with = |d: Daemon, restart: bool| -> Vec<Host> {
        c.hosts
            .iter()
            .filter(|h| {
                let p = &plans[&h.name];
                if restart {
                    p.restart.contains(&d)
                } else {
                    p.start.contains(&d)
                }
            })
            .cloned()
            .collect()
    };
    let (restart_of, start_of) = (true, false);
    let fps = |d: Daemon| -> BTreeMap<String, String> {
        plans
            .iter()
            .filter_map(|(h, p)| p.fingerprints.get(&d).map(|f| (h.clone(), f.clone())))
            .collect()
    };

    if c.has_zookeeper() {
        // Restart changed ZooKeeper servers one at a time so the quorum survives.
        for h in hosts_with(Daemon::ZooKeeper, restart_of) {
            s.progress.line(&format!(
                "restarting zookeeper on {} (one at a time: the quorum stays up)",
                h.name
            ));
            s.stop(Daemon::ZooKeeper, vec![h.clone()]).await?;
            s.start(Daemon::ZooKeeper, vec![h], Some(&fps(Daemon::ZooKeeper)))
                .await?;
            s.wait_zookeeper(Duration::from_secs(60)).await?;
        }
        s.start(
            Daemon::ZooKeeper,
            hosts_with(Daemon::ZooKeeper, start_of),
            Some(&fps(Daemon::ZooKeeper)),
        )
        .await?;
        s.wait_zookeeper(Duration::from_secs(60)).await?;
    }

    // Masters: standbys first, the ALIVE one last, so there is at most one failover.
    let mut restart_masters = hosts_with(Daemon::Master, restart_of);
    if !restart_masters.is_empty() {
        let snap = health::probe(c).await;
        let alive: Vec<String> = snap
            .masters
            .iter()
            .filter(|(_, r)| r.as_ref().is_ok_and(|m| m.status == "ALIVE"))
            .map(|(h, _)| h.clone())
            .collect();
        restart_masters.sort_by_key(|h| alive.contains(&h.name));
        for h in restart_masters {
            s.progress.line(&format!("restarting master on {}", h.name));
            s.stop(Daemon::Master, vec![h.clone()]).await?;
            s.start(Daemon::Master, vec![h], Some(&fps(Daemon::Master)))
                .await?;
            s.wait_masters(Duration::from_secs(120)).await?;
        }
    }
    s.start(
        Daemon::Master,
        hosts_with(Daemon::Master, start_of),
        Some(&fps(Daemon::Master)),
    )
    .await?;
    s.wait_masters(Duration::from_secs(90)).await?;

    let restart_workers = hosts_with(Daemon::Worker, restart_of);
    if !restart_workers.is_empty() {
        s.stop(Daemon::Worker, restart_workers.clone()).await?;
        s.start(Daemon::Worker, restart_workers, Some(&fps(Daemon::Worker)))
            .await?;
    }
    s.start(
        Daemon::Worker,
        hosts_with(Daemon::Worker, start_of),
        Some(&fps(Daemon::Worker)),
    )
    .await?;
    let a = s.wait_workers(Duration::from_secs(120)).await?;

    print_summary(s, &plans, &a).await;
    Ok(crate::diag::exit::OK)
}

/// One line: what the plan does on a host.
pub fn describe(p: &HostPlan) -> String {
    let mut parts = Vec::new();
    for i in &p.installs {
        if i.upload {
            parts.push(format!(
                "upload {} ({} MiB)",
                i.dist.file_name,
                i.dist.size / (1 << 20)
            ));
        }
        parts.push(format!("unpack {}", i.dist.dir_name));
    }
    if !p.writes.is_empty() {
        let names: Vec<&str> = p
            .writes
            .iter()
            .map(|f| f.path.rsplit('/').next().unwrap_or(&f.path))
            .collect();
        parts.push(format!("write {}", names.join(", ")));
    }
    for (root, dir) in &p.links {
        parts.push(format!("link {}/current -> {}", root, dir));
    }
    let ds = |set: &std::collections::BTreeSet<Daemon>| {
        set.iter().map(|d| d.label()).collect::<Vec<_>>().join(", ")
    };
    if !p.restart.is_empty() {
        parts.push(format!("restart {}", ds(&p.restart)));
    }
    if !p.start.is_empty() {
        parts.push(format!("start {}", ds(&p.start)));
    }
    if parts.is_empty() {
        "no changes".into()
    } else {
        parts.join("; ")
    }
}

fn describe_files(p: &HostPlan) -> String {
    let n = p.installs.len();
    let up = p.installs.iter().filter(|i| i.upload).count();
    format!(
        "files ready ({} uploaded, {} unpacked, {} written)",
        up,
        n,
        p.writes.len()
    )
}

fn print_dry_run(c: &Cluster, plans: &BTreeMap<String, HostPlan>) {
    println!("Plan for cluster {} (dry run: nothing was changed)", c.name);
    for h in &c.hosts {
        let p = &plans[&h.name];
        println!(
            "  {:w$}  {}",
            h.name,
            describe(p),
            w = c.hosts.iter().map(|h| h.name.len()).max().unwrap_or(4)
        );
        for f in &p.writes {
            println!("      write {}", f.path);
        }
    }
}

async fn print_summary(s: &Session, plans: &BTreeMap<String, HostPlan>, a: &health::Assessment) {
    let c = &s.cluster;
    let w = c.hosts.iter().map(|h| h.name.len()).max().unwrap_or(4);
    println!(
        "Deployed cluster {} in {:.1} s",
        c.name,
        s.progress.elapsed().as_secs_f64()
    );
    for h in &c.hosts {
        println!("  {:w$}  {}", h.name, describe(&plans[&h.name]), w = w);
    }
    let snap = health::probe(c).await;
    println!("Master URL:  {}", c.master_url());
    let uis: Vec<String> = c
        .masters()
        .map(|h| {
            let st = snap
                .masters
                .iter()
                .find(|(n, _)| *n == h.name)
                .and_then(|(_, r)| r.as_ref().ok())
                .map(|m| m.status.clone())
                .unwrap_or_else(|| "?".into());
            format!(
                "http://{}:{} ({})",
                h.address, h.spark.master_webui_port, st
            )
        })
        .collect();
    println!("Master UIs:  {}", uis.join(", "));
    println!(
        "Workers:     {}/{} registered",
        a.workers_alive, a.workers_expected
    );
    if c.has_zookeeper() {
        let zks: Vec<String> = snap
            .zookeeper
            .iter()
            .map(|(h, m)| {
                format!(
                    "{} ({})",
                    c.host(h)
                        .map(|x| format!("{}:{}", x.address, x.zk.client_port))
                        .unwrap_or_default(),
                    m.label()
                )
            })
            .collect();
        println!("ZooKeeper:   {}", zks.join(", "));
    }
    println!("HA mode:     {}", c.ha.name());
}
