#!/bin/sh
# make demo: start the agent on config/dagd.ini (state in var/, DAGs from
# examples/) in the background and show what it runs. `make demo-stop` stops it.
set -eu
mkdir -p var
SOCK=var/dagd.sock
if [ -f var/dagd.pid ] && kill -0 "$(cat var/dagd.pid)" 2>/dev/null; then
    echo "demo: the agent is already running (pid $(cat var/dagd.pid))"
else
    bin/dagd -c config/dagd.ini 2>>var/dagd.log &
    echo $! >var/dagd.pid
    i=0
    while [ ! -S "$SOCK" ]; do
        i=$((i + 1))
        if [ "$i" -gt 250 ]; then echo "demo: the agent did not start:"; cat var/dagd.log; exit 1; fi
        sleep 0.02
    done
    echo "demo: agent started (pid $(cat var/dagd.pid)), log in var/dagd.log"
fi
bin/dagctl -s "$SOCK" dags
cat <<MSG

Try:
  bin/dagctl trigger hello               # prints the new run id
  bin/dagctl wait hello RUN_ID           # waits for it to finish
  bin/dagctl grid hello                  # the date-by-task grid
  bin/dagctl logs hello RUN_ID say_hello
Stop the agent with: make demo-stop
MSG
