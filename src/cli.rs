//! Command-line interface (clap derive). The first doc line of each item is
//! its short help; the rest is the long help shown by `--help`.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Deploy and operate Apache Spark standalone clusters with ZooKeeper HA over SSH.
///
/// Exit status: 0 ok; 1 a host or step failed; 2 bad usage, inventory,
/// template or tarball (nothing was changed); status only: 3 degraded, 4 down.
#[derive(Debug, Parser)]
#[command(
    name = "sparkctl",
    version = crate::command::version::short(),
    long_version = crate::command::version::long(),
    propagate_version = true
)]
pub struct Cli {
    /// How many hosts to work on at once.
    #[arg(long, global = true, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=512))]
    pub parallel: u16,

    /// Trust and record the SSH host keys of hosts never seen before
    /// (StrictHostKeyChecking=accept-new). Changed keys are still refused.
    #[arg(long, global = true)]
    pub accept_new_host_keys: bool,

    /// Remove another run's lock on the hosts. Only when that run is gone
    /// (a lock left by a killed sparkctl on this machine is removed without it).
    #[arg(long, global = true)]
    pub break_lock: bool,

    /// Hash every tarball given with a checksum again, even one unchanged
    /// (path, size, inode, mtime, ctime) since it was verified.
    #[arg(long, global = true)]
    pub verify: bool,

    /// Colour sparkctl's errors and clap's help: auto (on a terminal, unless
    /// NO_COLOR is set and not empty), always or never.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = clap::ColorChoice::Auto)]
    pub color: clap::ColorChoice,

    /// Print only errors and the final summary (no step lines, on a terminal or not).
    #[arg(long, short, global = true)]
    pub quiet: bool,

