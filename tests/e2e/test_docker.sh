#!/bin/bash
# Docker tasks against the real engine: output and exit codes, limits,
# container options, cleanup and keep, missing image, timeout, reattach after
# kill -9, memory admission, an unreachable engine. Skips when no engine.
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

# Every container of this test carries its DAG ids, all prefixed with $P.
P=dk$$_
containers() { docker ps -aq --filter "label=dagd.dag_id=$1"; }
no_containers() { [ -z "$(containers "$1")" ]; }
cleanup_docker() {
    for d in io limits opts keep slow crash ended adm marked edited burst chain; do
        c=$(containers "$P$d")
        [ -n "$c" ] && docker rm -f $c >/dev/null 2>&1
    done
}
trap 'cleanup_docker; cleanup' EXIT

write_docker_config() {
    cat >"$T/dagd.ini" <<CFG
[agent]
state_dir = state
dags_dir = dags
memory_budget = 100M
[docker]
host = $1
CFG
}
write_docker_config "$DOCKER_HOST_URL"

log_of() { ctl logs "$P$1" "$2" "$3"; }
wait_run() { jctl wait "$P$1" "$2" --timeout "${3:-60}" | jq -r .state; }

mkdir -p "$T/data" "$T/adm"
echo "from the host" >"$T/data/in.txt"

cat >"$T/dags/${P}io.ini" <<DAG
[task out]
image = $IMAGE
command = sh -c 'echo to-stdout {{ ds }}; echo to-stderr >&2; echo "FOO=\$FOO"; env'
env = FOO=bar
[task fail]
image = $IMAGE
command = sh -c 'echo failing; exit 7'
DAG
# Many lines written right before the exit: the end of the output races the
# container's teardown (the engine's log follower dropped it now and then).
BURST=16 BURST_LINES=20000
for i in $(seq 1 $BURST); do
    printf '[task b%s]\nimage = %s\ncommand = seq 1 %s\n' "$i" "$IMAGE" "$BURST_LINES"
done >"$T/dags/${P}burst.ini"
cat >>"$T/dags/${P}burst.ini" <<DAG
[task last]
image = $IMAGE
command = sh -c 'seq 1 $BURST_LINES; exit 255'
DAG
# A chain: each container starts once the one before has ended (and is torn
# down); a failure stops it.
cat >"$T/dags/${P}chain.ini" <<DAG
[task c1]
image = $IMAGE
command = sh -c 'echo one'
[task c2]
image = $IMAGE
upstream = c1
command = sh -c 'echo two; exit 0'
[task c3]
image = $IMAGE
upstream = c2
command = sh -c 'echo three; exit 7'
[task c4]
image = $IMAGE
upstream = c3
command = true
DAG
cat >"$T/dags/${P}limits.ini" <<DAG
[task caps]
image = $IMAGE
memory = 64M
cpus = 0.5
command = sh -c 'cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes; cat /sys/fs/cgroup/cpu.max 2>/dev/null || cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us'
DAG
cat >"$T/dags/${P}opts.ini" <<DAG
[task opts]
image = $IMAGE
entrypoint = /bin/sh -c
command = 'echo "pwd=\$(pwd) uid=\$(id -u)"; cat /data/in.txt; echo "arg: \$0"' 'one word'
workdir = /tmp
user = 65534
network = none
volumes = $T/data:/data:ro
DAG
cat >"$T/dags/${P}keep.ini" <<DAG
[task kept]
image = $IMAGE
keep = true
command = true
DAG
cat >"$T/dags/${P}missing.ini" <<DAG
[task nope]
image = dagd-no-such-image-$$:v1
pull = never
command = true
[task nope_pull]
image = dagd-no-such-image-$$:v1
command = true
DAG
cat >"$T/dags/${P}slow.ini" <<DAG
[task slow]
image = $IMAGE
timeout = 2s
command = sh -c 'trap "exit 143" TERM; echo started; sleep 60 & wait'
DAG
cat >"$T/dags/${P}crash.ini" <<DAG
[task long]
image = $IMAGE
command = sh -c 'echo before; sleep 4; echo after'
DAG
cat >"$T/dags/${P}ended.ini" <<DAG
[task gone]
image = $IMAGE
command = sh -c 'echo one; sleep 2; echo two; exit 3'
DAG
cat >"$T/dags/${P}marked.ini" <<DAG
[task long]
image = $IMAGE
command = sh -c 'trap "exit 143" TERM; echo up; sleep 60 & wait'
DAG
cat >"$T/dags/${P}edited.ini" <<DAG
[task stays]
image = $IMAGE
command = sh -c 'echo first; sleep 2; echo last'
[task goes]
image = $IMAGE
command = sh -c 'trap "exit 143" TERM; echo up; sleep 5 & wait'
DAG
cat >"$T/dags/${P}adm.ini" <<DAG
[task a]
image = $IMAGE
memory = 60M
volumes = $T/adm:/out
command = sh -c 'echo + >> /out/trace; sleep 1; echo - >> /out/trace'
[task b]
image = $IMAGE
memory = 60M
volumes = $T/adm:/out
command = sh -c 'echo + >> /out/trace; sleep 1; echo - >> /out/trace'
DAG

