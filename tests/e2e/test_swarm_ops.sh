#!/bin/bash
# The swarm as an operator sees it: `dagctl nodes` against `docker node
# ls` / `docker node inspect` (fields, labels, running tasks), the `swarm`
# entry of `status`, and an engine that is no swarm manager or cannot be
# reached (a clear `unavailable` error, exit 1, the agent answering on), a
# client that hangs up while its `nodes` waits. Skips without an active
# swarm (make test inits one: scripts/swarm.sh).
. "$(dirname "$0")/lib.sh"

IMAGE=dagd-busybox:latest
TOOLS=$(cd "$(dirname "$0")/../tools" && pwd)
if ! docker info >/dev/null 2>&1; then
    echo "skip - docker engine not reachable"
    exit 0
fi
if [ "$(docker info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}')" != "active true" ]; then
    echo "skip - this engine manages no swarm (scripts/swarm.sh inits a one-node one)"
    exit 0
fi
ENGINE=${DOCKER_HOST:-unix:///var/run/docker.sock}

# Everything this test makes in the shared swarm carries $P.
P=so$$_
SELF=$(docker info --format '{{.Swarm.NodeID}}')
FAKE_PID=
cleanup_swarm() {
    docker service rm "${P}job" >/dev/null 2>&1
    docker node update --label-rm "${P}team" "$SELF" >/dev/null 2>&1
    [ -n "$FAKE_PID" ] && kill "$FAKE_PID" 2>/dev/null
}
trap 'cleanup_swarm; cleanup' EXIT
# fake_engine SOCKET ARGS...: tests/tools/fake_engine.py on SOCKET, listening.
fake_engine() {
    local sock=$1
    shift
    python3 "$TOOLS/fake_engine.py" --socket "$sock" "$@" &
    FAKE_PID=$!
    wait_for 5 test -S "$sock" || not_ok "the fake engine listens"
}
fake_engine_stop() {
    kill "$FAKE_PID" 2>/dev/null
    wait "$FAKE_PID" 2>/dev/null
    FAKE_PID=
}

config_with() {
    cat >"$T/dagd.ini" <<CFG
[agent]
state_dir = state
dags_dir = dags
[docker]
host = $ENGINE
$1
CFG
}

# --- nodes through the [docker] host (no [swarm] host, no swarm task) -------
docker node update --label-add "${P}team=ml" "$SELF" >/dev/null
docker service create -d --name "${P}job" --mode replicated-job --restart-condition none \
    --no-resolve-image "$IMAGE" sleep 60 >/dev/null
job_running() { docker service ps "${P}job" --format '{{.CurrentState}}' | grep -q '^Running'; }
check "a job of this test runs in the swarm" wait_for 30 job_running
job_node=$(docker service ps "${P}job" --format '{{.Node}}' | head -n 1)
job_node_id=$(docker node inspect "$job_node" --format '{{.ID}}')

config_with ""
start_agent
running_on() { docker node ps "$1" --format '{{.CurrentState}}' | grep -c '^Running'; }
before=$(running_on "$job_node_id")
nodes=$(jctl nodes)
check_eq "nodes answers (exit 0)" 0 "$?"
after=$(running_on "$job_node_id")
check_eq "one row per node of docker node ls" "$(docker node ls -q | sort | tr '\n' ' ')" \
    "$(jq -r '.[].id' <<<"$nodes" | sort | tr '\n' ' ')"
check_eq "every row has exactly the contract's fields" \
    "availability cpus hostname id labels memory state tasks" \
    "$(jq -r '[.[] | keys | join(" ")] | unique | join("|")' <<<"$nodes")"
for id in $(docker node ls -q); do
    want=$(docker node inspect "$id" --format \
        '{{.Description.Hostname}} {{.Status.State}} {{.Spec.Availability}} {{.Description.Resources.MemoryBytes}} {{.Description.Resources.NanoCPUs}}')
    got=$(jq -r --arg id "$id" '.[] | select(.id == $id) |
        "\(.hostname) \(.state) \(.availability) \(.memory) \(.cpus * 1000000000 | round)"' <<<"$nodes")
    check_eq "node $id: hostname, state, availability, memory, cpus as the engine has them" "$want" "$got"
    check_eq "node $id: labels as docker node inspect" \
        "$(docker node inspect "$id" --format '{{json .Spec.Labels}}' | jq -cS '. // {}')" \
        "$(jq -cS --arg id "$id" '.[] | select(.id == $id) | .labels' <<<"$nodes")"
done
check_eq "the label this test added is there" ml \
    "$(jq -r --arg id "$SELF" --arg k "${P}team" '.[] | select(.id == $id) | .labels[$k]' <<<"$nodes")"
tasks=$(jq -r --arg id "$job_node_id" '.[] | select(.id == $id) | .tasks' <<<"$nodes")
# Other suites share the swarm: the count lies between docker's before and after.
lo=$((before < after ? before : after)) hi=$((before > after ? before : after))
if [ "$tasks" -ge 1 ] && [ "$tasks" -ge "$lo" ] && [ "$tasks" -le "$hi" ]; then
    ok "tasks counts the running tasks of the node, the job included ($tasks; docker node ps: $before..$after)"
else
    not_ok "tasks counts the running tasks of the node ($tasks; docker node ps: $before..$after)"
fi
table=$(ctl nodes)
check_eq "the table's header" "ID HOSTNAME STATE AVAILABILITY CPUS MEMORY TASKS LABELS" \
    "$(head -n 1 <<<"$table" | tr -s ' ')"
check "the table has the node, its state and its label" \
    grep -qE "^$SELF +[^ ]+ +ready +active .*${P}team=ml" <<<"$table"
check_eq "status: no DAG uses the swarm, no refresh: swarm is null" null "$(jctl status | jq -c .swarm)"
stop_agent

# --- the status entry, while a DAG uses the swarm ----------------------------
# The [swarm] host is the docker one: only a swarm task turns the count on.
config_with "[swarm]
host = $ENGINE"
cat >"$T/dags/${P}uses.ini" <<DAG
[dag]
schedule = none
[task t]
executor = swarm
image = $IMAGE
command = true
DAG
start_agent
swarm_known() { [ "$(jctl status | jq -c .swarm)" != null ]; }
check "status: the swarm entry is filled in soon after the start" wait_for 10 swarm_known
n=$(docker node ls -q | wc -l)
ready=$(docker node ls --format '{{.Status}}' | grep -c '^Ready')
check_eq "status: swarm nodes and ready as docker node ls" "{\"nodes\":$n,\"ready\":$ready}" \
    "$(jctl status | jq -c .swarm)"
check_eq "status: no swarm_error when it works" null "$(jctl status | jq -c .swarm_error)"
check_eq "plain status shows the entry" "swarm {\"nodes\": $n, \"ready\": $ready}" \
    "$(ctl status | grep '^swarm ' | tr -s ' ')"
rm "$T/dags/${P}uses.ini"
swarm_unknown() { [ "$(jctl status | jq -c .swarm)" = null ]; }
check "no DAG uses the swarm any more: the count stops (null)" wait_for 10 swarm_unknown
check_eq "and nodes still answers" "$n" "$(jctl nodes | jq length)"
stop_agent

# --- an engine that manages no swarm ---------------------------------------
fake_engine "$T/fake.sock" --slow "$T/slow" --record "$T/requests"
config_with "[swarm]
host = unix://$T/fake.sock"
start_agent
err=$(jctl nodes 2>"$T/err")
check_eq "not a manager: nodes exits 1" 1 "$?"
check_eq "not a manager: error code unavailable" unavailable "$(jq -r .code <<<"$err")"
check "not a manager: the message says so and names the host" \
    grep -q "this Docker engine (unix://$T/fake.sock) is not a swarm manager: This node is not a swarm manager" <<<"$(jq -r .message <<<"$err")"
check "not a manager: dagctl says it on stderr" grep -q "is not a swarm manager.*(unavailable)" "$T/err"
swarm_failed() { [ "$(jctl status | jq -r '.swarm_error // empty')" != "" ]; }
check "not a manager: status gives swarm_error" wait_for 10 swarm_failed
check_eq "not a manager: status swarm is null" null "$(jctl status | jq -c .swarm)"
check "not a manager: swarm_error says why" grep -q "not a swarm manager" <<<"$(jctl status | jq -r .swarm_error)"
# Clients that hang up while their reply waits on a slow engine.
touch "$T/slow"
for i in 1 2 3; do timeout 0.3 "$BIN/dagctl" -s "$SOCK" nodes >/dev/null 2>&1; done
quick_status() { timeout 1 "$BIN/dagctl" -s "$SOCK" status >/dev/null; }
check "the agent answers status while nodes replies are pending" quick_status
start_ms=$(date +%s%3N)
jctl nodes >/dev/null 2>&1
slow_rc=$? took=$(($(date +%s%3N) - start_ms))
check_eq "a waiting nodes still gets its answer" 1 "$slow_rc"
if [ "$took" -ge 2500 ]; then ok "and it waited for the engine (${took} ms)"; else not_ok "it waited for the engine (${took} ms)"; fi
# Stopping while a reply waits on the engine: the fetch is cancelled, and
# stop_agent checks the exit and the sanitizer.
seen=$(wc -l <"$T/requests")
jctl nodes >/dev/null 2>&1 &
pending_pid=$!
arrived() { [ "$(wc -l <"$T/requests")" -gt "$seen" ]; }
check "a nodes request reaches the engine" wait_for 5 arrived
stop_agent
wait "$pending_pid" 2>/dev/null
rm -f "$T/slow"
fake_engine_stop

# --- an engine whose reply is longer than the agent reads -----------------
# A list is read up to 64 MiB; a longer one fails the call and says so (it
# used to be cut at 1 MiB, silently, and read as an empty list).
fake_engine "$T/huge.sock" --huge 65
config_with "[swarm]
host = unix://$T/huge.sock"
start_agent
err=$(jctl nodes 2>/dev/null)
check_eq "a reply over 64 MiB: nodes exits 1" 1 "$?"
check "a reply over 64 MiB: the message says so" \
    grep -q "the engine's reply is over 64 MiB; not read" <<<"$(jq -r .message <<<"$err")"
check_eq "the agent still answers after it" ok "$(jctl status >/dev/null && echo ok)"
stop_agent
fake_engine_stop

# --- an engine that cannot be reached --------------------------------------
config_with "[swarm]
host = unix://$T/nothing.sock"
start_agent
err=$(jctl nodes 2>/dev/null)
check_eq "unreachable: nodes exits 1" 1 "$?"
check_eq "unreachable: error code unavailable" unavailable "$(jq -r .code <<<"$err")"
check "unreachable: the message names the host" \
    grep -q "cannot reach the Docker engine at unix://$T/nothing.sock" <<<"$(jq -r .message <<<"$err")"
check "unreachable: status gives swarm_error" wait_for 10 swarm_failed
check_eq "unreachable: status swarm is null" null "$(jctl status | jq -c .swarm)"
stop_agent
