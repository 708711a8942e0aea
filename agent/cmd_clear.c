/* clear: selected task instances back to none (a running one is killed),
 * tries kept, retry budget restarted, finished runs reopened. */
#include "commands.h"
#include "control.h"
#include "util.h"

#include <stdlib.h>

/* "flags: downstream,past; touched 3 task instances" (new string). */
static char *selection_describe(const selection_flags *f, int touched)
{
    strbuf sb = {0};
    const char *names[] = {"downstream", "upstream",    "past",
                           "future",     "failed_only", "keep_version"};
    const bool on[] = {f->downstream, f->upstream,    f->past,
                       f->future,     f->failed_only, f->keep_version};
    for (size_t i = 0; i < 6; i++)
        if (on[i])
            sb_appendf(&sb, "%s%s", sb.len ? "," : "flags: ", names[i]);
    sb_appendf(&sb, "%stouched %d task instance%s", sb.len ? "; " : "", touched,
               touched == 1 ? "" : "s");
    return sb_take(&sb);
}

json_t *change_selection(request *rq, const char *action, enum ti_state target)
{
    dag_entry *de = rq->dag;
    selection_flags f = {
        .downstream = arg_bool(rq, "downstream"),
        .upstream = arg_bool(rq, "upstream"),
        .past = arg_bool(rq, "past"),
        .future = arg_bool(rq, "future"),
        .failed_only = target == TI_NONE && arg_bool(rq, "failed_only"), /* clear's only */
        .keep_version = target == TI_NONE && arg_bool(rq, "keep_version"),
    };
    bool dry_run = arg_bool(rq, "dry_run");
    json_t *touched = json_array();
    int n = control_apply(rq->ag, de, rq->run_id, rq->task, target, &f, dry_run, touched);
    if (!dry_run) {
        char *detail = selection_describe(&f, n);
        audit_change(rq, action, de->dag_id, rq->run_id, de->model->tasks[rq->task].id, detail);
        free(detail);
        rq->changed = true;
    }
    const char *key = target == TI_NONE ? "cleared" : "marked";
    return json_pack("{s:o, s:b}", key, touched, "dry_run", dry_run);
}

json_t *cmd_clear(request *rq)
{
    return change_selection(rq, "clear", TI_NONE);
}
