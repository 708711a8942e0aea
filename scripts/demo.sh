#!/bin/sh
# make demo: start the agent on config/dagd.ini (state in var/, DAGs from
# examples/) in the background, open dagtop on it, and stop the agent when
# dagtop quits. Without a terminal the agent stays up (`make demo-stop`).
set -eu
mkdir -p var
SOCK=var/dagd.sock
# The ML example's containers need an engine and the test image; without
# them those tasks fail with a clear message and the rest still runs.
scripts/docker-engine.sh >var/docker-setup.log 2>&1 ||
    echo "demo: no Docker engine (see var/docker-setup.log); ml_pipeline's container steps will fail"
# ml_pipeline's train runs as a swarm job when this engine manages a swarm
# (a one-node one: `docker swarm init`), else in a container of its own: the
# choice is made here, once, by the DAGs folder the agent reads.
CONFIG=config/dagd.ini
if [ "$(docker info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}' 2>/dev/null)" = "active true" ]; then
    scripts/demo_dags.sh var/demo-dags
    sed -e 's|^state_dir = .*|state_dir = .|' -e 's|^dags_dir = .*|dags_dir = demo-dags|' \
        -e '1s|^.*$|; Made by scripts/demo.sh from config/dagd.ini: the DAGs of var/demo-dags.|' \
        config/dagd.ini >var/demo.ini
    CONFIG=var/demo.ini
    echo "demo: a swarm is active: ml_pipeline's train runs on it (var/demo-dags/ml_pipeline.ini)"
else
    echo "demo: no swarm here: ml_pipeline's train runs in a local container"
fi
started=
# The agent takes var/'s lock; when the demo's agent already runs, the new one
# exits at once saying so, and dagtop opens on the running one.
touch var/dagd.log
logsize=$(wc -c <var/dagd.log)
bin/dagd -c "$CONFIG" 2>>var/dagd.log &
pid=$!
startlog() { tail -c +$((logsize + 1)) var/dagd.log; }
i=0
# Up when the agent that answers on the socket is the one just started.
until [ "$(bin/dagctl -s "$SOCK" --json status 2>/dev/null | jq -r .pid 2>/dev/null)" = "$pid" ]; do
    if ! kill -0 "$pid" 2>/dev/null; then
        if startlog | grep -q 'is in use by agent'; then
            holder=$(startlog | sed -n 's/.*is in use by agent \([0-9]*\).*/\1/p')
            echo "demo: the agent is already running (pid $holder)"
            pid=
            break
        fi
        echo "demo: the agent did not start:"
        startlog
        exit 1
    fi
    i=$((i + 1))
    if [ "$i" -gt 250 ]; then echo "demo: the agent did not start:"; startlog; exit 1; fi
    sleep 0.02
done
if [ -n "$pid" ]; then
    echo "$pid" >var/dagd.pid
    started=1
    echo "demo: agent started (pid $pid), log in var/dagd.log"
fi
if [ -t 0 ] && [ -t 1 ]; then
    bin/dagtop -s "$SOCK" || true
    if [ -n "$started" ]; then
        kill -TERM "$(cat var/dagd.pid)" 2>/dev/null || true
        rm -f var/dagd.pid
        echo "demo: agent stopped"
    fi
    exit 0
fi
bin/dagctl -s "$SOCK" dags
cat <<MSG

No terminal here, so dagtop did not open; the agent keeps running. Try:
  bin/dagtop                             # the grid (q quits)
  bin/dagctl trigger hello               # prints the new run id
  bin/dagctl wait hello RUN_ID           # waits for it to finish
  bin/dagctl grid hello
Stop the agent with: make demo-stop
MSG
