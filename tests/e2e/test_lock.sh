#!/bin/bash
# One agent per state directory: a second agent on the same state exits 1 at
# once, naming the holder, and touches nothing (store, socket, logs); the lock
# goes with a SIGKILLed agent; --check needs no lock.
. "$(dirname "$0")/lib.sh"

# A catchup DAG whose tasks append to a ledger: every task instance runs once
# however many agents race for the state.
start=$(date -u -d "@$(($(date +%s) - 40 * 86400))" +%Y-%m-%d)
cat >"$T/dags/ledger.ini" <<DAG
[dag]
schedule = @daily
start_date = $start
catchup = true
max_active_runs = 8
[task a]
command = echo "\$DAGD_RUN_ID a" >>$T/ledger
[task b]
upstream = a
command = echo "\$DAGD_RUN_ID b" >>$T/ledger
DAG
alive() { ctl status >/dev/null; }
start_agent || exit 1
first=$AGENT_PID

# The same config again.
out=$(timeout 10 "$BIN/dagd" -c "$T/dagd.ini" 2>&1)
check_eq "a second agent on the same config exits 1" 1 $?
check "it names the state and the holder's pid" \
    grep -q "dagd: $T/state is in use by agent $first\$" <<<"$out"
check "the first agent still answers" alive

# The same state with another socket: refused before it touches anything.
check "the first agent's runs are done" wait_for 60 sh -c \
    "[ \"\$($BIN/dagctl -s $SOCK --json grid ledger --limit 100 | jq '[.runs[] | select(.state != \"success\")] | length')\" = 0 ]"
sed "s|^state_dir = state|state_dir = state\nsocket = $T/other.sock|" "$T/dagd.ini" >"$T/other.ini"
snapshot() { (cd "$T/state" && find . -path ./dagd.lock -prune -o -print0 | sort -z | xargs -0 sha256sum 2>/dev/null; find . | sort); }
before=$(snapshot)
t0=$(date +%s%N)
out=$(timeout 10 "$BIN/dagd" -c "$T/other.ini" 2>&1)
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
check_eq "an agent with another socket on the same state exits 1" 1 "$rc"
check "and says who holds it" grep -q "is in use by agent $first" <<<"$out"
check "it exits at once (${ms} ms)" test "$ms" -lt 2000
check "it made no socket" test ! -e "$T/other.sock"
check_eq "the store, logs and socket are unchanged by it" "$before" "$(snapshot)"
check "the first agent still answers" alive

# --check only reads: no lock needed.
out=$("$BIN/dagd" -c "$T/other.ini" --check 2>&1)
check_eq "--check runs while an agent holds the state" 0 $?

# The socket check stays: another state dir on the same socket is refused and
# does not unlink the live socket.
mkdir -p "$T/s2"
printf '[agent]\nstate_dir = s2\ndags_dir = dags\nsocket = %s\n' "$SOCK" >"$T/samesock.ini"
out=$(timeout 10 "$BIN/dagd" -c "$T/samesock.ini" 2>&1)
check_eq "an agent on another state but the same socket exits 1" 1 $?
check "it says another agent listens there" grep -q "another agent is listening" <<<"$out"
check "the first agent still answers on its socket" alive

# SIGKILL: the lock goes with the process; a new agent started at once gets it.
kill9_agent
start_agent || exit 1
check "an agent started right after a SIGKILL gets the lock" alive
check_eq "the lock file names the new agent" "$AGENT_PID" "$(cat "$T/state/dagd.lock")"
kill9_agent

# Two agents started within a few ms of each other, many times: exactly one
# runs each time, and no task instance runs twice, while a busy DAG works
# through its catchup across all the rounds.
ROUNDS=${LOCK_ROUNDS:-100}
bstart=$(date -u -d "@$(($(date +%s) - 150 * 86400))" +%Y-%m-%d)
cat >"$T/dags/busy.ini" <<DAG
[dag]
schedule = @daily
start_date = $bstart
catchup = true
max_active_runs = 4
[task a]
command = echo "\$DAGD_RUN_ID busy" >>$T/ledger; sleep 0.02
DAG
bad=0
for i in $(seq 1 "$ROUNDS"); do
    "$BIN/dagd" -c "$T/dagd.ini" 2>>"$T/agent.log" &
    a=$!
    "$BIN/dagd" -c "$T/other.ini" 2>>"$T/agent.log" &
    b=$!
    # One exits 1 at once; the other answers on its own socket.
    loser=
    end=$(($(date +%s%N) + 10000000000))
    while [ -z "$loser" ] && [ "$(date +%s%N)" -lt "$end" ]; do
        if ! kill -0 "$a" 2>/dev/null; then loser=$a winner=$b wsock=$T/other.sock; fi
        if ! kill -0 "$b" 2>/dev/null; then loser=$b winner=$a wsock=$SOCK; fi
        [ -z "$loser" ] && sleep 0.005
    done
    if [ -z "$loser" ]; then
        bad=$((bad + 1))
        kill -KILL "$a" "$b" 2>/dev/null
        wait "$a" "$b" 2>/dev/null
        continue
    fi
    wait "$loser"
    lrc=$?
    if [ "$lrc" -ne 1 ] || ! wait_for 10 "$BIN/dagctl" -s "$wsock" status >/dev/null; then
        bad=$((bad + 1))
        echo "# round $i: loser exited $lrc, winner answers: $(kill -0 "$winner" 2>&1 && echo yes)"
    fi
    # Alternate SIGKILL and SIGTERM for the winner.
    if [ $((i % 2)) -eq 0 ]; then kill -KILL "$winner"; else kill -TERM "$winner"; fi
    wait "$winner" 2>/dev/null
done
check_eq "$ROUNDS races: exactly one agent ran each time" 0 "$bad"

start_agent || exit 1
check "after the races every run is done" wait_for 60 sh -c \
    "[ \"\$($BIN/dagctl -s $SOCK --json grid ledger --limit 100 | jq '[.runs[] | select(.state != \"success\")] | length')\" = 0 ]"
check "and every busy run is done" wait_for 60 sh -c \
    "[ \"\$($BIN/dagctl -s $SOCK --json grid busy --limit 1000 | jq '[.runs[] | select(.state != \"success\")] | length')\" = 0 ]"
runs=$(jctl grid ledger --limit 100 | jq '.runs | length')
busy=$(jctl grid busy --limit 1000 | jq '.runs | length')
check "the catchup runs exist ($runs, $busy)" test "$runs" -ge 40 -a "$busy" -ge 150
check_eq "every task instance ran exactly once (ledger)" "$((runs * 2 + busy))" "$(sort -u "$T/ledger" | wc -l)"
check_eq "no task instance ran twice (ledger)" "$(wc -l <"$T/ledger")" "$(sort -u "$T/ledger" | wc -l)"
stop_agent
