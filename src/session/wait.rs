//! One way to wait for the cluster: probe, judge, repeat until the judge is
//! satisfied or a deadline passes ([`wait_until`]). Every wait in sparkctl
//! goes through it and every deadline and poll interval is named here, so a
//! wait's timing is read in one place, and a new daemon's wait is a probe
//! and a judge rather than another hand-written loop.
//!
//! The values are the ones the loops had before they were gathered here
//! (issue 11: behaviour unchanged), including where they disagree (a plain
//! `start` gives the masters 90 s, a restart 120 s).
//!
//! The Session's own waits (ZooKeeper's quorum, the masters settled, the
//! workers registered, the history servers answering) are below the helper: they are its main users, and
//! kept beside it so that a wait's probe, judge and timing read together.

use super::{join, Probes, Session};
use crate::daemon::Health;
use crate::exec::Remote;
use crate::health::{self, Level, MasterStatus, ProbeError, ZkMode};
use crate::inventory::Host;
use crate::layout::Daemon;
use anyhow::{bail, Result};
use std::future::Future;
use std::time::Duration;
// tokio's clock, not std's: the same instant in a run, and one that unit
// tests can pause and move on (`tokio::time::pause`), so a wait's deadline
// is tested in milliseconds.
use tokio::time::Instant;

// ------------------------------------------------------------ deadlines

/// ZooKeeper forming its quorum (start, deploy, each step of a rolling restart).
pub const ZK_DEADLINE: Duration = Duration::from_secs(60);
/// The masters settling (one ALIVE, the rest STANDBY) after a restart or a
/// deploy. A restarted ALIVE master is replaced after one ZooKeeper session
/// timeout (up to 40 s with ZooKeeper's defaults), then recovers: allow for both.
pub const MASTER_DEADLINE: Duration = Duration::from_secs(120);
/// The masters settling after `sparkctl start` (from stopped: no failover
/// to sit out). Shorter than [`MASTER_DEADLINE`], as it always was.
pub const START_MASTER_DEADLINE: Duration = Duration::from_secs(90);
/// Workers registering with the ALIVE master.
pub const WORKER_DEADLINE: Duration = Duration::from_secs(120);
/// The Connect server greeting on its gRPC port: a spark-submit that
/// starts a driver, registers an application with the ALIVE master and
/// then opens the port; more than a daemon's bare JVM start.
pub const CONNECT_DEADLINE: Duration = Duration::from_secs(90);
/// The history server answering its REST API: it replays no state at
/// start (the log directory is listed in the background), so a JVM start
/// is all it takes; the lab measured a few seconds.
pub const HISTORY_DEADLINE: Duration = Duration::from_secs(60);
/// How long a rolling restart waits, by default, for applications to finish
/// before restarting a master that cannot carry them over (`--drain-timeout`).
pub const DRAIN_DEADLINE: Duration = Duration::from_secs(600);

/// How long a worker's executors get to finish their tasks and hand over
/// their blocks once it is decommissioned (`--decommission-timeout`).
pub const DECOMMISSION_DEADLINE: Duration = Duration::from_secs(120);

/// Not a wait: the pause before `revive_masters` looks for masters that
/// exited after their ZooKeeper connection was suspended (the exit follows
/// the suspension by a moment).
/// Measured on the lab: the master logs "Leadership has been revoked" in
/// the second its connection is suspended, which is when its server stops,
/// at least 0.6 s before the quorum is confirmed again; this pause starts
/// then. (It was 2 s: 3 s of every rolling restart of 3 hosts.)
pub const SUSPENSION_EXIT_PAUSE: Duration = Duration::from_secs(1);

// ------------------------------------------------------------ poll intervals

/// Between probes of ZooKeeper's quorum and of the masters.
pub const ZK_POLL: Duration = Duration::from_millis(300);
pub const MASTER_POLL: Duration = Duration::from_millis(300);
/// Between probes of the workers' registration.
pub const WORKER_POLL: Duration = Duration::from_millis(500);
/// Between probes of the daemons that answer for themselves (history,
/// Connect).
pub const SERVING_POLL: Duration = Duration::from_millis(500);
/// The failover drill: for a new ALIVE master and the workers following
/// it. Short, because the drill measures these times.
pub const FAILOVER_POLL: Duration = Duration::from_millis(100);
/// The drills: for a restarted master back as STANDBY, and for the cluster
/// working with one ZooKeeper server down.
pub const DRILL_POLL: Duration = Duration::from_millis(200);
/// Between looks at a decommissioned worker's executors.
pub const DECOMMISSION_POLL: Duration = Duration::from_millis(500);
/// Between looks at the applications a master still runs (drain).
pub const DRAIN_POLL: Duration = Duration::from_secs(1);
/// How often a wait checks whether the daemons it waits for still run.
pub const EXIT_CHECK: Duration = Duration::from_secs(3);

