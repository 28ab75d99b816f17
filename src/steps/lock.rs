//! The scripts that take and release the cluster's lock on a host (see
//! `lock` for who holds it, how a record reads and when it is stale).

use crate::lock::Owner;
use crate::shell::quote;

/// Where lock directories are made on a host: `root`, or by default
/// /run/lock when there is one, else /tmp.
fn dir_expr(cluster: &str, root: Option<&str>) -> String {
    let name = quote(&format!("sparkctl.{}.lock", cluster));
    match root {
        None => format!(
            "if [ -d /run/lock ]; then d=/run/lock/{n}; else d=/tmp/{n}; fi",
            n = name
        ),
        Some(r) => format!("d={}/{}", quote(r), name),
    }
}

/// Try to take the lock. Prints `@locked` on success, or `@held` followed by
/// the owner record. `force` removes an existing lock first.
pub fn acquire_script(cluster: &str, me: &Owner, force: bool) -> String {
    acquire_script_in(None, cluster, me, force)
}

pub(crate) fn acquire_script_in(
    root: Option<&str>,
    cluster: &str,
    me: &Owner,
    force: bool,
) -> String {
    // Only a refusal means the user lacks rights; say so only then.
    format!(
        "{dir}\n{force}if mkdir \"$d\" 2>/dev/null; then printf '%s' {rec} > \"$d/owner\"; echo @locked\nelif [ -d \"$d\" ]; then echo @held; cat \"$d/owner\" 2>/dev/null; true\nelse why=$(mkdir \"$d\" 2>&1 | sed 's/^mkdir: //'); echo \"cannot create the lock $d as user $(id -un): $why\" >&2; case $why in *ermission*|*\"not permitted\"*|*ead-only*) echo \"(sparkctl needs root on the hosts, or a login user that may write there: log in as root or set \\`sudo = true\\` in [ssh])\" >&2;; esac; exit 3; fi\n",
        dir = dir_expr(cluster, root),
        force = if force { "rm -rf \"$d\"\n" } else { "" },
        rec = quote(&me.record())
    )
}

/// Release the lock if (and only if) we still own it.
pub fn release_script(cluster: &str, me: &Owner) -> String {
    release_script_in(None, cluster, me)
}

pub(crate) fn release_script_in(root: Option<&str>, cluster: &str, me: &Owner) -> String {
    format!(
        "{dir}\nif [ \"$(cat \"$d/owner\" 2>/dev/null)\" = {rec} ]; then rm -rf \"$d\"; fi\n",
        dir = dir_expr(cluster, root),
        rec = quote(me.record().trim_end())
    )
}
