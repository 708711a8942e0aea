#include "exec_docker.h"
#include "exec_docker_int.h"
#include "try_status.h"
#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec_docker_int.h"

/* ---- run: logs and wait ---- */

static void on_frame(void *arg, int stream, const char *data, size_t len)
{
    docker_task *t = arg;
    if (t->capture && stream == FRAME_STDOUT)
        try_log_last_line(&t->line, &t->last_line, data, len);
    try_log_write(t->log_fd, data, len);
}

static void on_log_data(void *arg, const char *data, size_t len)
{
    docker_task *t = arg;
    frame_demux_feed(&t->demux, data, len, on_frame, t);
}

/* Not before the start's reply: the container is removed after the report,
 * which a start still in flight would hold up. */
static void check_finished(docker_task *t)
{
    if (t->phase == PH_RUN && t->wait_done && t->logs_done)
        dk_report(t);
}

static void on_drain_timeout(uv_timer_t *timer)
{
    docker_task *t = timer->data;
    /* The exit code is in; a log stream that does not end is cut. */
    docker_call_cancel(t->logs);
    t->logs = NULL;
    t->logs_done = true;
    check_finished(t);
}

static void send_start(docker_task *t);

static void on_logs_done(void *arg, const docker_reply *rep)
{
    docker_task *t = arg;
    t->logs = NULL;
    if (dk_cancelled(t, rep))
        return;
    if (t->phase == PH_START && !t->attached && !t->step) {
        /* No attach (an engine without it): start, then read the log. */
        send_start(t);
        return;
    }
    t->logs_done = true;
    if (rep->transport_error || rep->status != 200)
        dk_log_line(t, "docker: log stream of container %.12s ended: %s", t->id,
                    rep->error[0] ? rep->error : "?");
    check_finished(t);
}

/* The exit code is in: the rest of the log stream gets LOG_DRAIN_MS. */
static void wait_over(docker_task *t)
{
    t->wait_done = true;
    if (!t->logs_done) {
        uv_timer_stop(&t->timer);
        uv_timer_start(&t->timer, on_drain_timeout, LOG_DRAIN_MS, 0);
    }
    check_finished(t);
}

static void on_waited(void *arg, const docker_reply *rep)
{
    docker_task *t = arg;
    t->wait = NULL;
    dk_teardown_over(t);
    if (t->reported) { /* the die event reported it: this was the teardown */
        uv_timer_stop(&t->timer);
        if (t->remove_after_teardown && !rep->cancelled)
            dk_remove_container(t);
        dk_maybe_free(t);
        return;
    }
    if (dk_cancelled(t, rep))
        return;
    if (t->phase == PH_START && rep->status != 200)
        return; /* asked again once it runs (a failing start says why) */
    json_t *j = rep->status == 200 ? json_loadb(rep->body, rep->len, 0, NULL) : NULL;
    json_t *code = json_object_get(j, "StatusCode");
    if (json_is_integer(code)) {
        t->res.exit_code = (int)json_integer_value(code);
        const char *msg =
            json_string_value(json_object_get(json_object_get(j, "Error"), "Message"));
        if (msg && *msg)
            dk_log_line(t, "docker: %s", msg);
    } else {
        t->res.exit_code = -1;
        if (rep->transport_error)
            dk_log_line(t, "docker engine at %s: lost the container %.12s: %s",
                        docker_api_host(t->api), t->id, rep->error);
        else
            dk_log_line(t, "docker: waiting for container %.12s: %s", t->id, rep->error);
    }
    json_decref(j);
    wait_over(t);
}

/* The die event came: its exit code is the wait's, heard before the engine
 * tears the container down; the output stream still has to end (the
 * engine ends it before the event, once the last byte is copied). */
static void died(docker_task *t)
{
    if (t->wait_done || t->reported)
        return;
    t->res.exit_code = t->died_code;
    wait_over(t);
}

static void on_died(uv_timer_t *timer)
{
    died(timer->data);
}

/* From inside curl's write callback: only flags and a timer here. */
static void on_exit_event(void *arg, int code)
{
    docker_task *t = arg;
    if (t->died || t->wait_done || t->reported || t->abandoned)
        return;
    t->died = true;
    t->died_code = code;
    if (t->wait && !dk_tearing(t)) /* it answers once the teardown is over */
        docker_teardown_begin(t->api, &t->teardown);
    if (t->phase == PH_RUN) { /* before that, dk_follow sees DIED */
        uv_timer_stop(&t->timer);
        uv_timer_start(&t->timer, on_died, 0, 0);
    }
}

