//! What deploy tells the operator: one line per host plan, the report of
//! `--files-only`, and the summary after a deploy (URLs, registered
//! workers, ZooKeeper, warnings).

use super::{name_width, LEFT_OUT};
use crate::facts::HostFacts;
use crate::health;
use crate::inventory::{Cluster, Host};
use crate::layout::Daemon;
use crate::plan::HostPlan;
use crate::session::Session;
use std::collections::BTreeMap;

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
    if let Some((jar, _)) = &p.jar_upload {
        parts.push(format!(
            "upload {} ({} KiB)",
            jar.file_name,
            jar.size.div_ceil(1 << 10)
        ));
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

pub(super) fn describe_files(p: &HostPlan) -> String {
    let n = p.installs.len();
    let fetched = p
        .installs
        .iter()
        .filter(|i| i.upload && i.dist.fetch.is_some())
        .count();
    let up = p.installs.iter().filter(|i| i.upload).count() - fetched
        + usize::from(p.jar_upload.is_some());
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

/// The report of `--files-only`: what changed, and what is left to (re)start.
pub(super) fn print_files_only(s: &Session, hosts: &[Host], plans: &BTreeMap<String, HostPlan>) {
    let c = &s.cluster;
    crate::outln!("Files deployed to cluster {} in {:.1} s (--files-only: no daemon was started or restarted)", c.name, s.progress.elapsed().as_secs_f64());
    for h in hosts {
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
}

/// The summary's warning when the workers (so every application's code) run
/// as root: the selected worker hosts whose daemons run as uid 0, which is
/// the login user's uid (0 as root or through sudo) without `[cluster]
/// run_as`, else the service user's.
fn root_workers_warning(c: &Cluster, facts: &BTreeMap<String, HostFacts>) -> Option<String> {
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

pub(super) async fn print_summary(
    s: &Session,
    plans: &BTreeMap<String, HostPlan>,
    a: &health::Assessment,
    facts: &BTreeMap<String, HostFacts>,
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
    // Proven by the history phase's wait (its REST API answered).
    if let Some(t) = &c.history {
        let urls: Vec<String> = c
            .history_hosts()
            .map(|h| health::history_url(c, h))
            .collect();
        crate::outln!(
            "History:     {} (event logs: {})",
            urls.join(", "),
            t.log_directory.uri()
        );
    }
    // Proven by the Connect phase's wait (its port greeted in HTTP/2).
    if let Some(t) = &c.connect {
        let urls: Vec<String> = c
            .connect_hosts()
            .map(|h| health::connect_url(c, h))
            .collect();
        crate::outln!(
            "Connect:     {}{}",
            urls.join(", "),
            if t.authenticate {
                " (token: sparkctl connect-token)"
            } else {
                " (no authentication: anyone who reaches the port runs queries)"
            }
        );
    }
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
