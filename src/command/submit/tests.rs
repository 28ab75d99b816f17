use super::argv::*;
use super::driver::*;
use crate::inventory::Cluster;

fn cluster(extra_spark: &str) -> Cluster {
    let text = format!(
        r#"[cluster]
name = "t"
ha = "zookeeper"
[spark]
tarball = "/tmp/spark-4.3.0-bin-hadoop3.tgz"
{}
[zookeeper]
tarball = "/tmp/zookeeper-3.8.0-bin.tar.gz"
[[host]]
name = "m1"
roles = ["zookeeper", "master", "worker"]
[[host]]
name = "m2"
roles = ["zookeeper", "master", "worker"]
[[host]]
name = "z3"
roles = ["zookeeper"]
"#,
        extra_spark
    );
    crate::inventory::parse(std::path::Path::new("t.toml"), &text).expect("a valid inventory")
}

fn words(s: &[&str]) -> Vec<String> {
    s.iter().map(|w| w.to_string()).collect()
}

#[test]
fn master_url_for_each_mode_and_rest_setting() {
    let plain = cluster("");
    assert_eq!(
        master_url(&plain, DeployMode::Client),
        ("spark://m1:7077,m2:7077".into(), Gateway::Driver)
    );
    assert_eq!(
        master_url(&plain, DeployMode::Cluster),
        ("spark://m1:7077,m2:7077".into(), Gateway::Rpc)
    );
    // REST on, no filter: spark-submit's REST client can use it.
    let rest = cluster("rest = true");
    assert_eq!(
        master_url(&rest, DeployMode::Cluster),
        ("spark://m1:6066,m2:6066".into(), Gateway::Rest)
    );
    assert_eq!(master_url(&rest, DeployMode::Client).1, Gateway::Driver);
    // Behind the JWS filter spark-submit cannot send a token: RPC.
    let signed = cluster("rest = true\nauthenticate = true");
    assert_eq!(
        master_url(&signed, DeployMode::Cluster),
        ("spark://m1:7077,m2:7077".into(), Gateway::Rpc)
    );
}

#[test]
fn finds_the_application_past_option_values() {
    let p = parse(&words(&[
        "--class",
        "a.B",
        "--conf",
        "x=y.py",
        "--name=n.py",
        "-v",
        "--supervise",
        "app.jar",
        "--master",
        "z.py",
    ]));
    assert_eq!(p.app.as_deref(), Some("app.jar"));
    // The application's own arguments are its business.
    assert!(p.owned.is_empty());
    let p = parse(&words(&["--master=spark://x:1", "job.py"]));
    assert_eq!(p.owned, vec!["--master"]);
    assert_eq!(p.app.as_deref(), Some("job.py"));
    assert_eq!(parse(&words(&["--class", "X"])).app, None);
    assert!(parse(&words(&["--properties-file", "f", "a.jar"])).properties_file);
}

#[test]
fn refusals() {
    let c = |a: &[&str], m| check(&parse(&words(a)), m).map_err(|e| e.0);
    assert!(
        c(&["--master", "spark://x:7077", "a.jar"], DeployMode::Client)
            .unwrap_err()
            .starts_with("error: `--master` is not a spark-submit argument sparkctl passes on")
    );
    assert!(c(&["--deploy-mode", "cluster", "a.jar"], DeployMode::Client).is_err());
    assert!(c(&[], DeployMode::Client)
        .unwrap_err()
        .starts_with("error: no application to submit"));
    assert!(c(&["job.py"], DeployMode::Client).is_ok());
    assert!(c(&["job.py"], DeployMode::Cluster).unwrap_err().starts_with(
        "error: Cluster deploy mode is currently not supported for python applications on standalone clusters."
    ));
    assert!(c(&["job.R"], DeployMode::Cluster)
        .unwrap_err()
        .contains("not supported for R applications"));
    assert!(c(&["--class", "X", "a.jar"], DeployMode::Cluster).is_ok());
}

#[test]
fn the_command_line() {
    let argv = command(
        "/opt/spark/current",
        "spark://m1:7077",
        DeployMode::Cluster,
        Gateway::Rpc,
        Some("/opt/spark/.sparkctl/spark-daemon.conf"),
        &words(&["--class", "X", "a.jar", "1"]),
    );
    assert_eq!(
        argv,
        words(&[
            "/opt/spark/current/bin/spark-submit",
            "--master",
            "spark://m1:7077",
            "--deploy-mode",
            "cluster",
            "--conf",
            "spark.master.rest.enabled=false",
            "--properties-file",
            "/opt/spark/.sparkctl/spark-daemon.conf",
            "--class",
            "X",
            "a.jar",
            "1"
        ])
    );
    assert_eq!(
        crate::steps::spark_submit(&argv[..3], None, None),
        "exec /opt/spark/current/bin/spark-submit --master spark://m1:7077\n"
    );
    assert!(
        crate::steps::spark_submit(&argv[..1], Some("spark"), None).contains("runuser -u spark --")
    );
}

