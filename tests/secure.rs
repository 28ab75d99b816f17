//! Security on real lab hosts: sparkctl logs in as an unprivileged user
//! with passwordless sudo (`[ssh] sudo`), runs every daemon as a service
//! user (`[cluster] run_as`), and turns on `spark.authenticate` with a
//! generated secret. Checked with the test's own eyes (ssh, /proc, ls):
//! who owns what, who runs what, that an application needs the secret, and
//! that the secret appears nowhere it should not (sparkctl's output, plans,
//! diffs, daemon logs, command lines).
//!
//! Needs root and the lab's `spark` and `sparkops` users (`lab/lab up`
//! creates them). It never skips: without a lab it fails.

mod common;
use common::*;

const JOB: &str = r#"
from pyspark.sql import SparkSession
spark = SparkSession.builder.appName("sparkctl-auth").getOrCreate()
n = spark.sparkContext.parallelize(range(1, 1001), 3).map(lambda x: x * x).sum()
print("RESULT sum=%d" % n)
spark.stop()
"#;

const MASTERS: &str = "spark://10.213.37.11:7077,10.213.37.12:7077";

fn inventory(extra_default: &str) -> String {
    lab_inventory()
        .replace("user = \"root\"", "user = \"sparkops\"\nsudo = true")
        .replace(
            "ha = \"zookeeper\"",
            "ha = \"zookeeper\"\nrun_as = \"spark\"",
        )
        .replace("[spark]\n", "[spark]\nauthenticate = true\n")
        .replace(
            "\"spark.executor.memory\" = \"512m\"",
            &format!("\"spark.executor.memory\" = \"{}\"", extra_default),
        )
}

/// spark-submit on hosta with extra arguments; (exit code, stdout, stderr).
fn submit(args: &str, timeout_s: u32) -> (String, String) {
    let o = ssh(
        "hosta",
        &format!(
            "cd /opt/spark/current && PYSPARK_PYTHON=/usr/bin/python3 timeout {t} bin/spark-submit --master {m} --driver-memory 512m --executor-memory 512m --total-executor-cores 2 {a} /tmp/auth-job.py 2>/tmp/auth-job.err; echo exit=$?; grep -v '^\\s*at ' /tmp/auth-job.err | grep -i 'secret\\|bootstrapping\\|Exception' | head -n 5",
            t = timeout_s,
            m = MASTERS,
            a = args
        ),
    );
    (text(&o.stdout), text(&o.stderr))
}

fn assert_no_secret(what: &str, out: &std::process::Output, secret: &str) {
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(
        !all.contains(secret),
        "the secret appears in the output of {}",
        what
    );
}

