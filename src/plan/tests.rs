//! Planner decisions on synthetic facts: first deploy, no-op, one change.

use super::*;
use crate::dist::{LocalDist, Product};
use crate::inventory::Source;
use crate::render::{Dists, Renderer};

fn setup() -> (Cluster, LocalDist, LocalDist) {
    let c = crate::inventory::load(std::path::Path::new("inventories/lab.toml")).unwrap();
    let mut s = LocalDist::assumed(Product::Spark, &c.spark.source).unwrap();
    s.size = 455_000_000;
    let mut z =
        LocalDist::assumed(Product::ZooKeeper, c.zookeeper.source.as_ref().unwrap()).unwrap();
    z.size = 8_500_000;
    z.sha256 = "1".repeat(64);
    (c, s, z)
}

fn files(c: &Cluster, s: &LocalDist, z: &LocalDist, host: &Host) -> Vec<ConfigFile> {
    Renderer::new(c)
        .unwrap()
        .host_files(
            c,
            &Dists {
                spark: s,
                zookeeper: Some(z),
            },
            host,
        )
        .unwrap()
}

/// Facts of a host where everything the plan wants is already in place.
fn converged(c: &Cluster, s: &LocalDist, z: &LocalDist, host: &Host) -> HostFacts {
    let mut f = HostFacts {
        java_major: Some(17),
        java: Some("openjdk version \"17.0.15\"".into()),
        has_sha256sum: true,
        ..Default::default()
    };
    for d in [s, z] {
        let root = layout::product_root(c, d.product);
        f.stamps.insert(layout::tree(root, d), d.sha256.clone());
        f.current.insert(root.to_string(), d.dir_name.clone());
        f.free_kb.insert(root.to_string(), 10_000_000);
    }
    for file in files(c, s, z, host) {
        f.files.insert(file.path.clone(), sha256_hex(&file.content));
    }
    let fs = files(c, s, z, host);
    for d in Daemon::ALL.into_iter().filter(|d| d.runs_on(host)) {
        f.running.insert(d, 100);
        f.fingerprints
            .insert(d, fingerprint(c, host, d, &[s, z], &fs));
    }
    f
}

#[test]
fn first_deploy_installs_writes_and_starts_everything() {
    let (c, s, z) = setup();
    let h = &c.hosts[0];
    let facts = HostFacts {
        java_major: Some(17),
        has_sha256sum: true,
        ..Default::default()
    };
    let p = plan_host(&c, h, &[&s, &z], &files(&c, &s, &z, h), &facts);
    assert_eq!(p.installs.len(), 2);
    assert!(p.installs.iter().all(|i| i.upload));
    assert_eq!(p.writes.len(), 6);
    assert_eq!(p.links.len(), 2);
    assert_eq!(
        p.start,
        [Daemon::ZooKeeper, Daemon::Master, Daemon::Worker]
            .into_iter()
            .collect()
    );
    assert!(p.restart.is_empty());
    assert!(p.mkdirs.contains(&"/var/lib/zookeeper".to_string()));
}

#[test]
fn converged_host_is_a_noop() {
    let (c, s, z) = setup();
    for h in &c.hosts {
        let facts = converged(&c, &s, &z, h);
        let p = plan_host(&c, h, &[&s, &z], &files(&c, &s, &z, h), &facts);
        assert!(p.is_noop(), "{}: {:?}", h.name, p);
        assert!(preflight(&c, h, &[&s, &z], &facts, &p).is_empty());
    }
}

#[test]
fn changed_zoo_cfg_restarts_only_zookeeper() {
    let (c, s, z) = setup();
    let h = &c.hosts[0];
    let facts = converged(&c, &s, &z, h);
    let mut c2 = c.clone();
    c2.zookeeper.tick_time = 3000;
    let p = plan_host(
        &c2,
        &c2.hosts[0],
        &[&s, &z],
        &files(&c2, &s, &z, &c2.hosts[0]),
        &facts,
    );
    assert_eq!(p.writes.len(), 1, "{:?}", p.writes);
    assert!(p.writes[0].path.ends_with("zoo.cfg"));
    assert_eq!(p.restart, [Daemon::ZooKeeper].into_iter().collect());
    assert!(p.start.is_empty() && p.installs.is_empty());
}

