//! Renders every configuration file of a host from the tera templates.
//!
//! Pure: inventory + distributions in, file contents out. All hosts are
//! rendered before anything is changed anywhere, so a broken user template
//! stops the run before a single file is written. Templates are built in
//! (`templates/` is compiled into the binary) and can be overridden one by one
//! from the directory named by `[cluster] templates`.

use crate::diag::UsageError;
use crate::dist::{LocalDist, Product, Version};
use crate::inventory::{Cluster, Ha, Host};
use crate::layout::{self, Daemon};
use crate::secret::{Loaded, Secret};
use anyhow::Result;
use serde::Serialize;
use std::collections::BTreeMap;

const BUILTIN: [(&str, &str); 6] = [
    (
        "spark-env.sh",
        include_str!("../templates/spark-env.sh.tera"),
    ),
    (
        "spark-defaults.conf",
        include_str!("../templates/spark-defaults.conf.tera"),
    ),
    ("workers", include_str!("../templates/workers.tera")),
    ("zoo.cfg", include_str!("../templates/zoo.cfg.tera")),
    ("java.env", include_str!("../templates/java.env.tera")),
    ("myid", include_str!("../templates/myid.tera")),
];

/// The file names a `[cluster] templates` directory may hold: one per
/// built-in template, named after the file it renders plus `.tera`.
pub fn override_names() -> impl Iterator<Item = String> {
    BUILTIN.iter().map(|(name, _)| format!("{}.tera", name))
}

/// One file to put on a host.
#[derive(Clone, PartialEq, Eq)]
pub struct ConfigFile {
    /// Absolute path on the host.
    pub path: String,
    pub content: String,
    /// Which template produced it (for messages).
    pub template: &'static str,
    /// Daemons that read this file at start: they restart when it changes.
    pub readers: Vec<Daemon>,
    /// Holds the authentication secret: mode 0600, sent over stdin, never
    /// shown in plans or diffs, never read back from the host.
    pub secret: bool,
}

/// By hand, so a secret file's content cannot reach a log through `{:?}`.
impl std::fmt::Debug for ConfigFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConfigFile")
            .field("path", &self.path)
            .field(
                "content",
                &if self.secret {
                    crate::secret::REDACTED
                } else {
                    self.content.as_str()
                },
            )
            .field("template", &self.template)
            .field("readers", &self.readers)
            .field("secret", &self.secret)
            .finish()
    }
}

/// The distributions a render needs (ZooKeeper only if some host runs it).
pub struct Dists<'a> {
    pub spark: &'a LocalDist,
    pub zookeeper: Option<&'a LocalDist>,
}

pub struct Renderer {
    tera: tera::Tera,
    /// template name -> where it came from (for error messages)
    origins: BTreeMap<&'static str, String>,
    /// The cluster's secret when `[spark] authenticate` is on, loaded by
    /// [`Renderer::new`] (`None` from [`Renderer::templates`]).
    pub secret: Option<Loaded>,
    /// `[mesos] secret_file`'s content (`spark.mesos.secret`), read by
    /// [`Renderer::templates`]: an operator's credential, never generated.
    pub mesos_secret: Option<Secret>,
}

impl Renderer {
    /// Load built-in templates, replaced by any file of the same name +
    /// ".tera" in the cluster's templates directory, and the cluster's
    /// secret when `[spark] authenticate` is on (see [`load_secret`]; for
    /// `check`, `k8s render` and tests, which read it here).
    pub fn new(cluster: &Cluster) -> Result<Renderer> {
        let mut r = Renderer::templates(cluster)?;
        r.secret = load_secret(cluster)?;
        Ok(r)
    }

