//! The engine driven by the fake cluster (`fake.rs`): which scripts go to
//! which host in which order, when waits give up and what their errors
//! say. The clock is tokio's, paused: a 120 s deadline passes at once.

use super::fake::{self, World, ABC};
use super::rolling::RollOptions;
use super::select::Selection;
use super::wait::{MASTER_DEADLINE, WORKER_DEADLINE, ZK_DEADLINE};
use crate::layout::Daemon;
use std::time::Duration;
use tokio::time::Instant;

fn abc() -> (crate::inventory::Cluster, World) {
    fake::running(ABC)
}

/// The cluster with ZooKeeper on c down, c unreachable and skipped.
fn c_down_and_skipped() -> (crate::inventory::Cluster, World, fake::Fake) {
    let (c, w) = abc();
    w.kill("c", Daemon::ZooKeeper);
    w.unreachable("c");
    let s = w.session(&c, skip("c"));
    (c, w, s)
}

fn all() -> Selection {
    Selection::all()
}

fn skip(name: &str) -> Selection {
    Selection::resolve(&["a", "b", "c"], &[], &[name.to_string()]).unwrap()
}

fn hosts(c: &crate::inventory::Cluster, names: &[&str]) -> Vec<crate::inventory::Host> {
    names.iter().map(|n| c.host(n).unwrap().clone()).collect()
}

#[tokio::test(start_paused = true)]
async fn rolling_zookeeper_restarts_the_followers_first_and_the_leader_last() {
    let (c, w) = abc();
    let s = w.session(&c, all());
    // b leads (a was stopped for a moment before this run).
    w.kill("a", Daemon::ZooKeeper);
    assert_eq!(
        s.probe().await.zookeeper[1].1,
        crate::health::ZkMode::Leader
    );
    w.start("a", Daemon::ZooKeeper);
    s.roll_zookeeper(
        hosts(&c, &["a", "b", "c"]),
        None,
        Vec::new(),
        None,
        &RollOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        w.changes(),
        [
            "a: stop zookeeper",
            "a: start zookeeper",
            "c: stop zookeeper",
            "c: start zookeeper",
            "b: stop zookeeper",
            "b: start zookeeper",
        ]
    );
    // Each server serves again before the next is stopped.
    let steps = w.steps();
    let at = |s: &str| steps.iter().position(|x| x == s).unwrap();
    assert!(
        steps[at("a: start zookeeper")..at("c: stop zookeeper")].contains(&"*: probe".to_string())
    );
}

#[tokio::test(start_paused = true)]
async fn rolling_zookeeper_refuses_to_lose_the_quorum_and_changes_nothing() {
    // c is down and skipped: restarting a or b would leave one of three.
    let (c, w, s) = c_down_and_skipped();
    let e = s
        .roll_zookeeper(
            hosts(&c, &["a", "b"]),
            None,
            Vec::new(),
            None,
            &RollOptions::default(),
        )
        .await
        .unwrap_err();
    assert!(
        format!("{:#}", e).starts_with(
            "restarting zookeeper on b would leave 1 of 3 servers serving (not serving: c)"
        ),
        "{:#}",
        e
    );
    assert_eq!(w.changes(), Vec::<String>::new());
}

#[tokio::test(start_paused = true)]
async fn a_wait_for_zookeeper_gives_up_at_its_deadline_with_the_evidence() {
    let (c, w) = abc();
    w.stuck("c", Daemon::ZooKeeper);
    let s = w.session(&c, all());
    let t0 = Instant::now();
    let e = s.wait_zookeeper(ZK_DEADLINE).await.unwrap_err();
    let waited = t0.elapsed();
    assert!(waited >= ZK_DEADLINE && waited < ZK_DEADLINE + std::time::Duration::from_secs(1));
    assert_eq!(
        format!("{:#}", e),
        "ZooKeeper did not form a quorum within 60 s (a: leader, b: follower, c: not serving)\n  last lines of the zookeeper log on c:\n    | ==> zookeeper.log\n    | zookeeper on c: the last words\n"
    );
    // Probed every ZK_POLL (300 ms) all along.
    assert!(w.steps_with("probe").len() >= 200);
}

