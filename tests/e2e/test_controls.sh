#!/bin/bash
# Operator controls with Airflow's semantics: pause, clear, mark, backfill,
# depends_on_past, the audit log.
. "$(dirname "$0")/lib.sh"

cat >"$T/dags/abc.ini" <<DAG
[task a]
command = echo a
[task b]
upstream = a
command = test ! -e $T/b_fails
[task c]
upstream = b
command = echo c
DAG
cat >"$T/dags/slow.ini" <<DAG
[task first]
command = sleep 1; echo first done
[task second]
upstream = first
command = echo second
DAG
cat >"$T/dags/killme.ini" <<DAG
[task long]
command = echo \$\$ > $T/long.pid; exec sleep 60
[task after]
upstream = long
command = echo after
DAG
start=$(date -u -d '-3 days' +%Y-%m-%d)
cat >"$T/dags/daily.ini" <<DAG
[dag]
schedule = @daily
start_date = $start
catchup = true
max_active_runs = 1
[task t]
command = echo "+ \$(date +%s%N)" >> $T/daily.trace; sleep 0.1; echo "- \$(date +%s%N)" >> $T/daily.trace
DAG
# Backfilled: a backfill covers ended intervals on or after start_date.
b0=$(date -u -d '-60 days' +%Y-%m-%d)
bday() { date -u -d "$b0 +$1 days" +%Y-%m-%d; }
cat >"$T/dags/filled.ini" <<DAG
[dag]
schedule = @daily
start_date = $b0
catchup = false
max_active_runs = 1
[task t]
command = echo "+ \$(date +%s%N)" >> $T/filled.trace; sleep 0.1; echo "- \$(date +%s%N)" >> $T/filled.trace
DAG
cat >"$T/dags/past.ini" <<DAG
[dag]
depends_on_past = true
[task gate]
command = echo gate {{ ds }}
DAG
start_agent || exit 1
wait_for 20 sh -c "[ \$($BIN/dagctl -s $SOCK --json grid daily | jq '[.runs[] | select(.state == \"success\")] | length') -ge 3 ]"

# --- pause -----------------------------------------------------------------
r=$(jctl pause daily)
check_eq "pause replies paused" true "$(jq .paused <<<"$r")"
check_eq "dags shows it paused" true "$(jctl dags | jq '.[] | select(.dag_id == "daily") | .paused')"
run=$(ctl trigger daily --date 2020-01-01)
check_eq "a trigger of a paused DAG is accepted" "manual__2020-01-01T00:00:00+00:00" "$run"
check "the run waits while paused" sh -c "sleep 0.5; [ \"\$($BIN/dagctl -s $SOCK --json grid daily --limit 100 | jq -r '.runs[] | select(.run_id == \"$run\") | .state')\" = queued ]"
stop_agent
start_agent || exit 1
check_eq "pause survives a restart" true "$(jctl dags | jq '.[] | select(.dag_id == "daily") | .paused')"
ctl unpause daily >/dev/null
ctl wait daily "$run" --timeout 20 >/dev/null
check_eq "after unpause the waiting run finishes" success "$(run_state daily "$run")"

# Pausing mid-run: the running task finishes, nothing new starts.
run=$(ctl trigger slow)
wait_for 10 sh -c "[ \"\$($BIN/dagctl -s $SOCK --json grid slow | jq -r '.runs[0].tasks.first.state')\" = running ]"
ctl pause slow >/dev/null
check "a running task finishes while paused" wait_for 10 sh -c "[ \"\$($BIN/dagctl -s $SOCK --json grid slow | jq -r '.runs[0].tasks.first.state')\" = success ]"
check "its downstream does not start while paused" sh -c "sleep 0.5; [ \"\$($BIN/dagctl -s $SOCK --json grid slow | jq -r '.runs[0].tasks.second.state')\" = none ]"
ctl unpause slow >/dev/null
ctl wait slow "$run" --timeout 10 >/dev/null
check_eq "and starts after unpause" success "$(ti_state slow "$run" second)"

