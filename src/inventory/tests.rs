//! Inventory parsing and validation: every error message a user can get.

use super::*;

fn parse_str(text: &str) -> Result<Cluster, String> {
    parse(Path::new("inv.toml"), text).map_err(|d| d.to_string())
}

const ABC: &str = r#"
[spark]
tarball = "dist/spark-4.3.0-bin-hadoop3.tgz"

[zookeeper]
tarball = "dist/apache-zookeeper-3.8.4-bin.tar.gz"

[[host]]
name = "a"
roles = ["zookeeper", "master", "worker"]

[[host]]
name = "b"
roles = ["zookeeper", "master", "worker"]

[[host]]
name = "c"
roles = ["zookeeper", "worker"]
"#;

#[test]
fn abc_resolves_defaults() {
    let c = parse_str(ABC).unwrap();
    assert_eq!(c.ha, Ha::Zookeeper);
    assert_eq!(c.master_url(), "spark://a:7077,b:7077");
    assert_eq!(c.zk_connect(), "a:2181,b:2181,c:2181");
    assert_eq!(c.hosts[2].zk_id, Some(3));
    assert_eq!(c.hosts[0].zk.admin_port, 8180);
    assert_eq!(c.spark.install_root, "/opt/spark");
    assert_eq!(c.hosts[0].spark.pid_dir, "/opt/spark/run");
    assert_eq!(c.name, "inv");
}

#[test]
fn syntax_error_has_line_and_column() {
    let err = parse_str("[spark]\ntarball = \"x.tgz\n").unwrap_err();
    assert!(err.contains("--> inv.toml:2:"), "{}", err);
}

#[test]
fn unknown_key_suggests() {
    let err = parse_str(&ABC.replace("name = \"c\"", "name = \"c\"\nworker_core = 2")).unwrap_err();
    assert!(
        err.starts_with("error: unknown key `worker_core`\n  --> inv.toml:18:1\n"),
        "{}",
        err
    );
    let err = parse_str(&ABC.replace("[spark]\n", "[spark]\nworker_core = 2\n")).unwrap_err();
    assert!(err.contains("did you mean `worker_cores`?"), "{}", err);
}

#[test]
fn missing_required_field() {
    let err = parse_str(&ABC.replace("name = \"c\"\n", "")).unwrap_err();
    assert!(
        err.starts_with("error: missing field `name`\n  --> inv.toml:16:1\n"),
        "{}",
        err
    );
}

#[test]
fn duplicate_host_and_address() {
    let err = parse_str(&ABC.replace("name = \"c\"", "name = \"a\"")).unwrap_err();
    assert!(
        err.starts_with("error: duplicate host name `a`\n  --> inv.toml:17:8\n"),
        "{}",
        err
    );
    assert!(!err.contains("duplicate host address"), "{}", err);
    let err = parse_str(&ABC.replace("name = \"c\"", "name = \"c\"\naddress = \"b\"")).unwrap_err();
    assert!(
        err.starts_with("error: duplicate host address `b`\n  --> inv.toml:18:11\n"),
        "{}",
        err
    );
}

#[test]
fn ha_without_zookeeper() {
    let text = ABC.replace("\"zookeeper\", ", "");
    let err = parse_str(&text).unwrap_err();
    assert!(err.contains("error: HA mode `zookeeper` needs ZooKeeper, but no host has the `zookeeper` role (masters: a, b)"), "{}", err);
}

#[test]
fn even_or_single_zookeeper_count() {
    let text = ABC.replace(
        "roles = [\"zookeeper\", \"worker\"]",
        "roles = [\"worker\"]",
    );
    let err = parse_str(&text).unwrap_err();
    assert!(
        err.contains("needs an odd number of ZooKeeper hosts, at least 3; found 2 (a, b)"),
        "{}",
        err
    );
    let text = ABC
        .replace(
            "roles = [\"zookeeper\", \"master\", \"worker\"]",
            "roles = [\"master\", \"worker\"]",
        )
        .replace(
            "[[host]]\nname = \"c\"",
            "[cluster]\nha = \"zookeeper\"\n[[host]]\nname = \"c\"",
        );
    let err = parse_str(&text).unwrap_err();
    assert!(err.contains("found 1 (c)"), "{}", err);
}

#[test]
fn two_masters_without_ha() {
    let err = parse_str(&format!("[cluster]\nha = \"none\"\n{}", ABC)).unwrap_err();
    assert!(err.contains("error: 2 masters (a, b) with ha = \"none\" would each be ALIVE on their own\n --> inv.toml:2:6"), "{}", err);
}

#[test]
fn port_collision_on_one_host() {
    let text = ABC.replace("[zookeeper]\n", "[zookeeper]\nadmin_port = 8080\n");
    let err = parse_str(&text).unwrap_err();
    assert!(err.contains("error: port 8080 on host `a` is used by both the Spark master web UI (master_webui_port) and the ZooKeeper AdminServer (admin_port)\n --> inv.toml:6:14"), "{}", err);
    // host c has no master: no collision there
    assert!(!err.contains("host `c`"), "{}", err);
}

#[test]
fn unknown_role_suggests() {
    let err = parse_str(&ABC.replace("[\"zookeeper\", \"worker\"]", "[\"zookeeper\", \"wroker\"]"))
        .unwrap_err();
    assert!(err.contains("error: unknown role `wroker`"), "{}", err);
    assert!(err.contains("did you mean \"worker\"?"), "{}", err);
}

#[test]
fn url_needs_checksum() {
    let err = parse_str(&ABC.replace(
        "tarball = \"dist/spark-4.3.0-bin-hadoop3.tgz\"",
        "url = \"https://example.org/spark.tgz\"",
    ))
    .unwrap_err();
    assert!(err.contains("error: a `url` needs a checksum"), "{}", err);
}

#[test]
fn per_host_distribution_key_is_refused() {
    let err = parse_str(&format!("{}[host.spark]\ntarball = \"x\"\n", ABC)).unwrap_err();
    assert!(
        err.contains("error: `tarball` can only be set cluster-wide"),
        "{}",
        err
    );
}

#[test]
fn per_host_override_wins() {
    let c = parse_str(&format!(
        "{}[host.spark]\nworker_cores = 4\nworker_memory = \"3g\"\n",
        ABC.replace("[spark]\n", "[spark]\nworker_cores = 2\n")
    ))
    .unwrap();
    assert_eq!(c.hosts[0].spark.worker_cores, Some(2));
    assert_eq!(c.hosts[2].spark.worker_cores, Some(4));
    assert_eq!(c.hosts[2].spark.worker_memory.as_deref(), Some("3g"));
}

#[test]
fn shell_characters_in_paths_and_opts_are_refused() {
    let err = parse_str(&ABC.replace(
        "[spark]\n",
        "[spark]\nworker_dir = \"/opt/spark/work; rm -rf /\"\ndaemon_java_opts = [\"-Dx=$(id)\"]\n",
    ))
    .unwrap_err();
    assert!(
        err.contains("error: path `/opt/spark/work; rm -rf /` contains `;`"),
        "{}",
        err
    );
    assert!(
        err.contains("error: JVM option `-Dx=$(id)` contains white space or shell characters"),
        "{}",
        err
    );
}

