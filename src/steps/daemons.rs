//! Starting, stopping, killing and inspecting one daemon on a host. What
//! differs between kinds comes from the daemon table (`daemon::SPECS`):
//! the pid file, the main class a pid must be, and the launcher whose
//! start command is written here.

use super::as_user;
use crate::daemon::Launcher;
use crate::dist::Product;
use crate::inventory::{Cluster, Host};
use crate::layout::{self, Daemon};
use crate::shell::quote;

/// A sh condition: the pid in shell variable `var` is a live process of
/// daemon `d` (a JVM with the daemon's main class as an argument). It checks a pid,
/// not a pid file, so a caller can keep watching a process whose pid file
/// its stop script removes; and the class check guards against pids reused
/// after a host crash.
///
/// The value comes from a pid file the service user can write, so it must
/// be a plain positive decimal first: `-1` (every process, to kill), `0`
/// (the process group) or `self/root/home/spark/x` (which makes
/// `/proc/$p/cmdline` any file the user links there) never pass.
pub fn pid_is_daemon(var: &str, d: Daemon) -> String {
    // Three checks, each closing a door a pid file the service user writes
    // could open: the value is a plain positive number (not `-1`, `0` or a
    // path under /proc); the process is a JVM (its executable is `.../java`,
    // or `.../java (deleted)` after a JDK update under a running daemon),
    // so a root `tail -f` of the daemon's log or an `exec -a <class>` decoy
    // does not count; and one of its arguments is exactly the daemon's main
    // class, not merely a string that contains it (a log file's name does).
    // The owner is not checked: a daemon started before `run_as` was set
    // runs as root and must still be found to be stopped.
    format!(
        "{{ case \"${v}\" in ''|0*|*[!0-9]*) false;; esac && [ -r /proc/${v}/cmdline ] && case \"$(readlink /proc/${v}/exe 2>/dev/null)\" in */java|*'/java (deleted)') true;; *) false;; esac && tr '\\0' '\\n' < /proc/${v}/cmdline | grep -qxF {cls}; }}",
        v = var,
        cls = quote(d.spark_class())
    )
}

/// A sh command that sets shell variable `var` to the first line of the
/// pid file `pf` (empty when there is none). With a service user the file
/// lives in a directory that user owns, so it is read as that user: root
/// reading it would follow a symlink planted there (into a root-only file)
/// or block on a FIFO.
pub fn read_pid(var: &str, pf: &str, run_as: Option<&str>) -> String {
    let read = format!("head -n 1 {} 2>/dev/null || true", quote(pf));
    match run_as {
        None => format!("{}=$({})\n", var, read),
        Some(u) => format!("{}=$({})\n", var, as_user(u, &read).trim_end()),
    }
}

/// [`read_pid`], then, when the pid file does not name a live process of
/// daemon `d`, the daemon looked for among the host's processes: a JVM
/// passing [`pid_is_daemon`] whose arguments include one under the
/// product's install root `root` (its class path: every launcher runs
/// from `ROOT/current`), owned by root or the service user. Sets `var`
/// to the first such pid, else leaves it as read; `${var}_read` keeps
/// what the file said.
///
/// Why: the pid file lives in a directory the service user owns, so
/// application code can overwrite it (with a root process's pid, say).
/// The value is never trusted to *signal* (pid_is_daemon guards that),
/// but trusting it to say "not running" made `stop` report a running
/// worker stopped and the next start launch a second one beside it. The
/// search is one `grep` over the process table (processes with the
/// daemon's class as an argument), so it costs little even when the
/// daemon is simply not running, which is every fresh deploy.
pub fn find_pid(var: &str, host: &Host, d: Daemon, root: &str, run_as: Option<&str>) -> String {
    let uid = match run_as {
        Some(u) => format!("$(id -u {} 2>/dev/null)", quote(u)),
        None => "0".to_string(),
    };
    format!(
        "{read}{v}_read=${v}\nif ! {ours}; then\n  fp_me={uid}\n  for fp_f in $(grep -lzxF -- {cls} /proc/[0-9]*/cmdline 2>/dev/null); do\n    fp_c=${{fp_f#/proc/}}; fp_c=${{fp_c%/cmdline}}\n    {cand} || continue\n    fp_u=$(stat -c %u /proc/\"$fp_c\" 2>/dev/null) || continue\n    [ \"$fp_u\" = 0 ] || [ \"$fp_u\" = \"$fp_me\" ] || continue\n    if tr '\\0' '\\n' < /proc/\"$fp_c\"/cmdline 2>/dev/null | grep -qF -- {under}; then {v}=$fp_c; break; fi\n  done\nfi\n",
        read = read_pid(var, &layout::pid_file(host, d), run_as),
        ours = pid_is_daemon(var, d),
        cls = quote(d.spark_class()),
        cand = pid_is_daemon("fp_c", d),
        uid = uid,
        under = quote(&format!("{}/", root.trim_end_matches('/'))),
        v = var,
    )
}

/// How daemons are launched: the cluster-wide part of a start command.
#[derive(Debug, Clone)]
pub struct Launch {
    /// Install root of the daemon's product.
    pub root: String,
    /// What workers are given: `spark://a:7077,b:7077`.
    pub master_url: String,
    /// Service user the daemon runs as (the script itself runs as root).
    pub run_as: Option<String>,
    /// `--properties-file` for Spark daemons: their properties with the
    /// authentication secret, instead of the world-readable spark-defaults.conf.
    pub properties_file: Option<String>,
    /// Workers: where to record that this worker started with
    /// decommissioning on (see [`decommission_worker`]).
    pub decommission_marker: Option<String>,
    /// The Connect server: `[connect]` (port, 3.x jar).
    pub connect: Option<crate::inventory::Connect>,
    /// The Mesos dispatcher: `[mesos]`, and the cluster's ZooKeeper
    /// (`a:2181,b:2181` and the znode directory) when it recovers through it.
    pub mesos: Option<crate::inventory::Mesos>,
    pub mesos_recovery: Option<(String, String)>,
}

