#!/bin/bash
# Access control: the socket's mode keeps other users out; among those who
# may connect, reads are open and changes need an operator (SO_PEERCRED).
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" != 0 ] || ! command -v useradd >/dev/null; then
    echo "skip - access tests need root to create a second Unix user (useradd)"
    exit 0
fi
U=dagdt$$
G=dagdg$$
groupadd "$G"
useradd -M -N -s /bin/sh "$U"
trap 'cleanup; userdel "$U" 2>/dev/null; groupdel "$G" 2>/dev/null' EXIT
chmod 0755 "$T" "$T/state"
as_user() { su -s /bin/sh "$U" -c "$*"; }

printf '[task a]\ncommand = echo hi\n' >"$T/dags/p.ini"
start_agent || exit 1
check_eq "the socket is created 0660" 660 "$(stat -c %a "$SOCK")"
as_user "$BIN/dagctl -s $SOCK dags" >/dev/null 2>&1
check_eq "another user cannot even connect (exit 2)" 2 $?
stop_agent

EXTRA_AGENT="" write_config
cat >>"$T/dagd.ini" <<CFG
[access]
socket_mode = 0660
socket_group = $G
CFG
start_agent || exit 1
check_eq "socket_group owns the socket" "$G" "$(stat -c %G "$SOCK")"
usermod -a -G "$G" "$U"
out=$(as_user "$BIN/dagctl -s $SOCK --json dags")
check_eq "a group member may read" p "$(jq -r '.[0].dag_id' <<<"$out")"
as_user "$BIN/dagctl -s $SOCK trigger p" >/dev/null 2>"$T/err"
check_eq "a non-operator's change exits 1" 1 $?
check "with code forbidden" grep -q forbidden "$T/err"
check_eq "nothing was triggered" 0 "$(jctl grid p | jq '.runs | length')"
as_user "$BIN/dagctl -s $SOCK pause p" >/dev/null 2>&1
check_eq "a non-operator cannot pause" false "$(jctl dags | jq '.[0].paused')"
a=$(jctl audit)
check "the refusal is audited with the user" jq -e --arg u "$U" 'any(.[]; .user == $u and .action == "trigger" and (.detail | test("refused")))' <<<"$a" >/dev/null
stop_agent

# Operators by name and by @group.
for who in "$U" "@$G"; do
    write_config
    printf '[access]\nsocket_mode = 0666\noperators = %s\n' "$who" >>"$T/dagd.ini"
    start_agent || exit 1
    run=$(as_user "$BIN/dagctl -s $SOCK trigger p")
    check "operators = $who may trigger" test -n "$run"
    ctl wait p "$run" --timeout 10 >/dev/null
    check_eq "operators = $who: the run is audited as that user" "$U" \
        "$(jctl audit | jq -r --arg r "$run" '.[] | select(.run_id == $r and .action == "trigger") | .user')"
    stop_agent
    rm -f "$T/state/dagd.db"*
done