void dk_teardown_over(docker_task *t)
{
    docker_teardown_end(&t->teardown);
}

void dk_set_id(docker_task *t, const char *id)
{
    free(t->id);
    t->id = xstrdup(id);
    docker_watch_exit(t->api, &t->exit_watch, t->id, on_exit_event, t);
}

static void on_stopped(void *arg, const docker_reply *rep)
{
    docker_task *t = arg;
    t->stop = NULL;
    if (dk_cancelled(t, rep))
        return;
    /* 304: it had stopped already. */
    if (rep->status != 204 && rep->status != 304)
        dk_log_line(t, "docker: cannot stop container %.12s: %s", t->id, rep->error);
    dk_maybe_free(t);
}

static void stop_container(docker_task *t)
{
    if (!t->id || t->stop || t->wait_done)
        return;
    char *path = xasprintf("/containers/%s/stop?t=%d", t->id, STOP_GRACE_S);
    t->stop = docker_request(t->api, "POST", path, NULL, NULL, on_stopped, t,
                             STOP_GRACE_S + CALL_TIMEOUT_S);
    free(path);
}

static void open_log_stream(docker_task *t)
{
    char *path = xasprintf("/containers/%s/logs?follow=1&stdout=1&stderr=1", t->id);
    t->logs = docker_request(t->api, "GET", path, NULL, on_log_data, on_logs_done, t, 0);
    free(path);
    t->logs_done = !t->logs;
}

/* The wait for the container's exit; false (the try failed) when the
 * request cannot be made. */
static bool request_wait(docker_task *t)
{
    char *path = xasprintf("/containers/%s/wait", t->id);
    t->wait = docker_request(t->api, "POST", path, NULL, NULL, on_waited, t, 0);
    free(path);
    if (!t->wait)
        dk_fail(t, "docker: cannot start a request to %s", docker_api_host(t->api));
    return t->wait != NULL;
}

/* The container runs: its output comes from the log stream (after a
 * restart, from SKIP bytes on), its exit code from the wait. Both end once
 * the engine has torn the container down, so the next container of a
 * chain does not start while the engine is still busy with this one (which
 * measured slower than waiting: the two contend inside the engine). */
void dk_follow(docker_task *t, uint64_t skip)
{
    t->phase = PH_RUN;
    frame_demux_init(&t->demux, skip);
    open_log_stream(t);
    if (t->died) {
        died(t);
        return;
    }
    if (!request_wait(t))
        return;
    if (t->killing)
        stop_container(t);
}

/* ---- create and start ---- */

static void on_started(void *arg, const docker_reply *rep)
{
    docker_task *t = arg;
    t->step = NULL;
    if (dk_cancelled(t, rep))
        return;
    if (rep->transport_error) {
        dk_fail_unreachable(t, "starting the container", rep);
        return;
    }
    if (rep->status != 204 && rep->status != 304) {
        dk_fail(t, "docker: cannot start container %.12s: %s", t->id, rep->error);
        return;
    }
    t->phase = PH_RUN;
    if (!t->attached)
        open_log_stream(t);
    if (t->died && !t->wait_done) { /* the die event came before the start's reply */
        died(t);
        return;
    }
    if (!t->wait && !t->wait_done && !request_wait(t))
        return;
    if (t->killing)
        stop_container(t);
    check_finished(t);
}

static void send_start(docker_task *t)
{
    if (t->killing) {
        dk_fail(t, "stopped before the container started");
        return;
    }
    char *path = xasprintf("/containers/%s/start", t->id);
    t->step = docker_request(t->api, "POST", path, NULL, NULL, on_started, t, CALL_TIMEOUT_S);
    free(path);
    if (!t->step)
        dk_fail(t, "docker: cannot start a request to %s", docker_api_host(t->api));
}

static void on_gate_open(void *arg)
{
    docker_task *t = arg;
    uv_timer_stop(&t->timer);
    if (!t->step && !t->reported)
        send_start(t);
}

static void on_gate_cap(uv_timer_t *timer)
{
    docker_task *t = timer->data;
    docker_gate_cancel(&t->gate);
    on_gate_open(t);
}

/* Attached: start once no other container of ours is being torn down
 * (at most GATE_MAX_MS later). */
