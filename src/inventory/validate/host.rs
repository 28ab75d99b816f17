//! One `[[host]]`: its name, address and roles, the keys it may not set
//! per host, and its merged settings (see `merge`).

use super::dirs::check_service_dirs;
use super::merge::{merge_spark, merge_zk};
use super::ports::check_ports;
use super::values::expand_home;
use super::{Errors, ROLES};
use crate::diag::did_you_mean;
use crate::inventory::raw::{RawHost, RawInventory};
use crate::inventory::{Host, Roles};
use crate::path;
use std::path::Path;

#[allow(clippy::too_many_arguments)]
pub(super) fn resolve_host(
    e: &mut Errors,
    i: usize,
    h: &RawHost,
    raw: &RawInventory,
    spark_root: &str,
    zk_root: &str,
    base: &Path,
) -> Host {
    if h.name.is_empty()
        || !h
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        || h.name.starts_with('-')
    {
        e.help(
            path!["host", i, "name"],
            format!("invalid host name `{}`", h.name.escape_debug()),
            "use letters, digits, `.`, `_` and `-`",
        );
    }
    let address = h.address.clone().unwrap_or_else(|| h.name.clone());
    check_address(e, i, h, &address);

    let mut roles = Roles::default();
    if h.roles.is_empty() {
        e.help(
            path!["host", i, "roles"],
            format!("host `{}` has no roles", h.name),
            "give it one or more of \"zookeeper\", \"master\", \"worker\", \"history\", \"connect\", \"mesos-dispatcher\"",
        );
    }
    for (j, r) in h.roles.iter().enumerate() {
        match r.as_str() {
            "zookeeper" => roles.zookeeper = true,
            "master" => roles.master = true,
            "worker" => roles.worker = true,
            "history" => roles.history = true,
            "connect" => roles.connect = true,
            "mesos-dispatcher" => roles.mesos_dispatcher = true,
            other => {
                let help = match did_you_mean(other, ROLES) {
                    Some(s) => format!("did you mean \"{}\"?", s),
                    None => "roles are \"zookeeper\", \"master\", \"worker\", \"history\", \"connect\" and \"mesos-dispatcher\"".into(),
                };
                e.help(
                    path!["host", i, "roles", j],
                    format!("unknown role `{}`", other),
                    help,
                );
            }
        }
    }

    // Distribution and ensemble-wide keys make no sense per host.
    let hs = &h.spark;
    for (key, set) in [
        ("tarball", hs.tarball.is_some()),
        ("url", hs.url.is_some()),
        ("sha256", hs.sha256.is_some()),
        ("sha512", hs.sha512.is_some()),
        ("fetch", hs.fetch.is_some()),
        ("install_root", hs.install_root.is_some()),
        ("zookeeper_dir", hs.zookeeper_dir.is_some()),
        ("authenticate", hs.authenticate.is_some()),
        ("secret_file", hs.secret_file.is_some()),
        ("rest", hs.rest.is_some()),
        ("decommission", hs.decommission.is_some()),
    ] {
        if set {
            e.help(
                path!["host", i, "spark", key],
                format!("`{}` can only be set cluster-wide", key),
                "move it to the [spark] table".to_string(),
            );
        }
    }
    let hz = &h.zookeeper;
    for (key, set) in [
        ("tarball", hz.tarball.is_some()),
        ("url", hz.url.is_some()),
        ("sha256", hz.sha256.is_some()),
        ("sha512", hz.sha512.is_some()),
        ("fetch", hz.fetch.is_some()),
        ("install_root", hz.install_root.is_some()),
        ("tick_time", hz.tick_time.is_some()),
        ("init_limit", hz.init_limit.is_some()),
        ("sync_limit", hz.sync_limit.is_some()),
        ("max_session_timeout", hz.max_session_timeout.is_some()),
        (
            "autopurge_snap_retain_count",
            hz.autopurge_snap_retain_count.is_some(),
        ),
        (
            "autopurge_purge_interval",
            hz.autopurge_purge_interval.is_some(),
        ),
    ] {
        if set {
            e.help(
                path!["host", i, "zookeeper", key],
                format!("`{}` can only be set cluster-wide", key),
                "every ZooKeeper server must agree on it: move it to the [zookeeper] table",
            );
        }
    }

    let spark = merge_spark(e, i, hs, &raw.spark, spark_root);
    let zk = merge_zk(e, i, hz, raw.zookeeper.as_ref(), zk_root);
    check_ports(e, i, h, raw, &roles, &spark, &zk);
    check_service_dirs(e, i, h, raw, &roles, spark_root, zk_root);

    Host {
        name: h.name.clone(),
        address,
        ssh_user: h.ssh_user.clone(),
        ssh_port: h.ssh_port,
        identity_file: h.identity_file.as_ref().map(|p| base.join(expand_home(p))),
        roles,
        zk_id: None,
        spark,
        zk,
    }
}

/// The address lands in `spark://host:port`, ZooKeeper's `server.N=host:2888:3888`
/// and connect strings, `SPARK_LOCAL_HOSTNAME`, and ssh's command line.
/// Java parses the Spark URLs with `java.net.URI`, which takes neither `_`
/// in a host name nor an IPv6 literal without brackets; and a `:port` would
/// be read as part of the host. Refuse what would be written wrongly rather
/// than render it.
pub(super) fn check_address(e: &mut Errors, i: usize, h: &RawHost, address: &str) {
    // Without `address`, the name is the address: point at the name.
    let (at, what) = if h.address.is_some() {
        (
            path!["host", i, "address"],
            format!("address `{}`", address),
        )
    } else {
        (
            path!["host", i, "name"],
            format!(
                "host name `{}` (the address, as `address` is not set)",
                address
            ),
        )
    };
    let bare = address.trim_start_matches('[').trim_end_matches(']');
    if address.is_empty()
        || address.starts_with('-')
        || !address
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".:-_[]".contains(c))
    {
        // An invalid name used as the address is reported as a name.
        if h.address.is_none() {
            return;
        }
        e.help(
            at,
            format!("invalid address `{}`", address.escape_debug()),
            "expected a host name or an IP address",
        );
    } else if bare.parse::<std::net::Ipv6Addr>().is_ok() || address.matches(':').count() > 1 {
        e.help(
            at,
            format!(
                "{} is an IPv6 literal: IPv6 literals are not supported yet",
                what
            ),
            "use a host name that resolves to this address (DNS or /etc/hosts): Spark's and ZooKeeper's configs would need the literal in brackets, which sparkctl does not write yet",
        );
    } else if let Some((host, port)) = address
        .split_once(':')
        .filter(|(h, p)| !h.is_empty() && !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
    {
        e.help(
            at,
            format!("address `{}` has a port (`:{}`)", address, port),
            format!("give the address alone (`{}`) and set the SSH port with `[ssh] port` (or `ssh_port` on the host); the daemons' ports have their own keys", host),
        );
    } else if address.contains(['[', ']', ':']) {
        e.help(
            at,
            format!("invalid address `{}`", address.escape_debug()),
            "expected a host name or an IP address, without brackets or `:`",
        );
    } else if address.contains('_') {
        e.help(
            at,
            format!("{} contains `_`", what),
            if h.address.is_some() {
                "Java's URI parser does not accept `_` in host names (spark://, ZooKeeper's server list): use a name of letters, digits, `.` and `-` that resolves to this host, or its IP address".to_string()
            } else {
                "Java's URI parser does not accept `_` in host names (spark://, ZooKeeper's server list): set `address` to a name of letters, digits, `.` and `-` that resolves to this host, or to its IP address".to_string()
            },
        );
    }
}
