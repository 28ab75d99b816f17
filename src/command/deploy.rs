//! `sparkctl deploy`: install, configure, start and verify, converging from
//! whatever state the hosts are in. Order of work:
//!
//! 1. inventory, distributions and every host's files, all checked locally
//!    (a bad template or tarball stops the run before any host is touched);
//! 2. connect, gather facts, preflight (Java, disk, ports) on every host:
//!    any problem stops the run before anything changes;
//! 3. per host in parallel: upload, unpack, write files, flip `current`;
//! 4. ZooKeeper (wait for quorum) -> masters (wait for one ALIVE, the rest
//!    STANDBY) -> workers (wait until all are registered);
//! 5. summary.

use super::{resolve_dists, Global};
use crate::health;
use crate::inventory::{Cluster, Host};
use crate::layout::Daemon;
use crate::plan::{self, HostPlan};
use crate::render::{ConfigFile, Dists, Renderer};
use crate::session::converge::{stop_order, START_ORDER};
use crate::session::rolling::RollOptions;
use crate::session::wait;
use crate::session::Session;
use crate::steps;
use anyhow::{bail, Result};
use std::collections::BTreeMap;

pub struct Args {
    pub dry_run: bool,
    /// Install and write files only: no daemon is started, restarted or checked.
    pub files_only: bool,
    pub roll: RollOptions,
}

pub async fn run(cluster: Cluster, global: &Global, args: &Args) -> Result<i32> {
    let renderer = Renderer::new(&cluster)?;
    let (spark, zk) = resolve_dists(&cluster, global.reverify).await?;
    let dists = Dists {
        spark: &spark,
        zookeeper: zk.as_ref(),
    };
    let mut files: BTreeMap<String, Vec<ConfigFile>> = BTreeMap::new();
    for h in &cluster.hosts {
        files.insert(h.name.clone(), renderer.host_files(&cluster, &dists, h)?);
    }
    let paths: BTreeMap<String, Vec<String>> = files
        .iter()
        .map(|(h, fs)| (h.clone(), fs.iter().map(|f| f.path.clone()).collect()))
        .collect();

    let session = if args.dry_run {
        Session::open(cluster.clone(), global).await?
    } else {
        Session::open_locked(cluster.clone(), global, "deploy").await?
    };
    let result = deploy(
        &session,
        &spark,
        zk.as_ref(),
        &files,
        &paths,
        renderer.secret.as_ref(),
        args,
    )
    .await;
    session.close().await;
    result
}