impl Launch {
    pub fn new(cluster: &Cluster, d: Daemon) -> Launch {
        Launch {
            root: layout::root_of(cluster, d).to_string(),
            master_url: cluster.master_url(),
            run_as: cluster.run_as.clone(),
            // The 0600 file exists for the cluster secret, or (on its host)
            // for the Mesos dispatcher's credentials.
            properties_file: (d.product() == Product::Spark
                && (cluster.spark.auth.is_some()
                    || (d == Daemon::MesosDispatcher
                        && cluster
                            .mesos
                            .as_ref()
                            .is_some_and(|m| m.principal.is_some()))))
            .then(|| layout::daemon_conf(cluster)),
            decommission_marker: (d == Daemon::Worker)
                .then(|| layout::decommission_marker(cluster)),
            connect: cluster.connect.clone().filter(|_| d == Daemon::Connect),
            mesos: cluster
                .mesos
                .clone()
                .filter(|_| d == Daemon::MesosDispatcher),
            // Its own directory under the cluster's: the masters' election
            // and state stay apart from the dispatcher's driver queue.
            mesos_recovery: (d == Daemon::MesosDispatcher && cluster.has_zookeeper()).then(|| {
                (
                    cluster.zk_connect(),
                    format!("{}/mesos_dispatcher", cluster.spark.zookeeper_dir),
                )
            }),
        }
    }
}

/// Start one daemon with the distribution's own scripts where they exist
/// (start-master.sh, start-worker.sh / start-slave.sh for 2.4,
/// start-history-server.sh, start-connect-server.sh), else
/// spark-daemon.sh, which every Spark version has.
///
/// A stale pid file (its pid gone, or reused by another process after a host
/// crash) is removed first: both spark-daemon.sh and zkServer.sh would
/// otherwise refuse to start. After a successful start, `fingerprint` is
/// recorded in `fingerprint_file`.
pub fn start(host: &Host, d: Daemon, launch: &Launch, fingerprint: Option<(&str, &str)>) -> String {
    // A pid file that names no live daemon is removed, unless the daemon
    // runs under another pid (the file was overwritten): then the file is
    // put right, as the user who owns it, so the launcher refuses to start
    // a second one ("running as process N. Stop it first").
    let pf = layout::pid_file(host, d);
    // The pid goes in on stdin: as_user's script is quoted, so `$p`
    // would not expand in the service user's shell.
    let write = format!("cat > {}", quote(&pf));
    let pre = format!(
        "pf={pfq}\n{find}if [ -n \"$p\" ] && ! {ours}; then rm -f \"$pf\"; p=; elif [ -n \"$p\" ] && [ \"$p_read\" != \"$p\" ]; then {write}\nfi\n",
        pfq = quote(&pf),
        find = find_pid("p", host, d, &launch.root, launch.run_as.as_deref()),
        ours = pid_is_daemon("p", d),
        write = match launch.run_as.as_deref() {
            None => format!("echo \"$p\" | {}", write),
            Some(u) => format!("echo \"$p\" | {}", as_user(u, &write).trim_end()),
        }
    );
    // `sparkctl start` passes no fingerprint: the daemon starts from the
    // files on disk, which the recorded fingerprint already describes.
    let post = match fingerprint {
        Some((fp, file)) => format!(
            "mkdir -p \"$(dirname {f})\" && echo {fp} > {f}.tmp && mv -f {f}.tmp {f}\n",
            f = quote(file),
            fp = quote(fp)
        ),
        None => String::new(),
    };
    format!(
        "{}{}{}{}",
        pre,
        launch_without_sleeps(host, d, launch),
        post,
        decommission_mark(d, launch)
    )
}

/// Run the daemon's launcher ([`start_command`]) without waiting out its
/// fixed sleeps. spark-daemon.sh sleeps 2 s after launching the JVM (plus
/// up to 5 s of 0.5 s polls) and zkServer.sh 1 s, only to print "failed to
/// launch" when the process is already gone; sparkctl's own wait checks
/// that (and much more) right after. So the launcher runs in the
/// background, its output to a file in the root-owned state directory,
/// and this script returns as soon as the pid file names a new live
/// process of the daemon (the JVM itself: spark-class has exec'd it), or
/// when the launcher exits first, with the launcher's status and output,
/// as before. Everything the launcher does (spark-env.sh, log rotation,
/// the pid and log files that `spark-daemon.sh stop|status` and operators
/// use) is unchanged: the launcher is the distribution's own script, it
/// only finishes its sleep after this returns.
///
/// A daemon already running keeps its pid file: the new pid must differ,
/// so its launcher's "Stop it first" failure is still the step's.
///
/// Reads of the pid file are few: with a service user each is a runuser
/// (or su) call, too dear 20 times a second, and root may not read the
/// file itself (see [`read_pid`]). So the pid before the launch is the one
/// `start` read for its stale check (`$p`, emptied when it removed the
/// file), and the loop reads the file only until it names a new pid, then
/// watches that process until it is the daemon's JVM (spark-class execs
/// it): both launchers write the pid file once, in one `echo`
/// (spark-daemon.sh `echo "$newpid" > "$pid"`, zkServer.sh `echo -n $!`),
/// so a read sees nothing or the whole pid. When the launcher exits first
/// the file is read once more, its final word. Either way `$p` is left
/// holding the daemon's pid for [`decommission_mark`].
fn launch_without_sleeps(host: &Host, d: Daemon, launch: &Launch) -> String {
    let pf = layout::pid_file(host, d);
    let out = format!(
        "{}/{}.launch.out",
        layout::state_dir(&launch.root),
        d.label()
    );
    let read = read_pid("p", &pf, launch.run_as.as_deref());
    format!(
        "old=\"$p\"\nexit_ok=\nlo={lo}\nmkdir -p \"$(dirname \"$lo\")\"\n( {cmd} ) > \"$lo\" 2>&1 < /dev/null &\nl=$!\nwhile kill -0 \"$l\" 2>/dev/null; do\n  if [ -z \"$p\" ] || [ \"$p\" = \"$old\" ]; then {read}  fi\n  if [ \"$p\" != \"$old\" ] && {ours}; then exit_ok=1; break; fi\n  sleep 0.05\ndone\nif [ -z \"$exit_ok\" ]; then rc=0; wait \"$l\" || rc=$?; cat \"$lo\"; [ \"$rc\" -eq 0 ] || exit \"$rc\"; {read}fi\n",
        read = read,
        lo = quote(&out),
        cmd = start_command(host, d, launch).trim_end(),
        ours = pid_is_daemon("p", d)
    )
}

