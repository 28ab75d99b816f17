//! Command-line interface (clap derive). The first doc line of each item is
//! its short help; the rest is the long help shown by `--help`.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Deploy and operate Apache Spark standalone clusters with ZooKeeper HA over SSH.
///
/// Exit status: 0 ok; 1 a host or step failed; 2 bad usage, inventory,
/// template or tarball (nothing was changed); status only: 3 degraded, 4 down.
#[derive(Debug, Parser)]
#[command(name = "sparkctl", version, propagate_version = true)]
pub struct Cli {
    /// How many hosts to work on at once.
    #[arg(long, global = true, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=512))]
    pub parallel: u16,

    /// Trust and record the SSH host keys of hosts never seen before
    /// (StrictHostKeyChecking=accept-new). Changed keys are still refused.
    #[arg(long, global = true)]
    pub accept_new_host_keys: bool,

    /// Print only errors and the final summary.
    #[arg(long, short, global = true)]
    pub quiet: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Install, configure, start and verify the cluster described by an inventory.
    ///
    /// Safe to run again at any time: it uploads, rewrites and restarts only
    /// what differs from the inventory, and always ends by proving the
    /// cluster is healthy (one ALIVE master, the others STANDBY, every
    /// worker registered, ZooKeeper with a leader).
    Deploy {
        /// Inventory file (default: $SPARKCTL_INVENTORY, else ./inventory.toml).
        inventory: Option<PathBuf>,
        /// Show what would change on each host, and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Show what runs where and whether the cluster is healthy.
    ///
    /// Exit status 0 when healthy, 3 when degraded (a standby, worker or
    /// ZooKeeper server missing), 4 when down (no ALIVE master or no quorum).
    Status {
        /// Inventory file (default: $SPARKCTL_INVENTORY, else ./inventory.toml).
        inventory: Option<PathBuf>,
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Start every daemon that is not running: ZooKeeper, masters, workers.
    Start {
        /// Inventory file (default: $SPARKCTL_INVENTORY, else ./inventory.toml).
        inventory: Option<PathBuf>,
    },
    /// Stop every daemon: workers, masters, ZooKeeper; wait until each has exited.
    Stop {
        /// Inventory file (default: $SPARKCTL_INVENTORY, else ./inventory.toml).
        inventory: Option<PathBuf>,
    },
    /// Check an inventory and render its files without connecting to any host.
    Check {
        /// Inventory file (default: $SPARKCTL_INVENTORY, else ./inventory.toml).
        inventory: Option<PathBuf>,
    },
}
