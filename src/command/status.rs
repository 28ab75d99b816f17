//! `sparkctl status`: what runs where and whether the cluster is healthy.
//! Every probe runs at once with a short timeout, so a dead host costs one
//! timeout, never a hang. By default probes travel through one SSH
//! connection per host (opened in parallel, nothing else runs on the
//! hosts), so status works where only port 22 is reachable; a host whose
//! SSH connection fails shows its daemons as `unreachable`, not down. With
//! `[ssh] probe = "direct"` they dial the ports from here, and a port that
//! does not answer is checked over SSH: listening there means a firewall,
//! said as such. Exit status: 0 healthy, 3 degraded, 4 down.
//!
//! With `--limit`/`--skip`, hosts left out are not probed at all (an
//! unreachable host costs no timeout); the verdict covers the daemons of the
//! hosts checked, with ZooKeeper's quorum still counted against the whole
//! ensemble (a server not probed counts as not serving).

use crate::diag::exit;
use crate::exec::{self, ConnectOptions};
use crate::health::{self, Level, MasterStatus, ProbeError, WorkerState};
use crate::inventory::{Cluster, Host, ProbeRoute};
use crate::layout::Daemon;
use crate::session::probes;
use crate::session::select::Selection;
use anyhow::Result;
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;

#[derive(Serialize)]
struct Row {
    host: String,
    address: String,
    daemon: &'static str,
    state: String,
    detail: String,
}

/// A history server as `status --json` reports it.
#[derive(Serialize)]
struct HistoryRow {
    host: String,
    url: String,
    up: bool,
    /// How many applications it lists (null when it did not answer).
    applications: Option<usize>,
    completed: Option<usize>,
    error: Option<String>,
}

/// A Spark Connect server as `status --json` reports it.
#[derive(Serialize)]
struct ConnectRow {
    host: String,
    /// `sc://address:port`, what clients connect to.
    url: String,
    up: bool,
    /// Clients must present the token (`[connect] authenticate`).
    authenticated: bool,
    error: Option<String>,
}

/// A Mesos dispatcher as `status --json` reports it.
#[derive(Serialize)]
struct ServerRow {
    host: String,
    /// `mesos://address:port`, where clients submit.
    url: String,
    up: bool,
    error: Option<String>,
}

#[derive(Serialize)]
struct Report<'a> {
    cluster: &'a str,
    health: Level,
    ha: &'static str,
    master_url: String,
    /// `spark://m1:6066,m2:6066` when `[spark] rest = true`, else null.
    rest_url: Option<String>,
    /// The REST server checks a signed token (`sparkctl rest-token`).
    rest_authenticated: bool,
    alive_master: Option<String>,
    workers_registered: usize,
    workers_expected: usize,
    zookeeper_quorum: bool,
    daemons: Vec<Row>,
    /// The history servers (`[history]`): one entry per selected host
    /// with the role; empty without one.
    history: Vec<HistoryRow>,
    /// The Spark Connect servers (role `connect`): one entry per selected
    /// host with the role; empty without one.
    connect: Vec<ConnectRow>,
    /// The Mesos dispatchers (role `mesos-dispatcher`), likewise.
    mesos_dispatcher: Vec<ServerRow>,
    problems: Vec<String>,
    /// Hosts left out by --limit/--skip: not probed, not judged.
    skipped: Vec<String>,
}

