#!/bin/bash
# Swarm tasks against a real one-node swarm: success and exit codes judged by
# the container's exit code, a job no node can take (queued with the swarm's
# reason, then failed at its timeout), retries, clear and mark while running,
# kill -9 of the agent (reattached, once, no doubled log line), an image no
# node has, an unreachable manager; no service left behind. Inits a swarm
# when none is active (and leaves it then); skips when there is no engine.
. "$(dirname "$0")/lib.sh"

IMAGE=dagd-busybox:latest
if ! docker info >/dev/null 2>&1; then
    echo "skip - docker engine not reachable"
    exit 0
fi
if ! docker image inspect "$IMAGE" >/dev/null 2>&1 &&
    ! "$(dirname "$0")/../../scripts/docker-engine.sh" >/dev/null 2>&1; then
    echo "skip - test image $IMAGE cannot be built"
    exit 0
fi
DOCKER_HOST_URL=${DOCKER_HOST:-unix:///var/run/docker.sock}
INITED=
swarm_state() { docker info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null; }
if [ "$(swarm_state)" = inactive ]; then
    if ! docker swarm init --advertise-addr 127.0.0.1 >/dev/null 2>&1; then
        echo "skip - no swarm is active and this engine cannot init one"
        exit 0
    fi
    INITED=1
fi
if [ "$(swarm_state)" != active ]; then
    echo "skip - the swarm is $(swarm_state), not active"
    exit 0
fi

# Every DAG of this run starts with $P: its services carry it as dagd.dag_id.
P=sw$$_
DAGS="outs ok fail nonode retry cleared marked stopped crash noimage dead"
services() { docker service ls -q --filter "label=dagd.dag_id=$P$1"; }
no_services() { [ -z "$(services "$1")" ]; }
all_services() { for d in $DAGS; do services "$d"; done; }
cleanup_swarm() {
    s=$(all_services)
    [ -n "$s" ] && docker service rm $s >/dev/null 2>&1
    [ -n "$INITED" ] && docker swarm leave --force >/dev/null 2>&1
}
trap 'cleanup_swarm; cleanup' EXIT

write_swarm_config() {
    cat >"$T/dagd.ini" <<CFG
[agent]
state_dir = state
dags_dir = dags
[docker]
host = $DOCKER_HOST_URL
[swarm]
host = $1
CFG
}
write_swarm_config "$DOCKER_HOST_URL"

log_of() { ctl logs "$P$1" "$2" "$3" ${4:+--try "$4"}; }
wait_run() { jctl wait "$P$1" "$2" --timeout "${3:-60}" | jq -r .state; }
# task_instance DAG RUN TASK: the command's result, as JSON.
task_instance() {
    jq -cn --arg d "$P$1" --arg r "$2" --arg t "$3" \
        '{id:1,cmd:"task_instance",args:{dag_id:$d,run_id:$r,task_id:$t}}' |
        socat -t 2 - "UNIX-CONNECT:$SOCK" | jq -c .result
}

mkdir -p "$T/data"
echo "from the node" >"$T/data/in.txt"

cat >"$T/dags/${P}ok.ini" <<DAG
[dag]
executor = swarm
[task out]
image = $IMAGE
command = sh -c 'echo to-stdout {{ ds }}; echo to-stderr >&2; echo "FOO=\$FOO"; cat /data/in.txt; env'
env = FOO=bar
memory = 32M
cpus = 0.25
constraints = node.platform.os==linux
volumes = $T/data:/data:ro
workdir = /tmp
DAG
# Outputs from a swarm task: marked stdout lines (its node cannot write the
# agent's file), read by a local task downstream.
cat >"$T/dags/${P}outs.ini" <<'DAG'
[task make]
executor = swarm
image = IMAGE_HERE
command = sh -c 'echo working; echo "::dagd-output rows=42"; printf "::dagd-output note<<EOF\n::dagd-output it'"'"'s \$(touch /tmp/x) \`id\`\n::dagd-output EOF\n"'
[task use]
upstream = make
command = printf '%s|%s\n' {{ outputs.make.rows }} "$DAGD_OUTPUT_MAKE_NOTE"
DAG
sed -i "s|IMAGE_HERE|$IMAGE|" "$T/dags/${P}outs.ini"
cat >"$T/dags/${P}fail.ini" <<DAG
[task fail]
executor = swarm
image = $IMAGE
command = sh -c 'echo failing; exit 7'
DAG
cat >"$T/dags/${P}nonode.ini" <<DAG
[dag]
executor = swarm
timeout = 4s
[task huge]
image = $IMAGE
memory = 1000G
command = true
[task nowhere]
image = $IMAGE
constraints = node.labels.dagd_never==yes
command = true
[task slow]
image = $IMAGE
command = sh -c 'echo started; sleep 60; echo never'
DAG
cat >"$T/dags/${P}retry.ini" <<DAG
[task flaky]
executor = swarm
image = $IMAGE
retries = 1
retry_delay = 0s
command = sh -c 'echo try {{ try_number }}; [ {{ try_number }} -ge 2 ]'
DAG
for d in cleared marked stopped; do
    cat >"$T/dags/${P}$d.ini" <<DAG
[task long]
executor = swarm
image = $IMAGE
command = sh -c 'echo up; sleep 60; echo never'
DAG
done
cat >"$T/dags/${P}crash.ini" <<DAG
[dag]
executor = swarm
[task long]
image = $IMAGE
command = sh -c 'echo before; sleep 4; echo after'
[task short]
image = $IMAGE
command = sh -c 'echo one; sleep 1; echo two'
[task waits]
image = $IMAGE
memory = 1000G
timeout = 8s
command = true
DAG
cat >"$T/dags/${P}noimage.ini" <<DAG
[task nope]
executor = swarm
image = dagd-no-such-image-$$:v1
pull = never
command = true
DAG
cat >"$T/dags/${P}dead.ini" <<DAG
[task any]
executor = swarm
image = $IMAGE
command = true
DAG

# --- the DAG keys, as --check sees them ---
out=$("$BIN/dagd" -c "$T/dagd.ini" --check 2>&1)
check "--check passes the swarm DAGs" test $? -eq 0
check "--check warns that pull is ignored on a swarm task" \
    grep -q "${P}noimage.ini:4: .*pull is ignored on swarm tasks" <<<"$out"
mkdir -p "$T/bad"
cat >"$T/bad/b.ini" <<DAG
[task a]
executor = swarm
command = true
[task b]
image = $IMAGE
executor = swarm
generic_resources = NVIDIA-GPU
command = true
DAG
sed 's|^dags_dir = dags|dags_dir = bad|' "$T/dagd.ini" >"$T/bad.cfg"
out=$("$BIN/dagd" -c "$T/bad.cfg" --check 2>&1)
check "a swarm task without an image is an error naming its line" \
    grep -q "b.ini:2: .*executor = swarm needs an image" <<<"$out"
check "a bad generic resource is an error naming its line" \
    grep -q "b.ini:7: .*bad generic resource" <<<"$out"

start_agent || exit 1
started=$(date +%s)

r_outs=$(ctl trigger "${P}outs")
r_ok=$(ctl trigger "${P}ok")
r_fail=$(ctl trigger "${P}fail")
r_nonode=$(ctl trigger "${P}nonode")
r_retry=$(ctl trigger "${P}retry")
r_noimage=$(ctl trigger "${P}noimage")
r_cleared=$(ctl trigger "${P}cleared")
r_marked=$(ctl trigger "${P}marked")

# --- a job no node can take: queued with the swarm's reason ---
queued_with() { # DAG RUN TASK TEXT
    ti=$(task_instance "$1" "$2" "$3")
    [ "$(jq -r .state <<<"$ti")" = queued ] && jq -r .waiting_for <<<"$ti" | grep -q "$4"
}
check "a job that needs 1000G is queued with the swarm's reason" \
    wait_for 10 queued_with nonode "$r_nonode" huge "insufficient resources"
check "a job whose constraint no node meets is queued with the reason" \
    wait_for 10 queued_with nonode "$r_nonode" nowhere "scheduling constraints"
cell=$(jctl grid "${P}nonode" | jq -c --arg r "$r_nonode" '.runs[] | select(.run_id == $r) | .tasks.huge')
check_eq "the grid shows it queued" queued "$(jq -r .state <<<"$cell")"
check "the grid cell carries the reason" grep -q "insufficient resources" <<<"$(jq -r .waiting_for <<<"$cell")"

# --- success, from the exit code ---
check_eq "a swarm job that exits 0 succeeds" success "$(wait_run ok "$r_ok")"
log=$(log_of ok "$r_ok" out)
check "stdout is in the log" grep -q "^to-stdout $(date -u +%Y-%m-%d)" <<<"$log"
check "stderr is in the log" grep -q '^to-stderr$' <<<"$log"
check "env = reaches the container" grep -q '^FOO=bar$' <<<"$log"
check "the contract's variables reach the container" grep -q "^DAGD_TASK_ID=out$" <<<"$log"
check "a bind mount is the node's folder" grep -q '^from the node$' <<<"$log"
check "exit status 0 is logged" grep -q '^\[dagd\] exit status 0$' <<<"$log"
check "the node it ran on is logged" grep -q '^\[dagd\] swarm: ran on node ' <<<"$log"
check_eq "the output is in the log once" 1 "$(grep -c '^to-stdout' <<<"$log")"
ti=$(task_instance ok "$r_ok" out)
check_eq "task_instance names the executor" swarm "$(jq -r .executor <<<"$ti")"
check_eq "task_instance names the node" "$(docker node inspect self --format '{{.Description.Hostname}}')" \
    "$(jq -r .node <<<"$ti")"
check "its service is removed" wait_for 10 no_services ok

# --- a non-zero exit ---
check_eq "a swarm job that exits 7 fails" failed "$(wait_run fail "$r_fail")"
log=$(log_of fail "$r_fail" fail)
check "the exit code is in the log" grep -q '^\[dagd\] exit status 7$' <<<"$log"
check "the swarm's reason is in the log" grep -q 'task failed on node .*non-zero exit (7)' <<<"$log"
check_eq "its state is failed" failed "$(ti_state "${P}fail" "$r_fail" fail)"
check "its service is removed" wait_for 10 no_services fail

# --- an image no node has ---
check_eq "an image no node has fails the run" failed "$(wait_run noimage "$r_noimage")"
log=$(log_of noimage "$r_noimage" nope)
check "the log says the node rejected it and why" \
    grep -q "rejected by node .*No such image: dagd-no-such-image-$$:v1" <<<"$log"
check "the log says there is no exit code" grep -q 'no exit code' <<<"$log"
check "no exit status line for a job that never ran" bash -c "! grep -q '^\[dagd\] exit status' <<<'$log'"
check "its service is removed" wait_for 10 no_services noimage

# --- outputs of a swarm task, from its marked log lines ---
check_eq "a swarm task's outputs reach a local task downstream" success "$(wait_run outs "$r_outs")"
check_eq "as a template word and as the environment, nothing run" "42|it's \$(touch /tmp/x) \`id\`" \
    "$(log_of outs "$r_outs" use | grep -v '^\[dagd\]' | head -1)"
check_eq "dagctl outputs has them" 42 "$(jctl outputs "${P}outs" "$r_outs" make | jq -r .make.rows)"

# --- retry: two tries, two services, both removed ---
check_eq "a job that fails then succeeds succeeds on its retry" success "$(wait_run retry "$r_retry")"
check "try 1 failed with its exit code" grep -q '^\[dagd\] exit status 1$' <<<"$(log_of retry "$r_retry" flaky 1)"
check "try 2 ran in a service of its own" grep -q '^try 2$' <<<"$(log_of retry "$r_retry" flaky 2)"
n1=$(log_of retry "$r_retry" flaky 1 | sed -n 's/^\[dagd\] swarm: creating service //p')
n2=$(log_of retry "$r_retry" flaky 2 | sed -n 's/^\[dagd\] swarm: creating service //p')
check "the two tries had two services" test -n "$n1" -a -n "$n2" -a "$n1" != "$n2"
check "a service name is a valid one (<= 63, [a-zA-Z0-9-])" grep -qE '^[a-zA-Z0-9-]{1,63}$' <<<"$n2"
check "both services are removed" wait_for 10 no_services retry

# --- clear and mark while running ---
check "the job to clear runs" wait_for 30 grep -q '^up$' "$T/state/logs/${P}cleared/$r_cleared/long.1.log"
check "the job to mark runs" wait_for 30 grep -q '^up$' "$T/state/logs/${P}marked/$r_marked/long.1.log"
# dagtop's detail line names the node the running swarm try is on.
if command -v tmux >/dev/null; then
    TMUX_SOCK="dagd-swarm-$$"
    tm() { tmux -L "$TMUX_SOCK" -f /dev/null "$@"; }
    pane() { tm capture-pane -p -t dt; }
    has() { pane | grep -qF -- "$1"; }
    node_name=$(docker info --format '{{.Name}}')
    tm new-session -d -s dt -x 80 -y 24 "env LANG=C.UTF-8 TERM=screen-256color \
        ASAN_OPTIONS=$ASAN_OPTIONS $BIN/dagtop -s $SOCK 2>>$T/dagtop.err"
    wait_for 15 has "${P}marked" >/dev/null
    tm send-keys -t dt / && tm send-keys -t dt -l "${P}marked" && tm send-keys -t dt Enter Enter
    check "dagtop's detail line shows the node of a running swarm try" \
        wait_for 15 has "swarm  on $node_name"
    tm kill-server 2>/dev/null
else
    echo "skip - dagtop node line: tmux is not installed"
fi
ctl clear "${P}cleared" "$r_cleared" long --yes >/dev/null
ctl mark "${P}marked" "$r_marked" long failed --yes >/dev/null
cleared_runs_again() { grep -q '^up$' "$T/state/logs/${P}cleared/$r_cleared/long.2.log"; }
check "the cleared job runs again, as try 2" wait_for 30 cleared_runs_again
check "the cleared try's log says its service was removed" \
    grep -q 'stopped: service .* removed' "$T/state/logs/${P}cleared/$r_cleared/long.1.log"
check "mark failed removes the service" wait_for 20 no_services marked
check_eq "and the mark stands" failed "$(ti_state "${P}marked" "$r_marked" long)"
check "the marked try's log says its service was removed" \
    grep -q 'stopped: service .* removed' "$T/state/logs/${P}marked/$r_marked/long.1.log"
ctl mark "${P}cleared" "$r_cleared" long success --yes >/dev/null
check "marking the cleared one removes its second service" wait_for 20 no_services cleared

# --- the job no node took fails at its timeout, with the reason ---
check_eq "the job no node takes fails at its timeout" failed "$(wait_run nonode "$r_nonode" 30)"
log=$(log_of nonode "$r_nonode" huge)
check "its log says it timed out waiting for a node, and why" \
    grep -q 'timed out waiting for a node: no suitable node (insufficient resources' <<<"$log"
check "the constrained one too" \
    grep -q 'timed out waiting for a node: .*scheduling constraints' <<<"$(log_of nonode "$r_nonode" nowhere)"
check_eq "a running job past its timeout fails" failed "$(ti_state "${P}nonode" "$r_nonode" slow)"
log=$(log_of nonode "$r_nonode" slow)
check "its log says it timed out and its service was removed" \
    grep -q 'task timed out; service .* removed' <<<"$log"
check "it was stopped, not run to its end" bash -c "! grep -q '^never' <<<'$log'"
check "their services are removed" wait_for 10 no_services nonode

# --- kill -9 of the agent during swarm tries ---
r_crash=$(ctl trigger "${P}crash")
check "the long job runs" wait_for 30 grep -q '^before$' "$T/state/logs/${P}crash/$r_crash/long.1.log"
check "the short one runs" wait_for 30 grep -q '^one$' "$T/state/logs/${P}crash/$r_crash/short.1.log"
check "the waiting one is queued" wait_for 10 queued_with crash "$r_crash" waits "insufficient resources"
LIVENESS=0 kill9_agent
sleep_until_short_ends() { docker service ps --format '{{.CurrentState}}' $(docker service ls -q \
    --filter "label=dagd.dag_id=${P}crash" --filter "label=dagd.task_id=short") 2>/dev/null | grep -q Complete; }
check "the short job ends while the agent is away" wait_for 20 sleep_until_short_ends
start_agent || exit 1
check_eq "after a restart the run completes" failed "$(wait_run crash "$r_crash" 60)"
check_eq "the long job was followed to its success" success "$(ti_state "${P}crash" "$r_crash" long)"
check_eq "the job that ended meanwhile is collected" success "$(ti_state "${P}crash" "$r_crash" short)"
check_eq "the waiting job fails at its timeout" failed "$(ti_state "${P}crash" "$r_crash" waits)"
log=$(log_of crash "$r_crash" long)
check_eq "the long log has 'before' once" 1 "$(grep -c '^before$' <<<"$log")"
check_eq "and 'after' once" 1 "$(grep -c '^after$' <<<"$log")"
check_eq "and one exit status line" 1 "$(grep -c '^\[dagd\] exit status 0$' <<<"$log")"
log=$(log_of crash "$r_crash" short)
check_eq "the short log has each line once" "one two" "$(grep -E '^(one|two)$' <<<"$log" | tr '\n' ' ' | sed 's/ $//')"
for t in long short waits; do
    check_eq "task $t ran once (one try)" 1 "$(task_instance crash "$r_crash" $t | jq -r .try_number)"
    check_eq "task $t had one service" 1 "$(grep -c 'creating service' "$T/state/logs/${P}crash/$r_crash/$t.1.log")"
done
check "the waiting job's log says why it timed out" \
    grep -q 'timed out waiting for a node' "$T/state/logs/${P}crash/$r_crash/waits.1.log"
check "no service of the crashed run is left" wait_for 15 no_services crash

# --- --stop-tasks: the agent's stop removes the services of running tries ---
stop_agent
"$BIN/dagd" -c "$T/dagd.ini" --stop-tasks 2>>"$T/agent.log" &
AGENT_PID=$!
wait_for 10 "$BIN/dagctl" -s "$SOCK" status >/dev/null
r_stopped=$(ctl trigger "${P}stopped")
check "the job to stop with the agent runs" \
    wait_for 30 grep -q '^up$' "$T/state/logs/${P}stopped/$r_stopped/long.1.log"
began=$(date +%s%N)
stop_agent
check "--stop-tasks exits within 5 s" test $((($(date +%s%N) - began) / 1000000)) -lt 5000
check "--stop-tasks removed the service" no_services stopped
check "the log says the service was removed" \
    grep -q 'stopped: service .* removed' "$T/state/logs/${P}stopped/$r_stopped/long.1.log"

# --- an unreachable manager ---
write_swarm_config "unix://$T/no-such-manager.sock"
start_agent || exit 1
r_dead=$(ctl trigger "${P}dead")
check_eq "a swarm task fails when the manager is unreachable" failed "$(wait_run dead "$r_dead")"
check "the log says the manager is unreachable" \
    grep -q "swarm manager at unix://$T/no-such-manager.sock unreachable" <<<"$(log_of dead "$r_dead" any)"
check "the agent keeps answering" bash -c "\"$BIN/dagctl\" -s \"$SOCK\" status >/dev/null"
stop_agent

check_eq "no service of this suite is left" "" "$(all_services)"
check "the suite took well under 90 s" test $(($(date +%s) - started)) -lt 90
