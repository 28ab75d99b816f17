//! The operator commands of issue 14 on real lab hosts: `logs` (and `-f`
//! ended by Ctrl-C), `ssh` (exit status passed through), the report and
//! `--stop-removed` of a host removed from the inventory, pruning of old
//! distribution trees through two upgrades and a rollback, `uninstall`
//! (twice: the second is a no-op) and `uninstall --purge --yes`.
//!
//! One deploy of a small cluster without ZooKeeper (ha = "none": hosta
//! master + worker, hostb and hostc workers) so a host can be removed from
//! a valid inventory and the run stays short; checks are made with plain
//! ssh (tests/common), not with sparkctl's code. Needs root and the lab.

mod common;
use common::*;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SPARK4: &str = "/var/cache/sparkctl-lab/dist/spark-4.3.0-bin-pyspark.tar";
const MASTER_LOG: &str =
    "/opt/spark/logs/spark-sparkctl-org.apache.spark.deploy.master.Master-1-*.out";

/// The lab inventory without ZooKeeper, one master, the hosts `hosts`,
/// Spark from `tarball`.
fn inventory(hosts: &[&str], tarball: &str) -> String {
    let lab = lab_inventory();
    let head = &lab[..lab
        .find("[zookeeper]")
        .expect("lab inventory has [zookeeper]")];
    let mut s = head
        .replace("ha = \"zookeeper\"", "ha = \"none\"")
        .replace("name = \"lab\"", "name = \"ops\"")
        .replace(SPARK4, tarball);
    for (name, addr) in HOSTS.iter().filter(|(n, _)| hosts.contains(n)) {
        let roles = if *name == "hosta" {
            "[\"master\", \"worker\"]"
        } else {
            "[\"worker\"]"
        };
        s.push_str(&format!(
            "\n[[host]]\nname = \"{}\"\naddress = \"{}\"\nroles = {}\n",
            name, addr, roles
        ));
    }
    s
}

/// The same Spark tarball under another name: another tree for deploy
/// (the tree is named after the file), no second 400 MB file.
fn renamed_spark(name: &str) -> String {
    let dir = write_temp("ops-anchor", "").parent().unwrap().to_path_buf();
    let p = dir.join(name);
    let _ = std::fs::remove_file(&p);
    std::os::unix::fs::symlink(SPARK4, &p).unwrap();
    p.to_str().unwrap().to_string()
}

fn ls(host: &str, dir: &str) -> Vec<String> {
    let mut v: Vec<String> = text(&ssh(host, &format!("ls -A {} 2>/dev/null", dir)).stdout)
        .lines()
        .map(str::to_string)
        .collect();
    v.sort();
    v
}

fn has(host: &str, class: &str) -> bool {
    jvms(host).iter().any(|(_, c)| c == class)
}

