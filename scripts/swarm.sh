#!/bin/sh
# The one-node swarm of the test suites, left as it was found.
#
#   scripts/swarm.sh up          init a swarm when this engine is in none;
#                                prints "inited:NODE_ID" on stdout when it
#                                made one (nothing when one was active)
#   scripts/swarm.sh down TOKEN  leave the swarm only if TOKEN is what `up`
#                                printed and that swarm is still this node's
#                                (an empty TOKEN: do nothing)
#
# The token travels in the caller's shell, not in a file: two `make test`
# at once never leave a swarm the other one made or found. Both are
# idempotent. DRY_RUN=1 says what it would do instead of doing it.
set -u
ADDR=${SWARM_ADVERTISE_ADDR:-127.0.0.1}

say() { echo "swarm: $*" >&2; }
run() {
    if [ "${DRY_RUN:-0}" = 1 ]; then
        say "would run: $*"
    else
        "$@"
    fi
}
state() { docker info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}} {{.Swarm.NodeID}}' 2>/dev/null; }

up() {
    s=$(state) || { say "no Docker engine reachable: swarm tests will skip"; return 1; }
    set -- $s
    case "$1" in
    active)
        if [ "$2" = true ]; then
            say "a swarm is active on this engine (node $3): used as it is"
            return 0
        fi
        say "this engine is a swarm worker, not a manager: swarm tests will skip"
        return 1
        ;;
    inactive)
        say "no swarm: docker swarm init --advertise-addr $ADDR (left after the tests)"
        run docker swarm init --advertise-addr "$ADDR" >/dev/null || {
            say "docker swarm init failed: swarm tests will skip"
            return 1
        }
        [ "${DRY_RUN:-0}" = 1 ] && { echo "inited:DRY_RUN"; return 0; }
        set -- $(state)
        echo "inited:$3"
        ;;
    *)
        say "the swarm of this engine is $1: left alone, swarm tests will skip"
        return 1
        ;;
    esac
}

down() {
    token=${1:-}
    case "$token" in
    inited:?*) ;;
    "") return 0 ;; # it was found active, or could not be made
    *)
        say "unknown token \"$token\": nothing done"
        return 1
        ;;
    esac
    s=$(state) || { say "no Docker engine reachable: nothing to leave"; return 0; }
    set -- $s
    if [ "$1" != active ]; then
        return 0 # left already
    fi
    if [ "inited:$3" != "$token" ]; then
        say "the active swarm (node $3) is not the one the tests made: left alone"
        return 0
    fi
    say "leaving the swarm the tests made"
    run docker swarm leave --force >/dev/null
}

case "${1:-}" in
up) up ;;
down) down "${2:-}" ;;
*)
    echo "usage: scripts/swarm.sh up | down TOKEN" >&2
    exit 2
    ;;
esac
