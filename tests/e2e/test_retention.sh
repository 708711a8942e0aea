#!/bin/bash
# Retention: runs, task instances, logs and audit records older than
# keep_days go; recent ones and active runs stay.
. "$(dirname "$0")/lib.sh"
EXTRA_AGENT="keep_days = 7" write_config
printf '[task t]\ncommand = echo t\n' >"$T/dags/r.ini"
start_agent || exit 1
old=$(ctl trigger r --date 2026-01-01)
new=$(ctl trigger r --date 2026-01-02)
ctl wait r "$old" --timeout 10 >/dev/null
ctl wait r "$new" --timeout 10 >/dev/null
stop_agent
check "the old run has a log" test -d "$T/state/logs/r/$old"
# Make the first run (and the audit records) look 10 days old.
ten_days_ago=$(( ($(date +%s) - 10 * 86400) * 1000000 ))
sqlite3 "$T/state/dagd.db" "UPDATE runs SET end_date = $ten_days_ago WHERE run_id = '$old';
    UPDATE audit SET time = $ten_days_ago WHERE run_id = '$old';"
start_agent || exit 1
check "the old run is removed at start" wait_for 5 sh -c "[ \"\$($BIN/dagctl -s $SOCK --json grid r | jq '.runs | length')\" = 1 ]"
check_eq "the recent run stays" "$new" "$(jctl grid r | jq -r '.runs[0].run_id')"
check_eq "the old run's task instances are gone" 0 "$(sqlite3 "$T/state/dagd.db" "SELECT count(*) FROM task_instances WHERE run_id = '$old'")"
check_eq "the old run's tries are gone" 0 "$(sqlite3 "$T/state/dagd.db" "SELECT count(*) FROM tries WHERE run_id = '$old'")"
check_eq "the recent run's tries stay" 1 "$(sqlite3 "$T/state/dagd.db" "SELECT count(*) FROM tries WHERE run_id = '$new'")"
check "its logs are gone" test ! -e "$T/state/logs/r/$old"
check "the recent run's logs stay" test -d "$T/state/logs/r/$new"
check_eq "old audit records are gone" 0 "$(jctl audit | jq --arg r "$old" '[.[] | select(.run_id == $r)] | length')"
check_eq "recent audit records stay" 1 "$(jctl audit | jq --arg r "$new" '[.[] | select(.run_id == $r)] | length')"
check "the agent logs what it removed" grep -q "retention: removed 1 runs" "$T/agent.log"
stop_agent

# File triggers' memory (SPEC "File triggers": a file triggers once): a
# pruned run whose file is gone takes its record with it, so the table does
# not grow with history; one whose file is still there keeps it, so that the
# file does not trigger again when the agent starts.
mkdir -p "$T/in"
cat >"$T/dags/ft.ini" <<DAG
[dag]
schedule = none
trigger_files = $T/in/*.csv
[task see]
command = echo {{ trigger_file }} >>"$T/seen"
DAG
touch "$T/seen"
start_agent || exit 1
echo a >"$T/in/gone.csv"
echo b >"$T/in/kept.csv"
check "two files trigger two runs" wait_for 20 sh -c "[ \$(wc -l <'$T/seen') = 2 ]"
check "both runs end" wait_for 20 sh -c "[ \"\$($BIN/dagctl -s $SOCK --json grid ft | jq '[.runs[] | select(.state == \"success\")] | length')\" = 2 ]"
stop_agent
rm "$T/in/gone.csv"
sqlite3 "$T/state/dagd.db" "UPDATE runs SET end_date = $ten_days_ago WHERE dag_id = 'ft'"
start_agent || exit 1
check "both old runs are removed" wait_for 10 sh -c "[ \"\$($BIN/dagctl -s $SOCK --json grid ft | jq '.runs | length')\" = 0 ]"
check "the record of the file that is gone goes with its run" \
    wait_for 10 sh -c "[ \"\$(sqlite3 '$T/state/dagd.db' \"SELECT count(*) FROM trigger_files WHERE path LIKE '%gone.csv'\")\" = 0 ]"
check_eq "the record of the file still there stays" 1 \
    "$(sqlite3 "$T/state/dagd.db" "SELECT count(*) FROM trigger_files WHERE path LIKE '%kept.csv'")"
echo c >"$T/in/new.csv"
check "a new file still triggers" wait_for 20 grep -q new.csv "$T/seen"
check_eq "the file still there did not trigger again" 1 "$(grep -c kept.csv "$T/seen")"
check "the agent still answers" agent_answers
stop_agent
