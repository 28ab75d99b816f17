//! The `[kubernetes]` inventory: parsed and checked with the SSH mode's located errors, then turned into a synthetic [`Cluster`] so the SSH mode's validation and templates apply unchanged.
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

use crate::diag::{Diagnostic, Diagnostics};
use crate::dist::Version;
use crate::inventory::locate::{span_of, Seg};
use crate::inventory::raw::{RawCluster, RawHost, RawInventory, RawSpark, RawZooKeeper};
use crate::inventory::{memory_mb, Cluster, Ha};
use crate::path;
use serde::Deserialize;
use std::path::Path;
use std::sync::Arc;

/// The whole file, as written, for `k8s render`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawK8sInventory {
    #[serde(default)]
    cluster: RawCluster,
    #[serde(default)]
    spark: RawSpark,
    zookeeper: Option<RawZooKeeper>,
    kubernetes: RawKubernetes,
    /// Refused with a location: pods, not hosts.
    ssh: Option<toml::Value>,
    /// Refused with a location: the replica counts say where daemons run.
    host: Option<toml::Value>,
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

/// Whether `path` is an inventory for `k8s render` (it has `[kubernetes]`).
/// A file that cannot be read or parsed is not: the SSH mode reports why.
pub fn is_k8s_inventory(path: &Path) -> bool {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| t.parse::<toml::Table>().ok())
        .is_some_and(|t| t.contains_key("kubernetes"))
}

pub fn load(path: &Path) -> Result<K8sCluster, Diagnostics> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Diagnostics(vec![Diagnostic::new(format!(
            "cannot read inventory {}: {}",
            path.display(),
            e
        ))])
    })?;
    parse(path, &text)
}

struct Errs<'a> {
    file: &'a Path,
    source: Arc<str>,
    items: Vec<Diagnostic>,
}

impl Errs<'_> {
    fn help(&mut self, at: Vec<Seg>, msg: impl Into<String>, help: impl Into<String>) {
        let span = span_of(&self.source, &at);
        self.items.push(
            Diagnostic::new(msg)
                .in_file(self.file, self.source.clone(), span)
                .with_help(help),
        );
    }
}

/// Properties whose values are credentials: a ConfigMap is readable by
/// anyone who may read the namespace's ConfigMaps, and is printed by
/// `kubectl get -o yaml`.
fn secret_bearing(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    ["password", "secret", "token", "credential", "access.key"]
        .iter()
        .any(|w| k.contains(w))
}

/// RFC 1123 label: what a namespace (and a DNS name part) must be.
fn dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

fn dns_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(dns_label)
}

/// A storage quantity as Kubernetes takes it: digits and a binary or
/// decimal suffix (`10Gi`, `500M`).
fn quantity_ok(s: &str) -> bool {
    let digits = s.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let suffix = &s[digits.len()..];
    !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit())
        && ["", "Ki", "Mi", "Gi", "Ti", "Pi", "k", "M", "G", "T", "P"].contains(&suffix)
}