    /// Trace what runs where on stderr (-v steps and connections, -vv also commands and probes).
    ///
    /// -v: each SSH connection and each remote step (host, step, the
    /// script's first line, exit status, duration); -vv: also each step's
    /// whole command and every health probe with its timing. Progress bars
    /// become plain lines. Secrets are never traced. See docs/verbose.md.
    #[arg(long, short, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Install, configure, start and verify the cluster described by an inventory.
    ///
    /// Safe to run again at any time: it uploads, rewrites and restarts only
    /// what differs from the inventory, and always ends by proving the
    /// cluster is healthy (one ALIVE master, the others STANDBY, every
    /// worker registered, ZooKeeper with a leader).
    Deploy {
        #[command(flatten)]
        inventory: Inventory,
        /// Show what would change on each host, with a diff of every config file, and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// With --dry-run: print the plan as JSON, per host and step, with diffs (docs/json.md).
        #[arg(long, requires = "dry_run")]
        json: bool,
        /// Upload, unpack and write config files only; start, restart and check nothing
        /// (stage an upgrade; the next plain deploy restarts what changed).
        #[arg(long, conflicts_with = "dry_run")]
        files_only: bool,
        /// Stop the daemons still running on hosts removed from the inventory
        /// (found through the membership recorded at the last deploy).
        #[arg(long, conflicts_with = "dry_run")]
        stop_removed: bool,
        #[command(flatten)]
        hosts: HostArgs,
        #[command(flatten)]
        roll: RollArgs,
    },
    /// Show what runs where and whether the cluster is healthy.
    ///
    /// Exit status 0 when healthy, 3 when degraded (a standby, worker or
    /// ZooKeeper server missing), 4 when down (no ALIVE master or no quorum).
    Status {
        #[command(flatten)]
        inventory: Inventory,
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        hosts: HostArgs,
    },
    /// Start every daemon that is not running: ZooKeeper, masters, workers.
    Start {
        #[command(flatten)]
        inventory: Inventory,
        #[command(flatten)]
        hosts: HostArgs,
    },
    /// Stop every daemon: workers, masters, ZooKeeper; wait until each has exited.
    ///
    /// --graceful: decommission the workers first (`[spark] decommission`),
    /// so their executors finish running tasks and hand over their blocks
    /// before the workers stop.
    Stop {
        #[command(flatten)]
        inventory: Inventory,
        #[command(flatten)]
        hosts: HostArgs,
        /// Decommission each worker and wait for its executors to leave first.
        #[arg(long)]
        graceful: bool,
        /// With --graceful: seconds the executors get before the workers are stopped anyway.
        #[arg(long, default_value_t = 120, requires = "graceful")]
        decommission_timeout: u64,
    },
    /// Restart every daemon; with --rolling, without ever losing the ZooKeeper quorum, and the ALIVE master only for the length of a failover.
    ///
    /// Rolling order: ZooKeeper one server at a time (each back as leader or
    /// follower before the next), standby masters before the ALIVE one,
    /// workers in batches of --batch. Without --rolling: stop everything
    /// (workers, masters, ZooKeeper), then start everything.
    Restart {
        #[command(flatten)]
        inventory: Inventory,
        /// Keep the cluster serving while restarting.
        #[arg(long)]
        rolling: bool,
        #[command(flatten)]
        hosts: HostArgs,
        #[command(flatten)]
        roll: RollArgs,
    },
    /// Master high availability: status, enable, disable, and the failover drill.
    #[command(subcommand)]
    Ha(HaCommand),
    /// Write a starter inventory: the classic three-host HA layout, or your hosts.
    ///
    /// Without --host: hosts a, b, c with placeholder addresses, ZooKeeper on
    /// all three, masters on a and b (one ALIVE, one STANDBY), a worker on
    /// every host. With --host (repeat, or --hosts a,b,c), in order: the
    /// first --masters hosts run a master (default 2 from three hosts on,
    /// else 1), the first --zookeeper hosts a ZooKeeper server (default 3
    /// with two masters or more, else none: an odd number, at least 3, for a
    /// quorum), and every host, or the first --workers, a worker. --masters,
    /// --workers and --zookeeper each take a count N or host names (a,b).
    /// Edit the file for anything else (ports, sizes): docs/inventory.md
    /// lists every key.
    ///
    /// The file is validated as `check` would before it is written; values
    /// only you know (tarballs, addresses) are marked PLACEHOLDER: `check`
    /// accepts them, `deploy` does not. An existing file is kept unless
    /// --force. Example: sparkctl init --hosts m1=10.0.0.1,m2=10.0.0.2,w1=10.0.0.3 --workers w1
    Init {
        /// Where to write the inventory (`-`: standard output).
        #[arg(
            value_name = "PATH",
            env = "SPARKCTL_INVENTORY",
            default_value = "inventory.toml"
        )]
        path: PathBuf,
        /// A host, NAME or NAME=ADDRESS (without ADDRESS the name is the address); repeat in order, or comma-separated.
        #[arg(
            long = "host",
            visible_alias = "hosts",
            value_name = "NAME[=ADDRESS]",
            value_delimiter = ','
        )]
        hosts: Vec<String>,
        /// The hosts that run a Spark master: the first N, or names (a,b).
        #[arg(long, value_name = "N|HOSTS", value_parser = crate::command::init::Pick::parse)]
        masters: Option<crate::command::init::Pick>,
        /// The hosts that run a Spark worker: the first N, or names (default: every host).
        #[arg(long, value_name = "N|HOSTS", value_parser = crate::command::init::Pick::parse)]
        workers: Option<crate::command::init::Pick>,
        /// The hosts that run a ZooKeeper server: the first N (0: none), or names.
        #[arg(long, visible_alias = "zk", value_name = "N|HOSTS", value_parser = crate::command::init::Pick::parse)]
        zookeeper: Option<crate::command::init::Pick>,
        /// The Spark tarball on this machine (default: a PLACEHOLDER path).
        #[arg(long, value_name = "FILE")]
        spark_tarball: Option<String>,
        /// The ZooKeeper tarball on this machine (default: a PLACEHOLDER path).
        #[arg(long, value_name = "FILE")]
        zookeeper_tarball: Option<String>,
        /// Replace PATH if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Check an inventory and render its files without connecting to any host.
    Check {
        #[command(flatten)]
        inventory: Inventory,
        /// Print the files deploy would write on HOST (all, or the one named FILE: a path or a file name); secrets are not shown.
        #[arg(long, value_name = "HOST[:FILE]")]
        show: Option<String>,
        /// Print JSON for scripts: the cluster's shape and each host's daemons and files (docs/json.md).
        #[arg(long, conflicts_with = "show")]
        json: bool,
    },
    /// Run spark-submit on a cluster host with the cluster's master URL filled in, or ask the masters about a driver.
    ///
    /// Runs `<install_root>/current/bin/spark-submit` on --on HOST (default:
    /// the first master in the inventory) over SSH, as `run_as` when set and
    /// with the daemons' properties file when `authenticate = true`. Client
    /// mode: `spark://m1:7077,m2:7077`; cluster mode: Spark's RPC client over
    /// the same list, or the REST list (6066) when `rest = true` without
    /// `authenticate`. Output is streamed; the exit status is spark-submit's.
    /// Example: sparkctl submit inventory.toml -- --class org.example.Main /data/app.jar 10
    ///
    /// --status ID / --kill ID ask the masters' REST server (`rest = true`),
    /// through SSH like the health probes, and print the driver's state.
    Submit {
        #[command(flatten)]
        inventory: Inventory,
        /// The host to run spark-submit on (inventory name; default: the first master).
        #[arg(long, value_name = "HOST")]
        on: Option<String>,
        /// Run this machine's spark-submit ($SPARK_HOME) instead of a cluster host's.
        #[arg(long, conflicts_with_all = ["on", "status", "kill"])]
        local: bool,
        /// Where the driver runs: on the --on host (client) or on a worker (cluster).
        #[arg(long, value_enum, default_value = "client")]
        deploy_mode: crate::command::submit::DeployMode,
        /// Print the state of driver ID (e.g. FINISHED), asked of the masters' REST server.
        #[arg(long, value_name = "ID", conflicts_with_all = ["kill", "spark_args", "on"])]
        status: Option<String>,
        /// Kill driver ID through the masters' REST server.
        #[arg(long, value_name = "ID", conflicts_with_all = ["spark_args", "on"])]
        kill: Option<String>,
        /// spark-submit's options, then the application and its arguments (after `--`).
        #[arg(last = true, value_name = "SPARK_SUBMIT_ARGS")]
        spark_args: Vec<String>,
    },
    /// Stop every daemon and remove sparkctl's trees, links, state and config from the hosts.
    ///
    /// Removed: the unpacked trees sparkctl made (they hold its stamp), the
    /// `current` links, the state directories (uploaded tarballs,
    /// fingerprints, the daemons' secret, the recorded membership), and the
    /// install roots when that empties them. Kept unless --purge: logs, pid
    /// files and data (ZooKeeper data, worker dirs, event logs, recovery).
    /// --purge asks for confirmation on a terminal, and is refused without
    /// one unless --yes. Takes --limit/--skip. Running it again is a no-op
    /// that says so.
    Uninstall {
        #[command(flatten)]
        inventory: Inventory,
        /// Also delete the daemons' data and logs.
        #[arg(long)]
        purge: bool,
        /// With --purge: do not ask for confirmation.
        #[arg(long, short, requires = "purge")]
        yes: bool,
        #[command(flatten)]
        hosts: HostArgs,
    },
    /// Print a daemon's log from its host: the last lines, or follow it (-f).
    ///
    /// DAEMON (zookeeper, master, worker, history) may be left out when
    /// HOST runs one daemon. The newest log at the paths sparkctl starts the
    /// daemons with (`[spark] log_dir`, `[zookeeper] log_dir`), read as the
    /// service user; its name goes to stderr, the log to stdout. -f follows
    /// it across restarts until Ctrl-C. INVENTORY, when given first, is told
    /// from HOST by ending in `.toml` or being an existing file.
    /// Example: sparkctl logs hosta master -n 50
    #[command(override_usage = "sparkctl logs [OPTIONS] [INVENTORY] HOST [DAEMON]")]
    Logs {
        /// [INVENTORY] HOST [DAEMON]
        #[arg(value_name = "WORDS", num_args = 1..=3, required = true)]
        words: Vec<String>,
        /// How many lines to print (with -f: before following).
        #[arg(short = 'n', long, default_value_t = 100)]
        lines: u32,
        /// Keep printing what is appended, until Ctrl-C.
        #[arg(short, long)]
        follow: bool,
    },
    /// Open a shell on a host, or run a command there, with the inventory's SSH settings.
    ///
    /// The login user, port, identity, ssh config file (ProxyJump) and host
    /// key policy of the inventory, through the connection sparkctl makes
    /// (or keeps, `[ssh] control_persist`). No sudo: you are the login
    /// user. The exit status is the remote command's (255: ssh failed).
    /// Example: sparkctl ssh hosta -- df -h /opt
    #[command(override_usage = "sparkctl ssh [OPTIONS] [INVENTORY] HOST [-- COMMAND...]")]
    Ssh {
        /// [INVENTORY] HOST
        #[arg(value_name = "WORDS", num_args = 1..=2, required = true)]
        words: Vec<String>,
        /// The command and its arguments (after `--`), joined and run by the login shell as ssh does.
        #[arg(last = true, value_name = "COMMAND")]
        command: Vec<String>,
    },
    /// Print a bearer token for the masters' REST submission server.
    ///
    /// Only with `rest = true` and `authenticate = true` in [spark]: the
    /// masters admit a REST request only with `Authorization: Bearer
    /// <token>`, a JWS signed with a key derived from the cluster's secret.
    /// No host is contacted. Example:
    /// curl -H "Authorization: Bearer $(sparkctl rest-token)" http://m1:6066/v1/submissions/status/ID
    RestToken {
        #[command(flatten)]
        inventory: Inventory,
        /// How long the token is valid, in seconds.
        #[arg(long, default_value_t = 3600, value_parser = clap::value_parser!(u64).range(1..=31_536_000))]
        ttl: u64,
    },
    /// Print the token Spark Connect clients present to the Connect server.
    ///
    /// Only with `authenticate = true` in [connect] (and in [spark]): the
    /// Connect server admits a client only with this token, derived from
    /// the cluster's secret. No host is contacted. Example:
    /// pyspark --remote "sc://h1:15002/;use_ssl=false;token=$(sparkctl connect-token)"
    ConnectToken {
        #[command(flatten)]
        inventory: Inventory,
    },
    /// Kubernetes: render the same HA cluster as manifests (see docs/kubernetes.md).
    #[command(subcommand)]
    K8s(K8sCommand),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    ///
    /// bash: `sparkctl completions bash > ~/.local/share/bash-completion/completions/sparkctl`;
    /// zsh: `sparkctl completions zsh > ~/.zfunc/_sparkctl` (a directory in $fpath);
    /// fish: `sparkctl completions fish > ~/.config/fish/completions/sparkctl.fish`.
    Completions {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): `sparkctl man | man -l -`.
    Man,
    /// Print the version, the git commit it was built from, and the Spark and ZooKeeper versions supported.
    Version {
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum K8sCommand {
    /// Write one YAML file per object to DIR (or one stream to stdout, without the Secret) from an inventory with [kubernetes].
    ///
    /// Contacts nothing. With `authenticate = true` the secret is generated
    /// once into the inventory's secret file and reused by every render; it
    /// is written only into DIR (mode 0600), never printed.
    Render {
        #[command(flatten)]
        inventory: Inventory,
        /// Directory to write the manifests to (created if missing).
        #[arg(short = 'o', long = "out", value_name = "DIR")]
        out: Option<PathBuf>,
        /// Also print the spark-submit master URLs (client and cluster mode) on stderr.
        #[arg(long)]
        print_submit: bool,
    },
}

/// The inventory file, the same positional argument for every subcommand
/// that reads one.
#[derive(Debug, Clone, clap::Args)]
pub struct Inventory {
    /// Inventory file.
    #[arg(
        value_name = "INVENTORY",
        env = "SPARKCTL_INVENTORY",
        default_value = "inventory.toml"
    )]
    pub path: PathBuf,
}

