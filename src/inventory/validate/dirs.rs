//! Install roots and the directories handed to the service user: the
//! ownership rules (`crate::ownership`) applied at the keys that set them.

use super::merge::pick;
use super::values::has_odd_component;
use super::{Errors, DEFAULT_ZK_DATA_DIR};
use crate::inventory::locate::Seg;
use crate::inventory::raw::{RawHost, RawInventory, RawZooKeeper};
use crate::inventory::Roles;
use crate::path;

/// Install roots hold the software root runs: never a world-writable
/// directory anyone could plant files in (the host's own permissions are
/// checked again at preflight), and one per product, so that neither's
/// trees, `current` link or state directory can be taken for the other's.
pub(super) fn check_install_roots(
    e: &mut Errors,
    raw: &RawInventory,
    spark_root: &str,
    zk_root: &str,
) {
    use crate::ownership::{normalize, under, SHARED};
    let (s, z) = (normalize(spark_root), normalize(zk_root));
    for (product, at, r) in [
        ("spark", path!["spark", "install_root"], s),
        ("zookeeper", path!["zookeeper", "install_root"], z),
    ] {
        // Exactly these here; a directory inside one (`/tmp/spark`) is
        // refused by the host's preflight, which sees the real modes.
        if SHARED.contains(&r) {
            e.help(
                at,
                format!("install_root `{}` is world-writable: any user of the host could replace the software root runs", r),
                format!("install {} in a directory only root can write to, like /opt/{}", product, product),
            );
        }
    }
    if raw.zookeeper.is_some() && (under(z, s) || under(s, z)) {
        let how = if s == z {
            "is"
        } else if under(z, s) {
            "is inside"
        } else {
            "contains"
        };
        e.help(
            path!["zookeeper", "install_root"],
            format!(
                "the ZooKeeper install_root `{}` {} the Spark install_root `{}`",
                z, how, s
            ),
            "give each product its own root, like /opt/spark and /opt/zookeeper",
        );
    }
}

