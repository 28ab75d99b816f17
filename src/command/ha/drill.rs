//! `sparkctl ha drill`: break a daemon on purpose (the ALIVE master, or a
//! ZooKeeper server) and check, with timings, that the cluster carries on
//! and recovers.
//!
//! The drills run on any [`Session`] (generic over its hosts and probes),
//! so their logic is unit-tested with fake hosts (`session::fake`).

use crate::cli::DrillMode;
use crate::command::Global;
use crate::diag::{exit, UsageError};
use crate::exec::Remote;
use crate::health::{self, MasterStatus, WorkerState, ZkMode};
use crate::inventory::{Cluster, Ha, Host};
use crate::layout::Daemon;
use crate::session::wait::{self, wait_until, Verdict, Wait, Waited};
use crate::session::{Probes, Session};
use anyhow::{anyhow, bail, Result};
use serde::Serialize;
use std::time::Duration;
// The waits' clock (see `session::wait`).
use tokio::time::Instant;

/// What a drill found: its checks, each passed or failed, and the times
/// it measured. Printed as text (`[ok]`/`[FAIL]` lines) or, with `--json`,
/// as this struct (docs/json.md; `ha status --json`'s conventions: keys
/// in snake_case, null for what was not reached).
#[derive(Debug, Default, Serialize)]
pub(super) struct Report {
    drill: DrillKind,
    /// Master drill: `kill` or `stop`; null for the ZooKeeper drill.
    mode: Option<&'static str>,
    /// The host whose master was killed/stopped, or whose ZooKeeper was stopped.
    target: String,
    /// Every check passed (exit status 0).
    passed: bool,
    checks: Vec<Check>,
    /// Master drill: the master ALIVE after the failover.
    alive_master_after: Option<String>,
    timings: Timings,
    /// Master drill: applications running before, and those not running
    /// on the new ALIVE master after.
    applications_before: Vec<String>,
    applications_lost: Vec<String>,
    /// The heading of the text report.
    #[serde(skip)]
    title: String,
}

/// Which drill ran: `master` (the failover drill) or `zookeeper` (`--zk`).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum DrillKind {
    #[default]
    Master,
    Zookeeper,
}

#[derive(Debug, Serialize)]
struct Check {
    ok: bool,
    what: String,
}

/// Seconds, null when the drill did not get there (or it does not apply).
#[derive(Debug, Default, Serialize)]
struct Timings {
    /// From the kill/stop until a master is ALIVE.
    alive_after_s: Option<f64>,
    /// From the kill/stop until every worker is registered with it.
    workers_after_s: Option<f64>,
    /// From the old master's restart until it is STANDBY.
    standby_after_s: Option<f64>,
    /// ZooKeeper drill: from the stop until the rest served with one
    /// leader, one ALIVE master and every worker registered.
    kept_working_after_s: Option<f64>,
}

impl Report {
    fn check(&mut self, ok: bool, what: String) {
        self.checks.push(Check { ok, what });
    }

    /// The exit status: 0 when every check passed.
    pub(super) fn code(&self) -> i32 {
        if self.checks.iter().all(|c| c.ok) {
            exit::OK
        } else {
            exit::FAILED
        }
    }

    fn finish(mut self, title: String) -> Report {
        self.passed = self.code() == exit::OK;
        self.title = title;
        self
    }

    /// Print it (text or JSON) and return the exit status.
    pub(super) fn print(&self, json: bool) -> Result<i32> {
        if json {
            crate::outln!("{}", serde_json::to_string_pretty(self)?);
            return Ok(self.code());
        }
        if self.drill == DrillKind::Master && self.timings.alive_after_s.is_some() {
            // The one line tests/ha.rs reads the measurement from; printed
            // once a master was ALIVE again, as before the report was typed.
            let t = |v: Option<f64>| v.unwrap_or(f64::NAN);
            crate::outln!(
                "FAILOVER {} mode={} alive_after_s={:.2} workers_after_s={:.2}",
                self.target,
                self.mode.unwrap_or(""),
                t(self.timings.alive_after_s),
                t(self.timings.workers_after_s)
            );
        }
        crate::outln!("{}", self.title);
        for c in &self.checks {
            crate::outln!("  [{}] {}", if c.ok { "ok" } else { "FAIL" }, c.what);
        }
        if self.passed {
            crate::outln!("drill passed");
        } else {
            crate::outln!("drill FAILED");
        }
        Ok(self.code())
    }
}

