#!/bin/bash
# Notifiers and SLAs against a real HTTP server on 127.0.0.1 (tests/tools/
# http_sink.py): webhook fields for each event, Slack text, retries with
# back-off, 4xx not retried, a dead endpoint and a black hole not slowing
# runs, SLA misses (timing, once, grid, across a restart), notify test,
# url_file rules and reload, and no secret in any reply, event, log or audit.
. "$(dirname "$0")/lib.sh"
TOOLS=$(cd "$(dirname "$0")/../tools" && pwd)

if ! command -v python3 >/dev/null; then
    echo "skip - notifier tests need python3 (scripts/deps.sh installs it)"
    exit 0
fi

# The secret every URL carries; it must never leave the agent.
TOKEN="s3cret-$RANDOM$RANDOM"
python3 "$TOOLS/http_sink.py" --record "$T/req.jsonl" --port-file "$T/port" &
SINK=$!
wait_for 10 test -s "$T/port" || { not_ok "the test HTTP server started"; exit 1; }
PORT=$(cat "$T/port")
touch "$T/req.jsonl"
# A port nothing listens on: connections are refused.
DEAD=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT

echo "$URL/ok/chat-$TOKEN" >"$T/chat.url"
chmod 600 "$T/chat.url"
echo "$URL/ok/public-$TOKEN" >"$T/public.url"
chmod 644 "$T/public.url"

cat >"$T/dagd.ini" <<CFG
[agent]
state_dir = state
dags_dir = dags
timezone = UTC
[pool db]
slots = 2
[notifier hook]
type = webhook
url = $URL/ok/hook-$TOKEN
on = failure retry success sla_miss
[notifier chat]
type = slack
url_file = chat.url
on = failure
[notifier flaky]
type = webhook
url = $URL/fail/2/flaky-$TOKEN
retries = 3
[notifier rejected]
type = webhook
url = $URL/status/404/rejected-$TOKEN
[notifier bad]
type = webhook
url = $URL/status/500/bad-$TOKEN
retries = 0
[notifier dead]
type = webhook
url = http://127.0.0.1:$DEAD/dead-$TOKEN
on = success failure
retries = 1
[notifier hole]
type = webhook
url = $URL/hole/hole-$TOKEN
on = success failure
timeout = 2s
retries = 0
[notifier public]
type = slack
url_file = public.url
CFG

cat >"$T/dags/fails.ini" <<'DAG'
[dag]
notify = hook chat flaky
retries = 1
retry_delay = 0s
[task boom]
notify = rejected
command = echo "step 1 of 2 done"; echo "the disk is full on /srv/data"; exit 3
DAG
cat >"$T/dags/happy.ini" <<'DAG'
[dag]
notify = hook
[task a]
command = true
[task b]
upstream = a
command = true
DAG
cat >"$T/dags/slow.ini" <<'DAG'
[dag]
notify = hook
sla = 2s
[task nap]
sla = 1s
command = sleep 3.5
[task fast]
sla = 1s
command = true
DAG
cat >"$T/dags/again.ini" <<'DAG'
[dag]
notify = hook
sla = 1s
[task nap]
command = sleep 4
DAG
# The example etl_orders as shipped, plus a notifier and no retries.
sed -e 's/^\[dag\]$/[dag]\nnotify = chat/' -e 's/^retries = .*/retries = 0/' \
    "$(dirname "$0")/../../examples/etl_orders.ini" >"$T/dags/etl_orders.ini"
mkdir -p "$T/var"
echo "not a folder" >"$T/var/warehouse"
for d in quiet loud; do
    {
        [ $d = loud ] && printf '[dag]\nnotify = hole dead\n'
        printf '[task a]\ncommand = true\n[task b]\nupstream = a\ncommand = true\n'
        printf '[task c]\nupstream = b\ncommand = true\n'
    } >"$T/dags/$d.ini"
done

