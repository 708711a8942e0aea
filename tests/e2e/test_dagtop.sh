#!/bin/bash
# dagtop in tmux against a real agent: the list, a grid, live updates from
# runs started by dagctl, the log view following a task, every action and
# its dialog, prompts, help, 80x24, an agent restart, quitting; also the
# ASCII glyphs and NO_COLOR. Screens are read with capture-pane and polled
# with a deadline, never synchronised by sleeping.
. "$(dirname "$0")/lib.sh"

if ! command -v tmux >/dev/null; then
    echo "skip - tmux is not installed"
    exit 0
fi
TMUX_SOCK=dagtop-e2e-$$
tm() { tmux -L "$TMUX_SOCK" -f /dev/null "$@"; }
trap 'tm kill-server 2>/dev/null; cleanup' EXIT

cat >"$T/dags/hello.ini" <<DAG
[params]
greeting = hello
[task say_hello]
command = echo {{ params.greeting }} from {{ ds }}
[task extract_orders]
upstream = say_hello
command = echo extracted
[task load_orders_to_dw]
upstream = extract_orders
command = echo loaded
DAG
cat >"$T/dags/gated.ini" <<DAG
[task wait_for_go]
command = echo waiting; while [ ! -e $T/go ]; do sleep 0.05; done; echo released
DAG
# Backfilled below: a backfill covers ended intervals on or after start_date.
bf0=$(date -u -d '-40 days' +%Y-%m-%d) bf2=$(date -u -d '-38 days' +%Y-%m-%d)
cat >"$T/dags/daily.ini" <<DAG
[dag]
schedule = @daily
start_date = $bf0
catchup = false
[task t]
command = echo daily
DAG
cat >"$T/dags/broken.ini" <<DAG
[task a]
upstream = nope
command = true
DAG
start_agent || exit 1
run=$(ctl trigger hello --date 2026-01-01)
ctl wait hello "$run" --timeout 20 >/dev/null

pane() { tm capture-pane -p -t dt; }
has() { pane | grep -qF -- "$1"; }
lacks() { ! pane | grep -qF -- "$1"; }
# The screen line that starts with a run's logical date.
row() { pane | grep -m1 "^ $1 "; }
row_has() { row "$1" | grep -qF -- "$2"; }
keys() { tm send-keys -t dt "$@"; }
see() { # DESCRIPTION TEXT [SECONDS]
    if wait_for "${3:-15}" has "$2"; then ok "$1"; else
        not_ok "$1 (no \"$2\" on screen)"
        pane | sed 's/^/#   /'
    fi
}
# Start dagtop in a new tmux session; extra env as arguments.
start_dagtop() {
    rm -f "$T/dagtop.rc"
    tm new-session -d -s dt -x 100 -y 30 \
        "env $* ASAN_OPTIONS=$ASAN_OPTIONS UBSAN_OPTIONS=$UBSAN_OPTIONS \
         $BIN/dagtop -s $SOCK 2>>$T/dagtop.err; echo \$? >$T/dagtop.rc"
}
session_gone() { ! tm has-session -t dt 2>/dev/null; }

start_dagtop LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen-256color

# --- the DAG list -----------------------------------------------------------
see "the list shows the DAGs" "hello"
list_order() { pane | grep -oE '^[^a-z]*(broken|daily|gated|hello) ' | grep -oE '[a-z]+' | paste -sd' '; }
check_eq "the list shows every DAG, sorted by id" "broken daily gated hello" "$(list_order)"
see "a broken file shows its error" 'unknown upstream task "nope"'
see "a DAG shows its schedule and next run" "@daily"
hello_recent() { pane | grep -E '^[^a-z]*hello ' | grep -qF '✓'; }
check "the recent run states show as glyphs" wait_for 5 hello_recent
keys /
keys h e l
see "/ filters as you type" "filter: \"hel\""
check "the filter hides other DAGs" wait_for 5 lacks "gated"
keys Enter
see "the cursor is on the one match" "▸ hello"

# --- the grid ---------------------------------------------------------------
keys Enter
see "Enter opens the grid" "logical date"
see "tasks are columns in topological order" "say_hello extract_orders load_orders_to_dw"
see "a run is a row with its logical date" " 2026-01-01 "
see "the detail line shows the cursor's task and run" "say_hello  manual__2026-01-01T00:00:00+00:00"
see "the detail line shows state, try and executor" "success  try 1/1"
see "the detail line shows the executor" "local"
keys Right
see "→ moves to the next task" "extract_orders  manual__2026-01-01"

# --- log view -----------------------------------------------------------------
keys l
see "l opens the task's log" "extracted"
keys q
see "q goes back to the grid" "logical date"
keys Left Enter
see "Enter opens the log of the cell" "hello from 2026-01-01"
keys q
wait_for 5 has "logical date"
keys / e x t Enter
see "/ in the grid keeps the matching tasks" "tasks /ext: 1"
check "the other tasks' columns are hidden" wait_for 5 lacks "load_orders_to_dw"
see "the cursor moves onto a shown task" "extract_orders  manual__2026-01-01"
keys Escape
see "Esc clears the task filter" "load_orders_to_dw"
keys C-l
see "Ctrl-L redraws" "say_hello"

