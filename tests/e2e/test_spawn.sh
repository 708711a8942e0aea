#!/bin/bash
# How a local try's process starts: a process group of its own (a timeout
# kills its grandchildren too), no controlling terminal (a session of its
# own when the agent has one), stdin /dev/null, stdout and stderr its log,
# no other descriptor of the agent, no ignored or blocked signal inherited,
# the DAG's folder as its working directory.
. "$(dirname "$0")/lib.sh"

# Sourced by the try's own shell ($$ is the process the agent started).
cat >"$T/probe.sh" <<'SH'
echo "self $$"
cut -d')' -f2 /proc/$$/stat | awk '{ print "ids", $3, $4 }'
if (exec 3</dev/tty) 2>/dev/null; then echo "tty yes"; else echo "tty none"; fi
echo "cwd $(pwd)"
echo "fds $(ls /proc/self/fd | tr '\n' ' ')"
ls -l /proc/self/fd
echo "in $(readlink /proc/$$/fd/0)"
echo "out $(readlink /proc/$$/fd/1)"
grep -E '^Sig(Ign|Blk)' /proc/self/status
SH
cat >"$T/dags/probe.ini" <<DAG
[task probe]
command = . $T/probe.sh
DAG
cat >"$T/dags/orphans.ini" <<DAG
[task slow]
timeout = 1s
command = sh -c 'sleep 300 & echo \$! > $T/grandchild'; sleep 300 & echo \$! > $T/child; wait
DAG

# The agent gets a descriptor without close-on-exec (as from a careless
# parent) and ignored signals (bash ignores SIGINT and SIGQUIT for a
# background job; USR1 by hand): its tries must inherit none of them.
exec 7>"$T/stray"
trap '' USR1
# In a session without a terminal, even when the suite runs in one.
DAGD_WRAP="setsid ${DAGD_WRAP:-}" start_agent
trap - USR1
exec 7>&-

run=$(ctl trigger probe)
ctl wait probe "$run" --timeout 30 >/dev/null
check_eq "the probe succeeds" success "$(ti_state probe "$run" probe)"
log=$(task_log probe "$run" probe)
self=$(awk '$1 == "self" { print $2 }' <<<"$log")
ids=$(awk '$1 == "ids" { print $2, $3 }' <<<"$log")
agent_sid=$(cut -d')' -f2 "/proc/$AGENT_PID/stat" | awk '{ print $4 }')
check_eq "the try's shell leads its own process group (the agent has no terminal: its session)" \
    "$self $agent_sid" "$ids"
check_eq "it has no controlling terminal" "tty none" "$(grep '^tty ' <<<"$log")"
check_eq "it runs in the DAG's folder" "cwd $T/dags" "$(grep '^cwd ' <<<"$log")"
# ls lists its own descriptor of /proc/self/fd as well (3).
check_eq "it inherits only 0, 1 and 2" "fds 0 1 2 3 " "$(grep '^fds ' <<<"$log")"
check_eq "stdin is /dev/null" "in /dev/null" "$(grep '^in ' <<<"$log")"
check "stdout is the try's log" grep -q "^out $T/state/logs/probe/.*/probe\.1\.log$" <<<"$log"
check_eq "no signal is ignored in the try" "SigIgn:	0000000000000000" "$(grep '^SigIgn' <<<"$log")"
check_eq "no signal is blocked in the try" "SigBlk:	0000000000000000" "$(grep '^SigBlk' <<<"$log")"

# An agent run from a terminal: each try gets a session of its own, so
# that it cannot reach the terminal (/dev/tty, its hang-up, job control).
stop_agent
script -qec "exec ${DAGD_WRAP:-} $BIN/dagd -c $T/dagd.ini 2>>$T/agent.log" /dev/null </dev/null >/dev/null &
SCRIPT_PID=$!
wait_for 10 "$BIN/dagctl" -s "$SOCK" status >/dev/null
AGENT_PID=$(jctl status | jq -r .pid)
check "the agent under script has a controlling terminal" \
    test "$(cut -d')' -f2 "/proc/$AGENT_PID/stat" | awk '{ print $5 }')" != 0
run=$(ctl trigger probe --date 2026-01-02)
ctl wait probe "$run" --timeout 30 >/dev/null
log=$(task_log probe "$run" probe)
self=$(awk '$1 == "self" { print $2 }' <<<"$log")
check_eq "then the try leads its own process group and session" "$self $self" \
    "$(awk '$1 == "ids" { print $2, $3 }' <<<"$log")"
check_eq "and has no controlling terminal either" "tty none" "$(grep '^tty ' <<<"$log")"
kill -TERM "$AGENT_PID"
wait "$SCRIPT_PID"
AGENT_PID=
start_agent

run=$(ctl trigger orphans)
ctl wait orphans "$run" --timeout 30 >/dev/null
check_eq "the timed-out try fails" failed "$(ti_state orphans "$run" slow)"
check "its child is killed" wait_for 5 sh -c "! kill -0 $(cat "$T/child")"
# The grandchild's parent exited at once: it lives on only in the group.
check "its orphaned grandchild is killed" wait_for 5 sh -c "! kill -0 $(cat "$T/grandchild")"
stop_agent