#[test]
fn worker_only_change_does_not_restart_the_master() {
    let (c, s, z) = setup();
    let h = &c.hosts[0]; // master + worker + zookeeper
    let facts = converged(&c, &s, &z, h);
    let mut c2 = c.clone();
    for host in &mut c2.hosts {
        host.spark.worker_memory = Some("900m".into());
    }
    let p = plan_host(
        &c2,
        &c2.hosts[0],
        &[&s, &z],
        &files(&c2, &s, &z, &c2.hosts[0]),
        &facts,
    );
    assert_eq!(p.writes.len(), 1);
    assert!(p.writes[0].path.ends_with("spark-env.sh"));
    assert_eq!(p.restart, [Daemon::Worker].into_iter().collect());
}

#[test]
fn a_hand_edited_file_is_restored_without_restarts() {
    // The daemons run with the desired config already (fingerprints match):
    // putting the file back needs no restart.
    let (c, s, z) = setup();
    let h = &c.hosts[0];
    let mut facts = converged(&c, &s, &z, h);
    let zoo = facts
        .files
        .keys()
        .find(|k| k.ends_with("zoo.cfg"))
        .unwrap()
        .clone();
    facts.files.insert(zoo, "edited by hand".into());
    let p = plan_host(&c, h, &[&s, &z], &files(&c, &s, &z, h), &facts);
    assert_eq!(p.writes.len(), 1);
    assert!(p.restart.is_empty());
}

#[test]
fn stale_fingerprint_restarts_even_when_files_are_current() {
    // A run wrote the files and died before restarting: the next run must restart.
    let (c, s, z) = setup();
    let h = &c.hosts[1];
    let mut facts = converged(&c, &s, &z, h);
    facts.fingerprints.insert(Daemon::Master, "old".into());
    facts.fingerprints.remove(&Daemon::Worker);
    let p = plan_host(&c, h, &[&s, &z], &files(&c, &s, &z, h), &facts);
    assert!(p.writes.is_empty());
    assert_eq!(
        p.restart,
        [Daemon::Master, Daemon::Worker].into_iter().collect()
    );
}

#[test]
fn a_new_master_restarts_workers_everywhere() {
    // Adding a master changes the worker's start command (its master list),
    // even on a host whose own files would not mention masters.
    let (c, s, z) = setup();
    let h = c.hosts[2].clone();
    let before = fingerprint(&c, &h, Daemon::Worker, &[&s, &z], &files(&c, &s, &z, &h));
    let mut c2 = c.clone();
    c2.hosts[2].roles.master = true;
    let after = fingerprint(&c2, &h, Daemon::Worker, &[&s, &z], &files(&c2, &s, &z, &h));
    assert_ne!(before, after);
}

#[test]
fn uploaded_but_not_unpacked_skips_the_upload() {
    let (c, s, z) = setup();
    let h = &c.hosts[2];
    let mut facts = converged(&c, &s, &z, h);
    let tree = layout::tree(&c.spark.install_root, &s);
    facts.stamps.remove(&tree);
    facts
        .uploaded
        .insert(layout::uploaded_tarball(&c.spark.install_root, &s), s.size);
    let p = plan_host(&c, h, &[&s, &z], &files(&c, &s, &z, h), &facts);
    assert_eq!(p.installs.len(), 1);
    assert!(!p.installs[0].upload);
    // files inside a re-installed tree are rewritten even if they existed before
    assert!(p.writes.iter().any(|f| f.path.ends_with("spark-env.sh")));
    assert_eq!(p.restart, [Daemon::Worker].into_iter().collect());
}

