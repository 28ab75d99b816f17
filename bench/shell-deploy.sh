#!/usr/bin/env bash
# shell-deploy.sh — the hand-written baseline: deploy the same Spark +
# ZooKeeper HA cluster as `sparkctl deploy inventories/lab.toml`, with plain
# parallel ssh, to the same paths, with the same config files, started the
# same way (spark-daemon.sh reading conf/spark-env.sh; zkServer.sh with
# ZOOCFGDIR), in the same order, waiting for the same health conditions.
#
#   shell-deploy.sh CONF_DIR
#
# CONF_DIR/inventory.txt  one line per host: "<ssh name> <address> <roles,comma,separated>"
# CONF_DIR/<name>/        the host's files: spark-env.sh spark-defaults.conf [workers]
#                         and, on ZooKeeper hosts, zoo.cfg java.env myid
# Environment: SPARK_TAR, ZK_TGZ (the tarballs), SSH_CONFIG (an ssh_config;
# bench/run.sh gives one with ControlMaster so each host costs one connection),
# SHELL_FILES_ONLY=1 to stop after the file-level steps (start nothing).
#
# Idempotent like sparkctl: one probe round trip per host, then it uploads
# only a missing tree, writes only files whose sha256 differs, starts only
# daemons that are not running, and restarts workers one at a time (each
# re-registered before the next) when their spark-env.sh changed.
# It ends by waiting for: 1 ZooKeeper leader + followers, one ALIVE master +
# STANDBYs, every worker ALIVE with the configured memory and cores.
# Last stdout line: "shell-deploy: no changes" or "shell-deploy: changed ...".
set -euo pipefail
CONF=$(realpath "$1")
HERE=$(dirname "$(realpath "${BASH_SOURCE[0]}")")
WAIT=$HERE/lib/wait.sh
: "${SPARK_TAR:?}" "${ZK_TGZ:?}" "${SSH_CONFIG:?}"
SSH=(ssh -F "$SSH_CONFIG")

SPARK_DIR=$(basename "$SPARK_TAR"); SPARK_DIR=${SPARK_DIR%.tar}; SPARK_DIR=${SPARK_DIR%.tgz}; SPARK_DIR=${SPARK_DIR%.tar.gz}
ZK_DIR=$(basename "$ZK_TGZ"); ZK_DIR=${ZK_DIR%.tar.gz}; ZK_DIR=${ZK_DIR%.tgz}; ZK_DIR=${ZK_DIR%.tar}
SPARK_HOME=/opt/spark/$SPARK_DIR
ZK_HOME=/opt/zookeeper/$ZK_DIR
MASTER_CLS=org.apache.spark.deploy.master.Master
WORKER_CLS=org.apache.spark.deploy.worker.Worker
PIDF_MASTER=/opt/spark/run/spark-sparkctl-$MASTER_CLS-1.pid
PIDF_WORKER=/opt/spark/run/spark-sparkctl-$WORKER_CLS-1.pid
PIDF_ZK=/var/lib/zookeeper/zookeeper_server.pid

dest_of() {  # where a config file goes on the host
    case $1 in
        spark-env.sh|spark-defaults.conf|workers) echo "$SPARK_HOME/conf/$1" ;;
        zoo.cfg|java.env) echo "$ZK_HOME/conf/$1" ;;
        myid) echo /var/lib/zookeeper/myid ;;
        *) echo "shell-deploy: unknown file $1" >&2; exit 2 ;;
    esac
}

declare -A IP ROLES
NAMES=()
while read -r n ip roles; do
    [ -n "$n" ] || continue
    NAMES+=("$n"); IP[$n]=$ip; ROLES[$n]=",$roles,"
