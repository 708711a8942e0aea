#include "exec_swarm_int.h"
#include "fsutil.h"
#include "swarm_spec.h"
#include "try_status.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int swarm_state_kind(const char *state)
{
    static const char *const waiting[] = {"new", "allocated", "pending", "assigned", NULL};
    static const char *const running[] = {"accepted", "preparing", "ready",
                                          "starting", "running",   NULL};
    if (!state)
        return 0; /* no task yet */
    for (size_t k = 0; waiting[k]; k++)
        if (strcmp(state, waiting[k]) == 0)
            return 0;
    for (size_t k = 0; running[k]; k++)
        if (strcmp(state, running[k]) == 0)
            return 1;
    return 2; /* complete failed rejected shutdown orphaned remove */
}

/* ---- the task's state ---- */

static void on_node_info(void *arg, const docker_reply *rep)
{
    swarm_task *t = arg;
    t->aux = NULL;
    if (sw_cancelled(t, rep))
        return;
    json_t *j = rep->status == 200 ? json_loadb(rep->body, rep->len, 0, NULL) : NULL;
    const char *host =
        json_string_value(json_object_get(json_object_get(j, "Description"), "Hostname"));
    if (host && !t->reported) {
        free(t->node_name);
        t->node_name = xstrdup(host);
        if (t->progress)
            t->progress(t->arg, NULL, host);
    }
    json_decref(j);
    sw_maybe_free(t);
}

static void tell_waiting(swarm_task *t, const char *why)
{
    if (t->waiting && strcmp(t->waiting, why) == 0)
        return;
    free(t->waiting);
    t->waiting = xstrdup(why);
    if (t->progress)
        t->progress(t->arg, why, NULL);
}

static void tell_on_node(swarm_task *t, const char *node_id)
{
    if (t->on_node)
        return;
    t->on_node = true;
    t->poll_ms = POLL_FIRST_MS;
    if (t->no_timeout) /* the wait for a node is over; running has no limit */
        uv_timer_stop(&t->deadline);
    if (node_id && !t->node_id) {
        t->node_id = xstrdup(node_id);
        char *path = xasprintf("/nodes/%s", node_id);
        t->aux = docker_request(t->api, "GET", path, NULL, NULL, on_node_info, t, CALL_TIMEOUT_S);
        free(path);
    }
    if (t->progress)
        t->progress(t->arg, NULL, NULL);
}

/* The newest task of the service (a job of one completion has one). */
static json_t *newest_task(json_t *list)
{
    json_t *best = NULL;
    json_int_t best_ix = -1;
    size_t k;
    json_t *task;
    json_array_foreach(list, k, task)
    {
        json_int_t ix =
            json_integer_value(json_object_get(json_object_get(task, "Version"), "Index"));
        if (!best || ix > best_ix) {
            best = task;
            best_ix = ix;
        }
    }
    return best;
}