#[test]
fn logs_ssh_removed_hosts_prune_uninstall() {
    let _g = LAB.lock().unwrap_or_else(|e| e.into_inner());
    lab_up();
    clean_slate();
    let all = ["hosta", "hostb", "hostc"];
    let inv = write_temp("ops.toml", &inventory(&all, SPARK4));
    let inv = path_str(&inv).to_string();

    // 1. Deploy.
    let out = sparkctl(&["deploy", &inv]);
    assert_eq!(out.status.code(), Some(0), "deploy failed");
    assert!(eventually(60, || {
        master_json(HOSTS[0].1)
            .is_some_and(|j| j["status"] == "ALIVE" && j["aliveworkers"].as_u64() == Some(3))
    }));
    // The membership is recorded on every Spark host.
    let rec = text(&ssh("hostb", "cat /opt/spark/.sparkctl/members").stdout);
    assert_eq!(rec.lines().count(), 3, "{}", rec);
    assert!(rec.contains("v1\tmember\thostc\t10.213.37.13\t"), "{}", rec);

    // 2. logs: the master's log, its name on stderr, lines on stdout.
    let out = sparkctl(&["logs", &inv, "hosta", "master", "-n", "5"]);
    assert_eq!(out.status.code(), Some(0));
    let err = text(&out.stderr);
    assert!(
        err.starts_with(
            "==> hosta:/opt/spark/logs/spark-sparkctl-org.apache.spark.deploy.master.Master-1-"
        ),
        "{}",
        err
    );
    assert_eq!(text(&out.stdout).lines().count(), 5);
    // hostc runs one daemon: no need to name it.
    let out = sparkctl(&["logs", &inv, "hostc", "-n", "1"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stderr).contains("deploy.worker.Worker-1-"));
    // hosta runs two: a usage error naming them.
    let out = sparkctl(&["logs", &inv, "hosta"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("DAEMON one of: master, worker"));

    // logs -f: what is appended arrives; Ctrl-C ends it with 0 and its
    // tail on the host.
    let mut child = Command::new(env!("CARGO_BIN_EXE_sparkctl"))
        .args(["logs", &inv, "hosta", "master", "-n", "1", "-f"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for l in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(l);
        }
    });
    rx.recv_timeout(Duration::from_secs(20))
        .expect("logs -f printed nothing");
    let marker = format!("sparkctl-ops-{}", std::process::id());
    let w = ssh(
        "hosta",
        &format!("echo {} >> $(ls -t {} | head -n 1)", marker, MASTER_LOG),
    );
    assert!(w.status.success());
    let t0 = Instant::now();
    let mut seen = false;
    while t0.elapsed() < Duration::from_secs(15) {
        if let Ok(l) = rx.recv_timeout(Duration::from_secs(1)) {
            if l.contains(&marker) {
                seen = true;
                break;
            }
        }
    }
    assert!(seen, "the appended line did not arrive through logs -f");
    let k = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(k.success());
    let t0 = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(10),
            "logs -f did not end on Ctrl-C"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(status.code(), Some(0), "logs -f ended by Ctrl-C");
    assert!(
        eventually(5, || text(
            &ssh("hosta", "pgrep -f 'tail -n 1 -[F]' || true").stdout
        )
        .trim()
        .is_empty()),
        "the host's tail outlived logs -f"
    );

    // 3. ssh: a command with the inventory's settings, its status passed through.
    let out = sparkctl(&["ssh", &inv, "hostb", "--", "echo", "$((6*7));", "exit", "3"]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(text(&out.stdout), "42\n");

    // 4. hostc removed from the inventory: reported with what still runs,
    // left running without --stop-removed, and reported again.
    let inv_ab = write_temp("ops-ab.toml", &inventory(&["hosta", "hostb"], SPARK4));
    let inv_ab = path_str(&inv_ab).to_string();
    for _ in 0..2 {
        let out = sparkctl(&["deploy", &inv_ab]);
        assert_eq!(out.status.code(), Some(0));
        let err = text(&out.stderr);
        assert!(
            err.contains("host hostc (10.213.37.13, was worker) left the inventory: still running: worker (pid "),
            "{}",
            err
        );
        assert!(
            err.contains("(pass --stop-removed to stop them)"),
            "{}",
            err
        );
        assert!(has("hostc", "deploy.worker.Worker"));
    }
    let rec = text(&ssh("hosta", "cat /opt/spark/.sparkctl/members").stdout);
    assert!(rec.contains("v1\tleft\thostc\t"), "{}", rec);
    // --stop-removed: stopped, then forgotten.
    let out = sparkctl(&["deploy", &inv_ab, "--stop-removed"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text(&out.stderr)
            .contains("host hostc (10.213.37.13, was worker) left the inventory: stopped worker"),
        "{}",
        text(&out.stderr)
    );
    assert!(!has("hostc", "deploy.worker.Worker"));
    let out = sparkctl(&["deploy", &inv_ab]);
    assert_eq!(out.status.code(), Some(0));
    assert!(!text(&out.stderr).contains("left the inventory"));
    let rec = text(&ssh("hosta", "cat /opt/spark/.sparkctl/members").stdout);
    assert_eq!(rec.lines().count(), 2, "{}", rec);

    // 5. Pruning: upgrade twice, then roll back. Each deploy keeps the
    // current tree and the one before it, with their tarballs.
    let (one, two) = (
        renamed_spark("spark-4.3.0-bin-one.tar"),
        renamed_spark("spark-4.3.0-bin-two.tar"),
    );
    let deploy_with = |tarball: &str| {
        let p = write_temp("ops-up.toml", &inventory(&["hosta", "hostb"], tarball));
        let t0 = Instant::now();
        let out = sparkctl(&["deploy", path_str(&p), "--batch", "2"]);
        assert_eq!(out.status.code(), Some(0), "deploy with {} failed", tarball);
        (text(&out.stderr), t0.elapsed().as_secs_f64())
    };
    deploy_with(&one);
    for h in ["hosta", "hostb"] {
        assert_eq!(
            ls(h, "/opt/spark/.sparkctl/dist"),
            vec!["spark-4.3.0-bin-one.tar", "spark-4.3.0-bin-pyspark.tar"]
        );
    }
    let (err, _) = deploy_with(&two);
    assert!(err.contains("pruned 4 old trees and tarballs"), "{}", err);
    for h in ["hosta", "hostb"] {
        let root = ls(h, "/opt/spark");
        assert!(
            root.contains(&"spark-4.3.0-bin-one".to_string()),
            "{:?}",
            root
        );
        assert!(
            root.contains(&"spark-4.3.0-bin-two".to_string()),
            "{:?}",
            root
        );
        assert!(
            !root.contains(&"spark-4.3.0-bin-pyspark".to_string()),
            "{:?}",
            root
        );
        assert_eq!(
            ls(h, "/opt/spark/.sparkctl/dist"),
            vec!["spark-4.3.0-bin-one.tar", "spark-4.3.0-bin-two.tar"]
        );
    }
    // Rollback: the previous tree is still there: no upload, nothing pruned.
    let (err, secs) = deploy_with(&one);
    measured("rollback deploy to the previous tree, 2 hosts", secs);
    assert!(!err.contains("upload spark-4.3.0-bin-one.tar"), "{}", err);
    assert!(!err.contains("pruned"), "{}", err);
    assert_eq!(
        text(&ssh("hosta", "readlink /opt/spark/current").stdout).trim(),
        "spark-4.3.0-bin-one"
    );
    assert_eq!(
        text(&ssh("hosta", "cat /opt/spark/.sparkctl/previous").stdout).trim(),
        "spark-4.3.0-bin-two"
    );
    let inv_ab = write_temp("ops-ab.toml", &inventory(&["hosta", "hostb"], &one));
    let inv_ab = path_str(&inv_ab).to_string();

    // 6. uninstall: daemons stopped, sparkctl's files gone, logs kept.
    let out = sparkctl(&["uninstall", &inv_ab]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("cluster ops uninstalled in "), "{}", stdout);
    assert!(stdout.contains("3 daemons stopped"), "{}", stdout);
    for h in ["hosta", "hostb"] {
        assert!(jvms(h).is_empty(), "{:?}", jvms(h));
        let root = ls(h, "/opt/spark");
        assert!(
            root.iter()
                .all(|n| !n.starts_with("spark-") && n != "current" && n != ".sparkctl"),
            "{:?}",
            root
        );
        assert!(root.contains(&"logs".to_string()), "{:?}", root);
    }
    let out = sparkctl(&["uninstall", &inv_ab]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text(&out.stdout).contains("cluster ops: nothing to uninstall"),
        "{}",
        text(&out.stdout)
    );
    let out = sparkctl(&["uninstall", &inv_ab, "--purge", "--yes"]);
    assert_eq!(out.status.code(), Some(0));
    for h in ["hosta", "hostb"] {
        assert!(ls(h, "/opt/spark").is_empty(), "{:?}", ls(h, "/opt/spark"));
    }
    clean_slate();
}
