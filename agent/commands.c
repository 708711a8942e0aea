/* The command table and its dispatch: access, arguments (command_args.c)
 * and, for changes, the batch are handled here, once, so that each cmd_*.c
 * holds only its command's logic. */
#include "commands.h"
#include "log.h"
#include "access.h"
#include "refusals.h"
#include "batch.h"
#include "engine.h"
#include "store.h"
#include "timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARG(n, t, r)                                                                               \
    {                                                                                              \
        .name = n, .type = t, .required = r                                                        \
    }
#define INT_ARG(n, lo, hi, d)                                                                      \
    {                                                                                              \
        .name = n, .type = ARG_INT, .min = lo, .max = hi, .def = d                                 \
    }
/* An integer with only a lower bound. */
#define MIN_ARG(n, lo, d) INT_ARG(n, lo, ARG_NO_MAX, d)
/* A page's first row: absent is not 0 but the plain list. */
#define PAGE_OFFSET                                                                                \
    {                                                                                              \
        .name = "offset", .type = ARG_INT, .max = ARG_NO_MAX, .def_text = "none"                   \
    }
#define FLAG(n) ARG(n, ARG_BOOL, OPTIONAL)
#define DAG_ID ARG("dag_id", ARG_DAG, REQUIRED)
#define RUN_ID ARG("run_id", ARG_RUN, REQUIRED)
#define TASK_ID ARG("task_id", ARG_TASK, REQUIRED)
#define SELECTION FLAG("downstream"), FLAG("upstream"), FLAG("past"), FLAG("future")

static const char *const mark_states[] = {"success", "failed", NULL};
static const char *const ti_states[] = {
    "none",         "scheduled",       "queued",  "running", "success", "failed",
    "up_for_retry", "upstream_failed", "skipped", "removed", NULL};

/* Arguments are checked in the order listed (the first wrong one is
 * named); a run or task comes after its DAG. */
static const command_entry commands[] = {
    {.name = "dags",
     .kind = CMD_READ,
     .run = cmd_dags,
     .args = {PAGE_OFFSET, MIN_ARG("limit", 1, 100000)}},
    {.name = "status", .kind = CMD_READ, .run = cmd_status},
    {.name = "next",
     .kind = CMD_READ,
     .run = cmd_next,
     .args = {DAG_ID, INT_ARG("count", 1, NEXT_MAX, 5)}},
    {.name = "versions", .kind = CMD_READ, .run = cmd_versions, .args = {DAG_ID}},
    {.name = "show",
     .kind = CMD_READ,
     .run = cmd_show,
     .args = {DAG_ID,
              {.name = "version", .type = ARG_STRING, .def_text = "current"},
              MIN_ARG("offset", 0, 0)}},
    {.name = "grid",
     .kind = CMD_READ,
     .run = cmd_grid,
     .args = {DAG_ID,
              INT_ARG("limit", 1, 10000, 25),
              MIN_ARG("offset", 0, 0),
              MIN_ARG("task_offset", 0, 0),
              ARG("before", ARG_RUN, OPTIONAL),
              {.name = "state", .type = ARG_CHOICE, .choices = ti_states}}},
    {.name = "task_instance",
     .kind = CMD_READ,
     .run = cmd_task_instance,
     .args = {DAG_ID, RUN_ID, TASK_ID}},
    {.name = "task", .kind = CMD_READ, .run = cmd_task, .args = {DAG_ID, RUN_ID, TASK_ID}},
    {.name = "run",
     .kind = CMD_READ,
     .run = cmd_run,
     .args = {DAG_ID, RUN_ID, MIN_ARG("offset", 0, 0), INT_ARG("limit", 1, 10000, 200)}},
    {.name = "logs",
     .kind = CMD_READ,
     .run = cmd_logs,
     .args = {DAG_ID,
              ARG("task_id", ARG_STRING, REQUIRED),
              {.name = "try", .type = ARG_INT, .def_text = "latest"},
              MIN_ARG("offset", 0, 0),
              RUN_ID}},
    {.name = "wait",
     .kind = CMD_READ,
     .run = cmd_wait,
     .args = {DAG_ID, {.name = "timeout_s", .type = ARG_INT, .def_text = "none"}, RUN_ID}},
    {.name = "audit",
     .kind = CMD_READ,
     .run = cmd_audit,
     .args = {INT_ARG("limit", 1, 100000, 50), PAGE_OFFSET, ARG("dag_id", ARG_STRING, OPTIONAL)}},
    {.name = "subscribe", .kind = CMD_READ, .run = cmd_subscribe},
    {.name = "nodes", .kind = CMD_READ, .run = cmd_nodes},
    {.name = "trigger",
     .kind = CMD_CHANGE,
     .run = cmd_trigger,
     .args = {DAG_ID,
              {.name = "date", .type = ARG_STRING, .def_text = "now"},
              ARG("params", ARG_OBJECT, OPTIONAL),
              FLAG("dry_run")}},
    {.name = "pause",
     .kind = CMD_CHANGE,
     .run = cmd_pause,
     .refused = "could not store the pause flag",
     .args = {DAG_ID}},
    {.name = "unpause",
     .kind = CMD_CHANGE,
     .run = cmd_unpause,
     .refused = "could not store the pause flag",
     .args = {DAG_ID}},
    {.name = "clear",
     .kind = CMD_CHANGE,
     .run = cmd_clear,
     .args = {DAG_ID, SELECTION, FLAG("failed_only"), FLAG("keep_version"), FLAG("dry_run"), RUN_ID,
              TASK_ID}},
    {.name = "mark",
     .kind = CMD_CHANGE,
     .run = cmd_mark,
     .args = {{.name = "state", .type = ARG_CHOICE, .required = REQUIRED, .choices = mark_states},
              DAG_ID,
              SELECTION,
              FLAG("dry_run"),
              RUN_ID,
              TASK_ID}},
    {.name = "backfill",
     .kind = CMD_CHANGE,
     .run = cmd_backfill,
     .args = {DAG_ID, ARG("from", ARG_STRING, REQUIRED), ARG("to", ARG_STRING, REQUIRED),
              FLAG("dry_run")}},
    {.name = "metrics", .kind = CMD_READ, .run = cmd_metrics},
    {.name = "backup",
     .kind = CMD_OPERATOR,
     .run = cmd_backup,
     .args = {ARG("file", ARG_STRING, REQUIRED)}},
    {.name = "outputs",
     .kind = CMD_READ,
     .run = cmd_outputs,
     .args = {DAG_ID, RUN_ID, ARG("task_id", ARG_TASK, OPTIONAL)}},
    {.name = "notify_test",
     .kind = CMD_OPERATOR,
     .run = cmd_notify_test,
     .args = {ARG("name", ARG_STRING, REQUIRED)}},
};

