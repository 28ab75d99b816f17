#!/usr/bin/env bash
# shell-rolling.sh — the hand-written baseline for `sparkctl restart
# --rolling`: restart every daemon of the running HA cluster without losing
# the ZooKeeper quorum or the ALIVE master for more than one failover, with
# the distributions' own scripts (zkServer.sh, sbin/spark-daemon.sh, run from
# the `current` links) as a user would, and the same probes and waits as
# shell-deploy.sh (lib/wait.sh, from the operator's machine).
#
#   shell-rolling.sh CONF_DIR
#
# CONF_DIR/inventory.txt  one line per host: "<ssh name> <address> <roles,comma,separated>"
# CONF_DIR/<name>/spark-env.sh   read for the workers' memory and cores (what a
#                         restarted worker must register with again)
# Environment: SSH_CONFIG (an ssh_config; bench/run.sh gives one with
# ControlMaster so each host costs one connection), SHELL_ROLL_ZOOKEEPER=0 to
# leave ZooKeeper running (a Spark upgrade: scenario 10 runs this after
# shell-deploy.sh's file steps, as sparkctl's upgrade restarts only Spark).
#
# Order, as sparkctl's:
# 1. ZooKeeper one server at a time, the followers first and the leader last
#    (one leader election in total), each waited for until every server is
#    leader or follower again (`srvr`). Spark's masters exit when the
#    ZooKeeper server they are connected to goes away (their connection is
#    suspended and the leader latch gives up); after each server, 2 s later
#    (the pause sparkctl takes too), the masters that exited are started
#    again and the masters waited for (one ALIVE, the rest STANDBY). A master
#    started again this way runs the files on disk, so step 2 skips it.
# 2. Masters: the STANDBY ones first, the ALIVE one last (one failover),
#    each waited for until one is ALIVE and the others STANDBY.
# 3. Workers one at a time, each registered again with its memory and cores
#    before the next.
# It ends by waiting for every worker ALIVE. Last stdout line:
# "shell-rolling: restarted <daemons>".
set -euo pipefail
CONF=$(realpath "$1")
HERE=$(dirname "$(realpath "${BASH_SOURCE[0]}")")
WAIT=$HERE/lib/wait.sh
: "${SSH_CONFIG:?}"
SSH=(ssh -F "$SSH_CONFIG")
ROLL_ZK=${SHELL_ROLL_ZOOKEEPER:-1}

MASTER_CLS=org.apache.spark.deploy.master.Master
WORKER_CLS=org.apache.spark.deploy.worker.Worker
PIDF_MASTER=/opt/spark/run/spark-sparkctl-$MASTER_CLS-1.pid
PIDF_WORKER=/opt/spark/run/spark-sparkctl-$WORKER_CLS-1.pid
PIDF_ZK=/var/lib/zookeeper/zookeeper_server.pid

declare -A IP ROLES
NAMES=()
while read -r n ip roles; do
    [ -n "$n" ] || continue
    NAMES+=("$n"); IP[$n]=$ip; ROLES[$n]=",$roles,"
done <"$CONF/inventory.txt"
has() { [[ ${ROLES[$1]} == *",$2,"* ]]; }
hosts_with() { local n; for n in "${NAMES[@]}"; do if has "$n" "$1"; then printf '%s ' "$n"; fi; done; }
ips_with() { local n; for n in "${NAMES[@]}"; do if has "$n" "$1"; then printf '%s ' "${IP[$n]}"; fi; done; }
ZK_IPS=$(ips_with zookeeper); MASTER_IPS=$(ips_with master)
MASTER_URL=spark://$(for ip in $MASTER_IPS; do printf '%s:7077,' "$ip"; done); MASTER_URL=${MASTER_URL%,}
N_WORKERS=$(for n in "${NAMES[@]}"; do if has "$n" worker; then echo; fi; done | wc -l)
mem_of() {  # SPARK_WORKER_MEMORY of a host, in MiB
    local v; v=$(sed -n 's/^export SPARK_WORKER_MEMORY=//p' "$CONF/$1/spark-env.sh")
    case $v in *g) echo $(( ${v%g} * 1024 )) ;; *m) echo "${v%m}" ;; *) echo "$v" ;; esac
}
cores_of() { sed -n 's/^export SPARK_WORKER_CORES=//p' "$CONF/$1/spark-env.sh"; }
first_worker=$(hosts_with worker); first_worker=${first_worker%% *}
MEM=$(mem_of "$first_worker"); CORES=$(cores_of "$first_worker")