# Every dagctl output goes to ctl.out too, to be searched for the secret.
ctl() { "$BIN/dagctl" -s "$SOCK" "$@" | tee -a "$T/ctl.out"; return "${PIPESTATUS[0]}"; }
jctl() { "$BIN/dagctl" -s "$SOCK" --json "$@" | tee -a "$T/ctl.out"; return "${PIPESTATUS[0]}"; }
# The bodies of the requests to PATH-PREFIX, one JSON per line.
bodies() { jq -c --arg p "$1" 'select(.path | startswith($p)) | .body' "$T/req.jsonl"; }
nreq() { jq -s --arg p "$1" 'map(select(.path | startswith($p))) | length' "$T/req.jsonl"; }
has_req() { [ "$(nreq "$1")" -ge "${2:-1}" ]; }
# The first webhook body with EVENT for DAG (and task, or null).
body_of() {
    bodies "/ok/hook-" | jq -c --arg e "$1" --arg d "$2" --arg t "${3:-}" \
        'select(.event == $e and .dag_id == $d and (.task_id // "") == $t)' | head -1
}
has_body() { [ -n "$(body_of "$@")" ]; }
# lt A B: A < B as numbers.
lt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }
now() { date +%s.%N; }
log_has() { grep -q -- "$1" "$T/agent.log"; }

# --check: a url_file readable by others is a warning, not an error.
"$BIN/dagd" -c "$T/dagd.ini" --check >"$T/check.out" 2>&1
check_eq "--check accepts the notifiers" 0 $?
check "--check warns about a url_file readable by others" \
    grep -q "dagd.ini:[0-9]*: warning: url_file: .*public.url is readable by others" "$T/check.out"

# Config errors name FILE:LINE and never repeat a URL.
mkdir -p "$T/bad/dags"
cat >"$T/bad/dagd.ini" <<CFG
[agent]
state_dir = ../state2
dags_dir = dags
[notifier x]
type = webhook
url = ftp://127.0.0.1/$TOKEN
CFG
printf '[dag]\nnotify = x nosuch\n[task t]\nnotify = other\ncommand = true\n' >"$T/bad/dags/d.ini"
"$BIN/dagd" -c "$T/bad/dagd.ini" --check >"$T/bad.out" 2>&1
check_eq "--check refuses a bad url" 1 $?
check "the error names the line" grep -q "dagd.ini:6: url: expected an http" "$T/bad.out"
check "and does not show the url" sh -c "! grep -q '$TOKEN' '$T/bad.out'"
sed -i "s|ftp://|http://|" "$T/bad/dagd.ini"
"$BIN/dagd" -c "$T/bad/dagd.ini" --check >"$T/bad.out" 2>&1
check "an unknown notifier in a DAG is an error at its line" \
    grep -q "d.ini:2: unknown notifier \"nosuch\"" "$T/bad.out"
check "an unknown notifier of a task too" grep -q "d.ini:4: task t: unknown notifier \"other\"" \
    "$T/bad.out"

start_agent || exit 1
python3 "$TOOLS/subscribe.py" "$SOCK" "$T/events.jsonl" &
SUB=$!
wait_for 5 grep -q subscribed "$T/events.jsonl"
check "the agent log warns about the refused url_file" log_has "public.url is readable by others"

# A failing task: retry, then failure, to the DAG's notifiers and the task's.
run=$(ctl trigger fails)
ctl wait fails "$run" --timeout 20 >/dev/null
wait_for 5 has_body failure fails boom
retry=$(body_of retry fails boom)
failure=$(body_of failure fails boom)
keys='["dag_id","event","host","log_tail","logical_date","run_id","state","task_id","try_number"]'
check_eq "webhook retry: every field of the contract" "$keys" "$(jq -c 'keys' <<<"$retry")"
check_eq "webhook retry: state" up_for_retry "$(jq -r .state <<<"$retry")"
check_eq "webhook retry: try 1" 1 "$(jq -r .try_number <<<"$retry")"
check_eq "webhook failure: every field" "$keys" "$(jq -c 'keys' <<<"$failure")"
check_eq "webhook failure: state failed, try 2" "failed 2 boom $run" \
    "$(jq -r '"\(.state) \(.try_number) \(.task_id) \(.run_id)"' <<<"$failure")"
logical=$(jctl grid fails | jq -r --arg r "$run" '.runs[] | select(.run_id == $r) | .logical_date')
check_eq "webhook failure: the run's logical date" "$logical" "$(jq -r .logical_date <<<"$failure")"
check_eq "webhook failure: the host" "$(hostname)" "$(jq -r .host <<<"$failure")"
check "webhook failure: the log tail" grep -q "the disk is full on /srv/data" <<<"$(jq -r .log_tail <<<"$failure")"

# Within a second of the task's end.
end=$(jq -cn --arg r "$run" '{id:1,cmd:"task_instance",args:{dag_id:"fails",run_id:$r,task_id:"boom"}}' |
    socat -t 2 - "UNIX-CONNECT:$SOCK" | jq -r .result.end_date)
