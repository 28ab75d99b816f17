//! `sparkctl submit` on real lab hosts: a client-mode PySpark job prints its
//! result through sparkctl and exits 0; a job that raises makes sparkctl
//! exit non-zero; a JVM application (compiled here with the JDK's `javac`
//! against the tree's `jars/`) submitted in cluster mode runs on a worker,
//! its result read from the driver's stdout in that worker's work dir; and
//! with `rest = true`, `sparkctl submit --status` reports it FINISHED.
//! Checked with ssh and the work dirs, not sparkctl's own probes.
//!
//! Needs root and the lab; it never skips: without a lab it fails.

mod common;
use common::*;

const PY_JOB: &str = r#"
from pyspark.sql import SparkSession
spark = SparkSession.builder.appName("sparkctl-submit").getOrCreate()
n = spark.sparkContext.parallelize(range(1, 1001), 4).map(lambda x: x * x).sum()
print("RESULT sum_of_squares=%d" % n)
spark.stop()
"#;

const PY_FAILING: &str = r#"
from pyspark.sql import SparkSession
spark = SparkSession.builder.appName("sparkctl-submit-fails").getOrCreate()
raise RuntimeError("sparkctl-submit-boom")
"#;

const JVM_JOB: &str = r#"
import org.apache.spark.sql.SparkSession;
public class SubmitJob {
  public static void main(String[] args) {
    SparkSession s = SparkSession.builder().appName("sparkctl-submit-cluster").getOrCreate();
    long n = s.range(1, 1001).selectExpr("sum(id * id)").first().getLong(0);
    System.out.println("RESULT sum=" + n + " arg=" + args[0]);
    s.stop();
  }
}
"#;

/// Small heaps and cores: the lab is a shared 2-core machine.
const SMALL: [&str; 6] = [
    "--driver-memory",
    "512m",
    "--executor-memory",
    "512m",
    "--total-executor-cores",
    "2",
];

fn submit(inv: &str, before: &[&str], after: &[&str]) -> std::process::Output {
    let mut args = vec!["submit", inv];
    args.extend_from_slice(before);
    args.push("--");
    args.extend_from_slice(&SMALL);
    args.extend_from_slice(after);
    sparkctl(&args)
}