# --- live updates, and following a running task's log -------------------------
keys q
wait_for 5 has "▸ hello"
keys Escape
see "Esc clears the filter" "gated"
keys / g a t Enter Enter
see "the gated grid opens with no runs" "no runs yet"
grun=$(ctl trigger gated --date 2026-02-01)
if wait_for 15 row_has 2026-02-01 "▶"; then ok "a run triggered by dagctl appears, running, without a key"; else
    not_ok "a run triggered by dagctl appears, running, without a key"
    pane | sed 's/^/#   /'
fi
keys l
see "the log of a running task shows its output" "waiting"
see "the log view says it follows" "following"
touch "$T/go"
see "the log follows the task live" "released"
keys q
if wait_for 15 row_has 2026-02-01 "✓"; then ok "the glyph turns to success live"; else
    not_ok "the glyph turns to success live"
    pane | sed 's/^/#   /'
fi

# --- clear / mark dialogs -------------------------------------------------------
keys q / Escape
wait_for 5 has "broken"
keys / h e l l o Enter Enter
wait_for 10 has "say_hello  manual__2026-01-01"
if ctl clear hello 2026-01-01 say_hello --dry-run >/dev/null 2>&1; then
    keys c
    see "c opens the clear dialog" "Clear say_hello"
    see "clear starts with downstream on" "[x] d downstream"
    see "the dialog lists what it will touch" "3 task instances will be cleared"
    see "the list names the task instances" "manual__2026-01-01T00:00:00+00:00  load_orders_to_dw"
    keys d
    see "a toggle updates the list" "1 task instance will be cleared"
    keys d
    see "and back" "3 task instances will be cleared"
    keys y
    see "y applies the clear" "cleared 3 task instances"
    check "the task ran again" wait_for 20 sh -c "[ \"\$($BIN/dagctl -s $SOCK --json grid hello | jq -r '.runs[] | select(.run_id == \"$run\") | .tasks.load_orders_to_dw | \"\(.state) \(.try_number)\"')\" = 'success 2' ]"

    keys Right Right f
    see "f opens the mark failed dialog" "Mark failed load_orders_to_dw"
    see "mark starts with every toggle off" "[ ] d downstream"
    lacks_failed_only() { lacks "failed only"; }
    check "failed only is for clear only" lacks_failed_only
    see "the mark dialog lists its one instance" "1 task instance will be marked failed"
    keys Enter
    see "Enter applies the mark" "marked 1 task instance failed"
    check_eq "the agent has it failed" failed "$(ti_state hello "$run" load_orders_to_dw)"
    wait_for 10 row_has 2026-01-01 "✗"
    check "the grid shows it failed" row_has 2026-01-01 "✗"

    keys s
    see "s opens the mark success dialog" "Mark success load_orders_to_dw"
    see "it lists what it will touch" "1 task instance will be marked success"
    keys Escape
    check "Esc cancels" wait_for 5 lacks "Mark success"
    check_eq "a cancelled mark changes nothing" failed "$(ti_state hello "$run" load_orders_to_dw)"
    keys s
    wait_for 10 has "1 task instance will be marked success"
    keys n
    check "n cancels" wait_for 5 lacks "Mark success"
else
    for a in "clear dialog" "mark failed dialog" "mark success dialog"; do
        echo "skip - $a: the agent has no clear/mark yet"
    done
fi

# --- pause ----------------------------------------------------------------------
keys p
see "p asks before pausing" "Pause DAG hello?"
keys n
check "n leaves it running" wait_for 5 lacks "Pause DAG hello?"
check_eq "not paused" false "$(jctl dags | jq '.[] | select(.dag_id == "hello") | .paused')"
keys p
wait_for 5 has "Pause DAG hello?"
keys y
see "y pauses" "hello paused"
check "the agent has it paused" wait_for 5 sh -c "[ \"\$($BIN/dagctl -s $SOCK --json dags | jq '.[] | select(.dag_id == \"hello\") | .paused')\" = true ]"
see "the title shows it paused" "‖ paused"
keys p
see "p on a paused DAG asks to unpause" "Unpause DAG hello?"
keys Enter
see "Enter unpauses" "hello unpaused"

