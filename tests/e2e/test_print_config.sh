#!/bin/bash
# dagd --print-config: every key of the shipped config with its effective
# value, secrets as ***, and a print that dagd reads back to the same print.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

out=$("$BIN/dagd" -c "$ROOT/config/dagd.ini" --print-config 2>"$T/err")
check_eq "print-config on the shipped config exits 0" 0 $?
for key in state_dir dags_dir socket parallelism timezone memory_budget cpu_budget keep_days \
    socket_mode socket_group operators max_clients_per_user host; do
    check "print-config shows $key" grep -Eq "^;? ?$key =" <<<"$out"
done
check "the shipped [pool db] is printed with its slots" grep -Pzq '\[pool db\]\nslots = 2\n' <<<"$out"
check "defaults are printed: parallelism 16" grep -q "^parallelism = 16$" <<<"$out"
check "defaults are printed: socket under state_dir" grep -q "^socket = .*/var/dagd.sock$" <<<"$out"

echo "$out" >"$T/printed.ini"
again=$("$BIN/dagd" -c "$T/printed.ini" --print-config 2>>"$T/err")
check_eq "the print reads back (exit 0)" 0 $?
check_eq "the print of the print is the same (but its first line)" \
    "$(tail -n +2 <<<"$out")" "$(tail -n +2 <<<"$again")"
check "--check accepts the print" bash -c '"$1/dagd" -c "$2" --check >/dev/null' _ "$BIN" "$T/printed.ini"

cat >"$T/secret.ini" <<'INI'
[agent]
state_dir = state
dags_dir = dags
parallelism = 3

[notifier ops]
type = slack
url = https://hooks.example/services/TOPSECRET123
INI
out=$("$BIN/dagd" -c "$T/secret.ini" --print-config 2>&1)
check_eq "print-config with a notifier url exits 0" 0 $?
check "the url shows as ***" grep -q '^url = \*\*\*$' <<<"$out"
check "the secret is never printed" bash -c '! grep -q TOPSECRET <<<"$1"' _ "$out"
check "a key set in the file is printed with its value" grep -q '^parallelism = 3$' <<<"$out"
check "notifier defaults are printed" grep -q '^timeout = 10s$' <<<"$out"

printf '[agent]\nparallelism = 0\n' >"$T/bad.ini"
out=$("$BIN/dagd" -c "$T/bad.ini" --print-config 2>&1)
check_eq "print-config of a config with errors exits 1" 1 $?
check "and prints the error as FILE:LINE" grep -q "bad.ini:2: parallelism:" <<<"$out"
check "dagd --help names --print-config" bash -c '"$1/dagd" --help | grep -q -- --print-config' _ "$BIN"
check "nothing went to stderr for valid configs" test ! -s "$T/err"
