//! HA lifecycle on real lab hosts, one sequenced scenario (each step needs
//! the state the previous one left):
//!
//! 1. a non-HA cluster runs a long application; `ha enable --zk` turns it
//!    into ZooKeeper HA; the application finishes with the right result;
//! 2. `ha drill --mode kill` while an application runs: it finishes
//!    correctly, failover time is reported, the old master returns STANDBY;
//! 3. one of three ZooKeeper servers down: status degraded, masters keep
//!    working; two down: status says "down" at once; `start` restores it;
//! 4. `restart --rolling` while the test samples `srvr` and the masters:
//!    never without a ZooKeeper quorum, never without an ALIVE master for
//!    longer than one failover;
//! 5. failover with ZooKeeper's defaults vs sparkctl's, same run;
//! 6. FILESYSTEM recovery: a master restart recovers workers and apps.
//!
//! Needs root; never skips.

mod common;
use common::*;
use std::time::Instant;

const URL_A: &str = "spark://10.213.37.11:7077";
const URL_AB: &str = "spark://10.213.37.11:7077,10.213.37.12:7077";

/// A job whose tasks sleep, so it is still running while we act.
fn long_job(secs: u32) -> String {
    format!(
        r#"
import time
from pyspark.sql import SparkSession
spark = SparkSession.builder.appName("sparkctl-long").getOrCreate()
def slow(x):
    time.sleep({secs})
    return x * x
n = spark.sparkContext.parallelize(range(1, 7), 6).map(slow).sum()
print("RESULT sum=%d" % n)
spark.stop()
"#
    )
}

/// Start a job on hosta in the background; returns when the ALIVE master lists it.
fn submit_background(name: &str, master: &str, secs: u32) {
    let put = ssh(
        "hosta",
        &format!("cat > /tmp/{name}.py <<'EOF'\n{}\nEOF", long_job(secs)),
    );
    assert!(put.status.success());
    let cmd = format!(
        "cd /opt/spark/current && rm -f /tmp/{name}.done && (PYSPARK_PYTHON=/usr/bin/python3 setsid nohup sh -c 'bin/spark-submit --master {master} --driver-memory 512m --executor-memory 512m --total-executor-cores 3 --conf spark.executor.cores=1 /tmp/{name}.py > /tmp/{name}.out 2> /tmp/{name}.err; echo $? > /tmp/{name}.done' < /dev/null > /dev/null 2>&1 &)"
    );
    assert!(ssh("hosta", &cmd).status.success());
    let seen = eventually(60, || {
        HOSTS[..2].iter().any(|(_, a)| {
            master_json(a).is_some_and(|j| {
                j["status"] == "ALIVE" && j["activeapps"].as_array().is_some_and(|x| !x.is_empty())
            })
        })
    });
    assert!(
        seen,
        "the application did not register: {}",
        text(&ssh("hosta", &format!("tail -n 30 /tmp/{name}.err")).stdout)
    );
}

/// Wait for a background job to end; return its stdout.
fn job_result(name: &str, secs: u64) -> String {
    // The background wrapper writes <name>.done with spark-submit's exit
    // status (pgrep -f would match the ssh shell that runs it).
    let done = eventually(secs, || {
        ssh("hosta", &format!("test -f /tmp/{name}.done"))
            .status
            .success()
    });
    assert!(
        done,
        "the application did not finish within {} s; JVMs on hosta: {:?}",
        secs,
        jvms("hosta")
    );
    let out = text(&ssh("hosta", &format!("cat /tmp/{name}.out")).stdout);
    if !out.contains("RESULT") {
        eprintln!(
            "{}",
            text(&ssh("hosta", &format!("tail -n 60 /tmp/{name}.err")).stdout)
        );
    }
    out
}

fn alive_masters() -> Vec<&'static str> {
    HOSTS[..2]
        .iter()
        .filter(|(_, a)| master_json(a).is_some_and(|j| j["status"] == "ALIVE"))
        .map(|(h, _)| *h)
        .collect()
}

