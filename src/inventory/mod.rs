//! The inventory: what the user wants the cluster to be.
//!
//! `load` reads a TOML file into the raw serde model (`raw.rs`), then
//! `validate/` checks it as a whole and resolves every default, producing a
//! [`Cluster`] in which nothing is optional that the rest of the program needs.
//! Everything downstream (plan, render, health) works on `Cluster` only and
//! never re-reads the file.

pub mod edit;
pub mod locate;
pub mod raw;
mod validate;

use crate::diag::{Diagnostic, Diagnostics};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use validate::validate;

/// Read, parse and validate an inventory file.
pub fn load(path: &Path) -> Result<Cluster, Diagnostics> {
    parse(path, &read(path)?)
}

/// The inventory file's text; shared with `k8s render`, so both modes say
/// the same when it cannot be read.
pub(crate) fn read(path: &Path) -> Result<String, Diagnostics> {
    std::fs::read_to_string(path).map_err(|e| {
        Diagnostics(vec![Diagnostic::new(format!(
            "cannot read inventory {}: {}",
            path.display(),
            e
        ))])
    })
}

/// Parse and validate inventory text; `path` is used for messages and to
/// resolve relative tarball paths.
pub fn parse(path: &Path, text: &str) -> Result<Cluster, Diagnostics> {
    let source: Arc<str> = text.into();
    let raw: raw::RawInventory = toml::from_str(text).map_err(|e| toml_error(path, &source, &e))?;
    validate(path, source, raw)
}

/// A TOML syntax or type error, located in the file, with
/// `explain_toml_error`'s help; shared with `k8s render`.
pub(crate) fn toml_error(path: &Path, source: &Arc<str>, e: &toml::de::Error) -> Diagnostics {
    let (message, help) = explain_toml_error(e.message());
    let mut d = Diagnostic::new(message).in_file(path, source.clone(), e.span());
    if let Some(h) = help {
        d = d.with_help(h);
    }
    Diagnostics(vec![d])
}

/// toml's messages are good; unknown-field ones get a "did you mean".
fn explain_toml_error(msg: &str) -> (String, Option<String>) {
    let msg = msg.trim().to_string();
    if let Some(rest) = msg.strip_prefix("unknown field `") {
        if let Some((name, expected)) = rest.split_once('`') {
            let candidates: Vec<&str> = expected
                .split('`')
                .enumerate()
                .filter(|(i, _)| i % 2 == 1)
                .map(|(_, s)| s)
                .collect();
            let help = crate::diag::did_you_mean(name, candidates.iter().copied())
                .map(|c| format!("did you mean `{}`?", c))
                .or_else(|| Some(format!("valid keys here: {}", candidates.join(", "))));
            return (format!("unknown key `{}`", name), help);
        }
    }
    (msg, None)
}

/// How the masters recover state and elect a leader.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "mode", rename_all = "lowercase")]
pub enum Ha {
    /// One master, no recovery.
    None,
    /// Leader election and state in ZooKeeper; any number of masters.
    Zookeeper,
    /// One master; its state survives a restart in `dir` (not real HA).
    Filesystem { dir: String },
}

impl Ha {
    pub fn name(&self) -> &'static str {
        match self {
            Ha::None => "none",
            Ha::Zookeeper => "zookeeper",
            Ha::Filesystem { .. } => "filesystem",
        }
    }
}

