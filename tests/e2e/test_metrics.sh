#!/bin/bash
# Metrics: [agent] metrics_file holds Prometheus text that the client
# library's own parser reads, with the values of what the agent did; it is
# replaced atomically, at most every 15 s, only after a change (an idle
# agent does not rewrite it); `dagctl metrics` prints the same text; a
# stopped agent leaves dagd_up 0.
. "$(dirname "$0")/lib.sh"
TOOLS=$(cd "$(dirname "$0")/../tools" && pwd)
PY=/usr/bin/python3
if ! $PY -c 'import prometheus_client.parser' 2>/dev/null; then
    echo "skip - python3-prometheus-client is not installed (scripts/deps.sh installs it)"
    exit 0
fi
M=$T/state/metrics.prom
EXTRA_AGENT="metrics_file = state/metrics.prom" write_config

printf '[task a]\ncommand = true\n[task b]\ncommand = true\nupstream = a\n[task c]\ncommand = true\nupstream = b\n' >"$T/dags/three.ini"
printf '[task bad]\ncommand = exit 3\n' >"$T/dags/fails.ini"
printf '[task x]\ncommand = true\n' >"$T/dags/held.ini"
printf '[dag]\nschedule = 61 * * * *\n[task a]\ncommand = true\n' >"$T/dags/broken.ini"
printf '[dag]\nsla = 1s\n[task nap]\ncommand = sleep 2\n' >"$T/dags/late.ini"

# Writes of the file: its inode and when it appeared, one line each (a
# rename makes a new inode).
$PY - "$M" "$T/writes" <<'PY' &
import os, sys, time
path, out = sys.argv[1], sys.argv[2]
seen = None
with open(out, "a", buffering=1) as f:
    while True:
        try:
            ino = os.stat(path).st_ino
        except FileNotFoundError:
            ino = None
        if ino is not None and ino != seen:
            f.write(f"{time.monotonic():.3f} {ino}\n")
            seen = ino
        time.sleep(0.02)
PY
WATCH_PID=$!
trap 'kill $WATCH_PID 2>/dev/null; cleanup' EXIT

start_agent || exit 1
check "the metrics file is written at start" wait_for 5 test -s "$M"
parses() { $PY "$TOOLS/metrics_check.py" "$1" >/dev/null; }
# between LO HI VALUE: whole part of VALUE within [LO, HI].
between() { v=${3%.*}; [ -n "$v" ] && [ "$v" -ge "$1" ] && [ "$v" -le "$2" ]; }
check "it parses with HELP and TYPE for every family" parses "$M"
val() { $PY "$TOOLS/metrics_check.py" "$M" | grep -F "$1 " | awk '{print $NF}'; }
check_eq "dagd_up is 1" 1 "$(val 'dagd_up{}')"
check_eq "a DAG with a load error" 1 "$(val 'dagd_dag_load_error{dag_id=broken}')"
check_eq "a DAG that loads has no load error" 0 "$(val 'dagd_dag_load_error{dag_id=three}')"
check_eq "runs skipped start at 0" 0 "$(val 'dagd_runs_skipped_total{dag_id=three}')"

ctl pause held >/dev/null
r1=$(ctl trigger three)
r2=$(ctl trigger fails)
r3=$(ctl trigger late)
ctl wait three "$r1" --timeout 20 >/dev/null
ctl wait fails "$r2" --timeout 20 >/dev/null
ctl wait late "$r3" --timeout 20 >/dev/null
t_done=$(date +%s)

# dagctl metrics: the same text, now.
ctl metrics >"$T/now.prom"
check "dagctl metrics parses" parses "$T/now.prom"
cval() { $PY "$TOOLS/metrics_check.py" "$T/now.prom" | grep -F "$1 " | awk '{print $NF}'; }
check_eq "3 task instances succeeded in three" 3 \
    "$(cval 'dagd_task_instances_finished_total{dag_id=three,state=success}')"
check_eq "1 task instance failed in fails" 1 \
    "$(cval 'dagd_task_instances_finished_total{dag_id=fails,state=failed}')"
check_eq "no task failed in three" 0 \
    "$(cval 'dagd_task_instances_finished_total{dag_id=three,state=failed}')"
check_eq "one successful run of three" 1 "$(cval 'dagd_runs_finished_total{dag_id=three,state=success}')"
check_eq "one failed run of fails" 1 "$(cval 'dagd_runs_finished_total{dag_id=fails,state=failed}')"
check_eq "the paused DAG" 1 "$(cval 'dagd_dag_paused{dag_id=held}')"
check_eq "an unpaused DAG" 0 "$(cval 'dagd_dag_paused{dag_id=three}')"
check_eq "one SLA miss of late" 1 "$(cval 'dagd_sla_misses_total{dag_id=late}')"
check_eq "nothing running" 0 "$(cval 'dagd_running_tasks{}')"
check_eq "nothing queued" 0 "$(cval 'dagd_queued_tasks{}')"
last=$(cval 'dagd_dag_last_success_timestamp_seconds{dag_id=three}')
check "three's last success is now ($last vs $t_done)" between $((t_done - 30)) "$t_done" "$last"
check_eq "fails never succeeded" 0 "$(cval 'dagd_dag_last_success_timestamp_seconds{dag_id=fails}')"
rss=$(cval 'dagd_agent_rss_bytes{}')
check "the agent's RSS is reported ($rss)" between 1000000 4000000000 "$rss"

# The file catches up within 15 s of its previous write.
same() { [ "$(val 'dagd_runs_finished_total{dag_id=three,state=success}')" = 1 ] &&
    [ "$(val 'dagd_sla_misses_total{dag_id=late}')" = 1 ]; }
check "the file has the changes within 16 s" wait_for 17 same
check "it parses after every rewrite" parses "$M"
gaps=$(awk 'NR > 1 { printf "%d\n", ($1 - prev) * 1000 } { prev = $1 }' "$T/writes" | sort -n | head -1)
check "rewrites at least 15 s apart (shortest ${gaps:-none} ms)" [ "${gaps:-15000}" -ge 14900 ]
n=$(wc -l <"$T/writes")
check "the file was written more than once" [ "$n" -ge 2 ]
# Idle: no rewrite without a change (15 s after the last write have passed
# when the timer would fire; wait past that).
sleep 16 # measuring that nothing happens: no event to poll for
check_eq "an idle agent does not rewrite the file" "$n" "$(wc -l <"$T/writes")"
check "no temporary file is left beside it" sh -c "! ls '$T/state' | grep -q 'metrics.prom.tmp'"

stop_agent
check_eq "a stopped agent leaves dagd_up 0" 0 "$(val 'dagd_up{}')"

# Counters count since the agent started; the last success is the store's.
start_agent || exit 1
ctl metrics >"$T/again.prom"
aval() { $PY "$TOOLS/metrics_check.py" "$T/again.prom" | grep -F "$1 " | awk '{print $NF}'; }
check_eq "after a restart the counters start at 0" 0 \
    "$(aval 'dagd_task_instances_finished_total{dag_id=three,state=success}')"
check_eq "after a restart the last success is still known" "$last" \
    "$(aval 'dagd_dag_last_success_timestamp_seconds{dag_id=three}')"
stop_agent
kill $WATCH_PID 2>/dev/null
