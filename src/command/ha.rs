//! `sparkctl ha`: status, enable, disable, and the failover drill.
//!
//! `enable`/`disable` record the change in the inventory (comments and
//! layout kept, via toml_edit), validate the result before writing it, show
//! what will change, then converge with `deploy`, whose rolling restarts put
//! things in the right order (see `rolling.rs`).

use super::deploy;
use super::rolling::RollOptions;
use super::wait::{self, wait_until, Verdict, Wait, Waited};
use super::{inventory_path, load_inventory, Global, Session};
use crate::cli::{DrillMode, HaCommand};
use crate::diag::{exit, UsageError};
use crate::health::{self, MasterStatus, WorkerState, ZkMode};
use crate::inventory::{Cluster, Ha, Host};
use crate::layout::{self, Daemon};
use anyhow::{anyhow, bail, Result};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::Path;
use std::time::{Duration, Instant};

pub async fn run(cmd: HaCommand, global: &Global) -> Result<i32> {
    match cmd {
        HaCommand::Status { inventory, json } => {
            status(load_inventory(&inventory_path(inventory))?, global, json).await
        }
        HaCommand::Enable {
            inventory,
            zk,
            zk_hosts,
            masters,
            zk_tarball,
            filesystem,
            yes,
            roll,
        } => {
            let path = inventory_path(inventory);
            let change = if zk {
                Change::Zookeeper {
                    zk_hosts,
                    masters,
                    zk_tarball: zk_tarball.map(|p| p.display().to_string()),
                }
            } else {
                Change::Filesystem {
                    dir: filesystem.expect("clap requires --zk or --filesystem"),
                }
            };
            edit_and_deploy(&path, change, yes, global, RollOptions::from(&roll)).await
        }
        HaCommand::Disable {
            inventory,
            yes,
            roll,
        } => {
            edit_and_deploy(
                &inventory_path(inventory),
                Change::Disable,
                yes,
                global,
                RollOptions::from(&roll),
            )
            .await
        }
        HaCommand::Drill {
            inventory,
            mode,
            zk,
            host,
            timeout,
        } => {
            let c = load_inventory(&inventory_path(inventory))?;
            let d = Duration::from_secs(timeout);
            if zk {
                drill_zookeeper(c, global, host, d).await
            } else {
                drill_master(c, global, mode, d).await
            }
        }
    }
}

// ---------------------------------------------------------------- status

/// The recovery settings a running master was started with (from its JVM
/// command line: the truth, whatever the files say now).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Recovery {
    pub mode: String,
    pub zookeeper_url: Option<String>,
    pub zookeeper_dir: Option<String>,
    pub directory: Option<String>,
}

pub fn parse_recovery(cmdline: &str) -> Recovery {
    let prop = |k: &str| {
        cmdline
            .split_whitespace()
            .filter_map(|a| a.strip_prefix(&format!("-D{}=", k)))
            .next_back()
            .map(str::to_string)
    };
    Recovery {
        mode: prop("spark.deploy.recoveryMode").unwrap_or_else(|| "NONE".into()),
        zookeeper_url: prop("spark.deploy.zookeeper.url"),
        zookeeper_dir: prop("spark.deploy.zookeeper.dir").or_else(|| {
            prop("spark.deploy.recoveryMode")
                .filter(|m| m == "ZOOKEEPER")
                .map(|_| "/spark".into())
        }),
        directory: prop("spark.deploy.recoveryDirectory"),
    }
}

fn desired_recovery(c: &Cluster) -> Recovery {
    match &c.ha {
        Ha::None => Recovery {
            mode: "NONE".into(),
            ..Default::default()
        },
        Ha::Zookeeper => Recovery {
            mode: "ZOOKEEPER".into(),
            zookeeper_url: Some(c.zk_connect()),
            zookeeper_dir: Some(c.spark.zookeeper_dir.clone()),
            directory: None,
        },
        Ha::Filesystem { dir } => Recovery {
            mode: "FILESYSTEM".into(),
            directory: Some(dir.clone()),
            ..Default::default()
        },
    }
}