pub async fn run(
    cluster: &Cluster,
    json: bool,
    sel: &Selection,
    connect: &ConnectOptions,
) -> Result<i32> {
    for n in sel.notices("its daemons") {
        eprintln!("{}", n);
    }
    let included = |h: &str| sel.includes(h);
    let (mut snap, mut worker_up, worker_hosts, history, connects) =
        match probe_all(cluster, sel, connect, true).await {
            Pass::Done(snap, up, hosts, history, connects) => (snap, up, hosts, history, connects),
            // A kept master was not the connection this run would make, or
            // its link is dead: everything again, over proven connections.
            Pass::Redo => match probe_all(cluster, sel, connect, false).await {
                Pass::Done(snap, up, hosts, history, connects) => {
                    (snap, up, hosts, history, connects)
                }
                Pass::Redo => unreachable!("a pass over proven connections is never redone"),
            },
        };
    if cluster.ssh.probe == ProbeRoute::Direct {
        explain_direct(cluster, connect, &mut snap, &worker_hosts, &mut worker_up).await;
    }
    let mut a = health::assess_among(cluster, &snap, &included);
    // The history servers are judged here, not in the snapshot's verdict
    // (deploy's waits have their own): one that does not answer makes the
    // cluster degraded, since applications still run without it.
    for (h, r) in &history {
        if let Err(why) = r {
            a.problems.push(health::Problem::HistoryDown {
                host: h.name.clone(),
                why: why.clone(),
            });
            a.level = a.level.max(Level::Degraded);
        }
    }
    for (d, h, r) in &connects {
        if let Err(why) = r {
            let (host, why) = (h.name.clone(), why.clone());
            a.problems.push(match d {
                Daemon::MesosDispatcher => health::Problem::MesosDispatcherDown { host, why },
                _ => health::Problem::ConnectDown { host, why },
            });
            a.level = a.level.max(Level::Degraded);
        }
    }

    let mut rows = Vec::new();
    for (name, mode) in &snap.zookeeper {
        let h = cluster
            .host(name)
            .expect("probe names come from the inventory");
        let detail = match mode {
            health::ZkMode::Down(e) => e.to_string(),
            _ => format!("{}:{}", h.address, h.zk.client_port),
        };
        rows.push(Row {
            host: name.clone(),
            address: h.address.clone(),
            daemon: "zookeeper",
            state: mode.label(),
            detail,
        });
    }
    let alive = snap
        .masters
        .iter()
        .find_map(|(_, r)| r.as_ref().ok().filter(|m| m.status == MasterStatus::Alive));
    for (name, r) in &snap.masters {
        let h = cluster
            .host(name)
            .expect("probe names come from the inventory");
        let (state, detail) = match r {
            Ok(m) if m.status == MasterStatus::Alive => (
                m.status.to_string(),
                format!(
                    "{} workers, {} cores, {} MiB, {} running apps",
                    m.workers
                        .iter()
                        .filter(|w| w.state == WorkerState::Alive)
                        .count(),
                    m.cores,
                    m.memory,
                    m.activeapps.len()
                ),
            ),
            Ok(m) => (
                m.status.to_string(),
                format!("http://{}:{}", h.address, h.spark.master_webui_port),
            ),
            Err(e) => (e.state().into(), e.to_string()),
        };
        rows.push(Row {
            host: name.clone(),
            address: h.address.clone(),
            daemon: "master",
            state,
            detail,
        });
    }
    for (h, up) in cluster
        .workers()
        .filter(|h| sel.includes(&h.name))
        .zip(worker_up)
    {
        let reg = alive.and_then(|m| {
            m.workers
                .iter()
                .find(|w| w.host == h.address && w.state == WorkerState::Alive)
        });
        let (state, detail) = match (reg, up) {
            (Some(w), _) => (
                WorkerState::Alive.to_string(),
                format!("{} cores, {} MiB", w.cores, w.memory),
            ),
            (None, Ok(())) => (
                "unregistered".to_string(),
                "running, but not registered with an ALIVE master".into(),
            ),
            (None, Err(e)) if e.no_answer() => (
                "down".to_string(),
                format!(
                    "no answer on web UI port {}: {}",
                    h.spark.worker_webui_port, e
                ),
            ),
            (None, Err(e)) => (e.state().to_string(), e.to_string()),
        };
        rows.push(Row {
            host: h.name.clone(),
            address: h.address.clone(),
            daemon: "worker",
            state,
            detail,
        });
    }
    let mut history_rows = Vec::new();
    for (h, r) in &history {
        let url = health::history_url(cluster, h);
        let (state, detail) = match r {
            Ok(j) => (
                "up".to_string(),
                format!("{}, {} applications", url, j.applications.len()),
            ),
            Err(e) if e.no_answer() => ("down".to_string(), format!("{}: {}", url, e)),
            Err(e) => (e.state().to_string(), format!("{}: {}", url, e)),
        };
        rows.push(Row {
            host: h.name.clone(),
            address: h.address.clone(),
            daemon: "history",
            state,
            detail,
        });
        history_rows.push(HistoryRow {
            host: h.name.clone(),
            url,
            up: r.is_ok(),
            applications: r.as_ref().ok().map(|j| j.applications.len()),
            completed: r
                .as_ref()
                .ok()
                .map(|j| j.applications.iter().filter(|a| a.completed()).count()),
            error: r.as_ref().err().map(ToString::to_string),
        });
    }
    let mut connect_rows = Vec::new();
    let mut mesos_rows = Vec::new();
    for (d, h, r) in &connects {
        let url = match d {
            Daemon::MesosDispatcher => health::dispatcher_url(cluster, h),
            _ => health::connect_url(cluster, h),
        };
        let (state, detail) = match r {
            Ok(()) => ("up".to_string(), url.clone()),
            Err(e) if e.no_answer() => ("down".to_string(), format!("{}: {}", url, e)),
            Err(e) => (e.state().to_string(), format!("{}: {}", url, e)),
        };
        rows.push(Row {
            host: h.name.clone(),
            address: h.address.clone(),
            daemon: d.label(),
            state,
            detail,
        });
        if *d == Daemon::MesosDispatcher {
            mesos_rows.push(ServerRow {
                host: h.name.clone(),
                url,
                up: r.is_ok(),
                error: r.as_ref().err().map(ToString::to_string),
            });
            continue;
        }
        connect_rows.push(ConnectRow {
            host: h.name.clone(),
            url,
            up: r.is_ok(),
            authenticated: cluster.connect.as_ref().is_some_and(|c| c.authenticate),
            error: r.as_ref().err().map(ToString::to_string),
        });
    }
    for h in cluster.hosts.iter().filter(|h| !sel.includes(&h.name)) {
        for (on, daemon) in [
            (h.roles.zookeeper, "zookeeper"),
            (h.roles.master, "master"),
            (h.roles.worker, "worker"),
            (h.roles.history, "history"),
            (h.roles.connect, "connect"),
            (h.roles.mesos_dispatcher, "mesos-dispatcher"),
        ] {
            if on {
                rows.push(Row {
                    host: h.name.clone(),
                    address: h.address.clone(),
                    daemon,
                    state: "skipped".into(),
                    detail: "not checked (--limit/--skip)".into(),
                });
            }
        }
    }
    rows.sort_by(|x, y| {
        (
            cluster.hosts.iter().position(|h| h.name == x.host),
            x.daemon,
        )
            .cmp(&(
                cluster.hosts.iter().position(|h| h.name == y.host),
                y.daemon,
            ))
    });

    let report = Report {
        cluster: &cluster.name,
        health: a.level,
        ha: cluster.ha.name(),
        master_url: cluster.master_url(),
        rest_url: cluster.rest_url(),
        rest_authenticated: cluster.spark.rest && cluster.spark.auth.is_some(),
        alive_master: a.alive_master.clone(),
        workers_registered: a.workers_alive,
        workers_expected: a.workers_expected,
        zookeeper_quorum: a.zk_quorum,
        daemons: rows,
        history: history_rows,
        connect: connect_rows,
        mesos_dispatcher: mesos_rows,
        problems: a.problems.iter().map(ToString::to_string).collect(),
        skipped: sel.left_out().iter().map(|s| s.to_string()).collect(),
    };
    if json {
        crate::outln!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_table(&report);
    }
    Ok(match a.level {
        Level::Healthy => exit::OK,
        Level::Degraded => exit::DEGRADED,
        Level::Down => exit::DOWN,
    })
}

