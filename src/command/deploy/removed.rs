//! Hosts removed from the inventory whose daemons may still run: found
//! through the membership each Spark host recorded at the last deploy
//! (`crate::membership`, read by the facts probe), probed over SSH if they
//! can be reached, reported, and with `--stop-removed` stopped. Then the
//! record is rewritten where it changed: the inventory's hosts, plus the
//! hosts that left and may still run something (unreachable, or running
//! and not stopped), so the next deploy asks again.
//!
//! Before anything changes: a removed master still running may be the
//! ALIVE one, which the masters' wait would otherwise blame on the
//! inventory's masters.

use crate::daemon::Daemon;
use crate::exec;
use crate::facts::HostFacts;
use crate::membership::{self, Member};
use crate::session::converge::stop_order;
use crate::session::Session;
use crate::steps;
use std::collections::BTreeMap;

/// What was found on a host that left.
#[derive(Debug)]
pub(super) enum Found {
    /// SSH failed (why): its daemons are unknown.
    Unreachable(String),
    /// These run (with their pids), left running.
    Running(Vec<(Daemon, u32)>),
    /// Nothing of this cluster runs there.
    Idle,
    /// `--stop-removed`: these were stopped.
    Stopped(Vec<Daemon>),
}

pub(super) struct Left {
    pub member: Member,
    pub found: Found,
    /// `--stop-removed` was given.
    stop: bool,
}

impl Left {
    /// Whether the next deploy must look again: daemons left running, or
    /// a host not reached. With `--stop-removed` an unreachable host is
    /// forgotten after this report: otherwise a machine that is gone for
    /// good would cost every deploy a connect timeout, and the operator
    /// would have no way to say so.
    fn pending(&self) -> bool {
        match self.found {
            Found::Running(_) => true,
            Found::Unreachable(_) => !self.stop,
            Found::Idle | Found::Stopped(_) => false,
        }
    }

    fn describe(&self) -> String {
        let m = &self.member;
        let labels = |ds: &mut dyn Iterator<Item = Daemon>| {
            ds.map(|d| d.label()).collect::<Vec<_>>().join(", ")
        };
        let what = match &self.found {
            Found::Unreachable(why) if self.stop => {
                format!("not checked: {}; forgotten (--stop-removed)", why)
            }
            Found::Unreachable(why) => format!(
                "not checked: {}; asked again by the next deploy (--stop-removed forgets it)",
                why
            ),
            Found::Running(r) => format!(
                "still running: {} (pass --stop-removed to stop them)",
                r.iter()
                    .map(|(d, pid)| format!("{} (pid {})", d.label(), pid))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Found::Idle => "runs nothing of this cluster".into(),
            Found::Stopped(ds) => format!("stopped {}", labels(&mut ds.iter().copied())),
        };
        format!(
            "host {} ({}, was {}) left the inventory: {}",
            m.name,
            m.address,
            labels(&mut m.daemons.iter().copied()),
            what
        )
    }
}

/// Find, probe, report (and with `stop`, stop) the hosts that left.
/// A failure on such a host is reported, never the deploy's failure: the
/// inventory's cluster is what this run converges.
pub(super) async fn check(
    s: &Session,
    facts: &BTreeMap<String, HostFacts>,
    stop: bool,
) -> Vec<Left> {
    let c = &s.cluster;
    let gone = membership::left(c, facts.values().map(|f| f.members.as_str()));
    let Some(template) = c.hosts.first() else {
        return Vec::new();
    };
    let mut set = tokio::task::JoinSet::new();
    for m in gone {
        let (c, host, opts) = (c.clone(), m.as_host(template), s.global.connect.clone());
        set.spawn(async move {
            let found = match exec::connect_for_probes(&c, &host, &opts).await {
                Err(why) => Found::Unreachable(why),
                Ok(conn) => {
                    let found = probe(&c, &host, &conn, stop).await;
                    conn.close().await;
                    found
                }
            };
            Left {
                member: m,
                found,
                stop,
            }
        });
    }
    let mut out = Vec::new();
    while let Some(r) = set.join_next().await {
        if let Ok(l) = r {
            out.push(l);
        }
    }
    out.sort_by(|a, b| a.member.name.cmp(&b.member.name));
    for l in &out {
        s.progress.notice(&l.describe());
    }
    out
}

async fn probe(
    c: &crate::inventory::Cluster,
    host: &crate::inventory::Host,
    conn: &exec::Conn,
    stop: bool,
) -> Found {
    let running = match conn
        .run("facts", &crate::facts::script(c, host, &[], &[]))
        .await
    {
        Ok(o) => crate::facts::parse(&o.stdout).running,
        Err(e) => return Found::Unreachable(format!("{:#}", e)),
    };
    if running.is_empty() {
        return Found::Idle;
    }
    if !stop {
        return Found::Running(running.into_iter().collect());
    }
    let mut stopped = Vec::new();
    // Masters first: a removed master leaves the election before anything
    // else changes (as deploy does for a removed role).
    let order = std::iter::once(Daemon::Master)
        .chain(stop_order().into_iter().filter(|d| *d != Daemon::Master));
    for d in order.filter(|d| running.contains_key(d)) {
        let script = steps::stop(host, d, c, 30);
        match conn.run(&format!("stop {}", d.label()), &script).await {
            Ok(_) => stopped.push(d),
            Err(e) => return Found::Unreachable(format!("stopping {} failed: {:#}", d.label(), e)),
        }
    }
    Found::Stopped(stopped)
}

/// Rewrite the record on the selected Spark hosts where it differs from
/// what they hold (a no-op deploy writes nothing). Failures are warnings.
pub(super) async fn record(s: &Session, facts: &BTreeMap<String, HostFacts>, left: &[Left]) {
    let c = &s.cluster;
    let pending: Vec<Member> = left
        .iter()
        .filter(|l| l.pending())
        .map(|l| l.member.clone())
        .collect();
    let text = membership::render(c, &pending);
    let hosts: Vec<_> = s
        .hosts()
        .into_iter()
        .filter(|h| !crate::daemon::on_host(h, crate::dist::Product::Spark).is_empty())
        .filter(|h| facts.get(&h.name).is_none_or(|f| f.members != text))
        .collect();
    if hosts.is_empty() {
        return;
    }
    let root = c.spark.install_root.clone();
    let r = s
        .each_host(hosts, |conn, _host, _bar| {
            let (script, input) = (steps::write_members(&root), text.clone().into_bytes());
            async move {
                conn.run_with_input("record the membership", &script, input)
                    .await?;
                Ok(())
            }
        })
        .await;
    if let Err(e) = r {
        s.progress.notice(&format!(
            "warning: the cluster's membership was not recorded everywhere (hosts removed later may go unnoticed): {:#}",
            e
        ));
    }
}
