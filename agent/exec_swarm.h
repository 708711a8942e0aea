/* The swarm executor: one task try as one Docker Swarm service in
 * replicated-job mode, through the Engine API of a manager — create the
 * service, poll its task (waiting for a node, running, ended), stream its
 * log into the try's log file, judge the end by the container's exit code,
 * remove the service. Also takes over the service of a try that outlived
 * an agent restart. DONE gets an exec_result like the other executors'. */
#ifndef DAGD_EXEC_SWARM_H
#define DAGD_EXEC_SWARM_H

#include "docker_api.h"
#include "exec_result.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

typedef struct swarm_task swarm_task;

typedef struct swarm_request {
    /* The service (swarm_service_body); taken over. NULL: attach. */
    json_t *create;
    /* Attach: the labels filter of the try's service (swarm_try_filter). */
    const char *find_filter;
    const char *log_path;    /* created with its folders */
    const char *status_path; /* where its status record is (try_status.h), or NULL */
    /* The task's timeout, from now: 0 none, < 0 past (stopped at once). */
    int64_t timeout_us;
    /* Without a timeout: how long it may still wait for a node. */
    int64_t wait_limit_us;
    bool capture_last_line;
    exec_done_fn done;
    exec_progress_fn progress; /* waiting for a node (why) / on a node (which) */
    void *arg;
} swarm_request;

/* DONE is called exactly once, from a later loop turn, unless abandoned or
 * discarded. */
swarm_task *exec_swarm_start(docker_api *api, uv_loop_t *loop, const swarm_request *req);
/* Find the try's service by its labels and follow it; the log continues
 * where it stopped. No service fails the try, unless its status file says
 * that it was only claimed (res.not_started). */
swarm_task *exec_swarm_attach(docker_api *api, uv_loop_t *loop, const swarm_request *req);

/* Stop it: the service is removed (the engine stops its container); DONE
 * follows. */
void exec_swarm_stop(swarm_task *t);
/* Agent shutdown: never call DONE; the service runs on and is followed
 * after the next start. */
void exec_swarm_abandon(swarm_task *t);
/* The task is gone (DAG reload): never call DONE, remove the service. */
void exec_swarm_discard(swarm_task *t);
void exec_swarm_set_arg(swarm_task *t, void *arg);

/* How a task's state reads (exported for tests): 0 waiting for a node, 1
 * on a node (preparing, starting, running), 2 ended. */
int swarm_state_kind(const char *state);

#endif