# --- trigger through the prompts -------------------------------------------------
keys t
see "t asks for the logical date, default now" "logical date [now]"
keys 2 0 2 6 - 0 3 - 0 1 Enter
see "then one prompt per declared param" "param greeting"
keys h e y Enter
see "the last param's Enter triggers" "triggered manual__2026-03-01T00:00:00+00:00"
see "the new run appears in the grid" " 2026-03-01 "
ctl wait hello 2026-03-01 --timeout 20 >/dev/null
check_eq "the param reached the task" "hey from 2026-03-01" "$(task_log hello 2026-03-01 say_hello)"
keys t Enter Enter
see "Enter, Enter triggers now" "triggered manual__$(date -u +%Y-%m-%d)"
keys t 2 0 2 6 - 0 3 - 0 1 Enter Enter
see "a refused trigger shows the agent's error" "trigger: exists"
keys t n o t a d a t e Enter
see "a bad date is refused in the prompt" 'bad date-time "notadate"'
keys Escape

# --- backfill ----------------------------------------------------------------------
keys q / Escape
wait_for 5 has "broken"
keys / d a i l y Enter
wait_for 5 has "▸ daily"
keys b
see "b asks for the start date" "from date"
# shellcheck disable=SC2046 # one key a character
keys $(sed 's/./& /g' <<<"$bf0") Enter
see "then the end date" "to date"
# shellcheck disable=SC2046
keys $(sed 's/./& /g' <<<"$bf2") Enter
see "the backfill reports its runs" "backfill: 3 runs created"
check_eq "the agent made them" 3 "$(jctl grid daily --limit 100 | jq '[.runs[] | select(.run_id | startswith("backfill__"))] | length')"
# shellcheck disable=SC2046
keys b $(sed 's/./& /g' <<<"$bf0") Enter $(sed 's/./& /g' <<<"$bf2") Enter
see "a backfill over dates that have runs creates none" "backfill: 0 runs created"

# --- help ----------------------------------------------------------------------------
keys '?'
see "? shows the help" "dagtop help"
see "the help lists the list's keys" "filter DAGs by id"
keys q
check "q closes the help" wait_for 5 lacks "dagtop help"
keys Enter
wait_for 10 has "logical date"
keys '?'
see "help from the grid starts with the grid's keys" "clear the task instance"
keys j j j j j j j j j j j j j j j j j j j j j j j j j j j j
see "the help scrolls to the dialog keys" "toggle downstream"
keys Escape

# --- 80x24 -------------------------------------------------------------------------------
keys q / Escape
wait_for 5 has "broken"
keys / h e l l o Enter Enter
wait_for 10 has "say_hello"
keys G
see "G goes to the oldest run" "say_hello  manual__2026-01-01"
tm resize-window -t dt -x 80 -y 24
pane_size() { [ "$(tm display -p -t dt '#{pane_width}x#{pane_height}')" = 80x24 ]; }
check "the pane is 80x24" wait_for 5 pane_size
see "the grid still renders at 80x24" "say_hello extract_orders load_orders_to_dw"
check_eq "nothing is drawn past 24 lines" 24 "$(pane | wc -l)"
detail_at_22() { pane | sed -n 22p | grep -q 'say_hello  manual__2026-01-01'; }
check "the detail line is still there" wait_for 5 detail_at_22
check "the runs are there" wait_for 5 row_has 2026-01-01 "✗"

# --- agent restart -------------------------------------------------------------------------
stop_agent
see "a lost agent shows disconnected, retrying" "disconnected, retrying"
start_agent || exit 1
see "dagtop reconnects" "reconnected to the agent"
see "the same DAG comes back" " hello "
see "with the cursor on the same cell" "say_hello  manual__2026-01-01"
r2=$(ctl trigger hello --date 2026-05-01)
see "live updates work after the reconnect" " 2026-05-01 "
ctl wait hello "$r2" --timeout 20 >/dev/null

# --- quit --------------------------------------------------------------------------------------
keys q
see "q goes back to the list" "▸ hello"
keys q
check "q quits from the list" wait_for 10 session_gone
check_eq "dagtop exits 0" 0 "$(cat "$T/dagtop.rc" 2>/dev/null)"

# --- ASCII glyphs, NO_COLOR, colour ---------------------------------------------------------------
start_dagtop LANG=C LC_ALL=C TERM=screen-256color
wait_for 10 has "hello"
keys / h e l l o Enter Enter
wait_for 10 has "logical date"
check "without UTF-8 the glyphs are ASCII" wait_for 10 row_has 2026-05-01 "+"
check "no UTF-8 glyph leaks out" lacks "✓"
coloured() { tm capture-pane -e -p -t dt | grep -qE $'\e\\[[0-9;]*(3[1-7]|38;5;[0-9]+)[;m]'; }
check "states are coloured" coloured
keys q q
wait_for 10 session_gone
start_dagtop LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen-256color NO_COLOR=1
wait_for 10 has "hello"
keys / h e l l o Enter Enter
wait_for 10 row_has 2026-05-01 "✓"
uncoloured() { ! coloured; }
check "NO_COLOR: no colours" uncoloured
keys q q
check "dagtop quits again" wait_for 10 session_gone

if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$T/dagtop.err" 2>/dev/null; then
    not_ok "dagtop has no sanitizer report"
    cat "$T/dagtop.err"
else
    ok "dagtop has no sanitizer report"
fi
stop_agent
