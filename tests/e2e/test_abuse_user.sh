#!/bin/bash
# Abuse as a non-operator Unix user (issue 10, items 3-5 and the line
# limit): a descriptor flood, subscribers that never read, audit spam, and
# request lines at the 1 MiB limit. The figures are the issue's acceptance
# figures. RSS is measured on the release agent (bin/dagd): under ASan its
# shadow memory and quarantine make RSS meaningless.
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" != 0 ] || ! command -v useradd >/dev/null || ! command -v prlimit >/dev/null; then
    echo "skip - abuse tests need root to create a second Unix user (useradd, prlimit)"
    exit 0
fi
FLOOD=$(dirname "$BIN")/tools/sockflood
[ -x "$FLOOD" ] || FLOOD=$(cd "$(dirname "$0")/../.." && pwd)/build/san/tools/sockflood
if [ ! -x "$FLOOD" ]; then
    not_ok "sockflood built ($FLOOD)"
    exit 1
fi
SAN_BIN=$BIN
REL_BIN=${DAGD_RELEASE_BIN:-$(cd "$(dirname "$0")/../.." && pwd)/bin}
U=dagda$$
useradd -M -N -s /bin/sh "$U"
trap 'cleanup; userdel "$U" 2>/dev/null' EXIT
chmod 0755 "$T" "$T/state" "$T/dags"
as_user() { su -s /bin/sh "$U" -c "$*"; }
lt() { [[ $1 =~ ^[0-9.]+$ ]] && awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }
# Root's status on a fresh connection, in ms.
root_status_ms() {
    local out
    out=$("$FLOOD" "$SOCK" idle 0) && echo "$out" || echo "failed"
}
# field NAME LINE: the number after NAME in sockflood's output.
field() { awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' <<<"$2"; }
agent_config() {
    write_config
    printf '[access]\nsocket_mode = 0666\n%s\n' "${1:-}" >>"$T/dagd.ini"
}
# start_hold N: a non-operator attempts N connections and holds them (fd 7
# keeps them open; close_hold lets them go).
start_hold() {
    rm -f "$T/hold.fifo" "$T/hold.out"
    mkfifo "$T/hold.fifo"
    as_user "exec $FLOOD $SOCK hold $1" <"$T/hold.fifo" >"$T/hold.out" &
    HOLD_PID=$!
    exec 7>"$T/hold.fifo"
    wait_for 30 grep -q held "$T/hold.out"
}
close_hold() {
    exec 7>&-
    wait "$HOLD_PID"
}

printf '[task a]\ncommand = echo hi\n' >"$T/dags/t.ini"
{
    for i in $(seq 1 16); do printf '[task p%02d]\ncommand = echo %d\n' "$i" "$i"; done
} >"$T/dags/fan.ini"

# --- 1. Descriptors: 2,000 connections against a 1,024-descriptor agent.
agent_config
DAGD_WRAP="prlimit --nofile=256:1024" start_agent || exit 1
check_eq "the soft descriptor limit is raised to the hard one" 1024 \
    "$(awk '/Max open files/ { print $4 }' "/proc/$AGENT_PID/limits")"
start_hold 2000
out=$(cat "$T/hold.out")
check_eq "a non-operator holds at most max_clients_per_user (64) connections ($out)" 64 \
    "$(field held "$out")"
check_eq "the others get a too_many_clients line" too_many_clients "$(field code "$out")"
ms=$(root_status_ms)
check "root's status answers meanwhile, within 100 ms ($ms ms)" lt "$ms" 100
run=$(ctl trigger t)
check_eq "a task started meanwhile succeeds" success "$(jctl wait t "$run" --timeout 20 | jq -r .state)"
close_hold
stop_agent

# The same with no per-user cap: the descriptor reserve holds.
agent_config "max_clients_per_user = 100000"
DAGD_WRAP="prlimit --nofile=1024:1024" start_agent || exit 1
start_hold 2000
out=$(cat "$T/hold.out")
echo "# uncapped flood: $out"
check "the reserve keeps descriptors back from a non-operator ($(field held "$out") held)" \
    test "$(field held "$out")" -lt 1000
check_eq "refused connections get a too_many_clients line" too_many_clients "$(field code "$out")"
ms=$(root_status_ms)
check "root's status answers within 100 ms at the reserve ($ms ms)" lt "$ms" 100
check "root's dagctl status works" sh -c "$BIN/dagctl -s $SOCK status >/dev/null"
run=$(ctl trigger fan)
check_eq "16 tasks started at the reserve succeed" success \
    "$(jctl wait fan "$run" --timeout 30 | jq -r .state)"
check "no task failed for lack of descriptors" sh -c "! grep -rq 'too many open files' $T/state/logs $T/agent.log"
close_hold
stop_agent
rm -f "$T/dags/t.ini" "$T/dags/fan.ini"
