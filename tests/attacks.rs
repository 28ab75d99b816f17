//! Planted-file attacks on real lab hosts (issue 10, section 2). With
//! `run_as = "spark"`, application code runs as the service user and owns
//! the pid, log, work and ZooKeeper data directories. As that user the test
//! plants what would steer a root step, runs the step, and shows it had no
//! effect; each part ends with a plain deploy that converges:
//!
//! (c) `myid` -> a root-only file, then `deploy --dry-run`: the file's
//!     contents appear nowhere in the output;
//! (b) `.spark_test` in every Spark log dir -> a new file under /etc, then
//!     `stop`: the file is not created;
//! (a) the pid of a root decoy in the ALIVE master's pid file (a plain
//!     `sleep`, one named after the master's class with `exec -a`, a
//!     `tail -f` of a file whose name holds the class), then
//!     `ha drill --mode kill`: the drill refuses, the decoy survives;
//! (d) the same decoys in a worker's pid file, then `stop --graceful` and
//!     `restart --rolling`: no decoy is signalled (SIGPWR would end a
//!     `sleep`), the real worker is not left running beside a second one;
//! (e) links to root's files and directories planted in every directory
//!     `uninstall --purge` removes, one of ZooKeeper's own subdirectories
//!     swapped for a link: everything outside those directories survives
//!     (a mount point among them is emptied, not removed).
//!
//! Needs root and the lab's `spark` and `sparkops` users. Never skips.

mod common;
use common::*;

fn inventory() -> String {
    lab_inventory()
        .replace("user = \"root\"", "user = \"sparkops\"\nsudo = true")
        .replace(
            "ha = \"zookeeper\"",
            "ha = \"zookeeper\"\nrun_as = \"spark\"",
        )
}

/// Run `cmd` on `host` as the service user.
fn as_spark(host: &str, cmd: &str) -> std::process::Output {
    let q = format!("'{}'", cmd.replace('\'', "'\\''"));
    let o = ssh(host, &format!("runuser -u spark -- sh -c {}", q));
    assert!(
        o.status.success(),
        "as spark on {}: {}: {}",
        host,
        cmd,
        text(&o.stderr)
    );
    o
}