t_end=$(date -d "$end" +%s.%N)
t_req=$(jq -s --arg p /ok/hook- 'map(select(.path | startswith($p)) | select(.body.event == "failure")) | .[0].time' "$T/req.jsonl")
check "the failure reached the endpoint within a second ($(awk -v a="$t_req" -v b="$t_end" 'BEGIN{printf "%.3f", a-b}') s)" \
    lt "$(awk -v a="$t_req" -v b="$t_end" 'BEGIN{print a-b}')" 1.0

# Slack: {"text"} naming DAG, logical date, task, state, try and log tail.
# Slack bodies whose text names DAG $1.
chat_of() { bodies /ok/chat- | jq -c --arg d "DAG \`$1\`" 'select(.text | contains($d))'; }
has_chat() { [ -n "$(chat_of "$1")" ]; }
wait_for 5 has_chat fails
chat=$(chat_of fails | head -1)
check_eq "slack body is {\"text\"}" '["text"]' "$(jq -c keys <<<"$chat")"
text=$(jq -r .text <<<"$chat")
for want in "fails" "boom" "$logical" "try 2" "state failed" "the disk is full on /srv/data" "$run"; do
    check "slack text holds \"$want\"" grep -qF -- "$want" <<<"$text"
done
check_eq "slack gets failures only (on = failure)" 1 "$(chat_of fails | wc -l)"