#[test]
fn all_errors_reported_at_once() {
    let err = parse_str(&ABC.replace(
        "[spark]\n",
        "[spark]\nworker_cores = 0\ndaemon_memory = \"lots\"\n",
    ))
    .unwrap_err();
    assert!(err.contains("worker_cores must be at least 1"), "{}", err);
    assert!(err.contains("invalid memory size `lots`"), "{}", err);
    assert!(
        err.contains("errors; nothing was changed on any host."),
        "{}",
        err
    );
}

#[test]
fn memory_sizes() {
    assert_eq!(memory_mb("512m"), Some(512));
    assert_eq!(memory_mb("2g"), Some(2048));
    assert_eq!(memory_mb("2G"), Some(2048));
    assert_eq!(memory_mb("0"), None);
    assert_eq!(memory_mb("x"), None);
}

#[test]
fn security_settings_resolve() {
    let c = parse_str(
        &ABC.replace("[spark]\n", "[spark]\nauthenticate = true\n")
            .replace(
                "[[host]]\nname = \"a\"",
                "[cluster]\nrun_as = \"spark\"\n\n[ssh]\nsudo = true\n\n[[host]]\nname = \"a\"",
            ),
    )
    .unwrap();
    assert_eq!(c.run_as.as_deref(), Some("spark"));
    assert!(c.ssh.sudo);
    // The secret sits beside the inventory, named after it.
    assert_eq!(
        c.spark.auth.unwrap().secret_file,
        PathBuf::from("inv.secret")
    );
    let c = parse_str(&ABC.replace(
        "[spark]\n",
        "[spark]\nauthenticate = true\nsecret_file = \"keys/prod.secret\"\n",
    ))
    .unwrap();
    assert_eq!(
        c.spark.auth.unwrap().secret_file,
        PathBuf::from("keys/prod.secret")
    );
    let c = parse_str(ABC).unwrap();
    assert!(c.spark.auth.is_none() && c.run_as.is_none() && !c.ssh.sudo);
}

#[test]
fn security_mistakes_are_located() {
    let err = parse_str(&ABC.replace("[spark]\n", "[spark]\nsecret_file = \"x\"\n")).unwrap_err();
    assert!(
        err.contains("secret_file is only used with `authenticate = true`")
            && err.contains("inv.toml:3:"),
        "{}",
        err
    );
    let err = parse_str(&ABC.replace(
        "[spark]\n",
        "[spark]\ndefaults = { \"spark.authenticate.secret\" = \"hunter2\" }\n",
    ))
    .unwrap_err();
    assert!(
        err.contains("`spark.authenticate.secret` is managed by sparkctl"),
        "{}",
        err
    );
    let err = parse_str(&format!("{}[host.spark]\nauthenticate = true\n", ABC)).unwrap_err();
    assert!(
        err.contains("`authenticate` can only be set cluster-wide"),
        "{}",
        err
    );
    for bad in ["", "-spark", "sp ark", "spark;id", "a\nb"] {
        let err = parse_str(&format!("[cluster]\nrun_as = {:?}\n{}", bad, ABC)).unwrap_err();
        assert!(err.contains("invalid user name"), "{:?}: {}", bad, err);
    }
}

#[test]
fn fetch_hosts_turns_a_url_into_a_host_download() {
    let sha = "a".repeat(64);
    let c = parse_str(&ABC.replace(
        "tarball = \"dist/spark-4.3.0-bin-hadoop3.tgz\"",
        &format!("url = \"http://mirror/spark-4.3.0-bin-hadoop3.tgz\"\nsha256 = \"{sha}\"\nfetch = \"hosts\""),
    ))
    .unwrap();
    assert_eq!(
        c.spark.source,
        Source::HostUrl {
            url: "http://mirror/spark-4.3.0-bin-hadoop3.tgz".into(),
            checksum: Checksum {
                algo: HashAlgo::Sha256,
                hex: sha.clone()
            }
        }
    );
    // "operator" is the default, spelt out.
    let c = parse_str(&ABC.replace(
        "tarball = \"dist/spark-4.3.0-bin-hadoop3.tgz\"",
        &format!("url = \"http://mirror/s-4.3.0.tgz\"\nsha256 = \"{sha}\"\nfetch = \"operator\""),
    ))
    .unwrap();
    assert!(matches!(c.spark.source, Source::Url { .. }));
    // [zookeeper] too.
    let c = parse_str(&ABC.replace(
        "tarball = \"dist/apache-zookeeper-3.8.4-bin.tar.gz\"",
        &format!(
            "url = \"https://m/zk-3.8.4.tar.gz\"\nsha512 = \"{}\"\nfetch = \"hosts\"",
            "b".repeat(128)
        ),
    ))
    .unwrap();
    assert!(matches!(c.zookeeper.source, Some(Source::HostUrl { .. })));
}

#[test]
fn fetch_hosts_errors_are_located() {
    // With a local tarball: nothing for the hosts to download.
    let err = parse_str(&ABC.replace(
        "tarball = \"dist/spark-4.3.0-bin-hadoop3.tgz\"",
        "tarball = \"dist/spark-4.3.0-bin-hadoop3.tgz\"\nfetch = \"hosts\"",
    ))
    .unwrap_err();
    assert!(
        err.starts_with(
            "error: `fetch = \"hosts\"` needs a `url`, not a local `tarball`\n --> inv.toml:4:9\n"
        ),
        "{}",
        err
    );
    // A url without a checksum: the hosts could not verify it.
    let err = parse_str(&ABC.replace(
        "tarball = \"dist/apache-zookeeper-3.8.4-bin.tar.gz\"",
        "url = \"https://m/zk-3.8.4.tar.gz\"\nfetch = \"hosts\"",
    ))
    .unwrap_err();
    assert!(
        err.starts_with("error: a `url` needs a checksum\n --> inv.toml:6:7\n"),
        "{}",
        err
    );
    let err = parse_str(&ABC.replace(
        "tarball = \"dist/spark-4.3.0-bin-hadoop3.tgz\"",
        "tarball = \"dist/spark-4.3.0-bin-hadoop3.tgz\"\nfetch = \"host\"",
    ))
    .unwrap_err();
    assert!(
        err.starts_with("error: unknown fetch mode `host`\n --> inv.toml:4:9\n"),
        "{}",
        err
    );
    let err = parse_str(&format!("{}[host.spark]\nfetch = \"hosts\"\n", ABC)).unwrap_err();
    assert!(
        err.contains("error: `fetch` can only be set cluster-wide"),
        "{}",
        err
    );
}

#[test]
fn paths_with_dot_or_empty_components_are_refused() {
    for bad in ["/tmp//", "/tmp/.", "/var/log/..", "/opt/./spark", "/a//b"] {
        let err = parse_str(&ABC.replace("[spark]\n", &format!("[spark]\nlog_dir = {:?}\n", bad)))
            .unwrap_err();
        assert!(
            err.contains("has an empty, `.` or `..` component"),
            "{}: {}",
            bad,
            err
        );
    }
    // A trailing slash alone is fine.
    assert!(
        parse_str(&ABC.replace("[spark]\n", "[spark]\nlog_dir = \"/var/log/spark/\"\n")).is_ok()
    );
}

