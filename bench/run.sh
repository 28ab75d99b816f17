#!/usr/bin/env bash
# bench/run.sh — sparkctl against a hand-written parallel shell deploy, tuned
# Ansible and pyinfra, on the lab (lab/lab), in one run. A benchmark, not a
# test: it prints numbers and whether sparkctl meets its targets; it exits 0
# whenever the benchmark itself ran (1 only if it could not run).
#
# Usage (root, from anywhere; the lab's hosts are shared, see below):
#
#   bench/run.sh
#
#   BENCH_REPS=3          repetitions per tool and scenario (default 3)
#   BENCH_GROWTH_REPS=1   repetitions at 8 and 16 hosts in scenario 6b (default 1)
#   BENCH_SCENARIOS=1,2,3,4,5,6,7,8,9,10 which scenarios to run (default all)
#   BENCH_DIST_RATE=1gbit the operator-link cap (tc tbf rate) in scenario 7
#   SPARKCTL=path         the sparkctl binary (default target/release/sparkctl,
#                         brought up to date with `cargo build --release` first)
#
# What it does: takes the lab mutex (flock /tmp/sparkctl-lab.flock) for the
# whole run, so no other test changes the hosts meanwhile; brings the lab up
# (`lab/lab build`, `lab/lab up 3`); cleans the hosts before every timed
# deploy (kills every JVM, removes /opt/spark /opt/zookeeper
# /var/lib/zookeeper/*); runs the scenarios (bench/README.md); and leaves the
# lab as `lab/lab up 3` with no JVM running. Ansible and pyinfra come from
# PyPI into /var/cache/sparkctl-lab/bench-venv (created on first use).
# Output: the machine, every tool's version, a table of medians (min-max) and
# ratios; the raw numbers go to bench/results/<timestamp>.txt.
# Scenarios 1-7 take about 16 minutes on a 2-core machine (971 s measured);
# 8-10 about 8 minutes at BENCH_REPS=2 (2, 3, 4, 8, 9 and 10 together: 743 s
# measured; 9 alone at BENCH_REPS=3: 300 s); plus whatever time it waits for
# the lab lock.
set -euo pipefail
HERE=$(dirname "$(realpath "${BASH_SOURCE[0]}")")
# shellcheck source=lib/common.sh
source "$HERE/lib/common.sh"

REPS=${BENCH_REPS:-3}
GROWTH_REPS=${BENCH_GROWTH_REPS:-1}
SCENARIOS=${BENCH_SCENARIOS:-1,2,3,4,5,6,7,8,9,10}
DIST_RATE=${BENCH_DIST_RATE:-1gbit}
SPARKCTL_SRC=${SPARKCTL:-$ROOT/target/release/sparkctl}
LOCK=/tmp/sparkctl-lab.flock
CHANGE_TIMEOUT=60   # scenario 5: a sparkctl run still going after this is stopped (shell needs ~11 s)

[ "$(id -u)" = 0 ] || die "needs root (the lab: network namespaces, mounts)"
[[ $REPS =~ ^[1-9][0-9]*$ ]] || die "BENCH_REPS must be a positive number"
want() { [[ ,$SCENARIOS, == *",$1,"* ]]; }

# ------------------------------------------------------------ preparation --
# Done before taking the lab lock: nothing here touches the lab hosts.
if [ -z "${BENCH_HAVE_LAB_LOCK:-}" ]; then
    for c in ssh flock curl jq python3 awk timeout; do
        command -v "$c" >/dev/null || die "missing command $c"
    done
    # Always bring the default binary up to date (a no-op when it is):
    # measuring a stale build once produced numbers of old code.
    if [ -z "${SPARKCTL:-}" ]; then
        log "cargo build --release (before any timing)"
        (cd "$ROOT" && cargo build --release --quiet)
    elif [ ! -x "$SPARKCTL_SRC" ]; then
        die "SPARKCTL=$SPARKCTL_SRC is not an executable"
    fi
    if [ ! -x "$VENV/bin/ansible-playbook" ] || [ ! -x "$VENV/bin/pyinfra" ]; then
        log "creating $VENV with ansible-core and pyinfra from PyPI"
        /usr/bin/python3 -m venv "$VENV"
        "$VENV/bin/pip" install -q ansible-core pyinfra
    fi
    log "waiting for the lab lock ($LOCK)"
    export BENCH_HAVE_LAB_LOCK=1
    exec flock "$LOCK" bash "$HERE/run.sh" "$@"
fi

# ------------------------------------------------ inside the lab lock ------
TS=$(date +%Y%m%d-%H%M%S)
mkdir -p "$BENCH/results"
RESULTS=$BENCH/results/$TS.txt
WORK=$(mktemp -d /tmp/sparkctl-bench.XXXXXX)
LOGS=$WORK/logs
mkdir -p "$LOGS" "$WORK/cm"
SC=$WORK/sparkctl            # a copy: a rebuild during the run cannot change it
cp "$SPARKCTL_SRC" "$SC"
T_START=$EPOCHREALTIME
: >"$RESULTS"

