#!/bin/bash
# Outputs between tasks (SPEC "Outputs between tasks"): $DAGD_OUTPUT,
# {{ outputs.TASK.KEY }} as one quoted word (quotes, spaces, $(...),
# backticks and newlines never inject), DAGD_OUTPUT_<TASK>_<KEY>, bad lines,
# a missing output, a file too big, a task that is not upstream (load
# error with file:line), dagctl outputs, clear drops them, Docker tasks.
. "$(dirname "$0")/lib.sh"

MARK=$T/mark
mkdir -p "$MARK"
export MARK

# The producer writes every awkward value there is, and lines that are not
# outputs. Its second try writes less: clear must drop the first's.
cat >"$T/dags/produce.sh" <<'SCRIPT'
{
    printf 'plain=hello world\n'
    printf 'quote=it'"'"'s "quoted" \\ back\n'
    printf 'subst=$(touch %s/p1) `touch %s/p2` ${HOME}\n' "$MARK" "$MARK"
    printf 'semi=a; touch %s/p3 & touch %s/p4 | x\n' "$MARK" "$MARK"
    printf 'multi<<EOF\nline one\n  line '"'"'two'"'"'\n$(touch %s/p5)\nEOF\n' "$MARK"
    printf 'this is not an output\n'
    printf 'count=%s\n' "$(seq 7 | wc -l)"
    printf 'try=%s\n' "$DAGD_TRY_NUMBER"
    if [ "$DAGD_TRY_NUMBER" = 1 ]; then printf 'first_only=yes\n'; fi
} >>"$DAGD_OUTPUT"
SCRIPT
cat >"$T/dags/consume_env.sh" <<'SCRIPT'
printf '[%s]\n' "$DAGD_OUTPUT_PRODUCE_PLAIN" "$DAGD_OUTPUT_PRODUCE_QUOTE" \
    "$DAGD_OUTPUT_PRODUCE_SUBST" "$DAGD_OUTPUT_PRODUCE_MULTI" "$DAGD_OUTPUT_MAKE_IT_SO_V" \
    "${DAGD_OUTPUT_SIBLING_S-unset}" >"$MARK/env.out"
SCRIPT
cat >"$T/dags/out.ini" <<'DAG'
[task produce]
command = sh ./produce.sh
[task make.it-so]
command = echo v=dotted >>"$DAGD_OUTPUT"
[task sibling]
command = echo s=other-branch >>"$DAGD_OUTPUT"
[task mid]
upstream = produce make.it-so
command = true
[task by_template]
upstream = mid
command = printf '[%s]\n' {{ outputs.produce.plain }} {{ outputs.produce.quote }} >"$MARK/tmpl.out"
  printf '[%s]\n' {{ outputs.produce.subst }} {{ outputs.produce.semi }} >>"$MARK/tmpl.out"
  printf '[%s]\n' {{ outputs.produce.multi }} {{ outputs.make.it-so.v }} >>"$MARK/tmpl.out"
  printf '[%s]\n' {{ outputs.produce.missing }} {{ outputs.produce.count }} >>"$MARK/tmpl.out"
[task by_env]
upstream = mid
env = COUNT={{ outputs.produce.count }}
command = sh ./consume_env.sh; echo "count=$COUNT" >>"$MARK/env.out"
DAG
cat >"$T/dags/big.ini" <<'DAG'
[task big]
command = head -c 70000 /dev/zero | tr '\0' a | sed 's/^/k=/' >"$DAGD_OUTPUT"
[task after]
upstream = big
command = true
DAG

start_agent || exit 1
wait_run() { jctl wait "$1" "$2" --timeout "${3:-30}" | jq -r .state; }

run=$(ctl trigger out)
check_eq "the run with outputs succeeds" success "$(wait_run out "$run")"