/// After a worker's start: record its pid in the marker when the
/// properties it started with (the file it reads, after a start that
/// succeeded) enable decommissioning, else remove the marker. What is
/// checked is the file on the host, not the inventory, so the marker is
/// true even for a worker started by `sparkctl start` from older files.
/// The pid is the one [`launch_without_sleeps`] left in `$p`: the pid
/// file is not read a third time.
fn decommission_mark(d: Daemon, launch: &Launch) -> String {
    let Some(marker) = &launch.decommission_marker else {
        return String::new();
    };
    let conf = launch
        .properties_file
        .clone()
        .unwrap_or_else(|| format!("{}/conf/spark-defaults.conf", layout::current(&launch.root)));
    format!(
        "if {ours} && grep -qx 'spark.decommission.enabled true' {conf}; then echo \"$p\" > {m}.tmp && mv -f {m}.tmp {m}; else rm -f {m}; fi\n",
        ours = pid_is_daemon("p", d),
        conf = quote(&conf),
        m = quote(marker)
    )
}

/// Decommission the worker on `host`: SIGPWR to the pid its pid file
/// names, only if that is a live worker and the marker says it started
/// with decommissioning on (without the handler, SIGPWR's default action
/// kills the JVM). Prints `@signalled`, `@not-running` or `@no-handler`.
/// The same signal `sbin/decommission-worker.sh` sends, without the
/// script: like `stop`, it would act on files the service user owns.
pub fn decommission_worker(host: &Host, cluster: &Cluster) -> String {
    let d = Daemon::Worker;
    format!(
        "{read}if ! {ours}; then echo @not-running; exit 0; fi\nif [ \"$(head -n 1 {m} 2>/dev/null)\" != \"$pid\" ]; then echo @no-handler; exit 0; fi\nkill -s PWR \"$pid\" && echo @signalled\n",
        read = find_pid("pid", host, d, layout::root_of(cluster, d), cluster.run_as.as_deref()),
        ours = pid_is_daemon("pid", d),
        m = quote(&layout::decommission_marker(cluster))
    )
}

/// The command that starts a daemon (part of its fingerprint).
pub fn start_command(host: &Host, d: Daemon, launch: &Launch) -> String {
    let home = quote(&layout::current(&launch.root));
    let props = launch
        .properties_file
        .as_ref()
        .map(|p| format!(" --properties-file {}", quote(p)))
        .unwrap_or_default();
    let script = match d.spec().launcher {
        Launcher::ZkServer => format!(
            "set -e\ncd {home}\nexport ZOOCFGDIR={home}/conf ZOO_LOG_DIR={log}\nmkdir -p \"$ZOO_LOG_DIR\"\nbin/zkServer.sh start\n",
            home = home,
            log = quote(&host.zk.log_dir)
        ),
        Launcher::SparkMaster => format!(
            "set -e\ncd {home}\nif [ -x sbin/start-master.sh ]; then sbin/start-master.sh{props}\nelse sbin/spark-daemon.sh start {cls} 1 --host {addr} --port {port} --webui-port {ui}{props}\nfi\n",
            home = home,
            cls = d.spark_class(),
            addr = quote(&host.address),
            port = host.spark.master_port,
            ui = host.spark.master_webui_port,
            props = props
        ),
        Launcher::SparkWorker => {
            let port = host.spark.worker_port.map(|p| format!(" --port {}", p)).unwrap_or_default();
            format!(
                "set -e\ncd {home}\nif [ -x sbin/start-worker.sh ]; then sbin/start-worker.sh {url}{props}\nelif [ -x sbin/start-slave.sh ]; then sbin/start-slave.sh {url}{props}\nelse sbin/spark-daemon.sh start {cls} 1 --webui-port {ui}{port} {url}{props}\nfi\n",
                home = home,
                url = quote(&launch.master_url),
                cls = d.spark_class(),
                ui = host.spark.worker_webui_port,
                port = port,
                props = props
            )
        }
        // Its settings (log directory, port, cleaner) come from the
        // properties file, like the other daemons' defaults: no arguments
        // but that file.
        Launcher::SparkHistory => format!(
            "set -e\ncd {home}\nif [ -x sbin/start-history-server.sh ]; then sbin/start-history-server.sh{props}\nelse sbin/spark-daemon.sh start {cls} 1{props}\nfi\n",
            home = home,
            cls = d.spark_class(),
            props = props
        ),
        Launcher::SparkConnect => connect_command(host, d, launch, &home, &props),
        Launcher::SparkMesosDispatcher => mesos_command(host, d, launch, &home, &props),
    };
    match &launch.run_as {
        None => script,
        Some(u) => as_user(u, &script),
    }
}

