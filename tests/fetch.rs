//! `fetch = "hosts"` end to end on the lab: a mirror (python3's http.server)
//! runs inside hostc's network namespace and serves the lab's tarballs; every
//! host downloads them itself and verifies the checksum on the host. Checks:
//! the cluster comes up healthy, almost none of the tarball bytes cross the
//! operator's side of the lab bridge, a re-run changes nothing, and a wrong
//! sha256 is refused on the host with nothing left behind or put in use.
//!
//! Needs root (CI runs as root). It never skips: without a lab it fails.

mod common;
use common::*;
use std::process::{Child, Command, Stdio};

const DIST: &str = "/var/cache/sparkctl-lab/dist";
const SPARK: &str = "spark-4.3.0-bin-pyspark.tar";
const ZK: &str = "zookeeper-3.8.0-bin.tar.gz";
/// The mirror: hostc's address, a port no daemon of the lab uses.
const MIRROR: &str = "10.213.37.13:8099";

/// The mirror process; killed (by its pid) when the test ends, even on panic.
struct Mirror(Child);
impl Drop for Mirror {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_mirror(dir: &std::path::Path) -> Mirror {
    let (ip, port) = MIRROR.split_once(':').unwrap();
    let child = Command::new("ip")
        .args([
            "netns",
            "exec",
            "sparklab-hostc",
            "python3",
            "-m",
            "http.server",
        ])
        .args([port, "--bind", ip, "--directory"])
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("run ip netns exec ... python3 -m http.server (needs iproute2 and python3)");
    let m = Mirror(child);
    let up = eventually(15, || {
        std::net::TcpStream::connect_timeout(
            &MIRROR.parse().unwrap(),
            std::time::Duration::from_secs(1),
        )
        .is_ok()
    });
    assert!(up, "the mirror on {} did not start", MIRROR);
    m
}

fn digest(algo: &str, path: &str) -> String {
    let out = Command::new(format!("{}sum", algo))
        .arg(path)
        .output()
        .unwrap();
    assert!(out.status.success());
    text(&out.stdout)[..if algo == "sha256" { 64 } else { 128 }].to_string()
}

/// Bytes the operator has sent into the lab network so far. Traffic between
/// two lab hosts is forwarded by the bridge between its ports and never
/// counted here.
fn operator_tx() -> u64 {
    std::fs::read_to_string("/sys/class/net/sparklab0/statistics/tx_bytes")
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn hosts_fetch_from_a_mirror_and_verify_on_the_host() {
    let _g = LAB.lock().unwrap_or_else(|e| e.into_inner());
    lab_up();
    for (h, _) in HOSTS {
        ssh(
            h,
            "pkill -9 java; rm -rf /opt/spark /opt/zookeeper /var/lib/zookeeper/*; true",
        );
    }
    // The mirror's directory: the lab's tarballs, plus the Spark one under
    // a second (newer-looking) name for the wrong-checksum case below.
    let mirror_dir = std::env::temp_dir().join(format!("sparkctl-mirror-{}", std::process::id()));
    std::fs::create_dir_all(&mirror_dir).unwrap();
    for (name, target) in [
        (SPARK, SPARK),
        (ZK, ZK),
        ("spark-4.3.1-bin-pyspark.tar", SPARK),
    ] {
        let link = mirror_dir.join(name);
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(format!("{}/{}", DIST, target), &link).unwrap();
    }
    let _mirror = start_mirror(&mirror_dir);

    let spark_sha256 = digest("sha256", &format!("{}/{}", DIST, SPARK));
    let zk_sha512 = digest("sha512", &format!("{}/{}", DIST, ZK));
    let inventory = |spark_name: &str, spark_sum: &str| {
        lab_inventory()
            .replace(
                &format!("tarball = \"{}/{}\"", DIST, SPARK),
                &format!(
                    "url = \"http://{}/{}\"\nsha256 = \"{}\"\nfetch = \"hosts\"",
                    MIRROR, spark_name, spark_sum
                ),
            )
            .replace(
                &format!("tarball = \"{}/{}\"", DIST, ZK),
                &format!(
                    "url = \"http://{}/{}\"\nsha512 = \"{}\"\nfetch = \"hosts\"",
                    MIRROR, ZK, zk_sha512
                ),
            )
    };
    let inv = write_temp("fetch.toml", &inventory(SPARK, &spark_sha256));
    let inv = path_str(&inv);

    // --dry-run shows who downloads what.
    let out = sparkctl(&["deploy", inv, "--dry-run"]);
    assert_eq!(out.status.code(), Some(0));
    let plan = text(&out.stderr) + &text(&out.stdout);
    assert!(
        plan.contains(&format!("fetch http://{}/{} on the host", MIRROR, SPARK)),
        "{}",
        plan
    );

    // 1. Fresh deploy: every host downloads from the mirror.
    let tx0 = operator_tx();
    let t0 = std::time::Instant::now();
    let out = sparkctl(&["deploy", inv]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "deploy with fetch = \"hosts\" failed"
    );
    measured(
        "fresh HA deploy, 3 hosts, fetch = \"hosts\" from a mirror on hostc",
        t0.elapsed().as_secs_f64(),
    );
    let sent = operator_tx() - tx0;
    eprintln!("operator -> lab bytes during the deploy: {}", sent);
    assert!(
        sent < 50 << 20,
        "{} bytes crossed the operator's link: the tarballs were pushed, not fetched",
        sent
    );
    assert!(
        text(&out.stdout).contains("fetched by the host")
            || text(&out.stderr).contains("fetch spark-4.3.0-bin-pyspark.tar")
    );
    let kept = ssh(
        "hosta",
        &format!(
            "sha256sum < /opt/spark/.sparkctl/dist/{}; ls /opt/spark/.sparkctl/dist",
            SPARK
        ),
    );
    let kept = text(&kept.stdout);
    assert!(kept.starts_with(&spark_sha256), "{}", kept);
    assert!(
        !kept.contains(".part."),
        "a temp download was left: {}",
        kept
    );

    // 2. Re-run: nothing fetched, written or restarted.
    let before: Vec<_> = HOSTS.iter().map(|(h, _)| jvms(h)).collect();
    let out = sparkctl(&["deploy", inv]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    assert_no_changes(&stdout);
    assert_eq!(
        before,
        HOSTS.iter().map(|(h, _)| jvms(h)).collect::<Vec<_>>()
    );

    // 3. A wrong sha256: each host downloads, refuses and deletes it; the
    // error names the host, the URL, the expected and the actual sum; the
    // running cluster and its `current` links are untouched.
    let wrong = "0".repeat(64);
    let bad = write_temp(
        "fetch-wrong.toml",
        &inventory("spark-4.3.1-bin-pyspark.tar", &wrong),
    );
    let out = sparkctl(&["deploy", path_str(&bad)]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("hosta"), "{}", err);
    assert!(
        err.contains(&format!(
            "the download of http://{}/spark-4.3.1-bin-pyspark.tar does not match its checksum: sha256 {}, expected {}",
            MIRROR, spark_sha256, wrong
        )),
        "{}",
        err
    );
    for (h, _) in HOSTS {
        let left = text(
            &ssh(
                h,
                "ls -a /opt/spark /opt/spark/.sparkctl/dist; readlink /opt/spark/current",
            )
            .stdout,
        );
        assert!(
            !left.contains("4.3.1"),
            "{} kept something of the bad download: {}",
            h,
            left
        );
        assert!(
            left.trim_end().ends_with("spark-4.3.0-bin-pyspark"),
            "{}: {}",
            h,
            left
        );
    }
    assert_eq!(
        before,
        HOSTS.iter().map(|(h, _)| jvms(h)).collect::<Vec<_>>(),
        "a refused download restarted a daemon"
    );
    let out = sparkctl(&["status", inv]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "the cluster is not healthy any more"
    );
    drop(_mirror);
    std::fs::remove_dir_all(&mirror_dir).unwrap();
}
