#!/bin/bash
# scripts/swarm.sh, which make test runs around the suites, against a fake
# `docker` (the real swarm is shared: this suite never touches it): it inits
# a swarm only when the engine is in none, leaves only the one it made, and
# leaves a swarm found active, a worker's, or one made since by someone
# else, alone; both steps are idempotent.
. "$(dirname "$0")/lib.sh"

SCRIPT=$(cd "$(dirname "$0")/../.." && pwd)/scripts/swarm.sh
mkdir -p "$T/bin" "$T/fake"
# The fake engine's swarm state is "$T/fake/state" (state control node-id), its
# calls are appended to "$T/fake/calls"; no state file: unreachable.
cat >"$T/bin/docker" <<'FAKE'
#!/bin/sh
S=$FAKE_DIR/state
echo "$*" >>"$FAKE_DIR/calls"
case "$1 $2" in
"info --format") [ -f "$S" ] && cat "$S" || exit 1 ;;
"swarm init") echo "active true new$$" >"$S" ;;
"swarm leave") echo "inactive false " >"$S" ;;
*) exit 3 ;;
esac
FAKE
chmod +x "$T/bin/docker"
export FAKE_DIR=$T/fake PATH="$T/bin:$PATH"
swarm() { "$SCRIPT" "$@" 2>>"$T/stderr"; }
calls() { grep -c "^swarm $1" "$T/fake/calls" 2>/dev/null; }
reset() {
    rm -f "$T/fake/calls"
    touch "$T/fake/calls"
    if [ -n "$1" ]; then echo "$1" >"$T/fake/state"; else rm -f "$T/fake/state"; fi
}

reset "inactive false "
token=$(swarm up)
check_eq "no swarm: up exits 0" 0 "$?"
check "no swarm: up inits one, advertised on 127.0.0.1" grep -qx "swarm init --advertise-addr 127.0.0.1" "$T/fake/calls"
check_eq "no swarm: up prints the token of the swarm it made" "inited:$(cut -d' ' -f3 "$T/fake/state")" "$token"
again=$(swarm up)
check_eq "up again: a swarm is active now, no second init, no token" "1 " "$(calls init) $again"
swarm down "$token"
check_eq "down with the token: the swarm it made is left" "1 inactive" "$(calls leave) $(cut -d' ' -f1 "$T/fake/state")"
swarm down "$token"
check_eq "down again: nothing left to leave, no second leave" 1 "$(calls leave)"

reset "active true found1"
token=$(swarm up)
check_eq "an active swarm: up exits 0, inits nothing, prints no token" "0 0 " "$? $(calls init) $token"
swarm down "$token"
check_eq "an active swarm found: down leaves it alone" "0 active" "$(calls leave) $(cut -d' ' -f1 "$T/fake/state")"

reset "inactive false "
token=$(swarm up)
echo "active true someone_else" >"$T/fake/state" # left and re-made by another run meanwhile
swarm down "$token"
check_eq "a swarm made since by someone else is left alone" 0 "$(calls leave)"

reset "active false worker1"
swarm up >/dev/null
check_eq "a worker: up fails (tests skip), inits nothing" "1 0" "$? $(calls init)"

reset "pending false x"
swarm up >/dev/null
check_eq "a pending swarm: up fails, touches nothing" "1 0 0" "$? $(calls init) $(calls leave)"

reset ""
swarm up >/dev/null
check_eq "no engine: up fails, saying why" "1 1" "$? $(grep -c 'no Docker engine' "$T/stderr")"
swarm down "inited:x"
check_eq "no engine: down does nothing and succeeds" 0 "$?"

reset "inactive false "
token=$(DRY_RUN=1 swarm up)
check_eq "DRY_RUN: up says what it would do and does nothing" "0 inactive" "$(calls init) $(cut -d' ' -f1 "$T/fake/state")"
check "DRY_RUN: the would-run line" grep -q "would run: docker swarm init --advertise-addr 127.0.0.1" "$T/stderr"
check_eq "a bad token is refused" 1 "$(swarm down bogus; echo $?)"

# make demo's DAGs on a swarm (scripts/demo_dags.sh): the examples, with
# ml_pipeline's train as a swarm task, all valid for dagd --check.
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
"$ROOT/scripts/demo_dags.sh" "$T/dd"
check_eq "demo DAGs: every example is there" "$(cd "$ROOT/examples" && ls ./*.ini | tr '\n' ' ')" \
    "$(cd "$T/dd" && ls ./*.ini | tr '\n' ' ')"
train=$(awk '/^\[/ { t = ($0 == "[task train]") } t' "$T/dd/ml_pipeline.ini")
check "demo DAGs: train is a swarm task" grep -qx "executor = swarm" <<<"$train"
check "demo DAGs: train mounts the model folder by its absolute path" \
    grep -qx "volumes = $ROOT/var/model:/model" <<<"$train"
check "demo DAGs: no pull on the swarm task (ignored there)" sh -c "! grep -q '^pull' <<EOF
$train
EOF"
check_eq "demo DAGs: the other tasks are as in the example" \
    "$(grep -c '^executor' "$ROOT/examples/ml_pipeline.ini")" "$(($(grep -c '^executor' "$T/dd/ml_pipeline.ini") - 1))"
printf '[agent]\nstate_dir = st\ndags_dir = dd\n[pool db]\nslots = 2\n' >"$T/check.ini"
out=$("$BIN/dagd" -c "$T/check.ini" --check 2>&1)
check_eq "demo DAGs: dagd --check accepts them" 0 "$?"
check "demo DAGs: without a warning" sh -c "! grep -qi warn <<EOF
$out
EOF"
