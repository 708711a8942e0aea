#!/bin/bash
# A short run of the live fuzzer (tests/fuzz/live_fuzz.py) in every `make test`:
# protocol bytes and DAG files through hot reload, with subscribers, against a
# running agent. `make fuzz` runs it for FUZZ_SECONDS with a random seed.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
for seed in ${LIVEFUZZ_SEEDS:-1 2}; do
    out=$(python3 "$ROOT/tests/fuzz/live_fuzz.py" --bin "$BIN" --seconds "${LIVEFUZZ_SECONDS:-6}" \
        --seed "$seed" --artifacts "$T/artifacts" 2>&1)
    rc=$?
    echo "# $(tail -n 1 <<<"$out")"
    if [ "$rc" -eq 0 ]; then ok "live fuzz, seed $seed: no finding"; else
        not_ok "live fuzz, seed $seed: $(grep FINDING <<<"$out" | head -n 3)"
        KEEP_T=1
    fi
done