start_agent || exit 1

# --- output, exit codes, cleanup ---
run=$(ctl trigger "${P}io")
io_run=$run
check_eq "a failing container fails its run" failed "$(wait_run io "$run")"
check_eq "exit 0 is success" success "$(ti_state "${P}io" "$run" out)"
check_eq "exit 7 is failed" failed "$(ti_state "${P}io" "$run" fail)"
log=$(log_of io "$run" out)
check "stdout is in the log" grep -q "^to-stdout $(date -u +%Y-%m-%d)" <<<"$log"
check "stderr is in the log" grep -q '^to-stderr$' <<<"$log"
check "env = reaches the container" grep -q '^FOO=bar$' <<<"$log"
check "the contract's variables reach the container" grep -q "^DAGD_TASK_ID=out$" <<<"$log"
check "the agent's environment does not" bash -c "! grep -q '^ASAN_OPTIONS=' <<<'$log'"
check "the exit status is logged" grep -q '^\[dagd\] exit status 7$' <<<"$(log_of io "$run" fail)"
check "no container is left behind" wait_for 10 no_containers "${P}io"

# --- a burst of output right before the exit is all in the log ---
run=$(ctl trigger "${P}burst")
check_eq "the burst run ends failed (its last task exits 255)" failed "$(wait_run burst "$run" 120)"
complete=0
for i in $(seq 1 $BURST); do
    [ "$(log_of burst "$run" "b$i" | grep -c '^[0-9][0-9]*$')" = "$BURST_LINES" ] &&
        complete=$((complete + 1))
done
check_eq "every log holds all $BURST_LINES lines written right before the exit" "$BURST" "$complete"
log=$(log_of burst "$run" last)
check_eq "and so does the one that exits 255" "$BURST_LINES" "$(grep -c '^[0-9][0-9]*$' <<<"$log")"
check "exit status 255 is exact" grep -q '^\[dagd\] exit status 255$' <<<"$log"
check "no container of the burst is left" wait_for 20 no_containers "${P}burst"

# --- a chain of containers ---
run=$(ctl trigger "${P}chain")
check_eq "the chain fails at its exit 7" failed "$(wait_run chain "$run")"
check_eq "its tasks end success success failed upstream_failed" \
    "success success failed upstream_failed" \
    "$(for t in c1 c2 c3 c4; do ti_state "${P}chain" "$run" $t; done | tr '\n' ' ' | sed 's/ $//')"
check_eq "each log holds its output" "one two three" \
    "$(for t in c1 c2 c3; do log_of chain "$run" $t | grep -v '^\[dagd\]'; done | tr '\n' ' ' | sed 's/ $//')"
check "exit 7 stays 7 in a chain" grep -q '^\[dagd\] exit status 7$' <<<"$(log_of chain "$run" c3)"
check "no container of the chain is left" wait_for 20 no_containers "${P}chain"

# --- limits ---
run=$(ctl trigger "${P}limits")
check_eq "the limits task succeeds" success "$(wait_run limits "$run")"
log=$(log_of limits "$run" caps)
check "memory = 64M is the container's memory limit" grep -q '^67108864$' <<<"$log"
check "cpus = 0.5 is the container's CPU quota" grep -qE '^(50000 100000|50000)$' <<<"$log"

