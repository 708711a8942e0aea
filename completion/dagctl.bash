# bash completion for dagctl: commands and their flags (from `dagctl --help`,
# so they follow the binary), DAG ids, run ids and task ids asked of the
# agent (`dagctl --json dags` / `grid`). Installed as
# /usr/share/bash-completion/completions/dagctl.

# The ids of the JSON field KEY in the text on stdin (ids need no escapes:
# letters, digits, _ . - and, in run ids, : +).
_dagctl_field() {
    grep -o "\"$1\": *\"[^\"]*\"" | sed 's/.*: *"//; s/"$//'
}

_dagctl() {
    local ctl=${COMP_WORDS[0]}
    # Words as typed: bash splits at ':' (COMP_WORDBREAKS), run ids hold some.
    local -a w=()
    local i n=-1 cword=0
    for ((i = 0; i <= COMP_CWORD; i++)); do
        local x=${COMP_WORDS[i]}
        if ((n >= 0)) && [[ $x == :* || ${w[n]} == *: ]] && [[ $COMP_WORDBREAKS == *:* ]]; then
            w[n]+=$x
        else
            w[++n]=$x
        fi
    done
    cword=$n
    local cur=${w[cword]} raw=${COMP_WORDS[COMP_CWORD]}
    local prev=
    ((cword > 0)) && prev=${w[cword - 1]}
    COMPREPLY=()

    # Options before the command; -s SOCKET goes to every question asked.
    local -a sock=()
    local cmd= cmdpos=0
    for ((i = 1; i < cword; i++)); do
        case ${w[i]} in
        -s)
            sock=(-s "${w[i + 1]}")
            ((i++))
            ;;
        -*) ;;
        *)
            cmd=${w[i]} cmdpos=$i
            break
            ;;
        esac
    done
    if [[ $prev == -s && -z $cmd ]]; then
        COMPREPLY=($(compgen -f -- "$cur"))
        return
    fi

    [[ -n ${_dagctl_usage-} ]] || _dagctl_usage=$("$ctl" --help 2>/dev/null | sed -n 's/^  dagctl //p')
    if [[ -z $cmd ]]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "-s --json --help --version" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$(cut -d' ' -f1 <<<"$_dagctl_usage")" -- "$cur"))
        fi
        return
    fi

    # The command's usage: positional placeholders, flags, flags with a value.
    local usage
    usage=$(awk -v c="$cmd" '$1 == c { $1 = ""; print; exit }' <<<"$_dagctl_usage")
    local -a pos=() flags=() valued=()
    local tok last=
    for tok in $usage; do
        tok=${tok//[\[\]]/}
        tok=${tok%...}
        case $tok in
        -*)
            flags+=("$tok")
            last=$tok
            ;;
        *)
            if [[ -n $last ]]; then
                valued+=("$last") # --flag VALUE
            else
                pos+=("$tok") # DAG RUN TASK FILE, [TASK], success|failed, test
            fi
            last=
            ;;
        esac
    done
    [[ $cmd == logs ]] && flags+=(--follow)
    [[ $cmd == clear || $cmd == mark ]] && flags+=(-y)

    # Which positional is being typed (skipping flags and their values).
    local -a args=()
    local f skip=
    for ((i = cmdpos + 1; i < cword; i++)); do
        if [[ -n $skip ]]; then
            skip=
            continue
        fi
        if [[ ${w[i]} == -* ]]; then
            for f in "${valued[@]}"; do [[ $f == "${w[i]}" ]] && skip=1; done
            continue
        fi
        args+=("${w[i]}")
    done

    local -a words=()
    local want=
    for f in "${valued[@]}"; do [[ $f == "$prev" ]] && want=value; done
    if [[ $want == value ]]; then
        [[ $prev == --before ]] && want=RUN || want=
    elif [[ $cur == -* ]]; then
        words=("${flags[@]}")
    else
        want=${pos[${#args[@]}]-}
    fi
    local dag=${args[0]-}
    case $want in
    DAG)
        words=($("$ctl" "${sock[@]}" --json dags 2>/dev/null | _dagctl_field dag_id))
        ;;
    RUN)
        words=($("$ctl" "${sock[@]}" --json grid "$dag" --limit 100 2>/dev/null | _dagctl_field run_id))
        ;;
    TASK)
        # The grid's "tasks" list (a run's "tasks" is an object, not a list).
        words=($("$ctl" "${sock[@]}" --json grid "$dag" --limit 1 2>/dev/null | tr -d '\n ' |
            sed -n 's/.*"tasks":\[\([^]]*\)\].*/\1/p' | tr -d '"' | tr ',' ' '))
        ;;
    FILE)
        COMPREPLY=($(compgen -f -- "$cur"))
        return
        ;;
    *"|"*) words=(${want//|/ }) ;;
    [a-z]*) words=("$want") ;; # a literal word, as "notify test"
    esac
    COMPREPLY=($(compgen -W "${words[*]}" -- "$cur"))
    # Bash replaces only what follows the last ':' of a run id.
    if [[ $cur != "$raw" ]]; then
        local pre=${cur%"$raw"}
        COMPREPLY=("${COMPREPLY[@]#"$pre"}")
    fi
}
complete -F _dagctl dagctl
