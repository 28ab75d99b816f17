//! The kinds of daemon sparkctl runs, each described once in [`SPECS`]:
//! what it is called, which hosts run it, which product it belongs to, its
//! main class, how it is launched (which also decides its pid file and its
//! log), the ports it listens on, what "up" means for it, and its place in
//! the start order (its place in the table). Everything else (layout, facts,
//! plan, render, the scripts, the engine) reads these fields instead of
//! matching on the kind.
//!
//! To add a daemon kind:
//! 1. a variant of [`Daemon`] and its entry in [`SPECS`], at its place in
//!    the start order (the enum's order is the table's: a test checks it),
//!    and [`KINDS`] one higher;
//! 2. its launch: a [`Launcher`] variant and its start command in
//!    `steps/daemons.rs` (`start_command`), unless an existing one fits;
//! 3. its probe: a [`Health`] variant, its wait in `session/wait.rs`, and
//!    its phase in `command/deploy/apply.rs` and `command/lifecycle.rs`
//!    (both walk the start order and match on the health kind); a daemon
//!    that answers for itself (history, Connect, Mesos dispatcher) needs
//!    only its probe in `Probes` and a branch in `wait_serving`, and its
//!    row in `command/status.rs`;
//! 4. its role name in the inventory (`inventory`) and its templates in
//!    `templates/` + `render.rs`, if it reads files of its own.
//!
//! Pid files, log globs, fingerprints, facts, stop, kill and log tails
//! follow from the entry with no further edit.

use crate::dist::Product;
use crate::inventory::{Cluster, Host};

/// The typed handle of a daemon kind, in start order (the derived `Ord` is
/// that order: sets of daemons print and iterate in it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Daemon {
    ZooKeeper,
    Master,
    Worker,
    History,
    Connect,
    /// Serialized as its label and role name.
    #[serde(rename = "mesos-dispatcher")]
    MesosDispatcher,
}

/// How a daemon is started. The pid file and log follow from the
/// product's launcher: Spark's sbin scripts all go through spark-daemon.sh
/// (`<pid_dir>/spark-sparkctl-<class>-1.pid`, `<log_dir>/spark-sparkctl-<class>-1-*.out`),
/// ZooKeeper's zkServer.sh writes `<data_dir>/zookeeper_server.pid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Launcher {
    /// `bin/zkServer.sh start`.
    ZkServer,
    /// `sbin/start-master.sh`, else `spark-daemon.sh start <class> 1`.
    SparkMaster,
    /// `sbin/start-worker.sh` / `start-slave.sh`, else `spark-daemon.sh`.
    SparkWorker,
    /// `sbin/start-history-server.sh`, else `spark-daemon.sh start <class> 1`.
    SparkHistory,
    /// `sbin/start-connect-server.sh`, else `spark-daemon.sh submit <class> 1`:
    /// the Connect server is an application, started through spark-submit
    /// against the masters.
    SparkConnect,
    /// `sbin/start-mesos-dispatcher.sh`, else `spark-daemon.sh start <class> 1`,
    /// with recovery and the native library set up first.
    SparkMesosDispatcher,
}

/// What "up" means for a daemon kind, and so which wait proves it and how
/// deploy, start and the rolling restart take it through its phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    /// The servers answer `srvr` and form a quorum (`wait_zookeeper`).
    Quorum,
    /// One master ALIVE, the others STANDBY (`wait_masters`).
    Leader,
    /// Registered with the ALIVE master (`wait_workers`).
    Registered,
    /// Its REST API lists applications (`wait_history`): no quorum, no
    /// leader, nothing to register with.
    Serves,
    /// Its gRPC port greets in HTTP/2 (`wait_connect`): like `Serves`, it
    /// answers for itself, but in a binary protocol.
    Greets,
    /// Its web UI answers HTTP 200 (`wait_serving`): it answers for itself,
    /// whether or not the Mesos master it registers with is there.
    Dispatches,
}