// ------------------------------------------------------------ the helper

/// What a judge says about one probe.
pub enum Verdict<T, L> {
    /// Done: the wait returns `T`.
    Done(T),
    /// Not yet; `L` is kept for the message if the deadline passes.
    Pending(L),
}

/// When the deadline is looked at. Both orders existed before this helper,
/// and keeping each wait's own is what keeps its behaviour exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    /// Probe and judge, then give up if more than the deadline has passed
    /// (so there is always at least one probe, and one past the deadline
    /// is still judged). The Session waits and the drain.
    ProbeFirst,
    /// Give up once the deadline is reached, before probing (no probe is
    /// made past it; there may be none at all). The drills, whose clock
    /// starts before the disruption they measure.
    DeadlineFirst,
}

/// A wait's timing: when its clock started, its deadline, the pause
/// between probes, and whether (how often) the judge checks for exits.
#[derive(Debug, Clone, Copy)]
pub struct Wait {
    start: Instant,
    deadline: Duration,
    every: Duration,
    order: Order,
    exit_check: Option<Duration>,
}

impl Wait {
    /// A wait whose clock starts now, probing every `every`.
    pub fn new(deadline: Duration, every: Duration) -> Wait {
        Wait {
            start: Instant::now(),
            deadline,
            every,
            order: Order::ProbeFirst,
            exit_check: None,
        }
    }
    /// The clock started at `start` (a drill counts from the disruption).
    pub fn since(self, start: Instant) -> Wait {
        Wait { start, ..self }
    }
    /// Stop when the deadline is reached, before probing (see [`Order`]).
    pub fn deadline_first(self) -> Wait {
        Wait {
            order: Order::DeadlineFirst,
            ..self
        }
    }
    /// Tell the judge, once every `every` of waiting, to check whether the
    /// daemons it waits for still run ([`Round::check_exits`]).
    pub fn exit_checks(self, every: Duration) -> Wait {
        Wait {
            exit_check: Some(every),
            ..self
        }
    }
}

/// What the judge knows about the wait in this round.
#[derive(Debug, Clone, Copy)]
pub struct Round {
    start: Instant,
    /// An exit check is due (see [`Wait::exit_checks`]).
    pub check_exits: bool,
}

impl Round {
    /// Time since the wait's clock started.
    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }
}

/// How a wait ended.
pub enum Waited<T, L> {
    Done(T),
    /// The deadline passed; the last `Pending` value, if any probe was judged.
    Expired(Option<L>),
}

/// Probe, judge, sleep, until the judge says [`Verdict::Done`] or the
/// deadline passes. The judge may fail the wait early by returning an error
/// (a daemon that exited), and is async so that it can look (its exit checks).
pub async fn wait_until<S, T, L, P, PF, J, JF>(
    w: Wait,
    mut probe: P,
    mut judge: J,
) -> Result<Waited<T, L>>
where
    P: FnMut() -> PF,
    PF: Future<Output = S>,
    J: FnMut(S, Round) -> JF,
    JF: Future<Output = Result<Verdict<T, L>>>,
{
    let mut next_check = w.exit_check;
    let mut last = None;
    loop {
        if w.order == Order::DeadlineFirst && w.start.elapsed() >= w.deadline {
            return Ok(Waited::Expired(last));
        }
        let seen = probe().await;
        // As the loops did: due once more than the next multiple of the
        // interval has passed, then the next one is an interval later.
        let check_exits = match (next_check.as_mut(), w.exit_check) {
            (Some(next), Some(every)) if w.start.elapsed() > *next => {
                *next += every;
                true
            }
            _ => false,
        };
        let round = Round {
            start: w.start,
            check_exits,
        };
        match judge(seen, round).await? {
            Verdict::Done(t) => return Ok(Waited::Done(t)),
            Verdict::Pending(l) => last = Some(l),
        }
        if w.order == Order::ProbeFirst && w.start.elapsed() > w.deadline {
            return Ok(Waited::Expired(last));
        }
        tokio::time::sleep(w.every).await;
    }
}

/// A judge's verdict with nothing to wait for: for judges that need no
/// await (`|seen, round| ready(...)`).
pub fn ready<T, L>(v: Verdict<T, L>) -> std::future::Ready<Result<Verdict<T, L>>> {
    std::future::ready(Ok(v))
}

// ------------------------------------------------------------ the Session's waits

