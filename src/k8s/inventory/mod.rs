//! The `[kubernetes]` inventory: parsed and checked with the SSH mode's located errors, then turned into a synthetic [`Cluster`](crate::inventory::Cluster) so the SSH mode's validation and templates apply unchanged.
//!
//! A Kubernetes inventory has `[cluster]`, `[spark]`, `[zookeeper]` and
//! `[kubernetes]`, and no `[[host]]`/`[ssh]`. The keys that mean the same
//! thing in both modes (ports, JVM options, `defaults`, ZooKeeper timing,
//! `authenticate`, `rest`...) are checked by `inventory::validate` itself:
//! this module refuses the SSH-only keys, checks the Kubernetes keys, and
//! hands `validate` an inventory with one pretend host per pod (masters
//! addressed by their per-pod Service names, ZooKeeper servers by their
//! stable StatefulSet DNS names), so its messages point at the same
//! `[spark]`/`[zookeeper]` lines of the same file.
//!
//! `parse` checks the `[kubernetes]` keys in order; `refused` has the keys
//! it refuses, `history` the history server's, `pretend` builds the SSH
//! inventory, `model` holds the types and `checks` the single-value checks.

mod checks;
mod history;
mod model;
mod pretend;
mod refused;

use crate::diag::{Diagnostic, Diagnostics};
use crate::dist::Version;
use crate::inventory::memory_mb;
use crate::inventory::Ha;
use crate::path;
use checks::{at_least_one, dns_label, dns_subdomain, image_version, quantity_ok, Errs};
use model::RawK8sInventory;
pub use model::{
    AntiAffinity, History, K8sCluster, RawKubernetes, HISTORY, MASTER, MASTER_HEADLESS, WORKER, ZK,
    ZK_HEADLESS,
};
use std::path::Path;
use std::sync::Arc;

/// Whether `path` is an inventory for `k8s render` (it has `[kubernetes]`).
/// A file that cannot be read or parsed is not: the SSH mode reports why.
pub fn is_k8s_inventory(path: &Path) -> bool {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| t.parse::<toml::Table>().ok())
        .is_some_and(|t| t.contains_key("kubernetes"))
}

pub fn load(path: &Path) -> Result<K8sCluster, Diagnostics> {
    parse(path, &crate::inventory::read(path)?)
}

