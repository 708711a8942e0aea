#!/bin/bash
# DAG versions: a version is the first 12 hex digits of the SHA-256 of the
# file; a run keeps its version to its end while the file is edited (its
# tasks and commands are the old file's, across a restart too); the next
# run uses the new one; clear moves a run to the current version unless
# --keep-version (an unfinished instance of a task the new version lacks
# becomes removed); grid, versions and show; retention drops versions that
# no run uses.
. "$(dirname "$0")/lib.sh"
EXTRA_AGENT="keep_days = 7" write_config
F=$T/dags/v.ini
# v1: a waits for a flag, then b; both say which version they are.
write_v() { # VERSION [extra task]
    cat >"$F" <<DAG
[dag]
schedule = none
[task a]
command = while [ ! -e $T/go_\$DAGD_RUN_ID ]; do sleep 0.05; done; echo $1 a
[task b]
upstream = a
command = echo $1 b
${2:-}
DAG
}
sha() { sha256sum "$F" | cut -c1-12; }
write_v v1
V1=$(sha)
cp "$F" "$T/v1.ini"
start_agent || exit 1
go() { touch "$T/go_$1"; }
log_of() { task_log v "$1" "$2" ${3:+--try "$3"}; }
run_version() { jctl grid v | jq -r --arg r "$1" '.runs[] | select(.run_id == $r) | .version'; }
on_version() { [ "$(jctl grid v | jq -r .version)" = "$1" ]; } # the DAG's current one

check_eq "grid: the DAG's version is the file's SHA-256 (12 hex digits)" "$V1" "$(jctl grid v | jq -r .version)"
r1=$(ctl trigger v)
started() { [ "$(ti_state v "$1" a)" = running ]; }
check "run 1 starts" wait_for 10 started "$r1"

# Edited while run 1 is active: b says v2, and a new task c.
write_v v2 "[task c]
upstream = b
command = echo v2 c"
V2=$(sha)
cp "$F" "$T/v2.ini"
check "the edit is loaded (the DAG's version changes)" wait_for 10 on_version "$V2"
check "the version changed with the file" test "$V1" != "$V2"
go "$r1"
wait_quiet() { ctl wait "$@" >/dev/null; }
check "run 1 finishes" wait_quiet v "$r1" --timeout 20
check_eq "run 1 finished on its version: b ran the old command" "v1 b" "$(log_of "$r1" b)"
check_eq "run 1 has no instance of the new task" null "$(ti_state v "$r1" c)"
check_eq "grid: run 1 keeps version 1" "$V1" "$(run_version "$r1")"

r2=$(ctl trigger v)
go "$r2"
check "run 2 finishes" wait_quiet v "$r2" --timeout 20
check_eq "the next run uses the new version: b" "v2 b" "$(log_of "$r2" b)"
check_eq "... and the new task runs" "v2 c" "$(log_of "$r2" c)"
check_eq "grid: run 2 on version 2" "$V2" "$(run_version "$r2")"

# versions and show.
check_eq "versions: both, newest first, with their runs" "[\"$V2\",1,\"$V1\",1]" \
    "$(jctl versions v | jq -c '[.[] | .version, .runs]')"
check "versions: first_seen is a time" jq -e 'all(.[]; .first_seen | test("^[0-9]{4}-"))' <<<"$(jctl versions v)" >/dev/null
check "show: the current file's text" cmp -s <(ctl show v) "$F"
check "show --version: the old text" cmp -s <(ctl show v --version "$V1") "$T/v1.ini"
check "show with --json prints the text plain" cmp -s <(jctl show v --version "$V1") "$T/v1.ini"
ctl show v --version 000000000000 >/dev/null 2>&1
check_eq "show: an unknown version is refused (exit 1)" 1 $?

# clear moves run 1 to the current version: b runs v2's command, c joins.
ctl clear v "$r1" b --yes >/dev/null
check "the cleared run finishes" wait_quiet v "$r1" --timeout 20
check_eq "clear moved run 1 to the current version" "$V2" "$(run_version "$r1")"
check_eq "... b's second try ran the new command" "v2 b" "$(log_of "$r1" b 2)"
wait_c() { [ "$(ti_state v "$r1" c)" = success ]; }
check "... and the new task ran in it" wait_for 10 wait_c

