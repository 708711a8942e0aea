#!/bin/bash
# The crash test: 60 short tasks with retries, the agent killed with SIGKILL
# five times while it runs. Afterwards every task instance is success, none
# finished twice, none ran beside itself, and every scheduled interval exists
# exactly once.
. "$(dirname "$0")/lib.sh"
KILLS=${CRASH_KILLS:-5}
start=$(date -u -d "@$(($(date +%s) - 180))" +%Y-%m-%dT%H:%M)
{
    printf '[dag]\nschedule = * * * * *\nstart_date = %s\ncatchup = true\nmax_active_runs = 4\n' "$start"
    printf 'retries = 3\nretry_delay = 0s\n'
    for c in 1 2 3 4 5 6; do
        for i in $(seq 1 10); do
            printf '[task c%s_%s]\n' "$c" "$i"
            [ "$i" -gt 1 ] && printf 'upstream = c%s_%s\n' "$c" $((i - 1))
            printf 'command = sh %s/step.sh\n' "$T"
        done
    done
} >"$T/dags/crashy.ini"
cat >"$T/step.sh" <<'STEP'
id="$DAGD_RUN_ID $DAGD_TASK_ID $DAGD_TRY_NUMBER"
echo "start $id $(date +%s%N)" >>"${0%/*}/trace"
sleep 0.1
echo "end $id $(date +%s%N)" >>"${0%/*}/trace"
STEP
PARALLELISM=16 start_agent || exit 1
check_eq "the DAG loads" "" "$(jctl dags | jq -r '.[0].error // ""')"

done_runs() {
    jctl grid crashy --limit 100 | jq '[.runs[] | select(.state == "success")] | length'
}
for k in $(seq 1 "$KILLS"); do
    # Kill it while tasks are running.
    wait_for 20 sh -c "[ \"\$($BIN/dagctl -s $SOCK --json status | jq .running)\" -gt 0 ]"
    sleep "0.$((RANDOM % 6 + 2))"
    kill9_agent
    ok "SIGKILL $k while tasks ran"
    start_agent || exit 1
done
check "every run finishes after $KILLS kills" wait_for 120 sh -c "[ \"\$($BIN/dagctl -s $SOCK --json grid crashy --limit 100 | jq '[.runs[] | select(.state != \"success\")] | length')\" = 0 ]"
grid=$(jctl grid crashy --limit 100)
runs=$(jq '.runs | length' <<<"$grid")
check "at least 3 scheduled runs ($runs)" test "$runs" -ge 3
check_eq "every task instance is success" 0 "$(jq '[.runs[].tasks[] | select(.state != "success")] | length' <<<"$grid")"
check_eq "every run has its 60 task instances" "$runs" "$(jq '[.runs[] | select((.tasks | length) == 60)] | length' <<<"$grid")"
# Finished twice: more than one end line for one task instance.
twice=$(awk '$1 == "end" { n[$2 " " $3]++ } END { c = 0; for (k in n) if (n[k] > 1) c++; print c }' "$T/trace")
check_eq "no task instance finished twice" 0 "$twice"
ends=$(awk '$1 == "end"' "$T/trace" | wc -l)
check_eq "every task instance finished once" $((runs * 60)) "$ends"
# Beside itself: a start of an instance while an earlier try of it had not ended.
overlap=$(sort -k5,5n "$T/trace" | awk '{ k = $2 " " $3 } $1 == "start" { if (open[k]) bad++; open[k] = 1 } $1 == "end" { open[k] = 0 } END { print bad + 0 }')
check_eq "no task instance ran beside itself" 0 "$overlap"
dates=$(jq -r '.runs[].logical_date' <<<"$grid" | sort)
check_eq "every scheduled interval exists once" "$(uniq <<<"$dates" | wc -l)" "$(wc -l <<<"$dates")"
gaps=$(while read -r d; do date -u -d "${d%+00:00}" +%s; done <<<"$dates" |
    awk 'NR > 1 && $1 - prev != 60 { bad++ } { prev = $1 } END { print bad + 0 }')
check_eq "and the intervals are contiguous" 0 "$gaps"
retried=$(awk '$1 == "start" && $4 > 1' "$T/trace" | wc -l)
echo "# $KILLS kills, $runs runs, $ends task instances, $retried retried tries"
stop_agent