    /// The templates only: files are rendered with the secret given to
    /// [`Renderer::host_files_with`] (how `deploy` renders: it holds the
    /// secret itself, as a typed value, and hands it to whoever needs it).
    pub fn templates(cluster: &Cluster) -> Result<Renderer> {
        let mut tera = tera::Tera::new();
        // Config files are not HTML.
        tera.autoescape_on(Vec::<&str>::new());
        tera.register_filter("properties", properties_filter);
        let mut origins = BTreeMap::new();
        for (name, builtin) in BUILTIN {
            let (text, origin) = match &cluster.templates_dir {
                Some(dir) if dir.join(format!("{}.tera", name)).is_file() => {
                    let p = dir.join(format!("{}.tera", name));
                    let text = std::fs::read_to_string(&p).map_err(|e| {
                        UsageError(format!(
                            "error: cannot read template {}: {}",
                            p.display(),
                            e
                        ))
                    })?;
                    (text, p.display().to_string())
                }
                _ => (
                    builtin.to_string(),
                    format!("built-in templates/{}.tera", name),
                ),
            };
            tera.add_raw_template(name, &text)
                .map_err(|e| template_error(&origin, &e))?;
            origins.insert(name, origin);
        }
        let mesos_secret = match cluster.mesos.as_ref().and_then(|m| m.secret_file.as_ref()) {
            Some(f) => Some(
                crate::secret::load_existing(f)
                    .map_err(|e| UsageError(format!("error: [mesos] secret_file: {:#}", e)))?,
            ),
            None => None,
        };
        Ok(Renderer {
            tera,
            origins,
            secret: None,
            mesos_secret,
        })
    }

    fn render(&self, name: &'static str, ctx: &tera::Context) -> Result<String> {
        let mut text = self
            .tera
            .render(name, ctx)
            .map_err(|e| template_error(&self.origins[name], &e))?;
        // Files are written with here-documents, which always end in a newline.
        if !text.ends_with('\n') {
            text.push('\n');
        }
        Ok(text)
    }

    /// Every config file for `host`, in a fixed order, with the secret
    /// [`Renderer::new`] loaded.
    pub fn host_files(
        &self,
        cluster: &Cluster,
        dists: &Dists,
        host: &Host,
    ) -> Result<Vec<ConfigFile>> {
        let secret = self.secret.as_ref().map(|l| &l.secret);
        self.host_files_with(cluster, dists, host, secret)
    }

