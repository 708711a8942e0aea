#include "exec_docker_int.h"
#include "log.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

void dk_log_line(docker_task *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    try_log_vline(t->log_fd, fmt, ap);
    va_end(ap);
}

static void on_timer_closed(uv_handle_t *h)
{
    docker_task *t = h->data;
    if (--t->open_handles > 0)
        return;
    docker_unwatch_exit(&t->exit_watch);
    docker_gate_cancel(&t->gate);
    docker_teardown_end(&t->teardown);
    free(t->image);
    json_decref(t->create);
    free(t->log_path);
    free(t->id);
    free(t->find_path);
    free(t->status_path);
    free(t->last_line);
    free(t->pull_error);
    sb_free(&t->line);
    sb_free(&t->pull_buf);
    free(t);
}

/* Free once nothing refers to T any more: reported (or abandoned) and no
 * call in flight (no new call starts after that). */
void dk_maybe_free(docker_task *t)
{
    if (!(t->reported || t->abandoned) || t->step || t->logs || t->wait || t->stop || t->freed)
        return;
    t->freed = true;
    uv_close((uv_handle_t *)&t->timer, on_timer_closed);
    uv_close((uv_handle_t *)&t->deadline, on_timer_closed);
}

void dk_close_log(docker_task *t)
{
    if (t->log_fd >= 0)
        close(t->log_fd);
    t->log_fd = -1;
}

static void on_removed(void *arg, const docker_reply *rep)
{
    docker_task *t = arg;
    t->step = NULL;
    if (!rep->cancelled && rep->status != 204 && rep->status != 404)
        log_warn("docker: cannot remove container %.12s: %s", t->id, rep->error);
    dk_maybe_free(t);
}

/* Remove the container (unless kept), in the background: the try's outcome
 * is already reported, so the next task does not wait for this. */
void dk_remove_container(docker_task *t)
{
    if (!t->id || t->keep || t->step)
        return;
    /* Not while the engine still tears it down: the removal would hold the
     * container until its end, and so the wait that opens the next start. */
    if (dk_tearing(t) && !t->abandoned) {
        t->remove_after_teardown = true;
        return;
    }
    char *path = xasprintf("/containers/%s?force=1&v=1", t->id);
    t->step = docker_request(t->api, "DELETE", path, NULL, NULL, on_removed, t, CALL_TIMEOUT_S);
    free(path);
}

/* A teardown whose wait does not answer holds no start for long. */
static void on_teardown_cap(uv_timer_t *timer)
{
    docker_task *t = timer->data;
    docker_call_cancel(t->wait);
    t->wait = NULL;
    dk_teardown_over(t);
    if (t->remove_after_teardown)
        dk_remove_container(t);
    dk_maybe_free(t);
}

/* Hand the outcome to the runner, then clean up. */
void dk_report(docker_task *t)
{
    if (t->reported || t->abandoned)
        return;
    t->reported = true;
    t->phase = PH_DONE;
    uv_timer_stop(&t->timer);
    uv_timer_stop(&t->deadline);
    /* Normally both are over; not when a request could not even start. */
    docker_call_cancel(t->logs);
    t->logs = NULL;
    if (!dk_tearing(t)) { /* else it ends the teardown (and is free to go) */
        docker_call_cancel(t->wait);
        t->wait = NULL;
    }
    docker_unwatch_exit(&t->exit_watch);
    docker_gate_cancel(&t->gate);
    if (t->line.len) { /* output that did not end with a newline */
        free(t->last_line);
        t->last_line = sb_take(&t->line);
    }
    t->res.last_line = t->last_line;
    if (t->wait_done && t->res.exit_code >= 0) /* the same line as a local try's */
        dprintf(t->log_fd, EXEC_EXIT_MARK "%d\n", t->res.exit_code);
    if (t->res.timed_out && t->id)
        dk_log_line(t, "task timed out; container %.12s stopped", t->id);
    else if (t->res.timed_out)
        dk_log_line(t, "task timed out before its container ran");
    dk_close_log(t);
    if (dk_tearing(t))
        uv_timer_start(&t->timer, on_teardown_cap, GATE_MAX_MS, 0);
    t->done(t->arg, &t->res);
    dk_remove_container(t);
    dk_maybe_free(t);
}

/* The try failed before its command ran (or the engine went away). */
void dk_fail(docker_task *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    dk_log_line(t, "%s", msg);
    free(msg);
    t->res.exit_code = -1;
    t->res.spawn_failed = true;
    dk_report(t);
}

void dk_fail_unreachable(docker_task *t, const char *what, const docker_reply *rep)
{
    dk_fail(t, "docker engine at %s unreachable (%s): %s", docker_api_host(t->api), what,
            rep->error);
}

/* A reply cancelled because the agent stops: behave as abandoned. */
bool dk_cancelled(docker_task *t, const docker_reply *rep)
{
    if (!rep->cancelled)
        return false;
    t->abandoned = true;
    dk_close_log(t);
    dk_maybe_free(t);
    return true;
}
