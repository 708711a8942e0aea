#!/bin/bash
# What the hand-made spawn (agent/proc_spawn.c) could get wrong beyond
# test_spawn.sh: the try's shell starts with no signal blocked and none of
# the agent's handlers; a folder that is gone is a clear error in the try's
# log; signals to the agent's process group while it spawns do not run the
# agent's handlers from a child (a reload per SIGHUP, not more); a thousand
# tries leave no zombie and no descriptor behind.
. "$(dirname "$0")/lib.sh"

# A DAG whose file is a link into another folder: that folder is the try's
# working directory, and it can be taken away under the agent.
mkdir "$T/away"
cat >"$T/away/gone.ini" <<DAG
[task probe]
command = true
DAG
ln -s "$T/away/gone.ini" "$T/dags/gone.ini"
cat >"$T/probe.sh" <<'SH'
# The shell's own status, read by the shell: a child (grep) would see a
# shell that blocks signals while it waits for it.
while read -r key value; do
    case $key in SigBlk: | SigCgt:) echo "$key	$value" ;; esac
done </proc/$$/status
SH
cat >"$T/dags/probe.ini" <<DAG
[task probe]
command = . $T/probe.sh
DAG
{
    for i in $(seq 1 100); do printf '[task t%s]\ncommand = true\n' "$i"; done
} >"$T/dags/wide.ini"

# A session of its own: signals to its process group reach the agent and
# the children it has not yet moved to theirs, not this script.
DAGD_WRAP="setsid ${DAGD_WRAP:-}" start_agent || exit 1

run=$(ctl trigger probe)
ctl wait probe "$run" --timeout 30 >/dev/null
log=$(task_log probe "$run" probe)
check_eq "the try's shell has no signal blocked" "SigBlk:	0000000000000000" \
    "$(grep '^SigBlk' <<<"$log")"
cgt=$(awk '$1 == "SigCgt:" { print $2 }' <<<"$log")
# SIGHUP (1) and SIGTERM (15) have the agent's handlers (libuv's).
check "SIGHUP and SIGTERM are not caught in the try's shell ($cgt)" \
    test -n "$cgt" -a $((0x${cgt:-1} & 0x4001)) -eq 0

# --- a SIGHUP storm on the agent's group while it spawns ----------------
reloads() { grep -c 'SIGHUP, reloading' "$T/agent.log"; }
before=$(reloads)
sent=0
runs=()
for d in 01 02 03; do runs+=("$(ctl trigger wide --date "2026-01-$d")"); done
for _ in $(seq 1 60); do
    kill -HUP -- "-$AGENT_PID" && sent=$((sent + 1))
    sleep 0.01 # pacing the storm, not synchronising
done
done_runs=0
for r in "${runs[@]}"; do
    ctl wait wide "$r" --timeout 120 >/dev/null
    case $(run_state wide "$r") in success | failed) done_runs=$((done_runs + 1)) ;; esac
done
check_eq "the three runs under the storm end" 3 "$done_runs"
check "the agent reloaded at least once" wait_for 10 sh -c "[ \$(grep -c 'SIGHUP, reloading' $T/agent.log) -gt $before ]"

# --- a thousand tries leave nothing behind -------------------------------
fds() { ls "/proc/$AGENT_PID/fd" | wc -l; }
zombies() { ps -o stat= --ppid "$AGENT_PID" | grep -c '^Z'; }
fds_before=$(fds)
ok_runs=0
for d in $(seq 1 10); do
    r=$(ctl trigger wide --date "2026-02-$(printf %02d "$d")")
    ctl wait wide "$r" --timeout 120 >/dev/null
    [ "$(run_state wide "$r")" = success ] && ok_runs=$((ok_runs + 1))
done
check_eq "1,000 tries in a row succeed" 10 "$ok_runs"
check "they leave no zombie" wait_for 5 sh -c "[ \$(ps -o stat= --ppid $AGENT_PID | grep -c '^Z') = 0 ]"
check "they leave no descriptor open in the agent ($fds_before before)" \
    wait_for 5 sh -c "[ \$(ls /proc/$AGENT_PID/fd | wc -l) = $fds_before ]"

# --- a working directory that is gone ------------------------------------
mv "$T/away" "$T/away.moved"
failed=0
for d in $(seq 1 20); do
    r=$(ctl trigger gone --date "2026-03-$(printf %02d "$d")")
    ctl wait gone "$r" --timeout 30 >/dev/null
    [ "$(ti_state gone "$r" probe)" = failed ] && failed=$((failed + 1))
done
check_eq "a try whose folder is gone fails (20 of 20)" 20 "$failed"
check_eq "its log says why" "[dagd] cannot start /bin/sh in $T/away: No such file or directory" \
    "$(task_log gone "$r" probe | grep '^\[dagd\] cannot start')"
check "the failed starts leave no zombie" wait_for 5 sh -c "[ \$(ps -o stat= --ppid $AGENT_PID | grep -c '^Z') = 0 ]"
check "nor a descriptor" wait_for 5 sh -c "[ \$(ls /proc/$AGENT_PID/fd | wc -l) = $fds_before ]"
mv "$T/away.moved" "$T/away"
r=$(ctl trigger gone --date 2026-04-01)
ctl wait gone "$r" --timeout 30 >/dev/null
check_eq "with its folder back, the next try runs" success "$(ti_state gone "$r" probe)"

got=$(($(reloads) - before))
check "the agent reloaded once per SIGHUP at most ($got for $sent sent)" test "$got" -le "$sent"
stop_agent