/// An image reference: one word, with a tag carrying the version (the
/// version decides what Spark supports, like a tarball's name in SSH mode).
fn image_version(image: &str) -> Result<Version, String> {
    if image.is_empty()
        || image
            .chars()
            .any(|c| !(c.is_ascii_alphanumeric() || "./:_@-".contains(c)))
    {
        return Err(format!("invalid image `{}`", image.escape_debug()));
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    let tag = last.split('@').next().unwrap_or(last);
    match tag.split_once(':') {
        Some((_, t)) => Version::find_in(t)
            .ok_or_else(|| format!("cannot read a version from the tag of image `{}`", image)),
        None => Err(format!("image `{}` has no tag", image)),
    }
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
            "`k8s render` needs [kubernetes] with at least `spark_image` (see README \"Kubernetes\"); an inventory with [[host]] tables is deployed over SSH with `sparkctl deploy`",
        )]));
    }
    let raw: RawK8sInventory = toml::from_str(text).map_err(|e| {
        let (message, help) = crate::inventory::explain_toml_error(e.message());
        let mut d = Diagnostic::new(message).in_file(path, source.clone(), e.span());
        if let Some(h) = help {
            d = d.with_help(h);
        }
        Diagnostics(vec![d])
    })?;
    let mut e = Errs {
        file: path,
        source: source.clone(),
        items: Vec::new(),
    };
    let k = &raw.kubernetes;

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
    for (key, set) in [
        ("recovery_dir", raw.cluster.recovery_dir.is_some()),
        ("run_as", raw.cluster.run_as.is_some()),
    ] {
        if set {
            e.help(
                path!["cluster", key],
                format!("`{}` is not used with [kubernetes]", key),
                if key == "run_as" {
                    "the pods run as `spark_uid`/`zookeeper_uid` in [kubernetes]"
                } else {
                    "Kubernetes mode supports ha = \"zookeeper\" (or \"none\" with one master)"
                },
            );
        }
    }
    let s = &raw.spark;
    for (key, set, help) in [
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
    ] {
        if set {
            e.help(
                path!["spark", key],
                format!("`{}` is not used with [kubernetes]", key),
                help,
            );
        }
    }
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
    for (key, set, help) in [
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
    ] {
        if set {
            e.help(
                path!["zookeeper", key],
                format!("`{}` is not used with [kubernetes]", key),
                help,
            );
        }
    }

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

    let master_replicas = k.master_replicas.unwrap_or(3);
    if master_replicas == 0 {
        e.help(
            path!["kubernetes", "master_replicas"],
            "master_replicas must be at least 1",
            "use 2 or 3 masters for HA (ZooKeeper elects one ALIVE, the others wait as STANDBY), or 1 with ha = \"none\"",
        );
    }
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
    let worker_replicas = k.worker_replicas.unwrap_or(2);
    if worker_replicas == 0 {
        e.help(
            path!["kubernetes", "worker_replicas"],
            "worker_replicas must be at least 1",
            "workers run the executors: a cluster without them runs no application",
        );
    }
    let worker_cores = k.worker_cores.unwrap_or(1);
    if worker_cores == 0 {
        e.help(
            path!["kubernetes", "worker_cores"],
            "worker_cores must be at least 1",
            "the cores each worker offers (SPARK_WORKER_CORES) and its pod's CPU request and limit",
        );
    }
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
    let history = if k.history == Some(true) {
        let port = k.history_port.unwrap_or(18080);
        if port == 0 {
            e.help(
                path!["kubernetes", "history_port"],
                "port 0 is not allowed here",
                "the history server's UI port; Spark's default is 18080",
            );
        }
        match &k.history_log_dir {
            None => {
                e.help(
                    path!["kubernetes", "history"],
                    "the history server needs `history_log_dir`",
                    "e.g. history_log_dir = \"file:/spark-events\" (a shared volume is rendered) or \"s3a://bucket/events\"",
                );
                None
            }
            Some(d) => {
                let local = d
                    .strip_prefix("file:")
                    .or(d.starts_with('/').then_some(d.as_str()));
                let ok_path = local.is_none_or(|p| {
                    p.starts_with('/')
                        && p.len() > 1
                        && p.chars()
                            .all(|c| c.is_ascii_alphanumeric() || "/._-".contains(c))
                });
                if !ok_path || d.contains(char::is_whitespace) || d.is_empty() {
                    e.help(
                        path!["kubernetes", "history_log_dir"],
                        format!("invalid history_log_dir `{}`", d.escape_debug()),
                        "a URL Spark can write event logs to, like \"file:/spark-events\" or \"s3a://bucket/events\"",
                    );
                }
                Some(History {
                    log_dir: d.clone(),
                    local_path: local.map(str::to_string),
                    storage: history_storage,
                    port,
                })
            }
        }
    } else {
        for (key, set) in [
            ("history_log_dir", k.history_log_dir.is_some()),
            ("history_storage", k.history_storage.is_some()),
            ("history_port", k.history_port.is_some()),
        ] {
            if set {
                e.help(
                    path!["kubernetes", key],
                    format!("{} is only used with `history = true`", key),
                    "add `history = true` to [kubernetes], or remove it",
                );
            }
        }
        None
    };
    if let Some(h) = &history {
        if let Some(dir) = s
            .defaults
            .as_ref()
            .and_then(|d| d.get("spark.eventLog.dir"))
        {
            if *dir != h.log_dir {
                e.help(
                    path!["spark", "defaults", "spark.eventLog.dir"],
                    format!("spark.eventLog.dir `{}` is not the history server's history_log_dir `{}`", dir, h.log_dir),
                    "applications would write their event logs where the history server does not read: remove it (sparkctl sets it from history_log_dir) or make both the same",
                );
            }
        }
    }

    // The SSH mode's validation on a pretend inventory with one host per
    // pod. Counts that were refused above are replaced by valid ones, so
    // the rest is still checked in the same run.
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
        namespace: &namespace,
        domain: &cluster_domain,
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
    let version = spark_version.unwrap_or(Version {
        major: 4,
        minor: 0,
        patch: 0,
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
    spark.worker_memory = Some(worker_memory.clone());
    if memory_mb(&worker_memory).is_none() {
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
    if ha == Ha::Zookeeper {
        let z = zookeeper.get_or_insert_with(Default::default);
        let zv = zookeeper_image
            .as_deref()
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
    let pretend = RawInventory {
        cluster: RawCluster {
            name: raw.cluster.name.clone(),
            ha: ha_written,
            templates: raw.cluster.templates.clone(),
            ..RawCluster::default()
        },
        ssh: Default::default(),
        spark,
        zookeeper,
        host: hosts,
    };
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_tags_carry_versions() {
        let v = |s: &str| image_version(s).map(|v| v.to_string());
        assert_eq!(v("apache/spark:4.0.1").as_deref(), Ok("4.0.1"));
        assert_eq!(
            v("registry:5000/team/spark:3.5.3-java17").as_deref(),
            Ok("3.5.3")
        );
        assert_eq!(v("zookeeper:3.9.3@sha256:abc").as_deref(), Ok("3.9.3"));
        assert_eq!(
            v("apache/spark").unwrap_err(),
            "image `apache/spark` has no tag"
        );
        assert_eq!(
            v("apache/spark:latest").unwrap_err(),
            "cannot read a version from the tag of image `apache/spark:latest`"
        );
        assert!(v("spark:4.0.1 --x").is_err());
    }

    #[test]
    fn names_and_quantities() {
        assert!(dns_label("spark") && dns_label("a-1"));
        assert!(!dns_label("Spark") && !dns_label("-a") && !dns_label("a_b") && !dns_label(""));
        assert!(dns_subdomain("cluster.local") && !dns_subdomain("cluster..local"));
        assert!(quantity_ok("10Gi") && quantity_ok("500M") && quantity_ok("1024"));
        assert!(!quantity_ok("10GB") && !quantity_ok("Gi") && !quantity_ok("1.5Gi"));
        assert!(
            secret_bearing("spark.ssl.keyPassword")
                && secret_bearing("spark.hadoop.fs.s3a.access.key")
        );
        assert!(!secret_bearing("spark.eventLog.dir"));
    }
}
