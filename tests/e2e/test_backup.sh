#!/bin/bash
# dagctl backup FILE: SQLite's online backup while runs are active, made off
# the loop; FILE relative to dagctl's folder; an existing FILE refused;
# operators only. Restored (the README's steps: stop, the copy as dagd.db,
# start), the agent finds every run and state as they were at the backup.
. "$(dirname "$0")/lib.sh"

cat >"$T/dags/busy.ini" <<'DAG'
[task a]
command = true
[task nap]
command = sleep 60
upstream = a
DAG
cat >"$T/dags/mixed.ini" <<'DAG'
[task ok]
command = true
[task bad]
command = exit 3
[task later]
command = exit 1
retries = 1
retry_delay = 1h
upstream = ok
DAG
write_config
printf '[access]\nsocket_mode = 0666\n' >>"$T/dagd.ini"
start_agent || exit 1
for d in 2026-01-01 2026-01-02 2026-01-03; do ctl trigger busy --date "$d" >/dev/null; done
for d in 2026-01-01 2026-01-02; do ctl trigger mixed --date "$d" >/dev/null; done
# Stable: every nap running, every `later` waiting an hour for its retry.
settled() {
    [ "$(jctl grid busy | jq '[.runs[] | select(.tasks.nap.state == "running")] | length')" = 3 ] &&
        [ "$(jctl grid mixed | jq '[.runs[] | select(.tasks.later.state == "up_for_retry" and .tasks.bad.state == "failed")] | length')" = 2 ]
}
check "runs are active: 3 naps running, 2 retries waiting" wait_for 20 settled
# The grid as runs, states and tries.
grids() {
    for d in busy mixed; do
        jctl grid "$d" | jq -c '[.runs[] | {run_id, logical_date, state,
            tasks: (.tasks | map_values({state, try_number}))}]'
    done
}
before=$(grids)

mkdir -p "$T/out"
out=$(cd "$T/out" && "$BIN/dagctl" -s "$SOCK" --json backup copy.db)
check_eq "backup: a relative FILE is dagctl's folder's" "$T/out/copy.db" "$(jq -r .file <<<"$out")"
check_eq "backup: bytes is the file's size" "$(stat -c %s "$T/out/copy.db" 2>/dev/null)" "$(jq -r .bytes <<<"$out")"
check "backup: the copy is a sound SQLite database" \
    sh -c "[ \"\$(sqlite3 '$T/out/copy.db' 'PRAGMA integrity_check')\" = ok ]"
check "backup: the copy stands alone (no -wal beside it)" test ! -e "$T/out/copy.db-wal"
check_eq "the runs did not move during the backup" "$before" "$(grids)"
check "backup is audited" sh -c "$BIN/dagctl -s $SOCK --json audit | jq -e 'any(.[]; .action == \"backup\" and .detail == \"$T/out/copy.db\")' >/dev/null"

ctl backup "$T/out/copy.db" >/dev/null 2>"$T/err"
check_eq "an existing FILE is refused (exit 1)" 1 $?
check "with code exists" grep -q '(exists)' "$T/err"
check "and the copy is untouched" sh -c "[ \"\$(stat -c %s '$T/out/copy.db')\" = $(jq -r .bytes <<<"$out") ]"
ctl backup "$T/nowhere/x.db" >/dev/null 2>"$T/err"
check_eq "a FILE in a missing folder is refused (exit 1)" 1 $?
check "no temporary file is left" sh -c "! ls '$T/out' | grep -q tmp"

if [ "$(id -u)" = 0 ] && command -v useradd >/dev/null; then
    U=dagdb$$
    useradd -M -N -s /bin/sh "$U"
    trap 'cleanup; userdel "$U" 2>/dev/null' EXIT
    chmod 0755 "$T" "$T/state" "$T/out"
    su -s /bin/sh "$U" -c "$BIN/dagctl -s $SOCK backup $T/out/theirs.db" >/dev/null 2>"$T/err"
    check_eq "a non-operator's backup exits 1" 1 $?
    check "with code forbidden, and no file" sh -c "grep -q forbidden '$T/err' && [ ! -e '$T/out/theirs.db' ]"
else
    echo "skip - non-operator backup: needs root and useradd"
fi

# A change after the backup is not in the copy.
after_run=$(ctl trigger mixed --date 2026-02-01)

# Restore: stop the agent (tasks run on), the copy becomes dagd.db, start.
stop_agent
mv "$T/state" "$T/state.orig"
mkdir "$T/state"
cp "$T/out/copy.db" "$T/state/dagd.db"
mv "$T/state.orig/logs" "$T/state/logs" # the copy holds the store; logs stay
start_agent || exit 1
check_eq "restored: every run, state and try as at the backup" "$before" "$(grids)"
check_eq "restored: the run made after the backup is not there" "" \
    "$(jctl grid mixed | jq -r --arg r "$after_run" '.runs[] | select(.run_id == $r) | .run_id')"
check_eq "restored: the naps are followed as running" 3 \
    "$(jctl status | jq .running)"
