//! `sparkctl ha enable` / `ha disable`: record the change in the inventory
//! (comments and layout kept, see `inventory::edit`), validate the result
//! before writing it, show what will change, then converge with `deploy`,
//! whose rolling restarts put things in the right order (see `rolling.rs`).

use crate::command::deploy;
use crate::command::Global;
use crate::diag::{exit, UsageError};
use crate::inventory::edit::{self, Change};
use crate::session::rolling::RollOptions;
use anyhow::Result;
use std::path::Path;

pub(super) async fn edit_and_deploy(
    path: &Path,
    change: Change,
    yes: bool,
    global: &Global,
    roll: RollOptions,
) -> Result<i32> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        UsageError(format!(
            "error: cannot read inventory {}: {}",
            path.display(),
            e
        ))
    })?;
    let new_text = edit::edit_inventory(&text, &change)?;
    // Validate the result before writing anything: errors point into the edited text.
    let cluster = crate::inventory::parse(path, &new_text).map_err(|d| {
        UsageError(format!(
            "the inventory after this change would be invalid; nothing was changed:\n{}",
            d
        ))
    })?;
    let diff = crate::diff::unified(&path.display().to_string(), Some(&text), &new_text);
    if diff.is_empty() {
        eprintln!(
            "{} already says ha = \"{}\"; converging the cluster to it",
            path.display(),
            cluster.ha.name()
        );
    } else {
        eprintln!("This changes {}:\n{}", path.display(), diff);
        eprintln!("then runs `sparkctl deploy`: ZooKeeper (if new) is started and waited for, spark-env.sh is rewritten on the masters, running applications are waited for if the master cannot carry them over, masters restart (standbys first), and workers restart with the master list {}.", cluster.master_url());
        if !edit::confirm(yes)? {
            eprintln!("nothing was changed");
            return Ok(exit::USAGE);
        }
        edit::write_atomic(path, &new_text)?;
        eprintln!("updated {}", path.display());
    }
    deploy::run(
        cluster,
        global,
        &deploy::Args {
            dry_run: false,
            json: false,
            files_only: false,
            stop_removed: false,
            roll,
        },
    )
    .await
}