# --- clear -------------------------------------------------------------------
touch "$T/b_fails"
run=$(ctl trigger abc --date 2026-11-01)
ctl wait abc "$run" --timeout 10 >/dev/null
check_eq "b failed" failed "$(ti_state abc "$run" b)"
check_eq "c upstream_failed" upstream_failed "$(ti_state abc "$run" c)"
check_eq "the run failed" failed "$(run_state abc "$run")"
rm "$T/b_fails"
out=$(ctl clear abc 2026-11-01 b --downstream --dry-run)
check "--dry-run lists b" grep -qE ' b$' <<<"$out"
check "--dry-run lists c" grep -qE ' c$' <<<"$out"
check_eq "--dry-run changes nothing" failed "$(ti_state abc "$run" b)"
r=$(jctl clear abc 2026-11-01 b --downstream)
check_eq "clear --downstream touches b and c" "b c" "$(jq -r '[.cleared[].task_id] | sort | join(" ")' <<<"$r")"
ctl wait abc "$run" --timeout 10 >/dev/null
check_eq "clear reopens the finished run and it succeeds" success "$(run_state abc "$run")"
check_eq "the cleared task's next attempt is try 2" 2 "$(jctl grid abc | jq '.runs[0].tasks.b.try_number')"
check_eq "a, not cleared, kept try 1" 1 "$(jctl grid abc | jq '.runs[0].tasks.a.try_number')"

r=$(jctl clear abc 2026-11-01 b --upstream --dry-run)
check_eq "--upstream selects a and b" "a b" "$(jq -r '[.cleared[].task_id] | sort | join(" ")' <<<"$r")"
r=$(jctl clear abc 2026-11-01 c --failed-only --dry-run)
check_eq "--failed-only skips successful instances" 0 "$(jq '.cleared | length' <<<"$r")"

# --past / --future across several runs
for d in 2026-11-02 2026-11-03 2026-11-04; do
    rr=$(ctl trigger abc --date $d)
    ctl wait abc "$rr" --timeout 10 >/dev/null
done
r=$(jctl clear abc 2026-11-03 a --past --dry-run)
check_eq "--past: the same task in earlier runs" "2026-11-01 2026-11-02 2026-11-03" \
    "$(jq -r '[.cleared[].run_id | sub("manual__"; "") | .[0:10]] | sort | join(" ")' <<<"$r")"
r=$(jctl clear abc 2026-11-03 a --future --dry-run)
check_eq "--future: the same task in later runs" "2026-11-03 2026-11-04" \
    "$(jq -r '[.cleared[].run_id | sub("manual__"; "") | .[0:10]] | sort | join(" ")' <<<"$r")"
r=$(jctl clear abc 2026-11-03 c --past --future)
check_eq "clear --past --future touches all 4 runs" 4 "$(jq '.cleared | length' <<<"$r")"
wait_for 10 sh -c "[ \"\$($BIN/dagctl -s $SOCK --json grid abc | jq '[.runs[] | select(.state == \"success\")] | length')\" = 4 ]"
check_eq "all four reran c" "2 2 2 2" "$(jctl grid abc | jq -r '[.runs[].tasks.c.try_number] | join(" ")')"

# clear kills a running task first
run=$(ctl trigger killme)
wait_for 10 test -s "$T/long.pid"
pid=$(cat "$T/long.pid")
ctl clear killme "$run" long >/dev/null
check "clear kills the running try" wait_for 10 sh -c "! kill -0 $pid 2>/dev/null"
check "the cleared task runs again (try 2)" wait_for 10 sh -c "[ \"\$($BIN/dagctl -s $SOCK --json grid killme | jq '.runs[0].tasks.long.try_number')\" = 2 ]"

# --- mark ----------------------------------------------------------------------
pid=$(cat "$T/long.pid")
ctl mark killme "$run" long success >/dev/null
check "mark success kills the running try" wait_for 10 sh -c "! kill -0 $pid 2>/dev/null"
ctl wait killme "$run" --timeout 10 >/dev/null
check_eq "marked success, its downstream ran" success "$(ti_state killme "$run" after)"
check_eq "the marked task is success" success "$(ti_state killme "$run" long)"

touch "$T/b_fails"
run=$(ctl trigger abc --date 2026-11-10)
ctl wait abc "$run" --timeout 10 >/dev/null
ctl mark abc "$run" b success >/dev/null
ctl wait abc "$run" --timeout 10 >/dev/null
check_eq "mark success on a failed task lets upstream_failed downstream run" success "$(ti_state abc "$run" c)"
check_eq "and the run succeeds" success "$(run_state abc "$run")"
check_eq "the marked task did not run again" 1 "$(jctl grid abc | jq '.runs[0].tasks.b.try_number')"
rm "$T/b_fails"

