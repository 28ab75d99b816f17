//! Facts: what a host has right now, gathered in ONE round trip per host
//! (a generated sh script) and parsed by a pure function.
//!
//! The script prints `@key value` lines; `parse` is tested on text, never on
//! a host. Whatever the plan needs to decide "change or no change" is here:
//! Java, free disk, installed trees and their stamps, the `current` links,
//! checksums of config files, running daemons, listening ports.

use crate::dist::LocalDist;
use crate::inventory::{Cluster, Host};
use crate::layout::{self, Daemon};
use crate::shell::quote;
use std::collections::{BTreeMap, BTreeSet};

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
    /// write on the way to, with why (see `ownership::SAFE_PATH`).
    pub unsafe_roots: BTreeMap<String, String>,
    /// Service-user directories with such a place on the way to them.
    pub unsafe_dirs: BTreeMap<String, String>,
}

/// The probe script for one host. `trees` are the versioned directories the
/// deploy wants; `files` the config files it would write.
pub fn script(cluster: &Cluster, host: &Host, dists: &[&LocalDist], files: &[String]) -> String {
    let mut s = String::from("export LC_ALL=C\n");
    let java = host.spark_java();
    s.push_str(&java_probe(&java));
    s.push_str("command -v sha256sum >/dev/null 2>&1 && echo '@sha256sum'\n");
    s.push_str("echo \"@nproc $(nproc 2>/dev/null)\"\n");
    s.push_str(
        "echo \"@mem $(sed -n 's/^MemTotal: *\\([0-9]*\\) kB/\\1/p' /proc/meminfo 2>/dev/null)\"\n",
    );
    let mut roots: Vec<&str> = vec![&cluster.spark.install_root];
    if host.roles.zookeeper {
        roots.push(&cluster.zookeeper.install_root);
    }
    s.push_str(crate::ownership::SAFE_PATH);
    for root in roots {
        // Root runs what is under an install root (unpacks, links, starts
        // daemons): nobody else may be able to write on the way to it, nor
        // into it (a world-writable /tmp, a user's home).
        s.push_str(&format!(
            "safe_path {r} all || echo \"@unsafe_root {r} $why\"\n",
            r = quote(root)
        ));
        // df the nearest existing ancestor: the root may not exist yet.
        s.push_str(&format!(
            "d={r}; while [ ! -d \"$d\" ]; do d=$(dirname \"$d\"); done; echo \"@df {r} $(df -Pk \"$d\" | awk 'NR==2 {{print $4}}')\"\n",
            r = quote(root)
        ));
        s.push_str(&format!(
            "echo \"@current {r} $(readlink {c} 2>/dev/null)\"\n",
            r = quote(root),
            c = quote(&layout::current(root))
        ));
    }
    for d in dists {
        let root = layout::product_root(cluster, d.product);
        let tree = layout::tree(root, d);
        s.push_str(&format!(
            "[ -f {st} ] && echo \"@stamp {t} $(cat {st})\"\n",
            st = quote(&format!("{}/{}", tree, layout::STAMP)),
            t = quote(&tree)
        ));
        let up = layout::uploaded_tarball(root, d);
        s.push_str(&format!(
            "[ -f {u} ] && echo \"@uploaded {u} $(wc -c < {u})\"\n",
            u = quote(&up)
        ));
    }
    // Files inside the service user's directories (ZooKeeper's myid) are
    // hashed as that user, pid files read as that user: root would follow
    // a symlink planted there (see `steps::read_files_as`).
    let mkdirs = crate::plan::host_dirs(cluster, host);
    let run_as = cluster.run_as.as_deref();
    let (user_files, root_files): (Vec<&String>, Vec<&String>) = files
        .iter()
        .partition(|f| run_as.is_some() && crate::steps::user_dir_holds(&mkdirs, f));
    if run_as.is_some() {
        for d in mkdirs.iter().filter(|d| crate::ownership::may_own(d)) {
            s.push_str(&format!(
                "safe_path {d} || echo \"@unsafe_dir {d} $why\"\n",
                d = quote(crate::ownership::normalize(d))
            ));
        }
    }
    for (list, user) in [(root_files, None), (user_files, run_as)] {
        if list.is_empty() {
            continue;
        }
        let list: Vec<String> = list.iter().map(|f| quote(f)).collect();
        let hash = format!("for f in {}; do [ -f \"$f\" ] && echo \"@file $f $(sha256sum < \"$f\" | cut -c1-64)\"; done; true\n", list.join(" "));
        match user {
            None => s.push_str(&hash),
            Some(u) => s.push_str(&crate::steps::as_user(u, &hash)),
        }
    }
    for d in Daemon::ALL {
        if d.runs_on(host) {
            s.push_str(&format!(
                "{read}if {ours}; then echo \"@running {d} $p\"; echo \"@cmdline {d} $(tr '\\0\\n' '  ' < /proc/$p/cmdline)\"; fi\n[ -f {fp} ] && echo \"@fingerprint {d} $(cat {fp})\"\n",
                read = crate::steps::read_pid("p", &layout::pid_file(host, d), run_as),
                ours = crate::steps::pid_is_daemon("p", d),
                d = d.label(),
                fp = quote(&layout::fingerprint_file(cluster, d))
            ));
        }
    }
    s.push_str("echo \"@uid $(id -u)\"\n");
    if let Some(u) = &cluster.run_as {
        s.push_str(&format!(
            "u=$(id -u {} 2>/dev/null) && echo \"@run_as_uid $u\"\n",
            quote(u)
        ));
    }
    s.push_str("echo '@tcp'; cat /proc/net/tcp /proc/net/tcp6 2>/dev/null\n");
    s.push_str("true\n");
    s
}