    /// Every config file for `host`, in a fixed order; `secret` (when
    /// `[spark] authenticate` is on) goes into the daemons' properties file.
    pub fn host_files_with(
        &self,
        cluster: &Cluster,
        dists: &Dists,
        host: &Host,
        secret: Option<&Secret>,
    ) -> Result<Vec<ConfigFile>> {
        let ctx = tera::Context::from_serialize(&context(cluster, dists, host))
            .map_err(|e| anyhow::anyhow!("template context: {}", e))?;
        let mut out = Vec::new();
        let spark_conf = format!(
            "{}/conf",
            layout::tree(&cluster.spark.install_root, dists.spark)
        );
        let spark_readers = crate::daemon::on_host(host, Product::Spark);
        if !spark_readers.is_empty() {
            out.push(ConfigFile {
                path: format!("{}/spark-env.sh", spark_conf),
                content: self.render("spark-env.sh", &ctx)?,
                template: "spark-env.sh",
                readers: spark_readers.clone(),
                secret: false,
            });
            let mut defaults = self.render("spark-defaults.conf", &ctx)?;
            // After the template's own lines, so a user template cannot
            // leave the REST server to the version's default (on since 4.1).
            defaults.push_str(&crate::decommission::defaults_block(
                cluster.spark.decommission,
                host,
            ));
            defaults.push_str(&rest_block(cluster, host));
            defaults.push_str(&module_options_block(dists.spark.version, host));
            defaults.push_str(&mesos_block(cluster, host));
            let mesos_creds = mesos_credentials(cluster, host, self.mesos_secret.as_ref());
            if secret.is_none() && !mesos_creds.is_empty() {
                // No cluster secret, but the dispatcher's Mesos credentials:
                // the same 0600 file, read by the dispatcher alone.
                out.push(ConfigFile {
                    path: layout::daemon_conf(cluster),
                    content: format!(
                        "# Properties the Mesos dispatcher of cluster {} starts with (--properties-file):\n# spark-defaults.conf plus its Mesos credentials. Written by sparkctl, mode 0600.\n{}{}",
                        cluster.name, defaults, mesos_creds
                    ),
                    template: "spark-defaults.conf",
                    readers: vec![Daemon::MesosDispatcher],
                    secret: true,
                });
            }
            if let Some(secret) = secret {
                // The daemons start with --properties-file this, not
                // spark-defaults.conf, which every user on the host may read.
                out.push(ConfigFile {
                    path: layout::daemon_conf(cluster),
                    content: format!(
                        // The switch comes after the defaults, so a user
                        // template without it cannot turn authentication
                        // off (in a properties file the last key wins).
                        "# Properties the Spark daemons of cluster {} start with (--properties-file):\n# spark-defaults.conf plus the authentication secret. Written by sparkctl, mode 0600.\n{}spark.authenticate true\nspark.authenticate.secret {}\n{}",
                        cluster.name,
                        defaults,
                        secret.expose(),
                        // Only masters run the REST server; workers, where
                        // application code runs, never get its key.
                        if cluster.spark.rest && host.roles.master {
                            format!(
                                "{} {}\n",
                                crate::rest::JWS_KEY_PROPERTY,
                                crate::rest::filter_key(secret)
                            )
                        } else {
                            String::new()
                        } + &connect_token_line(cluster, host, secret)
                            + &mesos_creds
                    ),
                    template: "spark-defaults.conf",
                    readers: spark_readers.clone(),
                    secret: true,
                });
            }
            out.push(ConfigFile {
                path: format!("{}/spark-defaults.conf", spark_conf),
                content: defaults,
                template: "spark-defaults.conf",
                readers: spark_readers.clone(),
                secret: false,
            });
            if host.roles.master {
                // Spark 2.4's start-slaves.sh reads conf/slaves; 3.0+ reads conf/workers.
                let old = dists.spark.version.is_some_and(|v| {
                    v < Version {
                        major: 3,
                        minor: 0,
                        patch: 0,
                    }
                });
                let name = if old { "slaves" } else { "workers" };
                out.push(ConfigFile {
                    path: format!("{}/{}", spark_conf, name),
                    content: self.render("workers", &ctx)?,
                    template: "workers",
                    readers: vec![],
                    secret: false,
                });
            }
        }
        if let (true, Some(zk)) = (host.roles.zookeeper, dists.zookeeper) {
            let zk_conf = format!("{}/conf", layout::tree(&cluster.zookeeper.install_root, zk));
            let r = crate::daemon::on_host(host, Product::ZooKeeper);
            out.push(ConfigFile {
                path: format!("{}/zoo.cfg", zk_conf),
                content: self.render("zoo.cfg", &ctx)?,
                template: "zoo.cfg",
                readers: r.clone(),
                secret: false,
            });
            out.push(ConfigFile {
                path: format!("{}/java.env", zk_conf),
                content: self.render("java.env", &ctx)?,
                template: "java.env",
                readers: r.clone(),
                secret: false,
            });
            out.push(ConfigFile {
                path: format!("{}/myid", host.zk.data_dir),
                content: self.render("myid", &ctx)?,
                template: "myid",
                readers: r,
                secret: false,
            });
        }
        Ok(out)
    }
}

/// The JDK module options Spark's launcher gives the JVMs it starts
/// (`JavaModuleOptions` in spark-launcher 3.3-3.5, read from the 3.5.9
/// jar), which Spark 3.x needs on Java 17. `-XX:+IgnoreUnrecognizedVMOptions`
/// first makes Java 8 and 11 ignore what they do not know, as Spark's own
/// list does.
const MODULE_OPTIONS: &str = "-XX:+IgnoreUnrecognizedVMOptions --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED --add-opens=java.security.jgss/sun.security.krb5=ALL-UNNAMED -Djdk.reflect.useDirectMethodHandle=false";

/// Spark 3.3-3.5: a cluster-mode driver is started by a worker (DriverRunner),
/// not by the launcher, and gets no module options: on Java 17 it dies
/// with `IllegalAccessError ... sun.nio.ch.DirectBuffer`. The RPC
/// submission client (`ClientEndpoint`, the path `sparkctl submit` takes)
/// passes only `spark.driver.extraJavaOptions` on as JVM flags (the REST
/// server also honours `defaultJavaOptions`), so that is the key: the
/// options first, then the inventory's own value for the key, if any
/// (a key appears once: the last one would win). Spark 4 adds them itself;
/// older versions need none.
fn module_options_block(version: Option<Version>, host: &Host) -> String {
    let v = |major, minor| Version {
        major,
        minor,
        patch: 0,
    };
    let Some(version) = version.filter(|x| *x >= v(3, 3) && *x < v(4, 0)) else {
        return String::new();
    };
    let key = "spark.driver.extraJavaOptions";
    let value = match host.spark.defaults.get(key) {
        Some(own) => format!("{} {}", MODULE_OPTIONS, own),
        None => MODULE_OPTIONS.to_string(),
    };
    format!(
        "# Spark {}.{} on Java 17: the JDK module options for drivers a worker starts (cluster mode).\n{} {}\n",
        version.major,
        version.minor,
        key,
        value.replace('\\', "\\\\")
    )
}

