//! Subcommands, and the operations they share: connect, gather facts, start
//! and stop daemons in the right order, and wait (with deadlines) until the
//! cluster proves it works. One file per subcommand.

pub mod deploy;
pub mod ha;
pub mod lifecycle;
pub mod rolling;
pub mod select;
pub mod status;
pub mod wait;

use crate::diag::UsageError;
use crate::dist::{self, LocalDist, Product};
use crate::exec::{self, Conn, ConnectOptions};
use crate::facts::{self, HostFacts};
use crate::health::{self, Level, MasterStatus, ProbeError, Route, ZkMode};
use crate::inventory::{Cluster, Host, ProbeRoute};
use crate::layout::{self, Daemon};
use crate::progress::{HostBar, Progress};
use crate::steps;
use anyhow::{anyhow, bail, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use wait::{wait_until, Verdict, Wait, Waited};

/// Options every subcommand shares.
#[derive(Debug, Clone)]
pub struct Global {
    pub parallel: usize,
    pub connect: ConnectOptions,
    pub quiet: bool,
    /// Remove another run's lock on the hosts (`--break-lock`).
    pub break_lock: bool,
    /// `--limit` / `--skip`: the hosts this run works on (default: all).
    pub select: select::Selection,
}

/// Load the inventory; errors are user errors (exit 2).
pub fn load_inventory(path: &Path) -> Result<Cluster> {
    Ok(crate::inventory::load(path)?)
}

/// Resolve both distributions before touching any host.
pub async fn resolve_dists(cluster: &Cluster) -> Result<(LocalDist, Option<LocalDist>)> {
    let c = cluster.clone();
    tokio::task::spawn_blocking(move || {
        let file = c.file.display().to_string();
        let spark = dist::resolve(
            Product::Spark,
            &c.spark.source,
            &format!("[spark] in {}", file),
        )?;
        let zk = match (&c.zookeeper.source, c.has_zookeeper()) {
            (Some(s), true) => Some(dist::resolve(
                Product::ZooKeeper,
                s,
                &format!("[zookeeper] in {}", file),
            )?),
            _ => None,
        };
        Ok((spark, zk))
    })
    .await?
}

/// A connected cluster: the inventory, one connection per host, progress.
pub struct Session {
    pub cluster: Cluster,
    pub conns: BTreeMap<String, Conn>,
    pub progress: Arc<Progress>,
    pub global: Global,
    /// How health probes reach the daemons (`[ssh] probe`).
    pub route: Route,
    /// Set while this run holds the lock on every host.
    lock: Option<crate::lock::Owner>,
    /// Hosts left out by --limit/--skip whose probes timed out: not probed
    /// again in this run (see `probe`).
    unanswered: std::sync::Mutex<std::collections::BTreeSet<String>>,
}

impl Session {
    /// Connect to the selected hosts (`global.select`; all by default).
    /// Hosts left out get no connection: nothing may index `conns` by them.
    pub async fn open(cluster: Cluster, global: &Global) -> Result<Session> {
        let hosts: Vec<&Host> = cluster
            .hosts
            .iter()
            .filter(|h| global.select.includes(&h.name))
            .collect();
        let names: Vec<&str> = hosts.iter().map(|h| h.name.as_str()).collect();
        let progress = Progress::new(&names, global.quiet);
        // Said first, so an operator reading the log sees at once that this
        // run does not cover the whole cluster.
        for n in global.select.notices("its files and daemons") {
            progress.line(&n);
        }
        progress.line(&format!("connecting to {} hosts", hosts.len()));
        let conns = exec::connect_all(&cluster, &hosts, &global.connect, global.parallel).await?;
        let conns: BTreeMap<String, Conn> =
            conns.into_iter().map(|c| (c.host.clone(), c)).collect();
        let route = match cluster.ssh.probe {
            ProbeRoute::Direct => Route::Direct,
            ProbeRoute::Ssh => {
                // A wait also probes the masters and ZooKeeper servers of
                // hosts left out by --limit/--skip (the quorum or the ALIVE
                // master may be there): connect to those for probing only,
                // in the background, so an unreachable one (often why it
                // was left out) delays nothing; its probes fail at once
                // while it is still connecting.
                let pending = cluster
                    .hosts
                    .iter()
                    .filter(|h| !global.select.includes(&h.name))
                    .filter(|h| h.roles.zookeeper || h.roles.master)
                    .map(|h| {
                        let (c, h, o) = (cluster.clone(), h.clone(), global.connect.clone());
                        let name = h.name.clone();
                        (
                            name,
                            tokio::spawn(async move { exec::connect_for_probes(&c, &h, &o).await }),
                            health::PROBE_TIMEOUT,
                        )
                    })
                    .collect();
                Route::over_ssh(conns.values().cloned(), pending)
            }
        };
        Ok(Session {
            cluster,
            conns,
            progress,
            global: global.clone(),
            route,
            lock: None,
            unanswered: Default::default(),
        })
    }

    /// Connect and take the cluster's lock on every host (for commands that
    /// change hosts). Fails, changing nothing, if another run holds it.
    pub async fn open_locked(cluster: Cluster, global: &Global, command: &str) -> Result<Session> {
        let mut s = Session::open(cluster, global).await?;
        match s.acquire_lock(command).await {
            Ok(()) => Ok(s),
            Err(e) => {
                s.close().await;
                Err(e)
            }
        }
    }

    async fn acquire_lock(&mut self, command: &str) -> Result<()> {
        use crate::lock::{acquire_script, parse_outcome, Outcome};
        let me = crate::lock::Owner::me(command);
        let name = self.cluster.name.clone();
        let force = self.global.break_lock;
        let results = self
            .each_host(self.hosts(), |conn, _host, _bar| {
                let (name, me) = (name.clone(), me.clone());
                async move {
                    let mut o = parse_outcome(
                        &conn
                            .run("take the lock", &acquire_script(&name, &me, force))
                            .await?
                            .stdout,
                    );
                    if let Outcome::Held(owner) = &o {
                        // sparkctl killed on this machine (not merely one
                        // with the same host name): its lock can go.
                        if owner.is_stale_here() {
                            o = parse_outcome(
                                &conn
                                    .run("break a stale lock", &acquire_script(&name, &me, true))
                                    .await?
                                    .stdout,
                            );
                        }
                    }
                    Ok(o)
                }
            })
            .await?;
        let mut held = Vec::new();
        for (host, o) in &results {
            if let Outcome::Held(owner) = o {
                let age = crate::lock::Owner::me("")
                    .started
                    .saturating_sub(owner.started);
                held.push(format!(
                    "host {}: held by `sparkctl {}` (pid {} on {}) for {} s",
                    host,
                    owner.command,
                    owner.pid,
                    owner.place(),
                    age
                ));
            }
        }
        self.lock = Some(me);
        if !held.is_empty() {
            self.release_lock().await;
            bail!(
                "another sparkctl run is changing cluster {}; nothing was changed:\n  {}\n  = help: wait for it to finish; if you are sure it is gone, run again with --break-lock",
                self.cluster.name,
                held.join("\n  ")
            );
        }
        Ok(())
    }

    /// Release the lock on every host where we still own it.
    async fn release_lock(&mut self) {
        if let Some(me) = self.lock.take() {
            let script = Arc::new(crate::lock::release_script(&self.cluster.name, &me));
            // All hosts at once: sequential round trips add up on large clusters.
            let mut set = tokio::task::JoinSet::new();
            for c in self.conns.values() {
                let (c, script) = (c.clone(), script.clone());
                set.spawn(async move {
                    let _ = c.run_status("release the lock", &script).await;
                });
            }
            while set.join_next().await.is_some() {}
        }
    }

    pub fn conn(&self, host: &str) -> &Conn {
        &self.conns[host]
    }

    /// The hosts this run works on (`--limit`/`--skip`), in inventory order.
    pub fn hosts(&self) -> Vec<Host> {
        self.cluster
            .hosts
            .iter()
            .filter(|h| self.selected(&h.name))
            .cloned()
            .collect()
    }

    /// Is `name` one of the hosts this run works on?
    pub fn selected(&self, name: &str) -> bool {
        self.global.select.includes(name)
    }

    /// Probe the whole cluster for a wait (`health::probe`). Hosts left out
    /// by --limit/--skip are probed too: the quorum or the ALIVE master may
    /// be on them. But one whose probe timed out is not probed again in
    /// this run and is reported down: an unreachable host would otherwise
    /// add a probe timeout (1.5 s) to every poll of every wait. Selected
    /// hosts are always probed: they are what the waits wait for.
    pub async fn probe(&self) -> health::Snapshot {
        let gone = self
            .unanswered
            .lock()
            .map(|g| g.clone())
            .unwrap_or_default();
        let mut snap =
            health::probe_among(&self.route, &self.cluster, &|h| !gone.contains(h)).await;
        if let Ok(mut g) = self.unanswered.lock() {
            for (h, m) in &snap.zookeeper {
                if matches!(m, ZkMode::Down(e) if e.slow()) && !self.selected(h) {
                    g.insert(h.clone());
                }
            }
            for (h, r) in &snap.masters {
                if matches!(r, Err(e) if e.slow()) && !self.selected(h) {
                    g.insert(h.clone());
                }
            }
        }
        // Keep the snapshot whole (one entry per daemon, inventory order):
        // quorum arithmetic and messages count the whole ensemble.
        let why = || {
            ProbeError::Unreachable(
                "no answer earlier in this run (left out by --limit/--skip)".into(),
            )
        };
        let order = |n: &str| self.cluster.hosts.iter().position(|h| h.name == n);
        for h in self.cluster.zk_hosts().filter(|h| gone.contains(&h.name)) {
            snap.zookeeper.push((h.name.clone(), ZkMode::Down(why())));
        }
        for h in self.cluster.masters().filter(|h| gone.contains(&h.name)) {
            snap.masters.push((h.name.clone(), Err(why())));
        }
        snap.zookeeper.sort_by_key(|(n, _)| order(n));
        snap.masters.sort_by_key(|(n, _)| order(n));
        snap
    }

    /// One master's `/json/`, by the run's probe route.
    pub async fn master(&self, h: &Host) -> Result<health::MasterJson, ProbeError> {
        health::master(&self.route, h).await
    }

    pub async fn close(mut self) {
        self.release_lock().await;
        // The route's own connections first: a connection closes only when
        // no clone of it is left, and the route holds clones of ours.
        std::mem::replace(&mut self.route, Route::Direct)
            .close()
            .await;
        // Closing waits for each SSH master to exit: do it for all at once.
        let mut set = tokio::task::JoinSet::new();
        for (_, c) in std::mem::take(&mut self.conns) {
            set.spawn(c.close());
        }
        while set.join_next().await.is_some() {}
    }

    /// Run `f` for each host in parallel (bounded by --parallel); all errors are collected.
    pub async fn each_host<T, F, Fut>(&self, hosts: Vec<Host>, f: F) -> Result<Vec<(String, T)>>
    where
        T: Send + 'static,
        F: Fn(Conn, Host, HostBar) -> Fut,
        Fut: std::future::Future<Output = Result<T>> + Send + 'static,
    {
        let sem = Arc::new(tokio::sync::Semaphore::new(self.global.parallel.max(1)));
        let mut set = tokio::task::JoinSet::new();
        for (i, h) in hosts.into_iter().enumerate() {
            let bar = self.progress.host(&h.name);
            let fut = f(self.conn(&h.name).clone(), h.clone(), bar);
            let sem = sem.clone();
            set.spawn(async move {
                let _p = sem.acquire_owned().await;
                (i, h.name, fut.await)
            });
        }
        let mut ok = Vec::new();
        let mut errors = Vec::new();
        while let Some(r) = set.join_next().await {
            let (i, name, r) = r?;
            match r {
                Ok(v) => ok.push((i, name, v)),
                Err(e) => errors.push(format!("{:#}", e)),
            }
        }
        if !errors.is_empty() {
            errors.sort();
            bail!("{}", errors.join("\n"));
        }
        ok.sort_by_key(|(i, _, _)| *i);
        Ok(ok.into_iter().map(|(_, n, v)| (n, v)).collect())
    }

    /// Facts of every selected host (`--limit`/`--skip`), in one round trip each.
    pub async fn facts(
        &self,
        spark: Option<&LocalDist>,
        zk: Option<&LocalDist>,
        files: &BTreeMap<String, Vec<String>>,
    ) -> Result<BTreeMap<String, HostFacts>> {
        let scripts: BTreeMap<String, String> = self
            .hosts()
            .iter()
            .map(|h| {
                let dists = spark
                    .map(|s| crate::plan::host_dists(h, s, zk))
                    .unwrap_or_default();
                (
                    h.name.clone(),
                    facts::script(
                        &self.cluster,
                        h,
                        &dists,
                        files.get(&h.name).map(Vec::as_slice).unwrap_or(&[]),
                    ),
                )
            })
            .collect();
        let scripts = Arc::new(scripts);
        let out = self
            .each_host(self.hosts(), |conn, host, _bar| {
                let scripts = scripts.clone();
                async move {
                    let o = conn.run("gather facts", &scripts[&host.name]).await?;
                    Ok(facts::parse(&o.stdout))
                }
            })
            .await?;
        Ok(out.into_iter().collect())
    }

    /// Start `daemon` on `hosts` in parallel. `fingerprints` (host -> hash)
    /// are recorded on each host after a successful start.
    pub async fn start(
        &self,
        daemon: Daemon,
        hosts: Vec<Host>,
        fingerprints: Option<&BTreeMap<String, String>>,
    ) -> Result<()> {
        if hosts.is_empty() {
            return Ok(());
        }
        let launch = steps::Launch::new(&self.cluster, daemon);
        let fp_file = layout::fingerprint_file(&self.cluster, daemon);
        let fps = Arc::new(fingerprints.cloned());
        self.each_host(hosts, move |conn, host, bar| {
            let fp = fps
                .as_ref()
                .as_ref()
                .and_then(|m| m.get(&host.name))
                .map(|f| (f.as_str(), fp_file.as_str()));
            let script = steps::start(&host, daemon, &launch, fp);
            let tail_script = steps::log_tail(&host, daemon, 30, launch.run_as.as_deref());
            async move {
                bar.step(&format!("start {}", daemon.label()));
                let r = conn
                    .run(&format!("start {}", daemon.label()), &script)
                    .await;
                if let Err(e) = r {
                    let tail = conn
                        .run_status("read log", &tail_script)
                        .await
                        .map(|o| o.stdout)
                        .unwrap_or_default();
                    return Err(anyhow!(
                        "{:#}\n  last lines of the {} log on {}:\n{}",
                        e,
                        daemon.label(),
                        host.name,
                        indent(&tail)
                    ));
                }
                bar.finish(&format!("{} started", daemon.label()));
                Ok(())
            }
        })
        .await?;
        Ok(())
    }

    /// Stop `daemon` on `hosts` in parallel and wait for each process to exit.
    pub async fn stop(&self, daemon: Daemon, hosts: Vec<Host>) -> Result<Vec<(String, String)>> {
        let run_as = self.cluster.run_as.clone();
        self.each_host(hosts, move |conn, host, bar| {
            let script = steps::stop(&host, daemon, run_as.as_deref(), 30);
            async move {
                bar.step(&format!("stop {}", daemon.label()));
                let o = conn
                    .run(&format!("stop {}", daemon.label()), &script)
                    .await?;
                let what = if o.stdout.contains("@killed") {
                    "killed (did not exit within 30 s of SIGTERM)"
                } else if o.stdout.contains("@not-running") {
                    "was not running"
                } else {
                    "stopped"
                };
                bar.finish(&format!("{} {}", daemon.label(), what));
                Ok(what.to_string())
            }
        })
        .await
    }

    /// Last log lines of `daemon` on each host, for an error message.
    pub async fn log_tails(&self, daemon: Daemon, hosts: &[&Host]) -> String {
        let mut out = String::new();
        // Hosts left out by --limit/--skip have no connection.
        for h in hosts.iter().filter(|h| self.conns.contains_key(&h.name)) {
            if let Ok(o) = self
                .conn(&h.name)
                .run_status(
                    "read log",
                    &steps::log_tail(h, daemon, 15, self.cluster.run_as.as_deref()),
                )
                .await
            {
                if !o.stdout.trim().is_empty() {
                    out.push_str(&format!(
                        "  last lines of the {} log on {}:\n{}",
                        daemon.label(),
                        h.name,
                        indent(&o.stdout)
                    ));
                }
            }
        }
        out
    }

    /// Fail at once, with its log, if `daemon` has no live process on any
    /// of `hosts` (they do not answer): waiting out the deadline for a JVM
    /// that died at start (its launcher had already said "started") helps
    /// no one.
    async fn fail_if_exited(&self, daemon: Daemon, hosts: &[&Host]) -> Result<()> {
        let mut dead = Vec::new();
        // Hosts left out by --limit/--skip have no connection, and are not waited for.
        for h in hosts.iter().filter(|h| self.conns.contains_key(&h.name)) {
            let script = steps::daemon_alive(h, daemon);
            if let Ok(o) = self
                .conn(&h.name)
                .run_status("check the process", &script)
                .await
            {
                if !o.stdout.contains("alive") {
                    dead.push(*h);
                }
            }
        }
        if dead.is_empty() {
            return Ok(());
        }
        let names: Vec<&str> = dead.iter().map(|h| h.name.as_str()).collect();
        bail!(
            "the {} on {} exited after starting\n{}",
            daemon.label(),
            names.join(", "),
            self.log_tails(daemon, &dead).await
        );
    }

    /// `probe = "direct"`: fail at once, saying why, when daemons that do
    /// not answer from this machine are listening on their hosts (a
    /// firewall in between), instead of waiting out the deadline and then
    /// blaming the daemons.
    async fn fail_if_blocked(&self, snap: &health::Snapshot) -> Result<()> {
        if !self.route.is_direct() {
            return Ok(());
        }
        let mut snap = snap.clone();
        health::route::explain_direct(&mut snap, &self.cluster, &self.conns).await;
        let mut blocked = Vec::new();
        for (h, m) in &snap.zookeeper {
            if let ZkMode::Down(e @ ProbeError::Blocked { .. }) = m {
                blocked.push(format!("zookeeper on {}: {}", h, e));
            }
        }
        for (h, r) in &snap.masters {
            if let Err(e @ ProbeError::Blocked { .. }) = r {
                blocked.push(format!("master on {}: {}", h, e));
            }
        }
        if blocked.is_empty() {
            return Ok(());
        }
        bail!(
            "cannot check the daemons from this machine (`[ssh] probe = \"direct\"`):\n  - {}",
            blocked.join("\n  - ")
        )
    }

    /// Wait until ZooKeeper on every selected ZK host serves, with exactly
    /// one leader and a majority of the whole ensemble serving (with
    /// `--skip`, the servers left out may be down: two of three are a quorum).
    pub async fn wait_zookeeper(&self, deadline: Duration) -> Result<()> {
        let w = Wait::new(deadline, wait::ZK_POLL).exit_checks(wait::EXIT_CHECK);
        let judge = move |snap: health::Snapshot, round: wait::Round| async move {
            let leaders = snap
                .zookeeper
                .iter()
                .filter(|(_, m)| matches!(m, ZkMode::Leader | ZkMode::Standalone))
                .count();
            let serving = snap.zookeeper.iter().filter(|(_, m)| m.serving()).count();
            let selected_serving = snap
                .zookeeper
                .iter()
                .all(|(h, m)| m.serving() || !self.selected(h));
            // Without --limit/--skip this is "every server serving".
            if leaders == 1 && serving * 2 > snap.zookeeper.len() && selected_serving {
                let modes: Vec<String> = snap
                    .zookeeper
                    .iter()
                    .map(|(h, m)| format!("{} {}", h, m.label()))
                    .collect();
                self.progress.line(&format!(
                    "ZooKeeper quorum in {:.1} s: {}",
                    round.elapsed().as_secs_f64(),
                    modes.join(", ")
                ));
                return Ok(Verdict::Done(()));
            }
            if round.check_exits {
                let bad: Vec<&Host> = snap
                    .zookeeper
                    .iter()
                    .filter(|(_, m)| matches!(m, ZkMode::Down(_)))
                    .filter_map(|(h, _)| self.cluster.host(h))
                    .collect();
                self.fail_if_exited(Daemon::ZooKeeper, &bad).await?;
                self.fail_if_blocked(&snap).await?;
            }
            Ok(Verdict::Pending(snap))
        };
        let snap = match wait_until(w, || self.probe(), judge).await? {
            Waited::Done(()) => return Ok(()),
            Waited::Expired(snap) => snap.expect("a probe-first wait judges at least once"),
        };
        let bad: Vec<&Host> = snap
            .zookeeper
            .iter()
            .filter(|(h, m)| !m.serving() && self.selected(h))
            .filter_map(|(h, _)| self.cluster.host(h))
            .collect();
        let states: Vec<String> = snap
            .zookeeper
            .iter()
            .map(|(h, m)| format!("{}: {}", h, m.label()))
            .collect();
        bail!(
            "ZooKeeper did not form a quorum within {} s ({})\n{}",
            deadline.as_secs(),
            states.join(", "),
            self.log_tails(Daemon::ZooKeeper, &bad).await
        );
    }

    /// Wait until exactly one master is ALIVE and every other is STANDBY
    /// (with `--limit`/`--skip`: every selected one; a master left out is
    /// not waited for, but counts when it is the ALIVE one).
    pub async fn wait_masters(&self, deadline: Duration) -> Result<String> {
        self.wait_masters_among(None, deadline).await
    }

    /// Like `wait_masters`, among `only` (names) when given: masters not
    /// started yet are not waited for.
    pub async fn wait_masters_among(
        &self,
        only: Option<&[String]>,
        deadline: Duration,
    ) -> Result<String> {
        // Decided by the typed status; `said` is only for the messages.
        type Seen<'a> = Result<MasterStatus, &'a ProbeError>;
        fn states<'s>(
            snap: &'s health::Snapshot,
            only: Option<&[String]>,
        ) -> Vec<(String, Seen<'s>)> {
            snap.masters
                .iter()
                .filter(|(h, _)| only.is_none_or(|o| o.contains(h)))
                .map(|(h, r)| (h.clone(), r.as_ref().map(|m| m.status.clone())))
                .collect()
        }
        fn said(s: &Seen) -> String {
            match s {
                Ok(st) => st.to_string(),
                Err(e) => format!("no answer ({})", e),
            }
        }
        fn settled(s: &Seen) -> bool {
            s.as_ref().is_ok_and(|s| s.settled())
        }
        let w = Wait::new(deadline, wait::MASTER_POLL).exit_checks(wait::EXIT_CHECK);
        let judge = move |snap: health::Snapshot, round: wait::Round| async move {
            let states = states(&snap, only);
            let alive: Vec<&String> = states
                .iter()
                .filter(|(_, s)| matches!(s, Ok(MasterStatus::Alive)))
                .map(|(h, _)| h)
                .collect();
            let all_settled = states.iter().all(|(h, s)| settled(s) || !self.selected(h));
            if alive.len() == 1 && all_settled {
                let desc: Vec<String> = states
                    .iter()
                    .map(|(h, s)| format!("{} {}", h, said(s)))
                    .collect();
                self.progress.line(&format!(
                    "masters settled in {:.1} s: {}",
                    round.elapsed().as_secs_f64(),
                    desc.join(", ")
                ));
                return Ok(Verdict::Done(alive[0].clone()));
            }
            if round.check_exits {
                let bad: Vec<&Host> = states
                    .iter()
                    .filter(|(_, s)| s.is_err())
                    .filter_map(|(h, _)| self.cluster.host(h))
                    .collect();
                self.fail_if_exited(Daemon::Master, &bad).await?;
                self.fail_if_blocked(&snap).await?;
            }
            Ok(Verdict::Pending(snap))
        };
        let snap = match wait_until(w, || self.probe(), judge).await? {
            Waited::Done(alive) => return Ok(alive),
            Waited::Expired(snap) => snap.expect("a probe-first wait judges at least once"),
        };
        let states = states(&snap, only);
        let bad: Vec<&Host> = states
            .iter()
            .filter(|(h, s)| !settled(s) && self.selected(h))
            .filter_map(|(h, _)| self.cluster.host(h))
            .collect();
        let desc: Vec<String> = states
            .iter()
            .map(|(h, s)| format!("{}: {}", h, said(s)))
            .collect();
        bail!(
            "the masters did not settle (one ALIVE, the rest STANDBY) within {} s: {}\n{}",
            deadline.as_secs(),
            desc.join(", "),
            self.log_tails(Daemon::Master, &bad).await
        );
    }

    /// Wait until the ALIVE master lists every inventory worker ALIVE with
    /// the expected cores and memory.
    pub async fn wait_workers(&self, deadline: Duration) -> Result<health::Assessment> {
        self.wait_workers_among(None, deadline).await
    }

    /// Like `wait_workers`, but when `only` is given, wait just until those
    /// workers are registered (with their expected cores and memory) with an
    /// ALIVE master: during a rolling restart that changes worker resources,
    /// the workers not restarted yet still offer the old ones.
    pub async fn wait_workers_among(
        &self,
        only: Option<&[String]>,
        deadline: Duration,
    ) -> Result<health::Assessment> {
        // The workers waited for that have a problem (by the problem's
        // worker, not its wording).
        let missing = |a: &health::Assessment| -> Vec<&Host> {
            self.cluster
                .workers()
                .filter(|w| only.is_none_or(|o| o.contains(&w.name)) && self.selected(&w.name))
                .filter(|w| a.problems.iter().any(|p| p.worker() == Some(&w.name)))
                .collect()
        };
        let w = Wait::new(deadline, wait::WORKER_POLL).exit_checks(wait::EXIT_CHECK);
        let judge = move |snap: health::Snapshot, round: wait::Round| async move {
            let a = health::assess_among(&self.cluster, &snap, &|h| self.selected(h));
            let done = match only {
                None => a.level == Level::Healthy,
                Some(names) => {
                    a.alive_master.is_some()
                        && !a
                            .problems
                            .iter()
                            .any(|p| p.worker().is_some_and(|w| names.iter().any(|n| n == w)))
                }
            };
            if done {
                self.progress.line(&format!(
                    "{} of {} workers registered in {:.1} s",
                    a.workers_alive,
                    a.workers_expected,
                    round.elapsed().as_secs_f64()
                ));
                return Ok(Verdict::Done(a));
            }
            if round.check_exits {
                self.fail_if_exited(Daemon::Worker, &missing(&a)).await?;
            }
            Ok(Verdict::Pending(a))
        };
        let a = match wait_until(w, || self.probe(), judge).await? {
            Waited::Done(a) => return Ok(a),
            Waited::Expired(a) => a.expect("a probe-first wait judges at least once"),
        };
        bail!(
            "the cluster is not healthy after {} s:\n  - {}\n{}",
            deadline.as_secs(),
            join(&a.problems, "\n  - "),
            self.log_tails(Daemon::Worker, &missing(&a)).await
        );
    }
}

