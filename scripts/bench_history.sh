#!/bin/bash
# make bench, backlog and history:
#  - a backfill of daily runs of a 40-task chain of `true` against make -j2
#    on the same graph (every run's chain, the runs independent of each
#    other: dagd's max_active_runs = 16 and parallelism = 2 bound its
#    concurrency, -j2 bounds make's), and the agent's peak RSS (VmHWM)
#    meanwhile. 1 year (14,600 task instances) by default; BENCH_FULL=1:
#    10 years, 146,000 task instances (~5 min more);
#  - 1,000,000 task instances stored (scripts/gen_history.c, through the
#    agent's store code: 20,000 runs x 50 tasks): agent start, grid 25 and
#    dags reply times, grid --before through all of it, retention of all
#    but the last year with `status` reply times meanwhile;
#  - dagtop paging through 10 years of that DAG: keypress-to-redraw.
set -eu
BIN=${DAGD_BIN:-$PWD/bin}
GEN=${GEN_HISTORY:-$PWD/build/release/tools/gen_history}
HERE=$(cd "$(dirname "$0")" && pwd)
PY="python3 $HERE/bench_history.py"
YEARS=${YEARS:-$([ -n "${BENCH_FULL:-}" ] && echo 10 || echo 1)}
T=$(mktemp -d "${BENCH_DIR:-/tmp}/dagd-bench-history.XXXXXX")
SOCK=$T/state/dagd.sock
PID=
TMUX_SOCK=dagd-bench-history-$$
cleanup() {
    tmux -L "$TMUX_SOCK" kill-server 2>/dev/null || true
    [ -n "$PID" ] && kill -KILL "$PID" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT

now_ms() { echo $(($(date +%s%N) / 1000000)); }
start_agent() { # CONFIG_LINES -> prints ms from exec to the first reply
    printf '[agent]\nstate_dir = state\ndags_dir = dags\n%s\n' "$1" >"$T/dagd.ini"
    local t0
    t0=$(date +%s%N)
    (cd "$T" && exec "$BIN/dagd" -c dagd.ini 2>>agent.log) &
    PID=$!
    $PY "$SOCK" start 30 "$t0"
}
stop_agent() { kill -TERM "$PID"; wait "$PID" || true; PID=; }
ctl() { "$BIN/dagctl" -s "$SOCK" "$@"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# ---- the backfill against make -j2 ----
mkdir -p "$T/state" "$T/dags"
days=$((YEARS * 365))
from=$(date -u -d "-$((days + 10)) days" +%Y-%m-%d)
to=$(date -u -d "$from +$((days - 1)) days" +%Y-%m-%d)
{
    printf '[dag]\nschedule = @daily\nstart_date = %s\nend_date = %s\ncatchup = false\n' "$from" "$to"
    for i in $(seq 1 40); do
        printf '[task t%s]\ncommand = true\n' "$i"
        [ "$i" -gt 1 ] && printf 'upstream = t%s\n' $((i - 1))
    done
} >"$T/dags/fill.ini"
# The same DAG again, for one backfill of the whole range at the end (its
# memory: the slices' commands each asked for a fifth of it).
cp "$T/dags/fill.ini" "$T/dags/whole.ini"
# One /bin/sh per target (the ;), as in bench.sh; a makefile per slice
# (fill_K.mk, its runs only: make parses all of its file at every start).
SLICES=${SLICES:-5}
per=$(((days + SLICES - 1) / SLICES))
awk -v runs="$days" -v per="$per" -v dir="$T" 'BEGIN {
    for (r = 1; r <= runs; r++) {
        if ((r - 1) % per == 0) {
            if (r > 1) close(f)
            f = dir "/fill_" ((r - 1) / per + 1) ".mk"
            last = r + per - 1 < runs ? r + per - 1 : runs
            printf "all:" > f; for (k = r; k <= last; k++) printf " r%d_t40", k > f; print "" > f
            printf ".PHONY: all" > f
            for (k = r; k <= last; k++) for (i = 1; i <= 40; i++) printf " r%d_t%d", k, i > f
            print "" > f
        }
        printf "r%d_t1:\n\t@true;\n", r > f
        for (i = 2; i <= 40; i++) printf "r%d_t%d: r%d_t%d\n\t@true;\n", r, i, r, i - 1 > f
    }
}'
# The two sides take turns, slice by slice (one agent, its store growing
# through all of them), since this VM's speed drifts by tens of percent
# over the minutes a side takes: one side after the other measured 0.99x
# and 1.42x an hour apart.
start_agent "parallelism = 2" >/dev/null
rss0=$(awk '/^VmRSS/ { print $2 }' "/proc/$PID/status")
dagd_ms=0 make_ms=0 slice_ratios=
for k in $(seq 1 $SLICES); do
    first=$(((k - 1) * per))
    [ "$first" -ge "$days" ] && break
    last=$((k * per < days ? k * per - 1 : days - 1))
    t0=$(now_ms)
    made=$(ctl --json backfill fill --from "$(date -u -d "$from +$first days" +%Y-%m-%d)" \
        --to "$(date -u -d "$from +$last days" +%Y-%m-%d)")
    # The newest run ends last (older runs go first): wait for its end (an
    # event, no polling), then for any run still in memory, polled finely
    # (a 200 ms poll added up to a tenth of a one-year slice).
    ctl wait fill "$(jq -r '.run_ids[-1]' <<<"$made")" --timeout 3600 >/dev/null
    while [ "$(ctl --json status | jq .runs_in_memory)" != 0 ]; do sleep 0.02; done
    d=$(($(now_ms) - t0))
    t0=$(now_ms)
    make -s -j2 -f "$T/fill_$k.mk" >/dev/null
    m=$(($(now_ms) - t0))
    dagd_ms=$((dagd_ms + d)) make_ms=$((make_ms + m))
    slice_ratios="$slice_ratios $(ratio "$d" "$m")"
done
hwm_slices=$(awk '/^VmHWM/ { print $2 }' "/proc/$PID/status")
# One command for all the days (what a user types): its peak once 200 of its
# runs are done, then the agent stops it. The peak starts again here.
echo 5 >"/proc/$PID/clear_refs" 2>/dev/null || true
ctl backfill whole --from "$from" --to "$to" >/dev/null
until ctl metrics | awk '/^dagd_runs_finished_total\{dag_id="whole",state="success"\}/ { f = $2 >= 200 } END { exit !f }'; do
    sleep 0.5
done
hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$PID/status")
ok=$(ctl --json grid fill --limit 10000 | jq '[.runs[] | select(.state == "success")] | length')
stop_agent
rm -rf "$T/state" "$T/dags" "$T"/fill_*.mk "$T/agent.log"

# ---- 1,000,000 task instances ----
mkdir -p "$T/state" "$T/dags"
"$GEN" "$T/state" "$T/dags" hist 50 20000 >/dev/null
cp "$T/state/dagd.db" "$T/keep.db"
starts=$(for _ in 1 2 3; do
    start_agent "keep_days = 0"
    stop_agent
done | median)
start_agent "keep_days = 0" >/dev/null
replies=$($PY "$SOCK" replies hist 200)
pages=$($PY "$SOCK" pages hist 25)
rss_1m=$(awk '/^VmRSS/ { print $2 }' "/proc/$PID/status")

# dagtop through 10 years of it: PageDown from the newest run on.
dagtop_line="dagtop: tmux not installed, skipped"
if command -v tmux >/dev/null && [ -x "$BIN/dagtop" ]; then
    tm() { tmux -L "$TMUX_SOCK" -f /dev/null "$@"; }
    TRACE=$T/trace
    : >"$TRACE"
    tm new-session -d -s b -x 100 -y 30 \
        "exec env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen-256color DAGTOP_TRACE=$TRACE $BIN/dagtop -s $SOCK"
    traced() { grep -q -- "$1" "$TRACE"; }
    wait_traced() { for _ in $(seq 200); do traced "$1" && return 0; sleep 0.05; done; return 1; }
    keys_done() { awk '/^key / { sub("n=", "", $3); s += $3 } END { print s + 0 }' "$TRACE"; }
    if wait_traced "^dags n=1" && tm send-keys -t b Enter && wait_traced "^grid dag=hist"; then
        lines0=$(grep -c '^key ' "$TRACE" || true)
        base=$(keys_done)
        # ~25 rows a page: 150 pages are 10 years of days.
        for i in $(seq 1 150); do
            tm send-keys -t b PageDown
            for _ in $(seq 100); do [ "$(keys_done)" -ge $((base + i)) ] && break; sleep 0.01; done
        done
        stats=$(grep '^key ' "$TRACE" | tail -n +$((lines0 + 1)) | sed 's/.*us=//' | sort -n |
            awk '{ v[NR] = $1 } END { printf "%.2f %.2f %.2f %d", v[int((NR + 1) / 2)] / 1000, v[int(NR * 0.95 + 0.5)] / 1000, v[NR] / 1000, NR }')
        read -r med p95 max n <<<"$stats"
        dagtop_line=$(printf 'dagtop PageDown x150 through 10 years: %s redraws, median %s ms, p95 %s ms, max %s ms (budget 16 ms)' "$n" "$med" "$p95" "$max")
        tm send-keys -t b q q
    else
        dagtop_line="dagtop: did not load the grid (see $TRACE)"
    fi
    tm kill-server 2>/dev/null || true
fi
stop_agent

# Retention of all but the last year, `status` answered meanwhile.
cp "$T/keep.db" "$T/state/dagd.db"
rm -f "$T/state/dagd.db-wal" "$T/state/dagd.db-shm"
printf '[agent]\nstate_dir = state\ndags_dir = dags\nkeep_days = 365\n' >"$T/dagd.ini"
(cd "$T" && exec $PY state/dagd.sock poll 10 >"$T/poll.out") &
poller=$!
t0=$(now_ms)
(cd "$T" && exec "$BIN/dagd" -c dagd.ini 2>>agent.log) &
PID=$!
for _ in $(seq 600); do grep -q "retention: removed" "$T/agent.log" && break; sleep 0.02; done
ret_ms=$(($(now_ms) - t0))
wait "$poller"
left=$(ctl --json grid hist --limit 10000 | jq '.runs | length')
stop_agent

echo "dagd history bench ($(date -u +%Y-%m-%d), $(nproc) CPUs, state in ${BENCH_DIR:-/tmp})"
printf '  backfill %d runs x 40 true (%d TIs)  dagd %d ms  make -j2 %d ms  ratio %sx  (%s runs success; %d slices in turn:%s)\n' \
    "$days" $((days * 40)) "$dagd_ms" "$make_ms" "$(ratio "$dagd_ms" "$make_ms")" "$ok" "$SLICES" "$slice_ratios"
printf '  agent RSS during it: peak %d KiB (%.1f MiB) through the slices, %d KiB in one backfill of all %d days (its first 200 runs), %d KiB before\n' \
    "$hwm_slices" "$(awk -v r="$hwm_slices" 'BEGIN { print r / 1024 }')" "$hwm" "$days" "$rss0"
printf '  1M TIs stored: start %s ms (median of 3), %s, RSS %d KiB\n' "$starts" "$replies" "$rss_1m"
printf '  grid --limit 25 --before through all: %s\n' "$pages"
printf '  retention of 19,635 runs (982k TIs): %d ms, %s runs left; status meanwhile: %s\n' "$ret_ms" "$left" "$(cat "$T/poll.out")"
printf '  %s\n' "$dagtop_line"
