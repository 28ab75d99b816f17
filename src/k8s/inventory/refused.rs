//! The keys of the SSH mode that mean nothing with `[kubernetes]`, and
//! `defaults` that would put a credential in a ConfigMap: refused at the
//! key that set them, with what to do instead.

use super::checks::{secret_bearing, Errs};
use super::model::RawK8sInventory;
use crate::path;

/// Every such key, in the file's order of tables.
pub(super) fn refuse(e: &mut Errs, raw: &RawK8sInventory) {
    if raw.ssh.is_some() {
        e.help(
            path!["ssh"],
            "[ssh] is not used with [kubernetes]",
            "`sparkctl k8s render` writes manifests and contacts nothing; remove [ssh], or keep the SSH deployment in its own inventory",
        );
    }
    if raw.host.is_some() {
        e.help(
            path!["host"],
            "[[host]] is not used with [kubernetes]",
            "pods take the place of hosts: set master_replicas, zookeeper_replicas and worker_replicas in [kubernetes]",
        );
    }
    not_used(
        e,
        "cluster",
        [
            (
                "recovery_dir",
                raw.cluster.recovery_dir.is_some(),
                "Kubernetes mode supports ha = \"zookeeper\" (or \"none\" with one master)",
            ),
            (
                "run_as",
                raw.cluster.run_as.is_some(),
                "the pods run as `spark_uid`/`zookeeper_uid` in [kubernetes]",
            ),
        ],
    );
    let s = &raw.spark;
    not_used(e, "spark", [
        ("tarball", s.tarball.is_some(), "the distribution is `spark_image` in [kubernetes]"),
        ("url", s.url.is_some(), "the distribution is `spark_image` in [kubernetes]"),
        ("sha256", s.sha256.is_some(), "pin the image by digest in `spark_image` instead"),
        ("sha512", s.sha512.is_some(), "pin the image by digest in `spark_image` instead"),
        ("fetch", s.fetch.is_some(), "the nodes pull `spark_image`"),
        ("install_root", s.install_root.is_some(), "Spark is the image's /opt/spark"),
        ("pid_dir", s.pid_dir.is_some(), "the daemons run in the foreground of their containers"),
        ("java_home", s.java_home.is_some(), "the image's Java is used"),
        ("local_dirs", s.local_dirs.is_some(), "executors use worker_dir, an emptyDir volume"),
        ("worker_cores", s.worker_cores.is_some(), "set `worker_cores` in [kubernetes]: it is the worker pods' CPU request and limit too"),
        ("worker_memory", s.worker_memory.is_some(), "set `worker_memory` in [kubernetes]: it sizes the worker pods' memory request and limit too"),
    ]);
    for key in s.defaults.iter().flat_map(|d| d.keys()) {
        // spark.authenticate* has its own message from `validate`.
        if secret_bearing(key) && !key.starts_with("spark.authenticate") {
            e.help(
                path!["spark", "defaults", key.as_str()],
                format!("`{}` looks like a credential and would be stored in a ConfigMap", key),
                "ConfigMaps are readable by anyone who may read the namespace's configuration: give credentials to Spark another way (a Secret mounted by your own manifests, or a credentials provider)",
            );
        }
    }
    let zr = raw.zookeeper.clone().unwrap_or_default();
    not_used(
        e,
        "zookeeper",
        [
            (
                "tarball",
                zr.tarball.is_some(),
                "the distribution is `zookeeper_image` in [kubernetes]",
            ),
            (
                "url",
                zr.url.is_some(),
                "the distribution is `zookeeper_image` in [kubernetes]",
            ),
            (
                "sha256",
                zr.sha256.is_some(),
                "pin the image by digest in `zookeeper_image` instead",
            ),
            (
                "sha512",
                zr.sha512.is_some(),
                "pin the image by digest in `zookeeper_image` instead",
            ),
            (
                "fetch",
                zr.fetch.is_some(),
                "the nodes pull `zookeeper_image`",
            ),
            (
                "install_root",
                zr.install_root.is_some(),
                "ZooKeeper is the image's",
            ),
            (
                "java_home",
                zr.java_home.is_some(),
                "the image's Java is used",
            ),
            (
                "data_log_dir",
                zr.data_log_dir.is_some(),
                "the transaction log stays in data_dir, on the server's PersistentVolume",
            ),
        ],
    );
}

/// `[table] key` for each key that is set: what it would do is done
/// another way with [kubernetes], which `help` says.
fn not_used<'a>(
    e: &mut Errs,
    table: &str,
    keys: impl IntoIterator<Item = (&'a str, bool, &'a str)>,
) {
    for (key, set, help) in keys {
        if set {
            e.help(
                path![table, key],
                format!("`{}` is not used with [kubernetes]", key),
                help,
            );
        }
    }
}