static void on_polled(void *arg, const docker_reply *rep)
{
    swarm_task *t = arg;
    t->step = NULL;
    if (sw_cancelled(t, rep))
        return;
    if (t->killing) {
        sw_remove_service(t);
        return;
    }
    if (rep->status != 200) {
        uint64_t now = uv_now(t->loop);
        if (!t->failing_since)
            t->failing_since = now;
        if (now - t->failing_since >= LOST_AFTER_MS) {
            sw_fail(t, "swarm manager at %s: lost service %s: %s", docker_api_host(t->api), t->name,
                    rep->error);
            return;
        }
        sw_begin_poll(t, POLL_WAIT_MAX_MS);
        return;
    }
    t->failing_since = 0;
    json_t *list = json_loadb(rep->body, rep->len, 0, NULL);
    json_t *task = newest_task(list);
    json_t *status = json_object_get(task, "Status");
    const char *state = json_string_value(json_object_get(status, "State"));
    const char *msg = json_string_value(json_object_get(status, "Message"));
    const char *err = json_string_value(json_object_get(status, "Err"));
    const char *node_id = json_string_value(json_object_get(task, "NodeID"));
    int kind = swarm_state_kind(state);
    unsigned cap = POLL_RUN_MAX_MS;
    if (!task && t->on_node) { /* it had a task: someone removed the service */
        json_decref(list);
        sw_fail(t, "swarm: service %s is gone (removed outside dagd?)", t->name);
        return;
    }
    if (kind == 0) {
        const char *why = err && *err ? err : msg && *msg ? msg : NULL;
        char buf[128];
        if (!why) {
            snprintf(buf, sizeof buf, "the swarm has %s", state ? state : "not scheduled it yet");
            why = buf;
        }
        tell_waiting(t, why);
        cap = POLL_WAIT_MAX_MS;
    } else {
        tell_on_node(t, node_id && *node_id ? node_id : NULL);
        if (kind == 1)
            sw_follow_logs(t);
    }
    if (kind == 2) {
        t->end_state = xstrdup(state);
        t->end_err = err ? xstrdup(err) : NULL;
        json_t *code = json_object_get(json_object_get(status, "ContainerStatus"), "ExitCode");
        t->has_code = json_is_integer(code);
        t->code = t->has_code ? (int)json_integer_value(code) : -1;
        json_decref(list);
        sw_finish(t);
        return;
    }
    json_decref(list);
    unsigned next = t->poll_ms;
    t->poll_ms = t->poll_ms * 3 / 2 > cap ? cap : t->poll_ms * 3 / 2;
    sw_begin_poll(t, next);
}

static void on_poll_timer(uv_timer_t *timer)
{
    swarm_task *t = timer->data;
    t->step =
        docker_request(t->api, "GET", t->tasks_path, NULL, NULL, on_polled, t, CALL_TIMEOUT_S);
    if (!t->step)
        sw_fail(t, "swarm: cannot start a request to %s", docker_api_host(t->api));
}

void sw_begin_poll(swarm_task *t, unsigned delay_ms)
{
    t->phase = PH_POLL;
    if (!t->tasks_path) {
        char *f = xasprintf("{\"service\":[\"%s\"]}", t->id);
        char *q = docker_escape(t->api, f);
        t->tasks_path = xasprintf("/tasks?filters=%s", q);
        free(q);
        free(f);
    }
    uv_timer_start(&t->timer, on_poll_timer, delay_ms, 0);
}

/* ---- create ---- */

static void on_created(void *arg, const docker_reply *rep)
{
    swarm_task *t = arg;
    t->step = NULL;
    if (sw_cancelled(t, rep))
        return;
    if (rep->transport_error) {
        sw_fail_unreachable(t, "creating the service", rep);
        return;
    }
    json_t *j = rep->status == 201 ? json_loadb(rep->body, rep->len, 0, NULL) : NULL;
    const char *id = json_string_value(json_object_get(j, "ID"));
    if (!id) {
        json_decref(j);
        sw_fail(t, "swarm: cannot create service %s: %s", t->name,
                rep->error[0] ? rep->error : "no ID in the reply");
        return;
    }
    t->id = xstrdup(id);
    json_decref(j);
    /* The service exists: a restarted agent must find it (or count it
     * gone), never start the try afresh. */
    if (t->status_path && try_status_started(t->status_path) != 0)
        sw_log(t, "cannot write %s: %s", t->status_path, strerror(errno));
    if (t->killing)
        sw_remove_service(t);
    else
        sw_begin_poll(t, POLL_FIRST_MS);
}

static void begin_create(swarm_task *t)
{
    t->phase = PH_CREATE;
    sw_log(t, "swarm: creating service %s", t->name);
    /* What the log holds now precedes the service's output. */
    off_t size = t->log_fd >= 0 ? lseek(t->log_fd, 0, SEEK_END) : 0;
    json_t *labels = json_object_get(t->create, "Labels");
    if (json_is_object(labels)) {
        char *offset = xasprintf("%lld", (long long)(size > 0 ? size : 0));
        json_object_set_new(labels, SWARM_LABEL_LOG_OFFSET, json_string(offset));
        free(offset);
    }
    char *body = json_dumps(t->create, JSON_COMPACT);
    t->step = body ? docker_request(t->api, "POST", "/services/create", body, NULL, on_created, t,
                                    CALL_TIMEOUT_S)
                   : NULL;
    free(body);
    if (!t->step)
        sw_fail(t, "swarm: cannot start a request to %s", docker_api_host(t->api));
}

