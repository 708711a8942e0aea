#include "commands.h"
#include "access.h"
#include "refusals.h"
#include "store.h"
#include "timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const command_entry commands[] = {
    {"dags", false, cmd_dags},
    {"status", false, cmd_status},
    {"next", false, cmd_next},
    {"grid", false, cmd_grid},
    {"task_instance", false, cmd_task_instance},
    {"logs", false, cmd_logs},
    {"wait", false, cmd_wait},
    {"audit", false, cmd_audit},
    {"subscribe", false, cmd_subscribe},
    {"trigger", true, cmd_trigger},
    {"pause", true, cmd_pause},
    {"unpause", true, cmd_unpause},
    {"clear", true, cmd_clear},
    {"mark", true, cmd_mark},
    {"backfill", true, cmd_backfill},
    {"notify_test", true, cmd_notify_test},
};

void audit_change(request *rq, const char *action, const char *dag_id, const char *run_id,
                  const char *task_id, const char *detail)
{
    char *user = access_user_name(client_uid(rq->cl));
    audit_record a = {time_now_us(), client_uid(rq->cl), user, action, dag_id, run_id, task_id,
                      detail};
    if (store_audit(rq->ag->db, &a))
        fprintf(stderr, "dagd: store: writing the audit log: %s\n", store_error(rq->ag->db));
    free(user);
}

/* A refused change is audited too, with what it tried to touch, truncated
 * and rate-limited (refusals.c): a non-operator cannot fill the log. */
static void refuse(request *rq, const char *action)
{
    const char *dag_id = json_string_value(json_object_get(rq->args, "dag_id"));
    const char *run_id = json_string_value(json_object_get(rq->args, "run_id"));
    const char *task_id = json_string_value(json_object_get(rq->args, "task_id"));
    refusals_record(rq->ag, client_uid(rq->cl), action, dag_id, run_id, task_id);
    server_reply_error(rq->cl, rq->id, "forbidden",
                       "uid %u is not an operator of this agent (see [access] operators)",
                       (unsigned)client_uid(rq->cl));
}

bool command_dispatch(request *rq, const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
        const command_entry *e = &commands[i];
        if (strcmp(e->name, name) != 0)
            continue;
        if (e->changes_state && !access_is_operator(rq->ag->cfg.operators, client_uid(rq->cl)))
            refuse(rq, e->name);
        else if (e->changes_state && rq->ag->degraded)
            server_reply_error(rq->cl, rq->id, "store",
                               "no changes while the store cannot be written (%s)",
                               rq->ag->degraded_reason);
        else
            e->run(rq);
        return true;
    }
    return false;
}

bool arg_string(request *rq, const char *name, bool required, const char **out)
{
    json_t *v = json_object_get(rq->args, name);
    if (!v || json_is_null(v)) {
        *out = NULL;
        if (!required)
            return true;
        server_reply_error(rq->cl, rq->id, "bad_request", "missing field \"args.%s\"", name);
        return false;
    }
    if (!json_is_string(v)) {
        server_reply_error(rq->cl, rq->id, "bad_request", "field \"args.%s\" must be a string",
                           name);
        return false;
    }
    *out = json_string_value(v);
    return true;
}

bool arg_int(request *rq, const char *name, bool required, long long *out)
{
    json_t *v = json_object_get(rq->args, name);
    if (!v || json_is_null(v)) {
        if (!required)
            return true;
        server_reply_error(rq->cl, rq->id, "bad_request", "missing field \"args.%s\"", name);
        return false;
    }
    if (!json_is_integer(v)) {
        server_reply_error(rq->cl, rq->id, "bad_request", "field \"args.%s\" must be an integer",
                           name);
        return false;
    }
    *out = json_integer_value(v);
    return true;
}

bool arg_bool(request *rq, const char *name, bool *out)
{
    json_t *v = json_object_get(rq->args, name);
    if (!v || json_is_null(v))
        return true;
    if (!json_is_boolean(v)) {
        server_reply_error(rq->cl, rq->id, "bad_request", "field \"args.%s\" must be true or false",
                           name);
        return false;
    }
    *out = json_is_true(v);
    return true;
}

dag_entry *arg_dag(request *rq)
{
    const char *id;
    if (!arg_string(rq, "dag_id", true, &id))
        return NULL;
    dag_entry *de = agent_find_dag(rq->ag, id);
    if (!de)
        server_reply_error(rq->cl, rq->id, "not_found", "no DAG \"%s\"", id);
    return de;
}

json_t *json_date_or_null(int64_t t_us, const char *tz)
{
    if (t_us < 0)
        return json_null();
    char buf[48];
    time_format_iso(t_us, tz, buf, sizeof buf);
    return json_string(buf);
}

json_t *json_time_or_null(int64_t t_us, const char *tz)
{
    return t_us <= 0 ? json_null() : json_date_or_null(t_us, tz);
}

bool arg_selection(request *rq, selection_flags *f, bool allow_failed_only)
{
    memset(f, 0, sizeof *f);
    if (!arg_bool(rq, "downstream", &f->downstream) || !arg_bool(rq, "upstream", &f->upstream) ||
        !arg_bool(rq, "past", &f->past) || !arg_bool(rq, "future", &f->future))
        return false;
    if (allow_failed_only)
        return arg_bool(rq, "failed_only", &f->failed_only);
    return true;
}

char *selection_describe(const selection_flags *f, int touched)
{
    strbuf sb = {0};
    const char *names[] = {"downstream", "upstream", "past", "future", "failed_only"};
    const bool on[] = {f->downstream, f->upstream, f->past, f->future, f->failed_only};
    for (size_t i = 0; i < 5; i++)
        if (on[i])
            sb_appendf(&sb, "%s%s", sb.len ? "," : "flags: ", names[i]);
    sb_appendf(&sb, "%stouched %d task instance%s", sb.len ? "; " : "", touched,
               touched == 1 ? "" : "s");
    return sb_take(&sb);
}

bool arg_run(request *rq, dag_entry *de, char **run_id, enum run_state *state)
{
    const char *ref;
    if (!arg_string(rq, "run_id", true, &ref))
        return false;
    enum run_state found;
    const char *tz = de->model ? de->model->timezone : "UTC";
    int rc = store_find_run(rq->ag->db, de->dag_id, tz, ref, run_id, state ? state : &found);
    if (rc == 2)
        server_reply_error(rq->cl, rq->id, "ambiguous",
                           "several runs of \"%s\" match \"%s\"; give the run id", de->dag_id, ref);
    else if (rc)
        server_reply_error(rq->cl, rq->id, "not_found", "DAG \"%s\" has no run \"%s\"", de->dag_id,
                           ref);
    return rc == 0;
}

bool arg_task(request *rq, dag_entry *de, size_t *index)
{
    const char *task_id;
    if (!arg_string(rq, "task_id", true, &task_id))
        return false;
    int i = de->model ? dag_task_index(de->model, task_id) : -1;
    if (i < 0) {
        server_reply_error(rq->cl, rq->id, "not_found", "DAG \"%s\" has no task \"%s\"", de->dag_id,
                           task_id);
        return false;
    }
    *index = (size_t)i;
    return true;
}
