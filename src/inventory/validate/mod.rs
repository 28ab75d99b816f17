//! Checks an inventory as a whole and resolves defaults.
//!
//! Every problem found is collected (not just the first) and reported with
//! the path of the offending key, which `locate.rs` turns into file:line:col.
//! Defaults live here and only here (this module and its children); the
//! inventory reference in docs/inventory.md lists the same values.
//!
//! `resolve` walks the inventory in order; each child checks one concern:
//! `ssh`, `source` (tarballs), `host` (one `[[host]]`, with `merge` for its
//! settings and `ports` for clashes), `ha` (mode, ZooKeeper ids and timing),
//! `auth` (authenticate, secret, REST), `history` ([history] and its
//! role), `connect` ([connect] and its role), `mesos` ([mesos] and the
//! dispatcher's role), `templates`, `dirs` (install roots
//! and service directories) and `values` (single-value checks).

use super::locate::{span_of, Seg};
use super::raw::RawInventory;
use super::*;
use crate::path;
use std::collections::BTreeMap;

use auth::{resolve_auth, resolve_rest};
use connect::resolve_connect;
use decommission::resolve_decommission;
use dirs::check_install_roots;
use ha::{assign_zk_ids, check_zk_times, resolve_ha};
use history::resolve_history;
use host::resolve_host;
use mesos::resolve_mesos;
use source::{host_fetch, resolve_source};
use ssh::resolve_ssh;
use templates::check_templates_dir;
pub use values::expand_home;
use values::{check_path, check_user, positive};

mod auth;
mod connect;
mod decommission;
mod dirs;
mod ha;
mod history;
mod host;
mod merge;
mod mesos;
mod ports;
mod source;
mod ssh;
mod templates;
mod values;

pub const DEFAULT_SPARK_ROOT: &str = "/opt/spark";
pub const DEFAULT_ZK_ROOT: &str = "/opt/zookeeper";
pub const DEFAULT_ZK_DATA_DIR: &str = "/var/lib/zookeeper";
/// ZooKeeper's AdminServer defaults to 8080, the Spark master UI's port; move it.
pub const DEFAULT_ZK_ADMIN_PORT: u16 = 8180;
/// ZooKeeper maxSessionTimeout (ms): bounds how long a dead master holds leadership.
pub const DEFAULT_MAX_SESSION_TIMEOUT: u32 = 6000;

/// Cluster names longer than this are refused (see `resolve`).
pub const MAX_CLUSTER_NAME: usize = 128;

const ROLES: [&str; 6] = [
    "zookeeper",
    "master",
    "worker",
    "history",
    "connect",
    "mesos-dispatcher",
];

struct Errors {
    items: Vec<(Vec<Seg>, String, Option<String>)>,
}

impl Errors {
    fn add(&mut self, at: Vec<Seg>, msg: impl Into<String>) {
        self.items.push((at, msg.into(), None));
    }
    fn help(&mut self, at: Vec<Seg>, msg: impl Into<String>, help: impl Into<String>) {
        self.items.push((at, msg.into(), Some(help.into())));
    }
}

pub fn validate(file: &Path, source: Arc<str>, raw: RawInventory) -> Result<Cluster, Diagnostics> {
    let mut e = Errors { items: Vec::new() };
    let base = file.parent().map(Path::to_path_buf).unwrap_or_default();
    let cluster = resolve(&mut e, file, &base, raw);
    if e.items.is_empty() {
        return Ok(cluster.expect("resolve returns a cluster when there are no errors"));
    }
    // A cluster-wide value is checked once per host that inherits it:
    // report each (place, message) once.
    let mut seen = std::collections::BTreeSet::new();
    e.items
        .retain(|(at, msg, _)| seen.insert((crate::inventory::locate::display(at), msg.clone())));
    let diags = e
        .items
        .into_iter()
        .map(|(at, msg, help)| {
            let span = span_of(&source, &at);
            let mut d = Diagnostic::new(msg).in_file(file, source.clone(), span);
            if let Some(h) = help {
                d = d.with_help(h);
            }
            d
        })
        .collect();
    Err(Diagnostics(diags))
}

