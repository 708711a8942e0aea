/* DAG files: each {{ outputs.TASK.KEY }} must name a task upstream of the
 * one that uses it (directly or not): only those have finished, in the same
 * run, before it starts. Checked before the tasks are linked and sorted
 * (the loader's meta is in file order), from the upstream ids as written. */
#include "dag_ini.h"
#include "template.h"

#include <stdlib.h>
#include <string.h>

typedef struct ref_check {
    ini_parser *p;
    size_t i; /* the task that uses the outputs */
    const dag_task *t;
    bool *above;   /* the tasks upstream of T, directly or not (made on first use) */
    size_t *stack; /* for mark_above */
    bool marked;
    const char *what;
    int line;
} ref_check;

/* ABOVE[k] for every task upstream of I (an explicit stack: no recursion
 * on a deep chain; unknown ids and cycles are dag_link's to report). */
static void mark_above(const dag *d, size_t i, bool *above, size_t *stack)
{
    size_t n = 0;
    memset(above, 0, d->n_tasks * sizeof *above);
    stack[n++] = i;
    while (n) {
        const dag_task *t = &d->tasks[stack[--n]];
        for (size_t k = 0; k < t->upstream.n; k++) {
            int u = dag_task_index(d, t->upstream.items[k]);
            if (u >= 0 && !above[u]) {
                above[u] = true;
                stack[n++] = (size_t)u;
            }
        }
    }
}

static void check_ref(void *arg, const char *task, size_t tlen, const char *key, size_t klen)
{
    ref_check *c = arg;
    const dag *d = c->p->d;
    if (!c->marked) {
        if (!c->above) {
            c->above = xcalloc(d->n_tasks, sizeof *c->above);
            c->stack = xcalloc(d->n_tasks, sizeof *c->stack);
        }
        mark_above(d, c->i, c->above, c->stack);
        c->marked = true;
    }
    char *id = xstrndup(task, tlen);
    int j = dag_task_index(d, id);
    if (j < 0)
        ini_err(c->p, c->line, "task %s: %s: {{ outputs.%s.%.*s }}: there is no task \"%s\"",
                c->t->id, c->what, id, (int)klen, key, id);
    else if (!c->above[j])
        ini_err(c->p, c->line,
                "task %s: %s: {{ outputs.%s.%.*s }}: task %s is not upstream of %s (directly "
                "or not), so its outputs are not there when %s starts",
                c->t->id, c->what, id, (int)klen, key, id, c->t->id, c->t->id);
    free(id);
}

void ini_check_outputs(ini_parser *p)
{
    dag *d = p->d;
    ref_check c = {.p = p};
    for (size_t i = 0; i < d->n_tasks; i++) {
        const dag_task *t = &d->tasks[i];
        const task_meta *m = &p->meta[i];
        c.i = i;
        c.t = t;
        c.marked = false;
        /* Line by line: the message names the line, and a search over a
         * long script stays linear (under ASan each strstr measures the
         * rest of its string). */
        c.what = "command";
        const char *s = t->command ? t->command : "";
        for (size_t k = 0; *s; k++) {
            const char *nl = strchr(s, '\n');
            size_t len = nl ? (size_t)(nl - s) : strlen(s);
            if (memmem(s, len, "{{", 2)) {
                char *piece = xstrndup(s, len);
                c.line = k < m->cmd_lines.n ? m->cmd_lines.a[k] : t->command_line;
                template_each_output(piece, check_ref, &c);
                free(piece);
            }
            s += len + (nl != NULL);
        }
        c.what = "env";
        for (size_t j = 0; j < t->env.n; j++) {
            c.line = j < m->env_lines.n ? m->env_lines.a[j] : t->line;
            template_each_output(t->env.items[j], check_ref, &c);
        }
        c.what = "image";
        c.line = m->key_line[TK_IMAGE];
        template_each_output(t->image, check_ref, &c);
    }
    free(c.above);
    free(c.stack);
}
