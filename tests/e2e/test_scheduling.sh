#!/bin/bash
# The scheduler: catchup, catchup = false, max_active_runs, exactly once
# across restarts.
. "$(dirname "$0")/lib.sh"

start=$(date -u -d "@$(($(date +%s) - 240))" +%Y-%m-%dT%H:%M)
cat >"$T/dags/minutely.ini" <<DAG
[dag]
schedule = * * * * *
start_date = $start
catchup = true
max_active_runs = 1
[task t]
command = echo "+ \$(date +%s%N)" >> $T/trace; sleep 0.2; echo "- \$(date +%s%N)" >> $T/trace
DAG
cat >"$T/dags/latest.ini" <<DAG
[dag]
schedule = * * * * *
start_date = $start
catchup = false
[task t]
command = true
DAG
started_minute=$(($(date +%s) / 60 * 60))
start_agent || exit 1

logical_dates() {
    jctl grid "$1" --limit 100 | jq -r '.runs[] | select(.run_id | startswith("scheduled__")) | .logical_date' | sort
}
all_done() {
    [ "$(jctl grid minutely --limit 100 | jq '[.runs[] | select(.state != "success")] | length')" = 0 ] &&
        [ "$(jctl grid minutely --limit 100 | jq '.runs | length')" -ge 4 ]
}
check "catchup creates and finishes every missed interval" wait_for 30 all_done
dates=$(logical_dates minutely)
first=$(head -1 <<<"$dates")
check_eq "the first interval starts at start_date" "${start}:00+00:00" "$first"
check_eq "logical dates are unique" "$(uniq <<<"$dates" | wc -l)" "$(wc -l <<<"$dates")"
# Contiguous minutes, no gap.
gaps=$(while read -r d; do date -u -d "${d%+00:00}" +%s; done <<<"$dates" |
    awk 'NR > 1 && $1 - prev != 60 { bad++ } { prev = $1 } END { print bad + 0 }')
check_eq "intervals are contiguous" 0 "$gaps"
check "run ids follow scheduled__<logical date>" jq -e 'all(.runs[]; .run_id == "scheduled__" + .logical_date)' <(jctl grid minutely) >/dev/null
overlap=$(awk '$1 == "+" { n++; if (n > m) m = n } $1 == "-" { n-- } END { print m }' "$T/trace")
check_eq "max_active_runs = 1 runs them one at a time" 1 "$overlap"

# Runs of the intervals that ended before the agent started: a minute that
# ends while the suite runs adds one more, rightly, and is not counted.
latest=$(logical_dates latest | while read -r d; do
    [ "$(date -u -d "${d%+00:00}" +%s)" -lt $((started_minute - 60)) ] || echo "$d"
done | head -n 1)
all_before=$(logical_dates latest | while read -r d; do
    [ "$(date -u -d "${d%+00:00}" +%s)" -lt $((started_minute - 60)) ] && echo "$d"
done | wc -l)
check_eq "catchup = false creates only the latest interval (none older)" 0 "$all_before"
minute=$started_minute
expect=$(date -u -d "@$((minute - 60))" +%Y-%m-%dT%H:%M:00+00:00)
prev=$(date -u -d "@$((minute - 120))" +%Y-%m-%dT%H:%M:00+00:00)
check "catchup = false: the interval that ended last ($latest)" test "$latest" = "$expect" -o "$latest" = "$prev"

# Restart: nothing is created twice.
before=$(logical_dates minutely | wc -l)
stop_agent
start_agent || exit 1
wait_for 10 all_done
after=$(logical_dates minutely)
check_eq "after a restart logical dates stay unique" "$(uniq <<<"$after" | wc -l)" "$(wc -l <<<"$after")"
check "after a restart no interval is recreated" test "$(wc -l <<<"$after")" -le $((before + 1))

# A paused-at-start... (pause arrives with the controls issue). A future
# start_date creates nothing yet.
future=$(date -u -d '+2 days' +%Y-%m-%d)
cat >"$T/dags/future.ini" <<DAG
[dag]
schedule = @daily
start_date = $future
[task t]
command = true
DAG
stop_agent
start_agent || exit 1
check_eq "a future start_date creates no run" 0 "$(jctl grid future | jq '.runs | length')"
check_eq "next run of a future DAG is its start_date" "${future}T00:00:00+00:00" "$(jctl next future --count 1 | jq -r '.[0].logical_date')"
stop_agent
