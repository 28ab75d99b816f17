//! Deploy's apply half: the files of every changing host (upload or fetch,
//! unpack, write, link), then the daemons in the start order, each phase
//! verified before the next.

use super::describe_files;
use crate::daemon::Health;
use crate::health;
use crate::inventory::Host;
use crate::layout::Daemon;
use crate::plan::HostPlan;
use crate::session::converge::{stop_order, START_ORDER};
use crate::session::rolling::{Revived, RollOptions};
use crate::session::wait;
use crate::session::Session;
use crate::steps;
use anyhow::Result;
use std::collections::BTreeMap;

/// Upload, unpack, write and link on the hosts whose files change, in parallel.
pub(super) async fn files(
    s: &Session,
    hosts: &[Host],
    plans: &BTreeMap<String, HostPlan>,
) -> Result<()> {
    let c = &s.cluster;
    let changing: Vec<Host> = hosts
        .iter()
        .filter(|h| !plans[&h.name].files_unchanged())
        .cloned()
        .collect();
    let plans_arc = std::sync::Arc::new(plans.clone());
    s.each_host(changing, |conn, host, bar| {
        let p = plans_arc[&host.name].clone();
        let run_as = c.run_as.clone();
        async move {
            for i in &p.installs {
                if i.upload && i.dist.fetch.is_some() {
                    // fetch = "hosts": the host downloads and verifies it.
                    bar.step(&format!("fetch {}", i.dist.file_name));
                    let java = host.spark_java();
                    conn.run(
                        &format!("fetch {}", i.dist.file_name),
                        &steps::fetch(&i.root, &i.dist, &java),
                    )
                    .await?;
                } else if i.upload {
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
                    &steps::install(&i.root, &i.dist, i.upload),
                )
                .await?;
            }
            if let Some((jar, to)) = &p.jar_upload {
                bar.upload(&jar.file_name, jar.size);
                let b = bar.clone();
                conn.run_with_file(
                    &format!("upload {}", jar.file_name),
                    &steps::upload_jar(to, &jar.sha256, &jar.file_name),
                    &jar.local,
                    move |n| b.bytes(n),
                )
                .await?;
            }
            if !p.writes.is_empty() || !p.mkdirs.is_empty() {
                bar.step(&format!("write {} files", p.writes.len()));
                let script = steps::write_files(&p.mkdirs, &p.writes, run_as.as_deref());
                match steps::secret_input(&p.writes) {
                    Some(input) => {
                        conn.run_with_input("write config files", &script, input)
                            .await?
                    }
                    None => conn.run("write config files", &script).await?,
                };
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
    Ok(())
}

/// Start, restart and stop daemons as the plans say, in the start order,
/// and wait until every worker is registered.
pub(super) async fn daemons(
    s: &Session,
    hosts: &[Host],
    plans: &BTreeMap<String, HostPlan>,
    roll: &RollOptions,
) -> Result<health::Assessment> {
    let c = &s.cluster;
    let hosts_with = |d: Daemon, restart: bool| -> Vec<Host> {
        hosts
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

    let orphans = |d: Daemon| -> Vec<Host> {
        hosts
            .iter()
            .filter(|h| plans[&h.name].stop.contains(&d))
            .cloned()
            .collect()
    };
    // The start order is `converge::START_ORDER`; what each daemon's phase
    // does differs by what "up" means for it (ZooKeeper starts before it
    // rolls, masters roll before new ones start), so each has its own arm.
    // Masters that exited while ZooKeeper rolled and were started again
    // from the new files: already restarted.
    let mut revived = Revived::default();
    // New masters are launched right after new ZooKeeper servers, before
    // the quorum is confirmed, when nothing rolls (no server or master
    // restarts, no master to remove): a master's JVM takes about as long
    // to start as a quorum takes to form, and its ZooKeeper client simply
    // connects once a server serves, so the two overlap instead of adding
    // up. With anything to roll the order stays strict: a rolling phase
    // needs a confirmed quorum before it touches a master.
    let masters_early = c.has_zookeeper()
        && hosts_with(Daemon::ZooKeeper, restart_of).is_empty()
        && hosts_with(Daemon::Master, restart_of).is_empty()
        && orphans(Daemon::Master).is_empty()
        && !hosts_with(Daemon::ZooKeeper, start_of).is_empty();
    for d in START_ORDER {
        match d.health() {
            Health::Quorum if c.has_zookeeper() => {
                // Servers that are down first (a quorum needs them), then changed
                // ones one at a time so the quorum is never lost.
                s.start(d, hosts_with(d, start_of), Some(&fps(d))).await?;
                if masters_early {
                    let m = Daemon::Master;
                    s.start(m, hosts_with(m, start_of), Some(&fps(m))).await?;
                }
                s.wait_zookeeper(wait::ZK_DEADLINE).await?;
                revived = s
                    .roll_zookeeper(
                        hosts_with(d, restart_of),
                        Some(&fps(d)),
                        hosts_with(Daemon::Master, restart_of),
                        Some(&fps(Daemon::Master)),
                        roll,
                    )
                    .await?;
            }
            Health::Quorum => {}
            Health::Leader => {
                // Masters whose role was removed go first: a leftover master in the
                // election would keep the others STANDBY or be a second ALIVE one.
                if !orphans(d).is_empty() {
                    s.stop(d, orphans(d)).await?;
                }
                // Masters: changed ones first (standbys before the ALIVE one), then new
                // ones, which join as STANDBY.
                let changed = revived.masters_to_roll(hosts_with(d, restart_of));
                s.roll_masters(changed, Some(&fps(d)), roll).await?;
                if !masters_early {
                    s.start(d, hosts_with(d, start_of), Some(&fps(d))).await?;
                }
                s.wait_masters(wait::MASTER_DEADLINE).await?;
            }
            Health::Registered => {
                s.start(d, hosts_with(d, start_of), Some(&fps(d))).await?;
                s.roll_workers(hosts_with(d, restart_of), Some(&fps(d)), roll)
                    .await?;
            }
            Health::Serves | Health::Greets | Health::Dispatches => {
                // After the workers: drivers write event logs whether or
                // not the history server runs, and the Connect server's
                // executors run on the workers; each waits for nothing
                // and nothing waits for it but its own answer.
                s.start(d, hosts_with(d, start_of), Some(&fps(d))).await?;
                s.roll_serving(d, hosts_with(d, restart_of), Some(&fps(d)))
                    .await?;
                s.wait_serving(d, wait::serving_deadline(d)).await?;
            }
        }
    }
    // The other daemons whose role was removed, in the stop order (the
    // masters' went before the masters' phase, above).
    for d in stop_order()
        .into_iter()
        .filter(|d| d.health() != Health::Leader)
    {
        if !orphans(d).is_empty() {
            s.stop(d, orphans(d)).await?;
        }
    }
    s.wait_workers(wait::WORKER_DEADLINE).await
}

/// After a verified deploy (every daemon now runs on `current`): keep each
/// product's current and previous tree and tarball on `hosts`, remove
/// older ones (`steps::prune`). A failure here is a warning, not a failed
/// deploy: the cluster is converged and healthy, only disk is at stake.
pub(super) async fn prune(s: &Session, hosts: &[Host]) -> Vec<String> {
    let c = &s.cluster;
    let r = s
        .each_host(hosts.to_vec(), |conn, host, _bar| {
            let script: String = [crate::dist::Product::Spark, crate::dist::Product::ZooKeeper]
                .into_iter()
                .filter(|p| !crate::daemon::on_host(&host, *p).is_empty())
                .map(|p| steps::prune(crate::layout::product_root(c, p)))
                .collect();
            async move {
                if script.is_empty() {
                    return Ok(Vec::new());
                }
                let o = conn.run("prune old trees", &script).await?;
                Ok(steps::tagged(&o.stdout, "pruned")
                    .map(|p| format!("{}:{}", host.name, p))
                    .collect::<Vec<_>>())
            }
        })
        .await;
    match r {
        Ok(v) => v.into_iter().flat_map(|(_, p)| p).collect(),
        Err(e) => {
            s.progress.notice(&format!(
                "warning: old distribution trees were not pruned: {:#}",
                e
            ));
            Vec::new()
        }
    }
}
