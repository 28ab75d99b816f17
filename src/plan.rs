//! The plan: from what the inventory wants (rendered files, distributions)
//! and what the hosts have (facts), decide per host what to upload, unpack,
//! write, link, start and restart. Pure and deterministic: no I/O, so
//! `--dry-run`, idempotent re-runs and the start/stop order are unit-tested.

use crate::dist::{Compression, LocalDist, Product, Version};
use crate::facts::HostFacts;
use crate::inventory::{Cluster, Ha, Host};
use crate::layout::{self, Daemon};
use crate::render::ConfigFile;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Install {
    pub dist: LocalDist,
    pub root: String,
    /// The tarball is not on the host yet (or not complete).
    pub upload: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostPlan {
    pub host: String,
    pub installs: Vec<Install>,
    /// `[connect] jar` to send to this (the Connect) host, and where: it is
    /// not there yet (or not whole).
    pub jar_upload: Option<(crate::inventory::ConnectJar, String)>,
    /// Directories that must exist (logs, pids, work, data).
    pub mkdirs: Vec<String>,
    /// Files whose content differs from what is on the host.
    pub writes: Vec<ConfigFile>,
    /// `(root, dir_name)`: point `root/current` at `dir_name`.
    pub links: Vec<(String, String)>,
    pub restart: BTreeSet<Daemon>,
    pub start: BTreeSet<Daemon>,
    /// What each daemon of the host must be started with (see `fingerprint`).
    pub fingerprints: BTreeMap<Daemon, String>,
    /// Daemons running on the host whose role the inventory no longer gives it.
    pub stop: BTreeSet<Daemon>,
}

impl HostPlan {
    /// Nothing to upload, write or link (daemons may still need starting).
    pub fn files_unchanged(&self) -> bool {
        self.installs.is_empty()
            && self.jar_upload.is_none()
            && self.writes.is_empty()
            && self.links.is_empty()
    }
    pub fn is_noop(&self) -> bool {
        self.files_unchanged()
            && self.restart.is_empty()
            && self.start.is_empty()
            && self.stop.is_empty()
    }
}

pub fn sha256_hex(s: &str) -> String {
    Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{:02x}", b))
        .collect()
}

/// The distributions a host needs, by its roles.
pub fn host_dists<'a>(
    host: &Host,
    spark: &'a LocalDist,
    zk: Option<&'a LocalDist>,
) -> Vec<&'a LocalDist> {
    let runs = |p| !crate::daemon::on_host(host, p).is_empty();
    let mut v = Vec::new();
    if runs(Product::Spark) {
        v.push(spark);
    }
    if let (true, Some(z)) = (runs(Product::ZooKeeper), zk) {
        v.push(z);
    }
    v
}

/// Directories a host needs, by its roles.
pub fn host_dirs(cluster: &Cluster, host: &Host) -> Vec<String> {
    let mut d = Vec::new();
    // Every Spark daemon logs and writes its pid through spark-daemon.sh.
    if !crate::daemon::on_host(host, Product::Spark).is_empty() {
        d.push(host.spark.log_dir.clone());
        d.push(host.spark.pid_dir.clone());
    }
    if host.roles.worker {
        d.push(host.spark.worker_dir.clone());
        if let Some(l) = &host.spark.local_dirs {
            d.extend(l.split(',').map(str::to_string));
        }
    }
    if host.roles.master {
        if let Ha::Filesystem { dir } = &cluster.ha {
            d.push(dir.clone());
        }
    }
    // A local event log directory: every driver on a Spark host writes
    // there and the history server exits at start without it, so it is
    // made (and handed to the service user) on every Spark host, before
    // any daemon starts.
    let event_dir = cluster
        .history
        .as_ref()
        .and_then(|t| t.log_directory.local());
    if let (false, Some(e)) = (
        crate::daemon::on_host(host, Product::Spark).is_empty(),
        event_dir,
    ) {
        d.push(e.to_string());
    }
    if host.roles.zookeeper {
        d.push(host.zk.data_dir.clone());
        d.push(host.zk.log_dir.clone());
        if let Some(l) = &host.zk.data_log_dir {
            d.push(l.clone());
        }
    }
    d.sort();
    d.dedup();
    d
}

/// A dispatcher host without the Mesos native library: the dispatcher
/// would die at start in `MesosNativeLibrary.load` (an
/// `UnsatisfiedLinkError` in its log); say it before anything changes.
pub fn mesos_library_missing(cluster: &Cluster, h: &str) -> String {
    let looked = match cluster
        .mesos
        .as_ref()
        .and_then(|m| m.native_library.as_deref())
    {
        Some(l) => format!(
            "`native_library = \"{}\"` in [mesos] does not exist there",
            l
        ),
        None => format!(
            "MESOS_NATIVE_JAVA_LIBRARY is not set and none of {} exists",
            crate::steps::MESOS_LIBRARY_PATHS.join(", ")
        ),
    };
    format!(
        "host {}: the Mesos dispatcher needs the Mesos native library (libmesos.so), but {}; install Mesos on the host (its package provides libmesos.so), or set `native_library` in [mesos] to the library's path",
        h, looked
    )
}

