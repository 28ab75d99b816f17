//! `[history]` and the `history` role: the event log directory every driver
//! writes and the history server reads, its UI port and its cleaner. The
//! table is cluster-wide: one directory, one server's settings.

use super::values::{check_path, with_key};
use super::Errors;
use crate::inventory::raw::RawInventory;
use crate::inventory::{EventLogDir, History, Host};
use crate::path;

/// `spark.history.ui.port`'s default.
pub const DEFAULT_HISTORY_UI_PORT: u16 = 18080;

const DIR_HELP: &str = "expected `hdfs://namenode/path`, `s3a://bucket/path`, `file:/absolute/path` or an absolute path (which means `file:` + the path), on storage every driver can write to";

/// The resolved `[history]`, or `None` when no host has the role (a
/// `[history]` table without one is an error: its settings would be
/// silently unused).
pub(super) fn resolve_history(
    e: &mut Errors,
    raw: &RawInventory,
    hosts: &[Host],
) -> Option<History> {
    let server = hosts.iter().position(|h| h.roles.history);
    let Some(t) = &raw.history else {
        if let Some(i) = server {
            let j = raw.host[i]
                .roles
                .iter()
                .position(|r| r == "history")
                .unwrap_or(0);
            e.help(
                path!["host", i, "roles", j],
                format!(
                    "host `{}` has the `history` role but there is no [history] section",
                    hosts[i].name
                ),
                "add [history] with `log_directory = \"...\"`: where every driver writes its event log and the history server reads them",
            );
        }
        return None;
    };
    if server.is_none() {
        e.help(
            path!["history"],
            "[history] is set but no host has the `history` role",
            "add \"history\" to the roles of the host that runs the history server, or remove [history]",
        );
        return None;
    }
    check_defaults(e, raw);
    let log_directory = match &t.log_directory {
        None => {
            e.help(
                path!["history"],
                "[history] has no `log_directory`",
                DIR_HELP,
            );
            None
        }
        Some(d) => event_log_dir(e, d),
    };
    let ui_port = t.ui_port.unwrap_or(DEFAULT_HISTORY_UI_PORT);
    if ui_port == 0 {
        e.add(path!["history", "ui_port"], "must be greater than 0");
    }
    let mut age = |key: &'static str, v: &Option<String>, default: &str| -> String {
        let v = v.clone().unwrap_or_else(|| default.into());
        if !spark_duration(&v) {
            e.help(
                path!["history", key],
                format!("invalid duration `{}`", v.escape_debug()),
                "expected a number and a unit Spark reads: ms, s, m, min, h or d, like \"7d\" or \"12h\"",
            );
        }
        v
    };
    let cleaner_max_age = age("cleaner_max_age", &t.cleaner_max_age, "7d");
    let cleaner_interval = age("cleaner_interval", &t.cleaner_interval, "1d");
    Some(History {
        log_directory: log_directory?,
        ui_port,
        cleaner: t.cleaner.unwrap_or(true),
        cleaner_max_age,
        cleaner_interval,
    })
}

/// `log_directory`: a remote file system's URI as given, or a local path
/// (`file:/p`, `file:///p` or `/p`) checked like every host path.
fn event_log_dir(e: &mut Errors, d: &str) -> Option<EventLogDir> {
    let at = || path!["history", "log_directory"];
    // Rendered into spark-defaults.conf: no white space or control
    // characters, which no real URI has.
    if d.chars().any(|c| c.is_whitespace() || c.is_control()) {
        e.help(
            at(),
            format!("invalid log_directory `{}`", d.escape_debug()),
            DIR_HELP,
        );
        return None;
    }
    for scheme in ["hdfs://", "s3a://"] {
        if let Some(rest) = d.strip_prefix(scheme) {
            if rest.is_empty() || (rest.starts_with('/') && scheme == "s3a://") {
                e.help(
                    at(),
                    format!(
                        "log_directory `{}` names no {}",
                        d,
                        if scheme == "s3a://" { "bucket" } else { "path" }
                    ),
                    DIR_HELP,
                );
                return None;
            }
            return Some(EventLogDir::Remote(d.to_string()));
        }
    }
    let local = match super::dirs::local_event_dir(d) {
        Some(p) => p,
        None => {
            e.help(
                at(),
                format!(
                    "log_directory `{}` is not a URI sparkctl knows nor an absolute path",
                    d
                ),
                DIR_HELP,
            );
            return None;
        }
    };
    let before = e.items.len();
    check_path(e, at(), local);
    (e.items.len() == before).then(|| EventLogDir::Local(local.to_string()))
}

/// A time string as Spark's `timeStringAs` reads it: digits and a unit.
fn spark_duration(v: &str) -> bool {
    let digits = v.chars().take_while(|c| c.is_ascii_digit()).count();
    digits > 0 && ["ms", "s", "m", "min", "h", "d"].contains(&&v[digits..])
}

/// Properties sparkctl writes from `[history]`: set in `defaults` too, one
/// of the two would silently win (the last line of a properties file does).
const OWNED: [&str; 8] = [
    "spark.eventLog.enabled",
    "spark.eventLog.dir",
    "spark.history.fs.logDirectory",
    "spark.history.ui.port",
    "spark.history.fs.cleaner.enabled",
    "spark.history.fs.cleaner.maxAge",
    "spark.history.fs.cleaner.interval",
    "spark.master.ui.historyServerUrl",
];

fn check_defaults(e: &mut Errors, raw: &RawInventory) {
    let tables = std::iter::once((path!["spark", "defaults"], &raw.spark.defaults)).chain(
        raw.host
            .iter()
            .enumerate()
            .map(|(i, h)| (path!["host", i, "spark", "defaults"], &h.spark.defaults)),
    );
    for (at, map) in tables {
        for k in map
            .iter()
            .flat_map(|m| m.keys())
            .filter(|k| OWNED.contains(&k.as_str()))
        {
            e.help(
                with_key(&at, k),
                format!("`{}` is set from [history]", k),
                "remove it from defaults: [history] sets the event log directory, the UI port and the cleaner for every host",
            );
        }
    }
}