/// Which inventory hosts a run works on. The cluster definition stays whole
/// (every host's config files are rendered as without these flags); only
/// the selected hosts are connected to, changed, started, stopped and
/// waited for.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct HostArgs {
    /// Work only on these hosts: names, roles (masters, workers, zookeeper, history) or globs ('web*'); comma-separated, repeatable.
    ///
    /// A host name wins over a role word of the same spelling; a word that
    /// selects no host is an error.
    #[arg(long, value_name = "HOSTS", value_delimiter = ',')]
    pub limit: Vec<String>,
    /// Leave these hosts out, e.g. one that is down (names, roles or globs, comma-separated, repeatable).
    ///
    /// Their files and daemons are not checked; the run says so. With
    /// --limit: the limited hosts minus these.
    #[arg(long, value_name = "HOSTS", value_delimiter = ',')]
    pub skip: Vec<String>,
}

/// How restarts of running daemons are paced.
#[derive(Debug, Clone, clap::Args)]
pub struct RollArgs {
    /// Workers restarted at once [default: a quarter of the workers, at
    /// least 1: 1 for up to 7 workers, 2 for 8-11, 25 for 100].
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub batch: Option<u16>,
    /// Seconds to wait for running applications to finish before restarting a
    /// master that runs without recovery (a restart would kill them).
    #[arg(long, default_value_t = 600)]
    pub drain_timeout: u64,
    /// Restart such a master at once, killing its running applications.
    #[arg(long)]
    pub no_drain: bool,
    /// Seconds a decommissioned worker's executors get to finish their tasks
    /// and hand over their blocks before the worker is stopped anyway
    /// (with `[spark] decommission`, the default on Spark 3.1+).
    #[arg(long, default_value_t = 120)]
    pub decommission_timeout: u64,
    /// Stop workers at once, without decommissioning them first (their
    /// running tasks fail and are retried elsewhere).
    #[arg(long)]
    pub no_decommission: bool,
}

