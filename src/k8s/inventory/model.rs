//! The `[kubernetes]` inventory as written, and the resolved [`K8sCluster`]
//! the manifests are built from (with the names of its objects).

use crate::dist::Version;
use crate::inventory::raw::{RawCluster, RawSpark, RawZooKeeper};
use crate::inventory::Cluster;
use serde::Deserialize;

/// The whole file, as written, for `k8s render`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawK8sInventory {
    #[serde(default)]
    pub(super) cluster: RawCluster,
    #[serde(default)]
    pub(super) spark: RawSpark,
    pub(super) zookeeper: Option<RawZooKeeper>,
    pub(super) kubernetes: RawKubernetes,
    /// Refused with a location: pods, not hosts.
    pub(super) ssh: Option<toml::Value>,
    /// Refused with a location: the replica counts say where daemons run.
    pub(super) host: Option<toml::Value>,
}

/// `[kubernetes]`.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawKubernetes {
    pub namespace: Option<String>,
    pub cluster_domain: Option<String>,
    pub spark_image: Option<String>,
    pub zookeeper_image: Option<String>,
    pub image_pull_policy: Option<String>,
    pub master_replicas: Option<u32>,
    pub zookeeper_replicas: Option<u32>,
    pub worker_replicas: Option<u32>,
    pub worker_cores: Option<u32>,
    pub worker_memory: Option<String>,
    pub storage_class: Option<String>,
    pub zookeeper_storage: Option<String>,
    pub anti_affinity: Option<String>,
    pub spark_uid: Option<u32>,
    pub zookeeper_uid: Option<u32>,
    pub history: Option<bool>,
    pub history_log_dir: Option<String>,
    pub history_storage: Option<String>,
    pub history_port: Option<u16>,
}

/// How strictly masters (and ZooKeeper servers) are kept on different nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AntiAffinity {
    /// `requiredDuringSchedulingIgnoredDuringExecution`: a pod stays
    /// Pending rather than share a node with another of its kind.
    Required,
    /// `preferredDuringSchedulingIgnoredDuringExecution` (weight 100).
    Preferred,
}

/// The optional history server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct History {
    /// `spark.history.fs.logDirectory` = `spark.eventLog.dir`.
    pub log_dir: String,
    /// For a `file:` log dir: the mount path of the shared (ReadWriteMany) volume.
    pub local_path: Option<String>,
    pub storage: String,
    pub port: u16,
}

/// A validated Kubernetes inventory with every default resolved.
#[derive(Debug, Clone)]
pub struct K8sCluster {
    /// The synthetic SSH-mode cluster: hosts `master-N` (address: the
    /// per-pod Service DNS name), `zk-N` (the StatefulSet pod DNS name) and
    /// one `worker`, for the shared templates.
    pub cluster: Cluster,
    pub namespace: String,
    pub cluster_domain: String,
    pub spark_image: String,
    pub spark_version: Version,
    pub zookeeper_image: Option<String>,
    pub image_pull_policy: String,
    pub master_replicas: u32,
    /// 0 without ZooKeeper (`ha = "none"`, one master).
    pub zookeeper_replicas: u32,
    pub worker_replicas: u32,
    pub worker_cores: u32,
    pub worker_memory: String,
    pub worker_memory_mb: u64,
    pub storage_class: Option<String>,
    pub zookeeper_storage: String,
    pub anti_affinity: AntiAffinity,
    pub spark_uid: u32,
    pub zookeeper_uid: u32,
    pub history: Option<History>,
}

/// Object names (fixed: one cluster per namespace).
pub const MASTER: &str = "master";
pub const MASTER_HEADLESS: &str = "master-hs";
pub const ZK: &str = "zk";
pub const ZK_HEADLESS: &str = "zk-hs";
pub const WORKER: &str = "worker";
pub const HISTORY: &str = "history";

impl K8sCluster {
    /// `master-0`: the pod, and its own ClusterIP Service.
    pub fn master_name(&self, i: u32) -> String {
        format!("{}-{}", MASTER, i)
    }
    /// `master-0.<ns>.svc.<domain>`: the per-pod Service, a stable IP.
    pub fn master_service_dns(&self, i: u32) -> String {
        format!(
            "{}.{}.svc.{}",
            self.master_name(i),
            self.namespace,
            self.cluster_domain
        )
    }
    /// `master-0.master-hs.<ns>.svc.<domain>`: the pod's own name, which
    /// resolves to the pod's IP inside the pod (kubelet's /etc/hosts) and
    /// is what the master binds to.
    pub fn master_pod_dns(&self, i: u32) -> String {
        format!(
            "{}.{}.{}.svc.{}",
            self.master_name(i),
            MASTER_HEADLESS,
            self.namespace,
            self.cluster_domain
        )
    }
    /// `zk-0.zk-hs.<ns>.svc.<domain>`
    pub fn zk_pod_dns(&self, i: u32) -> String {
        format!(
            "{}-{}.{}.{}.svc.{}",
            ZK, i, ZK_HEADLESS, self.namespace, self.cluster_domain
        )
    }
    /// The spark-defaults.conf/spark-env.sh settings (cluster-wide in this mode).
    pub fn spark(&self) -> &crate::inventory::SparkSettings {
        &self.cluster.hosts[0].spark
    }
    pub fn zk(&self) -> &crate::inventory::ZkSettings {
        &self.cluster.hosts[0].zk
    }
    /// The host standing for every worker pod.
    pub fn worker_host(&self) -> &crate::inventory::Host {
        self.cluster
            .hosts
            .iter()
            .find(|h| h.roles.worker)
            .expect("a worker host")
    }
}