/// The Connect server is an application: spark-submit (through
/// spark-daemon.sh's `submit`, as start-connect-server.sh does) runs its
/// driver on this host, against the HA master list like the workers. Its
/// port, bind address and driver address are arguments (so a change to
/// them changes the fingerprint and restarts it); the token is not: it is
/// in the 0600 properties file, never on a command line `ps` shows.
fn connect_command(host: &Host, d: Daemon, launch: &Launch, home: &str, props: &str) -> String {
    // Spark 3.x: the jar deploy uploaded, at its content-addressed place
    // (a changed jar changes this command, and so restarts the server).
    let (port, jar) = launch
        .connect
        .as_ref()
        .map(|c| {
            (
                c.port,
                c.jar.as_ref().map(|j| layout::connect_jar(&launch.root, j)),
            )
        })
        .unwrap_or((15002, None));
    // The application's share of the cluster (`[connect] cores_max`,
    // `executor_memory`): on the command line like the port, so a change
    // restarts the server, and only for it.
    let mut share = String::new();
    if let Some(c) = &launch.connect {
        if let Some(n) = c.cores_max {
            share.push_str(&format!(" --conf spark.cores.max={}", n));
        }
        if let Some(m) = &c.executor_memory {
            share.push_str(&format!(
                " --conf {}",
                quote(&format!("spark.executor.memory={}", m))
            ));
        }
    }
    let args = format!(
        " --master {url} --conf spark.connect.grpc.binding.port={port} --conf {bind} --conf {driver}{share}{jars}{props}",
        url = quote(&launch.master_url),
        port = port,
        // Bound at the inventory address, like the masters: what is
        // probed is what clients use.
        bind = quote(&format!("spark.connect.grpc.binding.address={}", host.address)),
        // Executors on the workers call the driver back: at the address
        // the inventory says reaches this host, not whatever its
        // hostname resolves to.
        driver = quote(&format!("spark.driver.host={}", host.address)),
        share = share,
        jars = jar
            .map(|j| format!(" --jars {}", quote(&j)))
            .unwrap_or_default(),
        props = props
    );
    format!(
        "set -e\ncd {home}\nif [ -x sbin/start-connect-server.sh ]; then sbin/start-connect-server.sh{args}\nelse sbin/spark-daemon.sh submit {cls} 1 --name 'Spark Connect server'{args}\nfi\n",
        home = home,
        cls = d.spark_class(),
        args = args
    )
}

/// Where Mesos' Java binding looks for libmesos when
/// `MESOS_NATIVE_JAVA_LIBRARY` is not set: the system library
/// directories (Mesos' packages install to /usr/lib or /usr/local/lib).
pub const MESOS_LIBRARY_PATHS: [&str; 4] = [
    "/usr/lib/libmesos.so",
    "/usr/local/lib/libmesos.so",
    "/usr/lib64/libmesos.so",
    "/usr/lib/x86_64-linux-gnu/libmesos.so",
];

/// A sh snippet: sets `MESOS_NATIVE_JAVA_LIBRARY` to `[mesos]
/// native_library`, else to the first of [`MESOS_LIBRARY_PATHS`] that
/// exists (Java's own library path lacks /usr/local/lib), and exports it.
/// The preflight (`plan::preflight`) has already refused a host without one.
pub fn mesos_library(native: Option<&str>) -> String {
    match native {
        Some(l) => format!("MESOS_NATIVE_JAVA_LIBRARY={}\nexport MESOS_NATIVE_JAVA_LIBRARY\n", quote(l)),
        None => format!(
            "if [ -z \"${{MESOS_NATIVE_JAVA_LIBRARY:-}}\" ]; then for f in {}; do if [ -f \"$f\" ]; then MESOS_NATIVE_JAVA_LIBRARY=$f; break; fi; done; fi\nexport MESOS_NATIVE_JAVA_LIBRARY\n",
            MESOS_LIBRARY_PATHS.join(" ")
        ),
    }
}

/// The Mesos dispatcher: recovery through ZooKeeper goes in
/// `SPARK_DAEMON_JAVA_OPTS`, after spark-env.sh's own value (the last `-D`
/// wins), so a master on the same host, which reads the same spark-env.sh,
/// keeps its own recovery directory. The script reads spark-env.sh itself
/// and marks it read, or spark-daemon.sh would read it again over the
/// addition; one sh cannot parse (an `extra_env` line) is left to
/// spark-daemon.sh, which fails on it as it does for every daemon. Host, ports and Mesos master are arguments (fingerprinted);
/// the principal and secret are in the 0600 properties file.
fn mesos_command(host: &Host, d: Daemon, launch: &Launch, home: &str, props: &str) -> String {
    let (port, ui, master, native, addr, loopback) = match &launch.mesos {
        Some(m) => (
            m.port,
            m.ui_port,
            m.master.clone(),
            m.native_library.clone(),
            m.bind_address(host),
            m.loopback,
        ),
        None => (
            7077,
            8081,
            String::new(),
            None,
            host.address.as_str(),
            false,
        ),
    };
    // `[spark] authenticate = true`: Spark 3.x's dispatcher checks no
    // secret on its REST submission port or its UI, so both listen on
    // loopback only. The REST server binds `--host` (start-mesos-dispatcher.sh
    // passes SPARK_MESOS_DISPATCHER_HOST as `--host`). The UI does not: as
    // every Spark WebUI (WebUI.bind), it binds SPARK_LOCAL_IP, else
    // 0.0.0.0 (seen on the 3.5.9 tree: the UI on every interface, not
    // only `--host`), so SPARK_LOCAL_IP is set too, after spark-env.sh is
    // read (it wins over a value there) and in this script alone: other
    // daemons on the host read the same spark-env.sh and keep their own
    // addresses. An assumption from Spark's source as the repository's
    // notes describe it, not seen on a host with a Mesos master.
    let local_ip = if loopback {
        format!(
            "SPARK_LOCAL_IP={}\nexport SPARK_LOCAL_IP\n",
            crate::inventory::LOOPBACK
        )
    } else {
        String::new()
    };
    let recovery = match &launch.mesos_recovery {
        Some((url, dir)) => format!(
            "SPARK_DAEMON_JAVA_OPTS=\"${{SPARK_DAEMON_JAVA_OPTS:-}} \"{}\nexport SPARK_DAEMON_JAVA_OPTS\n",
            quote(&format!(
                "-Dspark.deploy.recoveryMode=ZOOKEEPER -Dspark.deploy.zookeeper.url={} -Dspark.deploy.zookeeper.dir={}",
                url, dir
            ))
        ),
        None => String::new(),
    };
    format!(
        "set -e\ncd {home}\nSPARK_CONF_DIR={home}/conf\nexport SPARK_CONF_DIR\nif [ -f \"$SPARK_CONF_DIR/spark-env.sh\" ] && sh -n \"$SPARK_CONF_DIR/spark-env.sh\" 2>/dev/null; then set -a; . \"$SPARK_CONF_DIR/spark-env.sh\"; set +a; export SPARK_ENV_LOADED=1; fi\n{lib}{recovery}{local_ip}if [ -x sbin/start-mesos-dispatcher.sh ]; then SPARK_MESOS_DISPATCHER_HOST={addr} SPARK_MESOS_DISPATCHER_PORT={port} sbin/start-mesos-dispatcher.sh --webui-port {ui} --master {master}{props}\nelse sbin/spark-daemon.sh start {cls} 1 --host {addr} --port {port} --webui-port {ui} --master {master}{props}\nfi\n",
        home = home,
        lib = mesos_library(native.as_deref()),
        recovery = recovery,
        local_ip = local_ip,
        addr = quote(addr),
        port = port,
        ui = ui,
        master = quote(&master),
        cls = d.spark_class(),
        props = props
    )
}