/// Problems that must stop the deploy before anything changes on any host.
pub fn preflight(
    cluster: &Cluster,
    host: &Host,
    dists: &[&LocalDist],
    facts: &HostFacts,
    plan: &HostPlan,
) -> Vec<String> {
    let mut p = Vec::new();
    let h = &host.name;
    if let Some(u) = &cluster.run_as {
        if facts.uid != Some(0) {
            p.push(format!(
                "host {}: `run_as = \"{}\"` needs root to hand files and daemons to that user, but the SSH user is uid {}; log in as root, or set `sudo = true` in [ssh]",
                h,
                u,
                facts.uid.map(|x| x.to_string()).unwrap_or_else(|| "?".into())
            ));
        } else if facts.run_as_uid.is_none() {
            p.push(format!(
                "host {}: user `{}` (run_as) does not exist; create it first, e.g. `useradd --system --user-group --no-create-home --shell /usr/sbin/nologin {}`",
                h, u, u
            ));
        }
    }
    for (root, why) in &facts.unsafe_roots {
        p.push(format!(
            "host {}: install root `{}` is not safe for software root runs: {}; use a directory only root can write to (and no world-writable one such as /tmp)",
            h, root, why
        ));
    }
    for (dir, why) in &facts.unsafe_dirs {
        p.push(format!(
            "host {}: cannot give `{}` to the service user: {}; choose a directory whose parents only root can write to",
            h, dir, why
        ));
    }
    if host.roles.mesos_dispatcher && facts.mesos_library.is_none() {
        p.push(mesos_library_missing(cluster, h));
    }
    if !facts.has_sha256sum {
        p.push(format!(
            "host {}: `sha256sum` not found (coreutils); it is needed to verify uploads",
            h
        ));
    }
    match (facts.java_major, &facts.java) {
        (None, None) => p.push(format!(
            "host {}: Java not found ({} in a non-interactive SSH session); install Java {}+ or set `java_home`",
            h,
            host.spark.java_home.as_deref().map(|j| format!("{}/bin/java", j)).unwrap_or_else(|| "`java` on PATH".into()),
            dists.iter().map(|d| java_range(d).0).max().unwrap_or(8)
        )),
        (None, Some(v)) => p.push(format!("host {}: cannot read the Java version from `{}`", h, v)),
        (Some(j), _) => {
            for d in dists {
                let (min, max) = java_range(d);
                if j < min || max.is_some_and(|m| j > m) {
                    let range = match max {
                        Some(m) if m == min => format!("Java {}", m),
                        Some(m) => format!("Java {} to {}", min, m),
                        None => format!("Java {} or newer", min),
                    };
                    p.push(format!(
                        "host {}: {} {} needs {}, but the host has Java {} ({})",
                        h,
                        d.product.label(),
                        d.version.map(|v| v.to_string()).unwrap_or_default(),
                        range,
                        j,
                        facts.java.as_deref().unwrap_or("")
                    ));
                }
            }
        }
    }
    // Disk: tarball (if not there) + unpacked tree, with a margin.
    for i in &plan.installs {
        let upload = if i.upload { i.dist.size } else { 0 };
        let factor = if i.dist.compression == Compression::Gzip {
            1.6
        } else {
            1.05
        };
        let need_kb = ((upload as f64 + i.dist.size as f64 * factor) / 1024.0) as u64 + 64 * 1024;
        if let Some(free) = facts.free_kb.get(&i.root) {
            if *free < need_kb {
                p.push(format!(
                    "host {}: not enough disk under {}: {} MiB free, {} MiB needed for {}",
                    h,
                    i.root,
                    free / 1024,
                    need_kb / 1024,
                    i.dist.file_name
                ));
            }
        }
    }
    // Ports of daemons we are about to start must be free.
    for d in &plan.start {
        for (port, what) in d.ports(cluster, host) {
            if facts.listening.contains(&port) {
                p.push(format!("host {}: port {} ({}) is already in use by another process; stop it or choose another port in the inventory", h, port, what));
            }
        }
    }
    p
}

/// Java versions a distribution supports: (min, max).
pub fn java_range(d: &LocalDist) -> (u32, Option<u32>) {
    let v = d.version.unwrap_or(Version {
        major: 4,
        minor: 0,
        patch: 0,
    });
    match (d.product, v.major, v.minor) {
        (Product::ZooKeeper, _, _) => (8, None),
        (Product::Spark, 0..=2, _) => (8, Some(8)),
        (Product::Spark, 3, 0..=2) => (8, Some(11)),
        (Product::Spark, 3, _) => (8, Some(17)),
        (Product::Spark, _, _) => (17, None),
    }
}

