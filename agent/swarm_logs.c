#include "exec_swarm_int.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- logs ---- */

static void on_frame(void *arg, int stream, const char *data, size_t len)
{
    swarm_task *t = arg;
    if (t->capture && stream == FRAME_STDOUT)
        try_log_last_line(&t->line, &t->last_line, data, len);
    t->have += len;
    try_log_write(t->log_fd, data, len);
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
    if (sw_cancelled(t, rep))
        return;
    /* The rest is fetched once the task has ended (finish). */
}

/* Follow the service's log from the bytes already in the log file on. */
void sw_follow_logs(swarm_task *t)
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
    if (sw_cancelled(t, rep))
        return;
    if (rep->status != 200 && !t->killing)
        sw_log(t, "swarm: log of service %s: %s", t->name, rep->error[0] ? rep->error : "?");
    if (t->killing) { /* stopped meanwhile */
        sw_remove_service(t);
        return;
    }
    judge(t);
    sw_report(t);
}

/* What the stream has not brought yet: the whole log once more, without
 * the bytes already written (the stream's order is the engine's). */
void sw_finish(swarm_task *t)
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
        sw_report(t);
    }
}