fn workers_alive(addr: &str) -> usize {
    master_json(addr)
        .map(|j| {
            j["workers"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|w| w["state"] == "ALIVE")
                .count()
        })
        .unwrap_or(0)
}

fn ha_shape_ok() -> bool {
    let modes: Vec<String> = HOSTS.iter().map(|(_, a)| zk_mode(a)).collect();
    let alive = alive_masters();
    let standby = HOSTS[..2]
        .iter()
        .filter(|(_, a)| master_json(a).is_some_and(|j| j["status"] == "STANDBY"))
        .count();
    let ok = modes.iter().filter(|m| *m == "leader").count() == 1
        && modes.iter().filter(|m| *m == "follower").count() == 2
        && alive.len() == 1
        && standby == 1
        && workers_alive(HOSTS.iter().find(|(h, _)| *h == alive[0]).unwrap().1) == 3;
    eprintln!("zk {:?}, alive {:?}, standby {}", modes, alive, standby);
    ok
}

fn drill_seconds(out: &str) -> f64 {
    let line = out
        .lines()
        .find(|l| l.starts_with("FAILOVER "))
        .unwrap_or_else(|| panic!("no FAILOVER line in: {}", out));
    line.split_whitespace()
        .find_map(|w| w.strip_prefix("alive_after_s="))
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn ha_lifecycle() {
    let _g = LAB.lock().unwrap_or_else(|e| e.into_inner());
    lab_up();
    clean_slate();

    // --- 1. non-HA cluster, a running app, then `ha enable --zk` ---
    let base = lab_inventory()
        .replace("ha = \"zookeeper\"\n", "# HA is off to start with\nha = \"none\"\n")
        .replace("name = \"hostb\"\naddress = \"10.213.37.12\"\nroles = [\"zookeeper\", \"master\", \"worker\"]", "name = \"hostb\"\naddress = \"10.213.37.12\"\nroles = [\"worker\"]")
        .replace("roles = [\"zookeeper\", \"master\", \"worker\"]", "roles = [\"master\", \"worker\"]")
        .replace("roles = [\"zookeeper\", \"worker\"]", "roles = [\"worker\"]");
    let inv_path = write_temp("ha.toml", &base);
    let inv = inv_path.to_str().unwrap();
    assert_eq!(sparkctl(&["deploy", inv]).status.code(), Some(0));
    assert_eq!(alive_masters(), vec!["hosta"]);

    submit_background("enable", URL_A, 12);
    let t0 = Instant::now();
    let out = sparkctl(&[
        "ha",
        "enable",
        inv,
        "--zk",
        "--zk-hosts",
        "hosta,hostb,hostc",
        "--masters",
        "hostb",
        "--yes",
    ]);
    assert_eq!(out.status.code(), Some(0), "ha enable failed");
    measured(
        "ha enable --zk (with a running application drained first)",
        t0.elapsed().as_secs_f64(),
    );
    let result = job_result("enable", 120);
    assert!(
        result.contains("RESULT sum=91"),
        "the application running during ha enable: {}",
        result
    );
    let edited = std::fs::read_to_string(&inv_path).unwrap();
    assert!(
        edited.contains("# HA is off to start with") && edited.contains("ha = \"zookeeper\""),
        "{}",
        edited
    );
    assert!(
        eventually(60, ha_shape_ok),
        "not one ALIVE + one STANDBY + 3 workers + ZK quorum after ha enable"
    );
    let out = sparkctl(&["ha", "status", inv]);
    assert_eq!(out.status.code(), Some(0), "ha status not healthy");
    assert!(
        text(&out.stdout).contains("/spark/leader_election: 2 participant(s)"),
        "{}",
        text(&out.stdout)
    );
    // ha status on part of the cluster (issue 14): a master left out keeps
    // its state (probed: the ALIVE master is the cluster's) without its
    // recovery settings, and is no problem.
    let out = sparkctl(&["ha", "status", inv, "--skip", "hostb"]);
    assert_eq!(out.status.code(), Some(0), "ha status --skip hostb");
    let stdout = text(&out.stdout);
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("  master hostb") && l.ends_with("not checked (--limit/--skip)")),
        "{}",
        stdout
    );
    assert!(
        stdout.contains("/spark/leader_election: 2 participant(s)"),
        "{}",
        stdout
    );
    assert!(
        text(&out.stderr)
            .contains("skipped (--skip): hostb \u{2014} its daemons were not checked\n"),
        "{}",
        text(&out.stderr)
    );
    // A role: both masters are checked, hostc (no master) is left out.
    let out = sparkctl(&["ha", "status", inv, "--limit", "masters", "--json"]);
    assert_eq!(out.status.code(), Some(0), "ha status --limit masters");
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        j["masters"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m.get("left_out").is_none() && m["recovery"]["mode"] == "ZOOKEEPER"),
        "{}",
        j
    );

    // --- 2. drill (kill -9) while an application runs ---
    submit_background("drill", URL_AB, 15);
    let out = sparkctl(&["ha", "drill", inv, "--mode", "kill"]);
    assert_eq!(out.status.code(), Some(0), "drill failed");
    let tuned_kill = drill_seconds(&text(&out.stdout));
    measured(
        "failover after kill -9, sparkctl defaults (maxSessionTimeout=6000)",
        tuned_kill,
    );
    let result = job_result("drill", 180);
    assert!(
        result.contains("RESULT sum=91"),
        "the application running during the drill: {}",
        result
    );
    assert!(eventually(30, ha_shape_ok));

    // The graceful drill reports as JSON (docs/json.md): the same checks
    // and timings, nothing else on stdout.
    let out = sparkctl(&["ha", "drill", inv, "--mode", "stop", "--json"]);
    assert_eq!(out.status.code(), Some(0), "stop drill failed");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("drill JSON");
    assert_eq!(v["drill"], "master", "{}", v);
    assert_eq!(v["mode"], "stop", "{}", v);
    assert_eq!(v["passed"], true, "{}", v);
    assert!(
        v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["ok"] == true),
        "{}",
        v
    );
    assert_ne!(v["alive_master_after"], v["target"], "{}", v);
    assert!(v["timings"]["standby_after_s"].as_f64().is_some(), "{}", v);
    measured(
        "failover after a graceful stop, sparkctl defaults",
        v["timings"]["alive_after_s"]
            .as_f64()
            .expect("alive_after_s"),
    );

    // --- 3. ZooKeeper outages ---
    let zk_stop = |h: &str| {
        ssh(h, "cd /opt/zookeeper/current && ZOOCFGDIR=$PWD/conf bin/zkServer.sh stop >/dev/null 2>&1; sleep 1")
    };
    zk_stop("hostc");
    // Degraded, and an ALIVE master keeps serving: possibly after one
    // failover, because Spark's ALIVE master exits when its ZooKeeper
    // connection is suspended (see docs/ha.md, "A Spark behaviour to know").
    let degraded = eventually(60, || {
        let out = sparkctl(&["status", inv]);
        out.status.code() == Some(3)
            && text(&out.stdout).contains("zookeeper on hostc is down")
            && alive_masters().len() == 1
    });
    assert!(
        degraded,
        "with one ZooKeeper server down the cluster must be degraded but serving"
    );
    zk_stop("hostb");
    let t0 = Instant::now();
    let out = sparkctl(&["status", inv]);
    let took = t0.elapsed().as_secs_f64();
    measured("status with 2 of 3 ZooKeeper servers down", took);
    assert_eq!(
        out.status.code(),
        Some(4),
        "two ZooKeeper servers down must be down"
    );
    assert!(
        text(&out.stdout).contains("ZooKeeper has no quorum: 0 of 3 servers serving")
            && text(&out.stdout).contains("zookeeper on hosta is up but not in a quorum"),
        "{}",
        text(&out.stdout)
    );
    assert!(took < 5.0, "status took {:.1} s with ZooKeeper down", took);
    assert_eq!(sparkctl(&["start", inv]).status.code(), Some(0));
    assert!(eventually(120, ha_shape_ok), "not healthy after start");

    // --- 4. rolling restart, sampled ---
    let t0 = Instant::now();
    let (out, g) = sampled(|| sparkctl(&["restart", inv, "--rolling"]));
    let (quorum_gap, master_gap, episodes) = (g.quorum_gap, g.master_gap, g.quorum_episodes);
    assert_eq!(out.status.code(), Some(0), "rolling restart failed");
    measured("restart --rolling, 3 hosts", t0.elapsed().as_secs_f64());
    measured(
        "longest time without a ZooKeeper quorum during restart --rolling",
        quorum_gap,
    );
    measured(
        "longest time without an ALIVE master during restart --rolling",
        master_gap,
    );
    // A majority is up at every moment. Restarting the ZooKeeper leader (done
    // last) forces exactly one election, during which the others briefly
    // refuse requests: allow that one short blip, nothing more.
    assert!(
        episodes <= 1 && quorum_gap < 2.0,
        "ZooKeeper stopped serving {} time(s), longest {:.2} s, during a rolling restart",
        episodes,
        quorum_gap
    );
    assert!(
        master_gap <= tuned_kill + 5.0,
        "no ALIVE master for {:.1} s, longer than one failover ({:.1} s)",
        master_gap,
        tuned_kill
    );
    assert!(eventually(60, ha_shape_ok));

    // --- 5. Spark's and ZooKeeper's defaults, same run ---
    let defaults =
        edited_now(&inv_path).replace("[zookeeper]\n", "[zookeeper]\nmax_session_timeout = 0\n");
    std::fs::write(&inv_path, &defaults).unwrap();
    assert_eq!(sparkctl(&["deploy", inv]).status.code(), Some(0));
    // A master's ZooKeeper session is negotiated when it connects: restart them on the new limit.
    assert_eq!(
        sparkctl(&["restart", inv, "--rolling"]).status.code(),
        Some(0)
    );
    let out = sparkctl(&["ha", "drill", inv, "--mode", "kill", "--timeout", "150"]);
    assert_eq!(out.status.code(), Some(0), "drill with defaults failed");
    let default_kill = drill_seconds(&text(&out.stdout));
    measured(
        "failover after kill -9, ZooKeeper/Spark defaults (session capped at 40 s)",
        default_kill,
    );
    assert!(
        tuned_kill < 10.0,
        "failover with sparkctl's defaults took {:.1} s",
        tuned_kill
    );
    assert!(
        default_kill > tuned_kill,
        "defaults {:.1} s vs tuned {:.1} s",
        default_kill,
        tuned_kill
    );

    // --- 6. FILESYSTEM recovery: one master, state survives its restart ---
    let fs = edited_now(&inv_path)
        .replace(
            "ha = \"zookeeper\"",
            "ha = \"filesystem\"\nrecovery_dir = \"/opt/spark/recovery\"",
        )
        .replace(
            "roles = [\"worker\", \"zookeeper\", \"master\"]",
            "roles = [\"worker\", \"zookeeper\"]",
        );
    std::fs::write(&inv_path, &fs).unwrap();
    assert_eq!(
        sparkctl(&["deploy", inv]).status.code(),
        Some(0),
        "deploy with FILESYSTEM recovery failed"
    );
    submit_background("fs", URL_A, 20);
    let app_id = master_json(HOSTS[0].1).unwrap()["activeapps"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let out = sparkctl(&["ha", "drill", inv, "--mode", "stop"]);
    // One master: the drill restarts it and must find workers and the app again.
    let j = master_json(HOSTS[0].1);
    eprintln!("{}", text(&out.stdout));
    assert!(
        eventually(90, || master_json(HOSTS[0].1).is_some_and(|j| j["status"]
            == "ALIVE"
            && j["workers"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|w| w["state"] == "ALIVE")
                .count()
                == 3)),
        "{:?}",
        j
    );
    let apps = master_json(HOSTS[0].1).unwrap()["activeapps"].clone();
    assert!(
        apps.as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == app_id.as_str()),
        "app {} not recovered: {}",
        app_id,
        apps
    );
    let result = job_result("fs", 180);
    assert!(result.contains("RESULT sum=91"), "{}", result);
}

fn edited_now(p: &std::path::Path) -> String {
    std::fs::read_to_string(p).unwrap()
}