finish() {
    set +e
    local n
    # Scenario 7's link cap and mirror must never outlive the run.
    [ -n "${TC_SET:-}" ] && tc qdisc del dev sparklab0 root 2>/dev/null
    [ -n "${MIRROR_PID:-}" ] && kill "$MIRROR_PID" 2>/dev/null
    # Scenario 8's HTTP server and its download cache (two tarballs' worth).
    [ -n "${HTTP_PID:-}" ] && kill "$HTTP_PID" 2>/dev/null
    [ -n "${SAMPLER_PID:-}" ] && kill "$SAMPLER_PID" 2>/dev/null
    rm -rf "$WORK/url-cache"
    n=$(wc -l <"$LAB_STATE/hosts" 2>/dev/null || echo 0)
    if [ "${n:-0}" -gt 3 ]; then
        log "bringing the lab back to 3 hosts"
        "$LAB" down >/dev/null 2>&1; "$LAB" up 3 >/dev/null 2>&1
    fi
    clean_hosts >/dev/null 2>&1
    for d in "$WORK"/cm/*; do close_masters "$d"; done
    log "logs of every run: $LOGS (kept); raw numbers: $RESULTS"
}
trap finish EXIT

info() { printf 'INFO\t%s\t%s\n' "$1" "$2" >>"$RESULTS"; printf '%-22s %s\n' "$1:" "$2"; }
# record SCENARIO TOOL REP SECONDS STATUS [NOTE]
record() {
    printf 'RESULT\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "${6:-}" >>"$RESULTS"
    log "$(printf '%-18s %-16s rep %s: %7s s  %s %s' "$1" "$2" "$3" "$4" "$5" "${6:-}")"
}

# Time a command: sets SECS; returns the command's status.
SECS=0
timed() {
    local t0=$EPOCHREALTIME rc=0
    "$@" || rc=$?
    SECS=$(elapsed "$t0" "$EPOCHREALTIME")
    return $rc
}

# Prefix each line with the wall clock (for sparkctl's progress lines).
stamp_lines() { local l; while IFS= read -r l; do printf '%s %s\n' "$EPOCHREALTIME" "$l"; done; }

# --- the tools --------------------------------------------------------------
# Each takes a label (its logs are $LOGS/<label>.*) and returns the tool's
# exit status; no tool run may take longer than 10 minutes.
run_sparkctl() {
    local label=$1; shift
    echo "start $EPOCHREALTIME" >"$LOGS/$label.err"
    SPARKCTL_PLAIN=1 timeout -k 10 600 "$SC" "$@" 2>&1 1>"$LOGS/$label.out" | stamp_lines >>"$LOGS/$label.err"
    local rc=${PIPESTATUS[0]}
    return "$rc"
}
# A fresh, short control directory per run (unix socket paths are limited to
# 108 bytes, and ssh adds a 40-character hash plus a temporary suffix).
CM_N=0
new_cm() { CM_N=$((CM_N + 1)); CM=$WORK/cm/$CM_N; mkdir -p "$CM"; }
run_shell() {  # LABEL CONF_DIR [VAR=value...]
    local label=$1 conf=$2 cfg rc=0; shift 2
    new_cm
    cfg=$(shell_ssh_config "$CM")
    env SSH_CONFIG="$cfg" "$@" timeout -k 10 600 "$BENCH/shell-deploy.sh" "$conf" >"$LOGS/$label.out" 2>&1 || rc=$?
    close_masters "$CM"
    return $rc
}
run_ansible() {  # LABEL INVENTORY VARS_JSON [ansible-playbook args...]; PLAYBOOK=rolling.yml for another playbook
    local label=$1 inv=$2 vars=$3 rc=0; shift 3
    new_cm
    ANSIBLE_CONFIG=$BENCH/ansible/ansible.cfg ANSIBLE_SSH_CONTROL_PATH_DIR=$CM \
        ANSIBLE_FORKS=$(ansible_forks "$inv") \
        timeout -k 10 600 "$VENV/bin/ansible-playbook" -i "$inv" -e "@$vars" "$@" "$BENCH/ansible/${PLAYBOOK:-deploy.yml}" \
        >"$LOGS/$label.out" 2>&1 || rc=$?
    close_masters "$CM"
    return $rc
}
run_shell_rolling() {  # LABEL CONF_DIR [VAR=value...]
    local label=$1 conf=$2 cfg rc=0; shift 2
    new_cm
    cfg=$(shell_ssh_config "$CM")
    env SSH_CONFIG="$cfg" "$@" timeout -k 10 600 "$BENCH/shell-rolling.sh" "$conf" >"$LOGS/$label.out" 2>&1 || rc=$?
    close_masters "$CM"
    return $rc
}
ansible_forks() { local n; n=$(grep -c 'addr=' "$1"); echo $(( n > 10 ? n : 10 )); }
run_pyinfra() {  # LABEL INVENTORY CONF_DIR [FILES_ONLY=1]
    local label=$1 inv=$2 conf=$3 files_only=${4:-0}
    BENCH_CONF_DIR=$conf BENCH_SPARK_TAR=$SPARK_TAR BENCH_ZK_TGZ=$ZK_TGZ BENCH_WAIT_SH=$WAIT_SH \
        BENCH_FILES_ONLY=$files_only PYINFRA_PROGRESS=off \
        timeout -k 10 600 "$VENV/bin/pyinfra" -y "$inv" "$BENCH/pyinfra/deploy.py" >"$LOGS/$label.out" 2>&1
}

# --- did a run change nothing? ----------------------------------------------
nochange_sparkctl() {  # LABEL HOSTS: every host's summary line says "no changes"
    [ "$(grep -cE '^  [^ ]+ +no changes' "$LOGS/$1.out")" = "$2" ]
}
# The duration sparkctl printed ("Deployed cluster lab in 0.4 s"), or "?".
printed_secs() {
    sed -n 's/^Deployed cluster .* in \([0-9.]*\) s.*/\1/p' "$LOGS/$1.out" | tail -n 1 | grep . || echo '?'
}
nochange_shell() { tail -n 1 "$LOGS/$1.out" | grep -qx 'shell-deploy: no changes'; }
nochange_ansible() {
    awk '/PLAY RECAP/ {r = 1; next} r && /changed=/ {n++; if ($0 !~ /changed=0 /) bad = 1} END {exit !(n > 0 && !bad)}' "$LOGS/$1.out"
}
nochange_pyinfra() {  # no file/start/restart operation reports a success (= a change)
    awk '/--> Results:/ {r = 1; next}
         r && /^ +(file: |start |restart )/ {n++; if ($(NF-2) != "-") bad = 1}
         END {exit !(n > 0 && !bad)}' "$LOGS/$1.out"
}

# The cluster is healthy with workers of MEM_MIB (checked after every deploy
# by any tool, with the same probes; not timed).
healthy() {
    local mem=${1:-1024}
    WAIT_TIMEOUT=15 "$WAIT_SH" zk 10.213.37.11 10.213.37.12 10.213.37.13 &&
        WAIT_TIMEOUT=15 "$WAIT_SH" masters 10.213.37.11 10.213.37.12 &&
        WAIT_TIMEOUT=15 "$WAIT_SH" workers 3 "$mem" 2 10.213.37.11 10.213.37.12
}

# sparkctl's upload phase from its progress lines (wall clock of arrival):
# first "upload spark-" line to the last "unpack spark-" line.
upload_phase() {
    awk '/ upload spark-/ && !a {a = $1} / unpack spark-/ {b = $1} END {if (a && b) printf "%.3f", b - a; else exit 1}' "$LOGS/$1.err"
}

# Parallel raw upload, the floor of scenario 1.
upload_floor() {
    local h pids=()
    for h in hosta hostb hostc; do
        ssh -F "$LAB_SSH_CONFIG" "$h" 'cat > /tmp/f' <"$SPARK_TAR" &
        pids+=($!)
    done
    for h in "${pids[@]}"; do wait "$h" || return 1; done
}
rm_floor_files() { local h; for h in hosta hostb hostc; do ssh -F "$LAB_SSH_CONFIG" "$h" 'rm -f /tmp/f' </dev/null; done; }

# Config files on the hosts are byte for byte the conf dir the peers use.
same_files_as() {
    local conf=$1 h f dest remote local_
    for h in hosta hostb hostc; do
        for f in "$conf/$h"/*; do
            case ${f##*/} in
                spark-env.sh|spark-defaults.conf|workers) dest=/opt/spark/current/conf/${f##*/} ;;
                zoo.cfg|java.env) dest=/opt/zookeeper/current/conf/${f##*/} ;;
                myid) dest=/var/lib/zookeeper/myid ;;
            esac
            remote=$(ssh -F "$LAB_SSH_CONFIG" "$h" "sha256sum < $dest" </dev/null | cut -c1-64)
            local_=$(sha256sum <"$f" | cut -c1-64)
            [ "$remote" = "$local_" ] || { echo "$h:$dest differs"; return 1; }
        done
    done
}

