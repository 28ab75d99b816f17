//! Proof that inventory values are never interpreted by a shell (or by the
//! Java properties parser) on their way to a host.
//!
//! sparkctl turns inventory strings into two kinds of output that something
//! else parses: config files (`spark-env.sh` and `java.env` are *sourced* by
//! bash in Spark's and ZooKeeper's start scripts; `spark-defaults.conf` and
//! `zoo.cfg` are read by `java.util.Properties`) and the `sh -c` scripts
//! that `steps` and `facts` run over SSH. A value with `$(...)`, a quote or a
//! newline must therefore either be refused by validation, with an error that
//! points at its key, or arrive exactly as written. This file checks both
//! ends for real rather than by reading the templates:
//!
//! * (a) every string field that reaches a script or config file is fed
//!   hostile values; accepted ones are rendered, the shell files are
//!   *sourced* by `sh` and `bash` and the properties files are parsed with
//!   the rules of `java.util.Properties` (re-implemented below), and the
//!   resulting variables and properties must be exactly the inventory's;
//! * (b) the scripts generated for a cluster whose values are as hostile as
//!   validation allows pass `sh -n` and `bash -n`, and are actually run
//!   against a scratch directory (uploads, unpacking, config writes, links,
//!   daemon start and stop with stand-in scripts, log tails, the facts
//!   probe, a wait's exit check, the zkCli listing of `ha status`, the
//!   secret-reading command `deploy` suggests), with every byte and
//!   argument compared.
//!
//! Every command a hostile value might smuggle in is `touch
//! /tmp/pwned-<pid>-...`; the tests fail if any such file appears.
//!
//! `extra_env` entries are shell by design (docs/inventory.md: "lines appended to
//! spark-env.sh, verbatim"), so for them the only promise is: one entry, one
//! line, passed through exactly, and newlines refused.
//!
//! The `bug_*` tests pin product bugs this file found; all are fixed, so
//! they run (none is ignored) and must keep passing. A value that hits a
//! new bug can be skipped by the main test through `known_bug` (empty now),
//! together with a failing `bug_*` test.

use sparkctl::diag::Diagnostics;
use sparkctl::dist::{LocalDist, Product};
use sparkctl::facts;
use sparkctl::inventory::{self, Cluster};
use sparkctl::layout::{self, Daemon};
use sparkctl::plan;
use sparkctl::render::{ConfigFile, Dists, Renderer};
use sparkctl::steps;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

// ---------------------------------------------------------------------------
// Scratch directories and markers
// ---------------------------------------------------------------------------

/// A fresh directory under the temp dir, removed when dropped. Its path is
/// made of characters validation accepts in paths, so inventories can point
/// into it.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Scratch {
        // Tests run in parallel threads of one process: number every scratch.
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let d = std::env::temp_dir().join(format!(
            "sparkctl-shell-values-{}-{}-{}",
            std::process::id(),
            n,
            tag
        ));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        Scratch(d)
    }
    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A file that exists only if a shell ran a command hidden in a value.
fn marker(tag: &str) -> String {
    format!("/tmp/pwned-{}-{}", std::process::id(), tag)
}

/// Markers this test process may have caused (other processes' leftovers are not ours to judge).
fn markers() -> Vec<String> {
    let prefix = format!("pwned-{}-", std::process::id());
    let mut found: Vec<String> = std::fs::read_dir("/tmp")
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with(&prefix))
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

fn assert_no_markers(context: &str) {
    let found = markers();
    assert!(
        found.is_empty(),
        "{}: a shell executed a command hidden in a value: /tmp/{:?}",
        context,
        found
    );
}

/// Values with every character a shell or a config parser treats specially.
/// The command-carrying ones `touch` a marker named after `tag`.
fn hostile(tag: &str) -> Vec<String> {
    let m = |s: &str| marker(&format!("{}-{}", tag, s));
    vec![
        format!("$(touch {})", m("dollar")),
        format!("`touch {}`", m("backtick")),
        format!("x;touch {}", m("semicolon")),
        format!("x'; touch {}; '", m("squote")),
        format!("x\"; touch {}; \"", m("dquote")),
        format!("x\ntouch {}", m("newline")),
        format!("x && touch {}", m("and")),
        format!("x | touch {}", m("pipe")),
        format!("x > {}", m("redirect")),
        "a b".into(),
        "a'b".into(),
        "a\"b".into(),
        "a\\b".into(),
        "a\\".into(),
        "${HOME}".into(),
        "*".into(),
        "a#b".into(),
        "a\tb".into(),
        "a\rb".into(),
        "~".into(),
        "!x".into(),
        "a:b=c".into(),
        "\\u0041".into(),
    ]
}

/// A TOML basic string: `"` and `\` escaped, control characters as escapes.
fn toml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\u{:04X}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

// ---------------------------------------------------------------------------
// Running shells
// ---------------------------------------------------------------------------

/// Run `script` with `shell -c` in `cwd`, with a minimal environment.
fn run_in(shell: &str, script: &str, cwd: &Path, args: &[&str], stdin: Option<&Path>) -> Output {
    let mut cmd = Command::new(shell);
    cmd.arg("-c")
        .arg(script)
        .arg(shell)
        .args(args)
        .current_dir(cwd)
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    match stdin {
        Some(p) => cmd.stdin(std::fs::File::open(p).unwrap()),
        None => cmd.stdin(Stdio::null()),
    };
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {}: {}", shell, e))
}

/// A file in `dir` holding `content` (a script's standard input).
fn write_temp_file(dir: &Path, name: &str, content: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `sh -n` and `bash -n`: the script parses (nothing is executed).
fn syntax_ok(what: &str, script: &str) {
    for shell in ["sh", "bash"] {
        let out = Command::new(shell)
            .arg("-n")
            .arg("-c")
            .arg(script)
            .output()
            .unwrap();
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "{} -n rejects the {} script: {}\n--- script:\n{}",
            shell,
            what,
            text(&out.stderr),
            script
        );
    }
}

/// Source a config file the way Spark's and ZooKeeper's scripts do (`. file`
/// with `set -a`), in sh and in bash, and return the variables it set.
/// Anything on stderr (a command not found, a bad `export`) is an error:
/// a config file must only assign.
fn source_vars(file_text: &str, dir: &Path) -> Result<BTreeMap<String, String>, String> {
    let f = dir.join("sourced.sh");
    std::fs::write(&f, file_text).unwrap();
    let mut seen: Option<BTreeMap<String, String>> = None;
    for shell in ["sh", "bash"] {
        let out = run_in(
            shell,
            "set -a; . \"$1\"; exec env -0",
            dir,
            &[f.to_str().unwrap()],
            None,
        );
        if !out.status.success() || !out.stderr.is_empty() {
            return Err(format!(
                "{} could not source it cleanly (exit {:?}): {}",
                shell,
                out.status.code(),
                text(&out.stderr).trim_end()
            ));
        }
        let vars: BTreeMap<String, String> = text(&out.stdout)
            .split('\0')
            .filter_map(|kv| kv.split_once('='))
            .filter(|(k, _)| !matches!(*k, "PATH" | "PWD" | "OLDPWD" | "SHLVL" | "_"))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        if let Some(prev) = &seen {
            if *prev != vars {
                return Err(format!("sh and bash disagree: {:?} vs {:?}", prev, vars));
            }
        }
        seen = Some(vars);
    }
    Ok(seen.unwrap())
}

// ---------------------------------------------------------------------------
// java.util.Properties, as Spark and ZooKeeper read their config files
// ---------------------------------------------------------------------------

/// Key/value pairs in file order, read with the rules of
/// `java.util.Properties.load`: `#`/`!` comment lines, a line ending in an
/// odd number of backslashes continues on the next one, the key ends at the
/// first unescaped `=`, `:` or white space, white space before the value is
/// skipped, and `\t \n \r \f \uXXXX \x` escapes are decoded in keys and
/// values. ZooKeeper's QuorumPeerConfig and Spark's spark-defaults.conf
/// loader both use `Properties.load`.
fn java_properties(text: &str) -> Vec<(String, String)> {
    // Natural lines: \n, \r and \r\n all end one.
    let mut naturals: Vec<&str> = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        match rest.find(['\n', '\r']) {
            Some(i) => {
                naturals.push(&rest[..i]);
                let skip = if rest[i..].starts_with("\r\n") { 2 } else { 1 };
                rest = &rest[i + skip..];
            }
            None => {
                naturals.push(rest);
                rest = "";
            }
        }
    }
    let ws = [' ', '\t', '\u{c}'];
    let mut out = Vec::new();
    let mut i = 0;
    while i < naturals.len() {
        let first = naturals[i].trim_start_matches(ws);
        i += 1;
        if first.is_empty() || first.starts_with('#') || first.starts_with('!') {
            continue;
        }
        // Join continuation lines.
        let mut logical = String::new();
        let mut line = first;
        loop {
            let trailing = line.len() - line.trim_end_matches('\\').len();
            if trailing % 2 == 1 {
                logical.push_str(&line[..line.len() - 1]);
                if i < naturals.len() {
                    line = naturals[i].trim_start_matches(ws);
                    i += 1;
                    continue;
                }
            } else {
                logical.push_str(line);
            }
            break;
        }
        // Split key and value.
        let chars: Vec<char> = logical.chars().collect();
        let (mut key_end, mut value_start, mut has_sep, mut escaped) =
            (chars.len(), chars.len(), false, false);
        for (k, &c) in chars.iter().enumerate() {
            if !escaped && (c == '=' || c == ':') {
                key_end = k;
                value_start = k + 1;
                has_sep = true;
                break;
            }
            if !escaped && ws.contains(&c) {
                key_end = k;
                value_start = k + 1;
                break;
            }
            escaped = c == '\\' && !escaped;
        }
        while value_start < chars.len() {
            let c = chars[value_start];
            if ws.contains(&c) {
                value_start += 1;
            } else if !has_sep && (c == '=' || c == ':') {
                has_sep = true;
                value_start += 1;
            } else {
                break;
            }
        }
        out.push((
            unescape(&chars[..key_end]),
            unescape(&chars[value_start.min(chars.len())..]),
        ));
    }
    out
}

