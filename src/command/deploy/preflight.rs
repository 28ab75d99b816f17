//! Deploy's plan half: every selected host's plan and the preflight that
//! must pass before anything changes, and the dry run that shows the plan
//! with the diffs of the files it would rewrite.

use super::{describe, name_width, LEFT_OUT};
use crate::dist::LocalDist;
use crate::facts::HostFacts;
use crate::inventory::{Cluster, Host};
use crate::plan::{self, HostPlan};
use crate::render::ConfigFile;
use crate::session::Session;
use crate::steps;
use anyhow::{bail, Result};
use std::collections::BTreeMap;

/// Plan every host of `hosts` and run the preflight; any problem (or a
/// fresh `secret` while the hosts hold one) stops the run with all of them.
pub(super) fn plan_all(
    c: &Cluster,
    hosts: &[Host],
    spark: &LocalDist,
    zk: Option<&LocalDist>,
    files: &BTreeMap<String, Vec<ConfigFile>>,
    facts: &BTreeMap<String, HostFacts>,
    secret: Option<&crate::secret::Loaded>,
) -> Result<BTreeMap<String, HostPlan>> {
    let mut plans: BTreeMap<String, HostPlan> = BTreeMap::new();
    let mut problems = Vec::new();
    for h in hosts {
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
    Ok(plans)
}

/// What the files a plan would rewrite contain now, one round trip per host
/// (only for `--dry-run`, to show diffs).
pub(super) async fn current_contents(
    s: &Session,
    plans: &BTreeMap<String, HostPlan>,
    facts: &BTreeMap<String, HostFacts>,
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

pub(super) fn print_dry_run(
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