/// A problem with the masters' recovery settings. Typed so that `ha status`
/// decides its exit status by the kind (a split is DOWN), not by wording;
/// Display is the sentence users read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecoveryProblem {
    /// The masters disagree (each would think it leads): every master's setting.
    Split(Vec<(String, Recovery)>),
    /// The master on `host` runs with `running`, the inventory wants `wanted`.
    Differs {
        host: String,
        running: Recovery,
        wanted: Recovery,
    },
}

impl std::fmt::Display for RecoveryProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RecoveryProblem::Split(running) => {
                let each: Vec<String> = running
                    .iter()
                    .map(|(h, r)| format!("{}: {}", h, describe(r)))
                    .collect();
                write!(f, "the masters do not share one recovery setting, so each may act as leader on its own: {}", each.join("; "))
            }
            RecoveryProblem::Differs {
                host,
                running,
                wanted,
            } => write!(
                f,
                "the master on {} runs with {}, but the inventory says {}: run `sparkctl deploy`",
                host,
                describe(running),
                describe(wanted)
            ),
        }
    }
}

/// Problems with the masters' recovery settings: disagreement between them
/// (each would think it leads) or with the inventory.
pub fn recovery_problems(c: &Cluster, running: &[(String, Recovery)]) -> Vec<RecoveryProblem> {
    let mut p = Vec::new();
    let want = desired_recovery(c);
    let distinct: std::collections::BTreeSet<&Recovery> = running.iter().map(|(_, r)| r).collect();
    if distinct.len() > 1 {
        p.push(RecoveryProblem::Split(running.to_vec()));
    }
    for (h, r) in running {
        if *r != want {
            p.push(RecoveryProblem::Differs {
                host: h.clone(),
                running: r.clone(),
                wanted: want.clone(),
            });
        }
    }
    p
}

fn describe(r: &Recovery) -> String {
    match r.mode.as_str() {
        "ZOOKEEPER" => format!(
            "ZOOKEEPER {}{}",
            r.zookeeper_url.as_deref().unwrap_or("?"),
            r.zookeeper_dir.as_deref().unwrap_or("")
        ),
        "FILESYSTEM" => format!("FILESYSTEM {}", r.directory.as_deref().unwrap_or("?")),
        m => m.to_string(),
    }
}

#[derive(Serialize)]
struct HaReport {
    ha: &'static str,
    alive_master: Option<String>,
    masters: Vec<MasterRow>,
    zookeeper: Vec<(String, String)>,
    election_znode: Option<String>,
    election_participants: Option<Vec<String>>,
    problems: Vec<String>,
}

#[derive(Serialize)]
struct MasterRow {
    host: String,
    status: String,
    recovery: Option<Recovery>,
}

