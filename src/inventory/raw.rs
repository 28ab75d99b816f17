//! The inventory file exactly as written: serde structs that mirror the TOML.
//!
//! Every struct denies unknown fields so a typo is an error with a location,
//! never a silently ignored setting. No defaults or checks here: those live in
//! `validate/`, which turns this into the resolved [`super::Cluster`].

use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawInventory {
    #[serde(default)]
    pub cluster: RawCluster,
    #[serde(default)]
    pub ssh: RawSsh,
    pub spark: RawSpark,
    #[serde(default)]
    pub zookeeper: Option<RawZooKeeper>,
    /// `[history]`: the history server's settings (role `history`).
    #[serde(default)]
    pub history: Option<RawHistory>,
    /// `[connect]`: the Spark Connect server's settings (role `connect`).
    #[serde(default)]
    pub connect: Option<RawConnect>,
    /// `[mesos]`: the Mesos cluster dispatcher (role `mesos-dispatcher`).
    #[serde(default)]
    pub mesos: Option<RawMesos>,
    #[serde(default)]
    pub host: Vec<RawHost>,
}

/// `[mesos]`: cluster-wide. Each `spark.mesos.*` property has a key of its
/// own (validated by name: an unknown one is refused, with a suggestion),
/// rather than a free-form table.
#[derive(Debug, Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawMesos {
    pub master: Option<String>,
    pub port: Option<u16>,
    pub ui_port: Option<u16>,
    pub native_library: Option<String>,
    pub coarse: Option<bool>,
    pub cores_max: Option<u32>,
    pub executor_docker_image: Option<String>,
    pub uris: Option<Vec<String>>,
    pub role: Option<String>,
    pub constraints: Option<String>,
    pub principal: Option<String>,
    pub secret_file: Option<String>,
}

/// `[connect]`: cluster-wide (clients are told one port).
#[derive(Debug, Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawConnect {
    pub port: Option<u16>,
    /// Spark 3.4/3.5 only: the server jar on this machine (relative to the
    /// inventory's directory), uploaded by deploy.
    pub jar: Option<String>,
    pub authenticate: Option<bool>,
    /// `spark.cores.max` of the server's application.
    pub cores_max: Option<u32>,
    /// `spark.executor.memory` of the server's application.
    pub executor_memory: Option<String>,
}

/// `[history]`: cluster-wide only (every driver writes to the one event
/// log directory the history server reads).
#[derive(Debug, Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawHistory {
    /// `hdfs://...`, `s3a://...`, `file:/abs` or `/abs` (= `file:/abs`).
    pub log_directory: Option<String>,
    pub ui_port: Option<u16>,
    pub cleaner: Option<bool>,
    pub cleaner_max_age: Option<String>,
    pub cleaner_interval: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawCluster {
    pub name: Option<String>,
    /// "none" | "zookeeper" | "filesystem"
    pub ha: Option<String>,
    pub recovery_dir: Option<String>,
    /// Directory for user templates overriding the built-in ones.
    pub templates: Option<String>,
    /// Service user the daemons run as (root over SSH, or `[ssh] sudo`).
    pub run_as: Option<String>,
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawSsh {
    pub user: Option<String>,
    pub port: Option<u16>,
    pub identity_file: Option<String>,
    pub config_file: Option<String>,
    pub known_hosts_file: Option<String>,
    /// "strict" | "accept-new"
    pub host_key_policy: Option<String>,
    pub connect_timeout: Option<u64>,
    pub command_timeout: Option<u64>,
    /// Run every remote step through `sudo -n` (login user is not root).
    pub sudo: Option<bool>,
    /// "ssh" (default) | "direct": how health probes reach the daemons.
    pub probe: Option<String>,
    /// Seconds an idle SSH master outlives a run, for the next run to reuse
    /// (default 300; 0: every run opens and closes its own).
    pub control_persist: Option<u64>,
}

/// `[spark]` and `[host.spark]`: distribution keys are only valid cluster-wide.
#[derive(Debug, Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawSpark {
    // distribution (cluster-wide only)
    pub tarball: Option<String>,
    pub url: Option<String>,
    pub sha256: Option<String>,
    pub sha512: Option<String>,
    /// "operator" (default) | "hosts": who downloads `url` (see `Source::HostUrl`).
    pub fetch: Option<String>,
    pub install_root: Option<String>,
    pub zookeeper_dir: Option<String>,
    // security (cluster-wide only)
    /// `spark.authenticate` with a shared secret.
    pub authenticate: Option<bool>,
    /// Operator-side file holding the secret (generated when missing).
    pub secret_file: Option<String>,
    /// The masters' REST submission server (`spark.master.rest.enabled`):
    /// off unless true, on every version.
    pub rest: Option<bool>,
    /// Graceful worker decommissioning (`spark.decommission.enabled` and
    /// block migration): on by default on Spark 3.1+, where it exists.
    pub decommission: Option<bool>,
    // settings (cluster-wide, overridable per host)
    pub master_port: Option<u16>,
    pub master_webui_port: Option<u16>,
    /// `spark.master.rest.port` (only with `rest = true`).
    pub rest_port: Option<u16>,
    pub worker_port: Option<u16>,
    pub worker_webui_port: Option<u16>,
    pub worker_cores: Option<u32>,
    pub worker_memory: Option<String>,
    pub worker_dir: Option<String>,
    pub local_dirs: Option<String>,
    pub log_dir: Option<String>,
    pub pid_dir: Option<String>,
    pub daemon_memory: Option<String>,
    pub daemon_java_opts: Option<Vec<String>>,
    pub master_opts: Option<Vec<String>>,
    pub worker_opts: Option<Vec<String>>,
    pub java_home: Option<String>,
    pub extra_env: Option<Vec<String>>,
    pub defaults: Option<BTreeMap<String, String>>,
    pub worker_timeout: Option<u32>,
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawZooKeeper {
    // distribution (cluster-wide only)
    pub tarball: Option<String>,
    pub url: Option<String>,
    pub sha256: Option<String>,
    pub sha512: Option<String>,
    /// "operator" (default) | "hosts": who downloads `url` (see `Source::HostUrl`).
    pub fetch: Option<String>,
    pub install_root: Option<String>,
    pub tick_time: Option<u32>,
    pub init_limit: Option<u32>,
    pub sync_limit: Option<u32>,
    pub max_session_timeout: Option<u32>,
    pub client_port: Option<u16>,
    pub quorum_port: Option<u16>,
    pub election_port: Option<u16>,
    /// 0 disables the AdminServer.
    pub admin_port: Option<u16>,
    pub data_dir: Option<String>,
    pub data_log_dir: Option<String>,
    pub log_dir: Option<String>,
    pub heap: Option<String>,
    pub jvm_opts: Option<Vec<String>>,
    pub java_home: Option<String>,
    pub autopurge_snap_retain_count: Option<u32>,
    pub autopurge_purge_interval: Option<u32>,
    /// Extra zoo.cfg properties.
    pub extra: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawHost {
    pub name: String,
    pub address: Option<String>,
    pub roles: Vec<String>,
    pub ssh_user: Option<String>,
    pub ssh_port: Option<u16>,
    pub identity_file: Option<String>,
    /// ZooKeeper server id (myid); defaults to the host's position among ZooKeeper hosts.
    pub zk_id: Option<u32>,
    #[serde(default)]
    pub spark: RawSpark,
    #[serde(default)]
    pub zookeeper: RawZooKeeper,
}
