#!/bin/bash
# make valgrind: the end-to-end suites against the release agent under
# valgrind (memcheck); a definite leak or an invalid access fails the suite.
# Timing checks get more room: valgrind slows the agent many times over.
set -u
export DAGD_BIN=$PWD/bin
export DAGD_WRAP="valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite --error-exitcode=97 --trace-children=no"
export START_TIMEOUT=60 SUITE_TIMEOUT=1200 LIVENESS_TIMEOUT=15
passed=0 failed=0
for t in ${VALGRIND_SUITES:-test_basics test_controls test_spawn test_spawn_edges test_protocol test_reload test_retention test_outputs test_versions test_swarm test_backfill_steps}; do
    out=$(mktemp)
    timeout -k 10 "$SUITE_TIMEOUT" bash "tests/e2e/$t.sh" >"$out" 2>&1
    p=$(grep -c '^ok ' "$out") f=$(grep -c '^not ok ' "$out")
    grep '^not ok' "$out"
    echo "== valgrind: $t: $p passed, $f failed"
    passed=$((passed + p)) failed=$((failed + f))
    rm -f "$out"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
