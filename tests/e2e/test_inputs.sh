#!/bin/bash
# Odd input (SPEC "Limits and odd input"): ids that are path parts, logical
# dates at and beyond the bounds, log reads that would leave the log folder.
. "$(dirname "$0")/lib.sh"
# One raw request, its one reply line (the connection stays open until then:
# the agent drops a client that half-closes).
req() {
    python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
buf = b""
while not buf.endswith(b"\n"):
    chunk = s.recv(65536)
    if not chunk:
        break
    buf += chunk
sys.stdout.write(buf.decode())' "$SOCK" "$1"
}

cat >"$T/dags/d.ini" <<'DAG'
[task a]
command = echo hello
DAG
cat >"$T/dags/tokyo.ini" <<'DAG'
[dag]
timezone = Asia/Tokyo
[task a]
command = echo hi
DAG
cat >"$T/dags/dotdot.ini" <<'DAG'
[dag]
id = ..
[task a]
command = echo escaped
DAG
cat >"$T/dags/taskdots.ini" <<'DAG'
[task ..]
command = echo shared
DAG
cat >"$T/dags/daily.ini" <<'DAG'
[dag]
schedule = @daily
[task a]
command = true
DAG
# start_date and end_date at the epoch are dates, not "none".
cat >"$T/dags/epoch.ini" <<'DAG'
[dag]
schedule = @daily
start_date = 1970-01-01
end_date = 1970-01-03
catchup = true
max_active_runs = 3
[task a]
command = echo {{ ds }}
DAG
cat >"$T/dags/epochfill.ini" <<'DAG'
[dag]
schedule = @daily
start_date = 1970-01-01
catchup = false
[task a]
command = true
DAG
cat >"$T/dags/leak.ini" <<'DAG'
[task a]
command = echo visible
[task b]
command = echo visible too
DAG
# 600,000 control bytes (6 bytes each in JSON) and "é" across page ends.
cat >"$T/dags/big.ini" <<'DAG'
[task ctl]
command = head -c 600000 /dev/zero | tr '\0' '\001'; echo
[task utf]
command = yes 'é€𝄞x' | head -n 100000
DAG
start_agent || exit 1

# ---- ids ----
err=$(jctl dags | jq -r '.[] | select(.file | endswith("/dotdot.ini")) | .error')
check "DAG id .. is a load error naming file and line ($(head -1 <<<"$err"))" \
    grep -q 'dotdot.ini:2: .*bad DAG id "\.\."' <<<"$err"
err=$(jctl dags | jq -r '.[] | select(.file | endswith("/taskdots.ini")) | .error')
check "task id .. is a load error naming file and line ($(head -1 <<<"$err"))" \
    grep -q 'taskdots.ini:1: .*bad task id "\.\."' <<<"$err"
check_eq "no DAG is named . or .." "" "$(jctl dags | jq -r '.[] | select(.error == null) | .dag_id' | grep -x '\.\.\?')"
check "nothing was written beside logs/" test ! -e "$T/state/a"

# ---- dates ----
out=$(jctl trigger d --date 1970-01-01)
check_eq "trigger --date 1970-01-01 reads back as the epoch" "1970-01-01T00:00:00+00:00" \
    "$(jq -r .logical_date <<<"$out")"
run=$(jq -r .run_id <<<"$out")
check_eq "its run id names the epoch" "manual__1970-01-01T00:00:00+00:00" "$run"
w=$(jctl wait d 1970-01-01 --timeout 20)
check_eq "wait finds it by date" success "$(jq -r .state <<<"$w")"
check_eq "wait reads the date back" "1970-01-01T00:00:00+00:00" "$(jq -r .logical_date <<<"$w")"
check_eq "grid reads the date back" "1970-01-01T00:00:00+00:00" \
    "$(jctl grid d | jq -r --arg r "$run" '.runs[] | select(.run_id == $r) | .logical_date')"
ti=$(req "{\"id\":1,\"cmd\":\"task_instance\",\"args\":{\"dag_id\":\"d\",\"run_id\":\"$run\",\"task_id\":\"a\"}}")
bf=$(printf '{"id":1,"cmd":"backfill","args":{"dag_id":"epochfill","from":"1970-01-01","to":"1970-01-02","dry_run":true}}\n' |
    socat -t 5 - "UNIX-CONNECT:$SOCK")
check_eq "a backfill dry run from the epoch names its first date" "2 1970-01-01T00:00:00+00:00" \
    "$(jq -r '"\(.result.count) \(.result.first)"' <<<"$bf")"
check_eq "task_instance reads the date back" "1970-01-01T00:00:00+00:00" \
    "$(jq -r .result.logical_date <<<"$ti")"
check_eq "the task saw the epoch as ds" "hello" "$(task_log d "$run" a)"
check_eq "the same instant with +14:00 is the same run" exists \
    "$(jctl trigger d --date 1970-01-01T14:00:00+14:00 2>/dev/null | jq -r .code)"

refused() { # DESCRIPTION FIELD COMMAND...
    local desc=$1 field=$2
    shift 2
    local e
    e=$("$@" 2>/dev/null)
    check_eq "$desc is bad_request" bad_request "$(jq -r .code <<<"$e")"
    check "$desc: the message names $field ($(jq -r .message <<<"$e"))" \
        grep -q "$field" <<<"$(jq -r .message <<<"$e")"
}
refused "1969-12-31T23:59:59Z" args.date jctl trigger d --date 1969-12-31T23:59:59Z
refused "1970-01-01T13:59:59+14:00" args.date jctl trigger d --date 1970-01-01T13:59:59+14:00
refused "year 0" args.date jctl trigger d --date 0000-01-01
refused "10000-01-01" args.date jctl trigger d --date 10000-01-01
refused "9999-12-31T23:59:59.5Z" args.date jctl trigger d --date 9999-12-31T23:59:59.5Z
refused "backfill from 1969" args.from jctl backfill daily --from 1969-12-31 --to 1970-01-02
refused "backfill to 10000" args.to jctl backfill daily --from 9999-12-30 --to 10000-01-01

