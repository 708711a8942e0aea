#!/bin/bash
# Bash completion (completion/dagctl.bash) in a bash of the test: COMP_WORDS
# and COMP_CWORD set, the function called, COMPREPLY compared with what a
# private agent has (DAG ids, run ids, task ids) and with dagctl's usage.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
printf '[task extract]\ncommand = true\n[task load]\ncommand = true\nupstream = extract\n' >"$T/dags/etl.ini"
printf '[task one]\ncommand = true\n' >"$T/dags/etl_small.ini"
printf '[task x]\ncommand = true\n' >"$T/dags/other.ini"
start_agent || exit 1
r1=$(ctl trigger etl --date 2026-01-01)
r2=$(ctl trigger etl --date 2026-01-02)
ctl wait etl "$r2" --timeout 10 >/dev/null

# comp WORD...: the completions (sorted, one line) of the last word, as
# bash would ask for them (the words split at ':' like COMP_WORDBREAKS).
comp() {
    PATH=$BIN:$PATH bash -c '
        . "$1/completion/dagctl.bash"
        shift
        line="$*"
        # Rebuild as readline does: ":" is a word of its own.
        COMP_WORDS=()
        for w in "$@"; do
            rest=$w
            while [[ $rest == *:* ]]; do
                [[ -n ${rest%%:*} ]] && COMP_WORDS+=("${rest%%:*}")
                COMP_WORDS+=(":")
                rest=${rest#*:}
            done
            [[ -n $rest || $w != *: ]] && COMP_WORDS+=("$rest")
        done
        [[ ${!#} == "" ]] && [[ ${COMP_WORDS[-1]} != "" ]] && COMP_WORDS+=("")
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        COMP_LINE="$line" COMP_POINT=${#line}
        _dagctl
        ((${#COMPREPLY[@]})) && printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "
    ' comp "$ROOT" "$@"
}

check_eq "commands" "$("$BIN/dagctl" --help | sed -n 's/^  dagctl \([a-z]*\).*/\1/p' | sort | tr '\n' ' ')" \
    "$(comp dagctl '')"
check_eq "commands by prefix" "backfill backup " "$(comp dagctl back)"
check_eq "global options" "--help --json --version -s " "$(comp dagctl -)"
check_eq "DAG ids from the agent" "etl etl_small other " "$(comp dagctl -s "$SOCK" trigger '')"
check_eq "DAG ids by prefix" "etl etl_small " "$(comp dagctl -s "$SOCK" grid et)"
check_eq "DAG ids after --json" "other " "$(comp dagctl -s "$SOCK" --json pause o)"
check_eq "run ids of the DAG" "$(printf '%s\n' "$r1" "$r2" | sort | tr '\n' ' ')" \
    "$(comp dagctl -s "$SOCK" wait etl '')"
check_eq "task ids of the DAG" "extract load " "$(comp dagctl -s "$SOCK" logs etl "$r1" '')"
check_eq "task ids by prefix" "load " "$(comp dagctl -s "$SOCK" clear etl "$r1" l)"
check_eq "flags of clear" "--downstream --dry-run --failed-only --future --keep-version --past --upstream --yes -y " \
    "$(comp dagctl -s "$SOCK" clear etl "$r1" load -)"
check_eq "flags of logs" "--follow --try -f " "$(comp dagctl -s "$SOCK" logs etl "$r1" load -)"
check_eq "mark's state" "failed success " "$(comp dagctl -s "$SOCK" mark etl "$r1" load '')"
check_eq "a flag's value is not a DAG" "" "$(comp dagctl -s "$SOCK" next --count '')"
check_eq "the word after a flag's value" "extract load " \
    "$(comp dagctl -s "$SOCK" logs etl --try 1 "$r1" '')"
check_eq "grid --before takes a run id" "$(printf '%s\n' "$r1" "$r2" | sort | tr '\n' ' ')" \
    "$(comp dagctl -s "$SOCK" grid etl --before '')"
check_eq "notify's literal word" "test " "$(comp dagctl -s "$SOCK" notify '')"
# A run id typed across ':'s: bash's word is only what follows the last
# one (or the ':' itself right after it), and that is what is replaced.
part=${r1%:*}:
check_eq "a run id typed up to a ':'" ":${r1##*:} " "$(comp dagctl -s "$SOCK" wait etl "$part")"
tail=${r1##*:}
check_eq "a run id typed past a ':'" "$tail " "$(comp dagctl -s "$SOCK" wait etl "$part${tail:0:1}")"
mkdir "$T/bk"
: >"$T/bk/dagd-x.db"
check_eq "backup completes a file name" "$T/bk/dagd-x.db " "$(comp dagctl -s "$SOCK" backup "$T/bk/da")"
check_eq "no agent: no ids, no error" "" "$(comp dagctl -s "$T/none.sock" trigger '')"