/// The dispatcher's `spark.mesos.*` properties (not its credentials), on
/// its host: the defaults of the drivers it launches.
fn mesos_block(cluster: &Cluster, host: &Host) -> String {
    match &cluster.mesos {
        Some(m) if host.roles.mesos_dispatcher && !m.properties.is_empty() => {
            let mut b = String::from("# The Mesos dispatcher's driver properties ([mesos]).\n");
            for (k, v) in &m.properties {
                b.push_str(&format!("{} {}\n", k, v));
            }
            b
        }
        _ => String::new(),
    }
}

/// `spark.mesos.principal` and `spark.mesos.secret`, for the 0600 file of
/// the dispatcher's host only.
fn mesos_credentials(cluster: &Cluster, host: &Host, secret: Option<&Secret>) -> String {
    let Some(m) = cluster
        .mesos
        .as_ref()
        .filter(|_| host.roles.mesos_dispatcher)
    else {
        return String::new();
    };
    let mut b = String::new();
    if let Some(p) = &m.principal {
        b.push_str(&format!("spark.mesos.principal {}\n", p));
    }
    if let Some(s) = secret {
        b.push_str(&format!("spark.mesos.secret {}\n", s.expose()));
    }
    b
}

/// The Connect server's token, on its hosts only (workers run
/// application code: they never get it), when `[connect] authenticate`.
fn connect_token_line(cluster: &Cluster, host: &Host, secret: &Secret) -> String {
    match &cluster.connect {
        Some(c) if c.authenticate && host.roles.connect => format!(
            "{} {}\n",
            crate::connect::TOKEN_PROPERTY,
            crate::connect::token(secret)
        ),
        _ => String::new(),
    }
}

/// The REST submission server's properties, decided on every version
/// (`[spark] rest`): `spark.master.rest.enabled` defaults to true since
/// Spark 4.1, and the server runs whatever a request names.
fn rest_block(cluster: &Cluster, host: &Host) -> String {
    if !cluster.spark.rest {
        return "# The masters' REST submission server is off ([spark] rest = false).\nspark.master.rest.enabled false\n".into();
    }
    let mut b = format!(
        "# The masters' REST submission server ([spark] rest = true).\nspark.master.rest.enabled true\nspark.master.rest.port {}\n",
        host.spark.rest_port
    );
    if cluster.spark.auth.is_some() {
        // The key is not here: masters read it from their 0600 file.
        b.push_str(&format!(
            "spark.master.rest.filters {}\n",
            crate::rest::JWS_FILTER
        ));
    }
    b
}

/// The cluster's secret when `[spark] authenticate` is on: read from its
/// file, or generated (`fresh`, saved only by a deploy that uses it).
pub fn load_secret(cluster: &Cluster) -> Result<Option<Loaded>> {
    match &cluster.spark.auth {
        Some(a) => Ok(Some(
            crate::secret::load_or_generate(&a.secret_file)
                .map_err(|e| UsageError(format!("error: {:#}", e)))?,
        )),
        None => Ok(None),
    }
}

fn template_error(origin: &str, e: &tera::Error) -> anyhow::Error {
    // tera's own message carries the line and column inside the template.
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        msg.push_str(&format!(": {}", s));
        src = s.source();
    }
    UsageError(format!(
        "error: template {} failed: {}",
        origin,
        msg.trim_end()
    ))
    .into()
}

/// Escape a value for a Java .properties file (spark-defaults.conf):
/// backslashes would otherwise be eaten by the parser.
fn properties_filter(value: &str, _: tera::Kwargs, _: &tera::State) -> String {
    value.replace('\\', "\\\\")
}

#[derive(Serialize)]
struct HostCtx<'a> {
    name: &'a str,
    address: &'a str,
    roles: crate::inventory::Roles,
    zk_id: Option<u32>,
}