# =========================================================== the machine ==
echo "== sparkctl benchmark $TS (reps $REPS) =="
info machine "$(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo) RAM, kernel $(uname -r)"
info os "$(. /etc/os-release && echo "$PRETTY_NAME")"
info sparkctl "$("$SC" --version), binary built $(date -r "$SPARKCTL_SRC" '+%F %T'); repo at $(git -C "$ROOT" log -1 --format='%h (%ad)' --date='format:%F %T' 2>/dev/null || echo ?), $(git -C "$ROOT" status --porcelain -- src Cargo.toml Cargo.lock templates 2>/dev/null | grep -c . || true) uncommitted source paths, $(find "$ROOT/src" "$ROOT/templates" "$ROOT/Cargo.toml" -newer "$SPARKCTL_SRC" 2>/dev/null | grep -c . || true) source files newer than the binary"
info rustc "$(rustc --version 2>/dev/null || echo '?')"
info openssh "$(ssh -V 2>&1)"
info ansible "$("$VENV/bin/ansible" --version | head -n 1) ($("$VENV/bin/python" --version))"
info pyinfra "$("$VENV/bin/pyinfra" --version 2>&1 | head -n 1), paramiko $("$VENV/bin/python" -c 'import paramiko; print(paramiko.__version__)')"
info bash "$(bash --version | head -n 1)"
info tar "$(tar --version | head -n 1)"
info coreutils "$(sha256sum --version | head -n 1)"
info curl "$(curl --version | head -n 1 | cut -d' ' -f1-2), $(jq --version)"
info java "$(java -version 2>&1 | head -n 1)"
info load-at-start "$(cut -d' ' -f1-3 /proc/loadavg) (the lab lock serialises lab use, not the machine's CPUs)"
info tarball "$SPARK_TAR ($(( $(stat -c %s "$SPARK_TAR") / 1048576 )) MiB), $ZK_TGZ ($(( $(stat -c %s "$ZK_TGZ") / 1048576 )) MiB)"

log "lab build + lab up 3"
"$LAB" build >/dev/null
"$LAB" up 3 >/dev/null
n=$(wc -l <"$LAB_STATE/hosts")
if [ "$n" -gt 3 ]; then "$LAB" down >/dev/null; "$LAB" up 3 >/dev/null; fi

# Conf dirs and inventories for the peers (3 hosts).
make_lab_conf "$WORK/conf-1g" 1g
make_lab_conf "$WORK/conf-900m" 900m
ansible_inventory "$WORK/conf-1g" "$WORK/ansible-3.ini"
ansible_vars "$WORK/conf-1g" 1024 "$WORK/ansible-1g.json"
ansible_vars "$WORK/conf-900m" 900 "$WORK/ansible-900m.json"
pyinfra_inventory "$WORK/conf-1g" "$WORK/pyinfra-3.py"
INV_900=$WORK/lab-900m.toml
sed 's/^worker_memory = .*/worker_memory = "900m"/' "$INV_LAB" >"$INV_900"
grep -q '^worker_memory = "900m"' "$INV_900" || die "could not make the 900m inventory"

deploy_with() {  # TOOL LABEL MEM(1g|900m): a full deploy by one tool
    local tool=$1 label=$2 mem=$3 inv=$INV_LAB
    if [ "$mem" = 900m ]; then inv=$INV_900; fi
    case $tool in
        sparkctl) run_sparkctl "$label" deploy "$inv" ;;
        sparkctl-batch3) run_sparkctl "$label" deploy "$inv" --batch 3 ;;
        shell) run_shell "$label" "$WORK/conf-$mem" ;;
        ansible) run_ansible "$label" "$WORK/ansible-3.ini" "$WORK/ansible-$mem.json" ;;
        pyinfra) run_pyinfra "$label" "$WORK/pyinfra-3.py" "$WORK/conf-$mem" ;;
    esac
}

# ============================================= 1 + 2: upload and fresh deploy
if want 1 || want 2; then
    echo "== 1: upload floor vs sparkctl's upload phase; 2: fresh HA deploy =="
    for rep in $(seq "$REPS"); do
        if want 1; then
            clean_hosts
            if timed upload_floor; then record 1-upload shell "$rep" "$SECS" ok "raw parallel ssh cat"; else record 1-upload shell "$rep" "$SECS" fail; fi
            rm_floor_files
        fi
        tools="sparkctl"
        want 2 && tools="shell ansible pyinfra sparkctl"   # sparkctl last: scenario 3 starts from its deploy
        for tool in $tools; do
            clean_hosts
            label=s2-$tool-$rep
            if ! want 2; then  # scenario 1 alone: sparkctl's file steps only
                timed run_sparkctl "$label" deploy "$INV_LAB" --files-only || true
            elif timed deploy_with "$tool" "$label" 1g && healthy 1024; then
                record 2-fresh "$tool" "$rep" "$SECS" ok
            else
                record 2-fresh "$tool" "$rep" "$SECS" fail "see $LOGS/$label.out"
            fi
            if [ "$tool" = sparkctl ] && want 1; then
                if up=$(upload_phase "$label"); then record 1-upload sparkctl "$rep" "$up" ok "first 'upload spark' to last 'unpack spark' line"; else record 1-upload sparkctl "$rep" 0 fail "no upload lines"; fi
            fi
        done
    done
    if want 2; then
        if diff_=$(same_files_as "$WORK/conf-1g"); then
            info note-files "config files written by sparkctl are byte-identical to the ones shell/Ansible/pyinfra install (tests/golden/lab)"
        else
            info note-files "WARNING: sparkctl's config files differ from the peers' ($diff_)"
        fi
    fi
fi

# A running cluster deployed by sparkctl (for scenarios 3, 4, 5 run without 2).
ensure_deployed() {
    log "deploying with sparkctl (untimed) for scenario $1"
    clean_hosts
    run_sparkctl "setup-$1" deploy "$INV_LAB" || die "sparkctl deploy failed: $LOGS/setup-$1.out"
}

# ==================================================== 3: no-op re-deploy
if want 3; then
    echo "== 3: no-op re-deploy (everything installed and running) =="
    want 2 || ensure_deployed 3
    for rep in $(seq "$REPS"); do
        for tool in sparkctl shell ansible pyinfra; do
            label=s3-$tool-$rep
            if ! timed deploy_with "$tool" "$label" 1g; then
                record 3-noop "$tool" "$rep" "$SECS" fail "see $LOGS/$label.out"
            elif case $tool in sparkctl) nochange_sparkctl "$label" 3 ;; *) "nochange_$tool" "$label" ;; esac; then
                if [ "$tool" = sparkctl ]; then record 3-noop "$tool" "$rep" "$SECS" ok "wall time; sparkctl printed $(printed_secs "$label") s"; else record 3-noop "$tool" "$rep" "$SECS" ok; fi
            else
                record 3-noop "$tool" "$rep" "$SECS" changed "reported changes: $LOGS/$label.out"
            fi
        done
    done