# --- container options ---
run=$(ctl trigger "${P}opts")
check_eq "entrypoint / workdir / user / volumes task succeeds" success "$(wait_run opts "$run")"
log=$(log_of opts "$run" opts)
check "workdir and user apply" grep -q '^pwd=/tmp uid=65534$' <<<"$log"
check "a volume is mounted" grep -q '^from the host$' <<<"$log"
check "the command is split like a shell splits it" grep -q '^arg: one word$' <<<"$log"

# --- keep ---
run=$(ctl trigger "${P}keep")
check_eq "the keep task succeeds" success "$(wait_run keep "$run")"
check_eq "keep = true keeps its container" 1 "$(containers "${P}keep" | wc -l)"

# --- missing image ---
run=$(ctl trigger "${P}missing")
check_eq "a missing image fails the run" failed "$(wait_run missing "$run" 120)"
check "pull = never: the log names the image" \
    grep -q "dagd-no-such-image-$$:v1" <<<"$(log_of missing "$run" nope)"
log=$(log_of missing "$run" nope_pull)
check "pull = missing: the pull is logged" grep -q "pulling image dagd-no-such-image-$$:v1" <<<"$log"
check "pull = missing: the failure names the image" \
    grep -q "image dagd-no-such-image-$$:v1 cannot be pulled" <<<"$log"

# --- timeout ---
start=$(date +%s)
run=$(ctl trigger "${P}slow")
check_eq "a container past its timeout fails" failed "$(wait_run slow "$run")"
check "it is stopped well before its sleep ends" test $(($(date +%s) - start)) -lt 30
check "the log says it timed out" grep -q 'timed out' <<<"$(log_of slow "$run" slow)"
check "the stopped container is removed" wait_for 10 no_containers "${P}slow"

# --- marking a running container task stops its container ---
run=$(ctl trigger "${P}marked")
check "the container to mark runs" wait_for 30 grep -q up "$T/state/logs/${P}marked/$run/long.1.log"
ctl mark "${P}marked" "$run" long failed >/dev/null
check "mark failed stops and removes its container" wait_for 20 no_containers "${P}marked"
check_eq "and the mark stands" failed "$(ti_state "${P}marked" "$run" long)"

# --- the DAG file changes under running containers ---
run=$(ctl trigger "${P}edited")
check "the containers of the DAG to edit run" wait_for 30 grep -q up \
    "$T/state/logs/${P}edited/$run/goes.1.log"
cat >"$T/dags/${P}edited.ini" <<DAG
[task stays]
image = $IMAGE
command = sh -c 'echo first; sleep 2; echo last'
[task added]
command = true
DAG
edit_loaded() { [ "$(jctl grid "${P}edited" | jq -r '.tasks | join(" ")')" = "stays added" ]; }
check "the edit is loaded" wait_for 5 edit_loaded
# The run keeps its version (SPEC "DAG versions"): the container of the task
# that the edit removed runs to its end, inside that run.
check_eq "the run on its old version ends normally" success "$(wait_run edited "$run")"
check_eq "the removed task's container ran to its end in that run" success "$(ti_state "${P}edited" "$run" goes)"
check "its containers are removed" wait_for 20 no_containers "${P}edited"

# --- admission: 60M + 60M do not fit memory_budget = 100M ---
run=$(ctl trigger "${P}adm")
waiting() {
    for t in a b; do
        req=$(jq -cn --arg d "${P}adm" --arg r "$run" --arg t "$t" \
            '{id:1,cmd:"task_instance",args:{dag_id:$d,run_id:$r,task_id:$t}}')
        w=$(printf '%s\n' "$req" | socat -t 2 - "UNIX-CONNECT:$SOCK" | jq -r .result.waiting_for)
        [ "$w" = memory ] && return 0
    done
    return 1
}
check "a task that does not fit waits for memory" wait_for 20 waiting
check_eq "both admission tasks succeed" success "$(wait_run adm "$run")"
check_eq "they ran one after the other" "+ - + -" "$(tr '\n' ' ' <"$T/adm/trace" | sed 's/ $//')"

