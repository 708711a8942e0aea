#include "task_env.h"
#include "output_file.h"
#include "store.h"
#include "timeutil.h"
#include "util.h"

#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

/* Once a run (for its model: a clear may move it to another version): the
 * zone conversions and the schedule's steps were most of a try's plan. */
static const struct run_dates *run_dates(run *r)
{
    const dag *m = r->model;
    struct run_dates *d = r->dates;
    if (d && d->model == m)
        return d;
    if (!d)
        d = r->dates = xmalloc(sizeof *d);
    memset(d, 0, sizeof *d);
    d->model = m;
    const char *tz = m->timezone;
    time_format_date(r->logical_us, tz, false, d->ds, sizeof d->ds);
    time_format_date(r->logical_us, tz, true, d->ds_nodash, sizeof d->ds_nodash);
    time_format_iso(r->logical_us, tz, d->ts, sizeof d->ts);
    time_format_iso(r->interval_start_us, tz, d->start, sizeof d->start);
    time_format_iso(r->interval_end_us, tz, d->end, sizeof d->end);
    if (!m->cron.none) {
        int64_t prev = cron_prev(&m->cron, tz, r->logical_us - 1);
        if (prev >= 0)
            time_format_date(prev, tz, false, d->prev_ds, sizeof d->prev_ds);
        int64_t next = cron_next(&m->cron, tz, r->logical_us);
        if (next >= 0)
            time_format_date(next, tz, false, d->next_ds, sizeof d->next_ds);
    }
    return d;
}

void task_vars_init(task_vars *v, run *r, size_t task_index)
{
    const dag *m = r->model;
    const char *tz = m->timezone;
    memset(v, 0, sizeof *v);
    v->timezone = tz;
    v->dates = *run_dates(r);
    char tn[24];
    size_t n = fmt_int(tn, r->tis[task_index].try_number);
    if (n < sizeof v->try_number)
        memcpy(v->try_number, tn, n + 1);

    /* Declared params with their defaults, overridden by the run's. */
    json_t *given = json_loads(r->params_json ? r->params_json : "{}", 0, NULL);
    v->params = given;
    v->names = xcalloc(m->n_params, sizeof *v->names);
    v->values = xcalloc(m->n_params, sizeof *v->values);
    for (size_t i = 0; i < m->n_params; i++) {
        v->names[i] = m->params[i].name;
        json_t *o = given ? json_object_get(given, m->params[i].name) : NULL;
        v->values[i] = json_is_string(o) ? json_string_value(o) : m->params[i].value;
    }
    v->ctx = (template_ctx){
        .ds = v->dates.ds,
        .ds_nodash = v->dates.ds_nodash,
        .ts = v->dates.ts,
        .data_interval_start = v->dates.start,
        .data_interval_end = v->dates.end,
        .prev_ds = v->dates.prev_ds,
        .next_ds = v->dates.next_ds,
        .run_id = r->run_id,
        .dag_id = r->de->dag_id,
        .task_id = m->tasks[task_index].id,
        .try_number = v->try_number,
        .param_names = v->names,
        .param_values = v->values,
        .n_params = m->n_params,
    };
}

static const char *upstream_output(void *arg, const char *task, const char *key)
{
    const task_vars *v = arg;
    json_t *o = json_object_get(json_object_get(v->outputs, task), key);
    return json_string_value(o);
}

void task_vars_load(task_vars *v, store *db, const run *r, size_t task_index)
{
    const dag *m = r->model;
    json_t *all =
        r->no_outputs ? json_object() : store_outputs_json(db, r->de->dag_id, r->run_id, NULL);
    v->ctx.output = upstream_output;
    v->ctx.output_arg = v;
    if (strcmp(r->run_type, "file") == 0)
        v->trigger_file = store_trigger_file(db, r->de->dag_id, r->run_id);
    v->ctx.trigger_file = v->trigger_file;
    if (json_object_size(all) == 0) { /* most runs: no walk over a big DAG */
        v->outputs = all;
        return;
    }
    /* Only the tasks above this one: another branch's outputs are not its
     * inputs (the loader allows only those in templates; env follows). */
    bool *above = xcalloc(m->n_tasks, sizeof *above);
    size_t *stack = xcalloc(m->n_tasks, sizeof *stack), n = 0;
    stack[n++] = task_index;
    while (n) {
        const dag_task *t = &m->tasks[stack[--n]];
        for (size_t k = 0; k < t->n_up; k++)
            if (!above[t->up[k]])
                above[t->up[k]] = true, stack[n++] = t->up[k];
    }
    json_t *mine = json_object();
    for (size_t i = 0; i < m->n_tasks; i++) {
        json_t *o = above[i] ? json_object_get(all, m->tasks[i].id) : NULL;
        if (o)
            json_object_set(mine, m->tasks[i].id, o);
    }
    json_decref(all);
    free(above);
    free(stack);
    v->outputs = mine;
}