/// One daemon kind, described once.
pub struct DaemonSpec {
    pub kind: Daemon,
    /// Its name in messages, facts and fingerprint files (also its role
    /// name in the inventory).
    pub label: &'static str,
    /// Whether a host runs it (its role).
    pub runs_on: fn(&Host) -> bool,
    /// The product it belongs to: its install root, tree and files.
    pub product: Product,
    /// Its JVM's main class: what proves a pid is this daemon.
    pub class: &'static str,
    pub launcher: Launcher,
    /// Lines of `spark-env.sh` it ignores (prefixes), so a change to them
    /// does not restart it: a master ignores the workers' settings.
    pub ignores_env: &'static [&'static str],
    /// The ports it listens on (preflight checks them), with what they are.
    pub ports: fn(&Cluster, &Host) -> Vec<(u16, &'static str)>,
    pub health: Health,
}

/// How many daemon kinds there are (the length of every per-kind array).
pub const KINDS: usize = 6;

/// Every daemon kind, in start order (stop order is the reverse).
pub const SPECS: [DaemonSpec; KINDS] = [
    DaemonSpec {
        kind: Daemon::ZooKeeper,
        label: "zookeeper",
        runs_on: |h| h.roles.zookeeper,
        product: Product::ZooKeeper,
        class: "org.apache.zookeeper.server.quorum.QuorumPeerMain",
        launcher: Launcher::ZkServer,
        ignores_env: &[],
        ports: zookeeper_ports,
        health: Health::Quorum,
    },
    DaemonSpec {
        kind: Daemon::Master,
        label: "master",
        runs_on: |h| h.roles.master,
        product: Product::Spark,
        class: "org.apache.spark.deploy.master.Master",
        launcher: Launcher::SparkMaster,
        ignores_env: &["export SPARK_WORKER_"],
        ports: master_ports,
        health: Health::Leader,
    },
    DaemonSpec {
        kind: Daemon::Worker,
        label: "worker",
        runs_on: |h| h.roles.worker,
        product: Product::Spark,
        class: "org.apache.spark.deploy.worker.Worker",
        launcher: Launcher::SparkWorker,
        ignores_env: &["export SPARK_MASTER_"],
        ports: worker_ports,
        health: Health::Registered,
    },
    // After the workers: it serves applications' event logs and needs no
    // other daemon, so it comes last and stops first.
    DaemonSpec {
        kind: Daemon::History,
        label: "history",
        runs_on: |h| h.roles.history,
        product: Product::Spark,
        class: "org.apache.spark.deploy.history.HistoryServer",
        launcher: Launcher::SparkHistory,
        ignores_env: &["export SPARK_MASTER_", "export SPARK_WORKER_"],
        ports: history_ports,
        health: Health::Serves,
    },
    // After the workers too: it is a Spark application whose executors
    // run on them; started before it has workers, its first queries would
    // wait for resources. It needs nothing from the history server.
    DaemonSpec {
        kind: Daemon::Connect,
        label: "connect",
        runs_on: |h| h.roles.connect,
        product: Product::Spark,
        class: "org.apache.spark.sql.connect.service.SparkConnectServer",
        launcher: Launcher::SparkConnect,
        ignores_env: &["export SPARK_MASTER_", "export SPARK_WORKER_"],
        ports: connect_ports,
        health: Health::Greets,
    },
    // Last: it needs no daemon of this cluster (it talks to a Mesos
    // master, and to ZooKeeper only when it recovers through it, whose
    // quorum comes first anyway).
    DaemonSpec {
        kind: Daemon::MesosDispatcher,
        label: "mesos-dispatcher",
        runs_on: |h| h.roles.mesos_dispatcher,
        product: Product::Spark,
        class: "org.apache.spark.deploy.mesos.MesosClusterDispatcher",
        launcher: Launcher::SparkMesosDispatcher,
        ignores_env: &["export SPARK_MASTER_", "export SPARK_WORKER_"],
        ports: mesos_ports,
        health: Health::Dispatches,
    },
];

