//! The history server end to end on the lab: the lab inventory with a
//! history server on hosta reading event logs from the lab's shared
//! directory (`/shared`, one directory bind-mounted into every host,
//! standing in for NFS). A real PySpark application whose driver runs on
//! hostb writes its event log there; after it ends, hosta's history server
//! lists it as completed, read with this test's own HTTP client. Then a
//! no-op re-deploy, and stop leaves no HistoryServer JVM.
//!
//! Needs root (CI runs as root). It never skips: without a lab it fails.

mod common;
use common::*;
use std::time::{Duration, Instant};

const HISTORY: (&str, u16) = ("10.213.37.11", 18080);
const EVENTS: &str = "/shared/spark-events";

const JOB: &str = r#"
from pyspark.sql import SparkSession
spark = SparkSession.builder.appName("sparkctl-history").getOrCreate()
n = spark.sparkContext.parallelize(range(1, 1001), 3).map(lambda x: x * 2).sum()
print("RESULT app=%s sum=%d" % (spark.sparkContext.applicationId, n))
spark.stop()
"#;

/// The lab inventory with a history server on hosta (the first host with
/// every role) and a short listing interval, so a finished application
/// shows up within seconds.
fn history_inventory() -> String {
    lab_inventory()
        .replacen(
            "roles = [\"zookeeper\", \"master\", \"worker\"]",
            "roles = [\"zookeeper\", \"master\", \"worker\", \"history\"]",
            1,
        )
        .replace(
            "defaults = { \"spark.driver.memory\" = \"512m\", \"spark.executor.memory\" = \"512m\" }",
            "defaults = { \"spark.driver.memory\" = \"512m\", \"spark.executor.memory\" = \"512m\", \"spark.history.fs.update.interval\" = \"2s\" }",
        )
        + &format!("\n[history]\nlog_directory = \"{}\"\n", EVENTS)
}

/// The lab's shared directory is there and really shared: what hostb
/// writes, hosta and hostc read.
fn assert_shared_directory() {
    let mark = format!("/shared/.sparkctl-test-{}", std::process::id());
    let put = ssh("hostb", &format!("echo shared > {}", mark));
    let seen: Vec<String> = ["hosta", "hostc"]
        .iter()
        .map(|h| text(&ssh(h, &format!("cat {} 2>/dev/null", mark)).stdout))
        .collect();
    ssh("hostb", &format!("rm -f {}", mark));
    assert!(
        put.status.success() && seen.iter().all(|s| s.trim() == "shared"),
        "the lab hosts have no shared /shared directory (lab/lab up makes one for hosts it boots: `lab/lab down && lab/lab up 3` once after updating lab/lab): hostb wrote {:?}, hosta/hostc read {:?}",
        text(&put.stderr),
        seen
    );
}

