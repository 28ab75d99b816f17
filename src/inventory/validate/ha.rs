//! The HA mode, ZooKeeper server ids and ZooKeeper's timing: what the
//! masters' leader election depends on.

use super::values::check_path;
use super::Errors;
use crate::diag::did_you_mean;
use crate::inventory::raw::{RawHost, RawInventory};
use crate::inventory::{Ha, Host, ZkEnsemble};
use crate::path;
use std::collections::BTreeMap;

pub(super) fn assign_zk_ids(e: &mut Errors, raw: &[RawHost], hosts: &mut [Host]) {
    let mut used: BTreeMap<u32, usize> = BTreeMap::new();
    for (i, (r, h)) in raw.iter().zip(hosts.iter_mut()).enumerate() {
        let Some(id) = r.zk_id else { continue };
        if !h.roles.zookeeper {
            e.help(
                path!["host", i, "zk_id"],
                format!("host `{}` has a zk_id but not the zookeeper role", h.name),
                "add \"zookeeper\" to its roles or remove zk_id",
            );
            continue;
        }
        if !(1..=255).contains(&id) {
            e.add(
                path!["host", i, "zk_id"],
                format!("zk_id must be between 1 and 255, got {}", id),
            );
            continue;
        }
        if let Some(prev) = used.insert(id, i) {
            e.help(
                path!["host", i, "zk_id"],
                format!("zk_id {} is used twice", id),
                format!(
                    "host[{}] (`{}`) has it too; every ZooKeeper server needs its own id",
                    prev, raw[prev].name
                ),
            );
        }
        h.zk_id = Some(id);
    }
    // Unset ids: the host's position among ZooKeeper hosts, skipping ids taken explicitly.
    let mut next = 1;
    for h in hosts
        .iter_mut()
        .filter(|h| h.roles.zookeeper && h.zk_id.is_none())
    {
        while used.contains_key(&next) {
            next += 1;
        }
        if next > 255 {
            e.help(
                path!["host"],
                format!(
                    "no ZooKeeper id left for host `{}`: ids are 1 to 255",
                    h.name
                ),
                "set `zk_id` explicitly on the ZooKeeper hosts",
            );
            return;
        }
        h.zk_id = Some(next);
        used.insert(next, usize::MAX);
    }
}

