//! Checks an inventory as a whole and resolves defaults.
//!
//! Every problem found is collected (not just the first) and reported with
//! the path of the offending key, which `locate.rs` turns into file:line:col.
//! Defaults live here and only here; the README's inventory reference lists
//! the same values.

use super::locate::{span_of, Seg};
use super::raw::{RawHost, RawInventory, RawSpark, RawZooKeeper};
use super::*;
use crate::diag::did_you_mean;
use crate::path;
use std::collections::BTreeMap;

pub const DEFAULT_SPARK_ROOT: &str = "/opt/spark";
pub const DEFAULT_ZK_ROOT: &str = "/opt/zookeeper";
pub const DEFAULT_ZK_DATA_DIR: &str = "/var/lib/zookeeper";
/// ZooKeeper's AdminServer defaults to 8080, the Spark master UI's port; move it.
pub const DEFAULT_ZK_ADMIN_PORT: u16 = 8180;
/// ZooKeeper maxSessionTimeout (ms): bounds how long a dead master holds leadership.
pub const DEFAULT_MAX_SESSION_TIMEOUT: u32 = 6000;

/// Cluster names longer than this are refused (see `resolve`).
pub const MAX_CLUSTER_NAME: usize = 128;

const ROLES: [&str; 3] = ["zookeeper", "master", "worker"];

struct Errors {
    items: Vec<(Vec<Seg>, String, Option<String>)>,
}

impl Errors {
    fn add(&mut self, at: Vec<Seg>, msg: impl Into<String>) {
        self.items.push((at, msg.into(), None));
    }
    fn help(&mut self, at: Vec<Seg>, msg: impl Into<String>, help: impl Into<String>) {
        self.items.push((at, msg.into(), Some(help.into())));
    }
}

pub fn validate(file: &Path, source: Arc<str>, raw: RawInventory) -> Result<Cluster, Diagnostics> {
    let mut e = Errors { items: Vec::new() };
    let base = file.parent().map(Path::to_path_buf).unwrap_or_default();
    let cluster = resolve(&mut e, file, &base, raw);
    if e.items.is_empty() {
        return Ok(cluster.expect("resolve returns a cluster when there are no errors"));
    }
    // A cluster-wide value is checked once per host that inherits it:
    // report each (place, message) once.
    let mut seen = std::collections::BTreeSet::new();
    e.items
        .retain(|(at, msg, _)| seen.insert((crate::inventory::locate::display(at), msg.clone())));
    let diags = e
        .items
        .into_iter()
        .map(|(at, msg, help)| {
            let span = span_of(&source, &at);
            let mut d = Diagnostic::new(msg).in_file(file, source.clone(), span);
            if let Some(h) = help {
                d = d.with_help(h);
            }
            d
        })
        .collect();
    Err(Diagnostics(diags))
}

fn resolve(e: &mut Errors, file: &Path, base: &Path, raw: RawInventory) -> Option<Cluster> {
    let name = raw.cluster.name.clone().unwrap_or_else(|| {
        file.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "spark".into())
    });
    // The name lands in config comments and lock names: a newline in it
    // would inject lines into spark-env.sh, so keep it to a safe set; and
    // the hosts' lock directory `sparkctl.<name>.lock` must fit in a file
    // name (255 bytes), so keep it short.
    let at = if raw.cluster.name.is_some() {
        path!["cluster", "name"]
    } else {
        vec![]
    };
    if name.len() > MAX_CLUSTER_NAME {
        e.help(
            at,
            format!(
                "cluster name is {} characters long, more than {}",
                name.len(),
                MAX_CLUSTER_NAME
            ),
            "it names the lock directory on every host (sparkctl.<name>.lock): use a shorter name (without [cluster] name, the file name is used)",
        );
    } else if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    {
        e.help(
            at,
            format!("invalid cluster name `{}`", name.escape_debug()),
            "use letters, digits, `.`, `_` and `-` (without [cluster] name, the file name is used)",
        );
    }

    let ssh = resolve_ssh(e, base, &raw);
    let spark_source = resolve_source(
        e,
        "spark",
        base,
        &raw.spark.tarball,
        &raw.spark.url,
        &raw.spark.sha256,
        &raw.spark.sha512,
    );
    let spark_source = host_fetch(e, "spark", &raw.spark.fetch, spark_source);
    let spark_root = raw
        .spark
        .install_root
        .clone()
        .unwrap_or_else(|| DEFAULT_SPARK_ROOT.into());
    check_path(e, path!["spark", "install_root"], &spark_root);
    let zookeeper_dir = raw
        .spark
        .zookeeper_dir
        .clone()
        .unwrap_or_else(|| "/spark".into());
    check_path(e, path!["spark", "zookeeper_dir"], &zookeeper_dir);

    let zk_raw = raw.zookeeper.clone().unwrap_or_default();
    let zk_root = zk_raw
        .install_root
        .clone()
        .unwrap_or_else(|| DEFAULT_ZK_ROOT.into());
    check_path(e, path!["zookeeper", "install_root"], &zk_root);
    check_install_roots(e, &raw, &spark_root, &zk_root);

    if raw.host.is_empty() {
        e.help(
            vec![],
            "the inventory has no hosts",
            "add at least one [[host]] table with `name` and `roles`",
        );
    }

    let mut hosts = Vec::new();
    let mut names: BTreeMap<String, usize> = BTreeMap::new();
    let mut addresses: BTreeMap<String, usize> = BTreeMap::new();
    for (i, h) in raw.host.iter().enumerate() {
        let host = resolve_host(e, i, h, &raw, &spark_root, &zk_root, base);
        let dup_name = names.insert(host.name.clone(), i);
        if let Some(prev) = dup_name {
            e.help(
                path!["host", i, "name"],
                format!("duplicate host name `{}`", host.name),
                format!(
                    "host[{}] already uses this name; names must be unique",
                    prev
                ),
            );
        }
        // An address that merely defaults to a duplicate name is the same mistake: report it once.
        let prev_addr = addresses.insert(host.address.clone(), i);
        if let (Some(prev), false) = (prev_addr, dup_name.is_some() && h.address.is_none()) {
            let at = if h.address.is_some() {
                path!["host", i, "address"]
            } else {
                path!["host", i, "name"]
            };
            e.help(
                at,
                format!("duplicate host address `{}`", host.address),
                format!(
                    "host[{}] (`{}`) has the same address; each host must be a different machine",
                    prev, raw.host[prev].name
                ),
            );
        }
        hosts.push(host);
    }

    assign_zk_ids(e, &raw.host, &mut hosts);
    let ha = resolve_ha(e, &raw, &hosts);

    let has_zk = hosts.iter().any(|h| h.roles.zookeeper);
    let zk_source = if has_zk {
        if raw.zookeeper.is_none() {
            e.help(
                vec![],
                "hosts have the `zookeeper` role but there is no [zookeeper] section",
                "add [zookeeper] with `tarball = \"...\"` or `url` and `sha512`",
            );
            None
        } else {
            resolve_source(
                e,
                "zookeeper",
                base,
                &zk_raw.tarball,
                &zk_raw.url,
                &zk_raw.sha256,
                &zk_raw.sha512,
            )
            .and_then(|src| host_fetch(e, "zookeeper", &zk_raw.fetch, Some(src)))
        }
    } else {
        None
    };

    let zookeeper = ZkEnsemble {
        source: zk_source,
        install_root: zk_root,
        tick_time: positive(e, path!["zookeeper", "tick_time"], zk_raw.tick_time, 2000),
        init_limit: positive(e, path!["zookeeper", "init_limit"], zk_raw.init_limit, 10),
        sync_limit: positive(e, path!["zookeeper", "sync_limit"], zk_raw.sync_limit, 5),
        // Spark's masters ask ZooKeeper for a 60 s session, capped by the
        // server at 20 x tickTime (40 s): that is how long a dead ALIVE master
        // goes unnoticed. 6 s measured 7-8 s failovers with no false ones in
        // the lab; 0 means "ZooKeeper's own default".
        max_session_timeout: match zk_raw.max_session_timeout {
            Some(0) => None,
            Some(t) => Some(t),
            None => Some(DEFAULT_MAX_SESSION_TIMEOUT),
        },
        autopurge_snap_retain_count: zk_raw.autopurge_snap_retain_count.unwrap_or(3),
        autopurge_purge_interval: zk_raw.autopurge_purge_interval.unwrap_or(24),
    };
    check_zk_times(e, &zookeeper, zk_raw.max_session_timeout.is_some());

    let templates_dir = raw
        .cluster
        .templates
        .as_ref()
        .map(|t| base.join(expand_home(t)));
    if let Some(dir) = &templates_dir {
        check_templates_dir(e, dir);
    }

    let auth = resolve_auth(e, file, base, &raw, &name);
    let run_as = raw.cluster.run_as.clone();
    if let Some(u) = &run_as {
        check_user(e, path!["cluster", "run_as"], u);
    }

    let rest = resolve_rest(e, &raw, spark_source.as_ref(), auth.is_some());

    let spark_source = spark_source?;
    if !e.items.is_empty() {
        return None;
    }
    Some(Cluster {
        file: file.to_path_buf(),
        name,
        ha,
        ssh,
        spark: SparkDist {
            source: spark_source,
            install_root: spark_root,
            zookeeper_dir,
            auth,
            rest,
        },
        zookeeper,
        templates_dir,
        run_as,
        hosts,
    })
}

