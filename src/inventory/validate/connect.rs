//! `[connect]` and the `connect` role: the Spark Connect server's port,
//! its jar where the distribution lacks it (3.x), and its token. Checked
//! against the Spark version here, at check time, because a server that
//! cannot start or cannot be protected would otherwise fail only at
//! deploy, on the host, after the masters and workers were restarted.

use super::values::{check_memory, expand_home};
use super::Errors;
use crate::dist::{LocalDist, Product, Version};
use crate::inventory::raw::RawInventory;
use crate::inventory::{Connect, ConnectJar, Host, Source};
use crate::path;
use std::path::Path;

/// `spark.connect.grpc.binding.port`'s default.
pub const DEFAULT_CONNECT_PORT: u16 = 15002;

const fn v(major: u32, minor: u32) -> Version {
    Version {
        major,
        minor,
        patch: 0,
    }
}

/// The least `daemon_memory` the Connect server's driver starts with.
const CONNECT_MIN_MB: u64 = 512;

/// The least `spark.executor.memory` Spark starts an executor with (MiB).
const EXECUTOR_MIN_MB: u64 = 450;

/// The resolved `[connect]`, or `None` when no host has the role. Unlike
/// `[history]`, the table is optional: on Spark 4 every key has a default.
pub(super) fn resolve_connect(
    e: &mut Errors,
    base: &Path,
    raw: &RawInventory,
    hosts: &[Host],
    source: Option<&Source>,
    cluster_auth: bool,
) -> Option<Connect> {
    let server = hosts.iter().position(|h| h.roles.connect);
    let t = raw.connect.clone();
    let Some(i) = server else {
        if t.is_some() {
            e.help(
                path!["connect"],
                "[connect] is set but no host has the `connect` role",
                "add \"connect\" to the roles of the host that runs the Spark Connect server, or remove [connect]",
            );
        }
        return None;
    };
    let t = t.unwrap_or_default();
    // Where to point at when the complaint is about the role itself.
    let role_at = || {
        let j = raw.host[i]
            .roles
            .iter()
            .position(|r| r == "connect")
            .unwrap_or(0);
        path!["host", i, "roles", j]
    };
    let version = source
        .and_then(|s| LocalDist::assumed(Product::Spark, s))
        .and_then(|d| d.version);
    let port = t.port.unwrap_or(DEFAULT_CONNECT_PORT);
    if port == 0 {
        e.add(path!["connect", "port"], "must be greater than 0");
    }
    match version {
        // Spark Connect came with 3.4.
        Some(ver) if ver < v(3, 4) => e.help(
            role_at(),
            format!(
                "host `{}` has the `connect` role, but Spark {} has no Spark Connect server",
                hosts[i].name, ver
            ),
            "Spark Connect needs Spark 3.4 or newer (its server jar ships in jars/ since 4.0)",
        ),
        Some(ver) if ver < v(4, 0) && t.jar.is_none() => e.help(
            if raw.connect.is_some() {
                path!["connect"]
            } else {
                role_at()
            },
            format!(
                "Spark {} does not ship the Spark Connect server: [connect] has no `jar`",
                ver
            ),
            format!(
                "download Maven Central's org.apache.spark:spark-connect_2.12:{} to this machine and add `jar = \"spark-connect_2.12-{}.jar\"` (its path, relative to the inventory's directory) to [connect]: deploy uploads it to the connect host; or use Spark 4, whose jars/ has it",
                ver, ver
            ),
        ),
        Some(ver) if ver >= v(4, 0) && t.jar.is_some() => e.help(
            path!["connect", "jar"],
            format!("Spark {} ships the Spark Connect server in jars/", ver),
            "remove `jar`: a second copy on the class path would clash with the tree's own",
        ),
        _ => {}
    }
    // Read only where it is used: Spark 4 refused it above, before 3.4
    // the role is refused.
    let jar = match (&t.jar, version) {
        (Some(j), ver) if ver.is_none_or(|x| x >= v(3, 4) && x < v(4, 0)) => local_jar(e, base, j),
        _ => None,
    };
    // Spark 4's launcher gives the Connect server's driver
    // SPARK_DAEMON_MEMORY (`daemon_memory`), not spark.driver.memory, and
    // a driver refuses to start below 450 MiB of heap (Spark's
    // INVALID_DRIVER_MEMORY.SYSTEM_MEMORY: 1.5 x its 300 MiB reserve).
    // Found on the lab, whose daemons get 256m.
    let mb = crate::inventory::memory_mb(&hosts[i].spark.daemon_memory);
    if version.is_none_or(|x| x >= v(4, 0)) && mb.is_some_and(|m| m < CONNECT_MIN_MB) {
        let at = if raw.host[i].spark.daemon_memory.is_some() {
            path!["host", i, "spark", "daemon_memory"]
        } else {
            path!["spark", "daemon_memory"]
        };
        e.help(
            at,
            format!(
                "host `{}` runs the Spark Connect server, whose driver gets `daemon_memory` ({}): Spark refuses to start a driver with less than 450 MiB",
                hosts[i].name, hosts[i].spark.daemon_memory
            ),
            format!(
                "set `daemon_memory = \"{}m\"` or more in that host's [host.spark]",
                CONNECT_MIN_MB
            ),
        );
    }
    let authenticate = t.authenticate.unwrap_or(false);
    if authenticate {
        if let Some(ver) = version.filter(|x| *x < v(4, 0)) {
            e.help(
                path!["connect", "authenticate"],
                format!(
                    "Spark {} cannot protect the Spark Connect server: `spark.connect.authenticate.token` came with Spark 4.0",
                    ver
                ),
                "remove `authenticate = true` from [connect] and keep the port reachable only from trusted machines, or use Spark 4",
            );
        }
        if !cluster_auth {
            e.help(
                path!["connect", "authenticate"],
                "[connect] authenticate needs `authenticate = true` in [spark]",
                "the Connect server's token is derived from the cluster secret, which [spark] authenticate creates and keeps (mode 0600); add it to [spark]",
            );
        }
    }
    // The server is one application holding its executors for as long as
    // it runs: without a cap it takes every free core of the cluster and
    // `spark-submit` jobs wait. Given on its command line (so a change
    // restarts it), not in spark-defaults.conf, which every application
    // submitted from that host would read too.
    if t.cores_max == Some(0) {
        e.help(
            path!["connect", "cores_max"],
            "[connect] cores_max must be at least 1",
            "give the number of cores the Connect server's executors may hold across the cluster, e.g. `cores_max = 4`, or remove it to let them take every free core",
        );
    }
    if let Some(m) = &t.executor_memory {
        // Spark's UnifiedMemoryManager refuses an executor below 1.5 x its
        // 300 MiB reserve, at the executor's start, on a worker: say it here.
        if check_memory(e, path!["connect", "executor_memory"], m)
            .is_some_and(|mb| mb < EXECUTOR_MIN_MB)
        {
            e.help(
                path!["connect", "executor_memory"],
                format!(
                    "[connect] executor_memory `{}` is below the 450 MiB Spark requires of an executor",
                    m.escape_debug()
                ),
                "set `executor_memory = \"512m\"` or more",
            );
        }
    }
    Some(Connect {
        port,
        jar,
        authenticate,
        cores_max: t.cores_max,
        executor_memory: t.executor_memory,
    })
}