#[derive(Debug, Subcommand)]
pub enum HaCommand {
    /// Which master is ALIVE, ZooKeeper's leader, the election znode, and whether every master agrees on its recovery settings.
    ///
    /// With --limit/--skip, every master and ZooKeeper server is still
    /// probed (the ALIVE master and the quorum are the cluster's), but only
    /// the selected hosts are connected to: a master left out shows its
    /// state, not its recovery settings.
    Status {
        #[command(flatten)]
        inventory: Inventory,
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        hosts: HostArgs,
    },
    /// Turn a running cluster into an HA one: record it in the inventory, then converge.
    ///
    /// --zk: ZooKeeper recovery and leader election. Deploys and starts the
    /// ensemble if needed, waits for quorum, re-renders spark-env.sh on every
    /// master, waits for running applications to finish (a master without
    /// recovery cannot hand them over), restarts the master so it joins the
    /// election, starts the standby masters, then restarts workers with the
    /// full master list. --filesystem DIR: FILESYSTEM recovery, one master.
    Enable {
        #[command(flatten)]
        inventory: Inventory,
        /// ZooKeeper-based HA.
        #[arg(
            long,
            conflicts_with = "filesystem",
            required_unless_present = "filesystem"
        )]
        zk: bool,
        /// Hosts to run ZooKeeper on (adds the role), e.g. a,b,c.
        #[arg(long, value_delimiter = ',', requires = "zk")]
        zk_hosts: Vec<String>,
        /// Hosts to run masters on (adds the role), e.g. a,b.
        #[arg(long, value_delimiter = ',', requires = "zk")]
        masters: Vec<String>,
        /// ZooKeeper tarball to record in [zookeeper] if the inventory has none.
        #[arg(long, requires = "zk")]
        zk_tarball: Option<PathBuf>,
        /// FILESYSTEM recovery into this directory on the master.
        #[arg(long, value_name = "DIR")]
        filesystem: Option<String>,
        /// Do not ask for confirmation.
        #[arg(long, short)]
        yes: bool,
        #[command(flatten)]
        roll: RollArgs,
    },
    /// Turn HA off (ha = "none"); the inventory must then have one master.
    Disable {
        #[command(flatten)]
        inventory: Inventory,
        /// Do not ask for confirmation.
        #[arg(long, short)]
        yes: bool,
        #[command(flatten)]
        roll: RollArgs,
    },
    /// Prove failover works: kill the ALIVE master, measure until a standby takes over and every worker follows.
    ///
    /// Checks that applications running before the drill still run after it,
    /// restarts the killed master and checks it returns as STANDBY. With
    /// --zk, stops a ZooKeeper server (the leader by default) instead and
    /// checks the cluster keeps working, then brings it back. Exits non-zero
    /// if any check fails.
    Drill {
        #[command(flatten)]
        inventory: Inventory,
        /// kill: SIGKILL the master's JVM (a crash); stop: a graceful stop.
        #[arg(long, value_enum, default_value = "kill")]
        mode: DrillMode,
        /// Drill ZooKeeper instead of the masters.
        #[arg(long)]
        zk: bool,
        /// With --zk: the ZooKeeper host to stop (default: the leader).
        #[arg(long, requires = "zk")]
        host: Option<String>,
        /// Seconds to wait for each step before calling it failed.
        #[arg(long, default_value_t = 120)]
        timeout: u64,
        /// Print the report as JSON for scripts: checks and timings (docs/json.md).
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DrillMode {
    Kill,
    Stop,
}
