//! `sparkctl deploy`: install, configure, start and verify, converging from
//! whatever state the hosts are in. Order of work:
//!
//! 1. inventory, distributions and every host's files, all checked locally
//!    (a bad template or tarball stops the run before any host is touched);
//! 2. connect, gather facts, preflight (Java, disk, ports) on every host:
//!    any problem stops the run before anything changes (`preflight.rs`,
//!    which also prints the dry run); hosts removed from the inventory are
//!    reported, and with --stop-removed stopped (`removed.rs`);
//! 3. per host in parallel: upload, unpack, write files, flip `current`
//!    (`apply.rs`), then record the membership where it changed;
//! 4. ZooKeeper (wait for quorum) -> masters (wait for one ALIVE, the rest
//!    STANDBY) -> workers (wait until all are registered) (`apply.rs`);
//! 5. prune trees older than the current and previous one (`apply.rs`);
//! 6. summary (`summary.rs`).
//!
//! The cluster's secret is loaded here, once, and handed as a typed value
//! to the renderer (its value, for the daemons' properties file) and to
//! the preflight and the apply step (whether it is new, where it is kept).

mod apply;
mod dry_run_json;
mod preflight;
mod removed;
mod summary;

use super::{resolve_dists, Global};
use crate::inventory::{Cluster, Host};
use crate::render::{ConfigFile, Dists, Renderer};
use crate::secret::Loaded;
use crate::session::rolling::RollOptions;
use crate::session::Session;
use anyhow::Result;
use std::collections::BTreeMap;
pub use summary::describe;
use summary::describe_files;

pub struct Args {
    pub dry_run: bool,
    /// With `dry_run`: print the plan as JSON (`dry_run_json`).
    pub json: bool,
    /// Install and write files only: no daemon is started, restarted or checked.
    pub files_only: bool,
    /// Stop the daemons of hosts removed from the inventory (`removed.rs`).
    pub stop_removed: bool,
    pub roll: RollOptions,
}

pub async fn run(cluster: Cluster, global: &Global, args: &Args) -> Result<i32> {
    let renderer = Renderer::templates(&cluster)?;
    let secret = crate::render::load_secret(&cluster)?;
    let (spark, zk) = resolve_dists(&cluster, global.reverify).await?;
    let dists = Dists {
        spark: &spark,
        zookeeper: zk.as_ref(),
    };
    let value = secret.as_ref().map(|l| &l.secret);
    let mut files: BTreeMap<String, Vec<ConfigFile>> = BTreeMap::new();
    for h in &cluster.hosts {
        let host_files = renderer.host_files_with(&cluster, &dists, h, value)?;
        files.insert(h.name.clone(), host_files);
    }
    let paths: BTreeMap<String, Vec<String>> = files
        .iter()
        .map(|(h, fs)| (h.clone(), fs.iter().map(|f| f.path.clone()).collect()))
        .collect();

    let session = if args.dry_run {
        Session::open(cluster.clone(), global).await?
    } else {
        Session::open_locked(cluster.clone(), global, "deploy").await?
    };
    let result = deploy(
        &session,
        &spark,
        zk.as_ref(),
        &files,
        &paths,
        secret.as_ref(),
        args,
    )
    .await;
    session.close().await;
    result
}

async fn deploy(
    s: &Session,
    spark: &crate::dist::LocalDist,
    zk: Option<&crate::dist::LocalDist>,
    files: &BTreeMap<String, Vec<ConfigFile>>,
    paths: &BTreeMap<String, Vec<String>>,
    secret: Option<&Loaded>,
    args: &Args,
) -> Result<i32> {
    let c = &s.cluster;
    // --limit/--skip: everything below plans, changes, starts and waits for
    // these hosts only; files were rendered above for the whole cluster.
    let hosts = s.hosts();
    s.progress.line("gathering facts");
    let facts = s.facts(Some(spark), zk, paths).await?;
    let plans = preflight::plan_all(c, &hosts, spark, zk, files, &facts, secret)?;

    for h in &hosts {
        s.progress
            .line(&format!("plan {}: {}", h.name, describe(&plans[&h.name])));
    }
    // Hosts that left the inventory: reported in a dry run too, stopped
    // (with --stop-removed) before anything else changes.
    let left = removed::check(s, &facts, args.stop_removed && !args.dry_run).await;
    if args.dry_run {
        let current = preflight::current_contents(s, &plans, &facts).await?;
        if args.json {
            let r = dry_run_json::report(c, &plans, &current);
            crate::outln!("{}", serde_json::to_string_pretty(&r)?);
        } else {
            preflight::print_dry_run(c, &plans, &current);
        }
        return Ok(crate::diag::exit::OK);
    }

    if let Some(l) = secret.filter(|l| l.fresh) {
        crate::secret::save_fresh(l)?;
        // A notice: shown with --quiet too, the summary does not repeat it.
        s.progress.notice(&format!(
            "generated the cluster's secret in {} (mode 0600): keep it; applications need it to connect",
            l.path.display()
        ));
    }

    apply::files(s, &hosts, &plans).await?;
    removed::record(s, &facts, &left).await;
    if args.files_only {
        summary::print_files_only(s, &hosts, &plans);
        return Ok(crate::diag::exit::OK);
    }
    let a = apply::daemons(s, &hosts, &plans, &args.roll).await?;
    // Only where a tree was installed or `current` moved: nothing new to
    // prune elsewhere, and a no-op run keeps its one round trip per host.
    let moved: Vec<Host> = hosts
        .iter()
        .filter(|h| {
            let p = &plans[&h.name];
            !p.installs.is_empty() || !p.links.is_empty()
        })
        .cloned()
        .collect();
    let pruned = apply::prune(s, &moved).await;
    if !pruned.is_empty() {
        s.progress.line(&format!(
            "pruned {} old trees and tarballs (kept: current and previous): {}",
            pruned.len(),
            pruned.join(", ")
        ));
    }
    summary::print_summary(s, &plans, &a, &facts).await;
    Ok(crate::diag::exit::OK)
}

/// What the summary and the dry run say for a host left out by --limit/--skip.
const LEFT_OUT: &str = "left out (--limit/--skip): not checked, not changed";

/// The host column of the dry run and the summary: every inventory host,
/// selected or not (hosts left out get a line too).
fn name_width(c: &Cluster) -> usize {
    crate::out::host_width(c.hosts.iter().map(|h| h.name.as_str()))
}
