//! Decommissioning workers before they stop (`[spark] decommission`), so
//! that a rolling restart, deploy's restart of changed workers, or `stop
//! --graceful` does not kill running tasks: SIGPWR to each worker (see
//! `steps::decommission_worker`), then wait, bounded, until its executors
//! have finished their tasks, handed over their blocks and exited. Past
//! the bound the worker is stopped anyway, and the run says so: a restart
//! that never ends because one task never does helps no one.

use super::concurrent::join_all;
use super::wait::{self, wait_until, Verdict, Wait, Waited};
use super::{Probes, Session};
use crate::exec::Remote;
use crate::inventory::Host;
use anyhow::Result;
use std::time::Duration;

/// Decommissioned, or why not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Signalled {
    Yes,
    /// No live worker: nothing to wait for.
    NotRunning,
    /// The worker started without decommissioning (before it was turned
    /// on): SIGPWR would kill it, so it is stopped as before.
    NoHandler,
}

impl<R: Remote, P: Probes<R>> Session<R, P> {
    /// Decommission the workers on `hosts` and wait up to `limit` for their
    /// executors to leave. Does nothing when the cluster runs without
    /// decommissioning or `limit` is `None` (`--no-decommission`).
    pub async fn decommission_workers(
        &self,
        hosts: &[Host],
        limit: Option<Duration>,
    ) -> Result<()> {
        let Some(limit) = limit.filter(|_| self.cluster.spark.decommission) else {
            return Ok(());
        };
        if hosts.is_empty() {
            return Ok(());
        }
        let cluster = self.cluster.clone();
        let results = self
            .each_host(hosts.to_vec(), move |conn, host, bar| {
                let script = crate::steps::decommission_worker(&host, &cluster);
                async move {
                    bar.step("decommission worker");
                    let out = conn.run("decommission the worker", &script).await?.stdout;
                    let s = if out.contains("@signalled") {
                        Signalled::Yes
                    } else if out.contains("@no-handler") {
                        Signalled::NoHandler
                    } else {
                        Signalled::NotRunning
                    };
                    bar.finish(match s {
                        Signalled::Yes => "worker decommissioning",
                        Signalled::NoHandler => "worker started without decommissioning",
                        Signalled::NotRunning => "worker not running",
                    });
                    Ok(s)
                }
            })
            .await?;
        let old: Vec<&str> = results
            .iter()
            .filter(|(_, s)| *s == Signalled::NoHandler)
            .map(|(h, _)| h.as_str())
            .collect();
        if !old.is_empty() {
            self.progress.line(&format!(
                "the worker on {} started before decommissioning was on (SIGPWR would kill it): it is stopped at once, its running tasks are retried elsewhere",
                old.join(", ")
            ));
        }
        let waiting: Vec<&Host> = hosts
            .iter()
            .filter(|h| {
                results
                    .iter()
                    .any(|(n, s)| *n == h.name && *s == Signalled::Yes)
            })
            .collect();
        if waiting.is_empty() {
            return Ok(());
        }
        let names: Vec<&str> = waiting.iter().map(|h| h.name.as_str()).collect();
        // Said on the first look that finds executors: a worker without
        // any (no application running) is stopped without a word more.
        let mut said = false;
        // Pending: the hosts whose worker still runs executors. A worker
        // whose UI does not answer has nothing we can wait on: it counts
        // as done (it is stopped next either way).
        let waited = wait_until(
            Wait::new(limit, wait::DECOMMISSION_POLL),
            // All at once: with `--batch N` and a hung worker UI, one
            // after another a round would cost N probe timeouts.
            || async {
                let counts = join_all(waiting.iter().map(|h| self.route.worker_executors(h))).await;
                waiting
                    .iter()
                    .zip(counts)
                    .filter_map(|(h, n)| match n {
                        Ok(n) if n > 0 => Some(format!("{} ({} executor(s))", h.name, n)),
                        _ => None,
                    })
                    .collect::<Vec<_>>()
            },
            |busy, round| {
                if busy.is_empty() {
                    if said {
                        self.progress.line(&format!(
                            "executors left the worker on {} after {:.1} s",
                            names.join(", "),
                            round.elapsed().as_secs_f64()
                        ));
                    }
                    return wait::ready(Verdict::Done(()));
                }
                if !said {
                    self.progress.line(&format!(
                        "decommissioning worker on {}: its executors on {} finish their tasks and hand over their blocks (waiting up to {} s)",
                        names.join(", "),
                        busy.join(", "),
                        limit.as_secs()
                    ));
                    said = true;
                }
                wait::ready(Verdict::Pending(busy))
            },
        )
        .await?;
        if let Waited::Expired(Some(busy)) = waited {
            self.progress.line(&format!(
                "warning: executors still running on {} after {} s of decommissioning; stopping anyway (their running tasks fail and are retried elsewhere; raise --decommission-timeout to wait longer)",
                busy.join(", "),
                limit.as_secs()
            ));
        }
        Ok(())
    }
}