#[derive(Serialize)]
struct Server<'a> {
    id: u32,
    address: &'a str,
    quorum_port: u16,
    election_port: u16,
}

#[derive(Serialize)]
struct Ctx<'a> {
    cluster: &'a str,
    host: HostCtx<'a>,
    spark: &'a crate::inventory::SparkSettings,
    zk: &'a crate::inventory::ZkSettings,
    ensemble: Ensemble,
    ha: HaCtx,
    master_url: String,
    zk_connect: String,
    /// `spark.authenticate` is on (the secret itself is not in the context).
    auth: bool,
    workers: Vec<&'a str>,
    servers: Vec<Server<'a>>,
    /// SPARK_DAEMON_JAVA_OPTS, joined: recovery properties then the user's options.
    daemon_java_opts: String,
    master_opts: String,
    /// Sorted lists: tera iterates maps in hash order, which would make
    /// files differ between runs and restart daemons for nothing.
    spark_defaults: Vec<Prop<'a>>,
    zk_extra: Vec<Prop<'a>>,
    /// `[history]`, when the cluster runs a history server.
    history: Option<HistoryCtx>,
}

#[derive(Serialize)]
struct HistoryCtx {
    /// The URI every driver writes to and the server reads.
    log_directory: String,
    ui_port: u16,
    cleaner: bool,
    cleaner_max_age: String,
    cleaner_interval: String,
    /// `http://host:port` of the first history server, for the masters'
    /// UI link (`spark.master.ui.historyServerUrl`): Spark 4.0+ only.
    server_url: Option<String>,
}

/// What `check` says about a local event log directory: the history
/// server sees only what is written to its own host's path.
pub fn history_note(cluster: &Cluster) -> Option<String> {
    let dir = cluster.history.as_ref()?.log_directory.local()?;
    Some(format!(
        "note: [history] log_directory `{}` is a local path: it is created on every Spark host, and the history server sees only the event logs of drivers writing to that same path (a shared mount such as NFS on every host); drivers elsewhere write logs it never sees",
        dir
    ))
}

/// The history server's context: the masters link to it on Spark 4+ (an
/// unknown version is taken as current, as `plan::java_range` does).
fn history_ctx(cluster: &Cluster, dists: &Dists) -> Option<HistoryCtx> {
    let t = cluster.history.as_ref()?;
    let spark4 = dists.spark.version.is_none_or(|v| v.major >= 4);
    Some(HistoryCtx {
        log_directory: t.log_directory.uri(),
        ui_port: t.ui_port,
        cleaner: t.cleaner,
        cleaner_max_age: t.cleaner_max_age.clone(),
        cleaner_interval: t.cleaner_interval.clone(),
        server_url: cluster
            .history_hosts()
            .next()
            .filter(|_| spark4)
            .map(|h| crate::health::history_url(cluster, h)),
    })
}

#[derive(Serialize)]
struct Prop<'a> {
    key: &'a str,
    value: &'a str,
}

fn props(map: &BTreeMap<String, String>) -> Vec<Prop<'_>> {
    map.iter().map(|(k, v)| Prop { key: k, value: v }).collect()
}

#[derive(Serialize)]
struct Ensemble {
    tick_time: u32,
    init_limit: u32,
    sync_limit: u32,
    max_session_timeout: Option<u32>,
    autopurge_snap_retain_count: u32,
    autopurge_purge_interval: u32,
}

#[derive(Serialize)]
struct HaCtx {
    mode: &'static str,
    zookeeper_dir: String,
    recovery_dir: Option<String>,
}

