#!/bin/bash
# Odd DAG files: bytes that are not UTF-8 (in a task id, a binary file, a
# file name) are load errors that name the file with the bytes as \xNN;
# such files are listed by `dags` and never crash the agent, also while a
# subscriber is connected. Two files with one DAG id: the first keeps it,
# the second is listed with an error naming the first.
. "$(dirname "$0")/lib.sh"
TOOLS=$(dirname "$0")/../tools
printf '[task one]\ncommand = echo one\n' >"$T/dags/a.ini"
start_agent || exit 1
python3 "$TOOLS/subscribe.py" "$SOCK" "$T/events" &
sub=$!
wait_for 5 grep -q subscribed "$T/events"

file_error() { jctl dags | jq -r --arg f "$1" '.[] | select(.file == $f) | .error // "none"'; }
listed_with() { file_error "$1" | grep -qF -- "$2"; }

printf '[task \xff]\ncommand = echo x\n' >"$T/dags/badid.ini"
check "a task id with a \\xff byte is listed with its error" \
    wait_for 2 listed_with "$T/dags/badid.ini" 'bad task id "\xff"'
check "the agent answers after it" ctl status
check "the subscriber got the error event" wait_for 2 grep -qF '"dag_id":"badid"' "$T/events"

head -c 3000 /dev/zero | tr '\0' '\377' >"$T/dags/blob.ini"
printf '\n\x00\x01\xfe\xc3(\n[task \xe2\x82]\ncommand = \xc0\xaf\n' >>"$T/dags/blob.ini"
check "a binary file is listed with its error" wait_for 2 listed_with "$T/dags/blob.ini" 'blob.ini:'
check "its bytes are written as \\xNN" listed_with "$T/dags/blob.ini" 'bad task id "\xe2\x82"'

printf '[task ok]\ncommand = echo caf\xc3\xa9\n' >"$T/dags/half.ini"
printf '[task cut]\ncommand = echo caf\xc3' >"$T/dags/half.ini"
check "a half-written file (a cut UTF-8 character) loads" wait_for 2 listed_with "$T/dags/half.ini" none

name=$'\xffname\xfe.ini'
printf '[dag]\nid = fine\n[task one]\ncommand = echo one\n' >"$T/dags/$name"
has_file() { jctl dags | jq -e --arg f "$1" 'any(.[]; .file == $f)' >/dev/null; }
check "a valid DAG in a file named with \\xff is listed" wait_for 2 has_file "$T/dags/\\xffname\\xfe.ini"
check "with an error that names the file with \\xNN" \
    listed_with "$T/dags/\\xffname\\xfe.ini" "$T/dags/\\xffname\\xfe.ini: the file name is not valid UTF-8"
check "the agent still answers" ctl status
check "the subscriber is still connected" kill -0 "$sub"
check_eq "every file is listed" "\\xffname\\xfe.ini a.ini badid.ini blob.ini half.ini" \
    "$(jctl dags | jq -r '[.[].file | sub(".*/"; "")] | sort | join(" ")')"

# After a restart (the files load at start, not by hot reload) the same.
stop_agent
start_agent || exit 1
check_eq "after a restart every file is still listed" 5 "$(jctl dags | jq length)"
check "with its error" listed_with "$T/dags/badid.ini" 'bad task id "\xff"'

# Duplicate DAG ids: the file that holds the id keeps it.
printf '[dag]\nid = a\n[task two]\ncommand = echo two\n' >"$T/dags/b.ini"
check "a second file with DAG id a is listed" \
    wait_for 2 listed_with "$T/dags/b.ini" "DAG id \"a\" is already used by $T/dags/a.ini"
check_eq "the first file keeps the id" "one" "$(jctl grid a | jq -r '.tasks | join(" ")')"
check_eq "dags lists both files" "$T/dags/a.ini none" \
    "$(jctl dags | jq -r '.[] | select(.dag_id == "a" and .error == null) | "\(.file) none"')"
# One that sorts before the holder: the holder still keeps it, also
# across a restart.
printf '[dag]\nid = a\n[task zero]\ncommand = echo zero\n' >"$T/dags/0.ini"
wait_for 2 listed_with "$T/dags/0.ini" "already used by $T/dags/a.ini"
check "a file sorting first is a duplicate too" listed_with "$T/dags/0.ini" "already used by $T/dags/a.ini"
stop_agent
start_agent || exit 1
check_eq "after a restart the same file holds the id" "one" "$(jctl grid a | jq -r '.tasks | join(" ")')"
check "and the others still show their error" listed_with "$T/dags/0.ini" "already used by $T/dags/a.ini"
check "both of them" listed_with "$T/dags/b.ini" "already used by $T/dags/a.ini"
rm "$T/dags/0.ini"
printf '[dag]\nid = bee\n[task two]\ncommand = echo two\n' >"$T/dags/b.ini"
check "fixing the duplicate makes it load" wait_for 2 listed_with "$T/dags/b.ini" none
check_eq "under its own id" "two" "$(jctl grid bee | jq -r '.tasks | join(" ")')"
# (a loaded DAG keeps its id: make b.ini a new file again)
rm "$T/dags/b.ini"
wait_for 2 sh -c "! $BIN/dagctl -s $SOCK --json dags | grep -q b.ini"
printf '[dag]\nid = a\n[task two]\ncommand = echo two\n' >"$T/dags/b.ini"
check "a duplicate again" wait_for 2 listed_with "$T/dags/b.ini" "already used"
rm "$T/dags/a.ini"
check "removing the holder lets the duplicate take the id" wait_for 2 listed_with "$T/dags/b.ini" none
check_eq "with its tasks" "two" "$(jctl grid a | jq -r '.tasks | join(" ")')"
kill "$sub"
wait "$sub" 2>/dev/null
stop_agent

# An empty dags_dir (a fresh install): the agent starts with no DAGs (it
# once passed qsort a null list, which UBSan stops at).
rm -f "$T/dags/"*
start_agent || exit 1
check_eq "an empty dags_dir: the agent starts with no DAGs" "0" "$(jctl dags | jq length)"
stop_agent
