# common.sh — shared by bench/run.sh (sourced). Paths, timing, lab cleanup,
# per-tool invocation. Every function that touches the lab assumes the caller
# holds /tmp/sparkctl-lab.flock (run.sh takes it for the whole run).
# shellcheck shell=bash disable=SC2034

ROOT=$(realpath "$(dirname "${BASH_SOURCE[0]}")/../..")
BENCH=$ROOT/bench
LAB=$ROOT/lab/lab
LAB_STATE=/run/sparkctl-lab
LAB_SSH_CONFIG=$LAB_STATE/ssh_config
DIST=/var/cache/sparkctl-lab/dist
SPARK_TAR=$DIST/spark-4.3.0-bin-pyspark.tar
ZK_TGZ=$DIST/zookeeper-3.8.0-bin.tar.gz
VENV=/var/cache/sparkctl-lab/bench-venv
WAIT_SH=$BENCH/lib/wait.sh
GOLDEN=$ROOT/tests/golden/lab
INV_LAB=$ROOT/inventories/lab.toml
export SPARK_TAR ZK_TGZ

log() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }

# Seconds (3 decimals) between two $EPOCHREALTIME values.
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

lab_hosts() { awk '{print $1}' "$LAB_STATE/hosts"; }
lab_ip() { awk -v h="$1" '$1 == h {print $2}' "$LAB_STATE/hosts"; }

# Kill every JVM and remove everything a deploy leaves, on every lab host, in
# parallel: each benchmark run starts from the same empty hosts.
clean_hosts() {
    local h pids=()
    for h in $(lab_hosts); do
        ssh -F "$LAB_SSH_CONFIG" "$h" '
            pkill -9 java 2>/dev/null
            for i in 1 2 3 4 5 6 7 8 9 10; do pgrep java >/dev/null || break; sleep 0.1; done
            rm -rf /opt/spark /opt/zookeeper /var/lib/zookeeper/* /tmp/f /run/lock/sparkctl.* /tmp/sparkctl.*
            rm -rf /root/.ansible/tmp /root/.pyinfra* 2>/dev/null; true' </dev/null &
        pids+=($!)
    done
    for h in "${pids[@]}"; do wait "$h" || return 1; done
}

# An ssh_config for the hand-written shell tools: the lab's, plus connection
# sharing (one TCP+SSH handshake per host, as sparkctl and tuned Ansible do).
# $1: the control directory (fresh per timed run).
shell_ssh_config() {
    local dir=$1
    mkdir -p "$dir"
    cat >"$dir/ssh_config" <<EOF
Host *
    ControlMaster auto
    ControlPath $dir/%C
    ControlPersist 60
Include $LAB_SSH_CONFIG
EOF
    echo "$dir/ssh_config"
}

# Close the ssh masters left in a control directory (by socket, never by name).
close_masters() {
    local s
    for s in "$1"/*; do
        [ -S "$s" ] && ssh -o ControlPath="$s" -O exit dummy >/dev/null 2>&1 || true
    done
}

# The conf dir for shell/Ansible/pyinfra: per host the files sparkctl renders
# (tests/golden/lab/<host>/*, checked against the hosts after a sparkctl
# deploy by run.sh), with SPARK_WORKER_MEMORY set to $2.
make_lab_conf() {
    local dir=$1 mem=$2 h
    mkdir -p "$dir"
    : >"$dir/inventory.txt"
    for h in hosta hostb hostc; do
        mkdir -p "$dir/$h"
        cp "$GOLDEN/$h"/* "$dir/$h/"
        sed -i "s/^export SPARK_WORKER_MEMORY=.*/export SPARK_WORKER_MEMORY=$mem/" "$dir/$h/spark-env.sh"
    done
    printf '%s\n' "hosta 10.213.37.11 zookeeper,master,worker" \
        "hostb 10.213.37.12 zookeeper,master,worker" \
        "hostc 10.213.37.13 zookeeper,worker" >"$dir/inventory.txt"
}

mem_mib() { case $1 in *g) echo $(( ${1%g} * 1024 )) ;; *m) echo "${1%m}" ;; *) echo "$1" ;; esac; }

# Ansible inventory (INI) from a conf dir's inventory.txt.
ansible_inventory() {
    local conf=$1 out=$2 n ip roles r
    {
        echo "[all]"
        while read -r n ip roles; do echo "$n addr=$ip"; done <"$conf/inventory.txt"
        for r in zookeeper master worker; do
            echo "[$r]"
            while read -r n ip roles; do [[ ,$roles, == *",$r,"* ]] && echo "$n"; done <"$conf/inventory.txt"
        done
    } >"$out"
}

# pyinfra inventory (python) from a conf dir's inventory.txt.
pyinfra_inventory() {
    local conf=$1 out=$2 n ip roles
    {
        echo "hosts = ["
        while read -r n ip roles; do
            printf '    ("%s", {"ssh_hostname": "%s", "ssh_user": "root", "ssh_key": "%s", "ssh_known_hosts_file": "%s", "ssh_strict_host_key_checking": "yes", "ssh_allow_agent": False, "ssh_look_for_keys": False, "addr": "%s", "roles": %s}),\n' \
                "$n" "$ip" "$LAB_STATE/id_ed25519" "$LAB_STATE/known_hosts" "$ip" \
                "$(python3 -c 'import json,sys; print(json.dumps(sys.argv[1].split(",")))' "$roles")"
        done <"$conf/inventory.txt"
        echo "]"
    } >"$out"
}

# Extra vars for the Ansible playbook, as a JSON file.
ansible_vars() {
    local conf=$1 mem=$2 out=$3
    python3 - "$conf" "$mem" "$WAIT_SH" "$SPARK_TAR" "$ZK_TGZ" >"$out" <<'EOF'
import json, os, sys
conf, mem, wait, spark, zk = sys.argv[1:]
hosts = [l.split() for l in open(os.path.join(conf, "inventory.txt")) if l.strip()]
ips = lambda r: [h[1] for h in hosts if r in h[2].split(",")]
strip = lambda n: next((n[: -len(e)] for e in (".tar.gz", ".tgz", ".tar") if n.endswith(e)), n)
print(json.dumps({
    "conf_dir": conf, "spark_tar": spark, "zk_tgz": zk,
    "spark_dir": strip(os.path.basename(spark)), "zk_dir": strip(os.path.basename(zk)),
    "wait_sh": wait, "zk_ips": " ".join(ips("zookeeper")), "master_ips": " ".join(ips("master")),
    "master_url": "spark://" + ",".join(ip + ":7077" for ip in ips("master")),
    "n_workers": len(ips("worker")), "mem": mem, "cores": 2,
}))
EOF
}
