//! `[spark] authenticate`, `secret_file` and `rest`: who may talk to the
//! masters, checked together because the REST server depends on both.

use super::values::expand_home;
use super::Errors;
use crate::inventory::raw::RawInventory;
use crate::inventory::{Auth, Source};
use crate::path;
use std::path::Path;

/// `[spark] rest` and `rest_port`: refused where the version cannot run
/// the REST server the way the inventory asks (see `crate::rest::refusal`),
/// at check time rather than as a master that dies at start.
pub(super) fn resolve_rest(
    e: &mut Errors,
    raw: &RawInventory,
    source: Option<&Source>,
    auth: bool,
) -> bool {
    let rest = raw.spark.rest.unwrap_or(false);
    if !rest {
        let stray = std::iter::once((path!["spark", "rest_port"], raw.spark.rest_port))
            .chain(
                raw.host
                    .iter()
                    .enumerate()
                    .map(|(i, h)| (path!["host", i, "spark", "rest_port"], h.spark.rest_port)),
            )
            .find(|(_, p)| p.is_some());
        if let Some((at, _)) = stray {
            e.help(
                at,
                "rest_port is only used with `rest = true`",
                "add `rest = true` to [spark] to run the REST submission server, or remove rest_port",
            );
        }
        return false;
    }
    let version = source
        .and_then(|s| crate::dist::LocalDist::assumed(crate::dist::Product::Spark, s))
        .and_then(|d| d.version);
    if let Some(why) = crate::rest::refusal(version, auth) {
        e.help(
            path!["spark", "rest"],
            format!("`rest = true` cannot be used here: {}", why),
            "remove `rest = true` and submit in client mode (`spark-submit --master spark://...:7077`, authenticated by the secret), or use Spark 4.3.0 or newer",
        );
    }
    rest
}

/// `[spark] authenticate` and `secret_file`. The secret defaults to a file
/// beside the inventory, named after it (`lab.toml` -> `lab.secret`): it
/// belongs with the cluster's definition, but not in the inventory, which is
/// shared and diffed.
pub(super) fn resolve_auth(
    e: &mut Errors,
    file: &Path,
    base: &Path,
    raw: &RawInventory,
    name: &str,
) -> Option<Auth> {
    let s = &raw.spark;
    if s.authenticate != Some(true) {
        if s.secret_file.is_some() {
            e.help(
                path!["spark", "secret_file"],
                "secret_file is only used with `authenticate = true`",
                "add `authenticate = true` to [spark], or remove secret_file",
            );
        }
        return None;
    }
    let secret_file = match &s.secret_file {
        Some(p) => base.join(expand_home(p)),
        None => {
            let stem = file
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| name.to_string());
            base.join(format!("{}.secret", stem))
        }
    };
    Some(Auth { secret_file })
}