const command_entry *command_table(size_t *n)
{
    *n = sizeof commands / sizeof *commands;
    return commands;
}

void audit_change_by(agent *ag, uid_t uid, const char *action, const char *dag_id,
                     const char *run_id, const char *task_id, const char *detail)
{
    char *user = access_user_name(uid);
    audit_record a = {time_now_us(), uid, user, action, dag_id, run_id, task_id, detail};
    if (store_audit(ag->db, &a))
        log_error("store: writing the audit log: %s", store_error(ag->db));
    free(user);
}

void audit_change(request *rq, const char *action, const char *dag_id, const char *run_id,
                  const char *task_id, const char *detail)
{
    audit_change_by(rq->ag, client_uid(rq->cl), action, dag_id, run_id, task_id, detail);
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

/* The batch of a change: one transaction around the handler and the pass
 * it asks for; committed before the reply, so what a client is told is
 * stored. The one place that opens and commits a command's batch. */
static void run_change(request *rq, const command_entry *e)
{
    batch_begin(rq->ag);
    json_t *result = e->run(rq);
    if (rq->changed)
        engine_pass(rq->ag);
    if (batch_end(rq->ag) && result) {
        json_decref(result);
        if (e->refused)
            server_reply_error(rq->cl, rq->id, "store", "%s", e->refused);
        else
            server_reply_error(
                rq->cl, rq->id, "store",
                "the store refused the write (%s); the change is kept and stored when it can",
                rq->ag->degraded_reason);
        return;
    }
    if (result)
        server_reply_ok(rq->cl, rq->id, result);
}

static void run_checked(request *rq, const command_entry *e)
{
    if (!args_check(rq))
        return;
    if (e->kind == CMD_CHANGE) {
        run_change(rq, e);
        return;
    }
    json_t *result = e->run(rq);
    if (result)
        server_reply_ok(rq->cl, rq->id, result);
}

bool command_dispatch(request *rq, const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
        const command_entry *e = &commands[i];
        if (strcmp(e->name, name) != 0)
            continue;
        rq->cmd = e;
        bool operator_only = e->kind != CMD_READ;
        if (operator_only && !access_is_operator(rq->ag->cfg.operators, client_uid(rq->cl)))
            refuse(rq, e->name);
        else if (operator_only && rq->ag->degraded)
            server_reply_error(rq->cl, rq->id, "store",
                               "no changes while the store cannot be written (%s)",
                               rq->ag->degraded_reason);
        else
            run_checked(rq, e);
        free(rq->run_id);
        rq->run_id = NULL;
        return true;
    }
    return false;
}
