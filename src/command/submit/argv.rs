//! The pure half of `sparkctl submit`: read the operator's spark-submit
//! arguments (just enough to find the application and the options sparkctl
//! owns), choose the master URL for the deploy mode, and build the command
//! line. No I/O, so every decision here is unit-tested.

use crate::diag::UsageError;
use crate::inventory::Cluster;

/// `--deploy-mode`: where the driver runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DeployMode {
    /// On the submitting host (`--on`), output on this terminal.
    Client,
    /// On a worker the master picks; spark-submit returns once it is launched.
    Cluster,
}

impl DeployMode {
    pub fn word(self) -> &'static str {
        match self {
            DeployMode::Client => "client",
            DeployMode::Cluster => "cluster",
        }
    }
}

/// How spark-submit hands a cluster-mode application to the masters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gateway {
    /// Client mode: the driver itself connects to the masters over RPC.
    Driver,
    /// Cluster mode through Spark's RPC client over 7077 (the legacy
    /// `org.apache.spark.deploy.ClientApp`), which honours `spark.authenticate`.
    Rpc,
    /// Cluster mode through the REST submission server (6066).
    Rest,
}

/// The master URL and gateway for `mode`.
///
/// Client mode: the 7077 list, the same URL `deploy` prints as "Master URL".
///
/// Cluster mode: which client spark-submit uses is decided by the
/// *submitting side's* `spark.master.rest.enabled` (read in Spark's
/// SparkSubmitArguments: `useRest = sparkProperties.getOrElse(
/// "spark.master.rest.enabled", "false")`; SparkSubmit then runs the REST
/// client for a standalone cluster when `useRest`, else `ClientApp`), not
/// by the URL's port. The masters' own setting does not reach spark-submit
/// unless it reads the same file, and its default moved (on by default in
/// the masters since 4.1, SPARK-51165), so sparkctl always passes the
/// property explicitly with the URL it matches.
///
/// REST only when the masters run the server without the JWS filter
/// (`rest = true`, no `authenticate`): Spark's RestSubmissionClient (4.3.0
/// included) has no way to send an `Authorization` header, so behind
/// sparkctl's filter every REST submission would get 403. Everywhere else,
/// the RPC client over 7077, which presents the secret like any driver.
pub fn master_url(cluster: &Cluster, mode: DeployMode) -> (String, Gateway) {
    match mode {
        DeployMode::Client => (cluster.master_url(), Gateway::Driver),
        DeployMode::Cluster => match cluster.rest_url() {
            Some(url) if cluster.spark.auth.is_none() => (url, Gateway::Rest),
            _ => (cluster.master_url(), Gateway::Rpc),
        },
    }
}

/// spark-submit options that take a value (Spark's
/// SparkSubmitOptionParser): the word after one is its value, never the
/// application.
const WITH_VALUE: &[&str] = &[
    "--archives",
    "--class",
    "--conf",
    "-c",
    "--deploy-mode",
    "--driver-class-path",
    "--driver-cores",
    "--driver-java-options",
    "--driver-library-path",
    "--driver-memory",
    "--executor-cores",
    "--executor-memory",
    "--exclude-packages",
    "--files",
    "--jars",
    "--keytab",
    "--kill",
    "--master",
    "--name",
    "--num-executors",
    "--packages",
    "--principal",
    "--properties-file",
    "--proxy-user",
    "--py-files",
    "--queue",
    "--remote",
    "--repositories",
    "--status",
    "--total-executor-cores",
];

/// What sparkctl needs to know of the operator's spark-submit arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// The application (jar, .py, .R): the first word that is not an
    /// option or an option's value; the words after it are its own.
    pub app: Option<String>,
    /// Options sparkctl's own (`--master`, ...) given among them, as written.
    pub owned: Vec<String>,
    /// `--properties-file` was given.
    pub properties_file: bool,
}

/// Options sparkctl fills in or has flags of its own for.
const OWNED: &[&str] = &["--master", "--deploy-mode", "--status", "--kill"];

