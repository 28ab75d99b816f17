# The same job as `sparkctl deploy inventories/lab.toml` and
# bench/shell-deploy.sh, for pyinfra 3: same tarballs, same paths, same
# config files (the ones sparkctl renders, from $BENCH_CONF_DIR/<host>/),
# same start commands and order, same health waits (bench/lib/wait.sh, run
# on the operator with python.call + _run_once).
#
# Environment (bench/run.sh sets it): BENCH_CONF_DIR BENCH_SPARK_TAR
# BENCH_ZK_TGZ BENCH_WAIT_SH BENCH_FILES_ONLY (1: file-level operations only).
# Inventory (bench/run.sh writes it): host data roles (list) and addr.
# Operations that change nothing report "No Change"; operation names start
# with "file:", "start", "restart" or "wait" (run.sh checks no-op runs with them).
import os
import subprocess

from pyinfra import host
from pyinfra.api import FactBase
from pyinfra.operations import files, python, server

CONF = os.environ["BENCH_CONF_DIR"]
SPARK_TAR = os.environ["BENCH_SPARK_TAR"]
ZK_TGZ = os.environ["BENCH_ZK_TGZ"]
WAIT = os.environ["BENCH_WAIT_SH"]
FILES_ONLY = os.environ.get("BENCH_FILES_ONLY") == "1"


def strip(name, exts):
    for e in exts:
        if name.endswith(e):
            return name[: -len(e)]
    return name


SPARK_DIR = strip(os.path.basename(SPARK_TAR), [".tar.gz", ".tgz", ".tar"])
ZK_DIR = strip(os.path.basename(ZK_TGZ), [".tar.gz", ".tgz", ".tar"])
SPARK_HOME = f"/opt/spark/{SPARK_DIR}"
ZK_HOME = f"/opt/zookeeper/{ZK_DIR}"
DESTS = {
    "spark-env.sh": f"{SPARK_HOME}/conf/spark-env.sh",
    "spark-defaults.conf": f"{SPARK_HOME}/conf/spark-defaults.conf",
    "workers": f"{SPARK_HOME}/conf/workers",
    "zoo.cfg": f"{ZK_HOME}/conf/zoo.cfg",
    "java.env": f"{ZK_HOME}/conf/java.env",
    "myid": "/var/lib/zookeeper/myid",
}
MASTER_CLS = "org.apache.spark.deploy.master.Master"
WORKER_CLS = "org.apache.spark.deploy.worker.Worker"
PIDS = {
    "zookeeper": ("/var/lib/zookeeper/zookeeper_server.pid", "QuorumPeerMain"),
    "master": (f"/opt/spark/run/spark-sparkctl-{MASTER_CLS}-1.pid", MASTER_CLS),
    "worker": (f"/opt/spark/run/spark-sparkctl-{WORKER_CLS}-1.pid", WORKER_CLS),
}

roles = host.data.roles
addr = host.data.addr
hosts_file = [line.split() for line in open(os.path.join(CONF, "inventory.txt")) if line.strip()]
zk_ips = [h[1] for h in hosts_file if "zookeeper" in h[2].split(",")]
master_ips = [h[1] for h in hosts_file if "master" in h[2].split(",")]
n_workers = sum(1 for h in hosts_file if "worker" in h[2].split(","))
master_url = "spark://" + ",".join(f"{ip}:7077" for ip in master_ips)


def worker_setting(key):
    with open(os.path.join(CONF, host.name, "spark-env.sh")) as f:
        for line in f:
            if line.startswith(f"export {key}="):
                return line.strip().split("=", 1)[1]
    return ""


def mem_mib():
    v = worker_setting("SPARK_WORKER_MEMORY")
    return str(int(v[:-1]) * 1024) if v.endswith("g") else v.rstrip("m")


class RunningDaemons(FactBase):
    """Which of zookeeper/master/worker run now (pid file + /proc cmdline)."""

    def command(self):
        checks = [
            f"p=$(cat {pf} 2>/dev/null); [ -n \"$p\" ] && [ -r /proc/$p/cmdline ] && "
            f"tr '\\0' ' ' < /proc/$p/cmdline | grep -q {cls} && echo {d}"
            for d, (pf, cls) in PIDS.items()
        ]
        return "; ".join(checks) + "; true"

    def process(self, output):
        return [line.strip() for line in output if line.strip()]


