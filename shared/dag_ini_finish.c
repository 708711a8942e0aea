/* DAG files: the checks that need the whole file, once it is read (dates
 * need the timezone, templates need [params], executors need the [dag]
 * default, upstream needs every task). */
#include "dag_ini.h"
#include "template.h"
#include "timeutil.h"

#include <stdlib.h>
#include <string.h>

static void check_template(ini_parser *p, const dag_task *t, const char *what, const char *text,
                           int line, const char *const *names)
{
    char err[300];
    if (template_check(text, names, p->d->n_params, err, sizeof err) < 0)
        ini_err(p, line, "task %s: %s: %s", t->id, what, err);
}

/* The executor a task runs on: as written, else the [dag] default for an
 * image task (docker when none), else local. */
static void finish_executor(ini_parser *p, dag_task *t, const task_meta *m)
{
    int line = m->key_line[TK_EXECUTOR];
    if (!m->set[TK_EXECUTOR])
        t->executor = !t->image                           ? EXECUTOR_LOCAL
                      : p->def_executor == EXECUTOR_SWARM ? EXECUTOR_SWARM
                                                          : EXECUTOR_DOCKER;
    else if (t->executor != EXECUTOR_LOCAL && !t->image)
        ini_err(p, line, "task %s: executor = %s needs an image", t->id,
                ini_executor_name(t->executor));
    else if (t->executor == EXECUTOR_LOCAL && t->image)
        ini_err(p, line, "task %s: executor = local cannot run an image (use docker or swarm)",
                t->id);
    static const int swarm_only[] = {TK_CONSTRAINTS, TK_GENERIC_RESOURCES};
    for (size_t j = 0; j < sizeof swarm_only / sizeof *swarm_only; j++)
        if (m->set[swarm_only[j]] && t->executor != EXECUTOR_SWARM)
            ini_warn(p, m->key_line[swarm_only[j]],
                     "task %s: %s has no effect without executor = swarm", t->id,
                     ini_task_key_name(swarm_only[j]));
    if (t->executor == EXECUTOR_SWARM && m->set[TK_PULL])
        ini_warn(p, m->key_line[TK_PULL],
                 "task %s: pull is ignored on swarm tasks (each node pulls an image it lacks)",
                 t->id);
    if (t->executor == EXECUTOR_SWARM && m->set[TK_KEEP])
        ini_warn(p, m->key_line[TK_KEEP],
                 "task %s: keep is ignored on swarm tasks (the service is removed)", t->id);
}

static void finish_task(ini_parser *p, size_t i, const char *const *names)
{
    dag_task *t = &p->d->tasks[i];
    task_meta *m = &p->meta[i];
    /* [dag] gives the defaults, wherever in the file it comes. */
    if (!m->set[TK_RETRIES])
        t->retries = p->def_retries;
    if (!m->set[TK_RETRY_DELAY])
        t->retry_delay_us = p->def_retry_delay;
    if (!m->set[TK_TIMEOUT])
        t->timeout_us = p->def_timeout;
    if (!m->set[TK_DEPENDS_ON_PAST])
        t->depends_on_past = p->def_depends_on_past;
    t->notify_line = m->key_line[TK_NOTIFY];

    if (!m->key_line[TK_COMMAND]) {
        /* A command on a line too long to read was reported already. */
        if (!m->long_line)
            ini_err(p, t->line, "task %s: missing command", t->id);
    } else if (!t->command || !*t->command) {
        ini_err(p, t->command_line, "task %s: empty command", t->id);
    } else {
        /* Check line by line so that a message names the line at fault. */
        const char *s = t->command;
        for (size_t k = 0; *s; k++) {
            const char *nl = strchr(s, '\n');
            size_t len = nl ? (size_t)(nl - s) : strlen(s);
            char *piece = xstrndup(s, len);
            int line = k < m->cmd_lines.n ? m->cmd_lines.a[k] : t->command_line;
            check_template(p, t, "command", piece, line, names);
            free(piece);
            s += len + (nl != NULL);
        }
        /* Quotes may span lines: the whole script at once. */
        size_t at = (size_t)-1; /* set for a quoting error only */
        char err[300];
        if (template_check_command(t->command, &at, err, sizeof err) < 0 && at != (size_t)-1) {
            size_t k = 0;
            for (size_t c = 0; c < at; c++)
                k += t->command[c] == '\n';
            int line = k < m->cmd_lines.n ? m->cmd_lines.a[k] : t->command_line;
            ini_err(p, line, "task %s: command: %s", t->id, err);
        }
    }
    for (size_t j = 0; j < t->env.n; j++)
        check_template(p, t, "env", t->env.items[j], m->env_lines.a[j], names);
    finish_executor(p, t, m);
    if (t->image)
        check_template(p, t, "image", t->image, m->key_line[TK_IMAGE], names);
    else {
        static const int docker_only[] = {TK_VOLUMES, TK_NETWORK, TK_ENTRYPOINT, TK_PULL, TK_KEEP};
        for (size_t j = 0; j < sizeof docker_only / sizeof *docker_only; j++)
            if (m->set[docker_only[j]])
                ini_warn(p, m->key_line[docker_only[j]], "task %s: %s has no effect without image",
                         t->id, ini_task_key_name(docker_only[j]));
    }
}

void ini_finish(ini_parser *p)
{
    dag *d = p->d;
    char err[200];
    d->start_date = d->end_date = DAG_NO_DATE;
    if (p->start_date &&
        time_parse(p->start_date, d->timezone, &d->start_date, err, sizeof err) < 0)
        ini_err(p, p->dag_key_line[DK_START_DATE], "bad start_date: %s", err);
    if (p->end_date && time_parse(p->end_date, d->timezone, &d->end_date, err, sizeof err) < 0)
        ini_err(p, p->dag_key_line[DK_END_DATE], "bad end_date: %s", err);
    else if (p->end_date && p->start_date && d->end_date < d->start_date)
        ini_err(p, p->dag_key_line[DK_END_DATE], "end_date is before start_date");

    d->notify_line = p->dag_key_line[DK_NOTIFY];
    ini_family_apply(p); /* {{ member… }} before the checks see the commands */
    const char **names = xmalloc((d->n_params + 1) * sizeof *names);
    for (size_t i = 0; i < d->n_params; i++)
        names[i] = d->params[i].name;
    for (size_t i = 0; i < d->n_tasks; i++)
        finish_task(p, i, names);
    free(names);

    if (d->n_tasks == 0) {
        ini_err(p, 0, "no tasks: add a [task ID] section");
        return;
    }
    ini_check_outputs(p);
    int **up_lines = xmalloc(d->n_tasks * sizeof *up_lines);
    for (size_t i = 0; i < d->n_tasks; i++)
        up_lines[i] = p->meta[i].up_lines.a;
    p->errors += dag_link(d, up_lines, p->diags);
    free(up_lines);
}