#[tokio::test(start_paused = true)]
async fn a_wait_ignores_the_servers_left_out_when_the_rest_is_a_quorum() {
    let (_, w, s) = c_down_and_skipped();
    s.wait_zookeeper(ZK_DEADLINE).await.unwrap();
    // A host left out has no connection: nothing was sent to it.
    assert!(w.steps().iter().all(|x| !x.starts_with("c: ")));
}

#[tokio::test(start_paused = true)]
async fn a_wait_fails_early_when_a_daemon_it_waits_for_has_exited() {
    let (c, w) = abc();
    w.kill("b", Daemon::Master);
    let s = w.session(&c, all());
    let t0 = Instant::now();
    let e = s.wait_masters(MASTER_DEADLINE).await.unwrap_err();
    assert!(
        t0.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        t0.elapsed()
    );
    let e = format!("{:#}", e);
    assert!(
        e.starts_with("the master on b exited after starting\n"),
        "{}",
        e
    );
    assert!(e.contains("last lines of the master log on b:"), "{}", e);
}

#[tokio::test(start_paused = true)]
async fn a_wait_for_the_masters_returns_the_alive_one() {
    let (c, w) = abc();
    let s = w.session(&c, all());
    assert_eq!(s.wait_masters(MASTER_DEADLINE).await.unwrap(), "a");
    w.kill("a", Daemon::Master);
    w.stuck("b", Daemon::Master);
    let e = s
        .wait_masters_among(Some(&["b".to_string()]), MASTER_DEADLINE)
        .await;
    assert!(format!("{:#}", e.unwrap_err()).starts_with(
        "the masters did not settle (one ALIVE, the rest STANDBY) within 120 s: b: RECOVERING\n"
    ));
}

