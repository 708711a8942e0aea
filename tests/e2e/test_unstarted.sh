#!/bin/bash
# A try that the agent claimed but never started (it died in between) is
# started again with the same try number: it does not use up a retry.
# The agent is stopped for real between the two: the try's log is a FIFO,
# so that the agent blocks opening it right after it committed `running`
# and before it spawns the shell; it is SIGKILLed there.
. "$(dirname "$0")/lib.sh"
cat >"$T/dags/once.ini" <<DAG
[dag]
retries = 0
[task t]
command = echo "\$DAGD_TRY_NUMBER" >> $T/ledger
DAG
start_agent || exit 1
date=2026-01-05T00:00:00+00:00
run=manual__$date
log=$T/state/logs/once/$run/t/1.log
mkdir -p "${log%/*}"
mkfifo "$log"
# Its reply would come after the spawn: it never does.
ctl trigger once --date "$date" >/dev/null 2>&1 &
# The agent is held on purpose here: no liveness check for these two steps.
LIVENESS=0
check "the claim is committed: running, try 1" wait_for 10 sh -c "[ \"\$(sqlite3 $T/state/dagd.db \"SELECT state || ' ' || try_number FROM task_instances WHERE dag_id = 'once'\")\" = 'running 1' ]"
check "and the agent is held before the spawn" test ! -e "$T/ledger"
kill9_agent
LIVENESS=1
rm -f "$log"
start_agent || exit 1
ctl wait once "$run" --timeout 20 >/dev/null
check_eq "the run succeeds" success "$(run_state once "$run")"
check_eq "the try ran once, as try 1" 1 "$(cat "$T/ledger" 2>/dev/null | paste -sd' ')"
check_eq "its try number is 1" 1 "$(jctl grid once | jq -r '.runs[0].tasks.t.try_number')"
check "the agent says it starts the try again" grep -q "never started" "$T/agent.log"
check "and not that it ended while away" sh -c "! grep -q 'ended while the agent was away' $T/agent.log"
stop_agent
