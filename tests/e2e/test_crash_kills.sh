#!/bin/bash
# Many SIGKILLs at random 0-150 ms intervals while runs are busy, with
# retries = 0, so that any try the agent loses or counts wrongly shows as a
# failure: afterwards 0 failed, 0 duplicated (each try appends to a ledger),
# 0 lost and 0 stuck task instances. CRASH_KILLS (default 100, about 20 s)
# and CRASH_RUNS are knobs; CRASH_SEED replays the intervals.
. "$(dirname "$0")/lib.sh"
KILLS=${CRASH_KILLS:-100}
RUNS=${CRASH_RUNS:-$((KILLS * 3 / 2 + 10))}
SEED=${CRASH_SEED:-$$}
RANDOM=$SEED
echo "# seed $SEED (CRASH_SEED=$SEED replays the kill intervals)"
# RUNS minutely intervals that have all ended (end_date: no more come).
first=$((($(date +%s) / 60 - RUNS - 1) * 60))
start=$(date -u -d "@$first" +%Y-%m-%dT%H:%M)
end=$(date -u -d "@$((first + (RUNS - 1) * 60))" +%Y-%m-%dT%H:%M)
CHAINS=3 DEPTH=4
{
    printf '[dag]\nschedule = * * * * *\nstart_date = %s\nend_date = %s\ncatchup = true\n' "$start" "$end"
    printf 'max_active_runs = 4\nretries = 0\n'
    for c in $(seq 1 $CHAINS); do
        for i in $(seq 1 $DEPTH); do
            printf '[task c%s_%s]\n' "$c" "$i"
            [ "$i" -gt 1 ] && printf 'upstream = c%s_%s\n' "$c" $((i - 1))
            printf 'command = sh %s/step.sh\n' "$T"
        done
    done
} >"$T/dags/busy.ini"
cat >"$T/step.sh" <<'STEP'
id="$DAGD_RUN_ID $DAGD_TASK_ID $DAGD_TRY_NUMBER"
echo "start $id" >>"${0%/*}/ledger"
sleep 0.$((RANDOM % 5 + 1))
echo "end $id" >>"${0%/*}/ledger"
STEP
PER_RUN=$((CHAINS * DEPTH))
START_TIMEOUT=20 PARALLELISM=16 start_agent || exit 1
t0=$(date +%s%N)
busy=0
for k in $(seq 1 "$KILLS"); do
    sleep "$(printf '0.%03d' $((RANDOM % 151)))"
    # Counted, not required: was anything running just before the kill?
    n=$(timeout 1 "$BIN/dagctl" -s "$SOCK" --json status 2>/dev/null | jq -r '.running // 0')
    echo "$k $(($(date +%s%N) / 1000000)) $n" >>"$T/kills"
    [ "${n:-0}" -gt 0 ] && busy=$((busy + 1))
    kill9_agent
    START_TIMEOUT=20 start_agent || exit 1
done
kill_s=$((($(date +%s%N) - t0) / 1000000))
ok "$KILLS SIGKILLs in $kill_s ms, $busy of them while tasks ran"
check "kills landed during busy runs ($busy of $KILLS)" test "$busy" -ge $((KILLS / 2))
all_finished() {
    [ "$(jctl grid busy --limit 1000 | jq '[.runs[] | select(.state == "success" or .state == "failed")] | length')" = "$RUNS" ]
}
check "every run finishes (none stuck)" wait_for 60 all_finished
grid=$(jctl grid busy --limit 1000)
check_eq "every interval has its run" "$RUNS" "$(jq '.runs | length' <<<"$grid")"
failed=$(jq '[.runs[].tasks[] | select(.state != "success")] | length' <<<"$grid")
check_eq "0 task instances failed (or not success)" 0 "$failed"
check_eq "every run has its $PER_RUN task instances" "$RUNS" "$(jq "[.runs[] | select((.tasks | length) == $PER_RUN)] | length" <<<"$grid")"
check_eq "every try is try 1 (no retry, none started twice)" 0 "$(jq '[.runs[].tasks[] | select(.try_number != 1)] | length' <<<"$grid")"
dup=$(awk '$1 == "start" { n[$2 " " $3]++ } END { c = 0; for (k in n) if (n[k] > 1) c++; print c }' "$T/ledger")
check_eq "0 task instances duplicated (ledger)" 0 "$dup"
ends=$(awk '$1 == "end" { n[$2 " " $3]++ } END { c = 0; for (k in n) c++; print c }' "$T/ledger")
check_eq "0 lost: every task instance ran to its end once" $((RUNS * PER_RUN)) "$ends"
stuck=$(jq '[.runs[].tasks[] | select(.state == "running" or .state == "queued" or .state == "none" or .state == "scheduled" or .state == "up_for_retry")] | length' <<<"$grid")
check_eq "0 stuck task instances" 0 "$stuck"
echo "# $KILLS kills ($busy while busy), $RUNS runs, $ends task instances, $failed not success, $dup duplicated"
stop_agent
