//! The Spark 3.x paths, proven on a real Spark 3.5 tree (built by
//! `lab/lab build` from PyPI's pyspark 3.5.9 sdist: Scala 2.12 jars, fewer
//! sbin scripts than 4.x) rather than only designed: an HA deploy onto the
//! lab, a PySpark job through the HA master URL, a JVM application in
//! cluster mode through `sparkctl submit` (a driver started by a worker:
//! on Java 17 it needs the JDK module options sparkctl renders for 3.x), a
//! failover drill, a no-op re-run, and an upgrade of the same cluster to
//! Spark 4.3.0 by editing the tarball.
//!
//! Needs root (CI runs as root). It never skips: without a lab it fails.

mod common;
use common::*;

const SPARK3: &str = "/var/cache/sparkctl-lab/dist/spark-3.5.9-bin-pyspark.tar";
const SPARK4: &str = "/var/cache/sparkctl-lab/dist/spark-4.3.0-bin-pyspark.tar";

const JOB: &str = r#"
import pyspark
from pyspark.sql import SparkSession
spark = SparkSession.builder.appName("sparkctl-spark3").getOrCreate()
n = spark.sparkContext.parallelize(range(1, 100001), 6).map(lambda x: x * x).sum()
print("RESULT version=%s sum_of_squares=%d" % (spark.version, n))
spark.stop()
"#;

const JVM_JOB: &str = r#"
import org.apache.spark.sql.SparkSession;
public class Spark3Job {
  public static void main(String[] args) {
    SparkSession s = SparkSession.builder().appName("sparkctl-spark3-cluster").getOrCreate();
    long n = s.range(1, 1001).selectExpr("sum(id * id)").first().getLong(0);
    System.out.println("RESULT sum=" + n + " version=" + s.version());
    s.stop();
  }
}
"#;

/// Run JOB on hosta with the installed tree's spark-submit, through the
/// HA master URL; returns its RESULT line (or the tail of its log).
fn run_job() -> String {
    let put = ssh(
        "hosta",
        &format!("cat > /tmp/job3.py <<'EOF'\n{}\nEOF", JOB),
    );
    assert!(put.status.success());
    let job = ssh("hosta", "cd /opt/spark/current && PYSPARK_PYTHON=/usr/bin/python3 bin/spark-submit --master spark://10.213.37.11:7077,10.213.37.12:7077 --driver-memory 512m --executor-memory 512m --total-executor-cores 2 --conf spark.executor.cores=1 /tmp/job3.py 2>/tmp/job3.err; echo exit=$?");
    let out = text(&job.stdout);
    if !out.contains("RESULT") {
        eprintln!("{}", text(&ssh("hosta", "tail -n 40 /tmp/job3.err").stdout));
    }
    out
}