/// Where a distribution tarball comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A local file; an optional checksum is verified before use.
    Path {
        path: PathBuf,
        checksum: Option<Checksum>,
    },
    /// Downloaded once into the local cache and verified against `checksum`.
    Url { url: String, checksum: Checksum },
    /// `fetch = "hosts"`: every host downloads `url` itself and verifies
    /// `checksum` on the host; the operator never holds the bytes, so its
    /// link carries none of them.
    HostUrl { url: String, checksum: Checksum },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checksum {
    pub algo: HashAlgo,
    /// Lower-case hex.
    pub hex: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlgo {
    Sha256,
    Sha512,
}

impl HashAlgo {
    pub fn name(self) -> &'static str {
        match self {
            HashAlgo::Sha256 => "sha256",
            HashAlgo::Sha512 => "sha512",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshOptions {
    pub user: Option<String>,
    pub port: Option<u16>,
    pub identity_file: Option<PathBuf>,
    pub config_file: Option<PathBuf>,
    pub known_hosts_file: Option<PathBuf>,
    pub accept_new_host_keys: bool,
    pub connect_timeout: u64,
    pub command_timeout: u64,
    /// Wrap every remote step in `sudo -n` (the login user is not root).
    pub sudo: bool,
    /// How health probes reach the daemons' ports.
    pub probe: ProbeRoute,
    /// Seconds an idle SSH master is kept for the next run (0: not kept).
    pub control_persist: u64,
}

/// `[ssh] probe`: how health probes (ZooKeeper `srvr`, the masters' and
/// workers' `/json/`) reach the daemons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProbeRoute {
    /// Through the host's SSH connection (a forwarded channel opened by the
    /// host's sshd to the daemon's inventory address): works wherever SSH
    /// does, bastions and firewalls included. The default.
    #[default]
    Ssh,
    /// Straight from the operator's machine to the daemon's port.
    Direct,
}

impl ProbeRoute {
    pub fn name(self) -> &'static str {
        match self {
            ProbeRoute::Ssh => "ssh",
            ProbeRoute::Direct => "direct",
        }
    }
}

/// Spark distribution and cluster-wide Spark facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SparkDist {
    pub source: Source,
    pub install_root: String,
    /// `spark.deploy.zookeeper.dir`
    pub zookeeper_dir: String,
    /// `spark.authenticate`: set when enabled.
    pub auth: Option<Auth>,
    /// `[spark] rest`: the masters run the REST submission server (with
    /// `auth`, behind the JWS filter; see `crate::rest`).
    pub rest: bool,
    /// `[spark] decommission`: workers decommission (SIGPWR) before they
    /// stop in rolling restarts and `stop --graceful`, and migrate their
    /// blocks (see `crate::decommission`).
    pub decommission: bool,
}

/// Spark RPC authentication with one secret shared by every daemon and app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Auth {
    /// Operator-side file holding the secret; generated (mode 0600) when
    /// missing. The secret itself is read only when files are rendered.
    pub secret_file: PathBuf,
}

/// ZooKeeper distribution and settings every ensemble member must share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZkEnsemble {
    /// `None` when no host has the zookeeper role.
    pub source: Option<Source>,
    pub install_root: String,
    pub tick_time: u32,
    pub init_limit: u32,
    pub sync_limit: u32,
    pub max_session_timeout: Option<u32>,
    pub autopurge_snap_retain_count: u32,
    pub autopurge_purge_interval: u32,
}

/// Spark settings after defaults and per-host overrides are applied.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SparkSettings {
    pub master_port: u16,
    pub master_webui_port: u16,
    /// `spark.master.rest.port`; listened on only with `[spark] rest = true`.
    pub rest_port: u16,
    pub worker_port: Option<u16>,
    pub worker_webui_port: u16,
    pub worker_cores: Option<u32>,
    pub worker_memory: Option<String>,
    pub worker_dir: String,
    pub local_dirs: Option<String>,
    pub log_dir: String,
    pub pid_dir: String,
    pub daemon_memory: String,
    pub daemon_java_opts: Vec<String>,
    pub master_opts: Vec<String>,
    pub worker_opts: Vec<String>,
    pub java_home: Option<String>,
    pub extra_env: Vec<String>,
    pub defaults: BTreeMap<String, String>,
    pub worker_timeout: Option<u32>,
}

/// ZooKeeper settings after defaults and per-host overrides are applied.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ZkSettings {
    pub client_port: u16,
    pub quorum_port: u16,
    pub election_port: u16,
    /// 0 = AdminServer disabled.
    pub admin_port: u16,
    pub data_dir: String,
    pub data_log_dir: Option<String>,
    pub log_dir: String,
    pub heap_mb: u32,
    pub jvm_opts: Vec<String>,
    pub java_home: Option<String>,
    pub extra: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Roles {
    pub zookeeper: bool,
    pub master: bool,
    pub worker: bool,
    pub history: bool,
    pub connect: bool,
    /// `mesos-dispatcher` (Spark 3.x).
    pub mesos_dispatcher: bool,
}