/// `items` as text, separated by `sep` (`join` for anything Display, such
/// as typed problems).
pub fn join<T: std::fmt::Display>(items: &[T], sep: &str) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(sep)
}

pub fn indent(text: &str) -> String {
    text.lines().map(|l| format!("    | {}\n", l)).collect()
}

/// The inventory path: the argument, else $SPARKCTL_INVENTORY, else ./inventory.toml.
pub fn inventory_path(arg: Option<PathBuf>) -> PathBuf {
    arg.or_else(|| std::env::var_os("SPARKCTL_INVENTORY").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("inventory.toml"))
}

/// `sparkctl rest-token`: a bearer token for the masters' REST server, made
/// from the operator's copy of the secret; no host is contacted.
pub fn rest_token(path: &Path, ttl: u64) -> Result<i32> {
    let cluster = load_inventory(path)?;
    let auth = match (&cluster.spark.auth, cluster.spark.rest) {
        (Some(a), true) => a,
        (_, false) => {
            return Err(UsageError(format!(
                "error: {}: the REST submission server is off (`rest` is not true in [spark]); there is nothing to make a token for\n  = help: with `rest = true` and `authenticate = true`, the masters admit REST requests signed with a token from this command",
                path.display()
            ))
            .into())
        }
        (None, true) => {
            return Err(UsageError(format!(
                "error: {}: the REST submission server runs without authentication (`authenticate` is not true in [spark]); it takes no token, and anyone who reaches it can submit code\n  = help: add `authenticate = true` to [spark] and deploy: the masters then admit only signed requests",
                path.display()
            ))
            .into())
        }
    };
    let loaded = crate::secret::load_or_generate(&auth.secret_file)
        .map_err(|e| UsageError(format!("error: {:#}", e)))?;
    if loaded.fresh {
        return Err(UsageError(format!(
            "error: the cluster's secret {} does not exist, so no token can be signed\n  = help: deploy first (it generates the secret), or copy the hosts' secret here",
            auth.secret_file.display()
        ))
        .into());
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    crate::outln!("{}", crate::rest::token(&loaded.secret, now, ttl));
    Ok(crate::diag::exit::OK)
}

/// `sparkctl check`: validate and render locally; no host is contacted.
pub fn check(path: &Path) -> Result<i32> {
    let cluster = load_inventory(path)?;
    let renderer = crate::render::Renderer::new(&cluster)?;
    // The inventory's validation applies `dist::check_name`, the rule
    // `deploy` applies to the real files: a name `assumed` cannot read is
    // refused there, with its location. Never render without ZooKeeper's
    // files because its name could not be read.
    let spark = LocalDist::assumed(Product::Spark, &cluster.spark.source)
        .ok_or_else(|| anyhow!("cannot name the Spark tarball"))?;
    let zk = match (&cluster.zookeeper.source, cluster.has_zookeeper()) {
        (Some(s), true) => Some(
            LocalDist::assumed(Product::ZooKeeper, s)
                .ok_or_else(|| anyhow!("cannot name the ZooKeeper tarball"))?,
        ),
        _ => None,
    };
    let dists = crate::render::Dists {
        spark: &spark,
        zookeeper: zk.as_ref(),
    };
    let mut n = 0;
    for h in &cluster.hosts {
        n += renderer.host_files(&cluster, &dists, h)?.len();
    }
    crate::outln!(
        "{}: ok ({} hosts, HA {}, {} masters, {} workers, {} ZooKeeper servers, {} files rendered)",
        path.display(),
        cluster.hosts.len(),
        cluster.ha.name(),
        cluster.masters().count(),
        cluster.workers().count(),
        cluster.zk_hosts().count(),
        n
    );
    Ok(crate::diag::exit::OK)
}
