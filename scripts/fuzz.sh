#!/bin/bash
# `make fuzz`: the libFuzzer targets under tests/fuzz/.
#   scripts/fuzz.sh deps                 install clang and its fuzzer runtime if missing
#   scripts/fuzz.sh run SECONDS BIN...   run each target for SECONDS on a scratch copy of
#                                        tests/fuzz/corpus/<target>/ (the repo's corpus
#                                        stays as it is); crashes go to build/fuzz/artifacts/
set -u

deps() {
    local pkgs="clang libclang-rt-dev" missing="" p
    for p in $pkgs; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
            missing="$missing $p"
        fi
    done
    [ -z "$missing" ] && return 0
    echo "fuzz: installing$missing"
    local sudo=sudo
    [ "$(id -u)" -eq 0 ] && sudo=""
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    # shellcheck disable=SC2086
    $sudo apt-get install -y -qq $missing >/dev/null
}

run() {
    local secs=$1 status=0 total=0
    shift
    for bin in "$@"; do
        local t=${bin##*/fuzz_}
        local work log art dict=()
        work=$(mktemp -d)
        log=build/fuzz/$t.log
        art=build/fuzz/artifacts/$t/
        mkdir -p "$art"
        cp -r "tests/fuzz/corpus/$t/." "$work/"
        [ -f "tests/fuzz/$t.dict" ] && dict=(-dict="tests/fuzz/$t.dict")
        "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
            -artifact_prefix="$art" "${dict[@]}" "$work" >"$log" 2>&1
        local rc=$?
        local runs elapsed corpus
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
        elapsed=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
        corpus=$(find "$work" -type f | wc -l)
        runs=${runs:-0}
        [ "${elapsed:-0}" -gt 0 ] || elapsed=$secs
        printf 'fuzz: %-9s %10s executions in %4s s, %7s exec/s, corpus %s\n' "$t" "$runs" \
            "$elapsed" "$((runs / elapsed))" "$corpus"
        if [ "$rc" -ne 0 ]; then
            echo "fuzz: $t FAILED (exit $rc); log $log, input in $art"
            grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" | head -n 5
            status=1
        fi
        total=$((total + runs))
        rm -rf "$work"
    done
    echo "fuzz: $total executions in all"
    return $status
}

case "${1:-}" in
deps) deps ;;
run)
    shift
    run "$@"
    ;;
*)
    echo "usage: $0 deps | run SECONDS BIN..." >&2
    exit 2
    ;;
esac