/// `[connect] jar`: a file on this machine (relative to the inventory's
/// directory, like `tarball`), named `*.jar` in one word that survives
/// spark-submit's comma-separated `--jars` and the sbin scripts, and
/// readable now: read whole here for its sha256, which names its place on
/// the hosts. Each failure is located at the key and says what was found.
fn local_jar(e: &mut Errors, base: &Path, j: &str) -> Option<ConnectJar> {
    let at = || path!["connect", "jar"];
    let local = base.join(expand_home(j));
    let file_name = local
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if !file_name.ends_with(".jar") || file_name == ".jar" {
        e.help(
            at(),
            format!("[connect] jar `{}` is not a .jar file", j.escape_debug()),
            "give the Spark Connect server jar on this machine, e.g. `jar = \"spark-connect_2.12-3.5.9.jar\"` (Maven Central's org.apache.spark:spark-connect_2.12:<version>)",
        );
        return None;
    }
    if let Some(c) = file_name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "._+-".contains(*c)))
    {
        e.help(
            at(),
            format!(
                "[connect] jar's file name `{}` contains `{}`",
                file_name.escape_debug(),
                c.escape_debug()
            ),
            "rename the file to letters, digits and . _ - + (spark-submit's --jars is a comma-separated list, and Spark's scripts do not quote every word)",
        );
        return None;
    }
    let meta = match std::fs::metadata(&local) {
        Ok(m) => m,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            e.help(
                at(),
                format!(
                    "[connect] jar `{}` does not exist ({})",
                    j.escape_debug(),
                    local.display()
                ),
                "the jar is read on this machine and uploaded by deploy: download it here (a relative path is read from the inventory's directory)",
            );
            return None;
        }
        Err(err) => {
            e.add(
                at(),
                format!("cannot read [connect] jar `{}`: {}", local.display(), err),
            );
            return None;
        }
    };
    if !meta.is_file() {
        e.help(
            at(),
            format!(
                "[connect] jar `{}` is not a file ({})",
                j.escape_debug(),
                local.display()
            ),
            "give the path of the jar file itself",
        );
        return None;
    }
    match sha256_file(&local) {
        Ok(sha256) => Some(ConnectJar {
            local,
            file_name,
            sha256,
            size: meta.len(),
        }),
        Err(err) => {
            e.add(
                at(),
                format!("cannot read [connect] jar `{}`: {}", local.display(), err),
            );
            None
        }
    }
}

/// The sha256 of a file, in hex, read in blocks.
fn sha256_file(p: &Path) -> std::io::Result<String> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let mut f = std::fs::File::open(p)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().iter().map(|b| format!("{:02x}", b)).collect())
}
