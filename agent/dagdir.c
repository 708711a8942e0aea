#include "dagdir.h"
#include "admission.h"
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

/* The line of KEY in [SECTION] of PATH, for messages about values the
 * model keeps without their line; FALLBACK when it is not found. */
static int key_line(const char *path, const char *section, const char *key, int fallback)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return fallback;
    char buf[512];
    int line = 0, found = fallback;
    bool inside = false;
    size_t klen = strlen(key);
    while (fgets(buf, sizeof buf, f)) {
        line++;
        char *t = str_trim(buf);
        if (*t == '[') {
            char *end = strchr(t, ']');
            if (end)
                *end = '\0';
            /* "[task  x]" names task x too: compare with single spaces */
            char *w = t + 1;
            for (char *r = t + 1; *r; r++)
                if (!((*r == ' ' || *r == '\t') && (w == t + 1 || w[-1] == ' ')))
                    *w++ = *r == '\t' ? ' ' : *r;
            *w = '\0';
            inside = strcmp(str_trim(t + 1), section) == 0;
        } else if (inside && strncmp(t, key, klen) == 0 && strchr(" \t=", t[klen])) {
            found = line;
            break;
        }
    }
    fclose(f);
    return found;
}

/* Notifiers live in the agent config too. */
static void check_notifiers(const config *cfg, const dag *m, diag_list *diags)
{
    for (size_t i = 0; i < m->notify.n; i++)
        if (!config_notifier(cfg, m->notify.items[i]))
            diag_add(diags, m->file, key_line(m->file, "dag", "notify", 1), false,
                     "unknown notifier \"%s\" (declare [notifier %s] in the agent config)",
                     m->notify.items[i], m->notify.items[i]);
    for (size_t t = 0; t < m->n_tasks; t++) {
        const dag_task *task = &m->tasks[t];
        for (size_t i = 0; i < task->notify.n; i++) {
            if (config_notifier(cfg, task->notify.items[i]))
                continue;
            char *section = xasprintf("task %s", task->id);
            diag_add(diags, m->file, key_line(m->file, section, "notify", task->line), false,
                     "task %s: unknown notifier \"%s\" (declare [notifier %s] in the agent "
                     "config)",
                     task->id, task->notify.items[i], task->notify.items[i]);
            free(section);
        }
    }
}

static char *join_errors(const diag_list *d, size_t from)
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

dag *dagdir_load_checked(const config *cfg, const char *path, diag_list *diags, char **error)
{
    size_t before = diags->n, errors_before = diag_error_count(diags);
    dag *m = dag_load_file(path, cfg->timezone, diags);
    if (m) {
        check_pools(cfg, m, diags);
        check_budgets(cfg, m, diags);
        check_notifiers(cfg, m, diags);
    }
    *error = NULL;
    if (m && diag_error_count(diags) == errors_before)
        return m;
    dag_free(m);
    *error = join_errors(diags, before);
    return NULL;
}

void dagdir_file_stamp(const char *path, file_stamp *out)
{
    struct stat st;
    memset(out, 0, sizeof *out);
    if (stat(path, &st) == 0) {
        out->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
        out->size = (int64_t)st.st_size;
        out->ino = (uint64_t)st.st_ino;
    }
}

dag_entry *dagdir_load_entry(const config *cfg, const char *path, const char *name,
                             diag_list *diags)
{
    dag_entry *de = xcalloc(1, sizeof *de);
    de->file = xstrdup(path);
    de->next_due_us = de->next_logical_us = -1;
    dagdir_file_stamp(path, &de->stamp);
    de->model = dagdir_load_checked(cfg, path, diags, &de->error);
    de->dag_id = de->model ? xstrdup(de->model->id) : xstrndup(name, strlen(name) - 4);
    return de;
}

void dagdir_load(const config *cfg, dag_entry ***out, size_t *n_out, diag_list *diags)
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
    dag_entry **list = xcalloc(names.n, sizeof *list);
    size_t n = 0;
    for (size_t i = 0; i < names.n; i++) {
        char *path = xasprintf("%s/%s", cfg->dags_dir, names.items[i]);
        dag_entry *de = dagdir_load_entry(cfg, path, names.items[i], diags);
        free(path);
        bool duplicate = false;
        for (size_t k = 0; k < n; k++)
            duplicate |= strcmp(list[k]->dag_id, de->dag_id) == 0;
        if (duplicate) {
            diag_add(diags, de->file, 0, false, "DAG id \"%s\" is already used by another file",
                     de->dag_id);
            dag_entry_free(de);
            continue;
        }
        list[n++] = de;
    }
    strlist_free(&names);
    *out = list;
    *n_out = n;
}

void dag_entry_free(dag_entry *de)
{
    if (!de)
        return;
    dag_free(de->model);
    free(de->dag_id);
    free(de->file);
    free(de->error);
    free(de);
}