#[test]
fn preflight_reports_java_disk_and_ports() {
    let (c, s, z) = setup();
    let h = &c.hosts[0];
    let mut facts = HostFacts {
        java_major: Some(11),
        java: Some("openjdk version \"11.0.2\"".into()),
        has_sha256sum: true,
        ..Default::default()
    };
    facts.free_kb.insert("/opt/spark".into(), 100 * 1024);
    facts.listening.insert(8080);
    let p = plan_host(&c, h, &[&s, &z], &files(&c, &s, &z, h), &facts);
    let problems = preflight(&c, h, &[&s, &z], &facts, &p);
    assert_eq!(
        problems,
        vec![
            "host hosta: Spark 4.3.0 needs Java 17 or newer, but the host has Java 11 (openjdk version \"11.0.2\")",
            "host hosta: not enough disk under /opt/spark: 100 MiB free, 953 MiB needed for spark-4.3.0-bin-pyspark.tar",
            "host hosta: port 8080 (Spark master web UI) is already in use by another process; stop it or choose another port in the inventory",
        ]
    );
    let none = HostFacts {
        has_sha256sum: true,
        ..Default::default()
    };
    let problems = preflight(&c, h, &[&s, &z], &none, &p);
    assert_eq!(problems[0], "host hosta: Java not found (`java` on PATH in a non-interactive SSH session); install Java 17+ or set `java_home`");
}

#[test]
fn java_ranges_by_spark_version() {
    let d = |name: &str| {
        LocalDist::assumed(
            Product::Spark,
            &Source::Path {
                path: format!("{}.tgz", name).into(),
                checksum: None,
            },
        )
        .unwrap()
    };
    assert_eq!(java_range(&d("spark-2.4.8-bin-hadoop2.7")), (8, Some(8)));
    assert_eq!(java_range(&d("spark-3.5.3-bin-hadoop3")), (8, Some(17)));
    assert_eq!(java_range(&d("spark-4.0.0-bin-hadoop3")), (17, None));
}

#[test]
fn a_daemon_whose_role_was_removed_is_stopped() {
    let (c, s, z) = setup();
    let h = &c.hosts[2]; // hostc: zookeeper + worker
    let mut facts = converged(&c, &s, &z, h);
    facts.running.insert(Daemon::Master, 77);
    let p = plan_host(&c, h, &[&s, &z], &files(&c, &s, &z, h), &facts);
    assert_eq!(p.stop, [Daemon::Master].into_iter().collect());
    assert!(!p.is_noop());
}

#[test]
fn a_kept_host_fetched_tarball_is_reused_whatever_its_size() {
    // fetch = "hosts": the operator does not know the size (0); a tarball
    // the host already fetched and verified is unpacked, not fetched again.
    let (c, mut s, z) = setup();
    s.size = 0;
    s.fetch = Some(crate::dist::HostFetch {
        url: "http://m/spark-4.3.0-bin-pyspark.tar".into(),
        checksum: crate::inventory::Checksum {
            algo: crate::inventory::HashAlgo::Sha256,
            hex: s.sha256.clone(),
        },
    });
    let h = &c.hosts[2];
    let mut facts = converged(&c, &s, &z, h);
    facts
        .stamps
        .remove(&layout::tree(&c.spark.install_root, &s));
    let p = plan_host(&c, h, &[&s, &z], &files(&c, &s, &z, h), &facts);
    assert!(p.installs[0].upload, "nothing on the host: fetch it");
    facts.uploaded.insert(
        layout::uploaded_tarball(&c.spark.install_root, &s),
        455_000_000,
    );
    let p = plan_host(&c, h, &[&s, &z], &files(&c, &s, &z, h), &facts);
    assert_eq!(p.installs.len(), 1);
    assert!(!p.installs[0].upload);
}

