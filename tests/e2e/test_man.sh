#!/bin/bash
# The man pages: groff finds nothing to warn about, and each page lists what
# the code has: every dagctl command and its flags (from `dagctl --help`),
# every config key in its section (from `dagd --print-config`), every DAG
# key in its section (shared/dag_ini_keys.c), every metric (dagctl metrics).
# `make install PREFIX=...` installs the pages and the completion.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MAN=$ROOT/man
if ! command -v groff >/dev/null; then
    echo "skip - groff is not installed (scripts/deps.sh installs groff-base)"
    exit 0
fi

for p in dagd.8 dagctl.1 dagtop.1 dagd.ini.5 dagd-dag.5; do
    out=$(groff -man -ww -z "$MAN/$p" 2>&1)
    rc=$?
    check_eq "man/$p: groff -man -ww -z is clean" "0:" "$rc:$out"
done

# block PAGE HEADER: the lines of the .SS section whose title starts with
# HEADER (quotes dropped), up to the next .SS or .SH.
block() {
    awk -v h="$2" '
        /^\.S[SH] / { t = $0; sub(/^\.S[SH] "?/, "", t); on = index(t, h) == 1; next }
        on' "$1"
}
# man text for a flag: "-" as "\-".
manflag() { printf '%s' "$1" | sed 's/-/\\-/g'; }

# Commands and their flags, as dagctl itself lists them.
cmds=$("$BIN/dagctl" --help | sed -n 's/^  dagctl //p')
check "dagctl --help lists commands" test -n "$cmds"
missing=
while read -r name rest; do
    b=$(block "$MAN/dagctl.1" "$name")
    if [ -z "$b" ] && ! grep -q "^\.SS \"\?$name\( \|\"\|$\)" "$MAN/dagctl.1"; then
        missing="$missing $name"
        continue
    fi
    head=$(grep "^\.SS \"\?$name\( \|\"\|$\)" "$MAN/dagctl.1")
    for f in $(grep -o -- '-[-a-z]*' <<<"$rest"); do
        grep -qF -- "$(manflag "$f")" <<<"$head$b" || missing="$missing $name:$f"
    done
done <<<"$cmds"
check_eq "dagctl.1 has every command and flag of dagctl --help" "" "$missing"

# Config keys, every section filled in so that named ones print too.
cat >"$T/all.ini" <<'INI'
[pool p]
slots = 1
[notifier n]
type = webhook
url = https://example.invalid/x
INI
"$BIN/dagd" -c "$T/all.ini" --print-config >"$T/print" 2>/dev/null
keys=$(awk '/^\[/ { s = $1; sub(/^\[/, "", s); sub(/\]$/, "", s) }
    /^;? ?[a-z_]+ =/ && s { k = $0; sub(/^; /, "", k); sub(/ =.*/, "", k); print s, k }' "$T/print")
check "dagd --print-config lists keys" [ "$(wc -l <<<"$keys")" -gt 15 ]
missing=
while read -r sec key; do
    block "$MAN/dagd.ini.5" "[$sec" | grep -qx "\.B $key" || missing="$missing [$sec]$key"
done <<<"$keys"
check_eq "dagd.ini.5 has every config key in its section" "" "$missing"

# DAG keys, from the tables of the parser.
missing=
n=0
for key in $(grep -oE '\bDAG(_DEFAULT)?\("[a-z_]+"' "$ROOT/shared/dag_ini_keys.c" | sed 's/.*("//; s/"//'); do
    n=$((n + 1))
    block "$MAN/dagd-dag.5" "[dag]" | grep -qx "\.B $key" || missing="$missing [dag]$key"
done
for key in $(grep -oE '\bTASK\("[a-z_]+"' "$ROOT/shared/dag_ini_keys.c" | sed 's/.*("//; s/"//'); do
    n=$((n + 1))
    block "$MAN/dagd-dag.5" "[task ID]" | grep -qx "\.B $key" || missing="$missing [task]$key"
done
check "the DAG key tables were found ($n keys)" [ "$n" -gt 30 ]
check_eq "dagd-dag.5 has every DAG key in its section" "" "$missing"

# Metrics, as the agent names them.
printf '[task a]\ncommand = true\n' >"$T/dags/a.ini"
start_agent || exit 1
names=$(ctl metrics | sed -n 's/^# TYPE \([a-z_]*\) .*/\1/p')
check "dagctl metrics names families" test -n "$names"
missing=
for m in $names; do
    grep -q "^\.B[R]* $m\b" "$MAN/dagd.8" || missing="$missing $m"
done
check_eq "dagd.8 has every metric" "" "$missing"
stop_agent

# make install PREFIX=...: the pages and the completion (the binaries are
# the release build make test has made; skipped when it is not there).
if [ -x "$ROOT/bin/dagd" ] && [ -x "$ROOT/bin/dagctl" ]; then
    P=$T/prefix
    make -s -C "$ROOT" install PREFIX="$P" >/dev/null 2>"$T/install.err"
    check_eq "make install PREFIX=... succeeds" 0 $?
    for f in share/man/man8/dagd.8 share/man/man1/dagctl.1 share/man/man1/dagtop.1 \
        share/man/man5/dagd.ini.5 share/man/man5/dagd-dag.5 \
        share/bash-completion/completions/dagctl; do
        check "make install puts $f" test -s "$P/$f"
    done
    check "man finds the installed page" sh -c "MANPATH='$P/share/man' man -w dagctl | grep -q '$P/share/man/man1/dagctl.1'"
else
    echo "skip - make install: no release build in bin/ (make all)"
fi