# Edit again (v3: b says v3, c gone); clear --keep-version keeps run 2 on v2.
write_v v3
V3=$(sha)
check "v3 is loaded" wait_for 10 on_version "$V3"
ctl clear v "$r2" b --keep-version --yes >/dev/null
check "the run cleared with --keep-version finishes" wait_quiet v "$r2" --timeout 20
check_eq "--keep-version: run 2 stays on version 2" "$V2" "$(run_version "$r2")"
check_eq "--keep-version: b ran v2's command" "v2 b" "$(log_of "$r2" b 2)"

# A restart while a run of an older version is active: it still finishes
# on its version (the model comes back from the stored text).
r3=$(ctl trigger v)
check "run 3 starts" wait_for 10 started "$r3"
write_v v4
V4=$(sha)
stop_agent
start_agent || exit 1
check_eq "after the restart the DAG is on v4" "$V4" "$(jctl grid v | jq -r .version)"
go "$r3"
check "run 3 finishes after the restart" wait_quiet v "$r3" --timeout 20
check_eq "run 3 finished on v3 after the restart" "v3 b" "$(log_of "$r3" b)"
check_eq "grid: run 3 on v3" "$V3" "$(run_version "$r3")"

# Retention: versions no run uses go (the current one stays).
stop_agent
ten_days_ago=$(( ($(date +%s) - 10 * 86400) * 1000000 ))
sqlite3 "$T/state/dagd.db" "UPDATE runs SET end_date = $ten_days_ago WHERE run_id IN ('$r1', '$r2')"
start_agent || exit 1
gone() { [ "$(jctl versions v | jq -c '[.[].version] | sort')" = "$(jq -cn --arg a "$V3" --arg b "$V4" '[$a, $b] | sort')" ]; }
check "retention dropped the versions no run uses (v1, v2), kept v3 (run 3) and v4 (current)" wait_for 10 gone
check "the agent log says so" grep -qE "retention: removed [0-9]+ DAG versions? no run uses" "$T/agent.log"
check "show of a dropped version: refused" bash -c "! '$BIN/dagctl' -s '$SOCK' show v --version $V1 >/dev/null 2>&1"
stop_agent

# A clear that moves a run to a version without one of its tasks, before
# that task ran: its instance becomes removed (as Airflow's scheduler does),
# the new version's task runs, and the run succeeds on its leaves.
start_agent || exit 1
write_v v5 "[task c]
upstream = a
command = echo v5 c"
V5=$(sha)
check "v5 (with c) is loaded" wait_for 10 on_version "$V5"
r5=$(ctl trigger v)
check "run 5 starts" wait_for 10 started "$r5"
write_v v6 "[task z]
upstream = a
command = echo v6 z"
V6=$(sha)
check "v6 (c gone, z new) is loaded" wait_for 10 on_version "$V6"
check_eq "run 5 is still on v5 before the clear" "$V5" "$(run_version "$r5")"
ctl clear v "$r5" a --yes >/dev/null
check_eq "the clear moved run 5 to v6" "$V6" "$(run_version "$r5")"
check_eq "c, gone from v6 before it ran, is removed" removed "$(ti_state v "$r5" c)"
check_eq "z, new in v6, waits for a" none "$(ti_state v "$r5" z)"
go "$r5"
check "run 5 finishes" wait_quiet v "$r5" --timeout 20
check_eq "run 5 succeeded (removed is no failed leaf)" success "$(run_state v "$r5")"
check_eq "z ran v6's command" "v6 z" "$(log_of "$r5" z)"
check_eq "c stays removed, never tried" "removed 0" "$(sqlite3 "$T/state/dagd.db" "SELECT state || ' ' || try_number FROM task_instances WHERE run_id = '$r5' AND task_id = 'c'")"
stop_agent