fn resolve_ssh(e: &mut Errors, base: &Path, raw: &RawInventory) -> SshOptions {
    let s = &raw.ssh;
    let accept_new = match s.host_key_policy.as_deref().unwrap_or("strict") {
        "strict" => false,
        "accept-new" => true,
        other => {
            e.help(path!["ssh", "host_key_policy"], format!("unknown host_key_policy `{}`", other), "expected \"strict\" (the default: unknown host keys are refused) or \"accept-new\" (trust and record keys of hosts never seen before)");
            false
        }
    };
    let probe = match s.probe.as_deref().unwrap_or("ssh") {
        "ssh" => ProbeRoute::Ssh,
        "direct" => ProbeRoute::Direct,
        other => {
            e.help(path!["ssh", "probe"], format!("unknown probe `{}`", other), "expected \"ssh\" (the default: health probes travel through each host's SSH connection) or \"direct\" (this machine connects to the daemons' ports itself)");
            ProbeRoute::Ssh
        }
    };
    // A master that never exits is a standing login on every host.
    if let Some(secs) = s.control_persist.filter(|&n| n > 86_400) {
        e.help(path!["ssh", "control_persist"], format!("control_persist = {} is more than a day", secs), "expected the seconds an idle SSH connection stays open for the next run, at most 86400 (the default is 300; 0 closes every connection when its run ends)");
    }
    let file = |p: &Option<String>| p.as_ref().map(|p| base.join(expand_home(p)));
    SshOptions {
        probe,
        user: s.user.clone(),
        port: s.port,
        identity_file: file(&s.identity_file),
        config_file: file(&s.config_file),
        known_hosts_file: file(&s.known_hosts_file),
        accept_new_host_keys: accept_new,
        connect_timeout: s.connect_timeout.unwrap_or(10),
        command_timeout: s.command_timeout.unwrap_or(600),
        sudo: s.sudo.unwrap_or(false),
        control_persist: s.control_persist.unwrap_or(300),
    }
}

/// `[spark] rest` and `rest_port`: refused where the version cannot run
/// the REST server the way the inventory asks (see `crate::rest::refusal`),
/// at check time rather than as a master that dies at start.
fn resolve_rest(e: &mut Errors, raw: &RawInventory, source: Option<&Source>, auth: bool) -> bool {
    let rest = raw.spark.rest.unwrap_or(false);
    if !rest {
        let stray = std::iter::once((path!["spark", "rest_port"], raw.spark.rest_port))
            .chain(
                raw.host
                    .iter()
                    .enumerate()
                    .map(|(i, h)| (path!["host", i, "spark", "rest_port"], h.spark.rest_port)),
            )
            .find(|(_, p)| p.is_some());
        if let Some((at, _)) = stray {
            e.help(
                at,
                "rest_port is only used with `rest = true`",
                "add `rest = true` to [spark] to run the REST submission server, or remove rest_port",
            );
        }
        return false;
    }
    let version = source
        .and_then(|s| crate::dist::LocalDist::assumed(crate::dist::Product::Spark, s))
        .and_then(|d| d.version);
    if let Some(why) = crate::rest::refusal(version, auth) {
        e.help(
            path!["spark", "rest"],
            format!("`rest = true` cannot be used here: {}", why),
            "remove `rest = true` and submit in client mode (`spark-submit --master spark://...:7077`, authenticated by the secret), or use Spark 4.3.0 or newer",
        );
    }
    rest
}

/// `[spark] authenticate` and `secret_file`. The secret defaults to a file
/// beside the inventory, named after it (`lab.toml` -> `lab.secret`): it
/// belongs with the cluster's definition, but not in the inventory, which is
/// shared and diffed.
fn resolve_auth(
    e: &mut Errors,
    file: &Path,
    base: &Path,
    raw: &RawInventory,
    name: &str,
) -> Option<Auth> {
    let s = &raw.spark;
    if s.authenticate != Some(true) {
        if s.secret_file.is_some() {
            e.help(
                path!["spark", "secret_file"],
                "secret_file is only used with `authenticate = true`",
                "add `authenticate = true` to [spark], or remove secret_file",
            );
        }
        return None;
    }
    let secret_file = match &s.secret_file {
        Some(p) => base.join(expand_home(p)),
        None => {
            let stem = file
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| name.to_string());
            base.join(format!("{}.secret", stem))
        }
    };
    Some(Auth { secret_file })
}

/// `[cluster] templates`: overrides are picked by exact file name, so a
/// directory that is missing, a file instead of a directory, or a file whose
/// name is not a template's (`spark_env.sh.tera`) would silently leave the
/// built-in templates in use. Refuse them, naming the expected files.
/// (This reads the operator's disk, as the render that follows does.)
fn check_templates_dir(e: &mut Errors, dir: &Path) {
    let at = path!["cluster", "templates"];
    let expected: Vec<String> = crate::render::override_names().collect();
    let help_names = format!(
        "the directory holds overrides named {}; each one replaces the built-in template of that name",
        expected.join(", ")
    );
    let entries = match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => std::fs::read_dir(dir),
        Ok(_) => {
            e.help(
                at,
                format!("templates `{}` is not a directory", dir.display()),
                help_names,
            );
            return;
        }
        Err(err) => {
            e.help(
                at,
                format!(
                    "templates directory `{}` cannot be read: {}",
                    dir.display(),
                    err
                ),
                format!(
                    "create it, or remove `templates` to use the built-in templates; {}",
                    help_names
                ),
            );
            return;
        }
    };
    let mut found: Vec<(String, bool)> = match entries {
        Ok(rd) => rd
            .filter_map(|d| d.ok())
            .map(|d| {
                let is_file = std::fs::metadata(d.path()).is_ok_and(|m| m.is_file());
                (d.file_name().to_string_lossy().into_owned(), is_file)
            })
            // Editor and VCS leftovers (.swp, .git) are not overrides.
            .filter(|(n, _)| !n.starts_with('.'))
            .collect(),
        Err(err) => {
            e.help(
                at,
                format!(
                    "templates directory `{}` cannot be read: {}",
                    dir.display(),
                    err
                ),
                help_names,
            );
            return;
        }
    };
    found.sort();
    for (name, is_file) in found {
        if expected.contains(&name) {
            if !is_file {
                e.help(
                    at.clone(),
                    format!(
                        "template override `{}` in `{}` is not a file",
                        name,
                        dir.display()
                    ),
                    "make it a regular file, or remove it to use the built-in template",
                );
            }
            continue;
        }
        let help = match did_you_mean(&name, expected.iter().map(String::as_str)) {
            Some(s) => format!("did you mean `{}`? {}", s, help_names),
            None => help_names.clone(),
        };
        e.help(
            at.clone(),
            format!(
                "`{}` in templates directory `{}` is not a template sparkctl uses",
                name.escape_debug(),
                dir.display()
            ),
            help,
        );
    }
}

