//! Restarts that keep the cluster serving: standby masters before the
//! ALIVE one, and before ZooKeeper, which rolls one server at a time (each
//! back as leader or follower before the next: the quorum is never lost;
//! one or two failovers, see `roll_zookeeper`), workers in batches (decommissioned first, see `decommission.rs`), then history and Connect servers one at a time. Used by `deploy` (for changed daemons), `restart
//! --rolling` and `ha enable/disable`.
//!
//! A master running without recovery (no ZooKeeper, no FILESYSTEM) forgets
//! its applications when it restarts, and Spark then tells workers to kill
//! their executors. So before restarting such a master that has running
//! applications we wait for them to finish ("drain"), unless told not to.

use super::wait::{
    self, wait_until, Verdict, Wait, Waited, MASTER_DEADLINE, WORKER_DEADLINE, ZK_DEADLINE,
};
use super::{Probes, Session};
use crate::exec::Remote;
use crate::health;
use crate::inventory::{Ha, Host};
use crate::layout::Daemon;
use anyhow::{bail, Result};
use std::collections::BTreeMap;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct RollOptions {
    /// Workers restarted at once; `None`: [`default_batch`] of the
    /// cluster's workers.
    pub batch: Option<usize>,
    /// How long to wait for applications to finish before restarting a
    /// master without recovery; `None` restarts at once (they will fail).
    pub drain: Option<Duration>,
    /// How long a decommissioned worker's executors get to leave before it
    /// is stopped anyway; `None` stops workers at once (`--no-decommission`).
    /// Only used where the cluster has `[spark] decommission` on.
    pub decommission: Option<Duration>,
}

/// Workers restarted at once when `--batch` is not given: a quarter of
/// the cluster's `workers`, at least one. A batch is capacity the cluster
/// lacks while it restarts (about 3 s a batch on the lab, longer with
/// decommissioning), so a quarter keeps three quarters serving while a
/// 100-worker cluster rolls in 4 batches' time rather than 100.
pub fn default_batch(workers: usize) -> usize {
    (workers / 4).max(1)
}

impl From<&crate::cli::RollArgs> for RollOptions {
    fn from(r: &crate::cli::RollArgs) -> Self {
        RollOptions {
            batch: r.batch.map(usize::from),
            drain: (!r.no_drain).then(|| Duration::from_secs(r.drain_timeout)),
            decommission: (!r.no_decommission).then(|| Duration::from_secs(r.decommission_timeout)),
        }
    }
}

impl Default for RollOptions {
    fn default() -> Self {
        RollOptions {
            batch: None,
            drain: Some(wait::DRAIN_DEADLINE),
            decommission: Some(wait::DECOMMISSION_DEADLINE),
        }
    }
}

/// The masters [`Session::roll_zookeeper`] started again on the way
/// (Spark's masters exit when their ZooKeeper connection is suspended),
/// with their fingerprints recorded: they now run the files on disk, so
/// the masters' phase that follows need not restart them a second time
/// (on the lab that was two more restarts and one more failover per
/// rolling restart). Both callers (`restart --rolling`, deploy) filter
/// their masters through [`Revived::masters_to_roll`].
///
/// It also holds the standby masters restarted *before* ZooKeeper rolled
/// (see [`Session::roll_zookeeper`]): restarted already as well.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Revived {
    revived: Vec<String>,
    before: Vec<String>,
}

impl Revived {
    /// The revived masters' hosts, in the order they were started again.
    pub fn names(&self) -> &[String] {
        &self.revived
    }

    /// `masters` (the ones the masters' phase would restart) without the
    /// revived ones and the standbys restarted before ZooKeeper, in their
    /// order.
    pub fn masters_to_roll(&self, masters: Vec<Host>) -> Vec<Host> {
        masters
            .into_iter()
            .filter(|h| !self.revived.contains(&h.name) && !self.before.contains(&h.name))
            .collect()
    }

    fn add(&mut self, started: Vec<String>) {
        for m in started {
            if !self.revived.contains(&m) {
                self.revived.push(m);
            }
        }
    }
}

