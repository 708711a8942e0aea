#include "exec_swarm.h"
#include "docker_frames.h"
#include "exec_local.h"
#include "fsutil.h"
#include "log.h"
#include "swarm_spec.h"
#include "try_status.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The task's state is polled, quickly at first (a short job ends in a
 * fraction of a second), backing off to the caps. */
#define POLL_FIRST_MS 50
#define POLL_RUN_MAX_MS 250
#define POLL_WAIT_MAX_MS 1000
/* A manager that does not answer for this long loses the try. */
#define LOST_AFTER_MS 15000
#define CALL_TIMEOUT_S 30
#define LAST_LINE_MAX 4096
/* After a restart a manager that does not answer yet is asked again
 * before the try is given up (a retry would run it twice). */
#define FIND_TRIES 6
#define FIND_RETRY_MS 2000

enum phase { PH_FIND, PH_CREATE, PH_POLL, PH_LOGS, PH_REMOVE, PH_DONE };

struct swarm_task {
    docker_api *api;
    uv_loop_t *loop;
    json_t *create;
    char *name, *id;
    char *log_path, *status_path, *find_path, *tasks_path;
    int log_fd;
    enum phase phase;
    docker_call *step; /* create, find, poll, the last logs or the removal */
    docker_call *logs; /* the followed log stream */
    docker_call *aux;  /* the node's name */
    frame_demux demux;
    uint64_t have; /* bytes of the service's output already in the log */
    uv_timer_t timer, deadline;
    int open_handles;
    unsigned poll_ms;
    uint64_t failing_since; /* uv_now of the first failed poll in a row, 0: none */
    int find_tries;
    bool on_node, no_timeout, killing, timed_out, reported, abandoned, freed;
    char *waiting, *node_id, *node_name;
    char *end_state, *end_err; /* the task's last state and Status.Err */
    bool has_code;
    int code;
    exec_result res;
    strbuf line;
    char *last_line;
    bool capture;
    exec_done_fn done;
    exec_progress_fn progress;
    void *arg;
};

static void begin_poll(swarm_task *t, unsigned delay_ms);
static void remove_service(swarm_task *t);

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