// Each is a probe (`Session::probe`) and a judge for `wait_until`; the
// judges also fail early, with evidence, when a daemon has exited or
// cannot be reached from here, rather than waiting out the deadline.
impl<R: Remote, P: Probes<R>> Session<R, P> {
    /// `probe = "direct"`: fail at once, saying why, when daemons that do
    /// not answer from this machine are listening on their hosts (a
    /// firewall in between), instead of waiting out the deadline and then
    /// blaming the daemons.
    async fn fail_if_blocked(&self, snap: &health::Snapshot) -> Result<()> {
        if !self.route.is_direct() {
            return Ok(());
        }
        let mut snap = snap.clone();
        self.route
            .explain_direct(&mut snap, &self.cluster, &self.conns)
            .await;
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
        let w = Wait::new(deadline, ZK_POLL).exit_checks(EXIT_CHECK);
        let judge = move |snap: health::Snapshot, round: Round| async move {
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
        let w = Wait::new(deadline, MASTER_POLL).exit_checks(EXIT_CHECK);
        let judge = move |snap: health::Snapshot, round: Round| async move {
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
        let w = Wait::new(deadline, WORKER_POLL).exit_checks(EXIT_CHECK);
        let judge = move |snap: health::Snapshot, round: Round| async move {
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

    /// Wait until every selected history server answers its REST API
    /// (`/api/v1/applications`, HTTP 200 with a JSON array).
    pub async fn wait_history(&self, deadline: Duration) -> Result<()> {
        self.wait_serving(Daemon::History, deadline).await
    }

    /// Wait until every selected host of `d`, a daemon that answers for
    /// itself (no quorum, no leader: [`Health::Serves`] or
    /// [`Health::Greets`]), answers its probe: the history server's REST
    /// API, the Connect server's HTTP/2 greeting.
    pub async fn wait_serving(&self, d: Daemon, deadline: Duration) -> Result<()> {
        let hosts: Vec<&Host> = self
            .cluster
            .hosts
            .iter()
            .filter(|h| d.runs_on(h) && self.selected(&h.name))
            .collect();
        if hosts.is_empty() {
            return Ok(());
        }
        let (what, asked) = serving_words(&self.cluster, d);
        // Owned answers (host names, not references), so the judge's
        // future borrows nothing from its argument.
        let probe = || async {
            let mut answers = Vec::new();
            for h in &hosts {
                let r = match d.health() {
                    Health::Greets => self.route.connect(&self.cluster, h).await,
                    Health::Dispatches => self.route.mesos_dispatcher(&self.cluster, h).await,
                    _ => self.route.history(&self.cluster, h).await.map(|_| ()),
                };
                answers.push((h.name.clone(), r));
            }
            answers
        };
        let w = Wait::new(deadline, SERVING_POLL).exit_checks(EXIT_CHECK);
        let judge = |answers: Vec<(String, Result<(), ProbeError>)>, round: Round| async move {
            let bad: Vec<(String, ProbeError)> = answers
                .into_iter()
                .filter_map(|(h, r)| r.err().map(|e| (h, e)))
                .collect();
            if bad.is_empty() {
                self.progress.line(&format!(
                    "{} answering in {:.1} s",
                    what,
                    round.elapsed().as_secs_f64()
                ));
                return Ok(Verdict::Done(()));
            }
            if round.check_exits {
                let hs: Vec<&Host> = bad
                    .iter()
                    .filter_map(|(h, _)| self.cluster.host(h))
                    .collect();
                self.fail_if_exited(d, &hs).await?;
            }
            Ok(Verdict::Pending(bad))
        };
        let bad = match wait_until(w, probe, judge).await? {
            Waited::Done(()) => return Ok(()),
            Waited::Expired(bad) => bad.expect("a probe-first wait judges at least once"),
        };
        let lines: Vec<String> = bad
            .iter()
            .map(|(h, e)| format!("{} on {}: {}", what, h, e))
            .collect();
        let hs: Vec<&Host> = bad
            .iter()
            .filter_map(|(h, _)| self.cluster.host(h))
            .collect();
        bail!(
            "the {} does not answer {} after {} s:\n  - {}\n{}",
            what,
            asked,
            deadline.as_secs(),
            lines.join("\n  - "),
            self.log_tails(d, &hs).await
        );
    }
}

/// How a serving daemon is named in wait lines, and what it is asked.
pub(super) fn serving_words(
    cluster: &crate::inventory::Cluster,
    d: Daemon,
) -> (&'static str, String) {
    match d.health() {
        Health::Greets => (
            "Spark Connect server",
            format!(
                "gRPC (an HTTP/2 greeting) on port {}",
                health::connect_port(cluster)
            ),
        ),
        Health::Dispatches => ("Mesos dispatcher", "HTTP on its web UI".to_string()),
        _ => ("history server", health::APPLICATIONS.to_string()),
    }
}

/// The deadline of a serving daemon's wait.
pub fn serving_deadline(d: Daemon) -> Duration {
    match d.health() {
        Health::Greets => CONNECT_DEADLINE,
        // A bare JVM start, like the history server's.
        _ => HISTORY_DEADLINE,
    }
}

#[cfg(test)]
mod tests;