void task_vars_free(task_vars *v)
{
    free(v->names);
    free(v->values);
    json_decref(v->params);
    json_decref(v->outputs);
    free(v->trigger_file);
    task_env_free(v->own);
}

static void env_set(strlist *env, const char *key, const char *value)
{
    size_t klen = strlen(key);
    for (size_t i = 0; i < env->n; i++) {
        if (strncmp(env->items[i], key, klen) == 0 && env->items[i][klen] == '=') {
            free(env->items[i]);
            env->items[i] = xconcat(key, "=", value, (char *)NULL);
            return;
        }
    }
    strlist_push_owned(env, xconcat(key, "=", value, (char *)NULL));
}

static char **build(const task_vars *v, const dag_task *t, const char *log_path, char *err,
                    size_t errlen)
{
    strlist env = {0};
    const template_ctx *c = &v->ctx;
    env_set(&env, "DS", c->ds);
    env_set(&env, "TS", c->ts);
    env_set(&env, "DAGD_DAG_ID", c->dag_id);
    env_set(&env, "DAGD_RUN_ID", c->run_id);
    env_set(&env, "DAGD_TASK_ID", c->task_id);
    env_set(&env, "DAGD_TRY_NUMBER", c->try_number);
    env_set(&env, "DAGD_LOGICAL_DATE", c->ts);
    env_set(&env, "DAGD_DATA_INTERVAL_START", c->data_interval_start);
    env_set(&env, "DAGD_DATA_INTERVAL_END", c->data_interval_end);
    env_set(&env, "DAGD_TIMEZONE", v->timezone);
    if (log_path)
        env_set(&env, "DAGD_LOG_FILE", log_path);
    if (log_path && v->output_path)
        env_set(&env, "DAGD_OUTPUT", v->output_path);
    if (v->trigger_file)
        env_set(&env, "DAGD_TRIGGER_FILE", v->trigger_file);
    /* In the DAG's topological order: on a name that two tasks map to
     * (a.b and a_b), the later one wins (the template form is exact). */
    const char *task;
    json_t *kv;
    json_object_foreach((json_t *)v->outputs, task, kv)
    {
        const char *key;
        json_t *val;
        json_object_foreach(kv, key, val)
        {
            char *name = output_env_name(task, key);
            env_set(&env, name, json_string_value(val));
            free(name);
        }
    }
    for (size_t i = 0; i < c->n_params; i++) {
        char *key = xconcat("DAGD_PARAM_", c->param_names[i], (char *)NULL);
        for (char *k = key; *k; k++)
            *k = isalnum((unsigned char)*k) ? (char)toupper((unsigned char)*k) : '_';
        env_set(&env, key, c->param_values[i]);
        free(key);
    }
    for (size_t i = 0; i < t->env.n; i++) {
        char *value = template_render(t->env.items[i], c, false, err, errlen);
        if (!value) {
            strlist_free(&env);
            return NULL;
        }
        char *eq = strchr(value, '=');
        if (eq) {
            *eq = '\0';
            env_set(&env, value, eq + 1);
        }
        free(value);
    }
    strlist_push(&env, ""); /* room for the terminator */
    free(env.items[env.n - 1]);
    env.items[env.n - 1] = NULL;
    return env.items;
}

bool task_env_prepare(task_vars *v, const dag_task *t, const char *log_path, char *err,
                      size_t errlen)
{
    task_env_free(v->own);
    v->own = build(v, t, log_path, err, errlen);
    return v->own != NULL;
}

static bool sets_name(char *const *own, const char *kv, size_t len)
{
    /* The first byte first: each launch asks this of every variable of the
     * agent against every one of its own (strncmp was 7% of the loop's
     * instructions). */
    for (char *const *o = own; *o; o++)
        if ((*o)[0] == kv[0] && strncmp(*o, kv, len + 1) == 0) /* the name and its '=' */
            return true;
    return false;
}

/* Pointers only: the agent never changes its own environment (zones do
 * not go through TZ), and V->own lives as long as V; no string is copied
 * per launch. */
char **task_env_local(const task_vars *v)
{
    size_t n_env = 0, n_own = 0;
    while (environ[n_env])
        n_env++;
    while (v->own[n_own])
        n_own++;
    char **env = xcalloc(n_env + n_own + 1, sizeof *env);
    size_t n = 0;
    for (size_t i = 0; i < n_env; i++) {
        const char *eq = strchr(environ[i], '=');
        if (!eq || !sets_name(v->own, environ[i], (size_t)(eq - environ[i])))
            env[n++] = environ[i];
    }
    memcpy(env + n, v->own, n_own * sizeof *env);
    return env;
}

void task_env_free(char **env)
{
    for (char **e = env; e && *e; e++)
        free(*e);
    free(env);
}