static void on_attached_turn(uv_timer_t *timer)
{
    docker_task *t = timer->data;
    if (t->step || t->reported)
        return;
    docker_after_teardowns(t->api, &t->gate, on_gate_open, t);
    if (t->gate.ev)
        uv_timer_start(&t->timer, on_gate_cap, GATE_MAX_MS, 0);
}

/* From inside curl's header callback. */
static void on_attached(void *arg)
{
    docker_task *t = arg;
    t->attached = true;
    uv_timer_stop(&t->timer);
    uv_timer_start(&t->timer, on_attached_turn, 0, 0);
}

/* As the docker CLI runs a container: its output stream attached and its
 * exit awaited before it starts, so nothing after the start's reply stands
 * between the exit and the report. The attach stream carries every byte
 * (the engine closes it once it has copied the last); a log stream opened
 * after the start can lose the end of a burst written right before the
 * exit. The start waits for the attach's reply (the CLI does too). */
void dk_begin_start(docker_task *t)
{
    t->phase = PH_START;
    if (t->killing) {
        dk_fail(t, "stopped before the container started");
        return;
    }
    frame_demux_init(&t->demux, 0);
    char *path = xasprintf("/containers/%s/attach?stream=1&stdout=1&stderr=1", t->id);
    t->logs = docker_request(t->api, "POST", path, NULL, on_log_data, on_logs_done, t, 0);
    free(path);
    if (t->logs)
        docker_call_on_ready(t->logs, on_attached);
    path = xasprintf("/containers/%s/wait?condition=next-exit", t->id);
    t->wait = docker_request(t->api, "POST", path, NULL, NULL, on_waited, t, 0);
    free(path);
    if (!t->logs)
        send_start(t);
}

static bool no_such_image(const docker_reply *rep)
{
    return rep->status == 404 && strstr(rep->error, "image") != NULL;
}

static void on_created(void *arg, const docker_reply *rep)
{
    docker_task *t = arg;
    t->step = NULL;
    if (dk_cancelled(t, rep))
        return;
    if (rep->transport_error) {
        dk_fail_unreachable(t, "creating the container", rep);
        return;
    }
    if (no_such_image(rep) && t->pull == PULL_MISSING && !t->pulled && !t->killing) {
        dk_begin_pull(t);
        return;
    }
    if (no_such_image(rep)) {
        dk_fail(t, "image %s not found%s: %s", t->image,
                t->pull == PULL_NEVER ? " (pull = never)" : "", rep->error);
        return;
    }
    json_t *j = rep->status == 201 ? json_loadb(rep->body, rep->len, 0, NULL) : NULL;
    const char *id = json_string_value(json_object_get(j, "Id"));
    if (!id) {
        json_decref(j);
        dk_fail(t, "docker: cannot create a container of image %s: %s", t->image,
                rep->error[0] ? rep->error : "no Id in the reply");
        return;
    }
    dk_set_id(t, id);
    json_t *warnings = json_object_get(j, "Warnings");
    size_t k;
    json_t *w;
    json_array_foreach(warnings, k, w)
    {
        if (json_string_value(w))
            dk_log_line(t, "docker: %s", json_string_value(w));
    }
    json_decref(j);
    /* The container exists: from now on a restarted agent must find it
     * (or count it gone), never start the try afresh. */
    if (t->status_path && try_status_started(t->status_path) != 0)
        dk_log_line(t, "cannot write %s: %s", t->status_path, strerror(errno));
    dk_begin_start(t);
}

void dk_begin_create(docker_task *t)
{
    t->phase = PH_CREATE;
    if (t->killing) {
        dk_fail(t, "stopped before the container was created");
        return;
    }
    /* What the log holds now precedes the container's output. */
    off_t size = t->log_fd >= 0 ? lseek(t->log_fd, 0, SEEK_END) : 0;
    json_t *labels = json_object_get(t->create, "Labels");
    if (json_is_object(labels)) {
        char *offset = xasprintf("%lld", (long long)(size > 0 ? size : 0));
        json_object_set_new(labels, DOCKER_LABEL_LOG_OFFSET, json_string(offset));
        free(offset);
    }
    char *body = json_dumps(t->create, JSON_COMPACT);
    if (!body) {
        dk_fail(t, "docker: cannot encode the container's spec as JSON");
        return;
    }
    t->step = docker_request(t->api, "POST", "/containers/create", body, NULL, on_created, t,
                             CALL_TIMEOUT_S);
    free(body);
    if (!t->step)
        dk_fail(t, "docker: cannot start a request to %s", docker_api_host(t->api));
}

