//! End to end on real lab hosts (namespaced hosts with their own sshd, /opt
//! and network; real Spark from PyPI's pyspark, real ZooKeeper from Debian):
//! deploy the HA cluster, verify it independently, run a real Spark job
//! through the HA master URL, re-deploy as a no-op, stop, start. Then the
//! host faults a user can hit: unreachable host, refused key, unknown host
//! key, Java missing or too old.
//!
//! Needs root (CI runs as root). It never skips: without a lab it fails.

mod common;
use common::*;

const JOB: &str = r#"
from pyspark.sql import SparkSession
spark = SparkSession.builder.appName("sparkctl-e2e").getOrCreate()
n = spark.sparkContext.parallelize(range(1, 100001), 6).map(lambda x: x * x).sum()
execs = spark.sparkContext._jsc.sc().getExecutorMemoryStatus().size() - 1
print("RESULT sum_of_squares=%d executors=%d" % (n, execs))
spark.stop()
"#;

#[test]
fn deploy_verify_job_redeploy_stop_start() {
    let _g = LAB.lock().unwrap_or_else(|e| e.into_inner());
    lab_up();
    clean_slate();
    let inv = common::root().join("inventories/lab.toml");
    let inv = inv.to_str().unwrap();

    // 1. Fresh deploy.
    let t0 = std::time::Instant::now();
    let out = sparkctl(&["deploy", inv]);
    assert_eq!(out.status.code(), Some(0), "deploy failed");
    measured(
        "fresh HA deploy, 3 hosts (sparkctl deploy)",
        t0.elapsed().as_secs_f64(),
    );
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("Master URL:  spark://10.213.37.11:7077,10.213.37.12:7077"),
        "{}",
        stdout
    );
    assert_healthy_ha();
    // No run_as: the daemons, so the applications, run as root; said once.
    assert_eq!(
        stdout
            .matches("Warning:     the Spark daemons run as root")
            .count(),
        1,
        "{}",
        stdout
    );
    assert!(
        stdout.contains(
            "runs its code as root on the workers (hosta, hostb, hostc); set `run_as = \"spark\"`"
        ),
        "{}",
        stdout
    );
    // ZooKeeper: the AdminServer listens on the loopback only, and only the
    // four-letter word sparkctl's probes send is answered.
    let listen = text(&ssh("hosta", "ss -Hltn 'sport = :8180'").stdout);
    let local: Vec<&str> = listen
        .lines()
        .filter_map(|l| l.split_whitespace().nth(3))
        .collect();
    assert!(
        !local.is_empty()
            && local
                .iter()
                .all(|a| *a == "127.0.0.1:8180" || *a == "[::ffff:127.0.0.1]:8180"),
        "{}",
        listen
    );
    assert!(std::net::TcpStream::connect_timeout(
        &"10.213.37.11:8180".parse().unwrap(),
        std::time::Duration::from_secs(2)
    )
    .is_err());
    let ruok = zk_word("10.213.37.11", "ruok").unwrap_or_default();
    assert!(ruok.contains("not in the whitelist"), "ruok: {:?}", ruok);
    assert!(zk_word("10.213.37.11", "srvr")
        .unwrap_or_default()
        .contains("Mode: "));

    // 2. A real job through the HA master URL.
    let put = ssh("hosta", &format!("cat > /tmp/job.py <<'EOF'\n{}\nEOF", JOB));
    assert!(put.status.success());
    let job = ssh("hosta", "cd /opt/spark/current && PYSPARK_PYTHON=/usr/bin/python3 bin/spark-submit --master spark://10.213.37.11:7077,10.213.37.12:7077 --driver-memory 512m --executor-memory 512m --total-executor-cores 3 --conf spark.executor.cores=1 /tmp/job.py 2>/tmp/job.err; echo exit=$?");
    let job_out = text(&job.stdout);
    if !job_out.contains("RESULT") {
        eprintln!("{}", text(&ssh("hosta", "tail -n 40 /tmp/job.err").stdout));
    }
    assert!(
        job_out.contains("RESULT sum_of_squares=333338333350000 executors=3"),
        "job output: {}",
        job_out
    );

    // 3. Re-deploy: nothing uploaded, written or restarted.
    let before: Vec<_> = HOSTS.iter().map(|(h, _)| jvms(h)).collect();
    let stamp_before = text(&ssh("hosta", "stat -c %Y /opt/spark/.sparkctl/dist/spark-4.3.0-bin-pyspark.tar /opt/spark/current/conf/spark-env.sh").stdout);
    let t0 = std::time::Instant::now();
    let out = sparkctl(&["deploy", inv]);
    measured("no-op re-deploy, 3 hosts", t0.elapsed().as_secs_f64());
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    assert_no_changes(&stdout);
    let after: Vec<_> = HOSTS.iter().map(|(h, _)| jvms(h)).collect();
    assert_eq!(before, after, "a daemon was restarted by a no-op deploy");
    assert_eq!(stamp_before, text(&ssh("hosta", "stat -c %Y /opt/spark/.sparkctl/dist/spark-4.3.0-bin-pyspark.tar /opt/spark/current/conf/spark-env.sh").stdout));

    // 4. status agrees, fast, and JSON parses.
    let out = sparkctl(&["status", inv, "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["health"], "healthy");
    assert_eq!(j["workers_registered"], 3);

    // 5. stop leaves no Spark or ZooKeeper JVM anywhere.
    let out = sparkctl(&["stop", inv]);
    assert_eq!(out.status.code(), Some(0));
    for (h, _) in HOSTS {
        let left = jvms(h);
        assert!(left.is_empty(), "JVMs left on {} after stop: {:?}", h, left);
    }
    let out = sparkctl(&["status", inv]);
    assert_eq!(
        out.status.code(),
        Some(4),
        "status of a stopped cluster must say down"
    );

    // 6. start brings it back healthy.
    let out = sparkctl(&["start", inv]);
    assert_eq!(out.status.code(), Some(0));
    assert_healthy_ha();

    // 7. One setting changes: --dry-run shows the diff and touches nothing;
    // deploy rewrites spark-env.sh and restarts only the workers.
    let changed = write_temp(
        "changed.toml",
        &lab_inventory().replace("worker_memory = \"1g\"", "worker_memory = \"900m\""),
    );
    let changed = changed.to_str().unwrap();
    let before: Vec<_> = HOSTS.iter().map(|(h, _)| jvms(h)).collect();
    let out = sparkctl(&["deploy", changed, "--dry-run"]);
    assert_eq!(out.status.code(), Some(0));
    let plan = text(&out.stdout);
    assert!(
        plan.contains("-export SPARK_WORKER_MEMORY=1g\n+export SPARK_WORKER_MEMORY=900m"),
        "{}",
        plan
    );
    assert!(
        plan.contains("restart worker")
            && !plan.contains("restart master")
            && !plan.contains("restart zookeeper"),
        "{}",
        plan
    );
    // The same plan as JSON (docs/json.md): per host, a write of
    // spark-env.sh with that diff, then a restart of the worker only.
    let out = sparkctl(&["deploy", changed, "--dry-run", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("dry-run JSON");
    assert_eq!(v["dry_run"], true);
    assert_eq!(v["changes"], true);
    assert_eq!(v["skipped"], serde_json::json!([]));
    let hosts = v["hosts"].as_array().unwrap();
    assert_eq!(hosts.len(), HOSTS.len(), "{}", v);
    for h in hosts {
        let steps = h["steps"].as_array().unwrap();
        let env = steps
            .iter()
            .find(|s| {
                s["step"] == "write" && s["path"].as_str().unwrap().ends_with("/conf/spark-env.sh")
            })
            .unwrap_or_else(|| panic!("no spark-env.sh write: {}", h));
        assert!(
            env["diff"]
                .as_str()
                .unwrap()
                .contains("-export SPARK_WORKER_MEMORY=1g\n+export SPARK_WORKER_MEMORY=900m"),
            "{}",
            env
        );
        assert_eq!(
            steps.last().unwrap(),
            &serde_json::json!({"step": "restart", "daemons": ["worker"]}),
            "{}",
            h
        );
    }
    assert_eq!(
        before,
        HOSTS.iter().map(|(h, _)| jvms(h)).collect::<Vec<_>>(),
        "--dry-run changed something"
    );
    let t0 = std::time::Instant::now();
    let out = sparkctl(&["deploy", changed]);
    assert_eq!(out.status.code(), Some(0));
    measured(
        "one config change (worker_memory): render + rolling restart of 3 workers",
        t0.elapsed().as_secs_f64(),
    );
    for (i, (h, _)) in HOSTS.iter().enumerate() {
        let now = jvms(h);
        for (pid, class) in &before[i] {
            if class != "deploy.worker.Worker" {
                assert!(
                    now.contains(&(*pid, class.clone())),
                    "{} on {} was restarted by a worker-only change",
                    class,
                    h
                );
            }
        }
    }
    let ok = eventually(60, || {
        [HOSTS[0].1, HOSTS[1].1]
            .iter()
            .filter_map(|a| master_json(a))
            .any(|j| {
                j["status"] == "ALIVE"
                    && j["workers"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .filter(|w| w["state"] == "ALIVE" && w["memory"] == 900)
                        .count()
                        == 3
            })
    });
    assert!(ok, "workers did not come back with 900 MiB");
}

/// A lab inventory with `edit` applied, written to a temp file.
fn variant(name: &str, edit: impl Fn(String) -> String) -> String {
    let p = write_temp(name, &edit(lab_inventory()));
    p.to_str().unwrap().to_string()
}

#[test]
fn host_faults_have_clear_errors() {
    let _g = LAB.lock().unwrap_or_else(|e| e.into_inner());
    lab_up();

    // Unreachable host: an address in the lab network where nothing lives.
    let inv = variant("unreachable.toml", |t| {
        t.replace("[ssh]\n", "[ssh]\nconnect_timeout = 3\n")
            + "\n[[host]]\nname = \"ghost\"\naddress = \"10.213.37.99\"\nroles = [\"worker\"]\n"
    });
    let out = sparkctl(&["deploy", &inv]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("error: host ghost: cannot connect to 10.213.37.99 over SSH:"),
        "{}",
        err
    );
    assert!(
        err.contains("= help: the host does not answer: is it up, and is the address right?"),
        "{}",
        err
    );
    assert!(err.contains("nothing was changed on any host"), "{}", err);

    // A key the hosts do not accept.
    let key = std::env::temp_dir().join(format!("sparkctl-wrong-key-{}", std::process::id()));
    let _ = std::fs::remove_file(&key);
    assert!(std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&key)
        .status()
        .unwrap()
        .success());
    // An ssh_config that trusts the lab's host keys but offers only the wrong key.
    let cfg = write_temp(
        "wrongkey_ssh_config",
        &format!(
            "Host *\n  UserKnownHostsFile {}/known_hosts\n  IdentitiesOnly yes\n  BatchMode yes\n",
            LAB_STATE
        ),
    );
    let inv = variant("wrongkey.toml", |t| {
        t.replace(
            "config_file = \"/run/sparkctl-lab/ssh_config\"",
            &format!("config_file = \"{}\"", cfg.display()),
        )
        .replace(
            "[ssh]\n",
            &format!("[ssh]\nidentity_file = \"{}\"\n", key.display()),
        )
    });
    let out = sparkctl(&["deploy", &inv]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("error: host hosta: cannot connect to 10.213.37.11 over SSH: "),
        "{}",
        err
    );
    assert!(err.contains("the SSH key was refused"), "{}", err);

    // An unknown host key is refused by default, with what to do.
    let empty = write_temp("empty_known_hosts", "");
    let inv = variant("unknownkey.toml", |t| {
        t.replace(
            "[ssh]\n",
            &format!("[ssh]\nknown_hosts_file = \"{}\"\n", empty.display()),
        )
    });
    let out = sparkctl(&["deploy", &inv]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains(
            "check the fingerprint out of band (`ssh-keyscan 10.213.37.11 | ssh-keygen -lf -`)"
        ),
        "{}",
        err
    );
    assert!(
        err.contains("it presents:") && err.contains("SHA256:"),
        "the fingerprint must be shown: {}",
        err
    );

    // Java missing where the inventory says it is.
    let inv = variant("nojava.toml", |t| {
        t.replace("[spark]\n", "[spark]\njava_home = \"/opt/nojava\"\n")
    });
    let out = sparkctl(&["deploy", &inv]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("preflight failed; nothing was changed on any host:"),
        "{}",
        err
    );
    assert!(err.contains("host hosta: Java not found (/opt/nojava/bin/java in a non-interactive SSH session); install Java 17+ or set `java_home`"), "{}", err);

    // Java too old for Spark 4 (a stand-in `java` that reports 11).
    for (h, _) in HOSTS {
        ssh(h, "mkdir -p /opt/oldjava/bin && printf '#!/bin/sh\\necho openjdk version \\\\\"11.0.22\\\\\" 2024-01-16 >&2\\n' > /opt/oldjava/bin/java && chmod +x /opt/oldjava/bin/java");
    }
    let inv = variant("oldjava.toml", |t| {
        t.replace("[spark]\n", "[spark]\njava_home = \"/opt/oldjava\"\n")
    });
    let out = sparkctl(&["deploy", &inv]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("host hostc: Spark 4.3.0 needs Java 17 or newer, but the host has Java 11 (openjdk version \"11.0.22\" 2024-01-16)"), "{}", err);
    for (h, _) in HOSTS {
        ssh(h, "rm -rf /opt/oldjava");
    }

    // Two runs at once: a lock held by another machine's run blocks, clearly.
    let inv = common::root().join("inventories/lab.toml");
    let inv = inv.to_str().unwrap();
    let plant = |owner: &str| {
        for (h, _) in HOSTS {
            let out = ssh(h, &format!("mkdir -p /run/lock/sparkctl.lab.lock && printf '{}' > /run/lock/sparkctl.lab.lock/owner", owner));
            assert!(out.status.success());
        }
    };
    plant("machine=ops-laptop\\npid=4242\\nstarted=1\\ncommand=deploy\\n");
    let out = sparkctl(&["stop", inv]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("another sparkctl run is changing cluster lab; nothing was changed:"),
        "{}",
        err
    );
    assert!(
        err.contains("host hosta: held by `sparkctl deploy` (pid 4242 on ops-laptop) for "),
        "{}",
        err
    );
    assert!(err.contains("run again with --break-lock"), "{}", err);
    // A run on another machine with this machine's host name is not taken
    // for a dead local run: its lock blocks.
    let me = sparkctl::lock::hostname();
    let dead = {
        let mut c = std::process::Command::new("true").spawn().unwrap();
        let pid = c.id();
        c.wait().unwrap();
        pid
    };
    plant(&format!(
        "machine={}\\npid={}\\nstarted=1\\ncommand=deploy\\nmachine_id=another-machine\\n",
        me, dead
    ));
    let out = sparkctl(&["stop", inv]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!(
            "host hosta: held by `sparkctl deploy` (pid {} on {} (another machine with this host name)) for ",
            dead, me
        )),
        "{}",
        err
    );
    // A lock left by a sparkctl killed on this machine is stale: taken over without a flag.
    plant(&format!(
        "machine={}\\npid={}\\nstarted=1\\ncommand=deploy\\nmachine_id={}\\n",
        me,
        dead,
        sparkctl::lock::identity()
    ));
    let out = sparkctl(&["deploy", inv, "--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "dry-run takes no lock");
    let out = sparkctl(&["stop", inv]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "a stale local lock must not block"
    );
    // --break-lock removes a foreign one.
    plant("machine=ops-laptop\\npid=4242\\nstarted=1\\ncommand=deploy\\n");
    let out = sparkctl(&["stop", inv, "--break-lock"]);
    assert_eq!(out.status.code(), Some(0));
    for (h, _) in HOSTS {
        assert!(
            !ssh(h, "test -e /run/lock/sparkctl.lab.lock")
                .status
                .success(),
            "the lock was not released on {}",
            h
        );
    }
}