fn context<'a>(cluster: &'a Cluster, dists: &Dists, host: &'a Host) -> Ctx<'a> {
    let z = &cluster.zookeeper;
    // Recovery settings go on every master (REFERENCE: masters pointed at
    // different URLs or dirs would each think they lead).
    let mut opts: Vec<String> = Vec::new();
    if host.roles.master {
        match &cluster.ha {
            Ha::None => {}
            Ha::Zookeeper => {
                opts.push("-Dspark.deploy.recoveryMode=ZOOKEEPER".into());
                opts.push(format!(
                    "-Dspark.deploy.zookeeper.url={}",
                    cluster.zk_connect()
                ));
                opts.push(format!(
                    "-Dspark.deploy.zookeeper.dir={}",
                    cluster.spark.zookeeper_dir
                ));
            }
            Ha::Filesystem { dir } => {
                opts.push("-Dspark.deploy.recoveryMode=FILESYSTEM".into());
                opts.push(format!("-Dspark.deploy.recoveryDirectory={}", dir));
            }
        }
    }
    opts.extend(host.spark.daemon_java_opts.iter().cloned());
    let mut master_opts: Vec<String> = Vec::new();
    if let Some(t) = host.spark.worker_timeout {
        master_opts.push(format!("-Dspark.worker.timeout={}", t));
    }
    master_opts.extend(host.spark.master_opts.iter().cloned());
    Ctx {
        cluster: &cluster.name,
        host: HostCtx {
            name: &host.name,
            address: &host.address,
            roles: host.roles,
            zk_id: host.zk_id,
        },
        spark: &host.spark,
        zk: &host.zk,
        ensemble: Ensemble {
            tick_time: z.tick_time,
            init_limit: z.init_limit,
            sync_limit: z.sync_limit,
            max_session_timeout: z.max_session_timeout,
            autopurge_snap_retain_count: z.autopurge_snap_retain_count,
            autopurge_purge_interval: z.autopurge_purge_interval,
        },
        ha: HaCtx {
            mode: cluster.ha.name(),
            zookeeper_dir: cluster.spark.zookeeper_dir.clone(),
            recovery_dir: match &cluster.ha {
                Ha::Filesystem { dir } => Some(dir.clone()),
                _ => None,
            },
        },
        master_url: cluster.master_url(),
        zk_connect: cluster.zk_connect(),
        auth: cluster.spark.auth.is_some(),
        workers: cluster.workers().map(|h| h.address.as_str()).collect(),
        servers: cluster
            .zk_hosts()
            .map(|h| Server {
                id: h.zk_id.unwrap_or(0),
                address: &h.address,
                quorum_port: h.zk.quorum_port,
                election_port: h.zk.election_port,
            })
            .collect(),
        daemon_java_opts: opts.join(" "),
        master_opts: master_opts.join(" "),
        spark_defaults: props(&host.spark.defaults),
        zk_extra: props(&host.zk.extra),
        history: history_ctx(cluster, dists),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn check_notes_what_a_local_event_log_directory_means() {
        let c = crate::session::fake::lab_with_history("/shared/spark-events");
        let note = super::history_note(&c).unwrap();
        assert!(
            note.starts_with("note: [history] log_directory `/shared/spark-events` is a local path: it is created on every Spark host, and the history server sees only the event logs of drivers writing to that same path"),
            "{}",
            note
        );
        let c = crate::session::fake::lab_with_history("s3a://bucket/events");
        assert_eq!(super::history_note(&c), None);
    }

    #[test]
    fn module_options_only_for_spark_3_3_to_3_5_and_before_the_inventorys_own() {
        use super::{module_options_block, Version, MODULE_OPTIONS};
        let v = |major, minor| {
            Some(Version {
                major,
                minor,
                patch: 9,
            })
        };
        let c = crate::session::fake::lab_with_history("/shared/spark-events");
        let mut h = c.hosts[0].clone();
        for none in [v(3, 2), v(4, 0), v(4, 3), None] {
            assert_eq!(module_options_block(none, &h), "");
        }
        let b = module_options_block(v(3, 5), &h);
        assert_eq!(
            b,
            format!("# Spark 3.5 on Java 17: the JDK module options for drivers a worker starts (cluster mode).\nspark.driver.extraJavaOptions {}\n", MODULE_OPTIONS)
        );
        assert!(MODULE_OPTIONS.starts_with("-XX:+IgnoreUnrecognizedVMOptions "));
        assert!(MODULE_OPTIONS.contains("--add-opens=java.base/sun.nio.ch=ALL-UNNAMED"));
        h.spark.defaults.insert(
            "spark.driver.extraJavaOptions".into(),
            "-Dmy.flag=a\\b".into(),
        );
        let b = module_options_block(v(3, 3), &h);
        assert!(
            b.ends_with(&format!("{} -Dmy.flag=a\\\\b\n", MODULE_OPTIONS)),
            "{}",
            b
        );
    }
}
