//! Property-based tests of the inventory front end: parse, validate, render.
//!
//! The inventory is the one input sparkctl takes from a user, and it decides
//! what lands on hosts, so it must hold up against anything a user (or a
//! typo, or a copy-paste accident) can produce:
//!
//! * arbitrary text never panics, and every error says `error: ` and points
//!   at `fuzz.toml:LINE:COL`;
//! * structured inventories, generated with plausible *and* hostile values
//!   and serialised to TOML here, either validate into a cluster whose
//!   invariants hold (unique names, sane ZooKeeper ids and quorum, no port
//!   clashes, only safe characters in the values that reach shell scripts)
//!   and which renders without panicking, or fail with located errors.
//!
//! The runs are deterministic (fixed seed, so CI is reproducible); set
//! `SPARKCTL_FUZZ_SEED=<u64>` to explore other inputs. Failures are shrunk
//! by proptest and the minimal inventory text is printed. No failure
//! persistence files are written.
//!
//! Product bugs the generators found have their own `bug_*` regression
//! tests at the end of this file; all are fixed, and they run (none is
//! ignored).

use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::string::string_regex;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestRunner};
use sparkctl::diag::Diagnostics;
use sparkctl::dist::{LocalDist, Product};
use sparkctl::inventory::{self, Cluster, Ha};
use sparkctl::render::{Dists, Renderer};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The file name every generated inventory pretends to have.
const FILE: &str = "fuzz.toml";

// ---------------------------------------------------------------------------
// Running properties
// ---------------------------------------------------------------------------

fn seed() -> u64 {
    std::env::var("SPARKCTL_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_5ca1_ab1e)
}

/// Run `test` on `cases` values of `strategy`; print how many were tried
/// (shrinking included) and panic with proptest's minimal failing input.
/// A TestRunner is used directly, rather than the `proptest!` macro, so the
/// count can be printed and persistence files can be turned off.
fn check<S>(
    name: &str,
    cases: u32,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) -> usize
where
    S: Strategy,
    S::Value: Debug,
{
    let tried = AtomicUsize::new(0);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(seed()),
        max_shrink_iters: 4000,
        ..Config::default()
    });
    let result = runner.run(&strategy, |v| {
        tried.fetch_add(1, Ordering::Relaxed);
        test(v)
    });
    let tried = tried.into_inner();
    eprintln!(
        "{}: {} generated cases tried (seed {})",
        name,
        tried,
        seed()
    );
    if let Err(e) = result {
        panic!("{}: {}", name, e);
    }
    tried
}

fn parse(text: &str) -> Result<Cluster, Diagnostics> {
    inventory::parse(Path::new(FILE), text)
}

