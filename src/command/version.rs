//! `sparkctl version [--json]` and the text of `--version`: what was built
//! (version, git commit from build.rs) and which Spark and ZooKeeper
//! versions it deploys, in one place so both say the same.

use anyhow::Result;
use serde::Serialize;
use std::sync::OnceLock;

/// The package version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// `git rev-parse --short HEAD` at build time, or "unknown" (build.rs).
pub const COMMIT: &str = env!("SPARKCTL_COMMIT");

/// A range of product versions: `max: None` is no upper bound known to
/// the code; `tested` is the release exercised end to end on the lab.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Range {
    pub min: &'static str,
    pub max: Option<&'static str>,
    pub tested: &'static str,
}

/// Spark: 2.4 is the oldest release `plan::java_range` (Java 8 only) and
/// `render` (conf/slaves before 3.0) know; 4.x and later are treated alike
/// (Java 17+). REST authentication needs 4.3.0 (`rest::refusal`).
pub const SPARK: Range = Range {
    min: "2.4",
    max: None,
    tested: "4.3.0",
};

/// ZooKeeper: zoo.cfg sets `admin.*` and `4lw.commands.whitelist`, which
/// appeared in 3.5; no version is refused by the code.
pub const ZOOKEEPER: Range = Range {
    min: "3.5",
    max: None,
    tested: "3.8.0",
};

#[derive(Serialize)]
struct Report {
    version: &'static str,
    commit: &'static str,
    spark: Range,
    zookeeper: Range,
}

fn range(r: &Range) -> String {
    match r.max {
        Some(max) => format!("{} to {} (tested: {})", r.min, max, r.tested),
        None => format!("{} and newer (tested: {})", r.min, r.tested),
    }
}

/// `-V`: "0.1.0 (commit abc1234)".
pub fn short() -> &'static str {
    static S: OnceLock<String> = OnceLock::new();
    S.get_or_init(|| format!("{} (commit {})", VERSION, COMMIT))
}

/// `--version` and `sparkctl version`, after "sparkctl ": the short
/// version, then the supported ranges, one line each.
pub fn long() -> &'static str {
    static S: OnceLock<String> = OnceLock::new();
    S.get_or_init(|| {
        format!(
            "{}\nSpark:     {}\nZooKeeper: {}",
            short(),
            range(&SPARK),
            range(&ZOOKEEPER)
        )
    })
}

/// `sparkctl version [--json]`.
pub fn run(json: bool) -> Result<i32> {
    if json {
        let r = Report {
            version: VERSION,
            commit: COMMIT,
            spark: SPARK,
            zookeeper: ZOOKEEPER,
        };
        crate::outln!("{}", serde_json::to_string_pretty(&r)?);
    } else {
        crate::outln!("sparkctl {}", long());
    }
    Ok(0)
}
