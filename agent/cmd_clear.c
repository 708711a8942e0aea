/* clear: selected task instances back to none (a running one is killed),
 * tries kept, retry budget restarted, finished runs reopened. */
#include "commands.h"
#include "control.h"
#include "engine.h"
#include "batch.h"

#include <stdlib.h>

void change_selection(request *rq, const char *action, enum ti_state target)
{
    dag_entry *de = arg_dag(rq);
    selection_flags f;
    bool dry_run = false;
    char *run_id = NULL;
    size_t task;
    if (!de || !arg_selection(rq, &f, target == TI_NONE) || !arg_bool(rq, "dry_run", &dry_run) ||
        !arg_run(rq, de, &run_id, NULL))
        return;
    if (!arg_task(rq, de, &task)) {
        free(run_id);
        return;
    }
    json_t *touched = json_array();
    batch_begin(rq->ag);
    int n = control_apply(rq->ag, de, run_id, task, target, &f, dry_run, touched);
    if (!dry_run) {
        char *detail = selection_describe(&f, n);
        audit_change(rq, action, de->dag_id, run_id, de->model->tasks[task].id, detail);
        free(detail);
        engine_pass(rq->ag);
    }
    int rc = batch_end(rq->ag);
    free(run_id);
    if (rc) {
        json_decref(touched);
        server_reply_error(
            rq->cl, rq->id, "store",
            "the store refused the write (%s); the change is kept and stored when it can",
            rq->ag->degraded_reason);
        return;
    }
    const char *key = target == TI_NONE ? "cleared" : "marked";
    server_reply_ok(rq->cl, rq->id, json_pack("{s:o, s:b}", key, touched, "dry_run", dry_run));
}

void cmd_clear(request *rq)
{
    change_selection(rq, "clear", TI_NONE);
}
