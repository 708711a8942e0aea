#!/bin/bash
# A scheduled interval whose logical date already has a run (manual or
# backfill) is not created again: the scheduler goes on with the next
# interval, as Airflow does, and the agent keeps answering. Reached by a
# catchup that meets a manual run, by a schedule-less DAG with manual runs
# edited into a scheduled one (catchup or not), and across a restart. A
# backfill into the future is refused.
. "$(dirname "$0")/lib.sh"

# The agent answers within 1 s (a spinning loop does not).
answers() { timeout 1 "$BIN/dagctl" -s "$SOCK" status >/dev/null; }
check_answers() { check "the agent answers status within 1 s ($1)" answers; }
# SIGTERM stops it within 5 s (a spinning loop ignores it); else SIGKILL.
stop_within() {
    kill -TERM "$AGENT_PID" 2>/dev/null
    if wait_for 5 sh -c "! kill -0 $AGENT_PID"; then
        wait "$AGENT_PID"
        rc=$?
        AGENT_PID=
        check_eq "SIGTERM stops the agent ($1)" 0 "$rc"
    else
        not_ok "SIGTERM stops the agent ($1)"
        kill -KILL "$AGENT_PID"
        wait "$AGENT_PID" 2>/dev/null
    fi
    AGENT_PID=
    if sanitizer_clean; then ok "agent log has no sanitizer report"; else
        not_ok "agent log has no sanitizer report"
        cat "$T/agent.log"
    fi
}
runs_of() { jctl grid "$1" --limit 100 | jq -r '[.runs[] | .run_id] | sort | join(" ")'; }
iso_min() { date -u -d "@$1" +%Y-%m-%dT%H:%M:00+00:00; }
iso_day() { date -u -d "$1" +%Y-%m-%dT00:00:00+00:00; }
unfinished() { jctl grid "$1" --limit 100 | jq '[.runs[] | select(.state != "success")] | length'; }

# --- a catchup that reaches a date taken by a manual run ------------------------
# Minutely from 3 minutes ago, one run at a time: the first scheduled run holds
# while a manual run takes the second interval.
m0=$((($(date +%s) / 60 - 3) * 60))
cat >"$T/dags/catch.ini" <<DAG
[dag]
schedule = * * * * *
start_date = $(date -u -d "@$m0" +%Y-%m-%dT%H:%M)
catchup = true
max_active_runs = 1
[task t]
command = while [ ! -e $T/go ]; do sleep 0.02; done
DAG
# --- schedule-less DAGs with manual runs, edited into scheduled ones -------------
printf '[task t]\ncommand = true\n' >"$T/dags/edited.ini"
printf '[task t]\ncommand = true\n' >"$T/dags/latest.ini"
printf '[dag]\nschedule = @daily\nstart_date = %s\ncatchup = false\n[task t]\ncommand = true\n' \
    "$(date -u -d '-3 days' +%Y-%m-%d)" >"$T/dags/future.ini"
start_agent || exit 1
wait_for 10 sh -c "[ \"\$($BIN/dagctl -s $SOCK --json grid catch | jq -r '.runs[0].tasks.t.state')\" = running ]"
manual=$(ctl trigger catch --date "$(iso_min $((m0 + 60)))")
check_eq "a manual run takes the second interval" "manual__$(iso_min $((m0 + 60)))" "$manual"
touch "$T/go"
check "the catchup goes on past the manual run" wait_for 20 sh -c "$BIN/dagctl -s $SOCK --json grid catch --limit 100 | jq -e 'any(.runs[]; .run_id == \"scheduled__$(iso_min $((m0 + 120)))\" and .state == \"success\")' >/dev/null"
check_answers "catchup met a manual run"
check "the manual run is kept and no scheduled run shares its date" sh -c "$BIN/dagctl -s $SOCK --json grid catch --limit 100 | jq -e '[.runs[] | select(.logical_date == \"$(iso_min $((m0 + 60)))\") | .run_id] == [\"$manual\"]' >/dev/null"
check "every run of the catchup finishes" wait_for 20 sh -c "[ \"\$($BIN/dagctl -s $SOCK --json grid catch --limit 100 | jq '[.runs[] | select(.state != \"success\")] | length')\" = 0 ]"

