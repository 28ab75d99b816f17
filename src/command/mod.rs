//! Subcommands: one file (or folder) per subcommand, and what they share on
//! the command line (`Global`, the inventory path). The engine they drive
//! (connect, start and stop daemons in order, wait until the cluster proves
//! it works) is `crate::session`.

pub mod deploy;
pub mod ha;
pub mod lifecycle;
pub mod status;

use crate::diag::UsageError;
use crate::dist::{self, LocalDist, Product};
use crate::exec::ConnectOptions;
use crate::inventory::Cluster;
use crate::session::select;
use anyhow::{anyhow, Result};
use std::path::{Path, PathBuf};

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
}

/// Load the inventory; errors are user errors (exit 2).
pub fn load_inventory(path: &Path) -> Result<Cluster> {
    Ok(crate::inventory::load(path)?)
}

/// Resolve both distributions before touching any host.
pub async fn resolve_dists(cluster: &Cluster) -> Result<(LocalDist, Option<LocalDist>)> {
    let c = cluster.clone();
    tokio::task::spawn_blocking(move || {
        let file = c.file.display().to_string();
        let spark = dist::resolve(
            Product::Spark,
            &c.spark.source,
            &format!("[spark] in {}", file),
        )?;
        let zk = match (&c.zookeeper.source, c.has_zookeeper()) {
            (Some(s), true) => Some(dist::resolve(
                Product::ZooKeeper,
                s,
                &format!("[zookeeper] in {}", file),
            )?),
            _ => None,
        };
        Ok((spark, zk))
    })
    .await?
}

/// The inventory path: the argument, else $SPARKCTL_INVENTORY, else ./inventory.toml.
pub fn inventory_path(arg: Option<PathBuf>) -> PathBuf {
    arg.or_else(|| std::env::var_os("SPARKCTL_INVENTORY").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("inventory.toml"))
}

/// `sparkctl rest-token`: a bearer token for the masters' REST server, made
/// from the operator's copy of the secret; no host is contacted.
pub fn rest_token(path: &Path, ttl: u64) -> Result<i32> {
    let cluster = load_inventory(path)?;
    let auth = match (&cluster.spark.auth, cluster.spark.rest) {
        (Some(a), true) => a,
        (_, false) => {
            return Err(UsageError(format!(
                "error: {}: the REST submission server is off (`rest` is not true in [spark]); there is nothing to make a token for\n  = help: with `rest = true` and `authenticate = true`, the masters admit REST requests signed with a token from this command",
                path.display()
            ))
            .into())
        }
        (None, true) => {
            return Err(UsageError(format!(
                "error: {}: the REST submission server runs without authentication (`authenticate` is not true in [spark]); it takes no token, and anyone who reaches it can submit code\n  = help: add `authenticate = true` to [spark] and deploy: the masters then admit only signed requests",
                path.display()
            ))
            .into())
        }
    };
    let loaded = crate::secret::load_or_generate(&auth.secret_file)
        .map_err(|e| UsageError(format!("error: {:#}", e)))?;
    if loaded.fresh {
        return Err(UsageError(format!(
            "error: the cluster's secret {} does not exist, so no token can be signed\n  = help: deploy first (it generates the secret), or copy the hosts' secret here",
            auth.secret_file.display()
        ))
        .into());
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    crate::outln!("{}", crate::rest::token(&loaded.secret, now, ttl));
    Ok(crate::diag::exit::OK)
}

/// `sparkctl check`: validate and render locally; no host is contacted.
pub fn check(path: &Path) -> Result<i32> {
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