#[tokio::test(start_paused = true)]
async fn rolling_masters_restarts_the_standby_before_the_alive_master() {
    let (c, w) = abc();
    // Recovery through ZooKeeper: its applications survive, no drain.
    w.answer(
        "a",
        "read the master's command line",
        "java -Dspark.deploy.recoveryMode=ZOOKEEPER",
    );
    // The ALIVE master's latch node is read before it stops; in the fake
    // the standby leads the moment it stops, so the node is left alone
    // (it may be the new leader's): no "hand the election over".
    w.answer(
        "a",
        "list the election znode",
        "[_c_1-latch-0000000001, _c_2-latch-0000000002]",
    );
    let s = w.session(&c, all());
    s.roll_masters(hosts(&c, &["a", "b"]), None, &RollOptions::default())
        .await
        .unwrap();
    let mut steps = w.steps();
    steps.retain(|s| !s.ends_with("probe") && !s.ends_with("check the process"));
    assert_eq!(
        steps,
        [
            "b: stop master",
            "b: start master",
            "a: read the master's command line",
            "a: list the election znode",
            "a: stop master",
            "a: start master",
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_master_that_forgets_its_applications_waits_for_them_then_gives_up() {
    let (c, w) = abc();
    // No recovery mode on its command line: a restart would lose app-1.
    w.apps(&["app-1"]);
    let s = w.session(&c, all());
    let t0 = Instant::now();
    let e = s
        .roll_masters(hosts(&c, &["a"]), None, &RollOptions::default())
        .await
        .unwrap_err();
    assert!(t0.elapsed() >= super::wait::DRAIN_DEADLINE);
    assert_eq!(
        format!("{:#}", e),
        "1 application(s) still running on the master on a after 600 s; nothing was restarted. Wait, raise --drain-timeout, or use --no-drain"
    );
    assert_eq!(w.changes(), Vec::<String>::new());
    // --no-drain: restarted at once.
    let opts = RollOptions {
        batch: Some(1),
        drain: None,
        ..RollOptions::default()
    };
    s.roll_masters(hosts(&c, &["a"]), None, &opts)
        .await
        .unwrap();
    assert_eq!(w.changes(), ["a: stop master", "a: start master"]);
}

#[tokio::test(start_paused = true)]
async fn rolling_workers_restarts_a_batch_and_waits_for_it_before_the_next() {
    let (c, w) = abc();
    let s = w.session(&c, all());
    let opts = RollOptions {
        batch: Some(2),
        drain: None,
        ..RollOptions::default()
    };
    s.roll_workers(hosts(&c, &["a", "b", "c"]), None, &opts)
        .await
        .unwrap();
    let mut steps = w.steps();
    steps.retain(|s| !s.contains("executors"));
    let mut first: Vec<&String> = steps[..6].iter().collect();
    first.sort();
    assert_eq!(
        first,
        [
            "a: decommission the worker",
            "a: start worker",
            "a: stop worker",
            "b: decommission the worker",
            "b: start worker",
            "b: stop worker"
        ]
    );
    assert_eq!(steps[6], "*: probe");
    assert_eq!(w.changes()[4..], ["c: stop worker", "c: start worker"]);
}

#[tokio::test(start_paused = true)]
async fn a_rolling_restart_decommissions_each_worker_and_waits_for_its_executors() {
    let (c, w) = abc();
    assert!(c.spark.decommission, "on by default on Spark 4");
    let s = w.session(&c, all());
    // a's executor needs three more probes to finish its tasks.
    w.busy("a", 3);
    s.roll_workers(hosts(&c, &["a"]), None, &RollOptions::default())
        .await
        .unwrap();
    let mut steps = w.steps();
    steps.retain(|s| s.starts_with("a: "));
    assert_eq!(
        steps[..6],
        [
            "a: decommission the worker",
            "a: probe worker executors",
            "a: probe worker executors",
            "a: probe worker executors",
            "a: probe worker executors",
            "a: stop worker"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn past_the_decommission_bound_the_worker_is_stopped_anyway() {
    let (c, w) = abc();
    let s = w.session(&c, all());
    w.busy("a", u32::MAX);
    let t0 = Instant::now();
    let opts = RollOptions {
        decommission: Some(Duration::from_secs(5)),
        ..RollOptions::default()
    };
    s.roll_workers(hosts(&c, &["a"]), None, &opts)
        .await
        .unwrap();
    let waited = t0.elapsed();
    assert!(
        waited >= Duration::from_secs(5) && waited < Duration::from_secs(7),
        "{:?}",
        waited
    );
    assert_eq!(w.changes(), ["a: stop worker", "a: start worker"]);
}

#[tokio::test(start_paused = true)]
async fn a_batch_of_decommissioned_workers_is_probed_at_once() {
    let (c, w) = abc();
    let s = w.session(&c, all());
    // Every worker UI hangs for 2 s a probe; each lists an executor for
    // two probes: three rounds of 2 s and two pauses between them, where
    // one probe after another would take 3 x 2 s a round.
    for h in ["a", "b", "c"] {
        w.busy(h, 2);
        w.slow_worker_ui(h, Duration::from_secs(2));
    }
    let t0 = Instant::now();
    s.decommission_workers(&hosts(&c, &["a", "b", "c"]), Some(Duration::from_secs(60)))
        .await
        .unwrap();
    assert_eq!(
        t0.elapsed(),
        Duration::from_secs(6) + 2 * super::wait::DECOMMISSION_POLL
    );
    assert_eq!(w.steps_with("probe worker executors").len(), 9);
}

#[tokio::test(start_paused = true)]
async fn without_decommission_workers_are_stopped_at_once() {
    let (c, w) = abc();
    let s = w.session(&c, all());
    let opts = RollOptions {
        decommission: None,
        ..RollOptions::default()
    };
    s.roll_workers(hosts(&c, &["a"]), None, &opts)
        .await
        .unwrap();
    assert!(w.steps_with("decommission").is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_worker_that_dies_after_starting_ends_the_rolling_restart_early() {
    let (c, w) = abc();
    let s = w.session(&c, all());
    // The worker on a dies at once: its launcher said "started" (a canned
    // answer changes nothing in the fake), but no process is left.
    w.answer("a", "start worker", "");
    let t0 = Instant::now();
    let opts = RollOptions {
        batch: Some(1),
        drain: None,
        ..RollOptions::default()
    };
    let e = s
        .roll_workers(hosts(&c, &["a", "b"]), None, &opts)
        .await
        .unwrap_err();
    let e = format!("{:#}", e);
    assert!(
        e.starts_with("the worker on a exited after starting"),
        "{}",
        e
    );
    assert!(t0.elapsed() < WORKER_DEADLINE / 10);
    // b was not touched.
    assert_eq!(w.changes(), ["a: stop worker", "a: start worker"]);
}

#[tokio::test(start_paused = true)]
async fn a_failed_start_names_the_host_and_step_and_shows_its_log() {
    let (c, w) = abc();
    for h in ["a", "b", "c"] {
        w.kill(h, Daemon::Worker);
    }
    w.fail("b", "start worker", 1, "java: not found");
    let s = w.session(&c, all());
    let e = s
        .start(Daemon::Worker, hosts(&c, &["a", "b", "c"]), None)
        .await
        .unwrap_err();
    assert_eq!(
        format!("{:#}", e),
        "host b: start worker failed (exit status 1)\n  | java: not found\n  last lines of the worker log on b:\n    | ==> worker.log\n    | worker on b: the last words\n"
    );
    // The other hosts were started all the same (one parallel step).
    assert!(w.is_running("a", Daemon::Worker) && w.is_running("c", Daemon::Worker));
    // The log read is the 30-line tail from steps.rs, byte for byte.
    let b = c.host("b").unwrap();
    assert_eq!(
        w.scripts("b", "read log"),
        [crate::steps::log_tail(
            b,
            Daemon::Worker,
            30,
            c.run_as.as_deref()
        )]
    );
}

#[tokio::test(start_paused = true)]
async fn failures_on_several_hosts_are_reported_together_in_host_order() {
    let (c, w) = abc();
    w.fail("c", "stop worker", 2, "c says no");
    w.fail("a", "stop worker", 2, "a says no");
    let s = w.session(&c, all());
    let e = s
        .stop(Daemon::Worker, hosts(&c, &["c", "b", "a"]))
        .await
        .unwrap_err();
    assert_eq!(
        format!("{:#}", e),
        "host a: stop worker failed (exit status 2)\n  | a says no\nhost c: stop worker failed (exit status 2)\n  | c says no"
    );
}

#[tokio::test(start_paused = true)]
async fn stop_says_what_it_found() {
    let (c, w) = abc();
    w.kill("b", Daemon::Worker);
    let s = w.session(&c, all());
    let r = s
        .stop(Daemon::Worker, hosts(&c, &["a", "b"]))
        .await
        .unwrap();
    assert_eq!(
        r,
        [
            ("a".to_string(), "stopped".to_string()),
            ("b".to_string(), "was not running".to_string())
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_lock_held_by_another_run_stops_this_one_and_names_the_holder() {
    let (c, w) = abc();
    w.answer(
        "b",
        "take the lock",
        "@held\nmachine=ops7\npid=4242\nstarted=0\ncommand=deploy\nmachine_id=\n",
    );
    let mut s = w.session(&c, all());
    let e = s.acquire_lock("restart").await.unwrap_err();
    let e = format!("{:#}", e);
    assert!(
        e.starts_with("another sparkctl run is changing cluster abc; nothing was changed:\n  host b: held by `sparkctl deploy` (pid 4242 on ops7) for "),
        "{}",
        e
    );
    // Released where this run took it (the script releases only our own).
    let mut released = w.steps_with("release the lock");
    released.sort();
    assert_eq!(
        released,
        [
            "a: release the lock",
            "b: release the lock",
            "c: release the lock"
        ]
    );
    assert!(s.lock.is_none());
}

#[tokio::test(start_paused = true)]
async fn revive_masters_starts_again_only_the_masters_that_exited() {
    let (c, w) = abc();
    w.kill("b", Daemon::Master);
    let s = w.session(&c, all());
    let revived = s
        .revive_masters(&["a".to_string(), "b".to_string()], None)
        .await
        .unwrap();
    assert_eq!(revived, ["b"]);
    assert_eq!(w.changes(), ["b: start master"]);
    assert_eq!(s.wait_masters(MASTER_DEADLINE).await.unwrap(), "a");
}

#[tokio::test(start_paused = true)]
async fn facts_come_from_the_selected_hosts_only() {
    let (c, w) = abc();
    w.kill("b", Daemon::Worker);
    let s = w.session(&c, skip("c"));
    let f = s
        .facts(None, None, &std::collections::BTreeMap::new())
        .await
        .unwrap();
    assert_eq!(f.keys().collect::<Vec<_>>(), ["a", "b"]);
    assert!(f["a"].running.contains_key(&Daemon::Worker));
    assert!(!f["b"].running.contains_key(&Daemon::Worker));
    assert!(f["b"].running.contains_key(&Daemon::Master));
}

#[tokio::test(start_paused = true)]
async fn a_host_left_out_that_gave_no_answer_is_not_probed_again() {
    let (_, w, s) = c_down_and_skipped();
    let first = s.probe().await;
    let second = s.probe().await;
    let c_zk = |snap: &crate::health::Snapshot| snap.zookeeper[2].1.clone();
    assert_eq!(
        c_zk(&first),
        crate::health::ZkMode::Down(crate::health::ProbeError::Unreachable(
            "the fake host cannot be reached".into()
        ))
    );
    // Reported as before, in inventory order, without asking it again.
    assert_eq!(
        c_zk(&second),
        crate::health::ZkMode::Down(crate::health::ProbeError::Unreachable(
            "no answer earlier in this run (left out by --limit/--skip)".into()
        ))
    );
    assert_eq!(second.zookeeper.len(), 3);
    assert_eq!(w.steps_with("probe").len(), 2);
}

/// ABC with a history server on c (and without its own event log
/// defaults, which [history] now sets), every daemon running.
fn abc_with_history() -> (crate::inventory::Cluster, World) {
    let text: String = fake::inventory(ABC)
        .lines()
        .filter(|l| !l.starts_with("defaults = "))
        .map(|l| format!("{}\n", l))
        .collect();
    let text = text.replace(
        "roles = [\"zookeeper\", \"worker\"]",
        "roles = [\"zookeeper\", \"worker\", \"history\"]",
    ) + "\n[history]\nlog_directory = \"/shared/spark-events\"\n";
    let c = fake::cluster(&text);
    let w = World::running_all(&c);
    (c, w)
}

#[test]
fn the_history_server_starts_after_the_workers_and_stops_before_them() {
    use super::converge::{stop_order, START_ORDER};
    let pos = |o: &[Daemon], d| o.iter().position(|x| *x == d).unwrap();
    assert!(pos(&START_ORDER, Daemon::History) > pos(&START_ORDER, Daemon::Worker));
    assert!(pos(&stop_order(), Daemon::History) < pos(&stop_order(), Daemon::Worker));
}

#[tokio::test(start_paused = true)]
async fn rolling_the_history_server_waits_for_its_answer() {
    let (c, w) = abc_with_history();
    let s = w.session(&c, all());
    s.roll_history(hosts(&c, &["c"]), None).await.unwrap();
    assert_eq!(w.changes(), ["c: stop history", "c: start history"]);
    // Probed after its start, through the session's probes.
    let steps = w.steps();
    let start = steps.iter().position(|x| x == "c: start history").unwrap();
    assert!(
        steps[start..].iter().any(|x| x == "c: probe history"),
        "{:?}",
        steps
    );
}

#[tokio::test(start_paused = true)]
async fn a_history_server_that_exited_fails_the_wait_with_its_log() {
    use super::wait::HISTORY_DEADLINE;
    let (c, w) = abc_with_history();
    w.kill("c", Daemon::History);
    let s = w.session(&c, all());
    let t0 = Instant::now();
    let e = s.wait_history(HISTORY_DEADLINE).await.unwrap_err();
    let e = format!("{:#}", e);
    assert!(e.contains("history on c"), "{}", e);
    assert!(e.contains("history on c: the last words"), "{}", e);
    // Found by the exit check, long before the deadline.
    assert!(t0.elapsed() < HISTORY_DEADLINE / 4);
}

/// The abc cluster (Spark 3.5, so with the server jar) with a Connect
/// server on `c`, everything running.
fn abc_with_connect() -> (crate::inventory::Cluster, World) {
    let text = fake::inventory(ABC).replacen(
        "roles = [\"zookeeper\", \"worker\"]",
        "roles = [\"zookeeper\", \"worker\", \"connect\"]",
        1,
    ) + "\n[connect]\njar = \""
        + fake::FIXTURE_JAR
        + "\"\n";
    let c = fake::cluster(&text);
    let w = World::running_all(&c);
    (c, w)
}

#[test]
fn the_connect_server_starts_after_the_workers_and_stops_before_them() {
    use super::converge::{stop_order, START_ORDER};
    let pos = |o: &[Daemon], d| o.iter().position(|x| *x == d).unwrap();
    assert!(pos(&START_ORDER, Daemon::Connect) > pos(&START_ORDER, Daemon::Worker));
    assert!(pos(&stop_order(), Daemon::Connect) < pos(&stop_order(), Daemon::Worker));
}

#[tokio::test(start_paused = true)]
async fn rolling_the_connect_server_waits_for_its_greeting() {
    let (c, w) = abc_with_connect();
    let s = w.session(&c, all());
    s.roll_serving(Daemon::Connect, hosts(&c, &["c"]), None)
        .await
        .unwrap();
    assert_eq!(w.changes(), ["c: stop connect", "c: start connect"]);
    let steps = w.steps();
    let start = steps.iter().position(|x| x == "c: start connect").unwrap();
    assert!(
        steps[start..].iter().any(|x| x == "c: probe connect"),
        "{:?}",
        steps
    );
}

#[tokio::test(start_paused = true)]
async fn a_connect_server_that_exited_fails_the_wait_with_its_log() {
    use super::wait::CONNECT_DEADLINE;
    let (c, w) = abc_with_connect();
    w.kill("c", Daemon::Connect);
    let s = w.session(&c, all());
    let t0 = Instant::now();
    let e = s
        .wait_serving(Daemon::Connect, CONNECT_DEADLINE)
        .await
        .unwrap_err();
    let e = format!("{:#}", e);
    assert!(e.contains("connect on c"), "{}", e);
    assert!(e.contains("connect on c: the last words"), "{}", e);
    assert!(t0.elapsed() < CONNECT_DEADLINE / 4);
}

#[test]
fn the_default_worker_batch_is_a_quarter_of_the_workers() {
    use crate::session::rolling::default_batch;
    let got: Vec<usize> = [0, 1, 3, 7, 8, 11, 12, 100].map(default_batch).to_vec();
    assert_eq!(got, vec![1, 1, 1, 1, 2, 2, 3, 25]);
}

#[tokio::test(start_paused = true)]
async fn standby_masters_restart_before_zookeeper_rolls_and_are_not_rolled_again() {
    let (c, w) = abc();
    let s = w.session(&c, all());
    // a is ALIVE, b STANDBY.
    let revived = s
        .roll_zookeeper(
            hosts(&c, &["a", "b", "c"]),
            None,
            hosts(&c, &["a", "b"]),
            None,
            &RollOptions::default(),
        )
        .await
        .unwrap();
    let changes = w.changes();
    assert_eq!(
        changes[..3],
        ["b: stop master", "b: start master", "b: stop zookeeper"]
    );
    // The masters' phase is left with the ALIVE one only (it did not exit
    // in the fake), and "already restarted" names no one.
    let left: Vec<String> = revived
        .masters_to_roll(hosts(&c, &["a", "b"]))
        .into_iter()
        .map(|h| h.name)
        .collect();
    assert_eq!(left, ["a"]);
    assert!(revived.names().is_empty());
}

#[test]
fn the_latch_leader_is_the_lowest_sequence() {
    use crate::session::rolling::latch_sequence;
    assert_eq!(latch_sequence("_c_03cd-4856-latch-0000000005"), 5);
    assert_eq!(latch_sequence("_c_12-latch-0000000003"), 3);
    assert_eq!(latch_sequence("odd"), u64::MAX);
}