/// What every error report must look like, whatever the input: each
/// diagnostic starts with `error: `, names the file, and when it has a span
/// shows ` --> fuzz.toml:LINE:COL` with the span's real line and column.
fn check_diagnostics(text: &str, diags: &Diagnostics) -> Result<(), TestCaseError> {
    prop_assert!(!diags.0.is_empty(), "an Err with no diagnostic");
    let shown = diags.to_string();
    prop_assert!(
        shown.starts_with("error: "),
        "report does not start with `error: `:\n{}",
        shown
    );
    for d in &diags.0 {
        let one = d.to_string();
        prop_assert!(
            one.starts_with("error: "),
            "diagnostic does not start with `error: `:\n{}",
            one
        );
        prop_assert_eq!(
            d.file.as_deref(),
            Some(Path::new(FILE)),
            "diagnostic without the file: {}",
            one
        );
        if let Some(span) = &d.span {
            prop_assert!(
                span.start <= text.len(),
                "span {:?} beyond the text ({} bytes): {}",
                span,
                text.len(),
                one
            );
            prop_assert!(
                text.is_char_boundary(span.start),
                "span {:?} starts inside a character: {}",
                span,
                one
            );
            // Line and column computed here, independently of diag.rs:
            // 1-based, the column counted in characters.
            let before = &text[..span.start];
            let line = before.matches('\n').count() + 1;
            let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
            prop_assert_eq!(d.line_col(), Some((line, col)), "{}", one);
            let want = format!(" --> {}:{}:{}\n", FILE, line, col);
            prop_assert!(
                one.contains(&want),
                "missing `{}` in:\n{}",
                want.trim_end(),
                one
            );
            prop_assert!(shown.contains(&want));
        } else {
            prop_assert!(
                one.contains(&format!("--> {}", FILE)),
                "no file in:\n{}",
                one
            );
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// (a) Arbitrary text
// ---------------------------------------------------------------------------

/// A valid inventory to mutate: mutations of real structure reach far deeper
/// into validation than random bytes, which almost never get past the TOML parser.
const BASE: &str = r#"[cluster]
name = "abc"
ha = "zookeeper"

[spark]
tarball = "dist/spark-4.3.0-bin-hadoop3.tgz"
worker_cores = 4
worker_memory = "8g"
defaults = { "spark.eventLog.enabled" = "true" }
extra_env = ["export A=1"]

[zookeeper]
tarball = "dist/apache-zookeeper-3.8.4-bin.tar.gz"
heap = "512m"
max_session_timeout = 6000
extra = { "snapCount" = "100000" }

[[host]]
name = "a"
roles = ["zookeeper", "master", "worker"]
zk_id = 1

[[host]]
name = "b"
address = "10.0.0.2"
roles = ["zookeeper", "master", "worker"]
[host.spark]
worker_cores = 2

[[host]]
name = "c"
roles = ["zookeeper", "worker"]
[host.zookeeper]
client_port = 2182
"#;

/// Pieces of TOML and of inventories, glued together at random.
const SOUP: &[&str] = &[
    "[spark]\n",
    "[zookeeper]\n",
    "[cluster]\n",
    "[ssh]\n",
    "[[host]]\n",
    "[host.spark]\n",
    "[host.zookeeper]\n",
    "name = \"a\"\n",
    "name = \"a\"\n",
    "roles = [\"master\", \"worker\"]\n",
    "roles = [\"zookeeper\"]\n",
    "tarball = \"s-4.0.0.tgz\"\n",
    "url = \"https://x/s.tgz\"\n",
    "sha512 = \"ab\"\n",
    "ha = \"zookeeper\"\n",
    "ha = \"filesystem\"\n",
    "master_port = 0\n",
    "zk_id = 300\n",
    "worker_memory = \"lots\"\n",
    "data_dir = \"rel\"\n",
    "x = 1\n",
    "=",
    "\"",
    "'",
    "'''",
    "\"\"\"",
    "[",
    "]",
    "[[",
    "{",
    "}",
    ",",
    ".",
    "\n",
    "\r\n",
    "\r",
    "\t",
    " ",
    "#",
    "\\",
    "\\u00e9",
    "\\uD800",
    "é",
    "\u{feff}",
    "\u{0}",
    "\u{7f}",
    "😀",
    "1979-05-27",
    "inf",
    "nan",
    "0x10",
    "1_000",
    "-0",
    "true",
    "a.b.c = 1\n",
    "\"k\" = 1\n",
];

fn soup() -> impl Strategy<Value = String> {
    vec(select(SOUP), 0..40).prop_map(|parts| parts.concat())
}

/// Replace, insert or delete characters of BASE at random places.
fn mutated_base() -> impl Strategy<Value = String> {
    let edit = (
        any::<prop::sample::Index>(),
        0u8..3,
        prop_oneof![
            3 => select(&['"', '[', ']', '=', '\n', ' ', '0', '#', '\\', '{', '}', ',', 'a', '\'', '.'][..]),
            1 => any::<char>(),
        ],
    );
    vec(edit, 1..6).prop_map(|edits| {
        let mut chars: Vec<char> = BASE.chars().collect();
        for (at, kind, c) in edits {
            let i = at.index(chars.len() + 1);
            match kind {
                0 if i < chars.len() => chars[i] = c,
                1 if i < chars.len() => {
                    chars.remove(i);
                }
                _ => chars.insert(i, c),
            }
        }
        chars.into_iter().collect()
    })
}

fn arbitrary_text() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => any::<String>(),
        1 => vec(any::<u8>(), 0..300).prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        3 => soup(),
        4 => mutated_base(),
    ]
}

#[test]
fn arbitrary_text_never_panics_and_errors_are_located() {
    let oks = AtomicUsize::new(0);
    let n = check("arbitrary text", 2400, arbitrary_text(), |text| {
        match parse(&text) {
            Ok(_) => {
                oks.fetch_add(1, Ordering::Relaxed);
            }
            Err(d) => check_diagnostics(&text, &d)?,
        }
        Ok(())
    });
    eprintln!(
        "arbitrary text: {} of them parsed and validated",
        oks.into_inner()
    );
    assert!(n >= 2400);
}

// ---------------------------------------------------------------------------
// (b) Structured inventories
// ---------------------------------------------------------------------------

/// A TOML value, as much as inventories need.
#[derive(Debug, Clone)]
enum Val {
    Int(i64),
    Str(String),
    Arr(Vec<String>),
    Map(BTreeMap<String, String>),
}

/// A TOML basic string: `"` and `\` escaped, control characters as \uXXXX.
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

impl Val {
    fn toml(&self) -> String {
        match self {
            Val::Int(i) => i.to_string(),
            Val::Str(s) => toml_str(s),
            Val::Arr(a) => format!(
                "[{}]",
                a.iter().map(|s| toml_str(s)).collect::<Vec<_>>().join(", ")
            ),
            Val::Map(m) => format!(
                "{{ {} }}",
                m.iter()
                    .map(|(k, v)| format!("{} = {}", toml_str(k), toml_str(v)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

type Entries = Vec<(String, Val)>;

fn emit(out: &mut String, entries: &Entries) {
    for (k, v) in entries {
        // Bare keys where TOML allows them, quoted otherwise (junk keys).
        if !k.is_empty()
            && k.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            out.push_str(k);
        } else {
            out.push_str(&toml_str(k));
        }
        out.push_str(" = ");
        out.push_str(&v.toml());
        out.push('\n');
    }
}

fn s(items: &'static [&'static str]) -> BoxedStrategy<String> {
    select(items).prop_map(str::to_string).boxed()
}

/// Good values most of the time, bad ones sometimes: often in wild
/// inventories (to reach every check), rarely in sane ones (so that many of
/// them validate and the renderer gets exercised on accepted values too).
fn mix<T: Debug + 'static>(
    wild: bool,
    good: BoxedStrategy<T>,
    bad: BoxedStrategy<T>,
) -> BoxedStrategy<T> {
    let w = if wild { 3 } else { 40 };
    prop_oneof![w => good, 1 => bad].boxed()
}

/// Strings made of the characters that matter to shells and config parsers.
fn hostile_chars() -> BoxedStrategy<String> {
    string_regex("[a-z0-9/ ;'\"\n\t\\\\$()`.=:,_#!*&|<>{}~-]{0,10}")
        .unwrap()
        .boxed()
}

const HOSTILE: &[&str] = &[
    "$(touch /tmp/pwned-fuzz)",
    "`touch /tmp/pwned-fuzz`",
    "a;b",
    "a'b",
    "a\"b",
    "a\nb",
    "a b",
    "a\\b",
    "",
    " ",
    "-rf",
    "\r",
    "\0",
    "é",
    "a\u{7f}",
    "~/x",
    "../x",
    "*",
];

/// Hand-picked hostile values, or random ones from the dangerous characters.
fn hostile() -> BoxedStrategy<String> {
    prop_oneof![s(HOSTILE), hostile_chars()].boxed()
}

fn path(wild: bool) -> BoxedStrategy<String> {
    let good = prop_oneof![
        2 => s(&[
            "/opt/spark",
            "/opt/spark/logs",
            "/var/lib/zookeeper",
            "/data1/spark",
            "/srv/x_y-z.1",
            "/a+b@c%d:e,f=g",
            "/",
        ]),
        1 => string_regex("/[a-zA-Z0-9/._+@%:,=-]{0,12}").unwrap(),
    ];
    let bad = prop_oneof![
        s(&[
            "relative/dir",
            "x",
            "/with space",
            "/a;b",
            "/a'b",
            "/a\"b",
            "/a\nb",
            "/a$(touch /tmp/pwned-fuzz)",
            "/a`id`",
            "/a\\b",
            "",
            "~/x",
            "/é",
        ]),
        hostile(),
        hostile().prop_map(|h| format!("/{}", h)),
    ];
    mix(wild, good.boxed(), bad.boxed())
}

/// Memory sizes. Huge numbers are left out: they overflow `memory_mb` (see
/// `bug_huge_memory_size_panics` below).
fn memory(wild: bool) -> BoxedStrategy<String> {
    let good = prop_oneof![
        3 => s(&["512m", "1g", "2G", "8g", "1024", "2048kb", "1t", "64M", "3gb"]),
        1 => string_regex("[1-9][0-9]{0,4}[mgMG]").unwrap(),
    ];
    let bad = prop_oneof![
        s(&["0", "x", "1.5g", " 2g", "2g ", "", "1kb", "-1g", "2 g", "g", "\n2g", "2g\n"]),
        string_regex("[0-9]{1,5}[kmgtKMGT]?[bB]?").unwrap(),
        hostile(),
    ];
    mix(wild, good.boxed(), bad.boxed())
}

fn port(wild: bool) -> BoxedStrategy<Val> {
    // The well-known ports make clashes likely; wild inventories draw them more.
    let good = prop_oneof![
        if wild { 3 } else { 1 } => select(&[22i64, 2181, 2182, 2888, 3888, 7077, 8080, 8081, 8180, 65535][..]),
        2 => 1024i64..=65535,
    ];
    let bad = select(&[0i64, -1, 65536, 100_000][..]);
    mix(wild, good.boxed(), bad.boxed())
        .prop_map(Val::Int)
        .boxed()
}

fn jvm_opt(wild: bool) -> BoxedStrategy<String> {
    let good = s(&[
        "-XX:+UseG1GC",
        "-Dx=1",
        "-Dspark.deploy.retainedApplications=50",
        "-Xss4m",
        "-Dp=a,b:c/d",
        "-Dx=*",
        "-Dx=#y",
    ]);
    let bad = prop_oneof![
        s(&[
            "-Dx=$(id)",
            "a b",
            "",
            "-Dq='x'",
            "-Dq=\"x\"",
            "-D\\x",
            "-Dx=`id`",
            "-Da;b",
            "-Dx\n",
            "-Dx=a|b",
        ]),
        hostile(),
    ];
    mix(wild, good, bad.boxed())
}

/// extra_env lines are shell on purpose: anything on one line is accepted.
fn env_line(wild: bool) -> BoxedStrategy<String> {
    let good = prop_oneof![
        s(&[
            "export A=1",
            "export SPARK_PUBLIC_DNS=$(hostname -f)",
            "X='a b'; export X",
            "# a comment",
            "",
            "echo \"$(touch /tmp/pwned-fuzz-env)\" >/dev/null # accepted: verbatim shell",
        ]),
        hostile().prop_filter("one line", |l| !l.contains(['\n', '\r', '\0'])),
    ];
    let bad = s(&["a\nb", "x\r", "x\0y", "export A=1\n"]);
    mix(wild, good.boxed(), bad)
}

fn prop_key(wild: bool) -> BoxedStrategy<String> {
    let good = s(&[
        "spark.eventLog.enabled",
        "spark.eventLog.dir",
        "spark.ui.port",
        "snapCount",
        "globalOutstandingLimit",
        "x.$(touch /tmp/pwned-fuzz)",
    ]);
    let bad = prop_oneof![
        s(&[
            "dataDir",
            "clientPort",
            "server.1",
            "spark x",
            "spark=x",
            "",
            "a\nb",
            "admin.serverPort",
            "admin.enableServer",
            "4lw.commands.whitelist",
            "dynamicConfigFile",
            "spark.master",
            "spark.master.rest.enabled",
        ]),
        hostile(),
    ];
    mix(wild, good, bad.boxed())
}

fn prop_value(wild: bool) -> BoxedStrategy<String> {
    let good = s(&[
        "true",
        "file:///opt/spark/events",
        "100000",
        "a b",
        "$(touch /tmp/pwned-fuzz)",
        "it's \"quoted\" `x`; y",
        "",
    ]);
    let bad = prop_oneof![s(&["x\ny", "x\r", "x\0"]), hostile()];
    mix(wild, good, bad.boxed())
}

fn int(items: &'static [i64]) -> BoxedStrategy<Val> {
    select(items).prop_map(Val::Int).boxed()
}

type Keys = Vec<(&'static str, BoxedStrategy<Val>)>;

/// Settings valid both in `[spark]` and `[host.spark]`.
fn spark_settings(wild: bool) -> Keys {
    let st = |x: BoxedStrategy<String>| x.prop_map(Val::Str).boxed();
    let arr = |x: BoxedStrategy<String>| vec(x, 0..3).prop_map(Val::Arr).boxed();
    let cores = mix(wild, int(&[1, 2, 4, 16]), int(&[0, -1]));
    vec![
        ("master_port", port(wild)),
        ("master_webui_port", port(wild)),
        ("worker_port", mix(wild, port(wild), int(&[0]))),
        ("worker_webui_port", port(wild)),
        ("worker_cores", cores),
        ("worker_memory", st(memory(wild))),
        ("worker_dir", st(path(wild))),
        (
            "local_dirs",
            vec(path(wild), 1..3)
                .prop_map(|v| Val::Str(v.join(",")))
                .boxed(),
        ),
        ("log_dir", st(path(wild))),
        ("pid_dir", st(path(wild))),
        ("daemon_memory", st(memory(wild))),
        ("daemon_java_opts", arr(jvm_opt(wild))),
        ("master_opts", arr(jvm_opt(wild))),
        ("worker_opts", arr(jvm_opt(wild))),
        ("java_home", st(path(wild))),
        ("extra_env", arr(env_line(wild))),
        (
            "defaults",
            btree_map(prop_key(wild), prop_value(wild), 0..3)
                .prop_map(Val::Map)
                .boxed(),
        ),
        ("worker_timeout", int(&[0, 5, 60])),
    ]
}

/// Settings valid both in `[zookeeper]` and `[host.zookeeper]`.
fn zk_settings(wild: bool) -> Keys {
    let st = |x: BoxedStrategy<String>| x.prop_map(Val::Str).boxed();
    vec![
        ("client_port", port(wild)),
        ("quorum_port", port(wild)),
        ("election_port", port(wild)),
        ("admin_port", mix(wild, port(wild), int(&[0]))),
        ("data_dir", st(path(wild))),
        ("data_log_dir", st(path(wild))),
        ("log_dir", st(path(wild))),
        ("heap", st(memory(wild))),
        (
            "jvm_opts",
            vec(jvm_opt(wild), 0..3).prop_map(Val::Arr).boxed(),
        ),
        ("java_home", st(path(wild))),
        (
            "extra",
            btree_map(prop_key(wild), prop_value(wild), 0..3)
                .prop_map(Val::Map)
                .boxed(),
        ),
    ]
}

/// Ensemble-wide ZooKeeper keys (refused per host).
fn zk_ensemble(wild: bool) -> Keys {
    vec![
        // Large values: beyond a Java int, beyond u32 arithmetic (2 x tick_time),
        // and products (tick_time x init_limit) that overflow ZooKeeper's ints.
        (
            "tick_time",
            mix(
                wild,
                int(&[1000, 2000]),
                int(&[
                    0,
                    1_000_000_000,
                    2_147_483_647,
                    2_147_483_648,
                    4_294_967_295,
                ]),
            ),
        ),
        (
            "init_limit",
            mix(wild, int(&[5, 10]), int(&[0, 2_147_483_648])),
        ),
        ("sync_limit", mix(wild, int(&[2, 5]), int(&[0]))),
        (
            "max_session_timeout",
            int(&[0, 3999, 4000, 6000, 60000, 2_147_483_647, 4_294_967_295]),
        ),
        ("autopurge_snap_retain_count", int(&[0, 3])),
        ("autopurge_purge_interval", int(&[0, 24])),
        ("install_root", path(wild).prop_map(Val::Str).boxed()),
    ]
}

/// `Some` with probability `p`; proptest's own `option::weighted` refuses 0 and 1.
fn maybe<T: Debug + Clone + 'static>(
    p: f64,
    v: impl Strategy<Value = T> + 'static,
) -> BoxedStrategy<Option<T>> {
    if p <= 0.0 {
        Just(None).boxed()
    } else if p >= 1.0 {
        v.prop_map(Some).boxed()
    } else {
        proptest::option::weighted(p, v).boxed()
    }
}

/// Each key present with probability `p`.
fn table(keys: Keys, p: f64) -> BoxedStrategy<Entries> {
    let parts: Vec<BoxedStrategy<Option<(String, Val)>>> = keys
        .into_iter()
        .map(|(k, v)| maybe(p, v.prop_map(move |v| (k.to_string(), v))).boxed())
        .collect();
    parts
        .prop_map(|v| v.into_iter().flatten().collect())
        .boxed()
}

/// Keys that are wrong in some way: misspelt, mistyped, or in the wrong table.
fn junk(wild: bool) -> BoxedStrategy<Option<(String, Val)>> {
    let p = if wild { 0.15 } else { 0.0 };
    maybe(
        p,
        select(vec![
            ("worker_core", Val::Int(2)),
            ("master_port", Val::Str("7077".into())),
            ("tarball", Val::Str("x.tgz".into())),
            ("tick_time", Val::Int(2000)),
            ("heap", Val::Int(1)),
            ("extra_env", Val::Str("export A=1".into())),
            ("", Val::Int(1)),
        ])
        .prop_map(|(k, v)| (k.to_string(), v)),
    )
    .boxed()
}

/// Where a distribution comes from; in wild inventories, each kind of mistake too.
fn source(product: &'static str, wild: bool) -> BoxedStrategy<Entries> {
    let sha512 = "ab".repeat(64);
    let (tb, old_tb, url) = if product == "spark" {
        (
            "dist/spark-4.3.0-bin-hadoop3.tgz",
            "dist/spark-2.4.8-bin-hadoop2.7.tgz",
            "https://example.org/spark-3.5.3-bin-hadoop3.tgz",
        )
    } else {
        (
            "dist/apache-zookeeper-3.8.4-bin.tar.gz",
            "zookeeper-3.8.0-bin.tar",
            "https://example.org/apache-zookeeper-3.8.4-bin.tar.gz",
        )
    };
    let t = |k: &str, v: &str| (k.to_string(), Val::Str(v.to_string()));
    let good: Vec<Entries> = vec![
        vec![t("tarball", tb)],
        vec![t("tarball", old_tb)],
        vec![t("url", url), t("sha512", &sha512)],
        vec![t("tarball", tb), t("sha256", &"0".repeat(64))],
    ];
    let bad: Vec<Entries> = vec![
        vec![t("url", url)],
        vec![t("url", "ftp://x/s.tgz"), t("sha512", &sha512)],
        vec![t("tarball", tb), t("url", url)],
        vec![],
        vec![t("tarball", tb), t("sha256", "abc")],
        vec![
            t("tarball", tb),
            t("sha256", &"0".repeat(64)),
            t("sha512", &sha512),
        ],
    ];
    mix(wild, select(good).boxed(), select(bad).boxed())
}

#[derive(Debug, Clone)]
struct GenHost {
    /// None: the required `name` key is left out.
    name: Option<String>,
    address: Option<String>,
    /// None: the required `roles` key is left out.
    roles: Option<Vec<String>>,
    zk_id: Option<i64>,
    ssh: Entries,
    spark: Entries,
    zk: Entries,
    /// Distribution or ensemble keys that are refused per host.
    stray_spark: Entries,
    stray_zk: Entries,
    junk: Option<(String, Val)>,
}

#[derive(Debug, Clone)]
struct GenInventory {
    cluster: Entries,
    ssh: Entries,
    spark: Entries,
    /// None: no [zookeeper] table at all.
    zookeeper: Option<Entries>,
    hosts: Vec<GenHost>,
    junk: Option<(String, Val)>,
}

/// Addresses validation accepts; sane inventories number them per host.
const GOOD_ADDRESSES: &[&str] = &["10.0.0.1", "10.0.0.2", "host.example.org", "a-b-c"];

/// Names drawn in wild inventories: few, so duplicates are common.
const NAMES: &[&str] = &["a", "b", "c", "d", "node-1", "x.y", "h_2", "a"];

/// Host layouts that make sense for sane inventories (the last one runs a
/// lone ZooKeeper that no master uses: valid, if odd).
const TOPOLOGIES: &[&str] = &[
    "master+worker",
    "master worker",
    "master+worker worker worker",
    "zookeeper+master+worker zookeeper+master+worker zookeeper+worker",
    "zookeeper+master+worker zookeeper+master+worker zookeeper+worker worker",
    "zookeeper+master zookeeper+master zookeeper worker worker",
    "zookeeper+master+worker zookeeper+master+worker zookeeper+master+worker zookeeper+worker zookeeper+worker",
    "zookeeper master+worker",
];

fn role_list(wild: bool) -> BoxedStrategy<Option<Vec<String>>> {
    let role = mix(
        wild,
        s(&["zookeeper", "master", "worker"]),
        s(&["wroker", "Master", "", "zk", "master "]),
    );
    let roles = vec(role, if wild { 0 } else { 1 }..4).prop_map(Some);
    if wild {
        // Sometimes leave the required key out altogether.
        prop_oneof![6 => roles, 1 => Just(None)].boxed()
    } else {
        roles.boxed()
    }
}

fn host(wild: bool) -> BoxedStrategy<GenHost> {
    let name = if wild {
        prop_oneof![
            12 => select(NAMES).prop_map(|n| Some(n.to_string())),
            2 => hostile().prop_map(Some),
            1 => s(&["-x", "", "a b", "a\nb", "é"]).prop_map(Some),
            1 => Just(None),
        ]
        .boxed()
    } else {
        Just(Some(String::new())).boxed() // numbered h0, h1, ... by inventory()
    };
    let address = maybe(
        0.3,
        mix(
            wild,
            s(GOOD_ADDRESSES),
            prop_oneof![
                s(&[
                    "-oProxyCommand=x",
                    "",
                    "a b",
                    "$(touch /tmp/pwned-fuzz)",
                    "a;b",
                    "[::1]",
                    "a/b",
                    // IPv6 literals, `_` and ports: Java's URI parser cannot read them.
                    "fe80::1",
                    "a_b-c",
                    "10.0.0.1:22",
                ]),
                hostile(),
            ]
            .boxed(),
        ),
    );
    let zk_id = maybe(
        if wild { 0.15 } else { 0.05 },
        mix(wild, int(&[1, 2, 3, 5, 255]), int(&[0, 256, -1])).prop_map(|v| match v {
            Val::Int(i) => i,
            _ => unreachable!(),
        }),
    );
    let ssh = table(
        vec![
            (
                "ssh_user",
                s(&["root", "admin", "-oProxyCommand=x", "a b"])
                    .prop_map(Val::Str)
                    .boxed(),
            ),
            ("ssh_port", port(wild)),
            ("identity_file", path(wild).prop_map(Val::Str).boxed()),
        ],
        0.1,
    );
    let stray = if wild { 0.03 } else { 0.0 };
    let stray_spark = table(
        vec![
            ("tarball", Just(Val::Str("x.tgz".into())).boxed()),
            ("install_root", path(wild).prop_map(Val::Str).boxed()),
            ("zookeeper_dir", path(wild).prop_map(Val::Str).boxed()),
        ],
        stray,
    );
    let stray_zk = table(
        vec![
            ("tick_time", int(&[2000])),
            ("max_session_timeout", int(&[6000])),
            ("url", Just(Val::Str("https://x/z.tgz".into())).boxed()),
        ],
        stray,
    );
    (
        name,
        address,
        role_list(wild),
        zk_id,
        ssh,
        table(spark_settings(wild), 0.06),
        table(zk_settings(wild), 0.06),
        stray_spark,
        stray_zk,
        junk(wild),
    )
        .prop_map(
            |(name, address, roles, zk_id, ssh, spark, zk, stray_spark, stray_zk, junk)| GenHost {
                name,
                address,
                roles,
                zk_id,
                ssh,
                spark,
                zk,
                stray_spark,
                stray_zk,
                junk,
            },
        )
        .boxed()
}

fn hosts(wild: bool) -> BoxedStrategy<Vec<GenHost>> {
    if wild {
        return vec(host(true), 0..7).boxed();
    }
    // Sane: a sensible layout most of the time, random roles otherwise;
    // always distinct names h0, h1, ...
    let layout = prop_oneof![
        4 => select(TOPOLOGIES).prop_map(|t| {
            Some(t.split(' ').map(|h| h.split('+').map(str::to_string).collect::<Vec<_>>()).collect::<Vec<_>>())
        }),
        1 => Just(None),
    ];
    (layout, vec(host(false), 1..7))
        .prop_map(|(layout, mut hosts)| {
            if let Some(layout) = layout {
                hosts.resize(layout.len(), hosts[0].clone());
                for (h, roles) in hosts.iter_mut().zip(layout) {
                    h.roles = Some(roles);
                }
            }
            for (i, h) in hosts.iter_mut().enumerate() {
                h.name = Some(format!("h{}", i));
                // Distinct addresses unless a bad one was drawn.
                if h.address
                    .as_deref()
                    .is_some_and(|a| GOOD_ADDRESSES.contains(&a))
                {
                    h.address = Some(format!("10.0.0.{}", i + 1));
                }
                // Explicit ZooKeeper ids only where they make sense.
                if !h
                    .roles
                    .as_ref()
                    .is_some_and(|r| r.iter().any(|r| r == "zookeeper"))
                {
                    h.zk_id = None;
                }
            }
            hosts
        })
        .boxed()
}

fn cluster_table(wild: bool) -> BoxedStrategy<Entries> {
    // Validation accepts any cluster name: hostile ones belong to the sane set.
    let name = maybe(
        0.4,
        prop_oneof![
            3 => s(&["abc", "lab", "prod-1"]),
            1 => s(&["my cluster", "x'y", "$(touch /tmp/pwned-fuzz)", "", "é"]),
        ]
        .prop_map(|n| ("name".to_string(), Val::Str(n))),
    );
    let st = |k: &str, v: &str| (k.to_string(), Val::Str(v.to_string()));
    let ha: BoxedStrategy<Entries> = if wild {
        table(
            vec![
                (
                    "ha",
                    s(&["none", "zookeeper", "filesystem", "zk", "", "ZOOKEEPER"])
                        .prop_map(Val::Str)
                        .boxed(),
                ),
                ("recovery_dir", path(wild).prop_map(Val::Str).boxed()),
            ],
            0.35,
        )
    } else {
        prop_oneof![
            4 => Just(vec![]),
            1 => Just(vec![st("ha", "zookeeper")]),
            1 => Just(vec![st("ha", "none")]),
            1 => path(false).prop_map(move |p| vec![st("ha", "filesystem"), st("recovery_dir", &p)]),
        ]
        .boxed()
    };
    (name, ha)
        .prop_map(|(name, ha)| name.into_iter().chain(ha).collect())
        .boxed()
}

fn inventory_in(wild: bool) -> BoxedStrategy<GenInventory> {
    let ssh = table(
        vec![
            ("user", s(&["root", "admin"]).prop_map(Val::Str).boxed()),
            ("port", port(wild)),
            (
                "host_key_policy",
                mix(wild, s(&["strict", "accept-new"]), s(&["yes", ""]))
                    .prop_map(Val::Str)
                    .boxed(),
            ),
            ("connect_timeout", int(&[0, 10])),
        ],
        0.1,
    );
    let spark_dist = table(
        vec![
            ("install_root", path(wild).prop_map(Val::Str).boxed()),
            ("zookeeper_dir", path(wild).prop_map(Val::Str).boxed()),
        ],
        0.2,
    );
    let spark = (
        source("spark", wild),
        spark_dist,
        table(spark_settings(wild), 0.12),
    )
        .prop_map(|(a, b, c)| [a, b, c].concat());
    let zookeeper = maybe(
        if wild { 0.85 } else { 1.0 },
        (
            source("zookeeper", wild),
            table(zk_ensemble(wild), 0.12),
            table(zk_settings(wild), 0.12),
        )
            .prop_map(|(a, b, c)| [a, b, c].concat()),
    );
    (
        cluster_table(wild),
        ssh,
        spark,
        zookeeper,
        hosts(wild),
        junk(wild),
    )
        .prop_map(
            |(cluster, ssh, spark, zookeeper, hosts, junk)| GenInventory {
                cluster,
                ssh,
                spark,
                zookeeper,
                hosts,
                junk,
            },
        )
        .boxed()
}

/// Half wild (every kind of mistake, often), half sane (mostly valid, with
/// the hostile values validation accepts), so both outcomes are common.
fn inventory() -> BoxedStrategy<GenInventory> {
    prop_oneof![inventory_in(true), inventory_in(false)].boxed()
}

impl GenInventory {
    fn to_toml(&self) -> String {
        let mut t = String::new();
        if !self.cluster.is_empty() {
            t.push_str("[cluster]\n");
            emit(&mut t, &self.cluster);
        }
        if !self.ssh.is_empty() {
            t.push_str("\n[ssh]\n");
            emit(&mut t, &self.ssh);
        }
        t.push_str("\n[spark]\n");
        emit(&mut t, &self.spark);
        if let Some(j) = &self.junk {
            emit(&mut t, &vec![j.clone()]);
        }
        if let Some(z) = &self.zookeeper {
            t.push_str("\n[zookeeper]\n");
            emit(&mut t, z);
        }
        for h in &self.hosts {
            t.push_str("\n[[host]]\n");
            let mut top: Entries = Vec::new();
            if let Some(n) = &h.name {
                top.push(("name".into(), Val::Str(n.clone())));
            }
            if let Some(a) = &h.address {
                top.push(("address".into(), Val::Str(a.clone())));
            }
            if let Some(r) = &h.roles {
                top.push(("roles".into(), Val::Arr(r.clone())));
            }
            if let Some(z) = h.zk_id {
                top.push(("zk_id".into(), Val::Int(z)));
            }
            top.extend(h.ssh.iter().cloned());
            top.extend(h.junk.iter().cloned());
            emit(&mut t, &top);
            let spark = [h.spark.clone(), h.stray_spark.clone()].concat();
            if !spark.is_empty() {
                t.push_str("[host.spark]\n");
                emit(&mut t, &spark);
            }
            let zk = [h.zk.clone(), h.stray_zk.clone()].concat();
            if !zk.is_empty() {
                t.push_str("[host.zookeeper]\n");
                emit(&mut t, &zk);
            }
        }
        t
    }
}

/// Diagnostics that may lack a span: those about something absent from the
/// file, where there is nothing to point at.
const UNLOCATED_OK: &[&str] = &[
    "the inventory has no hosts",
    "hosts have the `zookeeper` role but there is no [zookeeper] section",
    "missing field `spark`",
];

/// Structured errors must point at the key they are about.
fn check_structured_errors(text: &str, diags: &Diagnostics) -> Result<(), TestCaseError> {
    check_diagnostics(text, diags)?;
    for d in &diags.0 {
        let Some(span) = &d.span else {
            prop_assert!(
                UNLOCATED_OK.iter().any(|m| d.message.starts_with(m)),
                "a diagnostic about something present in the file has no location:\n{}\n--- inventory:\n{}",
                d,
                text
            );
            continue;
        };
        // The line the span starts on, to check it names the right key.
        let start = span.start.min(text.len());
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line = text[line_start..].lines().next().unwrap_or("");
        let msg = &d.message;
        let expect_on_line: Option<String> = if let Some(rest) = msg.strip_prefix("unknown key `") {
            rest.split('`').next().map(str::to_string)
        } else if msg.contains("` can only be set cluster-wide") {
            msg.strip_prefix('`')
                .and_then(|r| r.split('`').next())
                .map(str::to_string)
        } else if msg.starts_with("duplicate host name") || msg.starts_with("invalid host name") {
            Some("name".into())
        } else if msg.starts_with("zk_id ") {
            Some("zk_id".into())
        } else if msg.starts_with("unknown role") {
            Some("roles".into())
        } else {
            None
        };
        if let Some(key) = expect_on_line {
            // An unknown key may be quoted in the file (junk keys are).
            prop_assert!(
                line.contains(&key) || line.contains(&toml_str(&key)) || key.is_empty(),
                "error `{}` points at line `{}`, which does not mention `{}`\n--- inventory:\n{}",
                msg,
                line,
                key,
                text
            );
        }
    }
    Ok(())
}

/// Characters validation allows in paths on hosts (they reach scripts unquoted by Spark).
fn safe_path(p: &str) -> bool {
    p.starts_with('/')
        && p.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._+-@%:,=".contains(c))
}

fn safe_jvm_opt(o: &str) -> bool {
    !o.is_empty() && !o.contains(|c: char| c.is_whitespace() || "\"'`$\\;&|<>(){}".contains(c))
}

/// Everything a validated cluster promises to the code after it.
fn check_cluster(text: &str, c: &Cluster) -> Result<(), TestCaseError> {
    let ctx = || format!("\n--- inventory:\n{}", text);
    let names: BTreeSet<&str> = c.hosts.iter().map(|h| h.name.as_str()).collect();
    prop_assert_eq!(names.len(), c.hosts.len(), "duplicate host names{}", ctx());
    let addrs: BTreeSet<&str> = c.hosts.iter().map(|h| h.address.as_str()).collect();
    prop_assert_eq!(addrs.len(), c.hosts.len(), "duplicate addresses{}", ctx());
    prop_assert!(c.masters().count() >= 1, "no master{}", ctx());
    prop_assert!(c.workers().count() >= 1, "no worker{}", ctx());

    // ZooKeeper ids: set exactly on ZooKeeper hosts, unique, 1..=255.
    let mut ids = BTreeSet::new();
    for h in &c.hosts {
        match (h.roles.zookeeper, h.zk_id) {
            (true, Some(id)) => {
                prop_assert!(
                    (1..=255).contains(&id),
                    "zk_id {} out of range{}",
                    id,
                    ctx()
                );
                prop_assert!(ids.insert(id), "zk_id {} used twice{}", id, ctx());
            }
            (true, None) => prop_assert!(false, "ZooKeeper host {} without an id{}", h.name, ctx()),
            (false, id) => prop_assert_eq!(id, None, "zk_id on a non-ZooKeeper host{}", ctx()),
        }
    }
    let zks = c.zk_hosts().count();
    let masters = c.masters().count();
    match &c.ha {
        Ha::Zookeeper => prop_assert!(
            zks >= 3 && zks % 2 == 1,
            "ha = zookeeper with {} ZooKeeper hosts{}",
            zks,
            ctx()
        ),
        Ha::None => prop_assert!(masters <= 1, "{} masters without HA{}", masters, ctx()),
        Ha::Filesystem { dir } => {
            prop_assert_eq!(
                masters,
                1,
                "filesystem HA with {} masters{}",
                masters,
                ctx()
            );
            prop_assert!(safe_path(dir), "recovery dir {:?}{}", dir, ctx());
        }
    }
    // ZooKeeper reads its times as Java ints and multiplies them as ints.
    let z = &c.zookeeper;
    let java_int = i32::MAX as u64;
    let tick = u64::from(z.tick_time);
    prop_assert!(
        tick <= java_int
            && tick * u64::from(z.init_limit) <= java_int
            && tick * u64::from(z.sync_limit) <= java_int,
        "ZooKeeper times overflow a Java int: {:?}{}",
        z,
        ctx()
    );
    if let Some(m) = z.max_session_timeout {
        prop_assert!(
            u64::from(m) <= java_int && u64::from(m) >= 2 * tick,
            "max_session_timeout {} with tick_time {}{}",
            m,
            tick,
            ctx()
        );
    }
    if c.has_zookeeper() {
        prop_assert!(
            c.zookeeper.source.is_some(),
            "ZooKeeper hosts but no ZooKeeper source{}",
            ctx()
        );
    }

    prop_assert!(
        safe_path(&c.spark.install_root),
        "{:?}{}",
        c.spark.install_root,
        ctx()
    );
    prop_assert!(
        safe_path(&c.spark.zookeeper_dir),
        "{:?}{}",
        c.spark.zookeeper_dir,
        ctx()
    );
    prop_assert!(
        safe_path(&c.zookeeper.install_root),
        "{:?}{}",
        c.zookeeper.install_root,
        ctx()
    );
    for h in &c.hosts {
        // No two daemons of one host on one port.
        let mut ports: Vec<(u16, &str)> = Vec::new();
        if h.roles.master {
            ports.push((h.spark.master_port, "master_port"));
            ports.push((h.spark.master_webui_port, "master_webui_port"));
        }
        if h.roles.worker {
            if let Some(p) = h.spark.worker_port {
                ports.push((p, "worker_port"));
            }
            ports.push((h.spark.worker_webui_port, "worker_webui_port"));
        }
        if h.roles.zookeeper {
            ports.push((h.zk.client_port, "client_port"));
            ports.push((h.zk.quorum_port, "quorum_port"));
            ports.push((h.zk.election_port, "election_port"));
            if h.zk.admin_port != 0 {
                ports.push((h.zk.admin_port, "admin_port"));
            }
        }
        let distinct: BTreeSet<u16> = ports.iter().map(|p| p.0).collect();
        prop_assert_eq!(
            distinct.len(),
            ports.len(),
            "host {} has a port clash: {:?}{}",
            h.name,
            ports,
            ctx()
        );
        prop_assert!(
            !distinct.contains(&0),
            "port 0 on host {}: {:?}{}",
            h.name,
            ports,
            ctx()
        );

        // What reaches shell scripts and config files is from safe sets.
        let s = &h.spark;
        let paths = [
            &s.worker_dir,
            &s.log_dir,
            &s.pid_dir,
            &h.zk.data_dir,
            &h.zk.log_dir,
        ];
        for p in paths
            .into_iter()
            .chain(s.java_home.iter())
            .chain(h.zk.java_home.iter())
            .chain(h.zk.data_log_dir.iter())
        {
            prop_assert!(safe_path(p), "unsafe path {:?} on {}{}", p, h.name, ctx());
        }
        for d in s.local_dirs.iter().flat_map(|d| d.split(',')) {
            prop_assert!(safe_path(d), "unsafe local dir {:?}{}", d, ctx());
        }
        for o in s
            .daemon_java_opts
            .iter()
            .chain(&s.master_opts)
            .chain(&s.worker_opts)
            .chain(&h.zk.jvm_opts)
        {
            prop_assert!(safe_jvm_opt(o), "unsafe JVM option {:?}{}", o, ctx());
        }
        for l in &s.extra_env {
            prop_assert!(
                !l.contains(['\n', '\r', '\0']),
                "multi-line extra_env {:?}{}",
                l,
                ctx()
            );
        }
        for (k, v) in s.defaults.iter().chain(&h.zk.extra) {
            prop_assert!(
                !k.is_empty() && !k.contains(|c: char| c.is_whitespace() || c == '='),
                "property name {:?}{}",
                k,
                ctx()
            );
            prop_assert!(
                !v.contains(['\n', '\r', '\0']),
                "multi-line property {:?}{}",
                v,
                ctx()
            );
        }
        prop_assert!(
            !h.name.is_empty()
                && !h.name.starts_with('-')
                && h.name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)),
            "host name {:?}{}",
            h.name,
            ctx()
        );
        // No `:` (IPv6 literals, ports) and no `_`: Java's URI parser reads
        // spark://ADDRESS:PORT.
        prop_assert!(
            !h.address.is_empty()
                && !h.address.starts_with('-')
                && h.address
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-".contains(c)),
            "address {:?}{}",
            h.address,
            ctx()
        );
    }
    Ok(())
}

/// Render every host of a valid cluster: no panic, no error, and every file
/// ends with a newline (they are written with here-documents).
fn check_render(text: &str, c: &Cluster) -> Result<usize, TestCaseError> {
    let ctx = || format!("\n--- inventory:\n{}", text);
    let Some(spark) = LocalDist::assumed(Product::Spark, &c.spark.source) else {
        return Ok(0); // not a tarball name dist::resolve would accept: nothing to render
    };
    let zk = match &c.zookeeper.source {
        Some(s) => match LocalDist::assumed(Product::ZooKeeper, s) {
            Some(z) => Some(z),
            None => return Ok(0),
        },
        None => None,
    };
    let dists = Dists {
        spark: &spark,
        zookeeper: zk.as_ref(),
    };
    let renderer = Renderer::new(c)
        .map_err(|e| TestCaseError::fail(format!("Renderer::new: {:#}{}", e, ctx())))?;
    let mut files = 0;
    for h in &c.hosts {
        let out = renderer.host_files(c, &dists, h).map_err(|e| {
            TestCaseError::fail(format!("host_files({}): {:#}{}", h.name, e, ctx()))
        })?;
        let names: Vec<&str> = out
            .iter()
            .map(|f| f.path.rsplit('/').next().unwrap())
            .collect();
        let spark_files = h.roles.master || h.roles.worker;
        prop_assert_eq!(
            names.contains(&"spark-env.sh"),
            spark_files,
            "{:?}{}",
            names,
            ctx()
        );
        prop_assert_eq!(
            names.contains(&"workers") || names.contains(&"slaves"),
            h.roles.master,
            "{:?}{}",
            names,
            ctx()
        );
        prop_assert_eq!(
            names.contains(&"zoo.cfg"),
            h.roles.zookeeper,
            "{:?}{}",
            names,
            ctx()
        );
        for f in &out {
            prop_assert!(
                f.content.ends_with('\n'),
                "{} on {} does not end with a newline{}",
                f.path,
                h.name,
                ctx()
            );
            prop_assert!(f.path.starts_with('/'), "relative path {}{}", f.path, ctx());
            if f.template == "myid" {
                prop_assert_eq!(f.content.clone(), format!("{}\n", h.zk_id.unwrap()));
            }
            files += 1;
        }
    }
    Ok(files)
}

#[test]
fn structured_inventories_validate_or_fail_with_locations() {
    let (oks, errs, files) = (
        AtomicUsize::new(0),
        AtomicUsize::new(0),
        AtomicUsize::new(0),
    );
    let reasons = std::sync::Mutex::new(BTreeMap::<String, usize>::new());
    let n = check("structured inventories", 2000, inventory(), |inv| {
        let text = inv.to_toml();
        match parse(&text) {
            Ok(c) => {
                oks.fetch_add(1, Ordering::Relaxed);
                check_cluster(&text, &c)?;
                files.fetch_add(check_render(&text, &c)?, Ordering::Relaxed);
            }
            Err(d) => {
                errs.fetch_add(1, Ordering::Relaxed);
                let mut r = reasons.lock().unwrap();
                for m in
                    d.0.iter()
                        .map(|d| d.message.split('`').next().unwrap_or("").to_string())
                        .collect::<BTreeSet<_>>()
                {
                    *r.entry(m).or_insert(0usize) += 1;
                }
                drop(r);
                check_structured_errors(&text, &d)?;
            }
        }
        Ok(())
    });
    let (oks, errs, files) = (oks.into_inner(), errs.into_inner(), files.into_inner());
    // Which checks the rejected inventories tripped, most frequent first.
    let mut reasons: Vec<(usize, String)> = reasons
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|(m, n)| (n, m))
        .collect();
    reasons.sort_by(|a, b| b.cmp(a));
    for (n, m) in reasons.iter().take(12) {
        eprintln!("  {:5} rejected with: {}", n, m);
    }
    eprintln!(
        "structured inventories: {} valid ({} files rendered), {} rejected",
        oks, files, errs
    );
    assert!(n >= 2000);
    // The generator must keep producing both kinds, or half the properties go untested.
    assert!(
        oks >= 150,
        "only {} of {} generated inventories were valid",
        oks,
        n
    );
    assert!(
        errs >= 150,
        "only {} of {} generated inventories were invalid",
        errs,
        n
    );
}

// ---------------------------------------------------------------------------
// Product bugs found by the generators above, fixed, kept as regression
// tests: each doc comment describes the bug as it was; the tests run with
// the others.
// ---------------------------------------------------------------------------

/// A minimal valid inventory, with `extra` appended to `[spark]`/`[zookeeper]`.
fn small(spark_extra: &str, zk_extra: &str) -> String {
    format!(
        "[spark]\ntarball = \"dist/spark-4.3.0-bin-hadoop3.tgz\"\n{}\n\
         [zookeeper]\ntarball = \"dist/apache-zookeeper-3.8.4-bin.tar.gz\"\n{}\n\
         [[host]]\nname = \"a\"\nroles = [\"zookeeper\", \"master\", \"worker\"]\n",
        spark_extra, zk_extra
    )
}

#[test]
fn small_inventory_is_valid() {
    // The base of the bug tests below must be valid on its own.
    parse(&small("", "")).unwrap();
}

/// `memory_mb` multiplies without checking for overflow: a memory size with
/// a big number and a unit panics ("attempt to multiply with overflow") in
/// debug builds and silently wraps to a wrong size in release builds.
#[test]
fn bug_huge_memory_size_panics() {
    for (key, value) in [
        ("worker_memory", "99999999999999999g"),
        ("daemon_memory", "18446744073709551615t"),
    ] {
        let text = small(&format!("{} = \"{}\"", key, value), "");
        let got = std::panic::catch_unwind(|| parse(&text));
        let got = got.unwrap_or_else(|_| panic!("parse panicked on {} = {:?}", key, value));
        let err = got
            .expect_err("a size beyond u64 MiB must be refused")
            .to_string();
        assert!(err.contains("invalid memory size"), "{}", err);
        assert!(err.contains(" --> fuzz.toml:3:"), "{}", err);
    }
    let got = std::panic::catch_unwind(|| parse(&small("", "heap = \"99999999999999999g\"")));
    assert!(got.is_ok(), "parse panicked on [zookeeper] heap");
}

/// `heap_mb` is `memory_mb(..) as u32`: a heap of 4 PiB is accepted and
/// truncated to 0, so java.env gets `ZK_SERVER_HEAP=0` and `-Xmx0m`.
#[test]
fn bug_zookeeper_heap_is_truncated() {
    // 2^32 MiB (truncated to 0 as u32) and 2^30 + 1 MiB are refused as
    // memory sizes, at the heap's value (line 6 of `small`), once.
    for v in ["4194304g", "1048577g"] {
        let text = small("", &format!("heap = \"{}\"", v));
        match parse(&text) {
            Err(e) => {
                let err = e.to_string();
                assert_eq!(e.0.len(), 1, "{}", err);
                assert!(
                    err.starts_with(&format!(
                        "error: invalid memory size `{}`\n --> fuzz.toml:6:8",
                        v
                    )),
                    "{}",
                    err
                );
            }
            Ok(c) => panic!(
                "heap = {:?} accepted as heap_mb = {}",
                v, c.hosts[0].zk.heap_mb
            ),
        }
    }
    // The largest heap accepted, 2^30 MiB, arrives whole.
    let c = parse(&small("", "heap = \"1048576g\"")).unwrap();
    assert_eq!(c.hosts[0].zk.heap_mb, 1 << 30);
}

/// ZooKeeper ids assigned by position are never range-checked: with ids
/// 1..=255 taken explicitly, the next ZooKeeper hosts get 256 and 257.
#[test]
fn bug_automatic_zk_ids_exceed_255() {
    let mut text = small("", "");
    for i in 1..=256u32 {
        // z1..z255 take ids 1..=255 explicitly; host "a" (first, no id), z256
        // and z-last (below) are then numbered 256, 257 and 258. One master:
        // no HA, so the ZooKeeper count is not checked.
        text.push_str(&format!(
            "[[host]]\nname = \"z{}\"\nroles = [\"zookeeper\"]\n{}",
            i,
            if i <= 255 {
                format!("zk_id = {}\n", i)
            } else {
                String::new()
            }
        ));
    }
    text.push_str("[[host]]\nname = \"z-last\"\nroles = [\"zookeeper\"]\n");
    match parse(&text) {
        Err(e) => assert!(e.to_string().contains("zk_id"), "{}", e),
        Ok(c) => {
            let bad: Vec<(String, u32)> = c
                .hosts
                .iter()
                .filter_map(|h| {
                    h.zk_id
                        .filter(|id| *id > 255)
                        .map(|id| (h.name.clone(), id))
                })
                .collect();
            assert!(bad.is_empty(), "ids beyond 255 assigned: {:?}", bad);
        }
    }
}
