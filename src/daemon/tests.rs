//! The daemon table: every kind complete, unique, and in start order.

use super::*;
use crate::layout;
use std::collections::BTreeSet;

/// The lab on Spark 3.5, with a history server on its first host, a Mesos
/// dispatcher on its second and a Connect server on its third, so every
/// kind runs somewhere.
fn lab() -> Cluster {
    crate::session::fake::lab_spark3_with_every_daemon()
}

#[test]
fn the_table_is_indexed_by_the_enum_in_start_order() {
    for (i, s) in SPECS.iter().enumerate() {
        assert_eq!(s.kind as usize, i, "{} is out of place", s.label);
        assert_eq!(Daemon::ALL[i], s.kind);
        assert_eq!(s.kind.spec().label, s.label);
    }
    // The derived order (sets of daemons iterate in it) is the start order.
    let mut sorted = Daemon::ALL;
    sorted.sort();
    assert_eq!(sorted, Daemon::ALL);
    assert_eq!(crate::session::converge::START_ORDER, Daemon::ALL);
}

#[test]
fn labels_classes_and_positions_are_unique() {
    let labels: BTreeSet<&str> = SPECS.iter().map(|s| s.label).collect();
    let classes: BTreeSet<&str> = SPECS.iter().map(|s| s.class).collect();
    let kinds: BTreeSet<Daemon> = SPECS.iter().map(|s| s.kind).collect();
    assert_eq!(labels.len(), SPECS.len());
    assert_eq!(classes.len(), SPECS.len());
    assert_eq!(kinds.len(), SPECS.len());
    for s in &SPECS {
        assert_eq!(Daemon::from_label(s.label), Some(s.kind));
        // A label is one shell-safe word: facts print it unquoted (a
        // hyphen inside, as in the role name `mesos-dispatcher`, is safe).
        assert!(
            s.label.chars().all(|c| c.is_ascii_lowercase() || c == '-')
                && !s.label.starts_with('-'),
            "{}",
            s.label
        );
        assert!(
            s.class.contains('.') && !s.class.contains(' '),
            "{}",
            s.class
        );
    }
    assert_eq!(Daemon::from_label("nimbus"), None);
}

#[test]
fn every_kind_has_a_pid_file_a_log_a_root_and_ports() {
    let c = lab();
    let mut pids = BTreeSet::new();
    let mut logs = BTreeSet::new();
    for d in Daemon::ALL {
        let h = c
            .hosts
            .iter()
            .find(|h| d.runs_on(h))
            .expect("a lab host runs it");
        let pid = layout::pid_file(h, d);
        assert!(pid.starts_with('/') && pid.ends_with(".pid"), "{}", pid);
        assert!(pids.insert(pid));
        let log = layout::log_glob(h, d);
        assert!(log.starts_with('/') && log.contains('*'), "{}", log);
        assert!(logs.insert(log));
        assert!(layout::root_of(&c, d).starts_with('/'));
        let ports = d.ports(&c, h);
        assert!(!ports.is_empty(), "{:?} listens nowhere", d);
        let distinct: BTreeSet<u16> = ports.iter().map(|p| p.0).collect();
        assert_eq!(distinct.len(), ports.len(), "{:?}: {:?}", d, ports);
    }
}

#[test]
fn each_product_has_its_daemons() {
    let c = lab();
    let h = c
        .hosts
        .iter()
        .find(|h| h.roles.master && h.roles.worker && h.roles.zookeeper)
        .unwrap();
    assert_eq!(
        on_host(h, Product::Spark),
        vec![Daemon::Master, Daemon::Worker, Daemon::History]
    );
    assert_eq!(on_host(h, Product::ZooKeeper), vec![Daemon::ZooKeeper]);
    // Only Spark daemons source spark-env.sh, so only they ignore lines of it.
    for s in SPECS.iter().filter(|s| s.product == Product::ZooKeeper) {
        assert!(s.ignores_env.is_empty());
    }
}

#[test]
fn every_kind_has_a_launcher_and_a_probe_of_its_own() {
    // One kind per probe today: deploy and lifecycle pick a phase by it.
    let health: Vec<Health> = SPECS.iter().map(|s| s.health).collect();
    for (i, h) in health.iter().enumerate() {
        assert!(!health[..i].contains(h), "{:?} twice", h);
    }
    let launchers: Vec<Launcher> = SPECS.iter().map(|s| s.launcher).collect();
    for (i, l) in launchers.iter().enumerate() {
        assert!(!launchers[..i].contains(l), "{:?} twice", l);
    }
}
