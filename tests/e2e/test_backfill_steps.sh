#!/bin/bash
# A big backfill is made in steps: the agent answers other clients while it
# creates 3,000 runs of 40 tasks (120,000 task instances), the reply still
# lists every run once all are stored, one audit record says what was
# made, a second backfill of the range makes nothing, a client that leaves
# before the reply changes none of it, and an agent stopped in the middle
# keeps the runs made and says in the audit how many they were; so does one
# whose DAG file is removed meanwhile, answered not_found.
. "$(dirname "$0")/lib.sh"

# Under valgrind (make valgrind) a tenth: still steps, at a tenth of the speed.
N=$([ -n "${DAGD_WRAP:-}" ] && echo 300 || echo 3000)
b0=$(date -u -d "-$((N + 5)) days" +%Y-%m-%d)
from=$(date -u -d "$b0 +1 day" +%Y-%m-%d)
to=$(date -u -d "$b0 +$N days" +%Y-%m-%d)
{
    printf '[dag]\nschedule = @daily\nstart_date = %s\ncatchup = false\nend_date = %s\nmax_active_runs = 1\n' "$b0" "$to"
    printf '[task t1]\ncommand = while [ ! -e %s/go ]; do sleep 0.02; done\n' "$T"
    for i in $(seq 2 40); do printf '[task t%s]\nupstream = t%s\ncommand = true\n' "$i" $((i - 1)); done
} >"$T/dags/big.ini"
cp "$T/dags/big.ini" "$T/dags/left.ini"
cp "$T/dags/big.ini" "$T/dags/cut.ini"
cp "$T/dags/big.ini" "$T/dags/gone.ini"
start_agent || exit 1

# On one connection the backfill; on another, status asked again and again
# until the backfill's reply comes: how many were answered meanwhile.
cat >"$T/race.py" <<'PY'
import json, socket, sys, time
path, dag, frm, to = sys.argv[1:5]
def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(60)
    s.connect(path)
    return s
def line(s, buf):
    while b"\n" not in buf[0]:
        data = s.recv(1 << 20)
        if not data:
            raise SystemExit("closed")
        buf[0] += data
    out, buf[0] = buf[0].split(b"\n", 1)
    return json.loads(out)
a, b = conn(), conn()
a.sendall((json.dumps({"id": 1, "cmd": "backfill", "args": {"dag_id": dag, "from": frm, "to": to}}) + "\n").encode())
a.setblocking(False)
abuf, bbuf, answered, reply = [b""], [b""], 0, None
while reply is None:
    b.sendall(b'{"id":2,"cmd":"status"}\n')
    if line(b, bbuf).get("ok"):
        answered += 1
    try:
        data = a.recv(1 << 22)
        if not data:
            raise SystemExit("closed")
        abuf[0] += data
        if b"\n" in abuf[0]:
            a.setblocking(True)
            reply = line(a, abuf)
    except BlockingIOError:
        pass
print(json.dumps({"answered": answered, "ok": reply.get("ok"), "runs": len(reply.get("result", {}).get("run_ids", []))}))
PY
out=$(python3 "$T/race.py" "$SOCK" big "$from" "$to")
echo "# $out"
check_eq "the backfill's reply lists all $N runs" "$N" "$(jq .runs <<<"$out")"
check "other clients were answered while it made them ($(jq .answered <<<"$out") status replies)" \
    test "$(jq .answered <<<"$out")" -ge 3
check_eq "the grid has all $N runs" "$N" "$(jctl grid big --limit 10000 | jq '.runs | length')"
check_eq "one audit record says what was made" 1 \
    "$(jctl audit --limit 1000 | jq --arg n "created $N runs" '[.[] | select(.action == "backfill" and .dag_id == "big" and (.detail | endswith($n)))] | length')"
check_eq "the same range again makes nothing" 0 "$(jctl backfill big --from "$from" --to "$to" | jq '.run_ids | length')"
check "only the first run is in memory, the rest wait in the store" \
    test "$(jctl status | jq .runs_in_memory)" -le 2

# A client that leaves at once: the runs are made all the same.
python3 - "$SOCK" "$from" "$to" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall((json.dumps({"id": 1, "cmd": "backfill", "args": {"dag_id": "left", "from": sys.argv[2], "to": sys.argv[3]}}) + "\n").encode())
s.close()
PY
check "a backfill whose client left still makes all $N runs" \
    wait_for 120 sh -c "[ \"\$($BIN/dagctl -s $SOCK --json grid left --limit 10000 | jq '.runs | length')\" = $N ]"
check "the agent still answers" agent_answers

# Stopped in the middle: what was made stays, and the audit says so.
jq -cn --arg f "$from" --arg t "$to" '{id:1,cmd:"backfill",args:{dag_id:"cut",from:$f,to:$t}}' |
    socat -t 60 - "UNIX-CONNECT:$SOCK" >/dev/null &
ctl_pid=$!
wait_for 120 sh -c "[ \"\$($BIN/dagctl -s $SOCK --json grid cut --limit 100 | jq '.runs | length')\" -ge 64 ]"
stop_agent
wait "$ctl_pid" 2>/dev/null
start_agent || exit 1
made=$(jctl grid cut --limit 10000 | jq '.runs | length')
if [ "$made" -lt "$N" ]; then
    check "the audit says the stopped backfill made $made of $N runs" \
        test "$(jctl audit --limit 1000 | jq --arg d "stopped (the agent stopped): $made of $N runs made" '[.[] | select(.dag_id == "cut" and .detail == $d)] | length')" = 1
else
    echo "ok - # skip: the backfill was done before the agent stopped"
fi
check_eq "the rest is made by the same backfill again" "$((N - made))" \
    "$(jctl backfill cut --from "$from" --to "$to" | jq '.run_ids | length')"
# Its DAG file removed in the middle: the runs made stay, the reply says
# not_found and how many were made, and so does the audit.
jctl backfill gone --from "$from" --to "$to" >"$T/gone.reply" 2>/dev/null &
ctl_pid=$!
wait_for 120 sh -c "[ \"\$($BIN/dagctl -s $SOCK --json grid gone --limit 100 | jq '.runs | length')\" -ge 64 ]"
rm "$T/dags/gone.ini"
wait "$ctl_pid" || true # refused: exit 1
echo "# $(cut -c1-200 "$T/gone.reply")"
if ! jq -e .run_ids "$T/gone.reply" >/dev/null 2>&1; then # not all made
    check_eq "a backfill whose DAG went away is answered not_found" not_found "$(jq -r .code "$T/gone.reply")"
    made=$(jq -r .message "$T/gone.reply" | sed -n 's/.*: \([0-9]*\) of [0-9]* runs were made$/\1/p')
    check "it says how many runs were made ($made)" test -n "$made"
    check "the audit says the same" \
        test "$(jctl audit --limit 1000 | jq --arg d "stopped (its DAG went away): $made of $N runs made" '[.[] | select(.dag_id == "gone" and .detail == $d)] | length')" = 1
else
    echo "ok - # skip: the backfill was done before its DAG went away"
fi
check "the agent still answers" agent_answers
touch "$T/go"
check "the first backfilled run ends" wait_for 120 sh -c "[ \"\$($BIN/dagctl -s $SOCK --json grid big --limit 10000 | jq '[.runs[] | select(.state == \"success\")] | length')\" -ge 1 ]"
stop_agent
