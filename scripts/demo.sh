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
started=
if [ -f var/dagd.pid ] && kill -0 "$(cat var/dagd.pid)" 2>/dev/null; then
    echo "demo: the agent is already running (pid $(cat var/dagd.pid))"
else
    bin/dagd -c config/dagd.ini >>var/dagd.log 2>&1 &
    echo $! >var/dagd.pid
    started=1
    i=0
    until bin/dagctl -s "$SOCK" status >/dev/null 2>&1; do
        i=$((i + 1))
        if [ "$i" -gt 250 ]; then echo "demo: the agent did not start:"; cat var/dagd.log; exit 1; fi
        sleep 0.02
    done
    echo "demo: agent started (pid $(cat var/dagd.pid)), log in var/dagd.log"
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
