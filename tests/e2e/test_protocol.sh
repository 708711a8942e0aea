#!/bin/bash
# The wire protocol: error replies for bad input, events for subscribers.
. "$(dirname "$0")/lib.sh"
printf '[task a]\ncommand = echo hi\n' >"$T/dags/p.ini"
start_agent || exit 1

# send LINES: one connection, the replies on stdout.
send() { printf '%s' "$1" | socat -t 2 - "UNIX-CONNECT:$SOCK"; }

r=$(send $'{"id":1,"cmd":"status"}\n')
check_eq "a request gets its id back" 1 "$(jq .id <<<"$r")"
check_eq "and ok:true" true "$(jq .ok <<<"$r")"
r=$(send $'this is not json\n')
check_eq "bad JSON gets bad_json" bad_json "$(jq -r .error.code <<<"$r")"
r=$(send $'[1,2]\n')
check_eq "a non-object gets bad_json" bad_json "$(jq -r .error.code <<<"$r")"
r=$(send $'{"id":2,"cmd":"frobnicate"}\n')
check_eq "an unknown command gets unknown_command" unknown_command "$(jq -r .error.code <<<"$r")"
r=$(send $'{"id":3,"cmd":42}\n')
check_eq "a non-string cmd gets bad_request" bad_request "$(jq -r .error.code <<<"$r")"
r=$(send $'{"id":4,"cmd":"grid","args":{"dag_id":7}}\n')
check_eq "a wrong type gets bad_request" bad_request "$(jq -r .error.code <<<"$r")"
check "the message names the field" grep -q 'args.dag_id' <<<"$(jq -r .error.message <<<"$r")"
r=$(send $'{"id":5,"cmd":"grid","args":{"dag_id":"nope"}}\n')
check_eq "an unknown DAG gets not_found" not_found "$(jq -r .error.code <<<"$r")"
r=$(send $'{"id":6,"cmd":"trigger","args":{"dag_id":"p","date":"yesterday-ish"}}\n')
check_eq "a bad date gets bad_request" bad_request "$(jq -r .error.code <<<"$r")"

# A line over 1 MiB: an error, then the connection still serves requests.
{ head -c 1200000 /dev/zero | tr '\0' 'x'; printf '\n{"id":9,"cmd":"status"}\n'; } >"$T/long"
r=$(socat -t 2 - "UNIX-CONNECT:$SOCK" <"$T/long")
check_eq "a line over 1 MiB gets too_long" too_long "$(head -1 <<<"$r" | jq -r .error.code)"
check_eq "the next line on that connection is served" 9 "$(tail -1 <<<"$r" | jq .id)"
check "the agent still answers" sh -c "$BIN/dagctl -s $SOCK status >/dev/null"

# Several requests on one connection, answered in order.
r=$(send $'{"id":10,"cmd":"status"}\n{"id":11,"cmd":"dags"}\n')
check_eq "pipelined requests are answered in order" "10 11" "$(jq -r .id <<<"$r" | tr '\n' ' ' | sed 's/ $//')"

# subscribe: events arrive for a run's changes.
{ printf '{"id":1,"cmd":"subscribe"}\n'; sleep 3; } | socat -t 3 - "UNIX-CONNECT:$SOCK" >"$T/events" &
sub=$!
wait_for 5 grep -q subscribed "$T/events"
run=$(ctl trigger p)
ctl wait p "$run" --timeout 10 >/dev/null
check "subscribers see the task go running" wait_for 5 grep -q '"event":"task".*"state":"running"' "$T/events"
check "subscribers see the task succeed" wait_for 5 grep -q '"event":"task".*"state":"success"' "$T/events"
check "subscribers see the run succeed" wait_for 5 grep -q '"event":"run".*"state":"success"' "$T/events"
wait "$sub" 2>/dev/null

# Changes need an operator: a plain user is refused with forbidden.
if id nobody >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    chmod 0777 "$SOCK"
    chmod 0755 "$T" "$T/state"
    out=$(su -s /bin/sh nobody -c "$BIN/dagctl -s $SOCK trigger p" 2>&1)
    check "a non-operator's trigger is refused with forbidden" grep -q forbidden <<<"$out"
    out=$(su -s /bin/sh nobody -c "$BIN/dagctl -s $SOCK --json dags" 2>&1)
    check "a non-operator may read" grep -q '"dag_id"' <<<"$out"
else
    echo "skip - operator checks need root and the nobody user"
fi
stop_agent