/// How long a probe may wait for its host's SSH connection: `connect`
/// gives up by itself after connect_timeout + 5 s.
fn connect_budget(cluster: &Cluster) -> Duration {
    Duration::from_secs(cluster.ssh.connect_timeout + 6)
}

/// `probe = "direct"`: the daemons that gave no answer are checked over
/// SSH (connecting to their hosts only now: a healthy cluster costs no
/// SSH at all); a port listening on its host means something in between
/// blocks this machine, which is what the row then says.
async fn explain_direct(
    cluster: &Cluster,
    connect: &ConnectOptions,
    snap: &mut health::Snapshot,
    worker_hosts: &[Host],
    worker_up: &mut [Result<(), ProbeError>],
) {
    let mut silent: Vec<String> = Vec::new();
    for (h, m) in &snap.zookeeper {
        if matches!(m, health::ZkMode::Down(e) if e.no_answer()) {
            silent.push(h.clone());
        }
    }
    for (h, r) in &snap.masters {
        if matches!(r, Err(e) if e.no_answer()) {
            silent.push(h.clone());
        }
    }
    for (h, r) in worker_hosts.iter().zip(worker_up.iter()) {
        if matches!(r, Err(e) if e.no_answer()) {
            silent.push(h.name.clone());
        }
    }
    silent.sort();
    silent.dedup();
    let tasks: Vec<_> = silent
        .iter()
        .filter_map(|n| cluster.host(n))
        .map(|h| {
            (
                h.name.clone(),
                probes::connect_for_probes(cluster, h, connect),
            )
        })
        .collect();
    let mut conns = BTreeMap::new();
    for (n, t) in tasks {
        if let Ok(Ok(c)) = t.await {
            conns.insert(n, c);
        }
    }
    health::route::explain_direct(snap, cluster, &conns).await;
    for (h, r) in worker_hosts.iter().zip(worker_up.iter_mut()) {
        if let Err(e) = r {
            let port = h.spark.worker_webui_port;
            *e = health::route::explain_one(e.clone(), h, port, conns.get(&h.name)).await;
        }
    }
    for (_, c) in conns {
        c.close().await;
    }
}