async fn deploy(
    s: &Session,
    spark: &crate::dist::LocalDist,
    zk: Option<&crate::dist::LocalDist>,
    files: &BTreeMap<String, Vec<ConfigFile>>,
    paths: &BTreeMap<String, Vec<String>>,
    secret: Option<&crate::secret::Loaded>,
    args: &Args,
) -> Result<i32> {
    let c = &s.cluster;
    // --limit/--skip: everything below plans, changes, starts and waits for
    // these hosts only; files were rendered above for the whole cluster.
    let hosts = s.hosts();
    s.progress.line("gathering facts");
    let facts = s.facts(Some(spark), zk, paths).await?;

    let mut plans: BTreeMap<String, HostPlan> = BTreeMap::new();
    let mut problems = Vec::new();
    for h in &hosts {
        let dists = plan::host_dists(h, spark, zk);
        let p = plan::plan_host(c, h, &dists, &files[&h.name], &facts[&h.name]);
        problems.extend(plan::preflight(c, h, &dists, &facts[&h.name], &p));
        plans.insert(h.name.clone(), p);
    }
    if let Some(l) = secret.filter(|l| l.fresh) {
        // No secret on this machine, but the hosts have one: a new one would
        // lock every running application out. Adopting the hosts' secret is
        // the operator's call (it means copying it here), so stop and say how.
        let conf = crate::layout::daemon_conf(c);
        let holders: Vec<&str> = facts
            .iter()
            .filter(|(_, f)| f.files.contains_key(&conf))
            .map(|(h, _)| h.as_str())
            .collect();
        if holders.is_empty() && facts.len() < c.hosts.len() {
            // A host left out may hold the secret this run cannot see.
            problems.push(format!(
                "{} does not exist, and a new secret is only made by a run that sees every host (hosts are left out by --limit/--skip); run once without them",
                l.path.display()
            ));
        }
        if let Some(first) = holders.first() {
            let read = steps::read_secret_command(&conf, c.ssh.sudo);
            let file = crate::shell::quote(&l.path.display().to_string());
            problems.push(format!(
                "{} does not exist, but host(s) {} already have the cluster's secret in {}; a new secret would cut off running applications\n    = help: copy it here (as your usual SSH user): (umask 077; ssh {} {} > {})\n      (or, to replace the secret, remove {} on every host first)",
                l.path.display(),
                holders.join(", "),
                conf,
                c.host(first).map(|h| h.address.as_str()).unwrap_or(first),
                crate::shell::quote(&read),
                file,
                conf
            ));
        }
    }
    if !problems.is_empty() {
        bail!(
            "preflight failed; nothing was changed on any host:\n  - {}",
            problems.join("\n  - ")
        );
    }

    for h in &hosts {
        s.progress
            .line(&format!("plan {}: {}", h.name, describe(&plans[&h.name])));
    }
    if args.dry_run {
        let current = current_contents(s, &plans, &facts).await?;
        print_dry_run(c, &plans, &current);
        return Ok(crate::diag::exit::OK);
    }

    if let Some(l) = secret.filter(|l| l.fresh) {
        crate::secret::save_fresh(l)?;
        s.progress.line(&format!(
            "generated the cluster's secret in {} (mode 0600): keep it; applications need it to connect",
            l.path.display()
        ));
    }

    // Files: upload, unpack, write, link; hosts in parallel.
    let changing: Vec<Host> = hosts
        .iter()
        .filter(|h| !plans[&h.name].files_unchanged())
        .cloned()
        .collect();
    let plans_arc = std::sync::Arc::new(plans.clone());
    s.each_host(changing, |conn, host, bar| {
        let p = plans_arc[&host.name].clone();
        let run_as = c.run_as.clone();
        async move {
            for i in &p.installs {
                if i.upload && i.dist.fetch.is_some() {
                    // fetch = "hosts": the host downloads and verifies it.
                    bar.step(&format!("fetch {}", i.dist.file_name));
                    let java = host.spark_java();
                    conn.run(
                        &format!("fetch {}", i.dist.file_name),
                        &steps::fetch(&i.root, &i.dist, &java),
                    )
                    .await?;
                } else if i.upload {
                    bar.upload(&i.dist.file_name, i.dist.size);
                    let b = bar.clone();
                    conn.run_with_file(
                        &format!("upload {}", i.dist.file_name),
                        &steps::upload(&i.root, &i.dist),
                        &i.dist.path,
                        move |n| b.bytes(n),
                    )
                    .await?;
                }
                bar.step(&format!("unpack {}", i.dist.file_name));
                conn.run(
                    &format!("unpack {}", i.dist.file_name),
                    &steps::install(&i.root, &i.dist, i.upload),
                )
                .await?;
            }
            if !p.writes.is_empty() || !p.mkdirs.is_empty() {
                bar.step(&format!("write {} files", p.writes.len()));
                let script = steps::write_files(&p.mkdirs, &p.writes, run_as.as_deref());
                match steps::secret_input(&p.writes) {
                    Some(input) => {
                        conn.run_with_input("write config files", &script, input)
                            .await?
                    }
                    None => conn.run("write config files", &script).await?,
                };
            }
            for (root, dir) in &p.links {
                conn.run(&format!("link {}/current", root), &steps::link(root, dir))
                    .await?;
            }
            bar.finish(&describe_files(&p));
            Ok(())
        }
    })
    .await?;

    if args.files_only {
        crate::outln!("Files deployed to cluster {} in {:.1} s (--files-only: no daemon was started or restarted)", c.name, s.progress.elapsed().as_secs_f64());
        for h in &hosts {
            let p = &plans[&h.name];
            let files = if p.files_unchanged() {
                "no changes".to_string()
            } else {
                describe_files(p)
            };
            let pending: Vec<&str> = p
                .start
                .iter()
                .chain(p.restart.iter())
                .map(|d| d.label())
                .collect();
            let pending = if pending.is_empty() {
                String::new()
            } else {
                format!("; to (re)start on the next deploy: {}", pending.join(", "))
            };
            crate::outln!("  {:w$}  {}{}", h.name, files, pending, w = name_width(c));
        }
        for n in s.global.select.notices("its files and daemons") {
            crate::outln!("Not done:    {}", n);
        }
        return Ok(crate::diag::exit::OK);
    }
    // Daemons, in order, each phase verified before the next.
    let hosts_with = |d: Daemon, restart: bool| -> Vec<Host> {
        hosts
            .iter()
            .filter(|h| {
                let p = &plans[&h.name];
                if restart {
                    p.restart.contains(&d)
                } else {
                    p.start.contains(&d)
                }
            })
            .cloned()
            .collect()
    };
    let (restart_of, start_of) = (true, false);
    let fps = |d: Daemon| -> BTreeMap<String, String> {
        plans
            .iter()
            .filter_map(|(h, p)| p.fingerprints.get(&d).map(|f| (h.clone(), f.clone())))
            .collect()
    };

    let roll = &args.roll;
    let orphans = |d: Daemon| -> Vec<Host> {
        hosts
            .iter()
            .filter(|h| plans[&h.name].stop.contains(&d))
            .cloned()
            .collect()
    };
    // The start order is `converge::START_ORDER`; what each daemon's phase
    // does differs (ZooKeeper starts before it rolls, masters roll before
    // new ones start), so each has its own arm.
    for d in START_ORDER {
        match d {
            Daemon::ZooKeeper if c.has_zookeeper() => {
                // Servers that are down first (a quorum needs them), then changed
                // ones one at a time so the quorum is never lost.
                s.start(d, hosts_with(d, start_of), Some(&fps(d))).await?;
                s.wait_zookeeper(wait::ZK_DEADLINE).await?;
                s.roll_zookeeper(hosts_with(d, restart_of), Some(&fps(d)))
                    .await?;
            }
            Daemon::ZooKeeper => {}
            Daemon::Master => {
                // Masters whose role was removed go first: a leftover master in the
                // election would keep the others STANDBY or be a second ALIVE one.
                if !orphans(d).is_empty() {
                    s.stop(d, orphans(d)).await?;
                }
                // Masters: changed ones first (standbys before the ALIVE one), then new
                // ones, which join as STANDBY.
                s.roll_masters(hosts_with(d, restart_of), Some(&fps(d)), roll)
                    .await?;
                s.start(d, hosts_with(d, start_of), Some(&fps(d))).await?;
                s.wait_masters(wait::MASTER_DEADLINE).await?;
            }
            Daemon::Worker => {
                s.start(d, hosts_with(d, start_of), Some(&fps(d))).await?;
                s.roll_workers(hosts_with(d, restart_of), Some(&fps(d)), roll)
                    .await?;
            }
        }
    }
    // The other daemons whose role was removed, in the stop order (the
    // masters' went before the masters' phase, above).
    for d in stop_order().into_iter().filter(|d| *d != Daemon::Master) {
        if !orphans(d).is_empty() {
            s.stop(d, orphans(d)).await?;
        }
    }
    let a = s.wait_workers(wait::WORKER_DEADLINE).await?;

    print_summary(s, &plans, &a, &facts).await;
    Ok(crate::diag::exit::OK)
}