#[test]
fn submit_client_and_cluster_mode_and_status() {
    let _g = LAB.lock().unwrap_or_else(|e| e.into_inner());
    lab_up();
    clean_slate();
    let inv = write_temp("submit.toml", &lab_inventory());
    let inv_s = path_str(&inv).to_string();
    let out = sparkctl(&["deploy", &inv_s]);
    assert_eq!(out.status.code(), Some(0), "deploy failed");
    assert_healthy_ha();

    // 1. Client mode, PySpark, on the default host (the first master,
    //    hosta): the driver's output comes back on sparkctl's stdout.
    put("hosta", "/tmp/submit/job.py", PY_JOB);
    put("hosta", "/tmp/submit/fails.py", PY_FAILING);
    let t0 = std::time::Instant::now();
    let out = submit(&inv_s, &[], &["/tmp/submit/job.py"]);
    measured(
        "sparkctl submit, client-mode PySpark job",
        t0.elapsed().as_secs_f64(),
    );
    assert_eq!(out.status.code(), Some(0), "client-mode job failed");
    assert!(
        text(&out.stdout).contains("RESULT sum_of_squares=333833500\n"),
        "stdout: {}",
        text(&out.stdout)
    );
    assert!(text(&out.stderr).contains(
        "submitting on hosta to spark://10.213.37.11:7077,10.213.37.12:7077 (client mode)"
    ));

    // 2. A job that raises: spark-submit's failure is sparkctl's.
    let out = submit(&inv_s, &[], &["/tmp/submit/fails.py"]);
    assert!(
        matches!(out.status.code(), Some(c) if c != 0),
        "a raising job exited {:?}",
        out.status.code()
    );
    // Spark's PythonRunner merges the Python process's stderr into its own
    // stdout, so the traceback arrives on stdout.
    assert!(
        text(&out.stdout).contains("RuntimeError: sparkctl-submit-boom"),
        "stdout: {}",
        text(&out.stdout)
    );

    // 2b. --local: the same client-mode job from this machine's own Spark
    //     (the lab's tree unpacked here), the driver bound to this
    //     machine's address on the lab bridge, which the workers reach.
    let local = std::env::temp_dir().join("sparkctl-submit-local");
    let _ = std::fs::remove_dir_all(&local);
    std::fs::create_dir_all(&local).unwrap();
    let untar = std::process::Command::new("tar")
        .arg("-xf")
        .arg("/var/cache/sparkctl-lab/dist/spark-4.3.0-bin-pyspark.tar")
        .arg("-C")
        .arg(&local)
        .status()
        .unwrap();
    assert!(untar.success(), "cannot unpack the lab's Spark here");
    let home = std::fs::read_dir(&local)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let job = local.join("job.py");
    std::fs::write(&job, PY_JOB).unwrap();
    let mut args = vec!["submit", &inv_s, "--local", "--"];
    args.extend_from_slice(&SMALL);
    args.push(job.to_str().unwrap());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sparkctl"))
        .args(&args)
        .env("SPARKCTL_PLAIN", "1")
        .env("SPARK_HOME", &home)
        .env("SPARK_LOCAL_IP", "10.213.37.1")
        .env("PYSPARK_PYTHON", "python3")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "--local job failed: {}",
        text(&out.stderr)
    );
    assert!(
        text(&out.stdout).contains("RESULT sum_of_squares=333833500\n"),
        "stdout: {}",
        text(&out.stdout)
    );
    assert!(text(&out.stderr).contains(&format!(
        "submitting from this machine ({}) to spark://10.213.37.11:7077,10.213.37.12:7077 (client mode)",
        home.display()
    )));
    let _ = std::fs::remove_dir_all(&local);

    // 3. Cluster mode, a JVM application: the jar must be where any worker
    //    can read it, so it is built on every host.
    for (h, _) in HOSTS {
        put(h, "/tmp/submitjob/SubmitJob.java", JVM_JOB);
        let o = ssh(h, "cd /tmp/submitjob && javac -cp '/opt/spark/current/jars/*' SubmitJob.java && jar cf submitjob.jar SubmitJob.class");
        assert!(
            o.status.success(),
            "{}: cannot build the job: {}",
            h,
            text(&o.stderr)
        );
    }
    // Which client spark-submit used shows in its log: the REST client
    // says so (SparkSubmit's "Running Spark using the REST application
    // submission protocol."), the RPC client does not.
    const REST_CLIENT: &str = "Running Spark using the REST application submission protocol.";
    let cluster_job = |inv: &str, arg: &str, rest: bool| -> String {
        let out = submit(
            inv,
            &["--deploy-mode", "cluster"],
            &[
                "--class",
                "SubmitJob",
                "file:/tmp/submitjob/submitjob.jar",
                arg,
            ],
        );
        assert_eq!(out.status.code(), Some(0), "cluster-mode submit failed");
        assert_eq!(
            text(&out.stderr).contains(REST_CLIENT),
            rest,
            "the wrong submission client (REST expected: {})",
            rest
        );
        let id = driver_id(&text(&out.stderr))
            .or_else(|| driver_id(&text(&out.stdout)))
            .expect("spark-submit names the driver it launched");
        let want = format!("RESULT sum=333833500 arg={}", arg);
        let done = eventually(240, || driver_stdout(&id).contains(&want));
        assert!(done, "driver {} printed: {}", id, driver_stdout(&id));
        id
    };
    let t0 = std::time::Instant::now();
    cluster_job(&inv_s, "rpc it's", false);
    measured(
        "sparkctl submit, cluster-mode JVM job (RPC client) to its result",
        t0.elapsed().as_secs_f64(),
    );

    // --status needs the REST server, which this inventory leaves off.
    let out = sparkctl(&["submit", &inv_s, "--status", "driver-20261203172233-0000"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("`rest` is not true in [spark]"));

    // 4. rest = true (no authenticate): cluster mode goes through the REST
    //    server, and sparkctl asks it for the driver's state.
    let rest = write_temp(
        "submit-rest.toml",
        &lab_inventory().replace("[spark]\n", "[spark]\nrest = true\n"),
    );
    let rest_s = path_str(&rest).to_string();
    let out = sparkctl(&["deploy", &rest_s]);
    assert_eq!(out.status.code(), Some(0), "deploy with rest = true failed");
    assert_healthy_ha();
    let id = cluster_job(&rest_s, "rest", true);
    let mut state = String::new();
    let finished = eventually(120, || {
        let out = sparkctl(&["submit", &rest_s, "--status", &id]);
        state = text(&out.stdout).trim().to_string();
        out.status.code() == Some(0) && state == "FINISHED"
    });
    assert!(finished, "driver {}: --status said {:?}", id, state);
    // An ID no master knows: a clear failure, not a state.
    let out = sparkctl(&["submit", &rest_s, "--status", "driver-20000101000000-9999"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("no master answered for driver driver-20000101000000-9999"));

    // 5. Back to the lab's own inventory (REST off) for the next suite.
    let out = sparkctl(&["deploy", &inv_s]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "deploy back to rest = false failed"
    );
    assert_healthy_ha();
}
