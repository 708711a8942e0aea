#!/bin/bash
# The runner: trigger rules, branching, retries, timeouts, depends_on_past,
# pools, parallelism, max_active_tasks, no command injection, crash restart.
. "$(dirname "$0")/lib.sh"

cat >"$T/dags/branchy.ini" <<'DAG'
[task start]
command = true
[task pick]
upstream = start
branch = true
command = echo "thinking"; echo right
[task left]
upstream = pick
command = true
[task right]
upstream = pick
command = true
[task after_left]
upstream = left
command = true
[task join]
upstream = after_left right
trigger_rule = none_failed
command = true
[task strict]
upstream = after_left right
command = true
DAG
cat >"$T/dags/retry.ini" <<DAG
[dag]
retries = 2
retry_delay = 0s
[task flaky]
command = n=\$(cat $T/flaky 2>/dev/null || echo 0); echo \$((n + 1)) > $T/flaky; [ \$n -ge 1 ]
[task down]
upstream = flaky
command = true
[task failer]
command = exit 1
[task after_fail]
upstream = failer
command = true
[task on_fail]
upstream = failer
trigger_rule = one_failed
command = true
DAG
cat >"$T/dags/timeouts.ini" <<DAG
[task slow]
timeout = 1s
command = sleep 60 & echo \$! > $T/child; wait
DAG
cat >"$T/dags/pooled.ini" <<DAG
[dag]
max_active_tasks = 16
DAG
for i in 1 2 3 4 5; do
    printf '[task p%s]\npool = db\ncommand = echo + >> %s/pool; sleep 0.3; echo - >> %s/pool\n' "$i" "$T" "$T" >>"$T/dags/pooled.ini"
done
cat >"$T/dags/capped.ini" <<DAG
[dag]
max_active_tasks = 3
DAG
for i in 1 2 3 4 5 6; do
    printf '[task c%s]\ncommand = echo + >> %s/capped; sleep 0.3; echo - >> %s/capped\n' "$i" "$T" "$T" >>"$T/dags/capped.ini"
done
cat >"$T/dags/slotted.ini" <<DAG
[dag]
max_active_tasks = 1
DAG
for i in 1 2 3; do
    printf '[task s%s]\ncommand = while [ ! -e %s/slotted_go ]; do sleep 0.05; done\n' "$i" "$T" >>"$T/dags/slotted.ini"
done
cat >"$T/dags/inject.ini" <<'DAG'
[params]
name = x
[task echo]
command = printf '%s\n' {{ params.name }}
DAG
cat >"$T/dags/past.ini" <<DAG
[dag]
depends_on_past = true
[task gate]
command = test ! -e $T/gate_fail
DAG
start_agent || exit 1

run=$(ctl trigger branchy)
ctl wait branchy "$run" --timeout 30 >/dev/null
check_eq "branch: followed task ran" success "$(ti_state branchy "$run" right)"
check_eq "branch: other task skipped" skipped "$(ti_state branchy "$run" left)"
check_eq "skip propagates through all_success" skipped "$(ti_state branchy "$run" after_left)"
check_eq "none_failed join runs after a skipped side" success "$(ti_state branchy "$run" join)"
check_eq "all_success join is skipped" skipped "$(ti_state branchy "$run" strict)"
check_eq "run with skipped leaves is success" success "$(run_state branchy "$run")"

run=$(ctl trigger retry)
ctl wait retry "$run" --timeout 30 >/dev/null
check_eq "a run with a failed leaf fails" failed "$(run_state retry "$run")"
check_eq "flaky task succeeds on its second try" success "$(ti_state retry "$run" flaky)"
check_eq "flaky took 2 tries" 2 "$(jctl grid retry | jq '.runs[0].tasks.flaky.try_number')"
check_eq "failer exhausted 3 tries" 3 "$(jctl grid retry | jq '.runs[0].tasks.failer.try_number')"
check_eq "downstream of a failure is upstream_failed" upstream_failed "$(ti_state retry "$run" after_fail)"
check_eq "one_failed runs after a failure" success "$(ti_state retry "$run" on_fail)"

run=$(ctl trigger timeouts)
began=$(date +%s)
ctl wait timeouts "$run" --timeout 30 >/dev/null
check_eq "a timed-out task fails" failed "$(ti_state timeouts "$run" slow)"
check "the timeout fired within a few seconds" test $(($(date +%s) - began)) -lt 10
child=$(cat "$T/child")
check "the whole process group was killed" wait_for 5 sh -c "! kill -0 $child"
check "the log says it timed out" grep -q "timed out" <(ctl logs timeouts "$run" slow)

run=$(ctl trigger pooled)
ctl wait pooled "$run" --timeout 30 >/dev/null
peak=$(awk '$1 == "+" { n++; if (n > m) m = n } $1 == "-" { n-- } END { print m }' "$T/pool")
check_eq "a pool of 2 slots runs 2 at a time" 2 "$peak"
run=$(ctl trigger capped)
ctl wait capped "$run" --timeout 30 >/dev/null
peak=$(awk '$1 == "+" { n++; if (n > m) m = n } $1 == "-" { n-- } END { print m }' "$T/capped")
check_eq "max_active_tasks = 3 runs 3 at a time" 3 "$peak"

