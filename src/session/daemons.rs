//! Starting and stopping daemons on hosts, and the evidence (log tails, a
//! dead process) reported when one does not come up. One code path for
//! every daemon: what differs between ZooKeeper, masters and workers is in
//! `steps/` (the scripts), not here.

use super::{indent, Probes, Session};
use crate::exec::Remote;
use crate::inventory::Host;
use crate::layout::{self, Daemon};
use crate::steps;
use anyhow::{anyhow, bail, Result};
use std::collections::BTreeMap;
use std::sync::Arc;

impl<R: Remote, P: Probes<R>> Session<R, P> {
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
        let cluster = self.cluster.clone();
        self.each_host(hosts, move |conn, host, bar| {
            let script = steps::stop(&host, daemon, &cluster, 30);
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
    pub(super) async fn fail_if_exited(&self, daemon: Daemon, hosts: &[&Host]) -> Result<()> {
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
}
