#include "commands.h"
#include "access.h"
#include "timeutil.h"

#include <string.h>

static const command_entry commands[] = {
    {"dags", false, cmd_dags},       {"status", false, cmd_status},
    {"next", false, cmd_next},       {"trigger", true, cmd_trigger},
    {"wait", false, cmd_wait},       {"grid", false, cmd_grid},
    {"logs", false, cmd_logs},       {"subscribe", false, cmd_subscribe},
};

static void refuse(request *rq)
{
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
            refuse(rq);
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

json_t *json_time_or_null(int64_t t_us, const char *tz)
{
    if (t_us <= 0)
        return json_null();
    char buf[48];
    time_format_iso(t_us, tz, buf, sizeof buf);
    return json_string(buf);
}
