#!/usr/bin/env bash
# wait.sh — poll the cluster from the operator's machine until it is in the
# wanted state; shared by the shell, Ansible and pyinfra deploys so that all
# three wait the same way (same probes, same poll intervals as sparkctl:
# 0.3 s for ZooKeeper and masters, 0.5 s for workers).
#
#   wait.sh zk IP...                         every server leader|follower, exactly one leader
#   wait.sh masters IP...                    exactly one ALIVE master, every other STANDBY
#   wait.sh workers N MEM_MIB CORES IP...    the ALIVE master lists N workers ALIVE with MEM_MIB/CORES
#   wait.sh worker HOST_IP MEM_MIB CORES IP...   that one worker ALIVE with MEM_MIB/CORES
#
# IP... are the ZooKeeper servers (port 2181) or masters (UI port 8080).
# Exits 1 after $WAIT_TIMEOUT seconds (default 120). Needs bash, curl, jq.
set -euo pipefail
TIMEOUT=${WAIT_TIMEOUT:-120}
mode=$1; shift
deadline=$(( ${EPOCHSECONDS} + TIMEOUT ))

srvr() {  # mode of one ZooKeeper server, or "down"
    local out
    out=$(timeout 1.5 bash -c 'exec 3<>/dev/tcp/$0/2181 && echo srvr >&3 && cat <&3' "$1" 2>/dev/null) || { echo down; return; }
    sed -n 's/^Mode: *//p' <<<"$out" | head -n 1 | grep . || echo down
}
master_json() { curl -fsS -m 1.5 "http://$1:8080/json/" 2>/dev/null || true; }
alive_json() {  # /json/ of the ALIVE master, empty if none
    local ip j
    for ip; do
        j=$(master_json "$ip")
        if [ "$(jq -r '.status // empty' <<<"$j" 2>/dev/null)" = ALIVE ]; then printf '%s' "$j"; return; fi
    done
}

check() {
    case $mode in
    zk)
        local leaders=0 ip m
        for ip; do
            m=$(srvr "$ip")
            case $m in leader) leaders=$((leaders + 1)) ;; follower) ;; *) return 1 ;; esac
        done
        [ "$leaders" = 1 ] ;;
    masters)
        local alive=0 standby=0 ip s
        for ip; do
            s=$(jq -r '.status // empty' <<<"$(master_json "$ip")" 2>/dev/null || true)
            case $s in ALIVE) alive=$((alive + 1)) ;; STANDBY) standby=$((standby + 1)) ;; esac
        done
        [ "$alive" = 1 ] && [ $((alive + standby)) = $# ] ;;
    workers)
        local n=$1 mem=$2 cores=$3; shift 3
        local j; j=$(alive_json "$@"); [ -n "$j" ] || return 1
        [ "$(jq --argjson m "$mem" --argjson c "$cores" '[.workers[] | select(.state == "ALIVE" and .memory == $m and .cores == $c)] | length' <<<"$j")" = "$n" ] ;;
    worker)
        local host=$1 mem=$2 cores=$3; shift 3
        local j; j=$(alive_json "$@"); [ -n "$j" ] || return 1
        [ "$(jq --arg h "$host" --argjson m "$mem" --argjson c "$cores" '[.workers[] | select(.host == $h and .state == "ALIVE" and .memory == $m and .cores == $c)] | length' <<<"$j")" -ge 1 ] ;;
    *) echo "wait.sh: unknown mode $mode" >&2; exit 2 ;;
    esac
}

case $mode in workers|worker) interval=0.5 ;; *) interval=0.3 ;; esac
until check "$@"; do
    if [ "$EPOCHSECONDS" -ge "$deadline" ]; then
        echo "wait.sh: $mode not reached within ${TIMEOUT}s ($*)" >&2
        exit 1
    fi
    sleep "$interval"
done
