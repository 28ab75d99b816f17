//! Graceful decommissioning on real lab hosts: a PySpark application
//! runs across `restart --rolling` of the whole HA cluster (ZooKeeper,
//! both masters with one failover, every worker) and finishes with the
//! right result in every round and zero failed tasks, read from the
//! application's own REST API. Also: workers started before
//! decommissioning was on are stopped, not signalled (SIGPWR would kill
//! them), and `stop --graceful` stops the whole cluster.
//!
//! Needs root and the lab; it never skips: without a lab it fails.

mod common;
use common::*;
use std::time::Instant;

/// Rounds of a shuffle job until the stop file exists (at least three),
/// each checked; then the application's own stage and job counts.
const JOB: &str = r#"
import json, os, sys, time, urllib.request
from pyspark.sql import SparkSession

spark = SparkSession.builder.appName("sparkctl-decommission").getOrCreate()
sc = spark.sparkContext
stop = sys.argv[1]

def slow(x):
    time.sleep(0.02)
    return (x % 10, x)

expected = sum(range(600))
rounds = 0
t0 = time.time()
while (not os.path.exists(stop) or rounds < 3) and time.time() - t0 < 600:
    got = sc.parallelize(range(600), 12).map(slow).reduceByKey(lambda a, b: a + b).values().sum()
    if got != expected:
        print("WRONG round=%d got=%d expected=%d" % (rounds, got, expected), flush=True)
        sys.exit(1)
    rounds += 1
    print("round %d ok" % rounds, flush=True)

# The application's own REST API: every stage attempt and job it ran.
base = "%s/api/v1/applications/%s" % (sc.uiWebUrl, sc.applicationId)
stages = json.load(urllib.request.urlopen(base + "/stages"))
jobs = json.load(urllib.request.urlopen(base + "/jobs"))
failed_tasks = sum(s.get("numFailedTasks", 0) for s in stages)
retries = sum(1 for s in stages if s.get("attemptId", 0) > 0)
failed_jobs = sum(1 for j in jobs if j.get("status") != "SUCCEEDED")
print("RESULT rounds=%d failed_tasks=%d stage_retries=%d failed_jobs=%d" % (rounds, failed_tasks, retries, failed_jobs), flush=True)
spark.stop()
"#;

#[test]
fn an_application_runs_through_a_rolling_restart_without_a_failed_task() {
    let _g = LAB.lock().unwrap_or_else(|e| e.into_inner());
    lab_up();
    clean_slate();
    // 1. Workers started without decommissioning, then the inventory's
    //    default (on): deploy restarts them without SIGPWR.
    let inv = write_temp("decommission.toml", &lab_inventory());
    let inv_s = path_str(&inv).to_string();
    let off = write_temp(
        "decommission-off.toml",
        &lab_inventory().replace("[spark]\n", "[spark]\ndecommission = false\n"),
    );
    let out = sparkctl(&["deploy", path_str(&off)]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "deploy without decommission failed"
    );
    let out = sparkctl(&["deploy", &inv_s]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "deploy turning decommission on failed"
    );
    let progress = text(&out.stdout) + &text(&out.stderr);
    assert!(
        progress.contains(
            "started before decommissioning was on (SIGPWR would kill it): it is stopped at once"
        ),
        "{}",
        progress
    );
    assert_healthy_ha();

    // 2. The application, in client mode on hosta, through sparkctl submit.
    put("hosta", "/tmp/decom/job.py", JOB);
    ssh("hosta", "rm -f /tmp/decom/stop");
    let log = std::env::temp_dir().join("sparkctl-decommission-job.out");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_sparkctl"))
        .args([
            "submit",
            &inv_s,
            "--",
            "--driver-memory",
            "512m",
            "--executor-memory",
            "512m",
            "/tmp/decom/job.py",
            "/tmp/decom/stop",
        ])
        .env("SPARKCTL_PLAIN", "1")
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("run sparkctl submit");
    let running = eventually(120, || {
        std::fs::read_to_string(&log).is_ok_and(|t| t.contains("round 2 ok"))
    });
    assert!(
        running,
        "the application did not get going: {}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );

    // 3. Every daemon restarted under it.
    let t0 = Instant::now();
    let out = sparkctl(&["restart", "--rolling", &inv_s]);
    measured(
        "restart --rolling of 3 hosts under a running application (decommissioning)",
        t0.elapsed().as_secs_f64(),
    );
    assert_eq!(out.status.code(), Some(0), "rolling restart failed");
    let progress = text(&out.stdout) + &text(&out.stderr);
    for h in ["hosta", "hostb", "hostc"] {
        assert!(
            progress.contains(&format!("executors left the worker on {} after", h)),
            "{} was not decommissioned:\n{}",
            h,
            progress
        );
    }
    assert!(!progress.contains("stopping anyway"), "{}", progress);
    ssh("hosta", "touch /tmp/decom/stop");
    let out = child.wait_with_output().expect("wait for sparkctl submit");
    let job = std::fs::read_to_string(&log).unwrap();
    eprintln!("--- the application\n{}", job);
    assert_eq!(out.status.code(), Some(0), "the application failed");
    let result = job
        .lines()
        .find(|l| l.starts_with("RESULT "))
        .expect("the application's RESULT line");
    assert!(
        result.ends_with(" failed_tasks=0 stage_retries=0 failed_jobs=0"),
        "{}",
        result
    );
    assert_healthy_ha();

    // 4. stop --graceful: every worker decommissioned, then everything stopped.
    let out = sparkctl(&["stop", "--graceful", &inv_s]);
    assert_eq!(out.status.code(), Some(0), "stop --graceful failed");
    assert!(
        text(&out.stdout).contains("cluster lab stopped in"),
        "{}",
        text(&out.stdout)
    );
    for h in ["hosta", "hostb", "hostc"] {
        assert!(jvms(h).is_empty(), "{}: JVMs left after stop --graceful", h);
    }
}