fn mode_name(mode: DrillMode) -> &'static str {
    match mode {
        DrillMode::Kill => "kill",
        DrillMode::Stop => "stop",
    }
}

pub(super) async fn drill_master(
    c: Cluster,
    global: &Global,
    mode: DrillMode,
    limit: Duration,
    json: bool,
) -> Result<i32> {
    if c.masters().count() < 2 && c.ha == Ha::Zookeeper {
        bail!(UsageError(
            "error: a failover drill needs at least two masters".into()
        ));
    }
    let s = Session::open_locked(c.clone(), global, "ha drill").await?;
    let r = drill_master_inner(&s, mode, limit).await;
    s.close().await;
    r?.print(json)
}

async fn drill_master_inner<R: Remote, P: Probes<R>>(
    s: &Session<R, P>,
    mode: DrillMode,
    limit: Duration,
) -> Result<Report> {
    let c = &s.cluster;
    let snap = s.probe().await;
    let a = health::assess(c, &snap);
    let Some(old) = a.alive_master.clone() else {
        bail!(
            "no single ALIVE master to drill: {}",
            crate::session::join(&a.problems, "; ")
        );
    };
    if a.level != health::Level::Healthy {
        bail!(
            "the cluster is not healthy before the drill; fix it first: {}",
            crate::session::join(&a.problems, "; ")
        );
    }
    let apps_before: Vec<String> = snap
        .masters
        .iter()
        .find(|(h, _)| *h == old)
        .and_then(|(_, r)| r.as_ref().ok())
        .map(|m| m.activeapps.iter().map(|a| a.id.clone()).collect())
        .unwrap_or_default();
    let old_host = c
        .host(&old)
        .expect("alive master is in the inventory")
        .clone();
    let mut report = Report {
        drill: DrillKind::Master,
        mode: Some(mode_name(mode)),
        target: old.clone(),
        applications_before: apps_before.clone(),
        ..Default::default()
    };
    let title = format!(
        "failover drill ({} of the ALIVE master on {})",
        if mode == DrillMode::Kill {
            "kill -9"
        } else {
            "graceful stop"
        },
        old
    );
    s.progress.line(&format!(
        "drill: {} the ALIVE master on {} ({} running application(s))",
        if mode == DrillMode::Kill {
            "SIGKILL"
        } else {
            "stopping"
        },
        old,
        apps_before.len()
    ));

    let t0 = Instant::now();
    match mode {
        DrillMode::Kill => {
            // Only the pid proven to be the master is killed (a pid file
            // the service user can write may name any process, or -1).
            let cmd = crate::steps::kill_daemon(&old_host, Daemon::Master, c.run_as.as_deref());
            s.conn(&old).run("kill the ALIVE master", &cmd).await?;
        }
        DrillMode::Stop => {
            s.stop(Daemon::Master, vec![old_host.clone()]).await?;
        }
    }
    let t_down = t0.elapsed();

    // Until another master is ALIVE. With a single master (FILESYSTEM or
    // ZooKeeper recovery of one master) the drill restarts it and measures
    // its recovery instead.
    let others: Vec<&Host> = c.masters().filter(|h| h.name != old).collect();
    let single = others.is_empty();
    if single {
        s.start(Daemon::Master, vec![old_host.clone()], None)
            .await?;
    }
    let candidates: Vec<&Host> = if single { vec![&old_host] } else { others };
    // Each round asks every candidate; the last one seen ALIVE is taken,
    // timed when it was seen. The clock runs from the kill/stop.
    let candidates = &candidates;
    let new_alive = wait_until(
        Wait::new(limit, wait::FAILOVER_POLL)
            .since(t0)
            .deadline_first(),
        move || async move {
            let mut seen = None;
            for h in candidates {
                if let Ok(m) = s.master(h).await {
                    if m.status == MasterStatus::Alive {
                        seen = Some((h.name.clone(), t0.elapsed()));
                    }
                }
            }
            seen
        },
        |seen, _| {
            wait::ready(match seen {
                Some(found) => Verdict::Done(found),
                None => Verdict::Pending(()),
            })
        },
    )
    .await?;
    let Waited::Done((new, t_alive)) = new_alive else {
        report.check(
            false,
            format!("no master became ALIVE within {} s", limit.as_secs()),
        );
        return Ok(report.finish("failover drill".into()));
    };
    report.alive_master_after = Some(new.clone());
    report.timings.alive_after_s = Some(t_alive.as_secs_f64());
    report.check(
        true,
        format!(
            "{} is ALIVE {:.1} s after the master on {} went down",
            new,
            t_alive.as_secs_f64(),
            old
        ),
    );

    // ...and every worker has re-registered with it, and the apps are back.
    let nh = c.host(&new).expect("inventory master").clone();
    let expected = c.workers().count();
    // `apps_after` is what the new master ran when last asked (kept when
    // it does not answer), for the report below.
    let mut apps_after: Vec<String> = Vec::new();
    let nh = &nh;
    let workers = wait_until(
        Wait::new(limit, wait::FAILOVER_POLL)
            .since(t0)
            .deadline_first(),
        move || s.master(nh),
        |r, round| {
            let mut v = Verdict::Pending(());
            if let Ok(m) = r {
                let alive = m
                    .workers
                    .iter()
                    .filter(|w| w.state == WorkerState::Alive)
                    .count();
                apps_after = m.activeapps.iter().map(|a| a.id.clone()).collect();
                if m.status == MasterStatus::Alive
                    && alive == expected
                    && apps_before.iter().all(|a| apps_after.contains(a))
                {
                    v = Verdict::Done(round.elapsed());
                }
            }
            wait::ready(v)
        },
    )
    .await?;
    let t_workers = match workers {
        Waited::Done(t) => Some(t),
        Waited::Expired(_) => None,
    };
    report.timings.workers_after_s = t_workers.map(|t| t.as_secs_f64());
    match t_workers {
        Some(t) => report.check(
            true,
            format!(
                "all {} workers re-registered with {} after {:.1} s",
                expected,
                new,
                t.as_secs_f64()
            ),
        ),
        None => report.check(
            false,
            format!(
                "workers did not all re-register with {} within {} s",
                new,
                limit.as_secs()
            ),
        ),
    }
    let missing: Vec<&String> = apps_before
        .iter()
        .filter(|a| !apps_after.contains(a))
        .collect();
    report.applications_lost = missing.iter().map(|a| a.to_string()).collect();
    report.check(
        missing.is_empty(),
        if missing.is_empty() {
            format!(
                "{} application(s) running before the drill are running on {}",
                apps_before.len(),
                new
            )
        } else {
            format!("applications lost in the failover: {:?}", missing)
        },
    );

    if !single {
        // Bring the old master back: it must join as STANDBY.
        s.start(Daemon::Master, vec![old_host.clone()], None)
            .await?;
        // The clock runs from the restart.
        let old_host = &old_host;
        let back = match wait_until(
            Wait::new(limit, wait::DRILL_POLL).deadline_first(),
            move || s.master(old_host),
            |r, round| {
                wait::ready(match r {
                    Ok(m) if m.status == MasterStatus::Standby => Verdict::Done(round.elapsed()),
                    _ => Verdict::Pending(()),
                })
            },
        )
        .await?
        {
            Waited::Done(t) => Some(t),
            Waited::Expired(_) => None,
        };
        report.timings.standby_after_s = back.map(|t| t.as_secs_f64());
        report.check(
            back.is_some(),
            match back {
                Some(t) => format!(
                    "the master on {} is back as STANDBY ({:.1} s after its restart)",
                    old,
                    t.as_secs_f64()
                ),
                None => format!(
                    "the master on {} did not come back as STANDBY within {} s",
                    old,
                    limit.as_secs()
                ),
            },
        );
    }
    let a = s.wait_workers(limit).await;
    report.check(a.is_ok(), "the cluster is healthy after the drill".into());
    let _ = t_down;
    Ok(report.finish(title))
}

