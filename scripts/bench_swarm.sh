#!/bin/bash
# make bench, swarm part: a chain of 20 `true` swarm tasks (executor =
# swarm), trigger to finished, against the same 20 jobs from a shell: for
# each, `docker service create --mode replicated-job --restart-condition
# none --no-resolve-image`, a loop of `docker service ps` every 0.1 s until
# its task is Complete, `docker service rm`. Printed as a ratio; target
# <= 1.0. Needs an active swarm (scripts/swarm.sh up makes a one-node one).
set -eu
BIN=${DAGD_BIN:-$PWD/bin}
IMAGE=${DAGD_TEST_IMAGE:-dagd-busybox:latest}
N=${N:-20}
REPEAT=${REPEAT:-3}
if ! docker info >/dev/null 2>&1 || ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
    echo "  swarm: skipped (no engine or no $IMAGE; scripts/docker-engine.sh makes both)"
    exit 0
fi
if [ "$(docker info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}')" != "active true" ]; then
    echo "  swarm: skipped (this engine manages no swarm; scripts/swarm.sh up inits one)"
    exit 0
fi
T=$(mktemp -d "${BENCH_DIR:-/tmp}/dagd-bench-swarm.XXXXXX")
SOCK=$T/state/dagd.sock
P=bsw$$
PID=
trap '[ -n "$PID" ] && kill -KILL $PID 2>/dev/null
# The baseline'\''s services, and any of dagd'\''s whose removal the kill overtook.
docker service ls -q --filter "name=$P" | xargs -r docker service rm >/dev/null 2>&1
docker service ls -q --filter "label=dagd.dag_id=${P}chain" | xargs -r docker service rm >/dev/null 2>&1
rm -rf "$T"' EXIT

now_ms() { echo $(($(date +%s%N) / 1000000)); }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# The shell's way: one job at a time, polled until its task is done.
shell_chain() {
    for i in $(seq 1 "$N"); do
        name=$P-$1-$i
        docker service create -d -q --name "$name" --mode replicated-job \
            --restart-condition none --no-resolve-image "$IMAGE" true >/dev/null
        while :; do
            state=$(docker service ps "$name" --format '{{.CurrentState}}' | head -n 1)
            case "$state" in
            Complete*) break ;;
            Failed* | Rejected*)
                echo "  swarm: shell job $name: $state" >&2
                return 1
                ;;
            esac
            sleep 0.1
        done
        docker service rm "$name" >/dev/null
    done
}

mkdir -p "$T/dags" "$T/state"
f=$T/dags/${P}chain.ini
for i in $(seq 1 "$N"); do
    printf '[task t%s]\nexecutor = swarm\nimage = %s\ncommand = true\n' "$i" "$IMAGE" >>"$f"
    [ "$i" -gt 1 ] && printf 'upstream = t%s\n' $((i - 1)) >>"$f"
done
printf '[agent]\nstate_dir = state\ndags_dir = dags\n' >"$T/dagd.ini"
"$BIN/dagd" -c "$T/dagd.ini" 2>>"$T/agent.log" &
PID=$!
for _ in $(seq 500); do [ -S "$SOCK" ] && break; sleep 0.01; done

dagd_ms=() cli_ms=()
for d in $(seq 1 "$REPEAT"); do
    t0=$(now_ms)
    run=$("$BIN/dagctl" -s "$SOCK" trigger "${P}chain" --date "2026-01-$(printf %02d "$d")")
    state=$("$BIN/dagctl" -s "$SOCK" --json wait "${P}chain" "$run" --timeout 900 | jq -r .state)
    dagd_ms+=($(($(now_ms) - t0)))
    if [ "$state" != success ]; then
        echo "  swarm: the job chain ended $state; agent log:"
        tail -n 20 "$T/agent.log"
        exit 1
    fi
    t0=$(now_ms)
    shell_chain "$d"
    cli_ms+=($(($(now_ms) - t0)))
done
kill -TERM "$PID"
wait "$PID" || true
PID=

dagd=$(printf '%s\n' "${dagd_ms[@]}" | median)
cli=$(printf '%s\n' "${cli_ms[@]}" | median)
ratio=$(awk -v a="$dagd" -v b="$cli" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
printf '  swarm chain %d x true    dagd %5d ms   service create + ps loop %5d ms   ratio %sx\n' \
    "$N" "$dagd" "$cli" "$ratio"