#[test]
fn rest_server_is_off_unless_asked_and_refused_where_it_cannot_be_protected() {
    let c = parse_str(ABC).unwrap();
    assert!(!c.spark.rest);
    assert_eq!(c.rest_url(), None);
    let on = ABC.replace("[spark]\n", "[spark]\nrest = true\n");
    let c = parse_str(&on).unwrap();
    assert_eq!(c.rest_url().as_deref(), Some("spark://a:6066,b:6066"));
    // With authentication: only a version that can filter the server and
    // whose master starts with both (4.3.0+).
    let c = parse_str(&on.replace("rest = true\n", "rest = true\nauthenticate = true\n")).unwrap();
    assert!(c.spark.rest && c.spark.auth.is_some());
    let err = parse_str(
        &on.replace("rest = true\n", "rest = true\nauthenticate = true\n")
            .replace("spark-4.3.0-bin", "spark-3.5.7-bin"),
    )
    .unwrap_err();
    assert!(
        err.starts_with("error: `rest = true` cannot be used here: Spark 3.5.7 cannot protect its REST submission server (spark.master.rest.filters needs Spark 4.0), and its master refuses to start with both spark.authenticate and the REST server\n --> inv.toml:3:8\n"),
        "{}",
        err
    );
    assert!(
        err.contains("= help: remove `rest = true` and submit in client mode"),
        "{}",
        err
    );
    let err = parse_str(
        &on.replace("rest = true\n", "rest = true\nauthenticate = true\n")
            .replace("spark-4.3.0-bin", "spark-4.1.1-bin"),
    )
    .unwrap_err();
    assert!(
        err.contains("Spark 4.1.1's master refuses to start with both spark.authenticate.secret and the REST server"),
        "{}",
        err
    );
    // Without authentication any version may run it (open, as asked).
    parse_str(&on.replace("spark-4.3.0-bin", "spark-3.5.7-bin")).unwrap();
}

#[test]
fn rest_mistakes_are_located() {
    let err = parse_str(&ABC.replace("[spark]\n", "[spark]\nrest_port = 6067\n")).unwrap_err();
    assert!(
        err.starts_with("error: rest_port is only used with `rest = true`\n --> inv.toml:3:13\n"),
        "{}",
        err
    );
    let err = parse_str(&format!("{}[host.spark]\nrest = true\n", ABC)).unwrap_err();
    assert!(
        err.contains("`rest` can only be set cluster-wide"),
        "{}",
        err
    );
    let err = parse_str(&ABC.replace("[spark]\n", "[spark]\nrest = true\nrest_port = 8080\n"))
        .unwrap_err();
    assert!(
        err.contains("port 8080 on host `a` is used by both the Spark master web UI (master_webui_port) and the Spark master REST server (rest_port)"),
        "{}",
        err
    );
    let err = parse_str(&ABC.replace(
        "[spark]\n",
        "[spark]\nmaster_opts = [\"-Dspark.master.rest.enabled=true\"]\n",
    ))
    .unwrap_err();
    assert!(
        err.contains("`-Dspark.master.rest.enabled=true` is managed by sparkctl")
            && err.contains("use `rest = true|false` and `rest_port` in [spark]"),
        "{}",
        err
    );
}

/// An address that Java's URI parser (spark://a:7077) or ZooKeeper's server
/// list would misread is refused where it is written.
#[test]
fn addresses_java_cannot_read_are_refused() {
    let with_address =
        |a: &str| ABC.replace("name = \"a\"", &format!("name = \"a\"\naddress = {:?}", a));
    let err = parse_str(&with_address("fd00::1")).unwrap_err();
    assert_eq!(
        err,
        "error: address `fd00::1` is an IPv6 literal: IPv6 literals are not supported yet\n  --> inv.toml:10:11\n   |\n10 | address = \"fd00::1\"\n   |           ^^^^^^^^^\n   = help: use a host name that resolves to this address (DNS or /etc/hosts): Spark's and ZooKeeper's configs would need the literal in brackets, which sparkctl does not write yet\n"
    );
    for a in ["[fd00::1]", "::1", "fe80::a:1"] {
        let err = parse_str(&with_address(a)).unwrap_err();
        assert!(
            err.contains(
                "is an IPv6 literal: IPv6 literals are not supported yet\n  --> inv.toml:10:11"
            ),
            "{}: {}",
            a,
            err
        );
    }
    let err = parse_str(&with_address("10.0.0.1:22")).unwrap_err();
    assert_eq!(
        err,
        "error: address `10.0.0.1:22` has a port (`:22`)\n  --> inv.toml:10:11\n   |\n10 | address = \"10.0.0.1:22\"\n   |           ^^^^^^^^^^^^^\n   = help: give the address alone (`10.0.0.1`) and set the SSH port with `[ssh] port` (or `ssh_port` on the host); the daemons' ports have their own keys\n"
    );
    let err = parse_str(&with_address("spark_a.example.org")).unwrap_err();
    assert_eq!(
        err,
        "error: address `spark_a.example.org` contains `_`\n  --> inv.toml:10:11\n   |\n10 | address = \"spark_a.example.org\"\n   |           ^^^^^^^^^^^^^^^^^^^^^\n   = help: Java's URI parser does not accept `_` in host names (spark://, ZooKeeper's server list): use a name of letters, digits, `.` and `-` that resolves to this host, or its IP address\n"
    );
    // Without `address`, the name is the address.
    let err = parse_str(&ABC.replace("name = \"a\"", "name = \"node_a\"")).unwrap_err();
    assert_eq!(
        err,
        "error: host name `node_a` (the address, as `address` is not set) contains `_`\n --> inv.toml:9:8\n  |\n9 | name = \"node_a\"\n  |        ^^^^^^^^\n  = help: Java's URI parser does not accept `_` in host names (spark://, ZooKeeper's server list): set `address` to a name of letters, digits, `.` and `-` that resolves to this host, or to its IP address\n"
    );
    // A name with `_` is only a label when `address` is set.
    let c = parse_str(&ABC.replace("name = \"a\"", "name = \"node_a\"\naddress = \"10.0.0.1\""))
        .unwrap();
    assert_eq!(c.master_url(), "spark://10.0.0.1:7077,b:7077");
    let err = parse_str(&with_address("a:b")).unwrap_err();
    assert!(err.starts_with("error: invalid address `a:b`\n"), "{}", err);
}

