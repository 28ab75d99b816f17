//! Faults on real lab hosts, each ending with a plain re-run that must
//! converge to a healthy cluster (issue #4):
//! disk too small, Ctrl-C mid-upload, SIGKILL mid-unpack, link cut
//! mid-upload, host crash (sshd and everything gone) mid-upload, a corrupt
//! tarball already on a host, a daemon that cannot start (its log shown),
//! a port taken by a foreign process; SIGKILL of sparkctl mid-render and
//! mid-start; a host unreachable for a while (`deploy --skip`, then a plain
//! deploy once it is back). Needs root; never skips.

mod common;
use common::*;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, TryRecvError};
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

/// The stderr lines not taken yet, up to its end: call once sparkctl has
/// exited (the reader thread ends, and the channel closes, at EOF).
fn rest(rx: &mpsc::Receiver<String>) -> String {
    let mut lines = Vec::new();
    let ended = eventually(10, || loop {
        match rx.try_recv() {
            Ok(l) => lines.push(l),
            Err(TryRecvError::Empty) => return false,
            Err(TryRecvError::Disconnected) => return true,
        }
    });
    assert!(
        ended,
        "sparkctl's stderr did not end within 10 s of its exit:\n{}",
        lines.join("\n")
    );
    lines.join("\n")
}

/// The install steps (upload, unpack) and config writes of a run that are
/// still going on `host`: their processes and their partial files
/// (`*.part.*` uploads, `stage-*` unpacks). Empty once all have ended. (The
/// patterns are written so that they do not match this command itself.)
fn steps_in_flight(host: &str) -> String {
    text(
        &ssh(
            host,
            "pgrep -af 'cat > \"[$]part\"|sparkctl/stag[e]-|[.]sparkctl-tm[p]'; \
             ls -d /opt/spark/.sparkctl/dist/*.part.* /opt/spark/.sparkctl/stag[e]-* \
             /opt/zookeeper/.sparkctl/dist/*.part.* /opt/zookeeper/.sparkctl/stag[e]-* 2>/dev/null; true",
        )
        .stdout,
    )
}

/// Wait until no host has a step of a killed or interrupted run in flight.
fn steps_ended(why: &str) {
    let mut left = String::new();
    let ended = eventually(60, || {
        left = HOSTS
            .iter()
            .map(|(h, _)| (h, steps_in_flight(h)))
            .filter(|(_, s)| !s.trim().is_empty())
            .map(|(h, s)| format!("{}:\n{}", h, s))
            .collect::<Vec<_>>()
            .join("\n");
        left.is_empty()
    });
    assert!(ended, "steps still in flight 60 s after {}:\n{}", why, left);
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
    // Interrupt once bytes are arriving on a host, not merely announced.
    assert!(
        eventually(30, || HOSTS.iter().any(|(h, _)| !text(
            &ssh(
                h,
                "find /opt/spark/.sparkctl/dist -name '*.part.*' -size +0 2>/dev/null"
            )
            .stdout
        )
        .trim()
        .is_empty())),
        "no host received any of the Spark tarball within 30 s of the upload line"
    );
    unsafe_kill(child.id(), "INT");
    let code = wait_exit(&mut child, 20);
    let tail = rest(&rx);
    assert_eq!(code, Some(130), "{}", tail);
    assert!(
        tail.contains("interrupted during:") && tail.contains("upload"),
        "{}",
        tail
    );
    steps_ended("Ctrl-C mid-upload");
    assert_nothing_half_done();

    // 3. SIGKILL during the unpack (no chance to clean up; its lock stays).
    let (mut child, rx) = spawn_deploy(&inv());
    wait_line(&rx, &["unpack spark-4.3.0-bin-pyspark.tar"], 90);
    unsafe_kill(child.id(), "KILL");
    let _ = wait_exit(&mut child, 10);
    // The hosts' unpacks outlive sparkctl: finished or hung up, not half.
    steps_ended("SIGKILL mid-unpack");
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
        "(setsid nohup python3 -m http.server 8081 >/dev/null 2>&1 < /dev/null &)"
    )
    .status
    .success());
    assert!(
        eventually(30, || !text(
            &ssh("hostc", "ss -Hltn 'sport = :8081'").stdout
        )
        .trim()
        .is_empty()),
        "the foreign process did not listen on hostc:8081 within 30 s"
    );
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

