#!/bin/bash
# A try that the agent claimed but never started (it died in between) is
# started again with the same try number: it does not use up a retry.
# The agent is stopped for real between the two: strace holds its loop
# thread at the spawn's clone (its first clone: the agent has no other
# thread yet), after it committed `running`; it is SIGKILLed there. (The
# claim writes the try's record into its log, so a FIFO there no longer
# holds the agent: it refuses one instead, checked at the end.)
. "$(dirname "$0")/lib.sh"
need_command strace "to hold the agent"
cat >"$T/dags/once.ini" <<DAG
[dag]
retries = 0
[task t]
command = echo "\$DAGD_TRY_NUMBER" >> $T/ledger
DAG
start_agent || exit 1
date=2026-01-05T00:00:00+00:00
run=manual__$date
log=$T/state/logs/once/$run/t.1.log
check_eq "the agent has no thread but its loop yet" 1 "$(ls /proc/"$AGENT_PID"/task | wc -l)"
strace -q -p "$AGENT_PID" -e trace=clone,clone3 -e inject=clone,clone3:delay_enter=30000000:when=1 \
    -o "$T/strace.out" 2>/dev/null &
STRACE_PID=$!
wait_for 10 grep -q "^TracerPid:[[:space:]]*$STRACE_PID$" "/proc/$AGENT_PID/status"
# Its reply would come after the spawn: it never does.
ctl trigger once --date "$date" >/dev/null 2>&1 &
# The agent is held on purpose here: no liveness check for these two steps.
LIVENESS=0
check "the claim is committed: running, try 1" wait_for 10 sh -c "[ \"\$(sqlite3 $T/state/dagd.db \"SELECT state || ' ' || try_number FROM task_instances WHERE dag_id = 'once'\")\" = 'running 1' ]"
check "and the agent is held at the spawn" wait_for 10 grep -q '^clone' "$T/strace.out"
check "before the try's shell ran" test ! -e "$T/ledger"
check_eq "its record says claimed" "claimed" "$(head -c 7 "$log")"
# SIGKILL first (it dies before the clone), then strace.
kill9_held_agent "$STRACE_PID"
start_agent || exit 1
ctl wait once "$run" --timeout 20 >/dev/null
check_eq "the run succeeds" success "$(run_state once "$run")"
check_eq "the try ran once, as try 1" 1 "$(cat "$T/ledger" 2>/dev/null | paste -sd' ')"
check_eq "its try number is 1" 1 "$(jctl grid once | jq -r '.runs[0].tasks.t.try_number')"
check "the agent says it starts the try again" grep -q "never started" "$T/agent.log"
check "and not that it ended while away" sh -c "! grep -q 'ended while the agent was away' $T/agent.log"
check_eq "its log holds its record, then its exit line" "exit 0         |[dagd] exit status 0" \
    "$(head -c 15 "$log")|$(tail -c +17 "$log")"

# A FIFO planted at a try's log path holds nothing: the claim refuses it
# and the try runs without a log.
frun=$(ctl trigger once --date 2026-01-06)
ctl wait once "$frun" --timeout 20 >/dev/null
mkfifo "$T/state/logs/once/$frun/t.2.log"
ctl clear once "$frun" t >/dev/null
check "a FIFO at the log path does not hold the agent: the try runs" \
    wait_for 10 sh -c "[ \"\$($BIN/dagctl -s $SOCK --json grid once | jq -r '.runs[0].tasks.t | \"\\(.state) \\(.try_number)\"')\" = 'success 2' ]"
check "the claim says why it has no record" grep -q "cannot write .*t.2.log" "$T/agent.log"
stop_agent
