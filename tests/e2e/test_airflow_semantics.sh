#!/bin/bash
# Airflow's state machine where it is subtle, from Airflow's own code:
# skipmixin.py skip_all_except (the "empty branch" join), not_previously_
# skipped_dep.py (a cleared task its branch did not follow is skipped again),
# dag.py set_task_instance_state (mark success clears failed and
# upstream_failed tasks below), trigger_rule_dep.py (up_for_retry instances
# are evaluated again), and the contract's "marking failed propagates
# upstream_failed at once, on a paused DAG too".
. "$(dirname "$0")/lib.sh"

# br follows a; join is a direct downstream of br AND downstream of a, so
# it is kept; far is downstream of a through m, and a direct downstream of
# br too; b is not followed; after_b is below b only.
cat >"$T/dags/ej.ini" <<'DAG'
[task br]
branch = true
command = echo a
[task a]
upstream = br
command = true
[task b]
upstream = br
command = true
[task after_b]
upstream = b
command = true
[task join]
upstream = br a
command = true
[task m]
upstream = a
command = true
[task far]
upstream = br m
command = true
DAG
# Nothing below br is followed: the branch names no task.
cat >"$T/dags/none.ini" <<'DAG'
[task br]
branch = true
command = echo
[task x]
upstream = br
command = true
[task y]
upstream = br
trigger_rule = always
command = sleep 0.3
DAG
# a fails until $T/a_ok; b runs after it (all_done) and fails until
# $T/b_ok; c below b.
cat >"$T/dags/ms.ini" <<DAG
[task a]
command = test -e $T/a_ok
[task b]
upstream = a
trigger_rule = all_done
command = test -e $T/b_ok
[task c]
upstream = b
command = true
DAG
# p succeeds, q fails until $T/q_ok, r below.
cat >"$T/dags/pq.ini" <<DAG
[task p]
command = true
[task q]
upstream = p
command = test -e $T/q_ok
[task r]
upstream = q
command = true
DAG
cat >"$T/dags/pz.ini" <<'DAG'
[task x]
command = true
[task y]
upstream = x
command = true
[task z]
upstream = y
command = true
[task any]
upstream = y
trigger_rule = all_done
command = true
DAG
# b fails and waits an hour for its retry.
cat >"$T/dags/rt.ini" <<'DAG'
[task a]
command = true
[task b]
upstream = a
retries = 1
retry_delay = 1h
command = exit 1
DAG
# b fails and retries after 1 s; a is slow once $T/a_slow exists.
cat >"$T/dags/spin.ini" <<DAG
[task a]
command = if [ -e $T/a_slow ]; then sleep 3; fi
[task b]
upstream = a
retries = 2
retry_delay = 1s
command = exit 1
DAG
start_agent || exit 1

try_of() {
    jctl grid "$1" --limit 1000 | jq -r --arg r "$2" --arg t "$3" \
        '.runs[] | select(.run_id == $r) | .tasks[$t].try_number'
}

# --- (a) the empty-branch join ----------------------------------------------
run=$(ctl trigger ej)
ctl wait ej "$run" --timeout 20 >/dev/null
check_eq "branch: the followed task ran" success "$(ti_state ej "$run" a)"
check_eq "branch: the other direct downstream is skipped" skipped "$(ti_state ej "$run" b)"
check_eq "branch: skip propagates below it" skipped "$(ti_state ej "$run" after_b)"
check_eq "branch: a join downstream of the followed task is kept" success "$(ti_state ej "$run" join)"
check_eq "branch: kept when downstream of the followed task at any depth" success "$(ti_state ej "$run" far)"
check_eq "branch: the run succeeds" success "$(run_state ej "$run")"

run_n=$(ctl trigger none)
ctl wait none "$run_n" --timeout 20 >/dev/null
check_eq "branch naming nothing skips every direct downstream" skipped "$(ti_state none "$run_n" x)"
check_eq "even one that already started (always), as skip_all_except does" skipped "$(ti_state none "$run_n" y)"

# --- (b) clearing a task its branch did not follow ---------------------------
ctl clear ej "$run" b >/dev/null
ctl wait ej "$run" --timeout 20 >/dev/null
check_eq "a cleared unfollowed task is skipped again" skipped "$(ti_state ej "$run" b)"
check_eq "and never ran" 0 "$(try_of ej "$run" b)"
ctl clear ej "$run" b --downstream >/dev/null
ctl wait ej "$run" --timeout 20 >/dev/null
check_eq "cleared with its downstream: skipped again" skipped "$(ti_state ej "$run" b)"
check_eq "and what is below it too" skipped "$(ti_state ej "$run" after_b)"
check_eq "the run is still a success" success "$(run_state ej "$run")"
ctl clear ej "$run" join >/dev/null
ctl wait ej "$run" --timeout 20 >/dev/null
check_eq "a cleared followed join runs again" "success 2" \
    "$(ti_state ej "$run" join) $(try_of ej "$run" join)"
ctl clear ej "$run" a >/dev/null
ctl wait ej "$run" --timeout 20 >/dev/null
check_eq "a cleared followed task runs again" "success 2" "$(ti_state ej "$run" a) $(try_of ej "$run" a)"
# Clearing the branch itself decides again (its new try's choice).
ctl clear ej "$run" br --downstream >/dev/null
ctl wait ej "$run" --timeout 20 >/dev/null
check_eq "a cleared branch decides again" "success skipped success" \
    "$(ti_state ej "$run" a) $(ti_state ej "$run" b) $(ti_state ej "$run" join)"
check_eq "and b never ran" 0 "$(try_of ej "$run" b)"