/// Hostile arguments reach the program as the very words given: the
/// script is run by a real sh, with `printf` standing in for spark-submit.
#[test]
fn hostile_arguments_arrive_unchanged() {
    let hostile = words(&[
        "printf",
        "[%s]",
        "a b",
        "it's",
        "$(touch /tmp/sparkctl-pwned)",
        "`id`",
        "x;y",
        "a\nb",
        "*",
        "\"q\"",
        "--conf",
        "k=v w",
        "",
    ]);
    let script = crate::steps::spark_submit(&hostile, None, None);
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(&script)
        .output()
        .unwrap();
    let want: String = hostile[2..].iter().map(|w| format!("[{}]", w)).collect();
    assert_eq!(String::from_utf8_lossy(&out.stdout), want);
}

#[test]
fn driver_requests_and_answers() {
    assert!(valid_id("driver-20261203172233-0000"));
    assert!(!valid_id("driver-1 HTTP/1.0\r\nX: y"));
    assert!(!valid_id("../x"));
    assert!(!valid_id(""));
    let c = cluster("rest = true");
    let m1 = c.host("m1").unwrap();
    assert_eq!(
        request(Action::Status, "driver-1-0000", m1, None),
        "GET /v1/submissions/status/driver-1-0000 HTTP/1.0\r\nHost: m1:6066\r\nAccept: application/json\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    assert!(request(Action::Kill, "driver-1-0000", m1, Some("T"))
        .starts_with("POST /v1/submissions/kill/driver-1-0000 HTTP/1.0\r\n"));
    assert!(request(Action::Kill, "d", m1, Some("T")).contains("\r\nAuthorization: Bearer T\r\n"));

    let done = r#"{"action":"SubmissionStatusResponse","driverState":"FINISHED","success":true,"submissionId":"driver-1"}"#;
    assert_eq!(
        parse_answer(Action::Status, done),
        Ok(Answer::Done("FINISHED".into()))
    );
    let standby = r#"{"action":"SubmissionStatusResponse","success":false,"message":"Exception from the cluster:\njava.lang.Exception: Current state is not alive: STANDBY"}"#;
    assert_eq!(
        parse_answer(Action::Status, standby),
        Ok(Answer::Declined(
            "Exception from the cluster: java.lang.Exception: Current state is not alive: STANDBY"
                .into()
        ))
    );
    let killed = r#"{"action":"KillSubmissionResponse","message":"Kill request for driver-1 submitted","success":true}"#;
    assert_eq!(
        parse_answer(Action::Kill, killed),
        Ok(Answer::Done("Kill request for driver-1 submitted".into()))
    );
    assert!(parse_answer(Action::Status, "<html>").is_err());
    assert_eq!(http_status("HTTP/1.1 403 Forbidden\r\n\r\n"), Some(403));
}

/// Cluster mode: the driver must not inherit the submitting host's
/// address. The script reads spark-env.sh as spark-submit would (its other
/// settings stay), drops SPARK_LOCAL_HOSTNAME/SPARK_LOCAL_IP, and marks
/// the file read; run by a real sh with a stand-in for spark-submit.
#[test]
fn cluster_mode_drops_the_hosts_own_address() {
    let dir = std::env::temp_dir().join(format!("sparkctl-submit-env-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("spark-env.sh"),
        "export SPARK_LOCAL_HOSTNAME=10.0.0.1\nSPARK_LOCAL_IP=10.0.0.1\nSPARK_LOG_DIR=/var/log/x\n",
    )
    .unwrap();
    let conf = dir.to_str().unwrap();
    let probe = words(&[
        "sh",
        "-c",
        "echo \"[${SPARK_LOCAL_HOSTNAME-unset}][${SPARK_LOCAL_IP-unset}][$SPARK_LOG_DIR][$SPARK_ENV_LOADED][$SPARK_CONF_DIR]\"",
    ]);
    let run = |script: String| {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(script)
            .env_remove("SPARK_ENV_LOADED")
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let cluster = run(crate::steps::spark_submit(&probe, None, Some(conf)));
    let client = run(crate::steps::spark_submit(&probe, None, None));
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(
        cluster,
        format!("[unset][unset][/var/log/x][1][{}]\n", conf)
    );
    // Client mode leaves spark-env.sh to spark-submit, as before.
    assert_eq!(client, "[unset][unset][][][]\n");
}
