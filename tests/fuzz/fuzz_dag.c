/* libFuzzer target: the DAG file loader (INI reader, keys, templates, links).
 * Checks that a loaded DAG is consistent: NULL exactly when an error was
 * reported, tasks in topological order, every command renders. */
#include "dag.h"
#include "template.h"
#include "timeutil.h"
#include "util.h"

#include <ini.h>

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void check_dag(const dag *d)
{
    for (size_t i = 0; i < d->n_tasks; i++) {
        const dag_task *t = &d->tasks[i];
        if (t->n_up != t->upstream.n || dag_task_index(d, t->id) != (int)i || !t->command)
            abort();
        for (size_t j = 0; j < t->n_up; j++)
            if (t->up[j] >= i) /* upstream first */
                abort();
        for (size_t j = 0; j < t->n_down; j++)
            if (t->down[j] <= i || t->down[j] >= d->n_tasks)
                abort();
    }
    const char **values = calloc(d->n_params + 1, sizeof *values);
    const char **names = calloc(d->n_params + 1, sizeof *names);
    for (size_t i = 0; i < d->n_params; i++) {
        names[i] = d->params[i].name;
        values[i] = d->params[i].value;
        if (dag_param_index(d, names[i]) != (int)i)
            abort();
    }
    template_ctx ctx = {
        .ds = "2026-11-22",
        .ds_nodash = "20261122",
        .ts = "2026-11-22T00:00:00+00:00",
        .data_interval_start = "2026-11-22T00:00:00+00:00",
        .data_interval_end = "2026-11-23T00:00:00+00:00",
        .prev_ds = "2026-11-21",
        .next_ds = "2026-11-23",
        .run_id = "scheduled__2026-11-22T00:00:00+00:00",
        .dag_id = d->id,
        .task_id = "t",
        .try_number = "1",
        .param_names = names,
        .param_values = values,
        .n_params = d->n_params,
    };
    char err[300];
    for (size_t i = 0; i < d->n_tasks; i++) {
        const dag_task *t = &d->tasks[i];
        /* The loader checked every template: rendering cannot fail. */
        char *s = template_render(t->command, &ctx, true, err, sizeof err);
        if (!s)
            abort();
        free(s);
        for (size_t j = 0; j < t->env.n; j++) {
            s = template_render(t->env.items[j], &ctx, false, err, sizeof err);
            if (!s)
                abort();
            free(s);
        }
        if (t->image) {
            s = template_render(t->image, &ctx, false, err, sizeof err);
            if (!s)
                abort();
            free(s);
        }
    }
    free(names);
    free(values);
}

static dag *load(const char *text, size_t size, diag_list *diags)
{
    /* fmemopen refuses a zero size: give it a one-byte buffer it never reads. */
    FILE *f = fmemopen((char *)text, size ? size : 1, "r");
    if (!f)
        abort();
    if (!size)
        fgetc(f);
    dag *d = dag_load_stream(f, "fuzz.ini", "UTC", diags);
    fclose(f);
    return d;
}

static size_t count_lines(const char *s, size_t n)
{
    size_t lines = 1;
    for (size_t i = 0; i < n; i++)
        lines += s[i] == '\n';
    return lines;
}

/* The same file with CRLF line ends loads the same way, with the same
 * messages on the same lines. */
static void check_crlf(const char *text, size_t size, const dag *d, const diag_list *diags)
{
    if (memchr(text, '\r', size))
        return;
    char *crlf = malloc(2 * size + 1);
    size_t n = 0;
    for (size_t i = 0; i < size; i++) {
        if (text[i] == '\n')
            crlf[n++] = '\r';
        crlf[n++] = text[i];
    }
    crlf[n] = '\0';
    diag_list d2 = {0};
    dag *e = load(crlf, n, &d2);
    if ((d == NULL) != (e == NULL) || diags->n != d2.n)
        abort();
    for (size_t i = 0; i < diags->n; i++)
        if (diags->items[i].line != d2.items[i].line ||
            strcmp(diags->items[i].message, d2.items[i].message) != 0)
            abort();
    if (d) {
        if (d->n_tasks != e->n_tasks || d->n_params != e->n_params)
            abort();
        for (size_t i = 0; i < d->n_tasks; i++)
            if (strcmp(d->tasks[i].id, e->tasks[i].id) != 0 ||
                strcmp(d->tasks[i].command, e->tasks[i].command) != 0)
                abort();
        for (size_t i = 0; i < d->n_params; i++)
            if (strcmp(d->params[i].value, e->params[i].value) != 0)
                abort();
    }
    dag_free(e);
    diag_free(&d2);
    free(crlf);
}