/// A user name as useradd accepts it (it is passed to runuser/su and chown).
fn check_user(e: &mut Errors, at: Vec<Seg>, u: &str) {
    let ok = !u.is_empty()
        && u.len() <= 32
        && !u.starts_with('-')
        && u.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if !ok {
        e.help(
            at,
            format!("invalid user name `{}`", u.escape_debug()),
            "use letters, digits, `.`, `_` and `-` (at most 32, not starting with `-`), e.g. \"spark\"",
        );
    }
}

fn resolve_source(
    e: &mut Errors,
    table: &str,
    base: &Path,
    tarball: &Option<String>,
    url: &Option<String>,
    sha256: &Option<String>,
    sha512: &Option<String>,
) -> Option<Source> {
    let checksum = match (sha256, sha512) {
        (Some(_), Some(_)) => {
            e.add(
                path![table, "sha512"],
                "set either `sha256` or `sha512`, not both",
            );
            None
        }
        (Some(h), None) => check_hex(e, path![table, "sha256"], h, HashAlgo::Sha256),
        (None, Some(h)) => check_hex(e, path![table, "sha512"], h, HashAlgo::Sha512),
        (None, None) => None,
    };
    match (tarball, url) {
        (Some(_), Some(_)) => {
            e.add(
                path![table, "url"],
                "set either `tarball` (a local file) or `url`, not both",
            );
            None
        }
        (None, None) => {
            e.help(
                path![table],
                format!("[{}] needs `tarball` or `url`", table),
                format!(
                    "e.g. tarball = \"dist/{}\"",
                    if table == "spark" {
                        "spark-4.3.0-bin-hadoop3.tgz"
                    } else {
                        "apache-zookeeper-3.8.4-bin.tar.gz"
                    }
                ),
            );
            None
        }
        (Some(p), None) => {
            let source = Source::Path {
                path: base.join(expand_home(p)),
                checksum,
            };
            let name = crate::dist::source_file_name(&source);
            tarball_name_ok(e, table, "tarball", &name).then_some(source)
        }
        (None, Some(u)) => {
            if !(u.starts_with("http://") || u.starts_with("https://") || u.starts_with("file://"))
            {
                e.add(
                    path![table, "url"],
                    format!("`{}` is not an http://, https:// or file:// URL", u),
                );
                return None;
            }
            if !tarball_name_ok(e, table, "url", crate::dist::url_file_name(u)) {
                return None;
            }
            match checksum {
                Some(checksum) => Some(Source::Url {
                    url: u.clone(),
                    checksum,
                }),
                None => {
                    e.help(path![table, "url"], "a `url` needs a checksum", "add `sha512 = \"...\"` (Apache publishes one beside every release) or `sha256`; a download is never used unverified");
                    None
                }
            }
        }
    }
}

/// The tarball's file name follows `dist::check_name`'s rules, the ones
/// `deploy` applies to the real file: checked here so that `check` refuses
/// what `deploy` would, at the key that set it.
fn tarball_name_ok(e: &mut Errors, table: &str, key: &str, file_name: &str) -> bool {
    let product = if table == "spark" {
        crate::dist::Product::Spark
    } else {
        crate::dist::Product::ZooKeeper
    };
    match crate::dist::check_name(product, file_name) {
        Ok(_) => true,
        Err((msg, help)) => {
            e.help(path![table, key], msg, help);
            false
        }
    }
}

/// `fetch = "operator" | "hosts"`. "hosts" turns a `url` source into
/// `Source::HostUrl`; it needs `url` and a checksum, because the hosts verify
/// what they download and the operator never sees the bytes. (A `url`
/// without a checksum is reported by `resolve_source` already.)
fn host_fetch(
    e: &mut Errors,
    table: &str,
    fetch: &Option<String>,
    source: Option<Source>,
) -> Option<Source> {
    match fetch.as_deref() {
        None | Some("operator") => source,
        Some("hosts") => match source {
            Some(Source::Url { url, checksum }) => Some(Source::HostUrl { url, checksum }),
            Some(Source::Path { .. }) => {
                e.help(
                    path![table, "fetch"],
                    "`fetch = \"hosts\"` needs a `url`, not a local `tarball`",
                    "set `url` and `sha512` (or `sha256`) so each host can download and verify it; or remove `fetch` to push the local tarball over SSH",
                );
                None
            }
            other => other,
        },
        Some(other) => {
            e.help(
                path![table, "fetch"],
                format!("unknown fetch mode `{}`", other),
                "use \"operator\" (the operator downloads once and pushes over SSH, the default) or \"hosts\" (each host downloads `url` itself)",
            );
            None
        }
    }
}

fn check_hex(e: &mut Errors, at: Vec<Seg>, hex: &str, algo: HashAlgo) -> Option<Checksum> {
    // Apache's .sha512 files are "<hex>  <file>" or upper-case groups; accept the hex part.
    let cleaned: String = hex
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let want = if algo == HashAlgo::Sha256 { 64 } else { 128 };
    if cleaned.len() != want || !cleaned.chars().all(|c| c.is_ascii_hexdigit()) {
        e.add(
            at,
            format!(
                "{} must be {} hex digits, got {} characters",
                algo.name(),
                want,
                cleaned.len()
            ),
        );
        return None;
    }
    Some(Checksum { algo, hex: cleaned })
}

