//! A fake cluster for unit tests of the engine, the way the plan layer is
//! tested on made-up facts: fake hosts ([`FakeHost`]) record every script
//! they are sent and answer as a host would, and fake probes
//! ([`FakeProbes`]) report what those scripts did (a stopped master stops
//! answering, the standby takes over). Tests then drive the real engine
//! code (rolling restarts, waits, start/stop, locks, drills) and read the
//! record. The lab suites stay the end-to-end proof; this fake knows the
//! engine's step names, not what the scripts do.
//!
//! The model, kept small on purpose: a daemon runs once "start D" ran on
//! its host and until "stop D" (or the drill's kill) ran; ZooKeeper serves
//! while a majority of its servers run, one of them leading (the same one
//! until it stops); one running master is ALIVE (the same until it
//! stops), the others STANDBY; the ALIVE master lists every running worker;
//! a running history server answers with no applications, a running
//! Connect server greets.
//! Tests change the model where they need another story: a step that
//! fails, a canned answer, a daemon that runs but never settles, a host
//! that cannot be reached.

use super::{Probes, Session};
use crate::command::Global;
use crate::exec::{Output, Remote, StepError};
use crate::health::{
    AppJson, HistoryJson, MasterJson, MasterStatus, ProbeError, Snapshot, WorkerJson, WorkerState,
    ZkMode,
};
use crate::inventory::{Cluster, Host};
use crate::layout::{self, Daemon};
use anyhow::Result;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// The classic HA cluster of the README's quick start, as shipped in `inventories/abc.toml`:
/// ZooKeeper on a, b and c, masters on a and b, a worker on each.
pub const ABC: &str = "inventories/abc.toml";

/// The text of the example inventory at `path` (relative to the crate:
/// where `cargo test` runs), for tests that add to it.
pub fn inventory(path: &str) -> String {
    std::fs::read_to_string(path).expect("the example inventory")
}

/// The example cluster at `path` with every daemon running.
pub fn running(path: &str) -> (Cluster, World) {
    let c = cluster(&inventory(path));
    let w = World::running_all(&c);
    (c, w)
}

#[derive(Default)]
struct State {
    /// Every (host, step, script), in the order sent; probes of the whole
    /// cluster are recorded too, as host "*" and step "probe", so a test
    /// sees where the engine waited.
    sent: Vec<(String, String, String)>,
    running: BTreeSet<(String, Daemon)>,
    /// Running, but never serving (ZooKeeper) or settled (a master).
    stuck: BTreeSet<(String, Daemon)>,
    unreachable: BTreeSet<String>,
    /// (host, step) -> exit status and stderr.
    failing: BTreeMap<(String, String), (i32, String)>,
    /// (host, step) -> stdout, instead of the model's answer.
    canned: BTreeMap<(String, String), String>,
    zk_leader: Option<String>,
    alive_master: Option<String>,
    /// The applications the ALIVE master runs.
    apps: Vec<AppJson>,
    /// host -> how many more probes of its worker list one executor (a
    /// decommissioned worker's executor finishing its tasks).
    busy: BTreeMap<String, u32>,
    /// host -> how long its worker's UI takes to answer a probe (a hung
    /// UI answering at the probe's timeout).
    slow: BTreeMap<String, std::time::Duration>,
}

/// The fake cluster's state, shared by its hosts and probes.
#[derive(Clone, Default)]
pub struct World(Arc<Mutex<State>>);

