/* Command arguments: each command's table entry lists them as data; they are
 * checked here, in table order, before its handler runs, so that handlers
 * read values that are already checked and resolved. */
#include "commands.h"
#include "log.h"
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t spec_index(const request *rq, const char *name)
{
    for (size_t k = 0; k < ARGS_MAX && rq->cmd->args[k].name; k++)
        if (strcmp(rq->cmd->args[k].name, name) == 0)
            return k;
    log_error("command %s reads \"%s\", not in its table", rq->cmd->name, name);
    abort(); /* a handler reading what its table does not declare */
}

const char *arg_str(const request *rq, const char *name)
{
    return rq->val[spec_index(rq, name)].s;
}

long long arg_int(const request *rq, const char *name)
{
    return rq->val[spec_index(rq, name)].i;
}

bool arg_bool(const request *rq, const char *name)
{
    return rq->val[spec_index(rq, name)].b;
}

json_t *arg_object(const request *rq, const char *name)
{
    return rq->val[spec_index(rq, name)].o;
}

bool arg_given(const request *rq, const char *name)
{
    return rq->val[spec_index(rq, name)].given;
}

/* "\"a\", \"b\" or \"c\"" */
static void describe_choices(const arg_spec *a, char *buf, size_t len, bool quoted)
{
    size_t n = 0, used = 0;
    while (a->choices[n])
        n++;
    buf[0] = '\0';
    for (size_t k = 0; k < n && used < len; k++) {
        const char *sep = k == 0 ? "" : k + 1 == n ? " or " : ", ";
        const char *q = quoted ? "\"" : "";
        int w = snprintf(buf + used, len - used, "%s%s%s%s", sep, q, a->choices[k], q);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

static bool resolve_run(request *rq, const char *ref)
{
    dag_entry *de = rq->dag;
    if (!de)
        abort(); /* the table lists a run before its DAG */
    const char *tz = de->model ? de->model->timezone : "UTC";
    int rc = store_find_run(rq->ag->db, de->dag_id, tz, ref, &rq->run_id, &rq->run_state);
    if (rc == 2)
        server_reply_error(rq->cl, rq->id, "ambiguous",
                           "several runs of \"%s\" match \"%s\"; give the run id", de->dag_id, ref);
    else if (rc)
        server_reply_error(rq->cl, rq->id, "not_found", "DAG \"%s\" has no run \"%s\"", de->dag_id,
                           ref);
    return rc == 0;
}

/* A string that names something: does it exist? */
static bool resolve(request *rq, const arg_spec *a, const char *s)
{
    switch (a->type) {
    case ARG_CHOICE: {
        for (size_t k = 0; a->choices[k]; k++)
            if (strcmp(a->choices[k], s) == 0)
                return true;
        char choices[200];
        describe_choices(a, choices, sizeof choices, true);
        server_reply_error(rq->cl, rq->id, "bad_request", "field \"args.%s\" must be %s", a->name,
                           choices);
        return false;
    }
    case ARG_DAG:
        rq->dag = agent_find_dag(rq->ag, s);
        if (!rq->dag)
            server_reply_error(rq->cl, rq->id, "not_found", "no DAG \"%s\"", s);
        return rq->dag != NULL;
    case ARG_RUN:
        return resolve_run(rq, s);
    case ARG_TASK: {
        if (!rq->dag)
            abort(); /* the table lists a task before its DAG */
        int i = rq->dag->model ? dag_task_index(rq->dag->model, s) : -1;
        if (i < 0) {
            server_reply_error(rq->cl, rq->id, "not_found", "DAG \"%s\" has no task \"%s\"",
                               rq->dag->dag_id, s);
            return false;
        }
        rq->task = (size_t)i;
        return true;
    }
    default:
        return true;
    }
}

static bool check_one(request *rq, const arg_spec *a, arg_value *v)
{
    json_t *j = json_object_get(rq->args, a->name);
    v->i = a->def;
    if (!j || json_is_null(j)) {
        if (a->required)
            server_reply_error(rq->cl, rq->id, "bad_request", "missing field \"args.%s\"", a->name);
        return !a->required;
    }
    v->given = true;
    switch (a->type) {
    case ARG_INT:
        if (!json_is_integer(j)) {
            server_reply_error(rq->cl, rq->id, "bad_request",
                               "field \"args.%s\" must be an integer", a->name);
            return false;
        }
        v->i = json_integer_value(j);
        if (a->min < a->max && (v->i < a->min || v->i > a->max)) {
            char bounds[64];
            arg_describe_bounds(a, bounds, sizeof bounds);
            server_reply_error(rq->cl, rq->id, "bad_request", "field \"args.%s\" must be %s",
                               a->name, bounds);
            return false;
        }
        return true;
    case ARG_BOOL:
        if (!json_is_boolean(j)) {
            server_reply_error(rq->cl, rq->id, "bad_request",
                               "field \"args.%s\" must be true or false", a->name);
            return false;
        }
        v->b = json_is_true(j);
        return true;
    case ARG_OBJECT:
        if (!json_is_object(j)) {
            server_reply_error(rq->cl, rq->id, "bad_request", "field \"args.%s\" must be an object",
                               a->name);
            return false;
        }
        v->o = j;
        return true;
    default: /* the string kinds */
        if (!json_is_string(j)) {
            server_reply_error(rq->cl, rq->id, "bad_request", "field \"args.%s\" must be a string",
                               a->name);
            return false;
        }
        v->s = json_string_value(j);
        return resolve(rq, a, v->s);
    }
}

bool args_check(request *rq)
{
    for (size_t k = 0; k < ARGS_MAX && rq->cmd->args[k].name; k++)
        if (!check_one(rq, &rq->cmd->args[k], &rq->val[k]))
            return false;
    return true;
}

const char *arg_type_name(enum arg_type type)
{
    static const char *const names[] = {
        [ARG_STRING] = "string", [ARG_INT] = "integer",   [ARG_BOOL] = "boolean",
        [ARG_OBJECT] = "object", [ARG_CHOICE] = "choice", [ARG_DAG] = "dag",
        [ARG_RUN] = "run",       [ARG_TASK] = "task",
    };
    return names[type];
}

void arg_describe_bounds(const arg_spec *a, char *buf, size_t len)
{
    buf[0] = '\0';
    if (a->type == ARG_INT && a->min < a->max && a->max == ARG_NO_MAX)
        snprintf(buf, len, ">= %lld", a->min);
    else if (a->type == ARG_INT && a->min < a->max)
        snprintf(buf, len, "%lld..%lld", a->min, a->max);
    else if (a->type == ARG_CHOICE)
        describe_choices(a, buf, len, false);
}

void arg_describe_default(const arg_spec *a, char *buf, size_t len)
{
    buf[0] = '\0';
    if (a->def_text)
        snprintf(buf, len, "%s", a->def_text);
    else if (a->type == ARG_INT && !a->required)
        snprintf(buf, len, "%lld", a->def);
    else if (a->type == ARG_BOOL)
        snprintf(buf, len, "false");
}