# 500 twice, then 200: three tries, 1 s then 2 s apart.
wait_for 10 has_req /fail/2/flaky- 3
check_eq "a 500 is retried until it succeeds" 3 "$(nreq /fail/2/flaky-)"
gaps=$(jq -s -r --arg p /fail/2/flaky- '[.[] | select(.path | startswith($p)) | .time] |
    "\(.[1] - .[0]) \(.[2] - .[1])"' "$T/req.jsonl")
read -r g1 g2 <<<"$gaps"
check "back-off: about 1 s before the 2nd try ($g1)" sh -c "awk -v g=$g1 'BEGIN{exit !(g > 0.9 && g < 1.8)}'"
check "back-off: about 2 s before the 3rd try ($g2)" sh -c "awk -v g=$g2 'BEGIN{exit !(g > 1.9 && g < 2.8)}'"
check "each failed try is logged" log_has "notifier flaky: failure fails .* HTTP 500; try 2 of 4 in 1s"
check_eq "the task's own notifier got its failure, and a 404 is not retried" 1 "$(nreq /status/404/)"
check "a 404 is dropped with a logged error" log_has "notifier rejected: dropped failure fails .* after 1 try: HTTP 404"

# The shipped example etl_orders, told to notify chat (and not to retry):
# its scheduled run fails in create (the warehouse folder is a file), and
# Slack hears of it within a second, with the error in the message.
wait_for 20 has_chat etl_orders
eo_run=$(jctl grid etl_orders | jq -r '.runs[0].run_id')
ctl wait etl_orders "$eo_run" --timeout 20 >/dev/null
eo=$(chat_of etl_orders | head -1 | jq -r .text)
check "example DAG: slack names the task" grep -qF 'task `create` of DAG `etl_orders` failed' <<<"$eo"
check "example DAG: slack carries the error from the log" grep -qF "Not a directory" <<<"$eo"
end=$(jq -cn --arg r "$eo_run" '{id:1,cmd:"task_instance",args:{dag_id:"etl_orders",run_id:$r,task_id:"create"}}' |
    socat -t 2 - "UNIX-CONNECT:$SOCK" | jq -r .result.end_date)
t_end=$(date -d "$end" +%s.%N)
t_req=$(jq -s 'map(select(.path | startswith("/ok/chat-")) | select(.body.text | contains("DAG `etl_orders`"))) | .[0].time' "$T/req.jsonl")
lat=$(awk -v a="$t_req" -v b="$t_end" 'BEGIN{printf "%.3f", a-b}')
check "example DAG: the failure reached slack within a second ($lat s)" lt "$lat" 1.0

# A run's success: one run-level message (task_id null).
run=$(ctl trigger happy)
ctl wait happy "$run" --timeout 20 >/dev/null
wait_for 5 has_body success happy
success=$(body_of success happy)
check_eq "webhook success: every field" "$keys" "$(jq -c 'keys' <<<"$success")"
check_eq "webhook success: run-level (task_id, try_number, log_tail null)" "null null null success" \
    "$(jq -r '"\(.task_id) \(.try_number) \(.log_tail) \(.state)"' <<<"$success")"
check_eq "no success per task" 0 "$(bodies /ok/hook- | jq -s '[.[] | select(.dag_id == "happy" and .task_id != null)] | length')"

# A dead endpoint and a black hole do not slow runs: a DAG notifying both
# runs about as fast as the same DAG without them.
t_quiet=0 t_loud=0
for i in 1 2 3; do
    for d in quiet loud; do
        s=$(now)
        r=$(ctl trigger $d)
        ctl wait $d "$r" --timeout 20 >/dev/null
        e=$(now)
        if [ $d = quiet ]; then t_quiet=$(awk -v a=$t_quiet -v s=$s -v e=$e 'BEGIN{print a+e-s}'); else
            t_loud=$(awk -v a=$t_loud -v s=$s -v e=$e 'BEGIN{print a+e-s}'); fi
    done
done
check "runs notifying a black hole and a dead endpoint are not slower (${t_loud}s vs ${t_quiet}s for 3 runs)" \
    lt "$t_loud" "$(awk -v q="$t_quiet" 'BEGIN{print q+1.0}')"
check "the black hole got the messages" has_req /hole/ 3
check "the agent still answers at once" sh -c "timeout 1 $BIN/dagctl -s $SOCK status >/dev/null"
check "a refused connection is retried, then dropped with a logged error" \
    wait_for 10 log_has "notifier dead: dropped success loud .* after 2 tries: .*onnect"
check "a black hole times out and is dropped with a logged error" \
    wait_for 10 log_has "notifier hole: dropped success loud .* after 1 try: .*imeout\|notifier hole: dropped success loud .* after 1 try: .*timed out"

# SLA: 2 s for the run, 1 s for each task, from the moment the run became due
# (a manual run: when it was triggered). nap is late, fast is not.
t0=$(now)
run=$(ctl trigger slow)
wait_for 10 has_body sla_miss slow
wait_for 5 has_body sla_miss slow nap
t_run=$(jq -s 'map(select(.body.event == "sla_miss" and .body.dag_id == "slow" and .body.task_id == null)) | .[0].time' "$T/req.jsonl")
t_nap=$(jq -s 'map(select(.body.event == "sla_miss" and .body.dag_id == "slow" and .body.task_id == "nap")) | .[0].time' "$T/req.jsonl")
d_run=$(awk -v a="$t_run" -v b="$t0" 'BEGIN{printf "%.2f", a-b}')
d_nap=$(awk -v a="$t_nap" -v b="$t0" 'BEGIN{printf "%.2f", a-b}')
check "the run's sla_miss fires about 2 s after it became due ($d_run s)" \
    sh -c "awk -v d=$d_run 'BEGIN{exit !(d >= 1.95 && d < 2.8)}'"
check "the task's sla_miss fires about 1 s after ($d_nap s)" \
    sh -c "awk -v d=$d_nap 'BEGIN{exit !(d >= 0.95 && d < 1.8)}'"
ctl wait slow "$run" --timeout 20 >/dev/null
sla=$(body_of sla_miss slow)
check_eq "sla_miss webhook: the fields, sla_s, state running" \
    '["dag_id","event","host","log_tail","logical_date","run_id","sla_s","state","task_id","try_number"] running 2' \
    "$(jq -c 'keys' <<<"$sla") $(jq -r '"\(.state) \(.sla_s)"' <<<"$sla")"
check_eq "sla_miss fires once per run and task (run, nap; not fast)" "1 1 0" \
    "$(bodies /ok/hook- | jq -s -r '[.[] | select(.event == "sla_miss" and .dag_id == "slow")] |
        "\(map(select(.task_id == null)) | length) \(map(select(.task_id == "nap")) | length) \(map(select(.task_id == "fast")) | length)"')"
grid=$(jctl grid slow)
check_eq "the grid shows the misses (run, nap, fast)" "true true false" \
    "$(jq -r '.runs[0] | "\(.sla_miss) \(.tasks.nap.sla_miss) \(.tasks.fast.sla_miss)"' <<<"$grid")"
check_eq "subscribers got the sla_miss events" 2 \
    "$(grep '"sla_miss"' "$T/events.jsonl" | jq -s '[.[] | select(.event == "sla_miss" and .dag_id == "slow")] | length')"

# A run that clear reopens after its deadlines does not fire for them.
ctl clear slow "$run" fast --yes >/dev/null
ctl wait slow "$run" --timeout 20 >/dev/null
check_eq "clearing a task after its deadline fires nothing new" "1 1 0" \
    "$(bodies /ok/hook- | jq -s -r '[.[] | select(.event == "sla_miss" and .dag_id == "slow")] |
        "\(map(select(.task_id == null)) | length) \(map(select(.task_id == "nap")) | length) \(map(select(.task_id == "fast")) | length)"')"

# Once across a restart: the miss is recorded before the agent stops, and
# the run it follows after the start does not fire again.
run=$(ctl trigger again)
wait_for 5 has_body sla_miss again
kill -TERM "$AGENT_PID"
wait "$AGENT_PID"
AGENT_PID=
kill "$SUB" 2>/dev/null
wait "$SUB" 2>/dev/null
start_agent || exit 1
python3 "$TOOLS/subscribe.py" "$SOCK" "$T/events.jsonl" &
SUB=$!
ctl wait again "$run" --timeout 20 >/dev/null
check_eq "an SLA miss does not fire again after a restart" 1 \
    "$(bodies /ok/hook- | jq -s '[.[] | select(.event == "sla_miss" and .dag_id == "again")] | length')"

# dagctl notify test NAME: one message, the HTTP status, exit 0 on 2xx.
out=$(ctl notify test hook)
check_eq "notify test: exit 0 on 200" 0 $?
check_eq "notify test: prints the status" "hook: HTTP 200, delivered" "$out"
check_eq "notify test --json" '{"name":"hook","status":200,"delivered":true,"error":null}' \
    "$(jctl notify test hook | jq -c .)"
check "the test message arrived" sh -c "bodies() { jq -c 'select(.path | startswith(\"/ok/hook-\")) | .body' '$T/req.jsonl'; }; bodies | grep -q '\"event\":\"test\"'"
out=$(ctl notify test bad)
check_eq "notify test: exit 1 on 500, with the status" "1 bad: HTTP 500, not delivered" "$? $out"
out=$(ctl notify test dead)
check_eq "notify test of a dead endpoint: exit 1" 1 $?
check "and says there was no answer" grep -q "dead: no answer, not delivered: .*onnect" <<<"$out"
out=$(ctl notify test public 2>&1)
check "notify test of a refused url_file says why" grep -q "no URL" <<<"$out"
ctl notify test nosuch >/dev/null 2>"$T/nosuch.err"
check_eq "notify test of an unknown notifier: exit 1" 1 $?
check "with not_found" grep -q "not_found" "$T/nosuch.err"
s=$(now)
ctl notify test hole >/dev/null
check_eq "notify test of a black hole ends with its timeout: exit 1" 1 $?
check "within the notifier's timeout (2 s)" lt "$(awk -v s="$s" -v e="$(now)" 'BEGIN{print e-s}')" 3.5
out=$(ctl notify test chat)
check_eq "notify test through slack" "chat: HTTP 200, delivered" "$out"
check "the slack test message is {\"text\"}" sh -c "[ \"\$(jq -s '[.[] | select(.path | startswith(\"/ok/chat-\")) | .body | select(has(\"text\") and (.text | test(\"test\")))] | length' '$T/req.jsonl')\" -ge 1 ]"
check "notify test is audited (without the url)" sh -c "$BIN/dagctl -s $SOCK --json audit | jq -e 'map(select(.action == \"notify_test\" and .detail == \"notifier hook\")) | length > 0' >/dev/null"

# SIGHUP reads url_file again.
echo "$URL/ok/chat2-$TOKEN" >"$T/chat.url"
kill -HUP "$AGENT_PID"
reached_new() { ctl notify test chat >/dev/null && has_req /ok/chat2-; }
check "SIGHUP reads url_file again" wait_for 10 reached_new

# No secret anywhere a client or an operator can see.
jctl audit --limit 1000 >/dev/null
jctl dags >/dev/null
jctl status >/dev/null
for f in agent.log ctl.out events.jsonl check.out; do
    check "no secret in $f" sh -c "! grep -q '$TOKEN' '$T/$f'"
done
check "no secret in the store (audit included)" sh -c "! cat '$T'/state/dagd.db* | grep -aq '$TOKEN'"

# Stopping with messages in flight to a black hole is not held up.
for i in 1 2; do ctl trigger loud >/dev/null; done
wait_for 5 has_req /hole/ 5
s=$(now)
kill "$SUB" 2>/dev/null
stop_agent
check "the agent stops at once with sends in flight" lt "$(awk -v s="$s" -v e="$(now)" 'BEGIN{print e-s}')" 3
check "unsent messages are logged as dropped at exit" log_has "unsent message.* dropped at exit"
kill "$SINK"
wait "$SINK" 2>/dev/null
exit 0
