#include "try_outputs.h"
#include "fsutil.h"
#include "log.h"
#include "output_file.h"
#include "store.h"
#include "template.h"
#include "util.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *try_output_path(const char *log_path)
{
    size_t n = strlen(log_path);
    if (n > 4 && strcmp(log_path + n - 4, ".log") == 0)
        n -= 4;
    strbuf sb = {0};
    sb_append_len(&sb, log_path, n);
    sb_append(&sb, ".output");
    return sb_take(&sb);
}

typedef struct missing {
    const task_vars *v;
    strbuf lines;
} missing;

static void note_one(void *arg, const char *task, size_t tlen, const char *key, size_t klen)
{
    missing *m = arg;
    char *t = xstrndup(task, tlen), *k = xstrndup(key, klen);
    if (!json_object_get(json_object_get(m->v->outputs, t), k))
        sb_appendf(&m->lines,
                   "[dagd] {{ outputs.%s.%s }}: task %s stored no output %s (skipped, or it did "
                   "not write it): rendered as ''\n",
                   t, k, t, k);
    free(t);
    free(k);
}

void try_outputs_note_missing(const task_vars *v, const dag_task *task, const char *log_path)
{
    missing m = {v, {0}};
    template_each_output(task->command, note_one, &m);
    for (size_t j = 0; j < task->env.n; j++)
        template_each_output(task->env.items[j], note_one, &m);
    template_each_output(task->image, note_one, &m);
    FILE *log = m.lines.len ? fopen(log_path, "a") : NULL;
    if (log) {
        fputs(m.lines.data, log);
        fclose(log);
    }
    sb_free(&m.lines);
}

/* A swarm try's outputs: the marked lines at the end of its log (its
 * node cannot write the agent's file). Same limit as the file. */
static int read_log_outputs(const try_files *f, output_set *o, strlist *warnings, char *err,
                            size_t errlen)
{
    size_t n = 0;
    bool cut = false;
    char *buf = fs_read_tail(f->log, f->header, OUTPUT_LOG_TAIL, &n, &cut);
    if (!buf)
        return 0; /* no log: nothing written */
    const char *from = buf;
    if (cut) { /* start at a whole line */
        const char *nl = memchr(buf, '\n', n);
        from = nl ? nl + 1 : buf + n;
    }
    strbuf lines = {0};
    output_from_log(from, n - (size_t)(from - buf), &lines);
    free(buf);
    int rc = 0;
    if (lines.len > OUTPUT_FILE_MAX) {
        snprintf(err, errlen, "the %s lines hold %zu bytes, more than %d", OUTPUT_LOG_PREFIX,
                 lines.len, OUTPUT_FILE_MAX);
        rc = -1;
    } else if (lines.len) {
        output_parse(lines.data, lines.len, o, warnings);
    }
    sb_free(&lines);
    return rc;
}

bool try_outputs_collect(agent *ag, run *r, size_t i, const try_files *f)
{
    const dag_task *task = &r->model->tasks[i];
    const char *log_path = f->log;
    char *path = try_output_path(log_path);
    output_set o = {0};
    strlist warnings = {0};
    char err[256] = "";
    int rc = task->executor == EXECUTOR_SWARM
                 ? read_log_outputs(f, &o, &warnings, err, sizeof err)
                 : output_file_read(path, &o, &warnings, err, sizeof err);
    free(path);
    FILE *log = (rc || warnings.n) ? fopen(log_path, "a") : NULL;
    if (log) {
        for (size_t k = 0; k < warnings.n; k++)
            fprintf(log, "[dagd] output file %s\n", warnings.items[k]);
        if (rc)
            fprintf(log, "[dagd] %s: the try fails\n", err);
        fclose(log);
    }
    /* A first try that wrote nothing has nothing to replace: try numbers
     * only grow, and a clear drops the outputs (control.c). */
    bool nothing = o.n == 0 && r->tis[i].try_number <= 1;
    if (o.n)
        r->no_outputs = false;
    if (rc == 0 && !nothing &&
        store_outputs_save(ag->db, r->de->dag_id, r->run_id, task->id, r->tis[i].try_number, &o))
        log_error("store: saving the outputs of %s %s %s: %s", r->de->dag_id, r->run_id, task->id,
                  store_error(ag->db));
    output_set_free(&o);
    strlist_free(&warnings);
    return rc == 0;
}