fn unescape(s: &[char]) -> String {
    let mut out = String::new();
    let mut k = 0;
    while k < s.len() {
        let c = s[k];
        k += 1;
        if c != '\\' || k == s.len() {
            out.push(c);
            continue;
        }
        let e = s[k];
        k += 1;
        match e {
            't' => out.push('\t'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            'f' => out.push('\u{c}'),
            'u' if k + 4 <= s.len() => {
                let hex: String = s[k..k + 4].iter().collect();
                // Java throws on malformed \u; show it as a replacement char instead.
                out.push(
                    u32::from_str_radix(&hex, 16)
                        .ok()
                        .and_then(char::from_u32)
                        .unwrap_or('\u{fffd}'),
                );
                k += 4;
            }
            other => out.push(other),
        }
    }
    out
}

#[test]
fn properties_reader_follows_java_rules() {
    let got = java_properties(
        "# c\n  ! c\na=1\nb : 2\nc 3\nd\\ e=4\\\n   5\nf=x\\\\\ng=\\u0041\\t\nh=\n i = two words \nk=v\\",
    );
    let want = [
        ("a", "1"),
        ("b", "2"),
        ("c", "3"),
        ("d e", "45"),
        ("f", "x\\"),
        ("g", "A\t"),
        ("h", ""),
        ("i", "two words "),
        ("k", "v"),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert_eq!(got, want);
}

// ---------------------------------------------------------------------------
// (a) Every string field, hostile values
// ---------------------------------------------------------------------------

/// Three hosts, ZooKeeper HA. `#CLUSTER`, `#SPARK`, `#ZK`, `#HOST_A_TOP`,
/// `#HOST_A_SPARK` and `#HOST_A_ZK` are where a field under test goes.
const BASE: &str = r#"[cluster]
#CLUSTER

[spark]
tarball = "dist/spark-4.3.0-bin-hadoop3.tgz"
#SPARK

[zookeeper]
tarball = "dist/apache-zookeeper-3.8.4-bin.tar.gz"
#ZK

[[host]]
name = "a"
roles = ["zookeeper", "master", "worker"]
#HOST_A_TOP
[host.spark]
#HOST_A_SPARK
[host.zookeeper]
#HOST_A_ZK

[[host]]
name = "b"
roles = ["zookeeper", "master", "worker"]

[[host]]
name = "c"
roles = ["zookeeper", "worker"]
"#;

/// One master with FILESYSTEM recovery, for `recovery_dir`.
const BASE_FS: &str = r#"[cluster]
ha = "filesystem"
#CLUSTER

[spark]
tarball = "dist/spark-4.3.0-bin-hadoop3.tgz"

[[host]]
name = "a"
roles = ["master", "worker"]
"#;

/// Where an accepted value must show up, verbatim.
#[derive(Debug)]
enum Lands {
    /// Sourcing `file` on host `a` sets `var` to exactly the value.
    Var(&'static str, &'static str),
    /// Like `Var`, but white space around the value may have been trimmed
    /// (memory sizes: " 2g" and "2g" are the same size).
    VarTrimmed(&'static str, &'static str),
    /// Sourcing `file` on host `a` sets `var` to something ending with " value" (or equal).
    VarEnds(&'static str, &'static str),
    /// `file` on host `a`, read as Java properties, maps `key` to the value.
    Prop(&'static str, &'static str),
    /// `file` on host `a`, read as Java properties, has the value as a key mapping to "1".
    PropKey(&'static str),
    /// `file` on host `a` has the value as one whole line.
    Line(&'static str),
    /// `file` on host `a` contains `prefix` immediately followed by the value.
    After(&'static str, &'static str),
    /// The path of `file` on host `a` starts with the value and a `/`.
    PathUnder(&'static str),
    /// java.env on host `a` sets ZK_SERVER_HEAP to the value in MiB (it is parsed, not copied).
    HeapMb,
}

struct Field {
    /// Inventory key as users write it, for messages and marker names.
    name: &'static str,
    /// The TOML key an error about the value must point at.
    key: &'static str,
    /// Paths: also try each value under `/opt/`, so "not absolute" is not the only reason to refuse it.
    path: bool,
    base: &'static str,
    placeholder: &'static str,
    /// The TOML line(s) setting the field to a TOML-encoded value.
    line: fn(&str) -> String,
    lands: Lands,
}

fn kv(key: &str, toml_value: &str) -> String {
    format!("{} = {}", key, toml_value)
}

/// Every string field that can reach a remote script or a config file.
/// One line per field: (name, key, also under /opt/, base, placeholder, TOML line, where it lands).
/// (ssh_user, ssh_port and identity_file only reach `ssh`'s argv through
/// openssh, never a shell or a file, so they are not listed.)
#[rustfmt::skip]
fn fields() -> Vec<Field> {
    use Lands::*;
    macro_rules! f {
        ($name:expr, $key:expr, $path:expr, $base:expr, $ph:expr, $line:expr, $lands:expr) => {
            Field {
                name: $name,
                key: $key,
                path: $path,
                base: $base,
                placeholder: $ph,
                line: $line,
                lands: $lands,
            }
        };
    }
    vec![
        f!("cluster.name", "name", false, BASE, "#CLUSTER", |v| kv("name", v), After("spark-env.sh", "in cluster ")),
        f!("cluster.recovery_dir", "recovery_dir", true, BASE_FS, "#CLUSTER", |v| kv("recovery_dir", v), After("spark-env.sh", "-Dspark.deploy.recoveryDirectory=")),
        f!("spark.install_root", "install_root", true, BASE, "#SPARK", |v| kv("install_root", v), PathUnder("spark-env.sh")),
        f!("spark.zookeeper_dir", "zookeeper_dir", true, BASE, "#SPARK", |v| kv("zookeeper_dir", v), After("spark-env.sh", "-Dspark.deploy.zookeeper.dir=")),
        f!("spark.worker_dir", "worker_dir", true, BASE, "#SPARK", |v| kv("worker_dir", v), Var("spark-env.sh", "SPARK_WORKER_DIR")),
        f!("spark.log_dir", "log_dir", true, BASE, "#SPARK", |v| kv("log_dir", v), Var("spark-env.sh", "SPARK_LOG_DIR")),
        f!("spark.pid_dir", "pid_dir", true, BASE, "#SPARK", |v| kv("pid_dir", v), Var("spark-env.sh", "SPARK_PID_DIR")),
        f!("spark.local_dirs", "local_dirs", true, BASE, "#SPARK", |v| kv("local_dirs", v), Var("spark-env.sh", "SPARK_LOCAL_DIRS")),
        f!("spark.java_home", "java_home", true, BASE, "#SPARK", |v| kv("java_home", v), Var("spark-env.sh", "JAVA_HOME")),
        f!("spark.worker_memory", "worker_memory", false, BASE, "#SPARK", |v| kv("worker_memory", v), VarTrimmed("spark-env.sh", "SPARK_WORKER_MEMORY")),
        f!("spark.daemon_memory", "daemon_memory", false, BASE, "#SPARK", |v| kv("daemon_memory", v), VarTrimmed("spark-env.sh", "SPARK_DAEMON_MEMORY")),
        f!("spark.daemon_java_opts", "daemon_java_opts", false, BASE, "#SPARK", |v| kv("daemon_java_opts", &format!("[{}]", v)), VarEnds("spark-env.sh", "SPARK_DAEMON_JAVA_OPTS")),
        f!("spark.master_opts", "master_opts", false, BASE, "#SPARK", |v| kv("master_opts", &format!("[{}]", v)), VarEnds("spark-env.sh", "SPARK_MASTER_OPTS")),
        f!("spark.worker_opts", "worker_opts", false, BASE, "#SPARK", |v| kv("worker_opts", &format!("[{}]", v)), Var("spark-env.sh", "SPARK_WORKER_OPTS")),
        f!("spark.extra_env", "extra_env", false, BASE, "#SPARK", |v| kv("extra_env", &format!("[{}]", v)), Line("spark-env.sh")),
        f!("spark.defaults (key)", "defaults", false, BASE, "#SPARK", |v| format!("defaults = {{ {} = \"1\" }}", v), PropKey("spark-defaults.conf")),
        f!("spark.defaults (value)", "defaults", false, BASE, "#SPARK", |v| format!("defaults = {{ \"spark.k\" = {} }}", v), Prop("spark-defaults.conf", "spark.k")),
        f!("host.spark.log_dir", "log_dir", true, BASE, "#HOST_A_SPARK", |v| kv("log_dir", v), Var("spark-env.sh", "SPARK_LOG_DIR")),
        f!("host.spark.extra_env", "extra_env", false, BASE, "#HOST_A_SPARK", |v| kv("extra_env", &format!("[{}]", v)), Line("spark-env.sh")),
        f!("host.spark.defaults (value)", "defaults", false, BASE, "#HOST_A_SPARK", |v| format!("defaults = {{ \"spark.k\" = {} }}", v), Prop("spark-defaults.conf", "spark.k")),
        f!("zookeeper.install_root", "install_root", true, BASE, "#ZK", |v| kv("install_root", v), PathUnder("zoo.cfg")),
        f!("zookeeper.data_dir", "data_dir", true, BASE, "#ZK", |v| kv("data_dir", v), Prop("zoo.cfg", "dataDir")),
        f!("zookeeper.data_log_dir", "data_log_dir", true, BASE, "#ZK", |v| kv("data_log_dir", v), Prop("zoo.cfg", "dataLogDir")),
        f!("zookeeper.log_dir", "log_dir", true, BASE, "#ZK", |v| kv("log_dir", v), Var("java.env", "ZOO_LOG_DIR")),
        f!("zookeeper.java_home", "java_home", true, BASE, "#ZK", |v| kv("java_home", v), Var("java.env", "JAVA_HOME")),
        f!("zookeeper.heap", "heap", false, BASE, "#ZK", |v| kv("heap", v), HeapMb),
        f!("zookeeper.jvm_opts", "jvm_opts", false, BASE, "#ZK", |v| kv("jvm_opts", &format!("[{}]", v)), VarEnds("java.env", "SERVER_JVMFLAGS")),
        f!("zookeeper.extra (key)", "extra", false, BASE, "#ZK", |v| format!("extra = {{ {} = \"1\" }}", v), PropKey("zoo.cfg")),
        f!("zookeeper.extra (value)", "extra", false, BASE, "#ZK", |v| format!("extra = {{ \"snapCount\" = {} }}", v), Prop("zoo.cfg", "snapCount")),
        f!("host.zookeeper.data_dir", "data_dir", true, BASE, "#HOST_A_ZK", |v| kv("data_dir", v), Prop("zoo.cfg", "dataDir")),
        f!("host.zookeeper.extra (value)", "extra", false, BASE, "#HOST_A_ZK", |v| format!("extra = {{ \"snapCount\" = {} }}", v), Prop("zoo.cfg", "snapCount")),
        f!("host.name", "name", false, BASE, "#HOST_A_TOP", |_| String::new(), After("spark-env.sh", "# spark-env.sh for ")),
        f!("host.address", "address", false, BASE, "#HOST_A_TOP", |v| kv("address", v), Var("spark-env.sh", "SPARK_LOCAL_HOSTNAME")),
    ]
}

/// (field, value) pairs that hit a known product bug, with the `bug_*` test
/// that pins it: the main test skips them (so it guards everything else).
/// Empty: every bug found so far is fixed, and its values run in the main
/// test too. Add an arm here only together with a failing `bug_*` test.
fn known_bug(_field: &str, _value: &str) -> Option<&'static str> {
    None
}

/// The inventory with `value` in `field`. Unused placeholders stay: they are
/// TOML comments.
fn inventory_with(field: &Field, value: &str) -> String {
    if field.name == "host.name" {
        // The name is a required key already present: replace host a's.
        BASE.replace("name = \"a\"", &kv("name", &toml_str(value)))
    } else {
        field
            .base
            .replace(field.placeholder, &(field.line)(&toml_str(value)))
    }
}

fn parse(text: &str) -> Result<Cluster, Diagnostics> {
    inventory::parse(Path::new("sv.toml"), text)
}

/// (host name, file name) -> the variables a shell file sets or the
/// properties a properties file holds.
type Parsed = BTreeMap<(String, String), BTreeMap<String, String>>;

/// (path, content) pairs.
type PathContents = Vec<(String, String)>;

/// All rendered files of a cluster: (host name, file name) -> file.
fn render_all(c: &Cluster) -> BTreeMap<(String, String), ConfigFile> {
    let spark = LocalDist::assumed(Product::Spark, &c.spark.source).unwrap();
    let zk = c
        .zookeeper
        .source
        .as_ref()
        .map(|s| LocalDist::assumed(Product::ZooKeeper, s).unwrap());
    let dists = Dists {
        spark: &spark,
        zookeeper: zk.as_ref(),
    };
    let r = Renderer::new(c).unwrap();
    let mut out = BTreeMap::new();
    for h in &c.hosts {
        for f in r.host_files(c, &dists, h).unwrap() {
            let name = f.path.rsplit('/').next().unwrap().to_string();
            out.insert((h.name.clone(), name), f);
        }
    }
    out
}

/// Keys zoo.cfg has without any option set, plus the optional managed ones.
fn managed_zoo_keys() -> BTreeSet<String> {
    let c =
        parse(&BASE.replace("#ZK", "data_log_dir = \"/l\"\nmax_session_timeout = 6000")).unwrap();
    let files = render_all(&c);
    let mut keys: BTreeSet<String> =
        java_properties(&files[&("a".into(), "zoo.cfg".into())].content)
            .into_iter()
            .map(|(k, _)| k)
            .filter(|k| !k.starts_with("server."))
            .collect();
    keys.extend([
        "admin.enableServer".to_string(),
        "admin.serverPort".to_string(),
    ]);
    keys
}

/// Everything that must hold for the rendered files of any accepted
/// cluster, whatever its values: the shell files only assign the variables
/// they should, to exactly the inventory's values, and the properties files
/// hold exactly the inventory's properties. Returns the sourced variables
/// and parsed properties of every file, for field-specific checks.
fn check_rendered(
    c: &Cluster,
    files: &BTreeMap<(String, String), ConfigFile>,
    scratch: &Path,
    zoo_keys: &BTreeSet<String>,
) -> Result<Parsed, String> {
    let mut parsed = BTreeMap::new();
    for ((host, name), f) in files {
        let h = c.host(host).unwrap();
        let at = format!("{} on {}", name, host);
        if !f.content.ends_with('\n') {
            return Err(format!("{} does not end with a newline", at));
        }
        let vars: BTreeMap<String, String> = match name.as_str() {
            "spark-env.sh" => {
                let s = &h.spark;
                // extra_env is shell on purpose: its lines are checked verbatim, never run.
                for l in &s.extra_env {
                    if !f.content.lines().any(|x| x == l) {
                        return Err(format!("{}: extra_env line {:?} not found whole", at, l));
                    }
                }
                if !s.extra_env.is_empty() {
                    continue;
                }
                let vars =
                    source_vars(&f.content, scratch).map_err(|e| format!("{}: {}", at, e))?;
                let mut want: Vec<(&str, String)> = vec![
                    ("SPARK_LOCAL_HOSTNAME", h.address.clone()),
                    ("SPARK_LOG_DIR", s.log_dir.clone()),
                    ("SPARK_PID_DIR", s.pid_dir.clone()),
                    // Sizes are unquoted in the file: trailing white space is dropped
                    // by the shell, harmlessly ("2g " is 2g). Leading white space is
                    // not harmless, and fails the sourcing itself.
                    (
                        "SPARK_DAEMON_MEMORY",
                        s.daemon_memory.trim_end().to_string(),
                    ),
                ];
                if let Some(j) = &s.java_home {
                    want.push(("JAVA_HOME", j.clone()));
                }
                if let Some(l) = &s.local_dirs {
                    want.push(("SPARK_LOCAL_DIRS", l.clone()));
                }
                if h.roles.master {
                    want.push(("SPARK_MASTER_HOST", h.address.clone()));
                }
                if h.roles.worker {
                    want.push(("SPARK_WORKER_DIR", s.worker_dir.clone()));
                    if let Some(m) = &s.worker_memory {
                        want.push(("SPARK_WORKER_MEMORY", m.trim_end().to_string()));
                    }
                    if !s.worker_opts.is_empty() {
                        want.push(("SPARK_WORKER_OPTS", s.worker_opts.join(" ")));
                    }
                }
                for (k, v) in want {
                    if vars.get(k) != Some(&v) {
                        return Err(format!("{}: {} is {:?}, want {:?}", at, k, vars.get(k), v));
                    }
                }
                if let Some(bad) = vars
                    .keys()
                    .find(|k| !(k.starts_with("SPARK_") || *k == "JAVA_HOME"))
                {
                    return Err(format!(
                        "{}: sets an unexpected variable {}: {:?}",
                        at, bad, vars
                    ));
                }
                vars
            }
            "java.env" => {
                let vars =
                    source_vars(&f.content, scratch).map_err(|e| format!("{}: {}", at, e))?;
                let z = &h.zk;
                let mut flags = format!("-Xmx{}m", z.heap_mb);
                for o in &z.jvm_opts {
                    flags.push(' ');
                    flags.push_str(o);
                }
                let mut want: BTreeMap<String, String> = [
                    ("ZOO_LOG_DIR".to_string(), z.log_dir.clone()),
                    ("ZK_SERVER_HEAP".to_string(), z.heap_mb.to_string()),
                    ("SERVER_JVMFLAGS".to_string(), flags),
                ]
                .into();
                if let Some(j) = &z.java_home {
                    want.insert("JAVA_HOME".into(), j.clone());
                }
                if vars != want {
                    return Err(format!("{}: variables {:?}, want {:?}", at, vars, want));
                }
                vars
            }
            "spark-defaults.conf" => {
                let props = java_properties(&f.content);
                let map: BTreeMap<String, String> = props.iter().cloned().collect();
                if map.len() != props.len() {
                    return Err(format!("{}: a property is set twice: {:?}", at, props));
                }
                let mut want: BTreeMap<String, String> = h
                    .spark
                    .defaults
                    .iter()
                    // Properties.load drops white space before a value (and Spark trims values).
                    .map(|(k, v)| {
                        (
                            k.clone(),
                            v.trim_start_matches([' ', '\t', '\u{c}']).to_string(),
                        )
                    })
                    .collect();
                want.insert("spark.master".into(), c.master_url());
                // Decided by sparkctl on every version ([spark] rest).
                if c.spark.rest {
                    want.insert("spark.master.rest.enabled".into(), "true".into());
                    want.insert(
                        "spark.master.rest.port".into(),
                        h.spark.rest_port.to_string(),
                    );
                    if c.spark.auth.is_some() {
                        want.insert(
                            "spark.master.rest.filters".into(),
                            sparkctl::rest::JWS_FILTER.into(),
                        );
                    }
                } else {
                    want.insert("spark.master.rest.enabled".into(), "false".into());
                }
                // Decided by sparkctl ([spark] decommission): the managed
                // keys always, block migration where `defaults` is silent.
                if c.spark.decommission {
                    want.insert("spark.decommission.enabled".into(), "true".into());
                    want.insert("spark.worker.decommission.signal".into(), "PWR".into());
                    for (k, v) in sparkctl::decommission::MIGRATION {
                        want.entry(k.into()).or_insert_with(|| v.into());
                    }
                }
                if map != want {
                    return Err(format!("{}: properties {:?}, want {:?}", at, map, want));
                }
                map
            }
            "zoo.cfg" => {
                let props = java_properties(&f.content);
                let map: BTreeMap<String, String> = props.iter().cloned().collect();
                if map.len() != props.len() {
                    return Err(format!("{}: a property is set twice: {:?}", at, props));
                }
                let z = &h.zk;
                let mut want: BTreeMap<String, String> = z.extra.clone();
                want.insert("dataDir".into(), z.data_dir.clone());
                want.insert("clientPort".into(), z.client_port.to_string());
                if let Some(d) = &z.data_log_dir {
                    want.insert("dataLogDir".into(), d.clone());
                }
                for s in c.zk_hosts() {
                    want.insert(
                        format!("server.{}", s.zk_id.unwrap()),
                        format!("{}:{}:{}", s.address, s.zk.quorum_port, s.zk.election_port),
                    );
                }
                for (k, v) in &want {
                    if map.get(k) != Some(v) {
                        return Err(format!("{}: {} is {:?}, want {:?}", at, k, map.get(k), v));
                    }
                }
                if let Some(bad) = map
                    .keys()
                    .find(|k| !want.contains_key(*k) && !zoo_keys.contains(*k))
                {
                    return Err(format!(
                        "{}: unexpected property {:?} in {:?}",
                        at, bad, map
                    ));
                }
                map
            }
            "workers" => {
                let got: Vec<&str> = f
                    .content
                    .lines()
                    .filter(|l| !l.is_empty() && !l.starts_with('#'))
                    .collect();
                let want: Vec<&str> = c.workers().map(|w| w.address.as_str()).collect();
                if got != want {
                    return Err(format!("{}: workers {:?}, want {:?}", at, got, want));
                }
                BTreeMap::new()
            }
            "myid" => {
                if f.content != format!("{}\n", h.zk_id.unwrap()) {
                    return Err(format!("{}: {:?}", at, f.content));
                }
                BTreeMap::new()
            }
            _ => BTreeMap::new(),
        };
        parsed.insert((host.clone(), name.clone()), vars);
    }
    Ok(parsed)
}

/// Where the field's value must be, verbatim, on host `a`.
fn check_lands(
    lands: &Lands,
    value: &str,
    files: &BTreeMap<(String, String), ConfigFile>,
    parsed: &Parsed,
) -> Result<(), String> {
    let file = |name: &str| {
        files
            .get(&("a".to_string(), name.to_string()))
            .ok_or_else(|| format!("host a has no {}", name))
    };
    let vars = |name: &str| {
        parsed
            .get(&("a".to_string(), name.to_string()))
            .ok_or_else(|| format!("{} on host a was not parsed", name))
    };
    match lands {
        Lands::Var(f, var) => {
            let got = vars(f)?.get(*var);
            (got.map(String::as_str) == Some(value))
                .then_some(())
                .ok_or_else(|| format!("{} in {} is {:?}, want {:?}", var, f, got, value))
        }
        Lands::VarTrimmed(f, var) => {
            let got = vars(f)?.get(*var);
            (got.map(String::as_str) == Some(value.trim()))
                .then_some(())
                .ok_or_else(|| format!("{} in {} is {:?}, want {:?}", var, f, got, value.trim()))
        }
        Lands::VarEnds(f, var) => {
            let got = vars(f)?.get(*var).cloned().unwrap_or_default();
            (got == value || got.ends_with(&format!(" {}", value)))
                .then_some(())
                .ok_or_else(|| {
                    format!(
                        "{} in {} is {:?}, want it to end with {:?}",
                        var, f, got, value
                    )
                })
        }
        Lands::Prop(f, key) => {
            let got = vars(f)?.get(*key);
            (got.map(String::as_str) == Some(value))
                .then_some(())
                .ok_or_else(|| format!("{} in {} is {:?}, want {:?}", key, f, got, value))
        }
        Lands::PropKey(f) => {
            let got = vars(f)?;
            (got.get(value).map(String::as_str) == Some("1"))
                .then_some(())
                .ok_or_else(|| format!("{:?} is not a key of {} ({:?})", value, f, got))
        }
        Lands::Line(f) => file(f)?
            .content
            .lines()
            .any(|l| l == value)
            .then_some(())
            .ok_or_else(|| format!("{:?} is not a whole line of {}", value, f)),
        Lands::After(f, prefix) => file(f)?
            .content
            .contains(&format!("{}{}", prefix, value))
            .then_some(())
            .ok_or_else(|| format!("{} has no {:?}", f, format!("{}{}", prefix, value))),
        Lands::HeapMb => {
            let got = vars("java.env")?.get("ZK_SERVER_HEAP");
            let want = inventory::memory_mb(value).map(|mb| mb.to_string());
            (got == want.as_ref())
                .then_some(())
                .ok_or_else(|| format!("ZK_SERVER_HEAP is {:?}, want {:?}", got, want))
        }
        Lands::PathUnder(f) => {
            let p = &file(f)?.path;
            p.starts_with(&format!("{}/", value))
                .then_some(())
                .ok_or_else(|| format!("{} is written to {}, not under {:?}", f, p, value))
        }
    }
}

/// What happened to one hostile value.
enum Outcome {
    /// Refused; the message of the diagnostic that points at the key.
    Refused(String),
    /// Accepted and found exactly where it belongs.
    PassedThrough,
}

/// Feed `value` to `field`: it must be refused with an error located on
/// the line of its key, or pass through exactly (and run nothing).
fn try_value(
    field: &Field,
    value: &str,
    scratch: &Path,
    zoo_keys: &BTreeSet<String>,
) -> Result<Outcome, String> {
    let inv = inventory_with(field, value);
    let result = match parse(&inv) {
        Err(d) => {
            // Some diagnostic must point at the line that sets the key.
            let located = d.0.iter().find(|diag| {
                let (Some(src), Some(span)) = (&diag.source, &diag.span) else {
                    return false;
                };
                let start = span.start.min(src.len());
                let line_start = src[..start].rfind('\n').map_or(0, |i| i + 1);
                let line = src[line_start..].lines().next().unwrap_or("");
                line.trim_start().starts_with(field.key)
                    || line.contains(&format!("{} =", field.key))
            });
            match located {
                Some(diag) => Ok(Outcome::Refused(diag.message.clone())),
                None => Err(format!(
                    "refused, but no error points at `{}`:\n{}",
                    field.key, d
                )),
            }
        }
        Ok(c) => {
            // Host a carries every field under test (cluster-wide ones reach
            // b and c the same way): checking its files alone keeps the
            // number of shells started, and the run time, down.
            let mut files = render_all(&c);
            files.retain(|(host, _), _| host == "a");
            check_rendered(&c, &files, scratch, zoo_keys)
                .and_then(|parsed| check_lands(&field.lands, value, &files, &parsed))
                .map(|_| Outcome::PassedThrough)
        }
    };
    let m = markers();
    if !m.is_empty() {
        return Err(format!("a shell ran a command from the value: {:?}", m));
    }
    result.map_err(|e| format!("{}\n--- inventory:\n{}", e, inv))
}

/// A message with the value elided, for the summary: "path `…` contains `$`".
fn message_shape(msg: &str, value: &str) -> String {
    let mut m = msg.replace(&value.escape_debug().to_string(), "…");
    if !value.is_empty() {
        m = m.replace(value, "…");
    }
    m
}

fn values_for(field: &Field) -> Vec<String> {
    let tag = field
        .name
        .replace(|c: char| !c.is_ascii_alphanumeric(), "_");
    let mut values = hostile(&tag);
    if field.path {
        values.extend(
            hostile(&format!("{}_abs", tag))
                .into_iter()
                .map(|v| format!("/opt/{}", v)),
        );
    }
    if field.name.ends_with("memory") || field.name.ends_with("heap") {
        // Memory sizes are parsed: white space around a valid size is the interesting case.
        values.extend([" 2g", "2g ", "\t2g", "\n2g", "2g\n", "2 g", "2g;x"].map(String::from));
    }
    values
}

#[test]
fn hostile_values_are_refused_at_their_key_or_passed_through_exactly() {
    let scratch = Scratch::new("fields");
    let zoo_keys = managed_zoo_keys();
    let (mut refused, mut passed, mut skipped, mut failures) = (0, 0, 0, Vec::new());
    let mut table: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for field in fields() {
        for value in values_for(&field) {
            if let Some(test) = known_bug(field.name, &value) {
                skipped += 1;
                eprintln!(
                    "skipped {} = {:?}: known bug, see {}",
                    field.name, value, test
                );
                continue;
            }
            match try_value(&field, &value, scratch.0.as_path(), &zoo_keys) {
                Ok(Outcome::Refused(msg)) => {
                    refused += 1;
                    // Keep one line per distinct message shape for the summary.
                    table
                        .entry(field.name)
                        .or_default()
                        .insert(message_shape(&msg, &value));
                }
                Ok(Outcome::PassedThrough) => {
                    passed += 1;
                    table
                        .entry(field.name)
                        .or_default()
                        .insert("(passed through exactly)".into());
                }
                Err(e) => failures.push(format!("{} = {:?}: {}", field.name, value, e)),
            }
        }
    }
    for (f, outcomes) in &table {
        eprintln!(
            "{:30} {}",
            f,
            outcomes.iter().cloned().collect::<Vec<_>>().join(" | ")
        );
    }
    eprintln!(
        "{} hostile values refused at their key, {} passed through exactly, {} skipped (known bugs)",
        refused, passed, skipped
    );
    assert_no_markers("field values");
    assert!(
        failures.is_empty(),
        "{} failures:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert!(
        refused > 100 && passed > 20,
        "too few cases: {} refused, {} passed",
        refused,
        passed
    );
}

/// extra_env: one entry, one line, exactly; entries with line breaks are refused.
#[test]
fn extra_env_is_verbatim_one_line_each() {
    let lines = [
        "export SPARK_PUBLIC_DNS=$(hostname -f)",
        "X='a b'; export X # \"quoted\" `cmd` \\ end",
        "  indented\ttab",
        "SPARKCTL_EOF_0",
        "",
    ];
    let list: Vec<String> = lines.iter().map(|l| toml_str(l)).collect();
    let inv = BASE.replace("#SPARK", &format!("extra_env = [{}]", list.join(", ")));
    let c = parse(&inv).unwrap();
    let files = render_all(&c);
    let env = &files[&("a".to_string(), "spark-env.sh".to_string())].content;
    // In order, consecutive, one line each, right after the comment that introduces them.
    let want = format!("# extra_env from the inventory\n{}\n", lines.join("\n"));
    assert!(env.contains(&want), "extra_env not verbatim in:\n{}", env);
    for bad in ["a\nb", "a\rb", "a\0b", "export A=1\n"] {
        let inv = BASE.replace(
            "#SPARK",
            &format!("extra_env = [\"ok\", {}]", toml_str(bad)),
        );
        let err = parse(&inv)
            .expect_err("a multi-line extra_env entry must be refused")
            .to_string();
        assert!(
            err.contains("error: an extra_env entry must be one line"),
            "{}",
            err
        );
        let line = BASE.lines().position(|l| l == "#SPARK").unwrap() + 1;
        assert!(
            err.contains(&format!("sv.toml:{}:20", line)),
            "not located at the entry: {}",
            err
        );
    }
}

// ---------------------------------------------------------------------------
// (b) The generated scripts, run for real
// ---------------------------------------------------------------------------

/// Characters `check_path` accepts besides letters, digits, `/`, `.`, `_`, `-`.
const PATH_ODD: &str = "+@%:,=";

/// The most hostile inventory validation accepts, rooted in `root`.
fn hostile_cluster_text(root: &str) -> String {
    let m = |t: &str| marker(&format!("steps-{}", t));
    let p = |name: &str| toml_str(&format!("{}/{}{}", root, name, PATH_ODD));
    format!(
        r#"[cluster]
name = {name}
ha = "zookeeper"

[spark]
tarball = "dist/spark-4.3.0+x_y-z.tgz"
install_root = {sroot}
zookeeper_dir = "/spark{odd}dir"
worker_dir = {work}
log_dir = {slog}
pid_dir = {run}
local_dirs = {local}
java_home = {jdk}
daemon_memory = "1g"
worker_memory = "2048m"
daemon_java_opts = ["-Dx=a,b:c@d%e+f=g", "-Dglob=*", "-Dq=?[x]", "-Dhash=#x", "-Dtilde=~root", "-Dbang=!x"]
master_opts = ["-Dm=%+@"]
worker_opts = ["-Dw=~", "-Dw2=a#b"]
extra_env = [{env1}, {env2}, "SPARKCTL_EOF_0", "SPARKCTL_EOF_1", "@@sparkctl-end@@", "@@sparkctl-file@@ /etc/passwd"]
defaults = {{ "spark.x" = {dv}, "spark.unicode" = "é ü 日本", "spark.back" = "a\\b\\" }}

[zookeeper]
tarball = "dist/apache-zookeeper-3.8.4+a_b-bin.tar.gz"
install_root = {zroot}
data_dir = {zdata}
data_log_dir = {zlogdata}
log_dir = {zlog}
java_home = {jdk}
jvm_opts = ["-Dz=*", "-Dz2=a#b~"]
extra = {{ "x.y" = {zv} }}

[[host]]
name = "h-1.a_b"
address = "h-1.example-x"
roles = ["zookeeper", "master", "worker"]

[[host]]
name = "h2"
address = "10.0.0.2"
roles = ["zookeeper", "master", "worker"]

[[host]]
name = "H3"
address = "10.0.0.3"
roles = ["zookeeper", "worker"]
"#,
        // Cluster names are restricted to [A-Za-z0-9._-] (a hostile one is
        // refused: bug_cluster_name_injects_lines); use the oddest allowed.
        name = toml_str("c-._9"),
        odd = PATH_ODD,
        sroot = p("opt/spark"),
        work = p("work"),
        slog = p("logs/spark"),
        run = p("run"),
        local = toml_str(&format!("{}/l1+@%:=,{}/l2=", root, root)),
        jdk = p("jdk"),
        env1 = toml_str(&format!("export SPARK_PUBLIC_DNS=$(touch {})", m("env1"))),
        env2 = toml_str(&format!("echo `touch {}` 'x' \"y\" \\ ; | &", m("env2"))),
        dv = toml_str(&format!(
            "$(touch {}) `touch {}` 'a' \"b\" ; | & *",
            m("dv1"),
            m("dv2")
        )),
        zroot = p("opt/zookeeper"),
        zdata = p("zkdata"),
        zlogdata = p("zklogdata"),
        zlog = p("logs/zk"),
        zv = toml_str(&format!(
            "$(touch {}) `touch {}` ' \" ; | &",
            m("zv1"),
            m("zv2")
        )),
    )
}

/// A stand-in for a distribution's control script: records its arguments
/// (NUL-separated), working directory and ZooKeeper variables, then runs
/// `extra`.
fn recorder(record: &Path, name: &str, extra: &str) -> String {
    let out = format!("{}/{}", record.display(), name);
    format!(
        r#"#!/bin/sh
: > '{out}.args'
for a in "$@"; do printf '%s\0' "$a" >> '{out}.args'; done
pwd -P > '{out}.cwd'
printf '%s\0' "${{ZOOCFGDIR-}}" "${{ZOO_LOG_DIR-}}" > '{out}.env'
{extra}
"#,
        out = out,
        extra = extra
    )
}

/// Build a tarball `<dir_name>.<ext>` whose top directory holds `files`
/// (relative path, content, executable).
fn make_tarball(work: &Path, dir_name: &str, gzip: bool, files: &[(&str, String)]) -> PathBuf {
    let src = work.join("src");
    let top = src.join(dir_name);
    for (rel, content) in files {
        let p = top.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, content).unwrap();
        let mode = if content.starts_with("#!") {
            "755"
        } else {
            "644"
        };
        let ok = Command::new("chmod").arg(mode).arg(&p).status().unwrap();
        assert!(ok.success());
    }
    let file = work.join(format!("{}.{}", dir_name, if gzip { "tgz" } else { "tar" }));
    let ok = Command::new("tar")
        .arg(if gzip { "-czf" } else { "-cf" })
        .arg(&file)
        .arg("-C")
        .arg(&src)
        .arg(dir_name)
        .status()
        .unwrap();
    assert!(ok.success());
    std::fs::remove_dir_all(&src).unwrap();
    file
}

fn local_dist(product: Product, tarball: &Path) -> LocalDist {
    let file_name = tarball.file_name().unwrap().to_string_lossy().into_owned();
    let (dir_name, compression) = sparkctl::dist::tarball_name(&file_name).unwrap();
    LocalDist {
        product,
        path: tarball.to_path_buf(),
        version: sparkctl::dist::Version::find_in(&dir_name),
        file_name,
        dir_name,
        size: std::fs::metadata(tarball).unwrap().len(),
        sha256: sparkctl::dist::sha256_file(tarball).unwrap(),
        compression,
        fetch: None,
    }
}

fn run_ok(what: &str, script: &str, cwd: &Path, stdin: Option<&Path>) -> String {
    syntax_ok(what, script);
    let out = run_in("sh", script, cwd, &[], stdin);
    assert!(
        out.status.success(),
        "{} failed (exit {:?}): {}\n--- script:\n{}",
        what,
        out.status.code(),
        text(&out.stderr),
        script
    );
    text(&out.stdout)
}

fn nul_list(p: &Path) -> Vec<String> {
    let s = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {}", p.display(), e));
    let mut v: Vec<String> = s.split('\0').map(str::to_string).collect();
    v.pop(); // after the last NUL
    v
}

/// The tarball names validation and `dist::resolve` let through to scripts.
#[test]
fn tarball_names_with_shell_characters_are_refused() {
    let scratch = Scratch::new("names");
    for bad in [
        "spark-$(touch x).tgz",
        "spark-`id`.tgz",
        "spark 4.tgz",
        "spark-'q'.tgz",
        "spark-\"q\".tgz",
        "spark;x.tgz",
        "spark-\\x.tgz",
        "spark-a\nb.tgz",
    ] {
        let p = scratch.0.join(bad);
        std::fs::write(&p, "not really a tarball").unwrap();
        let source = inventory::Source::Path {
            path: p.clone(),
            checksum: None,
        };
        let err = sparkctl::dist::resolve(Product::Spark, &source, "[spark] tarball in sv.toml")
            .expect_err(bad)
            .to_string();
        assert!(
            err.contains("Spark tarball name `") && err.contains("` contains `"),
            "{:?}: {}",
            bad,
            err
        );
    }
    let ok = scratch.0.join("spark-4.3.0+x_y-z.tgz");
    std::fs::write(&ok, "bytes").unwrap();
    let d = sparkctl::dist::resolve(
        Product::Spark,
        &inventory::Source::Path {
            path: ok,
            checksum: None,
        },
        "test",
    )
    .unwrap();
    assert_eq!(d.dir_name, "spark-4.3.0+x_y-z");
}

/// A stand-in for daemon `d` as `steps::pid_is_daemon` sees one: a JVM
/// with the daemon's class as an argument (Java's source-file mode, so no
/// build step), optionally deaf to SIGTERM; returned once it is up (its
/// SIGTERM handler installed), which it says on stdout.
fn stand_in(dir: &Path, d: Daemon, ignore_term: bool) -> std::process::Child {
    use std::io::BufRead;
    let src = dir.join("Stand.java");
    std::fs::write(
        &src,
        "public class Stand { public static void main(String[] a) throws Exception {\n\
         if (a.length > 1) sun.misc.Signal.handle(new sun.misc.Signal(\"TERM\"), s -> {});\n\
         System.out.println(\"up\"); Thread.sleep(30000); } }\n",
    )
    .unwrap();
    let mut cmd = Command::new("java");
    cmd.arg("-Xmx16m").arg(&src).arg(d.spark_class());
    if ignore_term {
        cmd.arg("ignore-term");
    }
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("java (the stand-in daemon) could not be started");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "up", "the stand-in daemon did not start");
    child
}

#[test]
fn generated_scripts_run_exactly_with_hostile_values() {
    let scratch = Scratch::new("steps");
    let root = scratch.path().to_string();
    let work = scratch.0.join("build");
    let record = scratch.0.join("record");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::create_dir_all(&record).unwrap();

    let inv = hostile_cluster_text(&root);
    let c = parse(&inv)
        .unwrap_or_else(|e| panic!("the hostile-but-valid inventory is refused:\n{}", e));

    // Real tarballs whose control scripts are recorders.
    let spark_tb = make_tarball(
        &work,
        "spark-4.3.0+x_y-z",
        true,
        &[
            (
                "sbin/spark-daemon.sh",
                recorder(&record, "spark-daemon", ""),
            ),
            (
                "sbin/start-master.sh",
                recorder(&record, "start-master", ""),
            ),
            (
                "sbin/start-worker.sh",
                recorder(&record, "start-worker", ""),
            ),
            (
                "sbin/start-history-server.sh",
                recorder(&record, "start-history-server", ""),
            ),
            (
                "sbin/start-connect-server.sh",
                recorder(&record, "start-connect-server", ""),
            ),
            (
                "sbin/start-mesos-dispatcher.sh",
                recorder(&record, "start-mesos-dispatcher", ""),
            ),
            // Stop scripts that record being run: steps::stop must never run them.
            ("sbin/stop-master.sh", recorder(&record, "stop-master", "")),
            (
                "sbin/stop-worker.sh",
                recorder(
                    &record,
                    "stop-worker",
                    &format!(
                        "kill $(cat {})",
                        shell_quote(&layout::pid_file(&c.hosts[0], Daemon::Worker))
                    ),
                ),
            ),
        ],
    );
    let zk_tb = make_tarball(
        &work,
        "apache-zookeeper-3.8.4+a_b-bin",
        false,
        &[
            ("bin/zkServer.sh", recorder(&record, "zkServer", "")),
            // `ha status` lists the election znode with zkCli (steps::zkcli_ls).
            ("bin/zkCli.sh", recorder(&record, "zkCli", "")),
        ],
    );
    let spark = local_dist(Product::Spark, &spark_tb);
    let zk = local_dist(Product::ZooKeeper, &zk_tb);
    let roots = [
        (&spark, c.spark.install_root.clone()),
        (&zk, c.zookeeper.install_root.clone()),
    ];

    // upload: stdin to a temp name, sha256 checked, renamed.
    for (d, r) in &roots {
        run_ok("upload", &steps::upload(r, d), &scratch.0, Some(&d.path));
        let up = layout::uploaded_tarball(r, d);
        assert_eq!(
            std::fs::read(&up).unwrap(),
            std::fs::read(&d.path).unwrap(),
            "{}",
            up
        );
        // A corrupt transfer is refused and leaves nothing.
        let mut bad = (*d).clone();
        bad.sha256 = "0".repeat(64);
        bad.file_name = format!("x{}", d.file_name);
        let out = run_in(
            "sh",
            &steps::upload(r, &bad),
            &scratch.0,
            &[],
            Some(&d.path),
        );
        assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
        assert!(!Path::new(&layout::uploaded_tarball(r, &bad)).exists());
    }
    // install: unpack, check, stamp, rename into place.
    for (d, r) in &roots {
        run_ok("install", &steps::install(r, d, false), &scratch.0, None);
        let tree = layout::tree(r, d);
        assert_eq!(
            std::fs::read_to_string(format!("{}/{}", tree, layout::STAMP)).unwrap(),
            format!("{}\n", d.sha256)
        );
    }
    // link: `current` points at the versioned tree.
    for (d, r) in &roots {
        run_ok("link", &steps::link(r, &d.dir_name), &scratch.0, None);
        assert_eq!(
            std::fs::read_link(layout::current(r))
                .unwrap()
                .to_string_lossy(),
            d.dir_name
        );
    }

    // write_files: every rendered file of every host, byte for byte. The
    // hosts share this one scratch "machine", so each host is checked right
    // after its own write.
    let dists = Dists {
        spark: &spark,
        zookeeper: Some(&zk),
    };
    let renderer = Renderer::new(&c).unwrap();
    let mut written: Vec<ConfigFile> = Vec::new();
    for h in &c.hosts {
        let files = renderer.host_files(&c, &dists, h).unwrap();
        let dirs = plan::host_dirs(&c, h);
        run_ok(
            &format!("write_files {}", h.name),
            &steps::write_files(&dirs, &files, None),
            &scratch.0,
            None,
        );
        for f in &files {
            assert_eq!(
                std::fs::read_to_string(&f.path).unwrap(),
                f.content,
                "{} of {}",
                f.path,
                h.name
            );
            assert!(!Path::new(&format!("{}.sparkctl-tmp", f.path)).exists());
        }
        for d in &dirs {
            assert!(Path::new(d).is_dir(), "{} not created", d);
        }
        written = files;
    }
    // The last host written (H3) is what is on disk now.
    let host = c.hosts.last().unwrap();

    // The membership record, written as deploy writes it (hostile paths
    // and all), then read back by the facts probe below.
    let members = sparkctl::membership::render(&c, &[]);
    let out = run_in(
        "sh",
        &steps::write_members(&c.spark.install_root),
        &scratch.0,
        &[],
        Some(&write_temp_file(&scratch.0, "members-input", &members)),
    );
    assert!(out.status.success(), "write_members: {}", text(&out.stderr));

    // facts::script: runs, and reports what is really there.
    let file_paths: Vec<String> = written.iter().map(|f| f.path.clone()).collect();
    let probe = facts::script(&c, host, &[&spark, &zk], &file_paths);
    let f = facts::parse(&run_ok("facts", &probe, &scratch.0, None));
    assert_eq!(
        f.members, members,
        "the membership record reads back exactly"
    );
    for cf in &written {
        assert_eq!(
            f.files.get(&cf.path),
            Some(&plan::sha256_hex(&cf.content)),
            "{}",
            cf.path
        );
    }
    for (d, r) in &roots {
        assert_eq!(f.current.get(r), Some(&d.dir_name), "{:?}", f.current);
        assert_eq!(
            f.stamps.get(&layout::tree(r, d)),
            Some(&d.sha256),
            "{:?}",
            f.stamps
        );
    }

    // start: stale pid files removed, the right script with exactly the
    // right arguments, fingerprint recorded.
    let h = &c.hosts[0];
    let url = c.master_url();
    for d in Daemon::ALL {
        let r = layout::root_of(&c, d).to_string();
        let pf = layout::pid_file(h, d);
        std::fs::create_dir_all(Path::new(&pf).parent().unwrap()).unwrap();
        std::fs::write(&pf, "999999999\n").unwrap(); // no such process: stale
        let fp = format!("fp $(touch {}) 'x' \"y\"", marker("fingerprint"));
        let fp_file = layout::fingerprint_file(&c, d);
        let script = steps::start(h, d, &steps::Launch::new(&c, d), Some((&fp, &fp_file)));
        run_ok(&format!("start {}", d.label()), &script, &scratch.0, None);
        assert!(
            !Path::new(&pf).exists(),
            "stale pid file of {} kept",
            d.label()
        );
        assert_eq!(
            std::fs::read_to_string(&fp_file).unwrap(),
            format!("{}\n", fp)
        );
        let current = std::fs::canonicalize(layout::current(&r)).unwrap();
        let (name, args) = match d {
            Daemon::ZooKeeper => ("zkServer", vec!["start".to_string()]),
            Daemon::Master => ("start-master", vec![]),
            Daemon::Worker => ("start-worker", vec![url.clone()]),
            Daemon::History => ("start-history-server", vec![]),
            // Each word arrives whole, the host's hostile address too.
            Daemon::Connect => (
                "start-connect-server",
                vec![
                    "--master".to_string(),
                    url.clone(),
                    "--conf".into(),
                    "spark.connect.grpc.binding.port=15002".into(),
                    "--conf".into(),
                    format!("spark.connect.grpc.binding.address={}", h.address),
                    "--conf".into(),
                    format!("spark.driver.host={}", h.address),
                ],
            ),
            // No [mesos] in this inventory: the defaults, and no master.
            Daemon::MesosDispatcher => (
                "start-mesos-dispatcher",
                vec![
                    "--webui-port".to_string(),
                    "8081".into(),
                    "--master".into(),
                    String::new(),
                ],
            ),
        };
        assert_eq!(
            nul_list(&record.join(format!("{}.args", name))),
            args,
            "{}",
            d.label()
        );
        assert_eq!(
            std::fs::read_to_string(record.join(format!("{}.cwd", name)))
                .unwrap()
                .trim_end(),
            current.to_str().unwrap()
        );
        if d == Daemon::ZooKeeper {
            assert_eq!(
                nul_list(&record.join("zkServer.env")),
                vec![
                    format!("{}/conf", layout::current(&r)),
                    h.zk.log_dir.clone()
                ]
            );
        }
    }
    // The start command of every daemon of every host at least parses.
    let mut as_spark = c.clone();
    as_spark.run_as = Some("spark".to_string());
    for h in &c.hosts {
        for d in Daemon::ALL.into_iter().filter(|d| d.runs_on(h)) {
            syntax_ok(
                "start",
                &steps::start(h, d, &steps::Launch::new(&c, d), None),
            );
            syntax_ok("stop", &steps::stop(h, d, &c, 30));
            syntax_ok("stop as user", &steps::stop(h, d, &as_spark, 30));
            syntax_ok("kill", &steps::kill_daemon(h, d, Some("spark")));
            syntax_ok("cmdline", &steps::daemon_cmdline(h, d, &as_spark));
            syntax_ok("log_tail", &steps::log_tail(h, d, 30, None));
            syntax_ok("daemon_alive", &steps::daemon_alive(h, d));
        }
        syntax_ok(
            "prune",
            &[&c.spark.install_root, &c.zookeeper.install_root]
                .map(|r| steps::prune(r))
                .concat(),
        );
        syntax_ok(
            "uninstall --purge",
            &steps::uninstall(
                &[&c.spark.install_root, &c.zookeeper.install_root],
                &plan::host_dirs(&c, h),
            ),
        );
        syntax_ok(
            "zkcli_ls",
            &steps::zkcli_ls(
                &layout::current(&c.zookeeper.install_root),
                &h.address,
                h.zk.client_port,
                &format!("{}/leader_election", c.spark.zookeeper_dir),
            ),
        );
        syntax_ok("facts", &facts::script(&c, h, &[&spark, &zk], &file_paths));
    }

    // stop: nothing running; then real processes that look like the
    // daemons: one that exits on SIGTERM (the worker), one that ignores it
    // (the master: the SIGKILL path). The distributions' stop scripts are
    // never run (see steps::stop).
    for d in [Daemon::Master, Daemon::Worker] {
        let pf = layout::pid_file(h, d);
        let out = run_ok("stop", &steps::stop(h, d, &c, 1), &scratch.0, None);
        assert_eq!(out.trim(), "@not-running");
        // daemon_alive (a wait's exit check): no pid file, nothing alive.
        let alive = run_ok("daemon_alive", &steps::daemon_alive(h, d), &scratch.0, None);
        assert_eq!(alive, "", "{}", d.label());
        let mut child = stand_in(&scratch.0, d, d == Daemon::Master);
        std::fs::write(&pf, format!("{}\n", child.id())).unwrap();
        let alive = run_ok("daemon_alive", &steps::daemon_alive(h, d), &scratch.0, None);
        assert_eq!(alive, "alive\n", "{}", d.label());
        let out = run_ok("stop", &steps::stop(h, d, &c, 1), &scratch.0, None);
        // stop returns only once the process is gone (a zombie until reaped here);
        // if it is still running, kill it rather than leave it behind.
        let status = match child.try_wait().unwrap() {
            Some(status) => status,
            None => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "stop {} returned {:?} with the daemon still running",
                    d.label(),
                    out
                );
            }
        };
        let want = if d == Daemon::Worker {
            "@stopped"
        } else {
            "@killed"
        };
        assert_eq!(out.trim(), want, "{}", d.label());
        assert!(!status.success(), "the stand-in daemon was not stopped");
        assert!(!Path::new(&pf).exists());
        for stopper in ["stop-worker", "stop-master", "spark-daemon"] {
            assert!(
                !record.join(format!("{}.args", stopper)).exists(),
                "{} was run",
                stopper
            );
        }
    }

    // A pid file naming something else stops and kills nothing: -1 (every
    // process), 0, a path that makes /proc/$p/cmdline another file, a
    // live process of another class, the pid with junk around it.
    let d = Daemon::Master;
    let pf = layout::pid_file(h, d);
    let mut other = stand_in(&scratch.0, Daemon::Worker, false);
    let fake = format!("{}/cmdline-dir", scratch.path());
    std::fs::create_dir_all(&fake).unwrap();
    std::fs::write(format!("{}/cmdline", fake), d.spark_class()).unwrap();
    for planted in [
        "-1".to_string(),
        "0".to_string(),
        format!("self/root{}", fake),
        other.id().to_string(),
        format!(" {}", other.id()),
        format!("0{}", other.id()),
    ] {
        std::fs::write(&pf, format!("{}\n", planted)).unwrap();
        let out = run_ok("stop", &steps::stop(h, d, &c, 1), &scratch.0, None);
        assert_eq!(out.trim(), "@not-running", "{:?}", planted);
        std::fs::write(&pf, format!("{}\n", planted)).unwrap();
        let o = run_in("sh", &steps::kill_daemon(h, d, None), &scratch.0, &[], None);
        assert_eq!(
            o.status.code(),
            Some(3),
            "{:?}: {}",
            planted,
            text(&o.stderr)
        );
        assert!(
            // (the content is not echoed: `-1` is in every pid file's name)
            text(&o.stderr).contains("does not name a running master")
                && !text(&o.stderr).contains(&format!("{}\n", planted))
                && !text(&o.stderr).contains("cmdline-dir"),
            "{}",
            text(&o.stderr)
        );
        let cmd = run_ok(
            "cmdline",
            &steps::daemon_cmdline(h, d, &c),
            &scratch.0,
            None,
        );
        assert_eq!(cmd, "", "{:?}", planted);
        let alive = run_ok("daemon_alive", &steps::daemon_alive(h, d), &scratch.0, None);
        assert_eq!(alive, "", "{:?}", planted);
        assert!(
            other.try_wait().unwrap().is_none(),
            "{:?} killed the other process",
            planted
        );
    }
    let _ = other.kill();
    let _ = other.wait();
    // The real one: its command line, then SIGKILL of exactly that pid.
    let mut child = stand_in(&scratch.0, d, false);
    std::fs::write(&pf, format!("{}\n", child.id())).unwrap();
    let cmd = run_ok(
        "cmdline",
        &steps::daemon_cmdline(h, d, &c),
        &scratch.0,
        None,
    );
    assert!(
        cmd.split_whitespace().any(|a| a == d.spark_class()),
        "{:?}",
        cmd
    );
    let alive = run_ok("daemon_alive", &steps::daemon_alive(h, d), &scratch.0, None);
    assert_eq!(alive, "alive\n");
    let out = run_ok("kill", &steps::kill_daemon(h, d, None), &scratch.0, None);
    assert_eq!(out.trim(), format!("@killed {}", child.id()));
    assert!(!child.wait().unwrap().success());

    // zkcli_ls: zkCli of the installed distribution, run in its directory,
    // with exactly the server and znode given: the cluster's values, then
    // znodes and addresses as hostile as any string.
    let zk_home = layout::current(&c.zookeeper.install_root);
    let zk_current = std::fs::canonicalize(&zk_home).unwrap();
    let mut cases = vec![(
        h.address.clone(),
        format!("{}/leader_election", c.spark.zookeeper_dir),
    )];
    for v in hostile("zkcli") {
        cases.push((v.clone(), v));
    }
    for (address, znode) in &cases {
        run_ok(
            "zkcli_ls",
            &steps::zkcli_ls(&zk_home, address, h.zk.client_port, znode),
            &scratch.0,
            None,
        );
        assert_eq!(
            nul_list(&record.join("zkCli.args")),
            vec![
                "-server".to_string(),
                format!("{}:{}", address, h.zk.client_port),
                "ls".to_string(),
                znode.clone()
            ],
            "{:?}",
            znode
        );
        assert_eq!(
            std::fs::read_to_string(record.join("zkCli.cwd"))
                .unwrap()
                .trim_end(),
            zk_current.to_str().unwrap()
        );
        assert_eq!(
            nul_list(&record.join("zkCli.env")),
            vec![format!("{}/conf", zk_home), "/tmp".to_string()]
        );
    }

    // read_secret_command (shown in deploy's help, run by the operator over
    // ssh): prints exactly the secret, whatever the path of the file.
    for v in hostile("secret") {
        let dir = scratch.0.join("secret").join(&v);
        std::fs::create_dir_all(&dir).unwrap();
        let conf = dir.join("spark-defaults.conf");
        std::fs::write(
            &conf,
            format!(
                "spark.x $(touch {})\nspark.authenticate.secret s3cr3t+/=\nspark.y 1\n",
                marker("secret-content")
            ),
        )
        .unwrap();
        let conf = conf.to_str().unwrap();
        let out = run_ok(
            "read_secret_command",
            &steps::read_secret_command(conf, false),
            &scratch.0,
            None,
        );
        assert_eq!(out, "s3cr3t+/=\n", "{:?}", v);
        syntax_ok(
            "read_secret_command with sudo",
            &steps::read_secret_command(conf, true),
        );
    }

    // log_tail: the newest log, last lines.
    for d in Daemon::ALL {
        let (dir, name) = match d {
            Daemon::ZooKeeper => (
                h.zk.log_dir.clone(),
                "zookeeper-sparkctl-server-x.out".to_string(),
            ),
            _ => (
                h.spark.log_dir.clone(),
                format!("spark-{}-{}-1-x.out", layout::SPARK_IDENT, d.spark_class()),
            ),
        };
        std::fs::create_dir_all(&dir).unwrap();
        let log = format!("{}/{}", dir, name);
        std::fs::write(&log, "one\n$(touch /tmp/x) 'two'\nthree `x`\n").unwrap();
        let out = run_ok(
            "log_tail",
            &steps::log_tail(h, d, 2, None),
            &scratch.0,
            None,
        );
        assert_eq!(
            out,
            format!("==> {}\n$(touch /tmp/x) 'two'\nthree `x`\n", log),
            "{}",
            d.label()
        );
        // `sparkctl logs`: the same newest file, its last lines, and the
        // follower, which prints appended lines and ends (with its tail)
        // when its standard input does.
        let found = run_ok("log_file", &steps::log_file(h, d, None), &scratch.0, None);
        assert_eq!(found, format!("{}\n", log), "{}", d.label());
        let out = run_ok(
            "log_show",
            &steps::log_show(&log, 1, None),
            &scratch.0,
            None,
        );
        assert_eq!(out, "three `x`\n");
        syntax_ok(
            "log_follow as user",
            &steps::log_follow(&log, 5, Some("spark")),
        );
        follow_until_stdin_ends(&steps::log_follow(&log, 1, None), &log, &scratch.0);
    }
    let empty = Scratch::new("nolog");
    let mut bare = h.clone();
    bare.spark.log_dir = empty.path().to_string();
    bare.zk.log_dir = empty.path().to_string();
    let out = run_in(
        "sh",
        &steps::log_file(&bare, Daemon::Master, None),
        &scratch.0,
        &[],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(steps::NO_LOG),
        "no log: its own status"
    );

    assert_no_markers("generated scripts");
}

