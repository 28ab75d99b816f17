//! The optional history server (`history = true`): where it reads event
//! logs, and the keys that only make sense with it.

use super::checks::Errs;
use super::model::{History, RawKubernetes};
use crate::inventory::raw::RawSpark;
use crate::path;

/// `history_storage` is checked with the other storage sizes, before.
pub(super) fn resolve(
    e: &mut Errs,
    k: &RawKubernetes,
    s: &RawSpark,
    history_storage: String,
) -> Option<History> {
    let history = if k.history == Some(true) {
        let port = k.history_port.unwrap_or(18080);
        if port == 0 {
            e.help(
                path!["kubernetes", "history_port"],
                "port 0 is not allowed here",
                "the history server's UI port; Spark's default is 18080",
            );
        }
        match &k.history_log_dir {
            None => {
                e.help(
                    path!["kubernetes", "history"],
                    "the history server needs `history_log_dir`",
                    "e.g. history_log_dir = \"file:/spark-events\" (a shared volume is rendered) or \"s3a://bucket/events\"",
                );
                None
            }
            Some(d) => {
                let local = d
                    .strip_prefix("file:")
                    .or(d.starts_with('/').then_some(d.as_str()));
                let ok_path = local.is_none_or(|p| {
                    p.starts_with('/')
                        && p.len() > 1
                        && p.chars()
                            .all(|c| c.is_ascii_alphanumeric() || "/._-".contains(c))
                });
                if !ok_path || d.contains(char::is_whitespace) || d.is_empty() {
                    e.help(
                        path!["kubernetes", "history_log_dir"],
                        format!("invalid history_log_dir `{}`", d.escape_debug()),
                        "a URL Spark can write event logs to, like \"file:/spark-events\" or \"s3a://bucket/events\"",
                    );
                }
                Some(History {
                    log_dir: d.clone(),
                    local_path: local.map(str::to_string),
                    storage: history_storage,
                    port,
                })
            }
        }
    } else {
        for (key, set) in [
            ("history_log_dir", k.history_log_dir.is_some()),
            ("history_storage", k.history_storage.is_some()),
            ("history_port", k.history_port.is_some()),
        ] {
            if set {
                e.help(
                    path!["kubernetes", key],
                    format!("{} is only used with `history = true`", key),
                    "add `history = true` to [kubernetes], or remove it",
                );
            }
        }
        None
    };
    if let Some(h) = &history {
        if let Some(dir) = s
            .defaults
            .as_ref()
            .and_then(|d| d.get("spark.eventLog.dir"))
        {
            if *dir != h.log_dir {
                e.help(
                    path!["spark", "defaults", "spark.eventLog.dir"],
                    format!("spark.eventLog.dir `{}` is not the history server's history_log_dir `{}`", dir, h.log_dir),
                    "applications would write their event logs where the history server does not read: remove it (sparkctl sets it from history_log_dir) or make both the same",
                );
            }
        }
    }
    history
}
