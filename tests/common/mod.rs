//! Helpers shared by the integration tests: run the built binary, bring up
//! the lab, and look at lab hosts *independently of sparkctl's own code*
//! (plain TCP for ZooKeeper's srvr and the master's /json/, plain ssh for
//! processes), so a bug in sparkctl's health checks cannot hide itself.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;
use std::time::Duration;

pub const LAB_STATE: &str = "/run/sparkctl-lab";
pub const HOSTS: [(&str, &str); 3] = [
    ("hosta", "10.213.37.11"),
    ("hostb", "10.213.37.12"),
    ("hostc", "10.213.37.13"),
];

/// Lab tests share three hosts: one at a time.
pub static LAB: Mutex<()> = Mutex::new(());

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn sparkctl(args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_sparkctl"))
        .args(args)
        .env("SPARKCTL_PLAIN", "1")
        .output()
        .expect("run sparkctl");
    eprintln!(
        "$ sparkctl {}\n--- exit {:?}\n--- stdout\n{}--- stderr\n{}",
        args.join(" "),
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Build the distributions and bring up 3 lab hosts. Panics (fails the
/// test) when that is impossible: a skipped end-to-end test is a failed one.
pub fn lab_up() {
    let lab = root().join("lab/lab");
    let build = Command::new(&lab)
        .arg("build")
        .output()
        .expect("run lab/lab build");
    assert!(
        build.status.success(),
        "lab/lab build failed (lab tests need root):\n{}",
        text(&build.stderr)
    );
    let up = Command::new(&lab)
        .args(["up", "3"])
        .output()
        .expect("run lab/lab up");
    assert!(
        up.status.success(),
        "lab/lab up 3 failed (lab tests need root, iproute2 and openssh-server):\n{}",
        text(&up.stderr)
    );
}

/// Nothing of a previous run on any lab host: no JVM, no install, no
/// ZooKeeper data, no job output, no lock.
pub fn clean_slate() {
    for (h, _) in HOSTS {
        ssh(
            h,
            "pkill -9 java; rm -rf /opt/spark /opt/zookeeper /var/lib/zookeeper/* /tmp/*.out /run/lock/sparkctl.*; true",
        );
    }
}

/// Run a command on a lab host with plain ssh.
pub fn ssh(host: &str, cmd: &str) -> Output {
    Command::new("ssh")
        .args(["-F", &format!("{}/ssh_config", LAB_STATE), host, cmd])
        .output()
        .expect("run ssh")
}

/// Java processes on a host: (pid, main class), read from /proc.
pub fn jvms(host: &str) -> Vec<(u32, String)> {
    // Match on the executable, not the command line (this very script mentions java).
    let out = ssh(host, "for p in /proc/[0-9]*; do case \"$(readlink $p/exe 2>/dev/null)\" in */java) echo \"${p#/proc/} $(tr '\\0' ' ' < $p/cmdline)\";; esac; done");
    text(&out.stdout)
        .lines()
        .filter_map(|l| {
            let (pid, cmd) = l.split_once(' ')?;
            let class = [
                "deploy.master.Master",
                "deploy.worker.Worker",
                "QuorumPeerMain",
                // Before SparkSubmit: the Connect server is a spark-submit.
                "sql.connect.service.SparkConnectServer",
                "SparkSubmit",
                "CoarseGrainedExecutorBackend",
                "deploy.history.HistoryServer",
            ]
            .iter()
            .find(|c| cmd.contains(*c))
            .map(|c| c.to_string())
            .unwrap_or_else(|| "other".into());
            Some((pid.parse().ok()?, class))
        })
        .collect()
}

fn exchange(addr: &str, port: u16, req: &[u8]) -> Option<String> {
    let mut s = TcpStream::connect_timeout(
        &format!("{}:{}", addr, port).parse().ok()?,
        Duration::from_secs(2),
    )
    .ok()?;
    s.set_read_timeout(Some(Duration::from_secs(3))).ok()?;
    s.write_all(req).ok()?;
    let mut buf = String::new();
    s.read_to_string(&mut buf).ok()?;
    Some(buf)
}

/// ZooKeeper `srvr` Mode line, read with our own socket.
pub fn zk_mode(addr: &str) -> String {
    exchange(addr, 2181, b"srvr")
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("Mode: ").map(str::to_string))
        })
        .unwrap_or_else(|| "none".into())
}

