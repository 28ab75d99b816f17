//! `sparkctl check --json`: what `check` proved, for scripts: the cluster's
//! shape (masters, workers, ZooKeeper, URLs) and, per host, the daemons it
//! runs and the files deploy would write there. Built from the same
//! rendering `check` does, so it contacts no host either.
//!
//! It names files and never carries their contents: the daemons'
//! properties file holds the secret, and the others are what
//! `check --show` is for. The shape is documented in docs/json.md; keys
//! are only ever added.

use crate::daemon::Daemon;
use crate::inventory::{Cluster, Host};
use crate::render::{ConfigFile, Dists};
use serde::Serialize;
use std::path::Path;

#[derive(Debug, Serialize)]
pub struct Report {
    /// The inventory file, as given.
    pub inventory: String,
    pub cluster: String,
    /// `none`, `zookeeper` or `filesystem`, as `status --json` says it.
    pub ha: &'static str,
    pub master_url: String,
    /// `spark://m1:6066,...` when `[spark] rest = true`, else null.
    pub rest_url: Option<String>,
    /// `spark.deploy.zookeeper.url` (`a:2181,b:2181,c:2181`); null without ZooKeeper.
    pub zookeeper_url: Option<String>,
    /// The versions read from the tarballs' names (null when unreadable).
    pub spark_version: Option<String>,
    pub zookeeper_version: Option<String>,
    /// Host names with each role, in inventory order.
    pub masters: Vec<String>,
    pub workers: Vec<String>,
    pub zookeeper: Vec<String>,
    pub history: Vec<String>,
    pub connect: Vec<String>,
    pub mesos_dispatcher: Vec<String>,
    pub hosts: Vec<HostReport>,
    /// What plain `check` prints after its summary line (e.g. the history
    /// server's local log directory).
    pub notes: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct HostReport {
    pub host: String,
    pub address: String,
    /// The daemons deploy starts here, in start order (`status` labels).
    pub daemons: Vec<&'static str>,
    pub files: Vec<FileReport>,
}

#[derive(Debug, Serialize)]
pub struct FileReport {
    /// Absolute path on the host.
    pub path: String,
    /// The template it is rendered from.
    pub template: &'static str,
    /// Holds the authentication secret (mode 0600; never shown).
    pub secret: bool,
    /// The daemons that read it at start: a change restarts them.
    pub restarts: Vec<&'static str>,
}

fn names<'a>(hosts: impl Iterator<Item = &'a Host>) -> Vec<String> {
    hosts.map(|h| h.name.clone()).collect()
}

fn file(f: &ConfigFile) -> FileReport {
    FileReport {
        path: f.path.clone(),
        template: f.template,
        secret: f.secret,
        restarts: f.readers.iter().map(|d| d.label()).collect(),
    }
}

/// The report for `cluster`, whose files for each host are `files(host)`.
pub fn report(
    path: &Path,
    cluster: &Cluster,
    dists: &Dists,
    mut files: impl FnMut(&Host) -> anyhow::Result<Vec<ConfigFile>>,
) -> anyhow::Result<Report> {
    let mut hosts = Vec::new();
    for h in &cluster.hosts {
        hosts.push(HostReport {
            host: h.name.clone(),
            address: h.address.clone(),
            daemons: Daemon::ALL
                .into_iter()
                .filter(|d| d.runs_on(h))
                .map(|d| d.label())
                .collect(),
            files: files(h)?.iter().map(file).collect(),
        });
    }
    Ok(Report {
        inventory: path.display().to_string(),
        cluster: cluster.name.clone(),
        ha: cluster.ha.name(),
        master_url: cluster.master_url(),
        rest_url: cluster.rest_url(),
        zookeeper_url: cluster.has_zookeeper().then(|| cluster.zk_connect()),
        spark_version: dists.spark.version.as_ref().map(|v| v.to_string()),
        zookeeper_version: dists
            .zookeeper
            .and_then(|z| z.version.as_ref())
            .map(|v| v.to_string()),
        masters: names(cluster.masters()),
        workers: names(cluster.workers()),
        zookeeper: names(cluster.zk_hosts()),
        history: names(cluster.history_hosts()),
        connect: names(cluster.connect_hosts()),
        mesos_dispatcher: names(cluster.mesos_dispatcher_hosts()),
        hosts,
        notes: crate::render::history_note(cluster).into_iter().collect(),
    })
}
