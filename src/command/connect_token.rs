//! `sparkctl connect-token`: the token Spark Connect clients present to a
//! Connect server started with `[connect] authenticate = true`, derived
//! locally from the operator's copy of the cluster secret (see
//! `crate::connect`). Its own file, like `rest-token`: it contacts no host.

use super::load_inventory;
use crate::diag::UsageError;
use anyhow::Result;
use std::path::Path;

/// Print the token; a usage error when the cluster's Connect server takes
/// none, or the operator's copy of the secret does not exist yet.
pub fn run(path: &Path) -> Result<i32> {
    let cluster = load_inventory(path)?;
    let auth = match (&cluster.connect, &cluster.spark.auth) {
        (Some(c), Some(a)) if c.authenticate => a,
        (None, _) => {
            return Err(UsageError(format!(
                "error: {}: no host has the `connect` role; there is no Spark Connect server to make a token for",
                path.display()
            ))
            .into())
        }
        _ => {
            return Err(UsageError(format!(
                "error: {}: the Spark Connect server runs without authentication (`authenticate` is not true in [connect]); it takes no token, and anyone who reaches its port runs queries\n  = help: add `authenticate = true` to [connect] (and [spark]) and deploy: the server then admits only clients with the token",
                path.display()
            ))
            .into())
        }
    };
    let loaded = crate::secret::load_or_generate(&auth.secret_file)
        .map_err(|e| UsageError(format!("error: {:#}", e)))?;
    if loaded.fresh {
        return Err(UsageError(format!(
            "error: the cluster's secret {} does not exist, so there is no token yet\n  = help: deploy first (it generates the secret), or copy the hosts' secret here",
            auth.secret_file.display()
        ))
        .into());
    }
    // Asked for by name: the one place the token is printed.
    crate::outln!("{}", crate::connect::token(&loaded.secret));
    Ok(crate::diag::exit::OK)
}