/// ZooKeeper's answer to a four-letter word on `addr`:2181 (empty when the
/// server closes the connection without one).
pub fn zk_word(addr: &str, word: &str) -> Option<String> {
    exchange(addr, 2181, word.as_bytes())
}

/// A master's /json/ as a serde_json value.
pub fn master_json(addr: &str) -> Option<serde_json::Value> {
    let t = exchange(
        addr,
        8080,
        format!("GET /json/ HTTP/1.0\r\nHost: {}\r\n\r\n", addr).as_bytes(),
    )?;
    let body = t.split_once("\r\n\r\n")?.1;
    serde_json::from_str(body).ok()
}

/// A history server's `GET /api/v1/applications` at `addr`:`port`, with
/// our own socket: `Some(array)` only for HTTP 200 and a JSON array.
pub fn history_applications(addr: &str, port: u16) -> Option<Vec<serde_json::Value>> {
    let t = exchange(
        addr,
        port,
        format!(
            "GET /api/v1/applications HTTP/1.0\r\nHost: {}:{}\r\n\r\n",
            addr, port
        )
        .as_bytes(),
    )?;
    let (head, body) = t.split_once("\r\n\r\n")?;
    if head.lines().next()?.split_whitespace().nth(1)? != "200" {
        return None;
    }
    serde_json::from_str::<serde_json::Value>(body)
        .ok()?
        .as_array()
        .cloned()
}

