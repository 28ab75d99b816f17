//! What to tell an operator when ssh cannot connect: ssh's own words, and
//! what to do about them (with the host's key fingerprints and the exact
//! `ssh-keyscan`/`ssh-keygen -R` command when the host key is why).

use crate::inventory::{Cluster, Host};
use anyhow::anyhow;

/// An error and all its sources: openssh keeps ssh's own words in `source()`.
pub(super) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut src = e.source();
    while let Some(s) = src {
        parts.push(s.to_string());
        src = s.source();
    }
    parts.join(": ")
}

/// Turn ssh's message into what to do about it.
pub(super) fn connect_error(
    cluster: &Cluster,
    host: &Host,
    raw: &str,
    accept: bool,
) -> anyhow::Error {
    let msg = raw.trim();
    let hint = if msg.contains("Host key verification failed")
        || msg.contains("No ") && msg.contains("host key is known")
    {
        if accept {
            // known_hosts records a host on another port than 22 as [address]:port.
            let (address, port) = ssh_target(cluster, host);
            let entry = if port == 22 {
                address
            } else {
                format!("'[{}]:{}'", address, port)
            };
            format!("the host's key differs from the one recorded in known_hosts: if the host was reinstalled, remove the old entry with `ssh-keygen -R {}`; otherwise investigate before connecting", entry)
        } else {
            let (address, port) = ssh_target(cluster, host);
            let fps = host_key_fingerprints(&address, port);
            let shown = if fps.is_empty() {
                String::new()
            } else {
                format!("; it presents:\n      {}\n   ", fps.join("\n      "))
            };
            format!(
                "its host key is not trusted yet{} check the fingerprint out of band (`{} | ssh-keygen -lf -`), then add it to known_hosts, or run again with --accept-new-host-keys",
                if shown.is_empty() { ":".to_string() } else { shown },
                keyscan_command(&address, port)
            )
        }
    } else if msg.contains("Permission denied") {
        "the SSH key was refused: check `ssh_user`/`identity_file` in the inventory, or that the key is loaded in ssh-agent".into()
    } else if msg.contains("Connection refused") {
        "nothing listens on the SSH port: is sshd running, and is `ssh_port` right?".into()
    } else if msg.contains("timed out")
        || msg.contains("No route to host")
        || msg.contains("unreachable")
    {
        "the host does not answer: is it up, and is the address right?".into()
    } else if msg.contains("Could not resolve") {
        "the address does not resolve: fix `address` in the inventory".into()
    } else {
        "run `ssh -v` to the same address to see why".into()
    };
    anyhow!(
        "host {}: cannot connect to {} over SSH: {}\n  = help: {}",
        host.name,
        host.address,
        // ssh's own words ("connect to host ... port 22: No route to host"), not openssh's wrapper.
        msg.lines()
            .last()
            .unwrap_or(msg)
            .trim_start_matches("failed to connect to the remote host: "),
        hint
    )
}

/// Where ssh connects for `host` once the inventory (`ssh_port`, `[ssh]
/// port`) and the ssh config (`[ssh] config_file`, else ~/.ssh/config:
/// `HostName`, `Port`) are applied: what `ssh -G` resolves, without
/// connecting. Best effort: without an answer, the inventory's address and
/// port (22 by default).
fn ssh_target(cluster: &Cluster, host: &Host) -> (String, u16) {
    let port = host.ssh_port.or(cluster.ssh.port);
    let fallback = (host.address.clone(), port.unwrap_or(22));
    let mut cmd = super::ssh_g(cluster, host, false);
    match cmd.stderr(std::process::Stdio::null()).output() {
        Ok(out) if out.status.success() => {
            parse_ssh_g(&String::from_utf8_lossy(&out.stdout)).unwrap_or(fallback)
        }
        _ => fallback,
    }
}

/// `hostname` and `port` from `ssh -G`'s output.
fn parse_ssh_g(out: &str) -> Option<(String, u16)> {
    let value = |key: &str| {
        out.lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix(' ').map(str::trim))
    };
    Some((value("hostname")?.to_string(), value("port")?.parse().ok()?))
}

/// The ssh-keyscan command an operator can run to see a host's keys.
fn keyscan_command(address: &str, port: u16) -> String {
    if port == 22 {
        format!("ssh-keyscan {}", address)
    } else {
        format!("ssh-keyscan -p {} {}", port, address)
    }
}

