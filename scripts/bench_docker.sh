#!/bin/bash
# make bench, Docker part: a chain of 20 `true` container tasks, trigger to
# finished, against 20 `docker run --rm` of the same image one after another
# (the CLI: its start-up and round trips). Printed as a ratio of the medians,
# with each round's own ratio. One chain runs untimed first: an agent opens
# its event stream and connections to the engine once in its life, not once
# a chain (the CLI has nothing to keep).
set -eu
BIN=${DAGD_BIN:-$PWD/bin}
IMAGE=${DAGD_TEST_IMAGE:-dagd-busybox:latest}
N=${N:-20}
REPEAT=${REPEAT:-3}
if ! docker info >/dev/null 2>&1 || ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
    echo "  docker: skipped (no engine or no $IMAGE; scripts/docker-engine.sh makes both)"
    exit 0
fi
T=$(mktemp -d "${BENCH_DIR:-/tmp}/dagd-bench-docker.XXXXXX")
SOCK=$T/state/dagd.sock
PID=
trap '[ -n "$PID" ] && kill -KILL $PID 2>/dev/null; rm -rf "$T"' EXIT

now_ms() { echo $(($(date +%s%N) / 1000000)); }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

mkdir -p "$T/dags" "$T/state"
f=$T/dags/dchain.ini
for i in $(seq 1 "$N"); do
    printf '[task t%s]\nimage = %s\npull = never\ncommand = true\n' "$i" "$IMAGE" >>"$f"
    [ "$i" -gt 1 ] && printf 'upstream = t%s\n' $((i - 1)) >>"$f"
done
printf '[agent]\nstate_dir = state\ndags_dir = dags\n' >"$T/dagd.ini"
"$BIN/dagd" -c "$T/dagd.ini" 2>>"$T/agent.log" &
PID=$!
for _ in $(seq 500); do [ -S "$SOCK" ] && break; sleep 0.01; done

chain() { # DATE: one chain, trigger to finished
    run=$("$BIN/dagctl" -s "$SOCK" trigger dchain --date "$1")
    state=$("$BIN/dagctl" -s "$SOCK" --json wait dchain "$run" --timeout 600 | jq -r .state)
    if [ "$state" != success ]; then
        echo "  docker: the container chain ended $state; agent log:"
        tail -n 20 "$T/agent.log"
        exit 1
    fi
}
chain 2025-12-31
dagd_ms=() cli_ms=() rounds=""
for d in $(seq 1 "$REPEAT"); do
    t0=$(now_ms)
    chain "2026-01-$(printf %02d "$d")"
    dagd_ms+=($(($(now_ms) - t0)))
    t0=$(now_ms)
    for _ in $(seq 1 "$N"); do docker run --rm "$IMAGE" true; done
    cli_ms+=($(($(now_ms) - t0)))
    rounds="$rounds $(awk -v a="${dagd_ms[-1]}" -v b="${cli_ms[-1]}" 'BEGIN { printf "%.2f", a / b }')"
done
kill -TERM "$PID"
wait "$PID" || true
PID=

dagd=$(printf '%s\n' "${dagd_ms[@]}" | median)
cli=$(printf '%s\n' "${cli_ms[@]}" | median)
ratio=$(awk -v a="$dagd" -v b="$cli" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
printf '  docker chain %d x true   dagd %5d ms   docker run --rm %5d ms   ratio %sx (rounds:%s)\n' \
    "$N" "$dagd" "$cli" "$ratio" "$rounds"