/// Stop one daemon and wait until its process has exited (SIGKILL after
/// `grace_s` seconds). Prints `@stopped`, `@killed` or `@not-running`.
///
/// The distributions' stop scripts are not used: they run as root here (a
/// daemon started as root before `run_as` was set must still be stopped),
/// and with a service user they would act on files that user owns:
/// spark-daemon.sh `touch`es `$SPARK_LOG_DIR/.spark_test` on every call (a
/// symlink planted there makes root create any file) and zkServer.sh stop
/// reads the pid file again, unquoted. All either does is what this does:
/// read the pid file, SIGTERM that pid, remove the pid file. Here the pid
/// is read once (as the service user, see [`read_pid`]), must be a plain
/// positive number naming a live process of this daemon's class, and is the
/// very value that is signalled, so a pid file holding `-1` or a root
/// process's pid stops nothing but is reported `@not-running`.
pub fn stop(host: &Host, d: Daemon, cluster: &Cluster, grace_s: u32) -> String {
    format!(
        r#"pf={pf}
{read}ours() {{ {ours}; }}
if ! ours; then echo @not-running; rm -f "$pf"; exit 0; fi
kill "$pid" 2>/dev/null || true
i=0
while ours && [ $i -lt {ticks} ]; do sleep 0.2; i=$((i+1)); done
if ours; then kill -9 "$pid"; sleep 0.3; echo @killed; else echo @stopped; fi
rm -f "$pf"
"#,
        pf = quote(&layout::pid_file(host, d)),
        read = find_pid(
            "pid",
            host,
            d,
            layout::root_of(cluster, d),
            cluster.run_as.as_deref()
        ),
        ours = pid_is_daemon("pid", d),
        ticks = grace_s * 5
    )
}

/// SIGKILL daemon `d` (the failover drill's "crash"), only if its pid file
/// names a live process of that daemon: the pid is read once, checked, and
/// that same value is killed. Otherwise nothing is signalled and the script
/// exits 3 saying so (the pid file's content is not printed: without a
/// service user it was read by root). Prints `@killed <pid>`.
pub fn kill_daemon(host: &Host, d: Daemon, run_as: Option<&str>) -> String {
    format!(
        r#"pf={pf}
{read}if {ours}; then kill -9 "$pid"; echo "@killed $pid"; else echo "the pid file $pf does not name a running {label} (a live {cls} process); nothing was killed" >&2; exit 3; fi
"#,
        pf = quote(&layout::pid_file(host, d)),
        read = read_pid("pid", &layout::pid_file(host, d), run_as),
        ours = pid_is_daemon("pid", d),
        label = d.label(),
        cls = d.spark_class()
    )
}

/// The command line of daemon `d`'s live process (NULs as spaces), or
/// nothing when its pid file does not name one.
pub fn daemon_cmdline(host: &Host, d: Daemon, cluster: &Cluster) -> String {
    format!(
        "{read}if {ours}; then tr '\\0' ' ' < /proc/$p/cmdline; fi\n",
        read = find_pid(
            "p",
            host,
            d,
            layout::root_of(cluster, d),
            cluster.run_as.as_deref()
        ),
        ours = pid_is_daemon("p", d)
    )
}

/// Prints `alive` when daemon `d`'s pid file names a live process of that
/// daemon, else nothing (a wait's check for a JVM that died after its
/// launcher said "started"). Moved here unchanged from `Session::fail_if_exited`.
/// Note that it reads the pid file with a plain `cat`, not [`read_pid`] as
/// the service user: the output is only compared with `alive`, and keeping
/// the script byte for byte was the point of the move.
pub fn daemon_alive(host: &Host, d: Daemon) -> String {
    format!(
        "p=$(cat {pf} 2>/dev/null); if {ours}; then echo alive; fi",
        pf = quote(&layout::pid_file(host, d)),
        ours = pid_is_daemon("p", d)
    )
}

/// The last lines of a daemon's log, for error messages.
/// With a service user, read as that user: its log directory is its own,
/// and root would follow a symlink planted there into any file.
pub fn log_tail(host: &Host, d: Daemon, lines: u32, run_as: Option<&str>) -> String {
    let s = format!("for f in $(ls -t {} 2>/dev/null | head -n 1); do echo \"==> $f\"; tail -n {} \"$f\"; done\n", layout::log_glob(host, d), lines);
    match run_as {
        Some(u) => as_user(u, &s),
        None => s,
    }
}