impl World {
    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.0.lock().expect("the fake's lock"))
    }

    /// A cluster where every daemon of `cluster` runs (the first
    /// ZooKeeper server will lead and the first master be ALIVE).
    pub fn running_all(cluster: &Cluster) -> World {
        let w = World::default();
        for h in &cluster.hosts {
            for d in Daemon::ALL {
                if d.runs_on(h) {
                    w.start(&h.name, d);
                }
            }
        }
        w
    }

    pub fn start(&self, host: &str, d: Daemon) {
        self.with(|s| s.running.insert((host.into(), d)));
    }
    pub fn kill(&self, host: &str, d: Daemon) {
        self.with(|s| s.running.remove(&(host.into(), d)));
    }
    pub fn is_running(&self, host: &str, d: Daemon) -> bool {
        self.with(|s| s.running.contains(&(host.into(), d)))
    }
    /// `d` on `host` runs but never serves (ZooKeeper) or settles (master).
    pub fn stuck(&self, host: &str, d: Daemon) {
        self.with(|s| s.stuck.insert((host.into(), d)));
    }
    /// The worker on `host` lists an executor for the next `probes` probes.
    pub fn busy(&self, host: &str, probes: u32) {
        self.with(|s| s.busy.insert(host.into(), probes));
    }
    /// The worker UI on `host` takes `d` to answer each probe.
    pub fn slow_worker_ui(&self, host: &str, d: std::time::Duration) {
        self.with(|s| s.slow.insert(host.into(), d));
    }
    /// Probes of `host` fail as for a host that cannot be reached.
    pub fn unreachable(&self, host: &str) {
        self.with(|s| s.unreachable.insert(host.into()));
    }
    /// `step` on `host` exits with `status`, saying `stderr`.
    pub fn fail(&self, host: &str, step: &str, status: i32, stderr: &str) {
        self.with(|s| {
            s.failing
                .insert((host.into(), step.into()), (status, stderr.into()))
        });
    }
    /// `step` on `host` prints `stdout` (and changes nothing).
    pub fn answer(&self, host: &str, step: &str, stdout: &str) {
        self.with(|s| s.canned.insert((host.into(), step.into()), stdout.into()));
    }
    /// The ALIVE master runs these applications.
    pub fn apps(&self, ids: &[&str]) {
        self.with(|s| {
            s.apps = ids
                .iter()
                .map(|id| AppJson {
                    id: id.to_string(),
                    name: format!("job {}", id),
                    state: "RUNNING".into(),
                })
                .collect()
        });
    }

    /// Every step sent, as "host: step" ("*: probe" for a probe).
    pub fn steps(&self) -> Vec<String> {
        self.with(|s| {
            s.sent
                .iter()
                .map(|(h, step, _)| format!("{}: {}", h, step))
                .collect()
        })
    }
    /// The steps that start, stop or kill a daemon, as "host: step".
    pub fn changes(&self) -> Vec<String> {
        let mut v = self.steps();
        v.retain(|s| s.contains(": stop ") || s.contains(": start ") || s.contains(": kill "));
        v
    }
    /// The steps sent whose name contains `word`, as "host: step".
    pub fn steps_with(&self, word: &str) -> Vec<String> {
        let mut v = self.steps();
        v.retain(|s| s.contains(word));
        v
    }
    /// The scripts sent for `step` to `host`.
    pub fn scripts(&self, host: &str, step: &str) -> Vec<String> {
        self.with(|s| {
            s.sent
                .iter()
                .filter(|(h, st, _)| h == host && st == step)
                .map(|(_, _, script)| script.clone())
                .collect()
        })
    }

    /// A session over fake hosts (the `select`ed ones connected, as
    /// `Session::open` does) and fake probes of this world.
    pub fn session(&self, cluster: &Cluster, select: super::select::Selection) -> Fake {
        let global = Global {
            parallel: 8,
            connect: Default::default(),
            quiet: true,
            break_lock: false,
            select,
            reverify: crate::dist::Reverify::No,
        };
        let conns = cluster
            .hosts
            .iter()
            .filter(|h| global.select.includes(&h.name))
            .map(|h| {
                let host = FakeHost {
                    host: h.clone(),
                    world: self.clone(),
                };
                (h.name.clone(), host)
            })
            .collect();
        let names: Vec<&str> = cluster.hosts.iter().map(|h| h.name.as_str()).collect();
        let progress = crate::progress::Progress::new(&names, true);
        let probes = FakeProbes {
            world: self.clone(),
            cluster: cluster.clone(),
        };
        Session::from_parts(cluster.clone(), conns, progress, &global, probes)
    }

    /// What a fake host answers to `step`.
    fn exec(&self, host: &Host, step: &str, script: &str) -> Output {
        self.with(|s| {
            s.sent.push((host.name.clone(), step.into(), script.into()));
            let key = (host.name.clone(), step.to_string());
            if let Some((status, stderr)) = s.failing.get(&key) {
                return Output {
                    status: *status,
                    stdout: String::new(),
                    stderr: stderr.clone(),
                };
            }
            let stdout = match s.canned.get(&key) {
                Some(out) => out.clone(),
                None => s.act(host, step, script),
            };
            Output {
                status: 0,
                stdout,
                stderr: String::new(),
            }
        })
    }
}

/// The daemon a script is about, by the pid file or logs it names.
fn about(host: &Host, script: &str) -> Option<Daemon> {
    Daemon::ALL.into_iter().find(|d| {
        script.contains(&layout::pid_file(host, *d)) || script.contains(&layout::log_glob(host, *d))
    })
}

