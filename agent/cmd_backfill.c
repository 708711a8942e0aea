/* backfill: one backfill__ run per scheduled interval in [from, to] that has
 * no run yet; honours max_active_runs; runs on paused DAGs too. With
 * dry_run, only how many there would be (dagtop asks before it makes them). */
#include "commands.h"
#include "control.h"
#include "timeutil.h"

#include <stdio.h>

/* A date in the DAG's zone (its presence and type are checked already). */
static bool arg_date(request *rq, const dag *m, const char *name, int64_t *out)
{
    char err[200];
    if (time_parse(arg_str(rq, name), m->timezone, out, err, sizeof err)) {
        server_reply_error(rq->cl, rq->id, "bad_request", "field \"args.%s\": %s", name, err);
        return false;
    }
    return true;
}

json_t *cmd_backfill(request *rq)
{
    dag_entry *de = rq->dag;
    if (!de->model) {
        server_reply_error(rq->cl, rq->id, "broken", "DAG \"%s\" has never loaded", de->dag_id);
        return NULL;
    }
    int64_t from, to;
    if (!arg_date(rq, de->model, "from", &from) || !arg_date(rq, de->model, "to", &to))
        return NULL;
    bool dry_run = arg_bool(rq, "dry_run");
    json_t *ids = json_array();
    if (dry_run) { /* how many runs, and from when to when: nothing is made */
        char err[200] = "";
        int n = control_backfill(rq->ag, de, from, to, true, ids, err, sizeof err);
        if (n < 0) {
            json_decref(ids);
            server_reply_error(rq->cl, rq->id, "bad_request", "%s", err);
            return NULL;
        }
        const char *tz = de->model->timezone;
        json_t *first =
            n ? json_date_or_null(json_integer_value(json_array_get(ids, 0)), tz) : json_null();
        json_t *last =
            n ? json_date_or_null(json_integer_value(json_array_get(ids, n - 1)), tz) : json_null();
        json_decref(ids);
        return json_pack("{s:b, s:i, s:o, s:o}", "dry_run", true, "count", n, "first", first,
                         "last", last);
    }
    char err[200] = "";
    int n = control_backfill(rq->ag, de, from, to, false, ids, err, sizeof err);
    if (n < 0) {
        json_decref(ids);
        server_reply_error(rq->cl, rq->id, "bad_request", "%s", err);
        return NULL;
    }
    char detail[160];
    snprintf(detail, sizeof detail, "from %s to %s; created %d run%s", arg_str(rq, "from"),
             arg_str(rq, "to"), n, n == 1 ? "" : "s");
    audit_change(rq, "backfill", de->dag_id, NULL, NULL, detail);
    rq->changed = true;
    return json_pack("{s:o}", "run_ids", ids);
}
