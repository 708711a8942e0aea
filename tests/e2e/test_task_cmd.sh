#!/bin/bash
# dagctl task: a task instance with its tries, each with the command as
# rendered (templates filled in), the executor, times, and the names of its
# environment, never the values; and the run's detail (`run`) with who
# triggered it from the audit.
. "$(dirname "$0")/lib.sh"
trap cleanup EXIT

cat >"$T/dags/flaky.ini" <<DAG
[params]
who = world
[task flaky]
retries = 2
retry_delay = 0s
env = SECRET_TOKEN=hunter2-{{ ds }}
command = n=\$(cat $T/count 2>/dev/null || echo 0); echo \$((n+1)) >$T/count; echo hi {{ params.who }} on {{ ds }} try {{ try_number }}; [ \$n -ge 2 ]
[task after]
upstream = flaky
command = echo after
DAG
cat >"$T/dags/daily.ini" <<DAG
[dag]
schedule = @daily
start_date = 2000-01-01
catchup = false
[task t]
command = true
DAG
# A local try inherits the agent's environment; its record names only
# what dagd gives it (the agent's own variables would fill every row).
DAGD_TEST_INHERITED=yes start_agent || exit 1
run=$(ctl trigger flaky --date 2026-03-04 --param who=ops)
ctl wait flaky "$run" --timeout 30 >/dev/null
t=$(jctl task flaky "$run" flaky)
check "task has the contract's fields" jq -e 'has("state") and has("try_number") and has("tries") and has("waiting_for")' <<<"$t" >/dev/null
check_eq "the instance succeeded on try 3" "success 3" "$(jq -r '"\(.state) \(.try_number)"' <<<"$t")"
check_eq "three tries, oldest first" "1 2 3" "$(jq -r '[.tries[].try] | join(" ")' <<<"$t")"
check_eq "each try's own outcome" "failed failed success" "$(jq -r '[.tries[].state] | join(" ")' <<<"$t")"
check "a try has the contract's fields" jq -e '.tries[0] | has("try") and has("state") and has("start") and has("end") and has("duration_s") and has("executor") and has("command")' <<<"$t" >/dev/null
check_eq "the command as rendered, templates filled in (try 2)" \
    'n=$(cat '"$T"'/count 2>/dev/null || echo 0); echo $((n+1)) >'"$T"'/count; echo hi '"'"'ops'"'"' on 2026-03-04 try 2; [ $n -ge 2 ]' \
    "$(jq -r '.tries[1].command' <<<"$t")"
check_eq "the executor" "local" "$(jq -r '.tries[2].executor' <<<"$t")"
check "start and end are times, duration a number" jq -e '.tries[0].start != null and .tries[0].end != null and (.tries[0].duration_s | type == "number")' <<<"$t" >/dev/null
check "env names are listed" jq -e '.tries[0].env_names | index("SECRET_TOKEN") and index("DAGD_PARAM_WHO") and index("DS")' <<<"$t" >/dev/null
check "the agent's own environment is not listed" jq -e '.tries[0].env_names | (index("DAGD_TEST_INHERITED") | not) and (index("PATH") | not)' <<<"$t" >/dev/null
check "a local try's log file and output are listed" jq -e '.tries[0].env_names | index("DAGD_LOG_FILE") and index("DAGD_OUTPUT")' <<<"$t" >/dev/null
if grep -q hunter2 <<<"$t"; then not_ok "env values are never shown (json)"; else ok "env values are never shown (json)"; fi
human=$(ctl task flaky "$run" flaky)
if grep -q "hi .ops. on 2026-03-04 try 1" <<<"$human" && ! grep -q hunter2 <<<"$human"; then
    ok "the plain output shows the commands, never env values"
else
    not_ok "the plain output shows the commands, never env values"
    echo "$human" | sed 's/^/#   /'
fi
ti=$(printf '{"id":1,"cmd":"task_instance","args":{"dag_id":"flaky","run_id":"%s","task_id":"flaky"}}\n' "$run" | socat -t 5 - "UNIX-CONNECT:$SOCK")
check_eq "task_instance still works" "success 3" "$(jq -r '"\(.result.state) \(.result.try_number)"' <<<"$ti")"
check_eq "a task by logical date" "after" "$(jctl task flaky 2026-03-04 after | jq -r .task_id)"
check_eq "an unknown task is not_found (exit 1)" 1 "$(ctl task flaky "$run" nope >/dev/null 2>&1; echo $?)"
check_eq "usage errors exit 2" 2 "$(ctl task flaky >/dev/null 2>&1; echo $?)"

# The run in detail: type, params, times, who triggered it, its tasks.
req() { printf '%s\n' "$1" | socat -t 5 - "UNIX-CONNECT:$SOCK" | jq -c .result; }
r=$(req '{"id":1,"cmd":"run","args":{"dag_id":"flaky","run_id":"'"$run"'"}}')
check_eq "run: type, state and params" 'manual success {"who":"ops"}' "$(jq -r '"\(.run_type) \(.state) \(.params | tostring)"' <<<"$r")"
check_eq "run: who triggered it, from the audit" "trigger $(id -un)" "$(jq -r '"\(.triggered_by.action) \(.triggered_by.user)"' <<<"$r")"
check "run: start, end and duration" jq -e '.start_date != null and .end_date != null and (.duration_s | type == "number")' <<<"$r" >/dev/null
check_eq "run: its tasks in topological order" "flaky after" "$(jq -r '[.tasks[].task_id] | join(" ")' <<<"$r")"
r=$(req '{"id":1,"cmd":"run","args":{"dag_id":"flaky","run_id":"'"$run"'","limit":1}}')
check_eq "run: tasks page" "flaky true 1" "$(jq -r '"\(.tasks[0].task_id) \(.more) \(.next_offset)"' <<<"$r")"
# A backfill run: who backfilled it.
ctl backfill daily --from 2026-01-01 --to 2026-01-01 >/dev/null
r=$(req '{"id":1,"cmd":"run","args":{"dag_id":"daily","run_id":"2026-01-01"}}')
check_eq "run: a backfill run names the backfill" "backfill backfill" "$(jq -r '"\(.run_type) \(.triggered_by.action)"' <<<"$r")"
# The grid's failed filter and the audit by DAG.
g=$(req '{"id":1,"cmd":"grid","args":{"dag_id":"flaky","state":"success","limit":5}}')
check "grid with state: runs with such a cell, with their position" jq -e '.runs | length >= 1 and (.[0] | has("position"))' <<<"$g" >/dev/null
g=$(req '{"id":1,"cmd":"grid","args":{"dag_id":"flaky","state":"failed","limit":5}}')
check_eq "grid with state failed: none failed" 0 "$(jq '.runs | length' <<<"$g")"
check "grid cells carry their duration" jq -e '.runs[0].tasks.flaky.duration_s | type == "number"' <<<"$(jctl grid flaky)" >/dev/null
a=$(req '{"id":1,"cmd":"audit","args":{"dag_id":"nope","limit":5}}')
check_eq "audit by another DAG: nothing" 0 "$(jq length <<<"$a")"
a=$(req '{"id":1,"cmd":"audit","args":{"dag_id":"flaky","limit":5}}')
check_eq "audit by DAG: its records only" "trigger" "$(jq -r '[.[].action] | join(" ")' <<<"$a")"
stop_agent