fn lab_link(host: &str, state: &str) -> bool {
    Command::new(common::root().join("lab/lab"))
        .args(["link", host, state])
        .status()
        .is_ok_and(|s| s.success())
}

/// Bring a host's link up and wait until SSH reaches it again: right after
/// `link up` the operator side may still answer "No route to host" for a
/// few seconds (its failed neighbour entry for the address has to expire).
fn link_up_and_reachable(host: &str) -> bool {
    lab_link(host, "up")
        && eventually(30, || {
            Command::new("ssh")
                .args(["-F", &format!("{}/ssh_config", LAB_STATE)])
                .args(["-o", "ConnectTimeout=3", host, "true"])
                .status()
                .is_ok_and(|s| s.success())
        })
}

/// A host cut off the network (`lab/lab link <host> down`) until this is
/// dropped: the link comes back even when an assertion fails in between,
/// so a failing test cannot leave the shared lab broken for the next one.
struct LinkDown(&'static str);

impl LinkDown {
    fn new(host: &'static str) -> LinkDown {
        assert!(lab_link(host, "down"), "lab/lab link {} down failed", host);
        LinkDown(host)
    }
}

impl Drop for LinkDown {
    fn drop(&mut self) {
        if !link_up_and_reachable(self.0) {
            eprintln!("WARNING: {} is not reachable after lab/lab link up", self.0);
        }
    }
}

/// Temp config files (`*.sparkctl-tmp`) left on a host.
fn tmp_files(host: &str) -> String {
    text(
        &ssh(
            host,
            "find /opt/spark /opt/zookeeper /var/lib/zookeeper -name '*.sparkctl-tmp' 2>/dev/null",
        )
        .stdout,
    )
}

/// Deploy `inventory` and require exit 0 (no measurement: a test's setup).
fn deployed(inventory: &str) {
    assert_eq!(
        sparkctl(&["deploy", inventory]).status.code(),
        Some(0),
        "setup: deploy {} did not converge",
        inventory
    );
}

#[test]
fn skip_an_unreachable_host_then_converge_when_it_is_back() {
    let _g = LAB.lock().unwrap_or_else(|e| e.into_inner());
    lab_up();
    // In case a killed run of a link test left it down.
    assert!(link_up_and_reachable("hostc"));
    deployed(&inv());
    let changed = write_temp(
        "skip-896m.toml",
        &lab_inventory().replace("worker_memory = \"1g\"", "worker_memory = \"896m\""),
    );
    let changed = path_str(&changed);

    // If hostc leads the ensemble, cutting it forces a ZooKeeper election,
    // which makes the ALIVE master exit (a Spark behaviour, see docs/ha.md); the
    // standby then takes over and, in recovery, waits out spark.worker.timeout
    // (60 s) for hostc's unreachable worker. The run below starts the exited
    // master again and waits for that: correct, but a minute slower. Which
    // case this run hit is recorded with its time.
    let hostc_led = zk_mode(HOSTS[2].1) == "leader";
    let link = LinkDown::new("hostc");
    // 1. A plain deploy fails naming the host, and changes nothing.
    let out = sparkctl(&["deploy", changed]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("host hostc: cannot connect"), "{}", err);
    assert!(
        !text(&ssh("hosta", "cat /opt/spark/current/conf/spark-env.sh").stdout).contains("896m"),
        "hosta was changed although the run failed at connect"
    );

    // 2. --skip hostc: hosta and hostb reach the wanted state; 2 of the 3
    // ZooKeeper servers are a quorum.
    let t0 = Instant::now();
    let out = sparkctl(&["deploy", changed, "--skip", "hostc"]);
    let secs = t0.elapsed().as_secs_f64();
    assert_eq!(out.status.code(), Some(0));
    let (err, stdout) = (text(&out.stderr), text(&out.stdout));
    let notice = "skipped (--skip): hostc \u{2014} its files and daemons were not checked";
    assert!(err.contains(notice), "{}", err);
    assert!(err.contains("connecting to 2 hosts"), "{}", err);
    assert!(
        stdout.contains(&format!("Not done:    {}", notice)),
        "{}",
        stdout
    );
    assert!(
        stdout.contains("hostc  left out (--limit/--skip): not checked, not changed"),
        "{}",
        stdout
    );
    measured(
        &format!(
            "deploy --skip hostc, hostc unreachable (worker_memory change: hosta, hostb rolled; {})",
            if hostc_led {
                "hostc was the ZooKeeper leader: master failover + Spark recovery wait"
            } else {
                "hostc was a ZooKeeper follower"
            }
        ),
        secs,
    );
    assert_healthy_shape(&ALL[..2], &ALL[..2], 896);

    // 3. status --skip hostc: hostc's rows and problems are left out; its
    //    master/ZooKeeper probes (which decide quorum and ALIVE) time out
    //    in parallel, once.
    let t0 = Instant::now();
    let out = sparkctl(&["status", changed, "--skip", "hostc"]);
    let secs = t0.elapsed().as_secs_f64();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains("skipped (--skip): hostc \u{2014} its daemons were not checked")
    );
    assert!(
        text(&out.stdout).contains("not checked: hostc"),
        "{}",
        text(&out.stdout)
    );
    assert!(secs < 2.5, "status --skip hostc took {:.2} s", secs);
    measured("status --skip hostc, hostc unreachable", secs);
    let t0 = Instant::now();
    let out = sparkctl(&["status", changed]);
    measured(
        "status, hostc unreachable (probe timeout)",
        t0.elapsed().as_secs_f64(),
    );
    assert_eq!(out.status.code(), Some(3), "degraded without --skip");

    // 4. hostc is back: a plain deploy converges all three.
    drop(link);
    let t0 = Instant::now();
    let out = sparkctl(&["deploy", changed]);
    assert_eq!(out.status.code(), Some(0), "re-run after hostc returned");
    measured(
        "re-run converging after hostc was back (hostc's worker rolled)",
        t0.elapsed().as_secs_f64(),
    );
    assert_healthy_shape(&ALL, &ALL, 896);
    assert_eq!(sparkctl(&["status", changed]).status.code(), Some(0));
}