expected_tmpl=$(printf '[%s]\n' 'hello world' "it's \"quoted\" \\ back" \
    "\$(touch $MARK/p1) \`touch $MARK/p2\` \${HOME}" "a; touch $MARK/p3 & touch $MARK/p4 | x" \
    "line one
  line 'two'
\$(touch $MARK/p5)" dotted '' 7)
check_eq "{{ outputs.T.K }} gives each value as one word, quotes, spaces and newlines intact" \
    "$expected_tmpl" "$(cat "$MARK/tmpl.out")"
expected_env=$(printf '[%s]\n' 'hello world' "it's \"quoted\" \\ back" \
    "\$(touch $MARK/p1) \`touch $MARK/p2\` \${HOME}" "line one
  line 'two'
\$(touch $MARK/p5)" dotted unset; echo count=7)
check_eq "DAGD_OUTPUT_<TASK>_<KEY> (a.b-c as A_B_C) and env = templates carry them; a sibling's are not there" \
    "$expected_env" "$(cat "$MARK/env.out")"
# What `task` says a try ran is what ran: its outputs filled in, their names in its env.
recorded=$(jctl task out "$run" by_template | jq -r '.tries[-1].command')
check "dagctl task shows the command with the outputs filled in" grep -qF "'hello world'" <<<"$recorded"
check "dagctl task lists the outputs' environment names" \
    jq -e '.tries[-1].env_names | index("DAGD_OUTPUT_PRODUCE_COUNT")' <<<"$(jctl task out "$run" by_env)"
check "no value ran as a command (\$(...), backticks, ';', '&', '|')" \
    test -z "$(ls "$MARK" | grep '^p')"

log=$(ctl logs out "$run" produce)
check "a line that is not an output is noted in the producer's log" \
    grep -q '^\[dagd\] output file line 10: ignored' <<<"$log"
log=$(ctl logs out "$run" by_template)
check "a missing output renders as '' with a line in the consumer's log" \
    grep -q "^\[dagd\] {{ outputs.produce.missing }}: task produce stored no output missing" <<<"$log"

j=$(jctl outputs out "$run")
check_eq "dagctl outputs: the quoted value" "it's \"quoted\" \\ back" "$(jq -r .produce.quote <<<"$j")"
check_eq "dagctl outputs: the heredoc value" "line one
  line 'two'
\$(touch $MARK/p5)" "$(jq -r .produce.multi <<<"$j")"
check_eq "dagctl outputs: tasks that wrote nothing are absent" \
    "make.it-so produce sibling" "$(jq -r 'keys | join(" ")' <<<"$j")"
check_eq "dagctl outputs DAG RUN TASK: one task" '{"make.it-so":{"v":"dotted"}}' \
    "$(jctl outputs out "$run" make.it-so | jq -c .)"
check "dagctl outputs (plain): TASK.KEY=VALUE, newlines escaped" \
    grep -qxF "produce.multi=line one\\n  line 'two'\\n\$(touch $MARK/p5)" <<<"$(ctl outputs out "$run")"
ti=$(python3 -c '
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
args = {"dag_id": "out", "run_id": sys.argv[2], "task_id": "produce"}
s.sendall(json.dumps({"id": 1, "cmd": "task_instance", "args": args}).encode() + b"\n")
buf = b""
while not buf.endswith(b"\n"):
    buf += s.recv(65536)
sys.stdout.write(buf.decode())' "$SOCK" "$run")
check_eq "task_instance gives the cell's outputs (dagtop's detail line)" "yes 1" \
    "$(jq -r '.result.outputs | "\(.first_only) \(.try)"' <<<"$ti")"

# Clear drops the outputs of the instance at once; the next try stores its own.
ctl pause out >/dev/null
ctl clear out "$run" produce --yes >/dev/null
check_eq "clear drops the cleared task's outputs" "null" "$(jctl outputs out "$run" | jq -c .produce)"
ctl unpause out >/dev/null
check_eq "the cleared run succeeds again" success "$(wait_run out "$run")"
check_eq "the new try's outputs, without the first try's keys" "2 null" \
    "$(jctl outputs out "$run" produce | jq -r '"\(.produce.try) \(.produce.first_only)"')"

run=$(ctl trigger big)
check_eq "an output file over 64 KiB fails the try" failed "$(wait_run big "$run")"
check "... saying so in its log" grep -q 'bigger than 64 KiB' <<<"$(ctl logs big "$run" big)"
check_eq "... and nothing of it is stored" '{}' "$(jctl outputs big "$run" | jq -c .)"

# A task that is not upstream, directly or not: a load error naming file:line.
mkdir -p "$T/bad/dags"
cat >"$T/bad/dagd.ini" <<'CFG'
[agent]
state_dir = state
dags_dir = dags
CFG
cat >"$T/bad/dags/bad.ini" <<'DAG'
[task a]
command = echo k=1 >>"$DAGD_OUTPUT"
[task b]
command = echo {{ outputs.a.k }}
[task c]
upstream = a
env = X={{ outputs.b.k }}
command = echo {{ outputs.nope.k }} {{ outputs.a.k }}
[task d]
command = echo '{{ outputs.a.k }}'
DAG
out=$("$BIN/dagd" -c "$T/bad/dagd.ini" --check 2>&1)
check_eq "--check fails on outputs of a task that is not upstream" 1 $?
check "b names a, which is not upstream: bad.ini:4" \
    grep -q "bad.ini:4: task b: command: {{ outputs.a.k }}: task a is not upstream of b" <<<"$out"
check "an env item names b, a sibling: bad.ini:7" \
    grep -q "bad.ini:7: task c: env: {{ outputs.b.k }}: task b is not upstream of c" <<<"$out"
check "a task that does not exist: bad.ini:8" \
    grep -q 'bad.ini:8: task c: command: {{ outputs.nope.k }}: there is no task "nope"' <<<"$out"
check "an output inside quotes is refused (it would be unquoted again): bad.ini:10" \
    grep -q "bad.ini:10: task d: command: {{ outputs.a.k }} stands inside single quotes" <<<"$out"

# Docker: the file is bind-mounted at /dagd/output.
IMAGE=dagd-busybox:latest
if docker info >/dev/null 2>&1 && docker image inspect "$IMAGE" >/dev/null 2>&1; then
    P=out$$_
    trap 'c=$(docker ps -aq --filter "label=dagd.dag_id=${P}docker"); [ -n "$c" ] && docker rm -f $c >/dev/null 2>&1; cleanup' EXIT
    stop_agent
    cat >"$T/dagd.ini" <<CFG
[agent]
state_dir = state
dags_dir = dags
[docker]
host = ${DOCKER_HOST:-unix:///var/run/docker.sock}
CFG
    cat >"$T/dags/${P}docker.ini" <<DAG
[task box]
image = $IMAGE
user = 65534
command = sh -c 'echo "where=\$DAGD_OUTPUT" >>"\$DAGD_OUTPUT"; echo "q=it'"'"'s \$(id -u)" >>"\$DAGD_OUTPUT"'
[task local]
upstream = box
command = printf '%s|%s' {{ outputs.box.q }} "\$DAGD_OUTPUT_BOX_WHERE" >"$MARK/docker.out"
DAG
    start_agent || exit 1
    run=$(ctl trigger "${P}docker")
    check_eq "a Docker task's outputs reach a local task downstream" success \
        "$(wait_run "${P}docker" "$run" 60)"
    check_eq "... written at /dagd/output by a non-root user, values intact" \
        "it's 65534|/dagd/output" "$(cat "$MARK/docker.out" 2>/dev/null)"
else
    echo "ok - # skip docker outputs: no engine or no $IMAGE"
fi

stop_agent