/// ZooKeeper's times are Java ints; the check itself must not overflow
/// (2 x 2147483648 wrapped to 0 in u32 and passed).
#[test]
fn zookeeper_times_beyond_a_java_int_are_refused() {
    let err = parse_str(&ABC.replace(
        "[zookeeper]\n",
        "[zookeeper]\ntick_time = 2147483648\nmax_session_timeout = 4000\n",
    ))
    .unwrap_err();
    assert_eq!(
        err,
        "error: tick_time = 2147483648 is above 2147483647, the largest value ZooKeeper reads (a Java int)\n --> inv.toml:6:13\n  |\n6 | tick_time = 2147483648\n  |             ^^^^^^^^^^\n  = help: use a smaller value (tick_time is in milliseconds; ZooKeeper's default is 2000)\n\n\
error: max_session_timeout (4000 ms) is below ZooKeeper's minimum session timeout (2 x tick_time = 4294967296 ms)\n --> inv.toml:7:23\n  |\n7 | max_session_timeout = 4000\n  |                       ^^^^\n  = help: raise it or lower tick_time\n\n2 errors; nothing was changed on any host.\n"
    );
    // Without max_session_timeout, its default (6000) is what is too small:
    // the error points at tick_time, which is in the file.
    let err =
        parse_str(&ABC.replace("[zookeeper]\n", "[zookeeper]\ntick_time = 4000\n")).unwrap_err();
    assert_eq!(
        err,
        "error: max_session_timeout (6000 ms) is below ZooKeeper's minimum session timeout (2 x tick_time = 8000 ms)\n --> inv.toml:6:13\n  |\n6 | tick_time = 4000\n  |             ^^^^\n  = help: raise it or lower tick_time\n"
    );
    let err = parse_str(&ABC.replace(
        "[zookeeper]\n",
        "[zookeeper]\ntick_time = 300000000\ninit_limit = 10\nmax_session_timeout = 0\n",
    ))
    .unwrap_err();
    assert_eq!(
        err,
        "error: tick_time x init_limit = 3000000000 ms is above 2147483647, the largest timeout ZooKeeper can compute (a Java int)\n --> inv.toml:7:14\n  |\n7 | init_limit = 10\n  |              ^^\n  = help: lower tick_time or init_limit\n"
    );
    assert!(parse_str(&ABC.replace(
        "[zookeeper]\n",
        "[zookeeper]\ntick_time = 2147483647\ninit_limit = 1\nsync_limit = 1\nmax_session_timeout = 0\n",
    ))
    .is_ok());
}