done <"$CONF/inventory.txt"
has() { [[ ${ROLES[$1]} == *",$2,"* ]]; }
ips_with() { local n; for n in "${NAMES[@]}"; do if has "$n" "$1"; then printf '%s ' "${IP[$n]}"; fi; done; }
ZK_IPS=$(ips_with zookeeper); MASTER_IPS=$(ips_with master)
MASTER_URL=spark://$(for ip in $MASTER_IPS; do printf '%s:7077,' "$ip"; done); MASTER_URL=${MASTER_URL%,}
N_WORKERS=$(for n in "${NAMES[@]}"; do if has "$n" worker; then echo; fi; done | wc -l)
first=${NAMES[0]}
mem_of() {  # SPARK_WORKER_MEMORY of a host, in MiB
    local v; v=$(sed -n 's/^export SPARK_WORKER_MEMORY=//p' "$CONF/$1/spark-env.sh")
    case $v in *g) echo $(( ${v%g} * 1024 )) ;; *m) echo "${v%m}" ;; *) echo "$v" ;; esac
}
cores_of() { sed -n 's/^export SPARK_WORKER_CORES=//p' "$CONF/$1/spark-env.sh"; }
MEM=$(mem_of "$first"); CORES=$(cores_of "$first")

running_test() {  # sh snippet: is the daemon of pid file $1 (class $2) running?
    printf 'p=$(cat %s 2>/dev/null); [ -n "$p" ] && [ -r /proc/$p/cmdline ] && tr "\\0" " " < /proc/$p/cmdline | grep -q %s' "$1" "$2"
}
start_zk="cd /opt/zookeeper/current && export ZOOCFGDIR=/opt/zookeeper/current/conf ZOO_LOG_DIR=/opt/zookeeper/logs && mkdir -p \"\$ZOO_LOG_DIR\" && bin/zkServer.sh start"
start_master() { echo "cd /opt/spark/current && sbin/spark-daemon.sh start $MASTER_CLS 1 --host $1 --port 7077 --webui-port 8080"; }
start_worker="cd /opt/spark/current && sbin/spark-daemon.sh start $WORKER_CLS 1 --webui-port 8081 $MASTER_URL"
RT_WORKER=$(running_test "$PIDF_WORKER" "$WORKER_CLS")
stop_worker="cd /opt/spark/current && sbin/spark-daemon.sh stop $WORKER_CLS 1 >/dev/null; i=0; while $RT_WORKER && [ \$i -lt 150 ]; do sleep 0.2; i=\$((i+1)); done; if $RT_WORKER; then kill -9 \$p; sleep 0.3; fi; rm -f $PIDF_WORKER"

WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
T0=$EPOCHREALTIME
phase() { awk -v a="$T0" -v b="$EPOCHREALTIME" -v p="$1" 'BEGIN { printf "shell-deploy: [%6.2fs] %s\n", b - a, p }' >&2; }