impl State {
    /// The model's answer to `step`, and what it changes.
    fn act(&mut self, host: &Host, step: &str, script: &str) -> String {
        let me = host.name.clone();
        let daemon = |label: &str| Daemon::ALL.into_iter().find(|d| d.label() == label);
        if let Some(d) = step.strip_prefix("start ").and_then(daemon) {
            self.running.insert((me, d));
            return String::new();
        }
        if let Some(d) = step.strip_prefix("stop ").and_then(daemon) {
            return match self.gone(&me, d) {
                true => "@stopped".into(),
                false => "@not-running".into(),
            };
        }
        match step {
            "kill the ALIVE master" => {
                self.gone(&me, Daemon::Master);
                "@killed 4242".into()
            }
            "take the lock" | "break a stale lock" => "@locked".into(),
            "decommission the worker" => match self.running.contains(&(me, Daemon::Worker)) {
                true => "@signalled".into(),
                false => "@not-running".into(),
            },
            "gather facts" => self
                .running
                .iter()
                .filter(|(h, _)| *h == me)
                .map(|(_, d)| format!("@running {} 4242\n", d.label()))
                .collect(),
            "check the process" => match about(host, script) {
                Some(d) if self.running.contains(&(me, d)) => "alive".into(),
                _ => String::new(),
            },
            "read log" => match about(host, script) {
                Some(d) => format!(
                    "==> {}.log\n{} on {}: the last words\n",
                    d.label(),
                    d.label(),
                    me
                ),
                None => String::new(),
            },
            _ => String::new(),
        }
    }

    /// `d` on `host` is no longer running (was it?). If it led, another
    /// running one takes over at once (as the standby master and the
    /// ZooKeeper followers do), so that one starting again comes back
    /// following, not leading.
    fn gone(&mut self, host: &str, d: Daemon) -> bool {
        let was = self.running.remove(&(host.to_string(), d));
        let role = match d {
            Daemon::ZooKeeper => &mut self.zk_leader,
            Daemon::Master => &mut self.alive_master,
            Daemon::Worker | Daemon::History | Daemon::Connect | Daemon::MesosDispatcher => {
                return was
            }
        };
        if role.as_deref() == Some(host) {
            *role = self
                .running
                .iter()
                .find(|(h, x)| *x == d && !self.stuck.contains(&(h.clone(), d)))
                .map(|(h, _)| h.clone());
        }
        was
    }

    fn up(&self, host: &str, d: Daemon) -> bool {
        self.running.contains(&(host.to_string(), d)) && !self.unreachable.contains(host)
    }

    fn down(&self, host: &str) -> ProbeError {
        if self.unreachable.contains(host) {
            ProbeError::Unreachable("the fake host cannot be reached".into())
        } else {
            ProbeError::Refused
        }
    }

    fn zookeeper(&mut self, cluster: &Cluster, h: &Host) -> ZkMode {
        let servers: Vec<&Host> = cluster.zk_hosts().collect();
        let serving: Vec<&str> = servers
            .iter()
            .map(|z| z.name.as_str())
            .filter(|z| self.up(z, Daemon::ZooKeeper))
            .filter(|z| !self.stuck.contains(&(z.to_string(), Daemon::ZooKeeper)))
            .collect();
        if !self.up(&h.name, Daemon::ZooKeeper) {
            return ZkMode::Down(self.down(&h.name));
        }
        if !serving.contains(&h.name.as_str()) || serving.len() * 2 <= servers.len() {
            return ZkMode::NotServing;
        }
        if servers.len() == 1 {
            return ZkMode::Standalone;
        }
        if !self
            .zk_leader
            .as_deref()
            .is_some_and(|l| serving.contains(&l))
        {
            self.zk_leader = serving.first().map(|l| l.to_string());
        }
        match self.zk_leader.as_deref() == Some(h.name.as_str()) {
            true => ZkMode::Leader,
            false => ZkMode::Follower,
        }
    }

    fn master(&mut self, cluster: &Cluster, h: &Host) -> Result<MasterJson, ProbeError> {
        if !self.up(&h.name, Daemon::Master) {
            return Err(self.down(&h.name));
        }
        let settled = |s: &State, m: &str| !s.stuck.contains(&(m.to_string(), Daemon::Master));
        if !self
            .alive_master
            .as_deref()
            .is_some_and(|m| self.up(m, Daemon::Master) && settled(self, m))
        {
            self.alive_master = cluster
                .masters()
                .map(|m| m.name.clone())
                .find(|m| self.up(m, Daemon::Master) && settled(self, m));
        }
        if !settled(self, &h.name) {
            return Ok(master_json(MasterStatus::Recovering, vec![], vec![]));
        }
        if self.alive_master.as_deref() != Some(h.name.as_str()) {
            return Ok(master_json(MasterStatus::Standby, vec![], vec![]));
        }
        let workers = cluster
            .workers()
            .filter(|w| self.up(&w.name, Daemon::Worker))
            .map(|w| WorkerJson {
                id: format!("worker-{}", w.name),
                host: w.address.clone(),
                port: 7078,
                // What the inventory expects, so the workers are healthy.
                cores: w.spark.worker_cores.unwrap_or(1),
                memory: w
                    .spark
                    .worker_memory
                    .as_deref()
                    .and_then(crate::inventory::memory_mb)
                    .unwrap_or(1024),
                state: WorkerState::Alive,
            })
            .collect();
        Ok(master_json(MasterStatus::Alive, workers, self.apps.clone()))
    }
}