# --- a task that can never fit is a load error ---
cat >"$T/never.ini" <<DAG
[task huge]
image = $IMAGE
memory = 1G
command = true
DAG
mkdir -p "$T/never"
cp "$T/never.ini" "$T/never/huge.ini"
sed 's|^dags_dir = dags|dags_dir = never|' "$T/dagd.ini" >"$T/never.cfg"
out=$("$BIN/dagd" -c "$T/never.cfg" --check 2>&1)
check "--check fails for a task that can never fit" test $? -ne 0
check "the error names the file and line and memory_budget" \
    grep -q "huge.ini:1: .*memory.*memory_budget" <<<"$out"

# --- reattach after kill -9: one container runs on, one ends meanwhile ---
run=$(ctl trigger "${P}crash")
run2=$(ctl trigger "${P}ended")
check "the long container runs" wait_for 30 grep -q before "$T/state/logs/${P}crash/$run/long.1.log"
check "so does the one that will end" wait_for 30 grep -q one "$T/state/logs/${P}ended/$run2/gone.1.log"
kill9_agent
check "the container survives the agent" test -n "$(docker ps -q --filter "label=dagd.dag_id=${P}crash")"
check_eq "the other ends while the agent is away" 3 \
    "$(docker wait $(containers "${P}ended") 2>/dev/null)"
# A container of a task instance that is over: the agent died before removing it.
# Its 2.4 MB of labels make the engine's list of dagd's containers longer
# than the 1 MiB that the agent once read of it, silently: the cut JSON read
# as an empty list, and nothing was removed.
for i in $(seq 1 40); do
    printf 'dagd-test.pad%s=%s\n' "$i" "$(head -c 60000 /dev/zero | tr '\0' x)"
done >"$T/labels"
left=$(docker create --label "dagd.dag_id=${P}io" --label "dagd.run_id=$io_run" \
    --label dagd.task_id=out --label dagd.try_number=1 --label-file "$T/labels" "$IMAGE" true)
check "its labels alone are over 1 MiB" \
    test "$(docker inspect --format '{{json .Config.Labels}}' "$left" | wc -c)" -gt 1048576
start_agent || exit 1
check "the container of a finished task instance is removed" wait_for 20 no_containers "${P}io"
check_eq "the try that ended meanwhile is collected: exit 3 fails it" failed \
    "$(wait_run ended "$run2")"
log=$(tail -c +17 "$T/state/logs/${P}ended/$run2/gone.1.log") # after its status record
check_eq "its log holds all its output once" "one two" \
    "$(grep -vE '^\[dagd\]' <<<"$log" | tr '\n' ' ' | sed 's/ $//')"
check "with its exit status" grep -q '^\[dagd\] exit status 3$' <<<"$log"
check_eq "the reattached task ends success" success "$(wait_run crash "$run")"
check_eq "with the same try number" 1 "$(jctl grid "${P}crash" | jq -r '.runs[0].tasks.long.try_number')"
log=$(tail -c +17 "$T/state/logs/${P}crash/$run/long.1.log") # after its status record
check_eq "its log is complete, nothing twice" "before after" \
    "$(grep -vE '^\[dagd\]' <<<"$log" | tr '\n' ' ' | sed 's/ $//')"
check "and its exit status is collected" grep -q '^\[dagd\] exit status 0$' <<<"$log"
check "the reattached container is removed" wait_for 10 no_containers "${P}crash"
stop_agent

# --- an unreachable engine fails the task, the agent goes on ---
write_docker_config "unix://$T/no-engine.sock"
cat >"$T/dags/${P}local.ini" <<DAG
[task hi]
command = echo local fine
DAG
start_agent || exit 1
run=$(ctl trigger "${P}io")
check_eq "with the engine unreachable the task fails" failed "$(wait_run io "$run")"
check "the log names the socket" grep -q "unix://$T/no-engine.sock" <<<"$(log_of io "$run" out)"
run=$(ctl trigger "${P}local")
check_eq "and local tasks still run" success "$(wait_run local "$run")"
stop_agent
