#!/bin/bash
# A swarm of two nodes on this one machine, of the test's own: two dockerd,
# each in a network namespace made here (joined by a veth pair) and a UTS
# namespace with its own hostname, each with its own data root, exec root,
# pid file and Unix socket under the test's temp dir. The first inits the
# swarm, the second joins it as a worker labelled pool=gpu. The swarm that
# the other suites share is never touched: none of its nodes, services or
# labels change. Proves that constraints place a job on the labelled node
# and that a job without them runs too, with the engine's CLI and as dagd
# swarm tasks (the node from the agent and from the engines' events), and
# what `dagctl nodes` and `status` make of two nodes (and of a worker's
# engine: not a manager).
# Skips, saying why, when the machine does not allow it. Everything is
# removed at the end, also on failure.
. "$(dirname "$0")/lib.sh"

IMAGE=dagd-busybox:latest
T0=$(date +%s%N)
skip() {
    echo "skip - two-node swarm: $*"
    exit 0
}
[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, a second dockerd)"
for c in ip nsenter unshare dockerd docker; do
    command -v "$c" >/dev/null 2>&1 || skip "no $c"
done
docker image inspect "$IMAGE" >/dev/null 2>&1 || skip "no $IMAGE on the host engine to copy (scripts/docker-engine.sh)"

# Names of this run: netns, links, hostnames, services.
P=sw2$$
NET=10.254.$(($$ % 250 + 1))
MGR_IP=$NET.1 WKR_IP=$NET.2
MGR_HOST=dagd-mgr-$$ WKR_HOST=dagd-wkr-$$
M=unix://$T/m/sock W=unix://$T/w/sock
dm() { docker -H "$M" "$@"; }
dw() { docker -H "$W" "$@"; }

teardown() {
    # Worker out of the swarm, then its node out of the manager's list;
    # both engines stopped (they unmount what they mounted under $T).
    if [ -S "$T/w/sock" ]; then
        dw swarm leave --force >/dev/null 2>&1
    fi
    if [ -S "$T/m/sock" ] && [ -n "${WKR_ID:-}" ]; then
        dm node rm --force "$WKR_ID" >/dev/null 2>&1
    fi
    for d in w m; do
        [ -f "$T/$d/pid" ] && kill -TERM "$(cat "$T/$d/pid")" 2>/dev/null
    done
    for d in w m; do
        local end=$(($(date +%s) + 15))
        while [ -f "$T/$d/pid" ] && kill -0 "$(cat "$T/$d/pid")" 2>/dev/null; do
            if [ "$(date +%s)" -ge "$end" ]; then
                kill -KILL "$(cat "$T/$d/pid")" 2>/dev/null
                break
            fi
            sleep 0.1
        done
    done
    # Anything a killed engine left mounted under $T, deepest first.
    awk -v t="$T/" 'index($2, t) == 1 {print $2}' /proc/mounts | sort -r |
        while read -r mnt; do umount -l "$mnt" 2>/dev/null; done
    ip netns del "${P}m" 2>/dev/null
    ip netns del "${P}w" 2>/dev/null
    ip link del "${P}a" 2>/dev/null
    echo "# two-node swarm test took $((($(date +%s%N) - T0) / 1000000)) ms"
}
trap 'teardown; cleanup' EXIT

# --- the two namespaces and the wire between them ---------------------------
ip netns add "${P}m" 2>/dev/null || skip "ip netns add is not allowed here"
ip netns add "${P}w" || skip "ip netns add is not allowed here"
if ! { ip link add "${P}a" type veth peer name "${P}b" &&
    ip link set "${P}a" netns "${P}m" && ip link set "${P}b" netns "${P}w"; }; then
    skip "no veth pair here"
fi
ip -n "${P}m" addr add "$MGR_IP/30" dev "${P}a"
ip -n "${P}w" addr add "$WKR_IP/30" dev "${P}b"
for n in m w; do
    ip -n "$P$n" link set lo up
done
ip -n "${P}m" link set "${P}a" up
ip -n "${P}w" link set "${P}b" up