/* What inih itself makes of the file: every command and param value, its
 * lines joined as the loader joins them. The loader mirrors inih's line
 * rules to know key lines from continuations; this checks the mirror. */
typedef struct inih_view {
    const dag *d;
    strbuf *cmd;   /* per task */
    strbuf *param; /* per param */
    bool truncated;
} inih_view;

static void join(strbuf *sb, const char *v)
{
    if (!*v)
        return;
    if (sb->len)
        sb_append(sb, "\n");
    sb_append(sb, v);
}

/* The loader reads "[ task  ID ]" as task ID: trim the same way. */
static int task_of_section(const dag *d, const char *section)
{
    char *sec = strdup(section);
    char *name = str_trim(sec);
    int i = -1;
    if (strncmp(name, "task", 4) == 0 && isspace((unsigned char)name[4]))
        i = dag_task_index(d, str_trim(name + 4));
    free(sec);
    return i;
}

static bool section_is(const char *section, const char *want)
{
    char *sec = strdup(section);
    bool is = strcmp(str_trim(sec), want) == 0;
    free(sec);
    return is;
}

static int inih_handler(void *user, const char *section, const char *name, const char *value)
{
    inih_view *v = user;
    int i;
    if (strlen(section) >= 49 || strlen(name) >= 49)
        v->truncated = true; /* inih keeps 49 characters of either */
    if (strcmp(name, "command") == 0 && (i = task_of_section(v->d, section)) >= 0) {
        join(&v->cmd[i], value);
    } else if (section_is(section, "params") && (i = dag_param_index(v->d, name)) >= 0) {
        join(&v->param[i], value);
    }
    return 1;
}

static void check_against_inih(const char *text, const dag *d)
{
    inih_view v = {d, calloc(d->n_tasks + 1, sizeof(strbuf)),
                   calloc(d->n_params + 1, sizeof(strbuf)), false};
    ini_parse_string(text, inih_handler, &v);
    for (size_t i = 0; i < d->n_tasks; i++) {
        if (!v.truncated && strcmp(v.cmd[i].data ? v.cmd[i].data : "", d->tasks[i].command) != 0)
            abort();
        sb_free(&v.cmd[i]);
    }
    for (size_t i = 0; i < d->n_params; i++) {
        if (!v.truncated && strcmp(v.param[i].data ? v.param[i].data : "", d->params[i].value) != 0)
            abort();
        sb_free(&v.param[i]);
    }
    free(v.cmd);
    free(v.param);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    char *buf = malloc(size + 1);
    memcpy(buf, data, size);
    buf[size] = '\0';
    diag_list diags = {0};
    dag *d = load(buf, size, &diags);
    size_t errors = diag_error_count(&diags);
    if ((d == NULL) != (errors > 0))
        abort();
    size_t lines = count_lines(buf, size);
    for (size_t i = 0; i < diags.n; i++) {
        if (diags.items[i].line < 0 || (size_t)diags.items[i].line > lines)
            abort(); /* a message names a line of the file, or none */
        char *s = diag_format(&diags.items[i]);
        free(s);
    }
    if (d) {
        check_dag(d);
        if (!dag_id_valid(d->id) || !tz_exists(d->timezone))
            abort();
        check_against_inih(buf, d);
    }
    check_crlf(buf, size, d, &diags);
    dag_free(d);
    diag_free(&diags);
    free(buf);
    return 0;
}
