//! The drills driven by the fake cluster (`session::fake`): what they
//! break, what they start again, and their verdict when the cluster does
//! or does not recover. tokio's clock is paused: a 30 s limit passes at once.

use super::*;
use crate::session::fake::{self, World, ABC};
use crate::session::select::Selection;

fn abc() -> (crate::inventory::Cluster, World) {
    fake::running(ABC)
}

#[tokio::test(start_paused = true)]
async fn the_failover_drill_kills_the_alive_master_and_sees_the_standby_take_over() {
    let (c, w) = abc();
    let s = w.session(&c, Selection::all());
    let code = drill_master_inner(&s, DrillMode::Kill, Duration::from_secs(30))
        .await
        .unwrap()
        .code();
    assert_eq!(code, exit::OK);
    // Killed, then started again to come back as STANDBY.
    assert_eq!(w.changes(), ["a: kill the ALIVE master", "a: start master"]);
    let a = c.host("a").unwrap();
    assert_eq!(
        w.scripts("a", "kill the ALIVE master"),
        [crate::steps::kill_daemon(
            a,
            Daemon::Master,
            c.run_as.as_deref()
        )]
    );
    assert_eq!(s.wait_masters(wait::MASTER_DEADLINE).await.unwrap(), "b");
}

#[tokio::test(start_paused = true)]
async fn the_failover_drill_refuses_an_unhealthy_cluster_and_breaks_nothing() {
    let (c, w) = abc();
    // The standby never leaves RECOVERING: the cluster is degraded.
    w.stuck("b", Daemon::Master);
    let s = w.session(&c, Selection::all());
    let e = drill_master_inner(&s, DrillMode::Kill, Duration::from_secs(30)).await;
    assert!(format!("{:#}", e.unwrap_err())
        .starts_with("the cluster is not healthy before the drill; fix it first: "));
    assert_eq!(w.changes(), Vec::<String>::new());
}

#[tokio::test(start_paused = true)]
async fn a_failover_that_never_comes_fails_the_drill_at_its_limit() {
    let (c, w) = abc();
    // The master on a says it stopped but runs on (a canned answer changes
    // nothing in the fake): the standby on b is never made ALIVE.
    w.answer("a", "stop master", "@stopped");
    let s = w.session(&c, Selection::all());
    let limit = Duration::from_secs(30);
    let t0 = Instant::now();
    let code = drill_master_inner(&s, DrillMode::Stop, limit)
        .await
        .unwrap()
        .code();
    assert_eq!(code, exit::FAILED);
    // The wait for a new ALIVE master ran to its limit, and no further.
    assert!(t0.elapsed() >= limit && t0.elapsed() < limit + Duration::from_secs(1));
    assert_eq!(w.changes(), ["a: stop master"]);
}

#[tokio::test(start_paused = true)]
async fn the_zookeeper_drill_stops_the_leader_and_starts_it_again() {
    let (c, w) = abc();
    let s = w.session(&c, Selection::all());
    let code = drill_zookeeper_inner(&s, None, Duration::from_secs(30))
        .await
        .unwrap()
        .code();
    assert_eq!(code, exit::OK);
    assert_eq!(w.changes(), ["a: stop zookeeper", "a: start zookeeper"]);
}

#[tokio::test(start_paused = true)]
async fn the_zookeeper_drill_refuses_a_host_without_zookeeper() {
    let text = fake::inventory(ABC) + "\n[[host]]\nname = \"d\"\nroles = [\"worker\"]\n";
    let c = fake::cluster(&text);
    let w = World::running_all(&c);
    let s = w.session(&c, Selection::all());
    let e = drill_zookeeper_inner(&s, Some("d".into()), Duration::from_secs(30))
        .await
        .unwrap_err();
    assert_eq!(
        format!("{:#}", e),
        "error: `d` is not a ZooKeeper host of the inventory"
    );
    assert_eq!(w.changes(), Vec::<String>::new());
}

/// `ha drill --json`: the report as docs/json.md documents it, from the
/// same run as the text (here: the failover drill on the fake cluster).
#[tokio::test(start_paused = true)]
async fn the_drill_report_as_json() {
    let (c, w) = abc();
    let s = w.session(&c, Selection::all());
    let r = drill_master_inner(&s, DrillMode::Kill, Duration::from_secs(30))
        .await
        .unwrap();
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["drill"], "master");
    assert_eq!(v["mode"], "kill");
    assert_eq!(v["target"], "a");
    assert_eq!(v["passed"], true);
    assert_eq!(v["alive_master_after"], "b");
    assert!(v["timings"]["alive_after_s"].as_f64().is_some(), "{}", v);
    assert!(v["timings"]["workers_after_s"].as_f64().is_some(), "{}", v);
    assert!(v["timings"]["standby_after_s"].as_f64().is_some(), "{}", v);
    assert_eq!(
        v["timings"]["kept_working_after_s"],
        serde_json::Value::Null
    );
    assert_eq!(v["applications_lost"], serde_json::json!([]));
    let checks = v["checks"].as_array().unwrap();
    assert!(!checks.is_empty());
    assert!(checks
        .iter()
        .all(|c| c["ok"] == true && c["what"].is_string()));
    assert!(v.get("title").is_none(), "{}", v);

    let (c, w) = abc();
    let s = w.session(&c, Selection::all());
    let r = drill_zookeeper_inner(&s, None, Duration::from_secs(30))
        .await
        .unwrap();
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["drill"], "zookeeper");
    assert_eq!(v["mode"], serde_json::Value::Null);
    assert_eq!(v["passed"], true, "{}", v);
    assert!(
        v["timings"]["kept_working_after_s"].as_f64().is_some(),
        "{}",
        v
    );
    assert_eq!(v["alive_master_after"], serde_json::Value::Null);
}

/// A failed drill is `passed: false` and exit status 1, in JSON as in text.
#[tokio::test(start_paused = true)]
async fn a_failed_drill_says_so_in_json() {
    let (c, w) = abc();
    w.answer("a", "stop master", "@stopped");
    let s = w.session(&c, Selection::all());
    let r = drill_master_inner(&s, DrillMode::Stop, Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(r.code(), exit::FAILED);
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["passed"], false);
    assert_eq!(v["mode"], "stop");
    assert_eq!(v["timings"]["alive_after_s"], serde_json::Value::Null);
    assert_eq!(v["checks"][0]["ok"], false);
}