out=$(jctl trigger d --date 9999-12-31T23:59:59Z)
check_eq "9999-12-31T23:59:59Z is accepted and reads back" "9999-12-31T23:59:59+00:00" \
    "$(jq -r .logical_date <<<"$out")"
check_eq "and in the grid" "9999-12-31T23:59:59+00:00" "$(jctl grid d --limit 1 | jq -r '.runs[0].logical_date')"
out=$(jctl trigger d --date 9999-12-31T09:59:58-14:00)
check_eq "a date near the end with -14:00 reads back in the DAG's zone" \
    "9999-12-31T23:59:58+00:00" "$(jq -r .logical_date <<<"$out")"
out=$(jctl trigger tokyo --date 9999-12-31T23:59:59Z)
late=$(jq -r .logical_date <<<"$out")
check_eq "the last instant in Tokyo is 10000-01-01" "10000-01-01T08:59:59+09:00" "$late"
w=$(jctl wait tokyo "$late" --timeout 20)
check_eq "and what reads back names the run again" "$late" "$(jq -r .logical_date <<<"$w")"
out=$(jctl trigger tokyo --date 1970-01-01T09:00)
check_eq "the epoch in Tokyo is 1970-01-01T09:00" "1970-01-01T09:00:00+09:00" "$(jq -r .logical_date <<<"$out")"
refused "1970-01-01 in Tokyo (before the epoch)" args.date jctl trigger tokyo --date 1970-01-01

# ---- logs ----
lrun=$(ctl trigger leak)
ctl wait leak "$lrun" --timeout 20 >/dev/null
r=$(req "{\"id\":1,\"cmd\":\"logs\",\"args\":{\"dag_id\":\"leak\",\"run_id\":\"$lrun\",\"task_id\":\"a\",\"offset\":-5}}")
check_eq "logs with a negative offset is bad_request" bad_request "$(jq -r .error.code <<<"$r")"
check "and names the field ($(jq -r .error.message <<<"$r"))" grep -q args.offset <<<"$(jq -r .error.message <<<"$r")"
check_eq "the log reads before anything is planted" visible "$(task_log leak "$lrun" a)"
echo "SECRET-TEXT" >"$T/secret"
logdir="$T/state/logs/leak/$lrun"
rm "$logdir/a.1.log" && ln -s "$T/secret" "$logdir/a.1.log"
out=$(ctl logs leak "$lrun" a 2>"$T/err")
rc=$?
check_eq "a symlink at a try's log path is refused" 1 "$rc"
check "nothing of its target is shown" test -z "$(grep SECRET <<<"$out")"
check "the refusal says why ($(cat "$T/err"))" grep -q "not a regular file" "$T/err"
# The run's folder (the folder on the way to a try's log) moved away and
# linked back, its b's log now secret.
mv "$logdir" "$T/elsewhere" && ln -s "$T/elsewhere" "$logdir"
printf '%-15s\nSECRET-DIR\n' "exit 0" >"$T/elsewhere/b.1.log"
out=$(ctl logs leak "$lrun" b 2>/dev/null)
check_eq "a symlinked folder on the way is refused" 1 "$?"
check "nothing of its file is shown" test -z "$(grep SECRET <<<"$out")"
rm "$logdir" && mkdir "$logdir" && mkfifo "$logdir/a.1.log"
timeout 5 "$BIN/dagctl" -s "$SOCK" logs leak "$lrun" a >/dev/null 2>&1
check_eq "a FIFO at the log path is refused at once (no hang)" 1 "$?"

brun=$(ctl trigger big)
ctl wait big "$brun" --timeout 60 >/dev/null
for t in ctl utf; do
    f="$T/state/logs/big/$brun/$t.1.log"
    # The file's first 16 bytes are the try's status record, never shown.
    check "the whole $t log ($(stat -c %s "$f") bytes) reads back byte for byte" \
        cmp -s <(ctl logs big "$brun" $t) <(tail -c +17 "$f")
done
r=$(req "{\"id\":1,\"cmd\":\"logs\",\"args\":{\"dag_id\":\"big\",\"run_id\":\"$brun\",\"task_id\":\"ctl\"}}")
check "a page of control bytes stays under the 256 KiB budget ($(wc -c <<<"$r") bytes)" \
    test "$(wc -c <<<"$r")" -lt 270000
check_eq "and says there is more" true "$(jq -r .result.more <<<"$r")"

three_epoch_runs() { [ "$(jctl grid epoch | jq '[.runs[] | select(.state == "success")] | length')" = 3 ]; }
wait_for 20 three_epoch_runs
check_eq "start_date 1970-01-01 .. end_date 1970-01-03 makes exactly those runs" \
    "1970-01-03T00:00:00+00:00 1970-01-02T00:00:00+00:00 1970-01-01T00:00:00+00:00" \
    "$(jctl grid epoch | jq -r '[.runs[].logical_date] | join(" ")')"
check_eq "the first one's ds is 1970-01-01" 1970-01-01 "$(task_log epoch 1970-01-01 a)"
check_eq "nothing is next after the end_date" "[]" "$(jctl next epoch | jq -c .)"

stop_agent