# The distributions' stop scripts do not wait: spark-daemon.sh stop sends
# SIGTERM and returns, zkServer.sh stop sends SIGTERM, sleeps 1 s and
# returns. Starting again before the old JVM is gone fails on its ports, so
# every restart waits for the old pid to exit (30 s, then SIGKILL), as
# shell-deploy.sh's worker restart does. A zombie counts as gone (it holds
# no port; its parent may reap it late).
alive='[ -n "$p" ] && [ -d /proc/$p ] && ! grep -qs "^State:[[:space:]]*[ZX]" /proc/$p/status'
wait_gone="i=0; while $alive && [ \$i -lt 150 ]; do sleep 0.2; i=\$((i+1)); done; if $alive; then kill -9 \$p; sleep 0.3; fi"
zk_env="cd /opt/zookeeper/current && export ZOOCFGDIR=/opt/zookeeper/current/conf ZOO_LOG_DIR=/opt/zookeeper/logs && mkdir -p \"\$ZOO_LOG_DIR\""
restart_zk="p=\$(cat $PIDF_ZK 2>/dev/null); $zk_env && bin/zkServer.sh stop >/dev/null; $wait_gone; bin/zkServer.sh start >/dev/null"
start_master() { echo "cd /opt/spark/current && sbin/spark-daemon.sh start $MASTER_CLS 1 --host $1 --port 7077 --webui-port 8080 >/dev/null"; }
restart_master() { echo "p=\$(cat $PIDF_MASTER 2>/dev/null); cd /opt/spark/current && sbin/spark-daemon.sh stop $MASTER_CLS 1 >/dev/null; $wait_gone; $(start_master "$1")"; }
restart_worker="p=\$(cat $PIDF_WORKER 2>/dev/null); cd /opt/spark/current && sbin/spark-daemon.sh stop $WORKER_CLS 1 >/dev/null; $wait_gone; sbin/spark-daemon.sh start $WORKER_CLS 1 --webui-port 8081 $MASTER_URL >/dev/null"
# Start the master unless its pid file names a running Master; says REVIVED when it started one.
revive_master() {
    echo "p=\$(cat $PIDF_MASTER 2>/dev/null); if [ -n \"\$p\" ] && [ -r /proc/\$p/cmdline ] && tr '\\0' ' ' < /proc/\$p/cmdline | grep -q $MASTER_CLS; then exit 0; fi; $(start_master "$1") && echo REVIVED"
}

WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
T0=$EPOCHREALTIME
phase() { awk -v a="$T0" -v b="$EPOCHREALTIME" -v p="$1" 'BEGIN { printf "shell-rolling: [%6.2fs] %s\n", b - a, p }' >&2; }
DONE=()

# The same probes as lib/wait.sh: `srvr` on 2181, a master's /json/ status.
zk_mode() {
    timeout 1.5 bash -c 'exec 3<>/dev/tcp/$0/2181 && echo srvr >&3 && cat <&3' "$1" 2>/dev/null | sed -n 's/^Mode: *//p' | head -n 1
}
master_status() { curl -fsS -m 1.5 "http://$1:8080/json/" 2>/dev/null | jq -r '.status // empty' 2>/dev/null || true; }

# shellcheck disable=SC2086  # the *_IPS lists are meant to split
{
    # 1. ZooKeeper, followers first, the leader last.
    REVIVED=" "
    if [ "$ROLL_ZK" != 0 ]; then
        order=() leader=
        for n in $(hosts_with zookeeper); do
            if [ "$(zk_mode "${IP[$n]}")" = leader ]; then leader=$n; else order+=("$n"); fi
        done
        [ -n "$leader" ] && order+=("$leader")
        for n in "${order[@]}"; do
            "${SSH[@]}" "$n" "$restart_zk" </dev/null >/dev/null
            DONE+=("zookeeper@$n")
            "$WAIT" zk $ZK_IPS
            phase "zookeeper on $n back, quorum kept"
            # Give an exiting master the moment it takes, then start again
            # the ones that are gone, in parallel (as sparkctl does).
            sleep 2
            pids=()
            for m in $(hosts_with master); do
                "${SSH[@]}" "$m" "$(revive_master "${IP[$m]}")" </dev/null >"$WORK/revive.$m" &
                pids+=($!)
            done
            for p in "${pids[@]}"; do wait "$p" || { echo "shell-rolling: starting a master again failed (after zookeeper on $n)" >&2; exit 1; }; done
            for m in $(hosts_with master); do
                if [ "$(cat "$WORK/revive.$m")" = REVIVED ] && [[ $REVIVED != *" $m "* ]]; then
                    REVIVED+="$m "
                    DONE+=("master@$m(revived)")
                fi
            done
            "$WAIT" masters $MASTER_IPS
        done
        phase "zookeeper done; masters started again:${REVIVED% }"
    fi

    # 2. Masters: STANDBY first, ALIVE last; the ones just revived are skipped.
    standby=() alive=()
    for m in $(hosts_with master); do
        [[ $REVIVED == *" $m "* ]] && continue
        if [ "$(master_status "${IP[$m]}")" = ALIVE ]; then alive+=("$m"); else standby+=("$m"); fi
    done
    for m in "${standby[@]}" "${alive[@]}"; do
        "${SSH[@]}" "$m" "$(restart_master "${IP[$m]}")" </dev/null >/dev/null
        DONE+=("master@$m")
        "$WAIT" masters $MASTER_IPS
        phase "master on $m back, one ALIVE, the rest STANDBY"
    done

    # 3. Workers, one at a time. The restart waits for the old JVM to exit,
    # so the master has dropped its registration (the connection closed)
    # before the new one registers: "ALIVE on this host" is the new worker.
    for n in $(hosts_with worker); do
        "${SSH[@]}" "$n" "$restart_worker" </dev/null >/dev/null
        DONE+=("worker@$n")
        "$WAIT" worker "${IP[$n]}" "$(mem_of "$n")" "$(cores_of "$n")" $MASTER_IPS
        phase "worker on $n registered again"
    done
    "$WAIT" workers "$N_WORKERS" "$MEM" "$CORES" $MASTER_IPS
    phase "every worker registered"
}
echo "shell-rolling: restarted ${DONE[*]}"