impl<R: Remote, P: Probes<R>> Session<R, P> {
    /// Restart ZooKeeper servers one at a time, waiting for each to rejoin.
    /// Returns the masters that exited on the way and were started again,
    /// with `master_fps` recorded (see [`Revived`]).
    ///
    /// `masters` are the masters the caller's masters' phase would restart.
    /// Their standbys are restarted here first, before any ZooKeeper
    /// server: the ALIVE master exits when its connection is suspended,
    /// which restarting the ZooKeeper leader always does, so it is about
    /// to hand over anyway, and it should hand over to a master that
    /// already runs the new files. Restarted (revived) from the new files
    /// itself, it needs no restart of its own afterwards: one failover
    /// fewer and one master restart fewer than rolling ZooKeeper first
    /// and the masters after (on the lab, about 8 s of a rolling restart).
    pub async fn roll_zookeeper(
        &self,
        hosts: Vec<Host>,
        fps: Option<&BTreeMap<String, String>>,
        masters: Vec<Host>,
        master_fps: Option<&BTreeMap<String, String>>,
        opts: &RollOptions,
    ) -> Result<Revived> {
        let mut revived = Revived::default();
        if hosts.is_empty() {
            return Ok(revived);
        }
        let snap = self.probe().await;
        let status = |name: &str| {
            snap.masters
                .iter()
                .find(|(h, _)| h == name)
                .and_then(|(_, r)| r.as_ref().ok().map(|m| m.status.clone()))
        };
        let any_alive = snap
            .masters
            .iter()
            .any(|(h, _)| status(h) == Some(health::MasterStatus::Alive));
        let standbys: Vec<Host> = masters
            .into_iter()
            .filter(|h| any_alive && status(&h.name) == Some(health::MasterStatus::Standby))
            .collect();
        if !standbys.is_empty() {
            revived.before = standbys.iter().map(|h| h.name.clone()).collect();
            self.progress.line(&format!(
                "restarting standby master on {} before ZooKeeper (the ALIVE master exits when ZooKeeper restarts: it hands over to a restarted one)",
                revived.before.join(", ")
            ));
            self.roll_masters(standbys, master_fps, opts).await?;
        }
        // Only masters running now are revived after each step (the caller
        // starts the others itself).
        let facts = self.facts(None, None, &BTreeMap::new()).await?;
        let running: Vec<String> = self
            .cluster
            .masters()
            .filter(|h| {
                // Facts cover the selected hosts only (--limit/--skip).
                facts
                    .get(&h.name)
                    .is_some_and(|f| f.running.contains_key(&Daemon::Master))
            })
            .map(|h| h.name.clone())
            .collect();
        // Followers first, the leader last: restarting the leader forces one
        // leader election (a moment in which the others refuse requests);
        // doing it last means exactly one.
        let mut hosts = hosts;
        let snap = self.probe().await;
        let leader: Option<String> = snap
            .zookeeper
            .iter()
            .find(|(_, m)| *m == health::ZkMode::Leader)
            .map(|(h, _)| h.clone());
        hosts.sort_by_key(|h| Some(&h.name) == leader.as_ref());
        for h in hosts {
            self.keeps_quorum_without(&h).await?;
            self.progress.line(&format!(
                "restarting zookeeper on {} (one server at a time: the quorum stays up)",
                h.name
            ));
            self.stop(Daemon::ZooKeeper, vec![h.clone()]).await?;
            self.start(Daemon::ZooKeeper, vec![h], fps).await?;
            self.wait_zookeeper(ZK_DEADLINE).await?;
            revived.add(self.revive_masters(&running, master_fps).await?);
        }
        Ok(revived)
    }

    /// Refuse to stop the ZooKeeper server on `h` if the others serving now
    /// are no majority of the whole ensemble. Without --limit/--skip every
    /// server was just seen serving, so this always passes; with a server
    /// left out (say hostc is down and skipped), restarting one of the two
    /// left would take the quorum down, and with it the ALIVE master (Spark
    /// masters exit when their ZooKeeper connection is suspended).
    async fn keeps_quorum_without(&self, h: &Host) -> Result<()> {
        let snap = self.probe().await;
        let total = snap.zookeeper.len();
        let others: Vec<&str> = snap
            .zookeeper
            .iter()
            .filter(|(n, m)| *n != h.name && m.serving())
            .map(|(n, _)| n.as_str())
            .collect();
        // A one-server "ensemble" cannot stay up across its own restart
        // whatever we do: only refuse where the others could carry it.
        if others.len() * 2 > total || total.saturating_sub(1) * 2 <= total {
            return Ok(());
        }
        let down: Vec<&str> = snap
            .zookeeper
            .iter()
            .filter(|(n, m)| *n != h.name && !m.serving())
            .map(|(n, _)| n.as_str())
            .collect();
        bail!(
            "restarting zookeeper on {} would leave {} of {} servers serving (not serving: {}): the ensemble would lose its quorum and the masters their leader election; zookeeper on {} was not restarted\n  = help: bring {} back first (then run without --skip/--limit), or run `sparkctl deploy --files-only` now and deploy again once it is back",
            h.name,
            others.len(),
            total,
            down.join(", "),
            h.name,
            down.join(", ")
        );
    }

