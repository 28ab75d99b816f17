//! `[mesos]` and the `mesos-dispatcher` role: the Mesos cluster dispatcher
//! (Spark 3.x; Spark 4 removed Mesos support, SPARK-44442), its ports, the
//! native library it loads, and the `spark.mesos.*` properties of the
//! drivers it launches, each under a key of its own so that a misspelt one
//! is refused by name rather than rendered and ignored by Spark.

use super::values::{check_path, expand_home};
use super::Errors;
use crate::dist::{LocalDist, Product, Version};
use crate::inventory::raw::RawInventory;
use crate::inventory::{Host, Mesos, Source};
use crate::path;
use std::path::Path;

/// `SPARK_MESOS_DISPATCHER_PORT`'s default (start-mesos-dispatcher.sh).
pub const DEFAULT_DISPATCHER_PORT: u16 = 7077;
/// `MesosClusterDispatcherArguments`' default web UI port.
pub const DEFAULT_DISPATCHER_UI_PORT: u16 = 8081;

const MASTER_HELP: &str = "expected `mesos://host:5050` or `mesos://zk://a:2181,b:2181/mesos`";

/// The resolved `[mesos]`, or `None` when no host has the role.
pub(super) fn resolve_mesos(
    e: &mut Errors,
    base: &Path,
    raw: &RawInventory,
    hosts: &[Host],
    source: Option<&Source>,
    cluster_auth: bool,
) -> Option<Mesos> {
    let server = hosts.iter().position(|h| h.roles.mesos_dispatcher);
    let Some(i) = server else {
        if raw.mesos.is_some() {
            e.help(
                path!["mesos"],
                "[mesos] is set but no host has the `mesos-dispatcher` role",
                "add \"mesos-dispatcher\" to the roles of the host that runs the dispatcher, or remove [mesos]",
            );
        }
        return None;
    };
    let role_at = || {
        let j = raw.host[i]
            .roles
            .iter()
            .position(|r| r == "mesos-dispatcher")
            .unwrap_or(0);
        path!["host", i, "roles", j]
    };
    let version = source
        .and_then(|s| LocalDist::assumed(Product::Spark, s))
        .and_then(|d| d.version);
    let four = Version {
        major: 4,
        minor: 0,
        patch: 0,
    };
    if let Some(v) = version.filter(|v| *v >= four) {
        e.help(
            role_at(),
            format!(
                "host `{}` has the `mesos-dispatcher` role, but Spark {} has no Mesos support: Spark 4 removed it (SPARK-44442)",
                hosts[i].name, v
            ),
            "use a Spark 3.x tarball for a cluster with a Mesos dispatcher, or remove the role",
        );
        return None;
    }
    let Some(t) = raw.mesos.clone() else {
        e.help(
            role_at(),
            format!(
                "host `{}` has the `mesos-dispatcher` role but there is no [mesos] section",
                hosts[i].name
            ),
            format!("add [mesos] with `master = \"...\"`: {}", MASTER_HELP),
        );
        return None;
    };
    let master = match &t.master {
        None => {
            e.help(path!["mesos"], "[mesos] has no `master`", MASTER_HELP);
            None
        }
        Some(m) if !mesos_url_ok(m) => {
            e.help(
                path!["mesos", "master"],
                format!("invalid Mesos master URL `{}`", m.escape_debug()),
                MASTER_HELP,
            );
            None
        }
        Some(m) => Some(m.clone()),
    };
    let port = t.port.unwrap_or(DEFAULT_DISPATCHER_PORT);
    let ui_port = t.ui_port.unwrap_or(DEFAULT_DISPATCHER_UI_PORT);
    for (key, p) in [("port", port), ("ui_port", ui_port)] {
        if p == 0 {
            e.add(path!["mesos", key], "must be greater than 0");
        }
    }
    if let Some(l) = &t.native_library {
        check_path(e, path!["mesos", "native_library"], l);
    }
    // Rendered into properties files: one word each, nothing a properties
    // reader would split or unescape.
    let word = |e: &mut Errors, key: &'static str, v: &str| {
        if v.is_empty()
            || v.chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '\\')
        {
            e.help(
                path!["mesos", key],
                format!("invalid {} `{}`", key, v.escape_debug()),
                "expected one word: no white space, control characters or backslashes",
            );
        }
    };
    let mut properties: Vec<(&'static str, String)> = Vec::new();
    if let Some(c) = t.coarse {
        properties.push(("spark.mesos.coarse", c.to_string()));
    }
    if let Some(n) = t.cores_max {
        properties.push(("spark.cores.max", n.to_string()));
    }
    for (key, prop, v) in [
        (
            "executor_docker_image",
            "spark.mesos.executor.docker.image",
            &t.executor_docker_image,
        ),
        ("role", "spark.mesos.role", &t.role),
        ("constraints", "spark.mesos.constraints", &t.constraints),
    ] {
        if let Some(v) = v {
            word(e, key, v);
            properties.push((prop, v.clone()));
        }
    }
    if let Some(uris) = &t.uris {
        for u in uris {
            word(e, "uris", u);
            if u.contains(',') {
                e.help(
                    path!["mesos", "uris"],
                    format!("invalid uris entry `{}`", u.escape_debug()),
                    "one URI per list entry: Spark joins them with commas",
                );
            }
        }
        properties.push(("spark.mesos.uris", uris.join(",")));
    }
    if let Some(p) = &t.principal {
        word(e, "principal", p);
    }
    let secret_file = t.secret_file.as_ref().map(|f| base.join(expand_home(f)));
    if secret_file.is_some() && t.principal.is_none() {
        e.help(
            path!["mesos", "secret_file"],
            "[mesos] secret_file is only used with a `principal`",
            "add `principal = \"...\"` (the framework principal the secret belongs to), or remove secret_file",
        );
    }
    // With the cluster secret, the dispatcher (which cannot check it) is
    // bound to its host's loopback, where `probe = "direct"` cannot reach
    // it from this machine: say so now rather than have every deploy wait
    // out a dispatcher that is up.
    if cluster_auth && raw.ssh.probe.as_deref() == Some("direct") {
        e.help(
            path!["ssh", "probe"],
            format!(
                "the Mesos dispatcher on `{}` listens on 127.0.0.1 only (`authenticate = true` in [spark], which the dispatcher does not enforce), so `probe = \"direct\"` cannot reach it from this machine",
                hosts[i].name
            ),
            "remove `probe = \"direct\"` from [ssh]: probes through SSH dial the dispatcher's loopback on its host",
        );
    }
    Some(Mesos {
        loopback: cluster_auth,
        master: master?,
        port,
        ui_port,
        native_library: t.native_library,
        properties,
        principal: t.principal,
        secret_file,
    })
}

/// `mesos://host:port` or `mesos://zk://hosts/path`, one word.
fn mesos_url_ok(m: &str) -> bool {
    let Some(rest) = m.strip_prefix("mesos://") else {
        return false;
    };
    !rest.is_empty()
        && !rest
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "'\"\\$`".contains(c))
}