#[allow(clippy::too_many_arguments)]
fn resolve_host(
    e: &mut Errors,
    i: usize,
    h: &RawHost,
    raw: &RawInventory,
    spark_root: &str,
    zk_root: &str,
    base: &Path,
) -> Host {
    if h.name.is_empty()
        || !h
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        || h.name.starts_with('-')
    {
        e.help(
            path!["host", i, "name"],
            format!("invalid host name `{}`", h.name.escape_debug()),
            "use letters, digits, `.`, `_` and `-`",
        );
    }
    let address = h.address.clone().unwrap_or_else(|| h.name.clone());
    check_address(e, i, h, &address);

    let mut roles = Roles::default();
    if h.roles.is_empty() {
        e.help(
            path!["host", i, "roles"],
            format!("host `{}` has no roles", h.name),
            "give it one or more of \"zookeeper\", \"master\", \"worker\"",
        );
    }
    for (j, r) in h.roles.iter().enumerate() {
        match r.as_str() {
            "zookeeper" => roles.zookeeper = true,
            "master" => roles.master = true,
            "worker" => roles.worker = true,
            other => {
                let help = match did_you_mean(other, ROLES) {
                    Some(s) => format!("did you mean \"{}\"?", s),
                    None => "roles are \"zookeeper\", \"master\" and \"worker\"".into(),
                };
                e.help(
                    path!["host", i, "roles", j],
                    format!("unknown role `{}`", other),
                    help,
                );
            }
        }
    }

    // Distribution and ensemble-wide keys make no sense per host.
    let hs = &h.spark;
    for (key, set) in [
        ("tarball", hs.tarball.is_some()),
        ("url", hs.url.is_some()),
        ("sha256", hs.sha256.is_some()),
        ("sha512", hs.sha512.is_some()),
        ("fetch", hs.fetch.is_some()),
        ("install_root", hs.install_root.is_some()),
        ("zookeeper_dir", hs.zookeeper_dir.is_some()),
        ("authenticate", hs.authenticate.is_some()),
        ("secret_file", hs.secret_file.is_some()),
        ("rest", hs.rest.is_some()),
    ] {
        if set {
            e.help(
                path!["host", i, "spark", key],
                format!("`{}` can only be set cluster-wide", key),
                "move it to the [spark] table".to_string(),
            );
        }
    }
    let hz = &h.zookeeper;
    for (key, set) in [
        ("tarball", hz.tarball.is_some()),
        ("url", hz.url.is_some()),
        ("sha256", hz.sha256.is_some()),
        ("sha512", hz.sha512.is_some()),
        ("fetch", hz.fetch.is_some()),
        ("install_root", hz.install_root.is_some()),
        ("tick_time", hz.tick_time.is_some()),
        ("init_limit", hz.init_limit.is_some()),
        ("sync_limit", hz.sync_limit.is_some()),
        ("max_session_timeout", hz.max_session_timeout.is_some()),
        (
            "autopurge_snap_retain_count",
            hz.autopurge_snap_retain_count.is_some(),
        ),
        (
            "autopurge_purge_interval",
            hz.autopurge_purge_interval.is_some(),
        ),
    ] {
        if set {
            e.help(
                path!["host", i, "zookeeper", key],
                format!("`{}` can only be set cluster-wide", key),
                "every ZooKeeper server must agree on it: move it to the [zookeeper] table",
            );
        }
    }

    let spark = merge_spark(e, i, hs, &raw.spark, spark_root);
    let zk = merge_zk(e, i, hz, raw.zookeeper.as_ref(), zk_root);
    check_ports(e, i, h, raw, &roles, &spark, &zk);
    check_service_dirs(e, i, h, raw, &roles, spark_root, zk_root);

    Host {
        name: h.name.clone(),
        address,
        ssh_user: h.ssh_user.clone(),
        ssh_port: h.ssh_port,
        identity_file: h.identity_file.as_ref().map(|p| base.join(expand_home(p))),
        roles,
        zk_id: None,
        spark,
        zk,
    }
}

/// The address lands in `spark://host:port`, ZooKeeper's `server.N=host:2888:3888`
/// and connect strings, `SPARK_LOCAL_HOSTNAME`, and ssh's command line.
/// Java parses the Spark URLs with `java.net.URI`, which takes neither `_`
/// in a host name nor an IPv6 literal without brackets; and a `:port` would
/// be read as part of the host. Refuse what would be written wrongly rather
/// than render it.
fn check_address(e: &mut Errors, i: usize, h: &RawHost, address: &str) {
    // Without `address`, the name is the address: point at the name.
    let (at, what) = if h.address.is_some() {
        (
            path!["host", i, "address"],
            format!("address `{}`", address),
        )
    } else {
        (
            path!["host", i, "name"],
            format!(
                "host name `{}` (the address, as `address` is not set)",
                address
            ),
        )
    };
    let bare = address.trim_start_matches('[').trim_end_matches(']');
    if address.is_empty()
        || address.starts_with('-')
        || !address
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".:-_[]".contains(c))
    {
        // An invalid name used as the address is reported as a name.
        if h.address.is_none() {
            return;
        }
        e.help(
            at,
            format!("invalid address `{}`", address.escape_debug()),
            "expected a host name or an IP address",
        );
    } else if bare.parse::<std::net::Ipv6Addr>().is_ok() || address.matches(':').count() > 1 {
        e.help(
            at,
            format!(
                "{} is an IPv6 literal: IPv6 literals are not supported yet",
                what
            ),
            "use a host name that resolves to this address (DNS or /etc/hosts): Spark's and ZooKeeper's configs would need the literal in brackets, which sparkctl does not write yet",
        );
    } else if let Some((host, port)) = address
        .split_once(':')
        .filter(|(h, p)| !h.is_empty() && !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
    {
        e.help(
            at,
            format!("address `{}` has a port (`:{}`)", address, port),
            format!("give the address alone (`{}`) and set the SSH port with `[ssh] port` (or `ssh_port` on the host); the daemons' ports have their own keys", host),
        );
    } else if address.contains(['[', ']', ':']) {
        e.help(
            at,
            format!("invalid address `{}`", address.escape_debug()),
            "expected a host name or an IP address, without brackets or `:`",
        );
    } else if address.contains('_') {
        e.help(
            at,
            format!("{} contains `_`", what),
            if h.address.is_some() {
                "Java's URI parser does not accept `_` in host names (spark://, ZooKeeper's server list): use a name of letters, digits, `.` and `-` that resolves to this host, or its IP address".to_string()
            } else {
                "Java's URI parser does not accept `_` in host names (spark://, ZooKeeper's server list): set `address` to a name of letters, digits, `.` and `-` that resolves to this host, or to its IP address".to_string()
            },
        );
    }
}

/// Host value, else cluster value, with the path where it was written (for errors).
fn pick<T: Clone>(
    i: usize,
    section: &str,
    key: &str,
    host: &Option<T>,
    cluster: &Option<T>,
) -> (Option<T>, Vec<Seg>) {
    match (host, cluster) {
        (Some(v), _) => (Some(v.clone()), path!["host", i, section, key]),
        (None, Some(v)) => (Some(v.clone()), path![section, key]),
        (None, None) => (None, path!["host", i, "roles"]),
    }
}

