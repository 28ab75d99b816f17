//! A host's Spark and ZooKeeper settings: its own value, else the cluster's,
//! else the default, each checked at the key that set it.

use super::values::{check_jvm_opt, check_memory, check_path, property_key_ok, with, with_key};
use super::{Errors, DEFAULT_ZK_ADMIN_PORT, DEFAULT_ZK_DATA_DIR};
use crate::inventory::locate::Seg;
use crate::inventory::raw::{RawSpark, RawZooKeeper};
use crate::inventory::{SparkSettings, ZkSettings};
use crate::path;

/// Host value, else cluster value, with the path where it was written (for errors).
pub(super) fn pick<T: Clone>(
    i: usize,
    section: &str,
    key: &str,
    host: &Option<T>,
    cluster: &Option<T>,
) -> (Option<T>, Vec<Seg>) {
    match (host, cluster) {
        (Some(v), _) => (Some(v.clone()), path!["host", i, section, key]),
        (None, Some(v)) => (Some(v.clone()), path![section, key]),
        (None, None) => (None, path!["host", i, "roles"]),
    }
}

pub(super) fn merge_spark(
    e: &mut Errors,
    i: usize,
    h: &RawSpark,
    c: &RawSpark,
    root: &str,
) -> SparkSettings {
    macro_rules! get {
        ($k:ident) => {
            pick(i, "spark", stringify!($k), &h.$k, &c.$k)
        };
    }
    let (worker_cores, at) = get!(worker_cores);
    if worker_cores == Some(0) {
        e.add(at, "worker_cores must be at least 1");
    }
    let (worker_memory, at) = get!(worker_memory);
    if let Some(m) = &worker_memory {
        check_memory(e, at, m);
    }
    let (daemon_memory, at) = get!(daemon_memory);
    let daemon_memory = daemon_memory.unwrap_or_else(|| "1g".into());
    check_memory(e, at, &daemon_memory);

    let mut paths = |key: &'static str, v: (Option<String>, Vec<Seg>), default: String| {
        let p = v.0.unwrap_or(default);
        check_path(e, v.1, &p);
        let _ = key;
        p
    };
    let worker_dir = paths("worker_dir", get!(worker_dir), format!("{}/work", root));
    let log_dir = paths("log_dir", get!(log_dir), format!("{}/logs", root));
    let pid_dir = paths("pid_dir", get!(pid_dir), format!("{}/run", root));
    let (java_home, at) = get!(java_home);
    if let Some(j) = &java_home {
        check_path(e, at, j);
    }
    let (local_dirs, at) = get!(local_dirs);
    if let Some(dirs) = &local_dirs {
        for d in dirs.split(',') {
            check_path(e, at.clone(), d);
        }
    }

    let mut opts = |v: (Option<Vec<String>>, Vec<Seg>)| {
        let list = v.0.unwrap_or_default();
        for (j, o) in list.iter().enumerate() {
            check_jvm_opt(e, with(&v.1, j), o);
        }
        list
    };
    let daemon_java_opts = opts(get!(daemon_java_opts));
    let master_opts = opts(get!(master_opts));
    let worker_opts = opts(get!(worker_opts));

    // extra_env and defaults accumulate: cluster-wide first, then the host's own.
    let mut extra_env = c.extra_env.clone().unwrap_or_default();
    extra_env.extend(h.extra_env.clone().unwrap_or_default());
    for (src, list) in [
        (path!["spark", "extra_env"], &c.extra_env),
        (path!["host", i, "spark", "extra_env"], &h.extra_env),
    ] {
        for (j, line) in list.iter().flatten().enumerate() {
            if line.contains(['\n', '\r', '\0']) {
                e.help(
                    with(&src, j),
                    "an extra_env entry must be one line",
                    "split it into several entries",
                );
            }
        }
    }
    let mut defaults = c.defaults.clone().unwrap_or_default();
    defaults.extend(h.defaults.clone().unwrap_or_default());
    for (src, map) in [
        (path!["spark", "defaults"], &c.defaults),
        (path!["host", i, "spark", "defaults"], &h.defaults),
    ] {
        for (k, v) in map.iter().flatten() {
            let at = with_key(&src, k);
            if !property_key_ok(k) {
                e.add(
                    at.clone(),
                    format!("invalid Spark property name `{}`", k.escape_debug()),
                );
            }
            if v.contains(['\n', '\r', '\0']) {
                e.add(at.clone(), format!("the value of `{}` must be one line", k));
            }
            // spark-defaults.conf is world-readable and shown in diffs.
            if k == "spark.master" {
                e.help(
                    at.clone(),
                    format!("`{}` is managed by sparkctl", k),
                    "it is written from the hosts with the master role (spark://a:7077,b:7077): change their roles or master_port instead",
                );
            } else if k.starts_with("spark.master.rest.") {
                e.help(
                    at.clone(),
                    format!("`{}` is managed by sparkctl", k),
                    "use `[spark] rest = true|false` and `rest_port` instead",
                );
            } else if crate::decommission::MANAGED.contains(&k.as_str()) {
                e.help(
                    at.clone(),
                    format!("`{}` is managed by sparkctl", k),
                    "use `[spark] decommission = true|false` instead: sparkctl decommissions workers with SIGPWR, which stops a worker started without it",
                );
            } else if k.starts_with("spark.authenticate") {
                e.help(
                    at,
                    format!("`{}` is managed by sparkctl", k),
                    "set `authenticate = true` in [spark]: the secret is generated, kept in `secret_file` and given only to the daemons (mode 0600), never written to spark-defaults.conf",
                );
            }
        }
    }

    let port = |e: &mut Errors, v: (Option<u16>, Vec<Seg>), d: u16| {
        let p = v.0.unwrap_or(d);
        if p == 0 {
            e.add(v.1, "port 0 is not allowed here");
        }
        p
    };
    let master_port = port(e, get!(master_port), 7077);
    let master_webui_port = port(e, get!(master_webui_port), 8080);
    let rest_port = port(e, get!(rest_port), crate::rest::DEFAULT_PORT);
    let worker_webui_port = port(e, get!(worker_webui_port), 8081);
    SparkSettings {
        master_port,
        master_webui_port,
        rest_port,
        worker_port: get!(worker_port).0.filter(|p| *p != 0),
        worker_webui_port,
        worker_cores,
        worker_memory,
        worker_dir,
        local_dirs,
        log_dir,
        pid_dir,
        daemon_memory,
        daemon_java_opts,
        master_opts,
        worker_opts,
        java_home,
        extra_env,
        defaults,
        worker_timeout: get!(worker_timeout).0,
    }
}

