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
# Backfilled below (catchup = false: the scheduler makes only the latest run).
bf0=$(date -u -d '-40 days' +%Y-%m-%d) bf2=$(date -u -d '-38 days' +%Y-%m-%d)
cat >"$T/dags/daily.ini" <<DAG
[dag]
schedule = @daily
start_date = 2000-01-01
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
# The columns' header (the detail line may name the cell's neighbours).
columns_have() { pane | grep -m1 'logical date' | grep -qF -- "$1"; }
columns_lack() { ! columns_have "$1"; }
check "the other tasks' columns are hidden" wait_for 5 columns_lack "load_orders_to_dw"
see "the cursor moves onto a shown task" "extract_orders  manual__2026-01-01"
keys Escape
check "Esc clears the task filter" wait_for 5 columns_have "load_orders_to_dw"
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
# A date that has a run is refused right after the date, not after the params.
keys t 2 0 2 6 - 0 3 - 0 1 Enter
see "a date that has a run is refused at the date prompt" "already has a run"
check "no param is asked for a taken date" lacks "param greeting"
see "the date prompt stays open to fix it" "logical date [now]"
keys Escape
check "Esc closes it" wait_for 5 lacks "already has a run"
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
# b says how many runs it will create and asks first, as clear does.
see "b shows how many runs it will create" "3 runs will be created"
see "and their dates" "$bf0"
see "b asks to confirm" "y/Enter create"
bf_count() { jctl grid daily --limit 100 | jq '[.runs[] | select(.run_id | startswith("backfill__"))] | length'; }
check_eq "nothing is created before the answer" 0 "$(bf_count)"
keys n
check "n cancels the backfill" wait_for 5 lacks "runs will be created"
check_eq "a cancelled backfill creates nothing" 0 "$(bf_count)"
# shellcheck disable=SC2046
keys b $(sed 's/./& /g' <<<"$bf0") Enter $(sed 's/./& /g' <<<"$bf2") Enter
wait_for 10 has "3 runs will be created"
keys y
see "y creates them and reports the runs" "backfill: 3 runs created"
check_eq "the agent made them" 3 "$(bf_count)"
# shellcheck disable=SC2046
keys b $(sed 's/./& /g' <<<"$bf0") Enter $(sed 's/./& /g' <<<"$bf2") Enter
see "a backfill over dates that have runs will create none" "0 runs will be created"
keys Enter
see "Enter confirms; none created" "backfill: 0 runs created"
# A typo in the year: the count shows it before anything is made.
# (start_date is 2000-01-01, so a range from 2006 is all inside it.)
typo=2006${bf0#????}
# shellcheck disable=SC2046
keys b $(sed 's/./& /g' <<<"$typo") Enter $(sed 's/./& /g' <<<"$bf2") Enter
typo_n=$(( ($(date -ud "$bf2" +%s) - $(date -ud "$typo" +%s)) / 86400 + 1 - 3 ))
see "a typo in the year shows the thousands of runs it would make" "$typo_n runs will be created"
keys Escape
check "Esc cancels it" wait_for 5 lacks "runs will be created"
check_eq "the typo created nothing" 3 "$(bf_count)"

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

# --- issue 10, defect 11 ------------------------------------------------------------------------
# New files while the agent runs: a 26-task chain (a clear list longer than
# the dialog), four 20-letter names that just fit 100 columns, three names
# that differ only in their last digits, an hourly DAG with a midnight run.
{
    prev=
    for i in $(seq -w 1 26); do
        echo "[task t$i]"
        [ -n "$prev" ] && echo "upstream = $prev"
        echo "command = true"
        prev=t$i
    done
} >"$T/dags/chain.ini"
{
    for i in 1 2 3 4; do printf '[task load_part_of_data_0%s]\ncommand = true\n' "$i"; done
} >"$T/dags/wide.ini"
{
    for i in 1 2 3; do printf '[task load_part_of_the_warehouse_0%s]\ncommand = true\n' "$i"; done
} >"$T/dags/parts.ini"
cat >"$T/dags/hourly.ini" <<DAG
[dag]
schedule = @hourly
start_date = 2026-01-01
catchup = false
[task h]
command = true
DAG
dags_loaded() { [ "$(jctl dags | jq '[.[] | select(.dag_id | test("^(chain|wide|parts|hourly)$")) | select(.error == null)] | length')" = 4 ]; }
check "the new files load" wait_for 15 dags_loaded
crun=$(ctl trigger chain --date 2026-01-01)
ctl wait chain "$crun" --timeout 30 >/dev/null
ctl trigger wide --date 2026-01-01 >/dev/null
ctl trigger parts --date 2026-01-01 >/dev/null
ctl backfill hourly --from 2026-01-01T22:00 --to 2026-01-02T01:00 >/dev/null
start_dagtop LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen-256color
see "dagtop starts again" "hourly"

# The list cursor stays on its DAG when files come and go.
keys g j j j j
see "the cursor is on hello" "▸ hello"
printf '[task a]\ncommand = true\n' >"$T/dags/aaa.ini"
see "a new file shows in the list" " aaa "
check "the cursor stays on its DAG when a file sorts before it" has "▸ hello"
rm "$T/dags/aaa.ini"
check "the removed file leaves the list" wait_for 15 lacks " aaa "
check "the cursor stays on its DAG when a file before it goes" has "▸ hello"

# The "... N more" line is drawn on a cleared line.
keys / c h a i n Enter Enter
see "the chain grid opens" "t01  manual__2026-01-01"
keys c
see "the clear dialog lists 26 instances" "26 task instances will be cleared"
more_line() { pane | grep -F 'more (j/k)'; }
see "a long list ends in a more line" "more (j/k)"
if more_line | grep -qE '\+00:00|  t[0-9]'; then
    not_ok "the more line is erased first (old text shows through)"
    more_line | sed 's/^/#   /'
else ok "the more line is erased first (old text shows through)"; fi
shown=$(pane | grep -c 'manual__2026-01-01T00:00:00+00:00  t')
more_n=$(more_line | grep -oE '[0-9]+ more' | grep -oE '[0-9]+')
check_eq "the items shown and the N more add up to all" 26 "$((shown + ${more_n:-0}))"
keys Escape
check "the clear dialog closes" wait_for 5 lacks "will be cleared"

# The mark dialog advertises only the toggles it has.
keys f
see "f opens the mark failed dialog" "Mark failed t01"
see "the mark dialog's toggles are d u p f" "d u p f toggle"
check "the mark dialog advertises no o toggle" lacks "d u p f o"
keys Escape
wait_for 5 lacks "Mark failed"
keys c
wait_for 10 has "will be cleared"
see "the clear dialog has the o toggle too" "d u p f o toggle"
keys Escape
wait_for 5 lacks "will be cleared"

# Headers do not re-abbreviate when a run with a time appears.
keys q / C-u w i d e Enter Enter
see "the wide grid opens" "load_part_of_data_01  manual__2026-01-01"
header() { pane | grep -m1 'logical date'; }
h1=$(header)
ctl trigger wide --date 2026-01-02T10:30 >/dev/null
see "a run with a time appears" " 2026-01-02 10:30"
check_eq "the headers are the same as before" "$h1" "$(header)"

# Every row of an hourly DAG shows its time, midnight too.
keys q / C-u h o u r l y Enter Enter
see "the hourly grid opens" "hourly  @hourly"
see "the midnight row shows 00:00" " 2026-01-02 00:00 "
see "the other rows show their hour" " 2026-01-01 23:00 "

# Abbreviations keep names apart and use the width there is.
keys q / C-u p a r t s Enter Enter
see "the parts grid opens" "load_part_of_the_warehouse_01  manual__"
tm resize-window -t dt -x 200 -y 30
see "at 200 columns the full names show" "load_part_of_the_warehouse_01 load_part_of_the_warehouse_02 load_part_of_the_warehouse_03"
tm resize-window -t dt -x 60 -y 20
pane_60() { [ "$(tm display -p -t dt '#{pane_width}x#{pane_height}')" = 60x20 ]; }
check "the pane is 60x20" wait_for 5 pane_60
headers() { header | sed 's/.*logical date *//' | tr -s ' ' '\n' | grep -v '^$'; }
three_headers() { [ "$(headers | sort -u | wc -l)" = 3 ] && ! header | grep -qF 'warehouse_01 load'; }
if wait_for 5 three_headers; then ok "at 60 columns the three headers differ"; else
    not_ok "at 60 columns the three headers differ"
    pane | sed 's/^/#   /'
fi
digits_kept() { headers | paste -sd' ' | grep -qE '01.* .*02.* .*03'; }
check "and each keeps its digits" digits_kept

# At 60x20 the key hints keep "? help".
bottom() { pane | tail -n 1; }
bottom_help() { bottom | grep -qF '? help'; }
check "60x20: the grid's hints keep ? help" wait_for 5 bottom_help
keys q
wait_for 5 has "▸ parts"
check "60x20: the list's hints keep ? help" wait_for 5 bottom_help
keys Enter
wait_for 10 has "load_part"
keys l
wait_for 10 has "exit status"
check "60x20: the log's hints keep ? help" wait_for 5 bottom_help
keys q
wait_for 5 has "logical date"
keys c
wait_for 10 has "will be cleared"
check "60x20: the dialog's hints keep ? help" wait_for 5 bottom_help
dlg_help() { pane | grep -F 'y/Enter' | grep -qF '? help'; }
check "60x20: the dialog's own key line keeps ? help" dlg_help
keys Escape
keys q q
check "dagtop quits" wait_for 10 session_gone

# With a non-UTF-8 locale nothing but ASCII reaches the terminal: every
# screen and overlay is drawn while tmux records the bytes dagtop writes.
start_dagtop LANG=C LC_ALL=C TERM=screen-256color
tm pipe-pane -t dt "cat >>$T/raw"
wait_for 10 has "hello"
junk() { pane | grep -qE '~[@-_]|M-.'; }
no_junk() { if junk; then pane | sed 's/^/#   /'; return 1; fi; }
keys C-l
see "LANG=C: the list title is ASCII" "dagtop - "
check "LANG=C: the list shows no escaped bytes" no_junk
keys '?'
see "LANG=C: the help title is ASCII" "dagtop help - q closes"
check "LANG=C: the help shows no escaped bytes" no_junk
for i in 1 2 3 4 5 6; do keys NPage; done
see "LANG=C: the help scrolls to its end" "close the help"
check "LANG=C: the end of the help shows no escaped bytes" no_junk
keys q / C-u c h a i n Enter Enter
wait_for 10 has "t01  manual__"
keys c
see "LANG=C: the clear dialog's more line is ASCII" "... "
check "LANG=C: the dialog shows no escaped bytes" no_junk
keys Escape l
wait_for 10 has "exit status"
check "LANG=C: the log shows no escaped bytes" no_junk
keys q t
wait_for 5 has "logical date [now]"
check "LANG=C: the trigger prompt shows no escaped bytes" no_junk
keys Escape b 2 0 2 6 - 0 1 - 0 1 Enter 2 0 2 6 - 0 1 - 0 1 Enter
keys Escape q q
check "dagtop quits from LANG=C" wait_for 10 session_gone
nonascii=$(LC_ALL=C tr -d '\000-\177' <"$T/raw" 2>/dev/null | wc -c)
check_eq "LANG=C: no byte outside ASCII was written" 0 "$nonascii"
raw_size=$(wc -c <"$T/raw" 2>/dev/null || echo 0)
check "LANG=C: the recording is not empty" [ "$raw_size" -gt 1000 ]

if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$T/dagtop.err" 2>/dev/null; then
    not_ok "dagtop has no sanitizer report"
    cat "$T/dagtop.err"
else
    ok "dagtop has no sanitizer report"
fi
stop_agent
