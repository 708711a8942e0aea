#include "exec_swarm_int.h"
#include "exec_local.h"
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

void sw_log(swarm_task *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    try_log_vline(t->log_fd, fmt, ap);
    va_end(ap);
}

static void on_closed(uv_handle_t *h)
{
    swarm_task *t = h->data;
    if (--t->open_handles > 0)
        return;
    json_decref(t->create);
    free(t->name);
    free(t->id);
    free(t->log_path);
    free(t->status_path);
    free(t->find_path);
    free(t->tasks_path);
    free(t->waiting);
    free(t->node_id);
    free(t->node_name);
    free(t->end_state);
    free(t->end_err);
    free(t->last_line);
    sb_free(&t->line);
    free(t);
}

/* Free once reported (or abandoned) and no call is in flight. */
void sw_maybe_free(swarm_task *t)
{
    if (!(t->reported || t->abandoned) || t->step || t->logs || t->aux || t->freed)
        return;
    t->freed = true;
    uv_close((uv_handle_t *)&t->timer, on_closed);
    uv_close((uv_handle_t *)&t->deadline, on_closed);
}

void sw_close_log(swarm_task *t)
{
    if (t->log_fd >= 0)
        close(t->log_fd);
    t->log_fd = -1;
}

void sw_cancel_calls(swarm_task *t)
{
    docker_call_cancel(t->step);
    docker_call_cancel(t->logs);
    docker_call_cancel(t->aux);
    t->step = t->logs = t->aux = NULL;
    uv_timer_stop(&t->timer);
}

/* A reply cancelled because the agent stops: behave as abandoned. */
bool sw_cancelled(swarm_task *t, const docker_reply *rep)
{
    if (!rep->cancelled)
        return false;
    t->abandoned = true;
    sw_cancel_calls(t);
    sw_close_log(t);
    sw_maybe_free(t);
    return true;
}

/* Hand the outcome to the runner; the service goes afterwards. */
void sw_report(swarm_task *t)
{
    if (t->reported || t->abandoned)
        return;
    t->reported = true;
    uv_timer_stop(&t->timer);
    uv_timer_stop(&t->deadline);
    docker_call_cancel(t->logs);
    docker_call_cancel(t->aux);
    t->logs = t->aux = NULL;
    if (t->line.len) {
        free(t->last_line);
        t->last_line = sb_take(&t->line);
    }
    t->res.last_line = t->last_line;
    if (t->has_code && !t->timed_out && !t->killing) /* the same line as a local try's */
        dprintf(t->log_fd, EXEC_EXIT_MARK "%d\n", t->res.exit_code);
    sw_close_log(t);
    t->done(t->arg, &t->res);
    if (t->phase != PH_REMOVE)
        sw_remove_service(t);
    t->phase = PH_DONE;
    sw_maybe_free(t);
}

/* The try failed before (or without) its command's end. */
void sw_fail(swarm_task *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    sw_log(t, "%s", msg);
    free(msg);
    t->res.exit_code = -1;
    t->res.spawn_failed = true;
    t->has_code = false;
    sw_report(t);
}

void sw_fail_unreachable(swarm_task *t, const char *what, const docker_reply *rep)
{
    sw_fail(t, "swarm manager at %s unreachable (%s): %s", docker_api_host(t->api), what,
            rep->error);
}

/* ---- removal ---- */

static void on_removed(void *arg, const docker_reply *rep)
{
    swarm_task *t = arg;
    t->step = NULL;
    if (rep->cancelled) {
        sw_maybe_free(t);
        return;
    }
    if (rep->status != 200 && rep->status != 404)
        log_warn("swarm: cannot remove service %s: %s", t->name ? t->name : "?", rep->error);
    if (!t->reported && !t->abandoned) { /* stopped: the end comes once it is gone */
        if (t->timed_out && !t->on_node)
            sw_log(t, "swarm: timed out waiting for a node: %s; service %s removed",
                   t->waiting ? t->waiting : "no reason given", t->name);
        else if (t->timed_out)
            sw_log(t, "task timed out; service %s removed (the engine stops its container)",
                   t->name);
        else
            sw_log(t, "stopped: service %s removed (the engine stops its container)", t->name);
        t->res.exit_code = -1;
        t->has_code = false;
        sw_report(t);
        return;
    }
    sw_maybe_free(t);
}

void sw_remove_service(swarm_task *t)
{
    if (!t->id || t->step)
        return;
    t->phase = PH_REMOVE;
    char *path = xasprintf("/services/%s", t->id);
    t->step = docker_request(t->api, "DELETE", path, NULL, NULL, on_removed, t, CALL_TIMEOUT_S);
    free(path);
    if (!t->step && !t->reported && !t->abandoned)
        sw_fail(t, "swarm: cannot start a request to %s", docker_api_host(t->api));
}
