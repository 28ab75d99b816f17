//! The facts probe: ONE script per host that prints `@key value` lines
//! (parsed by `facts::parse`, which stays beside the `HostFacts` it fills).

use crate::dist::LocalDist;
use crate::inventory::{Cluster, Host};
use crate::layout::{self, Daemon};
use crate::shell::quote;

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
    s.push_str(super::SAFE_PATH);
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
    // The recorded membership (`membership.rs`), on Spark hosts.
    s.push_str(&format!(
        "[ -f {m} ] && sed 's/^/@member /' {m}\n",
        m = quote(&crate::steps::members_file(&cluster.spark.install_root))
    ));
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
    // The Connect server's uploaded jar (`[connect] jar`), by size like a
    // tarball: its name already carries its sha256.
    if let (true, Some(j)) = (
        host.roles.connect,
        cluster.connect.as_ref().and_then(|c| c.jar.as_ref()),
    ) {
        let up = layout::connect_jar(&cluster.spark.install_root, j);
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
                read = crate::steps::find_pid("p", host, d, layout::root_of(cluster, d), run_as),
                ours = crate::steps::pid_is_daemon("p", d),
                d = d.label(),
                fp = quote(&layout::fingerprint_file(cluster, d))
            ));
        }
    }
    if host.roles.mesos_dispatcher {
        // The library the dispatcher's start would load, looked for the
        // same way (`steps::mesos_library`): the preflight needs it.
        let candidates = match cluster
            .mesos
            .as_ref()
            .and_then(|m| m.native_library.as_deref())
        {
            Some(l) => quote(l),
            None => format!(
                "${{MESOS_NATIVE_JAVA_LIBRARY:-}} {}",
                crate::steps::MESOS_LIBRARY_PATHS.join(" ")
            ),
        };
        s.push_str(&format!(
            "for f in {}; do if [ -f \"$f\" ]; then echo \"@mesos_lib $f\"; break; fi; done\n",
            candidates
        ));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::parse;

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
}
