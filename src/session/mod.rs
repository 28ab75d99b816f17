//! The engine every subcommand drives: a [`Session`] is a connected
//! cluster (one SSH connection per selected host, the run's lock, progress
//! and the probe route), and what it can do is split by job:
//!
//! * here: connect, lock, run a script on each host, gather facts, probe;
//! * `daemons.rs`: start and stop daemons, and read their logs when they fail;
//! * `wait.rs`: wait (with deadlines) until the cluster proves it works;
//! * `rolling.rs`: restarts that keep the cluster serving;
//! * `decommission.rs`: workers let go of their executors before they stop;
//! * `converge.rs`: the order daemons start and stop in;
//! * `select.rs`: which hosts a partial run (`--limit`/`--skip`) covers;
//! * `probes.rs`: how the daemons are asked (the probe route);
//! * `concurrent.rs`: probes of several hosts awaited at once.
//!
//! The session is generic over its hosts ([`Remote`]) and its probes
//! ([`Probes`]), defaulting to the real ones (SSH connections and the
//! probe route), so that unit tests drive this code with fake hosts
//! (`fake.rs`) that record the scripts and answer as the cluster would.
//!
//! Subcommands (`command::*`) decide *what* to do; this module is *how*, so
//! that every daemon goes through the same start, stop and wait code.

mod concurrent;
pub mod converge;
mod daemons;
mod decommission;
#[cfg(test)]
pub(crate) mod fake;
pub mod probes;
pub mod rolling;
pub mod select;
pub mod wait;

use crate::command::Global;
use crate::dist::LocalDist;
use crate::exec::{self, Conn, Remote};
use crate::facts::{self, HostFacts};
use crate::health::{self, ProbeError, Route, ZkMode};
use crate::inventory::{Cluster, Host};
use crate::progress::{HostBar, Progress};
use anyhow::{bail, Result};
pub use probes::Probes;
use std::collections::BTreeMap;
use std::sync::Arc;

/// A connected cluster: the inventory, one connection per host, progress.
pub struct Session<R = Conn, P = Route> {
    pub cluster: Cluster,
    pub conns: BTreeMap<String, R>,
    pub progress: Arc<Progress>,
    pub global: Global,
    /// How health probes reach the daemons (`[ssh] probe`).
    pub route: P,
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
        // A wait also probes the masters and ZooKeeper servers of hosts
        // left out by --limit/--skip (the quorum or the ALIVE master may be
        // there): connect to those for probing only, in the background, so
        // an unreachable one (often why it was left out) delays nothing;
        // its probes fail at once while it is still connecting.
        let left_out = cluster
            .hosts
            .iter()
            .filter(|h| !global.select.includes(&h.name))
            .filter(|h| h.roles.zookeeper || h.roles.master)
            .map(|h| (h, health::PROBE_TIMEOUT));
        let route = probes::route(&cluster, &global.connect, conns.values().cloned(), left_out);
        Ok(Session::from_parts(cluster, conns, progress, global, route))
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
}

impl<R: Remote, P: Probes<R>> Session<R, P> {
    /// A session over hosts already connected, and its probes.
    fn from_parts(
        cluster: Cluster,
        conns: BTreeMap<String, R>,
        progress: Arc<Progress>,
        global: &Global,
        route: P,
    ) -> Session<R, P> {
        Session {
            cluster,
            conns,
            progress,
            global: global.clone(),
            route,
            lock: None,
            unanswered: Default::default(),
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

    pub fn conn(&self, host: &str) -> &R {
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
        let mut snap = self
            .route
            .snapshot(&self.cluster, &|h| !gone.contains(h))
            .await;
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
        self.route.master(h).await
    }

    pub async fn close(mut self) {
        self.release_lock().await;
        let Session { route, conns, .. } = self;
        // The route's own connections first: a connection closes only when
        // no clone of it is left, and the route holds clones of ours.
        route.close().await;
        // Closing waits for each SSH master to exit: do it for all at once.
        let mut set = tokio::task::JoinSet::new();
        for c in conns.into_values() {
            set.spawn(c.close());
        }
        while set.join_next().await.is_some() {}
    }

    /// Run `f` for each host in parallel (bounded by --parallel); all errors are collected.
    pub async fn each_host<T, F, Fut>(&self, hosts: Vec<Host>, f: F) -> Result<Vec<(String, T)>>
    where
        T: Send + 'static,
        F: Fn(R, Host, HostBar) -> Fut,
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

#[cfg(test)]
mod tests;
