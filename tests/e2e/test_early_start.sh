#!/bin/bash
# A local try may start before its claim is committed once the store has
# its run running (batch.c): the commit then runs beside the try's exec.
# An agent killed in between finds the store still saying the try before,
# and must take the started try over from its record (recovery.c): not run
# it a second time, not lose it, not leave its history open. strace holds
# the agent in that commit (every write to the WAL waits), and it is
# SIGKILLed there.
. "$(dirname "$0")/lib.sh"
need_command strace "to hold the agent"
cat >"$T/dags/early.ini" <<DAG
[dag]
retries = 0
[task a]
command = while [ ! -e $T/go_a ]; do sleep 0.05; done
[task b]
upstream = a
command = echo "b \$DAGD_TRY_NUMBER" >> $T/ledger; while [ ! -e $T/go_b ]; do sleep 0.05; done
[task c]
upstream = b
command = echo c >> $T/ledger
DAG
start_agent || exit 1
date=2026-01-07T00:00:00+00:00
run=manual__$date
ctl trigger early --date "$date" >/dev/null
check "a runs" wait_for 10 sh -c "[ \"\$($BIN/dagctl -s $SOCK --json grid early | jq -r '.runs[0].tasks.a.state')\" = running ]"
stored() { sqlite3 "$T/state/dagd.db" "SELECT state || ' ' || try_number FROM task_instances WHERE dag_id = 'early' AND task_id = '$1'"; }
check_eq "the store has b waiting, no try yet" "none 0" "$(stored b)"
# a's pid is stored a moment after its start (batch.c): that commit first.
check "a's pid is stored" wait_for 10 sh -c "[ \"\$(sqlite3 $T/state/dagd.db \"SELECT pid FROM task_instances WHERE dag_id = 'early' AND task_id = 'a'\")\" -gt 0 ]"

strace -q -p "$AGENT_PID" -e trace=pwrite64 -P "$T/state/dagd.db-wal" \
    -e inject=pwrite64:delay_enter=30000000 -o "$T/strace.out" 2>/dev/null &
STRACE_PID=$!
wait_for 10 grep -q "^TracerPid:[[:space:]]*$STRACE_PID$" "/proc/$AGENT_PID/status"
# The agent is held on purpose from here: no liveness check.
LIVENESS=0
touch "$T/go_a"
check "b started" wait_for 10 grep -qx "b 1" "$T/ledger"
check "while the agent is held in the commit of its claim" wait_for 10 grep -q '^pwrite64' "$T/strace.out"
check_eq "so the store still has b waiting" "none 0" "$(stored b)"
check_eq "and a running" "running 1" "$(stored a)"
kill9_held_agent "$STRACE_PID"

start_agent || exit 1
check "the agent takes b over" grep -q "early $run b try 1 started before its claim was stored: taken over" \
    "$T/agent.log"
check_eq "b is running, try 1" "running 1" \
    "$(jctl grid early | jq -r '.runs[0].tasks.b | "\(.state) \(.try_number)"')"
check_eq "a succeeded (its record said exit 0)" success "$(ti_state early "$run" a)"
touch "$T/go_b"
ctl wait early "$run" --timeout 20 >/dev/null
check_eq "the run succeeds" success "$(run_state early "$run")"
check_eq "b ran once, as try 1, then c" "b 1|c" "$(paste -sd'|' "$T/ledger")"
check_eq "b's history: one try, success" "1 success" \
    "$(jctl task early "$run" b | jq -r '.tries | map("\(.try) \(.state)") | join(",")')"
check_eq "a's history: one try, success" "1 success" \
    "$(jctl task early "$run" a | jq -r '.tries | map("\(.try) \(.state)") | join(",")')"
check "b's try has its command on record" \
    sh -c "$BIN/dagctl -s $SOCK --json task early '$run' b | jq -e '.tries[0].command | test(\"go_b\")' >/dev/null"

# The first task of a new run is not started early: its run is not stored
# running before that batch (the commit comes first, test_unstarted.sh).
rm -f "$T/go_a" "$T/go_b"
run2=$(ctl trigger early --date 2026-01-08)
check "the next run's first task runs" wait_for 10 sh -c "[ \"\$($BIN/dagctl -s $SOCK --json grid early | jq -r '.runs[0].tasks.a.state')\" = running ]"
check_eq "with its claim committed" "running 1" \
    "$(sqlite3 "$T/state/dagd.db" "SELECT state || ' ' || try_number FROM task_instances WHERE dag_id = 'early' AND run_id = '$run2' AND task_id = 'a'")"
touch "$T/go_a" "$T/go_b"
ctl wait early "$run2" --timeout 20 >/dev/null
check_eq "and that run succeeds" success "$(run_state early "$run2")"
stop_agent