fn resolve(e: &mut Errors, file: &Path, base: &Path, raw: RawInventory) -> Option<Cluster> {
    let name = raw.cluster.name.clone().unwrap_or_else(|| {
        file.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "spark".into())
    });
    // The name lands in config comments and lock names: a newline in it
    // would inject lines into spark-env.sh, so keep it to a safe set; and
    // the hosts' lock directory `sparkctl.<name>.lock` must fit in a file
    // name (255 bytes), so keep it short.
    let at = if raw.cluster.name.is_some() {
        path!["cluster", "name"]
    } else {
        vec![]
    };
    if name.len() > MAX_CLUSTER_NAME {
        e.help(
            at,
            format!(
                "cluster name is {} characters long, more than {}",
                name.len(),
                MAX_CLUSTER_NAME
            ),
            "it names the lock directory on every host (sparkctl.<name>.lock): use a shorter name (without [cluster] name, the file name is used)",
        );
    } else if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    {
        e.help(
            at,
            format!("invalid cluster name `{}`", name.escape_debug()),
            "use letters, digits, `.`, `_` and `-` (without [cluster] name, the file name is used)",
        );
    }

    let ssh = resolve_ssh(e, base, &raw);
    let spark_source = resolve_source(
        e,
        "spark",
        base,
        &raw.spark.tarball,
        &raw.spark.url,
        &raw.spark.sha256,
        &raw.spark.sha512,
    );
    let spark_source = host_fetch(e, "spark", &raw.spark.fetch, spark_source);
    let spark_root = raw
        .spark
        .install_root
        .clone()
        .unwrap_or_else(|| DEFAULT_SPARK_ROOT.into());
    check_path(e, path!["spark", "install_root"], &spark_root);
    let zookeeper_dir = raw
        .spark
        .zookeeper_dir
        .clone()
        .unwrap_or_else(|| "/spark".into());
    check_path(e, path!["spark", "zookeeper_dir"], &zookeeper_dir);

    let zk_raw = raw.zookeeper.clone().unwrap_or_default();
    let zk_root = zk_raw
        .install_root
        .clone()
        .unwrap_or_else(|| DEFAULT_ZK_ROOT.into());
    check_path(e, path!["zookeeper", "install_root"], &zk_root);
    check_install_roots(e, &raw, &spark_root, &zk_root);

    if raw.host.is_empty() {
        e.help(
            vec![],
            "the inventory has no hosts",
            "add at least one [[host]] table with `name` and `roles`",
        );
    }

    let mut hosts = Vec::new();
    let mut names: BTreeMap<String, usize> = BTreeMap::new();
    let mut addresses: BTreeMap<String, usize> = BTreeMap::new();
    for (i, h) in raw.host.iter().enumerate() {
        let host = resolve_host(e, i, h, &raw, &spark_root, &zk_root, base);
        let dup_name = names.insert(host.name.clone(), i);
        if let Some(prev) = dup_name {
            e.help(
                path!["host", i, "name"],
                format!("duplicate host name `{}`", host.name),
                format!(
                    "host[{}] already uses this name; names must be unique",
                    prev
                ),
            );
        }
        // An address that merely defaults to a duplicate name is the same mistake: report it once.
        let prev_addr = addresses.insert(host.address.clone(), i);
        if let (Some(prev), false) = (prev_addr, dup_name.is_some() && h.address.is_none()) {
            let at = if h.address.is_some() {
                path!["host", i, "address"]
            } else {
                path!["host", i, "name"]
            };
            e.help(
                at,
                format!("duplicate host address `{}`", host.address),
                format!(
                    "host[{}] (`{}`) has the same address; each host must be a different machine",
                    prev, raw.host[prev].name
                ),
            );
        }
        hosts.push(host);
    }

    assign_zk_ids(e, &raw.host, &mut hosts);
    let ha = resolve_ha(e, &raw, &hosts);

    let has_zk = hosts.iter().any(|h| h.roles.zookeeper);
    let zk_source = if has_zk {
        if raw.zookeeper.is_none() {
            e.help(
                vec![],
                "hosts have the `zookeeper` role but there is no [zookeeper] section",
                "add [zookeeper] with `tarball = \"...\"` or `url` and `sha512`",
            );
            None
        } else {
            resolve_source(
                e,
                "zookeeper",
                base,
                &zk_raw.tarball,
                &zk_raw.url,
                &zk_raw.sha256,
                &zk_raw.sha512,
            )
            .and_then(|src| host_fetch(e, "zookeeper", &zk_raw.fetch, Some(src)))
        }
    } else {
        None
    };

    let zookeeper = ZkEnsemble {
        source: zk_source,
        install_root: zk_root,
        tick_time: positive(e, path!["zookeeper", "tick_time"], zk_raw.tick_time, 2000),
        init_limit: positive(e, path!["zookeeper", "init_limit"], zk_raw.init_limit, 10),
        sync_limit: positive(e, path!["zookeeper", "sync_limit"], zk_raw.sync_limit, 5),
        // Spark's masters ask ZooKeeper for a 60 s session, capped by the
        // server at 20 x tickTime (40 s): that is how long a dead ALIVE master
        // goes unnoticed. 6 s measured 7-8 s failovers with no false ones in
        // the lab; 0 means "ZooKeeper's own default".
        max_session_timeout: match zk_raw.max_session_timeout {
            Some(0) => None,
            Some(t) => Some(t),
            None => Some(DEFAULT_MAX_SESSION_TIMEOUT),
        },
        autopurge_snap_retain_count: zk_raw.autopurge_snap_retain_count.unwrap_or(3),
        autopurge_purge_interval: zk_raw.autopurge_purge_interval.unwrap_or(24),
    };
    check_zk_times(e, &zookeeper, zk_raw.max_session_timeout.is_some());

    let templates_dir = raw
        .cluster
        .templates
        .as_ref()
        .map(|t| base.join(expand_home(t)));
    if let Some(dir) = &templates_dir {
        check_templates_dir(e, dir);
    }

    let auth = resolve_auth(e, file, base, &raw, &name);
    let run_as = raw.cluster.run_as.clone();
    if let Some(u) = &run_as {
        check_user(e, path!["cluster", "run_as"], u);
    }

    let rest = resolve_rest(e, &raw, spark_source.as_ref(), auth.is_some());
    let history = resolve_history(e, &raw, &hosts);
    let connect = resolve_connect(e, base, &raw, &hosts, spark_source.as_ref(), auth.is_some());
    let mesos = resolve_mesos(e, base, &raw, &hosts, spark_source.as_ref(), auth.is_some());
    let decommission = resolve_decommission(e, &raw, spark_source.as_ref());

    let spark_source = spark_source?;
    if !e.items.is_empty() {
        return None;
    }
    Some(Cluster {
        file: file.to_path_buf(),
        name,
        ha,
        ssh,
        spark: SparkDist {
            source: spark_source,
            install_root: spark_root,
            zookeeper_dir,
            auth,
            rest,
            decommission,
        },
        zookeeper,
        templates_dir,
        run_as,
        history,
        connect,
        mesos,
        hosts,
    })
}
