//! `sparkctl submit`: run a host's `spark-submit` over SSH with the
//! cluster's master URL (and, with `authenticate`, the daemons' properties
//! file) filled in, its output streamed and its exit status passed through;
//! or, with `--status`/`--kill`, ask the masters' REST server about a
//! driver. It changes nothing sparkctl manages, so it takes no lock.
//!
//! * `argv.rs`: the operator's arguments, the master URL, the command (pure);
//! * `driver.rs`: `--status` / `--kill` over the masters' REST API;
//! * `local.rs`: `--local`, this machine's spark-submit.

mod argv;
mod driver;
mod local;
#[cfg(test)]
mod tests;

pub use argv::DeployMode;

use crate::diag::{exit, UsageError};
use crate::exec::{self, ConnectOptions};
use crate::inventory::{Cluster, Host};
use crate::{layout, steps};
use anyhow::{anyhow, Result};
use std::path::Path;

/// `sparkctl submit`'s flags (see `cli::Command::Submit`).
#[derive(Debug, Clone)]
pub struct Args {
    pub on: Option<String>,
    pub mode: DeployMode,
    pub status: Option<String>,
    pub kill: Option<String>,
    /// `--local`: this machine's spark-submit (`SPARK_HOME`).
    pub local: bool,
    /// Everything after `--`: spark-submit's options, the application, its arguments.
    pub spark_args: Vec<String>,
}

pub async fn run(inventory: &Path, a: &Args, opts: &ConnectOptions, quiet: bool) -> Result<i32> {
    let ask = match (&a.status, &a.kill) {
        (Some(id), _) => Some((driver::Action::Status, id)),
        (None, Some(id)) => Some((driver::Action::Kill, id)),
        (None, None) => None,
    };
    if let Some((action, id)) = ask {
        let cluster = super::load_inventory(inventory)?;
        return driver::run(&cluster, action, id, opts).await;
    }
    // The arguments are judged before the inventory is read: a mistake in
    // them costs nothing and says so at once.
    let parsed = argv::parse(&a.spark_args);
    argv::check(&parsed, a.mode)?;
    if a.local {
        let home = local::spark_home(std::env::var_os("SPARK_HOME"))?;
        let cluster = super::load_inventory(inventory)?;
        if cluster.masters().next().is_none() {
            submitting_host(&cluster, None)?;
        }
        return local::run(&cluster, &home, a.mode, &a.spark_args, quiet);
    }
    let cluster = super::load_inventory(inventory)?;
    let host = submitting_host(&cluster, a.on.as_deref())?;
    let properties_file = match &cluster.spark.auth {
        Some(_) if parsed.properties_file => {
            return Err(UsageError(format!(
                "error: {}: with `authenticate = true` sparkctl passes spark-submit the daemons' properties file (it holds the secret); a `--properties-file` of yours would replace it\n  = help: give your settings with --conf KEY=VALUE instead",
                cluster.file.display()
            ))
            .into())
        }
        Some(_) => Some(layout::daemon_conf(&cluster)),
        None => None,
    };
    let (url, gateway) = argv::master_url(&cluster, a.mode);
    let home = layout::current(&cluster.spark.install_root);
    let command = argv::command(
        &home,
        &url,
        a.mode,
        gateway,
        properties_file.as_deref(),
        &a.spark_args,
    );
    let conf = format!("{}/conf", home);
    let driver_conf = (a.mode == argv::DeployMode::Cluster).then_some(conf.as_str());
    let script = steps::spark_submit(&command, cluster.run_as.as_deref(), driver_conf);

    let conn = exec::connect(&cluster, host, opts).await?;
    let result = async {
        let found = conn
            .run("look for spark-submit", &steps::executable(&command[0]))
            .await?;
        if found.stdout.trim() != "present" {
            return Err(anyhow!(
                "host {}: no Spark at {} (no executable bin/spark-submit there)\n  = help: deploy the inventory first: sparkctl deploy {}",
                host.name,
                home,
                cluster.file.display()
            ));
        }
        if !quiet {
            eprintln!(
                "submitting on {} to {} ({} mode{})",
                host.name,
                url,
                a.mode.word(),
                match gateway {
                    argv::Gateway::Driver => "",
                    argv::Gateway::Rpc => ", RPC client over the masters' port",
                    argv::Gateway::Rest => ", REST submission server",
                }
            );
        }
        conn.run_streamed("spark-submit", &script).await
    }
    .await;
    conn.close().await;
    // spark-submit's own status; none at all (a signal, a dropped
    // connection) is a failure.
    Ok(result?.unwrap_or(exit::FAILED))
}

/// `--on HOST`, else the first master in inventory order: it has Spark
/// installed in every cluster (and, with authenticate, the daemons'
/// properties file), and is where operators usually submit from.
fn submitting_host<'a>(cluster: &'a Cluster, on: Option<&str>) -> Result<&'a Host, UsageError> {
    let file = cluster.file.display();
    let spark_hosts = || {
        cluster
            .hosts
            .iter()
            .filter(|h| h.roles.master || h.roles.worker)
            .map(|h| h.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if cluster.masters().next().is_none() {
        return Err(UsageError(format!(
            "error: {}: no host has the master role: there is no cluster to submit to",
            file
        )));
    }
    let Some(name) = on else {
        return Ok(cluster.masters().next().expect("checked above"));
    };
    let Some(h) = cluster.host(name) else {
        let all: Vec<&str> = cluster.hosts.iter().map(|h| h.name.as_str()).collect();
        return Err(UsageError(format!(
            "error: {}: no host `{}` in the inventory\n  = help: --on takes an inventory host name: {}",
            file,
            name,
            all.join(", ")
        )));
    };
    if !(h.roles.master || h.roles.worker) {
        return Err(UsageError(format!(
            "error: {}: host `{}` has no Spark installed (it is neither a master nor a worker)\n  = help: submit from a host with Spark: {}",
            file,
            name,
            spark_hosts()
        )));
    }
    Ok(h)
}
