//! `sparkctl ha`: status, enable, disable, and the failover drill.
//!
//! This file only maps the `ha` subcommands onto their jobs, each in its own
//! module: `status.rs` (what the masters run with, and the election znode),
//! `enable.rs` (record the change in the inventory, then converge with
//! `deploy`) and `drill.rs` (break a daemon on purpose and check the cluster
//! survives it). The inventory editing itself is `inventory::edit`.

mod drill;
mod enable;
mod status;

// The paths these had when `ha` was one file, kept for the library's users.
pub use crate::inventory::edit::{edit_inventory, Change};
pub use status::{parse_recovery, parse_zkcli_ls, recovery_problems, Recovery, RecoveryProblem};

use super::{load_inventory, Global};
use crate::cli::HaCommand;
use crate::session::rolling::RollOptions;
use crate::session::select::Selection;
use anyhow::Result;
use std::time::Duration;

pub async fn run(cmd: HaCommand, global: &Global) -> Result<i32> {
    match cmd {
        HaCommand::Status {
            inventory,
            json,
            hosts,
        } => {
            let c = load_inventory(&inventory.path)?;
            let mut global = global.clone();
            global.select = Selection::of_cluster(&c, &hosts.limit, &hosts.skip)?;
            status::status(c, &global, json).await
        }
        HaCommand::Enable {
            inventory,
            zk,
            zk_hosts,
            masters,
            zk_tarball,
            filesystem,
            yes,
            roll,
        } => {
            let path = inventory.path;
            let change = if zk {
                Change::Zookeeper {
                    zk_hosts,
                    masters,
                    zk_tarball: zk_tarball.map(|p| p.display().to_string()),
                }
            } else {
                Change::Filesystem {
                    dir: filesystem.expect("clap requires --zk or --filesystem"),
                }
            };
            enable::edit_and_deploy(&path, change, yes, global, RollOptions::from(&roll)).await
        }
        HaCommand::Disable {
            inventory,
            yes,
            roll,
        } => {
            enable::edit_and_deploy(
                &inventory.path,
                Change::Disable,
                yes,
                global,
                RollOptions::from(&roll),
            )
            .await
        }
        HaCommand::Drill {
            inventory,
            mode,
            zk,
            host,
            timeout,
            json,
        } => {
            let c = load_inventory(&inventory.path)?;
            let d = Duration::from_secs(timeout);
            if zk {
                drill::drill_zookeeper(c, global, host, d, json).await
            } else {
                drill::drill_master(c, global, mode, d, json).await
            }
        }
    }
}