/// Wait up to `secs` for `f` to hold.
pub fn eventually(secs: u64, mut f: impl FnMut() -> bool) -> bool {
    let t0 = std::time::Instant::now();
    while t0.elapsed() < Duration::from_secs(secs) {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    false
}

/// Write `text` to a fresh file in a per-test temp dir and return its path.
pub fn write_temp(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sparkctl-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

pub fn lab_inventory() -> String {
    std::fs::read_to_string(root().join("inventories/lab.toml")).unwrap()
}

pub fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Record a measurement; scripts/test.sh prints them after the run.
pub fn measured(what: &str, secs: f64) {
    use std::io::Write;
    let line = format!("{}: {:.2} s", what, secs);
    eprintln!("MEASURED {}", line);
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(root().join("target/lab-measurements.txt"))
    {
        let _ = writeln!(f, "{}", line);
    }
}

/// The healthy HA shape, seen with the test's own probes (not sparkctl's):
/// among the ZooKeeper servers at `zk`, one leader and the rest followers;
/// one ALIVE and one STANDBY master (hosta, hostb); each worker at
/// `workers` registered ALIVE with the ALIVE master, 2 cores, `memory` MiB.
pub fn healthy_shape(zk: &[&str], workers: &[&str], memory: u64) -> bool {
    let modes: Vec<String> = zk.iter().map(|a| zk_mode(a)).collect();
    let leaders = modes.iter().filter(|m| *m == "leader").count();
    let followers = modes.iter().filter(|m| *m == "follower").count();
    let ms = [master_json(HOSTS[0].1), master_json(HOSTS[1].1)];
    let statuses: Vec<String> = ms
        .iter()
        .map(|j| {
            j.as_ref()
                .and_then(|j| j["status"].as_str().map(str::to_string))
                .unwrap_or_default()
        })
        .collect();
    let alive = ms.iter().flatten().find(|j| j["status"] == "ALIVE");
    let registered: Vec<&str> = workers
        .iter()
        .filter(|a| {
            alive.is_some_and(|j| {
                j["workers"].as_array().unwrap().iter().any(|w| {
                    w["host"] == **a
                        && w["state"] == "ALIVE"
                        && w["cores"] == 2
                        && w["memory"] == memory
                })
            })
        })
        .copied()
        .collect();
    eprintln!(
        "zk {:?}, masters {:?}, workers with {} MiB: {:?}",
        modes, statuses, memory, registered
    );
    leaders == 1
        && followers + 1 == zk.len()
        && statuses.iter().filter(|s| *s == "ALIVE").count() == 1
        && statuses.iter().filter(|s| *s == "STANDBY").count() == 1
        && registered.len() == workers.len()
}

pub fn assert_healthy_shape(zk: &[&str], workers: &[&str], memory: u64) {
    assert!(
        eventually(60, || healthy_shape(zk, workers, memory)),
        "the cluster is not in the healthy HA shape (see the lines above)"
    );
}

/// Every lab host's address.
pub const ALL: [&str; 3] = ["10.213.37.11", "10.213.37.12", "10.213.37.13"];

/// The whole lab in the healthy HA shape with the lab inventory's workers
/// (3 servers, 3 workers of 1024 MiB).
pub fn assert_healthy_ha() {
    assert_healthy_shape(&ALL, &ALL, 1024);
}

/// Every lab host reported "no changes" by a deploy.
pub fn assert_no_changes(stdout: &str) {
    for (h, _) in HOSTS {
        assert!(
            stdout.contains(&format!("  {}  no changes", h)),
            "{} changed on re-deploy:\n{}",
            h,
            stdout
        );
    }
}

/// What a sampler saw while a command ran: the longest stretch and the
/// number of stretches with fewer than 2 of the 3 ZooKeeper servers serving,
/// and the longest stretch with no ALIVE master (hosta, hostb).
pub struct Gaps {
    pub quorum_gap: f64,
    pub quorum_episodes: u32,
    pub master_gap: f64,
}

/// Run `f` while sampling ZooKeeper and the masters every 100 ms with the
/// test's own probes.
pub fn sampled<T>(f: impl FnOnce() -> T) -> (T, Gaps) {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::time::Instant;
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut g = Gaps {
                quorum_gap: 0.0,
                quorum_episodes: 0,
                master_gap: 0.0,
            };
            let (mut no_quorum_since, mut no_master_since): (Option<Instant>, Option<Instant>) =
                (None, None);
            while !stop.load(Ordering::Relaxed) {
                let serving = HOSTS
                    .iter()
                    .filter(|(_, a)| matches!(zk_mode(a).as_str(), "leader" | "follower"))
                    .count();
                let now = Instant::now();
                if serving >= 2 {
                    no_quorum_since = None
                } else if no_quorum_since.is_none() {
                    no_quorum_since = Some(now);
                    g.quorum_episodes += 1;
                }
                let alive = HOSTS[..2]
                    .iter()
                    .any(|(_, a)| master_json(a).is_some_and(|j| j["status"] == "ALIVE"));
                if alive {
                    no_master_since = None
                } else {
                    no_master_since.get_or_insert(now);
                }
                let since =
                    |t: Option<Instant>| t.map(|t| t.elapsed().as_secs_f64()).unwrap_or(0.0);
                g.quorum_gap = g.quorum_gap.max(since(no_quorum_since));
                g.master_gap = g.master_gap.max(since(no_master_since));
                std::thread::sleep(Duration::from_millis(100));
            }
            g
        })
    };
    let out = f();
    stop.store(true, Ordering::Relaxed);
    (out, sampler.join().unwrap())
}

/// The first `driver-<digits>-<digits>` in `s` (what spark-submit logs for
/// a cluster-mode submission, RPC or REST).
pub fn driver_id(s: &str) -> Option<String> {
    s.match_indices("driver-").find_map(|(i, _)| {
        let id: String = s[i..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        let parts: Vec<&str> = id.split('-').collect();
        (parts.len() == 3
            && parts[1..]
                .iter()
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit())))
        .then_some(id)
    })
}

/// The driver's stdout on whichever worker ran it.
pub fn driver_stdout(id: &str) -> String {
    HOSTS
        .iter()
        .map(|(h, _)| {
            text(
                &ssh(
                    h,
                    &format!("cat /opt/spark/work/{}/stdout 2>/dev/null; true", id),
                )
                .stdout,
            )
        })
        .collect()
}

pub fn put(host: &str, path: &str, content: &str) {
    let o = ssh(
        host,
        &format!(
            "mkdir -p \"$(dirname {p})\" && cat > {p} <<'EOF'\n{c}\nEOF",
            p = path,
            c = content
        ),
    );
    assert!(o.status.success(), "{}: cannot write {}", host, path);
}