#[test]
fn rest_server_properties_and_key_go_only_where_they_belong() {
    let (mut c, s, z) = setup();
    // Off on every version unless asked, after the template's own lines.
    for h in &c.hosts {
        let f = files(&c, &s, &z, h);
        if let Some(d) = f.iter().find(|f| f.path.ends_with("/spark-defaults.conf")) {
            assert!(
                d.content.ends_with("spark.master.rest.enabled false\n"),
                "{}",
                d.content
            );
        }
    }
    c.spark.rest = true;
    c.spark.auth = Some(crate::inventory::Auth {
        secret_file: "/nonexistent/sparkctl-test.secret".into(),
    });
    let renderer = Renderer::new(&c).unwrap();
    let key = crate::rest::filter_key(&renderer.secret.as_ref().unwrap().secret);
    for h in &c.hosts {
        let f = renderer
            .host_files(
                &c,
                &Dists {
                    spark: &s,
                    zookeeper: Some(&z),
                },
                h,
            )
            .unwrap();
        let defaults = f
            .iter()
            .find(|f| f.path.ends_with("/spark-defaults.conf"))
            .unwrap();
        assert!(defaults.content.contains("spark.master.rest.enabled true\nspark.master.rest.port 6066\nspark.master.rest.filters org.apache.spark.ui.JWSFilter\n"));
        assert!(
            !defaults.content.contains(&key),
            "the key is in world-readable spark-defaults.conf"
        );
        let daemon = f.iter().find(|f| f.secret).unwrap();
        assert_eq!(
            daemon
                .content
                .contains(&format!("{} {}\n", crate::rest::JWS_KEY_PROPERTY, key)),
            h.roles.master,
            "{}: the REST key must be on masters only",
            h.name
        );
    }
}

#[test]
fn the_connect_token_goes_only_to_the_connect_server_s_0600_file() {
    let (mut c, s, z) = setup();
    // The setup's cluster, with a Connect server on the last host.
    let last = c.hosts.len() - 1;
    c.hosts[last].roles.connect = true;
    c.connect = Some(crate::inventory::Connect {
        port: 15002,
        jar: None,
        authenticate: true,
        cores_max: None,
        executor_memory: None,
    });
    c.spark.auth = Some(crate::inventory::Auth {
        secret_file: "/nonexistent/sparkctl-test.secret".into(),
    });
    let renderer = Renderer::new(&c).unwrap();
    let token = crate::connect::token(&renderer.secret.as_ref().unwrap().secret);
    for h in &c.hosts {
        let f = renderer
            .host_files(
                &c,
                &Dists {
                    spark: &s,
                    zookeeper: Some(&z),
                },
                h,
            )
            .unwrap();
        for plain in f.iter().filter(|f| !f.secret) {
            assert!(!plain.content.contains(&token), "{}", plain.path);
        }
        let daemon = f.iter().find(|f| f.secret).unwrap();
        assert_eq!(
            daemon
                .content
                .contains(&format!("spark.connect.authenticate.token {}\n", token)),
            h.roles.connect,
            "{}: the token must be on the Connect server's host only",
            h.name
        );
    }
}

#[test]
fn a_local_event_log_directory_is_made_on_every_spark_host() {
    let c = crate::session::fake::lab_with_history("/shared/spark-events");
    for h in &c.hosts {
        assert!(
            host_dirs(&c, h).contains(&"/shared/spark-events".to_string()),
            "{}",
            h.name
        );
    }
    // A remote one is not on the hosts.
    let c = crate::session::fake::lab_with_history("hdfs://nn:8020/spark-events");
    for h in &c.hosts {
        assert!(!host_dirs(&c, h).iter().any(|d| d.contains("spark-events")));
    }
}

#[test]
fn the_history_server_is_started_where_its_role_is_and_its_port_preflighted() {
    let (_, s, z) = setup();
    let c = crate::session::fake::lab_with_history("/shared/spark-events");
    let a = c.host("hosta").unwrap();
    let fs = files(&c, &s, &z, a);
    // Everything in place but the history server, which is not running.
    let mut facts = converged(&c, &s, &z, a);
    facts.running.remove(&Daemon::History);
    let p = plan_host(&c, a, &[&s, &z], &fs, &facts);
    assert_eq!(p.start, [Daemon::History].into_iter().collect());
    let mut busy = facts.clone();
    busy.listening.insert(18080);
    let problems = preflight(&c, a, &[&s, &z], &busy, &p);
    assert!(
        problems
            .iter()
            .any(|x| x.contains("port 18080 (Spark history server) is already in use")),
        "{:?}",
        problems
    );
    let b = c.host("hostb").unwrap();
    let fb = files(&c, &s, &z, b);
    assert!(plan_host(&c, b, &[&s, &z], &fb, &converged(&c, &s, &z, b))
        .start
        .is_empty());
}

