#!/bin/bash
# DAG families: one file, one DAG per member, each paused, triggered and
# shown alone; dags gives the family; member values reach commands as one
# quoted word (no injection), env and image raw; a member missing a key is
# an error naming file, line and member (--check and dags); --check lists
# the members; editing the file adds and retires members.
. "$(dirname "$0")/lib.sh"

F=$T/dags/etl_tables.ini
write_family() {
    cat >"$F" <<DAG
[dag]
id = etl_{{ member }}
schedule = none
[family]
members = orders users $1
[member orders]
table = orders_v2
[member users]
table = users; touch $T/injected
[member payments]
table = pay
[task load]
command = printf '%s|%s\n' {{ member }} {{ member.table }} > $T/out_{{ member }}
env = TABLE={{ member.table }}
[task finish]
upstream = load
command = echo "\$TABLE" > $T/env_{{ member }}
env = TABLE={{ member.table }}
DAG
}
cat >"$T/dags/plain.ini" <<DAG
[task t]
command = true
DAG
write_family payments
write_config
out=$("$BIN/dagd" -c "$T/dagd.ini" --check 2>&1)
check_eq "--check: valid" 0 $?
check "--check lists the members it made" grep -qx "$F: family etl_tables: etl_orders etl_users etl_payments" <<<"$out"
check "--check counts each member as a DAG" grep -qx "ok: 4 DAGs" <<<"$out"
start_agent || exit 1

check_eq "dags: each member, with its family" \
    '[["etl_orders","etl_tables"],["etl_payments","etl_tables"],["etl_users","etl_tables"],["plain",null]]' \
    "$(jctl dags | jq -c 'map([.dag_id, .family]) | sort')"
check_eq "dags: the members' file is the family file" 3 "$(jctl dags | jq --arg f "$F" 'map(select(.file == $f)) | length')"

# Each member is a DAG of its own: triggered alone.
id=$(jctl trigger etl_users | jq -r .run_id)
wait_quiet() { ctl wait "$@" >/dev/null; }
check "trigger one member" wait_quiet etl_users "$id" --timeout 20 >/dev/null
check_eq "member values are one quoted word (no injection)" "users|users; touch $T/injected" "$(cat "$T/out_users")"
check "nothing was injected" test ! -e "$T/injected"
check_eq "env gets the member value raw" "users; touch $T/injected" "$(cat "$T/env_users")"
check "the other members did not run" test ! -e "$T/out_orders" -a ! -e "$T/out_payments"
check_eq "grid of the member: one run" 1 "$(jctl grid etl_users | jq '.runs | length')"
check_eq "grid of another member: none" 0 "$(jctl grid etl_orders | jq '.runs | length')"
check_eq "grid: the tasks" '["load","finish"]' "$(jctl grid etl_orders | jq -c .tasks)"

# Paused alone.
ctl pause etl_orders >/dev/null
check_eq "pause one member: only it" '[["etl_orders",true],["etl_payments",false],["etl_users",false]]' \
    "$(jctl dags | jq -c 'map(select(.family != null) | [.dag_id, .paused]) | sort')"
id=$(jctl trigger etl_payments | jq -r .run_id)
check "a sibling of a paused member runs" wait_quiet etl_payments "$id" --timeout 20
check_eq "... with its own value" "payments|pay" "$(cat "$T/out_payments")"

# Edited: payments leaves, refunds joins; the others stay (and orders stays paused).
write_family refunds
sed -i 's/^\[member payments\]$/[member refunds]/' "$F"
added() { jctl dags | jq -e 'any(.[]; .dag_id == "etl_refunds")' >/dev/null; }
check "a member added to the file appears" wait_for 10 added
gone() { ! jctl dags | jq -e 'any(.[]; .dag_id == "etl_payments")' >/dev/null; }
check "a member removed from the file disappears" wait_for 10 gone
check_eq "the other members stay, orders still paused" '[["etl_orders",true],["etl_refunds",false],["etl_users",false]]' \
    "$(jctl dags | jq -c 'map(select(.family != null) | [.dag_id, .paused]) | sort')"
check_eq "a removed member's history stays in the store" 1 "$(sqlite3 "$T/state/dagd.db" "SELECT count(*) FROM runs WHERE dag_id = 'etl_payments'")"

# A member missing a key a task uses: file, line and member, in dags and --check.
sed -i 's/^table = users; touch .*$/tbl = users/' "$F"
line=$(grep -n '^command = printf' "$F" | cut -d: -f1)
err() { jctl dags | jq -r '.[] | select(.dag_id == "etl_users") | .error // empty'; }
has_err() { test -n "$(err)"; }
check "dags: the error shows" wait_for 10 has_err
check "dags: the error names file, line and member" grep -qF "$F:$line: task load: command: member users has no key \"table\"" <<<"$(err)"
check "the other members show the file's error too" test -n "$(jctl dags | jq -r '.[] | select(.dag_id == "etl_orders") | .error // empty')"
id=$(jctl trigger etl_refunds | jq -r .run_id)
check "the last good version still runs" wait_quiet etl_refunds "$id" --timeout 20
out=$("$BIN/dagd" -c "$T/dagd.ini" --check 2>&1)
check_eq "--check: invalid" 1 $?
check "--check: the line and the member" grep -qF "$F:$line: task load: command: member users has no key \"table\"" <<<"$out"
env_line=$(grep -n '^env = TABLE' "$F" | head -1 | cut -d: -f1)
check "--check: the env line too" grep -qF "$F:$env_line: task load: env: member users has no key \"table\"" <<<"$out"

# A family id without {{ member }}.
sed -i 's/^id = etl_{{ member }}$/id = etl/' "$F"
out=$("$BIN/dagd" -c "$T/dagd.ini" --check 2>&1)
check "--check: a family's id must name the member" grep -qF "$F:2: a family's id must contain {{ member }}" <<<"$out"
stop_agent

# The shipped example: three tables, delete -> create -> load -> finish,
# writing under var/ beside the DAGs' folder.
rm -f "$T"/dags/*.ini
cp "$(dirname "$0")/../../examples/etl_tables.ini" "$T/dags/"
out=$("$BIN/dagd" -c "$T/dagd.ini" --check 2>&1)
check "the example's members" grep -q "family etl_tables: etl_customers etl_products etl_invoices" <<<"$out"
start_agent || exit 1
for t in customers products invoices; do
    id=$(jctl trigger "etl_$t" --date 2026-11-20 | jq -r .run_id)
    check "example: etl_$t succeeds" wait_quiet "etl_$t" "$id" --timeout 30
done
check "example: each table's output and _SUCCESS" test -e "$T/var/etl/customers/2026-11-20/_SUCCESS" -a \
    -e "$T/var/etl/products/2026-11-20/_SUCCESS" -a -e "$T/var/etl/invoices/2026-11-20/_SUCCESS"
check_eq "example: rows per member (3 5 2)" "3 5 2" "$(for t in customers products invoices; do wc -l <"$T/var/etl/$t/2026-11-20/part-0.csv"; done | xargs)"
check_eq "example: the member's source reached the env" "catalog-1,2026-11-20" "$(head -1 "$T/var/etl/products/2026-11-20/part-0.csv")"
stop_agent
