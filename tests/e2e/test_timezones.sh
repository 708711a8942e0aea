#!/bin/bash
# Zone conversions leave the agent's environment alone: a task gets TZ as
# the agent was started with it (set or not), whatever zones DAGs use, and
# its own DAG's zone as DAGD_TIMEZONE.
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