pub(super) fn merge_zk(
    e: &mut Errors,
    i: usize,
    h: &RawZooKeeper,
    c: Option<&RawZooKeeper>,
    root: &str,
) -> ZkSettings {
    let empty = RawZooKeeper::default();
    let c = c.unwrap_or(&empty);
    macro_rules! get {
        ($k:ident) => {
            pick(i, "zookeeper", stringify!($k), &h.$k, &c.$k)
        };
    }
    let mut port = |v: (Option<u16>, Vec<Seg>), d: u16| {
        let p = v.0.unwrap_or(d);
        if p == 0 {
            e.add(v.1, "port 0 is not allowed here");
        }
        p
    };
    let client_port = port(get!(client_port), 2181);
    let quorum_port = port(get!(quorum_port), 2888);
    let election_port = port(get!(election_port), 3888);
    let admin_port = get!(admin_port).0.unwrap_or(DEFAULT_ZK_ADMIN_PORT);

    let (data_dir, at) = get!(data_dir);
    let data_dir = data_dir.unwrap_or_else(|| DEFAULT_ZK_DATA_DIR.into());
    check_path(e, at, &data_dir);
    let (data_log_dir, at) = get!(data_log_dir);
    if let Some(d) = &data_log_dir {
        check_path(e, at, d);
    }
    let (log_dir, at) = get!(log_dir);
    let log_dir = log_dir.unwrap_or_else(|| format!("{}/logs", root));
    check_path(e, at, &log_dir);
    let (java_home, at) = get!(java_home);
    if let Some(j) = &java_home {
        check_path(e, at, j);
    }
    let (heap, at) = get!(heap);
    let heap_mb = match heap {
        // memory_mb caps sizes at 2^30 MiB, so this fits in u32.
        Some(h) => check_memory(e, at, &h).map(|mb| mb as u32).unwrap_or(1000),
        None => 1000, // ZooKeeper's own default (ZK_SERVER_HEAP)
    };
    let (jvm_opts, at) = get!(jvm_opts);
    let jvm_opts = jvm_opts.unwrap_or_default();
    for (j, o) in jvm_opts.iter().enumerate() {
        check_jvm_opt(e, with(&at, j), o);
    }

    let mut extra = c.extra.clone().unwrap_or_default();
    extra.extend(h.extra.clone().unwrap_or_default());
    // zoo.cfg keys sparkctl writes or depends on, with what to do instead.
    // The last of two equal keys wins in a properties file, so an `extra`
    // one (written after) would undo sparkctl's.
    const ADMIN: &str = "set `admin_port` in [zookeeper] instead (0 turns the AdminServer off); sparkctl keeps it off the Spark master UI's port 8080";
    const MANAGED: [(&str, &str); 12] = [
        ("dataDir", "set `data_dir` in [zookeeper] instead"),
        ("dataLogDir", "set `data_log_dir` in [zookeeper] instead"),
        ("clientPort", "set `client_port` in [zookeeper] instead"),
        ("tickTime", "set `tick_time` in [zookeeper] instead"),
        ("initLimit", "set `init_limit` in [zookeeper] instead"),
        ("syncLimit", "set `sync_limit` in [zookeeper] instead"),
        ("admin.serverPort", "set `admin_port` in [zookeeper] instead"),
        ("admin.enableServer", ADMIN),
        ("admin.serverAddress", ADMIN),
        ("maxSessionTimeout", "set `max_session_timeout` in [zookeeper] instead"),
        ("4lw.commands.whitelist", "sparkctl sets it to the four-letter words its health checks use (srvr); remove it"),
        ("dynamicConfigFile", "the ensemble is the hosts with the zookeeper role, written as server.N lines in zoo.cfg; sparkctl does not use dynamic reconfiguration: remove it"),
    ];
    for (src, map) in [
        (path!["zookeeper", "extra"], &c.extra),
        (path!["host", i, "zookeeper", "extra"], &h.extra),
    ] {
        for (k, v) in map.iter().flatten() {
            let at = with_key(&src, k);
            if let Some((_, help)) = MANAGED.iter().find(|(z, _)| z == k) {
                e.help(at.clone(), format!("`{}` is managed by sparkctl", k), *help);
            } else if k.starts_with("server.") {
                e.help(
                    at.clone(),
                    format!("`{}` is managed by sparkctl", k),
                    "server.N lines come from the hosts with the zookeeper role",
                );
            }
            if !property_key_ok(k) || v.contains(['\n', '\r', '\0']) {
                e.add(
                    at,
                    format!("invalid zoo.cfg property `{}`", k.escape_debug()),
                );
            }
        }
    }
    ZkSettings {
        client_port,
        quorum_port,
        election_port,
        admin_port,
        data_dir,
        data_log_dir,
        log_dir,
        heap_mb,
        jvm_opts,
        java_home,
        extra,
    }
}
