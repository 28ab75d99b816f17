//! Where everything lives on a host. Every remote path sparkctl uses is built
//! here, so the plan, the scripts and the tests agree on one layout:
//!
//! ```text
//! /opt/spark/spark-4.3.0-bin-hadoop3/   unpacked tree (+ .sparkctl-installed stamp)
//! /opt/spark/current -> spark-4.3.0-bin-hadoop3
//! /opt/spark/.sparkctl/dist/<tarball>   verified upload, kept for re-runs
//! /opt/spark/.sparkctl/jars/<sha>-<jar> [connect] jar (Spark 3.x), verified, 0644
//! /opt/spark/{logs,run,work}            outside the tree: survive upgrades
//! /opt/zookeeper/<tree>, current, .sparkctl, logs
//! /var/lib/zookeeper/{myid,zookeeper_server.pid}
//! ```

use crate::dist::{LocalDist, Product};
use crate::inventory::{Cluster, Host};

pub use crate::daemon::Daemon;

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

/// Where `[connect] jar` lands on the Connect host: in the root-owned
/// state directory (the service user reads it, cannot replace it), under
/// a name that starts with its sha256, so a changed jar is a new file and
/// the start command naming it changes (a restart), while an unchanged one
/// is found in place and not sent again.
pub fn connect_jar(root: &str, jar: &crate::inventory::ConnectJar) -> String {
    format!(
        "{}/jars/{}-{}",
        state_dir(root),
        &jar.sha256[..16],
        jar.file_name
    )
}

/// The pid file of daemon `d` on `host`, where its launcher writes it (see
/// [`Launcher`](crate::daemon::Launcher)).
pub fn pid_file(host: &Host, d: Daemon) -> String {
    match d.product() {
        Product::ZooKeeper => format!("{}/zookeeper_server.pid", host.zk.data_dir),
        Product::Spark => format!(
            "{}/spark-{}-{}-1.pid",
            host.spark.pid_dir,
            SPARK_IDENT,
            d.spark_class()
        ),
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

/// The masters' leader latch in ZooKeeper (Spark's
/// `<spark.deploy.zookeeper.dir>/leader_election`).
pub fn election_znode(cluster: &Cluster) -> String {
    format!("{}/leader_election", cluster.spark.zookeeper_dir)
}

/// Holds the pid of the worker that started with decommissioning on (its
/// properties enable it, so SIGPWR decommissions it rather than killing
/// it). Written by the root start script in the root-owned state
/// directory, not by anything the service user can write.
pub fn decommission_marker(cluster: &Cluster) -> String {
    format!(
        "{}/worker.decommission",
        state_dir(root_of(cluster, Daemon::Worker))
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
    match d.product() {
        Product::ZooKeeper => format!(
            "{}/zookeeper*.out {}/zookeeper*.log",
            host.zk.log_dir, host.zk.log_dir
        ),
        Product::Spark => format!(
            "{}/spark-{}-{}-1-*.out",
            host.spark.log_dir,
            SPARK_IDENT,
            d.spark_class()
        ),
    }
}

/// Install root of a product.
pub fn product_root(cluster: &Cluster, p: Product) -> &str {
    match p {
        Product::Spark => &cluster.spark.install_root,
        Product::ZooKeeper => &cluster.zookeeper.install_root,
    }
}

/// Root directory of the product a daemon belongs to.
pub fn root_of(cluster: &Cluster, d: Daemon) -> &str {
    product_root(cluster, d.product())
}
