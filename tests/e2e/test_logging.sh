#!/bin/bash
# The agent's log: "dagd: " lines; under systemd ($JOURNAL_STREAM naming the
# agent's stderr) each carries its syslog priority; -v adds debug lines.
. "$(dirname "$0")/lib.sh"

cat >"$T/dags/good.ini" <<'DAG'
[task a]
command = true
[task b]
command = true
upstream = a a
DAG
printf '[dag]\nschedule = 61 * * * *\n[task a]\ncommand = true\n' >"$T/dags/broken.ini"

# log_lines: the agent's own lines (not sanitizer reports) of the log.
log_lines() { grep -v '^==\|^    #\|^$' "$T/agent.log"; }

# Under journald: the stream systemd hands over is the agent's stderr.
: >"$T/agent.log"
export JOURNAL_STREAM
JOURNAL_STREAM=$(stat -c '%d:%i' "$T/agent.log")
start_agent || exit 1
check "journal: the start line is info <6>, as before otherwise" \
    grep -qE "^<6>dagd [0-9][^ ]*: 2 DAGs from $T/dags, socket " "$T/agent.log"
check "journal: a DAG file's error is <3>" grep -q "^<3>dagd: $T/dags/broken.ini:2: " "$T/agent.log"
check "journal: a DAG file's warning is <4>" \
    grep -q "^<4>dagd: $T/dags/good.ini:5: warning: upstream lists \"a\" twice" "$T/agent.log"
sed -i 's/^\[agent\]/[agent]\nsocket = elsewhere.sock/' "$T/dagd.ini"
kill -HUP "$AGENT_PID"
check "journal: SIGHUP is info" wait_for 10 grep -q '^<6>dagd: SIGHUP, reloading' "$T/agent.log"
check "journal: a change that needs a restart is a warning <4>" \
    wait_for 10 grep -q '^<4>dagd: socket changes at the next start' \
    "$T/agent.log"
check_eq "journal: no debug lines without -v" 0 "$(grep -c 'loaded DAG' "$T/agent.log")"
stop_agent
check "journal: stopping is info" grep -q '^<6>dagd: Terminated, stopping' "$T/agent.log"
check_eq "journal: every line carries a priority" "" "$(log_lines | grep -v '^<[0-7]>')"

# -v: debug lines, <7> under journald.
write_config
: >"$T/agent.log"
JOURNAL_STREAM=$(stat -c '%d:%i' "$T/agent.log")
"$BIN/dagd" -v -c "$T/dagd.ini" 2>>"$T/agent.log" &
AGENT_PID=$!
wait_for 10 ctl status >/dev/null || not_ok "agent -v started"
check "-v: loading a DAG file is a debug line <7>" \
    grep -q "^<7>dagd: loaded DAG good from $T/dags/good.ini" "$T/agent.log"
printf '[task z]\ncommand = true\n' >"$T/dags/added.ini"
check "-v: a DAG file added later is a debug line" \
    wait_for 10 grep -q "^<7>dagd: added DAG added from $T/dags/added.ini" "$T/agent.log"
stop_agent

# JOURNAL_STREAM inherited but stderr is elsewhere (not the journal's
# stream): plain lines, exactly as without systemd.
JOURNAL_STREAM=$(stat -c '%d:%i' "$T/dagd.ini")
: >"$T/agent.log"
start_agent || exit 1
stop_agent
check "stderr not the journal: plain lines" grep -q "^dagd: $T/dags/broken.ini:2: " "$T/agent.log"
check_eq "stderr not the journal: no priority prefixes" "" "$(grep '^<[0-7]>' "$T/agent.log")"
unset JOURNAL_STREAM
