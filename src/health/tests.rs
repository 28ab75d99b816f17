//! Health parsing and judging on recorded answers.

use super::*;

const LEADER: &str = "Zookeeper version: 3.8.0-debian--1, built on 2022-03-13\nLatency min/avg/max: 0/0.0/0\nReceived: 3\nSent: 2\nConnections: 1\nOutstanding: 0\nZxid: 0x100000000\nMode: leader\nNode count: 5\nProposal sizes last/min/max: -1/-1/-1\n";

#[test]
fn srvr_modes() {
    assert_eq!(parse_srvr(LEADER), ZkMode::Leader);
    assert_eq!(
        parse_srvr(&LEADER.replace("leader", "follower")),
        ZkMode::Follower
    );
    assert_eq!(
        parse_srvr("This ZooKeeper instance is not currently serving requests\n"),
        ZkMode::NotServing
    );
    assert!(matches!(parse_srvr(""), ZkMode::Down(_)));
}

#[test]
fn http_status() {
    assert_eq!(
        parse_http("HTTP/1.1 200 OK\r\nContent-Type: x\r\n\r\n{}"),
        Ok("{}".into())
    );
    assert_eq!(
        parse_http("HTTP/1.1 404 Not Found\r\n\r\n<html>"),
        Err("HTTP 404 Not Found".into())
    );
}

fn cluster() -> Cluster {
    let text = "[spark]\ntarball = \"s-4.0.0.tgz\"\nworker_cores = 2\nworker_memory = \"1g\"\n[zookeeper]\ntarball = \"z-3.8.4.tgz\"\n\
        [[host]]\nname = \"a\"\nroles = [\"zookeeper\", \"master\", \"worker\"]\n\
        [[host]]\nname = \"b\"\nroles = [\"zookeeper\", \"master\", \"worker\"]\n\
        [[host]]\nname = \"c\"\nroles = [\"zookeeper\", \"worker\"]\n";
    crate::inventory::parse(std::path::Path::new("t.toml"), text).unwrap()
}

