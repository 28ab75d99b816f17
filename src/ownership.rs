//! Which directories root may hand to the service user (`[cluster] run_as`),
//! and the host-side guard that makes handing them over safe.
//!
//! With a service user, application code runs as that user, and the user
//! owns the daemons' directories (logs, pids, work, scratch, ZooKeeper
//! data). Anything root later does by *name* inside those directories can
//! be steered by a symlink the user plants, so the rule has two halves:
//!
//! - **At check time** (pure, on the normalized path as written, located
//!   at its key): never system directories or their trees (`/etc`, `/usr`,
//!   `/proc`, ...), never containers of other software or users (`/var`,
//!   `/opt`, `/home/alice`), never an install root,
//!   an ancestor of one, or sparkctl's own names inside one (`current`,
//!   `.sparkctl`, the unpacked trees): `/opt/spark/current/conf` is the
//!   software. A directory may not lie inside another one the user gets:
//!   the user could swap the inner path for a symlink. World-writable
//!   shared directories (`/tmp`) are accepted only as Spark scratch space
//!   (`local_dirs`), and are then never re-owned or re-moded.
//! - **On the host** ([`steps::SAFE_PATH`](crate::steps::SAFE_PATH), run before anything is created or
//!   re-owned): every directory on the way to it, symlinks resolved one hop
//!   at a time, belongs to root (or the user running the script) and is
//!   writable by no one else. Then nobody but root can rename or replace
//!   the directory itself, so checking it (`[ -L ]`) and `chmod`-ing it
//!   name the same directory: there is no window to race. What the user
//!   does control, the directory's contents, root touches only with
//!   operations that never follow symlinks (`chown -hR`, `find -P`, `rm`),
//!   and reads or writes there only as the user (see `steps`).
//!
//! Judging the path as written is sound because validation refuses empty,
//! `.` and `..` components, and the host guard covers what the text cannot
//! show (a symlink `/data -> /etc` made by someone who is not root).

/// World-writable shared directories: Spark scratch space may be one of
/// them; sparkctl never changes their owner or mode.
pub const SHARED: [&str; 3] = ["/tmp", "/var/tmp", "/dev/shm"];

/// Trees that belong to the system: nothing at or below them is ever handed
/// to the service user.
const SYSTEM_TREES: [&str; 24] = [
    "/proc",
    "/sys",
    "/dev",
    "/etc",
    "/usr",
    "/bin",
    "/sbin",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/boot",
    "/root",
    "/snap",
    "/lost+found",
    "/var/spool",
    "/var/mail",
    "/var/cache",
    "/var/backups",
    "/var/lib/dpkg",
    "/var/lib/apt",
    "/var/lib/systemd",
    "/run/lock",
    "/run/user",
];

/// Directories that hold other software's or users' files: fine as a
/// parent, never handed over themselves.
const CONTAINERS: [&str; 14] = [
    "/var",
    "/var/lib",
    "/var/log",
    "/var/run",
    "/var/lock",
    "/var/opt",
    "/var/local",
    "/run",
    "/opt",
    "/srv",
    "/home",
    "/mnt",
    "/media",
    "/data",
];

/// `p` without a trailing `/` (except `/` itself).
pub fn normalize(p: &str) -> &str {
    let t = p.trim_end_matches('/');
    if t.is_empty() && p.starts_with('/') {
        "/"
    } else {
        t
    }
}

/// `p` is `tree` or lies below it.
pub fn under(p: &str, tree: &str) -> bool {
    p == tree || (p.starts_with(tree) && p[tree.len()..].starts_with('/'))
}