/// The fingerprints a host's SSH server presents (best effort, 5 s), so an
/// operator can compare them with what they expect before trusting the host.
fn host_key_fingerprints(address: &str, port: u16) -> Vec<String> {
    let port = port.to_string();
    let scan = std::process::Command::new("timeout")
        .args(["5", "ssh-keyscan", "-p", &port, "-T", "4", address])
        .stderr(std::process::Stdio::null())
        .output();
    let Ok(scan) = scan else { return vec![] };
    let mut keygen = match std::process::Command::new("ssh-keygen")
        .args(["-lf", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
    {
        Ok(k) => k,
        Err(_) => return vec![],
    };
    if let Some(mut stdin) = keygen.stdin.take() {
        use std::io::Write;
        let _ = stdin.write_all(&scan.stdout);
    }
    keygen
        .wait_with_output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One `ssh -G` builder: the hint resolves with the config and the
    /// port only, the fingerprint with the login options too, in the
    /// order `ssh` was always given them.
    #[test]
    fn ssh_g_takes_the_login_options_only_for_the_fingerprint() {
        let c = crate::inventory::parse(
            std::path::Path::new("inv.toml"),
            "[ssh]
port = 2222
user = \"ops\"
identity_file = \"/k\"
known_hosts_file = \"/kh\"
config_file = \"/cfg\"
[spark]
tarball = \"s.tgz\"
[[host]]
name = \"a\"
roles = [\"master\", \"worker\"]
",
        )
        .unwrap();
        let args = |login| {
            let cmd = super::super::ssh_g(&c, &c.hosts[0], login);
            cmd.get_args()
                .map(|a| a.to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(args(false), "-G -F /cfg -p 2222 -- a");
        assert_eq!(
            args(true),
            "-G -F /cfg -p 2222 -l ops -i /k -o UserKnownHostsFile=/kh -- a"
        );
    }

    #[test]
    fn keyscan_hint_names_the_port_ssh_uses() {
        assert_eq!(keyscan_command("10.0.0.1", 22), "ssh-keyscan 10.0.0.1");
        assert_eq!(
            keyscan_command("10.0.0.1", 2222),
            "ssh-keyscan -p 2222 10.0.0.1"
        );
        let g = "user root\nhostname real.example.org\nport 2200\nhostkeyalias none\n";
        assert_eq!(parse_ssh_g(g), Some(("real.example.org".to_string(), 2200)));
        assert_eq!(parse_ssh_g("hostname x\n"), None);
    }

    /// `[ssh] port`, and the ssh config's Port and HostName, reach the hint
    /// (they used to be ignored: only a host's own `ssh_port` was read).
    #[test]
    fn ssh_target_applies_ssh_port_and_the_ssh_config() {
        let dir = std::env::temp_dir().join(format!("sparkctl-sshg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("ssh_config"),
            "Host a\n  HostName 10.9.9.9\n  Port 2022\n",
        )
        .unwrap();
        let inv = |ssh: &str| {
            format!(
                "[ssh]\n{}\n[spark]\ntarball = \"s.tgz\"\n[[host]]\nname = \"a\"\nroles = [\"master\", \"worker\"]\n",
                ssh
            )
        };
        let parse = |t: &str| crate::inventory::parse(&dir.join("inv.toml"), t).unwrap();
        let c = parse(&inv("port = 2222\nconfig_file = \"/dev/null\""));
        let (addr, port) = ssh_target(&c, &c.hosts[0]);
        // `[ssh] port` wins over the config (ssh -G, or the fallback without ssh).
        assert_eq!((addr.as_str(), port), ("a", 2222));
        let c = parse(&inv("config_file = \"ssh_config\""));
        if std::process::Command::new("ssh").arg("-V").output().is_ok() {
            assert_eq!(ssh_target(&c, &c.hosts[0]), ("10.9.9.9".to_string(), 2022));
        }
        // The whole message, for a port where nothing answers (no keys shown).
        let c = parse(
            &inv("port = 1\nconfig_file = \"/dev/null\"")
                .replace("name = \"a\"", "name = \"a\"\naddress = \"127.0.0.1\""),
        );
        let err = connect_error(
            &c,
            &c.hosts[0],
            "No ED25519 host key is known for 127.0.0.1 and you have requested strict checking.\nHost key verification failed.",
            false,
        );
        assert_eq!(
            format!("{:#}", err),
            "host a: cannot connect to 127.0.0.1 over SSH: Host key verification failed.\n  = help: its host key is not trusted yet: check the fingerprint out of band (`ssh-keyscan -p 1 127.0.0.1 | ssh-keygen -lf -`), then add it to known_hosts, or run again with --accept-new-host-keys"
        );
        let err = connect_error(&c, &c.hosts[0], "Host key verification failed.", true);
        assert!(
            format!("{:#}", err).ends_with("remove the old entry with `ssh-keygen -R '[127.0.0.1]:1'`; otherwise investigate before connecting"),
            "{:#}",
            err
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
