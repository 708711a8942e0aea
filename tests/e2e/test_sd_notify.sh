#!/bin/bash
# systemd's notify protocol, against a datagram socket of the test's own as
# $NOTIFY_SOCKET: READY=1 once the socket answers, RELOADING=1 / READY=1
# around SIGHUP, STATUS=, STOPPING=1, and WATCHDOG=1 at half $WATCHDOG_USEC
# from the loop itself (a stopped agent sends none). Tasks never see the
# variables.
. "$(dirname "$0")/lib.sh"
TOOLS=$(cd "$(dirname "$0")/../tools" && pwd)
SINK_PID=

start_sink() { # ADDR OUT
    python3 "$TOOLS/notify_sink.py" "$1" "$2" &
    SINK_PID=$!
    wait_for 5 grep -q SINK=ready "$2"
}
stop_sink() { [ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null && wait "$SINK_PID" 2>/dev/null; SINK_PID=; }
trap 'stop_sink; cleanup' EXIT

# msgs OUT: the messages, one per line, "\n" inside a datagram as " | ".
msgs() { jq -r '.msg | gsub("\n"; " | ")' "$1"; }
has_msg() { msgs "$1" | grep -q "$2"; }

printf '[task env]\ncommand = env >%s/task.env\n' "$T" >"$T/dags/envdag.ini"
printf '[task slow]\ncommand = sleep 30\n' >"$T/dags/slow.ini"
OUT=$T/notify.jsonl
start_sink "$T/notify.sock" "$OUT" || not_ok "the test's notify socket is up"
write_config
NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=200000 "$BIN/dagd" -c "$T/dagd.ini" 2>>"$T/agent.log" &
AGENT_PID=$!
check "READY=1 is sent" wait_for 10 has_msg "$OUT" '^READY=1$'
# Once READY came, the socket answers at once (no retry here).
check "the socket answers as soon as READY=1 came" eval "ctl status >/dev/null"
check "STATUS= names the DAGs and running tasks" wait_for 5 has_msg "$OUT" '^STATUS=2 DAGs, 0 running$'

run=$(ctl trigger slow)
check "STATUS= follows a running task" wait_for 10 has_msg "$OUT" '^STATUS=2 DAGs, 1 running$'
run=$(ctl trigger envdag)
ctl wait envdag "$run" --timeout 10 >/dev/null
check "a task does not inherit NOTIFY_SOCKET or WATCHDOG_USEC" \
    sh -c "[ -s '$T/task.env' ] && ! grep -q '^NOTIFY_SOCKET=\|^WATCHDOG_USEC=\|^WATCHDOG_PID=' '$T/task.env'"

# Watchdog period: about 100 ms (half of 200 ms).
wait_for 5 sh -c "[ \$(grep -c WATCHDOG=1 '$OUT') -ge 12 ]"
period=$(jq -s '[.[] | select(.msg == "WATCHDOG=1") | .t] | [range(1; length) as $i | .[$i] - .[$i-1]]
    | sort | .[length/2|floor] * 1000 | floor' "$OUT")
check "WATCHDOG=1 every ~100 ms (median ${period} ms)" [ "$period" -ge 70 ] && [ "$period" -le 150 ]
# A stopped loop sends no WATCHDOG=1 (so systemd would restart it).
LIVENESS=0
kill -STOP "$AGENT_PID"
before=$(grep -c WATCHDOG=1 "$OUT")
sleep 0.6 # the agent is stopped: nothing to poll for
during=$(grep -c WATCHDOG=1 "$OUT")
kill -CONT "$AGENT_PID"
LIVENESS=1
check_eq "a SIGSTOPped agent sends no WATCHDOG=1" "$before" "$during"
check "WATCHDOG=1 again after SIGCONT" wait_for 5 sh -c "[ \$(grep -c WATCHDOG=1 '$OUT') -gt $during ]"

# SIGHUP: RELOADING=1 (with MONOTONIC_USEC), then READY=1 once the DAG files
# are in.
printf '[task b]\ncommand = true\n' >"$T/dags/third.ini"
kill -HUP "$AGENT_PID"
check "SIGHUP: RELOADING=1 with MONOTONIC_USEC" \
    wait_for 10 has_msg "$OUT" '^RELOADING=1 | MONOTONIC_USEC=[0-9]\+$'
check "SIGHUP: READY=1 again after RELOADING=1" wait_for 10 sh -c \
    "jq -r .msg '$OUT' | grep -v '^WATCHDOG=1\$\|^STATUS=' | tr '\n' ' ' | grep -q 'READY=1 RELOADING=1 MONOTONIC_USEC=[0-9]* READY=1'"
check "STATUS= counts the DAG the reload added" wait_for 5 has_msg "$OUT" '^STATUS=3 DAGs, 1 running$'

stop_agent
last=$(jq -r '.msg' "$OUT" | grep -v '^WATCHDOG=1$\|^STATUS=' | tail -1)
check_eq "STOPPING=1 is the last state sent" "STOPPING=1" "$last"
order=$(jq -r '.msg' "$OUT" | grep -v '^WATCHDOG=1$\|^STATUS=\|^MONOTONIC' | sed 's/ .*//; s/\n.*//' | tr '\n' ' ')
check_eq "the states in order" "SINK=ready READY=1 RELOADING=1 READY=1 STOPPING=1 " "$order"
n=$(grep -c WATCHDOG=1 "$OUT")
sleep 0.3 # the agent has exited: nothing to poll for
check_eq "no WATCHDOG=1 after the agent exited" "$n" "$(grep -c WATCHDOG=1 "$OUT")"
stop_sink

# An abstract socket name (@...), and no watchdog timer without WATCHDOG_USEC.
OUT2=$T/notify2.jsonl
ABS="@dagd-test-$$-$RANDOM"
start_sink "$ABS" "$OUT2" || not_ok "the abstract notify socket is up"
NOTIFY_SOCKET=$ABS "$BIN/dagd" -c "$T/dagd.ini" 2>>"$T/agent.log" &
AGENT_PID=$!
check "an abstract NOTIFY_SOCKET gets READY=1" wait_for 10 has_msg "$OUT2" '^READY=1$'
ctl status >/dev/null
stop_agent
check_eq "no WATCHDOG=1 without WATCHDOG_USEC" 0 "$(grep -c WATCHDOG=1 "$OUT2")"
check "STOPPING=1 on the abstract socket too" has_msg "$OUT2" '^STOPPING=1$'
stop_sink