fn merge_spark(e: &mut Errors, i: usize, h: &RawSpark, c: &RawSpark, root: &str) -> SparkSettings {
    macro_rules! get {
        ($k:ident) => {
            pick(i, "spark", stringify!($k), &h.$k, &c.$k)
        };
    }
    let (worker_cores, at) = get!(worker_cores);
    if worker_cores == Some(0) {
        e.add(at, "worker_cores must be at least 1");
    }
    let (worker_memory, at) = get!(worker_memory);
    if let Some(m) = &worker_memory {
        check_memory(e, at, m);
    }
    let (daemon_memory, at) = get!(daemon_memory);
    let daemon_memory = daemon_memory.unwrap_or_else(|| "1g".into());
    check_memory(e, at, &daemon_memory);

    let mut paths = |key: &'static str, v: (Option<String>, Vec<Seg>), default: String| {
        let p = v.0.unwrap_or(default);
        check_path(e, v.1, &p);
        let _ = key;
        p
    };
    let worker_dir = paths("worker_dir", get!(worker_dir), format!("{}/work", root));
    let log_dir = paths("log_dir", get!(log_dir), format!("{}/logs", root));
    let pid_dir = paths("pid_dir", get!(pid_dir), format!("{}/run", root));
    let (java_home, at) = get!(java_home);
    if let Some(j) = &java_home {
        check_path(e, at, j);
    }
    let (local_dirs, at) = get!(local_dirs);
    if let Some(dirs) = &local_dirs {
        for d in dirs.split(',') {
            check_path(e, at.clone(), d);
        }
    }

    let mut opts = |v: (Option<Vec<String>>, Vec<Seg>)| {
        let list = v.0.unwrap_or_default();
        for (j, o) in list.iter().enumerate() {
            check_jvm_opt(e, with(&v.1, j), o);
        }
        list
    };
    let daemon_java_opts = opts(get!(daemon_java_opts));
    let master_opts = opts(get!(master_opts));
    let worker_opts = opts(get!(worker_opts));

    // extra_env and defaults accumulate: cluster-wide first, then the host's own.
    let mut extra_env = c.extra_env.clone().unwrap_or_default();
    extra_env.extend(h.extra_env.clone().unwrap_or_default());
    for (src, list) in [
        (path!["spark", "extra_env"], &c.extra_env),
        (path!["host", i, "spark", "extra_env"], &h.extra_env),
    ] {
        for (j, line) in list.iter().flatten().enumerate() {
            if line.contains(['\n', '\r', '\0']) {
                e.help(
                    with(&src, j),
                    "an extra_env entry must be one line",
                    "split it into several entries",
                );
            }
        }
    }
    let mut defaults = c.defaults.clone().unwrap_or_default();
    defaults.extend(h.defaults.clone().unwrap_or_default());
    for (src, map) in [
        (path!["spark", "defaults"], &c.defaults),
        (path!["host", i, "spark", "defaults"], &h.defaults),
    ] {
        for (k, v) in map.iter().flatten() {
            let at = with_key(&src, k);
            if !property_key_ok(k) {
                e.add(
                    at.clone(),
                    format!("invalid Spark property name `{}`", k.escape_debug()),
                );
            }
            if v.contains(['\n', '\r', '\0']) {
                e.add(at.clone(), format!("the value of `{}` must be one line", k));
            }
            // spark-defaults.conf is world-readable and shown in diffs.
            if k == "spark.master" {
                e.help(
                    at.clone(),
                    format!("`{}` is managed by sparkctl", k),
                    "it is written from the hosts with the master role (spark://a:7077,b:7077): change their roles or master_port instead",
                );
            } else if k.starts_with("spark.master.rest.") {
                e.help(
                    at.clone(),
                    format!("`{}` is managed by sparkctl", k),
                    "use `[spark] rest = true|false` and `rest_port` instead",
                );
            } else if k.starts_with("spark.authenticate") {
                e.help(
                    at,
                    format!("`{}` is managed by sparkctl", k),
                    "set `authenticate = true` in [spark]: the secret is generated, kept in `secret_file` and given only to the daemons (mode 0600), never written to spark-defaults.conf",
                );
            }
        }
    }

    let port = |e: &mut Errors, v: (Option<u16>, Vec<Seg>), d: u16| {
        let p = v.0.unwrap_or(d);
        if p == 0 {
            e.add(v.1, "port 0 is not allowed here");
        }
        p
    };
    let master_port = port(e, get!(master_port), 7077);
    let master_webui_port = port(e, get!(master_webui_port), 8080);
    let rest_port = port(e, get!(rest_port), crate::rest::DEFAULT_PORT);
    let worker_webui_port = port(e, get!(worker_webui_port), 8081);
    SparkSettings {
        master_port,
        master_webui_port,
        rest_port,
        worker_port: get!(worker_port).0.filter(|p| *p != 0),
        worker_webui_port,
        worker_cores,
        worker_memory,
        worker_dir,
        local_dirs,
        log_dir,
        pid_dir,
        daemon_memory,
        daemon_java_opts,
        master_opts,
        worker_opts,
        java_home,
        extra_env,
        defaults,
        worker_timeout: get!(worker_timeout).0,
    }
}

fn merge_zk(
    e: &mut Errors,
    i: usize,
    h: &RawZooKeeper,
    c: Option<&RawZooKeeper>,
    root: &str,
) -> ZkSettings {
    let empty = RawZooKeeper::default();
    let c = c.unwrap_or(&empty);
    macro_rules! get {
        ($k:ident) => {
            pick(i, "zookeeper", stringify!($k), &h.$k, &c.$k)
        };
    }
    let mut port = |v: (Option<u16>, Vec<Seg>), d: u16| {
        let p = v.0.unwrap_or(d);
        if p == 0 {
            e.add(v.1, "port 0 is not allowed here");
        }
        p
    };
    let client_port = port(get!(client_port), 2181);
    let quorum_port = port(get!(quorum_port), 2888);
    let election_port = port(get!(election_port), 3888);
    let admin_port = get!(admin_port).0.unwrap_or(DEFAULT_ZK_ADMIN_PORT);

    let (data_dir, at) = get!(data_dir);
    let data_dir = data_dir.unwrap_or_else(|| DEFAULT_ZK_DATA_DIR.into());
    check_path(e, at, &data_dir);
    let (data_log_dir, at) = get!(data_log_dir);
    if let Some(d) = &data_log_dir {
        check_path(e, at, d);
    }
    let (log_dir, at) = get!(log_dir);
    let log_dir = log_dir.unwrap_or_else(|| format!("{}/logs", root));
    check_path(e, at, &log_dir);
    let (java_home, at) = get!(java_home);
    if let Some(j) = &java_home {
        check_path(e, at, j);
    }
    let (heap, at) = get!(heap);
    let heap_mb = match heap {
        // memory_mb caps sizes at 2^30 MiB, so this fits in u32.
        Some(h) => check_memory(e, at, &h).map(|mb| mb as u32).unwrap_or(1000),
        None => 1000, // ZooKeeper's own default (ZK_SERVER_HEAP)
    };
    let (jvm_opts, at) = get!(jvm_opts);
    let jvm_opts = jvm_opts.unwrap_or_default();
    for (j, o) in jvm_opts.iter().enumerate() {
        check_jvm_opt(e, with(&at, j), o);
    }

    let mut extra = c.extra.clone().unwrap_or_default();
    extra.extend(h.extra.clone().unwrap_or_default());
    // zoo.cfg keys sparkctl writes or depends on, with what to do instead.
    // The last of two equal keys wins in a properties file, so an `extra`
    // one (written after) would undo sparkctl's.
    const ADMIN: &str = "set `admin_port` in [zookeeper] instead (0 turns the AdminServer off); sparkctl keeps it off the Spark master UI's port 8080";
    const MANAGED: [(&str, &str); 12] = [
        ("dataDir", "set `data_dir` in [zookeeper] instead"),
        ("dataLogDir", "set `data_log_dir` in [zookeeper] instead"),
        ("clientPort", "set `client_port` in [zookeeper] instead"),
        ("tickTime", "set `tick_time` in [zookeeper] instead"),
        ("initLimit", "set `init_limit` in [zookeeper] instead"),
        ("syncLimit", "set `sync_limit` in [zookeeper] instead"),
        ("admin.serverPort", "set `admin_port` in [zookeeper] instead"),
        ("admin.enableServer", ADMIN),
        ("admin.serverAddress", ADMIN),
        ("maxSessionTimeout", "set `max_session_timeout` in [zookeeper] instead"),
        ("4lw.commands.whitelist", "sparkctl sets it to the four-letter words its health checks use (srvr); remove it"),
        ("dynamicConfigFile", "the ensemble is the hosts with the zookeeper role, written as server.N lines in zoo.cfg; sparkctl does not use dynamic reconfiguration: remove it"),
    ];
    for (src, map) in [
        (path!["zookeeper", "extra"], &c.extra),
        (path!["host", i, "zookeeper", "extra"], &h.extra),
    ] {
        for (k, v) in map.iter().flatten() {
            let at = with_key(&src, k);
            if let Some((_, help)) = MANAGED.iter().find(|(z, _)| z == k) {
                e.help(at.clone(), format!("`{}` is managed by sparkctl", k), *help);
            } else if k.starts_with("server.") {
                e.help(
                    at.clone(),
                    format!("`{}` is managed by sparkctl", k),
                    "server.N lines come from the hosts with the zookeeper role",
                );
            }
            if !property_key_ok(k) || v.contains(['\n', '\r', '\0']) {
                e.add(
                    at,
                    format!("invalid zoo.cfg property `{}`", k.escape_debug()),
                );
            }
        }
    }
    ZkSettings {
        client_port,
        quorum_port,
        election_port,
        admin_port,
        data_dir,
        data_log_dir,
        log_dir,
        heap_mb,
        jvm_opts,
        java_home,
        extra,
    }
}

