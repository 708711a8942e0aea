#!/bin/bash
# Run every suite against the binaries in BUILD (default build/san): cmocka
# unit tests, then the end-to-end scripts. One summary line at the end.
set -u
BUILD=${1:-build/san}
export DAGD_BIN=$PWD/$BUILD/bin
export ASAN_OPTIONS=detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
passed=0 failed=0 skipped=0
out=$(mktemp)

for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    echo "== unit: $(basename "$t")"
    "$t" >"$out" 2>&1
    rc=$?
    p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$out" | awk '{s+=$1} END {print s+0}')
    f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$out" | awk '{s+=$1} END {print s+0}')
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    [ "$f" -ne 0 ] && cat "$out"
    echo "   $p passed, $f failed"
    passed=$((passed + p)) failed=$((failed + f))
done

for t in tests/e2e/test_*.sh; do
    echo "== e2e: $(basename "$t")"
    start=$(date +%s)
    # A hung suite must not hang CI.
    timeout -k 10 "${SUITE_TIMEOUT:-600}" bash "$t" >"$out" 2>&1
    rc=$?
    p=$(grep -c '^ok ' "$out")
    f=$(grep -c '^not ok ' "$out")
    s=$(grep -c '^skip ' "$out")
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1
        echo "not ok - $t exited $rc"
    fi
    grep -E '^(not ok|skip) ' "$out"
    [ "$f" -ne 0 ] && tail -n 40 "$out"
    echo "   $p passed, $f failed, $s skipped ($(($(date +%s) - start)) s)"
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
done
rm -f "$out"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
