# Shared by the end-to-end tests: a private agent on a temp dir, driven by
# the real dagctl (like tmux's regress scripts start a private server).
# Output is TAP-like: "ok - ..." / "not ok - ..." lines, counted by
# scripts/run-tests.sh.
set -u
BIN=${DAGD_BIN:-$(cd "$(dirname "$0")/../.." && pwd)/bin}
T=$(mktemp -d /tmp/dagd-e2e.XXXXXX)
SOCK=$T/state/dagd.sock
AGENT_PID=
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
mkdir -p "$T/dags" "$T/state"

# Results go to the suite's own output whatever a caller redirects: a
# `check ... >/dev/null` (to quiet jq) must not swallow its verdict.
exec {TAP_FD}>&1
ok() {
    echo "ok - $*" >&"$TAP_FD"
    agent_answers "$*"
}
not_ok() {
    echo "not ok - $*" >&"$TAP_FD"
    agent_answers "$*"
}

# After every step: the agent (when one is up) answers `status` within 1 s,
# so no suite passes while the agent hangs or spins. LIVENESS=0 turns it off
# for a step that stops the agent on purpose; LIVENESS_TIMEOUT (s) gives a
# slowed agent (make valgrind) more room.
IN_LIVENESS=
agent_answers() {
    [ -n "$AGENT_PID" ] && [ -z "$IN_LIVENESS" ] && [ "${LIVENESS:-1}" = 1 ] || return 0
    IN_LIVENESS=1
    if ! kill -0 "$AGENT_PID" 2>/dev/null; then
        echo "not ok - the agent is alive after: $1" >&"$TAP_FD"
        AGENT_PID=
    elif ! timeout -k 1 "${LIVENESS_TIMEOUT:-1}" "$BIN/dagctl" -s "$SOCK" status >/dev/null 2>&1; then
        echo "not ok - the agent answers status within ${LIVENESS_TIMEOUT:-1} s after: $1" >&"$TAP_FD"
    fi
    IN_LIVENESS=
}

# check DESCRIPTION COMMAND...: passes when the command succeeds.
check() {
    desc=$1
    shift
    if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# check_eq DESCRIPTION EXPECTED ACTUAL
check_eq() {
    if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1 (expected '$2', got '$3')"; fi
}

# wait_for SECONDS COMMAND...: poll with a deadline until the command succeeds.
wait_for() {
    limit=$1
    shift
    end=$(($(date +%s%N) + limit * 1000000000))
    while ! "$@" 2>/dev/null; do
        [ "$(date +%s%N)" -gt "$end" ] && return 1
        sleep 0.02
    done
    return 0
}

write_config() {
    cat >"$T/dagd.ini" <<CFG
[agent]
state_dir = state
dags_dir = dags
parallelism = ${PARALLELISM:-16}
timezone = ${AGENT_TZ:-UTC}
${EXTRA_AGENT:-}
[pool db]
slots = 2
CFG
}

start_agent() {
    [ -f "$T/dagd.ini" ] || write_config
    # DAGD_WRAP runs the agent under a tool (make valgrind).
    # shellcheck disable=SC2086
    ${DAGD_WRAP:-} "$BIN/dagd" -c "$T/dagd.ini" 2>>"$T/agent.log" &
    AGENT_PID=$!
    # Ready when it answers (a killed agent may have left its socket file).
    if ! wait_for "${START_TIMEOUT:-10}" "$BIN/dagctl" -s "$SOCK" status >/dev/null; then
        not_ok "agent started (see log below)"
        cat "$T/agent.log"
        return 1
    fi
}

sanitizer_clean() {
    ! grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:|definitely lost: [1-9]|Invalid (read|write|free)|uninitialised' "$T/agent.log"
}

# Stop with SIGTERM; the agent must exit 0 and its log be free of
# sanitizer reports.
stop_agent() {
    [ -n "$AGENT_PID" ] || return 0
    kill -TERM "$AGENT_PID" 2>/dev/null
    wait "$AGENT_PID"
    rc=$?
    AGENT_PID=
    check_eq "agent exits 0 on SIGTERM" 0 "$rc"
    if sanitizer_clean; then ok "agent log has no sanitizer report"; else
        not_ok "agent log has no sanitizer report"
        cat "$T/agent.log"
    fi
}

# The suite is skipped (one skip line) when COMMAND is missing.
need_command() { # COMMAND WHAT_FOR
    command -v "$1" >/dev/null && return 0
    echo "skip - this test needs $1 $2 (scripts/deps.sh installs it)"
    exit 0
}

# SIGKILL an agent that strace (STRACE_PID) holds, then strace, which would
# otherwise keep the dead agent's exit to itself until its delay is over;
# liveness checks, off while it was held, are on again.
kill9_held_agent() {
    kill -KILL "$AGENT_PID"
    kill -KILL "$1" 2>/dev/null
    wait "$1" 2>/dev/null
    wait "$AGENT_PID" 2>/dev/null
    AGENT_PID=
    LIVENESS=1
}

kill9_agent() {
    kill -KILL "$AGENT_PID" 2>/dev/null
    wait "$AGENT_PID" 2>/dev/null
    AGENT_PID=
}

ctl() { "$BIN/dagctl" -s "$SOCK" "$@"; }
# A try's log without the agent's own exit line.
task_log() { "$BIN/dagctl" -s "$SOCK" logs "$@" | grep -v '^\[dagd\] exit status '; }
jctl() { "$BIN/dagctl" -s "$SOCK" --json "$@"; }

# The state of TASK in RUN of DAG, from the grid.
ti_state() {
    jctl grid "$1" --limit 1000 | jq -r --arg r "$2" --arg t "$3" \
        '.runs[] | select(.run_id == $r) | .tasks[$t].state'
}
run_state() {
    jctl grid "$1" --limit 1000 | jq -r --arg r "$2" '.runs[] | select(.run_id == $r) | .state'
}

cleanup() {
    # A suite that ends with its agent up: it must still be alive and clean.
    if [ -n "$AGENT_PID" ]; then
        if ! kill -0 "$AGENT_PID" 2>/dev/null; then
            echo "not ok - the agent is alive at the end of the suite"
        elif [ -f "$T/agent.log" ] && ! sanitizer_clean; then
            echo "not ok - agent log has no sanitizer report (end of suite)"
            cat "$T/agent.log"
        fi
    fi
    if [ -n "$AGENT_PID" ]; then
        kill -KILL "$AGENT_PID" 2>/dev/null
        wait "$AGENT_PID" 2>/dev/null
    fi
    pkill -KILL -f "$T/" 2>/dev/null
    # Tasks left running (their environment names their log under $T).
    for f in $(grep -ls "DAGD_LOG_FILE=$T/" /proc/[0-9]*/environ 2>/dev/null); do
        p=${f#/proc/}
        kill -KILL "${p%/environ}" 2>/dev/null
    done
    [ -n "${KEEP_T:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