# 1. Probe every host (one round trip each, in parallel).
probe() {
    local n=$1 f list=""
    for f in "$CONF/$n"/*; do list+=" $(dest_of "$(basename "$f")")"; done
    "${SSH[@]}" "$n" "
        [ -f $SPARK_HOME/sbin/spark-daemon.sh ] && echo SPARK
        [ -f $ZK_HOME/bin/zkServer.sh ] && echo ZK
        for f in $list; do [ -f \"\$f\" ] && echo \"F \$f \$(sha256sum < \"\$f\" | cut -c1-64)\"; done
        $(running_test $PIDF_ZK QuorumPeerMain) && echo RUN zookeeper
        $(running_test "$PIDF_MASTER" "$MASTER_CLS") && echo RUN master
        $(running_test "$PIDF_WORKER" "$WORKER_CLS") && echo RUN worker
        true" >"$WORK/$n.probe" </dev/null
}
pids=()
for n in "${NAMES[@]}"; do probe "$n" & pids+=($!); done
for p in "${pids[@]}"; do wait "$p"; done

# 2. Files, every host in parallel: missing trees streamed into tar x, changed
#    config files in one tar stream, the `current` links.
files() {
    local n=$1 f dest want have changed=()
    if ! grep -qx SPARK "$WORK/$n.probe"; then
        "${SSH[@]}" "$n" "mkdir -p /opt/spark && tar -xf - -C /opt/spark --no-same-owner && mkdir -p $SPARK_HOME/conf" <"$SPARK_TAR"
        echo "upload-spark" >>"$WORK/$n.changes"
    fi
    if has "$n" zookeeper && ! grep -qx ZK "$WORK/$n.probe"; then
        "${SSH[@]}" "$n" "mkdir -p /opt/zookeeper && tar -xzf - -C /opt/zookeeper --no-same-owner" <"$ZK_TGZ"
        echo "upload-zookeeper" >>"$WORK/$n.changes"
    fi
    mkdir -p "$WORK/stage/$n"
    for f in "$CONF/$n"/*; do
        dest=$(dest_of "$(basename "$f")")
        want=$(sha256sum <"$f" | cut -c1-64)
        have=$(awk -v d="$dest" '$1 == "F" && $2 == d {print $3}' "$WORK/$n.probe")
        if [ "$want" != "$have" ]; then
            mkdir -p "$WORK/stage/$n$(dirname "$dest")"
            cp "$f" "$WORK/stage/$n$dest"
            changed+=("$(basename "$f")")
        fi
    done
    local links="ln -sfn $SPARK_DIR /opt/spark/current"
    has "$n" zookeeper && links+=" && ln -sfn $ZK_DIR /opt/zookeeper/current"
    if [ ${#changed[@]} -gt 0 ]; then
        tar -cf - -C "$WORK/stage/$n" . | "${SSH[@]}" "$n" "tar -xf - -C / --no-same-owner --no-overwrite-dir && $links"
        echo "write ${changed[*]}" >>"$WORK/$n.changes"
    elif grep -q upload "$WORK/$n.changes" 2>/dev/null; then
        "${SSH[@]}" "$n" "$links" </dev/null
    fi
    printf '%s\n' "${changed[@]}" >"$WORK/$n.changed-files"
}
pids=()
for n in "${NAMES[@]}"; do files "$n" & pids+=($!); done
for p in "${pids[@]}"; do wait "$p"; done
phase "files done"

if [ "${SHELL_FILES_ONLY:-}" = 1 ]; then  # file-level steps only (scenario 6b)
    for n in "${NAMES[@]}"; do [ -s "$WORK/$n.changes" ] && echo "$n: $(paste -sd, "$WORK/$n.changes")"; done
    if cat "$WORK"/*.changes >/dev/null 2>&1; then echo "shell-deploy: changed"; else echo "shell-deploy: no changes"; fi
    exit 0
fi

running() { grep -qx "RUN $2" "$WORK/$1.probe"; }
start_on() {  # start_on ROLE: start where the role's daemon is not running, in parallel
    local role=$1 n pids=()
    for n in "${NAMES[@]}"; do
        has "$n" "$role" || continue
        running "$n" "$role" && continue
        case $role in
            zookeeper) cmd=$start_zk ;;
            master) cmd=$(start_master "${IP[$n]}") ;;
            worker) cmd=$start_worker ;;
        esac
        "${SSH[@]}" "$n" "$cmd" </dev/null >/dev/null &
        pids+=($!)
        echo "start $role" >>"$WORK/$n.changes"
    done
    for p in "${pids[@]}"; do wait "$p"; done
}

# 3. ZooKeeper -> quorum; masters -> one ALIVE, the rest STANDBY; workers.
# shellcheck disable=SC2086
{
    start_on zookeeper
    "$WAIT" zk $ZK_IPS
    phase "zookeeper quorum"
    start_on master
    "$WAIT" masters $MASTER_IPS
    phase "masters settled"
    start_on worker
    # Running workers whose spark-env.sh changed: one at a time, each
    # re-registered (with the new settings) before the next.
    for n in "${NAMES[@]}"; do
        has "$n" worker && running "$n" worker && grep -qx spark-env.sh "$WORK/$n.changed-files" || continue
        "${SSH[@]}" "$n" "$stop_worker; $start_worker" </dev/null >/dev/null
        "$WAIT" worker "${IP[$n]}" "$(mem_of "$n")" "$(cores_of "$n")" $MASTER_IPS
        echo "restart worker" >>"$WORK/$n.changes"
    done
    "$WAIT" workers "$N_WORKERS" "$MEM" "$CORES" $MASTER_IPS
    phase "workers registered"
}

summary() {
    local n s=""
    for n in "${NAMES[@]}"; do
        [ -s "$WORK/$n.changes" ] && s+=" $n: $(paste -sd, "$WORK/$n.changes");"
    done
    if [ -z "$s" ]; then echo "shell-deploy: no changes"; else echo "shell-deploy: changed$s"; fi
}
summary
