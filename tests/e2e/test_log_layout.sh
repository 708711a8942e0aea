#!/bin/bash
# The logs folder: one file per try (logs/DAG/RUN/TASK.N.log), whose first
# 16 bytes are the try's status record; users see exactly the task's
# output. Runs and tries of an older agent (TASK/N.log and N.status, no
# record in the log) still read, and a try of an older agent that runs
# across the upgrade is followed and settled from its N.status. The logs
# of the tasks next in line are made ahead, empty.
. "$(dirname "$0")/lib.sh"
cat >"$T/dags/out.ini" <<DAG
[dag]
retries = 0
[task t]
command = printf 'a\nb'
[task bad]
command = echo oops; exit 3
[task slow]
command = echo first; while [ ! -e $T/go ]; do sleep 0.05; done; echo second
DAG
cat >"$T/dags/quiet.ini" <<DAG
[task q1]
command = true
[task q2]
upstream = q1
command = true
[task q3]
upstream = q2
command = true
DAG
cat >"$T/dags/ahead.ini" <<DAG
[task first]
command = while [ ! -e $T/go_ahead ]; do sleep 0.05; done
[task next]
upstream = first
command = echo next
[task after]
upstream = next
command = echo after
DAG
cat >"$T/dags/up.ini" <<DAG
[dag]
retries = 0
[task done]
command = echo done-output-longer-than-the-record
[task live]
command = echo new-agent-output; while [ ! -e $T/never ]; do sleep 0.05; done
DAG
start_agent || exit 1

# --- what users see: the output, byte for byte ---------------------------------
run=$(ctl trigger out)
wait_for 10 sh -c "$BIN/dagctl -s $SOCK logs out '$run' slow | grep -q first"
ctl logs out "$run" slow -f >"$T/follow.out" 2>&1 &
follower=$!
touch "$T/go"
ctl wait out "$run" --timeout 20 >/dev/null
check "logs shows exactly the task's output (printf 'a\\nb')" \
    cmp -s <(ctl logs out "$run" t) <(printf 'a\nb[dagd] exit status 0\n')
check "and of a failed try" cmp -s <(ctl logs out "$run" bad) <(printf 'oops\n[dagd] exit status 3\n')
wait "$follower"
check "logs -f of a running try shows its output once, in order" \
    cmp -s "$T/follow.out" <(printf 'first\nsecond\n[dagd] exit status 0\n')
logs_at() { # TASK OFFSET: the agent's logs reply from OFFSET
    printf '{"id":1,"cmd":"logs","args":{"dag_id":"out","run_id":"%s","task_id":"%s","offset":%s}}\n' \
        "$run" "$1" "$2" | socat -t 5 - "UNIX-CONNECT:$SOCK"
}
check_eq "an offset counts from the output's first byte; size is the output's" \
    '"b[dagd] exit status 0\n" 24 24 true' \
    "$(logs_at t 2 | jq -c '.result | [.text, .offset, .size, .eof]' | jq -r '"\(.[0] | tojson) \(.[1]) \(.[2]) \(.[3])"')"
check_eq "at the end, nothing more" '"" 24' "$(logs_at t 24 | jq -r '.result | "\(.text | tojson) \(.offset)"')"
dir=$T/state/logs/out/$run
check_eq "the try's record says how it ended: exit 0" "exit 0         " "$(head -c 16 "$dir/t.1.log" | head -n 1)"
check_eq "and exit 3" "exit 3         " "$(head -c 16 "$dir/bad.1.log" | head -n 1)"
check_eq "the output follows the record in the file" "a
b[dagd] exit status 0" "$(tail -c +17 "$dir/t.1.log")"

# --- one inode per try -----------------------------------------------------------
qrun=$(ctl trigger quiet)
ctl wait quiet "$qrun" --timeout 20 >/dev/null
check_eq "the quiet run succeeds" success "$(run_state quiet "$qrun")"
check_eq "its log folder holds one file per try, nothing else (no folder per task, no .status)" \
    "q1.1.log q2.1.log q3.1.log" "$(cd "$T/state/logs/quiet/$qrun" && find . -mindepth 1 | sed 's|^\./||' | sort | paste -sd' ')"
check_eq "a quiet task's log is its record and the exit line" "exit 0         |[dagd] exit status 0" \
    "$(head -c 15 "$T/state/logs/quiet/$qrun/q1.1.log")|$(tail -c +17 "$T/state/logs/quiet/$qrun/q1.1.log")"
check_eq "and logs shows no more than the exit line" "[dagd] exit status 0" "$(ctl logs quiet "$qrun" q1)"

