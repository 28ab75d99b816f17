//! Facts: what a host has right now, gathered in ONE round trip per host
//! (a generated sh script) and parsed by a pure function.
//!
//! The script prints `@key value` lines; `parse` is tested on text, never on
//! a host. Whatever the plan needs to decide "change or no change" is here:
//! Java, free disk, installed trees and their stamps, the `current` links,
//! checksums of config files, running daemons, listening ports.

use crate::layout::Daemon;
use std::collections::{BTreeMap, BTreeSet};

// The probe script is a remote script like the others, in `steps`; the name
// stays here, beside the parser of its output.
pub use crate::steps::facts::script;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostFacts {
    /// Where the Java version came from: `JAVA_VERSION="17.0.15" (<home>/release)`,
    /// or `java -version`'s first line, e.g. `openjdk version "17.0.15" 2025-04-15`.
    pub java: Option<String>,
    /// Java major version (8, 11, 17, 21...).
    pub java_major: Option<u32>,
    pub has_sha256sum: bool,
    /// Free KiB on the filesystem of each install root.
    pub free_kb: BTreeMap<String, u64>,
    /// sha256 recorded in each tree's stamp (key: tree path).
    pub stamps: BTreeMap<String, String>,
    /// Uploaded tarballs present on the host, with their size.
    pub uploaded: BTreeMap<String, u64>,
    /// `current` link targets (key: root).
    pub current: BTreeMap<String, String>,
    /// sha256 of config files that exist (key: path).
    pub files: BTreeMap<String, String>,
    /// Daemons running, with their pid.
    pub running: BTreeMap<Daemon, u32>,
    /// Command lines of running daemons (to read their real settings).
    pub cmdlines: BTreeMap<Daemon, String>,
    /// Fingerprint each daemon was last started with (see `plan::fingerprint`).
    pub fingerprints: BTreeMap<Daemon, String>,
    /// TCP ports in LISTEN state.
    pub listening: BTreeSet<u16>,
    pub nproc: Option<u32>,
    pub mem_kb: Option<u64>,
    /// uid the scripts run as (0 when root, or through sudo).
    pub uid: Option<u32>,
    /// uid of `[cluster] run_as` on this host; `None`: no such user.
    pub run_as_uid: Option<u32>,
    /// Install roots that someone other than root (or the login user) could
    /// write on the way to, with why (see `steps::SAFE_PATH`).
    pub unsafe_roots: BTreeMap<String, String>,
    /// Service-user directories with such a place on the way to them.
    pub unsafe_dirs: BTreeMap<String, String>,
    /// The cluster's membership as this host last recorded it, its lines
    /// as written (`membership::parse` reads them).
    pub members: String,
    /// The Mesos native library the dispatcher would load (hosts with the
    /// role only); `None`: not found.
    pub mesos_library: Option<String>,
}

pub fn parse(out: &str) -> HostFacts {
    let mut f = HostFacts::default();
    let mut in_tcp = false;
    for line in out.lines() {
        if in_tcp {
            if let Some(p) = listen_port(line) {
                f.listening.insert(p);
            }
            continue;
        }
        let (key, rest) = line.split_once(' ').unwrap_or((line, ""));
        let rest = rest.trim();
        let two = || {
            rest.split_once(' ')
                .map(|(a, b)| (a.to_string(), b.trim().to_string()))
        };
        match key {
            "@java" if !rest.is_empty() => {
                f.java_major = java_major(rest);
                f.java = Some(rest.to_string());
            }
            "@sha256sum" => f.has_sha256sum = true,
            "@nproc" => f.nproc = rest.parse().ok(),
            "@mem" => f.mem_kb = rest.parse().ok(),
            "@df" => {
                if let Some((root, kb)) = two() {
                    if let Ok(kb) = kb.parse() {
                        f.free_kb.insert(root, kb);
                    }
                }
            }
            "@current" => {
                if let Some((root, target)) = two() {
                    f.current.insert(root, target);
                }
            }
            "@stamp" => {
                if let Some((tree, sha)) = two() {
                    f.stamps.insert(tree, sha);
                }
            }
            "@uploaded" => {
                if let Some((p, n)) = two() {
                    f.uploaded.insert(p, n.parse().unwrap_or(0));
                }
            }
            "@file" => {
                if let Some((p, sha)) = two() {
                    f.files.insert(p, sha);
                }
            }
            "@running" => {
                if let Some((d, pid)) = two() {
                    let d = Daemon::from_label(&d);
                    if let (Some(d), Ok(pid)) = (d, pid.parse()) {
                        f.running.insert(d, pid);
                    }
                }
            }
            "@cmdline" | "@fingerprint" => {
                if let Some((d, v)) = two() {
                    if let Some(d) = Daemon::from_label(&d) {
                        if key == "@cmdline" {
                            f.cmdlines.insert(d, v);
                        } else {
                            f.fingerprints.insert(d, v);
                        }
                    }
                }
            }
            "@unsafe_root" | "@unsafe_dir" => {
                if let Some((path, why)) = two() {
                    if key == "@unsafe_root" {
                        f.unsafe_roots.insert(path, why);
                    } else {
                        f.unsafe_dirs.insert(path, why);
                    }
                }
            }
            "@uid" => f.uid = rest.parse().ok(),
            "@run_as_uid" => f.run_as_uid = rest.parse().ok(),
            "@mesos_lib" if !rest.is_empty() => f.mesos_library = Some(rest.to_string()),
            "@tcp" => in_tcp = true,
            // `@member`: below, verbatim.
            _ => {}
        }
    }
    // Verbatim, not `rest`: a record's tabs are its field separators. The
    // lines come before `@tcp` (no /proc/net/tcp line starts with `@`).
    f.members = crate::steps::tagged(out, "member")
        .map(|m| format!("{}\n", m))
        .collect();
    f
}