# nsenter --net, not `ip netns exec`: that one remounts /sys, and dockerd
# then finds no cgroups.
start_engine() { # DIR NETNS HOSTNAME
    mkdir -p "$T/$1/data" "$T/$1/exec"
    setsid nsenter --net="/run/netns/$2" unshare --uts sh -c "hostname $3 && exec dockerd \
        --data-root $T/$1/data --exec-root $T/$1/exec --pidfile $T/$1/pid -H unix://$T/$1/sock \
        --iptables=false --ip6tables=false" >"$T/$1/log" 2>&1 </dev/null &
}
start_engine m "${P}m" "$MGR_HOST"
start_engine w "${P}w" "$WKR_HOST"
engines_up() { dm info >/dev/null 2>&1 && dw info >/dev/null 2>&1; }
if ! wait_for 40 engines_up; then
    tail -n 5 "$T/m/log" "$T/w/log"
    skip "a second dockerd does not start here (logs above)"
fi
ok "two engines up, each in its own network namespace ($(dm info --format '{{.Name}}') and $(dw info --format '{{.Name}}'))"

# --- a swarm of two ----------------------------------------------------------
dm swarm init --advertise-addr "$MGR_IP" --listen-addr "$MGR_IP:2377" >/dev/null
check_eq "the first engine manages a swarm" "active true" \
    "$(dm info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}')"
dw swarm join --token "$(dm swarm join-token -q worker)" --advertise-addr "$WKR_IP" \
    --listen-addr "$WKR_IP:2377" "$MGR_IP:2377" >/dev/null
WKR_ID=$(dw info --format '{{.Swarm.NodeID}}')
MGR_ID=$(dm info --format '{{.Swarm.NodeID}}')
both_ready() { [ "$(dm node ls --format '{{.Status}}' | grep -c '^Ready$')" = 2 ]; }
check "the second joins as a worker: two nodes ready" wait_for 30 both_ready
dm node update --label-add pool=gpu "$WKR_ID" >/dev/null
check_eq "the worker is labelled pool=gpu" gpu "$(dm node inspect "$WKR_ID" --format '{{index .Spec.Labels "pool"}}')"
# No registry here: each node gets the image from the host's engine.
docker save "$IMAGE" | dm load >/dev/null && docker save "$IMAGE" | dw load >/dev/null
check "the image is on both nodes" sh -c "docker -H $M image inspect $IMAGE && docker -H $W image inspect $IMAGE" >/dev/null 2>&1

# --- placement with the engine's own CLI -------------------------------------
job() { # NAME CONSTRAINT-ARGS...
    local name=$1
    shift
    dm service create -d --name "$P$name" --mode replicated-job --restart-condition none \
        --no-resolve-image "$@" "$IMAGE" sh -c 'echo ran on $(cat /etc/hostname)' >/dev/null
}
job_state() { dm service ps "$P$1" --format '{{.CurrentState}}' | head -n 1 | cut -d' ' -f1; }
job_done() { [ "$(job_state "$1")" = Complete ]; }
job gpu --constraint node.labels.pool==gpu
job any
job none --constraint node.labels.pool==tpu
check "a job constrained to pool==gpu completes" wait_for 30 job_done gpu
check_eq "it ran on the labelled worker" "$WKR_HOST" "$(dm service ps "${P}gpu" --format '{{.Node}}')"
check "a job without constraints completes too" wait_for 30 job_done any
where=$(dm service ps "${P}any" --format '{{.Node}}')
if [ "$where" = "$WKR_HOST" ] || [ "$where" = "$MGR_HOST" ]; then ok "on one of the two nodes ($where)"; else not_ok "on one of the two nodes (got '$where')"; fi
check_eq "a job that no node can take stays pending" Pending "$(job_state none)"
check "with the swarm's reason" grep -q "no suitable node" <<<"$(dm service ps "${P}none" --no-trunc --format '{{.Error}}')"
dm service rm "${P}gpu" "${P}any" "${P}none" >/dev/null

