/* trigger: a manual run for a date (default: now, to the microsecond) with
 * declared params overridden. Accepted on paused DAGs too; the run then
 * waits for unpause. With dry_run, only whether it would be accepted. */
#include "commands.h"
#include "runs.h"
#include "store.h"
#include "timeutil.h"

#include <string.h>

/* Only declared params may be given, each as a string. */
static json_t *check_params(request *rq, const dag *m)
{
    json_t *given = arg_object(rq, "params");
    if (!given)
        return json_object();
    const char *key;
    json_t *value;
    json_object_foreach(given, key, value)
    {
        if (dag_param_index(m, key) < 0) {
            server_reply_error(rq->cl, rq->id, "bad_request",
                               "param \"%s\" is not declared in [params] of %s", key, m->file);
            return NULL;
        }
        if (!json_is_string(value)) {
            server_reply_error(rq->cl, rq->id, "bad_request",
                               "field \"args.params.%s\" must be a string", key);
            return NULL;
        }
    }
    return json_incref(given);
}

json_t *cmd_trigger(request *rq)
{
    dag_entry *de = rq->dag;
    const char *date = arg_str(rq, "date");
    const dag *m = de->model;
    if (!m) {
        server_reply_error(rq->cl, rq->id, "broken", "DAG \"%s\" has never loaded: %s", de->dag_id,
                           de->error ? de->error : "?");
        return NULL;
    }
    int64_t logical = time_now_us();
    char err[256];
    if (date && time_parse(date, m->timezone, &logical, err, sizeof err)) {
        server_reply_error(rq->cl, rq->id, "bad_request", "field \"args.date\": %s", err);
        return NULL;
    }
    json_t *params = check_params(rq, m);
    if (!params)
        return NULL;
    if (arg_bool(rq, "dry_run")) { /* would it be accepted? (dagtop asks after the date prompt) */
        json_decref(params);
        char iso[48];
        time_format_iso(logical, m->timezone, iso, sizeof iso);
        if (store_run_exists_at(rq->ag->db, de->dag_id, logical)) {
            server_reply_error(rq->cl, rq->id, "exists",
                               "DAG \"%s\" already has a run for %s; clear it instead", de->dag_id,
                               iso);
            return NULL;
        }
        return json_pack("{s:b, s:s}", "dry_run", true, "logical_date", iso);
    }
    /* A date on the schedule gets that interval; any other instant an
     * empty interval at itself. */
    int64_t end = logical;
    if (!m->cron.none && cron_prev(&m->cron, m->timezone, logical) == logical)
        end = cron_next(&m->cron, m->timezone, logical);
    char *params_text = json_dumps(params, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(params);
    if (!params_text) {
        server_reply_error(rq->cl, rq->id, "internal", "cannot encode the params");
        return NULL;
    }
    int rc;
    run *r =
        runs_create(rq->ag, de, "manual", logical, logical, end, time_now_us(), params_text, &rc);
    if (r)
        audit_change(rq, "trigger", de->dag_id, r->run_id, NULL,
                     strcmp(params_text, "{}") ? params_text : NULL);
    free(params_text);
    if (!r) {
        char iso[48];
        time_format_iso(logical, m->timezone, iso, sizeof iso);
        if (rc > 0)
            server_reply_error(rq->cl, rq->id, "exists",
                               "DAG \"%s\" already has a run for %s; clear it instead", de->dag_id,
                               iso);
        else
            server_reply_error(rq->cl, rq->id, "store", "could not store the run");
        return NULL;
    }
    rq->changed = true;
    return json_pack("{s:s, s:o}", "run_id", r->run_id, "logical_date",
                     json_date_or_null(r->logical_us, m->timezone));
}