static void sw_log(swarm_task *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sw_log(swarm_task *t, const char *fmt, ...)
{
    if (t->log_fd < 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    dprintf(t->log_fd, "[dagd] %s\n", msg);
    free(msg);
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
static void maybe_free(swarm_task *t)
{
    if (!(t->reported || t->abandoned) || t->step || t->logs || t->aux || t->freed)
        return;
    t->freed = true;
    uv_close((uv_handle_t *)&t->timer, on_closed);
    uv_close((uv_handle_t *)&t->deadline, on_closed);
}

static void close_log(swarm_task *t)
{
    if (t->log_fd >= 0)
        close(t->log_fd);
    t->log_fd = -1;
}

static void cancel_calls(swarm_task *t)
{
    docker_call_cancel(t->step);
    docker_call_cancel(t->logs);
    docker_call_cancel(t->aux);
    t->step = t->logs = t->aux = NULL;
    uv_timer_stop(&t->timer);
}

/* A reply cancelled because the agent stops: behave as abandoned. */
static bool cancelled(swarm_task *t, const docker_reply *rep)
{
    if (!rep->cancelled)
        return false;
    t->abandoned = true;
    cancel_calls(t);
    close_log(t);
    maybe_free(t);
    return true;
}

/* Hand the outcome to the runner; the service goes afterwards. */
static void report(swarm_task *t)
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
    close_log(t);
    t->done(t->arg, &t->res);
    if (t->phase != PH_REMOVE)
        remove_service(t);
    t->phase = PH_DONE;
    maybe_free(t);
}

/* The try failed before (or without) its command's end. */
static void fail(swarm_task *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(swarm_task *t, const char *fmt, ...)
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
    report(t);
}

static void fail_unreachable(swarm_task *t, const char *what, const docker_reply *rep)
{
    fail(t, "swarm manager at %s unreachable (%s): %s", docker_api_host(t->api), what, rep->error);
}

/* ---- removal ---- */

static void on_removed(void *arg, const docker_reply *rep)
{
    swarm_task *t = arg;
    t->step = NULL;
    if (rep->cancelled) {
        maybe_free(t);
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
        report(t);
        return;
    }
    maybe_free(t);
}

static void remove_service(swarm_task *t)
{
    if (!t->id || t->step)
        return;
    t->phase = PH_REMOVE;
    char *path = xasprintf("/services/%s", t->id);
    t->step = docker_request(t->api, "DELETE", path, NULL, NULL, on_removed, t, CALL_TIMEOUT_S);
    free(path);
    if (!t->step && !t->reported && !t->abandoned)
        fail(t, "swarm: cannot start a request to %s", docker_api_host(t->api));
}

/* ---- logs ---- */

static void keep_last_line(swarm_task *t, const char *data, size_t len)
{
    for (size_t k = 0; k < len; k++) {
        if (data[k] == '\n') {
            free(t->last_line);
            t->last_line = sb_take(&t->line);
        } else if (t->line.len < LAST_LINE_MAX) {
            sb_append_len(&t->line, &data[k], 1);
        }
    }
}

static void on_frame(void *arg, int stream, const char *data, size_t len)
{
    swarm_task *t = arg;
    if (t->capture && stream == FRAME_STDOUT)
        keep_last_line(t, data, len);
    t->have += len;
    while (len && t->log_fd >= 0) {
        ssize_t n = write(t->log_fd, data, len);
        if (n <= 0)
            break;
        data += n;
        len -= (size_t)n;
    }
}

static void on_log_data(void *arg, const char *data, size_t len)
{
    swarm_task *t = arg;
    frame_demux_feed(&t->demux, data, len, on_frame, t);
}

static void on_follow_ended(void *arg, const docker_reply *rep)
{
    swarm_task *t = arg;
    t->logs = NULL;
    if (cancelled(t, rep))
        return;
    /* The rest is fetched once the task has ended (finish). */
}

/* Follow the service's log from the bytes already in the log file on. */
static void follow_logs(swarm_task *t)
{
    if (t->logs || !t->id)
        return;
    frame_demux_init(&t->demux, t->have); /* HAVE goes on counting past them */
    char *path = xasprintf("/services/%s/logs?follow=1&stdout=1&stderr=1", t->id);
    t->logs = docker_request(t->api, "GET", path, NULL, on_log_data, on_follow_ended, t, 0);
    free(path);
}

/* The task has ended: its outcome, from the exit code (never from the
 * state alone: a "complete" without an exit code of 0 is no success). */
static void judge(swarm_task *t)
{
    const char *st = t->end_state, *err = t->end_err && *t->end_err ? t->end_err : NULL;
    const char *node = t->node_name ? t->node_name : t->node_id;
    t->res.exit_code = -1;
    if (strcmp(st, "complete") == 0 && t->has_code) {
        t->res.exit_code = t->code;
    } else if (strcmp(st, "failed") == 0 && t->has_code && t->code != 0) {
        sw_log(t, "swarm: task failed%s%s: %s", node ? " on node " : "", node ? node : "",
               err ? err : "no reason given");
        t->res.exit_code = t->code;
    } else if (strcmp(st, "rejected") == 0) {
        sw_log(t, "swarm: task rejected%s%s: %s; no exit code (its container never ran)",
               node ? " by node " : "", node ? node : "", err ? err : "no reason given");
        t->has_code = false;
        t->res.spawn_failed = true;
    } else {
        sw_log(t, "swarm: task ended %s%s%s without an exit code%s%s", st, node ? " on node " : "",
               node ? node : "", err ? ": " : "", err ? err : "");
        t->has_code = false;
        t->res.spawn_failed = true;
    }
    if (node)
        sw_log(t, "swarm: ran on node %s (service %s)", node, t->name);
}

static void on_last_logs(void *arg, const docker_reply *rep)
{
    swarm_task *t = arg;
    t->step = NULL;
    if (cancelled(t, rep))
        return;
    if (rep->status != 200 && !t->killing)
        sw_log(t, "swarm: log of service %s: %s", t->name, rep->error[0] ? rep->error : "?");
    if (t->killing) { /* stopped meanwhile */
        remove_service(t);
        return;
    }
    judge(t);
    report(t);
}

/* What the stream has not brought yet: the whole log once more, without
 * the bytes already written (the stream's order is the engine's). */
static void finish(swarm_task *t)
{
    docker_call_cancel(t->logs);
    t->logs = NULL;
    t->phase = PH_LOGS;
    frame_demux_init(&t->demux, t->have);
    char *path = xasprintf("/services/%s/logs?stdout=1&stderr=1", t->id);
    t->step =
        docker_request(t->api, "GET", path, NULL, on_log_data, on_last_logs, t, CALL_TIMEOUT_S);
    free(path);
    if (!t->step) {
        judge(t);
        report(t);
    }
}

/* ---- the task's state ---- */

static void on_node_info(void *arg, const docker_reply *rep)
{
    swarm_task *t = arg;
    t->aux = NULL;
    if (cancelled(t, rep))
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
    maybe_free(t);
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
    if (cancelled(t, rep))
        return;
    if (t->killing) {
        remove_service(t);
        return;
    }
    if (rep->status != 200) {
        uint64_t now = uv_now(t->loop);
        if (!t->failing_since)
            t->failing_since = now;
        if (now - t->failing_since >= LOST_AFTER_MS) {
            fail(t, "swarm manager at %s: lost service %s: %s", docker_api_host(t->api), t->name,
                 rep->error);
            return;
        }
        begin_poll(t, POLL_WAIT_MAX_MS);
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
            follow_logs(t);
    }
    if (kind == 2) {
        t->end_state = xstrdup(state);
        t->end_err = err ? xstrdup(err) : NULL;
        json_t *code = json_object_get(json_object_get(status, "ContainerStatus"), "ExitCode");
        t->has_code = json_is_integer(code);
        t->code = t->has_code ? (int)json_integer_value(code) : -1;
        json_decref(list);
        finish(t);
        return;
    }
    json_decref(list);
    unsigned next = t->poll_ms;
    t->poll_ms = t->poll_ms * 3 / 2 > cap ? cap : t->poll_ms * 3 / 2;
    begin_poll(t, next);
}

static void on_poll_timer(uv_timer_t *timer)
{
    swarm_task *t = timer->data;
    t->step =
        docker_request(t->api, "GET", t->tasks_path, NULL, NULL, on_polled, t, CALL_TIMEOUT_S);
    if (!t->step)
        fail(t, "swarm: cannot start a request to %s", docker_api_host(t->api));
}

static void begin_poll(swarm_task *t, unsigned delay_ms)
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
    if (cancelled(t, rep))
        return;
    if (rep->transport_error) {
        fail_unreachable(t, "creating the service", rep);
        return;
    }
    json_t *j = rep->status == 201 ? json_loadb(rep->body, rep->len, 0, NULL) : NULL;
    const char *id = json_string_value(json_object_get(j, "ID"));
    if (!id) {
        json_decref(j);
        fail(t, "swarm: cannot create service %s: %s", t->name,
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
        remove_service(t);
    else
        begin_poll(t, POLL_FIRST_MS);
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
        fail(t, "swarm: cannot start a request to %s", docker_api_host(t->api));
}

/* ---- find, after a restart ---- */

static void on_found(void *arg, const docker_reply *rep);

static void send_find(swarm_task *t)
{
    t->step = docker_request(t->api, "GET", t->find_path, NULL, NULL, on_found, t, CALL_TIMEOUT_S);
    if (!t->step)
        fail(t, "swarm: cannot start a request to %s", docker_api_host(t->api));
}

static void on_find_timer(uv_timer_t *timer)
{
    send_find(timer->data);
}

static void on_found(void *arg, const docker_reply *rep)
{
    swarm_task *t = arg;
    t->step = NULL;
    if (cancelled(t, rep))
        return;
    if (rep->transport_error && ++t->find_tries < FIND_TRIES && !t->killing) {
        log_warn("swarm manager at %s: %s; asking again", docker_api_host(t->api), rep->error);
        uv_timer_start(&t->timer, on_find_timer, FIND_RETRY_MS, 0);
        return;
    }
    if (rep->transport_error) {
        fail_unreachable(t, "finding the service after a restart", rep);
        return;
    }
    json_t *list = rep->status == 200 ? json_loadb(rep->body, rep->len, 0, NULL) : NULL;
    json_t *svc = json_array_get(list, 0);
    const char *id = json_string_value(json_object_get(svc, "ID"));
    json_t *spec = json_object_get(svc, "Spec");
    if (!id) {
        json_decref(list);
        int code;
        if (rep->status != 200) {
            fail(t, "swarm: cannot list services: %s", rep->error);
        } else if (t->status_path && try_status_read(t->status_path, &code) == TRY_STATUS_CLAIMED) {
            t->res.not_started = true; /* the agent died before the create */
            report(t);
        } else {
            fail(t, "the swarm service of this try is gone (agent restarted)");
        }
        return;
    }
    t->id = xstrdup(id);
    const char *name = json_string_value(json_object_get(spec, "Name"));
    t->name = xstrdup(name ? name : id);
    const char *off =
        json_string_value(json_object_get(json_object_get(spec, "Labels"), SWARM_LABEL_LOG_OFFSET));
    uint64_t offset = off ? strtoull(off, NULL, 10) : 0;
    json_decref(list);
    off_t size = t->log_fd >= 0 ? lseek(t->log_fd, 0, SEEK_END) : 0;
    t->have = size > 0 && (uint64_t)size > offset ? (uint64_t)size - offset : 0;
    log_info("following swarm service %s of %s (%llu bytes of its log were in)", t->name,
             t->log_path, (unsigned long long)t->have);
    if (t->killing)
        remove_service(t);
    else
        begin_poll(t, 0);
}

/* ---- the executor's interface ---- */

static void on_deadline(uv_timer_t *timer)
{
    swarm_task *t = timer->data;
    t->res.timed_out = t->timed_out = true;
    exec_swarm_stop(t);
}

static swarm_task *task_new(docker_api *api, uv_loop_t *loop, const swarm_request *req)
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
        fail(t, "stopped before the service was created");
    else
        begin_create(t);
}

swarm_task *exec_swarm_start(docker_api *api, uv_loop_t *loop, const swarm_request *req)
{
    swarm_task *t = task_new(api, loop, req);
    t->create = req->create;
    const char *name = json_string_value(json_object_get(req->create, "Name"));
    t->name = xstrdup(name ? name : "?");
    /* The first request goes out from the next loop turn, so that DONE is
     * never called before this returns. */
    uv_timer_start(&t->timer, on_begin, 0, 0);
    return t;
}

swarm_task *exec_swarm_attach(docker_api *api, uv_loop_t *loop, const swarm_request *req)
{
    swarm_task *t = task_new(api, loop, req);
    t->phase = PH_FIND;
    char *q = docker_escape(api, req->find_filter ? req->find_filter : "{}");
    t->find_path = xasprintf("/services?filters=%s", q);
    free(q);
    uv_timer_start(&t->timer, on_find_timer, 0, 0);
    return t;
}

static void on_stop_now(uv_timer_t *timer)
{
    swarm_task *t = timer->data;
    fail(t, "%s",
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
            remove_service(t); /* else the reply in flight removes it */
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
    cancel_calls(t);
    close_log(t);
    maybe_free(t);
}

void exec_swarm_discard(swarm_task *t)
{
    if (t->reported || t->abandoned)
        return;
    t->abandoned = true;
    cancel_calls(t);
    close_log(t);
    remove_service(t); /* in the background; nothing is reported */
    maybe_free(t);
}