    /// Start again any inventory master whose process is gone, and wait for
    /// the masters to settle. Needed after any ZooKeeper disruption: Spark's
    /// leader latch gives up leadership as soon as the master's ZooKeeper
    /// connection is *suspended* (its server restarting, or a new ZooKeeper
    /// leader being elected), and the master process then exits. The standby
    /// takes over, but the exited master never comes back by itself.
    ///
    /// Returns the masters it started; `fps` are recorded for them.
    pub async fn revive_masters(
        &self,
        only: &[String],
        fps: Option<&BTreeMap<String, String>>,
    ) -> Result<Vec<String>> {
        if only.is_empty() {
            return Ok(Vec::new());
        }
        // The exit follows the suspension by a moment: let it happen first.
        tokio::time::sleep(wait::SUSPENSION_EXIT_PAUSE).await;
        let facts = self.facts(None, None, &BTreeMap::new()).await?;
        let dead: Vec<Host> = self
            .cluster
            .masters()
            .filter(|h| {
                only.contains(&h.name)
                    && facts
                        .get(&h.name)
                        .is_some_and(|f| !f.running.contains_key(&Daemon::Master))
            })
            .cloned()
            .collect();
        if !dead.is_empty() {
            let names: Vec<&str> = dead.iter().map(|h| h.name.as_str()).collect();
            self.progress.line(&format!(
                "master on {} exited when its ZooKeeper connection was suspended (Spark gives up leadership and exits); starting it again",
                names.join(", ")
            ));
            // Started first: its JVM boots (about 3 s here) while the dead
            // leader's node is found and deleted. Its own latch node comes
            // after every existing one, so it cannot be the lowest.
            self.start(Daemon::Master, dead.clone(), fps).await?;
            self.release_dead_leader().await;
        }
        self.wait_masters_among(Some(only), MASTER_DEADLINE).await?;
        Ok(dead.into_iter().map(|h| h.name).collect())
    }

    /// Restart masters: standbys first, the ALIVE one last.
    pub async fn roll_masters(
        &self,
        mut hosts: Vec<Host>,
        fps: Option<&BTreeMap<String, String>>,
        opts: &RollOptions,
    ) -> Result<()> {
        if hosts.is_empty() {
            return Ok(());
        }
        let snap = self.probe().await;
        let alive: Vec<String> = snap
            .masters
            .iter()
            .filter(|(_, r)| {
                r.as_ref()
                    .is_ok_and(|m| m.status == health::MasterStatus::Alive)
            })
            .map(|(h, _)| h.clone())
            .collect();
        // Wait only for masters that run now (plus the restarted one): new
        // masters are started later by the caller.
        let mut expected: Vec<String> = snap
            .masters
            .iter()
            .filter(|(_, r)| r.is_ok())
            .map(|(h, _)| h.clone())
            .collect();
        hosts.sort_by_key(|h| alive.contains(&h.name));
        for h in hosts {
            let mut latch = None;
            if alive.contains(&h.name) {
                self.drain_if_unrecoverable(&h, opts).await?;
                latch = self.leader_latch().await;
            }
            self.progress
                .line(&format!("restarting master on {}", h.name));
            self.stop(Daemon::Master, vec![h.clone()]).await?;
            if let Some(l) = latch {
                self.hand_over(l).await;
            }
            self.start(Daemon::Master, vec![h.clone()], fps).await?;
            if !expected.contains(&h.name) {
                expected.push(h.name.clone());
            }
            self.wait_masters_among(Some(&expected), MASTER_DEADLINE)
                .await?;
        }
        Ok(())
    }

    /// The ALIVE master's node in the leader latch (the election znode's
    /// child with the lowest sequence number), read just before that
    /// master is stopped, with the ZooKeeper host to ask. `None` without
    /// ZooKeeper HA, or when it cannot be read (the restart then only
    /// takes longer).
    async fn leader_latch(&self) -> Option<(Host, String)> {
        if self.cluster.ha != Ha::Zookeeper {
            return None;
        }
        let zk = self.hosts().into_iter().find(|h| h.roles.zookeeper)?;
        let kids = self.election_participants(&zk).await.ok()?;
        let leader = kids.into_iter().min_by_key(|k| latch_sequence(k))?;
        let node = format!(
            "{}/{}",
            crate::layout::election_znode(&self.cluster),
            leader
        );
        Some((zk, node))
    }