/// A templates directory that would be silently ignored, in whole or in part.
#[test]
fn template_overrides_that_would_be_ignored_are_refused() {
    let dir = std::env::temp_dir().join(format!("sparkctl-templates-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let with = |t: &Path| {
        format!(
            "[cluster]\ntemplates = {:?}\n{}",
            t.display().to_string(),
            ABC
        )
    };
    const NAMES: &str = "the directory holds overrides named spark-env.sh.tera, spark-defaults.conf.tera, workers.tera, zoo.cfg.tera, java.env.tera, myid.tera; each one replaces the built-in template of that name";
    let d = dir.display();
    let line = format!("2 | templates = \"{}\"", d);
    let caret = format!("  |             {}", "^".repeat(d.to_string().len() + 2));

    let err = parse_str(&with(&dir)).unwrap_err();
    assert_eq!(
        err,
        format!("error: templates directory `{d}` cannot be read: No such file or directory (os error 2)\n --> inv.toml:2:13\n  |\n{line}\n{caret}\n  = help: create it, or remove `templates` to use the built-in templates; {NAMES}\n")
    );

    std::fs::write(&dir, "x").unwrap();
    let err = parse_str(&with(&dir)).unwrap_err();
    assert_eq!(
        err,
        format!("error: templates `{d}` is not a directory\n --> inv.toml:2:13\n  |\n{line}\n{caret}\n  = help: {NAMES}\n")
    );
    std::fs::remove_file(&dir).unwrap();

    std::fs::create_dir_all(dir.join("zoo.cfg.tera")).unwrap();
    std::fs::write(dir.join("spark_env.sh.tera"), "x").unwrap();
    std::fs::write(dir.join("spark-env.sh.tera"), "{{ cluster }}\n").unwrap();
    std::fs::write(dir.join(".spark-env.sh.tera.swp"), "x").unwrap();
    let err = parse_str(&with(&dir)).unwrap_err();
    assert_eq!(
        err,
        format!("error: `spark_env.sh.tera` in templates directory `{d}` is not a template sparkctl uses\n --> inv.toml:2:13\n  |\n{line}\n{caret}\n  = help: did you mean `spark-env.sh.tera`? {NAMES}\n\n\
error: template override `zoo.cfg.tera` in `{d}` is not a file\n --> inv.toml:2:13\n  |\n{line}\n{caret}\n  = help: make it a regular file, or remove it to use the built-in template\n\n2 errors; nothing was changed on any host.\n")
    );
    std::fs::remove_file(dir.join("spark_env.sh.tera")).unwrap();
    std::fs::remove_dir(dir.join("zoo.cfg.tera")).unwrap();
    let c = parse_str(&with(&dir)).unwrap();
    assert_eq!(c.templates_dir.as_deref(), Some(dir.as_path()));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `extra` and `defaults` entries that would undo what sparkctl manages
/// (the last of two equal keys wins), cluster-wide and per host.
#[test]
fn extra_properties_that_undo_managed_settings_are_refused() {
    const ADMIN: &str = "set `admin_port` in [zookeeper] instead (0 turns the AdminServer off); sparkctl keeps it off the Spark master UI's port 8080";
    for (key, help) in [
        ("admin.enableServer", ADMIN),
        ("admin.serverAddress", ADMIN),
        ("admin.serverPort", "set `admin_port` in [zookeeper] instead"),
        ("4lw.commands.whitelist", "sparkctl sets it to the four-letter words its health checks use (srvr); remove it"),
        ("dynamicConfigFile", "the ensemble is the hosts with the zookeeper role, written as server.N lines in zoo.cfg; sparkctl does not use dynamic reconfiguration: remove it"),
        ("clientPort", "set `client_port` in [zookeeper] instead"),
        ("dataDir", "set `data_dir` in [zookeeper] instead"),
    ] {
        let line = format!("extra = {{ {:?} = \"x\" }}", key);
        let err = parse_str(&ABC.replace("[zookeeper]\n", &format!("[zookeeper]\n{}\n", line)))
            .unwrap_err();
        assert_eq!(
            err,
            format!(
                "error: `{}` is managed by sparkctl\n --> inv.toml:6:{}\n  |\n6 | {}\n  |           {}^^^\n  = help: {}\n",
                key,
                key.len() + 16,
                line,
                " ".repeat(key.len() + 5),
                help
            )
        );
        let err = parse_str(&format!("{}[host.zookeeper]\n{}\n", ABC, line)).unwrap_err();
        assert!(
            err.starts_with(&format!(
                "error: `{}` is managed by sparkctl\n  --> inv.toml:20:{}\n",
                key,
                key.len() + 16
            )),
            "{}",
            err
        );
    }
    let err = parse_str(&ABC.replace(
        "[spark]\n",
        "[spark]\ndefaults = { \"spark.master\" = \"spark://x:7077\" }\n",
    ))
    .unwrap_err();
    assert_eq!(
        err,
        "error: `spark.master` is managed by sparkctl\n --> inv.toml:3:31\n  |\n3 | defaults = { \"spark.master\" = \"spark://x:7077\" }\n  |                               ^^^^^^^^^^^^^^^^\n  = help: it is written from the hosts with the master role (spark://a:7077,b:7077): change their roles or master_port instead\n"
    );
    for key in ["spark.master.rest.enabled", "spark.master.rest.port"] {
        let line = format!("defaults = {{ {:?} = \"6066\" }}", key);
        let err = parse_str(&format!("{}[host.spark]\n{}\n", ABC, line)).unwrap_err();
        assert_eq!(
            err,
            format!(
                "error: `{}` is managed by sparkctl\n  --> inv.toml:20:{}\n   |\n20 | {}\n   |              {}^^^^^^\n   = help: use `[spark] rest = true|false` and `rest_port` instead\n",
                key,
                key.len() + 19,
                line,
                " ".repeat(key.len() + 5)
            )
        );
    }
    // Unmanaged neighbours stay allowed.
    assert!(parse_str(&ABC.replace(
        "[spark]\n",
        "[spark]\ndefaults = { \"spark.master.ui.title\" = \"x\", \"spark.masterx\" = \"y\" }\n",
    ))
    .is_ok());
}

/// A long name made the hosts' lock directory name too long for the
/// filesystem, reported as "sparkctl needs root".
#[test]
fn long_cluster_names_are_refused() {
    let name = "c".repeat(300);
    let err = parse_str(&format!("[cluster]\nname = \"{}\"\n{}", name, ABC)).unwrap_err();
    assert_eq!(
        err,
        format!("error: cluster name is 300 characters long, more than 128\n --> inv.toml:2:8\n  |\n2 | name = \"{}\"\n  |        {}\n  = help: it names the lock directory on every host (sparkctl.<name>.lock): use a shorter name (without [cluster] name, the file name is used)\n", name, "^".repeat(302))
    );
    let ok = "c".repeat(128);
    assert_eq!(
        parse_str(&format!("[cluster]\nname = \"{}\"\n{}", ok, ABC))
            .unwrap()
            .name,
        ok
    );
}

/// ABC with a history server on `a` and `table` as its `[history]`.
fn with_history(table: &str) -> String {
    ABC.replacen(
        "roles = [\"zookeeper\", \"master\", \"worker\"]",
        "roles = [\"zookeeper\", \"master\", \"worker\", \"history\"]",
        1,
    ) + table
}

#[test]
fn history_resolves_defaults_and_directories() {
    let c = parse_str(&with_history(
        "\n[history]\nlog_directory = \"/shared/spark-events\"\n",
    ))
    .unwrap();
    let t = c.history.as_ref().unwrap();
    assert_eq!(
        t.log_directory,
        EventLogDir::Local("/shared/spark-events".into())
    );
    assert_eq!(t.log_directory.uri(), "file:/shared/spark-events");
    assert_eq!((t.ui_port, t.cleaner), (18080, true));
    assert_eq!(
        (t.cleaner_max_age.as_str(), t.cleaner_interval.as_str()),
        ("7d", "1d")
    );
    assert!(c.hosts[0].roles.history && !c.hosts[1].roles.history);
    assert_eq!(c.history_hosts().count(), 1);
    for (written, want) in [
        ("file:/shared/ev", EventLogDir::Local("/shared/ev".into())),
        ("file:///shared/ev", EventLogDir::Local("/shared/ev".into())),
        (
            "hdfs://nn:8020/ev",
            EventLogDir::Remote("hdfs://nn:8020/ev".into()),
        ),
        (
            "s3a://bucket/ev",
            EventLogDir::Remote("s3a://bucket/ev".into()),
        ),
    ] {
        let c = parse_str(&with_history(&format!(
            "\n[history]\nlog_directory = \"{}\"\n",
            written
        )))
        .unwrap();
        assert_eq!(c.history.unwrap().log_directory, want, "{}", written);
    }
    // Without a history server, nothing changes.
    assert_eq!(parse_str(ABC).unwrap().history, None);
}

#[test]
fn history_log_directory_is_required_and_checked() {
    let err = parse_str(&with_history("")).unwrap_err();
    assert!(
        err.starts_with("error: host `a` has the `history` role but there is no [history] section\n  --> inv.toml:10:43\n"),
        "{}",
        err
    );
    let err = parse_str(&with_history("\n[history]\nui_port = 18081\n")).unwrap_err();
    assert!(
        err.starts_with("error: [history] has no `log_directory`\n  --> inv.toml:")
            && err.contains("= help: expected `hdfs://namenode/path`, `s3a://bucket/path`, `file:/absolute/path` or an absolute path"),
        "{}",
        err
    );
    for (bad, msg) in [
        ("spark-events", "error: log_directory `spark-events` is not a URI sparkctl knows nor an absolute path\n  --> inv.toml:21:17\n"),
        ("gs://bucket/ev", "error: log_directory `gs://bucket/ev` is not a URI sparkctl knows nor an absolute path\n  --> inv.toml:21:17\n"),
        ("file:events", "error: `events` is not an absolute path\n  --> inv.toml:21:17\n"),
        ("/shared/../etc", "error: path `/shared/../etc` has an empty, `.` or `..` component\n  --> inv.toml:21:17\n"),
        ("hdfs://", "error: log_directory `hdfs://` names no path\n  --> inv.toml:21:17\n"),
        ("s3a:///ev", "error: log_directory `s3a:///ev` names no bucket\n  --> inv.toml:21:17\n"),
    ] {
        let err = parse_str(&with_history(&format!("\n[history]\nlog_directory = \"{}\"\n", bad)))
            .unwrap_err();
        assert!(err.starts_with(msg), "{}:\n{}", bad, err);
    }
}

#[test]
fn history_table_without_the_role_is_located() {
    let err = parse_str(&(ABC.to_string() + "\n[history]\nlog_directory = \"/shared/ev\"\n"))
        .unwrap_err();
    assert!(
        err.starts_with("error: [history] is set but no host has the `history` role\n  --> inv.toml:20:2\n")
            && err.contains("= help: add \"history\" to the roles of the host that runs the history server, or remove [history]"),
        "{}",
        err
    );
}

#[test]
fn history_port_is_in_the_port_model() {
    let err = parse_str(&with_history(
        "\n[history]\nlog_directory = \"/shared/ev\"\nui_port = 8080\n",
    ))
    .unwrap_err();
    assert!(
        err.starts_with("error: port 8080 on host `a` is used by both the Spark master web UI (master_webui_port) and the history server (history.ui_port)\n  --> inv.toml:22:11\n"),
        "{}",
        err
    );
    let err = parse_str(&with_history(
        "\n[history]\nlog_directory = \"/shared/ev\"\nui_port = 0\n",
    ))
    .unwrap_err();
    assert!(
        err.starts_with("error: must be greater than 0\n  --> inv.toml:22:11\n"),
        "{}",
        err
    );
}

#[test]
fn history_cleaner_durations_and_owned_defaults() {
    let c = parse_str(&with_history(
        "\n[history]\nlog_directory = \"/ev\"\ncleaner = false\ncleaner_max_age = \"30d\"\ncleaner_interval = \"12h\"\n",
    ))
    .unwrap();
    let t = c.history.unwrap();
    assert_eq!(
        (
            t.cleaner,
            t.cleaner_max_age.as_str(),
            t.cleaner_interval.as_str()
        ),
        (false, "30d", "12h")
    );
    let err = parse_str(&with_history(
        "\n[history]\nlog_directory = \"/ev\"\ncleaner_max_age = \"7 days\"\n",
    ))
    .unwrap_err();
    assert!(
        err.starts_with("error: invalid duration `7 days`\n  --> inv.toml:22:19\n"),
        "{}",
        err
    );
    let err = parse_str(
        &with_history("\n[history]\nlog_directory = \"/ev\"\n").replace(
            "[spark]\n",
            "[spark]\ndefaults = { \"spark.eventLog.dir\" = \"file:/elsewhere\" }\n",
        ),
    )
    .unwrap_err();
    assert!(
        err.starts_with("error: `spark.eventLog.dir` is set from [history]\n --> inv.toml:3:37"),
        "{}",
        err
    );
}

#[test]
fn history_event_directory_follows_the_ownership_rule() {
    let err = parse_str(&with_history("\n[history]\nlog_directory = \"/var/log\"\n")).unwrap_err();
    assert!(
        err.starts_with("error: `/var/log` holds other software's or users' files (a home directory or a system container): it cannot be history.log_directory (the daemons' directories are handed to the service user)\n  --> inv.toml:21:17\n"),
        "{}",
        err
    );
    let err = parse_str(&with_history("\n[history]\nlog_directory = \"/tmp\"\n")).unwrap_err();
    assert!(
        err.starts_with("error: `/tmp` is shared by every user of the host: history.log_directory needs a directory of its own\n"),
        "{}",
        err
    );
    // A remote directory is not on the hosts: nothing to check there.
    parse_str(&with_history(
        "\n[history]\nlog_directory = \"hdfs://nn/var/log\"\n",
    ))
    .unwrap();
}

#[test]
fn decommission_is_on_where_spark_has_it_and_refused_where_it_does_not() {
    assert!(parse_str(ABC).unwrap().spark.decommission);
    let off = ABC.replace("[spark]\n", "[spark]\ndecommission = false\n");
    assert!(!parse_str(&off).unwrap().spark.decommission);
    // Spark 3.0 has no worker decommissioning: off by default, refused if asked.
    let old = ABC.replace("spark-4.3.0-bin", "spark-3.0.3-bin");
    assert!(!parse_str(&old).unwrap().spark.decommission);
    let err = parse_str(&old.replace("[spark]\n", "[spark]\ndecommission = true\n")).unwrap_err();
    assert!(
        err.starts_with("error: `decommission = true` cannot be used here: Spark 3.0.3 has no worker decommissioning (it came in Spark 3.1.0)\n --> inv.toml:3:16\n"),
        "{}",
        err
    );
    assert!(err.contains("= help: remove it (workers are then stopped at once in rolling restarts), or use Spark 3.1.0 or newer"), "{}", err);
    // Cluster-wide only, and its properties are sparkctl's.
    let err = parse_str(&format!("{}[host.spark]\ndecommission = false\n", ABC)).unwrap_err();
    assert!(
        err.contains("`decommission` can only be set cluster-wide"),
        "{}",
        err
    );
    for key in crate::decommission::MANAGED {
        let err = parse_str(&format!(
            "{}[host.spark]\ndefaults = {{ {:?} = \"x\" }}\n",
            ABC, key
        ))
        .unwrap_err();
        assert!(
            err.starts_with(&format!("error: `{}` is managed by sparkctl\n", key)),
            "{}",
            err
        );
        assert!(
            err.contains("use `[spark] decommission = true|false` instead"),
            "{}",
            err
        );
    }
}

/// ABC with a Connect server on `b`, `tarball` as Spark's, and `table`.
fn with_connect(tarball: &str, table: &str) -> String {
    ABC.replacen("dist/spark-4.3.0-bin-hadoop3.tgz", tarball, 1)
        .replacen(
            "name = \"b\"\nroles = [\"zookeeper\", \"master\", \"worker\"]",
            "name = \"b\"\nroles = [\"zookeeper\", \"master\", \"worker\", \"connect\"]",
            1,
        )
        + table
}

#[test]
fn connect_needs_no_table_on_spark_4() {
    let c = parse_str(&with_connect("dist/spark-4.3.0-bin-hadoop3.tgz", "")).unwrap();
    let t = c.connect.as_ref().unwrap();
    assert_eq!(
        (t.port, t.jar.as_ref(), t.authenticate),
        (15002, None, false)
    );
    assert_eq!(
        c.connect_hosts()
            .map(|h| h.name.as_str())
            .collect::<Vec<_>>(),
        ["b"]
    );
    let c = parse_str(&with_connect(
        "dist/spark-4.3.0-bin-hadoop3.tgz",
        "\n[connect]\nport = 15010\n",
    ))
    .unwrap();
    assert_eq!(c.connect.unwrap().port, 15010);
}

#[test]
fn connect_cores_max_and_executor_memory_are_checked_located() {
    let c = parse_str(&with_connect(
        "dist/spark-4.3.0-bin-hadoop3.tgz",
        "\n[connect]\ncores_max = 4\nexecutor_memory = \"1g\"\n",
    ))
    .unwrap();
    let t = c.connect.unwrap();
    assert_eq!(
        (t.cores_max, t.executor_memory.as_deref()),
        (Some(4), Some("1g"))
    );
    let err = parse_str(&with_connect(
        "dist/spark-4.3.0-bin-hadoop3.tgz",
        "\n[connect]\ncores_max = 0\n",
    ))
    .unwrap_err();
    assert_eq!(
        err,
        "error: [connect] cores_max must be at least 1\n  --> inv.toml:21:13\n   |\n21 | cores_max = 0\n   |             ^\n   = help: give the number of cores the Connect server's executors may hold across the cluster, e.g. `cores_max = 4`, or remove it to let them take every free core\n"
    );
    let err = parse_str(&with_connect(
        "dist/spark-4.3.0-bin-hadoop3.tgz",
        "\n[connect]\nexecutor_memory = \"lots\"\n",
    ))
    .unwrap_err();
    assert!(
        err.starts_with("error: invalid memory size `lots`\n  --> inv.toml:21:19\n"),
        "{}",
        err
    );
    let err = parse_str(&with_connect(
        "dist/spark-4.3.0-bin-hadoop3.tgz",
        "\n[connect]\nexecutor_memory = \"256m\"\n",
    ))
    .unwrap_err();
    assert!(
        err.starts_with("error: [connect] executor_memory `256m` is below the 450 MiB Spark requires of an executor\n  --> inv.toml:21:19\n"),
        "{}",
        err
    );
    assert!(
        err.contains("help: set `executor_memory = \"512m\"` or more"),
        "{}",
        err
    );
}

#[test]
fn connect_on_spark_3_5_needs_the_jar_located() {
    let err = parse_str(&with_connect("dist/spark-3.5.9-bin-hadoop3.tgz", "")).unwrap_err();
    assert!(
        err.starts_with("error: Spark 3.5.9 does not ship the Spark Connect server: [connect] has no `jar`\n  --> inv.toml:14:43\n"),
        "{}",
        err
    );
    assert!(
        err.contains("help: download Maven Central's org.apache.spark:spark-connect_2.12:3.5.9 to this machine and add `jar = \"spark-connect_2.12-3.5.9.jar\"` (its path, relative to the inventory's directory) to [connect]: deploy uploads it to the connect host"),
        "{}",
        err
    );
    // A path on this machine, relative to the inventory's directory (here
    // the current one), read and hashed for its place on the hosts.
    let c = parse_str(&with_connect(
        "dist/spark-3.5.9-bin-hadoop3.tgz",
        "\n[connect]\njar = \"tests/fixtures/spark-connect_2.12-3.5.9.jar\"\n",
    ))
    .unwrap();
    let j = c.connect.unwrap().jar.unwrap();
    let bytes = std::fs::read("tests/fixtures/spark-connect_2.12-3.5.9.jar").unwrap();
    assert_eq!(
        (
            j.local.as_path(),
            j.file_name.as_str(),
            j.size,
            j.sha256.as_str()
        ),
        (
            Path::new("tests/fixtures/spark-connect_2.12-3.5.9.jar"),
            "spark-connect_2.12-3.5.9.jar",
            bytes.len() as u64,
            crate::plan::sha256_hex(std::str::from_utf8(&bytes).unwrap()).as_str()
        )
    );
    let c = parse(
        Path::new("tests/fixtures/inv.toml"),
        &with_connect(
            "dist/spark-3.5.9-bin-hadoop3.tgz",
            "\n[connect]\njar = \"spark-connect_2.12-3.5.9.jar\"\n",
        ),
    )
    .unwrap();
    assert_eq!(
        c.connect.unwrap().jar.unwrap().local,
        Path::new("tests/fixtures/spark-connect_2.12-3.5.9.jar")
    );
    // Spark 4 has its own: a second one is refused.
    let err = parse_str(&with_connect(
        "dist/spark-4.3.0-bin-hadoop3.tgz",
        "\n[connect]\njar = \"/opt/x.jar\"\n",
    ))
    .unwrap_err();
    assert!(
        err.starts_with("error: Spark 4.3.0 ships the Spark Connect server in jars/"),
        "{}",
        err
    );
    let err = parse_str(&with_connect("dist/spark-3.3.4-bin-hadoop3.tgz", "")).unwrap_err();
    assert!(
        err.contains("Spark 3.3.4 has no Spark Connect server"),
        "{}",
        err
    );
}

#[test]
fn connect_jar_on_this_machine_is_checked_located() {
    let with = |jar: &str| {
        parse_str(&with_connect(
            "dist/spark-3.5.9-bin-hadoop3.tgz",
            &format!("\n[connect]\njar = \"{}\"\n", jar),
        ))
        .unwrap_err()
    };
    assert_eq!(
        with("tests/fixtures/missing-3.5.9.jar"),
        "error: [connect] jar `tests/fixtures/missing-3.5.9.jar` does not exist (tests/fixtures/missing-3.5.9.jar)\n  --> inv.toml:21:7\n   |\n21 | jar = \"tests/fixtures/missing-3.5.9.jar\"\n   |       ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n   = help: the jar is read on this machine and uploaded by deploy: download it here (a relative path is read from the inventory's directory)\n"
    );
    assert_eq!(
        with("tests/fixtures"),
        "error: [connect] jar `tests/fixtures` is not a .jar file\n  --> inv.toml:21:7\n   |\n21 | jar = \"tests/fixtures\"\n   |       ^^^^^^^^^^^^^^^^\n   = help: give the Spark Connect server jar on this machine, e.g. `jar = \"spark-connect_2.12-3.5.9.jar\"` (Maven Central's org.apache.spark:spark-connect_2.12:<version>)\n"
    );
    assert_eq!(
        with("tests/fixtures/a,b.jar"),
        "error: [connect] jar's file name `a,b.jar` contains `,`\n  --> inv.toml:21:7\n   |\n21 | jar = \"tests/fixtures/a,b.jar\"\n   |       ^^^^^^^^^^^^^^^^^^^^^^^^\n   = help: rename the file to letters, digits and . _ - + (spark-submit's --jars is a comma-separated list, and Spark's scripts do not quote every word)\n"
    );
    let dir = std::env::temp_dir().join(format!("sparkctl-jar-test-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("d.jar")).unwrap();
    let d = dir.join("d.jar").display().to_string();
    let err = with(&d);
    assert!(
        err.starts_with(&format!("error: [connect] jar `{d}` is not a file ({d})\n")),
        "{}",
        err
    );
    assert!(
        err.contains("= help: give the path of the jar file itself\n"),
        "{}",
        err
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn connect_authenticate_needs_spark_4_and_the_cluster_secret() {
    let on = "\n[connect]\nauthenticate = true\n";
    let err = parse_str(&with_connect("dist/spark-4.3.0-bin-hadoop3.tgz", on)).unwrap_err();
    assert!(
        err.starts_with("error: [connect] authenticate needs `authenticate = true` in [spark]\n  --> inv.toml:21:16\n"),
        "{}",
        err
    );
    let secured = |tarball: &str| {
        with_connect(tarball, on).replacen("[spark]\n", "[spark]\nauthenticate = true\n", 1)
    };
    let c = parse_str(&secured("dist/spark-4.3.0-bin-hadoop3.tgz")).unwrap();
    assert!(c.connect.unwrap().authenticate);
    let err = parse_str(&secured("dist/spark-3.5.9-bin-hadoop3.tgz").replacen(
        "[connect]\n",
        "[connect]\njar = \"tests/fixtures/spark-connect_2.12-3.5.9.jar\"\n",
        1,
    ))
    .unwrap_err();
    assert!(
        err.starts_with("error: Spark 3.5.9 cannot protect the Spark Connect server: `spark.connect.authenticate.token` came with Spark 4.0"),
        "{}",
        err
    );
}

#[test]
fn connect_table_without_the_role_and_its_port_clash_are_located() {
    let err = parse_str(&format!("{}\n[connect]\nport = 15002\n", ABC)).unwrap_err();
    assert!(
        err.starts_with("error: [connect] is set but no host has the `connect` role"),
        "{}",
        err
    );
    let err = parse_str(&with_connect(
        "dist/spark-4.3.0-bin-hadoop3.tgz",
        "\n[connect]\nport = 8080\n",
    ))
    .unwrap_err();
    assert!(
        err.contains("8080") && err.contains("connect.port"),
        "{}",
        err
    );
}

/// ABC with a Mesos dispatcher on a host `d` of its own (its default UI
/// port is a worker UI's), `tarball` as Spark's, and `table`.
fn with_mesos(tarball: &str, table: &str) -> String {
    ABC.replacen("dist/spark-4.3.0-bin-hadoop3.tgz", tarball, 1)
        + "\n[[host]]\nname = \"d\"\nroles = [\"mesos-dispatcher\"]\n"
        + table
}

const SPARK35: &str = "dist/spark-3.5.9-bin-hadoop3.tgz";

#[test]
fn mesos_resolves_ports_properties_and_credentials() {
    let c = parse_str(&with_mesos(
        SPARK35,
        "\n[mesos]\nmaster = \"mesos://zk://a:2181,b:2181/mesos\"\ncoarse = true\ncores_max = 8\nexecutor_docker_image = \"example/spark:3.5.9\"\nuris = [\"http://x/a.tgz\", \"http://x/b.tgz\"]\nrole = \"spark\"\nconstraints = \"os:debian\"\nprincipal = \"spark-fw\"\n",
    ))
    .unwrap();
    let m = c.mesos.as_ref().unwrap();
    assert_eq!(m.master, "mesos://zk://a:2181,b:2181/mesos");
    assert_eq!((m.port, m.ui_port), (7077, 8081));
    assert_eq!(
        m.properties,
        vec![
            ("spark.mesos.coarse", "true".to_string()),
            ("spark.cores.max", "8".to_string()),
            (
                "spark.mesos.executor.docker.image",
                "example/spark:3.5.9".to_string()
            ),
            ("spark.mesos.role", "spark".to_string()),
            ("spark.mesos.constraints", "os:debian".to_string()),
            (
                "spark.mesos.uris",
                "http://x/a.tgz,http://x/b.tgz".to_string()
            ),
        ]
    );
    assert_eq!(m.principal.as_deref(), Some("spark-fw"));
    assert_eq!(
        c.mesos_dispatcher_hosts()
            .map(|h| h.name.as_str())
            .collect::<Vec<_>>(),
        ["d"]
    );
}

#[test]
fn mesos_dispatcher_binds_loopback_with_the_cluster_secret() {
    let table = "\n[mesos]\nmaster = \"mesos://m:5050\"\n";
    let c = parse_str(&with_mesos(SPARK35, table)).unwrap();
    let (m, d) = (c.mesos.as_ref().unwrap(), c.host("d").unwrap());
    assert!(!m.loopback);
    assert_eq!(m.bind_address(d), d.address);
    assert_eq!(crate::health::dispatcher_url(&c, d), "mesos://d:7077");
    assert_eq!(crate::health::dispatcher_note(&c), None);
    let secured =
        with_mesos(SPARK35, table).replacen("[spark]\n", "[spark]\nauthenticate = true\n", 1);
    let c = parse_str(&secured).unwrap();
    let (m, d) = (c.mesos.as_ref().unwrap(), c.host("d").unwrap());
    assert!(m.loopback);
    assert_eq!(m.bind_address(d), "127.0.0.1");
    assert_eq!(
        crate::health::dispatcher_url(&c, d),
        "mesos://127.0.0.1:7077"
    );
    assert_eq!(
        crate::health::dispatcher_note(&c).unwrap(),
        "note: the Mesos dispatcher on d listens on 127.0.0.1 only (ports 7077 and 8081): with `authenticate = true` in [spark], which Spark's dispatcher does not enforce, its submission port and UI would otherwise take drivers and requests from anyone who reaches them; submit on d (`spark-submit --master mesos://127.0.0.1:7077`) or through an SSH tunnel"
    );
    // Direct probes cannot reach a host's loopback: refused, located.
    let err = parse_str(&format!("[ssh]\nprobe = \"direct\"\n{}", secured)).unwrap_err();
    assert_eq!(
        err,
        "error: the Mesos dispatcher on `d` listens on 127.0.0.1 only (`authenticate = true` in [spark], which the dispatcher does not enforce), so `probe = \"direct\"` cannot reach it from this machine\n --> inv.toml:2:9\n  |\n2 | probe = \"direct\"\n  |         ^^^^^^^^\n  = help: remove `probe = \"direct\"` from [ssh]: probes through SSH dial the dispatcher's loopback on its host\n"
    );
    // Without the secret, direct probes reach it at its address as before.
    assert!(parse_str(&format!(
        "[ssh]\nprobe = \"direct\"\n{}",
        with_mesos(SPARK35, table)
    ))
    .is_ok());
}

#[test]
fn mesos_dispatcher_on_spark_4_is_refused_at_the_role() {
    let err = parse_str(&with_mesos(
        "dist/spark-4.3.0-bin-hadoop3.tgz",
        "\n[mesos]\nmaster = \"mesos://m:5050\"\n",
    ))
    .unwrap_err();
    assert!(
        err.starts_with("error: host `d` has the `mesos-dispatcher` role, but Spark 4.3.0 has no Mesos support: Spark 4 removed it (SPARK-44442)\n  --> inv.toml:22:10\n"),
        "{}",
        err
    );
    assert!(err.contains("help: use a Spark 3.x tarball"), "{}", err);
}

#[test]
fn mesos_keys_are_checked_by_name_and_value() {
    let err = parse_str(&with_mesos(SPARK35, "")).unwrap_err();
    assert!(
        err.starts_with(
            "error: host `d` has the `mesos-dispatcher` role but there is no [mesos] section"
        ),
        "{}",
        err
    );
    let err = parse_str(&with_mesos(
        SPARK35,
        "\n[mesos]\nmaster = \"http://m:5050\"\n",
    ))
    .unwrap_err();
    assert!(
        err.starts_with("error: invalid Mesos master URL `http://m:5050`"),
        "{}",
        err
    );
    let err = parse_str(&with_mesos(
        SPARK35,
        "\n[mesos]\nmaster = \"mesos://m:5050\"\ncorse = true\n",
    ))
    .unwrap_err();
    assert!(err.contains("corse") && err.contains("coarse"), "{}", err);
    let err = parse_str(&with_mesos(
        SPARK35,
        "\n[mesos]\nmaster = \"mesos://m:5050\"\nrole = \"a b\"\n",
    ))
    .unwrap_err();
    assert!(err.starts_with("error: invalid role `a b`"), "{}", err);
    let err = parse_str(&with_mesos(
        SPARK35,
        "\n[mesos]\nmaster = \"mesos://m:5050\"\nsecret_file = \"m.secret\"\n",
    ))
    .unwrap_err();
    assert!(
        err.starts_with("error: [mesos] secret_file is only used with a `principal`"),
        "{}",
        err
    );
    // Its default port is the master's: on a master host, a located clash.
    let on_master = ABC
        .replacen("dist/spark-4.3.0-bin-hadoop3.tgz", SPARK35, 1)
        .replacen(
            "roles = [\"zookeeper\", \"master\", \"worker\"]",
            "roles = [\"zookeeper\", \"master\", \"mesos-dispatcher\"]",
            1,
        )
        + "\n[mesos]\nmaster = \"mesos://m:5050\"\n";
    let err = parse_str(&on_master).unwrap_err();
    assert!(
        err.contains("7077") && err.contains("mesos.port"),
        "{}",
        err
    );
    let err = parse_str(&format!("{}\n[mesos]\nmaster = \"mesos://m:5050\"\n", ABC)).unwrap_err();
    assert!(
        err.starts_with("error: [mesos] is set but no host has the `mesos-dispatcher` role"),
        "{}",
        err
    );
}
