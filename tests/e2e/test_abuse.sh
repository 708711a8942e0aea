#!/bin/bash
# The socket under abuse: hundreds of idle and half-open clients, a client
# that never reads, garbage; none of them slows the others or the agent.
. "$(dirname "$0")/lib.sh"
FLOOD=$(dirname "$BIN")/tools/sockflood
if [ ! -x "$FLOOD" ]; then
    not_ok "sockflood built ($FLOOD)"
    exit 1
fi
cat >"$T/dags/big.ini" <<'DAG'
[task spew]
command = head -c 2000000 /dev/zero | tr '\0' 'x'; echo
DAG
start_agent || exit 1
run=$(ctl trigger big)
ctl wait big "$run" --timeout 20 >/dev/null

ms=$("$FLOOD" "$SOCK" idle 300)
check_eq "status answers with 300 idle / half-open clients connected" 0 $?
check "and within 500 ms ($ms ms)" awk -v m="$ms" 'BEGIN { exit !(m < 500) }'

req="{\"id\":1,\"cmd\":\"logs\",\"args\":{\"dag_id\":\"big\",\"run_id\":\"$run\",\"task_id\":\"spew\"}}"
"$FLOOD" "$SOCK" noread "$req" >"$T/noread" &
flood=$!
# Meanwhile the others are served.
t0=$(date +%s%N)
for _ in 1 2 3 4 5; do ctl status >/dev/null || break; done
t1=$(date +%s%N)
check "other clients are served while one does not read ($(((t1 - t0) / 5000000)) ms per request)" test $(((t1 - t0) / 5000000)) -lt 500
wait "$flood"
check_eq "a client that does not read is cut off" disconnected "$(cat "$T/noread")"
rss=$(jctl status | jq .rss_kb)
check "the agent's memory came back (rss $rss KiB)" test "$rss" -lt 200000

# Garbage at speed on many connections; the agent survives.
pids=""
for _ in $(seq 1 50); do
    head -c 20000 /dev/urandom | socat -t 1 - "UNIX-CONNECT:$SOCK" >/dev/null 2>&1 &
    pids="$pids $!"
done
# shellcheck disable=SC2086
wait $pids
check "random bytes on 50 connections leave the agent answering" sh -c "$BIN/dagctl -s $SOCK status >/dev/null"
stop_agent