pub fn parse(args: &[String]) -> Parsed {
    let mut p = Parsed {
        app: None,
        owned: Vec::new(),
        properties_file: false,
    };
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        if !a.starts_with('-') {
            p.app = Some(a.to_string());
            break;
        }
        // `--opt=value` is one word (SparkSubmitOptionParser accepts both).
        let (name, inline) = match a.split_once('=') {
            Some((n, _)) if n.starts_with("--") => (n, true),
            _ => (a, false),
        };
        if OWNED.contains(&name) {
            p.owned.push(name.to_string());
        }
        if name == "--properties-file" {
            p.properties_file = true;
        }
        i += if WITH_VALUE.contains(&name) && !inline {
            2
        } else {
            1
        };
    }
    p
}

/// Spark's own refusal (SparkSubmit.prepareSubmitEnvironment) for an
/// application that cannot run in cluster mode on a standalone cluster.
pub fn cluster_mode_refusal(app: &str) -> Option<&'static str> {
    if app.ends_with(".py") {
        Some("Cluster deploy mode is currently not supported for python applications on standalone clusters.")
    } else if app.ends_with(".R") || app.ends_with(".r") {
        Some("Cluster deploy mode is currently not supported for R applications on standalone clusters.")
    } else {
        None
    }
}

/// Refuse what cannot be submitted, before the inventory is read or any
/// host contacted: options sparkctl owns, no application, and Python or R
/// in cluster mode.
pub fn check(p: &Parsed, mode: DeployMode) -> Result<(), UsageError> {
    if let Some(o) = p.owned.first() {
        let help = match o.as_str() {
            "--master" => "sparkctl fills in the cluster's master URL from the inventory (see docs/submit.md); remove it",
            "--deploy-mode" => "give it to sparkctl, before `--`: sparkctl submit --deploy-mode client|cluster -- ...",
            _ => "give it to sparkctl, before `--` and with no spark-submit arguments: sparkctl submit --status ID (or --kill ID)",
        };
        return Err(UsageError(format!(
            "error: `{}` is not a spark-submit argument sparkctl passes on\n  = help: {}",
            o, help
        )));
    }
    let Some(app) = &p.app else {
        return Err(UsageError(
            "error: no application to submit: give spark-submit's arguments and the application after `--`\n  = help: sparkctl submit [INVENTORY] -- --class org.example.Main /path/app.jar [ARGS]".into(),
        ));
    };
    if mode == DeployMode::Cluster {
        if let Some(why) = cluster_mode_refusal(app) {
            return Err(UsageError(format!(
                "error: {}\n  = help: submit it in client mode (the default): the driver then runs on the --on host",
                why
            )));
        }
    }
    Ok(())
}

/// The whole spark-submit command, one word per element (the script quotes
/// each): `<home>/bin/spark-submit`, the master URL and deploy mode, the
/// gateway's `spark.master.rest.enabled` (see [`master_url`]), the daemons'
/// properties file when given (it holds the secret: read by spark-submit
/// on the host, never printed), then the operator's words unchanged.
pub fn command(
    spark_home: &str,
    url: &str,
    mode: DeployMode,
    gateway: Gateway,
    properties_file: Option<&str>,
    user: &[String],
) -> Vec<String> {
    let mut argv = vec![
        format!("{}/bin/spark-submit", spark_home),
        "--master".into(),
        url.into(),
        "--deploy-mode".into(),
        mode.word().into(),
    ];
    match gateway {
        Gateway::Driver => {}
        Gateway::Rpc => argv.extend(["--conf".into(), "spark.master.rest.enabled=false".into()]),
        Gateway::Rest => argv.extend(["--conf".into(), "spark.master.rest.enabled=true".into()]),
    }
    if let Some(f) = properties_file {
        argv.extend(["--properties-file".into(), f.into()]);
    }
    argv.extend(user.iter().cloned());
    argv
}