fn print_table(r: &Report) {
    let label = match r.health {
        Level::Healthy => "HEALTHY",
        Level::Degraded => "DEGRADED",
        Level::Down => "DOWN",
    };
    let skipped = if r.skipped.is_empty() {
        String::new()
    } else {
        format!("; not checked: {}", r.skipped.join(", "))
    };
    crate::outln!(
        "cluster {}: {} (HA: {}, workers {}/{}{})",
        r.cluster,
        label,
        r.ha,
        r.workers_registered,
        r.workers_expected,
        skipped
    );
    crate::outln!("master URL: {}", r.master_url);
    if let Some(u) = &r.rest_url {
        crate::outln!(
            "REST URL: {} ({})",
            u,
            if r.rest_authenticated {
                "signed token required: sparkctl rest-token"
            } else {
                "no authentication: anyone who reaches it runs code"
            }
        );
    }
    // At least as wide as its heading, "HOST".
    let wh = crate::out::host_width(r.daemons.iter().map(|d| d.host.as_str())).max(4);
    let ws = r
        .daemons
        .iter()
        .map(|d| d.state.len())
        .max()
        .unwrap_or(5)
        .max(5);
    crate::outln!(
        "{:wh$}  {:9}  {:ws$}  DETAIL",
        "HOST",
        "DAEMON",
        "STATE",
        wh = wh,
        ws = ws
    );
    for d in &r.daemons {
        crate::outln!(
            "{:wh$}  {:9}  {:ws$}  {}",
            d.host,
            d.daemon,
            d.state,
            d.detail,
            wh = wh,
            ws = ws
        );
    }
    if !r.problems.is_empty() {
        crate::outln!("problems:");
        for p in &r.problems {
            crate::outln!("  - {}", p);
        }
    }
}

/// Each selected history server and its answer.
type HistoryAnswers = Vec<(Host, Result<health::HistoryJson, ProbeError>)>;
/// Each selected Connect server and Mesos dispatcher, and whether it
/// answered.
type ConnectAnswers = Vec<(Daemon, Host, Result<(), ProbeError>)>;

/// One round of every probe `status` makes: the snapshot, each selected
/// worker's answer, those workers, and the history servers' answers.
enum Pass {
    Done(
        health::Snapshot,
        Vec<Result<(), ProbeError>>,
        Vec<Host>,
        HistoryAnswers,
        ConnectAnswers,
    ),
    /// Some answer came through an unproven kept master that turned out not
    /// to be usable: the pass's answers must not be used.
    Redo,
}

