#!/bin/bash
# Scheduling policies: catchup_window (missed intervals older than the window
# are left out, the log says how many), overlap = skip / queue, and jitter
# (a start offset fixed per DAG id; logical dates unchanged; next and dags
# show the real start).
. "$(dirname "$0")/lib.sh"

day=$(date -u +%Y-%m-%d)
start30=$(date -u -d "$day -30 days" +%Y-%m-%d)
cat >"$T/dags/windowed.ini" <<DAG
[dag]
schedule = @daily
start_date = $start30
catchup = true
catchup_window = 7d
[task t]
command = true
DAG
# Three ended minutes while the first run holds the only slot.
startm_s=$(($(date +%s) / 60 * 60 - 180))
startm=$(date -u -d "@$startm_s" +%Y-%m-%dT%H:%M)
for policy in skip queue; do
    cat >"$T/dags/ov_$policy.ini" <<DAG
[dag]
schedule = * * * * *
start_date = $startm
max_active_runs = 1
overlap = $policy
[task t]
command = while [ ! -e $T/release_$policy ]; do sleep 0.05; done
DAG
done
cat >"$T/dags/jittered.ini" <<DAG
[dag]
schedule = @hourly
jitter = 30m
[task t]
command = true
DAG
cat >"$T/dags/jittered_too.ini" <<DAG
[dag]
schedule = @hourly
jitter = 30m
[task t]
command = true
DAG
# Caught-up hourly runs with a jitter: each starts at its interval's end
# plus the DAG's offset, no earlier.
start3h=$(date -u -d "@$(($(date +%s) / 3600 * 3600 - 3 * 3600))" +%Y-%m-%dT%H:%M)
cat >"$T/dags/jit_catch.ini" <<DAG
[dag]
schedule = @hourly
start_date = $start3h
jitter = 50m
[task t]
command = true
DAG
# A jitter chosen so that the last ended interval's start is still ahead
# (its offset lands past now, within the hour): that run must wait.
hour_s=$(($(date +%s) / 3600 * 3600))
J=$(python3 -c '
import sys, time
h = 1469598103934665603
for c in b"jit_wait":
    h = ((h ^ c) * 1099511628211) % 2**64
e = int(time.time()) - int(sys.argv[1])
for j in range(e + 60, 3600):
    if e + 30 <= h % j < 3590:
        print(j); break' "$hour_s")
if [ -n "$J" ]; then
    cat >"$T/dags/jit_wait.ini" <<DAG
[dag]
schedule = @hourly
start_date = $(date -u -d "@$((hour_s - 7200))" +%Y-%m-%dT%H:%M)
jitter = ${J}s
[task t]
command = true
DAG
fi
start_agent || exit 1

# catchup_window = 7d: the runs that were due (whose interval ended) in the
# last 7 days: the intervals of the 7 days before today.
nruns() { jctl grid "$1" --limit 100 | jq '.runs | length'; }
check "catchup_window: the runs in the window are made" wait_for 20 test "$(nruns windowed)" -ge 7
sleep_check() { [ "$(jctl grid windowed --limit 100 | jq '[.runs[] | select(.state != "success")] | length')" = 0 ]; }
wait_for 20 sleep_check
check_eq "catchup_window = 7d: 7 runs, not 30" 7 "$(nruns windowed)"
check_eq "catchup_window: the oldest is 7 days back" "$(date -u -d "$day -7 days" +%Y-%m-%d)T00:00:00+00:00" \
    "$(jctl grid windowed --limit 100 | jq -r '.runs[-1].logical_date')"
check_eq "catchup_window: the newest is yesterday" "$(date -u -d "$day -1 days" +%Y-%m-%d)T00:00:00+00:00" \
    "$(jctl grid windowed --limit 100 | jq -r '.runs[0].logical_date')"
check "the agent log says how many were left out (23)" grep -q 'windowed: catchup_window left out 23 missed intervals' "$T/agent.log"

# overlap = skip: while the first run is active, the due ones are not made.
m1=$(date -u -d "@$((startm_s + 60))" +%Y-%m-%dT%H:%M:00+00:00)
m2=$(date -u -d "@$((startm_s + 120))" +%Y-%m-%dT%H:%M:00+00:00)
# Both due at the start: one line for the two (a minute that ends meanwhile
# may add its own line).
check "overlap = skip: the log names the left-out runs" wait_for 10 grep -q "ov_skip: overlap = skip: [23] runs from $m1 to .* were not created (1 active run, max_active_runs 1)" "$T/agent.log"
check_eq "overlap = skip: one run while it is active" 1 "$(nruns ov_skip)"
left_out() { # every left-out run the log names: "N runs from" or "the run for"
    sed -n -e 's/.*ov_skip: overlap = skip: \([0-9]*\) runs from .*/\1/p' \
        -e 's/.*ov_skip: overlap = skip: the run for .*/1/p' "$T/agent.log" | awk '{s+=$1} END {print s+0}'
}
n_left=$(left_out)
check "overlap = skip: the log names at least two left-out runs" test "$n_left" -ge 2
skipped_metric() { ctl metrics | sed -n 's/^dagd_runs_skipped_total{dag_id="ov_skip"} //p'; }
check_eq "overlap = skip: dagd_runs_skipped_total counts every left-out run" "$n_left" "$(skipped_metric)"
check_eq "overlap = queue: dagd_runs_skipped_total stays 0" 0 \
    "$(ctl metrics | sed -n 's/^dagd_runs_skipped_total{dag_id="ov_queue"} //p')"
check_eq "overlap = queue: one run while it is active" 1 "$(nruns ov_queue)"
check "overlap = queue: nothing is logged as skipped" bash -c "! grep -q 'ov_queue: overlap = skip' '$T/agent.log'"
touch "$T/release_skip" "$T/release_queue"
first_done() { [ "$(jctl grid ov_skip --limit 100 | jq -r '.runs[-1].state')" = success ]; }
check "overlap = skip: the active run finishes" wait_for 20 first_done
queue_done() { [ "$(jctl grid ov_queue --limit 100 | jq '[.runs[] | select(.state == "success")] | length')" -ge 3 ]; }
check "overlap = queue: the waiting intervals run after it" wait_for 30 queue_done
has_date() { jctl grid "$1" --limit 100 | jq -e --arg d "$2" 'any(.runs[]; .logical_date == $d)' >/dev/null; }
check "overlap = queue: the interval after the first has its run" has_date ov_queue "$m1"
check "overlap = skip: the skipped intervals never get a run" bash -c "! { $(declare -f has_date jctl); BIN='$BIN' SOCK='$SOCK'; has_date ov_skip '$m1' || has_date ov_skip '$m2'; }"

# The next planned run of ov_skip lies after the skipped ones.
has_date_not_planned() {
    next=$(jctl dags | jq -r '.[] | select(.dag_id == "ov_skip") | .next_run')
    [ "$(date -u -d "$next" +%s)" -gt "$(date -u -d "$m2" +%s)" ]
}

# jitter: starts_at = interval end + an offset fixed per DAG id, in [0, 30m).
offsets() {
    jctl next "$1" --count 3 | jq -r '.[] | ((.starts_at | sub("\\+00:00$"; "Z") | fromdate) - (.logical_date | sub("\\+00:00$"; "Z") | fromdate) - 3600)'
}
o1=$(offsets jittered | sort -u)
check_eq "jitter: one offset for every run of the DAG" 1 "$(wc -l <<<"$o1")"
check "jitter: within [0, 30m) ($o1 s)" test "$o1" -ge 0 -a "$o1" -lt 1800
expected=$(python3 -c '
import sys
h = 1469598103934665603
for c in sys.argv[1].encode():
    h = ((h ^ c) * 1099511628211) % 2**64
print(h % 1800)' jittered)
check_eq "jitter: the offset is FNV-1a of the id (documented)" "$expected" "$o1"
fnv() {
    python3 -c '
import sys
h = 1469598103934665603
for c in sys.argv[1].encode():
    h = ((h ^ c) * 1099511628211) % 2**64
print(h % int(sys.argv[2]))' "$1" "$2"
}
oc=$(fnv jit_catch 3000)
now_s=$(date +%s)
# Runs whose start (interval end + offset) has come; none whose has not.
expect_n=0
for k in 1 2 3; do
    end=$(( $(date -u -d "$start3h" +%s) + k * 3600 ))
    [ $((end + oc)) -le $((now_s - 2)) ] && expect_n=$((expect_n + 1))
done
made() { [ "$(jctl grid jit_catch | jq '[.runs[] | select(.state == "success")] | length')" -ge "$expect_n" ]; }
check "jitter: the caught-up runs whose start has come are made ($expect_n)" wait_for 20 made
db=$T/state/dagd.db
check_eq "jitter: each run became due at its interval end + the offset (${oc} s)" "$(jctl grid jit_catch | jq '.runs | length')" \
    "$(sqlite3 "$db" "SELECT count(*) FROM runs WHERE dag_id = 'jit_catch' AND due_at - interval_end = $oc * 1000000")"
check_eq "jitter: and none started before that" 0 \
    "$(sqlite3 "$db" "SELECT count(*) FROM runs WHERE dag_id = 'jit_catch' AND start_date < interval_end + $oc * 1000000")"
# The next start (the next interval's end + offset, or the 4th interval's)
# is far enough away not to race the check: exactly the ones due.
next_start=$(( $(date -u -d "$start3h" +%s) + (expect_n + 1) * 3600 + oc ))
if [ $((next_start - $(date +%s))) -gt 5 ]; then
    check_eq "jitter: a run whose start has not come is not made" "$expect_n" "$(jctl grid jit_catch | jq '.runs | length')"
fi
if [ -n "$J" ]; then
    ow=$(fnv jit_wait "$J")
    first=$(date -u -d "@$((hour_s - 7200))" +%Y-%m-%dT%H:%M:00+00:00)
    one() { [ "$(jctl grid jit_wait | jq -r '[.runs[] | select(.state == "success") | .logical_date] | join(" ")')" = "$first" ]; }
    check "jitter: the interval whose start has come runs" wait_for 20 one
    check "jitter: the one that ended $(($(date +%s) - hour_s)) s ago waits for its offset (${ow} s)" \
        test "$(jctl grid jit_wait | jq '.runs | length')" = 1 -a "$(($(date +%s) - hour_s))" -lt "$ow"
    check_eq "jitter: next shows that start" "$(date -u -d "@$((hour_s + ow))" +%Y-%m-%dT%H:%M:%S+00:00)" \
        "$(jctl next jit_wait | jq -r '.[0].starts_at')"
else
    echo "skip - jitter: a waiting interval (no jitter of this hour lands its start ahead of now; late in the hour)"
fi
o2=$(offsets jittered_too | sort -u)
check "jitter: another DAG id, another offset ($o1 vs $o2)" test "$o1" != "$o2"
check_eq "jitter: dags next_run_starts_at is the real start" "$(jctl next jittered | jq -r '.[0].starts_at')" \
    "$(jctl dags | jq -r '.[] | select(.dag_id == "jittered") | .next_run_starts_at')"
check "jitter: logical dates stay on the hour" bash -c "jq -e 'all(.[]; .logical_date | test(\":00:00\\\\+00:00$\"))' <<<'$(jctl next jittered --count 3)' >/dev/null"
stop_agent
start_agent || exit 1
check "overlap = skip: after a restart the plan stays past what was skipped" has_date_not_planned
check "overlap = skip: ... and the skipped intervals still have no run" bash -c "! { $(declare -f has_date jctl); BIN='$BIN' SOCK='$SOCK'; has_date ov_skip '$m1' || has_date ov_skip '$m2'; }"
check_eq "jitter: the same offset after a restart" "$o1" "$(offsets jittered | sort -u)"
stop_agent
# A second agent, its own state: the same id gets the same offset.
mv "$T/state" "$T/state1"
mkdir -p "$T/state"
start_agent || exit 1
check_eq "jitter: the same offset in another agent" "$o1" "$(offsets jittered | sort -u)"
check "dagd --check refuses a bad overlap" bash -c "sed -i 's/overlap = queue/overlap = later/' '$T/dags/ov_queue.ini'; ! '$BIN/dagd' -c '$T/dagd.ini' --check 2>&1 | grep -q 'bad overlap' && false || '$BIN/dagd' -c '$T/dagd.ini' --check 2>&1 | grep -q 'ov_queue.ini:5: bad overlap \"later\": expected queue or skip'"
stop_agent
