/* backfill: one backfill__ run per scheduled interval in [from, to] that has
 * no run yet; honours max_active_runs; runs on paused DAGs too. With
 * dry_run, only how many there would be (dagtop asks before it makes them). */
#include "commands.h"
#include "control.h"
#include "timeutil.h"
#include "engine.h"
#include "batch.h"

#include <stdio.h>

static bool arg_date(request *rq, const dag *m, const char *name, int64_t *out)
{
    const char *text;
    if (!arg_string(rq, name, true, &text))
        return false;
    char err[200];
    if (time_parse(text, m->timezone, out, err, sizeof err)) {
        server_reply_error(rq->cl, rq->id, "bad_request", "field \"args.%s\": %s", name, err);
        return false;
    }
    return true;
}

void cmd_backfill(request *rq)
{
    dag_entry *de = arg_dag(rq);
    if (!de)
        return;
    if (!de->model) {
        server_reply_error(rq->cl, rq->id, "broken", "DAG \"%s\" has never loaded", de->dag_id);
        return;
    }
    int64_t from, to;
    bool dry_run = false;
    if (!arg_date(rq, de->model, "from", &from) || !arg_date(rq, de->model, "to", &to) ||
        !arg_bool(rq, "dry_run", &dry_run))
        return;
    json_t *ids = json_array();
    if (dry_run) { /* how many runs, and from when to when: nothing is made */
        char err[200] = "";
        int n = control_backfill(rq->ag, de, from, to, true, ids, err, sizeof err);
        if (n < 0) {
            json_decref(ids);
            server_reply_error(rq->cl, rq->id, "bad_request", "%s", err);
            return;
        }
        const char *tz = de->model->timezone;
        json_t *first =
            n ? json_time_or_null(json_integer_value(json_array_get(ids, 0)), tz) : json_null();
        json_t *last =
            n ? json_time_or_null(json_integer_value(json_array_get(ids, n - 1)), tz) : json_null();
        json_decref(ids);
        server_reply_ok(rq->cl, rq->id,
                        json_pack("{s:b, s:i, s:o, s:o}", "dry_run", true, "count", n, "first",
                                  first, "last", last));
        return;
    }
    char err[200] = "";
    batch_begin(rq->ag);
    int n = control_backfill(rq->ag, de, from, to, false, ids, err, sizeof err);
    if (n >= 0) {
        char detail[160];
        snprintf(detail, sizeof detail, "from %s to %s; created %d run%s",
                 json_string_value(json_object_get(rq->args, "from")),
                 json_string_value(json_object_get(rq->args, "to")), n, n == 1 ? "" : "s");
        audit_change(rq, "backfill", de->dag_id, NULL, NULL, detail);
        engine_pass(rq->ag);
    }
    if (batch_end(rq->ag) && n >= 0) {
        json_decref(ids);
        server_reply_error(
            rq->cl, rq->id, "store",
            "the store refused the write (%s); the change is kept and stored when it can",
            rq->ag->degraded_reason);
        return;
    }
    if (n < 0) {
        json_decref(ids);
        server_reply_error(rq->cl, rq->id, "bad_request", "%s", err);
        return;
    }
    server_reply_ok(rq->cl, rq->id, json_pack("{s:o}", "run_ids", ids));
}