/// The ZooKeeper drill's test, with the server on `down` stopped: every
/// other server serves, one of them leads, a master is ALIVE and every
/// worker is registered with it.
fn cluster_kept_working(c: &Cluster, snap: &health::Snapshot, down: &str) -> bool {
    let others_ok = snap
        .zookeeper
        .iter()
        .filter(|(h, _)| *h != down)
        .all(|(_, m)| m.serving());
    let one_leader = snap
        .zookeeper
        .iter()
        .filter(|(_, m)| *m == ZkMode::Leader)
        .count()
        == 1;
    let a = health::assess(c, snap);
    others_ok && one_leader && a.alive_master.is_some() && a.workers_alive == a.workers_expected
}

pub(super) async fn drill_zookeeper(
    c: Cluster,
    global: &Global,
    host: Option<String>,
    limit: Duration,
    json: bool,
) -> Result<i32> {
    let s = Session::open_locked(c.clone(), global, "ha drill --zk").await?;
    let r = drill_zookeeper_inner(&s, host, limit).await;
    s.close().await;
    r?.print(json)
}

async fn drill_zookeeper_inner<R: Remote, P: Probes<R>>(
    s: &Session<R, P>,
    host: Option<String>,
    limit: Duration,
) -> Result<Report> {
    let c = &s.cluster;
    let snap = s.probe().await;
    if health::assess(c, &snap).level != health::Level::Healthy {
        bail!("the cluster is not healthy before the drill; fix it first");
    }
    let target = match host {
        Some(h) => c.zk_hosts().find(|z| z.name == h).cloned().ok_or_else(|| {
            UsageError(format!(
                "error: `{}` is not a ZooKeeper host of the inventory",
                h
            ))
        })?,
        None => {
            let leader = snap
                .zookeeper
                .iter()
                .find(|(_, m)| *m == ZkMode::Leader)
                .map(|(h, _)| h.clone())
                .ok_or_else(|| anyhow!("no ZooKeeper leader"))?;
            c.host(&leader).expect("inventory host").clone()
        }
    };
    let mut report = Report {
        drill: DrillKind::Zookeeper,
        target: target.name.clone(),
        ..Default::default()
    };
    s.progress
        .line(&format!("drill: stopping ZooKeeper on {}", target.name));
    let t0 = Instant::now();
    s.stop(Daemon::ZooKeeper, vec![target.clone()]).await?;
    // The rest must elect a leader and keep the masters working.
    let target_name = target.name.as_str();
    let kept_working = wait_until(
        Wait::new(limit, wait::DRILL_POLL)
            .since(t0)
            .deadline_first(),
        || s.probe(),
        |snap, round| {
            wait::ready(if cluster_kept_working(c, &snap, target_name) {
                Verdict::Done(round.elapsed())
            } else {
                Verdict::Pending(())
            })
        },
    )
    .await?;
    let t_leader = match kept_working {
        Waited::Done(t) => Some(t),
        Waited::Expired(_) => None,
    };
    report.timings.kept_working_after_s = t_leader.map(|t| t.as_secs_f64());
    report.check(t_leader.is_some(), match t_leader {
        Some(t) => format!("with ZooKeeper on {} down, the others served with one leader, one ALIVE master and every worker registered ({:.1} s)", target.name, t.as_secs_f64()),
        None => format!("the cluster did not keep working within {} s of stopping ZooKeeper on {}", limit.as_secs(), target.name),
    });
    s.start(Daemon::ZooKeeper, vec![target.clone()], None)
        .await?;
    let back = s.wait_zookeeper(limit).await;
    let all: Vec<String> = c.masters().map(|h| h.name.clone()).collect();
    let revived = s.revive_masters(&all, None).await;
    report.check(
        revived.is_ok(),
        "every master is running again (one ALIVE, the rest STANDBY)".into(),
    );
    report.check(
        back.is_ok(),
        format!("ZooKeeper on {} rejoined the quorum", target.name),
    );
    let healthy = s.wait_workers(limit).await;
    report.check(
        healthy.is_ok(),
        "the cluster is healthy after the drill".into(),
    );
    Ok(report.finish(format!("ZooKeeper drill (stop of {})", target.name)))
}

#[cfg(test)]
mod tests;