/// What the summary and the dry run say for a host left out by --limit/--skip.
const LEFT_OUT: &str = "left out (--limit/--skip): not checked, not changed";

/// The host column of the dry run and the summary: every inventory host,
/// selected or not (hosts left out get a line too).
fn name_width(c: &Cluster) -> usize {
    crate::out::host_width(c.hosts.iter().map(|h| h.name.as_str()))
}

/// One line: what the plan does on a host.
pub fn describe(p: &HostPlan) -> String {
    let mut parts = Vec::new();
    for i in &p.installs {
        match (&i.dist.fetch, i.upload) {
            (Some(f), true) => parts.push(format!("fetch {} on the host", f.url)),
            (None, true) => parts.push(format!(
                "upload {} ({} MiB)",
                i.dist.file_name,
                i.dist.size / (1 << 20)
            )),
            _ => {}
        }
        parts.push(format!("unpack {}", i.dist.dir_name));
    }
    if !p.writes.is_empty() {
        let names: Vec<&str> = p
            .writes
            .iter()
            .map(|f| f.path.rsplit('/').next().unwrap_or(&f.path))
            .collect();
        parts.push(format!("write {}", names.join(", ")));
    }
    for (root, dir) in &p.links {
        parts.push(format!("link {}/current -> {}", root, dir));
    }
    let ds = |set: &std::collections::BTreeSet<Daemon>| {
        set.iter().map(|d| d.label()).collect::<Vec<_>>().join(", ")
    };
    if !p.restart.is_empty() {
        parts.push(format!("restart {}", ds(&p.restart)));
    }
    if !p.start.is_empty() {
        parts.push(format!("start {}", ds(&p.start)));
    }
    if !p.stop.is_empty() {
        parts.push(format!("stop {} (role removed)", ds(&p.stop)));
    }
    if parts.is_empty() {
        "no changes".into()
    } else {
        parts.join("; ")
    }
}