/// The `@java` line. `java -version` starts a JVM: ~0.1 s of CPU per host,
/// which dominated fact gathering at 32 hosts on a small operator machine.
/// Every JDK/JRE since 9 (and most 8 builds) ships `<java home>/release`
/// with `JAVA_VERSION="17.0.15"`, so the version is read from there: the
/// java binary is resolved through its symlinks (`/usr/bin/java` ->
/// alternatives -> `/usr/lib/jvm/<jdk>/bin/java`), the home is its
/// grandparent, or the one above a Java 8 `jre/`. `java -version` is run
/// only when there is no release file or it has no JAVA_VERSION. Both forms
/// print the version between double quotes, which is all `java_major` reads.
fn java_probe(java: &str) -> String {
    format!(
        r#"j=$(command -v {j} 2>/dev/null)
if [ -n "$j" ]; then
  r=$(readlink -f "$j" 2>/dev/null); [ -n "$r" ] || r=$j
  h=${{r%/bin/java}}; v=
  for rel in "$h/release" "${{h%/jre}}/release"; do
    [ -f "$rel" ] && v=$(sed -n 's/^JAVA_VERSION="\([^"]*\)".*/\1/p' "$rel" | head -n 1)
    [ -n "$v" ] && break
  done
  if [ -n "$v" ]; then echo "@java JAVA_VERSION=\"$v\" ($rel)"; else echo "@java $("$j" -version 2>&1 | head -n 1)"; fi
else echo '@java'; fi
"#,
        j = quote(java)
    )
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
            "@tcp" => in_tcp = true,
            _ => {}
        }
    }
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
    fn java_probe_reads_release_before_running_java() {
        let s = java_probe("/opt/my jdk/bin/java");
        assert!(s.contains("command -v '/opt/my jdk/bin/java'"), "{s}");
        let release = s.find("release").unwrap();
        let version = s.find("-version").unwrap();
        assert!(release < version, "java -version is only the fallback");
    }

    /// Runs the generated probe with the local `sh` against fake JDKs: a
    /// symlinked binary whose home has a release file (no JVM may start),
    /// a Java 8 layout (`jre/bin/java`, release one level up), and a home
    /// without a release file (falls back to `java -version`).
    #[test]
    fn java_probe_runs_in_sh() {
        use std::os::unix::fs::{symlink, PermissionsExt};
        let dir = std::env::temp_dir().join(format!("sparkctl-java-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let fake = |bin: &std::path::Path, version_line: &str| {
            std::fs::create_dir_all(bin.parent().unwrap()).unwrap();
            std::fs::write(bin, format!("#!/bin/sh\necho '{}' >&2\n", version_line)).unwrap();
            std::fs::set_permissions(bin, std::fs::Permissions::from_mode(0o755)).unwrap();
        };
        let run = |java: &std::path::Path| {
            let out = std::process::Command::new("sh")
                .arg("-c")
                .arg(java_probe(&java.display().to_string()))
                .output()
                .unwrap();
            parse(&String::from_utf8_lossy(&out.stdout))
        };
        // JDK 17 with a release file, reached through a symlink; its java
        // would report 11, so 17 proves the release file was read.
        let jdk = dir.join("jdk17");
        fake(&jdk.join("bin/java"), "openjdk version \"11.0.1\"");
        std::fs::write(
            jdk.join("release"),
            "IMPLEMENTOR=\"x\"\nJAVA_VERSION=\"17.0.15\"\nJAVA_VERSION_DATE=\"2025-04-15\"\n",
        )
        .unwrap();
        std::fs::create_dir_all(dir.join("usr/bin")).unwrap();
        symlink(jdk.join("bin/java"), dir.join("usr/bin/java")).unwrap();
        let f = run(&dir.join("usr/bin/java"));
        assert_eq!(f.java_major, Some(17), "{:?}", f.java);
        assert!(f.java.unwrap().contains("jdk17/release"));
        // Java 8: <home>/jre/bin/java, release in <home>.
        let j8 = dir.join("jdk8");
        fake(&j8.join("jre/bin/java"), "java version \"1.7.0\"");
        std::fs::write(j8.join("release"), "JAVA_VERSION=\"1.8.0_392\"\n").unwrap();
        assert_eq!(run(&j8.join("jre/bin/java")).java_major, Some(8));
        // No release file: java -version is asked.
        let bare = dir.join("bare");
        fake(
            &bare.join("bin/java"),
            "openjdk version \"21.0.2\" 2024-01-16",
        );
        let f = run(&bare.join("bin/java"));
        assert_eq!(f.java_major, Some(21));
        assert_eq!(
            f.java.as_deref(),
            Some("openjdk version \"21.0.2\" 2024-01-16")
        );
        // Missing binary.
        assert_eq!(run(&dir.join("nope/bin/java")).java, None);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn missing_java_is_none() {
        assert_eq!(parse("@java\n@tcp\n").java, None);
    }
}
