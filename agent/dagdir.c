#include "dagdir.h"
#include "admission.h"
#include "fsutil.h"
#include "log.h"
#include "utf8.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

bool dagdir_is_dag_file(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && name[0] != '.' && strcmp(name + n - 4, ".ini") == 0;
}

/* Pools live in the agent config, so only the agent can check them. */
static void check_pools(const config *cfg, const dag *m, diag_list *diags)
{
    for (size_t i = 0; i < m->n_tasks; i++) {
        const dag_task *t = &m->tasks[i];
        if (t->pool && !config_pool(cfg, t->pool))
            diag_add(diags, m->file, t->line, false,
                     "task %s: unknown pool \"%s\" (declare [pool %s] in the agent config)", t->id,
                     t->pool, t->pool);
    }
}

/* The budgets live in the agent config too: a task that can never fit them
 * would wait in queued for ever, so it is a load error. */
static void check_budgets(const config *cfg, const dag *m, diag_list *diags)
{
    for (size_t i = 0; i < m->n_tasks; i++) {
        const dag_task *t = &m->tasks[i];
        if (t->executor == EXECUTOR_SWARM)
            continue; /* the cluster's nodes hold its reservations, not this host */
        const char *why =
            admission_never_fits(cfg->memory_budget, cfg->cpu_budget, t->memory_bytes, t->cpus);
        if (why && strcmp(why, "memory") == 0)
            diag_add(diags, m->file, t->line, false,
                     "task %s: memory %.0fM can never fit the agent's memory_budget %.0fM", t->id,
                     (double)t->memory_bytes / (1 << 20), (double)cfg->memory_budget / (1 << 20));
        else if (why)
            diag_add(diags, m->file, t->line, false,
                     "task %s: cpus %g can never fit the agent's cpu_budget %g", t->id, t->cpus,
                     cfg->cpu_budget);
    }
}

/* Notifiers live in the agent config too. */
static void check_notifiers(const config *cfg, const dag *m, diag_list *diags)
{
    for (size_t i = 0; i < m->notify.n; i++)
        if (!config_notifier(cfg, m->notify.items[i]))
            diag_add(diags, m->file, m->notify_line ? m->notify_line : 1, false,
                     "unknown notifier \"%s\" (declare [notifier %s] in the agent config)",
                     m->notify.items[i], m->notify.items[i]);
    for (size_t t = 0; t < m->n_tasks; t++) {
        const dag_task *task = &m->tasks[t];
        for (size_t i = 0; i < task->notify.n; i++)
            if (!config_notifier(cfg, task->notify.items[i]))
                diag_add(diags, m->file, task->notify_line ? task->notify_line : task->line, false,
                         "task %s: unknown notifier \"%s\" (declare [notifier %s] in the agent "
                         "config)",
                         task->id, task->notify.items[i], task->notify.items[i]);
    }
}

char *dagdir_join_errors(const diag_list *d, size_t from)
{
    strbuf sb = {0};
    for (size_t i = from; i < d->n; i++) {
        if (d->items[i].warning)
            continue;
        char *s = diag_format(&d->items[i]);
        sb_appendf(&sb, "%s%s", sb.len ? "\n" : "", s);
        free(s);
    }
    return sb_take(&sb);
}

dag *dagdir_check(const config *cfg, dag *m, diag_list *diags, size_t before, char **error)
{
    size_t errors_before = diag_error_count(diags);
    for (size_t i = before; i < diags->n; i++)
        errors_before -= !diags->items[i].warning;
    if (m) {
        check_pools(cfg, m, diags);
        check_budgets(cfg, m, diags);
        check_notifiers(cfg, m, diags);
    }
    *error = NULL;
    if (m && diag_error_count(diags) == errors_before)
        return m;
    dag_free(m);
    *error = dagdir_join_errors(diags, before);
    return NULL;
}

size_t dagdir_check_all(const config *cfg, dag **models, size_t n, diag_list *diags, size_t before,
                        char **error)
{
    *error = NULL;
    if (!n)
        return 0;
    /* A family's members differ only in their commands, env and images:
     * the config checks of the first speak for all (once, not per member). */
    if (!dagdir_check(cfg, models[0], diags, before, error)) {
        for (size_t i = 1; i < n; i++)
            dag_free(models[i]);
        return 0;
    }
    return n;
}

dag *dagdir_load_checked(const config *cfg, const char *path, diag_list *diags, char **error)
{
    size_t before = diags->n;
    return dagdir_check(cfg, dag_load_file(path, cfg->timezone, diags), diags, before, error);
}

void dagdir_file_stamp(const char *path, file_stamp *out)
{
    struct stat st;
    memset(out, 0, sizeof *out);
    if (stat(path, &st) == 0) {
        out->mtime_ns = fs_mtime_ns(&st);
        out->size = (int64_t)st.st_size;
        out->ino = (uint64_t)st.st_ino;
    }
}

dag_entry *dagdir_load_entry(const config *cfg, const char *path, const char *name,
                             diag_list *diags)
{
    file_stamp st;
    dagdir_file_stamp(path, &st);
    char *error = NULL;
    dag *m = dagdir_load_checked(cfg, path, diags, &error);
    return dagdir_entry_new(path, name, &st, m, error);
}