/// The step lines seen so far, for the record of where a kill landed.
fn last_steps(seen: &[String]) -> String {
    seen.iter()
        .rev()
        .take(4)
        .rev()
        .map(|l| l.trim())
        .collect::<Vec<_>>()
        .join(" / ")
}

#[test]
fn sigkill_mid_render_then_a_rerun_converges() {
    let _g = LAB.lock().unwrap_or_else(|e| e.into_inner());
    lab_up();
    assert!(link_up_and_reachable("hostc"));
    deployed(&inv());
    let changed = write_temp(
        "render-768m.toml",
        &lab_inventory().replace("worker_memory = \"1g\"", "worker_memory = \"768m\""),
    );
    let changed = path_str(&changed);

    // The write step is one short remote script per host (tens of ms), so
    // the kill lands right after sparkctl says it writes, while the hosts
    // are writing or have just renamed: both are fine, and the test records
    // which it was rather than depending on it.
    let (mut child, rx) = spawn_deploy(changed);
    let seen = wait_line(&rx, &["  write ", " files"], 60);
    unsafe_kill(child.id(), "KILL");
    let _ = wait_exit(&mut child, 10);
    // Record the outcome once the writes in flight have ended.
    steps_ended("SIGKILL mid-render");
    let written = HOSTS
        .iter()
        .filter(|(h, _)| {
            text(&ssh(h, "cat /opt/spark/current/conf/spark-env.sh").stdout).contains("768m")
        })
        .count();
    let tmps: usize = HOSTS
        .iter()
        .map(|(h, _)| tmp_files(h).lines().count())
        .sum();
    eprintln!(
        "KILL LANDED after: {} (spark-env.sh renamed on {} of 3 hosts, {} temp files left)",
        last_steps(&seen),
        written,
        tmps
    );
    assert_nothing_half_done();

    let t0 = Instant::now();
    let out = sparkctl(&["deploy", changed]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "re-run after SIGKILL mid-render"
    );
    measured(
        "re-run converging after SIGKILL mid-render (3 workers rolled)",
        t0.elapsed().as_secs_f64(),
    );
    assert_eq!(sparkctl(&["status", changed]).status.code(), Some(0));
    // The changed setting is in effect: every worker offers 768 MiB.
    assert_healthy_shape(&ALL, &ALL, 768);
    for (h, _) in HOSTS {
        assert_eq!(tmp_files(h), "", "{}: temp files left", h);
    }
}