/// `sparkctl submit`: run `argv` (the host's `bin/spark-submit` and its
/// arguments, built by `command::submit`) with every word quoted, as the
/// service user when there is one, the way the daemons are started. `exec`
/// so that the exit status the operator gets is spark-submit's own.
///
/// `driver_conf`: in cluster mode, the host's Spark conf directory. Spark
/// 3.x's RPC client (`ClientEndpoint`) hands the driver spark-submit's
/// whole environment, and its REST client every `SPARK_*` variable; both
/// would carry this host's `SPARK_LOCAL_HOSTNAME` (from spark-env.sh) to
/// a driver that a worker on another host starts, which then fails to
/// bind (`BindException: Cannot assign requested address`). So the script
/// reads spark-env.sh itself as `load-spark-env.sh` would, drops the
/// host's own address, and marks the file read so spark-submit does not
/// read it again. The client then binds the address Spark picks itself;
/// the driver gets its worker's. Spark 4.3 filters these itself; doing it
/// on every version keeps one path.
pub fn spark_submit(argv: &[String], run_as: Option<&str>, driver_conf: Option<&str>) -> String {
    let words: Vec<String> = argv.iter().map(|a| quote(a)).collect();
    let env = match driver_conf {
        None => String::new(),
        Some(conf) => format!(
            "SPARK_CONF_DIR={c}\nif [ -f {c}/spark-env.sh ]; then set -a; . {c}/spark-env.sh; set +a; fi\nunset SPARK_LOCAL_HOSTNAME SPARK_LOCAL_IP\nexport SPARK_CONF_DIR SPARK_ENV_LOADED=1\n",
            c = quote(conf)
        ),
    };
    let script = format!("{}exec {}\n", env, words.join(" "));
    match run_as {
        None => script,
        Some(u) => as_user(u, &script),
    }
}

