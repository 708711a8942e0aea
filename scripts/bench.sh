#!/bin/bash
# make bench: dagd against a baseline run in the same process tree.
#  - a 200-task chain and a 200-wide fan-out/fan-in of `true` tasks, trigger
#    to finished, against make -j2 running the same graph (one /bin/sh per
#    target), run for run in turn, as ratios of the medians;
#  - the agent's own CPU time per task over those runs (all its threads);
#  - agent RSS with 100 DAGs of 10 tasks loaded;
#  - CPU ticks and context switches of an idle agent over 5 s;
#  - 1,000 DAGs across 50 time zones: load time, RSS, `dags` reply time,
#    and how often a zone file is opened (with strace: once per zone).
set -eu
BIN=${DAGD_BIN:-$PWD/bin}
T=$(mktemp -d "${BENCH_DIR:-/tmp}/dagd-bench.XXXXXX")
SOCK=$T/state/dagd.sock
REPEAT=${REPEAT:-11}
PID=
trap 'rc=$?; [ -n "$PID" ] && kill -KILL $PID 2>/dev/null; [ $rc -ne 0 ] && tail -n 20 "$T/agent.log"; rm -rf "$T"' EXIT

now_ms() { echo $(($(date +%s%N) / 1000000)); }
start_agent() { # DAGS_DIR PARALLELISM
    mkdir -p "$T/state"
    printf '[agent]\nstate_dir = state\ndags_dir = %s\nparallelism = %s\n' "$1" "$2" >"$T/dagd.ini"
    "$BIN/dagd" -c "$T/dagd.ini" 2>>"$T/agent.log" &
    PID=$!
    for _ in $(seq 500); do [ -S "$SOCK" ] && return 0; sleep 0.01; done
    echo "agent did not start"; cat "$T/agent.log"; exit 1
}
stop_agent() { kill -TERM "$PID"; wait "$PID" || true; PID=; rm -rf "$T/state"; }

gen_chain() { # FILE N
    : >"$1"
    for i in $(seq 1 "$2"); do
        printf '[task t%s]\ncommand = true\n' "$i" >>"$1"
        [ "$i" -gt 1 ] && printf 'upstream = t%s\n' $((i - 1)) >>"$1"
    done
    return 0
}
gen_fan() { # FILE N
    printf '[task start]\ncommand = true\n' >"$1"
    ups=""
    for i in $(seq 1 "$2"); do
        printf '[task w%s]\nupstream = start\ncommand = true\n' "$i" >>"$1"
        ups="$ups w$i"
    done
    # the fan-in's upstream list is split over continuation lines (200 chars max)
    printf '[task end]\ncommand = true\nupstream =' >>"$1"
    n=0
    for u in $ups; do
        if [ $((n % 20)) -eq 0 ]; then printf '\n   ' >>"$1"; fi
        printf ' %s' "$u" >>"$1"
        n=$((n + 1))
    done
    printf '\n' >>"$1"
}
make_chain() { # FILE N
    {
        echo "all: t$2"
        echo "t1:"; printf '\t@true;\n'
        for i in $(seq 2 "$2"); do echo "t$i: t$((i - 1))"; printf '\t@true;\n'; done
        echo ".PHONY: all $(seq -f 't%g' 1 "$2" | tr '\n' ' ')"
    } >"$1"
}
make_fan() { # FILE N
    {
        echo "all: end"
        echo "start:"; printf '\t@true;\n'
        for i in $(seq 1 "$2"); do echo "w$i: start"; printf '\t@true;\n'; done
        echo "end: $(seq -f 'w%g' 1 "$2" | tr '\n' ' ')"; printf '\t@true;\n'
        echo ".PHONY: all start end $(seq -f 'w%g' 1 "$2" | tr '\n' ' ')"
    } >"$1"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
now_us() { echo $(($(date +%s%N) / 1000)); }
# DAG MAKEFILE -> "DAGD_MS MAKE_MS MEDIAN,Q1-Q3": medians of REPEAT runs
# each, trigger to finished against make -j2, and the median and quartiles
# of the pairs' own ratios (how far one pair is from the next). The two
# alternate run by run, so that both see the same machine: a VM's speed
# drifts by tens of percent in minutes.
time_pair() {
    for d in $(seq 1 "$REPEAT"); do
        t0=$(now_us)
        run=$("$BIN/dagctl" -s "$SOCK" trigger "$1" --date "2026-01-$(printf %02d "$d")")
        "$BIN/dagctl" -s "$SOCK" wait "$1" "$run" --timeout 600 >/dev/null
        t1=$(now_us)
        make -s -j2 -f "$2" >/dev/null
        echo "$((t1 - t0)) $(($(now_us) - t1))"
    done >"$T/pairs"
    echo "$(cut -d' ' -f1 "$T/pairs" | median | awk '{ printf "%.1f", $1 / 1000 }')" \
        "$(cut -d' ' -f2 "$T/pairs" | median | awk '{ printf "%.1f", $1 / 1000 }')" \
        "$(awk '$2 > 0 { print $1 / $2 }' "$T/pairs" | sort -n |
            awk '{ v[NR] = $1 } END { printf "%.2f,%.2f-%.2f", v[int((NR + 1) / 2)], v[int((NR + 3) / 4)], v[int((3 * NR + 3) / 4)] }')"
}