#[test]
fn planted_files_do_not_steer_root() {
    let _g = LAB.lock().unwrap_or_else(|e| e.into_inner());
    lab_up();
    clean_slate();
    let inv = write_temp("attacks.toml", &inventory());
    let inv = path_str(&inv).to_string();
    let out = sparkctl(&["deploy", &inv]);
    assert_eq!(out.status.code(), Some(0), "deploy failed");
    assert_healthy_ha();

    // (c) myid -> a root-only file with a marker; dry-run shows none of it.
    let marker = format!("ROOT-ONLY-{}", std::process::id());
    for (h, _) in HOSTS {
        let o = ssh(
            h,
            &format!(
                "umask 077; echo {} > /root/attack-secret; ls -l /root/attack-secret",
                marker
            ),
        );
        assert!(o.status.success());
        as_spark(h, "ln -sfn /root/attack-secret /var/lib/zookeeper/myid");
    }
    let out = sparkctl(&["deploy", &inv, "--dry-run"]);
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(
        !all.contains(&marker),
        "the root-only file leaked into the dry run:\n{}",
        all
    );
    let out = sparkctl(&["deploy", &inv]);
    assert_eq!(out.status.code(), Some(0), "deploy after (c) failed");
    for (i, (h, _)) in HOSTS.iter().enumerate() {
        let o = ssh(h, "cat /root/attack-secret; [ -L /var/lib/zookeeper/myid ] && echo link; cat /var/lib/zookeeper/myid");
        assert_eq!(text(&o.stdout), format!("{}\n{}\n", marker, i + 1), "{}", h);
    }
    assert_healthy_ha();

    // (b) .spark_test -> a new file under /etc; stop creates nothing.
    let planted = format!("/etc/sparkctl-attack-{}", std::process::id());
    for (h, _) in HOSTS {
        as_spark(
            h,
            &format!("ln -sfn {} /opt/spark/logs/.spark_test", planted),
        );
    }
    let out = sparkctl(&["stop", &inv]);
    assert_eq!(out.status.code(), Some(0), "stop failed");
    for (h, _) in HOSTS {
        assert!(
            !ssh(h, &format!("test -e {}", planted)).status.success(),
            "{} was created on {}",
            planted,
            h
        );
        assert!(
            jvms(h).is_empty(),
            "{} still runs daemons: {:?}",
            h,
            jvms(h)
        );
    }
    let out = sparkctl(&["deploy", &inv]);
    assert_eq!(out.status.code(), Some(0), "deploy after (b) failed");
    assert_healthy_ha();
    for (h, _) in HOSTS {
        assert!(
            !ssh(h, &format!("test -e {}", planted)).status.success(),
            "{} on {}",
            planted,
            h
        );
    }

    // (a) a root decoy's pid in the ALIVE master's pid file; the drill
    //     refuses and kills nothing. Three decoys: a plain root process, one
    //     whose argv[0] is the master's class (`exec -a`), and one whose
    //     argument contains it (a root `tail -f` of a file named after the
    //     daemon, as an operator watching the log runs).
    let alive = HOSTS[..2]
        .iter()
        .find(|(_, a)| master_json(a).is_some_and(|j| j["status"] == "ALIVE"))
        .expect("an ALIVE master")
        .0;
    let pf = "/opt/spark/run/spark-sparkctl-org.apache.spark.deploy.master.Master-1.pid";
    let real = text(&as_spark(alive, &format!("cat {}", pf)).stdout)
        .trim()
        .to_string();
    for decoy_cmd in [
        "sleep 600".to_string(),
        "bash -c 'exec -a org.apache.spark.deploy.master.Master sleep 600'".to_string(),
        format!("tail -f {}", pf),
    ] {
        let o = ssh(
            alive,
            &format!("nohup {} >/dev/null 2>&1 & echo $!", decoy_cmd),
        );
        let decoy = text(&o.stdout).trim().to_string();
        assert!(!decoy.is_empty());
        as_spark(alive, &format!("echo {} > {}", decoy, pf));
        let out = sparkctl(&["ha", "drill", &inv, "--mode", "kill"]);
        assert_ne!(
            out.status.code(),
            Some(0),
            "the drill went ahead with {}",
            decoy_cmd
        );
        assert!(
            text(&out.stderr).contains("does not name a running master"),
            "{}: {}",
            decoy_cmd,
            text(&out.stderr)
        );
        assert!(
            ssh(alive, &format!("kill -0 {}", decoy)).status.success(),
            "the root decoy {} was killed",
            decoy_cmd
        );
        assert!(
            jvms(alive)
                .iter()
                .any(|(p, c)| c == "deploy.master.Master" && p.to_string() == real),
            "the master was killed ({})",
            decoy_cmd
        );
        ssh(alive, &format!("kill {}", decoy));
    }
    // Put the pid file back (the planted value is the test's own doing),
    // then a plain deploy converges.
    as_spark(alive, &format!("echo {} > {}", real, pf));
    let out = sparkctl(&["deploy", &inv]);
    assert_eq!(out.status.code(), Some(0), "deploy after (a) failed");
    assert_healthy_ha();
    for (h, _) in HOSTS {
        ssh(h, "rm -f /root/attack-secret");
    }
}

/// Root-owned processes whose pids the service user can write into a pid
/// file: a plain one, one named after `class` (`exec -a`), and a `tail -f`
/// whose argument holds the class's name.
fn decoys(class: &str, pid_file: &str) -> [String; 3] {
    [
        "sleep 600".to_string(),
        format!("bash -c 'exec -a {} sleep 600'", class),
        format!("tail -f {}", pid_file),
    ]
}