#[test]
fn sudo_service_user_and_authentication() {
    let _g = LAB.lock().unwrap_or_else(|e| e.into_inner());
    lab_up();
    clean_slate();
    let inv = write_temp("secure.toml", &inventory("512m"));
    let inv_s = path_str(&inv).to_string();
    let secret_file = inv.with_file_name("secure.secret");
    let _ = std::fs::remove_file(&secret_file);

    // 0. Mistakes stop the run in preflight, before anything changes: a
    //    service user that does not exist; run_as without root.
    let bad = write_temp(
        "nouser.toml",
        &inventory("512m").replace("run_as = \"spark\"", "run_as = \"nosuchuser\""),
    );
    let out = sparkctl(&["deploy", path_str(&bad)]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("host hosta: user `nosuchuser` (run_as) does not exist")
            && err.contains("useradd --system")
            && err.contains("nothing was changed on any host"),
        "{}",
        err
    );
    let bad = write_temp(
        "nosudo.toml",
        &inventory("512m").replace("sudo = true", "sudo = false"),
    );
    let out = sparkctl(&["deploy", path_str(&bad)]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("`run_as = \"spark\"` needs root")
            && err.contains("set `sudo = true` in [ssh]"),
        "{}",
        err
    );
    for (h, _) in HOSTS {
        assert!(
            !ssh(h, "test -e /opt/spark").status.success(),
            "{} was changed although preflight failed",
            h
        );
    }

    // 1. Fresh deploy as sparkops via sudo; the secret is generated. With
    //    -vv: every step's whole script is traced, the one that writes the
    //    secret file too, and the secret is in none of it (src/trace.rs).
    let t0 = std::time::Instant::now();
    let out = sparkctl(&["-vv", "deploy", &inv_s]);
    assert_eq!(out.status.code(), Some(0), "deploy failed");
    measured(
        "fresh HA deploy with sudo + run_as + authenticate, 3 hosts",
        t0.elapsed().as_secs_f64(),
    );
    assert_healthy_ha();
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(&secret_file).expect("the secret was generated");
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let secret = std::fs::read_to_string(&secret_file)
        .unwrap()
        .trim()
        .to_string();
    assert_eq!(secret.len(), 64);
    assert_no_secret("deploy -vv", &out, &secret);
    assert!(text(&out.stderr).contains("generated the cluster's secret"));
    let traces = text(&out.stderr);
    assert!(
        traces.contains("step=\"write config files\"") && traces.contains("sudo -n -- sh -c"),
        "-vv traced no write step: {}",
        traces
    );
    // Root logs in (through sudo), but the daemons run as spark: no warning.
    assert!(
        !text(&out.stdout).contains("Warning:"),
        "{}",
        text(&out.stdout)
    );

    // 2. On every host: daemons run as spark, files are owned as promised,
    //    the secret is nowhere but its file.
    let spark_uid = text(&ssh("hosta", "id -u spark").stdout).trim().to_string();
    for (h, _) in HOSTS {
        let procs = jvms(h);
        assert!(!procs.is_empty(), "{}: no JVM", h);
        for (pid, class) in procs {
            let uid = text(
                &ssh(
                    h,
                    &format!("awk '/^Uid:/ {{print $2}}' /proc/{}/status", pid),
                )
                .stdout,
            );
            assert_eq!(
                uid.trim(),
                spark_uid,
                "{}: {} runs as uid {}",
                h,
                class,
                uid
            );
        }
        let ls = text(
            &ssh(
                h,
                "stat -c '%n %a %U' /opt/spark/.sparkctl/spark-daemon.conf /var/lib/zookeeper /opt/spark/logs /opt/spark/work /opt/spark/current/conf/spark-defaults.conf",
            )
            .stdout,
        );
        for want in [
            "/opt/spark/.sparkctl/spark-daemon.conf 600 spark",
            "/var/lib/zookeeper 750 spark",
            "/opt/spark/logs 750 spark",
            "/opt/spark/work 750 spark",
            "/opt/spark/current/conf/spark-defaults.conf 644 root",
        ] {
            assert!(ls.contains(want), "{}: expected `{}` in\n{}", h, want, ls);
        }
        let found = ssh(
            h,
            &format!(
                "grep -rl {s} /opt/spark/logs /opt/zookeeper/logs /opt/spark/current/conf /var/lib/zookeeper 2>/dev/null; for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline 2>/dev/null | grep -q {s} && [ $p != /proc/$$ ] && echo \"cmdline of ${{p#/proc/}}\"; done; true",
                s = &secret[..32]
            ),
        );
        let found = text(&found.stdout);
        assert!(
            found.trim().is_empty(),
            "{}: the secret is readable in: {}",
            h,
            found
        );
    }

    // 3. An application with the secret runs; without it, it is refused at
    //    once; with a wrong one, the masters do not let it register.
    let put = ssh(
        "hosta",
        &format!("cat > /tmp/auth-job.py <<'EOF'\n{}\nEOF", JOB),
    );
    assert!(put.status.success());
    let (ok, _) = submit(
        "--properties-file /opt/spark/.sparkctl/spark-daemon.conf",
        120,
    );
    assert!(ok.contains("RESULT sum=333833500"), "{}", ok);
    let (none, _) = submit("", 60);
    assert!(
        none.contains("A secret key must be specified via the spark.authenticate.secret config"),
        "{}",
        none
    );
    let (wrong, _) = submit("--conf spark.authenticate.secret=0123456789abcdef0123", 20);
    assert!(!wrong.contains("RESULT"), "{}", wrong);
    assert!(
        wrong.contains("exit=124") || wrong.contains("bootstrapping"),
        "{}",
        wrong
    );

    // 3b. Application code runs as the service user, which owns the
    //     ZooKeeper data dir: a symlink planted where sparkctl writes myid
    //     must not make a root write land elsewhere.
    let plant = ssh(
        "hosta",
        "printf orig > /opt/victim && chmod 600 /opt/victim && runuser -u spark -- sh -c 'ln -sfn /opt/victim /var/lib/zookeeper/myid.sparkctl-tmp && echo 9 > /var/lib/zookeeper/myid'",
    );
    assert!(plant.status.success(), "{}", text(&plant.stderr));
    let out = sparkctl(&["deploy", &inv_s]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "deploy after the planted symlink"
    );
    let after = text(
        &ssh(
            "hosta",
            "stat -c '%U %a' /opt/victim; cat /opt/victim; echo; cat /var/lib/zookeeper/myid; stat -c %U /var/lib/zookeeper/myid",
        )
        .stdout,
    );
    assert_eq!(after, "root 600\norig\n1\nspark\n", "{}", after);
    assert_healthy_ha();

    // 4. A re-run changes nothing and still prints no secret.
    let t0 = std::time::Instant::now();
    let out = sparkctl(&["deploy", &inv_s]);
    assert_eq!(out.status.code(), Some(0));
    measured(
        "no-op re-deploy with sudo + run_as + authenticate",
        t0.elapsed().as_secs_f64(),
    );
    assert_eq!(
        text(&out.stdout).matches("no changes").count(),
        3,
        "{}",
        text(&out.stdout)
    );
    assert_no_secret("re-deploy", &out, &secret);

    // 5. A change to a Spark default rewrites the daemons' properties file:
    //    the dry run diffs spark-defaults.conf but never shows the secret file.
    let changed = write_temp("secure.toml", &inventory("600m"));
    let out = sparkctl(&["deploy", "--dry-run", path_str(&changed)]);
    assert_eq!(out.status.code(), Some(0));
    let o = text(&out.stdout);
    assert!(o.contains("+spark.executor.memory 600m"), "{}", o);
    assert!(
        o.contains("holds the authentication secret: contents not shown"),
        "{}",
        o
    );
    assert_no_secret("deploy --dry-run", &out, &secret);
    // The same as JSON: the secret file is a write without a diff.
    let out = sparkctl(&["-vv", "deploy", "--dry-run", "--json", path_str(&changed)]);
    assert_eq!(out.status.code(), Some(0));
    assert_no_secret("-vv deploy --dry-run --json", &out, &secret);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("dry-run JSON");
    let secret_writes: Vec<&serde_json::Value> = v["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|h| h["steps"].as_array().unwrap())
        .filter(|s| s["step"] == "write" && s["secret"] == true)
        .collect();
    assert!(!secret_writes.is_empty(), "{}", v);
    assert!(secret_writes.iter().all(|s| s["diff"].is_null()), "{}", v);
    // Back to the deployed inventory for the rest.
    write_temp("secure.toml", &inventory("512m"));

    // 6. The secret file lost on this machine while the hosts have one: no
    //    new secret is made (it would cut off running applications).
    let kept = inv.with_file_name("kept.secret");
    std::fs::rename(&secret_file, &kept).unwrap();
    let out = sparkctl(&["deploy", &inv_s]);
    assert_eq!(out.status.code(), Some(1), "deploy must refuse");
    let err = text(&out.stderr);
    assert!(
        err.contains("already have the cluster's secret") && err.contains("nothing was changed"),
        "{}",
        err
    );
    assert!(!secret_file.exists(), "no new secret may be written");
    std::fs::rename(&kept, &secret_file).unwrap();
    let out = sparkctl(&["status", &inv_s]);
    assert_eq!(out.status.code(), Some(0));
    assert_no_secret("status", &out, &secret);

    // Leave the lab as the other suites expect it: no daemons of this run.
    let out = sparkctl(&["stop", &inv_s]);
    assert_eq!(out.status.code(), Some(0));
}
