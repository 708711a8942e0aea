#include "branch.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool branch_keeps(const dag *m, const char *followed, size_t d)
{
    bool keep = false;
    bool *seen = NULL;
    size_t *stack = NULL, n = 0;
    char *names = xstrdup(followed);
    char *save = NULL;
    for (char *w = strtok_r(names, " ", &save); w && !keep; w = strtok_r(NULL, " ", &save)) {
        int c = dag_task_index(m, w);
        if (c < 0)
            continue; /* gone from a newer version of the file */
        if (!seen) {
            seen = xcalloc(m->n_tasks, sizeof *seen);
            stack = xcalloc(m->n_tasks, sizeof *stack);
        }
        if (!seen[c]) {
            seen[c] = true;
            stack[n++] = (size_t)c;
        }
        while (n && !keep) { /* iterative: a long chain must not overflow */
            size_t t = stack[--n];
            keep = t == d;
            for (size_t k = 0; k < m->tasks[t].n_down; k++) {
                size_t x = m->tasks[t].down[k];
                if (!seen[x]) {
                    seen[x] = true;
                    stack[n++] = x;
                }
            }
        }
    }
    free(names);
    free(seen);
    free(stack);
    return keep;
}

bool branch_skips(const run *r, size_t i)
{
    const dag *m = r->model;
    const dag_task *task = &m->tasks[i];
    for (size_t k = 0; k < task->n_up; k++) {
        size_t u = task->up[k];
        const ti *b = &r->tis[u];
        if (m->tasks[u].branch && b->followed && ti_state_finished(b->state) &&
            !branch_keeps(m, b->followed, i))
            return true;
    }
    return false;
}

bool branch_decide(const dag *m, size_t i, const char *line, const char *log_path, char **followed)
{
    const dag_task *task = &m->tasks[i];
    char *names = xstrdup(line ? line : "");
    for (char *c = names; *c; c++)
        if (*c == ',')
            *c = ' ';
    strlist chosen = {0};
    bool ok = true;
    char *save = NULL;
    for (char *w = strtok_r(names, " \t\r", &save); w; w = strtok_r(NULL, " \t\r", &save)) {
        int d = dag_task_index(m, w);
        bool direct = false;
        for (size_t k = 0; d >= 0 && k < task->n_down; k++)
            direct |= task->down[k] == (size_t)d;
        if (!direct) {
            FILE *f = fopen(log_path, "a");
            if (f) {
                fprintf(f, "[dagd] branch named \"%s\", which is not a downstream task of %s\n", w,
                        task->id);
                fclose(f);
            }
            ok = false;
        }
        strlist_push(&chosen, w);
    }
    free(names);
    *followed = NULL;
    if (ok) {
        size_t len = 1;
        for (size_t k = 0; k < chosen.n; k++)
            len += strlen(chosen.items[k]) + 1;
        *followed = xcalloc(1, len);
        for (size_t k = 0; k < chosen.n; k++) {
            if (k)
                strcat(*followed, " ");
            strcat(*followed, chosen.items[k]);
        }
    }
    strlist_free(&chosen);
    return ok;
}
