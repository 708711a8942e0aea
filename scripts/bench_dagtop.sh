#!/bin/bash
# dagtop's own cost with a big grid: 365 runs x 40 tasks (a backfill of a
# 40-task DAG of `true` tasks). Drives dagtop in tmux and prints its RSS
# (VmRSS and peak VmHWM from /proc) and its keypress-to-redraw time, which
# dagtop writes with DAGTOP_TRACE=FILE (from reading a key to the end of
# doupdate()). Budgets: 8 MiB, 16 ms.
set -eu
BIN=${DAGD_BIN:-$PWD/bin}
KEYS=${KEYS:-200}
T=$(mktemp -d "${BENCH_DIR:-/tmp}/dagtop-bench.XXXXXX")
SOCK=$T/state/dagd.sock
TMUX_SOCK=dagtop-bench-$$
PID=
tm() { tmux -L "$TMUX_SOCK" -f /dev/null "$@"; }
cleanup() {
    tm kill-server 2>/dev/null || true
    if [ -n "$PID" ]; then
        kill -TERM "$PID" 2>/dev/null || true
        wait "$PID" 2>/dev/null || true
    fi
    rm -rf "$T"
}
trap cleanup EXIT
command -v tmux >/dev/null || { echo "bench_dagtop: tmux is not installed"; exit 1; }

# deadline SECONDS COMMAND...: poll until the command succeeds.
deadline() {
    local end=$(($(date +%s) + $1))
    shift
    until "$@" 2>/dev/null; do
        [ "$(date +%s)" -gt "$end" ] && return 1
        sleep 0.05
    done
}

mkdir -p "$T/state" "$T/dags"
printf '[agent]\nstate_dir = state\ndags_dir = dags\nparallelism = 64\n' >"$T/dagd.ini"
{
    # Never scheduled by itself (its intervals ended with 2025): only the
    # backfill's runs (a backfill covers ended intervals after start_date).
    printf '[dag]\nschedule = @daily\nstart_date = 2025-01-01\nend_date = 2025-12-31\ncatchup = false\n'
    printf 'max_active_runs = 64\nmax_active_tasks = 64\n'
    # Five layers of eight, each task after its namesake in the layer before:
    # realistic, long-ish names in a real topological order.
    prev=
    for layer in extract_source clean_table transform_table aggregate_daily load_warehouse; do
        for i in $(seq -w 1 8); do
            printf '[task %s_%s]\ncommand = true\n' "$layer" "$i"
            [ -n "$prev" ] && printf 'upstream = %s_%s\n' "$prev" "$i"
        done
        prev=$layer
    done
} >"$T/dags/bench.ini"
"$BIN/dagd" -c "$T/dagd.ini" --check >/dev/null || { "$BIN/dagd" -c "$T/dagd.ini" --check; exit 1; }
"$BIN/dagd" -c "$T/dagd.ini" 2>>"$T/agent.log" &
PID=$!
deadline 10 "$BIN/dagctl" -s "$SOCK" status >/dev/null || { echo "agent did not start"; cat "$T/agent.log"; exit 1; }

echo "bench_dagtop: backfilling 365 runs x 40 tasks..."
t0=$(date +%s)
"$BIN/dagctl" -s "$SOCK" backfill bench --from 2025-01-01 --to 2025-12-31 >/dev/null
finished() {
    [ "$("$BIN/dagctl" -s "$SOCK" --json grid bench --limit 400 |
        jq '[.runs[] | select(.state == "success" or .state == "failed")] | length')" -eq 365 ]
}
deadline 900 finished || { echo "bench_dagtop: the backfill did not finish"; exit 1; }
echo "bench_dagtop: backfill finished in $(($(date +%s) - t0)) s"

TRACE=$T/trace
: >"$TRACE"
tm new-session -d -s b -x 100 -y 30 \
    "exec env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen-256color DAGTOP_TRACE=$TRACE $BIN/dagtop -s $SOCK"
DT=$(tm display -p -t b '#{pane_pid}')
traced() { grep -q -- "$1" "$TRACE"; }
deadline 10 traced "^dags n=1" || { echo "dagtop did not load the DAG list"; exit 1; }
tm send-keys -t b Enter
deadline 10 traced "^grid dag=bench" || { echo "dagtop did not load the grid"; exit 1; }
# The grid loads more runs as the cursor goes down: go to the end until all are in.
for _ in 1 2 3 4 5 6; do
    traced "runs=365 tasks=40" && break
    tm send-keys -t b End
    sleep 0.3
done
deadline 10 traced "runs=365 tasks=40" || { echo "dagtop did not load 365 runs"; tail "$TRACE"; exit 1; }
tm send-keys -t b Home

# One key at a time, each waited for: a trace line is one redraw, and N= says
# how many keys it handled (keys that arrive together share a redraw).
keys_done() { awk '/^key / { sub("n=", "", $3); s += $3 } END { print s + 0 }' "$TRACE"; }
keys_at_least() { [ "$(keys_done)" -ge "$1" ]; }
home_done() { awk '/runs=365/ { f = 1; next } f && /^key / { k = 1 } END { exit !k }' "$TRACE"; }
deadline 5 home_done || true
# measure NAME KEY...: KEYS presses cycling through the keys, then the
# redraw times of that phase: "median p95 max redraws".
declare -A P95
measure() {
    local name=$1
    shift
    local list=("$@") base lines0 i stats med p95 max n
    base=$(keys_done)
    lines0=$(grep -c '^key ' "$TRACE")
    for i in $(seq 1 "$KEYS"); do
        tm send-keys -t b "${list[$((i % ${#list[@]}))]}"
        deadline 5 keys_at_least $((base + i)) || true
    done
    stats=$(grep '^key ' "$TRACE" | tail -n +$((lines0 + 1)) | sed 's/.*us=//' | sort -n |
        awk '{ v[NR] = $1 } END { printf "%.2f %.2f %.2f %d", v[int((NR + 1) / 2)] / 1000, v[int(NR * 0.95 + 0.5)] / 1000, v[NR] / 1000, NR }')
    read -r med p95 max n <<<"$stats"
    P95[$name]=$p95
    printf 'dagtop keypress-to-redraw, %-22s %d keys in %d redraws: median %s ms, p95 %s ms, max %s ms (budget 16 ms)\n' \
        "$name:" "$KEYS" "$n" "$med" "$p95" "$max"
}
grid_keys=(Down Down Right Right PageDown Up Left Right Right Right End Home j k h Right)
measure "grid" "${grid_keys[@]}"
# Durations in the cells (medians of the runs on screen every frame).
tm send-keys -t b d
sleep 0.5
measure "grid with durations" "${grid_keys[@]}"
# n / N over the failed cells (none here: every jump searches all loaded).
measure "grid n / N" n N
# The run view: its tasks as bars on one axis, scrolled.
tm send-keys -t b R
ran() { tm capture-pane -p -t b | grep -q 'tasks 1-'; }
deadline 10 ran || { echo "dagtop did not show the run view"; exit 1; }
measure "run view" Down Down PageDown Up PageUp Down
tm send-keys -t b q
rss=$(awk '/^VmRSS/ {print $2}' "/proc/$DT/status")
hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$DT/status")
tm send-keys -t b q q
echo "dagtop RSS with a 365x40 grid:     $rss KiB (peak $hwm KiB; budget 8192 KiB)"