async fn status(c: Cluster, global: &Global, json: bool) -> Result<i32> {
    let mut quiet = global.clone();
    quiet.quiet = true;
    let s = Session::open(c.clone(), &quiet).await?;
    let snap = s.probe().await;
    let assessment = health::assess(&c, &snap);
    let facts = s.facts(None, None, &BTreeMap::new()).await;
    let facts = match facts {
        Ok(f) => f,
        Err(e) => {
            s.close().await;
            return Err(e);
        }
    };
    let mut rows = Vec::new();
    let mut running = Vec::new();
    for (name, r) in &snap.masters {
        let rec = facts
            .get(name)
            .and_then(|f| f.cmdlines.get(&Daemon::Master))
            .map(|cl| parse_recovery(cl));
        if let Some(r) = &rec {
            running.push((name.clone(), r.clone()));
        }
        rows.push(MasterRow {
            host: name.clone(),
            status: r
                .as_ref()
                .map(|m| m.status.to_string())
                .unwrap_or_else(|_| "down".into()),
            recovery: rec,
        });
    }
    let recovery = recovery_problems(&c, &running);
    // A split (masters on different recovery settings) is DOWN whatever
    // the probes say: decided here, by kind, before the problems become text.
    let split = recovery
        .iter()
        .any(|p| matches!(p, RecoveryProblem::Split(_)));
    let mut problems: Vec<String> = recovery.iter().map(ToString::to_string).collect();
    problems.extend(assessment.problems.iter().map(ToString::to_string));

    let znode =
        (c.ha == Ha::Zookeeper).then(|| format!("{}/leader_election", c.spark.zookeeper_dir));
    let mut participants = None;
    if let Some(z) = &znode {
        let serving = snap
            .zookeeper
            .iter()
            .find(|(_, m)| m.serving())
            .and_then(|(h, _)| c.host(h));
        if let Some(zh) = serving {
            match election_participants(&s, zh, z).await {
                Ok(list) => {
                    let up = running.len();
                    if list.len() != up {
                        problems.push(format!(
                            "{} participant(s) in {} but {} master(s) running",
                            list.len(),
                            z,
                            up
                        ));
                    }
                    participants = Some(list);
                }
                Err(e) => problems.push(format!("cannot list {}: {:#}", z, e)),
            }
        }
    }
    s.close().await;

    let report = HaReport {
        ha: c.ha.name(),
        alive_master: assessment.alive_master.clone(),
        masters: rows,
        zookeeper: snap
            .zookeeper
            .iter()
            .map(|(h, m)| (h.clone(), m.label()))
            .collect(),
        election_znode: znode,
        election_participants: participants,
        problems: problems.clone(),
    };
    if json {
        crate::outln!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        crate::outln!("HA mode (inventory): {}", c.ha.name());
        for m in &report.masters {
            crate::outln!(
                "  master {:10} {:9} {}",
                m.host,
                m.status,
                m.recovery
                    .as_ref()
                    .map(describe)
                    .unwrap_or_else(|| "not running".into())
            );
        }
        if !report.zookeeper.is_empty() {
            let zk: Vec<String> = report
                .zookeeper
                .iter()
                .map(|(h, m)| format!("{} {}", h, m))
                .collect();
            crate::outln!("  zookeeper: {}", zk.join(", "));
        }
        if let (Some(z), Some(p)) = (&report.election_znode, &report.election_participants) {
            crate::outln!("  {}: {} participant(s) {}", z, p.len(), p.join(", "));
        }
        if problems.is_empty() {
            crate::outln!("HA is healthy: one ALIVE master, {} STANDBY, every master on the same recovery settings", report.masters.len().saturating_sub(1));
        } else {
            crate::outln!("problems:");
            for p in &problems {
                crate::outln!("  - {}", p);
            }
        }
    }
    Ok(match (assessment.level, split) {
        (health::Level::Down, _) | (_, true) => exit::DOWN,
        (health::Level::Degraded, _) => exit::DEGRADED,
        _ if !problems.is_empty() => exit::DEGRADED,
        _ => exit::OK,
    })
}

/// Children of the election znode, listed with the distribution's zkCli.
async fn election_participants(s: &Session, zk: &Host, znode: &str) -> Result<Vec<String>> {
    let home = layout::current(&s.cluster.zookeeper.install_root);
    let script = crate::steps::zkcli_ls(&home, &zk.address, zk.zk.client_port, znode);
    let out = s
        .conn(&zk.name)
        .run_status("list the election znode", &script)
        .await?;
    parse_zkcli_ls(&out.stdout).ok_or_else(|| {
        anyhow!(
            "unexpected zkCli output: {}",
            out.stdout.lines().last().unwrap_or("")
        )
    })
}

/// The `[a, b]` line zkCli prints for `ls`; `None` if absent. A missing
/// node means no participants.
pub fn parse_zkcli_ls(out: &str) -> Option<Vec<String>> {
    if out.contains("Node does not exist") {
        return Some(vec![]);
    }
    let line = out
        .lines()
        .rev()
        .find(|l| l.starts_with('[') && l.trim_end().ends_with(']'))?;
    let inner = line.trim().trim_start_matches('[').trim_end_matches(']');
    Some(
        inner
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
    )
}

// ---------------------------------------------------------------- enable / disable

pub enum Change {
    Zookeeper {
        zk_hosts: Vec<String>,
        masters: Vec<String>,
        zk_tarball: Option<String>,
    },
    Filesystem {
        dir: String,
    },
    Disable,
}

