//! The shell scripts that change hosts, one function per step. Each script is
//! POSIX sh, quotes every value with [`quote`], and is written so that a
//! failure or a kill at any point leaves nothing that a later run would take
//! for complete: uploads and unpacks go to temporary names and are renamed
//! into place only after verification; config files are written to temp
//! files and renamed together.

use crate::dist::{Compression, LocalDist, Product};
use crate::inventory::{Cluster, Host};
use crate::daemon::Launcher;
use crate::layout::{self, Daemon};
use crate::render::ConfigFile;
use crate::shell::{heredoc_delimiter, quote};

/// A POSIX sh function printing the sha256 of stdin. openssl uses the CPU's
/// SHA instructions where coreutils' sha256sum may not (measured on the lab
/// VM: 0.4 vs 1.5-2 CPU-s for 408 MiB), so prefer it when present.
const SUM256: &str = "sum256() { if command -v openssl >/dev/null 2>&1; then openssl dgst -sha256 -r | cut -c1-64; else sha256sum | cut -c1-64; fi; }\n";

/// Traps that remove `paths` (shell words) however the script ends. A
/// signal only runs the EXIT trap when it is trapped itself, so each one
/// that can end a step is turned into an exit: HUP, INT, TERM, and PIPE,
/// which is how a step dies when its SSH connection goes (Ctrl-C ends the
/// masters): its next write to the closed stderr. Without PIPE here an
/// upload cut that way left its `.part` file behind (tests/faults.rs).
fn remove_on_exit(paths: &str) -> String {
    format!(
        "trap 'rm -rf {}' EXIT\ntrap 'exit 129' HUP\ntrap 'exit 130' INT\ntrap 'exit 141' PIPE\ntrap 'exit 143' TERM\n",
        paths
    )
}

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

