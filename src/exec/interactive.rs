//! `sparkctl ssh`: a shell or a command on a host for the operator, with
//! the terminal, stdin and the exit status of the system `ssh` client.
//!
//! Why the system client over the connection `connect` made, and not the
//! openssh crate: the crate's native mux cannot allocate a terminal, which
//! a shell needs. Going through the master `connect` opened (or the kept
//! one it proved, `[ssh] control_persist`) means the host-key check, the
//! ProxyJump hops and the authentication were already done the way every
//! other command does them, and the errors of a failed connection are
//! sparkctl's own (with their hints). The inventory's options are passed
//! as well, so that should the master be gone by the time ssh starts, ssh
//! connects the same way, never with other settings.

use super::Conn;
use crate::inventory::{Cluster, Host};

impl Conn {
    /// The `ssh` command for the operator's shell (no `command`) or
    /// `command` (its words joined by ssh and run by the login shell, as
    /// `ssh HOST CMD...` does) on `host`, through this connection's
    /// master. A terminal is allocated the way ssh decides by itself: for
    /// a shell when stdin is one, not for a command.
    pub fn interactive(
        &self,
        cluster: &Cluster,
        host: &Host,
        accept_new: bool,
        command: &[String],
    ) -> std::process::Command {
        let mut cmd = std::process::Command::new("ssh");
        super::ssh_args(&mut cmd, cluster, host, true);
        cmd.arg("-o").arg(if accept_new {
            "StrictHostKeyChecking=accept-new"
        } else {
            "StrictHostKeyChecking=yes"
        });
        // Use the master, never become one (the master's lifetime is
        // `connect`'s business).
        cmd.arg("-S")
            .arg(self.session.control_socket())
            .args(["-o", "ControlMaster=no"]);
        cmd.arg("--").arg(&host.address).args(command);
        cmd
    }
}
