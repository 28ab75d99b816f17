//! The masters' leader latch in ZooKeeper, through the distribution's
//! zkCli: listing its participants (`ha status`, and which node leads
//! before the ALIVE master is stopped) and removing the node a stopped
//! ALIVE master left behind, so its standby takes over at once instead of
//! when the dead master's session expires.

use crate::shell::quote;

/// List the children of `znode` with the ZooKeeper distribution under
/// `home` (its `bin/zkCli.sh`), asking the server at `address:port`; stdout
/// and stderr together (the caller reads zkCli's `[a, b]` line, or "Node
/// does not exist", read by [`parse_zkcli_ls`]).
pub fn zkcli_ls(home: &str, address: &str, port: u16, znode: &str) -> String {
    format!(
        "cd {h} && ZOOCFGDIR={h}/conf ZOO_LOG_DIR=/tmp ZK_CLIENT_HEAP=64 bin/zkCli.sh -server {a}:{p} ls {z} 2>&1",
        h = quote(home),
        a = quote(address),
        p = port,
        z = quote(znode)
    )
}

/// The `[a, b]` line zkCli prints for `ls`; `None` if absent. A missing
/// node means no participants.
pub fn parse_zkcli_ls(out: &str) -> Option<Vec<String>> {
    if out.contains("Node does not exist") {
        return Some(vec![]);
    }
    let line = out
        .lines()
        .rev()
        .find(|l| l.starts_with('[') && l.trim_end().ends_with(']'))?;
    let inner = line.trim().trim_start_matches('[').trim_end_matches(']');
    Some(
        inner
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
    )
}

/// Delete `node` (one child of the election znode) with the ZooKeeper
/// distribution under `home`, asking the server at `address:port`. A node
/// already gone (the session expired meanwhile) is not an error: the
/// handover it was for has happened by itself. Prints `@handover
/// deleted` or `@handover gone`.
pub fn zkcli_delete(home: &str, address: &str, port: u16, node: &str) -> String {
    // zkCli exits 0 when the command worked and 1 otherwise; which
    // failure it was is only in its output.
    format!(
        "cd {h} && if out=$(ZOOCFGDIR={h}/conf ZOO_LOG_DIR=/tmp ZK_CLIENT_HEAP=64 bin/zkCli.sh -server {a}:{p} delete {n} 2>&1); then echo '@handover deleted'\nelse case \"$out\" in *'Node does not exist'*) echo '@handover gone';; *) printf '%s\\n' \"$out\" | grep -v ' INFO ' | tail -n 3 >&2; exit 1;; esac; fi\n",
        h = quote(home),
        a = quote(address),
        p = port,
        n = quote(node)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::steps::test_sh::{run, tmpdir};

    /// A stand-in zkCli (exit status and output as the real one's, checked
    /// on the lab): deleted, already gone, and any other failure.
    #[test]
    fn delete_reports_deleted_gone_or_the_failure() {
        let d = tmpdir("election");
        std::fs::create_dir_all(format!("{}/bin", d)).unwrap();
        let zkcli = format!("{}/bin/zkCli.sh", d);
        let cases = [
            (
                "echo 'INFO connecting'; exit 0",
                0,
                "@handover deleted\n",
                "",
            ),
            (
                "echo 'Node does not exist: /spark/leader_election/x'; exit 1",
                0,
                "@handover gone\n",
                "",
            ),
            (
                "echo '2026 INFO noise'; echo 'KeeperErrorCode = ConnectionLoss for /x'; exit 1",
                1,
                "",
                "KeeperErrorCode = ConnectionLoss for /x\n",
            ),
        ];
        for (body, code, out, err) in cases {
            std::fs::write(&zkcli, format!("#!/bin/sh\n{}\n", body)).unwrap();
            std::process::Command::new("chmod")
                .arg("+x")
                .arg(&zkcli)
                .status()
                .unwrap();
            let o = run(&zkcli_delete(
                &d,
                "10.0.0.1",
                2181,
                "/spark/leader_election/x",
            ));
            assert_eq!(o.status.code(), Some(code), "{}", body);
            assert_eq!(String::from_utf8_lossy(&o.stdout), out, "{}", body);
            assert_eq!(String::from_utf8_lossy(&o.stderr), err, "{}", body);
        }
        std::fs::remove_dir_all(&d).unwrap();
    }
}