# --- (c) mark success clears failed and upstream_failed below ---------------
run=$(ctl trigger ms)
ctl wait ms "$run" --timeout 20 >/dev/null
check_eq "ms: a failed, b failed, c upstream_failed" "failed failed upstream_failed" \
    "$(ti_state ms "$run" a) $(ti_state ms "$run" b) $(ti_state ms "$run" c)"
touch "$T/b_ok"
ctl mark ms "$run" a success >/dev/null
ctl wait ms "$run" --timeout 20 >/dev/null
check_eq "mark success reruns a failed task below" "success 2" "$(ti_state ms "$run" b) $(try_of ms "$run" b)"
check_eq "and the upstream_failed one below that" success "$(ti_state ms "$run" c)"
check_eq "the marked task did not run" 1 "$(try_of ms "$run" a)"
check_eq "the run succeeds" success "$(run_state ms "$run")"

run=$(ctl trigger pq)
ctl wait pq "$run" --timeout 20 >/dev/null
check_eq "pq: q failed" failed "$(ti_state pq "$run" q)"
touch "$T/q_ok"
ctl mark pq "$run" p success >/dev/null
ctl wait pq "$run" --timeout 20 >/dev/null
check_eq "marking a task that is already success still clears the failed below" "success 2 success" \
    "$(ti_state pq "$run" q) $(try_of pq "$run" q) $(ti_state pq "$run" r)"

# --- (d) mark failed on a paused DAG propagates at once ----------------------
ctl pause pz >/dev/null
run=$(ctl trigger pz)
ctl mark pz "$run" x failed >/dev/null
check_eq "paused: marking failed sets upstream_failed below at once" \
    "upstream_failed upstream_failed" "$(ti_state pz "$run" y) $(ti_state pz "$run" z)"
check_eq "paused: an all_done task below is not upstream_failed" none "$(ti_state pz "$run" any)"
ctl unpause pz >/dev/null
ctl wait pz "$run" --timeout 20 >/dev/null
check_eq "after unpause, the all_done task runs" success "$(ti_state pz "$run" any)"
check_eq "and the run fails (a leaf is upstream_failed)" failed "$(run_state pz "$run")"

# A finished run of a paused DAG: marking its root failed leaves the
# finished tasks below as they are (Airflow's mark touches only the
# selection) and the run's state follows its leaves at once.
ctl pause pz >/dev/null
run=$(ctl trigger pz --date 2026-11-01)
ctl unpause pz >/dev/null
ctl wait pz "$run" --timeout 20 >/dev/null
ctl pause pz >/dev/null
ctl mark pz "$run" z failed >/dev/null
check_eq "paused, finished run: marking a leaf failed fails the run at once" failed "$(run_state pz "$run")"
ctl unpause pz >/dev/null

# --- up_for_retry is evaluated again (Airflow's SCHEDULEABLE_STATES) ---------
run=$(ctl trigger rt)
wait_for 20 sh -c "[ \"\$($BIN/dagctl -s $SOCK --json grid rt | jq -r '.runs[0].tasks.b.state')\" = up_for_retry ]"
ctl mark rt "$run" a failed >/dev/null
check "an up_for_retry task whose upstream is marked failed becomes upstream_failed" \
    wait_for 10 sh -c "[ \"\$($BIN/dagctl -s $SOCK --json grid rt | jq -r '.runs[0].tasks.b.state')\" = upstream_failed ]"
ctl wait rt "$run" --timeout 20 >/dev/null
check_eq "and the run fails" failed "$(run_state rt "$run")"

# --- a retry that is due but cannot start must not spin the agent ----------
# The agent's CPU time (user + system ticks) over a second.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$AGENT_PID/stat"; }
idle_over_a_second() {
    t0=$(cpu_ticks)
    sleep 1 # measuring a rate, not synchronising
    t1=$(cpu_ticks)
    [ $((t1 - t0)) -lt 30 ] || { echo "# $((t1 - t0)) ticks in 1 s" >&2; return 1; }
}
b_state() { ti_state spin "$run" b; }
b_is() { [ "$(b_state)" = "$1" ]; }
run=$(ctl trigger spin)
wait_for 20 b_is up_for_retry
touch "$T/a_slow"
ctl clear spin "$run" a >/dev/null
check_eq "b waits as up_for_retry while its cleared upstream reruns" up_for_retry "$(b_state)"
sleep 1.2 # b's retry falls due while a is still running
check "a due retry waiting for its upstream does not spin the agent" idle_over_a_second
ctl wait spin "$run" --timeout 20 >/dev/null
check_eq "after its upstream, b retried to the end" "failed 3" \
    "$(b_state) $(try_of spin "$run" b)"
rm "$T/a_slow"
ctl pause spin >/dev/null
run=$(ctl trigger spin --date 2026-11-01)
ctl unpause spin >/dev/null
wait_for 20 b_is up_for_retry
ctl pause spin >/dev/null
sleep 1.2 # its retry falls due while the DAG is paused
check "a due retry on a paused DAG does not spin the agent" idle_over_a_second
ctl unpause spin >/dev/null
ctl wait spin "$run" --timeout 20 >/dev/null
check_eq "after unpause, b retried to the end" "failed 3" \
    "$(b_state) $(try_of spin "$run" b)"

# --- the branch decision survives a restart -----------------------------------
stop_agent
start_agent || exit 1
run=$(jctl grid ej | jq -r '.runs[0].run_id')
ctl clear ej "$run" b >/dev/null
ctl wait ej "$run" --timeout 20 >/dev/null
check_eq "after a restart, a cleared unfollowed task is skipped again" "skipped 0" \
    "$(ti_state ej "$run" b) $(try_of ej "$run" b)"
stop_agent
