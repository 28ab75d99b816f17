//! Writing the cluster's membership record (`crate::membership`) into the
//! Spark install root's state directory. Read back by the facts probe.

use crate::layout;
use crate::shell::quote;

/// Where the record lives under the Spark install root `root`.
pub fn members_file(root: &str) -> String {
    format!("{}/{}", layout::state_dir(root), crate::membership::FILE)
}

/// Replace the record with standard input (write, then rename: a reader
/// sees the old record or the new one, never half).
pub fn write_members(root: &str) -> String {
    format!(
        "set -e\nmkdir -p {st}\ncat > {f}.tmp\nmv -f {f}.tmp {f}\n",
        st = quote(&layout::state_dir(root)),
        f = quote(&members_file(root))
    )
}