/// Two daemons on one host cannot share a port; say which two and where each is set.
fn check_ports(
    e: &mut Errors,
    i: usize,
    h: &RawHost,
    raw: &RawInventory,
    roles: &Roles,
    s: &SparkSettings,
    z: &ZkSettings,
) {
    let zc = raw.zookeeper.clone().unwrap_or_default();
    let mut used: Vec<(u16, &str, Vec<Seg>)> = Vec::new();
    let at_spark = |k: &str, hv: Option<u16>, cv: Option<u16>| pick(i, "spark", k, &hv, &cv).1;
    let at_zk = |k: &str, hv: Option<u16>, cv: Option<u16>| pick(i, "zookeeper", k, &hv, &cv).1;
    if roles.master {
        used.push((
            s.master_port,
            "the Spark master (master_port)",
            at_spark("master_port", h.spark.master_port, raw.spark.master_port),
        ));
        used.push((
            s.master_webui_port,
            "the Spark master web UI (master_webui_port)",
            at_spark(
                "master_webui_port",
                h.spark.master_webui_port,
                raw.spark.master_webui_port,
            ),
        ));
        if raw.spark.rest == Some(true) {
            used.push((
                s.rest_port,
                "the Spark master REST server (rest_port)",
                at_spark("rest_port", h.spark.rest_port, raw.spark.rest_port),
            ));
        }
    }
    if roles.worker {
        if let Some(p) = s.worker_port {
            used.push((
                p,
                "the Spark worker (worker_port)",
                at_spark("worker_port", h.spark.worker_port, raw.spark.worker_port),
            ));
        }
        used.push((
            s.worker_webui_port,
            "the Spark worker web UI (worker_webui_port)",
            at_spark(
                "worker_webui_port",
                h.spark.worker_webui_port,
                raw.spark.worker_webui_port,
            ),
        ));
    }
    if roles.zookeeper {
        used.push((
            z.client_port,
            "ZooKeeper clients (client_port)",
            at_zk("client_port", h.zookeeper.client_port, zc.client_port),
        ));
        used.push((
            z.quorum_port,
            "the ZooKeeper quorum (quorum_port)",
            at_zk("quorum_port", h.zookeeper.quorum_port, zc.quorum_port),
        ));
        used.push((
            z.election_port,
            "ZooKeeper leader election (election_port)",
            at_zk("election_port", h.zookeeper.election_port, zc.election_port),
        ));
        if z.admin_port != 0 {
            used.push((
                z.admin_port,
                "the ZooKeeper AdminServer (admin_port)",
                at_zk("admin_port", h.zookeeper.admin_port, zc.admin_port),
            ));
        }
    }
    for (a, (pa, what_a, _)) in used.iter().enumerate() {
        for (pb, what_b, at_b) in used.iter().skip(a + 1) {
            if pa == pb {
                e.help(
                    at_b.clone(),
                    format!(
                        "port {} on host `{}` is used by both {} and {}",
                        pa, h.name, what_a, what_b
                    ),
                    "give one of them another port",
                );
            }
        }
    }
}

fn assign_zk_ids(e: &mut Errors, raw: &[RawHost], hosts: &mut [Host]) {
    let mut used: BTreeMap<u32, usize> = BTreeMap::new();
    for (i, (r, h)) in raw.iter().zip(hosts.iter_mut()).enumerate() {
        let Some(id) = r.zk_id else { continue };
        if !h.roles.zookeeper {
            e.help(
                path!["host", i, "zk_id"],
                format!("host `{}` has a zk_id but not the zookeeper role", h.name),
                "add \"zookeeper\" to its roles or remove zk_id",
            );
            continue;
        }
        if !(1..=255).contains(&id) {
            e.add(
                path!["host", i, "zk_id"],
                format!("zk_id must be between 1 and 255, got {}", id),
            );
            continue;
        }
        if let Some(prev) = used.insert(id, i) {
            e.help(
                path!["host", i, "zk_id"],
                format!("zk_id {} is used twice", id),
                format!(
                    "host[{}] (`{}`) has it too; every ZooKeeper server needs its own id",
                    prev, raw[prev].name
                ),
            );
        }
        h.zk_id = Some(id);
    }
    // Unset ids: the host's position among ZooKeeper hosts, skipping ids taken explicitly.
    let mut next = 1;
    for h in hosts
        .iter_mut()
        .filter(|h| h.roles.zookeeper && h.zk_id.is_none())
    {
        while used.contains_key(&next) {
            next += 1;
        }
        if next > 255 {
            e.help(
                path!["host"],
                format!(
                    "no ZooKeeper id left for host `{}`: ids are 1 to 255",
                    h.name
                ),
                "set `zk_id` explicitly on the ZooKeeper hosts",
            );
            return;
        }
        h.zk_id = Some(next);
        used.insert(next, usize::MAX);
    }
}

fn resolve_ha(e: &mut Errors, raw: &RawInventory, hosts: &[Host]) -> Ha {
    let masters: Vec<&str> = hosts
        .iter()
        .filter(|h| h.roles.master)
        .map(|h| h.name.as_str())
        .collect();
    let zks: Vec<&str> = hosts
        .iter()
        .filter(|h| h.roles.zookeeper)
        .map(|h| h.name.as_str())
        .collect();
    if !hosts.is_empty() && masters.is_empty() {
        e.help(
            path!["host"],
            "no host has the `master` role",
            "add \"master\" to the roles of one host (two or more for HA)",
        );
    }
    if !hosts.is_empty() && !hosts.iter().any(|h| h.roles.worker) {
        e.help(
            path!["host"],
            "no host has the `worker` role",
            "add \"worker\" to the roles of the hosts that should run executors",
        );
    }
    let at = path!["cluster", "ha"];
    let ha = match raw.cluster.ha.as_deref() {
        None if masters.len() >= 2 => Ha::Zookeeper,
        None | Some("none") => Ha::None,
        Some("zookeeper") => Ha::Zookeeper,
        Some("filesystem") => match &raw.cluster.recovery_dir {
            Some(d) => {
                check_path(e, path!["cluster", "recovery_dir"], d);
                Ha::Filesystem { dir: d.clone() }
            }
            None => {
                e.help(
                    at.clone(),
                    "ha = \"filesystem\" needs a recovery directory",
                    "add `recovery_dir = \"/var/lib/spark/recovery\"` to [cluster]",
                );
                Ha::None
            }
        },
        Some(other) => {
            let help = match did_you_mean(other, ["none", "zookeeper", "filesystem"]) {
                Some(s) => format!("did you mean \"{}\"?", s),
                None => "expected \"none\", \"zookeeper\" or \"filesystem\"".into(),
            };
            e.help(at.clone(), format!("unknown HA mode `{}`", other), help);
            return Ha::None;
        }
    };
    if raw.cluster.recovery_dir.is_some() && !matches!(ha, Ha::Filesystem { .. }) {
        e.help(
            path!["cluster", "recovery_dir"],
            "recovery_dir is only used with ha = \"filesystem\"",
            "set ha = \"filesystem\" or remove recovery_dir",
        );
    }
    match &ha {
        Ha::None if masters.len() >= 2 => e.help(
            at,
            format!("{} masters ({}) with ha = \"none\" would each be ALIVE on their own", masters.len(), masters.join(", ")),
            "use ha = \"zookeeper\" with 3 ZooKeeper hosts, or keep one master",
        ),
        Ha::Filesystem { .. } if masters.len() > 1 => e.help(
            at,
            format!("ha = \"filesystem\" supports one master, found {} ({})", masters.len(), masters.join(", ")),
            "use ha = \"zookeeper\" for several masters",
        ),
        Ha::Zookeeper if zks.is_empty() => e.help(
            if raw.cluster.ha.is_some() { at } else { path!["host"] },
            format!("HA mode `zookeeper` needs ZooKeeper, but no host has the `zookeeper` role (masters: {})", masters.join(", ")),
            "add \"zookeeper\" to the roles of 3 hosts",
        ),
        Ha::Zookeeper if zks.len() < 3 || zks.len().is_multiple_of(2) => e.help(
            if raw.cluster.ha.is_some() { at } else { path!["host"] },
            format!("HA mode `zookeeper` needs an odd number of ZooKeeper hosts, at least 3; found {} ({})", zks.len(), zks.join(", ")),
            "a quorum of N servers survives (N-1)/2 failures: 1 or 2 servers survive none; use 3 or 5",
        ),
        _ => {}
    }
    ha
}