/// Probe every daemon at once. With `reuse_unproven`, hosts whose kept SSH
/// master is still running are probed through it at once, while its
/// fingerprint is checked (see `exec::Unproven`): the answers are used only
/// if it proves right, and a host whose probes all went unanswered is
/// asked for a round trip before its silence is believed.
async fn probe_all(
    cluster: &Cluster,
    sel: &Selection,
    connect: &ConnectOptions,
    reuse_unproven: bool,
) -> Pass {
    // Masters and ZooKeeper servers of hosts left out are probed too (in
    // parallel: at most one probe timeout): the ALIVE master and the quorum
    // are the cluster's, and judging them from a subset would call a
    // healthy cluster down. Only their rows and problems are left out.
    let probed = |h: &Host| sel.includes(&h.name) || h.roles.zookeeper || h.roles.master;
    // A host left out by --limit/--skip (often: because it is
    // unreachable) costs at most one probe timeout.
    let wait = |h: &Host| {
        if sel.includes(&h.name) {
            connect_budget(cluster)
        } else {
            health::PROBE_TIMEOUT
        }
    };
    let hosts: Vec<&Host> = cluster.hosts.iter().filter(|h| probed(h)).collect();
    let mut kept = Vec::new();
    let mut unproven = BTreeMap::new();
    if reuse_unproven && cluster.ssh.probe == ProbeRoute::Ssh {
        // All at once: each is a file read and a round trip to a local
        // ssh process (1-3 ms each, measured; in turn they cost 5-10 ms);
        // the fingerprints they start run in the background.
        let mut set = tokio::task::JoinSet::new();
        for h in &hosts {
            let (c, h, o) = (cluster.clone(), (*h).clone(), connect.clone());
            set.spawn(async move { exec::resume_unproven(&c, &h, &o).await });
        }
        while let Some(r) = set.join_next().await {
            if let Ok(Some((conn, u))) = r {
                unproven.insert(conn.host.clone(), u);
                kept.push(conn);
            }
        }
    }
    let to_probe = hosts
        .iter()
        .filter(|h| !unproven.contains_key(&h.name))
        .map(|h| (*h, wait(h)));
    let route = probes::route(cluster, connect, kept, to_probe);
    let worker_hosts: Vec<Host> = cluster
        .workers()
        .filter(|h| sel.includes(&h.name))
        .cloned()
        .collect();
    let worker_uis: Vec<_> = worker_hosts
        .iter()
        .map(|h| {
            let (h, r) = (h.clone(), route.clone());
            tokio::spawn(async move { health::worker(&r, &h).await })
        })
        .collect();
    let history_uis: Vec<_> = cluster
        .history_hosts()
        .filter(|h| sel.includes(&h.name))
        .map(|h| {
            let (c, h, r) = (cluster.clone(), h.clone(), route.clone());
            tokio::spawn(async move {
                let a = health::history(&r, &c, &h).await;
                (h, a)
            })
        })
        .collect();
    let connect_ports: Vec<_> = [Daemon::Connect, Daemon::MesosDispatcher]
        .into_iter()
        .flat_map(|d| {
            cluster
                .hosts
                .iter()
                .filter(move |h| d.runs_on(h) && sel.includes(&h.name))
                .map(move |h| (d, h))
        })
        .map(|(d, h)| {
            let (c, h, r) = (cluster.clone(), h.clone(), route.clone());
            tokio::spawn(async move {
                let a = match d {
                    Daemon::MesosDispatcher => health::mesos_dispatcher(&r, &c, &h).await,
                    _ => health::connect(&r, &c, &h).await,
                };
                (d, h, a)
            })
        })
        .collect();
    let snap = health::probe(&route, cluster).await;
    let mut connects = Vec::new();
    for j in connect_ports {
        if let Ok(a) = j.await {
            connects.push(a);
        }
    }
    let mut history = Vec::new();
    for j in history_uis {
        if let Ok(a) = j.await {
            history.push(a);
        }
    }
    let mut worker_up = Vec::new();
    for j in worker_uis {
        worker_up.push(
            j.await
                .unwrap_or_else(|e| Err(ProbeError::Io(e.to_string()))),
        );
    }
    let mut redo = false;
    for (name, mut u) in unproven {
        let proven = (&mut u.proven).await.unwrap_or(false);
        let answered = snap
            .zookeeper
            .iter()
            .filter(|(h, _)| **h == name)
            .any(|(_, m)| !matches!(m, health::ZkMode::Down(e) if e.slow()))
            || snap
                .masters
                .iter()
                .filter(|(h, _)| **h == name)
                .any(|(_, r)| !matches!(r, Err(e) if e.slow()))
            || worker_hosts
                .iter()
                .zip(&worker_up)
                .filter(|(h, _)| h.name == name)
                .any(|(_, r)| !matches!(r, Err(e) if e.slow()))
            || history
                .iter()
                .filter(|(h, _)| h.name == name)
                .any(|(_, r)| !matches!(r, Err(e) if e.slow()))
            || connects
                .iter()
                .filter(|(_, h, _)| h.name == name)
                .any(|(_, _, r)| !matches!(r, Err(e) if e.slow()));
        if !proven || (!answered && !u.alive().await) {
            u.forget();
            redo = true;
        }
    }
    route.close().await;
    if redo {
        return Pass::Redo;
    }
    Pass::Done(snap, worker_up, worker_hosts, history, connects)
}