/// Apply `change` to the inventory text, keeping comments and layout.
pub fn edit_inventory(text: &str, change: &Change) -> Result<String> {
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e| anyhow!("cannot parse the inventory: {}", e))?;
    if doc.get("cluster").is_none() {
        doc["cluster"] = toml_edit::table();
    }
    let cluster = doc["cluster"]
        .as_table_mut()
        .ok_or_else(|| anyhow!("[cluster] is not a table"))?;
    match change {
        Change::Zookeeper { .. } => {
            cluster["ha"] = toml_edit::value("zookeeper");
            cluster.remove("recovery_dir");
        }
        Change::Filesystem { dir } => {
            cluster["ha"] = toml_edit::value("filesystem");
            cluster["recovery_dir"] = toml_edit::value(dir.as_str());
        }
        Change::Disable => {
            cluster["ha"] = toml_edit::value("none");
            cluster.remove("recovery_dir");
        }
    }
    if let Change::Zookeeper {
        zk_hosts,
        masters,
        zk_tarball,
    } = change
    {
        add_role(&mut doc, zk_hosts, "zookeeper")?;
        add_role(&mut doc, masters, "master")?;
        let has_zk_dist = doc
            .get("zookeeper")
            .and_then(|z| z.as_table())
            .is_some_and(|z| z.contains_key("tarball") || z.contains_key("url"));
        if !has_zk_dist {
            match zk_tarball {
                Some(t) => {
                    if doc.get("zookeeper").is_none() {
                        doc["zookeeper"] = toml_edit::table();
                    }
                    doc["zookeeper"]["tarball"] = toml_edit::value(t.as_str());
                }
                None => bail!(UsageError("error: ha enable --zk needs a ZooKeeper distribution, and the inventory has none\n  = help: pass --zk-tarball PATH (e.g. apache-zookeeper-3.8.4-bin.tar.gz), or add [zookeeper] with `tarball` or `url` and `sha512`".into())),
            }
        }
    }
    Ok(doc.to_string())
}

fn add_role(doc: &mut toml_edit::DocumentMut, hosts: &[String], role: &str) -> Result<()> {
    if hosts.is_empty() {
        return Ok(());
    }
    let tables = doc
        .get_mut("host")
        .and_then(|h| h.as_array_of_tables_mut())
        .ok_or_else(|| anyhow!("the inventory has no [[host]] tables"))?;
    let names: Vec<String> = tables
        .iter()
        .filter_map(|t| t.get("name").and_then(|n| n.as_str()).map(str::to_string))
        .collect();
    for want in hosts {
        let Some(t) = tables
            .iter_mut()
            .find(|t| t.get("name").and_then(|n| n.as_str()) == Some(want.as_str()))
        else {
            let hint = crate::diag::did_you_mean(want, names.iter().map(String::as_str))
                .map(|s| format!(" (did you mean `{}`?)", s))
                .unwrap_or_default();
            bail!(UsageError(format!(
                "error: no host named `{}` in the inventory{}; hosts: {}",
                want,
                hint,
                names.join(", ")
            )));
        };
        let roles = t
            .entry("roles")
            .or_insert(toml_edit::value(toml_edit::Array::new()));
        let arr = roles
            .as_array_mut()
            .ok_or_else(|| anyhow!("roles of host `{}` is not a list", want))?;
        if !arr.iter().any(|v| v.as_str() == Some(role)) {
            arr.push(role);
        }
    }
    Ok(())
}

async fn edit_and_deploy(
    path: &Path,
    change: Change,
    yes: bool,
    global: &Global,
    roll: RollOptions,
) -> Result<i32> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        UsageError(format!(
            "error: cannot read inventory {}: {}",
            path.display(),
            e
        ))
    })?;
    let new_text = edit_inventory(&text, &change)?;
    // Validate the result before writing anything: errors point into the edited text.
    let cluster = crate::inventory::parse(path, &new_text).map_err(|d| {
        UsageError(format!(
            "the inventory after this change would be invalid; nothing was changed:\n{}",
            d
        ))
    })?;
    let diff = crate::diff::unified(&path.display().to_string(), Some(&text), &new_text);
    if diff.is_empty() {
        eprintln!(
            "{} already says ha = \"{}\"; converging the cluster to it",
            path.display(),
            cluster.ha.name()
        );
    } else {
        eprintln!("This changes {}:\n{}", path.display(), diff);
        eprintln!("then runs `sparkctl deploy`: ZooKeeper (if new) is started and waited for, spark-env.sh is rewritten on the masters, running applications are waited for if the master cannot carry them over, masters restart (standbys first), and workers restart with the master list {}.", cluster.master_url());
        if !yes {
            if !std::io::stdin().is_terminal() {
                bail!(UsageError(
                    "error: refusing to change a running cluster without confirmation: pass --yes"
                        .into()
                ));
            }
            eprint!("Proceed? [y/N] ");
            let mut answer = String::new();
            std::io::stdin().read_line(&mut answer)?;
            if !matches!(answer.trim(), "y" | "Y" | "yes") {
                eprintln!("nothing was changed");
                return Ok(exit::USAGE);
            }
        }
        // Write the inventory atomically: a reader never sees half a file.
        let tmp = path.with_extension(format!("toml.sparkctl-tmp{}", std::process::id()));
        std::fs::write(&tmp, &new_text)?;
        std::fs::rename(&tmp, path)?;
        eprintln!("updated {}", path.display());
    }
    deploy::run(
        cluster,
        global,
        &deploy::Args {
            dry_run: false,
            files_only: false,
            roll,
        },
    )
    .await
}