fi

# ============================================================ 4: status
if want 4; then
    echo "== 4: status =="
    want 2 || want 3 || ensure_deployed 4
    for rep in $(seq "$REPS"); do
        if timed "$SC" status "$INV_LAB" >"$LOGS/s4-sparkctl-$rep.out" 2>&1 && grep -q HEALTHY "$LOGS/s4-sparkctl-$rep.out"; then
            record 4-status sparkctl "$rep" "$SECS" ok
        else
            record 4-status sparkctl "$rep" "$SECS" fail "see $LOGS/s4-sparkctl-$rep.out"
        fi
        if timed "$BENCH/shell-status.sh" "$WORK/conf-1g" >"$LOGS/s4-shell-$rep.out" 2>&1; then
            record 4-status shell "$rep" "$SECS" ok "srvr x3 + curl /json/ x2, in parallel"
        else
            record 4-status shell "$rep" "$SECS" fail
        fi
    done
fi

# ================================================= 5: one config change
if want 5; then
    echo "== 5: worker_memory 1g <-> 900m, rolling restart of the workers =="
    want 2 || want 3 || want 4 || ensure_deployed 5
    # Every run is a real change: the target alternates 900m, 1g, 900m, ...
    # from whatever the previous run (of any tool) left.
    k=0
    next_mem() { k=$((k + 1)); if [ $((k % 2)) = 1 ]; then MEM=900m; MIB=900; else MEM=1g; MIB=1024; fi; }
    # sparkctl as a user would run it; if that fails, --batch 3 (every
    # worker at once) is measured instead and reported on its own row.
    next_mem
    label=s5-sparkctl-1
    inv=$INV_LAB; if [ $MEM = 900m ]; then inv=$INV_900; fi
    t0=$EPOCHREALTIME
    if timeout -k 10 -s INT "$CHANGE_TIMEOUT" "$SC" deploy "$inv" >"$LOGS/$label.out" 2>&1 && healthy "$MIB"; then
        record 5-change sparkctl 1 "$(elapsed "$t0" "$EPOCHREALTIME")" ok
        for rep in $(seq 2 "$REPS"); do
            next_mem; label=s5-sparkctl-$rep
            if timed deploy_with sparkctl "$label" "$MEM" && healthy "$MIB"; then record 5-change sparkctl "$rep" "$SECS" ok; else record 5-change sparkctl "$rep" "$SECS" fail "see $LOGS/$label.out"; fi
        done
    else
        secs=$(elapsed "$t0" "$EPOCHREALTIME")
        why=$(grep -m1 -E '^error' "$LOGS/$label.out" || true)
        last=$(grep -E '^\[' "$LOGS/$label.out" | tail -n 1 || true)
        record 5-change sparkctl 1 "$secs" fail "${why:-still running after ${CHANGE_TIMEOUT} s, stopped with SIGINT; last progress line: $last}; log: $LOGS/$label.out"
        for rep in $(seq "$REPS"); do
            next_mem; label=s5-sparkctl-batch3-$rep
            if timed deploy_with sparkctl-batch3 "$label" "$MEM" && healthy "$MIB"; then
                record 5-change-batch3 sparkctl "$rep" "$SECS" ok "--batch 3"
            else
                record 5-change-batch3 sparkctl "$rep" "$SECS" fail "see $LOGS/$label.out"
            fi
        done
    fi
    for tool in shell ansible pyinfra; do
        for rep in $(seq "$REPS"); do
            next_mem; label=s5-$tool-$rep
            if timed deploy_with "$tool" "$label" "$MEM" && healthy "$MIB"; then
                record 5-change "$tool" "$rep" "$SECS" ok "to $MEM"
                # The peers' rows under the batch-3 label too, for the ratios.
                if grep -q $'\t5-change-batch3\t' "$RESULTS"; then record 5-change-batch3 "$tool" "$rep" "$SECS" ok "to $MEM (same run)"; fi
            else
                record 5-change "$tool" "$rep" "$SECS" fail "see $LOGS/$label.out"
            fi
        done
    done
    log "restoring worker_memory 1g with sparkctl (untimed)"
    run_sparkctl s5-restore deploy "$INV_LAB" --batch 3 && healthy 1024 || log "WARNING: restore failed: $LOGS/s5-restore.out"
fi