run=$(ctl trigger abc --date 2026-11-11)
ctl wait abc "$run" --timeout 10 >/dev/null
ctl mark abc "$run" c failed >/dev/null
check_eq "mark failed on a leaf fails its run" failed "$(run_state abc "$run")"
check_eq "and reruns nothing" "1 1" "$(jctl grid abc | jq -r '[.runs[0].tasks.a.try_number, .runs[0].tasks.b.try_number] | join(" ")')"
ctl mark abc "$run" a failed --downstream >/dev/null
check_eq "mark failed --downstream marks b too" failed "$(ti_state abc "$run" b)"
r=$(jctl mark abc "$run" a success --dry-run)
check_eq "mark --dry-run lists only what changes" 1 "$(jq '.marked | length' <<<"$r")"

# --- depends_on_past: a failed day holds the next ones; clearing releases ----
ctl pause past >/dev/null
r1=$(ctl trigger past --date 2026-11-01)
r2=$(ctl trigger past --date 2026-11-02)
r3=$(ctl trigger past --date 2026-11-03)
ctl mark past "$r2" gate failed >/dev/null
ctl unpause past >/dev/null
ctl wait past "$r1" --timeout 10 >/dev/null
check_eq "the older run continues" success "$(run_state past "$r1")"
check_eq "the marked day is failed" failed "$(run_state past "$r2")"
check "the next day is held back" sh -c "sleep 0.5; [ \"\$($BIN/dagctl -s $SOCK --json grid past | jq -r '.runs[0].tasks.gate.state')\" = none ]"
ctl clear past "$r2" gate >/dev/null
ctl wait past "$r3" --timeout 10 >/dev/null
check_eq "after clearing, the held day runs" success "$(run_state past "$r3")"
check_eq "and the cleared day succeeded" success "$(run_state past "$r2")"

# --- backfill --------------------------------------------------------------------
: >"$T/filled.trace"
ctl pause filled >/dev/null
r=$(jctl backfill filled --from "$b0" --to "$(bday 4)")
check_eq "backfill creates one run per interval" 5 "$(jq '.run_ids | length' <<<"$r")"
check_eq "backfill run ids" "backfill__${b0}T00:00:00+00:00" "$(jq -r '.run_ids[0]' <<<"$r")"
last=$(jq -r '.run_ids[4]' <<<"$r")
ctl wait filled "$last" --timeout 30 >/dev/null
check_eq "backfill runs on a paused DAG" success "$(run_state filled "$last")"
overlap=$(awk '$1 == "+" { n++; if (n > m) m = n } $1 == "-" { n-- } END { print m }' "$T/filled.trace")
check_eq "backfill honours max_active_runs = 1" 1 "$overlap"
r=$(jctl backfill filled --from "$b0" --to "$(bday 6)")
check_eq "backfill skips dates that have a run" "backfill__$(bday 5)T00:00:00+00:00 backfill__$(bday 6)T00:00:00+00:00" "$(jq -r '.run_ids | join(" ")' <<<"$r")"
ctl backfill past --from 2026-10-01 --to 2026-10-02 >/dev/null 2>"$T/err"
check_eq "backfill of an unscheduled DAG is refused" 1 $?
check "with a reason" grep -q "no schedule" "$T/err"

# --- audit -------------------------------------------------------------------------
a=$(jctl audit --limit 100)
check "audit has the contract fields" jq -e '.[0] | has("time") and has("uid") and has("user") and has("action") and has("dag_id") and has("run_id") and has("task_id") and has("detail")' <<<"$a" >/dev/null
check_eq "audit records who" "$(id -un)" "$(jq -r '.[0].user' <<<"$a")"
check "audit records the clear with its flags and count" jq -e 'any(.[]; .action == "clear" and .task_id == "c" and (.detail | test("past,future")) and (.detail | test("touched 4")))' <<<"$a" >/dev/null
check "audit records mark, pause, unpause, backfill, trigger" jq -e '([.[].action] | unique) as $a | ["mark_success","mark_failed","pause","unpause","backfill","trigger"] - $a == []' <<<"$a" >/dev/null
check "dry runs are not audited" jq -e 'all(.[]; (.detail // "") | test("dry") | not)' <<<"$a" >/dev/null
stop_agent
