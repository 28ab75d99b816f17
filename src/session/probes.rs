//! How the engine learns what the daemons say: the [`Probes`] trait (a
//! snapshot of the whole cluster, one master's `/json/`, the history
//! server's applications, the Connect server's greeting), implemented by
//! the real [`Route`] and, in unit tests, by a fake whose answers follow
//! the scripts the fake hosts were sent (`fake.rs`). Also the one place a
//! run's probe route is built (`[ssh] probe`), for the session and for
//! `status`.

use crate::exec::{self, Conn, ConnectOptions};
use crate::health::{self, HistoryJson, MasterJson, ProbeError, Route, Snapshot};
use crate::inventory::{Cluster, Host, ProbeRoute};
use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;
use tokio::task::JoinHandle;

/// The probes a session makes, over hosts of type `R` (generic, not `dyn`,
/// for the reason given in `exec::remote`).
pub trait Probes<R>: Send + Sync + 'static {
    /// Every ZooKeeper server and master for which `include` holds.
    fn snapshot(
        &self,
        cluster: &Cluster,
        include: &(dyn Fn(&str) -> bool + Sync),
    ) -> impl Future<Output = Snapshot> + Send;

    /// One master's `/json/`.
    fn master(&self, h: &Host) -> impl Future<Output = Result<MasterJson, ProbeError>> + Send;

    /// How many executors the worker on `h` runs (its own `/json/`).
    fn worker_executors(&self, h: &Host) -> impl Future<Output = Result<usize, ProbeError>> + Send;

    /// The history server's `/api/v1/applications` on `h`.
    fn history(
        &self,
        cluster: &Cluster,
        h: &Host,
    ) -> impl Future<Output = Result<HistoryJson, ProbeError>> + Send;

    /// The Connect server's HTTP/2 greeting on `h`.
    fn connect(
        &self,
        cluster: &Cluster,
        h: &Host,
    ) -> impl Future<Output = Result<(), ProbeError>> + Send;

    /// The Mesos dispatcher's web UI on `h`.
    fn mesos_dispatcher(
        &self,
        cluster: &Cluster,
        h: &Host,
    ) -> impl Future<Output = Result<(), ProbeError>> + Send;

    /// Probes dial the ports from this machine (`probe = "direct"`).
    fn is_direct(&self) -> bool;

    /// `probe = "direct"`: tell "blocked by a firewall" from "down" for the
    /// daemons in `snap` that did not answer, asking their hosts (`conns`).
    fn explain_direct(
        &self,
        snap: &mut Snapshot,
        cluster: &Cluster,
        conns: &BTreeMap<String, R>,
    ) -> impl Future<Output = ()> + Send;

    /// End the connections made for probing only.
    fn close(self) -> impl Future<Output = ()> + Send;
}

impl Probes<Conn> for Route {
    fn snapshot(
        &self,
        cluster: &Cluster,
        include: &(dyn Fn(&str) -> bool + Sync),
    ) -> impl Future<Output = Snapshot> + Send {
        health::probe_among(self, cluster, include)
    }
    fn master(&self, h: &Host) -> impl Future<Output = Result<MasterJson, ProbeError>> + Send {
        health::master(self, h)
    }
    fn worker_executors(&self, h: &Host) -> impl Future<Output = Result<usize, ProbeError>> + Send {
        health::worker_executors(self, h)
    }
    fn history(
        &self,
        cluster: &Cluster,
        h: &Host,
    ) -> impl Future<Output = Result<HistoryJson, ProbeError>> + Send {
        health::history(self, cluster, h)
    }
    fn connect(
        &self,
        cluster: &Cluster,
        h: &Host,
    ) -> impl Future<Output = Result<(), ProbeError>> + Send {
        health::connect(self, cluster, h)
    }
    fn mesos_dispatcher(
        &self,
        cluster: &Cluster,
        h: &Host,
    ) -> impl Future<Output = Result<(), ProbeError>> + Send {
        health::mesos_dispatcher(self, cluster, h)
    }
    fn is_direct(&self) -> bool {
        Route::is_direct(self)
    }
    fn explain_direct(
        &self,
        snap: &mut Snapshot,
        cluster: &Cluster,
        conns: &BTreeMap<String, Conn>,
    ) -> impl Future<Output = ()> + Send {
        health::route::explain_direct(snap, cluster, conns)
    }
    fn close(self) -> impl Future<Output = ()> + Send {
        Route::close(self)
    }
}

/// The run's probe route (`[ssh] probe`): straight to the ports, or through
/// SSH: through the connections in `up`, and through connections to `also`
/// made now in the background (each with how long a probe waits for it),
/// so that an unreachable host delays nothing but its own probes.
pub fn route<'h>(
    cluster: &Cluster,
    opts: &ConnectOptions,
    up: impl IntoIterator<Item = Conn>,
    also: impl IntoIterator<Item = (&'h Host, Duration)>,
) -> Route {
    match cluster.ssh.probe {
        ProbeRoute::Direct => Route::Direct,
        ProbeRoute::Ssh => {
            let pending = also
                .into_iter()
                .map(|(h, wait)| (h.name.clone(), connect_for_probes(cluster, h, opts), wait))
                .collect();
            Route::over_ssh(up, pending)
        }
    }
}

/// A connection attempt for probing only, in the background: its failure
/// is a reason to show (the host is unreachable), not a failure of the run.
pub fn connect_for_probes(
    cluster: &Cluster,
    h: &Host,
    opts: &ConnectOptions,
) -> JoinHandle<Result<Conn, String>> {
    let (c, h, o) = (cluster.clone(), h.clone(), opts.clone());
    tokio::spawn(async move { exec::connect_for_probes(&c, &h, &o).await })
}