/// Why `p` (absolute, normalized) may never be handed to the service user,
/// whatever the inventory: (message, help).
pub fn system_problem(p: &str) -> Option<String> {
    let p = normalize(p);
    if p == "/" {
        return Some("`/` is the root of the file system".into());
    }
    if let Some(t) = SYSTEM_TREES.iter().find(|t| under(p, t)) {
        return Some(if p == *t {
            format!("`{}` is a system directory", p)
        } else {
            format!("`{}` is inside the system directory `{}`", p, t)
        });
    }
    let home_dir = p.strip_prefix("/home/").is_some_and(|r| !r.contains('/'));
    if CONTAINERS.contains(&p) || home_dir {
        return Some(format!(
            "`{}` holds other software's or users' files (a home directory or a system container)",
            p
        ));
    }
    None
}

/// Whether [`steps::write_files`](crate::steps::write_files) may change the
/// owner and mode of `p` (validation has refused everything else; this is
/// the same rule again, so a caller that skipped validation cannot make root
/// re-own `/usr/bin`).
pub fn may_own(p: &str) -> bool {
    let p = normalize(p);
    p.starts_with('/') && !SHARED.contains(&p) && system_problem(p).is_none()
}

/// An install root and the names sparkctl manages inside it.
pub struct InstallRoot<'a> {
    /// "Spark" or "ZooKeeper", for messages.
    pub product: &'a str,
    pub root: &'a str,
    /// Directory names the distribution unpacks to (its tarball's stem).
    pub trees: Vec<String>,
}

