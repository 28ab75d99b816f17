//! The binary's error messages and exit codes for bad input: each one is a
//! feature, tested through the real CLI. No hosts needed.

mod common;
use common::*;

fn deploy_err(name: &str, inventory: &str) -> (Option<i32>, String) {
    let p = write_temp(name, inventory);
    let out = sparkctl(&["deploy", p.to_str().unwrap()]);
    (
        out.status.code(),
        text(&out.stderr).replace(p.to_str().unwrap(), "INV"),
    )
}

const GOOD: &str = "[spark]\ntarball = \"/nonexistent/spark-4.3.0-bin-hadoop3.tgz\"\n[zookeeper]\ntarball = \"/nonexistent/apache-zookeeper-3.8.4-bin.tar.gz\"\n\
[[host]]\nname = \"a\"\nroles = [\"zookeeper\", \"master\", \"worker\"]\n\
[[host]]\nname = \"b\"\nroles = [\"zookeeper\", \"master\", \"worker\"]\n\
[[host]]\nname = \"c\"\nroles = [\"zookeeper\", \"worker\"]\n";

#[test]
fn toml_syntax_error_points_at_line_and_column() {
    let (code, err) = deploy_err("syntax.toml", "[spark]\ntarball = \"x.tgz\n");
    assert_eq!(code, Some(2));
    assert!(err.starts_with("error: "), "{}", err);
    assert!(err.contains(" --> INV:2:"), "{}", err);
}

#[test]
fn unknown_key_with_suggestion() {
    let (code, err) = deploy_err(
        "unknown.toml",
        &GOOD.replace("[spark]\n", "[spark]\nworker_memroy = \"1g\"\n"),
    );
    assert_eq!(code, Some(2));
    assert_eq!(err, "error: unknown key `worker_memroy`\n --> INV:2:1\n  |\n2 | worker_memroy = \"1g\"\n  | ^^^^^^^^^^^^^\n  = help: did you mean `worker_memory`?\n");
}

#[test]
fn missing_required_field() {
    let (code, err) = deploy_err("missing.toml", &GOOD.replace("name = \"c\"\n", ""));
    assert_eq!(code, Some(2));
    assert!(
        err.starts_with("error: missing field `name`\n  --> INV:"),
        "{}",
        err
    );
}

#[test]
fn duplicate_host() {
    let (code, err) = deploy_err("dup.toml", &GOOD.replace("name = \"c\"", "name = \"b\""));
    assert_eq!(code, Some(2));
    assert!(
        err.starts_with("error: duplicate host name `b`\n  --> INV:12:8\n"),
        "{}",
        err
    );
}

#[test]
fn ha_without_zookeeper_hosts() {
    let (code, err) = deploy_err("nozk.toml", &GOOD.replace("\"zookeeper\", ", ""));
    assert_eq!(code, Some(2));
    assert!(err.starts_with("error: HA mode `zookeeper` needs ZooKeeper, but no host has the `zookeeper` role (masters: a, b)\n"), "{}", err);
}

#[test]
fn even_zookeeper_count() {
    let (code, err) = deploy_err(
        "evenzk.toml",
        &GOOD.replace(
            "roles = [\"zookeeper\", \"worker\"]",
            "roles = [\"worker\"]",
        ),
    );
    assert_eq!(code, Some(2));
    assert!(err.contains("error: HA mode `zookeeper` needs an odd number of ZooKeeper hosts, at least 3; found 2 (a, b)"), "{}", err);
    assert!(
        err.contains("= help: a quorum of N servers survives (N-1)/2 failures"),
        "{}",
        err
    );
}

#[test]
fn two_services_on_one_port() {
    let (code, err) = deploy_err(
        "port.toml",
        &GOOD.replace("[zookeeper]\n", "[zookeeper]\nclient_port = 7077\n"),
    );
    assert_eq!(code, Some(2));
    assert!(err.contains("error: port 7077 on host `a` is used by both the Spark master (master_port) and ZooKeeper clients (client_port)\n --> INV:4:15\n"), "{}", err);
}

#[test]
fn tarball_missing() {
    let (code, err) = deploy_err("notar.toml", GOOD);
    assert_eq!(code, Some(2));
    assert!(err.starts_with("error: Spark tarball /nonexistent/spark-4.3.0-bin-hadoop3.tgz cannot be read: No such file or directory (os error 2)\n  = note: set by [spark] in INV\n"), "{}", err);
}

#[test]
fn checksum_mismatch_refused_before_any_host() {
    let tb = write_temp("spark-4.3.0-bin-test.tgz", "this is not spark");
    let inv = GOOD
        .replace(
            "/nonexistent/spark-4.3.0-bin-hadoop3.tgz",
            tb.to_str().unwrap(),
        )
        .replace(
            "[spark]\n",
            &format!("[spark]\nsha256 = \"{}\"\n", "ab".repeat(32)),
        );
    let (code, err) = deploy_err("sum.toml", &inv);
    assert_eq!(code, Some(2));
    assert!(
        err.starts_with(&format!(
            "error: checksum mismatch for {}\n  = expected sha256 {}\n",
            tb.display(),
            "ab".repeat(32)
        )),
        "{}",
        err
    );
}

