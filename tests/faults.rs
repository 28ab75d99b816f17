//! Faults on real lab hosts, each ending with a plain re-run that must
//! converge to a healthy cluster (issue #4):
//! disk too small, Ctrl-C mid-upload, SIGKILL mid-unpack, link cut
//! mid-upload, host crash (sshd and everything gone) mid-upload, a corrupt
//! tarball already on a host, a daemon that cannot start (its log shown),
//! a port taken by a foreign process. Needs root; never skips.

mod common;
use common::*;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const TREE: &str = "/opt/spark/spark-4.3.0-bin-pyspark";

fn inv() -> String {
    common::root()
        .join("inventories/lab.toml")
        .to_str()
        .unwrap()
        .to_string()
}

/// Start `sparkctl deploy` in the background; stderr lines arrive on the channel.
fn spawn_deploy(inventory: &str) -> (Child, mpsc::Receiver<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sparkctl"))
        .args(["deploy", inventory])
        .env("SPARKCTL_PLAIN", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let err = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            eprintln!("  | {}", line);
            let _ = tx.send(line);
        }
    });
    (child, rx)
}

/// Wait for a stderr line containing all of `parts`; returns everything seen.
fn wait_line(rx: &mpsc::Receiver<String>, parts: &[&str], secs: u64) -> Vec<String> {
    let t0 = Instant::now();
    let mut seen = Vec::new();
    while t0.elapsed() < Duration::from_secs(secs) {
        if let Ok(l) = rx.recv_timeout(Duration::from_millis(200)) {
            let hit = parts.iter().all(|p| l.contains(p));
            seen.push(l);
            if hit {
                return seen;
            }
        }
    }
    panic!(
        "no line with {:?} within {} s; saw:\n{}",
        parts,
        secs,
        seen.join("\n")
    );
}