/// The directories a host's daemons write to are handed to the service
/// user (with `run_as`; without it they are still made `go-w`): refuse, at
/// the key that set them, every one the ownership rule does not allow (see
/// `ownership`), and one inside another (the user could swap the inner
/// path for a symlink to anywhere).
pub(super) fn check_service_dirs(
    e: &mut Errors,
    i: usize,
    h: &RawHost,
    raw: &RawInventory,
    roles: &Roles,
    spark_root: &str,
    zk_root: &str,
) {
    use crate::ownership::{
        install_root_problem, normalize, system_problem, under, InstallRoot, SHARED,
    };
    let stem = |tarball: &Option<String>, url: &Option<String>| -> Vec<String> {
        [tarball.as_deref(), url.as_deref()]
            .into_iter()
            .flatten()
            .filter_map(|t| {
                let name = t.split(['?', '#']).next()?.rsplit('/').next()?;
                crate::dist::tarball_name(name).map(|(stem, _)| stem)
            })
            .collect()
    };
    let zk_raw = raw.zookeeper.clone().unwrap_or_default();
    let roots = [
        InstallRoot {
            product: "Spark",
            root: spark_root,
            trees: stem(&raw.spark.tarball, &raw.spark.url),
        },
        InstallRoot {
            product: "ZooKeeper",
            root: zk_root,
            trees: stem(&zk_raw.tarball, &zk_raw.url),
        },
    ];
    let empty = RawZooKeeper::default();
    let hz = &h.zookeeper;
    let cz = raw.zookeeper.as_ref().unwrap_or(&empty);
    let (hs, cs) = (&h.spark, &raw.spark);
    // (value, where it is set, key, scratch space)
    let mut dirs: Vec<(String, Vec<Seg>, &str, bool)> = Vec::new();
    fn add(
        dirs: &mut Vec<(String, Vec<Seg>, &str, bool)>,
        v: (Option<String>, Vec<Seg>),
        default: String,
        key: &'static str,
    ) {
        dirs.push((v.0.unwrap_or(default), v.1, key, false));
    }
    if roles.spark() {
        add(
            &mut dirs,
            pick(i, "spark", "log_dir", &hs.log_dir, &cs.log_dir),
            format!("{}/logs", spark_root),
            "spark.log_dir",
        );
        add(
            &mut dirs,
            pick(i, "spark", "pid_dir", &hs.pid_dir, &cs.pid_dir),
            format!("{}/run", spark_root),
            "spark.pid_dir",
        );
    }
    if roles.worker {
        add(
            &mut dirs,
            pick(i, "spark", "worker_dir", &hs.worker_dir, &cs.worker_dir),
            format!("{}/work", spark_root),
            "spark.worker_dir",
        );
        let (local, at) = pick(i, "spark", "local_dirs", &hs.local_dirs, &cs.local_dirs);
        for d in local.iter().flat_map(|l| l.split(',')) {
            dirs.push((d.to_string(), at.clone(), "spark.local_dirs", true));
        }
    }
    if roles.master && raw.cluster.ha.as_deref() == Some("filesystem") {
        if let Some(d) = &raw.cluster.recovery_dir {
            dirs.push((
                d.clone(),
                path!["cluster", "recovery_dir"],
                "cluster.recovery_dir",
                false,
            ));
        }
    }
    // A local event log directory is created on every Spark host (each
    // driver writes there) and handed over like the daemons' own.
    let event_dir = raw
        .history
        .as_ref()
        .and_then(|t| t.log_directory.as_deref())
        .and_then(local_event_dir);
    if let (true, Some(d)) = (roles.spark(), event_dir) {
        dirs.push((
            d.to_string(),
            path!["history", "log_directory"],
            "history.log_directory",
            false,
        ));
    }
    if roles.zookeeper {
        add(
            &mut dirs,
            pick(i, "zookeeper", "data_dir", &hz.data_dir, &cz.data_dir),
            DEFAULT_ZK_DATA_DIR.into(),
            "zookeeper.data_dir",
        );
        add(
            &mut dirs,
            pick(i, "zookeeper", "log_dir", &hz.log_dir, &cz.log_dir),
            format!("{}/logs", zk_root),
            "zookeeper.log_dir",
        );
        let (dl, at) = pick(
            i,
            "zookeeper",
            "data_log_dir",
            &hz.data_log_dir,
            &cz.data_log_dir,
        );
        if let Some(d) = dl {
            dirs.push((d, at, "zookeeper.data_log_dir", false));
        }
    }
    const HELP: &str = "give the daemons directories of their own, like /var/lib/spark/work, /var/log/spark or <install_root>/logs: the service user will own them";
    let mut owned: Vec<(&str, &str)> = Vec::new();
    for (d, at, key, scratch) in &dirs {
        // Not absolute, or odd: check_path has said so.
        if !d.starts_with('/') || has_odd_component(d) {
            continue;
        }
        let n = normalize(d);
        if SHARED.contains(&n) {
            if !*scratch {
                e.help(
                    at.clone(),
                    format!(
                        "`{}` is shared by every user of the host: {} needs a directory of its own",
                        n, key
                    ),
                    HELP,
                );
            }
            continue;
        }
        if let Some(m) = system_problem(n).or_else(|| install_root_problem(n, &roots)) {
            e.help(
                at.clone(),
                format!(
                    "{}: it cannot be {} (the daemons' directories are handed to the service user)",
                    m, key
                ),
                HELP,
            );
            continue;
        }
        owned.push((n, key));
    }
    for (d, at, key, _) in &dirs {
        let n = normalize(d);
        if let Some((outer, okey)) = owned.iter().find(|(o, _)| *o != n && under(n, o)) {
            if owned.iter().any(|(o, _)| *o == n) {
                e.help(
                    at.clone(),
                    format!("{} `{}` is inside {} `{}`, which the service user owns: it could replace this path with a symlink to anywhere", key, n, okey, outer),
                    "use directories side by side, like <root>/logs and <root>/work",
                );
            }
        }
    }
}

/// The path of a local `log_directory` (`file:/p`, `file:///p`, `/p`) as
/// `history` reads it; `None` for a remote one (or one `history` refuses).
pub(super) fn local_event_dir(d: &str) -> Option<&str> {
    match d.strip_prefix("file:") {
        Some(p) => Some(
            p.strip_prefix("//")
                .filter(|q| q.starts_with('/'))
                .unwrap_or(p),
        ),
        None => d.starts_with('/').then_some(d),
    }
}