/// Prints `present` when `path` (a host's `bin/spark-submit`) is an
/// executable file, else `absent`: `sparkctl submit` asks first, so a host
/// without Spark gets sparkctl's words, not a shell's "not found" with an
/// exit status taken for the application's.
pub fn executable(path: &str) -> String {
    format!(
        "if [ -x {p} ]; then echo present; else echo absent; fi",
        p = quote(path)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::steps::test_sh::{run, tmpdir};

    #[test]
    fn the_history_server_starts_with_its_script_else_spark_daemon() {
        let c = crate::session::fake::lab_with_history("/shared/spark-events");
        let d = Daemon::History;
        let cmd = start_command(&c.hosts[0], d, &Launch::new(&c, d));
        assert_eq!(
            cmd,
            "set -e\ncd /opt/spark/current\nif [ -x sbin/start-history-server.sh ]; then sbin/start-history-server.sh\nelse sbin/spark-daemon.sh start org.apache.spark.deploy.history.HistoryServer 1\nfi\n"
        );
    }

    #[test]
    fn the_mesos_dispatcher_binds_loopback_alone_with_the_cluster_secret() {
        let mut c = crate::session::fake::lab_spark3_with_every_daemon();
        let d = Daemon::MesosDispatcher;
        let h = c
            .hosts
            .iter()
            .find(|h| h.roles.mesos_dispatcher)
            .unwrap()
            .clone();
        let open = start_command(&h, d, &Launch::new(&c, d));
        assert!(!open.contains("127.0.0.1"), "{}", open);
        assert!(!open.contains("SPARK_LOCAL_IP"), "{}", open);
        c.mesos.as_mut().unwrap().loopback = true;
        let cmd = start_command(&h, d, &Launch::new(&c, d));
        assert!(cmd.contains("SPARK_LOCAL_IP=127.0.0.1\nexport SPARK_LOCAL_IP\nif [ -x sbin/start-mesos-dispatcher.sh ]; then SPARK_MESOS_DISPATCHER_HOST=127.0.0.1 "), "{}", cmd);
        assert!(cmd.contains(" --host 127.0.0.1 "), "{}", cmd);
        // After spark-env.sh is read, so a value there does not win; and
        // the other daemons of the host are started without it.
        assert!(cmd.find("spark-env.sh\"; set +a").unwrap() < cmd.find("SPARK_LOCAL_IP=").unwrap());
        for other in Daemon::ALL.into_iter().filter(|x| *x != d && x.runs_on(&h)) {
            let s = start_command(&h, other, &Launch::new(&c, other));
            assert!(!s.contains("SPARK_LOCAL_IP"), "{}", s);
        }
    }

    #[test]
    fn the_connect_server_is_submitted_against_the_masters() {
        let c = crate::session::fake::lab_with_every_daemon();
        let d = Daemon::Connect;
        let cmd = start_command(&c.hosts[2], d, &Launch::new(&c, d));
        let args = " --master spark://10.213.37.11:7077,10.213.37.12:7077 --conf spark.connect.grpc.binding.port=15002 --conf spark.connect.grpc.binding.address=10.213.37.13 --conf spark.driver.host=10.213.37.13";
        assert_eq!(
            cmd,
            format!("set -e\ncd /opt/spark/current\nif [ -x sbin/start-connect-server.sh ]; then sbin/start-connect-server.sh{a}\nelse sbin/spark-daemon.sh submit org.apache.spark.sql.connect.service.SparkConnectServer 1 --name 'Spark Connect server'{a}\nfi\n", a = args)
        );
        // Spark 3.5's server jar goes on the class path; the token never
        // on the command line, only in the properties file.
        let mut launch = Launch::new(&c, d);
        if let Some(t) = launch.connect.as_mut() {
            t.jar = Some(crate::inventory::ConnectJar {
                local: "/home/me/spark-connect_2.12-3.5.9.jar".into(),
                file_name: "spark-connect_2.12-3.5.9.jar".into(),
                sha256: "0123456789abcdef".repeat(4),
                size: 1,
            });
            t.authenticate = true;
        }
        launch.properties_file = Some("/etc/sparkctl/lab.conf".into());
        let cmd = start_command(&c.hosts[2], d, &launch);
        // The host's copy, at its content-addressed place, never the
        // operator's path.
        assert!(
            cmd.contains(
                " --jars /opt/spark/.sparkctl/jars/0123456789abcdef-spark-connect_2.12-3.5.9.jar --properties-file /etc/sparkctl/lab.conf\n"
            ),
            "{}",
            cmd
        );
        assert!(!cmd.contains("token"), "{}", cmd);
    }

    #[test]
    fn the_mesos_dispatcher_recovers_through_zookeeper_and_finds_its_library() {
        let c = crate::session::fake::lab_spark3_with_every_daemon();
        let d = Daemon::MesosDispatcher;
        let cmd = start_command(&c.hosts[1], d, &Launch::new(&c, d));
        assert_eq!(
            cmd,
            "set -e\ncd /opt/spark/current\nSPARK_CONF_DIR=/opt/spark/current/conf\nexport SPARK_CONF_DIR\nif [ -f \"$SPARK_CONF_DIR/spark-env.sh\" ] && sh -n \"$SPARK_CONF_DIR/spark-env.sh\" 2>/dev/null; then set -a; . \"$SPARK_CONF_DIR/spark-env.sh\"; set +a; export SPARK_ENV_LOADED=1; fi\n\
if [ -z \"${MESOS_NATIVE_JAVA_LIBRARY:-}\" ]; then for f in /usr/lib/libmesos.so /usr/local/lib/libmesos.so /usr/lib64/libmesos.so /usr/lib/x86_64-linux-gnu/libmesos.so; do if [ -f \"$f\" ]; then MESOS_NATIVE_JAVA_LIBRARY=$f; break; fi; done; fi\nexport MESOS_NATIVE_JAVA_LIBRARY\n\
SPARK_DAEMON_JAVA_OPTS=\"${SPARK_DAEMON_JAVA_OPTS:-} \"'-Dspark.deploy.recoveryMode=ZOOKEEPER -Dspark.deploy.zookeeper.url=10.213.37.11:2181,10.213.37.12:2181,10.213.37.13:2181 -Dspark.deploy.zookeeper.dir=/spark/mesos_dispatcher'\nexport SPARK_DAEMON_JAVA_OPTS\n\
if [ -x sbin/start-mesos-dispatcher.sh ]; then SPARK_MESOS_DISPATCHER_HOST=10.213.37.12 SPARK_MESOS_DISPATCHER_PORT=7177 sbin/start-mesos-dispatcher.sh --webui-port 8181 --master mesos://zk://10.213.37.11:2181/mesos\n\
else sbin/spark-daemon.sh start org.apache.spark.deploy.mesos.MesosClusterDispatcher 1 --host 10.213.37.12 --port 7177 --webui-port 8181 --master mesos://zk://10.213.37.11:2181/mesos\nfi\n"
        );
        // With a principal: the 0600 file, even without the cluster secret.
        let mut c = c;
        if let Some(m) = c.mesos.as_mut() {
            m.principal = Some("fw".into());
            m.native_library = Some("/opt/mesos/lib/libmesos.so".into());
        }
        let cmd = start_command(&c.hosts[1], d, &Launch::new(&c, d));
        assert!(
            cmd.contains("MESOS_NATIVE_JAVA_LIBRARY=/opt/mesos/lib/libmesos.so\nexport MESOS_NATIVE_JAVA_LIBRARY\n"),
            "{}",
            cmd
        );
        assert!(
            cmd.contains(" --properties-file /opt/spark/.sparkctl/spark-daemon.conf\n"),
            "{}",
            cmd
        );
    }

    #[test]
    fn pid_check_matches_only_the_daemon() {
        let cond = pid_is_daemon("p", Daemon::ZooKeeper);
        let class = Daemon::ZooKeeper.spark_class();
        let d = tmpdir("pid");
        std::fs::create_dir_all(&d).unwrap();
        // The daemon: a JVM with the class as an argument (Java's
        // source-file mode, so no build step), ready once it prints.
        let src = format!("{}/Stand.java", d);
        std::fs::write(
            &src,
            "public class Stand { public static void main(String[] a) throws Exception { System.out.println(\"up\"); Thread.sleep(20000); } }",
        )
        .unwrap();
        // Decoys that name the class without being the daemon: a shell with
        // the class as an argument, `exec -a <class>` (argv[0]), and a
        // process whose argument merely contains it (a log file's name).
        let script = format!(
            "mkfifo {d}/up; java -Xmx16m {src} {cls} > {d}/up & j=$!; read x < {d}/up; sh -c 'sleep 5' {cls} >/dev/null 2>&1 & a=$!; bash -c 'exec -a {cls} sleep 5' & b=$!; sleep 5 /x/{cls}.out & c=$!; sleep 0.2; for p in $j $a $b $c 1 ''; do {c} && echo ours || echo other; done; kill $j $a $b $c",
            d = d,
            src = src,
            cls = class,
            c = cond
        );
        let out = String::from_utf8_lossy(&run(&script).stdout).into_owned();
        std::fs::remove_dir_all(&d).unwrap();
        assert_eq!(out, "ours\nother\nother\nother\nother\nother\n");
    }

    /// A pid file overwritten with another process's pid: the daemon is
    /// still found by its class and install root; a JVM of the same class
    /// from another tree, and the decoy the file names, are not.
    #[test]
    fn find_pid_finds_the_daemon_its_pid_file_no_longer_names() {
        let mut c = crate::session::fake::lab_with_history("/shared/spark-events");
        let d = Daemon::Worker;
        let t = tmpdir("findpid");
        let root = format!("{}/spark", t);
        std::fs::create_dir_all(format!("{}/current/conf", root)).unwrap();
        std::fs::create_dir_all(format!("{}/run", t)).unwrap();
        let host = &mut c.hosts[0];
        host.spark.pid_dir = format!("{}/run", t);
        let pf = layout::pid_file(host, d);
        let src = format!("{}/Stand.java", t);
        std::fs::write(
            &src,
            "public class Stand { public static void main(String[] a) throws Exception { System.out.println(\"up\"); Thread.sleep(20000); } }",
        )
        .unwrap();
        let find = find_pid("p", host, d, &root, None);
        let script = format!(
            "mkfifo {t}/up {t}/up2\njava -Xmx16m -cp {root}/current/conf/ {src} {cls} > {t}/up & j=$!; read x < {t}/up\njava -Xmx16m -cp /elsewhere/current/conf/ {src} {cls} > {t}/up2 & o=$!; read x < {t}/up2\nsleep 30 & s=$!\necho $s > {pf}\n{find}echo \"found=$([ \"$p\" = \"$j\" ] && echo daemon || echo \"$p\") read=$([ \"$p_read\" = \"$s\" ] && echo decoy)\"\necho $j > {pf}\n{find}echo \"direct=$([ \"$p\" = \"$j\" ] && echo daemon)\"\nkill $j\nwait $j\necho $s > {pf}\n{find}echo \"gone=$([ \"$p\" = \"$s\" ] && echo as-read)\"\nkill $o $s\n",
            t = t,
            root = root,
            src = src,
            cls = d.spark_class(),
            pf = pf,
            find = find
        );
        let out = run(&script);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        std::fs::remove_dir_all(&t).unwrap();
        assert_eq!(
            stdout,
            "found=daemon read=decoy\ndirect=daemon\ngone=as-read\n",
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[cfg(test)]
mod launch_tests {
    //! `start`'s launch loop run locally, against a stand-in launcher that
    //! behaves as spark-daemon.sh does: it writes the pid file once, with
    //! the pid of a shell that later execs the JVM, then sleeps.

    use super::*;
    use crate::steps::test_sh::{run, tmpdir};
    use std::time::{Duration, Instant};

    const CLASS: &str = "org.apache.spark.deploy.worker.Worker";

    /// A worker host and launch under `d`: `current/sbin/start-worker.sh`
    /// is `launcher`, the properties file turns decommissioning on.
    fn setup(d: &str, launcher: &str) -> (Host, Launch) {
        let c = crate::session::fake::lab_with_every_daemon();
        let mut host = c.hosts[0].clone();
        host.spark.pid_dir = format!("{}/pids", d);
        std::fs::create_dir_all(format!("{}/current/sbin", d)).unwrap();
        std::fs::create_dir_all(&host.spark.pid_dir).unwrap();
        let sbin = format!("{}/current/sbin/start-worker.sh", d);
        std::fs::write(&sbin, format!("#!/bin/sh\n{}", launcher)).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&sbin, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(
            format!("{}/Stand.java", d),
            "public class Stand { public static void main(String[] a) throws Exception { Thread.sleep(20000); } }",
        )
        .unwrap();
        let props = format!("{}/daemon.conf", d);
        std::fs::write(&props, "spark.decommission.enabled true\n").unwrap();
        let launch = Launch {
            root: d.to_string(),
            master_url: "spark://a:7077".into(),
            run_as: None,
            properties_file: Some(props),
            decommission_marker: Some(format!("{}/worker.decommission", d)),
            connect: None,
            mesos: None,
            mesos_recovery: None,
        };
        (host, launch)
    }

    #[test]
    fn returns_once_the_new_jvm_runs_and_marks_its_pid() {
        let d = tmpdir("launch");
        let pf = format!("{}/pids/spark-{}-{}-1.pid", d, layout::SPARK_IDENT, CLASS);
        // As spark-daemon.sh: the pid file names a shell that execs the
        // JVM a moment later; the launcher then sleeps far longer.
        let launcher = format!(
            "sh -c 'sleep 0.3; exec java -Xmx16m \"$0\" \"$1\"' {src} {cls} >/dev/null 2>&1 </dev/null &\necho \"$!\" > {pf}\nsleep 8\n",
            src = quote(&format!("{}/Stand.java", d)),
            cls = CLASS,
            pf = quote(&pf)
        );
        let (host, launch) = setup(&d, &launcher);
        // A stale pid file (pid 1 is no worker) is removed first.
        std::fs::write(&pf, "1\n").unwrap();
        let t0 = Instant::now();
        let out = run(&start(&host, Daemon::Worker, &launch, None));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(t0.elapsed() < Duration::from_secs(7), "{:?}", t0.elapsed());
        let pid = std::fs::read_to_string(&pf).unwrap();
        let marker = std::fs::read_to_string(format!("{}/worker.decommission", d)).unwrap();
        run(&format!("kill {}", pid.trim()));
        assert_ne!(pid.trim(), "1");
        assert_eq!(marker, pid, "the marker names the JVM the pid file names");
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_launcher_that_exits_first_decides_the_step() {
        let d = tmpdir("launch-exit");
        // Failing: its status and output are the step's.
        let (host, launch) = setup(&d, "echo 'failed to launch' >&2\nexit 3\n");
        std::fs::write(format!("{}/worker.decommission", d), "42\n").unwrap();
        let out = run(&start(&host, Daemon::Worker, &launch, None));
        assert_eq!(out.status.code(), Some(3));
        assert!(String::from_utf8_lossy(&out.stdout).contains("failed to launch"));
        // Succeeding without a daemon: the step succeeds, as the
        // launcher did, and no worker is marked as decommissionable.
        let (host, launch) = setup(&d, "echo started\n");
        let out = run(&start(&host, Daemon::Worker, &launch, None));
        assert!(out.status.success());
        assert_eq!(String::from_utf8_lossy(&out.stdout), "started\n");
        assert!(!std::path::Path::new(&format!("{}/worker.decommission", d)).exists());
        std::fs::remove_dir_all(&d).unwrap();
    }
}