# ================================================================ 6: 32 hosts
if want 6; then
    echo "== 6: 32 hosts (sshd only, no JVMs) =="
    clean_hosts
    "$LAB" up 32 >/dev/null
    mapfile -t H < <(lab_hosts)
    [ "${#H[@]}" -ge 32 ] || die "lab up 32 gave ${#H[@]} hosts"
    # Inventories of the first N hosts: one master+worker, the rest workers, no HA.
    make_inv() {
        local n=$1 i h roles
        mkdir -p "$WORK/c$n"
        : >"$WORK/c$n/inventory.txt"
        {
            printf '[cluster]\nname = "bench"\nha = "none"\n\n[ssh]\nconfig_file = "%s"\nuser = "root"\n\n' "$LAB_SSH_CONFIG"
            printf '[spark]\ntarball = "%s"\nworker_cores = 2\nworker_memory = "1g"\ndaemon_memory = "256m"\n' "$SPARK_TAR"
            for ((i = 0; i < n; i++)); do
                h=${H[$i]}
                if [ $i = 0 ]; then roles='["master", "worker"]'; else roles='["worker"]'; fi
                printf '\n[[host]]\nname = "%s"\naddress = "%s"\nroles = %s\n' "$h" "$(lab_ip "$h")" "$roles"
                if [ $i = 0 ]; then echo "$h $(lab_ip "$h") master,worker"; else echo "$h $(lab_ip "$h") worker"; fi >>"$WORK/c$n/inventory.txt"
            done
        } >"$WORK/inv$n.toml"
        ansible_inventory "$WORK/c$n" "$WORK/ansible-$n.ini"
        ansible_vars "$WORK/c$n" 1024 "$WORK/ansible-$n.json"
        pyinfra_inventory "$WORK/c$n" "$WORK/pyinfra-$n.py"
    }
    for n in 8 16 32; do make_inv $n; done

    # --- 6a: one command on every host --------------------------------------
    ssh_loop() {
        local h pids=()
        for h in "${H[@]:0:32}"; do ssh -F "$LAB_SSH_CONFIG" "$h" true </dev/null & pids+=($!); done
        for h in "${pids[@]}"; do wait "$h" || return 1; done
    }
    for rep in $(seq "$REPS"); do
        label=s6a-sparkctl-$rep
        if timed run_sparkctl "$label" deploy "$WORK/inv32.toml" --dry-run; then record 6a-fanout-32 sparkctl "$rep" "$SECS" ok "deploy --dry-run"; else record 6a-fanout-32 sparkctl "$rep" "$SECS" fail "see $LOGS/$label.out"; fi
        new_cm
        if timed env ANSIBLE_CONFIG="$BENCH/ansible/ansible.cfg" ANSIBLE_SSH_CONTROL_PATH_DIR="$CM" ANSIBLE_FORKS=32 \
            "$VENV/bin/ansible" all -i "$WORK/ansible-32.ini" -m command -a true >"$LOGS/s6a-ansible-$rep.out" 2>&1; then
            record 6a-fanout-32 ansible "$rep" "$SECS" ok "ansible all -m command -a true"
        else
            record 6a-fanout-32 ansible "$rep" "$SECS" fail
        fi
        close_masters "$CM"
        if timed "$VENV/bin/pyinfra" -y "$WORK/pyinfra-32.py" exec -- true >"$LOGS/s6a-pyinfra-$rep.out" 2>&1; then record 6a-fanout-32 pyinfra "$rep" "$SECS" ok "pyinfra exec -- true"; else record 6a-fanout-32 pyinfra "$rep" "$SECS" fail; fi
        if timed ssh_loop; then record 6a-fanout-32 shell "$rep" "$SECS" ok "parallel ssh host true"; else record 6a-fanout-32 shell "$rep" "$SECS" fail; fi
    done

    # --- 6b: no-op of the file-level steps ------------------------------------
    # Fetch the files sparkctl rendered for N hosts into the peers' conf dir.
    fetch_conf() {
        local n=$1 h i
        for ((i = 0; i < n; i++)); do
            h=${H[$i]}; mkdir -p "$WORK/c$n/$h"
            ssh -F "$LAB_SSH_CONFIG" "$h" 'cd /opt/spark/current/conf && tar -cf - spark-env.sh spark-defaults.conf $(ls workers 2>/dev/null)' </dev/null |
                tar -xf - -C "$WORK/c$n/$h" &
        done
        wait
    }
    noop_files_round() {  # N REP
        local n=$1 rep=$2 tool label ok
        for tool in sparkctl shell ansible pyinfra; do
            label=s6b-$n-$tool-$rep
            case $tool in
                sparkctl) timed run_sparkctl "$label" deploy "$WORK/inv$n.toml" --files-only ;;
                shell) timed run_shell "$label" "$WORK/c$n" SHELL_FILES_ONLY=1 ;;
                ansible) timed run_ansible "$label" "$WORK/ansible-$n.ini" "$WORK/ansible-$n.json" --tags files ;;
                pyinfra) timed run_pyinfra "$label" "$WORK/pyinfra-$n.py" "$WORK/c$n" 1 ;;
            esac && ok=1 || ok=0
            if [ $ok = 0 ]; then
                record "6b-noop-files-$n" "$tool" "$rep" "$SECS" fail "see $LOGS/$label.out"
            elif case $tool in sparkctl) nochange_sparkctl "$label" "$n" ;; *) "nochange_$tool" "$label" ;; esac; then
                record "6b-noop-files-$n" "$tool" "$rep" "$SECS" ok
            else
                record "6b-noop-files-$n" "$tool" "$rep" "$SECS" changed "reported changes: $LOGS/$label.out"
            fi
        done
    }
    log "6b: first sparkctl deploy --files-only on 32 hosts (untimed setup; uploads 32 x $(( $(stat -c %s "$SPARK_TAR") / 1048576 )) MiB)"
    if timed run_sparkctl s6b-setup-32 deploy "$WORK/inv32.toml" --files-only; then
        info note-6b-setup "first sparkctl --files-only on 32 empty hosts (upload + unpack + write): $SECS s"
        fetch_conf 32
        for rep in $(seq "$REPS"); do noop_files_round 32 "$rep"; done
        # Informational: the same no-op with a classic key exchange. OpenSSH
        # 9.2 defaults to sntrup761x25519 (post-quantum), ~0.1 s of client
        # CPU per connection here, which dominates 32 handshakes on 2 cores.
        kexdir=$WORK/kex; mkdir -p "$kexdir"
        printf 'Host *\n    KexAlgorithms curve25519-sha256\nInclude %s\n' "$LAB_SSH_CONFIG" >"$kexdir/ssh_config"
        sed "s#^config_file = .*#config_file = \"$kexdir/ssh_config\"#" "$WORK/inv32.toml" >"$WORK/inv32-kex.toml"
        for rep in $(seq "$REPS"); do
            label=s6b-32-kex-sparkctl-$rep
            if timed run_sparkctl "$label" deploy "$WORK/inv32-kex.toml" --files-only && nochange_sparkctl "$label" 32; then
                record 6b-noop-files-32-kex sparkctl "$rep" "$SECS" ok "KexAlgorithms curve25519-sha256"
            else
                record 6b-noop-files-32-kex sparkctl "$rep" "$SECS" fail "see $LOGS/$label.out"
            fi
            label=s6b-32-kex-shell-$rep
            new_cm
            cfg=$(shell_ssh_config "$CM")
            sed -i "1a\\    KexAlgorithms curve25519-sha256" "$cfg"
            if timed env SSH_CONFIG="$cfg" SHELL_FILES_ONLY=1 "$BENCH/shell-deploy.sh" "$WORK/c32" >"$LOGS/$label.out" 2>&1 && nochange_shell "$label"; then
                record 6b-noop-files-32-kex shell "$rep" "$SECS" ok "KexAlgorithms curve25519-sha256"
            else
                record 6b-noop-files-32-kex shell "$rep" "$SECS" fail "see $LOGS/$label.out"
            fi
            close_masters "$CM"
        done
        for n in 16 8; do
            # Rewrites only the master's `workers` file (it lists N hosts now).
            run_sparkctl s6b-setup-$n deploy "$WORK/inv$n.toml" --files-only || log "WARNING: setup for $n hosts failed"
            fetch_conf "$n"
            for rep in $(seq "$GROWTH_REPS"); do noop_files_round "$n" "$rep"; done
        done
    else
        record 6b-noop-files-32 sparkctl 0 "$SECS" fail "first --files-only failed: $LOGS/s6b-setup-32.out"
    fi
    log "lab down; lab up 3"
    timed "$LAB" down >/dev/null 2>&1 || true
    info note-6-down "lab down with 32 hosts holding Spark: $SECS s"
    "$LAB" up 3 >/dev/null
fi