/// ZooKeeper reads tickTime, initLimit, syncLimit and maxSessionTimeout as
/// Java ints and multiplies them as ints (`tickTime * initLimit` is a socket
/// timeout): a value or product above 2^31-1 makes it fail at start or wrap
/// to a negative timeout. Computed here in u64, so nothing overflows on the
/// way to saying so.
fn check_zk_times(e: &mut Errors, z: &ZkEnsemble, max_written: bool) {
    const JAVA_INT: u64 = i32::MAX as u64;
    let tick = u64::from(z.tick_time);
    let mut fits = true;
    for (key, v) in [
        ("tick_time", Some(z.tick_time)),
        ("init_limit", Some(z.init_limit)),
        ("sync_limit", Some(z.sync_limit)),
        ("max_session_timeout", z.max_session_timeout),
    ] {
        if let Some(v) = v.filter(|v| u64::from(*v) > JAVA_INT) {
            fits = false;
            e.help(
                path!["zookeeper", key],
                format!(
                    "{} = {} is above {}, the largest value ZooKeeper reads (a Java int)",
                    key, v, JAVA_INT
                ),
                "use a smaller value (tick_time is in milliseconds; ZooKeeper's default is 2000)",
            );
        }
    }
    if fits {
        for (key, limit) in [("init_limit", z.init_limit), ("sync_limit", z.sync_limit)] {
            let product = tick * u64::from(limit);
            if product > JAVA_INT {
                e.help(
                    path!["zookeeper", key],
                    format!(
                        "tick_time x {} = {} ms is above {}, the largest timeout ZooKeeper can compute (a Java int)",
                        key, product, JAVA_INT
                    ),
                    format!("lower tick_time or {}", key),
                );
            }
        }
    }
    if let Some(t) = z.max_session_timeout {
        let min = 2 * tick;
        if u64::from(t) < min {
            // The default max_session_timeout is not in the file: point at tick_time.
            let at = if max_written {
                path!["zookeeper", "max_session_timeout"]
            } else {
                path!["zookeeper", "tick_time"]
            };
            e.help(at, format!("max_session_timeout ({} ms) is below ZooKeeper's minimum session timeout (2 x tick_time = {} ms)", t, min), "raise it or lower tick_time");
        }
    }
}

fn positive(e: &mut Errors, at: Vec<Seg>, v: Option<u32>, default: u32) -> u32 {
    let v = v.unwrap_or(default);
    if v == 0 {
        e.add(at, "must be greater than 0");
    }
    v
}

fn check_memory(e: &mut Errors, at: Vec<Seg>, m: &str) -> Option<u64> {
    let mb = memory_mb(m);
    if mb.is_none() {
        e.help(
            at,
            format!("invalid memory size `{}`", m.escape_debug()),
            "expected a number with a unit, like \"512m\" or \"2g\"",
        );
    }
    mb
}

/// Java properties keys (spark-defaults.conf, zoo.cfg) are written raw:
/// `:`, `=`, `\\`, `#`, `!` or white space would change what is read, so
/// keep keys to the characters real Spark and ZooKeeper properties use.
fn property_key_ok(k: &str) -> bool {
    !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
}

/// Paths go into shell scripts and Spark's own scripts, which do not quote
/// everything: accept a conservative character set rather than hope.
/// A `.`, `..` or empty component (a trailing `/` aside) in an absolute path.
fn has_odd_component(p: &str) -> bool {
    let segs: Vec<&str> = p[1..].split('/').collect();
    let last = segs.len() - 1;
    segs.iter()
        .enumerate()
        .any(|(i, s)| *s == "." || *s == ".." || (s.is_empty() && i < last))
}

fn check_path(e: &mut Errors, at: Vec<Seg>, p: &str) {
    if !p.starts_with('/') {
        e.help(
            at,
            format!("`{}` is not an absolute path", p.escape_debug()),
            "paths on the hosts must start with /",
        );
    } else if has_odd_component(p) {
        // `/tmp//` or `/var/log/..` would slip past the checks that keep
        // sparkctl from re-owning shared directories.
        e.help(
            at,
            format!(
                "path `{}` has an empty, `.` or `..` component",
                p.escape_debug()
            ),
            "write the path plainly, like /var/lib/zookeeper",
        );
    } else if let Some(c) = p
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "/._+-@%:,=".contains(*c)))
    {
        e.help(at, format!("path `{}` contains `{}`", p.escape_debug(), c.escape_debug()), "use letters, digits and / . _ - + @ % : , = in paths (Spark's scripts do not quote every path)");
    }
}

/// Spark splits SPARK_*_OPTS on white space; an option with spaces or quotes
/// would be split or reinterpreted, so refuse it rather than mangle it.
fn check_jvm_opt(e: &mut Errors, at: Vec<Seg>, o: &str) {
    if o.is_empty() || o.contains(|c: char| c.is_whitespace() || "\"'`$\\;&|<>(){}".contains(c)) {
        e.help(
            at,
            format!(
                "JVM option `{}` contains white space or shell characters",
                o.escape_debug()
            ),
            "give each option as its own list entry, without spaces, quotes or $",
        );
    } else if o.starts_with("-Dspark.authenticate") {
        // A JVM option is on the daemon's command line, visible in `ps`.
        e.help(
            at,
            format!("`{}` is managed by sparkctl", o.escape_debug()),
            "set `authenticate = true` in [spark]: the secret goes to the daemons in a 0600 file, never on a command line",
        );
    } else if o.starts_with("-Dspark.master.rest.")
        || o.starts_with("-Dspark.org.apache.spark.ui.JWSFilter")
    {
        // A system property would win over the managed properties file
        // (Spark reads that file with setIfMissing) and could reopen 6066.
        e.help(
            at,
            format!("`{}` is managed by sparkctl", o.escape_debug()),
            "use `rest = true|false` and `rest_port` in [spark]; with `authenticate = true` the REST server's key is derived from the secret",
        );
    }
}

