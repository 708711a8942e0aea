#!/bin/bash
# Hot reload: new, edited, broken and removed DAG files take effect within
# 1 s without a restart; SIGHUP reloads the agent config.
. "$(dirname "$0")/lib.sh"
printf '[task one]\ncommand = echo one\n' >"$T/dags/a.ini"
start_agent || exit 1

dag_ids() { jctl dags | jq -r '[.[].dag_id] | join(" ")'; }
has_dags() { [ "$(dag_ids)" = "$1" ]; }

printf '[task x]\ncommand = echo x\n' >"$T/dags/b.ini"
check "a new file is loaded within 1 s" wait_for 1 has_dags "a b"

run=$(ctl trigger b)
ctl wait b "$run" --timeout 10 >/dev/null
cat >"$T/dags/a.ini" <<'DAG'
[task one]
command = echo one
[task two]
upstream = one
command = echo two
DAG
tasks() { jctl grid a | jq -r '.tasks | join(" ")'; }
check "an edited file takes effect within 1 s" wait_for 1 sh -c "[ \"\$($BIN/dagctl -s $SOCK --json grid a | jq -r '.tasks | join(\" \")')\" = 'one two' ]"

printf '[task one]\ncommand = echo one\nupstream = nowhere\n' >"$T/dags/a.ini"
err() { jctl dags | jq -r '.[] | select(.dag_id == "a") | .error // ""'; }
check "a broken file shows its error within 1 s" wait_for 1 sh -c "$BIN/dagctl -s $SOCK --json dags | jq -e '.[] | select(.dag_id == \"a\") | .error | test(\"a.ini:3\")' >/dev/null"
run=$(ctl trigger a)
ctl wait a "$run" --timeout 10 >/dev/null
check_eq "the last good version keeps running" "success success" "$(jctl grid a | jq -r '.runs[0].tasks | [.one.state, .two.state] | join(" ")')"
printf '[task one]\ncommand = echo one\n' >"$T/dags/a.ini"
check "fixing the file clears the error" wait_for 1 sh -c "[ -z \"\$($BIN/dagctl -s $SOCK --json dags | jq -r '.[] | select(.dag_id == \"a\") | .error // \"\"')\" ]"

rm "$T/dags/b.ini"
check "a removed file's DAG goes within 1 s" wait_for 1 has_dags "a"
printf '[task x]\ncommand = echo x\n' >"$T/dags/b.ini"
wait_for 1 has_dags "a b"
check_eq "its history stayed in the store" 1 "$(jctl grid b | jq '.runs | length')"

# Two files removed in one pass: the second one's "removed" event comes
# while the first one's entry is already freed (its subscribers read the list).
printf '[task x]\ncommand = echo x\n' >"$T/dags/gone1.ini"
printf '[task x]\ncommand = echo x\n' >"$T/dags/gone2.ini"
wait_for 1 has_dags "a b gone1 gone2"
rm "$T/dags/gone1.ini" "$T/dags/gone2.ini"
check "two files removed at once both go" wait_for 1 has_dags "a b"
check "and the agent lives on" kill -0 "$AGENT_PID"

# An edit while a run is active: that run finishes on its version (DAG
# versions), the next run has the new task.
cat >"$T/dags/c.ini" <<DAG
[task slow]
command = touch $T/slow_started; sleep 1
DAG
wait_for 1 has_dags "a b c"
run=$(ctl trigger c)
wait_for 10 test -e "$T/slow_started"
cat >"$T/dags/c.ini" <<DAG
[task slow]
command = touch $T/slow_started; sleep 1
[task added]
upstream = slow
command = echo added
DAG
wait_for 1 sh -c "[ \"\$($BIN/dagctl -s $SOCK --json grid c | jq -r '.tasks | join(\" \")')\" = 'slow added' ]"
ctl wait c "$run" --timeout 10 >/dev/null
check_eq "a task added during a run does not join it (the run keeps its version)" null "$(ti_state c "$run" added)"
check_eq "the running task was not disturbed" success "$(ti_state c "$run" slow)"
next=$(ctl trigger c)
ctl wait c "$next" --timeout 10 >/dev/null
check_eq "the next run has the added task" success "$(ti_state c "$next" added)"

# SIGHUP: the agent config again.
sed -i 's/^parallelism = .*/parallelism = 3/' "$T/dagd.ini"
kill -HUP "$AGENT_PID"
check "SIGHUP applies a new parallelism" wait_for 2 sh -c "[ \"\$($BIN/dagctl -s $SOCK --json status | jq .parallelism)\" = 3 ]"
printf 'this is not ini\n' >>"$T/dagd.ini"
kill -HUP "$AGENT_PID"
check "a broken config on SIGHUP keeps the running one" wait_for 2 grep -q "running config stays" "$T/agent.log"
check_eq "and the agent still answers" 3 "$(jctl status | jq .parallelism)"
stop_agent