/* ---- the executor's interface ---- */

static void on_deadline(uv_timer_t *timer)
{
    swarm_task *t = timer->data;
    t->res.timed_out = t->timed_out = true;
    exec_swarm_stop(t);
}

swarm_task *sw_task_new(docker_api *api, uv_loop_t *loop, const swarm_request *req)
{
    swarm_task *t = xcalloc(1, sizeof *t);
    t->api = api;
    t->loop = loop;
    t->log_path = xstrdup(req->log_path);
    mkdir_parents(req->log_path, 0750);
    t->log_fd = open(req->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    t->status_path = req->status_path ? xstrdup(req->status_path) : NULL;
    t->capture = req->capture_last_line;
    t->done = req->done;
    t->progress = req->progress;
    t->arg = req->arg;
    t->poll_ms = POLL_FIRST_MS;
    uv_timer_init(loop, &t->timer);
    uv_timer_init(loop, &t->deadline);
    t->timer.data = t->deadline.data = t;
    t->open_handles = 2;
    int64_t limit = req->timeout_us ? req->timeout_us : req->wait_limit_us;
    t->no_timeout = req->timeout_us == 0;
    if (limit < 0) {
        t->res.timed_out = t->timed_out = t->killing = true; /* stopped once found */
    } else if (limit > 0) {
        uv_timer_start(&t->deadline, on_deadline, (uint64_t)((limit + 999) / 1000), 0);
    }
    return t;
}

static void on_begin(uv_timer_t *timer)
{
    swarm_task *t = timer->data;
    if (t->killing)
        sw_fail(t, "stopped before the service was created");
    else
        begin_create(t);
}

swarm_task *exec_swarm_start(docker_api *api, uv_loop_t *loop, const swarm_request *req)
{
    swarm_task *t = sw_task_new(api, loop, req);
    t->create = req->create;
    const char *name = json_string_value(json_object_get(req->create, "Name"));
    t->name = xstrdup(name ? name : "?");
    /* The first request goes out from the next loop turn, so that DONE is
     * never called before this returns. */
    uv_timer_start(&t->timer, on_begin, 0, 0);
    return t;
}

static void on_stop_now(uv_timer_t *timer)
{
    swarm_task *t = timer->data;
    sw_fail(t, "%s",
            t->timed_out ? "task timed out before its service was created"
                         : "stopped before the service was created");
}

void exec_swarm_stop(swarm_task *t)
{
    if (t->reported || t->abandoned || t->killing)
        return;
    t->killing = true;
    switch (t->phase) {
    case PH_CREATE:
        if (!t->step) { /* the create has not gone out yet */
            uv_timer_stop(&t->timer);
            uv_timer_start(&t->timer, on_stop_now, 0, 0);
        }
        break; /* else its reply sees killing */
    case PH_FIND:
        if (!t->step) {
            uv_timer_stop(&t->timer);
            uv_timer_start(&t->timer, on_stop_now, 0, 0);
        }
        break;
    case PH_POLL:
    case PH_LOGS:
        docker_call_cancel(t->logs);
        t->logs = NULL;
        uv_timer_stop(&t->timer);
        if (!t->step)
            sw_remove_service(t); /* else the reply in flight removes it */
        break;
    case PH_REMOVE:
    case PH_DONE:
        break;
    }
}

void exec_swarm_set_arg(swarm_task *t, void *arg)
{
    t->arg = arg;
}

void exec_swarm_abandon(swarm_task *t)
{
    if (t->reported || t->abandoned)
        return;
    t->abandoned = true;
    sw_cancel_calls(t);
    sw_close_log(t);
    sw_maybe_free(t);
}

void exec_swarm_discard(swarm_task *t)
{
    if (t->reported || t->abandoned)
        return;
    t->abandoned = true;
    sw_cancel_calls(t);
    sw_close_log(t);
    sw_remove_service(t); /* in the background; nothing is reported */
    sw_maybe_free(t);
}
