#!/bin/bash
# e2e/cluster/slurm.sh — a one-node Slurm cluster for the end-to-end tests, started by hand
# (no systemd), all of it inside one state directory:
#
#   e2e/cluster/slurm.sh start DIR   # munged, slurmctld, slurmd; returns once the node is idle
#   export SLURM_CONF=DIR/slurm.conf # srun, sbatch, squeue, scancel then talk to it
#   e2e/cluster/slurm.sh stop DIR    # cancels every job, stops the daemons and what they left
#
# The cluster touches nothing outside DIR: its own slurm.conf (SLURM_CONF, which every Slurm
# command and daemon honours, so /etc/slurm is left alone), its own munged on a socket in DIR
# (a munged already serving /run/munge is neither used nor stopped), ports that nothing else
# listens on, state, spool, logs and pid files in DIR. `start` again on a running cluster does
# nothing; `stop` always cleans up, also after a failed or half-done start, and ends only
# processes of this cluster: the daemons by their saved pids, then any process left whose
# environment names this SLURM_CONF (slurmstepd, the tasks of a step that did not end, an srun
# still waiting for them).
#
# Needs root and Debian's `slurm-wlm munge` (scripts/install-deps.sh). `start` says in one line
# why not and exits 77 where the machine cannot run the daemons (not root, packages or the munge
# key missing), 1 when they were started but the node never became idle (the logs in DIR say
# why). Measured on a 2-core VM: the node is idle 1.5-2.0 s after start.
set -u

readonly START_TIMEOUT_S=30
readonly CANNOT=77

die() {
    echo "slurm.sh: $*" >&2
    exit 1
}

cannot() {
    echo "slurm.sh: $*" >&2
    exit "$CANNOT"
}