fn describe_files(p: &HostPlan) -> String {
    let n = p.installs.len();
    let fetched = p
        .installs
        .iter()
        .filter(|i| i.upload && i.dist.fetch.is_some())
        .count();
    let up = p.installs.iter().filter(|i| i.upload).count() - fetched;
    // "fetched" only appears with fetch = "hosts": default output unchanged.
    let fetched = match fetched {
        0 => String::new(),
        k => format!("{} fetched by the host, ", k),
    };
    format!(
        "files ready ({} uploaded, {}{} unpacked, {} written)",
        up,
        fetched,
        n,
        p.writes.len()
    )
}

/// What the files a plan would rewrite contain now, one round trip per host
/// (only for `--dry-run`, to show diffs).
async fn current_contents(
    s: &Session,
    plans: &BTreeMap<String, HostPlan>,
    facts: &BTreeMap<String, crate::facts::HostFacts>,
) -> Result<BTreeMap<(String, String), String>> {
    let mut out = BTreeMap::new();
    for (host, p) in plans {
        let existing: Vec<&str> = p
            .writes
            .iter()
            .filter(|f| !f.secret)
            .map(|f| f.path.as_str())
            .filter(|path| facts[host].files.contains_key(*path))
            .collect();
        if existing.is_empty() {
            continue;
        }
        let o = s
            .conn(host)
            .run(
                "read current config files",
                &steps::read_files_as(&existing, &p.mkdirs, s.cluster.run_as.as_deref()),
            )
            .await?;
        for (path, content) in steps::parse_read_files(&o.stdout) {
            out.insert((host.clone(), path), content);
        }
    }
    Ok(out)
}

fn print_dry_run(
    c: &Cluster,
    plans: &BTreeMap<String, HostPlan>,
    current: &BTreeMap<(String, String), String>,
) {
    crate::outln!("Plan for cluster {} (dry run: nothing was changed)", c.name);
    for h in &c.hosts {
        let Some(p) = plans.get(&h.name) else {
            crate::outln!("  {:w$}  {}", h.name, LEFT_OUT, w = name_width(c));
            continue;
        };
        crate::outln!("  {:w$}  {}", h.name, describe(p), w = name_width(c));
        for f in &p.writes {
            if f.secret {
                // Neither side of the diff: the old secret is never read back.
                crate::outln!(
                    "--- {}\n+++ {}\n(holds the authentication secret: contents not shown)",
                    f.path,
                    f.path
                );
                continue;
            }
            let old = current.get(&(h.name.clone(), f.path.clone()));
            crate::out!(
                "{}",
                crate::diff::unified(&f.path, old.map(String::as_str), &f.content)
            );
        }
    }
}

/// The summary's warning when the workers (so every application's code) run
/// as root: the selected worker hosts whose daemons run as uid 0, which is
/// the login user's uid (0 as root or through sudo) without `[cluster]
/// run_as`, else the service user's.
fn root_workers_warning(
    c: &Cluster,
    facts: &BTreeMap<String, crate::facts::HostFacts>,
) -> Option<String> {
    let root: Vec<&str> = c
        .workers()
        .filter(|h| {
            facts.get(&h.name).is_some_and(|f| {
                if c.run_as.is_some() {
                    f.run_as_uid == Some(0)
                } else {
                    f.uid == Some(0)
                }
            })
        })
        .map(|h| h.name.as_str())
        .collect();
    if root.is_empty() {
        return None;
    }
    let why = match &c.run_as {
        None => "[cluster] has no `run_as`".to_string(),
        Some(u) => format!("`run_as = \"{}\"` is root", u),
    };
    Some(format!(
        "the Spark daemons run as root ({}), so every application submitted to this cluster runs its code as root on the workers ({}); set `run_as = \"spark\"` in [cluster] (a user that exists on every host) to run them as that user",
        why,
        root.join(", ")
    ))
}

