#!/bin/bash
# dagtop at 80x24, what an Airflow operator also expects (issue 15): the
# tries of a task in the log view, search in a log, jumps to failed cells
# across pages of history, a state filter, durations with a slow cell, the
# run view with its Gantt bars, the rendered command, the audit log, the
# dependencies, the mouse, and the help listing it all; with LANG=C no byte
# above 0x7F. Screens are read with capture-pane and polled with a deadline.
. "$(dirname "$0")/lib.sh"

if ! command -v tmux >/dev/null; then
    echo "skip - tmux is not installed"
    exit 0
fi
TMUX_SOCK=dagtop-more-$$
tm() { tmux -L "$TMUX_SOCK" -f /dev/null "$@"; }
trap 'tm kill-server 2>/dev/null; cleanup' EXIT

cat >"$T/dags/flaky.ini" <<DAG
[task before]
command = echo before
[task flaky]
upstream = before
retries = 2
retry_delay = 0s
env = SECRET_TOKEN=hunter2
command = n=\$(cat $T/count 2>/dev/null || echo 0); echo \$((n+1)) >$T/count; echo attempt \$((n+1)) on {{ ds }}; [ \$n -ge 2 ]
[task after]
upstream = flaky
command = echo after
[task chatty]
command = for i in \$(seq 1 80); do case \$i in 30) echo needle one;; 70) echo needle two;; *) echo line \$i;; esac; done
[task gated]
command = echo started; while [ ! -e $T/go ]; do sleep 0.05; done; echo released
DAG
# 128 days of history, two failures far apart (one beyond the first 100
# runs dagtop loads) and one slow try.
d() { date -u -d "$1 days" +%Y-%m-%d; }
old_fail=$(d -125) new_fail=$(d -20) slow_day=$(d -10)
cat >"$T/dags/hist.ini" <<DAG
[dag]
schedule = @daily
start_date = 2000-01-01
catchup = false
max_active_runs = 16
[task prep]
command = true
[task work]
upstream = prep
command = case {{ ds }} in $old_fail|$new_fail) exit 1;; $slow_day) sleep 1.6;; esac
DAG
start_agent || exit 1
run=$(ctl trigger flaky --date 2026-01-01)
ctl backfill hist --from "$(d -128)" --to "$(d -3)" >/dev/null
hist_done() {
    [ "$(jctl grid hist --limit 200 | jq '[.runs[] | select(.state == "success" or .state == "failed")] | length')" -ge 126 ]
}
check "the history ran" wait_for 90 hist_done
flaky_done() { [ "$(ti_state flaky "$run" after)" = success ] && [ "$(ti_state flaky "$run" chatty)" = success ]; }
check "the flaky run got to its last task" wait_for 30 flaky_done

pane() { tm capture-pane -p -t dt; }
has() { pane | grep -qF -- "$1"; }
lacks() { ! pane | grep -qF -- "$1"; }
keys() { tm send-keys -t dt "$@"; }
see() { # DESCRIPTION TEXT [SECONDS]
    if wait_for "${3:-15}" has "$2"; then ok "$1"; else
        not_ok "$1 (no \"$2\" on screen)"
        pane | sed 's/^/#   /'
    fi
}
gone() { # DESCRIPTION TEXT
    if wait_for 10 lacks "$2"; then ok "$1"; else
        not_ok "$1 (\"$2\" still on screen)"
        pane | sed 's/^/#   /'
    fi
}
start_dagtop() {
    tm new-session -d -s dt -x 80 -y 24 \
        "env $* ASAN_OPTIONS=$ASAN_OPTIONS UBSAN_OPTIONS=$UBSAN_OPTIONS \
         $BIN/dagtop -s $SOCK 2>>$T/dagtop.err"
}
session_gone() { ! tm has-session -t dt 2>/dev/null; }
# A mouse press at column X, row Y (0-based), as an xterm sends it.
click() {
    local xy
    xy=$(printf '%b%b' "\\$(printf '%03o' $((33 + $1)))" "\\$(printf '%03o' $((33 + $2)))")
    keys -l $'\033[M '"$xy"$'\033[M#'"$xy"
}

