//! Graceful worker decommissioning (Spark 3.1+): what the workers and the
//! applications must be told in spark-defaults.conf, and since which
//! version. A worker only installs its SIGPWR handler when it starts with
//! `spark.decommission.enabled=true`; signalled, it tells the master, which
//! schedules nothing new on it and tells each application's driver, whose
//! executors there finish their running tasks, hand their cached and
//! shuffle blocks to other executors, and exit. sparkctl waits for that
//! (the worker's `/json/` lists no executors) before it stops the worker;
//! see `Session::decommission_workers`.

use crate::dist::Version;
use crate::inventory::Host;

/// The first Spark with worker decommissioning in standalone mode.
pub const SINCE: Version = Version {
    major: 3,
    minor: 1,
    patch: 0,
};

/// Keys sparkctl owns: without them the SIGPWR it sends would kill the
/// worker (the JVM's default action) instead of decommissioning it.
pub const MANAGED: [&str; 2] = [
    "spark.decommission.enabled",
    "spark.worker.decommission.signal",
];

/// Block migration, so that what decommissioned executors held (cached
/// RDD blocks, shuffle output) moves to executors that stay instead of
/// being recomputed. Defaults an inventory may override in `defaults`.
///
/// The re-attempt interval: a decommissioned executor exits only after a
/// migration round that finds nothing left, and rounds are this far apart
/// (Spark's default, 30 s, made every worker of a lab rolling restart
/// wait 31 s for executors whose tasks had ended within a second; at 2 s
/// it waits about 3 s).
pub const MIGRATION: [(&str, &str); 4] = [
    ("spark.storage.decommission.enabled", "true"),
    ("spark.storage.decommission.rddBlocks.enabled", "true"),
    ("spark.storage.decommission.shuffleBlocks.enabled", "true"),
    (
        "spark.storage.decommission.replicationReattemptInterval",
        "2s",
    ),
];

/// The spark-defaults.conf lines for `host` (appended after the template,
/// so the managed keys win; block migration only where the inventory's
/// `defaults` does not set the key itself).
pub fn defaults_block(enabled: bool, host: &Host) -> String {
    if !enabled {
        return String::new();
    }
    let mut b = String::from(
        "# Graceful decommissioning ([spark] decommission): workers decommission on SIGPWR, executors migrate their blocks.\nspark.decommission.enabled true\nspark.worker.decommission.signal PWR\n",
    );
    for (k, v) in MIGRATION {
        if !host.spark.defaults.contains_key(k) {
            b.push_str(&format!("{} {}\n", k, v));
        }
    }
    b
}
