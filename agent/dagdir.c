#include "dagdir.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_dag_file(const char *name)
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

static dag_entry *load_one(const config *cfg, const char *path, const char *name,
                           diag_list *diags)
{
    size_t before = diags->n, errors_before = diag_error_count(diags);
    dag *m = dag_load_file(path, cfg->timezone, diags);
    if (m)
        check_pools(cfg, m, diags);
    dag_entry *de = xcalloc(1, sizeof *de);
    de->file = xstrdup(path);
    de->next_due_us = de->next_logical_us = -1;
    if (m && diag_error_count(diags) == errors_before) {
        de->model = m;
        de->dag_id = xstrdup(m->id);
    } else {
        dag_free(m);
        de->dag_id = xstrndup(name, strlen(name) - 4);
        de->error = join_errors(diags, before);
    }
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
        if (is_dag_file(e->d_name))
            strlist_push(&names, e->d_name);
    closedir(dir);
    qsort(names.items, names.n, sizeof *names.items, by_name);
    dag_entry **list = xcalloc(names.n, sizeof *list);
    size_t n = 0;
    for (size_t i = 0; i < names.n; i++) {
        char *path = xasprintf("%s/%s", cfg->dags_dir, names.items[i]);
        dag_entry *de = load_one(cfg, path, names.items[i], diags);
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