def wait(*args):
    subprocess.run([WAIT, *args], check=True)


running = [] if FILES_ONLY else (host.get_fact(RunningDaemons) or [])

# --- files ---------------------------------------------------------------
files.directory(name="file: /opt/spark", path="/opt/spark")
files.unarchive(
    name="file: unpack spark",
    src=SPARK_TAR,
    dest="/opt/spark",
    creates=f"{SPARK_HOME}/sbin/spark-daemon.sh",
)
if "zookeeper" in roles:
    files.directory(name="file: /opt/zookeeper", path="/opt/zookeeper")
    files.unarchive(
        name="file: unpack zookeeper",
        src=ZK_TGZ,
        dest="/opt/zookeeper",
        creates=f"{ZK_HOME}/bin/zkServer.sh",
    )
files.link(name="file: spark current", path="/opt/spark/current", target=SPARK_DIR)
if "zookeeper" in roles:
    files.link(name="file: zookeeper current", path="/opt/zookeeper/current", target=ZK_DIR)
puts = {}
for name in sorted(os.listdir(os.path.join(CONF, host.name))):
    puts[name] = files.put(
        name=f"file: {name}",
        src=os.path.join(CONF, host.name, name),
        dest=DESTS[name],
        mode="644",
    )

if not FILES_ONLY:
    # --- daemons, in order ------------------------------------------------
    if "zookeeper" in roles and "zookeeper" not in running:
        server.shell(
            name="start zookeeper",
            commands=[
                "cd /opt/zookeeper/current && export ZOOCFGDIR=/opt/zookeeper/current/conf "
                "ZOO_LOG_DIR=/opt/zookeeper/logs && mkdir -p \"$ZOO_LOG_DIR\" && bin/zkServer.sh start"
            ],
        )
    python.call(wait, "zk", *zk_ips, name="wait for a ZooKeeper quorum", _run_once=True)
    if "master" in roles and "master" not in running:
        server.shell(
            name="start master",
            commands=[
                f"cd /opt/spark/current && sbin/spark-daemon.sh start {MASTER_CLS} 1 "
                f"--host {addr} --port 7077 --webui-port 8080"
            ],
        )
    python.call(wait, "masters", *master_ips, name="wait for one ALIVE master", _run_once=True)
    if "worker" in roles and "worker" not in running:
        server.shell(
            name="start worker",
            commands=[
                f"cd /opt/spark/current && sbin/spark-daemon.sh start {WORKER_CLS} 1 "
                f"--webui-port 8081 {master_url}"
            ],
        )
    if "worker" in roles and "worker" in running:
        pf, cls = PIDS["worker"]
        restart = (
            f"p=$(cat {pf} 2>/dev/null); cd /opt/spark/current && "
            f"sbin/spark-daemon.sh stop {WORKER_CLS} 1 >/dev/null; i=0; "
            f"while [ -n \"$p\" ] && [ -d /proc/$p ] && [ $i -lt 150 ]; do sleep 0.2; i=$((i+1)); done; "
            f"if [ -n \"$p\" ] && [ -d /proc/$p ]; then kill -9 $p; fi; "
            f"sbin/spark-daemon.sh start {WORKER_CLS} 1 --webui-port 8081 {master_url} >/dev/null"
        )
        mem, cores = mem_mib(), worker_setting("SPARK_WORKER_CORES")

        def restart_worker(cmd=restart, ip=addr, mem=mem, cores=cores):
            ok, out = host.run_shell_command(command=cmd)
            if not ok:
                raise RuntimeError(f"restart worker failed on {host.name}: {out}")
            wait("worker", ip, mem, cores, *master_ips)

        # One host at a time, each re-registered before the next.
        python.call(
            restart_worker,
            name="restart worker",
            _serial=True,
            _if=puts["spark-env.sh"].did_change,
        )
    python.call(
        wait,
        "workers",
        str(n_workers),
        mem_mib() if "worker" in roles else "0",
        worker_setting("SPARK_WORKER_CORES") or "0",
        *master_ips,
        name="wait for every worker",
        _run_once=True,
    )
