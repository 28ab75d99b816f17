//! Lab: sparkctl run from an operator network namespace whose firewall lets
//! only SSH (port 22) through to the hosts, as in most production networks.
//! Health probes must travel through the SSH connections (`[ssh] probe =
//! "ssh"`, the default); with `probe = "direct"` the error must say that a
//! firewall blocks the ports, not that the daemons are down. Independent
//! checks use the test's own probes from the root namespace, which reaches
//! every port.

mod common;
use common::*;
use std::process::Command;

fn lab(args: &[&str]) -> bool {
    Command::new(root().join("lab/lab"))
        .args(args)
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// sparkctl inside the operator namespace.
fn op_sparkctl(args: &[&str]) -> std::process::Output {
    let out = Command::new(root().join("lab/lab"))
        .args(["operator", "exec", env!("CARGO_BIN_EXE_sparkctl")])
        .args(args)
        .env("SPARKCTL_PLAIN", "1")
        .output()
        .expect("run sparkctl in the operator namespace");
    eprintln!(
        "$ (operator) sparkctl {}\n--- exit {:?}\n--- stdout\n{}--- stderr\n{}",
        args.join(" "),
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    );
    out
}

#[test]
fn probes_travel_over_ssh_where_only_ssh_gets_through() {
    let _g = LAB.lock().unwrap_or_else(|e| e.into_inner());
    lab_up();
    clean_slate();
    assert!(lab(&["operator", "up"]), "lab operator up failed");
    let inv = root().join("inventories/lab.toml");
    let inv = path_str(&inv);

    // The firewall really blocks: the daemons' ports are not reachable.
    let probe = Command::new(root().join("lab/lab"))
        .args(["operator", "exec", "timeout", "3", "bash", "-c"])
        .arg("exec 3<>/dev/tcp/10.213.37.11/22 && ! timeout 1 bash -c 'exec 3<>/dev/tcp/10.213.37.11/8080'")
        .status()
        .unwrap();
    assert!(
        probe.success(),
        "the operator namespace must reach 22 and not 8080"
    );

    // Fresh deploy from behind the firewall ends healthy.
    let t0 = std::time::Instant::now();
    let out = op_sparkctl(&["deploy", inv]);
    assert_eq!(out.status.code(), Some(0), "deploy through SSH only failed");
    measured(
        "fresh HA deploy, SSH-only operator",
        t0.elapsed().as_secs_f64(),
    );
    assert_healthy_ha();

    // status: healthy, with the shape the test sees by itself.
    let t0 = std::time::Instant::now();
    let out = op_sparkctl(&["status", inv]);
    measured(
        "status, SSH-only operator (probes over SSH)",
        t0.elapsed().as_secs_f64(),
    );
    assert_eq!(out.status.code(), Some(0));
    let so = text(&out.stdout);
    assert!(so.contains("HEALTHY"), "{}", so);
    assert_eq!(
        so.matches(" ALIVE ").count(),
        4,
        "1 master + 3 workers ALIVE:\n{}",
        so
    );
    assert_eq!(so.matches("STANDBY").count(), 1, "{}", so);
    assert_eq!(so.matches("leader").count(), 1, "{}", so);
    let t0 = std::time::Instant::now();
    let direct = sparkctl(&["status", inv]);
    measured(
        "status, root namespace (probes over SSH)",
        t0.elapsed().as_secs_f64(),
    );
    assert_eq!(direct.status.code(), Some(0));

    // No-op deploy: nothing changes on any host.
    let t0 = std::time::Instant::now();
    let out = op_sparkctl(&["deploy", inv]);
    measured(
        "no-op deploy, SSH-only operator",
        t0.elapsed().as_secs_f64(),
    );
    assert_eq!(out.status.code(), Some(0));
    assert_no_changes(&text(&out.stdout));

    // The failover drill and a rolling restart, from behind the firewall:
    // every wait inside them goes over SSH. The test's own sampler (root
    // namespace) checks the quorum and the ALIVE master as tests/ha.rs does.
    let out = op_sparkctl(&["ha", "drill", inv, "--mode", "kill"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "ha drill through SSH only failed"
    );
    assert!(
        eventually(60, || healthy_shape(&ALL, &ALL, 1024)),
        "not healthy after the drill"
    );
    let t0 = std::time::Instant::now();
    let (out, g) = sampled(|| op_sparkctl(&["restart", inv, "--rolling"]));
    assert_eq!(
        out.status.code(),
        Some(0),
        "rolling restart through SSH only failed"
    );
    measured(
        "restart --rolling, SSH-only operator",
        t0.elapsed().as_secs_f64(),
    );
    assert!(
        g.quorum_episodes <= 1 && g.quorum_gap < 2.0,
        "ZooKeeper stopped serving {} time(s), longest {:.2} s, during a rolling restart",
        g.quorum_episodes,
        g.quorum_gap
    );
    // One failover at the lab's tuned session timeout takes 7-8 s.
    assert!(
        g.master_gap < 20.0,
        "no ALIVE master for {:.1} s during a rolling restart",
        g.master_gap
    );
    assert!(eventually(60, || healthy_shape(&ALL, &ALL, 1024)));

    // probe = "direct" from behind the firewall: the error names the
    // firewall and the setting, not a dead daemon.
    let d = write_temp(
        "direct.toml",
        &lab_inventory().replace("[ssh]\n", "[ssh]\nprobe = \"direct\"\n"),
    );
    let t0 = std::time::Instant::now();
    let out = op_sparkctl(&["status", path_str(&d)]);
    measured(
        "status, probe = direct, blocked",
        t0.elapsed().as_secs_f64(),
    );
    assert_eq!(out.status.code(), Some(4));
    let so = text(&out.stdout);
    assert!(
        so.contains("port 2181 at 10.213.37.11 does not answer from this machine, but SSH to the host works and the port is listening there: a firewall between this machine and the host blocks it; remove `probe = \"direct\"` from [ssh] to probe through the SSH connection (the default)"),
        "{}",
        so
    );
    // The same setting where the ports are reachable works as before.
    let t0 = std::time::Instant::now();
    let out = sparkctl(&["status", path_str(&d)]);
    measured(
        "status, probe = direct, root namespace",
        t0.elapsed().as_secs_f64(),
    );
    assert_eq!(out.status.code(), Some(0));

    // A bastion: only hosta's sshd is reachable from the operator; hostb
    // and hostc are reached through it with ProxyJump in the ssh config the
    // inventory names. Probes ride the jumped connections too.
    assert!(
        lab(&["operator", "up", "--bastion", "hosta"]),
        "lab operator up --bastion failed"
    );
    let blocked = Command::new(root().join("lab/lab"))
        .args(["operator", "exec", "timeout", "3", "bash", "-c"])
        .arg("! timeout 1 bash -c 'exec 3<>/dev/tcp/10.213.37.12/22'")
        .status()
        .unwrap();
    assert!(
        blocked.success(),
        "hostb's sshd must not be reachable directly"
    );
    let lab_config = std::fs::read_to_string(format!("{}/ssh_config", LAB_STATE)).unwrap();
    let config = write_temp(
        "bastion_ssh_config",
        &format!(
            "Host hostb hostc 10.213.37.12 10.213.37.13\n    ProxyJump 10.213.37.11\n\n{}",
            lab_config
        ),
    );
    let b = write_temp(
        "bastion.toml",
        &lab_inventory().replace(
            &format!("config_file = \"{}/ssh_config\"", LAB_STATE),
            &format!("config_file = \"{}\"", path_str(&config)),
        ),
    );
    assert!(lab_inventory().contains(&format!("config_file = \"{}/ssh_config\"", LAB_STATE)));
    let t0 = std::time::Instant::now();
    let out = op_sparkctl(&["status", path_str(&b)]);
    measured(
        "status through a bastion (ProxyJump)",
        t0.elapsed().as_secs_f64(),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "status through the bastion failed"
    );
    let so = text(&out.stdout);
    assert!(
        so.contains("HEALTHY") && so.matches("STANDBY").count() == 1,
        "{}",
        so
    );
    let t0 = std::time::Instant::now();
    let out = op_sparkctl(&["deploy", path_str(&b)]);
    measured(
        "no-op deploy through a bastion (ProxyJump)",
        t0.elapsed().as_secs_f64(),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "no-op deploy through the bastion failed"
    );
    assert_no_changes(&text(&out.stdout));

    assert!(lab(&["operator", "down"]));
}