// ---------------------------------------------------------------- drill

#[derive(Default)]
struct Report {
    lines: Vec<(String, bool)>,
}

impl Report {
    fn check(&mut self, ok: bool, what: String) {
        self.lines.push((what, ok));
    }
    fn print_and_code(&self, title: &str) -> i32 {
        crate::outln!("{}", title);
        for (what, ok) in &self.lines {
            crate::outln!("  [{}] {}", if *ok { "ok" } else { "FAIL" }, what);
        }
        if self.lines.iter().all(|(_, ok)| *ok) {
            crate::outln!("drill passed");
            exit::OK
        } else {
            crate::outln!("drill FAILED");
            exit::FAILED
        }
    }
}

async fn drill_master(
    c: Cluster,
    global: &Global,
    mode: DrillMode,
    limit: Duration,
) -> Result<i32> {
    if c.masters().count() < 2 && c.ha == Ha::Zookeeper {
        bail!(UsageError(
            "error: a failover drill needs at least two masters".into()
        ));
    }
    let s = Session::open_locked(c.clone(), global, "ha drill").await?;
    let r = drill_master_inner(&s, mode, limit).await;
    s.close().await;
    r
}

async fn drill_master_inner(s: &Session, mode: DrillMode, limit: Duration) -> Result<i32> {
    let c = &s.cluster;
    let snap = s.probe().await;
    let a = health::assess(c, &snap);
    let Some(old) = a.alive_master.clone() else {
        bail!(
            "no single ALIVE master to drill: {}",
            super::join(&a.problems, "; ")
        );
    };
    if a.level != health::Level::Healthy {
        bail!(
            "the cluster is not healthy before the drill; fix it first: {}",
            super::join(&a.problems, "; ")
        );
    }
    let apps_before: Vec<String> = snap
        .masters
        .iter()
        .find(|(h, _)| *h == old)
        .and_then(|(_, r)| r.as_ref().ok())
        .map(|m| m.activeapps.iter().map(|a| a.id.clone()).collect())
        .unwrap_or_default();
    let old_host = c
        .host(&old)
        .expect("alive master is in the inventory")
        .clone();
    let mut report = Report::default();
    s.progress.line(&format!(
        "drill: {} the ALIVE master on {} ({} running application(s))",
        if mode == DrillMode::Kill {
            "SIGKILL"
        } else {
            "stopping"
        },
        old,
        apps_before.len()
    ));

    let t0 = Instant::now();
    match mode {
        DrillMode::Kill => {
            // Only the pid proven to be the master is killed (a pid file
            // the service user can write may name any process, or -1).
            let cmd = crate::steps::kill_daemon(&old_host, Daemon::Master, c.run_as.as_deref());
            s.conn(&old).run("kill the ALIVE master", &cmd).await?;
        }
        DrillMode::Stop => {
            s.stop(Daemon::Master, vec![old_host.clone()]).await?;
        }
    }
    let t_down = t0.elapsed();

    // Until another master is ALIVE. With a single master (FILESYSTEM or
    // ZooKeeper recovery of one master) the drill restarts it and measures
    // its recovery instead.
    let others: Vec<&Host> = c.masters().filter(|h| h.name != old).collect();
    let single = others.is_empty();
    if single {
        s.start(Daemon::Master, vec![old_host.clone()], None)
            .await?;
    }
    let candidates: Vec<&Host> = if single { vec![&old_host] } else { others };
    // Each round asks every candidate; the last one seen ALIVE is taken,
    // timed when it was seen. The clock runs from the kill/stop.
    let candidates = &candidates;
    let new_alive = wait_until(
        Wait::new(limit, wait::FAILOVER_POLL)
            .since(t0)
            .deadline_first(),
        move || async move {
            let mut seen = None;
            for h in candidates {
                if let Ok(m) = s.master(h).await {
                    if m.status == MasterStatus::Alive {
                        seen = Some((h.name.clone(), t0.elapsed()));
                    }
                }
            }
            seen
        },
        |seen, _| {
            wait::ready(match seen {
                Some(found) => Verdict::Done(found),
                None => Verdict::Pending(()),
            })
        },
    )
    .await?;
    let Waited::Done((new, t_alive)) = new_alive else {
        report.check(
            false,
            format!("no master became ALIVE within {} s", limit.as_secs()),
        );
        return Ok(report.print_and_code("failover drill"));
    };
    report.check(
        true,
        format!(
            "{} is ALIVE {:.1} s after the master on {} went down",
            new,
            t_alive.as_secs_f64(),
            old
        ),
    );

    // ...and every worker has re-registered with it, and the apps are back.
    let nh = c.host(&new).expect("inventory master").clone();
    let expected = c.workers().count();
    // `apps_after` is what the new master ran when last asked (kept when
    // it does not answer), for the report below.
    let mut apps_after: Vec<String> = Vec::new();
    let nh = &nh;
    let workers = wait_until(
        Wait::new(limit, wait::FAILOVER_POLL)
            .since(t0)
            .deadline_first(),
        move || s.master(nh),
        |r, round| {
            let mut v = Verdict::Pending(());
            if let Ok(m) = r {
                let alive = m
                    .workers
                    .iter()
                    .filter(|w| w.state == WorkerState::Alive)
                    .count();
                apps_after = m.activeapps.iter().map(|a| a.id.clone()).collect();
                if m.status == MasterStatus::Alive
                    && alive == expected
                    && apps_before.iter().all(|a| apps_after.contains(a))
                {
                    v = Verdict::Done(round.elapsed());
                }
            }
            wait::ready(v)
        },
    )
    .await?;
    let t_workers = match workers {
        Waited::Done(t) => Some(t),
        Waited::Expired(_) => None,
    };
    match t_workers {
        Some(t) => report.check(
            true,
            format!(
                "all {} workers re-registered with {} after {:.1} s",
                expected,
                new,
                t.as_secs_f64()
            ),
        ),
        None => report.check(
            false,
            format!(
                "workers did not all re-register with {} within {} s",
                new,
                limit.as_secs()
            ),
        ),
    }
    let missing: Vec<&String> = apps_before
        .iter()
        .filter(|a| !apps_after.contains(a))
        .collect();
    report.check(
        missing.is_empty(),
        if missing.is_empty() {
            format!(
                "{} application(s) running before the drill are running on {}",
                apps_before.len(),
                new
            )
        } else {
            format!("applications lost in the failover: {:?}", missing)
        },
    );

    if !single {
        // Bring the old master back: it must join as STANDBY.
        s.start(Daemon::Master, vec![old_host.clone()], None)
            .await?;
        // The clock runs from the restart.
        let old_host = &old_host;
        let back = match wait_until(
            Wait::new(limit, wait::DRILL_POLL).deadline_first(),
            move || s.master(old_host),
            |r, round| {
                wait::ready(match r {
                    Ok(m) if m.status == MasterStatus::Standby => Verdict::Done(round.elapsed()),
                    _ => Verdict::Pending(()),
                })
            },
        )
        .await?
        {
            Waited::Done(t) => Some(t),
            Waited::Expired(_) => None,
        };
        report.check(
            back.is_some(),
            match back {
                Some(t) => format!(
                    "the master on {} is back as STANDBY ({:.1} s after its restart)",
                    old,
                    t.as_secs_f64()
                ),
                None => format!(
                    "the master on {} did not come back as STANDBY within {} s",
                    old,
                    limit.as_secs()
                ),
            },
        );
    }
    let a = s.wait_workers(limit).await;
    report.check(a.is_ok(), "the cluster is healthy after the drill".into());
    let _ = t_down;
    crate::outln!(
        "FAILOVER {} mode={} alive_after_s={:.2} workers_after_s={:.2}",
        old,
        if mode == DrillMode::Kill {
            "kill"
        } else {
            "stop"
        },
        t_alive.as_secs_f64(),
        t_workers.map(|t| t.as_secs_f64()).unwrap_or(f64::NAN)
    );
    Ok(report.print_and_code(&format!(
        "failover drill ({} of the ALIVE master on {})",
        if mode == DrillMode::Kill {
            "kill -9"
        } else {
            "graceful stop"
        },
        old
    )))
}