/// Java's major version from the first line of `java -version`:
/// `openjdk version "17.0.15"` -> 17, `java version "1.8.0_392"` -> 8.
pub fn java_major(line: &str) -> Option<u32> {
    let v = line.split('"').nth(1)?;
    let mut parts = v.split(['.', '_', '-', '+']);
    let first: u32 = parts.next()?.parse().ok()?;
    if first == 1 {
        parts.next()?.parse().ok()
    } else {
        Some(first)
    }
}

/// The local port of a LISTEN socket in a /proc/net/tcp{,6} line.
fn listen_port(line: &str) -> Option<u16> {
    let cols: Vec<&str> = line.split_whitespace().collect();
    if cols.len() < 4 || cols[3] != "0A" {
        return None;
    }
    let port = cols[1].rsplit(':').next()?;
    u16::from_str_radix(port, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUT: &str = "@java openjdk version \"17.0.15\" 2025-04-15
@sha256sum
@nproc 2
@mem 24576000
@df /opt/spark 81234567
@current /opt/spark spark-4.3.0-bin-pyspark
@df /opt/zookeeper 81234567
@current /opt/zookeeper
@stamp /opt/spark/spark-4.3.0-bin-pyspark abc123
@uploaded /opt/spark/.sparkctl/dist/spark-4.3.0-bin-pyspark.tar 455000000
@file /opt/spark/spark-4.3.0-bin-pyspark/conf/spark-env.sh 0123
@running master 4242
@cmdline master /usr/bin/java -cp x -Dspark.deploy.recoveryMode=ZOOKEEPER org.apache.spark.deploy.master.Master --host a
@fingerprint master f00d
@tcp
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0B25D50A:1BA5 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0000000000000000 100 0 0 10 0
   1: 0B25D50A:1BA5 0C25D50A:9C40 01 00000000:00000000 00:00000000 00000000     0        0 2 1 0000000000000000 20 4 30 10 -1
   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 3 1 0000000000000000 100 0 0 10 0
";

    #[test]
    fn parses_probe_output() {
        let f = parse(OUT);
        assert_eq!(f.java_major, Some(17));
        assert!(f.has_sha256sum);
        assert_eq!(f.nproc, Some(2));
        assert_eq!(f.free_kb["/opt/spark"], 81234567);
        assert_eq!(f.current["/opt/spark"], "spark-4.3.0-bin-pyspark");
        assert!(
            !f.current.contains_key("/opt/zookeeper"),
            "an empty readlink means no link"
        );
        assert_eq!(f.stamps["/opt/spark/spark-4.3.0-bin-pyspark"], "abc123");
        assert_eq!(
            f.uploaded["/opt/spark/.sparkctl/dist/spark-4.3.0-bin-pyspark.tar"],
            455000000
        );
        assert_eq!(f.running[&Daemon::Master], 4242);
        assert!(f.cmdlines[&Daemon::Master].contains("-Dspark.deploy.recoveryMode=ZOOKEEPER"));
        assert_eq!(f.fingerprints[&Daemon::Master], "f00d");
        assert_eq!(f.listening, [7077u16, 8080].into_iter().collect());
    }

    #[test]
    fn java_versions() {
        assert_eq!(
            java_major("openjdk version \"17.0.15\" 2025-04-15"),
            Some(17)
        );
        assert_eq!(java_major("java version \"1.8.0_392\""), Some(8));
        assert_eq!(java_major("openjdk version \"21\" 2023-09-19"), Some(21));
        assert_eq!(java_major("openjdk version \"11.0.2-ea\""), Some(11));
        assert_eq!(java_major("garbage"), None);
    }

    #[test]
    fn java_from_release_file() {
        let f =
            parse("@java JAVA_VERSION=\"17.0.15\" (/usr/lib/jvm/java-17-openjdk-amd64/release)\n");
        assert_eq!(f.java_major, Some(17));
        assert!(
            f.java.unwrap().contains("/release"),
            "the message names the file"
        );
        // Java 8's release file keeps the old numbering.
        let f =
            parse("@java JAVA_VERSION=\"1.8.0_392\" (/usr/lib/jvm/java-8-openjdk-amd64/release)\n");
        assert_eq!(f.java_major, Some(8));
        assert_eq!(
            java_major("JAVA_VERSION=\"21\" (/opt/jdk-21/release)"),
            Some(21)
        );
    }

    #[test]
    fn members_are_kept_verbatim_in_order() {
        let f = parse("@nproc 2\n@member a\tspark\t7077 \n@member b\tzk\n@tcp\n");
        assert_eq!(f.members, "a\tspark\t7077 \nb\tzk\n");
        assert_eq!(parse("@nproc 2\n").members, "");
    }

    #[test]
    fn missing_java_is_none() {
        assert_eq!(parse("@java\n@tcp\n").java, None);
    }
}