start_dagtop LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen-256color
see "the list is up" "hist"
keys / f l a k Enter Enter
see "the flaky grid" "before flaky after"
keys Right
see "the cursor on flaky" "flaky  manual__2026-01-01"

# --- the log walks the tries -------------------------------------------------
keys l
see "the log opens on the latest try, saying how many" "try 3 of 3"
see "and shows that try's output" "attempt 3 on 2026-01-01"
keys '['
see "[ shows the try before" "try 2 of 3"
see "with its own output" "attempt 2 on 2026-01-01"
keys '['
see "[ again: the first try" "try 1 of 3"
see "its error output is there" "attempt 1 on 2026-01-01"
keys '['
see "[ on the first try says so" "this is the first try"
keys ']' ']'
see "] walks forward to the latest" "try 3 of 3"
keys q
see "back to the grid" "logical date"

# --- search in a log ------------------------------------------------------------
keys '$' Left
see "the cursor on chatty" "chatty  manual__"
keys l
see "chatty's log, following at its end" "line 80"
keys g
see "g goes to the top" "line 1"
keys / n e e d l e
see "/ opens the search prompt" "search /needle"
keys Enter
see "the search scrolls to the first match" "needle one"
check "the second match is further down" lacks "needle two"
keys n
see "n goes to the next match" "needle two"
gone "the first match scrolled away" "needle one"
keys N
see "N goes back to the previous one" "needle one"
keys / C-u z z z Enter
see "a search without match says so" 'no match for "zzz"'
keys q

# --- the rendered command, the dependencies ---------------------------------------
keys 0 Right
see "back on flaky" "flaky  manual__2026-01-01"
see "the detail line names the upstream task" "up 1: before"
see "and the downstream one" "down 1: after"
keys r
see "r opens the command of the tries" "Command  flaky  flaky"
see "the latest try first" "try 3 of 3"
see "the command as rendered, templates filled in" "echo attempt"
see "with the logical date in it" "on 2026-01-01"
see "the env names are listed" "SECRET_TOKEN"
check "env values are never shown" lacks "hunter2"
see "the executor" "local"
keys q
see "q back to the grid" "logical date"
keys u
see "u shows the dependencies" "Dependencies  flaky  flaky"
see "the upstream task with its state" "success          before"
see "the downstream task" "after"
keys q

# --- the audit -------------------------------------------------------------------------
keys A
see "A opens the DAG's audit" "Audit  flaky"
see "with the trigger, newest first" "trigger"
check "only this DAG's records" lacks "backfill"
keys ']'
see "] past the last page says so" "this is the last page"
keys q

# --- the mouse ------------------------------------------------------------------------
tm set -g mouse on
col_of() { pane | grep -m1 'logical date' | awk -v w="$1" '{ print index($0, w) - 1 }'; }
x=$(col_of after)
y=$(pane | grep -n -m1 ' 2026-01-01 ' | cut -d: -f1)
click "$x" $((y - 1))
see "a click selects a cell" "after  manual__2026-01-01"
click "$x" $((y - 1))
click "$x" $((y - 1))
see "a double click opens its log" "after  success  try 1 of 1"
keys q
keys q Escape
see "back on the list" "hist"
ly=$(pane | grep -n -m1 ' hist ' | cut -d: -f1)
click 4 $((ly - 1))
click 4 $((ly - 1))
see "a double click on a DAG opens its grid" "runs 1-"

# --- failures across pages of history ---------------------------------------------------
see "the hist grid" "prep work"
label() { pane | grep -m1 'manual__\|backfill__\|scheduled__' ; }
keys n
see "n jumps to the newer failed cell" "work  backfill__${new_fail}"
keys n
see "n again loads older runs down to the next failed cell" "work  backfill__${old_fail}" 30
keys N
see "N goes back to the newer one" "work  backfill__${new_fail}"
keys N
see "N from the newest failed cell says so" "no newer failed cell"

# --- durations ------------------------------------------------------------------------
keys g d
dur_row() { pane | grep -m1 " $slow_day " | grep -qE ' [1-9]s +'; }
if wait_for 10 dur_row; then ok "d shows durations in the cells"; else
    not_ok "d shows durations in the cells"
    pane | sed 's/^/#   /'