/// Receive a tarball on stdin, verify its sha256, then rename it into place.
pub fn upload(root: &str, d: &LocalDist) -> String {
    let dest = layout::uploaded_tarball(root, d);
    format!(
        r#"set -e
umask 022
{sum256}mkdir -p {dir}
# Leftovers of runs that died mid-upload (the host lock makes this safe).
rm -f {dest}.part.*
part={dest}.part.$$
{cleanup_part}cat > "$part"
got=$(sum256 < "$part")
if [ "$got" != {sha} ]; then
  echo "the uploaded copy of {name} is corrupt: sha256 $got, expected {sha} (transfer cut short or disk full?)" >&2
  exit 3
fi
mv -f "$part" {dest}
trap - EXIT INT TERM HUP PIPE
"#,
        sum256 = SUM256,
        cleanup_part = remove_on_exit(r#""$part""#),
        dir = quote(&format!("{}/dist", layout::state_dir(root))),
        dest = quote(&dest),
        sha = d.sha256,
        name = d.file_name,
    )
}

/// A POSIX sh function printing the sha512 of stdin (openssl preferred, as
/// for [`SUM256`]).
const SUM512: &str = "sum512() { if command -v openssl >/dev/null 2>&1; then openssl dgst -sha512 -r | cut -c1-128; else sha512sum | cut -c1-128; fi; }\n";

/// The shell function that computes `d`'s identity on a host, and the value
/// it must print (see `dist::host_identity`).
fn host_sum(d: &LocalDist) -> (&'static str, &'static str, String) {
    match d.sha256.strip_prefix("sha512:") {
        Some(hex) => (SUM512, "sum512", hex.to_string()),
        None => (SUM256, "sum256", d.sha256.clone()),
    }
}

/// `fetch = "hosts"`: the host downloads the tarball itself into a temp name
/// next to where an upload would land, verifies the inventory's checksum on
/// the host, and only then renames it into place, so everything after this
/// step (unpack, stamps, re-runs) is the same as for an upload. A cut or
/// failed download leaves only the temp name (removed by the trap, or swept
/// by the next run); a download that does not match is deleted.
///
/// curl, else wget; without either, a Java 11+ source-file program (the
/// host has Java anyway) does a plain GET, so only a host with none of the
/// three fails, with a message saying what to install.
pub fn fetch(root: &str, d: &LocalDist, java: &str) -> String {
    let f = d.fetch.as_ref().expect("fetch() on a pushed tarball");
    let dest = layout::uploaded_tarball(root, d);
    let (sum_fn, sum, want) = host_sum(d);
    format!(
        r#"set -e
umask 022
{sum_fn}mkdir -p {dir}
# Leftovers of runs that died mid-download (the host lock makes this safe).
rm -f {dest}.part.* {dir}/Fetch.*.java
part={dest}.part.$$
jf={dir}/Fetch.$$.java
{cleanup_part_jf}url={url}
if command -v curl >/dev/null 2>&1; then
  curl -fsSL --retry 3 --connect-timeout 20 -o "$part" "$url" || {{ echo "curl could not download $url" >&2; exit 5; }}
elif command -v wget >/dev/null 2>&1; then
  wget -q -T 20 -O "$part" "$url" || {{ echo "wget could not download $url" >&2; exit 5; }}
elif command -v {java} >/dev/null 2>&1; then
  cat > "$jf" <<'SPARKCTL_JAVA'
public class Fetch {{
  public static void main(String[] a) throws Exception {{
    try (var in = java.net.URI.create(a[0]).toURL().openStream()) {{
      java.nio.file.Files.copy(in, java.nio.file.Path.of(a[1]), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }}
  }}
}}
SPARKCTL_JAVA
  {java} "$jf" "$url" "$part" || {{ echo "neither curl nor wget is installed, and Java could not download $url either (Java 11+ runs Fetch.java): install curl or wget on this host" >&2; exit 5; }}
else
  echo "cannot download $url on this host: neither curl nor wget (nor java) is installed; install curl or wget, or remove fetch = \"hosts\" to push the tarball from the operator" >&2
  exit 6
fi
got=$({sum} < "$part")
if [ "$got" != {want} ]; then
  echo "the download of $url does not match its checksum: {algo} $got, expected {want}; the download was deleted" >&2
  exit 3
fi
mv -f "$part" {dest}
trap - EXIT INT TERM HUP PIPE
"#,
        sum_fn = sum_fn,
        cleanup_part_jf = remove_on_exit(r#""$part" "$jf""#),
        sum = sum,
        want = want,
        algo = f.checksum.algo.name(),
        dir = quote(&format!("{}/dist", layout::state_dir(root))),
        dest = quote(&dest),
        url = quote(&f.url),
        java = quote(java),
    )
}

/// Unpack an uploaded (verified) tarball into a staging directory, check it
/// is the product it claims to be, stamp it, then rename it into place.
/// `just_verified`: the tarball was uploaded and verified by this run a
/// moment ago, so hashing it again is skipped; a copy kept from an earlier
/// run is always verified before it is unpacked.
pub fn install(root: &str, d: &LocalDist, just_verified: bool) -> String {
    let tb = layout::uploaded_tarball(root, d);
    let tree = layout::tree(root, d);
    let z = if d.compression == Compression::Gzip {
        "z"
    } else {
        ""
    };
    // A host-fetched tarball given only a sha512 is known by that.
    let (sum_fn, sum, want) = host_sum(d);
    let algo = sum.replace("sum", "sha");
    let (marker, what) = match d.product {
        Product::Spark => ("sbin/spark-daemon.sh", "a Spark distribution"),
        Product::ZooKeeper => ("bin/zkServer.sh", "a ZooKeeper distribution"),
    };
    format!(
        r#"set -e
umask 022
tb={tb}
rm -rf {state}/stage-{dir}.*
stage={state}/stage-{dir}.$$
{cleanup_stage}{sum_fn}got={check}
if [ "$got" != {want} ]; then
  rm -f "$tb"
  echo "the uploaded tarball $tb is corrupt ({algo} $got, expected {want}); it was removed: run again to upload it anew" >&2
  exit 3
fi
mkdir -p "$stage"
tar -x{z}f "$tb" -C "$stage" --strip-components=1 --no-same-owner
if [ ! -f "$stage/{marker}" ]; then
  echo "{name} does not look like {what}: no {marker} inside its top directory" >&2
  exit 4
fi
mkdir -p "$stage/conf"
echo {sha} > "$stage/{stamp}"
if [ -e {tree} ]; then rm -rf {tree}.old.$$; mv {tree} {tree}.old.$$; fi
mv "$stage" {tree}
trap - EXIT INT TERM HUP PIPE
rm -rf {tree}.old.$$
"#,
        tb = quote(&tb),
        sum_fn = sum_fn,
        cleanup_stage = remove_on_exit(r#""$stage""#),
        algo = algo,
        want = want,
        check = if just_verified {
            want.clone()
        } else {
            format!("$({} < \"$tb\")", sum)
        },
        state = quote(&layout::state_dir(root)),
        dir = d.dir_name,
        sha = d.sha256,
        z = z,
        marker = marker,
        what = what,
        name = d.file_name,
        stamp = layout::STAMP,
        tree = quote(&tree),
    )
}

/// Create directories, write every file to a temp name, then rename them all.
/// A kill before the renames leaves only `*.sparkctl-tmp` files, never a
/// half-written config in use.
///
/// `owner` (the service user) gets the directories the daemons write to
/// (`mkdirs`: logs, pids, work and data dirs), mode 0750, and the secret
/// file. A file marked `secret` is not in the script at all (a script is a
/// command line, visible in `ps` and in sudo's log): its content is read
/// from standard input, see [`secret_input`]; at most one per call.
pub fn write_files(mkdirs: &[String], files: &[ConfigFile], owner: Option<&str>) -> String {
    let mut s = String::from("set -e\numask 022\n");
    // Only directories the ownership rule allows are re-owned or re-moded
    // (validation refuses the rest with their location; the rule is
    // applied again here so that no caller can make root re-own /usr/bin).
    // A shared scratch directory (`local_dirs = "/tmp"`) is only created.
    let owned: Vec<String> = mkdirs
        .iter()
        .filter(|d| crate::ownership::may_own(d))
        .map(|d| quote(crate::ownership::normalize(d)))
        .collect();
    let list = owned.join(" ");
    if let (Some(u), false) = (owner, owned.is_empty()) {
        // Before anything is created: every directory on the way to one the
        // service user gets must be root's alone (see `ownership`). Then
        // only root can rename or replace that directory, so the `-L` test
        // and the chmod below name the same directory (no race), and the
        // user controls only what is inside it.
        s.push_str(crate::ownership::SAFE_PATH);
        s.push_str(&format!(
            "for d in {list}; do\n  safe_path \"$d\" || {{ echo \"refusing to give $d to the service user {u}: $why\" >&2; exit 7; }}\ndone\n",
            list = list,
            u = u.replace(['"', '$', '`', '\\'], "")
        ));
    }
    let mut dirs: Vec<String> = mkdirs.to_vec();
    for f in files {
        if let Some((dir, _)) = f.path.rsplit_once('/') {
            dirs.push(dir.to_string());
        }
    }
    dirs.sort();
    dirs.dedup();
    if !dirs.is_empty() {
        s.push_str(&format!(
            "mkdir -p {}\n",
            dirs.iter().map(|d| quote(d)).collect::<Vec<_>>().join(" ")
        ));
    }
    if !owned.is_empty() {
        match owner {
            // What the user controls, the directory's contents, root
            // touches only with -h and find's default -P (never following
            // a symlink). A directory that is a symlink (only root can have
            // made it) is left alone. A tree changes hands only when
            // something in it belongs to someone else (first run, run_as
            // just set, or a daemon once run as root wrote there): a no-op
            // re-run changes nothing.
            Some(u) => s.push_str(&format!(
                "g=$(id -g {u})\nfor d in {list}; do\n  [ -L \"$d\" ] && continue\n  [ -z \"$(find \"$d\" ! -user {u} -print | head -n 1)\" ] || chown -hR {u}:\"$g\" \"$d\"\n  chmod 0750 \"$d\"\ndone\n",
                u = quote(u),
                list = list
            )),
            // Data dirs (ZooKeeper's snapshots among them) are never world-writable.
            None => s.push_str(&format!(
                "for d in {}; do if [ ! -L \"$d\" ]; then chmod go-w \"$d\"; fi; done\n",
                list
            )),
        }
    }
    for f in files {
        let tmp = quote(&format!("{}.sparkctl-tmp", f.path));
        if f.secret {
            s.push_str(&format!("(umask 077; cat > {})\n", tmp));
            if let Some(u) = owner {
                s.push_str(&format!("chown {} {}\n", quote(u), tmp));
            }
            s.push_str(&format!("chmod 0600 {}\n", tmp));
            continue;
        }
        let delim = heredoc_delimiter(&f.content);
        let write = format!("cat > {} <<'{}'\n{}{}\n", tmp, delim, f.content, delim);
        // A file inside a directory the service user owns (ZooKeeper's
        // myid) is written by that user: root writing or chowning there
        // would follow any symlink the user (or application code running
        // as it) planted, e.g. to /etc/shadow.
        match (owner, user_dir_holds(mkdirs, &f.path)) {
            (Some(u), true) => {
                s.push_str(&as_user(u, &format!("umask 022\nrm -f {}\n{}", tmp, write)))
            }
            _ => s.push_str(&write),
        }
    }
    for f in files {
        let mv = format!(
            "mv -f {} {}\n",
            quote(&format!("{}.sparkctl-tmp", f.path)),
            quote(&f.path)
        );
        match (owner, !f.secret && user_dir_holds(mkdirs, &f.path)) {
            (Some(u), true) => s.push_str(&as_user(u, &mv)),
            _ => s.push_str(&mv),
        }
    }
    s
}

/// Whether `path` lies in one of `mkdirs` that [`write_files`] hands to the
/// service user (the Rust twin of its `own` shell function).
pub fn user_dir_holds(mkdirs: &[String], path: &str) -> bool {
    mkdirs.iter().any(|d| {
        let d = crate::ownership::normalize(d);
        crate::ownership::may_own(d) && crate::ownership::under(path, d) && path != d
    })
}

/// What [`write_files`] must be given on standard input: the content of
/// the secret file among `files`, if any.
pub fn secret_input(files: &[ConfigFile]) -> Option<Vec<u8>> {
    let secret: Vec<&ConfigFile> = files.iter().filter(|f| f.secret).collect();
    assert!(
        secret.len() <= 1,
        "write_files takes one secret file per call"
    );
    secret.first().map(|f| f.content.as_bytes().to_vec())
}

/// Point `root/current` at `dir` by renaming a new link over the old one.
pub fn link(root: &str, dir: &str) -> String {
    let tmp = format!("{}/.current.tmp", root);
    format!(
        "set -e\nln -sfn {dir} {tmp}\nmv -Tf {tmp} {cur} 2>/dev/null || {{ rm -f {tmp}; ln -sfn {dir} {cur}; }}\n",
        dir = quote(dir),
        tmp = quote(&tmp),
        cur = quote(&layout::current(root))
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
}

impl Launch {
    pub fn new(cluster: &Cluster, d: Daemon) -> Launch {
        Launch {
            root: layout::root_of(cluster, d).to_string(),
            master_url: cluster.master_url(),
            run_as: cluster.run_as.clone(),
            properties_file: cluster
                .spark
                .auth
                .as_ref()
                .filter(|_| d.product() == Product::Spark)
                .map(|_| layout::daemon_conf(cluster)),
        }
    }
}

/// Start one daemon with the distribution's own scripts where they exist
/// (start-master.sh, start-worker.sh / start-slave.sh for 2.4), else
/// spark-daemon.sh, which every Spark version has.
///
/// A stale pid file (its pid gone, or reused by another process after a host
/// crash) is removed first: both spark-daemon.sh and zkServer.sh would
/// otherwise refuse to start. After a successful start, `fingerprint` is
/// recorded in `fingerprint_file`.
pub fn start(host: &Host, d: Daemon, launch: &Launch, fingerprint: Option<(&str, &str)>) -> String {
    let pre = format!(
        "pf={pf}\n{read}if [ -n \"$p\" ] && ! {ours}; then rm -f \"$pf\"; fi\n",
        pf = quote(&layout::pid_file(host, d)),
        read = read_pid("p", &layout::pid_file(host, d), launch.run_as.as_deref()),
        ours = pid_is_daemon("p", d)
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
    format!("{}{}{}", pre, start_command(host, d, launch), post)
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
    };
    match &launch.run_as {
        None => script,
        Some(u) => as_user(u, &script),
    }
}

/// Run `script` as `user` from a root shell: runuser (util-linux) where it
/// exists, else su, which every Linux has. The daemon inherits the
/// exported environment either way (neither is given `-` / `-l`).
pub fn as_user(user: &str, script: &str) -> String {
    format!(
        "if command -v runuser >/dev/null 2>&1; then runuser -u {u} -- sh -c {s}; else su -s /bin/sh -c {s} {u}; fi\n",
        u = quote(user),
        s = quote(script)
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
pub fn stop(host: &Host, d: Daemon, run_as: Option<&str>, grace_s: u32) -> String {
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
        read = read_pid("pid", &layout::pid_file(host, d), run_as),
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
pub fn daemon_cmdline(host: &Host, d: Daemon, run_as: Option<&str>) -> String {
    format!(
        "{read}if {ours}; then tr '\\0' ' ' < /proc/$p/cmdline; fi\n",
        read = read_pid("p", &layout::pid_file(host, d), run_as),
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

/// List the children of `znode` with the ZooKeeper distribution under
/// `home` (its `bin/zkCli.sh`), asking the server at `address:port`; stdout
/// and stderr together (the caller reads zkCli's `[a, b]` line, or "Node
/// does not exist"). `ha status` lists the election znode with it.
pub fn zkcli_ls(home: &str, address: &str, port: u16, znode: &str) -> String {
    format!(
        "cd {h} && ZOOCFGDIR={h}/conf ZOO_LOG_DIR=/tmp ZK_CLIENT_HEAP=64 bin/zkCli.sh -server {a}:{p} ls {z} 2>&1",
        h = quote(home),
        a = quote(address),
        p = port,
        z = quote(znode)
    )
}

/// The command that prints the cluster's secret from the hosts'
/// `spark-defaults.conf` at `conf`. sparkctl never runs it: `deploy` shows
/// it in its help for copying an existing secret to the operator's machine
/// (`ssh HOST '<this>' > FILE`), so it is a remote script like the others
/// and lives here to be tested with hostile paths.
pub fn read_secret_command(conf: &str, sudo: bool) -> String {
    let read = format!("sed -n 's/^spark.authenticate.secret //p' {}", quote(conf));
    if sudo {
        format!("sudo -n {}", read)
    } else {
        read
    }
}

/// Print files, each preceded by its size in bytes, exactly (for dry-run
/// diffs). Sizes, not end markers: a file may contain any line.
pub fn read_files(paths: &[&str]) -> String {
    let list: Vec<String> = paths.iter().map(|p| quote(p)).collect();
    format!(
        "for f in {}; do echo \"@@sparkctl-file@@ $(wc -c < \"$f\") $f\"; cat \"$f\"; done\n",
        list.join(" ")
    )
}

/// [`read_files`], with the files inside the service user's directories
/// (`mkdirs`, as for [`write_files`]; ZooKeeper's `myid`) read as that
/// user: root would follow a symlink planted there into a root-only file
/// and print it in the diff. The output parses with [`parse_read_files`].
pub fn read_files_as(paths: &[&str], mkdirs: &[String], run_as: Option<&str>) -> String {
    let (users, roots): (Vec<&str>, Vec<&str>) = paths
        .iter()
        .partition(|p| run_as.is_some() && user_dir_holds(mkdirs, p));
    let mut s = String::new();
    if !roots.is_empty() {
        s.push_str(&read_files(&roots));
    }
    if let (Some(u), false) = (run_as, users.is_empty()) {
        s.push_str(&as_user(u, &read_files(&users)));
    }
    s
}

pub fn parse_read_files(out: &str) -> Vec<(String, String)> {
    let mut files = Vec::new();
    let mut rest = out;
    while let Some(start) = rest.find("@@sparkctl-file@@ ") {
        let after = &rest[start + "@@sparkctl-file@@ ".len()..];
        let Some((header, body)) = after.split_once('\n') else {
            break;
        };
        let Some((n, path)) = header.trim_start().split_once(' ') else {
            break;
        };
        let Ok(n) = n.parse::<usize>() else { break };
        let Some(content) = body.get(..n) else { break };
        files.push((path.to_string(), content.to_string()));
        rest = &body[n..];
    }
    files
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

/// Prints `listening` when something on the host listens on TCP `port`
/// (any address), else `not-listening`. Read from /proc/net/tcp{,6} (state
/// 0A = LISTEN, local port in hex): no ss or netstat needed. Used to tell a
/// firewall from a dead daemon when `probe = "direct"` gets no answer.
pub fn port_listening(port: u16) -> String {
    format!(
        r#"p={:04X}
for f in /proc/net/tcp /proc/net/tcp6; do
  [ -r "$f" ] || continue
  while read -r _ local _ st _; do
    case "$local:$st" in *:"$p":0A) echo listening; exit 0;; esac
  done < "$f"
done
echo not-listening"#,
        port
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(script: &str) -> std::process::Output {
        std::process::Command::new("sh")
            .arg("-c")
            .arg(script)
            .output()
            .unwrap()
    }

    fn tmpdir(tag: &str) -> String {
        let d = std::env::temp_dir().join(format!("sparkctl-steps-{}-{}", tag, std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d.display().to_string()
    }

    #[test]
    fn write_files_is_exact_for_hostile_content() {
        let d = tmpdir("write");
        let content = "a 'quoted' $HOME `id` \\ line\nSPARKCTL_EOF_0\nend\n".to_string();
        let f = ConfigFile {
            path: format!("{}/conf/x.conf", d),
            content: content.clone(),
            template: "x",
            readers: vec![],
            secret: false,
        };
        let out = run(&write_files(&[format!("{}/logs", d)], &[f], None));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            std::fs::read_to_string(format!("{}/conf/x.conf", d)).unwrap(),
            content
        );
        assert!(std::path::Path::new(&format!("{}/logs", d)).is_dir());
        assert!(!std::path::Path::new(&format!("{}/conf/x.conf.sparkctl-tmp", d)).exists());
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn secret_file_comes_from_stdin_with_mode_0600() {
        use std::io::Write;
        use std::os::unix::fs::PermissionsExt;
        let d = tmpdir("secret");
        let f = ConfigFile {
            path: format!("{}/state/daemon.conf", d),
            content: "spark.authenticate.secret s3cr3t\n".into(),
            template: "x",
            readers: vec![],
            secret: true,
        };
        let script = write_files(&[], std::slice::from_ref(&f), None);
        assert!(!script.contains("s3cr3t"), "the secret is in the script");
        let mut child = std::process::Command::new("sh")
            .arg("-c")
            .arg(&script)
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(&secret_input(std::slice::from_ref(&f)).unwrap())
            .unwrap();
        assert!(child.wait().unwrap().success());
        assert_eq!(std::fs::read_to_string(&f.path).unwrap(), f.content);
        let mode = std::fs::metadata(&f.path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn shared_directories_keep_their_mode() {
        use std::os::unix::fs::PermissionsExt;
        let d = tmpdir("shared");
        let data = format!("{}/data", d);
        std::fs::create_dir_all(&data).unwrap();
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o777)).unwrap();
        let tmp_before = std::fs::metadata("/tmp").unwrap().permissions().mode();
        let out = run(&write_files(
            &["/tmp".into(), "/tmp/".into(), data.clone()],
            &[],
            None,
        ));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            std::fs::metadata("/tmp").unwrap().permissions().mode(),
            tmp_before
        );
        // A data dir of its own is never world-writable.
        let mode = std::fs::metadata(&data).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o755);
        std::fs::remove_dir_all(&d).unwrap();
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

    #[test]
    fn read_files_is_exact() {
        let d = tmpdir("read");
        std::fs::create_dir_all(&d).unwrap();
        let (a, b) = (format!("{}/a", d), format!("{}/b", d));
        std::fs::write(&a, "x\ny\n").unwrap();
        std::fs::write(&b, "no newline").unwrap();
        let out = run(&read_files(&[&a, &b]));
        let got = parse_read_files(&String::from_utf8_lossy(&out.stdout));
        assert_eq!(
            got,
            vec![(a, "x\ny\n".to_string()), (b, "no newline".to_string())]
        );
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn link_replaces_the_current_link() {
        let d = tmpdir("link");
        std::fs::create_dir_all(format!("{}/v1", d)).unwrap();
        std::fs::create_dir_all(format!("{}/v2", d)).unwrap();
        assert!(run(&link(&d, "v1")).status.success());
        assert!(run(&link(&d, "v2")).status.success());
        assert_eq!(
            std::fs::read_link(format!("{}/current", d))
                .unwrap()
                .to_string_lossy(),
            "v2"
        );
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn install_refuses_a_corrupt_upload_and_removes_it() {
        let d = tmpdir("install");
        let dist = LocalDist {
            product: Product::Spark,
            path: "x".into(),
            file_name: "spark-4.3.0-bin-x.tar".into(),
            dir_name: "spark-4.3.0-bin-x".into(),
            version: None,
            size: 3,
            sha256: "0".repeat(64),
            compression: Compression::None,
            fetch: None,
        };
        let tb = layout::uploaded_tarball(&d, &dist);
        std::fs::create_dir_all(std::path::Path::new(&tb).parent().unwrap()).unwrap();
        std::fs::write(&tb, "bad").unwrap();
        let out = run(&install(&d, &dist, false));
        assert_eq!(out.status.code(), Some(3));
        assert!(String::from_utf8_lossy(&out.stderr).contains("is corrupt"));
        assert!(!std::path::Path::new(&tb).exists());
        assert!(!std::path::Path::new(&layout::tree(&d, &dist)).exists());
        std::fs::remove_dir_all(&d).unwrap();
    }

    /// A fetched tarball's LocalDist, as `dist::resolve` makes it for
    /// `fetch = "hosts"`.
    fn fetched(url: &str, checksum: crate::inventory::Checksum) -> LocalDist {
        LocalDist {
            product: Product::Spark,
            path: "spark-4.3.0-bin-x.tar".into(),
            file_name: "spark-4.3.0-bin-x.tar".into(),
            dir_name: "spark-4.3.0-bin-x".into(),
            version: None,
            size: 0,
            sha256: crate::dist::host_identity(&checksum),
            compression: Compression::None,
            fetch: Some(crate::dist::HostFetch {
                url: url.into(),
                checksum,
            }),
        }
    }

    #[test]
    fn fetch_verifies_on_the_host_then_renames() {
        use crate::inventory::{Checksum, HashAlgo};
        let d = tmpdir("fetch");
        // A tiny Spark-shaped tarball served by file:// (curl reads those).
        let out = run(&format!(
            "set -e; mkdir -p {d}/src/t/sbin; touch {d}/src/t/sbin/spark-daemon.sh; tar -cf {d}/src/spark-4.3.0-bin-x.tar -C {d}/src t"
        ));
        assert!(out.status.success());
        let tar = std::path::PathBuf::from(format!("{}/src/spark-4.3.0-bin-x.tar", d));
        let url = format!("file://{}", tar.display());
        let (sha256, sha512) = crate::dist::hash_file(&tar).unwrap();
        let root = format!("{}/root", d);

        // A wrong sum: refused on the host, named, nothing left behind.
        let bad = fetched(
            &url,
            Checksum {
                algo: HashAlgo::Sha256,
                hex: "0".repeat(64),
            },
        );
        let out = run(&fetch(&root, &bad, "java"));
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{}", err);
        assert!(
            err.contains(&format!(
                "the download of {} does not match its checksum: sha256 {}, expected {}",
                url,
                sha256,
                "0".repeat(64)
            )),
            "{}",
            err
        );
        let dist_dir = format!("{}/.sparkctl/dist", root);
        assert_eq!(std::fs::read_dir(&dist_dir).unwrap().count(), 0);

        // A leftover of a killed run is swept; the right sum lands in place.
        std::fs::write(format!("{}/spark-4.3.0-bin-x.tar.part.1", dist_dir), "cut").unwrap();
        let good = fetched(
            &url,
            Checksum {
                algo: HashAlgo::Sha512,
                hex: sha512.clone(),
            },
        );
        let out = run(&fetch(&root, &good, "java"));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let names: Vec<String> = std::fs::read_dir(&dist_dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["spark-4.3.0-bin-x.tar".to_string()]);
        // Unpacking a kept copy re-verifies it with the same algorithm
        // (sha512 here) and stamps the tree with the identity.
        let out = run(&install(&root, &good, false));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            std::fs::read_to_string(format!("{}/spark-4.3.0-bin-x/{}", root, layout::STAMP))
                .unwrap()
                .trim(),
            format!("sha512:{}", sha512)
        );
        std::fs::remove_dir_all(&d).unwrap();
    }

    /// A host with neither curl nor wget: the Java source-file fetcher
    /// downloads (Java is on every host sparkctl deploys to); with no Java
    /// either, the step fails saying what to install.
    #[test]
    fn fetch_falls_back_to_java_then_explains() {
        use crate::inventory::{Checksum, HashAlgo};
        let d = tmpdir("fetch-java");
        let bin = format!("{}/bin", d);
        std::fs::create_dir_all(&bin).unwrap();
        // A PATH with only what the script needs besides a downloader.
        for tool in ["sh", "mkdir", "rm", "cat", "mv", "cut", "sha256sum"] {
            let out = run(&format!("command -v {}", tool));
            let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
            std::os::unix::fs::symlink(&path, format!("{}/{}", bin, tool)).unwrap();
        }
        let src = format!("{}/spark-4.3.0-bin-x.tar", d);
        std::fs::write(&src, "tarball bytes").unwrap();
        let sha = crate::dist::sha256_file(std::path::Path::new(&src)).unwrap();
        let dist = fetched(
            &format!("file://{}", src),
            Checksum {
                algo: HashAlgo::Sha256,
                hex: sha,
            },
        );
        let java = String::from_utf8_lossy(&run("command -v java").stdout)
            .trim()
            .to_string();
        assert!(!java.is_empty(), "this test needs java on PATH");
        let with_path = |java: &str| {
            std::process::Command::new(format!("{}/sh", bin))
                .arg("-c")
                .arg(fetch(&format!("{}/root", d), &dist, java))
                .env("PATH", &bin)
                .output()
                .unwrap()
        };
        let out = with_path(&java);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got = std::fs::read_to_string(layout::uploaded_tarball(&format!("{}/root", d), &dist));
        assert_eq!(got.unwrap(), "tarball bytes");
        let out = with_path("/nonexistent/bin/java");
        assert_eq!(out.status.code(), Some(6));
        assert!(String::from_utf8_lossy(&out.stderr)
            .contains("neither curl nor wget (nor java) is installed"));
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn fetch_says_what_is_missing() {
        let s = fetch(
            "/opt/spark",
            &fetched(
                "http://m/spark-4.3.0-bin-x.tar",
                crate::inventory::Checksum {
                    algo: crate::inventory::HashAlgo::Sha256,
                    hex: "a".repeat(64),
                },
            ),
            "/usr/lib/jvm/x/bin/java",
        );
        // curl first, then wget, then Java's source launcher, then a message.
        let pos = |n: &str| s.find(n).unwrap_or_else(|| panic!("{} in {}", n, s));
        assert!(pos("command -v curl") < pos("command -v wget"));
        assert!(pos("command -v wget") < pos("command -v /usr/lib/jvm/x/bin/java"));
        assert!(s.contains("neither curl nor wget (nor java) is installed"));
    }
}
