//! Read-only questions to a host: the secret in a host's properties file (for the operator to copy), whether
//! a port is listened on.

use crate::shell::quote;

/// The command that prints the cluster's secret from the hosts'
/// `spark-defaults.conf` at `conf`. sparkctl never runs it: `deploy` shows
/// it in its help for copying an existing secret to the operator's machine
/// (`ssh HOST '<this>' > FILE`), so it is a remote script like the others
/// and lives here to be tested with hostile paths.
pub fn read_secret_command(conf: &str, sudo: bool) -> String {
    let read = format!("sed -n 's/^spark.authenticate.secret //p' {}", quote(conf));
    if sudo {
        format!("sudo -n {}", read)
    } else {
        read
    }
}

/// Prints `listening` when something on the host listens on TCP `port`
/// (any address), else `not-listening`. Read from /proc/net/tcp{,6} (state
/// 0A = LISTEN, local port in hex): no ss or netstat needed. Used to tell a
/// firewall from a dead daemon when `probe = "direct"` gets no answer.
pub fn port_listening(port: u16) -> String {
    format!(
        r#"p={:04X}
for f in /proc/net/tcp /proc/net/tcp6; do
  [ -r "$f" ] || continue
  while read -r _ local _ st _; do
    case "$local:$st" in *:"$p":0A) echo listening; exit 0;; esac
  done < "$f"
done
echo not-listening"#,
        port
    )
}