fn wait_exit(child: &mut Child, secs: u64) -> Option<i32> {
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_secs(secs) {
        if let Some(st) = child.try_wait().unwrap() {
            return st.code();
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    panic!("sparkctl did not exit within {} s", secs);
}

fn rest(rx: &mpsc::Receiver<String>) -> String {
    std::thread::sleep(Duration::from_millis(300));
    rx.try_iter().collect::<Vec<_>>().join("\n")
}

/// Nothing incomplete is in use on any host: every Spark tree present is
/// stamped, and `current` (if any) points at a stamped tree.
fn assert_nothing_half_done() {
    for (h, _) in HOSTS {
        let out = ssh(h, &format!("if [ -e {t} ] && [ ! -f {t}/.sparkctl-installed ]; then echo UNSTAMPED; fi; if [ -L /opt/spark/current ] && [ ! -f /opt/spark/current/.sparkctl-installed ]; then echo BADLINK; fi; ls /opt/spark/.sparkctl/dist 2>/dev/null", t = TREE));
        let s = text(&out.stdout);
        assert!(
            !s.contains("UNSTAMPED") && !s.contains("BADLINK"),
            "{}: half-done state in use: {}",
            h,
            s
        );
    }
}

fn converge(why: &str) {
    let t0 = Instant::now();
    let out = sparkctl(&["deploy", &inv()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "re-run after {} did not converge",
        why
    );
    measured(
        &format!("re-run converging after {}", why),
        t0.elapsed().as_secs_f64(),
    );
    let st = sparkctl(&["status", &inv()]);
    assert_eq!(
        st.status.code(),
        Some(0),
        "not healthy after re-run ({})",
        why
    );
}

fn wipe(hosts: &[&str]) {
    for h in hosts {
        ssh(h, "pkill -9 java; rm -rf /opt/spark /opt/zookeeper /var/lib/zookeeper/* /run/lock/sparkctl.*; true");
    }
}

#[test]
fn faults_are_clean_and_a_rerun_converges() {
    let _g = LAB.lock().unwrap_or_else(|e| e.into_inner());
    lab_up();
    wipe(&["hosta", "hostb", "hostc"]);

    // 1. Disk too small on one host: refused before anything changes anywhere.
    assert!(ssh(
        "hostc",
        "mkdir -p /opt/spark && mount -t tmpfs -o size=64m tmpfs /opt/spark"
    )
    .status
    .success());
    let out = sparkctl(&["deploy", &inv()]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("preflight failed; nothing was changed on any host:"),
        "{}",
        err
    );
    assert!(
        err.contains("host hostc: not enough disk under /opt/spark: 64 MiB free"),
        "{}",
        err
    );
    assert!(
        !ssh("hosta", "test -e /opt/spark").status.success(),
        "hosta was changed although preflight failed"
    );
    assert!(ssh("hostc", "umount /opt/spark").status.success());

    // 2. Ctrl-C during the upload: says where it stopped, leaves nothing in use.
    let (mut child, rx) = spawn_deploy(&inv());
    wait_line(&rx, &["upload spark-4.3.0-bin-pyspark.tar"], 60);
    std::thread::sleep(Duration::from_millis(800));
    unsafe_kill(child.id(), "INT");
    let code = wait_exit(&mut child, 20);
    let tail = rest(&rx);
    assert_eq!(code, Some(130), "{}", tail);
    assert!(
        tail.contains("interrupted during:") && tail.contains("upload"),
        "{}",
        tail
    );
    std::thread::sleep(Duration::from_secs(2));
    assert_nothing_half_done();

    // 3. SIGKILL during the unpack (no chance to clean up; its lock stays).
    let (mut child, rx) = spawn_deploy(&inv());
    wait_line(&rx, &["unpack spark-4.3.0-bin-pyspark.tar"], 90);
    unsafe_kill(child.id(), "KILL");
    let _ = wait_exit(&mut child, 10);
    std::thread::sleep(Duration::from_secs(1));
    assert_nothing_half_done();
    converge("SIGKILL mid-unpack (stale lock of a dead run is broken automatically)");

    // 4. The link to a host is cut mid-upload, then restored.
    wipe(&["hostc"]);
    let (mut child, rx) = spawn_deploy(&inv());
    wait_line(&rx, &["hostc", "upload spark-4.3.0-bin-pyspark.tar"], 60);
    assert!(Command::new(common::root().join("lab/lab"))
        .args(["link", "hostc", "down"])
        .status()
        .unwrap()
        .success());
    let code = wait_exit(&mut child, 120);
    let tail = rest(&rx);
    let _ = Command::new(common::root().join("lab/lab"))
        .args(["link", "hostc", "up"])
        .status();
    assert_eq!(code, Some(1), "{}", tail);
    assert!(
        tail.contains("host hostc"),
        "the error must name the host: {}",
        tail
    );
    assert_nothing_half_done();
    converge("a link cut mid-upload");

    // 5. The host crashes (sshd and everything on it die) mid-upload.
    wipe(&["hostc"]);
    let (mut child, rx) = spawn_deploy(&inv());
    wait_line(&rx, &["hostc", "upload spark-4.3.0-bin-pyspark.tar"], 60);
    assert!(Command::new(common::root().join("lab/lab"))
        .args(["crash", "hostc"])
        .status()
        .unwrap()
        .success());
    let code = wait_exit(&mut child, 120);
    let tail = rest(&rx);
    assert_eq!(code, Some(1), "{}", tail);
    assert!(tail.contains("host hostc"), "{}", tail);
    assert!(Command::new(common::root().join("lab/lab"))
        .args(["boot", "hostc"])
        .status()
        .unwrap()
        .success());
    assert_nothing_half_done();
    converge("a host crash mid-upload");

    // 6. A corrupt tarball on a host (same size) is refused and removed, not unpacked.
    assert!(ssh("hostc", &format!("rm -rf {} && printf X | dd of=/opt/spark/.sparkctl/dist/spark-4.3.0-bin-pyspark.tar bs=1 seek=1000000 conv=notrunc 2>/dev/null", TREE)).status.success());
    let out = sparkctl(&["deploy", &inv()]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("host hostc: unpack spark-4.3.0-bin-pyspark.tar failed"),
        "{}",
        err
    );
    assert!(err.contains("is corrupt"), "{}", err);
    assert!(
        !ssh("hostc", &format!("test -e {}", TREE)).status.success(),
        "a corrupt tarball was unpacked"
    );
    converge("a corrupt tarball on a host");

    // 7. A daemon that cannot start: the error shows its log from the host.
    let bad = write_temp(
        "badopt.toml",
        &lab_inventory().replace("[spark]\n", "[spark]\nmaster_opts = [\"-Xss1\"]\n"),
    );
    let out = sparkctl(&["deploy", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        // The standby restarts first, whichever host that is.
        err.contains("exited after starting") || err.contains("start master failed"),
        "{}",
        err
    );
    // (Spark adds -XX:+IgnoreUnrecognizedVMOptions itself, so a bogus -XX
    // flag would be ignored; an impossible stack size is not.)
    assert!(
        err.contains("thread stack size specified is too small"),
        "the daemon's own error must be shown: {}",
        err
    );
    converge("a master that could not start");

    // 8. A port taken by a foreign process is refused before anything starts.
    assert_eq!(sparkctl(&["stop", &inv()]).status.code(), Some(0));
    assert!(ssh(
        "hostc",
        "(setsid nohup python3 -m http.server 8081 >/dev/null 2>&1 < /dev/null &); sleep 1"
    )
    .status
    .success());
    let out = sparkctl(&["deploy", &inv()]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains(
            "host hostc: port 8081 (Spark worker web UI) is already in use by another process"
        ),
        "{}",
        err
    );
    ssh("hostc", "pkill -f 'http.server 8081'");
    converge("a port taken by a foreign process");
}

fn unsafe_kill(pid: u32, sig: &str) {
    assert!(Command::new("kill")
        .arg(format!("-{}", sig))
        .arg(pid.to_string())
        .status()
        .unwrap()
        .success());
}