impl Daemon {
    /// Every kind, in start order: the table's kinds, read from it.
    pub const ALL: [Daemon; KINDS] = {
        let mut all = [Daemon::ZooKeeper; KINDS];
        let mut i = 0;
        while i < KINDS {
            all[i] = SPECS[i].kind;
            i += 1;
        }
        all
    };

    /// This kind's entry in [`SPECS`] (the table is indexed by the enum).
    pub fn spec(self) -> &'static DaemonSpec {
        &SPECS[self as usize]
    }

    pub fn label(self) -> &'static str {
        self.spec().label
    }

    /// The kind whose label is `label` (as facts print it).
    pub fn from_label(label: &str) -> Option<Daemon> {
        SPECS.iter().find(|s| s.label == label).map(|s| s.kind)
    }

    /// The JVM main class (ZooKeeper's too, despite the name kept from
    /// when only Spark daemons had one): what spark-daemon.sh is given, and
    /// what a pid must have among its arguments to be this daemon.
    pub fn spark_class(self) -> &'static str {
        self.spec().class
    }

    pub fn product(self) -> Product {
        self.spec().product
    }

    pub fn runs_on(self, host: &Host) -> bool {
        (self.spec().runs_on)(host)
    }

    pub fn health(self) -> Health {
        self.spec().health
    }

    /// The ports it listens on at `host`, with what they are.
    pub fn ports(self, cluster: &Cluster, host: &Host) -> Vec<(u16, &'static str)> {
        (self.spec().ports)(cluster, host)
    }
}

/// The kinds of `product` that run on `host`, in start order.
pub fn on_host(host: &Host, product: Product) -> Vec<Daemon> {
    Daemon::ALL
        .into_iter()
        .filter(|d| d.product() == product && d.runs_on(host))
        .collect()
}

fn master_ports(cluster: &Cluster, host: &Host) -> Vec<(u16, &'static str)> {
    let mut v = vec![
        (host.spark.master_port, "Spark master"),
        (host.spark.master_webui_port, "Spark master web UI"),
    ];
    if cluster.spark.rest {
        v.push((host.spark.rest_port, "Spark master REST server"));
    }
    v
}

fn worker_ports(_: &Cluster, host: &Host) -> Vec<(u16, &'static str)> {
    let mut v = vec![(host.spark.worker_webui_port, "Spark worker web UI")];
    if let Some(p) = host.spark.worker_port {
        v.push((p, "Spark worker"));
    }
    v
}

fn history_ports(cluster: &Cluster, _: &Host) -> Vec<(u16, &'static str)> {
    cluster
        .history
        .as_ref()
        .map(|t| vec![(t.ui_port, "Spark history server")])
        .unwrap_or_default()
}

fn connect_ports(cluster: &Cluster, _: &Host) -> Vec<(u16, &'static str)> {
    cluster
        .connect
        .as_ref()
        .map(|t| vec![(t.port, "Spark Connect server")])
        .unwrap_or_default()
}

fn mesos_ports(cluster: &Cluster, _: &Host) -> Vec<(u16, &'static str)> {
    cluster
        .mesos
        .as_ref()
        .map(|t| {
            vec![
                (t.port, "Mesos dispatcher"),
                (t.ui_port, "Mesos dispatcher web UI"),
            ]
        })
        .unwrap_or_default()
}

fn zookeeper_ports(_: &Cluster, host: &Host) -> Vec<(u16, &'static str)> {
    let mut v = vec![
        (host.zk.client_port, "ZooKeeper client port"),
        (host.zk.quorum_port, "ZooKeeper quorum port"),
        (host.zk.election_port, "ZooKeeper election port"),
    ];
    if host.zk.admin_port != 0 {
        v.push((host.zk.admin_port, "ZooKeeper AdminServer"));
    }
    v
}

#[cfg(test)]
mod tests;