fn master_json(status: MasterStatus, workers: Vec<WorkerJson>, apps: Vec<AppJson>) -> MasterJson {
    MasterJson {
        url: String::new(),
        status,
        aliveworkers: workers.len() as u32,
        workers,
        cores: 0,
        memory: 0,
        activeapps: apps,
    }
}

/// A host of the fake cluster.
#[derive(Clone)]
pub struct FakeHost {
    host: Host,
    world: World,
}

impl FakeHost {
    /// `Conn::run`'s judgement: a non-zero exit is a [`StepError`].
    fn checked(&self, step: &str, out: Output) -> Result<Output> {
        if out.status != 0 {
            return Err(StepError {
                host: self.host.name.clone(),
                step: step.to_string(),
                status: Some(out.status),
                stderr: out.stderr,
            }
            .into());
        }
        Ok(out)
    }
}

impl Remote for FakeHost {
    fn name(&self) -> &str {
        &self.host.name
    }
    async fn run(&self, step: &str, script: &str) -> Result<Output> {
        self.checked(step, self.world.exec(&self.host, step, script))
    }
    async fn run_status(&self, step: &str, script: &str) -> Result<Output> {
        Ok(self.world.exec(&self.host, step, script))
    }
    async fn run_with_input(&self, step: &str, script: &str, _input: Vec<u8>) -> Result<Output> {
        self.run(step, script).await
    }
    async fn run_with_file(
        &self,
        step: &str,
        script: &str,
        _file: &Path,
        _on_progress: impl Fn(u64) + Send,
    ) -> Result<Output> {
        self.run(step, script).await
    }
    async fn close(self) {}
}

/// The fake cluster's probes: what its model says the daemons answer.
pub struct FakeProbes {
    world: World,
    cluster: Cluster,
}

impl Probes<FakeHost> for FakeProbes {
    async fn snapshot(
        &self,
        cluster: &Cluster,
        include: &(dyn Fn(&str) -> bool + Sync),
    ) -> Snapshot {
        self.world.with(|s| {
            s.sent.push(("*".into(), "probe".into(), String::new()));
            let zookeeper = cluster
                .zk_hosts()
                .filter(|h| include(&h.name))
                .map(|h| (h.name.clone(), s.zookeeper(cluster, h)))
                .collect();
            let masters = cluster
                .masters()
                .filter(|h| include(&h.name))
                .map(|h| (h.name.clone(), s.master(cluster, h)))
                .collect();
            Snapshot { zookeeper, masters }
        })
    }
    async fn master(&self, h: &Host) -> Result<MasterJson, ProbeError> {
        self.world.with(|s| s.master(&self.cluster, h))
    }
    async fn worker_executors(&self, h: &Host) -> Result<usize, ProbeError> {
        let slow = self.world.with(|s| s.slow.get(&h.name).copied());
        if let Some(d) = slow {
            tokio::time::sleep(d).await;
        }
        self.world.with(|s| {
            s.sent.push((
                h.name.clone(),
                "probe worker executors".into(),
                String::new(),
            ));
            match s.up(&h.name, Daemon::Worker) {
                true => match s.busy.get_mut(&h.name) {
                    Some(n) if *n > 0 => {
                        *n -= 1;
                        Ok(1)
                    }
                    _ => Ok(0),
                },
                false => Err(s.down(&h.name)),
            }
        })
    }
    async fn history(&self, _: &Cluster, h: &Host) -> Result<HistoryJson, ProbeError> {
        self.world.with(|s| {
            s.sent
                .push((h.name.clone(), "probe history".into(), String::new()));
            match s.up(&h.name, Daemon::History) {
                true => Ok(HistoryJson {
                    applications: vec![],
                }),
                false => Err(s.down(&h.name)),
            }
        })
    }
    async fn connect(&self, _: &Cluster, h: &Host) -> Result<(), ProbeError> {
        self.world.with(|s| {
            s.sent
                .push((h.name.clone(), "probe connect".into(), String::new()));
            match s.up(&h.name, Daemon::Connect) {
                true => Ok(()),
                false => Err(s.down(&h.name)),
            }
        })
    }
    async fn mesos_dispatcher(&self, _: &Cluster, h: &Host) -> Result<(), ProbeError> {
        self.world.with(|s| {
            s.sent.push((
                h.name.clone(),
                "probe mesos-dispatcher".into(),
                String::new(),
            ));
            match s.up(&h.name, Daemon::MesosDispatcher) {
                true => Ok(()),
                false => Err(s.down(&h.name)),
            }
        })
    }
    fn is_direct(&self) -> bool {
        false
    }
    async fn explain_direct(
        &self,
        _snap: &mut Snapshot,
        _cluster: &Cluster,
        _conns: &BTreeMap<String, FakeHost>,
    ) {
    }
    async fn close(self) {}
}