# ================================================ 7: distribution to 8 hosts
# The same 408 MiB to 8 empty sshd-only hosts with the operator's link
# capped (tc tbf on the bridge's operator side, sparklab0: it carries what
# the operator sends to hosts; host-to-host traffic is forwarded between
# bridge ports and never queued there). sparkctl deploy --files-only, push
# (the default: 8 copies over SSH through the cap) against fetch = "hosts"
# from a mirror (python3 -m http.server) in a 9th host's network namespace,
# whose own link is NOT capped: it carries the 8 copies instead.
if want 7; then
    echo "== 7: distribution to 8 hosts, operator link capped at $DIST_RATE =="
    command -v tc >/dev/null || die "missing command tc (iproute2)"
    clean_hosts
    "$LAB" up 9 >/dev/null
    mapfile -t H < <(lab_hosts)
    [ "${#H[@]}" -ge 9 ] || die "lab up 9 gave ${#H[@]} hosts"
    mirror_ip=$(lab_ip "${H[8]}")
    spark_sha=$(sha256sum <"$SPARK_TAR" | cut -c1-64)
    for mode in push fetch; do
        {
            printf '[cluster]\nname = "bench"\nha = "none"\n\n[ssh]\nconfig_file = "%s"\nuser = "root"\n\n[spark]\n' "$LAB_SSH_CONFIG"
            if [ $mode = push ]; then
                printf 'tarball = "%s"\n' "$SPARK_TAR"
            else
                printf 'url = "http://%s:8099/%s"\nsha256 = "%s"\nfetch = "hosts"\n' "$mirror_ip" "$(basename "$SPARK_TAR")" "$spark_sha"
            fi
            printf 'worker_cores = 2\nworker_memory = "1g"\ndaemon_memory = "256m"\n'
            for ((i = 0; i < 8; i++)); do
                if [ $i = 0 ]; then roles='["master", "worker"]'; else roles='["worker"]'; fi
                printf '\n[[host]]\nname = "%s"\naddress = "%s"\nroles = %s\n' "${H[$i]}" "$(lab_ip "${H[$i]}")" "$roles"
            done
        } >"$WORK/inv7-$mode.toml"
    done
    ip netns exec "sparklab-${H[8]}" python3 -m http.server 8099 --bind "$mirror_ip" --directory "$DIST" >"$LOGS/s7-mirror.log" 2>&1 &
    MIRROR_PID=$!
    for _ in $(seq 50); do (exec 3<>"/dev/tcp/$mirror_ip/8099") 2>/dev/null && break; sleep 0.1; done
    tc qdisc replace dev sparklab0 root tbf rate "$DIST_RATE" burst 1mb latency 200ms
    TC_SET=1
    info note-7-setup "operator link: tc tbf rate $DIST_RATE on sparklab0; mirror: python3 -m http.server in ${H[8]}'s netns ($mirror_ip, link not capped); 8 hosts ${H[0]}..${H[7]}, --files-only, empty hosts each run"
    tx() { cat /sys/class/net/sparklab0/statistics/tx_bytes; }
    for rep in $(seq "$REPS"); do
        for mode in push fetch; do
            clean_hosts
            label=s7-$mode-$rep
            tx0=$(tx); m0=$(cat "/sys/class/net/sl-${H[8]}/statistics/rx_bytes")
            # The mirror host's bridge-side veth: its rx is what the mirror sent.
            if timed run_sparkctl "$label" deploy "$WORK/inv7-$mode.toml" --files-only; then st=ok; else st=fail; fi
            mib=$(awk -v a="$tx0" -v b="$(tx)" 'BEGIN { printf "%.1f", (b - a) / 1048576 }')
            mmib=$(awk -v a="$m0" -v b="$(cat "/sys/class/net/sl-${H[8]}/statistics/rx_bytes")" 'BEGIN { printf "%.1f", (b - a) / 1048576 }')
            if [ $mode = push ]; then tool=push; else tool=sparkctl; fi
            record 7-dist-8 "$tool" "$rep" "$SECS" "$st" "$mode: $mib MiB over the operator link, $mmib MiB from the mirror"
            info "note-7-$mode-$rep" "$mode: $SECS s, $mib MiB crossed the operator link, $mmib MiB left the mirror host"
        done
    done
    tc qdisc del dev sparklab0 root; TC_SET=
    kill "$MIRROR_PID" 2>/dev/null; wait "$MIRROR_PID" 2>/dev/null || true; MIRROR_PID=
    clean_hosts
    log "lab down; lab up 3"
    "$LAB" down >/dev/null 2>&1 || true
    "$LAB" up 3 >/dev/null
fi

# The clusters scenarios 8 and 9 start from: 6 and 7 leave empty hosts, so
# look once (one probe round, no waiting: WAIT_TIMEOUT=0) and deploy with
# sparkctl, untimed, only if the lab.toml cluster is not healthy now.
ensure_running() {
    if WAIT_TIMEOUT=0 "$WAIT_SH" zk 10.213.37.11 10.213.37.12 10.213.37.13 2>/dev/null &&
        WAIT_TIMEOUT=0 "$WAIT_SH" masters 10.213.37.11 10.213.37.12 2>/dev/null &&
        WAIT_TIMEOUT=0 "$WAIT_SH" workers 3 1024 2 10.213.37.11 10.213.37.12 2>/dev/null; then
        return 0
    fi
    ensure_deployed "$1"
}

# ============================================ 8: no-op re-deploy, url + sha512
# Scenario 3's no-op with both tarballs given as `url` + `sha512` and the
# default fetch = "operator" (sparkctl downloads once into its cache, checks
# the sum, pushes over SSH). The URLs are served by python3's http.server in
# the root namespace, bound to 127.0.0.1 (the operator's side: the hosts
# never reach it) on a port the kernel picks (port 0; the server prints the
# one it got). The cache is this run's own ($WORK/url-cache, removed at
# the end): the untimed first deploy downloads into it, so the timed runs
# find a verified download there, as a user's next deploy would. What is
# timed is the process's wall time; sparkctl's own "Deployed ... in" figure
# goes into the note, since the two used to differ by the re-hash.
if want 8; then
    echo "== 8: no-op re-deploy with url + sha512 (fetch = \"operator\") =="
    ensure_running 8
    python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$DIST" >"$LOGS/s8-http.log" 2>&1 &
    HTTP_PID=$!
    port=
    for _ in $(seq 50); do
        port=$(sed -n 's/^Serving HTTP on 127\.0\.0\.1 port \([0-9][0-9]*\).*/\1/p' "$LOGS/s8-http.log")
        [ -n "$port" ] && break
        sleep 0.1
    done
    INV_URL=$WORK/lab-url.toml
    if [ -z "$port" ]; then
        record 8-noop-url sparkctl 0 0 fail "python3 -m http.server did not say its port within 5 s: $LOGS/s8-http.log"
    elif ! awk -v st="tarball = \"$SPARK_TAR\"" -v su="http://127.0.0.1:$port/${SPARK_TAR##*/}" \
        -v ss="$(sha512sum <"$SPARK_TAR" | cut -d' ' -f1)" \
        -v zt="tarball = \"$ZK_TGZ\"" -v zu="http://127.0.0.1:$port/${ZK_TGZ##*/}" \
        -v zs="$(sha512sum <"$ZK_TGZ" | cut -d' ' -f1)" '
            $0 == st { print "url = \"" su "\""; print "sha512 = \"" ss "\""; n++; next }
            $0 == zt { print "url = \"" zu "\""; print "sha512 = \"" zs "\""; n++; next }
            { print }
            END { exit n != 2 }' "$INV_LAB" >"$INV_URL"; then
        record 8-noop-url sparkctl 0 0 fail "$INV_LAB has no line 'tarball = \"$SPARK_TAR\"' and 'tarball = \"$ZK_TGZ\"' to replace"
    else
        info note-8-setup "$INV_URL: lab.toml with url = http://127.0.0.1:$port/<tarball> + sha512 for Spark and ZooKeeper, fetch = \"operator\" (default), SPARKCTL_CACHE=$WORK/url-cache"
        export SPARKCTL_CACHE=$WORK/url-cache
        log "8: first deploy with the url inventory (untimed: downloads into the cache)"
        if ! run_sparkctl s8-setup deploy "$INV_URL"; then
            record 8-noop-url sparkctl 0 0 fail "untimed first deploy with the url inventory failed: $LOGS/s8-setup.out"
        else
            for rep in $(seq "$REPS"); do
                label=s8-sparkctl-$rep
                if ! timed run_sparkctl "$label" deploy "$INV_URL"; then
                    record 8-noop-url sparkctl "$rep" "$SECS" fail "see $LOGS/$label.out"
                elif nochange_sparkctl "$label" 3; then
                    record 8-noop-url sparkctl "$rep" "$SECS" ok "wall time; sparkctl printed $(printed_secs "$label") s"
                else
                    record 8-noop-url sparkctl "$rep" "$SECS" changed "reported changes: $LOGS/$label.out"
                fi
            done
        fi
        unset SPARKCTL_CACHE
    fi
    kill "$HTTP_PID" 2>/dev/null; wait "$HTTP_PID" 2>/dev/null || true; HTTP_PID=
    rm -rf "$WORK/url-cache"
