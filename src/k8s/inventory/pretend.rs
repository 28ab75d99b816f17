//! The pretend SSH inventory `inventory::validate` checks: one host per
//! pod, addressed by the names the pods really have, so the SSH mode's
//! checks and messages apply to `[spark]` and `[zookeeper]` unchanged.

use super::checks::image_version;
use super::model::{History, RawK8sInventory, MASTER, WORKER, ZK, ZK_HEADLESS};
use crate::dist::Version;
use crate::inventory::raw::{RawCluster, RawHost, RawInventory};
use crate::inventory::{memory_mb, Ha};

/// What the pods are, as resolved from `[kubernetes]`.
pub(super) struct Pods<'a> {
    pub(super) ha: Ha,
    pub(super) master_replicas: u32,
    pub(super) zookeeper_replicas: u32,
    pub(super) namespace: &'a str,
    pub(super) cluster_domain: &'a str,
    pub(super) version: Version,
    pub(super) zookeeper_image: Option<&'a str>,
    pub(super) worker_cores: u32,
    pub(super) worker_memory: &'a str,
    pub(super) history: Option<&'a History>,
}

pub(super) fn inventory(raw: &RawK8sInventory, pods: &Pods) -> RawInventory {
    let Pods {
        ref ha,
        master_replicas,
        zookeeper_replicas,
        namespace,
        cluster_domain,
        version,
        zookeeper_image,
        worker_cores,
        worker_memory,
        history,
    } = *pods;
    // Counts that `parse` refused are replaced by valid ones, so the rest
    // is still checked in the same run.
    let masters = if master_replicas == 0 {
        1
    } else {
        master_replicas
    };
    let zks = match ha {
        Ha::Zookeeper if zookeeper_replicas < 3 || zookeeper_replicas.is_multiple_of(2) => 3,
        _ => zookeeper_replicas,
    };
    let ha_written = Some(ha.name().to_string());
    let view = K8sNames {
        namespace,
        domain: cluster_domain,
    };
    let mut hosts: Vec<RawHost> = Vec::new();
    for i in 0..masters {
        hosts.push(RawHost {
            name: format!("{}-{}", MASTER, i),
            address: Some(view.master_service_dns(i)),
            roles: vec!["master".into()],
            ..RawHost::default()
        });
    }
    for i in 0..zks {
        hosts.push(RawHost {
            name: format!("{}-{}", ZK, i),
            address: Some(view.zk_pod_dns(i)),
            roles: vec!["zookeeper".into()],
            ..RawHost::default()
        });
    }
    hosts.push(RawHost {
        name: WORKER.into(),
        address: Some(format!("{}.{}.svc.{}", WORKER, namespace, cluster_domain)),
        roles: vec!["worker".into()],
        ..RawHost::default()
    });
    let mut spark = raw.spark.clone();
    spark.tarball = Some(format!("spark-{}-bin-image.tgz", version));
    // SSH-only keys were refused above; the pretend inventory has none.
    spark.url = None;
    spark.sha256 = None;
    spark.sha512 = None;
    spark.fetch = None;
    spark.install_root = None;
    spark.pid_dir = None;
    spark.java_home = None;
    spark.local_dirs = None;
    spark.worker_cores = Some(worker_cores.max(1));
    spark.worker_memory = Some(worker_memory.to_string());
    if memory_mb(worker_memory).is_none() {
        spark.worker_memory = None;
    }
    if let Some(h) = &history {
        // Applications write their event logs where the history server reads.
        let d = spark.defaults.get_or_insert_with(Default::default);
        d.entry("spark.eventLog.enabled".into())
            .or_insert_with(|| "true".into());
        d.entry("spark.eventLog.dir".into())
            .or_insert_with(|| h.log_dir.clone());
    }
    let mut zookeeper = raw.zookeeper.clone();
    if *ha == Ha::Zookeeper {
        let z = zookeeper.get_or_insert_with(Default::default);
        let zv = zookeeper_image
            .and_then(|i| image_version(i).ok())
            .unwrap_or(Version {
                major: 3,
                minor: 9,
                patch: 0,
            });
        z.tarball = Some(format!("apache-zookeeper-{}-bin.tar.gz", zv));
        z.url = None;
        z.sha256 = None;
        z.sha512 = None;
        z.fetch = None;
        z.install_root = None;
        z.java_home = None;
        z.data_log_dir = None;
    }
    RawInventory {
        cluster: RawCluster {
            name: raw.cluster.name.clone(),
            ha: ha_written,
            templates: raw.cluster.templates.clone(),
            ..RawCluster::default()
        },
        ssh: Default::default(),
        spark,
        zookeeper,
        history: None,
        connect: None,
        mesos: None,
        host: hosts,
    }
}

/// The DNS names, before a [`K8sCluster`] exists.
struct K8sNames<'a> {
    namespace: &'a str,
    domain: &'a str,
}

impl K8sNames<'_> {
    fn master_service_dns(&self, i: u32) -> String {
        format!("{}-{}.{}.svc.{}", MASTER, i, self.namespace, self.domain)
    }
    fn zk_pod_dns(&self, i: u32) -> String {
        format!(
            "{}-{}.{}.{}.svc.{}",
            ZK, i, ZK_HEADLESS, self.namespace, self.domain
        )
    }
}