/// Run `logs -f`'s script with a pipe as stdin, append to `log`, see the
/// line arrive, close the pipe: the script exits 0 and its tail is gone.
fn follow_until_stdin_ends(script: &str, log: &str, cwd: &Path) {
    use std::io::{BufRead, Write};
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(script)
        .current_dir(cwd)
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    assert_eq!(lines.next().unwrap().unwrap(), "three `x`");
    let mut f = std::fs::OpenOptions::new().append(true).open(log).unwrap();
    writeln!(f, "appended $(x)").unwrap();
    assert_eq!(lines.next().unwrap().unwrap(), "appended $(x)");
    drop(child.stdin.take());
    let started = std::time::Instant::now();
    assert!(child.wait().unwrap().success());
    // The tail exits too (killed, or --pid within a second): its end of
    // the pipe closes, so the stream ends.
    assert!(lines.next().is_none(), "the tail still runs");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

/// write_files with contents and paths no inventory could produce: the
/// quoting and the here-document must still be exact.
#[test]
fn write_files_is_exact_for_any_content_and_path() {
    let scratch = Scratch::new("write");
    let m = |t: &str| marker(&format!("write-{}", t));
    let contents = [
        format!("$(touch {})\n`touch {}`\n", m("c1"), m("c2")),
        "SPARKCTL_EOF_0\nSPARKCTL_EOF_1\n SPARKCTL_EOF_2\nSPARKCTL_EOF_2 \n".to_string(),
        "'\"\\\n\\\n\\".to_string() + "\n",
        "\t\r\n\u{1}é日本\n".to_string(),
        "\n\n".to_string(),
        "no trailing newline in the middle\\\nlast\n".to_string(),
    ];
    let dirs = [
        format!("{}/a b", scratch.path()),
        format!("{}/$(touch {})", scratch.path(), m("d1")),
        format!("{}/`touch {}`", scratch.path(), m("d2")),
        format!("{}/q'u\"o\\te", scratch.path()),
        format!("{}/new\nline", scratch.path()),
        format!("{}/-n", scratch.path()),
    ];
    let files: Vec<ConfigFile> = contents
        .iter()
        .zip(&dirs)
        .enumerate()
        .map(|(i, (content, dir))| ConfigFile {
            path: format!("{}/f {} ;'$x'.conf", dir, i),
            content: content.clone(),
            template: "test",
            readers: vec![],
            secret: false,
        })
        .collect();
    let mkdirs = vec![format!("{}/extra dir/$(touch {})", scratch.path(), m("mk"))];
    let script = steps::write_files(&mkdirs, &files, None);
    run_ok("write_files", &script, &scratch.0, None);
    for f in &files {
        assert_eq!(
            std::fs::read(&f.path).unwrap(),
            f.content.as_bytes(),
            "{:?}",
            f.path
        );
    }
    assert!(Path::new(&mkdirs[0]).is_dir());
    assert_no_markers("write_files");
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// Quote for sh, independently of `sparkctl::shell::quote` (which is under test).
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

// ---------------------------------------------------------------------------
// Product bugs found here, fixed, kept as regression tests: each doc comment
// describes the bug as it was; the tests run with the others.
// ---------------------------------------------------------------------------

fn field(name: &str) -> Field {
    fields().into_iter().find(|f| f.name == name).unwrap()
}

/// Run `try_value` for each (field, value); collect what went wrong.
fn failures(cases: &[(&str, String)]) -> Vec<String> {
    let scratch = Scratch::new("bugs");
    let zoo_keys = managed_zoo_keys();
    let mut out = Vec::new();
    for (name, value) in cases {
        if let Err(e) = try_value(&field(name), value, &scratch.0, &zoo_keys) {
            out.push(format!("{} = {:?}: {}", name, value, e));
        }
    }
    out
}

/// `[cluster] name` is never validated, and it is written into a comment
/// line of every config file. A newline (or, for the Java properties files,
/// a carriage return) ends the comment: what follows is a shell command in
/// spark-env.sh (run by Spark's load-spark-env.sh on every daemon start),
/// a property in spark-defaults.conf and zoo.cfg, a worker in `workers`.
#[test]
fn bug_cluster_name_injects_lines() {
    // Not a `marker()`: this one is expected to appear (and is removed), and
    // must not trip the marker checks of tests running at the same time.
    let m = format!("/tmp/pwned-bug-{}-cluster-name", std::process::id());
    let inv = BASE.replace(
        "#CLUSTER",
        // `#`: the template puts a `.` after the name.
        &kv("name", &toml_str(&format!("x\ntouch {} #", m))),
    );
    match parse(&inv) {
        // Refused at `[cluster] name` (line 2 of BASE), naming the value.
        Err(e) => {
            let err = e.to_string();
            assert!(
                err.starts_with(&format!(
                    "error: invalid cluster name `x\\ntouch {} #`\n --> sv.toml:2:8",
                    m
                )),
                "{}",
                err
            );
        }
        // Accepted is already wrong; say whether it is also exploitable.
        Ok(c) => {
            let scratch = Scratch::new("cluster-name");
            let files = render_all(&c);
            let env = &files[&("a".to_string(), "spark-env.sh".to_string())].content;
            let _ = source_vars(env, &scratch.0);
            let executed = Path::new(&m).exists();
            let _ = std::fs::remove_file(&m);
            panic!(
                "cluster name with a newline accepted (sourcing spark-env.sh ran `touch {}`: {}):\n{}",
                m, executed, env
            );
        }
    }
    let f = failures(&[
        ("cluster.name", "x\nspark.master=local".to_string()),
        ("cluster.name", "x\rserver.9=evil:2888:3888".to_string()),
    ]);
    assert!(f.is_empty(), "{}", f.join("\n\n"));
}

/// spark-defaults.conf and zoo.cfg are Java properties files, but property
/// names are written unescaped: `\` starts an escape (or a continuation
/// when last), a name starting with `#` or `!` makes the line a comment, and
/// in zoo.cfg a `:` ends the name (only white space and `=` are refused).
/// So `dataDir:/var/evil` silently replaces the managed dataDir.
#[test]
fn bug_property_names_are_not_escaped() {
    let mut cases = Vec::new();
    for k in ["a\\b", "a\\", "!x", "#x", "\\u0041"] {
        cases.push(("spark.defaults (key)", k.to_string()));
        cases.push(("zookeeper.extra (key)", k.to_string()));
    }
    cases.push(("zookeeper.extra (key)", "dataDir:/var/evil".to_string()));
    cases.push(("zookeeper.extra (key)", "clientPort:1".to_string()));
    let f = failures(&cases);
    assert!(f.is_empty(), "{} failures:\n{}", f.len(), f.join("\n\n"));
}

/// zoo.cfg `extra` values are written as they are, although ZooKeeper reads
/// zoo.cfg with `Properties.load`: backslashes are eaten, `\n` becomes a
/// newline, and a trailing backslash glues the next property onto the value
/// (spark-defaults.conf values are escaped by the `properties` filter; the
/// zoo.cfg template does not use it).
#[test]
fn bug_zoo_cfg_values_are_not_escaped() {
    let mut f = failures(&[
        ("zookeeper.extra (value)", "C:\\new\\dir".to_string()),
        ("zookeeper.extra (value)", "x\\".to_string()),
        ("host.zookeeper.extra (value)", "\\u0041".to_string()),
    ]);
    // The trailing backslash swallows the property written after it.
    let inv = BASE.replace(
        "#ZK",
        "extra = { \"a.first\" = \"x\\\\\", \"b.second\" = \"5\" }",
    );
    let c = parse(&inv).unwrap();
    let files = render_all(&c);
    let props: BTreeMap<String, String> =
        java_properties(&files[&("a".to_string(), "zoo.cfg".to_string())].content)
            .into_iter()
            .collect();
    if props.get("b.second").map(String::as_str) != Some("5") {
        f.push(format!(
            "a.first = \"x\\\\\" swallowed b.second: ZooKeeper reads a.first = {:?}, b.second = {:?}",
            props.get("a.first"),
            props.get("b.second")
        ));
    }
    assert!(f.is_empty(), "{}", f.join("\n\n"));
}

/// `memory_mb` trims white space before checking a size, but the untrimmed
/// value is rendered: `worker_memory = " 2g"` gives
/// `export SPARK_WORKER_MEMORY= 2g` (dash aborts on `export: 2g: bad
/// variable name`; bash exports an empty value) and `"\n2g"` runs `2g` as a
/// command when spark-env.sh is sourced.
#[test]
fn bug_memory_sizes_with_white_space() {
    let mut cases = Vec::new();
    for v in [" 2g", "\t2g", "\n2g", "2g\n", "2g "] {
        cases.push(("spark.worker_memory", v.to_string()));
        cases.push(("spark.daemon_memory", v.to_string()));
    }
    let f = failures(&cases);
    assert!(f.is_empty(), "{} failures:\n{}", f.len(), f.join("\n\n"));
}

/// A bad cluster-wide value inherited by N hosts is reported N times, with
/// the same message at the same place (`3 errors` for one mistake).
#[test]
fn bug_cluster_wide_errors_are_repeated_per_host() {
    for line in [
        "worker_dir = \"relative\"",
        "extra_env = [\"a\\nb\"]",
        "defaults = { \"a b\" = \"1\" }",
        "daemon_java_opts = [\"a b\"]",
    ] {
        let err = parse(&BASE.replace("#SPARK", line)).unwrap_err();
        let mut seen = BTreeSet::new();
        for d in &err.0 {
            assert!(
                seen.insert((d.message.clone(), d.span.as_ref().map(|s| (s.start, s.end)))),
                "`{}` reported {} times:\n{}",
                line,
                err.0.len(),
                err
            );
        }
    }
}

/// Write `contents` under a scratch dir, read them back with
/// `steps::read_files` (what `deploy --dry-run` diffs against) and return
/// what `parse_read_files` made of the output, next to what was written.
fn read_back(tag: &str, contents: &[&str]) -> (PathContents, PathContents) {
    let scratch = Scratch::new(tag);
    let written: Vec<(String, String)> = contents
        .iter()
        .enumerate()
        .map(|(i, c)| {
            (
                format!("{}/conf {}/f'{}'.conf", scratch.path(), i, i),
                c.to_string(),
            )
        })
        .collect();
    for (p, c) in &written {
        std::fs::create_dir_all(Path::new(p).parent().unwrap()).unwrap();
        std::fs::write(p, c).unwrap();
    }
    let paths: Vec<&str> = written.iter().map(|(p, _)| p.as_str()).collect();
    let out = run_ok("read_files", &steps::read_files(&paths), &scratch.0, None);
    (steps::parse_read_files(&out), written)
}

#[test]
fn read_files_returns_hostile_contents_exactly() {
    let m = marker("read");
    let c1 = format!("$(touch {}) `touch {}`\n'\"\\\n", m, m);
    let (got, want) = read_back(
        "read",
        &[
            &c1,
            "no newline at the end",
            "",
            "\n\n",
            "@@sparkctl-file@@ inline, not at the start\n",
        ],
    );
    assert_eq!(got, want);
    assert_no_markers("read_files");
}

/// `parse_read_files` finds the end of a file by searching for
/// "\n@@sparkctl-end@@", which a config file can contain: an `extra_env`
/// entry (or a spark `defaults` key) `@@sparkctl-end@@` is accepted by
/// validation and rendered as a line of its own. The file is then cut
/// there, and `deploy --dry-run` diffs against a truncated "current" file.
#[test]
fn bug_read_files_cut_at_marker_lines() {
    let (got, want) = read_back(
        "read-marker",
        &[
            "a\n@@sparkctl-end@@\nb\n",
            "@@sparkctl-file@@ /etc/passwd\nx\n",
        ],
    );
    assert_eq!(got, want);
}

/// With a service user (this test needs root and the lab's `spark` user):
/// root hands over only directories whose parents only root can write,
/// and reads what lies inside them (ZooKeeper's `myid`) as the user, so a
/// symlink planted there to a root-only file shows nothing of it.
#[test]
fn service_user_files_are_read_as_that_user_and_open_parents_refused() {
    assert_eq!(
        text(&Command::new("id").arg("-u").output().unwrap().stdout).trim(),
        "0",
        "this test needs root (as the lab tests do)"
    );
    assert!(
        Command::new("id")
            .arg("spark")
            .output()
            .unwrap()
            .status
            .success(),
        "this test needs the `spark` user (lab/lab up creates it)"
    );
    // Not under /tmp: a world-writable parent is refused (checked below).
    let base =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("svc-user-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(&base).unwrap();
    let b = base.display().to_string();
    let data = format!("{}/data", b);
    let myid = ConfigFile {
        path: format!("{}/myid", data),
        content: "1\n".into(),
        template: "myid",
        readers: vec![Daemon::ZooKeeper],
        secret: false,
    };
    let mkdirs = vec![data.clone()];
    run_ok(
        "write_files",
        &steps::write_files(&mkdirs, std::slice::from_ref(&myid), Some("spark")),
        &base,
        None,
    );
    let owner = text(
        &Command::new("stat")
            .args(["-c", "%U %a", &data, &myid.path])
            .output()
            .unwrap()
            .stdout,
    );
    assert_eq!(owner, "spark 750\nspark 644\n");

    // The user plants myid -> a root-only file.
    let m = marker("root-only");
    let secret = format!("{}/root-only", b);
    std::fs::write(&secret, &m).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::remove_file(&myid.path).unwrap();
    std::os::unix::fs::symlink(&secret, &myid.path).unwrap();
    let o = run_in(
        "sh",
        &steps::read_files_as(&[&myid.path], &mkdirs, Some("spark")),
        &base,
        &[],
        None,
    );
    let all = format!("{}{}", text(&o.stdout), text(&o.stderr));
    assert!(!all.contains(&m), "the root-only file was read: {}", all);
    assert!(
        steps::parse_read_files(&text(&o.stdout)).is_empty(),
        "{}",
        all
    );
    // Without a service user nothing is handed over, and root reads it.
    let o = run_ok(
        "read_files",
        &steps::read_files_as(&[&myid.path], &mkdirs, None),
        &base,
        None,
    );
    assert!(o.contains(&m));

    // A parent anyone may write: nothing is created or re-owned.
    let open = format!("{}/open", b);
    std::fs::create_dir_all(&open).unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
    let o = run_in(
        "sh",
        &steps::write_files(&[format!("{}/logs", open)], &[], Some("spark")),
        &base,
        &[],
        None,
    );
    assert_eq!(o.status.code(), Some(7), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains(&format!("refusing to give {}/logs to the service user spark: {} is writable by other users (mode 777)", open, open)),
        "{}",
        text(&o.stderr)
    );
    assert!(!Path::new(&format!("{}/logs", open)).exists());
    std::fs::remove_dir_all(&base).unwrap();
}