fi

# ======================================================= 9: rolling restart
# `restart --rolling` of the 3-host HA cluster (every daemon), against
# shell-rolling.sh and ansible/rolling.yml doing the same steps in the same
# order (ZooKeeper followers then leader, masters that exited on the way
# started again, standby then ALIVE master, workers one at a time; each
# step waited for). Each run is followed by the health check. While each
# runs, a sampler (every 0.5 s, the same probes as lib/wait.sh) notes the
# ALIVE master and the ZooKeeper servers serving, so the note shows what
# each tool kept: the failovers (changes of the ALIVE master) and the
# longest time without an ALIVE master or without a ZooKeeper majority.
# Sampling costs the same for every tool, and is not part of the timing.
safety_sampler() {  # OUT: lines "<epoch> <ALIVE master ip or -> <zk servers serving>"
    local out=$1 ip a z m
    while :; do
        a=-; z=0
        for ip in 10.213.37.11 10.213.37.12; do
            [ "$(curl -fsS -m 0.4 "http://$ip:8080/json/" 2>/dev/null | jq -r '.status // empty' 2>/dev/null)" = ALIVE ] && a=$ip
        done
        for ip in 10.213.37.11 10.213.37.12 10.213.37.13; do
            m=$(timeout 0.4 bash -c 'exec 3<>/dev/tcp/$0/2181 && echo srvr >&3 && cat <&3' "$ip" 2>/dev/null | sed -n 's/^Mode: *//p') || true
            case $m in leader|follower) z=$((z + 1)) ;; esac
        done
        echo "$EPOCHREALTIME $a $z" >>"$out"
        sleep 0.5
    done
}
# "failovers N, longest without an ALIVE master X s, without a ZooKeeper majority Y s"
safety_summary() {
    awk '{ t = $1
           if ($2 != "-") { if (last != "" && $2 != last) f++; last = $2; if (na != "") { if (t - na > mna) mna = t - na; na = "" } }
           else if (na == "") na = t
           if ($3 < 2) { if (nq == "") nq = t } else if (nq != "") { if (t - nq > mnq) mnq = t - nq; nq = "" } }
         END { if (na != "" && t - na > mna) mna = t - na; if (nq != "" && t - nq > mnq) mnq = t - nq
               printf "failovers %d, longest without an ALIVE master %.1f s, without a ZooKeeper majority %.1f s (sampled every 0.5 s)", f, mna, mnq }' "$1"
}
if want 9; then
    echo "== 9: restart --rolling, 3 hosts =="
    ensure_running 9
    for rep in $(seq "$REPS"); do
        for tool in sparkctl shell ansible; do
            label=s9-$tool-$rep
            : >"$LOGS/$label.safety"
            safety_sampler "$LOGS/$label.safety" &
            SAMPLER_PID=$!
            case $tool in
                sparkctl) timed run_sparkctl "$label" restart "$INV_LAB" --rolling ;;
                shell) timed run_shell_rolling "$label" "$WORK/conf-1g" ;;
                ansible) PLAYBOOK=rolling.yml timed run_ansible "$label" "$WORK/ansible-3.ini" "$WORK/ansible-1g.json" ;;
            esac && ok=1 || ok=0
            kill "$SAMPLER_PID" 2>/dev/null; wait "$SAMPLER_PID" 2>/dev/null || true; SAMPLER_PID=
            safety=$(safety_summary "$LOGS/$label.safety")
            if [ $ok = 1 ] && healthy 1024; then
                record 9-rolling "$tool" "$rep" "$SECS" ok "$safety"
            else
                record 9-rolling "$tool" "$rep" "$SECS" fail "$safety; see $LOGS/$label.out"
                # The next tool starts from a healthy cluster whatever this one left.
                ensure_running 9
            fi
        done
    done
fi

# ============================================== 10: upgrade Spark 3.5.9 -> 4.3.0
# Each tool installs 3.5.9 its own way (untimed, on emptied hosts, checked
# healthy), then the timed upgrade to 4.3.0: sparkctl deploys lab.toml (the
# 4.3.0 tarball); the shell runs shell-deploy.sh's file steps with the 4.3.0
# tarball (upload + unpack beside the old tree, config files, relink
# `current`) then shell-rolling.sh for Spark only, over one set of ssh
# connections; Ansible runs rolling.yml with spark_upgrade=true (the same
# steps in one playbook run). ZooKeeper keeps running in all three, as
# sparkctl's upgrade leaves it. The peers' 3.5.9 config files are the ones
# sparkctl renders for 3.5.9 (`sparkctl check --show`: they differ from
# 4.3.0's, e.g. the JDK module options for Spark 3.5 drivers), the 4.3.0
# ones those of the other scenarios.
SPARK3_TAR=$DIST/spark-3.5.9-bin-pyspark.tar
SPARK3_DIR=spark-3.5.9-bin-pyspark
SPARK4_DIR=$(basename "$SPARK_TAR" .tar)