pub(super) fn resolve_ha(e: &mut Errors, raw: &RawInventory, hosts: &[Host]) -> Ha {
    let masters: Vec<&str> = hosts
        .iter()
        .filter(|h| h.roles.master)
        .map(|h| h.name.as_str())
        .collect();
    let zks: Vec<&str> = hosts
        .iter()
        .filter(|h| h.roles.zookeeper)
        .map(|h| h.name.as_str())
        .collect();
    if !hosts.is_empty() && masters.is_empty() {
        e.help(
            path!["host"],
            "no host has the `master` role",
            "add \"master\" to the roles of one host (two or more for HA)",
        );
    }
    if !hosts.is_empty() && !hosts.iter().any(|h| h.roles.worker) {
        e.help(
            path!["host"],
            "no host has the `worker` role",
            "add \"worker\" to the roles of the hosts that should run executors",
        );
    }
    let at = path!["cluster", "ha"];
    let ha = match raw.cluster.ha.as_deref() {
        None if masters.len() >= 2 => Ha::Zookeeper,
        None | Some("none") => Ha::None,
        Some("zookeeper") => Ha::Zookeeper,
        Some("filesystem") => match &raw.cluster.recovery_dir {
            Some(d) => {
                check_path(e, path!["cluster", "recovery_dir"], d);
                Ha::Filesystem { dir: d.clone() }
            }
            None => {
                e.help(
                    at.clone(),
                    "ha = \"filesystem\" needs a recovery directory",
                    "add `recovery_dir = \"/var/lib/spark/recovery\"` to [cluster]",
                );
                Ha::None
            }
        },
        Some(other) => {
            let help = match did_you_mean(other, ["none", "zookeeper", "filesystem"]) {
                Some(s) => format!("did you mean \"{}\"?", s),
                None => "expected \"none\", \"zookeeper\" or \"filesystem\"".into(),
            };
            e.help(at.clone(), format!("unknown HA mode `{}`", other), help);
            return Ha::None;
        }
    };
    if raw.cluster.recovery_dir.is_some() && !matches!(ha, Ha::Filesystem { .. }) {
        e.help(
            path!["cluster", "recovery_dir"],
            "recovery_dir is only used with ha = \"filesystem\"",
            "set ha = \"filesystem\" or remove recovery_dir",
        );
    }
    match &ha {
        Ha::None if masters.len() >= 2 => e.help(
            at,
            format!("{} masters ({}) with ha = \"none\" would each be ALIVE on their own", masters.len(), masters.join(", ")),
            "use ha = \"zookeeper\" with 3 ZooKeeper hosts, or keep one master",
        ),
        Ha::Filesystem { .. } if masters.len() > 1 => e.help(
            at,
            format!("ha = \"filesystem\" supports one master, found {} ({})", masters.len(), masters.join(", ")),
            "use ha = \"zookeeper\" for several masters",
        ),
        Ha::Zookeeper if zks.is_empty() => e.help(
            if raw.cluster.ha.is_some() { at } else { path!["host"] },
            format!("HA mode `zookeeper` needs ZooKeeper, but no host has the `zookeeper` role (masters: {})", masters.join(", ")),
            "add \"zookeeper\" to the roles of 3 hosts",
        ),
        Ha::Zookeeper if zks.len() < 3 || zks.len().is_multiple_of(2) => e.help(
            if raw.cluster.ha.is_some() { at } else { path!["host"] },
            format!("HA mode `zookeeper` needs an odd number of ZooKeeper hosts, at least 3; found {} ({})", zks.len(), zks.join(", ")),
            "a quorum of N servers survives (N-1)/2 failures: 1 or 2 servers survive none; use 3 or 5",
        ),
        _ => {}
    }
    ha
}

/// ZooKeeper reads tickTime, initLimit, syncLimit and maxSessionTimeout as
/// Java ints and multiplies them as ints (`tickTime * initLimit` is a socket
/// timeout): a value or product above 2^31-1 makes it fail at start or wrap
/// to a negative timeout. Computed here in u64, so nothing overflows on the
/// way to saying so.
pub(super) fn check_zk_times(e: &mut Errors, z: &ZkEnsemble, max_written: bool) {
    const JAVA_INT: u64 = i32::MAX as u64;
    let tick = u64::from(z.tick_time);
    let mut fits = true;
    for (key, v) in [
        ("tick_time", Some(z.tick_time)),
        ("init_limit", Some(z.init_limit)),
        ("sync_limit", Some(z.sync_limit)),
        ("max_session_timeout", z.max_session_timeout),
    ] {
        if let Some(v) = v.filter(|v| u64::from(*v) > JAVA_INT) {
            fits = false;
            e.help(
                path!["zookeeper", key],
                format!(
                    "{} = {} is above {}, the largest value ZooKeeper reads (a Java int)",
                    key, v, JAVA_INT
                ),
                "use a smaller value (tick_time is in milliseconds; ZooKeeper's default is 2000)",
            );
        }
    }
    if fits {
        for (key, limit) in [("init_limit", z.init_limit), ("sync_limit", z.sync_limit)] {
            let product = tick * u64::from(limit);
            if product > JAVA_INT {
                e.help(
                    path!["zookeeper", key],
                    format!(
                        "tick_time x {} = {} ms is above {}, the largest timeout ZooKeeper can compute (a Java int)",
                        key, product, JAVA_INT
                    ),
                    format!("lower tick_time or {}", key),
                );
            }
        }
    }
    if let Some(t) = z.max_session_timeout {
        let min = 2 * tick;
        if u64::from(t) < min {
            // The default max_session_timeout is not in the file: point at tick_time.
            let at = if max_written {
                path!["zookeeper", "max_session_timeout"]
            } else {
                path!["zookeeper", "tick_time"]
            };
            e.help(at, format!("max_session_timeout ({} ms) is below ZooKeeper's minimum session timeout (2 x tick_time = {} ms)", t, min), "raise it or lower tick_time");
        }
    }
}