async fn print_summary(
    s: &Session,
    plans: &BTreeMap<String, HostPlan>,
    a: &health::Assessment,
    facts: &BTreeMap<String, crate::facts::HostFacts>,
) {
    let c = &s.cluster;
    let w = name_width(c);
    crate::outln!(
        "Deployed cluster {} in {:.1} s",
        c.name,
        s.progress.elapsed().as_secs_f64()
    );
    for h in &c.hosts {
        let what = plans.get(&h.name).map(describe);
        crate::outln!(
            "  {:w$}  {}",
            h.name,
            what.as_deref().unwrap_or(LEFT_OUT),
            w = w
        );
    }
    for n in s.global.select.notices("its files and daemons") {
        crate::outln!("Not done:    {}", n);
    }
    // Hosts left out are not probed again here: one unreachable host would
    // cost a probe timeout for a line that cannot say anything new.
    let snap = health::probe_among(&s.route, c, &|h| s.selected(h)).await;
    crate::outln!("Master URL:  {}", c.master_url());
    let uis: Vec<String> = c
        .masters()
        .map(|h| {
            let st = snap
                .masters
                .iter()
                .find(|(n, _)| *n == h.name)
                .and_then(|(_, r)| r.as_ref().ok())
                .map(|m| m.status.to_string())
                .unwrap_or_else(|| {
                    if s.selected(&h.name) {
                        "?"
                    } else {
                        "not checked"
                    }
                    .into()
                });
            format!(
                "http://{}:{} ({})",
                h.address, h.spark.master_webui_port, st
            )
        })
        .collect();
    crate::outln!("Master UIs:  {}", uis.join(", "));
    if let Some(u) = c.rest_url() {
        if c.spark.auth.is_some() {
            crate::outln!("REST URL:    {} (signed token: sparkctl rest-token)", u);
        } else {
            crate::outln!("REST URL:    {}", u);
            crate::outln!("Warning:     the masters' REST submission server runs without authentication: anyone who reaches port {} can run code on the workers; add `authenticate = true` to [spark] (Spark 4.3.0+ then admits only signed requests), or keep the port behind a firewall", c.masters().next().map(|h| h.spark.rest_port).unwrap_or(crate::rest::DEFAULT_PORT));
        }
    }
    crate::outln!(
        "Workers:     {}/{} registered",
        a.workers_alive,
        a.workers_expected
    );
    if c.has_zookeeper() {
        let zks: Vec<String> = snap
            .zookeeper
            .iter()
            .map(|(h, m)| {
                format!(
                    "{} ({})",
                    c.host(h)
                        .map(|x| format!("{}:{}", x.address, x.zk.client_port))
                        .unwrap_or_default(),
                    m.label()
                )
            })
            .collect();
        crate::outln!("ZooKeeper:   {}", zks.join(", "));
    }
    crate::outln!("HA mode:     {}", c.ha.name());
    if let Some(w) = root_workers_warning(c, facts) {
        crate::outln!("Warning:     {}", w);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::HostFacts;
    use std::path::Path;

    fn facts(c: &Cluster, uid: u32, run_as_uid: Option<u32>) -> BTreeMap<String, HostFacts> {
        c.hosts
            .iter()
            .map(|h| {
                let f = HostFacts {
                    uid: Some(uid),
                    run_as_uid,
                    ..Default::default()
                };
                (h.name.clone(), f)
            })
            .collect()
    }

    #[test]
    fn warns_once_when_the_workers_run_as_root() {
        let c = crate::inventory::load(Path::new("inventories/lab.toml")).unwrap();
        assert!(c.run_as.is_none());
        let w = root_workers_warning(&c, &facts(&c, 0, None)).unwrap();
        assert!(w.contains("[cluster] has no `run_as`"), "{}", w);
        assert!(
            w.contains("runs its code as root on the workers (hosta, hostb, hostc)"),
            "{}",
            w
        );
        assert!(w.contains("run_as = \"spark\""), "{}", w);
        // A login user that is not root (no sudo): the daemons are not root.
        assert_eq!(root_workers_warning(&c, &facts(&c, 1000, None)), None);
        // Only hosts that were looked at (--limit/--skip) are named.
        let mut some = facts(&c, 0, None);
        some.remove("hostb");
        let w = root_workers_warning(&c, &some).unwrap();
        assert!(w.contains("(hosta, hostc)"), "{}", w);

        let mut c = c;
        c.run_as = Some("spark".into());
        assert_eq!(root_workers_warning(&c, &facts(&c, 0, Some(1001))), None);
        c.run_as = Some("root".into());
        let w = root_workers_warning(&c, &facts(&c, 0, Some(0))).unwrap();
        assert!(w.contains("`run_as = \"root\"` is root"), "{}", w);
    }
}
