#!/bin/bash
# A client that sends its requests and then shuts down its writing side still
# gets every reply (it is cut off only for not reading): `printf … | socat`.
. "$(dirname "$0")/lib.sh"
printf '[dag]\nschedule = none\n[task a]\ncommand = sleep 0.5\n' >"$T/dags/slow.ini"
{
    printf '[dag]\nschedule = none\n'
    for i in $(seq 1 300); do printf '[task t%03d_with_a_long_name_to_make_the_reply_big]\ncommand = true\n' "$i"; done
} >"$T/dags/wide.ini"
start_agent || exit 1
halfclose() { # LINES...: send, shut down writing, read until the agent closes
    python3 - "$SOCK" "$@" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(20)
s.connect(sys.argv[1])
s.sendall("".join(l + "\n" for l in sys.argv[2:]).encode())
s.shutdown(socket.SHUT_WR)
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
sys.stdout.write(data.decode())
PY
}
out=$(halfclose '{"id":1,"cmd":"status"}')
check_eq "status after a half-close gets its reply" true "$(jq -r .ok <<<"$out")"
ctl pause wide >/dev/null # its runs wait: only their rows matter here
for i in $(seq 1 5); do jctl trigger wide >/dev/null; done
out=$(halfclose '{"id":1,"cmd":"grid","args":{"dag_id":"wide"}}' '{"id":2,"cmd":"dags"}' '{"id":3,"cmd":"status"}')
check_eq "three replies after a half-close, in order" "1 2 3" "$(jq -r .id <<<"$out" | tr '\n' ' ' | sed 's/ $//')"
check_eq "the big grid reply arrives whole" 5 "$(head -n 1 <<<"$out" | jq '.result.runs | length')"
run=$(jctl trigger slow | jq -r .run_id)
out=$(halfclose "{\"id\":9,\"cmd\":\"wait\",\"args\":{\"dag_id\":\"slow\",\"run_id\":\"$run\",\"timeout_s\":20}}")
check_eq "a wait sent before a half-close is answered when the run ends" success "$(jq -r .result.state <<<"$out")"
out=$(printf '{"id":4,"cmd":"status"}\n' | socat -t 5 - "UNIX-CONNECT:$SOCK")
check_eq "printf | socat works" 4 "$(jq -r .id <<<"$out")"
stop_agent