# The peers' conf dir for an inventory, from sparkctl's own rendering: per
# host, the files tests/golden/lab has for it (the header line of --show
# names the path and is dropped).
conf_from_check() {  # INVENTORY DIR
    local inv=$1 dir=$2 h f
    mkdir -p "$dir"
    cp "$WORK/conf-1g/inventory.txt" "$dir/"
    for h in hosta hostb hostc; do
        mkdir -p "$dir/$h"
        for f in "$GOLDEN/$h"/*; do
            f=${f##*/}
            "$SC" check "$inv" --show "$h:$f" | sed 1d >"$dir/$h/$f" || return 1
            [ -s "$dir/$h/$f" ] || return 1
        done
    done
}

shell_upgrade() {  # LABEL
    local label=$1 cfg rc=0
    new_cm
    cfg=$(shell_ssh_config "$CM")
    {
        env SSH_CONFIG="$cfg" SHELL_FILES_ONLY=1 timeout -k 10 600 "$BENCH/shell-deploy.sh" "$WORK/conf-1g" &&
            env SSH_CONFIG="$cfg" SHELL_ROLL_ZOOKEEPER=0 timeout -k 10 600 "$BENCH/shell-rolling.sh" "$WORK/conf-1g"
    } >"$LOGS/$label.out" 2>&1 || rc=$?
    close_masters "$CM"
    return $rc
}

# Every host links TREE as `current`; with SINCE (epoch seconds), every
# Spark daemon (2 masters, 3 workers, by their pid files) started after it.
# Sets WHY to what is wrong, and ZK_NOTE to how many ZooKeeper servers
# started after SINCE (0 expected: an upgrade of Spark leaves it running).
WHY= ZK_NOTE=
runs_tree() {  # TREE [SINCE]
    local tree=$1 since=${2:-} h out limit n=0 zk=0 f age
    WHY=
    for h in hosta hostb hostc; do
        out=$(ssh -F "$LAB_SSH_CONFIG" "$h" '
            echo "link $(readlink /opt/spark/current)"
            for f in /opt/spark/run/spark-sparkctl-org.apache.spark.deploy.*-1.pid /var/lib/zookeeper/zookeeper_server.pid; do
                [ -f "$f" ] && echo "pid $f $(ps -o etimes= -p "$(cat "$f")" 2>/dev/null | tr -d " " | grep . || echo gone)"
            done; true' </dev/null) || { WHY="$h: ssh failed"; return 1; }
        [ "$(sed -n 's/^link //p' <<<"$out")" = "$tree" ] || { WHY="$h: /opt/spark/current is $(sed -n 's/^link //p' <<<"$out"), not $tree"; return 1; }
        [ -n "$since" ] || continue
        limit=$(( EPOCHSECONDS - since + 1 ))
        while read -r _ f age; do
            case $f in
                */zookeeper_server.pid) [ "$age" != gone ] && [ "$age" -le "$limit" ] && zk=$((zk + 1)) ;;
                *)
                    n=$((n + 1))
                    if [ "$age" = gone ] || [ "$age" -gt "$limit" ]; then WHY="$h: ${f##*/} names a process $age (seconds running), not one started since the upgrade began $(( EPOCHSECONDS - since )) s ago"; return 1; fi ;;
            esac
        done < <(grep '^pid ' <<<"$out")
    done
    if [ -n "$since" ] && [ "$n" != 5 ]; then WHY="$n Spark pid files, not 5"; return 1; fi
    ZK_NOTE="$zk ZooKeeper servers restarted"
}

if want 10; then
    echo "== 10: upgrade Spark 3.5.9 -> 4.3.0, 3 hosts =="
    INV_359=$WORK/lab-359.toml
    sed "s#^tarball = \"$SPARK_TAR\"\$#tarball = \"$SPARK3_TAR\"#" "$INV_LAB" >"$INV_359"
    if [ ! -f "$SPARK3_TAR" ]; then
        record 10-upgrade sparkctl 0 0 fail "missing $SPARK3_TAR (lab/lab build makes it)"
    elif ! grep -qx "tarball = \"$SPARK3_TAR\"" "$INV_359"; then
        record 10-upgrade sparkctl 0 0 fail "could not point a copy of $INV_LAB at $SPARK3_TAR"
    elif ! conf_from_check "$INV_359" "$WORK/conf-359"; then
        record 10-upgrade sparkctl 0 0 fail "sparkctl check --show failed on $INV_359"
    else
        SPARK_TAR=$SPARK3_TAR ansible_vars "$WORK/conf-359" 1024 "$WORK/ansible-359.json"
        info note-10-setup "3.5.9: $INV_359 (sparkctl), $WORK/conf-359 (shell, Ansible: files rendered by sparkctl check --show); upgrade to $SPARK4_DIR"
        for rep in $(seq "$REPS"); do
            for tool in sparkctl shell ansible; do
                label=s10-$tool-$rep
                log "10: $tool installs Spark 3.5.9 (untimed)"
                clean_hosts
                WHY=
                case $tool in
                    sparkctl) run_sparkctl "$label-setup" deploy "$INV_359" ;;
                    shell) run_shell "$label-setup" "$WORK/conf-359" SPARK_TAR="$SPARK3_TAR" ;;
                    ansible) run_ansible "$label-setup" "$WORK/ansible-3.ini" "$WORK/ansible-359.json" ;;
                esac && ok=1 || ok=0
                if [ $ok = 0 ] || ! healthy 1024 || ! runs_tree "$SPARK3_DIR"; then
                    record 10-upgrade "$tool" "$rep" 0 fail "untimed 3.5.9 setup failed${WHY:+ ($WHY)}: $LOGS/$label-setup.out"
                    continue
                fi
                since=$EPOCHSECONDS
                case $tool in
                    sparkctl) timed run_sparkctl "$label" deploy "$INV_LAB" ;;
                    shell) timed shell_upgrade "$label" ;;
                    ansible) PLAYBOOK=rolling.yml timed run_ansible "$label" "$WORK/ansible-3.ini" "$WORK/ansible-1g.json" -e spark_upgrade=true ;;
                esac && ok=1 || ok=0
                if [ $ok = 1 ] && healthy 1024 && runs_tree "$SPARK4_DIR" "$since"; then
                    record 10-upgrade "$tool" "$rep" "$SECS" ok "$ZK_NOTE"
                else
                    record 10-upgrade "$tool" "$rep" "$SECS" fail "${WHY:-run or health check failed}; see $LOGS/$label.out"
                fi
            done
        done
    fi
fi

# ============================================================== the table
echo
info total-time "$(elapsed "$T_START" "$EPOCHREALTIME") s (inside the lab lock)"
info load-at-end "$(cut -d' ' -f1-3 /proc/loadavg)"
echo
python3 "$BENCH/lib/report.py" "$RESULTS" | tee -a "$RESULTS"
{
    echo
    echo "# markdown"
    python3 "$BENCH/lib/report.py" "$RESULTS" --markdown
} >>"$RESULTS"
