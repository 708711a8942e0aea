#!/bin/bash
# The engine end to end: --check, dags, status, trigger, wait, grid, logs, next.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

# --check on the shipped examples and config (etl_tables.ini is a family of three).
out=$("$BIN/dagd" -c "$ROOT/config/dagd.ini" --check 2>&1)
check_eq "--check passes on the shipped config and examples" 0 $?
check "--check reports the DAG count" grep -q '^ok: 7 DAGs' <<<"$out"

# --check on a broken DAG names the file and line.
mkdir -p "$T/bad"
printf '[dag]\nschedule = 61 * * * *\n\n[task a]\ncommand = true\nupstream = nope\n' >"$T/bad/broken.ini"
printf '[agent]\ndags_dir = bad\nstate_dir = state\n' >"$T/bad.ini"
out=$("$BIN/dagd" -c "$T/bad.ini" --check 2>&1)
check_eq "--check exits 1 on a broken DAG" 1 $?
check "--check names the bad cron line" grep -q "broken.ini:2: " <<<"$out"
check "--check names the unknown upstream line" grep -q "broken.ini:6: .*nope" <<<"$out"

# A param inside the command's own quotes would be unquoted again: refused.
printf '[params]\nx = 1\n[task a]\ncommand = echo "{{ params.x }}"\n' >"$T/bad/quoted.ini"
out=$("$BIN/dagd" -c "$T/bad.ini" --check 2>&1)
check "--check refuses a param inside quotes, naming the line" grep -q "quoted.ini:4: .*inside double quotes" <<<"$out"

cp "$ROOT/examples/hello.ini" "$T/dags/"
cat >"$T/dags/demo.ini" <<'DAG'
[dag]
schedule = none
[params]
who = world
[task a]
command = echo hi {{ params.who }}; echo "$DAGD_PARAM_WHO" >&2
[task b]
upstream = a
command = echo "b for {{ ds }} run {{ run_id }}"
[task c]
upstream = a
command = exit 3
retries = 1
retry_delay = 0s
[task d]
upstream = b c
trigger_rule = all_done
command = echo d
DAG
start_agent || exit 1

dags=$(jctl dags)
check_eq "dags lists both DAGs" "demo hello" "$(jq -r '[.[].dag_id] | join(" ")' <<<"$dags")"
check "dags has the contract fields" jq -e '.[0] | has("dag_id") and has("paused") and has("schedule") and has("next_run") and has("file") and has("error")' <<<"$dags" >/dev/null
check_eq "hello is scheduled @daily" "@daily" "$(jq -r '.[] | select(.dag_id == "hello") | .schedule' <<<"$dags")"

st=$(jctl status)
check "status has the contract fields" jq -e 'has("version") and has("pid") and has("uptime_s") and has("rss_kb") and has("dags") and has("running") and has("parallelism")' <<<"$st" >/dev/null
check_eq "status counts DAGs" 2 "$(jq .dags <<<"$st")"

nx=$(jctl next hello --count 3)
check_eq "next gives 3 runs" 3 "$(jq length <<<"$nx")"
check "next: a daily run starts one day after its logical date" \
    jq -e '.[0] | ((.starts_at | sub("\\+00:00$"; "Z") | fromdate) - (.logical_date | sub("\\+00:00$"; "Z") | fromdate)) == 86400' <<<"$nx" >/dev/null

# Trigger + wait + grid + logs.
tr=$(jctl trigger demo --date 2026-11-20 --param who=dagd)
run=$(jq -r .run_id <<<"$tr")
check_eq "trigger returns the manual run id" "manual__2026-11-20T00:00:00+00:00" "$run"
w=$(jctl wait demo "$run" --timeout 30)
rc=$?
check_eq "wait: run failed (leaf d ok but c failed is not a leaf) -> success" 0 "$rc"
check_eq "wait reports the state" success "$(jq -r .state <<<"$w")"
check_eq "task c failed after its retry" failed "$(ti_state demo "$run" c)"
check_eq "task c used two tries" 2 "$(jctl --json grid demo | jq -r '.runs[0].tasks.c.try_number')"
check_eq "all_done task d ran" success "$(ti_state demo "$run" d)"
check_eq "params reach the command" "hi dagd" "$(task_log demo "$run" a | head -1)"
check "params reach the environment" grep -qx dagd <(ctl logs demo "$run" a)
check_eq "templates render ds and run_id" "b for 2026-11-20 run $run" "$(task_log demo 2026-11-20 b)"
check_eq "each log ends with the exit status" "[dagd] exit status 3" "$(ctl logs demo "$run" c --try 1 | tail -1)"

# A second trigger for the same date is refused with exists.
ctl trigger demo --date 2026-11-20 >/dev/null 2>"$T/err"
check_eq "trigger on an existing date exits 1" 1 $?
check "trigger on an existing date says exists" grep -q exists "$T/err"
ctl trigger demo --param nope=1 >/dev/null 2>"$T/err"
check_eq "undeclared param refused" 1 $?
ctl trigger nosuchdag >/dev/null 2>&1
check_eq "unknown DAG exits 1" 1 $?
"$BIN/dagctl" -s "$T/none.sock" dags >/dev/null 2>&1
check_eq "no agent: exit 2" 2 $?
ctl frobnicate >/dev/null 2>&1
check_eq "unknown subcommand: exit 2" 2 $?

# A failed run: wait exits 1.
cat >"$T/dags/failing.ini" <<'DAG'
[task only]
command = echo about to fail; exit 1
DAG
stop_agent
start_agent || exit 1
run=$(ctl trigger failing)
ctl wait failing "$run" --timeout 30 >/dev/null
check_eq "wait on a failed run exits 1" 1 $?
check "trigger without a date has microseconds" grep -qE '^manual__[0-9T:-]+\.[0-9]{6}\+00:00$' <<<"$run"
check_eq "failed log kept" "about to fail" "$(task_log failing "$run" only)"

# wait --timeout on a run that does not finish in time exits 2.
cat >"$T/dags/slow.ini" <<'DAG'
[task sleepy]
command = sleep 5
DAG
stop_agent
start_agent || exit 1
run=$(ctl trigger slow)
ctl wait slow "$run" --timeout 1 >/dev/null
check_eq "wait --timeout exits 2" 2 $?
stop_agent