size_t dagdir_load_entries(const config *cfg, const char *path, const char *name, diag_list *diags,
                           dag_entry ***out)
{
    file_stamp st;
    dagdir_file_stamp(path, &st);
    size_t before = diags->n;
    dag **models = NULL;
    size_t n = dag_load_file_all(path, cfg->timezone, diags, &models);
    char *error = NULL;
    if (!n)
        error = dagdir_join_errors(diags, before);
    else
        n = dagdir_check_all(cfg, models, n, diags, before, &error);
    *out = xcalloc(n ? n : 1, sizeof **out);
    if (!n) {
        (*out)[0] = dagdir_entry_new(path, name, &st, NULL, error);
        free(models);
        return 1;
    }
    for (size_t i = 0; i < n; i++)
        (*out)[i] = dagdir_entry_new(path, name, &st, models[i], NULL);
    free(models);
    return n;
}

dag_entry *dagdir_entry_new(const char *path, const char *name, const file_stamp *st, dag *m,
                            char *error)
{
    dag_entry *de = xcalloc(1, sizeof *de);
    de->file = xstrdup(path);
    de->next_due_us = de->next_logical_us = -1;
    de->skipped_logical_us = de->window_logged_us = -1;
    de->stamp = *st;
    de->model = m;
    de->error = error;
    if (de->model) {
        de->dag_id = xstrdup(de->model->id);
    } else { /* its name without ".ini", as UTF-8 (JSON needs it) */
        char *raw = xstrndup(name, strlen(name) - 4);
        de->dag_id = utf8_escape(raw);
        free(raw);
    }
    return de;
}

char *dagdir_duplicate_error(const dag_entry *de, const dag_entry *holder)
{
    char *file = utf8_escape(de->file), *other = utf8_escape(holder->file);
    char *e = xasprintf("%s: DAG id \"%s\" is already used by %s (rename one of them)", file,
                        de->dag_id, other);
    free(file);
    free(other);
    return e;
}

void dagdir_make_duplicate(dag_entry *de, const dag_entry *holder)
{
    dag_unref(de->model);
    de->model = NULL;
    de->duplicate = true;
    free(de->error);
    de->error = dagdir_duplicate_error(de, holder);
}

/* Entries with a model that share a DAG id: one keeps it (the file OWNER
 * names, else the first by name), the others are listed with an error. */
static void settle_duplicates(dag_entry **list, size_t n, dagdir_owner_fn owner, void *ctx,
                              diag_list *diags)
{
    strindex *first = strindex_new(), *files = strindex_new();
    size_t *keep = xmalloc((n ? n : 1) * sizeof *keep); /* per first file: the holder */
    for (size_t i = 0; i < n; i++) {
        keep[i] = (size_t)-1;
        strindex_add(files, list[i]->file, i);
        if (list[i]->model)
            strindex_add(first, list[i]->dag_id, i);
    }
    for (size_t i = 0; i < n; i++) {
        size_t k = list[i]->model ? strindex_get(first, list[i]->dag_id) : i;
        if (k == i || keep[k] != (size_t)-1)
            continue;
        /* A second file with this id: choose the holder once. */
        keep[k] = k;
        char *want = owner ? owner(ctx, list[k]->dag_id) : NULL;
        size_t w = want ? strindex_get(files, want) : (size_t)-1;
        if (w != (size_t)-1 && list[w]->model && strcmp(list[w]->dag_id, list[k]->dag_id) == 0)
            keep[k] = w;
        free(want);
    }
    for (size_t i = 0; i < n; i++) {
        if (!list[i]->model)
            continue;
        size_t k = strindex_get(first, list[i]->dag_id);
        if (keep[k] == (size_t)-1 || keep[k] == i)
            continue;
        const dag_entry *holder = list[keep[k]];
        diag_add(diags, list[i]->file, 0, false, "DAG id \"%s\" is already used by %s",
                 list[i]->dag_id, holder->file);
        dagdir_make_duplicate(list[i], holder);
    }
    free(keep);
    strindex_free(first);
    strindex_free(files);
}

void dagdir_load(const config *cfg, dagdir_owner_fn owner, void *ctx, dag_entry ***out,
                 size_t *n_out, diag_list *diags)
{
    *out = NULL;
    *n_out = 0;
    DIR *dir = opendir(cfg->dags_dir);
    if (!dir) {
        diag_add(diags, cfg->dags_dir, 0, false, "cannot read dags_dir: %s", strerror(errno));
        return;
    }
    strlist names = {0};
    for (struct dirent *e; (e = readdir(dir));)
        if (dagdir_is_dag_file(e->d_name))
            strlist_push(&names, e->d_name);
    closedir(dir);
    if (names.n) /* an empty folder has no array (qsort wants one) */
        qsort(names.items, names.n, sizeof *names.items, by_name);
    dag_entry **list = NULL;
    size_t n = 0;
    for (size_t i = 0; i < names.n; i++) {
        char *path = xasprintf("%s/%s", cfg->dags_dir, names.items[i]);
        dag_entry **got = NULL;
        size_t k = dagdir_load_entries(cfg, path, names.items[i], diags, &got);
        list = xrealloc(list, (n + k) * sizeof *list);
        for (size_t j = 0; j < k; j++) {
            list[n++] = got[j];
            if (got[j]->model)
                log_debug("loaded DAG %s from %s", got[j]->dag_id, path);
        }
        free(got);
        free(path);
    }
    strlist_free(&names);
    settle_duplicates(list, n, owner, ctx, diags);
    *out = list;
    *n_out = n;
}

void dag_entry_free(dag_entry *de)
{
    if (!de)
        return;
    dag_unref(de->model);
    free(de->dag_id);
    free(de->file);
    free(de->error);
    free(de);
}