#[test]
fn the_event_log_directory_goes_through_the_host_guard_with_a_service_user() {
    let mut c = crate::session::fake::lab_with_history("/shared/spark-events");
    c.run_as = Some("spark".into());
    let b = c.host("hostb").unwrap();
    let dirs = host_dirs(&c, b);
    // Handed to the service user behind safe_path, like the other directories.
    let script = crate::steps::write_files(&dirs, &[], Some("spark"));
    let guard = script.find("safe_path \"$d\" ||").expect("the guard runs");
    let list = script[..guard]
        .rfind("for d in ")
        .map(|i| &script[i..guard])
        .unwrap();
    assert!(list.contains("/shared/spark-events"), "{}", list);
    assert!(script.find("mkdir -p").unwrap() > guard);
    // And checked by the facts probe before deploy changes anything.
    let probe = crate::facts::script(&c, b, &[], &[]);
    assert!(
        probe.contains(
            "safe_path /shared/spark-events || echo \"@unsafe_dir /shared/spark-events $why\""
        ),
        "{}",
        probe
    );
}

#[test]
fn a_dispatcher_host_without_libmesos_fails_the_preflight_by_name() {
    let c = crate::session::fake::lab_spark3_with_every_daemon();
    let h = c.host("hostb").unwrap();
    let mut facts = crate::facts::HostFacts {
        java_major: Some(17),
        java: Some("openjdk version \"17.0.15\"".into()),
        has_sha256sum: true,
        ..Default::default()
    };
    let empty = crate::plan::HostPlan::default();
    let missing = |facts: &crate::facts::HostFacts| {
        crate::plan::preflight(&c, h, &[], facts, &empty)
            .into_iter()
            .filter(|p| p.contains("Mesos"))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        missing(&facts),
        ["host hostb: the Mesos dispatcher needs the Mesos native library (libmesos.so), but MESOS_NATIVE_JAVA_LIBRARY is not set and none of /usr/lib/libmesos.so, /usr/local/lib/libmesos.so, /usr/lib64/libmesos.so, /usr/lib/x86_64-linux-gnu/libmesos.so exists; install Mesos on the host (its package provides libmesos.so), or set `native_library` in [mesos] to the library's path"]
    );
    facts.mesos_library = Some("/usr/local/lib/libmesos.so".into());
    assert!(missing(&facts).is_empty());
    // Hosts without the role are not asked.
    let a = c.host("hosta").unwrap();
    assert!(
        crate::plan::preflight(&c, a, &[], &crate::facts::HostFacts::default(), &empty)
            .iter()
            .all(|p| !p.contains("Mesos"))
    );
}

