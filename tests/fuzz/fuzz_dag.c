/* libFuzzer target: the DAG file loader (INI reader, keys, templates, links).
 * Checks that a loaded DAG is consistent: NULL exactly when an error was
 * reported, tasks in topological order, every command renders. */
#include "dag.h"
#include "template.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* fmemopen refuses a zero size: give it a one-byte buffer it never reads. */
    char *buf = malloc(size + 1);
    memcpy(buf, data, size);
    buf[size] = '\0';
    FILE *f = fmemopen(buf, size ? size : 1, "r");
    if (!f) {
        free(buf);
        return 0;
    }
    if (!size)
        fgetc(f);
    diag_list diags = {0};
    dag *d = dag_load_stream(f, "fuzz.ini", "UTC", &diags);
    fclose(f);
    size_t errors = diag_error_count(&diags);
    if ((d == NULL) != (errors > 0))
        abort();
    for (size_t i = 0; i < diags.n; i++) {
        char *s = diag_format(&diags.items[i]);
        free(s);
    }
    if (d)
        check_dag(d);
    dag_free(d);
    diag_free(&diags);
    free(buf);
    return 0;
}
