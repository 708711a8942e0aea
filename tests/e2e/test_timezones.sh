#!/bin/bash
# Zone conversions leave the agent's environment alone: a task gets TZ as
# the agent was started with it (set or not), whatever zones DAGs use, and
# its own DAG's zone as DAGD_TIMEZONE. Each zone file is read once (strace).
. "$(dirname "$0")/lib.sh"

cat >"$T/dags/tokyo.ini" <<'DAG'
[dag]
schedule = 0 9 * * *
timezone = Asia/Tokyo
start_date = 2026-11-01
catchup = false
[task show]
command = echo "TZ=${TZ-unset} DAGD_TIMEZONE=$DAGD_TIMEZONE ds={{ ds }}"
DAG
cat >"$T/dags/plain.ini" <<'DAG'
[dag]
schedule = none
[task show]
command = echo "TZ=${TZ-unset} DAGD_TIMEZONE=$DAGD_TIMEZONE"
DAG

# run_shows DAG: trigger DAG (dated in Tokyo for the Tokyo one) and print
# what its task saw.
run_shows() {
    local run
    run=$(ctl trigger "$1" ${2:+--date "$2"})
    ctl wait "$1" "$run" --timeout 30 >/dev/null || echo "run of $1 did not succeed"
    task_log "$1" "$run" show
}

day=21
for start_tz in unset America/New_York; do
    day=$((day + 1))
    if [ "$start_tz" = unset ]; then unset TZ; else export TZ=$start_tz; fi
    start_agent || exit 1
    unset TZ
    # The Tokyo DAG is loaded (its next run computed in Asia/Tokyo) and runs
    # first; the UTC DAG's task comes after.
    check_eq "agent TZ $start_tz: a Tokyo DAG's task sees its zone, TZ untouched" \
        "TZ=$start_tz DAGD_TIMEZONE=Asia/Tokyo ds=2026-11-$day" \
        "$(run_shows tokyo 2026-11-${day}T00:00:00+09:00)"
    check_eq "agent TZ $start_tz: a UTC DAG's task after it sees TZ as the agent started" \
        "TZ=$start_tz DAGD_TIMEZONE=UTC" "$(run_shows plain)"
    stop_agent
done

# --- each zone file is read once: at the first DAG in it, not per DAG or reply
need_command strace "to count the zone files the agent opens"
rm -f "$T"/dags/*.ini
zones=(Asia/Tokyo Europe/Paris America/New_York)
for i in $(seq 0 8); do
    printf '[dag]\nschedule = 30 2 * * *\ntimezone = %s\nstart_date = 2099-01-01\n[task a]\ncommand = echo {{ ds }}\n' \
        "${zones[$((i % 3))]}" >"$T/dags/z$i.ini"
done
strace -f -e trace=openat,open -o "$T/zones.strace" "$BIN/dagd" -c "$T/dagd.ini" 2>>"$T/agent.log" &
strace_pid=$!
check "the agent starts under strace" wait_for 30 sh -c "$BIN/dagctl -s $SOCK status >/dev/null"
for _ in 1 2 3; do ctl dags >/dev/null; ctl next z0 >/dev/null 2>&1; done
kill -TERM "$(pgrep -P "$strace_pid" -x dagd)"
wait "$strace_pid"
for z in "${zones[@]}"; do
    check_eq "$z: its zone file is opened once for its 3 DAGs, start and 3 x dags" 1 \
        "$(grep -c "zoneinfo/$z\"" "$T/zones.strace")"
done