# --- the logs of the tasks next in line are made ahead --------------------------
# (on the thread pool, while the task before runs: log_prefetch.h) empty, so
# that they say nothing: no try yet, and logs says so.
arun=$(ctl trigger ahead)
adir=$T/state/logs/ahead/$arun
check "while the first task runs" wait_for 10 test -s "$adir/first.1.log"
check "the logs of the next two are made ahead" wait_for 10 test -e "$adir/next.1.log" -a -e "$adir/after.1.log"
check_eq "empty" "0 0" "$(stat -c %s "$adir/next.1.log") $(stat -c %s "$adir/after.1.log")"
check_eq "the next task has no try yet" 0 "$(jctl grid ahead | jq -r '.runs[0].tasks.next.try_number')"
check "and logs says it has none" sh -c "! $BIN/dagctl -s $SOCK logs ahead '$arun' next >/dev/null 2>&1"
touch "$T/go_ahead"
check_eq "the run then succeeds" success "$(jctl wait ahead "$arun" --timeout 20 | jq -r .state)"
check_eq "through the files made ahead" "next
[dagd] exit status 0" "$(ctl logs ahead "$arun" next)"
stop_agent

# --- runs of an older agent --------------------------------------------------------
# An older agent's run, made by hand from one of this agent: TASK/N.log
# without a record, the record in TASK/N.status.
old_layout() { # DIR TASK: this agent's TASK.1.log -> TASK/1.log + TASK/1.status
    mkdir -p "$1/$2"
    tail -c +17 "$1/$2.1.log" >"$1/$2/1.log"
    head -c 16 "$1/$2.1.log" >"$1/$2/1.status"
    rm "$1/$2.1.log"
}
old_layout "$dir" t
old_layout "$dir" bad
start_agent || exit 1
check "an older agent's log shows, byte for byte" \
    cmp -s <(ctl logs out "$run" t) <(printf 'a\nb[dagd] exit status 0\n')
check "and the other task's too" cmp -s <(ctl logs out "$run" bad) <(printf 'oops\n[dagd] exit status 3\n')
check_eq "its size and offsets count every byte of it (no record to skip)" '"b[dagd] exit status 0\n" 24' \
    "$(logs_at t 2 | jq -r '.result | "\(.text | tojson) \(.size)"')"

# A try of an older agent running across the upgrade: its shell (played
# here by a process with the older agent's environment and paths) is
# followed, and its outcome read from N.status when its log has no exit
# line. The new agent's own try is stopped first.
urun=$(ctl trigger up)
wait_for 10 sh -c "$BIN/dagctl -s $SOCK logs up '$urun' live | grep -q new-agent-output"
check "the task beside it finishes" wait_for 10 sh -c "[ \"\$($BIN/dagctl -s $SOCK --json grid up | jq -r '.runs[0].tasks.done.state')\" = success ]"
kill9_agent
udir=$T/state/logs/up/$urun
for p in $(grep -l "DAGD_LOG_FILE=$udir/live.1.log" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3); do
    kill -KILL -- "-$p" 2>/dev/null
done
wait_for 5 sh -c "! grep -qs 'DAGD_LOG_FILE=$udir/live.1.log' /proc/[0-9]*/environ"
old_layout "$udir" done
rm "$udir/live.1.log"
mkdir -p "$udir/live"
printf 'older agent output\n' >"$udir/live/1.log"
printf '%-15s\n' started >"$udir/live/1.status"
sqlite3 "$T/state/dagd.db" "UPDATE task_instances SET pid = 0, pid_start = 0 WHERE dag_id = 'up' AND task_id = 'live'"
DAGD_LOG_FILE=$udir/live/1.log setsid sh -c \
    'while [ ! -e "$1/go2" ]; do sleep 0.05; done; echo after >>"$2/1.log"; printf "exit %-10d\n" 0 1<>"$2/1.status"' \
    sh "$T" "$udir/live" &
old_try=$!
start_agent || exit 1
check "the older agent's running try is followed" wait_for 10 grep -q "up $urun live try 1: still running, followed" "$T/agent.log"
check_eq "it is still running" running "$(ti_state up "$urun" live)"
touch "$T/go2"
wait "$old_try"
ctl wait up "$urun" --timeout 20 >/dev/null
check_eq "and settled from its N.status (its log has no exit line): success" success "$(ti_state up "$urun" live)"
check_eq "it was not started again" 1 "$(jctl grid up | jq -r '.runs[0].tasks.live.try_number')"
check "its log shows what it wrote, byte for byte" \
    cmp -s <(ctl logs up "$urun" live) <(printf 'older agent output\nafter\n')
check "the older agent's finished try shows too" \
    cmp -s <(ctl logs up "$urun" done) <(printf 'done-output-longer-than-the-record\n[dagd] exit status 0\n')
check "no new-layout file was made for the followed try" test ! -e "$udir/live.1.log"
stop_agent
cleanup