fi
run_dur() { pane | grep -m1 " $slow_day " | grep -qE '^ [0-9-]+ +. +[1-9]s'; }
check "the run's duration beside its state" wait_for 5 run_dur
sy=$(pane | grep -n -m1 " $slow_day " | cut -d: -f1)
click "$(col_of work)" $((sy - 1))
see "a slow cell says so against its task's median" "SLOW"
keys d
check "d again: glyphs" wait_for 5 lacks "SLOW"

# --- the run view ---------------------------------------------------------------------
keys R
see "R opens the run" "Run  hist  backfill__${slow_day}"
see "its type" "backfill"
see "who made it, from the audit" "$(id -un) (uid $(id -u)), backfill"
see "its params" "{}"
# Over a second, in any of the duration forms (1.2s, 14s, 1m05s, ...); on a
# loaded machine the run may still be going (end "-").
took_line() { pane | grep -qE '^ start +20[0-9-]+ [0-9:]+ +end (20[0-9-]+ [0-9:]+|-) +took ([1-9][0-9.]*s|[0-9]+[mhd][0-9]+[smh])'; }
if wait_for 10 took_line; then ok "start, end and how long it took (over a second)"; else
    not_ok "start, end and how long it took (over a second)"
    pane | sed 's/^/#   /'
fi
version_line() { pane | grep -qE '^ version +[0-9a-f]{12} *$'; }
check "the DAG version it runs on" wait_for 5 version_line
see "its tasks on one time axis" "tasks 1-2 of 2"
bars() { pane | grep -E '^ work' | grep -qF '█'; }
check "the tasks are bars" wait_for 5 bars
keys q

# --- the state filter -------------------------------------------------------------------
keys / s t a t e : f a i l e d Enter
see "state:failed keeps only runs with a failed cell" "runs 1-2 of 2"
gone "other runs are hidden" " $slow_day "
keys Escape
see "Esc clears it" " $slow_day "

# --- help lists the new keys -------------------------------------------------------
keys '?'
see "help lists n / N" "next / previous failed cell"
see "help lists d" "durations in the cells"
keys q
see "help closes" "logical date"

# --- following a running try ------------------------------------------------------
keys q / C-u f l a k Enter Enter
see "back to flaky" "before flaky after"
grun=$(ctl trigger flaky --date 2026-02-01)
keys g '$'
see "the new run's gated cell" "gated  manual__2026-02-01"
keys l
see "the running try's log" "started"
see "the log says it follows" "following"
see "and how many tries" "try 1 of 1"
touch "$T/go"
see "the output arrives live" "released"
keys q q q
check "dagtop quits" wait_for 10 session_gone

# --- LANG=C: nothing but ASCII ------------------------------------------------------
start_dagtop LANG=C LC_ALL=C TERM=screen-256color
tm pipe-pane -t dt "cat >>$T/raw"
see "LANG=C: the list" "hist"
keys / h i s t Enter Enter
see "LANG=C: the grid" "prep work"
keys d n
see "LANG=C: durations" "work  backfill__${new_fail}"
keys R
see "LANG=C: the run view" "Run  hist"
ascii_bars() { pane | grep -E '^ work' | grep -qF '#'; }
check "LANG=C: the bars are #" wait_for 5 ascii_bars
keys q r
see "LANG=C: the command view" "Command  hist"
keys q A
see "LANG=C: the audit view" "Audit  hist"
keys q u
see "LANG=C: the dependencies" "Dependencies  hist"
keys q l
see "LANG=C: the log" "try 1 of 1"
keys / x Enter q '?'
see "LANG=C: the help" "dagtop help - q closes"
keys q q q q
check "dagtop quits from LANG=C" wait_for 10 session_gone
nonascii=$(LC_ALL=C tr -d '\000-\177' <"$T/raw" 2>/dev/null | wc -c)
check_eq "LANG=C: no byte outside ASCII was written" 0 "$nonascii"

if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$T/dagtop.err" 2>/dev/null; then
    not_ok "dagtop has no sanitizer report"
    cat "$T/dagtop.err"
else
    ok "dagtop has no sanitizer report"
fi
stop_agent