fn master_json(status: &str, workers: &[(&str, &str)]) -> MasterJson {
    let ws: Vec<String> = workers
        .iter()
        .map(|(h, st)| format!(r#"{{"id":"worker-{h}","host":"{h}","port":40000,"webuiaddress":"http://{h}:8081","cores":2,"coresused":0,"coresfree":2,"memory":1024,"memoryused":0,"memoryfree":1024,"state":"{st}","lastheartbeat":1}}"#))
        .collect();
    parse_master(&format!(r#"{{"url":"spark://a:7077","workers":[{}],"aliveworkers":{},"cores":6,"coresused":0,"memory":3072,"memoryused":0,"resources":[],"resourcesused":[],"activeapps":[],"completedapps":[],"activedrivers":[],"completeddrivers":[],"status":"{}"}}"#, ws.join(","), workers.len(), status)).unwrap()
}

fn healthy() -> Snapshot {
    Snapshot {
        zookeeper: vec![
            ("a".into(), ZkMode::Follower),
            ("b".into(), ZkMode::Leader),
            ("c".into(), ZkMode::Follower),
        ],
        masters: vec![
            (
                "a".into(),
                Ok(master_json(
                    "ALIVE",
                    &[("a", "ALIVE"), ("b", "ALIVE"), ("c", "ALIVE")],
                )),
            ),
            ("b".into(), Ok(master_json("STANDBY", &[]))),
        ],
    }
}

#[test]
fn healthy_cluster() {
    let a = assess(&cluster(), &healthy());
    assert_eq!(a.level, Level::Healthy, "{:?}", a.problems);
    assert_eq!(a.alive_master.as_deref(), Some("a"));
    assert_eq!((a.workers_alive, a.workers_expected), (3, 3));
}

#[test]
fn dead_worker_entry_does_not_count() {
    let mut s = healthy();
    s.masters[0].1 = Ok(master_json(
        "ALIVE",
        &[("a", "ALIVE"), ("b", "ALIVE"), ("c", "DEAD")],
    ));
    let a = assess(&cluster(), &s);
    assert_eq!(a.level, Level::Degraded);
    assert_eq!(
        a.problems,
        vec!["worker on c is not registered with the ALIVE master (a)"]
    );
}

#[test]
fn one_zookeeper_down_is_degraded_two_is_down() {
    let mut s = healthy();
    s.zookeeper[0].1 = ZkMode::Down(ProbeError::Refused);
    assert_eq!(assess(&cluster(), &s).level, Level::Degraded);
    s.zookeeper[1].1 = ZkMode::NotServing;
    let a = assess(&cluster(), &s);
    assert_eq!(a.level, Level::Down);
    assert!(
        a.problems.iter().any(|p| p
            .to_string()
            .starts_with("ZooKeeper has no quorum: 1 of 3 servers serving")),
        "{:?}",
        a.problems
    );
}

#[test]
fn two_alive_masters_is_split_brain() {
    let mut s = healthy();
    s.masters[1].1 = Ok(master_json("ALIVE", &[]));
    let a = assess(&cluster(), &s);
    assert_eq!(a.level, Level::Down);
    assert!(
        a.problems[0]
            .to_string()
            .starts_with("2 masters are ALIVE at once (a, b)"),
        "{:?}",
        a.problems
    );
}

#[test]
fn no_alive_master_is_down() {
    let mut s = healthy();
    s.masters[0].1 = Err(ProbeError::Refused);
    let a = assess(&cluster(), &s);
    assert_eq!(a.level, Level::Down);
}

// --limit/--skip: only the selected hosts' daemons are expected, but the
// ZooKeeper quorum is counted against the whole ensemble.

#[test]
fn a_skipped_host_that_is_down_is_not_a_problem() {
    // c down: its ZooKeeper does not answer and its worker is gone.
    let mut s = healthy();
    s.zookeeper[2].1 = ZkMode::Down(ProbeError::Timeout(PROBE_TIMEOUT));
    s.masters[0].1 = Ok(master_json("ALIVE", &[("a", "ALIVE"), ("b", "ALIVE")]));
    assert_eq!(assess(&cluster(), &s).level, Level::Degraded);
    let a = assess_among(&cluster(), &s, &|h| h != "c");
    assert_eq!(a.level, Level::Healthy, "{:?}", a.problems);
    assert_eq!((a.workers_alive, a.workers_expected), (2, 2));
    assert!(a.zk_quorum);
}

#[test]
fn a_skipped_zookeeper_not_probed_counts_as_not_serving() {
    // `status --skip b,c` probes only a: 1 of 3 cannot be a quorum.
    let mut s = healthy();
    s.zookeeper.retain(|(h, _)| h == "a");
    s.zookeeper[0].1 = ZkMode::Leader;
    s.masters.retain(|(h, _)| h == "a");
    let a = assess_among(&cluster(), &s, &|h| h == "a");
    assert!(!a.zk_quorum);
    assert_eq!(a.level, Level::Down);
    assert!(
        a.problems.iter().any(|p| p
            .to_string()
            .starts_with("ZooKeeper has no quorum: 1 of 3 servers serving")),
        "{:?}",
        a.problems
    );
    // `--skip c` probes a and b: 2 of 3 are a quorum.
    let mut s = healthy();
    s.zookeeper.retain(|(h, _)| h != "c");
    let a = assess_among(&cluster(), &s, &|h| h != "c");
    assert!(a.zk_quorum);
    assert_eq!(a.level, Level::Healthy, "{:?}", a.problems);
}

#[test]
fn an_alive_master_on_a_skipped_host_is_the_alive_master() {
    let mut s = healthy();
    s.masters[0].1 = Ok(master_json(
        "ALIVE",
        &[("a", "ALIVE"), ("b", "ALIVE"), ("c", "ALIVE")],
    ));
    s.masters[1].1 = Err(ProbeError::Refused);
    // Only b selected: its master is down, which is a problem of b's.
    let a = assess_among(&cluster(), &s, &|h| h == "b");
    assert_eq!(a.alive_master.as_deref(), Some("a"));
    assert_eq!(a.level, Level::Degraded);
    assert_eq!(
        a.problems,
        vec!["master on b does not answer: connection refused"]
    );
    // Only c selected: a's ALIVE master lists c's worker; nothing is missing.
    let a = assess_among(&cluster(), &s, &|h| h == "c");
    assert_eq!(a.level, Level::Healthy, "{:?}", a.problems);
    assert_eq!((a.workers_alive, a.workers_expected), (1, 1));
}

#[test]
fn an_unreachable_host_is_not_a_down_daemon() {
    let c = cluster();
    let mut s = healthy();
    let why = || ProbeError::Unreachable("cannot connect to c over SSH: No route to host".into());
    s.zookeeper[2].1 = ZkMode::Down(why());
    s.masters[1].1 = Err(why());
    let a = assess(&c, &s);
    assert_eq!(a.level, Level::Degraded);
    assert!(a.problems.iter().any(|p| *p ==
        "zookeeper on c cannot be checked: host unreachable: cannot connect to c over SSH: No route to host"
    ), "{:?}", a.problems);
    assert!(
        a.problems.iter().any(|p| p
            .to_string()
            .starts_with("master on b cannot be checked: host unreachable")),
        "{:?}",
        a.problems
    );
    assert_eq!(s.zookeeper[2].1.label(), "unreachable");
}

/// The typed statuses read and write Spark's words: `status --json` prints
/// them as before, and words this version does not know are kept verbatim.
#[test]
fn master_and_worker_words_round_trip() {
    let m = master_json("COMPLETING_RECOVERY", &[("a", "DECOMMISSIONED")]);
    assert_eq!(m.status, MasterStatus::CompletingRecovery);
    assert_eq!(m.workers[0].state, WorkerState::Decommissioned);
    let m = master_json("SOMETHING_NEW", &[]);
    assert_eq!(m.status, MasterStatus::Other("SOMETHING_NEW".into()));
    assert_eq!(m.status.to_string(), "SOMETHING_NEW");
    assert_eq!(format!("{:9}|", MasterStatus::Alive), "ALIVE    |");
    for w in ["ALIVE", "STANDBY", "RECOVERING", "COMPLETING_RECOVERY", "X"] {
        let json = serde_json::to_string(&MasterStatus::from_word(w)).unwrap();
        assert_eq!(json, format!("\"{}\"", w));
    }
    let p = Problem::WorkerUnregistered {
        worker: "c".into(),
        master: "a".into(),
    };
    assert_eq!(p.worker(), Some("c"));
    assert_eq!(
        serde_json::to_string(&p).unwrap(),
        "\"worker on c is not registered with the ALIVE master (a)\""
    );
}

/// A direct probe never dials this machine's loopback in place of a
/// host's: a dispatcher bound to its host's 127.0.0.1 is not "up" because
/// something on the operator's 127.0.0.1 answers.
#[tokio::test]
async fn direct_probes_do_not_dial_a_host_s_loopback_from_here() {
    let c = crate::session::fake::lab_spark3_with_every_daemon();
    let h = c.hosts.iter().find(|h| h.roles.mesos_dispatcher).unwrap();
    let r = Route::Direct
        .exchange_at(h, "127.0.0.1", 8181, b"GET / HTTP/1.0\r\n\r\n")
        .await;
    assert_eq!(
        r,
        Err(ProbeError::Unexpected(
            "it listens on 127.0.0.1 of host hostb only: `probe = \"direct\"` cannot reach it from this machine".into()
        ))
    );
}