# Manual runs on the last two of three days, then a schedule with catchup.
d3=$(iso_day '-3 days') d2=$(iso_day '-2 days') d1=$(iso_day '-1 day')
ctl trigger edited --date "$d2" >/dev/null
ctl trigger edited --date "$d1" >/dev/null
ctl trigger latest --date "$d1" >/dev/null
wait_for 10 sh -c "[ \"\$($BIN/dagctl -s $SOCK --json grid edited | jq '[.runs[] | select(.state == \"success\")] | length')\" = 2 ]"
printf '[dag]\nschedule = @daily\nstart_date = %s\ncatchup = true\n[task t]\ncommand = true\n' \
    "$(date -u -d '-3 days' +%Y-%m-%d)" >"$T/dags/edited.ini"
printf '[dag]\nschedule = @daily\nstart_date = %s\ncatchup = false\n[task t]\ncommand = true\n' \
    "$(date -u -d '-3 days' +%Y-%m-%d)" >"$T/dags/latest.ini"
check "the edited DAG is reloaded with its schedule" wait_for 10 sh -c "[ \"\$($BIN/dagctl -s $SOCK --json dags | jq -r '.[] | select(.dag_id == \"edited\") | .schedule')\" = @daily ]"
check "catchup creates the free interval" wait_for 10 sh -c "$BIN/dagctl -s $SOCK --json grid edited | jq -e 'any(.runs[]; .run_id == \"scheduled__$d3\")' >/dev/null"
check_answers "hot reload into a catchup DAG"
check_eq "catchup keeps the manual runs and creates only the free interval" \
    "manual__$d2 manual__$d1 scheduled__$d3" "$(runs_of edited)"
check_eq "and goes on with the next interval" "$(iso_day today)" "$(jctl next edited --count 1 | jq -r '.[0].logical_date')"
wait_for 10 sh -c "[ \"\$($BIN/dagctl -s $SOCK --json dags | jq -r '.[] | select(.dag_id == \"latest\") | .schedule')\" = @daily ]"
check_answers "hot reload into a catchup = false DAG"
check_eq "catchup = false: the latest interval has a manual run, nothing is created" \
    "manual__$d1" "$(runs_of latest)"
check_eq "and the next interval is today's" "$(iso_day today)" "$(jctl next latest --count 1 | jq -r '.[0].logical_date')"

# --- backfill: ended intervals on or after start_date only -------------------------
ctl backfill future --from "$(date -u -d 'today' +%Y-%m-%d)" --to "$(date -u -d '+1 day' +%Y-%m-%d)" >/dev/null 2>"$T/err"
check_eq "a backfill into the future is refused" 1 $?
check "as bad_request" grep -q "(bad_request)" "$T/err"
ctl backfill future --from "$(date -u -d '-2 days' +%Y-%m-%d)" --to "$(date -u -d '+3 days' +%Y-%m-%d)" >/dev/null 2>"$T/err"
check_eq "a backfill that reaches into the future is refused" 1 $?
check_eq "and creates nothing" "scheduled__$d1" "$(runs_of future)"
r=$(jctl backfill future --from "$(date -u -d '-6 days' +%Y-%m-%d)" --to "$(date -u -d '-1 day' +%Y-%m-%d)")
check_eq "a backfill covers only intervals on or after start_date" \
    "backfill__$d3 backfill__$d2" "$(jq -r '.run_ids | join(" ")' <<<"$r")"
check_answers "after backfills"
check "every run finishes" wait_for 10 sh -c "[ \"\$($BIN/dagctl -s $SOCK --json grid future | jq '[.runs[] | select(.state != \"success\")] | length')\" = 0 ]"
before=$(runs_of catch)
stop_within "after the taken intervals"

# --- restart: the taken dates are passed over again, without a spin ---------------
start_agent || exit 1
check_answers "after a restart"
check_eq "a restart creates nothing for the taken dates (edited)" \
    "manual__$d2 manual__$d1 scheduled__$d3" "$(runs_of edited)"
check_eq "a restart creates nothing for the taken dates (latest)" "manual__$d1" "$(runs_of latest)"
check "and no catchup run twice" test "$(runs_of catch | wc -w)" -le $(($(wc -w <<<"$before") + 2))
stop_within "after a restart"
