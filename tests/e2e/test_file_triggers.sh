#!/bin/bash
# File triggers (SPEC "File triggers"): one run per file closed after
# writing or moved in, {{ trigger_file }} / DAGD_TRIGGER_FILE, a file still
# open does not trigger, files there at start trigger, a rewritten file
# triggers again, a reload with a new glob re-arms the watch, and a burst
# of 1,000 files under a small max_active_runs with a kill -9 in its middle
# drops none and runs none twice.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/in" "$T/burst" "$T/other"
echo early >"$T/in/early.csv"
cat >"$T/dags/ft.ini" <<DAG
[dag]
schedule = none
trigger_files = $T/in/*.csv
[task see]
command = printf '%s|%s\n' {{ trigger_file }} "\$DAGD_TRIGGER_FILE" >>"$T/seen"
DAG
cat >"$T/dags/burst.ini" <<DAG
[dag]
max_active_runs = 4
trigger_files = $T/burst/*.csv
[task see]
command = echo {{ trigger_file }} >>"$T/burst.log"
DAG
touch "$T/seen" "$T/burst.log"
[ -n "${KEEP_T:-}" ] && echo "# dir $T"

start_agent || exit 1

runs_of() { jctl grid "$1" --limit 5000 | jq -r '.runs[].run_id'; }
seen_has() { grep -qxF "$1|$1" "$T/seen"; }
lines() { wc -l <"$1"; }
at_least() { [ "$(lines "$2")" -ge "$1" ]; }

check "a file there before the agent started triggers" wait_for 20 seen_has "$T/in/early.csv"

echo one >"$T/in/one.csv"
check "a file closed after writing triggers; {{ trigger_file }} and DAGD_TRIGGER_FILE name it" \
    wait_for 20 seen_has "$T/in/one.csv"
check "its run is file__<logical date>" grep -q '^file__20' <<<"$(runs_of ft)"

# A file held open: written, not closed. A file closed after it is the
# marker that its events were read.
exec 3>"$T/in/partial.csv"
echo "half of it" >&3
echo x >"$T/other-not-matched.txt"
echo x >"$T/in/skip.txt"
echo m >"$T/in/marker1.csv"
wait_for 20 seen_has "$T/in/marker1.csv"
check "a file still being written does not trigger" test "$(grep -c partial "$T/seen")" = 0
check "a file that does not match the glob does not trigger" test "$(grep -c skip.txt "$T/seen")" = 0
echo "the rest" >&3
exec 3>&-
check "... and triggers once it is closed" wait_for 20 seen_has "$T/in/partial.csv"

echo moved >"$T/in/.moving.tmp"
mv "$T/in/.moving.tmp" "$T/in/moved.csv"
check "a file moved in triggers (the dot file it was written as did not)" \
    wait_for 20 seen_has "$T/in/moved.csv"
check_eq "... the dot file never did" 0 "$(grep -c moving.tmp "$T/seen")"

n_before=$(runs_of ft | wc -l)
echo "new content, new size" >"$T/in/one.csv"
seen_twice() { [ "$(grep -cxF "$1|$1" "$T/seen")" = 2 ]; }
check "the same file written again (new size and mtime) is a new file: a second run" \
    wait_for 20 seen_twice "$T/in/one.csv"
check_eq "each file gave one run (early one marker1 partial moved one-again)" $((n_before + 1)) \
    "$(runs_of ft | wc -l)"
weird="$T/in/it's \$(touch pwned) \`touch pwned2\` a b.csv"
echo w >"$weird"
check "a file name with quotes and \$(...) reaches the task as one word" wait_for 20 seen_has "$weird"
check "... and runs nothing" test ! -e "$T/dags/pwned" -a ! -e "$T/dags/pwned2"

# A reload with a new glob watches the new folder.
sed -i "s|^trigger_files = .*|trigger_files = $T/other/*.dat|" "$T/dags/ft.ini"
touch -d '+2 seconds' "$T/dags/ft.ini"
ok_reload=1
for i in $(seq 1 100); do
    echo "$i" >"$T/other/probe$i.dat"
    if wait_for 1 seen_has "$T/other/probe$i.dat"; then ok_reload=0; break; fi
done
check_eq "after a reload that changes the glob, the new folder triggers" 0 "$ok_reload"
echo late >"$T/in/late.csv"
echo m >"$T/other/marker2.dat"
wait_for 20 seen_has "$T/other/marker2.dat"
check_eq "... and the old one no longer does" 0 "$(grep -c late.csv "$T/seen")"

# A burst of 1,000 files under max_active_runs = 4, with a kill -9 in the
# middle of it: some files arrive while the agent is up (inotify), some
# while it is down (the scan at start); runs were queued, some running.
writer() { for i in $(seq 1 1000); do echo "$i" >"$T/burst/f$i.csv"; done; }
start=$(date +%s%N)
writer &
WRITER=$!
wait_for 20 test -e "$T/burst/f300.csv"
wait_for 20 at_least 1 "$T/burst.log"
LIVENESS=0 kill9_agent
echo "# killed with $(lines "$T/burst.log" | tr -d ' ') runs done and $(ls "$T/burst" | wc -l) files there"
wait "$WRITER"
start_agent || exit 1
check "a burst of 1,000 files with a kill -9 in its middle: 1,000 runs done" \
    wait_for 50 at_least 1000 "$T/burst.log"
ms=$((($(date +%s%N) - start) / 1000000))
echo "# burst: 1000 files -> 1000 runs done in ${ms} ms (max_active_runs 4, a restart)"
check_eq "... each file once, none twice" "1000 1000" \
    "$(lines "$T/burst.log" | tr -d ' ') $(sort -u "$T/burst.log" | wc -l)"
all_success() { [ "$(jctl grid "$1" --limit 5000 | jq '[.runs[] | select(.state == "success")] | length')" = "$2" ]; }
wait_for 20 all_success burst 1000
check_eq "... 1,000 runs in the grid, all success" "1000 1000" \
    "$(jctl grid burst --limit 5000 | jq -r '"\(.runs | length) \([.runs[] | select(.state == "success")] | length)"')"
check_eq "... with distinct logical dates" 1000 \
    "$(jctl grid burst --limit 5000 | jq -r '.runs[].logical_date' | sort -u | wc -l)"

# Restarting again triggers nothing new: every file is known.
stop_agent
n_ft=$(wc -l <"$T/seen")
start_agent || exit 1
echo m >"$T/other/marker3.dat"
wait_for 20 seen_has "$T/other/marker3.dat"
check_eq "a restart triggers no file twice" $((n_ft + 1)) "$(wc -l <"$T/seen")"
check_eq "... nor any burst file" 1000 "$(lines "$T/burst.log" | tr -d ' ')"

# A folder that does not exist: a warning, and files trigger once it does.
mkdir -p "$T/check/dags"
printf '[agent]\nstate_dir = state\ndags_dir = dags\n' >"$T/check/dagd.ini"
cat >"$T/check/dags/nofolder.ini" <<DAG
[dag]
trigger_files = $T/later/*.csv
[task t]
command = true
DAG
cat >"$T/check/dags/badglob.ini" <<DAG
[dag]
trigger_files = $T/*/x.csv
[task t]
command = true
DAG
out=$("$BIN/dagd" -c "$T/check/dagd.ini" --check 2>&1)
check "--check warns about a missing folder (file:line)" \
    grep -q "nofolder.ini:2: .*trigger_files: folder $T/later does not exist" <<<"$out"
check "--check refuses a wildcard in the folder part (file:line)" \
    grep -q "badglob.ini:2: bad trigger_files .*wildcards only in the file name" <<<"$out"

stop_agent