#[test]
fn spark_3_5_deploy_job_drill_noop_upgrade() {
    let _g = LAB.lock().unwrap_or_else(|e| e.into_inner());
    lab_up();
    clean_slate();
    assert!(
        std::path::Path::new(SPARK3).is_file(),
        "lab/lab build did not produce {}",
        SPARK3
    );
    let inv3 = write_temp("spark3.toml", &lab_inventory().replace(SPARK4, SPARK3));
    let inv3 = path_str(&inv3);

    // 1. Fresh HA deploy of 3.5.9.
    let t0 = std::time::Instant::now();
    let out = sparkctl(&["deploy", inv3]);
    assert_eq!(out.status.code(), Some(0), "deploy of Spark 3.5.9 failed");
    measured(
        "fresh HA deploy, 3 hosts, Spark 3.5.9",
        t0.elapsed().as_secs_f64(),
    );
    assert_healthy_ha();
    let link = text(&ssh("hosta", "readlink /opt/spark/current").stdout);
    assert_eq!(link.trim(), "spark-3.5.9-bin-pyspark");

    // 2. A real job through the HA master URL, on 3.5.9's own spark-submit.
    let out = run_job();
    assert!(
        out.contains("RESULT version=3.5.9 sum_of_squares=333338333350000"),
        "job output: {}",
        out
    );

    // 2b. Cluster mode: the driver runs in a JVM a worker starts. Without
    // the module options in spark.driver.extraJavaOptions it dies on Java
    // 17 with IllegalAccessError (sun.nio.ch.DirectBuffer).
    for (h, _) in HOSTS {
        put(h, "/tmp/spark3job/Spark3Job.java", JVM_JOB);
        let o = ssh(h, "cd /tmp/spark3job && javac -cp '/opt/spark/current/jars/*' Spark3Job.java && jar cf spark3job.jar Spark3Job.class");
        assert!(
            o.status.success(),
            "{}: cannot build the job: {}",
            h,
            text(&o.stderr)
        );
    }
    let t0 = std::time::Instant::now();
    let out = sparkctl(&[
        "submit",
        inv3,
        "--deploy-mode",
        "cluster",
        "--",
        "--driver-memory",
        "512m",
        "--executor-memory",
        "512m",
        "--total-executor-cores",
        "2",
        "--class",
        "Spark3Job",
        "file:/tmp/spark3job/spark3job.jar",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "cluster-mode submit on 3.5.9 failed"
    );
    let id = driver_id(&text(&out.stderr))
        .or_else(|| driver_id(&text(&out.stdout)))
        .expect("spark-submit names the driver it launched");
    let want = "RESULT sum=333833500 version=3.5.9";
    let done = eventually(240, || driver_stdout(&id).contains(want));
    if !done {
        for (h, _) in HOSTS {
            eprintln!(
                "{}: {}",
                h,
                text(
                    &ssh(
                        h,
                        &format!("tail -n 30 /opt/spark/work/{}/stderr 2>/dev/null; true", id)
                    )
                    .stdout
                )
            );
        }
    }
    assert!(done, "driver {} printed: {}", id, driver_stdout(&id));
    measured(
        "sparkctl submit, cluster-mode JVM job on Spark 3.5.9 to its result",
        t0.elapsed().as_secs_f64(),
    );

    // 3. A failover drill: the standby takes over on 3.5 as on 4.x.
    let out = sparkctl(&["ha", "drill", inv3, "--mode", "kill"]);
    assert_eq!(out.status.code(), Some(0), "drill on Spark 3.5.9 failed");
    assert!(eventually(60, || {
        sparkctl(&["status", inv3]).status.code() == Some(0)
    }));

    // 4. A no-op re-run changes nothing.
    let before: Vec<_> = HOSTS.iter().map(|(h, _)| jvms(h)).collect();
    let out = sparkctl(&["deploy", inv3]);
    assert_eq!(out.status.code(), Some(0));
    assert_no_changes(&text(&out.stdout));
    let after: Vec<_> = HOSTS.iter().map(|(h, _)| jvms(h)).collect();
    assert_eq!(before, after, "a daemon was restarted by a no-op deploy");

    // 5. Upgrade the running cluster to 4.3.0: the same inventory with the
    // other tarball. Every Spark daemon restarts on the new tree, ZooKeeper
    // keeps running, and jobs run on 4.3.0.
    let zk_before: Vec<_> = HOSTS
        .iter()
        .map(|(h, _)| {
            jvms(h)
                .into_iter()
                .filter(|(_, c)| c == "QuorumPeerMain")
                .collect::<Vec<_>>()
        })
        .collect();
    let inv4 = common::root().join("inventories/lab.toml");
    let t0 = std::time::Instant::now();
    let out = sparkctl(&["deploy", path_str(&inv4)]);
    assert_eq!(out.status.code(), Some(0), "upgrade 3.5.9 -> 4.3.0 failed");
    measured(
        "upgrade 3.5.9 -> 4.3.0, 3 hosts (deploy)",
        t0.elapsed().as_secs_f64(),
    );
    assert_healthy_ha();
    let link = text(&ssh("hosta", "readlink /opt/spark/current").stdout);
    assert_eq!(link.trim(), "spark-4.3.0-bin-pyspark");
    let zk_after: Vec<_> = HOSTS
        .iter()
        .map(|(h, _)| {
            jvms(h)
                .into_iter()
                .filter(|(_, c)| c == "QuorumPeerMain")
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(zk_before, zk_after, "the upgrade restarted ZooKeeper");
    let out = run_job();
    assert!(
        out.contains("RESULT version=4.3.0 sum_of_squares=333338333350000"),
        "job output after the upgrade: {}",
        out
    );
    let _ = sparkctl(&["stop", path_str(&inv4)]);
}