/// Why `p` may not be a service-user directory given the install roots.
pub fn install_root_problem(p: &str, roots: &[InstallRoot]) -> Option<String> {
    let p = normalize(p);
    for r in roots {
        let root = normalize(r.root);
        if p == root {
            return Some(format!(
                "`{}` is the {} install root: the service user would own the software",
                p, r.product
            ));
        }
        if under(root, p) {
            return Some(format!(
                "`{}` contains the {} install root `{}`: the service user would own the software",
                p, r.product, root
            ));
        }
        if under(p, root) {
            let first = p[root.len() + 1..].split('/').next().unwrap_or("");
            let tree = r.trees.iter().any(|t| t == first)
                || ["spark-", "zookeeper-", "apache-zookeeper-"]
                    .iter()
                    .any(|pre| first.starts_with(pre));
            if first == "current" || first.starts_with('.') || tree {
                return Some(format!(
                    "`{}` is inside the software under the {} install root (`{}/{}` is managed by sparkctl)",
                    p, r.product, root, first
                ));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roots() -> Vec<InstallRoot<'static>> {
        vec![
            InstallRoot {
                product: "Spark",
                root: "/opt/spark",
                trees: vec!["mydist".into()],
            },
            InstallRoot {
                product: "ZooKeeper",
                root: "/opt/zookeeper",
                trees: vec![],
            },
        ]
    }

    #[test]
    fn system_directories_are_never_handed_over() {
        for (p, msg) in [
            ("/", "`/` is the root of the file system"),
            (
                "/usr/bin",
                "`/usr/bin` is inside the system directory `/usr`",
            ),
            ("/etc", "`/etc` is a system directory"),
            (
                "/etc/ssh/",
                "`/etc/ssh` is inside the system directory `/etc`",
            ),
            (
                "/proc/self/root/etc",
                "`/proc/self/root/etc` is inside the system directory `/proc`",
            ),
            (
                "/var/spool/cron",
                "`/var/spool/cron` is inside the system directory `/var/spool`",
            ),
            (
                "/root/x/y",
                "`/root/x/y` is inside the system directory `/root`",
            ),
            (
                "/lib64/x",
                "`/lib64/x` is inside the system directory `/lib64`",
            ),
        ] {
            assert_eq!(system_problem(p).as_deref(), Some(msg), "{}", p);
            assert!(!may_own(p), "{}", p);
        }
        for p in [
            "/var",
            "/var/lib",
            "/var/log/",
            "/opt",
            "/home",
            "/home/alice",
            "/data",
        ] {
            let m = system_problem(p).unwrap_or_else(|| panic!("{} accepted", p));
            assert!(
                m.contains("holds other software's or users' files"),
                "{}",
                m
            );
            assert!(!may_own(p));
        }
        for p in ["/tmp", "/var/tmp", "/dev/shm/", "relative"] {
            assert!(!may_own(p), "{}", p);
        }
        for p in [
            "/var/lib/zookeeper",
            "/var/log/spark",
            "/opt/spark/logs",
            "/srv/spark/work",
            "/data/spark",
            "/home/alice/spark",
            "/run/spark",
            "/usrx/y",
            "/spark",
        ] {
            assert_eq!(system_problem(p), None, "{}", p);
            assert!(may_own(p), "{}", p);
        }
    }

    #[test]
    fn install_roots_and_what_sparkctl_manages_in_them_are_refused() {
        let r = roots();
        for (p, msg) in [
            (
                "/opt/spark",
                "`/opt/spark` is the Spark install root: the service user would own the software",
            ),
            (
                "/opt/spark/",
                "`/opt/spark` is the Spark install root: the service user would own the software",
            ),
            (
                "/opt/spark/current/conf",
                "`/opt/spark/current/conf` is inside the software under the Spark install root (`/opt/spark/current` is managed by sparkctl)",
            ),
            (
                "/opt/spark/.sparkctl",
                "`/opt/spark/.sparkctl` is inside the software under the Spark install root (`/opt/spark/.sparkctl` is managed by sparkctl)",
            ),
            (
                "/opt/spark/mydist/logs",
                "`/opt/spark/mydist/logs` is inside the software under the Spark install root (`/opt/spark/mydist` is managed by sparkctl)",
            ),
            (
                "/opt/zookeeper/apache-zookeeper-3.8.4-bin/data",
                "`/opt/zookeeper/apache-zookeeper-3.8.4-bin/data` is inside the software under the ZooKeeper install root (`/opt/zookeeper/apache-zookeeper-3.8.4-bin` is managed by sparkctl)",
            ),
        ] {
            assert_eq!(install_root_problem(p, &r).as_deref(), Some(msg), "{}", p);
        }
        let two = InstallRoot {
            product: "Spark",
            root: "/srv/a/spark",
            trees: vec![],
        };
        assert_eq!(
            install_root_problem("/srv/a", &[two]).as_deref(),
            Some("`/srv/a` contains the Spark install root `/srv/a/spark`: the service user would own the software")
        );
        for p in [
            "/opt/spark/logs",
            "/opt/spark/run",
            "/opt/spark/work",
            "/opt/spark/recovery",
            "/opt/zookeeper/logs",
            "/opt/sparkx",
            "/var/lib/zookeeper",
        ] {
            assert_eq!(install_root_problem(p, &r), None, "{}", p);
        }
    }

    #[test]
    fn normalize_and_under() {
        assert_eq!(normalize("/a/b/"), "/a/b");
        assert_eq!(normalize("///"), "/");
        assert!(under("/a/b", "/a"));
        assert!(under("/a", "/a"));
        assert!(!under("/ab", "/a"));
    }

    const INV: &str = r#"[spark]
tarball = "dist/spark-4.3.0-bin-hadoop3.tgz"

[zookeeper]
tarball = "dist/apache-zookeeper-3.8.4-bin.tar.gz"

[[host]]
name = "a"
roles = ["zookeeper", "master", "worker"]
"#;

    fn check(text: &str) -> Result<(), String> {
        crate::inventory::parse(std::path::Path::new("inv.toml"), text)
            .map(|_| ())
            .map_err(|d| d.to_string())
    }

    fn refused(set: &str, table: &str, msg: &str, line: u32) {
        let text = INV.replace(
            &format!("[{}]\n", table),
            &format!("[{}]\n{}\n", table, set),
        );
        let err = check(&text).expect_err(set);
        assert!(
            err.contains(&format!("error: {}", msg)),
            "{}: want `{}` in\n{}",
            set,
            msg,
            err
        );
        assert!(
            err.contains(&format!("--> inv.toml:{}:", line)),
            "{}: not located at line {}:\n{}",
            set,
            line,
            err
        );
    }

    /// The paths the review named, refused at check time at their key.
    #[test]
    fn inventory_refuses_directories_the_service_user_must_not_get() {
        const R: &str = ": it cannot be";
        for (set, table, msg) in [
            ("log_dir = \"/usr/bin\"", "spark", format!("`/usr/bin` is inside the system directory `/usr`{} spark.log_dir", R)),
            ("pid_dir = \"/etc/ssh\"", "spark", format!("`/etc/ssh` is inside the system directory `/etc`{} spark.pid_dir", R)),
            ("worker_dir = \"/proc/self/root/etc\"", "spark", format!("`/proc/self/root/etc` is inside the system directory `/proc`{} spark.worker_dir", R)),
            ("log_dir = \"/opt/spark/current/conf\"", "spark", format!("`/opt/spark/current/conf` is inside the software under the Spark install root (`/opt/spark/current` is managed by sparkctl){} spark.log_dir", R)),
            ("worker_dir = \"/opt/spark\"", "spark", format!("`/opt/spark` is the Spark install root: the service user would own the software{} spark.worker_dir", R)),
            ("log_dir = \"/opt\"", "zookeeper", "`/opt` holds other software's or users' files".into()),
            ("data_dir = \"/opt/zookeeper/apache-zookeeper-3.8.4-bin/data\"", "zookeeper", "`/opt/zookeeper/apache-zookeeper-3.8.4-bin/data` is inside the software under the ZooKeeper install root".into()),
            ("data_dir = \"/tmp\"", "zookeeper", "`/tmp` is shared by every user of the host: zookeeper.data_dir needs a directory of its own".into()),
            ("local_dirs = \"/etc/cron.d\"", "spark", "`/etc/cron.d` is inside the system directory `/etc`".into()),
        ] {
            refused(set, table, &msg, if table == "spark" { 2 } else { 5 });
        }
        // One inside another: the user could swap the inner one for a symlink.
        let text = INV.replace(
            "[spark]\n",
            "[spark]\nworker_dir = \"/data/spark\"\nlog_dir = \"/data/spark/a/logs\"\n",
        );
        let err = check(&text).unwrap_err();
        assert!(err.contains("error: spark.log_dir `/data/spark/a/logs` is inside spark.worker_dir `/data/spark`, which the service user owns"), "{}", err);
        assert!(err.contains("--> inv.toml:3:"), "{}", err);
        // Shared scratch space is fine (created, never re-owned); so are
        // directories of their own.
        for (set, table) in [
            ("local_dirs = \"/tmp,/var/tmp\"", "spark"),
            (
                "log_dir = \"/var/log/spark\"\npid_dir = \"/run/spark\"",
                "spark",
            ),
            (
                "data_dir = \"/data/zk\"\nlog_dir = \"/var/log/zookeeper\"",
                "zookeeper",
            ),
        ] {
            let text = INV.replace(
                &format!("[{}]\n", table),
                &format!("[{}]\n{}\n", table, set),
            );
            check(&text).unwrap_or_else(|e| panic!("{} refused:\n{}", set, e));
        }
    }

    #[test]
    fn inventory_refuses_shared_and_world_writable_install_roots() {
        refused(
            "install_root = \"/opt/spark\"",
            "zookeeper",
            "the ZooKeeper install_root `/opt/spark` is the Spark install_root `/opt/spark`",
            5,
        );
        refused(
            "install_root = \"/opt/spark/zk\"",
            "zookeeper",
            "the ZooKeeper install_root `/opt/spark/zk` is inside the Spark install_root `/opt/spark`",
            5,
        );
        refused(
            "install_root = \"/tmp\"",
            "spark",
            "install_root `/tmp` is world-writable: any user of the host could replace the software root runs",
            2,
        );
        refused(
            "install_root = \"/dev/shm/\"",
            "zookeeper",
            "install_root `/dev/shm` is world-writable",
            5,
        );
    }
}