/* ---- the executor's interface ---- */

static void on_deferred_begin(uv_timer_t *timer)
{
    docker_task *t = timer->data;
    if (t->phase == PH_PULL && !t->step)
        dk_begin_pull(t);
    else if (t->phase == PH_CREATE && !t->step)
        dk_begin_create(t);
    else if (t->phase == PH_START && !t->step)
        dk_begin_start(t);
}

docker_task *dk_task_new(docker_api *api, uv_loop_t *loop, const char *log_path, exec_done_fn done,
                         void *arg)
{
    docker_task *t = xcalloc(1, sizeof *t);
    t->api = api;
    t->loop = loop;
    t->log_path = xstrdup(log_path);
    mkdir_parents(log_path, 0750);
    t->log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    t->done = done;
    t->arg = arg;
    uv_timer_init(loop, &t->timer);
    uv_timer_init(loop, &t->deadline);
    t->timer.data = t->deadline.data = t;
    t->open_handles = 2;
    return t;
}

static void on_deadline(uv_timer_t *timer)
{
    docker_task *t = timer->data;
    t->res.timed_out = true;
    exec_docker_kill(t);
}

void dk_arm_deadline(docker_task *t, int64_t timeout_us)
{
    if (timeout_us > 0)
        uv_timer_start(&t->deadline, on_deadline, (uint64_t)((timeout_us + 999) / 1000), 0);
}

docker_task *exec_docker_start(docker_api *api, uv_loop_t *loop, const docker_run_request *req)
{
    docker_task *t = dk_task_new(api, loop, req->log_path, req->done, req->arg);
    t->image = xstrdup(req->image);
    t->create = req->create;
    t->pull = req->pull;
    t->keep = req->keep;
    t->capture = req->capture_last_line;
    t->status_path = req->status_path ? xstrdup(req->status_path) : NULL;
    dk_arm_deadline(t, req->timeout_us);
    /* The first request goes out from the next loop turn, so that DONE is
     * never called before this returns. */
    t->phase = t->pull == PULL_ALWAYS ? PH_PULL : PH_CREATE;
    uv_timer_start(&t->timer, on_deferred_begin, 0, 0);
    return t;
}

static void on_kill_now(uv_timer_t *timer)
{
    docker_task *t = timer->data;
    dk_fail(t, "stopped before the container ran");
}

void exec_docker_kill(docker_task *t)
{
    if (t->reported || t->killing)
        return;
    t->killing = true;
    switch (t->phase) {
    case PH_PULL:
        if (t->step) {
            docker_call_cancel(t->step);
            t->step = NULL;
        }
        /* Report from a later loop turn: the caller is mid-change. */
        uv_timer_stop(&t->timer);
        uv_timer_start(&t->timer, on_kill_now, 0, 0);
        break;
    case PH_FIND:
        if (!t->step) { /* between two tries to reach the engine */
            uv_timer_stop(&t->timer);
            uv_timer_start(&t->timer, on_kill_now, 0, 0);
        }
        break;
    case PH_CREATE:
    case PH_START:
        break; /* the step's reply sees killing */
    case PH_RUN:
        stop_container(t);
        break;
    case PH_DONE:
        break;
    }
}

void exec_docker_set_arg(docker_task *t, void *arg)
{
    t->arg = arg;
}

/* Stop every call and the log: DONE will never be called. */
static void release(docker_task *t)
{
    t->abandoned = true;
    docker_call_cancel(t->step);
    docker_call_cancel(t->logs);
    docker_call_cancel(t->wait);
    docker_call_cancel(t->stop);
    t->step = t->logs = t->wait = t->stop = NULL;
    dk_teardown_over(t);
    docker_unwatch_exit(&t->exit_watch);
    docker_gate_cancel(&t->gate);
    dk_close_log(t);
}

void exec_docker_discard(docker_task *t)
{
    if (t->reported || t->abandoned)
        return;
    release(t);
    t->keep = false; /* the task is gone: nothing to debug */
    dk_remove_container(t);
    dk_maybe_free(t);
}

void exec_docker_abandon(docker_task *t)
{
    if (t->reported || t->abandoned)
        return;
    release(t);
    dk_maybe_free(t);
}