#[test]
fn every_example_inventory_checks() {
    for e in std::fs::read_dir(root().join("inventories")).unwrap() {
        let p = e.unwrap().path();
        let out = sparkctl(&["check", p.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{}", p.display());
    }
}

#[test]
fn bad_flag_is_usage_error() {
    let out = sparkctl(&["deploy", "--parallel", "0"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn unknown_host_in_skip_or_limit_is_usage_error_before_anything() {
    // Checked right after the inventory: before the (missing) tarball, and
    // for every command that takes the flags.
    let p = write_temp("select.toml", GOOD);
    let inv = p.to_str().unwrap();
    for cmd in [
        &["deploy"][..],
        &["start"],
        &["stop"],
        &["restart"],
        &["status"],
        &["ha", "status"],
    ] {
        let out = sparkctl(&[cmd, &[inv, "--skip", "a,cc"]].concat());
        assert_eq!(out.status.code(), Some(2), "{:?}", cmd);
        assert_eq!(
            text(&out.stderr),
            "error: --skip: no host named `cc` in the inventory\n  = help: did you mean `c`? the inventory's hosts are: a, b, c; roles: zookeeper, masters, workers; or a glob such as `a*`\n",
            "{:?}",
            cmd
        );
    }
    let out = sparkctl(&[
        "deploy", inv, "--limit", "a", "--limit", "b", "--skip", "a,b",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "error: --limit and --skip leave no host to work on\n"
    );
}

#[test]
fn limit_and_skip_take_roles_and_globs() {
    let p = write_temp("select-roles.toml", GOOD);
    let inv = p.to_str().unwrap();
    // Accepted: deploy goes on to the (missing) tarball, which it reads
    // only after the selection was resolved.
    for words in [
        ["--limit", "masters,c*"],
        ["--limit", "worker"],
        ["--skip", "[ab]"],
    ] {
        let out = sparkctl(&["deploy", inv, words[0], words[1]]);
        assert_eq!(out.status.code(), Some(2), "{:?}", words);
        assert!(
            text(&out.stderr).starts_with("error: Spark tarball /nonexistent/"),
            "{:?}",
            words
        );
    }
    // Refused before anything else, naming the flag and the word.
    let cases = [
        (
            ["--skip", "history"],
            "error: --skip: no host in the inventory has the role `history`\n  = help: the roles are: zookeeper (a, b, c), masters (a, b), workers (a, b, c)\n",
        ),
        (
            ["--limit", "web*"],
            "error: --limit: `web*` matches no host in the inventory\n  = help: the inventory's hosts are: a, b, c\n",
        ),
    ];
    for (words, want) in &cases {
        for cmd in [&["status"][..], &["ha", "status"]] {
            let out = sparkctl(&[cmd, &[inv, words[0], words[1]]].concat());
            assert_eq!(out.status.code(), Some(2), "{:?} {:?}", cmd, words);
            assert_eq!(text(&out.stderr), *want, "{:?} {:?}", cmd, words);
        }
    }
    let out = sparkctl(&["deploy", inv, "--skip", "masters,workers"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "error: --limit and --skip leave no host to work on\n"
    );
}

#[test]
fn the_drill_and_ha_enable_take_no_host_selection() {
    // A drill on part of the cluster would prove nothing about failover;
    // enable and disable converge the whole cluster.
    for cmd in [
        &["ha", "drill"][..],
        &["ha", "enable", "--zk"],
        &["ha", "disable"],
    ] {
        let out = sparkctl(&[cmd, &["inv.toml", "--limit", "a"]].concat());
        assert_eq!(out.status.code(), Some(2), "{:?}", cmd);
        assert!(
            text(&out.stderr).starts_with("error: unexpected argument '--limit' found"),
            "{:?}",
            cmd
        );
    }
}

fn check_err(name: &str, inventory: &str) -> (Option<i32>, String) {
    let p = write_temp(name, inventory);
    let out = sparkctl(&["check", p.to_str().unwrap()]);
    (
        out.status.code(),
        text(&out.stderr).replace(p.to_str().unwrap(), "INV"),
    )
}

/// `check` refuses every tarball name `deploy` would (one rule,
/// `dist::check_name`), located at the key that set it.
#[test]
fn check_refuses_tarball_names_deploy_refuses() {
    let spark = "/nonexistent/spark-4.3.0-bin-hadoop3.tgz";
    let (code, err) = check_err(
        "zip.toml",
        &GOOD.replace(spark, "/x/spark-4.3.0-bin-hadoop3.zip"),
    );
    assert_eq!(code, Some(2));
    assert_eq!(err, "error: Spark tarball `spark-4.3.0-bin-hadoop3.zip` is not a .tgz, .tar.gz or .tar file\n --> INV:2:11\n  |\n2 | tarball = \"/x/spark-4.3.0-bin-hadoop3.zip\"\n  |           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n  = help: sparkctl unpacks tar archives (gzip-compressed or not): use the release's .tgz or .tar.gz, like spark-4.3.0-bin-hadoop3.tgz\n");
    for (bad, c) in [
        ("spark`id`.tgz", "`"),
        ("spark;rm.tgz", ";"),
        ("spark'x.tgz", "'"),
    ] {
        let (code, err) = check_err("chars.toml", &GOOD.replace(spark, &format!("/x/{}", bad)));
        assert_eq!(code, Some(2), "{}", bad);
        assert!(
            err.starts_with(&format!(
                "error: Spark tarball name `{}` contains `{}`\n --> INV:2:11\n",
                bad, c
            )),
            "{}",
            err
        );
        assert!(err.contains("  = help: the name becomes a directory on the hosts and appears in their scripts: rename the file to letters, digits and . _ + - only, like spark-4.3.0-bin-hadoop3.tgz\n"), "{}", err);
    }
    // A newline, from a TOML escape.
    let (code, err) = check_err("nl.toml", &GOOD.replace(spark, "/x/spark\\nx.tgz"));
    assert_eq!(code, Some(2));
    assert!(
        err.starts_with(
            "error: Spark tarball name `spark\\nx.tgz` contains `\\n`\n --> INV:2:11\n"
        ),
        "{}",
        err
    );
    let (code, err) = check_err(
        "zkname.toml",
        &GOOD.replace(
            "/nonexistent/apache-zookeeper-3.8.4-bin.tar.gz",
            "/x/zk-bin.tar.gz",
        ),
    );
    assert_eq!(code, Some(2));
    assert_eq!(err, "error: cannot read the ZooKeeper version from the tarball name `zk-bin.tar.gz`\n --> INV:4:11\n  |\n4 | tarball = \"/x/zk-bin.tar.gz\"\n  |           ^^^^^^^^^^^^^^^^^^\n  = help: name the file as Apache does, apache-zookeeper-X.Y.Z-bin.tar.gz (or zookeeper-X.Y.Z-bin.tar.gz): the version decides the Java the hosts need\n");
    let (code, err) = check_err(
        "zkzip.toml",
        &GOOD.replace(
            "/nonexistent/apache-zookeeper-3.8.4-bin.tar.gz",
            "/x/apache-zookeeper-3.8.4-bin.zip",
        ),
    );
    assert_eq!(code, Some(2));
    assert!(err.starts_with("error: ZooKeeper tarball `apache-zookeeper-3.8.4-bin.zip` is not a .tgz, .tar.gz or .tar file\n --> INV:4:11\n"), "{}", err);
    // A URL's name is read without its query.
    let (code, err) = check_err(
        "urlname.toml",
        &GOOD.replace(
            &format!("tarball = \"{}\"", spark),
            &format!(
                "url = \"https://m/dl?file=spark.tgz\"\nsha512 = \"{}\"",
                "ab".repeat(64)
            ),
        ),
    );
    assert_eq!(code, Some(2));
    assert!(
        err.starts_with(
            "error: Spark tarball `dl` is not a .tgz, .tar.gz or .tar file\n --> INV:2:7\n"
        ),
        "{}",
        err
    );
}

/// A URL with a `?query` names its file by the path alone: `check` renders,
/// and `deploy` downloads it under that name (the bad checksum then stops it).
#[test]
fn url_with_query_names_the_file_by_its_path() {
    let tb = write_temp("spark-4.3.0-bin-q.tgz", "not spark");
    let url = format!("file://{}?token=abc#x", tb.display());
    let inv = GOOD.replace(
        "tarball = \"/nonexistent/spark-4.3.0-bin-hadoop3.tgz\"",
        &format!("url = \"{}\"\nsha256 = \"{}\"", url, "ab".repeat(32)),
    );
    let p = write_temp("query.toml", &inv);
    let out = sparkctl(&["check", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let cache = tb.parent().unwrap().join("query-cache");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sparkctl"))
        .args(["deploy", p.to_str().unwrap()])
        .env("SPARKCTL_PLAIN", "1")
        .env("SPARKCTL_CACHE", &cache)
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{}", err);
    assert!(err.starts_with(&format!("error: checksum mismatch for {}/downloads/abababababababab/.spark-4.3.0-bin-q.tgz.part", cache.display())), "{}", err);
}

/// `sparkctl check x.toml | true`: stdout closed before sparkctl writes.
/// It used to panic (exit 101, "failed printing to stdout: Broken pipe");
/// now the output is dropped and the command keeps its own exit code.
#[test]
fn closed_stdout_is_not_a_crash() {
    let inv = root().join("inventories/abc.toml");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_sparkctl"))
        .args(["check", inv.to_str().unwrap()])
        .env("SPARKCTL_PLAIN", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Close the reading end before sparkctl has parsed the inventory.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stderr), "");
}

/// The bad-input refusals of issue 10, 4 are inventory errors: exit 2,
/// located, from `check` as from `deploy`.
#[test]
fn bad_input_is_refused_by_check_with_exit_2() {
    let cases: Vec<(String, &str)> = vec![
        (
            GOOD.replace("name = \"a\"\n", "name = \"a\"\naddress = \"fd00::1\"\n"),
            "error: address `fd00::1` is an IPv6 literal: IPv6 literals are not supported yet\n --> INV:7:11\n",
        ),
        (
            GOOD.replace("name = \"a\"\n", "name = \"a\"\naddress = \"10.0.0.1:22\"\n"),
            "error: address `10.0.0.1:22` has a port (`:22`)\n --> INV:7:11\n",
        ),
        (
            GOOD.replace("name = \"b\"", "name = \"node_b\""),
            "error: host name `node_b` (the address, as `address` is not set) contains `_`\n --> INV:9:8\n",
        ),
        (
            GOOD.replace("[zookeeper]\n", "[zookeeper]\ntick_time = 2147483648\nmax_session_timeout = 4000\n"),
            "error: tick_time = 2147483648 is above 2147483647, the largest value ZooKeeper reads (a Java int)\n --> INV:4:13\n",
        ),
        (
            format!("[cluster]\ntemplates = \"/nonexistent/tpl\"\n{}", GOOD),
            "error: templates directory `/nonexistent/tpl` cannot be read: No such file or directory (os error 2)\n --> INV:2:13\n",
        ),
        (
            GOOD.replace("[zookeeper]\n", "[zookeeper]\nextra = { \"4lw.commands.whitelist\" = \"*\" }\n"),
            "error: `4lw.commands.whitelist` is managed by sparkctl\n --> INV:4:38\n",
        ),
        (
            GOOD.replace("[spark]\n", "[spark]\ndefaults = { \"spark.master.rest.enabled\" = \"true\" }\n"),
            "error: `spark.master.rest.enabled` is managed by sparkctl\n --> INV:2:44\n",
        ),
        (
            format!("[cluster]\nname = \"{}\"\n{}", "n".repeat(300), GOOD),
            "error: cluster name is 300 characters long, more than 128\n --> INV:2:8\n",
        ),
    ];
    for (inv, want) in cases {
        for cmd in ["check", "deploy"] {
            let p = write_temp("bad-input.toml", &inv);
            let out = sparkctl(&[cmd, p.to_str().unwrap()]);
            let err = text(&out.stderr).replace(p.to_str().unwrap(), "INV");
            assert_eq!(out.status.code(), Some(2), "{}: {}", cmd, err);
            assert!(err.starts_with(want), "{}: {}", cmd, err);
        }
    }
}

fn sparkctl_env(args: &[&str], inventory: Option<&str>) -> std::process::Output {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_sparkctl"));
    c.args(args).env("SPARKCTL_PLAIN", "1");
    match inventory {
        Some(p) => c.env("SPARKCTL_INVENTORY", p),
        None => c.env_remove("SPARKCTL_INVENTORY"),
    };
    c.output().unwrap()
}

/// `sparkctl completions SHELL`: each script starts as that shell expects.
#[test]
fn completions_for_each_shell() {
    for (shell, first) in [
        ("bash", "_sparkctl() {"),
        ("zsh", "#compdef sparkctl"),
        (
            "fish",
            "# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.",
        ),
    ] {
        let out = sparkctl(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{}", shell);
        assert_eq!(text(&out.stderr), "", "{}", shell);
        let script = text(&out.stdout);
        assert_eq!(script.lines().next(), Some(first), "{}", shell);
        assert!(script.contains("rest-token"), "{}", shell);
    }
    let out = sparkctl(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
}

/// `sparkctl man`: a roff page titled sparkctl, listing the subcommands.
#[test]
fn man_page_is_roff() {
    let out = sparkctl(&["man"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stderr), "");
    let page = text(&out.stdout);
    assert!(page.contains("\n.TH sparkctl 1 "), "{}", page);
    for sub in ["deploy", "status", "ha", "check", "completions", "version"] {
        assert!(page.contains(sub), "{}: {}", sub, page);
    }
}

/// `--version`, `-V` and `sparkctl version`: the version, the commit and the
/// supported ranges; `version` prints exactly what `--version` does.
#[test]
fn version_text() {
    let long = text(&sparkctl(&["--version"]).stdout);
    let head = format!("sparkctl {} (commit ", env!("CARGO_PKG_VERSION"));
    assert!(long.starts_with(&head), "{}", long);
    let lines: Vec<&str> = long.lines().collect();
    assert_eq!(lines.len(), 3, "{}", long);
    assert!(lines[0].ends_with(')'), "{}", long);
    assert_eq!(lines[1], "Spark:     2.4 and newer (tested: 4.3.0)");
    assert_eq!(lines[2], "ZooKeeper: 3.5 and newer (tested: 3.8.0)");
    let out = sparkctl(&["version"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), long);
    let short = text(&sparkctl(&["-V"]).stdout);
    assert_eq!(short, format!("{}\n", lines[0]));
}

/// `sparkctl version --json`: the shape docs/operations.md documents.
#[test]
fn version_json() {
    let out = sparkctl(&["version", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
    let commit = v["commit"].as_str().unwrap();
    assert!(!commit.is_empty());
    let long = text(&sparkctl(&["--version"]).stdout);
    assert!(long.contains(&format!("(commit {})", commit)), "{}", long);
    assert_eq!(
        v["spark"],
        serde_json::json!({"min": "2.4", "max": null, "tested": "4.3.0"})
    );
    assert_eq!(
        v["zookeeper"],
        serde_json::json!({"min": "3.5", "max": null, "tested": "3.8.0"})
    );
    assert_eq!(v.as_object().unwrap().len(), 4);
}

/// `SPARKCTL_INVENTORY` is the inventory when no argument is given; an
/// argument wins over it; without either, ./inventory.toml.
#[test]
fn inventory_from_environment() {
    let abc = root().join("inventories/abc.toml");
    let abc = abc.to_str().unwrap();
    let ok = format!("{}: ok (3 hosts, HA zookeeper, 2 masters, 3 workers, 3 ZooKeeper servers, 17 files rendered)\n", abc);
    let out = sparkctl_env(&["check"], Some(abc));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), ok);
    let out = sparkctl_env(&["check", abc], Some("/nonexistent/env.toml"));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), ok);
    let out = sparkctl_env(&["check"], Some("/nonexistent/env.toml"));
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "error: cannot read inventory /nonexistent/env.toml: No such file or directory (os error 2)\n"
    );
    let dir = write_temp("env-default.keep", "")
        .parent()
        .unwrap()
        .join("env-default");
    std::fs::create_dir_all(&dir).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sparkctl"))
        .arg("check")
        .current_dir(&dir)
        .env_remove("SPARKCTL_INVENTORY")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "error: cannot read inventory inventory.toml: No such file or directory (os error 2)\n"
    );
}

/// With the cluster secret on, check says the Mesos dispatcher listens on
/// its host's loopback alone; without it, nothing is said.
#[test]
fn check_notes_the_loopback_bound_mesos_dispatcher() {
    let inv = root().join("tests/golden-inventories/mesos-auth.toml");
    let out = sparkctl(&["check", inv.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("\nnote: the Mesos dispatcher on d listens on 127.0.0.1 only (ports 7077 and 8081): with `authenticate = true` in [spark], which Spark's dispatcher does not enforce, its submission port and UI would otherwise take drivers and requests from anyone who reaches them; submit on d (`spark-submit --master mesos://127.0.0.1:7077`) or through an SSH tunnel\n"),
        "{}",
        text(&out.stdout)
    );
    assert!(!root()
        .join("tests/golden-inventories/mesos-auth.secret")
        .exists());
    let inv = root().join("tests/golden-inventories/mesos.toml");
    let out = sparkctl(&["check", inv.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        !text(&out.stdout).contains("127.0.0.1"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn check_show_prints_rendered_files() {
    let abc = root().join("inventories/abc.toml");
    let abc = abc.to_str().unwrap();
    let out = sparkctl(&["check", abc, "--show", "a:myid"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "==> /var/lib/zookeeper/myid <==\n1\n");
    let out = sparkctl(&["check", abc, "--show", "zz"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "error: --show zz: no host `zz` in the inventory\n  = help: expected HOST or HOST:FILE, with HOST one of: a, b, c\n"
    );
    let out = sparkctl(&["check", abc, "--show", "a:nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "error: --show a:nope: host a has no rendered file `nope`\n  = help: its files are: spark-env.sh, spark-defaults.conf, workers, zoo.cfg, java.env, myid\n"
    );
}

/// Run sparkctl with extra environment variables (and without the ones
/// that could colour its output by accident).
fn sparkctl_colour(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_sparkctl"));
    c.args(args)
        .env("SPARKCTL_PLAIN", "1")
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("CLICOLOR");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

/// `--color always` colours sparkctl's diagnostics and clap's errors;
/// `never`, NO_COLOR (set and not empty) and a pipe by default do not.
#[test]
fn color_flag_and_no_color() {
    let p = write_temp(
        "colour.toml",
        &GOOD.replace("[spark]\n", "[spark]\nworker_memroy = \"1g\"\n"),
    );
    let inv = p.to_str().unwrap();
    let plain = "error: unknown key `worker_memroy`\n --> INV:2:1\n  |\n2 | worker_memroy = \"1g\"\n  | ^^^^^^^^^^^^^\n  = help: did you mean `worker_memory`?\n";
    let err = |o: &std::process::Output| text(&o.stderr).replace(inv, "INV");
    let o = sparkctl_colour(&["check", inv, "--color", "always"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(err(&o), "\u{1b}[1m\u{1b}[31merror\u{1b}[0m: unknown key `worker_memroy`\n \u{1b}[1m\u{1b}[34m-->\u{1b}[0m INV:2:1\n  \u{1b}[1m\u{1b}[34m|\u{1b}[0m\n\u{1b}[1m\u{1b}[34m2\u{1b}[0m \u{1b}[1m\u{1b}[34m|\u{1b}[0m worker_memroy = \"1g\"\n  \u{1b}[1m\u{1b}[34m|\u{1b}[0m \u{1b}[1m\u{1b}[31m^^^^^^^^^^^^^\u{1b}[0m\n  \u{1b}[1m\u{1b}[34m=\u{1b}[0m \u{1b}[1mhelp\u{1b}[0m: did you mean `worker_memory`?\n");
    // --color always wins over NO_COLOR, as no-color.org asks.
    let o = sparkctl_colour(&["--color=always", "check", inv], &[("NO_COLOR", "1")]);
    assert!(err(&o).contains("\u{1b}[31merror"), "{}", err(&o));
    for (args, env) in [
        (
            vec!["check", inv, "--color", "never"],
            vec![("CLICOLOR_FORCE", "1")],
        ),
        (
            vec!["check", inv],
            vec![("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")],
        ),
        (vec!["check", inv], vec![]),
    ] {
        let o = sparkctl_colour(&args, &env);
        assert_eq!(o.status.code(), Some(2));
        assert_eq!(err(&o), plain, "{:?} {:?}", args, env);
    }
    // An empty NO_COLOR does not count: auto colours where forced.
    let o = sparkctl_colour(
        &["check", inv],
        &[("NO_COLOR", ""), ("CLICOLOR_FORCE", "1")],
    );
    assert!(err(&o).contains("\u{1b}[31merror"), "{}", err(&o));
    // clap's own errors follow the same setting, and so do errors built
    // as text (UsageError).
    let o = sparkctl_colour(&["--color", "always", "deploy", "--parallel", "0"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("\u{1b}["), "{}", text(&o.stderr));
    let o = sparkctl_colour(
        &["--color", "never", "deploy", "--parallel", "0"],
        &[("CLICOLOR_FORCE", "1")],
    );
    assert!(!text(&o.stderr).contains('\u{1b}'), "{}", text(&o.stderr));
    let abc = root().join("inventories/abc.toml");
    let o = sparkctl_colour(
        &[
            "check",
            abc.to_str().unwrap(),
            "--show",
            "zz",
            "--color=always",
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(text(&o.stderr), "\u{1b}[1m\u{1b}[31merror\u{1b}[0m: --show zz: no host `zz` in the inventory\n  \u{1b}[1m\u{1b}[34m=\u{1b}[0m \u{1b}[1mhelp\u{1b}[0m: expected HOST or HOST:FILE, with HOST one of: a, b, c\n");
    let o = sparkctl_colour(&["--color", "purple", "check"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("invalid value 'purple' for '--color <WHEN>'"),
        "{}",
        text(&o.stderr)
    );
}

/// A fresh empty directory for `init` to write into.
fn init_dir(tag: &str) -> std::path::PathBuf {
    let dir = write_temp("init.keep", "").parent().unwrap().join(tag);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn sparkctl_in(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_sparkctl"))
        .args(args)
        .current_dir(dir)
        .env("SPARKCTL_PLAIN", "1")
        .env_remove("SPARKCTL_INVENTORY")
        .output()
        .unwrap()
}

/// `sparkctl init`: the classic three hosts, a file `check` accepts and
/// `deploy` refuses only for the placeholder tarball; never overwritten
/// without --force.
#[test]
fn init_writes_the_classic_layout() {
    let dir = init_dir("init-default");
    let out = sparkctl_in(&dir, &["init"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stderr), "");
    assert_eq!(
        text(&out.stdout),
        "wrote inventory.toml: 3 hosts; ZooKeeper on a, b, c; masters on a, b; workers on a, b, c\n\
next: replace the values marked PLACEHOLDER (the Spark tarball, the ZooKeeper tarball, the host addresses): `sparkctl check` accepts placeholder tarballs, `sparkctl deploy` fails until they name real files\n\
then: sparkctl check inventory.toml && sparkctl deploy --dry-run inventory.toml\n"
    );
    let inv = std::fs::read_to_string(dir.join("inventory.toml")).unwrap();
    assert!(inv.contains("described in docs/inventory.md"), "{}", inv);
    assert!(
        inv.contains("`sparkctl deploy` stops with \"tarball ... cannot\n# be read\""),
        "{}",
        inv
    );
    assert_eq!(inv.matches("# PLACEHOLDER").count(), 5, "{}", inv);
    assert!(inv.contains("name = \"c\"\naddress = \"192.0.2.13\"  # PLACEHOLDER: this host's address or DNS name\nroles = [\"zookeeper\", \"worker\"]\n"), "{}", inv);
    let out = sparkctl_in(&dir, &["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "inventory.toml: ok (3 hosts, HA zookeeper, 2 masters, 3 workers, 3 ZooKeeper servers, 17 files rendered)\n");
    // What the comments say: deploy stops at the placeholder tarball,
    // before any host is contacted.
    let out = sparkctl_in(&dir, &["deploy"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).starts_with("error: Spark tarball /path/to/spark-4.3.0-bin-hadoop3.tgz cannot be read: No such file or directory (os error 2)\n"), "{}", text(&out.stderr));
    // Never overwritten without --force.
    std::fs::write(dir.join("inventory.toml"), "mine\n").unwrap();
    let out = sparkctl_in(&dir, &["init"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(text(&out.stdout), "");
    assert_eq!(
        text(&out.stderr),
        "error: inventory.toml already exists: not replaced\n  = help: pass --force to replace it, or give another PATH\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("inventory.toml")).unwrap(),
        "mine\n"
    );
    let out = sparkctl_in(&dir, &["init", "--force"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read_to_string(dir.join("inventory.toml")).unwrap(),
        inv
    );
    // No temporary file is left beside it.
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["inventory.toml"]);
}

/// `init -` with hosts and tarballs: the file on stdout, the notes on
/// stderr; no PLACEHOLDER left, and `check` accepts it.
#[test]
fn init_with_hosts_to_stdout() {
    let dir = init_dir("init-hosts");
    let out = sparkctl_in(
        &dir,
        &[
            "init",
            "-",
            "--host",
            "m1=10.0.0.1",
            "--host",
            "m2=10.0.0.2",
            "--host",
            "w1",
            "--host",
            "w2=w2.example.com",
            "--host",
            "w3",
            "--masters",
            "2",
            "--zookeeper",
            "3",
            "--spark-tarball",
            "dist/spark-3.5.3-bin-hadoop3.tgz",
            "--zookeeper-tarball",
            "dist/apache-zookeeper-3.8.4-bin.tar.gz",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stderr),
        "then: sparkctl check inventory.toml && sparkctl deploy --dry-run inventory.toml\n"
    );
    let inv = text(&out.stdout);
    assert!(!inv.contains("PLACEHOLDER"), "{}", inv);
    assert!(
        inv.contains("[spark]\ntarball = \"dist/spark-3.5.3-bin-hadoop3.tgz\"\n"),
        "{}",
        inv
    );
    assert!(
        inv.contains("name = \"w1\"\nroles = [\"zookeeper\", \"worker\"]\n"),
        "{}",
        inv
    );
    assert!(
        inv.contains("name = \"w2\"\naddress = \"w2.example.com\"\nroles = [\"worker\"]\n"),
        "{}",
        inv
    );
    std::fs::write(dir.join("five.toml"), &inv).unwrap();
    let out = sparkctl_in(&dir, &["check", "five.toml"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "five.toml: ok (5 hosts, HA zookeeper, 2 masters, 5 workers, 3 ZooKeeper servers, 21 files rendered)\n");
    // One host: one master, no ZooKeeper.
    let out = sparkctl_in(&dir, &["init", "one.toml", "--host", "solo"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("wrote one.toml: 1 host; master on solo; workers on solo\nnext: replace the values marked PLACEHOLDER (the Spark tarball): "), "{}", text(&out.stdout));
}

/// `init --hosts a,b --masters/--workers/--zk NAMES`: dedicated hosts per
/// role; a name that is not a host is refused, naming the flag.
#[test]
fn init_with_named_roles() {
    let dir = init_dir("init-named");
    let out = sparkctl_in(
        &dir,
        &[
            "init",
            "dedicated.toml",
            "--hosts",
            "m1,m2,w1",
            "--hosts",
            "w2,w3",
            "--masters",
            "m1,m2",
            "--workers",
            "w1,w2,w3",
            "--zk",
            "m1,m2,w1",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("wrote dedicated.toml: 5 hosts; ZooKeeper on m1, m2, w1; masters on m1, m2; workers on w1, w2, w3\n"),
        "{}",
        text(&out.stdout)
    );
    let inv = std::fs::read_to_string(dir.join("dedicated.toml")).unwrap();
    assert!(
        inv.contains("name = \"m2\"\nroles = [\"zookeeper\", \"master\"]\n")
            && inv.contains("name = \"w3\"\nroles = [\"worker\"]\n"),
        "{}",
        inv
    );
    let out = sparkctl_in(&dir, &["check", "dedicated.toml"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = sparkctl_in(&dir, &["init", "x.toml", "--masters", "a,master9"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "error: --masters: no host `master9` among the inventory's hosts\n  = help: the hosts are: a, b, c (add one with --host NAME[=ADDRESS])\n"
    );
    let out = sparkctl_in(&dir, &["init", "x.toml", "--workers", "a,,b"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).starts_with("error: invalid value 'a,,b' for '--workers <N|HOSTS>': expected a count N or host names separated by commas, e.g. a,b\n"),
        "{}",
        text(&out.stderr)
    );
    assert!(!dir.join("x.toml").exists());
}

/// What the inventory would refuse, init refuses, and writes nothing.
#[test]
fn init_refuses_what_check_would() {
    let dir = init_dir("init-bad");
    let out = sparkctl_in(
        &dir,
        &[
            "init",
            "--host",
            "a",
            "--host",
            "b",
            "--host",
            "c",
            "--zookeeper",
            "2",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).starts_with("error: HA mode `zookeeper` needs an odd number of ZooKeeper hosts, at least 3; found 2 (a, b)\n"), "{}", text(&out.stderr));
    let out = sparkctl_in(&dir, &["init", "--host", "node_b"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).starts_with(
            "error: host name `node_b` (the address, as `address` is not set) contains `_`\n"
        ),
        "{}",
        text(&out.stderr)
    );
    let out = sparkctl_in(&dir, &["init", "--masters", "4"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(text(&out.stderr), "error: --masters 4: the inventory has 3 hosts\n  = help: add hosts with --host NAME[=ADDRESS] (once per host) or --hosts a,b,c\n");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
}

/// `sparkctl submit`'s usage errors: judged before any host is contacted.
fn submit_err(args: &[&str]) -> (Option<i32>, String, String) {
    submit_err_with(GOOD, args)
}

fn submit_err_with(inventory: &str, args: &[&str]) -> (Option<i32>, String, String) {
    // One file per call: the tests run in parallel.
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let p = write_temp(&format!("submit-{}.toml", n), inventory);
    let p = p.to_str().unwrap();
    let mut all = vec!["submit", p];
    all.extend_from_slice(args);
    let out = sparkctl(&all);
    (
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr).replace(p, "INV"),
    )
}

#[test]
fn submit_refuses_a_master_url_of_its_own() {
    let (code, out, err) =
        submit_err(&["--", "--master", "spark://x:7077", "--class", "A", "a.jar"]);
    assert_eq!(code, Some(2));
    assert_eq!(out, "");
    assert_eq!(
        err,
        "error: `--master` is not a spark-submit argument sparkctl passes on\n  = help: sparkctl fills in the cluster's master URL from the inventory (see docs/submit.md); remove it\n"
    );
    let (code, _, err) = submit_err(&["--", "--master=local[2]", "a.jar"]);
    assert_eq!(code, Some(2));
    assert!(err.starts_with("error: `--master` is not"), "{}", err);
}

#[test]
fn submit_status_and_kill_are_one_or_the_other() {
    let (code, _, err) = submit_err(&["--status", "driver-1", "--kill", "driver-1"]);
    assert_eq!(code, Some(2));
    assert!(
        err.starts_with("error: the argument '--status <ID>' cannot be used with '--kill <ID>'\n"),
        "{}",
        err
    );
}

#[test]
fn submit_refuses_python_and_r_in_cluster_mode() {
    let (code, _, err) = submit_err(&[
        "--deploy-mode",
        "cluster",
        "--",
        "--py-files",
        "x.zip",
        "job.py",
    ]);
    assert_eq!(code, Some(2));
    assert_eq!(
        err,
        "error: Cluster deploy mode is currently not supported for python applications on standalone clusters.\n  = help: submit it in client mode (the default): the driver then runs on the --on host\n"
    );
    let (code, _, err) = submit_err(&["--deploy-mode", "cluster", "--", "job.R"]);
    assert_eq!(code, Some(2));
    assert!(
        err.starts_with("error: Cluster deploy mode is currently not supported for R applications on standalone clusters.\n"),
        "{}",
        err
    );
}

#[test]
fn submit_names_the_hosts_it_can_run_on() {
    let (code, _, err) = submit_err(&["--on", "zz", "--", "--class", "A", "a.jar"]);
    assert_eq!(code, Some(2));
    assert_eq!(
        err,
        "error: INV: no host `zz` in the inventory\n  = help: --on takes an inventory host name: a, b, c\n"
    );
    let zk_only = GOOD.replace(
        "name = \"c\"\nroles = [\"zookeeper\", \"worker\"]",
        "name = \"c\"\nroles = [\"zookeeper\"]",
    );
    let (code, _, err) = submit_err_with(&zk_only, &["--on", "c", "--", "a.jar"]);
    assert_eq!(code, Some(2));
    assert_eq!(
        err,
        "error: INV: host `c` has no Spark installed (it is neither a master nor a worker)\n  = help: submit from a host with Spark: a, b\n"
    );
    let (code, _, err) = submit_err(&["--", "--class", "A"]);
    assert_eq!(code, Some(2));
    assert!(
        err.starts_with("error: no application to submit"),
        "{}",
        err
    );
}

#[test]
fn submit_status_needs_the_rest_server() {
    let (code, _, err) = submit_err(&["--status", "driver-20261203172233-0000"]);
    assert_eq!(code, Some(2));
    assert_eq!(
        err,
        "error: INV: `sparkctl submit --status` asks the masters' REST submission server, which is off (`rest` is not true in [spark])\n  = help: add `rest = true` to [spark] and deploy (with `authenticate = true` the server admits only requests sparkctl signs)\n"
    );
}

/// An inventory whose one host refuses SSH at once (port 1 on this
/// machine): deploy gets as far as connecting, then fails, with no host
/// needed. Its tarballs are made-up files with the names deploy accepts.
fn refusing_inventory(tag: &str) -> std::path::PathBuf {
    let spark = write_temp(&format!("{}-spark-4.3.0-bin-hadoop3.tgz", tag), "x");
    let zk = write_temp(&format!("{}-apache-zookeeper-3.8.4-bin.tar.gz", tag), "x");
    write_temp(
        &format!("{}.toml", tag),
        &format!(
            "[ssh]\nport = 1\nconnect_timeout = 2\n[spark]\ntarball = \"{}\"\n[zookeeper]\ntarball = \"{}\"\n\
[[host]]\nname = \"a\"\naddress = \"127.0.0.1\"\nroles = [\"zookeeper\", \"master\", \"worker\"]\n",
            spark.display(),
            zk.display()
        ),
    )
}

const REFUSED: &str = "error: host a: cannot connect to 127.0.0.1 over SSH: connect to host 127.0.0.1 port 1: Connection refused\n  = help: nothing listens on the SSH port: is sshd running, and is `ssh_port` right?\nnothing was changed on any host\n";

/// `-q` without a terminal: no step line at all, only the error (exit 1);
/// without it the same run prints its step lines first.
#[test]
fn quiet_prints_only_errors_without_a_terminal() {
    let p = refusing_inventory("quiet");
    let inv = p.to_str().unwrap();
    let o = sparkctl(&["deploy", inv, "-q"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(text(&o.stdout), "");
    assert_eq!(text(&o.stderr), REFUSED);
    let o = sparkctl(&["--quiet", "stop", inv]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(text(&o.stderr), REFUSED);

    let o = sparkctl(&["deploy", inv]);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    let (first, rest) = err.split_once('\n').unwrap();
    assert!(
        first.starts_with("[ ") && first.ends_with("s] connecting to 1 hosts"),
        "{}",
        err
    );
    assert_eq!(rest, REFUSED);
}

/// `-q` keeps a command's own output on stdout (the summary).
#[test]
fn quiet_keeps_the_summary() {
    let p = write_temp("quiet-check.toml", GOOD);
    let o = sparkctl(&["check", "-q", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        text(&o.stdout).replace(p.to_str().unwrap(), "INV"),
        "INV: ok (3 hosts, HA zookeeper, 2 masters, 3 workers, 3 ZooKeeper servers, 17 files rendered)\n"
    );
    assert_eq!(text(&o.stderr), "");
}

/// `-v` traces on stderr, one line per connection attempt (host, address,
/// duration), and nothing on stdout; without it, no trace line.
#[test]
fn verbose_traces_connections_on_stderr() {
    let p = refusing_inventory("verbose");
    let inv = p.to_str().unwrap();
    let o = sparkctl(&["-v", "deploy", inv, "--color", "never"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(text(&o.stdout), "");
    let err = text(&o.stderr);
    let lines: Vec<&str> = err.lines().collect();
    // "   0.003115625s  INFO tarball ready product="Spark" file="..." bytes=1"
    assert!(
        lines[0].contains(
            " INFO tarball ready product=\"Spark\" file=\"verbose-spark-4.3.0-bin-hadoop3.tgz\" bytes=1"
        ),
        "{}",
        err
    );
    assert!(
        lines[2].contains(" INFO tarballs resolved took="),
        "{}",
        err
    );
    assert!(lines[3].ends_with("s] connecting to 1 hosts"), "{}", err);
    // "   0.012345678s  INFO connect failed host="a" address="127.0.0.1" took=0.004s"
    assert!(
        lines[4].contains(" INFO connect failed host=\"a\" address=\"127.0.0.1\" took="),
        "{}",
        err
    );
    assert!(err.ends_with(REFUSED), "{}", err);
    let o = sparkctl(&["deploy", inv]);
    assert!(!text(&o.stderr).contains("INFO"));
    // Traces follow --color like the diagnostics: coloured when asked,
    // plain through a pipe by default.
    let o = sparkctl_colour(&["-v", "--color", "always", "deploy", inv], &[]);
    let err = text(&o.stderr);
    let first = err.lines().next().unwrap();
    assert!(
        first.contains("\x1b[") && first.contains("INFO"),
        "{:?}",
        err
    );
    let o = sparkctl_colour(&["-v", "deploy", inv], &[]);
    assert!(!text(&o.stderr).contains('\x1b'), "{:?}", text(&o.stderr));
}

/// `check --json`: the shape docs/json.md documents, parsed, for an
/// inventory of three hosts; no host is contacted.
#[test]
fn check_json_shape() {
    let p = write_temp("check-json.toml", GOOD);
    let o = sparkctl(&["check", "--json", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(text(&o.stderr), "");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["inventory"], p.to_str().unwrap());
    assert_eq!(v["ha"], "zookeeper");
    assert_eq!(v["master_url"], "spark://a:7077,b:7077");
    assert_eq!(v["rest_url"], serde_json::Value::Null);
    assert_eq!(v["zookeeper_url"], "a:2181,b:2181,c:2181");
    assert_eq!(v["spark_version"], "4.3.0");
    assert_eq!(v["zookeeper_version"], "3.8.4");
    assert_eq!(v["masters"], serde_json::json!(["a", "b"]));
    assert_eq!(v["workers"], serde_json::json!(["a", "b", "c"]));
    assert_eq!(v["zookeeper"], serde_json::json!(["a", "b", "c"]));
    assert_eq!(v["history"], serde_json::json!([]));
    assert_eq!(v["notes"], serde_json::json!([]));
    let hosts = v["hosts"].as_array().unwrap();
    assert_eq!(hosts.len(), 3);
    assert_eq!(hosts[0]["host"], "a");
    assert_eq!(hosts[0]["address"], "a");
    assert_eq!(
        hosts[0]["daemons"],
        serde_json::json!(["zookeeper", "master", "worker"])
    );
    assert_eq!(
        hosts[2]["daemons"],
        serde_json::json!(["zookeeper", "worker"])
    );
    // As many files as plain `check` counts, each with its keys.
    let n: usize = hosts
        .iter()
        .map(|h| h["files"].as_array().unwrap().len())
        .sum();
    assert_eq!(n, 17);
    let zoo = hosts[0]["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["template"] == "zoo.cfg")
        .unwrap();
    assert!(
        zoo["path"].as_str().unwrap().ends_with("/conf/zoo.cfg"),
        "{}",
        zoo
    );
    assert_eq!(zoo["secret"], false);
    assert_eq!(zoo["restarts"], serde_json::json!(["zookeeper"]));
}

/// With `authenticate`, the daemons' properties file is listed as secret,
/// on the hosts that run Spark daemons; no file content is in the JSON.
#[test]
fn check_json_marks_the_secret_file() {
    let inv = GOOD.replace("[spark]\n", "[spark]\nauthenticate = true\n");
    let p = write_temp("check-json-auth.toml", &inv);
    let o = sparkctl(&["check", "--json", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let secret: Vec<&serde_json::Value> = v["hosts"][0]["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["secret"] == true)
        .collect();
    assert_eq!(secret.len(), 1, "{}", v);
    assert!(!text(&o.stdout).contains("spark.authenticate.secret"));
    assert!(!text(&o.stdout).contains("\"content\""));
}

/// `--json` and `--show` are one or the other; a Kubernetes inventory has
/// no JSON report.
#[test]
fn check_json_refusals() {
    let p = write_temp("check-json-show.toml", GOOD);
    let o = sparkctl(&["check", "--json", "--show", "a", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("'--json' cannot be used with '--show <HOST[:FILE]>'"),
        "{}",
        text(&o.stderr)
    );
    let k = root().join("inventories/k8s.toml");
    let o = sparkctl(&["check", "--json", k.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        text(&o.stderr).replace(k.to_str().unwrap(), "INV"),
        "error: check --json: INV is a Kubernetes inventory ([kubernetes]); --json describes SSH inventories only\n  = help: run `sparkctl check INV` without --json, or `sparkctl k8s render` for the manifests\n"
    );
    assert_eq!(text(&o.stdout), "");
}

/// `deploy --json` is only for the dry run (which the lab suites parse:
/// tests/lab.rs, tests/secure.rs).
#[test]
fn deploy_json_needs_dry_run() {
    let p = write_temp("deploy-json.toml", GOOD);
    let o = sparkctl(&["deploy", "--json", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.starts_with(
            "error: the following required arguments were not provided:\n  --dry-run\n"
        ),
        "{}",
        err
    );
}

/// `submit --local` without a usable `SPARK_HOME`: a usage error, before
/// the inventory is read or anything runs.
#[test]
fn submit_local_needs_spark_home() {
    let run = |home: Option<&str>| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_sparkctl"));
        c.args(["submit", "no-such.toml", "--local", "--", "job.py"])
            .env("SPARKCTL_PLAIN", "1");
        match home {
            Some(h) => c.env("SPARK_HOME", h),
            None => c.env_remove("SPARK_HOME"),
        };
        let out = c.output().unwrap();
        (out.status.code(), text(&out.stderr))
    };
    assert_eq!(
        run(None),
        (Some(2), "error: --local runs this machine's spark-submit, but SPARK_HOME is not set\n  = help: export SPARK_HOME=/path/to/spark (a Spark of the cluster's version), or drop --local to submit on a cluster host\n".to_string())
    );
    assert_eq!(
        run(Some("/nonexistent-spark")),
        (Some(2), "error: --local: no executable /nonexistent-spark/bin/spark-submit (SPARK_HOME=/nonexistent-spark)\n  = help: point SPARK_HOME at an unpacked Spark distribution\n".to_string())
    );
    let (code, err) = {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_sparkctl"))
            .args([
                "submit", "x.toml", "--local", "--on", "hosta", "--", "job.py",
            ])
            .output()
            .unwrap();
        (out.status.code(), text(&out.stderr))
    };
    assert_eq!(code, Some(2));
    assert!(
        err.contains("'--local' cannot be used with '--on <HOST>'"),
        "{}",
        err
    );
}

// ---------------------------------------------------------------------------
// logs and ssh: which host and daemon, before any host is contacted
// ---------------------------------------------------------------------------

fn per_host_err(name: &str, args: &[&str]) -> (Option<i32>, String, String) {
    let p = write_temp(name, GOOD);
    let p = p.to_str().unwrap();
    let all: Vec<&str> = args
        .iter()
        .map(|a| if *a == "INV" { p } else { a })
        .collect();
    let out = sparkctl(&all);
    (
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr).replace(p, "INV"),
    )
}

#[test]
fn logs_asks_which_daemon_when_the_host_runs_several() {
    let (code, out, err) = per_host_err("logs-which.toml", &["logs", "INV", "a"]);
    assert_eq!((code, out.as_str()), (Some(2), ""));
    assert_eq!(
        err,
        "error: host `a` runs 3 daemons: say which\n  = help: sparkctl logs INV a DAEMON, DAEMON one of: zookeeper, master, worker\n"
    );
}

#[test]
fn logs_refuses_a_daemon_the_host_does_not_run() {
    let (code, _, err) = per_host_err("logs-none.toml", &["logs", "INV", "c", "master"]);
    assert_eq!(code, Some(2));
    assert_eq!(
        err,
        "error: INV: host `c` runs no master\n  = help: it runs: zookeeper, worker\n"
    );
    let (code, _, err) = per_host_err("logs-unknown.toml", &["logs", "INV", "c", "spark"]);
    assert_eq!(code, Some(2));
    assert_eq!(
        err,
        "error: unknown daemon `spark`\n  = help: host `c` runs: zookeeper, worker\n"
    );
}

#[test]
fn logs_and_ssh_name_the_hosts_of_the_inventory() {
    for cmd in ["logs", "ssh"] {
        let (code, _, err) = per_host_err(&format!("{}-host.toml", cmd), &[cmd, "INV", "zz"]);
        assert_eq!(code, Some(2));
        assert_eq!(
            err,
            format!(
                "error: INV: no host `zz` in the inventory\n  = help: {} takes an inventory host name: a, b, c\n",
                cmd
            )
        );
    }
}

#[test]
fn logs_takes_the_inventory_from_the_environment() {
    // One word: the host; the inventory is $SPARKCTL_INVENTORY.
    let p = write_temp("logs-env.toml", GOOD);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sparkctl"))
        .args(["logs", "c", "master"])
        .env("SPARKCTL_INVENTORY", &p)
        .env("SPARKCTL_PLAIN", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr).replace(p.to_str().unwrap(), "INV"),
        "error: INV: host `c` runs no master\n  = help: it runs: zookeeper, worker\n"
    );
}

#[test]
fn logs_and_ssh_need_a_host() {
    for cmd in ["logs", "ssh"] {
        let out = sparkctl(&[cmd]);
        assert_eq!(out.status.code(), Some(2));
        let err = text(&out.stderr);
        assert!(
            err.starts_with("error: the following required arguments were not provided:\n  <WORDS>...\n\nUsage: sparkctl "),
            "{}",
            err
        );
    }
    let out = sparkctl(&["logs", "a.toml", "a", "master", "more"]);
    assert_eq!(out.status.code(), Some(2));
}

// ---------------------------------------------------------------------------
// uninstall: --purge is confirmed before any host is contacted
// ---------------------------------------------------------------------------

#[test]
fn uninstall_purge_is_refused_without_a_terminal_or_yes() {
    // stdin is not a terminal under cargo test; the hosts do not exist:
    // the refusal comes first.
    let (code, out, err) = per_host_err("uninstall-purge.toml", &["uninstall", "INV", "--purge"]);
    assert_eq!((code, out.as_str()), (Some(2), ""));
    let cluster = "uninstall-purge";
    assert_eq!(
        err,
        format!("error: uninstall --purge deletes the data of cluster {} (ZooKeeper data, worker dirs, event logs, logs) on a, b, c: refusing without confirmation\n  = help: pass --yes to confirm, or run it on a terminal to be asked\n", cluster)
    );
    let (code, _, err) = per_host_err(
        "uninstall-limit.toml",
        &["uninstall", "INV", "--purge", "--limit", "c"],
    );
    assert_eq!(code, Some(2));
    assert!(err.contains(" on c: refusing"), "{}", err);
}

#[test]
fn uninstall_yes_needs_purge() {
    let (code, _, err) = per_host_err("uninstall-yes.toml", &["uninstall", "INV", "--yes"]);
    assert_eq!(code, Some(2));
    assert!(
        err.starts_with("error: the following required arguments were not provided:\n  --purge\n"),
        "{}",
        err
    );
}

#[test]
fn deploy_stop_removed_is_not_a_dry_run() {
    let (code, _, err) = per_host_err(
        "stop-removed.toml",
        &["deploy", "INV", "--dry-run", "--stop-removed"],
    );
    assert_eq!(code, Some(2));
    assert!(
        err.starts_with("error: the argument '--dry-run' cannot be used with '--stop-removed'\n"),
        "{}",
        err
    );
}

/// `connect-token`: a usage error (exit 2) where there is no token to
/// print, and the token, derived from the operator's copy of the secret,
/// where there is; never a host contacted.
#[test]
fn connect_token_is_printed_only_for_an_authenticated_connect_server() {
    let run = |name: &str, inventory: &str| {
        let p = write_temp(name, inventory);
        let out = sparkctl(&["connect-token", p.to_str().unwrap()]);
        (
            out.status.code(),
            text(&out.stdout),
            text(&out.stderr).replace(p.to_str().unwrap(), "INV"),
        )
    };
    let (code, _, err) = run("ct-none.toml", GOOD);
    assert_eq!(code, Some(2));
    assert!(
        err.starts_with("error: INV: no host has the `connect` role"),
        "{}",
        err
    );
    let with_role = GOOD.replacen(
        "roles = [\"zookeeper\", \"worker\"]",
        "roles = [\"zookeeper\", \"worker\", \"connect\"]",
        1,
    );
    let (code, _, err) = run("ct-open.toml", &with_role);
    assert_eq!(code, Some(2));
    assert!(
        err.starts_with("error: INV: the Spark Connect server runs without authentication"),
        "{}",
        err
    );
    let secured = with_role.replacen("[spark]\n", "[spark]\nauthenticate = true\n", 1)
        + "[connect]\nauthenticate = true\n";
    let (code, _, err) = run("ct-fresh.toml", &secured);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("does not exist, so there is no token yet"),
        "{}",
        err
    );
    // With the secret in place: 43 characters, the same every time.
    let p = write_temp("ct-ok.toml", &secured);
    let secret = p.with_file_name("ct-ok.secret");
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::write(&secret, "0123456789abcdef0123456789abcdef\n").unwrap();
        std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let (code, out, _) = run("ct-ok.toml", &secured);
    assert_eq!(code, Some(0));
    assert_eq!(out.trim().len(), 43, "{:?}", out);
    assert_eq!(run("ct-ok.toml", &secured).1, out);
    assert!(!out.contains("0123456789abcdef"));
}

/// The Connect server's driver gets `daemon_memory` on Spark 4: below the
/// 450 MiB a driver needs, check refuses it where it was set.
#[test]
fn connect_server_needs_daemon_memory_for_a_driver() {
    let inv = std::fs::read_to_string(root_inventory("lab.toml"))
        .unwrap()
        .replacen(
            "roles = [\"zookeeper\", \"worker\"]",
            "roles = [\"zookeeper\", \"worker\", \"connect\"]",
            1,
        );
    let p = write_temp("connect-memory.toml", &inv);
    let out = sparkctl(&["check", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.starts_with("error: host `hostc` runs the Spark Connect server, whose driver gets `daemon_memory` (256m): Spark refuses to start a driver with less than 450 MiB\n"),
        "{}",
        err
    );
    assert!(
        err.contains("= help: set `daemon_memory = \"512m\"` or more in that host's [host.spark]"),
        "{}",
        err
    );
}

fn root_inventory(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("inventories")
        .join(name)
}
