#!/bin/sh
# scripts/demo_dags.sh OUT: the examples as `make demo` runs them on a
# swarm, in folder OUT (made afresh): every examples/*.ini as a link (their
# relative paths still resolve against examples/, the link's target), but
# ml_pipeline.ini a copy whose train is a swarm task (`executor = swarm`;
# `pull` dropped: the swarm ignores it) and whose ../var/model is spelled
# out (a copy is read from OUT, not from examples/).
set -eu
OUT=${1:?usage: scripts/demo_dags.sh OUT}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
rm -rf "$OUT"
mkdir -p "$OUT"
for f in "$ROOT"/examples/*.ini; do
    [ "$(basename "$f")" = ml_pipeline.ini ] || ln -s "$f" "$OUT/"
done
{
    echo "; Made by scripts/demo_dags.sh from examples/ml_pipeline.ini: train runs on the swarm."
    awk -v model="$ROOT/var/model" '
        /^\[/ { train = ($0 == "[task train]") }
        train && /^pull *=/ { next }
        !/^;/ { gsub(/\.\.\/var\/model/, model) }
        { print }
        $0 == "[task train]" { print "executor = swarm" }' "$ROOT/examples/ml_pipeline.ini"
} >"$OUT/ml_pipeline.ini"