#[test]
fn planted_pids_and_links_do_not_steer_decommission_or_purge() {
    let _g = LAB.lock().unwrap_or_else(|e| e.into_inner());
    lab_up();
    clean_slate();
    let inv = write_temp("attacks-de.toml", &inventory());
    let inv = path_str(&inv).to_string();
    let out = sparkctl(&["deploy", &inv]);
    assert_eq!(out.status.code(), Some(0), "deploy failed");
    assert_healthy_ha();

    // (d) a decoy's pid in hostc's worker pid file, then a graceful stop
    //     and a rolling restart of that host.
    let (h, _) = HOSTS[2];
    let class = "org.apache.spark.deploy.worker.Worker";
    let pf = "/opt/spark/run/spark-sparkctl-org.apache.spark.deploy.worker.Worker-1.pid";
    let real = text(&as_spark(h, &format!("cat {}", pf)).stdout)
        .trim()
        .to_string();
    for decoy_cmd in decoys(class, pf) {
        for verb in [&["stop", "--graceful"][..], &["restart", "--rolling"][..]] {
            let o = ssh(h, &format!("nohup {} >/dev/null 2>&1 & echo $!", decoy_cmd));
            let decoy = text(&o.stdout).trim().to_string();
            assert!(!decoy.is_empty());
            as_spark(h, &format!("echo {} > {}", decoy, pf));
            let mut args = vec![verb[0], inv.as_str(), verb[1], "--limit", "hostc"];
            args.extend(["--decommission-timeout", "20"]);
            let out = sparkctl(&args);
            let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
            eprintln!("{:?} with {}:\n{}", verb, decoy_cmd, all);
            assert!(
                ssh(h, &format!("kill -0 {}", decoy)).status.success(),
                "{:?} signalled the root decoy {}:\n{}",
                verb,
                decoy_cmd,
                all
            );
            ssh(h, &format!("kill {}", decoy));
            let workers: Vec<u32> = jvms(h)
                .into_iter()
                .filter(|(_, c)| c == "deploy.worker.Worker")
                .map(|(p, _)| p)
                .collect();
            assert!(
                workers.len() <= 1,
                "{:?} with {}: {} workers run on {}: {:?}\n{}",
                verb,
                decoy_cmd,
                workers.len(),
                h,
                workers,
                all
            );
            // Converge for the next round (the planted value is the test's
            // own doing; a deploy puts the worker back if it is gone).
            if let Some(p) = workers.first() {
                as_spark(h, &format!("echo {} > {}", p, pf));
            }
            let out = sparkctl(&["deploy", &inv]);
            assert_eq!(out.status.code(), Some(0), "deploy after {:?} failed", verb);
        }
    }
    let _ = real;
    assert_healthy_ha();

    // (e) links planted as the service user in what --purge removes.
    for (h, _) in HOSTS {
        let o = ssh(
            h,
            "mkdir -p /etc/sparkctl-victim && echo keep > /etc/sparkctl-victim/keep && echo keep > /root/sparkctl-victim",
        );
        assert!(o.status.success());
        as_spark(
            h,
            "set -e
ln -sfn /etc/sparkctl-victim /var/lib/zookeeper/planted-dir
ln -sfn /root/sparkctl-victim /var/lib/zookeeper/planted-file
ln -sfn /etc /opt/spark/logs/planted-etc
mkdir -p /opt/spark/work/app-planted
ln -sfn /etc/sparkctl-victim /opt/spark/work/app-planted/inner
ln -sfn /root /opt/spark/run/planted-root
if [ -d /var/lib/zookeeper/version-2 ]; then mv /var/lib/zookeeper/version-2 /var/lib/zookeeper/version-2.old; fi
ln -sfn /etc/sparkctl-victim /var/lib/zookeeper/version-2",
        );
    }
    let out = sparkctl(&["uninstall", &inv, "--purge", "--yes"]);
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "uninstall --purge:\n{}", all);
    for (h, _) in HOSTS {
        let o = ssh(
            h,
            "cat /etc/sparkctl-victim/keep /root/sparkctl-victim; test -f /etc/passwd && test -d /root && echo intact",
        );
        assert_eq!(
            text(&o.stdout),
            "keep\nkeep\nintact\n",
            "{}: a planted link steered the purge:\n{}",
            h,
            all
        );
        // The lab bind-mounts /var/lib/zookeeper (as a data disk would
        // be): a mount point is emptied and kept.
        let o = ssh(h, "ls -A /var/lib/zookeeper");
        assert_eq!(
            text(&o.stdout),
            "",
            "/var/lib/zookeeper not emptied on {}",
            h
        );
        for d in ["/opt/spark/logs", "/opt/spark/work", "/opt/spark/run"] {
            assert!(
                !ssh(h, &format!("test -e {} || test -L {}", d, d))
                    .status
                    .success(),
                "{} survived --purge on {}",
                d,
                h
            );
        }
    }
    // After every host is checked: the lab's hosts share /etc.
    for (h, _) in HOSTS {
        ssh(h, "rm -rf /etc/sparkctl-victim /root/sparkctl-victim");
    }
    // Again: nothing left to remove.
    let out = sparkctl(&["uninstall", &inv, "--purge", "--yes"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text(&out.stdout).contains("nothing to uninstall"),
        "{}",
        text(&out.stdout)
    );
}