#[test]
fn mesos_properties_go_to_the_dispatcher_and_its_credentials_to_0600() {
    let (_, s, z) = setup();
    let mut c = crate::session::fake::lab_spark3_with_every_daemon();
    let dir = std::env::temp_dir().join(format!("sparkctl-mesos-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let secret = dir.join("mesos.secret");
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::write(&secret, "mesos-secret-0123456789\n").unwrap();
        std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    if let Some(m) = c.mesos.as_mut() {
        m.properties = vec![("spark.mesos.coarse", "true".into())];
        m.principal = Some("fw".into());
        m.secret_file = Some(secret.clone());
    }
    let renderer = Renderer::new(&c).unwrap();
    for h in &c.hosts {
        let f = renderer
            .host_files(
                &c,
                &Dists {
                    spark: &s,
                    zookeeper: Some(&z),
                },
                h,
            )
            .unwrap();
        let defaults = f
            .iter()
            .find(|f| f.path.ends_with("/spark-defaults.conf"))
            .unwrap();
        assert_eq!(
            defaults.content.contains("spark.mesos.coarse true\n"),
            h.roles.mesos_dispatcher,
            "{}",
            h.name
        );
        for plain in f.iter().filter(|f| !f.secret) {
            assert!(!plain.content.contains("mesos-secret-0123456789"));
            assert!(!plain.content.contains("spark.mesos.principal"));
        }
        let private = f.iter().find(|f| f.secret);
        assert_eq!(private.is_some(), h.roles.mesos_dispatcher, "{}", h.name);
        if let Some(p) = private {
            assert!(p.content.ends_with(
                "spark.mesos.principal fw\nspark.mesos.secret mesos-secret-0123456789\n"
            ));
            assert_eq!(p.readers, [Daemon::MesosDispatcher]);
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `[connect] jar` (Spark 3.5): sent once to the Connect host alone, into
/// its content-addressed place; a no-op re-deploy sends nothing; a changed
/// jar is a new place, so a new upload and a restart of the server alone.
#[test]
fn the_connect_jar_is_uploaded_once_and_a_changed_one_restarts_the_server() {
    let mut c = crate::session::fake::lab_spark3_with_every_daemon();
    let s = LocalDist::assumed(Product::Spark, &c.spark.source).unwrap();
    let z = LocalDist::assumed(Product::ZooKeeper, c.zookeeper.source.as_ref().unwrap()).unwrap();
    let ch = c.hosts.iter().position(|h| h.roles.connect).unwrap();
    let h = c.hosts[ch].clone();
    let jar = c.connect.as_ref().unwrap().jar.clone().unwrap();
    let to = layout::connect_jar("/opt/spark", &jar);
    assert_eq!(
        to,
        format!(
            "/opt/spark/.sparkctl/jars/{}-spark-connect_2.12-3.5.9.jar",
            &jar.sha256[..16]
        )
    );
    let mut facts = converged(&c, &s, &z, &h);
    // Everything in place but the jar: only the upload.
    let p = plan_host(&c, &h, &[&s, &z], &files(&c, &s, &z, &h), &facts);
    assert_eq!(p.jar_upload, Some((jar.clone(), to.clone())));
    assert!(p.restart.is_empty() && p.start.is_empty(), "{:?}", p);
    // On the host (the facts probe reports it by size): a no-op.
    facts.uploaded.insert(to.clone(), jar.size);
    let p = plan_host(&c, &h, &[&s, &z], &files(&c, &s, &z, &h), &facts);
    assert!(p.is_noop(), "{:?}", p);
    // A cut upload never has the final name, but a wrong size is sent again.
    facts.uploaded.insert(to.clone(), jar.size + 1);
    assert!(plan_host(&c, &h, &[&s, &z], &files(&c, &s, &z, &h), &facts)
        .jar_upload
        .is_some());
    facts.uploaded.insert(to.clone(), jar.size);
    // Another jar: uploaded to its own place, and the Connect server (only
    // it) restarts with it.
    let j = c.connect.as_mut().unwrap().jar.as_mut().unwrap();
    j.sha256 = "f".repeat(64);
    let p = plan_host(&c, &h, &[&s, &z], &files(&c, &s, &z, &h), &facts);
    let (_, new_to) = p.jar_upload.clone().unwrap();
    assert_ne!(new_to, to);
    assert_eq!(
        p.restart,
        [Daemon::Connect].into_iter().collect(),
        "{:?}",
        p
    );
    // No other host gets it.
    for other in c.hosts.iter().filter(|o| !o.roles.connect) {
        let f = converged(&c, &s, &z, other);
        let p = plan_host(&c, other, &[&s, &z], &files(&c, &s, &z, other), &f);
        assert_eq!(p.jar_upload, None, "{}", other.name);
    }
}
