/* backfill: one backfill__ run per scheduled interval in [from, to] that has
 * no run yet; honours max_active_runs; runs on paused DAGs too. With
 * dry_run, only how many there would be (dagtop asks before it makes them).
 * A big one is made in steps, each its own commit, with the loop free in
 * between; the reply comes once all are stored. Made at once, 3,650 runs
 * of 40 tasks held every reply and every try's start back for half a
 * second, and their parked runs (1.6 MiB) until the commit. */
#include "batch.h"
#include "commands.h"
#include "control.h"
#include "engine.h"
#include "timeutil.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/queue.h>

/* A step makes at most STEP_RUNS runs, and stops after STEP_US (having
 * made one at least); STEP_GAP_MS between steps (not 0: libuv would run a
 * timer re-armed with 0 again before any I/O). */
#define STEP_RUNS 64
#define STEP_US 5000
#define STEP_GAP_MS 1

typedef struct backfill_job {
    uv_timer_t timer;
    agent *ag;
    client *cl;
    json_t *id;
    uid_t uid;
    char *dag_id;
    int64_t *dates; /* logical dates that had no run when it was asked */
    size_t n_dates, next;
    json_t *run_ids; /* made so far: the reply */
    char *from, *to; /* as asked, for the audit record */
    LIST_ENTRY(backfill_job) entry;
} backfill_job;

static LIST_HEAD(backfill_jobs, backfill_job) jobs = LIST_HEAD_INITIALIZER(jobs);

static void on_job_closed(uv_handle_t *h)
{
    backfill_job *j = h->data;
    client_unref(j->cl);
    json_decref(j->id);
    json_decref(j->run_ids);
    free(j->dag_id);
    free(j->dates);
    free(j->from);
    free(j->to);
    free(j);
}

static void job_drop(backfill_job *j)
{
    LIST_REMOVE(j, entry);
    uv_close((uv_handle_t *)&j->timer, on_job_closed);
}

static void audit_made(agent *ag, uid_t uid, const char *dag_id, const char *from, const char *to,
                       size_t n)
{
    char detail[160];
    snprintf(detail, sizeof detail, "from %s to %s; created %zu run%s", from, to, n,
             n == 1 ? "" : "s");
    audit_change_by(ag, uid, "backfill", dag_id, NULL, NULL, detail);
}

/* A job cut short says so in a second record (its first said what it was
 * to make). */
static void audit_stopped(backfill_job *j, const char *why)
{
    char detail[160];
    snprintf(detail, sizeof detail, "stopped (%s): %zu of %zu runs made", why,
             json_array_size(j->run_ids), j->n_dates);
    audit_change_by(j->ag, j->uid, "backfill", j->dag_id, NULL, NULL, detail);
}

void backfill_shutdown(agent *ag)
{
    backfill_job *j;
    if (!LIST_EMPTY(&jobs)) {
        batch_begin(ag);
        LIST_FOREACH(j, &jobs, entry)
            audit_stopped(j, "the agent stopped");
        batch_end(ag);
    }
    while ((j = LIST_FIRST(&jobs)))
        job_drop(j);
}

static void on_step(uv_timer_t *t)
{
    backfill_job *j = t->data;
    agent *ag = j->ag;
    dag_entry *de = agent_find_dag(ag, j->dag_id);
    batch_begin(ag);
    bool gone = !de || !de->model || de->removed || de->model->cron.none;
    /* With the first runs: every run made has its origin, even after a
     * kill -9 (the record then says more than was made). */
    if (j->next == 0 && !gone)
        audit_made(ag, j->uid, j->dag_id, j->from, j->to, j->n_dates);
    int64_t t0 = time_now_us();
    for (size_t made = 0; !gone && j->next < j->n_dates && made < STEP_RUNS &&
                          (made == 0 || time_now_us() - t0 < STEP_US);
         made++)
        control_backfill_one(ag, de, j->dates[j->next++], j->run_ids);
    size_t n = json_array_size(j->run_ids);
    bool last = gone || j->next == j->n_dates;
    if (gone)
        audit_stopped(j, "its DAG went away");
    engine_pass(ag);
    int refused = batch_end(ag);
    bool answer = !client_closed(j->cl);
    if (refused && answer)
        server_reply_error(j->cl, j->id, "store",
                           "the store refused the write (%s); the %zu runs made are kept and "
                           "stored when it can, the rest were not made",
                           ag->degraded_reason, n);
    else if (gone && answer)
        server_reply_error(j->cl, j->id, "not_found",
                           "DAG \"%s\" went away during its backfill: %zu of %zu runs were made",
                           j->dag_id, n, j->n_dates);
    else if (last && answer)
        server_reply_ok(j->cl, j->id, json_pack("{s:O}", "run_ids", j->run_ids));
    if (refused || last)
        job_drop(j);
    else
        uv_timer_start(t, on_step, STEP_GAP_MS, 0);
}

/* More than a step's runs: the job replies once they are all made. */
static json_t *start_job(request *rq, json_t *dates)
{
    backfill_job *j = xcalloc(1, sizeof *j);
    j->ag = rq->ag;
    j->cl = rq->cl;
    client_ref(j->cl);
    j->id = json_incref(rq->id);
    j->uid = client_uid(rq->cl);
    j->dag_id = xstrdup(rq->dag->dag_id);
    j->n_dates = json_array_size(dates);
    j->dates = xcalloc(j->n_dates, sizeof *j->dates);
    for (size_t i = 0; i < j->n_dates; i++)
        j->dates[i] = json_integer_value(json_array_get(dates, i));
    j->run_ids = json_array();
    j->from = xstrdup(arg_str(rq, "from"));
    j->to = xstrdup(arg_str(rq, "to"));
    uv_timer_init(rq->ag->loop, &j->timer);
    j->timer.data = j;
    uv_timer_start(&j->timer, on_step, 0, 0);
    LIST_INSERT_HEAD(&jobs, j, entry);
    return NULL;
}

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
        int n = control_backfill_dates(rq->ag, de, from, to, ids, err, sizeof err);
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
    /* The dates first: errors are answered at once, and a big one goes in
     * steps. */
    int n = control_backfill_dates(rq->ag, de, from, to, ids, err, sizeof err);
    if (n < 0) {
        json_decref(ids);
        server_reply_error(rq->cl, rq->id, "bad_request", "%s", err);
        return NULL;
    }
    if (n > STEP_RUNS) {
        json_t *none = start_job(rq, ids);
        json_decref(ids);
        return none;
    }
    json_t *made = json_array();
    for (int i = 0; i < n; i++)
        control_backfill_one(rq->ag, de, json_integer_value(json_array_get(ids, (size_t)i)), made);
    json_decref(ids);
    audit_made(rq->ag, client_uid(rq->cl), de->dag_id, arg_str(rq, "from"), arg_str(rq, "to"),
               json_array_size(made));
    rq->changed = true;
    return json_pack("{s:o}", "run_ids", made);
}
