//! `deploy --dry-run --json`: the plan for scripts, host by host and step
//! by step in the order deploy would take them, each written file with the
//! unified diff the text dry run prints. Pure: built from the plans and the
//! files' current contents, so it is unit-tested on made-up facts.
//!
//! The secret file is named, never diffed (its old content is never read
//! back, its new one never shown), as in the text dry run. The shape is
//! documented in docs/json.md; keys are only ever added.

use crate::inventory::Cluster;
use crate::layout;
use crate::plan::HostPlan;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Serialize)]
pub struct Report {
    pub cluster: String,
    /// Always true: nothing was changed.
    pub dry_run: bool,
    /// Whether any selected host would change (files or daemons).
    pub changes: bool,
    /// Every inventory host, in inventory order; those left out by
    /// --limit/--skip are in `skipped` instead.
    pub hosts: Vec<HostReport>,
    /// Hosts left out by --limit/--skip: not checked, not changed.
    pub skipped: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct HostReport {
    pub host: String,
    /// Whether this host would change.
    pub changes: bool,
    /// The one line the text dry run prints for the host.
    pub summary: String,
    pub steps: Vec<Step>,
}

/// One thing deploy would do on a host. `step` names the kind.
#[derive(Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    /// Send the tarball from this machine (`bytes` long) to `to`.
    Upload {
        file: String,
        bytes: u64,
        to: String,
    },
    /// `fetch = "hosts"`: the host downloads the tarball itself.
    Fetch { url: String, file: String },
    /// Unpack the tarball into `dir`.
    Unpack { file: String, dir: String },
    /// Write `path`; `diff` is the unified diff against what the host has
    /// (every line added for a new file), null for the secret file.
    Write {
        path: String,
        secret: bool,
        diff: Option<String>,
    },
    /// Point `link` (`<root>/current`) at `target`.
    Link { link: String, target: String },
    /// Stop daemons whose role the inventory no longer gives the host.
    Stop { daemons: Vec<&'static str> },
    /// Restart running daemons whose config or distribution changed.
    Restart { daemons: Vec<&'static str> },
    /// Start daemons that are not running.
    Start { daemons: Vec<&'static str> },
}

fn labels(set: &BTreeSet<crate::layout::Daemon>) -> Vec<&'static str> {
    set.iter().map(|d| d.label()).collect()
}

/// The steps of `p` on `host`, in apply order: installs, writes, links,
/// then the daemons.
pub fn steps(host: &str, p: &HostPlan, current: &BTreeMap<(String, String), String>) -> Vec<Step> {
    let mut v = Vec::new();
    for i in &p.installs {
        match (&i.dist.fetch, i.upload) {
            (Some(f), true) => v.push(Step::Fetch {
                url: f.url.clone(),
                file: i.dist.file_name.clone(),
            }),
            (None, true) => v.push(Step::Upload {
                file: i.dist.file_name.clone(),
                bytes: i.dist.size,
                to: layout::uploaded_tarball(&i.root, &i.dist),
            }),
            _ => {}
        }
        v.push(Step::Unpack {
            file: i.dist.file_name.clone(),
            dir: layout::tree(&i.root, &i.dist),
        });
    }
    if let Some((jar, to)) = &p.jar_upload {
        v.push(Step::Upload {
            file: jar.file_name.clone(),
            bytes: jar.size,
            to: to.clone(),
        });
    }
    for f in &p.writes {
        let diff = (!f.secret).then(|| {
            let old = current.get(&(host.to_string(), f.path.clone()));
            crate::diff::unified(&f.path, old.map(String::as_str), &f.content)
        });
        v.push(Step::Write {
            path: f.path.clone(),
            secret: f.secret,
            diff,
        });
    }
    for (root, dir) in &p.links {
        v.push(Step::Link {
            link: layout::current(root),
            target: dir.clone(),
        });
    }
    // The order apply takes: a removed role's daemon goes before the
    // restarts and starts of the rest.
    if !p.stop.is_empty() {
        v.push(Step::Stop {
            daemons: labels(&p.stop),
        });
    }
    if !p.restart.is_empty() {
        v.push(Step::Restart {
            daemons: labels(&p.restart),
        });
    }
    if !p.start.is_empty() {
        v.push(Step::Start {
            daemons: labels(&p.start),
        });
    }
    v
}

/// The whole report; `plans` has an entry for each selected host only.
pub fn report(
    c: &Cluster,
    plans: &BTreeMap<String, HostPlan>,
    current: &BTreeMap<(String, String), String>,
) -> Report {
    let mut hosts = Vec::new();
    let mut skipped = Vec::new();
    for h in &c.hosts {
        match plans.get(&h.name) {
            None => skipped.push(h.name.clone()),
            Some(p) => hosts.push(HostReport {
                host: h.name.clone(),
                changes: !p.is_noop(),
                summary: super::describe(p),
                steps: steps(&h.name, p, current),
            }),
        }
    }
    Report {
        cluster: c.name.clone(),
        dry_run: true,
        changes: hosts.iter().any(|h| h.changes),
        hosts,
        skipped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::{LocalDist, Product};
    use crate::facts::HostFacts;
    use crate::layout::Daemon;
    use crate::render::{Dists, Renderer};

    fn setup() -> (Cluster, LocalDist, LocalDist) {
        let c = crate::inventory::load(std::path::Path::new("inventories/lab.toml")).unwrap();
        let mut s = LocalDist::assumed(Product::Spark, &c.spark.source).unwrap();
        s.size = 455_000_000;
        let mut z =
            LocalDist::assumed(Product::ZooKeeper, c.zookeeper.source.as_ref().unwrap()).unwrap();
        z.size = 8_500_000;
        (c, s, z)
    }

    /// A first deploy on hosta with hostc left out: upload, unpack, write
    /// (new files: diffs of added lines), link, start, in that order.
    #[test]
    fn first_deploy_plan_as_json() {
        let (c, s, z) = setup();
        let r = Renderer::new(&c).unwrap();
        let d = Dists {
            spark: &s,
            zookeeper: Some(&z),
        };
        let facts = HostFacts {
            java_major: Some(17),
            has_sha256sum: true,
            ..Default::default()
        };
        let mut plans = BTreeMap::new();
        for h in &c.hosts[..2] {
            let files = r.host_files(&c, &d, h).unwrap();
            plans.insert(
                h.name.clone(),
                crate::plan::plan_host(&c, h, &[&s, &z], &files, &facts),
            );
        }
        let rep = report(&c, &plans, &BTreeMap::new());
        assert!(rep.dry_run && rep.changes);
        assert_eq!(rep.skipped, vec!["hostc".to_string()]);
        assert_eq!(rep.hosts.len(), 2);
        let a = &rep.hosts[0];
        assert_eq!(a.host, "hosta");
        assert!(a.changes);
        assert_eq!(a.summary, super::super::describe(&plans["hosta"]));
        let kinds: Vec<&str> = a
            .steps
            .iter()
            .map(|s| match s {
                Step::Upload { .. } => "upload",
                Step::Fetch { .. } => "fetch",
                Step::Unpack { .. } => "unpack",
                Step::Write { .. } => "write",
                Step::Link { .. } => "link",
                Step::Stop { .. } => "stop",
                Step::Restart { .. } => "restart",
                Step::Start { .. } => "start",
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "upload", "unpack", "upload", "unpack", "write", "write", "write", "write",
                "write", "write", "link", "link", "start"
            ]
        );
        assert_eq!(
            a.steps[0],
            Step::Upload {
                file: s.file_name.clone(),
                bytes: 455_000_000,
                to: layout::uploaded_tarball("/opt/spark", &s),
            }
        );
        let Step::Write { path, diff, .. } = &a.steps[4] else {
            panic!("{:?}", a.steps[4])
        };
        let diff = diff.as_deref().unwrap();
        assert!(
            diff.starts_with(&format!("--- /dev/null\n+++ b{}\n", path)),
            "{}",
            diff
        );
        assert_eq!(
            a.steps.last(),
            Some(&Step::Start {
                daemons: vec![
                    Daemon::ZooKeeper.label(),
                    Daemon::Master.label(),
                    Daemon::Worker.label()
                ]
            })
        );
        // The serialized form: `step` tags the kind.
        let v = serde_json::to_value(&rep).unwrap();
        assert_eq!(v["hosts"][0]["steps"][0]["step"], "upload");
        assert_eq!(v["hosts"][0]["steps"][12]["daemons"][0], "zookeeper");
    }

    /// A file the host has: the diff is against its current content; the
    /// secret file is named, with no diff.
    #[test]
    fn writes_diff_against_the_current_content_and_never_the_secret() {
        let mut p = HostPlan::default();
        let f = |path: &str, content: &str, secret: bool| crate::render::ConfigFile {
            path: path.into(),
            content: content.into(),
            template: "t",
            readers: vec![],
            secret,
        };
        p.writes = vec![
            f("/x/a.conf", "k 2\n", false),
            f("/x/s.properties", "spark.authenticate.secret hush\n", true),
        ];
        let mut current = BTreeMap::new();
        current.insert(
            ("h".to_string(), "/x/a.conf".to_string()),
            "k 1\n".to_string(),
        );
        let v = steps("h", &p, &current);
        assert_eq!(
            v[0],
            Step::Write {
                path: "/x/a.conf".into(),
                secret: false,
                diff: Some(crate::diff::unified("/x/a.conf", Some("k 1\n"), "k 2\n")),
            }
        );
        assert!(matches!(&v[0], Step::Write { diff: Some(d), .. } if d.contains("-k 1\n+k 2\n")));
        assert_eq!(
            v[1],
            Step::Write {
                path: "/x/s.properties".into(),
                secret: true,
                diff: None,
            }
        );
        let json = serde_json::to_string(&v).unwrap();
        assert!(!json.contains("hush"), "{}", json);
    }

    /// `[connect] jar`: an `upload` step to its place on the host, before
    /// the writes; the one-line summary names it too.
    #[test]
    fn the_connect_jar_upload_is_a_step_and_in_the_summary() {
        let jar = crate::inventory::ConnectJar {
            local: "/home/me/spark-connect_2.12-3.5.9.jar".into(),
            file_name: "spark-connect_2.12-3.5.9.jar".into(),
            sha256: "ab".repeat(32),
            size: 3 << 20,
        };
        let to = "/opt/spark/.sparkctl/jars/abababababababab-spark-connect_2.12-3.5.9.jar";
        let p = HostPlan {
            host: "c".into(),
            jar_upload: Some((jar, to.into())),
            ..Default::default()
        };
        assert_eq!(
            steps("c", &p, &BTreeMap::new()),
            vec![Step::Upload {
                file: "spark-connect_2.12-3.5.9.jar".into(),
                bytes: 3 << 20,
                to: to.into(),
            }]
        );
        assert!(!p.files_unchanged());
        assert_eq!(
            super::super::summary::describe(&p),
            "upload spark-connect_2.12-3.5.9.jar (3072 KiB)"
        );
    }
}