pub fn parse(path: &Path, text: &str) -> Result<K8sCluster, Diagnostics> {
    let source: Arc<str> = text.into();
    if text
        .parse::<toml::Table>()
        .is_ok_and(|t| !t.contains_key("kubernetes"))
    {
        return Err(Diagnostics(vec![Diagnostic::new(
            "the inventory has no [kubernetes] section",
        )
        .in_file(path, source.clone(), None)
        .with_help(
            "`k8s render` needs [kubernetes] with at least `spark_image` (see docs/kubernetes.md); an inventory with [[host]] tables is deployed over SSH with `sparkctl deploy`",
        )]));
    }
    let raw: RawK8sInventory =
        toml::from_str(text).map_err(|e| crate::inventory::toml_error(path, &source, &e))?;
    let mut e = Errs {
        file: path,
        source: source.clone(),
        items: Vec::new(),
    };
    let k = &raw.kubernetes;
    refused::refuse(&mut e, &raw);

    let name = raw.cluster.name.clone().unwrap_or_else(|| {
        path.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "spark".into())
    });
    // The name is every object's `app.kubernetes.io/instance` label value.
    let label_ok = name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    if !label_ok {
        e.help(
            if raw.cluster.name.is_some() { path!["cluster", "name"] } else { path![] },
            format!("cluster name `{}` cannot be a Kubernetes label value", name.escape_debug()),
            "with [kubernetes], use at most 63 letters, digits, `.`, `_` and `-`, starting and ending with a letter or digit (without [cluster] name, the file name is used)",
        );
    }
    let namespace = k.namespace.clone().unwrap_or_else(|| name.clone());
    if !dns_label(&namespace) {
        let at = if k.namespace.is_some() {
            path!["kubernetes", "namespace"]
        } else {
            path!["kubernetes"]
        };
        e.help(
            at,
            format!("invalid namespace `{}`", namespace.escape_debug()),
            "a namespace is at most 63 lower-case letters, digits and `-`, starting and ending with a letter or digit (without `namespace`, the cluster name is used)",
        );
    }
    let cluster_domain = k
        .cluster_domain
        .clone()
        .unwrap_or_else(|| "cluster.local".into());
    if !dns_subdomain(&cluster_domain) {
        e.help(
            path!["kubernetes", "cluster_domain"],
            format!("invalid cluster_domain `{}`", cluster_domain.escape_debug()),
            "the cluster's DNS domain, like \"cluster.local\" (kubelet's --cluster-domain)",
        );
    }
    let spark_image = k.spark_image.clone().unwrap_or_default();
    let spark_version = match &k.spark_image {
        None => {
            e.help(
                path!["kubernetes"],
                "[kubernetes] needs `spark_image`",
                "e.g. spark_image = \"apache/spark:4.0.1\" (its tag carries the Spark version)",
            );
            None
        }
        Some(img) => match image_version(img) {
            Ok(v) => Some(v),
            Err(m) => {
                e.help(
                    path!["kubernetes", "spark_image"],
                    m,
                    "give the image with a version tag, like \"apache/spark:4.0.1\": the version decides what sparkctl may configure (e.g. the REST server)",
                );
                None
            }
        },
    };
    let image_pull_policy = k
        .image_pull_policy
        .clone()
        .unwrap_or_else(|| "IfNotPresent".into());
    if !["Always", "IfNotPresent", "Never"].contains(&image_pull_policy.as_str()) {
        e.help(
            path!["kubernetes", "image_pull_policy"],
            format!(
                "unknown image_pull_policy `{}`",
                image_pull_policy.escape_debug()
            ),
            "expected \"Always\", \"IfNotPresent\" (the default) or \"Never\"",
        );
    }

    let master_replicas = at_least_one(
        &mut e,
        "master_replicas",
        k.master_replicas,
        3,
        "use 2 or 3 masters for HA (ZooKeeper elects one ALIVE, the others wait as STANDBY), or 1 with ha = \"none\"",
    );
    let ha =
        match raw.cluster.ha.as_deref() {
            // 0 masters is refused above; do not add "ha = none" errors to it.
            None if master_replicas >= 2 || master_replicas == 0 => Ha::Zookeeper,
            None | Some("none") => Ha::None,
            Some("zookeeper") => Ha::Zookeeper,
            Some(other) => {
                e.help(
                path!["cluster", "ha"],
                format!("ha = \"{}\" is not supported with [kubernetes]", other.escape_debug()),
                "use \"zookeeper\" (the default with 2 or more masters) or \"none\" (one master)",
            );
                Ha::None
            }
        };
    if ha == Ha::None && master_replicas >= 2 {
        e.help(
            if raw.cluster.ha.is_some() {
                path!["cluster", "ha"]
            } else {
                path!["kubernetes", "master_replicas"]
            },
            format!(
                "{} masters with ha = \"none\" would each be ALIVE on their own",
                master_replicas
            ),
            "use ha = \"zookeeper\", or master_replicas = 1",
        );
    }
    let zookeeper_replicas = if ha == Ha::Zookeeper {
        let z = k.zookeeper_replicas.unwrap_or(3);
        if z < 3 || z.is_multiple_of(2) {
            e.help(
                if k.zookeeper_replicas.is_some() { path!["kubernetes", "zookeeper_replicas"] } else { path!["kubernetes"] },
                format!("HA mode `zookeeper` needs an odd number of ZooKeeper replicas, at least 3; found {}", z),
                "a quorum of N servers survives (N-1)/2 failures: 1 or 2 servers survive none; use 3 or 5",
            );
        }
        z
    } else {
        if k.zookeeper_replicas.is_some() {
            e.help(
                path!["kubernetes", "zookeeper_replicas"],
                "zookeeper_replicas is only used with ha = \"zookeeper\"",
                "remove it, or use ha = \"zookeeper\" with 2 or more masters",
            );
        }
        0
    };
    let zookeeper_image = if ha == Ha::Zookeeper {
        match &k.zookeeper_image {
            None => {
                e.help(
                    path!["kubernetes"],
                    "[kubernetes] needs `zookeeper_image` with ha = \"zookeeper\"",
                    "e.g. zookeeper_image = \"zookeeper:3.9.3\" (the official image; its tag carries the version)",
                );
                None
            }
            Some(img) => {
                if let Err(m) = image_version(img) {
                    e.help(
                        path!["kubernetes", "zookeeper_image"],
                        m,
                        "give the image with a version tag, like \"zookeeper:3.9.3\"",
                    );
                }
                Some(img.clone())
            }
        }
    } else {
        None
    };
    let worker_replicas = at_least_one(
        &mut e,
        "worker_replicas",
        k.worker_replicas,
        2,
        "workers run the executors: a cluster without them runs no application",
    );
    let worker_cores = at_least_one(
        &mut e,
        "worker_cores",
        k.worker_cores,
        1,
        "the cores each worker offers (SPARK_WORKER_CORES) and its pod's CPU request and limit",
    );
    let worker_memory = k.worker_memory.clone().unwrap_or_else(|| "1g".into());
    let worker_memory_mb = match memory_mb(&worker_memory) {
        Some(m) => m,
        None => {
            e.help(
                path!["kubernetes", "worker_memory"],
                format!("invalid memory size `{}`", worker_memory.escape_debug()),
                "expected a number with a unit, like \"512m\" or \"2g\"",
            );
            1024
        }
    };
    let storage_class = k.storage_class.clone();
    if let Some(sc) = &storage_class {
        if !dns_subdomain(sc) {
            e.help(
                path!["kubernetes", "storage_class"],
                format!("invalid storage_class `{}`", sc.escape_debug()),
                "the name of a StorageClass: lower-case letters, digits, `-` and `.`",
            );
        }
    }
    let mut quantity = |key: &str, v: &Option<String>| -> String {
        let q = v.clone().unwrap_or_else(|| "10Gi".into());
        if !quantity_ok(&q) {
            e.help(
                path!["kubernetes", key],
                format!("invalid storage size `{}`", q.escape_debug()),
                "expected a Kubernetes quantity like \"10Gi\" or \"500Mi\"",
            );
        }
        q
    };
    let zookeeper_storage = quantity("zookeeper_storage", &k.zookeeper_storage);
    let history_storage = quantity("history_storage", &k.history_storage);
    let anti_affinity = match k.anti_affinity.as_deref().unwrap_or("required") {
        "required" => AntiAffinity::Required,
        "preferred" => AntiAffinity::Preferred,
        other => {
            e.help(
                path!["kubernetes", "anti_affinity"],
                format!("unknown anti_affinity `{}`", other.escape_debug()),
                "expected \"required\" (the default: two masters or two ZooKeeper servers never share a node) or \"preferred\"",
            );
            AntiAffinity::Required
        }
    };
    let history = history::resolve(&mut e, k, &raw.spark, history_storage);

    let version = spark_version.unwrap_or(Version {
        major: 4,
        minor: 0,
        patch: 0,
    });
    let pretend = pretend::inventory(
        &raw,
        &pretend::Pods {
            ha,
            master_replicas,
            zookeeper_replicas,
            namespace: &namespace,
            cluster_domain: &cluster_domain,
            version,
            zookeeper_image: zookeeper_image.as_deref(),
            worker_cores,
            worker_memory: &worker_memory,
            history: history.as_ref(),
        },
    );
    let validated = crate::inventory::validate(path, source.clone(), pretend);
    let mut items = e.items;
    let cluster = match validated {
        Ok(c) => Some(c),
        Err(Diagnostics(more)) => {
            for d in more {
                if !items
                    .iter()
                    .any(|x| x.message == d.message && x.span == d.span)
                {
                    items.push(d);
                }
            }
            None
        }
    };
    if !items.is_empty() {
        return Err(Diagnostics(items));
    }
    let mut cluster = cluster.expect("validated");
    // Every worker pod advertises its own IP (from the downward API); the
    // template writes the address into spark-env.sh, a shell script, as
    // `export SPARK_LOCAL_HOSTNAME=...`.
    for h in cluster.hosts.iter_mut().filter(|h| h.roles.worker) {
        h.address = "${SPARKCTL_POD_IP}".into();
        h.spark.worker_opts.insert(
            0,
            "-Dspark.worker.preferConfiguredMasterAddress=true".into(),
        );
    }
    Ok(K8sCluster {
        cluster,
        namespace,
        cluster_domain,
        spark_image,
        spark_version: version,
        zookeeper_image,
        image_pull_policy,
        master_replicas,
        zookeeper_replicas,
        worker_replicas,
        worker_cores,
        worker_memory,
        worker_memory_mb,
        storage_class,
        zookeeper_storage,
        anti_affinity,
        spark_uid: k.spark_uid.unwrap_or(185),
        zookeeper_uid: k.zookeeper_uid.unwrap_or(1000),
        history,
    })
}