#[test]
fn history_server_lists_an_application_run_from_another_host() {
    let _g = LAB.lock().unwrap_or_else(|e| e.into_inner());
    lab_up();
    clean_slate();
    assert_shared_directory();
    // No event logs of an earlier run.
    let rm = ssh("hosta", &format!("rm -rf {}", EVENTS));
    assert!(rm.status.success(), "{}", text(&rm.stderr));
    let inventory = history_inventory();
    assert!(
        inventory.contains("\"spark.history.fs.update.interval\" = \"2s\""),
        "inventories/lab.toml's defaults line changed: update history_inventory()"
    );
    let inv = write_temp("history.toml", &inventory);
    let inv = path_str(&inv);

    // 1. check says what a local event log directory means.
    let out = sparkctl(&["check", inv]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text(&out.stdout).contains("only the event logs of drivers writing to that same path"),
        "{}",
        text(&out.stdout)
    );

    // 2. Deploy: the directory on every host before any daemon, the
    // history server after the workers, answering.
    let out = sparkctl(&["deploy", inv]);
    assert_eq!(out.status.code(), Some(0), "deploy failed");
    assert!(
        text(&out.stdout).contains(
            "History:     http://10.213.37.11:18080 (event logs: file:/shared/spark-events)"
        ),
        "{}",
        text(&out.stdout)
    );
    assert_healthy_ha();
    for (h, _) in HOSTS {
        let d = ssh(h, &format!("test -d {}", EVENTS));
        assert!(d.status.success(), "{} has no {}", h, EVENTS);
    }
    let apps = history_applications(HISTORY.0, HISTORY.1);
    assert!(
        apps.is_some(),
        "the history server on hosta does not answer /api/v1/applications"
    );
    assert!(
        jvms("hosta")
            .iter()
            .any(|(_, c)| c == "deploy.history.HistoryServer"),
        "no HistoryServer JVM on hosta"
    );
    for h in ["hostb", "hostc"] {
        assert!(
            !jvms(h)
                .iter()
                .any(|(_, c)| c == "deploy.history.HistoryServer"),
            "a HistoryServer runs on {}, which has no history role",
            h
        );
    }

    // 3. status: the history row up, and the --json field.
    let out = sparkctl(&["status", inv]);
    assert_eq!(out.status.code(), Some(0));
    let table = text(&out.stdout);
    let row = table
        .lines()
        .find(|l| l.starts_with("hosta") && l.contains(" history "))
        .unwrap_or_else(|| panic!("no history row:\n{}", table));
    assert!(
        row.contains(" up ") && row.contains("http://10.213.37.11:18080"),
        "{}",
        row
    );
    let out = sparkctl(&["status", inv, "--json"]);
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["history"][0]["host"], "hosta");
    assert_eq!(j["history"][0]["up"], true);

    // 4. A real application, its driver on hostb (client mode there),
    // through the HA master URL.
    let put = ssh(
        "hostb",
        &format!("cat > /tmp/history-job.py <<'EOF'\n{}\nEOF", JOB),
    );
    assert!(put.status.success());
    let job = ssh("hostb", "cd /opt/spark/current && PYSPARK_PYTHON=/usr/bin/python3 bin/spark-submit --master spark://10.213.37.11:7077,10.213.37.12:7077 --deploy-mode client --driver-memory 512m --executor-memory 512m --total-executor-cores 2 --conf spark.executor.cores=1 /tmp/history-job.py 2>/tmp/history-job.err; echo exit=$?");
    let job_out = text(&job.stdout);
    if !job_out.contains("RESULT") {
        eprintln!(
            "{}",
            text(&ssh("hostb", "tail -n 40 /tmp/history-job.err").stdout)
        );
    }
    let app = job_out
        .lines()
        .find_map(|l| l.strip_prefix("RESULT app="))
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("job output: {}", job_out))
        .to_string();
    assert!(job_out.contains("sum=1001000"), "{}", job_out);
    assert!(job_out.contains("exit=0"), "{}", job_out);

    // 5. The history server on hosta lists it, completed (it lists the
    // directory every spark.history.fs.update.interval: 2 s here).
    let t0 = Instant::now();
    let mut last = None;
    let listed = eventually(30, || {
        let apps = history_applications(HISTORY.0, HISTORY.1);
        let done = apps.as_ref().is_some_and(|a| {
            a.iter().any(|x| {
                x["id"] == app.as_str()
                    && x["attempts"]
                        .as_array()
                        .is_some_and(|at| at.iter().any(|t| t["completed"] == true))
            })
        });
        last = apps;
        done
    });
    assert!(
        listed,
        "the history server does not list {} as completed after 30 s; it lists: {:?}",
        app, last
    );
    measured(
        "history server: application listed as completed after it ended",
        t0.elapsed().as_secs_f64(),
    );

    // 6. A no-op re-deploy changes nothing.
    let before: Vec<_> = HOSTS.iter().map(|(h, _)| jvms(h)).collect();
    let out = sparkctl(&["deploy", inv]);
    assert_eq!(out.status.code(), Some(0));
    assert_no_changes(&text(&out.stdout));
    assert_eq!(
        before,
        HOSTS.iter().map(|(h, _)| jvms(h)).collect::<Vec<_>>(),
        "a daemon was restarted by a no-op deploy"
    );

    // 7. The history server's start: killed, then `sparkctl start` brings
    // back only it, until its REST API answers.
    // (By pid: a `pkill -f <class>` would match the remote shell running it.)
    let history_pids = || -> Vec<u32> {
        jvms("hosta")
            .into_iter()
            .filter(|(_, c)| c == "deploy.history.HistoryServer")
            .map(|(p, _)| p)
            .collect()
    };
    let pids = history_pids();
    assert_eq!(pids.len(), 1, "{:?}", pids);
    let kill = ssh("hosta", &format!("kill {}", pids[0]));
    assert!(kill.status.success(), "{}", text(&kill.stderr));
    assert!(
        eventually(20, || history_pids().is_empty()),
        "the history server did not exit"
    );
    // Down history server: degraded (exit 3), said as such.
    let out = sparkctl(&["status", inv]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "status with the history server down"
    );
    assert!(
        text(&out.stdout).contains("history server on hosta does not answer"),
        "{}",
        text(&out.stdout)
    );
    let t0 = Instant::now();
    let out = sparkctl(&["start", inv]);
    assert_eq!(out.status.code(), Some(0));
    measured(
        "sparkctl start with only the history server down (connect, checks, launch, until /api/v1/applications answers)",
        t0.elapsed().as_secs_f64(),
    );
    // The wait's own clock: from the launch script's return to the answer.
    let answered = text(&out.stderr)
        .lines()
        .find_map(|l| l.split("history server answering in ").nth(1))
        .and_then(|r| r.trim_end_matches(" s").parse::<f64>().ok())
        .unwrap_or_else(|| panic!("no wait line:\n{}", text(&out.stderr)));
    measured(
        "history server start (launched until its REST API answers)",
        answered,
    );
    let apps = history_applications(HISTORY.0, HISTORY.1).expect("history server answers");
    assert!(
        apps.iter().any(|x| x["id"] == app.as_str()),
        "{} not listed after the restart: {:?}",
        app,
        apps
    );

    // 8. stop leaves no JVM at all, the HistoryServer's included.
    let out = sparkctl(&["stop", inv]);
    assert_eq!(out.status.code(), Some(0));
    for (h, _) in HOSTS {
        let left = jvms(h);
        assert!(left.is_empty(), "JVMs left on {} after stop: {:?}", h, left);
    }
    std::thread::sleep(Duration::from_millis(200));
    assert!(history_applications(HISTORY.0, HISTORY.1).is_none());
}