/// Decide what to change on one host.
pub fn plan_host(
    cluster: &Cluster,
    host: &Host,
    dists: &[&LocalDist],
    files: &[ConfigFile],
    facts: &HostFacts,
) -> HostPlan {
    let mut plan = HostPlan {
        host: host.name.clone(),
        ..Default::default()
    };
    let mut changed_products: BTreeSet<Product> = BTreeSet::new();
    for d in dists {
        let root = layout::product_root(cluster, d.product).to_string();
        let tree = layout::tree(&root, d);
        if facts.stamps.get(&tree) != Some(&d.sha256) {
            // A kept tarball is reused when it has the expected size; a
            // host-fetched one has no size known here, but it was verified
            // before it got its name, and unpacking re-verifies it.
            let uploaded = facts
                .uploaded
                .get(&layout::uploaded_tarball(&root, d))
                .is_some_and(|n| d.fetch.is_some() || *n == d.size);
            plan.installs.push(Install {
                dist: (*d).clone(),
                root: root.clone(),
                upload: !uploaded,
            });
            changed_products.insert(d.product);
        }
        if facts.current.get(&root) != Some(&d.dir_name) {
            plan.links.push((root, d.dir_name.clone()));
            changed_products.insert(d.product);
        }
    }
    if let (true, Some(j)) = (
        host.roles.connect,
        cluster.connect.as_ref().and_then(|c| c.jar.as_ref()),
    ) {
        // Its name holds its sha256 (and the upload verifies it before
        // giving it that name): a file there of its size is this jar.
        let to = layout::connect_jar(&cluster.spark.install_root, j);
        if facts.uploaded.get(&to) != Some(&j.size) {
            plan.jar_upload = Some((j.clone(), to));
        }
    }
    let fresh_trees: Vec<String> = plan
        .installs
        .iter()
        .map(|i| format!("{}/", layout::tree(&i.root, &i.dist)))
        .collect();
    for f in files {
        let in_fresh_tree = fresh_trees.iter().any(|t| f.path.starts_with(t));
        if in_fresh_tree || facts.files.get(&f.path) != Some(&sha256_hex(&f.content)) {
            plan.writes.push(f.clone());
        }
    }
    plan.mkdirs = host_dirs(cluster, host);
    for d in Daemon::ALL.into_iter().filter(|d| d.runs_on(host)) {
        let product = d.product();
        let fp = fingerprint(cluster, host, d, dists, files);
        if !facts.running.contains_key(&d) {
            plan.start.insert(d);
        } else if changed_products.contains(&product) || facts.fingerprints.get(&d) != Some(&fp) {
            // Also catches a daemon left running on old files by a run that
            // died after writing them: its recorded fingerprint is stale.
            plan.restart.insert(d);
        }
        plan.fingerprints.insert(d, fp);
    }
    for d in Daemon::ALL.into_iter().filter(|d| !d.runs_on(host)) {
        if facts.running.contains_key(&d) {
            plan.stop.insert(d);
        }
    }
    plan
}

/// Whether a line of a config file can change how daemon `d` runs.
/// spark-env.sh is sourced by every Spark daemon, but a master ignores
/// SPARK_WORKER_* and a worker ignores SPARK_MASTER_* (each kind's
/// `ignores_env`): a worker-only change must not restart (and fail over)
/// the masters. Comments never matter.
fn line_matters(d: Daemon, f: &ConfigFile, line: &str) -> bool {
    let l = line.trim_start();
    if l.starts_with('#') || l.is_empty() {
        return false;
    }
    if f.template == "spark-env.sh" {
        return !d.spec().ignores_env.iter().any(|p| l.starts_with(p));
    }
    true
}

/// A hash of everything a daemon is started with: the distribution, the
/// content of every file it reads, and its start command (which holds the
/// master list for workers). Recorded on the host at start; compared on every
/// run to decide restarts.
pub fn fingerprint(
    cluster: &Cluster,
    host: &Host,
    d: Daemon,
    dists: &[&LocalDist],
    files: &[ConfigFile],
) -> String {
    let mut h = Sha256::new();
    for dist in dists.iter().filter(|x| x.product == d.product()) {
        h.update(dist.sha256.as_bytes());
    }
    for f in files.iter().filter(|f| f.readers.contains(&d)) {
        h.update(f.path.as_bytes());
        h.update([0]);
        for line in f.content.lines().filter(|l| line_matters(d, f, l)) {
            h.update(line.as_bytes());
            h.update([b'\n']);
        }
        h.update([0]);
    }
    h.update(
        crate::steps::start_command(host, d, &crate::steps::Launch::new(cluster, d)).as_bytes(),
    );
    h.finalize()
        .iter()
        .take(16)
        .map(|b| format!("{:02x}", b))
        .collect()
}

#[cfg(test)]
mod tests;
