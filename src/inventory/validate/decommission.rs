//! `[spark] decommission`: on by default where the Spark version has it
//! (3.1+), refused, located, where it is asked for and the version lacks it.

use super::Errors;
use crate::decommission::SINCE;
use crate::inventory::raw::RawInventory;
use crate::inventory::Source;
use crate::path;

pub(super) fn resolve_decommission(
    e: &mut Errors,
    raw: &RawInventory,
    source: Option<&Source>,
) -> bool {
    let version = source
        .and_then(|s| crate::dist::LocalDist::assumed(crate::dist::Product::Spark, s))
        .and_then(|d| d.version);
    // A version that cannot be read from the tarball's name is taken to be
    // a current one: every Spark released since 2021 has decommissioning.
    let has_it = version.is_none_or(|v| v >= SINCE);
    match raw.spark.decommission {
        Some(true) if !has_it => {
            e.help(
                path!["spark", "decommission"],
                format!(
                    "`decommission = true` cannot be used here: Spark {} has no worker decommissioning (it came in Spark 3.1.0)",
                    version.expect("only a known version lacks it")
                ),
                "remove it (workers are then stopped at once in rolling restarts), or use Spark 3.1.0 or newer",
            );
            false
        }
        Some(asked) => asked,
        None => has_it,
    }
}