/// A session over the fake cluster.
pub type Fake = Session<FakeHost, FakeProbes>;

/// `inventory` parsed as if read from `inventories/` (tarball paths need
/// not exist).
pub fn cluster(inventory: &str) -> Cluster {
    crate::inventory::parse(Path::new("inventories/test.toml"), inventory)
        .expect("the test inventory is valid")
}

/// The lab (`inventories/lab.toml`) with a history server on hosta reading
/// event logs from `log_directory`: a cluster in which every daemon kind
/// runs somewhere.
pub fn lab_with_history(log_directory: &str) -> Cluster {
    let text = inventory("inventories/lab.toml").replacen(
        "roles = [\"zookeeper\", \"master\", \"worker\"]",
        "roles = [\"zookeeper\", \"master\", \"worker\", \"history\"]",
        1,
    ) + &format!("\n[history]\nlog_directory = \"{}\"\n", log_directory);
    crate::inventory::parse(Path::new("inventories/lab.toml"), &text)
        .expect("the lab with a history server is valid")
}

/// The lab with a history server on hosta and a Spark Connect server on
/// hostc: every daemon kind Spark 4 has runs somewhere.
pub fn lab_with_every_daemon() -> Cluster {
    let text = inventory("inventories/lab.toml")
        .replacen(
            "roles = [\"zookeeper\", \"master\", \"worker\"]",
            "roles = [\"zookeeper\", \"master\", \"worker\", \"history\"]",
            1,
        )
        .replacen(
            "roles = [\"zookeeper\", \"worker\"]",
            // The Connect server's driver gets daemon_memory (>= 512m).
            "roles = [\"zookeeper\", \"worker\", \"connect\"]\nspark = { daemon_memory = \"512m\" }",
            1,
        )
        + "\n[history]\nlog_directory = \"/shared/spark-events\"\n";
    crate::inventory::parse(Path::new("inventories/lab.toml"), &text)
        .expect("the lab with every daemon is valid")
}

/// A stand-in for the Spark 3.5 Connect server jar, on this machine (the
/// jar is read and hashed at check time).
pub const FIXTURE_JAR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/spark-connect_2.12-3.5.9.jar"
);

/// [`lab_with_every_daemon`] on the lab's Spark 3.5 tree, with the
/// Connect server's jar and a Mesos dispatcher on hostb: every daemon
/// kind runs somewhere (the dispatcher exists on 3.x only).
pub fn lab_spark3_with_every_daemon() -> Cluster {
    let text = inventory("inventories/lab.toml")
        .replacen("spark-4.3.0-bin-pyspark.tar", "spark-3.5.9-bin-pyspark.tar", 1)
        .replacen(
            "roles = [\"zookeeper\", \"master\", \"worker\"]",
            "roles = [\"zookeeper\", \"master\", \"worker\", \"history\"]",
            1,
        )
        .replacen(
            "name = \"hostb\"\naddress = \"10.213.37.12\"\nroles = [\"zookeeper\", \"master\", \"worker\"]",
            "name = \"hostb\"\naddress = \"10.213.37.12\"\nroles = [\"zookeeper\", \"master\", \"mesos-dispatcher\"]",
            1,
        )
        .replacen(
            "roles = [\"zookeeper\", \"worker\"]",
            "roles = [\"zookeeper\", \"worker\", \"connect\"]",
            1,
        )
        + "\n[history]\nlog_directory = \"/shared/spark-events\"\n\n[connect]\njar = \"" + FIXTURE_JAR + "\"\n\n[mesos]\nmaster = \"mesos://zk://10.213.37.11:2181/mesos\"\nport = 7177\nui_port = 8181\n";
    crate::inventory::parse(Path::new("inventories/lab.toml"), &text)
        .expect("the Spark 3.5 lab with every daemon is valid")
}