impl Roles {
    /// Runs some Spark daemon (so needs the Spark tree, its log and pid
    /// directories).
    pub fn spark(&self) -> bool {
        self.master || self.worker || self.history || self.connect || self.mesos_dispatcher
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    pub name: String,
    /// Network address used for SSH, for probes, and by the daemons to bind
    /// and advertise themselves (defaults to `name`).
    pub address: String,
    pub ssh_user: Option<String>,
    pub ssh_port: Option<u16>,
    pub identity_file: Option<PathBuf>,
    pub roles: Roles,
    /// ZooKeeper `myid`, set when `roles.zookeeper`.
    pub zk_id: Option<u32>,
    pub spark: SparkSettings,
    pub zk: ZkSettings,
}

impl Host {
    /// The `java` the host's Spark daemons use: `java_home`'s, else PATH's.
    pub fn spark_java(&self) -> String {
        self.spark
            .java_home
            .as_ref()
            .map(|j| format!("{}/bin/java", j))
            .unwrap_or_else(|| "java".into())
    }
}

/// A validated inventory with every default resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cluster {
    pub file: PathBuf,
    pub name: String,
    pub ha: Ha,
    pub ssh: SshOptions,
    pub spark: SparkDist,
    pub zookeeper: ZkEnsemble,
    pub templates_dir: Option<PathBuf>,
    /// Service user the daemons run as; `None`: the SSH login user.
    pub run_as: Option<String>,
    /// `[history]`: set when a host has the `history` role.
    pub history: Option<History>,
    /// `[connect]`: set when a host has the `connect` role.
    pub connect: Option<Connect>,
    /// `[mesos]`: set when a host has the `mesos-dispatcher` role.
    pub mesos: Option<Mesos>,
    pub hosts: Vec<Host>,
}

/// Where event logs go: what every driver writes (`spark.eventLog.dir`)
/// and the history server reads (`spark.history.fs.logDirectory`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventLogDir {
    /// `file:` + an absolute path on the hosts: created on every Spark
    /// host and handed to the service user; only drivers writing to that
    /// same path (a shared mount) are seen by the history server.
    Local(String),
    /// `hdfs://...` or `s3a://...`, written as given; sparkctl creates nothing.
    Remote(String),
}

impl EventLogDir {
    /// The URI Spark is given (`file:/path` for a local one).
    pub fn uri(&self) -> String {
        match self {
            EventLogDir::Local(p) => format!("file:{}", p),
            EventLogDir::Remote(u) => u.clone(),
        }
    }
    /// The path on the hosts, for a local directory.
    pub fn local(&self) -> Option<&str> {
        match self {
            EventLogDir::Local(p) => Some(p),
            EventLogDir::Remote(_) => None,
        }
    }
}

/// `[connect]`, resolved: the Spark Connect server's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connect {
    /// `spark.connect.grpc.binding.port`.
    pub port: u16,
    /// Spark 3.4/3.5: the server jar (`spark-connect_2.12-3.5.x.jar`) on
    /// this machine, uploaded by deploy and given to spark-submit's
    /// `--jars`; `None` on Spark 4, whose `jars/` has it.
    pub jar: Option<ConnectJar>,
    /// `spark.connect.authenticate.token` from the cluster secret (Spark 4).
    pub authenticate: bool,
    /// `spark.cores.max` of the server's application: without it, the
    /// server holds every free core of the cluster while it runs.
    pub cores_max: Option<u32>,
    /// `spark.executor.memory` of the server's application, as written.
    pub executor_memory: Option<String>,
}

/// `[connect] jar`, resolved: a file on this machine, read (and hashed)
/// at check time, so that where it lands on the hosts can name its content
/// (`layout::connect_jar`): a changed jar is a new path, so a new start
/// command, so a restart; an unchanged one is found there and not sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectJar {
    /// Absolute, or relative to the current directory as the inventory's
    /// directory made it (like `tarball`).
    pub local: PathBuf,
    /// Its file name (checked: ends in `.jar`, one safe word).
    pub file_name: String,
    pub sha256: String,
    pub size: u64,
}

/// `[mesos]`, resolved: the Mesos cluster dispatcher and the `spark.mesos.*`
/// properties of the drivers it launches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mesos {
    /// `mesos://host:5050` or `mesos://zk://a:2181,b:2181/mesos`.
    pub master: String,
    /// `SPARK_MESOS_DISPATCHER_PORT` (7077): where clients submit.
    pub port: u16,
    /// The dispatcher's web UI.
    pub ui_port: u16,
    /// `MESOS_NATIVE_JAVA_LIBRARY` on the hosts; `None`: the standard
    /// library paths are searched.
    pub native_library: Option<String>,
    /// `spark.mesos.*` (and `spark.cores.max`) by their property names,
    /// in a fixed order; never the principal or the secret.
    pub properties: Vec<(&'static str, String)>,
    /// `spark.mesos.principal`: kept in the 0600 file with the secret.
    pub principal: Option<String>,
    /// An operator-side file holding `spark.mesos.secret` (mode 0600).
    pub secret_file: Option<std::path::PathBuf>,
    /// `[spark] authenticate = true`: the dispatcher's submission port and
    /// web UI listen on its host's loopback only. Spark 3.x's dispatcher
    /// authenticates neither, and no port sparkctl opens may be reachable
    /// without the authentication the inventory asks for.
    pub loopback: bool,
}