# Waiting for a slot is stored (the grid reads the store) as queued; those
# rows are committed right after the batch's starts, not before them.
run=$(ctl trigger slotted)
slotted_states() { $BIN/dagctl -s "$SOCK" --json grid slotted | jq -r '[.runs[0].tasks[].state] | sort | join(",")'; }
check "tasks waiting for a slot are stored as queued beside the running one" \
    wait_for 10 sh -c "[ \"\$($BIN/dagctl -s $SOCK --json grid slotted | jq -r '[.runs[0].tasks[].state] | sort | join(\",\")')\" = queued,queued,running ]"
touch "$T/slotted_go"
ctl wait slotted "$run" --timeout 30 >/dev/null
check_eq "and they all ran" "success,success,success" "$(slotted_states)"

evil="x'; touch $T/pwned; echo '\$(touch $T/pwned2)"
run=$(ctl trigger inject --param "name=$evil")
ctl wait inject "$run" --timeout 30 >/dev/null
check_eq "a param is one shell word" "$evil" "$(task_log inject "$run" echo)"
check "a param cannot inject commands" test ! -e "$T/pwned" -a ! -e "$T/pwned2"

# depends_on_past: a failed day holds the next day back.
touch "$T/gate_fail"
r1=$(ctl trigger past --date 2026-11-01)
ctl wait past "$r1" --timeout 30 >/dev/null
rm "$T/gate_fail"
r2=$(ctl trigger past --date 2026-11-02)
check "the next day waits while the previous failed" \
    sh -c "sleep 0.5; test \"\$($BIN/dagctl -s $SOCK --json grid past | jq -r '.runs[0].tasks.gate.state')\" = none"
r0=$(ctl trigger past --date 2026-10-31)
ctl wait past "$r0" --timeout 30 >/dev/null
check_eq "the first day has no past and runs" success "$(run_state past "$r0")"
stop_agent

# Crash: kill -9 the agent while a task runs; the restarted agent follows
# the task (still running) to its end: one try, never a second copy.
cat >"$T/dags/crash.ini" <<DAG
[dag]
retries = 1
retry_delay = 0s
[task long]
command = echo "start \$\$" >> $T/crash.trace; touch $T/crashed; sleep 2; echo "end \$\$" >> $T/crash.trace
[task lost]
command = [ -e $T/lost_started ] || { touch $T/lost_started; sleep 37; }
DAG
start_agent || exit 1
run=$(ctl trigger crash)
wait_for 10 test -e "$T/crashed"
wait_for 10 test -e "$T/lost_started"
kill9_agent
# "lost" dies while the agent is away: its outcome cannot be known.
pkill -KILL -f "touch $T/lost_started; sleep 37; }"
start_agent || exit 1
check_eq "a task still running after kill -9 is followed, still running" running "$(ti_state crash "$run" long)"
ctl wait crash "$run" --timeout 30 >/dev/null
check_eq "the followed task ends success" success "$(ti_state crash "$run" long)"
check_eq "on its first try" 1 "$(jctl grid crash | jq '.runs[0].tasks.long.try_number')"
check_eq "it ran once" 1 "$(grep -c '^start' "$T/crash.trace")"
check "the log says a task lost while the agent was away has no known status" \
    grep -q "exit status is lost" <(ctl logs crash "$run" lost --try 1)
check_eq "that one is retried" 2 "$(jctl grid crash | jq '.runs[0].tasks.lost.try_number')"
check "what was left of the lost try (its sleep) was killed" test "$(pgrep -c -f "sleep 37")" = 0
stop_agent

# A graceful stop leaves tasks running and follows them after the start;
# --stop-tasks stops them and the agent exits within 5 s.
rm -f "$T/crashed" "$T/crash.trace"
start_agent || exit 1
run=$(ctl trigger crash --date 2026-01-01)
wait_for 10 test -e "$T/crashed"
stop_agent
check "after a graceful stop the task runs on" grep -q '^start' "$T/crash.trace"
start_agent || exit 1
ctl wait crash "$run" --timeout 30 >/dev/null
check_eq "and is followed to success after the start" success "$(ti_state crash "$run" long)"
stop_agent
rm -f "$T/crashed" "$T/crash.trace"
"$BIN/dagd" -c "$T/dagd.ini" --stop-tasks 2>>"$T/agent.log" &
AGENT_PID=$!
wait_for 10 "$BIN/dagctl" -s "$SOCK" status >/dev/null
run=$(ctl trigger crash --date 2026-01-02)
wait_for 10 test -e "$T/crashed"
began=$(date +%s%N)
stop_agent
check "--stop-tasks exits within 5 s" test $((($(date +%s%N) - began) / 1000000)) -lt 5000
check "--stop-tasks stopped the task" sh -c "! grep -q '^end' $T/crash.trace"
