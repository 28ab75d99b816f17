//! `sparkctl check`: validate the inventory and render every host's files
//! locally, as `deploy` would, without contacting any host.

use super::load_inventory;
use crate::dist::{LocalDist, Product};
use anyhow::{anyhow, Result};
use std::path::Path;

/// `sparkctl check`: validate and render locally; no host is contacted.
pub fn run(path: &Path) -> Result<i32> {
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
    Ok(crate::diag::exit::OK)
}