fn with(at: &[Seg], j: usize) -> Vec<Seg> {
    let mut v = at.to_vec();
    v.push(Seg::Index(j));
    v
}
fn with_key(at: &[Seg], k: &str) -> Vec<Seg> {
    let mut v = at.to_vec();
    v.push(Seg::Key(k.to_string()));
    v
}

/// `~/x` -> `$HOME/x`, as a shell would for the operator's own files.
pub fn expand_home(p: &str) -> PathBuf {
    if let Some(rest) = p.strip_prefix("~/") {
        if let Some(home) = std::env::var_os("HOME") {
            return PathBuf::from(home).join(rest);
        }
    }
    PathBuf::from(p)
}

/// Install roots hold the software root runs: never a world-writable
/// directory anyone could plant files in (the host's own permissions are
/// checked again at preflight), and one per product, so that neither's
/// trees, `current` link or state directory can be taken for the other's.
fn check_install_roots(e: &mut Errors, raw: &RawInventory, spark_root: &str, zk_root: &str) {
    use crate::ownership::{normalize, under, SHARED};
    let (s, z) = (normalize(spark_root), normalize(zk_root));
    for (product, at, r) in [
        ("spark", path!["spark", "install_root"], s),
        ("zookeeper", path!["zookeeper", "install_root"], z),
    ] {
        // Exactly these here; a directory inside one (`/tmp/spark`) is
        // refused by the host's preflight, which sees the real modes.
        if SHARED.contains(&r) {
            e.help(
                at,
                format!("install_root `{}` is world-writable: any user of the host could replace the software root runs", r),
                format!("install {} in a directory only root can write to, like /opt/{}", product, product),
            );
        }
    }
    if raw.zookeeper.is_some() && (under(z, s) || under(s, z)) {
        let how = if s == z {
            "is"
        } else if under(z, s) {
            "is inside"
        } else {
            "contains"
        };
        e.help(
            path!["zookeeper", "install_root"],
            format!(
                "the ZooKeeper install_root `{}` {} the Spark install_root `{}`",
                z, how, s
            ),
            "give each product its own root, like /opt/spark and /opt/zookeeper",
        );
    }
}

/// The directories a host's daemons write to are handed to the service
/// user (with `run_as`; without it they are still made `go-w`): refuse, at
/// the key that set them, every one the ownership rule does not allow (see
/// `ownership`), and one inside another (the user could swap the inner
/// path for a symlink to anywhere).
fn check_service_dirs(
    e: &mut Errors,
    i: usize,
    h: &RawHost,
    raw: &RawInventory,
    roles: &Roles,
    spark_root: &str,
    zk_root: &str,
) {
    use crate::ownership::{
        install_root_problem, normalize, system_problem, under, InstallRoot, SHARED,
    };
    let stem = |tarball: &Option<String>, url: &Option<String>| -> Vec<String> {
        [tarball.as_deref(), url.as_deref()]
            .into_iter()
            .flatten()
            .filter_map(|t| {
                let name = t.split(['?', '#']).next()?.rsplit('/').next()?;
                crate::dist::tarball_name(name).map(|(stem, _)| stem)
            })
            .collect()
    };
    let zk_raw = raw.zookeeper.clone().unwrap_or_default();
    let roots = [
        InstallRoot {
            product: "Spark",
            root: spark_root,
            trees: stem(&raw.spark.tarball, &raw.spark.url),
        },
        InstallRoot {
            product: "ZooKeeper",
            root: zk_root,
            trees: stem(&zk_raw.tarball, &zk_raw.url),
        },
    ];
    let empty = RawZooKeeper::default();
    let hz = &h.zookeeper;
    let cz = raw.zookeeper.as_ref().unwrap_or(&empty);
    let (hs, cs) = (&h.spark, &raw.spark);
    // (value, where it is set, key, scratch space)
    let mut dirs: Vec<(String, Vec<Seg>, &str, bool)> = Vec::new();
    fn add(
        dirs: &mut Vec<(String, Vec<Seg>, &str, bool)>,
        v: (Option<String>, Vec<Seg>),
        default: String,
        key: &'static str,
    ) {
        dirs.push((v.0.unwrap_or(default), v.1, key, false));
    }
    if roles.master || roles.worker {
        add(
            &mut dirs,
            pick(i, "spark", "log_dir", &hs.log_dir, &cs.log_dir),
            format!("{}/logs", spark_root),
            "spark.log_dir",
        );
        add(
            &mut dirs,
            pick(i, "spark", "pid_dir", &hs.pid_dir, &cs.pid_dir),
            format!("{}/run", spark_root),
            "spark.pid_dir",
        );
    }
    if roles.worker {
        add(
            &mut dirs,
            pick(i, "spark", "worker_dir", &hs.worker_dir, &cs.worker_dir),
            format!("{}/work", spark_root),
            "spark.worker_dir",
        );
        let (local, at) = pick(i, "spark", "local_dirs", &hs.local_dirs, &cs.local_dirs);
        for d in local.iter().flat_map(|l| l.split(',')) {
            dirs.push((d.to_string(), at.clone(), "spark.local_dirs", true));
        }
    }
    if roles.master && raw.cluster.ha.as_deref() == Some("filesystem") {
        if let Some(d) = &raw.cluster.recovery_dir {
            dirs.push((
                d.clone(),
                path!["cluster", "recovery_dir"],
                "cluster.recovery_dir",
                false,
            ));
        }
    }
    if roles.zookeeper {
        add(
            &mut dirs,
            pick(i, "zookeeper", "data_dir", &hz.data_dir, &cz.data_dir),
            DEFAULT_ZK_DATA_DIR.into(),
            "zookeeper.data_dir",
        );
        add(
            &mut dirs,
            pick(i, "zookeeper", "log_dir", &hz.log_dir, &cz.log_dir),
            format!("{}/logs", zk_root),
            "zookeeper.log_dir",
        );
        let (dl, at) = pick(
            i,
            "zookeeper",
            "data_log_dir",
            &hz.data_log_dir,
            &cz.data_log_dir,
        );
        if let Some(d) = dl {
            dirs.push((d, at, "zookeeper.data_log_dir", false));
        }
    }
    const HELP: &str = "give the daemons directories of their own, like /var/lib/spark/work, /var/log/spark or <install_root>/logs: the service user will own them";
    let mut owned: Vec<(&str, &str)> = Vec::new();
    for (d, at, key, scratch) in &dirs {
        // Not absolute, or odd: check_path has said so.
        if !d.starts_with('/') || has_odd_component(d) {
            continue;
        }
        let n = normalize(d);
        if SHARED.contains(&n) {
            if !*scratch {
                e.help(
                    at.clone(),
                    format!(
                        "`{}` is shared by every user of the host: {} needs a directory of its own",
                        n, key
                    ),
                    HELP,
                );
            }
            continue;
        }
        if let Some(m) = system_problem(n).or_else(|| install_root_problem(n, &roots)) {
            e.help(
                at.clone(),
                format!(
                    "{}: it cannot be {} (the daemons' directories are handed to the service user)",
                    m, key
                ),
                HELP,
            );
            continue;
        }
        owned.push((n, key));
    }
    for (d, at, key, _) in &dirs {
        let n = normalize(d);
        if let Some((outer, okey)) = owned.iter().find(|(o, _)| *o != n && under(n, o)) {
            if owned.iter().any(|(o, _)| *o == n) {
                e.help(
                    at.clone(),
                    format!("{} `{}` is inside {} `{}`, which the service user owns: it could replace this path with a symlink to anywhere", key, n, okey, outer),
                    "use directories side by side, like <root>/logs and <root>/work",
                );
            }
        }
    }
}