/// The ZooKeeper drill's test, with the server on `down` stopped: every
/// other server serves, one of them leads, a master is ALIVE and every
/// worker is registered with it.
fn cluster_kept_working(c: &Cluster, snap: &health::Snapshot, down: &str) -> bool {
    let others_ok = snap
        .zookeeper
        .iter()
        .filter(|(h, _)| *h != down)
        .all(|(_, m)| m.serving());
    let one_leader = snap
        .zookeeper
        .iter()
        .filter(|(_, m)| *m == ZkMode::Leader)
        .count()
        == 1;
    let a = health::assess(c, snap);
    others_ok && one_leader && a.alive_master.is_some() && a.workers_alive == a.workers_expected
}

async fn drill_zookeeper(
    c: Cluster,
    global: &Global,
    host: Option<String>,
    limit: Duration,
) -> Result<i32> {
    let s = Session::open_locked(c.clone(), global, "ha drill --zk").await?;
    let r = drill_zookeeper_inner(&s, host, limit).await;
    s.close().await;
    r
}

async fn drill_zookeeper_inner(s: &Session, host: Option<String>, limit: Duration) -> Result<i32> {
    let c = &s.cluster;
    let snap = s.probe().await;
    if health::assess(c, &snap).level != health::Level::Healthy {
        bail!("the cluster is not healthy before the drill; fix it first");
    }
    let target = match host {
        Some(h) => c.zk_hosts().find(|z| z.name == h).cloned().ok_or_else(|| {
            UsageError(format!(
                "error: `{}` is not a ZooKeeper host of the inventory",
                h
            ))
        })?,
        None => {
            let leader = snap
                .zookeeper
                .iter()
                .find(|(_, m)| *m == ZkMode::Leader)
                .map(|(h, _)| h.clone())
                .ok_or_else(|| anyhow!("no ZooKeeper leader"))?;
            c.host(&leader).expect("inventory host").clone()
        }
    };
    let mut report = Report::default();
    s.progress
        .line(&format!("drill: stopping ZooKeeper on {}", target.name));
    let t0 = Instant::now();
    s.stop(Daemon::ZooKeeper, vec![target.clone()]).await?;
    // The rest must elect a leader and keep the masters working.
    let target_name = target.name.as_str();
    let kept_working = wait_until(
        Wait::new(limit, wait::DRILL_POLL)
            .since(t0)
            .deadline_first(),
        || s.probe(),
        |snap, round| {
            wait::ready(if cluster_kept_working(c, &snap, target_name) {
                Verdict::Done(round.elapsed())
            } else {
                Verdict::Pending(())
            })
        },
    )
    .await?;
    let t_leader = match kept_working {
        Waited::Done(t) => Some(t),
        Waited::Expired(_) => None,
    };
    report.check(t_leader.is_some(), match t_leader {
        Some(t) => format!("with ZooKeeper on {} down, the others served with one leader, one ALIVE master and every worker registered ({:.1} s)", target.name, t.as_secs_f64()),
        None => format!("the cluster did not keep working within {} s of stopping ZooKeeper on {}", limit.as_secs(), target.name),
    });
    s.start(Daemon::ZooKeeper, vec![target.clone()], None)
        .await?;
    let back = s.wait_zookeeper(limit).await;
    let all: Vec<String> = c.masters().map(|h| h.name.clone()).collect();
    let revived = s.revive_masters(&all).await;
    report.check(
        revived.is_ok(),
        "every master is running again (one ALIVE, the rest STANDBY)".into(),
    );
    report.check(
        back.is_ok(),
        format!("ZooKeeper on {} rejoined the quorum", target.name),
    );
    let healthy = s.wait_workers(limit).await;
    report.check(
        healthy.is_ok(),
        "the cluster is healthy after the drill".into(),
    );
    Ok(report.print_and_code(&format!("ZooKeeper drill (stop of {})", target.name)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_from_command_lines() {
        let r = parse_recovery("/usr/bin/java -cp x -Xmx256m -Dspark.deploy.recoveryMode=ZOOKEEPER -Dspark.deploy.zookeeper.url=a:2181,b:2181 -Dspark.deploy.zookeeper.dir=/spark org.apache.spark.deploy.master.Master");
        assert_eq!(r.mode, "ZOOKEEPER");
        assert_eq!(r.zookeeper_url.as_deref(), Some("a:2181,b:2181"));
        assert_eq!(
            parse_recovery("java org.apache.spark.deploy.master.Master").mode,
            "NONE"
        );
    }

    #[test]
    fn masters_that_disagree_are_reported() {
        let c = crate::inventory::load(Path::new("inventories/abc.toml")).unwrap();
        let good = desired_recovery(&c);
        let mut other = good.clone();
        other.zookeeper_dir = Some("/other".into());
        assert!(recovery_problems(
            &c,
            &[("a".into(), good.clone()), ("b".into(), good.clone())]
        )
        .is_empty());
        let p = recovery_problems(&c, &[("a".into(), good), ("b".into(), other)]);
        assert!(
            p[0].to_string()
                .starts_with("the masters do not share one recovery setting"),
            "{:?}",
            p
        );
        assert!(p[1].to_string().starts_with("the master on b runs with ZOOKEEPER a:2181,b:2181,c:2181/other, but the inventory says"), "{:?}", p);
    }

    #[test]
    fn zkcli_ls_output() {
        assert_eq!(
            parse_zkcli_ls("log line\n[_c_1-latch-0000000001, _c_2-latch-0000000002]\n"),
            Some(vec![
                "_c_1-latch-0000000001".into(),
                "_c_2-latch-0000000002".into()
            ])
        );
        assert_eq!(
            parse_zkcli_ls("Node does not exist: /spark/leader_election\n"),
            Some(vec![])
        );
        assert_eq!(parse_zkcli_ls("[]\n"), Some(vec![]));
        assert_eq!(parse_zkcli_ls("garbage"), None);
    }

    #[test]
    fn enable_keeps_comments_and_adds_roles() {
        let text = "# my cluster\n[spark]\ntarball = \"s.tgz\" # pinned\n[zookeeper]\ntarball = \"z-3.8.4.tgz\"\n\n[[host]]\nname = \"a\"\nroles = [\"master\", \"worker\"]\n[[host]]\nname = \"b\"\nroles = [\"worker\"]\n[[host]]\nname = \"c\"\nroles = [\"worker\"]\n";
        let change = Change::Zookeeper {
            zk_hosts: vec!["a".into(), "b".into(), "c".into()],
            masters: vec!["b".into()],
            zk_tarball: None,
        };
        let out = edit_inventory(text, &change).unwrap();
        assert!(
            out.contains("# my cluster") && out.contains("# pinned"),
            "{}",
            out
        );
        let c = crate::inventory::parse(Path::new("x.toml"), &out).unwrap();
        assert_eq!(c.ha, Ha::Zookeeper);
        assert_eq!(c.masters().count(), 2);
        assert_eq!(c.zk_hosts().count(), 3);
        let err = edit_inventory(
            text,
            &Change::Zookeeper {
                zk_hosts: vec!["d".into()],
                masters: vec![],
                zk_tarball: None,
            },
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with("error: no host named `d` in the inventory"),
            "{}",
            err
        );
        let no_zk = text.replace("[zookeeper]\ntarball = \"z-3.8.4.tgz\"\n", "");
        let err = edit_inventory(&no_zk, &change).unwrap_err().to_string();
        assert!(
            err.starts_with("error: ha enable --zk needs a ZooKeeper distribution"),
            "{}",
            err
        );
    }
}