impl Mesos {
    /// The address the dispatcher on `h` listens on (its REST submission
    /// server and its UI), and so what its probe dials on that host and
    /// what its `mesos://` URL names.
    pub fn bind_address<'a>(&self, h: &'a Host) -> &'a str {
        if self.loopback {
            LOOPBACK
        } else {
            &h.address
        }
    }
}

/// Where a daemon bound to its host alone listens.
pub const LOOPBACK: &str = "127.0.0.1";

/// `[history]`, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct History {
    pub log_directory: EventLogDir,
    /// `spark.history.ui.port`: also its REST API's port.
    pub ui_port: u16,
    /// `spark.history.fs.cleaner.*`.
    pub cleaner: bool,
    pub cleaner_max_age: String,
    pub cleaner_interval: String,
}

impl Cluster {
    pub fn masters(&self) -> impl Iterator<Item = &Host> {
        self.hosts.iter().filter(|h| h.roles.master)
    }
    pub fn workers(&self) -> impl Iterator<Item = &Host> {
        self.hosts.iter().filter(|h| h.roles.worker)
    }
    pub fn zk_hosts(&self) -> impl Iterator<Item = &Host> {
        self.hosts.iter().filter(|h| h.roles.zookeeper)
    }
    pub fn history_hosts(&self) -> impl Iterator<Item = &Host> {
        self.hosts.iter().filter(|h| h.roles.history)
    }
    pub fn connect_hosts(&self) -> impl Iterator<Item = &Host> {
        self.hosts.iter().filter(|h| h.roles.connect)
    }
    pub fn mesos_dispatcher_hosts(&self) -> impl Iterator<Item = &Host> {
        self.hosts.iter().filter(|h| h.roles.mesos_dispatcher)
    }
    pub fn host(&self, name: &str) -> Option<&Host> {
        self.hosts.iter().find(|h| h.name == name)
    }

    /// `spark://a:7077,b:7077`: what workers and `spark-submit` are given.
    pub fn master_url(&self) -> String {
        let parts: Vec<String> = self
            .masters()
            .map(|h| format!("{}:{}", h.address, h.spark.master_port))
            .collect();
        format!("spark://{}", parts.join(","))
    }

    /// `spark://m1:6066,m2:6066`: what `spark-submit --deploy-mode cluster`
    /// and REST clients are given; `None` unless `[spark] rest = true`.
    pub fn rest_url(&self) -> Option<String> {
        if !self.spark.rest {
            return None;
        }
        let parts: Vec<String> = self
            .masters()
            .map(|h| format!("{}:{}", h.address, h.spark.rest_port))
            .collect();
        Some(format!("spark://{}", parts.join(",")))
    }

    /// `a:2181,b:2181,c:2181`: `spark.deploy.zookeeper.url`.
    pub fn zk_connect(&self) -> String {
        self.zk_hosts()
            .map(|h| format!("{}:{}", h.address, h.zk.client_port))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Whether this cluster runs ZooKeeper at all.
    pub fn has_zookeeper(&self) -> bool {
        self.zk_hosts().next().is_some()
    }
}

/// Parse a Spark/JVM memory string ("512m", "1g", "2048") to MiB.
pub fn memory_mb(s: &str) -> Option<u64> {
    // No trimming: the value is rendered as written (SPARK_WORKER_MEMORY=...),
    // so " 2g" must be refused, not read as 2g. Units are the JVM's
    // (k, m, g, t): -Xmx does not take "gb".
    let (num, unit) = match s.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => (&s[..i], &s[i..]),
        None => (s, "m"),
    };
    let n: u64 = num.parse().ok()?;
    let mb = match unit {
        "k" | "K" => n / 1024,
        "m" | "M" => n,
        "g" | "G" => n.checked_mul(1024)?,
        "t" | "T" => n.checked_mul(1024 * 1024)?,
        _ => return None,
    };
    // Anything above 1 PiB is a typo, and keeps MiB counts within u32 for heaps.
    (mb > 0 && mb <= 1 << 30).then_some(mb)
}

#[cfg(test)]
mod tests;