# --- what dagd does with it --------------------------------------------------
cat >"$T/dags/${P}place.ini" <<DAG
[dag]
schedule = none
executor = swarm
[task gpu]
image = $IMAGE
constraints = node.labels.pool==gpu
command = sh -c 'echo trained on the gpu pool'
[task any]
image = $IMAGE
command = sh -c 'echo ran anywhere'
DAG
cat >"$T/dagd.ini" <<CFG
[agent]
state_dir = state
dags_dir = dags
[docker]
host = $M
[swarm]
host = $M
CFG
start_agent
nodes=$(jctl nodes)
check_eq "dagctl nodes: both nodes" "$(printf '%s\n' "$MGR_ID" "$WKR_ID" | sort | tr '\n' ' ')" \
    "$(jq -r '.[].id' <<<"$nodes" | sort | tr '\n' ' ')"
check_eq "dagctl nodes: the worker's hostname, state, label" "$WKR_HOST ready active gpu" \
    "$(jq -r --arg id "$WKR_ID" '.[] | select(.id == $id) | "\(.hostname) \(.state) \(.availability) \(.labels.pool)"' <<<"$nodes")"
check_eq "dagctl nodes: the manager has no label" "$MGR_HOST {}" \
    "$(jq -r -c --arg id "$MGR_ID" '.[] | select(.id == $id) | "\(.hostname) \(.labels)"' <<<"$nodes")"
since=$(date +%s)
run=$(jctl trigger "${P}place" | jq -r .run_id)
check_eq "the DAG of two swarm tasks succeeds" success "$(jctl wait "${P}place" "$run" --timeout 40 | jq -r .state)"
node_of() {
    jq -cn --arg d "${P}place" --arg r "$run" --arg t "$1" \
        '{id:1,cmd:"task_instance",args:{dag_id:$d,run_id:$r,task_id:$t}}' |
        socat -t 2 - "UNIX-CONNECT:$SOCK" | jq -r .result.node
}
check_eq "constraints = node.labels.pool==gpu: the try ran on the worker (the agent's node)" \
    "$WKR_HOST" "$(node_of gpu)"
check "its output is in the try's log" grep -q "trained on the gpu pool" <(ctl logs "${P}place" "$run" gpu)
# The engines' own record: which one started a container for which service.
started_on() { docker -H "$1" events --since "$since" --until "$(date +%s)" \
    --filter type=container --filter event=start \
    --format '{{index .Actor.Attributes "com.docker.swarm.service.name"}}'; }
gpu_started_on() { started_on "$1" | grep -q "^dagd-${P}place-gpu-"; }
# Events are stamped by the second: poll until the record has it.
check "the worker's engine started the gpu task's container" wait_for 5 gpu_started_on "$W"
if gpu_started_on "$M"; then not_ok "the manager's engine did not"; else ok "the manager's engine did not"; fi
where=$(node_of any)
if [ "$where" = "$WKR_HOST" ] || [ "$where" = "$MGR_HOST" ]; then ok "without constraints: ran on one of the two ($where)"; else not_ok "without constraints: ran on one of the two (got '$where')"; fi
check_eq "no service left behind" "" "$(dm service ls -q --filter "label=dagd.dag_id=${P}place")"
two_known() { [ "$(jctl status | jq -c .swarm)" = '{"nodes":2,"ready":2}' ]; }
check "status: swarm {nodes 2, ready 2}" wait_for 10 two_known
stop_agent

# A worker's engine answers, but cannot list the swarm.
cat >"$T/dagd.ini" <<CFG
[agent]
state_dir = state
dags_dir = dags
[swarm]
host = $W
CFG
start_agent
err=$(jctl nodes 2>/dev/null)
check_eq "a worker's engine: nodes exits 1" 1 "$?"
check "a worker's engine: unavailable, not a swarm manager" \
    grep -q "^unavailable .*is not a swarm manager" <<<"$(jq -r '"\(.code) \(.message)"' <<<"$err")"
stop_agent
