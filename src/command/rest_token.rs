//! `sparkctl rest-token`: a bearer token for the masters' REST submission
//! server, signed locally with the operator's copy of the cluster secret.
//! Its own file because it shares nothing with the commands that contact
//! hosts.

use super::load_inventory;
use crate::diag::UsageError;
use anyhow::Result;
use std::path::Path;

/// `sparkctl rest-token`: a bearer token for the masters' REST server, made
/// from the operator's copy of the secret; no host is contacted.
pub fn run(path: &Path, ttl: u64) -> Result<i32> {
    let cluster = load_inventory(path)?;
    let auth = match (&cluster.spark.auth, cluster.spark.rest) {
        (Some(a), true) => a,
        (_, false) => {
            return Err(UsageError(format!(
                "error: {}: the REST submission server is off (`rest` is not true in [spark]); there is nothing to make a token for\n  = help: with `rest = true` and `authenticate = true`, the masters admit REST requests signed with a token from this command",
                path.display()
            ))
            .into())
        }
        (None, true) => {
            return Err(UsageError(format!(
                "error: {}: the REST submission server runs without authentication (`authenticate` is not true in [spark]); it takes no token, and anyone who reaches it can submit code\n  = help: add `authenticate = true` to [spark] and deploy: the masters then admit only signed requests",
                path.display()
            ))
            .into())
        }
    };
    crate::outln!("{}", signed(auth, ttl)?);
    Ok(crate::diag::exit::OK)
}

/// A token valid for `ttl` seconds from now, signed with the operator's
/// copy of the secret (`sparkctl submit --status`/`--kill` sign with it
/// too); a usage error when that copy is missing or unreadable.
pub fn signed(auth: &crate::inventory::Auth, ttl: u64) -> Result<String> {
    let loaded = crate::secret::load_or_generate(&auth.secret_file)
        .map_err(|e| UsageError(format!("error: {:#}", e)))?;
    if loaded.fresh {
        return Err(UsageError(format!(
            "error: the cluster's secret {} does not exist, so no token can be signed\n  = help: deploy first (it generates the secret), or copy the hosts' secret here",
            auth.secret_file.display()
        ))
        .into());
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    Ok(crate::rest::token(&loaded.secret, now, ttl))
}