#[test]
fn sigkill_mid_start_then_a_rerun_converges() {
    let _g = LAB.lock().unwrap_or_else(|e| e.into_inner());
    lab_up();
    assert!(link_up_and_reachable("hostc"));
    deployed(&inv());
    assert_eq!(sparkctl(&["stop", &inv()]).status.code(), Some(0));
    // A setting the masters run with: visible on their JVM command line.
    let changed = write_temp(
        "start-timeout.toml",
        &lab_inventory().replace("[spark]\n", "[spark]\nworker_timeout = 45\n"),
    );
    let changed = path_str(&changed);

    // Starting a master takes seconds (spark-daemon.sh alone sleeps ~2.7 s),
    // so a kill on "start master" lands while the hosts are starting it.
    let (mut child, rx) = spawn_deploy(changed);
    let seen = wait_line(&rx, &["  start master"], 120);
    unsafe_kill(child.id(), "KILL");
    let _ = wait_exit(&mut child, 10);
    // Record what runs once the starts in flight on the hosts have ended
    // (spark-daemon.sh and zkServer.sh outlive sparkctl).
    let mut starting = String::new();
    assert!(
        eventually(60, || {
            starting = HOSTS
                .iter()
                .map(|(h, _)| {
                    text(&ssh(h, "pgrep -af '[s]park-daemon[.]sh|[z]kServer[.]sh'; true").stdout)
                })
                .collect();
            starting.trim().is_empty()
        }),
        "daemon starts still running 60 s after the kill:\n{}",
        starting
    );
    let masters: Vec<&str> = HOSTS[..2]
        .iter()
        .filter(|(h, _)| jvms(h).iter().any(|(_, c)| c == "deploy.master.Master"))
        .map(|(h, _)| *h)
        .collect();
    let workers = HOSTS
        .iter()
        .filter(|(h, _)| jvms(h).iter().any(|(_, c)| c == "deploy.worker.Worker"))
        .count();
    eprintln!(
        "KILL LANDED after: {} (once the starts in flight ended: masters running on {:?}, {} workers running)",
        last_steps(&seen),
        masters,
        workers
    );
    assert_nothing_half_done();

    let t0 = Instant::now();
    let out = sparkctl(&["deploy", changed]);
    assert_eq!(out.status.code(), Some(0), "re-run after SIGKILL mid-start");
    measured(
        "re-run converging after SIGKILL mid-start",
        t0.elapsed().as_secs_f64(),
    );
    assert_eq!(sparkctl(&["status", changed]).status.code(), Some(0));
    assert_healthy_shape(&ALL, &ALL, 1024);
    // The changed setting is in effect on both masters.
    for (h, _) in &HOSTS[..2] {
        let cmd = text(&ssh(h, "p=$(cat /opt/spark/run/*Master*.pid 2>/dev/null | head -1); tr '\\0' ' ' < /proc/$p/cmdline").stdout);
        assert!(
            cmd.contains("-Dspark.worker.timeout=45"),
            "{}: master runs without the new setting: {}",
            h,
            cmd
        );
    }
    for (h, _) in HOSTS {
        assert_eq!(tmp_files(h), "", "{}: temp files left", h);
    }
}