alive() {  # alive PID NAME: PID runs and is NAME (a pid file of a dead daemon may name another)
    local stat
    [ -n "$1" ] && stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    # "pid (comm) state ...": a zombie waiting for init to reap it has ended.
    [[ ${stat#*"($2) "} != "$stat" && ${stat#*") "} != Z* ]]
}

saved_pid() {
    cat "$state/$1.pid" 2>/dev/null || true
}

all_running() {
    alive "$(saved_pid munged)" munged && alive "$(saved_pid slurmctld)" slurmctld &&
        alive "$(saved_pid slurmd)" slurmd
}

node_state() {
    SLURM_CONF="$state/slurm.conf" timeout 5 sinfo -h -o %T 2>/dev/null | head -n1
}

free_port() {  # free_port FROM: the first TCP port from FROM on that nothing listens on
    local port=$1
    while [ -n "$(ss -Hltn "sport = :$port" 2>/dev/null)" ]; do
        port=$((port + 1))
    done
    echo "$port"
}

write_conf() {
    local host cpus memory ctld_port slurmd_port
    host=$(hostname -s)
    cpus=$(nproc)
    # 90% of the machine's memory: the node must not claim more than the kernel reports.
    memory=$(free -m | awk '/^Mem:/ { print int($2 * 0.9) }')
    ctld_port=$(free_port 6817)
    slurmd_port=$(free_port $((ctld_port + 1)))
    cat >"$state/slurm.conf" <<EOF
# Written by e2e/cluster/slurm.sh: a one-node cluster whose files all live in $state.
ClusterName=sciagraph-e2e
SlurmctldHost=$host
SlurmUser=root
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$state/munge/munge.socket
StateSaveLocation=$state/slurmctld
SlurmdSpoolDir=$state/slurmd
SlurmctldPidFile=$state/slurmctld.pidfile
SlurmdPidFile=$state/slurmd.pidfile
SlurmctldLogFile=$state/slurmctld.log
SlurmdLogFile=$state/slurmd.log
PlugStackConfig=$state/plugstack.conf
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
# Without DefMemPerCPU a job takes the node's whole memory and steps run one at a time.
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1024
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
# SIGTERM to SIGKILL when a step is cancelled (default 30 s).
KillWait=5
NodeName=$host CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=e2e Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
    # No SPANK plugins: /etc/slurm/plugstack.conf would load the machine's.
    : >"$state/plugstack.conf"
}

start_munged() {
    mkdir -p "$state/munge"
    chown munge:munge "$state/munge"
    chmod 0755 "$state/munge"
    # setpriv execs munged itself (runuser would stay as its parent): the saved pid is munged's.
    setsid setpriv --reuid=munge --regid=munge --init-groups /usr/sbin/munged --foreground \
        --socket="$state/munge/munge.socket" --pid-file="$state/munge/munged.pidfile" \
        --log-file="$state/munge/munged.log" --seed-file="$state/munge/munged.seed" \
        </dev/null >>"$state/munge/munged.out" 2>&1 &
    echo $! >"$state/munged.pid"
    local deadline=$((SECONDS + START_TIMEOUT_S))
    until munge -n -S "$state/munge/munge.socket" 2>/dev/null |
        unmunge -S "$state/munge/munge.socket" >/dev/null 2>&1; do
        if ! alive "$(saved_pid munged)" munged || [ $SECONDS -ge $deadline ]; then
            return 1
        fi
        sleep 0.05
    done
}

start_daemon() {  # start_daemon NAME: NAME -D in its own session, its pid saved
    SLURM_CONF="$state/slurm.conf" setsid "/usr/sbin/$1" -D </dev/null >>"$state/$1.out" 2>&1 &
    echo $! >"$state/$1.pid"
}

last_words() {  # the last error a daemon logged, for the one line `start` prints
    local said
    said=$(grep -h -i -E "error|fatal" "$state"/*.log "$state"/*.out "$state"/munge/*.log \
        "$state"/munge/*.out 2>/dev/null | tail -n1)
    echo "${said:-no error logged; see $state}"
}

start() {
    [ "$(id -u)" = 0 ] || cannot "needs root (slurmd and munged run as root and munge)"
    local tool
    for tool in slurmctld slurmd srun sbatch sinfo squeue scancel munged munge unmunge setpriv ss; do
        command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] ||
            cannot "$tool not found (apt-get install slurm-wlm munge)"
    done
    id munge >/dev/null 2>&1 || cannot "no user munge (apt-get install munge)"
    [ -s /etc/munge/munge.key ] || cannot "no /etc/munge/munge.key (apt-get install munge)"

    if all_running && [ "$(node_state)" = idle ]; then
        echo "slurm.sh: already running in $state"
        return 0
    fi
    stop >/dev/null 2>&1  # what a failed or killed start left behind
    mkdir -p "$state/slurmctld" "$state/slurmd"
    chmod 0755 "$state"  # munged (user munge) must reach its socket directory
    write_conf
    local started=$SECONDS
    start_munged || { stop >/dev/null 2>&1; die "munged did not start: $(last_words)"; }
    start_daemon slurmctld
    start_daemon slurmd
    local deadline=$((started + START_TIMEOUT_S)) state_now=""
    while :; do
        state_now=$(node_state)
        [ "$state_now" = idle ] && break
        if ! all_running || [ $SECONDS -ge $deadline ]; then
            local why
            why=$(last_words)
            stop >/dev/null 2>&1
            die "the node did not become idle (state '${state_now:-none}'): $why"
        fi
        sleep 0.05
    done
    echo "slurm.sh: one-node cluster up; export SLURM_CONF=$state/slurm.conf"
}

stop_pid() {  # stop_pid NAME: TERM the saved daemon, KILL it after 10 s
    local pid
    pid=$(saved_pid "$1")
    if alive "$pid" "$1"; then
        kill -TERM "$pid" 2>/dev/null
        local deadline=$((SECONDS + 10))
        while alive "$pid" "$1" && [ $SECONDS -lt $deadline ]; do
            sleep 0.05
        done
        alive "$pid" "$1" && kill -KILL "$pid" 2>/dev/null
    fi
    rm -f "$state/$1.pid"
}

left_behind() {
    # This cluster's slurmstepd (started by its slurmd, whose environment it keeps), the
    # processes of its jobs and its clients still waiting on it (an srun whose step's daemons
    # are gone waits forever): an environment that names this SLURM_CONF, and a job id or the
    # name of one of those. A shell that merely exported SLURM_CONF to use the cluster is not.
    local environ pid
    grep -l -s -z -x -F "SLURM_CONF=$state/slurm.conf" /proc/[0-9]*/environ |
    while read -r environ; do
        pid=${environ#/proc/}
        pid=${pid%/environ}
        [ "$pid" = $$ ] && continue
        case "$(cat "/proc/$pid/comm" 2>/dev/null)" in
        slurmstepd | srun | sbatch | salloc) echo "$pid" ;;
        *) grep -q -s -z '^SLURM_JOB_ID=' "$environ" && echo "$pid" ;;
        esac
    done
}

stop() {
    if [ -f "$state/slurm.conf" ] && alive "$(saved_pid slurmctld)" slurmctld; then
        export SLURM_CONF="$state/slurm.conf"
        timeout 5 scancel --user="$(id -un)" 2>/dev/null
        local deadline=$((SECONDS + 15))
        while [ -n "$(timeout 5 squeue -h 2>/dev/null)" ] && [ $SECONDS -lt $deadline ]; do
            sleep 0.1
        done
        unset SLURM_CONF
    fi
    stop_pid slurmd
    stop_pid slurmctld
    stop_pid munged
    # A step whose slurmstepd outlived slurmd, or tasks it did not reap.
    local pids=()
    mapfile -t pids < <(left_behind)
    if [ ${#pids[@]} -gt 0 ]; then
        kill -TERM "${pids[@]}" 2>/dev/null
        sleep 1
        mapfile -t pids < <(left_behind)
        [ ${#pids[@]} -gt 0 ] && kill -KILL "${pids[@]}" 2>/dev/null
    fi
    echo "slurm.sh: stopped the cluster of $state"
    return 0
}

[ $# -eq 2 ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
state=$(realpath -m "$2")
case "$1" in
start) start ;;
stop) stop ;;
*) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