    /// The children of the election znode (one per master in the
    /// election), listed with the distribution's zkCli on `zk`.
    pub async fn election_participants(&self, zk: &Host) -> Result<Vec<String>> {
        let home = crate::layout::current(&self.cluster.zookeeper.install_root);
        let znode = crate::layout::election_znode(&self.cluster);
        let script = crate::steps::zkcli_ls(&home, &zk.address, zk.zk.client_port, &znode);
        let out = self
            .conn(&zk.name)
            .run_status("list the election znode", &script)
            .await?;
        crate::steps::parse_zkcli_ls(&out.stdout).ok_or_else(|| {
            anyhow::anyhow!(
                "unexpected zkCli output: {}",
                out.stdout.lines().last().unwrap_or("")
            )
        })
    }

    /// After the ALIVE master was stopped: its latch node outlives it
    /// until its ZooKeeper session expires (`max_session_timeout`, 6 s by
    /// default here), and only then does a standby win the election (the
    /// master does not close its session on SIGTERM). Deleting the node
    /// hands over at once. Only while no master is ALIVE or recovering: if
    /// one is, leadership has moved already and the node named may be the
    /// new leader's, which must not be touched. Best effort: on failure
    /// the handover just waits for the session, as without this.
    async fn hand_over(&self, latch: (Host, String)) {
        if !self.someone_leads().await {
            self.delete_latch(latch).await;
        }
    }

    /// After masters exited on a ZooKeeper restart (see `revive_masters`):
    /// if the one that led is among them, nobody leads until its session
    /// expires. While nobody leads, the latch's lowest node is the dead
    /// leader's (a live master holding it would be leading), so it is
    /// deleted, as in [`Session::hand_over`].
    async fn release_dead_leader(&self) {
        if self.someone_leads().await {
            return;
        }
        if let Some(latch) = self.leader_latch().await {
            self.delete_latch(latch).await;
        }
    }

    /// A master answers with any state but STANDBY (ALIVE, or recovering
    /// as the new leader).
    async fn someone_leads(&self) -> bool {
        let snap = self.probe().await;
        snap.masters.iter().any(|(_, r)| {
            r.as_ref()
                .is_ok_and(|m| m.status != health::MasterStatus::Standby)
        })
    }

    async fn delete_latch(&self, (zk, node): (Host, String)) {
        let home = crate::layout::current(&self.cluster.zookeeper.install_root);
        let script = crate::steps::zkcli_delete(&home, &zk.address, zk.zk.client_port, &node);
        if let Ok(o) = self
            .conn(&zk.name)
            .run_status("hand the election over", &script)
            .await
        {
            if crate::steps::tagged(&o.stdout, "handover").any(|t| t == "deleted") {
                self.progress.line(
                    "removed the stopped master's election node: a standby takes over now, not when its ZooKeeper session expires",
                );
            }
        }
    }

    /// Restart workers `batch` at a time, each batch registered before the
    /// next; with `[spark] decommission`, each batch is decommissioned
    /// first, so its executors finish their tasks instead of failing them.
    pub async fn roll_workers(
        &self,
        hosts: Vec<Host>,
        fps: Option<&BTreeMap<String, String>>,
        opts: &RollOptions,
    ) -> Result<()> {
        let batch = opts
            .batch
            .unwrap_or_else(|| default_batch(self.cluster.workers().count()));
        for chunk in hosts.chunks(batch.max(1)) {
            let names: Vec<&str> = chunk.iter().map(|h| h.name.as_str()).collect();
            self.progress
                .line(&format!("restarting worker on {}", names.join(", ")));
            self.decommission_workers(chunk, opts.decommission).await?;
            self.stop(Daemon::Worker, chunk.to_vec()).await?;
            self.start(Daemon::Worker, chunk.to_vec(), fps).await?;
            let names: Vec<String> = chunk.iter().map(|h| h.name.clone()).collect();
            self.wait_workers_among(Some(&names), WORKER_DEADLINE)
                .await?;
        }
        Ok(())
    }

    /// Restart history servers one host at a time, each answering before
    /// the next (no quorum or leader to keep: one at a time only keeps a
    /// second one, if any, serving).
    pub async fn roll_history(
        &self,
        hosts: Vec<Host>,
        fps: Option<&BTreeMap<String, String>>,
    ) -> Result<()> {
        self.roll_serving(Daemon::History, hosts, fps).await
    }

