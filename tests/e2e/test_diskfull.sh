#!/bin/bash
# Disk full on the state folder: the agent says so, starts nothing instead of
# corrupting anything, and resumes when space returns, with nothing lost.
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" != 0 ] || ! mount -t tmpfs -o size=4m tmpfs "$T/state" 2>/dev/null; then
    echo "skip - disk-full tests need root to mount a small tmpfs"
    exit 0
fi
trap 'cleanup_mount' EXIT
cleanup_mount() {
    cleanup_agent_only
    umount "$T/state" 2>/dev/null
    cleanup
}
cleanup_agent_only() {
    [ -n "$AGENT_PID" ] && kill -KILL "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null
    AGENT_PID=
}
cat >"$T/dags/full.ini" <<DAG
[task hold]
command = while [ ! -e $T/go ]; do sleep 0.05; done
[task after]
upstream = hold
command = true
DAG
# Due runs while the store refuses writes: the agent must wait for the
# resync, not wake at once for ever.
cat >"$T/dags/due.ini" <<DAG
[dag]
schedule = * * * * *
start_date = $(date -u -d '-5 min' +%Y-%m-%dT%H:%M)
catchup = true
max_active_runs = 1
[task t]
command = while [ ! -e $T/go ]; do sleep 0.05; done; touch $T/due.done
DAG
# CPU ticks (1/100 s) the agent used during one second.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$AGENT_PID/stat"; }
cpu_in_1s() {
    a=$(cpu_ticks)
    sleep 1
    echo $(($(cpu_ticks) - a))
}
start_agent || exit 1
run=$(ctl trigger full)
wait_for 10 sh -c "[ \"\$($BIN/dagctl -s $SOCK --json grid full | jq -r '.runs[0].tasks.hold.state')\" = running ]"
dd if=/dev/zero of="$T/state/filler" bs=4k 2>/dev/null
touch "$T/go"
check "the agent reports the store cannot be written" wait_for 10 sh -c "[ \"\$($BIN/dagctl -s $SOCK --json status | jq .store_ok)\" = false ]"
check "status names the problem" sh -c "$BIN/dagctl -s $SOCK --json status | jq -r .store_error | tee $T/why | grep -qi full"
check "the log says so" grep -q "cannot write" "$T/agent.log"
ctl trigger full >/dev/null 2>"$T/err"
check_eq "changes are refused meanwhile" 1 $?
check "with a clear reason" grep -q "store cannot be written" "$T/err"
check_eq "no task starts while the disk is full" 0 "$(jctl status | jq .running)"
wait_for 10 test -e "$T/due.done"
wait_for 5 sh -c "! grep -qs 'DAGD_LOG_FILE=$T/state/logs/due/' /proc/[0-9]*/environ"
ticks=$(cpu_in_1s)
check "the agent idles meanwhile, with runs due ($ticks/100 s of CPU in 1 s)" test "$ticks" -lt 30
rm -f "$T/state/filler"
check "it resumes when space returns" wait_for 15 sh -c "[ \"\$($BIN/dagctl -s $SOCK --json status | jq .store_ok)\" = true ]"
ctl wait full "$run" --timeout 20 >/dev/null
check_eq "the run completes" success "$(run_state full "$run")"
check_eq "the task that ended while the disk was full is recorded" success "$(ti_state full "$run" hold)"
check_eq "and its downstream ran after" success "$(ti_state full "$run" after)"
stop_agent
check_eq "the store is intact" ok "$(sqlite3 "$T/state/dagd.db" 'PRAGMA integrity_check')"

# --- the outcome of a try survives a full disk and a restart ----------------------
# A try whose log ends at a block's end (its 16-byte record and 4080 bytes
# of output: its exit line needs a new block) ends while the disk is full
# and the agent is down; the restarted agent still knows it succeeded, and
# does not run it again.
cat >"$T/dags/quiet.ini" <<DAG
[dag]
retries = 0
[task hold]
command = head -c 4079 /dev/zero | tr '\\0' x; echo; while [ ! -e $T/go2 ]; do sleep 0.05; done; echo "\$DAGD_TRY_NUMBER" >> $T/quiet.ledger
DAG
start_agent || exit 1
run=$(ctl trigger quiet)
wait_for 10 sh -c "[ \"\$($BIN/dagctl -s $SOCK --json grid quiet | jq -r '.runs[0].tasks.hold.state')\" = running ]"
qlog=$T/state/logs/quiet/$run/hold.1.log
check "its log fills one block" wait_for 10 sh -c "[ \$(stat -c %s '$qlog') = 4096 ]"
dd if=/dev/zero of="$T/state/filler" bs=4k 2>/dev/null
kill9_agent
touch "$T/go2"
check "the try ends while the agent is down" wait_for 10 sh -c "[ -s $T/quiet.ledger ] && ! grep -qs 'DAGD_LOG_FILE=$T/state/logs/quiet/' /proc/[0-9]*/environ"
check "the disk was full: its log has no exit line" sh -c "! grep -q 'exit status' '$qlog'"
check_eq "its record says exit 0" "exit 0" "$(head -c 6 "$qlog")"
rm -f "$T/state/filler"
start_agent || exit 1
ctl wait quiet "$run" --timeout 20 >/dev/null
check_eq "after the restart the try counts as a success" success "$(ti_state quiet "$run" hold)"
check_eq "it ran once" 1 "$(paste -sd' ' "$T/quiet.ledger")"
check_eq "as try 1" 1 "$(jctl grid quiet | jq -r '.runs[0].tasks.hold.try_number')"
stop_agent
