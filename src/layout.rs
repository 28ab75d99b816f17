//! Where everything lives on a host. Every remote path sparkctl uses is built
//! here, so the plan, the scripts and the tests agree on one layout:
//!
//! ```text
//! /opt/spark/spark-4.3.0-bin-hadoop3/   unpacked tree (+ .sparkctl-installed stamp)
//! /opt/spark/current -> spark-4.3.0-bin-hadoop3
//! /opt/spark/.sparkctl/dist/<tarball>   verified upload, kept for re-runs
//! /opt/spark/{logs,run,work}            outside the tree: survive upgrades
//! /opt/zookeeper/<tree>, current, .sparkctl, logs
//! /var/lib/zookeeper/{myid,zookeeper_server.pid}
//! ```

use crate::dist::LocalDist;
use crate::inventory::{Cluster, Host};

/// The three kinds of daemon sparkctl runs, in start order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Daemon {
    ZooKeeper,
    Master,
    Worker,
}

impl Daemon {
    pub const ALL: [Daemon; 3] = [Daemon::ZooKeeper, Daemon::Master, Daemon::Worker];

    pub fn label(self) -> &'static str {
        match self {
            Daemon::ZooKeeper => "zookeeper",
            Daemon::Master => "master",
            Daemon::Worker => "worker",
        }
    }

    /// The Java class spark-daemon.sh is given (Spark daemons only).
    pub fn spark_class(self) -> &'static str {
        match self {
            Daemon::Master => "org.apache.spark.deploy.master.Master",
            Daemon::Worker => "org.apache.spark.deploy.worker.Worker",
            Daemon::ZooKeeper => "org.apache.zookeeper.server.quorum.QuorumPeerMain",
        }
    }

    pub fn runs_on(self, host: &Host) -> bool {
        match self {
            Daemon::ZooKeeper => host.roles.zookeeper,
            Daemon::Master => host.roles.master,
            Daemon::Worker => host.roles.worker,
        }
    }
}

/// SPARK_IDENT_STRING we set, so pid file names do not depend on $USER.
pub const SPARK_IDENT: &str = "sparkctl";
/// Written inside an unpacked tree once it is complete; holds the tarball's sha256.
pub const STAMP: &str = ".sparkctl-installed";

pub fn tree(root: &str, dist: &LocalDist) -> String {
    format!("{}/{}", root, dist.dir_name)
}
pub fn current(root: &str) -> String {
    format!("{}/current", root)
}
pub fn state_dir(root: &str) -> String {
    format!("{}/.sparkctl", root)
}
pub fn uploaded_tarball(root: &str, dist: &LocalDist) -> String {
    format!("{}/dist/{}", state_dir(root), dist.file_name)
}

pub fn spark_pid_file(host: &Host, d: Daemon) -> String {
    format!(
        "{}/spark-{}-{}-1.pid",
        host.spark.pid_dir,
        SPARK_IDENT,
        d.spark_class()
    )
}

pub fn zk_pid_file(host: &Host) -> String {
    format!("{}/zookeeper_server.pid", host.zk.data_dir)
}

pub fn pid_file(host: &Host, d: Daemon) -> String {
    match d {
        Daemon::ZooKeeper => zk_pid_file(host),
        _ => spark_pid_file(host, d),
    }
}

/// Where a daemon's start fingerprint is kept: a hash of everything it was
/// started with (config files, command, distribution). A running daemon
/// whose fingerprint differs from the plan's is restarted, so a run that
/// died between writing files and restarting is finished by the next one.
pub fn fingerprint_file(cluster: &Cluster, d: Daemon) -> String {
    format!(
        "{}/{}.fingerprint",
        state_dir(root_of(cluster, d)),
        d.label()
    )
}

/// The Spark daemons' properties file when authentication is on:
/// spark-defaults.conf plus the secret, mode 0600, owned by the service user.
/// Outside the versioned tree, so an upgrade does not copy the secret around.
pub fn daemon_conf(cluster: &Cluster) -> String {
    format!(
        "{}/spark-daemon.conf",
        state_dir(&cluster.spark.install_root)
    )
}

/// Glob of the daemon's log on the host, for "last lines of the log" errors.
pub fn log_glob(host: &Host, d: Daemon) -> String {
    match d {
        Daemon::ZooKeeper => format!(
            "{}/zookeeper*.out {}/zookeeper*.log",
            host.zk.log_dir, host.zk.log_dir
        ),
        _ => format!(
            "{}/spark-{}-{}-1-*.out",
            host.spark.log_dir,
            SPARK_IDENT,
            d.spark_class()
        ),
    }
}

/// Root directory of the product a daemon belongs to.
pub fn root_of(cluster: &Cluster, d: Daemon) -> &str {
    match d {
        Daemon::ZooKeeper => &cluster.zookeeper.install_root,
        _ => &cluster.spark.install_root,
    }
}