    /// Restart a daemon that answers for itself (history, Connect) one
    /// host at a time, each answering before the next. A Connect server's
    /// sessions do not survive its restart (they live in its driver):
    /// clients reconnect, as after any driver restart.
    pub async fn roll_serving(
        &self,
        d: Daemon,
        hosts: Vec<Host>,
        fps: Option<&BTreeMap<String, String>>,
    ) -> Result<()> {
        for h in hosts {
            self.progress.line(&format!(
                "restarting {} on {}",
                wait::serving_words(&self.cluster, d).0,
                h.name
            ));
            self.stop(d, vec![h.clone()]).await?;
            self.start(d, vec![h], fps).await?;
            self.wait_serving(d, wait::serving_deadline(d)).await?;
        }
        Ok(())
    }

    /// Before restarting the ALIVE master `h`: unless it runs with the same
    /// persistent recovery it will restart with (so its applications are
    /// recovered), wait for running applications to finish.
    async fn drain_if_unrecoverable(&self, h: &Host, opts: &RollOptions) -> Result<()> {
        let cmd = crate::steps::daemon_cmdline(h, Daemon::Master, &self.cluster);
        let cmdline = self
            .conn(&h.name)
            .run_status("read the master's command line", &cmd)
            .await?
            .stdout;
        let keeps_state = match &self.cluster.ha {
            Ha::Zookeeper => cmdline.contains("spark.deploy.recoveryMode=ZOOKEEPER"),
            Ha::Filesystem { .. } => cmdline.contains("spark.deploy.recoveryMode=FILESYSTEM"),
            Ha::None => false,
        };
        if keeps_state {
            return Ok(());
        }
        let Some(limit) = opts.drain else {
            return Ok(());
        };
        let mut said = false;
        // Pending: how many applications still run. A master that does
        // not answer ends the wait (nothing to drain from it).
        let drained = wait_until(
            Wait::new(limit, wait::DRAIN_POLL),
            || self.master(h),
            |r, round| {
                let apps = match r {
                    Ok(m) => m.activeapps,
                    Err(_) => return wait::ready(Verdict::Done(())),
                };
                if apps.is_empty() {
                    if said {
                        self.progress.line(&format!(
                            "applications finished after {:.0} s; restarting the master",
                            round.elapsed().as_secs_f64()
                        ));
                    }
                    return wait::ready(Verdict::Done(()));
                }
                if !said {
                    let names: Vec<String> = apps
                        .iter()
                        .map(|a| format!("{} ({})", a.id, a.name))
                        .collect();
                    // A notice (shown with --quiet): it explains a silent
                    // wait of up to --drain-timeout and how to skip it.
                    self.progress.notice(&format!(
                        "the master on {} has {} running application(s) ({}) and cannot carry them across this restart (its recovery mode changes or is off: Spark would forget them and kill their executors); waiting up to {} s for them to finish (--no-drain to restart at once)",
                        h.name,
                        apps.len(),
                        names.join(", "),
                        limit.as_secs()
                    ));
                    said = true;
                }
                wait::ready(Verdict::Pending(apps.len()))
            },
        )
        .await?;
        match drained {
            Waited::Done(()) => Ok(()),
            Waited::Expired(n) => {
                let n = n.expect("a probe-first wait judges at least once");
                bail!("{} application(s) still running on the master on {} after {} s; nothing was restarted. Wait, raise --drain-timeout, or use --no-drain", n, h.name, limit.as_secs());
            }
        }
    }
}

/// The sequence number Curator's leader latch appends to a participant's
/// node (`_c_<uuid>-latch-0000000003`); the lowest leads. A name without
/// one sorts last.
pub(crate) fn latch_sequence(node: &str) -> u64 {
    node.rsplit('-')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::Revived;

    #[test]
    fn the_masters_phase_skips_the_revived_masters_only() {
        let c = crate::session::fake::cluster(&crate::session::fake::inventory(
            crate::session::fake::ABC,
        ));
        let masters: Vec<_> = c.masters().cloned().collect();
        let names = |v: Vec<crate::inventory::Host>| -> Vec<String> {
            v.into_iter().map(|h| h.name).collect()
        };
        assert_eq!(
            names(Revived::default().masters_to_roll(masters.clone())),
            ["a", "b"]
        );
        let mut r = Revived::default();
        r.add(vec!["b".into()]);
        r.add(vec!["b".into(), "x".into()]);
        assert_eq!(r.names(), ["b", "x"]);
        assert_eq!(names(r.masters_to_roll(masters)), ["a"]);
    }
}
