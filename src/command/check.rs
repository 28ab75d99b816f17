//! `sparkctl check`: validate the inventory and render every host's files
//! locally, as `deploy` would, without contacting any host; `--show`
//! prints them.

use super::load_inventory;
use crate::dist::{LocalDist, Product};
use anyhow::{anyhow, Result};
use std::path::Path;

/// `sparkctl check`: validate and render locally; no host is contacted.
/// With `show` (`HOST` or `HOST:FILE`), print that host's rendered files;
/// with `json`, the report of `check_json` instead of the summary line.
pub fn run(path: &Path, show: Option<&str>, json: bool) -> Result<i32> {
    let cluster = load_inventory(path)?;
    let renderer = crate::render::Renderer::new(&cluster)?;
    // The inventory's validation applies `dist::check_name`, the rule
    // `deploy` applies to the real files: a name `assumed` cannot read is
    // refused there, with its location. Never render without ZooKeeper's
    // files because its name could not be read.
    let spark = LocalDist::assumed(Product::Spark, &cluster.spark.source)
        .ok_or_else(|| anyhow!("cannot name the Spark tarball"))?;
    let zk = match (&cluster.zookeeper.source, cluster.has_zookeeper()) {
        (Some(s), true) => Some(
            LocalDist::assumed(Product::ZooKeeper, s)
                .ok_or_else(|| anyhow!("cannot name the ZooKeeper tarball"))?,
        ),
        _ => None,
    };
    let dists = crate::render::Dists {
        spark: &spark,
        zookeeper: zk.as_ref(),
    };
    if let Some(what) = show {
        return show_files(&cluster, &renderer, &dists, what);
    }
    if json {
        let r = super::check_json::report(path, &cluster, &dists, |h| {
            renderer.host_files(&cluster, &dists, h)
        })?;
        crate::outln!("{}", serde_json::to_string_pretty(&r)?);
        return Ok(crate::diag::exit::OK);
    }
    let mut n = 0;
    for h in &cluster.hosts {
        n += renderer.host_files(&cluster, &dists, h)?.len();
    }
    crate::outln!(
        "{}: ok ({} hosts, HA {}, {} masters, {} workers, {} ZooKeeper servers, {} files rendered)",
        path.display(),
        cluster.hosts.len(),
        cluster.ha.name(),
        cluster.masters().count(),
        cluster.workers().count(),
        cluster.zk_hosts().count(),
        n
    );
    if let Some(note) = crate::render::history_note(&cluster) {
        crate::outln!("{}", note);
    }
    if let Some(note) = crate::health::dispatcher_note(&cluster) {
        crate::outln!("{}", note);
    }
    Ok(crate::diag::exit::OK)
}

/// `check --show HOST[:FILE]`: the files `deploy` would write on HOST, each
/// under a `==> path <==` line (as `head` prints several files), or the one
/// whose path or file name is FILE. A file that holds the secret is named
/// but not printed: check's output ends up in terminals and tickets.
fn show_files(
    cluster: &crate::inventory::Cluster,
    renderer: &crate::render::Renderer,
    dists: &crate::render::Dists,
    what: &str,
) -> Result<i32> {
    use crate::diag::UsageError;
    let (host, file) = match what.split_once(':') {
        Some((h, f)) => (h, Some(f)),
        None => (what, None),
    };
    let names: Vec<&str> = cluster.hosts.iter().map(|h| h.name.as_str()).collect();
    let h = cluster.hosts.iter().find(|h| h.name == host).ok_or_else(|| {
        UsageError(format!(
            "error: --show {}: no host `{}` in the inventory\n  = help: expected HOST or HOST:FILE, with HOST one of: {}",
            what,
            host,
            names.join(", ")
        ))
    })?;
    let files = renderer.host_files(cluster, dists, h)?;
    let base = |p: &str| p.rsplit('/').next().unwrap_or(p).to_string();
    let chosen: Vec<_> = match file {
        None => files.iter().collect(),
        Some(f) => files
            .iter()
            .filter(|c| c.path == f || base(&c.path) == f)
            .collect(),
    };
    if chosen.is_empty() {
        let all: Vec<String> = files.iter().map(|c| base(&c.path)).collect();
        return Err(UsageError(format!(
            "error: --show {}: host {} has no rendered file `{}`\n  = help: its files are: {}",
            what,
            h.name,
            file.unwrap_or(""),
            all.join(", ")
        ))
        .into());
    }
    for (i, c) in chosen.iter().enumerate() {
        if i > 0 {
            crate::outln!();
        }
        crate::outln!("==> {} <==", c.path);
        if c.secret {
            crate::outln!("(holds the authentication secret: not shown; mode 0600 on the host)");
        } else {
            crate::out::write(&c.content);
        }
    }
    Ok(crate::diag::exit::OK)
}
