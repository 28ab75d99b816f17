#!/usr/bin/env bash
# shell-status.sh — the hand-written equivalent of `sparkctl status`: ask every
# ZooKeeper server `srvr` and every master its /json/ (in parallel), print one
# line per daemon and a verdict; exit 0 healthy, 3 degraded, 4 down.
#
#   shell-status.sh CONF_DIR        (CONF_DIR/inventory.txt as for shell-deploy.sh)
set -uo pipefail
CONF=$1
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
while read -r n ip roles; do
    [[ ,$roles, == *,zookeeper,* ]] && { timeout 1.5 bash -c 'exec 3<>/dev/tcp/$0/2181 && echo srvr >&3 && cat <&3' "$ip" >"$out/zk.$n" 2>/dev/null & }
    [[ ,$roles, == *,master,* ]] && { curl -fsS -m 1.5 "http://$ip:8080/json/" >"$out/m.$n" 2>/dev/null & }
done <"$CONF/inventory.txt"
wait
leaders=0 zk_ok=0 zk_n=0 alive=0 standby=0 m_n=0 workers=0 expected=0
while read -r n ip roles; do
    if [[ ,$roles, == *,zookeeper,* ]]; then
        zk_n=$((zk_n + 1))
        mode=$(sed -n 's/^Mode: *//p' "$out/zk.$n" 2>/dev/null); mode=${mode:-down}
        [ "$mode" = leader ] && leaders=$((leaders + 1))
        case $mode in leader|follower) zk_ok=$((zk_ok + 1)) ;; esac
        printf '%-6s zookeeper  %s\n' "$n" "$mode"
    fi
    if [[ ,$roles, == *,master,* ]]; then
        m_n=$((m_n + 1))
        st=$(jq -r '.status // "down"' "$out/m.$n" 2>/dev/null); st=${st:-down}
        case $st in
            ALIVE) alive=$((alive + 1)); workers=$(jq '[.workers[] | select(.state == "ALIVE")] | length' "$out/m.$n") ;;
            STANDBY) standby=$((standby + 1)) ;;
        esac
        printf '%-6s master     %s\n' "$n" "$st"
    fi
    [[ ,$roles, == *,worker,* ]] && expected=$((expected + 1))
done <"$CONF/inventory.txt"
echo "workers ALIVE: $workers/$expected"
if [ "$alive" != 1 ] || [ "$leaders" != 1 ] || [ $((zk_ok * 2)) -le "$zk_n" ]; then echo DOWN; exit 4; fi
if [ "$zk_ok" != "$zk_n" ] || [ $((alive + standby)) != "$m_n" ] || [ "$workers" != "$expected" ]; then echo DEGRADED; exit 3; fi
echo HEALTHY