mkdir -p "$T/graphs"
gen_chain "$T/graphs/chain.ini" 200
gen_fan "$T/graphs/fan.ini" 200
make_chain "$T/chain.mk" 200
make_fan "$T/fan.mk" 200

# parallelism 2, like make -j2; the two alternate so both see the same machine.
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{ print int(($14 + $15) * 1000 / hz) }' "/proc/$PID/stat"; }
start_agent graphs 2
c0=$(cpu_ms)
read -r chain mchain chain_pairs <<<"$(time_pair chain "$T/chain.mk")"
c1=$(cpu_ms)
c2=$c1
read -r fan mfan fan_pairs <<<"$(time_pair fan "$T/fan.mk")"
c3=$(cpu_ms)
# System calls per try in the agent: strace -c on each of its threads (not
# -f, which would count the tries' shells too), over 3 more chains.
per_try=n/a
if command -v strace >/dev/null; then
    threads=$(for t in /proc/"$PID"/task/*; do printf -- '-p %s ' "${t##*/}"; done)
    # shellcheck disable=SC2086
    strace -c -o "$T/calls.txt" $threads 2>/dev/null &
    SPID=$!
    sleep 0.5 # attached (strace prints nothing to wait for)
    for d in 21 22 23; do
        run=$("$BIN/dagctl" -s "$SOCK" trigger chain --date "2026-01-$d")
        "$BIN/dagctl" -s "$SOCK" wait chain "$run" --timeout 600 >/dev/null
    done
    kill -INT "$SPID"
    wait "$SPID" || true
    per_try=$(awk '$NF != "total" && $4 ~ /^[0-9]+$/ { n[$NF] = $4; all += $4 }
        END { printf "%.1f:", all / 600; for (k in n) if (n[k] >= 60) printf " %s %.1f,", k, n[k] / 600 }' \
        "$T/calls.txt" | sed 's/,$//')
fi
stop_agent
# microseconds of agent CPU per task (REPEAT runs of 200, or 202, tasks)
chain_cpu=$(((c1 - c0) * 1000 / (REPEAT * 200)))
fan_cpu=$(((c3 - c2) * 1000 / (REPEAT * 202)))

mkdir -p "$T/many"
for d in $(seq 1 100); do
    f="$T/many/dag$d.ini"
    printf '[dag]\nschedule = 0 3 * * *\nstart_date = 2099-01-01\n' >"$f"
    for i in $(seq 1 10); do
        printf '[task t%s]\ncommand = echo {{ ds }} %s\n' "$i" "$i" >>"$f"
        [ "$i" -gt 1 ] && printf 'upstream = t%s\n' $((i - 1)) >>"$f"
    done
done
start_agent many 16
"$BIN/dagctl" -s "$SOCK" dags >/dev/null
rss=$(awk '/VmRSS/ { print $2 }' "/proc/$PID/status")
sleep 0.5
ticks() { awk '{ print $14 + $15 }' "/proc/$PID/stat"; }
switches() { awk '/ctxt_switches/ { s += $2 } END { print s }' "/proc/$PID/status"; }
t0=$(ticks) c0=$(switches)
sleep 5
t1=$(ticks) c1=$(switches)
stop_agent

# 1,000 small DAGs, 20 in each of 50 zones.
mkdir -p "$T/zones"
zones=$(cd /usr/share/zoneinfo 2>/dev/null && find America Europe Asia Africa Australia -type f 2>/dev/null |
    sort | awk 'NR % 6 == 1' | head -50)
n_zones=$(wc -w <<<"$zones")
zone_list=($zones)
for d in $(seq 0 999); do
    z=${zone_list[$((d % n_zones))]:-UTC}
    printf '[dag]\nschedule = 30 2 * * *\ntimezone = %s\nstart_date = 2099-01-01\n[task a]\ncommand = true\n[task b]\nupstream = a\ncommand = echo {{ ds }}\n' "$z" >"$T/zones/z$d.ini"
done
z0=$(now_ms)
start_agent zones 2
zload=$(($(now_ms) - z0))
"$BIN/dagctl" -s "$SOCK" dags >/dev/null
zrss=$(awk '/VmRSS/ { print $2 }' "/proc/$PID/status")
zdags=$(for _ in 1 2 3 4 5; do
    z0=$(now_ms)
    "$BIN/dagctl" -s "$SOCK" --json dags >/dev/null
    echo $(($(now_ms) - z0))
done | median)
stop_agent
zopens=n/a
if command -v strace >/dev/null; then
    STRACE_OUT=$T/zones.strace
    mkdir -p "$T/state"
    printf '[agent]\nstate_dir = state\ndags_dir = zones\nparallelism = 2\n' >"$T/dagd.ini"
    strace -f -e trace=openat -o "$STRACE_OUT" "$BIN/dagd" -c "$T/dagd.ini" 2>>"$T/agent.log" &
    SPID=$!
    for _ in $(seq 3000); do [ -S "$SOCK" ] && break; sleep 0.01; done
    for _ in 1 2 3; do "$BIN/dagctl" -s "$SOCK" dags >/dev/null; done
    kill -TERM "$(pgrep -P "$SPID" -x dagd)" # the agent, not strace
    wait "$SPID" || true
    PID=
    rm -rf "$T/state"
    zopens=$(grep -c '/usr/share/zoneinfo/' "$STRACE_OUT" || true)
fi

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
echo "dagd bench ($(date -u +%Y-%m-%d), $(nproc) CPUs, median of $REPEAT, state in ${BENCH_DIR:-/tmp}: $(stat -f -c %T "$T"))"
pairs() { printf 'pairs: median %s, quartiles %s' "${1%%,*}" "${1#*,}"; }
printf '  chain 200 x true        dagd %6s ms   make -j2 %6s ms   ratio %sx (%s)\n' "$chain" "$mchain" "$(ratio "$chain" "$mchain")" "$(pairs "$chain_pairs")"
printf '  fan-out/in 200 x true   dagd %6s ms   make -j2 %6s ms   ratio %sx (%s)\n' "$fan" "$mfan" "$(ratio "$fan" "$mfan")" "$(pairs "$fan_pairs")"
printf '  agent CPU per task        chain %d us   fan-out/in %d us\n' "$chain_cpu" "$fan_cpu"
printf '  agent system calls per try (strace -c, every agent thread, chain): %s\n' "$per_try"
printf '  agent RSS, 100 DAGs x 10 tasks: %d KiB (%.1f MiB)\n' "$rss" "$(awk -v r="$rss" 'BEGIN { print r / 1024 }')"
printf '  idle agent over 5 s: %d CPU ticks, %d context switches\n' $((t1 - t0)) $((c1 - c0))
printf '  1,000 DAGs in %d zones: loaded in %d ms, RSS %d KiB, dags %d ms; zone files opened %s times (start + 3 x dags)\n' \
    "$n_zones" "$zload" "$zrss" "$zdags" "$zopens"
