//! The only code that talks to hosts. One multiplexed SSH connection per host
//! (openssh, native mux) for the whole run; every command is a POSIX `sh -c`
//! script with a timeout; every failure names the host and the step.
//!
//! Scripts receive user values only through [`crate::shell::quote`]; nothing
//! here interprets inventory text as shell.
//!
//! * here: the types every part shares, and the masters this process opened;
//! * `connect.rs`: making (or reusing) a connection, for one host or many;
//! * `errors.rs`: what to tell an operator when ssh cannot connect;
//! * `run.rs`: running scripts and forwarding probes over a connection;
//! * `interactive.rs`: `sparkctl ssh`: the ssh client, through the master;
//! * `resolved.rs`: `ssh -G`'s answer, cached while its config files are
//!   unchanged (the kept master's fingerprint without a process per host);
//! * `remote.rs`: the [`Remote`] trait the engine drives, so it can be
//!   driven by a fake host in unit tests.

mod connect;
mod errors;
mod interactive;
mod remote;
mod resolved;
mod run;

pub use connect::{connect, connect_all, connect_for_probes, resume_unproven, Unproven};
pub use remote::Remote;

use crate::inventory::{Cluster, Host};
use openssh::Session;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// A remote step that failed: what, where, and what the host said.
#[derive(Debug)]
pub struct StepError {
    pub host: String,
    pub step: String,
    pub status: Option<i32>,
    pub stderr: String,
}

impl fmt::Display for StepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.status {
            Some(s) => write!(
                f,
                "host {}: {} failed (exit status {})",
                self.host, self.step, s
            )?,
            None => write!(f, "host {}: {} failed", self.host, self.step)?,
        }
        let tail: Vec<&str> = self.stderr.trim_end().lines().collect();
        let tail = &tail[tail.len().saturating_sub(15)..];
        for line in tail {
            write!(f, "\n  | {}", line)?;
        }
        Ok(())
    }
}
impl std::error::Error for StepError {}

/// What a remote command printed.
#[derive(Debug, Clone)]
pub struct Output {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

/// An open connection to one host.
#[derive(Clone)]
pub struct Conn {
    pub host: String,
    session: Arc<Session>,
    timeout: Duration,
    /// Run scripts through `sudo -n` (`[ssh] sudo = true`).
    sudo: bool,
    /// Local sockets forwarded through this connection, by remote port
    /// (see `dial`). Shared by every clone: one forward per port per run.
    forwards: Arc<tokio::sync::Mutex<std::collections::HashMap<(String, u16), std::path::PathBuf>>>,
    /// The master is kept for the next run (`[ssh] control_persist`):
    /// closing this connection leaves it running.
    keep: bool,
}

/// Options that come from the command line rather than the inventory.
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    /// `--accept-new-host-keys`: trust keys of hosts never seen before.
    pub accept_new_host_keys: bool,
}

/// `ssh -G` for `host` with the options `connect` passes, so that what it
/// resolves is where (and, with `login`, as whom and after which host-key
/// checks) ssh would connect. Built once for both of its users: the hint
/// of a failed connection (`login` false: `[ssh] config_file` and the port
/// only, as it always was) and the fingerprint of a kept master (all).
fn ssh_g(cluster: &Cluster, host: &Host, login: bool) -> std::process::Command {
    let mut cmd = std::process::Command::new("ssh");
    cmd.arg("-G");
    ssh_args(&mut cmd, cluster, host, login);
    // `--` ends the options: the address is validated, but keep it an operand.
    cmd.arg("--").arg(&host.address);
    cmd
}

/// The options `connect` gives ssh for `host` (config file and port; with
/// `login`, user, identity and known_hosts file too), for the `ssh`
/// processes sparkctl runs itself (`ssh -G`, `sparkctl ssh`).
fn ssh_args(cmd: &mut std::process::Command, cluster: &Cluster, host: &Host, login: bool) {
    let s = &cluster.ssh;
    if let Some(c) = &s.config_file {
        cmd.arg("-F").arg(c);
    }
    if let Some(p) = host.ssh_port.or(s.port) {
        cmd.arg("-p").arg(p.to_string());
    }
    if login {
        if let Some(u) = host.ssh_user.as_ref().or(s.user.as_ref()) {
            cmd.arg("-l").arg(u);
        }
        if let Some(k) = host.identity_file.as_ref().or(s.identity_file.as_ref()) {
            cmd.arg("-i").arg(k);
        }
        if let Some(k) = &s.known_hosts_file {
            cmd.arg("-o")
                .arg(format!("UserKnownHostsFile={}", k.display()));
        }
    }
}

/// Control sockets of the SSH masters this process opened. openssh keeps a
/// master running after its `Session` is dropped (e.g. on Ctrl-C), still
/// streaming whatever it was sending; `stop_all_masters` ends them so remote
/// steps are hung up and clean up after themselves.
static MASTERS: std::sync::Mutex<Vec<std::path::PathBuf>> = std::sync::Mutex::new(Vec::new());

fn register_master(socket: &std::path::Path) {
    if let Ok(mut m) = MASTERS.lock() {
        m.push(socket.to_path_buf());
    }
}

fn unregister_master(socket: &std::path::Path) {
    if let Ok(mut m) = MASTERS.lock() {
        m.retain(|p| p != socket);
    }
}

/// Tell every SSH master still open to exit (used when interrupted).
pub fn stop_all_masters() {
    let sockets = MASTERS.lock().map(|m| m.clone()).unwrap_or_default();
    for s in sockets {
        let _ = std::process::Command::new("ssh")
            .arg("-S")
            .arg(&s)
            .args(["-O", "exit", "sparkctl-master"])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
    }
}
