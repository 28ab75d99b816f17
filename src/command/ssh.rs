//! `sparkctl ssh`: a shell, or a command, on an inventory host with the
//! inventory's SSH settings, so operators need no ssh config of their own
//! for the cluster. The connection is sparkctl's (`exec::connect`: host-key
//! policy, ProxyJump, a kept master); the terminal is the ssh client's
//! (`exec/interactive.rs` says why). The exit status is the remote one.

use super::target::Target;
use crate::diag::exit;
use crate::exec::{self, ConnectOptions};
use anyhow::{anyhow, Result};
use std::os::unix::process::ExitStatusExt;

pub async fn run(t: &Target, command: &[String], opts: &ConnectOptions) -> Result<i32> {
    let cluster = super::load_inventory(&t.inventory)?;
    let host = super::target::host(&cluster, &t.host, "ssh")?;
    let conn = exec::connect(&cluster, host, opts).await?;
    let accept = cluster.ssh.accept_new_host_keys || opts.accept_new_host_keys;
    let cmd = conn.interactive(&cluster, host, accept, command);
    tracing::info!(host = host.name.as_str(), ?command, "ssh");
    let status = async {
        let mut child = tokio::process::Command::from(cmd).spawn()?;
        // Ctrl-C belongs to the remote side: the terminal sends it to ssh
        // (and, without a terminal, to both of us); sparkctl stays to hand
        // back ssh's status instead of dying first.
        loop {
            tokio::select! {
                s = child.wait() => return s,
                _ = tokio::signal::ctrl_c() => {}
            }
        }
    }
    .await;
    conn.close().await;
    let status = status.map_err(|e| anyhow!("host {}: cannot run ssh: {}", host.name, e))?;
    // ssh exits 255 for its own errors, else with the remote status; a
    // signal is reported the shell's way (128 + signal).
    Ok(status
        .code()
        .or_else(|| status.signal().map(|s| 128 + s))
        .unwrap_or(exit::FAILED))
}
