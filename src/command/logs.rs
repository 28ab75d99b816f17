//! `sparkctl logs`: a daemon's log from its host, the last lines or
//! followed (`-f`), at the paths sparkctl itself starts the daemons with
//! (`layout::log_glob`). It changes nothing, so it takes no lock.

use super::target::Target;
use crate::diag::{exit, UsageError};
use crate::exec::{self, ConnectOptions};
use crate::inventory::{Cluster, Host};
use crate::layout::Daemon;
use crate::steps;
use anyhow::{anyhow, Result};

/// `sparkctl logs`'s flags (see `cli::Command::Logs`).
#[derive(Debug, Clone)]
pub struct Args {
    pub lines: u32,
    pub follow: bool,
}

pub async fn run(t: &Target, a: &Args, opts: &ConnectOptions) -> Result<i32> {
    let cluster = super::load_inventory(&t.inventory)?;
    let host = super::target::host(&cluster, &t.host, "logs")?;
    let daemon = pick_daemon(&cluster, host, t.extra.as_deref())?;
    let run_as = cluster.run_as.as_deref();
    let conn = exec::connect(&cluster, host, opts).await?;
    let result = async {
        let found = conn
            .run_status("find the log", &steps::log_file(host, daemon, run_as))
            .await?;
        let path = match found.status {
            0 => found.stdout.trim().to_string(),
            steps::NO_LOG => {
                return Err(anyhow!(
                    "host {}: no {} log at {}: the daemon has not been started there yet\n  = help: sparkctl deploy {} (or start) starts it",
                    host.name,
                    daemon.label(),
                    crate::layout::log_glob(host, daemon),
                    cluster.file.display()
                ))
            }
            s => {
                return Err(exec::StepError {
                    host: host.name.clone(),
                    step: "find the log".into(),
                    status: Some(s),
                    stderr: found.stderr,
                }
                .into())
            }
        };
        // The file's name on stderr: stdout is the log alone, for pipes.
        eprintln!("==> {}:{}", host.name, path);
        if a.follow {
            conn.run_following("follow the log", &steps::log_follow(&path, a.lines, run_as))
                .await
        } else {
            conn.run_streamed("show the log", &steps::log_show(&path, a.lines, run_as))
                .await
        }
    }
    .await;
    conn.close().await;
    Ok(result?.unwrap_or(exit::FAILED))
}

/// DAEMON, or the one daemon `host` runs; a usage error names the choices.
fn pick_daemon(cluster: &Cluster, host: &Host, asked: Option<&str>) -> Result<Daemon, UsageError> {
    let runs: Vec<Daemon> = Daemon::ALL
        .into_iter()
        .filter(|d| d.runs_on(host))
        .collect();
    let labels = || {
        runs.iter()
            .map(|d| d.label())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let file = cluster.file.display();
    match asked {
        None => match runs.as_slice() {
            [d] => Ok(*d),
            [] => Err(UsageError(format!(
                "error: {}: host `{}` runs no daemon (it has no role)",
                file, host.name
            ))),
            _ => Err(UsageError(format!(
                "error: host `{}` runs {} daemons: say which\n  = help: sparkctl logs {} {} DAEMON, DAEMON one of: {}",
                host.name,
                runs.len(),
                file,
                host.name,
                labels()
            ))),
        },
        Some(w) => match Daemon::from_label(w) {
            Some(d) if runs.contains(&d) => Ok(d),
            Some(d) => Err(UsageError(format!(
                "error: {}: host `{}` runs no {}\n  = help: it runs: {}",
                file,
                host.name,
                d.label(),
                labels()
            ))),
            None => Err(UsageError(format!(
                "error: unknown daemon `{}`\n  = help: host `{}` runs: {}",
                w,
                host.name,
                labels()
            ))),
        },
    }
}
