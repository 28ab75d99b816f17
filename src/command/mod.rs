//! Subcommands: one file (or folder) per subcommand, and what they share on
//! the command line (`Global`, the inventory path). The engine they drive
//! (connect, start and stop daemons in order, wait until the cluster proves
//! it works) is `crate::session`.

pub mod check;
pub mod check_json;
pub mod completions;
pub mod connect_token;
pub mod deploy;
pub mod ha;
pub mod init;
pub mod lifecycle;
pub mod logs;
pub mod man;
pub mod rest_token;
pub mod ssh;
pub mod status;
pub mod submit;
pub mod target;
pub mod uninstall;
pub mod version;

use crate::dist::{self, LocalDist, Product};
use crate::exec::ConnectOptions;
use crate::inventory::Cluster;
use crate::session::select;
use anyhow::Result;
use std::path::Path;

/// Options every subcommand shares.
#[derive(Debug, Clone)]
pub struct Global {
    pub parallel: usize,
    pub connect: ConnectOptions,
    pub quiet: bool,
    /// Remove another run's lock on the hosts (`--break-lock`).
    pub break_lock: bool,
    /// `--limit` / `--skip`: the hosts this run works on (default: all).
    pub select: select::Selection,
    /// `--verify`: hash the tarballs again even when unchanged since they
    /// were verified.
    pub reverify: dist::Reverify,
}

/// Load the inventory; errors are user errors (exit 2).
pub fn load_inventory(path: &Path) -> Result<Cluster> {
    Ok(crate::inventory::load(path)?)
}

/// Resolve both distributions before touching any host.
pub async fn resolve_dists(
    cluster: &Cluster,
    reverify: dist::Reverify,
) -> Result<(LocalDist, Option<LocalDist>)> {
    let c = cluster.clone();
    let started = std::time::Instant::now();
    let r = tokio::task::spawn_blocking(move || {
        let file = c.file.display().to_string();
        let spark = dist::resolve_with(
            Product::Spark,
            &c.spark.source,
            &format!("[spark] in {}", file),
            reverify,
        )?;
        let zk = match (&c.zookeeper.source, c.has_zookeeper()) {
            (Some(s), true) => Some(dist::resolve_with(
                Product::ZooKeeper,
                s,
                &format!("[zookeeper] in {}", file),
                reverify,
            )?),
            _ => None,
        };
        Ok((spark, zk))
    })
    .await?;
    // `-v`: the local work before any host, which can be long (a first
    // checksum of a large tarball, a download).
    if let Ok((spark, zk)) = &r {
        for d in std::iter::once(spark).chain(zk.as_ref()) {
            tracing::info!(
                product = d.product.label(),
                file = d.file_name.as_str(),
                bytes = d.size,
                "tarball ready"
            );
        }
        tracing::info!(took = %crate::trace::secs(started.elapsed()), "tarballs resolved");
    }
    r
}
