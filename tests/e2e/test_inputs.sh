#!/bin/bash
# Odd input (SPEC "Limits and odd input"): ids that are path parts, logical
# dates at and beyond the bounds, log reads that would leave the log folder.
. "$(dirname "$0")/lib.sh"
req() { printf '%s\n' "$1" | socat -t 5 - "UNIX-CONNECT:$SOCK"; }

cat >"$T/dags/d.ini" <<'DAG'
[task a]
command = echo hello
DAG
cat >"$T/dags/tokyo.ini" <<'DAG'
[dag]
timezone = Asia/Tokyo
[task a]
command = echo hi
DAG
cat >"$T/dags/dotdot.ini" <<'DAG'
[dag]
id = ..
[task a]
command = echo escaped
DAG
cat >"$T/dags/taskdots.ini" <<'DAG'
[task ..]
command = echo shared
DAG
cat >"$T/dags/daily.ini" <<'DAG'
[dag]
schedule = @daily
[task a]
command = true
DAG
# start_date and end_date at the epoch are dates, not "none".
cat >"$T/dags/epoch.ini" <<'DAG'
[dag]
schedule = @daily
start_date = 1970-01-01
end_date = 1970-01-03
catchup = true
max_active_runs = 3
[task a]
command = echo {{ ds }}
DAG
start_agent || exit 1

# ---- ids ----
err=$(jctl dags | jq -r '.[] | select(.file | endswith("/dotdot.ini")) | .error')
check "DAG id .. is a load error naming file and line ($(head -1 <<<"$err"))" \
    grep -q 'dotdot.ini:2: .*bad DAG id "\.\."' <<<"$err"
err=$(jctl dags | jq -r '.[] | select(.file | endswith("/taskdots.ini")) | .error')
check "task id .. is a load error naming file and line ($(head -1 <<<"$err"))" \
    grep -q 'taskdots.ini:1: .*bad task id "\.\."' <<<"$err"
check_eq "no DAG is named . or .." "" "$(jctl dags | jq -r '.[] | select(.error == null) | .dag_id' | grep -x '\.\.\?')"
check "nothing was written beside logs/" test ! -e "$T/state/a"

# ---- dates ----
out=$(jctl trigger d --date 1970-01-01)
check_eq "trigger --date 1970-01-01 reads back as the epoch" "1970-01-01T00:00:00+00:00" \
    "$(jq -r .logical_date <<<"$out")"
run=$(jq -r .run_id <<<"$out")
check_eq "its run id names the epoch" "manual__1970-01-01T00:00:00+00:00" "$run"
w=$(jctl wait d 1970-01-01 --timeout 20)
check_eq "wait finds it by date" success "$(jq -r .state <<<"$w")"
check_eq "wait reads the date back" "1970-01-01T00:00:00+00:00" "$(jq -r .logical_date <<<"$w")"
check_eq "grid reads the date back" "1970-01-01T00:00:00+00:00" \
    "$(jctl grid d | jq -r --arg r "$run" '.runs[] | select(.run_id == $r) | .logical_date')"
ti=$(req "{\"id\":1,\"cmd\":\"task_instance\",\"args\":{\"dag_id\":\"d\",\"run_id\":\"$run\",\"task_id\":\"a\"}}")
check_eq "task_instance reads the date back" "1970-01-01T00:00:00+00:00" \
    "$(jq -r .result.logical_date <<<"$ti")"
check_eq "the task saw the epoch as ds" "hello" "$(task_log d "$run" a)"
check_eq "the same instant with +14:00 is the same run" exists \
    "$(jctl trigger d --date 1970-01-01T14:00:00+14:00 2>/dev/null | jq -r .code)"

refused() { # DESCRIPTION FIELD COMMAND...
    local desc=$1 field=$2
    shift 2
    local e
    e=$("$@" 2>/dev/null)
    check_eq "$desc is bad_request" bad_request "$(jq -r .code <<<"$e")"
    check "$desc: the message names $field ($(jq -r .message <<<"$e"))" \
        grep -q "$field" <<<"$(jq -r .message <<<"$e")"
}
refused "1969-12-31T23:59:59Z" args.date jctl trigger d --date 1969-12-31T23:59:59Z
refused "1970-01-01T13:59:59+14:00" args.date jctl trigger d --date 1970-01-01T13:59:59+14:00
refused "year 0" args.date jctl trigger d --date 0000-01-01
refused "10000-01-01" args.date jctl trigger d --date 10000-01-01
refused "9999-12-31T23:59:59.5Z" args.date jctl trigger d --date 9999-12-31T23:59:59.5Z
refused "backfill from 1969" args.from jctl backfill daily --from 1969-12-31 --to 1970-01-02
refused "backfill to 10000" args.to jctl backfill daily --from 9999-12-30 --to 10000-01-01

out=$(jctl trigger d --date 9999-12-31T23:59:59Z)
check_eq "9999-12-31T23:59:59Z is accepted and reads back" "9999-12-31T23:59:59+00:00" \
    "$(jq -r .logical_date <<<"$out")"
check_eq "and in the grid" "9999-12-31T23:59:59+00:00" "$(jctl grid d --limit 1 | jq -r '.runs[0].logical_date')"
out=$(jctl trigger d --date 9999-12-31T09:59:58-14:00)
check_eq "a date near the end with -14:00 reads back in the DAG's zone" \
    "9999-12-31T23:59:58+00:00" "$(jq -r .logical_date <<<"$out")"
out=$(jctl trigger tokyo --date 9999-12-31T23:59:59Z)
late=$(jq -r .logical_date <<<"$out")
check_eq "the last instant in Tokyo is 10000-01-01" "10000-01-01T08:59:59+09:00" "$late"
w=$(jctl wait tokyo "$late" --timeout 20)
check_eq "and what reads back names the run again" "$late" "$(jq -r .logical_date <<<"$w")"
out=$(jctl trigger tokyo --date 1970-01-01T09:00)
check_eq "the epoch in Tokyo is 1970-01-01T09:00" "1970-01-01T09:00:00+09:00" "$(jq -r .logical_date <<<"$out")"
refused "1970-01-01 in Tokyo (before the epoch)" args.date jctl trigger tokyo --date 1970-01-01

three_epoch_runs() { [ "$(jctl grid epoch | jq '[.runs[] | select(.state == "success")] | length')" = 3 ]; }
wait_for 20 three_epoch_runs
check_eq "start_date 1970-01-01 .. end_date 1970-01-03 makes exactly those runs" \
    "1970-01-03T00:00:00+00:00 1970-01-02T00:00:00+00:00 1970-01-01T00:00:00+00:00" \
    "$(jctl grid epoch | jq -r '[.runs[].logical_date] | join(" ")')"
check_eq "the first one's ds is 1970-01-01" 1970-01-01 "$(task_log epoch 1970-01-01 a)"
check_eq "nothing is next after the end_date" "[]" "$(jctl next epoch | jq -c .)"

stop_agent
