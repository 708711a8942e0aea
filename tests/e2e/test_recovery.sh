#!/bin/bash
# Recovery notifications against a real HTTP server on 127.0.0.1: a run that
# succeeds after the DAG's previous run (by logical date, among finished
# runs) failed fires `recovery` (webhook event, Slack text); a success after
# a success does not, nor a notifier that does not list it.
. "$(dirname "$0")/lib.sh"
TOOLS=$(cd "$(dirname "$0")/../tools" && pwd)

if ! command -v python3 >/dev/null; then
    echo "skip - notifier tests need python3 (scripts/deps.sh installs it)"
    exit 0
fi
python3 "$TOOLS/http_sink.py" --record "$T/req.jsonl" --port-file "$T/port" &
SINK=$!
wait_for 10 test -s "$T/port" || { not_ok "the test HTTP server started"; exit 1; }
URL=http://127.0.0.1:$(cat "$T/port")
touch "$T/req.jsonl"

cat >"$T/dagd.ini" <<CFG
[agent]
state_dir = state
dags_dir = dags
timezone = UTC
[notifier hook]
type = webhook
url = $URL/hook
on = recovery failure
[notifier chat]
type = slack
url = $URL/chat
on = recovery
[notifier plain]
type = webhook
url = $URL/plain
on = success
CFG
# The task fails while the flag file exists.
cat >"$T/dags/flaky.ini" <<DAG
[dag]
schedule = none
notify = hook chat plain
[task t]
command = test ! -e $T/fail
DAG
start_agent || exit 1

nreq() { jq -s --arg p "$1" --arg e "$2" 'map(select(.path == $p and (.body.event // "") == $e)) | length' "$T/req.jsonl"; }
run_at() {
    id=$(jctl trigger flaky --date "$1" | jq -r .run_id)
    ctl wait flaky "$id" --timeout 20 >/dev/null
}

run_at 2026-01-01 # success, nothing before it
touch "$T/fail"
run_at 2026-01-02 # failure
rm -f "$T/fail"
run_at 2026-01-03 # success after a failure: recovery
wait_for 10 test "$(nreq /hook recovery)" -ge 1
check_eq "webhook: one recovery event" 1 "$(nreq /hook recovery)"
rec=$(jq -c 'select(.path == "/hook" and .body.event == "recovery") | .body' "$T/req.jsonl")
check_eq "recovery: the run that recovered" manual__2026-01-03T00:00:00+00:00 "$(jq -r .run_id <<<"$rec")"
check_eq "recovery: state success, run-level" success/null "$(jq -r '"\(.state)/\(.task_id)"' <<<"$rec")"
wait_for 10 test "$(jq -s 'map(select(.path == "/chat")) | length' "$T/req.jsonl")" -ge 1
text=$(jq -r 'select(.path == "/chat") | .body.text' "$T/req.jsonl")
check "slack: the text says recovered and names the DAG" grep -q 'recover.*flaky\|flaky.*recover' <<<"$text"
check "slack: the text names the run" grep -q 'manual__2026-01-03' <<<"$text"

run_at 2026-01-04 # success after a success: no recovery
wait_for 10 test "$(nreq /plain success)" -ge 3
check_eq "success after success: no second recovery" 1 "$(nreq /hook recovery)"
check_eq "a notifier without recovery in on= gets none" 0 "$(nreq /plain recovery)"
check_eq "success events still go to on=success" 3 "$(nreq /plain success)"

# An older date that succeeds after a later failure: previous by logical
# date is what counts (2025-12-31 has nothing before it).
touch "$T/fail"
run_at 2026-01-05
rm -f "$T/fail"
run_at 2025-12-31
run_at 2026-01-06 # after 01-05's failure: recovery
wait_for 10 test "$(nreq /hook recovery)" -ge 2
check_eq "recovery after the latest failure; none for an older date" \
    '["manual__2026-01-03T00:00:00+00:00","manual__2026-01-06T00:00:00+00:00"]' \
    "$(jq -s -c 'map(select(.path == "/hook" and .body.event == "recovery") | .body.run_id)' "$T/req.jsonl")"

check "--print-config shows recovery among a notifier's events" bash -c "'$BIN/dagd' -c '$T/dagd.ini' --print-config | grep -qE '^on = failure recovery$'"
sed 's/on = recovery failure/on = recover/' "$T/dagd.ini" >"$T/bad.ini"
check "dagd --check refuses an unknown event" bash -c "! '$BIN/dagd' -c '$T/bad.ini' --check >/dev/null 2>&1"
stop_agent
kill "$SINK" 2>/dev/null
wait "$SINK" 2>/dev/null || true
